/* concurra-worker.c: ConcurraWorker, a stateful worker (Concurry's actor):
 * a set of lanes, each owning one instance and running the calls sent to
 * it one at a time, in order. A call is a ConcurraTask at once.
 *
 * Calls run through the executors of the runner (concurra-executor-*.c):
 * a thread-mode lane is a job on the worker's GThreadPool that runs the
 * calls of its queue back to back and ends when the queue is empty, so no
 * thread is held by an idle lane; a main-context lane starts each call on
 * the owner context and goes on when the call reports; a process lane has
 * its own warm worker process (a pool of one) that keeps the instance
 * between calls.
 *
 * State lives under the worker's one lock. A call's outcome is decided
 * where its attempt ends (on the lane thread for thread lanes, so that
 * retry filters and validators run in the lane), its waiters are woken
 * there, and the task's notifications and the worker's signals follow on
 * the owner context, one wake-up per batch.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-enum-types.h"
#include "concurra-executor-private.h"
#include "concurra-process-private.h"
#include "concurra-worker-lane-private.h"
#include "concurra-worker.h"

/**
 * ConcurraWorker:
 *
 * A stateful worker: Concurry's actor model on GLib.
 *
 * A worker is a set of lanes. Each lane owns one instance, made on the lane
 * by the function given to [method@Concurra.Worker.set_init_func] (or, in
 * process mode, by the function given to
 * [method@Concurra.Worker.set_init_function], in the lane's own worker
 * process), and runs the calls sent to it one at a time, in the order they
 * were made, so the instance needs no lock. Each call returns a
 * [class@Concurra.Task] at once, without blocking, so [func@Concurra.wait],
 * [func@Concurra.gather], [class@Concurra.TaskStream] and
 * [method@Concurra.Task.wait] work on calls as on any task.
 *
 * Lanes run in threads ([enum@Concurra.ExecutionMode.THREAD]; a lane holds a
 * thread only while it has calls to run), on the owner main context
 * ([enum@Concurra.ExecutionMode.MAIN_CONTEXT]: each call starts its work
 * and reports later, as in GJS), or in warm worker processes
 * ([enum@Concurra.ExecutionMode.PROCESS]: a crashed process fails its call
 * with %CONCURRA_ERROR_WORKER_CRASHED and the lane starts a new one,
 * running the init function again).
 *
 * With several lanes, the worker is a pool: each call goes to the lane that
 * [property@Concurra.Worker:load-balancing] picks. An on-demand worker
 * ([property@Concurra.Worker:on-demand]) makes a fresh lane for each call
 * and ends it after the call; [property@Concurra.Worker:n-lanes] then caps
 * how many run at once (0: no cap).
 *
 * A failed call is tried again up to [property@Concurra.Worker:retries]
 * times, after a wait that grows by [property@Concurra.Worker:retry-algorithm]
 * with random jitter; [method@Concurra.Worker.set_retry_filter] chooses which
 * errors are retried, and [method@Concurra.Worker.set_validate_func] retries
 * results that are not acceptable. The wait holds no thread.
 *
 * [method@Concurra.Worker.stop] ends the worker: calls that have not run end
 * %CONCURRA_TASK_STATUS_TERMINATED with %CONCURRA_ERROR_WORKER_STOPPED, and
 * later calls are refused with that error.
 *
 * The owner main context is the one given as
 * [property@Concurra.Worker:context]; without one, a main-context worker
 * uses the thread-default context of the thread that creates it, and the
 * other modes a private thread of their own. The worker's signals and the
 * calls' notifications are emitted there.
 *
 * ```c
 * static GObject *
 * make_counter (ConcurraWorker *worker, guint lane, GCancellable *cancellable,
 *               gpointer user_data, GError **error)
 * {
 *   return g_object_new (MY_TYPE_COUNTER, NULL);
 * }
 *
 * static void
 * increment (ConcurraTask *task, GObject *instance, guint lane,
 *            GCancellable *cancellable, gpointer user_data)
 * {
 *   concurra_task_return_int (task, my_counter_add (MY_COUNTER (instance), 1));
 * }
 *
 * g_autoptr(ConcurraWorker) worker = concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 1);
 * concurra_worker_set_init_func (worker, make_counter, NULL, NULL);
 * g_autoptr(ConcurraTask) call = concurra_worker_submit (worker, "increment", increment,
 *                                                        NULL, NULL, &error);
 * ```
 *
 * Since: 1.0
 */

enum {
  PROP_0,
  PROP_MODE,
  PROP_N_LANES,
  PROP_CONTEXT,
  PROP_ON_DEMAND,
  PROP_LOAD_BALANCING,
  PROP_MAX_QUEUED,
  PROP_RETRIES,
  PROP_RETRY_ALGORITHM,
  PROP_RETRY_WAIT,
  PROP_RETRY_JITTER,
  PROP_WORKER_COMMAND,
  PROP_WORKER_LAUNCHER,
  PROP_LIMITS,
  PROP_STOPPED,
  N_PROPS
};

enum {
  SIGNAL_CALL_FINISHED,
  SIGNAL_ENDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ConcurraWorker, concurra_worker, G_TYPE_OBJECT)

/* ---- the owner context ---- */

/* Holds its own reference on the loop: the worker may be finalized on
 * this thread, from a dispatch of the loop. */
static gpointer
owner_thread_main (gpointer data)
{
  GMainLoop *loop = data;
  GMainContext *context = g_main_loop_get_context (loop);

  g_main_context_push_thread_default (context);
  g_main_loop_run (loop);
  g_main_context_pop_thread_default (context);
  g_main_loop_unref (loop);
  return NULL;
}

static void
concurra_worker_constructed (GObject *object)
{
  ConcurraWorker *self = CONCURRA_WORKER (object);
  ConcurraWorkerCore *core = &self->core;

  G_OBJECT_CLASS (concurra_worker_parent_class)->constructed (object);

  if (core->context == NULL && core->mode == CONCURRA_EXECUTION_MODE_MAIN_CONTEXT)
    core->context = g_main_context_ref_thread_default ();
  if (core->context == NULL)
    {
      /* nobody may iterate the caller's context (a script without a main
       * loop): retry waits and notifications get a thread of their own */
      core->context = g_main_context_new ();
      core->loop = g_main_loop_new (core->context, FALSE);
      core->owner_thread = g_thread_new ("concurra-worker", owner_thread_main,
                                         g_main_loop_ref (core->loop));
    }
  concurra_worker_core_init (core, object);
}

static void
concurra_worker_dispose (GObject *object)
{
  ConcurraWorker *self = CONCURRA_WORKER (object);

  concurra_worker_core_stop (&self->core);
  G_OBJECT_CLASS (concurra_worker_parent_class)->dispose (object);
}

static void
concurra_worker_finalize (GObject *object)
{
  ConcurraWorker *self = CONCURRA_WORKER (object);
  ConcurraWorkerCore *core = &self->core;

  if (core->loop != NULL)
    {
      g_main_loop_quit (core->loop);
      /* the last reference may be dropped on the owner thread itself */
      if (core->owner_thread == g_thread_self ())
        g_thread_unref (core->owner_thread);
      else
        g_thread_join (core->owner_thread);
      g_main_loop_unref (core->loop);
    }
  concurra_worker_core_clear (core);
  G_OBJECT_CLASS (concurra_worker_parent_class)->finalize (object);
}

static void
concurra_worker_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ConcurraWorker *self = CONCURRA_WORKER (object);
  ConcurraWorkerCore *core = &self->core;

  switch (prop_id)
    {
    case PROP_MODE:
      g_value_set_enum (value, core->mode);
      break;
    case PROP_N_LANES:
      g_value_set_uint (value, core->n_lanes);
      break;
    case PROP_CONTEXT:
      g_value_set_boxed (value, core->context);
      break;
    case PROP_ON_DEMAND:
      g_value_set_boolean (value, core->on_demand);
      break;
    case PROP_LOAD_BALANCING:
      g_value_set_enum (value, concurra_worker_get_load_balancing (self));
      break;
    case PROP_MAX_QUEUED:
      g_value_set_uint (value, concurra_worker_get_max_queued (self));
      break;
    case PROP_RETRIES:
      g_value_set_uint (value, concurra_worker_get_retries (self));
      break;
    case PROP_RETRY_ALGORITHM:
      g_value_set_enum (value, concurra_worker_get_retry_algorithm (self));
      break;
    case PROP_RETRY_WAIT:
      g_value_set_double (value, concurra_worker_get_retry_wait (self));
      break;
    case PROP_RETRY_JITTER:
      g_value_set_double (value, concurra_worker_get_retry_jitter (self));
      break;
    case PROP_WORKER_COMMAND:
      g_value_set_boxed (value, core->worker_command);
      break;
    case PROP_WORKER_LAUNCHER:
      g_value_set_boxed (value, core->worker_launcher);
      break;
    case PROP_LIMITS:
      g_value_take_object (value, concurra_worker_get_limits (self));
      break;
    case PROP_STOPPED:
      g_value_set_boolean (value, concurra_worker_is_stopped (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concurra_worker_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ConcurraWorker *self = CONCURRA_WORKER (object);
  ConcurraWorkerCore *core = &self->core;

  switch (prop_id)
    {
    case PROP_MODE:
      core->mode = g_value_get_enum (value);
      break;
    case PROP_N_LANES:
      core->n_lanes = g_value_get_uint (value);
      break;
    case PROP_CONTEXT:
      core->context = g_value_dup_boxed (value);
      break;
    case PROP_ON_DEMAND:
      core->on_demand = g_value_get_boolean (value);
      break;
    case PROP_LOAD_BALANCING:
      concurra_worker_set_load_balancing (self, g_value_get_enum (value));
      break;
    case PROP_MAX_QUEUED:
      concurra_worker_set_max_queued (self, g_value_get_uint (value));
      break;
    case PROP_RETRIES:
      concurra_worker_set_retries (self, g_value_get_uint (value));
      break;
    case PROP_RETRY_ALGORITHM:
      concurra_worker_set_retry_algorithm (self, g_value_get_enum (value));
      break;
    case PROP_RETRY_WAIT:
      concurra_worker_set_retry_wait (self, g_value_get_double (value));
      break;
    case PROP_RETRY_JITTER:
      concurra_worker_set_retry_jitter (self, g_value_get_double (value));
      break;
    case PROP_WORKER_COMMAND:
      concurra_worker_set_worker_command (self, g_value_get_boxed (value));
      break;
    case PROP_WORKER_LAUNCHER:
      concurra_worker_set_worker_launcher (self, g_value_get_boxed (value));
      break;
    case PROP_LIMITS:
      concurra_worker_set_limits (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concurra_worker_class_init (ConcurraWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = concurra_worker_constructed;
  object_class->dispose = concurra_worker_dispose;
  object_class->finalize = concurra_worker_finalize;
  object_class->get_property = concurra_worker_get_property;
  object_class->set_property = concurra_worker_set_property;

  /**
   * ConcurraWorker:mode:
   *
   * Where the lanes run calls: %CONCURRA_EXECUTION_MODE_THREAD,
   * %CONCURRA_EXECUTION_MODE_MAIN_CONTEXT or %CONCURRA_EXECUTION_MODE_PROCESS.
   *
   * Since: 1.0
   */
  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL,
                       CONCURRA_TYPE_EXECUTION_MODE, CONCURRA_EXECUTION_MODE_THREAD,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:n-lanes:
   *
   * The number of lanes; for an on-demand worker, the most that run at
   * once (0: no limit).
   *
   * Since: 1.0
   */
  properties[PROP_N_LANES] =
    g_param_spec_uint ("n-lanes", NULL, NULL, 0, CONCURRA_WORKER_MAX_LANES, 1,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:context:
   *
   * The owner main context: retry waits, the worker's signals and the
   * calls' notifications happen there, and main-context lanes run there.
   * %NULL: for a main-context worker the thread-default context at
   * construction, for the others a private thread.
   *
   * Since: 1.0
   */
  properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL, G_TYPE_MAIN_CONTEXT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:on-demand:
   *
   * Whether each call gets a fresh lane (and instance) that ends after it.
   *
   * Since: 1.0
   */
  properties[PROP_ON_DEMAND] =
    g_param_spec_boolean ("on-demand", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:load-balancing:
   *
   * How a call's lane is chosen when there are several.
   *
   * Since: 1.0
   */
  properties[PROP_LOAD_BALANCING] =
    g_param_spec_enum ("load-balancing", NULL, NULL,
                       CONCURRA_TYPE_LOAD_BALANCING, CONCURRA_LOAD_BALANCING_ROUND_ROBIN,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:max-queued:
   *
   * How many calls of one lane are handed to where they run at a time
   * (0: no limit). The others wait in the worker, in order; making a call
   * never blocks.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_QUEUED] =
    g_param_spec_uint ("max-queued", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:retries:
   *
   * How many times a failed call is tried again.
   *
   * Since: 1.0
   */
  properties[PROP_RETRIES] =
    g_param_spec_uint ("retries", NULL, NULL, 0, CONCURRA_WORKER_MAX_RETRIES, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:retry-algorithm:
   *
   * How the wait between attempts grows with each attempt.
   *
   * Since: 1.0
   */
  properties[PROP_RETRY_ALGORITHM] =
    g_param_spec_enum ("retry-algorithm", NULL, NULL,
                       CONCURRA_TYPE_RETRY_ALGORITHM, CONCURRA_RETRY_ALGORITHM_EXPONENTIAL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:retry-wait:
   *
   * The base wait before a retry, in seconds.
   *
   * Since: 1.0
   */
  properties[PROP_RETRY_WAIT] =
    g_param_spec_double ("retry-wait", NULL, NULL, 0, CONCURRA_WORKER_MAX_WAIT, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:retry-jitter:
   *
   * From 0 to 1: how much of each wait is random. With 0 the wait is the
   * computed one ([method@Concurra.Worker.compute_retry_wait]); with 1 it is
   * uniform between 0 and the computed one ("full jitter").
   *
   * Since: 1.0
   */
  properties[PROP_RETRY_JITTER] =
    g_param_spec_double ("retry-jitter", NULL, NULL, 0, 1, 0.3,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:worker-command:
   *
   * The program (argv) a process worker starts for each lane; it must call
   * [func@Concurra.Worker.main] early. %NULL: the running program itself.
   *
   * Since: 1.0
   */
  properties[PROP_WORKER_COMMAND] =
    g_param_spec_boxed ("worker-command", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:worker-launcher:
   *
   * A command put before [property@Concurra.Worker:worker-command] to start
   * each lane's worker process elsewhere: `srun --unbuffered` for a node of
   * a Slurm cluster, or `ssh HOST`. The worker protocol then runs over the
   * launched process's standard input and output, checked as untrusted as
   * always. One launch per lane, for as long as its process lives.
   * %NULL (the default) starts processes on this machine.
   *
   * Since: 1.0
   */
  properties[PROP_WORKER_LAUNCHER] =
    g_param_spec_boxed ("worker-launcher", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:limits:
   *
   * The limits the worker's calls share: its thread and main-context calls
   * take them with [method@Concurra.LimitSet.acquire] (or its async form),
   * and the functions its worker processes run with
   * [func@Concurra.Worker.acquire_limits], which asks this process. Give
   * the same set to several workers to share it among them.
   *
   * Since: 1.0
   */
  properties[PROP_LIMITS] =
    g_param_spec_object ("limits", NULL, NULL, CONCURRA_TYPE_LIMIT_SET,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:stopped:
   *
   * Whether [method@Concurra.Worker.stop] was called.
   *
   * Since: 1.0
   */
  properties[PROP_STOPPED] =
    g_param_spec_boolean ("stopped", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConcurraWorker::call-finished:
   * @worker: the worker
   * @task: the call, with its final status
   *
   * Emitted on the owner context after a call ended.
   *
   * Since: 1.0
   */
  signals[SIGNAL_CALL_FINISHED] =
    g_signal_new ("call-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONCURRA_TYPE_TASK);

  /**
   * ConcurraWorker::ended:
   * @worker: the worker
   *
   * Emitted on the owner context once the worker is stopped and none of its
   * calls runs any more.
   *
   * Since: 1.0
   */
  signals[SIGNAL_ENDED] =
    g_signal_new ("ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
concurra_worker_init (ConcurraWorker *self)
{
  concurra_worker_core_preinit (&self->core);
}

/* Called by the lanes' code on the owner context. */
void
concurra_worker_emit_call_finished (GObject      *object,
                                    ConcurraTask *task)
{
  g_signal_emit (object, signals[SIGNAL_CALL_FINISHED], 0, task);
}

gboolean
concurra_worker_is_watched (GObject *object)
{
  return g_signal_has_handler_pending (object, signals[SIGNAL_CALL_FINISHED], 0, TRUE);
}

void
concurra_worker_emit_stopped (GObject *object)
{
  g_object_notify_by_pspec (object, properties[PROP_STOPPED]);
  g_signal_emit (object, signals[SIGNAL_ENDED], 0);
}

/**
 * concurra_worker_new:
 * @mode: where lanes run calls: %CONCURRA_EXECUTION_MODE_THREAD,
 *   %CONCURRA_EXECUTION_MODE_MAIN_CONTEXT or %CONCURRA_EXECUTION_MODE_PROCESS
 * @n_lanes: the number of lanes, at least 1
 *
 * Creates a worker with @n_lanes lanes. Other settings are properties; an
 * on-demand worker is made with g_object_new() and
 * [property@Concurra.Worker:on-demand].
 *
 * Returns: (transfer full): a new worker
 *
 * Since: 1.0
 */
ConcurraWorker *
concurra_worker_new (ConcurraExecutionMode mode,
                     guint                 n_lanes)
{
  g_return_val_if_fail (concurra_worker_mode_is_valid (mode), NULL);
  g_return_val_if_fail (n_lanes >= 1 && n_lanes <= CONCURRA_WORKER_MAX_LANES, NULL);

  return g_object_new (CONCURRA_TYPE_WORKER, "mode", mode, "n-lanes", n_lanes, NULL);
}

/**
 * concurra_worker_set_init_func:
 * @worker: a thread or main-context worker
 * @func: (scope notified) (closure user_data) (destroy destroy) (nullable):
 *   makes a lane's instance
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Sets how each lane makes its instance, on the lane, before its first
 * call. Set it before the first call.
 *
 * Since: 1.0
 */
void
concurra_worker_set_init_func (ConcurraWorker         *worker,
                               ConcurraWorkerInitFunc  func,
                               gpointer                user_data,
                               GDestroyNotify          destroy)
{
  g_return_if_fail (CONCURRA_IS_WORKER (worker));

  concurra_worker_core_set_closure (&worker->core, &worker->core.init,
                                    (GCallback) func, user_data, destroy);
}

/**
 * concurra_worker_set_init_function:
 * @worker: a process worker
 * @function_name: (nullable): a function registered in the worker program
 *   with [func@Concurra.Worker.register]
 * @args: (nullable): its arguments; a floating reference is sunk
 *
 * Sets the function each lane's worker process runs before its first call,
 * and again in the process that replaces one that crashed: it makes the
 * process's state (the lane's instance). If it fails, the call waiting for
 * it fails with its error, and the next call runs it again.
 *
 * Since: 1.0
 */
void
concurra_worker_set_init_function (ConcurraWorker *worker,
                                   const char     *function_name,
                                   GVariant       *args)
{
  g_return_if_fail (CONCURRA_IS_WORKER (worker));

  concurra_worker_core_set_init_function (&worker->core, function_name, args);
}

/**
 * concurra_worker_submit:
 * @worker: a thread or main-context worker
 * @name: (nullable): a name for the call, its task's label
 * @func: (scope notified) (closure user_data) (destroy destroy): the call
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data after the call ended
 * @error: return location for a #GError
 *
 * Makes a call: @func runs on the lane the worker picks, after the calls
 * sent to that lane before it, with the lane's instance. Never blocks.
 *
 * Returns: (transfer full): the call, or %NULL with
 *   %CONCURRA_ERROR_WORKER_STOPPED after [method@Concurra.Worker.stop], or
 *   %CONCURRA_ERROR_NOT_SERIALIZABLE in a process worker
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_worker_submit (ConcurraWorker          *worker,
                        const char              *name,
                        ConcurraWorkerCallFunc   func,
                        gpointer                 user_data,
                        GDestroyNotify           destroy,
                        GError                 **error)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return concurra_worker_core_submit (&worker->core, name, func, user_data, destroy, NULL, NULL, error);
}

/**
 * concurra_worker_call_function:
 * @worker: a worker
 * @function_name: a function registered with [func@Concurra.Worker.register]
 * @args: (nullable): its arguments; a floating reference is sunk
 * @error: return location for a #GError
 *
 * Makes a call of a registered function: in a process worker, in the
 * worker process of the lane the worker picks, which keeps its state
 * between calls; in the other modes, on the lane, in this process. The
 * call's value is the #GVariant the function returned. Never blocks.
 *
 * Returns: (transfer full): the call, or %NULL with
 *   %CONCURRA_ERROR_WORKER_STOPPED after [method@Concurra.Worker.stop]
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_worker_call_function (ConcurraWorker  *worker,
                               const char      *function_name,
                               GVariant        *args,
                               GError         **error)
{
  g_autoptr(GVariant) owned = args ? g_variant_ref_sink (args) : NULL;

  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), NULL);
  g_return_val_if_fail (function_name != NULL && *function_name != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return concurra_worker_core_submit (&worker->core, function_name, NULL, NULL, NULL,
                                      function_name, owned, error);
}

/**
 * concurra_worker_stop:
 * @worker: a worker
 *
 * Stops the worker: calls that have not started end
 * %CONCURRA_TASK_STATUS_TERMINATED with %CONCURRA_ERROR_WORKER_STOPPED, running
 * calls are cancelled (a thread call's function should return soon; it is
 * terminated at once), worker processes end, and later calls are refused.
 * Stopping twice does nothing. [signal@Concurra.Worker::ended] follows on
 * the owner context once no call runs any more.
 *
 * Since: 1.0
 */
void
concurra_worker_stop (ConcurraWorker *worker)
{
  g_return_if_fail (CONCURRA_IS_WORKER (worker));

  concurra_worker_core_stop (&worker->core);
}

/**
 * concurra_worker_is_stopped:
 * @worker: a worker
 *
 * Whether [method@Concurra.Worker.stop] was called.
 *
 * Returns: %TRUE once stopped
 *
 * Since: 1.0
 */
gboolean
concurra_worker_is_stopped (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), FALSE);

  return g_atomic_int_get (&worker->core.stopped);
}

/**
 * concurra_worker_get_mode:
 * @worker: a worker
 *
 * Gets [property@Concurra.Worker:mode].
 *
 * Returns: where the lanes run calls
 *
 * Since: 1.0
 */
ConcurraExecutionMode
concurra_worker_get_mode (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), CONCURRA_EXECUTION_MODE_NONE);

  return worker->core.mode;
}

/**
 * concurra_worker_get_n_lanes:
 * @worker: a worker
 *
 * Gets [property@Concurra.Worker:n-lanes].
 *
 * Returns: the number of lanes, or the on-demand cap
 *
 * Since: 1.0
 */
guint
concurra_worker_get_n_lanes (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), 0);

  return worker->core.n_lanes;
}

/**
 * concurra_worker_get_on_demand:
 * @worker: a worker
 *
 * Gets [property@Concurra.Worker:on-demand].
 *
 * Returns: whether each call gets a fresh lane
 *
 * Since: 1.0
 */
gboolean
concurra_worker_get_on_demand (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), FALSE);

  return worker->core.on_demand;
}

/**
 * concurra_worker_get_load_balancing:
 * @worker: a worker
 *
 * Gets [property@Concurra.Worker:load-balancing].
 *
 * Returns: how a call's lane is chosen
 *
 * Since: 1.0
 */
ConcurraLoadBalancing
concurra_worker_get_load_balancing (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), CONCURRA_LOAD_BALANCING_ROUND_ROBIN);

  return g_atomic_int_get (&worker->core.balancing);
}

/**
 * concurra_worker_set_load_balancing:
 * @worker: a worker
 * @balancing: how a call's lane is chosen
 *
 * Sets [property@Concurra.Worker:load-balancing].
 *
 * Since: 1.0
 */
void
concurra_worker_set_load_balancing (ConcurraWorker        *worker,
                                    ConcurraLoadBalancing  balancing)
{
  g_return_if_fail (CONCURRA_IS_WORKER (worker));
  g_return_if_fail (balancing <= CONCURRA_LOAD_BALANCING_RANDOM);

  if (g_atomic_int_exchange (&worker->core.balancing, balancing) != (int) balancing)
    g_object_notify_by_pspec (G_OBJECT (worker), properties[PROP_LOAD_BALANCING]);
}

/**
 * concurra_worker_get_max_queued:
 * @worker: a worker
 *
 * Gets [property@Concurra.Worker:max-queued].
 *
 * Returns: the most calls of a lane handed on at a time, 0 for no limit
 *
 * Since: 1.0
 */
guint
concurra_worker_get_max_queued (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), 0);

  return g_atomic_int_get (&worker->core.max_queued);
}

/**
 * concurra_worker_set_max_queued:
 * @worker: a worker
 * @max_queued: the most calls of a lane handed on at a time, 0 for no limit
 *
 * Sets [property@Concurra.Worker:max-queued].
 *
 * Since: 1.0
 */
void
concurra_worker_set_max_queued (ConcurraWorker *worker,
                                guint           max_queued)
{
  g_return_if_fail (CONCURRA_IS_WORKER (worker));

  concurra_worker_core_set_max_queued (&worker->core, max_queued);
  g_object_notify_by_pspec (G_OBJECT (worker), properties[PROP_MAX_QUEUED]);
}

/**
 * concurra_worker_get_retries:
 * @worker: a worker
 *
 * Gets [property@Concurra.Worker:retries].
 *
 * Returns: how many times a failed call is tried again
 *
 * Since: 1.0
 */
guint
concurra_worker_get_retries (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), 0);

  return g_atomic_int_get (&worker->core.retries);
}

/**
 * concurra_worker_set_retries:
 * @worker: a worker
 * @retries: how many times a failed call is tried again
 *
 * Sets [property@Concurra.Worker:retries].
 *
 * Since: 1.0
 */
void
concurra_worker_set_retries (ConcurraWorker *worker,
                             guint           retries)
{
  g_return_if_fail (CONCURRA_IS_WORKER (worker));
  g_return_if_fail (retries <= CONCURRA_WORKER_MAX_RETRIES);

  if (g_atomic_int_exchange (&worker->core.retries, retries) != (int) retries)
    g_object_notify_by_pspec (G_OBJECT (worker), properties[PROP_RETRIES]);
}

/**
 * concurra_worker_get_retry_algorithm:
 * @worker: a worker
 *
 * Gets [property@Concurra.Worker:retry-algorithm].
 *
 * Returns: how the wait between attempts grows
 *
 * Since: 1.0
 */
ConcurraRetryAlgorithm
concurra_worker_get_retry_algorithm (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), CONCURRA_RETRY_ALGORITHM_EXPONENTIAL);

  return g_atomic_int_get (&worker->core.retry_algorithm);
}

/**
 * concurra_worker_set_retry_algorithm:
 * @worker: a worker
 * @algorithm: how the wait between attempts grows
 *
 * Sets [property@Concurra.Worker:retry-algorithm].
 *
 * Since: 1.0
 */
void
concurra_worker_set_retry_algorithm (ConcurraWorker         *worker,
                                     ConcurraRetryAlgorithm  algorithm)
{
  g_return_if_fail (CONCURRA_IS_WORKER (worker));
  g_return_if_fail (algorithm <= CONCURRA_RETRY_ALGORITHM_FIBONACCI);

  if (g_atomic_int_exchange (&worker->core.retry_algorithm, algorithm) != (int) algorithm)
    g_object_notify_by_pspec (G_OBJECT (worker), properties[PROP_RETRY_ALGORITHM]);
}

/**
 * concurra_worker_get_retry_wait:
 * @worker: a worker
 *
 * Gets [property@Concurra.Worker:retry-wait].
 *
 * Returns: the base wait before a retry, in seconds
 *
 * Since: 1.0
 */
double
concurra_worker_get_retry_wait (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), 0);

  return concurra_worker_core_get_double (&worker->core, &worker->core.retry_wait);
}

/**
 * concurra_worker_set_retry_wait:
 * @worker: a worker
 * @seconds: the base wait before a retry, from 0 to one day
 *
 * Sets [property@Concurra.Worker:retry-wait].
 *
 * Since: 1.0
 */
void
concurra_worker_set_retry_wait (ConcurraWorker *worker,
                                double          seconds)
{
  g_return_if_fail (CONCURRA_IS_WORKER (worker));
  g_return_if_fail (seconds >= 0 && seconds <= CONCURRA_WORKER_MAX_WAIT);

  concurra_worker_core_set_double (&worker->core, &worker->core.retry_wait, seconds);
  g_object_notify_by_pspec (G_OBJECT (worker), properties[PROP_RETRY_WAIT]);
}

/**
 * concurra_worker_get_retry_jitter:
 * @worker: a worker
 *
 * Gets [property@Concurra.Worker:retry-jitter].
 *
 * Returns: the random part of each wait, from 0 to 1
 *
 * Since: 1.0
 */
double
concurra_worker_get_retry_jitter (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), 0);

  return concurra_worker_core_get_double (&worker->core, &worker->core.retry_jitter);
}

/**
 * concurra_worker_set_retry_jitter:
 * @worker: a worker
 * @jitter: the random part of each wait, from 0 to 1
 *
 * Sets [property@Concurra.Worker:retry-jitter].
 *
 * Since: 1.0
 */
void
concurra_worker_set_retry_jitter (ConcurraWorker *worker,
                                  double          jitter)
{
  g_return_if_fail (CONCURRA_IS_WORKER (worker));
  g_return_if_fail (jitter >= 0 && jitter <= 1);

  concurra_worker_core_set_double (&worker->core, &worker->core.retry_jitter, jitter);
  g_object_notify_by_pspec (G_OBJECT (worker), properties[PROP_RETRY_JITTER]);
}

/**
 * concurra_worker_compute_retry_wait:
 * @worker: a worker
 * @attempt: the number of the attempt that failed, from 1
 *
 * The wait before the attempt after @attempt, before jitter:
 * [property@Concurra.Worker:retry-wait] times @attempt (linear),
 * 2^(@attempt − 1) (exponential) or fib(@attempt) (Fibonacci), at most one
 * day.
 *
 * Returns: the wait in seconds
 *
 * Since: 1.0
 */
double
concurra_worker_compute_retry_wait (ConcurraWorker *worker,
                                    guint           attempt)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), 0);
  g_return_val_if_fail (attempt >= 1, 0);

  return concurra_worker_core_retry_wait (&worker->core, attempt);
}

/**
 * concurra_worker_set_retry_filter:
 * @worker: a worker
 * @func: (scope notified) (closure user_data) (destroy destroy) (nullable):
 *   decides which failures are retried; %NULL retries every failure
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Sets which failed attempts are tried again. It runs where the attempt
 * ended: on the lane's thread in thread mode, on the owner context
 * otherwise.
 *
 * Since: 1.0
 */
void
concurra_worker_set_retry_filter (ConcurraWorker          *worker,
                                  ConcurraRetryFilterFunc  func,
                                  gpointer                 user_data,
                                  GDestroyNotify           destroy)
{
  g_return_if_fail (CONCURRA_IS_WORKER (worker));

  concurra_worker_core_set_closure (&worker->core, &worker->core.filter,
                                    (GCallback) func, user_data, destroy);
}

/**
 * concurra_worker_set_validate_func:
 * @worker: a worker
 * @func: (scope notified) (closure user_data) (destroy destroy) (nullable):
 *   checks the result of each successful attempt
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Sets a validator of results: an attempt whose result it rejects is retried
 * like a failure, and when no attempt is left the call fails with
 * %CONCURRA_ERROR_INVALID_RESULT. It runs where the retry filter runs.
 *
 * Since: 1.0
 */
void
concurra_worker_set_validate_func (ConcurraWorker       *worker,
                                   ConcurraValidateFunc  func,
                                   gpointer              user_data,
                                   GDestroyNotify        destroy)
{
  g_return_if_fail (CONCURRA_IS_WORKER (worker));

  concurra_worker_core_set_closure (&worker->core, &worker->core.validate,
                                    (GCallback) func, user_data, destroy);
}

/**
 * concurra_worker_get_worker_command:
 * @worker: a worker
 *
 * Gets [property@Concurra.Worker:worker-command].
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the command
 *
 * Since: 1.0
 */
const char * const *
concurra_worker_get_worker_command (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), NULL);

  return (const char * const *) worker->core.worker_command;
}

/**
 * concurra_worker_set_worker_command:
 * @worker: a process worker, before its first call
 * @command: (nullable) (array zero-terminated=1): the worker program and its
 *   arguments, or %NULL for the running program
 *
 * Sets [property@Concurra.Worker:worker-command].
 *
 * Since: 1.0
 */
void
concurra_worker_set_worker_command (ConcurraWorker     *worker,
                                    const char * const *command)
{
  g_return_if_fail (CONCURRA_IS_WORKER (worker));
  g_return_if_fail (command == NULL || (command[0] != NULL && *command[0] != '\0'));

  concurra_worker_core_set_command (&worker->core, command);
  g_object_notify_by_pspec (G_OBJECT (worker), properties[PROP_WORKER_COMMAND]);
}

/**
 * concurra_worker_get_worker_launcher:
 * @worker: a worker
 *
 * Gets [property@Concurra.Worker:worker-launcher].
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the command
 *
 * Since: 1.0
 */
const char * const *
concurra_worker_get_worker_launcher (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), NULL);

  return (const char * const *) worker->core.worker_launcher;
}

/**
 * concurra_worker_set_worker_launcher:
 * @worker: a process worker, before its first call
 * @launcher: (nullable) (array zero-terminated=1): the command put before
 *   the worker program, or %NULL to start processes on this machine
 *
 * Sets [property@Concurra.Worker:worker-launcher].
 *
 * Since: 1.0
 */
void
concurra_worker_set_worker_launcher (ConcurraWorker     *worker,
                                     const char * const *launcher)
{
  g_return_if_fail (CONCURRA_IS_WORKER (worker));
  g_return_if_fail (launcher == NULL || (launcher[0] != NULL && *launcher[0] != '\0'));

  concurra_worker_core_set_launcher (&worker->core, launcher);
  g_object_notify_by_pspec (G_OBJECT (worker), properties[PROP_WORKER_LAUNCHER]);
}

/**
 * concurra_worker_get_limits:
 * @worker: a worker
 *
 * Gets [property@Concurra.Worker:limits].
 *
 * Returns: (transfer full) (nullable): the limits, or %NULL
 *
 * Since: 1.0
 */
ConcurraLimitSet *
concurra_worker_get_limits (ConcurraWorker *worker)
{
  ConcurraLimitSet *limits;

  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), NULL);

  g_mutex_lock (&worker->core.lock);
  limits = worker->core.limits ? g_object_ref (worker->core.limits) : NULL;
  g_mutex_unlock (&worker->core.lock);
  return limits;
}

/**
 * concurra_worker_set_limits:
 * @worker: a worker
 * @limits: (nullable): the limits its calls share, or %NULL
 *
 * Sets [property@Concurra.Worker:limits].
 *
 * Since: 1.0
 */
void
concurra_worker_set_limits (ConcurraWorker   *worker,
                            ConcurraLimitSet *limits)
{
  gboolean changed;

  g_return_if_fail (CONCURRA_IS_WORKER (worker));
  g_return_if_fail (limits == NULL || CONCURRA_IS_LIMIT_SET (limits));

  g_mutex_lock (&worker->core.lock);
  changed = g_set_object (&worker->core.limits, limits);
  g_mutex_unlock (&worker->core.lock);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (worker), properties[PROP_LIMITS]);
}

/**
 * concurra_worker_get_n_active:
 * @worker: a worker
 *
 * The number of calls made and not finished yet, over all lanes.
 *
 * Returns: the count
 *
 * Since: 1.0
 */
guint
concurra_worker_get_n_active (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), 0);

  return concurra_worker_core_n_active (&worker->core);
}

/**
 * concurra_worker_get_stats:
 * @worker: a worker
 *
 * Statistics of the worker, as a dictionary (`a{sv}`): `n-lanes` (u, lanes
 * now), `max-lanes` (u), `on-demand` (b), `on-demand-active` (u),
 * `stopped` (b), `max-queued` (u), `load-balancing` (s, the enum's nick),
 * `dispatched` (t, calls made), `active` (u, calls not finished), and
 * `lanes` (`aa{sv}`, per lane: `index` (u), `active` (u), `total` (t),
 * `queued` (u, calls waiting in the worker beyond max-queued)).
 *
 * Returns: (transfer full): the statistics
 *
 * Since: 1.0
 */
GVariant *
concurra_worker_get_stats (ConcurraWorker *worker)
{
  g_return_val_if_fail (CONCURRA_IS_WORKER (worker), NULL);

  return g_variant_ref_sink (concurra_worker_core_stats (&worker->core));
}
