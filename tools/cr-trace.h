/* cr-trace.h: a Chrome trace-event timeline of a concurra-run run.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <concurra.h>

G_BEGIN_DECLS

typedef struct _CrTrace CrTrace;

CrTrace  *cr_trace_new      (const char    *name);
void      cr_trace_free     (CrTrace       *trace);
void      cr_trace_started  (CrTrace       *trace,
                             ConcurraTask  *task);
void      cr_trace_retrying (CrTrace       *trace,
                             ConcurraTask  *task,
                             guint          attempt,
                             const GError  *error);
void      cr_trace_finished (CrTrace       *trace,
                             ConcurraTask  *task);
gboolean  cr_trace_write    (CrTrace       *trace,
                             const char    *path,
                             GError       **error);

G_END_DECLS
