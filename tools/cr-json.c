/* cr-json.c: JSON text from C strings, numbers and GVariants.
 *
 * GVariant's own printer writes GVariant text format, which is not JSON
 * (single quotes, @-type annotations, "nothing"), so values are walked
 * here: dictionaries with string keys become objects, maybes become null
 * or their value, variants are unboxed, arrays and tuples become arrays.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cr-json.h"

#include <math.h>
#include <string.h>

/* Where the text goes: @out, emptied into @stream (when there is one) each
 * time it passes FLUSH_SIZE, so that a long string (a command's output)
 * is never held whole a second time. */
typedef struct
{
  GString  *out;
  FILE     *stream;
  gboolean  failed;
} Writer;

#define FLUSH_SIZE 65536

static void
maybe_flush (Writer *writer)
{
  if (writer->stream == NULL || writer->out->len < FLUSH_SIZE)
    return;
  if (fwrite (writer->out->str, 1, writer->out->len, writer->stream) != writer->out->len)
    writer->failed = TRUE;
  g_string_truncate (writer->out, 0);
}

static void write_variant (Writer   *writer,
                           GVariant *value);

static void
write_string (Writer     *writer,
              const char *text)
{
  GString *out = writer->out;
  g_autofree char *valid = NULL;

  if (text == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  /* JSON text must be UTF-8; command output may not be */
  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);

  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      unsigned char c = (unsigned char) *p;

      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
      maybe_flush (writer);
    }
  g_string_append_c (out, '"');
}

void
cr_json_append_string (GString    *out,
                       const char *text)
{
  Writer writer = { out, NULL, FALSE };

  write_string (&writer, text);
}

void
cr_json_append_double (GString *out,
                       double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append (out, g_ascii_dtostr (buf, sizeof buf, value));
}

static gboolean
is_string_keyed_dict (GVariant *value)
{
  const GVariantType *type = g_variant_get_type (value);

  return g_variant_type_is_array (type)
         && g_variant_type_is_dict_entry (g_variant_type_element (type))
         && g_variant_type_equal (g_variant_type_key (g_variant_type_element (type)),
                                  G_VARIANT_TYPE_STRING);
}

static void
append_container (Writer   *writer,
                  GVariant *value,
                  char      open,
                  char      close)
{
  GString *out = writer->out;
  gsize n = g_variant_n_children (value);

  g_string_append_c (out, open);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

      if (i > 0)
        g_string_append_c (out, ',');
      write_variant (writer, child);
    }
  g_string_append_c (out, close);
}

static void
append_object (Writer   *writer,
               GVariant *dict)
{
  GString *out = writer->out;
  gsize n = g_variant_n_children (dict);

  g_string_append_c (out, '{');
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (dict, i);
      g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
      g_autoptr(GVariant) val = g_variant_get_child_value (entry, 1);

      if (i > 0)
        g_string_append_c (out, ',');
      write_string (writer, g_variant_get_string (key, NULL));
      g_string_append_c (out, ':');
      write_variant (writer, val);
    }
  g_string_append_c (out, '}');
}

static void
write_variant (Writer   *writer,
               GVariant *value)
{
  GString *out = writer->out;

  if (value == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_BOOLEAN:
      g_string_append (out, g_variant_get_boolean (value) ? "true" : "false");
      break;
    case G_VARIANT_CLASS_BYTE:
      g_string_append_printf (out, "%u", g_variant_get_byte (value));
      break;
    case G_VARIANT_CLASS_INT16:
      g_string_append_printf (out, "%d", g_variant_get_int16 (value));
      break;
    case G_VARIANT_CLASS_UINT16:
      g_string_append_printf (out, "%u", g_variant_get_uint16 (value));
      break;
    case G_VARIANT_CLASS_INT32:
      g_string_append_printf (out, "%d", g_variant_get_int32 (value));
      break;
    case G_VARIANT_CLASS_UINT32:
      g_string_append_printf (out, "%u", g_variant_get_uint32 (value));
      break;
    case G_VARIANT_CLASS_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (value));
      break;
    case G_VARIANT_CLASS_UINT64:
      g_string_append_printf (out, "%" G_GUINT64_FORMAT, g_variant_get_uint64 (value));
      break;
    case G_VARIANT_CLASS_HANDLE:
      g_string_append_printf (out, "%d", g_variant_get_handle (value));
      break;
    case G_VARIANT_CLASS_DOUBLE:
      cr_json_append_double (out, g_variant_get_double (value));
      break;
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      write_string (writer, g_variant_get_string (value, NULL));
      break;
    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr(GVariant) inner = g_variant_get_variant (value);

        write_variant (writer, inner);
      }
      break;
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr(GVariant) inner = g_variant_get_maybe (value);

        write_variant (writer, inner);
      }
      break;
    case G_VARIANT_CLASS_ARRAY:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
        {
          /* output kept as bytes: shown as (repaired) text */
          gsize len;
          const char *data = g_variant_get_fixed_array (value, &len, 1);
          g_autofree char *text = g_utf8_make_valid (data ? data : "", len);

          write_string (writer, text);
        }
      else if (is_string_keyed_dict (value))
        append_object (writer, value);
      else
        append_container (writer, value, '[', ']');
      break;
    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
    default:
      append_container (writer, value, '[', ']');
      break;
    }
}

void
cr_json_append_variant (GString  *out,
                        GVariant *value)
{
  Writer writer = { out, NULL, FALSE };

  write_variant (&writer, value);
}

/* As cr_json_append_variant(), writing to @stream as it goes: what is
 * left in @out is for the caller to write. FALSE if a write failed. */
gboolean
cr_json_write_variant (GString  *out,
                       GVariant *value,
                       FILE     *stream)
{
  Writer writer = { out, stream, FALSE };

  write_variant (&writer, value);
  return !writer.failed;
}
