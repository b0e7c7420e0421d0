/* concurra-runner.c: ConcurraRunner, the run-once DAG scheduler.
 *
 * All graph state (dependencies, counters, records, signal emission) lives on
 * the runner's owner GMainContext; worker threads only see the hub
 * (concurra-hub.c). Timeouts and retry delays share one timer
 * (concurra-deadlines.c). Graph work is linear: the cycle check at add time
 * walks the graph only when the new label was referenced before it existed,
 * and a completion touches only the finished task's dependents.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-deadlines-private.h"
#include "concurra-enum-types.h"
#include "concurra-error.h"
#include "concurra-format-private.h"
#include "concurra-executor-private.h"
#include "concurra-hub-private.h"
#include "concurra-process-private.h"
#include "concurra-runner-private.h"
#include "concurra-task-private.h"

#include <math.h>
#include <string.h>

/**
 * ConcurraRunner:
 *
 * Runs tasks concurrently in dependency order, once.
 *
 * Add tasks with [method@Concurra.Runner.add] or
 * [method@Concurra.Runner.add_task], each with a unique label and the labels
 * it depends on, then run them with [method@Concurra.Runner.run] (blocking),
 * [method@Concurra.Runner.run_async] (on the caller's main loop) or
 * [method@Concurra.Runner.start] and [method@Concurra.Runner.wait] (in the
 * background). Dependency cycles are rejected when the task closing them is
 * added; unknown dependencies when the run starts.
 *
 * At most [property@Concurra.Runner:max-concurrency] tasks run at once. A task
 * whose dependency failed or was terminated is skipped. Tasks can time out
 * ([property@Concurra.Runner:timeout]), be retried with a growing delay
 * ([property@Concurra.Runner:task-retries],
 * [property@Concurra.Runner:retry-delay]), and a failure can stop everything
 * ([property@Concurra.Runner:fast-fail]); [method@Concurra.Runner.abort]
 * stops a run from any thread. Every task added ends with a final status.
 *
 * The runner's signals, and the tasks' notifications, are emitted on its
 * owner context: the thread-default main context of the thread that called
 * `run_async()`, a private context for `run()`, a private thread for
 * `start()`. A GTK application can therefore update its widgets from them.
 *
 * The runner is a [iface@Gio.ListModel] of its tasks in the order they were
 * added, so a list view can show them and their status as they change.
 *
 * Since: 1.0
 */

struct _ConcurraRunner
{
  GObject                parent_instance;

  /* settings */
  char                  *name;
  guint                  max_concurrency;
  double                 timeout;
  gboolean               fast_fail;
  ConcurraExecutionMode  mode;
  gboolean               fallback_to_thread;
  char                 **worker_command;
  guint                  task_retries;
  double                 retry_delay;
  double                 retry_backoff;
  gboolean               progress_stats;
  gboolean               log_errors;
  gboolean               verify;
  gboolean               raise_on_failure;
  char                  *error_message;

  /* graph */
  GPtrArray             *tasks;
  GHashTable            *by_label;      /* label -> task, keys owned by tasks */
  GHashTable            *forward_refs;  /* missing label -> index of first referrer */

  /* the run; counters are written on the owner context, read anywhere */
  int                    state;
  guint                  n_running;
  guint                  n_completed;
  guint                  n_failed;
  guint                  n_announced;
  guint                  n_progressed;  /* the last count the progress signal gave */
  guint                  n_holding;     /* emissions the run cannot finish during */
  guint                  notified_counts[3];  /* n-running, n-completed, n-failed */
  gint64                 run_start;
  gboolean               terminating;
  GMainContext          *context;
  GThread               *owner_thread;  /* the thread iterating context */
  ConcurraHub           *hub;
  ConcurraDeadlines     *deadlines;
  ConcurraWorkerPool    *pool;
  gboolean               closing_pool;  /* its workers are being ended */
  GPtrArray             *batch;         /* tasks to queue together, at launch */
  GPtrArray             *worklist;      /* complete_task()'s, kept for reuse */
  GQueue                 events;        /* taken from the hub, not handled yet */
  gboolean               reentry_armed; /* the hub is ready for a nested dispatch */
  GTask                 *async_task;
  gulong                 async_cancel_id;
  GError                *run_error;

  GMutex                 lock;          /* context, abort_requested, done */
  GCond                  done_cond;
  gboolean               abort_requested;
  gboolean               done;
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_MAX_CONCURRENCY,
  PROP_TIMEOUT,
  PROP_FAST_FAIL,
  PROP_EXECUTION_MODE,
  PROP_FALLBACK_TO_THREAD,
  PROP_WORKER_COMMAND,
  PROP_TASK_RETRIES,
  PROP_RETRY_DELAY,
  PROP_RETRY_BACKOFF,
  PROP_PROGRESS_STATS,
  PROP_LOG_ERRORS,
  PROP_VERIFY,
  PROP_RAISE_ON_FAILURE,
  PROP_ERROR_MESSAGE,
  PROP_STATE,
  PROP_N_TASKS,
  PROP_N_RUNNING,
  PROP_N_COMPLETED,
  PROP_N_FAILED,
  N_PROPS
};

enum {
  SIGNAL_TASK_STARTED,
  SIGNAL_TASK_FINISHED,
  SIGNAL_TASK_RETRYING,
  SIGNAL_PROGRESS,
  SIGNAL_FINISHED,
  N_SIGNALS
};

/* deadline tags: the attempt number and what the deadline is for */
enum {
  DEADLINE_TIMEOUT,
  DEADLINE_RETRY,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];
static guint items_changed_signal;

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ConcurraRunner, concurra_runner, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static void complete_task   (ConcurraRunner     *self,
                             ConcurraTask       *task,
                             ConcurraTaskStatus  status,
                             GError             *error);
static void terminate_all   (ConcurraRunner     *self);
static void check_finished  (ConcurraRunner     *self);
static gboolean is_serializable (ConcurraRunner *self,
                                 ConcurraTask   *task);

/* ---- GListModel ---- */

static GType
list_model_get_item_type (GListModel *model)
{
  return CONCURRA_TYPE_TASK;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return CONCURRA_RUNNER (model)->tasks->len;
}

static gpointer
list_model_get_item (GListModel *model,
                     guint       position)
{
  ConcurraRunner *self = CONCURRA_RUNNER (model);

  if (position >= self->tasks->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->tasks, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

/* ---- logging ---- */

static void
runner_log (ConcurraRunner *self,
            GLogLevelFlags  level,
            const char     *format,
            ...) G_GNUC_PRINTF (3, 4);

static void
runner_log (ConcurraRunner *self,
            GLogLevelFlags  level,
            const char     *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_log_structured (G_LOG_DOMAIN, level,
                    "CONCURRA_RUNNER", self->name,
                    "MESSAGE", "%s", message);
}

/* g_set_str() is GLib 2.76 */
static gboolean
set_str (char       **field,
         const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static double
elapsed_seconds (ConcurraRunner *self)
{
  return (g_get_monotonic_time () - self->run_start) / (double) G_USEC_PER_SEC;
}

/* ---- object ---- */

static void
concurra_runner_dispose (GObject *object)
{
  ConcurraRunner *self = CONCURRA_RUNNER (object);

  /* tasks may outlive us; they must not point back */
  concurra_futures_lock ();
  for (guint i = 0; i < self->tasks->len; i++)
    ((ConcurraTask *) g_ptr_array_index (self->tasks, i))->runner = NULL;
  concurra_futures_unlock ();

  G_OBJECT_CLASS (concurra_runner_parent_class)->dispose (object);
}

static void
concurra_runner_finalize (GObject *object)
{
  ConcurraRunner *self = CONCURRA_RUNNER (object);

  g_clear_pointer (&self->deadlines, concurra_deadlines_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->worker_command, g_strfreev);
  g_clear_pointer (&self->by_label, g_hash_table_unref);
  g_clear_pointer (&self->forward_refs, g_hash_table_unref);
  g_clear_pointer (&self->tasks, g_ptr_array_unref);
  g_clear_pointer (&self->worklist, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->run_error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->done_cond);

  G_OBJECT_CLASS (concurra_runner_parent_class)->finalize (object);
}

static void
concurra_runner_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ConcurraRunner *self = CONCURRA_RUNNER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_MAX_CONCURRENCY:
      g_value_set_int (value, (int) self->max_concurrency);
      break;
    case PROP_TIMEOUT:
      g_value_set_double (value, self->timeout);
      break;
    case PROP_FAST_FAIL:
      g_value_set_boolean (value, self->fast_fail);
      break;
    case PROP_EXECUTION_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_FALLBACK_TO_THREAD:
      g_value_set_boolean (value, self->fallback_to_thread);
      break;
    case PROP_WORKER_COMMAND:
      g_value_set_boxed (value, self->worker_command);
      break;
    case PROP_TASK_RETRIES:
      g_value_set_uint (value, self->task_retries);
      break;
    case PROP_RETRY_DELAY:
      g_value_set_double (value, self->retry_delay);
      break;
    case PROP_RETRY_BACKOFF:
      g_value_set_double (value, self->retry_backoff);
      break;
    case PROP_PROGRESS_STATS:
      g_value_set_boolean (value, self->progress_stats);
      break;
    case PROP_LOG_ERRORS:
      g_value_set_boolean (value, self->log_errors);
      break;
    case PROP_VERIFY:
      g_value_set_boolean (value, self->verify);
      break;
    case PROP_RAISE_ON_FAILURE:
      g_value_set_boolean (value, self->raise_on_failure);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_STATE:
      g_value_set_enum (value, concurra_runner_get_state (self));
      break;
    case PROP_N_TASKS:
      g_value_set_uint (value, concurra_runner_get_n_tasks (self));
      break;
    case PROP_N_RUNNING:
      g_value_set_uint (value, concurra_runner_get_n_running (self));
      break;
    case PROP_N_COMPLETED:
      g_value_set_uint (value, concurra_runner_get_n_completed (self));
      break;
    case PROP_N_FAILED:
      g_value_set_uint (value, concurra_runner_get_n_failed (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concurra_runner_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ConcurraRunner *self = CONCURRA_RUNNER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      concurra_runner_set_name (self, g_value_get_string (value));
      break;
    case PROP_MAX_CONCURRENCY:
      concurra_runner_set_max_concurrency (self, g_value_get_int (value));
      break;
    case PROP_TIMEOUT:
      concurra_runner_set_timeout (self, g_value_get_double (value));
      break;
    case PROP_FAST_FAIL:
      concurra_runner_set_fast_fail (self, g_value_get_boolean (value));
      break;
    case PROP_EXECUTION_MODE:
      concurra_runner_set_execution_mode (self, g_value_get_enum (value));
      break;
    case PROP_FALLBACK_TO_THREAD:
      concurra_runner_set_fallback_to_thread (self, g_value_get_boolean (value));
      break;
    case PROP_WORKER_COMMAND:
      concurra_runner_set_worker_command (self, g_value_get_boxed (value));
      break;
    case PROP_TASK_RETRIES:
      concurra_runner_set_task_retries (self, g_value_get_uint (value));
      break;
    case PROP_RETRY_DELAY:
      concurra_runner_set_retry_delay (self, g_value_get_double (value));
      break;
    case PROP_RETRY_BACKOFF:
      concurra_runner_set_retry_backoff (self, g_value_get_double (value));
      break;
    case PROP_PROGRESS_STATS:
      concurra_runner_set_progress_stats (self, g_value_get_boolean (value));
      break;
    case PROP_LOG_ERRORS:
      concurra_runner_set_log_errors (self, g_value_get_boolean (value));
      break;
    case PROP_VERIFY:
      concurra_runner_set_verify_on_finish (self, g_value_get_boolean (value));
      break;
    case PROP_RAISE_ON_FAILURE:
      concurra_runner_set_raise_on_failure (self, g_value_get_boolean (value));
      break;
    case PROP_ERROR_MESSAGE:
      concurra_runner_set_error_message (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RW_FLAGS (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)
#define RO_FLAGS (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)

static void
concurra_runner_class_init (ConcurraRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concurra_runner_dispose;
  items_changed_signal = g_signal_lookup ("items-changed", G_TYPE_LIST_MODEL);
  object_class->finalize = concurra_runner_finalize;
  object_class->get_property = concurra_runner_get_property;
  object_class->set_property = concurra_runner_set_property;

  /**
   * ConcurraRunner:name:
   *
   * The runner's name, used in progress lines and reports.
   *
   * Since: 1.0
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, "TaskRunner", RW_FLAGS);

  /**
   * ConcurraRunner:max-concurrency:
   *
   * The most tasks that run at once. Setting 0 uses the number of CPUs;
   * negative values are coerced to 1 with a warning. Reading gives the
   * effective value.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_CONCURRENCY] =
    g_param_spec_int ("max-concurrency", NULL, NULL, G_MININT, G_MAXINT, 0, RW_FLAGS);

  /**
   * ConcurraRunner:timeout:
   *
   * Seconds one attempt of a task may run before it is terminated; 0 means
   * no timeout. [property@Concurra.Task:timeout] overrides it per task.
   *
   * Since: 1.0
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_double ("timeout", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0, RW_FLAGS);

  /**
   * ConcurraRunner:fast-fail:
   *
   * Whether the first failure or timeout terminates every task that has not
   * finished. A task cancelled with [method@Concurra.Task.cancel] is not a
   * failure: its dependents are skipped and the rest carries on.
   *
   * Since: 1.0
   */
  properties[PROP_FAST_FAIL] =
    g_param_spec_boolean ("fast-fail", NULL, NULL, FALSE, RW_FLAGS);

  /**
   * ConcurraRunner:execution-mode:
   *
   * Where function tasks run: %CONCURRA_EXECUTION_MODE_THREAD (the default)
   * or %CONCURRA_EXECUTION_MODE_PROCESS.
   *
   * Since: 1.0
   */
  properties[PROP_EXECUTION_MODE] =
    g_param_spec_enum ("execution-mode", NULL, NULL, CONCURRA_TYPE_EXECUTION_MODE,
                       CONCURRA_EXECUTION_MODE_THREAD, RW_FLAGS);

  /**
   * ConcurraRunner:fallback-to-thread:
   *
   * In process mode, whether a task that cannot cross the process boundary
   * runs in a thread instead of failing.
   *
   * Since: 1.0
   */
  properties[PROP_FALLBACK_TO_THREAD] =
    g_param_spec_boolean ("fallback-to-thread", NULL, NULL, FALSE, RW_FLAGS);

  /**
   * ConcurraRunner:worker-command:
   *
   * The command that starts a worker process in process mode: any program
   * that registers the functions its tasks name and calls
   * [func@Concurra.worker_main]. %NULL (the default) re-executes the
   * current program.
   *
   * Since: 1.0
   */
  properties[PROP_WORKER_COMMAND] =
    g_param_spec_boxed ("worker-command", NULL, NULL, G_TYPE_STRV, RW_FLAGS);

  /**
   * ConcurraRunner:task-retries:
   *
   * How many times a task whose attempt failed is retried, unless the task
   * sets [property@Concurra.Task:retries]. Timeouts, aborts and dependency
   * skips are never retried.
   *
   * Since: 1.0
   */
  properties[PROP_TASK_RETRIES] =
    g_param_spec_uint ("task-retries", NULL, NULL, 0, G_MAXINT, 0, RW_FLAGS);

  /**
   * ConcurraRunner:retry-delay:
   *
   * Seconds to wait before the first retry of a task; later retries wait
   * [property@Concurra.Runner:retry-backoff] times longer each.
   *
   * Since: 1.0
   */
  properties[PROP_RETRY_DELAY] =
    g_param_spec_double ("retry-delay", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0, RW_FLAGS);

  /**
   * ConcurraRunner:retry-backoff:
   *
   * The factor by which the delay grows from one retry to the next.
   *
   * Since: 1.0
   */
  properties[PROP_RETRY_BACKOFF] =
    g_param_spec_double ("retry-backoff", NULL, NULL, 1.0, G_MAXDOUBLE, 2.0, RW_FLAGS);

  /**
   * ConcurraRunner:progress-stats:
   *
   * Whether each completion logs a progress line such as
   * `MyRunner progress: [#################........] 2/3 [66.67%] in 0 min 1.04 sec` at
   * %G_LOG_LEVEL_INFO in the `Concurra` log domain.
   *
   * Since: 1.0
   */
  properties[PROP_PROGRESS_STATS] =
    g_param_spec_boolean ("progress-stats", NULL, NULL, FALSE, RW_FLAGS);

  /**
   * ConcurraRunner:log-errors:
   *
   * Whether task errors and traces are logged as they happen.
   *
   * Since: 1.0
   */
  properties[PROP_LOG_ERRORS] =
    g_param_spec_boolean ("log-errors", NULL, NULL, FALSE, RW_FLAGS);

  /**
   * ConcurraRunner:verify-on-finish:
   *
   * Whether the report of all tasks is logged when the run finishes, as
   * [method@Concurra.Runner.verify] does.
   *
   * Since: 1.0
   */
  properties[PROP_VERIFY] =
    g_param_spec_boolean ("verify-on-finish", NULL, NULL, TRUE, RW_FLAGS);

  /**
   * ConcurraRunner:raise-on-failure:
   *
   * Whether [method@Concurra.Runner.run], [method@Concurra.Runner.run_finish]
   * and [method@Concurra.Runner.wait] fail with %CONCURRA_ERROR_TASKS_FAILED
   * when any task failed or was terminated. The results stay available from
   * [method@Concurra.Runner.get_results].
   *
   * Since: 1.0
   */
  properties[PROP_RAISE_ON_FAILURE] =
    g_param_spec_boolean ("raise-on-failure", NULL, NULL, FALSE, RW_FLAGS);

  /**
   * ConcurraRunner:error-message:
   *
   * Text put in front of the %CONCURRA_ERROR_TASKS_FAILED message and of the
   * failure report.
   *
   * Since: 1.0
   */
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL, RW_FLAGS);

  /**
   * ConcurraRunner:state:
   *
   * Where the runner is in its single run.
   *
   * Since: 1.0
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CONCURRA_TYPE_RUNNER_STATE,
                       CONCURRA_RUNNER_STATE_IDLE, RO_FLAGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConcurraRunner:n-tasks:
   *
   * How many tasks were added.
   *
   * Since: 1.0
   */
  properties[PROP_N_TASKS] =
    g_param_spec_uint ("n-tasks", NULL, NULL, 0, G_MAXUINT, 0, RO_FLAGS);

  /**
   * ConcurraRunner:n-running:
   *
   * How many tasks are running now. Notified on the owner context once per
   * batch of task events, not necessarily once per task.
   *
   * Since: 1.0
   */
  properties[PROP_N_RUNNING] =
    g_param_spec_uint ("n-running", NULL, NULL, 0, G_MAXUINT, 0, RO_FLAGS);

  /**
   * ConcurraRunner:n-completed:
   *
   * How many tasks have their final status. Notified on the owner context once per
   * batch of task events, not necessarily once per task.
   *
   * Since: 1.0
   */
  properties[PROP_N_COMPLETED] =
    g_param_spec_uint ("n-completed", NULL, NULL, 0, G_MAXUINT, 0, RO_FLAGS);

  /**
   * ConcurraRunner:n-failed:
   *
   * How many tasks failed or were terminated. Notified on the owner context once per
   * batch of task events, not necessarily once per task.
   *
   * Since: 1.0
   */
  properties[PROP_N_FAILED] =
    g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0, RO_FLAGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConcurraRunner::task-started:
   * @runner: the runner
   * @task: the task
   *
   * Emitted on the owner context when an attempt of @task starts.
   *
   * Since: 1.0
   */
  signals[SIGNAL_TASK_STARTED] =
    g_signal_new ("task-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONCURRA_TYPE_TASK);

  /**
   * ConcurraRunner::task-finished:
   * @runner: the runner
   * @task: the task
   *
   * Emitted on the owner context once @task has its final status, whether
   * it ran or not.
   *
   * Since: 1.0
   */
  signals[SIGNAL_TASK_FINISHED] =
    g_signal_new ("task-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONCURRA_TYPE_TASK);

  /**
   * ConcurraRunner::task-retrying:
   * @runner: the runner
   * @task: the task
   * @attempt: the number of the attempt that failed, from 1
   * @error: why it failed
   *
   * Emitted on the owner context when a failed attempt of @task will be
   * retried.
   *
   * Since: 1.0
   */
  signals[SIGNAL_TASK_RETRYING] =
    g_signal_new ("task-retrying", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  CONCURRA_TYPE_TASK, G_TYPE_UINT, G_TYPE_ERROR);

  /**
   * ConcurraRunner::progress:
   * @runner: the runner
   * @completed: how many tasks have their final status
   * @total: how many tasks the run has
   *
   * Emitted on the owner context after each task gets its final status.
   *
   * Since: 1.0
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);

  /**
   * ConcurraRunner::finished:
   * @runner: the runner
   *
   * Emitted on the owner context when every task has its final status.
   *
   * Since: 1.0
   */
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
concurra_runner_init (ConcurraRunner *self)
{
  self->name = g_strdup ("TaskRunner");
  self->max_concurrency = g_get_num_processors ();
  self->mode = CONCURRA_EXECUTION_MODE_THREAD;
  self->retry_backoff = 2.0;
  self->verify = TRUE;
  self->tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_label = g_hash_table_new (g_str_hash, g_str_equal);
  self->forward_refs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->worklist = g_ptr_array_new ();
  g_queue_init (&self->events);
  g_mutex_init (&self->lock);
  g_cond_init (&self->done_cond);
}

/**
 * concurra_runner_new:
 * @name: (nullable): the runner's name for logs, or %NULL for "TaskRunner"
 *
 * Creates a runner with the defaults: as many concurrent tasks as CPUs, no
 * timeout, no retries, thread mode.
 *
 * Returns: (transfer full): a new runner
 *
 * Since: 1.0
 */
ConcurraRunner *
concurra_runner_new (const char *name)
{
  return g_object_new (CONCURRA_TYPE_RUNNER, "name", name ? name : "TaskRunner", NULL);
}

/* The plain accessors: @check normalizes or checks the new value. */
#define DEFINE_ACCESSORS(name, field, ctype, fallback, PROP, value, check)     \
ctype                                                                     \
concurra_runner_get_##name (ConcurraRunner *runner)                       \
{                                                                         \
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), fallback);           \
  return runner->field;                                                   \
}                                                                         \
                                                                          \
void                                                                      \
concurra_runner_set_##name (ConcurraRunner *runner,                       \
                            ctype           value)                        \
{                                                                         \
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));                         \
  check;                                                                  \
                                                                          \
  if (runner->field != value)                                             \
    {                                                                     \
      runner->field = value;                                              \
      g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP]);     \
    }                                                                     \
}

/**
 * concurra_runner_get_fast_fail:
 * @runner: a runner
 *
 * Gets whether a failure terminates the run; see [property@Concurra.Runner:fast-fail].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
/**
 * concurra_runner_set_fast_fail:
 * @runner: a runner not started yet
 * @fast_fail: the new value
 *
 * Sets whether a failure terminates the run; see [property@Concurra.Runner:fast-fail].
 *
 * Since: 1.0
 */
DEFINE_ACCESSORS (fast_fail, fast_fail, gboolean, FALSE, PROP_FAST_FAIL, fast_fail,
                  fast_fail = !!fast_fail)

/**
 * concurra_runner_get_fallback_to_thread:
 * @runner: a runner
 *
 * Gets whether unserializable tasks fall back to a thread; see [property@Concurra.Runner:fallback-to-thread].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
/**
 * concurra_runner_set_fallback_to_thread:
 * @runner: a runner not started yet
 * @fallback: the new value
 *
 * Sets whether unserializable tasks fall back to a thread; see [property@Concurra.Runner:fallback-to-thread].
 *
 * Since: 1.0
 */
DEFINE_ACCESSORS (fallback_to_thread, fallback_to_thread, gboolean, FALSE, PROP_FALLBACK_TO_THREAD, fallback,
                  fallback = !!fallback)

/**
 * concurra_runner_get_task_retries:
 * @runner: a runner
 *
 * Gets the default retry budget of tasks; see [property@Concurra.Runner:task-retries].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
/**
 * concurra_runner_set_task_retries:
 * @runner: a runner not started yet
 * @retries: the new value
 *
 * Sets the default retry budget of tasks; see [property@Concurra.Runner:task-retries].
 *
 * Since: 1.0
 */
DEFINE_ACCESSORS (task_retries, task_retries, guint, 0, PROP_TASK_RETRIES, retries,
                  retries = MIN (retries, (guint) G_MAXINT))

/**
 * concurra_runner_get_progress_stats:
 * @runner: a runner
 *
 * Gets whether progress lines are logged; see [property@Concurra.Runner:progress-stats].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
/**
 * concurra_runner_set_progress_stats:
 * @runner: a runner not started yet
 * @progress_stats: the new value
 *
 * Sets whether progress lines are logged; see [property@Concurra.Runner:progress-stats].
 *
 * Since: 1.0
 */
DEFINE_ACCESSORS (progress_stats, progress_stats, gboolean, FALSE, PROP_PROGRESS_STATS, progress_stats,
                  progress_stats = !!progress_stats)

/**
 * concurra_runner_get_log_errors:
 * @runner: a runner
 *
 * Gets whether task errors are logged; see [property@Concurra.Runner:log-errors].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
/**
 * concurra_runner_set_log_errors:
 * @runner: a runner not started yet
 * @log_errors: the new value
 *
 * Sets whether task errors are logged; see [property@Concurra.Runner:log-errors].
 *
 * Since: 1.0
 */
DEFINE_ACCESSORS (log_errors, log_errors, gboolean, FALSE, PROP_LOG_ERRORS, log_errors,
                  log_errors = !!log_errors)

/**
 * concurra_runner_get_verify_on_finish:
 * @runner: a runner
 *
 * Gets whether the report is logged when the run finishes; see [property@Concurra.Runner:verify-on-finish].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
/**
 * concurra_runner_set_verify_on_finish:
 * @runner: a runner not started yet
 * @verify: the new value
 *
 * Sets whether the report is logged when the run finishes; see [property@Concurra.Runner:verify-on-finish].
 *
 * Since: 1.0
 */
DEFINE_ACCESSORS (verify_on_finish, verify, gboolean, TRUE, PROP_VERIFY, verify,
                  verify = !!verify)

/**
 * concurra_runner_get_raise_on_failure:
 * @runner: a runner
 *
 * Gets whether a run with failed tasks returns an error; see [property@Concurra.Runner:raise-on-failure].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
/**
 * concurra_runner_set_raise_on_failure:
 * @runner: a runner not started yet
 * @raise_on_failure: the new value
 *
 * Sets whether a run with failed tasks returns an error; see [property@Concurra.Runner:raise-on-failure].
 *
 * Since: 1.0
 */
DEFINE_ACCESSORS (raise_on_failure, raise_on_failure, gboolean, FALSE, PROP_RAISE_ON_FAILURE, raise_on_failure,
                  raise_on_failure = !!raise_on_failure)

/**
 * concurra_runner_get_retry_backoff:
 * @runner: a runner
 *
 * Gets the growth factor of retry delays; see [property@Concurra.Runner:retry-backoff].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
/**
 * concurra_runner_set_retry_backoff:
 * @runner: a runner not started yet
 * @backoff: the new value
 *
 * Sets the growth factor of retry delays; see [property@Concurra.Runner:retry-backoff].
 *
 * Since: 1.0
 */
DEFINE_ACCESSORS (retry_backoff, retry_backoff, double, 2.0, PROP_RETRY_BACKOFF, backoff,
                  g_return_if_fail (backoff >= 1.0))

/**
 * concurra_runner_get_retry_delay:
 * @runner: a runner
 *
 * Gets the delay before a first retry, in seconds; see [property@Concurra.Runner:retry-delay].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
/**
 * concurra_runner_set_retry_delay:
 * @runner: a runner not started yet
 * @delay: the new value
 *
 * Sets the delay before a first retry, in seconds; see [property@Concurra.Runner:retry-delay].
 *
 * Since: 1.0
 */
DEFINE_ACCESSORS (retry_delay, retry_delay, double, 0.0, PROP_RETRY_DELAY, delay,
                  g_return_if_fail (delay >= 0.0))

/**
 * concurra_runner_get_timeout:
 * @runner: a runner
 *
 * Gets the default per-attempt timeout in seconds (0 for none); see [property@Concurra.Runner:timeout].
 *
 * Returns: the value
 *
 * Since: 1.0
 */
/**
 * concurra_runner_set_timeout:
 * @runner: a runner not started yet
 * @timeout: the new value
 *
 * Sets the default per-attempt timeout in seconds (0 for none); see [property@Concurra.Runner:timeout].
 *
 * Since: 1.0
 */
DEFINE_ACCESSORS (timeout, timeout, double, 0.0, PROP_TIMEOUT, timeout,
                  g_return_if_fail (timeout >= 0.0))

/**
 * concurra_runner_get_name:
 * @runner: a runner
 *
 * Gets the runner's name; see [property@Concurra.Runner:name].
 *
 * Returns: the name
 *
 * Since: 1.0
 */
const char *
concurra_runner_get_name (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  return runner->name;
}

/**
 * concurra_runner_set_name:
 * @runner: a runner
 * @name: (nullable): the name, %NULL for "TaskRunner"
 *
 * Sets the runner's name; see [property@Concurra.Runner:name].
 *
 * Since: 1.0
 */
void
concurra_runner_set_name (ConcurraRunner *runner,
                          const char     *name)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));

  if (name == NULL)
    name = "TaskRunner";
  if (set_str (&runner->name, name))
    g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP_NAME]);
}

/**
 * concurra_runner_get_max_concurrency:
 * @runner: a runner
 *
 * Gets the effective limit of concurrent tasks; see
 * [property@Concurra.Runner:max-concurrency].
 *
 * Returns: the limit, at least 1
 *
 * Since: 1.0
 */
int
concurra_runner_get_max_concurrency (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 1);
  return runner->max_concurrency;
}

/**
 * concurra_runner_set_max_concurrency:
 * @runner: a runner not started yet
 * @max_concurrency: the limit; 0 for the number of CPUs
 *
 * Sets the limit of concurrent tasks; negative values are coerced to 1 with
 * a warning. See [property@Concurra.Runner:max-concurrency].
 *
 * Since: 1.0
 */
void
concurra_runner_set_max_concurrency (ConcurraRunner *runner,
                                     int             max_concurrency)
{
  guint effective;

  g_return_if_fail (CONCURRA_IS_RUNNER (runner));

  if (max_concurrency < 0)
    {
      g_warning ("Runner '%s': max-concurrency %d is less than 1, coerced to 1",
                 runner->name, max_concurrency);
      effective = 1;
    }
  else if (max_concurrency == 0)
    effective = g_get_num_processors ();
  else
    effective = max_concurrency;

  if (runner->max_concurrency != effective)
    {
      runner->max_concurrency = effective;
      g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP_MAX_CONCURRENCY]);
    }
}

/**
 * concurra_runner_get_execution_mode:
 * @runner: a runner
 *
 * Gets where function tasks run; see
 * [property@Concurra.Runner:execution-mode].
 *
 * Returns: %CONCURRA_EXECUTION_MODE_THREAD or %CONCURRA_EXECUTION_MODE_PROCESS
 *
 * Since: 1.0
 */
ConcurraExecutionMode
concurra_runner_get_execution_mode (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), CONCURRA_EXECUTION_MODE_THREAD);
  return runner->mode;
}

/**
 * concurra_runner_set_execution_mode:
 * @runner: a runner not started yet
 * @mode: %CONCURRA_EXECUTION_MODE_THREAD or %CONCURRA_EXECUTION_MODE_PROCESS
 *
 * Sets where function tasks run; see
 * [property@Concurra.Runner:execution-mode].
 *
 * Since: 1.0
 */
void
concurra_runner_set_execution_mode (ConcurraRunner        *runner,
                                    ConcurraExecutionMode  mode)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  g_return_if_fail (mode == CONCURRA_EXECUTION_MODE_THREAD ||
                    mode == CONCURRA_EXECUTION_MODE_PROCESS);

  if (runner->mode != mode)
    {
      runner->mode = mode;
      g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP_EXECUTION_MODE]);
    }
}

/**
 * concurra_runner_get_worker_command:
 * @runner: a runner
 *
 * Gets the command that starts worker processes; see
 * [property@Concurra.Runner:worker-command].
 *
 * Returns: (nullable) (array zero-terminated=1): the command, %NULL for
 *   the current program
 *
 * Since: 1.0
 */
const char * const *
concurra_runner_get_worker_command (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  return (const char * const *) runner->worker_command;
}

/**
 * concurra_runner_set_worker_command:
 * @runner: a runner not started yet
 * @command: (nullable) (array zero-terminated=1): the program and its
 *   arguments, %NULL for the current program
 *
 * Sets the command that starts worker processes; see
 * [property@Concurra.Runner:worker-command].
 *
 * Since: 1.0
 */
void
concurra_runner_set_worker_command (ConcurraRunner     *runner,
                                    const char * const *command)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  g_return_if_fail (command == NULL || command[0] != NULL);

  g_strfreev (runner->worker_command);
  runner->worker_command = g_strdupv ((char **) command);
  g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP_WORKER_COMMAND]);
}

/**
 * concurra_runner_get_error_message:
 * @runner: a runner
 *
 * Gets the text put before failure messages; see
 * [property@Concurra.Runner:error-message].
 *
 * Returns: (nullable): the text
 *
 * Since: 1.0
 */
const char *
concurra_runner_get_error_message (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  return runner->error_message;
}

/**
 * concurra_runner_set_error_message:
 * @runner: a runner
 * @error_message: (nullable): the text
 *
 * Sets the text put before failure messages; see
 * [property@Concurra.Runner:error-message].
 *
 * Since: 1.0
 */
void
concurra_runner_set_error_message (ConcurraRunner *runner,
                                   const char     *error_message)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));

  if (set_str (&runner->error_message, error_message))
    g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP_ERROR_MESSAGE]);
}

/**
 * concurra_runner_get_state:
 * @runner: a runner
 *
 * Gets where the runner is in its run. Safe to call from any thread.
 *
 * Returns: the state
 *
 * Since: 1.0
 */
ConcurraRunnerState
concurra_runner_get_state (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), CONCURRA_RUNNER_STATE_IDLE);
  return (ConcurraRunnerState) g_atomic_int_get (&runner->state);
}

/**
 * concurra_runner_is_running:
 * @runner: a runner
 *
 * Whether the runner was started and some task has no final status yet.
 * Unlike Concurra's, this turns %FALSE as soon as the run is finished,
 * whether or not the results were collected. Safe to call from any thread.
 *
 * Returns: %TRUE while the run is in progress
 *
 * Since: 1.0
 */
gboolean
concurra_runner_is_running (ConcurraRunner *runner)
{
  return concurra_runner_get_state (runner) == CONCURRA_RUNNER_STATE_RUNNING;
}

/**
 * concurra_runner_get_n_tasks:
 * @runner: a runner
 *
 * Gets how many tasks were added.
 *
 * Returns: the number of tasks
 *
 * Since: 1.0
 */
guint
concurra_runner_get_n_tasks (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 0);
  return runner->tasks->len;
}

/**
 * concurra_runner_get_n_running:
 * @runner: a runner
 *
 * Gets how many tasks are running now. Safe to call from any thread.
 *
 * Returns: the number of running tasks
 *
 * Since: 1.0
 */
guint
concurra_runner_get_n_running (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 0);
  return g_atomic_int_get (&runner->n_running);
}

/**
 * concurra_runner_get_n_completed:
 * @runner: a runner
 *
 * Gets how many tasks have their final status. Safe to call from any thread.
 *
 * Returns: the number of completed tasks
 *
 * Since: 1.0
 */
guint
concurra_runner_get_n_completed (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 0);
  return g_atomic_int_get (&runner->n_completed);
}

/**
 * concurra_runner_get_n_failed:
 * @runner: a runner
 *
 * Gets how many tasks failed or were terminated. Safe to call from any
 * thread.
 *
 * Returns: the number of failed tasks
 *
 * Since: 1.0
 */
guint
concurra_runner_get_n_failed (ConcurraRunner *runner)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), 0);
  return g_atomic_int_get (&runner->n_failed);
}

/* ---- building the graph ---- */

static ConcurraTask *add_created (ConcurraRunner      *runner,
                                  ConcurraTask        *task,
                                  const char          *label,
                                  const char * const  *depends_on,
                                  GError             **error);

static gboolean
check_idle (ConcurraRunner  *self,
            const char      *label,
            GError         **error)
{
  if (concurra_runner_get_state (self) == CONCURRA_RUNNER_STATE_IDLE)
    return TRUE;

  g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_ALREADY_STARTED,
               "Cannot add task '%s': runner '%s' was already started",
               label ? label : "(unlabelled)", self->name);
  return FALSE;
}

/* Looks for a path from one of @deps back to @label through existing tasks;
 * returns the cycle as "label → dep → … → label", or NULL. Only called when
 * @label was referenced before it was added, the one way a cycle can close. */
static char *
find_cycle (ConcurraRunner     *self,
            const char         *label,
            const char * const *deps)
{
  g_autoptr(GHashTable) parent = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();
  const char *found = NULL;

  for (guint i = 0; deps[i] != NULL; i++)
    if (!g_hash_table_contains (parent, deps[i]))
      {
        g_hash_table_insert (parent, (char *) deps[i], (char *) label);
        g_ptr_array_add (stack, (char *) deps[i]);
      }

  while (found == NULL && stack->len > 0)
    {
      const char *current = g_ptr_array_steal_index_fast (stack, stack->len - 1);
      ConcurraTask *task = g_hash_table_lookup (self->by_label, current);

      if (task == NULL || task->depends_on == NULL)
        continue;
      for (guint i = 0; task->depends_on[i] != NULL; i++)
        {
          const char *next = task->depends_on[i];

          if (strcmp (next, label) == 0)
            {
              found = current;
              break;
            }
          if (!g_hash_table_contains (parent, next))
            {
              g_hash_table_insert (parent, (char *) next, (char *) current);
              g_ptr_array_add (stack, (char *) next);
            }
        }
    }

  if (found == NULL)
    return NULL;

  /* walk back from the last hop to @label, then print forwards */
  {
    g_autoptr(GPtrArray) path = g_ptr_array_new ();
    GString *out = g_string_new (label);

    for (const char *l = found; l != label; l = g_hash_table_lookup (parent, l))
      g_ptr_array_add (path, (char *) l);
    for (guint i = path->len; i > 0; i--)
      g_string_append_printf (out, " → %s", (char *) g_ptr_array_index (path, i - 1));
    g_string_append_printf (out, " → %s", label);
    return g_string_free (out, FALSE);
  }
}

static gboolean
check_dependencies (ConcurraRunner     *self,
                    const char         *label,
                    const char * const *deps,
                    GError            **error)
{
  g_autofree char *cycle = NULL;

  for (guint i = 0; deps[i] != NULL; i++)
    if (strcmp (deps[i], label) == 0)
      {
        g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_SELF_DEPENDENCY,
                     "Task '%s' depends on itself", label);
        return FALSE;
      }

  if (g_hash_table_contains (self->forward_refs, label) &&
      (cycle = find_cycle (self, label, deps)) != NULL)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_CYCLE,
                   "Adding task '%s' would create a dependency cycle: %s", label, cycle);
      return FALSE;
    }

  return TRUE;
}

static char *
format_index (guint index)
{
  char buf[16];
  char *p = buf + sizeof buf;

  *--p = '\0';
  do
    *--p = '0' + index % 10;
  while ((index /= 10) != 0);
  return g_strdup (p);
}

/* The dependency labels without repeats, or NULL for none; linear in the
 * number of labels, so that a task may wait for a hundred thousand others. */
static char **
unique_labels (const char * const *deps)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autoptr(GHashTable) seen = NULL;

  if (deps == NULL || deps[0] == NULL)
    return NULL;

  builder = g_strv_builder_new ();
  for (guint i = 0; deps[i] != NULL; i++)
    {
      gboolean repeat = FALSE;

      /* a few labels are compared directly, more go through a set */
      if (seen == NULL && i == 8)
        {
          seen = g_hash_table_new (g_str_hash, g_str_equal);
          for (guint j = 0; j < i; j++)
            g_hash_table_add (seen, (gpointer) deps[j]);
        }
      if (seen != NULL)
        repeat = !g_hash_table_add (seen, (gpointer) deps[i]);
      else
        for (guint j = 0; j < i && !repeat; j++)
          repeat = strcmp (deps[i], deps[j]) == 0;
      if (!repeat)
        g_strv_builder_add (builder, deps[i]);
    }
  return g_strv_builder_end (builder);
}

/**
 * concurra_runner_add:
 * @runner: a runner not started yet
 * @task: a task not added to any runner
 * @label: (nullable): a label unique in @runner, or %NULL for the task's
 *   index ("0", "1", …)
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed before @task runs; they may be added later
 *
 * Adds @task to the run. Fails, adding nothing, when the label is taken
 * (%CONCURRA_ERROR_DUPLICATE_LABEL), when the task depends on itself
 * (%CONCURRA_ERROR_SELF_DEPENDENCY) or would close a dependency cycle
 * (%CONCURRA_ERROR_CYCLE, the message shows the cycle), when its retry
 * budget is negative (%CONCURRA_ERROR_INVALID_ARGUMENT), or once the runner
 * was started (%CONCURRA_ERROR_ALREADY_STARTED). Dependencies that name no
 * task are reported when the run starts.
 *
 * Returns: %TRUE if the task was added
 *
 * Since: 1.0
 */
gboolean
concurra_runner_add (ConcurraRunner      *runner,
                     ConcurraTask        *task,
                     const char          *label,
                     const char * const  *depends_on,
                     GError             **error)
{
  g_autofree char *index_label = NULL;
  char **deps;

  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), FALSE);
  g_return_val_if_fail (CONCURRA_IS_TASK (task), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (label == NULL)
    label = index_label = format_index (runner->tasks->len);

  if (!check_idle (runner, label, error))
    return FALSE;
  if (task->label != NULL)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                   "Cannot add task '%s': it was already added as '%s'", label, task->label);
      return FALSE;
    }
  if (g_hash_table_contains (runner->by_label, label))
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_DUPLICATE_LABEL,
                   "Duplicate task label '%s'", label);
      return FALSE;
    }
  if (task->executor == NULL)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                   "Cannot add task '%s': it has nothing to run (create it with "
                   "concurra_task_new() or another constructor, not g_object_new())", label);
      return FALSE;
    }
  if (task->retries < -1)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                   "Task '%s': retries must not be negative (got %d)", label, task->retries);
      return FALSE;
    }
  if (task->command != NULL && !concurra_command_validate (task, label, error))
    return FALSE;
  if (depends_on != NULL && !check_dependencies (runner, label, depends_on, error))
    return FALSE;

  deps = unique_labels (depends_on);
  concurra_task_take_label (task, index_label ? g_steal_pointer (&index_label) : g_strdup (label));
  task->depends_on = deps;
  task->n_deps = deps ? g_strv_length (deps) : 0;
  task->index = runner->tasks->len;
  g_ptr_array_add (runner->tasks, g_object_ref (task));
  concurra_futures_lock ();
  task->runner = runner;
  concurra_futures_unlock ();
  g_hash_table_insert (runner->by_label, task->label, task);
  if (g_hash_table_size (runner->forward_refs) > 0)
    g_hash_table_remove (runner->forward_refs, label);
  for (guint i = 0; i < task->n_deps; i++)
    if (!g_hash_table_contains (runner->by_label, deps[i]) &&
        !g_hash_table_contains (runner->forward_refs, deps[i]))
      g_hash_table_insert (runner->forward_refs, g_strdup (deps[i]), GUINT_TO_POINTER (task->index));

  /* adding a million tasks should not cost a million emissions nobody hears */
  if (g_signal_has_handler_pending (runner, items_changed_signal, 0, FALSE))
    g_list_model_items_changed (G_LIST_MODEL (runner), task->index, 0, 1);
  g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP_N_TASKS]);

  return TRUE;
}

/**
 * concurra_runner_add_task:
 * @runner: a runner not started yet
 * @label: (nullable): a unique label, or %NULL for the task's index
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed first
 * @func: (scope notified) (closure user_data) (destroy destroy): the function to run
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Creates a function task named after its label and adds it, as
 * [method@Concurra.Runner.add] does. On error @user_data is freed with
 * @destroy.
 *
 * Returns: (transfer none): the task, owned by @runner
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_add_task (ConcurraRunner      *runner,
                          const char          *label,
                          const char * const  *depends_on,
                          ConcurraTaskFunc     func,
                          gpointer             user_data,
                          GDestroyNotify       destroy,
                          GError             **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return add_created (runner, concurra_task_new (NULL, func, user_data, destroy),
                      label, depends_on, error);
}

static ConcurraTask *
add_created (ConcurraRunner      *runner,
             ConcurraTask        *task,
             const char          *label,
             const char * const  *depends_on,
             GError             **error)
{
  g_autoptr(ConcurraTask) owned = task;

  if (!concurra_runner_add (runner, owned, label, depends_on, error))
    return NULL;
  return task;
}

/**
 * concurra_runner_add_async_task:
 * @runner: a runner not started yet
 * @label: (nullable): a unique label, or %NULL for the task's index
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed first
 * @func: (scope notified) (closure user_data) (destroy destroy): the function to start
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Creates an async task with [ctor@Concurra.Task.new_async], named after
 * its label, and adds it as [method@Concurra.Runner.add] does.
 *
 * Returns: (transfer none): the task, owned by @runner
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_add_async_task (ConcurraRunner      *runner,
                                const char          *label,
                                const char * const  *depends_on,
                                ConcurraTaskFunc     func,
                                gpointer             user_data,
                                GDestroyNotify       destroy,
                                GError             **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return add_created (runner, concurra_task_new_async (NULL, func, user_data, destroy),
                      label, depends_on, error);
}

/**
 * concurra_runner_add_main_context_task:
 * @runner: a runner not started yet
 * @label: (nullable): a unique label, or %NULL for the task's index
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed first
 * @func: (scope notified) (closure user_data) (destroy destroy): starts the work
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Creates a main-context task with [ctor@Concurra.Task.new_main_context],
 * named after its label, and adds it as [method@Concurra.Runner.add] does.
 *
 * Returns: (transfer none): the task, owned by @runner
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_add_main_context_task (ConcurraRunner      *runner,
                                       const char          *label,
                                       const char * const  *depends_on,
                                       ConcurraStartFunc    func,
                                       gpointer             user_data,
                                       GDestroyNotify       destroy,
                                       GError             **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return add_created (runner, concurra_task_new_main_context (NULL, func, user_data, destroy),
                      label, depends_on, error);
}

/**
 * concurra_runner_add_process_task:
 * @runner: a runner not started yet
 * @label: (nullable): a unique label, or %NULL for the task's index
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed first
 * @function_name: a function registered with [func@Concurra.worker_register]
 * @args: (nullable): its arguments; a floating reference is sunk
 *
 * Creates a process task with [ctor@Concurra.Task.new_process] and adds it
 * as [method@Concurra.Runner.add] does.
 *
 * Returns: (transfer none): the task, owned by @runner
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_add_process_task (ConcurraRunner      *runner,
                                  const char          *label,
                                  const char * const  *depends_on,
                                  const char          *function_name,
                                  GVariant            *args,
                                  GError             **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (function_name != NULL, NULL);

  return add_created (runner, concurra_task_new_process (function_name, args),
                      label, depends_on, error);
}

/**
 * concurra_runner_add_command:
 * @runner: a runner not started yet
 * @label: (nullable): a unique label, or %NULL for the task's index
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed first
 * @argv: (array zero-terminated=1): the program and its arguments
 *
 * Creates a command task with [ctor@Concurra.Task.new_command] and adds it
 * as [method@Concurra.Runner.add] does. Set its options (working directory,
 * environment, check, output capture) on the returned task before the run.
 *
 * Returns: (transfer none): the task, owned by @runner
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_add_command (ConcurraRunner      *runner,
                             const char          *label,
                             const char * const  *depends_on,
                             const char * const  *argv,
                             GError             **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (argv != NULL, NULL);

  return add_created (runner, concurra_task_new_command (argv), label, depends_on, error);
}

/**
 * concurra_runner_add_shell_command:
 * @runner: a runner not started yet
 * @label: (nullable): a unique label, or %NULL for the task's index
 * @depends_on: (array zero-terminated=1) (nullable): labels of the tasks
 *   that must succeed first
 * @command: a command line for `/bin/sh -c`
 *
 * Creates a shell command task with
 * [ctor@Concurra.Task.new_shell_command] and adds it as
 * [method@Concurra.Runner.add] does.
 *
 * Returns: (transfer none): the task, owned by @runner
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_add_shell_command (ConcurraRunner      *runner,
                                   const char          *label,
                                   const char * const  *depends_on,
                                   const char          *command,
                                   GError             **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (command != NULL, NULL);

  return add_created (runner, concurra_task_new_shell_command (command), label, depends_on, error);
}

/**
 * concurra_runner_get_task:
 * @runner: a runner
 * @label: a task label
 *
 * Looks up a task by label.
 *
 * Returns: (transfer none) (nullable): the task, or %NULL if none has @label
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_runner_get_task (ConcurraRunner *runner,
                          const char     *label)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (label != NULL, NULL);

  return g_hash_table_lookup (runner->by_label, label);
}

/**
 * concurra_runner_get_results:
 * @runner: a runner
 *
 * Gets every task by label, the form in which Concurra returns its results.
 * Read each task's result from it, or call [method@Concurra.Task.to_variant].
 *
 * Returns: (transfer container) (element-type utf8 Concurra.Task): a new
 *   table of label to task
 *
 * Since: 1.0
 */
GHashTable *
concurra_runner_get_results (ConcurraRunner *runner)
{
  GHashTable *results;

  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);

  results = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  for (guint i = 0; i < runner->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (runner->tasks, i);

      g_hash_table_insert (results, task->label, g_object_ref (task));
    }
  return results;
}

/* ---- validation when the run starts ---- */

static int
compare_missing (gconstpointer a,
                 gconstpointer b,
                 gpointer      forward_refs)
{
  guint ia = GPOINTER_TO_UINT (g_hash_table_lookup (forward_refs, *(char **) a));
  guint ib = GPOINTER_TO_UINT (g_hash_table_lookup (forward_refs, *(char **) b));

  return ia < ib ? -1 : ia > ib ? 1 : strcmp (*(char **) a, *(char **) b);
}

static gboolean
check_unknown_dependencies (ConcurraRunner  *self,
                            GError         **error)
{
  g_autofree gpointer *missing = NULL;
  GString *message;
  guint n;

  if (g_hash_table_size (self->forward_refs) == 0)
    return TRUE;

  missing = g_hash_table_get_keys_as_array (self->forward_refs, &n);
  g_qsort_with_data (missing, n, sizeof (gpointer), compare_missing, self->forward_refs);

  message = g_string_new (n == 1 ? "Unknown dependency label: " : "Unknown dependency labels: ");
  for (guint i = 0; i < n; i++)
    {
      guint referrer = GPOINTER_TO_UINT (g_hash_table_lookup (self->forward_refs, missing[i]));
      ConcurraTask *task = g_ptr_array_index (self->tasks, referrer);

      g_string_append_printf (message, "%s'%s' (needed by '%s')",
                              i ? ", " : "", (char *) missing[i], task->label);
    }
  g_set_error_literal (error, CONCURRA_ERROR, CONCURRA_ERROR_UNKNOWN_DEPENDENCY, message->str);
  g_string_free (message, TRUE);
  return FALSE;
}

/* Resolves labels to tasks, builds the dependents lists (each allocated
 * once at its exact size) and gives every task the runner's default
 * settings where it has none. */
static void
link_graph (ConcurraRunner *self)
{
  gboolean has_edges = FALSE;

  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (task->retries < 0)
        task->retries = self->task_retries;
      if (task->timeout < 0)
        task->timeout = self->timeout;
      if (task->retry_delay < 0)
        task->retry_delay = self->retry_delay;

      task->n_waiting_deps = task->n_deps;
      if (task->n_deps == 0)
        continue;
      has_edges = TRUE;
      task->deps = g_new (ConcurraTask *, task->n_deps);
      for (guint d = 0; d < task->n_deps; d++)
        {
          task->deps[d] = g_hash_table_lookup (self->by_label, task->depends_on[d]);
          task->deps[d]->n_dependents++;
        }
    }
  if (!has_edges)
    return;

  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (task->n_dependents)
        task->dependents = g_new (ConcurraTask *, task->n_dependents);
      task->n_dependents = 0;
    }

  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      for (guint d = 0; d < task->n_deps; d++)
        task->deps[d]->dependents[task->deps[d]->n_dependents++] = task;
    }
}

/* ---- the run, on the owner context ---- */

static void
set_state (ConcurraRunner      *self,
           ConcurraRunnerState  state)
{
  g_atomic_int_set (&self->state, state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
schedule_attempt (ConcurraRunner *self,
                  ConcurraTask   *task)
{
  if (!is_serializable (self, task))
    {
      complete_task (self, task, CONCURRA_TASK_STATUS_FAILED,
                     g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_NOT_SERIALIZABLE,
                                  "Task '%s' is a local function and cannot be sent to a worker "
                                  "process; use a process task, or set fallback-to-thread",
                                  task->label));
      return;
    }
  concurra_task_begin_attempt (task);
  if (self->batch != NULL)
    g_ptr_array_add (self->batch, task);
  else
    concurra_hub_push_ready (self->hub, &task, 1);
}

/* Formatting a line the default writer drops is waste; with another writer
 * installed, everything is formatted. */
static gboolean
would_drop (GLogLevelFlags level)
{
  return g_log_writer_default_would_drop (level, G_LOG_DOMAIN);
}

static void
log_progress (ConcurraRunner *self)
{
  g_autofree char *line = concurra_format_progress (self->name, self->n_announced,
                                                    self->tasks->len, elapsed_seconds (self));

  runner_log (self, G_LOG_LEVEL_INFO, "%s", line);
}

/* Called before emitting signals: if a handler blocks in a wait that
 * iterates this context, the nested dispatch must find the hub ready to
 * handle the events still queued here. */
static void
allow_reentry (ConcurraRunner *self)
{
  /* once per batch: the hub stays ready until its next dispatch */
  if (!self->reentry_armed && !g_queue_is_empty (&self->events) && self->hub != NULL)
    {
      concurra_hub_wake (self->hub);
      self->reentry_armed = TRUE;
    }
}

/* Gives @task its final status, telling no one yet. */
static void
settle (ConcurraRunner     *self,
        ConcurraTask       *task,
        ConcurraTaskStatus  status,
        GError             *error)
{
  concurra_task_settle (task, status, error);
  g_atomic_int_inc (&self->n_completed);
  if (status != CONCURRA_TASK_STATUS_SUCCESSFUL)
    g_atomic_int_inc (&self->n_failed);
}

/* Notifies the counters that changed since they were last notified: once
 * per batch of events rather than per task, see check_finished(). */
static void
notify_counts (ConcurraRunner *self)
{
  const guint counts[3] = {
    g_atomic_int_get (&self->n_running),
    g_atomic_int_get (&self->n_completed),
    g_atomic_int_get (&self->n_failed),
  };
  static const int props[3] = { PROP_N_RUNNING, PROP_N_COMPLETED, PROP_N_FAILED };

  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    if (counts[i] != self->notified_counts[i])
      {
        self->notified_counts[i] = counts[i];
        g_object_notify_by_pspec (G_OBJECT (self), properties[props[i]]);
      }
}

/* Tells everyone that @task has its final status. Handlers may block in a
 * wait on other tasks, so the graph must be up to date before this. */
static void
announce (ConcurraRunner *self,
          ConcurraTask   *task)
{
  allow_reentry (self);
  /* the run cannot finish before this returns: see concurra_runner_wait() */
  self->n_holding++;
  concurra_task_announce (task);
  self->n_announced++;

  if (self->log_errors && concurra_task_get_status (task) == CONCURRA_TASK_STATUS_FAILED)
    runner_log (self, G_LOG_LEVEL_MESSAGE, "Task '%s' failed: %s%s%s", task->label,
                task->error_message, task->trace ? "\n" : "", task->trace ? task->trace : "");

  g_signal_emit (self, signals[SIGNAL_TASK_FINISHED], 0, task);
  /* a handler that iterated the context may have announced more tasks and
   * their progress already: progress never goes back nor repeats */
  if (self->n_announced > self->n_progressed)
    {
      self->n_progressed = self->n_announced;
      g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, self->n_announced, self->tasks->len);
      if (self->progress_stats && !would_drop (G_LOG_LEVEL_INFO))
        log_progress (self);
    }
  self->n_holding--;
}

static void
record_final (ConcurraRunner     *self,
              ConcurraTask       *task,
              ConcurraTaskStatus  status,
              GError             *error)
{
  settle (self, task, status, error);
  announce (self, task);
}

static GError *
skip_error (ConcurraTask *task)
{
  GString *failed = g_string_new (NULL);
  GError *error;

  for (guint d = 0; d < task->n_deps; d++)
    if (concurra_task_get_has_failed (task->deps[d]))
      g_string_append_printf (failed, "%s%s", failed->len ? ", " : "", task->deps[d]->label);

  error = g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_DEPENDENCY_FAILED,
                       "Skipped: dependency [%s] failed or was terminated", failed->str);
  g_string_free (failed, TRUE);
  return error;
}

/* Records the final status of @task and propagates it — dependents become
 * ready or are skipped, transitively, breadth first without recursion so
 * that a long chain cannot overflow the stack — then announces @task and
 * the skipped tasks. */
static void
complete_task (ConcurraRunner     *self,
               ConcurraTask       *task,
               ConcurraTaskStatus  status,
               GError             *error)
{
  /* complete_task() can be re-entered from a signal handler: only the
   * outermost call may borrow the runner's array */
  GPtrArray *settled = self->worklist ? g_steal_pointer (&self->worklist) : g_ptr_array_new ();
  /* fast-fail reacts to failures and timeouts, not to a task cancelled on purpose */
  gboolean fails_run = status == CONCURRA_TASK_STATUS_FAILED ||
                       g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);

  settle (self, task, status, error);
  g_ptr_array_add (settled, task);

  for (guint n = 0; n < settled->len; n++)
    {
      ConcurraTask *done = g_ptr_array_index (settled, n);
      gboolean ok = concurra_task_get_status (done) == CONCURRA_TASK_STATUS_SUCCESSFUL;

      for (guint i = 0; i < done->n_dependents; i++)
        {
          ConcurraTask *next = done->dependents[i];

          if (concurra_task_get_status (next) != CONCURRA_TASK_STATUS_PENDING || next->attempts > 0)
            continue;
          if (ok)
            {
              if (--next->n_waiting_deps == 0 && !self->terminating)
                schedule_attempt (self, next);
            }
          else
            {
              settle (self, next, CONCURRA_TASK_STATUS_TERMINATED, skip_error (next));
              g_ptr_array_add (settled, next);
            }
        }
    }

  for (guint n = 0; n < settled->len; n++)
    announce (self, g_ptr_array_index (settled, n));

  g_ptr_array_set_size (settled, 0);
  if (self->worklist == NULL)
    self->worklist = settled;
  else
    g_ptr_array_unref (settled);

  if (fails_run && self->fast_fail)
    terminate_all (self);
}

static ConcurraExecutionMode
task_execution_mode (ConcurraRunner *self,
                     ConcurraTask   *task)
{
  if (task->fallback)
    return CONCURRA_EXECUTION_MODE_THREAD_FALLBACK;
  return task->executor->mode;
}

static void
on_started (ConcurraRunner *self,
            ConcurraTask   *task)
{
  gboolean mode_changed;

  /* terminated while it waited in the queue: the lane runs it, we ignore it */
  if (concurra_task_get_status (task) != CONCURRA_TASK_STATUS_PENDING)
    return;

  allow_reentry (self);
  /* counted, timed and announced as started before the task's notify
   * handlers run: one that iterates the context may see the attempt end */
  mode_changed = concurra_task_mark_started (task, task_execution_mode (self, task));
  g_atomic_int_inc (&self->n_running);
  if (task->timeout > 0)
    concurra_deadlines_add (self->deadlines,
                            concurra_deadline_after (task->outcome.start_mono, task->timeout),
                            task, task->attempts << 1 | DEADLINE_TIMEOUT);
  g_signal_emit (self, signals[SIGNAL_TASK_STARTED], 0, task);
  concurra_task_notify_started (task, mode_changed);
}

static void
retry_later (ConcurraRunner *self,
             ConcurraTask   *task,
             GError         *error)
{
  double delay = task->retry_delay * pow (self->retry_backoff, task->attempts - 1);

  concurra_task_add_retry_error (task, error);
  if (self->log_errors)
    runner_log (self, G_LOG_LEVEL_MESSAGE, "Task '%s' attempt %u failed, retrying: %s",
                task->label, task->attempts, error->message);
  allow_reentry (self);
  /* the retry is scheduled after the handlers: the run cannot finish
   * during them (see concurra_runner_wait()) */
  self->n_holding++;
  concurra_task_mark_pending (task);
  g_signal_emit (self, signals[SIGNAL_TASK_RETRYING], 0, task, task->attempts, error);
  self->n_holding--;
  g_error_free (error);

  /* a handler may have aborted the run */
  if (concurra_task_get_status (task) != CONCURRA_TASK_STATUS_PENDING)
    return;
  if (delay > 0)
    concurra_deadlines_add (self->deadlines,
                            concurra_deadline_after (g_get_monotonic_time (), delay),
                            task, task->attempts << 1 | DEADLINE_RETRY);
  else
    schedule_attempt (self, task);
}

static void
on_done (ConcurraRunner *self,
         ConcurraTask   *task)
{
  GError *error = NULL;

  if (concurra_task_get_status (task) != CONCURRA_TASK_STATUS_RUNNING)
    {
      /* a late result of a task that was terminated: the record stays */
      concurra_task_discard_attempt (task);
      return;
    }

  g_atomic_int_dec_and_test (&self->n_running);
  if (concurra_task_take_attempt (task, &error))
    {
      complete_task (self, task, CONCURRA_TASK_STATUS_SUCCESSFUL, NULL);
      return;
    }
  if (task->attempts <= (guint) task->retries && !self->terminating)
    retry_later (self, task, error);
  else
    complete_task (self, task, CONCURRA_TASK_STATUS_FAILED, error);
  /* with fast-fail a lane stops at a failure and leaves the decision to us:
   * when the run goes on (a retry, or fast-fail turned off meanwhile), the
   * ready tasks need their lanes back */
  if (self->hub != NULL && !self->terminating)
    concurra_hub_kick (self->hub);
}

static void
on_events (GQueue   *events,
           gpointer  user_data)
{
  ConcurraRunner *self = user_data;
  GList *link;

  /* this dispatch cleared the hub's ready time */
  self->reentry_armed = FALSE;

  /* queued on the runner, not walked in place: a signal handler that
   * iterates the context (a blocking wait) handles the rest of the batch
   * in a nested dispatch, see allow_reentry() */
  if (events->head != NULL)
    {
      if (self->events.tail != NULL)
        {
          self->events.tail->next = events->head;
          events->head->prev = self->events.tail;
        }
      else
        self->events.head = events->head;
      self->events.tail = events->tail;
      self->events.length += events->length;
      g_queue_init (events);
    }

  g_object_ref (self);
  while ((link = g_queue_pop_head_link (&self->events)) != NULL)
    {
      ConcurraTask *task = link->data;

      if (link == &task->started_link)
        on_started (self, task);
      else
        {
          on_done (self, task);
          g_object_unref (task);
        }
    }
  check_finished (self);
  g_object_unref (self);
}

/* Stops a task that has not finished: cancels its attempt and takes it
 * away from the workers. Does not record anything. */
static void
stop_task (ConcurraRunner *self,
           ConcurraTask   *task)
{
  if (concurra_task_get_status (task) == CONCURRA_TASK_STATUS_RUNNING)
    g_atomic_int_dec_and_test (&self->n_running);
  /* withdraw before cancelling: a function that returns on cancellation
   * must not let its lane go on to the next queued task */
  if (self->hub != NULL)
    {
      g_autoptr(GCancellable) running = concurra_hub_withdraw (self->hub, task);

      if (running != NULL)
        g_cancellable_cancel (running);
    }
}

static void
time_out (ConcurraRunner *self,
          ConcurraTask   *task)
{
  g_autofree char *seconds = g_strdup_printf ("%g", task->timeout);

  stop_task (self, task);
  if (self->log_errors)
    runner_log (self, G_LOG_LEVEL_MESSAGE, "Task '%s' exceeded timeout of %s seconds",
                task->label, seconds);
  complete_task (self, task, CONCURRA_TASK_STATUS_TERMINATED,
                 g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT,
                              "Task exceeded timeout of %s seconds", seconds));
  /* the stuck thread no longer counts: let another task have its slot */
  if (self->hub != NULL)
    concurra_hub_kick (self->hub);
}

static void
on_deadline (gpointer item,
             guint    tag,
             gpointer user_data)
{
  ConcurraRunner *self = user_data;
  ConcurraTask *task = item;
  ConcurraTaskStatus status = concurra_task_get_status (task);

  /* deadlines are not removed when moot: check that this one still applies */
  if (task->attempts != tag >> 1)
    return;
  /* a handler, or the run_async callback, may drop the last reference */
  g_object_ref (self);
  if ((tag & 1) == DEADLINE_TIMEOUT && status == CONCURRA_TASK_STATUS_RUNNING)
    time_out (self, task);
  else if ((tag & 1) == DEADLINE_RETRY && status == CONCURRA_TASK_STATUS_PENDING && !self->terminating)
    schedule_attempt (self, task);
  check_finished (self);
  g_object_unref (self);
}

/* Fast-fail and abort: every task without a final status is terminated,
 * all of them before anyone hears of it. */
static void
terminate_all (ConcurraRunner *self)
{
  g_autoptr(GPtrArray) settled = NULL;

  if (self->terminating)
    return;
  self->terminating = TRUE;
  if (self->hub != NULL)
    concurra_hub_clear_ready (self->hub);

  settled = g_ptr_array_new ();
  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (concurra_task_is_done (task))
        continue;
      stop_task (self, task);
      settle (self, task, CONCURRA_TASK_STATUS_TERMINATED,
              g_error_new_literal (CONCURRA_ERROR, CONCURRA_ERROR_TERMINATED,
                                   "Execution terminated before completion"));
      g_ptr_array_add (settled, task);
    }
  for (guint i = 0; i < settled->len; i++)
    announce (self, g_ptr_array_index (settled, i));
}

static GError *
tasks_failed_error (ConcurraRunner *self)
{
  GString *labels = g_string_new (NULL);
  GError *error;

  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (concurra_task_get_has_failed (task))
        g_string_append_printf (labels, "%s'%s'", labels->len ? ", " : "", task->label);
    }
  error = g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_TASKS_FAILED,
                       "%s%s%u of %u tasks failed: %s",
                       self->error_message ? self->error_message : "",
                       self->error_message ? ": " : "",
                       self->n_failed, self->tasks->len, labels->str);
  g_string_free (labels, TRUE);
  return error;
}

static void
log_report (ConcurraRunner *self)
{
  g_autofree char *report = concurra_runner_format_report (self);

  if (self->n_failed == 0)
    runner_log (self, G_LOG_LEVEL_INFO, "\n%s", report);
  else
    runner_log (self, G_LOG_LEVEL_MESSAGE, "%s%s%u of %u tasks failed\n%s",
                self->error_message ? self->error_message : "",
                self->error_message ? ": " : "",
                self->n_failed, self->tasks->len, report);
}

/* What run(), run_finish() and wait() give back once the run is over. */
static GHashTable *
collect_results (ConcurraRunner  *self,
                 GError         **error)
{
  if (self->run_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->run_error));
      return NULL;
    }
  if (self->raise_on_failure && self->n_failed > 0)
    {
      g_propagate_error (error, tasks_failed_error (self));
      return NULL;
    }
  return concurra_runner_get_results (self);
}

static void
finish_run (ConcurraRunner *self)
{
  g_autoptr(GTask) async_task = g_steal_pointer (&self->async_task);

  if (self->hub != NULL)
    g_clear_pointer (&self->hub, concurra_hub_close);
  if (self->deadlines != NULL)
    concurra_deadlines_stop (self->deadlines);

  set_state (self, CONCURRA_RUNNER_STATE_FINISHED);
  if (self->verify && self->run_error == NULL &&
      !(self->n_failed == 0 && would_drop (G_LOG_LEVEL_INFO)))
    log_report (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);

  g_mutex_lock (&self->lock);
  self->done = TRUE;
  g_cond_broadcast (&self->done_cond);
  g_mutex_unlock (&self->lock);

  if (async_task != NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (async_task);
      GError *error = NULL;
      GHashTable *results;

      /* not from inside the handler itself: the abort runs from an idle */
      g_cancellable_disconnect (cancellable, self->async_cancel_id);
      self->async_cancel_id = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        g_task_return_error (async_task, error);
      else if ((results = collect_results (self, &error)) != NULL)
        g_task_return_pointer (async_task, results, (GDestroyNotify) g_hash_table_unref);
      else
        g_task_return_error (async_task, error);
    }
}

static void
on_pool_closed (gpointer data)
{
  ConcurraRunner *self = data;

  check_finished (self);
  g_object_unref (self);
}

/* Called on the owner context after each batch of events. The run is over
 * when every task has its final status and every process it started —
 * commands stopped, worker processes — is reaped. */
static void
check_finished (ConcurraRunner *self)
{
  notify_counts (self);
  /* not from inside a handler of an announcement (a nested main loop): the
   * outer frame still has signals to emit, and calls this again */
  if (concurra_runner_get_state (self) != CONCURRA_RUNNER_STATE_RUNNING ||
      self->n_announced != self->tasks->len || self->n_holding != 0 ||
      (self->hub != NULL && !concurra_hub_is_settled (self->hub)))
    return;
  if (self->pool != NULL)
    {
      if (!self->closing_pool)
        {
          self->closing_pool = TRUE;
          if (!concurra_worker_pool_close (self->pool, on_pool_closed, g_object_ref (self)))
            return;
          /* no worker was left: the callback will not come */
          g_object_unref (self);
        }
      else if (!concurra_worker_pool_is_closed (self->pool))
        return;
      g_clear_pointer (&self->pool, concurra_worker_pool_unref);
    }
  finish_run (self);
}

static GError *
cancelled_error (void)
{
  return g_error_new_literal (CONCURRA_ERROR, CONCURRA_ERROR_TERMINATED, "Task was cancelled");
}

/* An abort (task NULL) or the cancellation of one task, sent from any
 * thread to the owner context. The runner is held weakly: the context may
 * be a finished background run's, which nobody iterates any more and which
 * the runner owns, and a strong reference would keep both alive forever. */
typedef struct
{
  GWeakRef      runner;
  ConcurraTask *task;
} OwnerCall;

static void
owner_call_free (OwnerCall *call)
{
  g_weak_ref_clear (&call->runner);
  g_clear_object (&call->task);
  g_free (call);
}

static gboolean
owner_call_dispatch (gpointer data)
{
  OwnerCall *call = data;
  g_autoptr(ConcurraRunner) self = g_weak_ref_get (&call->runner);

  if (self == NULL || concurra_runner_get_state (self) != CONCURRA_RUNNER_STATE_RUNNING)
    return G_SOURCE_REMOVE;

  if (call->task == NULL)
    terminate_all (self);
  else if (!concurra_task_is_done (call->task))
    {
      stop_task (self, call->task);
      complete_task (self, call->task, CONCURRA_TASK_STATUS_TERMINATED, cancelled_error ());
      if (self->hub != NULL)
        concurra_hub_kick (self->hub);
    }
  check_finished (self);
  return G_SOURCE_REMOVE;
}

/* Called with the lock held, so that the run's context is set. */
static void
schedule_owner_call (ConcurraRunner *self,
                     ConcurraTask   *task,
                     const char     *name)
{
  OwnerCall *call = g_new0 (OwnerCall, 1);
  GSource *source = g_idle_source_new ();

  g_weak_ref_init (&call->runner, self);
  call->task = task ? g_object_ref (task) : NULL;
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_static_name (source, name);
  g_source_set_callback (source, owner_call_dispatch, call, (GDestroyNotify) owner_call_free);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* Any thread: the context the run is driven by and the thread iterating
 * it, or NULL before the run starts. */
GMainContext *
concurra_runner_get_owner_context (ConcurraRunner  *runner,
                                   GThread        **owner_thread)
{
  GMainContext *context;

  g_mutex_lock (&runner->lock);
  *owner_thread = runner->owner_thread;
  context = runner->context;
  g_mutex_unlock (&runner->lock);
  return context;
}

/* Any thread: terminates @task on the owner context, or when the run
 * starts if it has not. */
void
concurra_runner_cancel_task (ConcurraRunner *runner,
                             ConcurraTask   *task)
{
  g_mutex_lock (&runner->lock);
  if (runner->context == NULL)
    task->cancel_requested = TRUE;
  else
    schedule_owner_call (runner, task, "[concurra] cancel task");
  g_mutex_unlock (&runner->lock);
}

/* Claims the single run and validates the graph. On failure no task runs
 * and, if the graph was at fault, every task is terminated. */
static gboolean
prepare_run (ConcurraRunner  *self,
             GError         **error)
{
  if (!g_atomic_int_compare_and_exchange (&self->state, CONCURRA_RUNNER_STATE_IDLE,
                                          CONCURRA_RUNNER_STATE_RUNNING))
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_ALREADY_STARTED,
                   "Runner '%s' was already started; a runner runs once", self->name);
      return FALSE;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);

  if (!check_unknown_dependencies (self, &self->run_error))
    {
      for (guint i = 0; i < self->tasks->len; i++)
        record_final (self, g_ptr_array_index (self->tasks, i), CONCURRA_TASK_STATUS_TERMINATED,
                      g_error_copy (self->run_error));
      check_finished (self);
      g_propagate_error (error, g_error_copy (self->run_error));
      return FALSE;
    }

  link_graph (self);
  return TRUE;
}

#define FALLBACK_WARNING \
  "Task could not be sent to a worker process and ran in a thread instead: " \
  "it shares the parent's memory and cannot be killed on timeout"

/* Process mode: process tasks get the worker pool; function tasks, which
 * cannot cross the process boundary, fall back to a thread if allowed. */
static void
prepare_process_mode (ConcurraRunner *self,
                      GMainContext   *context)
{
  self->pool = concurra_worker_pool_new (context, (const char * const *) self->worker_command, NULL);
  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (task->process != NULL)
        concurra_process_call_set_pool (task, self->pool);
      else if (task->executor == &concurra_thread_executor && self->fallback_to_thread)
        concurra_task_set_fallback (task, FALLBACK_WARNING);
    }
}

static gboolean
is_serializable (ConcurraRunner *self,
                 ConcurraTask   *task)
{
  /* by now, process tasks have the process executor */
  return self->pool == NULL || task->executor != &concurra_thread_executor || task->fallback;
}

/* Starts the run on @context, which the caller iterates. */
static void
launch (ConcurraRunner *self,
        GMainContext   *context)
{
  gboolean abort_requested;
  guint n_ready;

  self->run_start = g_get_monotonic_time ();
  if (self->mode == CONCURRA_EXECUTION_MODE_PROCESS)
    prepare_process_mode (self, context);
  self->hub = concurra_hub_new (context, self->max_concurrency, self->fast_fail, on_events, self);
  self->deadlines = concurra_deadlines_new (context, on_deadline, self);

  g_mutex_lock (&self->lock);
  self->context = g_main_context_ref (context);
  self->owner_thread = g_thread_self ();
  abort_requested = self->abort_requested;
  g_mutex_unlock (&self->lock);

  /* aborted (or its cancellable cancelled) before it started: run nothing */
  if (abort_requested)
    terminate_all (self);

  /* tasks cancelled before the run: terminated, and their dependents skipped */
  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (task->cancel_requested && !concurra_task_is_done (task))
        complete_task (self, task, CONCURRA_TASK_STATUS_TERMINATED, cancelled_error ());
    }
  self->batch = g_ptr_array_sized_new (self->tasks->len);
  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (task->n_deps == 0 && !concurra_task_is_done (task))
        schedule_attempt (self, task);
    }
  /* a task that could not be sent to a worker may have failed fast meanwhile */
  n_ready = 0;
  for (guint i = 0; i < self->batch->len; i++)
    if (!concurra_task_is_done (g_ptr_array_index (self->batch, i)))
      self->batch->pdata[n_ready++] = self->batch->pdata[i];
  concurra_hub_push_ready (self->hub, (ConcurraTask **) self->batch->pdata, n_ready);
  g_clear_pointer (&self->batch, g_ptr_array_unref);

  /* lets an empty run finish from the loop, like any other */
  concurra_hub_wake (self->hub);
}

/* Launches the run on a private @context and iterates it until the run is
 * over, owning it throughout so that no waiter elsewhere mistakes it for a
 * context nobody iterates. */
static void
run_on_private_context (ConcurraRunner *self,
                        GMainContext   *context)
{
  g_main_context_acquire (context);
  g_main_context_push_thread_default (context);
  launch (self, context);
  while (concurra_runner_get_state (self) != CONCURRA_RUNNER_STATE_FINISHED)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_release (context);
}

static void
on_cancelled (GCancellable   *cancellable,
              ConcurraRunner *self)
{
  concurra_runner_abort (self);
}

/**
 * concurra_runner_run:
 * @runner: a runner not started yet
 * @cancellable: (nullable): aborts the run when cancelled
 * @error: return location for a #GError
 *
 * Runs every task and blocks until all have their final status. Signals are
 * emitted in the calling thread, on a private main context that is the
 * thread-default context during the run: asynchronous work started by async
 * tasks must attach to the thread-default context (as GIO's asynchronous
 * calls do), not to the global default one, which nothing iterates here.
 *
 * The run fails before any task runs when a dependency names no task
 * (%CONCURRA_ERROR_UNKNOWN_DEPENDENCY, naming every missing label) or the
 * runner was already started (%CONCURRA_ERROR_ALREADY_STARTED). Failed tasks
 * do not make it fail unless [property@Concurra.Runner:raise-on-failure] is
 * set; then it returns %CONCURRA_ERROR_TASKS_FAILED.
 *
 * Returns: (transfer container) (element-type utf8 Concurra.Task): the
 *   tasks by label
 *
 * Since: 1.0
 */
GHashTable *
concurra_runner_run (ConcurraRunner  *runner,
                     GCancellable    *cancellable,
                     GError         **error)
{
  g_autoptr(GMainContext) context = NULL;
  gulong cancel_id = 0;

  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!prepare_run (runner, error))
    return NULL;

  context = g_main_context_new ();
  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), runner, NULL);
  run_on_private_context (runner, context);
  g_cancellable_disconnect (cancellable, cancel_id);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  return collect_results (runner, error);
}

/**
 * concurra_runner_run_async:
 * @runner: a runner not started yet
 * @cancellable: (nullable): aborts the run when cancelled
 * @callback: (scope async): called when every task has its final status
 * @user_data: data for @callback
 *
 * Runs every task without blocking, driven by the thread-default main
 * context of the calling thread, where the signals are emitted and
 * @callback is called. This is the call for a GTK application: its main
 * loop keeps running while tasks run on worker threads.
 *
 * Since: 1.0
 */
void
concurra_runner_run_async (ConcurraRunner      *runner,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GMainContext) context = NULL;
  GError *error = NULL;

  g_return_if_fail (CONCURRA_IS_RUNNER (runner));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (runner, cancellable, callback, user_data);
  g_task_set_source_tag (task, concurra_runner_run_async);

  if (!prepare_run (runner, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  context = g_main_context_ref_thread_default ();
  runner->async_task = g_object_ref (task);
  if (cancellable != NULL)
    runner->async_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled),
                                                     runner, NULL);
  launch (runner, context);
}

/**
 * concurra_runner_run_finish:
 * @runner: a runner
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Concurra.Runner.run_async]; errors are those of
 * [method@Concurra.Runner.run].
 *
 * Returns: (transfer container) (element-type utf8 Concurra.Task): the
 *   tasks by label
 *
 * Since: 1.0
 */
GHashTable *
concurra_runner_run_finish (ConcurraRunner  *runner,
                            GAsyncResult    *result,
                            GError         **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (g_task_is_valid (result, runner), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gpointer
background_thread (gpointer data)
{
  ConcurraRunner *self = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  run_on_private_context (self, context);
  g_object_unref (self);

  return NULL;
}

/**
 * concurra_runner_start:
 * @runner: a runner not started yet
 * @error: return location for a #GError
 *
 * Starts the run in the background and returns at once; Concurra's
 * `execute_in_background()`. The run has its own thread and main context,
 * where the signals are emitted. Collect the results with
 * [method@Concurra.Runner.wait], stop it with [method@Concurra.Runner.abort].
 *
 * Returns: %TRUE if the run started; %FALSE with the errors of
 *   [method@Concurra.Runner.run]
 *
 * Since: 1.0
 */
gboolean
concurra_runner_start (ConcurraRunner  *runner,
                       GError         **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!prepare_run (runner, error))
    return FALSE;

  g_thread_unref (g_thread_new ("concurra-runner", background_thread, g_object_ref (runner)));
  return TRUE;
}

static void
on_wait_cancelled (GCancellable   *cancellable,
                   ConcurraRunner *self)
{
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->done_cond);
  g_mutex_unlock (&self->lock);
}

/* Blocks until the run is done or @cancellable is cancelled. If nobody
 * iterates the owner context (a run_async() whose caller now waits), this
 * thread iterates it, so waiting from the owner thread cannot deadlock; nor
 * can a wait from the background run's own thread (a "finished" handler). */
static void
block_until_done (ConcurraRunner *self,
                  GCancellable   *cancellable)
{
  gulong cancel_id = 0;

  if (self->context != NULL &&
      g_main_context_acquire (self->context))
    {
      while (concurra_runner_get_state (self) != CONCURRA_RUNNER_STATE_FINISHED &&
             !g_cancellable_is_cancelled (cancellable))
        g_main_context_iteration (self->context, TRUE);
      g_main_context_release (self->context);
      return;
    }

  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_wait_cancelled), self, NULL);
  g_mutex_lock (&self->lock);
  while (!self->done && !g_cancellable_is_cancelled (cancellable))
    g_cond_wait (&self->done_cond, &self->lock);
  g_mutex_unlock (&self->lock);
  g_cancellable_disconnect (cancellable, cancel_id);
}

/**
 * concurra_runner_wait:
 * @runner: a started runner
 * @cancellable: (nullable): stops waiting (not the run) when cancelled
 * @error: return location for a #GError
 *
 * Blocks until the run is over and returns the results; Concurra's
 * `get_background_results()`. Fails with %CONCURRA_ERROR_NOT_STARTED if the
 * runner was never started, and like [method@Concurra.Runner.run] otherwise.
 * Can be called from any thread, any number of times, and from the runner's
 * own signal handlers, except those the run cannot finish during (a task's
 * completion and retry: [signal@Concurra.Runner::task-finished],
 * [signal@Concurra.Runner::progress], [signal@Concurra.Runner::task-retrying]
 * and [signal@Concurra.Task::completed]), where it fails with
 * %CONCURRA_ERROR_STILL_RUNNING instead of waiting forever.
 *
 * Returns: (transfer container) (element-type utf8 Concurra.Task): the
 *   tasks by label
 *
 * Since: 1.0
 */
GHashTable *
concurra_runner_wait (ConcurraRunner  *runner,
                      GCancellable    *cancellable,
                      GError         **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (concurra_runner_get_state (runner) == CONCURRA_RUNNER_STATE_IDLE)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_NOT_STARTED,
                   "Runner '%s' was never started", runner->name);
      return NULL;
    }
  /* n_holding is the owner thread's: read only there */
  if (concurra_runner_get_state (runner) == CONCURRA_RUNNER_STATE_RUNNING &&
      runner->context != NULL && g_main_context_is_owner (runner->context) &&
      runner->n_holding > 0)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_STILL_RUNNING,
                   "Runner '%s' cannot be waited for from a handler of its task-finished, "
                   "progress or task-retrying signals, or of a task's completed signal: "
                   "the run can only finish after the handler returns", runner->name);
      return NULL;
    }

  block_until_done (runner, cancellable);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  return collect_results (runner, error);
}

/**
 * concurra_runner_abort:
 * @runner: a runner
 *
 * Stops the run: every task without a final status is terminated ("Execution
 * terminated before completion") and the run finishes promptly. A thread
 * still executing a terminated task has its cancellable cancelled; its
 * result, when it comes, is ignored. Safe to call from any thread; the
 * termination happens on the owner context, so call
 * [method@Concurra.Runner.wait] to collect the results. Aborting a runner
 * that was not started terminates its tasks and uses up its run.
 *
 * Since: 1.0
 */
void
concurra_runner_abort (ConcurraRunner *runner)
{
  g_return_if_fail (CONCURRA_IS_RUNNER (runner));

  if (g_atomic_int_compare_and_exchange (&runner->state, CONCURRA_RUNNER_STATE_IDLE,
                                         CONCURRA_RUNNER_STATE_RUNNING))
    {
      g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP_STATE]);
      terminate_all (runner);
      finish_run (runner);
      return;
    }

  g_mutex_lock (&runner->lock);
  if (runner->context == NULL)
    runner->abort_requested = TRUE;
  else if (concurra_runner_get_state (runner) == CONCURRA_RUNNER_STATE_RUNNING)
    schedule_owner_call (runner, NULL, "[concurra] abort");
  g_mutex_unlock (&runner->lock);
}

/**
 * concurra_runner_format_report:
 * @runner: a runner
 *
 * Formats the table of tasks that [method@Concurra.Runner.verify] logs:
 * label, task, status and duration, one row per task in the order they were
 * added.
 *
 * Returns: (transfer full): the report
 *
 * Since: 1.0
 */
char *
concurra_runner_format_report (ConcurraRunner *runner)
{
  static const char * const headers[] = { "label", "task", "status", "duration" };
  g_autoptr(GPtrArray) cells = NULL;

  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), NULL);

  cells = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < runner->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (runner->tasks, i);

      g_ptr_array_add (cells, g_strdup (task->label));
      g_ptr_array_add (cells, g_strdup (concurra_task_get_name (task)));
      g_ptr_array_add (cells, g_strdup (concurra_task_status_to_string (concurra_task_get_status (task))));
      g_ptr_array_add (cells, concurra_format_duration (task->duration));
    }
  return concurra_format_table (headers, G_N_ELEMENTS (headers), cells);
}

/**
 * concurra_runner_verify:
 * @runner: a finished runner
 * @error: return location for a #GError
 *
 * Logs the report of all tasks and checks that every one succeeded;
 * Concurra's `verify()`. Fails with %CONCURRA_ERROR_STILL_RUNNING during the
 * run, %CONCURRA_ERROR_NOT_STARTED before it, and
 * %CONCURRA_ERROR_TASKS_FAILED naming the tasks that failed or were
 * terminated.
 *
 * Returns: %TRUE if every task succeeded
 *
 * Since: 1.0
 */
gboolean
concurra_runner_verify (ConcurraRunner  *runner,
                        GError         **error)
{
  g_return_val_if_fail (CONCURRA_IS_RUNNER (runner), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  switch (concurra_runner_get_state (runner))
    {
    case CONCURRA_RUNNER_STATE_IDLE:
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_NOT_STARTED,
                   "Runner '%s' was never started", runner->name);
      return FALSE;
    case CONCURRA_RUNNER_STATE_RUNNING:
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_STILL_RUNNING,
                   "Runner '%s' is still running", runner->name);
      return FALSE;
    case CONCURRA_RUNNER_STATE_FINISHED:
    default:
      break;
    }

  log_report (runner);
  if (runner->n_failed > 0)
    {
      g_propagate_error (error, tasks_failed_error (runner));
      return FALSE;
    }
  return TRUE;
}
