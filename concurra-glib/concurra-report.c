/* concurra-report.c: the report of a run, for people and for callers.
 *
 * The table that verify() logs and format_report() returns, the
 * TASKS_FAILED error that names the failed tasks, the label -> task table
 * that run() and wait() return, and the structured log lines a runner
 * writes (field CONCURRA_RUNNER, only when its settings ask for them).
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-format-private.h"
#include "concurra-report-private.h"

void
concurra_log_runner (const char     *name,
                     GLogLevelFlags  level,
                     const char     *format,
                     ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_log_structured (G_LOG_DOMAIN, level,
                    "CONCURRA_RUNNER", name,
                    "MESSAGE", "%s", message);
}

/* label, task, status and duration, one row per task */
char *
concurra_report_format (ConcurraReport report)
{
  static const char * const headers[] = { "label", "task", "status", "duration" };
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < report.tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (report.tasks, i);

      g_ptr_array_add (cells, g_strdup (task->label));
      g_ptr_array_add (cells, g_strdup (concurra_task_get_name (task)));
      g_ptr_array_add (cells, g_strdup (concurra_task_status_to_string (concurra_task_get_status (task))));
      g_ptr_array_add (cells, concurra_format_duration (task->duration));
    }
  return concurra_format_table (headers, G_N_ELEMENTS (headers), cells);
}

GError *
concurra_report_failed_error (ConcurraReport report)
{
  GString *labels = g_string_new (NULL);
  GError *error;

  for (guint i = 0; i < report.tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (report.tasks, i);

      if (concurra_task_get_has_failed (task))
        g_string_append_printf (labels, "%s'%s'", labels->len ? ", " : "", task->label);
    }
  error = g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_TASKS_FAILED,
                       "%s%s%u of %u tasks failed: %s",
                       report.error_message ? report.error_message : "",
                       report.error_message ? ": " : "",
                       report.n_failed, report.tasks->len, labels->str);
  g_string_free (labels, TRUE);
  return error;
}

void
concurra_report_log (ConcurraReport report)
{
  g_autofree char *table = concurra_report_format (report);

  if (report.n_failed == 0)
    concurra_log_runner (report.name, G_LOG_LEVEL_INFO, "\n%s", table);
  else
    concurra_log_runner (report.name, G_LOG_LEVEL_MESSAGE, "%s%s%u of %u tasks failed\n%s",
                         report.error_message ? report.error_message : "",
                         report.error_message ? ": " : "",
                         report.n_failed, report.tasks->len, table);
}

GHashTable *
concurra_report_results (GPtrArray *tasks)
{
  GHashTable *results = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);

  for (guint i = 0; i < tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (tasks, i);

      g_hash_table_insert (results, task->label, g_object_ref (task));
    }
  return results;
}
