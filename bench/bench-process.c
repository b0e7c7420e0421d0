/* bench-process.c: process mode against its peers.
 *
 *   bench-process tiny  [--tasks N] [--reps R] [--concurrency C]
 *   bench-process cpu   [--tasks N] [--seconds S] [--reps R] [--concurrency C]
 *   bench-process spawn [--tasks N] [--reps R] [--concurrency C]
 *
 * tiny:  N tiny process tasks (the registered function "square" on an int64)
 *        on a PROCESS runner at max-concurrency C, end to end: create the
 *        runner, add the tasks, run (the workers are spawned lazily, inside
 *        the timing, and shut down at its end), free.
 * cpu:   N CPU-bound process tasks of S seconds of CPU each, at
 *        max-concurrency C and at max-concurrency 1 (a single worker);
 *        prints both and the speed-up. As a control, the same burns on C
 *        plain threads of this process and on one thread, no library: the
 *        speed-up the machine allows at that moment (a shared machine
 *        rarely gives C whole CPUs).
 * spawn: the naive alternative: one GSubprocess per task (this program run
 *        as `bench-process --square X`, its answer read from its stdout), C
 *        at a time on a main loop.
 *
 * The program is its own worker: it registers its functions and calls
 * concurra_worker_main() first, and the runners keep the default worker
 * command (re-execute /proc/self/exe). bench_mp.py is the Python peer
 * (multiprocessing.Pool); compare.py runs them all in one go.
 *
 * Every measurement prints a RESULT line (see bench-common.h).
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

#include <sys/resource.h>
#include <time.h>

#include "bench-common.h"

/* ---- the worker's functions ---- */

static GVariant *
fn_square (GVariant      *args,
           GCancellable  *cancellable,
           gpointer       user_data,
           GError       **error)
{
  gint64 x;

  g_variant_get (args, "(x)", &x);
  return g_variant_new_int64 (x * x);
}

static double
thread_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static guint64
burn (double seconds)
{
  volatile guint64 x = 1;
  guint64 iterations = 0;
  double end = thread_cpu_seconds () + seconds;

  while (thread_cpu_seconds () < end)
    {
      for (int i = 0; i < 10000; i++)
        x = x * 6364136223846793005u + 1442695040888963407u;
      iterations++;
    }
  return iterations;
}

/* (d seconds): burns that much CPU time; returns the iterations */
static GVariant *
fn_burn (GVariant      *args,
         GCancellable  *cancellable,
         gpointer       user_data,
         GError       **error)
{
  double seconds;

  g_variant_get (args, "(d)", &seconds);
  return g_variant_new_uint64 (burn (seconds));
}

/* ---- helpers ---- */

static ConcurraRunner *
new_runner (int concurrency)
{
  ConcurraRunner *runner = concurra_runner_new ("bench-process");

  concurra_runner_set_verify_on_finish (runner, FALSE);
  concurra_runner_set_execution_mode (runner, CONCURRA_EXECUTION_MODE_PROCESS);
  concurra_runner_set_max_concurrency (runner, concurrency);
  return runner;
}

static void
run_checked (ConcurraRunner *runner,
             guint           n_tasks)
{
  g_autoptr(GError) error = NULL;
  GHashTable *results = concurra_runner_run (runner, NULL, &error);

  if (results == NULL)
    g_error ("run: %s", error->message);
  if (concurra_runner_get_n_completed (runner) != n_tasks || concurra_runner_get_n_failed (runner) != 0)
    {
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (runner)); i++)
        {
          g_autoptr(ConcurraTask) task = g_list_model_get_item (G_LIST_MODEL (runner), i);

          if (concurra_task_get_has_failed (task))
            g_error ("task %s failed: %s", concurra_task_get_label (task),
                     concurra_task_get_error_message (task));
        }
      g_error ("%u of %u tasks completed", concurra_runner_get_n_completed (runner), n_tasks);
    }
  g_hash_table_unref (results);
}

/* "t1,t2,...": every repetition, so that compare.py can pool the
 * repetitions of several interleaved invocations */
static char *
join_times (const double *times,
            guint         n)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "%s%.6f", i ? "," : "", times[i]);
  return g_string_free (text, FALSE);
}

static void
report (const char *name,
        const char *what,
        guint       n_tasks,
        int         concurrency,
        double     *times,
        guint       reps)
{
  g_autofree char *all = join_times (times, reps);
  double median = bench_median (times, reps);
  double best = times[0];

  g_print ("RESULT name=%s tasks=%u concurrency=%d reps=%u best=%.6f median=%.6f "
           "tasks_per_s=%.1f best_tasks_per_s=%.1f times=%s\n",
           name, n_tasks, concurrency, reps, best, median, n_tasks / median, n_tasks / best, all);
  g_print ("%s: median %.3f s, %.0f tasks/s (best %.3f s, %.0f tasks/s)\n",
           what, median, n_tasks / median, best, n_tasks / best);
}

/* ---- tiny tasks ---- */

/* CPU seconds (user + system) of this process and its reaped children */
static double
cpu_seconds (void)
{
  struct rusage self, children;

  getrusage (RUSAGE_SELF, &self);
  getrusage (RUSAGE_CHILDREN, &children);
  return self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 + self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6 +
         children.ru_utime.tv_sec + children.ru_utime.tv_usec / 1e6 +
         children.ru_stime.tv_sec + children.ru_stime.tv_usec / 1e6;
}

static double last_cpu;

static double
tiny_once (guint n_tasks,
           int   concurrency)
{
  ConcurraRunner *runner;
  double c0 = cpu_seconds ();
  double t0 = bench_now ();

  runner = new_runner (concurrency);
  for (guint i = 0; i < n_tasks; i++)
    if (!concurra_runner_add_process_task (runner, NULL, NULL, "square",
                                           g_variant_new ("(x)", (gint64) i), NULL))
      g_error ("add failed");
  run_checked (runner, n_tasks);
  g_object_unref (runner);
  t0 = bench_now () - t0;
  /* the workers were reaped when the run ended */
  last_cpu = cpu_seconds () - c0;
  return t0;
}

static void
bench_tiny (guint n_tasks,
            guint reps,
            int   concurrency)
{
  g_autofree double *times = g_new (double, reps);
  g_autofree double *cpu = g_new (double, reps);

  tiny_once (MIN (n_tasks, 500), concurrency);
  for (guint r = 0; r < reps; r++)
    {
      times[r] = tiny_once (n_tasks, concurrency);
      cpu[r] = last_cpu;
      g_print ("concurra process: %u tiny tasks, max-concurrency %d, rep %u: %.3f s (%.0f tasks/s), "
               "%.1f us CPU per task\n",
               n_tasks, concurrency, r + 1, times[r], n_tasks / times[r], cpu[r] * 1e6 / n_tasks);
    }
  g_print ("RESULT name=process-tiny-cpu tasks=%u median_cpu_us_per_task=%.2f\n",
           n_tasks, bench_median (cpu, reps) * 1e6 / n_tasks);
  report ("process-tiny", "concurra process, tiny tasks", n_tasks, concurrency, times, reps);
}

/* ---- CPU-bound tasks ---- */

static double
cpu_once (guint  n_tasks,
          double seconds,
          int    concurrency)
{
  ConcurraRunner *runner;
  double t0 = bench_now ();

  runner = new_runner (concurrency);
  for (guint i = 0; i < n_tasks; i++)
    concurra_runner_add_process_task (runner, NULL, NULL, "burn", g_variant_new ("(d)", seconds), NULL);
  run_checked (runner, n_tasks);
  g_object_unref (runner);
  return bench_now () - t0;
}

/* The control: @n_tasks burns shared by @n_threads plain threads. */
typedef struct
{
  guint  n_burns;
  double seconds;
} Burner;

static gpointer
burner_thread (gpointer data)
{
  Burner *burner = data;

  for (guint i = 0; i < burner->n_burns; i++)
    burn (burner->seconds);
  return NULL;
}

static double
control_once (guint  n_tasks,
              double seconds,
              int    n_threads)
{
  g_autofree GThread **threads = g_new (GThread *, n_threads);
  g_autofree Burner *burners = g_new (Burner, n_threads);
  double t0 = bench_now ();

  for (int i = 0; i < n_threads; i++)
    {
      burners[i].n_burns = n_tasks / n_threads + ((guint) i < n_tasks % n_threads);
      burners[i].seconds = seconds;
      threads[i] = g_thread_new ("burner", burner_thread, &burners[i]);
    }
  for (int i = 0; i < n_threads; i++)
    g_thread_join (threads[i]);
  return bench_now () - t0;
}

static void
bench_cpu (guint  n_tasks,
           double seconds,
           guint  reps,
           int    concurrency)
{
  g_autofree double *times = g_new (double, reps);
  g_autofree double *single = g_new (double, reps);
  g_autofree double *control = g_new (double, reps);
  g_autofree double *control_single = g_new (double, reps);
  g_autofree double *speedups = g_new (double, reps);
  g_autofree double *control_speedups = g_new (double, reps);
  g_autofree char *all = NULL, *all_single = NULL;
  double m, s, cm, cs;

  for (guint r = 0; r < reps; r++)
    {
      times[r] = cpu_once (n_tasks, seconds, concurrency);
      single[r] = cpu_once (n_tasks, seconds, 1);
      control[r] = control_once (n_tasks, seconds, concurrency);
      control_single[r] = control_once (n_tasks, seconds, 1);
      speedups[r] = single[r] / times[r];
      control_speedups[r] = control_single[r] / control[r];
      g_print ("concurra process: %u x %.2f s CPU, rep %u: %.3f s at max-concurrency %d, "
               "%.3f s with one worker (x%.2f); control, plain threads: %.3f s / %.3f s (x%.2f)\n",
               n_tasks, seconds, r + 1, times[r], concurrency, single[r], speedups[r],
               control[r], control_single[r], control_speedups[r]);
    }
  all = join_times (times, reps);
  all_single = join_times (single, reps);
  m = bench_median (times, reps);
  s = bench_median (single, reps);
  cm = bench_median (control, reps);
  cs = bench_median (control_single, reps);
  g_print ("RESULT name=process-cpu tasks=%u seconds=%.3f concurrency=%d reps=%u best=%.6f median=%.6f "
           "single_best=%.6f single_median=%.6f speedup=%.3f best_speedup=%.3f rep_speedup_median=%.3f "
           "control_median=%.6f control_single_median=%.6f control_speedup=%.3f control_best_speedup=%.3f "
           "ideal=%.6f cpus=%u times=%s single_times=%s\n",
           n_tasks, seconds, concurrency, reps, times[0], m, single[0], s, s / m, single[0] / times[0],
           bench_median (speedups, reps), cm, cs, cs / cm, control_single[0] / control[0],
           n_tasks * seconds / concurrency, g_get_num_processors (), all, all_single);
}

/* ---- one GSubprocess per task ---- */

typedef struct
{
  GMainLoop  *loop;
  char       *self;
  guint       n_tasks;
  guint       next;
  guint       done;
  int         running;
  int         concurrency;
} Spawner;

static void spawn_next (Spawner *spawner);

typedef struct
{
  Spawner *spawner;
  gint64   x;
} SpawnCall;

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SpawnCall *call = user_data;
  Spawner *spawner = call->spawner;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autofree char *text = NULL;

  if (!g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &out, NULL, &error))
    g_error ("communicate: %s", error->message);
  if (!g_subprocess_get_successful (G_SUBPROCESS (source)))
    g_error ("the child failed");
  text = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  if (g_ascii_strtoll (text, NULL, 10) != call->x * call->x)
    g_error ("wrong answer '%s' for %" G_GINT64_FORMAT, text, call->x);
  g_free (call);

  spawner->running--;
  spawner->done++;
  if (spawner->done == spawner->n_tasks)
    g_main_loop_quit (spawner->loop);
  else
    spawn_next (spawner);
}

static void
spawn_next (Spawner *spawner)
{
  while (spawner->running < spawner->concurrency && spawner->next < spawner->n_tasks)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) process = NULL;
      g_autofree char *arg = NULL;
      SpawnCall *call = g_new0 (SpawnCall, 1);

      call->spawner = spawner;
      call->x = spawner->next++;
      arg = g_strdup_printf ("%" G_GINT64_FORMAT, call->x);
      process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                  spawner->self, "--square", arg, NULL);
      if (process == NULL)
        g_error ("spawn: %s", error->message);
      spawner->running++;
      g_subprocess_communicate_async (process, NULL, NULL, on_communicated, call);
    }
}

static double
spawn_once (const char *self,
            guint       n_tasks,
            int         concurrency)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Spawner spawner = { 0, };
  double t0 = bench_now ();

  g_main_context_push_thread_default (context);
  spawner.loop = g_main_loop_new (context, FALSE);
  spawner.self = (char *) self;
  spawner.n_tasks = n_tasks;
  spawner.concurrency = concurrency;
  spawn_next (&spawner);
  g_main_loop_run (spawner.loop);
  g_main_loop_unref (spawner.loop);
  g_main_context_pop_thread_default (context);
  return bench_now () - t0;
}

static void
bench_spawn (guint n_tasks,
             guint reps,
             int   concurrency)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree double *times = g_new (double, reps);

  spawn_once (self, MIN (n_tasks, 50), concurrency);
  for (guint r = 0; r < reps; r++)
    {
      times[r] = spawn_once (self, n_tasks, concurrency);
      g_print ("one GSubprocess per task: %u tasks, %d at a time, rep %u: %.3f s (%.0f tasks/s)\n",
               n_tasks, concurrency, r + 1, times[r], n_tasks / times[r]);
    }
  report ("process-spawn", "one GSubprocess per task", n_tasks, concurrency, times, reps);
}

int
main (int   argc,
      char *argv[])
{
  const char *mode;
  guint n_tasks = 0, reps = 5;
  int concurrency = 2;
  double seconds = 0.5;

  concurra_worker_register ("square", fn_square, NULL, NULL);
  concurra_worker_register ("burn", fn_burn, NULL, NULL);
  concurra_worker_main ();

  /* a child of the "spawn" benchmark: the same tiny work, one process */
  if (argc == 3 && g_str_equal (argv[1], "--square"))
    {
      gint64 x = g_ascii_strtoll (argv[2], NULL, 10);

      g_print ("%" G_GINT64_FORMAT "\n", x * x);
      return 0;
    }

  if (argc < 2)
    goto usage;
  mode = argv[1];
  for (int i = 2; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--tasks") && i + 1 < argc)
        n_tasks = bench_parse_uint (argv[++i], "--tasks");
      else if (g_str_equal (argv[i], "--reps") && i + 1 < argc)
        reps = bench_parse_uint (argv[++i], "--reps");
      else if (g_str_equal (argv[i], "--concurrency") && i + 1 < argc)
        concurrency = (int) bench_parse_uint (argv[++i], "--concurrency");
      else if (g_str_equal (argv[i], "--seconds") && i + 1 < argc)
        seconds = g_ascii_strtod (argv[++i], NULL);
      else
        goto usage;
    }

  if (g_str_equal (mode, "tiny"))
    bench_tiny (n_tasks ? n_tasks : 10000, reps, concurrency);
  else if (g_str_equal (mode, "cpu"))
    bench_cpu (n_tasks ? n_tasks : 8, seconds, reps, concurrency);
  else if (g_str_equal (mode, "spawn"))
    bench_spawn (n_tasks ? n_tasks : 1000, reps, concurrency);
  else
    goto usage;
  return 0;

usage:
  g_printerr ("usage: %s tiny|cpu|spawn [--tasks N] [--reps R] [--concurrency C] [--seconds S]\n", argv[0]);
  return 2;
}
