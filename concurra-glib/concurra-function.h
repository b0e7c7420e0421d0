/* concurra-function.h: ConcurraFunction, one function that many thread
 * tasks share, each task calling it with its own id.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (CONCURRA_INSIDE) && !defined (CONCURRA_COMPILATION)
# error "Only <concurra.h> can be included directly."
#endif

#include <glib-object.h>

#include "concurra-task.h"
#include "concurra-version.h"

G_BEGIN_DECLS

/**
 * ConcurraIdFunc:
 * @id: the id of the task being run, as given to
 *   [ctor@Concurra.Task.new_for_function]
 * @user_data: the data given with the function
 *
 * The body of the thread tasks of a [class@Concurra.Function]. It runs on
 * a worker thread and the attempt ends when it returns; returning without
 * reporting anything means success with no value. During the call,
 * [func@Concurra.Task.get_current] is the task, to report a value or an
 * error with [method@Concurra.Task.return_value] and friends, and
 * [func@Gio.Cancellable.get_current] the attempt's cancellable, cancelled
 * when the task times out, is aborted or is terminated by fast-fail.
 *
 * Since: 1.0
 */
typedef void (*ConcurraIdFunc) (guint64  id,
                                gpointer user_data);

#define CONCURRA_TYPE_FUNCTION (concurra_function_get_type ())

CONCURRA_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ConcurraFunction, concurra_function, CONCURRA, FUNCTION, GObject)

CONCURRA_AVAILABLE_IN_1_0
ConcurraFunction *concurra_function_new          (const char       *name,
                                                  ConcurraIdFunc    func,
                                                  gpointer          user_data,
                                                  GDestroyNotify    destroy);
CONCURRA_AVAILABLE_IN_1_0
const char       *concurra_function_get_name     (ConcurraFunction *function);

CONCURRA_AVAILABLE_IN_1_0
ConcurraTask     *concurra_task_new_for_function (ConcurraFunction *function,
                                                  const char       *name,
                                                  guint64           id);
CONCURRA_AVAILABLE_IN_1_0
ConcurraFunction *concurra_task_get_function     (ConcurraTask     *task);
CONCURRA_AVAILABLE_IN_1_0
guint64           concurra_task_get_function_id  (ConcurraTask     *task);

G_END_DECLS
