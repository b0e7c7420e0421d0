/* wait-and-gather.c: tasks as futures — the first to finish, all of them
 * in order, and each one as it completes.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

typedef struct {
  guint       ms;
  const char *value;   /* NULL: fail */
} Job;

static void
work (ConcurraTask *task,
      GCancellable *cancellable,
      gpointer      user_data)
{
  const Job *job = user_data;

  g_usleep (job->ms * G_TIME_SPAN_MILLISECOND);
  if (job->value != NULL)
    concurra_task_return_string (task, job->value);
  else
    concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                    "no route to host");
}

int
main (void)
{
  static const Job jobs[] = {
    { 300, "slow" }, { 50, "fast" }, { 150, "medium" }, { 100, NULL },
  };
  static const char *labels[] = { "slow", "fast", "medium", "bad" };
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("futures");
  g_autoptr(ConcurraTaskStream) stream = NULL;
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GPtrArray) gathered = NULL;
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  ConcurraTask *tasks[4], *task;
  guint index;

  concurra_runner_set_verify_on_finish (runner, FALSE);
  concurra_runner_set_max_concurrency (runner, 4);
  for (guint i = 0; i < 4; i++)
    tasks[i] = concurra_runner_add_task (runner, labels[i], NULL, work,
                                         (gpointer) &jobs[i], NULL, &error);
  g_assert_no_error (error);
  concurra_runner_start (runner, &error);   /* runs in the background */
  g_assert_no_error (error);

  /* The first of three to complete; a timeout (here none) is not an error. */
  concurra_wait (tasks, 3, CONCURRA_RETURN_WHEN_FIRST_COMPLETED, -1, NULL, &done, NULL,
                 &error);
  g_assert_no_error (error);
  task = g_ptr_array_index (done, 0);
  g_print ("first completed: %s\n", concurra_task_get_label (task));
  g_assert_cmpstr (concurra_task_get_label (task), ==, "fast");

  /* Every task in completion order. */
  stream = concurra_task_stream_new (tasks, 4);
  while ((task = concurra_task_stream_next (stream, -1, NULL, &index, &error)) != NULL)
    g_print ("completed: %s (input #%u)\n", concurra_task_get_label (task), index);
  g_assert_no_error (error);

  /* All results in input order; the failed task makes gather fail... */
  g_assert_null (concurra_gather (tasks, 4, CONCURRA_GATHER_NONE, -1, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_print ("gather: %s\n", error->message);
  g_clear_error (&error);

  /* ...unless errors are returned with the other results. */
  gathered = concurra_gather (tasks, 4, CONCURRA_GATHER_RETURN_ERRORS, -1, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < gathered->len; i++)
    {
      task = g_ptr_array_index (gathered, i);
      if (concurra_task_get_has_failed (task))
        g_print ("%s: %s\n", concurra_task_get_label (task),
                 concurra_task_get_error_message (task));
      else
        g_print ("%s: %s\n", concurra_task_get_label (task),
                 g_value_get_string (concurra_task_get_value (task)));
    }
  task = g_ptr_array_index (gathered, 2);
  g_assert_cmpstr (g_value_get_string (concurra_task_get_value (task)), ==, "medium");

  results = concurra_runner_wait (runner, NULL, &error);   /* the run's end */
  g_assert_no_error (error);
  return 0;
}
