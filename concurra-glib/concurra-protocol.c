/* concurra-protocol.c: encoding and validating protocol messages.
 *
 * The parent treats every byte from a worker as untrusted: lengths are
 * bounded, a message must be a GVariant of the expected type in normal
 * form, its id must be the one of the request in flight, and error domains
 * must look like quark names (quarks are never freed, so they are bounded
 * too). Whatever is wrong becomes a GError, never a crash. The fuzz target
 * in tests/ feeds this file random input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-protocol-private.h"

#include <string.h>

#define MAX_DOMAIN_LENGTH 128

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
  if (*length == 0 || *length > CONCURRA_PROTOCOL_MAX_MESSAGE)
    return malformed (error, "length %u is out of bounds", *length);
  return TRUE;
}

GBytes *
concurra_protocol_frame (GVariant *message)
{
  g_autoptr(GVariant) normal = g_variant_get_normal_form (message);
  gsize size = g_variant_get_size (normal);
  guint8 *data = g_malloc (CONCURRA_PROTOCOL_HEADER_SIZE + size);

  data[0] = size & 0xff;
  data[1] = (size >> 8) & 0xff;
  data[2] = (size >> 16) & 0xff;
  data[3] = (size >> 24) & 0xff;
  /* not g_variant_store(): the body after the header is not aligned */
  memcpy (data + CONCURRA_PROTOCOL_HEADER_SIZE, g_variant_get_data (normal), size);
  return g_bytes_new_take (data, CONCURRA_PROTOCOL_HEADER_SIZE + size);
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
  if (id != expected_id)
    return malformed (error, "reply to request %" G_GUINT64_FORMAT " while %" G_GUINT64_FORMAT " is in flight",
                      id, expected_id);
  if (!ok && !valid_domain (domain))
    return malformed (error, "invalid error domain");

  reply->ok = ok;
  reply->value = g_steal_pointer (&value);
  if (!ok)
    reply->error = g_error_new_literal (g_quark_from_string (domain), code, text);
  reply->trace = *trace ? g_strdup (trace) : NULL;
  return TRUE;
}

GVariant *
concurra_protocol_parse_request (GBytes  *payload,
                                 GError **error)
{
  return parse_message (payload, G_VARIANT_TYPE (CONCURRA_PROTOCOL_REQUEST_TYPE), error);
}
