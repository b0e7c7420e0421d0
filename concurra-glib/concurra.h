/* concurra.h: the umbrella header of concurra-glib.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define CONCURRA_INSIDE
# include "concurra-version.h"
# include "concurra-enums.h"
# include "concurra-enum-types.h"
# include "concurra-error.h"
# include "concurra-format.h"
# include "concurra-slurm-options.h"
# include "concurra-task.h"
# include "concurra-function.h"
# include "concurra-runner.h"
# include "concurra-sync.h"
# include "concurra-task-stream.h"
# include "concurra-limit.h"
# include "concurra-acquisition.h"
# include "concurra-limit-set.h"
# include "concurra-worker.h"
#undef CONCURRA_INSIDE
