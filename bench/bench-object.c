/* bench-object.c: BenchObj, see bench-object.h.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-object.h"

G_DEFINE_FINAL_TYPE (BenchObj, bench_obj, G_TYPE_OBJECT)

static GParamSpec *value_pspec;
static guint ping_signal;

static void
bench_obj_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  g_value_set_int (value, BENCH_OBJ (object)->value);
}

static void
bench_obj_class_init (BenchObjClass *klass)
{
  G_OBJECT_CLASS (klass)->get_property = bench_obj_get_property;
  value_pspec = g_param_spec_int ("value", NULL, NULL, 0, G_MAXINT, 0,
                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property (G_OBJECT_CLASS (klass), 1, value_pspec);
  ping_signal = g_signal_new ("ping", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                              0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bench_obj_init (BenchObj *self)
{
}

GParamSpec *
bench_obj_value_pspec (void)
{
  return value_pspec;
}

guint
bench_obj_ping_signal (void)
{
  return ping_signal;
}
