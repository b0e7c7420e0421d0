/* concurra-task.c: ConcurraTask, the unit of work: the type, its
 * properties and signal, the constructor of function tasks, the settings,
 * and the record of how it went (accessors, the owner's writes besides the
 * status and the errors). The record as a whole (to_variant) and its
 * errors are in concurra-task-record.c, the future side and the status
 * transitions in concurra-task-future.c, reporting in concurra-task-report.c.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-enum-types.h"
#include "concurra-error.h"
#include "concurra-executor-private.h"
#include "concurra-deadlines-private.h"
#include "concurra-format-private.h"
#include "concurra-slurm-private.h"
#include "concurra-task-private.h"

#include <math.h>

/**
 * ConcurraTask:
 *
 * One unit of work run by a [class@Concurra.Runner], and the record of how it
 * went.
 *
 * A function task wraps a [callback@Concurra.TaskFunc] that runs on a worker
 * thread and reports its outcome with [method@Concurra.Task.return_value],
 * [method@Concurra.Task.return_string], [method@Concurra.Task.return_error]
 * and friends. Add it to a runner with [method@Concurra.Runner.add] (or let
 * [method@Concurra.Runner.add_task] create it), then read the result once it
 * is done: [property@Concurra.Task:status], [method@Concurra.Task.get_value],
 * [method@Concurra.Task.get_error], the timing fields, the retry history, or
 * everything at once as a dictionary with [method@Concurra.Task.to_variant],
 * whose keys are those of Concurra's result structure.
 *
 * Settings made on the task ([property@Concurra.Task:timeout],
 * [property@Concurra.Task:retries], [property@Concurra.Task:retry-delay])
 * override the runner's defaults for this task.
 *
 * A task is also a future: [method@Concurra.Task.is_done] tells whether its
 * status is final, and the [signal@Concurra.Task::completed] signal is
 * emitted on the runner's owner context when it becomes so.
 *
 * Since: 1.0
 */

GParamSpec *concurra_task_properties[TASK_N_PROPS];
guint       concurra_task_signals[TASK_N_SIGNALS];

G_DEFINE_FINAL_TYPE (ConcurraTask, concurra_task, G_TYPE_OBJECT)

static void
concurra_task_finalize (GObject *object)
{
  ConcurraTask *self = CONCURRA_TASK (object);

  concurra_outcome_clear (&self->outcome);
  g_clear_pointer (&self->command, concurra_command_free);
  g_clear_pointer (&self->process, concurra_process_call_free);
  g_clear_pointer (&self->launch, concurra_launch_free);
  if (self->report_gate != NULL)
    {
      g_mutex_clear (&self->report_gate->lock);
      g_free (self->report_gate);
    }
  concurra_value_reset (&self->value, &self->pointer_destroy);
  if (self->func_destroy != NULL)
    self->func_destroy (self->func_data);
  g_clear_pointer (&self->label, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->depends_on, g_strfreev);
  g_clear_pointer (&self->deps, g_free);
  g_clear_pointer (&self->dependents, g_free);
  g_clear_error (&self->error);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->trace, g_free);
  g_clear_pointer (&self->warning, g_free);
  g_clear_pointer (&self->retry_errors, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->listeners, g_array_unref);
  g_clear_pointer (&self->owner, concurra_task_owner_unref);
  g_mutex_clear (&self->future_lock);

  G_OBJECT_CLASS (concurra_task_parent_class)->finalize (object);
}

static void
concurra_task_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ConcurraTask *self = CONCURRA_TASK (object);

  switch (prop_id)
    {
    case TASK_PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case TASK_PROP_NAME:
      g_value_set_string (value, concurra_task_get_name (self));
      break;
    case TASK_PROP_STATUS:
      g_value_set_enum (value, concurra_task_get_status (self));
      break;
    case TASK_PROP_HAS_FAILED:
      g_value_set_boolean (value, concurra_task_get_has_failed (self));
      break;
    case TASK_PROP_EXECUTION_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case TASK_PROP_TIMEOUT:
      g_value_set_double (value, self->timeout);
      break;
    case TASK_PROP_RETRIES:
      g_value_set_int (value, self->retries);
      break;
    case TASK_PROP_RETRY_DELAY:
      g_value_set_double (value, self->retry_delay);
      break;
    case TASK_PROP_ATTEMPTS:
      g_value_set_uint (value, self->attempts);
      break;
    case TASK_PROP_RETRIED:
      g_value_set_boolean (value, self->attempts > 1);
      break;
    case TASK_PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case TASK_PROP_TRACE:
      g_value_set_string (value, self->trace);
      break;
    case TASK_PROP_WARNING:
      g_value_set_string (value, self->warning);
      break;
    case TASK_PROP_DURATION:
      g_value_set_double (value, self->duration);
      break;
    case TASK_PROP_MAX_OUTPUT:
      g_value_set_int64 (value, self->max_output);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concurra_task_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ConcurraTask *self = CONCURRA_TASK (object);

  switch (prop_id)
    {
    case TASK_PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case TASK_PROP_TIMEOUT:
      concurra_task_set_timeout (self, g_value_get_double (value));
      break;
    case TASK_PROP_RETRIES:
      concurra_task_set_retries (self, g_value_get_int (value));
      break;
    case TASK_PROP_RETRY_DELAY:
      concurra_task_set_retry_delay (self, g_value_get_double (value));
      break;
    case TASK_PROP_MAX_OUTPUT:
      concurra_task_set_max_output (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concurra_task_class_init (ConcurraTaskClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = concurra_task_finalize;
  object_class->get_property = concurra_task_get_property;
  object_class->set_property = concurra_task_set_property;

  /**
   * ConcurraTask:label:
   *
   * The task's unique label in its runner: the one given to
   * [method@Concurra.Runner.add], or its index there ("0", "1", …).
   * %NULL until the task is added.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:name:
   *
   * What the task runs, shown in the "task" column of the report: the
   * function name given at construction, or the label.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:status:
   *
   * Where the task is in its lifecycle. Changes are notified on the
   * runner's owner context.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       CONCURRA_TYPE_TASK_STATUS, CONCURRA_TASK_STATUS_PENDING,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:has-failed:
   *
   * Whether the task ended %CONCURRA_TASK_STATUS_FAILED or
   * %CONCURRA_TASK_STATUS_TERMINATED.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_HAS_FAILED] =
    g_param_spec_boolean ("has-failed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:execution-mode:
   *
   * How the task ran; %CONCURRA_EXECUTION_MODE_NONE if it never started.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_EXECUTION_MODE] =
    g_param_spec_enum ("execution-mode", NULL, NULL,
                       CONCURRA_TYPE_EXECUTION_MODE, CONCURRA_EXECUTION_MODE_NONE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:timeout:
   *
   * Seconds one attempt may run before the task is terminated with
   * %CONCURRA_ERROR_TIMEOUT. %CONCURRA_TIMEOUT_DEFAULT (the default) uses
   * the runner's [property@Concurra.Runner:timeout];
   * %CONCURRA_TIMEOUT_INFINITE lets this task run as long as it takes.
   * 0 terminates the task's attempt before it starts. Any negative value is
   * stored as %CONCURRA_TIMEOUT_DEFAULT, an infinity as
   * %CONCURRA_TIMEOUT_INFINITE; NaN is refused.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_TIMEOUT] =
    g_param_spec_double ("timeout", NULL, NULL, -INFINITY, INFINITY,
                         CONCURRA_TIMEOUT_DEFAULT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:retries:
   *
   * How many times a failed attempt is retried: -1 uses the runner's
   * [property@Concurra.Runner:task-retries]. Values below -1 are refused.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_RETRIES] =
    g_param_spec_int ("retries", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:retry-delay:
   *
   * Seconds to wait before the first retry: -1 uses the runner's
   * [property@Concurra.Runner:retry-delay]. Later retries wait longer by the
   * runner's [property@Concurra.Runner:retry-backoff] factor.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_RETRY_DELAY] =
    g_param_spec_double ("retry-delay", NULL, NULL, -1.0, G_MAXDOUBLE, -1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:attempts:
   *
   * How many attempts were started.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_ATTEMPTS] =
    g_param_spec_uint ("attempts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:retried:
   *
   * Whether the task needed more than one attempt.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_RETRIED] =
    g_param_spec_boolean ("retried", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:error-message:
   *
   * The error's human text, for a user interface; see
   * [method@Concurra.Task.get_error_message].
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:trace:
   *
   * The trace given with the task's error, if any.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_TRACE] =
    g_param_spec_string ("trace", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:warning:
   *
   * A diagnostic note about how the task ran, such as a thread fallback.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_WARNING] =
    g_param_spec_string ("warning", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:duration:
   *
   * Seconds from the first attempt's start to the final status.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_DURATION] =
    g_param_spec_double ("duration", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:max-output:
   *
   * How many bytes of each of a command's standard output and error are
   * kept: -1 uses the runner's [property@Concurra.Runner:max-output]
   * (64 MiB unless set), 0 keeps everything. Past the cap, the first
   * half and the last half of it are kept with a marker line between them
   * that says how many bytes were left out; the rest is read and counted
   * but never stored, so memory stays bounded and the command is never
   * blocked. The task then has a [property@Concurra.Task:warning], its
   * result `stdout_omitted` / `stderr_omitted` counts, and
   * [method@Concurra.Task.get_stdout_omitted] tells the same. Tasks that
   * capture no output ignore it.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_MAX_OUTPUT] =
    g_param_spec_int64 ("max-output", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, TASK_N_PROPS, concurra_task_properties);

  /**
   * ConcurraTask::completed:
   * @task: the task
   *
   * Emitted on the runner's owner context once the task has its final status.
   *
   * Since: 1.0
   */
  concurra_task_signals[TASK_SIGNAL_COMPLETED] =
    g_signal_new ("completed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
concurra_task_init (ConcurraTask *self)
{
  self->timeout = CONCURRA_TIMEOUT_DEFAULT;
  self->retries = -1;
  self->retry_delay = -1.0;
  self->max_output = -1;
  g_mutex_init (&self->future_lock);
}

/**
 * concurra_task_new:
 * @name: (nullable): what the task runs, for reports; %NULL uses the label
 * @func: (scope notified) (closure user_data) (destroy destroy): the function to run
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the task is finalized
 *
 * Creates a function task. Add it to a runner with [method@Concurra.Runner.add].
 *
 * Returns: (transfer full): a new task
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_task_new (const char       *name,
                   ConcurraTaskFunc  func,
                   gpointer          user_data,
                   GDestroyNotify    destroy)
{
  ConcurraTask *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (CONCURRA_TYPE_TASK, NULL);
  self->name = g_strdup (name);
  self->executor = &concurra_thread_executor;
  self->func = func;
  self->func_data = user_data;
  self->func_destroy = destroy;

  return self;
}

static GPrivate current_task;

ConcurraTask *
concurra_task_enter_function (ConcurraTask *task,
                              GCancellable *cancellable)
{
  ConcurraTask *previous = g_private_get (&current_task);

  g_private_set (&current_task, task);
  g_cancellable_push_current (cancellable);
  return previous;
}

void
concurra_task_leave_function (ConcurraTask *previous,
                              GCancellable *cancellable)
{
  g_cancellable_pop_current (cancellable);
  g_private_set (&current_task, previous);
}

/**
 * concurra_task_get_current:
 *
 * Gets the task whose function is running on this thread: a thread task
 * during its [callback@Concurra.TaskFunc] or its function's
 * [callback@Concurra.IdFunc], a main-context task during its
 * [callback@Concurra.StartFunc]; %NULL anywhere else. Meanwhile the
 * attempt's cancellable is [func@Gio.Cancellable.get_current]. A function
 * shared by many tasks ([class@Concurra.Function]) reports a value or an
 * error through it:
 *
 * ```c
 * concurra_task_return_int (concurra_task_get_current (), sum);
 * ```
 *
 * Returns: (transfer none) (nullable): the running task
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_task_get_current (void)
{
  return g_private_get (&current_task);
}

/**
 * concurra_task_get_timeout:
 * @task: a task
 *
 * Gets the per-attempt timeout; see [property@Concurra.Task:timeout].
 *
 * Returns: seconds, %CONCURRA_TIMEOUT_DEFAULT for the runner's default
 *   or %CONCURRA_TIMEOUT_INFINITE for none
 *
 * Since: 1.0
 */
double
concurra_task_get_timeout (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), -1.0);
  return task->timeout;
}

/**
 * concurra_task_set_timeout:
 * @task: a task not started yet
 * @timeout: seconds, %CONCURRA_TIMEOUT_DEFAULT (or any negative value) for
 *   the runner's default, %CONCURRA_TIMEOUT_INFINITE (or an infinite value)
 *   for none; not NaN
 *
 * Sets the per-attempt timeout; see [property@Concurra.Task:timeout].
 *
 * Since: 1.0
 */
void
concurra_task_set_timeout (ConcurraTask *task,
                           double        timeout)
{
  g_return_if_fail (CONCURRA_IS_TASK (task));
  g_return_if_fail (concurra_timeout_is_valid (timeout));

  timeout = concurra_timeout_normalize (timeout);
  if (task->timeout != timeout)
    {
      task->timeout = timeout;
      g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_TIMEOUT]);
    }
}

/**
 * concurra_task_get_retries:
 * @task: a task
 *
 * Gets the retry budget. Once the run started, this is the effective value
 * (the runner's default resolved).
 *
 * Returns: retries after the first attempt, or -1 for the runner's default
 *
 * Since: 1.0
 */
int
concurra_task_get_retries (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), -1);
  return task->retries;
}

/**
 * concurra_task_set_retries:
 * @task: a task not started yet
 * @retries: retries after the first attempt, or -1 for the runner's default
 *
 * Sets the retry budget; see [property@Concurra.Task:retries].
 *
 * Since: 1.0
 */
void
concurra_task_set_retries (ConcurraTask *task,
                           int           retries)
{
  g_return_if_fail (CONCURRA_IS_TASK (task));
  g_return_if_fail (retries >= -1);

  if (task->retries != retries)
    {
      task->retries = retries;
      g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_RETRIES]);
    }
}

/**
 * concurra_task_get_retry_delay:
 * @task: a task
 *
 * Gets the delay before the first retry; see
 * [property@Concurra.Task:retry-delay].
 *
 * Returns: seconds, or -1 for the runner's default
 *
 * Since: 1.0
 */
double
concurra_task_get_retry_delay (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), -1.0);
  return task->retry_delay;
}

/**
 * concurra_task_set_retry_delay:
 * @task: a task not started yet
 * @delay: seconds, or -1 for the runner's default
 *
 * Sets the delay before the first retry; see
 * [property@Concurra.Task:retry-delay].
 *
 * Since: 1.0
 */
void
concurra_task_set_retry_delay (ConcurraTask *task,
                               double        delay)
{
  g_return_if_fail (CONCURRA_IS_TASK (task));
  g_return_if_fail (delay >= 0.0 || delay == -1.0);

  if (task->retry_delay != delay)
    {
      task->retry_delay = delay;
      g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_RETRY_DELAY]);
    }
}

/**
 * concurra_task_get_label:
 * @task: a task
 *
 * Gets the task's label; see [property@Concurra.Task:label].
 *
 * Returns: (nullable): the label, %NULL before the task is added
 *
 * Since: 1.0
 */
const char *
concurra_task_get_label (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);
  return task->label;
}

/**
 * concurra_task_get_name:
 * @task: a task
 *
 * Gets what the task runs; see [property@Concurra.Task:name].
 *
 * Returns: (nullable): the name, or the label when no name was given
 *
 * Since: 1.0
 */
const char *
concurra_task_get_name (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);
  return task->name ? task->name : task->label;
}

/**
 * concurra_task_get_status:
 * @task: a task
 *
 * Gets the task's status. Safe to call from any thread.
 *
 * Returns: the status
 *
 * Since: 1.0
 */
ConcurraTaskStatus
concurra_task_get_status (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), CONCURRA_TASK_STATUS_PENDING);
  return (ConcurraTaskStatus) g_atomic_int_get (&task->status);
}

/**
 * concurra_task_get_has_failed:
 * @task: a task
 *
 * Whether the task ended failed or terminated.
 *
 * Returns: %TRUE for %CONCURRA_TASK_STATUS_FAILED and
 *   %CONCURRA_TASK_STATUS_TERMINATED
 *
 * Since: 1.0
 */
gboolean
concurra_task_get_has_failed (ConcurraTask *task)
{
  ConcurraTaskStatus status = concurra_task_get_status (task);

  return status == CONCURRA_TASK_STATUS_FAILED || status == CONCURRA_TASK_STATUS_TERMINATED;
}

/**
 * concurra_task_get_value:
 * @task: a task
 *
 * Gets the value the task function returned.
 *
 * Returns: (nullable): the result, %NULL when the task did not succeed or
 *   returned nothing
 *
 * Since: 1.0
 */
const GValue *
concurra_task_get_value (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);
  return G_IS_VALUE (&task->value) ? &task->value : NULL;
}

/**
 * concurra_task_get_pointer: (skip)
 * @task: a task
 *
 * Gets the result given to [method@Concurra.Task.return_pointer].
 *
 * Returns: (nullable): the pointer, or %NULL
 *
 * Since: 1.0
 */
gpointer
concurra_task_get_pointer (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);
  return G_VALUE_HOLDS_POINTER (&task->value) ? g_value_get_pointer (&task->value) : NULL;
}

/**
 * concurra_task_get_error:
 * @task: a task
 *
 * Gets why the task failed or was terminated.
 *
 * Returns: (nullable) (transfer none): the error, %NULL unless the task has failed
 *
 * Since: 1.0
 */
const GError *
concurra_task_get_error (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);
  return task->error;
}

/**
 * concurra_task_get_error_message:
 * @task: a task
 *
 * Gets the error's human text: the message of [method@Concurra.Task.get_error]
 * ("Command exited with return code 7", "Task exceeded timeout of 2
 * seconds"), ready for a label in a user interface. Match the error itself
 * (its domain and code) to tell kinds of failure apart. The record of
 * [method@Concurra.Task.to_variant] and [method@Concurra.Task.get_retry_errors]
 * keep Concurra's form, `"Type: message"`.
 *
 * Returns: (nullable): the text, %NULL unless the task has failed
 *
 * Since: 1.0
 */
const char *
concurra_task_get_error_message (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);
  return task->error_message;
}

/**
 * concurra_task_get_trace:
 * @task: a task
 *
 * Gets the trace the task function gave with its error, see
 * [method@Concurra.Task.return_error_full].
 *
 * Returns: (nullable): the trace
 *
 * Since: 1.0
 */
const char *
concurra_task_get_trace (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);
  return task->trace;
}

static GDateTime *
cached_datetime (ConcurraTask *task,
                 const char   *key,
                 gint64        usec)
{
  GDateTime *dt;

  if (usec == 0)
    return NULL;
  dt = g_object_get_data (G_OBJECT (task), key);
  if (dt == NULL)
    {
      dt = concurra_date_time_new_local (usec);
      g_object_set_data_full (G_OBJECT (task), key, dt, (GDestroyNotify) g_date_time_unref);
    }
  return dt;
}

/**
 * concurra_task_get_start_time:
 * @task: a task
 *
 * Gets when the first attempt started, in local time.
 *
 * Returns: (nullable) (transfer none): the time, %NULL if the task never started
 *
 * Since: 1.0
 */
GDateTime *
concurra_task_get_start_time (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);
  return cached_datetime (task, "concurra-start-time", task->start_real);
}

/**
 * concurra_task_get_end_time:
 * @task: a task
 *
 * Gets when the task got its final status, if it ever started.
 *
 * Returns: (nullable) (transfer none): the time, %NULL if the task never started
 *
 * Since: 1.0
 */
GDateTime *
concurra_task_get_end_time (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);
  return cached_datetime (task, "concurra-end-time", task->start_real ? task->end_real : 0);
}

/**
 * concurra_task_get_duration:
 * @task: a task
 *
 * Gets the seconds from the first attempt's start to the final status,
 * retries included.
 *
 * Returns: the duration, 0 if the task never started
 *
 * Since: 1.0
 */
double
concurra_task_get_duration (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), 0.0);
  return task->duration;
}

/**
 * concurra_task_get_execution_mode:
 * @task: a task
 *
 * Gets how the task ran.
 *
 * Returns: the mode, %CONCURRA_EXECUTION_MODE_NONE if it never started
 *
 * Since: 1.0
 */
ConcurraExecutionMode
concurra_task_get_execution_mode (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), CONCURRA_EXECUTION_MODE_NONE);
  return task->mode;
}

/**
 * concurra_task_get_warning:
 * @task: a task
 *
 * Gets a diagnostic note about how the task ran, such as a thread fallback.
 *
 * Returns: (nullable): the warning
 *
 * Since: 1.0
 */
const char *
concurra_task_get_warning (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);
  return task->warning;
}

/**
 * concurra_task_get_attempts:
 * @task: a task
 *
 * Gets how many attempts were started. Called from the task's own
 * function while it runs (the task is [func@Concurra.Task.get_current]),
 * it is the number of the running attempt, 1 for the first, even before
 * the runner's owner context has heard that the attempt started.
 *
 * Returns: the number of attempts
 *
 * Since: 1.0
 */
guint
concurra_task_get_attempts (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), 0);
  /* on the lane, the owner's count may not include this attempt yet */
  if (task == concurra_task_get_current ())
    return task->outcome.attempt;
  return task->attempts;
}

/**
 * concurra_task_get_retried:
 * @task: a task
 *
 * Whether the task needed more than one attempt.
 *
 * Returns: %TRUE if it was retried
 *
 * Since: 1.0
 */
gboolean
concurra_task_get_retried (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), FALSE);
  return task->attempts > 1;
}

/* ---- owner-side writes to the record, used by the runner ---- */

void
concurra_task_take_label (ConcurraTask *task,
                          char         *label)
{
  g_free (task->label);
  task->label = label;
  g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_LABEL]);
}

/* Marks a task of a process runner that runs in a thread instead. */
void
concurra_task_set_fallback (ConcurraTask *task,
                            const char   *warning)
{
  task->fallback = TRUE;
  concurra_task_set_warning (task, warning);
}

/* On the owner context, as the other record fields. */
void
concurra_task_set_warning (ConcurraTask *task,
                           const char   *warning)
{
  g_free (task->warning);
  task->warning = g_strdup (warning);
  g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_WARNING]);
}
