/* concurra-format-private.h: the human-readable strings Concurra users know:
 * durations, progress lines and the report table.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "concurra-format.h"

G_BEGIN_DECLS

void   concurra_append_number       (GString     *out,
                                     double       value);
GDateTime *concurra_date_time_new_local (gint64 real_usec);
char  *concurra_format_timestamp    (gint64       real_usec);
char  *concurra_format_progress     (const char  *name,
                                     guint        done,
                                     guint        total,
                                     double       elapsed);
char  *concurra_format_table        (const char  *const *headers,
                                     guint        n_columns,
                                     GPtrArray   *cells);
GVariant *concurra_variant_new_text (const char  *text);

G_END_DECLS
