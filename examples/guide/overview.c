/* overview.c: the smallest pipeline, two tasks where one waits for the other.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

static void
greet (ConcurraTask *task,
       GCancellable *cancellable,
       gpointer      user_data)
{
  concurra_task_return_string (task, "Hello, world");
}

static void
answer (ConcurraTask *task,
        GCancellable *cancellable,
        gpointer      user_data)
{
  concurra_task_return_int (task, 42);
}

int
main (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("overview");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *report = NULL;
  const char *after_greet[] = { "greet", NULL };
  ConcurraTask *task;

  concurra_runner_add_task (runner, "greet", NULL, greet, NULL, NULL, &error);
  g_assert_no_error (error);
  concurra_runner_add_task (runner, "answer", after_greet, answer, NULL, NULL, &error);
  g_assert_no_error (error);

  /* Blocks until every task has its final status; label -> ConcurraTask. */
  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);

  task = g_hash_table_lookup (results, "greet");
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_print ("greet: %s\n", g_value_get_string (concurra_task_get_value (task)));

  task = g_hash_table_lookup (results, "answer");
  g_assert_cmpint (g_value_get_int64 (concurra_task_get_value (task)), ==, 42);
  g_print ("answer: %" G_GINT64_FORMAT "\n",
           g_value_get_int64 (concurra_task_get_value (task)));

  report = concurra_runner_format_report (runner);
  g_print ("%s\n", report);
  return 0;
}
