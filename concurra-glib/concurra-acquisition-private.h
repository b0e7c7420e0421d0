/* concurra-acquisition-private.h: how a limit set makes acquisitions.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-acquisition.h"
#include "concurra-limiter-private.h"

G_BEGIN_DECLS

ConcurraAcquisition *concurra_acquisition_new (ConcurraLimiter      *limiter,
                                               ConcurraLimitRequest *request,
                                               gboolean              successful);

G_END_DECLS
