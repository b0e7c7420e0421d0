/* cr-trace.c: records each attempt of each task as a "complete" (ph "X")
 * event of the Chrome trace-event format, which chrome://tracing, Perfetto
 * and speedscope open.
 *
 * Each attempt gets a slot, the lowest one free when it starts, and the
 * slot is the event's tid: the timeline then shows one row per concurrent
 * job, like the lanes of the runner, with at most --jobs rows busy at once.
 * Tasks skipped because a dependency failed never run; they appear as
 * instant events on row 0.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cr-trace.h"
#include "cr-json.h"

#include <unistd.h>

typedef struct
{
  guint  slot;
  gint64 start;
} Attempt;

struct _CrTrace
{
  char       *name;
  gint64      origin;      /* monotonic time of the run's start */
  GHashTable *open;        /* ConcurraTask -> Attempt */
  GArray     *busy;        /* gboolean per slot, slot 1 at index 0 */
  GString    *events;      /* comma-separated JSON objects */
  guint       max_slot;
};

CrTrace *
cr_trace_new (const char *name)
{
  CrTrace *trace = g_new0 (CrTrace, 1);

  trace->name = g_strdup (name);
  trace->origin = g_get_monotonic_time ();
  trace->open = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  trace->busy = g_array_new (FALSE, TRUE, sizeof (gboolean));
  trace->events = g_string_new (NULL);
  return trace;
}

void
cr_trace_free (CrTrace *trace)
{
  if (trace == NULL)
    return;
  g_free (trace->name);
  g_hash_table_unref (trace->open);
  g_array_unref (trace->busy);
  g_string_free (trace->events, TRUE);
  g_free (trace);
}

static guint
take_slot (CrTrace *trace)
{
  gboolean yes = TRUE;

  for (guint i = 0; i < trace->busy->len; i++)
    if (!g_array_index (trace->busy, gboolean, i))
      {
        g_array_index (trace->busy, gboolean, i) = TRUE;
        return i + 1;
      }
  g_array_append_val (trace->busy, yes);
  trace->max_slot = trace->busy->len;
  return trace->busy->len;
}

static void
begin_event (CrTrace    *trace,
             const char *ph,
             const char *label,
             gint64      ts,
             guint       tid)
{
  if (trace->events->len > 0)
    g_string_append (trace->events, ",\n");
  g_string_append (trace->events, "{\"name\":");
  cr_json_append_string (trace->events, label);
  g_string_append_printf (trace->events,
                          ",\"cat\":\"task\",\"ph\":\"%s\",\"ts\":%" G_GINT64_FORMAT
                          ",\"pid\":%d,\"tid\":%u",
                          ph, ts, (int) getpid (), tid);
}

/* Ends the open attempt of @task with @status; FALSE if none is open. */
static gboolean
close_attempt (CrTrace      *trace,
               ConcurraTask *task,
               guint         attempt,
               const char   *status,
               const char   *message)
{
  Attempt *open = g_hash_table_lookup (trace->open, task);
  gint64 now = g_get_monotonic_time () - trace->origin;

  if (open == NULL)
    return FALSE;

  begin_event (trace, "X", concurra_task_get_label (task), open->start, open->slot);
  g_string_append_printf (trace->events, ",\"dur\":%" G_GINT64_FORMAT ",\"args\":{\"status\":",
                          MAX (now - open->start, 0));
  cr_json_append_string (trace->events, status);
  g_string_append_printf (trace->events, ",\"attempt\":%u", attempt);
  if (concurra_task_has_returncode (task))
    g_string_append_printf (trace->events, ",\"returncode\":%d", concurra_task_get_returncode (task));
  if (message != NULL)
    {
      g_string_append (trace->events, ",\"error\":");
      cr_json_append_string (trace->events, message);
    }
  g_string_append (trace->events, "}}");

  g_array_index (trace->busy, gboolean, open->slot - 1) = FALSE;
  g_hash_table_remove (trace->open, task);
  return TRUE;
}

void
cr_trace_started (CrTrace      *trace,
                  ConcurraTask *task)
{
  Attempt *attempt = g_new0 (Attempt, 1);

  attempt->slot = take_slot (trace);
  attempt->start = g_get_monotonic_time () - trace->origin;
  g_hash_table_replace (trace->open, task, attempt);
}

void
cr_trace_retrying (CrTrace      *trace,
                   ConcurraTask *task,
                   guint         attempt,
                   const GError *error)
{
  close_attempt (trace, task, attempt, "Failed (retrying)", error ? error->message : NULL);
}

void
cr_trace_finished (CrTrace      *trace,
                   ConcurraTask *task)
{
  g_autoptr(GVariant) record = concurra_task_to_variant (task);
  const char *status = "";

  g_variant_lookup (record, "status", "&s", &status);
  if (close_attempt (trace, task, concurra_task_get_attempts (task), status,
                     concurra_task_get_error_message (task)))
    return;

  /* never ran: skipped or terminated while pending */
  begin_event (trace, "i", concurra_task_get_label (task),
               g_get_monotonic_time () - trace->origin, 0);
  g_string_append (trace->events, ",\"s\":\"t\",\"args\":{\"status\":");
  cr_json_append_string (trace->events, status);
  g_string_append (trace->events, ",\"error\":");
  cr_json_append_string (trace->events, concurra_task_get_error_message (task));
  g_string_append (trace->events, "}}");
}

gboolean
cr_trace_write (CrTrace     *trace,
                const char  *path,
                GError     **error)
{
  g_autoptr(GString) out = g_string_new ("{\"traceEvents\":[\n");
  int pid = (int) getpid ();

  g_string_append_printf (out, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":0,"
                               "\"args\":{\"name\":", pid);
  {
    g_autofree char *title = g_strdup_printf ("concurra-run %s", trace->name);

    cr_json_append_string (out, title);
  }
  g_string_append (out, "}},\n");
  g_string_append_printf (out, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":0,"
                               "\"args\":{\"name\":\"scheduler\"}}", pid);
  for (guint slot = 1; slot <= trace->max_slot; slot++)
    g_string_append_printf (out, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%u,"
                                 "\"args\":{\"name\":\"job %u\"}}", pid, slot, slot);
  if (trace->events->len > 0)
    {
      g_string_append (out, ",\n");
      g_string_append_len (out, trace->events->str, trace->events->len);
    }
  g_string_append (out, "\n],\"displayTimeUnit\":\"ms\"}\n");

  return g_file_set_contents (path, out->str, out->len, error);
}
