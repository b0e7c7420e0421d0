/* concurra-runner.h: ConcurraRunner, a run-once DAG scheduler of tasks.
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
#include "concurra-function.h"
#include "concurra-task.h"
#include "concurra-version.h"

G_BEGIN_DECLS

#define CONCURRA_TYPE_RUNNER (concurra_runner_get_type ())

CONCURRA_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ConcurraRunner, concurra_runner, CONCURRA, RUNNER, GObject)

CONCURRA_AVAILABLE_IN_1_0
ConcurraRunner        *concurra_runner_new                    (const char            *name);

CONCURRA_AVAILABLE_IN_1_0
const char            *concurra_runner_get_name               (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_name               (ConcurraRunner        *runner,
                                                               const char            *name);
CONCURRA_AVAILABLE_IN_1_0
int                    concurra_runner_get_max_concurrency    (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_max_concurrency    (ConcurraRunner        *runner,
                                                               int                    max_concurrency);
CONCURRA_AVAILABLE_IN_1_0
double                 concurra_runner_get_timeout            (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_timeout            (ConcurraRunner        *runner,
                                                               double                 timeout);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_runner_get_fast_fail          (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_fast_fail          (ConcurraRunner        *runner,
                                                               gboolean               fast_fail);
CONCURRA_AVAILABLE_IN_1_0
ConcurraExecutionMode  concurra_runner_get_execution_mode     (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_execution_mode     (ConcurraRunner        *runner,
                                                               ConcurraExecutionMode  mode);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_runner_get_fallback_to_thread (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_fallback_to_thread (ConcurraRunner        *runner,
                                                               gboolean               fallback);
CONCURRA_AVAILABLE_IN_1_0
const char * const    *concurra_runner_get_worker_command     (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_worker_command     (ConcurraRunner        *runner,
                                                               const char * const    *command);
CONCURRA_AVAILABLE_IN_1_0
ConcurraLauncherKind   concurra_runner_get_launcher           (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_launcher           (ConcurraRunner        *runner,
                                                               ConcurraLauncherKind   launcher);
CONCURRA_AVAILABLE_IN_1_0
ConcurraSlurmOptions  *concurra_runner_get_slurm_options      (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_slurm_options      (ConcurraRunner        *runner,
                                                               ConcurraSlurmOptions  *options);
CONCURRA_AVAILABLE_IN_1_0
const char * const    *concurra_runner_get_worker_launcher    (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_worker_launcher    (ConcurraRunner        *runner,
                                                               const char * const    *launcher);
CONCURRA_AVAILABLE_IN_1_0
char                 **concurra_runner_dup_launch_command     (ConcurraRunner        *runner,
                                                               const char            *label,
                                                               GError               **error);
CONCURRA_AVAILABLE_IN_1_0
guint                  concurra_runner_get_task_retries       (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_task_retries       (ConcurraRunner        *runner,
                                                               guint                  retries);
CONCURRA_AVAILABLE_IN_1_0
double                 concurra_runner_get_retry_delay        (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_retry_delay        (ConcurraRunner        *runner,
                                                               double                 delay);
CONCURRA_AVAILABLE_IN_1_0
double                 concurra_runner_get_retry_backoff      (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_retry_backoff      (ConcurraRunner        *runner,
                                                               double                 backoff);
CONCURRA_AVAILABLE_IN_1_0
gint64                 concurra_runner_get_max_output         (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_max_output         (ConcurraRunner        *runner,
                                                               gint64                 max_output);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_runner_get_progress_stats     (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_progress_stats     (ConcurraRunner        *runner,
                                                               gboolean               progress_stats);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_runner_get_log_errors         (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_log_errors         (ConcurraRunner        *runner,
                                                               gboolean               log_errors);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_runner_get_verify_on_finish   (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_verify_on_finish   (ConcurraRunner        *runner,
                                                               gboolean               verify);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_runner_get_raise_on_failure   (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_raise_on_failure   (ConcurraRunner        *runner,
                                                               gboolean               raise_on_failure);
CONCURRA_AVAILABLE_IN_1_0
const char            *concurra_runner_get_error_message      (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_set_error_message      (ConcurraRunner        *runner,
                                                               const char            *error_message);

CONCURRA_AVAILABLE_IN_1_0
ConcurraRunnerState    concurra_runner_get_state              (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_runner_is_running             (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
guint                  concurra_runner_get_n_tasks            (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
guint                  concurra_runner_get_n_running          (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
guint                  concurra_runner_get_n_completed        (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
guint                  concurra_runner_get_n_failed           (ConcurraRunner        *runner);

CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_runner_add                    (ConcurraRunner        *runner,
                                                               ConcurraTask          *task,
                                                               const char            *label,
                                                               const char * const    *depends_on,
                                                               GError               **error);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_runner_add_task               (ConcurraRunner        *runner,
                                                               const char            *label,
                                                               const char * const    *depends_on,
                                                               ConcurraTaskFunc       func,
                                                               gpointer               user_data,
                                                               GDestroyNotify         destroy,
                                                               GError               **error);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_runner_add_function           (ConcurraRunner        *runner,
                                                               const char            *label,
                                                               const char * const    *depends_on,
                                                               ConcurraFunction      *function,
                                                               guint64                id,
                                                               GError               **error);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_runner_add_main_context_task  (ConcurraRunner        *runner,
                                                               const char            *label,
                                                               const char * const    *depends_on,
                                                               ConcurraStartFunc      func,
                                                               gpointer               user_data,
                                                               GDestroyNotify         destroy,
                                                               GError               **error);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_runner_add_process_task       (ConcurraRunner        *runner,
                                                               const char            *label,
                                                               const char * const    *depends_on,
                                                               const char            *function_name,
                                                               GVariant              *args,
                                                               GError               **error);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_runner_add_command            (ConcurraRunner        *runner,
                                                               const char            *label,
                                                               const char * const    *depends_on,
                                                               const char * const    *argv,
                                                               GError               **error);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_runner_add_shell_command      (ConcurraRunner        *runner,
                                                               const char            *label,
                                                               const char * const    *depends_on,
                                                               const char            *command,
                                                               GError               **error);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_runner_get_task               (ConcurraRunner        *runner,
                                                               const char            *label);
CONCURRA_AVAILABLE_IN_1_0
GHashTable            *concurra_runner_get_results            (ConcurraRunner        *runner);

CONCURRA_AVAILABLE_IN_1_0
GHashTable            *concurra_runner_run                    (ConcurraRunner        *runner,
                                                               GCancellable          *cancellable,
                                                               GError               **error);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_run_async              (ConcurraRunner        *runner,
                                                               GCancellable          *cancellable,
                                                               GAsyncReadyCallback    callback,
                                                               gpointer               user_data);
CONCURRA_AVAILABLE_IN_1_0
GHashTable            *concurra_runner_run_finish             (ConcurraRunner        *runner,
                                                               GAsyncResult          *result,
                                                               GError               **error);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_runner_start                  (ConcurraRunner        *runner,
                                                               GError               **error);
CONCURRA_AVAILABLE_IN_1_0
GHashTable            *concurra_runner_wait                   (ConcurraRunner        *runner,
                                                               GCancellable          *cancellable,
                                                               GError               **error);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_runner_abort                  (ConcurraRunner        *runner);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_runner_verify                 (ConcurraRunner        *runner,
                                                               GError               **error);
CONCURRA_AVAILABLE_IN_1_0
char                  *concurra_runner_format_report          (ConcurraRunner        *runner);

G_END_DECLS
