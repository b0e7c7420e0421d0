/* concurra-limit-set.c: ConcurraLimitSet, limits acquired together, all or
 * nothing — Concurry's LimitSet. The counting itself is in
 * concurra-limiter.c; this file turns keys into requests and requests into
 * acquisitions.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-acquisition-private.h"
#include "concurra-error.h"
#include "concurra-limit-set.h"
#include "concurra-limiter-private.h"
#include "concurra-waiter-private.h"

/**
 * ConcurraLimitSet:
 *
 * A set of [class@Concurra.Limit]s acquired together: an acquisition takes
 * units of several limits at once, all or nothing, so a call that needs a
 * connection, a share of a call rate and some tokens gets all three or
 * waits for all three (Concurry's `LimitSet`).
 *
 * Acquire with [method@Concurra.LimitSet.acquire] (blocking, from any
 * thread), [method@Concurra.LimitSet.acquire_async] (on the caller's
 * thread-default main context, never blocking) or
 * [method@Concurra.LimitSet.try_acquire] (never waits). What is taken:
 *
 * - no keys: one unit of every call and resource limit; a set holding a
 *   rate limit fails, as a rate limit needs an amount;
 * - keys: the amounts given for those limits, plus one unit of every call
 *   and resource limit not named; rate limits not named are not taken;
 *   an amount of 0 takes nothing (naming a call or resource limit with 0
 *   keeps it from being taken); unknown keys are ignored with a warning
 *   naming the keys there are;
 * - an amount above a limit's capacity fails at once with
 *   %CONCURRA_ERROR_INVALID_ARGUMENT, as it could never fit.
 *
 * Waiting is event-driven: a waiter sleeps until the earliest moment its
 * request can fit, computed from each limit's algorithm, or until a release
 * makes room; it never wakes periodically. Waiters are served first come,
 * first served for each limit: a request is not served while an earlier
 * waiter wants one of its limits, so a large request is not starved by a
 * stream of small ones, while requests for other limits go on.
 *
 * Each set has its own lock; the same limit in two sets is counted in each.
 * Acquisitions are [class@Concurra.Acquisition]s: update them with what was
 * used, then release them.
 *
 * Since: 1.0
 */

struct _ConcurraLimitSet
{
  GObject           parent_instance;

  GPtrArray        *limits;    /* ConcurraLimit */
  GHashTable       *indices;   /* key -> index + 1 */
  char            **keys;
  ConcurraLimiter  *limiter;
};

enum {
  PROP_0,
  PROP_N_LIMITS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ConcurraLimitSet, concurra_limit_set, G_TYPE_OBJECT)

static void
concurra_limit_set_finalize (GObject *object)
{
  ConcurraLimitSet *self = CONCURRA_LIMIT_SET (object);

  g_clear_pointer (&self->limits, g_ptr_array_unref);
  g_clear_pointer (&self->indices, g_hash_table_unref);
  g_clear_pointer (&self->keys, g_strfreev);
  g_clear_pointer (&self->limiter, concurra_limiter_unref);

  G_OBJECT_CLASS (concurra_limit_set_parent_class)->finalize (object);
}

static void
concurra_limit_set_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ConcurraLimitSet *self = CONCURRA_LIMIT_SET (object);

  switch (prop_id)
    {
    case PROP_N_LIMITS:
      g_value_set_uint (value, self->limits->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void set_limits (ConcurraLimitSet     *self,
                        ConcurraLimit * const *limits,
                        guint                 n_limits);

/* A set made by g_object_new() alone is an empty set. */
static void
concurra_limit_set_constructed (GObject *object)
{
  G_OBJECT_CLASS (concurra_limit_set_parent_class)->constructed (object);
  set_limits (CONCURRA_LIMIT_SET (object), NULL, 0);
}

static void
concurra_limit_set_class_init (ConcurraLimitSetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = concurra_limit_set_constructed;
  object_class->finalize = concurra_limit_set_finalize;
  object_class->get_property = concurra_limit_set_get_property;

  /**
   * ConcurraLimitSet:n-limits:
   *
   * How many limits the set holds.
   *
   * Since: 1.0
   */
  properties[PROP_N_LIMITS] =
    g_param_spec_uint ("n-limits", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
concurra_limit_set_init (ConcurraLimitSet *self)
{
}

static void
set_limits (ConcurraLimitSet     *self,
            ConcurraLimit * const *limits,
            guint                 n_limits)
{
  g_clear_pointer (&self->limits, g_ptr_array_unref);
  g_clear_pointer (&self->indices, g_hash_table_unref);
  g_clear_pointer (&self->keys, g_strfreev);
  g_clear_pointer (&self->limiter, concurra_limiter_unref);

  self->limits = g_ptr_array_new_full (n_limits, g_object_unref);
  self->indices = g_hash_table_new (g_str_hash, g_str_equal);
  self->keys = g_new0 (char *, n_limits + 1);
  for (guint i = 0; i < n_limits; i++)
    {
      g_ptr_array_add (self->limits, g_object_ref (limits[i]));
      self->keys[i] = g_strdup (concurra_limit_get_key (limits[i]));
      g_hash_table_insert (self->indices, self->keys[i], GUINT_TO_POINTER (i + 1));
    }
  self->limiter = concurra_limiter_new (limits, n_limits);
}

static gboolean
check_limits (ConcurraLimit * const  *limits,
              guint                   n_limits,
              GError                **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < n_limits; i++)
    {
      const char *key = concurra_limit_get_key (limits[i]);

      if (key == NULL || concurra_limit_get_capacity (limits[i]) == 0)
        {
          g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                       "Limit %u was not made by a ConcurraLimit constructor", i);
          return FALSE;
        }
      if (!g_hash_table_add (seen, (gpointer) key))
        {
          g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                       "Duplicate limit key '%s' in the LimitSet", key);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * concurra_limit_set_new:
 * @limits: (array length=n_limits) (nullable): the limits; the set counts
 *   them from now on
 * @n_limits: the number of @limits
 * @error: return location for a #GError
 *
 * Creates a set counting @limits. Fails with
 * %CONCURRA_ERROR_INVALID_ARGUMENT, naming the key, when two limits have the
 * same key.
 *
 * Returns: (transfer full): a new set, or %NULL with @error set
 *
 * Since: 1.0
 */
ConcurraLimitSet *
concurra_limit_set_new (ConcurraLimit * const  *limits,
                        guint                   n_limits,
                        GError                **error)
{
  ConcurraLimitSet *self;

  g_return_val_if_fail (limits != NULL || n_limits == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  for (guint i = 0; i < n_limits; i++)
    g_return_val_if_fail (CONCURRA_IS_LIMIT (limits[i]), NULL);

  if (!check_limits (limits, n_limits, error))
    return NULL;
  self = g_object_new (CONCURRA_TYPE_LIMIT_SET, NULL);
  set_limits (self, limits, n_limits);
  return self;
}

/**
 * concurra_limit_set_get_n_limits:
 * @set: a limit set
 *
 * Gets how many limits the set holds.
 *
 * Returns: the number of limits
 *
 * Since: 1.0
 */
guint
concurra_limit_set_get_n_limits (ConcurraLimitSet *set)
{
  g_return_val_if_fail (CONCURRA_IS_LIMIT_SET (set), 0);
  return set->limits->len;
}

static int
index_of (ConcurraLimitSet *self,
          const char       *key)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (self->indices, key)) - 1;
}

/**
 * concurra_limit_set_get_limit:
 * @set: a limit set
 * @key: a key
 *
 * Gets the limit of @key (Concurry's `limit_set[key]`).
 *
 * Returns: (transfer none) (nullable): the limit, or %NULL if the set has
 *   no limit of that key
 *
 * Since: 1.0
 */
ConcurraLimit *
concurra_limit_set_get_limit (ConcurraLimitSet *set,
                              const char       *key)
{
  int index;

  g_return_val_if_fail (CONCURRA_IS_LIMIT_SET (set), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  index = index_of (set, key);
  return index >= 0 ? g_ptr_array_index (set->limits, index) : NULL;
}

/**
 * concurra_limit_set_get_keys:
 * @set: a limit set
 *
 * Gets the keys of the set's limits, in the order they were given.
 *
 * Returns: (transfer none) (array zero-terminated=1): the keys
 *
 * Since: 1.0
 */
const char * const *
concurra_limit_set_get_keys (ConcurraLimitSet *set)
{
  g_return_val_if_fail (CONCURRA_IS_LIMIT_SET (set), NULL);
  return (const char * const *) set->keys;
}

/**
 * concurra_limit_set_get_stats:
 * @set: a limit set
 *
 * Gets the state of every limit as a dictionary `a{sv}` from each key to
 * an `a{sv}` with `kind` (`rate`, `call` or `resource`), `capacity` (u),
 * `available` (d: the units that could be taken now), `waiting` (u: the
 * acquisitions waiting for the limit), and `window` (d, seconds) and
 * `algorithm` (s, e.g. `token-bucket`) for rate and call limits or `in-use`
 * (u) for resource limits.
 *
 * Returns: (transfer full): the statistics
 *
 * Since: 1.0
 */
GVariant *
concurra_limit_set_get_stats (ConcurraLimitSet *set)
{
  GVariantBuilder builder;

  g_return_val_if_fail (CONCURRA_IS_LIMIT_SET (set), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < set->limits->len; i++)
    {
      g_autoptr(GVariant) stats = concurra_limiter_dup_stats (set->limiter, i);

      g_variant_builder_add (&builder, "{sv}", set->keys[i], stats);
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static void
warn_unknown_key (ConcurraLimitSet *self,
                  const char       *key)
{
  g_autofree char *available = g_strjoinv (", ", self->keys);

  g_warning ("Unknown limit key '%s' ignored; the LimitSet has: %s", key, available);
}

static gboolean
add_to_request (ConcurraLimitSet      *self,
                ConcurraLimitRequest  *request,
                guint                  index,
                guint                  amount,
                GError               **error)
{
  ConcurraLimit *limit = g_ptr_array_index (self->limits, index);

  if (amount > concurra_limit_get_capacity (limit))
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                   "Requested %u of limit '%s', more than its capacity of %u",
                   amount, self->keys[index], concurra_limit_get_capacity (limit));
      return FALSE;
    }
  /* 0 units take nothing and wait for nothing */
  if (amount == 0)
    return TRUE;
  request->index[request->n] = index;
  request->amount[request->n] = amount;
  request->n++;
  return TRUE;
}

/* What asking for @keys takes, as §8 of Concurry's limits says. */
static ConcurraLimitRequest *
build_request (ConcurraLimitSet    *self,
               const char * const  *keys,
               const guint         *amounts,
               guint                n_keys,
               GError             **error)
{
  g_autoptr(ConcurraLimitRequest) request = concurra_limit_request_new (self->limits->len);
  g_autofree gboolean *named = g_new0 (gboolean, self->limits->len + 1);

  for (guint i = 0; i < n_keys; i++)
    {
      int index = index_of (self, keys[i]);

      if (index < 0)
        {
          warn_unknown_key (self, keys[i]);
          continue;
        }
      if (named[index])
        {
          g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                       "Limit key '%s' is requested twice", keys[i]);
          return NULL;
        }
      named[index] = TRUE;
      if (!add_to_request (self, request, index, amounts[i], error))
        return NULL;
    }
  for (guint i = 0; i < self->limits->len; i++)
    {
      ConcurraLimit *limit = g_ptr_array_index (self->limits, i);

      if (named[i])
        continue;
      if (concurra_limit_get_kind (limit) != CONCURRA_LIMIT_KIND_RATE)
        add_to_request (self, request, i, 1, NULL);
      else if (n_keys == 0)
        {
          g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                       "Must specify requested amount for RateLimit '%s'", self->keys[i]);
          return NULL;
        }
    }
  return g_steal_pointer (&request);
}

static gboolean
check_request_args (const char * const *keys,
                    const guint        *amounts,
                    guint               n_keys)
{
  if (n_keys == 0)
    return TRUE;
  if (keys == NULL || amounts == NULL)
    return FALSE;
  for (guint i = 0; i < n_keys; i++)
    if (keys[i] == NULL)
      return FALSE;
  return TRUE;
}

static void
set_wait_error (ConcurraLimiterResult   result,
                double                  timeout,
                GError                **error)
{
  if (result == CONCURRA_LIMITER_CANCELLED)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  else
    g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT,
                 "The limits could not be acquired within %g seconds", timeout);
}

/**
 * concurra_limit_set_acquire:
 * @set: a limit set
 * @keys: (array length=n_keys) (nullable): the keys of the limits to take
 *   amounts of
 * @amounts: (array length=n_keys) (nullable): how many units of each
 * @n_keys: the number of @keys and of @amounts; 0 to take one unit of
 *   every call and resource limit
 * @timeout: the most seconds to wait; %CONCURRA_TIMEOUT_DEFAULT (or any
 *   negative value) or %CONCURRA_TIMEOUT_INFINITE to wait as long as it
 *   takes; not NaN
 * @cancellable: (nullable): stops waiting when cancelled
 * @error: return location for a #GError
 *
 * Takes units of the set's limits, all or nothing, blocking until they all
 * fit (see [class@Concurra.LimitSet] for what is taken). The thread sleeps
 * until the earliest moment they can fit or until a release makes room;
 * it never wakes periodically. Callable from any thread.
 *
 * Fails with %CONCURRA_ERROR_INVALID_ARGUMENT for an amount above a limit's
 * capacity, a key given twice, or no keys when the set holds a rate limit;
 * with %CONCURRA_ERROR_TIMEOUT after @timeout; with %G_IO_ERROR_CANCELLED
 * when @cancellable is cancelled. Nothing is taken when it fails.
 *
 * Returns: (transfer full): the acquisition, to update and release, or
 *   %NULL with @error set
 *
 * Since: 1.0
 */
ConcurraAcquisition *
concurra_limit_set_acquire (ConcurraLimitSet    *set,
                            const char * const  *keys,
                            const guint         *amounts,
                            guint                n_keys,
                            double               timeout,
                            GCancellable        *cancellable,
                            GError             **error)
{
  g_autoptr(ConcurraLimitRequest) request = NULL;
  ConcurraLimiterResult result;

  g_return_val_if_fail (CONCURRA_IS_LIMIT_SET (set), NULL);
  g_return_val_if_fail (check_request_args (keys, amounts, n_keys), NULL);
  g_return_val_if_fail (concurra_timeout_is_valid (timeout), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((request = build_request (set, keys, amounts, n_keys, error)) == NULL)
    return NULL;
  result = concurra_limiter_take (set->limiter, request, timeout, cancellable);
  if (result != CONCURRA_LIMITER_TAKEN)
    {
      set_wait_error (result, timeout, error);
      return NULL;
    }
  return concurra_acquisition_new (set->limiter, g_steal_pointer (&request), TRUE);
}

/**
 * concurra_limit_set_try_acquire:
 * @set: a limit set
 * @keys: (array length=n_keys) (nullable): the keys of the limits to take
 *   amounts of
 * @amounts: (array length=n_keys) (nullable): how many units of each
 * @n_keys: the number of @keys and of @amounts; 0 to take one unit of
 *   every call and resource limit
 * @error: return location for a #GError
 *
 * Takes units of the set's limits like [method@Concurra.LimitSet.acquire]
 * if they all fit now, and never waits. When they do not fit, or when an
 * acquisition waiting for one of the limits came first, nothing is taken
 * and the acquisition returned is not successful
 * ([method@Concurra.Acquisition.is_successful]).
 *
 * Fails with %CONCURRA_ERROR_INVALID_ARGUMENT like
 * [method@Concurra.LimitSet.acquire].
 *
 * Returns: (transfer full): the acquisition, successful or not, or %NULL
 *   with @error set
 *
 * Since: 1.0
 */
ConcurraAcquisition *
concurra_limit_set_try_acquire (ConcurraLimitSet    *set,
                                const char * const  *keys,
                                const guint         *amounts,
                                guint                n_keys,
                                GError             **error)
{
  ConcurraLimitRequest *request;
  gboolean taken;

  g_return_val_if_fail (CONCURRA_IS_LIMIT_SET (set), NULL);
  g_return_val_if_fail (check_request_args (keys, amounts, n_keys), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((request = build_request (set, keys, amounts, n_keys, error)) == NULL)
    return NULL;
  taken = concurra_limiter_try_take (set->limiter, request);
  return concurra_acquisition_new (set->limiter, request, taken);
}

typedef struct
{
  ConcurraLimitRequest *request;
  double                timeout;
} AcquireOp;

static void
acquire_op_free (AcquireOp *op)
{
  concurra_limit_request_free (op->request);
  g_free (op);
}

static void
acquire_taken (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConcurraLimitSet *self = g_task_get_source_object (task);
  AcquireOp *op = g_task_get_task_data (task);
  ConcurraLimiterResult taken = concurra_limiter_take_finish (result);
  GError *error = NULL;

  if (taken != CONCURRA_LIMITER_TAKEN)
    {
      set_wait_error (taken, op->timeout, &error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task,
                         concurra_acquisition_new (self->limiter,
                                                   g_steal_pointer (&op->request), TRUE),
                         g_object_unref);
}

/**
 * concurra_limit_set_acquire_async:
 * @set: a limit set
 * @keys: (array length=n_keys) (nullable): the keys of the limits to take
 *   amounts of
 * @amounts: (array length=n_keys) (nullable): how many units of each
 * @n_keys: the number of @keys and of @amounts; 0 to take one unit of
 *   every call and resource limit
 * @timeout: the most seconds to wait; %CONCURRA_TIMEOUT_DEFAULT (or any
 *   negative value) or %CONCURRA_TIMEOUT_INFINITE to wait as long as it
 *   takes; not NaN
 * @cancellable: (nullable): stops waiting when cancelled
 * @callback: (scope async): called on the thread-default main context of the
 *   calling thread
 * @user_data: data for @callback
 *
 * Takes units of the set's limits like [method@Concurra.LimitSet.acquire]
 * without blocking. While it waits, the operation costs one timer on the
 * main context, set to the earliest moment the units can fit and moved when
 * a release makes room sooner; it never wakes periodically. It waits in the
 * same queue as blocking acquisitions.
 *
 * Since: 1.0
 */
void
concurra_limit_set_acquire_async (ConcurraLimitSet    *set,
                                  const char * const  *keys,
                                  const guint         *amounts,
                                  guint                n_keys,
                                  double               timeout,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;
  AcquireOp *op;
  GError *error = NULL;

  g_return_if_fail (CONCURRA_IS_LIMIT_SET (set));
  g_return_if_fail (check_request_args (keys, amounts, n_keys));
  g_return_if_fail (concurra_timeout_is_valid (timeout));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (set, cancellable, callback, user_data);
  g_task_set_source_tag (task, concurra_limit_set_acquire_async);
  g_task_set_check_cancellable (task, FALSE);
  op = g_new0 (AcquireOp, 1);
  op->timeout = timeout;
  g_task_set_task_data (task, op, (GDestroyNotify) acquire_op_free);
  if ((op->request = build_request (set, keys, amounts, n_keys, &error)) == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  concurra_limiter_take_async (set->limiter, op->request, timeout, cancellable,
                               acquire_taken, task);
}

/**
 * concurra_limit_set_acquire_finish:
 * @set: a limit set
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Concurra.LimitSet.acquire_async].
 *
 * Returns: (transfer full): the acquisition, to update and release, or
 *   %NULL with @error set
 *
 * Since: 1.0
 */
ConcurraAcquisition *
concurra_limit_set_acquire_finish (ConcurraLimitSet  *set,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, set), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
