/* test-property.c: randomized property tests of ConcurraRunner against a
 * reference model.
 *
 * /property/dag runs hundreds of random DAGs (random sizes, edges, failures,
 * timeouts, concurrency limits, forward references, run styles) and checks:
 * dependency order, the concurrency limit, exactly one final status per
 * task, and that a task is skipped exactly when one of its transitive
 * dependencies failed or timed out.
 *
 * /property/graph-validation adds random labels and dependency lists and
 * checks every add against a model of duplicates, self dependencies and
 * cycles (including the path printed in the message), then unknown
 * dependencies at run start.
 *
 * Everything random comes from g_test_rand_*, so a failure is reproduced
 * with the --seed printed at the top of the log.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <concurra.h>

#include "test-concurra-helpers.h"

#define MAX_TASKS 40

typedef enum {
  KIND_OK,
  KIND_FAIL,
  KIND_TIMEOUT,
} Kind;

typedef enum {
  STYLE_RUN,
  STYLE_RUN_ASYNC,
  STYLE_START,
} Style;

/* One random DAG, in topological numbering: task i depends only on tasks
 * with a smaller index. The add order is a permutation of that, so tasks
 * may name dependencies that are added after them. */
typedef struct
{
  int      n;
  Kind     kind[MAX_TASKS];
  guint    sleep_us[MAX_TASKS];
  int      n_deps[MAX_TASKS];
  int      deps[MAX_TASKS][MAX_TASKS];
  int      add_order[MAX_TASKS];
  int      limit;
  gboolean fast_fail;
  gboolean has_timeouts;
  Style    style;
} Dag;

/* What the task functions saw; shared with worker threads, which may
 * outlive a run (a timed-out function returns after its cancellable fires). */
typedef struct
{
  int         seq;                   /* atomic event counter */
  int         calls[MAX_TASKS];      /* atomic */
  int         start_seq[MAX_TASKS];
  int         finish_seq[MAX_TASKS];
  TestCounter running;               /* functions executing now */
  TestCounter exited;
  int         entered;               /* atomic */
} Trace;

typedef struct
{
  Trace *trace;
  int    index;
  Kind   kind;
  guint  sleep_us;
} Job;

/* What the owner context emitted; touched by one thread at a time (the
 * owner's), read after the run. */
typedef struct
{
  const Dag *dag;
  int        running;
  int        max_running;
  int        started[MAX_TASKS];
  int        finished[MAX_TASKS];
  int        terminal_notifies[MAX_TASKS];
  int        progress;
  int        finished_signals;
  int        order_violations;
} Signals;

static GQuark index_quark;

static int
task_index (ConcurraTask *task)
{
  return GPOINTER_TO_INT (g_object_get_qdata (G_OBJECT (task), index_quark)) - 1;
}

static void
trace_clear (gpointer data)
{
  Trace *trace = data;

  test_counter_clear (&trace->running);
  test_counter_clear (&trace->exited);
}

static void
trace_unref (gpointer trace)
{
  g_atomic_rc_box_release_full (trace, trace_clear);
}

static void
job_free (gpointer data)
{
  Job *job = data;

  trace_unref (job->trace);
  g_free (job);
}

static void
job_func (ConcurraTask *task,
          GCancellable *cancellable,
          gpointer      user_data)
{
  Job *job = user_data;
  Trace *trace = job->trace;

  g_atomic_int_inc (&trace->calls[job->index]);
  g_atomic_int_inc (&trace->entered);
  g_atomic_int_set (&trace->start_seq[job->index], g_atomic_int_add (&trace->seq, 1));
  test_counter_add (&trace->running, 1);

  switch (job->kind)
    {
    case KIND_OK:
    case KIND_FAIL:
      if (job->sleep_us)
        g_usleep (job->sleep_us);
      break;
    case KIND_TIMEOUT:
      test_wait_cancelled (cancellable, TEST_LONG_WAIT);
      break;
    }

  /* record the end before reporting it, so a dependent can only start after */
  test_counter_add (&trace->running, -1);
  g_atomic_int_set (&trace->finish_seq[job->index], g_atomic_int_add (&trace->seq, 1));
  if (job->kind == KIND_OK)
    concurra_task_return_int (task, job->index);
  else
    concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "task %d failed", job->index);
  test_counter_add (&trace->exited, 1);
}

/* ---- signal handlers ---- */

static void
on_task_started (ConcurraRunner *runner,
                 ConcurraTask   *task,
                 Signals        *sig)
{
  int i = task_index (task);
  char **dep_labels;

  g_assert_cmpint (i, >=, 0);
  sig->started[i]++;
  sig->running++;
  sig->max_running = MAX (sig->max_running, sig->running);

  /* a task only starts once every dependency succeeded */
  dep_labels = g_object_get_data (G_OBJECT (task), "dep-labels");
  for (int d = 0; d < sig->dag->n_deps[i]; d++)
    {
      ConcurraTask *dep = concurra_runner_get_task (runner, dep_labels[d]);

      if (dep == NULL || concurra_task_get_status (dep) != CONCURRA_TASK_STATUS_SUCCESSFUL)
        sig->order_violations++;
    }
}

static void
on_task_finished (ConcurraRunner *runner,
                  ConcurraTask   *task,
                  Signals        *sig)
{
  int i = task_index (task);

  g_assert_cmpint (i, >=, 0);
  g_assert_true (test_task_is_terminal (task));
  sig->finished[i]++;
  if (sig->started[i] > 0)
    sig->running--;
}

static void
on_progress (ConcurraRunner *runner,
             guint           completed,
             guint           total,
             Signals        *sig)
{
  g_assert_cmpuint (total, ==, sig->dag->n);
  g_assert_cmpuint (completed, ==, sig->progress + 1);
  sig->progress++;
}

static void
on_finished (ConcurraRunner *runner,
             Signals        *sig)
{
  sig->finished_signals++;
}

static void
on_status (ConcurraTask *task,
           GParamSpec   *pspec,
           Signals      *sig)
{
  if (test_task_is_terminal (task))
    sig->terminal_notifies[task_index (task)]++;
}

/* ---- the model ---- */

/* g_strv_builder_take() is GLib 2.80 */
static void
builder_take (GStrvBuilder *builder,
              char         *value)
{
  g_strv_builder_add (builder, value);
  g_free (value);
}

static char *
label_of (int i)
{
  return g_strdup_printf ("t%02d", i);
}

static void
random_dag (Dag *dag)
{
  static const double fail_rates[] = { 0.0, 0.0, 0.05, 0.15, 0.3 };
  static const double edge_rates[] = { 0.0, 0.05, 0.15, 0.4 };
  double fail_rate = fail_rates[g_test_rand_int_range (0, G_N_ELEMENTS (fail_rates))];
  double edge_rate = edge_rates[g_test_rand_int_range (0, G_N_ELEMENTS (edge_rates))];
  int n_timeouts;

  memset (dag, 0, sizeof *dag);
  dag->n = g_test_rand_int_range (1, MAX_TASKS + 1);
  dag->limit = g_test_rand_int_range (1, 5);
  dag->fast_fail = g_test_rand_int_range (0, 8) == 0;
  dag->style = (Style) (g_test_rand_int_range (0, 10) < 7 ? STYLE_RUN :
                        g_test_rand_int_range (0, 2) ? STYLE_RUN_ASYNC : STYLE_START);

  for (int i = 0; i < dag->n; i++)
    {
      dag->kind[i] = g_test_rand_double () < fail_rate ? KIND_FAIL : KIND_OK;
      dag->sleep_us[i] = g_test_rand_int_range (0, 4) == 0 ? g_test_rand_int_range (0, 2000) : 0;
      for (int j = 0; j < i && dag->n_deps[i] < 6; j++)
        if (g_test_rand_double () < edge_rate)
          dag->deps[i][dag->n_deps[i]++] = j;
      /* list dependencies in a random order */
      for (int k = dag->n_deps[i] - 1; k > 0; k--)
        {
          int r = g_test_rand_int_range (0, k + 1);
          int tmp = dag->deps[i][k];

          dag->deps[i][k] = dag->deps[i][r];
          dag->deps[i][r] = tmp;
        }
    }

  /* a few short timeouts, in one DAG out of eight, to keep the suite fast */
  n_timeouts = g_test_rand_int_range (0, 8) == 0 ? g_test_rand_int_range (1, 3) : 0;
  for (int t = 0; t < n_timeouts; t++)
    {
      dag->kind[g_test_rand_int_range (0, dag->n)] = KIND_TIMEOUT;
      dag->has_timeouts = TRUE;
    }

  for (int i = 0; i < dag->n; i++)
    dag->add_order[i] = i;
  if (g_test_rand_bit ())
    for (int k = dag->n - 1; k > 0; k--)
      {
        int r = g_test_rand_int_range (0, k + 1);
        int tmp = dag->add_order[k];

        dag->add_order[k] = dag->add_order[r];
        dag->add_order[r] = tmp;
      }
}

/* skipped[i]: some transitive dependency failed or timed out */
static void
model_skipped (const Dag *dag,
               gboolean  *skipped)
{
  for (int i = 0; i < dag->n; i++)
    {
      skipped[i] = FALSE;
      for (int d = 0; d < dag->n_deps[i]; d++)
        {
          int j = dag->deps[i][d];

          if (skipped[j] || dag->kind[j] != KIND_OK)
            skipped[i] = TRUE;
        }
    }
}

/* The skip message names a non-empty run of the failed direct
 * dependencies, in the order they were listed. */
static void
assert_skip_message (const Dag    *dag,
                     int           i,
                     ConcurraTask *task,
                     ConcurraTask **tasks)
{
  const char *message = concurra_task_get_error (task)->message;
  const char *prefix = "Skipped: dependency [";
  const char *suffix = "] failed or was terminated";
  g_autofree char *inner = NULL;
  g_auto(GStrv) names = NULL;
  int next = 0;

  g_assert_true (g_str_has_prefix (message, prefix));
  g_assert_true (g_str_has_suffix (message, suffix));
  inner = g_strndup (message + strlen (prefix), strlen (message) - strlen (prefix) - strlen (suffix));
  names = g_strsplit (inner, ", ", -1);
  g_assert_cmpuint (g_strv_length (names), >=, 1);

  for (guint k = 0; names[k] != NULL; k++)
    {
      gboolean found = FALSE;

      for (; next < dag->n_deps[i] && !found; next++)
        {
          int j = dag->deps[i][next];
          g_autofree char *label = label_of (j);

          if (g_strcmp0 (label, names[k]) == 0)
            {
              g_assert_true (concurra_task_get_has_failed (tasks[j]));
              found = TRUE;
            }
        }
      if (!found)
        g_error ("task %d: '%s' in \"%s\" is not a failed dependency in order", i, names[k], message);
    }
}

typedef struct
{
  gboolean    done;
  GHashTable *results;
  GError     *error;
} AsyncRun;

static void
run_async_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncRun *ar = user_data;

  ar->results = concurra_runner_run_finish (CONCURRA_RUNNER (source), result, &ar->error);
  ar->done = TRUE;
}

static GHashTable *
run_dag (ConcurraRunner *runner,
         Style           style)
{
  g_autoptr(GError) error = NULL;
  GHashTable *results = NULL;

  switch (style)
    {
    case STYLE_RUN:
      results = concurra_runner_run (runner, NULL, &error);
      break;
    case STYLE_RUN_ASYNC:
      {
        AsyncRun ar = { 0 };

        concurra_runner_run_async (runner, NULL, run_async_cb, &ar);
        test_iterate_until (NULL, &ar.done, TEST_LONG_WAIT * 2);
        results = ar.results;
        error = ar.error;
      }
      break;
    case STYLE_START:
      g_assert_true (concurra_runner_start (runner, &error));
      g_assert_no_error (error);
      results = concurra_runner_wait (runner, NULL, &error);
      break;
    }

  g_assert_no_error (error);
  g_assert_nonnull (results);
  return results;
}

static void
check_one_dag (const Dag *dag)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("property");
  g_autoptr(GHashTable) results = NULL;
  Trace *trace = g_atomic_rc_box_new0 (Trace);
  Signals *sig = g_new0 (Signals, 1);
  ConcurraTask *tasks[MAX_TASKS] = { NULL };
  gboolean skipped[MAX_TASKS];
  int failures = 0;

  test_counter_init (&trace->running);
  test_counter_init (&trace->exited);
  sig->dag = dag;

  concurra_runner_set_verify_on_finish (runner, FALSE);
  concurra_runner_set_max_concurrency (runner, dag->limit);
  concurra_runner_set_fast_fail (runner, dag->fast_fail);

  for (int k = 0; k < dag->n; k++)
    {
      int i = dag->add_order[k];
      g_autofree char *label = label_of (i);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) deps = NULL;
      g_autoptr(GError) error = NULL;
      Job *job = g_new0 (Job, 1);

      for (int d = 0; d < dag->n_deps[i]; d++)
        builder_take (builder, label_of (dag->deps[i][d]));
      deps = g_strv_builder_end (builder);

      job->trace = g_atomic_rc_box_acquire (trace);
      job->index = i;
      job->kind = dag->kind[i];
      job->sleep_us = dag->sleep_us[i];
      tasks[i] = concurra_runner_add_task (runner, label, (const char * const *) deps,
                                           job_func, job, job_free, &error);
      g_assert_no_error (error);
      g_assert_nonnull (tasks[i]);
      if (dag->kind[i] == KIND_TIMEOUT)
        concurra_task_set_timeout (tasks[i], 0.05);
      g_object_set_qdata (G_OBJECT (tasks[i]), index_quark, GINT_TO_POINTER (i + 1));
      g_object_set_data_full (G_OBJECT (tasks[i]), "dep-labels", g_steal_pointer (&deps),
                              (GDestroyNotify) g_strfreev);
      g_signal_connect (tasks[i], "notify::status", G_CALLBACK (on_status), sig);
    }
  g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, dag->n);

  g_signal_connect (runner, "task-started", G_CALLBACK (on_task_started), sig);
  g_signal_connect (runner, "task-finished", G_CALLBACK (on_task_finished), sig);
  g_signal_connect (runner, "progress", G_CALLBACK (on_progress), sig);
  g_signal_connect (runner, "finished", G_CALLBACK (on_finished), sig);

  results = run_dag (runner, dag->style);

  /* no thread may outlive the check: timed-out functions return once cancelled */
  g_assert_true (test_counter_wait_at_least (&trace->exited, g_atomic_int_get (&trace->entered),
                                             TEST_LONG_WAIT));

  g_assert_cmpuint (g_hash_table_size (results), ==, dag->n);
  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_FINISHED);
  g_assert_false (concurra_runner_is_running (runner));
  g_assert_cmpuint (concurra_runner_get_n_completed (runner), ==, dag->n);
  g_assert_cmpuint (concurra_runner_get_n_running (runner), ==, 0);
  g_assert_cmpint (sig->progress, ==, dag->n);
  g_assert_cmpint (sig->finished_signals, ==, 1);
  g_assert_cmpint (sig->order_violations, ==, 0);
  g_assert_cmpint (sig->running, ==, 0);

  /* the limit, as the runner's own signals count it ... */
  g_assert_cmpint (sig->max_running, <=, dag->limit);
  /* ... and as the functions see it, unless a timed-out function lingers */
  if (!dag->has_timeouts && test_counter_get_max (&trace->running) > dag->limit)
    g_error ("%d task functions ran at once with max-concurrency %d (%d tasks, fast-fail %d)",
             test_counter_get_max (&trace->running), dag->limit, dag->n, dag->fast_fail);

  model_skipped (dag, skipped);

  for (int i = 0; i < dag->n; i++)
    {
      ConcurraTask *task = tasks[i];
      ConcurraTaskStatus status = concurra_task_get_status (task);
      const GError *error = concurra_task_get_error (task);
      int calls = g_atomic_int_get (&trace->calls[i]);
      g_autofree char *label = label_of (i);

      g_assert_true (g_hash_table_lookup (results, label) == task);

      /* exactly one final status, announced once */
      g_assert_true (test_task_is_terminal (task));
      g_assert_cmpint (sig->finished[i], ==, 1);
      g_assert_cmpint (sig->terminal_notifies[i], ==, 1);
      g_assert_cmpint (calls, <=, 1);
      g_assert_cmpint (sig->started[i], <=, 1);
      g_assert_cmpuint (concurra_task_get_attempts (task), ==, sig->started[i]);

      if (concurra_task_get_has_failed (task))
        failures++;

      /* a task that ran saw every dependency succeed and finish first */
      if (calls == 1)
        for (int d = 0; d < dag->n_deps[i]; d++)
          {
            int j = dag->deps[i][d];

            g_assert_cmpint (concurra_task_get_status (tasks[j]), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
            g_assert_cmpint (g_atomic_int_get (&trace->calls[j]), ==, 1);
            g_assert_cmpint (trace->finish_seq[j], <, trace->start_seq[i]);
          }

      if (status == CONCURRA_TASK_STATUS_SUCCESSFUL)
        {
          g_assert_cmpint (dag->kind[i], ==, KIND_OK);
          g_assert_false (skipped[i]);
          g_assert_cmpint (calls, ==, 1);
          g_assert_cmpint (g_value_get_int64 (concurra_task_get_value (task)), ==, i);
          g_assert_null (error);
        }
      else if (status == CONCURRA_TASK_STATUS_FAILED)
        {
          g_assert_cmpint (dag->kind[i], ==, KIND_FAIL);
          g_assert_false (skipped[i]);
          g_assert_cmpint (calls, ==, 1);
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
        }
      else if (g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT))
        {
          g_assert_cmpint (dag->kind[i], ==, KIND_TIMEOUT);
          g_assert_false (skipped[i]);
          g_assert_cmpint (calls, ==, 1);
          g_assert_cmpstr (error->message, ==, "Task exceeded timeout of 0.05 seconds");
        }
      else if (g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_DEPENDENCY_FAILED))
        {
          g_assert_true (skipped[i]);
          g_assert_cmpint (calls, ==, 0);
          g_assert_cmpint (sig->started[i], ==, 0);
          g_assert_cmpint (concurra_task_get_execution_mode (task), ==, CONCURRA_EXECUTION_MODE_NONE);
          assert_skip_message (dag, i, task, tasks);
        }
      else
        {
          /* only fast-fail terminates for other reasons */
          g_assert_true (dag->fast_fail);
          g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TERMINATED);
          g_assert_cmpstr (error->message, ==, "Execution terminated before completion");
        }

      /* without fast-fail the model decides every status */
      if (!dag->fast_fail)
        {
          if (skipped[i])
            g_assert_true (g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_DEPENDENCY_FAILED));
          else if (dag->kind[i] == KIND_OK)
            g_assert_cmpint (status, ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
          else if (dag->kind[i] == KIND_FAIL)
            g_assert_cmpint (status, ==, CONCURRA_TASK_STATUS_FAILED);
          else
            g_assert_true (g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT));
        }
    }

  g_assert_cmpuint (concurra_runner_get_n_failed (runner), ==, failures);
  if (dag->fast_fail)
    {
      gboolean any_bad = FALSE;

      for (int i = 0; i < dag->n; i++)
        any_bad |= dag->kind[i] != KIND_OK;
      /* a failure-free run is untouched by fast-fail; otherwise something
       * really failed or timed out (not just terminations) */
      if (!any_bad)
        g_assert_cmpint (failures, ==, 0);
      else
        {
          gboolean real_failure = FALSE;

          for (int i = 0; i < dag->n; i++)
            real_failure |= concurra_task_get_status (tasks[i]) == CONCURRA_TASK_STATUS_FAILED ||
                            g_error_matches (concurra_task_get_error (tasks[i]),
                                             CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
          g_assert_true (real_failure);
        }
    }

  g_clear_pointer (&results, g_hash_table_unref);
  g_signal_handlers_disconnect_by_data (runner, sig);
  for (int i = 0; i < dag->n; i++)
    g_signal_handlers_disconnect_by_data (tasks[i], sig);
  g_clear_object (&runner);
  g_free (sig);
  trace_unref (trace);
}

static void
test_property_dag (void)
{
  int n_runs = g_test_thorough () ? 2000 : 500;
  gint64 start = g_get_monotonic_time ();
  int n_fast_fail = 0, n_timeouts = 0, n_forward = 0, n_tasks = 0;

  for (int run = 0; run < n_runs; run++)
    {
      Dag dag;

      random_dag (&dag);
      n_fast_fail += dag.fast_fail;
      n_timeouts += dag.has_timeouts;
      n_tasks += dag.n;
      for (int k = 0; k < dag.n; k++)
        if (dag.add_order[k] != k)
          {
            n_forward++;
            break;
          }
      check_one_dag (&dag);
    }

  g_test_message ("%d DAGs, %d tasks (%d with fast-fail, %d with timeouts, %d shuffled) in %.1f s",
                  n_runs, n_tasks, n_fast_fail, n_timeouts, n_forward, test_elapsed (start));
}

/* ---- graph validation ---- */

#define N_LABELS 10

typedef struct
{
  gboolean added[N_LABELS];
  gboolean edge[N_LABELS][N_LABELS];   /* edge[a][b]: a depends on b */
  gboolean referenced[N_LABELS];
} Graph;

static int
label_index (const char *label)
{
  g_assert_true (label[0] == 'L' && g_ascii_isdigit (label[1]) && g_ascii_isdigit (label[2]) && label[3] == '\0');
  return (label[1] - '0') * 10 + (label[2] - '0');
}

/* Is @to reachable from @from along the edges of added tasks? */
static gboolean
reaches (const Graph *graph,
         int          from,
         int          to)
{
  gboolean seen[N_LABELS] = { FALSE };
  int stack[N_LABELS * N_LABELS];
  int top = 0;

  stack[top++] = from;
  seen[from] = TRUE;
  while (top > 0)
    {
      int x = stack[--top];

      if (x == to)
        return TRUE;
      if (!graph->added[x])
        continue;
      for (int y = 0; y < N_LABELS; y++)
        if (graph->edge[x][y] && !seen[y])
          {
            seen[y] = TRUE;
            stack[top++] = y;
          }
    }
  return FALSE;
}

/* The message ends with a real cycle from @label back to itself, through the
 * attempted dependencies @deps and then the edges of added tasks. */
static void
assert_cycle_path (const Graph *graph,
                   int          label,
                   const gboolean *deps,
                   const char  *message)
{
  g_autofree char *start = g_strdup_printf ("L%02d → ", label);
  const char *path = g_strrstr (message, ": ");
  g_auto(GStrv) hops = NULL;
  guint n;

  g_assert_nonnull (path);
  path += 2;
  g_assert_true (g_str_has_prefix (path, start));
  hops = g_strsplit (path, " → ", -1);
  n = g_strv_length (hops);
  g_assert_cmpuint (n, >=, 3);
  g_assert_cmpint (label_index (hops[0]), ==, label);
  g_assert_cmpint (label_index (hops[n - 1]), ==, label);
  g_assert_true (deps[label_index (hops[1])]);
  for (guint k = 1; k + 1 < n; k++)
    {
      int a = label_index (hops[k]);
      int b = label_index (hops[k + 1]);

      g_assert_true (graph->added[a]);
      g_assert_true (graph->edge[a][b]);
    }
}

static void
noop_func (ConcurraTask *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
  g_atomic_int_inc ((int *) user_data);
}

static void
check_one_graph (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("validation");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) run_error = NULL;
  Graph graph = { { FALSE } };
  int n_attempts = g_test_rand_int_range (1, 30);
  int n_added = 0;
  int n_cycles = 0;
  int calls = 0;
  gboolean any_unknown = FALSE;

  concurra_runner_set_verify_on_finish (runner, FALSE);

  for (int attempt = 0; attempt < n_attempts; attempt++)
    {
      int label = g_test_rand_int_range (0, N_LABELS);
      g_autofree char *label_text = g_strdup_printf ("L%02d", label);
      gboolean deps[N_LABELS] = { FALSE };
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) dep_list = NULL;
      g_autoptr(GError) error = NULL;
      gboolean self_dep = FALSE;
      gboolean cycle = FALSE;
      ConcurraTask *task;

      if (!graph.added[label])
        {
          if (g_test_rand_int_range (0, 12) == 0)
            {
              deps[label] = self_dep = TRUE;
            }
          else
            {
              int n_deps = g_test_rand_int_range (0, 4);

              for (int d = 0; d < n_deps; d++)
                {
                  int dep = g_test_rand_int_range (0, N_LABELS);

                  if (dep != label)
                    deps[dep] = TRUE;
                }
            }
          for (int d = 0; d < N_LABELS; d++)
            if (deps[d])
              {
                builder_take (builder, g_strdup_printf ("L%02d", d));
                if (!self_dep && reaches (&graph, d, label))
                  cycle = TRUE;
              }
        }
      dep_list = g_strv_builder_end (builder);

      task = concurra_runner_add_task (runner, label_text, (const char * const *) dep_list,
                                       noop_func, &calls, NULL, &error);
      if (graph.added[label])
        {
          g_assert_null (task);
          g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_DUPLICATE_LABEL);
        }
      else if (self_dep)
        {
          g_assert_null (task);
          g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_SELF_DEPENDENCY);
        }
      else if (cycle)
        {
          g_assert_null (task);
          g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_CYCLE);
          assert_cycle_path (&graph, label, deps, error->message);
          n_cycles++;
        }
      else
        {
          g_assert_no_error (error);
          g_assert_nonnull (task);
          graph.added[label] = TRUE;
          for (int d = 0; d < N_LABELS; d++)
            if (deps[d])
              {
                graph.edge[label][d] = TRUE;
                graph.referenced[d] = TRUE;
              }
          n_added++;
        }
      g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, n_added);
    }

  for (int l = 0; l < N_LABELS; l++)
    any_unknown |= graph.referenced[l] && !graph.added[l];

  results = concurra_runner_run (runner, NULL, &run_error);
  if (any_unknown)
    {
      g_assert_null (results);
      g_assert_error (run_error, CONCURRA_ERROR, CONCURRA_ERROR_UNKNOWN_DEPENDENCY);
      for (int l = 0; l < N_LABELS; l++)
        {
          g_autofree char *quoted = g_strdup_printf ("'L%02d'", l);
          gboolean unknown = graph.referenced[l] && !graph.added[l];

          /* every missing label is named, and only missing ones are named as
           * missing (an added label may appear as the one needing it) */
          if (unknown)
            g_assert_nonnull (strstr (run_error->message, quoted));
        }
      g_assert_cmpint (calls, ==, 0);
      for (guint i = 0; i < concurra_runner_get_n_tasks (runner); i++)
        {
          g_autoptr(ConcurraTask) task = g_list_model_get_item (G_LIST_MODEL (runner), i);

          g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_TERMINATED);
        }
    }
  else
    {
      g_assert_no_error (run_error);
      g_assert_nonnull (results);
      g_assert_cmpuint (g_hash_table_size (results), ==, n_added);
      g_assert_cmpint (g_atomic_int_get (&calls), ==, n_added);
    }
  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_FINISHED);
}

static void
test_property_graph_validation (void)
{
  int n_runs = g_test_thorough () ? 3000 : 600;

  for (int run = 0; run < n_runs; run++)
    check_one_graph ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  index_quark = g_quark_from_static_string ("test-property-index");

  g_test_add_func ("/property/dag", test_property_dag);
  g_test_add_func ("/property/graph-validation", test_property_graph_validation);

  return g_test_run ();
}
