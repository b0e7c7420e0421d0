/* test-worker.c: ConcurraWorker, stateful workers — lanes that own an
 * instance and run calls on it in order; pools and their balancers; retries
 * with filters, validators and waits; stop and cancellation; main-context
 * and process lanes; calls as futures for wait and gather.
 *
 * Nothing here is timed except with generous, relative bounds.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <concurra.h>

#include "test-concurra-helpers.h"

/* ---- an instance: a counter object ---- */

#define TEST_TYPE_COUNTER (test_counter_object_get_type ())
G_DECLARE_FINAL_TYPE (TestCounterObject, test_counter_object, TEST, COUNTER_OBJECT, GObject)

struct _TestCounterObject
{
  GObject  parent_instance;
  gint64   value;
  guint    lane;
  GThread *made_in;
  int      in_call;        /* atomic: >1 means two calls at once */
  int      overlaps;
};

G_DEFINE_FINAL_TYPE (TestCounterObject, test_counter_object, G_TYPE_OBJECT)

static int n_made;

static void
test_counter_object_class_init (TestCounterObjectClass *klass)
{
}

static void
test_counter_object_init (TestCounterObject *self)
{
  g_atomic_int_inc (&n_made);
}

static GObject *
make_counter (ConcurraWorker  *worker,
              guint            lane,
              GCancellable    *cancellable,
              gpointer         user_data,
              GError         **error)
{
  TestCounterObject *counter = g_object_new (TEST_TYPE_COUNTER, NULL);

  counter->lane = lane;
  counter->made_in = g_thread_self ();
  return G_OBJECT (counter);
}

static GObject *
fail_to_make (ConcurraWorker  *worker,
              guint            lane,
              GCancellable    *cancellable,
              gpointer         user_data,
              GError         **error)
{
  int *attempts = user_data;

  if (g_atomic_int_add (attempts, 1) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "no database");
      return NULL;
    }
  return make_counter (worker, lane, cancellable, NULL, error);
}

/* increments by GPOINTER_TO_INT (user_data), returns the new value; checks
 * that it runs on the thread that made the instance's lane busy alone */
static void
increment (ConcurraTask *task,
           GObject      *instance,
           guint         lane,
           GCancellable *cancellable,
           gpointer      user_data)
{
  TestCounterObject *counter = TEST_COUNTER_OBJECT (instance);

  if (g_atomic_int_add (&counter->in_call, 1) != 0)
    g_atomic_int_inc (&counter->overlaps);
  g_assert_cmpuint (counter->lane, ==, lane);
  counter->value += GPOINTER_TO_INT (user_data);
  g_thread_yield ();
  g_atomic_int_add (&counter->in_call, -1);
  concurra_task_return_int (task, counter->value);
}

static void
return_lane (ConcurraTask *task,
             GObject      *instance,
             guint         lane,
             GCancellable *cancellable,
             gpointer      user_data)
{
  concurra_task_return_int (task, lane);
}

static ConcurraTask *
submit (ConcurraWorker         *worker,
        const char             *name,
        ConcurraWorkerCallFunc  func,
        gpointer                data)
{
  g_autoptr(GError) error = NULL;
  ConcurraTask *task = concurra_worker_submit (worker, name, func, data, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (task);
  return task;
}

static void
wait_ok (ConcurraTask *task)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concurra_task_wait (task, TEST_LONG_WAIT, NULL, &error));
  g_assert_no_error (error);
}

static gint64
value_of (ConcurraTask *task)
{
  const GValue *value;

  wait_ok (task);
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  value = concurra_task_get_value (task);
  return g_value_get_int64 (value);
}

/* Calls on one lane run in order, one at a time, on one instance made on
 * the lane; each call is a task at once. */
static void
test_thread_order (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 1);
  ConcurraTask *calls[200];
  gint64 expected = 0;
  int made_before = g_atomic_int_get (&n_made);

  concurra_worker_set_init_func (worker, make_counter, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    calls[i] = submit (worker, "increment", increment, GINT_TO_POINTER (i + 1));
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autofree char *label = NULL;

      expected += i + 1;
      g_assert_cmpint (value_of (calls[i]), ==, expected);
      g_assert_cmpint (concurra_task_get_execution_mode (calls[i]), ==, CONCURRA_EXECUTION_MODE_THREAD);
      label = g_strdup_printf ("increment#%u", i + 1);
      g_assert_cmpstr (concurra_task_get_label (calls[i]), ==, label);
      g_object_unref (calls[i]);
    }
  g_assert_cmpint (g_atomic_int_get (&n_made) - made_before, ==, 1);
  g_assert_cmpuint (concurra_worker_get_n_active (worker), ==, 0);
}

/* A call blocks nothing: submitting while the lane is busy returns at once,
 * and a wait with a timeout leaves the call pending. */
static void
block_until_flag (ConcurraTask *task,
                  GObject      *instance,
                  guint         lane,
                  GCancellable *cancellable,
                  gpointer      user_data)
{
  g_assert_true (test_flag_wait (user_data, TEST_LONG_WAIT));
}

static void
test_submit_never_blocks (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 1);
  g_autoptr(ConcurraTask) first = NULL;
  g_autoptr(ConcurraTask) second = NULL;
  g_autoptr(GError) error = NULL;
  TestFlag flag;

  test_flag_init (&flag);
  concurra_worker_set_max_queued (worker, 1);
  first = submit (worker, "block", block_until_flag, &flag);
  second = submit (worker, "lane", return_lane, NULL);
  for (guint i = 0; i < 50; i++)
    g_object_unref (submit (worker, "lane", return_lane, NULL));
  g_assert_false (concurra_task_wait (second, 0.05, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_assert_false (concurra_task_is_done (second));
  g_assert_cmpuint (concurra_worker_get_n_active (worker), ==, 52);
  test_flag_set (&flag);
  g_assert_cmpint (value_of (second), ==, 0);
  wait_ok (first);
  test_flag_clear (&flag);
}

/* A pool: round robin over lanes that each have their own instance. */
static void
test_pool_round_robin (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 3);
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GVariant) lanes = NULL;
  ConcurraTask *calls[9];
  guint64 dispatched;

  concurra_worker_set_init_func (worker, make_counter, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    calls[i] = submit (worker, "increment", increment, GINT_TO_POINTER (1));
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      /* lane i % 3 gets calls i, i + 3, i + 6: its counter reads 1, 2, 3 */
      g_assert_cmpint (value_of (calls[i]), ==, i / 3 + 1);
      g_object_unref (calls[i]);
    }
  stats = concurra_worker_get_stats (worker);
  g_assert_true (g_variant_lookup (stats, "dispatched", "t", &dispatched));
  g_assert_cmpuint (dispatched, ==, 9);
  lanes = g_variant_lookup_value (stats, "lanes", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_cmpuint (g_variant_n_children (lanes), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GVariant) lane = g_variant_get_child_value (lanes, i);
      guint64 total;

      g_assert_true (g_variant_lookup (lane, "total", "t", &total));
      g_assert_cmpuint (total, ==, 3);
    }
}

/* least-active sends calls away from a busy lane; least-total evens out
 * totals; random uses every lane. */
static void
test_pool_balancers (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 2);
  g_autoptr(ConcurraTask) blocked = NULL;
  TestFlag flag;
  guint seen[2] = { 0, 0 };

  test_flag_init (&flag);
  concurra_worker_set_load_balancing (worker, CONCURRA_LOAD_BALANCING_LEAST_ACTIVE);
  g_assert_cmpint (concurra_worker_get_load_balancing (worker), ==, CONCURRA_LOAD_BALANCING_LEAST_ACTIVE);
  blocked = submit (worker, "block", block_until_flag, &flag);   /* lane 0 */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(ConcurraTask) call = submit (worker, "lane", return_lane, NULL);

      /* lane 0 stays busy: every call goes to lane 1 */
      g_assert_cmpint (value_of (call), ==, 1);
    }
  test_flag_set (&flag);
  wait_ok (blocked);

  concurra_worker_set_load_balancing (worker, CONCURRA_LOAD_BALANCING_LEAST_TOTAL);
  /* totals are 1 and 5: the next four go to lane 0 */
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(ConcurraTask) call = submit (worker, "lane", return_lane, NULL);

      g_assert_cmpint (value_of (call), ==, 0);
    }

  concurra_worker_set_load_balancing (worker, CONCURRA_LOAD_BALANCING_RANDOM);
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(ConcurraTask) call = submit (worker, "lane", return_lane, NULL);

      seen[value_of (call)]++;
    }
  g_assert_cmpuint (seen[0], >, 20);
  g_assert_cmpuint (seen[1], >, 20);
  test_flag_clear (&flag);
}

/* Lanes hold a thread only while they have calls: 2 lanes, 2000 calls, at
 * most 2 distinct lane threads at a time and no thread per call. */
static void
record_thread (ConcurraTask *task,
               GObject      *instance,
               guint         lane,
               GCancellable *cancellable,
               gpointer      user_data)
{
  GHashTable *threads = user_data;
  static GMutex lock;

  g_mutex_lock (&lock);
  g_hash_table_add (threads, g_thread_self ());
  g_mutex_unlock (&lock);
}

static void
test_lane_threads (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 2);
  g_autoptr(GHashTable) threads = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 2000; i++)
    g_ptr_array_add (calls, submit (worker, "record", record_thread, threads));
  done = concurra_gather ((ConcurraTask **) calls->pdata, calls->len, CONCURRA_GATHER_NONE,
                          TEST_LONG_WAIT, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (done->len, ==, 2000);
  /* a lane's job may end and start again on another pool thread, but the
   * pool never has more threads than lanes */
  g_assert_cmpuint (g_hash_table_size (threads), <=, 2 * 8);
  g_assert_cmpuint (g_hash_table_size (threads), >=, 1);
}

/* A failing call fails with its own error; the lane goes on. */
static void
fail_call (ConcurraTask *task,
           GObject      *instance,
           guint         lane,
           GCancellable *cancellable,
           gpointer      user_data)
{
  concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "denied");
}

static void
test_call_error (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 1);
  g_autoptr(ConcurraTask) bad = NULL;
  g_autoptr(ConcurraTask) good = NULL;

  concurra_worker_set_init_func (worker, make_counter, NULL, NULL);
  bad = submit (worker, "bad", fail_call, NULL);
  good = submit (worker, "good", increment, GINT_TO_POINTER (5));
  wait_ok (bad);
  g_assert_cmpint (concurra_task_get_status (bad), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_error ((GError *) concurra_task_get_error (bad), G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpuint (concurra_task_get_attempts (bad), ==, 1);
  g_assert_cmpint (value_of (good), ==, 5);
}

/* An instance that cannot be made fails the call waiting for it, with the
 * lane named; the next call makes it. */
static void
test_init_failure (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 1);
  g_autoptr(ConcurraTask) first = NULL;
  g_autoptr(ConcurraTask) second = NULL;
  int attempts = 0;

  concurra_worker_set_init_func (worker, fail_to_make, &attempts, NULL);
  first = submit (worker, "first", increment, GINT_TO_POINTER (1));
  second = submit (worker, "second", increment, GINT_TO_POINTER (1));
  wait_ok (first);
  g_assert_cmpint (concurra_task_get_status (first), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_error ((GError *) concurra_task_get_error (first), G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_assert_nonnull (strstr (concurra_task_get_error (first)->message, "lane 0"));
  g_assert_nonnull (strstr (concurra_task_get_error (first)->message, "no database"));
  g_assert_cmpint (value_of (second), ==, 1);
}

/* ---- retries ---- */

typedef struct
{
  int      calls;
  int      fail_first;    /* attempts that fail */
  gint64   times[8];
} Flaky;

static void
flaky_call (ConcurraTask *task,
            GObject      *instance,
            guint         lane,
            GCancellable *cancellable,
            gpointer      user_data)
{
  Flaky *flaky = user_data;
  int n = flaky->calls++;

  if (n < (int) G_N_ELEMENTS (flaky->times))
    flaky->times[n] = g_get_monotonic_time ();
  if (n < flaky->fail_first)
    concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY, "busy %d", n + 1);
  else
    concurra_task_return_int (task, n + 1);
}

static void
test_retries (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 1);
  g_autoptr(ConcurraTask) call = NULL;
  g_autoptr(ConcurraTask) exhausted = NULL;
  Flaky flaky = { .fail_first = 2 };
  Flaky always = { .fail_first = 100 };
  const char * const *errors;

  concurra_worker_set_retries (worker, 2);
  concurra_worker_set_retry_wait (worker, 0);
  call = submit (worker, "flaky", flaky_call, &flaky);
  g_assert_cmpint (value_of (call), ==, 3);
  g_assert_cmpuint (concurra_task_get_attempts (call), ==, 3);
  g_assert_true (concurra_task_get_retried (call));
  errors = concurra_task_get_retry_errors (call);
  g_assert_cmpuint (g_strv_length ((char **) errors), ==, 2);

  exhausted = submit (worker, "always", flaky_call, &always);
  wait_ok (exhausted);
  g_assert_cmpint (concurra_task_get_status (exhausted), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpuint (concurra_task_get_attempts (exhausted), ==, 3);
  g_assert_cmpint (always.calls, ==, 3);
  g_assert_cmpstr (concurra_task_get_error (exhausted)->message, ==, "busy 3");
}

static gboolean
retry_only_busy (ConcurraTask *task,
                 const GError *error,
                 guint         attempt,
                 gpointer      user_data)
{
  int *seen = user_data;

  (*seen)++;
  g_assert_cmpuint (attempt, ==, concurra_task_get_attempts (task));
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY);
}

static void
test_retry_filter (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 1);
  g_autoptr(ConcurraTask) busy = NULL;
  g_autoptr(ConcurraTask) denied = NULL;
  Flaky flaky = { .fail_first = 1 };
  int seen = 0;

  concurra_worker_set_retries (worker, 5);
  concurra_worker_set_retry_wait (worker, 0);
  concurra_worker_set_retry_filter (worker, retry_only_busy, &seen, NULL);
  busy = submit (worker, "busy", flaky_call, &flaky);
  denied = submit (worker, "denied", fail_call, NULL);
  g_assert_cmpint (value_of (busy), ==, 2);
  wait_ok (denied);
  g_assert_cmpint (concurra_task_get_status (denied), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpuint (concurra_task_get_attempts (denied), ==, 1);
  g_assert_cmpint (seen, ==, 2);
}

static gboolean
accept_at_least_three (ConcurraTask  *task,
                       guint          attempt,
                       gpointer       user_data,
                       GError       **error)
{
  gint64 value = g_value_get_int64 (concurra_task_get_value (task));

  if (value >= 3)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%" G_GINT64_FORMAT " is too small", value);
  return FALSE;
}

static void
test_validator (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 1);
  g_autoptr(ConcurraTask) valid = NULL;
  g_autoptr(ConcurraTask) invalid = NULL;
  Flaky counting = { .fail_first = 0 };
  Flaky again = { .fail_first = 0 };

  concurra_worker_set_retry_wait (worker, 0);
  concurra_worker_set_validate_func (worker, accept_at_least_three, NULL, NULL);
  concurra_worker_set_retries (worker, 4);
  valid = submit (worker, "counting", flaky_call, &counting);
  g_assert_cmpint (value_of (valid), ==, 3);
  g_assert_cmpuint (concurra_task_get_attempts (valid), ==, 3);

  /* with no retry left, the last result's rejection fails the call */
  concurra_worker_set_retries (worker, 1);
  invalid = submit (worker, "again", flaky_call, &again);
  wait_ok (invalid);
  test_assert_task_error (invalid, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR_INVALID_RESULT, NULL);
  g_assert_nonnull (strstr (concurra_task_get_error (invalid)->message, "2 attempts"));
  g_assert_nonnull (strstr (concurra_task_get_error (invalid)->message, "2 is too small"));
}

static void
test_retry_wait_algorithms (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 1);
  const double linear[] = { 0.5, 1.0, 1.5, 2.0, 2.5 };
  const double exponential[] = { 0.5, 1.0, 2.0, 4.0, 8.0 };
  const double fibonacci[] = { 0.5, 0.5, 1.0, 1.5, 2.5 };

  g_assert_cmpint (concurra_worker_get_retry_algorithm (worker), ==, CONCURRA_RETRY_ALGORITHM_EXPONENTIAL);
  g_assert_cmpfloat (concurra_worker_get_retry_wait (worker), ==, 1.0);
  g_assert_cmpfloat (concurra_worker_get_retry_jitter (worker), ==, 0.3);
  concurra_worker_set_retry_wait (worker, 0.5);
  for (guint k = 1; k <= 5; k++)
    {
      concurra_worker_set_retry_algorithm (worker, CONCURRA_RETRY_ALGORITHM_LINEAR);
      g_assert_cmpfloat_with_epsilon (concurra_worker_compute_retry_wait (worker, k), linear[k - 1], 1e-9);
      concurra_worker_set_retry_algorithm (worker, CONCURRA_RETRY_ALGORITHM_EXPONENTIAL);
      g_assert_cmpfloat_with_epsilon (concurra_worker_compute_retry_wait (worker, k), exponential[k - 1], 1e-9);
      concurra_worker_set_retry_algorithm (worker, CONCURRA_RETRY_ALGORITHM_FIBONACCI);
      g_assert_cmpfloat_with_epsilon (concurra_worker_compute_retry_wait (worker, k), fibonacci[k - 1], 1e-9);
    }
  /* bounded, whatever the attempt */
  concurra_worker_set_retry_algorithm (worker, CONCURRA_RETRY_ALGORITHM_EXPONENTIAL);
  g_assert_cmpfloat (concurra_worker_compute_retry_wait (worker, 1000), <=, 86400.0);
}

/* The wait between attempts holds no lane thread: another worker sharing
 * nothing is not involved, but the same lane's later calls wait (order),
 * and the waits follow the algorithm without jitter. */
static void
test_retry_waits (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 1);
  g_autoptr(ConcurraTask) call = NULL;
  g_autoptr(ConcurraTask) after = NULL;
  Flaky flaky = { .fail_first = 2 };
  double first_gap, second_gap;

  concurra_worker_set_retries (worker, 2);
  concurra_worker_set_retry_algorithm (worker, CONCURRA_RETRY_ALGORITHM_LINEAR);
  concurra_worker_set_retry_wait (worker, 0.15);
  concurra_worker_set_retry_jitter (worker, 0);
  call = submit (worker, "flaky", flaky_call, &flaky);
  after = submit (worker, "lane", return_lane, NULL);
  g_assert_cmpint (value_of (call), ==, 3);
  wait_ok (after);
  /* the later call ran after the retried one, not during its waits */
  g_assert_cmpint (g_date_time_compare (concurra_task_get_start_time (after),
                                        concurra_task_get_end_time (call)), >=, 0);
  first_gap = (flaky.times[1] - flaky.times[0]) / 1e6;
  second_gap = (flaky.times[2] - flaky.times[1]) / 1e6;
  g_assert_cmpfloat (first_gap, >=, 0.14);
  g_assert_cmpfloat (second_gap, >=, 0.29);
  g_assert_cmpfloat (second_gap, >, first_gap);
}

/* ---- stop and cancel ---- */

static void
count_ended (ConcurraWorker *worker,
             gpointer        user_data)
{
  (*(int *) user_data)++;
}

static void
wait_cancelled (ConcurraTask *task,
                GObject      *instance,
                guint         lane,
                GCancellable *cancellable,
                gpointer      user_data)
{
  test_flag_set (user_data);
  g_assert_true (test_wait_cancelled (cancellable, TEST_LONG_WAIT));
}

static void
test_stop (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ConcurraWorker) worker = g_object_new (CONCURRA_TYPE_WORKER, "mode", CONCURRA_EXECUTION_MODE_THREAD,
                                                   "n-lanes", 1, "context", context, NULL);
  g_autoptr(ConcurraTask) running = NULL;
  g_autoptr(ConcurraTask) queued = NULL;
  g_autoptr(ConcurraTask) refused = NULL;
  g_autoptr(GError) error = NULL;
  TestFlag started;
  int ended = 0;

  test_flag_init (&started);
  g_signal_connect (worker, "ended", G_CALLBACK (count_ended), &ended);
  concurra_worker_set_init_func (worker, make_counter, NULL, NULL);
  running = submit (worker, "running", wait_cancelled, &started);
  queued = submit (worker, "queued", increment, GINT_TO_POINTER (1));
  g_assert_true (test_flag_wait (&started, TEST_LONG_WAIT));

  concurra_worker_stop (worker);
  concurra_worker_stop (worker);
  g_assert_true (concurra_worker_is_stopped (worker));
  wait_ok (running);
  wait_ok (queued);
  test_assert_task_error (running, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_WORKER_STOPPED, NULL);
  test_assert_task_error (queued, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_WORKER_STOPPED,
                          "Call 'queued#2' did not run: the worker was stopped");

  refused = concurra_worker_submit (worker, "late", increment, NULL, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_STOPPED);
  g_assert_nonnull (strstr (error->message, "late"));

  test_iterate_until (context, (gboolean *) &ended, TEST_LONG_WAIT);
  g_assert_cmpint (ended, ==, 1);
  test_flag_clear (&started);
}

/* ::call-finished and the calls' notifications come on the owner context,
 * after the call ended; a call's waiters do not wait for them. */
typedef struct
{
  GThread *thread;
  guint    finished;
  guint    notified;
} Watch;

static void
on_call_finished (ConcurraWorker *worker,
                  ConcurraTask   *task,
                  Watch          *watch)
{
  g_assert_true (g_thread_self () == watch->thread);
  g_assert_true (concurra_task_is_done (task));
  watch->finished++;
}

static void
on_status (ConcurraTask *task,
           GParamSpec   *pspec,
           Watch        *watch)
{
  g_assert_true (g_thread_self () == watch->thread);
  watch->notified++;
}

static void
test_signals (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ConcurraWorker) worker = g_object_new (CONCURRA_TYPE_WORKER, "mode", CONCURRA_EXECUTION_MODE_THREAD,
                                                   "n-lanes", 2, "context", context, NULL);
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);
  Watch watch = { g_thread_self (), 0, 0 };
  gboolean all = FALSE;

  g_signal_connect (worker, "call-finished", G_CALLBACK (on_call_finished), &watch);
  for (guint i = 0; i < 10; i++)
    {
      ConcurraTask *call = submit (worker, "lane", return_lane, NULL);

      g_signal_connect (call, "notify::status", G_CALLBACK (on_status), &watch);
      g_ptr_array_add (calls, call);
    }
  /* the calls end in lane threads, without the context being iterated */
  for (guint i = 0; i < calls->len; i++)
    wait_ok (calls->pdata[i]);
  g_assert_cmpuint (watch.finished, ==, 0);
  while (!all)
    {
      g_main_context_iteration (context, TRUE);
      all = watch.finished == calls->len;
    }
  /* RUNNING, then the final status, for each */
  g_assert_cmpuint (watch.notified, >=, 2 * calls->len);
}

/* Cancelling a queued call ends it at once; the lane runs the others. */
static void
test_cancel_call (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 1);
  g_autoptr(ConcurraTask) blocked = NULL;
  g_autoptr(ConcurraTask) cancelled = NULL;
  g_autoptr(ConcurraTask) later = NULL;
  TestFlag flag;

  test_flag_init (&flag);
  concurra_worker_set_init_func (worker, make_counter, NULL, NULL);
  blocked = submit (worker, "block", block_until_flag, &flag);
  cancelled = submit (worker, "cancelled", increment, GINT_TO_POINTER (100));
  later = submit (worker, "later", increment, GINT_TO_POINTER (1));
  g_assert_true (concurra_task_cancel (cancelled));
  wait_ok (cancelled);
  test_assert_task_error (cancelled, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED, NULL);
  test_flag_set (&flag);
  g_assert_cmpint (value_of (later), ==, 1);
  g_assert_false (concurra_task_cancel (later));
  test_flag_clear (&flag);
}

/* Instances go with the worker; nothing leaks when calls are dropped. */
static void
instance_gone (gpointer  data,
               GObject  *where_the_object_was)
{
  g_atomic_int_add ((int *) data, -1);
}

static GObject *
make_tracked (ConcurraWorker  *worker,
              guint            lane,
              GCancellable    *cancellable,
              gpointer         user_data,
              GError         **error)
{
  GObject *instance = make_counter (worker, lane, cancellable, NULL, error);

  g_atomic_int_inc ((int *) user_data);
  g_object_weak_ref (instance, instance_gone, user_data);
  return instance;
}

static void
test_instances_released (void)
{
  int alive = 0;

  {
    g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 4);
    g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);

    concurra_worker_set_init_func (worker, make_tracked, &alive, NULL);
    for (guint i = 0; i < 40; i++)
      g_ptr_array_add (calls, submit (worker, "increment", increment, GINT_TO_POINTER (1)));
    for (guint i = 0; i < calls->len; i++)
      wait_ok (calls->pdata[i]);
    g_assert_cmpint (g_atomic_int_get (&alive), ==, 4);
    concurra_worker_stop (worker);
  }
  /* the worker may finish on its own thread: wait for its lanes to go */
  for (guint i = 0; i < 3000 && g_atomic_int_get (&alive) != 0; i++)
    g_usleep (1000);
  g_assert_cmpint (g_atomic_int_get (&alive), ==, 0);
}

/* On-demand: a fresh instance per call, and never more lanes than the cap. */
static void
count_concurrent (ConcurraTask *task,
                  GObject      *instance,
                  guint         lane,
                  GCancellable *cancellable,
                  gpointer      user_data)
{
  TestCounter *running = user_data;
  static int busy_lanes[64];

  /* two on-demand lanes that run at once never share an index */
  g_assert_cmpuint (lane, <, G_N_ELEMENTS (busy_lanes));
  g_assert_cmpint (g_atomic_int_add (&busy_lanes[lane], 1), ==, 0);
  test_counter_add (running, 1);
  g_usleep (2000);
  test_counter_add (running, -1);
  g_atomic_int_add (&busy_lanes[lane], -1);
  concurra_task_return_int (task, (int) TEST_COUNTER_OBJECT (instance)->value++);
}

static void
test_on_demand (void)
{
  g_autoptr(ConcurraWorker) worker = g_object_new (CONCURRA_TYPE_WORKER, "mode", CONCURRA_EXECUTION_MODE_THREAD,
                                                   "n-lanes", 3, "on-demand", TRUE, NULL);
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GVariant) stats = NULL;
  TestCounter running;
  int made_before = g_atomic_int_get (&n_made);
  guint active;

  test_counter_init (&running);
  g_assert_true (concurra_worker_get_on_demand (worker));
  concurra_worker_set_init_func (worker, make_counter, NULL, NULL);
  for (guint i = 0; i < 30; i++)
    g_ptr_array_add (calls, submit (worker, "count", count_concurrent, &running));
  for (guint i = 0; i < calls->len; i++)
    /* a fresh instance each time: its value was 0 */
    g_assert_cmpint (value_of (calls->pdata[i]), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&n_made) - made_before, ==, 30);
  g_assert_cmpint (test_counter_get_max (&running), <=, 3);
  stats = concurra_worker_get_stats (worker);
  g_assert_true (g_variant_lookup (stats, "on-demand-active", "u", &active));
  g_assert_cmpuint (active, <=, 3);
  test_counter_clear (&running);
}

static guint
n_lanes_now (ConcurraWorker *worker)
{
  g_autoptr(GVariant) stats = concurra_worker_get_stats (worker);
  guint n;

  g_assert_true (g_variant_lookup (stats, "n-lanes", "u", &n));
  return n;
}

/* On-demand lanes that run at once have different indices (a binding keeps
 * a lane's state by its index), also after a lane in the middle ended. */
static void
test_on_demand_indices (void)
{
  g_autoptr(ConcurraWorker) worker = g_object_new (CONCURRA_TYPE_WORKER, "mode", CONCURRA_EXECUTION_MODE_THREAD,
                                                   "n-lanes", 3, "on-demand", TRUE, NULL);
  g_autoptr(ConcurraTask) quick = NULL;
  g_autoptr(ConcurraTask) slow1 = NULL;
  g_autoptr(ConcurraTask) slow2 = NULL;
  g_autoptr(ConcurraTask) late = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GVariant) lanes = NULL;
  TestFlag flag;
  guint running[2];
  gint64 late_lane;

  test_flag_init (&flag);
  quick = submit (worker, "quick", return_lane, NULL);
  slow1 = submit (worker, "slow", block_until_flag, &flag);
  slow2 = submit (worker, "slow", block_until_flag, &flag);
  wait_ok (quick);
  /* the quick call's lane goes right after it; the two slow ones still run */
  for (guint i = 0; i < 10000 && n_lanes_now (worker) != 2; i++)
    g_usleep (1000);
  stats = concurra_worker_get_stats (worker);
  lanes = g_variant_lookup_value (stats, "lanes", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_cmpuint (g_variant_n_children (lanes), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GVariant) lane = g_variant_get_child_value (lanes, i);

      g_assert_true (g_variant_lookup (lane, "index", "u", &running[i]));
    }
  late = submit (worker, "late", return_lane, NULL);
  late_lane = value_of (late);
  /* whichever indices the slow calls got, the late call has another */
  g_assert_cmpint (late_lane, !=, running[0]);
  g_assert_cmpint (late_lane, !=, running[1]);
  g_assert_cmpint (late_lane, <, 3);
  test_flag_set (&flag);
  wait_ok (slow1);
  wait_ok (slow2);
  test_flag_clear (&flag);
}

/* ---- main-context lanes ---- */

typedef struct
{
  ConcurraTask *task;
  gint64        value;
} Later;

static gboolean
report_later (gpointer data)
{
  Later *later = data;

  concurra_task_return_int (later->task, later->value);
  g_object_unref (later->task);
  g_free (later);
  return G_SOURCE_REMOVE;
}

/* starts the increment and reports from an idle: the lane must not start
 * the next call before */
static void
increment_later (ConcurraTask *task,
                 GObject      *instance,
                 guint         lane,
                 GCancellable *cancellable,
                 gpointer      user_data)
{
  TestCounterObject *counter = TEST_COUNTER_OBJECT (instance);
  Later *later = g_new0 (Later, 1);
  GSource *source;

  g_assert_true (counter->made_in == g_thread_self ());
  if (g_atomic_int_add (&counter->in_call, 1) != 0)
    g_atomic_int_inc (&counter->overlaps);
  counter->value += GPOINTER_TO_INT (user_data);
  later->task = g_object_ref (task);
  later->value = counter->value;
  g_atomic_int_add (&counter->in_call, -1);
  source = g_idle_source_new ();
  g_source_set_callback (source, report_later, later, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static void
test_main_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ConcurraWorker) worker = NULL;
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GError) error = NULL;
  gint64 expected = 0;

  g_main_context_push_thread_default (context);
  worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_MAIN_CONTEXT, 2);
  concurra_worker_set_init_func (worker, make_counter, NULL, NULL);
  for (guint i = 0; i < 20; i++)
    g_ptr_array_add (calls, submit (worker, "increment", increment_later, GINT_TO_POINTER (i)));
  /* a wait from the owner thread iterates the context */
  done = concurra_gather ((ConcurraTask **) calls->pdata, calls->len, CONCURRA_GATHER_NONE,
                          TEST_LONG_WAIT, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 20; i += 2)
    {
      /* lane 0 got 0, 2, 4…: its running sums */
      expected += i;
      g_assert_cmpint (value_of (calls->pdata[i]), ==, expected);
      g_assert_cmpint (concurra_task_get_execution_mode (calls->pdata[i]), ==,
                       CONCURRA_EXECUTION_MODE_MAIN_CONTEXT);
    }
  g_main_context_pop_thread_default (context);
}

/* ---- process lanes ---- */

static const char *worker_path;

static void
set_flag (ConcurraWorker *worker,
          gpointer        flag)
{
  test_flag_set (flag);
}

/* Stops a worker whose owner is its own thread and waits for ::ended: its
 * worker processes are reaped then. */
static void
stop_and_wait (ConcurraWorker *worker)
{
  TestFlag ended;

  test_flag_init (&ended);
  g_signal_connect (worker, "ended", G_CALLBACK (set_flag), &ended);
  concurra_worker_stop (worker);
  g_assert_true (test_flag_wait (&ended, TEST_LONG_WAIT));
  g_signal_handlers_disconnect_by_func (worker, set_flag, &ended);
  test_flag_clear (&ended);
}

static ConcurraWorker *
new_process_worker (guint n_lanes)
{
  const char *command[] = { worker_path, NULL };
  ConcurraWorker *worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_PROCESS, n_lanes);

  concurra_worker_set_worker_command (worker, command);
  concurra_worker_set_init_function (worker, "counter-init", g_variant_new ("(x)", (gint64) 100));
  return worker;
}

static ConcurraTask *
call_add (ConcurraWorker *worker,
          gint64          x)
{
  g_autoptr(GError) error = NULL;
  ConcurraTask *task = concurra_worker_call_function (worker, "counter-add", g_variant_new ("(x)", x), &error);

  g_assert_no_error (error);
  return task;
}

static gint64
variant_value (ConcurraTask *task)
{
  wait_ok (task);
  if (concurra_task_get_status (task) != CONCURRA_TASK_STATUS_SUCCESSFUL)
    g_error ("%s: %s", concurra_task_get_label (task), concurra_task_get_error_message (task));
  return g_variant_get_int64 (g_value_get_variant (concurra_task_get_value (task)));
}

static void
test_process_state (void)
{
  g_autoptr(ConcurraWorker) worker = new_process_worker (2);
  ConcurraTask *calls[6];
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    calls[i] = call_add (worker, 1);
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      /* two processes, each with its own counter from 100 */
      g_assert_cmpint (variant_value (calls[i]), ==, 100 + i / 2 + 1);
      g_assert_cmpint (concurra_task_get_execution_mode (calls[i]), ==, CONCURRA_EXECUTION_MODE_PROCESS);
      g_object_unref (calls[i]);
    }
  /* a local function cannot go to a process */
  g_assert_null (concurra_worker_submit (worker, "local", increment, NULL, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_NOT_SERIALIZABLE);
  stop_and_wait (worker);
}

static void
test_process_crash_restart (void)
{
  g_autoptr(ConcurraWorker) worker = new_process_worker (1);
  g_autoptr(ConcurraTask) first = call_add (worker, 5);
  g_autoptr(ConcurraTask) crash = NULL;
  g_autoptr(ConcurraTask) after = NULL;
  g_autoptr(GError) error = NULL;

  crash = concurra_worker_call_function (worker, "segv", NULL, &error);
  g_assert_no_error (error);
  after = call_add (worker, 1);
  g_assert_cmpint (variant_value (first), ==, 105);
  wait_ok (crash);
  test_assert_task_error (crash, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR_WORKER_CRASHED, NULL);
  /* a new process, and the init function ran again in it */
  g_assert_cmpint (variant_value (after), ==, 101);
  stop_and_wait (worker);
}

static void
test_process_init_failure (void)
{
  g_autoptr(ConcurraWorker) worker = new_process_worker (1);
  g_autoptr(ConcurraTask) call = NULL;

  concurra_worker_set_init_function (worker, "counter-init", g_variant_new ("(s)", "not a number"));
  call = call_add (worker, 1);
  wait_ok (call);
  g_assert_cmpint (concurra_task_get_status (call), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_nonnull (strstr (concurra_task_get_error (call)->message, "init function of lane 0"));
  g_assert_nonnull (strstr (concurra_task_get_error (call)->message, "counter-init wants (x)"));
  stop_and_wait (worker);
}

static void
test_process_stop (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  const char *command[] = { NULL, NULL };
  g_autoptr(ConcurraWorker) worker = g_object_new (CONCURRA_TYPE_WORKER, "mode", CONCURRA_EXECUTION_MODE_PROCESS,
                                                   "n-lanes", 1, "context", context, NULL);
  g_autoptr(ConcurraTask) hang = NULL;
  g_autoptr(ConcurraTask) queued = NULL;
  g_autoptr(GError) error = NULL;
  int ended = 0;

  command[0] = worker_path;
  concurra_worker_set_worker_command (worker, command);
  g_signal_connect (worker, "ended", G_CALLBACK (count_ended), &ended);
  hang = concurra_worker_call_function (worker, "hang", NULL, &error);
  g_assert_no_error (error);
  queued = call_add (worker, 1);
  while (concurra_task_get_status (hang) != CONCURRA_TASK_STATUS_RUNNING)
    g_main_context_iteration (context, TRUE);
  concurra_worker_stop (worker);
  test_assert_task_error (hang, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_WORKER_STOPPED, NULL);
  test_assert_task_error (queued, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_WORKER_STOPPED, NULL);
  /* ::ended comes once no call runs any more */
  test_iterate_until (context, (gboolean *) &ended, TEST_LONG_WAIT);
}

/* Limits shared by the processes of a worker: the parent keeps them, and a
 * call's function takes units through it. */
static ConcurraLimitSet *
new_limits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraLimit) calls = concurra_limit_new_call (1.0, 10, CONCURRA_RATE_LIMIT_ALGORITHM_SLIDING_WINDOW,
                                                            &error);
  g_autoptr(ConcurraLimit) connection = concurra_limit_new_resource ("connection", 1, &error);
  ConcurraLimit *limits[] = { calls, connection };
  ConcurraLimitSet *set = concurra_limit_set_new (limits, G_N_ELEMENTS (limits), &error);

  g_assert_no_error (error);
  return set;
}

static ConcurraTask *
call_limited (ConcurraWorker *worker,
              gboolean        release)
{
  g_autoptr(GError) error = NULL;
  ConcurraTask *task = concurra_worker_call_function (worker, "limited",
                                                      g_variant_new ("(sb)", "connection", release), &error);

  g_assert_no_error (error);
  return task;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static void
test_process_limits (void)
{
  g_autoptr(ConcurraWorker) worker = new_process_worker (3);
  g_autoptr(ConcurraLimitSet) limits = new_limits ();
  g_autoptr(ConcurraLimitSet) set = NULL;
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 times[25];

  concurra_worker_set_limits (worker, limits);
  set = concurra_worker_get_limits (worker);
  g_assert_true (set == limits);
  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    g_ptr_array_add (calls, call_limited (worker, TRUE));
  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    times[i] = variant_value (calls->pdata[i]);
  qsort (times, G_N_ELEMENTS (times), sizeof times[0], compare_int64);
  /* three processes, one count: 10 calls a second, so 25 take 2 s */
  for (guint i = 10; i < G_N_ELEMENTS (times); i++)
    g_assert_cmpint (times[i] - times[i - 10], >=, G_USEC_PER_SEC - 20000);
  g_assert_cmpint (times[24] - times[0], >=, 2 * G_USEC_PER_SEC - 40000);
  stop_and_wait (worker);
}

/* What a call did not give back goes back when it ends; a worker without
 * limits, or a process that is not a worker's, is told so. */
static void
test_process_limits_errors (void)
{
  g_autoptr(ConcurraWorker) worker = new_process_worker (1);
  g_autoptr(ConcurraWorker) bare = new_process_worker (1);
  g_autoptr(ConcurraLimitSet) limits = new_limits ();
  g_autoptr(ConcurraTask) keeps = NULL;
  g_autoptr(ConcurraTask) after = NULL;
  g_autoptr(ConcurraTask) refused = NULL;
  g_autoptr(GError) error = NULL;
  const char *keys[] = { "connection" };
  guint one[] = { 1 };

  concurra_worker_set_limits (worker, limits);
  keeps = call_limited (worker, FALSE);
  after = call_limited (worker, TRUE);
  variant_value (keeps);
  /* the one connection was given back when the first call ended */
  variant_value (after);

  refused = call_limited (bare, TRUE);
  wait_ok (refused);
  test_assert_task_error (refused, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR_INVALID_ARGUMENT, NULL);
  g_assert_nonnull (strstr (concurra_task_get_error (refused)->message, "no limits"));

  g_assert_cmpuint (concurra_worker_acquire_limits (keys, one, 1, 0, &error), ==, 0);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
  stop_and_wait (worker);
  stop_and_wait (bare);
}

/* Process lanes through a launcher (ssh HOST, srun): the protocol runs
 * over the launched process's standard input and output; the lane keeps
 * its one process. A shell stands in for ssh. */
static void
test_process_launcher (void)
{
  const char *launcher[] = { "sh", "-c", "LAUNCHED=yes exec \"$@\"", "sh", NULL };
  g_autoptr(ConcurraWorker) worker = new_process_worker (1);
  g_autoptr(ConcurraTask) launched = NULL;
  g_autoptr(GError) error = NULL;
  ConcurraTask *calls[4];

  concurra_worker_set_worker_launcher (worker, launcher);
  g_assert_cmpstrv (concurra_worker_get_worker_launcher (worker), launcher);
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    calls[i] = call_add (worker, 1);
  launched = concurra_worker_call_function (worker, "getenv", g_variant_new ("(s)", "LAUNCHED"), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      /* one process, whose state the calls share */
      g_assert_cmpint (variant_value (calls[i]), ==, 100 + i + 1);
      g_object_unref (calls[i]);
    }
  wait_ok (launched);
  g_assert_cmpstr (g_variant_get_string (g_value_get_variant (concurra_task_get_value (launched)), NULL),
                   ==, "yes");
  stop_and_wait (worker);
}

/* ---- bad input ---- */

static void
test_bad_input (void)
{
  g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 1);
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("r");
  g_autoptr(ConcurraTask) call = submit (worker, "call", return_lane, NULL);
  g_autoptr(GError) error = NULL;

  g_test_expect_message ("Concurra", G_LOG_LEVEL_CRITICAL, "*n_lanes >= 1*");
  g_assert_null (concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 0));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Concurra", G_LOG_LEVEL_CRITICAL, "*concurra_worker_mode_is_valid*");
  g_assert_null (concurra_worker_new (CONCURRA_EXECUTION_MODE_SUBPROCESS, 1));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Concurra", G_LOG_LEVEL_CRITICAL, "*jitter*");
  concurra_worker_set_retry_jitter (worker, 2);
  g_test_assert_expected_messages ();

  /* a call belongs to its worker: a runner will not take it */
  wait_ok (call);
  g_assert_false (concurra_runner_add (runner, call, NULL, NULL, &error));
  g_assert_nonnull (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  worker_path = g_getenv ("CONCURRA_TEST_WORKER");
  if (worker_path == NULL)
    worker_path = g_test_build_filename (G_TEST_BUILT, "process-worker", NULL);

  g_test_add_func ("/worker/thread/order", test_thread_order);
  g_test_add_func ("/worker/thread/submit-never-blocks", test_submit_never_blocks);
  g_test_add_func ("/worker/thread/lane-threads", test_lane_threads);
  g_test_add_func ("/worker/thread/error", test_call_error);
  g_test_add_func ("/worker/thread/init-failure", test_init_failure);
  g_test_add_func ("/worker/pool/round-robin", test_pool_round_robin);
  g_test_add_func ("/worker/pool/balancers", test_pool_balancers);
  g_test_add_func ("/worker/pool/on-demand", test_on_demand);
  g_test_add_func ("/worker/pool/on-demand-indices", test_on_demand_indices);
  g_test_add_func ("/worker/retry/count", test_retries);
  g_test_add_func ("/worker/retry/filter", test_retry_filter);
  g_test_add_func ("/worker/retry/validator", test_validator);
  g_test_add_func ("/worker/retry/algorithms", test_retry_wait_algorithms);
  g_test_add_func ("/worker/retry/waits", test_retry_waits);
  g_test_add_func ("/worker/stop", test_stop);
  g_test_add_func ("/worker/cancel", test_cancel_call);
  g_test_add_func ("/worker/signals", test_signals);
  g_test_add_func ("/worker/instances-released", test_instances_released);
  g_test_add_func ("/worker/main-context", test_main_context);
  g_test_add_func ("/worker/process/state", test_process_state);
  g_test_add_func ("/worker/process/crash-restart", test_process_crash_restart);
  g_test_add_func ("/worker/process/init-failure", test_process_init_failure);
  g_test_add_func ("/worker/process/stop", test_process_stop);
  g_test_add_func ("/worker/process/launcher", test_process_launcher);
  g_test_add_func ("/worker/process/limits", test_process_limits);
  g_test_add_func ("/worker/process/limits-errors", test_process_limits_errors);
  g_test_add_func ("/worker/bad-input", test_bad_input);

  return g_test_run ();
}
