/* concurra-worker-private.h: the registry of worker functions.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-worker.h"

G_BEGIN_DECLS

void      concurra_registry_add  (const char          *name,
                                  ConcurraWorkerFunc   func,
                                  gpointer             user_data,
                                  GDestroyNotify       destroy);
gboolean  concurra_registry_has  (const char          *name);
GVariant *concurra_registry_call (const char          *name,
                                  GVariant            *args,
                                  GCancellable        *cancellable,
                                  GError             **error);

G_END_DECLS
