/* test-runner.c: ConcurraRunner: labels and graph validation, the run
 * lifecycle (run, run_async, start/wait, abort, cancellation), concurrency
 * limits, timeouts, retries, dependency failures, fast-fail, verify and
 * raise-on-failure, signals and the thread they are emitted on, the list
 * model, counters and the report.
 *
 * Timing checks are relative and generous: blocking task functions wait on
 * flags or on their cancellable with long timeouts, never on fixed sleeps.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include <concurra.h>

#include "test-concurra-helpers.h"

#define TERMINATED_MESSAGE "Execution terminated before completion"

/* ------------------------------------------------------------------------ */
/* Probes: what the task functions of one test saw.                          */
/* ------------------------------------------------------------------------ */

typedef struct
{
  TestCounter running;    /* functions executing now; max is the peak */
  TestCounter entered;    /* functions that started */
  TestCounter exited;     /* functions that returned */
  TestCounter cancelled;  /* functions that saw their cancellable fire */
  TestCounter arrived;    /* rendezvous arrivals */
  TestFlag    gate;       /* JOB_GATED and JOB_STUCK wait for it */
  GMutex      lock;
  GPtrArray  *order;      /* labels, in the order their functions started */
} Probe;

static void
probe_clear (gpointer data)
{
  Probe *probe = data;

  test_counter_clear (&probe->running);
  test_counter_clear (&probe->entered);
  test_counter_clear (&probe->exited);
  test_counter_clear (&probe->cancelled);
  test_counter_clear (&probe->arrived);
  test_flag_clear (&probe->gate);
  g_mutex_clear (&probe->lock);
  g_ptr_array_unref (probe->order);
}

static Probe *
probe_new (void)
{
  Probe *probe = g_atomic_rc_box_new0 (Probe);

  test_counter_init (&probe->running);
  test_counter_init (&probe->entered);
  test_counter_init (&probe->exited);
  test_counter_init (&probe->cancelled);
  test_counter_init (&probe->arrived);
  test_flag_init (&probe->gate);
  g_mutex_init (&probe->lock);
  probe->order = g_ptr_array_new_with_free_func (g_free);
  return probe;
}

static void
probe_unref (Probe *probe)
{
  g_atomic_rc_box_release_full (probe, probe_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Probe, probe_unref)

/* Ends a test: releases every blocked function and waits for all to return,
 * so no thread outlives the test. */
static void
probe_finish (Probe *probe)
{
  test_flag_set (&probe->gate);
  g_assert_true (test_counter_wait_at_least (&probe->exited,
                                             test_counter_get (&probe->entered),
                                             TEST_LONG_WAIT));
}

/* Position of @label in the start order, -1 if it never started. */
static int
probe_position (Probe      *probe,
                const char *label)
{
  int position = -1;

  g_mutex_lock (&probe->lock);
  for (guint i = 0; i < probe->order->len; i++)
    if (g_strcmp0 (g_ptr_array_index (probe->order, i), label) == 0)
      {
        position = i;
        break;
      }
  g_mutex_unlock (&probe->lock);

  return position;
}

typedef enum {
  JOB_OK,          /* sleeps sleep_ms, returns value */
  JOB_FAIL,        /* fails its first fail_attempts calls (-1: all), then returns value */
  JOB_COOPERATIVE, /* waits up to 30 s for its cancellable */
  JOB_STUCK,       /* ignores its cancellable until the gate opens, then returns late */
  JOB_GATED,       /* waits for the gate, then returns value */
  JOB_RENDEZVOUS,  /* waits until `rendezvous` functions arrived; returns whether they did */
} JobKind;

#define MAX_CALLS 8

typedef struct
{
  Probe   *probe;
  char    *label;
  JobKind  kind;
  int      fail_attempts;
  guint    sleep_ms;
  int      rendezvous;
  gint64   value;
  TestCounter *late_pointer_destroyed;  /* JOB_STUCK: return a pointer counted here */
  int      linger_entered;          /* JOB_COOPERATIVE: see linger_cancelled() */
  TestFlag cancel_seen;
  int      calls;                   /* atomic */
  gint64   call_times[MAX_CALLS];   /* monotonic start of each call */
  GCancellable *cancellables[MAX_CALLS];
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  for (guint i = 0; i < MAX_CALLS; i++)
    g_clear_object (&job->cancellables[i]);
  test_flag_clear (&job->cancel_seen);
  probe_unref (job->probe);
  g_free (job->label);
  g_free (job);
}

static void
count_late_pointer (gpointer data)
{
  test_counter_add (data, 1);
}

/* A "cancelled" handler that lingers: it runs in the thread that cancels (the
 * runner's owner), lets the task function return at once, then holds the
 * canceller for up to a second or until linger_entered functions started.
 * Whatever the runner does right after cancelling, a worker gets the time to
 * act on it first. */
static void
linger_cancelled (GCancellable *cancellable,
                  Job          *job)
{
  test_flag_set (&job->cancel_seen);
  test_counter_wait_at_least (&job->probe->entered, job->linger_entered, 1.0);
}

static void
job_func (ConcurraTask *task,
          GCancellable *cancellable,
          gpointer      user_data)
{
  Job *job = user_data;
  Probe *probe = job->probe;
  int call = g_atomic_int_add (&job->calls, 1);
  GError *error = NULL;
  gint64 value = job->value;
  gboolean late_pointer = FALSE;

  g_assert_true (CONCURRA_IS_TASK (task));
  g_assert_true (G_IS_CANCELLABLE (cancellable));
  if (call < MAX_CALLS)
    {
      job->call_times[call] = g_get_monotonic_time ();
      job->cancellables[call] = g_object_ref (cancellable);
    }
  g_mutex_lock (&probe->lock);
  g_ptr_array_add (probe->order, g_strdup (job->label));
  g_mutex_unlock (&probe->lock);
  test_counter_add (&probe->entered, 1);
  test_counter_add (&probe->running, 1);

  switch (job->kind)
    {
    case JOB_OK:
      if (job->sleep_ms)
        g_usleep (job->sleep_ms * 1000);
      break;

    case JOB_FAIL:
      if (job->sleep_ms)
        g_usleep (job->sleep_ms * 1000);
      if (job->fail_attempts < 0 || call < job->fail_attempts)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s attempt %d failed",
                             job->label, call + 1);
      break;

    case JOB_COOPERATIVE:
      if (job->linger_entered > 0)
        {
          /* not disconnected: that would wait for the lingering handler */
          g_cancellable_connect (cancellable, G_CALLBACK (linger_cancelled), job, NULL);
          if (test_flag_wait (&job->cancel_seen, TEST_LONG_WAIT))
            {
              test_counter_add (&probe->cancelled, 1);
              error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "stopped");
            }
        }
      else if (test_wait_cancelled (cancellable, TEST_LONG_WAIT))
        {
          test_counter_add (&probe->cancelled, 1);
          error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "stopped");
        }
      break;

    case JOB_STUCK:
      test_flag_wait (&probe->gate, TEST_LONG_WAIT * 2);
      if (g_cancellable_is_cancelled (cancellable))
        test_counter_add (&probe->cancelled, 1);
      value = 99;
      late_pointer = job->late_pointer_destroyed != NULL;
      break;

    case JOB_GATED:
      g_assert_true (test_flag_wait (&probe->gate, TEST_LONG_WAIT));
      break;

    case JOB_RENDEZVOUS:
      test_counter_add (&probe->arrived, 1);
      value = test_counter_wait_at_least (&probe->arrived, job->rendezvous, 10.0);
      break;
    }

  /* leave the running count before reporting, so whatever the runner
   * schedules next never overlaps with us in the count */
  test_counter_add (&probe->running, -1);
  if (error != NULL)
    concurra_task_return_error (task, error);
  else if (late_pointer)
    concurra_task_return_pointer (task, job->late_pointer_destroyed, count_late_pointer);
  else
    concurra_task_return_int (task, value);
  test_counter_add (&probe->exited, 1);
}

static ConcurraTask *
add_job_full (ConcurraRunner *runner,
              Probe          *probe,
              const char     *label,
              const char     *deps,
              JobKind         kind,
              Job           **out_job)
{
  g_auto(GStrv) dep_list = deps ? g_strsplit (deps, ",", -1) : NULL;
  g_autoptr(GError) error = NULL;
  Job *job = g_new0 (Job, 1);
  ConcurraTask *task;

  job->probe = g_atomic_rc_box_acquire (probe);
  job->label = g_strdup (label);
  job->kind = kind;
  job->value = 7;
  test_flag_init (&job->cancel_seen);
  task = concurra_runner_add_task (runner, label, (const char * const *) dep_list,
                                   job_func, job, job_free, &error);
  g_assert_no_error (error);
  g_assert_nonnull (task);
  g_object_set_data (G_OBJECT (task), "job", job);
  if (out_job)
    *out_job = job;
  return task;
}

static ConcurraTask *
add_job (ConcurraRunner *runner,
         Probe          *probe,
         const char     *label,
         const char     *deps,
         JobKind         kind)
{
  return add_job_full (runner, probe, label, deps, kind, NULL);
}

static Job *
task_job (ConcurraTask *task)
{
  return g_object_get_data (G_OBJECT (task), "job");
}

static int
job_calls (ConcurraTask *task)
{
  return g_atomic_int_get (&task_job (task)->calls);
}

static ConcurraRunner *
new_runner (const char *name)
{
  ConcurraRunner *runner = concurra_runner_new (name);

  /* the report is tested on its own; keep the test log short */
  concurra_runner_set_verify_on_finish (runner, FALSE);
  return runner;
}

static void
assert_all_terminal (ConcurraRunner *runner)
{
  for (guint i = 0; i < concurra_runner_get_n_tasks (runner); i++)
    {
      g_autoptr(ConcurraTask) task = g_list_model_get_item (G_LIST_MODEL (runner), i);

      g_assert_true (test_task_is_terminal (task));
    }
}

static void
assert_never_ran (ConcurraTask *task)
{
  g_assert_cmpint (job_calls (task), ==, 0);
  g_assert_cmpuint (concurra_task_get_attempts (task), ==, 0);
  g_assert_cmpint (concurra_task_get_execution_mode (task), ==, CONCURRA_EXECUTION_MODE_NONE);
  g_assert_null (concurra_task_get_start_time (task));
  g_assert_null (concurra_task_get_value (task));
}

/* Waits (without polling) for @object to be finalized. */
static void
weak_notify_flag (gpointer  data,
                  GObject  *where_the_object_was)
{
  test_flag_set (data);
}

/* ---- async plumbing ---- */

typedef struct
{
  gboolean    done;
  GHashTable *results;
  GError     *error;
  GThread    *thread;
} AsyncRun;

static void
async_run_clear (AsyncRun *ar)
{
  g_clear_pointer (&ar->results, g_hash_table_unref);
  g_clear_error (&ar->error);
}

static void
run_async_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncRun *ar = user_data;

  ar->thread = g_thread_self ();
  ar->results = concurra_runner_run_finish (CONCURRA_RUNNER (source), result, &ar->error);
  ar->done = TRUE;
}

static void
run_async_and_wait (ConcurraRunner *runner,
                    GCancellable   *cancellable,
                    AsyncRun       *ar)
{
  concurra_runner_run_async (runner, cancellable, run_async_cb, ar);
  test_iterate_until (NULL, &ar->done, TEST_LONG_WAIT);
}

/* ------------------------------------------------------------------------ */
/* Properties                                                               */
/* ------------------------------------------------------------------------ */

static void
test_runner_defaults (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("defaults");
  g_autoptr(ConcurraRunner) unnamed = concurra_runner_new (NULL);
  ConcurraRunnerState state;
  guint n_tasks;
  int max_concurrency;

  g_assert_cmpstr (concurra_runner_get_name (runner), ==, "defaults");
  g_assert_cmpstr (concurra_runner_get_name (unnamed), ==, "TaskRunner");
  g_assert_cmpuint (concurra_runner_get_max_concurrency (runner), >=, 1);
  g_assert_cmpfloat (concurra_runner_get_timeout (runner), ==, CONCURRA_TIMEOUT_DEFAULT);
  /* the properties' ranges refuse what cannot mean anything, where it is set */
  g_object_set (runner, "max-concurrency", 3, "timeout", 2.0, NULL);
  g_test_expect_message ("GLib-GObject", G_LOG_LEVEL_WARNING, "*out of range*max-concurrency*");
  g_object_set (runner, "max-concurrency", -2, NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (concurra_runner_get_max_concurrency (runner), ==, 3);
  /* any negative timeout is the default, an infinity none, -0 is 0, through
   * the property as through the setter */
  g_object_set (runner, "timeout", -5.0, NULL);
  g_assert_cmpfloat (concurra_runner_get_timeout (runner), ==, CONCURRA_TIMEOUT_DEFAULT);
  g_object_set (runner, "timeout", INFINITY, NULL);
  g_assert_cmpfloat (concurra_runner_get_timeout (runner), ==, CONCURRA_TIMEOUT_INFINITE);
  concurra_runner_set_timeout (runner, -0.0);
  g_assert_false (signbit (concurra_runner_get_timeout (runner)));
  concurra_runner_set_timeout (runner, -5.0);
  g_assert_cmpfloat (concurra_runner_get_timeout (runner), ==, CONCURRA_TIMEOUT_DEFAULT);
  g_assert_false (concurra_runner_get_fast_fail (runner));
  g_assert_cmpint (concurra_runner_get_execution_mode (runner), ==, CONCURRA_EXECUTION_MODE_THREAD);
  g_assert_cmpuint (concurra_runner_get_task_retries (runner), ==, 0);
  g_assert_cmpfloat (concurra_runner_get_retry_delay (runner), ==, 0.0);
  g_assert_cmpfloat (concurra_runner_get_retry_backoff (runner), ==, 2.0);
  g_assert_false (concurra_runner_get_progress_stats (runner));
  /* quiet by default: a library logs only what it is asked to */
  g_assert_false (concurra_runner_get_verify_on_finish (runner));
  g_assert_false (concurra_runner_get_raise_on_failure (runner));
  g_assert_null (concurra_runner_get_error_message (runner));
  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_IDLE);
  g_assert_false (concurra_runner_is_running (runner));
  g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, 0);
  g_assert_cmpuint (concurra_runner_get_n_running (runner), ==, 0);
  g_assert_cmpuint (concurra_runner_get_n_completed (runner), ==, 0);
  g_assert_cmpuint (concurra_runner_get_n_failed (runner), ==, 0);

  g_object_get (runner,
                "state", &state,
                "n-tasks", &n_tasks,
                "max-concurrency", &max_concurrency,
                NULL);
  g_assert_cmpint (state, ==, CONCURRA_RUNNER_STATE_IDLE);
  g_assert_cmpuint (n_tasks, ==, 0);
  g_assert_cmpint (max_concurrency, ==, (int) concurra_runner_get_max_concurrency (runner));

  g_object_set (runner,
                "timeout", 2.5,
                "task-retries", 3,
                "retry-delay", 0.5,
                "retry-backoff", 3.0,
                "fast-fail", TRUE,
                "raise-on-failure", TRUE,
                "error-message", "Pipeline failed",
                "max-concurrency", 3,
                NULL);
  g_assert_cmpfloat (concurra_runner_get_timeout (runner), ==, 2.5);
  g_assert_cmpuint (concurra_runner_get_task_retries (runner), ==, 3);
  g_assert_cmpfloat (concurra_runner_get_retry_delay (runner), ==, 0.5);
  g_assert_cmpfloat (concurra_runner_get_retry_backoff (runner), ==, 3.0);
  g_assert_true (concurra_runner_get_fast_fail (runner));
  g_assert_true (concurra_runner_get_raise_on_failure (runner));
  g_assert_cmpstr (concurra_runner_get_error_message (runner), ==, "Pipeline failed");
  g_assert_cmpuint (concurra_runner_get_max_concurrency (runner), ==, 3);
}

/* ------------------------------------------------------------------------ */
/* Labels and the graph                                                     */
/* ------------------------------------------------------------------------ */

static void
noop_func (ConcurraTask *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
}

static void
count_destroy (gpointer data)
{
  g_atomic_int_inc ((int *) data);
}

/* A task made by g_object_new() alone, as a binding's default constructor
 * makes it, has no function: add refuses it by label, and the run is not
 * spoiled by it. */
static void
test_add_bodiless_task (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("bodiless");
  g_autoptr(ConcurraTask) empty = g_object_new (CONCURRA_TYPE_TASK, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = NULL;

  g_assert_false (concurra_runner_add (runner, empty, "hollow", NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'hollow'"));
  g_assert_nonnull (strstr (error->message, "nothing to run"));
  g_clear_error (&error);
  g_assert_null (concurra_task_get_label (empty));
  g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, 0);

  g_assert_nonnull (concurra_runner_add_task (runner, "real", NULL, noop_func, NULL, NULL, &error));
  g_assert_no_error (error);
  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (results), ==, 1);
}

static void
test_labels_duplicate (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("dup");
  g_autoptr(ConcurraTask) second = concurra_task_new ("second", noop_func, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = NULL;
  int destroyed = 0;
  ConcurraTask *first;

  first = concurra_runner_add_task (runner, "fetch", NULL, noop_func, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);

  g_assert_false (concurra_runner_add (runner, second, "fetch", NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_DUPLICATE_LABEL);
  g_assert_nonnull (strstr (error->message, "Duplicate task label 'fetch'"));
  g_clear_error (&error);
  g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, 1);
  g_assert_true (concurra_runner_get_task (runner, "fetch") == first);
  /* the rejected task was not touched */
  g_assert_null (concurra_task_get_label (second));

  /* add_task frees its data when it fails */
  g_assert_null (concurra_runner_add_task (runner, "fetch", NULL, noop_func,
                                           &destroyed, count_destroy, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_DUPLICATE_LABEL);
  g_clear_error (&error);
  g_assert_cmpint (destroyed, ==, 1);
  g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, 1);

  /* the rejected task can still go in under another label */
  g_assert_true (concurra_runner_add (runner, second, "fetch-2", NULL, &error));
  g_assert_no_error (error);
  results = test_run_ok (runner);
  g_assert_cmpuint (g_hash_table_size (results), ==, 2);
}

static void
test_labels_index (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("index");
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = NULL;
  const char *deps[] = { "0", NULL };
  ConcurraTask *t0, *t1, *t2;

  t0 = concurra_runner_add_task (runner, NULL, NULL, noop_func, NULL, NULL, &error);
  g_assert_no_error (error);
  t1 = concurra_runner_add_task (runner, "named", NULL, noop_func, NULL, NULL, &error);
  g_assert_no_error (error);
  t2 = concurra_runner_add_task (runner, NULL, deps, noop_func, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (concurra_task_get_label (t0), ==, "0");
  g_assert_cmpstr (concurra_task_get_label (t1), ==, "named");
  g_assert_cmpstr (concurra_task_get_label (t2), ==, "2");
  /* add_task names the task after its label */
  g_assert_cmpstr (concurra_task_get_name (t2), ==, "2");
  g_assert_true (concurra_runner_get_task (runner, "0") == t0);
  g_assert_true (concurra_runner_get_task (runner, "2") == t2);
  g_assert_null (concurra_runner_get_task (runner, "1"));

  results = test_run_ok (runner);
  g_assert_true (g_hash_table_lookup (results, "0") == t0);
  g_assert_true (g_hash_table_lookup (results, "named") == t1);
  g_assert_true (g_hash_table_lookup (results, "2") == t2);
  g_assert_cmpint (concurra_task_get_status (t2), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
}

static void
test_labels_self_dependency (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("self");
  g_autoptr(ConcurraTask) task = concurra_task_new ("loop", noop_func, NULL, NULL);
  g_autoptr(GError) error = NULL;
  const char *deps[] = { "other", "loop", NULL };

  g_assert_false (concurra_runner_add (runner, task, "loop", deps, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_SELF_DEPENDENCY);
  g_assert_nonnull (strstr (error->message, "Task 'loop' depends on itself"));
  g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, 0);
  g_assert_null (concurra_runner_get_task (runner, "loop"));
}

static ConcurraTask *
add_noop (ConcurraRunner *runner,
          const char     *label,
          const char     *deps,
          GError        **error)
{
  g_auto(GStrv) dep_list = deps ? g_strsplit (deps, ",", -1) : NULL;

  return concurra_runner_add_task (runner, label, (const char * const *) dep_list,
                                   noop_func, NULL, NULL, error);
}

static void
test_labels_cycle_two (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("cycle2");
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = NULL;
  guint items_changed = 0;

  g_assert_nonnull (add_noop (runner, "a", "b", &error));
  g_assert_no_error (error);

  g_signal_connect_swapped (runner, "items-changed", G_CALLBACK (count_destroy), &items_changed);
  g_assert_null (add_noop (runner, "b", "a", &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_CYCLE);
  g_test_message ("cycle message: %s", error->message);
  g_assert_true (g_str_has_suffix (error->message, "b → a → b"));
  g_clear_error (&error);
  g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, 1);
  g_assert_null (concurra_runner_get_task (runner, "b"));
  g_assert_cmpuint (items_changed, ==, 0);

  /* the same label without the cycle is fine, and the run works */
  g_assert_nonnull (add_noop (runner, "b", NULL, &error));
  g_assert_no_error (error);
  results = test_run_ok (runner);
  g_assert_cmpint (concurra_task_get_status (concurra_runner_get_task (runner, "a")), ==,
                   CONCURRA_TASK_STATUS_SUCCESSFUL);
}

static void
test_labels_cycle_three (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("cycle3");
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (add_noop (runner, "a", "b", &error));
  g_assert_nonnull (add_noop (runner, "b", "c", &error));
  g_assert_nonnull (add_noop (runner, "x", NULL, &error));
  g_assert_no_error (error);

  g_assert_null (add_noop (runner, "c", "x,a", &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_CYCLE);
  g_test_message ("cycle message: %s", error->message);
  g_assert_nonnull (strstr (error->message, "cycle"));
  g_assert_true (g_str_has_suffix (error->message, ": c → a → b → c"));
  g_clear_error (&error);
  g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, 3);

  /* a longer path through a diamond still names a real cycle */
  g_assert_nonnull (add_noop (runner, "c", "x", &error));
  g_assert_no_error (error);
  g_assert_null (add_noop (runner, "x", NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_DUPLICATE_LABEL);
}

/* A long cycle is named by its first and last labels and its length, so
 * that the message stays readable (it printed all 300 000 labels). */
static void
test_labels_cycle_long (void)
{
  for (guint n = 10; n <= 100000; n *= 10)
    {
      g_autoptr(ConcurraRunner) runner = new_runner ("long-cycle");
      g_autoptr(GError) error = NULL;
      g_autofree char *last = g_strdup_printf ("t%u", n - 1);
      g_autofree char *suffix = NULL;

      /* t0 → t1 → … → t(n-1), then t(n-1) closes it by depending on t0 */
      for (guint i = 0; i + 1 < n; i++)
        {
          g_autofree char *label = g_strdup_printf ("t%u", i);
          g_autofree char *dep = g_strdup_printf ("t%u", i + 1);

          g_assert_nonnull (add_noop (runner, label, dep, &error));
          g_assert_no_error (error);
        }
      g_assert_null (add_noop (runner, last, "t0", &error));
      g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_CYCLE);
      g_test_message ("cycle of %u: %s", n, error->message);
      if (n == 10)
        {
          g_assert_true (g_str_has_suffix (error->message,
                                           ": t9 → t0 → t1 → t2 → t3 → t4 → t5 → t6 → t7 → t8 → t9"));
          continue;
        }
      suffix = g_strdup_printf (": t%u → t0 → t1 → t2 → t3 → … %u more … → t%u → t%u → t%u (%u tasks)",
                                n - 1, n - 7, n - 3, n - 2, n - 1, n);
      g_assert_true (g_str_has_suffix (error->message, suffix));
      g_assert_cmpuint (strlen (error->message), <, 200);
    }
}

/* A label repeated in depends_on counts once, whether the list is short
 * (compared directly) or long (through a set). */
static void
test_labels_repeated_dependencies (void)
{
  for (guint n_deps = 2; n_deps <= 40; n_deps += 38)
    {
      g_autoptr(ConcurraRunner) runner = new_runner ("repeats");
      g_autoptr(Probe) probe = probe_new ();
      g_autoptr(GHashTable) results = NULL;
      g_autoptr(GPtrArray) deps = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GString) deps_csv = g_string_new (NULL);
      ConcurraTask *sink, *skipped;

      /* each label twice, the second time after all the others */
      for (guint i = 0; i < 2 * n_deps; i++)
        {
          g_autofree char *label = g_strdup_printf ("d%u", i % n_deps);

          if (i < n_deps)
            add_job (runner, probe, label, NULL, JOB_OK);
          g_string_append_printf (deps_csv, "%s%s", i ? "," : "", label);
        }
      sink = add_job (runner, probe, "sink", deps_csv->str, JOB_OK);
      /* a failing dependency named three times is named once in the skip */
      add_job (runner, probe, "bad", NULL, JOB_FAIL);
      task_job (concurra_runner_get_task (runner, "bad"))->fail_attempts = -1;
      g_string_append (deps_csv, ",bad,bad");
      skipped = add_job (runner, probe, "skipped", deps_csv->str, JOB_OK);

      results = test_run_ok (runner);
      g_assert_cmpint (concurra_task_get_status (sink), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
      g_assert_cmpint (job_calls (sink), ==, 1);
      test_assert_task_error (skipped, CONCURRA_TASK_STATUS_TERMINATED,
                              CONCURRA_ERROR_DEPENDENCY_FAILED,
                              "Skipped: dependency [bad] failed or was terminated");
      assert_never_ran (skipped);
      probe_finish (probe);
    }
}

static void
test_labels_forward_reference (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("forward");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *consumer, *producer, *middle;

  concurra_runner_set_max_concurrency (runner, 4);
  consumer = add_job (runner, probe, "consumer", "middle,producer", JOB_OK);
  middle = add_job (runner, probe, "middle", "producer", JOB_OK);
  producer = add_job (runner, probe, "producer", NULL, JOB_OK);
  task_job (producer)->sleep_ms = 20;

  results = test_run_ok (runner);
  g_assert_cmpint (concurra_task_get_status (consumer), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (concurra_task_get_status (middle), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (concurra_task_get_status (producer), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (probe_position (probe, "producer"), ==, 0);
  g_assert_cmpint (probe_position (probe, "middle"), ==, 1);
  g_assert_cmpint (probe_position (probe, "consumer"), ==, 2);
  probe_finish (probe);
}

typedef enum {
  START_RUN,
  START_RUN_ASYNC,
  START_BACKGROUND,
} StartHow;

static void
check_unknown_dependencies (StartHow how)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("unknown");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *a, *b, *c;

  a = add_job (runner, probe, "a", "ghost-one", JOB_OK);
  b = add_job (runner, probe, "b", "a,ghost-two,ghost-one", JOB_OK);
  c = add_job (runner, probe, "c", NULL, JOB_OK);

  switch (how)
    {
    case START_RUN:
      results = concurra_runner_run (runner, NULL, &error);
      g_assert_null (results);
      break;
    case START_RUN_ASYNC:
      {
        AsyncRun ar = { 0 };

        run_async_and_wait (runner, NULL, &ar);
        g_assert_null (ar.results);
        error = g_steal_pointer (&ar.error);
        async_run_clear (&ar);
      }
      break;
    case START_BACKGROUND:
      g_assert_false (concurra_runner_start (runner, &error));
      break;
    }

  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_UNKNOWN_DEPENDENCY);
  g_test_message ("unknown message: %s", error->message);
  g_assert_nonnull (strstr (error->message, "'ghost-one'"));
  g_assert_nonnull (strstr (error->message, "'ghost-two'"));
  g_clear_error (&error);

  /* nothing ran, everything ended terminated, the runner is finished */
  g_assert_cmpint (test_counter_get (&probe->entered), ==, 0);
  g_assert_cmpint (concurra_task_get_status (a), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_cmpint (concurra_task_get_status (b), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_cmpint (concurra_task_get_status (c), ==, CONCURRA_TASK_STATUS_TERMINATED);
  assert_never_ran (a);
  assert_never_ran (c);
  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_FINISHED);
  g_assert_false (concurra_runner_is_running (runner));

  /* and it ran once */
  g_assert_null (concurra_runner_run (runner, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_ALREADY_STARTED);
  probe_finish (probe);
}

static void
test_labels_unknown_run (void)
{
  check_unknown_dependencies (START_RUN);
}

static void
test_labels_unknown_run_async (void)
{
  check_unknown_dependencies (START_RUN_ASYNC);
}

static void
test_labels_unknown_start (void)
{
  check_unknown_dependencies (START_BACKGROUND);
}

/* ------------------------------------------------------------------------ */
/* Run once                                                                 */
/* ------------------------------------------------------------------------ */

static void
test_run_once (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("once");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(ConcurraTask) late = concurra_task_new ("late", noop_func, NULL, NULL);
  AsyncRun ar = { 0 };

  add_job (runner, probe, "only", NULL, JOB_OK);
  results = test_run_ok (runner);
  g_assert_cmpint (test_counter_get (&probe->entered), ==, 1);
  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_FINISHED);

  g_assert_null (concurra_runner_run (runner, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_ALREADY_STARTED);
  g_clear_error (&error);

  g_assert_false (concurra_runner_start (runner, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_ALREADY_STARTED);
  g_clear_error (&error);

  run_async_and_wait (runner, NULL, &ar);
  g_assert_null (ar.results);
  g_assert_error (ar.error, CONCURRA_ERROR, CONCURRA_ERROR_ALREADY_STARTED);
  async_run_clear (&ar);

  g_assert_false (concurra_runner_add (runner, late, "late", NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_ALREADY_STARTED);
  g_clear_error (&error);
  g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, 1);

  /* nothing ran again */
  g_assert_cmpint (test_counter_get (&probe->entered), ==, 1);
  probe_finish (probe);
}

static void
test_run_add_while_running (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("busy");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = NULL;

  add_job (runner, probe, "gated", NULL, JOB_GATED);
  g_assert_true (concurra_runner_start (runner, &error));
  g_assert_no_error (error);
  g_assert_true (test_counter_wait_at_least (&probe->entered, 1, TEST_LONG_WAIT));

  g_assert_null (add_noop (runner, "too-late", NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_ALREADY_STARTED);
  g_clear_error (&error);
  g_assert_false (concurra_runner_start (runner, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_ALREADY_STARTED);
  g_clear_error (&error);

  test_flag_set (&probe->gate);
  results = concurra_runner_wait (runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (results), ==, 1);
  probe_finish (probe);
}

static void
test_run_empty (void)
{
  g_autoptr(ConcurraRunner) sync_runner = new_runner ("empty");
  g_autoptr(ConcurraRunner) async_runner = new_runner ("empty-async");
  g_autoptr(ConcurraRunner) bg_runner = new_runner ("empty-bg");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GHashTable) bg_results = NULL;
  g_autoptr(GError) error = NULL;
  AsyncRun ar = { 0 };

  results = test_run_ok (sync_runner);
  g_assert_cmpuint (g_hash_table_size (results), ==, 0);
  g_assert_cmpint (concurra_runner_get_state (sync_runner), ==, CONCURRA_RUNNER_STATE_FINISHED);

  run_async_and_wait (async_runner, NULL, &ar);
  g_assert_no_error (ar.error);
  g_assert_nonnull (ar.results);
  g_assert_cmpuint (g_hash_table_size (ar.results), ==, 0);
  async_run_clear (&ar);

  g_assert_true (concurra_runner_start (bg_runner, &error));
  g_assert_no_error (error);
  bg_results = concurra_runner_wait (bg_runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bg_results);
  g_assert_cmpuint (g_hash_table_size (bg_results), ==, 0);
  g_assert_false (concurra_runner_is_running (bg_runner));
}

static void
test_run_results (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("results");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GHashTable) again = NULL;
  const char *labels[] = { "x", "y", "z" };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    task_job (add_job (runner, probe, labels[i], NULL, JOB_OK))->value = 100 + i;

  results = test_run_ok (runner);
  again = concurra_runner_get_results (runner);
  g_assert_cmpuint (g_hash_table_size (results), ==, 3);
  g_assert_cmpuint (g_hash_table_size (again), ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      ConcurraTask *task = concurra_runner_get_task (runner, labels[i]);

      g_assert_nonnull (task);
      g_assert_true (g_hash_table_lookup (results, labels[i]) == task);
      g_assert_true (g_hash_table_lookup (again, labels[i]) == task);
      g_assert_cmpint (g_value_get_int64 (concurra_task_get_value (task)), ==, 100 + i);
    }
  g_assert_null (concurra_runner_get_task (runner, "nope"));
  probe_finish (probe);
}

/* ------------------------------------------------------------------------ */
/* Concurrency                                                              */
/* ------------------------------------------------------------------------ */

static void
test_max_concurrency_limit (void)
{
  for (int limit = 1; limit <= 3; limit++)
    {
      g_autoptr(ConcurraRunner) runner = new_runner ("limit");
      g_autoptr(Probe) probe = probe_new ();
      g_autoptr(GHashTable) results = NULL;

      concurra_runner_set_max_concurrency (runner, limit);
      g_assert_cmpuint (concurra_runner_get_max_concurrency (runner), ==, limit);
      for (int i = 0; i < 10; i++)
        {
          g_autofree char *label = g_strdup_printf ("t%d", i);

          task_job (add_job (runner, probe, label, NULL, JOB_OK))->sleep_ms = 15;
        }
      results = test_run_ok (runner);
      g_assert_cmpint (test_counter_get (&probe->entered), ==, 10);
      g_assert_cmpint (test_counter_get_max (&probe->running), <=, limit);
      g_assert_cmpint (test_counter_get_max (&probe->running), >=, 1);
      assert_all_terminal (runner);
      probe_finish (probe);
    }
}

static void
test_max_concurrency_overlap (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("overlap");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *tasks[4];

  concurra_runner_set_max_concurrency (runner, 4);
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *label = g_strdup_printf ("r%d", i);

      tasks[i] = add_job (runner, probe, label, NULL, JOB_RENDEZVOUS);
      task_job (tasks[i])->rendezvous = 4;
    }
  results = test_run_ok (runner);

  /* each function only returns 1 if all four were running together */
  for (int i = 0; i < 4; i++)
    g_assert_cmpint (g_value_get_int64 (concurra_task_get_value (tasks[i])), ==, 1);
  g_assert_cmpint (test_counter_get_max (&probe->running), ==, 4);
  probe_finish (probe);
}

static void
test_max_concurrency_zero (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("zero");
  int value;

  concurra_runner_set_max_concurrency (runner, 5);
  concurra_runner_set_max_concurrency (runner, 0);
  g_assert_cmpuint (concurra_runner_get_max_concurrency (runner), ==, g_get_num_processors ());
  g_object_set (runner, "max-concurrency", 2, NULL);
  g_object_set (runner, "max-concurrency", 0, NULL);
  g_object_get (runner, "max-concurrency", &value, NULL);
  g_assert_cmpint (value, ==, (int) g_get_num_processors ());
}

static void
test_max_concurrency_negative (void)
{
  /* GLib 2.74's g_test_expect_message() does not see structured log
   * messages, so the warning is checked in a subprocess */
  if (g_test_subprocess ())
    {
      g_autoptr(ConcurraRunner) runner = new_runner ("negative");
      g_autoptr(Probe) probe = probe_new ();
      g_autoptr(GHashTable) results = NULL;

      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      concurra_runner_set_max_concurrency (runner, -3);
      g_assert_cmpuint (concurra_runner_get_max_concurrency (runner), ==, 1);

      /* and the limit is really 1 */
      for (int i = 0; i < 4; i++)
        {
          g_autofree char *label = g_strdup_printf ("t%d", i);

          task_job (add_job (runner, probe, label, NULL, JOB_OK))->sleep_ms = 10;
        }
      results = test_run_ok (runner);
      g_assert_cmpint (test_counter_get_max (&probe->running), ==, 1);
      probe_finish (probe);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Concurra-WARNING*max-concurrency*coerced*");
}

/* ------------------------------------------------------------------------ */
/* Timeouts                                                                 */
/* ------------------------------------------------------------------------ */

static void
test_timeout_runner_default (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("timeout");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *slow, *quick;
  Job *slow_job;
  gint64 start = g_get_monotonic_time ();

  concurra_runner_set_timeout (runner, 0.2);
  concurra_runner_set_max_concurrency (runner, 2);
  slow = add_job_full (runner, probe, "slow", NULL, JOB_COOPERATIVE, &slow_job);
  quick = add_job (runner, probe, "quick", NULL, JOB_OK);

  results = test_run_ok (runner);
  g_assert_cmpfloat (test_elapsed (start), <, TEST_LONG_WAIT / 2);

  test_assert_task_error (slow, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT,
                          "Task exceeded timeout of 0.2 seconds");
  /* runner-made terminations use the plain message */
  g_assert_cmpstr (concurra_task_get_error_message (slow), ==, "Task exceeded timeout of 0.2 seconds");
  g_assert_null (concurra_task_get_value (slow));
  g_assert_cmpuint (concurra_task_get_attempts (slow), ==, 1);
  g_assert_cmpfloat (concurra_task_get_duration (slow), >=, 0.15);
  g_assert_cmpint (concurra_task_get_status (quick), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);

  /* the function's cancellable was cancelled, and it noticed */
  g_assert_true (g_cancellable_is_cancelled (slow_job->cancellables[0]));
  g_assert_true (test_counter_wait_at_least (&probe->cancelled, 1, TEST_LONG_WAIT));
  probe_finish (probe);
}

static void
test_timeout_override (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("override");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *by_default, *shorter, *unlimited, *longer, *zero;

  concurra_runner_set_timeout (runner, 1);
  concurra_runner_set_max_concurrency (runner, 4);

  by_default = add_job (runner, probe, "by-default", NULL, JOB_COOPERATIVE);
  shorter = add_job (runner, probe, "shorter", NULL, JOB_COOPERATIVE);
  concurra_task_set_timeout (shorter, 0.2);
  unlimited = add_job (runner, probe, "unlimited", NULL, JOB_OK);
  concurra_task_set_timeout (unlimited, CONCURRA_TIMEOUT_INFINITE);
  task_job (unlimited)->sleep_ms = 1500;
  longer = add_job (runner, probe, "longer", NULL, JOB_OK);
  concurra_task_set_timeout (longer, 20);
  task_job (longer)->sleep_ms = 1500;
  /* 0 is no time at all, as for a wait, not "none": even a function that
   * would return at once is never called */
  zero = add_job (runner, probe, "zero", NULL, JOB_OK);
  concurra_task_set_timeout (zero, 0);

  results = test_run_ok (runner);

  test_assert_task_error (by_default, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT,
                          "Task exceeded timeout of 1 seconds");
  test_assert_task_error (shorter, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT,
                          "Task exceeded timeout of 0.2 seconds");
  test_assert_task_error (zero, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT,
                          "Task exceeded timeout of 0 seconds");
  assert_never_ran (zero);
  g_assert_cmpuint (concurra_task_get_attempts (zero), ==, 0);
  g_assert_cmpint (concurra_task_get_status (unlimited), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (concurra_task_get_status (longer), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  /* the shorter timeout fired first */
  g_assert_cmpfloat (concurra_task_get_duration (shorter), <, concurra_task_get_duration (by_default));
  probe_finish (probe);
}

static gboolean abort_idle (gpointer data);

static void
abort_soon_on_second_retry (ConcurraRunner *runner,
                            ConcurraTask   *task,
                            guint           attempt,
                            GError         *error,
                            gpointer        data)
{
  g_autoptr(GSource) timer = NULL;

  if (attempt != 2)
    return;
  timer = g_timeout_source_new (300);
  g_source_set_callback (timer, abort_idle, runner, NULL);
  g_source_attach (timer, g_main_context_get_thread_default ());
}

/* Waits too long to ever end — infinite, 1e300 s, a backoff that overflows —
 * neither end at once (an overflowed deadline lies in the past) nor crash. */
static void
test_timeout_huge (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("huge");
  g_autoptr(ConcurraRunner) retrying = new_runner ("huge-retry-delay");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GHashTable) retry_results = NULL;
  ConcurraTask *infinite, *enormous, *by_default, *flaky;

  concurra_runner_set_timeout (runner, 1e300);
  concurra_runner_set_max_concurrency (runner, 3);
  infinite = add_job (runner, probe, "infinite", NULL, JOB_OK);
  concurra_task_set_timeout (infinite, INFINITY);
  enormous = add_job (runner, probe, "enormous", NULL, JOB_OK);
  concurra_task_set_timeout (enormous, G_MAXDOUBLE);
  by_default = add_job (runner, probe, "by-default", NULL, JOB_OK);
  task_job (infinite)->sleep_ms = task_job (enormous)->sleep_ms = task_job (by_default)->sleep_ms = 50;
  results = test_run_ok (runner);
  g_assert_cmpint (concurra_task_get_status (infinite), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (concurra_task_get_status (enormous), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (concurra_task_get_status (by_default), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);

  /* the second delay, 1 s * 1e300, waits (until the abort) rather than
   * retrying at once */
  concurra_runner_set_retry_delay (retrying, 0.001);
  concurra_runner_set_retry_backoff (retrying, 1e300);
  flaky = add_job (retrying, probe, "flaky", NULL, JOB_FAIL);
  task_job (flaky)->fail_attempts = 2;
  concurra_task_set_retries (flaky, 2);
  g_signal_connect (retrying, "task-retrying", G_CALLBACK (abort_soon_on_second_retry), NULL);
  retry_results = test_run_ok (retrying);
  test_assert_task_error (flaky, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED,
                          TERMINATED_MESSAGE);
  g_assert_cmpuint (concurra_task_get_attempts (flaky), ==, 2);
  probe_finish (probe);
}

static void
test_timeout_late_return (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("late");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *stuck, *stuck_pointer;
  TestFlag finalized;
  TestCounter late_destroyed;
  guint finished = 0;

  test_counter_init (&late_destroyed);
  concurra_runner_set_max_concurrency (runner, 2);
  stuck = add_job (runner, probe, "stuck", NULL, JOB_STUCK);
  concurra_task_set_timeout (stuck, 0.2);
  stuck_pointer = add_job (runner, probe, "stuck-pointer", NULL, JOB_STUCK);
  concurra_task_set_timeout (stuck_pointer, 0.2);
  task_job (stuck_pointer)->late_pointer_destroyed = &late_destroyed;
  g_signal_connect_swapped (runner, "task-finished", G_CALLBACK (count_destroy), &finished);

  results = test_run_ok (runner);
  test_assert_task_error (stuck, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT, NULL);
  test_assert_task_error (stuck_pointer, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT, NULL);
  g_assert_cmpuint (finished, ==, 2);

  /* now let the threads return their late results */
  probe_finish (probe);
  g_assert_cmpint (test_counter_get (&probe->exited), ==, 2);
  /* both saw their cancellable cancelled */
  g_assert_cmpint (test_counter_get (&probe->cancelled), ==, 2);

  test_assert_task_error (stuck, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT,
                          "Task exceeded timeout of 0.2 seconds");
  g_assert_null (concurra_task_get_value (stuck));
  g_assert_null (concurra_task_get_value (stuck_pointer));
  g_assert_null (concurra_task_get_pointer (stuck_pointer));
  g_assert_cmpuint (finished, ==, 2);

  /* the dropped pointer is freed, once, at the latest with the task */
  test_flag_init (&finalized);
  g_object_weak_ref (G_OBJECT (stuck_pointer), weak_notify_flag, &finalized);
  g_clear_pointer (&results, g_hash_table_unref);
  g_clear_object (&runner);
  g_assert_true (test_flag_wait (&finalized, TEST_LONG_WAIT));
  /* the last reference may go in a lane thread, which finalizes the task
   * after the weak notification */
  g_assert_true (test_counter_wait_at_least (&late_destroyed, 1, TEST_LONG_WAIT));
  g_assert_cmpint (test_counter_get (&late_destroyed), ==, 1);
  test_flag_clear (&finalized);
  test_counter_clear (&late_destroyed);
}

/* Cancellables are handed out by the lanes and recycled: every attempt
 * gets one that is not cancelled, that no running attempt shares, and that
 * is never one the test still holds or one that was cancelled. */
typedef struct
{
  GMutex      lock;
  GHashTable *in_use;     /* cancellables of the attempts running now */
  GPtrArray  *kept;       /* cancellables a function kept a reference to */
  GHashTable *attempts;   /* task -> attempts seen */
  TestCounter entered;
  TestCounter exited;
  guint       bad;        /* attempts that got a cancellable they should not have */
} Handout;

static void
handout_job (ConcurraTask *task,
             GCancellable *cancellable,
             gpointer      user_data)
{
  Handout *h = user_data;
  guint index = (guint) g_ascii_strtoull (concurra_task_get_label (task), NULL, 10);
  guint attempt;

  g_mutex_lock (&h->lock);
  attempt = GPOINTER_TO_UINT (g_hash_table_lookup (h->attempts, task)) + 1;
  g_hash_table_insert (h->attempts, task, GUINT_TO_POINTER (attempt));
  if (g_cancellable_is_cancelled (cancellable) ||
      g_hash_table_contains (h->in_use, cancellable) ||
      g_ptr_array_find (h->kept, cancellable, NULL))
    h->bad++;
  g_hash_table_add (h->in_use, cancellable);
  if (index % 13 == 0)
    g_ptr_array_add (h->kept, g_object_ref (cancellable));
  g_mutex_unlock (&h->lock);
  test_counter_add (&h->entered, 1);

  /* every 10th times out and returns once cancelled */
  if (index % 10 == 0)
    g_assert_true (test_wait_cancelled (cancellable, TEST_LONG_WAIT));

  g_mutex_lock (&h->lock);
  g_hash_table_remove (h->in_use, cancellable);
  g_mutex_unlock (&h->lock);
  test_counter_add (&h->exited, 1);

  /* every 7th fails its first attempt and is retried */
  if (index % 7 == 0 && attempt == 1)
    concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "first attempt of %u", index);
}

static void
test_cancellable_handout (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("handout");
  g_autoptr(GHashTable) results = NULL;
  Handout h = { 0 };
  const guint n = 300;

  g_mutex_init (&h.lock);
  h.in_use = g_hash_table_new (NULL, NULL);
  h.kept = g_ptr_array_new_with_free_func (g_object_unref);
  h.attempts = g_hash_table_new (NULL, NULL);
  test_counter_init (&h.entered);
  test_counter_init (&h.exited);

  concurra_runner_set_max_concurrency (runner, 4);
  concurra_runner_set_task_retries (runner, 1);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = g_strdup_printf ("%u", i);
      ConcurraTask *task = concurra_runner_add_task (runner, label, NULL, handout_job, &h, NULL, NULL);

      g_assert_nonnull (task);
      if (i % 10 == 0)
        concurra_task_set_timeout (task, 0.05);
    }

  results = test_run_ok (runner);
  g_assert_cmpuint (g_hash_table_size (results), ==, n);
  g_assert_cmpuint (h.bad, ==, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = g_strdup_printf ("%u", i);
      ConcurraTask *task = concurra_runner_get_task (runner, label);

      if (i % 10 == 0)
        g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_TERMINATED);
      else
        g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
      g_assert_cmpuint (concurra_task_get_attempts (task), ==, (i % 7 == 0 && i % 10 != 0) ? 2 : 1);
    }
  /* once the timed-out functions have returned, nothing holds a cancellable */
  g_assert_true (test_counter_wait_at_least (&h.exited, test_counter_get (&h.entered), TEST_LONG_WAIT));
  g_assert_cmpuint (g_hash_table_size (h.in_use), ==, 0);

  g_clear_pointer (&results, g_hash_table_unref);
  g_clear_object (&runner);
  g_hash_table_unref (h.in_use);
  g_hash_table_unref (h.attempts);
  g_ptr_array_unref (h.kept);
  test_counter_clear (&h.entered);
  test_counter_clear (&h.exited);
  g_mutex_clear (&h.lock);
}

static void
test_timeout_stuck_does_not_block (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("stuck");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *stuck, *next, *after;

  concurra_runner_set_max_concurrency (runner, 1);
  stuck = add_job (runner, probe, "stuck", NULL, JOB_STUCK);
  concurra_task_set_timeout (stuck, 0.2);
  next = add_job (runner, probe, "next", NULL, JOB_OK);
  after = add_job (runner, probe, "after", "next", JOB_OK);

  /* returns while "stuck" still blocks its thread: the gate only opens at
   * the end of the test */
  results = test_run_ok (runner);
  g_assert_false (test_flag_is_set (&probe->gate));
  test_assert_task_error (stuck, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT, NULL);
  g_assert_cmpint (concurra_task_get_status (next), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (concurra_task_get_status (after), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (test_counter_get (&probe->exited), ==, 2);
  probe_finish (probe);
}

/* ------------------------------------------------------------------------ */
/* Retries                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct
{
  GPtrArray *events;  /* "label:attempt:message" */
} RetryLog;

static void
on_task_retrying (ConcurraRunner *runner,
                  ConcurraTask   *task,
                  guint           attempt,
                  const GError   *error,
                  gpointer        user_data)
{
  RetryLog *log = user_data;

  g_assert_nonnull (error);
  g_ptr_array_add (log->events, g_strdup_printf ("%s:%u:%s", concurra_task_get_label (task),
                                                 attempt, error->message));
}

static void
test_retries_default (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("retries");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  RetryLog log = { g_ptr_array_new_with_free_func (g_free) };
  ConcurraTask *flaky, *broken, *fine;
  const char * const *retry_errors;

  concurra_runner_set_task_retries (runner, 2);
  concurra_runner_set_max_concurrency (runner, 1);
  flaky = add_job (runner, probe, "flaky", NULL, JOB_FAIL);
  task_job (flaky)->fail_attempts = 2;
  task_job (flaky)->value = 3;
  broken = add_job (runner, probe, "broken", NULL, JOB_FAIL);
  task_job (broken)->fail_attempts = -1;
  fine = add_job (runner, probe, "fine", NULL, JOB_OK);
  g_signal_connect (runner, "task-retrying", G_CALLBACK (on_task_retrying), &log);

  results = test_run_ok (runner);

  g_assert_cmpint (concurra_task_get_status (flaky), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpuint (concurra_task_get_attempts (flaky), ==, 3);
  g_assert_cmpint (job_calls (flaky), ==, 3);
  g_assert_true (concurra_task_get_retried (flaky));
  g_assert_null (concurra_task_get_error (flaky));
  g_assert_cmpint (g_value_get_int64 (concurra_task_get_value (flaky)), ==, 3);
  retry_errors = concurra_task_get_retry_errors (flaky);
  g_assert_nonnull (retry_errors);
  g_assert_cmpuint (g_strv_length ((char **) retry_errors), ==, 2);
  g_assert_cmpstr (retry_errors[0], ==, "g-io-error-quark.0: flaky attempt 1 failed");
  g_assert_cmpstr (retry_errors[1], ==, "g-io-error-quark.0: flaky attempt 2 failed");

  g_assert_cmpint (concurra_task_get_status (broken), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpuint (concurra_task_get_attempts (broken), ==, 3);
  g_assert_true (concurra_task_get_retried (broken));
  g_assert_cmpstr (concurra_task_get_error_message (broken), ==, "broken attempt 3 failed");
  retry_errors = concurra_task_get_retry_errors (broken);
  g_assert_cmpuint (g_strv_length ((char **) retry_errors), ==, 2);
  g_assert_cmpstr (retry_errors[1], ==, "g-io-error-quark.0: broken attempt 2 failed");

  g_assert_cmpint (concurra_task_get_status (fine), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpuint (concurra_task_get_attempts (fine), ==, 1);
  g_assert_false (concurra_task_get_retried (fine));
  retry_errors = concurra_task_get_retry_errors (fine);
  g_assert_true (retry_errors == NULL || retry_errors[0] == NULL);

  /* one task-retrying per retried attempt, numbered from 1 */
  g_assert_cmpuint (log.events->len, ==, 4);
  {
    g_autoptr(GPtrArray) flaky_events = g_ptr_array_new ();
    g_autoptr(GPtrArray) broken_events = g_ptr_array_new ();

    /* retries of different tasks interleave; per task they are in order */
    for (guint i = 0; i < log.events->len; i++)
      {
        char *event = g_ptr_array_index (log.events, i);

        g_ptr_array_add (g_str_has_prefix (event, "flaky:") ? flaky_events : broken_events, event);
      }
    g_assert_cmpuint (flaky_events->len, ==, 2);
    g_assert_cmpuint (broken_events->len, ==, 2);
    g_assert_cmpstr (g_ptr_array_index (flaky_events, 0), ==, "flaky:1:flaky attempt 1 failed");
    g_assert_cmpstr (g_ptr_array_index (flaky_events, 1), ==, "flaky:2:flaky attempt 2 failed");
    g_assert_cmpstr (g_ptr_array_index (broken_events, 0), ==, "broken:1:broken attempt 1 failed");
    g_assert_cmpstr (g_ptr_array_index (broken_events, 1), ==, "broken:2:broken attempt 2 failed");
  }

  g_ptr_array_unref (log.events);
  probe_finish (probe);
}

static void
test_retries_override (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("retries-override");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *once_more, *never, *inherits;

  concurra_runner_set_task_retries (runner, 5);
  once_more = add_job (runner, probe, "once-more", NULL, JOB_FAIL);
  task_job (once_more)->fail_attempts = -1;
  concurra_task_set_retries (once_more, 1);
  never = add_job (runner, probe, "never", NULL, JOB_FAIL);
  task_job (never)->fail_attempts = -1;
  concurra_task_set_retries (never, 0);
  inherits = add_job (runner, probe, "inherits", NULL, JOB_FAIL);
  task_job (inherits)->fail_attempts = 4;

  results = test_run_ok (runner);

  g_assert_cmpint (concurra_task_get_status (once_more), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpuint (concurra_task_get_attempts (once_more), ==, 2);
  g_assert_cmpint (job_calls (once_more), ==, 2);
  g_assert_cmpuint (g_strv_length ((char **) concurra_task_get_retry_errors (once_more)), ==, 1);

  g_assert_cmpint (concurra_task_get_status (never), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpuint (concurra_task_get_attempts (never), ==, 1);
  g_assert_false (concurra_task_get_retried (never));

  g_assert_cmpint (concurra_task_get_status (inherits), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpuint (concurra_task_get_attempts (inherits), ==, 5);
  probe_finish (probe);
}

static void
test_retries_invalid (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("retries-invalid");
  g_autoptr(ConcurraTask) task = concurra_task_new ("bad", noop_func, NULL, NULL);
  g_autoptr(GError) error = NULL;

  /* refused where it is set, by the setter and by the property's range */
  concurra_task_set_retries (task, 3);
  g_test_expect_message ("Concurra", G_LOG_LEVEL_CRITICAL, "*retries >= -1*");
  concurra_task_set_retries (task, -2);
  g_test_assert_expected_messages ();
  g_assert_cmpint (concurra_task_get_retries (task), ==, 3);
  g_test_expect_message ("GLib-GObject", G_LOG_LEVEL_WARNING, "*out of range*retries*");
  g_object_set (task, "retries", -2, NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpint (concurra_task_get_retries (task), ==, 3);

  /* -1 is the runner default and fine */
  concurra_task_set_retries (task, -1);
  g_assert_true (concurra_runner_add (runner, task, "bad", NULL, &error));
  g_assert_no_error (error);
}

static void
test_retries_timeout_not_retried (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("retries-timeout");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  RetryLog log = { g_ptr_array_new_with_free_func (g_free) };
  ConcurraTask *slow;

  concurra_runner_set_task_retries (runner, 3);
  slow = add_job (runner, probe, "slow", NULL, JOB_COOPERATIVE);
  concurra_task_set_timeout (slow, 0.1);
  g_signal_connect (runner, "task-retrying", G_CALLBACK (on_task_retrying), &log);

  results = test_run_ok (runner);
  test_assert_task_error (slow, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT, NULL);
  g_assert_cmpuint (concurra_task_get_attempts (slow), ==, 1);
  g_assert_false (concurra_task_get_retried (slow));
  probe_finish (probe);
  g_assert_cmpint (job_calls (slow), ==, 1);
  g_assert_cmpuint (log.events->len, ==, 0);
  g_ptr_array_unref (log.events);
}

static void
test_retries_backoff (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("backoff");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *backing_off, *own_delay;
  Job *job, *own_job;
  double gap1, gap2, own_gap;

  concurra_runner_set_retry_delay (runner, 0.1);
  concurra_runner_set_retry_backoff (runner, 2.0);
  concurra_runner_set_task_retries (runner, 2);
  concurra_runner_set_max_concurrency (runner, 2);
  backing_off = add_job_full (runner, probe, "backing-off", NULL, JOB_FAIL, &job);
  job->fail_attempts = -1;
  own_delay = add_job_full (runner, probe, "own-delay", NULL, JOB_FAIL, &own_job);
  own_job->fail_attempts = 1;
  concurra_task_set_retry_delay (own_delay, 0.3);

  results = test_run_ok (runner);

  g_assert_cmpint (concurra_task_get_status (backing_off), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpint (job_calls (backing_off), ==, 3);
  gap1 = (job->call_times[1] - job->call_times[0]) / (double) G_USEC_PER_SEC;
  gap2 = (job->call_times[2] - job->call_times[1]) / (double) G_USEC_PER_SEC;
  g_test_message ("retry gaps: %.3f s, %.3f s", gap1, gap2);
  /* delay before retry k is delay * backoff^(k-1): 0.1 s then 0.2 s */
  g_assert_cmpfloat (gap1, >=, 0.095);
  g_assert_cmpfloat (gap2, >=, 0.195);
  g_assert_cmpfloat (gap1 + gap2, >=, 0.295);
  g_assert_cmpfloat (concurra_task_get_duration (backing_off), >=, 0.29);

  g_assert_cmpint (concurra_task_get_status (own_delay), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (job_calls (own_delay), ==, 2);
  own_gap = (own_job->call_times[1] - own_job->call_times[0]) / (double) G_USEC_PER_SEC;
  g_test_message ("own retry gap: %.3f s", own_gap);
  g_assert_cmpfloat (own_gap, >=, 0.295);
  probe_finish (probe);
}

/* ------------------------------------------------------------------------ */
/* Failure handling                                                         */
/* ------------------------------------------------------------------------ */

typedef struct
{
  Probe   *probe;
  gboolean aborting;
  gboolean waited;
} SlowHandler;

/* A task-finished handler that takes its time once a termination began, as
 * a GTK handler updating widgets might: if stopping one task lets a worker
 * pick up a pending one, this gives it the time to show. */
static void
slow_finished_handler (ConcurraRunner *runner,
                       ConcurraTask   *task,
                       SlowHandler    *slow)
{
  if (g_atomic_int_get (&slow->aborting) && !slow->waited)
    {
      slow->waited = TRUE;
      test_counter_wait_at_least (&slow->probe->entered, 3, 1.0);
    }
}


static void
test_dependency_failure (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("deps");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *a, *b, *c, *x, *d, *e, *t, *u;

  /* one at a time, so which dependency fails first is known: a task is
   * skipped as soon as one of its dependencies failed */
  concurra_runner_set_max_concurrency (runner, 1);
  a = add_job (runner, probe, "a", NULL, JOB_FAIL);
  task_job (a)->fail_attempts = -1;
  b = add_job (runner, probe, "b", "a", JOB_OK);
  c = add_job (runner, probe, "c", "b", JOB_OK);
  x = add_job (runner, probe, "x", NULL, JOB_OK);
  d = add_job (runner, probe, "d", "a,x,e", JOB_OK);
  e = add_job (runner, probe, "e", NULL, JOB_FAIL);
  task_job (e)->fail_attempts = -1;
  t = add_job (runner, probe, "t", NULL, JOB_COOPERATIVE);
  concurra_task_set_timeout (t, 0.1);
  u = add_job (runner, probe, "u", "x,t", JOB_OK);

  results = test_run_ok (runner);

  g_assert_cmpint (concurra_task_get_status (a), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpint (concurra_task_get_status (e), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpint (concurra_task_get_status (x), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  test_assert_task_error (t, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT, NULL);

  test_assert_task_error (b, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_DEPENDENCY_FAILED,
                          "Skipped: dependency [a] failed or was terminated");
  /* transitive: b never ran, and was terminated */
  test_assert_task_error (c, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_DEPENDENCY_FAILED,
                          "Skipped: dependency [b] failed or was terminated");
  test_assert_task_error (d, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_DEPENDENCY_FAILED,
                          "Skipped: dependency [a] failed or was terminated");
  test_assert_task_error (u, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_DEPENDENCY_FAILED,
                          "Skipped: dependency [t] failed or was terminated");
  g_assert_cmpstr (concurra_task_get_error_message (d), ==,
                   "Skipped: dependency [a] failed or was terminated");

  assert_never_ran (b);
  assert_never_ran (c);
  assert_never_ran (d);
  assert_never_ran (u);
  g_assert_cmpuint (concurra_runner_get_n_completed (runner), ==, 8);
  g_assert_cmpuint (concurra_runner_get_n_failed (runner), ==, 7);
  probe_finish (probe);
}

static void
test_fast_fail (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("fast-fail");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *slow, *bad, *pending[3];
  Job *slow_job;
  gint64 start;

  concurra_runner_set_fast_fail (runner, TRUE);
  concurra_runner_set_max_concurrency (runner, 2);
  slow = add_job_full (runner, probe, "slow", NULL, JOB_COOPERATIVE, &slow_job);
  bad = add_job (runner, probe, "bad", NULL, JOB_FAIL);
  task_job (bad)->fail_attempts = -1;
  task_job (bad)->sleep_ms = 50;
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *label = g_strdup_printf ("pending-%d", i);

      pending[i] = add_job (runner, probe, label, NULL, JOB_OK);
    }

  start = g_get_monotonic_time ();
  results = test_run_ok (runner);
  /* "slow" would take 30 s unless terminated */
  g_assert_cmpfloat (test_elapsed (start), <, 10.0);

  g_assert_cmpint (concurra_task_get_status (bad), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpstr (concurra_task_get_error_message (bad), ==, "bad attempt 1 failed");
  test_assert_task_error (slow, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED,
                          TERMINATED_MESSAGE);
  g_assert_cmpstr (concurra_task_get_error_message (slow), ==, TERMINATED_MESSAGE);
  g_assert_true (g_cancellable_is_cancelled (slow_job->cancellables[0]));
  for (int i = 0; i < 3; i++)
    {
      test_assert_task_error (pending[i], CONCURRA_TASK_STATUS_TERMINATED,
                              CONCURRA_ERROR_TERMINATED, TERMINATED_MESSAGE);
      /* nothing starts after the failure: not even on the worker that ran
       * "bad", before the owner context heard of the failure */
      if (job_calls (pending[i]) != 0)
        g_error ("fast-fail: '%s' was still executed after 'bad' failed, then marked "
                 "Terminated", concurra_task_get_label (pending[i]));
      assert_never_ran (pending[i]);
    }
  g_assert_true (test_counter_wait_at_least (&probe->cancelled, 1, TEST_LONG_WAIT));
  probe_finish (probe);
}

static void
test_fast_fail_timeout (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("fast-fail-timeout");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  SlowHandler slow_handler = { probe, FALSE, FALSE };
  ConcurraTask *slow, *timing_out, *pending;
  gint64 start;

  concurra_runner_set_fast_fail (runner, TRUE);
  concurra_runner_set_max_concurrency (runner, 2);
  slow = add_job (runner, probe, "slow", NULL, JOB_COOPERATIVE);
  timing_out = add_job (runner, probe, "timing-out", NULL, JOB_COOPERATIVE);
  concurra_task_set_timeout (timing_out, 0.1);
  /* returns as soon as it is cancelled, while the canceller lingers */
  task_job (timing_out)->linger_entered = 3;
  pending = add_job (runner, probe, "pending", NULL, JOB_OK);
  /* the first task-finished is the timeout's: take time there, as a UI
   * handler might, before fast-fail terminates the rest */
  slow_handler.aborting = TRUE;
  g_signal_connect (runner, "task-finished", G_CALLBACK (slow_finished_handler), &slow_handler);

  start = g_get_monotonic_time ();
  results = test_run_ok (runner);
  g_assert_cmpfloat (test_elapsed (start), <, 10.0);

  test_assert_task_error (timing_out, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT,
                          "Task exceeded timeout of 0.1 seconds");
  test_assert_task_error (slow, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED,
                          TERMINATED_MESSAGE);
  test_assert_task_error (pending, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED,
                          TERMINATED_MESSAGE);
  /* the timed-out task's slot must not go to a pending task first */
  g_assert_true (slow_handler.waited);
  if (job_calls (pending) != 0)
    {
      g_autofree char *order = NULL;

      g_ptr_array_add (probe->order, NULL);
      order = g_strjoinv (", ", (char **) probe->order->pdata);
      g_ptr_array_remove_index (probe->order, probe->order->len - 1);
      g_error ("fast-fail: 'pending' was started in the slot the timed-out task released "
               "(start order: %s; pending %s)", order,
               concurra_task_get_error_message (pending));
    }
  assert_never_ran (pending);
  g_signal_handlers_disconnect_by_data (runner, &slow_handler);
  probe_finish (probe);
}

static void
cancel_task_when_started (ConcurraRunner *runner,
                          ConcurraTask   *task,
                          gpointer        data)
{
  if (task == data)
    g_assert_true (concurra_task_cancel (task));
}

/* Cancelling one task is not a failure: with fast-fail its dependents are
 * skipped, and every other task still runs. */
static void
test_fast_fail_cancel_one (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("fast-fail-cancel");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *victim, *after, *others[4];

  concurra_runner_set_fast_fail (runner, TRUE);
  concurra_runner_set_max_concurrency (runner, 2);
  victim = add_job (runner, probe, "victim", NULL, JOB_COOPERATIVE);
  after = add_job (runner, probe, "after", "victim", JOB_OK);
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *label = g_strdup_printf ("other-%d", i);

      others[i] = add_job (runner, probe, label, NULL, JOB_OK);
      task_job (others[i])->sleep_ms = 20;
    }
  g_signal_connect (runner, "task-started", G_CALLBACK (cancel_task_when_started), victim);

  results = test_run_ok (runner);

  test_assert_task_error (victim, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED,
                          "Task was cancelled");
  test_assert_task_error (after, CONCURRA_TASK_STATUS_TERMINATED,
                          CONCURRA_ERROR_DEPENDENCY_FAILED,
                          "Skipped: dependency [victim] failed or was terminated");
  for (int i = 0; i < 4; i++)
    {
      if (concurra_task_get_status (others[i]) != CONCURRA_TASK_STATUS_SUCCESSFUL)
        g_error ("fast-fail: cancelling 'victim' ended '%s' too: %s",
                 concurra_task_get_label (others[i]),
                 concurra_task_get_error_message (others[i]));
      g_assert_cmpint (job_calls (others[i]), ==, 1);
    }
  g_signal_handlers_disconnect_by_data (runner, victim);
  probe_finish (probe);
}

static void
note_start_time (ConcurraRunner *runner,
                 ConcurraTask   *task,
                 gint64         *started)
{
  if (g_str_equal (concurra_task_get_label (task), "b"))
    *started = g_get_monotonic_time ();
}

/* A lane stops at a failure under fast-fail; when the run goes on with a
 * retry, the other ready tasks get a lane at once, not after the delay. */
static void
test_fast_fail_retry_delay_keeps_slots (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("fast-fail-retry-delay");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *a, *b;
  gint64 start, b_started = 0;

  concurra_runner_set_fast_fail (runner, TRUE);
  concurra_runner_set_max_concurrency (runner, 1);
  concurra_runner_set_retry_delay (runner, 3.0);
  a = add_job (runner, probe, "a", NULL, JOB_FAIL);
  task_job (a)->fail_attempts = 1;
  concurra_task_set_retries (a, 1);
  b = add_job (runner, probe, "b", NULL, JOB_OK);
  g_signal_connect (runner, "task-started", G_CALLBACK (note_start_time), &b_started);

  start = g_get_monotonic_time ();
  results = test_run_ok (runner);
  g_assert_cmpint (concurra_task_get_status (a), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (concurra_task_get_status (b), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  /* "a" waits 3 s for its retry; "b" started long before that */
  g_assert_cmpfloat ((b_started - start) / 1e6, <, 1.5);
  probe_finish (probe);
}

static void
fast_fail_off (ConcurraRunner *runner,
               ConcurraTask   *task,
               gpointer        data)
{
  concurra_runner_set_fast_fail (runner, FALSE);
}

/* Turning fast-fail off during a run lets the run go on after a failure
 * (the lanes had stopped, waiting for a termination that never came). */
static void
test_fast_fail_turned_off (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ConcurraRunner) runner = new_runner ("fast-fail-off");
      g_autoptr(Probe) probe = probe_new ();
      g_autoptr(GHashTable) results = NULL;
      ConcurraTask *a;

      concurra_runner_set_fast_fail (runner, TRUE);
      concurra_runner_set_max_concurrency (runner, 1);
      a = add_job (runner, probe, "a", NULL, JOB_FAIL);
      task_job (a)->fail_attempts = -1;
      add_job (runner, probe, "b", NULL, JOB_OK);
      add_job (runner, probe, "c", NULL, JOB_OK);
      g_signal_connect (runner, "task-started", G_CALLBACK (fast_fail_off), NULL);
      results = test_run_ok (runner);
      g_assert_cmpuint (concurra_runner_get_n_failed (runner), ==, 1);
      probe_finish (probe);
      return;
    }
  g_test_trap_subprocess (NULL, 2 * TEST_LONG_WAIT * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* Signal order when handlers iterate the owner context, as a blocking
 * wait on another task does. */
typedef struct
{
  ConcurraTask *other;
  GString      *log;
  gboolean      nested;
} NestedLog;

static void
iterate_on_running (ConcurraTask *task,
                    GParamSpec   *pspec,
                    NestedLog    *nl)
{
  if (concurra_task_get_status (task) != CONCURRA_TASK_STATUS_RUNNING || nl->nested)
    return;
  nl->nested = TRUE;
  /* the attempt ends meanwhile, and its event is handled in here */
  g_assert_true (concurra_task_wait (nl->other, TEST_LONG_WAIT, NULL, NULL));
  g_main_context_iteration (g_main_context_get_thread_default (), FALSE);
  nl->nested = FALSE;
}

static void
log_started (ConcurraRunner *runner,
             ConcurraTask   *task,
             NestedLog      *nl)
{
  g_string_append_printf (nl->log, "started %s; ", concurra_task_get_label (task));
}

static void
log_task_finished (ConcurraRunner *runner,
                   ConcurraTask   *task,
                   NestedLog      *nl)
{
  g_string_append_printf (nl->log, "finished %s; ", concurra_task_get_label (task));
  if (task != nl->other && nl->other != NULL && !concurra_task_is_done (nl->other))
    g_assert_true (concurra_task_wait (nl->other, TEST_LONG_WAIT, NULL, NULL));
}

static void
log_progress (ConcurraRunner *runner,
              guint           done,
              guint           total,
              NestedLog      *nl)
{
  g_string_append_printf (nl->log, "%u/%u; ", done, total);
}

static void
log_done (ConcurraRunner *runner,
          NestedLog      *nl)
{
  g_string_append_printf (nl->log, "done (n-running %u)", concurra_runner_get_n_running (runner));
}

static void
connect_log (ConcurraRunner *runner,
             NestedLog      *nl)
{
  g_signal_connect (runner, "task-started", G_CALLBACK (log_started), nl);
  g_signal_connect (runner, "task-finished", G_CALLBACK (log_task_finished), nl);
  g_signal_connect (runner, "progress", G_CALLBACK (log_progress), nl);
  g_signal_connect (runner, "finished", G_CALLBACK (log_done), nl);
}

/* A notify::status handler of the start that sees the attempt end: the
 * counter stays right and the run does not finish inside it. */
static void
test_nested_notify_on_start (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("nested-start");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  NestedLog nl = { NULL, g_string_new (NULL), FALSE };
  ConcurraTask *a;

  concurra_runner_set_max_concurrency (runner, 1);
  a = add_job (runner, probe, "a", NULL, JOB_OK);
  nl.other = a;
  g_signal_connect (a, "notify::status", G_CALLBACK (iterate_on_running), &nl);
  connect_log (runner, &nl);
  results = test_run_ok (runner);
  g_assert_cmpuint (concurra_runner_get_n_running (runner), ==, 0);
  /* the run finished after the start's handlers, with nothing running */
  g_assert_cmpstr (nl.log->str, ==, "started a; finished a; 1/1; done (n-running 0)");
  g_assert_nonnull (strstr (nl.log->str, "started a; "));
  g_signal_handlers_disconnect_by_data (runner, &nl);
  g_signal_handlers_disconnect_by_data (a, &nl);
  g_string_free (nl.log, TRUE);
  probe_finish (probe);
}

/* A task-finished handler that waits for the last task: the run finishes
 * after the handler, and every progress count comes once, in order. */
static void
test_nested_wait_in_task_finished (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("nested-finish");
  g_autoptr(Probe) probe = probe_new ();
  AsyncRun ar = { 0 };
  NestedLog nl = { NULL, g_string_new (NULL), FALSE };

  concurra_runner_set_max_concurrency (runner, 2);
  add_job (runner, probe, "a", NULL, JOB_OK);
  nl.other = add_job (runner, probe, "b", NULL, JOB_OK);
  task_job (nl.other)->sleep_ms = 200;
  connect_log (runner, &nl);
  run_async_and_wait (runner, NULL, &ar);
  g_assert_no_error (ar.error);
  /* one progress count, the last, after both: never 1/2 after 2/2 */
  g_test_message ("%s", nl.log->str);
  g_assert_true (g_str_has_suffix (nl.log->str, "finished b; 2/2; done (n-running 0)"));
  g_assert_null (strstr (nl.log->str, "1/2"));
  g_signal_handlers_disconnect_by_data (runner, &nl);
  g_string_free (nl.log, TRUE);
  async_run_clear (&ar);
  probe_finish (probe);
}

typedef struct
{
  ConcurraTask *task;
  gint64        when;
  TestCounter  *done;
} LateReport;

static gpointer
late_reporter (gpointer data)
{
  LateReport *report = data;

  while (g_get_monotonic_time () < report->when)
    ;   /* spin: land close to the 1 ms timeout */
  concurra_task_return_string (report->task, "late value");
  test_counter_add (report->done, 1);
  g_object_unref (report->task);
  g_free (report);
  return NULL;
}

static gboolean
report_from_thread_around_timeout (ConcurraTask  *task,
                                   GCancellable  *cancellable,
                                   gpointer       data,
                                   GError       **error)
{
  LateReport *report = g_new0 (LateReport, 1);
  TestCounter *counters = data;   /* started, done */

  test_counter_add (&counters[0], 1);
  report->task = g_object_ref (task);
  report->when = g_get_monotonic_time () + g_random_int_range (800, 1300);
  report->done = &counters[1];
  g_thread_unref (g_thread_new ("late-reporter", late_reporter, report));
  return TRUE;
}

/* Main-context tasks reporting from other threads just as their timeout
 * fires: whichever comes first wins; a report that loses is dropped and
 * freed, never written while the owner discards the attempt (under ASan
 * the value leaked before). */
static void
test_main_context_report_races_timeout (void)
{
  TestCounter counters[2];   /* reporters started, done */

  test_counter_init (&counters[0]);
  test_counter_init (&counters[1]);
  for (guint round = 0; round < 400; round++)
    {
      g_autoptr(ConcurraRunner) runner = new_runner ("late-report");
      g_autoptr(GHashTable) results = NULL;

      concurra_runner_set_timeout (runner, 0.001);
      concurra_runner_set_max_concurrency (runner, 4);
      for (guint k = 0; k < 4; k++)
        {
          g_autofree char *label = g_strdup_printf ("t%u", k);
          ConcurraTask *task =
            concurra_runner_add_main_context_task (runner, label, NULL,
                                                   report_from_thread_around_timeout,
                                                   counters, NULL, NULL);
          g_assert_nonnull (task);
        }
      results = test_run_ok (runner);
      for (guint k = 0; k < 4; k++)
        {
          g_autofree char *label = g_strdup_printf ("t%u", k);
          ConcurraTask *task = g_hash_table_lookup (results, label);
          ConcurraTaskStatus status = concurra_task_get_status (task);

          if (status == CONCURRA_TASK_STATUS_SUCCESSFUL)
            g_assert_cmpstr (g_value_get_string (concurra_task_get_value (task)), ==, "late value");
          else
            test_assert_task_error (task, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT,
                                    "Task exceeded timeout of 0.001 seconds");
        }
    }
  /* a function whose attempt timed out before it was called never runs */
  g_assert_true (test_counter_wait_at_least (&counters[1], test_counter_get (&counters[0]),
                                             TEST_LONG_WAIT));
  test_counter_clear (&counters[0]);
  test_counter_clear (&counters[1]);
}

/* ------------------------------------------------------------------------ */
/* Abort and cancellation                                                   */
/* ------------------------------------------------------------------------ */

static gpointer
abort_thread_func (gpointer data)
{
  concurra_runner_abort (data);
  return NULL;
}

static void
assert_aborted (ConcurraTask *task)
{
  test_assert_task_error (task, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED,
                          TERMINATED_MESSAGE);
  g_assert_cmpstr (concurra_task_get_error_message (task), ==, TERMINATED_MESSAGE);
  g_assert_null (concurra_task_get_value (task));
}

static void
test_abort_thread_during_start (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("abort-start");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  ConcurraTask *cooperative, *stuck, *next;
  GThread *thread;
  gint64 start;

  concurra_runner_set_max_concurrency (runner, 2);
  cooperative = add_job (runner, probe, "cooperative", NULL, JOB_COOPERATIVE);
  stuck = add_job (runner, probe, "stuck", NULL, JOB_STUCK);
  next = add_job (runner, probe, "next", NULL, JOB_OK);

  start = g_get_monotonic_time ();
  g_assert_true (concurra_runner_start (runner, &error));
  g_assert_no_error (error);
  g_assert_true (test_counter_wait_at_least (&probe->entered, 2, TEST_LONG_WAIT));
  g_assert_true (concurra_runner_is_running (runner));

  thread = g_thread_new ("aborter", abort_thread_func, runner);
  g_thread_join (thread);

  results = concurra_runner_wait (runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (results);
  g_assert_cmpfloat (test_elapsed (start), <, 10.0);
  g_assert_false (concurra_runner_is_running (runner));
  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_FINISHED);

  assert_aborted (cooperative);
  assert_aborted (stuck);
  assert_aborted (next);
  assert_never_ran (next);
  g_assert_true (test_counter_wait_at_least (&probe->cancelled, 1, TEST_LONG_WAIT));

  /* the stuck thread's late result is ignored */
  probe_finish (probe);
  assert_aborted (stuck);
}

typedef struct
{
  ConcurraRunner *runner;
  const char     *trigger;
  gboolean        scheduled;
} AbortOnStart;

static gboolean
abort_idle (gpointer data)
{
  concurra_runner_abort (data);
  return G_SOURCE_REMOVE;
}

static void
abort_when_started (ConcurraRunner *runner,
                    ConcurraTask   *task,
                    gpointer        user_data)
{
  AbortOnStart *aos = user_data;

  if (!aos->scheduled && g_strcmp0 (concurra_task_get_label (task), aos->trigger) == 0)
    {
      aos->scheduled = TRUE;
      g_idle_add (abort_idle, runner);
    }
}

static void
test_abort_main_during_run_async (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("abort-async");
  g_autoptr(Probe) probe = probe_new ();
  AbortOnStart aos = { runner, "cooperative", FALSE };
  AsyncRun ar = { 0 };
  ConcurraTask *cooperative, *stuck, *next;
  guint finished_signals = 0;
  gint64 start;

  concurra_runner_set_max_concurrency (runner, 2);
  stuck = add_job (runner, probe, "stuck", NULL, JOB_STUCK);
  cooperative = add_job (runner, probe, "cooperative", NULL, JOB_COOPERATIVE);
  next = add_job (runner, probe, "next", NULL, JOB_OK);
  g_signal_connect (runner, "task-started", G_CALLBACK (abort_when_started), &aos);
  g_signal_connect_swapped (runner, "finished", G_CALLBACK (count_destroy), &finished_signals);

  start = g_get_monotonic_time ();
  run_async_and_wait (runner, NULL, &ar);
  g_assert_cmpfloat (test_elapsed (start), <, 10.0);
  g_assert_true (aos.scheduled);
  g_assert_no_error (ar.error);
  g_assert_nonnull (ar.results);
  g_assert_cmpuint (g_hash_table_size (ar.results), ==, 3);
  g_assert_cmpuint (finished_signals, ==, 1);

  assert_aborted (cooperative);
  assert_aborted (stuck);
  assert_aborted (next);
  assert_never_ran (next);

  probe_finish (probe);
  assert_aborted (stuck);
  async_run_clear (&ar);
}

static void
test_abort_before_start (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("abort-idle");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GError) error = NULL;
  ConcurraTask *a, *b;

  a = add_job (runner, probe, "a", NULL, JOB_OK);
  b = add_job (runner, probe, "b", "a", JOB_OK);
  concurra_runner_abort (runner);

  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_FINISHED);
  assert_aborted (a);
  assert_aborted (b);
  assert_never_ran (a);
  assert_never_ran (b);

  g_assert_null (concurra_runner_run (runner, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_ALREADY_STARTED);
  g_assert_cmpint (test_counter_get (&probe->entered), ==, 0);
  probe_finish (probe);
}

/* Leaves idle worker threads around, so that a task handed to the pool by
 * mistake starts at once: the tests that check nothing starts after an
 * abort or a cancellation then fail reliably instead of by chance. */
static void
warm_up_threads (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("warm-up");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;

  g_thread_pool_set_max_unused_threads (8);
  concurra_runner_set_max_concurrency (runner, 4);
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *label = g_strdup_printf ("w%d", i);

      task_job (add_job (runner, probe, label, NULL, JOB_RENDEZVOUS))->rendezvous = 4;
    }
  results = test_run_ok (runner);
  probe_finish (probe);
}

static void
abort_on_running (ConcurraRunner *runner,
                  GParamSpec     *pspec,
                  gpointer        user_data)
{
  if (concurra_runner_get_state (runner) == CONCURRA_RUNNER_STATE_RUNNING)
    concurra_runner_abort (runner);
}

static void
test_abort_while_starting (void)
{
  warm_up_threads ();

  for (int round = 0; round < 5; round++)
    {
      g_autoptr(ConcurraRunner) runner = new_runner ("abort-while-starting");
      g_autoptr(Probe) probe = probe_new ();
      g_autoptr(GHashTable) results = NULL;
      g_autoptr(GError) error = NULL;
      ConcurraTask *tasks[3];
      gint64 start;

      for (int i = 0; i < 3; i++)
        {
          g_autofree char *label = g_strdup_printf ("t%d", i);

          tasks[i] = add_job (runner, probe, label, NULL, JOB_COOPERATIVE);
        }
      /* abort as soon as the run is claimed, before any task was handed out */
      g_signal_connect (runner, "notify::state", G_CALLBACK (abort_on_running), NULL);

      start = g_get_monotonic_time ();
      g_assert_true (concurra_runner_start (runner, &error));
      g_assert_no_error (error);
      results = concurra_runner_wait (runner, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (test_elapsed (start), <, 10.0);

      for (int i = 0; i < 3; i++)
        {
          assert_aborted (tasks[i]);
          if (job_calls (tasks[i]) != 0)
            g_error ("round %d: '%s' ran although the run was aborted before it started",
                     round, concurra_task_get_label (tasks[i]));
          assert_never_ran (tasks[i]);
        }
      g_signal_handlers_disconnect_by_func (runner, abort_on_running, NULL);
      probe_finish (probe);
    }
}

typedef struct
{
  Probe        *probe;
  GCancellable *cancellable;
} CancelLater;

static gpointer
cancel_thread_func (gpointer data)
{
  CancelLater *cl = data;

  g_assert_true (test_counter_wait_at_least (&cl->probe->entered, 1, TEST_LONG_WAIT));
  g_cancellable_cancel (cl->cancellable);
  return NULL;
}

static void
test_run_cancellable (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("cancel");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  CancelLater cl = { probe, cancellable };
  ConcurraTask *running, *pending;
  GThread *thread;
  GHashTable *results;
  gint64 start;

  concurra_runner_set_max_concurrency (runner, 1);
  running = add_job (runner, probe, "running", NULL, JOB_COOPERATIVE);
  pending = add_job (runner, probe, "pending", NULL, JOB_OK);

  thread = g_thread_new ("canceller", cancel_thread_func, &cl);
  start = g_get_monotonic_time ();
  results = concurra_runner_run (runner, cancellable, &error);
  g_thread_join (thread);

  g_assert_null (results);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpfloat (test_elapsed (start), <, 10.0);
  assert_all_terminal (runner);
  g_assert_cmpint (concurra_task_get_status (running), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_cmpint (concurra_task_get_status (pending), ==, CONCURRA_TASK_STATUS_TERMINATED);
  assert_never_ran (pending);
  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_FINISHED);
  g_assert_true (test_counter_wait_at_least (&probe->cancelled, 1, TEST_LONG_WAIT));
  probe_finish (probe);
}

static gboolean
cancel_idle (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
cancel_when_started (ConcurraRunner *runner,
                     ConcurraTask   *task,
                     gpointer        user_data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, cancel_idle, g_object_ref (user_data), g_object_unref);
}

static void
test_run_async_cancellable (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("cancel-async");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncRun ar = { 0 };
  ConcurraTask *running;

  running = add_job (runner, probe, "running", NULL, JOB_COOPERATIVE);
  g_signal_connect (runner, "task-started", G_CALLBACK (cancel_when_started), cancellable);
  run_async_and_wait (runner, cancellable, &ar);
  g_assert_null (ar.results);
  g_assert_error (ar.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_all_terminal (runner);
  g_assert_cmpint (concurra_task_get_status (running), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_FINISHED);
  async_run_clear (&ar);
  probe_finish (probe);
}

static void
check_pre_cancelled (StartHow how)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("pre-cancelled");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  ConcurraTask *tasks[3];

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *label = g_strdup_printf ("never-%d", i);

      tasks[i] = add_job (runner, probe, label, NULL, JOB_OK);
    }
  g_cancellable_cancel (cancellable);

  if (how == START_RUN)
    g_assert_null (concurra_runner_run (runner, cancellable, &error));
  else
    {
      AsyncRun ar = { 0 };

      run_async_and_wait (runner, cancellable, &ar);
      g_assert_null (ar.results);
      error = g_steal_pointer (&ar.error);
      async_run_clear (&ar);
    }

  /* like any GIO call given a cancelled cancellable: fail, do nothing */
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_all_terminal (runner);
  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_FINISHED);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpint (concurra_task_get_status (tasks[i]), ==, CONCURRA_TASK_STATUS_TERMINATED);
      if (job_calls (tasks[i]) != 0)
        g_error ("'%s' ran although the cancellable was cancelled before the run",
                 concurra_task_get_label (tasks[i]));
      assert_never_ran (tasks[i]);
    }
  probe_finish (probe);
}

static void
test_run_pre_cancelled (void)
{
  warm_up_threads ();
  for (int round = 0; round < 5; round++)
    check_pre_cancelled (START_RUN);
}

static void
test_run_async_pre_cancelled (void)
{
  warm_up_threads ();
  for (int round = 0; round < 5; round++)
    check_pre_cancelled (START_RUN_ASYNC);
}

static void
test_abort_no_new_starts (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("abort-no-new-starts");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  SlowHandler slow = { probe, FALSE, FALSE };
  ConcurraTask *pending[3];

  concurra_runner_set_max_concurrency (runner, 2);
  add_job (runner, probe, "running-1", NULL, JOB_COOPERATIVE);
  add_job (runner, probe, "running-2", NULL, JOB_COOPERATIVE);
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *label = g_strdup_printf ("pending-%d", i);

      pending[i] = add_job (runner, probe, label, NULL, JOB_OK);
    }
  g_signal_connect (runner, "task-finished", G_CALLBACK (slow_finished_handler), &slow);

  g_assert_true (concurra_runner_start (runner, &error));
  g_assert_no_error (error);
  g_assert_true (test_counter_wait_at_least (&probe->entered, 2, TEST_LONG_WAIT));
  g_atomic_int_set (&slow.aborting, TRUE);
  concurra_runner_abort (runner);
  results = concurra_runner_wait (runner, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (slow.waited);
  /* nothing new started once the abort began */
  g_assert_cmpint (test_counter_get (&probe->entered), ==, 2);
  for (int i = 0; i < 3; i++)
    {
      assert_aborted (pending[i]);
      assert_never_ran (pending[i]);
    }
  g_signal_handlers_disconnect_by_data (runner, &slow);
  probe_finish (probe);
}

static void
test_run_async_cancellable_after_finish (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(Probe) probe = probe_new ();
  ConcurraRunner *runner = new_runner ("cancel-after");
  AsyncRun ar = { 0 };

  add_job (runner, probe, "quick", NULL, JOB_OK);
  run_async_and_wait (runner, cancellable, &ar);
  g_assert_no_error (ar.error);
  g_assert_nonnull (ar.results);
  async_run_clear (&ar);

  /* the run is over and the runner gone: cancelling must not reach it */
  g_object_add_weak_pointer (G_OBJECT (runner), (gpointer *) &runner);
  g_object_unref (runner);
  g_assert_null (runner);
  g_cancellable_cancel (cancellable);
  probe_finish (probe);
}

static void
test_run_async_then_wait (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("async-wait");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  AsyncRun ar = { 0 };

  add_job (runner, probe, "a", NULL, JOB_OK);
  add_job (runner, probe, "b", "a", JOB_OK);
  concurra_runner_run_async (runner, NULL, run_async_cb, &ar);
  /* waiting on the owner thread drives the run instead of deadlocking */
  results = concurra_runner_wait (runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (results);
  g_assert_cmpuint (g_hash_table_size (results), ==, 2);
  assert_all_terminal (runner);
  test_iterate_until (NULL, &ar.done, TEST_LONG_WAIT);
  g_assert_no_error (ar.error);
  g_assert_nonnull (ar.results);
  async_run_clear (&ar);
  probe_finish (probe);
}

/* ------------------------------------------------------------------------ */
/* start / wait / state / verify / raise-on-failure                          */
/* ------------------------------------------------------------------------ */

typedef struct
{
  GMutex  lock;
  GArray *states;
} StateLog;

static void
on_notify_state (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  StateLog *log = user_data;
  ConcurraRunnerState state = concurra_runner_get_state (CONCURRA_RUNNER (object));

  g_mutex_lock (&log->lock);
  g_array_append_val (log->states, state);
  g_mutex_unlock (&log->lock);
}

static void
test_start_wait (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("background");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  StateLog log = { .states = g_array_new (FALSE, FALSE, sizeof (ConcurraRunnerState)) };
  ConcurraTask *gated, *quick;
  gint64 start;

  g_mutex_init (&log.lock);
  concurra_runner_set_max_concurrency (runner, 2);
  gated = add_job (runner, probe, "gated", NULL, JOB_GATED);
  quick = add_job (runner, probe, "quick", NULL, JOB_OK);
  g_signal_connect (runner, "notify::state", G_CALLBACK (on_notify_state), &log);

  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_IDLE);
  g_assert_false (concurra_runner_is_running (runner));

  start = g_get_monotonic_time ();
  g_assert_true (concurra_runner_start (runner, &error));
  g_assert_no_error (error);
  /* start returns at once; "gated" cannot finish before the gate opens */
  g_assert_cmpfloat (test_elapsed (start), <, 5.0);
  g_assert_true (concurra_runner_is_running (runner));
  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_RUNNING);

  g_assert_true (test_counter_wait_at_least (&probe->entered, 1, TEST_LONG_WAIT));
  g_assert_false (concurra_task_is_done (gated));
  g_assert_true (concurra_runner_is_running (runner));

  /* verify refuses while running */
  g_assert_false (concurra_runner_verify (runner, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_STILL_RUNNING);
  g_clear_error (&error);

  test_flag_set (&probe->gate);
  results = concurra_runner_wait (runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (results);
  g_assert_cmpuint (g_hash_table_size (results), ==, 2);
  g_assert_true (g_hash_table_lookup (results, "gated") == gated);
  g_assert_false (concurra_runner_is_running (runner));
  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_FINISHED);
  g_assert_cmpint (concurra_task_get_status (gated), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (concurra_task_get_status (quick), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);

  g_assert_true (concurra_runner_verify (runner, &error));
  g_assert_no_error (error);

  /* IDLE -> RUNNING -> FINISHED, each notified once */
  g_mutex_lock (&log.lock);
  g_assert_cmpuint (log.states->len, ==, 2);
  g_assert_cmpint (g_array_index (log.states, ConcurraRunnerState, 0), ==, CONCURRA_RUNNER_STATE_RUNNING);
  g_assert_cmpint (g_array_index (log.states, ConcurraRunnerState, 1), ==, CONCURRA_RUNNER_STATE_FINISHED);
  g_mutex_unlock (&log.lock);

  g_signal_handlers_disconnect_by_data (runner, &log);
  g_array_unref (log.states);
  g_mutex_clear (&log.lock);
  probe_finish (probe);
}

static void
test_wait_not_started (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("never-started");
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (add_noop (runner, "a", NULL, &error));
  g_assert_null (concurra_runner_wait (runner, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_NOT_STARTED);
  g_clear_error (&error);

  g_assert_false (concurra_runner_verify (runner, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_NOT_STARTED);
  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_IDLE);
}

/* ---- lifetime: the runner goes when its last reference goes ---- */

static void
run_async_cb_unref (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  run_async_cb (source, result, user_data);
  /* the caller handed its reference to the callback */
  g_object_unref (source);
}

/* The last task times out: the run finishes inside the deadline dispatch
 * and the run_async callback drops the last reference there. */
static void
test_lifetime_timeout_callback_unrefs (void)
{
  g_autoptr(Probe) probe = probe_new ();
  ConcurraRunner *runner = new_runner ("timeout-unref");
  AsyncRun ar = { 0 };
  TestFlag finalized;

  test_flag_init (&finalized);
  concurra_runner_set_timeout (runner, 0.1);
  add_job (runner, probe, "slow", NULL, JOB_COOPERATIVE);
  g_object_weak_ref (G_OBJECT (runner), weak_notify_flag, &finalized);
  concurra_runner_run_async (runner, NULL, run_async_cb_unref, &ar);
  test_iterate_until (NULL, &ar.done, TEST_LONG_WAIT);
  g_assert_no_error (ar.error);
  g_assert_true (test_flag_is_set (&finalized));
  test_flag_clear (&finalized);
  async_run_clear (&ar);
  probe_finish (probe);
}

static void
abort_on_finished (ConcurraRunner *runner,
                   gpointer        data)
{
  concurra_runner_abort (runner);
}

/* Aborting, or cancelling a task, once the run is over is documented as
 * harmless: nothing may be left on the finished run's context holding the
 * runner, whether the run was in the background or on the caller's thread. */
static void
check_late_abort (gboolean background)
{
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  ConcurraRunner *runner = new_runner ("late-abort");
  ConcurraTask *task = add_job (runner, probe, "a", NULL, JOB_OK);
  TestFlag finalized;

  test_flag_init (&finalized);
  if (background)
    {
      g_assert_true (concurra_runner_start (runner, &error));
      results = concurra_runner_wait (runner, NULL, &error);
      concurra_runner_abort (runner);
    }
  else
    {
      g_signal_connect (runner, "finished", G_CALLBACK (abort_on_finished), NULL);
      results = concurra_runner_run (runner, NULL, &error);
    }
  g_assert_no_error (error);
  g_assert_nonnull (results);
  concurra_task_cancel (task);
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_clear_pointer (&results, g_hash_table_unref);

  g_object_weak_ref (G_OBJECT (runner), weak_notify_flag, &finalized);
  g_object_unref (runner);
  /* the background thread may hold its reference a moment longer */
  g_assert_true (test_flag_wait (&finalized, TEST_LONG_WAIT));
  test_flag_clear (&finalized);
  probe_finish (probe);
}

static void
test_lifetime_abort_after_start (void)
{
  check_late_abort (TRUE);
}

static void
test_lifetime_abort_in_finished_handler (void)
{
  check_late_abort (FALSE);
}

static void
wait_on_finished (ConcurraRunner *runner,
                  gpointer        data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = concurra_runner_wait (runner, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (results), ==, 1);
  test_flag_set (data);
}

/* wait() from a "finished" handler of a background run runs on the run's
 * own thread: it returns the results instead of waiting for itself. */
static void
test_wait_in_finished_handler (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(Probe) probe = probe_new ();
      g_autoptr(ConcurraRunner) runner = new_runner ("wait-in-finished");
      g_autoptr(GHashTable) results = NULL;
      TestFlag handled;

      test_flag_init (&handled);
      add_job (runner, probe, "a", NULL, JOB_OK);
      g_signal_connect (runner, "finished", G_CALLBACK (wait_on_finished), &handled);
      g_assert_true (concurra_runner_start (runner, NULL));
      g_assert_true (test_flag_wait (&handled, TEST_LONG_WAIT));
      results = concurra_runner_wait (runner, NULL, NULL);
      g_assert_nonnull (results);
      test_flag_clear (&handled);
      probe_finish (probe);
      return;
    }
  /* a deadlock must fail the test, not hang the suite */
  g_test_trap_subprocess (NULL, 2 * TEST_LONG_WAIT * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
refuse_wait (ConcurraRunner *runner,
             guint          *refused)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (concurra_runner_wait (runner, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_STILL_RUNNING);
  g_assert_nonnull (strstr (error->message, "'wait-in-handlers'"));
  (*refused)++;
}

static void
wait_on_task_finished (ConcurraRunner *runner,
                       ConcurraTask   *task,
                       guint          *refused)
{
  refuse_wait (runner, refused);
}

static void
wait_on_retrying (ConcurraRunner *runner,
                  ConcurraTask   *task,
                  guint           attempt,
                  GError         *error,
                  guint          *refused)
{
  refuse_wait (runner, refused);
}

static void
wait_on_completed (ConcurraTask *task,
                   guint        *refused)
{
  refuse_wait (g_object_get_data (G_OBJECT (task), "runner"), refused);
}

/* back to pending for a retry: the retry is scheduled after the handler */
static void
wait_on_pending_again (ConcurraTask *task,
                       GParamSpec   *pspec,
                       guint        *refused)
{
  if (concurra_task_get_status (task) == CONCURRA_TASK_STATUS_PENDING &&
      concurra_task_get_attempts (task) > 0)
    refuse_wait (g_object_get_data (G_OBJECT (task), "runner"), refused);
}

/* wait() from a handler the run cannot finish during would wait for
 * itself: it fails instead, and the run goes on. */
static void
test_wait_in_task_handlers (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(Probe) probe = probe_new ();
      g_autoptr(ConcurraRunner) runner = new_runner ("wait-in-handlers");
      g_autoptr(GHashTable) results = NULL;
      guint finished = 0, retrying = 0, completed = 0, pending_again = 0;
      ConcurraTask *flaky, *last;

      concurra_runner_set_max_concurrency (runner, 1);
      flaky = add_job (runner, probe, "flaky", NULL, JOB_FAIL);
      task_job (flaky)->fail_attempts = 1;
      concurra_task_set_retries (flaky, 1);
      last = add_job (runner, probe, "last", "flaky", JOB_OK);
      g_object_set_data (G_OBJECT (last), "runner", runner);
      g_object_set_data (G_OBJECT (flaky), "runner", runner);
      g_signal_connect (flaky, "notify::status", G_CALLBACK (wait_on_pending_again), &pending_again);
      g_signal_connect (runner, "task-finished", G_CALLBACK (wait_on_task_finished), &finished);
      g_signal_connect (runner, "task-retrying", G_CALLBACK (wait_on_retrying), &retrying);
      g_signal_connect (last, "completed", G_CALLBACK (wait_on_completed), &completed);

      results = test_run_ok (runner);
      g_assert_cmpuint (finished, ==, 2);
      g_assert_cmpuint (retrying, ==, 1);
      g_assert_cmpuint (completed, ==, 1);
      g_assert_cmpuint (pending_again, ==, 1);
      g_assert_cmpint (concurra_task_get_status (last), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
      probe_finish (probe);
      return;
    }
  /* without the check this waits forever: fail the test, do not hang */
  g_test_trap_subprocess (NULL, 2 * TEST_LONG_WAIT * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
add_failing_pipeline (ConcurraRunner *runner,
                      Probe          *probe)
{
  add_job (runner, probe, "good-one", NULL, JOB_OK);
  task_job (add_job (runner, probe, "broken-one", NULL, JOB_FAIL))->fail_attempts = -1;
  add_job (runner, probe, "skipped-child", "broken-one", JOB_OK);
}

static void
test_verify (void)
{
  g_autoptr(ConcurraRunner) ok_runner = new_runner ("verify-ok");
  g_autoptr(ConcurraRunner) runner = new_runner ("verify-failures");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) ok_results = NULL;
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;

  add_job (ok_runner, probe, "fine", NULL, JOB_OK);
  ok_results = test_run_ok (ok_runner);
  g_assert_true (concurra_runner_verify (ok_runner, &error));
  g_assert_no_error (error);

  add_failing_pipeline (runner, probe);
  results = test_run_ok (runner);
  g_assert_false (concurra_runner_verify (runner, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TASKS_FAILED);
  g_test_message ("verify message: %s", error->message);
  g_assert_nonnull (strstr (error->message, "broken-one"));
  g_assert_nonnull (strstr (error->message, "skipped-child"));
  g_assert_null (strstr (error->message, "good-one"));
  g_clear_error (&error);

  /* error-message goes in front */
  concurra_runner_set_error_message (runner, "Nightly build");
  g_assert_false (concurra_runner_verify (runner, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TASKS_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "Nightly build: "));
  g_assert_nonnull (strstr (error->message, "broken-one"));
  probe_finish (probe);
}

static void
check_raise_on_failure (StartHow how)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("raise");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GHashTable) after = NULL;
  g_autoptr(GError) error = NULL;

  concurra_runner_set_raise_on_failure (runner, TRUE);
  concurra_runner_set_error_message (runner, "Pipeline broke");
  add_failing_pipeline (runner, probe);

  switch (how)
    {
    case START_RUN:
      results = concurra_runner_run (runner, NULL, &error);
      break;
    case START_RUN_ASYNC:
      {
        AsyncRun ar = { 0 };

        run_async_and_wait (runner, NULL, &ar);
        results = g_steal_pointer (&ar.results);
        error = g_steal_pointer (&ar.error);
      }
      break;
    case START_BACKGROUND:
      g_assert_true (concurra_runner_start (runner, &error));
      g_assert_no_error (error);
      results = concurra_runner_wait (runner, NULL, &error);
      break;
    }

  g_assert_null (results);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TASKS_FAILED);
  g_test_message ("raise message: %s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Pipeline broke: "));
  g_assert_nonnull (strstr (error->message, "broken-one"));
  g_assert_nonnull (strstr (error->message, "skipped-child"));

  /* results stay available */
  after = concurra_runner_get_results (runner);
  g_assert_cmpuint (g_hash_table_size (after), ==, 3);
  g_assert_cmpint (concurra_task_get_status (concurra_runner_get_task (runner, "good-one")), ==,
                   CONCURRA_TASK_STATUS_SUCCESSFUL);
  assert_all_terminal (runner);
  probe_finish (probe);
}

static void
test_raise_on_failure_run (void)
{
  check_raise_on_failure (START_RUN);
}

static void
test_raise_on_failure_run_async (void)
{
  check_raise_on_failure (START_RUN_ASYNC);
}

static void
test_raise_on_failure_wait (void)
{
  check_raise_on_failure (START_BACKGROUND);
}

static void
test_raise_on_failure_off (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("no-raise");
  g_autoptr(ConcurraRunner) all_good = new_runner ("raise-all-good");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GHashTable) good_results = NULL;

  /* the default: failures do not fail the run */
  add_failing_pipeline (runner, probe);
  results = test_run_ok (runner);
  g_assert_cmpuint (g_hash_table_size (results), ==, 3);

  /* raising, but nothing failed */
  concurra_runner_set_raise_on_failure (all_good, TRUE);
  add_job (all_good, probe, "fine", NULL, JOB_OK);
  good_results = test_run_ok (all_good);
  g_assert_cmpuint (g_hash_table_size (good_results), ==, 1);
  probe_finish (probe);
}

/* ------------------------------------------------------------------------ */
/* Signals and progress                                                     */
/* ------------------------------------------------------------------------ */

static void
on_progress_record (ConcurraRunner *runner,
                    guint           completed,
                    guint           total,
                    gpointer        user_data)
{
  GArray *events = user_data;
  guint pair[2] = { completed, total };

  g_array_append_vals (events, pair, 2);
}

static void
test_progress_signal (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("progress");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GArray) events = g_array_new (FALSE, FALSE, sizeof (guint));

  concurra_runner_set_max_concurrency (runner, 3);
  add_job (runner, probe, "a", NULL, JOB_OK);
  add_job (runner, probe, "b", NULL, JOB_OK);
  task_job (add_job (runner, probe, "c", NULL, JOB_FAIL))->fail_attempts = -1;
  add_job (runner, probe, "d", "c", JOB_OK);
  add_job (runner, probe, "e", "a,b", JOB_OK);
  g_signal_connect (runner, "progress", G_CALLBACK (on_progress_record), events);

  results = test_run_ok (runner);

  /* every task counts once it has its final status, skipped ones too */
  g_assert_cmpuint (events->len, ==, 2 * 5);
  for (guint i = 0; i < 5; i++)
    {
      g_assert_cmpuint (g_array_index (events, guint, 2 * i), ==, i + 1);
      g_assert_cmpuint (g_array_index (events, guint, 2 * i + 1), ==, 5);
    }
  probe_finish (probe);
}

static void
test_progress_stats (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ConcurraRunner) runner = concurra_runner_new ("pipeline");
      g_autoptr(ConcurraRunner) quiet = concurra_runner_new ("silent");
      g_autoptr(Probe) probe = probe_new ();
      g_autoptr(GHashTable) results = NULL;
      g_autoptr(GHashTable) quiet_results = NULL;
      g_autoptr(ConcurraRunner) thirds = concurra_runner_new ("MyRunner");
      g_autoptr(GHashTable) thirds_results = NULL;

      g_setenv ("G_MESSAGES_DEBUG", "Concurra", TRUE);
      g_log_writer_default_set_use_stderr (TRUE);

      concurra_runner_set_progress_stats (runner, TRUE);
      concurra_runner_set_verify_on_finish (runner, TRUE);
      concurra_runner_set_max_concurrency (runner, 1);
      for (int i = 0; i < 4; i++)
        {
          g_autofree char *label = g_strdup_printf ("step-%d", i);

          add_job (runner, probe, label, NULL, JOB_OK);
        }
      results = test_run_ok (runner);

      /* the three steps of Concurra's documented example */
      concurra_runner_set_progress_stats (thirds, TRUE);
      concurra_runner_set_verify_on_finish (thirds, FALSE);
      concurra_runner_set_max_concurrency (thirds, 1);
      for (int i = 0; i < 3; i++)
        add_job (thirds, probe, NULL, NULL, JOB_OK);
      thirds_results = test_run_ok (thirds);

      /* both off by default: no progress, no report */
      g_assert_false (concurra_runner_get_progress_stats (quiet));
      g_assert_false (concurra_runner_get_verify_on_finish (quiet));
      add_job (quiet, probe, "hush", NULL, JOB_OK);
      quiet_results = test_run_ok (quiet);
      probe_finish (probe);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Concurra-INFO*pipeline progress: [######...................] 1/4 [25.0%] in 0 min *sec*");
  /* the bar is rounded from the percentage, ties to even: 12.5 -> 12, 18.75 -> 19 */
  g_test_trap_assert_stderr ("*pipeline progress: [############.............] 2/4 [50.0%] in 0 min *sec*");
  g_test_trap_assert_stderr ("*pipeline progress: [###################......] 3/4 [75.0%] in 0 min *sec*");
  g_test_trap_assert_stderr ("*pipeline progress: [#########################] 4/4 [100.0%] in 0 min *sec*");
  g_test_trap_assert_stderr ("*MyRunner progress: [########.................] 1/3 [33.33%] in 0 min *sec*");
  g_test_trap_assert_stderr ("*MyRunner progress: [#################........] 2/3 [66.67%] in 0 min *sec*");
  g_test_trap_assert_stderr ("*MyRunner progress: [#########################] 3/3 [100.0%] in 0 min *sec*");
  g_test_trap_assert_stderr_unmatched ("*silent progress:*");
  /* with verify-on-finish, the report is logged after the run */
  g_test_trap_assert_stderr ("*| label   | task   | status     | duration   |*");
  g_test_trap_assert_stderr ("*| step-3  | step-3 | Successful | *");
  g_test_trap_assert_stderr_unmatched ("*| hush *");
}

/* The GTK-style test: run_async on the main thread's loop; every signal
 * arrives on the main thread, and the loop keeps running meanwhile. */
typedef struct
{
  GThread *main_thread;
  Probe   *probe;
  guint    started;
  guint    finished;
  guint    retrying;
  guint    progress;
  guint    last_completed;
  guint    done_signals;
  guint    terminal_notifies;
  guint    status_notifies;
  guint    ticks;
  gboolean in_run;
} SignalLog;

#define ASSERT_MAIN_THREAD(log) g_assert_true (g_thread_self () == (log)->main_thread)

static void
on_started (ConcurraRunner *runner,
            ConcurraTask   *task,
            SignalLog      *log)
{
  ASSERT_MAIN_THREAD (log);
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_RUNNING);
  log->started++;
}

static void
on_finished_task (ConcurraRunner *runner,
                  ConcurraTask   *task,
                  SignalLog      *log)
{
  ASSERT_MAIN_THREAD (log);
  g_assert_true (test_task_is_terminal (task));
  log->finished++;
}

static void
on_retrying (ConcurraRunner *runner,
             ConcurraTask   *task,
             guint           attempt,
             const GError   *error,
             SignalLog      *log)
{
  ASSERT_MAIN_THREAD (log);
  g_assert_cmpuint (attempt, ==, 1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  log->retrying++;
}

static void
on_progress (ConcurraRunner *runner,
             guint           completed,
             guint           total,
             SignalLog      *log)
{
  ASSERT_MAIN_THREAD (log);
  g_assert_cmpuint (completed, ==, log->last_completed + 1);
  g_assert_cmpuint (total, ==, 4);
  log->last_completed = completed;
  log->progress++;
}

static void
on_done (ConcurraRunner *runner,
         SignalLog      *log)
{
  ASSERT_MAIN_THREAD (log);
  g_assert_cmpuint (log->finished, ==, 4);
  log->done_signals++;
}

static void
on_task_status (ConcurraTask *task,
                GParamSpec   *pspec,
                SignalLog    *log)
{
  ASSERT_MAIN_THREAD (log);
  log->status_notifies++;
  if (test_task_is_terminal (task))
    log->terminal_notifies++;
}

static gboolean
tick (gpointer data)
{
  SignalLog *log = data;

  ASSERT_MAIN_THREAD (log);
  /* the "ticker" task can only finish if the main loop keeps running */
  if (++log->ticks == 3)
    test_flag_set (&log->probe->gate);
  return log->ticks < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
test_signals_main_context (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("gtk-style");
  g_autoptr(Probe) probe = probe_new ();
  SignalLog log = { .main_thread = g_thread_self (), .probe = probe };
  AsyncRun ar = { 0 };

  concurra_runner_set_task_retries (runner, 1);
  concurra_runner_set_max_concurrency (runner, 2);
  add_job (runner, probe, "ticker", NULL, JOB_GATED);
  add_job (runner, probe, "a", NULL, JOB_OK);
  add_job (runner, probe, "b", "a", JOB_OK);
  task_job (add_job (runner, probe, "flaky", NULL, JOB_FAIL))->fail_attempts = 1;

  g_signal_connect (runner, "task-started", G_CALLBACK (on_started), &log);
  g_signal_connect (runner, "task-finished", G_CALLBACK (on_finished_task), &log);
  g_signal_connect (runner, "task-retrying", G_CALLBACK (on_retrying), &log);
  g_signal_connect (runner, "progress", G_CALLBACK (on_progress), &log);
  g_signal_connect (runner, "finished", G_CALLBACK (on_done), &log);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(ConcurraTask) task = g_list_model_get_item (G_LIST_MODEL (runner), i);

      g_signal_connect (task, "notify::status", G_CALLBACK (on_task_status), &log);
    }

  g_timeout_add (20, tick, &log);
  run_async_and_wait (runner, NULL, &ar);
  g_assert_no_error (ar.error);
  g_assert_nonnull (ar.results);
  g_assert_true (ar.thread == log.main_thread);

  g_assert_cmpuint (log.ticks, ==, 3);
  /* one task-started per attempt: 3 tasks once, "flaky" twice */
  g_assert_cmpuint (log.started, ==, 5);
  g_assert_cmpuint (log.finished, ==, 4);
  g_assert_cmpuint (log.retrying, ==, 1);
  g_assert_cmpuint (log.progress, ==, 4);
  g_assert_cmpuint (log.last_completed, ==, 4);
  g_assert_cmpuint (log.done_signals, ==, 1);
  g_assert_cmpuint (log.terminal_notifies, ==, 4);
  g_assert_cmpuint (log.status_notifies, >=, 8);
  assert_all_terminal (runner);
  async_run_clear (&ar);
  probe_finish (probe);
}

/* What the notify handlers saw: per property, how often and the last value. */
typedef struct
{
  GHashTable *count;   /* property name -> times notified */
  guint       last_running, last_completed, last_failed, max_running;
  GThread    *main_thread;
  gboolean    wrong_thread;
  Probe      *probe;       /* its gate opens once n-running was seen above 0 */
} NotifyLog;

static void
on_any_notify (GObject    *object,
               GParamSpec *pspec,
               NotifyLog  *log)
{
  char *key = g_strdup_printf ("%s:%s", G_OBJECT_TYPE_NAME (object), pspec->name);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (log->count, key));

  if (g_thread_self () != log->main_thread)
    log->wrong_thread = TRUE;
  g_hash_table_insert (log->count, key, GUINT_TO_POINTER (n + 1));
  if (CONCURRA_IS_RUNNER (object))
    {
      ConcurraRunner *runner = CONCURRA_RUNNER (object);

      log->last_running = concurra_runner_get_n_running (runner);
      log->max_running = MAX (log->max_running, log->last_running);
      log->last_completed = concurra_runner_get_n_completed (runner);
      log->last_failed = concurra_runner_get_n_failed (runner);
      if (log->last_running > 0)
        test_flag_set (&log->probe->gate);
    }
}

static guint
notified (NotifyLog  *log,
          const char *key)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (log->count, key));
}

/* The runner's counters and every part of a task's record notify, on the
 * owner context, so that a UI can bind to them. */
static void
test_signals_property_notify (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("notify");
  g_autoptr(Probe) probe = probe_new ();
  NotifyLog log = { .main_thread = g_thread_self (), .probe = probe };
  ConcurraTask *ok, *flaky, *bad, *skipped;
  AsyncRun ar = { 0 };

  log.count = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  concurra_runner_set_max_concurrency (runner, 2);
  /* held until n-running was notified: a task that starts and ends within
   * one batch of events may never show in the count */
  ok = add_job (runner, probe, "ok", NULL, JOB_GATED);
  flaky = add_job (runner, probe, "flaky", NULL, JOB_FAIL);
  task_job (flaky)->fail_attempts = 1;
  concurra_task_set_retries (flaky, 1);
  bad = add_job (runner, probe, "bad", NULL, JOB_FAIL);
  task_job (bad)->fail_attempts = -1;
  skipped = add_job (runner, probe, "skipped", "bad", JOB_OK);

  g_signal_connect (runner, "notify", G_CALLBACK (on_any_notify), &log);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(ConcurraTask) task = g_list_model_get_item (G_LIST_MODEL (runner), i);

      g_signal_connect (task, "notify", G_CALLBACK (on_any_notify), &log);
    }

  run_async_and_wait (runner, NULL, &ar);
  g_assert_no_error (ar.error);
  g_assert_false (log.wrong_thread);

  /* the counters: notified on the way, and their last notified values are final */
  g_assert_cmpuint (notified (&log, "ConcurraRunner:n-running"), >=, 2);
  g_assert_cmpuint (log.max_running, >=, 1);
  g_assert_cmpuint (log.last_running, ==, 0);
  g_assert_cmpuint (notified (&log, "ConcurraRunner:n-completed"), >=, 1);
  g_assert_cmpuint (log.last_completed, ==, 4);
  g_assert_cmpuint (notified (&log, "ConcurraRunner:n-failed"), >=, 1);
  g_assert_cmpuint (log.last_failed, ==, 2);

  /* the tasks: duration of the three that ran, error messages of the two
   * that did not succeed, retried of the one retried */
  g_assert_cmpuint (notified (&log, "ConcurraTask:duration"), ==, 3);
  g_assert_cmpuint (notified (&log, "ConcurraTask:error-message"), ==, 2);
  g_assert_cmpuint (notified (&log, "ConcurraTask:retried"), ==, 1);
  g_assert_true (concurra_task_get_retried (flaky));
  g_assert_false (concurra_task_get_retried (ok));
  g_assert_cmpint (concurra_task_get_status (skipped), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_cmpint (concurra_task_get_status (bad), ==, CONCURRA_TASK_STATUS_FAILED);

  g_signal_handlers_disconnect_by_data (runner, &log);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(ConcurraTask) task = g_list_model_get_item (G_LIST_MODEL (runner), i);

      g_signal_handlers_disconnect_by_data (task, &log);
    }
  g_hash_table_unref (log.count);
  async_run_clear (&ar);
  probe_finish (probe);
}

typedef struct
{
  GMutex   lock;
  GThread *expected;   /* NULL: any thread but `forbidden` */
  GThread *forbidden;
  GThread *seen;       /* the thread of the first emission */
  guint    n;
  guint    wrong;
} ThreadCheck;

static void
thread_check_hit (ThreadCheck *check)
{
  GThread *self = g_thread_self ();

  g_mutex_lock (&check->lock);
  if (check->seen == NULL)
    check->seen = self;
  if ((check->expected && self != check->expected) ||
      (check->forbidden && self == check->forbidden) ||
      self != check->seen)
    check->wrong++;
  check->n++;
  g_mutex_unlock (&check->lock);
}

static void
thread_check_task_signal (ConcurraRunner *runner,
                          ConcurraTask   *task,
                          ThreadCheck    *check)
{
  thread_check_hit (check);
}

static void
thread_check_progress (ConcurraRunner *runner,
                       guint           completed,
                       guint           total,
                       ThreadCheck    *check)
{
  thread_check_hit (check);
}

static void
thread_check_connect (ConcurraRunner *runner,
                      ThreadCheck    *check)
{
  g_signal_connect (runner, "task-started", G_CALLBACK (thread_check_task_signal), check);
  g_signal_connect (runner, "task-finished", G_CALLBACK (thread_check_task_signal), check);
  g_signal_connect (runner, "progress", G_CALLBACK (thread_check_progress), check);
  g_signal_connect_swapped (runner, "finished", G_CALLBACK (thread_check_hit), check);
}

static gpointer
run_in_thread_func (gpointer data)
{
  ConcurraRunner *runner = data;
  ThreadCheck *check = g_object_get_data (G_OBJECT (runner), "check");

  check->expected = g_thread_self ();
  return test_run_ok (runner);
}

static gpointer
run_async_in_thread_func (gpointer data)
{
  ConcurraRunner *runner = data;
  ThreadCheck *check = g_object_get_data (G_OBJECT (runner), "check");
  g_autoptr(GMainContext) context = g_main_context_new ();
  AsyncRun ar = { 0 };
  GHashTable *results;

  check->expected = g_thread_self ();
  g_main_context_push_thread_default (context);
  concurra_runner_run_async (runner, NULL, run_async_cb, &ar);
  test_iterate_until (context, &ar.done, TEST_LONG_WAIT);
  g_main_context_pop_thread_default (context);

  g_assert_true (ar.thread == check->expected);
  g_assert_no_error (ar.error);
  results = g_steal_pointer (&ar.results);
  async_run_clear (&ar);
  return results;
}

static void
test_signals_sync_run_thread (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("sync-thread");
  g_autoptr(ConcurraRunner) background = new_runner ("start-thread");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GHashTable) bg_results = NULL;
  g_autoptr(GError) error = NULL;
  ThreadCheck sync_check = { 0 }, bg_check = { 0 };
  GThread *thread;

  g_mutex_init (&sync_check.lock);
  g_mutex_init (&bg_check.lock);

  /* run(): signals on the calling thread */
  add_job (runner, probe, "a", NULL, JOB_OK);
  add_job (runner, probe, "b", "a", JOB_OK);
  thread_check_connect (runner, &sync_check);
  g_object_set_data (G_OBJECT (runner), "check", &sync_check);
  thread = g_thread_new ("runner-caller", run_in_thread_func, runner);
  results = g_thread_join (thread);
  g_assert_nonnull (results);
  /* 2 started + 2 finished + 2 progress + 1 finished */
  g_assert_cmpuint (sync_check.n, ==, 7);
  g_assert_cmpuint (sync_check.wrong, ==, 0);

  /* run_async(): signals on the caller's thread-default context, here
   * pushed by another thread */
  {
    g_autoptr(ConcurraRunner) async_runner = new_runner ("async-thread");
    g_autoptr(GHashTable) async_results = NULL;
    ThreadCheck async_check = { 0 };

    g_mutex_init (&async_check.lock);
    add_job (async_runner, probe, "a", NULL, JOB_OK);
    add_job (async_runner, probe, "b", "a", JOB_OK);
    thread_check_connect (async_runner, &async_check);
    g_object_set_data (G_OBJECT (async_runner), "check", &async_check);
    thread = g_thread_new ("async-caller", run_async_in_thread_func, async_runner);
    async_results = g_thread_join (thread);
    g_assert_nonnull (async_results);
    g_assert_cmpuint (async_check.n, ==, 7);
    g_assert_cmpuint (async_check.wrong, ==, 0);
    g_signal_handlers_disconnect_by_data (async_runner, &async_check);
    g_mutex_clear (&async_check.lock);
  }

  /* start(): signals on one private thread, not the caller's */
  bg_check.forbidden = g_thread_self ();
  add_job (background, probe, "a", NULL, JOB_OK);
  add_job (background, probe, "b", "a", JOB_OK);
  thread_check_connect (background, &bg_check);
  g_assert_true (concurra_runner_start (background, &error));
  g_assert_no_error (error);
  bg_results = concurra_runner_wait (background, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bg_results);
  g_mutex_lock (&bg_check.lock);
  g_assert_cmpuint (bg_check.n, ==, 7);
  g_assert_cmpuint (bg_check.wrong, ==, 0);
  g_mutex_unlock (&bg_check.lock);

  g_signal_handlers_disconnect_by_data (background, &bg_check);
  g_mutex_clear (&sync_check.lock);
  g_mutex_clear (&bg_check.lock);
  probe_finish (probe);
}

/* ------------------------------------------------------------------------ */
/* GListModel and counters                                                  */
/* ------------------------------------------------------------------------ */

typedef struct
{
  guint position;
  guint removed;
  guint added;
} ItemsChanged;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  GArray *changes = user_data;
  ItemsChanged change = { position, removed, added };

  g_array_append_val (changes, change);
}

static void
count_terminal_notify (ConcurraTask *task,
                       GParamSpec   *pspec,
                       guint        *count)
{
  if (test_task_is_terminal (task))
    (*count)++;
}

static void
test_list_model (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("model");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (ItemsChanged));
  g_autoptr(GError) error = NULL;
  GListModel *model = G_LIST_MODEL (runner);
  const char *labels[] = { "first", "second", "third" };
  guint terminal = 0;

  g_assert_true (G_IS_LIST_MODEL (runner));
  g_assert_true (g_list_model_get_item_type (model) == CONCURRA_TYPE_TASK);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);

  g_signal_connect (runner, "items-changed", G_CALLBACK (on_items_changed), changes);
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    add_job (runner, probe, labels[i], i ? labels[i - 1] : NULL, JOB_OK);
  /* a rejected add changes nothing */
  g_assert_null (add_noop (runner, "second", NULL, &error));
  g_clear_error (&error);

  g_assert_cmpuint (changes->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      ItemsChanged *change = &g_array_index (changes, ItemsChanged, i);

      g_assert_cmpuint (change->position, ==, i);
      g_assert_cmpuint (change->removed, ==, 0);
      g_assert_cmpuint (change->added, ==, 1);
    }

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(ConcurraTask) task = g_list_model_get_item (model, i);

      g_assert_true (CONCURRA_IS_TASK (task));
      g_assert_cmpstr (concurra_task_get_label (task), ==, labels[i]);
      g_assert_true (task == concurra_runner_get_task (runner, labels[i]));
      g_signal_connect (task, "notify::status", G_CALLBACK (count_terminal_notify), &terminal);
    }
  g_assert_null (g_list_model_get_item (model, 3));

  results = test_run_ok (runner);
  g_assert_cmpuint (terminal, ==, 3);
  /* running does not change the list */
  g_assert_cmpuint (changes->len, ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
  probe_finish (probe);
}

static void
on_started_count (ConcurraRunner *runner,
                  ConcurraTask   *task,
                  TestCounter    *counter)
{
  test_counter_add (counter, 1);
}

static void
test_counters (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("counters");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  TestCounter started;
  guint n_running;

  test_counter_init (&started);
  concurra_runner_set_max_concurrency (runner, 4);
  add_job (runner, probe, "g1", NULL, JOB_GATED);
  add_job (runner, probe, "g2", NULL, JOB_GATED);
  task_job (add_job (runner, probe, "bad", NULL, JOB_FAIL))->fail_attempts = -1;
  add_job (runner, probe, "after", "g1,g2", JOB_OK);
  g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, 4);
  g_signal_connect (runner, "task-started", G_CALLBACK (on_started_count), &started);

  g_assert_true (concurra_runner_start (runner, &error));
  g_assert_no_error (error);
  /* g1, g2 and bad start; bad finishes, the gated two keep running */
  g_assert_true (test_counter_wait_at_least (&started, 3, TEST_LONG_WAIT));
  g_assert_true (test_counter_wait_at_least (&probe->exited, 1, TEST_LONG_WAIT));
  n_running = concurra_runner_get_n_running (runner);
  g_assert_cmpuint (n_running, >=, 2);
  g_assert_cmpuint (n_running, <=, 3);
  g_assert_cmpuint (concurra_runner_get_n_completed (runner), <=, 1);

  test_flag_set (&probe->gate);
  results = concurra_runner_wait (runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (concurra_runner_get_n_running (runner), ==, 0);
  g_assert_cmpuint (concurra_runner_get_n_completed (runner), ==, 4);
  g_assert_cmpuint (concurra_runner_get_n_failed (runner), ==, 1);
  g_assert_cmpint (test_counter_get (&started), ==, 4);

  g_signal_handlers_disconnect_by_data (runner, &started);
  test_counter_clear (&started);
  probe_finish (probe);
}

/* ------------------------------------------------------------------------ */
/* The report                                                               */
/* ------------------------------------------------------------------------ */

static const char *
status_text (ConcurraTaskStatus status)
{
  switch (status)
    {
    case CONCURRA_TASK_STATUS_PENDING: return "Pending";
    case CONCURRA_TASK_STATUS_RUNNING: return "Running";
    case CONCURRA_TASK_STATUS_SUCCESSFUL: return "Successful";
    case CONCURRA_TASK_STATUS_FAILED: return "Failed";
    case CONCURRA_TASK_STATUS_TERMINATED: return "Terminated";
    default: g_assert_not_reached ();
    }
}

/* tabulate's "psql" layout, written independently of the library's */
static char *
psql_table (const char * const *cells,
            guint               n_rows)
{
  enum { N_COLUMNS = 4 };
  static const char * const headers[N_COLUMNS] = { "label", "task", "status", "duration" };
  gsize widths[N_COLUMNS];
  GString *out = g_string_new (NULL);
  GString *rule = g_string_new ("+");
  GString *header_rule = g_string_new ("|");

  for (guint c = 0; c < N_COLUMNS; c++)
    {
      widths[c] = strlen (headers[c]) + 2;
      for (guint r = 0; r < n_rows; r++)
        widths[c] = MAX (widths[c], strlen (cells[r * N_COLUMNS + c]));
      for (gsize i = 0; i < widths[c] + 2; i++)
        {
          g_string_append_c (rule, '-');
          g_string_append_c (header_rule, '-');
        }
      g_string_append_c (rule, '+');
      g_string_append_c (header_rule, c + 1 < N_COLUMNS ? '+' : '|');
    }

  g_string_append_printf (out, "%s\n|", rule->str);
  for (guint c = 0; c < N_COLUMNS; c++)
    g_string_append_printf (out, " %-*s |", (int) widths[c], headers[c]);
  g_string_append_printf (out, "\n%s\n", header_rule->str);
  for (guint r = 0; r < n_rows; r++)
    {
      g_string_append_c (out, '|');
      for (guint c = 0; c < N_COLUMNS; c++)
        g_string_append_printf (out, " %-*s |", (int) widths[c], cells[r * N_COLUMNS + c]);
      g_string_append_c (out, '\n');
    }
  g_string_append (out, rule->str);

  g_string_free (rule, TRUE);
  g_string_free (header_rule, TRUE);
  return g_string_free (out, FALSE);
}

/* Checks the report of @runner cell by cell and then byte for byte. */
static void
assert_report (ConcurraRunner *runner)
{
  g_autofree char *report = concurra_runner_format_report (runner);
  g_autofree char *expected = NULL;
  g_autofree char *trimmed = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  guint n = concurra_runner_get_n_tasks (runner);

  g_assert_nonnull (report);
  g_test_message ("report:\n%s", report);
  trimmed = g_strdup (report);
  g_strchomp (trimmed);
  lines = g_strsplit (trimmed, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, n + 4);

  for (guint r = 0; r < n; r++)
    {
      g_autoptr(ConcurraTask) task = g_list_model_get_item (G_LIST_MODEL (runner), r);
      const char *line = lines[3 + r];
      g_auto(GStrv) fields = NULL;
      char *duration;

      g_assert_true (g_str_has_prefix (line, "| "));
      g_assert_true (g_str_has_suffix (line, " |"));
      fields = g_strsplit (line, "|", -1);
      /* "", 4 cells, "" */
      g_assert_cmpuint (g_strv_length (fields), ==, 6);
      g_assert_cmpstr (g_strstrip (fields[1]), ==, concurra_task_get_label (task));
      g_assert_cmpstr (g_strstrip (fields[2]), ==, concurra_task_get_name (task));
      g_assert_cmpstr (g_strstrip (fields[3]), ==, status_text (concurra_task_get_status (task)));
      duration = g_strstrip (fields[4]);
      g_assert_true (g_regex_match_simple ("^[0-9]+\\.[0-9]{1,2} (sec|min)$", duration, 0, 0));
      if (concurra_task_is_done (task))
        {
          g_autofree char *formatted = concurra_format_duration (concurra_task_get_duration (task));

          g_assert_cmpstr (duration, ==, formatted);
        }

      g_ptr_array_add (cells, g_strdup (concurra_task_get_label (task)));
      g_ptr_array_add (cells, g_strdup (concurra_task_get_name (task)));
      g_ptr_array_add (cells, g_strdup (status_text (concurra_task_get_status (task))));
      g_ptr_array_add (cells, g_strdup (duration));
    }

  expected = psql_table ((const char * const *) cells->pdata, n);
  g_assert_cmpstr (trimmed, ==, expected);
}

static void
add_named (ConcurraRunner *runner,
           Probe          *probe,
           const char     *name,
           const char     *label,
           const char     *deps,
           JobKind         kind,
           int             fail_attempts)
{
  g_auto(GStrv) dep_list = deps ? g_strsplit (deps, ",", -1) : NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraTask) task = NULL;
  Job *job = g_new0 (Job, 1);

  job->probe = g_atomic_rc_box_acquire (probe);
  job->label = g_strdup (label);
  job->kind = kind;
  job->fail_attempts = fail_attempts;
  test_flag_init (&job->cancel_seen);
  task = concurra_task_new (name, job_func, job, job_free);
  g_object_set_data (G_OBJECT (task), "job", job);
  g_assert_true (concurra_runner_add (runner, task, label, (const char * const *) dep_list, &error));
  g_assert_no_error (error);
}

static void
test_format_report (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("report");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pending_report = NULL;

  concurra_runner_set_max_concurrency (runner, 2);
  add_named (runner, probe, "square", "square_4", NULL, JOB_OK, 0);
  add_named (runner, probe, "divide", "a-rather-long-label-for-the-table", NULL, JOB_OK, 0);
  add_named (runner, probe, "a_function_with_a_long_name", "x", NULL, JOB_FAIL, -1);
  add_named (runner, probe, "child", "c", "x", JOB_OK, 0);
  add_named (runner, probe, "gate", "held", NULL, JOB_GATED, 0);

  /* before the run: all pending */
  pending_report = concurra_runner_format_report (runner);
  g_assert_nonnull (strstr (pending_report, "| Pending"));
  assert_report (runner);

  g_assert_true (concurra_runner_start (runner, &error));
  g_assert_no_error (error);
  g_assert_true (test_counter_wait_at_least (&probe->entered, 1, TEST_LONG_WAIT));
  test_flag_set (&probe->gate);
  results = concurra_runner_wait (runner, NULL, &error);
  g_assert_no_error (error);

  assert_report (runner);
  {
    g_autofree char *report = concurra_runner_format_report (runner);

    g_assert_nonnull (strstr (report, "| Successful "));
    g_assert_nonnull (strstr (report, "| Failed "));
    g_assert_nonnull (strstr (report, "| Terminated "));
    /* the long label sets the width of its column */
    g_assert_nonnull (strstr (report, "| a-rather-long-label-for-the-table | divide "));
    g_assert_true (g_str_has_prefix (report,
        "+-----------------------------------+-----------------------------+------------+------------+\n"
        "| label                             | task                        | status     | duration   |\n"
        "|-----------------------------------+-----------------------------+------------+------------|\n"));
  }
  probe_finish (probe);
}

static void
test_format_report_running (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("report-running");
  g_autoptr(Probe) probe = probe_new ();
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *report = NULL;
  TestCounter started;

  test_counter_init (&started);
  add_named (runner, probe, "gate", "held", NULL, JOB_GATED, 0);
  g_signal_connect (runner, "task-started", G_CALLBACK (on_started_count), &started);
  g_assert_true (concurra_runner_start (runner, &error));
  g_assert_no_error (error);
  g_assert_true (test_counter_wait_at_least (&started, 1, TEST_LONG_WAIT));

  report = concurra_runner_format_report (runner);
  g_assert_nonnull (report);
  g_assert_nonnull (strstr (report, "\n| held    | gate   | Running  | 0.0 sec    |\n"));

  test_flag_set (&probe->gate);
  results = concurra_runner_wait (runner, NULL, &error);
  g_assert_no_error (error);
  g_signal_handlers_disconnect_by_data (runner, &started);
  test_counter_clear (&started);
  probe_finish (probe);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/runner/defaults", test_runner_defaults);
  g_test_add_func ("/runner/labels/duplicate", test_labels_duplicate);
  g_test_add_func ("/runner/add/bodiless-task", test_add_bodiless_task);
  g_test_add_func ("/runner/labels/index", test_labels_index);
  g_test_add_func ("/runner/labels/self-dependency", test_labels_self_dependency);
  g_test_add_func ("/runner/labels/cycle-two", test_labels_cycle_two);
  g_test_add_func ("/runner/labels/cycle-three", test_labels_cycle_three);
  g_test_add_func ("/runner/labels/cycle-long", test_labels_cycle_long);
  g_test_add_func ("/runner/labels/forward-reference", test_labels_forward_reference);
  g_test_add_func ("/runner/labels/repeated-dependencies", test_labels_repeated_dependencies);
  g_test_add_func ("/runner/labels/unknown/run", test_labels_unknown_run);
  g_test_add_func ("/runner/labels/unknown/run-async", test_labels_unknown_run_async);
  g_test_add_func ("/runner/labels/unknown/start", test_labels_unknown_start);
  g_test_add_func ("/runner/run/once", test_run_once);
  g_test_add_func ("/runner/run/add-while-running", test_run_add_while_running);
  g_test_add_func ("/runner/run/empty", test_run_empty);
  g_test_add_func ("/runner/run/results", test_run_results);
  g_test_add_func ("/runner/max-concurrency/limit", test_max_concurrency_limit);
  g_test_add_func ("/runner/max-concurrency/overlap", test_max_concurrency_overlap);
  g_test_add_func ("/runner/max-concurrency/zero", test_max_concurrency_zero);
  g_test_add_func ("/runner/max-concurrency/negative", test_max_concurrency_negative);
  g_test_add_func ("/runner/timeout/runner-default", test_timeout_runner_default);
  g_test_add_func ("/runner/timeout/override", test_timeout_override);
  g_test_add_func ("/runner/timeout/huge", test_timeout_huge);
  g_test_add_func ("/runner/timeout/main-context-report-races-timeout",
                   test_main_context_report_races_timeout);
  g_test_add_func ("/runner/timeout/late-return", test_timeout_late_return);
  g_test_add_func ("/runner/timeout/stuck-does-not-block", test_timeout_stuck_does_not_block);
  g_test_add_func ("/runner/retries/default", test_retries_default);
  g_test_add_func ("/runner/retries/override", test_retries_override);
  g_test_add_func ("/runner/retries/invalid", test_retries_invalid);
  g_test_add_func ("/runner/retries/timeout-not-retried", test_retries_timeout_not_retried);
  g_test_add_func ("/runner/retries/backoff", test_retries_backoff);
  g_test_add_func ("/runner/dependency-failure", test_dependency_failure);
  g_test_add_func ("/runner/fast-fail/failure", test_fast_fail);
  g_test_add_func ("/runner/fast-fail/timeout", test_fast_fail_timeout);
  g_test_add_func ("/runner/fast-fail/cancel-one", test_fast_fail_cancel_one);
  g_test_add_func ("/runner/fast-fail/retry-delay-keeps-slots", test_fast_fail_retry_delay_keeps_slots);
  g_test_add_func ("/runner/fast-fail/turned-off", test_fast_fail_turned_off);
  g_test_add_func ("/runner/nested/notify-on-start", test_nested_notify_on_start);
  g_test_add_func ("/runner/nested/wait-in-task-finished", test_nested_wait_in_task_finished);
  g_test_add_func ("/runner/abort/thread-during-start", test_abort_thread_during_start);
  g_test_add_func ("/runner/abort/main-during-run-async", test_abort_main_during_run_async);
  g_test_add_func ("/runner/abort/before-start", test_abort_before_start);
  g_test_add_func ("/runner/abort/no-new-starts", test_abort_no_new_starts);
  g_test_add_func ("/runner/abort/while-starting", test_abort_while_starting);
  g_test_add_func ("/runner/cancellable/handout", test_cancellable_handout);
  g_test_add_func ("/runner/cancellable/run", test_run_cancellable);
  g_test_add_func ("/runner/cancellable/run-async", test_run_async_cancellable);
  g_test_add_func ("/runner/cancellable/pre-cancelled/run", test_run_pre_cancelled);
  g_test_add_func ("/runner/cancellable/pre-cancelled/run-async", test_run_async_pre_cancelled);
  g_test_add_func ("/runner/cancellable/after-finish", test_run_async_cancellable_after_finish);
  g_test_add_func ("/runner/run/async-then-wait", test_run_async_then_wait);
  g_test_add_func ("/runner/start-wait", test_start_wait);
  g_test_add_func ("/runner/wait-not-started", test_wait_not_started);
  g_test_add_func ("/runner/wait-in-finished-handler", test_wait_in_finished_handler);
  g_test_add_func ("/runner/wait-in-task-handlers", test_wait_in_task_handlers);
  g_test_add_func ("/runner/lifetime/timeout-callback-unrefs", test_lifetime_timeout_callback_unrefs);
  g_test_add_func ("/runner/lifetime/abort-after-start", test_lifetime_abort_after_start);
  g_test_add_func ("/runner/lifetime/abort-in-finished-handler", test_lifetime_abort_in_finished_handler);
  g_test_add_func ("/runner/verify", test_verify);
  g_test_add_func ("/runner/raise-on-failure/run", test_raise_on_failure_run);
  g_test_add_func ("/runner/raise-on-failure/run-async", test_raise_on_failure_run_async);
  g_test_add_func ("/runner/raise-on-failure/wait", test_raise_on_failure_wait);
  g_test_add_func ("/runner/raise-on-failure/off", test_raise_on_failure_off);
  g_test_add_func ("/runner/signals/progress", test_progress_signal);
  g_test_add_func ("/runner/signals/progress-stats", test_progress_stats);
  g_test_add_func ("/runner/signals/main-context", test_signals_main_context);
  g_test_add_func ("/runner/signals/property-notify", test_signals_property_notify);
  g_test_add_func ("/runner/signals/threads", test_signals_sync_run_thread);
  g_test_add_func ("/runner/list-model", test_list_model);
  g_test_add_func ("/runner/counters", test_counters);
  g_test_add_func ("/runner/format-report", test_format_report);
  g_test_add_func ("/runner/format-report/running", test_format_report_running);

  return g_test_run ();
}
