/* concurra-deadlines-private.h: one timer for many deadlines.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "concurra-task.h"

G_BEGIN_DECLS

/* Timeouts in seconds follow one convention (concurra-task.h): a negative
 * value is CONCURRA_TIMEOUT_DEFAULT, CONCURRA_TIMEOUT_INFINITE or more
 * (an infinity) is no limit, NaN is a caller's bug. */
static inline gboolean
concurra_timeout_is_valid (double timeout)
{
  return timeout == timeout;
}

static inline double
concurra_timeout_normalize (double timeout)
{
  if (timeout < 0)
    return CONCURRA_TIMEOUT_DEFAULT;
  if (timeout == 0)
    return 0.0;   /* not -0.0, which would print as "-0" */
  return MIN (timeout, CONCURRA_TIMEOUT_INFINITE);
}

/* Whether @timeout, already resolved against its default, sets a limit. */
static inline gboolean
concurra_timeout_is_limited (double timeout)
{
  return timeout >= 0 && timeout < CONCURRA_TIMEOUT_INFINITE;
}

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
gint64             concurra_deadline_for_timeout (double           timeout);
void               concurra_deadlines_free  (ConcurraDeadlines    *deadlines);

G_END_DECLS
