/* concurra-task-record.c: the record of how a task went, as a whole:
 * concurra_task_to_variant(), the dictionary with the fields of Concurra's
 * result structure, and the errors as that record shows them ("Type:
 * message"): the task's own error and those of the attempts that were
 * retried, which the owner adds as they happen. The fields one by one are
 * read with the accessors of concurra-task.c.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-enum-types.h"
#include "concurra-error.h"
#include "concurra-format-private.h"
#include "concurra-task-private.h"

#include <math.h>
#include <string.h>

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

/* ---- the errors, as the record shows them ---- */

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
