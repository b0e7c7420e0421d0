/* concurra-task-stream.h: ConcurraTaskStream, tasks in completion order.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (CONCURRA_INSIDE) && !defined (CONCURRA_COMPILATION)
# error "Only <concurra.h> can be included directly."
#endif

#include <gio/gio.h>

#include "concurra-task.h"
#include "concurra-version.h"

G_BEGIN_DECLS

#define CONCURRA_TYPE_TASK_STREAM (concurra_task_stream_get_type ())

CONCURRA_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ConcurraTaskStream, concurra_task_stream, CONCURRA, TASK_STREAM, GObject)

CONCURRA_AVAILABLE_IN_1_0
ConcurraTaskStream *concurra_task_stream_new           (ConcurraTask * const *tasks,
                                                        guint                 n_tasks);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTaskStream *concurra_task_stream_new_keyed     (GHashTable           *tasks);
CONCURRA_AVAILABLE_IN_1_0
guint               concurra_task_stream_get_n_tasks   (ConcurraTaskStream   *stream);
CONCURRA_AVAILABLE_IN_1_0
guint               concurra_task_stream_get_n_completed (ConcurraTaskStream *stream);
CONCURRA_AVAILABLE_IN_1_0
const char         *concurra_task_stream_get_key       (ConcurraTaskStream   *stream,
                                                        guint                 index);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask       *concurra_task_stream_next          (ConcurraTaskStream   *stream,
                                                        double                timeout,
                                                        GCancellable         *cancellable,
                                                        guint                *index,
                                                        GError              **error);
CONCURRA_AVAILABLE_IN_1_0
void                concurra_task_stream_next_async    (ConcurraTaskStream   *stream,
                                                        double                timeout,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
CONCURRA_AVAILABLE_IN_1_0
ConcurraTask       *concurra_task_stream_next_finish   (ConcurraTaskStream   *stream,
                                                        GAsyncResult         *result,
                                                        guint                *index,
                                                        GError              **error);

G_END_DECLS
