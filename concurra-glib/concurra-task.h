/* concurra-task.h: ConcurraTask, one unit of work and its future.
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
#include "concurra-slurm-options.h"
#include "concurra-version.h"

G_BEGIN_DECLS

#define CONCURRA_TYPE_TASK (concurra_task_get_type ())

/**
 * CONCURRA_TIMEOUT_DEFAULT:
 *
 * The timeout that means "the default", wherever the API takes a timeout in
 * seconds: for a task ([property@Concurra.Task:timeout]), its runner's
 * [property@Concurra.Runner:timeout]; for a runner, and for every wait
 * ([method@Concurra.Task.wait], [func@Concurra.wait],
 * [func@Concurra.gather], [method@Concurra.TaskStream.next],
 * [method@Concurra.LimitSet.acquire]), no limit. Any negative value means
 * the same.
 *
 * Every timeout of the API follows one convention: a number of seconds,
 * where 0 means no time at all (a task terminated before its attempt
 * starts, a wait that only looks), %CONCURRA_TIMEOUT_DEFAULT the default, and
 * %CONCURRA_TIMEOUT_INFINITE no limit.
 *
 * Since: 1.0
 */
#define CONCURRA_TIMEOUT_DEFAULT (-1)

/**
 * CONCURRA_TIMEOUT_INFINITE:
 *
 * The timeout that means "no limit", wherever the API takes a timeout in
 * seconds: a task given it runs as long as it takes whatever its runner's
 * default. It is the largest double (%G_MAXDOUBLE); an infinite value
 * (`INFINITY`, `math.inf` in Python, `Infinity` in JavaScript) given to a
 * setter or a wait means the same. See %CONCURRA_TIMEOUT_DEFAULT.
 *
 * Since: 1.0
 */
#define CONCURRA_TIMEOUT_INFINITE (1.7976931348623157e+308)

CONCURRA_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ConcurraTask, concurra_task, CONCURRA, TASK, GObject)

/**
 * ConcurraTaskFunc:
 * @task: the task being run; report its outcome with
 *   [method@Concurra.Task.return_value] and friends
 * @cancellable: (not nullable): cancelled when the task times out, is aborted or is
 *   terminated by fast-fail; long-running functions should check it
 * @user_data: the data given with the function
 *
 * The body of a thread task ([ctor@Concurra.Task.new]). It runs on a worker
 * thread, and the attempt ends when it returns: returning without reporting
 * anything means success with no value. Work started on the runner's owner
 * main context, which ends at a later report, is a main-context task
 * ([ctor@Concurra.Task.new_main_context]) with a [callback@Concurra.StartFunc].
 *
 * Since: 1.0
 */
typedef void (*ConcurraTaskFunc) (ConcurraTask *task,
                                  GCancellable *cancellable,
                                  gpointer      user_data);

/**
 * ConcurraStartFunc:
 * @task: the task being started; report its outcome with
 *   [method@Concurra.Task.return_value] and friends, now or later, from
 *   any thread
 * @cancellable: (not nullable): cancelled when the attempt is stopped
 *   (timeout, abort, fast-fail, cancel); stop the pending work then
 * @user_data: the data given with the function
 * @error: return location for the error that kept the work from starting
 *
 * Starts the work of a main-context task
 * ([ctor@Concurra.Task.new_main_context]) on the runner's owner main
 * context, and returns at once. Returning %FALSE with @error set (in
 * JavaScript or Vala: throwing) fails the attempt with that error, and
 * %FALSE without an error (a JavaScript function that returns nothing)
 * with a %CONCURRA_ERROR_FAILED error naming the task, unless the task
 * already reported; returning %TRUE means the task reported, or will
 * report, its outcome.
 *
 * Returns: %TRUE if the work was started
 *
 * Since: 1.0
 */
typedef gboolean (*ConcurraStartFunc) (ConcurraTask  *task,
                                       GCancellable  *cancellable,
                                       gpointer       user_data,
                                       GError       **error);

CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_task_new                 (const char        *name,
                                                          ConcurraTaskFunc   func,
                                                          gpointer           user_data,
                                                          GDestroyNotify     destroy);

CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_task_new_main_context    (const char        *name,
                                                          ConcurraStartFunc  func,
                                                          gpointer           user_data,
                                                          GDestroyNotify     destroy);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_task_new_process         (const char        *function_name,
                                                          GVariant          *args);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_task_new_command         (const char * const *argv);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_task_new_shell_command   (const char        *command);

CONCURRA_AVAILABLE_IN_1_0
ConcurraTask          *concurra_task_get_current         (void);

CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_return_value        (ConcurraTask      *task,
                                                          const GValue      *value);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_return_pointer      (ConcurraTask      *task,
                                                          gpointer           result,
                                                          GDestroyNotify     result_destroy);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_return_variant      (ConcurraTask      *task,
                                                          GVariant          *value);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_return_string       (ConcurraTask      *task,
                                                          const char        *value);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_return_int          (ConcurraTask      *task,
                                                          gint64             value);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_return_double       (ConcurraTask      *task,
                                                          double             value);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_return_boolean      (ConcurraTask      *task,
                                                          gboolean           value);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_return_object       (ConcurraTask      *task,
                                                          gpointer           object);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_return_error        (ConcurraTask      *task,
                                                          GError            *error);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_return_error_full   (ConcurraTask      *task,
                                                          GError            *error,
                                                          const char        *trace);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_return_new_error    (ConcurraTask      *task,
                                                          GQuark             domain,
                                                          int                code,
                                                          const char        *format,
                                                          ...) G_GNUC_PRINTF (4, 5);

CONCURRA_AVAILABLE_IN_1_0
double                 concurra_task_get_timeout         (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_set_timeout         (ConcurraTask      *task,
                                                          double             timeout);
CONCURRA_AVAILABLE_IN_1_0
int                    concurra_task_get_retries         (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_set_retries         (ConcurraTask      *task,
                                                          int                retries);
CONCURRA_AVAILABLE_IN_1_0
double                 concurra_task_get_retry_delay     (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_set_retry_delay     (ConcurraTask      *task,
                                                          double             delay);

CONCURRA_AVAILABLE_IN_1_0
const char            *concurra_task_get_label           (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
const char            *concurra_task_get_name            (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTaskStatus     concurra_task_get_status          (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_task_get_has_failed      (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
const GValue          *concurra_task_get_value           (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
gpointer               concurra_task_get_pointer         (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
const GError          *concurra_task_get_error           (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
const char            *concurra_task_get_error_message   (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
const char            *concurra_task_get_trace           (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
GDateTime             *concurra_task_get_start_time      (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
GDateTime             *concurra_task_get_end_time        (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
double                 concurra_task_get_duration        (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
ConcurraExecutionMode  concurra_task_get_execution_mode  (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
const char            *concurra_task_get_warning         (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
guint                  concurra_task_get_attempts        (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_task_get_retried         (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
const char * const    *concurra_task_get_retry_errors    (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
GVariant              *concurra_task_to_variant          (ConcurraTask      *task);

CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_task_is_done             (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_task_cancel              (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_task_wait                (ConcurraTask      *task,
                                                          double             timeout,
                                                          GCancellable      *cancellable,
                                                          GError           **error);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_wait_async          (ConcurraTask      *task,
                                                          double             timeout,
                                                          GCancellable      *cancellable,
                                                          GAsyncReadyCallback callback,
                                                          gpointer           user_data);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_task_wait_finish         (ConcurraTask      *task,
                                                          GAsyncResult      *result,
                                                          GError           **error);

CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_set_cwd             (ConcurraTask      *task,
                                                          const char        *cwd);
CONCURRA_AVAILABLE_IN_1_0
const char            *concurra_task_get_cwd             (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_setenv              (ConcurraTask      *task,
                                                          const char        *variable,
                                                          const char        *value);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_unsetenv            (ConcurraTask      *task,
                                                          const char        *variable);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_set_check           (ConcurraTask      *task,
                                                          gboolean           check);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_task_get_check           (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_set_capture_output  (ConcurraTask      *task,
                                                          gboolean           capture_output);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_task_get_capture_output  (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_set_text            (ConcurraTask      *task,
                                                          gboolean           text);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_task_get_text            (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_set_max_output      (ConcurraTask      *task,
                                                          gint64             max_output);
CONCURRA_AVAILABLE_IN_1_0
gint64                 concurra_task_get_max_output      (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_task_get_shell           (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
const char * const     *concurra_task_get_command         (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
gboolean               concurra_task_has_returncode      (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
int                    concurra_task_get_returncode      (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
const char            *concurra_task_get_stdout          (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
const char            *concurra_task_get_stderr          (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
GBytes                *concurra_task_get_stdout_bytes    (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
GBytes                *concurra_task_get_stderr_bytes    (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
guint64                concurra_task_get_stdout_omitted  (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
guint64                concurra_task_get_stderr_omitted  (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_set_launcher        (ConcurraTask      *task,
                                                          ConcurraLauncherKind launcher);
CONCURRA_AVAILABLE_IN_1_0
ConcurraLauncherKind   concurra_task_get_launcher        (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
void                   concurra_task_set_slurm_options   (ConcurraTask      *task,
                                                          ConcurraSlurmOptions *options);
CONCURRA_AVAILABLE_IN_1_0
ConcurraSlurmOptions  *concurra_task_get_slurm_options   (ConcurraTask      *task);
CONCURRA_AVAILABLE_IN_1_0
guint64                concurra_task_get_slurm_job_id    (ConcurraTask      *task);

G_END_DECLS
