/* concurra-command.c: command tasks — external programs, exec-form or
 * through /bin/sh, and their executor (the child itself is
 * concurra-child.c's).
 *
 * Command tasks share max-concurrency with every other task, but no thread
 * waits for them: the command executor spawns the child from the owner
 * context, in its own process group, collects its output with
 * g_subprocess_communicate_async() (both pipes read concurrently, so a
 * chatty child cannot deadlock) and builds the structured result when the
 * child has exited. When the attempt is cancelled (timeout, abort,
 * fast-fail, cancel), the whole group gets SIGTERM at once, then SIGKILL if
 * it is still alive after a grace period; the attempt finishes only once
 * the child is reaped, and the run only after that, so nothing is left
 * behind.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-executor-private.h"
#include "concurra-format-private.h"
#include "concurra-child-private.h"
#include "concurra-slurm-private.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define KILL_GRACE_MS 2000
#define STDERR_EXCERPT 500

struct _ConcurraCommand
{
  char       **argv;
  char        *shell_command;   /* set for shell commands */
  char       **shell_argv;      /* /bin/sh -c and shell_command, for get_command() */
  char        *cwd;
  GHashTable  *env;             /* name -> value, NULL value to unset */
  gboolean     check;
  gboolean     capture_output;
  gboolean     text;
};

void
concurra_command_free (ConcurraCommand *command)
{
  g_strfreev (command->argv);
  g_free (command->shell_command);
  g_strfreev (command->shell_argv);
  g_free (command->cwd);
  g_clear_pointer (&command->env, g_hash_table_unref);
  g_free (command);
}

static void
command_func (ConcurraTask *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  /* never called: the command executor runs command tasks */
  g_assert_not_reached ();
}

static ConcurraTask *
command_task_new (const char *name,
                  char      **argv,
                  char       *shell_command)
{
  ConcurraTask *task = concurra_task_new (name, command_func, NULL, NULL);
  ConcurraCommand *command = g_new0 (ConcurraCommand, 1);

  command->argv = argv;
  command->shell_command = shell_command;
  if (shell_command != NULL)
    {
      const char *shell_argv[] = { "/bin/sh", "-c", shell_command, NULL };

      command->shell_argv = g_strdupv ((char **) shell_argv);
    }
  command->check = TRUE;
  command->capture_output = TRUE;
  command->text = TRUE;
  task->command = command;
  task->executor = &concurra_command_executor;
  return task;
}

/**
 * concurra_task_new_command:
 * @argv: (array zero-terminated=1): the program and its arguments, passed
 *   as they are (no shell)
 *
 * Creates a command task that runs @argv, looked up in `PATH`. The
 * argument vector is checked when the task is added to a runner: an empty
 * vector or an empty or %NULL element is a %CONCURRA_ERROR_INVALID_ARGUMENT.
 *
 * Returns: (transfer full): a new task
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_task_new_command (const char * const *argv)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (argv != NULL, NULL);

  /* a name must be text; an empty argv is refused when the task is added */
  if (argv[0] != NULL)
    name = g_utf8_make_valid (argv[0], -1);
  return command_task_new (name, g_strdupv ((char **) argv), NULL);
}

/**
 * concurra_task_new_shell_command:
 * @command: a command line for `/bin/sh -c`
 *
 * Creates a command task that runs @command through the shell, for pipes,
 * redirections, globs and chains. Prefer [ctor@Concurra.Task.new_command]
 * when no shell syntax is needed. An empty or blank @command is a
 * %CONCURRA_ERROR_INVALID_ARGUMENT when the task is added.
 *
 * Returns: (transfer full): a new task
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_task_new_shell_command (const char *command)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (command != NULL, NULL);

  name = g_utf8_make_valid (command, -1);
  return command_task_new (name, NULL, g_strdup (command));
}

gboolean
concurra_command_validate (ConcurraTask  *task,
                           const char    *label,
                           GError       **error)
{
  ConcurraCommand *command = task->command;

  if (command->shell_command != NULL)
    {
      g_autofree char *stripped = g_strstrip (g_strdup (command->shell_command));

      if (*stripped == '\0')
        {
          g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                       "Task '%s': the shell command is empty", label);
          return FALSE;
        }
      return TRUE;
    }

  if (command->argv[0] == NULL)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                   "Task '%s': the command has no program (empty argv)", label);
      return FALSE;
    }
  for (guint i = 0; command->argv[i] != NULL; i++)
    if (command->argv[i][0] == '\0')
      {
        g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                     "Task '%s': argument %u of the command is empty", label, i);
        return FALSE;
      }
  return TRUE;
}

static ConcurraCommand *
get_command (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);
  g_return_val_if_fail (task->command != NULL, NULL);
  return task->command;
}

/**
 * concurra_task_set_cwd:
 * @task: a command task not started yet
 * @cwd: (nullable) (type filename): the working directory, %NULL for the
 *   parent's
 *
 * Sets the directory the command runs in.
 *
 * Since: 1.0
 */
void
concurra_task_set_cwd (ConcurraTask *task,
                       const char   *cwd)
{
  ConcurraCommand *command = get_command (task);

  if (command == NULL)
    return;
  g_free (command->cwd);
  command->cwd = g_strdup (cwd);
}

/**
 * concurra_task_get_cwd:
 * @task: a command task
 *
 * Gets the directory the command runs in.
 *
 * Returns: (nullable) (type filename): the directory, %NULL for the parent's
 *
 * Since: 1.0
 */
const char *
concurra_task_get_cwd (ConcurraTask *task)
{
  ConcurraCommand *command = get_command (task);

  return command ? command->cwd : NULL;
}

static void
set_env (ConcurraTask *task,
         const char   *variable,
         const char   *value)
{
  ConcurraCommand *command = get_command (task);

  g_return_if_fail (variable != NULL && *variable != '\0' && strchr (variable, '=') == NULL);

  if (command == NULL)
    return;
  if (command->env == NULL)
    command->env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (command->env, g_strdup (variable), g_strdup (value));
}

/**
 * concurra_task_setenv:
 * @task: a command task not started yet
 * @variable: an environment variable name
 * @value: its value for the command
 *
 * Overrides one variable of the environment the command inherits from the
 * parent process.
 *
 * Since: 1.0
 */
void
concurra_task_setenv (ConcurraTask *task,
                      const char   *variable,
                      const char   *value)
{
  g_return_if_fail (value != NULL);
  set_env (task, variable, value);
}

/**
 * concurra_task_unsetenv:
 * @task: a command task not started yet
 * @variable: an environment variable name
 *
 * Removes one variable from the environment the command inherits.
 *
 * Since: 1.0
 */
void
concurra_task_unsetenv (ConcurraTask *task,
                        const char   *variable)
{
  set_env (task, variable, NULL);
}

/**
 * concurra_task_set_check:
 * @task: a command task not started yet
 * @check: whether a non-zero exit fails the task
 *
 * Sets whether a non-zero exit status (or death by a signal) makes the task
 * %CONCURRA_TASK_STATUS_FAILED; its structured result stays available
 * either way. On by default.
 *
 * Since: 1.0
 */
void
concurra_task_set_check (ConcurraTask *task,
                         gboolean      check)
{
  ConcurraCommand *command = get_command (task);

  if (command != NULL)
    command->check = !!check;
}

/**
 * concurra_task_get_check:
 * @task: a command task
 *
 * Gets whether a non-zero exit fails the task.
 *
 * Returns: the setting
 *
 * Since: 1.0
 */
gboolean
concurra_task_get_check (ConcurraTask *task)
{
  ConcurraCommand *command = get_command (task);

  return command ? command->check : FALSE;
}

/**
 * concurra_task_set_capture_output:
 * @task: a command task not started yet
 * @capture_output: whether to keep the command's output
 *
 * Sets whether the command's standard output and error are captured into
 * the result (the default) or go to the parent's.
 *
 * Since: 1.0
 */
void
concurra_task_set_capture_output (ConcurraTask *task,
                                  gboolean      capture_output)
{
  ConcurraCommand *command = get_command (task);

  if (command != NULL)
    command->capture_output = !!capture_output;
}

/**
 * concurra_task_get_capture_output:
 * @task: a command task
 *
 * Gets whether the command's output is captured.
 *
 * Returns: the setting
 *
 * Since: 1.0
 */
gboolean
concurra_task_get_capture_output (ConcurraTask *task)
{
  ConcurraCommand *command = get_command (task);

  return command ? command->capture_output : FALSE;
}

/**
 * concurra_task_set_text:
 * @task: a command task not started yet
 * @text: whether output is text
 *
 * Sets whether captured output is decoded as UTF-8 text (the default; invalid
 * sequences are replaced) or kept as bytes.
 *
 * Since: 1.0
 */
void
concurra_task_set_text (ConcurraTask *task,
                        gboolean      text)
{
  ConcurraCommand *command = get_command (task);

  if (command != NULL)
    command->text = !!text;
}

/**
 * concurra_task_get_text:
 * @task: a command task
 *
 * Gets whether captured output is text.
 *
 * Returns: the setting
 *
 * Since: 1.0
 */
gboolean
concurra_task_get_text (ConcurraTask *task)
{
  ConcurraCommand *command = get_command (task);

  return command ? command->text : FALSE;
}

/**
 * concurra_task_set_max_output:
 * @task: a task not started yet
 * @max_output: bytes kept of each output stream, 0 for all of them, -1 for
 *   the runner's default
 *
 * Sets how much of the command's captured standard output and error is
 * kept; see [property@Concurra.Task:max-output].
 *
 * Since: 1.0
 */
void
concurra_task_set_max_output (ConcurraTask *task,
                              gint64        max_output)
{
  g_return_if_fail (CONCURRA_IS_TASK (task));
  g_return_if_fail (max_output >= -1);

  if (task->max_output != max_output)
    {
      task->max_output = max_output;
      g_object_notify_by_pspec (G_OBJECT (task), concurra_task_properties[TASK_PROP_MAX_OUTPUT]);
    }
}

/**
 * concurra_task_get_max_output:
 * @task: a task
 *
 * Gets how much of each captured output stream is kept; see
 * [property@Concurra.Task:max-output]. Once the run started, this is the
 * effective value (the runner's default resolved).
 *
 * Returns: bytes, 0 for no cap, -1 for the runner's default
 *
 * Since: 1.0
 */
gint64
concurra_task_get_max_output (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), -1);
  return task->max_output;
}

/**
 * concurra_task_get_shell:
 * @task: a task
 *
 * Whether the task is a shell command.
 *
 * Returns: %TRUE for tasks made with [ctor@Concurra.Task.new_shell_command]
 *
 * Since: 1.0
 */
gboolean
concurra_task_get_shell (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), FALSE);
  return task->command != NULL && task->command->shell_command != NULL;
}

/**
 * concurra_task_get_command:
 * @task: a task
 *
 * Gets the command line: the argument vector of an exec-form command, or
 * `/bin/sh`, `-c` and the command of a shell command.
 *
 * Returns: (nullable) (array zero-terminated=1) (transfer none): the
 *   arguments, owned by the task; %NULL for a function task
 *
 * Since: 1.0
 */
const char * const *
concurra_task_get_command (ConcurraTask *task)
{
  g_return_val_if_fail (CONCURRA_IS_TASK (task), NULL);

  if (task->command == NULL)
    return NULL;
  return (const char * const *) (task->command->argv != NULL ? task->command->argv
                                                             : task->command->shell_argv);
}

/* ---- the structured result, stored as the task's value ---- */

static GVariant *
result_lookup (ConcurraTask       *task,
               const char         *key,
               const GVariantType *type)
{
  const GValue *value = concurra_task_get_value (task);
  GVariant *dict;

  if (task->command == NULL || value == NULL || !G_VALUE_HOLDS_VARIANT (value))
    return NULL;
  dict = g_value_get_variant (value);
  return g_variant_lookup_value (dict, key, type);
}

/**
 * concurra_task_has_returncode:
 * @task: a task
 *
 * Gets whether the task is a command that ran to its end, so that
 * [method@Concurra.Task.get_returncode] says how it ended.
 *
 * Returns: %TRUE if the command ran to its end
 *
 * Since: 1.0
 */
gboolean
concurra_task_has_returncode (ConcurraTask *task)
{
  g_autoptr(GVariant) v = NULL;

  g_return_val_if_fail (CONCURRA_IS_TASK (task), FALSE);

  v = result_lookup (task, "returncode", G_VARIANT_TYPE_INT32);
  return v != NULL;
}

/**
 * concurra_task_get_returncode:
 * @task: a task
 *
 * Gets how a command ended: its exit status, or minus the number of the
 * signal that killed it (as Python reports it). A task that is not a
 * command, or a command that did not run to its end, has none
 * ([method@Concurra.Task.has_returncode]): 0 then.
 *
 * Returns: the exit status, minus a signal number, or 0
 *
 * Since: 1.0
 */
int
concurra_task_get_returncode (ConcurraTask *task)
{
  g_autoptr(GVariant) v = NULL;

  g_return_val_if_fail (CONCURRA_IS_TASK (task), 0);

  v = result_lookup (task, "returncode", G_VARIANT_TYPE_INT32);
  return v != NULL ? g_variant_get_int32 (v) : 0;
}

static GBytes *
output_bytes (ConcurraTask *task,
              const char   *key)
{
  g_autoptr(GVariant) maybe = result_lookup (task, key, NULL);
  g_autoptr(GVariant) v = maybe ? g_variant_get_maybe (maybe) : NULL;

  if (v == NULL)
    return NULL;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    {
      gsize len;
      const char *s = g_variant_get_string (v, &len);

      return g_bytes_new (s, len);
    }
  return g_variant_get_data_as_bytes (v);
}

static const char *
output_text (ConcurraTask *task,
             const char   *key)
{
  g_autoptr(GVariant) maybe = result_lookup (task, key, NULL);
  g_autoptr(GVariant) v = maybe ? g_variant_get_maybe (maybe) : NULL;

  /* the string lives in the result variant, which the task keeps */
  if (v == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return NULL;
  return g_variant_get_string (v, NULL);
}

/**
 * concurra_task_get_stdout:
 * @task: a command task
 *
 * Gets the command's captured standard output as text.
 *
 * Returns: (nullable): the output, %NULL if it was not captured or is bytes
 *
 * Since: 1.0
 */
const char *
concurra_task_get_stdout (ConcurraTask *task)
{
  return output_text (task, "stdout");
}

/**
 * concurra_task_get_stderr:
 * @task: a command task
 *
 * Gets the command's captured standard error as text.
 *
 * Returns: (nullable): the output, %NULL if it was not captured or is bytes
 *
 * Since: 1.0
 */
const char *
concurra_task_get_stderr (ConcurraTask *task)
{
  return output_text (task, "stderr");
}

/**
 * concurra_task_get_stdout_bytes:
 * @task: a command task
 *
 * Gets the command's captured standard output as bytes, text or not.
 *
 * Returns: (nullable) (transfer full): the output, %NULL if not captured
 *
 * Since: 1.0
 */
GBytes *
concurra_task_get_stdout_bytes (ConcurraTask *task)
{
  return output_bytes (task, "stdout");
}

/**
 * concurra_task_get_stderr_bytes:
 * @task: a command task
 *
 * Gets the command's captured standard error as bytes, text or not.
 *
 * Returns: (nullable) (transfer full): the output, %NULL if not captured
 *
 * Since: 1.0
 */
GBytes *
concurra_task_get_stderr_bytes (ConcurraTask *task)
{
  return output_bytes (task, "stderr");
}

static guint64
omitted (ConcurraTask *task,
         const char   *key)
{
  g_autoptr(GVariant) v = result_lookup (task, key, G_VARIANT_TYPE_UINT64);

  return v ? g_variant_get_uint64 (v) : 0;
}

/**
 * concurra_task_get_stdout_omitted:
 * @task: a command task
 *
 * Gets how many bytes of standard output
 * [property@Concurra.Task:max-output] left out of the captured output.
 *
 * Returns: the number of bytes, 0 if none (or nothing was captured)
 *
 * Since: 1.0
 */
guint64
concurra_task_get_stdout_omitted (ConcurraTask *task)
{
  return omitted (task, "stdout_omitted");
}

/**
 * concurra_task_get_stderr_omitted:
 * @task: a command task
 *
 * Gets how many bytes of standard error
 * [property@Concurra.Task:max-output] left out of the captured output.
 *
 * Returns: the number of bytes, 0 if none (or nothing was captured)
 *
 * Since: 1.0
 */
guint64
concurra_task_get_stderr_omitted (ConcurraTask *task)
{
  return omitted (task, "stderr_omitted");
}

/* ---- running, from the owner context ---- */

static char **
command_environ (ConcurraCommand *command)
{
  char **envp = g_get_environ ();
  GHashTableIter iter;
  gpointer name, value;

  if (command->env == NULL)
    return envp;
  g_hash_table_iter_init (&iter, command->env);
  while (g_hash_table_iter_next (&iter, &name, &value))
    envp = value ? g_environ_setenv (envp, name, value, TRUE) : g_environ_unsetenv (envp, name);
  return envp;
}

static ConcurraChild *
spawn (ConcurraTask       *task,
       ConcurraChildFunc   func,
       gpointer            user_data,
       GError            **error)
{
  ConcurraCommand *command = task->command;
  const char *shell_argv[] = { "/bin/sh", "-c", command->shell_command, NULL };
  const char * const *argv = command->shell_command ? shell_argv : (const char * const *) command->argv;
  g_auto(GStrv) envp = command_environ (command);
  /* a Slurm task: srun runs it, and srun's standard error is always read */
  g_auto(GStrv) srun_argv = concurra_launch_wrap (task, argv);

  return concurra_child_spawn (srun_argv ? (const char * const *) srun_argv : argv,
                               (const char * const *) envp, command->cwd,
                               command->capture_output || srun_argv, -1, func, user_data, error);
}

/* One command attempt, driven by the owner context. The attempt's
 * cancellable does not stop the reading: cancelling kills the process
 * group, and the pipes then close on their own. */
typedef struct
{
  ConcurraTask       *task;
  ConcurraChild      *child;
  GMainContext       *context;
  GCancellable       *cancellable;
  gulong              cancel_id;
  GSource            *grace;      /* armed by cancellation */
  ConcurraSlurmAttempt *slurm;    /* a Slurm task's, see concurra-slurm.c */
  ConcurraFinishFunc  finish;
  gpointer            finish_data;
} CommandRun;

static gboolean
on_grace_expired (gpointer user_data)
{
  CommandRun *run = user_data;

  concurra_child_signal_group (run->child, SIGKILL);
  if (run->slurm != NULL)
    concurra_slurm_attempt_cancel (run->slurm, run->child);
  return G_SOURCE_REMOVE;
}

/* On the owner context: SIGTERM now, SIGKILL after the grace period. */
static void
on_cancelled (GCancellable *cancellable,
              CommandRun   *run)
{
  concurra_child_signal_group (run->child, SIGTERM);
  if (run->slurm != NULL)
    concurra_slurm_attempt_cancel (run->slurm, run->child);
  run->grace = g_timeout_source_new (KILL_GRACE_MS);
  g_source_set_static_name (run->grace, "[concurra] command kill grace");
  g_source_set_callback (run->grace, on_grace_expired, run, NULL);
  g_source_attach (run->grace, run->context);
}

/* The output as the result holds it, taking @bytes (which holds one byte
 * more than the output, for the NUL a string needs): a string, made valid
 * UTF-8 if it is not, or bytes. Output that is valid text, the usual case,
 * is not copied. */
static GVariant *
output_variant (ConcurraCommand *command,
                GBytes          *bytes)
{
  const GVariantType *type = command->text ? G_VARIANT_TYPE_STRING : G_VARIANT_TYPE_BYTESTRING;
  GVariant *value = NULL;

  if (bytes != NULL)
    {
      gsize size;
      const char *data = g_bytes_get_data (bytes, &size);

      if (!command->text)
        value = g_variant_new_from_data (type, data, size - 1, TRUE,
                                         (GDestroyNotify) g_bytes_unref, g_bytes_ref (bytes));
      else if (g_utf8_validate_len (data, size - 1, NULL))
        value = g_variant_new_from_bytes (type, bytes, TRUE);
      else
        value = g_variant_new_take_string (g_utf8_make_valid (data, size - 1));
    }
  g_clear_pointer (&bytes, g_bytes_unref);
  return g_variant_new_maybe (type, value);
}

/* Arguments and directories are bytes to the system, not always UTF-8:
 * the result shows them valid, invalid sequences replaced. */
static GVariant *
argv_variant (char **argv)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; argv[i] != NULL; i++)
    g_variant_builder_add_value (&builder, concurra_variant_new_text (argv[i]));
  return g_variant_builder_end (&builder);
}

/* Takes @out and @err. */
static GVariant *
result_variant (ConcurraCommand *command,
                int              returncode,
                GBytes          *out,
                GBytes          *err,
                const guint64   *omitted)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  if (command->shell_command != NULL)
    g_variant_builder_add (&builder, "{sv}", "command", concurra_variant_new_text (command->shell_command));
  else
    g_variant_builder_add (&builder, "{sv}", "command", argv_variant (command->argv));
  g_variant_builder_add (&builder, "{sv}", "shell", g_variant_new_boolean (command->shell_command != NULL));
  g_variant_builder_add (&builder, "{sv}", "returncode", g_variant_new_int32 (returncode));
  g_variant_builder_add (&builder, "{sv}", "stdout", output_variant (command, out));
  g_variant_builder_add (&builder, "{sv}", "stderr", output_variant (command, err));
  g_variant_builder_add (&builder, "{sv}", "stdout_omitted", g_variant_new_uint64 (omitted[0]));
  g_variant_builder_add (&builder, "{sv}", "stderr_omitted", g_variant_new_uint64 (omitted[1]));
  g_variant_builder_add (&builder, "{sv}", "cwd",
                         g_variant_new_maybe (G_VARIANT_TYPE_STRING,
                                              command->cwd ? concurra_variant_new_text (command->cwd) : NULL));
  return g_variant_builder_end (&builder);
}

static GError *
exit_error (ConcurraChild *child,
            GVariant      *err)
{
  g_autofree char *excerpt = NULL;

  if (concurra_child_get_if_signaled (child))
    {
      g_autofree char *how = concurra_child_describe_exit (child);

      return g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_COMMAND_FAILED, "Command %s", how);
    }

  if (err != NULL)
    {
      gsize len;
      const char *data = g_variant_is_of_type (err, G_VARIANT_TYPE_STRING)
                         ? g_variant_get_string (err, &len)
                         : g_variant_get_fixed_array (err, &len, 1);
      /* only the beginning is shown: a command may print megabytes */
      g_autofree char *valid = g_utf8_make_valid (data ? data : "", MIN (len, 4 * STDERR_EXCERPT));

      excerpt = g_utf8_substring (valid, 0, MIN (g_utf8_strlen (valid, -1), STDERR_EXCERPT));
      g_strchomp (excerpt);
    }
  return g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_COMMAND_FAILED,
                      "Command exited with return code %d%s%s",
                      concurra_child_get_returncode (child),
                      excerpt && *excerpt ? ": " : "", excerpt ? excerpt : "");
}

/* -1 is resolved to the runner's value when the run starts */
static guint64
effective_max_output (ConcurraTask *task)
{
  return task->max_output >= 0 ? (guint64) task->max_output : CONCURRA_MAX_OUTPUT_DEFAULT;
}

/* Past max-output, the task says so, naming the streams that were cut;
 * the warning is of the last attempt (a command task has no other). */
static void
warn_omitted (ConcurraTask  *task,
              const guint64 *omitted)
{
  static const char * const names[] = { "standard output", "standard error" };
  g_autoptr(GString) warning = g_string_new (NULL);

  for (guint i = 0; i < 2; i++)
    if (omitted[i] > 0)
      g_string_append_printf (warning, "%s%s: %" G_GUINT64_FORMAT " bytes omitted",
                              warning->len ? "; " : "", names[i], omitted[i]);
  if (warning->len == 0)
    {
      if (task->warning != NULL)
        concurra_task_set_warning (task, NULL);
      return;
    }
  g_string_append_printf (warning, " (over max-output, %" G_GUINT64_FORMAT " bytes a stream: "
                          "the beginning and the end were kept)", effective_max_output (task));
  concurra_task_set_warning (task, warning->str);
}

static void
record_exit (ConcurraTask  *task,
             ConcurraChild *child)
{
  ConcurraCommand *command = task->command;
  int returncode = concurra_child_get_returncode (child);
  GBytes *out = concurra_child_steal_output (child, 1);
  GBytes *err = concurra_child_steal_output (child, 2);
  guint64 omitted[2] = { concurra_child_get_omitted (child, 1), concurra_child_get_omitted (child, 2) };
  GVariant *result = result_variant (command, returncode, out, err, omitted);

  warn_omitted (task, omitted);

  /* the result is kept even when the exit status fails the task */
  g_value_init (&task->outcome.value, G_TYPE_VARIANT);
  g_value_set_variant (&task->outcome.value, result);
  task->outcome.reported = TRUE;
  if (command->check && returncode != 0)
    {
      g_autoptr(GVariant) maybe = g_variant_lookup_value (result, "stderr", NULL);
      g_autoptr(GVariant) err = g_variant_get_maybe (maybe);

      task->outcome.error = exit_error (child, err);
    }
}

/* The child has exited and its pipes are closed: record the result, make
 * sure nothing of its group is left, and end the attempt. */
static void
on_child_done (ConcurraChild *child,
               gpointer       user_data)
{
  CommandRun *run = user_data;

  /* a scancel still running: this is called again when it has exited */
  if (run->slurm != NULL && concurra_slurm_attempt_defer (run->slurm, on_child_done, child, run))
    return;

  /* not from inside the cancellation handler: that one returned */
  g_cancellable_disconnect (run->cancellable, run->cancel_id);
  if (run->grace != NULL)
    {
      /* the child is gone, but a member of its group that ignored SIGTERM
       * may not be: the group lives on while it does */
      concurra_child_signal_group (child, SIGKILL);
      g_source_destroy (run->grace);
      g_source_unref (run->grace);
    }

  if (run->slurm != NULL)
    concurra_slurm_attempt_translate (run->slurm, child);
  record_exit (run->task, child);
  if (run->slurm != NULL)
    {
      concurra_slurm_attempt_record (run->slurm, g_cancellable_is_cancelled (run->cancellable));
      concurra_slurm_attempt_free (run->slurm);
    }
  run->finish (run->task, run->finish_data);
  concurra_child_free (child);
  g_object_unref (run->cancellable);
  g_main_context_unref (run->context);
  g_free (run);
}

static void
command_start (ConcurraTask       *task,
               GCancellable       *cancellable,
               ConcurraFinishFunc  finish,
               gpointer            finish_data)
{
  ConcurraCommand *command = task->command;
  g_autoptr(GError) error = NULL;
  CommandRun *run;

  if (g_cancellable_is_cancelled (cancellable))
    {
      finish (task, finish_data);
      return;
    }

  run = g_new0 (CommandRun, 1);
  run->task = task;
  run->finish = finish;
  run->finish_data = finish_data;
  if (task->launch != NULL && task->launch->srun != NULL)
    run->slurm = concurra_slurm_attempt_new (task, command->capture_output);
  run->child = spawn (task, on_child_done, run, &error);
  if (run->child == NULL)
    {
      g_clear_pointer (&run->slurm, concurra_slurm_attempt_free);
      g_free (run);
      concurra_task_return_new_error (task, CONCURRA_ERROR, CONCURRA_ERROR_COMMAND_FAILED,
                                      "Command '%s' could not be started: %s",
                                      command->shell_command ? "/bin/sh" : command->argv[0],
                                      error->message);
      finish (task, finish_data);
      return;
    }
  /* before the owner context reads any of the output */
  concurra_child_set_max_output (run->child, effective_max_output (task));
  if (run->slurm != NULL)
    concurra_slurm_attempt_watch (run->slurm, run->child);
  run->cancellable = g_object_ref (cancellable);
  run->context = g_main_context_ref_thread_default ();
  run->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), run, NULL);
}

const ConcurraExecutor concurra_command_executor = {
  .name = "command",
  .mode = CONCURRA_EXECUTION_MODE_SUBPROCESS,
  .on_lane = FALSE,
  .start = command_start,
};
