/* concurra-acquisition.c: ConcurraAcquisition, units taken from a
 * ConcurraLimitSet, reported on and given back.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-acquisition-private.h"
#include "concurra-error.h"

/**
 * ConcurraAcquisition:
 *
 * Units taken at once from the limits of a [class@Concurra.LimitSet] by
 * [method@Concurra.LimitSet.acquire] and its siblings (Concurry's
 * `LimitSetAcquisition`).
 *
 * While it lasts, its resource units are held. Report what was really used
 * of each rate limit with [method@Concurra.Acquisition.update], then give
 * everything back with [method@Concurra.Acquisition.release]: resource
 * units return, and unused rate units are refunded when the limit's
 * algorithm allows it (token bucket and GCRA). Releasing checks that every
 * rate limit taken, and a call limit taken with more than 1, was updated.
 *
 * An acquisition dropped without being released is released then, its
 * rate limits counted as fully used. It may be updated and released from
 * any thread, not only the one that acquired it.
 *
 * An acquisition made by [method@Concurra.LimitSet.try_acquire] that did
 * not fit holds nothing: [method@Concurra.Acquisition.is_successful] is
 * %FALSE, and updating and releasing it do nothing.
 *
 * Since: 1.0
 */

/* what update() was told; G_MAXUINT: nothing */
#define NOT_UPDATED G_MAXUINT

struct _ConcurraAcquisition
{
  GObject               parent_instance;

  ConcurraLimiter      *limiter;
  ConcurraLimitRequest *request;
  gboolean              successful;
  GMutex                lock;
  guint                *used;       /* lock */
  gboolean              released;   /* lock */
};

enum {
  PROP_0,
  PROP_SUCCESSFUL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ConcurraAcquisition, concurra_acquisition, G_TYPE_OBJECT)

static void
concurra_acquisition_dispose (GObject *object)
{
  ConcurraAcquisition *self = CONCURRA_ACQUISITION (object);

  /* dropped without release: give everything back, counted as used */
  if (!concurra_acquisition_is_released (self))
    concurra_acquisition_release (self, NULL);

  G_OBJECT_CLASS (concurra_acquisition_parent_class)->dispose (object);
}

static void
concurra_acquisition_finalize (GObject *object)
{
  ConcurraAcquisition *self = CONCURRA_ACQUISITION (object);

  g_clear_pointer (&self->limiter, concurra_limiter_unref);
  g_clear_pointer (&self->request, concurra_limit_request_free);
  g_free (self->used);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (concurra_acquisition_parent_class)->finalize (object);
}

static void
concurra_acquisition_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ConcurraAcquisition *self = CONCURRA_ACQUISITION (object);

  switch (prop_id)
    {
    case PROP_SUCCESSFUL:
      g_value_set_boolean (value, self->successful);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concurra_acquisition_class_init (ConcurraAcquisitionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concurra_acquisition_dispose;
  object_class->finalize = concurra_acquisition_finalize;
  object_class->get_property = concurra_acquisition_get_property;

  /**
   * ConcurraAcquisition:successful:
   *
   * Whether the units were taken; %FALSE only for an acquisition of
   * [method@Concurra.LimitSet.try_acquire] that did not fit.
   *
   * Since: 1.0
   */
  properties[PROP_SUCCESSFUL] =
    g_param_spec_boolean ("successful", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
concurra_acquisition_init (ConcurraAcquisition *self)
{
  g_mutex_init (&self->lock);
}

/* An acquisition made with g_object_new() holds nothing, like one that did
 * not fit. */
ConcurraAcquisition *
concurra_acquisition_new (ConcurraLimiter      *limiter,
                          ConcurraLimitRequest *request,
                          gboolean              successful)
{
  ConcurraAcquisition *self = g_object_new (CONCURRA_TYPE_ACQUISITION, NULL);

  self->limiter = concurra_limiter_ref (limiter);
  self->request = request;
  self->successful = successful;
  self->used = g_new (guint, MAX (request->n, 1));
  for (guint i = 0; i < request->n; i++)
    self->used[i] = NOT_UPDATED;
  return self;
}

/* Where @key is in the request, or -1. */
static int
find_key (ConcurraAcquisition *self,
          const char          *key)
{
  for (guint i = 0; self->request != NULL && i < self->request->n; i++)
    if (g_str_equal (concurra_limiter_get_key (self->limiter, self->request->index[i]), key))
      return i;
  return -1;
}

/**
 * concurra_acquisition_is_successful:
 * @acquisition: an acquisition
 *
 * Gets whether the units were taken.
 *
 * Returns: %FALSE only for an acquisition of
 *   [method@Concurra.LimitSet.try_acquire] that did not fit
 *
 * Since: 1.0
 */
gboolean
concurra_acquisition_is_successful (ConcurraAcquisition *acquisition)
{
  g_return_val_if_fail (CONCURRA_IS_ACQUISITION (acquisition), FALSE);
  return acquisition->successful;
}

/**
 * concurra_acquisition_is_released:
 * @acquisition: an acquisition
 *
 * Gets whether [method@Concurra.Acquisition.release] was called.
 *
 * Returns: whether the acquisition was released
 *
 * Since: 1.0
 */
gboolean
concurra_acquisition_is_released (ConcurraAcquisition *acquisition)
{
  gboolean released;

  g_return_val_if_fail (CONCURRA_IS_ACQUISITION (acquisition), FALSE);

  g_mutex_lock (&acquisition->lock);
  released = acquisition->released;
  g_mutex_unlock (&acquisition->lock);
  return released;
}

/**
 * concurra_acquisition_get_time:
 * @acquisition: an acquisition
 *
 * Gets when the units were taken, on the clock of g_get_monotonic_time():
 * the moment the limits counted them, which can be a little before the
 * acquiring call returned.
 *
 * Returns: the time in microseconds, or 0 for an acquisition that did not
 *   succeed
 *
 * Since: 1.0
 */
gint64
concurra_acquisition_get_time (ConcurraAcquisition *acquisition)
{
  g_return_val_if_fail (CONCURRA_IS_ACQUISITION (acquisition), 0);

  if (!acquisition->successful || acquisition->request == NULL)
    return 0;
  return acquisition->request->time;
}

/**
 * concurra_acquisition_get_amount:
 * @acquisition: an acquisition
 * @key: the key of a limit
 *
 * Gets how many units of the limit @key the acquisition took: the amount
 * asked for, or 1 for a call or resource limit taken without being named.
 *
 * Returns: the units taken, 0 when the acquisition took none of @key or did
 *   not succeed
 *
 * Since: 1.0
 */
guint
concurra_acquisition_get_amount (ConcurraAcquisition *acquisition,
                                 const char          *key)
{
  int i;

  g_return_val_if_fail (CONCURRA_IS_ACQUISITION (acquisition), 0);
  g_return_val_if_fail (key != NULL, 0);

  if (!acquisition->successful || (i = find_key (acquisition, key)) < 0)
    return 0;
  return acquisition->request->amount[i];
}

/**
 * concurra_acquisition_update:
 * @acquisition: an acquisition
 * @key: the key of a limit the acquisition took
 * @used: how many of its units were really used
 * @error: return location for a #GError
 *
 * Reports how much of the limit @key was really used, for example the
 * tokens a language model call really consumed. On release, the units not
 * used are refunded when the limit's algorithm allows it. Updating again
 * replaces the figure.
 *
 * A key the acquisition did not take is ignored with a warning, and so is
 * a figure above what was taken (it counts as all used). Fails with
 * %CONCURRA_ERROR_FAILED after [method@Concurra.Acquisition.release].
 * Does nothing for an acquisition that did not succeed.
 *
 * Returns: %TRUE, or %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
concurra_acquisition_update (ConcurraAcquisition  *acquisition,
                             const char           *key,
                             guint                 used,
                             GError              **error)
{
  int i;

  g_return_val_if_fail (CONCURRA_IS_ACQUISITION (acquisition), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&acquisition->lock);
  if (acquisition->released)
    {
      g_mutex_unlock (&acquisition->lock);
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_FAILED,
                   "Cannot update limit '%s': the acquisition was already released", key);
      return FALSE;
    }
  if (!acquisition->successful)
    ;
  else if ((i = find_key (acquisition, key)) < 0)
    g_warning ("Limit '%s' was not acquired; its update is ignored", key);
  else
    {
      if (used > acquisition->request->amount[i])
        g_warning ("Limit '%s': %u used, more than the %u acquired",
                   key, used, acquisition->request->amount[i]);
      acquisition->used[i] = MIN (used, acquisition->request->amount[i]);
    }
  g_mutex_unlock (&acquisition->lock);
  return TRUE;
}

/* The keys of the limits that must be updated and were not, or NULL. */
static char *
missing_updates (ConcurraAcquisition *self)
{
  g_autoptr(GString) missing = NULL;

  for (guint i = 0; i < self->request->n; i++)
    {
      ConcurraLimitKind kind = concurra_limiter_get_kind (self->limiter, self->request->index[i]);

      if (self->used[i] != NOT_UPDATED || kind == CONCURRA_LIMIT_KIND_RESOURCE ||
          (kind == CONCURRA_LIMIT_KIND_CALL && self->request->amount[i] <= 1))
        continue;
      if (missing == NULL)
        missing = g_string_new (NULL);
      else
        g_string_append (missing, ", ");
      g_string_append_printf (missing, "'%s'",
                              concurra_limiter_get_key (self->limiter, self->request->index[i]));
    }
  return missing != NULL ? g_string_free (g_steal_pointer (&missing), FALSE) : NULL;
}

/**
 * concurra_acquisition_release:
 * @acquisition: an acquisition
 * @error: return location for a #GError
 *
 * Gives the units back: resource units return to their limits at once, and
 * the units of rate and call limits that [method@Concurra.Acquisition.update]
 * said were not used are refunded when the limit's algorithm allows it.
 * Waiters that now fit are served.
 *
 * Everything is given back even when it fails: with %CONCURRA_ERROR_FAILED
 * ("Not all limits in the LimitSet were updated", naming them) when a rate
 * limit, or a call limit taken with more than 1, was not updated (they
 * count as fully used), or when the acquisition was already released.
 *
 * Returns: %TRUE, or %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
concurra_acquisition_release (ConcurraAcquisition  *acquisition,
                              GError              **error)
{
  g_autofree char *missing = NULL;

  g_return_val_if_fail (CONCURRA_IS_ACQUISITION (acquisition), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&acquisition->lock);
  if (acquisition->released)
    {
      g_mutex_unlock (&acquisition->lock);
      g_set_error_literal (error, CONCURRA_ERROR, CONCURRA_ERROR_FAILED,
                           "The acquisition was already released");
      return FALSE;
    }
  acquisition->released = TRUE;
  if (acquisition->successful && acquisition->request != NULL)
    {
      missing = missing_updates (acquisition);
      concurra_limiter_give_back (acquisition->limiter, acquisition->request, acquisition->used);
    }
  g_mutex_unlock (&acquisition->lock);

  if (missing != NULL)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_FAILED,
                   "Not all limits in the LimitSet were updated: %s", missing);
      return FALSE;
    }
  return TRUE;
}
