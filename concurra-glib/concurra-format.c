/* concurra-format.c: formatting shared by the task record, the progress log
 * and the report. Numbers follow Python's round(x, 2) as Concurra prints
 * them ("1.04", "2.5", "0.0"), so logs read the same in both.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-format-private.h"
#include "concurra-format.h"

#include <math.h>
#include <string.h>

void
concurra_append_number (GString *out,
                        double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  gsize len;

  g_ascii_formatd (buf, sizeof buf, "%.2f", round (value * 100.0) / 100.0);
  len = strlen (buf);
  /* drop trailing zeros but keep one decimal, as repr(round(x, 2)) does */
  while (len > 3 && buf[len - 1] == '0' && buf[len - 2] != '.')
    buf[--len] = '\0';
  g_string_append (out, buf);
}

/**
 * concurra_format_duration:
 * @seconds: a duration in seconds
 *
 * Formats a duration the way task results show it: `"1.01 sec"` below a
 * minute, `"2.5 min"` from a minute on.
 *
 * Returns: (transfer full): the text
 *
 * Since: 1.0
 */
char *
concurra_format_duration (double seconds)
{
  GString *out = g_string_new (NULL);

  if (seconds < 60.0)
    {
      concurra_append_number (out, MAX (seconds, 0.0));
      g_string_append (out, " sec");
    }
  else
    {
      concurra_append_number (out, seconds / 60.0);
      g_string_append (out, " min");
    }

  return g_string_free (out, FALSE);
}

/* GLib 2.74 looks /etc/localtime up again for every local GDateTime; the
 * zone is read once here, as most programs do. */
static GTimeZone *
local_zone (void)
{
  static GTimeZone *zone;

  if (g_once_init_enter (&zone))
    g_once_init_leave (&zone, g_time_zone_new_local ());
  return zone;
}

GDateTime *
concurra_date_time_new_local (gint64 real_usec)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (real_usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) seconds = g_date_time_to_timezone (utc, local_zone ());

  return g_date_time_add (seconds, real_usec % G_USEC_PER_SEC);
}

char *
concurra_format_timestamp (gint64 real_usec)
{
  g_autoptr(GDateTime) dt = concurra_date_time_new_local (real_usec);

  return g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
}

char *
concurra_format_progress (const char *name,
                          guint       done,
                          guint       total,
                          double      elapsed)
{
  enum { BAR = 25 };
  GString *out = g_string_new (NULL);
  /* as Concurra does: the percentage to two decimals, and the bar rounded
   * from it to the nearest '#', ties to even (2/3 fills 17 of 25) */
  double percent = total ? nearbyint (10000.0 * done / total) / 100.0 : 100.0;
  guint filled = (guint) nearbyint (percent * BAR / 100.0);
  int minutes = (int) (elapsed / 60.0);

  g_string_append_printf (out, "%s progress: [", name);
  for (guint i = 0; i < BAR; i++)
    g_string_append_c (out, i < filled ? '#' : '.');
  g_string_append_printf (out, "] %u/%u [", done, total);
  concurra_append_number (out, percent);
  g_string_append_printf (out, "%%] in %d min ", minutes);
  concurra_append_number (out, elapsed - 60.0 * minutes);
  g_string_append (out, " sec");

  return g_string_free (out, FALSE);
}

static void
append_rule (GString     *out,
             const gsize *widths,
             guint        n_columns,
             char         edge,
             char         joint)
{
  g_string_append_c (out, edge);
  for (guint c = 0; c < n_columns; c++)
    {
      for (gsize i = 0; i < widths[c] + 2; i++)
        g_string_append_c (out, '-');
      g_string_append_c (out, c + 1 < n_columns ? joint : edge);
    }
  g_string_append_c (out, '\n');
}

static void
append_row (GString            *out,
            const char * const *row,
            const gsize        *widths,
            guint               n_columns)
{
  g_string_append_c (out, '|');
  for (guint c = 0; c < n_columns; c++)
    {
      gsize len = g_utf8_strlen (row[c], -1);

      g_string_append_printf (out, " %s", row[c]);
      for (gsize i = len; i < widths[c] + 1; i++)
        g_string_append_c (out, ' ');
      g_string_append_c (out, '|');
    }
  g_string_append_c (out, '\n');
}

/* A table in the layout of tabulate's "psql" format, which Concurra uses for
 * its report; @cells holds n_rows * n_columns strings, row by row. */
char *
concurra_format_table (const char * const *headers,
                       guint               n_columns,
                       GPtrArray          *cells)
{
  g_autofree gsize *widths = g_new0 (gsize, n_columns);
  guint n_rows = cells->len / n_columns;
  GString *out = g_string_new (NULL);

  for (guint c = 0; c < n_columns; c++)
    widths[c] = g_utf8_strlen (headers[c], -1) + 2;
  for (guint i = 0; i < cells->len; i++)
    widths[i % n_columns] = MAX (widths[i % n_columns],
                                 (gsize) g_utf8_strlen (g_ptr_array_index (cells, i), -1));

  append_rule (out, widths, n_columns, '+', '+');
  append_row (out, headers, widths, n_columns);
  append_rule (out, widths, n_columns, '|', '+');
  for (guint r = 0; r < n_rows; r++)
    append_row (out, (const char * const *) &cells->pdata[r * n_columns], widths, n_columns);
  append_rule (out, widths, n_columns, '+', '+');

  return g_string_free (out, FALSE);
}

/* A string variant of @text, which may come from the system as bytes that
 * are not UTF-8 (arguments, directories, messages naming them): invalid
 * sequences are replaced. */
GVariant *
concurra_variant_new_text (const char *text)
{
  if (g_utf8_validate (text, -1, NULL))
    return g_variant_new_string (text);
  return g_variant_new_take_string (g_utf8_make_valid (text, -1));
}
