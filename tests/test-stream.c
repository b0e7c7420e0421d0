/* test-stream.c: ConcurraTaskStream, Concurry's gather(iter=True) — tasks
 * handed out in completion order with their input index or key: sync
 * next() with timeout and cancellable, next_async(), the task-completed and
 * progress signals, the GListModel that grows as tasks complete, keyed
 * streams, duplicates, several runners and several consumers, and the
 * calling situations (plain thread, the thread owning a run_async()
 * runner's context, a signal handler, a thread running its own loop).
 * Tasks block on a gate or on their GCancellable and are released one at a
 * time, so the completion order is the release order. Streams, tasks and
 * runners are checked to be finalized (weak references).
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <concurra.h>

#include "test-concurra-helpers.h"

#include "test-futures-helpers.h"


/* ======================================================================
 * a set of gated tasks, in one or two runners
 * ====================================================================== */

#define MAX_SET 8

typedef struct
{
  Tracker         tracker;
  ConcurraRunner *runners[2];
  Run             runs[2];
  guint           n_runners;
  ConcurraTask   *tasks[MAX_SET];
  Job            *jobs[MAX_SET];
  guint           n;
} Set;

/* @n gated tasks t0..; with two drivers, even tasks go to runner 0 and odd
 * ones to runner 1. */
static void
set_setup_full (Set    *set,
                guint   n,
                guint   n_runners,
                Driver  driver0,
                Driver  driver1)
{
  Driver drivers[2] = { driver0, driver1 };

  memset (set, 0, sizeof *set);
  tracker_init (&set->tracker);
  set->n = n;
  set->n_runners = n_runners;
  for (guint r = 0; r < n_runners; r++)
    set->runners[r] = track (&set->tracker, new_runner (r == 0 ? "stream-0" : "stream-1"));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = g_strdup_printf ("t%u", i);

      set->jobs[i] = job_new (JOB_GATE, 100 + i, FALSE);
      set->tasks[i] = track (&set->tracker, add_job (set->runners[i % n_runners], label, NULL,
                                                     set->jobs[i]));
    }
  for (guint r = 0; r < n_runners; r++)
    run_begin (&set->runs[r], set->runners[r], drivers[r]);
}

static void
set_setup (Set    *set,
           guint   n,
           Driver  driver)
{
  set_setup_full (set, n, 1, driver, driver);
}

/* Opens the gate of task @i and waits until it is done. */
static void
set_finish (Set   *set,
            guint  i)
{
  g_autoptr(GError) error = NULL;

  job_open (set->jobs[i]);
  g_assert_true (concurra_task_wait (set->tasks[i], TEST_LONG_WAIT, NULL, &error));
  g_assert_no_error (error);
}

static void
set_teardown (Set *set)
{
  for (guint i = 0; i < set->n; i++)
    job_open (set->jobs[i]);
  for (guint r = 0; r < set->n_runners; r++)
    run_end (&set->runs[r]);
  for (guint i = 0; i < set->n; i++)
    assert_task_int (set->tasks[i], 100 + i);
  for (guint i = 0; i < set->n; i++)
    g_object_unref (set->tasks[i]);
  for (guint r = 0; r < set->n_runners; r++)
    g_object_unref (set->runners[r]);
  tracker_assert_finalized (&set->tracker);
}

/* Takes the next task, asserting it is task @expected of @set. */
static void
assert_next (ConcurraTaskStream *stream,
             Set                *set,
             guint               expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraTask) task = NULL;
  guint index = G_MAXUINT;

  task = concurra_task_stream_next (stream, TEST_LONG_WAIT, NULL, &index, &error);
  g_assert_no_error (error);
  g_assert_nonnull (task);
  if (task != set->tasks[expected])
    g_error ("expected task 't%u' next, got '%s'", expected, concurra_task_get_label (task));
  g_assert_cmpuint (index, ==, expected);
}

static void
assert_exhausted (ConcurraTaskStream *stream)
{
  g_autoptr(GError) error = NULL;
  guint index = 12345;

  g_assert_null (concurra_task_stream_next (stream, TEST_LONG_WAIT, NULL, &index, &error));
  g_assert_no_error (error);
  g_assert_null (concurra_task_stream_next (stream, 0, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
add_driver_test (const char    *path,
                 GTestDataFunc  func)
{
  g_autofree char *start = g_strdup_printf ("%s/start", path);
  g_autofree char *run_async = g_strdup_printf ("%s/run-async", path);

  g_test_add_data_func (start, GINT_TO_POINTER (DRIVER_START), func);
  g_test_add_data_func (run_async, GINT_TO_POINTER (DRIVER_RUN_ASYNC), func);
}

/* ======================================================================
 * next()
 * ====================================================================== */

/* With run_async() the main thread owns the runner's context and calls
 * next() without running a loop: next() iterates it. */
static void
test_stream_completion_order (gconstpointer data)
{
  Driver driver = GPOINTER_TO_INT (data);
  const guint order[] = { 2, 0, 3, 1 };
  ConcurraTaskStream *stream;
  Set set;

  set_setup (&set, 4, driver);
  stream = track (&set.tracker, concurra_task_stream_new (set.tasks, 4));
  g_assert_cmpuint (concurra_task_stream_get_n_tasks (stream), ==, 4);
  g_assert_cmpuint (concurra_task_stream_get_n_completed (stream), ==, 0);

  for (guint k = 0; k < G_N_ELEMENTS (order); k++)
    {
      job_open (set.jobs[order[k]]);
      assert_next (stream, &set, order[k]);
      g_assert_null (concurra_task_stream_get_key (stream, order[k]));
    }
  assert_exhausted (stream);
  g_assert_cmpuint (concurra_task_stream_get_n_completed (stream), ==, 4);

  g_object_unref (stream);
  set_teardown (&set);
}

/* Tasks done before the stream was made come first, in input order. */
static void
test_stream_already_done_first (void)
{
  ConcurraTaskStream *stream;
  Set set;

  set_setup (&set, 4, DRIVER_START);
  set_finish (&set, 3);
  set_finish (&set, 1);
  stream = track (&set.tracker, concurra_task_stream_new (set.tasks, 4));
  g_assert_cmpuint (concurra_task_stream_get_n_completed (stream), ==, 2);
  assert_next (stream, &set, 1);
  assert_next (stream, &set, 3);
  job_open (set.jobs[2]);
  assert_next (stream, &set, 2);
  job_open (set.jobs[0]);
  assert_next (stream, &set, 0);
  assert_exhausted (stream);

  g_object_unref (stream);
  set_teardown (&set);
}

static void
test_stream_keyed (void)
{
  g_autoptr(GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  const char *keys[] = { "users", "posts", "comments" };
  const guint order[] = { 1, 2, 0 };
  ConcurraTaskStream *stream;
  Set set;

  set_setup (&set, 3, DRIVER_START);
  for (guint i = 0; i < 3; i++)
    g_hash_table_insert (table, g_strdup (keys[i]), g_object_ref (set.tasks[i]));
  stream = track (&set.tracker, concurra_task_stream_new_keyed (table));
  g_assert_cmpuint (concurra_task_stream_get_n_tasks (stream), ==, 3);

  for (guint k = 0; k < 3; k++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcurraTask) task = NULL;
      guint index = G_MAXUINT;
      const char *key;

      job_open (set.jobs[order[k]]);
      task = concurra_task_stream_next (stream, TEST_LONG_WAIT, NULL, &index, &error);
      g_assert_no_error (error);
      g_assert_true (task == set.tasks[order[k]]);
      g_assert_cmpuint (index, <, 3);
      key = concurra_task_stream_get_key (stream, index);
      g_assert_cmpstr (key, ==, keys[order[k]]);
      g_assert_true (g_hash_table_lookup (table, key) == task);
    }
  assert_exhausted (stream);

  /* the keys are the stream's own: the table can go */
  g_clear_pointer (&table, g_hash_table_unref);
  for (guint i = 0; i < 3; i++)
    {
      const char *key = concurra_task_stream_get_key (stream, i);

      g_assert_nonnull (key);
      g_assert_true (g_strv_contains (keys, key));
    }

  g_object_unref (stream);
  set_teardown (&set);
}

static gpointer
cancel_thread (gpointer data)
{
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_stream_next_timeout_and_cancel (gconstpointer data)
{
  Driver driver = GPOINTER_TO_INT (data);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  ConcurraTaskStream *stream;
  GThread *thread;
  gint64 start;
  Set set;

  set_setup (&set, 2, driver);
  stream = track (&set.tracker, concurra_task_stream_new (set.tasks, 2));

  start = g_get_monotonic_time ();
  g_assert_null (concurra_task_stream_next (stream, 0.2, NULL, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_assert_cmpfloat (test_elapsed (start), >=, 0.19);
  g_clear_error (&error);
  g_assert_null (concurra_task_stream_next (stream, 0, NULL, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_clear_error (&error);

  thread = g_thread_new ("cancel", cancel_thread, cancellable);
  g_assert_null (concurra_task_stream_next (stream, -1, cancellable, NULL, &error));
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (concurra_task_stream_next (stream, -1, cancellable, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* still usable: nothing was lost */
  g_assert_cmpuint (concurra_task_stream_get_n_completed (stream), ==, 0);
  job_open (set.jobs[1]);
  assert_next (stream, &set, 1);
  job_open (set.jobs[0]);
  assert_next (stream, &set, 0);
  assert_exhausted (stream);

  g_object_unref (stream);
  set_teardown (&set);
}

/* [t0, t1, t0]: each position is handed out once. */
static void
test_stream_duplicates (void)
{
  ConcurraTaskStream *stream;
  ConcurraTask *input[3];
  gboolean seen[3] = { FALSE, FALSE, FALSE };
  Set set;

  set_setup (&set, 2, DRIVER_START);
  input[0] = set.tasks[0];
  input[1] = set.tasks[1];
  input[2] = set.tasks[0];
  stream = track (&set.tracker, concurra_task_stream_new (input, 3));
  g_assert_cmpuint (concurra_task_stream_get_n_tasks (stream), ==, 3);

  job_open (set.jobs[0]);
  for (guint k = 0; k < 2; k++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcurraTask) task = NULL;
      guint index = G_MAXUINT;

      task = concurra_task_stream_next (stream, TEST_LONG_WAIT, NULL, &index, &error);
      g_assert_no_error (error);
      g_assert_true (task == set.tasks[0]);
      g_assert_true (index == 0 || index == 2);
      g_assert_false (seen[index]);
      seen[index] = TRUE;
    }
  job_open (set.jobs[1]);
  assert_next (stream, &set, 1);
  assert_exhausted (stream);
  g_assert_cmpuint (concurra_task_stream_get_n_completed (stream), ==, 3);

  g_object_unref (stream);
  set_teardown (&set);
}

/* Tasks of a background runner and of a run_async() runner owned by the
 * main thread, streamed from the main thread. */
static void
test_stream_two_runners (void)
{
  const guint order[] = { 3, 0, 1, 2 };
  ConcurraTaskStream *stream;
  Set set;

  set_setup_full (&set, 4, 2, DRIVER_START, DRIVER_RUN_ASYNC);
  stream = track (&set.tracker, concurra_task_stream_new (set.tasks, 4));
  for (guint k = 0; k < G_N_ELEMENTS (order); k++)
    {
      job_open (set.jobs[order[k]]);
      assert_next (stream, &set, order[k]);
    }
  assert_exhausted (stream);
  g_object_unref (stream);
  set_teardown (&set);
}

static void
stream_noop (ConcurraTask *task,
             GCancellable *cancellable,
             gpointer      user_data)
{
}

static void
finish_run_async (ConcurraRunner *runner)
{
  while (concurra_runner_get_state (runner) != CONCURRA_RUNNER_STATE_FINISHED)
    g_main_context_iteration (NULL, TRUE);
  /* the completion callback */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* A stream made before its task was added to a runner, read from the
 * thread that called run_async(): next() runs that runner's context
 * rather than blocking it (it used to wait until its timeout). */
static void
test_stream_task_added_later (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("added-later");
  g_autoptr(ConcurraTask) task = concurra_task_new ("t", stream_noop, NULL, NULL);
  g_autoptr(ConcurraTaskStream) stream = concurra_task_stream_new (&task, 1);
  g_autoptr(ConcurraTask) got = NULL;
  g_autoptr(GError) error = NULL;

  concurra_runner_set_verify_on_finish (runner, FALSE);
  g_assert_true (concurra_runner_add (runner, task, "t", NULL, &error));
  concurra_runner_run_async (runner, NULL, NULL, NULL);
  got = concurra_task_stream_next (stream, 5.0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (got == task);
  finish_run_async (runner);
}

/* The same thread ran one runner with run(), then started another with
 * run_async(): next() runs the second's context, not the first's, which
 * is finished (it used to wait there until its timeout). */
static void
test_stream_after_another_run (void)
{
  g_autoptr(ConcurraRunner) first = concurra_runner_new ("first");
  g_autoptr(ConcurraRunner) second = concurra_runner_new ("second");
  g_autoptr(ConcurraTaskStream) stream = NULL;
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  ConcurraTask *tasks[2];

  concurra_runner_set_verify_on_finish (first, FALSE);
  concurra_runner_set_verify_on_finish (second, FALSE);
  tasks[0] = concurra_runner_add_task (first, "a", NULL, stream_noop, NULL, NULL, &error);
  tasks[1] = concurra_runner_add_task (second, "b", NULL, stream_noop, NULL, NULL, &error);
  g_assert_no_error (error);
  stream = concurra_task_stream_new (tasks, 2);

  results = concurra_runner_run (first, NULL, &error);
  g_assert_no_error (error);
  concurra_runner_run_async (second, NULL, NULL, NULL);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(ConcurraTask) got = concurra_task_stream_next (stream, 5.0, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_true (got == tasks[i]);
    }
  finish_run_async (second);
}

/* Several threads pull from one stream: every position goes to exactly one
 * of them, and each gets its tasks in completion order. */
typedef struct
{
  ConcurraTaskStream *stream;
  GArray             *indices;
} Consumer;

static gpointer
consumer_thread (gpointer data)
{
  Consumer *consumer = data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcurraTask) task = NULL;
      guint index;

      task = concurra_task_stream_next (consumer->stream, TEST_LONG_WAIT, NULL, &index, &error);
      g_assert_no_error (error);
      if (task == NULL)
        break;
      g_assert_cmpuint (index, <, MAX_SET);
      g_array_append_val (consumer->indices, index);
    }
  return NULL;
}

static void
test_stream_several_consumers (gconstpointer data)
{
  Driver driver = GPOINTER_TO_INT (data);
  const guint order[MAX_SET] = { 5, 2, 7, 0, 1, 6, 3, 4 };
  guint rank[MAX_SET];
  guint count[MAX_SET] = { 0, };
  Consumer consumers[4];
  GThread *threads[4];
  ConcurraTaskStream *stream;
  Set set;

  set_setup (&set, MAX_SET, driver);
  stream = track (&set.tracker, concurra_task_stream_new (set.tasks, MAX_SET));
  for (guint c = 0; c < 4; c++)
    {
      consumers[c].stream = stream;
      consumers[c].indices = g_array_new (FALSE, FALSE, sizeof (guint));
      threads[c] = g_thread_new ("consumer", consumer_thread, &consumers[c]);
    }
  for (guint k = 0; k < MAX_SET; k++)
    {
      rank[order[k]] = k;
      set_finish (&set, order[k]);
    }
  for (guint c = 0; c < 4; c++)
    g_thread_join (threads[c]);

  for (guint c = 0; c < 4; c++)
    {
      for (guint j = 0; j < consumers[c].indices->len; j++)
        {
          guint index = g_array_index (consumers[c].indices, guint, j);

          count[index]++;
          if (j > 0)
            g_assert_cmpuint (rank[g_array_index (consumers[c].indices, guint, j - 1)], <, rank[index]);
        }
      g_array_unref (consumers[c].indices);
    }
  for (guint i = 0; i < MAX_SET; i++)
    g_assert_cmpuint (count[i], ==, 1);

  g_object_unref (stream);
  set_teardown (&set);
}

static void
test_stream_empty (void)
{
  g_autoptr(GHashTable) empty = g_hash_table_new (g_str_hash, g_str_equal);
  ConcurraTaskStream *streams[3];
  g_autoptr(GError) error = NULL;
  Tracker tracker;
  int n_signals = 0;

  tracker_init (&tracker);
  streams[0] = track (&tracker, concurra_task_stream_new (NULL, 0));
  streams[1] = track (&tracker, concurra_task_stream_new_keyed (empty));
  /* what a binding's default constructor makes */
  streams[2] = track (&tracker, g_object_new (CONCURRA_TYPE_TASK_STREAM, NULL));
  for (guint s = 0; s < G_N_ELEMENTS (streams); s++)
    {
      ConcurraTaskStream *stream = streams[s];

      g_signal_connect_swapped (stream, "task-completed", G_CALLBACK (g_atomic_int_inc), &n_signals);
      g_signal_connect_swapped (stream, "progress", G_CALLBACK (g_atomic_int_inc), &n_signals);
      g_assert_cmpuint (concurra_task_stream_get_n_tasks (stream), ==, 0);
      g_assert_cmpuint (concurra_task_stream_get_n_completed (stream), ==, 0);
      g_assert_null (concurra_task_stream_next (stream, -1, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (stream)), ==, 0);
      g_assert_null (g_list_model_get_item (G_LIST_MODEL (stream), 0));
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (n_signals, ==, 0);

  for (guint s = 0; s < G_N_ELEMENTS (streams); s++)
    g_object_unref (streams[s]);
  tracker_assert_finalized (&tracker);
}

/* ======================================================================
 * next_async()
 * ====================================================================== */

typedef struct
{
  ConcurraTaskStream *stream;
  Set                *set;
  const guint        *order;
  guint               n_order;
  guint               k;
  gboolean            exhausted;
  GThread            *thread;
  GMainContext       *context;
  GMainLoop          *loop;
} AsyncConsumer;

static void async_consume_next (AsyncConsumer *ac);

static void
async_consumer_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  AsyncConsumer *ac = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraTask) task = NULL;
  guint index = G_MAXUINT;

  g_assert_true (source == G_OBJECT (ac->stream));
  g_assert_true (g_thread_self () == ac->thread);
  g_assert_true (g_main_context_get_thread_default () == ac->context);
  task = concurra_task_stream_next_finish (ac->stream, result, &index, &error);
  g_assert_no_error (error);
  if (task == NULL)
    {
      g_assert_cmpuint (ac->k, ==, ac->n_order);
      ac->exhausted = TRUE;
      if (ac->loop != NULL)
        g_main_loop_quit (ac->loop);
      return;
    }
  g_assert_true (task == ac->set->tasks[ac->order[ac->k]]);
  g_assert_cmpuint (index, ==, ac->order[ac->k]);
  ac->k++;
  async_consume_next (ac);
}

/* Releases the next task in order, then asks for it asynchronously. */
static void
async_consume_next (AsyncConsumer *ac)
{
  if (ac->k < ac->n_order)
    job_open (ac->set->jobs[ac->order[ac->k]]);
  concurra_task_stream_next_async (ac->stream, -1, NULL, async_consumer_cb, ac);
}

static void
test_stream_next_async (gconstpointer data)
{
  Driver driver = GPOINTER_TO_INT (data);
  const guint order[] = { 1, 3, 0, 2 };
  AsyncConsumer ac = { 0, };
  Set set;

  set_setup (&set, 4, driver);
  ac.stream = track (&set.tracker, concurra_task_stream_new (set.tasks, 4));
  ac.set = &set;
  ac.order = order;
  ac.n_order = G_N_ELEMENTS (order);
  ac.thread = main_thread;
  ac.context = g_main_context_get_thread_default ();
  async_consume_next (&ac);
  g_assert_cmpuint (ac.k, ==, 0);   /* never completes inside the call */
  iterate_until (&ac.exhausted);

  g_object_unref (ac.stream);
  set_teardown (&set);
}

typedef struct
{
  gboolean      returned;
  ConcurraTask *task;
  guint         index;
  GError       *error;
} NextResult;

static void
next_result_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  NextResult *r = user_data;

  r->task = concurra_task_stream_next_finish (CONCURRA_TASK_STREAM (source), result,
                                              &r->index, &r->error);
  r->returned = TRUE;
}

static void
test_stream_next_async_timeout_and_cancel (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  ConcurraTaskStream *stream;
  NextResult r = { 0, };
  GThread *thread;
  gint64 start;
  Set set;

  set_setup (&set, 2, DRIVER_RUN_ASYNC);
  stream = track (&set.tracker, concurra_task_stream_new (set.tasks, 2));

  start = g_get_monotonic_time ();
  concurra_task_stream_next_async (stream, 0.2, NULL, next_result_cb, &r);
  iterate_until (&r.returned);
  g_assert_cmpfloat (test_elapsed (start), >=, 0.19);
  g_assert_null (r.task);
  g_assert_error (r.error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_clear_error (&r.error);

  memset (&r, 0, sizeof r);
  concurra_task_stream_next_async (stream, -1, cancellable, next_result_cb, &r);
  thread = g_thread_new ("cancel", cancel_thread, cancellable);
  iterate_until (&r.returned);
  g_thread_join (thread);
  g_assert_null (r.task);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);

  /* nothing was consumed by the failed calls */
  memset (&r, 0, sizeof r);
  concurra_task_stream_next_async (stream, -1, NULL, next_result_cb, &r);
  job_open (set.jobs[0]);
  iterate_until (&r.returned);
  g_assert_no_error (r.error);
  g_assert_true (r.task == set.tasks[0]);
  g_assert_cmpuint (r.index, ==, 0);
  g_clear_object (&r.task);

  job_open (set.jobs[1]);
  assert_next (stream, &set, 1);
  memset (&r, 0, sizeof r);
  concurra_task_stream_next_async (stream, -1, NULL, next_result_cb, &r);
  iterate_until (&r.returned);
  g_assert_no_error (r.error);
  g_assert_null (r.task);

  g_object_unref (stream);
  set_teardown (&set);
}

/* ======================================================================
 * signals and the list model
 * ====================================================================== */

typedef struct
{
  GThread      *thread;            /* where every emission must happen */
  GArray       *completed;         /* indices from task-completed */
  GPtrArray    *completed_tasks;
  GArray       *progress;          /* (done, total) pairs */
  GArray       *changes;           /* (position, removed, added) triples */
  int           n_notify;
  TestFlag      got_one;
} Recorder;

static void
recorder_init (Recorder *rec,
               GThread  *thread)
{
  rec->thread = thread;
  rec->completed = g_array_new (FALSE, FALSE, sizeof (guint));
  rec->completed_tasks = g_ptr_array_new ();
  rec->progress = g_array_new (FALSE, FALSE, sizeof (guint));
  rec->changes = g_array_new (FALSE, FALSE, sizeof (guint));
  rec->n_notify = 0;
  test_flag_init (&rec->got_one);
}

static void
recorder_clear (Recorder *rec)
{
  g_array_unref (rec->completed);
  g_ptr_array_unref (rec->completed_tasks);
  g_array_unref (rec->progress);
  g_array_unref (rec->changes);
  test_flag_clear (&rec->got_one);
}

static void
on_task_completed (ConcurraTaskStream *stream,
                   guint               index,
                   ConcurraTask       *task,
                   Recorder           *rec)
{
  g_assert_true (g_thread_self () == rec->thread);
  g_assert_true (concurra_task_is_done (task));
  g_array_append_val (rec->completed, index);
  g_ptr_array_add (rec->completed_tasks, task);
  /* the model already holds it */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (stream)), >=, rec->completed->len);
}

static void
on_progress (ConcurraTaskStream *stream,
             guint               done,
             guint               total,
             Recorder           *rec)
{
  g_assert_true (g_thread_self () == rec->thread);
  g_array_append_val (rec->progress, done);
  g_array_append_val (rec->progress, total);
  flag_raise (&rec->got_one);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Recorder   *rec)
{
  g_assert_true (g_thread_self () == rec->thread);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, position + added);
  g_array_append_val (rec->changes, position);
  g_array_append_val (rec->changes, removed);
  g_array_append_val (rec->changes, added);
}

static void
on_notify_n_completed (GObject    *object,
                       GParamSpec *pspec,
                       Recorder   *rec)
{
  g_assert_true (g_thread_self () == rec->thread);
  rec->n_notify++;
}

static void
recorder_connect (Recorder           *rec,
                  ConcurraTaskStream *stream)
{
  g_signal_connect (stream, "task-completed", G_CALLBACK (on_task_completed), rec);
  g_signal_connect (stream, "progress", G_CALLBACK (on_progress), rec);
  g_signal_connect (stream, "items-changed", G_CALLBACK (on_items_changed), rec);
  g_signal_connect (stream, "notify::n-completed", G_CALLBACK (on_notify_n_completed), rec);
}

/* Asserts the recorder saw the tasks of @set in @order, with signals and
 * model changes in step. */
static void
recorder_check (Recorder           *rec,
                ConcurraTaskStream *stream,
                Set                *set,
                const guint        *order,
                guint               n)
{
  GListModel *model = G_LIST_MODEL (stream);

  g_assert_cmpuint (rec->completed->len, ==, n);
  g_assert_cmpuint (rec->progress->len, ==, 2 * n);
  g_assert_cmpuint (rec->changes->len, ==, 3 * n);
  for (guint k = 0; k < n; k++)
    {
      g_autoptr(ConcurraTask) item = g_list_model_get_item (model, k);

      g_assert_cmpuint (g_array_index (rec->completed, guint, k), ==, order[k]);
      g_assert_true (g_ptr_array_index (rec->completed_tasks, k) == set->tasks[order[k]]);
      g_assert_cmpuint (g_array_index (rec->progress, guint, 2 * k), ==, k + 1);
      g_assert_cmpuint (g_array_index (rec->progress, guint, 2 * k + 1), ==,
                        concurra_task_stream_get_n_tasks (stream));
      g_assert_cmpuint (g_array_index (rec->changes, guint, 3 * k), ==, k);
      g_assert_cmpuint (g_array_index (rec->changes, guint, 3 * k + 1), ==, 0);
      g_assert_cmpuint (g_array_index (rec->changes, guint, 3 * k + 2), ==, 1);
      g_assert_true (item == set->tasks[order[k]]);
    }
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
  g_assert_null (g_list_model_get_item (model, n));
  if (n > 0)
    g_assert_cmpint (rec->n_notify, >=, 1);
}

/* Waits (iterating the main context) for the next progress emission. */
static void
recorder_await (Recorder *rec)
{
  await_flag (&rec->got_one, "a stream signal");
  g_mutex_lock (&rec->got_one.mutex);
  rec->got_one.set = FALSE;
  g_mutex_unlock (&rec->got_one.mutex);
}

static void
test_stream_signals_and_model (gconstpointer data)
{
  Driver driver = GPOINTER_TO_INT (data);
  const guint order[] = { 2, 4, 1, 0, 3 };
  ConcurraTaskStream *stream;
  Recorder rec;
  Set set;

  set_setup (&set, 5, driver);
  /* two tasks are done before the stream exists */
  set_finish (&set, 2);
  set_finish (&set, 4);
  stream = track (&set.tracker, concurra_task_stream_new (set.tasks, 5));
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (stream)) == CONCURRA_TYPE_TASK);
  recorder_init (&rec, main_thread);
  recorder_connect (&rec, stream);

  /* nothing is emitted inside new(): the already-done ones come from the
   * loop, in input order */
  g_assert_cmpuint (rec.completed->len, ==, 0);
  while (rec.completed->len < 2)
    recorder_await (&rec);
  recorder_check (&rec, stream, &set, order, 2);

  for (guint k = 2; k < G_N_ELEMENTS (order); k++)
    {
      job_open (set.jobs[order[k]]);
      while (rec.completed->len < k + 1)
        recorder_await (&rec);
      recorder_check (&rec, stream, &set, order, k + 1);
    }
  g_assert_cmpuint (concurra_task_stream_get_n_completed (stream), ==, 5);

  /* signals and next() are independent: next() still hands out all five */
  for (guint k = 0; k < G_N_ELEMENTS (order); k++)
    assert_next (stream, &set, order[k]);
  assert_exhausted (stream);

  recorder_clear (&rec);
  g_object_unref (stream);
  set_teardown (&set);
}

/* A stream made in a thread running its own loop: signals, model changes
 * and next_async() callbacks all happen in that thread. */
typedef struct
{
  Set      *set;
  TestFlag  done;
  gboolean  ok;
} ThreadStream;

static gpointer
stream_thread (gpointer data)
{
  static const guint order[] = { 1, 0, 2 };
  ThreadStream *ts = data;
  GMainContext *context = g_main_context_new ();
  AsyncConsumer ac = { 0, };
  Recorder rec;

  g_main_context_push_thread_default (context);
  ac.stream = concurra_task_stream_new (ts->set->tasks, 3);
  track (&ts->set->tracker, ac.stream);
  ac.set = ts->set;
  ac.order = order;
  ac.n_order = G_N_ELEMENTS (order);
  ac.thread = g_thread_self ();
  ac.context = context;
  ac.loop = g_main_loop_new (context, FALSE);
  recorder_init (&rec, g_thread_self ());
  recorder_connect (&rec, ac.stream);

  async_consume_next (&ac);
  g_main_loop_run (ac.loop);
  g_assert_true (ac.exhausted);
  /* let the last signals through */
  while (g_main_context_iteration (context, FALSE))
    ;
  recorder_check (&rec, ac.stream, ts->set, order, 3);

  recorder_clear (&rec);
  g_main_loop_unref (ac.loop);
  g_object_unref (ac.stream);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  ts->ok = TRUE;
  flag_raise (&ts->done);
  return NULL;
}

static void
test_stream_thread_loop (gconstpointer data)
{
  Driver driver = GPOINTER_TO_INT (data);
  ThreadStream ts = { NULL, };
  GThread *thread;
  Set set;

  set_setup (&set, 3, driver);
  ts.set = &set;
  test_flag_init (&ts.done);
  thread = g_thread_new ("stream-thread", stream_thread, &ts);
  /* the main thread keeps the run_async() runner going meanwhile */
  await_flag (&ts.done, "the stream thread");
  g_thread_join (thread);
  g_assert_true (ts.ok);
  test_flag_clear (&ts.done);
  set_teardown (&set);
}

/* next() from a runner's signal handler during the loop, for a task of a
 * background runner and one of the same runner that another thread
 * releases. */
typedef struct
{
  ConcurraTaskStream *stream;
  ConcurraTask       *trigger;
  ConcurraTask       *expected[2];
  Job                *jobs[2];
  gboolean            done;
} HandlerNext;

static gpointer
open_jobs_thread (gpointer data)
{
  HandlerNext *hn = data;

  job_open (hn->jobs[0]);
  job_open (hn->jobs[1]);
  return NULL;
}

static void
next_in_handler (ConcurraRunner *runner,
                 ConcurraTask   *task,
                 HandlerNext    *hn)
{
  GThread *thread;

  if (task != hn->trigger)
    return;
  g_assert_true (g_thread_self () == main_thread);
  thread = g_thread_new ("opener", open_jobs_thread, hn);
  for (guint k = 0; k < 2; k++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcurraTask) next = NULL;

      next = concurra_task_stream_next (hn->stream, TEST_LONG_WAIT, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (next == hn->expected[0] || next == hn->expected[1]);
    }
  g_thread_join (thread);
  hn->done = TRUE;
}

static void
on_started_flag (ConcurraRunner *runner,
                 ConcurraTask   *task,
                 gpointer        data)
{
  if (g_strcmp0 (concurra_task_get_label (task), "same") == 0)
    flag_raise (data);
}

static void
test_stream_next_in_signal_handler (void)
{
  ConcurraRunner *main_runner, *background;
  ConcurraTask *trigger, *same, *other;
  Job *trigger_job;
  HandlerNext hn = { NULL, };
  TestFlag same_started;
  Tracker tracker;
  Run runs[2];

  tracker_init (&tracker);
  test_flag_init (&same_started);
  main_runner = track (&tracker, new_runner ("handler-main"));
  background = track (&tracker, new_runner ("handler-background"));
  trigger_job = job_new (JOB_GATE, 0, FALSE);
  trigger = track (&tracker, add_job (main_runner, "trigger", NULL, trigger_job));
  hn.jobs[0] = job_new (JOB_GATE, 1, FALSE);
  same = track (&tracker, add_job (main_runner, "same", NULL, hn.jobs[0]));
  hn.jobs[1] = job_new (JOB_GATE, 2, FALSE);
  other = track (&tracker, add_job (background, "other", NULL, hn.jobs[1]));
  hn.trigger = trigger;
  hn.expected[0] = same;
  hn.expected[1] = other;
  g_signal_connect (main_runner, "task-finished", G_CALLBACK (next_in_handler), &hn);
  g_signal_connect (main_runner, "task-started", G_CALLBACK (on_started_flag), &same_started);

  run_begin (&runs[0], main_runner, DRIVER_RUN_ASYNC);
  run_begin (&runs[1], background, DRIVER_START);
  /* made after the runs started (see /stream/situation/created-before-run-async) */
  hn.stream = track (&tracker, concurra_task_stream_new ((ConcurraTask *[]) { same, other }, 2));
  /* the trigger finishes only once "same" is known to run, so that the
   * handler's wait does not depend on events still queued behind it */
  await_flag (&same_started, "'same' to start");
  job_open (trigger_job);
  run_end (&runs[0]);
  run_end (&runs[1]);
  g_assert_true (hn.done);

  test_flag_clear (&same_started);
  g_object_unref (hn.stream);
  g_object_unref (trigger);
  g_object_unref (same);
  g_object_unref (other);
  g_object_unref (main_runner);
  g_object_unref (background);
  tracker_assert_finalized (&tracker);
}

/* A stream made before run_async(), then read synchronously by the thread
 * that called run_async(), which runs no loop: next() must iterate the
 * runner's context as wait() does, whenever the stream was made. */
static void
test_stream_created_before_run_async (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraTask) task = NULL;
  ConcurraTaskStream *stream;
  ConcurraTask *tasks[2];
  Job *jobs[2];
  guint index = G_MAXUINT;
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("before-run"));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *label = g_strdup_printf ("t%u", i);

      jobs[i] = job_new (JOB_GATE, 100 + i, FALSE);
      tasks[i] = track (&tracker, add_job (runner, label, NULL, jobs[i]));
    }
  stream = track (&tracker, concurra_task_stream_new (tasks, 2));
  run_begin (&run, runner, DRIVER_RUN_ASYNC);

  job_open (jobs[1]);
  task = concurra_task_stream_next (stream, 5.0, NULL, &index, &error);
  if (error != NULL)
    g_error ("next() from the run_async() thread on a stream made before the run: %s "
             "(the runner's context was not iterated)", error->message);
  g_assert_true (task == tasks[1]);
  g_assert_cmpuint (index, ==, 1);

  job_open (jobs[0]);
  run_end (&run);
  g_clear_object (&task);
  g_object_unref (stream);
  g_object_unref (tasks[0]);
  g_object_unref (tasks[1]);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* ======================================================================
 * nothing leaks
 * ====================================================================== */

static void
test_stream_leaks (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  ConcurraTaskStream *timed_out, *cancelled, *pending, *untouched;
  g_autoptr(GError) error = NULL;
  NextResult r = { 0, };
  NextResult pending_r = { 0, };
  Set set;

  set_setup (&set, 3, DRIVER_RUN_ASYNC);

  /* a next() that timed out */
  timed_out = track (&set.tracker, concurra_task_stream_new (set.tasks, 3));
  g_assert_null (concurra_task_stream_next (timed_out, 0.05, NULL, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_clear_error (&error);
  g_object_unref (timed_out);

  /* a next_async() that was cancelled */
  cancelled = track (&set.tracker, concurra_task_stream_new (set.tasks, 3));
  concurra_task_stream_next_async (cancelled, -1, cancellable, next_result_cb, &r);
  g_cancellable_cancel (cancellable);
  iterate_until (&r.returned);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  g_object_unref (cancelled);

  /* dropped with a next_async() under way: it completes, then all goes */
  pending = track (&set.tracker, concurra_task_stream_new (set.tasks, 3));
  concurra_task_stream_next_async (pending, -1, NULL, next_result_cb, &pending_r);
  g_object_unref (pending);

  /* dropped before its context ever ran, tasks still pending */
  untouched = track (&set.tracker, concurra_task_stream_new (set.tasks, 3));
  g_object_unref (untouched);

  set_finish (&set, 1);
  iterate_until (&pending_r.returned);
  g_assert_no_error (pending_r.error);
  g_assert_true (pending_r.task == set.tasks[1]);
  g_clear_object (&pending_r.task);

  set_teardown (&set);
}

/* ====================================================================== */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  add_driver_test ("/stream/next/completion-order", test_stream_completion_order);
  g_test_add_func ("/stream/next/already-done-first", test_stream_already_done_first);
  g_test_add_func ("/stream/next/keyed", test_stream_keyed);
  add_driver_test ("/stream/next/timeout-and-cancel", test_stream_next_timeout_and_cancel);
  g_test_add_func ("/stream/next/duplicates", test_stream_duplicates);
  g_test_add_func ("/stream/next/two-runners", test_stream_two_runners);
  g_test_add_func ("/stream/next/task-added-later", test_stream_task_added_later);
  g_test_add_func ("/stream/next/after-another-run", test_stream_after_another_run);
  add_driver_test ("/stream/next/several-consumers", test_stream_several_consumers);
  g_test_add_func ("/stream/next/empty", test_stream_empty);
  add_driver_test ("/stream/next-async/completion-order", test_stream_next_async);
  g_test_add_func ("/stream/next-async/timeout-and-cancel", test_stream_next_async_timeout_and_cancel);
  add_driver_test ("/stream/signals-and-model", test_stream_signals_and_model);
  add_driver_test ("/stream/situation/thread-loop", test_stream_thread_loop);
  g_test_add_func ("/stream/situation/signal-handler", test_stream_next_in_signal_handler);
  g_test_add_func ("/stream/situation/created-before-run-async", test_stream_created_before_run_async);
  g_test_add_func ("/stream/leaks", test_stream_leaks);

  return g_test_run ();
}
