/* test-process.c: process mode — process tasks run by name in a pool of
 * warm worker processes: results of several types and sizes, reuse of warm
 * workers, at most max-concurrency of them, spawned lazily and shut down at
 * the end of the run; errors with domain, code and message; retries on a
 * fresh worker; hard termination on timeout, abort and fast-fail; crash
 * isolation (segfault, abort, exit, SIGKILL from outside); every kind of
 * malformed message; NOT_SERIALIZABLE and the thread fallback; commands in
 * a process runner; process tasks in a thread runner; and no leaked
 * processes or file descriptors after any of it.
 *
 * The workers are tests/process-worker (found through G_TEST_BUILDDIR),
 * except in /process/self-worker where this test binary serves as its own
 * worker: main() registers functions and calls concurra_worker_main()
 * before g_test_init().
 *
 * Children of the test process are read from /proc/self/task/<tid>/children,
 * so no test ever calls waitpid() and steals a child from GLib. A worker
 * that must be observed while it runs writes its pid to a file. Timing
 * checks are relative and generous.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <concurra.h>

#define TERMINATED_MESSAGE "Execution terminated before completion"
/* how long a killed worker may take to be reaped after the run returned:
 * the SIGTERM grace period is 2 s */
#define REAP_WAIT 6.0

static char *worker_path;

/* ------------------------------------------------------------------------ */
/* A watchdog: a hung test fails with its name instead of eating the       */
/* meson timeout.                                                           */
/* ------------------------------------------------------------------------ */

#define WATCHDOG_SECONDS 60

static char watchdog_test[256];

static void
watchdog_fired (int signum)
{
  static const char prefix[] = "Bail out! watchdog: test ";
  static const char suffix[] = " hung for " G_STRINGIFY (WATCHDOG_SECONDS) " s\n";

  (void) !write (STDERR_FILENO, prefix, sizeof prefix - 1);
  (void) !write (STDERR_FILENO, watchdog_test, strlen (watchdog_test));
  (void) !write (STDERR_FILENO, suffix, sizeof suffix - 1);
  abort ();
}

/* ------------------------------------------------------------------------ */
/* Children and file descriptors of this process                            */
/* ------------------------------------------------------------------------ */

/* The pids of this process's children (any state, zombies too). */
static GArray *
list_children (void)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (int));
  DIR *dir = opendir ("/proc/self/task");
  struct dirent *entry;

  g_assert_nonnull (dir);
  while ((entry = readdir (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *contents = NULL;
      g_auto(GStrv) words = NULL;

      if (entry->d_name[0] == '.')
        continue;
      path = g_strdup_printf ("/proc/self/task/%s/children", entry->d_name);
      /* a thread may have exited meanwhile */
      if (!g_file_get_contents (path, &contents, NULL, NULL))
        continue;
      words = g_strsplit_set (g_strstrip (contents), " \n", -1);
      for (guint i = 0; words[i] != NULL; i++)
        if (*words[i] != '\0')
          {
            int pid = atoi (words[i]);

            g_array_append_val (pids, pid);
          }
    }
  closedir (dir);
  return pids;
}

static guint
n_children (void)
{
  g_autoptr(GArray) pids = list_children ();

  return pids->len;
}

static int
compare_fd_entries (gconstpointer a,
                    gconstpointer b)
{
  return atoi (*(const char **) a) - atoi (*(const char **) b);
}

/* "fd -> target" for every open descriptor, sorted, without the one the
 * listing itself uses. */
static GPtrArray *
list_fds (void)
{
  GPtrArray *fds = g_ptr_array_new_with_free_func (g_free);
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *entry;
  int own;

  g_assert_nonnull (dir);
  own = dirfd (dir);
  while ((entry = readdir (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *target = NULL;

      if (entry->d_name[0] == '.' || atoi (entry->d_name) == own)
        continue;
      path = g_strdup_printf ("/proc/self/fd/%s", entry->d_name);
      target = g_file_read_link (path, NULL);
      g_ptr_array_add (fds, g_strdup_printf ("%s -> %s", entry->d_name, target ? target : "?"));
    }
  closedir (dir);
  g_ptr_array_sort (fds, compare_fd_entries);
  return fds;
}

static char *
describe_fds (GPtrArray *fds)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < fds->len; i++)
    g_string_append_printf (text, "  %s\n", (char *) g_ptr_array_index (fds, i));
  return g_string_free (text, FALSE);
}

/* What an "fd -> target" entry is, without the fd number and the inode:
 * "pipe:", "socket:", "anon_inode:eventfd", "/dev/null"... */
static char *
fd_kind (const char *entry)
{
  const char *target = strstr (entry, " -> ");
  g_autofree char *kind = g_strdup (target ? target + 4 : entry);
  char *bracket = strchr (kind, '[');

  if (bracket != NULL && g_str_has_prefix (kind, "anon_inode:"))
    {
      char *end = strchr (bracket, ']');

      if (end != NULL)
        *end = '\0';
      memmove (bracket, bracket + 1, strlen (bracket));
    }
  else if (bracket != NULL)
    *bracket = '\0';
  return g_steal_pointer (&kind);
}

/* Whether @after holds no more descriptors of any kind than @before: the
 * numbers change as GLib recreates its wakeup fds, the kinds do not. */
static gboolean
no_more_fds (GPtrArray *before,
             GPtrArray *after)
{
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer count;

  for (guint i = 0; i < before->len; i++)
    {
      char *kind = fd_kind (g_ptr_array_index (before, i));

      count = g_hash_table_lookup (counts, kind);
      g_hash_table_replace (counts, kind, GINT_TO_POINTER (GPOINTER_TO_INT (count) + 1));
    }
  for (guint i = 0; i < after->len; i++)
    {
      char *kind = fd_kind (g_ptr_array_index (after, i));

      count = g_hash_table_lookup (counts, kind);
      g_hash_table_replace (counts, kind, GINT_TO_POINTER (GPOINTER_TO_INT (count) - 1));
    }
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, NULL, &count))
    if (GPOINTER_TO_INT (count) < 0)
      return FALSE;
  return TRUE;
}

static gboolean
has_fd_kind (GPtrArray  *fds,
             const char *kind)
{
  for (guint i = 0; i < fds->len; i++)
    if (strstr (g_ptr_array_index (fds, i), kind) != NULL)
      return TRUE;
  return FALSE;
}

static void warm_up (void);

typedef struct
{
  GPtrArray *fds;
} Baseline;

/* What a test starts from: GLib's lazily created state (the worker
 * context, the SIGCHLD machinery) exists, no children, and what an earlier
 * run left to close asynchronously (a child watch's pidfd) is closed. */
static Baseline
baseline (void)
{
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  Baseline b;

  warm_up ();
  g_assert_cmpuint (n_children (), ==, 0);
  for (b.fds = list_fds ();
       has_fd_kind (b.fds, "pidfd") && g_get_monotonic_time () < deadline;
       b.fds = list_fds ())
    {
      g_ptr_array_unref (b.fds);
      g_usleep (2000);
    }
  return b;
}

/* After a run: no children left (at once when @wait is 0, within @wait
 * seconds otherwise) and, within a short settling time, the same
 * descriptors as before (GLib closes a child watch's pidfd on its worker
 * thread just after the child was reaped). Returns the seconds it took
 * until both held. */
#define FD_SETTLE 2.0

static double
assert_clean (Baseline        *b,
              ConcurraRunner **runner,
              double           wait)
{
  gint64 start = g_get_monotonic_time ();
  gint64 children_deadline = start + (gint64) (wait * G_USEC_PER_SEC);
  gint64 fds_deadline = start + (gint64) (MAX (wait, FD_SETTLE) * G_USEC_PER_SEC);
  g_autoptr(GPtrArray) fds = NULL;
  guint children;

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();

      children = n_children ();
      if (children == 0 || now >= children_deadline)
        break;
      g_usleep (5000);
    }
  if (children != 0)
    {
      g_autoptr(GArray) pids = list_children ();

      g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", g_array_index (pids, int, 0));
      g_autofree char *stat = NULL;

      g_file_get_contents (stat_path, &stat, NULL, NULL);
      g_error ("%u child process(es) left (first: %s), %.2f s after the run",
               children, stat ? g_strstrip (stat) : "?",
               (g_get_monotonic_time () - start) / 1e6);
    }
  /* a finished runner keeps its private main context (an eventfd) until
   * it is freed */
  if (runner != NULL)
    g_clear_object (runner);
  for (;;)
    {
      g_clear_pointer (&fds, g_ptr_array_unref);
      fds = list_fds ();
      if (no_more_fds (b->fds, fds) || g_get_monotonic_time () >= fds_deadline)
        break;
      g_usleep (2000);
    }
  if (!no_more_fds (b->fds, fds))
    {
      g_autofree char *before = describe_fds (b->fds);
      g_autofree char *after = describe_fds (fds);

      g_error ("file descriptors leaked:\nbefore:\n%safter:\n%s", before, after);
    }
  g_clear_pointer (&b->fds, g_ptr_array_unref);
  return (g_get_monotonic_time () - start) / 1e6;
}

/* Whether @pid is gone (reaped: not even a zombie) within @wait seconds. */
static gboolean
process_gone (int    pid,
              double wait)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (wait * G_USEC_PER_SEC);

  while (kill (pid, 0) == 0 || errno != ESRCH)
    {
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (5000);
    }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Runners, tasks and results                                               */
/* ------------------------------------------------------------------------ */

static ConcurraRunner *
process_runner (int max_concurrency)
{
  ConcurraRunner *runner = concurra_runner_new ("process");
  const char *command[] = { worker_path, NULL };

  concurra_runner_set_verify_on_finish (runner, FALSE);
  concurra_runner_set_log_errors (runner, FALSE);
  concurra_runner_set_execution_mode (runner, CONCURRA_EXECUTION_MODE_PROCESS);
  concurra_runner_set_max_concurrency (runner, max_concurrency);
  concurra_runner_set_worker_command (runner, command);
  return runner;
}

static ConcurraTask *
add_process (ConcurraRunner     *runner,
             const char         *label,
             const char * const *depends_on,
             const char         *function,
             GVariant           *args)
{
  g_autoptr(GError) error = NULL;
  ConcurraTask *task = concurra_runner_add_process_task (runner, label, depends_on, function, args, &error);

  g_assert_no_error (error);
  g_assert_nonnull (task);
  return task;
}

static void
run_ok (ConcurraRunner *runner)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = concurra_runner_run (runner, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (results);
  g_assert_cmpuint (g_hash_table_size (results), ==, concurra_runner_get_n_tasks (runner));
}

/* run_ok(), returning the seconds it took */
static double
run_timed (ConcurraRunner *runner)
{
  gint64 start = g_get_monotonic_time ();

  run_ok (runner);
  return (g_get_monotonic_time () - start) / 1e6;
}

/* Runs @runner in the background while @func runs in a thread of its own
 * (to abort, kill or cancel something once it is running). */
static void
run_with_thread (ConcurraRunner *runner,
                 GThreadFunc     func,
                 gpointer        data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = NULL;
  GThread *thread;

  g_assert_true (concurra_runner_start (runner, &error));
  g_assert_no_error (error);
  thread = g_thread_new ("helper", func, data);
  results = concurra_runner_wait (runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (results);
  g_thread_join (thread);
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

static void
assert_process_task (ConcurraTask *task)
{
  assert_successful (task);
  g_assert_cmpint (concurra_task_get_execution_mode (task), ==, CONCURRA_EXECUTION_MODE_PROCESS);
  g_assert_cmpuint (concurra_task_get_attempts (task), ==, 1);
}

/* The task's error, checked against @status, @domain and @code. */
static const GError *
assert_error (ConcurraTask       *task,
              ConcurraTaskStatus  status,
              GQuark              domain,
              int                 code)
{
  const GError *error = concurra_task_get_error (task);

  if (error == NULL || concurra_task_get_status (task) != status ||
      error->domain != domain || error->code != code)
    g_error ("task '%s': expected status %d, error %s %d; got status %d, error %s %d: %s",
             concurra_task_get_label (task), status, g_quark_to_string (domain), code,
             concurra_task_get_status (task),
             error ? g_quark_to_string (error->domain) : "(none)", error ? error->code : 0,
             error ? error->message : "");
  return error;
}

static const GError *
assert_crashed (ConcurraTask *task)
{
  return assert_error (task, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED);
}

/* The task's GVariant result (transfer none) */
static GVariant *
variant_value (ConcurraTask *task)
{
  const GValue *value = concurra_task_get_value (task);

  g_assert_nonnull (value);
  g_assert_true (G_VALUE_HOLDS_VARIANT (value));
  g_assert_nonnull (g_value_get_variant (value));
  return g_value_get_variant (value);
}

static gint64
int64_value (ConcurraTask *task)
{
  GVariant *v = variant_value (task);

  g_assert_cmpstr (g_variant_get_type_string (v), ==, "x");
  return g_variant_get_int64 (v);
}

static int
pid_value (ConcurraTask *task)
{
  GVariant *v = variant_value (task);

  g_assert_cmpstr (g_variant_get_type_string (v), ==, "u");
  return (int) g_variant_get_uint32 (v);
}

/* The pid in "Worker process PID ..." */
static int
crashed_pid (const char *message)
{
  const char *p = strstr (message, "Worker process ");

  g_assert_nonnull (p);
  return atoi (p + strlen ("Worker process "));
}

static GVariant *
sleep_args (double      seconds,
            const char *pidfile)
{
  return g_variant_new ("(ds)", seconds, pidfile ? pidfile : "");
}

static GVariant *
square_args (gint64 x)
{
  return g_variant_new ("(x)", x);
}

/* A temporary directory for pid files and markers. */
static char *
make_tmpdir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("concurra-process-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tmpdir (char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  if (d != NULL)
    g_dir_close (d);
  g_rmdir (dir);
  g_free (dir);
}

/* Waits (bounded) for a worker to write its pid to @path. */
static int
wait_pidfile (const char *path)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  g_autofree char *text = NULL;

  while (!g_file_get_contents (path, &text, NULL, NULL))
    {
      if (g_get_monotonic_time () >= deadline)
        g_error ("no worker wrote %s", path);
      g_usleep (2000);
    }
  return atoi (text);
}

static int
read_pidfile (const char *path)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    g_error ("no worker wrote %s", path);
  return atoi (text);
}

/* One small process run so that GLib's lazily created state exists before
 * a test takes its baseline of descriptors. */
static void
warm_up (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_autoptr(ConcurraRunner) runner = process_runner (1);
      const char *argv[] = { "/bin/true", NULL };
      g_autoptr(GError) error = NULL;

      /* GTask's class creates GLib's worker context (run_async needs
       * GTask; commands and workers no longer go through GSubprocess,
       * which created it first) */
      g_type_ensure (G_TYPE_TASK);
      add_process (runner, "warm", NULL, "pid", NULL);
      g_assert_nonnull (concurra_runner_add_command (runner, "cmd", NULL, argv, &error));
      run_ok (runner);
      g_once_init_leave (&done, 1);
    }
}

/* ------------------------------------------------------------------------ */
/* Functions of this program, for the thread runner and for serving as its */
/* own worker                                                               */
/* ------------------------------------------------------------------------ */

static GVariant *
self_pid (GVariant      *args,
          GCancellable  *cancellable,
          gpointer       user_data,
          GError       **error)
{
  return g_variant_new_uint32 ((guint32) getpid ());
}

/* (x) -> x * x, and whether this process serves as a worker */
static GVariant *
self_square (GVariant      *args,
             GCancellable  *cancellable,
             gpointer       user_data,
             GError       **error)
{
  gint64 x;

  g_variant_get (args, "(x)", &x);
  return g_variant_new ("(xb)", x * x, GPOINTER_TO_INT (user_data));
}

static GVariant *
self_fail (GVariant      *args,
           GCancellable  *cancellable,
           gpointer       user_data,
           GError       **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "not allowed here");
  return NULL;
}

/* A local closure: a C function task, which cannot cross the boundary. */
static void
local_pid (ConcurraTask *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
  if (user_data != NULL)
    g_atomic_int_inc ((int *) user_data);
  concurra_task_return_int (task, getpid ());
}

/* A local closure that records how many children this process has while
 * it runs. */
static void
local_count_children (ConcurraTask *task,
                      GCancellable *cancellable,
                      gpointer      user_data)
{
  concurra_task_return_int (task, n_children ());
}

/* ------------------------------------------------------------------------ */
/* Results                                                                  */
/* ------------------------------------------------------------------------ */

static void
test_results (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  Baseline b = baseline ();
  g_autoptr(GVariant) complex = g_variant_ref_sink (
    g_variant_new_parsed ("({'name': <'π ≈ 3.14159'>, 'list': <[int32 1, 2, 3]>, "
                          "'nested': <<(true, 2.5, byte 7, @mx nothing)>>}, "
                          "[@ay [1, 2, 0], @ay []], @a(sd) [('a', 1.0)], objectpath '/x', signature 'a{sv}')"));
  ConcurraTask *square, *sum, *echo, *noop, *nothing, *dep;
  const char *after_square[] = { "square", NULL };

  square = add_process (runner, "square", NULL, "square", square_args (-12));
  sum = add_process (runner, "sum", NULL, "sum", g_variant_new_parsed ("(int64 1, int64 2, 39)"));
  echo = add_process (runner, "echo", NULL, "echo", complex);
  noop = add_process (runner, "noop", NULL, "noop", NULL);
  nothing = add_process (runner, "echo-nothing", NULL, "echo", NULL);
  dep = add_process (runner, "after-square", after_square, "square", square_args (3));

  run_ok (runner);

  assert_process_task (square);
  g_assert_cmpint (int64_value (square), ==, 144);
  assert_process_task (sum);
  g_assert_cmpint (int64_value (sum), ==, 42);
  assert_process_task (echo);
  g_assert_true (g_variant_equal (variant_value (echo), complex));
  assert_process_task (noop);
  g_assert_null (concurra_task_get_value (noop));
  /* no args: the worker gets an empty tuple */
  assert_process_task (nothing);
  g_assert_cmpstr (g_variant_get_type_string (variant_value (nothing)), ==, "()");
  assert_process_task (dep);
  g_assert_cmpint (int64_value (dep), ==, 9);

  /* the structured result says "process" */
  {
    g_autoptr(GVariant) dict = concurra_task_to_variant (square);
    const char *mode = NULL;

    g_assert_true (g_variant_lookup (dict, "execution_mode", "m&s", &mode));
    g_assert_cmpstr (mode, ==, "process");
  }
  assert_clean (&b, &runner, 0);
}

/* Results and arguments of several MiB cross the socket both ways. */
static void
test_big_messages (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  Baseline b = baseline ();
  const guint32 size = 16 * 1024 * 1024;
  const gsize arg_size = 8 * 1024 * 1024 + 3;
  g_autofree guint8 *arg = g_malloc (arg_size);
  guint64 arg_sum = 0, length, sum;
  ConcurraTask *big, *measure;
  const guint8 *data;
  gsize n;

  for (gsize i = 0; i < arg_size; i++)
    arg_sum += arg[i] = (guint8) (i * 13);
  big = add_process (runner, "big", NULL, "big", g_variant_new ("(u)", size));
  measure = add_process (runner, "measure", NULL, "measure",
                         g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, arg, arg_size, 1)));
  run_ok (runner);

  assert_process_task (big);
  g_assert_cmpstr (g_variant_get_type_string (variant_value (big)), ==, "ay");
  data = g_variant_get_fixed_array (variant_value (big), &n, 1);
  g_assert_cmpuint (n, ==, size);
  for (guint32 i = 0; i < size; i += 4099)
    g_assert_cmpuint (data[i], ==, (i * 7u) % 251u);
  g_assert_cmpuint (data[size - 1], ==, ((size - 1) * 7u) % 251u);

  assert_process_task (measure);
  g_variant_get (variant_value (measure), "(tt)", &length, &sum);
  g_assert_cmpuint (length, ==, arg_size);
  g_assert_cmpuint (sum, ==, arg_sum);
  assert_clean (&b, &runner, 0);
}

/* ------------------------------------------------------------------------ */
/* The pool: reuse, at most max-concurrency, lazy spawn, shutdown           */
/* ------------------------------------------------------------------------ */

static void
test_reuse (void)
{
  Baseline b = baseline ();
  g_autoptr(ConcurraRunner) runner = process_runner (1);
  g_autoptr(ConcurraRunner) chain = process_runner (4);
  ConcurraTask *tasks[10], *links[10];
  int pid;

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = add_process (runner, NULL, NULL, "pid", NULL);
  run_ok (runner);
  pid = pid_value (tasks[0]);
  g_assert_cmpint (pid, !=, getpid ());
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      assert_process_task (tasks[i]);
      g_assert_cmpint (pid_value (tasks[i]), ==, pid);
    }
  assert_clean (&b, &runner, 0);

  /* a chain at max-concurrency 4 never needs a second worker */
  b = baseline ();
  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_autofree char *label = g_strdup_printf ("link%u", i);
      g_autofree char *previous = g_strdup_printf ("link%u", i - 1);
      const char *deps[] = { previous, NULL };

      links[i] = add_process (chain, label, i ? deps : NULL, "pid", NULL);
    }
  run_ok (chain);
  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    {
      assert_process_task (links[i]);
      g_assert_cmpint (pid_value (links[i]), ==, pid_value (links[0]));
    }
  assert_clean (&b, &chain, 0);
}

/* Samples the number of children while a run goes on. */
typedef struct
{
  gint     stop;
  guint    max_children;
  GThread *thread;
} ChildSampler;

static gpointer
sample_children (gpointer data)
{
  ChildSampler *sampler = data;

  while (!g_atomic_int_get (&sampler->stop))
    {
      sampler->max_children = MAX (sampler->max_children, n_children ());
      g_usleep (1000);
    }
  return NULL;
}

static void
test_max_concurrency (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (3);
  g_autoptr(GHashTable) pids = g_hash_table_new (NULL, NULL);
  Baseline b = baseline ();
  ConcurraTask *tasks[15];
  ChildSampler sampler = { 0, };

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = add_process (runner, NULL, NULL, "sleep", sleep_args (0.05, NULL));
  sampler.thread = g_thread_new ("sampler", sample_children, &sampler);
  run_ok (runner);
  g_atomic_int_set (&sampler.stop, 1);
  g_thread_join (sampler.thread);

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      assert_process_task (tasks[i]);
      g_hash_table_add (pids, GINT_TO_POINTER (pid_value (tasks[i])));
    }
  g_test_message ("%u workers served %u tasks; at most %u children seen",
                  g_hash_table_size (pids), (guint) G_N_ELEMENTS (tasks), sampler.max_children);
  g_assert_cmpuint (g_hash_table_size (pids), <=, 3);
  g_assert_cmpuint (g_hash_table_size (pids), >=, 2);
  g_assert_cmpuint (sampler.max_children, <=, 3);
  assert_clean (&b, &runner, 0);
}

static void
test_lazy_spawn (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (4);
  g_autoptr(GError) error = NULL;
  Baseline b = baseline ();
  ConcurraTask *counter, *first, *second;
  const char *after_counter[] = { "counter", NULL };

  /* nothing is spawned before a process task needs a worker: a thread
   * fallback task that runs first sees no children */
  concurra_runner_set_fallback_to_thread (runner, TRUE);
  counter = concurra_runner_add_task (runner, "counter", NULL, local_count_children, NULL, NULL, &error);
  g_assert_no_error (error);
  first = add_process (runner, "first", after_counter, "pid", NULL);
  second = add_process (runner, "second", (const char *[]) { "first", NULL }, "pid", NULL);
  run_ok (runner);

  assert_successful (counter);
  g_assert_cmpint (concurra_task_get_execution_mode (counter), ==, CONCURRA_EXECUTION_MODE_THREAD_FALLBACK);
  g_assert_cmpint (g_value_get_int64 (concurra_task_get_value (counter)), ==, 0);
  /* one task at a time needs one worker, not max-concurrency of them */
  assert_process_task (first);
  assert_process_task (second);
  g_assert_cmpint (pid_value (first), ==, pid_value (second));
  assert_clean (&b, &runner, 0);
}

/* Workers are shut down when the run ends, in every way a run can end
 * normally: run, start + wait, run_async. */
static void
on_run_async_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = concurra_runner_run_finish (CONCURRA_RUNNER (source), result, &error);

  g_assert_no_error (error);
  g_assert_nonnull (results);
  g_main_loop_quit (user_data);
}

static void
test_shutdown_at_run_end (void)
{
  for (guint how = 0; how < 3; how++)
    {
      g_autoptr(ConcurraRunner) runner = process_runner (2);
      g_autoptr(GError) error = NULL;
      Baseline b = baseline ();
      ConcurraTask *tasks[6];

      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        tasks[i] = add_process (runner, NULL, NULL, "sleep", sleep_args (0.02, NULL));

      if (how == 0)
        run_ok (runner);
      else if (how == 1)
        {
          g_autoptr(GHashTable) results = NULL;

          g_assert_true (concurra_runner_start (runner, &error));
          g_assert_no_error (error);
          results = concurra_runner_wait (runner, NULL, &error);
          g_assert_no_error (error);
          g_assert_nonnull (results);
        }
      else
        {
          g_autoptr(GMainContext) context = g_main_context_new ();
          g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);

          g_main_context_push_thread_default (context);
          concurra_runner_run_async (runner, NULL, on_run_async_done, loop);
          g_main_loop_run (loop);
          g_main_context_pop_thread_default (context);
        }

      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        {
          assert_process_task (tasks[i]);
          /* not only reaped by GLib: gone */
          if (!process_gone (pid_value (tasks[i]), 0))
            {
              g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid_value (tasks[i]));
              g_autofree char *stat = NULL;

              g_file_get_contents (path, &stat, NULL, NULL);
              g_error ("worker %d still there after the run (how %u): %s", pid_value (tasks[i]), how,
                       stat ? stat : "?");
            }
        }
      assert_clean (&b, &runner, 0);
    }
}

/* ------------------------------------------------------------------------ */
/* Errors and retries                                                        */
/* ------------------------------------------------------------------------ */

#define MY_ERROR (g_quark_from_static_string ("concurra-test-my-error-quark"))

static void
test_errors (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (1);
  Baseline b = baseline ();
  ConcurraTask *before, *io, *mine, *bad_args, *after;
  const GError *error;

  before = add_process (runner, "before", NULL, "pid", NULL);
  io = add_process (runner, "io", NULL, "fail",
                    g_variant_new ("(sis)", "g-io-error-quark", G_IO_ERROR_NOT_FOUND, "no such thing: ‘x’"));
  mine = add_process (runner, "mine", NULL, "fail",
                      g_variant_new ("(sis)", "concurra-test-my-error-quark", -17, "custom failure"));
  bad_args = add_process (runner, "bad-args", NULL, "square", g_variant_new ("(s)", "seven"));
  after = add_process (runner, "after", NULL, "pid", NULL);
  run_ok (runner);

  error = assert_error (io, CONCURRA_TASK_STATUS_FAILED, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "no such thing: ‘x’");
  g_assert_cmpint (concurra_task_get_execution_mode (io), ==, CONCURRA_EXECUTION_MODE_PROCESS);
  g_assert_cmpuint (concurra_task_get_attempts (io), ==, 1);
  g_assert_true (concurra_task_get_has_failed (io));
  g_assert_cmpstr (concurra_task_get_error_message (io), ==, "no such thing: ‘x’");

  error = assert_error (mine, CONCURRA_TASK_STATUS_FAILED, MY_ERROR, -17);
  g_assert_cmpstr (error->message, ==, "custom failure");

  error = assert_error (bad_args, CONCURRA_TASK_STATUS_FAILED, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "square wants (x)");

  /* an error is not a crash: the same warm worker serves on */
  assert_process_task (before);
  assert_process_task (after);
  g_assert_cmpint (pid_value (before), ==, pid_value (after));
  g_assert_cmpuint (concurra_runner_get_n_failed (runner), ==, 3);
  assert_clean (&b, &runner, 0);
}

/* Errors that do not fit the protocol as they are: a message that is not
 * UTF-8 (say, from a file name in another encoding) and a domain that is
 * no quark-like name. The worker side makes them fit; they come back as
 * the task's error (code kept, message readable), not as a broken worker. */
static void
test_odd_errors (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (1);
  Baseline b = baseline ();
  ConcurraTask *before, *utf8, *domain, *after;
  const GError *error;

  g_test_set_nonfatal_assertions ();
  before = add_process (runner, "before", NULL, "pid", NULL);
  utf8 = add_process (runner, "utf8", NULL, "fail-odd", g_variant_new ("(s)", "utf8"));
  domain = add_process (runner, "domain", NULL, "fail-odd", g_variant_new ("(s)", "domain"));
  after = add_process (runner, "after", NULL, "pid", NULL);
  run_ok (runner);

  error = concurra_task_get_error (utf8);
  g_assert_nonnull (error);
  g_test_message ("message not in UTF-8 -> %s", concurra_task_get_error_message (utf8));
  g_assert_cmpint (concurra_task_get_status (utf8), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_true (g_str_has_prefix (error->message, "no file "));
  g_assert_true (g_str_has_suffix (error->message, ".txt"));

  error = concurra_task_get_error (domain);
  g_assert_nonnull (error);
  g_test_message ("odd domain -> %s", concurra_task_get_error_message (domain));
  g_assert_false (g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED));
  g_assert_cmpint (concurra_task_get_status (domain), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpint (error->code, ==, 3);
  g_assert_nonnull (strstr (error->message, "odd domain"));

  /* neither was a reason to replace the worker */
  assert_process_task (before);
  assert_process_task (after);
  g_assert_cmpint (pid_value (before), ==, pid_value (after));
  assert_clean (&b, &runner, 0);
}

static void
test_unregistered (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  Baseline b = baseline ();
  ConcurraTask *nope, *tasks[6];
  const GError *error;

  nope = add_process (runner, "nope", NULL, "nope", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = add_process (runner, NULL, NULL, "square", square_args (i));
  run_ok (runner);

  error = assert_error (nope, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR, CONCURRA_ERROR_NOT_SERIALIZABLE);
  g_assert_cmpstr (error->message, ==, "Function 'nope' is not registered in the worker process");
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      assert_process_task (tasks[i]);
      g_assert_cmpint (int64_value (tasks[i]), ==, i * i);
    }
  assert_clean (&b, &runner, 0);
}

static void
test_retries (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  char *dir = make_tmpdir ();
  g_autofree char *fail_marker = g_build_filename (dir, "fail-once", NULL);
  g_autofree char *crash_marker = g_build_filename (dir, "crash-once", NULL);
  g_autofree char *expected = NULL;
  Baseline b = baseline ();
  ConcurraTask *fail_once, *crash_once, *always;
  const char * const *errors;
  int crashed;

  concurra_runner_set_task_retries (runner, 2);
  fail_once = add_process (runner, "fail-once", NULL, "fail-once", g_variant_new ("(s)", fail_marker));
  crash_once = add_process (runner, "crash-once", NULL, "crash-once", g_variant_new ("(s)", crash_marker));
  always = add_process (runner, "always", NULL, "fail", NULL);
  concurra_task_set_retries (always, 1);
  run_ok (runner);

  assert_successful (fail_once);
  g_assert_cmpuint (concurra_task_get_attempts (fail_once), ==, 2);
  g_assert_true (concurra_task_get_retried (fail_once));
  errors = concurra_task_get_retry_errors (fail_once);
  g_assert_cmpuint (g_strv_length ((char **) errors), ==, 1);
  expected = g_strdup_printf ("g-io-error-quark.%d: first attempt fails", G_IO_ERROR_TIMED_OUT);
  g_assert_cmpstr (errors[0], ==, expected);
  g_assert_cmpint (concurra_task_get_execution_mode (fail_once), ==, CONCURRA_EXECUTION_MODE_PROCESS);

  /* the retry of a crash runs on a fresh worker */
  assert_successful (crash_once);
  g_assert_cmpuint (concurra_task_get_attempts (crash_once), ==, 2);
  errors = concurra_task_get_retry_errors (crash_once);
  g_assert_cmpuint (g_strv_length ((char **) errors), ==, 1);
  g_assert_nonnull (strstr (errors[0], "was killed by signal 11 (Segmentation fault) while running 'crash-once'"));
  crashed = crashed_pid (errors[0]);
  g_assert_cmpint (crashed, >, 0);
  g_assert_cmpint (pid_value (crash_once), !=, crashed);

  assert_error (always, CONCURRA_TASK_STATUS_FAILED, g_quark_from_string ("process-worker-error-quark"), 1);
  g_assert_cmpuint (concurra_task_get_attempts (always), ==, 2);
  assert_clean (&b, &runner, 0);
  remove_tmpdir (dir);
}

/* ------------------------------------------------------------------------ */
/* Hard termination                                                         */
/* ------------------------------------------------------------------------ */

static void
test_timeout_kills_worker (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (1);
  char *dir = make_tmpdir ();
  g_autofree char *pidfile = g_build_filename (dir, "hang.pid", NULL);
  Baseline b = baseline ();
  ConcurraTask *hang, *tasks[3];
  const GError *error;
  double elapsed, reaped;
  int pid;

  hang = add_process (runner, "hang", NULL, "hang", g_variant_new ("(s)", pidfile));
  concurra_task_set_timeout (hang, 0.3);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = add_process (runner, NULL, NULL, "pid", NULL);
  elapsed = run_timed (runner);

  error = assert_error (hang, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==, "Task exceeded timeout of 0.3 seconds");
  g_assert_cmpint (concurra_task_get_execution_mode (hang), ==, CONCURRA_EXECUTION_MODE_PROCESS);
  pid = read_pidfile (pidfile);
  /* the hung worker is killed and replaced */
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      assert_process_task (tasks[i]);
      g_assert_cmpint (pid_value (tasks[i]), !=, pid);
    }
  g_assert_cmpfloat (elapsed, <, 10.0);
  reaped = assert_clean (&b, &runner, REAP_WAIT);
  g_assert_true (process_gone (pid, 0));
  g_test_message ("run took %.2f s; the hung worker was gone %.3f s after the run", elapsed, reaped);
  remove_tmpdir (dir);
}

/* A worker that ignores SIGTERM is SIGKILLed after the grace period. */
static void
test_timeout_sigkill (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (1);
  char *dir = make_tmpdir ();
  g_autofree char *pidfile = g_build_filename (dir, "hang.pid", NULL);
  Baseline b = baseline ();
  ConcurraTask *hang, *after;
  ChildSampler sampler = { 0, };
  double elapsed, reaped;
  int pid;

  hang = add_process (runner, "hang-hard", NULL, "hang-hard", g_variant_new ("(s)", pidfile));
  concurra_task_set_timeout (hang, 0.3);
  after = add_process (runner, "after", NULL, "sleep", sleep_args (0.5, NULL));
  sampler.thread = g_thread_new ("sampler", sample_children, &sampler);
  elapsed = run_timed (runner);

  assert_error (hang, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  assert_process_task (after);
  pid = read_pidfile (pidfile);
  g_assert_cmpint (pid_value (after), !=, pid);
  reaped = assert_clean (&b, &runner, REAP_WAIT);
  g_atomic_int_set (&sampler.stop, 1);
  g_thread_join (sampler.thread);
  g_assert_true (process_gone (pid, 0));
  /* the replacement may start while the killed worker has its grace period */
  g_test_message ("run took %.2f s; the SIGTERM-proof worker was gone %.3f s after the run; "
                  "at most %u worker processes at max-concurrency 1", elapsed, reaped, sampler.max_children);
  g_assert_cmpuint (sampler.max_children, <=, 2);
  g_assert_cmpfloat (elapsed, <, 10.0);
  remove_tmpdir (dir);
}

/* Once a worker has written @pidfile: sends it @signum, or aborts the
 * runner (0), or cancels @cancel when set. */
typedef struct
{
  ConcurraRunner *runner;
  char           *pidfile;
  int             signum;   /* 0: abort the runner */
  int             pid;
  ConcurraTask   *cancel;
} Killer;

static gpointer
killer_thread (gpointer data)
{
  Killer *killer = data;

  killer->pid = wait_pidfile (killer->pidfile);
  if (killer->cancel != NULL)
    g_assert_true (concurra_task_cancel (killer->cancel));
  else if (killer->signum == 0)
    concurra_runner_abort (killer->runner);
  else
    g_assert_cmpint (kill (killer->pid, killer->signum), ==, 0);
  return NULL;
}

static void
test_abort_kills_worker (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  char *dir = make_tmpdir ();
  g_autofree char *pidfile = g_build_filename (dir, "hang.pid", NULL);
  Baseline b = baseline ();
  ConcurraTask *hang, *sleeper, *pending[4];
  Killer killer = { runner, pidfile, 0, 0, NULL };
  gint64 start = g_get_monotonic_time ();
  double elapsed, reaped;

  hang = add_process (runner, "hang", NULL, "hang", g_variant_new ("(s)", pidfile));
  sleeper = add_process (runner, "sleeper", NULL, "sleep", sleep_args (30, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (pending); i++)
    pending[i] = add_process (runner, NULL, NULL, "pid", NULL);

  run_with_thread (runner, killer_thread, &killer);
  elapsed = (g_get_monotonic_time () - start) / 1e6;

  g_assert_cmpstr (assert_error (hang, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR,
                                 CONCURRA_ERROR_TERMINATED)->message, ==, TERMINATED_MESSAGE);
  assert_error (sleeper, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR, CONCURRA_ERROR_TERMINATED);
  for (guint i = 0; i < G_N_ELEMENTS (pending); i++)
    {
      assert_error (pending[i], CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR, CONCURRA_ERROR_TERMINATED);
      g_assert_cmpuint (concurra_task_get_attempts (pending[i]), ==, 0);
    }
  g_assert_cmpfloat (elapsed, <, 10.0);
  reaped = assert_clean (&b, &runner, REAP_WAIT);
  g_assert_true (process_gone (killer.pid, 0));
  g_test_message ("abort: run took %.2f s; workers gone %.3f s after it", elapsed, reaped);
  remove_tmpdir (dir);
}

static void
test_fast_fail_kills_worker (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  char *dir = make_tmpdir ();
  g_autofree char *pidfile = g_build_filename (dir, "hang.pid", NULL);
  Baseline b = baseline ();
  ConcurraTask *hang, *failing, *pending[3];
  double elapsed;

  concurra_runner_set_fast_fail (runner, TRUE);
  hang = add_process (runner, "hang", NULL, "hang", g_variant_new ("(s)", pidfile));
  failing = add_process (runner, "failing", NULL, "sleep-fail",
                         g_variant_new ("(dsis)", 0.3, "g-io-error-quark", G_IO_ERROR_BUSY, "busy"));
  for (guint i = 0; i < G_N_ELEMENTS (pending); i++)
    pending[i] = add_process (runner, NULL, NULL, "pid", NULL);
  elapsed = run_timed (runner);

  assert_error (failing, CONCURRA_TASK_STATUS_FAILED, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_cmpstr (assert_error (hang, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR,
                                 CONCURRA_ERROR_TERMINATED)->message, ==, TERMINATED_MESSAGE);
  for (guint i = 0; i < G_N_ELEMENTS (pending); i++)
    assert_error (pending[i], CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR, CONCURRA_ERROR_TERMINATED);
  g_assert_cmpfloat (elapsed, <, 10.0);
  assert_clean (&b, &runner, REAP_WAIT);
  g_assert_true (process_gone (read_pidfile (pidfile), 0));
  remove_tmpdir (dir);
}

/* ------------------------------------------------------------------------ */
/* Crash isolation                                                          */
/* ------------------------------------------------------------------------ */

static void
test_crashes (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  Baseline b = baseline ();
  ConcurraTask *segv, *abrt, *exit7, *exit0, *tasks[10];
  const GError *error;

  segv = add_process (runner, "segv", NULL, "segv", NULL);
  for (guint i = 0; i < 5; i++)
    tasks[i] = add_process (runner, NULL, NULL, "square", square_args (i));
  abrt = add_process (runner, "abort", NULL, "abort", NULL);
  exit7 = add_process (runner, "exit7", NULL, "exit", g_variant_new ("(i)", 7));
  exit0 = add_process (runner, "exit0", NULL, "exit", g_variant_new ("(i)", 0));
  for (guint i = 5; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = add_process (runner, NULL, NULL, "square", square_args (i));
  run_ok (runner);

  error = assert_crashed (segv);
  g_assert_true (g_str_has_prefix (error->message, "Worker process "));
  g_assert_true (g_str_has_suffix (error->message, " was killed by signal 11 (Segmentation fault) while running 'segv'"));
  if (crashed_pid (error->message) <= 0)
    g_error ("the crash message does not name the worker's pid: %s", error->message);
  g_assert_cmpint (concurra_task_get_execution_mode (segv), ==, CONCURRA_EXECUTION_MODE_PROCESS);
  g_test_message ("segv: error-message '%s'", concurra_task_get_error_message (segv));
  error = assert_crashed (abrt);
  g_assert_true (g_str_has_suffix (error->message, " was killed by signal 6 (Aborted) while running 'abort'"));
  error = assert_crashed (exit7);
  g_assert_true (g_str_has_suffix (error->message, " exited with status 7 while running 'exit'"));
  error = assert_crashed (exit0);
  g_assert_true (g_str_has_suffix (error->message, " exited with status 0 while running 'exit'"));
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      assert_process_task (tasks[i]);
      g_assert_cmpint (int64_value (tasks[i]), ==, i * i);
    }
  g_assert_cmpuint (concurra_runner_get_n_failed (runner), ==, 4);
  assert_clean (&b, &runner, 0);
}

/* A worker killed from outside while it runs a task. */
/* What a worker says cannot pass for what the runner decides: a timeout
 * code becomes a plain failure; the error domains workers add are bounded
 * (past the bound, the domain goes into the message); arguments too large
 * for a message are refused by name; a worker that closes its channel and
 * exits is described by its own exit, not by our signal. */
static void
test_untrusted_messages (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  g_autofree char *big = g_malloc0 (65 * 1024 * 1024);
  ConcurraTask *forged, *closed, *huge, *domains[300];
  guint fell_back = 0;

  forged = add_process (runner, "forged", NULL, "fail",
                        g_variant_new ("(sis)", g_quark_to_string (CONCURRA_ERROR),
                                       CONCURRA_ERROR_TIMEOUT, "I timed out, honest"));
  closed = add_process (runner, "closed", NULL, "close-channel", g_variant_new ("(di)", 0.2, 5));
  huge = add_process (runner, "huge", NULL, "echo",
                      g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, big,
                                                                         65 * 1024 * 1024, 1)));
  for (guint i = 0; i < G_N_ELEMENTS (domains); i++)
    {
      g_autofree char *domain = g_strdup_printf ("concurra-test-%d-domain-%u", (int) getpid (), i);

      domains[i] = add_process (runner, NULL, NULL, "fail", g_variant_new ("(sis)", domain, 4, "mine"));
    }
  run_ok (runner);

  g_assert_true (g_error_matches (assert_error (forged, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR,
                                                CONCURRA_ERROR_FAILED),
                                  CONCURRA_ERROR, CONCURRA_ERROR_FAILED));
  g_assert_cmpstr (concurra_task_get_error (forged)->message, ==, "I timed out, honest");
  if (strstr (assert_crashed (closed)->message, "exited with status 5") == NULL)
    g_error ("a worker's own exit should be told: %s", concurra_task_get_error (closed)->message);
  if (strstr (assert_error (huge, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR,
                            CONCURRA_ERROR_INVALID_ARGUMENT)->message, "'echo'") == NULL)
    g_error ("the message should name the function: %s", concurra_task_get_error (huge)->message);
  for (guint i = 0; i < G_N_ELEMENTS (domains); i++)
    {
      const GError *error = concurra_task_get_error (domains[i]);
      g_autofree char *domain = g_strdup_printf ("concurra-test-%d-domain-%u", (int) getpid (), i);

      g_assert_cmpint (concurra_task_get_status (domains[i]), ==, CONCURRA_TASK_STATUS_FAILED);
      if (error->domain == g_quark_try_string (domain))
        g_assert_cmpint (error->code, ==, 4);
      else
        {
          g_assert_true (g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_FAILED));
          g_assert_true (g_str_has_prefix (error->message, domain));
          fell_back++;
        }
    }
  /* at most 256 domains a process's workers may add */
  g_assert_cmpuint (fell_back, >=, G_N_ELEMENTS (domains) - 256);
}

/* Within a process started as a worker, a runner does not start workers
 * of its own: a program that serves as its own worker but forgot
 * concurra_worker_main() would otherwise start them without end. */
static void
test_no_workers_from_a_worker (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (1);
  ConcurraTask *task;

  g_setenv ("CONCURRA_WORKER_FD", "3", TRUE);
  task = add_process (runner, "nested", NULL, "pid", NULL);
  run_ok (runner);
  g_unsetenv ("CONCURRA_WORKER_FD");

  if (strstr (assert_crashed (task)->message, "concurra_worker_main") == NULL)
    g_error ("the message should say what to do: %s", concurra_task_get_error (task)->message);
  g_assert_cmpuint (n_children (), ==, 0);
}

/* Live processes whose command line holds @marker (zombies left to an
 * init that does not reap them do not count). */
static guint
count_marked (const char *marker)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *cmdline_path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_autofree char *stat_path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *cmdline = NULL;
      g_autofree char *stat = NULL;
      gsize len;
      const char *state;

      if (!g_ascii_isdigit (name[0]) ||
          !g_file_get_contents (cmdline_path, &cmdline, &len, NULL) ||
          !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      for (gsize i = 0; i + 1 < len; i++)
        if (cmdline[i] == '\0')
          cmdline[i] = ' ';
      state = strrchr (stat, ')');
      if (strstr (cmdline, marker) != NULL && state != NULL && state[2] != 'Z')
        n++;
    }
  return n;
}

static gboolean
wait_unmarked (const char *marker,
               double      timeout)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout * G_USEC_PER_SEC);

  while (count_marked (marker) > 0)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (10 * 1000);
    }
  return TRUE;
}

/* What worker functions start and leave behind does not outlive the run,
 * and a worker that exits while a process it started still has its
 * standard descriptors fails its task instead of hanging the run. */
static void
test_leftovers (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  g_autofree char *marker = g_strdup_printf ("351.%d7", (int) getpid ());
  g_autofree char *exit_marker = g_strdup_printf ("352.%d7", (int) getpid ());
  g_autofree char *command = g_strdup_printf ("sleep %s &", marker);
  g_autofree char *exit_command = g_strdup_printf ("sleep %s &", exit_marker);
  ConcurraTask *leaves, *exits;

  leaves = add_process (runner, "leaves", NULL, "system", g_variant_new ("(si)", command, -1));
  exits = add_process (runner, "exits", NULL, "system", g_variant_new ("(si)", exit_command, 3));
  run_ok (runner);

  assert_successful (leaves);
  if (strstr (assert_crashed (exits)->message, "exited with status 3") == NULL)
    g_error ("unexpected message: %s", concurra_task_get_error (exits)->message);
  /* killed when the run ended (a SIGKILL takes a moment to land) */
  g_assert_true (wait_unmarked (marker, 10.0));
  g_assert_true (wait_unmarked (exit_marker, 10.0));
}

static void
test_killed_from_outside (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  char *dir = make_tmpdir ();
  g_autofree char *pidfile = g_build_filename (dir, "victim.pid", NULL);
  g_autofree char *expected = NULL;
  Baseline b = baseline ();
  ConcurraTask *victim, *tasks[8];
  Killer killer = { runner, pidfile, SIGKILL, 0, NULL };
  GThread *thread;
  const GError *error;
  double elapsed;

  victim = add_process (runner, "victim", NULL, "sleep", sleep_args (30, pidfile));
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = add_process (runner, NULL, NULL, "sleep", sleep_args (0.02, NULL));
  thread = g_thread_new ("killer", killer_thread, &killer);
  elapsed = run_timed (runner);
  g_thread_join (thread);

  error = assert_crashed (victim);
  expected = g_strdup_printf ("Worker process %d was killed by signal 9 (Killed) while running 'sleep'", killer.pid);
  g_assert_cmpstr (error->message, ==, expected);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      assert_process_task (tasks[i]);
      g_assert_cmpint (pid_value (tasks[i]), !=, killer.pid);
    }
  g_assert_cmpfloat (elapsed, <, 15.0);
  assert_clean (&b, &runner, 0);
  remove_tmpdir (dir);
}

/* ------------------------------------------------------------------------ */
/* Pipelining: a request sent ahead to a busy worker                        */
/* ------------------------------------------------------------------------ */

/* Once a worker has run a quick task, its lane sends the next request while
 * the current one runs (with a backlog of more ready tasks than lanes).
 * These runners start with quick "pid" tasks so that the task after them
 * goes out ahead; the assertions hold whether or not it did (on a very slow
 * machine the warm-up tasks may not count as quick). */
#define N_WARM 4

static void
add_warm_up (ConcurraRunner *runner,
             ConcurraTask  **warm)
{
  for (guint i = 0; i < N_WARM; i++)
    warm[i] = add_process (runner, NULL, NULL, "pid", NULL);
}

static int
assert_warm_up (ConcurraTask **warm)
{
  for (guint i = 0; i < N_WARM; i++)
    {
      assert_process_task (warm[i]);
      g_assert_cmpint (pid_value (warm[i]), ==, pid_value (warm[0]));
    }
  return pid_value (warm[0]);
}

/* Many quick tasks, pipelined: right results in order, at most
 * max-concurrency running at any time, the same warm workers reused. */
static void
on_started_count (ConcurraRunner *runner,
                  ConcurraTask   *task,
                  gpointer        user_data)
{
  int *counts = user_data;

  counts[0]++;
  counts[1] = MAX (counts[1], counts[0]);
}

static void
on_finished_count (ConcurraRunner *runner,
                   ConcurraTask   *task,
                   gpointer        user_data)
{
  ((int *) user_data)[0]--;
}

static void
test_pipelined (void)
{
  for (int concurrency = 1; concurrency <= 2; concurrency++)
    {
      g_autoptr(ConcurraRunner) runner = process_runner (concurrency);
      Baseline b = baseline ();
      ConcurraTask *tasks[400];
      int counts[2] = { 0, 0 };   /* running now, at most */

      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        tasks[i] = add_process (runner, NULL, NULL, "square", square_args (i));
      g_signal_connect (runner, "task-started", G_CALLBACK (on_started_count), counts);
      g_signal_connect (runner, "task-finished", G_CALLBACK (on_finished_count), counts);
      run_ok (runner);

      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        {
          assert_process_task (tasks[i]);
          g_assert_cmpint (int64_value (tasks[i]), ==, (gint64) i * i);
        }
      g_assert_cmpint (counts[0], ==, 0);
      g_assert_cmpint (counts[1], <=, concurrency);
      assert_clean (&b, &runner, 0);
    }
}

/* The task before the one sent ahead times out: its worker is killed
 * before it began the next request, which goes to a fresh worker as if
 * nothing happened (one attempt, not an error). */
static void
test_pipelined_timeout (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (1);
  Baseline b = baseline ();
  ConcurraTask *warm[N_WARM], *hang, *after[4];
  int pid;

  add_warm_up (runner, warm);
  hang = add_process (runner, "hang", NULL, "hang", NULL);
  concurra_task_set_timeout (hang, 0.3);
  for (guint i = 0; i < G_N_ELEMENTS (after); i++)
    after[i] = add_process (runner, NULL, NULL, "pid", NULL);
  run_ok (runner);

  pid = assert_warm_up (warm);
  assert_error (hang, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  for (guint i = 0; i < G_N_ELEMENTS (after); i++)
    {
      assert_process_task (after[i]);
      g_assert_cmpint (pid_value (after[i]), !=, pid);
      /* it started once its worker was free, not when it was sent */
      g_assert_cmpfloat (concurra_task_get_duration (after[i]), <, 0.25);
    }
  g_assert_true (process_gone (pid, REAP_WAIT));
  assert_clean (&b, &runner, REAP_WAIT);
}

/* The task before the one sent ahead crashes its worker: only that task
 * fails; the next one runs on a fresh worker. */
static void
test_pipelined_crash (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (1);
  Baseline b = baseline ();
  ConcurraTask *warm[N_WARM], *crash, *after[4];
  const GError *error;
  int pid;

  add_warm_up (runner, warm);
  crash = add_process (runner, "segv", NULL, "segv", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (after); i++)
    after[i] = add_process (runner, NULL, NULL, "pid", NULL);
  run_ok (runner);

  pid = assert_warm_up (warm);
  error = assert_crashed (crash);
  g_assert_cmpint (crashed_pid (error->message), ==, pid);
  g_assert_true (g_str_has_suffix (error->message, "while running 'segv'"));
  for (guint i = 0; i < G_N_ELEMENTS (after); i++)
    {
      assert_process_task (after[i]);
      g_assert_cmpint (pid_value (after[i]), !=, pid);
    }
  assert_clean (&b, &runner, 0);
}

/* The task sent ahead is cancelled while the one before it runs: that one
 * finishes normally, the worker (which may have begun the cancelled one) is
 * killed, and the rest run on a fresh worker. Sending ahead depends on how
 * quick the warm-up tasks were (under 1 ms each), which a loaded machine or
 * a sanitizer build does not always give: a cancelled task that was still
 * queued is just dropped, and the worker reused. */
static void
test_pipelined_cancel (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (1);
  char *dir = make_tmpdir ();
  g_autofree char *pidfile = g_build_filename (dir, "sleep.pid", NULL);
  Baseline b = baseline ();
  ConcurraTask *warm[N_WARM], *sleeper, *cancelled, *after[4];
  Killer canceller = { runner, pidfile, 0, 0, NULL };
  gint64 start = g_get_monotonic_time ();
  gboolean reused;
  int pid;

  add_warm_up (runner, warm);
  sleeper = add_process (runner, "sleeper", NULL, "sleep", sleep_args (0.5, pidfile));
  cancelled = add_process (runner, "cancelled", NULL, "sleep", sleep_args (30, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (after); i++)
    after[i] = add_process (runner, NULL, NULL, "pid", NULL);
  canceller.cancel = cancelled;

  run_with_thread (runner, killer_thread, &canceller);

  pid = assert_warm_up (warm);
  assert_process_task (sleeper);
  g_assert_cmpint (pid_value (sleeper), ==, pid);
  g_assert_cmpint (concurra_task_get_status (cancelled), ==, CONCURRA_TASK_STATUS_TERMINATED);
  /* a worker left with the cancelled request would run its 30 s sleep
   * before anything else: reusing it is only right when it never got it */
  reused = pid_value (after[0]) == pid;
  g_test_message ("the cancelled task was %s", reused ? "still queued" : "sent ahead");
  for (guint i = 0; i < G_N_ELEMENTS (after); i++)
    {
      assert_process_task (after[i]);
      g_assert_cmpint (pid_value (after[i]), ==, pid_value (after[0]));
    }
  g_assert_cmpfloat ((g_get_monotonic_time () - start) / 1e6, <, 10.0);
  if (!reused)
    g_assert_true (process_gone (pid, REAP_WAIT));
  assert_clean (&b, &runner, REAP_WAIT);
  remove_tmpdir (dir);
}

/* ------------------------------------------------------------------------ */
/* Malformed messages                                                       */
/* ------------------------------------------------------------------------ */

/* An int32 7 inside @levels - 1 variants, and back. */
static GVariant *
nested_value (guint levels)
{
  GVariant *value = g_variant_new_int32 (7);

  for (guint i = 1; i < levels; i++)
    value = g_variant_new_variant (value);
  return value;
}

static guint
nested_levels (GVariant *value)
{
  g_autoptr(GVariant) v = g_variant_ref (value);
  guint levels = 1;

  while (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (v);

      g_variant_unref (v);
      v = inner;
      levels++;
    }
  g_assert_cmpint (g_variant_get_int32 (v), ==, 7);
  return levels;
}

/* Values as deep as a message can carry (GVariant's 128 levels, less the
 * message's own) go both ways; deeper arguments or results fail their
 * task with a message that says so and the limit (a legitimate 200-deep
 * result was "malformed"), and the worker stays; a worker that sends one
 * anyway is told apart from one that sends garbage. */
static void
test_deep_values (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (1);
  Baseline b = baseline ();
  const char *after_first[] = { "first", NULL };
  const char *after_deep[] = { "deep", NULL };
  ConcurraTask *first, *echo, *echo_deep, *deep, *deep_126, *deep_200, *last, *forged;
  const GError *error;

  /* one worker, the tasks in the order added */
  first = add_process (runner, "first", NULL, "pid", NULL);
  echo = add_process (runner, "echo", after_first, "echo", nested_value (125));
  echo_deep = add_process (runner, "echo-126", after_first, "echo", nested_value (126));
  deep_126 = add_process (runner, "deep-126", after_first, "deep", g_variant_new ("(u)", 126));
  deep_200 = add_process (runner, "deep-200", after_first, "deep", g_variant_new ("(u)", 200));
  deep = add_process (runner, "deep", after_first, "deep", g_variant_new ("(u)", 125));
  last = add_process (runner, "last", after_deep, "pid", NULL);
  run_ok (runner);

  assert_process_task (echo);
  g_assert_cmpuint (nested_levels (variant_value (echo)), ==, 125);
  assert_process_task (deep);
  g_assert_cmpuint (nested_levels (variant_value (deep)), ==, 125);

  error = assert_error (echo_deep, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR,
                        CONCURRA_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "The arguments of 'echo' are nested too deeply to go to or "
                   "from a worker (limit 125 levels: GVariant's 128 less the message's own)");
  for (guint i = 0; i < 2; i++)
    {
      error = assert_error (i ? deep_200 : deep_126, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR,
                            CONCURRA_ERROR_INVALID_ARGUMENT);
      g_assert_cmpstr (error->message, ==, "The result of 'deep' is nested too deeply to go to or "
                       "from a worker (limit 125 levels: GVariant's 128 less the message's own)");
    }
  /* the same worker served the call after it */
  assert_process_task (last);
  g_assert_cmpint (pid_value (last), ==, pid_value (first));
  g_clear_object (&runner);

  /* a worker of its own making that sends one anyway */
  runner = process_runner (1);
  forged = add_process (runner, "forged", NULL, "garbage", g_variant_new ("(s)", "too-deep"));
  run_ok (runner);
  error = assert_crashed (forged);
  g_assert_cmpstr (error->message, ==, "Worker sent a malformed message: nested too deeply "
                   "(limit 128 levels, the message's own included)");
  assert_clean (&b, &runner, 0);
}

static void
test_malformed (void)
{
  static const char *kinds[] = {
    "zero-length", "huge-length", "over-limit", "wrong-type", "short-string", "random",
    "not-normal", "wrong-id", "bad-domain", "empty-domain",
  };
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  Baseline b = baseline ();
  ConcurraTask *bad[G_N_ELEMENTS (kinds)], *truncated, *tasks[6];
  const GError *error;

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      bad[i] = add_process (runner, kinds[i], NULL, "garbage", g_variant_new ("(s)", kinds[i]));
      if (i % 3 == 0)
        tasks[i / 3] = add_process (runner, NULL, NULL, "square", square_args (i));
    }
  truncated = add_process (runner, "truncated-exit", NULL, "garbage", g_variant_new ("(s)", "truncated-exit"));
  for (guint i = 4; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = add_process (runner, NULL, NULL, "square", square_args (100 + i));
  run_ok (runner);

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      error = assert_crashed (bad[i]);
      /* too large is not malformed: the message says what it was */
      if (!g_str_has_prefix (error->message, i == 1 || i == 2 ? "Worker sent a message of "
                                                              : "Worker sent a malformed message: "))
        g_error ("%s: unexpected message '%s'", kinds[i], error->message);
      g_test_message ("%-13s -> %s", kinds[i], error->message);
      g_assert_cmpint (concurra_task_get_execution_mode (bad[i]), ==, CONCURRA_EXECUTION_MODE_PROCESS);
    }
  g_assert_nonnull (strstr (concurra_task_get_error (bad[0])->message, "malformed message: length 0"));
  g_assert_nonnull (strstr (concurra_task_get_error (bad[1])->message,
                            "a message of 4294967295 bytes, over the limit of 67108864 bytes"));
  g_assert_nonnull (strstr (concurra_task_get_error (bad[2])->message,
                            "a message of 67108865 bytes, over the limit of 67108864 bytes"));
  for (guint i = 3; i <= 6; i++)
    g_assert_nonnull (strstr (concurra_task_get_error (bad[i])->message, "not a (tbmvsiss) value in normal form"));
  g_assert_nonnull (strstr (concurra_task_get_error (bad[7])->message, "reply to request 424242 while "));
  g_assert_nonnull (strstr (concurra_task_get_error (bad[8])->message, "invalid error domain"));
  g_assert_nonnull (strstr (concurra_task_get_error (bad[9])->message, "invalid error domain"));

  /* cut short by an exiting worker: a crash */
  error = assert_crashed (truncated);
  g_assert_true (g_str_has_suffix (error->message, " exited with status 0 while running 'garbage'"));

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    assert_process_task (tasks[i]);
  /* every broken worker was killed before its task failed */
  assert_clean (&b, &runner, 0);
}

/* A partial message from a worker that then stalls: only a timeout ends
 * the attempt, and nothing else waits for it. */
static void
test_truncated_stall (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  Baseline b = baseline ();
  ConcurraTask *stall, *tasks[4];

  stall = add_process (runner, "stall", NULL, "garbage", g_variant_new ("(s)", "truncated-hang"));
  concurra_task_set_timeout (stall, 0.3);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = add_process (runner, NULL, NULL, "square", square_args (i));
  run_ok (runner);

  assert_error (stall, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    assert_process_task (tasks[i]);
  assert_clean (&b, &runner, REAP_WAIT);
}

/* A worker that sends an unrequested extra reply: the parent never takes
 * it for the reply to a later request. */
static void
test_unrequested_reply (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (1);
  Baseline b = baseline ();
  ConcurraTask *extra, *next, *last;

  extra = add_process (runner, "extra", NULL, "garbage", g_variant_new ("(s)", "extra-reply"));
  next = add_process (runner, "next", NULL, "square", square_args (5));
  last = add_process (runner, "last", NULL, "square", square_args (6));
  run_ok (runner);

  /* the first reply answers the request in flight */
  assert_process_task (extra);
  g_assert_cmpint (g_variant_get_int32 (variant_value (extra)), ==, 1);
  /* the stray one must not become the result of the next request: either
   * the parent noticed it and the worker was replaced, or the next task
   * fails as a protocol violation */
  if (concurra_task_get_status (next) == CONCURRA_TASK_STATUS_SUCCESSFUL)
    g_assert_cmpint (int64_value (next), ==, 25);
  else
    {
      const GError *error = assert_crashed (next);

      g_test_message ("the task after a stray reply failed: %s", error->message);
      g_assert_true (g_str_has_prefix (error->message, "Worker sent a malformed message: "));
    }
  assert_process_task (last);
  g_assert_cmpint (int64_value (last), ==, 36);
  assert_clean (&b, &runner, 0);
}

/* Worker commands that are not workers. */
static void
test_bad_worker_command (void)
{
  const char *missing[] = { "/nonexistent/concurra-worker", NULL };
  const char *exits[] = { "/bin/true", NULL };
  const char * const *commands[] = { missing, exits };

  for (guint c = 0; c < G_N_ELEMENTS (commands); c++)
    {
      g_autoptr(ConcurraRunner) runner = process_runner (2);
      Baseline b = baseline ();
      ConcurraTask *tasks[3];
      const GError *error;
      double elapsed;

      concurra_runner_set_worker_command (runner, commands[c]);
      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        tasks[i] = add_process (runner, NULL, NULL, "pid", NULL);
      elapsed = run_timed (runner);
      g_assert_cmpfloat (elapsed, <, 10.0);
      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        {
          error = assert_crashed (tasks[i]);
          g_test_message ("%s: %s", commands[c][0], error->message);
          if (c == 0)
            g_assert_true (g_str_has_prefix (error->message, "Could not start a worker process: "));
          else
            g_assert_true (g_str_has_suffix (error->message, " exited with status 0 while running 'pid'"));
        }
      assert_clean (&b, &runner, 0);
    }
}

/* ------------------------------------------------------------------------ */
/* What cannot cross the process boundary                                   */
/* ------------------------------------------------------------------------ */

static void
test_not_serializable (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  g_autoptr(GError) error = NULL;
  Baseline b = baseline ();
  ConcurraTask *local, *dependent, *tasks[4];
  const char *after_local[] = { "local", NULL };
  int calls = 0;

  local = concurra_runner_add_task (runner, "local", NULL, local_pid, &calls, NULL, &error);
  g_assert_no_error (error);
  dependent = add_process (runner, "dependent", after_local, "pid", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = add_process (runner, NULL, NULL, "pid", NULL);
  run_ok (runner);

  g_assert_cmpstr (assert_error (local, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR,
                                 CONCURRA_ERROR_NOT_SERIALIZABLE)->message, ==,
                   "Task 'local' is a local function and cannot be sent to a worker process; "
                   "use a process task, or set fallback-to-thread");
  g_assert_cmpint (concurra_task_get_execution_mode (local), ==, CONCURRA_EXECUTION_MODE_NONE);
  g_assert_cmpuint (concurra_task_get_attempts (local), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&calls), ==, 0);
  assert_error (dependent, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR, CONCURRA_ERROR_DEPENDENCY_FAILED);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    assert_process_task (tasks[i]);
  assert_clean (&b, &runner, 0);
}

/* With fast-fail, a task that cannot cross the boundary fails the run
 * like any failure: the running worker is killed. The bad task waits for a
 * short "gate" task so that the long one is running by then. */
static void
test_not_serializable_fast_fail (void)
{
  for (guint which = 0; which < 2; which++)
    {
      g_autoptr(ConcurraRunner) runner = process_runner (2);
      g_autoptr(GError) error = NULL;
      char *dir = make_tmpdir ();
      g_autofree char *pidfile = g_build_filename (dir, "long.pid", NULL);
      const char *after_gate[] = { "gate", NULL };
      Baseline b = baseline ();
      ConcurraTask *longer, *bad;
      double elapsed;

      concurra_runner_set_fast_fail (runner, TRUE);
      longer = add_process (runner, "long", NULL, "sleep", sleep_args (30, pidfile));
      add_process (runner, "gate", NULL, "sleep", sleep_args (0.2, NULL));
      if (which == 0)
        {
          bad = concurra_runner_add_task (runner, "local", after_gate, local_pid, NULL, NULL, &error);
          g_assert_no_error (error);
        }
      else
        bad = add_process (runner, "nope", after_gate, "nope", NULL);
      elapsed = run_timed (runner);

      assert_error (bad, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR, CONCURRA_ERROR_NOT_SERIALIZABLE);
      g_assert_cmpstr (assert_error (longer, CONCURRA_TASK_STATUS_TERMINATED, CONCURRA_ERROR,
                                     CONCURRA_ERROR_TERMINATED)->message, ==, TERMINATED_MESSAGE);
      g_assert_cmpfloat (elapsed, <, 10.0);
      assert_clean (&b, &runner, REAP_WAIT);
      g_assert_true (process_gone (read_pidfile (pidfile), 0));
      remove_tmpdir (dir);
    }
}

static void
test_fallback_to_thread (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) dict = NULL;
  Baseline b = baseline ();
  ConcurraTask *local, *remote;
  const char *mode = NULL, *warning = NULL;
  int calls = 0, warning_notifies = 0;

  concurra_runner_set_fallback_to_thread (runner, TRUE);
  local = concurra_runner_add_task (runner, "local", NULL, local_pid, &calls, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect_swapped (local, "notify::warning", G_CALLBACK (g_atomic_int_inc), &warning_notifies);
  remote = add_process (runner, "remote", NULL, "pid", NULL);
  run_ok (runner);
  g_assert_cmpint (warning_notifies, ==, 1);

  assert_successful (local);
  g_assert_cmpint (g_atomic_int_get (&calls), ==, 1);
  g_assert_cmpint (g_value_get_int64 (concurra_task_get_value (local)), ==, getpid ());
  g_assert_cmpint (concurra_task_get_execution_mode (local), ==, CONCURRA_EXECUTION_MODE_THREAD_FALLBACK);
  g_assert_nonnull (concurra_task_get_warning (local));
  g_assert_nonnull (strstr (concurra_task_get_warning (local), "thread"));
  dict = concurra_task_to_variant (local);
  g_assert_true (g_variant_lookup (dict, "execution_mode", "m&s", &mode));
  g_assert_cmpstr (mode, ==, "thread_fallback");
  g_assert_true (g_variant_lookup (dict, "warning", "m&s", &warning));
  g_assert_cmpstr (warning, ==, concurra_task_get_warning (local));

  assert_process_task (remote);
  g_assert_null (concurra_task_get_warning (remote));
  g_assert_cmpint (pid_value (remote), !=, getpid ());
  assert_clean (&b, &runner, 0);
}

static void
test_command_in_process_runner (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "/bin/echo", "hello", NULL };
  Baseline b = baseline ();
  ConcurraTask *command, *shell, *remote;

  command = concurra_runner_add_command (runner, "echo", NULL, argv, &error);
  g_assert_no_error (error);
  shell = concurra_runner_add_shell_command (runner, "shell", NULL, "echo $((6 * 7))", &error);
  g_assert_no_error (error);
  remote = add_process (runner, "remote", NULL, "pid", NULL);
  run_ok (runner);

  assert_successful (command);
  g_assert_cmpint (concurra_task_get_execution_mode (command), ==, CONCURRA_EXECUTION_MODE_SUBPROCESS);
  g_assert_cmpstr (concurra_task_get_stdout (command), ==, "hello\n");
  assert_successful (shell);
  g_assert_cmpint (concurra_task_get_execution_mode (shell), ==, CONCURRA_EXECUTION_MODE_SUBPROCESS);
  g_assert_cmpstr (concurra_task_get_stdout (shell), ==, "42\n");
  assert_process_task (remote);
  assert_clean (&b, &runner, 0);
}

/* In a thread runner a process task calls the registered function here. */
static void
test_thread_runner (void)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("thread");
  Baseline b = baseline ();
  ConcurraTask *pid, *square, *fail, *nope;
  gint64 value;
  gboolean in_worker;

  concurra_runner_set_verify_on_finish (runner, FALSE);
  g_assert_cmpint (concurra_runner_get_execution_mode (runner), ==, CONCURRA_EXECUTION_MODE_THREAD);
  pid = add_process (runner, "pid", NULL, "self-pid", NULL);
  square = add_process (runner, "square", NULL, "self-square", square_args (9));
  fail = add_process (runner, "fail", NULL, "self-fail", NULL);
  nope = add_process (runner, "nope", NULL, "nope", NULL);
  run_ok (runner);

  assert_successful (pid);
  g_assert_cmpint (concurra_task_get_execution_mode (pid), ==, CONCURRA_EXECUTION_MODE_THREAD);
  g_assert_cmpint (pid_value (pid), ==, getpid ());
  assert_successful (square);
  g_variant_get (variant_value (square), "(xb)", &value, &in_worker);
  g_assert_cmpint (value, ==, 81);
  g_assert_false (in_worker);
  g_assert_cmpstr (assert_error (fail, CONCURRA_TASK_STATUS_FAILED, G_IO_ERROR,
                                 G_IO_ERROR_PERMISSION_DENIED)->message, ==, "not allowed here");
  g_assert_cmpint (concurra_task_get_execution_mode (fail), ==, CONCURRA_EXECUTION_MODE_THREAD);
  assert_error (nope, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR, CONCURRA_ERROR_NOT_SERIALIZABLE);
  assert_clean (&b, &runner, 0);
}

/* This test binary as its own worker (worker-command NULL: re-exec). */
static void
test_self_worker (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  Baseline b = baseline ();
  ConcurraTask *pid, *square, *fail, *theirs;
  gint64 value;
  gboolean in_worker;

  /* what main() registered, and only that */
  g_assert_true (concurra_worker_is_registered ("self-pid"));
  g_assert_true (concurra_worker_is_registered ("self-square"));
  g_assert_false (concurra_worker_is_registered ("self-unknown"));
  g_assert_false (concurra_worker_is_registered (""));

  concurra_runner_set_worker_command (runner, NULL);
  g_assert_null (concurra_runner_get_worker_command (runner));
  pid = add_process (runner, "pid", NULL, "self-pid", NULL);
  square = add_process (runner, "square", NULL, "self-square", square_args (-4));
  fail = add_process (runner, "fail", NULL, "self-fail", NULL);
  /* registered only in process-worker, not here */
  theirs = add_process (runner, "theirs", NULL, "burn", NULL);
  run_ok (runner);

  assert_process_task (pid);
  g_assert_cmpint (pid_value (pid), !=, getpid ());
  assert_process_task (square);
  g_variant_get (variant_value (square), "(xb)", &value, &in_worker);
  g_assert_cmpint (value, ==, 16);
  g_assert_true (in_worker);
  assert_error (fail, CONCURRA_TASK_STATUS_FAILED, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  assert_error (theirs, CONCURRA_TASK_STATUS_FAILED, CONCURRA_ERROR, CONCURRA_ERROR_NOT_SERIALIZABLE);
  assert_clean (&b, &runner, 0);
}

/* ------------------------------------------------------------------------ */
/* CPU-bound work runs in parallel                                          */
/* ------------------------------------------------------------------------ */

static void
test_parallel_burn (void)
{
  g_autoptr(ConcurraRunner) runner = process_runner (2);
  Baseline b = baseline ();
  ConcurraTask *tasks[4];

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = add_process (runner, NULL, NULL, "burn", g_variant_new ("(d)", 0.2));
  run_ok (runner);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      assert_process_task (tasks[i]);
      g_assert_cmpuint (g_variant_get_uint64 (variant_value (tasks[i])), >, 0);
      /* CPU time in the worker, so at least that much wall time */
      g_assert_cmpfloat (concurra_task_get_duration (tasks[i]), >=, 0.19);
    }
  assert_clean (&b, &runner, 0);
}

/* ------------------------------------------------------------------------ */
/* Everything at once, then nothing left                                    */
/* ------------------------------------------------------------------------ */

static void
test_no_leaks (void)
{
  Baseline b = baseline ();
  g_autoptr(GPtrArray) fds_before = list_fds ();
  g_autoptr(GPtrArray) fds_after = NULL;

  /* every way a run can end, back to back, then compare with the start */
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(ConcurraRunner) runner = process_runner (3);
      ConcurraTask *hang;

      add_process (runner, "segv", NULL, "segv", NULL);
      add_process (runner, "abort", NULL, "abort", NULL);
      add_process (runner, "exit", NULL, "exit", g_variant_new ("(i)", 3));
      add_process (runner, "garbage", NULL, "garbage", g_variant_new ("(s)", "random"));
      add_process (runner, "fail", NULL, "fail", NULL);
      add_process (runner, "nope", NULL, "nope", NULL);
      hang = add_process (runner, "hang", NULL, "hang", NULL);
      concurra_task_set_timeout (hang, 0.2);
      for (guint i = 0; i < 20; i++)
        add_process (runner, NULL, NULL, "square", square_args (i));
      run_ok (runner);
      g_assert_cmpuint (concurra_runner_get_n_failed (runner), ==, 7);
    }
  {
    g_autoptr(ConcurraRunner) runner = process_runner (2);

    concurra_runner_set_fast_fail (runner, TRUE);
    add_process (runner, "hang", NULL, "hang", NULL);
    add_process (runner, "fail", NULL, "sleep-fail", g_variant_new ("(dsis)", 0.1, "x-error", 1, "x"));
    for (guint i = 0; i < 5; i++)
      add_process (runner, NULL, NULL, "pid", NULL);
    run_ok (runner);
  }
  assert_clean (&b, NULL, REAP_WAIT);
  fds_after = list_fds ();
  g_assert_true (no_more_fds (fds_before, fds_after));
}

/* ------------------------------------------------------------------------ */

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

int
main (int   argc,
      char *argv[])
{
  /* Serve as a worker when a runner started this program as one (in
   * /process/self-worker); user_data tells the two roles apart. */
  concurra_worker_register ("self-pid", self_pid, NULL, NULL);
  concurra_worker_register ("self-square", self_square, GINT_TO_POINTER (TRUE), NULL);
  concurra_worker_register ("self-fail", self_fail, NULL, NULL);
  concurra_worker_main ();
  /* not a worker: the same function reports it runs in the parent */
  concurra_worker_register ("self-square", self_square, GINT_TO_POINTER (FALSE), NULL);

  /* Under AddressSanitizer, a worker's LeakSanitizer check at exit ptraces
   * the worker from a helper process; a worker killed meanwhile (the pool
   * SIGTERMs idle workers when a run ends) exits while traced, and GLib
   * 2.74's pidfd child watch then reports it exited without reaping it: a
   * zombie is left for good. So no leak check in workers (this process
   * parsed its own ASAN_OPTIONS at startup and keeps its leak check). */
  {
    const char *asan = g_getenv ("ASAN_OPTIONS");
    g_autofree char *options = g_strconcat (asan ? asan : "", asan && *asan ? ":" : "", "detect_leaks=0", NULL);

    g_setenv ("ASAN_OPTIONS", options, TRUE);
  }

  g_test_init (&argc, &argv, NULL);
  signal (SIGALRM, watchdog_fired);

  if (g_getenv ("CONCURRA_TEST_WORKER") != NULL)
    worker_path = g_strdup (g_getenv ("CONCURRA_TEST_WORKER"));
  else
    worker_path = g_test_build_filename (G_TEST_BUILT, "process-worker", NULL);
  if (!g_file_test (worker_path, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("test worker %s not found (set G_TEST_BUILDDIR or CONCURRA_TEST_WORKER)", worker_path);

  add_test ("/process/results", test_results);
  add_test ("/process/big-messages", test_big_messages);
  add_test ("/process/deep-values", test_deep_values);
  add_test ("/process/reuse", test_reuse);
  add_test ("/process/max-concurrency", test_max_concurrency);
  add_test ("/process/lazy-spawn", test_lazy_spawn);
  add_test ("/process/shutdown-at-run-end", test_shutdown_at_run_end);
  add_test ("/process/errors", test_errors);
  add_test ("/process/unregistered", test_unregistered);
  add_test ("/process/retries", test_retries);
  add_test ("/process/timeout-kills-worker", test_timeout_kills_worker);
  add_test ("/process/timeout-sigkill", test_timeout_sigkill);
  add_test ("/process/abort-kills-worker", test_abort_kills_worker);
  add_test ("/process/fast-fail-kills-worker", test_fast_fail_kills_worker);
  add_test ("/process/crashes", test_crashes);
  add_test ("/process/killed-from-outside", test_killed_from_outside);
  add_test ("/process/leftovers", test_leftovers);
  add_test ("/process/no-workers-from-a-worker", test_no_workers_from_a_worker);
  add_test ("/process/pipelined", test_pipelined);
  add_test ("/process/pipelined-timeout", test_pipelined_timeout);
  add_test ("/process/pipelined-crash", test_pipelined_crash);
  add_test ("/process/pipelined-cancel", test_pipelined_cancel);
  add_test ("/process/malformed", test_malformed);
  add_test ("/process/truncated-stall", test_truncated_stall);
  add_test ("/process/unrequested-reply", test_unrequested_reply);
  add_test ("/process/bad-worker-command", test_bad_worker_command);
  add_test ("/process/not-serializable", test_not_serializable);
  add_test ("/process/not-serializable-fast-fail", test_not_serializable_fast_fail);
  add_test ("/process/fallback-to-thread", test_fallback_to_thread);
  add_test ("/process/command", test_command_in_process_runner);
  add_test ("/process/thread-runner", test_thread_runner);
  add_test ("/process/self-worker", test_self_worker);
  add_test ("/process/parallel-burn", test_parallel_burn);
  add_test ("/process/no-leaks", test_no_leaks);
  /* last, with non-fatal assertions: a failure here leaves the others run */
  add_test ("/process/odd-errors", test_odd_errors);
  /* last: it spends the process's budget of error domains workers may add */
  add_test ("/process/untrusted-messages", test_untrusted_messages);

  {
    int status = g_test_run ();

    g_free (worker_path);
    return status;
  }
}
