/* concurra-task.c: ConcurraTask, the unit of work: the type, its
 * properties and signal, the constructor of function tasks, the settings,
 * and the record of how it went (accessors, to_variant, the owner's
 * writes besides the status). The future side and the status transitions
 * are in concurra-task-future.c, reporting in concurra-task-report.c.
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
#include <string.h>

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
  if (self->async != NULL)
    {
      g_mutex_clear (&self->async->lock);
      g_free (self->async);
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
   * [method@Concurra.Task.set_timeout] stores any negative value as
   * %CONCURRA_TIMEOUT_DEFAULT.
   *
   * Since: 1.0
   */
  concurra_task_properties[TASK_PROP_TIMEOUT] =
    g_param_spec_double ("timeout", NULL, NULL, CONCURRA_TIMEOUT_DEFAULT, G_MAXDOUBLE,
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
 * Gets how many attempts were started.
 *
 * Returns: the number of attempts
 *
 * Since: 1.0
 */
guint
concurra_task_get_attempts (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), 0);
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

/**
 * concurra_task_get_retry_errors:
 * @task: a task
 *
 * Gets the errors of the failed attempts that were retried, oldest first,
 * in the form of Concurra's record: `"Type: message"`, where the type is
 * `ConcurraError.NAME` for %CONCURRA_ERROR and otherwise the error's domain
 * and code (`g-io-error-quark.1`).
 *
 * Returns: (array zero-terminated=1) (transfer none): the messages, possibly empty
 *
 * Since: 1.0
 */
const char * const *
concurra_task_get_retry_errors (ConcurraTask *task)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (CONCURRA_IS_TASK (task), none);
  return task->retry_errors ? (const char * const *) task->retry_errors->pdata : none;
}

const char *
concurra_task_status_to_string (ConcurraTaskStatus status)
{
  static const char * const names[] = {
    "Pending", "Running", "Successful", "Failed", "Terminated",
  };

  return names[status];
}

static GVariant *
maybe_string (const char *s)
{
  return g_variant_new_maybe (G_VARIANT_TYPE_STRING, s ? concurra_variant_new_text (s) : NULL);
}

static GVariant *
value_to_variant (const GValue *value)
{
  if (value == NULL)
    return NULL;

  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value)))
    {
    case G_TYPE_VARIANT:
      return g_value_get_variant (value) ? g_variant_ref (g_value_get_variant (value)) : NULL;
    case G_TYPE_STRING:
      return g_value_get_string (value) ? g_variant_new_string (g_value_get_string (value)) : NULL;
    case G_TYPE_INT64:
      return g_variant_new_int64 (g_value_get_int64 (value));
    case G_TYPE_INT:
      return g_variant_new_int32 (g_value_get_int (value));
    case G_TYPE_UINT:
      return g_variant_new_uint32 (g_value_get_uint (value));
    case G_TYPE_DOUBLE:
      return g_variant_new_double (g_value_get_double (value));
    case G_TYPE_BOOLEAN:
      return g_variant_new_boolean (g_value_get_boolean (value));
    default:
      return NULL;
    }
}

static const char *
execution_mode_to_string (ConcurraExecutionMode mode)
{
  static const char * const names[] = {
    NULL, "thread", "process", "thread_fallback", "subprocess", "main_context",
  };

  return names[mode];
}

/**
 * concurra_task_to_variant:
 * @task: a task
 *
 * Gets the task's result as a dictionary with the fields of Concurra's
 * result structure: `task_name` (s), `label` (s), `start_time` and
 * `end_time` (ms, "YYYY-MM-DD HH:MM:SS" in local time), `duration` (s,
 * "1.01 sec" or "2.5 min"), `duration_seconds` (d, rounded to hundredths;
 * [property@Concurra.Task:duration] is exact), `result` and its alias
 * `output` (mv), `error` (ms: `"Type: message"` for a failure, as in
 * [method@Concurra.Task.get_retry_errors]; the plain message for a
 * termination made by the runner), `trace` (ms), `status` (s: "Pending",
 * "Running", "Successful", "Failed", "Terminated"), `has_failed` (b),
 * `execution_mode` (ms: "thread", "process", "thread_fallback",
 * "subprocess", "main_context" for main-context tasks, or nothing if the task
 * never started), `warning` (ms), `attempts` (u), `task_retries` (i),
 * `retried` (b) and `retry_errors` (as).
 *
 * Fields that can be absent (Python's `None`) are maybe-typed and empty.
 * `result` holds the value as a #GVariant when it is one, a string
 * (s), a 64-bit, 32-bit or unsigned integer (x, i, u), a double (d) or a
 * boolean (b); a pointer or object value is left out.
 *
 * Returns: (transfer full): an `a{sv}` dictionary
 *
 * Since: 1.0
 */
GVariant *
concurra_task_to_variant (ConcurraTask *task)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *error = NULL;
  GVariant *result;
  ConcurraTaskStatus status;

  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);

  error = concurra_task_describe_error (task);
  status = concurra_task_get_status (task);
  if (task->start_real != 0)
    {
      start = concurra_format_timestamp (task->start_real);
      if (status >= CONCURRA_TASK_STATUS_SUCCESSFUL)
        end = concurra_format_timestamp (task->end_real);
    }
  duration = concurra_format_duration (task->duration);
  result = value_to_variant (concurra_task_get_value (task));
  if (result != NULL)
    g_variant_take_ref (result);

  g_variant_builder_add (&builder, "{sv}", "task_name", g_variant_new_string (concurra_task_get_name (task) ?: ""));
  g_variant_builder_add (&builder, "{sv}", "label", g_variant_new_string (task->label ?: ""));
  g_variant_builder_add (&builder, "{sv}", "start_time", maybe_string (start));
  g_variant_builder_add (&builder, "{sv}", "end_time", maybe_string (end));
  g_variant_builder_add (&builder, "{sv}", "duration", g_variant_new_string (duration));
  g_variant_builder_add (&builder, "{sv}", "duration_seconds", g_variant_new_double (round (task->duration * 100.0) / 100.0));
  g_variant_builder_add (&builder, "{sv}", "result", g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, result ? g_variant_new_variant (result) : NULL));
  g_variant_builder_add (&builder, "{sv}", "output", g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, result ? g_variant_new_variant (result) : NULL));
  g_variant_builder_add (&builder, "{sv}", "error", maybe_string (error));
  g_variant_builder_add (&builder, "{sv}", "trace", maybe_string (task->trace));
  g_variant_builder_add (&builder, "{sv}", "status", g_variant_new_string (concurra_task_status_to_string (status)));
  g_variant_builder_add (&builder, "{sv}", "has_failed", g_variant_new_boolean (concurra_task_get_has_failed (task)));
  g_variant_builder_add (&builder, "{sv}", "execution_mode", maybe_string (execution_mode_to_string (task->mode)));
  g_variant_builder_add (&builder, "{sv}", "warning", maybe_string (task->warning));
  g_variant_builder_add (&builder, "{sv}", "attempts", g_variant_new_uint32 (task->attempts));
  g_variant_builder_add (&builder, "{sv}", "task_retries", g_variant_new_int32 (MAX (task->retries, 0)));
  g_variant_builder_add (&builder, "{sv}", "retried", g_variant_new_boolean (task->attempts > 1));
  g_variant_builder_add (&builder, "{sv}", "retry_errors", g_variant_new_strv (concurra_task_get_retry_errors (task), -1));

  g_clear_pointer (&result, g_variant_unref);

  return g_variant_ref_sink (g_variant_builder_end (&builder));
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

/* The error as Concurra's record shows it: "Type: message" for a failure,
 * the plain message for a termination made by the runner. NULL if none. */
char *
concurra_task_describe_error (ConcurraTask *task)
{
  if (task->error == NULL)
    return NULL;
  if (concurra_task_get_status (task) == CONCURRA_TASK_STATUS_FAILED)
    return concurra_error_describe (task->error);
  return g_strdup (task->error->message);
}

char *
concurra_error_describe (const GError *error)
{
  if (error->domain == CONCURRA_ERROR)
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (CONCURRA_TYPE_ERROR);
      GEnumValue *value = g_enum_get_value (klass, error->code);

      if (value != NULL)
        return g_strdup_printf ("ConcurraError.%s: %s",
                                value->value_name + strlen ("CONCURRA_ERROR_"),
                                error->message);
    }

  return g_strdup_printf ("%s.%d: %s", g_quark_to_string (error->domain),
                          error->code, error->message);
}

void
concurra_task_add_retry_error (ConcurraTask *task,
                               const GError *error)
{
  if (task->retry_errors == NULL)
    {
      task->retry_errors = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (task->retry_errors, NULL);
    }
  g_ptr_array_insert (task->retry_errors, task->retry_errors->len - 1,
                      concurra_error_describe (error));
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
