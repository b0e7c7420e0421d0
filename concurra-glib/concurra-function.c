/* concurra-function.c: ConcurraFunction, one function that many thread
 * tasks share, each task calling it with its own id.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-function.h"
#include "concurra-task-private.h"

/**
 * ConcurraFunction:
 *
 * One function that many thread tasks share, each task calling it with its
 * own id, as every item of a [struct@GLib.ThreadPool] is given to the
 * pool's one function.
 *
 * A task made with [ctor@Concurra.Task.new] owns its function and data; a
 * task made with [ctor@Concurra.Task.new_for_function] holds a reference
 * to a function made once, and an integer id that tells the function which
 * piece of work it is, typically an index into the caller's own array:
 *
 * ```c
 * static void
 * resize_photo (guint64 id, gpointer user_data)
 * {
 *   Album *album = user_data;
 *
 *   resize (album->photos[id], g_cancellable_get_current ());
 * }
 *
 * g_autoptr(ConcurraFunction) resize =
 *   concurra_function_new ("resize", resize_photo, album, NULL);
 * for (guint i = 0; i < album->n_photos; i++)
 *   concurra_runner_add_function (runner, album->names[i], NULL, resize, i, &error);
 * ```
 *
 * In Python, JavaScript and Vala this is the cheap way to add many tasks
 * that run the same callable: the binding makes one closure for the
 * function instead of one per task, and calls it with a plain integer
 * instead of the task and its cancellable. The Python override adds its
 * thread tasks this way.
 *
 * The function runs on the runner's worker threads. During a call,
 * [func@Concurra.Task.get_current] is the task being run, to report a value
 * or an error, and [func@Gio.Cancellable.get_current] the attempt's
 * cancellable.
 *
 * Since: 1.0
 */

struct _ConcurraFunction
{
  GObject         parent_instance;

  char           *name;
  ConcurraIdFunc  func;
  gpointer        user_data;
  GDestroyNotify  destroy;
};

enum {
  PROP_0,
  PROP_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ConcurraFunction, concurra_function, G_TYPE_OBJECT)

static void
concurra_function_finalize (GObject *object)
{
  ConcurraFunction *self = CONCURRA_FUNCTION (object);

  if (self->destroy != NULL)
    self->destroy (self->user_data);
  g_free (self->name);

  G_OBJECT_CLASS (concurra_function_parent_class)->finalize (object);
}

static void
concurra_function_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ConcurraFunction *self = CONCURRA_FUNCTION (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concurra_function_class_init (ConcurraFunctionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = concurra_function_finalize;
  object_class->get_property = concurra_function_get_property;

  /**
   * ConcurraFunction:name:
   *
   * What the function does, the name of its tasks unless a task is given
   * its own ([property@Concurra.Task:name]).
   *
   * Since: 1.0
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
concurra_function_init (ConcurraFunction *self)
{
}

/**
 * concurra_function_new:
 * @name: what the function does, the name of its tasks
 * @func: (scope notified) (closure user_data) (destroy destroy): the function
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the function is finalized,
 *   after its last task
 *
 * Creates a function for [ctor@Concurra.Task.new_for_function] and
 * [method@Concurra.Runner.add_function].
 *
 * Returns: (transfer full): a new function
 *
 * Since: 1.0
 */
ConcurraFunction *
concurra_function_new (const char     *name,
                       ConcurraIdFunc  func,
                       gpointer        user_data,
                       GDestroyNotify  destroy)
{
  ConcurraFunction *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (CONCURRA_TYPE_FUNCTION, NULL);
  self->name = g_strdup (name);
  self->func = func;
  self->user_data = user_data;
  self->destroy = destroy;

  return self;
}

/**
 * concurra_function_get_name:
 * @function: a function
 *
 * Gets what the function does; see [property@Concurra.Function:name].
 *
 * Returns: the name
 *
 * Since: 1.0
 */
const char *
concurra_function_get_name (ConcurraFunction *function)
{
  g_return_val_if_fail (CONCURRA_IS_FUNCTION (function), NULL);
  return function->name;
}

/* the ConcurraTaskFunc of every task of a function */
static void
call_function (ConcurraTask *task,
               GCancellable *cancellable,
               gpointer      data)
{
  ConcurraFunction *function = data;

  function->func (task->function_id, function->user_data);
}

/**
 * concurra_task_new_for_function:
 * @function: the function the task calls
 * @name: (nullable): what the task runs, for reports; %NULL for the
 *   function's name
 * @id: what the task passes to @function
 *
 * Creates a thread task that calls @function with @id, and holds a
 * reference to @function until it is finalized. It is a function task in
 * every other way: add it to a runner with [method@Concurra.Runner.add].
 *
 * Returns: (transfer full): a new task
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_task_new_for_function (ConcurraFunction *function,
                                const char       *name,
                                guint64           id)
{
  ConcurraTask *task;

  g_return_val_if_fail (CONCURRA_IS_FUNCTION (function), NULL);

  task = concurra_task_new (name != NULL ? name : function->name, call_function,
                            g_object_ref (function), g_object_unref);
  task->function_id = id;
  return task;
}

/**
 * concurra_task_get_function:
 * @task: a task
 *
 * Gets the function a task made with [ctor@Concurra.Task.new_for_function]
 * calls.
 *
 * Returns: (transfer none) (nullable): the function, or %NULL for a task
 *   made otherwise
 *
 * Since: 1.0
 */
ConcurraFunction *
concurra_task_get_function (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);
  return task->func == call_function ? task->func_data : NULL;
}

/**
 * concurra_task_get_function_id:
 * @task: a task
 *
 * Gets the id a task made with [ctor@Concurra.Task.new_for_function]
 * passes to its function.
 *
 * Returns: the id; 0 for a task made otherwise
 *
 * Since: 1.0
 */
guint64
concurra_task_get_function_id (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), 0);
  return task->function_id;
}
