/* concurra-worker-properties.c: the settings of a ConcurraWorker: its
 * GObject properties, their documentation, the public getters and setters
 * that go with them, the retry filter and the result validator, and the
 * read-outs of its state (stopped, n-active, stats). The type, its signals and
 * its entry points (new, the init functions, submit, call_function and
 * stop) are in concurra-worker.c; the lanes that use the settings
 * are in concurra-worker-lane.c.
 *
 * Construct-only settings are written once, before the worker is used;
 * the others are written under the worker's lock or atomically, and read
 * by the lanes when they use them.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-enum-types.h"
#include "concurra-worker-lane-private.h"

GParamSpec *concurra_worker_properties[N_PROPS];

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

void
concurra_worker_install_properties (GObjectClass *object_class)
{
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
  concurra_worker_properties[PROP_MODE] =
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
  concurra_worker_properties[PROP_N_LANES] =
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
  concurra_worker_properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL, G_TYPE_MAIN_CONTEXT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:on-demand:
   *
   * Whether each call gets a fresh lane (and instance) that ends after it.
   *
   * Since: 1.0
   */
  concurra_worker_properties[PROP_ON_DEMAND] =
    g_param_spec_boolean ("on-demand", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:load-balancing:
   *
   * How a call's lane is chosen when there are several.
   *
   * Since: 1.0
   */
  concurra_worker_properties[PROP_LOAD_BALANCING] =
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
  concurra_worker_properties[PROP_MAX_QUEUED] =
    g_param_spec_uint ("max-queued", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:retries:
   *
   * How many times a failed call is tried again.
   *
   * Since: 1.0
   */
  concurra_worker_properties[PROP_RETRIES] =
    g_param_spec_uint ("retries", NULL, NULL, 0, CONCURRA_WORKER_MAX_RETRIES, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:retry-algorithm:
   *
   * How the wait between attempts grows with each attempt.
   *
   * Since: 1.0
   */
  concurra_worker_properties[PROP_RETRY_ALGORITHM] =
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
  concurra_worker_properties[PROP_RETRY_WAIT] =
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
  concurra_worker_properties[PROP_RETRY_JITTER] =
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
  concurra_worker_properties[PROP_WORKER_COMMAND] =
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
  concurra_worker_properties[PROP_WORKER_LAUNCHER] =
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
  concurra_worker_properties[PROP_LIMITS] =
    g_param_spec_object ("limits", NULL, NULL, CONCURRA_TYPE_LIMIT_SET,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraWorker:stopped:
   *
   * Whether [method@Concurra.Worker.stop] was called.
   *
   * Since: 1.0
   */
  concurra_worker_properties[PROP_STOPPED] =
    g_param_spec_boolean ("stopped", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, concurra_worker_properties);
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
    g_object_notify_by_pspec (G_OBJECT (worker), concurra_worker_properties[PROP_LOAD_BALANCING]);
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
  g_object_notify_by_pspec (G_OBJECT (worker), concurra_worker_properties[PROP_MAX_QUEUED]);
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
    g_object_notify_by_pspec (G_OBJECT (worker), concurra_worker_properties[PROP_RETRIES]);
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
    g_object_notify_by_pspec (G_OBJECT (worker), concurra_worker_properties[PROP_RETRY_ALGORITHM]);
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
  g_object_notify_by_pspec (G_OBJECT (worker), concurra_worker_properties[PROP_RETRY_WAIT]);
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
  g_object_notify_by_pspec (G_OBJECT (worker), concurra_worker_properties[PROP_RETRY_JITTER]);
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
  g_object_notify_by_pspec (G_OBJECT (worker), concurra_worker_properties[PROP_WORKER_COMMAND]);
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
  g_object_notify_by_pspec (G_OBJECT (worker), concurra_worker_properties[PROP_WORKER_LAUNCHER]);
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
    g_object_notify_by_pspec (G_OBJECT (worker), concurra_worker_properties[PROP_LIMITS]);
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
