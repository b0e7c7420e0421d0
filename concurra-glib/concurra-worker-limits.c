/* concurra-worker-limits.c: the limits of a ConcurraWorker served to its
 * process lanes. A function running in a lane's worker process asks for
 * units (concurra_worker_acquire_limits()) and gives them back
 * (concurra_worker_release_limits()) over the worker's own channel; the
 * parent takes them from the worker's ConcurraLimitSet on its owner context
 * and keeps them, per lane, for the call that asked.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-worker-lane-private.h"

#include <math.h>

/* An acquisition a lane's process waits for. */
typedef struct
{
  ConcurraLaneLimits   *lane;          /* NULL once the call ended */
  ConcurraServiceReply *reply;
} PendingAcquire;

static void
acquired (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  PendingAcquire *pending = data;
  ConcurraLaneLimits *lane = pending->lane;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraAcquisition) acquisition = NULL;

  acquisition = concurra_limit_set_acquire_finish (CONCURRA_LIMIT_SET (source), result, &error);
  if (lane == NULL)
    /* the call ended meanwhile: what it got goes back at once */
    concurra_service_reply (pending->reply, NULL, error ? error : NULL);
  else
    {
      lane->pending = g_list_remove (lane->pending, pending);
      if (acquisition == NULL)
        concurra_service_reply (pending->reply, NULL, error);
      else
        {
          guint64 id = ++lane->last;

          if (lane->acquisitions == NULL)
            lane->acquisitions = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                        g_free, g_object_unref);
          g_hash_table_insert (lane->acquisitions, g_memdup2 (&id, sizeof id),
                               g_steal_pointer (&acquisition));
          concurra_service_reply (pending->reply, g_variant_new ("(t)", id), NULL);
        }
    }
  g_free (pending);
}

static gboolean
release_limits (ConcurraLaneLimits   *lane,
                GVariant            *args,
                GError             **error)
{
  g_autoptr(GVariantIter) usage = NULL;
  ConcurraAcquisition *acquisition;
  const char *key;
  guint64 id;
  guint used;
  gboolean ok = TRUE;

  g_variant_get (args, "(ta{su})", &id, &usage);
  acquisition = lane->acquisitions ? g_hash_table_lookup (lane->acquisitions, &id) : NULL;
  if (acquisition == NULL)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                   "No acquisition %" G_GUINT64_FORMAT " of limits is held by this call", id);
      return FALSE;
    }
  while (ok && g_variant_iter_next (usage, "{&su}", &key, &used))
    ok = concurra_acquisition_update (acquisition, key, used, error);
  if (ok)
    ok = concurra_acquisition_release (acquisition, error);
  g_hash_table_remove (lane->acquisitions, &id);
  return ok;
}

/* On the owner context: a request of a lane's process while it runs a
 * call. Limits are the worker's; their waits hold no thread. */
void
concurra_lane_limits_serve (ConcurraLaneLimits   *lane,
                            ConcurraWorkerCore   *core,
                            const char           *name,
                            GVariant             *args,
                            GCancellable         *cancellable,
                            ConcurraServiceReply *reply)
{
  g_autoptr(ConcurraLimitSet) limits = NULL;
  g_autoptr(GError) error = NULL;

  g_mutex_lock (&core->lock);
  limits = core->limits ? g_object_ref (core->limits) : NULL;
  g_mutex_unlock (&core->lock);

  if (limits == NULL)
    g_set_error (&error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                 "The worker has no limits to take from: set its \"limits\" property");
  else if (g_str_equal (name, "concurra.limits.acquire") &&
           g_variant_is_of_type (args, G_VARIANT_TYPE ("(asaud)")))
    {
      g_autoptr(GVariant) key_list = g_variant_get_child_value (args, 0);
      g_autoptr(GVariant) amounts = g_variant_get_child_value (args, 1);
      g_autofree const char **keys = g_variant_get_strv (key_list, NULL);
      gsize n_keys = g_variant_n_children (key_list), n_amounts;
      double timeout;

      g_variant_get_child (args, 2, "d", &timeout);
      /* from another process: checked before the set's own checks */
      if (n_keys != g_variant_n_children (amounts) || isnan (timeout))
        g_set_error (&error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                     "An acquisition of limits gave %" G_GSIZE_FORMAT " keys, %" G_GSIZE_FORMAT
                     " amounts and a timeout of %g", n_keys, g_variant_n_children (amounts), timeout);
      else
        {
          PendingAcquire *pending = g_new0 (PendingAcquire, 1);

          pending->lane = lane;
          pending->reply = reply;
          lane->pending = g_list_prepend (lane->pending, pending);
          concurra_limit_set_acquire_async (limits, keys,
                                            g_variant_get_fixed_array (amounts, &n_amounts, sizeof (guint32)),
                                            (guint) n_keys, timeout, cancellable, acquired, pending);
          return;
        }
    }
  else if (g_str_equal (name, "concurra.limits.release") &&
           g_variant_is_of_type (args, G_VARIANT_TYPE ("(ta{su})")))
    {
      if (release_limits (lane, args, &error))
        {
          concurra_service_reply (reply, NULL, NULL);
          return;
        }
    }
  else
    g_set_error (&error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                 "Unknown request '%s' from a worker process", name);
  concurra_service_reply (reply, NULL, error);
}

/* The call of a process lane ended: what it still holds goes back (as
 * fully used), and what it waits for will go back when it comes. */
void
concurra_lane_limits_end (ConcurraLaneLimits *lane)
{
  for (GList *l = lane->pending; l != NULL; l = l->next)
    ((PendingAcquire *) l->data)->lane = NULL;
  g_clear_pointer (&lane->pending, g_list_free);
  if (lane->acquisitions != NULL)
    g_hash_table_remove_all (lane->acquisitions);
}


/* The lane ends: as at the end of a call, then nothing is kept. */
void
concurra_lane_limits_clear (ConcurraLaneLimits *lane)
{
  concurra_lane_limits_end (lane);
  g_clear_pointer (&lane->acquisitions, g_hash_table_unref);
}
