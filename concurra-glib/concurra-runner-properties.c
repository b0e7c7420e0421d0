/* concurra-runner-properties.c: the settings of a ConcurraRunner: its
 * GObject properties, their documentation, and the public getters and
 * setters that go with them (the getters of the state and the counters are
 * in concurra-runner.c).
 *
 * Settings are written before the run; the counters and the state are
 * written on the owner context by the run (concurra-run.c) and may be read
 * from any thread.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-deadlines-private.h"
#include "concurra-enum-types.h"
#include "concurra-runner-private.h"

#include <math.h>

GParamSpec *concurra_runner_properties[N_PROPS];

/* g_set_str() is GLib 2.76 */
static gboolean
set_str (char       **field,
         const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
concurra_runner_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ConcurraRunner *self = CONCURRA_RUNNER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_MAX_CONCURRENCY:
      g_value_set_int (value, (int) self->max_concurrency);
      break;
    case PROP_TIMEOUT:
      g_value_set_double (value, self->timeout);
      break;
    case PROP_FAST_FAIL:
      g_value_set_boolean (value, self->fast_fail);
      break;
    case PROP_EXECUTION_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_FALLBACK_TO_THREAD:
      g_value_set_boolean (value, self->fallback_to_thread);
      break;
    case PROP_WORKER_COMMAND:
      g_value_set_boxed (value, self->worker_command);
      break;
    case PROP_LAUNCHER:
      g_value_set_enum (value, self->launcher);
      break;
    case PROP_SLURM_OPTIONS:
      g_value_set_object (value, self->slurm_options);
      break;
    case PROP_WORKER_LAUNCHER:
      g_value_set_boxed (value, self->worker_launcher);
      break;
    case PROP_TASK_RETRIES:
      g_value_set_uint (value, self->task_retries);
      break;
    case PROP_RETRY_DELAY:
      g_value_set_double (value, self->retry_delay);
      break;
    case PROP_RETRY_BACKOFF:
      g_value_set_double (value, self->retry_backoff);
      break;
    case PROP_MAX_OUTPUT:
      g_value_set_int64 (value, self->max_output);
      break;
    case PROP_PROGRESS_STATS:
      g_value_set_boolean (value, self->progress_stats);
      break;
    case PROP_LOG_ERRORS:
      g_value_set_boolean (value, self->log_errors);
      break;
    case PROP_VERIFY:
      g_value_set_boolean (value, self->verify);
      break;
    case PROP_RAISE_ON_FAILURE:
      g_value_set_boolean (value, self->raise_on_failure);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_STATE:
      g_value_set_enum (value, concurra_runner_get_state (self));
      break;
    case PROP_N_TASKS:
      g_value_set_uint (value, concurra_runner_get_n_tasks (self));
      break;
    case PROP_N_RUNNING:
      g_value_set_uint (value, concurra_runner_get_n_running (self));
      break;
    case PROP_N_COMPLETED:
      g_value_set_uint (value, concurra_runner_get_n_completed (self));
      break;
    case PROP_N_FAILED:
      g_value_set_uint (value, concurra_runner_get_n_failed (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concurra_runner_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ConcurraRunner *self = CONCURRA_RUNNER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      concurra_runner_set_name (self, g_value_get_string (value));
      break;
    case PROP_MAX_CONCURRENCY:
      concurra_runner_set_max_concurrency (self, g_value_get_int (value));
      break;
    case PROP_TIMEOUT:
      concurra_runner_set_timeout (self, g_value_get_double (value));
      break;
    case PROP_FAST_FAIL:
      concurra_runner_set_fast_fail (self, g_value_get_boolean (value));
      break;
    case PROP_EXECUTION_MODE:
      concurra_runner_set_execution_mode (self, g_value_get_enum (value));
      break;
    case PROP_FALLBACK_TO_THREAD:
      concurra_runner_set_fallback_to_thread (self, g_value_get_boolean (value));
      break;
    case PROP_WORKER_COMMAND:
      concurra_runner_set_worker_command (self, g_value_get_boxed (value));
      break;
    case PROP_LAUNCHER:
      concurra_runner_set_launcher (self, g_value_get_enum (value));
      break;
    case PROP_SLURM_OPTIONS:
      concurra_runner_set_slurm_options (self, g_value_get_object (value));
      break;
    case PROP_WORKER_LAUNCHER:
      concurra_runner_set_worker_launcher (self, g_value_get_boxed (value));
      break;
    case PROP_TASK_RETRIES:
      concurra_runner_set_task_retries (self, g_value_get_uint (value));
      break;
    case PROP_RETRY_DELAY:
      concurra_runner_set_retry_delay (self, g_value_get_double (value));
      break;
    case PROP_RETRY_BACKOFF:
      concurra_runner_set_retry_backoff (self, g_value_get_double (value));
      break;
    case PROP_MAX_OUTPUT:
      concurra_runner_set_max_output (self, g_value_get_int64 (value));
      break;
    case PROP_PROGRESS_STATS:
      concurra_runner_set_progress_stats (self, g_value_get_boolean (value));
      break;
    case PROP_LOG_ERRORS:
      concurra_runner_set_log_errors (self, g_value_get_boolean (value));
      break;
    case PROP_VERIFY:
      concurra_runner_set_verify_on_finish (self, g_value_get_boolean (value));
      break;
    case PROP_RAISE_ON_FAILURE:
      concurra_runner_set_raise_on_failure (self, g_value_get_boolean (value));
      break;
    case PROP_ERROR_MESSAGE:
      concurra_runner_set_error_message (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RW_FLAGS (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)
#define RO_FLAGS (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)

void
concurra_runner_install_properties (GObjectClass *object_class)
{
  object_class->get_property = concurra_runner_get_property;
  object_class->set_property = concurra_runner_set_property;

  /**
   * ConcurraRunner:name:
   *
   * The runner's name, used in progress lines and reports.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, "TaskRunner", RW_FLAGS);

  /**
   * ConcurraRunner:max-concurrency:
   *
   * The most tasks that run at once. Setting 0 uses the number of CPUs; the
   * property refuses negative values, and
   * [method@Concurra.Runner.set_max_concurrency] coerces them to 1 with a
   * warning. Reading gives the effective value.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_MAX_CONCURRENCY] =
    g_param_spec_int ("max-concurrency", NULL, NULL, 0, G_MAXINT, 0, RW_FLAGS);

  /**
   * ConcurraRunner:timeout:
   *
   * Seconds one attempt of a task may run before it is terminated with
   * %CONCURRA_ERROR_TIMEOUT. The default, %CONCURRA_TIMEOUT_DEFAULT, and
   * %CONCURRA_TIMEOUT_INFINITE both mean no limit; 0 terminates every
   * attempt before it starts. [property@Concurra.Task:timeout] overrides it
   * per task. Any negative value is stored as %CONCURRA_TIMEOUT_DEFAULT, an
   * infinity as %CONCURRA_TIMEOUT_INFINITE; NaN is refused.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_TIMEOUT] =
    g_param_spec_double ("timeout", NULL, NULL, -INFINITY, INFINITY,
                         CONCURRA_TIMEOUT_DEFAULT, RW_FLAGS);

  /**
   * ConcurraRunner:fast-fail:
   *
   * Whether the first failure or timeout terminates every task that has not
   * finished. A task cancelled with [method@Concurra.Task.cancel] is not a
   * failure: its dependents are skipped and the rest carries on.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_FAST_FAIL] =
    g_param_spec_boolean ("fast-fail", NULL, NULL, FALSE, RW_FLAGS);

  /**
   * ConcurraRunner:execution-mode:
   *
   * Where function tasks run: %CONCURRA_EXECUTION_MODE_THREAD (the default)
   * or %CONCURRA_EXECUTION_MODE_PROCESS.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_EXECUTION_MODE] =
    g_param_spec_enum ("execution-mode", NULL, NULL, CONCURRA_TYPE_EXECUTION_MODE,
                       CONCURRA_EXECUTION_MODE_THREAD, RW_FLAGS);

  /**
   * ConcurraRunner:fallback-to-thread:
   *
   * In process mode, whether a task that cannot cross the process boundary
   * runs in a thread instead of failing.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_FALLBACK_TO_THREAD] =
    g_param_spec_boolean ("fallback-to-thread", NULL, NULL, FALSE, RW_FLAGS);

  /**
   * ConcurraRunner:worker-command:
   *
   * The command that starts a worker process in process mode: any program
   * that registers the functions its tasks name and calls
   * [func@Concurra.Worker.main]. %NULL (the default) re-executes the
   * current program.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_WORKER_COMMAND] =
    g_param_spec_boxed ("worker-command", NULL, NULL, G_TYPE_STRV, RW_FLAGS);

  /**
   * ConcurraRunner:launcher:
   *
   * Where the runner's command tasks run, unless a task sets its own
   * (see [method@Concurra.Task.set_launcher]): on this machine
   * (%CONCURRA_LAUNCHER_KIND_LOCAL, the default) or as Slurm jobs
   * (%CONCURRA_LAUNCHER_KIND_SLURM), each through its own `srun`. In
   * process mode, %CONCURRA_LAUNCHER_KIND_SLURM starts the worker
   * processes through `srun` too, unless
   * [property@Concurra.Runner:worker-launcher] is set.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_LAUNCHER] =
    g_param_spec_enum ("launcher", NULL, NULL, CONCURRA_TYPE_LAUNCHER_KIND,
                       CONCURRA_LAUNCHER_KIND_LOCAL, RW_FLAGS);

  /**
   * ConcurraRunner:slurm-options:
   *
   * What the runner's Slurm tasks (and Slurm-launched workers) ask Slurm
   * for, unless a task sets its own; %NULL for Slurm's defaults.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_SLURM_OPTIONS] =
    g_param_spec_object ("slurm-options", NULL, NULL, CONCURRA_TYPE_SLURM_OPTIONS, RW_FLAGS);

  /**
   * ConcurraRunner:worker-launcher:
   *
   * A command put before [property@Concurra.Runner:worker-command] to
   * start each worker process elsewhere: `ssh HOST`, or an `srun` line of
   * your own. The worker protocol then runs over the launched process's
   * standard input and output (still checked as untrusted), and the worker
   * is told so through its environment (`env CONCURRA_WORKER_FD=stdio`
   * comes between the two). %NULL (the default) starts workers on this
   * machine, or through `srun` when [property@Concurra.Runner:launcher] is
   * %CONCURRA_LAUNCHER_KIND_SLURM. One launch per worker: the pool stays
   * warm across tasks.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_WORKER_LAUNCHER] =
    g_param_spec_boxed ("worker-launcher", NULL, NULL, G_TYPE_STRV, RW_FLAGS);

  /**
   * ConcurraRunner:task-retries:
   *
   * How many times a task whose attempt failed is retried, unless the task
   * sets [property@Concurra.Task:retries]. Timeouts, aborts and dependency
   * skips are never retried.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_TASK_RETRIES] =
    g_param_spec_uint ("task-retries", NULL, NULL, 0, G_MAXINT, 0, RW_FLAGS);

  /**
   * ConcurraRunner:retry-delay:
   *
   * Seconds to wait before the first retry of a task; later retries wait
   * [property@Concurra.Runner:retry-backoff] times longer each.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_RETRY_DELAY] =
    g_param_spec_double ("retry-delay", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0, RW_FLAGS);

  /**
   * ConcurraRunner:retry-backoff:
   *
   * The factor by which the delay grows from one retry to the next.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_RETRY_BACKOFF] =
    g_param_spec_double ("retry-backoff", NULL, NULL, 1.0, G_MAXDOUBLE, 2.0, RW_FLAGS);

  /**
   * ConcurraRunner:max-output:
   *
   * How many bytes of each of a command task's standard output and error
   * are kept, for the tasks whose [property@Concurra.Task:max-output] is
   * -1 (the default); 0 keeps everything. 64 MiB unless set. Past it, the
   * beginning and the end of the output are kept, and the task has a
   * warning; see [property@Concurra.Task:max-output].
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_MAX_OUTPUT] =
    g_param_spec_int64 ("max-output", NULL, NULL, 0, G_MAXINT64, CONCURRA_MAX_OUTPUT_DEFAULT,
                        RW_FLAGS);

  /**
   * ConcurraRunner:progress-stats:
   *
   * Whether each completion logs a progress line such as
   * `MyRunner progress: [#################........] 2/3 [66.67%] in 0 min 1.04 sec` at
   * %G_LOG_LEVEL_INFO in the `Concurra` log domain.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_PROGRESS_STATS] =
    g_param_spec_boolean ("progress-stats", NULL, NULL, FALSE, RW_FLAGS);

  /**
   * ConcurraRunner:log-errors:
   *
   * Whether task errors and traces are logged as they happen.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_LOG_ERRORS] =
    g_param_spec_boolean ("log-errors", NULL, NULL, FALSE, RW_FLAGS);

  /**
   * ConcurraRunner:verify-on-finish:
   *
   * Whether the report of all tasks is logged when the run finishes, as
   * [method@Concurra.Runner.verify] does. Off by default: a library logs
   * only what its caller asked for (Concurra's `run(verify=True)` is the
   * Python override's default, which turns it on for its own report).
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_VERIFY] =
    g_param_spec_boolean ("verify-on-finish", NULL, NULL, FALSE, RW_FLAGS);

  /**
   * ConcurraRunner:raise-on-failure:
   *
   * Whether [method@Concurra.Runner.run], [method@Concurra.Runner.run_finish]
   * and [method@Concurra.Runner.wait] fail with %CONCURRA_ERROR_TASKS_FAILED
   * when any task failed or was terminated. The results stay available from
   * [method@Concurra.Runner.get_results].
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_RAISE_ON_FAILURE] =
    g_param_spec_boolean ("raise-on-failure", NULL, NULL, FALSE, RW_FLAGS);

  /**
   * ConcurraRunner:error-message:
   *
   * Text put in front of the %CONCURRA_ERROR_TASKS_FAILED message and of the
   * failure report.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL, RW_FLAGS);

  /**
   * ConcurraRunner:state:
   *
   * Where the runner is in its single run.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CONCURRA_TYPE_RUNNER_STATE,
                       CONCURRA_RUNNER_STATE_IDLE, RO_FLAGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConcurraRunner:n-tasks:
   *
   * How many tasks were added.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_N_TASKS] =
    g_param_spec_uint ("n-tasks", NULL, NULL, 0, G_MAXUINT, 0, RO_FLAGS);

  /**
   * ConcurraRunner:n-running:
   *
   * How many tasks are running now. Notified on the owner context once per
   * batch of task events, not necessarily once per task.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_N_RUNNING] =
    g_param_spec_uint ("n-running", NULL, NULL, 0, G_MAXUINT, 0, RO_FLAGS);

  /**
   * ConcurraRunner:n-completed:
   *
   * How many tasks have their final status. Notified on the owner context once per
   * batch of task events, not necessarily once per task.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_N_COMPLETED] =
    g_param_spec_uint ("n-completed", NULL, NULL, 0, G_MAXUINT, 0, RO_FLAGS);

  /**
   * ConcurraRunner:n-failed:
   *
   * How many tasks failed or were terminated. Notified on the owner context once per
   * batch of task events, not necessarily once per task.
   *
   * Since: 1.0
   */
  concurra_runner_properties[PROP_N_FAILED] =
    g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0, RO_FLAGS);

  g_object_class_install_properties (object_class, N_PROPS, concurra_runner_properties);
}

/* The plain setters: each checks or normalizes its value, then stores it
 * with one of these, which notify the property if the value changed. */
static void
set_boolean (ConcurraRunner *runner,
             gboolean       *field,
             gboolean        value,
             guint           prop)
{
  value = !!value;
  if (*field != value)
    {
      *field = value;
      g_object_notify_by_pspec (G_OBJECT (runner), concurra_runner_properties[prop]);
    }
}

static void
set_double (ConcurraRunner *runner,
            double         *field,
            double          value,
            guint           prop)
{
  if (*field != value)
    {
      *field = value;
      g_object_notify_by_pspec (G_OBJECT (runner), concurra_runner_properties[prop]);
    }
}

/**
 * concurra_runner_get_fast_fail:
 * @runner: a runner
 *
 * Gets whether a failure terminates the run; see [property@Concurra.Runner:fast-fail].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
gboolean
concurra_runner_get_fast_fail (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), FALSE);
  return runner->fast_fail;
}

/**
 * concurra_runner_set_fast_fail:
 * @runner: a runner not started yet
 * @fast_fail: the new value
 *
 * Sets whether a failure terminates the run; see [property@Concurra.Runner:fast-fail].
 *
 * Since: 1.0
 */
void
concurra_runner_set_fast_fail (ConcurraRunner *runner,
                               gboolean        fast_fail)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  set_boolean (runner, &runner->fast_fail, fast_fail, PROP_FAST_FAIL);
}

/**
 * concurra_runner_get_fallback_to_thread:
 * @runner: a runner
 *
 * Gets whether unserializable tasks fall back to a thread; see [property@Concurra.Runner:fallback-to-thread].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
gboolean
concurra_runner_get_fallback_to_thread (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), FALSE);
  return runner->fallback_to_thread;
}

/**
 * concurra_runner_set_fallback_to_thread:
 * @runner: a runner not started yet
 * @fallback: the new value
 *
 * Sets whether unserializable tasks fall back to a thread; see [property@Concurra.Runner:fallback-to-thread].
 *
 * Since: 1.0
 */
void
concurra_runner_set_fallback_to_thread (ConcurraRunner *runner,
                                        gboolean        fallback)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  set_boolean (runner, &runner->fallback_to_thread, fallback, PROP_FALLBACK_TO_THREAD);
}

/**
 * concurra_runner_get_task_retries:
 * @runner: a runner
 *
 * Gets the default retry budget of tasks; see [property@Concurra.Runner:task-retries].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
guint
concurra_runner_get_task_retries (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 0);
  return runner->task_retries;
}

/**
 * concurra_runner_set_task_retries:
 * @runner: a runner not started yet
 * @retries: the new value
 *
 * Sets the default retry budget of tasks; see [property@Concurra.Runner:task-retries].
 *
 * Since: 1.0
 */
void
concurra_runner_set_task_retries (ConcurraRunner *runner,
                                  guint           retries)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  retries = MIN (retries, (guint) G_MAXINT);

  if (runner->task_retries != retries)
    {
      runner->task_retries = retries;
      g_object_notify_by_pspec (G_OBJECT (runner), concurra_runner_properties[PROP_TASK_RETRIES]);
    }
}

/**
 * concurra_runner_get_progress_stats:
 * @runner: a runner
 *
 * Gets whether progress lines are logged; see [property@Concurra.Runner:progress-stats].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
gboolean
concurra_runner_get_progress_stats (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), FALSE);
  return runner->progress_stats;
}

/**
 * concurra_runner_set_progress_stats:
 * @runner: a runner not started yet
 * @progress_stats: the new value
 *
 * Sets whether progress lines are logged; see [property@Concurra.Runner:progress-stats].
 *
 * Since: 1.0
 */
void
concurra_runner_set_progress_stats (ConcurraRunner *runner,
                                    gboolean        progress_stats)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  set_boolean (runner, &runner->progress_stats, progress_stats, PROP_PROGRESS_STATS);
}

/**
 * concurra_runner_get_log_errors:
 * @runner: a runner
 *
 * Gets whether task errors are logged; see [property@Concurra.Runner:log-errors].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
gboolean
concurra_runner_get_log_errors (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), FALSE);
  return runner->log_errors;
}

/**
 * concurra_runner_set_log_errors:
 * @runner: a runner not started yet
 * @log_errors: the new value
 *
 * Sets whether task errors are logged; see [property@Concurra.Runner:log-errors].
 *
 * Since: 1.0
 */
void
concurra_runner_set_log_errors (ConcurraRunner *runner,
                                gboolean        log_errors)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  set_boolean (runner, &runner->log_errors, log_errors, PROP_LOG_ERRORS);
}

/**
 * concurra_runner_get_verify_on_finish:
 * @runner: a runner
 *
 * Gets whether the report is logged when the run finishes; see [property@Concurra.Runner:verify-on-finish].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
gboolean
concurra_runner_get_verify_on_finish (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), TRUE);
  return runner->verify;
}

/**
 * concurra_runner_set_verify_on_finish:
 * @runner: a runner not started yet
 * @verify: the new value
 *
 * Sets whether the report is logged when the run finishes; see [property@Concurra.Runner:verify-on-finish].
 *
 * Since: 1.0
 */
void
concurra_runner_set_verify_on_finish (ConcurraRunner *runner,
                                      gboolean        verify)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  set_boolean (runner, &runner->verify, verify, PROP_VERIFY);
}

/**
 * concurra_runner_get_raise_on_failure:
 * @runner: a runner
 *
 * Gets whether a run with failed tasks returns an error; see [property@Concurra.Runner:raise-on-failure].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
gboolean
concurra_runner_get_raise_on_failure (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), FALSE);
  return runner->raise_on_failure;
}

/**
 * concurra_runner_set_raise_on_failure:
 * @runner: a runner not started yet
 * @raise_on_failure: the new value
 *
 * Sets whether a run with failed tasks returns an error; see [property@Concurra.Runner:raise-on-failure].
 *
 * Since: 1.0
 */
void
concurra_runner_set_raise_on_failure (ConcurraRunner *runner,
                                      gboolean        raise_on_failure)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  set_boolean (runner, &runner->raise_on_failure, raise_on_failure, PROP_RAISE_ON_FAILURE);
}

/**
 * concurra_runner_get_retry_backoff:
 * @runner: a runner
 *
 * Gets the growth factor of retry delays; see [property@Concurra.Runner:retry-backoff].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
double
concurra_runner_get_retry_backoff (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 2.0);
  return runner->retry_backoff;
}

/**
 * concurra_runner_set_retry_backoff:
 * @runner: a runner not started yet
 * @backoff: the new value
 *
 * Sets the growth factor of retry delays; see [property@Concurra.Runner:retry-backoff].
 *
 * Since: 1.0
 */
void
concurra_runner_set_retry_backoff (ConcurraRunner *runner,
                                   double          backoff)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  g_return_if_fail (backoff >= 1.0);
  set_double (runner, &runner->retry_backoff, backoff, PROP_RETRY_BACKOFF);
}

/**
 * concurra_runner_get_max_output:
 * @runner: a runner
 *
 * Gets how many bytes of each output stream its command tasks keep by
 * default; see [property@Concurra.Runner:max-output].
 *
 * Returns: bytes, 0 for no cap
 *
 * Since: 1.0
 */
gint64
concurra_runner_get_max_output (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 0);
  return runner->max_output;
}

/**
 * concurra_runner_set_max_output:
 * @runner: a runner not started yet
 * @max_output: bytes kept of each output stream, 0 for all of them
 *
 * Sets how many bytes of each output stream its command tasks keep by
 * default; see [property@Concurra.Runner:max-output].
 *
 * Since: 1.0
 */
void
concurra_runner_set_max_output (ConcurraRunner *runner,
                                gint64          max_output)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  g_return_if_fail (max_output >= 0);

  if (runner->max_output != max_output)
    {
      runner->max_output = max_output;
      g_object_notify_by_pspec (G_OBJECT (runner), concurra_runner_properties[PROP_MAX_OUTPUT]);
    }
}

/**
 * concurra_runner_get_retry_delay:
 * @runner: a runner
 *
 * Gets the delay before a first retry, in seconds; see [property@Concurra.Runner:retry-delay].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
double
concurra_runner_get_retry_delay (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 0.0);
  return runner->retry_delay;
}

/**
 * concurra_runner_set_retry_delay:
 * @runner: a runner not started yet
 * @delay: the new value
 *
 * Sets the delay before a first retry, in seconds; see [property@Concurra.Runner:retry-delay].
 *
 * Since: 1.0
 */
void
concurra_runner_set_retry_delay (ConcurraRunner *runner,
                                 double          delay)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  g_return_if_fail (delay >= 0.0);
  set_double (runner, &runner->retry_delay, delay, PROP_RETRY_DELAY);
}

/**
 * concurra_runner_get_timeout:
 * @runner: a runner
 *
 * Gets the default per-attempt timeout; see [property@Concurra.Runner:timeout].
 *
 * Returns: seconds, or %CONCURRA_TIMEOUT_DEFAULT or %CONCURRA_TIMEOUT_INFINITE
 *   for none
 *
 * Since: 1.0
 */
double
concurra_runner_get_timeout (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), CONCURRA_TIMEOUT_DEFAULT);
  return runner->timeout;
}

/**
 * concurra_runner_set_timeout:
 * @runner: a runner not started yet
 * @timeout: seconds; %CONCURRA_TIMEOUT_DEFAULT (or any negative value) or
 *   %CONCURRA_TIMEOUT_INFINITE (or an infinite value) for none; not NaN
 *
 * Sets the default per-attempt timeout; see [property@Concurra.Runner:timeout].
 *
 * Since: 1.0
 */
void
concurra_runner_set_timeout (ConcurraRunner *runner,
                             double          timeout)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  g_return_if_fail (concurra_timeout_is_valid (timeout));
  set_double (runner, &runner->timeout, concurra_timeout_normalize (timeout), PROP_TIMEOUT);
}

/**
 * concurra_runner_get_name:
 * @runner: a runner
 *
 * Gets the runner's name; see [property@Concurra.Runner:name].
 *
 * Returns: the name
 *
 * Since: 1.0
 */
const char *
concurra_runner_get_name (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  return runner->name;
}

/**
 * concurra_runner_set_name:
 * @runner: a runner
 * @name: (nullable): the name, %NULL for "TaskRunner"
 *
 * Sets the runner's name; see [property@Concurra.Runner:name].
 *
 * Since: 1.0
 */
void
concurra_runner_set_name (ConcurraRunner *runner,
                          const char     *name)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));

  if (name == NULL)
    name = "TaskRunner";
  if (set_str (&runner->name, name))
    g_object_notify_by_pspec (G_OBJECT (runner), concurra_runner_properties[PROP_NAME]);
}

/**
 * concurra_runner_get_max_concurrency:
 * @runner: a runner
 *
 * Gets the effective limit of concurrent tasks; see
 * [property@Concurra.Runner:max-concurrency].
 *
 * Returns: the limit, at least 1
 *
 * Since: 1.0
 */
int
concurra_runner_get_max_concurrency (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 1);
  return runner->max_concurrency;
}

/**
 * concurra_runner_set_max_concurrency:
 * @runner: a runner not started yet
 * @max_concurrency: the limit; 0 for the number of CPUs
 *
 * Sets the limit of concurrent tasks; negative values are coerced to 1 with
 * a warning. See [property@Concurra.Runner:max-concurrency].
 *
 * Since: 1.0
 */
void
concurra_runner_set_max_concurrency (ConcurraRunner *runner,
                                     int             max_concurrency)
{
  guint effective;

  g_return_if_fail (CONCURRA_IS_RUNNER (runner));

  if (max_concurrency < 0)
    {
      g_warning ("Runner '%s': max-concurrency %d is less than 1, coerced to 1",
                 runner->name, max_concurrency);
      effective = 1;
    }
  else if (max_concurrency == 0)
    effective = g_get_num_processors ();
  else
    effective = max_concurrency;

  if (runner->max_concurrency != effective)
    {
      runner->max_concurrency = effective;
      g_object_notify_by_pspec (G_OBJECT (runner), concurra_runner_properties[PROP_MAX_CONCURRENCY]);
    }
}

/**
 * concurra_runner_get_execution_mode:
 * @runner: a runner
 *
 * Gets where function tasks run; see
 * [property@Concurra.Runner:execution-mode].
 *
 * Returns: %CONCURRA_EXECUTION_MODE_THREAD or %CONCURRA_EXECUTION_MODE_PROCESS
 *
 * Since: 1.0
 */
ConcurraExecutionMode
concurra_runner_get_execution_mode (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), CONCURRA_EXECUTION_MODE_THREAD);
  return runner->mode;
}

/**
 * concurra_runner_set_execution_mode:
 * @runner: a runner not started yet
 * @mode: %CONCURRA_EXECUTION_MODE_THREAD or %CONCURRA_EXECUTION_MODE_PROCESS
 *
 * Sets where function tasks run; see
 * [property@Concurra.Runner:execution-mode].
 *
 * Since: 1.0
 */
void
concurra_runner_set_execution_mode (ConcurraRunner        *runner,
                                    ConcurraExecutionMode  mode)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  g_return_if_fail (mode == CONCURRA_EXECUTION_MODE_THREAD ||
                    mode == CONCURRA_EXECUTION_MODE_PROCESS);

  if (runner->mode != mode)
    {
      runner->mode = mode;
      g_object_notify_by_pspec (G_OBJECT (runner), concurra_runner_properties[PROP_EXECUTION_MODE]);
    }
}

/**
 * concurra_runner_get_worker_command:
 * @runner: a runner
 *
 * Gets the command that starts worker processes; see
 * [property@Concurra.Runner:worker-command].
 *
 * Returns: (nullable) (array zero-terminated=1): the command, %NULL for
 *   the current program
 *
 * Since: 1.0
 */
const char * const *
concurra_runner_get_worker_command (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  return (const char * const *) runner->worker_command;
}

/**
 * concurra_runner_set_worker_command:
 * @runner: a runner not started yet
 * @command: (nullable) (array zero-terminated=1): the program and its
 *   arguments, %NULL for the current program
 *
 * Sets the command that starts worker processes; see
 * [property@Concurra.Runner:worker-command].
 *
 * Since: 1.0
 */
void
concurra_runner_set_worker_command (ConcurraRunner     *runner,
                                    const char * const *command)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  g_return_if_fail (command == NULL || command[0] != NULL);

  g_strfreev (runner->worker_command);
  runner->worker_command = g_strdupv ((char **) command);
  g_object_notify_by_pspec (G_OBJECT (runner), concurra_runner_properties[PROP_WORKER_COMMAND]);
}

/**
 * concurra_runner_get_error_message:
 * @runner: a runner
 *
 * Gets the text put before failure messages; see
 * [property@Concurra.Runner:error-message].
 *
 * Returns: (nullable): the text
 *
 * Since: 1.0
 */
const char *
concurra_runner_get_error_message (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  return runner->error_message;
}

/**
 * concurra_runner_set_error_message:
 * @runner: a runner
 * @error_message: (nullable): the text
 *
 * Sets the text put before failure messages; see
 * [property@Concurra.Runner:error-message].
 *
 * Since: 1.0
 */
void
concurra_runner_set_error_message (ConcurraRunner *runner,
                                   const char     *error_message)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));

  if (set_str (&runner->error_message, error_message))
    g_object_notify_by_pspec (G_OBJECT (runner), concurra_runner_properties[PROP_ERROR_MESSAGE]);
}
