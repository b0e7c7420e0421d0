/* concurra-limit.h: ConcurraLimit, the definition of one rate, call or
 * resource limit.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (CONCURRA_INSIDE) && !defined (CONCURRA_COMPILATION)
# error "Only <concurra.h> can be included directly."
#endif

#include <glib-object.h>

#include "concurra-enums.h"
#include "concurra-version.h"

G_BEGIN_DECLS

/**
 * CONCURRA_CALL_LIMIT_KEY:
 *
 * The key of every call limit, `call_count`.
 *
 * Since: 1.0
 */
#define CONCURRA_CALL_LIMIT_KEY "call_count"

#define CONCURRA_TYPE_LIMIT (concurra_limit_get_type ())

CONCURRA_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ConcurraLimit, concurra_limit, CONCURRA, LIMIT, GObject)

CONCURRA_AVAILABLE_IN_1_0
ConcurraLimit              *concurra_limit_new_rate       (const char                  *key,
                                                           double                       window,
                                                           guint                        capacity,
                                                           ConcurraRateLimitAlgorithm   algorithm,
                                                           GError                     **error);
CONCURRA_AVAILABLE_IN_1_0
ConcurraLimit              *concurra_limit_new_call       (double                       window,
                                                           guint                        capacity,
                                                           ConcurraRateLimitAlgorithm   algorithm,
                                                           GError                     **error);
CONCURRA_AVAILABLE_IN_1_0
ConcurraLimit              *concurra_limit_new_resource   (const char                  *key,
                                                           guint                        capacity,
                                                           GError                     **error);
CONCURRA_AVAILABLE_IN_1_0
const char                 *concurra_limit_get_key        (ConcurraLimit               *limit);
CONCURRA_AVAILABLE_IN_1_0
ConcurraLimitKind           concurra_limit_get_kind       (ConcurraLimit               *limit);
CONCURRA_AVAILABLE_IN_1_0
guint                       concurra_limit_get_capacity   (ConcurraLimit               *limit);
CONCURRA_AVAILABLE_IN_1_0
double                      concurra_limit_get_window     (ConcurraLimit               *limit);
CONCURRA_AVAILABLE_IN_1_0
ConcurraRateLimitAlgorithm  concurra_limit_get_algorithm  (ConcurraLimit               *limit);

G_END_DECLS
