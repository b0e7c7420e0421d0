/* pipeline.c: a small build pipeline run by a ConcurraRunner.
 *
 *   fetch -> unpack -> { compile, lint, docs } -> package
 *
 * Each step simulates work with a short, cancellable sleep and reports a
 * value; "lint" is flaky and fails its first attempt, then succeeds when the
 * runner retries it. Progress lines are logged at INFO level in the
 * "Concurra" domain and the report table is printed at the end.
 *
 *   ./build/examples/pipeline
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <concurra.h>

typedef enum {
  STEP_STRING,
  STEP_INT,
} StepKind;

/* What one step does: how long it "works" and what it reports. */
typedef struct {
  const char *label;
  const char *depends_on[4];
  guint       work_ms;
  StepKind    kind;
  const char *string_value;
  gint64      int_value;
  guint       fail_attempts;   /* fail this many attempts before succeeding */
  guint       attempts;        /* attempts seen so far (one at a time) */
} Step;

static Step steps[] = {
  { "fetch",   { NULL },                               120, STEP_STRING, "concurra-glib-1.0.0.tar.xz", 0, 0, 0 },
  { "unpack",  { "fetch", NULL },                       80, STEP_INT,    NULL, 42, 0, 0 },
  { "compile", { "unpack", NULL },                     250, STEP_INT,    NULL, 17, 0, 0 },
  { "lint",    { "unpack", NULL },                      60, STEP_STRING, "0 warnings", 0, 1, 0 },
  { "docs",    { "unpack", NULL },                     150, STEP_INT,    NULL, 9, 0, 0 },
  { "package", { "compile", "lint", "docs", NULL },    100, STEP_STRING, "concurra-glib-1.0.0.flatpak", 0, 0, 0 },
};

/* Sleep for @ms, returning early (FALSE) if @cancellable is cancelled:
 * the task was timed out or aborted, so stop working. */
static gboolean
simulate_work (guint         ms,
               GCancellable *cancellable)
{
  GPollFD pollfd;

  if (!g_cancellable_make_pollfd (cancellable, &pollfd))
    {
      g_usleep (ms * G_TIME_SPAN_MILLISECOND);
      return TRUE;
    }

  g_poll (&pollfd, 1, ms);
  g_cancellable_release_fd (cancellable);

  return !g_cancellable_is_cancelled (cancellable);
}

static void
run_step (ConcurraTask *task,
          GCancellable *cancellable,
          gpointer      user_data)
{
  Step *step = user_data;
  guint attempt = ++step->attempts;

  if (!simulate_work (step->work_ms, cancellable))
    return;

  if (attempt <= step->fail_attempts)
    {
      concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                                      "%s: resource busy (attempt %u)",
                                      step->label, attempt);
      return;
    }

  if (step->kind == STEP_STRING)
    concurra_task_return_string (task, step->string_value);
  else
    concurra_task_return_int (task, step->int_value);
}

static void
on_task_retrying (ConcurraRunner *runner,
                  ConcurraTask   *task,
                  guint           failed_attempt,
                  const GError   *error,
                  gpointer        user_data)
{
  g_print ("  retrying %s after attempt %u failed: %s\n",
           concurra_task_get_label (task), failed_attempt, error->message);
}

static void
on_task_finished (ConcurraRunner *runner,
                  ConcurraTask   *task,
                  gpointer        user_data)
{
  const GValue *value = concurra_task_get_value (task);
  g_autofree char *text = NULL;

  if (concurra_task_get_has_failed (task))
    text = g_strdup (concurra_task_get_error_message (task));
  else if (value != NULL)
    text = g_strdup_value_contents (value);
  else
    text = g_strdup ("(no value)");

  g_print ("  %-8s -> %s\n", concurra_task_get_label (task), text);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *report = NULL;
  guint n_failed;

  /* Progress lines are INFO messages in the "Concurra" log domain, hidden
   * by GLib's default log writer unless the domain is enabled. */
  if (g_getenv ("G_MESSAGES_DEBUG") == NULL)
    g_setenv ("G_MESSAGES_DEBUG", "Concurra", TRUE);

  runner = concurra_runner_new ("pipeline");
  concurra_runner_set_max_concurrency (runner, 3);
  concurra_runner_set_progress_stats (runner, TRUE);
  concurra_runner_set_verify_on_finish (runner, FALSE);   /* we print the report */
  concurra_runner_set_retry_delay (runner, 0.05);

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      ConcurraTask *task;

      task = concurra_runner_add_task (runner, steps[i].label,
                                       steps[i].depends_on[0] ? steps[i].depends_on : NULL,
                                       run_step, &steps[i], NULL, &error);
      if (task == NULL)
        {
          g_printerr ("pipeline: %s\n", error->message);
          return 1;
        }
      concurra_task_set_timeout (task, 10);
      if (steps[i].fail_attempts > 0)
        concurra_task_set_retries (task, steps[i].fail_attempts + 1);
    }

  g_signal_connect (runner, "task-retrying", G_CALLBACK (on_task_retrying), NULL);
  g_signal_connect (runner, "task-finished", G_CALLBACK (on_task_finished), NULL);

  g_print ("Running %u tasks...\n", concurra_runner_get_n_tasks (runner));

  results = concurra_runner_run (runner, NULL, &error);
  if (results == NULL)
    {
      g_printerr ("pipeline: %s\n", error->message);
      return 1;
    }

  report = concurra_runner_format_report (runner);
  g_print ("\n%s\n", report);

  n_failed = concurra_runner_get_n_failed (runner);
  if (n_failed > 0)
    {
      g_printerr ("pipeline: %u task(s) failed\n", n_failed);
      return 1;
    }

  g_print ("All %u tasks succeeded.\n", g_hash_table_size (results));

  return 0;
}
