/* commands.c: external programs as tasks, in dependency order, with their
 * output, exit status and environment.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

int
main (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("commands");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("guide-XXXXXX", &error);
  const char *count_argv[] = { "wc", "-l", "lines.txt", NULL };
  const char *cleanup_argv[] = { "rm", "-r", dir, NULL };
  const char *false_argv[] = { "false", NULL };
  const char *seq_argv[] = { "seq", "100000", NULL };
  const char *after_write[] = { "write", NULL };
  const char *after_count[] = { "count", NULL };
  ConcurraTask *write, *count, *greet, *fail, *lenient, *chatty;
  int returncode;

  g_assert_no_error (error);
  concurra_runner_set_verify_on_finish (runner, FALSE);

  /* A shell command, then an exec-form one, both run in @dir. */
  write = concurra_runner_add_shell_command (runner, "write", NULL,
                                             "printf 'a\\nb\\nc\\n' > lines.txt", &error);
  concurra_task_set_cwd (write, dir);
  count = concurra_runner_add_command (runner, "count", after_write, count_argv, &error);
  concurra_task_set_cwd (count, dir);
  concurra_runner_add_command (runner, "cleanup", after_count, cleanup_argv, &error);

  /* Environment variables for one command. */
  greet = concurra_runner_add_shell_command (runner, "greet", NULL,
                                             "echo \"$GREETING\" | tr a-z A-Z", &error);
  concurra_task_setenv (greet, "GREETING", "hello");

  /* A non-zero exit fails the task, unless check is off. */
  fail = concurra_runner_add_shell_command (runner, "fail", NULL,
                                            "echo 'disk full' >&2; exit 3", &error);
  lenient = concurra_runner_add_command (runner, "lenient", NULL, false_argv, &error);
  concurra_task_set_check (lenient, FALSE);

  /* Only the beginning and the end of a long output are kept. */
  chatty = concurra_runner_add_command (runner, "chatty", NULL, seq_argv, &error);
  concurra_task_set_max_output (chatty, 64);
  g_assert_no_error (error);

  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);

  g_print ("count: %s", concurra_task_get_stdout (count));
  g_assert_cmpstr (concurra_task_get_stdout (count), ==, "3 lines.txt\n");
  g_print ("greet: %s", concurra_task_get_stdout (greet));
  g_assert_cmpstr (concurra_task_get_stdout (greet), ==, "HELLO\n");
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));

  g_assert_cmpint (concurra_task_get_status (fail), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_error (concurra_task_get_error (fail), CONCURRA_ERROR,
                  CONCURRA_ERROR_COMMAND_FAILED);
  g_assert_true (concurra_task_has_returncode (fail));
  g_assert_cmpint (concurra_task_get_returncode (fail), ==, 3);
  g_print ("fail: %s\n", concurra_task_get_error_message (fail));

  g_assert_cmpint (concurra_task_get_status (lenient), ==,
                   CONCURRA_TASK_STATUS_SUCCESSFUL);
  returncode = concurra_task_get_returncode (lenient);
  g_print ("lenient: exit status %d, status %s\n", returncode,
           concurra_task_get_has_failed (lenient) ? "failed" : "successful");
  g_assert_cmpint (returncode, ==, 1);

  g_print ("chatty: %s\n", concurra_task_get_stdout (chatty));
  g_assert_cmpuint (concurra_task_get_stdout_omitted (chatty), ==, 588895 - 64);
  g_assert_nonnull (concurra_task_get_warning (chatty));
  return 0;
}
