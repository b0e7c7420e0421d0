/* concurra-worker-lane-private.h: the inside of ConcurraWorker — its lanes,
 * their calls and the worker's settings — shared by concurra-worker.c (the
 * type and its entry points), concurra-worker-properties.c (its settings),
 * concurra-worker-lane.c (the lanes) and concurra-worker-limits.c (the
 * limits served to process lanes).
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-limit-set.h"
#include "concurra-process-private.h"
#include "concurra-task-private.h"
#include "concurra-worker.h"

G_BEGIN_DECLS

#define CONCURRA_WORKER_MAX_LANES   4096
#define CONCURRA_WORKER_MAX_RETRIES 1000
#define CONCURRA_WORKER_MAX_WAIT    86400.0

/* A callback with its data, shared by the lanes that call it: a lane takes
 * a reference under the worker's lock and calls it without the lock, so
 * that replacing it never frees it under a running call. */
typedef struct
{
  GCallback       func;
  gpointer        data;
  GDestroyNotify  destroy;
} ConcurraWorkerClosure;

typedef struct _ConcurraWorkerLane ConcurraWorkerLane;

/* What the call running on a process lane holds of the worker's limits, and
 * waits for (concurra-worker-limits.c). */
typedef struct
{
  GHashTable *acquisitions;    /* id → ConcurraAcquisition */
  GList      *pending;         /* acquisitions waited for */
  guint64     last;            /* the last id given */
} ConcurraLaneLimits;

/* What the core tells the object it serves, on the owner context; given
 * by concurra-worker.c, so that the lanes' code never calls into it. */
typedef struct
{
  void     (*call_finished) (GObject      *object,
                             ConcurraTask *task);
  void     (*ended)         (GObject      *object);
  gboolean (*is_watched)    (GObject      *object);
} ConcurraWorkerCoreHooks;

typedef struct
{
  GObject                *object;        /* the ConcurraWorker, not a reference */
  const ConcurraWorkerCoreHooks *hooks;

  /* construct-only settings */
  ConcurraExecutionMode   mode;
  guint                   n_lanes;
  gboolean                on_demand;

  /* settings; written under lock (or atomically), read when used */
  int                     balancing;
  guint                   max_queued;
  guint                   retries;
  int                     retry_algorithm;
  double                  retry_wait;
  double                  retry_jitter;
  ConcurraWorkerClosure  *init;
  ConcurraWorkerClosure  *filter;
  ConcurraWorkerClosure  *validate;
  char                   *init_function;
  GVariant               *init_args;
  char                  **worker_command;
  char                  **worker_launcher;
  ConcurraLimitSet       *limits;

  /* the owner context */
  GMainContext           *context;
  GMainLoop              *loop;          /* a private thread iterates it */
  GThread                *owner_thread;  /* the thread iterating context, if known */
  ConcurraTaskOwner      *owner;         /* the calls' handle on us */

  GMutex                  lock;          /* everything below */
  GPtrArray              *lanes;
  GQueue                  demand;        /* on-demand calls waiting for a lane */
  GArray                 *free_indices;  /* of on-demand lanes that ended */
  GThreadPool            *pool;          /* thread mode */
  GRand                  *rand;
  guint                   next_lane;     /* round robin */
  guint64                 dispatched;
  guint                   n_active;      /* calls made, not finished */
  guint                   n_busy;        /* lanes with work in hand */
  guint                   n_closing;     /* lanes whose worker process is ending */
  int                     stopped;       /* atomic for reading */
  gboolean                stop_told;
  GQueue                  started;       /* tasks, through started_link */
  GQueue                  finished;      /* tasks, through done_link */
  GQueue                  ended;         /* lanes to drive on the owner context */
  GQueue                  retiring;      /* lanes whose process is to be ended */
  GSource                *wake;
} ConcurraWorkerCore;

struct _ConcurraWorker
{
  GObject             parent_instance;
  ConcurraWorkerCore  core;
};

static inline gboolean
concurra_worker_mode_is_valid (ConcurraExecutionMode mode)
{
  return mode == CONCURRA_EXECUTION_MODE_THREAD ||
         mode == CONCURRA_EXECUTION_MODE_MAIN_CONTEXT ||
         mode == CONCURRA_EXECUTION_MODE_PROCESS;
}

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

extern GParamSpec *concurra_worker_properties[N_PROPS];

/* concurra-worker-properties.c */
void          concurra_worker_install_properties     (GObjectClass         *object_class);

/* concurra-worker-limits.c */
void          concurra_lane_limits_serve             (ConcurraLaneLimits   *limits,
                                                      ConcurraWorkerCore   *core,
                                                      const char           *name,
                                                      GVariant             *args,
                                                      GCancellable         *cancellable,
                                                      ConcurraServiceReply *reply);
void          concurra_lane_limits_end               (ConcurraLaneLimits   *limits);
void          concurra_lane_limits_clear             (ConcurraLaneLimits   *limits);

/* concurra-worker-lane.c */
void          concurra_worker_core_preinit           (ConcurraWorkerCore   *core);
void          concurra_worker_core_init              (ConcurraWorkerCore   *core,
                                                      GObject              *object,
                                                      const ConcurraWorkerCoreHooks *hooks);
void          concurra_worker_core_clear             (ConcurraWorkerCore   *core);
void          concurra_worker_core_set_closure       (ConcurraWorkerCore   *core,
                                                      ConcurraWorkerClosure **slot,
                                                      GCallback             func,
                                                      gpointer              data,
                                                      GDestroyNotify        destroy);
void          concurra_worker_core_set_init_function (ConcurraWorkerCore   *core,
                                                      const char           *function_name,
                                                      GVariant             *args);
void          concurra_worker_core_set_command       (ConcurraWorkerCore   *core,
                                                      const char * const   *command);
void          concurra_worker_core_set_launcher      (ConcurraWorkerCore   *core,
                                                      const char * const   *launcher);
void          concurra_worker_core_set_max_queued    (ConcurraWorkerCore   *core,
                                                      guint                 max_queued);
double        concurra_worker_core_get_double        (ConcurraWorkerCore   *core,
                                                      double               *field);
void          concurra_worker_core_set_double        (ConcurraWorkerCore   *core,
                                                      double               *field,
                                                      double                value);
double        concurra_worker_core_retry_wait        (ConcurraWorkerCore   *core,
                                                      guint                 attempt);
ConcurraTask *concurra_worker_core_submit            (ConcurraWorkerCore   *core,
                                                      const char           *name,
                                                      ConcurraWorkerCallFunc func,
                                                      gpointer              user_data,
                                                      GDestroyNotify        destroy,
                                                      const char           *function_name,
                                                      GVariant             *args,
                                                      GError              **error);
void          concurra_worker_core_stop              (ConcurraWorkerCore   *core);
guint         concurra_worker_core_n_active          (ConcurraWorkerCore   *core);
GVariant     *concurra_worker_core_stats             (ConcurraWorkerCore   *core);

G_END_DECLS
