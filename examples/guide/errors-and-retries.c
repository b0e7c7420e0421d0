/* errors-and-retries.c: a flaky task retried until it succeeds, a broken
 * one that fails, and the task that depended on it skipped.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

static void
flaky (ConcurraTask *task,
       GCancellable *cancellable,
       gpointer      user_data)
{
  int *calls = user_data;
  int call = g_atomic_int_add (calls, 1) + 1;

  if (call < 3)
    concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                                    "server busy (call %d)", call);
  else
    concurra_task_return_string (task, "data");
}

static void
broken (ConcurraTask *task,
        GCancellable *cancellable,
        gpointer      user_data)
{
  concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                  "config.ini is missing");
}

static void
publish (ConcurraTask *task,
         GCancellable *cancellable,
         gpointer      user_data)
{
  concurra_task_return_boolean (task, TRUE);
}

static void
on_task_retrying (ConcurraRunner *runner,
                  ConcurraTask   *task,
                  guint           attempt,
                  const GError   *error,
                  gpointer        user_data)
{
  g_print ("retrying %s: attempt %u failed: %s\n",
           concurra_task_get_label (task), attempt, error->message);
}

int
main (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("errors");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  const char *after_broken[] = { "broken", NULL };
  const char * const *retry_errors;
  ConcurraTask *task;
  int calls = 0;

  concurra_runner_set_verify_on_finish (runner, FALSE);      /* we call verify() below */
  concurra_runner_set_retry_delay (runner, 0.01);  /* 10 ms, then 20 ms, ... */

  task = concurra_runner_add_task (runner, "flaky", NULL, flaky, &calls, NULL, &error);
  concurra_task_set_retries (task, 3);
  concurra_runner_add_task (runner, "broken", NULL, broken, NULL, NULL, &error);
  concurra_runner_add_task (runner, "publish", after_broken, publish, NULL, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (runner, "task-retrying", G_CALLBACK (on_task_retrying), NULL);

  /* A failed task is not an error of the run: read it from the task. */
  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);

  task = g_hash_table_lookup (results, "flaky");
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpuint (concurra_task_get_attempts (task), ==, 3);
  retry_errors = concurra_task_get_retry_errors (task);
  g_assert_cmpuint (g_strv_length ((char **) retry_errors), ==, 2);
  g_print ("flaky: %s after %u attempts; first error: %s\n",
           g_value_get_string (concurra_task_get_value (task)),
           concurra_task_get_attempts (task), retry_errors[0]);

  task = g_hash_table_lookup (results, "broken");
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_error (concurra_task_get_error (task), G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_print ("broken: %s\n", concurra_task_get_error_message (task));

  task = g_hash_table_lookup (results, "publish");
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_error (concurra_task_get_error (task), CONCURRA_ERROR,
                  CONCURRA_ERROR_DEPENDENCY_FAILED);
  g_print ("publish: %s\n", concurra_task_get_error_message (task));

  /* verify() logs the report and fails when any task did. */
  g_assert_false (concurra_runner_verify (runner, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TASKS_FAILED);
  g_print ("verify: %s\n", error->message);
  return 0;
}
