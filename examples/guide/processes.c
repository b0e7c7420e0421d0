/* processes.c: functions run in worker processes. The program is its own
 * worker: it registers its functions, then lets concurra_worker_main()
 * serve them when a runner started it as a worker.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>
#include <stdlib.h>

static GVariant *
square (GVariant      *args,
        GCancellable  *cancellable,
        gpointer       user_data,
        GError       **error)
{
  gint64 x;

  g_variant_get (args, "(x)", &x);
  return g_variant_new_int64 (x * x);
}

static GVariant *
crash (GVariant      *args,
       GCancellable  *cancellable,
       gpointer       user_data,
       GError       **error)
{
  abort ();   /* takes the worker down, not the program */
}

int
main (void)
{
  g_autoptr(ConcurraRunner) runner = NULL;
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  ConcurraTask *task;
  gint64 sum = 0;

  concurra_worker_register ("square", square, NULL, NULL);
  concurra_worker_register ("crash", crash, NULL, NULL);
  concurra_worker_main ();   /* a worker serves here and never returns */

  runner = concurra_runner_new ("processes");
  concurra_runner_set_verify_on_finish (runner, FALSE);
  concurra_runner_set_execution_mode (runner, CONCURRA_EXECUTION_MODE_PROCESS);
  concurra_runner_set_max_concurrency (runner, 2);   /* two warm workers */

  for (gint64 i = 1; i <= 5; i++)
    {
      g_autofree char *label = g_strdup_printf ("square-%" G_GINT64_FORMAT, i);

      concurra_runner_add_process_task (runner, label, NULL, "square",
                                        g_variant_new ("(x)", i), &error);
      g_assert_no_error (error);
    }
  concurra_runner_add_process_task (runner, "crash", NULL, "crash", NULL, &error);
  g_assert_no_error (error);

  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);

  for (gint64 i = 1; i <= 5; i++)
    {
      g_autofree char *label = g_strdup_printf ("square-%" G_GINT64_FORMAT, i);
      GVariant *value;

      task = g_hash_table_lookup (results, label);
      g_assert_cmpint (concurra_task_get_execution_mode (task), ==,
                       CONCURRA_EXECUTION_MODE_PROCESS);
      value = g_value_get_variant (concurra_task_get_value (task));
      sum += g_variant_get_int64 (value);
    }
  g_print ("sum of squares: %" G_GINT64_FORMAT "\n", sum);
  g_assert_cmpint (sum, ==, 55);

  task = g_hash_table_lookup (results, "crash");
  g_assert_error (concurra_task_get_error (task), CONCURRA_ERROR,
                  CONCURRA_ERROR_WORKER_CRASHED);
  g_print ("crash: %s\n", concurra_task_get_error_message (task));
  return 0;
}
