/* concurra-hub-private.h: the only state shared between the owner context
 * and worker threads.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-task-private.h"

G_BEGIN_DECLS

typedef struct _ConcurraHub ConcurraHub;

/* Called on the owner context with the events of one batch: a queue whose
 * links are tasks' started_link or done_link, in the order they happened.
 * The callee takes the links and leaves @events empty. */
typedef void (*ConcurraHubFunc) (GQueue   *events,
                                 gpointer  user_data);

ConcurraHub *concurra_hub_new          (GMainContext    *context,
                                        guint            max_lanes,
                                        gboolean         stop_on_error,
                                        ConcurraHubFunc  func,
                                        gpointer         user_data);
void         concurra_hub_push_ready   (ConcurraHub     *hub,
                                        ConcurraTask   **tasks,
                                        guint            n_tasks);
void         concurra_hub_wake         (ConcurraHub     *hub);
gboolean     concurra_hub_is_settled   (ConcurraHub     *hub);
GCancellable *concurra_hub_withdraw    (ConcurraHub     *hub,
                                        ConcurraTask    *task);
void         concurra_hub_kick         (ConcurraHub     *hub);
void         concurra_hub_clear_ready  (ConcurraHub     *hub);
void         concurra_hub_close        (ConcurraHub     *hub);

G_END_DECLS
