/* bench-noop.c: end-to-end cost of N no-op tasks on a ConcurraRunner:
 * create the runner, add every task with a NULL label and no dependencies,
 * run it synchronously, free the results and the runner. Repeated; prints
 * every repetition, the best and the median.
 *
 *   bench-noop [--tasks N] [--reps R] [--concurrency C] [--defaults]
 *
 * By default the runner's "verify" report is turned off (the peers print no
 * report either); --defaults keeps every property at its default value.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

#include "bench-common.h"

static void
noop (ConcurraTask *task,
      GCancellable *cancellable,
      gpointer      user_data)
{
}

static double
run_once (guint    n_tasks,
          int      concurrency,
          gboolean defaults)
{
  g_autoptr(GError) error = NULL;
  ConcurraRunner *runner;
  GHashTable *results;
  double t0, t1;

  t0 = bench_now ();

  runner = concurra_runner_new ("bench-noop");
  concurra_runner_set_max_concurrency (runner, concurrency);
  if (!defaults)
    concurra_runner_set_verify_on_finish (runner, FALSE);

  for (guint i = 0; i < n_tasks; i++)
    if (!concurra_runner_add_task (runner, NULL, NULL, noop, NULL, NULL, &error))
      g_error ("add %u: %s", i, error->message);

  results = concurra_runner_run (runner, NULL, &error);
  if (results == NULL)
    g_error ("run: %s", error->message);
  if (g_hash_table_size (results) != n_tasks ||
      concurra_runner_get_n_completed (runner) != n_tasks ||
      concurra_runner_get_n_failed (runner) != 0)
    g_error ("run: %u results, %u completed, %u failed (expected %u, %u, 0)",
             g_hash_table_size (results), concurra_runner_get_n_completed (runner),
             concurra_runner_get_n_failed (runner), n_tasks, n_tasks);
  g_hash_table_unref (results);
  g_object_unref (runner);

  t1 = bench_now ();
  return t1 - t0;
}

int
main (int   argc,
      char *argv[])
{
  guint n_tasks = 100000, reps = 7;
  int concurrency = 2;
  gboolean defaults = FALSE;
  g_autofree double *times = NULL;
  double best, median;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--tasks") && i + 1 < argc)
        n_tasks = bench_parse_uint (argv[++i], "--tasks");
      else if (g_str_equal (argv[i], "--reps") && i + 1 < argc)
        reps = bench_parse_uint (argv[++i], "--reps");
      else if (g_str_equal (argv[i], "--concurrency") && i + 1 < argc)
        concurrency = (int) bench_parse_uint (argv[++i], "--concurrency");
      else if (g_str_equal (argv[i], "--defaults"))
        defaults = TRUE;
      else
        {
          g_printerr ("usage: %s [--tasks N] [--reps R] [--concurrency C] [--defaults]\n", argv[0]);
          return 2;
        }
    }

  /* Warm-up: type registration, first thread pool, malloc arenas. */
  run_once (MIN (n_tasks, 1000), concurrency, defaults);

  times = g_new (double, reps);
  for (guint r = 0; r < reps; r++)
    {
      times[r] = run_once (n_tasks, concurrency, defaults);
      g_print ("concurra%s: %u no-op tasks, max-concurrency %d, rep %u: %.3f s (%.2f us/task)\n",
               defaults ? " (defaults)" : "", n_tasks, concurrency, r + 1,
               times[r], times[r] * 1e6 / n_tasks);
    }
  median = bench_median (times, reps);
  best = times[0];

  g_print ("RESULT name=%s tasks=%u concurrency=%d reps=%u best=%.6f median=%.6f\n",
           defaults ? "concurra-defaults" : "concurra", n_tasks, concurrency, reps,
           best, median);
  return 0;
}
