/* test-command.c: command tasks — external programs run with GSubprocess,
 * exec-form or through /bin/sh: validation at add time, mixing with
 * function tasks and dependencies, the per-task options (cwd, environment,
 * check, capture-output, text), the structured result and failure
 * messages, large output, killing the whole process tree on timeout,
 * abort, cancel and fast-fail (SIGTERM, then SIGKILL after a grace period),
 * file descriptor hygiene, retries and the concurrency limit.
 *
 * Processes are found by a unique marker in their command line (a sleep
 * duration like "100.<pid><n>") scanned from /proc; the test process's own
 * children are found from the ppid field of /proc/<pid>/stat, so no test
 * ever calls waitpid() and steals a child from GLib. Timing checks are
 * relative and generous.
 *
 * The test binary doubles as a helper program: run as
 * `test-command --list-fds` it prints the file descriptors it inherited.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <concurra.h>

#include "test-concurra-helpers.h"

#define TERMINATED_MESSAGE "Execution terminated before completion"
#define BIG_OUTPUT (64 * 1024 * 1024)

static char *self_exe;

/* ------------------------------------------------------------------------ */
/* A watchdog: a test that hangs (a child never killed, output never       */
/* drained) fails with its name within a bounded time.                      */
/* ------------------------------------------------------------------------ */

#define WATCHDOG_SECONDS 90

static char watchdog_test[256];

static void
watchdog_fired (int signum)
{
  static const char prefix[] = "Bail out! watchdog: test ";
  static const char suffix[] = " hung for " G_STRINGIFY (WATCHDOG_SECONDS) " s\n";

  /* async-signal-safe: write and abort only */
  (void) !write (STDERR_FILENO, prefix, sizeof prefix - 1);
  (void) !write (STDERR_FILENO, watchdog_test, strlen (watchdog_test));
  (void) !write (STDERR_FILENO, suffix, sizeof suffix - 1);
  abort ();
}

static void
watchdog_test_func (gconstpointer data)
{
  GTestFunc func = (GTestFunc) data;

  g_strlcpy (watchdog_test, g_test_get_path (), sizeof watchdog_test);
  alarm (WATCHDOG_SECONDS);
  func ();
  alarm (0);
}

static void
add_test (const char *path,
          GTestFunc   func)
{
  g_test_add_data_func (path, (gconstpointer) func, watchdog_test_func);
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                    */
/* ------------------------------------------------------------------------ */

static ConcurraRunner *
new_runner (const char *name)
{
  ConcurraRunner *runner = concurra_runner_new (name);

  concurra_runner_set_verify_on_finish (runner, FALSE);
  concurra_runner_set_log_errors (runner, FALSE);
  concurra_runner_set_max_concurrency (runner, 4);
  return runner;
}

static ConcurraTask *
add_shell (ConcurraRunner     *runner,
           const char         *label,
           const char * const *depends_on,
           const char         *command)
{
  g_autoptr(GError) error = NULL;
  ConcurraTask *task = concurra_runner_add_shell_command (runner, label, depends_on, command, &error);

  g_assert_no_error (error);
  g_assert_nonnull (task);
  return task;
}

static ConcurraTask *
add_argv (ConcurraRunner     *runner,
          const char         *label,
          const char * const *depends_on,
          const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  ConcurraTask *task = concurra_runner_add_command (runner, label, depends_on, argv, &error);

  g_assert_no_error (error);
  g_assert_nonnull (task);
  return task;
}

static void
assert_successful (ConcurraTask *task)
{
  if (concurra_task_get_status (task) != CONCURRA_TASK_STATUS_SUCCESSFUL)
    g_error ("task '%s' should have succeeded; status %d, error: %s",
             concurra_task_get_label (task), concurra_task_get_status (task),
             concurra_task_get_error_message (task));
  g_assert_null (concurra_task_get_error (task));
}

static int
returncode (ConcurraTask *task)
{
  g_assert_true (concurra_task_has_returncode (task));
  return concurra_task_get_returncode (task);
}

/* The command's structured result: the "result" entry of to_variant. */
static GVariant *
result_dict (ConcurraTask *task)
{
  g_autoptr(GVariant) variant = concurra_task_to_variant (task);
  g_autoptr(GVariant) entry = g_variant_lookup_value (variant, "result", NULL);
  GVariant *value;

  g_assert_nonnull (entry);
  value = g_variant_ref (entry);
  /* unwrap "mv" / "v" layers down to the a{sv} */
  while (!g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
    {
      GVariant *inner = NULL;

      if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
        inner = g_variant_get_variant (value);
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE))
        inner = g_variant_get_maybe (value);
      else
        g_error ("task '%s': result has unexpected type %s",
                 concurra_task_get_label (task), g_variant_get_type_string (value));
      g_variant_unref (value);
      value = inner;
      if (value == NULL)
        g_error ("task '%s': result is nothing", concurra_task_get_label (task));
    }
  return value;
}

/* The string held in an "ms" (or "s") entry, NULL for nothing. */
static char *
dict_maybe_string (GVariant   *dict,
                   const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);
  g_autoptr(GVariant) inner = NULL;

  g_assert_nonnull (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (value, NULL);
  g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE ("ms")));
  inner = g_variant_get_maybe (value);
  return inner ? g_variant_dup_string (inner, NULL) : NULL;
}

static char *
make_marker (void)
{
  static guint counter;

  /* a sleep duration nobody else uses: 100.<pid><n> seconds */
  return g_strdup_printf ("100.%u%03u", (guint) getpid (), ++counter);
}

/* Counts live processes (other than this one) whose command line has an
 * argument equal to @marker (@exact) or containing it. Zombies have an
 * empty command line and are not counted. */
static guint
count_marker_processes (const char *marker,
                        gboolean    exact)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *contents = NULL;
      gsize len;

      if (!g_ascii_isdigit (name[0]) || atoi (name) == getpid ())
        continue;
      path = g_build_filename ("/proc", name, "cmdline", NULL);
      if (!g_file_get_contents (path, &contents, &len, NULL))
        continue;
      for (gsize i = 0; i < len; i += strlen (contents + i) + 1)
        if (exact ? strcmp (contents + i, marker) == 0 : strstr (contents + i, marker) != NULL)
          {
            count++;
            break;
          }
    }
  return count;
}

/* Waits until at least @n processes have @marker as an argument. */
static gboolean
wait_marker_at_least (const char *marker,
                      guint       n,
                      double      timeout)
{
  gint64 start = g_get_monotonic_time ();

  while (count_marker_processes (marker, TRUE) < n)
    {
      if (test_elapsed (start) > timeout)
        return FALSE;
      g_usleep (10 * 1000);
    }
  return TRUE;
}

/* Waits until no process mentions @marker; returns the seconds it took, or
 * a negative number on timeout. */
static double
wait_marker_gone (const char *marker,
                  double      timeout)
{
  gint64 start = g_get_monotonic_time ();

  while (count_marker_processes (marker, FALSE) > 0)
    {
      if (test_elapsed (start) > timeout)
        return -1;
      g_usleep (10 * 1000);
    }
  return test_elapsed (start);
}

/* Lists the children of this process as "pid state cmdline" strings. */
static GPtrArray *
list_children (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  GPtrArray *children = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      g_autofree char *cmdline = NULL;
      const char *end;
      char state;
      int ppid;
      gsize len = 0;

      if (!g_ascii_isdigit (name[0]))
        continue;
      path = g_build_filename ("/proc", name, "stat", NULL);
      if (!g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      /* "pid (comm) S ppid ...": comm may hold spaces and parentheses */
      end = strrchr (stat, ')');
      if (end == NULL || sscanf (end + 1, " %c %d", &state, &ppid) != 2 || ppid != getpid ())
        continue;
      g_free (path);
      path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_file_get_contents (path, &cmdline, &len, NULL);
      for (gsize i = 0; cmdline != NULL && i + 1 < len; i++)
        if (cmdline[i] == '\0')
          cmdline[i] = ' ';
      g_ptr_array_add (children, g_strdup_printf ("%s %c %s", name, state, cmdline ? cmdline : ""));
    }
  return children;
}

/* Asserts that within @timeout seconds this process has no child left,
 * neither running nor a zombie nobody reaped. */
static void
assert_no_children (double timeout)
{
  gint64 start = g_get_monotonic_time ();

  for (;;)
    {
      g_autoptr(GPtrArray) children = list_children ();

      if (children->len == 0)
        return;
      if (test_elapsed (start) > timeout)
        {
          g_ptr_array_add (children, NULL);
          g_error ("children left behind after %g s: %s", timeout,
                   g_strjoinv (", ", (char **) children->pdata));
        }
      g_usleep (20 * 1000);
    }
}

static char *
make_tmpdir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("concurra-command-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* ------------------------------------------------------------------------ */
/* Validation                                                                 */
/* ------------------------------------------------------------------------ */

static void
assert_invalid (GError     *error,
                const char *label,
                const char *what)
{
  g_autofree char *quoted = g_strdup_printf ("'%s'", label);

  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, quoted) == NULL || strstr (error->message, what) == NULL)
    g_error ("error message \"%s\" should name %s and say \"%s\"", error->message, quoted, what);
}

static void
test_validation (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("validation");
  g_autoptr(GHashTable) results = NULL;
  const char * const empty_argv[] = { NULL };
  const char * const empty_element[] = { "echo", "", "x", NULL };
  const char * const empty_program[] = { "", "x", NULL };
  const char * const echo[] = { "echo", "ok", NULL };
  const char * const deps[] = { "first", NULL };
  ConcurraTask *task;

  add_argv (runner, "first", NULL, echo);
  g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, 1);

  /* exec form: argv with no program */
  {
    g_autoptr(GError) error = NULL;

    task = concurra_runner_add_command (runner, "empty", deps, empty_argv, &error);
    g_assert_null (task);
    assert_invalid (error, "empty", "empty argv");
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ConcurraTask) made = concurra_task_new_command (empty_argv);

    g_assert_false (concurra_runner_add (runner, made, "empty-via-add", NULL, &error));
    assert_invalid (error, "empty-via-add", "empty argv");
    g_assert_null (concurra_task_get_label (made));
  }
  /* an empty element, in the middle or as the program */
  {
    g_autoptr(GError) error = NULL;

    task = concurra_runner_add_command (runner, "blank-arg", NULL, empty_element, &error);
    g_assert_null (task);
    assert_invalid (error, "blank-arg", "argument 1");
  }
  {
    g_autoptr(GError) error = NULL;

    task = concurra_runner_add_command (runner, "blank-prog", NULL, empty_program, &error);
    g_assert_null (task);
    assert_invalid (error, "blank-prog", "argument 0");
  }
  /* shell strings: empty and whitespace only */
  {
    g_autoptr(GError) error = NULL;

    task = concurra_runner_add_shell_command (runner, "sh-empty", NULL, "", &error);
    g_assert_null (task);
    assert_invalid (error, "sh-empty", "shell command is empty");
  }
  {
    g_autoptr(GError) error = NULL;

    task = concurra_runner_add_shell_command (runner, "sh-blank", deps, " \t\n  \r ", &error);
    g_assert_null (task);
    assert_invalid (error, "sh-blank", "shell command is empty");
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ConcurraTask) made = concurra_task_new_shell_command ("   ");

    g_assert_false (concurra_runner_add (runner, made, "sh-via-add", NULL, &error));
    assert_invalid (error, "sh-via-add", "shell command is empty");
  }
  /* an unlabelled task is named by its index */
  {
    g_autoptr(GError) error = NULL;

    task = concurra_runner_add_command (runner, NULL, NULL, empty_argv, &error);
    g_assert_null (task);
    assert_invalid (error, "1", "empty argv");
  }

  /* nothing was added, and the labels are still free */
  g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (runner)), ==, 1);
  g_assert_null (concurra_runner_get_task (runner, "empty"));
  g_assert_null (concurra_runner_get_task (runner, "sh-blank"));
  task = add_shell (runner, "empty", deps, "printf fine");
  g_assert_cmpuint (concurra_runner_get_n_tasks (runner), ==, 2);

  results = test_run_ok (runner);
  g_assert_cmpuint (g_hash_table_size (results), ==, 2);
  assert_successful (task);
  g_assert_cmpstr (concurra_task_get_stdout (task), ==, "fine");
}

/* ------------------------------------------------------------------------ */
/* Mixing with function tasks                                                 */
/* ------------------------------------------------------------------------ */

static void
write_data_func (ConcurraTask *task,
                 GCancellable *cancellable,
                 gpointer      user_data)
{
  const char *dir = user_data;
  g_autofree char *path = g_build_filename (dir, "data.txt", NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, "hello from a function\n", -1, &error))
    concurra_task_return_error (task, g_steal_pointer (&error));
  else
    concurra_task_return_string (task, path);
}

static void
shout_func (ConcurraTask *task,
            GCancellable *cancellable,
            gpointer      user_data)
{
  ConcurraTask *reader = user_data;
  const char *text = concurra_task_get_stdout (reader);
  g_autofree char *upper = NULL;

  /* runs only once the command it depends on has succeeded */
  if (text == NULL)
    {
      concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "no output yet");
      return;
    }
  upper = g_ascii_strup (text, -1);
  concurra_task_return_string (task, upper);
}

static void
never_func (ConcurraTask *task,
            GCancellable *cancellable,
            gpointer      user_data)
{
  g_atomic_int_inc ((int *) user_data);
}

static void
test_mixed_dependencies (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("mixed");
  g_autoptr(GHashTable) results = NULL;
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *skipped_file = g_build_filename (dir, "must-not-exist", NULL);
  g_autofree char *skip_cmd = g_strdup_printf ("touch '%s'", skipped_file);
  const char * const cat_argv[] = { "cat", "data.txt", NULL };
  const char * const dep_write[] = { "write", NULL };
  const char * const dep_read[] = { "read", NULL };
  const char * const dep_fail[] = { "fail", NULL };
  ConcurraTask *write, *read, *shout, *fail, *after_fail_fn, *after_fail_cmd;
  int never_ran = 0;
  g_autoptr(GError) error = NULL;

  /* declared in reverse: the graph, not insertion order, decides */
  read = add_argv (runner, "read", dep_write, cat_argv);
  concurra_task_set_cwd (read, dir);
  shout = concurra_runner_add_task (runner, "shout", dep_read, shout_func,
                                    g_object_ref (read), g_object_unref, &error);
  g_assert_no_error (error);
  write = concurra_runner_add_task (runner, "write", NULL, write_data_func,
                                    g_strdup (dir), g_free, &error);
  g_assert_no_error (error);
  fail = add_shell (runner, "fail", NULL, "exit 4");
  after_fail_fn = concurra_runner_add_task (runner, "after-fail-fn", dep_fail, never_func,
                                            &never_ran, NULL, &error);
  g_assert_no_error (error);
  after_fail_cmd = add_shell (runner, "after-fail-cmd", dep_fail, skip_cmd);

  results = test_run_ok (runner);
  g_assert_cmpuint (g_hash_table_size (results), ==, 6);

  assert_successful (write);
  assert_successful (read);
  assert_successful (shout);
  g_assert_cmpint (concurra_task_get_execution_mode (write), ==, CONCURRA_EXECUTION_MODE_THREAD);
  g_assert_cmpint (concurra_task_get_execution_mode (read), ==, CONCURRA_EXECUTION_MODE_SUBPROCESS);
  g_assert_cmpint (concurra_task_get_execution_mode (shout), ==, CONCURRA_EXECUTION_MODE_THREAD);
  g_assert_cmpstr (concurra_task_get_stdout (read), ==, "hello from a function\n");
  g_assert_cmpstr (g_value_get_string (concurra_task_get_value (shout)), ==, "HELLO FROM A FUNCTION\n");

  test_assert_task_error (fail, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR_COMMAND_FAILED, NULL);
  g_assert_cmpint (concurra_task_get_execution_mode (fail), ==, CONCURRA_EXECUTION_MODE_SUBPROCESS);
  test_assert_task_error (after_fail_fn, CONCURRA_TASK_STATUS_TERMINATED,
                          CONCURRA_ERROR_DEPENDENCY_FAILED, NULL);
  test_assert_task_error (after_fail_cmd, CONCURRA_TASK_STATUS_TERMINATED,
                          CONCURRA_ERROR_DEPENDENCY_FAILED, NULL);
  g_assert_nonnull (strstr (concurra_task_get_error (after_fail_cmd)->message, "fail"));
  g_assert_cmpuint (concurra_task_get_attempts (after_fail_cmd), ==, 0);
  g_assert_cmpint (concurra_task_get_execution_mode (after_fail_cmd), ==, CONCURRA_EXECUTION_MODE_NONE);
  g_assert_false (concurra_task_has_returncode (after_fail_cmd));
  g_assert_cmpint (concurra_task_get_returncode (after_fail_cmd), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&never_ran), ==, 0);
  g_assert_false (g_file_test (skipped_file, G_FILE_TEST_EXISTS));

  remove_tree (dir);
}

/* Command tasks run on the lanes of a process-mode runner as well. */
static void
test_process_mode_runner (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("process-mode");
  g_autoptr(GHashTable) results = NULL;
  const char * const argv[] = { "echo", "from a process-mode runner", NULL };
  ConcurraTask *exec_task, *shell_task;

  concurra_runner_set_execution_mode (runner, CONCURRA_EXECUTION_MODE_PROCESS);
  exec_task = add_argv (runner, "exec", NULL, argv);
  shell_task = add_shell (runner, "shell", (const char * const[]) { "exec", NULL }, "printf '%s' shell-ok");

  results = test_run_ok (runner);
  assert_successful (exec_task);
  assert_successful (shell_task);
  g_assert_cmpint (concurra_task_get_execution_mode (exec_task), ==, CONCURRA_EXECUTION_MODE_SUBPROCESS);
  g_assert_cmpint (concurra_task_get_execution_mode (shell_task), ==, CONCURRA_EXECUTION_MODE_SUBPROCESS);
  g_assert_cmpstr (concurra_task_get_stdout (exec_task), ==, "from a process-mode runner\n");
  g_assert_cmpstr (concurra_task_get_stdout (shell_task), ==, "shell-ok");
}

/* ------------------------------------------------------------------------ */
/* The structured result                                                      */
/* ------------------------------------------------------------------------ */

static void
test_structured_result (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("result");
  g_autoptr(GHashTable) results = NULL;
  const char * const argv[] = { "echo", "generate report", NULL };
  const char *shell_cmd = "printf hello; printf oops >&2";
  ConcurraTask *exec_task, *shell_task, *fn_task;
  g_autoptr(GError) error = NULL;

  exec_task = add_argv (runner, "exec", NULL, argv);
  shell_task = add_shell (runner, "shell", NULL, shell_cmd);
  fn_task = concurra_runner_add_task (runner, "fn", NULL, never_func, &(int) { 0 }, NULL, &error);
  g_assert_no_error (error);

  /* before the run: the command is known, the result is not */
  g_assert_false (concurra_task_get_shell (exec_task));
  g_assert_true (concurra_task_get_shell (shell_task));
  g_assert_false (concurra_task_has_returncode (exec_task));
  g_assert_null (concurra_task_get_stdout (exec_task));
  g_assert_true (concurra_task_get_check (exec_task));
  g_assert_true (concurra_task_get_capture_output (exec_task));
  g_assert_true (concurra_task_get_text (exec_task));
  g_assert_null (concurra_task_get_cwd (exec_task));

  results = test_run_ok (runner);
  assert_successful (exec_task);
  assert_successful (shell_task);
  assert_successful (fn_task);

  /* getters: exec form */
  {
    const char * const *command = concurra_task_get_command (exec_task);
    g_autoptr(GBytes) out = concurra_task_get_stdout_bytes (exec_task);
    g_autoptr(GBytes) err = concurra_task_get_stderr_bytes (exec_task);

    g_assert_cmpstrv (command, argv);
    g_assert_cmpint (returncode (exec_task), ==, 0);
    g_assert_cmpstr (concurra_task_get_stdout (exec_task), ==, "generate report\n");
    g_assert_cmpstr (concurra_task_get_stderr (exec_task), ==, "");
    g_assert_nonnull (out);
    g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), "generate report\n", 16);
    g_assert_nonnull (err);
    g_assert_cmpuint (g_bytes_get_size (err), ==, 0);
    g_assert_cmpint (concurra_task_get_execution_mode (exec_task), ==, CONCURRA_EXECUTION_MODE_SUBPROCESS);
  }
  /* getters: shell */
  {
    const char * const *command = concurra_task_get_command (shell_task);
    const char * const expected[] = { "/bin/sh", "-c", shell_cmd, NULL };

    g_assert_cmpstrv (command, expected);
    g_assert_cmpint (returncode (shell_task), ==, 0);
    g_assert_cmpstr (concurra_task_get_stdout (shell_task), ==, "hello");
    g_assert_cmpstr (concurra_task_get_stderr (shell_task), ==, "oops");
  }
  /* function tasks have no command result */
  {
    const char * const *command = concurra_task_get_command (fn_task);

    g_assert_null (command);
    g_assert_false (concurra_task_get_shell (fn_task));
    g_assert_false (concurra_task_has_returncode (fn_task));
    g_assert_null (concurra_task_get_stdout (fn_task));
  }

  /* to_variant: exec form */
  {
    g_autoptr(GVariant) variant = concurra_task_to_variant (exec_task);
    g_autoptr(GVariant) dict = result_dict (exec_task);
    g_autoptr(GVariant) command = g_variant_lookup_value (dict, "command", G_VARIANT_TYPE_STRING_ARRAY);
    g_autofree const char **strv = NULL;
    g_autofree char *out = dict_maybe_string (dict, "stdout");
    g_autofree char *err = dict_maybe_string (dict, "stderr");
    g_autofree char *mode = NULL;
    gboolean shell = TRUE;
    gint32 rc = -1;

    g_assert_true (g_variant_is_of_type (variant, G_VARIANT_TYPE_VARDICT));
    g_assert_nonnull (command);
    strv = g_variant_get_strv (command, NULL);
    g_assert_cmpstrv (strv, argv);
    g_assert_true (g_variant_lookup (dict, "shell", "b", &shell));
    g_assert_false (shell);
    g_assert_true (g_variant_lookup (dict, "returncode", "i", &rc));
    g_assert_cmpint (rc, ==, 0);
    g_assert_cmpstr (out, ==, "generate report\n");
    g_assert_cmpstr (err, ==, "");
    g_assert_null (dict_maybe_string (dict, "cwd"));
    mode = dict_maybe_string (variant, "execution_mode");
    g_assert_cmpstr (mode, ==, "subprocess");
  }
  /* to_variant: shell */
  {
    g_autoptr(GVariant) dict = result_dict (shell_task);
    g_autofree char *command = NULL;
    g_autofree char *out = dict_maybe_string (dict, "stdout");
    g_autofree char *err = dict_maybe_string (dict, "stderr");
    gboolean shell = FALSE;

    g_assert_true (g_variant_lookup (dict, "command", "s", &command));
    g_assert_cmpstr (command, ==, shell_cmd);
    g_assert_true (g_variant_lookup (dict, "shell", "b", &shell));
    g_assert_true (shell);
    g_assert_cmpstr (out, ==, "hello");
    g_assert_cmpstr (err, ==, "oops");
  }
}

/* ------------------------------------------------------------------------ */
/* Options                                                                    */
/* ------------------------------------------------------------------------ */

/* Arguments and directories are bytes, not always UTF-8: the command runs
 * with them as they are, and the result shows them as valid text. */
static void
test_non_utf8_arguments (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("bytes");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *dir = g_dir_make_tmp ("concurra-caf\xe9-XXXXXX", NULL);
  g_autofree char *printed = NULL;
  const char * const argv[] = { "printf", "%s", "caf\xe9", NULL };
  const char *text;
  ConcurraTask *task, *in_dir;

  g_assert_nonnull (dir);
  task = add_argv (runner, "latin1", NULL, argv);
  in_dir = add_shell (runner, "in-dir", NULL, "pwd");
  concurra_task_set_cwd (in_dir, dir);
  results = test_run_ok (runner);

  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_cmpint (concurra_task_get_status (in_dir), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  /* text output is made valid: the byte became U+FFFD */
  g_assert_cmpstr (concurra_task_get_stdout (task), ==, "caf\xef\xbf\xbd");
  record = concurra_task_to_variant (task);
  printed = g_variant_print (record, FALSE);
  g_assert_true (g_utf8_validate (printed, -1, NULL));
  g_assert_true (g_variant_lookup (record, "result", "m*", &result));
  g_assert_nonnull (result);
  g_clear_pointer (&record, g_variant_unref);
  g_clear_pointer (&result, g_variant_unref);

  record = concurra_task_to_variant (in_dir);
  g_assert_true (g_variant_lookup (record, "result", "m*", &result));
  g_assert_nonnull (result);
  {
    g_autoptr(GVariant) inner = g_variant_get_variant (result);
    g_autoptr(GVariant) cwd = g_variant_lookup_value (inner, "cwd", G_VARIANT_TYPE ("ms"));

    g_assert_nonnull (cwd);
    g_variant_get (cwd, "m&s", &text);
    g_assert_nonnull (text);
    g_assert_nonnull (strstr (text, "concurra-caf\xef\xbf\xbd-"));
  }
  g_rmdir (dir);
}

static void
test_cwd (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("cwd");
  g_autoptr(GHashTable) results = NULL;
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *real = realpath (dir, NULL);
  g_autofree char *expected = g_strconcat (real, "\n", NULL);
  g_autofree char *file = g_build_filename (dir, "here.txt", NULL);
  g_autofree char *missing = g_build_filename (dir, "no", "such", "dir", NULL);
  const char * const pwd_argv[] = { "pwd", "-P", NULL };
  ConcurraTask *exec_task, *shell_task, *inherit_task, *bad_task;
  g_autofree char *parent_cwd = g_get_current_dir ();
  g_autofree char *parent_real = realpath (parent_cwd, NULL);
  g_autofree char *parent_expected = g_strconcat (parent_real, "\n", NULL);

  g_assert_nonnull (real);
  g_file_set_contents (file, "found relative", -1, NULL);

  exec_task = add_argv (runner, "exec", NULL, pwd_argv);
  concurra_task_set_cwd (exec_task, dir);
  g_assert_cmpstr (concurra_task_get_cwd (exec_task), ==, dir);
  shell_task = add_shell (runner, "shell", NULL, "cat here.txt");
  concurra_task_set_cwd (shell_task, dir);
  inherit_task = add_argv (runner, "inherit", NULL, pwd_argv);
  bad_task = add_argv (runner, "bad-cwd", NULL, pwd_argv);
  concurra_task_set_cwd (bad_task, missing);

  results = test_run_ok (runner);
  assert_successful (exec_task);
  assert_successful (shell_task);
  assert_successful (inherit_task);
  g_assert_cmpstr (concurra_task_get_stdout (exec_task), ==, expected);
  g_assert_cmpstr (concurra_task_get_stdout (shell_task), ==, "found relative");
  g_assert_cmpstr (concurra_task_get_stdout (inherit_task), ==, parent_expected);

  /* the result records the directory asked for */
  {
    g_autoptr(GVariant) dict = result_dict (exec_task);
    g_autofree char *cwd = dict_maybe_string (dict, "cwd");

    g_assert_cmpstr (cwd, ==, dir);
  }

  /* a directory that does not exist fails the task, not the run */
  g_assert_cmpint (concurra_task_get_status (bad_task), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_nonnull (concurra_task_get_error (bad_task));

  remove_tree (dir);
}

static GHashTable *
parse_env (const char *text)
{
  GHashTable *env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq = strchr (lines[i], '=');

      if (eq != NULL)
        g_hash_table_insert (env, g_strndup (lines[i], eq - lines[i]), g_strdup (eq + 1));
    }
  return env;
}

static void
test_environment (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("env");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GHashTable) env = NULL;
  g_autoptr(GHashTable) plain_env = NULL;
  const char * const env_argv[] = { "env", NULL };
  ConcurraTask *task, *plain, *shell_task;

  /* set in main() before any thread started */
  g_assert_cmpstr (g_getenv ("CONCURRA_TEST_INHERITED"), ==, "from-parent");

  task = add_argv (runner, "env", NULL, env_argv);
  concurra_task_setenv (task, "CONCURRA_TEST_OVERRIDDEN", "child-value");
  concurra_task_setenv (task, "CONCURRA_TEST_ADDED", "added value with = and spaces");
  concurra_task_unsetenv (task, "CONCURRA_TEST_REMOVED");
  plain = add_argv (runner, "plain", NULL, env_argv);
  shell_task = add_shell (runner, "shell", NULL,
                          "printf '%s|%s|%s' \"$CONCURRA_TEST_INHERITED\" \"$CONCURRA_TEST_ADDED\" "
                          "\"${CONCURRA_TEST_REMOVED-unset}\"");
  concurra_task_setenv (shell_task, "CONCURRA_TEST_ADDED", "shell-added");
  concurra_task_unsetenv (shell_task, "CONCURRA_TEST_REMOVED");

  results = test_run_ok (runner);
  assert_successful (task);
  assert_successful (plain);
  assert_successful (shell_task);

  env = parse_env (concurra_task_get_stdout (task));
  /* merged over the parent's environment */
  g_assert_cmpstr (g_hash_table_lookup (env, "CONCURRA_TEST_INHERITED"), ==, "from-parent");
  g_assert_cmpstr (g_hash_table_lookup (env, "PATH"), ==, g_getenv ("PATH"));
  g_assert_cmpstr (g_hash_table_lookup (env, "CONCURRA_TEST_OVERRIDDEN"), ==, "child-value");
  g_assert_cmpstr (g_hash_table_lookup (env, "CONCURRA_TEST_ADDED"), ==, "added value with = and spaces");
  g_assert_false (g_hash_table_contains (env, "CONCURRA_TEST_REMOVED"));

  /* other tasks and the parent are untouched */
  plain_env = parse_env (concurra_task_get_stdout (plain));
  g_assert_cmpstr (g_hash_table_lookup (plain_env, "CONCURRA_TEST_OVERRIDDEN"), ==, "parent-value");
  g_assert_cmpstr (g_hash_table_lookup (plain_env, "CONCURRA_TEST_REMOVED"), ==, "should-vanish");
  g_assert_false (g_hash_table_contains (plain_env, "CONCURRA_TEST_ADDED"));
  g_assert_cmpstr (g_getenv ("CONCURRA_TEST_OVERRIDDEN"), ==, "parent-value");
  g_assert_cmpstr (g_getenv ("CONCURRA_TEST_REMOVED"), ==, "should-vanish");
  g_assert_null (g_getenv ("CONCURRA_TEST_ADDED"));

  g_assert_cmpstr (concurra_task_get_stdout (shell_task), ==, "from-parent|shell-added|unset");
}

static void
test_check (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("check");
  g_autoptr(GHashTable) results = NULL;
  const char *cmd = "printf out; printf boom >&2; exit 3";
  ConcurraTask *strict, *lenient, *ok;

  strict = add_shell (runner, "strict", NULL, cmd);
  lenient = add_shell (runner, "lenient", NULL, cmd);
  concurra_task_set_check (lenient, FALSE);
  g_assert_false (concurra_task_get_check (lenient));
  ok = add_shell (runner, "ok", NULL, "true");

  results = test_run_ok (runner);

  /* check on: FAILED, the structured result still there */
  test_assert_task_error (strict, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR_COMMAND_FAILED,
                          "Command exited with return code 3: boom");
  g_assert_cmpint (returncode (strict), ==, 3);
  g_assert_cmpstr (concurra_task_get_stdout (strict), ==, "out");
  g_assert_cmpstr (concurra_task_get_stderr (strict), ==, "boom");
  g_assert_cmpuint (concurra_task_get_attempts (strict), ==, 1);
  {
    g_autoptr(GVariant) variant = concurra_task_to_variant (strict);
    g_autoptr(GVariant) dict = result_dict (strict);
    g_autofree char *err = dict_maybe_string (dict, "stderr");
    g_autofree char *message = dict_maybe_string (variant, "error");
    gboolean has_failed = FALSE;
    gint32 rc = 0;

    g_assert_true (g_variant_lookup (dict, "returncode", "i", &rc));
    g_assert_cmpint (rc, ==, 3);
    g_assert_cmpstr (err, ==, "boom");
    g_assert_true (g_variant_lookup (variant, "has_failed", "b", &has_failed));
    g_assert_true (has_failed);
    g_assert_nonnull (message);
    g_assert_nonnull (strstr (message, "Command exited with return code 3: boom"));
  }

  /* check off: a non-zero exit is a result, not a failure */
  assert_successful (lenient);
  g_assert_cmpint (returncode (lenient), ==, 3);
  g_assert_cmpstr (concurra_task_get_stdout (lenient), ==, "out");
  g_assert_cmpstr (concurra_task_get_stderr (lenient), ==, "boom");

  assert_successful (ok);
  g_assert_cmpint (returncode (ok), ==, 0);
}

static void
test_failure_message_truncated (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("truncate");
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *ascii, *utf8;
  g_autofree char *x500 = g_strnfill (500, 'x');
  g_autofree char *expected_ascii = g_strconcat ("Command exited with return code 3: ", x500, NULL);
  GString *expected_utf8 = g_string_new ("Command exited with return code 5: ");
  g_autofree char *utf8_message = NULL;

  ascii = add_shell (runner, "ascii", NULL, "head -c 2000 /dev/zero | tr '\\000' x >&2; exit 3");
  /* 600 'é' (two bytes each): the excerpt counts characters */
  utf8 = add_shell (runner, "utf8", NULL,
                    "i=0; while [ $i -lt 600 ]; do printf '\\303\\251'; i=$((i+1)); done >&2; exit 5");

  results = test_run_ok (runner);

  test_assert_task_error (ascii, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR_COMMAND_FAILED,
                          expected_ascii);
  g_assert_cmpuint (strlen (concurra_task_get_stderr (ascii)), ==, 2000);

  for (guint i = 0; i < 500; i++)
    g_string_append (expected_utf8, "\303\251");
  utf8_message = g_string_free (expected_utf8, FALSE);
  test_assert_task_error (utf8, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR_COMMAND_FAILED,
                          utf8_message);
  g_assert_cmpuint (g_utf8_strlen (concurra_task_get_stderr (utf8), -1), ==, 600);
}

static void
test_killed_by_signal (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("signal");
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *killed, *unchecked;

  killed = add_shell (runner, "killed", NULL, "printf partial; kill -9 $$");
  unchecked = add_shell (runner, "unchecked", NULL, "kill -9 $$");
  concurra_task_set_check (unchecked, FALSE);

  results = test_run_ok (runner);

  test_assert_task_error (killed, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR_COMMAND_FAILED, NULL);
  if (strstr (concurra_task_get_error (killed)->message, "killed by signal 9 (Killed)") == NULL)
    g_error ("expected \"killed by signal 9 (Killed)\" in \"%s\"",
             concurra_task_get_error (killed)->message);
  g_assert_cmpint (returncode (killed), ==, -9);
  g_assert_cmpstr (concurra_task_get_stdout (killed), ==, "partial");
  {
    g_autoptr(GVariant) dict = result_dict (killed);
    gint32 rc = 0;

    g_assert_true (g_variant_lookup (dict, "returncode", "i", &rc));
    g_assert_cmpint (rc, ==, -9);
  }

  assert_successful (unchecked);
  g_assert_cmpint (returncode (unchecked), ==, -9);
}

static void
test_missing_program (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("missing");
  g_autoptr(GHashTable) results = NULL;
  const char * const in_path[] = { "concurra-test-no-such-program-7f3a", "--flag", NULL };
  const char * const absolute[] = { "/nonexistent-concurra/bin/no-such-tool", NULL };
  const char * const after_deps[] = { "in-path", NULL };
  ConcurraTask *a, *b, *after;

  a = add_argv (runner, "in-path", NULL, in_path);
  b = add_argv (runner, "absolute", NULL, absolute);
  after = add_shell (runner, "after", after_deps, "true");

  results = test_run_ok (runner);

  test_assert_task_error (a, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR_COMMAND_FAILED, NULL);
  if (strstr (concurra_task_get_error (a)->message, "'concurra-test-no-such-program-7f3a'") == NULL)
    g_error ("message should name the program: %s", concurra_task_get_error (a)->message);
  g_assert_cmpuint (concurra_task_get_attempts (a), ==, 1);
  g_assert_false (concurra_task_has_returncode (a));

  test_assert_task_error (b, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR_COMMAND_FAILED, NULL);
  if (strstr (concurra_task_get_error (b)->message, "/nonexistent-concurra/bin/no-such-tool") == NULL)
    g_error ("message should name the program: %s", concurra_task_get_error (b)->message);

  test_assert_task_error (after, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_DEPENDENCY_FAILED, NULL);
}

/* Redirects this process's stdout and stderr into temporary files while a
 * runner runs, so a child that inherits them writes there. */
typedef struct
{
  int   saved[2];
  char *paths[2];
} Redirect;

static void
redirect_begin (Redirect *redirect)
{
  fflush (stdout);
  fflush (stderr);
  for (int fd = 1; fd <= 2; fd++)
    {
      g_autoptr(GError) error = NULL;
      int tmp = g_file_open_tmp ("concurra-inherit-XXXXXX", &redirect->paths[fd - 1], &error);

      g_assert_no_error (error);
      redirect->saved[fd - 1] = fcntl (fd, F_DUPFD_CLOEXEC, 10);
      g_assert_cmpint (redirect->saved[fd - 1], >=, 0);
      g_assert_cmpint (dup2 (tmp, fd), ==, fd);
      close (tmp);
    }
}

static void
redirect_end (Redirect *redirect,
              char    **out,
              char    **err)
{
  fflush (stdout);
  fflush (stderr);
  for (int fd = 1; fd <= 2; fd++)
    {
      dup2 (redirect->saved[fd - 1], fd);
      close (redirect->saved[fd - 1]);
    }
  *out = read_file (redirect->paths[0]);
  *err = read_file (redirect->paths[1]);
  for (int i = 0; i < 2; i++)
    {
      g_unlink (redirect->paths[i]);
      g_free (redirect->paths[i]);
    }
}

static void
test_capture_output_off (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("inherit");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char * const echo_argv[] = { "echo", "exec-form-to-parent-stdout", NULL };
  ConcurraTask *shell_task, *exec_task, *captured;
  Redirect redirect;

  shell_task = add_shell (runner, "shell", NULL,
                          "echo shell-to-parent-stdout; echo shell-to-parent-stderr >&2; exit 2");
  concurra_task_set_capture_output (shell_task, FALSE);
  concurra_task_set_check (shell_task, FALSE);
  g_assert_false (concurra_task_get_capture_output (shell_task));
  exec_task = add_argv (runner, "exec", NULL, echo_argv);
  concurra_task_set_capture_output (exec_task, FALSE);
  captured = add_shell (runner, "captured", NULL, "echo captured-stays-here; echo captured-err >&2");

  redirect_begin (&redirect);
  results = concurra_runner_run (runner, NULL, &error);
  redirect_end (&redirect, &out, &err);
  g_assert_no_error (error);

  assert_successful (shell_task);
  assert_successful (exec_task);
  assert_successful (captured);

  /* the children wrote to the parent's stdout and stderr */
  g_assert_nonnull (strstr (out, "shell-to-parent-stdout\n"));
  g_assert_nonnull (strstr (out, "exec-form-to-parent-stdout\n"));
  g_assert_nonnull (strstr (err, "shell-to-parent-stderr\n"));
  g_assert_null (strstr (out, "shell-to-parent-stderr"));
  g_assert_null (strstr (out, "captured"));
  g_assert_null (strstr (err, "captured"));

  /* nothing captured, but the exit status is known */
  g_assert_cmpint (returncode (shell_task), ==, 2);
  g_assert_null (concurra_task_get_stdout (shell_task));
  g_assert_null (concurra_task_get_stderr (shell_task));
  g_assert_null (concurra_task_get_stdout_bytes (shell_task));
  g_assert_null (concurra_task_get_stderr_bytes (shell_task));
  {
    g_autoptr(GVariant) dict = result_dict (shell_task);
    g_autoptr(GVariant) stdout_value = g_variant_lookup_value (dict, "stdout", NULL);
    g_autoptr(GVariant) stdout_inner = NULL;

    if (stdout_value != NULL)
      {
        g_assert_true (g_variant_is_of_type (stdout_value, G_VARIANT_TYPE_MAYBE));
        stdout_inner = g_variant_get_maybe (stdout_value);
        g_assert_null (stdout_inner);
      }
  }

  g_assert_cmpstr (concurra_task_get_stdout (captured), ==, "captured-stays-here\n");
  g_assert_cmpstr (concurra_task_get_stderr (captured), ==, "captured-err\n");
}

static void
test_text_off (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("bytes");
  g_autoptr(GHashTable) results = NULL;
  static const char expected[] = { 'a', '\0', 'b', '\377', 'c', '\n', '\0', '\0' };
  ConcurraTask *binary, *text;

  binary = add_shell (runner, "binary", NULL,
                      "printf 'a\\000b\\377c\\n\\000\\000'; printf '\\000\\001' >&2");
  concurra_task_set_text (binary, FALSE);
  g_assert_false (concurra_task_get_text (binary));
  /* text mode turns invalid UTF-8 into valid text */
  text = add_shell (runner, "text", NULL, "printf 'ok \\377 done'");

  results = test_run_ok (runner);
  assert_successful (binary);
  assert_successful (text);

  {
    g_autoptr(GBytes) out = concurra_task_get_stdout_bytes (binary);
    g_autoptr(GBytes) err = concurra_task_get_stderr_bytes (binary);

    g_assert_nonnull (out);
    g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), expected, sizeof expected);
    g_assert_nonnull (err);
    g_assert_cmpmem (g_bytes_get_data (err, NULL), g_bytes_get_size (err), "\0\1", 2);
    g_assert_null (concurra_task_get_stdout (binary));
    g_assert_null (concurra_task_get_stderr (binary));
  }
  {
    g_autoptr(GVariant) dict = result_dict (binary);
    g_autoptr(GVariant) value = g_variant_lookup_value (dict, "stdout", NULL);
    g_autoptr(GVariant) bytes = NULL;
    gsize len = 0;
    const char *data;

    g_assert_nonnull (value);
    g_assert_cmpstr (g_variant_get_type_string (value), ==, "may");
    bytes = g_variant_get_maybe (value);
    g_assert_nonnull (bytes);
    data = g_variant_get_fixed_array (bytes, &len, 1);
    g_assert_cmpmem (data, len, expected, sizeof expected);
  }

  {
    const char *out = concurra_task_get_stdout (text);

    g_assert_nonnull (out);
    g_assert_true (g_utf8_validate (out, -1, NULL));
    g_assert_true (g_str_has_prefix (out, "ok "));
    g_assert_true (g_str_has_suffix (out, " done"));
  }
}

/* ------------------------------------------------------------------------ */
/* Large output                                                               */
/* ------------------------------------------------------------------------ */

static gboolean
all_zero (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  for (gsize i = 0; i < len; i++)
    if (data[i] != 0)
      return FALSE;
  return TRUE;
}

static void
test_large_output (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("large");
  g_autoptr(GHashTable) results = NULL;
  g_autofree char *cmd = g_strdup_printf ("head -c %d /dev/zero >&2 & head -c %d /dev/zero; wait",
                                          BIG_OUTPUT, BIG_OUTPUT);
  ConcurraTask *task;
  gint64 start;
  double elapsed;

  task = add_shell (runner, "big", NULL, cmd);
  concurra_task_set_text (task, FALSE);
  /* a deadlock fails the test instead of hanging it */
  concurra_task_set_timeout (task, 60);

  start = g_get_monotonic_time ();
  results = test_run_ok (runner);
  elapsed = test_elapsed (start);
  g_test_message ("64 MB + 64 MB of output in %.2f s", elapsed);

  assert_successful (task);
  g_assert_cmpint (returncode (task), ==, 0);
  {
    g_autoptr(GBytes) out = concurra_task_get_stdout_bytes (task);
    g_autoptr(GBytes) err = concurra_task_get_stderr_bytes (task);

    g_assert_nonnull (out);
    g_assert_nonnull (err);
    g_assert_cmpuint (g_bytes_get_size (out), ==, BIG_OUTPUT);
    g_assert_cmpuint (g_bytes_get_size (err), ==, BIG_OUTPUT);
    g_assert_true (all_zero (out));
    g_assert_true (all_zero (err));
  }
  g_assert_cmpfloat (elapsed, <, 30);
}

/* ------------------------------------------------------------------------ */
/* max-output: the beginning and the end of what a command prints           */
/* ------------------------------------------------------------------------ */

static void
test_max_output_settings (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("max-output-settings");
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *inherits, *own, *unlimited, *under;
  gint64 value = 0;

  /* 64 MiB unless set; a task inherits it (-1) until the run resolves it */
  g_assert_cmpint (concurra_runner_get_max_output (runner), ==, 64 * 1024 * 1024);
  concurra_runner_set_max_output (runner, 4);
  g_object_get (runner, "max-output", &value, NULL);
  g_assert_cmpint (value, ==, 4);

  inherits = add_shell (runner, "inherits", NULL, "printf 0123456789");
  own = add_shell (runner, "own", NULL, "printf 0123456789");
  unlimited = add_shell (runner, "unlimited", NULL, "printf 0123456789");
  under = add_shell (runner, "under", NULL, "printf 01234567");
  concurra_task_set_max_output (under, 10);
  g_assert_cmpint (concurra_task_get_max_output (inherits), ==, -1);
  concurra_task_set_max_output (own, 10);
  g_object_set (unlimited, "max-output", (gint64) 0, NULL);
  g_assert_cmpint (concurra_task_get_max_output (unlimited), ==, 0);

  results = test_run_ok (runner);
  g_assert_cmpint (concurra_task_get_max_output (inherits), ==, 4);
  g_assert_cmpint (concurra_task_get_max_output (own), ==, 10);
  g_assert_cmpint (concurra_task_get_max_output (unlimited), ==, 0);

  g_assert_cmpstr (concurra_task_get_stdout (inherits), ==,
                   "01\n[... 6 bytes omitted (max-output 4 bytes) ...]\n89");
  g_assert_cmpuint (concurra_task_get_stdout_omitted (inherits), ==, 6);
  /* exactly at the cap: nothing is cut */
  g_assert_cmpstr (concurra_task_get_stdout (own), ==, "0123456789");
  g_assert_cmpuint (concurra_task_get_stdout_omitted (own), ==, 0);
  g_assert_null (concurra_task_get_warning (own));
  g_assert_cmpstr (concurra_task_get_stdout (unlimited), ==, "0123456789");
  g_assert_cmpstr (concurra_task_get_stdout (under), ==, "01234567");
}

static void
test_max_output_keeps_head_and_tail (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("max-output");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GString) full = g_string_new (NULL);
  g_autoptr(GVariant) dict = NULL;
  g_autofree char *marker = NULL;
  const char *out;
  ConcurraTask *task;
  guint64 omitted = 0;

  for (guint i = 1; i <= 200000; i++)
    g_string_append_printf (full, "%u\n", i);
  task = add_shell (runner, "seq", NULL, "seq 1 200000; printf 'some error' >&2; exit 3");
  concurra_task_set_max_output (task, 1000);
  results = test_run_ok (runner);

  /* the result is kept as with any failing command */
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpint (returncode (task), ==, 3);
  g_assert_nonnull (strstr (concurra_task_get_error_message (task), "some error"));

  out = concurra_task_get_stdout (task);
  marker = g_strdup_printf ("\n[... %" G_GSIZE_FORMAT " bytes omitted (max-output 1000 bytes) ...]\n",
                            full->len - 1000);
  g_assert_cmpuint (strlen (out), ==, 1000 + strlen (marker));
  g_assert_cmpmem (out, 500, full->str, 500);
  g_assert_cmpmem (out + 500, strlen (marker), marker, strlen (marker));
  g_assert_cmpstr (out + 500 + strlen (marker), ==, full->str + full->len - 500);
  g_assert_cmpuint (concurra_task_get_stdout_omitted (task), ==, full->len - 1000);
  g_assert_cmpstr (concurra_task_get_stderr (task), ==, "some error");
  g_assert_cmpuint (concurra_task_get_stderr_omitted (task), ==, 0);

  /* counted in the record, and said in the warning */
  dict = result_dict (task);
  g_assert_true (g_variant_lookup (dict, "stdout_omitted", "t", &omitted));
  g_assert_cmpuint (omitted, ==, full->len - 1000);
  g_assert_true (g_variant_lookup (dict, "stderr_omitted", "t", &omitted));
  g_assert_cmpuint (omitted, ==, 0);
  g_assert_nonnull (concurra_task_get_warning (task));
  g_assert_nonnull (strstr (concurra_task_get_warning (task), "standard output:"));
  g_assert_nonnull (strstr (concurra_task_get_warning (task), "max-output, 1000 bytes"));
  g_assert_null (strstr (concurra_task_get_warning (task), "standard error"));
}

/* The warning and the counts are of the last attempt. */
static void
test_max_output_last_attempt (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("max-output-retry");
  g_autoptr(GHashTable) results = NULL;
  g_autofree char *dir = g_dir_make_tmp ("max-output-XXXXXX", NULL);
  g_autofree char *marker = g_build_filename (dir, "tried", NULL);
  ConcurraTask *task;

  task = add_shell (runner, "retried", NULL,
                    "if [ -e tried ]; then echo short; else touch tried; seq 1000; exit 1; fi");
  concurra_task_set_cwd (task, dir);
  concurra_task_set_retries (task, 1);
  concurra_task_set_max_output (task, 100);
  results = test_run_ok (runner);

  assert_successful (task);
  g_assert_cmpuint (concurra_task_get_attempts (task), ==, 2);
  g_assert_cmpstr (concurra_task_get_stdout (task), ==, "short\n");
  g_assert_cmpuint (concurra_task_get_stdout_omitted (task), ==, 0);
  g_assert_null (concurra_task_get_warning (task));
  g_assert_no_errno (g_remove (marker));
  g_assert_no_errno (g_rmdir (dir));
}

/* Both cuts fall between characters: text stays text, not U+FFFD. */
static void
test_max_output_cuts_between_characters (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("max-output-utf8");
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *text, *bytes;

  /* 2000 bytes of two-byte characters; a cap of 7 keeps 4 + 3 bytes */
  text = add_shell (runner, "text", NULL, "for i in $(seq 1000); do printf '\\303\\251'; done");
  concurra_task_set_max_output (text, 7);
  bytes = add_shell (runner, "bytes", NULL, "for i in $(seq 1000); do printf '\\303\\251'; done >&2");
  concurra_task_set_max_output (bytes, 7);
  concurra_task_set_text (bytes, FALSE);
  results = test_run_ok (runner);

  g_assert_cmpstr (concurra_task_get_stdout (text), ==,
                   "\xc3\xa9\xc3\xa9\n[... 1994 bytes omitted (max-output 7 bytes) ...]\n\xc3\xa9");
  g_assert_cmpuint (concurra_task_get_stdout_omitted (text), ==, 1994);
  {
    g_autoptr(GBytes) err = concurra_task_get_stderr_bytes (bytes);
    const char expected[] = "\xc3\xa9\xc3\xa9\n[... 1994 bytes omitted (max-output 7 bytes) ...]\n\xc3\xa9";

    g_assert_cmpmem (g_bytes_get_data (err, NULL), g_bytes_get_size (err), expected, sizeof expected - 1);
    g_assert_cmpuint (concurra_task_get_stderr_omitted (bytes), ==, 1994);
    g_assert_nonnull (strstr (concurra_task_get_warning (bytes), "standard error: 1994 bytes omitted"));
  }
}

/* Memory stays at the cap however much is printed, and the command is
 * never blocked: 256 MiB through a 1 MiB cap. */
static void
test_max_output_bounds_memory (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("max-output-memory");
  g_autoptr(GHashTable) results = NULL;
  ConcurraTask *task;
  gsize size;

  task = add_shell (runner, "big", NULL, "head -c 268435456 /dev/zero");
  concurra_task_set_max_output (task, 1024 * 1024);
  concurra_task_set_text (task, FALSE);
  concurra_task_set_timeout (task, 60);
  results = test_run_ok (runner);

  assert_successful (task);
  {
    g_autoptr(GBytes) out = concurra_task_get_stdout_bytes (task);

    size = g_bytes_get_size (out);
    g_assert_cmpuint (size, <, 1024 * 1024 + 100);
    g_assert_cmpuint (size, >, 1024 * 1024);
  }
  g_assert_cmpuint (concurra_task_get_stdout_omitted (task), ==, 268435456 - 1024 * 1024);
}

/* ------------------------------------------------------------------------ */
/* Killing the process tree                                                   */
/* ------------------------------------------------------------------------ */

static char *
pipeline_command (const char *marker)
{
  return g_strdup_printf ("sleep %s | sleep %s", marker, marker);
}

static GHashTable *
wait_runner (ConcurraRunner *runner)
{
  g_autoptr(GError) error = NULL;
  GHashTable *results = concurra_runner_wait (runner, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (results);
  return results;
}

static void
assert_tree_gone (const char *marker)
{
  double gone = wait_marker_gone (marker, 8);

  if (gone < 0)
    g_error ("processes with marker %s still alive 8 s after the run", marker);
  assert_no_children (5);
}

static void
test_timeout_kills_tree (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("timeout");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *marker = make_marker ();
  g_autofree char *cmd = pipeline_command (marker);
  ConcurraTask *task;
  gint64 start;

  task = add_shell (runner, "pipeline", NULL, cmd);
  concurra_task_set_timeout (task, 3);

  start = g_get_monotonic_time ();
  g_assert_true (concurra_runner_start (runner, &error));
  g_assert_no_error (error);
  /* both sleeps of the pipeline are up before the deadline */
  g_assert_true (wait_marker_at_least (marker, 2, 10));
  results = wait_runner (runner);

  test_assert_task_error (task, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT,
                          "Task exceeded timeout of 3 seconds");
  g_assert_cmpint (concurra_task_get_execution_mode (task), ==, CONCURRA_EXECUTION_MODE_SUBPROCESS);
  g_assert_cmpfloat (test_elapsed (start), >=, 2.9);
  g_assert_cmpfloat (test_elapsed (start), <, 30);
  assert_tree_gone (marker);
}

/* The shell exits at once, leaving a background job that holds the output
 * pipe: the task runs until its timeout, and then the job is killed too,
 * although the group's leader was reaped long before. */
static void
test_timeout_kills_orphaned_job (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("orphaned-job");
  g_autoptr(GHashTable) results = NULL;
  g_autofree char *marker = make_marker ();
  g_autofree char *cmd = g_strdup_printf ("sleep %s & exit 0", marker);
  ConcurraTask *task;

  task = add_shell (runner, "orphaning", NULL, cmd);
  concurra_task_set_timeout (task, 1);
  results = test_run_ok (runner);

  test_assert_task_error (task, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TIMEOUT,
                          "Task exceeded timeout of 1 seconds");
  assert_tree_gone (marker);
}

static void
test_abort_kills_tree (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("abort");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *marker = make_marker ();
  g_autofree char *cmd = pipeline_command (marker);
  g_autofree char *exec_marker = make_marker ();
  const char * const sleep_argv[] = { "sleep", exec_marker, NULL };
  ConcurraTask *task, *exec_task;

  task = add_shell (runner, "pipeline", NULL, cmd);
  exec_task = add_argv (runner, "exec-sleep", NULL, sleep_argv);

  g_assert_true (concurra_runner_start (runner, &error));
  g_assert_no_error (error);
  g_assert_true (wait_marker_at_least (marker, 2, 10));
  g_assert_true (wait_marker_at_least (exec_marker, 1, 10));
  concurra_runner_abort (runner);
  results = wait_runner (runner);

  test_assert_task_error (task, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED,
                          TERMINATED_MESSAGE);
  test_assert_task_error (exec_task, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED,
                          TERMINATED_MESSAGE);
  assert_tree_gone (marker);
  assert_tree_gone (exec_marker);
}

static void
test_cancel_kills_tree (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("cancel");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *marker = make_marker ();
  g_autofree char *cmd = pipeline_command (marker);
  ConcurraTask *task, *other;

  task = add_shell (runner, "pipeline", NULL, cmd);
  other = add_shell (runner, "other", NULL, "printf still-runs");

  g_assert_true (concurra_runner_start (runner, &error));
  g_assert_no_error (error);
  g_assert_true (wait_marker_at_least (marker, 2, 10));
  g_assert_true (concurra_task_cancel (task));
  results = wait_runner (runner);

  test_assert_task_error (task, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED, NULL);
  assert_successful (other);
  assert_tree_gone (marker);
}

typedef struct
{
  char *marker;
  int   saw_processes;
} FailWhenUp;

static void
fail_when_up_func (ConcurraTask *task,
                   GCancellable *cancellable,
                   gpointer      user_data)
{
  FailWhenUp *data = user_data;

  /* fail only once the other task's process tree is running */
  g_atomic_int_set (&data->saw_processes, wait_marker_at_least (data->marker, 2, 10));
  concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "failing on purpose");
}

static void
test_fast_fail_kills_tree (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("fast-fail");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *marker = make_marker ();
  g_autofree char *cmd = pipeline_command (marker);
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *queued_file = g_build_filename (dir, "queued-ran", NULL);
  g_autofree char *queued_cmd = g_strdup_printf ("touch '%s'", queued_file);
  FailWhenUp data = { marker, 0 };
  ConcurraTask *pipeline, *failing, *queued;
  gint64 start;

  concurra_runner_set_fast_fail (runner, TRUE);
  concurra_runner_set_max_concurrency (runner, 2);
  pipeline = add_shell (runner, "pipeline", NULL, cmd);
  failing = concurra_runner_add_task (runner, "failing", NULL, fail_when_up_func, &data, NULL, &error);
  g_assert_no_error (error);
  /* no free slot until the others finish */
  queued = add_shell (runner, "queued", NULL, queued_cmd);

  start = g_get_monotonic_time ();
  results = test_run_ok (runner);

  g_assert_true (g_atomic_int_get (&data.saw_processes));
  g_assert_cmpint (concurra_task_get_status (failing), ==, CONCURRA_TASK_STATUS_FAILED);
  test_assert_task_error (pipeline, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED,
                          TERMINATED_MESSAGE);
  test_assert_task_error (queued, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED,
                          TERMINATED_MESSAGE);
  g_assert_cmpfloat (test_elapsed (start), <, 30);
  assert_tree_gone (marker);
  /* The queued command is TERMINATED, but it is not asserted that it never
   * started: the lane that ran "failing" may take it off the ready queue
   * before the owner context learns of the failure. */
  if (g_file_test (queued_file, G_FILE_TEST_EXISTS))
    g_test_message ("the queued command started before fast-fail stopped the run");
  remove_tree (dir);
}

/* The group gets SIGTERM first: a shell that traps it gets to clean up. */
static void
test_sigterm_first (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("sigterm");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *marker = make_marker ();
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *file = g_build_filename (dir, "got-term", NULL);
  g_autofree char *cmd = g_strdup_printf ("trap 'echo term > \"%s\"; exit 7' TERM; sleep %s & wait",
                                          file, marker);
  g_autofree char *contents = NULL;
  ConcurraTask *task;

  task = add_shell (runner, "trapper", NULL, cmd);
  g_assert_true (concurra_runner_start (runner, &error));
  g_assert_no_error (error);
  g_assert_true (wait_marker_at_least (marker, 1, 10));
  concurra_runner_abort (runner);
  results = wait_runner (runner);

  test_assert_task_error (task, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED, NULL);
  assert_tree_gone (marker);
  contents = read_file (file);
  g_assert_cmpstr (contents, ==, "term\n");
  remove_tree (dir);
}

/* A child that ignores SIGTERM is killed with SIGKILL after the grace
 * period, not at once and not never. */
static void
test_sigkill_after_grace (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("sigkill");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *marker = make_marker ();
  g_autofree char *cmd = g_strdup_printf ("trap '' TERM; sleep %s; echo unreachable", marker);
  ConcurraTask *task;
  gint64 aborted;
  double gone;

  task = add_shell (runner, "stubborn", NULL, cmd);
  g_assert_true (concurra_runner_start (runner, &error));
  g_assert_no_error (error);
  g_assert_true (wait_marker_at_least (marker, 1, 10));

  aborted = g_get_monotonic_time ();
  concurra_runner_abort (runner);
  gone = wait_marker_gone (marker, 10);
  if (gone < 0)
    g_error ("a TERM-ignoring child was still alive 10 s after abort");
  gone = test_elapsed (aborted);
  g_test_message ("TERM-ignoring child gone %.2f s after abort", gone);
  /* it survived the SIGTERM for a while: a grace period, then SIGKILL */
  g_assert_cmpfloat (gone, >=, 0.5);

  results = wait_runner (runner);
  test_assert_task_error (task, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR_TERMINATED, NULL);
  assert_no_children (5);
}

/* ------------------------------------------------------------------------ */
/* File descriptors                                                           */
/* ------------------------------------------------------------------------ */

/* `test-command --list-fds`: prints "fd target" for each open descriptor,
 * leaving out the one reading /proc/self/fd. */
static int
list_fds_main (void)
{
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *entry;

  if (dir == NULL)
    return 1;
  while ((entry = readdir (dir)) != NULL)
    {
      char path[320], target[4096];
      ssize_t len;

      if (entry->d_name[0] == '.' || atoi (entry->d_name) == dirfd (dir))
        continue;
      snprintf (path, sizeof path, "/proc/self/fd/%s", entry->d_name);
      len = readlink (path, target, sizeof target - 1);
      target[len < 0 ? 0 : len] = '\0';
      printf ("%s %s\n", entry->d_name, target);
    }
  closedir (dir);
  return 0;
}

static void
test_no_inherited_fds (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("fds");
  g_autoptr(GHashTable) results = NULL;
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *leak_path = g_build_filename (dir, "leak-canary", NULL);
  const char * const exec_argv[] = { self_exe, "--list-fds", NULL };
  g_autofree char *shell_cmd = g_strdup_printf ("exec '%s' --list-fds", self_exe);
  int fds[6];
  int pipefd[2];
  ConcurraTask *exec_task, *shell_task, *uncaptured;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  Redirect redirect;

  /* descriptors without FD_CLOEXEC, low and high */
  fds[0] = open (leak_path, O_WRONLY | O_CREAT, 0600);
  fds[1] = open ("/dev/null", O_RDONLY);
  g_assert_cmpint (pipe (pipefd), ==, 0);
  fds[2] = pipefd[0];
  fds[3] = pipefd[1];
  fds[4] = dup (fds[0]);
  fds[5] = dup2 (fds[0], 200);
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    {
      g_assert_cmpint (fds[i], >=, 3);
      g_assert_cmpint (fcntl (fds[i], F_GETFD) & FD_CLOEXEC, ==, 0);
    }

  exec_task = add_argv (runner, "exec", NULL, exec_argv);
  shell_task = add_shell (runner, "shell", NULL, shell_cmd);
  uncaptured = add_argv (runner, "uncaptured", NULL, exec_argv);
  concurra_task_set_capture_output (uncaptured, FALSE);

  redirect_begin (&redirect);
  results = concurra_runner_run (runner, NULL, NULL);
  redirect_end (&redirect, &out, &err);
  g_assert_nonnull (results);

  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    close (fds[i]);

  assert_successful (exec_task);
  assert_successful (shell_task);
  assert_successful (uncaptured);

  {
    ConcurraTask *tasks[] = { exec_task, shell_task };
    const char *outputs[] = { concurra_task_get_stdout (exec_task),
                              concurra_task_get_stdout (shell_task),
                              out };

    for (guint t = 0; t < G_N_ELEMENTS (outputs); t++)
      {
        g_auto(GStrv) lines = g_strsplit (outputs[t], "\n", -1);
        guint n = 0;

        g_assert_nonnull (outputs[t]);
        for (guint i = 0; lines[i] != NULL; i++)
          {
            int fd;

            if (lines[i][0] == '\0')
              continue;
            fd = atoi (lines[i]);
            if (fd > 2)
              g_error ("%s: the child inherited descriptor \"%s\"; it saw:\n%s",
                       t < G_N_ELEMENTS (tasks) ? concurra_task_get_label (tasks[t]) : "uncaptured",
                       lines[i], outputs[t]);
            n++;
          }
        g_assert_cmpuint (n, ==, 3);
      }
  }
  remove_tree (dir);
}

/* ------------------------------------------------------------------------ */
/* Retries and concurrency                                                    */
/* ------------------------------------------------------------------------ */

static char *
counting_command (const char *counter,
                  int         succeed_at)
{
  /* counts attempts in a file; fails until attempt @succeed_at */
  return g_strdup_printf ("n=$(cat '%s' 2>/dev/null || echo 0); n=$((n + 1)); echo $n > '%s'; "
                          "if [ $n -lt %d ]; then printf 'attempt %%s failed' $n >&2; exit 1; fi; "
                          "printf 'ok on attempt %%s' $n",
                          counter, counter, succeed_at);
}

static void
test_retries (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("retries");
  g_autoptr(GHashTable) results = NULL;
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *flaky_counter = g_build_filename (dir, "flaky", NULL);
  g_autofree char *broken_counter = g_build_filename (dir, "broken", NULL);
  g_autofree char *flaky_cmd = counting_command (flaky_counter, 3);
  g_autofree char *broken_cmd = counting_command (broken_counter, 1000);
  g_autofree char *flaky_count = NULL;
  g_autofree char *broken_count = NULL;
  ConcurraTask *flaky, *broken;
  const char * const *errors;

  concurra_runner_set_task_retries (runner, 1);
  flaky = add_shell (runner, "flaky", NULL, flaky_cmd);
  concurra_task_set_retries (flaky, 2);
  broken = add_shell (runner, "broken", NULL, broken_cmd);

  results = test_run_ok (runner);

  /* fails twice, then succeeds on the third run of the command */
  assert_successful (flaky);
  flaky_count = read_file (flaky_counter);
  g_assert_cmpstr (flaky_count, ==, "3\n");
  g_assert_cmpuint (concurra_task_get_attempts (flaky), ==, 3);
  g_assert_true (concurra_task_get_retried (flaky));
  g_assert_cmpstr (concurra_task_get_stdout (flaky), ==, "ok on attempt 3");
  g_assert_cmpint (returncode (flaky), ==, 0);
  errors = concurra_task_get_retry_errors (flaky);
  g_assert_cmpuint (g_strv_length ((char **) errors), ==, 2);
  g_assert_nonnull (strstr (errors[0], "Command exited with return code 1: attempt 1 failed"));
  g_assert_nonnull (strstr (errors[1], "Command exited with return code 1: attempt 2 failed"));

  /* the runner's default: one retry, then the last failure stands */
  test_assert_task_error (broken, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR_COMMAND_FAILED,
                          "Command exited with return code 1: attempt 2 failed");
  broken_count = read_file (broken_counter);
  g_assert_cmpstr (broken_count, ==, "2\n");
  g_assert_cmpuint (concurra_task_get_attempts (broken), ==, 2);
  g_assert_true (concurra_task_get_retried (broken));
  g_assert_cmpstr (concurra_task_get_stderr (broken), ==, "attempt 2 failed");
  errors = concurra_task_get_retry_errors (broken);
  g_assert_cmpuint (g_strv_length ((char **) errors), ==, 1);
  g_assert_nonnull (strstr (errors[0], "attempt 1 failed"));
  {
    g_autoptr(GVariant) variant = concurra_task_to_variant (broken);
    guint32 attempts = 0;
    gboolean retried = FALSE;
    g_autofree const char **retry_errors = NULL;

    g_assert_true (g_variant_lookup (variant, "attempts", "u", &attempts));
    g_assert_cmpuint (attempts, ==, 2);
    g_assert_true (g_variant_lookup (variant, "retried", "b", &retried));
    g_assert_true (retried);
    g_assert_true (g_variant_lookup (variant, "retry_errors", "^a&s", &retry_errors));
    g_assert_cmpuint (g_strv_length ((char **) retry_errors), ==, 1);
  }

  remove_tree (dir);
}

static void
append_log_func (ConcurraTask *task,
                 GCancellable *cancellable,
                 gpointer      user_data)
{
  const char *log = user_data;
  FILE *file = fopen (log, "a");

  g_assert_nonnull (file);
  fputs ("start\n", file);
  fflush (file);
  g_usleep (G_USEC_PER_SEC / 5);
  fputs ("end\n", file);
  fclose (file);
}

static void
test_serialized (void)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("serial");
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *log = g_build_filename (dir, "log", NULL);
  g_autofree char *cmd = g_strdup_printf ("echo start >> '%s'; sleep 0.2; echo end >> '%s'", log, log);
  g_autofree char *contents = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  const guint n_commands = 4;

  concurra_runner_set_max_concurrency (runner, 1);
  for (guint i = 0; i < n_commands; i++)
    {
      g_autofree char *label = g_strdup_printf ("cmd%u", i);

      add_shell (runner, label, NULL, cmd);
    }
  /* a function shares the single slot with the commands */
  concurra_runner_add_task (runner, "function", NULL, append_log_func, g_strdup (log), g_free, &error);
  g_assert_no_error (error);

  results = test_run_ok (runner);
  g_assert_cmpuint (concurra_runner_get_n_failed (runner), ==, 0);

  for (guint i = 0; i < n_commands + 1; i++)
    g_string_append (expected, "start\nend\n");
  contents = read_file (log);
  g_assert_cmpstr (contents, ==, expected->str);
  remove_tree (dir);
}

/* ------------------------------------------------------------------------ */
/* run, run_async and start/wait                                              */
/* ------------------------------------------------------------------------ */

typedef enum
{
  MODE_RUN,
  MODE_RUN_ASYNC,
  MODE_START_WAIT,
} RunMode;

typedef struct
{
  gboolean    done;
  GHashTable *results;
  GError     *error;
} AsyncRun;

static void
run_async_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AsyncRun *run = user_data;

  run->results = concurra_runner_run_finish (CONCURRA_RUNNER (source), result, &run->error);
  run->done = TRUE;
}

static void
run_in_mode (RunMode mode)
{
  g_autoptr(ConcurraRunner) runner = new_runner ("modes");
  g_autoptr(GHashTable) results = NULL;
  const char * const echo_argv[] = { "echo", "first", NULL };
  const char * const deps[] = { "first", NULL };
  ConcurraTask *first, *second;

  first = add_argv (runner, "first", NULL, echo_argv);
  second = add_shell (runner, "second", deps, "printf second; printf warn >&2");

  switch (mode)
    {
    case MODE_RUN:
      results = test_run_ok (runner);
      break;

    case MODE_RUN_ASYNC:
      {
        g_autoptr(GMainContext) context = g_main_context_new ();
        AsyncRun run = { FALSE, NULL, NULL };

        g_main_context_push_thread_default (context);
        concurra_runner_run_async (runner, NULL, run_async_done, &run);
        test_iterate_until (context, &run.done, TEST_LONG_WAIT);
        g_main_context_pop_thread_default (context);
        g_assert_no_error (run.error);
        results = run.results;
      }
      break;

    case MODE_START_WAIT:
      {
        g_autoptr(GError) error = NULL;

        g_assert_true (concurra_runner_start (runner, &error));
        g_assert_no_error (error);
        results = wait_runner (runner);
      }
      break;
    }

  g_assert_nonnull (results);
  g_assert_cmpuint (g_hash_table_size (results), ==, 2);
  g_assert_true (g_hash_table_lookup (results, "first") == first);
  g_assert_true (g_hash_table_lookup (results, "second") == second);
  assert_successful (first);
  assert_successful (second);
  g_assert_cmpstr (concurra_task_get_stdout (first), ==, "first\n");
  g_assert_cmpstr (concurra_task_get_stdout (second), ==, "second");
  g_assert_cmpstr (concurra_task_get_stderr (second), ==, "warn");
  g_assert_cmpint (concurra_runner_get_state (runner), ==, CONCURRA_RUNNER_STATE_FINISHED);
}

static void
test_run_sync (void)
{
  run_in_mode (MODE_RUN);
}

static void
test_run_async (void)
{
  run_in_mode (MODE_RUN_ASYNC);
}

static void
test_start_wait (void)
{
  run_in_mode (MODE_START_WAIT);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (argc == 2 && strcmp (argv[1], "--list-fds") == 0)
    return list_fds_main ();

  /* before any thread exists: setenv is not thread-safe */
  g_setenv ("CONCURRA_TEST_INHERITED", "from-parent", TRUE);
  g_setenv ("CONCURRA_TEST_OVERRIDDEN", "parent-value", TRUE);
  g_setenv ("CONCURRA_TEST_REMOVED", "should-vanish", TRUE);
  g_unsetenv ("CONCURRA_TEST_ADDED");

  g_test_init (&argc, &argv, NULL);

  signal (SIGALRM, watchdog_fired);
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_nonnull (self_exe);

  add_test ("/command/validation", test_validation);
  add_test ("/command/mixed-dependencies", test_mixed_dependencies);
  add_test ("/command/process-mode-runner", test_process_mode_runner);
  add_test ("/command/structured-result", test_structured_result);
  add_test ("/command/cwd", test_cwd);
  add_test ("/command/non-utf8-arguments", test_non_utf8_arguments);
  add_test ("/command/environment", test_environment);
  add_test ("/command/check", test_check);
  add_test ("/command/failure-message-truncated", test_failure_message_truncated);
  add_test ("/command/killed-by-signal", test_killed_by_signal);
  add_test ("/command/missing-program", test_missing_program);
  add_test ("/command/capture-output-off", test_capture_output_off);
  add_test ("/command/text-off", test_text_off);
  add_test ("/command/large-output", test_large_output);
  add_test ("/command/max-output/settings", test_max_output_settings);
  add_test ("/command/max-output/head-and-tail", test_max_output_keeps_head_and_tail);
  add_test ("/command/max-output/between-characters", test_max_output_cuts_between_characters);
  add_test ("/command/max-output/last-attempt", test_max_output_last_attempt);
  add_test ("/command/max-output/bounds-memory", test_max_output_bounds_memory);
  add_test ("/command/timeout-kills-tree", test_timeout_kills_tree);
  add_test ("/command/timeout-kills-orphaned-job", test_timeout_kills_orphaned_job);
  add_test ("/command/abort-kills-tree", test_abort_kills_tree);
  add_test ("/command/cancel-kills-tree", test_cancel_kills_tree);
  add_test ("/command/fast-fail-kills-tree", test_fast_fail_kills_tree);
  add_test ("/command/sigterm-first", test_sigterm_first);
  add_test ("/command/sigkill-after-grace", test_sigkill_after_grace);
  add_test ("/command/no-inherited-fds", test_no_inherited_fds);
  add_test ("/command/retries", test_retries);
  add_test ("/command/serialized", test_serialized);
  add_test ("/command/run-sync", test_run_sync);
  add_test ("/command/run-async", test_run_async);
  add_test ("/command/start-wait", test_start_wait);

  status = g_test_run ();
  g_free (self_exe);
  return status;
}

