/* cr-report.c: the texts concurra-run prints.
 *
 * The summary table follows the layout of the runner's report
 * (concurra_runner_format_report(), tabulate's "psql" style) with columns
 * that matter for commands: the runner's "task" column is the task's name,
 * which for a shell command is the whole command line, so it is replaced by
 * attempts, exit status and a one-line reason. Failed tasks then get their
 * error and the end of their captured output.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cr-report.h"
#include "cr-json.h"
#include "cr-progress.h"

#include <string.h>

#define STDERR_TAIL_LINES 20
#define STDOUT_TAIL_LINES 10

/* @argv as a shell would take it, quoting only what needs it. */
static char *
shell_join (const char * const *argv)
{
  GString *line = g_string_new (NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    {
      g_autofree char *quoted = g_shell_quote (argv[i]);
      gboolean plain = *argv[i] != '\0';

      for (const char *p = argv[i]; *p; p++)
        if (!(g_ascii_isalnum (*p) || strchr ("-_./=:,+@%", *p)))
          plain = FALSE;
      if (i > 0)
        g_string_append_c (line, ' ');
      g_string_append (line, plain ? argv[i] : quoted);
    }
  return g_string_free (line, FALSE);
}

char *
cr_command_line (CrTask *task)
{
  if (task->command != NULL)
    return g_strdup (task->command);
  return shell_join ((const char * const *) task->argv);
}

static char *
format_seconds (double seconds)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (seconds <= 0)
    return g_strdup ("none");
  return g_strdup_printf ("%s sec", g_ascii_formatd (buf, sizeof buf, "%g", seconds));
}

/* ---- --dry-run ---- */

/* The srun line of a task that runs through Slurm: what the runner would
 * run, its timeout, resources and job name in it. */
static void
append_srun_line (GString        *out,
                  ConcurraRunner *runner,
                  const char     *label)
{
  ConcurraTask *task = concurra_runner_get_task (runner, label);
  ConcurraLauncherKind kind = concurra_task_get_launcher (task);
  g_auto(GStrv) argv = NULL;
  g_autofree char *line = NULL;

  if (kind == CONCURRA_LAUNCHER_KIND_DEFAULT)
    kind = concurra_runner_get_launcher (runner);
  if (kind != CONCURRA_LAUNCHER_KIND_SLURM)
    return;
  /* the runner was built, its options checked */
  argv = concurra_runner_dup_launch_command (runner, label, NULL);
  line = shell_join ((const char * const *) argv);
  g_string_append_printf (out, "      %s\n", line);
}

char *
cr_report_plan (CrPipeline       *pipeline,
                const CrSettings *settings,
                ConcurraRunner   *runner)
{
  GString *out = g_string_new (NULL);
  g_autofree char *timeout = format_seconds (settings->timeout);
  guint stages = 0;
  gsize width = 0;

  for (guint i = 0; i < pipeline->order->len; i++)
    {
      CrTask *task = pipeline->order->pdata[i];

      stages = MAX (stages, task->stage);
      width = MAX (width, (gsize) g_utf8_strlen (task->label, -1));
    }

  g_string_append_printf (out, "Pipeline '%s' (%s): %u task%s in %u stage%s\n",
                          pipeline->name, pipeline->path, pipeline->tasks->len,
                          pipeline->tasks->len == 1 ? "" : "s", stages, stages == 1 ? "" : "s");
  g_string_append_printf (out, "jobs %u, timeout %s, retries %u, fast-fail %s, launcher %s\n\n",
                          settings->jobs, timeout, settings->retries,
                          settings->fast_fail ? "yes" : "no", settings->slurm ? "slurm" : "local");

  g_string_append (out, "Order (stage: a task starts once its dependencies have succeeded):\n");
  for (guint i = 0; i < pipeline->order->len; i++)
    {
      CrTask *task = pipeline->order->pdata[i];
      gsize pad = width - g_utf8_strlen (task->label, -1);

      g_string_append_printf (out, "  %3u. [stage %u] %s", i + 1, task->stage, task->label);
      if (task->depends[0] != NULL)
        {
          g_autofree char *deps = g_strjoinv (", ", task->depends);

          g_string_append_printf (out, "%*s  <- %s", (int) pad, "", deps);
        }
      g_string_append_c (out, '\n');
    }

  g_string_append (out, "\nGraph (dependency -> dependent):\n");
  for (guint i = 0; i < pipeline->order->len; i++)
    {
      CrTask *task = pipeline->order->pdata[i];

      for (guint d = 0; task->depends[d] != NULL; d++)
        g_string_append_printf (out, "  %s -> %s\n", task->depends[d], task->label);
    }

  g_string_append (out, "\nCommands:\n");
  for (guint i = 0; i < pipeline->order->len; i++)
    {
      CrTask *task = pipeline->order->pdata[i];
      g_autofree char *line = cr_command_line (task);
      g_autoptr(GString) extra = g_string_new (NULL);

      g_string_append_printf (out, "  %s: %s%s\n", task->label, task->command ? "" : "(argv) ", line);
      g_string_append_printf (extra, "cwd %s", task->cwd);
      if (task->timeout >= 0)
        {
          g_autofree char *t = format_seconds (task->timeout);

          g_string_append_printf (extra, ", timeout %s", t);
        }
      if (task->retries >= 0)
        g_string_append_printf (extra, ", retries %d", task->retries);
      if (task->max_output >= 0 || settings->max_output >= 0)
        g_string_append_printf (extra, ", max-output %" G_GINT64_FORMAT,
                                task->max_output >= 0 ? task->max_output : settings->max_output);
      if (!task->check)
        g_string_append (extra, ", check off");
      for (guint e = 0; task->env[e] != NULL; e++)
        g_string_append_printf (extra, ", %s", task->env[e]);
      g_string_append_printf (out, "      %s\n", extra->str);
      append_srun_line (out, runner, task->label);
    }
  g_string_append (out, "\nNothing was run (--dry-run).\n");
  return g_string_free (out, FALSE);
}

/* ---- --dot ---- */

static void
append_dot_id (GString    *out,
               const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

char *
cr_report_dot (CrPipeline *pipeline)
{
  GString *out = g_string_new ("digraph ");

  append_dot_id (out, pipeline->name);
  g_string_append (out, " {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
  for (guint i = 0; i < pipeline->tasks->len; i++)
    {
      CrTask *task = pipeline->tasks->pdata[i];
      g_autofree char *line = cr_command_line (task);

      g_string_append (out, "  ");
      append_dot_id (out, task->label);
      g_string_append (out, " [tooltip=");
      append_dot_id (out, line);
      g_string_append (out, "];\n");
    }
  for (guint i = 0; i < pipeline->tasks->len; i++)
    {
      CrTask *task = pipeline->tasks->pdata[i];

      for (guint d = 0; task->depends[d] != NULL; d++)
        {
          g_string_append (out, "  ");
          append_dot_id (out, task->depends[d]);
          g_string_append (out, " -> ");
          append_dot_id (out, task->label);
          g_string_append (out, ";\n");
        }
    }
  g_string_append (out, "}\n");
  return g_string_free (out, FALSE);
}

/* ---- the summary ---- */

static const char *
status_text (ConcurraTask *task)
{
  const GError *error = concurra_task_get_error (task);

  switch (concurra_task_get_status (task))
    {
    case CONCURRA_TASK_STATUS_SUCCESSFUL:
      return "Successful";
    case CONCURRA_TASK_STATUS_FAILED:
      return "Failed";
    case CONCURRA_TASK_STATUS_TERMINATED:
      if (g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_TIMEOUT))
        return "Timed out";
      if (g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_DEPENDENCY_FAILED))
        return "Skipped";
      return "Terminated";
    case CONCURRA_TASK_STATUS_PENDING:
      return "Pending";
    case CONCURRA_TASK_STATUS_RUNNING:
    default:
      return "Running";
    }
}

static void
append_rule (GString     *out,
             const gsize *widths,
             guint        n)
{
  g_string_append_c (out, '+');
  for (guint c = 0; c < n; c++)
    {
      for (gsize i = 0; i < widths[c] + 2; i++)
        g_string_append_c (out, '-');
      g_string_append_c (out, '+');
    }
  g_string_append_c (out, '\n');
}

static void
append_row (GString            *out,
            const char * const *row,
            const gsize        *widths,
            guint               n)
{
  g_string_append_c (out, '|');
  for (guint c = 0; c < n; c++)
    {
      gsize len = g_utf8_strlen (row[c], -1);

      g_string_append_printf (out, " %s", row[c]);
      for (gsize i = len; i < widths[c] + 1; i++)
        g_string_append_c (out, ' ');
      g_string_append_c (out, '|');
    }
  g_string_append_c (out, '\n');
}

/* the layout of concurra_runner_format_report() */
static void
append_table (GString            *out,
              const char * const *headers,
              guint               n,
              GPtrArray          *cells)
{
  g_autofree gsize *widths = g_new0 (gsize, n);

  for (guint c = 0; c < n; c++)
    widths[c] = g_utf8_strlen (headers[c], -1) + 2;
  for (guint i = 0; i < cells->len; i++)
    widths[i % n] = MAX (widths[i % n], (gsize) g_utf8_strlen (cells->pdata[i], -1));

  append_rule (out, widths, n);
  append_row (out, headers, widths, n);
  g_string_append_c (out, '|');
  for (guint c = 0; c < n; c++)
    {
      for (gsize i = 0; i < widths[c] + 2; i++)
        g_string_append_c (out, '-');
      g_string_append_c (out, c + 1 < n ? '+' : '|');
    }
  g_string_append_c (out, '\n');
  for (guint r = 0; r < cells->len / n; r++)
    append_row (out, (const char * const *) &cells->pdata[r * n], widths, n);
  append_rule (out, widths, n);
}

/* The last @max lines of @text, each prefixed, with a header. Output
 * can be megabytes: it is scanned in place, not split into copies. */
static void
append_tail (GString    *out,
             const char *what,
             const char *text,
             guint       max)
{
  const char *end, *start;
  guint n, shown = 0;

  if (text == NULL || *text == '\0')
    return;
  end = text + strlen (text);
  if (end[-1] == '\n')
    end--;                      /* the final newline */
  n = 1;
  for (const char *p = text; (p = memchr (p, '\n', end - p)) != NULL; p++)
    n++;
  /* back from the end to the first line shown */
  for (start = end; shown < MIN (max, n); shown++)
    {
      while (start > text && start[-1] != '\n')
        start--;
      if (shown + 1 < MIN (max, n))
        start--;
    }
  if (n > max)
    g_string_append_printf (out, "  %s (last %u of %u lines):\n", what, max, n);
  else
    g_string_append_printf (out, "  %s:\n", what);
  while (start <= end)
    {
      const char *eol = memchr (start, '\n', end - start);
      const char *stop = eol ? eol : end;

      /* without trailing blanks, as g_strchomp() */
      while (stop > start && g_ascii_isspace (stop[-1]))
        stop--;
      g_string_append (out, "    | ");
      g_string_append_len (out, start, stop - start);
      g_string_append_c (out, '\n');
      if (eol == NULL)
        break;
      start = eol + 1;
    }
}

static gboolean
ran_and_failed (ConcurraTask *task)
{
  const GError *error = concurra_task_get_error (task);

  return concurra_task_get_has_failed (task)
         && concurra_task_get_attempts (task) > 0
         && !g_error_matches (error, CONCURRA_ERROR, CONCURRA_ERROR_DEPENDENCY_FAILED);
}

static void
append_failure (GString      *out,
                ConcurraTask *task,
                CrTask       *spec)
{
  g_autofree char *duration = concurra_format_duration (concurra_task_get_duration (task));
  g_autofree char *line = cr_command_line (spec);
  const char * const *retry_errors = concurra_task_get_retry_errors (task);
  guint attempts = concurra_task_get_attempts (task);

  g_string_append_printf (out, "\n%s: %s after %u attempt%s (%s)\n",
                          concurra_task_get_label (task), status_text (task),
                          attempts, attempts == 1 ? "" : "s", duration);
  g_string_append_printf (out, "  command: %s\n", line);
  if (concurra_task_has_returncode (task))
    g_string_append_printf (out, "  exit status: %d\n", concurra_task_get_returncode (task));
  if (!concurra_task_has_returncode (task) ||
      g_error_matches (concurra_task_get_error (task), CONCURRA_ERROR, CONCURRA_ERROR_LAUNCHER_FAILED))
    {
      g_autofree char *reason = cr_failure_reason (task, 200);

      g_string_append_printf (out, "  error: %s\n", reason);
    }
  for (guint i = 0; retry_errors != NULL && retry_errors[i] != NULL; i++)
    {
      g_autofree char *reason = cr_first_line (retry_errors[i], 200);

      g_string_append_printf (out, "  attempt %u: %s\n", i + 1, reason);
    }
  append_tail (out, "stderr", concurra_task_get_stderr (task), STDERR_TAIL_LINES);
  append_tail (out, "stdout", concurra_task_get_stdout (task), STDOUT_TAIL_LINES);
}

/* --verbose: everything a successful task printed */
static void
append_output (GString      *out,
               ConcurraTask *task)
{
  const char *out_text = concurra_task_get_stdout (task);
  const char *err_text = concurra_task_get_stderr (task);

  if ((out_text == NULL || *out_text == '\0') && (err_text == NULL || *err_text == '\0'))
    return;
  g_string_append_printf (out, "\n%s: output\n", concurra_task_get_label (task));
  append_tail (out, "stderr", err_text, G_MAXUINT);
  append_tail (out, "stdout", out_text, G_MAXUINT);
}

char *
cr_report_summary (ConcurraRunner  *runner,
                   CrPipeline      *pipeline,
                   const CrOutcome *outcome,
                   CrSummaryFlags   flags)
{
  static const char * const headers[] = { "label", "status", "attempts", "exit", "duration", "details" };
  gboolean with_table = (flags & CR_SUMMARY_TABLE) != 0;
  GListModel *model = G_LIST_MODEL (runner);
  guint n = g_list_model_get_n_items (model);
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);
  guint counts[5] = { 0 };   /* succeeded, failed, timed out, skipped, terminated */
  g_autofree char *elapsed = concurra_format_duration (outcome->elapsed);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcurraTask) task = g_list_model_get_item (model, i);
      const char *status = status_text (task);

      g_ptr_array_add (cells, g_strdup (concurra_task_get_label (task)));
      g_ptr_array_add (cells, g_strdup (status));
      g_ptr_array_add (cells, g_strdup_printf ("%u", concurra_task_get_attempts (task)));
      g_ptr_array_add (cells, concurra_task_has_returncode (task)
                              ? g_strdup_printf ("%d", concurra_task_get_returncode (task))
                              : g_strdup ("-"));
      g_ptr_array_add (cells, concurra_format_duration (concurra_task_get_duration (task)));
      g_ptr_array_add (cells, cr_failure_reason (task, 60));

      if (g_str_equal (status, "Successful"))
        counts[0]++;
      else if (g_str_equal (status, "Failed"))
        counts[1]++;
      else if (g_str_equal (status, "Timed out"))
        counts[2]++;
      else if (g_str_equal (status, "Skipped"))
        counts[3]++;
      else
        counts[4]++;
    }

  if (with_table && counts[0] == n)
    {
      /* no details to give: drop the column */
      g_autoptr(GPtrArray) shown = g_ptr_array_new ();

      for (guint i = 0; i < cells->len; i++)
        if (i % G_N_ELEMENTS (headers) != G_N_ELEMENTS (headers) - 1)
          g_ptr_array_add (shown, cells->pdata[i]);
      append_table (out, headers, G_N_ELEMENTS (headers) - 1, shown);
    }
  else if (with_table)
    append_table (out, headers, G_N_ELEMENTS (headers), cells);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcurraTask) task = g_list_model_get_item (model, i);

      if (ran_and_failed (task))
        append_failure (out, task,
                        g_hash_table_lookup (pipeline->by_label, concurra_task_get_label (task)));
      else if (flags & CR_SUMMARY_ALL_OUTPUT)
        append_output (out, task);
    }

  if (with_table || outcome->interrupted || counts[0] < n)
    {
      if (with_table || out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append_printf (out, "%s: %u succeeded", pipeline->name, counts[0]);
      if (counts[1])
        g_string_append_printf (out, ", %u failed", counts[1]);
      if (counts[2])
        g_string_append_printf (out, ", %u timed out", counts[2]);
      if (counts[3])
        g_string_append_printf (out, ", %u skipped", counts[3]);
      if (counts[4])
        g_string_append_printf (out, ", %u terminated", counts[4]);
      g_string_append_printf (out, " of %u in %s", n, elapsed);
      if (outcome->interrupted)
        g_string_append (out, " (interrupted)");
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

/* ---- --json ---- */

/* Writes @out to @stream and empties it; FALSE with errno set on failure. */
static gboolean
flush_json (GString *out,
            FILE    *stream)
{
  gboolean ok = fwrite (out->str, 1, out->len, stream) == out->len;

  g_string_truncate (out, 0);
  return ok;
}

/* Written as it is made, so that the JSON text of a task's output is
 * never in memory whole; the library's `output` field, an alias of
 * `result`, is left out: the command's output is written once. */
gboolean
cr_report_json (ConcurraRunner  *runner,
                CrPipeline      *pipeline,
                const CrOutcome *outcome,
                FILE            *stream)
{
  GListModel *model = G_LIST_MODEL (runner);
  guint n = g_list_model_get_n_items (model);
  g_autoptr(GString) out = g_string_new ("{\"pipeline\":");
  guint failed = 0;

  cr_json_append_string (out, pipeline->name);
  g_string_append (out, ",\"file\":");
  cr_json_append_string (out, pipeline->path);
  g_string_append_printf (out, ",\"exit_status\":%d,\"interrupted\":%s,\"elapsed_seconds\":",
                          outcome->exit_status, outcome->interrupted ? "true" : "false");
  cr_json_append_double (out, outcome->elapsed);
  g_string_append (out, ",\"tasks\":[");

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConcurraTask) task = g_list_model_get_item (model, i);
      g_autoptr(GVariant) record = concurra_task_to_variant (task);
      CrTask *spec = g_hash_table_lookup (pipeline->by_label, concurra_task_get_label (task));
      g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
      g_autoptr(GVariant) full = NULL;
      gsize n_fields = g_variant_n_children (record);

      /* the library's record in its order, then what the file said; taken
       * child by child: g_variant_iter_loop() would serialize the record,
       * a copy of each output */
      for (gsize f = 0; f < n_fields; f++)
        {
          g_autoptr(GVariant) entry = g_variant_get_child_value (record, f);
          g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);

          if (!g_str_equal (g_variant_get_string (key, NULL), "output"))
            g_variant_builder_add_value (&builder, entry);
        }
      g_variant_builder_add (&builder, "{sv}", "depends",
                             g_variant_new_strv ((const char * const *) spec->depends, -1));
      g_variant_builder_add (&builder, "{sv}", "stage", g_variant_new_uint32 (spec->stage));
      if (concurra_task_get_slurm_job_id (task) != 0)
        g_variant_builder_add (&builder, "{sv}", "slurm_job_id",
                               g_variant_new_uint64 (concurra_task_get_slurm_job_id (task)));
      full = g_variant_ref_sink (g_variant_builder_end (&builder));

      if (concurra_task_get_has_failed (task))
        failed++;
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, "\n");
      if (!cr_json_write_variant (out, full, stream) || !flush_json (out, stream))
        return FALSE;
    }
  g_string_append_printf (out, "\n],\"n_tasks\":%u,\"n_failed\":%u,\"success\":%s}\n",
                          n, failed, outcome->exit_status == 0 ? "true" : "false");
  return flush_json (out, stream);
}
