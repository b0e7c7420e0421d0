/* test-function.c: ConcurraFunction, one function shared by many thread
 * tasks, each calling it with its own id; concurra_task_get_current() and
 * the attempt's cancellable as g_cancellable_get_current() while a thread
 * task's function runs.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <concurra.h>

#include "test-concurra-helpers.h"

#define N_TASKS 200

typedef struct
{
  GMutex        lock;
  guint         calls[N_TASKS];
  ConcurraTask *seen_task[N_TASKS];
  GCancellable *seen_cancellable[N_TASKS];
  guint64       order[N_TASKS];
  guint         n_order;
  guint         destroyed;
} Seen;

static void
seen_init (Seen *seen)
{
  memset (seen, 0, sizeof *seen);
  g_mutex_init (&seen->lock);
}

static void
seen_clear (Seen *seen)
{
  for (guint i = 0; i < N_TASKS; i++)
    g_clear_object (&seen->seen_cancellable[i]);
  g_mutex_clear (&seen->lock);
}

static void
seen_destroy (gpointer data)
{
  Seen *seen = data;

  seen->destroyed++;
}

/* Notes each call: which id, which task was current, which cancellable. */
static void
note_call (guint64  id,
           gpointer user_data)
{
  Seen *seen = user_data;

  g_assert_cmpuint (id, <, N_TASKS);
  g_mutex_lock (&seen->lock);
  seen->calls[id]++;
  seen->seen_task[id] = concurra_task_get_current ();
  g_set_object (&seen->seen_cancellable[id], g_cancellable_get_current ());
  seen->order[seen->n_order++] = id;
  g_mutex_unlock (&seen->lock);
}

/* Every task calls the one function once, with its own id; the task is
 * current and its attempt's cancellable is the thread's current one during
 * the call, and nothing is current outside it. */
static void
test_function_ids (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("ids");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(ConcurraFunction) function = NULL;
  ConcurraTask *tasks[N_TASKS];
  Seen seen;

  seen_init (&seen);
  function = concurra_function_new ("note", note_call, &seen, seen_destroy);
  g_assert_cmpstr (concurra_function_get_name (function), ==, "note");
  concurra_runner_set_max_concurrency (runner, 4);
  for (guint i = 0; i < N_TASKS; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *label = g_strdup_printf ("t%u", i);

      /* ids need not be the order of adding */
      tasks[i] = concurra_runner_add_function (runner, label, NULL, function,
                                               N_TASKS - 1 - i, &error);
      g_assert_no_error (error);
      g_assert_nonnull (tasks[i]);
      g_assert_true (concurra_task_get_function (tasks[i]) == function);
      g_assert_cmpuint (concurra_task_get_function_id (tasks[i]), ==, N_TASKS - 1 - i);
      g_assert_cmpstr (concurra_task_get_name (tasks[i]), ==, "note");
    }
  g_assert_null (concurra_task_get_current ());
  results = test_run_ok (runner);
  g_assert_null (concurra_task_get_current ());

  g_assert_cmpuint (g_hash_table_size (results), ==, N_TASKS);
  for (guint i = 0; i < N_TASKS; i++)
    {
      guint64 id = N_TASKS - 1 - i;

      g_assert_cmpint (concurra_task_get_status (tasks[i]), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
      g_assert_cmpuint (seen.calls[id], ==, 1);
      g_assert_true (seen.seen_task[id] == tasks[i]);
      g_assert_nonnull (seen.seen_cancellable[id]);
      g_assert_false (g_cancellable_is_cancelled (seen.seen_cancellable[id]));
    }

  /* the tasks hold the function: its data lives until the last is gone */
  g_clear_object (&function);
  g_assert_cmpuint (seen.destroyed, ==, 0);
  g_clear_pointer (&results, g_hash_table_unref);
  g_clear_object (&runner);
  g_assert_cmpuint (seen.destroyed, ==, 1);
  seen_clear (&seen);
}

/* The runner's order holds for function tasks: a task is called after
 * the tasks it depends on. */
static void
test_function_dependencies (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("deps");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(ConcurraFunction) function = NULL;
  g_autoptr(GError) error = NULL;
  const char *after_a[] = { "a", NULL };
  const char *after_b_c[] = { "b", "c", NULL };
  guint position[4] = { 0 };
  Seen seen;

  seen_init (&seen);
  function = concurra_function_new ("note", note_call, &seen, NULL);
  concurra_runner_set_max_concurrency (runner, 3);
  g_assert_nonnull (concurra_runner_add_function (runner, "d", after_b_c, function, 3, &error));
  g_assert_nonnull (concurra_runner_add_function (runner, "b", after_a, function, 1, &error));
  g_assert_nonnull (concurra_runner_add_function (runner, "c", after_a, function, 2, &error));
  g_assert_nonnull (concurra_runner_add_function (runner, "a", NULL, function, 0, &error));
  g_assert_no_error (error);
  results = test_run_ok (runner);

  g_assert_cmpuint (seen.n_order, ==, 4);
  for (guint i = 0; i < seen.n_order; i++)
    position[seen.order[i]] = i;
  g_assert_cmpuint (position[0], <, position[1]);
  g_assert_cmpuint (position[0], <, position[2]);
  g_assert_cmpuint (position[1], <, position[3]);
  g_assert_cmpuint (position[2], <, position[3]);
  seen_clear (&seen);
}

/* A shared function reports through the current task: a value, an error,
 * and, with retries, an error on the first attempt and a value on the
 * second. */
static void
report_by_id (guint64  id,
              gpointer user_data)
{
  ConcurraTask *task = concurra_task_get_current ();

  g_assert_nonnull (task);
  switch (id)
    {
    case 0:
      concurra_task_return_int (task, 42);
      break;
    case 1:
      concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                      "no photo %" G_GUINT64_FORMAT, id);
      break;
    case 2:
      /* inside the function, the running attempt is counted already */
      g_atomic_int_inc ((int *) user_data);
      if (concurra_task_get_attempts (task) == 1)
        concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY, "busy");
      else
        concurra_task_return_string (task, "second time");
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
test_function_reports (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("reports");
  g_autoptr(GHashTable) results = NULL;
  int retried_calls = 0;
  g_autoptr(ConcurraFunction) function = concurra_function_new ("report", report_by_id,
                                                                &retried_calls, NULL);
  g_autoptr(ConcurraTask) retried = concurra_task_new_for_function (function, "retried", 2);
  g_autoptr(GError) error = NULL;
  ConcurraTask *value, *failing;

  value = concurra_runner_add_function (runner, "value", NULL, function, 0, &error);
  failing = concurra_runner_add_function (runner, "failing", NULL, function, 1, &error);
  concurra_task_set_retries (retried, 1);
  g_assert_true (concurra_runner_add (runner, retried, NULL, NULL, &error));
  g_assert_no_error (error);
  results = test_run_ok (runner);

  g_assert_cmpint (concurra_task_get_status (value), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (g_value_get_int64 (concurra_task_get_value (value)), ==, 42);

  g_assert_cmpint (concurra_task_get_status (failing), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_error (concurra_task_get_error (failing), G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (concurra_task_get_error_message (failing), ==, "no photo 1");

  g_assert_cmpstr (concurra_task_get_name (retried), ==, "retried");
  g_assert_cmpint (concurra_task_get_status (retried), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpuint (concurra_task_get_attempts (retried), ==, 2);
  g_assert_cmpint (retried_calls, ==, 2);
  g_assert_cmpstr (g_value_get_string (concurra_task_get_value (retried)), ==, "second time");
}

/* The attempt's cancellable, found with g_cancellable_get_current(), is
 * cancelled when the task times out. */
typedef struct
{
  gboolean noticed;
  TestFlag returned;
} Waiter;

static void
wait_for_cancel (guint64  id,
                 gpointer user_data)
{
  Waiter *waiter = user_data;

  waiter->noticed = test_wait_cancelled (g_cancellable_get_current (), TEST_LONG_WAIT);
  test_flag_set (&waiter->returned);
}

static void
test_function_timeout (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("timeout");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(ConcurraFunction) function = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  ConcurraTask *slow;
  Waiter waiter = { FALSE };

  test_flag_init (&waiter.returned);
  function = concurra_function_new ("wait", wait_for_cancel, &waiter, NULL);
  slow = concurra_runner_add_function (runner, "slow", NULL, function, 0, &error);
  g_assert_no_error (error);
  concurra_task_set_timeout (slow, 0.2);
  results = test_run_ok (runner);

  g_assert_cmpfloat (test_elapsed (start), <, TEST_LONG_WAIT / 2);
  g_assert_cmpint (concurra_task_get_status (slow), ==, CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_error (concurra_task_get_error (slow), CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  /* the function returned because it noticed */
  g_assert_true (test_flag_wait (&waiter.returned, TEST_LONG_WAIT));
  g_assert_true (waiter.noticed);
  g_assert_null (concurra_task_get_current ());
  g_clear_object (&runner);
  test_flag_clear (&waiter.returned);
}

/* Bad input: a label taken already is an error that names it, and the
 * task made for it is freed with the function's reference. */
static void
test_function_bad_input (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("bad");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(ConcurraFunction) function = NULL;
  g_autoptr(GError) error = NULL;
  const char *missing[] = { "nowhere", NULL };
  Seen seen;

  seen_init (&seen);
  function = concurra_function_new ("note", note_call, &seen, seen_destroy);
  g_assert_nonnull (concurra_runner_add_function (runner, "twice", NULL, function, 0, &error));
  g_assert_no_error (error);
  g_assert_null (concurra_runner_add_function (runner, "twice", NULL, function, 1, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_DUPLICATE_LABEL);
  g_assert_nonnull (strstr (error->message, "'twice'"));
  g_clear_error (&error);
  g_assert_null (concurra_runner_add_function (runner, "self", (const char *[]) { "self", NULL },
                                               function, 2, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_SELF_DEPENDENCY);
  g_assert_nonnull (strstr (error->message, "'self'"));
  g_clear_error (&error);
  /* a dependency may be added later, until the run starts; never added,
   * the run fails naming it, runs nothing and still ends every task */
  g_assert_nonnull (concurra_runner_add_function (runner, "orphan", missing, function, 3, &error));
  g_assert_no_error (error);

  results = concurra_runner_run (runner, NULL, &error);
  g_assert_null (results);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_UNKNOWN_DEPENDENCY);
  g_assert_nonnull (strstr (error->message, "'nowhere'"));
  g_assert_nonnull (strstr (error->message, "'orphan'"));
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (seen.calls[i], ==, 0);
  g_assert_cmpint (concurra_task_get_status (concurra_runner_get_task (runner, "twice")), ==,
                   CONCURRA_TASK_STATUS_TERMINATED);
  g_assert_cmpint (concurra_task_get_status (concurra_runner_get_task (runner, "orphan")), ==,
                   CONCURRA_TASK_STATUS_TERMINATED);

  g_clear_object (&function);
  g_clear_object (&runner);
  g_assert_cmpuint (seen.destroyed, ==, 1);
  seen_clear (&seen);
}

/* A task made otherwise has no function; inside its own function it is
 * current too, and so is a main-context task during its start function,
 * where its attempts count the running one (retried here once). */
static void
own_function (ConcurraTask *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  ConcurraTask **current = user_data;

  *current = concurra_task_get_current ();
  g_assert_true (g_cancellable_get_current () == cancellable);
}

typedef struct
{
  gboolean current;
  guint    attempts[2];
  guint    n_calls;
} StartSeen;

static gboolean
start_main_context (ConcurraTask  *task,
                    GCancellable  *cancellable,
                    gpointer       user_data,
                    GError       **error)
{
  StartSeen *seen = user_data;

  seen->current = concurra_task_get_current () == task &&
                  g_cancellable_get_current () == cancellable;
  seen->attempts[seen->n_calls++] = concurra_task_get_attempts (task);
  if (seen->n_calls == 1)
    concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY, "busy");
  else
    concurra_task_return_boolean (task, TRUE);
  return TRUE;
}

static void
test_function_other_tasks (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("other");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  ConcurraTask *current = NULL;
  StartSeen seen = { FALSE };
  ConcurraTask *plain, *main_context;

  plain = concurra_runner_add_task (runner, "plain", NULL, own_function, &current, NULL, &error);
  main_context = concurra_runner_add_main_context_task (runner, "main", NULL, start_main_context,
                                                        &seen, NULL, &error);
  g_assert_no_error (error);
  concurra_task_set_retries (main_context, 1);
  g_assert_null (concurra_task_get_function (plain));
  g_assert_cmpuint (concurra_task_get_function_id (plain), ==, 0);
  results = test_run_ok (runner);

  g_assert_true (current == plain);
  g_assert_cmpint (concurra_task_get_status (main_context), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_true (seen.current);
  g_assert_cmpuint (seen.n_calls, ==, 2);
  g_assert_cmpuint (seen.attempts[0], ==, 1);
  g_assert_cmpuint (seen.attempts[1], ==, 2);
  g_assert_cmpuint (concurra_task_get_attempts (main_context), ==, 2);
  g_assert_null (concurra_task_get_current ());
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/function/ids", test_function_ids);
  g_test_add_func ("/function/dependencies", test_function_dependencies);
  g_test_add_func ("/function/reports", test_function_reports);
  g_test_add_func ("/function/timeout", test_function_timeout);
  g_test_add_func ("/function/bad-input", test_function_bad_input);
  g_test_add_func ("/function/other-tasks", test_function_other_tasks);

  return g_test_run ();
}
