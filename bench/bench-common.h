/* bench-common.h: timing, statistics and memory helpers shared by the C
 * benchmarks. Header-only so each benchmark stays one file.
 *
 * Every benchmark prints one machine-readable line per measurement:
 *
 *   RESULT name=<id> key=value key=value ...
 *
 * which bench/compare.py parses; everything else is for humans.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

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

/* ---- idle measurements (bench-idle, bench-wait idle), read by strace
 * scripts (idle-wakeups.sh, idle-wait.sh) ---- */

static inline pid_t
bench_gettid (void)
{
  return (pid_t) syscall (SYS_gettid);
}

/* "THREAD tid name" for every thread of the process. */
static inline void
bench_print_threads (void)
{
  DIR *dir = opendir ("/proc/self/task");
  struct dirent *de;

  if (dir == NULL)
    return;
  while ((de = readdir (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *comm = NULL;

      if (de->d_name[0] == '.')
        continue;
      path = g_strdup_printf ("/proc/self/task/%s/comm", de->d_name);
      if (g_file_get_contents (path, &comm, NULL, NULL))
        printf ("THREAD %s %s\n", de->d_name, g_strstrip (comm));
    }
  closedir (dir);
}

/* The body of the one long task of an idle measurement: waits @settle_us
 * for the thread under test to reach its blocking call, prints its own
 * thread and every thread, then sleeps @seconds between the WINDOW-START
 * and WINDOW-END lines the scripts count calls in. */
static inline void
bench_sleep_window (double  seconds,
                    gulong  settle_us)
{
  g_usleep (settle_us);
  printf ("TASK-THREAD %d\n", (int) bench_gettid ());
  bench_print_threads ();
  printf ("WINDOW-START %.6f\n", g_get_real_time () / 1e6);
  fflush (stdout);
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  printf ("WINDOW-END %.6f\n", g_get_real_time () / 1e6);
  fflush (stdout);
}
