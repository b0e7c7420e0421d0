/* performance.c: many small tasks; what a task costs to schedule. The
 * tasks share one function (ConcurraFunction), each called with its
 * index into the program's own arrays.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

#define N_TASKS 20000

static double inputs[N_TASKS], outputs[N_TASKS];

static void
square (guint64  id,
        gpointer user_data)
{
  /* no value reported: success; the result goes to the caller's array */
  outputs[id] = inputs[id] * inputs[id];
}

int
main (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("performance");
  g_autoptr(ConcurraFunction) function = NULL;
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start, added, ran;

  concurra_runner_set_verify_on_finish (runner, FALSE);      /* no 20 000-row report */
  concurra_runner_set_max_concurrency (runner, 0); /* one per CPU */

  function = concurra_function_new ("square", square, NULL, NULL);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_TASKS; i++)
    {
      inputs[i] = i;
      /* NULL labels are the task's index; each depends on nothing */
      if (!concurra_runner_add_function (runner, NULL, NULL, function, i, &error))
        g_error ("%s", error->message);
    }
  added = g_get_monotonic_time ();
  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);
  ran = g_get_monotonic_time ();

  g_print ("%d tasks on %d threads: add %.2f us/task, run %.2f us/task\n",
           N_TASKS, concurra_runner_get_max_concurrency (runner),
           (double) (added - start) / N_TASKS, (double) (ran - added) / N_TASKS);
  g_assert_cmpuint (g_hash_table_size (results), ==, N_TASKS);
  g_assert_cmpuint (concurra_runner_get_n_completed (runner), ==, N_TASKS);
  g_assert_cmpuint (concurra_runner_get_n_failed (runner), ==, 0);
  g_assert_cmpfloat (outputs[N_TASKS - 1], ==, (double) (N_TASKS - 1) * (N_TASKS - 1));
  return 0;
}
