/* bench-floor.c: what a task costs before any scheduling happens, to read
 * bench-noop's numbers against: N times (single thread)
 *
 *   task-object    concurra_task_new () + g_object_unref ()
 *   task-bare      g_object_new (CONCURRA_TYPE_TASK, NULL) + g_object_unref ():
 *                  the same object without the construct-property path
 *   cancellable    g_cancellable_new () + g_object_unref ()
 *   label          g_strdup_printf ("%u", i) + g_free ()
 *   gobject        a bare GObject subclass: g_object_new () + g_object_unref ()
 *   gobject-construct  the same with one G_PARAM_CONSTRUCT_ONLY string property
 *   signal-emit    g_signal_emit () of a signal without handlers
 *   notify         g_object_notify_by_pspec () without handlers
 *
 *   bench-floor [--tasks N] [--reps R]
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

#include "bench-common.h"
#include "bench-object.h"

#define BENCH_TYPE_COBJ (bench_cobj_get_type ())
G_DECLARE_FINAL_TYPE (BenchCObj, bench_cobj, BENCH, COBJ, GObject)

struct _BenchCObj
{
  GObject  parent_instance;
  char    *name;
};

G_DEFINE_FINAL_TYPE (BenchCObj, bench_cobj, G_TYPE_OBJECT)

static void
bench_cobj_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  BENCH_COBJ (object)->name = g_value_dup_string (value);
}

static void
bench_cobj_finalize (GObject *object)
{
  g_free (BENCH_COBJ (object)->name);
  G_OBJECT_CLASS (bench_cobj_parent_class)->finalize (object);
}

static void
bench_cobj_class_init (BenchCObjClass *klass)
{
  G_OBJECT_CLASS (klass)->set_property = bench_cobj_set_property;
  G_OBJECT_CLASS (klass)->finalize = bench_cobj_finalize;
  g_object_class_install_property (G_OBJECT_CLASS (klass), 1,
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
}

static void
bench_cobj_init (BenchCObj *self)
{
}

static void
noop (ConcurraTask *task,
      GCancellable *cancellable,
      gpointer      user_data)
{
}

typedef enum { TASK_OBJECT, TASK_BARE, CANCELLABLE, LABEL, GOBJECT, GOBJECT_CONSTRUCT, SIGNAL_EMIT, NOTIFY,
               N_CASES } Case;
static const char *case_names[] = { "task-object", "task-bare", "cancellable", "label", "gobject",
                                    "gobject-construct", "signal-emit", "notify" };

static double
run_case (Case  c,
          guint n)
{
  g_autoptr(BenchObj) obj = g_object_new (BENCH_TYPE_OBJ, NULL);
  gpointer *items = g_new (gpointer, n);
  double t0 = bench_now ();

  switch (c)
    {
    case TASK_OBJECT:
      for (guint i = 0; i < n; i++)
        items[i] = concurra_task_new (NULL, noop, NULL, NULL);
      for (guint i = 0; i < n; i++)
        g_object_unref (items[i]);
      break;
    case TASK_BARE:
      for (guint i = 0; i < n; i++)
        items[i] = g_object_new (CONCURRA_TYPE_TASK, NULL);
      for (guint i = 0; i < n; i++)
        g_object_unref (items[i]);
      break;
    case CANCELLABLE:
      for (guint i = 0; i < n; i++)
        items[i] = g_cancellable_new ();
      for (guint i = 0; i < n; i++)
        g_object_unref (items[i]);
      break;
    case LABEL:
      for (guint i = 0; i < n; i++)
        items[i] = g_strdup_printf ("%u", i);
      for (guint i = 0; i < n; i++)
        g_free (items[i]);
      break;
    case GOBJECT:
      for (guint i = 0; i < n; i++)
        items[i] = g_object_new (BENCH_TYPE_OBJ, NULL);
      for (guint i = 0; i < n; i++)
        g_object_unref (items[i]);
      break;
    case GOBJECT_CONSTRUCT:
      for (guint i = 0; i < n; i++)
        items[i] = g_object_new (BENCH_TYPE_COBJ, "name", NULL, NULL);
      for (guint i = 0; i < n; i++)
        g_object_unref (items[i]);
      break;
    case SIGNAL_EMIT:
      for (guint i = 0; i < n; i++)
        g_signal_emit (obj, bench_obj_ping_signal (), 0);
      break;
    case NOTIFY:
      for (guint i = 0; i < n; i++)
        g_object_notify_by_pspec (G_OBJECT (obj), bench_obj_value_pspec ());
      break;
    default:
      g_assert_not_reached ();
    }

  g_free (items);
  return bench_now () - t0;
}

int
main (int   argc,
      char *argv[])
{
  guint n = 100000, reps = 5;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--tasks") && i + 1 < argc)
        n = bench_parse_uint (argv[++i], "--tasks");
      else if (g_str_equal (argv[i], "--reps") && i + 1 < argc)
        reps = bench_parse_uint (argv[++i], "--reps");
      else
        {
          g_printerr ("usage: %s [--tasks N] [--reps R]\n", argv[0]);
          return 2;
        }
    }

  for (Case c = 0; c < N_CASES; c++)
    {
      g_autofree double *times = g_new (double, reps);
      double median;

      run_case (c, MIN (n, 1000));
      for (guint r = 0; r < reps; r++)
        times[r] = run_case (c, n);
      median = bench_median (times, reps);
      g_print ("floor %-12s %u x: median %.4f s = %.3f us each (best %.3f us)\n",
               case_names[c], n, median, median * 1e6 / n, times[0] * 1e6 / n);
      g_print ("RESULT name=floor-%s tasks=%u reps=%u best=%.6f median=%.6f\n",
               case_names[c], n, reps, times[0], median);
    }
  return 0;
}
