/* concurra-worker-process.c: the process side of workers — the function
 * registry and the serving loop of worker
 * processes.
 *
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

/* Serves requests until the parent closes the socket. */
static int
serve (int fd)
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
      result = concurra_registry_call (g_variant_get_string (name, NULL), args, cancellable, &error);
      if (!concurra_protocol_write_frame (fd, make_reply (g_variant_get_uint64 (id), result, error)))
        {
          status = 1;
          break;
        }
    }
  concurra_frame_reader_clear (&reader);
  return status;
}

/**
 * concurra_worker_main:
 *
 * The entry point of worker processes. Call it early in `main()`, after
 * registering functions with [func@Concurra.Worker.register]: when the
 * process was started by a runner as its worker, it serves the runner's
 * requests and then exits the process; otherwise it returns at once.
 *
 * Since: 1.0
 */
void
concurra_worker_main (void)
{
  const char *fd_text = g_getenv (CONCURRA_WORKER_FD_ENV);
  gint64 fd;

  if (fd_text == NULL || !g_ascii_string_to_signed (fd_text, 10, 3, G_MAXINT, &fd, NULL))
    return;
  /* processes this worker starts are not workers, and do not hold its
   * end of the channel (system(), popen()) */
  g_unsetenv (CONCURRA_WORKER_FD_ENV);
  fcntl ((int) fd, F_SETFD, FD_CLOEXEC);
  exit (serve ((int) fd));
}
