/* concurra-report-private.h: what a runner tells about its tasks once they
 * ran: the report table, the error naming the failed tasks, the results
 * table, and the runner's log lines.
 *
 * These functions see tasks only, never the runner: the runner describes
 * itself in a ConcurraReport.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-task-private.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;           /* the runner's, for log lines */
  const char *error_message;  /* nullable: prefixes the failure summary */
  GPtrArray  *tasks;          /* in the order added */
  guint       n_failed;
} ConcurraReport;

char       *concurra_report_format        (ConcurraReport        report);
GError     *concurra_report_failed_error  (ConcurraReport        report);
void        concurra_report_log           (ConcurraReport        report);
GHashTable *concurra_report_results       (GPtrArray            *tasks);
void        concurra_log_runner           (const char           *name,
                                           GLogLevelFlags        level,
                                           const char           *format,
                                           ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
