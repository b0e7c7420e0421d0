/* test-sync.c: tasks as futures — concurra_wait(), concurra_gather() and
 * its keyed form, concurra_task_wait(), concurra_task_cancel() and the
 * task's "completed" signal (issue 5).
 *
 * The "matrix" tests run every operation (wait ALL_COMPLETED /
 * FIRST_COMPLETED / FIRST_EXCEPTION, gather, gather with RETURN_ERRORS) over
 * every input shape (pending, failing, cancelled, already done, empty,
 * duplicates, two runners) in every calling situation (sync from a plain
 * thread, sync from the thread owning the runner's context, sync from a
 * signal handler, async from a thread running its own loop, async from the
 * main loop, several waiters at once) with runners started by start() and
 * by run_async(). Tasks block on a gate (GMutex/GCond) or on their
 * GCancellable and are released one at a time, so every outcome is
 * deterministic: the releaser does not open the next gate before the
 * waiters were expected to return, and waits for each released task's
 * "completed" signal. Every case ends by checking that all tasks and
 * runners were finalized (weak references).
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include <concurra.h>

#include "test-concurra-helpers.h"

#include "test-futures-helpers.h"

static void
assert_cancelled (ConcurraTask *task)
{
  test_assert_task_error (task, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED,
                          "Task was cancelled");
  g_assert_cmpstr (concurra_task_get_error_message (task), ==, "Task was cancelled");
}

/* Asserts @array holds exactly @n tasks, in this order. */
static void
assert_tasks (GPtrArray           *array,
              ConcurraTask * const *expected,
              guint                n)
{
  g_assert_nonnull (array);
  if (array->len != n)
    g_error ("expected %u tasks, got %u", n, array->len);
  for (guint i = 0; i < n; i++)
    if (g_ptr_array_index (array, i) != expected[i])
      g_error ("task %u: expected '%s', got '%s'", i,
               concurra_task_get_label (expected[i]),
               concurra_task_get_label (g_ptr_array_index (array, i)));
}

/* ======================================================================
 * The matrix
 * ====================================================================== */

typedef enum {
  OP_WAIT_ALL,
  OP_WAIT_FIRST,
  OP_WAIT_EXCEPTION,
  OP_GATHER,
  OP_GATHER_ERRORS,
  N_OPS
} Op;

static const char *op_names[N_OPS] = {
  "wait-all-completed", "wait-first-completed", "wait-first-exception",
  "gather", "gather-return-errors",
};

typedef enum {
  SIT_PLAIN_THREAD,       /* sync, from a thread with no main loop */
  SIT_OWNER_THREAD,       /* sync, from the thread owning the runner's context, no loop running */
  SIT_SIGNAL_HANDLER,     /* sync, from a runner signal handler during the loop */
  SIT_THREAD_LOOP_ASYNC,  /* async, from a thread running its own GMainLoop */
  SIT_MAIN_LOOP_ASYNC,    /* async, from the main thread's loop */
  SIT_SEVERAL_WAITERS,    /* 3 sync threads + 1 async thread on the same tasks */
} Situation;

#define N_MAX_SPECS 4
#define N_MAX_INPUT 4
#define N_MAX_WAITERS 4

typedef struct
{
  char     kind;     /* 'p': pending (gated), 'd': done before the call */
  int      runner;   /* 0 or 1 for pending tasks */
  gboolean fail;
} TaskSpec;

typedef struct
{
  int      spec;
  gboolean cancel;   /* concurra_task_cancel() instead of opening the gate */
} Step;

typedef struct
{
  const char *name;
  guint       n_specs;
  TaskSpec    specs[N_MAX_SPECS];
  guint       n_input;
  int         input[N_MAX_INPUT];
  guint       n_steps;
  Step        steps[N_MAX_SPECS];
} Shape;

static const Shape shapes[] = {
  { "pending", 3, { { 'p', 0, FALSE }, { 'p', 0, FALSE }, { 'p', 0, FALSE } },
    3, { 0, 1, 2 }, 3, { { 2, FALSE }, { 0, FALSE }, { 1, FALSE } } },
  { "pending-failure", 3, { { 'p', 0, FALSE }, { 'p', 0, TRUE }, { 'p', 0, FALSE } },
    3, { 0, 1, 2 }, 3, { { 2, FALSE }, { 1, FALSE }, { 0, FALSE } } },
  { "pending-cancelled", 3, { { 'p', 0, FALSE }, { 'p', 0, FALSE }, { 'p', 0, FALSE } },
    3, { 0, 1, 2 }, 3, { { 0, FALSE }, { 1, TRUE }, { 2, FALSE } } },
  { "some-done", 3, { { 'd', 0, FALSE }, { 'p', 0, FALSE }, { 'p', 0, FALSE } },
    3, { 1, 0, 2 }, 2, { { 2, FALSE }, { 1, FALSE } } },
  { "some-done-failed", 3, { { 'p', 0, FALSE }, { 'd', 0, TRUE }, { 'p', 0, FALSE } },
    3, { 0, 1, 2 }, 2, { { 0, FALSE }, { 2, FALSE } } },
  { "all-done", 3, { { 'd', 0, FALSE }, { 'd', 0, TRUE }, { 'd', 0, FALSE } },
    3, { 0, 1, 2 }, 0, { { 0 } } },
  { "empty", 0, { { 0 } }, 0, { 0 }, 0, { { 0 } } },
  { "duplicates", 2, { { 'p', 0, FALSE }, { 'p', 0, TRUE } },
    3, { 0, 1, 0 }, 2, { { 0, FALSE }, { 1, FALSE } } },
  { "two-runners", 4, { { 'p', 0, FALSE }, { 'p', 1, FALSE }, { 'p', 0, TRUE }, { 'p', 1, FALSE } },
    4, { 0, 1, 2, 3 }, 4, { { 1, FALSE }, { 2, FALSE }, { 3, FALSE }, { 0, FALSE } } },
};

typedef struct
{
  const char *name;
  Situation   situation;
  Driver      driver;
} SituationCase;

static const SituationCase situations[] = {
  { "plain-thread/start", SIT_PLAIN_THREAD, DRIVER_START },
  { "plain-thread/run-async", SIT_PLAIN_THREAD, DRIVER_RUN_ASYNC },
  { "owner-thread/run-async", SIT_OWNER_THREAD, DRIVER_RUN_ASYNC },
  { "signal-handler/run-async", SIT_SIGNAL_HANDLER, DRIVER_RUN_ASYNC },
  { "thread-loop-async/start", SIT_THREAD_LOOP_ASYNC, DRIVER_START },
  { "thread-loop-async/run-async", SIT_THREAD_LOOP_ASYNC, DRIVER_RUN_ASYNC },
  { "main-loop-async/start", SIT_MAIN_LOOP_ASYNC, DRIVER_START },
  { "main-loop-async/run-async", SIT_MAIN_LOOP_ASYNC, DRIVER_RUN_ASYNC },
  { "several-waiters/start", SIT_SEVERAL_WAITERS, DRIVER_START },
  { "several-waiters/run-async", SIT_SEVERAL_WAITERS, DRIVER_RUN_ASYNC },
};

typedef struct
{
  const Shape         *shape;
  const SituationCase *situation;
  Op                   op;
} MatrixCase;

typedef struct _Scenario Scenario;

typedef struct
{
  Scenario     *sc;
  gboolean      async;
  TestFlag      returned;
  gboolean      ok;
  GPtrArray    *done;
  GPtrArray    *not_done;
  GPtrArray    *gathered;
  GError       *error;
  GThread      *expected_thread;   /* where an async callback must run */
  GMainContext *expected_context;
  GThread      *callback_thread;
  GMainContext *callback_context;
  GMainLoop    *loop;
} Waiter;

typedef struct
{
  TestFlag  completed;
  int       n_completed;
  GThread  *thread;
} Watch;

struct _Scenario
{
  const MatrixCase *mc;
  Tracker           tracker;
  ConcurraRunner   *runners[2];
  Run               runs[2];
  ConcurraRunner   *done_runner;
  ConcurraTask     *trigger;
  ConcurraTask     *tasks[N_MAX_SPECS];
  Job              *jobs[N_MAX_SPECS];
  Watch             watches[N_MAX_SPECS];
  ConcurraTask     *input[N_MAX_INPUT];
  guint             n_input;
  guint             return_step;
  Waiter            waiters[N_MAX_WAITERS];
  guint             n_waiters;
  TestFlag          releaser_done;
};

static gint64
spec_value (guint spec)
{
  return 100 + spec;
}

static gboolean
spec_cancelled (const Shape *shape,
                int          spec)
{
  for (guint s = 0; s < shape->n_steps; s++)
    if (shape->steps[s].spec == spec)
      return shape->steps[s].cancel;
  return FALSE;
}

static gboolean
spec_fails (const Shape *shape,
            int          spec)
{
  return shape->specs[spec].fail || spec_cancelled (shape, spec);
}

/* Whether @spec is done after the first @step releases. */
static gboolean
spec_done_at (const Shape *shape,
              int          spec,
              guint        step)
{
  if (shape->specs[spec].kind == 'd')
    return TRUE;
  for (guint s = 0; s < step; s++)
    if (shape->steps[s].spec == spec)
      return TRUE;
  return FALSE;
}

/* The spec whose failure a gather reports at @step, in arrival order:
 * tasks done before the call arrive first in input order, then releases. */
static int
first_failed_at (const Shape *shape,
                 guint        step)
{
  for (guint i = 0; i < shape->n_input; i++)
    {
      int spec = shape->input[i];

      if (shape->specs[spec].kind == 'd' && shape->specs[spec].fail)
        return spec;
    }
  for (guint s = 0; s < step; s++)
    if (spec_fails (shape, shape->steps[s].spec))
      return shape->steps[s].spec;
  return -1;
}

/* The first step after which the operation returns: 0 means at once. */
static guint
expected_return_step (const Shape *shape,
                      Op           op)
{
  for (guint step = 0; step <= shape->n_steps; step++)
    {
      guint n_done = 0, n_failed = 0;

      for (guint i = 0; i < shape->n_input; i++)
        if (spec_done_at (shape, shape->input[i], step))
          {
            n_done++;
            if (spec_fails (shape, shape->input[i]))
              n_failed++;
          }

      switch (op)
        {
        case OP_WAIT_ALL:
        case OP_GATHER_ERRORS:
          if (n_done == shape->n_input)
            return step;
          break;
        case OP_WAIT_FIRST:
          if (n_done >= MIN (shape->n_input, 1))
            return step;
          break;
        case OP_WAIT_EXCEPTION:
        case OP_GATHER:
          if (n_failed > 0 || n_done == shape->n_input)
            return step;
          break;
        case N_OPS:
        default:
          g_assert_not_reached ();
        }
    }
  g_assert_not_reached ();
}

static ConcurraReturnWhen
op_return_when (Op op)
{
  switch (op)
    {
    case OP_WAIT_FIRST:
      return CONCURRA_RETURN_WHEN_FIRST_COMPLETED;
    case OP_WAIT_EXCEPTION:
      return CONCURRA_RETURN_WHEN_FIRST_EXCEPTION;
    case OP_WAIT_ALL:
    case OP_GATHER:
    case OP_GATHER_ERRORS:
    case N_OPS:
    default:
      return CONCURRA_RETURN_WHEN_ALL_COMPLETED;
    }
}

/* Half the operations wait forever, half with a (never reached) timeout. */
static double
op_timeout (Op op)
{
  return (op == OP_WAIT_ALL || op == OP_GATHER || op == OP_WAIT_EXCEPTION) ? -1.0 : TEST_LONG_WAIT;
}

static void
waiter_returned (Waiter *w)
{
  flag_raise (&w->returned);
}

static void
op_sync (Waiter *w)
{
  Scenario *sc = w->sc;
  Op op = sc->mc->op;

  if (op == OP_GATHER || op == OP_GATHER_ERRORS)
    {
      w->gathered = concurra_gather (sc->input, sc->n_input,
                                     op == OP_GATHER ? CONCURRA_GATHER_NONE
                                                     : CONCURRA_GATHER_RETURN_ERRORS,
                                     op_timeout (op), NULL, &w->error);
      w->ok = w->gathered != NULL;
    }
  else
    w->ok = concurra_wait (sc->input, sc->n_input, op_return_when (op), op_timeout (op),
                           NULL, &w->done, &w->not_done, &w->error);
  waiter_returned (w);
}

static void
op_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Waiter *w = user_data;
  Op op = w->sc->mc->op;

  g_assert_null (source);
  w->callback_thread = g_thread_self ();
  w->callback_context = g_main_context_ref_thread_default ();
  if (op == OP_GATHER || op == OP_GATHER_ERRORS)
    {
      w->gathered = concurra_gather_finish (result, &w->error);
      w->ok = w->gathered != NULL;
    }
  else
    w->ok = concurra_wait_finish (result, &w->done, &w->not_done, &w->error);
  if (w->loop != NULL)
    g_main_loop_quit (w->loop);
  waiter_returned (w);
}

static void
op_async (Waiter *w)
{
  Scenario *sc = w->sc;
  Op op = sc->mc->op;

  w->async = TRUE;
  w->expected_thread = g_thread_self ();
  w->expected_context = g_main_context_ref_thread_default ();
  if (op == OP_GATHER || op == OP_GATHER_ERRORS)
    concurra_gather_async (sc->input, sc->n_input,
                           op == OP_GATHER ? CONCURRA_GATHER_NONE : CONCURRA_GATHER_RETURN_ERRORS,
                           op_timeout (op), NULL, op_async_done, w);
  else
    concurra_wait_async (sc->input, sc->n_input, op_return_when (op), op_timeout (op),
                         NULL, op_async_done, w);
  /* callbacks never run inside the call */
  g_assert_false (test_flag_is_set (&w->returned));
}

static gpointer
sync_waiter_thread (gpointer data)
{
  op_sync (data);
  return NULL;
}

static gpointer
async_waiter_thread (gpointer data)
{
  Waiter *w = data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  w->loop = g_main_loop_new (context, FALSE);
  op_async (w);
  g_main_loop_run (w->loop);
  g_clear_pointer (&w->loop, g_main_loop_unref);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static void
await_waiters (Scenario *sc)
{
  for (guint i = 0; i < sc->n_waiters; i++)
    await_flag (&sc->waiters[i].returned, "the waiter to return");
}

/* Opens the gates one at a time, waiting for each task's "completed"
 * signal, and for the waiters when they are expected to have returned. */
static void
release (Scenario *sc)
{
  const Shape *shape = sc->mc->shape;

  for (guint s = 0; s < shape->n_steps; s++)
    {
      int spec = shape->steps[s].spec;

      if (s == sc->return_step)
        await_waiters (sc);
      if (shape->steps[s].cancel)
        g_assert_true (concurra_task_cancel (sc->tasks[spec]));
      else
        job_open (sc->jobs[spec]);
      await_flag (&sc->watches[spec].completed, "a released task to complete");
    }
  if (sc->return_step == shape->n_steps)
    await_waiters (sc);
  flag_raise (&sc->releaser_done);
}

static gpointer
releaser_thread (gpointer data)
{
  release (data);
  return NULL;
}

static void
on_task_completed (ConcurraTask *task,
                   Watch        *watch)
{
  g_assert_true (test_task_is_terminal (task));
  g_assert_true (concurra_task_is_done (task));
  watch->thread = g_thread_self ();
  watch->n_completed++;
  flag_raise (&watch->completed);
}

static void
on_trigger_finished (ConcurraRunner *runner,
                     ConcurraTask   *task,
                     Scenario       *sc)
{
  if (task != sc->trigger)
    return;
  g_assert_true (g_thread_self () == main_thread);
  op_sync (&sc->waiters[0]);
}

static void
check_waiter (Scenario *sc,
              Waiter   *w)
{
  const Shape *shape = sc->mc->shape;
  Op op = sc->mc->op;
  guint step = sc->return_step;

  if (w->async)
    {
      g_assert_true (w->callback_thread == w->expected_thread);
      g_assert_true (w->callback_context == w->expected_context);
    }

  if (op == OP_GATHER || (op == OP_GATHER_ERRORS))
    {
      int failed = op == OP_GATHER ? first_failed_at (shape, step) : -1;

      if (failed >= 0)
        {
          g_autofree char *message = NULL;

          g_assert_false (w->ok);
          g_assert_null (w->gathered);
          if (spec_cancelled (shape, failed))
            {
              g_assert_error (w->error, CONCURRA_ERROR, CONCURRA_ERROR_TERMINATED);
              message = g_strdup_printf ("Task 't%d' failed: Task was cancelled", failed);
            }
          else
            {
              g_assert_error (w->error, G_IO_ERROR, G_IO_ERROR_FAILED);
              message = g_strdup_printf ("Task 't%d' failed: boom-%" G_GINT64_FORMAT,
                                         failed, spec_value (failed));
            }
          g_assert_cmpstr (w->error->message, ==, message);
        }
      else
        {
          g_assert_no_error (w->error);
          g_assert_true (w->ok);
          assert_tasks (w->gathered, sc->input, sc->n_input);
        }
      return;
    }

  /* wait: done / not_done are the distinct tasks, in input order */
  {
    ConcurraTask *done[N_MAX_INPUT], *not_done[N_MAX_INPUT];
    guint n_done = 0, n_not_done = 0;
    gboolean seen[N_MAX_SPECS] = { FALSE, };

    g_assert_no_error (w->error);
    g_assert_true (w->ok);
    for (guint i = 0; i < shape->n_input; i++)
      {
        int spec = shape->input[i];

        if (seen[spec])
          continue;
        seen[spec] = TRUE;
        if (spec_done_at (shape, spec, step))
          done[n_done++] = sc->tasks[spec];
        else
          not_done[n_not_done++] = sc->tasks[spec];
      }
    assert_tasks (w->done, done, n_done);
    assert_tasks (w->not_done, not_done, n_not_done);
  }
}

static void
waiter_clear (Waiter *w)
{
  g_clear_pointer (&w->done, g_ptr_array_unref);
  g_clear_pointer (&w->not_done, g_ptr_array_unref);
  g_clear_pointer (&w->gathered, g_ptr_array_unref);
  g_clear_error (&w->error);
  g_clear_pointer (&w->expected_context, g_main_context_unref);
  g_clear_pointer (&w->callback_context, g_main_context_unref);
  test_flag_clear (&w->returned);
}

static void
test_matrix (gconstpointer data)
{
  const MatrixCase *mc = data;
  const Shape *shape = mc->shape;
  Situation sit = mc->situation->situation;
  Driver driver = mc->situation->driver;
  Scenario *sc = g_new0 (Scenario, 1);
  GThread *threads[N_MAX_WAITERS + 1];
  guint n_threads = 0;
  gboolean two_runners = FALSE;

  sc->mc = mc;
  tracker_init (&sc->tracker);
  test_flag_init (&sc->releaser_done);
  sc->return_step = expected_return_step (shape, mc->op);

  /* tasks done before the call come from a runner that already ran */
  for (guint i = 0; i < shape->n_specs; i++)
    if (shape->specs[i].kind == 'd')
      {
        g_autofree char *label = g_strdup_printf ("t%u", i);

        if (sc->done_runner == NULL)
          sc->done_runner = track (&sc->tracker, new_runner ("done-before"));
        sc->jobs[i] = job_new (JOB_NOW, spec_value (i), shape->specs[i].fail);
        sc->tasks[i] = track (&sc->tracker, add_job (sc->done_runner, label, NULL, sc->jobs[i]));
      }
  if (sc->done_runner != NULL)
    {
      g_autoptr(GHashTable) results = concurra_runner_run (sc->done_runner, NULL, NULL);
      g_assert_nonnull (results);
    }

  sc->runners[0] = track (&sc->tracker, new_runner ("matrix-0"));
  for (guint i = 0; i < shape->n_specs; i++)
    if (shape->specs[i].kind == 'p')
      {
        g_autofree char *label = g_strdup_printf ("t%u", i);
        int r = shape->specs[i].runner;

        if (r == 1 && sc->runners[1] == NULL)
          {
            sc->runners[1] = track (&sc->tracker, new_runner ("matrix-1"));
            two_runners = TRUE;
          }
        sc->jobs[i] = job_new (JOB_GATE, spec_value (i), shape->specs[i].fail);
        sc->tasks[i] = track (&sc->tracker, add_job (sc->runners[r], label, NULL, sc->jobs[i]));
        test_flag_init (&sc->watches[i].completed);
        g_signal_connect (sc->tasks[i], "completed", G_CALLBACK (on_task_completed), &sc->watches[i]);
      }
  if (sit == SIT_SIGNAL_HANDLER)
    {
      sc->trigger = track (&sc->tracker, add_job (sc->runners[0], "trigger", NULL,
                                                  job_new (JOB_NOW, 0, FALSE)));
      g_signal_connect (sc->runners[0], "task-finished", G_CALLBACK (on_trigger_finished), sc);
    }

  sc->n_input = shape->n_input;
  for (guint i = 0; i < shape->n_input; i++)
    sc->input[i] = sc->tasks[shape->input[i]];

  sc->n_waiters = sit == SIT_SEVERAL_WAITERS ? 4 : 1;
  for (guint i = 0; i < sc->n_waiters; i++)
    {
      sc->waiters[i].sc = sc;
      test_flag_init (&sc->waiters[i].returned);
    }

  run_begin (&sc->runs[0], sc->runners[0], driver);
  /* the second runner always runs in the background: mixed owners */
  if (two_runners)
    run_begin (&sc->runs[1], sc->runners[1], DRIVER_START);

  switch (sit)
    {
    case SIT_PLAIN_THREAD:
      threads[n_threads++] = g_thread_new ("sync-waiter", sync_waiter_thread, &sc->waiters[0]);
      release (sc);
      break;
    case SIT_SEVERAL_WAITERS:
      for (guint i = 0; i < 3; i++)
        threads[n_threads++] = g_thread_new ("sync-waiter", sync_waiter_thread, &sc->waiters[i]);
      threads[n_threads++] = g_thread_new ("async-waiter", async_waiter_thread, &sc->waiters[3]);
      release (sc);
      break;
    case SIT_THREAD_LOOP_ASYNC:
      threads[n_threads++] = g_thread_new ("async-waiter", async_waiter_thread, &sc->waiters[0]);
      release (sc);
      break;
    case SIT_OWNER_THREAD:
      threads[n_threads++] = g_thread_new ("releaser", releaser_thread, sc);
      op_sync (&sc->waiters[0]);
      await_flag (&sc->releaser_done, "the releaser");
      break;
    case SIT_SIGNAL_HANDLER:
      threads[n_threads++] = g_thread_new ("releaser", releaser_thread, sc);
      await_flag (&sc->waiters[0].returned, "the waiter in the signal handler");
      await_flag (&sc->releaser_done, "the releaser");
      break;
    case SIT_MAIN_LOOP_ASYNC:
      threads[n_threads++] = g_thread_new ("releaser", releaser_thread, sc);
      op_async (&sc->waiters[0]);
      await_flag (&sc->waiters[0].returned, "the async waiter");
      await_flag (&sc->releaser_done, "the releaser");
      break;
    default:
      g_assert_not_reached ();
    }
  for (guint i = 0; i < n_threads; i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < sc->n_waiters; i++)
    check_waiter (sc, &sc->waiters[i]);

  run_end (&sc->runs[0]);
  if (two_runners)
    run_end (&sc->runs[1]);

  /* final states, and "completed" once per task on the owner context */
  for (guint i = 0; i < shape->n_specs; i++)
    {
      ConcurraTask *task = sc->tasks[i];

      if (shape->specs[i].kind == 'p')
        {
          Driver owner = shape->specs[i].runner == 0 ? driver : DRIVER_START;

          g_assert_cmpint (sc->watches[i].n_completed, ==, 1);
          if (owner == DRIVER_RUN_ASYNC && sc->watches[i].thread != main_thread)
            g_error ("task 't%u' of a run_async() runner completed in another thread than "
                     "the one running the runner's context", i);
          if (owner == DRIVER_START)
            g_assert_true (sc->watches[i].thread != main_thread);
          test_flag_clear (&sc->watches[i].completed);
        }
      if (spec_cancelled (shape, i))
        assert_cancelled (task);
      else if (shape->specs[i].fail)
        {
          g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_FAILED);
          g_assert_error ((GError *) concurra_task_get_error (task), G_IO_ERROR, G_IO_ERROR_FAILED);
        }
      else
        assert_task_int (task, spec_value (i));
    }

  for (guint i = 0; i < sc->n_waiters; i++)
    waiter_clear (&sc->waiters[i]);
  for (guint i = 0; i < shape->n_specs; i++)
    if (shape->specs[i].kind == 'p')
      job_open (sc->jobs[i]);
  for (guint i = 0; i < shape->n_specs; i++)
    g_object_unref (sc->tasks[i]);
  g_clear_object (&sc->trigger);
  g_clear_object (&sc->runners[0]);
  g_clear_object (&sc->runners[1]);
  g_clear_object (&sc->done_runner);
  tracker_assert_finalized (&sc->tracker);
  test_flag_clear (&sc->releaser_done);
  g_free (sc);
}

/* ======================================================================
 * wait
 * ====================================================================== */

typedef struct
{
  Tracker         tracker;
  ConcurraRunner *runner;
  ConcurraTask   *tasks[4];
  Job            *jobs[4];
  guint           n;
  Run             run;
} Gated;

/* @n gated tasks t0.. in one runner started with @driver. */
static void
gated_setup (Gated  *g,
             guint   n,
             Driver  driver)
{
  tracker_init (&g->tracker);
  g->n = n;
  g->runner = track (&g->tracker, new_runner ("gated"));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = g_strdup_printf ("t%u", i);

      g->jobs[i] = job_new (JOB_GATE, spec_value (i), FALSE);
      g->tasks[i] = track (&g->tracker, add_job (g->runner, label, NULL, g->jobs[i]));
    }
  run_begin (&g->run, g->runner, driver);
}

static void
gated_teardown (Gated *g)
{
  for (guint i = 0; i < g->n; i++)
    job_open (g->jobs[i]);
  run_end (&g->run);
  for (guint i = 0; i < g->n; i++)
    g_object_unref (g->tasks[i]);
  g_object_unref (g->runner);
  tracker_assert_finalized (&g->tracker);
}

static gpointer
open_later_thread (gpointer data)
{
  g_usleep (G_USEC_PER_SEC / 10);
  job_open (data);
  return NULL;
}

static void
test_wait_timeout (gconstpointer data)
{
  ConcurraReturnWhen when = GPOINTER_TO_INT (data);
  Gated g;
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  gated_setup (&g, 3, DRIVER_START);

  /* nothing finishes: every task is in not_done, and it is not an error */
  start = g_get_monotonic_time ();
  g_assert_true (concurra_wait (g.tasks, 3, when, 0.2, NULL, &done, &not_done, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (test_elapsed (start), >=, 0.19);
  g_assert_cmpfloat (test_elapsed (start), <, TEST_LONG_WAIT);
  assert_tasks (done, NULL, 0);
  assert_tasks (not_done, g.tasks, 3);
  g_clear_pointer (&done, g_ptr_array_unref);
  g_clear_pointer (&not_done, g_ptr_array_unref);

  /* one finishes: for ALL_COMPLETED / FIRST_EXCEPTION the wait still times
   * out, with that one in done; FIRST_COMPLETED returns at once */
  job_open (g.jobs[1]);
  g_assert_true (concurra_task_wait (g.tasks[1], TEST_LONG_WAIT, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (concurra_wait (g.tasks, 3, when, 0.1, NULL, &done, &not_done, &error));
  g_assert_no_error (error);
  assert_tasks (done, (ConcurraTask *[]) { g.tasks[1] }, 1);
  assert_tasks (not_done, (ConcurraTask *[]) { g.tasks[0], g.tasks[2] }, 2);
  g_clear_pointer (&done, g_ptr_array_unref);
  g_clear_pointer (&not_done, g_ptr_array_unref);

  /* timeout 0: a non-blocking check */
  start = g_get_monotonic_time ();
  g_assert_true (concurra_wait (g.tasks, 3, when, 0, NULL, &done, &not_done, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (test_elapsed (start), <, 1.0);
  assert_tasks (done, (ConcurraTask *[]) { g.tasks[1] }, 1);
  g_clear_pointer (&done, g_ptr_array_unref);
  g_clear_pointer (&not_done, g_ptr_array_unref);

  /* done and not_done are optional */
  g_assert_true (concurra_wait (g.tasks, 3, when, 0.05, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  /* a timeout too long to ever end (1e300 s) waits; it does not overflow
   * into a deadline in the past */
  {
    GThread *opener = g_thread_new ("opener", open_later_thread, g.jobs[0]);

    g_assert_true (concurra_task_wait (g.tasks[0], 1e300, NULL, &error));
    g_assert_no_error (error);
    g_thread_join (opener);
  }

  gated_teardown (&g);
}

typedef struct
{
  gboolean   returned;
  gboolean   ok;
  GPtrArray *done;
  GPtrArray *not_done;
  GPtrArray *gathered;
  GHashTable *keyed;
  GError    *error;
  GThread   *thread;
} AsyncResult;

static void
async_result_clear (AsyncResult *r)
{
  g_clear_pointer (&r->done, g_ptr_array_unref);
  g_clear_pointer (&r->not_done, g_ptr_array_unref);
  g_clear_pointer (&r->gathered, g_ptr_array_unref);
  g_clear_pointer (&r->keyed, g_hash_table_unref);
  g_clear_error (&r->error);
  r->returned = FALSE;
}

static void
wait_async_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncResult *r = user_data;

  r->thread = g_thread_self ();
  r->ok = concurra_wait_finish (result, &r->done, &r->not_done, &r->error);
  r->returned = TRUE;
}

static void
test_wait_async_timeout (gconstpointer data)
{
  ConcurraReturnWhen when = GPOINTER_TO_INT (data);
  AsyncResult r = { 0, };
  Gated g;
  gint64 start;

  gated_setup (&g, 3, DRIVER_RUN_ASYNC);

  start = g_get_monotonic_time ();
  concurra_wait_async (g.tasks, 3, when, 0.2, NULL, wait_async_cb, &r);
  iterate_until (&r.returned);
  g_assert_cmpfloat (test_elapsed (start), >=, 0.19);
  g_assert_true (r.thread == main_thread);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  assert_tasks (r.done, NULL, 0);
  assert_tasks (r.not_done, g.tasks, 3);
  async_result_clear (&r);

  job_open (g.jobs[2]);
  g_assert_true (concurra_task_wait (g.tasks[2], TEST_LONG_WAIT, NULL, NULL));
  concurra_wait_async (g.tasks, 3, when, 0.1, NULL, wait_async_cb, &r);
  iterate_until (&r.returned);
  g_assert_true (r.ok);
  assert_tasks (r.done, (ConcurraTask *[]) { g.tasks[2] }, 1);
  assert_tasks (r.not_done, g.tasks, 2);
  async_result_clear (&r);

  gated_teardown (&g);
}

static gpointer
cancel_later_thread (gpointer data)
{
  GCancellable *cancellable = data;

  /* the waiter may or may not be blocked yet: both must work */
  g_cancellable_cancel (cancellable);
  return NULL;
}

static void
test_wait_cancellable (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  GPtrArray *done = NULL, *not_done = NULL;
  g_autoptr(GError) error = NULL;
  AsyncResult r = { 0, };
  GThread *thread;
  Gated g;

  gated_setup (&g, 2, DRIVER_START);

  /* cancelled from another thread while waiting */
  thread = g_thread_new ("cancel", cancel_later_thread, cancellable);
  g_assert_false (concurra_wait (g.tasks, 2, CONCURRA_RETURN_WHEN_ALL_COMPLETED, -1,
                                 cancellable, &done, &not_done, &error));
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (done);
  g_assert_null (not_done);
  g_clear_error (&error);

  /* already cancelled */
  g_cancellable_cancel (cancelled);
  g_assert_false (concurra_wait (g.tasks, 2, CONCURRA_RETURN_WHEN_FIRST_COMPLETED, TEST_LONG_WAIT,
                                 cancelled, &done, &not_done, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* gather and task_wait too */
  g_assert_null (concurra_gather (g.tasks, 2, CONCURRA_GATHER_NONE, -1, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (concurra_task_wait (g.tasks[0], -1, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* async, cancelled from another thread while the loop runs */
  g_cancellable_reset (cancellable);
  concurra_wait_async (g.tasks, 2, CONCURRA_RETURN_WHEN_FIRST_EXCEPTION, -1, cancellable,
                       wait_async_cb, &r);
  thread = g_thread_new ("cancel", cancel_later_thread, cancellable);
  iterate_until (&r.returned);
  g_thread_join (thread);
  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (r.done);
  g_assert_null (r.not_done);
  async_result_clear (&r);

  /* the tasks themselves were not touched by cancelling the waits */
  g_assert_false (concurra_task_is_done (g.tasks[0]));
  g_assert_false (concurra_task_is_done (g.tasks[1]));
  gated_teardown (&g);
}

/* A NaN timeout is a programming error, refused at once rather than
 * read as "forever" (its conversion to a deadline was undefined). */
static void
test_wait_nan_timeout (void)
{
  g_autoptr(ConcurraTask) task = concurra_task_new ("never-added", job_func, job_new (JOB_NOW, 1, FALSE), job_free);
  g_autoptr(GError) error = NULL;

  g_test_expect_message ("Concurra", G_LOG_LEVEL_CRITICAL, "*concurra_timeout_is_valid*");
  g_assert_false (concurra_wait (&task, 1, CONCURRA_RETURN_WHEN_ALL_COMPLETED, NAN,
                                 NULL, NULL, NULL, &error));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Concurra", G_LOG_LEVEL_CRITICAL, "*concurra_timeout_is_valid*");
  g_assert_false (concurra_task_wait (task, NAN, NULL, &error));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Concurra", G_LOG_LEVEL_CRITICAL, "*concurra_timeout_is_valid*");
  g_assert_null (concurra_gather (&task, 1, CONCURRA_GATHER_NONE, NAN, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
}

/* Tasks never added to a runner never complete: waits time out. */
static void
test_wait_unscheduled (void)
{
  g_autoptr(ConcurraTask) task = concurra_task_new ("alone", job_func, job_new (JOB_NOW, 1, FALSE), job_free);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  g_autoptr(GError) error = NULL;
  ConcurraTask *tasks[] = { task };
  Tracker tracker;

  tracker_init (&tracker);
  track (&tracker, task);
  g_assert_false (concurra_task_is_done (task));
  g_assert_true (concurra_wait (tasks, 1, CONCURRA_RETURN_WHEN_FIRST_COMPLETED, 0.05,
                                NULL, &done, &not_done, &error));
  g_assert_no_error (error);
  assert_tasks (done, NULL, 0);
  assert_tasks (not_done, tasks, 1);
  g_assert_false (concurra_task_wait (task, 0.05, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_clear_error (&error);
  g_assert_null (concurra_gather (tasks, 1, CONCURRA_GATHER_NONE, 0.05, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);

  g_clear_pointer (&done, g_ptr_array_unref);
  g_clear_pointer (&not_done, g_ptr_array_unref);
  g_clear_object (&task);
  tracker_assert_finalized (&tracker);
}

/* A waiter registered while the runner is still idle wakes when the run,
 * started later by another thread's start() or this thread's run_async(),
 * completes the task. */
static gpointer
wait_all_thread (gpointer data)
{
  Gated *g = data;
  GPtrArray *done = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (concurra_wait (g->tasks, g->n, CONCURRA_RETURN_WHEN_ALL_COMPLETED, TEST_LONG_WAIT,
                                NULL, &done, NULL, &error));
  g_assert_no_error (error);
  return done;
}

static void
test_wait_before_start (gconstpointer data)
{
  Driver driver = GPOINTER_TO_INT (data);
  GPtrArray *done;
  GThread *thread;
  Gated g;

  tracker_init (&g.tracker);
  g.n = 2;
  g.runner = track (&g.tracker, new_runner ("later"));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *label = g_strdup_printf ("t%u", i);

      g.jobs[i] = job_new (JOB_NOW, spec_value (i), FALSE);
      g.tasks[i] = track (&g.tracker, add_job (g.runner, label, NULL, g.jobs[i]));
    }

  thread = g_thread_new ("waiter", wait_all_thread, &g);
  run_begin (&g.run, g.runner, driver);
  run_end (&g.run);
  done = g_thread_join (thread);
  assert_tasks (done, g.tasks, 2);
  g_ptr_array_unref (done);

  for (guint i = 0; i < 2; i++)
    g_object_unref (g.tasks[i]);
  g_object_unref (g.runner);
  tracker_assert_finalized (&g.tracker);
}

/* ======================================================================
 * cancel: the race, the freed slot, the idle runner
 * ====================================================================== */

static void
test_race_mirrors (void)
{
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  ConcurraTask *mirrors[3];
  Job *jobs[3];
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("mirrors"));
  jobs[0] = job_new (JOB_UNTIL_CANCELLED, 1, FALSE);
  jobs[1] = job_new (JOB_GATE, 2, FALSE);
  jobs[2] = job_new (JOB_UNTIL_CANCELLED, 3, FALSE);
  mirrors[0] = track (&tracker, add_job (runner, "mirror-a", NULL, jobs[0]));
  mirrors[1] = track (&tracker, add_job (runner, "mirror-b", NULL, jobs[1]));
  mirrors[2] = track (&tracker, add_job (runner, "mirror-c", NULL, jobs[2]));
  run_begin (&run, runner, DRIVER_START);
  for (guint i = 0; i < 3; i++)
    await_flag (&jobs[i]->started, "a mirror to start");

  /* b answers first */
  job_open (jobs[1]);
  g_assert_true (concurra_wait (mirrors, 3, CONCURRA_RETURN_WHEN_FIRST_COMPLETED, -1,
                                NULL, &done, &not_done, &error));
  g_assert_no_error (error);
  assert_tasks (done, (ConcurraTask *[]) { mirrors[1] }, 1);
  assert_tasks (not_done, (ConcurraTask *[]) { mirrors[0], mirrors[2] }, 2);
  assert_task_int (g_ptr_array_index (done, 0), 2);

  /* cancel the losers */
  for (guint i = 0; i < not_done->len; i++)
    g_assert_true (concurra_task_cancel (g_ptr_array_index (not_done, i)));
  g_assert_false (concurra_task_cancel (mirrors[1]));
  all = concurra_gather ((ConcurraTask **) not_done->pdata, not_done->len,
                         CONCURRA_GATHER_RETURN_ERRORS, TEST_LONG_WAIT, NULL, &error);
  g_assert_no_error (error);
  assert_tasks (all, (ConcurraTask **) not_done->pdata, 2);

  for (guint i = 0; i < 3; i += 2)
    {
      assert_cancelled (mirrors[i]);
      g_assert_null (concurra_task_get_value (mirrors[i]));
      /* its function saw the cancellable fire and came back */
      await_flag (&jobs[i]->exited, "a cancelled mirror to return");
      g_assert_true (jobs[i]->saw_cancel);
      g_assert_false (concurra_task_cancel (mirrors[i]));
    }
  g_assert_false (jobs[1]->saw_cancel);

  run_end (&run);
  /* the late results of the cancelled mirrors were dropped */
  assert_cancelled (mirrors[0]);
  assert_cancelled (mirrors[2]);
  assert_task_int (mirrors[1], 2);
  g_assert_cmpuint (concurra_runner_get_n_failed (runner), ==, 2);

  g_clear_pointer (&done, g_ptr_array_unref);
  g_clear_pointer (&not_done, g_ptr_array_unref);
  g_clear_pointer (&all, g_ptr_array_unref);
  for (guint i = 0; i < 3; i++)
    g_object_unref (mirrors[i]);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* The same race, asynchronously in the main loop of a run_async() runner. */
typedef struct
{
  ConcurraTask **mirrors;
  gboolean       finished;
  GPtrArray     *losers;
} AsyncRace;

static void
race_gathered (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncRace *race = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) gathered = concurra_gather_finish (result, &error);

  g_assert_true (g_thread_self () == main_thread);
  /* without RETURN_ERRORS the first cancelled loser fails the gather */
  g_assert_null (gathered);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TERMINATED);
  g_assert_true (g_str_has_prefix (error->message, "Task 'mirror-"));
  g_assert_true (g_str_has_suffix (error->message, "' failed: Task was cancelled"));
  race->finished = TRUE;
}

static void
race_first (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncRace *race = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) done = NULL;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_true (concurra_wait_finish (result, &done, &race->losers, &error));
  g_assert_no_error (error);
  assert_tasks (done, (ConcurraTask *[]) { race->mirrors[2] }, 1);
  assert_tasks (race->losers, race->mirrors, 2);
  for (guint i = 0; i < race->losers->len; i++)
    g_assert_true (concurra_task_cancel (g_ptr_array_index (race->losers, i)));
  concurra_gather_async ((ConcurraTask **) race->losers->pdata, race->losers->len,
                         CONCURRA_GATHER_NONE, -1, NULL, race_gathered, race);
}

static void
test_race_mirrors_async (void)
{
  ConcurraTask *mirrors[3];
  Job *jobs[3];
  Tracker tracker;
  ConcurraRunner *runner;
  AsyncRace race = { mirrors, FALSE, NULL };
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("mirrors-async"));
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *label = g_strdup_printf ("mirror-%c", 'a' + i);

      jobs[i] = job_new (i == 2 ? JOB_GATE : JOB_UNTIL_CANCELLED, i, FALSE);
      mirrors[i] = track (&tracker, add_job (runner, label, NULL, jobs[i]));
    }
  run_begin (&run, runner, DRIVER_RUN_ASYNC);
  concurra_wait_async (mirrors, 3, CONCURRA_RETURN_WHEN_FIRST_COMPLETED, -1, NULL, race_first, &race);
  job_open (jobs[2]);
  iterate_until (&race.finished);
  run_end (&run);

  assert_cancelled (mirrors[0]);
  assert_cancelled (mirrors[1]);
  assert_task_int (mirrors[2], 2);
  g_ptr_array_unref (race.losers);
  for (guint i = 0; i < 3; i++)
    g_object_unref (mirrors[i]);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* With max-concurrency 2, cancelling a running task lets the queued third
 * start while the cancelled one's thread is still stuck in user code. */
static void
test_cancel_frees_slot (gconstpointer data)
{
  Driver driver = GPOINTER_TO_INT (data);
  const char *after_a[] = { "a", NULL };
  ConcurraTask *a, *b, *c, *d;
  Job *ja, *jb, *jc;
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("slots"));
  concurra_runner_set_max_concurrency (runner, 2);
  ja = job_new (JOB_GATE, 1, FALSE);
  ja->honour_cancel = FALSE;   /* stuck: ignores its cancellable */
  jb = job_new (JOB_GATE, 2, FALSE);
  jc = job_new (JOB_GATE, 3, FALSE);
  a = track (&tracker, add_job (runner, "a", NULL, ja));
  b = track (&tracker, add_job (runner, "b", NULL, jb));
  c = track (&tracker, add_job (runner, "c", NULL, jc));
  d = track (&tracker, add_job (runner, "d", after_a, job_new (JOB_NOW, 4, FALSE)));
  run_begin (&run, runner, driver);

  await_flag (&ja->started, "a to start");
  await_flag (&jb->started, "b to start");
  g_assert_false (test_flag_is_set (&jc->started));
  g_assert_cmpint (concurra_task_get_status (c), ==, CONCURRA_TASK_STATUS_PENDING);

  g_assert_true (concurra_task_cancel (a));
  g_assert_true (concurra_task_wait (a, TEST_LONG_WAIT, NULL, NULL));
  assert_cancelled (a);
  /* d depended on a: skipped, never ran */
  g_assert_true (concurra_task_wait (d, TEST_LONG_WAIT, NULL, NULL));
  test_assert_task_error (d, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_DEPENDENCY_FAILED,
                          "Skipped: dependency [a] failed or was terminated");
  g_assert_cmpuint (concurra_task_get_attempts (d), ==, 0);

  /* a's thread is still stuck, yet c gets its slot */
  await_flag (&jc->started, "c to start in the freed slot");
  g_assert_false (test_flag_is_set (&ja->exited));
  g_assert_false (ja->saw_cancel);

  job_open (jc);
  job_open (jb);
  g_assert_true (concurra_task_wait (c, TEST_LONG_WAIT, NULL, NULL));
  g_assert_true (concurra_task_wait (b, TEST_LONG_WAIT, NULL, NULL));
  assert_task_int (b, 2);
  assert_task_int (c, 3);

  /* the stuck thread comes back late; its result is dropped */
  job_open (ja);
  await_flag (&ja->exited, "the stuck thread to return");
  g_assert_true (ja->saw_cancel);   /* its cancellable was cancelled */
  run_end (&run);
  assert_cancelled (a);
  g_assert_null (concurra_task_get_value (a));

  g_object_unref (a);
  g_object_unref (b);
  g_object_unref (c);
  g_object_unref (d);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

static void
test_cancel_idle_runner (void)
{
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  const char *after_b[] = { "b", NULL };
  ConcurraTask *a, *b, *c, *loose;
  Job *jb;
  Tracker tracker;
  ConcurraRunner *runner;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("idle"));
  a = track (&tracker, add_job (runner, "a", NULL, job_new (JOB_NOW, 1, FALSE)));
  jb = job_new (JOB_NOW, 2, FALSE);
  b = track (&tracker, add_job (runner, "b", NULL, jb));
  c = track (&tracker, add_job (runner, "c", after_b, job_new (JOB_NOW, 3, FALSE)));

  /* not done yet: TRUE; it is terminated when the run starts */
  g_assert_true (concurra_task_cancel (b));

  /* a task cancelled before it was even added */
  loose = track (&tracker, concurra_task_new ("loose", job_func, job_new (JOB_NOW, 4, FALSE), job_free));
  g_assert_true (concurra_task_cancel (loose));
  g_assert_true (concurra_runner_add (runner, loose, "loose", NULL, &error));
  g_assert_no_error (error);

  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (results);

  assert_task_int (a, 1);
  assert_cancelled (b);
  g_assert_cmpuint (concurra_task_get_attempts (b), ==, 0);
  g_assert_false (test_flag_is_set (&jb->started));
  test_assert_task_error (c, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_DEPENDENCY_FAILED,
                          "Skipped: dependency [b] failed or was terminated");
  assert_cancelled (loose);

  /* done: cancel is a no-op */
  g_assert_false (concurra_task_cancel (a));
  g_assert_false (concurra_task_cancel (b));

  g_clear_pointer (&results, g_hash_table_unref);
  g_object_unref (a);
  g_object_unref (b);
  g_object_unref (c);
  g_object_unref (loose);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* A task that outlives its runner, which never ran: its handle on the
 * runner was detached, so cancelling it and waiting for it reach no runner
 * (and no freed one). */
static void
test_cancel_runner_gone (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  Tracker tracker;
  ConcurraRunner *runner;
  ConcurraTask *task;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("gone"));
  task = track (&tracker, concurra_task_new ("t", job_func, job_new (JOB_NOW, 1, FALSE), job_free));
  g_assert_true (concurra_runner_add (runner, task, "t", NULL, &error));
  g_assert_no_error (error);
  g_object_unref (runner);

  g_assert_true (concurra_wait (&task, 1, CONCURRA_RETURN_WHEN_ALL_COMPLETED, 0.01,
                                NULL, &done, &not_done, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (done->len, ==, 0);
  g_assert_cmpuint (not_done->len, ==, 1);

  g_assert_true (concurra_task_cancel (task));
  g_assert_false (concurra_task_is_done (task));

  g_clear_pointer (&done, g_ptr_array_unref);
  g_clear_pointer (&not_done, g_ptr_array_unref);
  g_object_unref (task);
  tracker_assert_finalized (&tracker);
}

/* concurra_task_cancel() from a plain thread while run_async() runs: the
 * termination and its signals happen on the owner (main) thread. */
typedef struct
{
  ConcurraTask *task;
  gboolean      result;
} CancelCall;

static gpointer
cancel_thread (gpointer data)
{
  CancelCall *call = data;

  call->result = concurra_task_cancel (call->task);
  return NULL;
}

static void
record_thread (ConcurraTask *task,
               GThread     **thread)
{
  *thread = g_thread_self ();
}

static void
test_cancel_from_thread (void)
{
  GThread *completed_in = NULL;
  CancelCall call;
  ConcurraTask *task;
  Job *job;
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("cancel-thread"));
  job = job_new (JOB_UNTIL_CANCELLED, 1, FALSE);
  task = track (&tracker, add_job (runner, "victim", NULL, job));
  g_signal_connect (task, "completed", G_CALLBACK (record_thread), &completed_in);
  run_begin (&run, runner, DRIVER_RUN_ASYNC);
  await_flag (&job->started, "the victim to start");

  call.task = task;
  g_thread_join (g_thread_new ("canceller", cancel_thread, &call));
  g_assert_true (call.result);
  run_end (&run);
  assert_cancelled (task);
  g_assert_true (completed_in == main_thread);

  g_object_unref (task);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* ======================================================================
 * concurra_task_wait, wait_async, "completed"
 * ====================================================================== */

typedef struct
{
  ConcurraTask *task;
  gboolean      ok;
  GError       *error;
} TaskWaitCall;

static gpointer
task_wait_thread (gpointer data)
{
  TaskWaitCall *call = data;

  call->ok = concurra_task_wait (call->task, -1, NULL, &call->error);
  return NULL;
}

static void
test_task_wait (gconstpointer data)
{
  Driver driver = GPOINTER_TO_INT (data);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  TaskWaitCall call = { 0, };
  GThread *thread;
  gint64 start;
  Gated g;

  gated_setup (&g, 2, driver);

  /* timeout */
  start = g_get_monotonic_time ();
  g_assert_false (concurra_task_wait (g.tasks[0], 0.2, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_assert_cmpfloat (test_elapsed (start), >=, 0.19);
  g_clear_error (&error);
  g_assert_false (concurra_task_wait (g.tasks[0], 0, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_clear_error (&error);

  /* cancellable */
  thread = g_thread_new ("cancel", cancel_later_thread, cancellable);
  g_assert_false (concurra_task_wait (g.tasks[0], -1, cancellable, &error));
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* a plain thread waits forever; the main thread (iterating the owner
   * context for run_async) waits too */
  call.task = g.tasks[0];
  thread = g_thread_new ("task-waiter", task_wait_thread, &call);
  job_open (g.jobs[0]);
  g_assert_true (concurra_task_wait (g.tasks[0], -1, NULL, &error));
  g_assert_no_error (error);
  g_thread_join (thread);
  g_assert_no_error (call.error);
  g_assert_true (call.ok);
  assert_task_int (g.tasks[0], spec_value (0));

  /* already done: TRUE at once, even with timeout 0 */
  g_assert_true (concurra_task_wait (g.tasks[0], 0, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (concurra_task_is_done (g.tasks[0]));
  g_assert_false (concurra_task_is_done (g.tasks[1]));

  gated_teardown (&g);
}

typedef struct
{
  gboolean  returned;
  gboolean  ok;
  GError   *error;
  GThread  *thread;
} TaskWaitAsync;

static void
task_wait_async_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  TaskWaitAsync *w = user_data;

  w->thread = g_thread_self ();
  w->ok = concurra_task_wait_finish (CONCURRA_TASK (source), result, &w->error);
  w->returned = TRUE;
}

static void
test_task_wait_async (gconstpointer data)
{
  Driver driver = GPOINTER_TO_INT (data);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  TaskWaitAsync w = { 0, };
  GThread *thread;
  gint64 start;
  Gated g;

  gated_setup (&g, 1, driver);

  start = g_get_monotonic_time ();
  concurra_task_wait_async (g.tasks[0], 0.2, NULL, task_wait_async_cb, &w);
  iterate_until (&w.returned);
  g_assert_cmpfloat (test_elapsed (start), >=, 0.19);
  g_assert_false (w.ok);
  g_assert_error (w.error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_clear_error (&w.error);

  memset (&w, 0, sizeof w);
  concurra_task_wait_async (g.tasks[0], -1, cancellable, task_wait_async_cb, &w);
  thread = g_thread_new ("cancel", cancel_later_thread, cancellable);
  iterate_until (&w.returned);
  g_thread_join (thread);
  g_assert_false (w.ok);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&w.error);

  memset (&w, 0, sizeof w);
  concurra_task_wait_async (g.tasks[0], -1, NULL, task_wait_async_cb, &w);
  job_open (g.jobs[0]);
  iterate_until (&w.returned);
  g_assert_true (w.thread == main_thread);
  g_assert_no_error (w.error);
  g_assert_true (w.ok);
  assert_task_int (g.tasks[0], spec_value (0));

  /* already done: the callback still comes from the loop, not the call */
  memset (&w, 0, sizeof w);
  concurra_task_wait_async (g.tasks[0], 0, NULL, task_wait_async_cb, &w);
  g_assert_false (w.returned);
  iterate_until (&w.returned);
  g_assert_true (w.ok);

  gated_teardown (&g);
}

typedef struct
{
  int      n;
  GThread *thread;
  gboolean final_in_handler;
} CompletedRecord;

static void
on_completed_record (ConcurraTask    *task,
                     CompletedRecord *rec)
{
  rec->n++;
  rec->thread = g_thread_self ();
  rec->final_in_handler = test_task_is_terminal (task) && concurra_task_is_done (task);
}

static void
on_runner_finished_record (ConcurraRunner  *runner,
                           ConcurraTask    *task,
                           GThread        **thread)
{
  *thread = g_thread_self ();
}

/* "completed" fires once per task, whatever its end, on the owner
 * context: the caller of run(), the caller of run_async(), the private
 * thread of start(). */
static void
test_completed_signal (gconstpointer data)
{
  int mode = GPOINTER_TO_INT (data);   /* 0 run, 1 run_async, 2 start */
  const char *after_bad[] = { "bad", NULL };
  CompletedRecord rec[4] = { { 0, }, };
  GThread *finished_thread = NULL;
  ConcurraTask *tasks[4];
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("completed"));
  tasks[0] = track (&tracker, add_job (runner, "good", NULL, job_new (JOB_NOW, 1, FALSE)));
  tasks[1] = track (&tracker, add_job (runner, "bad", NULL, job_new (JOB_NOW, 2, TRUE)));
  tasks[2] = track (&tracker, add_job (runner, "skipped", after_bad, job_new (JOB_NOW, 3, FALSE)));
  tasks[3] = track (&tracker, add_job (runner, "cancelled", NULL, job_new (JOB_NOW, 4, FALSE)));
  g_assert_true (concurra_task_cancel (tasks[3]));
  for (guint i = 0; i < 4; i++)
    g_signal_connect (tasks[i], "completed", G_CALLBACK (on_completed_record), &rec[i]);
  g_signal_connect (runner, "task-finished", G_CALLBACK (on_runner_finished_record), &finished_thread);

  if (mode == 0)
    {
      g_autoptr(GHashTable) results = concurra_runner_run (runner, NULL, NULL);

      g_assert_nonnull (results);
    }
  else
    {
      run_begin (&run, runner, mode == 1 ? DRIVER_RUN_ASYNC : DRIVER_START);
      run_end (&run);
    }

  for (guint i = 0; i < 4; i++)
    {
      g_assert_cmpint (rec[i].n, ==, 1);
      g_assert_true (rec[i].final_in_handler);
      if (mode == 2)
        {
          g_assert_true (rec[i].thread != main_thread);
          g_assert_true (rec[i].thread == finished_thread);
        }
      else
        g_assert_true (rec[i].thread == main_thread);
    }
  assert_task_int (tasks[0], 1);
  g_assert_cmpint (concurra_task_get_status (tasks[1]), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpint (concurra_task_get_status (tasks[2]), ==, CONCURRA_TASK_STATUS_TERMINATED);
  assert_cancelled (tasks[3]);

  for (guint i = 0; i < 4; i++)
    g_object_unref (tasks[i]);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* ======================================================================
 * gather
 * ====================================================================== */

static void
test_gather_order (void)
{
  g_autoptr(GPtrArray) gathered = NULL;
  g_autoptr(GError) error = NULL;
  Gated g;

  gated_setup (&g, 4, DRIVER_START);
  /* finish in reverse order */
  for (int i = 3; i >= 0; i--)
    {
      job_open (g.jobs[i]);
      g_assert_true (concurra_task_wait (g.tasks[i], TEST_LONG_WAIT, NULL, NULL));
    }
  gathered = concurra_gather (g.tasks, 4, CONCURRA_GATHER_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  assert_tasks (gathered, g.tasks, 4);
  for (guint i = 0; i < 4; i++)
    assert_task_int (g_ptr_array_index (gathered, i), spec_value (i));
  g_clear_pointer (&gathered, g_ptr_array_unref);
  gated_teardown (&g);
}

/* The first failure ends the gather at once, while other tasks still run;
 * the error keeps the task's domain and code and names its label. */
static void
test_gather_first_failure (void)
{
  g_autoptr(GPtrArray) gathered = NULL;
  g_autoptr(GError) error = NULL;
  ConcurraTask *tasks[4];
  Job *jobs[4];
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("gather-fail"));
  jobs[0] = job_new (JOB_NOW, 1, FALSE);
  jobs[1] = job_new (JOB_GATE, 2, TRUE);
  jobs[2] = job_new (JOB_GATE, 3, FALSE);
  jobs[3] = job_new (JOB_NOW, 4, TRUE);
  tasks[0] = track (&tracker, add_job (runner, "fetch", NULL, jobs[0]));
  tasks[1] = track (&tracker, add_job (runner, "parse", NULL, jobs[1]));
  tasks[2] = track (&tracker, add_job (runner, "slow", NULL, jobs[2]));
  tasks[3] = track (&tracker, add_job (runner, "lint", NULL, jobs[3]));
  run_begin (&run, runner, DRIVER_START);

  job_open (jobs[1]);
  gathered = concurra_gather (tasks, 3, CONCURRA_GATHER_NONE, -1, NULL, &error);
  g_assert_null (gathered);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "Task 'parse' failed: boom-2");
  /* returned without waiting for the slow one */
  g_assert_false (concurra_task_is_done (tasks[2]));
  g_clear_error (&error);

  /* with RETURN_ERRORS it waits for all and fails nothing */
  job_open (jobs[2]);
  gathered = concurra_gather (tasks, 3, CONCURRA_GATHER_RETURN_ERRORS, -1, NULL, &error);
  g_assert_no_error (error);
  assert_tasks (gathered, tasks, 3);
  assert_task_int (tasks[0], 1);
  g_assert_cmpint (concurra_task_get_status (tasks[1]), ==, CONCURRA_TASK_STATUS_FAILED);
  assert_task_int (tasks[2], 3);
  g_clear_pointer (&gathered, g_ptr_array_unref);

  /* all done already, two failed: the first in input order is reported */
  g_assert_true (concurra_task_wait (tasks[3], TEST_LONG_WAIT, NULL, NULL));
  {
    ConcurraTask *order1[] = { tasks[0], tasks[3], tasks[2], tasks[1] };
    ConcurraTask *order2[] = { tasks[1], tasks[3] };

    g_assert_null (concurra_gather (order1, 4, CONCURRA_GATHER_NONE, 0, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
    g_assert_cmpstr (error->message, ==, "Task 'lint' failed: boom-4");
    g_clear_error (&error);
    g_assert_null (concurra_gather (order2, 2, CONCURRA_GATHER_NONE, -1, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
    g_assert_cmpstr (error->message, ==, "Task 'parse' failed: boom-2");
    g_clear_error (&error);
  }

  run_end (&run);
  for (guint i = 0; i < 4; i++)
    g_object_unref (tasks[i]);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* A CONCURRA_ERROR failure keeps CONCURRA_ERROR and its code. */
static void
test_gather_concurra_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = NULL;
  const char *after_a[] = { "a", NULL };
  ConcurraTask *tasks[2];
  Tracker tracker;
  ConcurraRunner *runner;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("gather-concurra"));
  tasks[0] = track (&tracker, add_job (runner, "a", NULL, job_new (JOB_NOW, 1, TRUE)));
  tasks[1] = track (&tracker, add_job (runner, "b", after_a, job_new (JOB_NOW, 2, FALSE)));
  results = concurra_runner_run (runner, NULL, NULL);
  g_assert_nonnull (results);

  {
    ConcurraTask *only_b[] = { tasks[1] };

    g_assert_null (concurra_gather (only_b, 1, CONCURRA_GATHER_NONE, -1, NULL, &error));
    g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_DEPENDENCY_FAILED);
    g_assert_cmpstr (error->message, ==,
                     "Task 'b' failed: Skipped: dependency [a] failed or was terminated");
  }

  g_clear_pointer (&results, g_hash_table_unref);
  g_object_unref (tasks[0]);
  g_object_unref (tasks[1]);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

static void
test_gather_timeout (void)
{
  g_autoptr(GError) error = NULL;
  gint64 start;
  Gated g;

  gated_setup (&g, 2, DRIVER_START);
  job_open (g.jobs[0]);
  start = g_get_monotonic_time ();
  g_assert_null (concurra_gather (g.tasks, 2, CONCURRA_GATHER_NONE, 0.2, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_assert_cmpfloat (test_elapsed (start), >=, 0.19);
  g_clear_error (&error);
  g_assert_null (concurra_gather (g.tasks, 2, CONCURRA_GATHER_RETURN_ERRORS, 0.05, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_clear_error (&error);
  gated_teardown (&g);
}

static void
test_gather_empty_and_duplicates (void)
{
  g_autoptr(GPtrArray) gathered = NULL;
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) not_done = NULL;
  g_autoptr(GHashTable) empty = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) keyed = NULL;
  g_autoptr(GError) error = NULL;
  Gated g;

  /* empty input: at once, not NULL */
  gathered = concurra_gather (NULL, 0, CONCURRA_GATHER_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  assert_tasks (gathered, NULL, 0);
  g_clear_pointer (&gathered, g_ptr_array_unref);
  for (int when = 0; when < 3; when++)
    {
      g_assert_true (concurra_wait (NULL, 0, when, -1, NULL, &done, &not_done, &error));
      g_assert_no_error (error);
      assert_tasks (done, NULL, 0);
      assert_tasks (not_done, NULL, 0);
      g_clear_pointer (&done, g_ptr_array_unref);
      g_clear_pointer (&not_done, g_ptr_array_unref);
    }
  keyed = concurra_gather_keyed (empty, CONCURRA_GATHER_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (keyed);
  g_assert_cmpuint (g_hash_table_size (keyed), ==, 0);

  /* duplicates: gather keeps one entry per input position */
  gated_setup (&g, 2, DRIVER_START);
  job_open (g.jobs[0]);
  job_open (g.jobs[1]);
  {
    ConcurraTask *input[] = { g.tasks[1], g.tasks[0], g.tasks[1] };

    gathered = concurra_gather (input, 3, CONCURRA_GATHER_NONE, -1, NULL, &error);
    g_assert_no_error (error);
    assert_tasks (gathered, input, 3);
  }
  g_clear_pointer (&gathered, g_ptr_array_unref);
  gated_teardown (&g);
}

static GHashTable *
keyed_table (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

static void
test_gather_keyed (void)
{
  g_autoptr(GHashTable) input = keyed_table ();
  g_autoptr(GHashTable) gathered = NULL;
  g_autoptr(GError) error = NULL;
  const char *keys[] = { "users", "posts", "comments" };
  ConcurraTask *tasks[3];
  Job *jobs[3];
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("keyed"));
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *label = g_strdup_printf ("get-%s", keys[i]);

      jobs[i] = job_new (JOB_GATE, spec_value (i), i == 1);
      tasks[i] = track (&tracker, add_job (runner, label, NULL, jobs[i]));
      g_hash_table_insert (input, g_strdup (keys[i]), g_object_ref (tasks[i]));
    }
  run_begin (&run, runner, DRIVER_START);

  /* timeout */
  g_assert_null (concurra_gather_keyed (input, CONCURRA_GATHER_NONE, 0.05, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_clear_error (&error);

  /* the failure names the task's label (not its key) */
  job_open (jobs[2]);
  job_open (jobs[1]);
  g_assert_null (concurra_gather_keyed (input, CONCURRA_GATHER_NONE, -1, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "Task 'get-posts' failed: boom-101");
  g_clear_error (&error);

  /* RETURN_ERRORS: the same keys, each with its task */
  job_open (jobs[0]);
  gathered = concurra_gather_keyed (input, CONCURRA_GATHER_RETURN_ERRORS, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (gathered);
  g_assert_cmpuint (g_hash_table_size (gathered), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_true (g_hash_table_lookup (gathered, keys[i]) == tasks[i]);
  assert_task_int (g_hash_table_lookup (gathered, "users"), 100);
  g_clear_pointer (&gathered, g_hash_table_unref);

  /* the input table is untouched */
  g_assert_cmpuint (g_hash_table_size (input), ==, 3);

  run_end (&run);
  g_clear_pointer (&input, g_hash_table_unref);
  for (guint i = 0; i < 3; i++)
    g_object_unref (tasks[i]);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

static void
gather_async_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AsyncResult *r = user_data;

  r->thread = g_thread_self ();
  r->gathered = concurra_gather_finish (result, &r->error);
  r->returned = TRUE;
}

static void
gather_keyed_async_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  AsyncResult *r = user_data;

  r->thread = g_thread_self ();
  r->keyed = concurra_gather_keyed_finish (result, &r->error);
  r->returned = TRUE;
}

static void
test_gather_async (gconstpointer data)
{
  Driver driver = GPOINTER_TO_INT (data);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GHashTable) input = keyed_table ();
  AsyncResult r = { 0, };
  GThread *thread;
  Gated g;

  gated_setup (&g, 3, driver);
  g_hash_table_insert (input, g_strdup ("zero"), g_object_ref (g.tasks[0]));
  g_hash_table_insert (input, g_strdup ("two"), g_object_ref (g.tasks[2]));

  /* timeout */
  concurra_gather_async (g.tasks, 3, CONCURRA_GATHER_NONE, 0.1, NULL, gather_async_cb, &r);
  iterate_until (&r.returned);
  g_assert_null (r.gathered);
  g_assert_error (r.error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  async_result_clear (&r);
  concurra_gather_keyed_async (input, CONCURRA_GATHER_NONE, 0.1, NULL, gather_keyed_async_cb, &r);
  iterate_until (&r.returned);
  g_assert_null (r.keyed);
  g_assert_error (r.error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  async_result_clear (&r);

  /* cancelled */
  concurra_gather_async (g.tasks, 3, CONCURRA_GATHER_NONE, -1, cancellable, gather_async_cb, &r);
  thread = g_thread_new ("cancel", cancel_later_thread, cancellable);
  iterate_until (&r.returned);
  g_thread_join (thread);
  g_assert_null (r.gathered);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  async_result_clear (&r);

  /* completes in input order, callback on this thread */
  concurra_gather_async (g.tasks, 3, CONCURRA_GATHER_NONE, -1, NULL, gather_async_cb, &r);
  for (int i = 2; i >= 0; i--)
    job_open (g.jobs[i]);
  iterate_until (&r.returned);
  g_assert_true (r.thread == main_thread);
  g_assert_no_error (r.error);
  assert_tasks (r.gathered, g.tasks, 3);
  async_result_clear (&r);

  concurra_gather_keyed_async (input, CONCURRA_GATHER_NONE, -1, NULL, gather_keyed_async_cb, &r);
  iterate_until (&r.returned);
  g_assert_true (r.thread == main_thread);
  g_assert_no_error (r.error);
  g_assert_cmpuint (g_hash_table_size (r.keyed), ==, 2);
  g_assert_true (g_hash_table_lookup (r.keyed, "zero") == g.tasks[0]);
  g_assert_true (g_hash_table_lookup (r.keyed, "two") == g.tasks[2]);
  async_result_clear (&r);

  g_clear_pointer (&input, g_hash_table_unref);
  gated_teardown (&g);
}

static void
test_gather_async_failure (void)
{
  g_autoptr(GHashTable) input = keyed_table ();
  AsyncResult r = { 0, };
  ConcurraTask *tasks[2];
  Job *jobs[2];
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("gather-async-fail"));
  jobs[0] = job_new (JOB_GATE, 1, FALSE);
  jobs[1] = job_new (JOB_GATE, 2, TRUE);
  tasks[0] = track (&tracker, add_job (runner, "ok", NULL, jobs[0]));
  tasks[1] = track (&tracker, add_job (runner, "bad", NULL, jobs[1]));
  g_hash_table_insert (input, g_strdup ("k-ok"), g_object_ref (tasks[0]));
  g_hash_table_insert (input, g_strdup ("k-bad"), g_object_ref (tasks[1]));
  run_begin (&run, runner, DRIVER_RUN_ASYNC);

  concurra_gather_async (tasks, 2, CONCURRA_GATHER_NONE, -1, NULL, gather_async_cb, &r);
  job_open (jobs[1]);
  iterate_until (&r.returned);
  g_assert_null (r.gathered);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (r.error->message, ==, "Task 'bad' failed: boom-2");
  g_assert_false (concurra_task_is_done (tasks[0]));
  async_result_clear (&r);

  concurra_gather_keyed_async (input, CONCURRA_GATHER_NONE, -1, NULL, gather_keyed_async_cb, &r);
  iterate_until (&r.returned);
  g_assert_null (r.keyed);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (r.error->message, ==, "Task 'bad' failed: boom-2");
  async_result_clear (&r);

  concurra_gather_keyed_async (input, CONCURRA_GATHER_RETURN_ERRORS, -1, NULL, gather_keyed_async_cb, &r);
  job_open (jobs[0]);
  iterate_until (&r.returned);
  g_assert_no_error (r.error);
  g_assert_cmpuint (g_hash_table_size (r.keyed), ==, 2);
  g_assert_true (g_hash_table_lookup (r.keyed, "k-ok") == tasks[0]);
  g_assert_true (g_hash_table_lookup (r.keyed, "k-bad") == tasks[1]);
  assert_task_int (tasks[0], 1);
  async_result_clear (&r);

  run_end (&run);
  g_clear_pointer (&input, g_hash_table_unref);
  g_object_unref (tasks[0]);
  g_object_unref (tasks[1]);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* ======================================================================
 * calling situations beyond the matrix
 * ====================================================================== */

/* A worker thread that pushes its own context, calls run_async() there and
 * then gathers synchronously without running a loop: the gather iterates
 * that context. */
static void
own_run_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;

  results = concurra_runner_run_finish (CONCURRA_RUNNER (source), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (results);
  *(gboolean *) user_data = TRUE;
}

static gpointer
own_context_thread (gpointer data)
{
  GMainContext *context = g_main_context_new ();
  g_autoptr(GPtrArray) gathered = NULL;
  g_autoptr(GError) error = NULL;
  ConcurraRunner *runner = new_runner ("own-context");
  ConcurraTask *tasks[3];
  GThread *completed_in = NULL;
  Tracker *tracker = data;
  gboolean finished = FALSE;

  track (tracker, runner);
  g_main_context_push_thread_default (context);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *label = g_strdup_printf ("t%u", i);

      tasks[i] = track (tracker, add_job (runner, label, NULL, job_new (JOB_NOW, i, FALSE)));
    }
  g_signal_connect (tasks[1], "completed", G_CALLBACK (record_thread), &completed_in);
  concurra_runner_run_async (runner, NULL, own_run_done, &finished);

  gathered = concurra_gather (tasks, 3, CONCURRA_GATHER_NONE, TEST_LONG_WAIT, NULL, &error);
  g_assert_no_error (error);
  assert_tasks (gathered, tasks, 3);
  g_assert_true (completed_in == g_thread_self ());
  g_assert_true (concurra_task_wait (tasks[2], TEST_LONG_WAIT, NULL, &error));
  g_assert_no_error (error);

  /* let the run report it finished */
  test_iterate_until (context, &finished, TEST_LONG_WAIT);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  for (guint i = 0; i < 3; i++)
    g_object_unref (tasks[i]);
  g_object_unref (runner);
  g_main_context_unref (context);
  return NULL;
}

static void
test_situation_own_context_thread (void)
{
  Tracker tracker;

  tracker_init (&tracker);
  g_thread_join (g_thread_new ("own-context", own_context_thread, &tracker));
  tracker_assert_finalized (&tracker);
}

/* A synchronous wait inside the task's "completed" handler, in the loop
 * that drives the runner, for another task it releases from there; a
 * plain thread waits for that task meanwhile. */
typedef struct
{
  ConcurraTask *other;
  Job          *other_job;
  gboolean      waited;
} CompletedWait;

static void
wait_in_completed (ConcurraTask  *task,
                   CompletedWait *cw)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_thread_self () == main_thread);
  job_open (cw->other_job);
  g_assert_true (concurra_task_wait (cw->other, TEST_LONG_WAIT, NULL, &error));
  g_assert_no_error (error);
  assert_task_int (cw->other, 2);
  cw->waited = TRUE;
}

static void
test_situation_wait_in_completed_handler (void)
{
  CompletedWait cw = { NULL, NULL, FALSE };
  TaskWaitCall call = { NULL, FALSE, NULL };
  ConcurraTask *first, *second;
  GThread *thread;
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("in-completed"));
  first = track (&tracker, add_job (runner, "first", NULL, job_new (JOB_NOW, 1, FALSE)));
  cw.other_job = job_new (JOB_GATE, 2, FALSE);
  second = track (&tracker, add_job (runner, "second", NULL, cw.other_job));
  cw.other = second;
  g_signal_connect (first, "completed", G_CALLBACK (wait_in_completed), &cw);

  call.task = second;
  thread = g_thread_new ("waiter", task_wait_thread, &call);
  run_begin (&run, runner, DRIVER_RUN_ASYNC);
  run_end (&run);
  g_thread_join (thread);
  g_assert_true (cw.waited);
  g_assert_true (call.ok);
  g_assert_no_error (call.error);

  g_object_unref (first);
  g_object_unref (second);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* A synchronous gather inside the runner's "progress" handler, for tasks
 * another thread releases once the handler runs. */
typedef struct
{
  ConcurraTask *tasks[2];
  Job          *jobs[2];
  TestFlag      entered;
  gboolean      gathered;
} ProgressGather;

static gpointer
open_when_entered_thread (gpointer data)
{
  ProgressGather *pg = data;

  g_assert_true (test_flag_wait (&pg->entered, TEST_LONG_WAIT));
  job_open (pg->jobs[1]);
  job_open (pg->jobs[0]);
  return NULL;
}

static void
gather_in_progress (ConcurraRunner *runner,
                    guint           completed,
                    guint           total,
                    ProgressGather *pg)
{
  g_autoptr(GPtrArray) gathered = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_thread_self () == main_thread);
  if (test_flag_is_set (&pg->entered))
    return;
  test_flag_set (&pg->entered);
  gathered = concurra_gather (pg->tasks, 2, CONCURRA_GATHER_NONE, TEST_LONG_WAIT, NULL, &error);
  g_assert_no_error (error);
  assert_tasks (gathered, pg->tasks, 2);
  pg->gathered = TRUE;
}

static void
test_situation_gather_in_progress_handler (void)
{
  ProgressGather pg = { { NULL, }, { NULL, }, { { 0 }, }, FALSE };
  ConcurraTask *first;
  GThread *thread;
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  test_flag_init (&pg.entered);
  runner = track (&tracker, new_runner ("in-progress"));
  first = track (&tracker, add_job (runner, "first", NULL, job_new (JOB_NOW, 1, FALSE)));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *label = g_strdup_printf ("gated-%u", i);

      pg.jobs[i] = job_new (JOB_GATE, 10 + i, FALSE);
      pg.tasks[i] = track (&tracker, add_job (runner, label, NULL, pg.jobs[i]));
    }
  g_signal_connect (runner, "progress", G_CALLBACK (gather_in_progress), &pg);
  thread = g_thread_new ("opener", open_when_entered_thread, &pg);
  run_begin (&run, runner, DRIVER_RUN_ASYNC);
  run_end (&run);
  g_thread_join (thread);
  g_assert_true (pg.gathered);
  assert_task_int (pg.tasks[0], 10);
  assert_task_int (pg.tasks[1], 11);

  test_flag_clear (&pg.entered);
  g_object_unref (first);
  g_object_unref (pg.tasks[0]);
  g_object_unref (pg.tasks[1]);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* Waiting, in a task-finished handler, for a task that depends on the one
 * that just finished: the dependent can only start once the finished task
 * has been processed, so the wait must let that happen. */
typedef struct
{
  ConcurraTask *dependent;
  gboolean      waited;
  gboolean      ok;
  GError       *error;
} DependentWait;

static void
wait_dependent_in_handler (ConcurraRunner *runner,
                           ConcurraTask   *task,
                           DependentWait  *dw)
{
  if (g_strcmp0 (concurra_task_get_label (task), "a") != 0)
    return;
  dw->ok = concurra_task_wait (dw->dependent, 5.0, NULL, &dw->error);
  dw->waited = TRUE;
}

static void
test_situation_handler_waits_dependent (void)
{
  const char *after_a[] = { "a", NULL };
  DependentWait dw = { NULL, FALSE, FALSE, NULL };
  ConcurraTask *a, *b;
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("handler-dependent"));
  a = track (&tracker, add_job (runner, "a", NULL, job_new (JOB_NOW, 1, FALSE)));
  b = track (&tracker, add_job (runner, "b", after_a, job_new (JOB_NOW, 2, FALSE)));
  dw.dependent = b;
  g_signal_connect (runner, "task-finished", G_CALLBACK (wait_dependent_in_handler), &dw);
  run_begin (&run, runner, DRIVER_RUN_ASYNC);
  run_end (&run);

  g_assert_true (dw.waited);
  if (!dw.ok)
    g_error ("waiting in task-finished('a') for its dependent 'b' deadlocked until the "
             "timeout: %s", dw.error ? dw.error->message : "?");
  assert_task_int (b, 2);

  g_object_unref (a);
  g_object_unref (b);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* Waiting in a task-finished handler for a task whose completion was
 * delivered to the owner context in the same batch as the handler's task. */
typedef struct
{
  ConcurraTask *other;
  const char   *trigger;
  gboolean      waited;
  gboolean      ok;
  GError       *error;
} BatchWait;

static void
wait_other_in_handler (ConcurraRunner *runner,
                       ConcurraTask   *task,
                       BatchWait      *bw)
{
  if (bw->waited || task == bw->other)
    return;
  bw->trigger = concurra_task_get_label (task);
  bw->ok = concurra_task_wait (bw->other, 5.0, NULL, &bw->error);
  bw->waited = TRUE;
}

static void
test_situation_handler_same_batch (void)
{
  BatchWait bw = { NULL, NULL, FALSE, FALSE, NULL };
  ConcurraTask *a, *b;
  Job *ja, *jb;
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("handler-batch"));
  ja = job_new (JOB_NOW, 1, FALSE);
  jb = job_new (JOB_NOW, 2, FALSE);
  a = track (&tracker, add_job (runner, "a", NULL, ja));
  b = track (&tracker, add_job (runner, "b", NULL, jb));
  bw.other = b;
  g_signal_connect (runner, "task-finished", G_CALLBACK (wait_other_in_handler), &bw);
  run_begin (&run, runner, DRIVER_RUN_ASYNC);

  /* both finish before the main context is iterated, so their completions
   * reach it together; the short pause covers the hand-off after the
   * functions return (if it is too short the test merely proves less) */
  g_assert_true (test_flag_wait (&ja->exited, TEST_LONG_WAIT));
  g_assert_true (test_flag_wait (&jb->exited, TEST_LONG_WAIT));
  g_usleep (G_USEC_PER_SEC / 20);

  run_end (&run);
  g_assert_true (bw.waited);
  if (!bw.ok)
    g_error ("waiting in task-finished('%s') for 'b', completed in the same batch, timed "
             "out: %s", bw.trigger, bw.error ? bw.error->message : "?");

  g_object_unref (a);
  g_object_unref (b);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* A plain thread waiting on tasks of a run_async() runner must not
 * dispatch the main thread's context: the runner's signals belong to the
 * thread that runs it. Here the main thread is busy (not iterating) while
 * the plain thread waits. */
typedef struct
{
  ConcurraTask **tasks;
  TestFlag       waiting;
  GPtrArray     *done;
} PlainWait;

static gpointer
plain_wait_thread (gpointer data)
{
  PlainWait *pw = data;
  g_autoptr(GError) error = NULL;

  test_flag_set (&pw->waiting);
  g_assert_true (concurra_wait (pw->tasks, 2, CONCURRA_RETURN_WHEN_ALL_COMPLETED, 0.5,
                                NULL, &pw->done, NULL, &error));
  g_assert_no_error (error);
  return NULL;
}

static void
test_situation_plain_thread_keeps_off_owner_context (void)
{
  GThread *completed_in[2] = { NULL, NULL };
  ConcurraTask *tasks[2];
  Job *jobs[2];
  PlainWait pw;
  GThread *thread;
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("keep-off"));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *label = g_strdup_printf ("t%u", i);

      jobs[i] = job_new (JOB_NOW, i, FALSE);
      tasks[i] = track (&tracker, add_job (runner, label, NULL, jobs[i]));
      g_signal_connect (tasks[i], "completed", G_CALLBACK (record_thread), &completed_in[i]);
    }
  run_begin (&run, runner, DRIVER_RUN_ASYNC);

  pw.tasks = tasks;
  pw.done = NULL;
  test_flag_init (&pw.waiting);
  thread = g_thread_new ("plain-waiter", plain_wait_thread, &pw);
  g_assert_true (test_flag_wait (&pw.waiting, TEST_LONG_WAIT));
  /* the main thread is busy: it does not iterate until the waiter is done */
  g_thread_join (thread);
  run_end (&run);

  for (guint i = 0; i < 2; i++)
    if (completed_in[i] != main_thread)
      g_error ("'completed' of task t%u (a run_async() runner owned by the main thread) was "
               "emitted in the plain waiter thread: the waiter dispatched the main thread's "
               "context", i);

  g_ptr_array_unref (pw.done);
  test_flag_clear (&pw.waiting);
  g_object_unref (tasks[0]);
  g_object_unref (tasks[1]);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* ======================================================================
 * nothing leaks after a timed-out or cancelled wait
 * ====================================================================== */

static void
test_leak_after_timeout_and_cancel (gconstpointer data)
{
  gboolean async = GPOINTER_TO_INT (data);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GHashTable) keyed_input = keyed_table ();
  g_autoptr(GError) error = NULL;
  GPtrArray *done = NULL, *not_done = NULL;
  AsyncResult r = { 0, };
  TaskWaitAsync tw = { 0, };
  ConcurraTask *tasks[2];
  Job *jobs[2];
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("leaks"));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *label = g_strdup_printf ("t%u", i);

      jobs[i] = job_new (JOB_GATE, i, FALSE);
      tasks[i] = track (&tracker, add_job (runner, label, NULL, jobs[i]));
    }
  g_hash_table_insert (keyed_input, g_strdup ("k"), g_object_ref (tasks[1]));
  run_begin (&run, runner, async ? DRIVER_RUN_ASYNC : DRIVER_START);
  g_cancellable_cancel (cancellable);

  if (!async)
    {
      for (int when = 0; when < 3; when++)
        {
          g_assert_true (concurra_wait (tasks, 2, when, 0.01, NULL, &done, &not_done, &error));
          g_clear_pointer (&done, g_ptr_array_unref);
          g_clear_pointer (&not_done, g_ptr_array_unref);
          g_assert_false (concurra_wait (tasks, 2, when, -1, cancellable, &done, &not_done, &error));
          g_clear_error (&error);
        }
      g_assert_null (concurra_gather (tasks, 2, 0, 0.01, NULL, &error));
      g_clear_error (&error);
      g_assert_null (concurra_gather (tasks, 2, 0, -1, cancellable, &error));
      g_clear_error (&error);
      g_assert_null (concurra_gather_keyed (keyed_input, 0, 0.01, NULL, &error));
      g_clear_error (&error);
      g_assert_null (concurra_gather_keyed (keyed_input, 0, -1, cancellable, &error));
      g_clear_error (&error);
      g_assert_false (concurra_task_wait (tasks[0], 0.01, NULL, &error));
      g_clear_error (&error);
      g_assert_false (concurra_task_wait (tasks[0], -1, cancellable, &error));
      g_clear_error (&error);
    }
  else
    {
      for (int when = 0; when < 3; when++)
        {
          concurra_wait_async (tasks, 2, when, 0.01, NULL, wait_async_cb, &r);
          iterate_until (&r.returned);
          async_result_clear (&r);
          concurra_wait_async (tasks, 2, when, -1, cancellable, wait_async_cb, &r);
          iterate_until (&r.returned);
          g_assert_false (r.ok);
          async_result_clear (&r);
        }
      concurra_gather_async (tasks, 2, 0, 0.01, NULL, gather_async_cb, &r);
      iterate_until (&r.returned);
      async_result_clear (&r);
      concurra_gather_async (tasks, 2, 0, -1, cancellable, gather_async_cb, &r);
      iterate_until (&r.returned);
      async_result_clear (&r);
      concurra_gather_keyed_async (keyed_input, 0, 0.01, NULL, gather_keyed_async_cb, &r);
      iterate_until (&r.returned);
      async_result_clear (&r);
      concurra_gather_keyed_async (keyed_input, 0, -1, cancellable, gather_keyed_async_cb, &r);
      iterate_until (&r.returned);
      async_result_clear (&r);
      concurra_task_wait_async (tasks[0], 0.01, NULL, task_wait_async_cb, &tw);
      iterate_until (&tw.returned);
      g_clear_error (&tw.error);
      memset (&tw, 0, sizeof tw);
      concurra_task_wait_async (tasks[0], -1, cancellable, task_wait_async_cb, &tw);
      iterate_until (&tw.returned);
      g_clear_error (&tw.error);
    }

  /* the cancelled task's waiters are gone too */
  g_assert_true (concurra_task_cancel (tasks[0]));
  job_open (jobs[1]);
  run_end (&run);
  assert_cancelled (tasks[0]);

  g_clear_pointer (&keyed_input, g_hash_table_unref);
  g_object_unref (tasks[0]);
  g_object_unref (tasks[1]);
  g_object_unref (runner);
  tracker_assert_finalized (&tracker);
}

/* An async wait still pending when its runner and tasks are dropped: the
 * operation keeps what it needs, completes on timeout, then frees all. */
static void
test_leak_pending_async_wait (void)
{
  AsyncResult r = { 0, };
  ConcurraTask *task;
  Job *job;
  Tracker tracker;
  ConcurraRunner *runner;
  Run run;

  tracker_init (&tracker);
  runner = track (&tracker, new_runner ("pending-async"));
  job = job_new (JOB_UNTIL_CANCELLED, 1, FALSE);
  task = track (&tracker, add_job (runner, "t", NULL, job));
  run_begin (&run, runner, DRIVER_START);
  await_flag (&job->started, "the task to start");
  concurra_wait_async (&task, 1, CONCURRA_RETURN_WHEN_ALL_COMPLETED, 0.1, NULL, wait_async_cb, &r);

  concurra_runner_abort (runner);
  run_end (&run);
  g_object_unref (task);
  g_object_unref (runner);
  iterate_until (&r.returned);
  g_assert_true (r.ok);
  async_result_clear (&r);
  tracker_assert_finalized (&tracker);
}

/* ====================================================================== */

static void
add_driver_test (const char    *path,
                 GTestDataFunc  func)
{
  g_autofree char *start = g_strdup_printf ("%s/start", path);
  g_autofree char *run_async = g_strdup_printf ("%s/run-async", path);

  g_test_add_data_func (start, GINT_TO_POINTER (DRIVER_START), func);
  g_test_add_data_func (run_async, GINT_TO_POINTER (DRIVER_RUN_ASYNC), func);
}

int
main (int   argc,
      char *argv[])
{
  static const char *when_names[] = { "all-completed", "first-completed", "first-exception" };
  GPtrArray *cases = g_ptr_array_new_with_free_func (g_free);
  int status;

  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  for (guint s = 0; s < G_N_ELEMENTS (situations); s++)
    for (guint h = 0; h < G_N_ELEMENTS (shapes); h++)
      for (int op = 0; op < N_OPS; op++)
        {
          MatrixCase *mc = g_new0 (MatrixCase, 1);
          g_autofree char *path = NULL;

          mc->shape = &shapes[h];
          mc->situation = &situations[s];
          mc->op = op;
          g_ptr_array_add (cases, mc);
          path = g_strdup_printf ("/sync/matrix/%s/%s/%s", situations[s].name,
                                  shapes[h].name, op_names[op]);
          g_test_add_data_func (path, mc, test_matrix);
        }

  for (int when = 0; when < 3; when++)
    {
      g_autofree char *path = g_strdup_printf ("/sync/wait/timeout/%s", when_names[when]);
      g_autofree char *async_path = g_strdup_printf ("/sync/wait/timeout-async/%s", when_names[when]);

      g_test_add_data_func (path, GINT_TO_POINTER (when), test_wait_timeout);
      g_test_add_data_func (async_path, GINT_TO_POINTER (when), test_wait_async_timeout);
    }
  g_test_add_func ("/sync/wait/cancellable", test_wait_cancellable);
  g_test_add_func ("/sync/wait/unscheduled-task", test_wait_unscheduled);
  g_test_add_func ("/sync/wait/nan-timeout", test_wait_nan_timeout);
  add_driver_test ("/sync/wait/registered-before-start", test_wait_before_start);

  g_test_add_func ("/sync/cancel/race-three-mirrors", test_race_mirrors);
  g_test_add_func ("/sync/cancel/race-three-mirrors-async", test_race_mirrors_async);
  add_driver_test ("/sync/cancel/frees-slot", test_cancel_frees_slot);
  g_test_add_func ("/sync/cancel/idle-runner", test_cancel_idle_runner);
  g_test_add_func ("/sync/cancel/runner-gone", test_cancel_runner_gone);
  g_test_add_func ("/sync/cancel/from-thread", test_cancel_from_thread);

  add_driver_test ("/sync/task-wait/sync", test_task_wait);
  add_driver_test ("/sync/task-wait/async", test_task_wait_async);
  g_test_add_data_func ("/sync/task/completed-signal/run", GINT_TO_POINTER (0), test_completed_signal);
  g_test_add_data_func ("/sync/task/completed-signal/run-async", GINT_TO_POINTER (1), test_completed_signal);
  g_test_add_data_func ("/sync/task/completed-signal/start", GINT_TO_POINTER (2), test_completed_signal);

  g_test_add_func ("/sync/gather/input-order", test_gather_order);
  g_test_add_func ("/sync/gather/first-failure", test_gather_first_failure);
  g_test_add_func ("/sync/gather/concurra-error", test_gather_concurra_error);
  g_test_add_func ("/sync/gather/timeout", test_gather_timeout);
  g_test_add_func ("/sync/gather/empty-and-duplicates", test_gather_empty_and_duplicates);
  g_test_add_func ("/sync/gather/keyed", test_gather_keyed);
  add_driver_test ("/sync/gather/async", test_gather_async);
  g_test_add_func ("/sync/gather/async-failure", test_gather_async_failure);

  g_test_add_func ("/sync/situation/own-context-thread", test_situation_own_context_thread);
  g_test_add_func ("/sync/situation/wait-in-completed-handler", test_situation_wait_in_completed_handler);
  g_test_add_func ("/sync/situation/gather-in-progress-handler", test_situation_gather_in_progress_handler);
  g_test_add_func ("/sync/situation/handler-waits-for-dependent", test_situation_handler_waits_dependent);
  g_test_add_func ("/sync/situation/handler-waits-same-batch", test_situation_handler_same_batch);
  g_test_add_func ("/sync/situation/plain-thread-keeps-off-owner-context",
                   test_situation_plain_thread_keeps_off_owner_context);

  g_test_add_data_func ("/sync/leak/timeout-and-cancel/sync", GINT_TO_POINTER (FALSE),
                        test_leak_after_timeout_and_cancel);
  g_test_add_data_func ("/sync/leak/timeout-and-cancel/async", GINT_TO_POINTER (TRUE),
                        test_leak_after_timeout_and_cancel);
  g_test_add_func ("/sync/leak/pending-async-wait", test_leak_pending_async_wait);

  status = g_test_run ();
  g_ptr_array_unref (cases);
  return status;
}
