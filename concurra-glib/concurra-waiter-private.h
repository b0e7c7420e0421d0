/* concurra-waiter-private.h: completion tracking over a set of tasks, the
 * engine behind wait, gather and the task stream.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-deadlines-private.h"
#include "concurra-task-private.h"

G_BEGIN_DECLS

typedef struct _ConcurraWaiter ConcurraWaiter;

/* What a wait is waiting for: returns when at least @want_done positions
 * are done or @want_failed of them failed. */
typedef struct
{
  guint want_done;
  guint want_failed;
} ConcurraWant;

typedef enum {
  CONCURRA_WAIT_SATISFIED,
  CONCURRA_WAIT_TIMED_OUT,
  CONCURRA_WAIT_CANCELLED,
} ConcurraWaitResult;

typedef void (*ConcurraWaiterFunc) (ConcurraWaiter *waiter,
                                    gpointer        user_data);

ConcurraWaiter    *concurra_waiter_new          (ConcurraTask * const *tasks,
                                                 guint                 n_tasks);
ConcurraWaiter    *concurra_waiter_ref          (ConcurraWaiter       *waiter);
void               concurra_waiter_unref        (ConcurraWaiter       *waiter);
guint              concurra_waiter_get_n_tasks  (ConcurraWaiter       *waiter);
ConcurraTask      *concurra_waiter_get_task     (ConcurraWaiter       *waiter,
                                                 guint                 index);
guint              concurra_waiter_get_n_done   (ConcurraWaiter       *waiter);
guint              concurra_waiter_get_n_failed (ConcurraWaiter       *waiter);
gboolean           concurra_waiter_get_arrival  (ConcurraWaiter       *waiter,
                                                 guint                 position,
                                                 guint                *index);
int                concurra_waiter_get_first_failed (ConcurraWaiter   *waiter);
ConcurraWant       concurra_want_for            (ConcurraReturnWhen    when,
                                                 guint                 n_tasks);
ConcurraWaitResult concurra_waiter_wait         (ConcurraWaiter       *waiter,
                                                 ConcurraWant          want,
                                                 double                timeout,
                                                 GCancellable         *cancellable);
void               concurra_waiter_wait_async   (ConcurraWaiter       *waiter,
                                                 ConcurraWant          want,
                                                 double                timeout,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
ConcurraWaitResult concurra_waiter_wait_finish  (GAsyncResult         *result);
void               concurra_waiter_watch        (ConcurraWaiter       *waiter,
                                                 GMainContext         *context,
                                                 ConcurraWaiterFunc    func,
                                                 gpointer              user_data);
void               concurra_waiter_unwatch      (ConcurraWaiter       *waiter);

G_END_DECLS
