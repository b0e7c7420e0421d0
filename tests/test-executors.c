/* test-executors.c: how tasks run — the executors behind the scheduler.
 * Async (main-context) tasks and commands hold no thread while they wait;
 * all kinds share one count of permits and start in queue order; a
 * main-context task whose start function fails (or, in JavaScript, throws)
 * fails at once; a run is not over before the commands it stopped are
 * reaped.
 *
 * Thread counts are read from /proc/self/status and compared with the
 * count before the run, with a margin for GLib's own helper threads;
 * nothing here is timed except with generous, relative bounds.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <concurra.h>

#include "test-concurra-helpers.h"

/* more threads than this over the idle count means a thread per task */
#define THREAD_MARGIN 4

static guint
count_threads (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "\nThreads:");
  g_assert_nonnull (line);
  return (guint) g_ascii_strtoull (line + strlen ("\nThreads:"), NULL, 10);
}

/* Records the thread count when the last of n tasks has started. */
typedef struct
{
  guint n_started;
  guint n_expected;
  guint threads_at_peak;
  guint max_running;
} Peak;

static void
on_task_started (ConcurraRunner *runner,
                 ConcurraTask   *task,
                 Peak           *peak)
{
  peak->max_running = MAX (peak->max_running, concurra_runner_get_n_running (runner));
  if (++peak->n_started == peak->n_expected)
    peak->threads_at_peak = count_threads ();
}

/* Runs @runner, whose tasks all wait at once, and checks that they held no
 * thread while they did. */
static void
assert_waits_without_threads (ConcurraRunner *runner,
                              const char     *what)
{
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  Peak peak = { 0, concurra_runner_get_n_tasks (runner), 0, 0 };
  guint idle;

  concurra_runner_set_max_concurrency (runner, peak.n_expected);
  g_signal_connect (runner, "task-started", G_CALLBACK (on_task_started), &peak);
  idle = count_threads ();
  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (concurra_runner_get_n_failed (runner), ==, 0);
  /* all of them waited at once, and no thread waited with them */
  g_assert_cmpuint (peak.max_running, ==, peak.n_expected);
  if (peak.threads_at_peak > idle + THREAD_MARGIN)
    g_error ("%u %s held %u threads (idle: %u)", peak.n_expected, what,
             peak.threads_at_peak, idle);
}

static gboolean
report_later (gpointer data)
{
  concurra_task_return_int (data, 7);
  return G_SOURCE_REMOVE;
}

/* Starts a timer on the thread-default context (the owner's) and reports
 * from it. */
static gboolean
start_timer (ConcurraTask  *task,
             GCancellable  *cancellable,
             gpointer       user_data,
             GError       **error)
{
  GSource *source = g_timeout_source_new (GPOINTER_TO_UINT (user_data));

  g_source_set_callback (source, report_later, g_object_ref (task), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  return TRUE;
}

static void
test_main_context_no_thread (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("no-thread-async");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(ConcurraTask) task = concurra_task_new_main_context ("timer", start_timer,
                                                                     GUINT_TO_POINTER (300), NULL);

      g_assert_true (concurra_runner_add (runner, task, NULL, NULL, &error));
    }
  assert_waits_without_threads (runner, "main-context tasks waiting");
}

static void
test_command_no_thread (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("no-thread-commands");
  g_autoptr(GError) error = NULL;
  const char * const argv[] = { "sleep", "1", NULL };

  for (guint i = 0; i < 64; i++)
    g_assert_nonnull (concurra_runner_add_command (runner, NULL, NULL, argv, &error));
  assert_waits_without_threads (runner, "running commands");
}

/* ---- one count of permits, one queue ---- */

static void
record_start (ConcurraRunner *runner,
              ConcurraTask   *task,
              GString        *order)
{
  g_string_append_printf (order, "%s%s", order->len ? " " : "", concurra_task_get_label (task));
}

static void
thread_nap (ConcurraTask *task,
            GCancellable *cancellable,
            gpointer      user_data)
{
  g_usleep (20 * 1000);
}

static void
test_shared_permits (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("permits");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) order = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new (NULL);
  const char * const argv[] = { "sleep", "0.05", NULL };
  Peak peak = { 0, 0, 0, 0 };

  concurra_runner_set_max_concurrency (runner, 2);
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *label = g_strdup_printf ("t%02u", i);
      g_autoptr(ConcurraTask) task = NULL;

      switch (i % 3)
        {
        case 0:
          task = concurra_task_new_command (argv);
          break;
        case 1:
          task = concurra_task_new_main_context (NULL, start_timer, GUINT_TO_POINTER (30), NULL);
          break;
        default:
          task = concurra_task_new (NULL, thread_nap, NULL, NULL);
          break;
        }
      g_assert_true (concurra_runner_add (runner, task, label, NULL, &error));
      g_string_append_printf (expected, "%s%s", i ? " " : "", label);
    }
  peak.n_expected = G_MAXUINT;
  g_signal_connect (runner, "task-started", G_CALLBACK (on_task_started), &peak);
  g_signal_connect (runner, "task-started", G_CALLBACK (record_start), order);

  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (concurra_runner_get_n_failed (runner), ==, 0);
  /* never more than max-concurrency at once, whatever the kind, and the
   * kinds take their turns in the order they were added */
  g_assert_cmpuint (peak.max_running, ==, 2);
  g_assert_cmpstr (order->str, ==, expected->str);
}

/* ---- main-context tasks whose start fails ---- */

static gboolean
refuse_with_error (ConcurraTask  *task,
                   GCancellable  *cancellable,
                   gpointer       user_data,
                   GError       **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "no network for %s",
               concurra_task_get_label (task));
  return FALSE;
}

static gboolean
refuse_silently (ConcurraTask  *task,
                 GCancellable  *cancellable,
                 gpointer       user_data,
                 GError       **error)
{
  return FALSE;
}

static gboolean
report_then_refuse (ConcurraTask  *task,
                    GCancellable  *cancellable,
                    gpointer       user_data,
                    GError       **error)
{
  concurra_task_return_string (task, "reported first");
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "too late to count");
  return FALSE;
}

static void
test_start_failure (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("start-failure");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraTask) refused = concurra_task_new_main_context (NULL, refuse_with_error, NULL, NULL);
  g_autoptr(ConcurraTask) silent = concurra_task_new_main_context (NULL, refuse_silently, NULL, NULL);
  g_autoptr(ConcurraTask) reported = concurra_task_new_main_context (NULL, report_then_refuse, NULL, NULL);
  g_autoptr(ConcurraTask) fine = concurra_task_new_main_context (NULL, start_timer, GUINT_TO_POINTER (10), NULL);
  const GError *task_error;

  concurra_runner_set_task_retries (runner, 1);
  g_assert_true (concurra_runner_add (runner, refused, "refused", NULL, &error));
  g_assert_true (concurra_runner_add (runner, silent, "silent", NULL, &error));
  g_assert_true (concurra_runner_add (runner, reported, "reported", NULL, &error));
  g_assert_true (concurra_runner_add (runner, fine, "fine", NULL, &error));
  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);

  /* failed at once, retried as any failure, with the function's error */
  g_assert_cmpint (concurra_task_get_status (refused), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpuint (concurra_task_get_attempts (refused), ==, 2);
  task_error = concurra_task_get_error (refused);
  g_assert_error (task_error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_assert_cmpstr (task_error->message, ==, "no network for refused");

  test_assert_task_error (silent, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR_FAILED, NULL);
  if (strstr (concurra_task_get_error (silent)->message, "'silent'") == NULL)
    g_error ("the message should name the task: %s", concurra_task_get_error (silent)->message);

  /* a report made before the function failed stands */
  g_assert_cmpint (concurra_task_get_status (reported), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpstr (g_value_get_string (concurra_task_get_value (reported)), ==, "reported first");
  g_assert_cmpint (concurra_task_get_status (fine), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (g_value_get_int64 (concurra_task_get_value (fine)), ==, 7);
}

/* ---- a report never runs other tasks' functions inside it ---- */

typedef struct
{
  gboolean in_report;
  gboolean started_inside_report;
  guint    n_started;
} Nesting;

static gboolean
report_in_timer (gpointer data)
{
  ConcurraTask *task = data;
  Nesting *nesting = g_object_get_data (G_OBJECT (task), "nesting");

  nesting->in_report = TRUE;
  concurra_task_return_int (task, 1);
  nesting->in_report = FALSE;
  return G_SOURCE_REMOVE;
}

static gboolean
start_and_report_later (ConcurraTask  *task,
                        GCancellable  *cancellable,
                        gpointer       user_data,
                        GError       **error)
{
  Nesting *nesting = user_data;
  GSource *source = g_timeout_source_new (5);

  nesting->started_inside_report |= nesting->in_report;
  nesting->n_started++;
  g_object_set_data (G_OBJECT (task), "nesting", nesting);
  g_source_set_callback (source, report_in_timer, g_object_ref (task), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  return TRUE;
}

static void
test_report_does_not_nest (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("no-nesting");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  Nesting nesting = { FALSE, FALSE, 0 };

  /* one at a time: each report frees the permit the next one needs */
  concurra_runner_set_max_concurrency (runner, 1);
  for (guint i = 0; i < 5; i++)
    g_assert_nonnull (concurra_runner_add_main_context_task (runner, NULL, NULL, start_and_report_later,
                                                             &nesting, NULL, &error));
  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nesting.n_started, ==, 5);
  g_assert_false (nesting.started_inside_report);
}

/* ---- a stopped main-context task ---- */

typedef struct
{
  ConcurraTask *task;
  GCancellable *cancellable;
} Pending;

static gboolean
start_and_keep (ConcurraTask  *task,
                GCancellable  *cancellable,
                gpointer       user_data,
                GError       **error)
{
  Pending *pending = user_data;

  pending->task = g_object_ref (task);
  pending->cancellable = g_object_ref (cancellable);
  return TRUE;
}

static void
test_main_context_timeout (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("mc-timeout");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  Pending pending = { NULL, NULL };
  g_autoptr(ConcurraTask) task = concurra_task_new_main_context (NULL, start_and_keep, &pending, NULL);

  concurra_task_set_timeout (task, 0.2);
  g_assert_true (concurra_runner_add (runner, task, "never-reports", NULL, &error));
  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);

  test_assert_task_error (task, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT, NULL);
  g_assert_true (g_cancellable_is_cancelled (pending.cancellable));
  /* a late report is dropped, its value freed (LeakSanitizer checks) */
  concurra_task_return_variant (pending.task, g_variant_new_string ("late"));
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_null (concurra_task_get_value (task));
  g_object_unref (pending.task);
  g_object_unref (pending.cancellable);
}

/* ---- a run ends after the commands it stopped are gone ---- */

/* Members of process group @pgid that are alive (not zombies: a killed
 * grandchild waits for init, which may not reap it, to collect it). */
static guint
count_live_members (pid_t pgid)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *stat = NULL;
      const char *after_comm;
      char state;
      int pgrp;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      /* "pid (comm) state ppid pgrp ...", comm may hold spaces */
      after_comm = strrchr (stat, ')');
      if (after_comm != NULL && sscanf (after_comm + 1, " %c %*d %d", &state, &pgrp) == 2 &&
          pgrp == pgid && state != 'Z' && state != 'X')
        n++;
    }
  return n;
}

static gboolean
wait_no_live_members (pid_t  pgid,
                      double timeout)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout * G_USEC_PER_SEC);

  while (count_live_members (pgid) > 0)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (10 * 1000);
    }
  return TRUE;
}

static void
test_command_reaped_before_run_returns (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("reaped");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pid_file = g_build_filename (g_get_tmp_dir (), "concurra-test-reaped-XXXXXX", NULL);
  g_autofree char *script = NULL;
  g_autofree char *contents = NULL;
  ConcurraTask *task;
  int fd;
  pid_t pid;

  fd = g_mkstemp (pid_file);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  /* ignores SIGTERM (and so do its children): only the SIGKILL after the
   * grace period ends it */
  script = g_strdup_printf ("trap '' TERM; echo $$ > '%s'; while :; do sleep 1; done", pid_file);
  task = concurra_runner_add_shell_command (runner, "stubborn", NULL, script, &error);
  g_assert_no_error (error);
  concurra_task_set_timeout (task, 0.5);

  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);
  test_assert_task_error (task, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT, NULL);

  g_assert_true (g_file_get_contents (pid_file, &contents, NULL, NULL));
  pid = (pid_t) g_ascii_strtoll (contents, NULL, 10);
  g_assert_cmpint (pid, >, 0);
  /* when run() returns, the shell and its group are gone and reaped */
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
  /* and so is the rest of its group: killed with it (a SIGKILL takes a
   * moment to land on a loaded machine) */
  g_assert_true (wait_no_live_members (pid, 10.0));
  g_unlink (pid_file);
}

/* ---- fast-fail holds the queue until the owner has decided ---- */

static void
test_fast_fail_holds_queue (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("held");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  const char * const fail_argv[] = { "false", NULL };
  const char * const ok_argv[] = { "true", NULL };
  ConcurraTask *later[8];

  concurra_runner_set_fast_fail (runner, TRUE);
  concurra_runner_set_max_concurrency (runner, 1);
  g_assert_nonnull (concurra_runner_add_command (runner, "bad", NULL, fail_argv, &error));
  for (guint i = 0; i < G_N_ELEMENTS (later); i++)
    later[i] = concurra_runner_add_command (runner, NULL, NULL, ok_argv, &error);
  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (later); i++)
    {
      test_assert_task_error (later[i], CONCURRA_TASK_STATUS_TERMINATED,
                              CONCURRA_ERROR_TERMINATED, NULL);
      g_assert_cmpuint (concurra_task_get_attempts (later[i]), ==, 0);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* the library is quiet unless asked; the verify report is not a failure */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  g_test_add_func ("/executors/main-context/no-thread", test_main_context_no_thread);
  g_test_add_func ("/executors/main-context/start-failure", test_start_failure);
  g_test_add_func ("/executors/main-context/timeout", test_main_context_timeout);
  g_test_add_func ("/executors/main-context/report-does-not-nest", test_report_does_not_nest);
  g_test_add_func ("/executors/command/no-thread", test_command_no_thread);
  g_test_add_func ("/executors/command/reaped-before-run-returns",
                   test_command_reaped_before_run_returns);
  g_test_add_func ("/executors/shared-permits", test_shared_permits);
  g_test_add_func ("/executors/fast-fail-holds-queue", test_fast_fail_holds_queue);

  return g_test_run ();
}
