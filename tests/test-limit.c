/* test-limit.c: ConcurraLimit, ConcurraLimitSet and ConcurraAcquisition —
 * the rules of Concurry's limits (concurry-workers.md §8), each algorithm,
 * waiting without polling, and many threads sharing a set.
 *
 * Timing checks use windows of a few hundred milliseconds, generous
 * margins and relative comparisons, so a loaded machine does not flake.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <math.h>
#include <sys/resource.h>

#include <concurra.h>

#define TOKEN   CONCURRA_RATE_LIMIT_ALGORITHM_TOKEN_BUCKET
#define LEAKY   CONCURRA_RATE_LIMIT_ALGORITHM_LEAKY_BUCKET
#define SLIDING CONCURRA_RATE_LIMIT_ALGORITHM_SLIDING_WINDOW
#define FIXED   CONCURRA_RATE_LIMIT_ALGORITHM_FIXED_WINDOW
#define GCRA    CONCURRA_RATE_LIMIT_ALGORITHM_GCRA

/* ---- helpers ---- */

static ConcurraLimit *
rate (const char *key,
      double      window,
      guint       capacity,
      ConcurraRateLimitAlgorithm algorithm)
{
  g_autoptr(GError) error = NULL;
  ConcurraLimit *limit = concurra_limit_new_rate (key, window, capacity, algorithm, &error);

  g_assert_no_error (error);
  return limit;
}

static ConcurraLimit *
resource (const char *key,
          guint       capacity)
{
  g_autoptr(GError) error = NULL;
  ConcurraLimit *limit = concurra_limit_new_resource (key, capacity, &error);

  g_assert_no_error (error);
  return limit;
}

static ConcurraLimit *
call (double window,
      guint  capacity)
{
  g_autoptr(GError) error = NULL;
  ConcurraLimit *limit = concurra_limit_new_call (window, capacity, TOKEN, &error);

  g_assert_no_error (error);
  return limit;
}

/* Makes a set of the limits given (a NULL-terminated list, references
 * taken over). */
static ConcurraLimitSet *
set_of (ConcurraLimit *first,
        ...)
{
  g_autoptr(GPtrArray) limits = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  ConcurraLimitSet *set;
  va_list args;

  va_start (args, first);
  for (ConcurraLimit *l = first; l != NULL; l = va_arg (args, ConcurraLimit *))
    g_ptr_array_add (limits, l);
  va_end (args);
  set = concurra_limit_set_new ((ConcurraLimit **) limits->pdata, limits->len, &error);
  g_assert_no_error (error);
  return set;
}

static ConcurraAcquisition *
try_one (ConcurraLimitSet *set,
         const char       *key,
         guint             amount)
{
  g_autoptr(GError) error = NULL;
  const char *keys[] = { key };
  ConcurraAcquisition *acq = concurra_limit_set_try_acquire (set, keys, &amount,
                                                             key ? 1 : 0, &error);

  g_assert_no_error (error);
  return acq;
}

/* Whether @amount of @key fit now; if so they are taken and used up. */
static gboolean
take (ConcurraLimitSet *set,
      const char       *key,
      guint             amount)
{
  g_autoptr(ConcurraAcquisition) acq = try_one (set, key, amount);
  g_autoptr(GError) error = NULL;
  gboolean ok = concurra_acquisition_is_successful (acq);

  if (ok)
    {
      concurra_acquisition_update (acq, key, amount, &error);
      g_assert_no_error (error);
      concurra_acquisition_release (acq, &error);
      g_assert_no_error (error);
    }
  return ok;
}

/* How many single units of @key fit now, taking them all. */
static guint
drain (ConcurraLimitSet *set,
       const char       *key)
{
  guint n = 0;

  while (take (set, key, 1))
    n++;
  return n;
}

static double
stat_double (ConcurraLimitSet *set,
             const char       *key,
             const char       *name)
{
  g_autoptr(GVariant) stats = concurra_limit_set_get_stats (set);
  g_autoptr(GVariant) per_key = g_variant_lookup_value (stats, key, G_VARIANT_TYPE_VARDICT);
  double value = -1;
  guint u;

  g_assert_nonnull (per_key);
  if (!g_variant_lookup (per_key, name, "d", &value) && g_variant_lookup (per_key, name, "u", &u))
    value = u;
  return value;
}

static void
sleep_seconds (double seconds)
{
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
}

static double
now_seconds (void)
{
  return g_get_monotonic_time () / (double) G_USEC_PER_SEC;
}

/* ---- definitions ---- */

static void
test_limit_new (void)
{
  g_autoptr(ConcurraLimit) r = rate ("tokens", 60, 1000, GCRA);
  g_autoptr(ConcurraLimit) c = call (1, 10);
  g_autoptr(ConcurraLimit) s = resource ("connections", 3);
  g_autofree char *key = NULL;
  ConcurraLimitKind kind;
  guint capacity;
  double window;
  ConcurraRateLimitAlgorithm algorithm;

  g_object_get (r, "key", &key, "kind", &kind, "capacity", &capacity,
                "window", &window, "algorithm", &algorithm, NULL);
  g_assert_cmpstr (key, ==, "tokens");
  g_assert_cmpint (kind, ==, CONCURRA_LIMIT_KIND_RATE);
  g_assert_cmpuint (capacity, ==, 1000);
  g_assert_cmpfloat (window, ==, 60);
  g_assert_cmpint (algorithm, ==, GCRA);

  g_assert_cmpstr (concurra_limit_get_key (c), ==, "call_count");
  g_assert_cmpstr (concurra_limit_get_key (c), ==, CONCURRA_CALL_LIMIT_KEY);
  g_assert_cmpint (concurra_limit_get_kind (c), ==, CONCURRA_LIMIT_KIND_CALL);
  g_assert_cmpuint (concurra_limit_get_capacity (c), ==, 10);

  g_assert_cmpint (concurra_limit_get_kind (s), ==, CONCURRA_LIMIT_KIND_RESOURCE);
  g_assert_cmpfloat (concurra_limit_get_window (s), ==, 0);
}

static void
test_limit_bad_arguments (void)
{
  struct { const char *key; double window; guint capacity; const char *names; } cases[] = {
    { "", 1, 1, "key" },
    { NULL, 1, 1, "key" },
    { "k", 0, 1, "window" },
    { "k", -1, 1, "window" },
    { "k", 1, 0, "capacity" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcurraLimit) limit = concurra_limit_new_rate (cases[i].key, cases[i].window,
                                                                cases[i].capacity, TOKEN, &error);

      g_assert_null (limit);
      g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, cases[i].names));
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ConcurraLimit) limit = concurra_limit_new_resource ("k", 0, &error);

    g_assert_null (limit);
    g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "capacity"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ConcurraLimit) limit = concurra_limit_new_call (NAN, 1, TOKEN, &error);

    g_assert_null (limit);
    g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_set_duplicate_keys (void)
{
  g_autoptr(ConcurraLimit) a = resource ("db", 1);
  g_autoptr(ConcurraLimit) b = rate ("db", 1, 5, TOKEN);
  g_autoptr(ConcurraLimit) c = g_object_new (CONCURRA_TYPE_LIMIT, NULL);
  ConcurraLimit *limits[] = { a, b };
  ConcurraLimit *bare[] = { c };
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraLimitSet) set = concurra_limit_set_new (limits, 2, &error);

  g_assert_null (set);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'db'"));
  g_clear_error (&error);

  /* a limit made without a constructor has no key */
  g_assert_null (concurra_limit_set_new (bare, 1, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
}

static void
test_set_lookup (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (rate ("tokens", 1, 10, TOKEN), resource ("db", 2), NULL);
  g_autoptr(ConcurraLimitSet) empty = g_object_new (CONCURRA_TYPE_LIMIT_SET, NULL);
  g_autoptr(ConcurraAcquisition) acq = NULL;
  const char * const *keys = concurra_limit_set_get_keys (set);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (concurra_limit_set_get_n_limits (set), ==, 2);
  g_assert_cmpstr (keys[0], ==, "tokens");
  g_assert_cmpstr (keys[1], ==, "db");
  g_assert_null (keys[2]);
  g_assert_cmpuint (concurra_limit_get_capacity (concurra_limit_set_get_limit (set, "db")), ==, 2);
  g_assert_null (concurra_limit_set_get_limit (set, "nope"));

  /* an empty set gives at once */
  g_assert_cmpuint (concurra_limit_set_get_n_limits (empty), ==, 0);
  acq = concurra_limit_set_acquire (empty, NULL, NULL, 0, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (concurra_acquisition_is_successful (acq));
  g_assert_true (concurra_acquisition_release (acq, &error));
}

/* ---- what is taken ---- */

static void
test_no_keys_takes_calls_and_resources (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (call (10, 5), resource ("db", 2), NULL);
  g_autoptr(ConcurraAcquisition) acq = NULL;
  g_autoptr(GError) error = NULL;

  acq = concurra_limit_set_acquire (set, NULL, NULL, 0, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (concurra_acquisition_get_amount (acq, "call_count"), ==, 1);
  g_assert_cmpuint (concurra_acquisition_get_amount (acq, "db"), ==, 1);
  g_assert_cmpfloat (stat_double (set, "db", "in-use"), ==, 1);
  g_assert_cmpfloat (stat_double (set, "call_count", "available"), <, 4.5);
  /* a call limit taken with 1 needs no update */
  g_assert_true (concurra_acquisition_release (acq, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (stat_double (set, "db", "in-use"), ==, 0);
}

static void
test_no_keys_with_rate_limit_fails (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (rate ("tokens", 1, 10, TOKEN), resource ("db", 2), NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraAcquisition) acq = concurra_limit_set_acquire (set, NULL, NULL, 0, -1, NULL, &error);

  g_assert_null (acq);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "Must specify requested amount for RateLimit"));
  /* and nothing was taken */
  g_assert_cmpfloat (stat_double (set, "db", "in-use"), ==, 0);
  g_clear_error (&error);
  g_assert_null (concurra_limit_set_try_acquire (set, NULL, NULL, 0, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
}

static void
test_keys_add_unnamed_calls_and_resources (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (rate ("tokens", 1, 100, TOKEN),
                                            rate ("bytes", 1, 100, TOKEN),
                                            call (10, 5), resource ("db", 2), NULL);
  const char *keys[] = { "tokens" };
  guint amounts[] = { 30 };
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraAcquisition) acq = concurra_limit_set_acquire (set, keys, amounts, 1, 0, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (concurra_acquisition_get_amount (acq, "tokens"), ==, 30);
  g_assert_cmpuint (concurra_acquisition_get_amount (acq, "call_count"), ==, 1);
  g_assert_cmpuint (concurra_acquisition_get_amount (acq, "db"), ==, 1);
  /* a rate limit not named is not taken */
  g_assert_cmpuint (concurra_acquisition_get_amount (acq, "bytes"), ==, 0);
  g_assert_cmpfloat (stat_double (set, "bytes", "available"), >, 99.5);
  g_assert_true (concurra_acquisition_update (acq, "tokens", 30, &error));
  g_assert_true (concurra_acquisition_release (acq, &error));
  g_assert_no_error (error);
}

static void
test_unknown_key_warns (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ConcurraLimitSet) set = set_of (resource ("db", 2), rate ("tokens", 1, 10, TOKEN), NULL);
      const char *keys[] = { "nope", "tokens", "other" };
      guint amounts[] = { 1, 2, 3 };
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcurraAcquisition) acq = NULL;

      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      acq = concurra_limit_set_acquire (set, keys, amounts, 3, 0, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (concurra_acquisition_get_amount (acq, "tokens"), ==, 2);
      g_assert_cmpuint (concurra_acquisition_get_amount (acq, "db"), ==, 1);
      g_assert_cmpuint (concurra_acquisition_get_amount (acq, "nope"), ==, 0);
      concurra_acquisition_update (acq, "tokens", 2, NULL);
      /* an update of a key not taken and one above the request warn too */
      concurra_acquisition_update (acq, "db2", 1, NULL);
      concurra_acquisition_update (acq, "tokens", 5, NULL);
      g_assert_true (concurra_acquisition_release (acq, &error));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*WARNING*Unknown limit key 'nope'*db, tokens*"
                             "*WARNING*Unknown limit key 'other'*db, tokens*"
                             "*WARNING*'db2' was not acquired*"
                             "*WARNING*'tokens': 5 used, more than the 2 acquired*");
}

static void
test_above_capacity_fails_at_once (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (rate ("tokens", 1, 10, TOKEN), resource ("db", 2), NULL);
  const char *keys[] = { "tokens", "db" };
  guint amounts[] = { 11, 1 };
  g_autoptr(GError) error = NULL;
  double start = now_seconds ();
  g_autoptr(ConcurraAcquisition) acq = concurra_limit_set_acquire (set, keys, amounts, 2, -1, NULL, &error);

  g_assert_null (acq);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'tokens'"));
  g_assert_cmpfloat (now_seconds () - start, <, 1);
  g_clear_error (&error);

  amounts[0] = 1;
  amounts[1] = 3;
  g_assert_null (concurra_limit_set_try_acquire (set, keys, amounts, 2, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'db'"));
  g_assert_cmpfloat (stat_double (set, "tokens", "available"), >, 9.5);
}

/* ---- acquisitions ---- */

static void
test_release_checks_updates (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (rate ("tokens", 10, 100, TOKEN), call (10, 10),
                                            resource ("db", 1), NULL);
  const char *keys[] = { "tokens", "call_count" };
  guint amounts[] = { 10, 3 };
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraAcquisition) acq = NULL;

  /* neither the rate limit nor the call limit taken with 3 was updated */
  acq = concurra_limit_set_acquire (set, keys, amounts, 2, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (concurra_acquisition_release (acq, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "Not all limits in the LimitSet were updated"));
  g_assert_nonnull (strstr (error->message, "'tokens'"));
  g_assert_nonnull (strstr (error->message, "'call_count'"));
  g_clear_error (&error);
  /* everything was given back all the same, and nothing refunded */
  g_assert_cmpfloat (stat_double (set, "db", "in-use"), ==, 0);
  g_assert_cmpfloat (stat_double (set, "tokens", "available"), <, 91);

  /* a second release, and an update after release, fail */
  g_assert_false (concurra_acquisition_release (acq, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (concurra_acquisition_update (acq, "tokens", 1, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_true (concurra_acquisition_is_released (acq));
  g_clear_object (&acq);

  /* updating only the rate limit still misses the call limit */
  acq = concurra_limit_set_acquire (set, keys, amounts, 2, 0, NULL, &error);
  g_assert_true (concurra_acquisition_update (acq, "tokens", 10, &error));
  g_assert_false (concurra_acquisition_release (acq, &error));
  g_assert_nonnull (strstr (error->message, "'call_count'"));
  g_assert_null (strstr (error->message, "'tokens'"));
  g_clear_error (&error);
  g_clear_object (&acq);

  /* both updated: fine */
  acq = concurra_limit_set_acquire (set, keys, amounts, 2, 0, NULL, &error);
  g_assert_true (concurra_acquisition_update (acq, "tokens", 10, &error));
  g_assert_true (concurra_acquisition_update (acq, "call_count", 2, &error));
  g_assert_true (concurra_acquisition_release (acq, &error));
  g_assert_no_error (error);
}

static void
test_dispose_releases (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (resource ("db", 1), NULL);
  ConcurraAcquisition *acq = try_one (set, NULL, 0);

  g_assert_true (concurra_acquisition_is_successful (acq));
  g_assert_cmpfloat (stat_double (set, "db", "in-use"), ==, 1);
  g_object_unref (acq);
  g_assert_cmpfloat (stat_double (set, "db", "in-use"), ==, 0);
}

static void
test_all_or_nothing (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (resource ("a", 2), resource ("b", 1),
                                            rate ("tokens", 10, 10, TOKEN), NULL);
  g_autoptr(ConcurraAcquisition) hold = try_one (set, "b", 1);
  const char *keys[] = { "a", "b", "tokens" };
  guint amounts[] = { 2, 1, 5 };
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraAcquisition) acq = NULL;

  g_assert_true (concurra_acquisition_is_successful (hold));
  acq = concurra_limit_set_try_acquire (set, keys, amounts, 3, &error);
  g_assert_no_error (error);
  g_assert_false (concurra_acquisition_is_successful (acq));
  /* b was one short: nothing of a nor of tokens was taken */
  g_assert_cmpfloat (stat_double (set, "a", "in-use"), ==, 1);  /* hold took one of a */
  g_assert_cmpfloat (stat_double (set, "tokens", "available"), >, 9.5);
  /* a failed acquisition is a harmless no-op */
  g_assert_true (concurra_acquisition_update (acq, "tokens", 5, &error));
  g_assert_true (concurra_acquisition_release (acq, &error));
  g_assert_cmpfloat (stat_double (set, "a", "in-use"), ==, 1);

  /* a timed acquire that cannot fit takes nothing either */
  g_clear_object (&acq);
  acq = concurra_limit_set_acquire (set, keys, amounts, 3, 0.05, NULL, &error);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_assert_cmpfloat (stat_double (set, "a", "in-use"), ==, 1);
  g_assert_cmpfloat (stat_double (set, "tokens", "available"), >, 9.5);
}

static void
test_nested (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (resource ("conn", 1), rate ("tokens", 10, 10, TOKEN), NULL);
  const char *conn[] = { "conn" };
  guint one = 1;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraAcquisition) outer = concurra_limit_set_acquire (set, conn, &one, 1, 0, NULL, &error);
  g_autoptr(ConcurraAcquisition) inner = NULL;

  g_assert_no_error (error);
  /* inside, tokens only: the resource is named with 0, as a resource not
   * named is taken with 1 */
  {
    const char *keys[] = { "tokens", "conn" };
    guint amounts[] = { 4, 0 };

    inner = concurra_limit_set_acquire (set, keys, amounts, 2, 0, NULL, &error);
    g_assert_no_error (error);
  }
  g_assert_true (concurra_acquisition_update (inner, "tokens", 4, &error));
  g_assert_true (concurra_acquisition_release (inner, &error));
  g_assert_true (concurra_acquisition_release (outer, &error));
  g_assert_no_error (error);
}

/* ---- algorithms ---- */

/* Token bucket, GCRA and leaky bucket: a burst of the capacity, then a
 * continuous refill (or drain) of 10 units a second, never above the
 * capacity; token bucket and GCRA refund what was not used. */
static void
test_continuous (gconstpointer data)
{
  ConcurraRateLimitAlgorithm algorithm = GPOINTER_TO_INT (data);
  g_autoptr(ConcurraLimitSet) set = set_of (rate ("r", 0.5, 5, algorithm), NULL);
  g_autoptr(ConcurraAcquisition) acq = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (drain (set, "r"), ==, 5);
  sleep_seconds (0.25);
  g_assert_cmpuint (drain (set, "r"), >=, 1);
  g_assert_cmpuint (drain (set, "r"), ==, 0);
  sleep_seconds (0.7);
  g_assert_cmpuint (drain (set, "r"), ==, 5);
  if (algorithm == LEAKY)
    return;

  sleep_seconds (0.6);
  acq = try_one (set, "r", 5);
  g_assert_true (concurra_acquisition_is_successful (acq));
  g_assert_cmpuint (drain (set, "r"), ==, 0);
  concurra_acquisition_update (acq, "r", 2, &error);
  concurra_acquisition_release (acq, &error);
  g_assert_no_error (error);
  /* the 3 units not used are back at once */
  g_assert_cmpuint (drain (set, "r"), >=, 3);
}

/* The algorithms that do not refund: after using nothing of a full
 * request, still nothing fits. */
static void
test_no_refund (gconstpointer data)
{
  ConcurraRateLimitAlgorithm algorithm = GPOINTER_TO_INT (data);
  g_autoptr(ConcurraLimitSet) set = set_of (rate ("r", 5, 5, algorithm), NULL);
  g_autoptr(ConcurraAcquisition) acq = try_one (set, "r", 5);
  g_autoptr(GError) error = NULL;

  g_assert_true (concurra_acquisition_is_successful (acq));
  concurra_acquisition_update (acq, "r", 0, &error);
  concurra_acquisition_release (acq, &error);
  g_assert_no_error (error);
  g_assert_false (take (set, "r", 1));
}

static void
test_sliding_window (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (rate ("s", 0.6, 4, SLIDING), NULL);
  double start = now_seconds ();

  g_assert_true (take (set, "s", 2));
  sleep_seconds (0.3);
  g_assert_true (take (set, "s", 2));
  /* the exact count of the last window: full until the first two expire */
  g_assert_false (take (set, "s", 1));
  sleep_seconds (MAX (0, start + 0.65 - now_seconds ()));
  /* the first two expired, not the last two */
  if (now_seconds () < start + 0.85)
    {
      g_assert_true (take (set, "s", 2));
      g_assert_false (take (set, "s", 1));
    }
}

static void
test_fixed_window_edge (void)
{
  const double window = 0.4;
  g_autoptr(ConcurraLimitSet) set = set_of (rate ("f", window, 4, FIXED), NULL);
  gint64 window_us = window * G_USEC_PER_SEC;
  gint64 edge = 0, after;

  /* windows are aligned on multiples of the window: spend a window's
   * capacity just before its edge and the next one's just after; on a
   * machine so loaded that the first half lands past the edge, try the
   * next edge */
  for (int attempt = 0; attempt < 5; attempt++)
    {
      gint64 now = g_get_monotonic_time ();

      edge = now - now % window_us + 2 * window_us;
      g_usleep (MAX (0, edge - window_us / 8 - g_get_monotonic_time ()));
      if (drain (set, "f") == 4 && g_get_monotonic_time () < edge)
        break;
      edge = 0;
    }
  if (edge == 0)
    {
      g_test_skip ("the machine is too loaded to hit a window's edge");
      return;
    }
  g_usleep (MAX (0, edge + 1000 - g_get_monotonic_time ()));
  g_assert_cmpuint (drain (set, "f"), ==, 4);
  after = g_get_monotonic_time ();
  /* 8 units within about a quarter of a window, and no more */
  if (after < edge + window_us / 2)
    g_assert_cmpuint (drain (set, "f"), ==, 0);
}

/* ---- waiting ---- */

static void
test_timeout (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (resource ("db", 1), NULL);
  g_autoptr(ConcurraAcquisition) hold = try_one (set, NULL, 0);
  g_autoptr(GError) error = NULL;
  double start = now_seconds ();
  g_autoptr(ConcurraAcquisition) acq = concurra_limit_set_acquire (set, NULL, NULL, 0, 0.2, NULL, &error);

  g_assert_null (acq);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_assert_cmpfloat (now_seconds () - start, >=, 0.19);
  g_assert_cmpfloat (now_seconds () - start, <, 5);
  /* the waiter left the queue */
  g_assert_cmpfloat (stat_double (set, "db", "waiting"), ==, 0);
  g_clear_error (&error);
  /* timeout 0 does not wait */
  g_assert_null (concurra_limit_set_acquire (set, NULL, NULL, 0, 0, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
}

typedef struct
{
  ConcurraLimitSet    *set;
  ConcurraAcquisition *acquisition;
  GCancellable        *cancellable;
  double               delay;
} Later;

static gpointer
release_later (gpointer data)
{
  Later *later = data;

  sleep_seconds (later->delay);
  if (later->acquisition != NULL)
    g_assert_true (concurra_acquisition_release (later->acquisition, NULL));
  if (later->cancellable != NULL)
    g_cancellable_cancel (later->cancellable);
  return NULL;
}

static void
test_cancel (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (resource ("db", 1), NULL);
  g_autoptr(ConcurraAcquisition) hold = try_one (set, NULL, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Later later = { set, NULL, cancellable, 0.1 };
  GThread *thread = g_thread_new ("cancel", release_later, &later);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraAcquisition) acq = concurra_limit_set_acquire (set, NULL, NULL, 0, 30, cancellable, &error);

  g_assert_null (acq);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_thread_join (thread);
  g_clear_error (&error);
  /* cancelled before: fails at once */
  g_assert_null (concurra_limit_set_acquire (set, NULL, NULL, 0, 30, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpfloat (stat_double (set, "db", "waiting"), ==, 0);
}

/* The voluntary context switches of this thread: a thread blocked in a
 * wait counts one each time it wakes. */
static long
thread_wakeups (void)
{
  struct rusage usage;

  getrusage (RUSAGE_THREAD, &usage);
  return usage.ru_nvcsw;
}

static void
test_blocking_wakes_on_release (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (resource ("db", 1), NULL);
  Later later = { set, try_one (set, NULL, 0), NULL, 0.3 };
  GThread *thread = g_thread_new ("release", release_later, &later);
  g_autoptr(GError) error = NULL;
  double start = now_seconds ();
  long before = thread_wakeups ();
  g_autoptr(ConcurraAcquisition) acq = concurra_limit_set_acquire (set, NULL, NULL, 0, -1, NULL, &error);
  long wakeups = thread_wakeups () - before;

  g_assert_no_error (error);
  g_assert_cmpfloat (now_seconds () - start, >=, 0.29);
  g_test_message ("blocking acquire woken by a release: %ld wakeups", wakeups);
  g_assert_cmpint (wakeups, <=, 3);
  g_thread_join (thread);
  g_object_unref (later.acquisition);
}

static void
test_blocking_wakes_when_due (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (rate ("t", 0.5, 1, TOKEN), NULL);
  const char *keys[] = { "t" };
  guint one = 1;
  g_autoptr(GError) error = NULL;
  double start;
  long before, wakeups;
  g_autoptr(ConcurraAcquisition) acq = NULL;

  g_assert_true (take (set, "t", 1));
  start = now_seconds ();
  before = thread_wakeups ();
  acq = concurra_limit_set_acquire (set, keys, &one, 1, -1, NULL, &error);
  wakeups = thread_wakeups () - before;
  g_assert_no_error (error);
  g_assert_cmpfloat (now_seconds () - start, >=, 0.45);
  g_assert_cmpfloat (now_seconds () - start, <, 5);
  g_test_message ("blocking acquire woken when due: %ld wakeups", wakeups);
  g_assert_cmpint (wakeups, <=, 3);
  concurra_acquisition_update (acq, "t", 1, NULL);
}

typedef struct
{
  ConcurraAcquisition *acquisition;
  GError              *error;
  gboolean             done;
} AsyncResult;

static void
acquired (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AsyncResult *r = user_data;

  r->acquisition = concurra_limit_set_acquire_finish (CONCURRA_LIMIT_SET (source), result, &r->error);
  r->done = TRUE;
}

/* Runs an acquire_async on a private context; returns the iterations the
 * context made until it finished (each one a wakeup of this thread). */
static guint
acquire_async_counting (ConcurraLimitSet   *set,
                        const char * const *keys,
                        const guint        *amounts,
                        guint               n_keys,
                        double              timeout,
                        GCancellable       *cancellable,
                        AsyncResult        *r)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  guint iterations = 0;

  g_main_context_push_thread_default (context);
  concurra_limit_set_acquire_async (set, keys, amounts, n_keys, timeout, cancellable, acquired, r);
  g_assert_false (r->done);
  while (!r->done)
    {
      g_main_context_iteration (context, TRUE);
      iterations++;
    }
  g_main_context_pop_thread_default (context);
  return iterations;
}

static void
test_async_wakes_on_release (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (resource ("db", 1), NULL);
  Later later = { set, try_one (set, NULL, 0), NULL, 0.3 };
  GThread *thread = g_thread_new ("release", release_later, &later);
  AsyncResult r = { 0 };
  double start = now_seconds ();
  guint iterations = acquire_async_counting (set, NULL, NULL, 0, -1, NULL, &r);

  g_assert_no_error (r.error);
  g_assert_true (concurra_acquisition_is_successful (r.acquisition));
  g_assert_cmpfloat (now_seconds () - start, >=, 0.29);
  g_test_message ("async acquire woken by a release: %u iterations", iterations);
  g_assert_cmpuint (iterations, <=, 4);
  g_thread_join (thread);
  g_object_unref (later.acquisition);
  g_object_unref (r.acquisition);
}

static void
test_async_wakes_when_due (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (rate ("t", 0.5, 1, GCRA), NULL);
  const char *keys[] = { "t" };
  guint one = 1;
  AsyncResult r = { 0 };
  double start;
  guint iterations;

  g_assert_true (take (set, "t", 1));
  start = now_seconds ();
  iterations = acquire_async_counting (set, keys, &one, 1, -1, NULL, &r);
  g_assert_no_error (r.error);
  g_assert_cmpfloat (now_seconds () - start, >=, 0.45);
  g_assert_cmpfloat (now_seconds () - start, <, 5);
  g_test_message ("async acquire woken when due: %u iterations", iterations);
  g_assert_cmpuint (iterations, <=, 4);
  concurra_acquisition_update (r.acquisition, "t", 1, NULL);
  g_object_unref (r.acquisition);
}

static void
test_async_timeout_and_cancel (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (resource ("db", 1), NULL);
  g_autoptr(ConcurraAcquisition) hold = try_one (set, NULL, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Later later = { set, NULL, cancellable, 0.1 };
  GThread *thread;
  AsyncResult r = { 0 };
  AsyncResult c = { 0 };
  AsyncResult bad = { 0 };
  const char *keys[] = { "db" };
  guint two = 2;
  double start = now_seconds ();

  acquire_async_counting (set, NULL, NULL, 0, 0.2, NULL, &r);
  g_assert_error (r.error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_assert_cmpfloat (now_seconds () - start, >=, 0.19);
  g_clear_error (&r.error);

  thread = g_thread_new ("cancel", release_later, &later);
  acquire_async_counting (set, NULL, NULL, 0, -1, cancellable, &c);
  g_assert_error (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&c.error);
  g_thread_join (thread);

  /* argument errors come through the callback too */
  acquire_async_counting (set, keys, &two, 1, -1, NULL, &bad);
  g_assert_error (bad.error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&bad.error);
  g_assert_cmpfloat (stat_double (set, "db", "waiting"), ==, 0);
}

/* A refund makes room before the next token is due: the waiter is served
 * then, not at its due time. */
static void
test_refund_wakes (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (rate ("t", 10, 5, TOKEN), NULL);
  g_autoptr(ConcurraAcquisition) all = try_one (set, "t", 5);
  const char *keys[] = { "t" };
  guint three = 3;
  Later later = { set, all, NULL, 0.2 };
  GThread *thread;
  AsyncResult r = { 0 };
  double start = now_seconds ();
  guint iterations;

  /* 3 tokens would take 6 s to come back; the holder uses only 1 of 5 */
  concurra_acquisition_update (all, "t", 1, NULL);
  thread = g_thread_new ("refund", release_later, &later);
  iterations = acquire_async_counting (set, keys, &three, 1, -1, NULL, &r);
  g_assert_no_error (r.error);
  g_assert_cmpfloat (now_seconds () - start, <, 3);
  g_assert_cmpuint (iterations, <=, 4);
  concurra_acquisition_update (r.acquisition, "t", 3, NULL);
  g_object_unref (r.acquisition);
  g_thread_join (thread);
}

/* A large request is not starved by small ones: once it waits, later
 * requests for the same limit queue behind it. */
static void
test_fairness (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (resource ("db", 4), resource ("other", 1), NULL);
  const char *keys[] = { "db", "other" };
  guint big[] = { 4, 0 };
  guint small[] = { 1, 0 };
  g_autoptr(ConcurraAcquisition) a = concurra_limit_set_try_acquire (set, keys, small, 2, NULL);
  g_autoptr(ConcurraAcquisition) b = concurra_limit_set_try_acquire (set, keys, small, 2, NULL);
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ConcurraAcquisition) late = NULL;
  g_autoptr(ConcurraAcquisition) other = NULL;
  AsyncResult r = { 0 };

  g_main_context_push_thread_default (context);
  concurra_limit_set_acquire_async (set, keys, big, 2, -1, NULL, acquired, &r);
  g_main_context_iteration (context, FALSE);
  g_assert_false (r.done);
  /* two units are free, but the big request came first */
  late = concurra_limit_set_try_acquire (set, keys, small, 2, NULL);
  g_assert_false (concurra_acquisition_is_successful (late));
  /* other limits are not held back */
  {
    const char *other_keys[] = { "other", "db" };
    guint other_amounts[] = { 1, 0 };

    other = concurra_limit_set_try_acquire (set, other_keys, other_amounts, 2, NULL);
  }
  g_assert_true (concurra_acquisition_is_successful (other));
  concurra_acquisition_release (a, NULL);
  g_main_context_iteration (context, FALSE);
  g_assert_false (r.done);
  concurra_acquisition_release (b, NULL);
  while (!r.done)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  g_assert_no_error (r.error);
  g_assert_cmpuint (concurra_acquisition_get_amount (r.acquisition, "db"), ==, 4);
  g_object_unref (r.acquisition);
}

/* Every waiter that fits after a release is served, not only the first. */
static void
test_release_serves_many (void)
{
  g_autoptr(ConcurraLimitSet) set = set_of (resource ("db", 3), NULL);
  const char *keys[] = { "db" };
  guint three = 3;
  g_autoptr(ConcurraAcquisition) hold = concurra_limit_set_try_acquire (set, keys, &three, 1, NULL);
  g_autoptr(GMainContext) context = g_main_context_new ();
  AsyncResult r[3] = { 0 };
  guint done = 0;

  g_main_context_push_thread_default (context);
  for (guint i = 0; i < 3; i++)
    concurra_limit_set_acquire_async (set, NULL, NULL, 0, 10, NULL, acquired, &r[i]);
  concurra_acquisition_release (hold, NULL);
  while (done < 3)
    {
      g_main_context_iteration (context, TRUE);
      done = r[0].done + r[1].done + r[2].done;
    }
  g_main_context_pop_thread_default (context);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_no_error (r[i].error);
      g_object_unref (r[i].acquisition);
    }
}

/* ---- many threads ---- */

#define STRESS_THREADS 4
#define STRESS_EACH 40

typedef struct
{
  ConcurraLimitSet *set;
  GMutex            lock;
  GArray           *times;      /* gint64 of each grant */
  gint              holding;
  gint              max_holding;
} Stress;

static gpointer
stress_thread (gpointer data)
{
  Stress *stress = data;
  const char *keys[] = { "calls" };
  guint one = 1;

  for (guint i = 0; i < STRESS_EACH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcurraAcquisition) acq =
        concurra_limit_set_acquire (stress->set, keys, &one, 1, 60, NULL, &error);
      gint64 now = concurra_acquisition_get_time (acq);
      gint holding;

      g_assert_no_error (error);
      holding = g_atomic_int_add (&stress->holding, 1) + 1;
      g_mutex_lock (&stress->lock);
      g_array_append_val (stress->times, now);
      stress->max_holding = MAX (stress->max_holding, holding);
      g_mutex_unlock (&stress->lock);
      g_thread_yield ();
      g_atomic_int_add (&stress->holding, -1);
      concurra_acquisition_update (acq, "calls", 1, NULL);
      /* released by another thread than the one that acquired, sometimes */
      g_assert_true (concurra_acquisition_release (acq, &error));
    }
  return NULL;
}

static int
compare_times (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
test_stress (void)
{
  const double window = 0.25;
  const guint capacity = 20;
  Stress stress = { 0 };
  GThread *threads[STRESS_THREADS];
  gint64 window_us = window * G_USEC_PER_SEC;
  guint max_in_window = 0;
  double start = now_seconds (), elapsed;

  stress.set = set_of (rate ("calls", window, capacity, SLIDING), resource ("slots", 2), NULL);
  g_mutex_init (&stress.lock);
  stress.times = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < STRESS_THREADS; i++)
    threads[i] = g_thread_new ("stress", stress_thread, &stress);
  for (guint i = 0; i < STRESS_THREADS; i++)
    g_thread_join (threads[i]);
  elapsed = now_seconds () - start;

  g_assert_cmpuint (stress.times->len, ==, STRESS_THREADS * STRESS_EACH);
  g_array_sort (stress.times, compare_times);
  /* no window holds more than the capacity, by the times the set took
   * the units */
  for (guint i = 0, j = 0; i < stress.times->len; i++)
    {
      gint64 t = g_array_index (stress.times, gint64, i);

      while (g_array_index (stress.times, gint64, j) <= t - window_us)
        j++;
      max_in_window = MAX (max_in_window, i - j + 1);
    }
  g_test_message ("%u grants in %.2f s, at most %u per window, %d held at once",
                  stress.times->len, elapsed, max_in_window, stress.max_holding);
  g_assert_cmpuint (max_in_window, <=, capacity);
  /* the resource limit of 2 was never exceeded */
  g_assert_cmpint (stress.max_holding, <=, 2);
  /* 160 grants at 20 per 0.25 s: at least 7 full windows */
  g_assert_cmpfloat (elapsed, >=, 7 * window * 0.95);

  g_array_unref (stress.times);
  g_mutex_clear (&stress.lock);
  g_object_unref (stress.set);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/limit/new", test_limit_new);
  g_test_add_func ("/limit/bad-arguments", test_limit_bad_arguments);
  g_test_add_func ("/limit/set/duplicate-keys", test_set_duplicate_keys);
  g_test_add_func ("/limit/set/lookup", test_set_lookup);
  g_test_add_func ("/limit/request/no-keys", test_no_keys_takes_calls_and_resources);
  g_test_add_func ("/limit/request/no-keys-rate", test_no_keys_with_rate_limit_fails);
  g_test_add_func ("/limit/request/unnamed", test_keys_add_unnamed_calls_and_resources);
  g_test_add_func ("/limit/request/unknown-key", test_unknown_key_warns);
  g_test_add_func ("/limit/request/above-capacity", test_above_capacity_fails_at_once);
  g_test_add_func ("/limit/acquisition/release-checks-updates", test_release_checks_updates);
  g_test_add_func ("/limit/acquisition/dispose-releases", test_dispose_releases);
  g_test_add_func ("/limit/acquisition/all-or-nothing", test_all_or_nothing);
  g_test_add_func ("/limit/acquisition/nested", test_nested);
  g_test_add_data_func ("/limit/algorithm/token-bucket", GINT_TO_POINTER (TOKEN), test_continuous);
  g_test_add_data_func ("/limit/algorithm/gcra", GINT_TO_POINTER (GCRA), test_continuous);
  g_test_add_data_func ("/limit/algorithm/leaky-bucket", GINT_TO_POINTER (LEAKY), test_continuous);
  g_test_add_func ("/limit/algorithm/sliding-window", test_sliding_window);
  g_test_add_func ("/limit/algorithm/fixed-window-edge", test_fixed_window_edge);
  g_test_add_data_func ("/limit/algorithm/no-refund/leaky", GINT_TO_POINTER (LEAKY), test_no_refund);
  g_test_add_data_func ("/limit/algorithm/no-refund/sliding", GINT_TO_POINTER (SLIDING), test_no_refund);
  g_test_add_data_func ("/limit/algorithm/no-refund/fixed", GINT_TO_POINTER (FIXED), test_no_refund);
  g_test_add_func ("/limit/wait/timeout", test_timeout);
  g_test_add_func ("/limit/wait/cancel", test_cancel);
  g_test_add_func ("/limit/wait/blocking-release", test_blocking_wakes_on_release);
  g_test_add_func ("/limit/wait/blocking-due", test_blocking_wakes_when_due);
  g_test_add_func ("/limit/wait/async-release", test_async_wakes_on_release);
  g_test_add_func ("/limit/wait/async-due", test_async_wakes_when_due);
  g_test_add_func ("/limit/wait/async-timeout-cancel", test_async_timeout_and_cancel);
  g_test_add_func ("/limit/wait/refund", test_refund_wakes);
  g_test_add_func ("/limit/wait/fairness", test_fairness);
  g_test_add_func ("/limit/wait/release-serves-many", test_release_serves_many);
  g_test_add_func ("/limit/stress", test_stress);

  return g_test_run ();
}
