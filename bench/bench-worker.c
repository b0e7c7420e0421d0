/* bench-worker.c: ConcurraWorker (issue 16) — the round trip of one call on
 * an idle thread lane (submit, then wait for it), the throughput of N
 * calls on a pool of 2 thread lanes (submit all, then gather), and of N
 * tiny calls on 2 process lanes (this program is their worker). Prints one
 * line per measurement; bench/bench_worker_peers.py measures Python's
 * ThreadPoolExecutor(2) and multiprocessing.Pool(2) the same way.
 *
 *   bench-worker [roundtrip N] [throughput N] [process N]
 *   (default: roundtrip 2000 throughput 100000 process 10000)
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>

#include <concurra.h>

static void
noop_call (ConcurraTask *task,
           GObject      *instance,
           guint         lane,
           GCancellable *cancellable,
           gpointer      user_data)
{
}

static ConcurraTask *
call (ConcurraWorker *worker)
{
  g_autoptr(GError) error = NULL;
  ConcurraTask *task = concurra_worker_submit (worker, "noop", noop_call, NULL, NULL, &error);

  if (task == NULL)
    g_error ("%s", error->message);
  return task;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
roundtrip (guint n)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 1);
  double *samples = g_new (double, n);

  g_object_unref (call (worker));   /* the lane's thread exists now */
  for (guint i = 0; i < n; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(ConcurraTask) task = call (worker);

      if (!concurra_task_wait (task, 30, NULL, NULL))
        g_error ("a call did not finish");
      samples[i] = (double) (g_get_monotonic_time () - start);
    }
  qsort (samples, n, sizeof (double), compare_doubles);
  g_print ("roundtrip calls=%u median_us=%.1f p90_us=%.1f\n", n, samples[n / 2], samples[n * 9 / 10]);
  g_free (samples);
  concurra_worker_stop (worker);
}

static void
throughput (guint n)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 2);
  g_autoptr(GPtrArray) calls = g_ptr_array_new_full (n, g_object_unref);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  double seconds;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (calls, call (worker));
  done = concurra_gather ((ConcurraTask **) calls->pdata, n, CONCURRA_GATHER_NONE, 300, NULL, &error);
  if (done == NULL)
    g_error ("%s", error->message);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_print ("throughput calls=%u lanes=2 seconds=%.3f us_per_call=%.2f\n", n, seconds, seconds * 1e6 / n);
  concurra_worker_stop (worker);
}

static GVariant *
noop_function (GVariant      *args,
               GCancellable  *cancellable,
               gpointer       user_data,
               GError       **error)
{
  return NULL;
}

static void
process (guint n)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_PROCESS, 2);
  g_autoptr(GPtrArray) calls = g_ptr_array_new_full (n, g_object_unref);
  g_autoptr(GPtrArray) warm = g_ptr_array_new_full (2, g_object_unref);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  double seconds;

  /* both processes started before the clock */
  for (guint i = 0; i < 2; i++)
    g_ptr_array_add (warm, concurra_worker_call_function (worker, "noop", NULL, &error));
  done = concurra_gather ((ConcurraTask **) warm->pdata, 2, CONCURRA_GATHER_NONE, 30, NULL, &error);
  g_clear_pointer (&done, g_ptr_array_unref);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (calls, concurra_worker_call_function (worker, "noop", NULL, &error));
  done = concurra_gather ((ConcurraTask **) calls->pdata, n, CONCURRA_GATHER_NONE, 300, NULL, &error);
  if (done == NULL)
    g_error ("%s", error->message);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_print ("process calls=%u lanes=2 seconds=%.3f calls_per_s=%.0f\n", n, seconds, n / seconds);
  concurra_worker_stop (worker);
}

int
main (int   argc,
      char *argv[])
{
  concurra_worker_register ("noop", noop_function, NULL, NULL);
  concurra_worker_main ();

  if (argc == 1)
    {
      roundtrip (2000);
      throughput (100000);
      process (10000);
      return 0;
    }
  for (int i = 1; i + 1 < argc; i += 2)
    {
      guint n = (guint) strtoul (argv[i + 1], NULL, 10);

      if (strcmp (argv[i], "roundtrip") == 0)
        roundtrip (n);
      else if (strcmp (argv[i], "throughput") == 0)
        throughput (n);
      else if (strcmp (argv[i], "process") == 0)
        process (n);
      else
        g_error ("usage: %s [roundtrip N] [throughput N] [process N]", argv[0]);
    }
  return 0;
}
