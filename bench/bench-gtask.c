/* bench-gtask.c: the GIO peer of bench-noop — N no-op GTasks run with
 * g_task_run_in_thread(), their callbacks delivered on a main loop, end to
 * end (create, run, collect every result, free), as an application would
 * run N functions in threads with GIO alone.
 *
 *   bench-gtask [--tasks N] [--reps R]
 *
 * g_task_run_in_thread() uses GIO's own thread pool (at most 10 threads,
 * growing with demand), which cannot be limited to a concurrency; the
 * figure is what GIO gives out of the box.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gio/gio.h>

#include "bench-common.h"

typedef struct
{
  guint      remaining;
  GMainLoop *loop;
} Batch;

static void
noop_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_task_return_boolean (task, TRUE);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Batch *batch = user_data;

  g_task_propagate_boolean (G_TASK (result), NULL);
  if (--batch->remaining == 0)
    g_main_loop_quit (batch->loop);
}

static double
run_once (guint n_tasks)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Batch batch = { n_tasks, g_main_loop_new (context, FALSE) };
  double start = bench_now ();

  g_main_context_push_thread_default (context);
  for (guint i = 0; i < n_tasks; i++)
    {
      GTask *task = g_task_new (NULL, NULL, on_done, &batch);

      g_task_run_in_thread (task, noop_thread);
      g_object_unref (task);
    }
  g_main_loop_run (batch.loop);
  g_main_context_pop_thread_default (context);
  g_main_loop_unref (batch.loop);
  return bench_now () - start;
}

int
main (int   argc,
      char *argv[])
{
  guint n_tasks = 100000, reps = 7;
  g_autofree double *times = NULL;
  double median;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--tasks") && i + 1 < argc)
        n_tasks = bench_parse_uint (argv[++i], "--tasks");
      else if (g_str_equal (argv[i], "--reps") && i + 1 < argc)
        reps = bench_parse_uint (argv[++i], "--reps");
      else
        {
          g_printerr ("usage: %s [--tasks N] [--reps R]\n", argv[0]);
          return 2;
        }
    }

  run_once (MIN (n_tasks, 1000));
  times = g_new (double, reps);
  for (guint r = 0; r < reps; r++)
    {
      times[r] = run_once (n_tasks);
      g_print ("g_task_run_in_thread: %u no-op tasks, rep %u: %.3f s (%.2f us/task)\n",
               n_tasks, r + 1, times[r], times[r] * 1e6 / n_tasks);
    }
  median = bench_median (times, reps);
  g_print ("RESULT name=gtask-run-in-thread tasks=%u reps=%u best=%.6f median=%.6f us_per_task=%.3f\n",
           n_tasks, reps, times[0], median, median * 1e6 / n_tasks);
  return 0;
}
