/* concurra-sync.h: coordinating tasks as futures — wait and gather.
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
#include "concurra-task.h"
#include "concurra-version.h"

G_BEGIN_DECLS

CONCURRA_AVAILABLE_IN_1_0
gboolean    concurra_wait                (ConcurraTask * const  *tasks,
                                          guint                  n_tasks,
                                          ConcurraReturnWhen     return_when,
                                          double                 timeout,
                                          GCancellable          *cancellable,
                                          GPtrArray            **done,
                                          GPtrArray            **not_done,
                                          GError               **error);
CONCURRA_AVAILABLE_IN_1_0
void        concurra_wait_async          (ConcurraTask * const  *tasks,
                                          guint                  n_tasks,
                                          ConcurraReturnWhen     return_when,
                                          double                 timeout,
                                          GCancellable          *cancellable,
                                          GAsyncReadyCallback    callback,
                                          gpointer               user_data);
CONCURRA_AVAILABLE_IN_1_0
gboolean    concurra_wait_finish         (GAsyncResult          *result,
                                          GPtrArray            **done,
                                          GPtrArray            **not_done,
                                          GError               **error);

CONCURRA_AVAILABLE_IN_1_0
GPtrArray  *concurra_gather              (ConcurraTask * const  *tasks,
                                          guint                  n_tasks,
                                          ConcurraGatherFlags    flags,
                                          double                 timeout,
                                          GCancellable          *cancellable,
                                          GError               **error);
CONCURRA_AVAILABLE_IN_1_0
void        concurra_gather_async        (ConcurraTask * const  *tasks,
                                          guint                  n_tasks,
                                          ConcurraGatherFlags    flags,
                                          double                 timeout,
                                          GCancellable          *cancellable,
                                          GAsyncReadyCallback    callback,
                                          gpointer               user_data);
CONCURRA_AVAILABLE_IN_1_0
GPtrArray  *concurra_gather_finish       (GAsyncResult          *result,
                                          GError               **error);

CONCURRA_AVAILABLE_IN_1_0
GHashTable *concurra_gather_keyed        (GHashTable            *tasks,
                                          ConcurraGatherFlags    flags,
                                          double                 timeout,
                                          GCancellable          *cancellable,
                                          GError               **error);
CONCURRA_AVAILABLE_IN_1_0
void        concurra_gather_keyed_async  (GHashTable            *tasks,
                                          ConcurraGatherFlags    flags,
                                          double                 timeout,
                                          GCancellable          *cancellable,
                                          GAsyncReadyCallback    callback,
                                          gpointer               user_data);
CONCURRA_AVAILABLE_IN_1_0
GHashTable *concurra_gather_keyed_finish (GAsyncResult          *result,
                                          GError               **error);

G_END_DECLS
