/* concurra-protocol.c: encoding and validating protocol messages.
 *
 * The parent treats every byte from a worker as untrusted: lengths are
 * bounded, a message must be a GVariant of the expected type in normal
 * form, its id must be the one of the request in flight, and error domains
 * must look like quark names (quarks are never freed, so how many a worker
 * may add is bounded too). Whatever is wrong becomes a GError, never a crash. The fuzz target
 * in tests/ feeds this file random input.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-protocol-private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_DOMAIN_LENGTH 128
/* error domains the workers of a process may add to the quark table,
 * which never shrinks; past this, new ones become the message's prefix */
#define MAX_WORKER_DOMAINS 256

static GMutex worker_domains_lock;
static guint n_worker_domains;

void
concurra_reply_clear (ConcurraReply *reply)
{
  g_clear_pointer (&reply->value, g_variant_unref);
  g_clear_error (&reply->error);
  g_clear_pointer (&reply->trace, g_free);
}

static gboolean
malformed (GError     **error,
           const char  *format,
           ...) G_GNUC_PRINTF (2, 3);

static gboolean
malformed (GError     **error,
           const char  *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED,
               "Worker sent a malformed message: %s", message);
  return FALSE;
}

gboolean
concurra_protocol_parse_length (const guint8  *header,
                                guint32       *length,
                                GError       **error)
{
  *length = (guint32) header[0] | (guint32) header[1] << 8 |
            (guint32) header[2] << 16 | (guint32) header[3] << 24;
  if (*length == 0)
    return malformed (error, "length 0");
  if (*length > CONCURRA_PROTOCOL_MAX_MESSAGE)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED,
                   "Worker sent a message of %u bytes, over the limit of %u bytes (64 MiB) "
                   "a message may hold", *length, (guint) CONCURRA_PROTOCOL_MAX_MESSAGE);
      return FALSE;
    }
  return TRUE;
}

static void
put_length (guint8 *header,
            gsize   size)
{
  header[0] = size & 0xff;
  header[1] = (size >> 8) & 0xff;
  header[2] = (size >> 16) & 0xff;
  header[3] = (size >> 24) & 0xff;
}

/* @message (a floating reference is sunk) as one frame: the header, then
 * the message in normal form. */
GBytes *
concurra_protocol_encode_frame (GVariant *message)
{
  g_autoptr(GVariant) sunk = g_variant_ref_sink (message);
  g_autoptr(GVariant) normal = g_variant_get_normal_form (sunk);
  gsize size = g_variant_get_size (normal);
  guint8 *frame = g_malloc (CONCURRA_PROTOCOL_HEADER_SIZE + size);

  put_length (frame, size);
  /* not g_variant_store(): it wants the target aligned for the type */
  memcpy (frame + CONCURRA_PROTOCOL_HEADER_SIZE, g_variant_get_data (normal), size);
  return g_bytes_new_take (frame, CONCURRA_PROTOCOL_HEADER_SIZE + size);
}

/* Writes @message (a floating reference is sunk) as one frame, header and
 * body in one system call when the socket takes them. FALSE with errno set
 * when the socket fails; never raises SIGPIPE on a socket (a pipe, as a
 * worker's standard output through srun, raises it as pipes do). */
gboolean
concurra_protocol_write_frame (int       fd,
                               GVariant *message)
{
  g_autoptr(GVariant) sunk = g_variant_ref_sink (message);
  g_autoptr(GVariant) normal = g_variant_get_normal_form (sunk);
  guint8 header[CONCURRA_PROTOCOL_HEADER_SIZE];
  struct iovec iov[2];
  struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

  put_length (header, g_variant_get_size (normal));
  iov[0].iov_base = header;
  iov[0].iov_len = sizeof header;
  iov[1].iov_base = (void *) g_variant_get_data (normal);
  iov[1].iov_len = g_variant_get_size (normal);
  while (msg.msg_iovlen > 0)
    {
      gssize n = sendmsg (fd, &msg, MSG_NOSIGNAL);

      /* a worker started through a launcher command (srun, ssh) writes
       * to a pipe */
      if (n < 0 && errno == ENOTSOCK)
        n = writev (fd, msg.msg_iov, msg.msg_iovlen);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      while (msg.msg_iovlen > 0 && (gsize) n >= msg.msg_iov->iov_len)
        {
          n -= msg.msg_iov->iov_len;
          msg.msg_iov++;
          msg.msg_iovlen--;
        }
      if (msg.msg_iovlen > 0)
        {
          msg.msg_iov->iov_base = (guint8 *) msg.msg_iov->iov_base + n;
          msg.msg_iov->iov_len -= n;
        }
    }
  return TRUE;
}

/* ---- reading frames ---- */

/* A message larger than this is read into a buffer of its own, which
 * becomes its payload, rather than through the shared buffer. */
#define READER_CHUNK (64 * 1024)

void
concurra_frame_reader_clear (ConcurraFrameReader *reader)
{
  g_clear_pointer (&reader->data, g_free);
  reader->size = reader->start = reader->end = 0;
}

static gboolean
read_failed (int      saved,
             GError **error)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               "Error reading from the socket: %s", g_strerror (saved));
  return FALSE;
}

#define WOULD_BLOCK (-2)

/* Reads what the socket has, at most @size bytes, into @buffer: > 0 bytes
 * read, 0 at end of file (or when the peer reset the connection),
 * WOULD_BLOCK when a non-blocking socket has nothing yet, -1 with @error. */
static gssize
read_some (int      fd,
           guint8  *buffer,
           gsize    size,
           GError **error)
{
  for (;;)
    {
      gssize n = read (fd, buffer, size);

      if (n >= 0)
        return n;
      if (errno == ECONNRESET || errno == EPIPE)
        return 0;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return WOULD_BLOCK;
      if (errno != EINTR)
        {
          read_failed (errno, error);
          return -1;
        }
    }
}

/* End of file: a clean close at a frame boundary, else also an error. */
static void
closed_early (gboolean  *eof,
              gsize      pending,
              GError   **error)
{
  *eof = TRUE;
  if (pending > 0)
    g_set_error_literal (error, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED,
                         "The socket closed in the middle of a message");
}

/* A message too large for the shared buffer: what was read of it moves to
 * a buffer of its own and the rest is read straight into it. */
static GBytes *
read_large (ConcurraFrameReader  *reader,
            int                   fd,
            guint32               length,
            gboolean             *eof,
            GError              **error)
{
  gsize done = reader->end - reader->start - CONCURRA_PROTOCOL_HEADER_SIZE;
  guint8 *body = g_malloc (length);

  memcpy (body, reader->data + reader->start + CONCURRA_PROTOCOL_HEADER_SIZE, done);
  reader->start = reader->end = 0;
  while (done < length)
    {
      gssize n = read_some (fd, body + done, length - done, error);

      if (n <= 0)
        {
          g_free (body);
          if (n == 0)
            closed_early (eof, CONCURRA_PROTOCOL_HEADER_SIZE + done, error);
          return NULL;
        }
      done += n;
    }
  return g_bytes_new_take (body, length);
}

/* The next frame's payload if the buffer holds it whole, else NULL in
 * @payload and in @need the size of the frame so far as known (its header,
 * or header and body). FALSE with @error when a length is out of bounds. */
static gboolean
take_frame (ConcurraFrameReader  *reader,
            gsize                *need,
            GBytes              **payload,
            GError              **error)
{
  gsize pending = reader->end - reader->start;
  guint32 length;

  *payload = NULL;
  *need = CONCURRA_PROTOCOL_HEADER_SIZE;
  if (pending < CONCURRA_PROTOCOL_HEADER_SIZE)
    return TRUE;
  if (!concurra_protocol_parse_length (reader->data + reader->start, &length, error))
    return FALSE;
  *need += length;
  if (pending >= *need)
    {
      *payload = g_bytes_new (reader->data + reader->start + CONCURRA_PROTOCOL_HEADER_SIZE, length);
      reader->start += *need;
    }
  return TRUE;
}

/* Moves what is pending to the start of the buffer, which holds at least
 * @size bytes. */
static void
make_room (ConcurraFrameReader *reader,
           gsize                size)
{
  gsize pending = reader->end - reader->start;

  if (reader->start > 0)
    {
      memmove (reader->data, reader->data + reader->start, pending);
      reader->start = 0;
      reader->end = pending;
    }
  if (reader->size < size)
    {
      reader->size = size;
      reader->data = g_realloc (reader->data, size);
    }
}

/* The next frame's payload: from the buffer if it holds a whole frame,
 * else reading. On a blocking @fd, reads until it has one, a message too
 * large for the shared buffer going into one of its own; on a
 * non-blocking one, reads what there is, the buffer growing to hold a
 * frame whatever its size, and returns NULL with neither *@eof nor @error
 * when the rest has not come yet. */
static GBytes *
next_frame (ConcurraFrameReader  *reader,
            int                   fd,
            gboolean              blocking,
            gboolean             *eof,
            GError              **error)
{
  *eof = FALSE;
  for (;;)
    {
      gsize pending = reader->end - reader->start;
      gsize need;
      gssize n;
      GBytes *payload;

      if (!take_frame (reader, &need, &payload, error))
        return NULL;
      if (payload != NULL)
        return payload;
      if (blocking && need > READER_CHUNK)
        return read_large (reader, fd, need - CONCURRA_PROTOCOL_HEADER_SIZE, eof, error);

      make_room (reader, MAX (need, READER_CHUNK));
      n = read_some (fd, reader->data + reader->end, reader->size - reader->end, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        {
          closed_early (eof, pending, error);
          return NULL;
        }
      reader->end += n;
    }
}

/* The payload of the next frame on the blocking @fd, reading until it has
 * one. NULL with *@eof set when @fd closes (and @error too when that cuts a
 * frame short), NULL with @error when reading fails or a length is out of
 * bounds. */
GBytes *
concurra_frame_reader_next (ConcurraFrameReader  *reader,
                            int                   fd,
                            gboolean             *eof,
                            GError              **error)
{
  return next_frame (reader, fd, TRUE, eof, error);
}

/* The same for the non-blocking @fd: NULL with neither *@eof nor @error
 * when the rest of the frame has not come yet. */
GBytes *
concurra_frame_reader_poll (ConcurraFrameReader  *reader,
                            int                   fd,
                            gboolean             *eof,
                            GError              **error)
{
  return next_frame (reader, fd, FALSE, eof, error);
}

/* Whether the buffer holds a whole frame (of a length in bounds). */
gboolean
concurra_frame_reader_has_frame (ConcurraFrameReader *reader)
{
  gsize pending = reader->end - reader->start;
  guint32 length;

  return pending >= CONCURRA_PROTOCOL_HEADER_SIZE &&
         concurra_protocol_parse_length (reader->data + reader->start, &length, NULL) &&
         pending - CONCURRA_PROTOCOL_HEADER_SIZE >= length;
}

/* Reads, without blocking, what @fd has until the buffer is full: to see
 * what a worker wrote before it was killed. */
void
concurra_frame_reader_drain (ConcurraFrameReader *reader,
                             int                  fd)
{
  gsize pending = reader->end - reader->start;

  if (reader->data == NULL)
    {
      reader->size = READER_CHUNK;
      reader->data = g_malloc (reader->size);
    }
  memmove (reader->data, reader->data + reader->start, pending);
  reader->start = 0;
  reader->end = pending;
  while (reader->end < reader->size)
    {
      gssize n = recv (fd, reader->data + reader->end, reader->size - reader->end, MSG_DONTWAIT);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      reader->end += n;
    }
}

/* How many levels deep @type nests, its leaves counted, 0 where its
 * values decide (a variant inside). */
static guint
type_depth (const GVariantType *type)
{
  guint deepest = 0;

  if (g_variant_type_is_basic (type))
    return 1;
  if (g_variant_type_is_variant (type))
    return 0;
  if (g_variant_type_is_array (type) || g_variant_type_is_maybe (type))
    {
      deepest = type_depth (g_variant_type_element (type));
      return deepest == 0 ? 0 : deepest + 1;
    }
  /* a tuple or a dictionary entry; the unit tuple () is a leaf */
  for (const GVariantType *item = g_variant_type_first (type); item != NULL;
       item = g_variant_type_next (item))
    {
      guint depth = type_depth (item);

      if (depth == 0)
        return 0;
      deepest = MAX (deepest, depth);
    }
  return deepest + 1;
}

/* How many levels deep @value nests, its leaves counted; the walk stops
 * past @limit (GVariant itself stops at its own limit). Only values with
 * a variant inside are walked: the type tells the depth of the others. */
static guint
value_depth (GVariant *value,
             guint     limit)
{
  guint deepest = 0;
  gsize n;

  if ((deepest = type_depth (g_variant_get_type (value))) != 0)
    return deepest;
  if (limit == 0)
    return 1;
  n = g_variant_n_children (value);
  for (gsize i = 0; i < n && deepest <= limit; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value, i);
      guint depth = value_depth (child, limit - 1);

      deepest = MAX (deepest, depth);
    }
  return deepest + 1;
}

/* A call's arguments or result, before they are sent: nested deeper than
 * a message can carry is an error that says so, not a message the other
 * side would have to reject. */
gboolean
concurra_protocol_check_depth (GVariant    *value,
                               const char  *what,
                               GError     **error)
{
  guint depth = value_depth (value, CONCURRA_PROTOCOL_MAX_VALUE_DEPTH);

  if (depth <= CONCURRA_PROTOCOL_MAX_VALUE_DEPTH)
    return TRUE;
  g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
               "%s nested too deeply to go to or from a worker (limit %u levels: "
               "GVariant's %u less the message's own)", what,
               CONCURRA_PROTOCOL_MAX_VALUE_DEPTH, CONCURRA_PROTOCOL_MAX_DEPTH);
  return FALSE;
}

static GVariant *
parse_message (GBytes             *payload,
               const GVariantType *type,
               GError            **error)
{
  g_autoptr(GVariant) message = NULL;

  if (g_bytes_get_size (payload) == 0 || g_bytes_get_size (payload) > CONCURRA_PROTOCOL_MAX_MESSAGE)
    {
      malformed (error, "size %" G_GSIZE_FORMAT " is out of bounds", g_bytes_get_size (payload));
      return NULL;
    }
  message = g_variant_ref_sink (g_variant_new_from_bytes (type, payload, FALSE));
  if (!g_variant_is_normal_form (message))
    {
      /* the one reason a sender that follows the rules can hit */
      if (value_depth (message, CONCURRA_PROTOCOL_MAX_DEPTH) > CONCURRA_PROTOCOL_MAX_DEPTH)
        malformed (error, "nested too deeply (limit %u levels, the message's own included)",
                   CONCURRA_PROTOCOL_MAX_DEPTH);
      else
        malformed (error, "not a %s value in normal form", g_variant_type_peek_string (type));
      return NULL;
    }
  return g_steal_pointer (&message);
}

static gboolean
valid_domain (const char *domain)
{
  gsize len = strlen (domain);

  if (len == 0 || len > MAX_DOMAIN_LENGTH)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (domain[i]) && domain[i] != '-' && domain[i] != '_' && domain[i] != '.')
      return FALSE;
  return TRUE;
}

/* The quark of an error domain a worker named: an existing one, or a new
 * one while fewer than MAX_WORKER_DOMAINS were added (0 past that). */
static GQuark
worker_domain (const char *domain)
{
  GQuark quark = g_quark_try_string (domain);

  if (quark != 0)
    return quark;
  g_mutex_lock (&worker_domains_lock);
  if (n_worker_domains < MAX_WORKER_DOMAINS)
    {
      n_worker_domains++;
      quark = g_quark_from_string (domain);
    }
  g_mutex_unlock (&worker_domains_lock);
  return quark;
}

/* A worker's error. It cannot pass for one the runner itself decides
 * (a timeout, a termination, a skip): those codes of CONCURRA_ERROR become
 * CONCURRA_ERROR_FAILED. */
static GError *
worker_error (const char *domain,
              int         code,
              const char *text)
{
  GQuark quark = worker_domain (domain);

  if (quark == 0)
    return g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_FAILED, "%s.%d: %s", domain, code, text);
  if (quark == CONCURRA_ERROR &&
      (code == CONCURRA_ERROR_TIMEOUT || code == CONCURRA_ERROR_TERMINATED ||
       code == CONCURRA_ERROR_DEPENDENCY_FAILED))
    code = CONCURRA_ERROR_FAILED;
  return g_error_new_literal (quark, code, text);
}

gboolean
concurra_protocol_parse_reply (GBytes         *payload,
                               guint64         expected_id,
                               ConcurraReply  *reply,
                               GError        **error)
{
  g_autoptr(GVariant) message = NULL;
  g_autoptr(GVariant) value = NULL;
  const char *domain, *text, *trace;
  guint64 id;
  gboolean ok;
  gint32 code;

  memset (reply, 0, sizeof *reply);
  message = parse_message (payload, G_VARIANT_TYPE (CONCURRA_PROTOCOL_REPLY_TYPE), error);
  if (message == NULL)
    return FALSE;

  g_variant_get (message, "(tbmv&si&s&s)", &id, &ok, &value, &domain, &code, &text, &trace);
  if ((id & CONCURRA_PROTOCOL_SERVICE_BIT) != 0)
    {
      if (!ok || value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE ("(sv)")))
        return malformed (error, "invalid service request");
      reply->service = id;
      reply->ok = TRUE;
      reply->value = g_steal_pointer (&value);
      return TRUE;
    }
  if (id != expected_id)
    return malformed (error, "reply to request %" G_GUINT64_FORMAT " while %" G_GUINT64_FORMAT " is in flight",
                      id, expected_id);
  if (!ok && !valid_domain (domain))
    return malformed (error, "invalid error domain");

  reply->ok = ok;
  reply->value = g_steal_pointer (&value);
  if (!ok)
    reply->error = worker_error (domain, code, text);
  reply->trace = *trace ? g_strdup (trace) : NULL;
  return TRUE;
}

GVariant *
concurra_protocol_parse_request (GBytes  *payload,
                                 GError **error)
{
  return parse_message (payload, G_VARIANT_TYPE (CONCURRA_PROTOCOL_REQUEST_TYPE), error);
}

/* A worker's request for a service of its parent (see
 * CONCURRA_PROTOCOL_SERVICE_BIT); @args is sunk if floating. */
GVariant *
concurra_protocol_service_request (guint64     id,
                                   const char *name,
                                   GVariant   *args)
{
  GVariant *fields[7];
  GVariant *call[2];

  call[0] = g_variant_new_string (name);
  call[1] = g_variant_new_variant (args);
  fields[0] = g_variant_new_uint64 (id | CONCURRA_PROTOCOL_SERVICE_BIT);
  fields[1] = g_variant_new_boolean (TRUE);
  fields[2] = g_variant_new_maybe (G_VARIANT_TYPE_VARIANT,
                                   g_variant_new_variant (g_variant_new_tuple (call, 2)));
  fields[3] = g_variant_new_string ("");
  fields[4] = g_variant_new_int32 (0);
  fields[5] = g_variant_new_string ("");
  fields[6] = g_variant_new_string ("");
  return g_variant_new_tuple (fields, G_N_ELEMENTS (fields));
}

/* The parent's answer to a service request: @value (sunk if floating; NULL
 * for none) or @error. */
GVariant *
concurra_protocol_service_answer (guint64       id,
                                  GVariant     *value,
                                  const GError *error)
{
  GVariant *fields[3];

  fields[0] = g_variant_new_uint64 (id);
  if (error != NULL)
    {
      fields[1] = g_variant_new_string ("error");
      fields[2] = g_variant_new_variant (g_variant_new ("(sis)", g_quark_to_string (error->domain),
                                                        error->code, error->message));
    }
  else
    {
      fields[1] = g_variant_new_string ("ok");
      fields[2] = g_variant_new_variant (value ? value : g_variant_new_tuple (NULL, 0));
    }
  return g_variant_new_tuple (fields, G_N_ELEMENTS (fields));
}
