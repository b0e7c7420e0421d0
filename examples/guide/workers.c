/* workers.c: a pool of two stateful workers (lanes), each with its own
 * cache; lookups are calls that return tasks at once, are gathered, and
 * are retried when the "service" is busy.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

/* The instance of a lane: a cache of prices, used by one call at a time. */
#define EXAMPLE_TYPE_CACHE (example_cache_get_type ())
G_DECLARE_FINAL_TYPE (ExampleCache, example_cache, EXAMPLE, CACHE, GObject)

struct _ExampleCache
{
  GObject     parent_instance;
  GHashTable *prices;
  guint       misses;
};

G_DEFINE_FINAL_TYPE (ExampleCache, example_cache, G_TYPE_OBJECT)

static void
example_cache_finalize (GObject *object)
{
  g_hash_table_unref (EXAMPLE_CACHE (object)->prices);
  G_OBJECT_CLASS (example_cache_parent_class)->finalize (object);
}

static void
example_cache_class_init (ExampleCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = example_cache_finalize;
}

static void
example_cache_init (ExampleCache *self)
{
  self->prices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* made on the lane, before its first call */
static GObject *
open_cache (ConcurraWorker *worker, guint lane, GCancellable *cancellable,
            gpointer user_data, GError **error)
{
  return g_object_new (EXAMPLE_TYPE_CACHE, NULL);
}

static int busy_once = 1;

/* a call: the price of an item, from the lane's cache or the "service" */
static void
lookup (ConcurraTask *task, GObject *instance, guint lane,
        GCancellable *cancellable, gpointer user_data)
{
  ExampleCache *cache = EXAMPLE_CACHE (instance);
  const char *item = user_data;
  gpointer price;

  if (!g_hash_table_lookup_extended (cache->prices, item, NULL, &price))
    {
      if (g_atomic_int_compare_and_exchange (&busy_once, 1, 0))
        {
          concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                                          "service busy");
          return;
        }
      cache->misses++;
      price = GINT_TO_POINTER ((int) strlen (item) * 10);
      g_hash_table_insert (cache->prices, g_strdup (item), price);
    }
  concurra_task_return_int (task, GPOINTER_TO_INT (price));
}

int
main (void)
{
  const char *items[] = { "tea", "coffee", "tea", "cocoa", "coffee", "tea" };
  g_autoptr(ConcurraWorker) pool =
    concurra_worker_new (CONCURRA_EXECUTION_MODE_THREAD, 2);
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GError) error = NULL;

  concurra_worker_set_init_func (pool, open_cache, NULL, NULL);
  concurra_worker_set_retries (pool, 2);
  concurra_worker_set_retry_wait (pool, 0.05);

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    g_ptr_array_add (calls, concurra_worker_submit (pool, items[i], lookup,
                                                    (gpointer) items[i], NULL, &error));
  done = concurra_gather ((ConcurraTask **) calls->pdata, calls->len,
                          CONCURRA_GATHER_NONE, 30, NULL, &error);
  if (done == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < done->len; i++)
    {
      ConcurraTask *call = done->pdata[i];

      g_print ("%-12s %3" G_GINT64_FORMAT "  (attempts: %u)\n",
               concurra_task_get_label (call),
               g_value_get_int64 (concurra_task_get_value (call)),
               concurra_task_get_attempts (call));
    }
  concurra_worker_stop (pool);
  return 0;
}
