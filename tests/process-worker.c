/* process-worker.c: the worker program of the process-mode tests
 * (test-process.c) and of bench-process.c. It registers functions that
 * compute, fail, sleep, hang, crash in every way a worker can, and break
 * the protocol on purpose by writing to the socket on fd 3 themselves.
 *
 * Run by a runner (CONCURRA_WORKER_FD=3 set), it serves; run by hand it
 * lists its functions.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* the protocol socket, as concurra_worker_main() finds it */
#define WORKER_FD 3

/* The id of the request in flight: the parent numbers the requests to a
 * worker 1, 2, 3...; every request that reaches a function of this
 * program counts here (see dispatch()). */
static guint64 request_id;

/* ---- helpers ---- */

static void
write_raw (const void *data,
           gsize       size)
{
  const guint8 *p = data;

  while (size > 0)
    {
      gssize n = write (WORKER_FD, p, size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        _exit (99);
      p += n;
      size -= n;
    }
}

static void
write_header (guint32 length)
{
  guint8 header[4] = { length & 0xff, (length >> 8) & 0xff, (length >> 16) & 0xff, length >> 24 };

  write_raw (header, sizeof header);
}

/* Writes a whole frame whose payload is @message's serialised data. */
static void
write_message (GVariant *message)
{
  g_autoptr(GVariant) normal = g_variant_get_normal_form (g_variant_ref_sink (message));

  write_header ((guint32) g_variant_get_size (normal));
  write_raw (g_variant_get_data (normal), g_variant_get_size (normal));
  g_variant_unref (message);
}

/* Never returns: the parent has to notice what is wrong and kill us. */
G_GNUC_NORETURN static void
hang_forever (void)
{
  for (;;)
    pause ();
}

/* Writes our pid to @path (atomically) so that a test knows the worker. */
static void
announce_pid (const char *path)
{
  g_autofree char *text = NULL;

  if (path == NULL || *path == '\0')
    return;
  text = g_strdup_printf ("%d", (int) getpid ());
  if (!g_file_set_contents (path, text, -1, NULL))
    _exit (98);
}

static double
thread_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- computing ---- */

/* (x) -> x * x */
static GVariant *
fn_square (GVariant      *args,
           GCancellable  *cancellable,
           gpointer       user_data,
           GError       **error)
{
  gint64 x;

  if (args == NULL || !g_variant_is_of_type (args, G_VARIANT_TYPE ("(x)")))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "square wants (x)");
      return NULL;
    }
  g_variant_get (args, "(x)", &x);
  return g_variant_new_int64 (x * x);
}

/* any container of integers -> their sum (x) */
static GVariant *
fn_sum (GVariant      *args,
        GCancellable  *cancellable,
        gpointer       user_data,
        GError       **error)
{
  gint64 sum = 0;
  gsize n = args && g_variant_is_container (args) ? g_variant_n_children (args) : 0;

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (args, i);

      if (g_variant_is_of_type (child, G_VARIANT_TYPE_INT64))
        sum += g_variant_get_int64 (child);
      else if (g_variant_is_of_type (child, G_VARIANT_TYPE_INT32))
        sum += g_variant_get_int32 (child);
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "sum: argument %" G_GSIZE_FORMAT " is not an integer", i);
          return NULL;
        }
    }
  return g_variant_new_int64 (sum);
}

/* () -> nothing at all: a tiny task for the benchmark */
static GVariant *
fn_noop (GVariant      *args,
         GCancellable  *cancellable,
         gpointer       user_data,
         GError       **error)
{
  return NULL;
}

/* args -> args */
static GVariant *
fn_echo (GVariant      *args,
         GCancellable  *cancellable,
         gpointer       user_data,
         GError       **error)
{
  return args ? g_variant_ref (args) : NULL;
}

/* () -> (u pid) */
static GVariant *
fn_pid (GVariant      *args,
        GCancellable  *cancellable,
        gpointer       user_data,
        GError       **error)
{
  return g_variant_new_uint32 ((guint32) getpid ());
}

/* The state of a stateful worker lane (ConcurraWorker in process mode):
 * counter-init (x) sets it, counter-add (x) adds to it and returns it. */
static gint64 counter;
static gboolean counter_set;

static GVariant *
fn_counter_init (GVariant      *args,
                 GCancellable  *cancellable,
                 gpointer       user_data,
                 GError       **error)
{
  if (args == NULL || !g_variant_is_of_type (args, G_VARIANT_TYPE ("(x)")))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "counter-init wants (x)");
      return NULL;
    }
  g_variant_get (args, "(x)", &counter);
  counter_set = TRUE;
  return NULL;
}

static GVariant *
fn_counter_add (GVariant      *args,
                GCancellable  *cancellable,
                gpointer       user_data,
                GError       **error)
{
  gint64 x;

  if (!counter_set)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "counter-init was not called");
      return NULL;
    }
  if (args == NULL || !g_variant_is_of_type (args, G_VARIANT_TYPE ("(x)")))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "counter-add wants (x)");
      return NULL;
    }
  g_variant_get (args, "(x)", &x);
  counter += x;
  return g_variant_new_int64 (counter);
}

/* (s key, b release) -> (x): takes one unit of the limit @key (and every
 * call limit) from the parent ConcurraWorker's limits, gives it back if
 * @release, and returns the monotonic time it got it at */
static GVariant *
fn_limited (GVariant      *args,
            GCancellable  *cancellable,
            gpointer       user_data,
            GError       **error)
{
  const char *key;
  gboolean release;
  const char *keys[1];
  guint amounts[1] = { 1 };
  guint64 acquisition;
  gint64 now;

  if (args == NULL || !g_variant_is_of_type (args, G_VARIANT_TYPE ("(sb)")))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "limited wants (sb)");
      return NULL;
    }
  g_variant_get (args, "(&sb)", &key, &release);
  keys[0] = key;
  acquisition = concurra_worker_acquire_limits (keys, amounts, 1, 30, error);
  if (acquisition == 0)
    return NULL;
  now = g_get_monotonic_time ();
  if (release && !concurra_worker_release_limits (acquisition, NULL, NULL, 0, error))
    return NULL;
  return g_variant_new_int64 (now);
}

/* (s name) -> s: the variable in this worker's environment ("" if
 * unset), and what it printed on standard output meanwhile goes where a
 * launched worker's standard output goes (test-slurm.c) */
static GVariant *
fn_getenv (GVariant      *args,
           GCancellable  *cancellable,
           gpointer       user_data,
           GError       **error)
{
  const char *name = "", *value;

  if (args != NULL && g_variant_is_of_type (args, G_VARIANT_TYPE ("(s)")))
    g_variant_get (args, "(&s)", &name);
  value = g_getenv (name);
  printf ("getenv %s\n", name);
  fflush (stdout);
  return g_variant_new_string (value ? value : "");
}

/* (d cpu_seconds) -> (t iterations): burns CPU, default 0.2 s */
static GVariant *
fn_burn (GVariant      *args,
         GCancellable  *cancellable,
         gpointer       user_data,
         GError       **error)
{
  double seconds = 0.2, end;
  volatile guint64 x = 1;
  guint64 iterations = 0;

  if (args != NULL && g_variant_is_of_type (args, G_VARIANT_TYPE ("(d)")))
    g_variant_get (args, "(d)", &seconds);
  end = thread_cpu_seconds () + seconds;
  while (thread_cpu_seconds () < end)
    {
      for (int i = 0; i < 10000; i++)
        x = x * 6364136223846793005u + 1442695040888963407u;
      iterations++;
    }
  return g_variant_new_uint64 (iterations);
}

/* (u size) -> ay of @size bytes, byte i = i * 7 mod 251 */
static GVariant *
fn_big (GVariant      *args,
        GCancellable  *cancellable,
        gpointer       user_data,
        GError       **error)
{
  guint32 size = 0;
  guint8 *data;

  if (args != NULL && g_variant_is_of_type (args, G_VARIANT_TYPE ("(u)")))
    g_variant_get (args, "(u)", &size);
  data = g_malloc (size ? size : 1);
  for (guint32 i = 0; i < size; i++)
    data[i] = (guint8) ((i * 7u) % 251u);
  return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, data, size, TRUE, g_free, data);
}

/* An int32 7 inside @levels - 1 variants: @levels levels deep. */
static GVariant *
nested (guint levels)
{
  GVariant *value = g_variant_new_int32 (7);

  for (guint i = 1; i < levels; i++)
    value = g_variant_new_variant (value);
  return value;
}

/* (u levels) -> a value nested @levels levels deep */
static GVariant *
fn_deep (GVariant      *args,
         GCancellable  *cancellable,
         gpointer       user_data,
         GError       **error)
{
  guint32 levels = 1;

  g_variant_get (args, "(u)", &levels);
  return nested (levels);
}

/* (ay) -> (t length, t sum of bytes) */
static GVariant *
fn_measure (GVariant      *args,
            GCancellable  *cancellable,
            gpointer       user_data,
            GError       **error)
{
  g_autoptr(GVariant) bytes = NULL;
  const guint8 *data;
  gsize size;
  guint64 sum = 0;

  if (args == NULL || !g_variant_is_of_type (args, G_VARIANT_TYPE ("(ay)")))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "measure wants (ay)");
      return NULL;
    }
  bytes = g_variant_get_child_value (args, 0);
  data = g_variant_get_fixed_array (bytes, &size, 1);
  for (gsize i = 0; i < size; i++)
    sum += data[i];
  return g_variant_new ("(tt)", (guint64) size, sum);
}

/* ---- failing ---- */

/* (s domain, i code, s message) -> error */
static GVariant *
fn_fail (GVariant      *args,
         GCancellable  *cancellable,
         gpointer       user_data,
         GError       **error)
{
  const char *domain = "process-worker-error-quark", *message = "failed on purpose";
  gint32 code = 1;

  if (args != NULL && g_variant_is_of_type (args, G_VARIANT_TYPE ("(sis)")))
    g_variant_get (args, "(&si&s)", &domain, &code, &message);
  g_set_error_literal (error, g_quark_from_string (domain), code, message);
  return NULL;
}

/* An error whose message is not valid UTF-8 (as from a file name in
 * another encoding), and whose domain is no quark-like name: the worker
 * side has to make both fit the protocol rather than crash or be taken for
 * a broken worker. (s kind): "utf8", "domain" */
static GVariant *
fn_fail_odd (GVariant      *args,
             GCancellable  *cancellable,
             gpointer       user_data,
             GError       **error)
{
  const char *kind;

  g_variant_get (args, "(&s)", &kind);
  if (g_str_equal (kind, "utf8"))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no file \xff\xfe.txt");
  else
    g_set_error_literal (error, g_quark_from_string ("My App: Errors"), 3, "odd domain");
  return NULL;
}

/* (s marker) -> error the first time (creating the marker), then (u pid) */
static GVariant *
fn_fail_once (GVariant      *args,
              GCancellable  *cancellable,
              gpointer       user_data,
              GError       **error)
{
  const char *marker;

  g_variant_get (args, "(&s)", &marker);
  if (!g_file_test (marker, G_FILE_TEST_EXISTS))
    {
      g_file_set_contents (marker, "1", -1, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "first attempt fails");
      return NULL;
    }
  return g_variant_new_uint32 ((guint32) getpid ());
}

/* (d seconds, s pidfile) -> sleeps in small steps (the worker is
 * single-threaded: cancellation only comes as a signal), then (u pid). */
static GVariant *
fn_sleep (GVariant      *args,
          GCancellable  *cancellable,
          gpointer       user_data,
          GError       **error)
{
  const char *pidfile = "";
  double seconds = 0.1;

  if (args != NULL && g_variant_is_of_type (args, G_VARIANT_TYPE ("(ds)")))
    g_variant_get (args, "(d&s)", &seconds, &pidfile);
  announce_pid (pidfile);
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  return g_variant_new_uint32 ((guint32) getpid ());
}

/* (d seconds, s domain, i code, s message): sleeps, then fails */
static GVariant *
fn_sleep_fail (GVariant      *args,
               GCancellable  *cancellable,
               gpointer       user_data,
               GError       **error)
{
  const char *domain, *message;
  double seconds;
  gint32 code;

  g_variant_get (args, "(d&si&s)", &seconds, &domain, &code, &message);
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  g_set_error_literal (error, g_quark_from_string (domain), code, message);
  return NULL;
}

/* (s pidfile) -> never returns */
static GVariant *
fn_hang (GVariant      *args,
         GCancellable  *cancellable,
         gpointer       user_data,
         GError       **error)
{
  const char *pidfile = "";

  if (args != NULL && g_variant_is_of_type (args, G_VARIANT_TYPE ("(s)")))
    g_variant_get (args, "(&s)", &pidfile);
  announce_pid (pidfile);
  hang_forever ();
}

/* (s pidfile) -> ignores SIGTERM and never returns: only SIGKILL ends it */
static GVariant *
fn_hang_hard (GVariant      *args,
              GCancellable  *cancellable,
              gpointer       user_data,
              GError       **error)
{
  signal (SIGTERM, SIG_IGN);
  return fn_hang (args, cancellable, user_data, error);
}

/* ---- crashing ---- */

/* A real segmentation fault (a write to a PROT_NONE page), with the default
 * disposition so that sanitizers do not turn it into an exit status. */
static GVariant *
fn_segv (GVariant      *args,
         GCancellable  *cancellable,
         gpointer       user_data,
         GError       **error)
{
  volatile char *page = mmap (NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  signal (SIGSEGV, SIG_DFL);
  signal (SIGBUS, SIG_DFL);
  page[0] = 1;
  raise (SIGSEGV);  /* not reached */
  return NULL;
}

static GVariant *
fn_abort (GVariant      *args,
          GCancellable  *cancellable,
          gpointer       user_data,
          GError       **error)
{
  signal (SIGABRT, SIG_DFL);
  abort ();
}

/* (i status) -> _exit (status) (not exit(): no leak checker at exit) */
static GVariant *
fn_exit (GVariant      *args,
         GCancellable  *cancellable,
         gpointer       user_data,
         GError       **error)
{
  gint32 status = 7;

  if (args != NULL && g_variant_is_of_type (args, G_VARIANT_TYPE ("(i)")))
    g_variant_get (args, "(i)", &status);
  _exit (status);
}

/* (si command status) -> runs @command with system(), then returns its
 * status, or with @status >= 0 exits with it at once (_exit(), as above) */
static GVariant *
fn_system (GVariant      *args,
           GCancellable  *cancellable,
           gpointer       user_data,
           GError       **error)
{
  const char *command;
  gint32 status, ret;

  g_variant_get (args, "(&si)", &command, &status);
  ret = system (command);
  if (status >= 0)
    _exit (status);
  return g_variant_new_int32 (ret);
}

/* (di seconds status) -> closes the protocol channel, lingers, then
 * exits with @status (_exit(), as above) */
static GVariant *
fn_close_channel (GVariant      *args,
                  GCancellable  *cancellable,
                  gpointer       user_data,
                  GError       **error)
{
  double seconds;
  gint32 status;

  g_variant_get (args, "(di)", &seconds, &status);
  close (3);
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  _exit (status);
}

/* (s marker) -> the first time (creating the marker) a segfault, then (u pid) */
static GVariant *
fn_crash_once (GVariant      *args,
               GCancellable  *cancellable,
               gpointer       user_data,
               GError       **error)
{
  const char *marker;

  g_variant_get (args, "(&s)", &marker);
  if (!g_file_test (marker, G_FILE_TEST_EXISTS))
    {
      g_file_set_contents (marker, "1", -1, NULL);
      return fn_segv (args, cancellable, user_data, error);
    }
  return g_variant_new_uint32 ((guint32) getpid ());
}

/* ---- breaking the protocol ---- */

static GVariant *
reply_message (guint64     id,
               gboolean    ok,
               GVariant   *value,
               const char *domain,
               gint32      code,
               const char *message)
{
  return g_variant_new ("(tbmvsiss)", id, ok, value, domain, code, message, "");
}

/* (s kind): writes something that is not a valid reply to the request in
 * flight, then (except where said) hangs, so only the parent's validation
 * can end the attempt. */
static GVariant *
fn_garbage (GVariant      *args,
            GCancellable  *cancellable,
            gpointer       user_data,
            GError       **error)
{
  const char *kind;

  g_variant_get (args, "(&s)", &kind);

  if (g_str_equal (kind, "zero-length"))
    write_header (0);
  else if (g_str_equal (kind, "huge-length"))
    write_header (0xffffffffu);
  else if (g_str_equal (kind, "over-limit"))
    write_header (64 * 1024 * 1024 + 1);
  else if (g_str_equal (kind, "wrong-type"))
    /* a well-formed frame holding a (tsv) request, not a (tbmvsiss) reply */
    write_message (g_variant_new ("(tsv)", (guint64) 1, "square", g_variant_new ("(x)", (gint64) 3)));
  else if (g_str_equal (kind, "short-string"))
    {
      /* a bare string: far too short for a reply tuple */
      write_message (g_variant_new_string ("garbage"));
    }
  else if (g_str_equal (kind, "random"))
    {
      guint8 junk[256];

      for (guint i = 0; i < sizeof junk; i++)
        junk[i] = (guint8) g_random_int ();
      write_header (sizeof junk);
      write_raw (junk, sizeof junk);
    }
  else if (g_str_equal (kind, "not-normal"))
    {
      /* a reply whose boolean byte is 2: right type, not in normal form */
      g_autoptr(GVariant) reply = g_variant_ref_sink (reply_message (request_id, TRUE, NULL, "", 0, ""));
      gsize size = g_variant_get_size (reply);
      g_autofree guint8 *data = g_memdup2 (g_variant_get_data (reply), size);

      data[8] = 2;
      write_header ((guint32) size);
      write_raw (data, size);
    }
  else if (g_str_equal (kind, "too-deep"))
    /* what concurra_worker_main() would refuse to send */
    write_message (reply_message (request_id, TRUE, nested (200), "", 0, ""));
  else if (g_str_equal (kind, "wrong-id"))
    write_message (reply_message (424242, TRUE, g_variant_new_int32 (1), "", 0, ""));
  else if (g_str_equal (kind, "bad-domain"))
    write_message (reply_message (request_id, FALSE, NULL, "not a domain!", 1, "bad"));
  else if (g_str_equal (kind, "empty-domain"))
    write_message (reply_message (request_id, FALSE, NULL, "", 1, "bad"));
  else if (g_str_equal (kind, "truncated-exit"))
    {
      /* a header promising 100 bytes, 10 of them, then the worker exits */
      guint8 some[10] = { 0 };

      write_header (100);
      write_raw (some, sizeof some);
      _exit (0);
    }
  else if (g_str_equal (kind, "truncated-hang"))
    {
      /* the same, but the worker stays: only a timeout can end this */
      guint8 some[10] = { 0 };

      write_header (100);
      write_raw (some, sizeof some);
    }
  else if (g_str_equal (kind, "extra-reply"))
    {
      /* a valid reply to the request, and the worker's own reply after
       * it: the second one arrives unasked and must not be taken for the
       * reply to a later request */
      write_message (reply_message (request_id, TRUE, g_variant_new_int32 (1), "", 0, ""));
      return g_variant_new_int32 (2);
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown garbage kind '%s'", kind);
      return NULL;
    }
  hang_forever ();
}

static const struct
{
  const char         *name;
  ConcurraWorkerFunc  func;
} functions[] = {
  { "square", fn_square },
  { "sum", fn_sum },
  { "noop", fn_noop },
  { "echo", fn_echo },
  { "pid", fn_pid },
  { "counter-init", fn_counter_init },
  { "counter-add", fn_counter_add },
  { "limited", fn_limited },
  { "getenv", fn_getenv },
  { "burn", fn_burn },
  { "big", fn_big },
  { "deep", fn_deep },
  { "measure", fn_measure },
  { "fail", fn_fail },
  { "fail-odd", fn_fail_odd },
  { "fail-once", fn_fail_once },
  { "sleep", fn_sleep },
  { "sleep-fail", fn_sleep_fail },
  { "hang", fn_hang },
  { "hang-hard", fn_hang_hard },
  { "segv", fn_segv },
  { "abort", fn_abort },
  { "exit", fn_exit },
  { "crash-once", fn_crash_once },
  { "garbage", fn_garbage },
  { "system", fn_system },
  { "close-channel", fn_close_channel },
};

/* Every function is called through here, to count the requests. A request
 * for an unregistered name also takes an id, but never reaches this
 * program: the tests that break the protocol do not send one first. */
static GVariant *
dispatch (GVariant      *args,
          GCancellable  *cancellable,
          gpointer       user_data,
          GError       **error)
{
  ConcurraWorkerFunc func = (ConcurraWorkerFunc) user_data;

  request_id++;
  return func (args, cancellable, NULL, error);
}

int
main (int   argc,
      char *argv[])
{
  for (guint i = 0; i < G_N_ELEMENTS (functions); i++)
    concurra_worker_register (functions[i].name, dispatch, (gpointer) functions[i].func, NULL);
  concurra_worker_main ();

  /* not started by a runner */
  g_print ("%s: a concurra-glib test worker; functions:", argv[0]);
  for (guint i = 0; i < G_N_ELEMENTS (functions); i++)
    g_print (" %s", functions[i].name);
  g_print ("\n");
  return 0;
}
