/* scaling-out.c: commands as Slurm jobs, with the resources each needs,
 * and the srun line each one gets. Without a reachable cluster the same
 * tasks run here.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

static gboolean
have_cluster (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  return g_spawn_command_line_sync ("sinfo -h", &out, &err, &status, NULL) &&
         g_spawn_check_wait_status (status, NULL);
}

int
main (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("scaling-out");
  g_autoptr(ConcurraSlurmOptions) defaults = concurra_slurm_options_new ();
  g_autoptr(ConcurraSlurmOptions) bigger = concurra_slurm_options_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) line = NULL;
  g_autofree char *shown = NULL;
  const char *deps[] = { "simulate", NULL };
  ConcurraTask *simulate, *report;

  concurra_runner_set_verify_on_finish (runner, FALSE);
  /* every command is a Slurm job: 1 CPU and 100 MB unless it says more */
  concurra_runner_set_launcher (runner, have_cluster () ? CONCURRA_LAUNCHER_KIND_SLURM
                                                        : CONCURRA_LAUNCHER_KIND_LOCAL);
  concurra_slurm_options_set_cpus (defaults, 1);
  concurra_slurm_options_set_mem (defaults, "100M");
  concurra_runner_set_slurm_options (runner, defaults);

  simulate = concurra_runner_add_shell_command (
      runner, "simulate", NULL,
      "echo \"simulating with ${SLURM_CPUS_PER_TASK:-all} CPUs\"", &error);
  g_assert_no_error (error);
  concurra_slurm_options_set_cpus (bigger, 2);
  concurra_task_set_slurm_options (simulate, bigger);
  concurra_task_set_timeout (simulate, 600);   /* the job's limit: 11 minutes */
  report = concurra_runner_add_shell_command (runner, "report", deps, "echo report",
                                              &error);
  g_assert_no_error (error);

  line = concurra_runner_dup_launch_command (runner, "simulate", &error);
  g_assert_no_error (error);
  shown = g_strjoinv (" ", line);
  g_print ("simulate runs: %s\n", shown);

  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);
  g_print ("simulate: %s", concurra_task_get_stdout (simulate));
  g_print ("job ids: %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT " (0: here)\n",
           concurra_task_get_slurm_job_id (simulate),
           concurra_task_get_slurm_job_id (report));
  g_assert_cmpint (concurra_task_get_status (report), ==,
                   CONCURRA_TASK_STATUS_SUCCESSFUL);
  return 0;
}
