/* concurra-waiter.c: completion tracking over a set of tasks.
 *
 * A waiter registers a listener on each task of its set; tasks call it on
 * their runner's owner context when they complete. The listener records the
 * arrival and wakes exactly the waits it satisfies: a GCond for a plain
 * blocking thread, or a GSource's ready time for a thread that iterates a
 * main context. Nothing polls; a wait on a task that takes an hour sleeps
 * for an hour.
 *
 * A blocking wait from the thread that would run the tasks' owner context
 * (a run_async() whose caller now blocks) iterates that context instead of
 * blocking it, so it cannot deadlock.
 *
 * Each registration holds a reference on the waiter; closing the waiter
 * removes the registrations on tasks that are not done, so a timed-out or
 * cancelled wait leaves nothing behind on its tasks.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-deadlines-private.h"
#include "concurra-waiter-private.h"

#include <math.h>

typedef struct
{
  ConcurraWant  want;
  GSource      *source;        /* NULL: the waiter's GCond */
  gint64        deadline;      /* -1: none */
} Waker;

struct _ConcurraWaiter
{
  GMutex              lock;
  GCond               cond;
  ConcurraTask      **tasks;
  guint               n_tasks;
  guint8             *arrived;
  GArray             *arrivals;  /* positions in completion order */
  guint               n_done;
  guint               n_failed;
  int                 first_failed;
  GList              *wakers;
  GPtrArray          *owners;    /* of the pending tasks, under lock */
  gboolean            unowned;   /* some pending task had no owner yet */
  GSource            *watch;
  ConcurraWaiterFunc  watch_func;
  gpointer            watch_data;
  gboolean            closed;
};

ConcurraWaiter *
concurra_waiter_ref (ConcurraWaiter *waiter)
{
  return g_atomic_rc_box_acquire (waiter);
}

static void
waiter_clear (ConcurraWaiter *waiter)
{
  for (guint i = 0; i < waiter->n_tasks; i++)
    g_object_unref (waiter->tasks[i]);
  g_free (waiter->tasks);
  g_free (waiter->arrived);
  g_array_unref (waiter->arrivals);
  g_ptr_array_unref (waiter->owners);
  g_mutex_clear (&waiter->lock);
  g_cond_clear (&waiter->cond);
}

static void
waiter_release (ConcurraWaiter *waiter)
{
  g_atomic_rc_box_release_full (waiter, (GDestroyNotify) waiter_clear);
}

static gboolean
want_met (ConcurraWaiter *waiter,
          ConcurraWant    want)
{
  return waiter->n_done >= want.want_done || waiter->n_failed >= want.want_failed;
}

static void
wake_locked (ConcurraWaiter *waiter)
{
  gboolean signal_cond = FALSE;

  for (GList *l = waiter->wakers; l; l = l->next)
    {
      Waker *waker = l->data;

      if (!want_met (waiter, waker->want))
        continue;
      if (waker->source != NULL)
        g_source_set_ready_time (waker->source, 0);
      else
        signal_cond = TRUE;
    }
  if (signal_cond)
    g_cond_broadcast (&waiter->cond);
  if (waiter->watch != NULL)
    g_source_set_ready_time (waiter->watch, 0);
}

static void
record_arrival_locked (ConcurraWaiter *waiter,
                       ConcurraTask   *task,
                       guint           index)
{
  waiter->arrived[index] = TRUE;
  g_array_append_val (waiter->arrivals, index);
  waiter->n_done++;
  if (concurra_task_get_has_failed (task))
    {
      waiter->n_failed++;
      if (waiter->first_failed < 0)
        waiter->first_failed = index;
    }
}

static void
on_task_completed (ConcurraTask *task,
                   gpointer      data,
                   guint         index)
{
  ConcurraWaiter *waiter = data;

  g_mutex_lock (&waiter->lock);
  record_arrival_locked (waiter, task, index);
  wake_locked (waiter);
  g_mutex_unlock (&waiter->lock);

  waiter_release (waiter);
}

/* Notes the owner of @task, a pending task, with the waiter's lock held:
 * FALSE if it has none yet. */
static gboolean
note_owner_locked (ConcurraWaiter *waiter,
                   ConcurraTask   *task)
{
  ConcurraTaskOwner *owner = concurra_task_dup_owner (task);

  if (owner == NULL)
    return FALSE;
  /* tasks of one runner share one owner: usually it is the last noted */
  for (guint i = waiter->owners->len; i > 0; i--)
    if (g_ptr_array_index (waiter->owners, i - 1) == owner)
      {
        concurra_task_owner_unref (owner);
        return TRUE;
      }
  g_ptr_array_add (waiter->owners, owner);
  return TRUE;
}

ConcurraWaiter *
concurra_waiter_new (ConcurraTask * const *tasks,
                     guint                 n_tasks)
{
  ConcurraWaiter *waiter = g_atomic_rc_box_new0 (ConcurraWaiter);

  g_mutex_init (&waiter->lock);
  g_cond_init (&waiter->cond);
  waiter->n_tasks = n_tasks;
  waiter->tasks = g_new (ConcurraTask *, MAX (n_tasks, 1));
  waiter->arrived = g_new0 (guint8, MAX (n_tasks, 1));
  waiter->arrivals = g_array_sized_new (FALSE, FALSE, sizeof (guint), n_tasks);
  waiter->owners = g_ptr_array_new_with_free_func ((GDestroyNotify) concurra_task_owner_unref);
  waiter->first_failed = -1;

  for (guint i = 0; i < n_tasks; i++)
    waiter->tasks[i] = g_object_ref (tasks[i]);

  /* the waiter lock is held so that listeners firing meanwhile queue up
   * behind the arrivals of tasks found done here, in input order; each
   * task's lock is taken inside it, one task at a time */
  g_mutex_lock (&waiter->lock);
  for (guint i = 0; i < n_tasks; i++)
    {
      ConcurraTask *task = waiter->tasks[i];

      if (!concurra_task_add_listener (task, on_task_completed, concurra_waiter_ref (waiter), i))
        {
          waiter_release (waiter);
          record_arrival_locked (waiter, task, i);
          continue;
        }
      if (!note_owner_locked (waiter, task))
        waiter->unowned = TRUE;
    }
  g_mutex_unlock (&waiter->lock);

  return waiter;
}

/* Removes the registrations on tasks that are not done. */
static void
waiter_close (ConcurraWaiter *waiter)
{
  guint n_removed = 0;

  g_mutex_lock (&waiter->lock);
  if (waiter->closed)
    {
      g_mutex_unlock (&waiter->lock);
      return;
    }
  waiter->closed = TRUE;
  for (guint i = 0; i < waiter->n_tasks; i++)
    if (!waiter->arrived[i] &&
        concurra_task_remove_listener (waiter->tasks[i], on_task_completed, waiter, i))
      n_removed++;
  g_mutex_unlock (&waiter->lock);

  while (n_removed-- > 0)
    waiter_release (waiter);
}

/* Drops the reference of the waiter's owner (the one who created it):
 * closes it, after which only operations and listeners already under way
 * keep it alive. */
void
concurra_waiter_unref (ConcurraWaiter *waiter)
{
  waiter_close (waiter);
  waiter_release (waiter);
}

guint
concurra_waiter_get_n_tasks (ConcurraWaiter *waiter)
{
  return waiter->n_tasks;
}

ConcurraTask *
concurra_waiter_get_task (ConcurraWaiter *waiter,
                          guint           index)
{
  return waiter->tasks[index];
}

guint
concurra_waiter_get_n_done (ConcurraWaiter *waiter)
{
  guint n;

  g_mutex_lock (&waiter->lock);
  n = waiter->n_done;
  g_mutex_unlock (&waiter->lock);
  return n;
}

guint
concurra_waiter_get_n_failed (ConcurraWaiter *waiter)
{
  guint n;

  g_mutex_lock (&waiter->lock);
  n = waiter->n_failed;
  g_mutex_unlock (&waiter->lock);
  return n;
}

int
concurra_waiter_get_first_failed (ConcurraWaiter *waiter)
{
  int index;

  g_mutex_lock (&waiter->lock);
  index = waiter->first_failed;
  g_mutex_unlock (&waiter->lock);
  return index;
}

/* The input position of the @position-th completion, if it happened. */
gboolean
concurra_waiter_get_arrival (ConcurraWaiter *waiter,
                             guint           position,
                             guint          *index)
{
  gboolean found;

  g_mutex_lock (&waiter->lock);
  found = position < waiter->arrivals->len;
  if (found)
    *index = g_array_index (waiter->arrivals, guint, position);
  g_mutex_unlock (&waiter->lock);
  return found;
}

ConcurraWant
concurra_want_for (ConcurraReturnWhen when,
                   guint              n_tasks)
{
  ConcurraWant want = { n_tasks, G_MAXUINT };

  if (when == CONCURRA_RETURN_WHEN_FIRST_COMPLETED)
    want.want_done = MIN (n_tasks, 1);
  else if (when == CONCURRA_RETURN_WHEN_FIRST_EXCEPTION)
    want.want_failed = 1;
  return want;
}

/* ---- the waker source: ready at the deadline, or at once when woken ---- */

typedef struct
{
  GSource  base;
  Waker   *waker;
} WakerSource;

static gboolean
waker_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  g_source_set_ready_time (source, ((WakerSource *) source)->waker->deadline);
  return callback ? callback (user_data) : G_SOURCE_CONTINUE;
}

static GSourceFuncs waker_funcs = {
  .dispatch = waker_dispatch,
};

static GSource *
waker_source_new (Waker        *waker,
                  GMainContext *context)
{
  GSource *source = g_source_new (&waker_funcs, sizeof (WakerSource));

  ((WakerSource *) source)->waker = waker;
  g_source_set_static_name (source, "[concurra] waiter");
  g_source_set_ready_time (source, waker->deadline);
  g_source_attach (source, context);
  return source;
}

static void
waker_cancelled (GCancellable   *cancellable,
                 ConcurraWaiter *waiter)
{
  g_mutex_lock (&waiter->lock);
  for (GList *l = waiter->wakers; l; l = l->next)
    {
      Waker *waker = l->data;

      if (waker->source != NULL)
        g_source_set_ready_time (waker->source, 0);
    }
  g_cond_broadcast (&waiter->cond);
  g_mutex_unlock (&waiter->lock);
}

static gpointer
copy_ref (gconstpointer owner,
          gpointer      user_data)
{
  return concurra_task_owner_ref ((ConcurraTaskOwner *) owner);
}

/* The owners of the pending tasks, each with a reference. A task that had
 * no owner when the waiter was made may have been added to a runner since:
 * only then are the tasks looked at again. */
static GPtrArray *
pending_owners (ConcurraWaiter *waiter)
{
  GPtrArray *owners;

  g_mutex_lock (&waiter->lock);
  if (waiter->unowned)
    {
      waiter->unowned = FALSE;
      for (guint i = 0; i < waiter->n_tasks; i++)
        if (!waiter->arrived[i] && !note_owner_locked (waiter, waiter->tasks[i]))
          waiter->unowned = TRUE;
    }
  owners = g_ptr_array_copy (waiter->owners, copy_ref, NULL);
  g_ptr_array_set_free_func (owners, (GDestroyNotify) concurra_task_owner_unref);
  g_mutex_unlock (&waiter->lock);
  return owners;
}

/* A context this thread must iterate rather than block: one that runs
 * pending tasks and that this very thread is in charge of (it called
 * run_async() there, or it is in a signal handler of the run). Blocking
 * would stop those tasks from completing. Looked up at each wait, since a
 * run may start after the waiter was made, and only among runs going on:
 * a finished run's context stays this thread's but runs nothing. Returns
 * the context acquired, with a reference. */
static GMainContext *
acquire_owner_context (ConcurraWaiter *waiter)
{
  g_autoptr(GPtrArray) owners = pending_owners (waiter);

  for (guint i = 0; i < owners->len; i++)
    {
      GThread *thread;
      GMainContext *context = concurra_task_owner_dup_context (g_ptr_array_index (owners, i),
                                                               &thread);

      if (context == NULL)
        continue;
      if (thread == g_thread_self () && g_main_context_acquire (context))
        return context;
      g_main_context_unref (context);
    }
  return NULL;
}

static ConcurraWaitResult
check_locked (ConcurraWaiter *waiter,
              Waker          *waker,
              GCancellable   *cancellable)
{
  if (want_met (waiter, waker->want))
    return CONCURRA_WAIT_SATISFIED;
  if (g_cancellable_is_cancelled (cancellable))
    return CONCURRA_WAIT_CANCELLED;
  if (waker->deadline >= 0 && g_get_monotonic_time () >= waker->deadline)
    return CONCURRA_WAIT_TIMED_OUT;
  return -1;
}

ConcurraWaitResult
concurra_waiter_wait (ConcurraWaiter *waiter,
                      ConcurraWant    want,
                      double          timeout,
                      GCancellable   *cancellable)
{
  Waker waker = { want, NULL, concurra_deadline_for_timeout (timeout) };
  GMainContext *context = NULL;
  ConcurraWaitResult result;
  gulong cancel_id = 0;

  g_mutex_lock (&waiter->lock);
  result = check_locked (waiter, &waker, cancellable);
  if ((int) result >= 0)
    {
      g_mutex_unlock (&waiter->lock);
      return result;
    }
  g_mutex_unlock (&waiter->lock);

  context = acquire_owner_context (waiter);
  if (context != NULL)
    waker.source = waker_source_new (&waker, context);

  g_mutex_lock (&waiter->lock);
  waiter->wakers = g_list_prepend (waiter->wakers, &waker);
  g_mutex_unlock (&waiter->lock);
  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (waker_cancelled), waiter, NULL);

  g_mutex_lock (&waiter->lock);
  while ((int) (result = check_locked (waiter, &waker, cancellable)) < 0)
    {
      if (context != NULL)
        {
          g_mutex_unlock (&waiter->lock);
          g_main_context_iteration (context, TRUE);
          g_mutex_lock (&waiter->lock);
        }
      else if (waker.deadline >= 0)
        g_cond_wait_until (&waiter->cond, &waiter->lock, waker.deadline);
      else
        g_cond_wait (&waiter->cond, &waiter->lock);
    }
  waiter->wakers = g_list_remove (waiter->wakers, &waker);
  g_mutex_unlock (&waiter->lock);

  g_cancellable_disconnect (cancellable, cancel_id);
  if (context != NULL)
    {
      g_source_destroy (waker.source);
      g_source_unref (waker.source);
      g_main_context_release (context);
      g_main_context_unref (context);
    }
  return result;
}

/* ---- asynchronous waits, completed on the caller's context ---- */

typedef struct
{
  ConcurraWaiter *waiter;
  Waker           waker;
  GTask          *task;
  gulong          cancel_id;
} AsyncWait;

static void
async_wait_free (AsyncWait *wait)
{
  waiter_release (wait->waiter);
  g_free (wait);
}

static gboolean
async_wait_check (gpointer user_data)
{
  AsyncWait *wait = user_data;
  GCancellable *cancellable = g_task_get_cancellable (wait->task);
  ConcurraWaitResult result;
  GTask *task;

  g_mutex_lock (&wait->waiter->lock);
  result = check_locked (wait->waiter, &wait->waker, cancellable);
  if ((int) result < 0)
    {
      g_mutex_unlock (&wait->waiter->lock);
      return G_SOURCE_CONTINUE;
    }
  wait->waiter->wakers = g_list_remove (wait->waiter->wakers, &wait->waker);
  g_mutex_unlock (&wait->waiter->lock);

  g_cancellable_disconnect (cancellable, wait->cancel_id);
  g_source_destroy (wait->waker.source);
  g_clear_pointer (&wait->waker.source, g_source_unref);
  task = g_steal_pointer (&wait->task);
  async_wait_free (wait);
  g_task_return_int (task, result);
  g_object_unref (task);

  return G_SOURCE_REMOVE;
}

void
concurra_waiter_wait_async (ConcurraWaiter      *waiter,
                            ConcurraWant         want,
                            double               timeout,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  AsyncWait *wait = g_new0 (AsyncWait, 1);
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  wait->waiter = concurra_waiter_ref (waiter);
  wait->waker.want = want;
  wait->waker.deadline = concurra_deadline_for_timeout (timeout);
  wait->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_check_cancellable (wait->task, FALSE);
  g_task_set_source_tag (wait->task, concurra_waiter_wait_async);

  wait->waker.source = waker_source_new (&wait->waker, context);
  g_source_set_callback (wait->waker.source, async_wait_check, wait, NULL);
  /* checked once from the loop even if already satisfied: callbacks never
   * run inside the call that started the operation */
  g_source_set_ready_time (wait->waker.source, 0);

  g_mutex_lock (&waiter->lock);
  waiter->wakers = g_list_prepend (waiter->wakers, &wait->waker);
  g_mutex_unlock (&waiter->lock);
  if (cancellable != NULL)
    wait->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (waker_cancelled), waiter, NULL);
}

ConcurraWaitResult
concurra_waiter_wait_finish (GAsyncResult *result)
{
  return g_task_propagate_int (G_TASK (result), NULL);
}

/* ---- watching every arrival from a context ---- */

static gboolean
watch_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  ConcurraWaiter *waiter = user_data;

  g_source_set_ready_time (source, -1);
  waiter->watch_func (waiter, waiter->watch_data);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs watch_funcs = {
  .dispatch = watch_dispatch,
};

/* Calls @func on @context after arrivals (coalesced), and once at the start
 * for the tasks that were already done. */
void
concurra_waiter_watch (ConcurraWaiter     *waiter,
                       GMainContext       *context,
                       ConcurraWaiterFunc  func,
                       gpointer            user_data)
{
  GSource *source = g_source_new (&watch_funcs, sizeof (GSource));

  g_source_set_static_name (source, "[concurra] task stream");
  g_source_set_callback (source, NULL, waiter, NULL);
  waiter->watch_func = func;
  waiter->watch_data = user_data;
  g_source_set_ready_time (source, 0);
  g_source_attach (source, context);

  g_mutex_lock (&waiter->lock);
  waiter->watch = source;
  g_mutex_unlock (&waiter->lock);
}

void
concurra_waiter_unwatch (ConcurraWaiter *waiter)
{
  GSource *source;

  g_mutex_lock (&waiter->lock);
  source = g_steal_pointer (&waiter->watch);
  g_mutex_unlock (&waiter->lock);

  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
}
