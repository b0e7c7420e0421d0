/* concurra-slurm.c: command tasks run as Slurm jobs.
 *
 * A Slurm command task is its command behind an srun line: srun makes one
 * allocation and one job step, runs the command in it and returns its exit
 * status, so the command executor (concurra-command.c) spawns srun and
 * watches it as it would the command, and this file does what differs:
 *
 * - the srun line, from the runner's and the task's ConcurraSlurmOptions
 *   (CPUs, memory, partition, a time limit from the task's timeout plus a
 *   margin, the label as the job's name, extra srun options);
 * - what srun says on its standard error, read as it comes (a filter on
 *   the child's pipe, before the output cap): `--verbose`
 *   makes srun name the job as soon as it is allocated ("srun: jobid N")
 *   and give the command's raw wait status ("status=0x0009"), so that an
 *   exit or a signal death is reported exactly as a local one; srun's and
 *   slurmstepd's own lines never reach the task's standard error;
 * - what Slurm did on its own: a job it could not allocate (an unknown
 *   partition, too much memory) or ended (a node failure, a time limit,
 *   preemption, scancel by someone else) fails the task with
 *   %CONCURRA_ERROR_LAUNCHER_FAILED, naming the label and Slurm's reason;
 * - stopping: on timeout, abort, fast-fail or cancel srun gets SIGTERM (it
 *   then kills the step and gives up the allocation, or withdraws a
 *   pending one) and, once the job id is known, `scancel` is run for it;
 *   the attempt ends only when both srun and scancel have exited.
 *
 * Nothing polls: no squeue, no sacct; the only events are srun's exit and
 * its output, and scancel's exit.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* memmem() */
#define _GNU_SOURCE
#include "concurra-deadlines-private.h"
#include "concurra-error.h"
#include "concurra-slurm-private.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_TIME_MARGIN 60.0

void
concurra_launch_free (ConcurraLaunch *launch)
{
  g_clear_object (&launch->options);
  g_strfreev (launch->srun);
  g_free (launch);
}

static ConcurraLaunch *
ensure_launch (ConcurraTask *task)
{
  if (task->launch == NULL)
    task->launch = g_new0 (ConcurraLaunch, 1);
  return task->launch;
}

/* ---- the srun line ---- */

/* A job name Slurm shows as it is: printable ASCII, no spaces. */
static char *
job_name (const char *label)
{
  char *name = g_strdup (label && *label ? label : "concurra");

  for (char *p = name; *p != '\0'; p++)
    if (!g_ascii_isgraph (*p))
      *p = '_';
  return name;
}

char **
concurra_slurm_srun_line (const char            *name,
                          ConcurraSlurmOptions  *defaults,
                          ConcurraSlurmOptions  *own,
                          double                 timeout,
                          gboolean               for_worker,
                          GError               **error)
{
  ConcurraSlurmOptions *both[2] = { own, defaults };
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *safe_name = job_name (name);
  const char *mem = NULL, *partition = NULL;
  double margin = -1;
  guint cpus = 0;

  for (guint i = 0; i < 2; i++)
    if (both[i] != NULL && !concurra_slurm_options_validate (both[i], error))
      {
        g_ptr_array_unref (argv);
        return NULL;
      }
  /* the task's own setting, else the runner's */
  for (guint i = 0; i < 2; i++)
    {
      if (both[i] == NULL)
        continue;
      if (cpus == 0)
        cpus = concurra_slurm_options_get_cpus (both[i]);
      if (mem == NULL)
        mem = concurra_slurm_options_get_mem (both[i]);
      if (partition == NULL)
        partition = concurra_slurm_options_get_partition (both[i]);
      if (margin < 0)
        margin = concurra_slurm_options_get_time_margin (both[i]);
    }

  g_ptr_array_add (argv, g_strdup ("srun"));
  if (for_worker)
    {
      /* the protocol runs over the step's standard input and output: no
       * line buffering on the way, and nothing of srun's own but errors */
      g_ptr_array_add (argv, g_strdup ("--unbuffered"));
      g_ptr_array_add (argv, g_strdup ("--quiet"));
    }
  else
    {
      /* the job id at allocation and the command's wait status */
      g_ptr_array_add (argv, g_strdup ("--verbose"));
      /* srun would otherwise read the terminal from a background group */
      g_ptr_array_add (argv, g_strdup ("--input=none"));
    }
  g_ptr_array_add (argv, g_strdup ("--nodes=1"));
  g_ptr_array_add (argv, g_strdup ("--ntasks=1"));
  g_ptr_array_add (argv, g_strdup_printf ("--job-name=%s", safe_name));
  if (cpus > 0)
    g_ptr_array_add (argv, g_strdup_printf ("--cpus-per-task=%u", cpus));
  if (mem != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--mem=%s", mem));
  if (partition != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--partition=%s", partition));
  if (concurra_timeout_is_limited (timeout))
    {
      double seconds = timeout + (margin >= 0 ? margin : DEFAULT_TIME_MARGIN);

      /* past what a deadline can be (about 31 years) there is no limit */
      if (seconds < 1e9)
        g_ptr_array_add (argv, g_strdup_printf ("--time=%.0f", MAX (1, ceil (seconds / 60))));
    }
  for (guint i = 2; i-- > 0;)
    {
      const char * const *extra = both[i] ? concurra_slurm_options_get_extra_args (both[i]) : NULL;

      for (guint j = 0; extra != NULL && extra[j] != NULL; j++)
        g_ptr_array_add (argv, g_strdup (extra[j]));
    }
  g_ptr_array_add (argv, NULL);
  return (char **) g_ptr_array_free (argv, FALSE);
}

gboolean
concurra_launch_check_options (ConcurraTask  *task,
                               const char    *label,
                               GError       **error)
{
  if (task->launch == NULL || task->launch->options == NULL)
    return TRUE;
  if (concurra_slurm_options_validate (task->launch->options, error))
    return TRUE;
  g_prefix_error (error, "Task '%s': ", label);
  return FALSE;
}

/* At run start: the task's srun line, or none if it runs here. */
gboolean
concurra_launch_prepare (ConcurraTask          *task,
                         const char            *label,
                         ConcurraLauncherKind   runner_kind,
                         ConcurraSlurmOptions  *runner_options,
                         GError               **error)
{
  ConcurraLauncherKind kind = task->launch ? task->launch->kind : CONCURRA_LAUNCHER_KIND_DEFAULT;
  char **srun;

  if (kind == CONCURRA_LAUNCHER_KIND_DEFAULT)
    kind = runner_kind;
  if (task->launch != NULL)
    g_clear_pointer (&task->launch->srun, g_strfreev);
  if (task->command == NULL || kind != CONCURRA_LAUNCHER_KIND_SLURM)
    return TRUE;

  srun = concurra_slurm_srun_line (label, runner_options,
                                   task->launch ? task->launch->options : NULL,
                                   task->timeout, FALSE, error);
  if (srun == NULL)
    {
      g_prefix_error (error, "Task '%s': ", label);
      return FALSE;
    }
  ensure_launch (task)->srun = srun;
  return TRUE;
}

/* The srun line followed by @argv, or NULL for a local task. */
char **
concurra_launch_wrap (ConcurraTask       *task,
                      const char * const *argv)
{
  GStrvBuilder *builder;
  char **argv_out;

  if (task->launch == NULL || task->launch->srun == NULL)
    return NULL;
  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) task->launch->srun);
  g_strv_builder_addv (builder, (const char **) argv);
  argv_out = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return argv_out;
}

/* ---- the task's settings ---- */

/**
 * concurra_task_set_launcher:
 * @task: a command task not started yet
 * @launcher: where it runs; %CONCURRA_LAUNCHER_KIND_DEFAULT (the default)
 *   for its runner's [property@Concurra.Runner:launcher]
 *
 * Sets where the command runs: on this machine, or as a Slurm job through
 * `srun` with the resources of [method@Concurra.Task.set_slurm_options]
 * and its runner's [property@Concurra.Runner:slurm-options].
 *
 * Since: 1.0
 */
void
concurra_task_set_launcher (ConcurraTask         *task,
                            ConcurraLauncherKind  launcher)
{
  g_return_if_fail (CONCURRA_IS_TASK (task));
  g_return_if_fail (task->command != NULL);
  g_return_if_fail (launcher <= CONCURRA_LAUNCHER_KIND_SLURM);

  ensure_launch (task)->kind = launcher;
}

/**
 * concurra_task_get_launcher:
 * @task: a task
 *
 * Gets where the command runs, as set on the task.
 *
 * Returns: the launcher; %CONCURRA_LAUNCHER_KIND_DEFAULT means the runner's
 *
 * Since: 1.0
 */
ConcurraLauncherKind
concurra_task_get_launcher (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), CONCURRA_LAUNCHER_KIND_DEFAULT);

  return task->launch ? task->launch->kind : CONCURRA_LAUNCHER_KIND_DEFAULT;
}

/**
 * concurra_task_set_slurm_options:
 * @task: a command task not started yet
 * @options: (nullable): the task's own Slurm options, %NULL for none
 *
 * Sets what the task asks Slurm for when it runs through Slurm; a setting
 * it leaves unset is taken from the runner's
 * [property@Concurra.Runner:slurm-options]. The options are read when the
 * run starts, and checked when the task is added and when the run starts.
 *
 * Since: 1.0
 */
void
concurra_task_set_slurm_options (ConcurraTask         *task,
                                 ConcurraSlurmOptions *options)
{
  g_return_if_fail (CONCURRA_IS_TASK (task));
  g_return_if_fail (task->command != NULL);
  g_return_if_fail (options == NULL || CONCURRA_IS_SLURM_OPTIONS (options));

  g_set_object (&ensure_launch (task)->options, options);
}

/**
 * concurra_task_get_slurm_options:
 * @task: a task
 *
 * Gets the task's own Slurm options.
 *
 * Returns: (nullable) (transfer none): the options, %NULL if it has none
 *
 * Since: 1.0
 */
ConcurraSlurmOptions *
concurra_task_get_slurm_options (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);

  return task->launch ? task->launch->options : NULL;
}

/**
 * concurra_task_get_slurm_job_id:
 * @task: a task
 *
 * Gets the id of the Slurm job that runs or ran the task's last attempt
 * (also the `slurm_job_id` field of its result): known from the moment
 * Slurm gives the job an id, before the command starts, and readable from
 * any thread.
 *
 * Returns: the job id, 0 if the task did not run through Slurm or Slurm
 *   never gave it a job
 *
 * Since: 1.0
 */
guint64
concurra_task_get_slurm_job_id (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), 0);

  return task->launch ? task->launch->job_id : 0;
}

/* ---- an attempt ---- */

struct _ConcurraSlurmAttempt
{
  ConcurraTask       *task;
  GMainContext       *context;
  gboolean            capture_output;
  GByteArray         *line;           /* srun's standard error not taken yet */
  guint64             job_id;
  guint64             cancelled_job;  /* scancel was run for it */
  ConcurraChild      *scancel;        /* running */
  gboolean            have_status;
  int                 status;         /* the command's wait status */
  char               *srun_exit;      /* how srun ended, when it ran no command */
  GString            *errors;         /* srun's error lines */
  char               *ended;          /* slurmstepd's banner when Slurm ended the job */
  gboolean            step_aborted;   /* srun: Slurm ended the step, banner or not */
  ConcurraChildFunc   deferred_func;
  ConcurraChild      *deferred_child;
  gpointer            deferred_data;
};

static guint64
parse_id (const char *p)
{
  return g_ascii_strtoull (p, NULL, 10);
}

/* The job id in "srun: jobid 42: nodes(1)..." (once allocated) or "srun:
 * job 42 queued and waiting for resources" (before), 0 in other lines. */
static guint64
job_id_of (const char *line)
{
  if (g_str_has_prefix (line, "srun: jobid "))
    return parse_id (line + strlen ("srun: jobid "));
  if (g_str_has_prefix (line, "srun: job ") && g_ascii_isdigit (line[strlen ("srun: job ")]))
    return parse_id (line + strlen ("srun: job "));
  return 0;
}

/* One line of srun's: the job id, the command's wait status, an error. */
static void
scan_srun_line (ConcurraSlurmAttempt *attempt,
                const char           *line)
{
  const char *status = strstr (line, "(status=0x");
  guint64 id = job_id_of (line);

  if (id != 0)
    {
      attempt->job_id = id;
      /* readable while the job runs */
      attempt->task->launch->job_id = id;
      return;
    }
  if (status != NULL)
    {
      attempt->have_status = TRUE;
      attempt->status = (int) g_ascii_strtoll (status + strlen ("(status=0x"), NULL, 16);
    }
  else if (g_str_has_prefix (line, "srun: Job step aborted"))
    /* srun's own line, when Slurm ends the step: slurmstepd's banner with
     * the reason is relayed by srun and, like the tail of a step's output,
     * can be lost when the machine is loaded */
    attempt->step_aborted = TRUE;
  else if (g_str_has_prefix (line, "srun: error: ") && strstr (line, ": task ") == NULL)
    {
      /* "HOST: task 0: Exited with exit code 3" only repeats the status */
      if (attempt->errors == NULL)
        attempt->errors = g_string_new (NULL);
      else
        g_string_append (attempt->errors, "; ");
      g_string_append (attempt->errors, line + strlen ("srun: error: "));
    }
}

/* "slurmstepd-HOST: error: *** JOB 7 ON HOST CANCELLED AT ... DUE TO NODE FAILURE ***" */
static void
scan_stepd_line (ConcurraSlurmAttempt *attempt,
                 const char           *line)
{
  const char *start = strstr (line, "*** ");
  const char *end = start ? strstr (start + 4, " ***") : NULL;

  if (end != NULL && attempt->ended == NULL)
    attempt->ended = g_strndup (start + 4, end - (start + 4));
}

static void
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      data += n;
      len -= n;
    }
}

/* What a task that does not capture its output would have printed goes
 * where it would have gone, as it comes. */
static void
keep (ConcurraSlurmAttempt *attempt,
      int                   fd,
      GByteArray           *kept,
      const guint8         *data,
      gsize                 len)
{
  if (attempt->capture_output)
    g_byte_array_append (kept, data, len);
  else
    write_all (fd, data, len);
}

/* A line of srun's or slurmstepd's, without its newline. */
static void
take_line (ConcurraSlurmAttempt *attempt,
           const guint8         *line,
           gsize                 len)
{
  g_autofree char *text = g_strndup ((const char *) line, len);

  if (g_str_has_prefix (text, "srun: "))
    scan_srun_line (attempt, text);
  else
    scan_stepd_line (attempt, text);
}

static const char * const markers[] = { "srun: ", "slurmstepd" };

/* Where the first of srun's or slurmstepd's messages begins in @data,
 * or NULL. */
static const guint8 *
find_marker (const guint8 *data,
             gsize         len)
{
  const guint8 *first = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (markers); i++)
    {
      const guint8 *at = memmem (data, len, markers[i], strlen (markers[i]));

      if (at != NULL && (first == NULL || at < first))
        first = at;
    }
  return first;
}

/* How many bytes at the end of @data could be the beginning of a marker. */
static gsize
marker_prefix_at_end (const guint8 *data,
                      gsize         len)
{
  for (gsize n = MIN (len, strlen ("slurmstepd") - 1); n > 0; n--)
    for (guint i = 0; i < G_N_ELEMENTS (markers); i++)
      if (n < strlen (markers[i]) && memcmp (data + len - n, markers[i], n) == 0)
        return n;
  return 0;
}

/* srun's standard error, as it is read. srun writes its own messages
 * ("srun: ...", "slurmstepd-HOST: ...", each a whole line) into the
 * stream that carries the command's standard error, and may do it in the
 * middle of a line the command has not finished ("progress 50%srun: ..."):
 * a message is found wherever it begins, read, and left out; everything
 * else is the command's, kept as it comes. */
static void
filter_stderr (const guint8 *data,
               gsize         len,
               GByteArray   *kept,
               gpointer      user_data)
{
  ConcurraSlurmAttempt *attempt = user_data;
  GByteArray *pending = attempt->line;

  if (data == NULL)
    {
      /* the end: an unfinished message is still one */
      const guint8 *at = find_marker (pending->data, pending->len);

      if (at != NULL)
        {
          keep (attempt, STDERR_FILENO, kept, pending->data, at - pending->data);
          take_line (attempt, at, pending->data + pending->len - at);
        }
      else
        keep (attempt, STDERR_FILENO, kept, pending->data, pending->len);
      g_byte_array_set_size (pending, 0);
      return;
    }

  g_byte_array_append (pending, data, len);
  for (;;)
    {
      const guint8 *at = find_marker (pending->data, pending->len);
      const guint8 *nl;
      gsize held;

      if (at == NULL)
        {
          held = marker_prefix_at_end (pending->data, pending->len);
          keep (attempt, STDERR_FILENO, kept, pending->data, pending->len - held);
          g_byte_array_remove_range (pending, 0, pending->len - held);
          return;
        }
      keep (attempt, STDERR_FILENO, kept, pending->data, at - pending->data);
      g_byte_array_remove_range (pending, 0, at - pending->data);
      nl = memchr (pending->data, '\n', pending->len);
      if (nl == NULL)
        return;      /* the rest of the message is still to come */
      take_line (attempt, pending->data, nl - pending->data);
      g_byte_array_remove_range (pending, 0, nl + 1 - pending->data);
    }
}

static void
filter_stdout (const guint8 *data,
               gsize         len,
               GByteArray   *kept,
               gpointer      user_data)
{
  if (data != NULL)
    keep (user_data, STDOUT_FILENO, kept, data, len);
}

ConcurraSlurmAttempt *
concurra_slurm_attempt_new (ConcurraTask *task,
                            gboolean      capture_output)
{
  ConcurraSlurmAttempt *attempt = g_new0 (ConcurraSlurmAttempt, 1);

  attempt->task = task;
  attempt->context = g_main_context_ref_thread_default ();
  attempt->capture_output = capture_output;
  attempt->line = g_byte_array_new ();
  task->launch->job_id = 0;
  return attempt;
}

/* srun was spawned: its standard error is read line by line from now on
 * (and its standard output, when the task does not capture it). */
void
concurra_slurm_attempt_watch (ConcurraSlurmAttempt *attempt,
                              ConcurraChild        *srun)
{
  concurra_child_set_filter (srun, 2, filter_stderr, attempt);
  if (!attempt->capture_output)
    concurra_child_set_filter (srun, 1, filter_stdout, attempt);
}

void
concurra_slurm_attempt_free (ConcurraSlurmAttempt *attempt)
{
  g_assert (attempt->scancel == NULL);
  g_main_context_unref (attempt->context);
  g_byte_array_unref (attempt->line);
  g_free (attempt->srun_exit);
  g_free (attempt->ended);
  if (attempt->errors != NULL)
    g_string_free (attempt->errors, TRUE);
  g_free (attempt);
}

static void
on_scancel_exit (ConcurraChild *child,
                 gpointer       user_data)
{
  ConcurraSlurmAttempt *attempt = user_data;
  ConcurraChildFunc func = g_steal_pointer (&attempt->deferred_func);

  concurra_child_free (g_steal_pointer (&attempt->scancel));
  if (func != NULL)
    func (attempt->deferred_child, attempt->deferred_data);
}

static void
run_scancel (ConcurraSlurmAttempt *attempt)
{
  g_autofree char *id = g_strdup_printf ("%" G_GUINT64_FORMAT, attempt->job_id);
  const char *argv[] = { "scancel", "--quiet", id, NULL };
  g_auto(GStrv) envp = g_get_environ ();
  gboolean push = g_main_context_get_thread_default () != attempt->context &&
                  !(g_main_context_get_thread_default () == NULL &&
                    attempt->context == g_main_context_default ());
  g_autoptr(GError) error = NULL;

  attempt->cancelled_job = attempt->job_id;
  /* its exit is watched on the attempt's context */
  if (push)
    g_main_context_push_thread_default (attempt->context);
  attempt->scancel = concurra_child_spawn (argv, (const char * const *) envp, NULL, TRUE, -1,
                                           on_scancel_exit, attempt, &error);
  if (push)
    g_main_context_pop_thread_default (attempt->context);
  if (attempt->scancel == NULL)
    g_warning ("Could not cancel Slurm job %s of task '%s': %s", id, attempt->task->label,
               error->message);
}

/* The attempt is being stopped (srun gets SIGTERM, or SIGKILL after the
 * grace period, from the command executor): the job is cancelled too, as
 * soon as its id is known. */
void
concurra_slurm_attempt_cancel (ConcurraSlurmAttempt *attempt,
                               ConcurraChild        *srun)
{
  /* what srun said and was not read yet may name the job */
  concurra_child_read_pending (srun);
  if (attempt->job_id != 0 && attempt->job_id != attempt->cancelled_job && attempt->scancel == NULL)
    run_scancel (attempt);
}

/* srun has exited: TRUE if the attempt must wait for scancel first, in
 * which case @func is called with @srun and @data when it has exited. */
gboolean
concurra_slurm_attempt_defer (ConcurraSlurmAttempt *attempt,
                              ConcurraChildFunc     func,
                              ConcurraChild        *srun,
                              gpointer              data)
{
  if (attempt->scancel == NULL)
    return FALSE;
  attempt->deferred_func = func;
  attempt->deferred_child = srun;
  attempt->deferred_data = data;
  return TRUE;
}

/* srun has exited: the command's own wait status replaces srun's, so that
 * the command executor reports it as it would a local one. */
void
concurra_slurm_attempt_translate (ConcurraSlurmAttempt *attempt,
                                  ConcurraChild        *srun)
{
  attempt->task->launch->job_id = attempt->job_id;
  if (attempt->have_status && !concurra_child_get_if_signaled (srun))
    concurra_child_set_wait_status (srun, attempt->status);
  else if (!attempt->have_status)
    attempt->srun_exit = concurra_child_describe_exit (srun);
  /* srun's output was read for its lines; not captured, it is no result */
  if (!attempt->capture_output)
    concurra_child_discard_output (srun);
}

static GVariant *
with_job_id (GVariant *result,
             guint64   job_id)
{
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_iter_init (&iter, result);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_variant_builder_add (&builder, "{sv}", key, value);
      g_variant_unref (value);
    }
  g_variant_builder_add (&builder, "{sv}", "slurm_job_id", g_variant_new_uint64 (job_id));
  return g_variant_builder_end (&builder);
}

/* After the command executor recorded the exit: the job id goes into the
 * result, and what Slurm did on its own becomes the task's error. */
void
concurra_slurm_attempt_record (ConcurraSlurmAttempt *attempt,
                               gboolean              cancelled)
{
  ConcurraTask *task = attempt->task;
  ConcurraOutcome *outcome = &task->outcome;

  if (attempt->job_id != 0 && G_VALUE_HOLDS_VARIANT (&outcome->value))
    g_value_set_variant (&outcome->value,
                         with_job_id (g_value_get_variant (&outcome->value), attempt->job_id));
  if (cancelled)
    return;

  if (!attempt->have_status)
    {
      /* the command never ran: there is no exit status to report */
      concurra_outcome_clear (outcome);
      outcome->error = g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_LAUNCHER_FAILED,
                                    "Task '%s': Slurm did not run the command: %s",
                                    task->label,
                                    attempt->errors ? attempt->errors->str : attempt->srun_exit);
    }
  else if (attempt->ended != NULL || attempt->step_aborted)
    {
      g_clear_error (&outcome->error);
      outcome->error = g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_LAUNCHER_FAILED,
                                    "Task '%s': Slurm ended job %" G_GUINT64_FORMAT ": %s%s%s",
                                    task->label, attempt->job_id,
                                    attempt->ended ? attempt->ended
                                                   : "CANCELLED (the job step was aborted; "
                                                     "Slurm's reason did not arrive)",
                                    attempt->errors ? "; " : "",
                                    attempt->errors ? attempt->errors->str : "");
    }
}
