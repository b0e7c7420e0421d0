/* concurra-executor-thread.c: the thread executor — the task's function
 * runs on a lane of the scheduler (a GThreadPool thread) and the attempt
 * ends when it returns. Process tasks use it too: their function talks to
 * a worker process from the lane. While the function runs, the task is
 * concurra_task_get_current() and its cancellable g_cancellable_get_current().
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-executor-private.h"

static void
thread_start (ConcurraTask       *task,
              GCancellable       *cancellable,
              ConcurraFinishFunc  finish,
              gpointer            finish_data)
{
  ConcurraTask *previous = concurra_task_enter_function (task, cancellable);

  task->func (task, cancellable, task->func_data);
  concurra_task_leave_function (previous, cancellable);
}

const ConcurraExecutor concurra_thread_executor = {
  .name = "thread",
  .mode = CONCURRA_EXECUTION_MODE_THREAD,
  .on_lane = TRUE,
  .start = thread_start,
};
