/* bench-common.h: timing, statistics and memory helpers shared by the C
 * benchmarks. Header-only so each benchmark stays one file.
 *
 * Every benchmark prints one machine-readable line per measurement:
 *
 *   RESULT name=<id> key=value key=value ...
 *
 * which bench/compare.py parses; everything else is for humans.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static inline double
bench_now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static int
bench_cmp_double (const void *a,
                  const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Sorts @times in place; returns the median. */
static inline double
bench_median (double *times,
              guint   n)
{
  qsort (times, n, sizeof (double), bench_cmp_double);
  if (n % 2)
    return times[n / 2];
  return (times[n / 2 - 1] + times[n / 2]) / 2;
}

/* A "Vm*:" field of /proc/self/status, in bytes (0 when unavailable). */
static inline gsize
bench_proc_status_kib (const char *field)
{
  g_autofree char *contents = NULL;
  gsize flen = strlen (field);
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &contents, NULL, NULL))
    return 0;
  for (p = contents; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp (p, field, flen) == 0 && p[flen] == ':')
      return (gsize) g_ascii_strtoull (p + flen + 1, NULL, 10) * 1024;
  return 0;
}

static inline gsize
bench_rss (void)
{
  return bench_proc_status_kib ("VmRSS");
}

/* Peak RSS of the process so far (VmHWM; ru_maxrss as a fallback). */
static inline gsize
bench_peak_rss (void)
{
  gsize hwm = bench_proc_status_kib ("VmHWM");

  if (hwm == 0)
    {
      struct rusage ru;

      getrusage (RUSAGE_SELF, &ru);
      hwm = (gsize) ru.ru_maxrss * 1024;
    }
  return hwm;
}

static inline guint
bench_parse_uint (const char *s,
                  const char *what)
{
  guint64 v;
  g_autoptr(GError) error = NULL;

  if (!g_ascii_string_to_unsigned (s, 10, 1, G_MAXUINT, &v, &error))
    {
      g_printerr ("bad %s '%s': %s\n", what, s, error->message);
      exit (2);
    }
  return (guint) v;
}
