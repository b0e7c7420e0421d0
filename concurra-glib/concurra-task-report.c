/* concurra-task-report.c: how a task reports the outcome of an attempt:
 * the return functions its function calls, the report gate of main-context
 * tasks (with their constructor: an attempt of theirs ends at its report,
 * not when the function returns), and the hand-over of the outcome to the
 * owner when the attempt ends.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-executor-private.h"
#include "concurra-task-private.h"

#include <string.h>

/* Empties a result value, freeing a pointer result with its destroy
 * function. Values start zeroed, so a type of 0 means "no value". */
void
concurra_value_reset (GValue         *value,
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

void
concurra_outcome_clear (ConcurraOutcome *outcome)
{
  concurra_value_reset (&outcome->value, &outcome->pointer_destroy);
  g_clear_error (&outcome->error);
  g_clear_pointer (&outcome->trace, g_free);
  outcome->reported = FALSE;
}

/**
 * concurra_task_new_main_context:
 * @name: (nullable): what the task runs, for reports; %NULL uses the label
 * @func: (scope notified) (closure user_data) (destroy destroy): starts the work
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the task is finalized
 *
 * Creates a main-context task: @func is called on the runner's owner main
 * context (the thread of a GTK application's main loop after
 * [method@Concurra.Runner.run_async]), starts the work and returns at once;
 * the attempt ends when the task reports its outcome with one of the
 * `return` methods, from any thread, for example from the callback of an
 * asynchronous call. A report that comes after the attempt ended (timeout,
 * abort, cancel) is dropped, its value freed; one that comes while a retry
 * runs counts for the retry, so stop pending work when the cancellable
 * fires.
 *
 * @func says whether it started the work: when it returns %FALSE with an
 * error (in JavaScript or Vala: when it throws), the attempt fails at once
 * with that error instead of waiting forever for a report that never
 * comes; when it returns %FALSE without one, with a %CONCURRA_ERROR_FAILED
 * error naming the task. A JavaScript function must therefore end with
 * `return true`.
 *
 * This is the task to use from JavaScript, where functions cannot run on
 * worker threads, and for work that is asynchronous already. Attach timers
 * and idles to the thread-default main context
 * (g_main_context_ref_thread_default()): during a blocking
 * [method@Concurra.Runner.run] it is a private one, and the global default
 * context is not iterated.
 *
 * No thread waits for the task while its work is pending; it holds one of
 * the runner's max-concurrency permits, which for work that holds no
 * thread can be set far above the number of CPUs, and has timeouts,
 * retries and cancellation like any task. Its execution mode is
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

  self = g_object_new (CONCURRA_TYPE_TASK, NULL);
  self->name = g_strdup (name);
  self->executor = &concurra_main_context_executor;
  self->start_func = func;
  self->func_data = user_data;
  self->func_destroy = destroy;
  self->report_gate = g_new0 (ConcurraReportGate, 1);
  g_mutex_init (&self->report_gate->lock);
  return self;
}

/* The report gate of a main-context task's attempt, opened by its executor
 * when the attempt starts. */
void
concurra_task_open_reports (ConcurraTask       *task,
                            ConcurraReportFunc  on_report,
                            gpointer            data)
{
  g_mutex_lock (&task->report_gate->lock);
  task->report_gate->open = TRUE;
  task->report_gate->on_report = on_report;
  task->report_gate->data = data;
  g_mutex_unlock (&task->report_gate->lock);
}

/* Closes the gate without a report (the attempt was cancelled): a report
 * that comes later is dropped. Returns whether it was open. */
gboolean
concurra_task_close_reports (ConcurraTask *task)
{
  gboolean was_open;

  g_mutex_lock (&task->report_gate->lock);
  was_open = task->report_gate->open;
  task->report_gate->open = FALSE;
  g_mutex_unlock (&task->report_gate->lock);
  return was_open;
}

/* Reporting from the task function. The outcome block belongs to the
 * executor running the current attempt; the owner reads it after the done
 * event. A main-context task reports from any thread, at any time: its
 * outcome is written under the gate's lock, and only while the gate is open
 * (held from here to end_report()). Returns NULL when the report is to be
 * dropped. */
static ConcurraOutcome *
begin_report (ConcurraTask *self)
{
  if (self->report_gate != NULL)
    {
      g_mutex_lock (&self->report_gate->lock);
      if (!self->report_gate->open)
        {
          /* late: the attempt ended by a report, timeout, abort or cancellation */
          g_mutex_unlock (&self->report_gate->lock);
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

/* A main-context task's first report ends its attempt. */
static void
end_report (ConcurraTask *self)
{
  ConcurraReportFunc on_report;
  gpointer data;

  if (self->report_gate == NULL)
    return;
  self->report_gate->open = FALSE;
  on_report = self->report_gate->on_report;
  data = self->report_gate->data;
  g_mutex_unlock (&self->report_gate->lock);
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

/* ---- the owner's side: an attempt begins, and its outcome is taken ---- */

/* Prepares a new attempt before it is queued for a worker; the lane that
 * takes it gives it a cancellable. The owner counts the attempt when it
 * hears that it started; the attempt's own number is set here, before any
 * thread can run it, for concurra_task_get_attempts() from its function. */
void
concurra_task_begin_attempt (ConcurraTask *task)
{
  concurra_outcome_clear (&task->outcome);
  task->outcome.attempt = task->attempts + 1;
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
      concurra_value_reset (&task->value, &task->pointer_destroy);
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
      concurra_outcome_clear (outcome);
      return FALSE;
    }

  concurra_outcome_clear (outcome);
  return TRUE;
}

/* Drops the outcome of an attempt whose task already has its final status,
 * such as the late result of a timed-out thread. */
void
concurra_task_discard_attempt (ConcurraTask *task)
{
  concurra_outcome_clear (&task->outcome);
}
