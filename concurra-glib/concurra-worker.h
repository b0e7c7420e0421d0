/* concurra-worker.h: ConcurraWorker, a stateful worker (an actor): lanes
 * that each own one instance and run calls on it in order; and the process
 * side of workers — the named functions a worker process serves.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (CONCURRA_INSIDE) && !defined (CONCURRA_COMPILATION)
# error "Only <concurra.h> can be included directly."
#endif

#include <gio/gio.h>

#include "concurra-enums.h"
#include "concurra-limit-set.h"
#include "concurra-task.h"
#include "concurra-version.h"

G_BEGIN_DECLS

#define CONCURRA_TYPE_WORKER (concurra_worker_get_type ())

CONCURRA_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ConcurraWorker, concurra_worker, CONCURRA, WORKER, GObject)

/**
 * ConcurraWorkerInitFunc:
 * @worker: the worker
 * @lane: the index of the lane whose instance is made
 * @cancellable: (not nullable): cancelled when the worker stops
 * @user_data: the data given with the function
 * @error: return location for a #GError
 *
 * Makes the instance of one lane of a worker, on that lane: in a thread of
 * a thread-mode worker, on the owner context of a main-context worker.
 * Every call of the lane then gets this instance. Failing (returning %NULL
 * with @error set) fails each call sent to the lane with that error, and
 * the next call tries again.
 *
 * Returns: (transfer full) (nullable): the instance, or %NULL; %NULL without
 *   an error is a lane without an instance
 *
 * Since: 1.0
 */
typedef GObject *(*ConcurraWorkerInitFunc) (ConcurraWorker  *worker,
                                            guint            lane,
                                            GCancellable    *cancellable,
                                            gpointer         user_data,
                                            GError         **error);

/**
 * ConcurraWorkerCallFunc:
 * @task: the call; report its outcome with [method@Concurra.Task.return_value]
 *   and friends
 * @instance: (nullable): the instance of the lane the call runs on
 * @lane: the index of that lane
 * @cancellable: (not nullable): cancelled when the call is cancelled or the
 *   worker stops
 * @user_data: the data given with the call
 *
 * One call of a worker. In a thread-mode worker the call ends when the
 * function returns (without a report: success with no value); in a
 * main-context worker it ends when the task reports, which may be later,
 * from a callback, and the lane runs nothing else until then.
 *
 * Since: 1.0
 */
typedef void (*ConcurraWorkerCallFunc) (ConcurraTask  *task,
                                        GObject       *instance,
                                        guint          lane,
                                        GCancellable  *cancellable,
                                        gpointer       user_data);

/**
 * ConcurraRetryFilterFunc:
 * @task: the call whose attempt failed
 * @error: the error of the attempt
 * @attempt: the number of the attempt that failed, from 1
 * @user_data: the data given with the function
 *
 * Decides whether a failed attempt of a worker call is tried again (if the
 * worker's retries allow another attempt).
 *
 * Returns: %TRUE to retry
 *
 * Since: 1.0
 */
typedef gboolean (*ConcurraRetryFilterFunc) (ConcurraTask  *task,
                                             const GError  *error,
                                             guint          attempt,
                                             gpointer       user_data);

/**
 * ConcurraValidateFunc:
 * @task: the call whose attempt succeeded; its value is the attempt's result
 * @attempt: the number of the attempt, from 1
 * @user_data: the data given with the function
 * @error: return location for why the result is not valid
 *
 * Checks the result of a successful attempt of a worker call. A result that
 * is not valid is retried like a failure; when no attempt is left the call
 * fails with %CONCURRA_ERROR_INVALID_RESULT.
 *
 * Returns: %TRUE if the result is valid
 *
 * Since: 1.0
 */
typedef gboolean (*ConcurraValidateFunc) (ConcurraTask  *task,
                                          guint          attempt,
                                          gpointer       user_data,
                                          GError       **error);

CONCURRA_AVAILABLE_IN_1_0
ConcurraWorker        *concurra_worker_new                 (ConcurraExecutionMode     mode,
                                                            guint                     n_lanes);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_set_init_func       (ConcurraWorker           *worker,
                                                            ConcurraWorkerInitFunc    func,
                                                            gpointer                  user_data,
                                                            GDestroyNotify            destroy);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_set_init_function   (ConcurraWorker           *worker,
                                                            const char               *function_name,
                                                            GVariant                 *args);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_worker_submit              (ConcurraWorker           *worker,
                                                            const char               *name,
                                                            ConcurraWorkerCallFunc    func,
                                                            gpointer                  user_data,
                                                            GDestroyNotify            destroy,
                                                            GError                  **error);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_worker_call_function       (ConcurraWorker           *worker,
                                                            const char               *function_name,
                                                            GVariant                 *args,
                                                            GError                  **error);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_stop                (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_worker_is_stopped          (ConcurraWorker           *worker);

CONCURRA_AVAILABLE_IN_1_0
ConcurraExecutionMode  concurra_worker_get_mode            (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
guint                  concurra_worker_get_n_lanes         (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_worker_get_on_demand       (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
ConcurraLoadBalancing  concurra_worker_get_load_balancing  (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_set_load_balancing  (ConcurraWorker           *worker,
                                                            ConcurraLoadBalancing     balancing);
CONCURRA_AVAILABLE_IN_1_0
guint                  concurra_worker_get_max_queued      (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_set_max_queued      (ConcurraWorker           *worker,
                                                            guint                     max_queued);
CONCURRA_AVAILABLE_IN_1_0
guint                  concurra_worker_get_retries         (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_set_retries         (ConcurraWorker           *worker,
                                                            guint                     retries);
CONCURRA_AVAILABLE_IN_1_0
ConcurraRetryAlgorithm concurra_worker_get_retry_algorithm (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_set_retry_algorithm (ConcurraWorker           *worker,
                                                            ConcurraRetryAlgorithm    algorithm);
CONCURRA_AVAILABLE_IN_1_0
double                 concurra_worker_get_retry_wait      (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_set_retry_wait      (ConcurraWorker           *worker,
                                                            double                    seconds);
CONCURRA_AVAILABLE_IN_1_0
double                 concurra_worker_get_retry_jitter    (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_set_retry_jitter    (ConcurraWorker           *worker,
                                                            double                    jitter);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_set_retry_filter    (ConcurraWorker           *worker,
                                                            ConcurraRetryFilterFunc   func,
                                                            gpointer                  user_data,
                                                            GDestroyNotify            destroy);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_set_validate_func   (ConcurraWorker           *worker,
                                                            ConcurraValidateFunc      func,
                                                            gpointer                  user_data,
                                                            GDestroyNotify            destroy);
CONCURRA_AVAILABLE_IN_1_0
const char * const    *concurra_worker_get_worker_command  (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_set_worker_command  (ConcurraWorker           *worker,
                                                            const char * const       *command);
CONCURRA_AVAILABLE_IN_1_0
double                 concurra_worker_compute_retry_wait  (ConcurraWorker           *worker,
                                                            guint                     attempt);
CONCURRA_AVAILABLE_IN_1_0
const char * const    *concurra_worker_get_worker_launcher (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_set_worker_launcher (ConcurraWorker           *worker,
                                                            const char * const       *launcher);
CONCURRA_AVAILABLE_IN_1_0
ConcurraLimitSet      *concurra_worker_get_limits          (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_worker_set_limits          (ConcurraWorker           *worker,
                                                            ConcurraLimitSet         *limits);
CONCURRA_AVAILABLE_IN_1_0
guint                  concurra_worker_get_n_active        (ConcurraWorker           *worker);
CONCURRA_AVAILABLE_IN_1_0
GVariant              *concurra_worker_get_stats           (ConcurraWorker           *worker);

/**
 * ConcurraWorkerFunc:
 * @args: (nullable): the arguments given to [ctor@Concurra.Task.new_process]
 * @cancellable: (not nullable): a cancellable for the call
 * @user_data: the data given at registration
 * @error: return location for a #GError
 *
 * A function that process tasks call by name.
 *
 * Returns: (nullable) (transfer full): the result (a floating reference is
 *   sunk), or %NULL with @error set on failure, or %NULL without error for
 *   no result
 *
 * Since: 1.0
 */
typedef GVariant *(*ConcurraWorkerFunc) (GVariant      *args,
                                         GCancellable  *cancellable,
                                         gpointer       user_data,
                                         GError       **error);

CONCURRA_AVAILABLE_IN_1_0
void      concurra_worker_register      (const char          *name,
                                         ConcurraWorkerFunc   func,
                                         gpointer             user_data,
                                         GDestroyNotify       destroy);
CONCURRA_AVAILABLE_IN_1_0
gboolean  concurra_worker_is_registered (const char          *name);
CONCURRA_AVAILABLE_IN_1_0
void      concurra_worker_main          (void);
CONCURRA_AVAILABLE_IN_1_0
guint64   concurra_worker_acquire_limits (const char * const  *keys,
                                          const guint         *amounts,
                                          guint                n_keys,
                                          double               timeout,
                                          GError             **error);
CONCURRA_AVAILABLE_IN_1_0
gboolean  concurra_worker_release_limits (guint64              acquisition,
                                          const char * const  *keys,
                                          const guint         *used,
                                          guint                n_keys,
                                          GError             **error);

G_END_DECLS
