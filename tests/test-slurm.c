/* test-slurm.c: command tasks and worker processes run through Slurm,
 * against a real cluster (tests/slurm/start-cluster.sh starts a
 * single-node one; .ci/run does it in CI): the srun line each task gets
 * (resources, time limit, job name, extra options; runner defaults and
 * per-task overrides), bad options as errors naming the task, output,
 * exit status and signal deaths reported as for a local command, the job
 * cancelled (and gone from squeue) on timeout, abort, cancel and
 * fast-fail, what Slurm does on its own (an unknown partition, a job
 * cancelled behind our back) as a clear error, retries resubmitting, and
 * process-mode workers started through srun or any launcher command.
 *
 * Tests that need the cluster are skipped, with the reason, when none is
 * reachable (sinfo fails) outside CI; in CI (CI or CONCURRA_REQUIRE_SLURM
 * set) a missing cluster fails them. The tests themselves look at squeue
 * (the library never does): waiting for a job to leave the queue is done
 * here, with a generous bound.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <concurra.h>

#include "test-concurra-helpers.h"

static char *worker_path;

/* ---- the cluster ---- */

static gboolean
cluster_reachable (void)
{
  static int reachable = -1;

  if (reachable < 0)
    {
      const char *argv[] = { "sinfo", "-h", "-o", "%t", NULL };
      g_autofree char *out = NULL;
      int status = -1;

      reachable = g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                                NULL, NULL, &out, NULL, &status, NULL) &&
                  g_spawn_check_wait_status (status, NULL) && out != NULL && *out != '\0';
    }
  return reachable;
}

/* TRUE if the test can go on; otherwise it is skipped, or failed in CI. */
static gboolean
need_cluster (void)
{
  if (cluster_reachable ())
    return TRUE;
  if (g_getenv ("CI") != NULL || g_getenv ("CONCURRA_REQUIRE_SLURM") != NULL)
    {
      g_test_message ("no Slurm cluster is reachable (sinfo failed), and CI requires one: "
                      "tests/slurm/start-cluster.sh starts it");
      g_test_fail ();
      return FALSE;
    }
  g_test_skip ("no Slurm cluster is reachable (sinfo failed); tests/slurm/start-cluster.sh "
               "starts a single-node one (as root)");
  return FALSE;
}

static char *
capture (const char * const *argv)
{
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  return g_strstrip (g_steal_pointer (&out));
}

/* The ids of the jobs in the queue (any state squeue shows: pending,
 * running, completing...) named @name. */
static char *
jobs_named (const char *name)
{
  const char *argv[] = { "squeue", "-h", "-n", name, "-o", "%i", NULL };

  return capture (argv);
}

static gboolean
job_in_queue (guint64 id)
{
  const char *argv[] = { "squeue", "-h", "-o", "%i", NULL };
  g_autofree char *out = capture (argv);
  g_auto(GStrv) ids = g_strsplit (out, "\n", -1);

  for (guint i = 0; ids[i] != NULL; i++)
    if (g_ascii_strtoull (ids[i], NULL, 10) == id)
      return TRUE;
  return FALSE;
}

/* The first id of the jobs named @name in the queue, 0 if none. */
static guint64
job_named (const char *name)
{
  g_autofree char *ids = jobs_named (name);

  return g_ascii_strtoull (ids, NULL, 10);
}

static gboolean
job_gone (guint64 id)
{
  return !job_in_queue (id);
}

static gboolean
name_gone (const char *name)
{
  return job_named (name) == 0;
}

/* Checks @done every 100 ms (a test may poll squeue; the library never
 * does) until it holds; FALSE after 90 s: a job Slurm is still completing
 * (killing and cleaning up, on a loaded machine under ASan) stays in the
 * queue for a while after it was cancelled. */
#define WAIT_UNTIL(done) \
  ({ gboolean _ok = FALSE; \
     for (guint _i = 0; _i < 900 && !(_ok = (done)); _i++) \
       g_usleep (100 * 1000); \
     _ok; })

static gboolean
wait_job_gone (guint64 id)
{
  return WAIT_UNTIL (job_gone (id));
}

static gboolean
wait_name_gone (const char *name)
{
  return WAIT_UNTIL (name_gone (name));
}

/* Waits until a job named @name is in the queue, and returns its id. */
static guint64
wait_job_named (const char *name)
{
  guint64 id = 0;

  g_assert_true (WAIT_UNTIL ((id = job_named (name)) != 0));
  return id;
}

/* A label no other test process uses at the same time. */
static char *
unique (const char *what)
{
  static guint counter;

  return g_strdup_printf ("%s-%d-%u", what, (int) getpid (), ++counter);
}

/* ---- runners and tasks ---- */

static ConcurraRunner *
new_runner (ConcurraLauncherKind launcher)
{
  ConcurraRunner *runner = concurra_runner_new ("slurm-test");

  concurra_runner_set_verify_on_finish (runner, FALSE);
  concurra_runner_set_log_errors (runner, FALSE);
  concurra_runner_set_max_concurrency (runner, 4);
  concurra_runner_set_launcher (runner, launcher);
  return runner;
}

static ConcurraTask *
add_shell (ConcurraRunner *runner,
           const char     *label,
           const char     *command)
{
  g_autoptr(ConcurraTask) task = concurra_task_new_shell_command (command);
  g_autoptr(GError) error = NULL;

  concurra_runner_add (runner, task, label, NULL, &error);
  g_assert_no_error (error);
  return task;
}

static void
run (ConcurraRunner *runner)
{
  g_autoptr(GHashTable) results = concurra_runner_run (runner, NULL, NULL);

  g_assert_nonnull (results);
}

static ConcurraSlurmOptions *
options_new (guint       cpus,
             const char *mem,
             const char *partition)
{
  ConcurraSlurmOptions *options = concurra_slurm_options_new ();

  concurra_slurm_options_set_cpus (options, cpus);
  concurra_slurm_options_set_mem (options, mem);
  concurra_slurm_options_set_partition (options, partition);
  return options;
}

static char *
launch_line (ConcurraRunner *runner,
             const char     *label)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = concurra_runner_dup_launch_command (runner, label, &error);

  g_assert_no_error (error);
  return g_strjoinv (" ", argv);
}

/* ---- the srun line (no cluster needed) ---- */

static void
test_srun_line (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  g_autoptr(ConcurraSlurmOptions) defaults = options_new (2, "1G", "debug");
  g_autoptr(ConcurraSlurmOptions) own = options_new (4, NULL, NULL);
  const char *runner_extra[] = { "--exclusive", NULL };
  const char *task_extra[] = { "--constraint=avx2", NULL };
  const char *argv[] = { "simulate", "--steps", "10", NULL };
  ConcurraTask *task;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  concurra_slurm_options_set_time_margin (defaults, 30);
  concurra_slurm_options_set_extra_args (defaults, runner_extra);
  concurra_runner_set_slurm_options (runner, defaults);
  concurra_runner_set_timeout (runner, 600);

  /* the runner's defaults, the label as job name, timeout 90 + margin 30
   * = 2 minutes */
  task = concurra_runner_add_command (runner, "sim", NULL, argv, &error);
  g_assert_no_error (error);
  concurra_task_set_timeout (task, 90);
  line = launch_line (runner, "sim");
  g_assert_cmpstr (line, ==, "srun --verbose --input=none --nodes=1 --ntasks=1 --job-name=sim "
                   "--cpus-per-task=2 --mem=1G --partition=debug --time=2 --exclusive "
                   "simulate --steps 10");
  g_clear_pointer (&line, g_free);

  /* the task's own settings override one at a time; extra arguments add up;
   * the runner's timeout (600 s) + 30 s = 11 minutes */
  concurra_slurm_options_set_extra_args (own, task_extra);
  concurra_slurm_options_set_time_margin (own, 0);
  task = add_shell (runner, "two words", "make -j4 && make check");
  concurra_task_set_slurm_options (task, own);
  line = launch_line (runner, "two words");
  g_assert_cmpstr (line, ==, "srun --verbose --input=none --nodes=1 --ntasks=1 --job-name=two_words "
                   "--cpus-per-task=4 --mem=1G --partition=debug --time=10 --exclusive "
                   "--constraint=avx2 /bin/sh -c make -j4 && make check");
  g_clear_pointer (&line, g_free);

  /* a local task of a Slurm runner runs as it is */
  task = add_shell (runner, "here", "true");
  concurra_task_set_launcher (task, CONCURRA_LAUNCHER_KIND_LOCAL);
  g_assert_cmpint (concurra_task_get_launcher (task), ==, CONCURRA_LAUNCHER_KIND_LOCAL);
  line = launch_line (runner, "here");
  g_assert_cmpstr (line, ==, "/bin/sh -c true");
  g_clear_pointer (&line, g_free);

  /* no timeout anywhere: no time limit */
  concurra_runner_set_timeout (runner, CONCURRA_TIMEOUT_DEFAULT);
  line = launch_line (runner, "two words");
  g_assert_null (strstr (line, "--time"));
  g_clear_pointer (&line, g_free);
  /* nor a timeout too long to ever end */
  concurra_runner_set_timeout (runner, 1e300);
  line = launch_line (runner, "two words");
  g_assert_null (strstr (line, "--time"));
  g_clear_pointer (&line, g_free);
  /* 0 is no time at all: the shortest limit Slurm has */
  concurra_runner_set_timeout (runner, 0);
  line = launch_line (runner, "two words");
  g_assert_nonnull (strstr (line, "--time=1 "));
  g_clear_pointer (&line, g_free);

  g_assert_null (concurra_runner_dup_launch_command (runner, "nope", &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'nope'"));
}

static void
test_launcher_properties (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("props");
  g_autoptr(ConcurraSlurmOptions) options = NULL;
  g_auto(GStrv) launcher = NULL;
  ConcurraLauncherKind kind;
  const char *ssh[] = { "ssh", "node1", NULL };

  g_assert_cmpint (concurra_runner_get_launcher (runner), ==, CONCURRA_LAUNCHER_KIND_LOCAL);
  g_object_set (runner, "launcher", CONCURRA_LAUNCHER_KIND_SLURM,
                "slurm-options", options_new (3, "2G", NULL),
                "worker-launcher", ssh, NULL);
  g_object_get (runner, "launcher", &kind, "slurm-options", &options,
                "worker-launcher", &launcher, NULL);
  g_assert_cmpint (kind, ==, CONCURRA_LAUNCHER_KIND_SLURM);
  g_assert_cmpuint (concurra_slurm_options_get_cpus (options), ==, 3);
  g_assert_cmpstr (concurra_slurm_options_get_mem (options), ==, "2G");
  g_assert_cmpstrv (launcher, ssh);
  g_assert_cmpfloat (concurra_slurm_options_get_time_margin (options), <, 0);
  /* the property's object is the runner's; unref the creation reference */
  g_object_unref (options);
  g_clear_object (&options);
  g_object_get (runner, "slurm-options", &options, NULL);
  g_assert_true (options == concurra_runner_get_slurm_options (runner));
}

/* ---- bad options (no cluster needed) ---- */

static void
assert_add_fails (ConcurraSlurmOptions *options,
                  const char           *expected)
{
  g_autoptr(ConcurraRunner) runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  g_autoptr(ConcurraTask) task = concurra_task_new_shell_command ("true");
  g_autoptr(GError) error = NULL;

  concurra_task_set_slurm_options (task, options);
  g_assert_false (concurra_runner_add (runner, task, "bad-task", NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "Task 'bad-task'"));
  g_assert_nonnull (strstr (error->message, expected));
}

static void
test_invalid_options (void)
{
  g_autoptr(ConcurraSlurmOptions) mem = options_new (0, "lots", NULL);
  g_autoptr(ConcurraSlurmOptions) partition = options_new (0, NULL, "a b");
  g_autoptr(ConcurraSlurmOptions) dash = options_new (0, NULL, "-x");
  g_autoptr(ConcurraSlurmOptions) extra = concurra_slurm_options_new ();
  g_autoptr(ConcurraSlurmOptions) good = options_new (1, "512M", "debug,long");
  const char *split[] = { "--constraint", "avx2", NULL };
  g_autoptr(GError) error = NULL;

  assert_add_fails (mem, "mem='lots'");
  assert_add_fails (partition, "partition='a b'");
  assert_add_fails (dash, "partition='-x'");
  concurra_slurm_options_set_extra_args (extra, split);
  assert_add_fails (extra, "argument 1 ('avx2')");
  g_assert_true (concurra_slurm_options_validate (good, &error));
  g_assert_no_error (error);
}

static void
test_invalid_runner_options (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  g_autoptr(ConcurraSlurmOptions) bad = options_new (0, "12X", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *task = add_shell (runner, "t", "true");

  concurra_runner_set_slurm_options (runner, bad);
  results = concurra_runner_run (runner, NULL, &error);
  g_assert_null (results);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "Runner 'slurm-test'"));
  g_assert_nonnull (strstr (error->message, "mem='12X'"));
  /* nothing ran */
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_cmpuint (concurra_task_get_slurm_job_id (task), ==, 0);
}

static void
test_no_srun (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner (CONCURRA_LAUNCHER_KIND_LOCAL);
  g_autofree char *path = g_strdup (g_getenv ("PATH"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *task = add_shell (runner, "remote", "true");

  concurra_task_set_launcher (task, CONCURRA_LAUNCHER_KIND_SLURM);
  g_setenv ("PATH", "/nonexistent", TRUE);
  results = concurra_runner_run (runner, NULL, &error);
  g_setenv ("PATH", path, TRUE);
  g_assert_null (results);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "Task 'remote'"));
  g_assert_nonnull (strstr (error->message, "'srun' is not found"));
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_TERMINATED);
}

/* ---- running on the cluster ---- */

static void
test_output_and_status (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autoptr(GVariant) result = NULL;
  guint64 id = 0;
  ConcurraTask *fails, *env;

  if (!need_cluster ())
    return;
  runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  fails = add_shell (runner, "fails", "echo out; echo err >&2; exit 3");
  env = add_shell (runner, "env", "echo \"$FOO\"; pwd; echo \"$SLURM_JOB_NAME\"");
  concurra_task_setenv (env, "FOO", "bar baz");
  concurra_task_set_cwd (env, "/tmp");
  run (runner);

  g_assert_cmpint (concurra_task_get_status (fails), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_true (concurra_task_has_returncode (fails));
  g_assert_cmpint (concurra_task_get_returncode (fails), ==, 3);
  g_assert_cmpstr (concurra_task_get_stdout (fails), ==, "out\n");
  /* srun's own lines are not the command's */
  g_assert_cmpstr (concurra_task_get_stderr (fails), ==, "err\n");
  g_assert_error (concurra_task_get_error (fails), CONCURRA_ERROR, CONCURRA_ERROR_COMMAND_FAILED);
  g_assert_cmpstr (concurra_task_get_error (fails)->message, ==, "Command exited with return code 3: err");
  g_assert_cmpuint (concurra_task_get_slurm_job_id (fails), >, 0);
  result = g_variant_lookup_value (g_value_get_variant (concurra_task_get_value (fails)),
                                   "slurm_job_id", G_VARIANT_TYPE_UINT64);
  g_assert_nonnull (result);
  g_assert_cmpuint (g_variant_get_uint64 (result), ==, concurra_task_get_slurm_job_id (fails));

  /* environment, directory and job name reach the job */
  g_assert_cmpint (concurra_task_get_status (env), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpstr (concurra_task_get_stdout (env), ==, "bar baz\n/tmp\nenv\n");
  g_assert_cmpstr (concurra_task_get_stderr (env), ==, "");
  id = concurra_task_get_slurm_job_id (env);
  g_assert_cmpuint (id, >, 0);
  g_assert_cmpuint (id, !=, concurra_task_get_slurm_job_id (fails));
}

/* srun's lines are read before the output cap: a command that prints
 * more than the cap still reports its exit status and job id, and what is
 * kept is the command's own. srun writes its messages in the middle of a
 * line the command left unfinished: they are found there all the same. */
static void
test_output_cap_and_partial_lines (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  ConcurraTask *chatty, *partial;

  if (!need_cluster ())
    return;
  runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  chatty = add_shell (runner, "chatty", "head -c 200000 /dev/zero | tr '\\0' x >&2; exit 5");
  concurra_task_set_max_output (chatty, 1000);
  partial = add_shell (runner, "partial", "printf 'no newline' >&2; printf out");
  run (runner);

  g_assert_error (concurra_task_get_error (chatty), CONCURRA_ERROR, CONCURRA_ERROR_COMMAND_FAILED);
  g_assert_true (concurra_task_has_returncode (chatty));
  g_assert_cmpint (concurra_task_get_returncode (chatty), ==, 5);
  /* well past the cap, but not all 200 000 bytes: on a loaded machine srun
   * itself drops the tail of a step's output still in flight when the
   * step ends (a bare srun piped to wc on this 2-CPU node, with two busy
   * loops beside it: 8 runs of 40 got 126 KB of the 200) */
  g_assert_cmpuint (concurra_task_get_stderr_omitted (chatty), >, 50000);
  g_assert_null (strstr (concurra_task_get_stderr (chatty), "srun"));
  g_assert_cmpuint (concurra_task_get_slurm_job_id (chatty), >, 0);
  g_assert_cmpstr (concurra_task_get_stderr (partial), ==, "no newline");
  g_assert_cmpstr (concurra_task_get_stdout (partial), ==, "out");
}

static void
test_signal_death (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  ConcurraTask *remote, *local;

  if (!need_cluster ())
    return;
  runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  remote = add_shell (runner, "remote", "kill -9 $$");
  local = add_shell (runner, "local", "kill -9 $$");
  concurra_task_set_launcher (local, CONCURRA_LAUNCHER_KIND_LOCAL);
  run (runner);

  g_assert_true (concurra_task_has_returncode (remote));
  g_assert_cmpint (concurra_task_get_returncode (remote), ==, -9);
  g_assert_error (concurra_task_get_error (remote), CONCURRA_ERROR, CONCURRA_ERROR_COMMAND_FAILED);
  /* word for word what a local command reports */
  g_assert_cmpstr (concurra_task_get_error (remote)->message, ==,
                   concurra_task_get_error (local)->message);
  g_assert_cmpuint (concurra_task_get_slurm_job_id (local), ==, 0);
}

static void
test_resources (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autoptr(ConcurraSlurmOptions) options = options_new (2, "100M", NULL);
  g_autofree char *label = unique ("res");
  g_autofree char *expected = NULL;
  ConcurraTask *task;

  if (!need_cluster ())
    return;
  runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  concurra_runner_set_slurm_options (runner, options);
  /* the job as Slurm sees it: timeout 30 s + the default 60 s margin */
  task = add_shell (runner, label,
                    "echo $SLURM_CPUS_PER_TASK $SLURM_JOB_NAME $SLURM_NTASKS; "
                    "scontrol show job $SLURM_JOB_ID | grep -o 'MinMemoryNode=[0-9A-Z]*\\|TimeLimit=[0-9:]*'");
  concurra_task_set_timeout (task, 30);
  run (runner);
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  expected = g_strdup_printf ("2 %s 1\nTimeLimit=00:02:00\nMinMemoryNode=100M\n", label);
  g_assert_cmpstr (concurra_task_get_stdout (task), ==, expected);
}

static void
test_timeout_cancels_job (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  ConcurraTask *task;
  gint64 start;
  guint64 id;

  if (!need_cluster ())
    return;
  runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  task = add_shell (runner, "slow", "sleep 300");
  concurra_task_set_timeout (task, 1);
  start = g_get_monotonic_time ();
  run (runner);

  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_error (concurra_task_get_error (task), CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 15 * G_USEC_PER_SEC);
  id = concurra_task_get_slurm_job_id (task);
  g_assert_cmpuint (id, >, 0);
  g_assert_true (wait_job_gone (id));
}

/* Starts @command as a Slurm task in the background and returns once its
 * job is in the queue. */
static ConcurraTask *
start_in_background (ConcurraRunner *runner,
                     const char     *label,
                     const char     *command)
{
  ConcurraTask *task = add_shell (runner, label, command);
  g_autoptr(GError) error = NULL;

  concurra_runner_start (runner, &error);
  g_assert_no_error (error);
  wait_job_named (label);
  return task;
}

static void
test_abort_cancels_job (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autofree char *label = unique ("abort");
  g_autofree char *pending = unique ("abort-pending");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(ConcurraSlurmOptions) options = options_new (g_get_num_processors (), NULL, NULL);
  ConcurraTask *task, *waiting;

  if (!need_cluster ())
    return;
  runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  /* one job takes every CPU of the node, so the other one waits in the
   * queue: a pending job is withdrawn too */
  concurra_runner_set_slurm_options (runner, options);
  waiting = add_shell (runner, pending, "sleep 300");
  task = start_in_background (runner, label, "sleep 300");
  wait_job_named (pending);
  concurra_runner_abort (runner);
  results = concurra_runner_wait (runner, NULL, NULL);
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_cmpint (concurra_task_get_status (waiting), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_true (wait_name_gone (label));
  g_assert_true (wait_name_gone (pending));
}

static void
test_cancel_cancels_job (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autofree char *label = unique ("cancel");
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *task;
  guint64 id;

  if (!need_cluster ())
    return;
  runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  task = start_in_background (runner, label, "sleep 300");
  /* the job id is the task's while the job runs */
  id = wait_job_named (label);
  g_assert_true (WAIT_UNTIL (concurra_task_get_slurm_job_id (task) == id));
  g_assert_true (concurra_task_cancel (task));
  results = concurra_runner_wait (runner, NULL, NULL);
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_true (wait_name_gone (label));
}

/* A main-context task that fails once its runner knows the job of
 * @user_data (a Slurm task): that job is running, and fast-fail must
 * cancel it. Checked every 50 ms, in the test only. */
static gboolean
fail_once_job_known (gpointer user_data)
{
  ConcurraTask **tasks = user_data;

  if (concurra_task_get_slurm_job_id (tasks[1]) == 0)
    return G_SOURCE_CONTINUE;
  concurra_task_return_new_error (tasks[0], G_IO_ERROR, G_IO_ERROR_FAILED, "fails on purpose");
  return G_SOURCE_REMOVE;
}

static gboolean
start_failing (ConcurraTask  *task,
               GCancellable  *cancellable,
               gpointer       user_data,
               GError       **error)
{
  ConcurraTask **tasks = user_data;
  g_autoptr(GSource) source = g_timeout_source_new (50);

  tasks[0] = task;
  g_source_set_callback (source, fail_once_job_known, tasks, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return TRUE;
}

static void
test_fast_fail_cancels_job (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autofree char *label = unique ("sleeper");
  g_autoptr(GError) error = NULL;
  ConcurraTask *sleeper, *fails;
  ConcurraTask *tasks[2] = { NULL };   /* the failing task, the sleeper */

  if (!need_cluster ())
    return;
  runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  concurra_runner_set_fast_fail (runner, TRUE);
  sleeper = tasks[1] = add_shell (runner, label, "sleep 300");
  /* fails once the sleeper's job is surely running and known to the
   * runner (squeue can show it running before srun has named it) */
  fails = concurra_runner_add_main_context_task (runner, "fails", NULL, start_failing, tasks,
                                                 NULL, &error);
  g_assert_no_error (error);
  run (runner);
  g_assert_cmpint (concurra_task_get_status (fails), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpint (concurra_task_get_status (sleeper), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_cmpuint (concurra_task_get_slurm_job_id (sleeper), >, 0);
  g_assert_true (wait_name_gone (label));
}

static void
test_unknown_partition (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autoptr(ConcurraSlurmOptions) options = options_new (0, NULL, "nosuchpartition");
  ConcurraTask *task;

  if (!need_cluster ())
    return;
  runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  task = add_shell (runner, "lost", "true");
  concurra_task_set_slurm_options (task, options);
  concurra_task_set_retries (task, 1);
  run (runner);
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_error (concurra_task_get_error (task), CONCURRA_ERROR, CONCURRA_ERROR_LAUNCHER_FAILED);
  g_assert_nonnull (strstr (concurra_task_get_error (task)->message, "Task 'lost': Slurm did not run"));
  g_assert_nonnull (strstr (concurra_task_get_error (task)->message, "Invalid partition name specified"));
  /* the command never ran: no exit status */
  g_assert_false (concurra_task_has_returncode (task));
  /* retried: resubmitted, refused again */
  g_assert_cmpuint (concurra_task_get_attempts (task), ==, 2);
  g_assert_cmpuint (concurra_task_get_slurm_job_id (task), ==, 0);
}

static void
test_too_much_memory (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autoptr(ConcurraSlurmOptions) options = options_new (0, "900T", NULL);
  ConcurraTask *task;

  if (!need_cluster ())
    return;
  runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  concurra_runner_set_slurm_options (runner, options);
  task = add_shell (runner, "greedy", "true");
  run (runner);
  g_assert_error (concurra_task_get_error (task), CONCURRA_ERROR, CONCURRA_ERROR_LAUNCHER_FAILED);
  g_assert_nonnull (strstr (concurra_task_get_error (task)->message, "Task 'greedy'"));
  g_assert_nonnull (strstr (concurra_task_get_error (task)->message, "Memory specification"));
}

/* A job that Slurm ends on its own (here scancel by someone else; a node
 * failure, a time limit or preemption end it the same way) fails the task
 * with Slurm's reason. */
static void
test_cancelled_by_slurm (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autofree char *label = unique ("victim");
  g_autofree char *id_text = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *task;
  guint64 id;

  if (!need_cluster ())
    return;
  runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  task = start_in_background (runner, label, "sleep 300");
  id = wait_job_named (label);
  id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);
  {
    const char *argv[] = { "scancel", id_text, NULL };
    g_free (capture (argv));
  }
  results = concurra_runner_wait (runner, NULL, NULL);
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_error (concurra_task_get_error (task), CONCURRA_ERROR, CONCURRA_ERROR_LAUNCHER_FAILED);
  expected = g_strdup_printf ("Task '%s': Slurm ended job %s: ", label, id_text);
  g_assert_true (g_str_has_prefix (concurra_task_get_error (task)->message, expected));
  g_assert_nonnull (strstr (concurra_task_get_error (task)->message, "CANCELLED"));
  g_assert_cmpuint (concurra_task_get_slurm_job_id (task), ==, id);
}

static void
test_retries_resubmit (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autofree char *dir = g_dir_make_tmp ("concurra-slurm-XXXXXX", NULL);
  g_autofree char *counter = g_build_filename (dir, "attempts", NULL);
  g_autofree char *command = g_strdup_printf (
      "echo $SLURM_JOB_ID >> %s; [ $(wc -l < %s) -ge 2 ]", counter, counter);
  g_autofree char *contents = NULL;
  g_auto(GStrv) ids = NULL;
  ConcurraTask *task;

  if (!need_cluster ())
    return;
  runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  task = add_shell (runner, "flaky", command);
  concurra_task_set_retries (task, 2);
  run (runner);
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpuint (concurra_task_get_attempts (task), ==, 2);
  /* two jobs, the second one's id recorded */
  g_assert_true (g_file_get_contents (counter, &contents, NULL, NULL));
  ids = g_strsplit (g_strstrip (contents), "\n", -1);
  g_assert_cmpuint (g_strv_length (ids), ==, 2);
  g_assert_cmpstr (ids[0], !=, ids[1]);
  g_assert_cmpuint (g_ascii_strtoull (ids[1], NULL, 10), ==, concurra_task_get_slurm_job_id (task));
  g_unlink (counter);
  g_rmdir (dir);
}

static void
test_launcher_per_task (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autofree char *expected = NULL;
  ConcurraTask *remote, *local;

  if (!need_cluster ())
    return;
  runner = new_runner (CONCURRA_LAUNCHER_KIND_LOCAL);
  remote = add_shell (runner, "remote", "echo ${SLURM_JOB_ID:-none}");
  concurra_task_set_launcher (remote, CONCURRA_LAUNCHER_KIND_SLURM);
  local = add_shell (runner, "local", "echo ${SLURM_JOB_ID:-none}");
  run (runner);
  expected = g_strdup_printf ("%" G_GUINT64_FORMAT "\n", concurra_task_get_slurm_job_id (remote));
  g_assert_cmpstr (concurra_task_get_stdout (remote), ==, expected);
  g_assert_cmpstr (concurra_task_get_stdout (local), ==, "none\n");
  g_assert_cmpuint (concurra_task_get_slurm_job_id (local), ==, 0);
}

static void
test_not_captured (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  ConcurraTask *task;

  if (!need_cluster ())
    return;
  if (g_test_subprocess ())
    {
      runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
      task = add_shell (runner, "loud", "echo to-stdout; echo to-stderr >&2");
      concurra_task_set_capture_output (task, FALSE);
      run (runner);
      g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
      g_assert_null (concurra_task_get_stdout (task));
      g_assert_null (concurra_task_get_stderr (task));
      g_assert_cmpuint (concurra_task_get_slurm_job_id (task), >, 0);
      return;
    }
  /* what is not captured goes to this process's output, without srun's lines */
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*to-stdout*");
  g_test_trap_assert_stderr ("*to-stderr*");
  g_test_trap_assert_stderr_unmatched ("*srun:*");
}

/* ---- worker processes ---- */

static ConcurraRunner *
new_process_runner (const char *name)
{
  ConcurraRunner *runner = concurra_runner_new (name);
  const char *command[] = { worker_path, NULL };

  concurra_runner_set_verify_on_finish (runner, FALSE);
  concurra_runner_set_log_errors (runner, FALSE);
  concurra_runner_set_execution_mode (runner, CONCURRA_EXECUTION_MODE_PROCESS);
  concurra_runner_set_worker_command (runner, command);
  concurra_runner_set_max_concurrency (runner, 2);
  return runner;
}

static GPtrArray *
add_getenv_tasks (ConcurraRunner *runner,
                  const char     *variable,
                  guint           n)
{
  GPtrArray *tasks = g_ptr_array_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = g_strdup_printf ("env-%u", i);
      g_autoptr(GError) error = NULL;
      ConcurraTask *task = concurra_runner_add_process_task (runner, label, NULL, "getenv",
                                                             g_variant_new ("(s)", variable), &error);

      g_assert_no_error (error);
      g_ptr_array_add (tasks, task);
    }
  return tasks;
}

static const char *
string_value (ConcurraTask *task)
{
  const GValue *value = concurra_task_get_value (task);

  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_true (G_VALUE_HOLDS_VARIANT (value));
  return g_variant_get_string (g_value_get_variant (value), NULL);
}

/* Workers through srun: one job per worker, reused across tasks. */
static void
test_workers_through_srun (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autoptr(GPtrArray) tasks = NULL;
  g_autoptr(GHashTable) jobs = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *name = unique ("pool");
  g_autofree char *job_name = NULL;

  if (!need_cluster ())
    return;
  runner = new_process_runner (name);
  concurra_runner_set_launcher (runner, CONCURRA_LAUNCHER_KIND_SLURM);
  tasks = add_getenv_tasks (runner, "SLURM_JOB_ID", 12);
  run (runner);
  for (guint i = 0; i < tasks->len; i++)
    {
      const char *id = string_value (g_ptr_array_index (tasks, i));

      g_assert_cmpstr (id, !=, "");
      g_hash_table_add (jobs, (gpointer) id);
    }
  /* a warm pool: at most max-concurrency jobs for twelve tasks */
  g_assert_cmpuint (g_hash_table_size (jobs), >=, 1);
  g_assert_cmpuint (g_hash_table_size (jobs), <=, 2);
  job_name = g_strdup_printf ("%s-worker", name);
  g_assert_true (wait_name_gone (job_name));
}

/* Without a cluster: @script as the `srun` first on PATH, in a new
 * directory (returned; remove_fake_srun() takes it away). */
static char *
fake_srun (const char *script)
{
  char *dir = g_dir_make_tmp ("concurra-srun-XXXXXX", NULL);
  g_autofree char *srun = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (dir);
  srun = g_build_filename (dir, "srun", NULL);
  g_assert_true (g_file_set_contents (srun, script, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (srun, 0755), ==, 0);
  path = g_strdup_printf ("%s:%s", dir, g_getenv ("PATH"));
  g_setenv ("PATH", path, TRUE);
  return dir;
}

static void
remove_fake_srun (const char *dir)
{
  g_autofree char *srun = g_build_filename (dir, "srun", NULL);
  g_autofree char *prefix = g_strdup_printf ("%s:", dir);
  const char *path = g_getenv ("PATH");

  g_assert_true (g_str_has_prefix (path, prefix));
  g_setenv ("PATH", path + strlen (prefix), TRUE);
  g_unlink (srun);
  g_rmdir (dir);
}

/* An `srun` that notes its arguments and runs the command after its
 * options here. A worker process lives as long as the run, so its job has
 * no time limit, whatever the tasks' timeouts. */
static void
test_worker_srun_line (void)
{
  g_autoptr(ConcurraRunner) runner = new_process_runner ("fake-srun");
  g_autofree char *dir = NULL;
  g_autofree char *noted = NULL;
  g_autofree char *args = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tasks = NULL;
  const char *script =
    "#!/bin/sh\n"
    "printf '%s\\n' \"$@\" >> \"$(dirname \"$0\")/srun-args\"\n"
    "while [ $# -gt 0 ]; do case \"$1\" in --*) shift;; *) break;; esac; done\n"
    "SLURM_JOB_ID=4242 exec \"$@\"\n";

  concurra_runner_set_launcher (runner, CONCURRA_LAUNCHER_KIND_SLURM);
  concurra_runner_set_timeout (runner, 30);
  tasks = add_getenv_tasks (runner, "SLURM_JOB_ID", 2);
  dir = fake_srun (script);
  noted = g_build_filename (dir, "srun-args", NULL);
  run (runner);

  for (guint i = 0; i < tasks->len; i++)
    g_assert_cmpstr (string_value (g_ptr_array_index (tasks, i)), ==, "4242");
  g_assert_true (g_file_get_contents (noted, &args, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (args, "--unbuffered\n"));
  g_assert_nonnull (strstr (args, "--job-name=fake-srun-worker\n"));
  g_assert_null (strstr (args, "--time"));
  g_unlink (noted);
  remove_fake_srun (dir);
}

/* Slurm ended the step, and srun said so ("Job step aborted"), but
 * slurmstepd's banner with the reason, which srun relays, was lost (as
 * the tail of a step's output can be on a loaded machine): the task still
 * fails as ended by Slurm, not as a command that died of a signal. */
static void
test_step_aborted_without_reason (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner (CONCURRA_LAUNCHER_KIND_SLURM);
  g_autofree char *dir = NULL;
  ConcurraTask *task;
  const char *script =
    "#!/bin/sh\n"
    "echo 'srun: jobid 77: nodes(1):`vm'\\'', cpu counts: 1(x1)' >&2\n"
    "echo 'srun: Job step aborted: Waiting up to 7 seconds for job step to finish.' >&2\n"
    "echo 'srun: launch/slurm: _task_finish: Received task exit notification for 1 task of "
    "StepId=77.0 (status=0x000f).' >&2\n"
    "echo 'srun: error: vm: task 0: Terminated' >&2\n"
    "exit 143\n";

  task = add_shell (runner, "victim", "sleep 300");
  dir = fake_srun (script);
  run (runner);
  remove_fake_srun (dir);

  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_error (concurra_task_get_error (task), CONCURRA_ERROR, CONCURRA_ERROR_LAUNCHER_FAILED);
  g_assert_true (g_str_has_prefix (concurra_task_get_error (task)->message,
                                   "Task 'victim': Slurm ended job 77: CANCELLED"));
  g_assert_cmpuint (concurra_task_get_slurm_job_id (task), ==, 77);
}

static void
test_worker_timeout_through_srun (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autofree char *name = unique ("stuck");
  g_autofree char *job_name = NULL;
  g_autoptr(GError) error = NULL;
  ConcurraTask *task, *crash;

  if (!need_cluster ())
    return;
  runner = new_process_runner (name);
  concurra_runner_set_launcher (runner, CONCURRA_LAUNCHER_KIND_SLURM);
  task = concurra_runner_add_process_task (runner, "hang", NULL, "sleep",
                                           g_variant_new ("(ds)", 300.0, ""), &error);
  g_assert_no_error (error);
  concurra_task_set_timeout (task, 1);
  crash = concurra_runner_add_process_task (runner, "crash", NULL, "segv", NULL, &error);
  g_assert_no_error (error);
  run (runner);
  g_assert_error (concurra_task_get_error (task), CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_assert_error (concurra_task_get_error (crash), CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED);
  job_name = g_strdup_printf ("%s-worker", name);
  g_assert_true (wait_name_gone (job_name));
}

/* Any launcher command (here a shell standing in for ssh): the protocol
 * over its standard input and output; what a function prints does not
 * break it. No cluster needed. */
static void
test_worker_launcher_command (void)
{
  g_autoptr(ConcurraRunner) runner = new_process_runner ("prefixed");
  const char *launcher[] = { "sh", "-c", "LAUNCHED=yes exec \"$@\"", "sh", NULL };
  g_autoptr(GPtrArray) tasks = NULL;
  g_autoptr(GPtrArray) hygiene = NULL;

  concurra_runner_set_worker_launcher (runner, launcher);
  tasks = add_getenv_tasks (runner, "LAUNCHED", 6);
  run (runner);
  for (guint i = 0; i < tasks->len; i++)
    g_assert_cmpstr (string_value (g_ptr_array_index (tasks, i)), ==, "yes");

  /* the worker's own marker does not leak to what its functions start */
  g_clear_object (&runner);
  runner = new_process_runner ("prefixed-2");
  concurra_runner_set_worker_launcher (runner, launcher);
  hygiene = add_getenv_tasks (runner, "CONCURRA_WORKER_FD", 1);
  run (runner);
  g_assert_cmpstr (string_value (g_ptr_array_index (hygiene, 0)), ==, "");
}

/* What comes through a launcher is checked as untrusted, as from a local
 * worker: a launcher that prints on its standard output (a login banner,
 * say) breaks the protocol, and the task fails with what was wrong. */
static void
test_worker_launcher_untrusted (void)
{
  g_autoptr(ConcurraRunner) runner = new_process_runner ("chatty-launcher");
  const char *launcher[] = { "sh", "-c", "echo 'Welcome to node7'; exec \"$@\"", "sh", NULL };
  g_autoptr(GPtrArray) tasks = NULL;
  ConcurraTask *task;

  concurra_runner_set_worker_launcher (runner, launcher);
  tasks = add_getenv_tasks (runner, "HOME", 1);
  run (runner);
  task = g_ptr_array_index (tasks, 0);
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_error (concurra_task_get_error (task), CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED);
}

/* A launcher command that is not there fails the tasks clearly. */
static void
test_worker_launcher_missing (void)
{
  g_autoptr(ConcurraRunner) runner = new_process_runner ("missing");
  const char *launcher[] = { "/nonexistent/ssh", "node1", NULL };
  g_autoptr(GPtrArray) tasks = NULL;
  ConcurraTask *task;

  concurra_runner_set_worker_launcher (runner, launcher);
  tasks = add_getenv_tasks (runner, "HOME", 1);
  run (runner);
  task = g_ptr_array_index (tasks, 0);
  g_assert_error (concurra_task_get_error (task), CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED);
  g_assert_nonnull (strstr (concurra_task_get_error (task)->message, "Could not start a worker process"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  worker_path = g_strdup (g_getenv ("CONCURRA_TEST_WORKER"));
  if (worker_path == NULL)
    worker_path = g_test_build_filename (G_TEST_BUILT, "process-worker", NULL);

  g_test_add_func ("/slurm/srun-line", test_srun_line);
  g_test_add_func ("/slurm/launcher-properties", test_launcher_properties);
  g_test_add_func ("/slurm/invalid-options", test_invalid_options);
  g_test_add_func ("/slurm/invalid-runner-options", test_invalid_runner_options);
  g_test_add_func ("/slurm/no-srun", test_no_srun);
  g_test_add_func ("/slurm/output-and-status", test_output_and_status);
  g_test_add_func ("/slurm/output-cap-and-partial-lines", test_output_cap_and_partial_lines);
  g_test_add_func ("/slurm/signal-death", test_signal_death);
  g_test_add_func ("/slurm/resources", test_resources);
  g_test_add_func ("/slurm/timeout-cancels-job", test_timeout_cancels_job);
  g_test_add_func ("/slurm/abort-cancels-job", test_abort_cancels_job);
  g_test_add_func ("/slurm/cancel-cancels-job", test_cancel_cancels_job);
  g_test_add_func ("/slurm/fast-fail-cancels-job", test_fast_fail_cancels_job);
  g_test_add_func ("/slurm/unknown-partition", test_unknown_partition);
  g_test_add_func ("/slurm/too-much-memory", test_too_much_memory);
  g_test_add_func ("/slurm/cancelled-by-slurm", test_cancelled_by_slurm);
  g_test_add_func ("/slurm/retries-resubmit", test_retries_resubmit);
  g_test_add_func ("/slurm/launcher-per-task", test_launcher_per_task);
  g_test_add_func ("/slurm/not-captured", test_not_captured);
  g_test_add_func ("/slurm/worker-srun-line", test_worker_srun_line);
  g_test_add_func ("/slurm/step-aborted-without-reason", test_step_aborted_without_reason);
  g_test_add_func ("/slurm/workers-through-srun", test_workers_through_srun);
  g_test_add_func ("/slurm/worker-timeout-through-srun", test_worker_timeout_through_srun);
  g_test_add_func ("/slurm/worker-launcher-command", test_worker_launcher_command);
  g_test_add_func ("/slurm/worker-launcher-untrusted", test_worker_launcher_untrusted);
  g_test_add_func ("/slurm/worker-launcher-missing", test_worker_launcher_missing);

  return g_test_run ();
}
