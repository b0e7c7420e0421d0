/* concurra-worker-lane.c: the lanes of a ConcurraWorker and their calls.
 *
 * A lane has a queue of calls and at most one current call. A lane with
 * work is "busy": in thread mode a job of the worker's GThreadPool runs its
 * calls back to back and ends when the queue is empty; in the other modes
 * the owner context drives it, starting one call and going on when that
 * call's attempt ends. A failed attempt that is retried stays the current
 * call; when the retry waits, a timer on the owner context resumes the lane
 * and no thread is held meanwhile.
 *
 * A call's final status is claimed once, under the worker's lock, by
 * whoever gives it: the lane when the attempt ends, or a cancellation or
 * stop. The lane lets go of a call it was running only when the attempt
 * ends, so an instance never runs two calls at once. Waiters are woken
 * where the status is given; notifications follow on the owner context.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-enum-types.h"
#include "concurra-executor-private.h"
#include "concurra-process-private.h"
#include "concurra-worker-lane-private.h"

#include <math.h>

typedef struct
{
  ConcurraWorkerLane     *lane;        /* set when a lane takes it */
  ConcurraTask           *task;
  ConcurraWorkerCallFunc  func;
  gpointer                user_data;
  GDestroyNotify          destroy;
  GCancellable           *cancellable;
  GList                   link;        /* in a lane's queue or the demand queue */
  gboolean                claimed;     /* its final status is given */
} WorkerCall;

struct _ConcurraWorkerLane
{
  ConcurraWorkerCore *core;
  guint               index;
  gboolean            on_demand;       /* ends after one call */
  GQueue              queue;
  WorkerCall         *current;
  guint               n_active;        /* queued + current */
  guint64             n_total;
  GObject            *instance;
  gboolean            has_instance;
  gboolean            busy;
  GSource            *retry_source;    /* the current call waits to be retried */
  GCancellable       *cancellable;     /* cancelled when the worker stops */
  GCancellable       *call_cancellable; /* lent to each call it starts, until
                                         * one of them is cancelled */

  /* owner-driven lanes */
  GList               drive_link;
  gboolean            drive_queued;
  gboolean            attempt_ended;
  gboolean            init_ended;
  gboolean            in_attempt;      /* an async attempt or init is running */

  /* process lanes */
  ConcurraWorkerPool *pool;
  ConcurraTask       *init_task;
  gboolean            needs_init;
  ConcurraLaneLimits  limits;          /* what its call holds and waits for */
};

typedef enum
{
  ATTEMPT_DONE,
  ATTEMPT_RETRY_NOW,
  ATTEMPT_RETRY_LATER,
} AttemptEnd;

static void lane_kick_locked  (ConcurraWorkerLane *lane);
static void lane_resume_locked (ConcurraWorkerLane *lane);
static void lane_drive        (ConcurraWorkerLane *lane);
static void wake_owner_locked (ConcurraWorkerCore *core);

/* ---- closures ---- */

static ConcurraWorkerClosure *
closure_ref (ConcurraWorkerClosure *closure)
{
  return closure ? g_atomic_rc_box_acquire (closure) : NULL;
}

static void
closure_clear (ConcurraWorkerClosure *closure)
{
  if (closure->destroy != NULL)
    closure->destroy (closure->data);
}

static void
closure_unref (ConcurraWorkerClosure *closure)
{
  if (closure != NULL)
    g_atomic_rc_box_release_full (closure, (GDestroyNotify) closure_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcurraWorkerClosure, closure_unref)

static ConcurraWorkerClosure *
core_dup_closure (ConcurraWorkerCore     *core,
                  ConcurraWorkerClosure **slot)
{
  ConcurraWorkerClosure *closure;

  g_mutex_lock (&core->lock);
  closure = closure_ref (*slot);
  g_mutex_unlock (&core->lock);
  return closure;
}

void
concurra_worker_core_set_closure (ConcurraWorkerCore     *core,
                                  ConcurraWorkerClosure **slot,
                                  GCallback               func,
                                  gpointer                data,
                                  GDestroyNotify          destroy)
{
  ConcurraWorkerClosure *closure = NULL;
  ConcurraWorkerClosure *old;

  if (func != NULL)
    {
      closure = g_atomic_rc_box_new0 (ConcurraWorkerClosure);
      closure->func = func;
      closure->data = data;
      closure->destroy = destroy;
    }
  else if (destroy != NULL)
    destroy (data);
  g_mutex_lock (&core->lock);
  old = *slot;
  *slot = closure;
  g_mutex_unlock (&core->lock);
  closure_unref (old);
}

/* ---- settings ---- */

void
concurra_worker_core_set_init_function (ConcurraWorkerCore *core,
                                        const char         *function_name,
                                        GVariant           *args)
{
  g_autoptr(GVariant) owned = args ? g_variant_ref_sink (args) : NULL;

  g_mutex_lock (&core->lock);
  g_free (core->init_function);
  core->init_function = g_strdup (function_name);
  g_clear_pointer (&core->init_args, g_variant_unref);
  core->init_args = g_steal_pointer (&owned);
  g_mutex_unlock (&core->lock);
}

void
concurra_worker_core_set_command (ConcurraWorkerCore *core,
                                  const char * const *command)
{
  g_mutex_lock (&core->lock);
  g_strfreev (core->worker_command);
  core->worker_command = g_strdupv ((char **) command);
  g_mutex_unlock (&core->lock);
}

void
concurra_worker_core_set_launcher (ConcurraWorkerCore *core,
                                   const char * const *launcher)
{
  g_mutex_lock (&core->lock);
  g_strfreev (core->worker_launcher);
  core->worker_launcher = g_strdupv ((char **) launcher);
  g_mutex_unlock (&core->lock);
}

void
concurra_worker_core_set_max_queued (ConcurraWorkerCore *core,
                                     guint               max_queued)
{
  g_mutex_lock (&core->lock);
  core->max_queued = max_queued;
  g_mutex_unlock (&core->lock);
}

double
concurra_worker_core_get_double (ConcurraWorkerCore *core,
                                 double             *field)
{
  double value;

  g_mutex_lock (&core->lock);
  value = *field;
  g_mutex_unlock (&core->lock);
  return value;
}

void
concurra_worker_core_set_double (ConcurraWorkerCore *core,
                                 double             *field,
                                 double              value)
{
  g_mutex_lock (&core->lock);
  *field = value;
  g_mutex_unlock (&core->lock);
}

double
concurra_worker_core_retry_wait (ConcurraWorkerCore *core,
                                 guint               attempt)
{
  double base = concurra_worker_core_get_double (core, &core->retry_wait);
  double factor;

  switch (g_atomic_int_get (&core->retry_algorithm))
    {
    case CONCURRA_RETRY_ALGORITHM_LINEAR:
      factor = attempt;
      break;
    case CONCURRA_RETRY_ALGORITHM_FIBONACCI:
      {
        double a = 1, b = 1;

        for (guint i = 2; i < attempt && b < CONCURRA_WORKER_MAX_WAIT; i++)
          {
            double next = a + b;

            a = b;
            b = next;
          }
        factor = b;
      }
      break;
    case CONCURRA_RETRY_ALGORITHM_EXPONENTIAL:
    default:
      factor = ldexp (1.0, (int) MIN (attempt - 1, 60));
      break;
    }
  return MIN (base * factor, CONCURRA_WORKER_MAX_WAIT);
}

/* The wait before the next attempt, with jitter: with jitter j, uniform in
 * [(1 − j)·w, w]. */
static double
retry_wait_with_jitter (ConcurraWorkerCore *core,
                        guint               attempt)
{
  double wait = concurra_worker_core_retry_wait (core, attempt);
  double jitter = concurra_worker_core_get_double (core, &core->retry_jitter);
  double u;

  if (jitter <= 0 || wait <= 0)
    return wait;
  g_mutex_lock (&core->lock);
  u = g_rand_double (core->rand);
  g_mutex_unlock (&core->lock);
  return wait * (1 - jitter * u);
}

/* ---- calls ---- */

static void
call_free (WorkerCall *call)
{
  if (call->destroy != NULL)
    call->destroy (call->user_data);
  g_clear_object (&call->cancellable);
  g_object_unref (call->task);
  g_free (call);
}

static void
call_run_thread (ConcurraTask *task,
                 GCancellable *cancellable,
                 gpointer      user_data)
{
  WorkerCall *call = user_data;
  ConcurraWorkerLane *lane = call->lane;

  call->func (task, lane->instance, lane->index, cancellable, call->user_data);
}

/* A call of a main-context worker ends at its task's report. A call
 * function returns nothing, so whatever it did counts as started. */
static gboolean
call_start_main_context (ConcurraTask  *task,
                         GCancellable  *cancellable,
                         gpointer       user_data,
                         GError       **error)
{
  call_run_thread (task, cancellable, user_data);
  return TRUE;
}

/* ---- the owner context ---- */

static void
wake_owner_locked (ConcurraWorkerCore *core)
{
  if (core->wake != NULL)
    g_source_set_ready_time (core->wake, 0);
}

/* Whether anyone listens to the call's notifications or to
 * ::call-finished: only then are they emitted, on the owner context; a
 * call nobody watches is freed where it ends, without waking the owner. */
static gboolean
call_is_watched (ConcurraWorkerCore *core,
                 ConcurraTask       *task)
{
  static guint notify_id;

  if (notify_id == 0)
    notify_id = g_signal_lookup ("notify", G_TYPE_OBJECT);
  return g_signal_handler_find (task, G_SIGNAL_MATCH_ID, notify_id, 0, NULL, NULL, NULL) != 0 ||
         g_signal_has_handler_pending (task, concurra_task_signals[TASK_SIGNAL_COMPLETED], 0, TRUE) ||
         core->hooks->is_watched (core->object);
}

static void
call_release (ConcurraWorkerCore *core,
              WorkerCall         *call)
{
  GObject *object = core->object;

  call_free (call);
  g_object_unref (object);   /* the call's */
}

/* Releases the lock, after the call is finished: its lane (if it has one)
 * lets go of it, and the owner context tells about it and frees it, or it
 * is freed here. */
static void
call_finished_unlock (ConcurraWorkerCore *core,
                      WorkerCall         *call)
{
  ConcurraWorkerLane *lane = call->lane;
  gboolean watched = call_is_watched (core, call->task);

  if (lane != NULL)
    {
      if (lane->current == call)
        lane->current = NULL;
      lane->n_active--;
    }
  core->n_active--;
  if (watched)
    {
      call->task->done_link.data = call->task;
      g_queue_push_tail_link (&core->finished, &call->task->done_link);
      wake_owner_locked (core);
    }
  else
    call->task->owner_data = NULL;
  g_mutex_unlock (&core->lock);
  if (!watched)
    call_release (core, call);
}

/* Gives a running call the final status this caller claimed for it. Its
 * lane lets go of it (and may free it) when the attempt ends, so the caller
 * holds its own reference on the task. */
static void
task_settle (ConcurraTask       *task,
             ConcurraTaskStatus  status,
             GError             *error)
{
  concurra_task_settle (task, status, error);
  concurra_task_wake_listeners (task);
}

/* Gives the call its final status, which this caller claimed, and ends it:
 * counted as finished before its waiters wake. */
static void
call_conclude (ConcurraWorkerCore *core,
               WorkerCall         *call,
               ConcurraTaskStatus  status,
               GError             *error)
{
  /* the owner context may free the call as soon as it is queued */
  g_autoptr(ConcurraTask) task = g_object_ref (call->task);

  concurra_task_settle (task, status, error);
  g_mutex_lock (&core->lock);
  call_finished_unlock (core, call);
  concurra_task_wake_listeners (task);
}

static gboolean
cancel_now (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* Stops a running attempt: process attempts are stopped on the owner
 * context, where their executor lives; the others at once. */
static void
cancel_on_owner (ConcurraWorkerCore *core,
                 GCancellable       *cancellable)
{
  if (core->mode == CONCURRA_EXECUTION_MODE_PROCESS)
    g_main_context_invoke_full (core->context, G_PRIORITY_DEFAULT, cancel_now,
                                g_object_ref (cancellable), g_object_unref);
  else
    g_cancellable_cancel (cancellable);
}

static GError *
stopped_error (ConcurraTask *task,
               gboolean      running)
{
  return g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_WORKER_STOPPED,
                      running ? "Call '%s' was cancelled: the worker was stopped while it ran"
                              : "Call '%s' did not run: the worker was stopped",
                      task->label);
}

/* ---- lanes ---- */

static ConcurraWorkerLane *
lane_new (ConcurraWorkerCore *core,
          guint               index,
          gboolean            on_demand)
{
  ConcurraWorkerLane *lane = g_new0 (ConcurraWorkerLane, 1);

  lane->core = core;
  lane->index = index;
  lane->on_demand = on_demand;
  lane->drive_link.data = lane;
  lane->cancellable = g_cancellable_new ();
  lane->call_cancellable = g_cancellable_new ();
  lane->needs_init = TRUE;
  return lane;
}

/* The lane is idle and nobody will use it again. */
static void
lane_free (ConcurraWorkerLane *lane)
{
  g_clear_object (&lane->instance);
  g_clear_object (&lane->cancellable);
  g_clear_object (&lane->call_cancellable);
  g_clear_object (&lane->init_task);
  concurra_lane_limits_clear (&lane->limits);
  if (lane->pool != NULL)
    concurra_worker_pool_unref (lane->pool);
  g_free (lane);
}

static void
pool_closed (gpointer data)
{
  ConcurraWorkerLane *lane = data;
  ConcurraWorkerCore *core = lane->core;
  GObject *object = core->object;

  lane_free (lane);
  g_mutex_lock (&core->lock);
  if (--core->n_closing == 0 && core->stopped)
    wake_owner_locked (core);
  g_mutex_unlock (&core->lock);
  g_object_unref (object);
}

/* On the owner context: ends a lane that has no work and will get none.
 * A process lane's worker process is ended first; the worker stays alive
 * until it is reaped. */
static void
lane_retire (ConcurraWorkerLane *lane)
{
  ConcurraWorkerCore *core = lane->core;

  if (lane->pool != NULL && !concurra_worker_pool_close (lane->pool, pool_closed, lane))
    {
      /* ::ended waits for it, and the worker stays alive meanwhile */
      g_object_ref (core->object);
      g_mutex_lock (&core->lock);
      core->n_closing++;
      g_mutex_unlock (&core->lock);
      return;
    }
  lane_free (lane);
}

/* Under the lock: the lane has no work in hand any more. Returns TRUE if it
 * should be retired (an on-demand lane after its call, or any lane of a
 * stopped worker), after it was taken out of the worker's lanes. */
static gboolean
lane_idle_locked (ConcurraWorkerLane *lane)
{
  ConcurraWorkerCore *core = lane->core;

  lane->busy = FALSE;
  core->n_busy--;
  if (core->n_busy == 0 && core->stopped)
    wake_owner_locked (core);
  if (!lane->on_demand && !core->stopped)
    return FALSE;
  g_ptr_array_remove_fast (core->lanes, lane);
  /* an on-demand call waiting for a free slot gets this one */
  if (!core->stopped && core->demand.head != NULL)
    {
      WorkerCall *call = g_queue_pop_head_link (&core->demand)->data;
      ConcurraWorkerLane *next = lane_new (core, lane->index, TRUE);

      g_ptr_array_add (core->lanes, next);
      call->lane = next;
      g_queue_push_tail_link (&next->queue, &call->link);
      next->n_active++;
      next->n_total++;
      lane_kick_locked (next);
    }
  else if (lane->on_demand)
    /* its index is free for the next on-demand lane: two lanes that run at
     * once never share one */
    g_array_append_val (core->free_indices, lane->index);
  return TRUE;
}

/* Under the lock: the next call the lane should run, or NULL when it has
 * none (the lane is then idle; *retire says whether to retire it). */
static WorkerCall *
lane_next_locked (ConcurraWorkerLane *lane,
                  gboolean           *retire)
{
  GList *link;

  *retire = FALSE;
  if (lane->current != NULL)
    return lane->current;
  link = lane->core->stopped ? NULL : g_queue_pop_head_link (&lane->queue);
  if (link == NULL)
    {
      *retire = lane_idle_locked (lane);
      return NULL;
    }
  lane->current = link->data;
  return lane->current;
}

static void
lane_job (gpointer data,
          gpointer pool_data);

/* Under the lock: the lane goes on, after it got work, a retry wait or an
 * attempt: its job is pushed (thread mode) or the owner context drives it. */
static void
lane_resume_locked (ConcurraWorkerLane *lane)
{
  ConcurraWorkerCore *core = lane->core;

  if (core->mode == CONCURRA_EXECUTION_MODE_THREAD)
    {
      g_object_ref (core->object);
      g_thread_pool_push (core->pool, lane, NULL);
    }
  else if (!lane->drive_queued)
    {
      lane->drive_queued = TRUE;
      g_queue_push_tail_link (&core->ended, &lane->drive_link);
      wake_owner_locked (core);
    }
}

/* Under the lock: makes an idle lane busy, to run what it has queued. */
static void
lane_kick_locked (ConcurraWorkerLane *lane)
{
  if (lane->busy)
    return;
  lane->busy = TRUE;
  lane->core->n_busy++;
  lane_resume_locked (lane);
}

static gboolean
retry_due (gpointer data)
{
  ConcurraWorkerLane *lane = data;
  ConcurraWorkerCore *core = lane->core;

  g_mutex_lock (&core->lock);
  g_clear_pointer (&lane->retry_source, g_source_unref);
  lane_resume_locked (lane);
  g_mutex_unlock (&core->lock);
  return G_SOURCE_REMOVE;
}

/* Makes the lane's instance if it has none yet. */
static gboolean
lane_ensure_instance (ConcurraWorkerLane  *lane,
                      GError             **error)
{
  ConcurraWorkerCore *core = lane->core;
  g_autoptr(ConcurraWorkerClosure) init = NULL;

  if (lane->has_instance || core->mode == CONCURRA_EXECUTION_MODE_PROCESS)
    return TRUE;
  init = core_dup_closure (core, &core->init);
  if (init != NULL)
    {
      GError *local = NULL;

      lane->instance = ((ConcurraWorkerInitFunc) init->func) ((ConcurraWorker *) core->object,
                                                              lane->index, lane->cancellable,
                                                              init->data, &local);
      if (local != NULL)
        {
          g_clear_object (&lane->instance);
          g_propagate_prefixed_error (error, local, "The instance of lane %u could not be made: ",
                                      lane->index);
          return FALSE;
        }
    }
  lane->has_instance = TRUE;
  return TRUE;
}

/* Under the lock: starts an attempt of the lane's current call; FALSE if
 * it was claimed (cancelled) meanwhile. */
static gboolean
attempt_begin_locked (ConcurraWorkerLane *lane,
                      WorkerCall         *call)
{
  ConcurraWorkerCore *core = lane->core;
  ConcurraTask *task = call->task;

  if (call->claimed)
    return FALSE;
  concurra_task_begin_attempt (task);
  task->outcome.start_real = g_get_real_time ();
  task->outcome.start_mono = g_get_monotonic_time ();
  if (call->cancellable == NULL)
    call->cancellable = g_object_ref (lane->call_cancellable);
  concurra_task_mark_started (task, task->executor->mode == CONCURRA_EXECUTION_MODE_PROCESS
                                    ? CONCURRA_EXECUTION_MODE_PROCESS : core->mode);
  if (task->started_link.prev == NULL && core->started.head != &task->started_link &&
      call_is_watched (core, task))
    {
      task->started_link.data = g_object_ref (task);
      g_queue_push_tail_link (&core->started, &task->started_link);
      wake_owner_locked (core);
    }
  return TRUE;
}

static gboolean
attempt_begin (ConcurraWorkerLane *lane,
               WorkerCall         *call)
{
  gboolean started;

  g_mutex_lock (&lane->core->lock);
  started = attempt_begin_locked (lane, call);
  g_mutex_unlock (&lane->core->lock);
  return started;
}

/* Under the lock: the call's attempt is to be stopped; returns the
 * cancellable to cancel once the lock is released. Later calls of the lane
 * get a fresh one. */
static GCancellable *
call_take_cancellable_locked (WorkerCall *call)
{
  ConcurraWorkerLane *lane = call->lane;

  if (call->cancellable == NULL)
    return NULL;
  if (lane != NULL && lane->call_cancellable == call->cancellable)
    {
      g_object_unref (lane->call_cancellable);
      lane->call_cancellable = g_cancellable_new ();
    }
  return g_object_ref (call->cancellable);
}

static gboolean
call_is_valid (ConcurraWorkerCore  *core,
               ConcurraTask        *task,
               GError             **error)
{
  g_autoptr(ConcurraWorkerClosure) validate = core_dup_closure (core, &core->validate);
  GError *local = NULL;

  if (validate == NULL)
    return TRUE;
  if (((ConcurraValidateFunc) validate->func) (task, task->attempts, validate->data, &local))
    {
      g_clear_error (&local);
      return TRUE;
    }
  if (local == NULL)
    local = g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_INVALID_RESULT,
                         "Call '%s' gave a result its validator rejected", task->label);
  g_propagate_error (error, local);
  return FALSE;
}

static gboolean
should_retry (ConcurraWorkerCore *core,
              ConcurraTask       *task,
              const GError       *error,
              gboolean            invalid)
{
  g_autoptr(ConcurraWorkerClosure) filter = NULL;

  if (task->attempts > (guint) g_atomic_int_get (&core->retries) || g_atomic_int_get (&core->stopped))
    return FALSE;
  if (invalid)
    return TRUE;
  filter = core_dup_closure (core, &core->filter);
  return filter == NULL ||
         ((ConcurraRetryFilterFunc) filter->func) (task, error, task->attempts, filter->data);
}

/* Where the attempt of the lane's current call ended: decides between
 * success, failure and another attempt. */
static AttemptEnd
attempt_end (ConcurraWorkerLane *lane,
             WorkerCall         *call)
{
  ConcurraWorkerCore *core = lane->core;
  ConcurraTask *task = call->task;
  GError *error = NULL;
  gboolean ok, invalid = FALSE;
  double wait = 0;

  task->outcome.end_mono = g_get_monotonic_time ();
  if (g_atomic_int_get (&call->claimed))
    {
      /* cancelled or stopped while it ran: its status is given; a process
       * lane lost its process */
      concurra_task_discard_attempt (task);
      g_mutex_lock (&core->lock);
      lane->needs_init = TRUE;
      call_finished_unlock (core, call);
      return ATTEMPT_DONE;
    }
  ok = concurra_task_take_attempt (task, &error);
  if (ok && !call_is_valid (core, task, &error))
    invalid = TRUE;
  if (g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED))
    lane->needs_init = TRUE;

  if (error != NULL && should_retry (core, task, error, invalid))
    {
      concurra_task_add_retry_error (task, error);
      wait = retry_wait_with_jitter (core, task->attempts);
      g_mutex_lock (&core->lock);
      if (!call->claimed)
        {
          g_atomic_int_set (&task->status, CONCURRA_TASK_STATUS_PENDING);
          if (wait > 0)
            {
              lane->retry_source = g_timeout_source_new ((guint) MIN (wait * 1000 + 0.5, G_MAXUINT));
              g_source_set_callback (lane->retry_source, retry_due, lane, NULL);
              g_source_set_static_name (lane->retry_source, "[concurra] worker retry");
              g_source_attach (lane->retry_source, core->context);
            }
          g_mutex_unlock (&core->lock);
          g_error_free (error);
          return wait > 0 ? ATTEMPT_RETRY_LATER : ATTEMPT_RETRY_NOW;
        }
      /* cancelled meanwhile: the cancellation gave the status */
      lane->needs_init = TRUE;
      call_finished_unlock (core, call);
      g_error_free (error);
      return ATTEMPT_DONE;
    }

  if (invalid)
    {
      GError *final = g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_INVALID_RESULT,
                                   "Call '%s' gave no valid result in %u attempt%s: %s",
                                   task->label, task->attempts, task->attempts == 1 ? "" : "s",
                                   error->message);
      g_error_free (error);
      error = final;
    }
  g_mutex_lock (&core->lock);
  if (call->claimed)
    {
      /* cancelled or stopped while it ran: its status is given; a process
       * lane lost its process */
      lane->needs_init = TRUE;
      call_finished_unlock (core, call);
      g_clear_error (&error);
      return ATTEMPT_DONE;
    }
  g_atomic_int_set (&call->claimed, TRUE);
  g_mutex_unlock (&core->lock);

  call_conclude (core, call, error ? CONCURRA_TASK_STATUS_FAILED : CONCURRA_TASK_STATUS_SUCCESSFUL, error);
  return ATTEMPT_DONE;
}

/* Runs an attempt that attempt_begin() started (or found claimed) to its
 * end where the caller is (an on-lane executor). */
static AttemptEnd
attempt_run_started (ConcurraWorkerLane *lane,
                     WorkerCall         *call,
                     gboolean            started)
{
  GError *error = NULL;

  if (!started)
    return attempt_end (lane, call);
  if (lane_ensure_instance (lane, &error))
    call->task->executor->start (call->task, call->cancellable, NULL, NULL);
  else
    concurra_task_return_error (call->task, error);
  return attempt_end (lane, call);
}

/* A thread lane: runs the queued calls back to back. */
static void
lane_job (gpointer data,
          gpointer pool_data)
{
  ConcurraWorkerLane *lane = data;
  ConcurraWorkerCore *core = lane->core;
  GObject *object = core->object;   /* a reference came with the job */

  for (;;)
    {
      WorkerCall *call;
      gboolean retire;
      AttemptEnd end;

      gboolean started;

      /* one lock: the next call, and the start of its attempt */
      g_mutex_lock (&core->lock);
      call = lane_next_locked (lane, &retire);
      started = call != NULL && attempt_begin_locked (lane, call);
      g_mutex_unlock (&core->lock);
      if (call == NULL)
        {
          if (retire)
            lane_free (lane);
          break;
        }
      end = attempt_run_started (lane, call, started);
      if (end == ATTEMPT_RETRY_LATER)
        break;
    }
  g_object_unref (object);
}

/* ---- owner-driven lanes (main-context and process) ---- */

static void
attempt_finished (ConcurraTask *task,
                  gpointer      data)
{
  ConcurraWorkerLane *lane = data;
  ConcurraWorkerCore *core = lane->core;

  gboolean inline_drive;

  g_mutex_lock (&core->lock);
  if (task == lane->init_task)
    lane->init_ended = TRUE;
  else
    lane->attempt_ended = TRUE;
  /* a process call ends on the owner context, from the executor's own
   * dispatch, outside any task code: the lane goes on from here, with no
   * round trip through the owner's queue */
  inline_drive = core->mode == CONCURRA_EXECUTION_MODE_PROCESS && !lane->drive_queued &&
                 g_main_context_is_owner (core->context);
  if (!inline_drive)
    lane_resume_locked (lane);
  g_mutex_unlock (&core->lock);

  if (inline_drive)
    {
      GObject *object = g_object_ref (core->object);

      g_main_context_push_thread_default (core->context);
      lane_drive (lane);
      g_main_context_pop_thread_default (core->context);
      g_object_unref (object);
    }
}

/* On the owner context: a request of the lane's process while it runs a
 * call (concurra-worker-limits.c serves them). */
static void
lane_service (const char           *name,
              GVariant             *args,
              GCancellable         *cancellable,
              ConcurraServiceReply *reply,
              gpointer              user_data)
{
  ConcurraWorkerLane *lane = user_data;

  concurra_lane_limits_serve (&lane->limits, lane->core, name, args, cancellable, reply);
}

static ConcurraWorkerPool *
lane_pool (ConcurraWorkerLane *lane)
{
  ConcurraWorkerCore *core = lane->core;

  if (lane->pool == NULL)
    {
      g_mutex_lock (&core->lock);
      lane->pool = concurra_worker_pool_new (core->context,
                                             (const char * const *) core->worker_command,
                                             core->worker_launcher != NULL
                                             ? concurra_command_launcher_new (
                                                 (const char * const *) core->worker_launcher)
                                             : NULL);
      g_mutex_unlock (&core->lock);
      concurra_worker_pool_set_service (lane->pool, lane_service, lane);
    }
  return lane->pool;
}

/* A process lane whose process is new: starts the init function. Returns
 * FALSE when there is none to run. */
static gboolean
lane_start_init (ConcurraWorkerLane *lane)
{
  ConcurraWorkerCore *core = lane->core;
  ConcurraTask *task = NULL;

  g_mutex_lock (&core->lock);
  if (core->init_function != NULL)
    task = concurra_task_new_process (core->init_function, core->init_args);
  g_mutex_unlock (&core->lock);
  lane->needs_init = FALSE;
  if (task == NULL)
    return FALSE;
  concurra_task_take_label (task, g_strdup_printf ("lane %u: init", lane->index));
  concurra_process_call_set_pool (task, lane_pool (lane));
  g_clear_object (&lane->init_task);
  lane->init_task = task;
  lane->in_attempt = TRUE;
  concurra_task_begin_attempt (task);
  task->executor->start (task, lane->cancellable, attempt_finished, lane);
  return TRUE;
}

/* The init function ended: its failure fails the call that waited for it. */
static void
lane_init_ended (ConcurraWorkerLane *lane,
                 WorkerCall         *call)
{
  ConcurraWorkerCore *core = lane->core;
  GError *error = NULL;

  lane->in_attempt = FALSE;
  if (concurra_task_take_attempt (lane->init_task, &error))
    return;
  lane->needs_init = TRUE;
  g_mutex_lock (&core->lock);
  if (call->claimed)
    {
      call_finished_unlock (core, call);
      g_error_free (error);
      return;
    }
  g_atomic_int_set (&call->claimed, TRUE);
  g_mutex_unlock (&core->lock);
  g_prefix_error (&error, "The init function of lane %u failed: ", lane->index);
  call_conclude (core, call, CONCURRA_TASK_STATUS_FAILED, error);
}

/* Starts an attempt that ends later (attempt_finished()); FALSE if it
 * ended before it started: cancelled, or the instance could not be made. */
static gboolean
lane_start_attempt (ConcurraWorkerLane *lane,
                    WorkerCall         *call)
{
  GError *error = NULL;

  if (!attempt_begin (lane, call))
    return FALSE;
  if (!lane_ensure_instance (lane, &error))
    {
      concurra_task_return_error (call->task, error);
      return FALSE;
    }
  if (lane->core->mode == CONCURRA_EXECUTION_MODE_PROCESS)
    concurra_process_call_set_pool (call->task, lane_pool (lane));
  lane->in_attempt = TRUE;
  call->task->executor->start (call->task, call->cancellable, attempt_finished, lane);
  return TRUE;
}

/* On the owner context: runs the lane until it waits for something. */
static void
lane_drive (ConcurraWorkerLane *lane)
{
  ConcurraWorkerCore *core = lane->core;

  for (;;)
    {
      WorkerCall *call;
      gboolean retire, attempt_ended, init_ended;
      AttemptEnd end = ATTEMPT_DONE;

      g_mutex_lock (&core->lock);
      attempt_ended = lane->attempt_ended;
      init_ended = lane->init_ended;
      lane->attempt_ended = lane->init_ended = FALSE;
      if (lane->in_attempt && !attempt_ended && !init_ended)
        {
          /* woken for nothing new: the attempt in flight will wake it */
          g_mutex_unlock (&core->lock);
          return;
        }
      if (lane->retry_source != NULL)
        {
          g_mutex_unlock (&core->lock);
          return;
        }
      call = lane_next_locked (lane, &retire);
      g_mutex_unlock (&core->lock);

      if (call == NULL)
        {
          if (retire)
            lane_retire (lane);
          return;
        }
      call->lane = lane;

      if (init_ended)
        {
          lane_init_ended (lane, call);
          continue;
        }
      if (attempt_ended)
        {
          lane->in_attempt = FALSE;
          concurra_lane_limits_end (&lane->limits);
          end = attempt_end (lane, call);
        }
      else if (core->mode == CONCURRA_EXECUTION_MODE_PROCESS && lane->needs_init &&
               lane_start_init (lane))
        return;
      else if (core->mode != CONCURRA_EXECUTION_MODE_PROCESS && call->task->executor->on_lane)
        end = attempt_run_started (lane, call, attempt_begin (lane, call));
      else if (lane_start_attempt (lane, call))
        continue;
      else
        end = attempt_end (lane, call);
      if (end == ATTEMPT_RETRY_LATER)
        return;
    }
}

/* ---- the owner's batch ---- */

static gboolean
wake_dispatch (GSource     *source,
               GSourceFunc  callback,
               gpointer     user_data)
{
  ConcurraWorkerCore *core = user_data;
  GObject *object;
  GQueue started, finished, drive, retiring;
  gboolean tell_stopped;
  GList *link;

  g_source_set_ready_time (source, -1);
  g_mutex_lock (&core->lock);
  /* every queued item holds a reference on the worker, through its call */
  started = core->started;
  finished = core->finished;
  drive = core->ended;
  retiring = core->retiring;
  g_queue_init (&core->retiring);
  g_queue_init (&core->started);
  g_queue_init (&core->finished);
  g_queue_init (&core->ended);
  /* stop() holds a reference until ::ended is emitted */
  object = started.head || finished.head || drive.head || retiring.head ||
           (core->stopped && !core->stop_told)
           ? g_object_ref (core->object) : NULL;
  for (link = drive.head; link != NULL; link = link->next)
    ((ConcurraWorkerLane *) link->data)->drive_queued = FALSE;
  g_mutex_unlock (&core->lock);

  if (object == NULL)
    return G_SOURCE_CONTINUE;

  while ((link = g_queue_pop_head_link (&started)) != NULL)
    {
      ConcurraTask *task = link->data;

      concurra_task_notify_started (task, task->attempts == 1);
      g_object_unref (task);
    }
  /* executors start their work (child watches) on the thread-default
   * context, which the owner context may not be in this thread */
  g_main_context_push_thread_default (core->context);
  while ((link = g_queue_pop_head_link (&drive)) != NULL)
    lane_drive (link->data);
  while ((link = g_queue_pop_head_link (&retiring)) != NULL)
    lane_retire (link->data);
  g_main_context_pop_thread_default (core->context);
  while ((link = g_queue_pop_head_link (&finished)) != NULL)
    {
      ConcurraTask *task = link->data;
      WorkerCall *call = task->owner_data;

      concurra_task_notify_done (task);
      core->hooks->call_finished (object, task);
      g_mutex_lock (&core->lock);
      task->owner_data = NULL;
      g_mutex_unlock (&core->lock);
      call_release (core, call);
    }
  g_mutex_lock (&core->lock);
  tell_stopped = core->stopped && core->n_busy == 0 && core->n_closing == 0 &&
                 core->retiring.head == NULL && !core->stop_told;
  if (tell_stopped)
    core->stop_told = TRUE;
  g_mutex_unlock (&core->lock);
  if (tell_stopped)
    {
      core->hooks->ended (object);
      g_object_unref (object);   /* stop()'s */
    }
  g_object_unref (object);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs wake_funcs = {
  .dispatch = wake_dispatch,
};

/* ---- the calls' handle on the worker (ConcurraTaskOwner) ---- */

static void
owner_cancel_task (GObject      *owner,
                   ConcurraTask *task)
{
  ConcurraWorkerCore *core = &((ConcurraWorker *) owner)->core;
  g_autoptr(GCancellable) cancellable = NULL;
  WorkerCall *call;
  GError *error;
  gboolean waiting;

  g_mutex_lock (&core->lock);
  call = task->owner_data;
  if (call == NULL || call->claimed)
    {
      g_mutex_unlock (&core->lock);
      return;
    }
  g_atomic_int_set (&call->claimed, TRUE);
  cancellable = call_take_cancellable_locked (call);
  /* queued: it ends here; running or waiting for a retry: its lane ends it */
  waiting = call->lane == NULL || call->lane->current != call;
  if (call->lane != NULL && call->lane->current != call)
    g_queue_unlink (&call->lane->queue, &call->link);
  else if (call->lane == NULL)
    g_queue_unlink (&core->demand, &call->link);
  else if (call->lane->retry_source != NULL)
    {
      g_source_destroy (call->lane->retry_source);
      g_clear_pointer (&call->lane->retry_source, g_source_unref);
      lane_resume_locked (call->lane);
    }
  g_mutex_unlock (&core->lock);

  if (cancellable != NULL)
    cancel_on_owner (core, cancellable);
  error = g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_TERMINATED, "Call '%s' was cancelled",
                       task->label);
  if (waiting)
    call_conclude (core, call, CONCURRA_TASK_STATUS_TERMINATED, error);
  else
    task_settle (task, CONCURRA_TASK_STATUS_TERMINATED, error);   /* the caller's reference */
}

static GMainContext *
owner_dup_context (GObject  *owner,
                   GThread **owner_thread)
{
  ConcurraWorkerCore *core = &((ConcurraWorker *) owner)->core;

  if (core->owner_thread == NULL)
    return NULL;
  *owner_thread = core->owner_thread;
  return g_main_context_ref (core->context);
}

static const ConcurraTaskOwnerClass worker_owner_class = {
  .cancel_task = owner_cancel_task,
  .dup_context = owner_dup_context,
};

/* ---- the core ---- */

void
concurra_worker_core_preinit (ConcurraWorkerCore *core)
{
  g_mutex_init (&core->lock);
  core->n_lanes = 1;
  core->balancing = CONCURRA_LOAD_BALANCING_ROUND_ROBIN;
  core->retry_algorithm = CONCURRA_RETRY_ALGORITHM_EXPONENTIAL;
  core->retry_wait = 1.0;
  core->retry_jitter = 0.3;
  core->lanes = g_ptr_array_new ();
  core->free_indices = g_array_new (FALSE, FALSE, sizeof (guint));
  core->rand = g_rand_new ();
}

void
concurra_worker_core_init (ConcurraWorkerCore            *core,
                           GObject                       *object,
                           const ConcurraWorkerCoreHooks *hooks)
{
  core->object = object;
  core->hooks = hooks;
  if (!concurra_worker_mode_is_valid (core->mode))
    {
      g_critical ("ConcurraWorker: mode %d is not THREAD, MAIN_CONTEXT or PROCESS; using THREAD",
                  core->mode);
      core->mode = CONCURRA_EXECUTION_MODE_THREAD;
    }
  if (core->n_lanes == 0 && !core->on_demand)
    core->n_lanes = 1;
  if (core->loop == NULL)
    {
      GMainContext *here = g_main_context_get_thread_default ();

      /* waits from this thread iterate the context instead of blocking it */
      if (core->context == (here ? here : g_main_context_default ()))
        core->owner_thread = g_thread_self ();
    }
  core->owner = concurra_task_owner_new (object, &worker_owner_class);
  core->wake = g_source_new (&wake_funcs, sizeof (GSource));
  g_source_set_callback (core->wake, NULL, core, NULL);
  g_source_set_static_name (core->wake, "[concurra] worker");
  g_source_attach (core->wake, core->context);
  if (core->mode == CONCURRA_EXECUTION_MODE_THREAD)
    core->pool = g_thread_pool_new (lane_job, NULL,
                                    core->on_demand && core->n_lanes == 0 ? -1 : (int) core->n_lanes,
                                    FALSE, NULL);
  if (!core->on_demand)
    for (guint i = 0; i < core->n_lanes; i++)
      g_ptr_array_add (core->lanes, lane_new (core, i, FALSE));
}

void
concurra_worker_core_clear (ConcurraWorkerCore *core)
{
  if (core->pool != NULL)
    /* not waiting: this may be a pool thread, whose job dropped the last
     * reference as its very last step */
    g_thread_pool_free (core->pool, FALSE, FALSE);
  /* stopped and idle: every lane can go */
  for (guint i = 0; i < core->lanes->len; i++)
    lane_free (g_ptr_array_index (core->lanes, i));
  g_ptr_array_unref (core->lanes);
  g_array_unref (core->free_indices);
  if (core->wake != NULL)
    {
      g_source_destroy (core->wake);
      g_source_unref (core->wake);
    }
  if (core->owner != NULL)
    {
      concurra_task_owner_detach (core->owner);
      concurra_task_owner_unref (core->owner);
    }
  closure_unref (core->init);
  closure_unref (core->filter);
  closure_unref (core->validate);
  g_free (core->init_function);
  g_clear_pointer (&core->init_args, g_variant_unref);
  g_strfreev (core->worker_command);
  g_strfreev (core->worker_launcher);
  g_clear_pointer (&core->context, g_main_context_unref);
  g_clear_object (&core->limits);
  g_rand_free (core->rand);
  g_mutex_clear (&core->lock);
}

/* Under the lock: the lane the balancer picks. */
static ConcurraWorkerLane *
pick_lane_locked (ConcurraWorkerCore *core)
{
  guint n = core->lanes->len, best = 0;

  switch (core->balancing)
    {
    case CONCURRA_LOAD_BALANCING_LEAST_ACTIVE:
      for (guint i = 1; i < n; i++)
        if (((ConcurraWorkerLane *) core->lanes->pdata[i])->n_active <
            ((ConcurraWorkerLane *) core->lanes->pdata[best])->n_active)
          best = i;
      break;
    case CONCURRA_LOAD_BALANCING_LEAST_TOTAL:
      for (guint i = 1; i < n; i++)
        if (((ConcurraWorkerLane *) core->lanes->pdata[i])->n_total <
            ((ConcurraWorkerLane *) core->lanes->pdata[best])->n_total)
          best = i;
      break;
    case CONCURRA_LOAD_BALANCING_RANDOM:
      best = g_rand_int_range (core->rand, 0, (gint32) n);
      break;
    case CONCURRA_LOAD_BALANCING_ROUND_ROBIN:
    default:
      best = core->next_lane++ % n;
      break;
    }
  return core->lanes->pdata[best];
}

static ConcurraTask *
new_call_task (ConcurraWorkerCore      *core,
               WorkerCall              *call,
               const char              *name,
               const char              *function_name,
               GVariant                *args,
               GError                 **error)
{
  if (function_name != NULL)
    /* it takes a reference of its own on a variant that is not floating */
    return concurra_task_new_process (function_name, args);
  switch (core->mode)
    {
    case CONCURRA_EXECUTION_MODE_MAIN_CONTEXT:
      return concurra_task_new_main_context (name, call_start_main_context, call, NULL);
    case CONCURRA_EXECUTION_MODE_PROCESS:
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_NOT_SERIALIZABLE,
                   "Call '%s' is a local function and cannot run in a worker process; "
                   "use concurra_worker_call_function()", name ? name : "(unnamed)");
      return NULL;
    default:
      return concurra_task_new (name, call_run_thread, call, NULL);
    }
}

ConcurraTask *
concurra_worker_core_submit (ConcurraWorkerCore      *core,
                             const char              *name,
                             ConcurraWorkerCallFunc   func,
                             gpointer                 user_data,
                             GDestroyNotify           destroy,
                             const char              *function_name,
                             GVariant                *args,
                             GError                 **error)
{
  WorkerCall *call = g_new0 (WorkerCall, 1);
  ConcurraWorkerLane *lane = NULL;
  ConcurraTask *task;

  call->func = func;
  call->user_data = user_data;
  call->destroy = destroy;
  task = new_call_task (core, call, name, function_name, args, error);
  if (task == NULL)
    {
      call->task = NULL;
      if (destroy != NULL)
        destroy (user_data);
      g_free (call);
      return NULL;
    }
  call->task = g_object_ref (task);
  call->link.data = call;

  g_mutex_lock (&core->lock);
  if (core->stopped)
    {
      g_mutex_unlock (&core->lock);
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_STOPPED,
                   "The worker is stopped: call '%s' was refused",
                   name ? name : function_name ? function_name : "(unnamed)");
      g_object_unref (task);
      call_free (call);
      return NULL;
    }
  core->dispatched++;
  concurra_task_take_label (task, g_strdup_printf ("%s#%" G_GUINT64_FORMAT,
                                                   name ? name : function_name ? function_name : "call",
                                                   core->dispatched));
  concurra_task_set_owner (task, core->owner);
  task->owner_data = call;
  g_object_ref (core->object);
  core->n_active++;

  if (core->on_demand)
    {
      if (core->n_lanes == 0 || core->lanes->len < core->n_lanes)
        {
          guint index = core->lanes->len;

          if (core->free_indices->len > 0)
            {
              index = g_array_index (core->free_indices, guint, core->free_indices->len - 1);
              g_array_set_size (core->free_indices, core->free_indices->len - 1);
            }
          lane = lane_new (core, index, TRUE);
          g_ptr_array_add (core->lanes, lane);
        }
      else
        g_queue_push_tail_link (&core->demand, &call->link);
    }
  else
    lane = pick_lane_locked (core);
  if (lane != NULL)
    {
      call->lane = lane;
      g_queue_push_tail_link (&lane->queue, &call->link);
      lane->n_active++;
      lane->n_total++;
      lane_kick_locked (lane);
    }
  g_mutex_unlock (&core->lock);
  return task;
}

void
concurra_worker_core_stop (ConcurraWorkerCore *core)
{
  GQueue doomed = G_QUEUE_INIT;
  /* the tasks of running calls: their lanes may free the calls meanwhile */
  GPtrArray *running = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) running_cancellables = g_ptr_array_new_with_free_func (g_object_unref);
  GPtrArray *idle = g_ptr_array_new ();
  g_autoptr(GPtrArray) lane_cancellables = g_ptr_array_new_with_free_func (g_object_unref);
  GList *link;

  g_mutex_lock (&core->lock);
  if (core->stopped)
    {
      g_mutex_unlock (&core->lock);
      g_ptr_array_unref (running);
      g_ptr_array_unref (idle);
      return;
    }
  g_atomic_int_set (&core->stopped, TRUE);
  /* released once ::stopped is emitted, on the owner context */
  g_object_ref (core->object);
  while ((link = g_queue_pop_head_link (&core->demand)) != NULL)
    g_queue_push_tail_link (&doomed, link);
  for (guint i = 0; i < core->lanes->len; i++)
    {
      ConcurraWorkerLane *lane = core->lanes->pdata[i];

      while ((link = g_queue_pop_head_link (&lane->queue)) != NULL)
        g_queue_push_tail_link (&doomed, link);
      g_ptr_array_add (lane_cancellables, g_object_ref (lane->cancellable));
      if (lane->current != NULL && !lane->current->claimed)
        {
          GCancellable *cancellable = call_take_cancellable_locked (lane->current);

          g_atomic_int_set (&lane->current->claimed, TRUE);
          g_ptr_array_add (running, g_object_ref (lane->current->task));
          if (cancellable != NULL)
            g_ptr_array_add (running_cancellables, cancellable);
          if (lane->retry_source != NULL)
            {
              g_source_destroy (lane->retry_source);
              g_clear_pointer (&lane->retry_source, g_source_unref);
              lane_resume_locked (lane);
            }
        }
      if (!lane->busy)
        g_ptr_array_add (idle, lane);
    }
  for (link = doomed.head; link != NULL; link = link->next)
    g_atomic_int_set (&((WorkerCall *) link->data)->claimed, TRUE);
  /* idle lanes are retired now, a process lane's worker process on the
   * owner context; busy lanes when they see the stop */
  for (guint i = 0; i < idle->len; i++)
    {
      ConcurraWorkerLane *lane = idle->pdata[i];

      g_ptr_array_remove_fast (core->lanes, lane);
      if (lane->pool != NULL)
        {
          g_queue_push_tail_link (&core->retiring, &lane->drive_link);
          g_ptr_array_remove_index_fast (idle, i--);
        }
    }
  wake_owner_locked (core);
  g_mutex_unlock (&core->lock);
  g_object_notify (core->object, "stopped");

  /* init functions that run (process lanes: on the owner context) */
  for (guint i = 0; i < lane_cancellables->len; i++)
    cancel_on_owner (core, lane_cancellables->pdata[i]);

  while ((link = g_queue_pop_head_link (&doomed)) != NULL)
    {
      WorkerCall *call = link->data;

      call_conclude (core, call, CONCURRA_TASK_STATUS_TERMINATED, stopped_error (call->task, FALSE));
    }
  for (guint i = 0; i < running_cancellables->len; i++)
    cancel_on_owner (core, running_cancellables->pdata[i]);
  for (guint i = 0; i < running->len; i++)
    {
      ConcurraTask *task = running->pdata[i];

      task_settle (task, CONCURRA_TASK_STATUS_TERMINATED, stopped_error (task, TRUE));
    }
  for (guint i = 0; i < idle->len; i++)
    lane_free (idle->pdata[i]);
  g_ptr_array_unref (running);
  g_ptr_array_unref (idle);
}

guint
concurra_worker_core_n_active (ConcurraWorkerCore *core)
{
  guint n;

  g_mutex_lock (&core->lock);
  n = core->n_active;
  g_mutex_unlock (&core->lock);
  return n;
}

GVariant *
concurra_worker_core_stats (ConcurraWorkerCore *core)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (CONCURRA_TYPE_LOAD_BALANCING);
  GVariantBuilder builder, lanes;
  guint on_demand_active = 0;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_init (&lanes, G_VARIANT_TYPE ("aa{sv}"));
  g_mutex_lock (&core->lock);
  for (guint i = 0; i < core->lanes->len; i++)
    {
      ConcurraWorkerLane *lane = core->lanes->pdata[i];
      guint waiting = lane->queue.length;

      on_demand_active += lane->on_demand;
      g_variant_builder_open (&lanes, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&lanes, "{sv}", "index", g_variant_new_uint32 (lane->index));
      g_variant_builder_add (&lanes, "{sv}", "active", g_variant_new_uint32 (lane->n_active));
      g_variant_builder_add (&lanes, "{sv}", "total", g_variant_new_uint64 (lane->n_total));
      g_variant_builder_add (&lanes, "{sv}", "queued",
                             g_variant_new_uint32 (core->max_queued && waiting > core->max_queued
                                                   ? waiting - core->max_queued : 0));
      g_variant_builder_close (&lanes);
    }
  g_variant_builder_add (&builder, "{sv}", "n-lanes", g_variant_new_uint32 (core->lanes->len));
  g_variant_builder_add (&builder, "{sv}", "max-lanes", g_variant_new_uint32 (core->n_lanes));
  g_variant_builder_add (&builder, "{sv}", "on-demand", g_variant_new_boolean (core->on_demand));
  g_variant_builder_add (&builder, "{sv}", "on-demand-active", g_variant_new_uint32 (on_demand_active));
  g_variant_builder_add (&builder, "{sv}", "stopped", g_variant_new_boolean (core->stopped));
  g_variant_builder_add (&builder, "{sv}", "max-queued", g_variant_new_uint32 (core->max_queued));
  g_variant_builder_add (&builder, "{sv}", "load-balancing",
                         g_variant_new_string (g_enum_get_value (klass, core->balancing)->value_nick));
  g_variant_builder_add (&builder, "{sv}", "dispatched", g_variant_new_uint64 (core->dispatched));
  g_variant_builder_add (&builder, "{sv}", "active", g_variant_new_uint32 (core->n_active));
  g_mutex_unlock (&core->lock);
  g_variant_builder_add (&builder, "{sv}", "lanes", g_variant_builder_end (&lanes));
  return g_variant_builder_end (&builder);
}
