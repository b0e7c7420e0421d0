/* bench-gthreadpool.c: the floor concurra-glib is measured against: a raw
 * GThreadPool of C threads; every item is pushed, the worker pushes a
 * completion onto a GAsyncQueue and the main thread pops them all. No
 * objects, no labels, no graph, no signals.
 *
 *   bench-gthreadpool [--tasks N] [--reps R] [--concurrency C]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>

#include "bench-common.h"

static void
worker (gpointer data,
        gpointer user_data)
{
  GAsyncQueue *done = user_data;

  /* the no-op "task", then report completion */
  g_async_queue_push (done, data);
}

static double
run_once (guint n_tasks,
          int   concurrency)
{
  g_autoptr(GError) error = NULL;
  GThreadPool *pool;
  GAsyncQueue *done;
  double t0, t1;

  t0 = bench_now ();

  done = g_async_queue_new ();
  pool = g_thread_pool_new (worker, done, concurrency, FALSE, &error);
  if (pool == NULL)
    g_error ("g_thread_pool_new: %s", error->message);

  for (guint i = 0; i < n_tasks; i++)
    if (!g_thread_pool_push (pool, GUINT_TO_POINTER (i + 1), &error))
      g_error ("push: %s", error->message);

  for (guint i = 0; i < n_tasks; i++)
    g_async_queue_pop (done);

  g_thread_pool_free (pool, FALSE, TRUE);
  g_async_queue_unref (done);

  t1 = bench_now ();
  return t1 - t0;
}

int
main (int   argc,
      char *argv[])
{
  guint n_tasks = 100000, reps = 7;
  int concurrency = 2;
  g_autofree double *times = NULL;
  double median;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--tasks") && i + 1 < argc)
        n_tasks = bench_parse_uint (argv[++i], "--tasks");
      else if (g_str_equal (argv[i], "--reps") && i + 1 < argc)
        reps = bench_parse_uint (argv[++i], "--reps");
      else if (g_str_equal (argv[i], "--concurrency") && i + 1 < argc)
        concurrency = (int) bench_parse_uint (argv[++i], "--concurrency");
      else
        {
          g_printerr ("usage: %s [--tasks N] [--reps R] [--concurrency C]\n", argv[0]);
          return 2;
        }
    }

  run_once (MIN (n_tasks, 1000), concurrency);

  times = g_new (double, reps);
  for (guint r = 0; r < reps; r++)
    {
      times[r] = run_once (n_tasks, concurrency);
      g_print ("gthreadpool: %u no-op items, %d threads, rep %u: %.3f s (%.2f us/item)\n",
               n_tasks, concurrency, r + 1, times[r], times[r] * 1e6 / n_tasks);
    }
  median = bench_median (times, reps);

  g_print ("RESULT name=gthreadpool tasks=%u concurrency=%d reps=%u best=%.6f median=%.6f\n",
           n_tasks, concurrency, reps, times[0], median);
  return 0;
}
