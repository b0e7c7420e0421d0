/* concurra-acquisition.h: ConcurraAcquisition, units taken from a
 * ConcurraLimitSet.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (CONCURRA_INSIDE) && !defined (CONCURRA_COMPILATION)
# error "Only <concurra.h> can be included directly."
#endif

#include <glib-object.h>

#include "concurra-version.h"

G_BEGIN_DECLS

#define CONCURRA_TYPE_ACQUISITION (concurra_acquisition_get_type ())

CONCURRA_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ConcurraAcquisition, concurra_acquisition, CONCURRA, ACQUISITION, GObject)

CONCURRA_AVAILABLE_IN_1_0
gboolean     concurra_acquisition_is_successful (ConcurraAcquisition  *acquisition);
CONCURRA_AVAILABLE_IN_1_0
gboolean     concurra_acquisition_is_released   (ConcurraAcquisition  *acquisition);
CONCURRA_AVAILABLE_IN_1_0
gint64       concurra_acquisition_get_time      (ConcurraAcquisition  *acquisition);
CONCURRA_AVAILABLE_IN_1_0
guint        concurra_acquisition_get_amount    (ConcurraAcquisition  *acquisition,
                                                 const char           *key);
CONCURRA_AVAILABLE_IN_1_0
gboolean     concurra_acquisition_update        (ConcurraAcquisition  *acquisition,
                                                 const char           *key,
                                                 guint                 used,
                                                 GError              **error);
CONCURRA_AVAILABLE_IN_1_0
gboolean     concurra_acquisition_release       (ConcurraAcquisition  *acquisition,
                                                 GError              **error);

G_END_DECLS
