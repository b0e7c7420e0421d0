/* fuzz-protocol.c: a libFuzzer target for the parent's decoder of worker
 * messages (concurra-glib/concurra-protocol.c, compiled in directly: it is
 * internal). Built and run by tests/build-fuzzer.sh (meson test --suite
 * fuzz) with clang -fsanitize=fuzzer,address,undefined.
 *
 * An input is what a worker could write to its socket: a stream of frames,
 * each a 4-byte little-endian length and that many bytes. They are decoded
 * the way a runner reads the replies to requests 1, 2, 3... sent to one
 * worker: through the runner's frame reader (the input is written to one
 * end of a socket pair, which is then shut down: the worker closing its
 * socket), which
 * checks the length, then the payload is parsed as a reply to the request
 * in flight; decoding stops at the first error or at a frame cut short.
 * Each payload is also given to the worker side's request decoder. Whatever is accepted
 * must obey the protocol's invariants (checked below); anything else is an
 * error, never a crash, a leak or undefined behaviour.
 *
 * Seeds: tests/fuzz-corpus/ (valid replies with values of several types,
 * errors, several frames, truncated frames, bad lengths, wrong ids, values
 * not in normal form).
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-protocol-private.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FRAMES 8

#define CHECK(cond) G_STMT_START { if (!(cond)) { g_printerr ("invariant failed: %s\n", #cond); abort (); } } G_STMT_END

static void
check_reply (const ConcurraReply *reply)
{
  if (reply->ok)
    CHECK (reply->error == NULL);
  else
    {
      const char *domain;

      CHECK (reply->error != NULL);
      CHECK (reply->error->message != NULL);
      CHECK (g_utf8_validate (reply->error->message, -1, NULL));
      domain = g_quark_to_string (reply->error->domain);
      CHECK (domain != NULL && *domain != '\0' && strlen (domain) <= 128);
    }
  if (reply->value != NULL)
    {
      g_autofree char *text = NULL;

      /* a part of a value in normal form is in normal form; printing it
       * walks all of it */
      CHECK (g_variant_is_normal_form (reply->value));
      text = g_variant_print (reply->value, TRUE);
      CHECK (text != NULL);
    }
  if (reply->trace != NULL)
    CHECK (*reply->trace != '\0' && g_utf8_validate (reply->trace, -1, NULL));
}

/* A rejected message is reported as a WORKER_CRASHED error of the
 * library's domain: malformed, or too large. */
static void
check_rejection (GError *error)
{
  CHECK (error != NULL);
  CHECK (error->domain == CONCURRA_ERROR);
  CHECK (error->code == CONCURRA_ERROR_WORKER_CRASHED);
  CHECK (g_str_has_prefix (error->message, "Worker sent a malformed message: ") ||
         g_str_has_prefix (error->message, "Worker sent a message of "));
}

/* A frame cut short by the end of the input, or a bad length. */
static void
check_rejection_or_cut (GError   *error,
                        gboolean  eof)
{
  CHECK (error != NULL);
  CHECK (error->domain == CONCURRA_ERROR);
  CHECK (error->code == CONCURRA_ERROR_WORKER_CRASHED);
  if (eof)
    CHECK (g_str_equal (error->message, "The socket closed in the middle of a message"));
  else
    check_rejection (error);
}

static void
decode_request (GBytes *payload)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) request = concurra_protocol_parse_request (payload, &error);

  if (request == NULL)
    {
      check_rejection (error);
      return;
    }
  CHECK (g_variant_is_of_type (request, G_VARIANT_TYPE (CONCURRA_PROTOCOL_REQUEST_TYPE)));
  CHECK (g_variant_is_normal_form (request));
}

/* The end of a socket pair that the input can be read from; the input is
 * written to the other end, which is then shut down. The input is at most
 * -max_len (64 KiB) bytes, less than a Unix socket's buffer. */
static int
input_fd (const uint8_t *data,
          size_t         size)
{
  int fds[2];
  size_t done = 0;

  CHECK (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  while (done < size)
    {
      ssize_t n = write (fds[1], data + done, size - done);

      CHECK (n > 0);
      done += n;
    }
  CHECK (shutdown (fds[1], SHUT_WR) == 0);
  close (fds[1]);
  return fds[0];
}

/* A message written by the runner's writer (concurra_protocol_write_frame)
 * reads back through its reader as the same bytes. */
static void
check_reframe (GBytes *payload)
{
  g_autoptr(GVariant) message = g_variant_ref_sink (
    g_variant_new_from_bytes (G_VARIANT_TYPE (CONCURRA_PROTOCOL_REPLY_TYPE), payload, TRUE));
  ConcurraFrameReader reader = { 0, };
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  gboolean eof = FALSE;
  int fds[2];

  CHECK (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  CHECK (concurra_protocol_write_frame (fds[1], message));
  close (fds[1]);
  back = concurra_frame_reader_next (&reader, fds[0], &eof, &error);
  CHECK (back != NULL && error == NULL);
  CHECK (g_bytes_equal (back, payload));
  concurra_frame_reader_clear (&reader);
  close (fds[0]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  ConcurraFrameReader reader = { 0, };
  int fd = input_fd (data, size);

  for (guint64 id = 1; id <= MAX_FRAMES; id++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) payload = NULL;
      ConcurraReply reply;
      gboolean eof = FALSE;

      payload = concurra_frame_reader_next (&reader, fd, &eof, &error);
      if (payload == NULL)
        {
          if (eof && error == NULL)
            break;  /* closed between two frames */
          /* cut short, or a length out of bounds: both reject the worker */
          check_rejection_or_cut (error, eof);
          break;
        }
      CHECK (g_bytes_get_size (payload) >= 1 &&
             g_bytes_get_size (payload) <= CONCURRA_PROTOCOL_MAX_MESSAGE);

      decode_request (payload);
      if (!concurra_protocol_parse_reply (payload, id, &reply, &error))
        {
          check_rejection (error);
          /* the reply is left empty on failure */
          CHECK (reply.value == NULL && reply.error == NULL && reply.trace == NULL);
          break;
        }
      check_reply (&reply);
      check_reframe (payload);
      concurra_reply_clear (&reply);
      CHECK (reply.value == NULL && reply.error == NULL && reply.trace == NULL);
    }
  /* what a lane does with a worker it killed: read what is left, look
   * for a whole frame */
  concurra_frame_reader_drain (&reader, fd);
  (void) concurra_frame_reader_has_frame (&reader);
  concurra_frame_reader_clear (&reader);
  CHECK (reader.data == NULL);
  close (fd);
  return 0;
}
