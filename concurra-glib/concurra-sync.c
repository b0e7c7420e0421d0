/* concurra-sync.c: wait and gather over tasks, Concurry's synchronization
 * primitives, woken by task completion instead of polling.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-sync.h"
#include "concurra-waiter-private.h"

static gboolean
set_wait_error (ConcurraWaitResult   result,
                ConcurraWaiter      *waiter,
                double               timeout,
                GError             **error)
{
  switch (result)
    {
    case CONCURRA_WAIT_CANCELLED:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
      return TRUE;
    case CONCURRA_WAIT_TIMED_OUT:
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT,
                   "Timed out after %g seconds with %u of %u tasks unfinished", timeout,
                   concurra_waiter_get_n_tasks (waiter) - concurra_waiter_get_n_done (waiter),
                   concurra_waiter_get_n_tasks (waiter));
      return TRUE;
    case CONCURRA_WAIT_SATISFIED:
    default:
      return FALSE;
    }
}

/* The distinct tasks, in input order, split by whether they are done. */
static void
split_done (ConcurraWaiter  *waiter,
            GPtrArray      **done,
            GPtrArray      **not_done)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  guint n = concurra_waiter_get_n_tasks (waiter);

  if (done != NULL)
    *done = g_ptr_array_new_with_free_func (g_object_unref);
  if (not_done != NULL)
    *not_done = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      ConcurraTask *task = concurra_waiter_get_task (waiter, i);
      GPtrArray **into = concurra_task_is_done (task) ? done : not_done;

      if (!g_hash_table_add (seen, task))
        continue;
      if (into != NULL)
        g_ptr_array_add (*into, g_object_ref (task));
    }
}

static gboolean
check_tasks (ConcurraTask * const *tasks,
             guint                 n_tasks)
{
  g_return_val_if_fail (tasks != NULL || n_tasks == 0, FALSE);

  for (guint i = 0; i < n_tasks; i++)
    g_return_val_if_fail (CONCURRA_IS_TASK (tasks[i]), FALSE);
  return TRUE;
}

/**
 * concurra_wait:
 * @tasks: (array length=n_tasks): the tasks to wait for; the same task may
 *   appear twice, and tasks may come from several runners
 * @n_tasks: the number of @tasks
 * @return_when: when to return
 * @timeout: the most seconds to wait; %CONCURRA_TIMEOUT_DEFAULT (or any
 *   negative value) or %CONCURRA_TIMEOUT_INFINITE to wait as long as it
 *   takes; not NaN
 * @cancellable: (nullable): stops waiting when cancelled
 * @done: (out) (optional) (transfer container) (element-type Concurra.Task):
 *   the distinct tasks that are done, in input order
 * @not_done: (out) (optional) (transfer container) (element-type Concurra.Task):
 *   the distinct tasks that are not, in input order
 * @error: return location for a #GError
 *
 * Blocks until the tasks are done as @return_when asks — all of them, the
 * first one, or the first that fails (or all) — or until @timeout, like
 * Python's `concurrent.futures.wait()`. A timeout is not an error: the
 * unfinished tasks are in @not_done. The calling thread sleeps until a task
 * completes; nothing polls.
 *
 * Can be called from any thread. Called from the thread whose main context
 * runs the tasks (after [method@Concurra.Runner.run_async]), it iterates that
 * context while it waits, so it does not deadlock.
 *
 * Returns: %FALSE only if @cancellable was cancelled
 *
 * Since: 1.0
 */
gboolean
concurra_wait (ConcurraTask * const  *tasks,
               guint                  n_tasks,
               ConcurraReturnWhen     return_when,
               double                 timeout,
               GCancellable          *cancellable,
               GPtrArray            **done,
               GPtrArray            **not_done,
               GError               **error)
{
  ConcurraWaiter *waiter;
  ConcurraWaitResult result;

  g_return_val_if_fail (concurra_timeout_is_valid (timeout), FALSE);
  g_return_val_if_fail (check_tasks (tasks, n_tasks), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  waiter = concurra_waiter_new (tasks, n_tasks);
  result = concurra_waiter_wait (waiter, concurra_want_for (return_when, n_tasks), timeout, cancellable);
  if (result == CONCURRA_WAIT_CANCELLED)
    {
      set_wait_error (result, waiter, timeout, error);
      concurra_waiter_unref (waiter);
      return FALSE;
    }
  split_done (waiter, done, not_done);
  concurra_waiter_unref (waiter);
  return TRUE;
}

/* What an asynchronous wait or gather keeps until it completes. */
typedef struct
{
  ConcurraWaiter      *waiter;
  double               timeout;
  ConcurraGatherFlags  flags;
  char               **keys;
} SyncOp;

static void
sync_op_free (SyncOp *op)
{
  concurra_waiter_unref (op->waiter);
  g_strfreev (op->keys);
  g_free (op);
}

static GTask *
sync_op_start (ConcurraTask * const  *tasks,
               guint                  n_tasks,
               ConcurraWant           want,
               double                 timeout,
               ConcurraGatherFlags    flags,
               GCancellable          *cancellable,
               GAsyncReadyCallback    op_callback,
               GAsyncReadyCallback    callback,
               gpointer               user_data,
               gpointer               source_tag)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  SyncOp *op = g_new0 (SyncOp, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_check_cancellable (task, FALSE);
  op->waiter = concurra_waiter_new (tasks, n_tasks);
  op->timeout = timeout;
  op->flags = flags;
  g_task_set_task_data (task, op, (GDestroyNotify) sync_op_free);
  concurra_waiter_wait_async (op->waiter, want, timeout, cancellable, op_callback, task);
  return task;
}

typedef struct
{
  GPtrArray *done;
  GPtrArray *not_done;
} WaitSplit;

static void
wait_split_free (WaitSplit *split)
{
  g_clear_pointer (&split->done, g_ptr_array_unref);
  g_clear_pointer (&split->not_done, g_ptr_array_unref);
  g_free (split);
}

static void
wait_async_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyncOp *op = g_task_get_task_data (task);
  ConcurraWaitResult wait_result = concurra_waiter_wait_finish (result);
  GError *error = NULL;
  WaitSplit *split;

  if (wait_result == CONCURRA_WAIT_CANCELLED)
    {
      set_wait_error (wait_result, op->waiter, op->timeout, &error);
      g_task_return_error (task, error);
      return;
    }
  split = g_new0 (WaitSplit, 1);
  split_done (op->waiter, &split->done, &split->not_done);
  g_task_return_pointer (task, split, (GDestroyNotify) wait_split_free);
}

/**
 * concurra_wait_async:
 * @tasks: (array length=n_tasks): the tasks to wait for
 * @n_tasks: the number of @tasks
 * @return_when: when to complete
 * @timeout: the most seconds to wait; %CONCURRA_TIMEOUT_DEFAULT (or any
 *   negative value) or %CONCURRA_TIMEOUT_INFINITE to wait as long as it
 *   takes; not NaN
 * @cancellable: (nullable): stops waiting when cancelled
 * @callback: (scope async): called on the thread-default main context of the
 *   calling thread
 * @user_data: data for @callback
 *
 * Waits like [func@Concurra.wait] without blocking.
 *
 * Since: 1.0
 */
void
concurra_wait_async (ConcurraTask * const  *tasks,
                     guint                  n_tasks,
                     ConcurraReturnWhen     return_when,
                     double                 timeout,
                     GCancellable          *cancellable,
                     GAsyncReadyCallback    callback,
                     gpointer               user_data)
{
  g_return_if_fail (concurra_timeout_is_valid (timeout));
  g_return_if_fail (check_tasks (tasks, n_tasks));

  sync_op_start (tasks, n_tasks, concurra_want_for (return_when, n_tasks), timeout, 0,
                 cancellable, wait_async_done, callback, user_data, concurra_wait_async);
}

/**
 * concurra_wait_finish:
 * @result: the result given to the callback
 * @done: (out) (optional) (transfer container) (element-type Concurra.Task):
 *   the distinct tasks that are done, in input order
 * @not_done: (out) (optional) (transfer container) (element-type Concurra.Task):
 *   the distinct tasks that are not, in input order
 * @error: return location for a #GError
 *
 * Finishes [func@Concurra.wait_async].
 *
 * Returns: %FALSE only if the wait was cancelled
 *
 * Since: 1.0
 */
gboolean
concurra_wait_finish (GAsyncResult  *result,
                      GPtrArray    **done,
                      GPtrArray    **not_done,
                      GError       **error)
{
  WaitSplit *split;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  split = g_task_propagate_pointer (G_TASK (result), error);
  if (split == NULL)
    return FALSE;
  if (done != NULL)
    *done = g_steal_pointer (&split->done);
  if (not_done != NULL)
    *not_done = g_steal_pointer (&split->not_done);
  wait_split_free (split);
  return TRUE;
}

/* ---- gather ---- */

static ConcurraWant
gather_want (ConcurraGatherFlags flags,
             guint               n_tasks)
{
  return concurra_want_for ((flags & CONCURRA_GATHER_RETURN_ERRORS)
                            ? CONCURRA_RETURN_WHEN_ALL_COMPLETED
                            : CONCURRA_RETURN_WHEN_FIRST_EXCEPTION, n_tasks);
}

/* The gathered tasks in input order, or the error gather() reports. */
static GPtrArray *
gather_result (ConcurraWaiter       *waiter,
               ConcurraWaitResult    result,
               ConcurraGatherFlags   flags,
               double                timeout,
               GError              **error)
{
  GPtrArray *tasks;
  int failed;

  if (result == CONCURRA_WAIT_CANCELLED)
    {
      set_wait_error (result, waiter, timeout, error);
      return NULL;
    }
  failed = concurra_waiter_get_first_failed (waiter);
  if (!(flags & CONCURRA_GATHER_RETURN_ERRORS) && failed >= 0)
    {
      ConcurraTask *task = concurra_waiter_get_task (waiter, failed);
      const GError *task_error = concurra_task_get_error (task);

      g_set_error (error, task_error->domain, task_error->code, "Task '%s' failed: %s",
                   concurra_task_get_label (task), concurra_task_get_error_message (task));
      return NULL;
    }
  if (set_wait_error (result, waiter, timeout, error))
    return NULL;

  tasks = g_ptr_array_new_full (concurra_waiter_get_n_tasks (waiter), g_object_unref);
  for (guint i = 0; i < concurra_waiter_get_n_tasks (waiter); i++)
    g_ptr_array_add (tasks, g_object_ref (concurra_waiter_get_task (waiter, i)));
  return tasks;
}

/**
 * concurra_gather:
 * @tasks: (array length=n_tasks): the tasks to gather
 * @n_tasks: the number of @tasks
 * @flags: how failures are reported
 * @timeout: the most seconds to wait; %CONCURRA_TIMEOUT_DEFAULT (or any
 *   negative value) or %CONCURRA_TIMEOUT_INFINITE to wait as long as it
 *   takes; not NaN
 * @cancellable: (nullable): stops waiting when cancelled
 * @error: return location for a #GError
 *
 * Waits for all @tasks and returns them in input order, Concurry's
 * `gather()`. Read each result from its task. Unless @flags has
 * %CONCURRA_GATHER_RETURN_ERRORS, returns as soon as a task fails or is
 * terminated, with that task's error (same domain and code, the message
 * naming its label). Fails with %CONCURRA_ERROR_TIMEOUT after @timeout.
 * Callable from any thread, like [func@Concurra.wait].
 *
 * Returns: (transfer container) (element-type Concurra.Task) (nullable): the
 *   tasks in input order, or %NULL on error
 *
 * Since: 1.0
 */
GPtrArray *
concurra_gather (ConcurraTask * const  *tasks,
                 guint                  n_tasks,
                 ConcurraGatherFlags    flags,
                 double                 timeout,
                 GCancellable          *cancellable,
                 GError               **error)
{
  ConcurraWaiter *waiter;
  ConcurraWaitResult result;
  GPtrArray *gathered;

  g_return_val_if_fail (concurra_timeout_is_valid (timeout), NULL);
  g_return_val_if_fail (check_tasks (tasks, n_tasks), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  waiter = concurra_waiter_new (tasks, n_tasks);
  result = concurra_waiter_wait (waiter, gather_want (flags, n_tasks), timeout, cancellable);
  gathered = gather_result (waiter, result, flags, timeout, error);
  concurra_waiter_unref (waiter);
  return gathered;
}

static void
gather_async_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyncOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  GPtrArray *gathered;

  gathered = gather_result (op->waiter, concurra_waiter_wait_finish (result),
                            op->flags, op->timeout, &error);
  if (gathered == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, gathered, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * concurra_gather_async:
 * @tasks: (array length=n_tasks): the tasks to gather
 * @n_tasks: the number of @tasks
 * @flags: how failures are reported
 * @timeout: the most seconds to wait; %CONCURRA_TIMEOUT_DEFAULT (or any
 *   negative value) or %CONCURRA_TIMEOUT_INFINITE to wait as long as it
 *   takes; not NaN
 * @cancellable: (nullable): stops waiting when cancelled
 * @callback: (scope async): called on the thread-default main context of the
 *   calling thread
 * @user_data: data for @callback
 *
 * Gathers like [func@Concurra.gather] without blocking.
 *
 * Since: 1.0
 */
void
concurra_gather_async (ConcurraTask * const  *tasks,
                       guint                  n_tasks,
                       ConcurraGatherFlags    flags,
                       double                 timeout,
                       GCancellable          *cancellable,
                       GAsyncReadyCallback    callback,
                       gpointer               user_data)
{
  g_return_if_fail (concurra_timeout_is_valid (timeout));
  g_return_if_fail (check_tasks (tasks, n_tasks));

  sync_op_start (tasks, n_tasks, gather_want (flags, n_tasks), timeout, flags,
                 cancellable, gather_async_done, callback, user_data, concurra_gather_async);
}

/**
 * concurra_gather_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [func@Concurra.gather_async].
 *
 * Returns: (transfer container) (element-type Concurra.Task) (nullable): the
 *   tasks in input order, or %NULL on error
 *
 * Since: 1.0
 */
GPtrArray *
concurra_gather_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- keyed gather ---- */

static ConcurraTask **
split_keyed (GHashTable   *table,
             char       ***keys,
             guint        *n_tasks)
{
  GHashTableIter iter;
  gpointer key, value;
  ConcurraTask **tasks;
  guint i = 0;

  *n_tasks = g_hash_table_size (table);
  tasks = g_new (ConcurraTask *, MAX (*n_tasks, 1));
  *keys = g_new0 (char *, *n_tasks + 1);
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      (*keys)[i] = g_strdup (key);
      tasks[i++] = value;
    }
  return tasks;
}

static gboolean
check_keyed (GHashTable *table)
{
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (table != NULL, FALSE);

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_return_val_if_fail (key != NULL && CONCURRA_IS_TASK (value), FALSE);
  return TRUE;
}

static GHashTable *
keyed_result (GPtrArray  *gathered,
              char      **keys)
{
  GHashTable *table;

  if (gathered == NULL)
    return NULL;
  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  for (guint i = 0; i < gathered->len; i++)
    g_hash_table_insert (table, g_strdup (keys[i]), g_object_ref (g_ptr_array_index (gathered, i)));
  g_ptr_array_unref (gathered);
  return table;
}

/**
 * concurra_gather_keyed:
 * @tasks: (element-type utf8 Concurra.Task): the tasks to gather, by key
 * @flags: how failures are reported
 * @timeout: the most seconds to wait; %CONCURRA_TIMEOUT_DEFAULT (or any
 *   negative value) or %CONCURRA_TIMEOUT_INFINITE to wait as long as it
 *   takes; not NaN
 * @cancellable: (nullable): stops waiting when cancelled
 * @error: return location for a #GError
 *
 * Gathers like [func@Concurra.gather] over a table of tasks and returns the
 * same keys, Concurry's `gather()` of a dict.
 *
 * Returns: (transfer container) (element-type utf8 Concurra.Task) (nullable):
 *   the tasks by key, or %NULL on error
 *
 * Since: 1.0
 */
GHashTable *
concurra_gather_keyed (GHashTable           *tasks,
                       ConcurraGatherFlags   flags,
                       double                timeout,
                       GCancellable         *cancellable,
                       GError              **error)
{
  g_auto(GStrv) keys = NULL;
  g_autofree ConcurraTask **array = NULL;
  guint n_tasks;

  g_return_val_if_fail (concurra_timeout_is_valid (timeout), NULL);
  g_return_val_if_fail (check_keyed (tasks), NULL);

  array = split_keyed (tasks, &keys, &n_tasks);
  return keyed_result (concurra_gather (array, n_tasks, flags, timeout, cancellable, error), keys);
}

/**
 * concurra_gather_keyed_async:
 * @tasks: (element-type utf8 Concurra.Task): the tasks to gather, by key
 * @flags: how failures are reported
 * @timeout: the most seconds to wait; %CONCURRA_TIMEOUT_DEFAULT (or any
 *   negative value) or %CONCURRA_TIMEOUT_INFINITE to wait as long as it
 *   takes; not NaN
 * @cancellable: (nullable): stops waiting when cancelled
 * @callback: (scope async): called on the thread-default main context of the
 *   calling thread
 * @user_data: data for @callback
 *
 * Gathers like [func@Concurra.gather_keyed] without blocking.
 *
 * Since: 1.0
 */
void
concurra_gather_keyed_async (GHashTable          *tasks,
                             ConcurraGatherFlags  flags,
                             double               timeout,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autofree ConcurraTask **array = NULL;
  char **keys;
  guint n_tasks;
  GTask *task;

  g_return_if_fail (concurra_timeout_is_valid (timeout));
  g_return_if_fail (check_keyed (tasks));

  array = split_keyed (tasks, &keys, &n_tasks);
  task = sync_op_start (array, n_tasks, gather_want (flags, n_tasks), timeout, flags,
                        cancellable, gather_async_done, callback, user_data,
                        concurra_gather_keyed_async);
  ((SyncOp *) g_task_get_task_data (task))->keys = keys;
}

/**
 * concurra_gather_keyed_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [func@Concurra.gather_keyed_async].
 *
 * Returns: (transfer container) (element-type utf8 Concurra.Task) (nullable):
 *   the tasks by key, or %NULL on error
 *
 * Since: 1.0
 */
GHashTable *
concurra_gather_keyed_finish (GAsyncResult  *result,
                              GError       **error)
{
  SyncOp *op;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  op = g_task_get_task_data (G_TASK (result));
  return keyed_result (g_task_propagate_pointer (G_TASK (result), error), op->keys);
}
