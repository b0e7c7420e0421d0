/* test-concurra-helpers.h: small synchronisation helpers shared by the C
 * test suites: a settable flag, a counter that can be waited on, and a way
 * for a task function to block until its cancellable fires, all without
 * polling and with generous timeouts so a loaded machine does not flake.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <concurra.h>

G_BEGIN_DECLS

/* A timeout long enough that reaching it means something is broken. */
#define TEST_LONG_WAIT 30.0

typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean set;
} TestFlag;

static inline void
test_flag_init (TestFlag *flag)
{
  g_mutex_init (&flag->mutex);
  g_cond_init (&flag->cond);
  flag->set = FALSE;
}

static inline void
test_flag_clear (TestFlag *flag)
{
  g_mutex_clear (&flag->mutex);
  g_cond_clear (&flag->cond);
}

static inline void
test_flag_set (TestFlag *flag)
{
  g_mutex_lock (&flag->mutex);
  flag->set = TRUE;
  g_cond_broadcast (&flag->cond);
  g_mutex_unlock (&flag->mutex);
}

static inline gboolean
test_flag_is_set (TestFlag *flag)
{
  gboolean set;

  g_mutex_lock (&flag->mutex);
  set = flag->set;
  g_mutex_unlock (&flag->mutex);

  return set;
}

/* Returns TRUE if the flag was set before @timeout seconds passed. */
static inline gboolean
test_flag_wait (TestFlag *flag,
                double    timeout)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout * G_USEC_PER_SEC);
  gboolean set;

  g_mutex_lock (&flag->mutex);
  while (!flag->set)
    if (!g_cond_wait_until (&flag->cond, &flag->mutex, deadline))
      break;
  set = flag->set;
  g_mutex_unlock (&flag->mutex);

  return set;
}

typedef struct
{
  GMutex mutex;
  GCond  cond;
  int    value;
  int    max;
} TestCounter;

static inline void
test_counter_init (TestCounter *counter)
{
  g_mutex_init (&counter->mutex);
  g_cond_init (&counter->cond);
  counter->value = 0;
  counter->max = 0;
}

static inline void
test_counter_clear (TestCounter *counter)
{
  g_mutex_clear (&counter->mutex);
  g_cond_clear (&counter->cond);
}

static inline int
test_counter_add (TestCounter *counter,
                  int          delta)
{
  int value;

  g_mutex_lock (&counter->mutex);
  value = counter->value += delta;
  counter->max = MAX (counter->max, value);
  g_cond_broadcast (&counter->cond);
  g_mutex_unlock (&counter->mutex);

  return value;
}

static inline int
test_counter_get (TestCounter *counter)
{
  int value;

  g_mutex_lock (&counter->mutex);
  value = counter->value;
  g_mutex_unlock (&counter->mutex);

  return value;
}

static inline int
test_counter_get_max (TestCounter *counter)
{
  int value;

  g_mutex_lock (&counter->mutex);
  value = counter->max;
  g_mutex_unlock (&counter->mutex);

  return value;
}

/* Returns TRUE once the counter is at least @value, FALSE on timeout. */
static inline gboolean
test_counter_wait_at_least (TestCounter *counter,
                            int          value,
                            double       timeout)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout * G_USEC_PER_SEC);
  gboolean reached;

  g_mutex_lock (&counter->mutex);
  while (counter->value < value)
    if (!g_cond_wait_until (&counter->cond, &counter->mutex, deadline))
      break;
  reached = counter->value >= value;
  g_mutex_unlock (&counter->mutex);

  return reached;
}

static inline void
test_flag_set_cb (GCancellable *cancellable,
                  gpointer      user_data)
{
  test_flag_set (user_data);
}

/* Blocks until @cancellable is cancelled or @timeout seconds pass; returns
 * TRUE if it was cancelled. Woken by the "cancelled" signal, not polling. */
static inline gboolean
test_wait_cancelled (GCancellable *cancellable,
                     double        timeout)
{
  TestFlag flag;
  gulong handler;
  gboolean cancelled;

  g_assert_nonnull (cancellable);

  test_flag_init (&flag);
  handler = g_cancellable_connect (cancellable, G_CALLBACK (test_flag_set_cb), &flag, NULL);
  cancelled = test_flag_wait (&flag, timeout);
  g_cancellable_disconnect (cancellable, handler);
  test_flag_clear (&flag);

  return cancelled || g_cancellable_is_cancelled (cancellable);
}

/* Runs @runner, which must succeed, and returns its results. */
static inline GHashTable *
test_run_ok (ConcurraRunner *runner)
{
  g_autoptr(GError) error = NULL;
  GHashTable *results = concurra_runner_run (runner, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (results);
  return results;
}

static inline gboolean
test_timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates @context until *@done is TRUE, failing the test after @timeout s. */
static inline void
test_iterate_until (GMainContext   *context,
                    const gboolean *done,
                    double          timeout)
{
  gboolean timed_out = FALSE;
  GSource *source = g_timeout_source_new ((guint) (timeout * 1000));

  g_source_set_callback (source, test_timeout_cb, &timed_out, NULL);
  g_source_attach (source, context);
  while (!*done && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (source);
  g_source_unref (source);

  if (!*done)
    g_error ("timed out after %g s waiting on the main context", timeout);
}

static inline double
test_elapsed (gint64 since_usec)
{
  return (g_get_monotonic_time () - since_usec) / (double) G_USEC_PER_SEC;
}

static inline gboolean
test_task_is_terminal (ConcurraTask *task)
{
  ConcurraTaskStatus status = concurra_task_get_status (task);

  return status == CONCURRA_TASK_STATUS_SUCCESSFUL ||
         status == CONCURRA_TASK_STATUS_FAILED ||
         status == CONCURRA_TASK_STATUS_TERMINATED;
}

/* Asserts that @task ended with @status and @code of CONCURRA_ERROR, and
 * with @message unless it is %NULL. */
static inline void
test_assert_task_error (ConcurraTask       *task,
                        ConcurraTaskStatus  status,
                        int                 code,
                        const char         *message)
{
  const GError *error = concurra_task_get_error (task);

  g_assert_cmpint (concurra_task_get_status (task), ==, status);
  g_assert_true (concurra_task_get_has_failed (task));
  g_assert_nonnull (error);
  if (!g_error_matches (error, CONCURRA_ERROR, code))
    g_error ("task '%s': expected CONCURRA_ERROR %d, got %s.%d: %s",
             concurra_task_get_label (task), code,
             g_quark_to_string (error->domain), error->code, error->message);
  if (message != NULL)
    g_assert_cmpstr (error->message, ==, message);
}

G_END_DECLS
