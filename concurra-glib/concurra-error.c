/* concurra-error.c: the CONCURRA_ERROR quark.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"

/**
 * concurra_error_quark:
 *
 * The error domain of concurra-glib, %CONCURRA_ERROR.
 *
 * Returns: the quark
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (concurra-error-quark, concurra_error)
