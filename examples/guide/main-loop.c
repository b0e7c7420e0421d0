/* main-loop.c: running tasks from an application's main loop, which stays
 * free: progress arrives as signals on the main thread.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

typedef struct {
  GMainLoop  *loop;
  GHashTable *results;
  GError     *error;
  guint       ticks;        /* main loop iterations while the tasks ran */
  guint       progress;
} App;

static void
work (ConcurraTask *task,
      GCancellable *cancellable,
      gpointer      user_data)
{
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);   /* on a worker thread */
  concurra_task_return_int (task, GPOINTER_TO_INT (user_data));
}

static gboolean
tick (gpointer user_data)
{
  App *app = user_data;

  app->ticks++;   /* e.g. a spinner being animated */
  return G_SOURCE_CONTINUE;
}

static void
on_progress (ConcurraRunner *runner,
             guint           completed,
             guint           total,
             gpointer        user_data)
{
  App *app = user_data;

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  g_print ("progress: %u/%u\n", completed, total);
  app->progress = completed;
}

static void
on_run_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  App *app = user_data;

  app->results = concurra_runner_run_finish (CONCURRA_RUNNER (source), result,
                                             &app->error);
  g_main_loop_quit (app->loop);
}

int
main (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("main-loop");
  g_autoptr(GError) error = NULL;
  App app = { 0 };
  guint tick_id;
  gint64 total = 0;

  concurra_runner_set_verify_on_finish (runner, FALSE);
  concurra_runner_set_max_concurrency (runner, 2);
  for (int i = 1; i <= 4; i++)
    {
      g_autofree char *label = g_strdup_printf ("part-%d", i);

      concurra_runner_add_task (runner, label, NULL, work, GINT_TO_POINTER (i), NULL,
                                &error);
      g_assert_no_error (error);
    }
  g_signal_connect (runner, "progress", G_CALLBACK (on_progress), &app);

  app.loop = g_main_loop_new (NULL, FALSE);
  tick_id = g_timeout_add (10, tick, &app);
  concurra_runner_run_async (runner, NULL, on_run_done, &app);
  g_main_loop_run (app.loop);
  g_source_remove (tick_id);
  g_main_loop_unref (app.loop);

  g_assert_no_error (app.error);
  for (guint i = 0; i < concurra_runner_get_n_tasks (runner); i++)
    {
      g_autoptr(ConcurraTask) task = g_list_model_get_item (G_LIST_MODEL (runner), i);

      total += g_value_get_int64 (concurra_task_get_value (task));
    }
  g_print ("total %" G_GINT64_FORMAT ", %u ticks of the main loop meanwhile\n", total,
           app.ticks);
  g_assert_cmpint (total, ==, 10);
  g_assert_cmpuint (app.progress, ==, 4);
  g_assert_cmpuint (app.ticks, >, 5);
  g_hash_table_unref (app.results);
  return 0;
}
