/* concurra-limiter.c: the counting engine behind ConcurraLimitSet and
 * ConcurraAcquisition.
 *
 * One lock guards the states of a set's limits and its queue of waiters.
 * Nothing here polls: a waiter sleeps until the earliest moment its request
 * can fit, computed from each limit's algorithm (the "due" time), or, when
 * only a release can make room, until a release wakes it. Every change that
 * can make room (a release, a refund, a waiter leaving) runs dispatch(),
 * which serves the queue in order and reschedules the waiters whose due
 * time moved earlier.
 *
 * Fairness: a waiter is only served when no earlier waiter wants any of its
 * limits (FIFO per limit), and nothing is taken past a waiter by the fast
 * path either. A large request therefore holds back later requests for the
 * same limits until it fits, instead of being starved by a stream of small
 * ones; requests for other limits go on meanwhile. Waiters held back that
 * way sleep until a dispatch finds them first in line: a release, or the
 * due time of the waiter ahead (for an asynchronous one, when its main
 * context runs), not at every token.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include "concurra-deadlines-private.h"
#include "concurra-enum-types.h"
#include "concurra-limiter-private.h"

#define USEC_PER_SEC_F ((double) G_USEC_PER_SEC)
/* tolerance on fractional units, so that waking at a computed due time
 * finds the units there despite rounding */
#define EPSILON (1e-6)
/* "no due time": only a release can make room */
#define NEVER G_MAXINT64

typedef struct
{
  gint64 time;
  guint  amount;
} Entry;

typedef struct
{
  char                       *key;
  ConcurraLimitKind           kind;
  ConcurraRateLimitAlgorithm  algorithm;
  guint                       capacity;
  gint64                      window;      /* microseconds */
  double                      level;       /* tokens, bucket level, units counted or held */
  double                      stamp;       /* last refill or drain, window start, or GCRA's TAT */
  GQueue                      log;         /* sliding window: Entry, oldest first */
  guint                       n_waiting;   /* waiters wanting this limit */
} LimitState;

typedef struct _Waiter Waiter;

struct _Waiter
{
  ConcurraLimitRequest *request;
  gint64                      due;        /* NEVER when only a release can help */
  gint64                      deadline;   /* -1: none */
  gboolean                    taken;
  GList                       link;       /* in the limiter's queue */
  void                      (*wake)     (Waiter *waiter);
  GCond                       cond;       /* blocking waiters */
  GSource                    *source;     /* asynchronous waiters */
};

struct _ConcurraLimiter
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  guint            n_limits;
  LimitState      *states;    /* lock */
  guint8          *blocked;   /* lock; dispatch's scratch */
  GQueue           waiters;   /* lock; Waiter, in arrival order */
};

/* ---- requests ---- */

ConcurraLimitRequest *
concurra_limit_request_new (guint n)
{
  ConcurraLimitRequest *request = g_new0 (ConcurraLimitRequest, 1);

  request->index = g_new0 (guint, MAX (n, 1));
  request->amount = g_new0 (guint, MAX (n, 1));
  return request;
}

void
concurra_limit_request_free (ConcurraLimitRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->index);
  g_free (request->amount);
  g_free (request);
}

/* ---- the algorithms: each function is given the time, never reads it ---- */

static double
rate_per_usec (const LimitState *s)
{
  return (double) s->capacity / (double) s->window;
}

static gint64
usec_ceil (double t)
{
  return (gint64) ceil (t);
}

/* Brings the state to @now: refill, drain, expire or start a new window. */
static void
state_advance (LimitState *s,
               gint64      now)
{
  switch (s->kind == CONCURRA_LIMIT_KIND_RESOURCE ? -1 : (int) s->algorithm)
    {
    case CONCURRA_RATE_LIMIT_ALGORITHM_TOKEN_BUCKET:
      if (now > s->stamp)
        {
          s->level = MIN ((double) s->capacity, s->level + (now - s->stamp) * rate_per_usec (s));
          s->stamp = now;
        }
      break;
    case CONCURRA_RATE_LIMIT_ALGORITHM_LEAKY_BUCKET:
      if (now > s->stamp)
        {
          s->level = MAX (0.0, s->level - (now - s->stamp) * rate_per_usec (s));
          s->stamp = now;
        }
      break;
    case CONCURRA_RATE_LIMIT_ALGORITHM_SLIDING_WINDOW:
      while (!g_queue_is_empty (&s->log))
        {
          Entry *entry = g_queue_peek_head (&s->log);

          if (entry->time + s->window > now)
            break;
          s->level -= entry->amount;
          g_free (g_queue_pop_head (&s->log));
        }
      break;
    case CONCURRA_RATE_LIMIT_ALGORITHM_FIXED_WINDOW:
      if (now >= s->stamp + s->window)
        {
          s->stamp = now - now % s->window;
          s->level = 0;
        }
      break;
    default:  /* resources and GCRA need nothing */
      break;
    }
}

/* The units the limit could give now. */
static double
state_available (const LimitState *s,
                 gint64            now)
{
  if (s->kind == CONCURRA_LIMIT_KIND_RESOURCE)
    return s->capacity - s->level;
  switch (s->algorithm)
    {
    case CONCURRA_RATE_LIMIT_ALGORITHM_TOKEN_BUCKET:
      return s->level;
    case CONCURRA_RATE_LIMIT_ALGORITHM_GCRA:
      {
        double interval = (double) s->window / s->capacity;

        return floor ((s->window - MAX (0.0, s->stamp - now)) / interval + EPSILON);
      }
    default:
      return s->capacity - s->level;
    }
}

/* The earliest time @amount units fit, assuming nobody else takes any: @now
 * when they fit now, NEVER when only a release can make room. */
static gint64
state_due (const LimitState *s,
           guint             amount,
           gint64            now)
{
  double excess;

  if (s->kind == CONCURRA_LIMIT_KIND_RESOURCE)
    return s->level + amount <= s->capacity ? now : NEVER;
  switch (s->algorithm)
    {
    case CONCURRA_RATE_LIMIT_ALGORITHM_TOKEN_BUCKET:
      excess = amount - s->level;
      if (excess <= EPSILON)
        return now;
      return MAX (now, (gint64) s->stamp + usec_ceil (excess / rate_per_usec (s)));
    case CONCURRA_RATE_LIMIT_ALGORITHM_LEAKY_BUCKET:
      excess = s->level + amount - s->capacity;
      if (excess <= EPSILON)
        return now;
      return MAX (now, (gint64) s->stamp + usec_ceil (excess / rate_per_usec (s)));
    case CONCURRA_RATE_LIMIT_ALGORITHM_SLIDING_WINDOW:
      {
        double left = s->level;

        if (left + amount <= s->capacity)
          return now;
        for (GList *l = s->log.head; l != NULL; l = l->next)
          {
            Entry *entry = l->data;

            left -= entry->amount;
            if (left + amount <= s->capacity)
              return entry->time + s->window;
          }
        return now;  /* not reached: amount <= capacity */
      }
    case CONCURRA_RATE_LIMIT_ALGORITHM_FIXED_WINDOW:
      if (s->level + amount <= s->capacity)
        return now;
      return (gint64) s->stamp + s->window;
    case CONCURRA_RATE_LIMIT_ALGORITHM_GCRA:
      {
        double interval = (double) s->window / s->capacity;
        double start = MAX (s->stamp, (double) now);

        if (start + amount * interval - now <= s->window + EPSILON)
          return now;
        return MAX (now, usec_ceil (s->stamp + amount * interval - s->window));
      }
    default:
      g_assert_not_reached ();
    }
}

static void
state_take (LimitState *s,
            guint       amount,
            gint64      now)
{
  if (s->kind != CONCURRA_LIMIT_KIND_RESOURCE)
    switch (s->algorithm)
      {
      case CONCURRA_RATE_LIMIT_ALGORITHM_TOKEN_BUCKET:
        s->level -= amount;
        return;
      case CONCURRA_RATE_LIMIT_ALGORITHM_SLIDING_WINDOW:
        if (amount > 0)
          {
            Entry *entry = g_new (Entry, 1);

            entry->time = now;
            entry->amount = amount;
            g_queue_push_tail (&s->log, entry);
          }
        break;
      case CONCURRA_RATE_LIMIT_ALGORITHM_GCRA:
        s->stamp = MAX (s->stamp, (double) now) + amount * ((double) s->window / s->capacity);
        return;
      default:
        break;
      }
  s->level += amount;
}

/* Gives back units taken by an acquisition: a resource's units always, a
 * rate's unused units when its algorithm refunds. */
static gboolean
state_give_back (LimitState *s,
                 guint       amount,
                 guint       used)
{
  guint unused = used < amount ? amount - used : 0;

  if (s->kind == CONCURRA_LIMIT_KIND_RESOURCE)
    {
      s->level -= amount;
      return amount > 0;
    }
  if (unused == 0)
    return FALSE;
  switch (s->algorithm)
    {
    case CONCURRA_RATE_LIMIT_ALGORITHM_TOKEN_BUCKET:
      s->level = MIN ((double) s->capacity, s->level + unused);
      return TRUE;
    case CONCURRA_RATE_LIMIT_ALGORITHM_GCRA:
      s->stamp -= unused * ((double) s->window / s->capacity);
      return TRUE;
    default:
      return FALSE;
    }
}

/* ---- the limiter ---- */

ConcurraLimiter *
concurra_limiter_new (ConcurraLimit * const *limits,
                      guint                  n_limits)
{
  ConcurraLimiter *self = g_new0 (ConcurraLimiter, 1);
  gint64 now = g_get_monotonic_time ();

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  g_queue_init (&self->waiters);
  self->n_limits = n_limits;
  self->states = g_new0 (LimitState, MAX (n_limits, 1));
  self->blocked = g_new0 (guint8, MAX (n_limits, 1));
  for (guint i = 0; i < n_limits; i++)
    {
      LimitState *s = &self->states[i];

      s->key = g_strdup (concurra_limit_get_key (limits[i]));
      s->kind = concurra_limit_get_kind (limits[i]);
      s->algorithm = concurra_limit_get_algorithm (limits[i]);
      s->capacity = concurra_limit_get_capacity (limits[i]);
      s->window = MAX (1, (gint64) (concurra_limit_get_window (limits[i]) * USEC_PER_SEC_F));
      g_queue_init (&s->log);
      /* a token bucket starts full, the others empty */
      if (s->kind != CONCURRA_LIMIT_KIND_RESOURCE &&
          s->algorithm == CONCURRA_RATE_LIMIT_ALGORITHM_TOKEN_BUCKET)
        s->level = s->capacity;
      s->stamp = s->algorithm == CONCURRA_RATE_LIMIT_ALGORITHM_FIXED_WINDOW ?
                 now - now % s->window : now;
    }
  return self;
}

ConcurraLimiter *
concurra_limiter_ref (ConcurraLimiter *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
concurra_limiter_unref (ConcurraLimiter *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_assert (g_queue_is_empty (&self->waiters));
  for (guint i = 0; i < self->n_limits; i++)
    {
      g_free (self->states[i].key);
      g_queue_clear_full (&self->states[i].log, g_free);
    }
  g_free (self->states);
  g_free (self->blocked);
  g_mutex_clear (&self->lock);
  g_free (self);
}

ConcurraLimitKind
concurra_limiter_get_kind (ConcurraLimiter *self,
                           guint            index)
{
  return self->states[index].kind;
}

const char *
concurra_limiter_get_key (ConcurraLimiter *self,
                          guint            index)
{
  return self->states[index].key;
}

/* When all of @request fits, assuming nobody else takes anything. */
static gint64
request_due_locked (ConcurraLimiter            *self,
                    ConcurraLimitRequest *request,
                    gint64                      now)
{
  gint64 due = now;

  for (guint i = 0; i < request->n; i++)
    {
      LimitState *s = &self->states[request->index[i]];

      state_advance (s, now);
      due = MAX (due, state_due (s, request->amount[i], now));
    }
  return due;
}

static void
request_take_locked (ConcurraLimiter            *self,
                     ConcurraLimitRequest *request,
                     gint64                      now)
{
  for (guint i = 0; i < request->n; i++)
    state_take (&self->states[request->index[i]], request->amount[i], now);
  request->time = now;
}

/* Whether a waiter wants one of the limits of @request. */
static gboolean
request_queued_locked (ConcurraLimiter            *self,
                       ConcurraLimitRequest *request)
{
  for (guint i = 0; i < request->n; i++)
    if (self->states[request->index[i]].n_waiting > 0)
      return TRUE;
  return FALSE;
}

/* Takes @request at once if it fits and no earlier waiter wants its limits. */
static gboolean
take_now_locked (ConcurraLimiter            *self,
                 ConcurraLimitRequest *request)
{
  gint64 now = g_get_monotonic_time ();

  if (request_queued_locked (self, request) || request_due_locked (self, request, now) > now)
    return FALSE;
  request_take_locked (self, request, now);
  return TRUE;
}

static void
enqueue_locked (ConcurraLimiter *self,
                Waiter          *waiter)
{
  waiter->due = NEVER;
  waiter->link.data = waiter;
  g_queue_push_tail_link (&self->waiters, &waiter->link);
  for (guint i = 0; i < waiter->request->n; i++)
    self->states[waiter->request->index[i]].n_waiting++;
}

static void
unqueue_locked (ConcurraLimiter *self,
                Waiter          *waiter)
{
  g_queue_unlink (&self->waiters, &waiter->link);
  for (guint i = 0; i < waiter->request->n; i++)
    self->states[waiter->request->index[i]].n_waiting--;
}

/* Whether an earlier waiter of this dispatch pass wants one of the limits
 * of @request. */
static gboolean
is_blocked_locked (ConcurraLimiter            *self,
                   ConcurraLimitRequest *request)
{
  for (guint i = 0; i < request->n; i++)
    if (self->blocked[request->index[i]])
      return TRUE;
  return FALSE;
}

static void
block_locked (ConcurraLimiter            *self,
              ConcurraLimitRequest *request)
{
  for (guint i = 0; i < request->n; i++)
    self->blocked[request->index[i]] = 1;
}

static void
set_due (Waiter *waiter,
         gint64  due)
{
  gint64 old = waiter->due;

  waiter->due = due;
  if (due < old)
    waiter->wake (waiter);
}

/* Serves the queue in order: a waiter whose limits no earlier waiter wants
 * gets its request if it fits, else learns when it will. */
static void
dispatch_locked (ConcurraLimiter *self)
{
  gint64 now = g_get_monotonic_time ();
  GList *l = self->waiters.head;

  memset (self->blocked, 0, self->n_limits);
  while (l != NULL)
    {
      Waiter *waiter = l->data;
      gint64 due;

      l = l->next;
      if (is_blocked_locked (self, waiter->request))
        {
          block_locked (self, waiter->request);
          set_due (waiter, NEVER);
          continue;
        }
      due = request_due_locked (self, waiter->request, now);
      if (due > now)
        {
          block_locked (self, waiter->request);
          set_due (waiter, due);
          continue;
        }
      request_take_locked (self, waiter->request, now);
      unqueue_locked (self, waiter);
      waiter->taken = TRUE;
      waiter->wake (waiter);
    }
}

/* When @waiter must look again: its due time or its deadline. */
static gint64
wake_time (const Waiter *waiter)
{
  gint64 t = waiter->due;

  if (waiter->deadline >= 0)
    t = MIN (t, waiter->deadline);
  return t == NEVER ? -1 : t;
}

/* Looks at a pending waiter: an outcome, or -1 to wait on. */
static int
check_locked (ConcurraLimiter *self,
              Waiter          *waiter,
              GCancellable    *cancellable)
{
  gint64 now;

  if (waiter->taken)
    return CONCURRA_LIMITER_TAKEN;
  now = g_get_monotonic_time ();
  if (now >= waiter->due)
    {
      dispatch_locked (self);
      if (waiter->taken)
        return CONCURRA_LIMITER_TAKEN;
    }
  if (g_cancellable_is_cancelled (cancellable))
    return CONCURRA_LIMITER_CANCELLED;
  if (waiter->deadline >= 0 && now >= waiter->deadline)
    return CONCURRA_LIMITER_TIMED_OUT;
  return -1;
}

static void
leave_locked (ConcurraLimiter *self,
              Waiter          *waiter)
{
  if (waiter->taken)
    return;
  unqueue_locked (self, waiter);
  /* later waiters may have been held back by this one */
  dispatch_locked (self);
}

gboolean
concurra_limiter_try_take (ConcurraLimiter            *self,
                           ConcurraLimitRequest *request)
{
  gboolean taken;

  g_mutex_lock (&self->lock);
  taken = take_now_locked (self, request);
  g_mutex_unlock (&self->lock);
  return taken;
}

/* ---- blocking ---- */

static void
wake_blocking (Waiter *waiter)
{
  g_cond_signal (&waiter->cond);
}

typedef struct
{
  ConcurraLimiter *limiter;
  Waiter          *waiter;
} CancelData;

static void
blocking_cancelled (GCancellable *cancellable,
                    CancelData   *data)
{
  g_mutex_lock (&data->limiter->lock);
  g_cond_signal (&data->waiter->cond);
  g_mutex_unlock (&data->limiter->lock);
}

ConcurraLimiterResult
concurra_limiter_take (ConcurraLimiter            *self,
                       ConcurraLimitRequest *request,
                       double                      timeout,
                       GCancellable               *cancellable)
{
  Waiter waiter = { request, NEVER, concurra_deadline_for_timeout (timeout), FALSE, { NULL },
                    wake_blocking };
  CancelData cancel_data = { self, &waiter };
  gulong cancel_id = 0;
  int result;

  if (g_cancellable_is_cancelled (cancellable))
    return CONCURRA_LIMITER_CANCELLED;

  g_mutex_lock (&self->lock);
  if (take_now_locked (self, request))
    {
      g_mutex_unlock (&self->lock);
      return CONCURRA_LIMITER_TAKEN;
    }
  if (timeout == 0)
    {
      g_mutex_unlock (&self->lock);
      return CONCURRA_LIMITER_TIMED_OUT;
    }
  g_cond_init (&waiter.cond);
  enqueue_locked (self, &waiter);
  dispatch_locked (self);
  g_mutex_unlock (&self->lock);

  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (blocking_cancelled),
                                       &cancel_data, NULL);

  g_mutex_lock (&self->lock);
  while ((result = check_locked (self, &waiter, cancellable)) < 0)
    {
      gint64 until = wake_time (&waiter);

      if (until < 0)
        g_cond_wait (&waiter.cond, &self->lock);
      else
        g_cond_wait_until (&waiter.cond, &self->lock, until);
    }
  leave_locked (self, &waiter);
  g_mutex_unlock (&self->lock);

  g_cancellable_disconnect (cancellable, cancel_id);
  g_cond_clear (&waiter.cond);
  return result;
}

/* ---- asynchronous: one source per waiter, ready at its wake time ---- */

typedef struct
{
  Waiter           waiter;
  ConcurraLimiter *limiter;
  GTask           *task;
  gulong           cancel_id;
  int              result;     /* -1 while pending */
} AsyncTake;

static void
wake_async (Waiter *waiter)
{
  g_source_set_ready_time (waiter->source, waiter->taken ? 0 : wake_time (waiter));
}

static void
async_cancelled (GCancellable *cancellable,
                 AsyncTake    *op)
{
  g_mutex_lock (&op->limiter->lock);
  g_source_set_ready_time (op->waiter.source, 0);
  g_mutex_unlock (&op->limiter->lock);
}

static gboolean
async_take_check (gpointer user_data)
{
  AsyncTake *op = user_data;
  GCancellable *cancellable = g_task_get_cancellable (op->task);
  GTask *task;

  g_mutex_lock (&op->limiter->lock);
  if (op->result < 0)
    op->result = check_locked (op->limiter, &op->waiter, cancellable);
  if (op->result < 0)
    {
      g_source_set_ready_time (op->waiter.source, wake_time (&op->waiter));
      g_mutex_unlock (&op->limiter->lock);
      return G_SOURCE_CONTINUE;
    }
  if (op->waiter.link.data != NULL)
    leave_locked (op->limiter, &op->waiter);
  g_mutex_unlock (&op->limiter->lock);

  g_cancellable_disconnect (cancellable, op->cancel_id);
  g_source_destroy (op->waiter.source);
  g_clear_pointer (&op->waiter.source, g_source_unref);
  concurra_limiter_unref (op->limiter);
  task = op->task;
  g_task_return_int (task, op->result);
  g_free (op);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static gboolean
async_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs async_funcs = {
  .dispatch = async_dispatch,
};

void
concurra_limiter_take_async (ConcurraLimiter            *self,
                             ConcurraLimitRequest *request,
                             double                      timeout,
                             GCancellable               *cancellable,
                             GAsyncReadyCallback         callback,
                             gpointer                    user_data)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  AsyncTake *op = g_new0 (AsyncTake, 1);

  op->limiter = concurra_limiter_ref (self);
  op->result = -1;
  op->waiter.request = request;
  op->waiter.due = NEVER;
  op->waiter.deadline = concurra_deadline_for_timeout (timeout);
  op->waiter.wake = wake_async;
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, concurra_limiter_take_async);
  g_task_set_check_cancellable (op->task, FALSE);
  op->waiter.source = g_source_new (&async_funcs, sizeof (GSource));
  g_source_set_static_name (op->waiter.source, "[concurra] limit acquire");
  g_source_set_callback (op->waiter.source, async_take_check, op, NULL);

  /* connected before the source can finish the operation */
  if (cancellable != NULL)
    op->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (async_cancelled), op, NULL);

  g_mutex_lock (&self->lock);
  if (g_cancellable_is_cancelled (cancellable))
    op->result = CONCURRA_LIMITER_CANCELLED;
  else if (take_now_locked (self, request))
    op->result = CONCURRA_LIMITER_TAKEN;
  else if (timeout == 0)
    op->result = CONCURRA_LIMITER_TIMED_OUT;
  else
    {
      enqueue_locked (self, &op->waiter);
      dispatch_locked (self);
    }
  /* the callback never runs inside this call, even when done already */
  g_source_set_ready_time (op->waiter.source,
                           op->result >= 0 || op->waiter.taken ? 0 : wake_time (&op->waiter));
  g_mutex_unlock (&self->lock);
  g_source_attach (op->waiter.source, context);
}

ConcurraLimiterResult
concurra_limiter_take_finish (GAsyncResult *result)
{
  return g_task_propagate_int (G_TASK (result), NULL);
}

/* ---- giving back ---- */

void
concurra_limiter_give_back (ConcurraLimiter            *self,
                            ConcurraLimitRequest *request,
                            const guint                *used)
{
  gboolean room = FALSE;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < request->n; i++)
    {
      LimitState *s = &self->states[request->index[i]];

      state_advance (s, now);
      room |= state_give_back (s, request->amount[i], used != NULL ? used[i] : G_MAXUINT);
    }
  if (room && !g_queue_is_empty (&self->waiters))
    dispatch_locked (self);
  g_mutex_unlock (&self->lock);
}

/* ---- statistics ---- */

static const char *
enum_nick (GType type,
           int   value)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value (enum_class, value);

  return enum_value != NULL ? enum_value->value_nick : "unknown";
}

GVariant *
concurra_limiter_dup_stats (ConcurraLimiter *self,
                            guint            index)
{
  LimitState *s = &self->states[index];
  GVariantDict dict;
  gint64 now = g_get_monotonic_time ();

  g_variant_dict_init (&dict, NULL);
  g_mutex_lock (&self->lock);
  state_advance (s, now);
  g_variant_dict_insert (&dict, "kind", "s", enum_nick (CONCURRA_TYPE_LIMIT_KIND, s->kind));
  g_variant_dict_insert (&dict, "capacity", "u", s->capacity);
  g_variant_dict_insert (&dict, "available", "d", MAX (0.0, state_available (s, now)));
  g_variant_dict_insert (&dict, "waiting", "u", s->n_waiting);
  if (s->kind == CONCURRA_LIMIT_KIND_RESOURCE)
    g_variant_dict_insert (&dict, "in-use", "u", (guint) s->level);
  else
    {
      g_variant_dict_insert (&dict, "window", "d", s->window / USEC_PER_SEC_F);
      g_variant_dict_insert (&dict, "algorithm", "s",
                             enum_nick (CONCURRA_TYPE_RATE_LIMIT_ALGORITHM, s->algorithm));
    }
  g_mutex_unlock (&self->lock);
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}
