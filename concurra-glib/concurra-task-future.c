/* concurra-task-future.c: the task as a future: whether it is done, the
 * listeners told when it is (the waiters behind wait, gather and streams),
 * its owner handle, cancel, wait and wait_async (built on a waiter), and
 * the status transitions the owner makes on the way to done: started,
 * pending again for a retry, settled, then announced to the listeners and
 * by the completed signal. The only code that takes a task's future_lock.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-task-private.h"
#include "concurra-waiter-private.h"

/**
 * concurra_task_is_done:
 * @task: a task
 *
 * Whether the task has its final status. Safe to call from any thread.
 *
 * Returns: %TRUE once the task succeeded, failed or was terminated
 *
 * Since: 1.0
 */
gboolean
concurra_task_is_done (ConcurraTask *task)
{
  return concurra_task_get_status (task) >= CONCURRA_TASK_STATUS_SUCCESSFUL;
}

typedef struct
{
  ConcurraListenerFunc func;
  gpointer             data;
  guint                index;
} Listener;

/* The future lock guards the listeners, the owner and an early
 * cancellation; each function below takes it briefly and calls nothing
 * while it holds it, so no thread ever holds two tasks' locks. */

/* Registers a completion listener; FALSE if the task is already done (the
 * listener is then not called). The task is done once settled, before it
 * announces: a listener added in between is refused, not lost. */
gboolean
concurra_task_add_listener (ConcurraTask         *task,
                            ConcurraListenerFunc  func,
                            gpointer              data,
                            guint                 index)
{
  Listener l = { func, data, index };
  gboolean added = FALSE;

  g_mutex_lock (&task->future_lock);
  if (!concurra_task_is_done (task))
    {
      if (task->listeners == NULL)
        task->listeners = g_array_sized_new (FALSE, FALSE, sizeof (Listener), 1);
      g_array_append_val (task->listeners, l);
      added = TRUE;
    }
  g_mutex_unlock (&task->future_lock);
  return added;
}

/* FALSE if the listener was not registered (any more). */
gboolean
concurra_task_remove_listener (ConcurraTask         *task,
                               ConcurraListenerFunc  func,
                               gpointer              data,
                               guint                 index)
{
  gboolean removed = FALSE;

  g_mutex_lock (&task->future_lock);
  for (guint i = 0; task->listeners != NULL && i < task->listeners->len; i++)
    {
      Listener *l = &g_array_index (task->listeners, Listener, i);

      if (l->func == func && l->data == data && l->index == index)
        {
          g_array_remove_index_fast (task->listeners, i);
          removed = TRUE;
          break;
        }
    }
  g_mutex_unlock (&task->future_lock);
  return removed;
}

/* Called once, by the runner that adds @task. */
void
concurra_task_set_owner (ConcurraTask      *task,
                         ConcurraTaskOwner *owner)
{
  g_mutex_lock (&task->future_lock);
  g_assert (task->owner == NULL);
  task->owner = concurra_task_owner_ref (owner);
  g_mutex_unlock (&task->future_lock);
}

/* A reference on the owner of @task, or NULL if it has none yet. */
ConcurraTaskOwner *
concurra_task_dup_owner (ConcurraTask *task)
{
  ConcurraTaskOwner *owner;

  g_mutex_lock (&task->future_lock);
  owner = task->owner ? concurra_task_owner_ref (task->owner) : NULL;
  g_mutex_unlock (&task->future_lock);
  return owner;
}

/**
 * concurra_task_cancel:
 * @task: a task
 *
 * Terminates the task if it has no final status yet, as
 * [method@Concurra.Runner.abort] does for a whole run: its cancellable is
 * cancelled, its slot is freed for other tasks, it ends
 * %CONCURRA_TASK_STATUS_TERMINATED with %CONCURRA_ERROR_TERMINATED, and its
 * dependents are skipped. Use it on the losers of a race. Safe to call from
 * any thread; the termination happens on the runner's owner context (at
 * once if the runner was not started yet, when it starts).
 *
 * Returns: %TRUE if the task was not done yet and will be terminated
 *
 * Since: 1.0
 */
gboolean
concurra_task_cancel (ConcurraTask *task)
{
  g_autoptr(ConcurraTaskOwner) owner = NULL;

  g_return_val_if_fail (CONCURRA_IS_TASK (task), FALSE);

  g_mutex_lock (&task->future_lock);
  if (concurra_task_is_done (task))
    {
      g_mutex_unlock (&task->future_lock);
      return FALSE;
    }
  if (task->owner != NULL)
    owner = concurra_task_owner_ref (task->owner);
  else
    task->cancel_requested = TRUE;
  g_mutex_unlock (&task->future_lock);

  /* an owner that is gone will run nothing any more */
  if (owner != NULL)
    concurra_task_owner_cancel (owner, task);
  return TRUE;
}

static gboolean
wait_result_to_error (ConcurraWaitResult   result,
                      ConcurraTask        *task,
                      double               timeout,
                      GError             **error)
{
  if (result == CONCURRA_WAIT_CANCELLED)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  else if (result == CONCURRA_WAIT_TIMED_OUT)
    g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT,
                 "Timed out after %g seconds waiting for task '%s'", timeout,
                 task->label ? task->label : "(unlabelled)");
  return result == CONCURRA_WAIT_SATISFIED;
}

/**
 * concurra_task_wait:
 * @task: a task
 * @timeout: the most seconds to wait; %CONCURRA_TIMEOUT_DEFAULT (or any
 *   negative value) or %CONCURRA_TIMEOUT_INFINITE to wait as long as it
 *   takes; not NaN
 * @cancellable: (nullable): stops waiting when cancelled
 * @error: return location for a #GError
 *
 * Blocks until the task has its final status, whatever it is; then read the
 * result. Fails with %CONCURRA_ERROR_TIMEOUT after @timeout. Callable from
 * any thread, like [func@Concurra.wait].
 *
 * Returns: %TRUE once the task is done
 *
 * Since: 1.0
 */
gboolean
concurra_task_wait (ConcurraTask  *task,
                    double         timeout,
                    GCancellable  *cancellable,
                    GError       **error)
{
  ConcurraWaiter *waiter;
  ConcurraWaitResult result;

  g_return_val_if_fail (concurra_timeout_is_valid (timeout), FALSE);
  g_return_val_if_fail (CONCURRA_IS_TASK (task), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  waiter = concurra_waiter_new (&task, 1);
  result = concurra_waiter_wait (waiter, concurra_want_for (CONCURRA_RETURN_WHEN_ALL_COMPLETED, 1),
                                 timeout, cancellable);
  concurra_waiter_unref (waiter);
  return wait_result_to_error (result, task, timeout, error);
}

typedef struct
{
  ConcurraWaiter *waiter;
  double          timeout;
} TaskWait;

static void
task_wait_free (TaskWait *wait)
{
  concurra_waiter_unref (wait->waiter);
  g_free (wait);
}

static void
task_wait_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) gtask = user_data;
  TaskWait *wait = g_task_get_task_data (gtask);
  GError *error = NULL;

  if (wait_result_to_error (concurra_waiter_wait_finish (result),
                            g_task_get_source_object (gtask), wait->timeout, &error))
    g_task_return_boolean (gtask, TRUE);
  else
    g_task_return_error (gtask, error);
}

/**
 * concurra_task_wait_async:
 * @task: a task
 * @timeout: the most seconds to wait; %CONCURRA_TIMEOUT_DEFAULT (or any
 *   negative value) or %CONCURRA_TIMEOUT_INFINITE to wait as long as it
 *   takes; not NaN
 * @cancellable: (nullable): stops waiting when cancelled
 * @callback: (scope async): called on the thread-default main context of the
 *   calling thread
 * @user_data: data for @callback
 *
 * Waits like [method@Concurra.Task.wait] without blocking.
 *
 * Since: 1.0
 */
void
concurra_task_wait_async (ConcurraTask        *task,
                          double               timeout,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *gtask;
  TaskWait *wait;

  g_return_if_fail (concurra_timeout_is_valid (timeout));
  g_return_if_fail (CONCURRA_IS_TASK (task));

  gtask = g_task_new (task, cancellable, callback, user_data);
  g_task_set_source_tag (gtask, concurra_task_wait_async);
  g_task_set_check_cancellable (gtask, FALSE);
  wait = g_new0 (TaskWait, 1);
  wait->waiter = concurra_waiter_new (&task, 1);
  wait->timeout = timeout;
  g_task_set_task_data (gtask, wait, (GDestroyNotify) task_wait_free);
  concurra_waiter_wait_async (wait->waiter, concurra_want_for (CONCURRA_RETURN_WHEN_ALL_COMPLETED, 1),
                              timeout, cancellable, task_wait_done, gtask);
}

/**
 * concurra_task_wait_finish:
 * @task: a task
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Concurra.Task.wait_async].
 *
 * Returns: %TRUE once the task is done
 *
 * Since: 1.0
 */
gboolean
concurra_task_wait_finish (ConcurraTask  *task,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, task), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the status transitions, made by the owner on its context ---- */

/* Records the final status. @error (transfer full) is required for a
 * failed or terminated task. Runs on the owner context; tells no one yet,
 * see concurra_task_announce(). */
void
concurra_task_settle (ConcurraTask       *task,
                      ConcurraTaskStatus  status,
                      GError             *error)
{
  g_assert (status >= CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert ((error != NULL) == (status != CONCURRA_TASK_STATUS_SUCCESSFUL));

  if (task->start_real != 0)
    {
      task->end_real = g_get_real_time ();
      task->duration = (task->end_real - task->start_real) / (double) G_USEC_PER_SEC;
    }
  if (error != NULL)
    {
      task->error = error;
      task->error_message = g_strdup (error->message);
    }
  g_atomic_int_set (&task->status, status);
}

/* Tells waiters and listeners that the task is done: they may be other
 * threads blocked on it. Any thread. */
void
concurra_task_wake_listeners (ConcurraTask *task)
{
  GArray *listeners;

  g_mutex_lock (&task->future_lock);
  listeners = g_steal_pointer (&task->listeners);
  g_mutex_unlock (&task->future_lock);
  if (listeners != NULL)
    {
      for (guint i = 0; i < listeners->len; i++)
        {
          Listener *l = &g_array_index (listeners, Listener, i);

          l->func (task, l->data, l->index);
        }
      g_array_unref (listeners);
    }
}

/* Notifies every part of the record that settle() wrote, and emits
 * ::completed: on the owner context. */
void
concurra_task_notify_done (ConcurraTask *task)
{
  if (task->start_real != 0)
    g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_DURATION]);
  if (task->error_message != NULL)
    g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_ERROR_MESSAGE]);
  if (task->trace != NULL)
    g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_TRACE]);
  g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_STATUS]);
  if (concurra_task_get_has_failed (task))
    g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_HAS_FAILED]);
  g_signal_emit (task, concurra_task_signals[TASK_SIGNAL_COMPLETED], 0);
}

/* Tells waiters and listeners that the task is done, then everyone else. */
void
concurra_task_announce (ConcurraTask *task)
{
  concurra_task_wake_listeners (task);
  concurra_task_notify_done (task);
}

/* Marks the start of an attempt on the owner context, telling no one
 * yet; returns whether the execution mode changed, for
 * concurra_task_notify_started(). */
gboolean
concurra_task_mark_started (ConcurraTask          *task,
                            ConcurraExecutionMode  mode)
{
  gboolean mode_changed = task->mode != mode;

  task->attempts++;
  if (task->start_real == 0)
    task->start_real = task->outcome.start_real;
  task->mode = mode;
  g_atomic_int_set (&task->status, CONCURRA_TASK_STATUS_RUNNING);
  return mode_changed;
}

/* The notifications of concurra_task_mark_started(). */
void
concurra_task_notify_started (ConcurraTask *task,
                              gboolean      mode_changed)
{
  if (mode_changed)
    g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_EXECUTION_MODE]);
  g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_ATTEMPTS]);
  if (task->attempts == 2)
    g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_RETRIED]);
  g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_STATUS]);
}

/* Back to pending while a retry waits for its turn. */
void
concurra_task_mark_pending (ConcurraTask *task)
{
  g_atomic_int_set (&task->status, CONCURRA_TASK_STATUS_PENDING);
  g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_STATUS]);
}
