/* bench-idle.c: a runner waiting on one long task, to be run under strace by
 * bench/idle-wakeups.sh. The owner thread must sleep in one poll until the
 * task completes: no periodic wakeups.
 *
 *   bench-idle [--seconds S] [--mode run|start]
 *
 * --mode run (default): concurra_runner_run; the owner is the calling (main)
 * thread. --mode start: concurra_runner_start + concurra_runner_wait; the
 * owner is the runner's private thread.
 *
 * The task prints, on stdout, the wall-clock window it sleeps in (same clock
 * as strace -ttt) and the threads of the process, so the script can count
 * the wakeups of each thread inside that window:
 *
 *   MAIN <tid>
 *   WINDOW-START <epoch seconds>
 *   THREAD <tid> <comm>
 *   TASK-THREAD <tid>
 *   WINDOW-END <epoch seconds>
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

#include "bench-common.h"

static void
sleeper (ConcurraTask *task,
         GCancellable *cancellable,
         gpointer      user_data)
{
  /* the owner must reach its blocking poll before the window opens */
  bench_sleep_window (*(double *) user_data, G_USEC_PER_SEC / 10);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraRunner) runner = NULL;
  GHashTable *results;
  double seconds = 5.0;
  gboolean start_mode = FALSE;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--seconds") && i + 1 < argc)
        seconds = g_ascii_strtod (argv[++i], NULL);
      else if (g_str_equal (argv[i], "--mode") && i + 1 < argc)
        start_mode = g_str_equal (argv[++i], "start");
      else
        {
          g_printerr ("usage: %s [--seconds S] [--mode run|start]\n", argv[0]);
          return 2;
        }
    }

  printf ("MAIN %d\n", (int) bench_gettid ());
  fflush (stdout);

  runner = concurra_runner_new ("bench-idle");
  concurra_runner_set_max_concurrency (runner, 2);
  concurra_runner_set_verify_on_finish (runner, FALSE);
  if (!concurra_runner_add_task (runner, "sleeper", NULL, sleeper, &seconds, NULL, &error))
    g_error ("add: %s", error->message);

  if (start_mode)
    {
      if (!concurra_runner_start (runner, &error))
        g_error ("start: %s", error->message);
      results = concurra_runner_wait (runner, NULL, &error);
    }
  else
    results = concurra_runner_run (runner, NULL, &error);

  if (results == NULL)
    g_error ("run: %s", error->message);
  if (concurra_task_get_status (concurra_runner_get_task (runner, "sleeper")) != CONCURRA_TASK_STATUS_SUCCESSFUL)
    g_error ("the task did not succeed");
  g_hash_table_unref (results);
  return 0;
}
