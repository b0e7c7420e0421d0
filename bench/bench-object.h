/* bench-object.h: BenchObj, the GObject the benchmarks measure against: a
 * final subclass with one readable property ("value") and one signal
 * ("ping"), like any GObject with a record to show.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define BENCH_TYPE_OBJ (bench_obj_get_type ())
G_DECLARE_FINAL_TYPE (BenchObj, bench_obj, BENCH, OBJ, GObject)

struct _BenchObj
{
  GObject parent_instance;
  int     value;
};

/* its "value" property and its "ping" signal, once the class exists */
GParamSpec *bench_obj_value_pspec (void);
guint       bench_obj_ping_signal (void);

G_END_DECLS
