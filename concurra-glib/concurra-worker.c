/* concurra-worker.c: the function registry and the serving loop of worker
 * processes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-protocol-private.h"
#include "concurra-worker-private.h"
#include "concurra-worker.h"

#include <errno.h>
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
 * [func@Concurra.worker_main] early in `main()`, so that the same program
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

static gboolean
read_exactly (int     fd,
              guint8 *buffer,
              gsize   size,
              gboolean *eof)
{
  gsize done = 0;

  *eof = FALSE;
  while (done < size)
    {
      gssize n = read (fd, buffer + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          *eof = (n == 0 && done == 0);
          return FALSE;
        }
      done += n;
    }
  return TRUE;
}

static gboolean
write_all (int     fd,
           GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  while (size > 0)
    {
      gssize n = write (fd, data, size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      size -= n;
    }
  return TRUE;
}

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
  g_autofree char *domain = error ? sendable_domain (error->domain) : g_strdup ("");
  g_autofree char *message = error ? g_utf8_make_valid (error->message, -1) : g_strdup ("");

  return g_variant_new ("(tbmvsiss)", id, error == NULL, value,
                        domain, error ? error->code : 0, message, "");
}

/* Serves requests until the parent closes the socket. */
static int
serve (int fd)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  for (;;)
    {
      guint8 header[CONCURRA_PROTOCOL_HEADER_SIZE];
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) request = NULL;
      g_autoptr(GVariant) args = NULL;
      g_autoptr(GVariant) result = NULL;
      g_autoptr(GBytes) payload = NULL;
      g_autoptr(GBytes) frame = NULL;
      g_autofree guint8 *buffer = NULL;
      const char *name;
      guint32 length;
      guint64 id;
      gboolean eof;

      if (!read_exactly (fd, header, sizeof header, &eof))
        return eof ? 0 : 1;
      if (!concurra_protocol_parse_length (header, &length, &error))
        return 1;
      buffer = g_malloc (length);
      if (!read_exactly (fd, buffer, length, &eof))
        return 1;
      payload = g_bytes_new_take (g_steal_pointer (&buffer), length);
      request = concurra_protocol_parse_request (payload, &error);
      if (request == NULL)
        return 1;

      g_variant_get (request, "(t&sv)", &id, &name, &args);
      result = concurra_registry_call (name, args, cancellable, &error);
      frame = concurra_protocol_frame (make_reply (id, result, error));
      if (!write_all (fd, frame))
        return 1;
    }
}

/**
 * concurra_worker_main:
 *
 * The entry point of worker processes. Call it early in `main()`, after
 * registering functions with [func@Concurra.worker_register]: when the
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
  /* processes this worker starts are not workers */
  g_unsetenv (CONCURRA_WORKER_FD_ENV);
  exit (serve ((int) fd));
}
