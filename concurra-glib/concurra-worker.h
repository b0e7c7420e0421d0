/* concurra-worker.h: the worker side of process mode — named functions a
 * worker process serves.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (CONCURRA_INSIDE) && !defined (CONCURRA_COMPILATION)
# error "Only <concurra.h> can be included directly."
#endif

#include <gio/gio.h>

#include "concurra-version.h"

G_BEGIN_DECLS

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

G_END_DECLS
