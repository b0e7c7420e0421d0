/* cr-progress.h: live progress of a concurra-run run on standard error.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <concurra.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef struct _CrProgress CrProgress;

/* called once, on the first write that fails, with its errno */
typedef void (*CrProgressErrorFunc) (int      error_number,
                                     gpointer user_data);

CrProgress *cr_progress_new       (FILE                *stream,
                                   gboolean             terminal,
                                   guint                total,
                                   CrProgressErrorFunc  error_func,
                                   gpointer             error_data);
void        cr_progress_free      (CrProgress   *progress);
void        cr_progress_started   (CrProgress   *progress,
                                   ConcurraTask *task);
void        cr_progress_retrying  (CrProgress   *progress,
                                   ConcurraTask *task,
                                   guint         attempt,
                                   const GError *error);
void        cr_progress_finished  (CrProgress   *progress,
                                   ConcurraTask *task);
void        cr_progress_update    (CrProgress   *progress,
                                   guint         completed,
                                   guint         total);
void        cr_progress_note      (CrProgress   *progress,
                                   const char   *line);
void        cr_progress_end       (CrProgress   *progress);

char       *cr_first_line         (const char   *text,
                                   guint         max_chars);
char       *cr_failure_reason     (ConcurraTask *task,
                                   guint         max_chars);
char       *cr_format_elapsed     (double        seconds);

G_END_DECLS
