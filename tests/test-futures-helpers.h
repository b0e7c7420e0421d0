/* test-futures-helpers.h: what the wait/gather and stream suites share:
 * flags that wake the main thread, gated jobs released one at a time,
 * runner set-up and result assertions.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <string.h>

#include <concurra.h>

#include "test-concurra-helpers.h"

static GThread *main_thread;

/* ---- flags that also wake the main thread ---- */

/* Sets @flag and wakes the default main context, which the main thread may
 * be iterating while it waits for the flag. */
static void
flag_raise (TestFlag *flag)
{
  test_flag_set (flag);
  g_main_context_wakeup (NULL);
}

static gboolean
set_boolean_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits for @flag. The main thread iterates its default context meanwhile
 * (runners started with run_async() are driven by it); other threads
 * block on the flag's condition. */
static void
await_flag (TestFlag   *flag,
            const char *what)
{
  if (g_thread_self () == main_thread)
    {
      gboolean timed_out = FALSE;
      GSource *source = g_timeout_source_new_seconds ((guint) TEST_LONG_WAIT);

      g_source_set_callback (source, set_boolean_cb, &timed_out, NULL);
      g_source_attach (source, NULL);
      while (!test_flag_is_set (flag) && !timed_out)
        g_main_context_iteration (NULL, TRUE);
      g_source_destroy (source);
      g_source_unref (source);
    }
  else
    test_flag_wait (flag, TEST_LONG_WAIT);

  if (!test_flag_is_set (flag))
    g_error ("timed out after %g s waiting for %s", TEST_LONG_WAIT, what);
}

/* Iterates the default context until *@done (set by a callback on it). */
static void
iterate_until (const gboolean *done)
{
  test_iterate_until (g_main_context_default (), done, TEST_LONG_WAIT);
}

/* ---- finalization tracking ---- */

typedef struct
{
  TestCounter finalized;
  int         n_tracked;
} Tracker;

static void
tracker_init (Tracker *tracker)
{
  test_counter_init (&tracker->finalized);
  tracker->n_tracked = 0;
}

static void
tracker_weak_notify (gpointer  data,
                     GObject  *where_the_object_was)
{
  test_counter_add (data, 1);
}

static gpointer
track (Tracker  *tracker,
       gpointer  object)
{
  g_object_weak_ref (object, tracker_weak_notify, &tracker->finalized);
  tracker->n_tracked++;
  return object;
}

/* Asserts that every tracked object is finalized once the test dropped its
 * references. Late results of terminated tasks may still be on their way
 * (a stuck thread returning), so this waits for them; the main thread
 * iterates its context meanwhile in case something is queued there. */
static void
tracker_assert_finalized (Tracker *tracker)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (TEST_LONG_WAIT * G_USEC_PER_SEC);

  while (test_counter_get (&tracker->finalized) < tracker->n_tracked)
    {
      if (g_thread_self () == main_thread)
        while (g_main_context_iteration (NULL, FALSE))
          ;
      test_counter_wait_at_least (&tracker->finalized, tracker->n_tracked, 0.05);
      if (g_get_monotonic_time () > deadline)
        g_error ("leak: only %d of %d tracked objects (tasks, runners, streams) were finalized",
                 test_counter_get (&tracker->finalized), tracker->n_tracked);
    }
  g_assert_cmpint (test_counter_get (&tracker->finalized), ==, tracker->n_tracked);
  test_counter_clear (&tracker->finalized);
}

/* ---- task bodies ---- */

typedef enum {
  JOB_NOW,              /* returns at once */
  JOB_GATE,             /* returns when its gate opens (or it is cancelled) */
  JOB_UNTIL_CANCELLED,  /* returns when its cancellable fires (g_poll) */
} JobMode;

typedef struct
{
  JobMode   mode;
  gboolean  fail;
  gboolean  honour_cancel;  /* JOB_GATE: also return when cancelled */
  gint64    value;

  GMutex    mutex;
  GCond     cond;
  gboolean  open;
  gboolean  cancelled;
  gboolean  saw_cancel;     /* the cancellable had fired when it returned */

  TestFlag  started;
  TestFlag  exited;
} Job;

static Job *
job_new (JobMode  mode,
         gint64   value,
         gboolean fail)
{
  Job *job = g_new0 (Job, 1);

  job->mode = mode;
  job->value = value;
  job->fail = fail;
  job->honour_cancel = TRUE;
  g_mutex_init (&job->mutex);
  g_cond_init (&job->cond);
  test_flag_init (&job->started);
  test_flag_init (&job->exited);
  return job;
}

static void
job_free (gpointer data)
{
  Job *job = data;

  g_mutex_clear (&job->mutex);
  g_cond_clear (&job->cond);
  test_flag_clear (&job->started);
  test_flag_clear (&job->exited);
  g_free (job);
}

static void
job_open (Job *job)
{
  g_mutex_lock (&job->mutex);
  job->open = TRUE;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->mutex);
}

static void
job_cancelled_cb (GCancellable *cancellable,
                  gpointer      data)
{
  Job *job = data;

  g_mutex_lock (&job->mutex);
  job->cancelled = TRUE;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->mutex);
}

static void
job_func (ConcurraTask *task,
          GCancellable *cancellable,
          gpointer      data)
{
  Job *job = data;

  flag_raise (&job->started);

  if (job->mode == JOB_GATE)
    {
      gint64 deadline = g_get_monotonic_time () + (gint64) (TEST_LONG_WAIT * G_USEC_PER_SEC);
      gulong id = 0;

      if (job->honour_cancel)
        id = g_cancellable_connect (cancellable, G_CALLBACK (job_cancelled_cb), job, NULL);
      g_mutex_lock (&job->mutex);
      while (!job->open && !job->cancelled)
        if (!g_cond_wait_until (&job->cond, &job->mutex, deadline))
          break;
      g_mutex_unlock (&job->mutex);
      g_cancellable_disconnect (cancellable, id);
    }
  else if (job->mode == JOB_UNTIL_CANCELLED)
    {
      GPollFD pollfd;

      g_assert_true (g_cancellable_make_pollfd (cancellable, &pollfd));
      g_poll (&pollfd, 1, (int) (TEST_LONG_WAIT * 1000));
      g_cancellable_release_fd (cancellable);
    }

  job->saw_cancel = g_cancellable_is_cancelled (cancellable);
  if (job->fail)
    concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                    "boom-%" G_GINT64_FORMAT, job->value);
  else
    concurra_task_return_int (task, job->value);

  flag_raise (&job->exited);
}

/* Adds a task running @job (which the task then owns); returns a new ref. */
static ConcurraTask *
add_job (ConcurraRunner     *runner,
         const char         *label,
         const char * const *depends_on,
         Job                *job)
{
  g_autoptr(GError) error = NULL;
  ConcurraTask *task;

  task = concurra_runner_add_task (runner, label, depends_on, job_func, job, job_free, &error);
  g_assert_no_error (error);
  g_assert_nonnull (task);
  return g_object_ref (task);
}

static ConcurraRunner *
new_runner (const char *name)
{
  ConcurraRunner *runner = concurra_runner_new (name);

  concurra_runner_set_verify_on_finish (runner, FALSE);
  concurra_runner_set_max_concurrency (runner, 8);
  return runner;
}

static void
assert_task_int (ConcurraTask *task,
                 gint64        value)
{
  const GValue *v = concurra_task_get_value (task);

  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_nonnull (v);
  g_assert_true (G_VALUE_HOLDS_INT64 (v));
  g_assert_cmpint (g_value_get_int64 (v), ==, value);
}

/* ---- running a runner with start() or run_async() ---- */

typedef enum {
  DRIVER_START,
  DRIVER_RUN_ASYNC,  /* on the main thread's default context */
} Driver;

typedef struct
{
  ConcurraRunner *runner;
  Driver          driver;
  TestFlag        finished;
  GHashTable     *results;
} Run;

static void
run_async_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_thread_self () == main_thread);
  run->results = concurra_runner_run_finish (CONCURRA_RUNNER (source), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (run->results);
  flag_raise (&run->finished);
}

static void
run_begin (Run            *run,
           ConcurraRunner *runner,
           Driver          driver)
{
  g_autoptr(GError) error = NULL;

  run->runner = runner;
  run->driver = driver;
  run->results = NULL;
  test_flag_init (&run->finished);
  if (driver == DRIVER_START)
    {
      g_assert_true (concurra_runner_start (runner, &error));
      g_assert_no_error (error);
    }
  else
    concurra_runner_run_async (runner, NULL, run_async_done, run);
}

/* Waits until the run is over (the main thread only). */
static void
run_end (Run *run)
{
  g_assert_true (g_thread_self () == main_thread);
  if (run->driver == DRIVER_START)
    {
      g_autoptr(GError) error = NULL;

      run->results = concurra_runner_wait (run->runner, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (run->results);
    }
  else
    await_flag (&run->finished, "run_async() to finish");
  g_assert_cmpint (concurra_runner_get_state (run->runner), ==, CONCURRA_RUNNER_STATE_FINISHED);
  g_clear_pointer (&run->results, g_hash_table_unref);
  test_flag_clear (&run->finished);
}

