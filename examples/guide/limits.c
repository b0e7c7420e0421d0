/* limits.c: two connections, 5 calls per half second and a budget of
 * tokens, shared by four threads; each call takes all three at once and
 * gives back the tokens it did not use.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

static ConcurraLimitSet *limits;
static gint tokens_used;

static gpointer
worker (gpointer data)
{
  const char *keys[] = { "tokens" };
  guint amounts[] = { 100 };

  for (int i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      /* one connection and one call are taken too: every call and resource
       * limit not named is taken with 1 */
      g_autoptr(ConcurraAcquisition) acquisition =
        concurra_limit_set_acquire (limits, keys, amounts, 1, -1, NULL, &error);

      g_assert_no_error (error);
      /* ... call the service; it says it used 40 tokens ... */
      g_atomic_int_add (&tokens_used, 40);
      concurra_acquisition_update (acquisition, "tokens", 40, &error);
      /* the 60 tokens not used go back to the bucket */
      concurra_acquisition_release (acquisition, &error);
      g_assert_no_error (error);
    }
  return NULL;
}

int
main (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraLimit) connections =
    concurra_limit_new_resource ("connections", 2, &error);
  g_autoptr(ConcurraLimit) calls =
    concurra_limit_new_call (0.5, 5, CONCURRA_RATE_LIMIT_ALGORITHM_SLIDING_WINDOW,
                             &error);
  g_autoptr(ConcurraLimit) tokens =
    concurra_limit_new_rate ("tokens", 60, 1000,
                             CONCURRA_RATE_LIMIT_ALGORITHM_TOKEN_BUCKET, &error);
  ConcurraLimit *all[] = { connections, calls, tokens };
  g_autoptr(ConcurraAcquisition) forgot = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GVariant) token_stats = NULL;
  GThread *threads[4];
  const char *keys[] = { "tokens" };
  guint too_many[] = { 5000 };
  double available;
  gint64 start = g_get_monotonic_time ();

  g_assert_no_error (error);
  limits = concurra_limit_set_new (all, G_N_ELEMENTS (all), &error);
  g_assert_no_error (error);

  for (int i = 0; i < 4; i++)
    threads[i] = g_thread_new ("worker", worker, NULL);
  for (int i = 0; i < 4; i++)
    g_thread_join (threads[i]);
  /* 12 calls at 5 per half second: the last ones waited for the window */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC);
  g_print ("12 calls, %d tokens used\n", tokens_used);

  stats = concurra_limit_set_get_stats (limits);
  token_stats = g_variant_lookup_value (stats, "tokens", NULL);
  g_variant_lookup (token_stats, "available", "d", &available);
  g_assert_cmpfloat (available, >=, 1000 - 12 * 40);
  g_print ("tokens available: about %.0f of 1000\n", available);

  /* a rate limit must be told what was used */
  forgot = concurra_limit_set_acquire (limits, keys, (guint[]) { 10 }, 1, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  if (!concurra_acquisition_release (forgot, &error))
    g_print ("%s\n", error->message);
  g_clear_error (&error);

  /* more than the capacity can never fit: an error at once */
  g_assert_null (concurra_limit_set_acquire (limits, keys, too_many, 1, -1, NULL,
                                             &error));
  g_print ("%s\n", error->message);

  g_object_unref (limits);
  return 0;
}
