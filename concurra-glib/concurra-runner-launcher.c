/* concurra-runner-launcher.c: where a runner's command tasks and worker
 * processes run — on this machine, through Slurm, or (workers) through
 * any launcher command such as `ssh HOST`.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-enum-types.h"
#include "concurra-error.h"
#include "concurra-runner-private.h"
#include "concurra-slurm-private.h"

/**
 * concurra_runner_get_launcher:
 * @runner: a runner
 *
 * Gets where the runner's command tasks run; see
 * [property@Concurra.Runner:launcher].
 *
 * Returns: the launcher
 *
 * Since: 1.0
 */
ConcurraLauncherKind
concurra_runner_get_launcher (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), CONCURRA_LAUNCHER_KIND_LOCAL);
  return runner->launcher;
}

/**
 * concurra_runner_set_launcher:
 * @runner: a runner not started yet
 * @launcher: %CONCURRA_LAUNCHER_KIND_LOCAL or %CONCURRA_LAUNCHER_KIND_SLURM
 *   (%CONCURRA_LAUNCHER_KIND_DEFAULT means local here)
 *
 * Sets where the runner's command tasks run; see
 * [property@Concurra.Runner:launcher].
 *
 * Since: 1.0
 */
void
concurra_runner_set_launcher (ConcurraRunner       *runner,
                              ConcurraLauncherKind  launcher)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  g_return_if_fail (launcher <= CONCURRA_LAUNCHER_KIND_SLURM);

  if (launcher == CONCURRA_LAUNCHER_KIND_DEFAULT)
    launcher = CONCURRA_LAUNCHER_KIND_LOCAL;
  if (runner->launcher == launcher)
    return;
  runner->launcher = launcher;
  g_object_notify_by_pspec (G_OBJECT (runner), concurra_runner_properties[PROP_LAUNCHER]);
}

/**
 * concurra_runner_get_slurm_options:
 * @runner: a runner
 *
 * Gets the default Slurm options of the runner's tasks; see
 * [property@Concurra.Runner:slurm-options].
 *
 * Returns: (nullable) (transfer none): the options
 *
 * Since: 1.0
 */
ConcurraSlurmOptions *
concurra_runner_get_slurm_options (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  return runner->slurm_options;
}

/**
 * concurra_runner_set_slurm_options:
 * @runner: a runner not started yet
 * @options: (nullable): the options, %NULL for Slurm's defaults
 *
 * Sets the default Slurm options of the runner's tasks; see
 * [property@Concurra.Runner:slurm-options]. They are read and checked when
 * the run starts.
 *
 * Since: 1.0
 */
void
concurra_runner_set_slurm_options (ConcurraRunner       *runner,
                                   ConcurraSlurmOptions *options)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  g_return_if_fail (options == NULL || CONCURRA_IS_SLURM_OPTIONS (options));

  if (g_set_object (&runner->slurm_options, options))
    g_object_notify_by_pspec (G_OBJECT (runner), concurra_runner_properties[PROP_SLURM_OPTIONS]);
}

/**
 * concurra_runner_get_worker_launcher:
 * @runner: a runner
 *
 * Gets the command that starts worker processes elsewhere; see
 * [property@Concurra.Runner:worker-launcher].
 *
 * Returns: (nullable) (array zero-terminated=1): the command, %NULL if
 *   none
 *
 * Since: 1.0
 */
const char * const *
concurra_runner_get_worker_launcher (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  return (const char * const *) runner->worker_launcher;
}

/**
 * concurra_runner_set_worker_launcher:
 * @runner: a runner not started yet
 * @launcher: (nullable) (array zero-terminated=1): a command such as
 *   `ssh HOST`, %NULL for none
 *
 * Sets the command that starts worker processes elsewhere; see
 * [property@Concurra.Runner:worker-launcher].
 *
 * Since: 1.0
 */
void
concurra_runner_set_worker_launcher (ConcurraRunner     *runner,
                                     const char * const *launcher)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  g_return_if_fail (launcher == NULL || launcher[0] != NULL);

  g_strfreev (runner->worker_launcher);
  runner->worker_launcher = g_strdupv ((char **) launcher);
  g_object_notify_by_pspec (G_OBJECT (runner), concurra_runner_properties[PROP_WORKER_LAUNCHER]);
}

static gboolean
check_program (const char  *program,
               const char  *what,
               GError     **error)
{
  g_autofree char *path = g_find_program_in_path (program);

  if (path != NULL)
    return TRUE;
  g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
               "%s: '%s' is not found in PATH (is Slurm installed here?)", what, program);
  return FALSE;
}

/* At run start, after the tasks got the runner's defaults: each command
 * task's srun line, the options checked. */
gboolean
concurra_runner_prepare_launchers (ConcurraRunner  *self,
                                   GError         **error)
{
  gboolean checked = FALSE;

  if (self->slurm_options != NULL && !concurra_slurm_options_validate (self->slurm_options, error))
    {
      g_prefix_error (error, "Runner '%s': ", self->name);
      return FALSE;
    }
  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (!concurra_launch_prepare (task, task->label, self->launcher, self->slurm_options, error))
        return FALSE;
      if (!checked && task->launch != NULL && task->launch->srun != NULL)
        {
          g_autofree char *what = g_strdup_printf ("Task '%s' runs through Slurm", task->label);

          if (!check_program ("srun", what, error))
            return FALSE;
          checked = TRUE;
        }
    }
  if (self->mode == CONCURRA_EXECUTION_MODE_PROCESS && self->worker_launcher == NULL &&
      self->launcher == CONCURRA_LAUNCHER_KIND_SLURM)
    return check_program ("srun", "Worker processes run through Slurm", error);
  return TRUE;
}

/* The launcher of the runner's worker processes, NULL for local ones. */
const ConcurraLauncher *
concurra_runner_worker_launcher (ConcurraRunner *self)
{
  g_auto(GStrv) srun = NULL;
  g_autofree char *name = NULL;

  if (self->worker_launcher != NULL)
    return concurra_command_launcher_new ((const char * const *) self->worker_launcher);
  if (self->launcher != CONCURRA_LAUNCHER_KIND_SLURM)
    return NULL;
  name = g_strdup_printf ("%s-worker", self->name);
  /* checked by concurra_runner_prepare_launchers() */
  srun = concurra_slurm_srun_line (name, self->slurm_options, NULL, CONCURRA_TIMEOUT_INFINITE,
                                  TRUE, NULL);
  return concurra_command_launcher_new ((const char * const *) srun);
}

/**
 * concurra_runner_dup_launch_command:
 * @runner: a runner
 * @label: the label of one of its command tasks
 * @error: return location for a #GError
 *
 * Gets the command line that would run the task now: its command, after
 * the `srun` line that runs it through Slurm if it runs there, with the
 * runner's settings as they are (the task's timeout, or the runner's, is
 * the job's time limit with its margin). `concurra-run --dry-run` prints
 * it.
 *
 * Returns: (transfer full) (array zero-terminated=1): the command line;
 *   %NULL with @error set (%CONCURRA_ERROR_INVALID_ARGUMENT) if @label
 *   names no command task of @runner or its Slurm options are bad
 *
 * Since: 1.0
 */
char **
concurra_runner_dup_launch_command (ConcurraRunner  *runner,
                                    const char      *label,
                                    GError         **error)
{
  ConcurraTask *task;
  const char * const *argv;
  g_auto(GStrv) srun = NULL;
  ConcurraLauncherKind kind;
  double timeout;
  GStrvBuilder *builder;
  char **result;

  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (label != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  task = concurra_runner_get_task (runner, label);
  if (task == NULL || task->command == NULL)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                   "Runner '%s' has no command task '%s'", runner->name, label);
      return NULL;
    }
  argv = concurra_task_get_command (task);
  kind = concurra_task_get_launcher (task);
  if (kind == CONCURRA_LAUNCHER_KIND_DEFAULT)
    kind = runner->launcher;
  if (kind != CONCURRA_LAUNCHER_KIND_SLURM)
    return g_strdupv ((char **) argv);

  timeout = task->timeout >= 0 ? task->timeout : runner->timeout;
  srun = concurra_slurm_srun_line (label, runner->slurm_options, concurra_task_get_slurm_options (task),
                                   timeout, FALSE, error);
  if (srun == NULL)
    {
      g_prefix_error (error, "Task '%s': ", label);
      return NULL;
    }
  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) srun);
  g_strv_builder_addv (builder, (const char **) argv);
  result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}
