/* concurra-runner-private.h: what tasks need from their runner.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-runner.h"

G_BEGIN_DECLS

GMainContext *concurra_runner_get_owner_context (ConcurraRunner  *runner,
                                                 GThread        **owner_thread);
void          concurra_runner_cancel_task       (ConcurraRunner *runner,
                                                 ConcurraTask   *task);

G_END_DECLS
