/* concurra-task-private.h: the fields of ConcurraTask shared with the runner
 * and the hub. Record fields belong to the owner context; the "attempt" block
 * is written by the worker running the current attempt and handed to the
 * owner through the hub's event queue; the future side (listeners, owner)
 * is under the task's own future_lock. No lock is shared between tasks.
 * The task itself is four files: concurra-task.c (the type and the
 * record's fields), concurra-task-record.c (the record as a whole and its
 * errors), concurra-task-future.c (the future side and the status
 * transitions) and concurra-task-report.c (reporting an attempt's outcome).
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-enums.h"
#include "concurra-task.h"

G_BEGIN_DECLS

/* The runner's max-output unless set: bytes kept of each output stream. */
#define CONCURRA_MAX_OUTPUT_DEFAULT (G_GINT64_CONSTANT (64) * 1024 * 1024)

typedef struct _ConcurraLane ConcurraLane;
typedef struct _ConcurraCommand ConcurraCommand;
typedef struct _ConcurraProcessCall ConcurraProcessCall;
typedef struct _ConcurraLaunch ConcurraLaunch;
typedef struct _ConcurraExecutor ConcurraExecutor;
typedef struct _ConcurraTaskOwner ConcurraTaskOwner;

/* Called when a report closed the gate, see concurra_task_open_reports(). */
typedef void (*ConcurraReportFunc) (ConcurraTask *task,
                                    gpointer      data);

/* A main-context task's attempt ends when it reports, not when its
 * function returns: reports are taken only while the gate is open, and the
 * first one closes it. */
typedef struct
{
  GMutex              lock;
  gboolean            open;
  ConcurraReportFunc  on_report;
  gpointer            data;
} ConcurraReportGate;

typedef struct
{
  GValue          value;
  GDestroyNotify  pointer_destroy;
  GError         *error;
  char           *trace;
  gint64          start_real;
  gint64          start_mono;
  gint64          end_mono;
  guint           attempt;        /* which attempt this is, from 1 */
  guint           reported : 1;
} ConcurraOutcome;

struct _ConcurraTask
{
  GObject                parent_instance;

  char                  *label;
  char                  *name;
  ConcurraTaskFunc       func;          /* thread tasks */
  ConcurraStartFunc      start_func;    /* main-context tasks */
  gpointer               func_data;
  GDestroyNotify         func_destroy;
  guint64                function_id;   /* tasks of a ConcurraFunction */

  const ConcurraExecutor *executor;     /* how its attempts run */
  ConcurraCommand       *command;       /* command tasks only */
  ConcurraReportGate    *report_gate;   /* main-context tasks only */
  ConcurraProcessCall   *process;       /* process tasks only */
  ConcurraLaunch        *launch;        /* launcher settings, see concurra-slurm.c */
  gboolean               fallback;      /* runs in a thread in a process runner */

  /* settings; -1 means "the runner's default" until the run resolves them */
  double                 timeout;
  int                    retries;
  double                 retry_delay;
  gint64                 max_output;    /* bytes kept of each output stream, 0: all */

  /* graph, owner context only */
  char                 **depends_on;
  ConcurraTask         **deps;
  ConcurraTask         **dependents;
  guint                  n_deps;
  guint                  n_dependents;
  guint                  n_waiting_deps;
  guint                  index;

  /* the record */
  int                    status;        /* ConcurraTaskStatus, atomic */
  ConcurraExecutionMode  mode;
  GValue                 value;
  GDestroyNotify         pointer_destroy;
  GError                *error;
  char                  *error_message;
  char                  *trace;
  char                  *warning;
  gint64                 start_real;
  gint64                 end_real;
  double                 duration;
  guint                  attempts;
  GPtrArray             *retry_errors;

  /* the current attempt */
  ConcurraOutcome        outcome;
  GCancellable          *cancellable;   /* set by the lane that starts the attempt, hub lock */
  ConcurraLane          *lane;          /* hub lock */
  gboolean               queued;        /* hub lock */
  gboolean               attached;      /* hub lock: started by the owner, holds a permit */

  /* hub queue links */
  GList                  ready_link;
  GList                  started_link;
  GList                  done_link;

  /* future side, under future_lock: this task's own, taken briefly and
   * never with another task's lock held (a waiter on many tasks takes
   * them one after the other, under its own lock: waiter, then task) */
  GMutex                 future_lock;
  ConcurraTaskOwner     *owner;         /* set once, when it is added */
  gpointer               owner_data;    /* the owner's record of it, under the
                                         * owner's own lock (a worker's call) */
  GArray                *listeners;
  gboolean               cancel_requested;  /* future_lock before the task has an
                                             * owner, the owner's lock after */
};

/* The task's properties and signal, defined in concurra-task.c and
 * notified and emitted by the task's own files only. */
enum
{
  TASK_PROP_0,
  TASK_PROP_LABEL,
  TASK_PROP_NAME,
  TASK_PROP_STATUS,
  TASK_PROP_HAS_FAILED,
  TASK_PROP_EXECUTION_MODE,
  TASK_PROP_TIMEOUT,
  TASK_PROP_RETRIES,
  TASK_PROP_RETRY_DELAY,
  TASK_PROP_ATTEMPTS,
  TASK_PROP_RETRIED,
  TASK_PROP_ERROR_MESSAGE,
  TASK_PROP_TRACE,
  TASK_PROP_WARNING,
  TASK_PROP_DURATION,
  TASK_PROP_MAX_OUTPUT,
  TASK_N_PROPS
};

enum
{
  TASK_SIGNAL_COMPLETED,
  TASK_N_SIGNALS
};

extern GParamSpec *concurra_task_properties[TASK_N_PROPS];
extern guint       concurra_task_signals[TASK_N_SIGNALS];

/* Called on the runner's owner context when the task gets its final status. */
typedef void (*ConcurraListenerFunc) (ConcurraTask *task,
                                      gpointer      data,
                                      guint         index);

gboolean      concurra_task_add_listener        (ConcurraTask        *task,
                                                 ConcurraListenerFunc func,
                                                 gpointer             data,
                                                 guint                index);
gboolean      concurra_task_remove_listener     (ConcurraTask        *task,
                                                 ConcurraListenerFunc func,
                                                 gpointer             data,
                                                 guint                index);


void          concurra_task_take_label          (ConcurraTask       *task,
                                                 char               *label);
void          concurra_task_begin_attempt       (ConcurraTask       *task);
gboolean      concurra_task_take_attempt        (ConcurraTask       *task,
                                                 GError            **error);
void          concurra_task_settle              (ConcurraTask       *task,
                                                 ConcurraTaskStatus  status,
                                                 GError             *error);
void          concurra_task_announce            (ConcurraTask       *task);
void          concurra_task_wake_listeners      (ConcurraTask       *task);
void          concurra_task_notify_done         (ConcurraTask       *task);
void          concurra_task_discard_attempt     (ConcurraTask       *task);
void          concurra_task_notify_started      (ConcurraTask       *task,
                                                 gboolean            mode_changed);
gboolean      concurra_task_mark_started        (ConcurraTask       *task,
                                                 ConcurraExecutionMode mode);
void          concurra_task_set_fallback        (ConcurraTask       *task,
                                                 const char         *warning);
void          concurra_task_set_warning         (ConcurraTask       *task,
                                                 const char         *warning);
void          concurra_task_mark_pending        (ConcurraTask       *task);
void          concurra_task_add_retry_error     (ConcurraTask       *task,
                                                 const GError       *error);
void          concurra_value_reset              (GValue             *value,
                                                 GDestroyNotify     *pointer_destroy);
void          concurra_outcome_clear            (ConcurraOutcome    *outcome);
void          concurra_task_open_reports        (ConcurraTask       *task,
                                                 ConcurraReportFunc  on_report,
                                                 gpointer            data);
gboolean      concurra_task_close_reports       (ConcurraTask       *task);
void          concurra_process_call_free        (ConcurraProcessCall *call);
void          concurra_command_free             (ConcurraCommand    *command);
gboolean      concurra_command_validate         (ConcurraTask       *task,
                                                 const char         *label,
                                                 GError            **error);
char         *concurra_error_describe           (const GError       *error);
char         *concurra_task_describe_error      (ConcurraTask       *task);
const char   *concurra_task_status_to_string    (ConcurraTaskStatus  status);

/* The owner of a task: whatever runs it (a runner), seen from the task
 * and its waiters through a handle (concurra-task-owner.c), so that
 * neither calls the runner. The runner creates one handle, gives every task
 * it adds a reference on it (concurra_task_set_owner()), and detaches it
 * when it is disposed; a detached handle answers as if there were no
 * owner. Both functions are called from any thread, without the handle's
 * lock or any task's lock held, on an owner the handle keeps alive for the
 * call. */
typedef struct
{
  /* Terminates @task on the owner context, or when the run starts if it
   * has not. */
  void          (*cancel_task) (GObject       *owner,
                                ConcurraTask  *task);
  /* While a run is going on: a reference on the context it is driven by,
   * and the thread iterating it; NULL otherwise. */
  GMainContext *(*dup_context) (GObject       *owner,
                                GThread      **owner_thread);
} ConcurraTaskOwnerClass;

ConcurraTaskOwner *concurra_task_owner_new         (GObject                      *object,
                                                    const ConcurraTaskOwnerClass *klass);
ConcurraTaskOwner *concurra_task_owner_ref         (ConcurraTaskOwner            *owner);
void               concurra_task_owner_unref       (ConcurraTaskOwner            *owner);
void               concurra_task_owner_detach      (ConcurraTaskOwner            *owner);
gboolean           concurra_task_owner_cancel      (ConcurraTaskOwner            *owner,
                                                    ConcurraTask                 *task);
GMainContext      *concurra_task_owner_dup_context (ConcurraTaskOwner            *owner,
                                                    GThread                     **owner_thread);
/* Around a task's function, in the executors: makes @task the one
 * concurra_task_get_current() returns on this thread and @cancellable
 * g_cancellable_get_current(); enter returns what leave restores. */
ConcurraTask      *concurra_task_enter_function    (ConcurraTask                 *task,
                                                    GCancellable                 *cancellable);
void               concurra_task_leave_function    (ConcurraTask                 *previous,
                                                    GCancellable                 *cancellable);
void               concurra_task_set_owner         (ConcurraTask                 *task,
                                                    ConcurraTaskOwner            *owner);
ConcurraTaskOwner *concurra_task_dup_owner         (ConcurraTask                 *task);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcurraTaskOwner, concurra_task_owner_unref)

G_END_DECLS
