/* concurra-run.c: runs a pipeline of commands described in a key file,
 * in dependency order and in parallel, with live progress and a summary.
 *
 * The run is a ConcurraRunner driven with run_async() on a GMainLoop; the
 * progress display, the trace recorder and Ctrl-C handling all hang off
 * the runner's signals and a source fed by signal handlers, so nothing
 * polls.
 *
 * A signal that would end concurra-run (INT, TERM, HUP, QUIT, USR1...)
 * aborts the run instead, as does a write to a closed pipe (EPIPE: SIGPIPE
 * is caught); the commands are stopped and concurra-run exits with
 * 128 + the signal's number once none of them is left. A second signal
 * cuts the commands' grace short: SIGKILL at once.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cr-pipeline.h"
#include "cr-progress.h"
#include "cr-reap.h"
#include "cr-report.h"
#include "cr-signals.h"
#include "cr-trace.h"

enum {
  EXIT_ALL_SUCCEEDED = 0,
  EXIT_TASKS_FAILED  = 1,
  EXIT_BAD_INPUT     = 2,
  EXIT_INTERRUPTED   = 128,   /* + the signal number: 130 for SIGINT, 141 for EPIPE */
};

/* how long terminated commands get between SIGTERM and SIGKILL, as the
 * runner gives them */
#define KILL_GRACE_MS 2000

/* options not given: values nobody types */
#define UNSET_INT     G_MININT
#define UNSET_SECONDS (-G_MAXDOUBLE)

typedef struct
{
  int       jobs;
  double    timeout;
  int       retries;
  gboolean  fast_fail;
  char     *max_output;
  gboolean  dry_run;
  gboolean  json;
  gboolean  dot;
  gboolean  list;
  char     *trace;
  gboolean  quiet;
  char     *progress;
  char     *launcher;
  gboolean  verbose;
  gboolean  version;
  char    **operands;   /* the pipeline file, then the tasks to run */
} Options;

static void
options_clear (Options *options)
{
  g_clear_pointer (&options->operands, g_strfreev);
  g_clear_pointer (&options->trace, g_free);
  g_clear_pointer (&options->progress, g_free);
  g_clear_pointer (&options->max_output, g_free);
  g_clear_pointer (&options->launcher, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

typedef struct
{
  Options        *options;
  CrPipeline     *pipeline;
  ConcurraRunner *runner;
  GMainLoop      *loop;
  CrProgress     *progress;   /* NULL with --quiet */
  CrTrace        *trace;      /* NULL without --trace */
  int             signal_number;   /* the one that stopped the run, or 0 */
  gboolean        cleaning_up;     /* the run is over; its processes may not be */
  GCancellable   *hurry;           /* cancelled: SIGKILL what is left, now */
  const char     *run_id;
  gint64          start;
  GError         *run_error;
} App;

static const char description[] =
  "A pipeline file is a GLib key file with one group per task:\n"
  "\n"
  "  [pipeline]                  optional defaults for the whole run\n"
  "  name=site                   name in the summary (default: file name)\n"
  "  jobs=4                      tasks at once (0: one per CPU)\n"
  "  timeout=600                 seconds per task (0: none)\n"
  "  retries=1                   extra attempts of a failing task\n"
  "  retry-delay=2               seconds before a retry, doubling each time\n"
  "  fast-fail=true              stop everything at the first failure\n"
  "  max-output=1M               output kept of each stream of a task (0: all)\n"
  "  cwd=src                     default working directory of the tasks\n"
  "  env=LANG=C;OUT=${TMPDIR:-/tmp}/out\n"
  "\n"
  "  [task:fetch]\n"
  "  command=curl -fsS https://example.org/data.csv -o data.csv\n"
  "  retries=2\n"
  "\n"
  "  [task:report]\n"
  "  argv=python3;report.py;data.csv\n"
  "  depends=fetch\n"
  "  timeout=30\n"
  "\n"
  "Task keys: command (run by /bin/sh -c) or argv (a program and its\n"
  "arguments, no shell), depends, timeout, retries, retry-delay, max-output,\n"
  "cwd, env\n"
  "(NAME=VALUE entries; ${NAME} and ${NAME:-default} expand, $$ is $; one\n"
  "entry expands to 128 KiB at most, all tasks' entries to 64 MiB) and\n"
  "check (false: a non-zero exit status does not fail the task).\n"
  "In the lists (argv, depends, env) ';' separates items: write '\\;' for a\n"
  "';' in an item and '\\\\' for a backslash. A label is written the same way\n"
  "in its [task:LABEL] header and in depends: [task:a\\;b] and depends=a\\;b.\n"
  "Relative directories are relative to the pipeline file's directory,\n"
  "where tasks run by default. Tasks get CONCURRA_TASK (their label),\n"
  "CONCURRA_PIPELINE_DIR and CONCURRA_RUN_ID (unique per run) in their\n"
  "environment. Options override [pipeline].\n"
  "\n"
  "Slurm keys, in [pipeline] (defaults) or a task: launcher (local or\n"
  "slurm: each task one srun job named after its label, time limit its\n"
  "timeout + 1 min), cpus, mem (512M, 4G), partition, slurm-args (a list\n"
  "of srun options, --name=value each).\n"
  "\n"
  "Exit status: 0 when every task succeeded, 1 when a task failed, timed out\n"
  "or was skipped, 2 for a bad pipeline file or bad options, 128 + N when\n"
  "stopped by signal N: 130 for Ctrl-C (SIGINT), 143 for SIGTERM, 129 for\n"
  "SIGHUP, 141 when its output is a pipe that was closed (EPIPE). The running\n"
  "commands are then stopped, with everything they started (SIGTERM, and\n"
  "SIGKILL 2 s later or at a second Ctrl-C), the summary is still printed,\n"
  "and concurra-run exits only once they are gone.";

/* ---- options ---- */

/* GOption does not take a short option's value attached ("-j8"), which
 * make and ninja users type: split those into "-j" "8". Returns a new
 * vector in @argv, freed by the caller with g_strfreev(). */
static void
split_short_values (int    *argc,
                    char ***argv)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gboolean options_end = FALSE;

  for (int i = 0; i < *argc; i++)
    {
      const char *arg = (*argv)[i];

      if (g_str_equal (arg, "--"))
        options_end = TRUE;
      if (i > 0 && !options_end && arg[0] == '-' && arg[1] != '\0'
          && strchr ("jtr", arg[1]) != NULL && arg[2] != '\0')
        {
          char flag[3] = { '-', arg[1], '\0' };

          g_strv_builder_add (builder, flag);
          g_strv_builder_add (builder, arg + 2);
        }
      else
        g_strv_builder_add (builder, arg);
    }
  *argv = g_strv_builder_end (builder);
  *argc = g_strv_length (*argv);
}

/* A bar redrawn in place on a terminal, plain lines otherwise. */
static gboolean
show_bar (const Options *options)
{
  if (g_strcmp0 (options->progress, "bar") == 0)
    return TRUE;
  if (g_strcmp0 (options->progress, "lines") == 0)
    return FALSE;
  return isatty (STDERR_FILENO);
}

static gboolean
parse_options (Options  *options,
               char   ***argv,
               GError  **error)
{
  const GOptionEntry entries[] = {
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &options->jobs,
      "Run at most N tasks at once (0: one per CPU)", "N" },
    { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &options->timeout,
      "Default timeout of a task, in seconds (0: none)", "SECONDS" },
    { "retries", 'r', 0, G_OPTION_ARG_INT, &options->retries,
      "Default number of retries of a failing task", "N" },
    { "fast-fail", 'f', 0, G_OPTION_ARG_NONE, &options->fast_fail,
      "Stop every task at the first failure", NULL },
    { "max-output", 0, 0, G_OPTION_ARG_STRING, &options->max_output,
      "Bytes of each output stream of a task to keep, K, M or G may follow "
      "(default 64M; 0: all); past it the beginning and the end are kept", "SIZE" },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &options->dry_run,
      "Print the order and the dependency graph; run nothing", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &options->json,
      "Print the results as JSON on standard output", NULL },
    { "dot", 0, 0, G_OPTION_ARG_NONE, &options->dot,
      "Print the dependency graph for Graphviz; run nothing", NULL },
    { "list", 'l', 0, G_OPTION_ARG_NONE, &options->list,
      "Print the labels of the tasks, one per line; run nothing", NULL },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &options->trace,
      "Write a Chrome trace-event timeline of the run (for Perfetto or chrome://tracing)", "FILE" },
    { "launcher", 0, 0, G_OPTION_ARG_STRING, &options->launcher,
      "Where tasks run unless they say: local, or slurm (each task one srun job)", "WHERE" },
    { "progress", 0, 0, G_OPTION_ARG_STRING, &options->progress,
      "How to show progress: auto (a bar on a terminal, lines otherwise), bar or lines", "MODE" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &options->quiet,
      "Show no progress and no table; only failures", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &options->verbose,
      "Show the output of every task in the summary, not only of failed ones", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &options->version,
      "Print the version and exit", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &options->operands,
      NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("PIPELINE-FILE [TASK…]");

  g_option_context_set_summary (context,
    "Runs the commands of a pipeline file in dependency order, several at\n"
    "once, with timeouts, retries, live progress and a summary. Use \"-\" to\n"
    "read the pipeline from standard input. Given TASK labels, runs those\n"
    "tasks and every task they depend on, directly or not, and no other.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);

  if (!g_option_context_parse_strv (context, argv, error))
    return FALSE;

  if (options->version)
    return TRUE;
  if (options->progress != NULL && g_strcmp0 (options->progress, "auto") != 0 &&
      g_strcmp0 (options->progress, "bar") != 0 && g_strcmp0 (options->progress, "lines") != 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--progress must be auto, bar or lines (got '%s')", options->progress);
      return FALSE;
    }
  if (options->launcher != NULL && g_strcmp0 (options->launcher, "local") != 0 &&
      g_strcmp0 (options->launcher, "slurm") != 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--launcher must be local or slurm (got '%s')", options->launcher);
      return FALSE;
    }
  if (options->operands == NULL || options->operands[0] == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "no pipeline file given");
      return FALSE;
    }
  if (options->jobs != UNSET_INT && options->jobs < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--jobs must be 0 (one per CPU) or more, not %d", options->jobs);
      return FALSE;
    }
  if (options->timeout != UNSET_SECONDS && !(options->timeout >= 0))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--timeout must be 0 (none) or more seconds, not %g", options->timeout);
      return FALSE;
    }
  if (options->retries != UNSET_INT && options->retries < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--retries must be 0 or more, not %d", options->retries);
      return FALSE;
    }
  if (options->max_output != NULL && !cr_parse_size (options->max_output, &(gint64) { 0 }))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--max-output must be a number of bytes (K, M or G may follow; 0: all), "
                   "not '%s'", options->max_output);
      return FALSE;
    }
  if (options->dry_run + options->dot + options->json + options->list > 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "--dry-run, --dot, --json and --list are each a different output; give one");
      return FALSE;
    }
  return TRUE;
}

/* The files and options say 0 for no timeout, as GNU timeout(1) does; the
 * library's "no limit" is CONCURRA_TIMEOUT_INFINITE. */
static double
library_timeout (double seconds)
{
  return seconds > 0 ? seconds : CONCURRA_TIMEOUT_INFINITE;
}

static void
resolve_settings (const Options *options,
                  CrPipeline    *pipeline,
                  CrSettings    *settings)
{
  int jobs = options->jobs >= 0 ? options->jobs : pipeline->jobs;

  settings->jobs = jobs > 0 ? (guint) jobs : g_get_num_processors ();
  settings->timeout = options->timeout >= 0 ? options->timeout
                      : pipeline->timeout >= 0 ? pipeline->timeout : 0;
  settings->retries = options->retries >= 0 ? options->retries
                      : pipeline->retries >= 0 ? pipeline->retries : 0;
  settings->retry_delay = pipeline->retry_delay >= 0 ? pipeline->retry_delay : 0;
  settings->fast_fail = options->fast_fail || pipeline->fast_fail == TRUE;
  /* -1: the runner's own default */
  settings->max_output = pipeline->max_output;
  if (options->max_output != NULL)
    cr_parse_size (options->max_output, &settings->max_output);
  settings->slurm = g_strcmp0 (options->launcher ? options->launcher : pipeline->slurm.launcher,
                               "slurm") == 0;
}

static ConcurraLauncherKind
launcher_kind (const char *name)
{
  if (name == NULL)
    return CONCURRA_LAUNCHER_KIND_DEFAULT;
  return g_str_equal (name, "slurm") ? CONCURRA_LAUNCHER_KIND_SLURM : CONCURRA_LAUNCHER_KIND_LOCAL;
}

/* The Slurm options of a [pipeline] or [task:] group, NULL if it gives none. */
static ConcurraSlurmOptions *
slurm_options (const CrSlurm *slurm)
{
  ConcurraSlurmOptions *options;

  if (slurm->cpus == 0 && slurm->mem == NULL && slurm->partition == NULL && slurm->args == NULL)
    return NULL;
  options = concurra_slurm_options_new ();
  concurra_slurm_options_set_cpus (options, slurm->cpus);
  concurra_slurm_options_set_mem (options, slurm->mem);
  concurra_slurm_options_set_partition (options, slurm->partition);
  concurra_slurm_options_set_extra_args (options, (const char * const *) slurm->args);
  return options;
}

/* ---- building the runner ---- */

static ConcurraRunner *
build_runner (CrPipeline       *pipeline,
              const CrSettings *settings,
              const char       *run_id,
              GError          **error)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new (pipeline->name);

  concurra_runner_set_max_concurrency (runner, (int) settings->jobs);
  concurra_runner_set_timeout (runner, library_timeout (settings->timeout));
  concurra_runner_set_task_retries (runner, settings->retries);
  concurra_runner_set_retry_delay (runner, settings->retry_delay);
  concurra_runner_set_fast_fail (runner, settings->fast_fail);
  if (settings->max_output >= 0)
    concurra_runner_set_max_output (runner, settings->max_output);
  /* the summary is ours; the runner's log would repeat it */
  concurra_runner_set_verify_on_finish (runner, FALSE);
  concurra_runner_set_launcher (runner, settings->slurm ? CONCURRA_LAUNCHER_KIND_SLURM
                                                        : CONCURRA_LAUNCHER_KIND_LOCAL);
  {
    g_autoptr(ConcurraSlurmOptions) defaults = slurm_options (&pipeline->slurm);

    if (defaults != NULL && !concurra_slurm_options_validate (defaults, error))
      {
        g_prefix_error (error, "%s: [pipeline]: ", pipeline->path);
        return NULL;
      }
    concurra_runner_set_slurm_options (runner, defaults);
  }

  for (guint i = 0; i < pipeline->tasks->len; i++)
    {
      CrTask *spec = pipeline->tasks->pdata[i];
      g_autoptr(ConcurraTask) task = spec->command
                                     ? concurra_task_new_shell_command (spec->command)
                                     : concurra_task_new_command ((const char * const *) spec->argv);
      g_autoptr(ConcurraSlurmOptions) own = slurm_options (&spec->slurm);

      if (spec->timeout >= 0)
        concurra_task_set_timeout (task, library_timeout (spec->timeout));
      if (spec->retries >= 0)
        concurra_task_set_retries (task, spec->retries);
      if (spec->retry_delay >= 0)
        concurra_task_set_retry_delay (task, spec->retry_delay);
      if (spec->max_output >= 0)
        concurra_task_set_max_output (task, spec->max_output);
      concurra_task_set_check (task, spec->check);
      concurra_task_set_cwd (task, spec->cwd);
      concurra_task_set_launcher (task, launcher_kind (spec->slurm.launcher));
      concurra_task_set_slurm_options (task, own);
      concurra_task_setenv (task, "CONCURRA_TASK", spec->label);
      concurra_task_setenv (task, "CONCURRA_PIPELINE_DIR", pipeline->dir);
      concurra_task_setenv (task, CR_RUN_ID_VARIABLE, run_id);
      for (guint e = 0; spec->env[e] != NULL; e++)
        {
          g_auto(GStrv) pair = g_strsplit (spec->env[e], "=", 2);

          concurra_task_setenv (task, pair[0], pair[1]);
        }

      if (!concurra_runner_add (runner, task, spec->label,
                                (const char * const *) spec->depends, error))
        {
          g_prefix_error (error, "%s:%d: [%s]: ", pipeline->path, spec->line, spec->group);
          return NULL;
        }
    }
  return g_steal_pointer (&runner);
}

/* ---- the run ---- */

static void
on_task_started (ConcurraRunner *runner,
                 ConcurraTask   *task,
                 App            *app)
{
  if (app->progress)
    cr_progress_started (app->progress, task);
  if (app->trace)
    cr_trace_started (app->trace, task);
}

static void
on_task_retrying (ConcurraRunner *runner,
                  ConcurraTask   *task,
                  guint           attempt,
                  GError         *error,
                  App            *app)
{
  if (app->progress)
    cr_progress_retrying (app->progress, task, attempt, error);
  if (app->trace)
    cr_trace_retrying (app->trace, task, attempt, error);
}

static void
on_task_finished (ConcurraRunner *runner,
                  ConcurraTask   *task,
                  App            *app)
{
  if (app->progress)
    cr_progress_finished (app->progress, task);
  if (app->trace)
    cr_trace_finished (app->trace, task);
}

static void
on_progress (ConcurraRunner *runner,
             guint           completed,
             guint           total,
             App            *app)
{
  if (app->progress)
    cr_progress_update (app->progress, completed, total);
}

static void
note (App        *app,
      const char *what,
      const char *doing)
{
  g_autofree char *line = g_strdup_printf ("concurra-run: %s, %s", what, doing);

  if (app->progress)
    cr_progress_note (app->progress, line);
}

/* The first signal stops the run: SIGTERM, and SIGKILL after a grace.
 * Another, or one during the clean-up after a timeout or fast-fail, kills
 * what is left at once. */
static void
on_signal (int      signum,
           gpointer user_data)
{
  App *app = user_data;
  const char *what = signum == SIGINT ? "interrupted" : g_strsignal (signum);

  if (g_cancellable_is_cancelled (app->hurry))
    return;
  if (app->signal_number == 0 && !app->cleaning_up)
    {
      app->signal_number = signum;
      note (app, what, "stopping all tasks…");
      concurra_runner_abort (app->runner);
    }
  else
    {
      note (app, what, "killing all tasks now");
      g_cancellable_cancel (app->hurry);
      /* the run ends once its commands are reaped, which the library's
       * grace for those ignoring SIGTERM would delay: cut it short */
      if (!app->cleaning_up)
        cr_reap_run_processes (app->run_id, 0, app->hurry);
    }
}

/* Progress that cannot be written (its reader is gone) ends the run as the
 * SIGPIPE it would have been; another write error only ends the display. */
static void
on_progress_error (int      error_number,
                   gpointer user_data)
{
  if (error_number == EPIPE)
    on_signal (SIGPIPE, user_data);
}

static void
on_run_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  App *app = user_data;
  g_autoptr(GHashTable) results = NULL;

  results = concurra_runner_run_finish (CONCURRA_RUNNER (source), result, &app->run_error);
  g_main_loop_quit (app->loop);
}

static int
run (App *app)
{
  app->loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (app->runner, "task-started", G_CALLBACK (on_task_started), app);
  g_signal_connect (app->runner, "task-retrying", G_CALLBACK (on_task_retrying), app);
  g_signal_connect (app->runner, "task-finished", G_CALLBACK (on_task_finished), app);
  g_signal_connect (app->runner, "progress", G_CALLBACK (on_progress), app);

  app->start = g_get_monotonic_time ();
  if (app->progress)
    cr_progress_update (app->progress, 0, app->pipeline->tasks->len);
  concurra_runner_run_async (app->runner, NULL, on_run_done, app);
  g_main_loop_run (app->loop);
  app->cleaning_up = TRUE;

  if (app->progress)
    cr_progress_end (app->progress);

  if (app->run_error != NULL)
    return EXIT_BAD_INPUT;
  if (app->signal_number != 0)
    return EXIT_INTERRUPTED + app->signal_number;
  return concurra_runner_get_n_failed (app->runner) > 0 ? EXIT_TASKS_FAILED : EXIT_ALL_SUCCEEDED;
}

/* Whether a command was stopped while it ran (timeout, fast-fail, abort). */
static gboolean
had_terminations (ConcurraRunner *runner)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (runner));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcurraTask) task = g_list_model_get_item (G_LIST_MODEL (runner), i);

      if (concurra_task_get_status (task) == CONCURRA_TASK_STATUS_TERMINATED
          && concurra_task_get_attempts (task) > 0)
        return TRUE;
    }
  return FALSE;
}

/* Each running command holds three descriptors here (its output pipes and
 * a pidfd): with the usual soft limit of 1024, jobs=1000 would fail to
 * start most of them. The soft limit goes up to the hard one, as programs
 * that need many descriptors are meant to do. */
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

/* Commands run in their own process groups: one reading the terminal would
 * be stopped (SIGTTIN) forever, so they get an empty standard input. */
static void
detach_stdin (void)
{
  int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);

  if (fd >= 0)
    {
      dup2 (fd, STDIN_FILENO);
      close (fd);
    }
}

/* Returns 0, or the errno of a write that failed. */
static int
print_results (App *app,
               int  status)
{
  CrOutcome outcome = {
    .elapsed = (g_get_monotonic_time () - app->start) / (double) G_USEC_PER_SEC,
    .interrupted = app->signal_number != 0,
    .exit_status = status,
  };
  /* with --json, standard output is for the JSON only */
  FILE *text = app->options->json ? stderr : stdout;
  CrSummaryFlags flags = (app->options->quiet ? 0 : CR_SUMMARY_TABLE)
                         | (app->options->verbose ? CR_SUMMARY_ALL_OUTPUT : 0);
  g_autofree char *summary = cr_report_summary (app->runner, app->pipeline, &outcome, flags);
  FILE *summary_stream = app->options->quiet ? stderr : text;

  errno = 0;
  if (fputs (summary, summary_stream) == EOF || fflush (summary_stream) != 0)
    return errno;
  if (app->options->json && !cr_report_json (app->runner, app->pipeline, &outcome, stdout))
    return errno;
  return fflush (stdout) == 0 ? 0 : errno;
}

int
main (int    argc,
      char **argv)
{
  g_auto(Options) options = { .jobs = UNSET_INT, .timeout = UNSET_SECONDS, .retries = UNSET_INT };
  g_autoptr(GError) error = NULL;
  g_autoptr(CrPipeline) pipeline = NULL;
  g_autoptr(ConcurraRunner) runner = NULL;
  g_auto(GStrv) args = NULL;
  g_autofree char *run_id = NULL;
  CrSettings settings;
  App app = { 0 };
  int status;

  setlocale (LC_ALL, "");
  g_set_prgname ("concurra-run");

  split_short_values (&argc, &argv);
  args = argv;
  if (!parse_options (&options, &args, &error))
    {
      g_printerr ("concurra-run: %s\nTry 'concurra-run --help' for more information.\n",
                  error->message);
      return EXIT_BAD_INPUT;
    }
  if (options.version)
    {
      g_print ("concurra-run %s\n", CONCURRA_VERSION_S);
      return EXIT_ALL_SUCCEEDED;
    }

  pipeline = cr_pipeline_load (options.operands[0], &error);
  if (pipeline == NULL ||
      !cr_pipeline_select (pipeline, (const char * const *) options.operands + 1, &error))
    {
      g_printerr ("concurra-run: %s\n", error->message);
      return EXIT_BAD_INPUT;
    }
  resolve_settings (&options, pipeline, &settings);

  if (options.list)
    {
      for (guint i = 0; i < pipeline->tasks->len; i++)
        g_print ("%s\n", ((CrTask *) pipeline->tasks->pdata[i])->label);
      return EXIT_ALL_SUCCEEDED;
    }
  if (options.dot)
    {
      g_autofree char *text = cr_report_dot (pipeline);

      fputs (text, stdout);
      return EXIT_ALL_SUCCEEDED;
    }

  run_id = g_uuid_string_random ();
  /* built for --dry-run too: it checks the Slurm options and makes the
   * srun lines the plan shows */
  runner = build_runner (pipeline, &settings, run_id, &error);
  if (runner == NULL)
    {
      g_printerr ("concurra-run: %s\n", error->message);
      return EXIT_BAD_INPUT;
    }
  if (options.dry_run)
    {
      g_autofree char *text = cr_report_plan (pipeline, &settings, runner);

      fputs (text, stdout);
      return EXIT_ALL_SUCCEEDED;
    }

  detach_stdin ();
  raise_fd_limit ();
  app.options = &options;
  app.pipeline = pipeline;
  app.runner = runner;
  app.hurry = g_cancellable_new ();
  app.run_id = run_id;
  cr_signals_watch (on_signal, &app);
  if (!options.quiet)
    app.progress = cr_progress_new (stderr, show_bar (&options), pipeline->tasks->len,
                                    on_progress_error, &app);
  if (options.trace != NULL)
    app.trace = cr_trace_new (pipeline->name);

  status = run (&app);
  if (app.run_error != NULL)
    {
      g_printerr ("concurra-run: %s: %s\n", pipeline->path, app.run_error->message);
    }
  else
    {
      /* the trace first: failing to write it changes the exit status,
       * which the JSON results report */
      if (app.trace != NULL && !cr_trace_write (app.trace, options.trace, &error))
        {
          g_printerr ("concurra-run: cannot write the trace: %s\n", error->message);
          if (status == EXIT_ALL_SUCCEEDED)
            status = EXIT_TASKS_FAILED;
        }
      /* a reader that closed the pipe early sees what a program killed by
       * SIGPIPE would have given it */
      if (print_results (&app, status) == EPIPE && status < EXIT_INTERRUPTED)
        status = EXIT_INTERRUPTED + SIGPIPE;
    }

  /* commands that ignored their SIGTERM must not outlive us */
  if (app.signal_number != 0 || had_terminations (runner))
    cr_reap_run_processes (run_id, KILL_GRACE_MS + 500, app.hurry);

  g_clear_error (&app.run_error);
  g_clear_pointer (&app.progress, cr_progress_free);
  g_clear_pointer (&app.trace, cr_trace_free);
  g_clear_pointer (&app.loop, g_main_loop_unref);
  g_clear_object (&app.hurry);
  return status;
}
