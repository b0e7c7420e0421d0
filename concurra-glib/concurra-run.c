/* concurra-run.c: one run of a ConcurraRunner, on its owner context.
 *
 * From the moment the run is claimed to "finished": validation, launch,
 * the batches of events the hub (the scheduler, concurra-hub.c) delivers,
 * propagation to dependents (skipped when a dependency failed), retries
 * and timeouts (one timer, concurra-deadlines.c), fast-fail and abort, and
 * the end of the run. All of it runs on the owner context, so the graph and
 * the counters need no lock; only the lock in ConcurraRunner guards what
 * other threads read (the context, an early abort, done).
 *
 * The public entry points that drive it are in concurra-runner.c.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-executor-private.h"
#include "concurra-format-private.h"
#include "concurra-runner-private.h"

#include <math.h>

/* deadline tags: the attempt number and what the deadline is for */
enum {
  DEADLINE_TIMEOUT,
  DEADLINE_RETRY,
};

static void time_out        (ConcurraRunner     *self,
                             ConcurraTask       *task);
static void complete_task   (ConcurraRunner     *self,
                             ConcurraTask       *task,
                             ConcurraTaskStatus  status,
                             GError             *error);
static void terminate_all   (ConcurraRunner     *self);
static void check_finished  (ConcurraRunner     *self);
static gboolean is_serializable (ConcurraRunner *self,
                                 ConcurraTask   *task);

static double
elapsed_seconds (ConcurraRunner *self)
{
  return (g_get_monotonic_time () - self->run_start) / (double) G_USEC_PER_SEC;
}

static void
set_state (ConcurraRunner      *self,
           ConcurraRunnerState  state)
{
  g_atomic_int_set (&self->state, state);
  g_object_notify_by_pspec (G_OBJECT (self), concurra_runner_properties[PROP_STATE]);
}

static void
schedule_attempt (ConcurraRunner *self,
                  ConcurraTask   *task)
{
  if (!is_serializable (self, task))
    {
      complete_task (self, task, CONCURRA_TASK_STATUS_FAILED,
                     g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_NOT_SERIALIZABLE,
                                  "Task '%s' is a local function and cannot be sent to a worker "
                                  "process; use a process task, or set fallback-to-thread",
                                  task->label));
      return;
    }
  /* no time at all: the attempt has timed out before it starts, and
   * nothing of it runs (no function called, no process spawned) */
  if (task->timeout == 0)
    {
      time_out (self, task);
      return;
    }
  concurra_task_begin_attempt (task);
  if (self->batch != NULL)
    g_ptr_array_add (self->batch, task);
  else
    concurra_hub_push_ready (self->hub, &task, 1);
}

/* Formatting a line the default writer drops is waste; with another writer
 * installed, everything is formatted. */
static gboolean
would_drop (GLogLevelFlags level)
{
  return g_log_writer_default_would_drop (level, G_LOG_DOMAIN);
}

static void
log_progress (ConcurraRunner *self)
{
  g_autofree char *line = concurra_format_progress (self->name, self->n_announced,
                                                    self->tasks->len, elapsed_seconds (self));

  concurra_runner_log (self, G_LOG_LEVEL_INFO, "%s", line);
}

/* Called before emitting signals: if a handler blocks in a wait that
 * iterates this context, the nested dispatch must find the hub ready to
 * handle the events still queued here. */
static void
allow_reentry (ConcurraRunner *self)
{
  /* once per batch: the hub stays ready until its next dispatch */
  if (!self->reentry_armed && !g_queue_is_empty (&self->events) && self->hub != NULL)
    {
      concurra_hub_wake (self->hub);
      self->reentry_armed = TRUE;
    }
}

/* Gives @task its final status, telling no one yet. */
static void
settle (ConcurraRunner     *self,
        ConcurraTask       *task,
        ConcurraTaskStatus  status,
        GError             *error)
{
  concurra_task_settle (task, status, error);
  g_atomic_int_inc (&self->n_completed);
  if (status != CONCURRA_TASK_STATUS_SUCCESSFUL)
    g_atomic_int_inc (&self->n_failed);
}

/* Notifies the counters that changed since they were last notified: once
 * per batch of events rather than per task, see check_finished(). */
static void
notify_counts (ConcurraRunner *self)
{
  const guint counts[3] = {
    g_atomic_int_get (&self->n_running),
    g_atomic_int_get (&self->n_completed),
    g_atomic_int_get (&self->n_failed),
  };
  static const int props[3] = { PROP_N_RUNNING, PROP_N_COMPLETED, PROP_N_FAILED };

  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    if (counts[i] != self->notified_counts[i])
      {
        self->notified_counts[i] = counts[i];
        g_object_notify_by_pspec (G_OBJECT (self), concurra_runner_properties[props[i]]);
      }
}

/* Tells everyone that @task has its final status. Handlers may block in a
 * wait on other tasks, so the graph must be up to date before this. */
static void
announce (ConcurraRunner *self,
          ConcurraTask   *task)
{
  allow_reentry (self);
  /* the run cannot finish before this returns: see concurra_runner_wait() */
  self->n_holding++;
  concurra_task_announce (task);
  self->n_announced++;

  if (self->log_errors && concurra_task_get_status (task) == CONCURRA_TASK_STATUS_FAILED)
    {
      g_autofree char *described = concurra_task_describe_error (task);

      concurra_runner_log (self, G_LOG_LEVEL_MESSAGE, "Task '%s' failed: %s%s%s", task->label,
                           described, task->trace ? "\n" : "", task->trace ? task->trace : "");
    }

  g_signal_emit (self, concurra_runner_signals[SIGNAL_TASK_FINISHED], 0, task);
  /* a handler that iterated the context may have announced more tasks and
   * their progress already: progress never goes back nor repeats */
  if (self->n_announced > self->n_progressed)
    {
      self->n_progressed = self->n_announced;
      g_signal_emit (self, concurra_runner_signals[SIGNAL_PROGRESS], 0, self->n_announced, self->tasks->len);
      if (self->progress_stats && !would_drop (G_LOG_LEVEL_INFO))
        log_progress (self);
    }
  self->n_holding--;
}

static void
record_final (ConcurraRunner     *self,
              ConcurraTask       *task,
              ConcurraTaskStatus  status,
              GError             *error)
{
  settle (self, task, status, error);
  announce (self, task);
}

static GError *
skip_error (ConcurraTask *task)
{
  GString *failed = g_string_new (NULL);
  GError *error;

  for (guint d = 0; d < task->n_deps; d++)
    if (concurra_task_get_has_failed (task->deps[d]))
      g_string_append_printf (failed, "%s%s", failed->len ? ", " : "", task->deps[d]->label);

  error = g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_DEPENDENCY_FAILED,
                       "Skipped: dependency [%s] failed or was terminated", failed->str);
  g_string_free (failed, TRUE);
  return error;
}

/* Records the final status of @task and propagates it — dependents become
 * ready or are skipped, transitively, breadth first without recursion so
 * that a long chain cannot overflow the stack — then announces @task and
 * the skipped tasks. */
static void
complete_task (ConcurraRunner     *self,
               ConcurraTask       *task,
               ConcurraTaskStatus  status,
               GError             *error)
{
  /* complete_task() can be re-entered from a signal handler: only the
   * outermost call may borrow the runner's array */
  GPtrArray *settled = self->worklist ? g_steal_pointer (&self->worklist) : g_ptr_array_new ();
  /* fast-fail reacts to failures and timeouts, not to a task cancelled on purpose */
  gboolean fails_run = status == CONCURRA_TASK_STATUS_FAILED ||
                       g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);

  settle (self, task, status, error);
  g_ptr_array_add (settled, task);

  for (guint n = 0; n < settled->len; n++)
    {
      ConcurraTask *done = g_ptr_array_index (settled, n);
      gboolean ok = concurra_task_get_status (done) == CONCURRA_TASK_STATUS_SUCCESSFUL;

      for (guint i = 0; i < done->n_dependents; i++)
        {
          ConcurraTask *next = done->dependents[i];

          if (concurra_task_get_status (next) != CONCURRA_TASK_STATUS_PENDING || next->attempts > 0)
            continue;
          if (ok)
            {
              if (--next->n_waiting_deps == 0 && !self->terminating)
                schedule_attempt (self, next);
            }
          else
            {
              settle (self, next, CONCURRA_TASK_STATUS_TERMINATED, skip_error (next));
              g_ptr_array_add (settled, next);
            }
        }
    }

  for (guint n = 0; n < settled->len; n++)
    announce (self, g_ptr_array_index (settled, n));

  g_ptr_array_set_size (settled, 0);
  if (self->worklist == NULL)
    self->worklist = settled;
  else
    g_ptr_array_unref (settled);

  if (fails_run && self->fast_fail)
    terminate_all (self);
}

static ConcurraExecutionMode
task_execution_mode (ConcurraRunner *self,
                     ConcurraTask   *task)
{
  if (task->fallback)
    return CONCURRA_EXECUTION_MODE_THREAD_FALLBACK;
  return task->executor->mode;
}

static void
on_started (ConcurraRunner *self,
            ConcurraTask   *task)
{
  gboolean mode_changed;

  /* terminated while it waited in the queue: the lane runs it, we ignore it */
  if (concurra_task_get_status (task) != CONCURRA_TASK_STATUS_PENDING)
    return;

  allow_reentry (self);
  /* counted, timed and announced as started before the task's notify
   * handlers run: one that iterates the context may see the attempt end */
  mode_changed = concurra_task_mark_started (task, task_execution_mode (self, task));
  g_atomic_int_inc (&self->n_running);
  if (concurra_timeout_is_limited (task->timeout))
    concurra_deadlines_add (self->deadlines,
                            concurra_deadline_after (task->outcome.start_mono, task->timeout),
                            task, task->attempts << 1 | DEADLINE_TIMEOUT);
  g_signal_emit (self, concurra_runner_signals[SIGNAL_TASK_STARTED], 0, task);
  concurra_task_notify_started (task, mode_changed);
}

static void
retry_later (ConcurraRunner *self,
             ConcurraTask   *task,
             GError         *error)
{
  double delay = task->retry_delay * pow (self->retry_backoff, task->attempts - 1);

  concurra_task_add_retry_error (task, error);
  if (self->log_errors)
    concurra_runner_log (self, G_LOG_LEVEL_MESSAGE, "Task '%s' attempt %u failed, retrying: %s",
                         task->label, task->attempts, error->message);
  allow_reentry (self);
  /* the retry is scheduled after the handlers: the run cannot finish
   * during them (see concurra_runner_wait()) */
  self->n_holding++;
  concurra_task_mark_pending (task);
  g_signal_emit (self, concurra_runner_signals[SIGNAL_TASK_RETRYING], 0, task, task->attempts, error);
  self->n_holding--;
  g_error_free (error);

  /* a handler may have aborted the run */
  if (concurra_task_get_status (task) != CONCURRA_TASK_STATUS_PENDING)
    return;
  if (delay > 0)
    concurra_deadlines_add (self->deadlines,
                            concurra_deadline_after (g_get_monotonic_time (), delay),
                            task, task->attempts << 1 | DEADLINE_RETRY);
  else
    schedule_attempt (self, task);
}

static void
on_done (ConcurraRunner *self,
         ConcurraTask   *task)
{
  GError *error = NULL;

  if (concurra_task_get_status (task) != CONCURRA_TASK_STATUS_RUNNING)
    {
      /* a late result of a task that was terminated: the record stays */
      concurra_task_discard_attempt (task);
      return;
    }

  g_atomic_int_dec_and_test (&self->n_running);
  if (concurra_task_take_attempt (task, &error))
    {
      complete_task (self, task, CONCURRA_TASK_STATUS_SUCCESSFUL, NULL);
      return;
    }
  if (task->attempts <= (guint) task->retries && !self->terminating)
    retry_later (self, task, error);
  else
    complete_task (self, task, CONCURRA_TASK_STATUS_FAILED, error);
  /* with fast-fail a lane stops at a failure and leaves the decision to us:
   * when the run goes on (a retry, or fast-fail turned off meanwhile), the
   * ready tasks need their lanes back */
  if (self->hub != NULL && !self->terminating)
    concurra_hub_kick (self->hub);
}

static void
on_events (GQueue   *events,
           gpointer  user_data)
{
  ConcurraRunner *self = user_data;
  GList *link;

  /* this dispatch cleared the hub's ready time */
  self->reentry_armed = FALSE;

  /* queued on the runner, not walked in place: a signal handler that
   * iterates the context (a blocking wait) handles the rest of the batch
   * in a nested dispatch, see allow_reentry() */
  if (events->head != NULL)
    {
      if (self->events.tail != NULL)
        {
          self->events.tail->next = events->head;
          events->head->prev = self->events.tail;
        }
      else
        self->events.head = events->head;
      self->events.tail = events->tail;
      self->events.length += events->length;
      g_queue_init (events);
    }

  g_object_ref (self);
  while ((link = g_queue_pop_head_link (&self->events)) != NULL)
    {
      ConcurraTask *task = link->data;

      if (link == &task->started_link)
        on_started (self, task);
      else
        {
          on_done (self, task);
          g_object_unref (task);
        }
    }
  check_finished (self);
  g_object_unref (self);
}

/* Stops a task that has not finished: cancels its attempt and takes it
 * away from the workers. Does not record anything. */
static void
stop_task (ConcurraRunner *self,
           ConcurraTask   *task)
{
  if (concurra_task_get_status (task) == CONCURRA_TASK_STATUS_RUNNING)
    g_atomic_int_dec_and_test (&self->n_running);
  /* withdraw before cancelling: a function that returns on cancellation
   * must not let its lane go on to the next queued task */
  if (self->hub != NULL)
    {
      g_autoptr(GCancellable) running = concurra_hub_withdraw (self->hub, task);

      if (running != NULL)
        g_cancellable_cancel (running);
    }
}

static void
time_out (ConcurraRunner *self,
          ConcurraTask   *task)
{
  g_autofree char *seconds = g_strdup_printf ("%g", task->timeout);

  stop_task (self, task);
  if (self->log_errors)
    concurra_runner_log (self, G_LOG_LEVEL_MESSAGE, "Task '%s' exceeded timeout of %s seconds",
                         task->label, seconds);
  complete_task (self, task, CONCURRA_TASK_STATUS_TERMINATED,
                 g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT,
                              "Task exceeded timeout of %s seconds", seconds));
  /* the stuck thread no longer counts: let another task have its slot */
  if (self->hub != NULL)
    concurra_hub_kick (self->hub);
}

static void
on_deadline (gpointer item,
             guint    tag,
             gpointer user_data)
{
  ConcurraRunner *self = user_data;
  ConcurraTask *task = item;
  ConcurraTaskStatus status = concurra_task_get_status (task);

  /* deadlines are not removed when moot: check that this one still applies */
  if (task->attempts != tag >> 1)
    return;
  /* a handler, or the run_async callback, may drop the last reference */
  g_object_ref (self);
  if ((tag & 1) == DEADLINE_TIMEOUT && status == CONCURRA_TASK_STATUS_RUNNING)
    time_out (self, task);
  else if ((tag & 1) == DEADLINE_RETRY && status == CONCURRA_TASK_STATUS_PENDING && !self->terminating)
    schedule_attempt (self, task);
  check_finished (self);
  g_object_unref (self);
}

/* Fast-fail and abort: every task without a final status is terminated,
 * all of them before anyone hears of it. */
static void
terminate_all (ConcurraRunner *self)
{
  g_autoptr(GPtrArray) settled = NULL;

  if (self->terminating)
    return;
  self->terminating = TRUE;
  if (self->hub != NULL)
    concurra_hub_clear_ready (self->hub);

  settled = g_ptr_array_new ();
  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (concurra_task_is_done (task))
        continue;
      stop_task (self, task);
      settle (self, task, CONCURRA_TASK_STATUS_TERMINATED,
              g_error_new_literal (CONCURRA_ERROR, CONCURRA_ERROR_TERMINATED,
                                   "Execution terminated before completion"));
      g_ptr_array_add (settled, task);
    }
  for (guint i = 0; i < settled->len; i++)
    announce (self, g_ptr_array_index (settled, i));
}

/* What run(), run_finish() and wait() give back once the run is over. */
GHashTable *
concurra_run_collect_results (ConcurraRunner  *self,
                              GError         **error)
{
  if (self->run_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->run_error));
      return NULL;
    }
  if (self->raise_on_failure && self->n_failed > 0)
    {
      g_propagate_error (error, concurra_report_failed_error (concurra_runner_report (self)));
      return NULL;
    }
  return concurra_report_results (self->tasks);
}

static void
finish_run (ConcurraRunner *self)
{
  g_autoptr(GTask) async_task = g_steal_pointer (&self->async_task);

  if (self->hub != NULL)
    g_clear_pointer (&self->hub, concurra_hub_close);
  if (self->deadlines != NULL)
    concurra_deadlines_stop (self->deadlines);

  set_state (self, CONCURRA_RUNNER_STATE_FINISHED);
  if (self->verify && self->run_error == NULL &&
      !(self->n_failed == 0 && would_drop (G_LOG_LEVEL_INFO)))
    concurra_report_log (concurra_runner_report (self));
  g_signal_emit (self, concurra_runner_signals[SIGNAL_FINISHED], 0);

  g_mutex_lock (&self->lock);
  self->done = TRUE;
  g_cond_broadcast (&self->done_cond);
  g_mutex_unlock (&self->lock);

  if (async_task != NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (async_task);
      GError *error = NULL;
      GHashTable *results;

      /* not from inside the handler itself: the abort runs from an idle */
      g_cancellable_disconnect (cancellable, self->async_cancel_id);
      self->async_cancel_id = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        g_task_return_error (async_task, error);
      else if ((results = concurra_run_collect_results (self, &error)) != NULL)
        g_task_return_pointer (async_task, results, (GDestroyNotify) g_hash_table_unref);
      else
        g_task_return_error (async_task, error);
    }
}

static void
on_pool_closed (gpointer data)
{
  ConcurraRunner *self = data;

  check_finished (self);
  g_object_unref (self);
}

/* Called on the owner context after each batch of events. The run is over
 * when every task has its final status and every process it started —
 * commands stopped, worker processes — is reaped. */
static void
check_finished (ConcurraRunner *self)
{
  notify_counts (self);
  /* not from inside a handler of an announcement (a nested main loop): the
   * outer frame still has signals to emit, and calls this again */
  if (concurra_runner_get_state (self) != CONCURRA_RUNNER_STATE_RUNNING ||
      self->n_announced != self->tasks->len || self->n_holding != 0 ||
      (self->hub != NULL && !concurra_hub_is_settled (self->hub)))
    return;
  if (self->pool != NULL)
    {
      if (!self->closing_pool)
        {
          self->closing_pool = TRUE;
          if (!concurra_worker_pool_close (self->pool, on_pool_closed, g_object_ref (self)))
            return;
          /* no worker was left: the callback will not come */
          g_object_unref (self);
        }
      else if (!concurra_worker_pool_is_closed (self->pool))
        return;
      g_clear_pointer (&self->pool, concurra_worker_pool_unref);
    }
  finish_run (self);
}

static GError *
cancelled_error (void)
{
  return g_error_new_literal (CONCURRA_ERROR, CONCURRA_ERROR_TERMINATED, "Task was cancelled");
}

/* An abort (task NULL) or the cancellation of one task, sent from any
 * thread to the owner context. The runner is held weakly: the context may
 * be a finished background run's, which nobody iterates any more and which
 * the runner owns, and a strong reference would keep both alive forever. */
typedef struct
{
  GWeakRef      runner;
  ConcurraTask *task;
} OwnerCall;

static void
owner_call_free (OwnerCall *call)
{
  g_weak_ref_clear (&call->runner);
  g_clear_object (&call->task);
  g_free (call);
}

static gboolean
owner_call_dispatch (gpointer data)
{
  OwnerCall *call = data;
  g_autoptr(ConcurraRunner) self = g_weak_ref_get (&call->runner);

  if (self == NULL || concurra_runner_get_state (self) != CONCURRA_RUNNER_STATE_RUNNING)
    return G_SOURCE_REMOVE;

  if (call->task == NULL)
    terminate_all (self);
  else if (!concurra_task_is_done (call->task))
    {
      stop_task (self, call->task);
      complete_task (self, call->task, CONCURRA_TASK_STATUS_TERMINATED, cancelled_error ());
      if (self->hub != NULL)
        concurra_hub_kick (self->hub);
    }
  check_finished (self);
  return G_SOURCE_REMOVE;
}

/* Called with the lock held, so that the run's context is set. */
static void
schedule_owner_call (ConcurraRunner *self,
                     ConcurraTask   *task,
                     const char     *name)
{
  OwnerCall *call = g_new0 (OwnerCall, 1);
  GSource *source = g_idle_source_new ();

  g_weak_ref_init (&call->runner, self);
  call->task = task ? g_object_ref (task) : NULL;
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_static_name (source, name);
  g_source_set_callback (source, owner_call_dispatch, call, (GDestroyNotify) owner_call_free);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* ---- the tasks' handle on the runner (ConcurraTaskOwner) ---- */

/* Any thread: the context the run is driven by and the thread iterating
 * it, while the run goes on. */
static GMainContext *
owner_dup_context (GObject  *owner,
                   GThread **owner_thread)
{
  ConcurraRunner *runner = (ConcurraRunner *) owner;
  GMainContext *context = NULL;

  g_mutex_lock (&runner->lock);
  if (runner->context != NULL &&
      concurra_runner_get_state (runner) == CONCURRA_RUNNER_STATE_RUNNING)
    {
      *owner_thread = runner->owner_thread;
      context = g_main_context_ref (runner->context);
    }
  g_mutex_unlock (&runner->lock);
  return context;
}

/* Any thread: terminates @task on the owner context, or when the run
 * starts if it has not. */
static void
owner_cancel_task (GObject      *owner,
                   ConcurraTask *task)
{
  ConcurraRunner *runner = (ConcurraRunner *) owner;

  g_mutex_lock (&runner->lock);
  if (runner->context == NULL)
    task->cancel_requested = TRUE;
  else
    schedule_owner_call (runner, task, "[concurra] cancel task");
  g_mutex_unlock (&runner->lock);
}

const ConcurraTaskOwnerClass concurra_run_owner_class = {
  .cancel_task = owner_cancel_task,
  .dup_context = owner_dup_context,
};

/* Gives every task the runner's default settings where it has none. */
static void
apply_defaults (ConcurraRunner *self)
{
  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (task->retries < 0)
        task->retries = self->task_retries;
      if (task->timeout < 0)
        task->timeout = self->timeout;
      if (task->retry_delay < 0)
        task->retry_delay = self->retry_delay;
      if (task->max_output < 0)
        task->max_output = self->max_output;
    }
}

/* Nothing runs: every task is terminated with the run's error. */
static gboolean
refuse_run (ConcurraRunner  *self,
            GError         **error)
{
  for (guint i = 0; i < self->tasks->len; i++)
    record_final (self, g_ptr_array_index (self->tasks, i), CONCURRA_TASK_STATUS_TERMINATED,
                  g_error_copy (self->run_error));
  check_finished (self);
  g_propagate_error (error, g_error_copy (self->run_error));
  return FALSE;
}

/* Claims the single run and validates the graph. On failure no task runs
 * and, if the graph was at fault, every task is terminated. */
gboolean
concurra_run_prepare (ConcurraRunner  *self,
                      GError         **error)
{
  if (!g_atomic_int_compare_and_exchange (&self->state, CONCURRA_RUNNER_STATE_IDLE,
                                          CONCURRA_RUNNER_STATE_RUNNING))
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_ALREADY_STARTED,
                   "Runner '%s' was already started; a runner runs once", self->name);
      return FALSE;
    }
  g_object_notify_by_pspec (G_OBJECT (self), concurra_runner_properties[PROP_STATE]);

  if (!concurra_graph_check_unknown (self->graph, &self->run_error))
    return refuse_run (self, error);

  concurra_graph_link (self->graph);
  apply_defaults (self);
  if (!concurra_runner_prepare_launchers (self, &self->run_error))
    return refuse_run (self, error);
  return TRUE;
}

#define FALLBACK_WARNING \
  "Task could not be sent to a worker process and ran in a thread instead: " \
  "it shares the parent's memory and cannot be killed on timeout"

/* Process mode: process tasks get the worker pool; function tasks, which
 * cannot cross the process boundary, fall back to a thread if allowed. */
static void
prepare_process_mode (ConcurraRunner *self,
                      GMainContext   *context)
{
  self->pool = concurra_worker_pool_new (context, (const char * const *) self->worker_command,
                                         concurra_runner_worker_launcher (self));
  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (task->process != NULL)
        concurra_process_call_set_pool (task, self->pool);
      else if (task->executor == &concurra_thread_executor && self->fallback_to_thread)
        concurra_task_set_fallback (task, FALLBACK_WARNING);
    }
}

static gboolean
is_serializable (ConcurraRunner *self,
                 ConcurraTask   *task)
{
  /* by now, process tasks have the process executor */
  return self->pool == NULL || task->executor != &concurra_thread_executor || task->fallback;
}

/* Starts the run on @context, which the caller iterates. */
void
concurra_run_launch (ConcurraRunner *self,
                     GMainContext   *context)
{
  gboolean abort_requested;
  guint n_ready;

  self->run_start = g_get_monotonic_time ();
  if (self->mode == CONCURRA_EXECUTION_MODE_PROCESS)
    prepare_process_mode (self, context);
  self->hub = concurra_hub_new (context, self->max_concurrency, self->fast_fail, on_events, self);
  self->deadlines = concurra_deadlines_new (context, on_deadline, self);

  g_mutex_lock (&self->lock);
  self->context = g_main_context_ref (context);
  self->owner_thread = g_thread_self ();
  abort_requested = self->abort_requested;
  g_mutex_unlock (&self->lock);

  /* aborted (or its cancellable cancelled) before it started: run nothing */
  if (abort_requested)
    terminate_all (self);

  /* tasks cancelled before the run: terminated, and their dependents skipped */
  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (task->cancel_requested && !concurra_task_is_done (task))
        complete_task (self, task, CONCURRA_TASK_STATUS_TERMINATED, cancelled_error ());
    }
  self->batch = g_ptr_array_sized_new (self->tasks->len);
  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (task->n_deps == 0 && !concurra_task_is_done (task))
        schedule_attempt (self, task);
    }
  /* a task that could not be sent to a worker may have failed fast meanwhile */
  n_ready = 0;
  for (guint i = 0; i < self->batch->len; i++)
    if (!concurra_task_is_done (g_ptr_array_index (self->batch, i)))
      self->batch->pdata[n_ready++] = self->batch->pdata[i];
  concurra_hub_push_ready (self->hub, (ConcurraTask **) self->batch->pdata, n_ready);
  g_clear_pointer (&self->batch, g_ptr_array_unref);

  /* lets an empty run finish from the loop, like any other */
  concurra_hub_wake (self->hub);
}

/* Launches the run on a private @context and iterates it until the run is
 * over, owning it throughout so that no waiter elsewhere mistakes it for a
 * context nobody iterates. */
void
concurra_run_on_private_context (ConcurraRunner *self,
                                 GMainContext   *context)
{
  g_main_context_acquire (context);
  g_main_context_push_thread_default (context);
  concurra_run_launch (self, context);
  while (concurra_runner_get_state (self) != CONCURRA_RUNNER_STATE_FINISHED)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_release (context);
}

static void
on_wait_cancelled (GCancellable   *cancellable,
                   ConcurraRunner *self)
{
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->done_cond);
  g_mutex_unlock (&self->lock);
}

/* Blocks until the run is done or @cancellable is cancelled. If nobody
 * iterates the owner context (a run_async() whose caller now waits), this
 * thread iterates it, so waiting from the owner thread cannot deadlock; nor
 * can a wait from the background run's own thread (a "finished" handler). */
void
concurra_run_block_until_done (ConcurraRunner *self,
                               GCancellable   *cancellable)
{
  gulong cancel_id = 0;

  if (self->context != NULL &&
      g_main_context_acquire (self->context))
    {
      while (concurra_runner_get_state (self) != CONCURRA_RUNNER_STATE_FINISHED &&
             !g_cancellable_is_cancelled (cancellable))
        g_main_context_iteration (self->context, TRUE);
      g_main_context_release (self->context);
      return;
    }

  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_wait_cancelled), self, NULL);
  g_mutex_lock (&self->lock);
  while (!self->done && !g_cancellable_is_cancelled (cancellable))
    g_cond_wait (&self->done_cond, &self->lock);
  g_mutex_unlock (&self->lock);
  g_cancellable_disconnect (cancellable, cancel_id);
}

/* Any thread: terminates every task without a final status, on the owner
 * context; before the run starts, at once, using the run up. */
void
concurra_run_abort (ConcurraRunner *self)
{
  if (g_atomic_int_compare_and_exchange (&self->state, CONCURRA_RUNNER_STATE_IDLE,
                                         CONCURRA_RUNNER_STATE_RUNNING))
    {
      g_object_notify_by_pspec (G_OBJECT (self), concurra_runner_properties[PROP_STATE]);
      terminate_all (self);
      finish_run (self);
      return;
    }

  g_mutex_lock (&self->lock);
  if (self->context == NULL)
    self->abort_requested = TRUE;
  else if (concurra_runner_get_state (self) == CONCURRA_RUNNER_STATE_RUNNING)
    schedule_owner_call (self, NULL, "[concurra] abort");
  g_mutex_unlock (&self->lock);
}
