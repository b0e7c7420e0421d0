/* timeouts-and-cancellation.c: a task that outlives its timeout, a task
 * cancelled on its own, and a run aborted from outside.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

/* Works for up to @user_data milliseconds, but stops as soon as the runner
 * cancels the task: a thread cannot be killed, so the function must watch
 * its cancellable. */
static void
work (ConcurraTask *task,
      GCancellable *cancellable,
      gpointer      user_data)
{
  GPollFD pollfd;

  if (g_cancellable_make_pollfd (cancellable, &pollfd))
    {
      g_poll (&pollfd, 1, GPOINTER_TO_INT (user_data));
      g_cancellable_release_fd (cancellable);
    }
  if (!g_cancellable_is_cancelled (cancellable))
    concurra_task_return_string (task, "done");
}

int
main (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("timeouts");
  g_autoptr(ConcurraRunner) background = concurra_runner_new ("background");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  const char *after_slow[] = { "slow", NULL };
  ConcurraTask *slow, *quick, *next, *first, *second;

  concurra_runner_set_verify_on_finish (runner, FALSE);
  concurra_runner_set_timeout (runner, 5);   /* the default for every task */
  slow = concurra_runner_add_task (runner, "slow", NULL, work, GINT_TO_POINTER (10000),
                                   NULL, &error);
  concurra_task_set_timeout (slow, 0.2);     /* this one gets 200 ms */
  quick = concurra_runner_add_task (runner, "quick", NULL, work, GINT_TO_POINTER (10),
                                    NULL, &error);
  next = concurra_runner_add_task (runner, "next", after_slow, work, GINT_TO_POINTER (10),
                                   NULL, &error);
  g_assert_no_error (error);

  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (concurra_task_get_status (quick), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (concurra_task_get_status (slow), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_error (concurra_task_get_error (slow), CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_print ("slow: %s\n", concurra_task_get_error_message (slow));
  g_print ("next: %s\n", concurra_task_get_error_message (next));

  /* In the background: cancel one task, then abort the whole run. */
  concurra_runner_set_verify_on_finish (background, FALSE);
  first = concurra_runner_add_task (background, "first", NULL, work,
                                    GINT_TO_POINTER (10000), NULL, &error);
  second = concurra_runner_add_task (background, "second", NULL, work,
                                     GINT_TO_POINTER (10000), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (concurra_runner_start (background, &error));

  g_assert_true (concurra_task_cancel (first));
  g_assert_true (concurra_task_wait (first, -1, NULL, &error));
  g_print ("first: %s\n", concurra_task_get_error_message (first));

  concurra_runner_abort (background);
  g_clear_pointer (&results, g_hash_table_unref);
  results = concurra_runner_wait (background, NULL, &error);
  g_assert_no_error (error);
  g_assert_error (concurra_task_get_error (second), CONCURRA_ERROR,
                  CONCURRA_ERROR_TERMINATED);
  g_print ("second: %s\n", concurra_task_get_error_message (second));
  return 0;
}
