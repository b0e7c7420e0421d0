/* main-loop-gtk.c: a run shown live in a GTK 4 window, from C: the runner
 * is a GListModel of its tasks, so a GtkColumnView shows it as it is, each
 * cell following its task's notify signals, with a progress bar and an
 * Abort button. The main loop never waits.
 *
 *   cc main-loop-gtk.c $(pkg-config --cflags --libs gtk4 concurra-glib-1)
 *   ./a.out [--quit-when-done]
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>
#include <gtk/gtk.h>

static const struct {
  const char *label;
  const char *command;
  const char *depends_on[3];   /* what it waits for */
} steps[] = {
  { "fetch", "sleep 0.3", { NULL } },
  { "unpack", "sleep 0.4", { "fetch", NULL } },
  { "lint", "sleep 0.2", { "fetch", NULL } },
  { "build", "sleep 0.6", { "unpack", NULL } },
  { "docs", "sleep 0.5", { "unpack", NULL } },
  { "test", "sleep 0.3; echo '2 tests failed' >&2; exit 1", { "build", NULL } },
  { "package", "sleep 0.2", { "test", "docs", NULL } },
};
static const char *const status_names[] = {
  [CONCURRA_TASK_STATUS_PENDING] = "Pending",
  [CONCURRA_TASK_STATUS_RUNNING] = "Running",
  [CONCURRA_TASK_STATUS_SUCCESSFUL] = "Successful",
  [CONCURRA_TASK_STATUS_FAILED] = "Failed",
  [CONCURRA_TASK_STATUS_TERMINATED] = "Terminated",
};

static char *
label_text (ConcurraTask *task)
{
  return g_strdup (concurra_task_get_label (task));
}

static char *
status_text (ConcurraTask *task)
{
  return g_strdup (status_names[concurra_task_get_status (task)]);
}

static char *
attempts_text (ConcurraTask *task)
{
  return g_strdup_printf ("%u", concurra_task_get_attempts (task));
}

static char *
duration_text (ConcurraTask *task)
{
  if (concurra_task_get_status (task) > CONCURRA_TASK_STATUS_RUNNING &&
      concurra_task_get_attempts (task) > 0)
    return concurra_format_duration (concurra_task_get_duration (task));
  return g_strdup ("");
}

typedef struct {
  const char *title;
  char       *(*text) (ConcurraTask *task);   /* the cell's text */
  const char *properties[3];                  /* the properties it follows */
} Column;

static const Column columns[] = {
  { "Task", label_text, { NULL } },
  { "Status", status_text, { "status", NULL } },
  { "Attempts", attempts_text, { "attempts", NULL } },
  { "Duration", duration_text, { "duration", "status", NULL } },
};

/* "label/column" -> every text the cell showed (a GPtrArray), for the test */
static GHashTable *shown;

static void
update (GtkListItem *item)
{
  const Column *column = g_object_get_data (G_OBJECT (item), "column");
  ConcurraTask *task = gtk_list_item_get_item (item);
  g_autofree char *text = column->text (task);
  char *key = g_strdup_printf ("%s/%s", concurra_task_get_label (task), column->title);
  GPtrArray *seen = g_hash_table_lookup (shown, key);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
  if (seen == NULL)
    g_hash_table_insert (shown, key, seen = g_ptr_array_new_with_free_func (g_free));
  else
    g_free (key);
  if (seen->len == 0 || !g_str_equal (g_ptr_array_index (seen, seen->len - 1), text))
    g_ptr_array_add (seen, g_strdup (text));
}

static void
on_task_notify (ConcurraTask *task,
                GParamSpec   *pspec,
                gpointer      user_data)
{
  update (user_data);
}

static void
on_setup (GtkSignalListItemFactory *factory,
          GObject                  *object,
          gpointer                  user_data)
{
  GtkWidget *cell = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (cell), 0);
  gtk_list_item_set_child (GTK_LIST_ITEM (object), cell);
  g_object_set_data (object, "column", user_data);
}

static void
on_bind (GtkSignalListItemFactory *factory,
         GObject                  *object,
         gpointer                  user_data)
{
  const Column *column = user_data;
  gpointer task = gtk_list_item_get_item (GTK_LIST_ITEM (object));

  for (guint i = 0; column->properties[i] != NULL; i++)
    {
      g_autofree char *detailed = g_strconcat ("notify::", column->properties[i], NULL);

      g_signal_connect (task, detailed, G_CALLBACK (on_task_notify), object);
    }
  update (GTK_LIST_ITEM (object));
}

static void
on_unbind (GtkSignalListItemFactory *factory,
           GObject                  *object,
           gpointer                  user_data)
{
  gpointer task = gtk_list_item_get_item (GTK_LIST_ITEM (object));

  g_signal_handlers_disconnect_by_func (task, on_task_notify, object);
}

static GtkColumnViewColumn *
column_new (const Column *column)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *view_column;

  g_signal_connect (factory, "setup", G_CALLBACK (on_setup), (gpointer) column);
  g_signal_connect (factory, "bind", G_CALLBACK (on_bind), (gpointer) column);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_unbind), (gpointer) column);
  view_column = gtk_column_view_column_new (column->title, factory);
  gtk_column_view_column_set_expand (view_column, TRUE);
  return view_column;
}

/* the texts a cell showed, the last @n of them (all when 0), joined */
static char *
texts (const char *label,
       const char *title,
       guint       n,
       const char *separator)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", label, title);
  GPtrArray *seen = g_hash_table_lookup (shown, key);
  guint first;
  GString *joined = g_string_new (NULL);

  if (seen == NULL)   /* a row the view never showed */
    return g_string_free (joined, FALSE);
  first = n > 0 && seen->len > n ? seen->len - n : 0;
  for (guint i = first; i < seen->len; i++)
    g_string_append_printf (joined, "%s%s", i > first ? separator : "",
                            (char *) g_ptr_array_index (seen, i));
  return g_string_free (joined, FALSE);
}

static gboolean
texts_are (const char *label,
           const char *title,
           guint       n,
           const char *expected)
{
  g_autofree char *joined = texts (label, title, n, " ");

  return g_str_equal (joined, expected);
}

static gboolean
check (void)
{
  /* the cells followed the run: each task was shown running, then done */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *duration = texts (steps[i].label, "Duration", 1, " ");

      if (!texts_are (steps[i].label, "Status", 2, "Running Successful") ||
          !g_str_has_suffix (duration, "sec"))
        {
          g_printerr ("%s was not shown running, then successful\n", steps[i].label);
          return FALSE;
        }
    }
  if (!texts_are ("test", "Status", 2, "Running Failed") ||
      !texts_are ("package", "Status", 0, "Pending Terminated") ||
      !texts_are ("package", "Duration", 0, ""))
    {
      g_printerr ("test or package were not shown as they ended\n");
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  GMainLoop   *loop;
  GtkWidget   *bar;
  GtkWidget   *abort;
  gboolean     quit_when_done;
  int          status;
} App;

static void
on_progress (ConcurraRunner *runner,
             guint           done,
             guint           total,
             gpointer        user_data)
{
  App *app = user_data;
  g_autofree char *text = g_strdup_printf ("%u of %u done", done, total);

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (app->bar), (double) done / total);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (app->bar), text);
}

static gboolean
on_close_request (GtkWindow *window,
                  gpointer   user_data)
{
  App *app = user_data;

  g_main_loop_quit (app->loop);
  return FALSE;
}

static gboolean
quit (gpointer user_data)
{
  App *app = user_data;

  g_main_loop_quit (app->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
timed_out (gpointer user_data)
{
  g_printerr ("timed out\n");
  exit (1);
}

static void
on_finished (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  ConcurraRunner *runner = CONCURRA_RUNNER (source);
  App *app = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = concurra_runner_run_finish (runner, result, &error);
  g_autofree char *text = NULL;
  guint succeeded = 0;

  g_assert_no_error (error);
  gtk_widget_set_sensitive (app->abort, FALSE);
  for (guint i = 0; i < concurra_runner_get_n_tasks (runner); i++)
    {
      g_autoptr(ConcurraTask) task = g_list_model_get_item (G_LIST_MODEL (runner), i);

      succeeded += concurra_task_get_status (task) == CONCURRA_TASK_STATUS_SUCCESSFUL;
    }
  text = g_strdup_printf ("%u of %u succeeded", succeeded,
                          concurra_runner_get_n_tasks (runner));
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (app->bar), text);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autofree char *statuses = texts (steps[i].label, "Status", 0, " -> ");
      g_autofree char *duration = texts (steps[i].label, "Duration", 1, " ");

      g_print ("%s: %s, %s\n", steps[i].label, statuses,
               *duration != '\0' ? duration : "never ran");
    }
  if (app->quit_when_done)
    {
      app->status = check () ? 0 : 1;
      g_timeout_add (500, quit, app);
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("build");
  App app = { .quit_when_done = argc > 1 && g_str_equal (argv[1], "--quit-when-done") };
  GtkNoSelection *model;
  GtkWidget *view, *box, *window;

  gtk_init ();
  shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                 (GDestroyNotify) g_ptr_array_unref);
  concurra_runner_set_verify_on_finish (runner, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(GError) error = NULL;

      concurra_runner_add_shell_command (runner, steps[i].label, steps[i].depends_on,
                                         steps[i].command, &error);
      g_assert_no_error (error);
    }

  model = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (runner)));
  view = gtk_column_view_new (GTK_SELECTION_MODEL (model));
  gtk_widget_set_vexpand (view, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = column_new (&columns[i]);

      gtk_column_view_append_column (GTK_COLUMN_VIEW (view), column);
    }
  app.bar = gtk_progress_bar_new ();
  gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (app.bar), TRUE);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (app.bar), "starting");
  app.abort = gtk_button_new_with_label ("Abort");
  g_signal_connect_swapped (app.abort, "clicked", G_CALLBACK (concurra_runner_abort),
                            runner);
  g_signal_connect (runner, "progress", G_CALLBACK (on_progress), &app);

  box = g_object_new (GTK_TYPE_BOX, "orientation", GTK_ORIENTATION_VERTICAL,
                      "spacing", 6, "margin-top", 6, "margin-bottom", 6,
                      "margin-start", 6, "margin-end", 6, NULL);
  gtk_box_append (GTK_BOX (box), view);
  gtk_box_append (GTK_BOX (box), app.bar);
  gtk_box_append (GTK_BOX (box), app.abort);
  window = g_object_new (GTK_TYPE_WINDOW, "title", "concurra-glib", "default-width", 520,
                         "default-height", 340, "child", box, NULL);
  app.loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (window, "close-request", G_CALLBACK (on_close_request), &app);
  gtk_window_present (GTK_WINDOW (window));

  concurra_runner_run_async (runner, NULL, on_finished, &app);
  /* a test that never ends is a failure */
  g_timeout_add_seconds (60, timed_out, NULL);
  g_main_loop_run (app.loop);

  gtk_window_destroy (GTK_WINDOW (window));
  g_main_loop_unref (app.loop);
  g_hash_table_unref (shown);
  return app.status;
}
