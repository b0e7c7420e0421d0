/* concurra-format.h: the texts results show, for callers that show them too.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (CONCURRA_INSIDE) && !defined (CONCURRA_COMPILATION)
# error "Only <concurra.h> can be included directly."
#endif

#include <glib.h>

#include "concurra-version.h"

G_BEGIN_DECLS

CONCURRA_AVAILABLE_IN_1_0
char *concurra_format_duration (double seconds);

G_END_DECLS
