/* concurra-runner-private.h: the inside of ConcurraRunner, shared by the
 * files that make it up: concurra-runner.c (the type and its entry points),
 * concurra-runner-properties.c (its settings), concurra-runner-launcher.c
 * (where its commands and workers run) and concurra-run.c (a run on the
 * owner context). Only they include it.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-deadlines-private.h"
#include "concurra-graph-private.h"
#include "concurra-hub-private.h"
#include "concurra-process-private.h"
#include "concurra-report-private.h"
#include "concurra-runner.h"
#include "concurra-slurm-options.h"

G_BEGIN_DECLS

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
  gint64                 max_output;
  gboolean               progress_stats;
  gboolean               log_errors;
  gboolean               verify;
  gboolean               raise_on_failure;
  char                  *error_message;
  ConcurraLauncherKind   launcher;
  ConcurraSlurmOptions  *slurm_options;
  char                 **worker_launcher;

  /* graph */
  ConcurraGraph         *graph;
  GPtrArray             *tasks;         /* graph->tasks, in the order added */

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
  ConcurraTaskOwner     *owner;         /* the tasks' handle on us */
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
  PROP_MAX_OUTPUT,
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
  PROP_LAUNCHER,
  PROP_SLURM_OPTIONS,
  PROP_WORKER_LAUNCHER,
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

extern GParamSpec *concurra_runner_properties[N_PROPS];
extern guint       concurra_runner_signals[N_SIGNALS];

/* the runner as its report describes it */
static inline ConcurraReport
concurra_runner_report (ConcurraRunner *self)
{
  return (ConcurraReport) { self->name, self->error_message, self->tasks, self->n_failed };
}

#define concurra_runner_log(self, level, ...) \
  concurra_log_runner ((self)->name, (level), __VA_ARGS__)

/* concurra-runner-properties.c */
void          concurra_runner_install_properties (GObjectClass    *object_class);

/* concurra-runner-launcher.c: where commands and workers run */
gboolean      concurra_runner_prepare_launchers (ConcurraRunner  *self,
                                                 GError         **error);
const struct _ConcurraLauncher *
              concurra_runner_worker_launcher   (ConcurraRunner  *self);

/* concurra-run.c: what the entry points of concurra-runner.c drive */
extern const ConcurraTaskOwnerClass concurra_run_owner_class;

gboolean      concurra_run_prepare              (ConcurraRunner  *self,
                                                 GError         **error);
void          concurra_run_launch               (ConcurraRunner  *self,
                                                 GMainContext    *context);
void          concurra_run_on_private_context   (ConcurraRunner  *self,
                                                 GMainContext    *context);
void          concurra_run_abort                (ConcurraRunner  *self);
void          concurra_run_block_until_done     (ConcurraRunner  *self,
                                                 GCancellable    *cancellable);
GHashTable   *concurra_run_collect_results      (ConcurraRunner  *self,
                                                 GError         **error);

G_END_DECLS
