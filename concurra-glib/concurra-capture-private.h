/* concurra-capture-private.h: a command's captured output stream, kept
 * within a cap (the task's max-output): past it, the beginning and the end
 * are kept and the middle is counted, never stored.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ConcurraCapture ConcurraCapture;

ConcurraCapture *concurra_capture_new         (void);
void             concurra_capture_free        (ConcurraCapture *capture);
void             concurra_capture_set_max     (ConcurraCapture *capture,
                                               guint64          max);
void             concurra_capture_append      (ConcurraCapture *capture,
                                               const guint8    *data,
                                               gsize            len);
GBytes          *concurra_capture_steal       (ConcurraCapture *capture,
                                               guint64         *omitted);

G_END_DECLS
