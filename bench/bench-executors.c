/* bench-executors.c: what tasks that wait cost in threads and time.
 *
 *   bench-executors commands [--tasks N] [--seconds S]
 *   bench-executors main-context [--tasks N] [--seconds S]
 *   bench-executors spawn    [--tasks N] [--concurrency C] [--command PROGRAM]
 *
 * commands: N `sleep S` commands at max-concurrency N.
 * main-context: N main-context tasks, each reporting from an S-second timer on
 *           the owner context, at max-concurrency N.
 * Both print the process's threads when idle (before the run) and when the
 * last task has started (all N waiting at once), and the wall time of the
 * run (ideally S plus the time to start N tasks).
 * spawn:    N commands of PROGRAM (default `true`) at max-concurrency C, end
 *           to end; wall and CPU time per task and the peak RSS growth per
 *           task. Run it at several N to see how the cost per task scales.
 *
 * Every measurement prints a RESULT line (see bench-common.h).
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

#include <sys/resource.h>

#include "bench-common.h"

static guint
count_threads (void)
{
  return (guint) (bench_proc_status_kib ("Threads") / 1024);
}

typedef struct
{
  guint  n_started;
  guint  n_tasks;
  guint  threads_at_peak;
  double started_at;
} Peak;

static void
on_task_started (ConcurraRunner *runner,
                 ConcurraTask   *task,
                 Peak           *peak)
{
  if (++peak->n_started == peak->n_tasks)
    {
      peak->threads_at_peak = count_threads ();
      peak->started_at = bench_now ();
    }
}

static gboolean
report_now (gpointer data)
{
  concurra_task_return_boolean (data, TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
start_timer (ConcurraTask  *task,
             GCancellable  *cancellable,
             gpointer       user_data,
             GError       **error)
{
  GSource *source = g_timeout_source_new (GPOINTER_TO_UINT (user_data));

  g_source_set_callback (source, report_now, g_object_ref (task), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  return TRUE;
}

/* Lets this process hold the descriptors of many children at once (two
 * pipes each), as a program that runs thousands of commands should. */
static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

static void
waiting (const char *kind,
         guint       n_tasks,
         double      seconds)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new (kind);
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *duration = g_strdup_printf ("%g", seconds);
  const char * const argv[] = { "sleep", duration, NULL };
  Peak peak = { 0, n_tasks, 0, 0 };
  guint idle;
  double start, elapsed;

  concurra_runner_set_max_concurrency (runner, n_tasks);
  g_object_set (runner, "verify-on-finish", FALSE, NULL);
  for (guint i = 0; i < n_tasks; i++)
    {
      if (g_str_equal (kind, "commands"))
        concurra_runner_add_command (runner, NULL, NULL, argv, &error);
      else
        concurra_runner_add_main_context_task (runner, NULL, NULL, start_timer,
                                               GUINT_TO_POINTER ((guint) (seconds * 1000)), NULL, &error);
      g_assert_no_error (error);
    }
  g_signal_connect (runner, "task-started", G_CALLBACK (on_task_started), &peak);

  idle = count_threads ();
  start = bench_now ();
  results = concurra_runner_run (runner, NULL, &error);
  elapsed = bench_now () - start;
  g_assert_no_error (error);
  if (concurra_runner_get_n_failed (runner) != 0)
    g_error ("%u tasks failed", concurra_runner_get_n_failed (runner));

  printf ("%u %s waiting %g s: %u threads idle, %u with all of them waiting (+%d); "
          "run %.3f s, all started after %.3f s\n",
          n_tasks, kind, seconds, idle, peak.threads_at_peak, (int) peak.threads_at_peak - (int) idle,
          elapsed, peak.started_at - start);
  printf ("RESULT name=waiting-%s tasks=%u seconds=%g threads_idle=%u threads_peak=%u "
          "extra_threads=%d elapsed=%.6f start_time=%.6f\n",
          kind, n_tasks, seconds, idle, peak.threads_at_peak,
          (int) peak.threads_at_peak - (int) idle, elapsed, peak.started_at - start);
}

static void
spawn (guint       n_tasks,
       guint       concurrency,
       const char *program)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("spawn");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  const char * const argv[] = { program, NULL };
  gsize rss_before = bench_rss ();
  struct rusage self_before, self_after, children_before, children_after;
  double start, elapsed, cpu;

  concurra_runner_set_max_concurrency (runner, concurrency);
  g_object_set (runner, "verify-on-finish", FALSE, NULL);
  getrusage (RUSAGE_SELF, &self_before);
  getrusage (RUSAGE_CHILDREN, &children_before);
  start = bench_now ();
  for (guint i = 0; i < n_tasks; i++)
    concurra_runner_add_command (runner, NULL, NULL, argv, &error);
  results = concurra_runner_run (runner, NULL, &error);
  elapsed = bench_now () - start;
  g_assert_no_error (error);
  getrusage (RUSAGE_SELF, &self_after);
  getrusage (RUSAGE_CHILDREN, &children_after);
  cpu = (self_after.ru_utime.tv_sec - self_before.ru_utime.tv_sec) +
        (self_after.ru_utime.tv_usec - self_before.ru_utime.tv_usec) / 1e6 +
        (self_after.ru_stime.tv_sec - self_before.ru_stime.tv_sec) +
        (self_after.ru_stime.tv_usec - self_before.ru_stime.tv_usec) / 1e6;
  (void) children_before;
  (void) children_after;

  printf ("%u commands '%s' at -j%u: %.3f s, %.1f us/task wall, %.1f us/task CPU in this process, "
          "peak RSS +%.0f bytes/task\n", n_tasks, program, concurrency, elapsed,
          elapsed * 1e6 / n_tasks, cpu * 1e6 / n_tasks,
          (double) (bench_peak_rss () - rss_before) / n_tasks);
  printf ("RESULT name=spawn tasks=%u concurrency=%u elapsed=%.6f us_per_task=%.3f "
          "cpu_us_per_task=%.3f peak_rss_bytes_per_task=%.1f\n",
          n_tasks, concurrency, elapsed, elapsed * 1e6 / n_tasks, cpu * 1e6 / n_tasks,
          (double) (bench_peak_rss () - rss_before) / n_tasks);
}

int
main (int    argc,
      char **argv)
{
  int tasks = 1000, concurrency = 2;
  double seconds = 1.0;
  g_autofree char *program = NULL;
  GOptionEntry entries[] = {
    { "tasks", 0, 0, G_OPTION_ARG_INT, &tasks, "Number of tasks", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "How long each waits", "S" },
    { "concurrency", 0, 0, G_OPTION_ARG_INT, &concurrency, "max-concurrency (spawn)", "C" },
    { "command", 0, 0, G_OPTION_ARG_STRING, &program, "Program to spawn (spawn)", "PROGRAM" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("commands|main-context|spawn");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("%s\n", error ? error->message : g_option_context_get_help (context, TRUE, NULL));
      return 2;
    }
  raise_fd_limit ();
  if (g_str_equal (argv[1], "commands") || g_str_equal (argv[1], "main-context"))
    waiting (argv[1], tasks, seconds);
  else if (g_str_equal (argv[1], "spawn"))
    spawn (tasks, concurrency, program ? program : "true");
  else
    {
      g_printerr ("unknown measurement '%s'\n", argv[1]);
      return 2;
    }
  return 0;
}
