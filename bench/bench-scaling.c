/* bench-scaling.c: how the runner's time and memory grow with the number of
 * tasks. One size per process so that the peak RSS (VmHWM) belongs to that
 * size alone:
 *
 *   bench-scaling independent N [--concurrency C]   N tasks, no dependencies,
 *                                                   NULL labels
 *   bench-scaling chain N [--concurrency C]         task "tI" depends on
 *                                                   "t(I-1)"
 *   bench-scaling fan-in N [--concurrency C]        N-1 independent tasks and
 *                                                   one that depends on all
 *                                                   of them
 *
 * Prints the time of each phase (add, run, free), the total, microseconds
 * per task, and the peak RSS above the pre-run baseline divided by N.
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

typedef enum { INDEPENDENT, CHAIN, FAN_IN } Shape;

static const char *const shape_names[] = { "independent", "chain", "fan-in" };

static void
add_tasks (ConcurraRunner *runner,
           guint           n_tasks,
           Shape           shape)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  char label[32], prev[32];

  if (shape == FAN_IN)
    {
      all = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i + 1 < n_tasks; i++)
        {
          g_ptr_array_add (all, g_strdup_printf ("t%u", i));
          if (!concurra_runner_add_task (runner, all->pdata[i], NULL, noop, NULL, NULL, &error))
            g_error ("add %u: %s", i, error->message);
        }
      g_ptr_array_add (all, NULL);
      if (!concurra_runner_add_task (runner, "sink", (const char * const *) all->pdata,
                                     noop, NULL, NULL, &error))
        g_error ("add sink: %s", error->message);
      return;
    }

  for (guint i = 0; i < n_tasks; i++)
    {
      ConcurraTask *task;

      if (shape == CHAIN)
        {
          const char *deps[] = { prev, NULL };

          g_snprintf (label, sizeof label, "t%u", i);
          task = concurra_runner_add_task (runner, label, i > 0 ? deps : NULL,
                                           noop, NULL, NULL, &error);
          memcpy (prev, label, sizeof label);
        }
      else
        task = concurra_runner_add_task (runner, NULL, NULL, noop, NULL, NULL, &error);

      if (task == NULL)
        g_error ("add %u: %s", i, error->message);
    }
}

/* Makes sure the types are registered and the allocator warmed up before
 * the baseline RSS is read. */
static void
warm_up (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("warm-up");
  GHashTable *results;

  concurra_runner_set_verify_on_finish (runner, FALSE);
  add_tasks (runner, 10, INDEPENDENT);
  results = concurra_runner_run (runner, NULL, NULL);
  g_clear_pointer (&results, g_hash_table_unref);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  ConcurraRunner *runner;
  GHashTable *results;
  Shape shape = G_N_ELEMENTS (shape_names);
  guint n_tasks;
  int concurrency = 2;
  double t0, t_add, t_run, t_free, total;
  gsize rss_base, hwm, rss_after;
  double bytes_per_task;

  for (guint i = 0; argc >= 3 && i < G_N_ELEMENTS (shape_names); i++)
    if (g_str_equal (argv[1], shape_names[i]))
      shape = i;
  if (shape == G_N_ELEMENTS (shape_names))
    {
      g_printerr ("usage: %s independent|chain|fan-in N [--concurrency C]\n", argv[0]);
      return 2;
    }
  n_tasks = bench_parse_uint (argv[2], "N");
  for (int i = 3; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--concurrency") && i + 1 < argc)
        concurrency = (int) bench_parse_uint (argv[++i], "--concurrency");
      else
        {
          g_printerr ("usage: %s independent|chain|fan-in N [--concurrency C]\n", argv[0]);
          return 2;
        }
    }

  warm_up ();
  rss_base = bench_rss ();

  t0 = bench_now ();
  runner = concurra_runner_new ("bench-scaling");
  concurra_runner_set_max_concurrency (runner, concurrency);
  concurra_runner_set_verify_on_finish (runner, FALSE);
  add_tasks (runner, n_tasks, shape);
  t_add = bench_now ();

  results = concurra_runner_run (runner, NULL, &error);
  if (results == NULL)
    g_error ("run: %s", error->message);
  t_run = bench_now ();
  if (concurra_runner_get_n_completed (runner) != n_tasks ||
      concurra_runner_get_n_failed (runner) != 0)
    g_error ("run: %u completed, %u failed (expected %u, 0)",
             concurra_runner_get_n_completed (runner),
             concurra_runner_get_n_failed (runner), n_tasks);
  hwm = bench_peak_rss ();

  g_hash_table_unref (results);
  g_object_unref (runner);
  t_free = bench_now ();
  rss_after = bench_rss ();

  total = t_free - t0;
  bytes_per_task = hwm > rss_base ? (double) (hwm - rss_base) / n_tasks : 0.0;

  g_print ("%s %u tasks: add %.3f s, run %.3f s, free %.3f s, total %.3f s = %.3f us/task; "
           "peak RSS %.1f MiB over a %.1f MiB baseline = %.0f bytes/task; RSS after free %.1f MiB\n",
           shape_names[shape], n_tasks,
           t_add - t0, t_run - t_add, t_free - t_run, total, total * 1e6 / n_tasks,
           hwm / 1048576.0, rss_base / 1048576.0, bytes_per_task, rss_after / 1048576.0);
  g_print ("RESULT name=scaling-%s tasks=%u concurrency=%d add=%.6f run=%.6f free=%.6f "
           "total=%.6f us_per_task=%.4f rss_base=%" G_GSIZE_FORMAT " peak_rss=%" G_GSIZE_FORMAT
           " bytes_per_task=%.1f rss_after_free=%" G_GSIZE_FORMAT "\n",
           shape_names[shape], n_tasks, concurrency,
           t_add - t0, t_run - t_add, t_free - t_run, total, total * 1e6 / n_tasks,
           rss_base, hwm, bytes_per_task, rss_after);
  return 0;
}
