/* concurra-limit.c: ConcurraLimit, the definition of one rate, call or
 * resource limit — plain data; the state lives in a ConcurraLimitSet.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>

#include "concurra-enum-types.h"
#include "concurra-error.h"
#include "concurra-limit.h"

/* a window's microseconds must fit a gint64 with room to add to a clock */
#define MAX_WINDOW_SECONDS (1e9)

/**
 * ConcurraLimit:
 *
 * The definition of one limit (Concurry's `RateLimit`, `CallLimit` and
 * `ResourceLimit`): what it counts, its capacity and, for a rate, its window
 * and algorithm.
 *
 * A limit is immutable data: it counts nothing by itself. Limits are put
 * together in a [class@Concurra.LimitSet], which keeps their state and hands
 * out acquisitions; the same limit given to two sets is counted twice, once
 * in each.
 *
 * - [ctor@Concurra.Limit.new_rate]: at most `capacity` units per `window`
 *   seconds; whoever acquires units must report what was really used.
 * - [ctor@Concurra.Limit.new_call]: a rate limit of calls, keyed
 *   %CONCURRA_CALL_LIMIT_KEY, taken with 1 unless said otherwise.
 * - [ctor@Concurra.Limit.new_resource]: at most `capacity` units held at
 *   once (a counting semaphore).
 *
 * Since: 1.0
 */

struct _ConcurraLimit
{
  GObject                     parent_instance;

  char                       *key;
  ConcurraLimitKind           kind;
  guint                       capacity;
  double                      window;
  ConcurraRateLimitAlgorithm  algorithm;
};

enum {
  PROP_0,
  PROP_KEY,
  PROP_KIND,
  PROP_CAPACITY,
  PROP_WINDOW,
  PROP_ALGORITHM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ConcurraLimit, concurra_limit, G_TYPE_OBJECT)

static void
concurra_limit_finalize (GObject *object)
{
  ConcurraLimit *self = CONCURRA_LIMIT (object);

  g_free (self->key);

  G_OBJECT_CLASS (concurra_limit_parent_class)->finalize (object);
}

static void
concurra_limit_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ConcurraLimit *self = CONCURRA_LIMIT (object);

  switch (prop_id)
    {
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_CAPACITY:
      g_value_set_uint (value, self->capacity);
      break;
    case PROP_WINDOW:
      g_value_set_double (value, self->window);
      break;
    case PROP_ALGORITHM:
      g_value_set_enum (value, self->algorithm);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concurra_limit_class_init (ConcurraLimitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = concurra_limit_finalize;
  object_class->get_property = concurra_limit_get_property;

  /**
   * ConcurraLimit:key:
   *
   * The name the limit is acquired by; %CONCURRA_CALL_LIMIT_KEY for a call
   * limit. %NULL only for a limit made with g_object_new(), which no limit
   * set accepts.
   *
   * Since: 1.0
   */
  properties[PROP_KEY] =
    g_param_spec_string ("key", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraLimit:kind:
   *
   * What the limit limits.
   *
   * Since: 1.0
   */
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       CONCURRA_TYPE_LIMIT_KIND, CONCURRA_LIMIT_KIND_RESOURCE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraLimit:capacity:
   *
   * How many units fit in one window (rate and call limits) or can be held
   * at once (resource limits).
   *
   * Since: 1.0
   */
  properties[PROP_CAPACITY] =
    g_param_spec_uint ("capacity", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraLimit:window:
   *
   * The window of a rate or call limit, in seconds; 0 for a resource limit.
   *
   * Since: 1.0
   */
  properties[PROP_WINDOW] =
    g_param_spec_double ("window", NULL, NULL, 0, G_MAXDOUBLE, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ConcurraLimit:algorithm:
   *
   * How a rate or call limit counts; meaningless for a resource limit.
   *
   * Since: 1.0
   */
  properties[PROP_ALGORITHM] =
    g_param_spec_enum ("algorithm", NULL, NULL,
                       CONCURRA_TYPE_RATE_LIMIT_ALGORITHM,
                       CONCURRA_RATE_LIMIT_ALGORITHM_TOKEN_BUCKET,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
concurra_limit_init (ConcurraLimit *self)
{
  self->kind = CONCURRA_LIMIT_KIND_RESOURCE;
}

static gboolean
check_key (const char  *key,
           GError     **error)
{
  if (key != NULL && *key != '\0')
    return TRUE;
  g_set_error_literal (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                       "key must not be empty");
  return FALSE;
}

static gboolean
check_capacity (guint    capacity,
                GError **error)
{
  if (capacity > 0)
    return TRUE;
  g_set_error_literal (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                       "capacity must be at least 1");
  return FALSE;
}

static gboolean
check_window (double   window,
              GError **error)
{
  if (window > 0 && window <= MAX_WINDOW_SECONDS)
    return TRUE;
  g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
               "window must be more than 0 and at most %g seconds, got %g",
               MAX_WINDOW_SECONDS, window);
  return FALSE;
}

static gboolean
check_algorithm (ConcurraRateLimitAlgorithm   algorithm,
                 GError                     **error)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (CONCURRA_TYPE_RATE_LIMIT_ALGORITHM);

  if (g_enum_get_value (enum_class, algorithm) != NULL)
    return TRUE;
  g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
               "algorithm %d is not a ConcurraRateLimitAlgorithm", algorithm);
  return FALSE;
}

static ConcurraLimit *
limit_new (const char                 *key,
           ConcurraLimitKind           kind,
           guint                       capacity,
           double                      window,
           ConcurraRateLimitAlgorithm  algorithm)
{
  ConcurraLimit *self = g_object_new (CONCURRA_TYPE_LIMIT, NULL);

  self->key = g_strdup (key);
  self->kind = kind;
  self->capacity = capacity;
  self->window = window;
  self->algorithm = algorithm;
  return self;
}

/**
 * concurra_limit_new_rate:
 * @key: the name the limit is acquired by, not empty
 * @window: the window in seconds, more than 0
 * @capacity: how many units fit in one window, at least 1
 * @algorithm: how the units are counted
 * @error: return location for a #GError
 *
 * Creates a rate limit: at most @capacity units per @window seconds, for
 * example 1000 tokens per minute. Whoever acquires units of a rate limit
 * must report what was really used with [method@Concurra.Acquisition.update]
 * before releasing them; unused units are given back when @algorithm
 * allows (token bucket and GCRA).
 *
 * Fails with %CONCURRA_ERROR_INVALID_ARGUMENT, naming the argument, for an
 * empty key, a capacity of 0 or a window that is not more than 0.
 *
 * Returns: (transfer full): a new limit, or %NULL with @error set
 *
 * Since: 1.0
 */
ConcurraLimit *
concurra_limit_new_rate (const char                  *key,
                         double                       window,
                         guint                        capacity,
                         ConcurraRateLimitAlgorithm   algorithm,
                         GError                     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_key (key, error) || !check_window (window, error) ||
      !check_capacity (capacity, error) || !check_algorithm (algorithm, error))
    return NULL;
  return limit_new (key, CONCURRA_LIMIT_KIND_RATE, capacity, window, algorithm);
}

/**
 * concurra_limit_new_call:
 * @window: the window in seconds, more than 0
 * @capacity: how many calls fit in one window, at least 1
 * @algorithm: how the calls are counted
 * @error: return location for a #GError
 *
 * Creates a call limit: a rate limit of calls whose key is always
 * %CONCURRA_CALL_LIMIT_KEY. Every acquisition from a set holding it takes
 * one call unless it names the key with another amount; an amount of 1
 * needs no update, a larger one must be updated like a rate limit.
 *
 * Fails like [ctor@Concurra.Limit.new_rate].
 *
 * Returns: (transfer full): a new limit, or %NULL with @error set
 *
 * Since: 1.0
 */
ConcurraLimit *
concurra_limit_new_call (double                       window,
                         guint                        capacity,
                         ConcurraRateLimitAlgorithm   algorithm,
                         GError                     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_window (window, error) || !check_capacity (capacity, error) ||
      !check_algorithm (algorithm, error))
    return NULL;
  return limit_new (CONCURRA_CALL_LIMIT_KEY, CONCURRA_LIMIT_KIND_CALL, capacity, window, algorithm);
}

/**
 * concurra_limit_new_resource:
 * @key: the name the limit is acquired by, not empty
 * @capacity: how many units can be held at once, at least 1
 * @error: return location for a #GError
 *
 * Creates a resource limit: a counting semaphore, for example at most 10
 * open connections. Units are held while an acquisition lasts and given
 * back when it is released; every acquisition from a set holding it takes
 * one unit unless it names the key with another amount.
 *
 * Fails with %CONCURRA_ERROR_INVALID_ARGUMENT for an empty key or a
 * capacity of 0.
 *
 * Returns: (transfer full): a new limit, or %NULL with @error set
 *
 * Since: 1.0
 */
ConcurraLimit *
concurra_limit_new_resource (const char  *key,
                             guint        capacity,
                             GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_key (key, error) || !check_capacity (capacity, error))
    return NULL;
  return limit_new (key, CONCURRA_LIMIT_KIND_RESOURCE, capacity, 0,
                    CONCURRA_RATE_LIMIT_ALGORITHM_TOKEN_BUCKET);
}

/**
 * concurra_limit_get_key:
 * @limit: a limit
 *
 * Gets the name the limit is acquired by.
 *
 * Returns: (nullable): the key; %NULL only for a limit made with
 *   g_object_new()
 *
 * Since: 1.0
 */
const char *
concurra_limit_get_key (ConcurraLimit *limit)
{
  g_return_val_if_fail (CONCURRA_IS_LIMIT (limit), NULL);
  return limit->key;
}

/**
 * concurra_limit_get_kind:
 * @limit: a limit
 *
 * Gets what the limit limits.
 *
 * Returns: the kind of limit
 *
 * Since: 1.0
 */
ConcurraLimitKind
concurra_limit_get_kind (ConcurraLimit *limit)
{
  g_return_val_if_fail (CONCURRA_IS_LIMIT (limit), CONCURRA_LIMIT_KIND_RESOURCE);
  return limit->kind;
}

/**
 * concurra_limit_get_capacity:
 * @limit: a limit
 *
 * Gets how many units fit in one window, or can be held at once.
 *
 * Returns: the capacity
 *
 * Since: 1.0
 */
guint
concurra_limit_get_capacity (ConcurraLimit *limit)
{
  g_return_val_if_fail (CONCURRA_IS_LIMIT (limit), 0);
  return limit->capacity;
}

/**
 * concurra_limit_get_window:
 * @limit: a limit
 *
 * Gets the window of a rate or call limit.
 *
 * Returns: the window in seconds, 0 for a resource limit
 *
 * Since: 1.0
 */
double
concurra_limit_get_window (ConcurraLimit *limit)
{
  g_return_val_if_fail (CONCURRA_IS_LIMIT (limit), 0);
  return limit->window;
}

/**
 * concurra_limit_get_algorithm:
 * @limit: a limit
 *
 * Gets how a rate or call limit counts.
 *
 * Returns: the algorithm
 *
 * Since: 1.0
 */
ConcurraRateLimitAlgorithm
concurra_limit_get_algorithm (ConcurraLimit *limit)
{
  g_return_val_if_fail (CONCURRA_IS_LIMIT (limit), CONCURRA_RATE_LIMIT_ALGORITHM_TOKEN_BUCKET);
  return limit->algorithm;
}
