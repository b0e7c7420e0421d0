/* concurra-worker-process.c: the process side of workers — the function
 * registry and the serving loop of worker
 * processes.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-protocol-private.h"
#include "concurra-worker-private.h"
#include "concurra-worker.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/**
 * concurra_worker_register:
 * @name: the name process tasks use
 * @func: (scope notified) (closure user_data) (destroy destroy): the function
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data if the function is replaced
 *
 * Registers a function that process tasks can run by name, in worker
 * processes (see [method@Concurra.Runner.add_process_task]) or, in a thread
 * mode runner, in a thread. A program registers its functions, then calls
 * [func@Concurra.Worker.main] early in `main()`, so that the same program
 * serves as its own worker.
 *
 * Since: 1.0
 */
void
concurra_worker_register (const char         *name,
                          ConcurraWorkerFunc  func,
                          gpointer            user_data,
                          GDestroyNotify      destroy)
{
  g_return_if_fail (name != NULL && *name != '\0');
  g_return_if_fail (func != NULL);

  concurra_registry_add (name, func, user_data, destroy);
}

/**
 * concurra_worker_is_registered:
 * @name: a function name
 *
 * Whether a function is registered under @name in this process.
 *
 * Returns: %TRUE if it is
 *
 * Since: 1.0
 */
gboolean
concurra_worker_is_registered (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  return concurra_registry_has (name);
}

/* ---- the registry ---- */

typedef struct
{
  ConcurraWorkerFunc func;
  gpointer           user_data;
  GDestroyNotify     destroy;
} Entry;

static GMutex registry_lock;
static GHashTable *registry;

static void
entry_free (Entry *entry)
{
  if (entry->destroy != NULL)
    entry->destroy (entry->user_data);
  g_free (entry);
}

void
concurra_registry_add (const char         *name,
                       ConcurraWorkerFunc  func,
                       gpointer            user_data,
                       GDestroyNotify      destroy)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->func = func;
  entry->user_data = user_data;
  entry->destroy = destroy;
  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) entry_free);
  g_hash_table_replace (registry, g_strdup (name), entry);
  g_mutex_unlock (&registry_lock);
}

gboolean
concurra_registry_has (const char *name)
{
  gboolean found;

  g_mutex_lock (&registry_lock);
  found = registry != NULL && g_hash_table_contains (registry, name);
  g_mutex_unlock (&registry_lock);
  return found;
}

/* Calls a registered function; the error is NOT_SERIALIZABLE if there is
 * none of that name. */
GVariant *
concurra_registry_call (const char    *name,
                        GVariant      *args,
                        GCancellable  *cancellable,
                        GError       **error)
{
  Entry *entry;
  GVariant *result;

  g_mutex_lock (&registry_lock);
  entry = registry ? g_hash_table_lookup (registry, name) : NULL;
  g_mutex_unlock (&registry_lock);

  if (entry == NULL)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_NOT_SERIALIZABLE,
                   "Function '%s' is not registered in the worker process", name);
      return NULL;
    }
  result = entry->func (args, cancellable, entry->user_data, error);
  return result ? g_variant_ref_sink (result) : NULL;
}

/* ---- serving ---- */

/* The parent rejects what it cannot trust, so send an error it accepts:
 * a quark-like domain of bounded length and a UTF-8 message. */
static char *
sendable_domain (GQuark domain)
{
  const char *name = g_quark_to_string (domain);
  GString *out = g_string_new (NULL);

  for (const char *p = name ? name : ""; *p != '\0' && out->len < 128; p++)
    g_string_append_c (out, g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == '.' ? *p : '-');
  if (out->len == 0)
    g_string_append (out, "concurra-worker-error-quark");
  return g_string_free (out, FALSE);
}

static GVariant *
make_reply (guint64   id,
            GVariant *value,
            GError   *error)
{
  GVariant *fields[7];

  /* built from its parts: g_variant_new() would parse a format string */
  fields[0] = g_variant_new_uint64 (id);
  fields[1] = g_variant_new_boolean (error == NULL);
  fields[2] = g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, value ? g_variant_new_variant (value) : NULL);
  if (error == NULL)
    {
      fields[3] = g_variant_new_string ("");
      fields[4] = g_variant_new_int32 (0);
      fields[5] = g_variant_new_string ("");
    }
  else
    {
      fields[3] = g_variant_new_take_string (sendable_domain (error->domain));
      fields[4] = g_variant_new_int32 (error->code);
      fields[5] = g_variant_new_take_string (g_utf8_make_valid (error->message, -1));
    }
  fields[6] = g_variant_new_string ("");
  return g_variant_new_tuple (fields, G_N_ELEMENTS (fields));
}

/* A result too deep for the reply fails its call, and only the call. */
static gboolean
check_result_depth (const char  *function,
                    GVariant    *result,
                    GError     **error)
{
  g_autofree char *what = g_strdup_printf ("The result of '%s' is", function);

  return concurra_protocol_check_depth (result, what, error);
}

/* While a call runs: the channel to the parent, for services. */
static int serving_fd = -1;       /* reads from the parent */
static int serving_out_fd = -1;   /* writes to it: serving_fd but for a launched worker */
static ConcurraFrameReader *serving_reader;
static guint64 last_service_id;

/* Asks the parent for a service and waits for its answer. */
static GVariant *
ask_parent (const char  *name,
            GVariant    *args,
            GError     **error)
{
  g_autoptr(GVariant) request = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GVariant) boxed = NULL;
  g_autoptr(GVariant) value = NULL;
  const char *kind;
  guint64 id, expected;
  gboolean eof;

  if (serving_fd < 0)
    {
      g_variant_unref (g_variant_ref_sink (args));
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                   "'%s' is for functions that a worker process runs for a ConcurraWorker; "
                   "this is not one", name);
      return NULL;
    }
  expected = ++last_service_id | CONCURRA_PROTOCOL_SERVICE_BIT;
  if (!concurra_protocol_write_frame (serving_out_fd, concurra_protocol_service_request (expected, name, args)))
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED,
                   "'%s': the channel to the parent is closed", name);
      return NULL;
    }
  payload = concurra_frame_reader_next (serving_reader, serving_fd, &eof, error);
  if (payload == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED,
                     "'%s': the parent closed the channel", name);
      return NULL;
    }
  request = concurra_protocol_parse_request (payload, error);
  if (request == NULL)
    return NULL;
  g_variant_get (request, "(t&sv)", &id, &kind, &boxed);
  if (id != expected)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED,
                   "'%s': the parent answered another request", name);
      return NULL;
    }
  if (g_str_equal (kind, "error") && g_variant_is_of_type (boxed, G_VARIANT_TYPE ("(sis)")))
    {
      const char *domain, *message;
      gint32 code;

      g_variant_get (boxed, "(&si&s)", &domain, &code, &message);
      g_set_error_literal (error, g_quark_from_string (domain), code, message);
      return NULL;
    }
  return g_steal_pointer (&boxed);
}

/**
 * concurra_worker_acquire_limits:
 * @keys: (array length=n_keys) (nullable): the keys of the limits to take
 *   units of
 * @amounts: (array length=n_keys) (nullable): how many units of each
 * @n_keys: the length of @keys and @amounts
 * @timeout: how long to wait, in seconds; %CONCURRA_TIMEOUT_DEFAULT (or any
 *   negative value) or %CONCURRA_TIMEOUT_INFINITE waits as long as it takes
 * @error: return location for a #GError
 *
 * In a function that a worker process runs for a process-mode
 * [class@Concurra.Worker], takes units of the limits of the worker's
 * [property@Concurra.Worker:limits], which the parent process keeps, so
 * that every lane (process) of the worker, and every worker given the same
 * [class@Concurra.LimitSet], counts against the same limits. It waits, all
 * or nothing, as [method@Concurra.LimitSet.acquire] does, and fails the same
 * ways. Give the units back with [func@Concurra.Worker.release_limits];
 * what the call still holds when it ends is given back for it, as fully
 * used.
 *
 * Returns: the acquisition's number, for
 *   [func@Concurra.Worker.release_limits], or 0 with @error set
 *
 * Since: 1.0
 */
guint64
concurra_worker_acquire_limits (const char * const  *keys,
                                const guint         *amounts,
                                guint                n_keys,
                                double               timeout,
                                GError             **error)
{
  g_autoptr(GVariant) answer = NULL;
  GVariantBuilder names, counts;
  guint64 id;

  g_return_val_if_fail (n_keys == 0 || (keys != NULL && amounts != NULL), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  g_variant_builder_init (&names, G_VARIANT_TYPE_STRING_ARRAY);
  g_variant_builder_init (&counts, G_VARIANT_TYPE ("au"));
  for (guint i = 0; i < n_keys; i++)
    {
      g_variant_builder_add (&names, "s", keys[i]);
      g_variant_builder_add (&counts, "u", amounts[i]);
    }
  answer = ask_parent ("concurra.limits.acquire",
                       g_variant_new ("(asaud)", &names, &counts, timeout), error);
  if (answer == NULL)
    return 0;
  if (!g_variant_is_of_type (answer, G_VARIANT_TYPE ("(t)")))
    {
      g_set_error_literal (error, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED,
                           "The parent's answer to an acquisition of limits is malformed");
      return 0;
    }
  g_variant_get (answer, "(t)", &id);
  return id;
}

/**
 * concurra_worker_release_limits:
 * @acquisition: what [func@Concurra.Worker.acquire_limits] returned
 * @keys: (array length=n_keys) (nullable): the keys of the rate limits
 *   (and call limits taken with more than 1) whose use is reported
 * @used: (array length=n_keys) (nullable): how many units of each were used
 * @n_keys: the length of @keys and @used
 * @error: return location for a #GError
 *
 * Gives back what @acquisition took, with what was used of each limit, as
 * [method@Concurra.Acquisition.update] then
 * [method@Concurra.Acquisition.release] do in the parent; fails as they
 * do (a rate limit whose use was not reported counts as fully used).
 *
 * Returns: %TRUE, or %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
concurra_worker_release_limits (guint64              acquisition,
                                const char * const  *keys,
                                const guint         *used,
                                guint                n_keys,
                                GError             **error)
{
  g_autoptr(GVariant) answer = NULL;
  GVariantBuilder usage;

  g_return_val_if_fail (n_keys == 0 || (keys != NULL && used != NULL), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_variant_builder_init (&usage, G_VARIANT_TYPE ("a{su}"));
  for (guint i = 0; i < n_keys; i++)
    g_variant_builder_add (&usage, "{su}", keys[i], used[i]);
  answer = ask_parent ("concurra.limits.release",
                       g_variant_new ("(ta{su})", acquisition, &usage), error);
  return answer != NULL;
}

/* Serves requests read from @fd, replies written to @out_fd, until the
 * parent closes the channel. */
static int
serve (int fd,
       int out_fd)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  ConcurraFrameReader reader = { 0, };
  int status;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) request = NULL;
      g_autoptr(GVariant) id = NULL;
      g_autoptr(GVariant) name = NULL;
      g_autoptr(GVariant) boxed = NULL;
      g_autoptr(GVariant) args = NULL;
      g_autoptr(GVariant) result = NULL;
      g_autoptr(GBytes) payload = NULL;
      gboolean eof;

      payload = concurra_frame_reader_next (&reader, fd, &eof, &error);
      if (payload == NULL)
        {
          status = eof && error == NULL ? 0 : 1;
          break;
        }
      request = concurra_protocol_parse_request (payload, &error);
      if (request == NULL)
        {
          status = 1;
          break;
        }

      /* the accessors, not g_variant_get(): no format string to parse */
      id = g_variant_get_child_value (request, 0);
      name = g_variant_get_child_value (request, 1);
      boxed = g_variant_get_child_value (request, 2);
      args = g_variant_get_variant (boxed);
      serving_fd = fd;
      serving_out_fd = out_fd;
      serving_reader = &reader;
      result = concurra_registry_call (g_variant_get_string (name, NULL), args, cancellable, &error);
      serving_fd = -1;
      serving_out_fd = -1;
      serving_reader = NULL;
      if (result != NULL && !check_result_depth (g_variant_get_string (name, NULL), result, &error))
        g_clear_pointer (&result, g_variant_unref);
      if (!concurra_protocol_write_frame (out_fd, make_reply (g_variant_get_uint64 (id), result, error)))
        {
          status = 1;
          break;
        }
    }
  concurra_frame_reader_clear (&reader);
  return status;
}

/* The protocol moves off 0 and 1: standard input reads nothing, standard
 * output goes to standard error. */
static int
serve_stdio (void)
{
  int in_fd = fcntl (STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
  int out_fd = fcntl (STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  int null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);

  if (in_fd < 0 || out_fd < 0 || null_fd < 0)
    return 1;
  dup2 (null_fd, STDIN_FILENO);
  dup2 (STDERR_FILENO, STDOUT_FILENO);
  close (null_fd);
  return serve (in_fd, out_fd);
}

/**
 * concurra_worker_main:
 *
 * The entry point of worker processes. Call it early in `main()`, after
 * registering functions with [func@Concurra.Worker.register]: when the
 * process was started by a runner as its worker, it serves the runner's
 * requests and then exits the process; otherwise it returns at once.
 *
 * A worker started through a launcher command (see
 * [property@Concurra.Runner:worker-launcher]) serves over its standard
 * input and output; standard output then becomes a copy of standard
 * error, so that what its functions print cannot break the protocol.
 *
 * Since: 1.0
 */
void
concurra_worker_main (void)
{
  const char *fd_text = g_getenv (CONCURRA_WORKER_FD_ENV);
  gint64 fd;

  if (g_strcmp0 (fd_text, "stdio") == 0)
    {
      g_unsetenv (CONCURRA_WORKER_FD_ENV);
      exit (serve_stdio ());
    }
  if (fd_text == NULL || !g_ascii_string_to_signed (fd_text, 10, 3, G_MAXINT, &fd, NULL))
    return;
  /* processes this worker starts are not workers, and do not hold its
   * end of the channel (system(), popen()) */
  g_unsetenv (CONCURRA_WORKER_FD_ENV);
  fcntl ((int) fd, F_SETFD, FD_CLOEXEC);
  exit (serve ((int) fd, (int) fd));
}
