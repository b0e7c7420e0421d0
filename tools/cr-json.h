/* cr-json.h: a small JSON writer for concurra-run (--json, --trace);
 * json-glib is deliberately not a dependency.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

void cr_json_append_string  (GString    *out,
                             const char *text);
void cr_json_append_double  (GString    *out,
                             double      value);
void cr_json_append_variant (GString    *out,
                             GVariant   *value);
gboolean cr_json_write_variant (GString  *out,
                                GVariant *value,
                                FILE     *stream);

G_END_DECLS
