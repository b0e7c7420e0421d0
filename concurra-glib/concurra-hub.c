/* concurra-hub.c: the hand-off between the owner context and worker threads.
 *
 * The owner puts ready tasks on a FIFO; "lanes" (at most max-concurrency of
 * them, each a job on a GThreadPool) take tasks off the FIFO one after the
 * other and run them, so a stream of short tasks needs no round trip to the
 * owner between two tasks. Lanes report "started" and "done" events on a
 * queue and wake the owner context only when that queue was empty, which
 * coalesces the wake-ups of a batch into one dispatch.
 *
 * A task's function may take the next ready task "ahead" (see
 * concurra_hub_take_ahead()): its lane runs that one next, without going
 * back to the queue, which lets a process task send the next request to its
 * worker before the reply to the current one comes.
 *
 * A task that times out or is terminated may still be executing in its
 * thread; the owner then withdraws its lane, which stops counting against
 * max-concurrency and ends after the stuck call returns. The hub is
 * reference counted so that such a late thread can finish after the runner
 * is gone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-hub-private.h"
#include "concurra-process-private.h"

struct _ConcurraLane
{
  ConcurraHub  *hub;
  GCancellable *fresh;          /* for the next task this lane starts */
  ConcurraTask *ahead;          /* taken ahead, with the ready queue's reference */
  gboolean      ahead_dropped;  /* the owner withdrew it */
  gboolean      withdrawn;
};

/* the lane that the calling thread runs, for concurra_hub_take_ahead() */
static GPrivate current_lane;

struct _ConcurraHub
{
  GMutex           lock;
  GCond            idle_cond;       /* parked lanes wait here for work */
  GQueue           ready;
  GQueue           events;
  GSource         *wake;           /* NULL once closed */
  GMainContext    *context;
  GThreadPool     *pool;
  guint            n_lanes;         /* lanes counting against the limit */
  guint            n_busy;          /* of those, lanes running a task */
  guint            n_parked;        /* of those, lanes waiting for work */
  gboolean         stop_on_error;
  gboolean         closed;
  guint            max_lanes;
  ConcurraHubFunc  func;
  gpointer         user_data;
};

static ConcurraHub *
hub_ref (ConcurraHub *hub)
{
  return g_atomic_rc_box_acquire (hub);
}

static void
hub_clear (ConcurraHub *hub)
{
  /* only late "done" events of withdrawn attempts can be left */
  for (GList *l = hub->events.head; l; )
    {
      ConcurraTask *task = l->data;
      gboolean done = (l == &task->done_link);

      l = l->next;
      if (done)
        g_object_unref (task);
    }
  g_main_context_unref (hub->context);
  g_cond_clear (&hub->idle_cond);
  g_mutex_clear (&hub->lock);
}

static void
hub_unref (ConcurraHub *hub)
{
  g_atomic_rc_box_release_full (hub, (GDestroyNotify) hub_clear);
}

static gboolean
hub_dispatch (GSource     *source,
              GSourceFunc  callback,
              gpointer     user_data)
{
  ConcurraHub *hub = user_data;
  GQueue events;

  /* clear the ready time before taking the batch: a push that finds the
   * queue empty after this point schedules the next dispatch */
  g_source_set_ready_time (source, -1);

  g_mutex_lock (&hub->lock);
  events = hub->events;
  g_queue_init (&hub->events);
  g_mutex_unlock (&hub->lock);

  hub->func (&events, hub->user_data);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs hub_source_funcs = {
  .dispatch = hub_dispatch,
};

static void
push_event_locked (ConcurraHub *hub,
                   GList       *link)
{
  gboolean was_empty = (hub->events.length == 0);

  g_queue_push_tail_link (&hub->events, link);
  if (was_empty && hub->wake != NULL)
    g_source_set_ready_time (hub->wake, 0);
}

static void spawn_lanes_locked (ConcurraHub *hub);

static void
run_attempt (ConcurraHub  *hub,
             ConcurraTask *task)
{
  if (task->async != NULL)
    concurra_task_run_async_attempt (task, hub->context);
  else
    task->func (task, task->cancellable, task->func_data);
  task->outcome.end_mono = g_get_monotonic_time ();
}

static gboolean
reusable (GCancellable *cancellable)
{
  static guint cancelled_signal;

  if (cancelled_signal == 0)
    cancelled_signal = g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE);
  return !g_cancellable_is_cancelled (cancellable) &&
         g_atomic_int_get (&G_OBJECT (cancellable)->ref_count) == 1 &&
         !g_signal_has_handler_pending (cancellable, cancelled_signal, 0, FALSE);
}

/* After an attempt, under the lock: what becomes of the task its lane took
 * ahead. The lane runs it next, unless the lane was withdrawn (it goes back
 * to the head of the queue) or the owner withdrew it (returned in
 * @dropped, for the lane to let go of outside the lock). */
static ConcurraTask *
settle_ahead_locked (ConcurraHub   *hub,
                     ConcurraLane  *lane,
                     ConcurraTask **dropped)
{
  ConcurraTask *next = g_steal_pointer (&lane->ahead);

  if (next == NULL)
    return NULL;
  if (lane->ahead_dropped)
    {
      lane->ahead_dropped = FALSE;
      *dropped = next;
      return NULL;
    }
  if (lane->withdrawn)
    {
      next->ahead_lane = NULL;
      g_queue_push_head_link (&hub->ready, &next->ready_link);
      next->queued = TRUE;
      /* the owner may have kicked for the withdrawn lane before this */
      spawn_lanes_locked (hub);
      return NULL;
    }
  return next;
}

static void
lane_run (gpointer data,
          gpointer pool_data)
{
  ConcurraLane *lane = data;
  ConcurraHub *hub = lane->hub;
  ConcurraTask *next = NULL;

  g_private_set (&current_lane, lane);
  lane->fresh = g_cancellable_new ();
  g_mutex_lock (&hub->lock);
  for (;;)
    {
      ConcurraTask *task, *dropped = NULL;
      GCancellable *fresh;
      GList *link;
      gboolean failed, keep;

      if (lane->withdrawn)
        break;
      if (next != NULL)
        {
          task = g_steal_pointer (&next);
          task->ahead_lane = NULL;
        }
      else if ((link = g_queue_pop_head_link (&hub->ready)) != NULL)
        {
          task = link->data;
          task->queued = FALSE;
        }
      else
        {
          /* park until there is work or the run ends: a lane that exited
           * would cost a thread pool round trip for the next ready task */
          if (hub->closed)
            {
              hub->n_lanes--;
              break;
            }
          hub->n_parked++;
          g_cond_wait (&hub->idle_cond, &hub->lock);
          hub->n_parked--;
          continue;
        }
      task->lane = lane;
      /* given under the lock: concurra_hub_withdraw() hands it to the owner */
      task->cancellable = g_steal_pointer (&lane->fresh);
      hub->n_busy++;
      task->outcome.start_real = g_get_real_time ();
      task->outcome.start_mono = g_get_monotonic_time ();
      push_event_locked (hub, &task->started_link);
      g_mutex_unlock (&hub->lock);

      run_attempt (hub, task);
      /* read while the attempt is still this lane's: once the done event is
       * queued, the owner may take the outcome */
      failed = task->outcome.error != NULL;
      /* the cancellable for the next task: this one if nothing else holds
       * it (checked before the lock: the owner cancels only after
       * withdrawing) — most tasks are never cancelled, and a GObject per
       * attempt is a noticeable cost — else a new one, made before the
       * lock so that nothing below lets go of it */
      keep = reusable (task->cancellable);
      fresh = keep ? NULL : g_cancellable_new ();

      g_mutex_lock (&hub->lock);
      if (!lane->withdrawn)
        {
          hub->n_busy--;
          if (keep)
            fresh = g_steal_pointer (&task->cancellable);
        }
      lane->fresh = fresh;
      task->lane = NULL;
      next = settle_ahead_locked (hub, lane, &dropped);
      /* the ready queue's reference travels on with the done event */
      push_event_locked (hub, &task->done_link);
      if (dropped != NULL)
        {
          g_mutex_unlock (&hub->lock);
          concurra_process_abandon (dropped, TRUE);
          g_object_unref (dropped);
          g_mutex_lock (&hub->lock);
        }

      /* with fast-fail, an error may end the run: let the owner decide
       * before this lane starts anything else (nothing was taken ahead:
       * see concurra_hub_take_ahead()) */
      if (hub->stop_on_error && failed && !lane->withdrawn)
        {
          hub->n_lanes--;
          break;
        }
    }
  g_mutex_unlock (&hub->lock);

  g_clear_object (&lane->fresh);
  g_free (lane);
  g_private_set (&current_lane, NULL);
  hub_unref (hub);
}

/* Wakes parked lanes for queued work, and starts lanes while there is
 * more work than lanes and room under the limit. */
static void
spawn_lanes_locked (ConcurraHub *hub)
{
  guint wanted = MIN (hub->n_busy + hub->ready.length, hub->max_lanes);

  if (hub->n_parked > 0 && hub->ready.length > 0)
    {
      if (hub->ready.length > 1)
        g_cond_broadcast (&hub->idle_cond);
      else
        g_cond_signal (&hub->idle_cond);
    }

  while (hub->n_lanes < wanted)
    {
      ConcurraLane *lane = g_new0 (ConcurraLane, 1);

      lane->hub = hub_ref (hub);
      hub->n_lanes++;
      g_thread_pool_push (hub->pool, lane, NULL);
    }
}

ConcurraHub *
concurra_hub_new (GMainContext    *context,
                  guint            max_lanes,
                  gboolean         stop_on_error,
                  ConcurraHubFunc  func,
                  gpointer         user_data)
{
  ConcurraHub *hub = g_atomic_rc_box_new0 (ConcurraHub);

  g_mutex_init (&hub->lock);
  g_cond_init (&hub->idle_cond);
  g_queue_init (&hub->ready);
  g_queue_init (&hub->events);
  hub->max_lanes = MAX (max_lanes, 1);
  hub->stop_on_error = stop_on_error;
  hub->func = func;
  hub->user_data = user_data;
  hub->context = g_main_context_ref (context);
  /* unbounded: the lanes, not the pool, enforce max-concurrency, and a
   * withdrawn lane stuck in user code must not hold a pool thread others wait for */
  hub->pool = g_thread_pool_new (lane_run, NULL, -1, FALSE, NULL);
  hub->wake = g_source_new (&hub_source_funcs, sizeof (GSource));
  g_source_set_static_name (hub->wake, "[concurra] completions");
  /* a signal handler may block in concurra_wait(), which iterates this context */
  g_source_set_can_recurse (hub->wake, TRUE);
  g_source_set_callback (hub->wake, NULL, hub, NULL);
  g_source_attach (hub->wake, context);

  return hub;
}

static void
queue_locked (ConcurraHub  *hub,
              ConcurraTask *task)
{
  task->ready_link.data = task;
  task->started_link.data = task;
  task->done_link.data = task;
  g_queue_push_tail_link (&hub->ready, &task->ready_link);
  task->queued = TRUE;
}

/* Queues tasks for the lanes, in order, under one lock; takes a reference
 * on each that its done event carries back. */
void
concurra_hub_push_ready (ConcurraHub   *hub,
                         ConcurraTask **tasks,
                         guint          n_tasks)
{
  for (guint i = 0; i < n_tasks; i++)
    g_object_ref (tasks[i]);

  g_mutex_lock (&hub->lock);
  for (guint i = 0; i < n_tasks; i++)
    queue_locked (hub, tasks[i]);
  spawn_lanes_locked (hub);
  g_mutex_unlock (&hub->lock);
}

/* Makes the owner dispatch soon even without events, e.g. to notice that a
 * run with nothing left to do is finished. */
void
concurra_hub_wake (ConcurraHub *hub)
{
  g_mutex_lock (&hub->lock);
  if (hub->wake != NULL)
    g_source_set_ready_time (hub->wake, 0);
  g_mutex_unlock (&hub->lock);
}

/* Takes @task out of the hands of the workers because the owner gave it a
 * final status: off the ready queue if no lane took it yet, otherwise its
 * lane stops counting against the limit (call concurra_hub_kick() to let
 * another lane take its place). Returns the cancellable of the attempt
 * still running, for the caller to cancel, or %NULL. */
GCancellable *
concurra_hub_withdraw (ConcurraHub  *hub,
                       ConcurraTask *task)
{
  GCancellable *running = NULL;
  gboolean unqueued = FALSE;

  g_mutex_lock (&hub->lock);
  if (task->lane != NULL)
    {
      running = g_object_ref (task->cancellable);
      task->lane->withdrawn = TRUE;
      task->lane = NULL;
      hub->n_lanes--;
      hub->n_busy--;
    }
  else if (task->ahead_lane != NULL)
    {
      /* its lane lets go of it when the attempt before it ends */
      task->ahead_lane->ahead_dropped = TRUE;
      task->ahead_lane = NULL;
    }
  else if (task->queued)
    {
      g_queue_unlink (&hub->ready, &task->ready_link);
      task->queued = FALSE;
      unqueued = TRUE;
    }
  g_mutex_unlock (&hub->lock);

  if (unqueued)
    {
      concurra_process_abandon (task, FALSE);
      g_object_unref (task);
    }
  return running;
}

/* Starts lanes for queued work after lanes were withdrawn. */
void
concurra_hub_kick (ConcurraHub *hub)
{
  g_mutex_lock (&hub->lock);
  spawn_lanes_locked (hub);
  g_mutex_unlock (&hub->lock);
}

/* Empties the ready queue at once, so that no lane starts another task
 * while the owner terminates them one by one. */
void
concurra_hub_clear_ready (ConcurraHub *hub)
{
  GList *link;
  GQueue dropped = G_QUEUE_INIT;

  g_mutex_lock (&hub->lock);
  while ((link = g_queue_pop_head_link (&hub->ready)) != NULL)
    {
      ((ConcurraTask *) link->data)->queued = FALSE;
      g_queue_push_tail_link (&dropped, link);
    }
  g_mutex_unlock (&hub->lock);

  while ((link = g_queue_pop_head_link (&dropped)) != NULL)
    {
      concurra_process_abandon (link->data, FALSE);
      g_object_unref (link->data);
    }
}

/* Called by the function of a task that runs on a lane: takes the first
 * ready task if @accept takes it, for this lane to run next; it is not
 * started (and does not count against the limit) until then. Only with a
 * backlog, so that a task waiting behind a slow one never keeps an idle
 * lane waiting at the end of a run; and never with fast-fail, where the
 * owner decides after an error whether anything else starts. */
ConcurraTask *
concurra_hub_take_ahead (ConcurraHubAheadFunc accept,
                         gpointer             user_data)
{
  ConcurraLane *lane = g_private_get (&current_lane);
  ConcurraTask *next = NULL;
  ConcurraHub *hub;

  if (lane == NULL)
    return NULL;
  hub = lane->hub;
  g_mutex_lock (&hub->lock);
  if (!lane->withdrawn && lane->ahead == NULL && !hub->stop_on_error &&
      hub->ready.length > hub->max_lanes && accept (hub->ready.head->data, user_data))
    {
      next = g_queue_pop_head_link (&hub->ready)->data;
      next->queued = FALSE;
      next->ahead_lane = lane;
      lane->ahead = next;
    }
  g_mutex_unlock (&hub->lock);
  return next;
}

void
concurra_hub_close (ConcurraHub *hub)
{
  GSource *wake;

  g_mutex_lock (&hub->lock);
  wake = g_steal_pointer (&hub->wake);
  hub->closed = TRUE;
  g_cond_broadcast (&hub->idle_cond);
  g_mutex_unlock (&hub->lock);

  g_source_destroy (wake);
  g_source_unref (wake);
  g_thread_pool_free (hub->pool, FALSE, FALSE);
  hub->pool = NULL;
  hub_unref (hub);
}
