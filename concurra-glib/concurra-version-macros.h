/* concurra-version-macros.h: the availability and deprecation macros every
 * public symbol carries, as GLib's gversionmacros.h and libdex's
 * dex-version-macros.h have them.
 *
 * A program defines CONCURRA_VERSION_MIN_REQUIRED to the oldest version it
 * supports, to be warned about what was deprecated up to it, and
 * CONCURRA_VERSION_MAX_ALLOWED to the newest it may use, to be warned
 * about anything newer; both default to the version of these headers.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (CONCURRA_INSIDE) && !defined (CONCURRA_COMPILATION)
# error "Only <concurra.h> can be included directly."
#endif

#include <glib.h>

#ifndef _CONCURRA_EXTERN
# define _CONCURRA_EXTERN __attribute__((visibility("default"))) extern
#endif

/**
 * CONCURRA_VERSION_1_0:
 *
 * The encoded version 1.0 of concurra-glib, for
 * %CONCURRA_VERSION_MIN_REQUIRED and %CONCURRA_VERSION_MAX_ALLOWED.
 *
 * Since: 1.0
 */
#define CONCURRA_VERSION_1_0 (G_ENCODE_VERSION (1, 0))

/**
 * CONCURRA_VERSION_CUR_STABLE:
 *
 * The encoded version of these headers: their stable version, or the next
 * one for a development version.
 *
 * Since: 1.0
 */
#if (CONCURRA_MINOR_VERSION % 2)
# define CONCURRA_VERSION_CUR_STABLE \
  (G_ENCODE_VERSION (CONCURRA_MAJOR_VERSION, CONCURRA_MINOR_VERSION + 1))
#else
# define CONCURRA_VERSION_CUR_STABLE \
  (G_ENCODE_VERSION (CONCURRA_MAJOR_VERSION, CONCURRA_MINOR_VERSION))
#endif

/**
 * CONCURRA_VERSION_MIN_REQUIRED:
 *
 * The oldest version of concurra-glib the program supports. Define it,
 * to one of the `CONCURRA_VERSION_*` values, before including
 * `concurra.h` to be warned about symbols deprecated in that version or
 * earlier; symbols deprecated later are not warned about. The default is
 * %CONCURRA_VERSION_CUR_STABLE.
 *
 * Since: 1.0
 */
#ifndef CONCURRA_VERSION_MIN_REQUIRED
# define CONCURRA_VERSION_MIN_REQUIRED (CONCURRA_VERSION_CUR_STABLE)
#endif

/**
 * CONCURRA_VERSION_MAX_ALLOWED:
 *
 * The newest version of concurra-glib whose API the program may use.
 * Define it, to one of the `CONCURRA_VERSION_*` values, before including
 * `concurra.h` to be warned about any symbol added after that version.
 * The default is %CONCURRA_VERSION_CUR_STABLE.
 *
 * Since: 1.0
 */
#ifndef CONCURRA_VERSION_MAX_ALLOWED
# if CONCURRA_VERSION_MIN_REQUIRED > CONCURRA_VERSION_CUR_STABLE
#  define CONCURRA_VERSION_MAX_ALLOWED (CONCURRA_VERSION_MIN_REQUIRED)
# else
#  define CONCURRA_VERSION_MAX_ALLOWED (CONCURRA_VERSION_CUR_STABLE)
# endif
#endif

#if CONCURRA_VERSION_MAX_ALLOWED < CONCURRA_VERSION_MIN_REQUIRED
# error "CONCURRA_VERSION_MAX_ALLOWED must be >= CONCURRA_VERSION_MIN_REQUIRED"
#endif
#if CONCURRA_VERSION_MIN_REQUIRED < CONCURRA_VERSION_1_0
# error "CONCURRA_VERSION_MIN_REQUIRED must be >= CONCURRA_VERSION_1_0"
#endif

/* The building blocks; a declaration uses the versioned macros below. */

/**
 * CONCURRA_AVAILABLE_IN_ALL:
 *
 * Exports a symbol with no version: kept so that headers written before
 * the versioned macros compile. New declarations use
 * %CONCURRA_AVAILABLE_IN_1_0 or the macro of a later version.
 *
 * Since: 1.0
 */
#define CONCURRA_AVAILABLE_IN_ALL                 _CONCURRA_EXTERN

/**
 * CONCURRA_DEPRECATED:
 *
 * Exports a symbol that is deprecated, with no replacement.
 *
 * Since: 1.0
 */
#define CONCURRA_DEPRECATED                       G_DEPRECATED _CONCURRA_EXTERN

/**
 * CONCURRA_DEPRECATED_FOR:
 * @f: the symbol to use instead
 *
 * Exports a symbol that is deprecated in favour of @f.
 *
 * Since: 1.0
 */
#define CONCURRA_DEPRECATED_FOR(f)                G_DEPRECATED_FOR (f) _CONCURRA_EXTERN

/**
 * CONCURRA_UNAVAILABLE:
 * @maj: the major version the symbol came in
 * @min: the minor version the symbol came in
 *
 * Exports a symbol that %CONCURRA_VERSION_MAX_ALLOWED does not allow: using
 * it warns that it is not available before @maj.@min.
 *
 * Since: 1.0
 */
#define CONCURRA_UNAVAILABLE(maj,min)             G_UNAVAILABLE (maj, min) _CONCURRA_EXTERN

/* 1.0 */

/**
 * CONCURRA_DEPRECATED_IN_1_0:
 *
 * Declares a symbol deprecated in 1.0: a warning when
 * %CONCURRA_VERSION_MIN_REQUIRED is 1.0 or later.
 *
 * Since: 1.0
 */

/**
 * CONCURRA_DEPRECATED_IN_1_0_FOR:
 * @f: the symbol to use instead
 *
 * Declares a symbol deprecated in 1.0 in favour of @f: a warning when
 * %CONCURRA_VERSION_MIN_REQUIRED is 1.0 or later.
 *
 * Since: 1.0
 */

#if CONCURRA_VERSION_MIN_REQUIRED >= CONCURRA_VERSION_1_0
# define CONCURRA_DEPRECATED_IN_1_0               CONCURRA_DEPRECATED
# define CONCURRA_DEPRECATED_IN_1_0_FOR(f)        CONCURRA_DEPRECATED_FOR (f)
#else
# define CONCURRA_DEPRECATED_IN_1_0               _CONCURRA_EXTERN
# define CONCURRA_DEPRECATED_IN_1_0_FOR(f)        _CONCURRA_EXTERN
#endif

/**
 * CONCURRA_AVAILABLE_IN_1_0:
 *
 * Declares a symbol that came in 1.0: a warning when
 * %CONCURRA_VERSION_MAX_ALLOWED is older.
 *
 * Since: 1.0
 */
#if CONCURRA_VERSION_MAX_ALLOWED < CONCURRA_VERSION_1_0
# define CONCURRA_AVAILABLE_IN_1_0                CONCURRA_UNAVAILABLE (1, 0)
#else
# define CONCURRA_AVAILABLE_IN_1_0                _CONCURRA_EXTERN
#endif
