/* cr-report.h: what concurra-run prints: the plan, the graph, the summary
 * and the JSON results.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <concurra.h>
#include <stdio.h>

#include "cr-pipeline.h"

G_BEGIN_DECLS

/* the effective run settings: options over [pipeline] over defaults */
typedef struct
{
  guint    jobs;
  double   timeout;
  guint    retries;
  double   retry_delay;
  gboolean fast_fail;
  gint64   max_output;   /* bytes kept of each output stream, 0: all, -1: the runner's */
  gboolean slurm;       /* the default launcher is Slurm */
} CrSettings;

/* how a run ended, for the summary and the JSON */
typedef struct
{
  double   elapsed;
  gboolean interrupted;
  int      exit_status;
} CrOutcome;

char *cr_report_plan     (CrPipeline      *pipeline,
                          const CrSettings *settings,
                          ConcurraRunner   *runner);
char *cr_report_dot      (CrPipeline      *pipeline);
typedef enum {
  CR_SUMMARY_TABLE      = 1 << 0,   /* the table of all tasks */
  CR_SUMMARY_ALL_OUTPUT = 1 << 1,   /* the output of every task, not only failed ones */
} CrSummaryFlags;

char *cr_report_summary  (ConcurraRunner  *runner,
                          CrPipeline      *pipeline,
                          const CrOutcome *outcome,
                          CrSummaryFlags   flags);
gboolean cr_report_json  (ConcurraRunner  *runner,
                          CrPipeline      *pipeline,
                          const CrOutcome *outcome,
                          FILE            *stream);
char *cr_command_line    (CrTask          *task);

G_END_DECLS
