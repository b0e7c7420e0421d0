/* main.c: the smallest program using an installed concurra-glib, built by
 * test-install.sh with pkg-config and by the Meson project beside it.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <concurra.h>

static void
square (ConcurraTask *task,
        GCancellable *cancellable,
        gpointer      user_data)
{
  gint64 x = GPOINTER_TO_INT (user_data);

  concurra_task_return_int (task, x * x);
}

int
main (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("consumer");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  const char *after_4[] = { "square_4", NULL };

  if (concurra_runner_add_task (runner, "square_4", NULL, square, GINT_TO_POINTER (4), NULL, &error) == NULL ||
      concurra_runner_add_task (runner, "square_5", after_4, square, GINT_TO_POINTER (5), NULL, &error) == NULL ||
      (results = concurra_runner_run (runner, NULL, &error)) == NULL)
    {
      g_printerr ("consumer: %s\n", error->message);
      return 1;
    }

  g_print ("C: square_5 = %" G_GINT64_FORMAT " (concurra-glib %s)\n",
           g_value_get_int64 (concurra_task_get_value (g_hash_table_lookup (results, "square_5"))),
           CONCURRA_VERSION_S);
  return 0;
}
