/* concurra-runner.c: ConcurraRunner, the run-once DAG runner, and its
 * public entry points: adding tasks, running them (blocking, async or in the
 * background), waiting, aborting and the report.
 *
 * The runner is made of rooms, each in its own file: the dependency graph
 * and its validation (concurra-graph.c), the settings and counters
 * (concurra-runner-properties.c), one run on the owner context
 * (concurra-run.c) over the scheduler (concurra-hub.c) and the executors,
 * and the report (concurra-report.c). See doc/internals.md.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-runner-private.h"
#include "concurra-slurm-private.h"

/**
 * ConcurraRunner:
 *
 * Runs tasks concurrently in dependency order, once.
 *
 * Add tasks with [method@Concurra.Runner.add] or
 * [method@Concurra.Runner.add_task], each with a unique label and the labels
 * it depends on, then run them with [method@Concurra.Runner.run] (blocking),
 * [method@Concurra.Runner.run_async] (on the caller's main loop) or
 * [method@Concurra.Runner.start] and [method@Concurra.Runner.wait] (in the
 * background). Dependency cycles are rejected when the task closing them is
 * added; unknown dependencies when the run starts.
 *
 * At most [property@Concurra.Runner:max-concurrency] tasks run at once. A task
 * whose dependency failed or was terminated is skipped. Tasks can time out
 * ([property@Concurra.Runner:timeout]), be retried with a growing delay
 * ([property@Concurra.Runner:task-retries],
 * [property@Concurra.Runner:retry-delay]), and a failure can stop everything
 * ([property@Concurra.Runner:fast-fail]); [method@Concurra.Runner.abort]
 * stops a run from any thread. Every task added ends with a final status.
 *
 * The runner's signals, and the tasks' notifications, are emitted on its
 * owner context: the thread-default main context of the thread that called
 * `run_async()`, a private context for `run()`, a private thread for
 * `start()`. A GTK application can therefore update its widgets from them.
 *
 * The runner is a [iface@Gio.ListModel] of its tasks in the order they were
 * added, so a list view can show them and their status as they change.
 *
 * Since: 1.0
 */

guint concurra_runner_signals[N_SIGNALS];
static guint items_changed_signal;

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ConcurraRunner, concurra_runner, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static ConcurraTask *add_created (ConcurraRunner      *runner,
                                  ConcurraTask        *task,
                                  const char          *label,
                                  const char * const  *depends_on,
                                  GError             **error);

static GType
list_model_get_item_type (GListModel *model)
{
  return CONCURRA_TYPE_TASK;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return CONCURRA_RUNNER (model)->tasks->len;
}

static gpointer
list_model_get_item (GListModel *model,
                     guint       position)
{
  ConcurraRunner *self = CONCURRA_RUNNER (model);

  if (position >= self->tasks->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->tasks, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

static void
concurra_runner_dispose (GObject *object)
{
  ConcurraRunner *self = CONCURRA_RUNNER (object);

  /* tasks may outlive us: their handle must not point back */
  concurra_task_owner_detach (self->owner);

  G_OBJECT_CLASS (concurra_runner_parent_class)->dispose (object);
}

static void
concurra_runner_finalize (GObject *object)
{
  ConcurraRunner *self = CONCURRA_RUNNER (object);

  g_clear_pointer (&self->deadlines, concurra_deadlines_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->worker_command, g_strfreev);
  g_clear_pointer (&self->worker_launcher, g_strfreev);
  g_clear_object (&self->slurm_options);
  g_clear_pointer (&self->graph, concurra_graph_free);
  g_clear_pointer (&self->owner, concurra_task_owner_unref);
  self->tasks = NULL;
  g_clear_pointer (&self->worklist, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->run_error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->done_cond);

  G_OBJECT_CLASS (concurra_runner_parent_class)->finalize (object);
}

static void
concurra_runner_class_init (ConcurraRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concurra_runner_dispose;
  items_changed_signal = g_signal_lookup ("items-changed", G_TYPE_LIST_MODEL);
  object_class->finalize = concurra_runner_finalize;

  concurra_runner_install_properties (object_class);

  /**
   * ConcurraRunner::task-started:
   * @runner: the runner
   * @task: the task
   *
   * Emitted on the owner context when an attempt of @task starts.
   *
   * Since: 1.0
   */
  concurra_runner_signals[SIGNAL_TASK_STARTED] =
    g_signal_new ("task-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONCURRA_TYPE_TASK);

  /**
   * ConcurraRunner::task-finished:
   * @runner: the runner
   * @task: the task
   *
   * Emitted on the owner context once @task has its final status, whether
   * it ran or not.
   *
   * Since: 1.0
   */
  concurra_runner_signals[SIGNAL_TASK_FINISHED] =
    g_signal_new ("task-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONCURRA_TYPE_TASK);

  /**
   * ConcurraRunner::task-retrying:
   * @runner: the runner
   * @task: the task
   * @attempt: the number of the attempt that failed, from 1
   * @error: why it failed
   *
   * Emitted on the owner context when a failed attempt of @task will be
   * retried.
   *
   * Since: 1.0
   */
  concurra_runner_signals[SIGNAL_TASK_RETRYING] =
    g_signal_new ("task-retrying", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  CONCURRA_TYPE_TASK, G_TYPE_UINT, G_TYPE_ERROR);

  /**
   * ConcurraRunner::progress:
   * @runner: the runner
   * @completed: how many tasks have their final status
   * @total: how many tasks the run has
   *
   * Emitted on the owner context after each task gets its final status.
   *
   * Since: 1.0
   */
  concurra_runner_signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);

  /**
   * ConcurraRunner::finished:
   * @runner: the runner
   *
   * Emitted on the owner context when every task has its final status.
   *
   * Since: 1.0
   */
  concurra_runner_signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
concurra_runner_init (ConcurraRunner *self)
{
  self->name = g_strdup ("TaskRunner");
  self->max_concurrency = g_get_num_processors ();
  self->mode = CONCURRA_EXECUTION_MODE_THREAD;
  self->launcher = CONCURRA_LAUNCHER_KIND_LOCAL;
  self->retry_backoff = 2.0;
  self->timeout = CONCURRA_TIMEOUT_DEFAULT;
  self->max_output = CONCURRA_MAX_OUTPUT_DEFAULT;
  self->graph = concurra_graph_new ();
  self->tasks = self->graph->tasks;
  self->owner = concurra_task_owner_new (G_OBJECT (self), &concurra_run_owner_class);
  self->worklist = g_ptr_array_new ();
  g_queue_init (&self->events);
  g_mutex_init (&self->lock);
  g_cond_init (&self->done_cond);
}

/**
 * concurra_runner_new:
 * @name: (nullable): the runner's name for logs, or %NULL for "TaskRunner"
 *
 * Creates a runner with the defaults: as many concurrent tasks as CPUs, no
 * timeout, no retries, thread mode.
 *
 * Returns: (transfer full): a new runner
 *
 * Since: 1.0
 */
ConcurraRunner *
concurra_runner_new (const char *name)
{
  return g_object_new (CONCURRA_TYPE_RUNNER, "name", name ? name : "TaskRunner", NULL);
}

static gboolean
check_idle (ConcurraRunner  *self,
            const char      *label,
            GError         **error)
{
  if (concurra_runner_get_state (self) == CONCURRA_RUNNER_STATE_IDLE)
    return TRUE;

  g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_ALREADY_STARTED,
               "Cannot add task '%s': runner '%s' was already started",
               label ? label : "(unlabelled)", self->name);
  return FALSE;
}

/**
 * concurra_runner_add:
 * @runner: a runner not started yet
 * @task: a task not added to any runner
 * @label: (nullable): a label unique in @runner, or %NULL for the task's
 *   index ("0", "1", …)
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed before @task runs; they may be added later
 *
 * Adds @task to the run. Fails, adding nothing, when the label is taken
 * (%CONCURRA_ERROR_DUPLICATE_LABEL), when the task depends on itself
 * (%CONCURRA_ERROR_SELF_DEPENDENCY) or would close a dependency cycle
 * (%CONCURRA_ERROR_CYCLE, the message shows the cycle), when its settings
 * cannot run (%CONCURRA_ERROR_INVALID_ARGUMENT), or once the runner
 * was started (%CONCURRA_ERROR_ALREADY_STARTED). Dependencies that name no
 * task are reported when the run starts.
 *
 * Returns: %TRUE if the task was added
 *
 * Since: 1.0
 */
gboolean
concurra_runner_add (ConcurraRunner      *runner,
                     ConcurraTask        *task,
                     const char          *label,
                     const char * const  *depends_on,
                     GError             **error)
{
  g_autofree char *index_label = NULL;

  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), FALSE);
  g_return_val_if_fail (CONCURRA_IS_TASK (task), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (label == NULL)
    label = index_label = concurra_graph_next_label (runner->graph);

  if (!check_idle (runner, label, error))
    return FALSE;
  if (task->label != NULL)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                   "Cannot add task '%s': it was already added as '%s'", label, task->label);
      return FALSE;
    }
  if (concurra_graph_lookup (runner->graph, label) != NULL)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_DUPLICATE_LABEL,
                   "Duplicate task label '%s'", label);
      return FALSE;
    }
  if (task->executor == NULL)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                   "Cannot add task '%s': it has nothing to run (create it with "
                   "concurra_task_new() or another constructor, not g_object_new())", label);
      return FALSE;
    }
  if (task->command != NULL && !concurra_command_validate (task, label, error))
    return FALSE;
  if (!concurra_launch_check_options (task, label, error))
    return FALSE;
  if (depends_on != NULL &&
      !concurra_graph_check_dependencies (runner->graph, label, depends_on, error))
    return FALSE;

  concurra_graph_insert (runner->graph, task,
                         index_label ? g_steal_pointer (&index_label) : g_strdup (label),
                         depends_on);
  concurra_task_set_owner (task, runner->owner);

  /* adding a million tasks should not cost a million emissions nobody hears */
  if (g_signal_has_handler_pending (runner, items_changed_signal, 0, FALSE))
    g_list_model_items_changed (G_LIST_MODEL (runner), task->index, 0, 1);
  g_object_notify_by_pspec (G_OBJECT (runner), concurra_runner_properties[PROP_N_TASKS]);

  return TRUE;
}

/**
 * concurra_runner_add_task:
 * @runner: a runner not started yet
 * @label: (nullable): a unique label, or %NULL for the task's index
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed first
 * @func: (scope notified) (closure user_data) (destroy destroy): the function to run
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Creates a function task named after its label and adds it, as
 * [method@Concurra.Runner.add] does. On error @user_data is freed with
 * @destroy.
 *
 * Returns: (transfer none): the task, owned by @runner
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_add_task (ConcurraRunner      *runner,
                          const char          *label,
                          const char * const  *depends_on,
                          ConcurraTaskFunc     func,
                          gpointer             user_data,
                          GDestroyNotify       destroy,
                          GError             **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return add_created (runner, concurra_task_new (NULL, func, user_data, destroy),
                      label, depends_on, error);
}

/**
 * concurra_runner_add_function:
 * @runner: a runner not started yet
 * @label: (nullable): a unique label, or %NULL for the task's index
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed first
 * @function: the function the task calls
 * @id: what the task passes to @function
 *
 * Creates a task with [ctor@Concurra.Task.new_for_function], named after
 * the function, and adds it as [method@Concurra.Runner.add] does: the
 * cheapest way for a binding to add many tasks that run the same callable.
 *
 * Returns: (transfer none): the task, owned by @runner
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_add_function (ConcurraRunner      *runner,
                              const char          *label,
                              const char * const  *depends_on,
                              ConcurraFunction    *function,
                              guint64              id,
                              GError             **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (CONCURRA_IS_FUNCTION (function), NULL);

  return add_created (runner, concurra_task_new_for_function (function, NULL, id),
                      label, depends_on, error);
}

static ConcurraTask *
add_created (ConcurraRunner      *runner,
             ConcurraTask        *task,
             const char          *label,
             const char * const  *depends_on,
             GError             **error)
{
  g_autoptr(ConcurraTask) owned = task;

  if (!concurra_runner_add (runner, owned, label, depends_on, error))
    return NULL;
  return task;
}

/**
 * concurra_runner_add_main_context_task:
 * @runner: a runner not started yet
 * @label: (nullable): a unique label, or %NULL for the task's index
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed first
 * @func: (scope notified) (closure user_data) (destroy destroy): starts the work
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Creates a main-context task with [ctor@Concurra.Task.new_main_context],
 * named after its label, and adds it as [method@Concurra.Runner.add] does.
 *
 * Returns: (transfer none): the task, owned by @runner
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_add_main_context_task (ConcurraRunner      *runner,
                                       const char          *label,
                                       const char * const  *depends_on,
                                       ConcurraStartFunc    func,
                                       gpointer             user_data,
                                       GDestroyNotify       destroy,
                                       GError             **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return add_created (runner, concurra_task_new_main_context (NULL, func, user_data, destroy),
                      label, depends_on, error);
}

/**
 * concurra_runner_add_process_task:
 * @runner: a runner not started yet
 * @label: (nullable): a unique label, or %NULL for the task's index
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed first
 * @function_name: a function registered with [func@Concurra.Worker.register]
 * @args: (nullable): its arguments; a floating reference is sunk
 *
 * Creates a process task with [ctor@Concurra.Task.new_process] and adds it
 * as [method@Concurra.Runner.add] does.
 *
 * Returns: (transfer none): the task, owned by @runner
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_add_process_task (ConcurraRunner      *runner,
                                  const char          *label,
                                  const char * const  *depends_on,
                                  const char          *function_name,
                                  GVariant            *args,
                                  GError             **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (function_name != NULL, NULL);

  return add_created (runner, concurra_task_new_process (function_name, args),
                      label, depends_on, error);
}

/**
 * concurra_runner_add_command:
 * @runner: a runner not started yet
 * @label: (nullable): a unique label, or %NULL for the task's index
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed first
 * @argv: (array zero-terminated=1): the program and its arguments
 *
 * Creates a command task with [ctor@Concurra.Task.new_command] and adds it
 * as [method@Concurra.Runner.add] does. Set its options (working directory,
 * environment, check, output capture) on the returned task before the run.
 *
 * Returns: (transfer none): the task, owned by @runner
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_add_command (ConcurraRunner      *runner,
                             const char          *label,
                             const char * const  *depends_on,
                             const char * const  *argv,
                             GError             **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (argv != NULL, NULL);

  return add_created (runner, concurra_task_new_command (argv), label, depends_on, error);
}

/**
 * concurra_runner_add_shell_command:
 * @runner: a runner not started yet
 * @label: (nullable): a unique label, or %NULL for the task's index
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed first
 * @command: a command line for `/bin/sh -c`
 *
 * Creates a shell command task with
 * [ctor@Concurra.Task.new_shell_command] and adds it as
 * [method@Concurra.Runner.add] does.
 *
 * Returns: (transfer none): the task, owned by @runner
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_add_shell_command (ConcurraRunner      *runner,
                                   const char          *label,
                                   const char * const  *depends_on,
                                   const char          *command,
                                   GError             **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (command != NULL, NULL);

  return add_created (runner, concurra_task_new_shell_command (command), label, depends_on, error);
}

/**
 * concurra_runner_get_task:
 * @runner: a runner
 * @label: a task label
 *
 * Looks up a task by label.
 *
 * Returns: (transfer none) (nullable): the task, or %NULL if none has @label
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_get_task (ConcurraRunner *runner,
                          const char     *label)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (label != NULL, NULL);

  return concurra_graph_lookup (runner->graph, label);
}

/**
 * concurra_runner_get_results:
 * @runner: a runner
 *
 * Gets every task by label, the form in which Concurra returns its results.
 * Read each task's result from it, or call [method@Concurra.Task.to_variant].
 *
 * Returns: (transfer container) (element-type utf8 Concurra.Task): a new
 *   table of label to task
 *
 * Since: 1.0
 */
GHashTable *
concurra_runner_get_results (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);

  return concurra_report_results (runner->tasks);
}

static void
on_cancelled (GCancellable   *cancellable,
              ConcurraRunner *self)
{
  concurra_runner_abort (self);
}

/**
 * concurra_runner_run:
 * @runner: a runner not started yet
 * @cancellable: (nullable): aborts the run when cancelled
 * @error: return location for a #GError
 *
 * Runs every task and blocks until all have their final status. Signals are
 * emitted in the calling thread, on a private main context that is the
 * thread-default context during the run: asynchronous work started by async
 * tasks must attach to the thread-default context (as GIO's asynchronous
 * calls do), not to the global default one, which nothing iterates here.
 *
 * The run fails before any task runs when a dependency names no task
 * (%CONCURRA_ERROR_UNKNOWN_DEPENDENCY, naming every missing label) or the
 * runner was already started (%CONCURRA_ERROR_ALREADY_STARTED). Failed tasks
 * do not make it fail unless [property@Concurra.Runner:raise-on-failure] is
 * set; then it returns %CONCURRA_ERROR_TASKS_FAILED.
 *
 * Returns: (transfer container) (element-type utf8 Concurra.Task): the
 *   tasks by label
 *
 * Since: 1.0
 */
GHashTable *
concurra_runner_run (ConcurraRunner  *runner,
                     GCancellable    *cancellable,
                     GError         **error)
{
  g_autoptr(GMainContext) context = NULL;
  gulong cancel_id = 0;

  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!concurra_run_prepare (runner, error))
    return NULL;

  context = g_main_context_new ();
  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), runner, NULL);
  concurra_run_on_private_context (runner, context);
  g_cancellable_disconnect (cancellable, cancel_id);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  return concurra_run_collect_results (runner, error);
}

/**
 * concurra_runner_run_async:
 * @runner: a runner not started yet
 * @cancellable: (nullable): aborts the run when cancelled
 * @callback: (scope async): called when every task has its final status
 * @user_data: data for @callback
 *
 * Runs every task without blocking, driven by the thread-default main
 * context of the calling thread, where the signals are emitted and
 * @callback is called. This is the call for a GTK application: its main
 * loop keeps running while tasks run on worker threads.
 *
 * Since: 1.0
 */
void
concurra_runner_run_async (ConcurraRunner      *runner,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GMainContext) context = NULL;
  GError *error = NULL;

  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (runner, cancellable, callback, user_data);
  g_task_set_source_tag (task, concurra_runner_run_async);

  if (!concurra_run_prepare (runner, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  context = g_main_context_ref_thread_default ();
  runner->async_task = g_object_ref (task);
  if (cancellable != NULL)
    runner->async_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled),
                                                     runner, NULL);
  concurra_run_launch (runner, context);
}

/**
 * concurra_runner_run_finish:
 * @runner: a runner
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Concurra.Runner.run_async]; errors are those of
 * [method@Concurra.Runner.run].
 *
 * Returns: (transfer container) (element-type utf8 Concurra.Task): the
 *   tasks by label
 *
 * Since: 1.0
 */
GHashTable *
concurra_runner_run_finish (ConcurraRunner  *runner,
                            GAsyncResult    *result,
                            GError         **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (g_task_is_valid (result, runner), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gpointer
background_thread (gpointer data)
{
  ConcurraRunner *self = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  concurra_run_on_private_context (self, context);
  g_object_unref (self);

  return NULL;
}

/**
 * concurra_runner_start:
 * @runner: a runner not started yet
 * @error: return location for a #GError
 *
 * Starts the run in the background and returns at once; Concurra's
 * `execute_in_background()`. The run has its own thread and main context,
 * where the signals are emitted. Collect the results with
 * [method@Concurra.Runner.wait], stop it with [method@Concurra.Runner.abort].
 *
 * Returns: %TRUE if the run started; %FALSE with the errors of
 *   [method@Concurra.Runner.run]
 *
 * Since: 1.0
 */
gboolean
concurra_runner_start (ConcurraRunner  *runner,
                       GError         **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!concurra_run_prepare (runner, error))
    return FALSE;

  g_thread_unref (g_thread_new ("concurra-runner", background_thread, g_object_ref (runner)));
  return TRUE;
}

/**
 * concurra_runner_wait:
 * @runner: a started runner
 * @cancellable: (nullable): stops waiting (not the run) when cancelled
 * @error: return location for a #GError
 *
 * Blocks until the run is over and returns the results; Concurra's
 * `get_background_results()`. Fails with %CONCURRA_ERROR_NOT_STARTED if the
 * runner was never started, and like [method@Concurra.Runner.run] otherwise.
 * Can be called from any thread, any number of times, and from the runner's
 * own signal handlers, except those the run cannot finish during (a task's
 * completion and retry: [signal@Concurra.Runner::task-finished],
 * [signal@Concurra.Runner::progress], [signal@Concurra.Runner::task-retrying]
 * and [signal@Concurra.Task::completed]), where it fails with
 * %CONCURRA_ERROR_STILL_RUNNING instead of waiting forever.
 *
 * Returns: (transfer container) (element-type utf8 Concurra.Task): the
 *   tasks by label
 *
 * Since: 1.0
 */
GHashTable *
concurra_runner_wait (ConcurraRunner  *runner,
                      GCancellable    *cancellable,
                      GError         **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (concurra_runner_get_state (runner) == CONCURRA_RUNNER_STATE_IDLE)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_NOT_STARTED,
                   "Runner '%s' was never started", runner->name);
      return NULL;
    }
  /* n_holding is the owner thread's: read only there */
  if (concurra_runner_get_state (runner) == CONCURRA_RUNNER_STATE_RUNNING &&
      runner->context != NULL && g_main_context_is_owner (runner->context) &&
      runner->n_holding > 0)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_STILL_RUNNING,
                   "Runner '%s' cannot be waited for from a handler of its task-finished, "
                   "progress or task-retrying signals, or of a task's completed signal: "
                   "the run can only finish after the handler returns", runner->name);
      return NULL;
    }

  concurra_run_block_until_done (runner, cancellable);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  return concurra_run_collect_results (runner, error);
}

/**
 * concurra_runner_abort:
 * @runner: a runner
 *
 * Stops the run: every task without a final status is terminated ("Execution
 * terminated before completion") and the run finishes promptly. A thread
 * still executing a terminated task has its cancellable cancelled; its
 * result, when it comes, is ignored. Safe to call from any thread; the
 * termination happens on the owner context, so call
 * [method@Concurra.Runner.wait] to collect the results. Aborting a runner
 * that was not started terminates its tasks and uses up its run.
 *
 * Since: 1.0
 */
void
concurra_runner_abort (ConcurraRunner *runner)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));

  concurra_run_abort (runner);
}

/**
 * concurra_runner_format_report:
 * @runner: a runner
 *
 * Formats the table of tasks that [method@Concurra.Runner.verify] logs:
 * label, task, status and duration, one row per task in the order they were
 * added.
 *
 * Returns: (transfer full): the report
 *
 * Since: 1.0
 */
char *
concurra_runner_format_report (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);

  return concurra_report_format (concurra_runner_report (runner));
}

/**
 * concurra_runner_verify:
 * @runner: a finished runner
 * @error: return location for a #GError
 *
 * Logs the report of all tasks and checks that every one succeeded;
 * Concurra's `verify()`. Fails with %CONCURRA_ERROR_STILL_RUNNING during the
 * run, %CONCURRA_ERROR_NOT_STARTED before it, and
 * %CONCURRA_ERROR_TASKS_FAILED naming the tasks that failed or were
 * terminated.
 *
 * Returns: %TRUE if every task succeeded
 *
 * Since: 1.0
 */
gboolean
concurra_runner_verify (ConcurraRunner  *runner,
                        GError         **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  switch (concurra_runner_get_state (runner))
    {
    case CONCURRA_RUNNER_STATE_IDLE:
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_NOT_STARTED,
                   "Runner '%s' was never started", runner->name);
      return FALSE;
    case CONCURRA_RUNNER_STATE_RUNNING:
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_STILL_RUNNING,
                   "Runner '%s' is still running", runner->name);
      return FALSE;
    case CONCURRA_RUNNER_STATE_FINISHED:
    default:
      break;
    }

  concurra_report_log (concurra_runner_report (runner));
  if (runner->n_failed > 0)
    {
      g_propagate_error (error, concurra_report_failed_error (concurra_runner_report (runner)));
      return FALSE;
    }
  return TRUE;
}

/* ---- the run's state and counters, readable from any thread ---- */

/**
 * concurra_runner_get_state:
 * @runner: a runner
 *
 * Gets where the runner is in its run. Safe to call from any thread.
 *
 * Returns: the state
 *
 * Since: 1.0
 */
ConcurraRunnerState
concurra_runner_get_state (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), CONCURRA_RUNNER_STATE_IDLE);
  return (ConcurraRunnerState) g_atomic_int_get (&runner->state);
}

/**
 * concurra_runner_is_running:
 * @runner: a runner
 *
 * Whether the runner was started and some task has no final status yet.
 * Unlike Concurra's, this turns %FALSE as soon as the run is finished,
 * whether or not the results were collected. Safe to call from any thread.
 *
 * Returns: %TRUE while the run is in progress
 *
 * Since: 1.0
 */
gboolean
concurra_runner_is_running (ConcurraRunner *runner)
{
  return concurra_runner_get_state (runner) == CONCURRA_RUNNER_STATE_RUNNING;
}

/**
 * concurra_runner_get_n_tasks:
 * @runner: a runner
 *
 * Gets how many tasks were added.
 *
 * Returns: the number of tasks
 *
 * Since: 1.0
 */
guint
concurra_runner_get_n_tasks (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 0);
  return runner->tasks->len;
}

/**
 * concurra_runner_get_n_running:
 * @runner: a runner
 *
 * Gets how many tasks are running now. Safe to call from any thread.
 *
 * Returns: the number of running tasks
 *
 * Since: 1.0
 */
guint
concurra_runner_get_n_running (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 0);
  return g_atomic_int_get (&runner->n_running);
}

/**
 * concurra_runner_get_n_completed:
 * @runner: a runner
 *
 * Gets how many tasks have their final status. Safe to call from any thread.
 *
 * Returns: the number of completed tasks
 *
 * Since: 1.0
 */
guint
concurra_runner_get_n_completed (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 0);
  return g_atomic_int_get (&runner->n_completed);
}

/**
 * concurra_runner_get_n_failed:
 * @runner: a runner
 *
 * Gets how many tasks failed or were terminated. Safe to call from any
 * thread.
 *
 * Returns: the number of failed tasks
 *
 * Since: 1.0
 */
guint
concurra_runner_get_n_failed (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 0);
  return g_atomic_int_get (&runner->n_failed);
}
