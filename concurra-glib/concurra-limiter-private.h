/* concurra-limiter-private.h: the counting engine behind ConcurraLimitSet
 * and ConcurraAcquisition — limit states, their lock and their waiters.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "concurra-limit.h"

G_BEGIN_DECLS

typedef struct _ConcurraLimiter ConcurraLimiter;

/* What one acquisition takes: @amount[i] units of limit @index[i]; each
 * limit at most once, no amount 0. @time: when it was taken. */
typedef struct
{
  guint   n;
  guint  *index;
  guint  *amount;
  gint64  time;
} ConcurraLimitRequest;

typedef enum {
  CONCURRA_LIMITER_TAKEN,
  CONCURRA_LIMITER_TIMED_OUT,
  CONCURRA_LIMITER_CANCELLED,
} ConcurraLimiterResult;

ConcurraLimitRequest  *concurra_limit_request_new      (guint                  n);
void                   concurra_limit_request_free     (ConcurraLimitRequest  *request);

ConcurraLimiter       *concurra_limiter_new            (ConcurraLimit * const *limits,
                                                        guint                  n_limits);
ConcurraLimiter       *concurra_limiter_ref            (ConcurraLimiter       *self);
void                   concurra_limiter_unref          (ConcurraLimiter       *self);
gboolean               concurra_limiter_try_take       (ConcurraLimiter       *self,
                                                        ConcurraLimitRequest *request);
ConcurraLimiterResult  concurra_limiter_take           (ConcurraLimiter       *self,
                                                        ConcurraLimitRequest *request,
                                                        double                 timeout,
                                                        GCancellable          *cancellable);
void                   concurra_limiter_take_async     (ConcurraLimiter       *self,
                                                        ConcurraLimitRequest *request,
                                                        double                 timeout,
                                                        GCancellable          *cancellable,
                                                        GAsyncReadyCallback    callback,
                                                        gpointer               user_data);
ConcurraLimiterResult  concurra_limiter_take_finish    (GAsyncResult          *result);
void                   concurra_limiter_give_back      (ConcurraLimiter       *self,
                                                        ConcurraLimitRequest *request,
                                                        const guint           *used);
GVariant              *concurra_limiter_dup_stats      (ConcurraLimiter       *self,
                                                        guint                  index);
ConcurraLimitKind      concurra_limiter_get_kind       (ConcurraLimiter       *self,
                                                        guint                  index);
const char            *concurra_limiter_get_key        (ConcurraLimiter       *self,
                                                        guint                  index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcurraLimiter, concurra_limiter_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcurraLimitRequest, concurra_limit_request_free)

G_END_DECLS
