/* concurra-protocol-private.h: the framed GVariant protocol between a
 * runner and its worker processes.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every message is a 4-byte little-endian length, then that many bytes of
 * a GVariant in normal form. */
#define CONCURRA_PROTOCOL_HEADER_SIZE   4
#define CONCURRA_PROTOCOL_MAX_MESSAGE   (64 * 1024 * 1024)
#define CONCURRA_PROTOCOL_REQUEST_TYPE  "(tsv)"
#define CONCURRA_PROTOCOL_REPLY_TYPE    "(tbmvsiss)"
#define CONCURRA_WORKER_FD_ENV          "CONCURRA_WORKER_FD"
/* GVariant takes serialized data nested at most 128 levels deep (its
 * G_VARIANT_MAX_RECURSION_DEPTH, the leaves counted); a request holds its
 * arguments 2 levels down, a reply its value 3: the arguments and the
 * result of a call may be nested 125 levels deep, whichever way. */
#define CONCURRA_PROTOCOL_MAX_DEPTH       128
#define CONCURRA_PROTOCOL_MAX_VALUE_DEPTH (CONCURRA_PROTOCOL_MAX_DEPTH - 3)

/* A worker asks its parent for a service (limits) while it runs a call
 * with a reply-typed message whose id has this bit, ok TRUE and the value
 * (s name, v args); the parent answers with a request-typed message of
 * the same id: ("ok", v value) or ("error", v (s domain, i code, s message)). */
#define CONCURRA_PROTOCOL_SERVICE_BIT   (G_GUINT64_CONSTANT (1) << 63)
/* Frames read from a file descriptor through one buffer: most reads bring
 * a whole message, or several. */
typedef struct
{
  guint8 *data;
  gsize   size;        /* allocated */
  gsize   start;       /* first byte not consumed */
  gsize   end;         /* one past the last byte read */
} ConcurraFrameReader;

typedef struct
{
  gboolean  ok;
  GVariant *value;     /* nullable; for a service request, (sv) */
  GError   *error;     /* when !ok */
  char     *trace;     /* nullable */
  guint64   service;   /* not 0: a service request of this id, not a reply */
} ConcurraReply;

void      concurra_reply_clear            (ConcurraReply  *reply);
gboolean  concurra_protocol_parse_length  (const guint8   *header,
                                           guint32        *length,
                                           GError        **error);
gboolean  concurra_protocol_write_frame   (int             fd,
                                           GVariant       *message);
GBytes   *concurra_protocol_encode_frame  (GVariant       *message);

void      concurra_frame_reader_clear     (ConcurraFrameReader *reader);
GBytes   *concurra_frame_reader_next      (ConcurraFrameReader *reader,
                                           int                  fd,
                                           gboolean            *eof,
                                           GError             **error);
GBytes   *concurra_frame_reader_poll      (ConcurraFrameReader *reader,
                                           int                  fd,
                                           gboolean            *eof,
                                           GError             **error);
gboolean  concurra_frame_reader_has_frame (ConcurraFrameReader *reader);
void      concurra_frame_reader_drain     (ConcurraFrameReader *reader,
                                           int                  fd);
gboolean  concurra_protocol_parse_reply   (GBytes         *payload,
                                           guint64         expected_id,
                                           ConcurraReply  *reply,
                                           GError        **error);
GVariant *concurra_protocol_parse_request (GBytes         *payload,
                                           GError        **error);
GVariant *concurra_protocol_service_request (guint64        id,
                                             const char    *name,
                                             GVariant      *args);
GVariant *concurra_protocol_service_answer (guint64         id,
                                            GVariant       *value,
                                            const GError   *error);
gboolean  concurra_protocol_check_depth   (GVariant       *value,
                                           const char     *what,
                                           GError        **error);

G_END_DECLS
