/* concurra-deadlines-private.h: one timer for many deadlines.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ConcurraDeadlines ConcurraDeadlines;

/* Called on the owner context for each deadline that has passed. */
typedef void (*ConcurraDeadlineFunc) (gpointer item,
                                      guint    tag,
                                      gpointer user_data);

ConcurraDeadlines *concurra_deadlines_new   (GMainContext         *context,
                                             ConcurraDeadlineFunc  func,
                                             gpointer              user_data);
void               concurra_deadlines_add   (ConcurraDeadlines    *deadlines,
                                             gint64                when,
                                             gpointer              item,
                                             guint                 tag);
void               concurra_deadlines_stop  (ConcurraDeadlines    *deadlines);
gint64             concurra_deadline_after  (gint64                start,
                                             double                seconds);
void               concurra_deadlines_free  (ConcurraDeadlines    *deadlines);

G_END_DECLS
