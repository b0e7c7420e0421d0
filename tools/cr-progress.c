/* cr-progress.c: live progress of a concurra-run run.
 *
 * On a terminal, one status line is redrawn in place ("\r" and the ANSI
 * erase-line sequence): a bar, done/total, the elapsed time and the labels
 * of the running tasks; failures are printed above it as they happen.
 * Elsewhere (a pipe, a CI log) every start and end is one plain line.
 *
 * Everything is driven by the runner's signals on the main loop: the line
 * is redrawn when a task starts, is retried or finishes, never on a timer,
 * so a run waiting on one long command makes no wake-ups of its own.
 *
 * Every write goes through emit(): the first one that fails (EPIPE when the
 * reader of a pipe is gone, as with `concurra-run p 2>&1 | head -1`) ends
 * the display, and the owner is told once, to end the run cleanly.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cr-progress.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define ERASE_LINE "\r\033[2K"
#define BAR_WIDTH  20

struct _CrProgress
{
  FILE               *stream;
  gboolean            terminal;
  gboolean            drawn;        /* the status line is on screen */
  gboolean            ended;        /* notes only: the summary follows */
  guint               total;
  guint               completed;
  gint64              start;        /* monotonic */
  GPtrArray          *running;      /* ConcurraTask, in start order */
  int                 write_error;  /* errno of the first failed write, or 0 */
  CrProgressErrorFunc error_func;
  gpointer            error_data;
};

CrProgress *
cr_progress_new (FILE                *stream,
                 gboolean             terminal,
                 guint                total,
                 CrProgressErrorFunc  error_func,
                 gpointer             error_data)
{
  CrProgress *progress = g_new0 (CrProgress, 1);

  progress->stream = stream;
  progress->terminal = terminal;
  progress->total = total;
  progress->error_func = error_func;
  progress->error_data = error_data;
  progress->start = g_get_monotonic_time ();
  progress->running = g_ptr_array_new_with_free_func (g_object_unref);
  return progress;
}

void
cr_progress_free (CrProgress *progress)
{
  if (progress == NULL)
    return;
  g_ptr_array_unref (progress->running);
  g_free (progress);
}

char *
cr_first_line (const char *text,
               guint       max_chars)
{
  const char *end;
  g_autofree char *line = NULL;

  if (text == NULL)
    return g_strdup ("");
  end = strchr (text, '\n');
  line = end ? g_strndup (text, end - text) : g_strdup (text);
  g_strchomp (line);
  if (g_utf8_strlen (line, -1) > max_chars)
    {
      g_autofree char *cut = g_utf8_substring (line, 0, max_chars - 1);

      return g_strconcat (cut, "…", NULL);
    }
  return g_steal_pointer (&line);
}

/* The first line of the error: error->message, not error-message with its
 * "Domain.CODE: " prefix, and without the ':' that the library puts before
 * an empty stderr excerpt. */
char *
cr_failure_reason (ConcurraTask *task,
                   guint         max_chars)
{
  const GError *error = concurra_task_get_error (task);
  char *line;
  gsize len;

  if (error == NULL)
    return g_strdup ("");
  line = cr_first_line (error->message, max_chars);
  /* the status says it already */
  if (g_str_has_prefix (line, "Skipped: "))
    memmove (line, line + strlen ("Skipped: "), strlen (line) - strlen ("Skipped: ") + 1);
  len = strlen (line);
  if (len > 0 && line[len - 1] == ':')
    line[len - 1] = '\0';
  return line;
}

char *
cr_format_elapsed (double seconds)
{
  int minutes = (int) (seconds / 60.0);

  if (minutes == 0)
    return g_strdup_printf ("%.1fs", seconds);
  return g_strdup_printf ("%dm%02ds", minutes, (int) (seconds - 60.0 * minutes));
}

/* Writes @text at once; after a failed write, writes nothing more. */
static void
emit (CrProgress *progress,
      const char *text)
{
  if (progress->write_error != 0)
    return;
  errno = 0;
  if (fputs (text, progress->stream) != EOF && fflush (progress->stream) == 0)
    return;
  progress->write_error = errno != 0 ? errno : EIO;
  if (progress->error_func)
    progress->error_func (progress->write_error, progress->error_data);
}

static double
elapsed (CrProgress *progress)
{
  return (g_get_monotonic_time () - progress->start) / (double) G_USEC_PER_SEC;
}

static guint
terminal_width (CrProgress *progress)
{
  struct winsize size = { 0 };

  if (ioctl (fileno (progress->stream), TIOCGWINSZ, &size) == 0 && size.ws_col >= 20)
    return size.ws_col;
  return 80;
}

static void
clear_line (CrProgress *progress)
{
  if (progress->terminal && progress->drawn)
    {
      emit (progress, ERASE_LINE);
      progress->drawn = FALSE;
    }
}

static void
redraw (CrProgress *progress)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree char *time = cr_format_elapsed (elapsed (progress));
  guint width = terminal_width (progress);
  guint filled = progress->total ? progress->completed * BAR_WIDTH / progress->total : BAR_WIDTH;

  if (!progress->terminal || progress->ended)
    return;

  g_string_append_c (line, '[');
  for (guint i = 0; i < BAR_WIDTH; i++)
    g_string_append_c (line, i < filled ? '#' : '.');
  g_string_append_printf (line, "] %u/%u %s", progress->completed, progress->total, time);
  if (progress->running->len > 0)
    {
      g_string_append (line, " running:");
      for (guint i = 0; i < progress->running->len; i++)
        g_string_append_printf (line, "%s %s", i ? "," : "",
                                concurra_task_get_label (progress->running->pdata[i]));
    }

  /* a wrapped line could not be redrawn in place */
  if (g_utf8_strlen (line->str, -1) > width - 1)
    {
      g_autofree char *cut = g_utf8_substring (line->str, 0, width - 2);

      g_string_assign (line, cut);
      g_string_append (line, "…");
    }

  g_string_prepend (line, ERASE_LINE);
  emit (progress, line->str);
  progress->drawn = TRUE;
}

/* A line that stays: above the status line on a terminal. */
static void G_GNUC_PRINTF (2, 3)
print_line (CrProgress *progress,
            const char *format,
            ...)
{
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  clear_line (progress);
  if (progress->terminal)
    line = g_strconcat (text, "\n", NULL);
  else
    line = g_strdup_printf ("[%*u/%u] %s\n",
                            (int) g_snprintf (NULL, 0, "%u", progress->total),
                            progress->completed, progress->total, text);
  emit (progress, line);
}

static void
remove_running (CrProgress   *progress,
                ConcurraTask *task)
{
  guint index;

  if (g_ptr_array_find (progress->running, task, &index))
    g_ptr_array_remove_index (progress->running, index);
}

void
cr_progress_started (CrProgress   *progress,
                     ConcurraTask *task)
{
  guint attempt = concurra_task_get_attempts (task);

  g_ptr_array_add (progress->running, g_object_ref (task));
  if (progress->terminal)
    redraw (progress);
  else if (attempt > 1)
    print_line (progress, "started  %s (attempt %u)", concurra_task_get_label (task), attempt);
  else
    print_line (progress, "started  %s", concurra_task_get_label (task));
}

void
cr_progress_retrying (CrProgress   *progress,
                      ConcurraTask *task,
                      guint         attempt,
                      const GError *error)
{
  g_autofree char *reason = cr_first_line (error ? error->message : NULL, 100);

  remove_running (progress, task);
  print_line (progress, "retrying %s: attempt %u failed: %s",
              concurra_task_get_label (task), attempt, reason);
  redraw (progress);
}

static const char *
outcome_word (ConcurraTask *task)
{
  const GError *error = concurra_task_get_error (task);

  if (concurra_task_get_status (task) == CONCURRA_TASK_STATUS_SUCCESSFUL)
    return "ok      ";
  if (g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT))
    return "TIMEOUT ";
  if (g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_DEPENDENCY_FAILED))
    return "skipped ";
  if (g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_TERMINATED))
    return "stopped ";
  return "FAILED  ";
}

void
cr_progress_finished (CrProgress   *progress,
                      ConcurraTask *task)
{
  const char *label = concurra_task_get_label (task);
  g_autofree char *duration = concurra_format_duration (concurra_task_get_duration (task));
  gboolean ok = concurra_task_get_status (task) == CONCURRA_TASK_STATUS_SUCCESSFUL;
  gboolean skipped = g_error_matches (concurra_task_get_error (task), CONCURRA_ERROR,
                                      CONCURRA_ERROR_DEPENDENCY_FAILED);

  remove_running (progress, task);
  progress->completed++;

  if (ok && !progress->terminal)
    print_line (progress, "%s %s (%s)", outcome_word (task), label, duration);
  else if (!ok)
    {
      g_autofree char *reason = cr_failure_reason (task, 100);

      if (skipped)
        print_line (progress, "%s %s: %s", outcome_word (task), label, reason);
      else
        print_line (progress, "%s %s (%s): %s", outcome_word (task), label, duration, reason);
    }
}

void
cr_progress_update (CrProgress *progress,
                    guint       completed,
                    guint       total)
{
  progress->completed = completed;
  progress->total = total;
  redraw (progress);
}

void
cr_progress_note (CrProgress *progress,
                  const char *line)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);

  clear_line (progress);
  emit (progress, text);
  redraw (progress);
}

void
cr_progress_end (CrProgress *progress)
{
  clear_line (progress);
  progress->ended = TRUE;
}
