/* concurra-capture.c: a command's captured output stream, within a cap.
 *
 * Under the cap (the task's max-output; 0 is none) every byte is kept in
 * one growing array, which becomes the result without a copy. Past it, the
 * first half of the cap stays in that array, the last half goes to a ring
 * of that size, and the bytes in between are only counted: memory stays at
 * the cap however much the command prints, and the pipe is still read to
 * its end, so the command is never blocked. The result is then the
 * beginning, a marker line that says how many bytes were left out, and
 * the end; both cuts fall on UTF-8 character boundaries so that text stays
 * valid text (the bytes given up for that count as omitted too).
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-capture-private.h"

#include <string.h>

struct _ConcurraCapture
{
  guint64     max;          /* 0: no cap */
  guint64     total;        /* every byte appended */
  GByteArray *head;         /* all bytes under the cap, the first half past it */
  guint8     *ring;         /* the last half of the cap, once the head is full */
  gsize       ring_size;
  gsize       ring_pos;     /* where the next byte goes */
  gsize       ring_len;
};

ConcurraCapture *
concurra_capture_new (void)
{
  ConcurraCapture *capture = g_new0 (ConcurraCapture, 1);

  capture->head = g_byte_array_new ();
  return capture;
}

void
concurra_capture_free (ConcurraCapture *capture)
{
  if (capture == NULL)
    return;
  g_clear_pointer (&capture->head, g_byte_array_unref);
  g_free (capture->ring);
  g_free (capture);
}

/* Before anything is appended. */
void
concurra_capture_set_max (ConcurraCapture *capture,
                          guint64          max)
{
  g_return_if_fail (capture->total == 0);

  /* a byte array holds at most G_MAXUINT bytes */
  capture->max = MIN (max, (guint64) G_MAXUINT / 2);
}

static void
ring_append (ConcurraCapture *capture,
             const guint8    *data,
             gsize            len)
{
  gsize first;

  if (capture->ring_size == 0)
    return;
  if (capture->ring == NULL)
    capture->ring = g_malloc (capture->ring_size);
  if (len >= capture->ring_size)
    {
      memcpy (capture->ring, data + len - capture->ring_size, capture->ring_size);
      capture->ring_pos = 0;
      capture->ring_len = capture->ring_size;
      return;
    }
  first = MIN (len, capture->ring_size - capture->ring_pos);
  memcpy (capture->ring + capture->ring_pos, data, first);
  memcpy (capture->ring, data + first, len - first);
  capture->ring_pos = (capture->ring_pos + len) % capture->ring_size;
  capture->ring_len = MIN (capture->ring_len + len, capture->ring_size);
}

void
concurra_capture_append (ConcurraCapture *capture,
                         const guint8    *data,
                         gsize            len)
{
  gsize head_max;

  capture->total += len;
  if (capture->max == 0)
    {
      g_byte_array_append (capture->head, data, len);
      return;
    }

  head_max = capture->max - capture->max / 2;
  if (capture->head->len < head_max)
    {
      gsize n = MIN (len, head_max - capture->head->len);

      g_byte_array_append (capture->head, data, n);
      data += n;
      len -= n;
    }
  capture->ring_size = capture->max / 2;
  if (len > 0)
    ring_append (capture, data, len);
}

/* The length of @data without an incomplete UTF-8 sequence at its end. */
static gsize
complete_prefix (const guint8 *data,
                 gsize         len)
{
  for (gsize back = 1; back <= MIN (len, 4); back++)
    {
      guint8 c = data[len - back];
      gsize need;

      if ((c & 0xC0) == 0x80)
        continue;           /* a continuation byte */
      need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      return need > back ? len - back : len;
    }
  return len;
}

/* Appends the ring's bytes in order, skipping the first @skip. */
static void
append_ring (GByteArray      *out,
             ConcurraCapture *capture,
             gsize            skip)
{
  gsize start = capture->ring_len < capture->ring_size ? 0 : capture->ring_pos;
  gsize first = MIN (capture->ring_len, capture->ring_size - start);

  if (skip < first)
    g_byte_array_append (out, capture->ring + start + skip, first - skip);
  skip = skip > first ? skip - first : 0;
  if (capture->ring_len > first + skip)
    g_byte_array_append (out, capture->ring + skip, capture->ring_len - first - skip);
}

/* The bytes kept, followed by a NUL byte (counted in the size, so that
 * text needs no copy to become a string); @omitted is set to the number
 * of bytes left out. @capture is emptied. */
GBytes *
concurra_capture_steal (ConcurraCapture *capture,
                        guint64         *omitted)
{
  GByteArray *out = g_steal_pointer (&capture->head);
  guint size;

  *omitted = 0;
  if (capture->max != 0 && capture->total > capture->max)
    {
      gsize head_len = complete_prefix (out->data, out->len);
      gsize skip = 0;
      g_autofree char *marker = NULL;

      /* the end starts at a character, not inside one; past the cap the
       * ring is full, its oldest byte at ring_pos */
      while (skip < MIN (capture->ring_len, 3)
             && (capture->ring[(capture->ring_pos + skip) % capture->ring_size] & 0xC0) == 0x80)
        skip++;
      *omitted = capture->total - head_len - (capture->ring_len - skip);
      marker = g_strdup_printf ("\n[... %" G_GUINT64_FORMAT " bytes omitted (max-output %"
                                G_GUINT64_FORMAT " bytes) ...]\n", *omitted, capture->max);
      g_byte_array_set_size (out, head_len);
      g_byte_array_append (out, (const guint8 *) marker, strlen (marker));
      append_ring (out, capture, skip);
    }
  else if (capture->ring_len > 0)
    append_ring (out, capture, 0);       /* under the cap: the rest, in order */

  g_byte_array_append (out, (const guint8 *) "", 1);
  size = out->len;
  g_clear_pointer (&capture->ring, g_free);
  capture->ring_len = capture->ring_pos = 0;
  /* without what the array grew ahead of need */
  return g_bytes_new_take (g_realloc (g_byte_array_free (out, FALSE), size), size);
}
