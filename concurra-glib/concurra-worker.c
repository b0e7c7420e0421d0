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
 * This file holds the type, its signals and its entry points; its
 * settings (properties and their accessors, the retry filter and the
 * validator) and the read-outs of its activity are in
 * concurra-worker-properties.c.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
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
  SIGNAL_CALL_FINISHED,
  SIGNAL_ENDED,
  N_SIGNALS
};

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

/* The core's hooks: called by the lanes' code on the owner context. */
static void
emit_call_finished (GObject      *object,
                    ConcurraTask *task)
{
  g_signal_emit (object, signals[SIGNAL_CALL_FINISHED], 0, task);
}

static gboolean
is_watched (GObject *object)
{
  return g_signal_has_handler_pending (object, signals[SIGNAL_CALL_FINISHED], 0, TRUE);
}

static void
emit_ended (GObject *object)
{
  g_object_notify_by_pspec (object, concurra_worker_properties[PROP_STOPPED]);
  g_signal_emit (object, signals[SIGNAL_ENDED], 0);
}

static const ConcurraWorkerCoreHooks core_hooks = {
  .call_finished = emit_call_finished,
  .ended = emit_ended,
  .is_watched = is_watched,
};

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
  concurra_worker_core_init (core, object, &core_hooks);
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
concurra_worker_class_init (ConcurraWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = concurra_worker_constructed;
  object_class->dispose = concurra_worker_dispose;
  object_class->finalize = concurra_worker_finalize;

  concurra_worker_install_properties (object_class);

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
