/* concurra-executor-private.h: the one interface between the scheduler and
 * the ways a task can run.
 *
 * The scheduler knows nothing about what a task runs: it hands a ready task
 * that holds a permit (see max-concurrency) to the task's executor, and the
 * executor finishes the attempt through the completion queue. An executor
 * either runs attempts on a lane, a thread of the scheduler's pool that is
 * busy for as long as the attempt runs (functions in threads), or starts
 * them on the owner context and returns at once (main-context tasks, commands):
 * those hold no thread while they wait.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-task-private.h"

G_BEGIN_DECLS

/* Ends the attempt of @task: called exactly once per started attempt, from
 * any thread, after the outcome is written (or, for a cancelled attempt,
 * when nothing of it runs any more). */
typedef void (*ConcurraFinishFunc) (ConcurraTask *task,
                                    gpointer      finish_data);

struct _ConcurraExecutor
{
  const char            *name;
  ConcurraExecutionMode  mode;

  /* TRUE: start() runs the attempt to its end on a lane thread, and the
   * scheduler finishes it when start() returns (finish is NULL).
   * FALSE: start() is called on the owner context, with the owner context
   * as thread-default, must not block, and calls @finish when done. */
  gboolean               on_lane;

  /* TRUE when @finish is called from inside the task's own code (a report
   * made by its function or a callback of it): the scheduler then never
   * starts other tasks from inside that call. */
  gboolean               finishes_in_task_code;

  void                 (*start) (ConcurraTask       *task,
                      GCancellable       *cancellable,
                      ConcurraFinishFunc  finish,
                      gpointer            finish_data);
};

extern const ConcurraExecutor concurra_thread_executor;
extern const ConcurraExecutor concurra_main_context_executor;
extern const ConcurraExecutor concurra_command_executor;

G_END_DECLS
