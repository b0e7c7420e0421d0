/* concurra-error.h: the CONCURRA_ERROR domain.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (CONCURRA_INSIDE) && !defined (CONCURRA_COMPILATION)
# error "Only <concurra.h> can be included directly."
#endif

#include <glib.h>

#include "concurra-version.h"

G_BEGIN_DECLS

/**
 * CONCURRA_ERROR:
 *
 * The error domain of concurra-glib; codes are in [error@Concurra.Error].
 *
 * Since: 1.0
 */
#define CONCURRA_ERROR (concurra_error_quark ())

/**
 * ConcurraError:
 * @CONCURRA_ERROR_FAILED: generic failure
 * @CONCURRA_ERROR_DUPLICATE_LABEL: a label is already used in the runner
 * @CONCURRA_ERROR_SELF_DEPENDENCY: a task depends on itself
 * @CONCURRA_ERROR_CYCLE: adding the task would close a dependency cycle
 * @CONCURRA_ERROR_UNKNOWN_DEPENDENCY: a dependency names no task of the runner
 * @CONCURRA_ERROR_ALREADY_STARTED: the runner was already started
 * @CONCURRA_ERROR_NOT_STARTED: the runner was never started
 * @CONCURRA_ERROR_STILL_RUNNING: the runner has not finished yet
 * @CONCURRA_ERROR_TIMEOUT: a task or a wait exceeded its timeout
 * @CONCURRA_ERROR_TERMINATED: a task was stopped by abort, fast-fail or cancel
 * @CONCURRA_ERROR_DEPENDENCY_FAILED: a task was skipped because a dependency
 *   failed or was terminated
 * @CONCURRA_ERROR_NOT_SERIALIZABLE: a task cannot cross the process boundary
 * @CONCURRA_ERROR_COMMAND_FAILED: an external command failed
 * @CONCURRA_ERROR_WORKER_CRASHED: a worker process died while running a task
 * @CONCURRA_ERROR_INVALID_ARGUMENT: an argument is not acceptable
 * @CONCURRA_ERROR_TASKS_FAILED: at least one task of a run failed
 * @CONCURRA_ERROR_WORKER_STOPPED: a [class@Concurra.Worker] was stopped
 *   before the call ran, or a call was made after it stopped
 * @CONCURRA_ERROR_INVALID_RESULT: no attempt of a worker call gave a result
 *   its validator accepted
 * @CONCURRA_ERROR_LAUNCHER_FAILED: the launcher (Slurm) could not run a
 *   task, or ended it on its own (an unknown partition, a node failure,
 *   preemption, a job cancelled by someone else)
 *
 * Error codes of %CONCURRA_ERROR.
 *
 * Since: 1.0
 */
typedef enum {
  CONCURRA_ERROR_FAILED,
  CONCURRA_ERROR_DUPLICATE_LABEL,
  CONCURRA_ERROR_SELF_DEPENDENCY,
  CONCURRA_ERROR_CYCLE,
  CONCURRA_ERROR_UNKNOWN_DEPENDENCY,
  CONCURRA_ERROR_ALREADY_STARTED,
  CONCURRA_ERROR_NOT_STARTED,
  CONCURRA_ERROR_STILL_RUNNING,
  CONCURRA_ERROR_TIMEOUT,
  CONCURRA_ERROR_TERMINATED,
  CONCURRA_ERROR_DEPENDENCY_FAILED,
  CONCURRA_ERROR_NOT_SERIALIZABLE,
  CONCURRA_ERROR_COMMAND_FAILED,
  CONCURRA_ERROR_WORKER_CRASHED,
  CONCURRA_ERROR_INVALID_ARGUMENT,
  CONCURRA_ERROR_TASKS_FAILED,
  CONCURRA_ERROR_WORKER_STOPPED,
  CONCURRA_ERROR_INVALID_RESULT,
  CONCURRA_ERROR_LAUNCHER_FAILED,
} ConcurraError;

CONCURRA_AVAILABLE_IN_1_0
GQuark concurra_error_quark (void);

G_END_DECLS
