/* concurra-executor-main-context.c: the main-context executor. The start
 * function is called on the owner context and returns at once; the attempt
 * ends at the task's first report, from any thread, when the function
 * fails to start the work, or when its cancellable fires. No thread waits
 * for it. While the start function runs, the task is
 * concurra_task_get_current() and its cancellable g_cancellable_get_current().
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-executor-private.h"

/* One attempt. Its report gate decides who ends it: the first report, or
 * the cancellation, whichever closes the gate. */
typedef struct
{
  ConcurraTask       *task;
  GCancellable       *cancellable;  /* unowned: the task holds it */
  gulong              cancel_id;
  ConcurraFinishFunc  finish;
  gpointer            finish_data;
} Attempt;

static void
on_reported (ConcurraTask *task,
             gpointer      data)
{
  Attempt *attempt = data;
  ConcurraFinishFunc finish = attempt->finish;
  gpointer finish_data = attempt->finish_data;

  /* waits for a cancellation handler running in another thread, which
   * found the gate closed; frees the attempt */
  g_cancellable_disconnect (attempt->cancellable, attempt->cancel_id);
  finish (task, finish_data);
}

/* In the thread that cancels. The handler stays connected (a handler
 * cannot disconnect itself); the attempt is freed with the cancellable. */
static void
on_cancelled (GCancellable *cancellable,
              Attempt      *attempt)
{
  if (concurra_task_close_reports (attempt->task))
    attempt->finish (attempt->task, attempt->finish_data);
}

static void
start_function (ConcurraTask *task,
                GCancellable *cancellable)
{
  GError *error = NULL;
  ConcurraTask *previous = concurra_task_enter_function (task, cancellable);
  gboolean started = task->start_func (task, cancellable, task->func_data, &error);

  concurra_task_leave_function (previous, cancellable);
  if (started)
    {
      g_clear_error (&error);
      return;
    }
  if (error == NULL)
    error = g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_FAILED,
                         "Task '%s' was not started: its start function returned FALSE "
                         "without an error (a function of a language binding raised an exception, or did not return true)",
                         task->label);
  /* dropped if the function reported before it failed */
  concurra_task_return_error (task, error);
}

static void
main_context_start (ConcurraTask       *task,
                    GCancellable       *cancellable,
                    ConcurraFinishFunc  finish,
                    gpointer            finish_data)
{
  Attempt *attempt;

  if (g_cancellable_is_cancelled (cancellable))
    {
      finish (task, finish_data);
      return;
    }
  attempt = g_new0 (Attempt, 1);
  attempt->task = task;
  attempt->cancellable = cancellable;
  attempt->finish = finish;
  attempt->finish_data = finish_data;
  concurra_task_open_reports (task, on_reported, attempt);
  attempt->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled),
                                              attempt, g_free);
  start_function (task, cancellable);
}

const ConcurraExecutor concurra_main_context_executor = {
  .name = "main-context",
  .mode = CONCURRA_EXECUTION_MODE_MAIN_CONTEXT,
  .on_lane = FALSE,
  .finishes_in_task_code = TRUE,
  .start = main_context_start,
};
