/* concurra-task-stream.c: ConcurraTaskStream, tasks in the order they
 * complete — Concurry's gather(iter=True).
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-task-stream.h"
#include "concurra-waiter-private.h"

/**
 * ConcurraTaskStream:
 *
 * Hands out tasks as they complete, with their position in the input (or
 * their key, see [ctor@Concurra.TaskStream.new_keyed]), so each result can
 * be handled as soon as it is there.
 *
 * Pull tasks with [method@Concurra.TaskStream.next] (blocking, from any
 * thread) or [method@Concurra.TaskStream.next_async]; or listen to
 * [signal@Concurra.TaskStream::task-completed] and
 * [signal@Concurra.TaskStream::progress]; or bind the stream to a list
 * view: it is a [iface@Gio.ListModel] of the completed tasks that grows as
 * they complete. Signals and model changes happen on the thread-default
 * main context of the thread that created the stream.
 *
 * Completions are delivered, not polled for: the stream wakes when a task
 * completes. It keeps the input tasks and one integer per completion, never
 * a copy of the results.
 *
 * Since: 1.0
 */

struct _ConcurraTaskStream
{
  GObject          parent_instance;

  ConcurraWaiter  *waiter;
  char           **keys;
  GMutex           lock;
  guint            next_position;   /* lock */
  guint            n_listed;        /* owner context only */
};

enum {
  PROP_0,
  PROP_N_TASKS,
  PROP_N_COMPLETED,
  N_PROPS
};

enum {
  SIGNAL_TASK_COMPLETED,
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ConcurraTaskStream, concurra_task_stream, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
list_model_get_item_type (GListModel *model)
{
  return CONCURRA_TYPE_TASK;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return CONCURRA_TASK_STREAM (model)->n_listed;
}

static gpointer
list_model_get_item (GListModel *model,
                     guint       position)
{
  ConcurraTaskStream *self = CONCURRA_TASK_STREAM (model);
  guint index;

  if (position >= self->n_listed || !concurra_waiter_get_arrival (self->waiter, position, &index))
    return NULL;
  return g_object_ref (concurra_waiter_get_task (self->waiter, index));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

static void stream_set_tasks (ConcurraTaskStream   *self,
                              ConcurraTask * const *tasks,
                              guint                 n_tasks,
                              char                **keys);

/* A stream made by g_object_new() alone, as bindings' default constructors
 * do, is an empty stream rather than a half-made one. */
static void
concurra_task_stream_constructed (GObject *object)
{
  ConcurraTaskStream *self = CONCURRA_TASK_STREAM (object);

  G_OBJECT_CLASS (concurra_task_stream_parent_class)->constructed (object);
  stream_set_tasks (self, NULL, 0, NULL);
}

static void
concurra_task_stream_finalize (GObject *object)
{
  ConcurraTaskStream *self = CONCURRA_TASK_STREAM (object);

  concurra_waiter_unwatch (self->waiter);
  concurra_waiter_unref (self->waiter);
  g_strfreev (self->keys);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (concurra_task_stream_parent_class)->finalize (object);
}

static void
concurra_task_stream_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ConcurraTaskStream *self = CONCURRA_TASK_STREAM (object);

  switch (prop_id)
    {
    case PROP_N_TASKS:
      g_value_set_uint (value, concurra_task_stream_get_n_tasks (self));
      break;
    case PROP_N_COMPLETED:
      g_value_set_uint (value, concurra_task_stream_get_n_completed (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concurra_task_stream_class_init (ConcurraTaskStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = concurra_task_stream_constructed;
  object_class->finalize = concurra_task_stream_finalize;
  object_class->get_property = concurra_task_stream_get_property;

  /**
   * ConcurraTaskStream:n-tasks:
   *
   * How many tasks the stream was created with.
   *
   * Since: 1.0
   */
  properties[PROP_N_TASKS] =
    g_param_spec_uint ("n-tasks", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTaskStream:n-completed:
   *
   * How many of them have completed so far.
   *
   * Since: 1.0
   */
  properties[PROP_N_COMPLETED] =
    g_param_spec_uint ("n-completed", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConcurraTaskStream::task-completed:
   * @stream: the stream
   * @index: the task's position in the input
   * @task: the task
   *
   * Emitted on the stream's main context for each task, in completion order.
   *
   * Since: 1.0
   */
  signals[SIGNAL_TASK_COMPLETED] =
    g_signal_new ("task-completed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, CONCURRA_TYPE_TASK);

  /**
   * ConcurraTaskStream::progress:
   * @stream: the stream
   * @done: how many tasks completed
   * @total: how many tasks there are
   *
   * Emitted on the stream's main context after each completion.
   *
   * Since: 1.0
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
concurra_task_stream_init (ConcurraTaskStream *self)
{
  g_mutex_init (&self->lock);
}

/* On the stream's context: publishes the completions not published yet. */
static void
on_arrivals (ConcurraWaiter *waiter,
             gpointer        user_data)
{
  ConcurraTaskStream *self = user_data;
  guint first = self->n_listed;
  guint total = concurra_waiter_get_n_tasks (waiter);
  guint index;

  g_object_ref (self);
  while (concurra_waiter_get_arrival (waiter, self->n_listed, &index))
    {
      self->n_listed++;
      g_list_model_items_changed (G_LIST_MODEL (self), self->n_listed - 1, 0, 1);
      g_signal_emit (self, signals[SIGNAL_TASK_COMPLETED], 0, index,
                     concurra_waiter_get_task (waiter, index));
      g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, self->n_listed, total);
    }
  if (self->n_listed != first)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_COMPLETED]);
  g_object_unref (self);
}

/* Streams @tasks, replacing what the stream streamed so far. */
static void
stream_set_tasks (ConcurraTaskStream   *self,
                  ConcurraTask * const *tasks,
                  guint                 n_tasks,
                  char                **keys)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  if (self->waiter != NULL)
    {
      concurra_waiter_unwatch (self->waiter);
      concurra_waiter_unref (self->waiter);
    }
  g_strfreev (self->keys);
  self->keys = keys;
  self->waiter = concurra_waiter_new (tasks, n_tasks);
  /* the watch holds no reference: finalize removes it first */
  concurra_waiter_watch (self->waiter, context, on_arrivals, self);
}

static ConcurraTaskStream *
stream_new (ConcurraTask * const *tasks,
            guint                 n_tasks,
            char                **keys)
{
  ConcurraTaskStream *self = g_object_new (CONCURRA_TYPE_TASK_STREAM, NULL);

  stream_set_tasks (self, tasks, n_tasks, keys);
  return self;
}

/**
 * concurra_task_stream_new:
 * @tasks: (array length=n_tasks): the tasks to stream; they may come from
 *   several runners and be done already
 * @n_tasks: the number of @tasks
 *
 * Creates a stream over @tasks. Its signals and model are driven by the
 * thread-default main context of the calling thread.
 *
 * Returns: (transfer full): a new stream
 *
 * Since: 1.0
 */
ConcurraTaskStream *
concurra_task_stream_new (ConcurraTask * const *tasks,
                          guint                 n_tasks)
{
  g_return_val_if_fail (tasks != NULL || n_tasks == 0, NULL);

  return stream_new (tasks, n_tasks, NULL);
}

/**
 * concurra_task_stream_new_keyed:
 * @tasks: (element-type utf8 Concurra.Task): the tasks to stream, by key
 *
 * Creates a stream over a table of tasks; [method@Concurra.TaskStream.get_key]
 * turns the index of a completed task back into its key.
 *
 * Returns: (transfer full): a new stream
 *
 * Since: 1.0
 */
ConcurraTaskStream *
concurra_task_stream_new_keyed (GHashTable *tasks)
{
  GHashTableIter iter;
  gpointer key, value;
  g_autofree ConcurraTask **array = NULL;
  char **keys;
  guint n = 0;

  g_return_val_if_fail (tasks != NULL, NULL);

  array = g_new (ConcurraTask *, MAX (g_hash_table_size (tasks), 1));
  keys = g_new0 (char *, g_hash_table_size (tasks) + 1);
  g_hash_table_iter_init (&iter, tasks);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      keys[n] = g_strdup (key);
      array[n++] = value;
    }
  return stream_new (array, n, keys);
}

/**
 * concurra_task_stream_get_n_tasks:
 * @stream: a stream
 *
 * Gets how many tasks the stream was created with.
 *
 * Returns: the number of tasks
 *
 * Since: 1.0
 */
guint
concurra_task_stream_get_n_tasks (ConcurraTaskStream *stream)
{
  g_return_val_if_fail (CONCURRA_IS_TASK_STREAM (stream), 0);
  return concurra_waiter_get_n_tasks (stream->waiter);
}

/**
 * concurra_task_stream_get_n_completed:
 * @stream: a stream
 *
 * Gets how many of the tasks have completed. Safe to call from any thread.
 *
 * Returns: the number of completed tasks
 *
 * Since: 1.0
 */
guint
concurra_task_stream_get_n_completed (ConcurraTaskStream *stream)
{
  g_return_val_if_fail (CONCURRA_IS_TASK_STREAM (stream), 0);
  return concurra_waiter_get_n_done (stream->waiter);
}

/**
 * concurra_task_stream_get_key:
 * @stream: a stream made by [ctor@Concurra.TaskStream.new_keyed]
 * @index: an index given with a task
 *
 * Gets the key of the task at @index.
 *
 * Returns: (nullable): the key, or %NULL if the stream has no keys
 *
 * Since: 1.0
 */
const char *
concurra_task_stream_get_key (ConcurraTaskStream *stream,
                              guint               index)
{
  g_return_val_if_fail (CONCURRA_IS_TASK_STREAM (stream), NULL);
  g_return_val_if_fail (index < concurra_waiter_get_n_tasks (stream->waiter), NULL);

  return stream->keys ? stream->keys[index] : NULL;
}

/* Takes @position if no other caller took it meanwhile. */
static ConcurraTask *
claim (ConcurraTaskStream *self,
       guint               position,
       guint              *index)
{
  ConcurraTask *task = NULL;
  guint i;

  g_mutex_lock (&self->lock);
  if (self->next_position == position && concurra_waiter_get_arrival (self->waiter, position, &i))
    {
      self->next_position++;
      task = g_object_ref (concurra_waiter_get_task (self->waiter, i));
      if (index != NULL)
        *index = i;
    }
  g_mutex_unlock (&self->lock);
  return task;
}

static guint
peek_position (ConcurraTaskStream *self)
{
  guint position;

  g_mutex_lock (&self->lock);
  position = self->next_position;
  g_mutex_unlock (&self->lock);
  return position;
}

static void
set_stream_error (ConcurraWaitResult   result,
                  double               timeout,
                  GError             **error)
{
  if (result == CONCURRA_WAIT_CANCELLED)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  else
    g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT,
                 "No task completed within %g seconds", timeout);
}

/**
 * concurra_task_stream_next:
 * @stream: a stream
 * @timeout: the most seconds to wait; %CONCURRA_TIMEOUT_DEFAULT (or any
 *   negative value) or %CONCURRA_TIMEOUT_INFINITE to wait as long as it
 *   takes; not NaN
 * @cancellable: (nullable): stops waiting when cancelled
 * @index: (out) (optional): the task's position in the input
 * @error: return location for a #GError
 *
 * Blocks until the next task completes and returns it. Every task is
 * returned once, in completion order (tasks done before the stream was made
 * come first, in input order). Fails with %CONCURRA_ERROR_TIMEOUT after
 * @timeout. Callable from any thread, like [func@Concurra.wait].
 *
 * Returns: (transfer full) (nullable): the next completed task, or %NULL
 *   with no error once every task was returned
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_task_stream_next (ConcurraTaskStream  *stream,
                           double               timeout,
                           GCancellable        *cancellable,
                           guint               *index,
                           GError             **error)
{
  g_return_val_if_fail (concurra_timeout_is_valid (timeout), NULL);
  g_return_val_if_fail (CONCURRA_IS_TASK_STREAM (stream), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (;;)
    {
      guint position = peek_position (stream);
      ConcurraWant want = { position + 1, G_MAXUINT };
      ConcurraWaitResult result;
      ConcurraTask *task;

      if (position >= concurra_waiter_get_n_tasks (stream->waiter))
        return NULL;
      result = concurra_waiter_wait (stream->waiter, want, timeout, cancellable);
      if (result != CONCURRA_WAIT_SATISFIED)
        {
          set_stream_error (result, timeout, error);
          return NULL;
        }
      if ((task = claim (stream, position, index)) != NULL)
        return task;
    }
}

typedef struct
{
  double   timeout;
  guint    position;
  guint    index;
} NextOp;

static void next_async_step (GTask *gtask);

static void
next_async_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *gtask = user_data;
  ConcurraTaskStream *self = g_task_get_source_object (gtask);
  NextOp *op = g_task_get_task_data (gtask);
  ConcurraWaitResult wait_result = concurra_waiter_wait_finish (result);
  ConcurraTask *task;
  GError *error = NULL;

  if (wait_result != CONCURRA_WAIT_SATISFIED)
    {
      set_stream_error (wait_result, op->timeout, &error);
      g_task_return_error (gtask, error);
    }
  else if ((task = claim (self, op->position, &op->index)) != NULL)
    g_task_return_pointer (gtask, task, g_object_unref);
  else
    {
      next_async_step (gtask);
      return;
    }
  g_object_unref (gtask);
}

static void
next_async_step (GTask *gtask)
{
  ConcurraTaskStream *self = g_task_get_source_object (gtask);
  NextOp *op = g_task_get_task_data (gtask);
  ConcurraWant want;

  op->position = peek_position (self);
  if (op->position >= concurra_waiter_get_n_tasks (self->waiter))
    {
      g_task_return_pointer (gtask, NULL, NULL);
      g_object_unref (gtask);
      return;
    }
  want.want_done = op->position + 1;
  want.want_failed = G_MAXUINT;
  concurra_waiter_wait_async (self->waiter, want, op->timeout,
                              g_task_get_cancellable (gtask), next_async_done, gtask);
}

/**
 * concurra_task_stream_next_async:
 * @stream: a stream
 * @timeout: the most seconds to wait; %CONCURRA_TIMEOUT_DEFAULT (or any
 *   negative value) or %CONCURRA_TIMEOUT_INFINITE to wait as long as it
 *   takes; not NaN
 * @cancellable: (nullable): stops waiting when cancelled
 * @callback: (scope async): called on the thread-default main context of the
 *   calling thread
 * @user_data: data for @callback
 *
 * Gets the next completed task like [method@Concurra.TaskStream.next]
 * without blocking.
 *
 * Since: 1.0
 */
void
concurra_task_stream_next_async (ConcurraTaskStream  *stream,
                                 double               timeout,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *gtask;
  NextOp *op;

  g_return_if_fail (concurra_timeout_is_valid (timeout));
  g_return_if_fail (CONCURRA_IS_TASK_STREAM (stream));

  gtask = g_task_new (stream, cancellable, callback, user_data);
  g_task_set_source_tag (gtask, concurra_task_stream_next_async);
  g_task_set_check_cancellable (gtask, FALSE);
  op = g_new0 (NextOp, 1);
  op->timeout = timeout;
  g_task_set_task_data (gtask, op, g_free);
  next_async_step (gtask);
}

/**
 * concurra_task_stream_next_finish:
 * @stream: a stream
 * @result: the result given to the callback
 * @index: (out) (optional): the task's position in the input
 * @error: return location for a #GError
 *
 * Finishes [method@Concurra.TaskStream.next_async].
 *
 * Returns: (transfer full) (nullable): the next completed task, or %NULL
 *   with no error once every task was returned
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_task_stream_next_finish (ConcurraTaskStream  *stream,
                                  GAsyncResult        *result,
                                  guint               *index,
                                  GError             **error)
{
  NextOp *op;
  ConcurraTask *task;

  g_return_val_if_fail (g_task_is_valid (result, stream), NULL);

  op = g_task_get_task_data (G_TASK (result));
  task = g_task_propagate_pointer (G_TASK (result), error);
  if (task != NULL && index != NULL)
    *index = op->index;
  return task;
}
