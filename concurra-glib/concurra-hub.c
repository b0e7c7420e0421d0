/* concurra-hub.c: the scheduler — permits (max-concurrency), the ready
 * FIFO and the completion queue, between the owner context and the
 * executors (concurra-executor-private.h). It knows how a task runs only
 * as "on a lane" or "started by the owner".
 *
 * The owner puts ready tasks on a FIFO; "lanes" (at most max-concurrency of
 * them, each a job on a GThreadPool) take tasks off the FIFO one after the
 * other and run them, so a stream of short tasks needs no round trip to the
 * owner between two tasks. Lanes report "started" and "done" events on a
 * queue and wake the owner context only when that queue was empty, which
 * coalesces the wake-ups of a batch into one dispatch.
 *
 * Tasks whose executor does not run on a lane (main-context tasks, commands,
 * process tasks) are started by the owner context itself, in queue order, when they reach
 * the head of the ready queue and a permit is free: lanes and the owner
 * share one count of permits (max-concurrency), so no thread waits on
 * behalf of such a task. Their executor finishes them through the same
 * event queue.
 *
 * A task that times out or is terminated may still be executing in its
 * thread; the owner then withdraws its lane, which stops counting against
 * max-concurrency and ends after the stuck call returns. The hub is
 * reference counted so that such a late thread can finish after the runner
 * is gone.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-executor-private.h"
#include "concurra-hub-private.h"

struct _ConcurraLane
{
  ConcurraHub  *hub;
  GCancellable *fresh;          /* for the next task this lane starts */
  gboolean      withdrawn;
};

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
  guint            n_attached;      /* owner-started attempts holding a permit */
  guint            n_live;          /* owner-started attempts not finished yet */
  guint            n_ready_lane;    /* queued tasks that run on a lane */
  gboolean         stop_on_error;
  gboolean         held;            /* a failure is queued: with stop_on_error,
                                     * nothing starts until the owner kicks */
  gboolean         closed;
  gboolean         starting;        /* owner only: in start_attached() */
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

static void kick_locked (ConcurraHub *hub);

/* The ready queue, with the count of its tasks that run on a lane. */
static void
ready_push_locked (ConcurraHub  *hub,
                   ConcurraTask *task,
                   gboolean      at_head)
{
  if (at_head)
    g_queue_push_head_link (&hub->ready, &task->ready_link);
  else
    g_queue_push_tail_link (&hub->ready, &task->ready_link);
  task->queued = TRUE;
  hub->n_ready_lane += task->executor->on_lane;
}

static void
ready_unlink_locked (ConcurraHub  *hub,
                     ConcurraTask *task)
{
  g_queue_unlink (&hub->ready, &task->ready_link);
  task->queued = FALSE;
  hub->n_ready_lane -= task->executor->on_lane;
}

/* The first ready task if it may start now: it runs where the caller runs
 * (on a lane or not) and a permit is free. */
static ConcurraTask *
ready_peek_locked (ConcurraHub *hub,
                   gboolean     on_lane)
{
  ConcurraTask *head = hub->ready.head ? hub->ready.head->data : NULL;

  if (head == NULL || hub->held || head->executor->on_lane != on_lane ||
      hub->n_busy + hub->n_attached >= hub->max_lanes)
    return NULL;
  return head;
}

static void start_attached (ConcurraHub *hub);

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

  /* first, so that their "started" events are in this batch */
  start_attached (hub);

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

static void
push_started_locked (ConcurraHub  *hub,
                     ConcurraTask *task)
{
  task->outcome.start_real = g_get_real_time ();
  task->outcome.start_mono = g_get_monotonic_time ();
  push_event_locked (hub, &task->started_link);
}

/* The ConcurraFinishFunc of owner-started attempts, from any thread: the
 * ready queue's reference travels on with the done event. */
static void
finish_attached (ConcurraTask *task,
                 gpointer      data)
{
  ConcurraHub *hub = data;
  gboolean on_its_own = FALSE;

  task->outcome.end_mono = g_get_monotonic_time ();
  g_mutex_lock (&hub->lock);
  if (task->attached)
    {
      on_its_own = !task->executor->finishes_in_task_code;
      task->attached = FALSE;
      hub->n_attached--;
      /* with fast-fail, an error may end the run: the owner decides
       * before anything else starts */
      if (hub->stop_on_error && task->outcome.error != NULL)
        hub->held = TRUE;
    }
  hub->n_live--;
  push_event_locked (hub, &task->done_link);
  kick_locked (hub);
  g_mutex_unlock (&hub->lock);
  /* ended on its own on the owner (a reply read, a child reaped), not
   * stopped by the run nor reported from inside a task's code (which must
   * not find other tasks' functions running inside its call): the next
   * task can start now rather than after another turn of the main loop,
   * so a worker waiting for its next request waits less */
  if (on_its_own && g_main_context_is_owner (hub->context) && !hub->starting)
    start_attached (hub);
  hub_unref (hub);
}

/* On the owner context: starts the ready tasks at the head of the queue
 * whose executor does not run on a lane, while permits are free. */
static void
start_attached (ConcurraHub *hub)
{
  GQueue starting = G_QUEUE_INIT;
  ConcurraTask *task;
  GList *link;

  g_mutex_lock (&hub->lock);
  while (!hub->closed && (task = ready_peek_locked (hub, FALSE)) != NULL)
    {
      ready_unlink_locked (hub, task);
      task->attached = TRUE;
      task->cancellable = g_cancellable_new ();
      hub->n_attached++;
      hub->n_live++;
      push_started_locked (hub, task);
      g_queue_push_tail_link (&starting, &task->ready_link);
    }
  /* the head may be lane work now */
  kick_locked (hub);
  g_mutex_unlock (&hub->lock);

  if (starting.length == 0)
    return;
  /* a task that finishes while it starts does not start others from
   * inside this loop (no recursion): they start at the next dispatch */
  hub->starting = TRUE;
  g_main_context_push_thread_default (hub->context);
  while ((link = g_queue_pop_head_link (&starting)) != NULL)
    {
      task = link->data;
      task->executor->start (task, task->cancellable, finish_attached, hub_ref (hub));
    }
  g_main_context_pop_thread_default (hub->context);
  hub->starting = FALSE;
}

static void
run_attempt (ConcurraHub  *hub,
             ConcurraTask *task)
{
  task->executor->start (task, task->cancellable, NULL, NULL);
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

static void
lane_run (gpointer data,
          gpointer pool_data)
{
  ConcurraLane *lane = data;
  ConcurraHub *hub = lane->hub;

  lane->fresh = g_cancellable_new ();
  g_mutex_lock (&hub->lock);
  for (;;)
    {
      ConcurraTask *task;
      GCancellable *fresh;
      gboolean failed, keep;

      if (lane->withdrawn)
        break;
      if ((task = ready_peek_locked (hub, TRUE)) != NULL)
        {
          ready_unlink_locked (hub, task);
          /* the next one may be for the owner to start */
          kick_locked (hub);
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
          /* the permit this lane had may be the owner's to use */
          kick_locked (hub);
          hub->n_parked++;
          g_cond_wait (&hub->idle_cond, &hub->lock);
          hub->n_parked--;
          continue;
        }
      task->lane = lane;
      /* given under the lock: concurra_hub_withdraw() hands it to the owner */
      task->cancellable = g_steal_pointer (&lane->fresh);
      hub->n_busy++;
      push_started_locked (hub, task);
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
      /* the ready queue's reference travels on with the done event */
      push_event_locked (hub, &task->done_link);

      /* with fast-fail, an error may end the run: let the owner decide
       * before this lane starts anything else */
      if (hub->stop_on_error && failed && !lane->withdrawn)
        {
          hub->held = TRUE;
          hub->n_lanes--;
          break;
        }
    }
  g_mutex_unlock (&hub->lock);

  g_clear_object (&lane->fresh);
  g_free (lane);
  hub_unref (hub);
}

/* After the queue or the permits changed: if the first ready task may
 * start, wakes the owner to start it, or a parked lane, or starts lanes
 * while there is more lane work than lanes and room under the limit. */
static void
kick_locked (ConcurraHub *hub)
{
  guint free_permits, wanted;

  if (hub->ready.length == 0 || hub->held ||
      hub->n_busy + hub->n_attached >= hub->max_lanes)
    return;
  if (!((ConcurraTask *) hub->ready.head->data)->executor->on_lane)
    {
      if (hub->wake != NULL)
        g_source_set_ready_time (hub->wake, 0);
      return;
    }

  if (hub->n_parked > 0)
    {
      if (hub->n_ready_lane > 1)
        g_cond_broadcast (&hub->idle_cond);
      else
        g_cond_signal (&hub->idle_cond);
    }

  free_permits = hub->max_lanes - hub->n_attached;
  wanted = MIN (hub->n_busy + hub->n_ready_lane, free_permits);
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
  ready_push_locked (hub, task, FALSE);
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
  kick_locked (hub);
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

/* Whether every attempt the owner started has finished: a command that
 * was stopped is not over before its process is reaped. */
gboolean
concurra_hub_is_settled (ConcurraHub *hub)
{
  gboolean settled;

  g_mutex_lock (&hub->lock);
  settled = hub->n_live == 0;
  g_mutex_unlock (&hub->lock);
  return settled;
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
  if (task->attached)
    {
      /* its executor still finishes it, and it stays live until then */
      running = g_object_ref (task->cancellable);
      task->attached = FALSE;
      hub->n_attached--;
    }
  else if (task->lane != NULL)
    {
      running = g_object_ref (task->cancellable);
      task->lane->withdrawn = TRUE;
      task->lane = NULL;
      hub->n_lanes--;
      hub->n_busy--;
    }
  else if (task->queued)
    {
      ready_unlink_locked (hub, task);
      unqueued = TRUE;
    }
  g_mutex_unlock (&hub->lock);

  if (unqueued)
    g_object_unref (task);
  return running;
}

/* Starts queued work after lanes were withdrawn, or after the owner
 * handled a failure (see held). */
void
concurra_hub_kick (ConcurraHub *hub)
{
  g_mutex_lock (&hub->lock);
  hub->held = FALSE;
  kick_locked (hub);
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
  while ((link = hub->ready.head) != NULL)
    {
      ready_unlink_locked (hub, link->data);
      g_queue_push_tail_link (&dropped, link);
    }
  g_mutex_unlock (&hub->lock);

  while ((link = g_queue_pop_head_link (&dropped)) != NULL)
    g_object_unref (link->data);
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
