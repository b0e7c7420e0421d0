/* concurra-task.c: ConcurraTask, the unit of work, its structured result and
 * its future.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-enum-types.h"
#include "concurra-error.h"
#include "concurra-executor-private.h"
#include "concurra-format-private.h"
#include "concurra-task-private.h"
#include "concurra-waiter-private.h"

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

enum {
  PROP_0,
  PROP_LABEL,
  PROP_NAME,
  PROP_STATUS,
  PROP_HAS_FAILED,
  PROP_EXECUTION_MODE,
  PROP_TIMEOUT,
  PROP_RETRIES,
  PROP_RETRY_DELAY,
  PROP_ATTEMPTS,
  PROP_RETRIED,
  PROP_ERROR_MESSAGE,
  PROP_TRACE,
  PROP_WARNING,
  PROP_DURATION,
  N_PROPS
};

enum {
  SIGNAL_COMPLETED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ConcurraTask, concurra_task, G_TYPE_OBJECT)

/* Empties a result value, freeing a pointer result with its destroy
 * function. Values start zeroed, so a type of 0 means "no value". */
static void
value_reset (GValue         *value,
             GDestroyNotify *pointer_destroy)
{
  if (G_VALUE_TYPE (value) != G_TYPE_INVALID)
    {
      if (*pointer_destroy != NULL && G_VALUE_HOLDS_POINTER (value))
        (*pointer_destroy) (g_value_get_pointer (value));
      g_value_unset (value);
    }
  *pointer_destroy = NULL;
}

static void
outcome_clear (ConcurraOutcome *outcome)
{
  value_reset (&outcome->value, &outcome->pointer_destroy);
  g_clear_error (&outcome->error);
  g_clear_pointer (&outcome->trace, g_free);
  outcome->reported = FALSE;
}

static void
concurra_task_finalize (GObject *object)
{
  ConcurraTask *self = CONCURRA_TASK (object);

  outcome_clear (&self->outcome);
  g_clear_pointer (&self->command, concurra_command_free);
  g_clear_pointer (&self->process, concurra_process_call_free);
  if (self->async != NULL)
    {
      g_mutex_clear (&self->async->lock);
      g_free (self->async);
    }
  value_reset (&self->value, &self->pointer_destroy);
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
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_NAME:
      g_value_set_string (value, concurra_task_get_name (self));
      break;
    case PROP_STATUS:
      g_value_set_enum (value, concurra_task_get_status (self));
      break;
    case PROP_HAS_FAILED:
      g_value_set_boolean (value, concurra_task_get_has_failed (self));
      break;
    case PROP_EXECUTION_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_TIMEOUT:
      g_value_set_double (value, self->timeout);
      break;
    case PROP_RETRIES:
      g_value_set_int (value, self->retries);
      break;
    case PROP_RETRY_DELAY:
      g_value_set_double (value, self->retry_delay);
      break;
    case PROP_ATTEMPTS:
      g_value_set_uint (value, self->attempts);
      break;
    case PROP_RETRIED:
      g_value_set_boolean (value, self->attempts > 1);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_TRACE:
      g_value_set_string (value, self->trace);
      break;
    case PROP_WARNING:
      g_value_set_string (value, self->warning);
      break;
    case PROP_DURATION:
      g_value_set_double (value, self->duration);
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
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_TIMEOUT:
      concurra_task_set_timeout (self, g_value_get_double (value));
      break;
    case PROP_RETRIES:
      concurra_task_set_retries (self, g_value_get_int (value));
      break;
    case PROP_RETRY_DELAY:
      concurra_task_set_retry_delay (self, g_value_get_double (value));
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
  properties[PROP_LABEL] =
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
  properties[PROP_NAME] =
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
  properties[PROP_STATUS] =
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
  properties[PROP_HAS_FAILED] =
    g_param_spec_boolean ("has-failed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:execution-mode:
   *
   * How the task ran; %CONCURRA_EXECUTION_MODE_NONE if it never started.
   *
   * Since: 1.0
   */
  properties[PROP_EXECUTION_MODE] =
    g_param_spec_enum ("execution-mode", NULL, NULL,
                       CONCURRA_TYPE_EXECUTION_MODE, CONCURRA_EXECUTION_MODE_NONE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:timeout:
   *
   * Seconds one attempt may run before the task is terminated: -1 uses the
   * runner's [property@Concurra.Runner:timeout], 0 means no timeout.
   *
   * Since: 1.0
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_double ("timeout", NULL, NULL, -1.0, G_MAXDOUBLE, -1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:retries:
   *
   * How many times a failed attempt is retried: -1 uses the runner's
   * [property@Concurra.Runner:task-retries]. Values below -1 make
   * [method@Concurra.Runner.add] fail with %CONCURRA_ERROR_INVALID_ARGUMENT.
   *
   * Since: 1.0
   */
  properties[PROP_RETRIES] =
    g_param_spec_int ("retries", NULL, NULL, G_MININT, G_MAXINT, -1,
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
  properties[PROP_RETRY_DELAY] =
    g_param_spec_double ("retry-delay", NULL, NULL, -1.0, G_MAXDOUBLE, -1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:attempts:
   *
   * How many attempts were started.
   *
   * Since: 1.0
   */
  properties[PROP_ATTEMPTS] =
    g_param_spec_uint ("attempts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:retried:
   *
   * Whether the task needed more than one attempt.
   *
   * Since: 1.0
   */
  properties[PROP_RETRIED] =
    g_param_spec_boolean ("retried", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:error-message:
   *
   * The error as results show it; see
   * [method@Concurra.Task.get_error_message].
   *
   * Since: 1.0
   */
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:trace:
   *
   * The trace given with the task's error, if any.
   *
   * Since: 1.0
   */
  properties[PROP_TRACE] =
    g_param_spec_string ("trace", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:warning:
   *
   * A diagnostic note about how the task ran, such as a thread fallback.
   *
   * Since: 1.0
   */
  properties[PROP_WARNING] =
    g_param_spec_string ("warning", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraTask:duration:
   *
   * Seconds from the first attempt's start to the final status.
   *
   * Since: 1.0
   */
  properties[PROP_DURATION] =
    g_param_spec_double ("duration", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConcurraTask::completed:
   * @task: the task
   *
   * Emitted on the runner's owner context once the task has its final status.
   *
   * Since: 1.0
   */
  signals[SIGNAL_COMPLETED] =
    g_signal_new ("completed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
concurra_task_init (ConcurraTask *self)
{
  self->timeout = -1.0;
  self->retries = -1;
  self->retry_delay = -1.0;
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

static ConcurraTask *
main_context_task_new (const char     *name,
                       gpointer        user_data,
                       GDestroyNotify  destroy)
{
  ConcurraTask *self = g_object_new (CONCURRA_TYPE_TASK, NULL);

  self->name = g_strdup (name);
  self->executor = &concurra_main_context_executor;
  self->func_data = user_data;
  self->func_destroy = destroy;
  self->async = g_new0 (ConcurraReportGate, 1);
  g_mutex_init (&self->async->lock);
  return self;
}

/**
 * concurra_task_new_async:
 * @name: (nullable): what the task runs, for reports; %NULL uses the label
 * @func: (scope notified) (closure user_data) (destroy destroy): the function to start
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the task is finalized
 *
 * Creates an async task: @func is called on the runner's owner main context
 * (the thread of a GTK application's main loop after
 * [method@Concurra.Runner.run_async]) and may return at once; the attempt
 * ends when the task reports its outcome with one of the `return` methods,
 * from any thread, for example from the callback of an asynchronous call.
 * A report that comes after the attempt ended (timeout, abort, cancel) is
 * dropped, its value freed; one that comes while a retry runs counts for
 * the retry, so stop pending work when the cancellable fires.
 * This is the task to use from JavaScript, where functions cannot run on
 * worker threads, and for work that is asynchronous already. Attach timers
 * and idles to the thread-default main context
 * (g_main_context_ref_thread_default()): during a blocking
 * [method@Concurra.Runner.run] it is a private one, and the global default
 * context is not iterated.
 *
 * It takes one of the runner's max-concurrency slots while it runs, and has
 * timeouts, retries and cancellation like any task; its execution mode is
 * %CONCURRA_EXECUTION_MODE_MAIN_CONTEXT.
 *
 * Returns: (transfer full): a new task
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_task_new_async (const char       *name,
                         ConcurraTaskFunc  func,
                         gpointer          user_data,
                         GDestroyNotify    destroy)
{
  ConcurraTask *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = main_context_task_new (name, user_data, destroy);
  self->func = func;
  return self;
}

/**
 * concurra_task_new_main_context:
 * @name: (nullable): what the task runs, for reports; %NULL uses the label
 * @func: (scope notified) (closure user_data) (destroy destroy): starts the work
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the task is finalized
 *
 * Creates a main-context task: like [ctor@Concurra.Task.new_async], @func
 * is called on the runner's owner main context, returns at once, and the
 * attempt ends when the task reports its outcome with one of the `return`
 * methods, from any thread. In addition, @func says whether it started the
 * work: when it returns %FALSE with an error (when a JavaScript or Vala
 * function throws), the attempt fails with that error at once instead of
 * waiting forever for a report that never comes. A JavaScript function
 * must therefore end with `return true`.
 *
 * No thread waits for the task while its work is pending; it holds one of
 * the runner's max-concurrency permits, which for work that holds no
 * thread can be set far above the number of CPUs. Its execution mode is
 * %CONCURRA_EXECUTION_MODE_MAIN_CONTEXT.
 *
 * Returns: (transfer full): a new task
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_task_new_main_context (const char        *name,
                                ConcurraStartFunc  func,
                                gpointer           user_data,
                                GDestroyNotify     destroy)
{
  ConcurraTask *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = main_context_task_new (name, user_data, destroy);
  self->start_func = func;
  return self;
}

/* The report gate of an async task's attempt, opened by its executor when
 * the attempt starts. */
void
concurra_task_open_reports (ConcurraTask       *task,
                            ConcurraReportFunc  on_report,
                            gpointer            data)
{
  g_mutex_lock (&task->async->lock);
  task->async->open = TRUE;
  task->async->on_report = on_report;
  task->async->data = data;
  g_mutex_unlock (&task->async->lock);
}

/* Closes the gate without a report (the attempt was cancelled): a report
 * that comes later is dropped. Returns whether it was open. */
gboolean
concurra_task_close_reports (ConcurraTask *task)
{
  gboolean was_open;

  g_mutex_lock (&task->async->lock);
  was_open = task->async->open;
  task->async->open = FALSE;
  g_mutex_unlock (&task->async->lock);
  return was_open;
}

/* Reporting from the task function. The outcome block belongs to the
 * executor running the current attempt; the owner reads it after the done
 * event. An async task reports from any thread, at any time: its outcome is
 * written under the gate's lock, and only while the gate is open (held from
 * here to end_report()). Returns NULL when the report is to be dropped. */
static ConcurraOutcome *
begin_report (ConcurraTask *self)
{
  if (self->async != NULL)
    {
      g_mutex_lock (&self->async->lock);
      if (!self->async->open)
        {
          /* late: the attempt ended by a report, timeout, abort or cancellation */
          g_mutex_unlock (&self->async->lock);
          return NULL;
        }
    }
  else if (self->outcome.reported)
    {
      g_critical ("Task '%s' already reported its outcome for this attempt",
                  self->label ? self->label : "(unlabelled)");
      return NULL;
    }
  self->outcome.reported = TRUE;
  return &self->outcome;
}

/* An async task's first report ends its attempt. */
static void
end_report (ConcurraTask *self)
{
  ConcurraReportFunc on_report;
  gpointer data;

  if (self->async == NULL)
    return;
  self->async->open = FALSE;
  on_report = self->async->on_report;
  data = self->async->data;
  g_mutex_unlock (&self->async->lock);
  on_report (self, data);
}

/**
 * concurra_task_return_value:
 * @task: a running task
 * @value: (nullable): the result, copied
 *
 * Reports success with a copy of @value as the result. Call it (or another
 * `return` method) at most once per attempt, from the task function.
 *
 * Since: 1.0
 */
void
concurra_task_return_value (ConcurraTask *task,
                            const GValue *value)
{
  ConcurraOutcome *outcome;

  g_return_if_fail (CONCURRA_IS_TASK (task));

  if ((outcome = begin_report (task)) == NULL)
    return;
  if (value != NULL)
    {
      g_value_init (&outcome->value, G_VALUE_TYPE (value));
      g_value_copy (value, &outcome->value);
    }
  end_report (task);
}

/**
 * concurra_task_return_pointer: (skip)
 * @task: a running task
 * @result: (nullable): the result
 * @result_destroy: (nullable): frees @result with the task
 *
 * Reports success with an opaque pointer as the result; read it back with
 * [method@Concurra.Task.get_pointer].
 *
 * Since: 1.0
 */
void
concurra_task_return_pointer (ConcurraTask   *task,
                              gpointer        result,
                              GDestroyNotify  result_destroy)
{
  ConcurraOutcome *outcome;

  g_return_if_fail (CONCURRA_IS_TASK (task));

  if ((outcome = begin_report (task)) == NULL)
    {
      if (result_destroy != NULL)
        result_destroy (result);
      return;
    }
  g_value_init (&outcome->value, G_TYPE_POINTER);
  g_value_set_pointer (&outcome->value, result);
  outcome->pointer_destroy = result_destroy;
  end_report (task);
}

/**
 * concurra_task_return_variant:
 * @task: a running task
 * @value: (nullable): the result; a floating reference is sunk
 *
 * Reports success with a #GVariant result, which also appears as the
 * "result" of [method@Concurra.Task.to_variant].
 *
 * Since: 1.0
 */
void
concurra_task_return_variant (ConcurraTask *task,
                              GVariant     *value)
{
  ConcurraOutcome *outcome;

  g_return_if_fail (CONCURRA_IS_TASK (task));

  if (value != NULL)
    g_variant_ref_sink (value);
  if ((outcome = begin_report (task)) != NULL)
    {
      if (value != NULL)
        {
          g_value_init (&outcome->value, G_TYPE_VARIANT);
          g_value_set_variant (&outcome->value, value);
        }
      end_report (task);
    }
  g_clear_pointer (&value, g_variant_unref);
}

/* The scalar reports: the outcome's value, initialized to @type, or NULL
 * when the report is dropped; end_report() follows the set. */
static GValue *
begin_value_report (ConcurraTask *task,
                    GType         type)
{
  ConcurraOutcome *outcome;

  if ((outcome = begin_report (task)) == NULL)
    return NULL;
  g_value_init (&outcome->value, type);
  return &outcome->value;
}

/**
 * concurra_task_return_string:
 * @task: a running task
 * @value: (nullable): the result, copied
 *
 * Reports success with a string result.
 *
 * Since: 1.0
 */
void
concurra_task_return_string (ConcurraTask *task,
                             const char   *value)
{
  GValue *result;

  g_return_if_fail (CONCURRA_IS_TASK (task));

  if ((result = begin_value_report (task, G_TYPE_STRING)) == NULL)
    return;
  g_value_set_string (result, value);
  end_report (task);
}

/**
 * concurra_task_return_int:
 * @task: a running task
 * @value: the result
 *
 * Reports success with an integer result (a #gint64 value).
 *
 * Since: 1.0
 */
void
concurra_task_return_int (ConcurraTask *task,
                          gint64        value)
{
  GValue *result;

  g_return_if_fail (CONCURRA_IS_TASK (task));

  if ((result = begin_value_report (task, G_TYPE_INT64)) == NULL)
    return;
  g_value_set_int64 (result, value);
  end_report (task);
}

/**
 * concurra_task_return_double:
 * @task: a running task
 * @value: the result
 *
 * Reports success with a floating-point result.
 *
 * Since: 1.0
 */
void
concurra_task_return_double (ConcurraTask *task,
                             double        value)
{
  GValue *result;

  g_return_if_fail (CONCURRA_IS_TASK (task));

  if ((result = begin_value_report (task, G_TYPE_DOUBLE)) == NULL)
    return;
  g_value_set_double (result, value);
  end_report (task);
}

/**
 * concurra_task_return_boolean:
 * @task: a running task
 * @value: the result
 *
 * Reports success with a boolean result.
 *
 * Since: 1.0
 */
void
concurra_task_return_boolean (ConcurraTask *task,
                              gboolean      value)
{
  GValue *result;

  g_return_if_fail (CONCURRA_IS_TASK (task));

  if ((result = begin_value_report (task, G_TYPE_BOOLEAN)) == NULL)
    return;
  g_value_set_boolean (result, value);
  end_report (task);
}

/**
 * concurra_task_return_object:
 * @task: a running task
 * @object: (type GObject) (nullable): the result; a reference is taken
 *
 * Reports success with an object result.
 *
 * Since: 1.0
 */
void
concurra_task_return_object (ConcurraTask *task,
                             gpointer      object)
{
  ConcurraOutcome *outcome;

  g_return_if_fail (CONCURRA_IS_TASK (task));
  g_return_if_fail (object == NULL || G_IS_OBJECT (object));

  if ((outcome = begin_report (task)) == NULL)
    return;
  if (object != NULL)
    {
      g_value_init (&outcome->value, G_OBJECT_TYPE (object));
      g_value_set_object (&outcome->value, object);
    }
  end_report (task);
}

/**
 * concurra_task_return_error_full:
 * @task: a running task
 * @error: (transfer full): what went wrong
 * @trace: (nullable): a backtrace or other diagnostic text
 *
 * Reports that this attempt failed. If the task has retries left it runs
 * again; otherwise it ends %CONCURRA_TASK_STATUS_FAILED with @error.
 *
 * Since: 1.0
 */
void
concurra_task_return_error_full (ConcurraTask *task,
                                 GError       *error,
                                 const char   *trace)
{
  ConcurraOutcome *outcome;

  g_return_if_fail (CONCURRA_IS_TASK (task));
  g_return_if_fail (error != NULL);

  if ((outcome = begin_report (task)) == NULL)
    {
      g_error_free (error);
      return;
    }
  outcome->error = error;
  outcome->trace = g_strdup (trace);
  end_report (task);
}

/**
 * concurra_task_return_error:
 * @task: a running task
 * @error: (transfer full): what went wrong
 *
 * Reports that this attempt failed, without a trace. See
 * [method@Concurra.Task.return_error_full].
 *
 * Since: 1.0
 */
void
concurra_task_return_error (ConcurraTask *task,
                            GError       *error)
{
  concurra_task_return_error_full (task, error, NULL);
}

/**
 * concurra_task_return_new_error: (skip)
 * @task: a running task
 * @domain: the error domain
 * @code: the error code
 * @format: printf()-style message format
 * @...: the format's arguments
 *
 * Reports that this attempt failed with a newly built #GError.
 *
 * Since: 1.0
 */
void
concurra_task_return_new_error (ConcurraTask *task,
                                GQuark        domain,
                                int           code,
                                const char   *format,
                                ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (domain, code, format, args);
  va_end (args);

  concurra_task_return_error_full (task, error, NULL);
}

/**
 * concurra_task_get_timeout:
 * @task: a task
 *
 * Gets the per-attempt timeout; see [property@Concurra.Task:timeout].
 *
 * Returns: seconds, 0 for none, -1 for the runner's default
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
 * @timeout: seconds, 0 for none, -1 for the runner's default
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
  g_return_if_fail (timeout >= 0.0 || timeout == -1.0);

  if (task->timeout != timeout)
    {
      task->timeout = timeout;
      g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_TIMEOUT]);
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

  if (task->retries != retries)
    {
      task->retries = retries;
      g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_RETRIES]);
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
      g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_RETRY_DELAY]);
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
 * Gets the error as results show it: `"Type: message"` for an error the task
 * function reported (the type is `ConcurraError.NAME` for %CONCURRA_ERROR,
 * otherwise the domain and code), and the plain message for terminations
 * made by the runner ("Task exceeded timeout of 2 seconds").
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
 * Gets the error messages of the failed attempts that were retried, oldest
 * first, formatted as [method@Concurra.Task.get_error_message].
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
 * `output` (mv), `error` (ms), `trace` (ms), `status` (s: "Pending",
 * "Running", "Successful", "Failed", "Terminated"), `has_failed` (b),
 * `execution_mode` (ms: "thread", "process", "thread_fallback",
 * "subprocess", "main_context" for async tasks, or nothing if the task
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
  GVariant *result;
  ConcurraTaskStatus status;

  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);

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
  g_variant_builder_add (&builder, "{sv}", "error", maybe_string (task->error_message));
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

/* ---- the future side ---- */

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
 * @timeout: the most seconds to wait; negative to wait as long as it takes;
 *   not NaN
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
 * @timeout: the most seconds to wait; negative to wait as long as it takes;
 *   not NaN
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

/* ---- owner-side lifecycle, used by the runner ---- */

void
concurra_task_take_label (ConcurraTask *task,
                          char         *label)
{
  g_free (task->label);
  task->label = label;
  g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_LABEL]);
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

/* Prepares a new attempt before it is queued for a worker; the lane that
 * takes it gives it a cancellable. */
void
concurra_task_begin_attempt (ConcurraTask *task)
{
  outcome_clear (&task->outcome);
  g_clear_object (&task->cancellable);
}

/* Moves the outcome of the attempt that just ended into the record; on
 * failure returns FALSE with the attempt's error. */
gboolean
concurra_task_take_attempt (ConcurraTask  *task,
                            GError       **error)
{
  ConcurraOutcome *outcome = &task->outcome;

  /* a failed command keeps its structured result, so take the value first */
  if (G_VALUE_TYPE (&outcome->value) != G_TYPE_INVALID)
    {
      value_reset (&task->value, &task->pointer_destroy);
      task->value = outcome->value;
      task->pointer_destroy = outcome->pointer_destroy;
      memset (&outcome->value, 0, sizeof outcome->value);
      outcome->pointer_destroy = NULL;
    }

  if (outcome->error != NULL)
    {
      g_free (task->trace);
      task->trace = g_steal_pointer (&outcome->trace);
      g_propagate_error (error, g_steal_pointer (&outcome->error));
      outcome_clear (outcome);
      return FALSE;
    }

  outcome_clear (outcome);
  return TRUE;
}

/* Drops the outcome of an attempt whose task already has its final status,
 * such as the late result of a timed-out thread. */
void
concurra_task_discard_attempt (ConcurraTask *task)
{
  outcome_clear (&task->outcome);
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
      task->error_message = status == CONCURRA_TASK_STATUS_FAILED
                            ? concurra_error_describe (error)
                            : g_strdup (error->message);
    }
  g_atomic_int_set (&task->status, status);
}

/* Tells waiters and listeners that the task is done. */
void
concurra_task_announce (ConcurraTask *task)
{
  GArray *listeners;

  /* waiters first: they may be other threads blocked on this task */
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

  /* the record is complete: tell about every part that settle() wrote */
  if (task->start_real != 0)
    g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_DURATION]);
  if (task->error_message != NULL)
    g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_ERROR_MESSAGE]);
  if (task->trace != NULL)
    g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_TRACE]);
  g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_STATUS]);
  if (concurra_task_get_has_failed (task))
    g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_HAS_FAILED]);
  g_signal_emit (task, signals[SIGNAL_COMPLETED], 0);
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
    g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_EXECUTION_MODE]);
  g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_ATTEMPTS]);
  if (task->attempts == 2)
    g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_RETRIED]);
  g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_STATUS]);
}

/* Marks a task of a process runner that runs in a thread instead. */
void
concurra_task_set_fallback (ConcurraTask *task,
                            const char   *warning)
{
  task->fallback = TRUE;
  g_free (task->warning);
  task->warning = g_strdup (warning);
  g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_WARNING]);
}

/* Back to pending while a retry waits for its turn. */
void
concurra_task_mark_pending (ConcurraTask *task)
{
  g_atomic_int_set (&task->status, CONCURRA_TASK_STATUS_PENDING);
  g_object_notify_by_pspec (G_OBJECT (task), properties[PROP_STATUS]);
}
