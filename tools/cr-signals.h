/* cr-signals.h: the signals that end a concurra-run run, as main-loop events.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*CrSignalFunc) (int      signum,
                              gpointer user_data);

guint cr_signals_watch (CrSignalFunc  func,
                        gpointer      user_data);

G_END_DECLS
