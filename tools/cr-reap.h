/* cr-reap.h: makes sure no process of a run outlives concurra-run.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CR_RUN_ID_VARIABLE "CONCURRA_RUN_ID"

guint cr_reap_run_processes (const char   *run_id,
                             guint         grace_ms,
                             GCancellable *hurry);

G_END_DECLS
