/* concurra-limit-set.h: ConcurraLimitSet, limits acquired together.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (CONCURRA_INSIDE) && !defined (CONCURRA_COMPILATION)
# error "Only <concurra.h> can be included directly."
#endif

#include <gio/gio.h>

#include "concurra-acquisition.h"
#include "concurra-limit.h"
#include "concurra-version.h"

G_BEGIN_DECLS

#define CONCURRA_TYPE_LIMIT_SET (concurra_limit_set_get_type ())

CONCURRA_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ConcurraLimitSet, concurra_limit_set, CONCURRA, LIMIT_SET, GObject)

CONCURRA_AVAILABLE_IN_1_0
ConcurraLimitSet    *concurra_limit_set_new            (ConcurraLimit * const *limits,
                                                        guint                  n_limits,
                                                        GError               **error);
CONCURRA_AVAILABLE_IN_1_0
guint                concurra_limit_set_get_n_limits   (ConcurraLimitSet      *set);
CONCURRA_AVAILABLE_IN_1_0
ConcurraLimit       *concurra_limit_set_get_limit      (ConcurraLimitSet      *set,
                                                        const char            *key);
CONCURRA_AVAILABLE_IN_1_0
const char * const  *concurra_limit_set_get_keys       (ConcurraLimitSet      *set);
CONCURRA_AVAILABLE_IN_1_0
GVariant            *concurra_limit_set_get_stats      (ConcurraLimitSet      *set);
CONCURRA_AVAILABLE_IN_1_0
ConcurraAcquisition *concurra_limit_set_acquire        (ConcurraLimitSet      *set,
                                                        const char * const    *keys,
                                                        const guint           *amounts,
                                                        guint                  n_keys,
                                                        double                 timeout,
                                                        GCancellable          *cancellable,
                                                        GError               **error);
CONCURRA_AVAILABLE_IN_1_0
ConcurraAcquisition *concurra_limit_set_try_acquire    (ConcurraLimitSet      *set,
                                                        const char * const    *keys,
                                                        const guint           *amounts,
                                                        guint                  n_keys,
                                                        GError               **error);
CONCURRA_AVAILABLE_IN_1_0
void                 concurra_limit_set_acquire_async  (ConcurraLimitSet      *set,
                                                        const char * const    *keys,
                                                        const guint           *amounts,
                                                        guint                  n_keys,
                                                        double                 timeout,
                                                        GCancellable          *cancellable,
                                                        GAsyncReadyCallback    callback,
                                                        gpointer               user_data);
CONCURRA_AVAILABLE_IN_1_0
ConcurraAcquisition *concurra_limit_set_acquire_finish (ConcurraLimitSet      *set,
                                                        GAsyncResult          *result,
                                                        GError               **error);

G_END_DECLS
