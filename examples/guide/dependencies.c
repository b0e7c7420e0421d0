/* dependencies.c: a diamond of tasks, results passed along the edges, and
 * the mistakes a runner refuses.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>
#include <locale.h>

/* Each task gets the tasks it depends on, to read their results. */
typedef struct {
  ConcurraTask *source;
  ConcurraTask *other;
} Inputs;

static void
fetch (ConcurraTask *task,
       GCancellable *cancellable,
       gpointer      user_data)
{
  concurra_task_return_string (task, "the quick brown fox");
}

static void
count_words (ConcurraTask *task,
             GCancellable *cancellable,
             gpointer      user_data)
{
  Inputs *in = user_data;
  const char *text = g_value_get_string (concurra_task_get_value (in->source));
  g_auto(GStrv) words = g_strsplit (text, " ", -1);

  concurra_task_return_int (task, g_strv_length (words));
}

static void
shout (ConcurraTask *task,
       GCancellable *cancellable,
       gpointer      user_data)
{
  Inputs *in = user_data;
  const char *text = g_value_get_string (concurra_task_get_value (in->source));
  g_autofree char *upper = g_ascii_strup (text, -1);

  concurra_task_return_string (task, upper);
}

static void
report (ConcurraTask *task,
        GCancellable *cancellable,
        gpointer      user_data)
{
  Inputs *in = user_data;
  g_autofree char *line = NULL;

  line = g_strdup_printf ("%s (%" G_GINT64_FORMAT " words)",
                          g_value_get_string (concurra_task_get_value (in->other)),
                          g_value_get_int64 (concurra_task_get_value (in->source)));
  concurra_task_return_string (task, line);
}

static void
nothing (ConcurraTask *task,
         GCancellable *cancellable,
         gpointer      user_data)
{
}

static void
on_task_finished (ConcurraRunner *runner,
                  ConcurraTask   *task,
                  gpointer        user_data)
{
  g_string_append_printf (user_data, "%s ", concurra_task_get_label (task));
}

int
main (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("dependencies");
  g_autoptr(ConcurraRunner) broken = concurra_runner_new ("broken");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) order = g_string_new (NULL);
  const char *after_fetch[] = { "fetch", NULL };
  const char *after_both[] = { "count", "shout", NULL };
  Inputs count_in, shout_in, report_in;
  ConcurraTask *last;

  setlocale (LC_ALL, "");   /* error messages use "→" */
  /* fetch -> { count, shout } -> report. "report" names tasks that do
   * not exist yet: forward references are fine until the run starts. */
  last = concurra_runner_add_task (runner, "report", after_both, report, &report_in, NULL,
                                   &error);
  g_assert_no_error (error);
  count_in.source = concurra_runner_add_task (runner, "fetch", NULL, fetch, NULL, NULL,
                                              &error);
  shout_in.source = count_in.source;
  report_in.source = concurra_runner_add_task (runner, "count", after_fetch, count_words,
                                               &count_in, NULL, &error);
  report_in.other = concurra_runner_add_task (runner, "shout", after_fetch, shout,
                                              &shout_in, NULL, &error);
  g_assert_no_error (error);

  g_signal_connect (runner, "task-finished", G_CALLBACK (on_task_finished), order);
  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);

  g_print ("finished: %s\n", order->str);
  g_assert_true (g_str_has_prefix (order->str, "fetch "));
  g_assert_true (g_str_has_suffix (order->str, "report "));
  g_print ("report: %s\n", g_value_get_string (concurra_task_get_value (last)));
  g_assert_cmpstr (g_value_get_string (concurra_task_get_value (last)), ==,
                   "THE QUICK BROWN FOX (4 words)");

  /* Mistakes are errors that name the labels, and nothing is added. */
  concurra_runner_add_task (broken, "a", (const char *[]) { "b", NULL }, nothing, NULL,
                            NULL, &error);
  g_assert_no_error (error);
  concurra_runner_add_task (broken, "a", NULL, nothing, NULL, NULL, &error);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_DUPLICATE_LABEL);
  g_print ("%s\n", error->message);
  g_clear_error (&error);

  concurra_runner_add_task (broken, "b", (const char *[]) { "a", NULL }, nothing, NULL,
                            NULL, &error);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_CYCLE);
  g_print ("%s\n", error->message);
  g_clear_error (&error);

  /* "b" was never added: the run refuses to start and nothing runs. */
  g_assert_null (concurra_runner_run (broken, NULL, &error));
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_UNKNOWN_DEPENDENCY);
  g_print ("%s\n", error->message);
  return 0;
}
