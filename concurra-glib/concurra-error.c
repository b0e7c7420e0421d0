/* concurra-error.c: the CONCURRA_ERROR quark.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"

G_DEFINE_QUARK (concurra-error-quark, concurra_error)
