/* cr-pipeline.c: loads and checks a concurra-run pipeline file.
 *
 * A pipeline is a GLib key file: an optional [pipeline] group of defaults
 * and one [task:LABEL] group per command. GKeyFile reports neither line
 * numbers nor duplicate groups or keys (it merges them), so the text is
 * also scanned line by line here; every error names the file, the line
 * when there is one, the group and the task.
 *
 * Everything is checked before anything runs: syntax, keys, values, unknown
 * dependencies and cycles, so a bad file never half-runs.
 *
 * ${NAME} expansion is bounded: `X=${X}${X}` forty times would otherwise
 * make a terabyte out of a few hundred bytes, before --dry-run or --dot
 * printed anything. One entry may expand to ENV_ENTRY_MAX bytes, and all
 * entries of all tasks together to ENV_TOTAL_MAX.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cr-pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK (cr-pipeline-error-quark, cr_pipeline_error)

#define PIPELINE_GROUP "pipeline"
#define TASK_PREFIX    "task:"

static const char * const task_keys[] = {
  "command", "argv", "depends", "timeout", "retries", "retry-delay",
  "max-output", "cwd", "env", "check", "launcher", "cpus", "mem", "partition", "slurm-args", NULL
};

/* The most Linux passes to a program in one NAME=VALUE string, its NUL
 * included (MAX_ARG_STRLEN, 32 pages: 128 KiB): a longer one could never
 * reach a command. */
#define ENV_ENTRY_MAX 131072
/* The [pipeline] entries count once for each task, which gets a copy. */
#define ENV_TOTAL_MAX (64 * 1024 * 1024)

static const char * const pipeline_keys[] = {
  "name", "jobs", "timeout", "retries", "retry-delay", "fast-fail",
  "max-output", "cwd", "env", "launcher", "cpus", "mem", "partition", "slurm-args", NULL
};

/* Where groups and keys are in the text, and the first problem found. */
typedef struct
{
  GHashTable *group_lines;    /* group -> line */
  GHashTable *key_lines;      /* "group\nkey" -> line */
  int         bad_line;       /* first line GKeyFile cannot parse, or 0 */
  int         dup_line;       /* first duplicate group or key, or 0 */
  int         dup_first_line; /* where it was first given */
  char       *dup_group;
  char       *dup_key;        /* NULL for a duplicate group */
} LineIndex;

typedef struct
{
  const char *path;
  GKeyFile   *keyfile;
  LineIndex   index;
  CrPipeline *pipeline;
  char      **pipeline_env;   /* the [pipeline] env assignments */
  gsize       env_bytes;      /* of every task's expanded assignments so far */
  char       *default_cwd;
} Loader;

static void
slurm_clear (CrSlurm *slurm)
{
  g_free (slurm->launcher);
  g_free (slurm->mem);
  g_free (slurm->partition);
  g_strfreev (slurm->args);
}

void
cr_task_free (CrTask *task)
{
  slurm_clear (&task->slurm);
  g_free (task->label);
  g_free (task->group);
  g_free (task->command);
  g_strfreev (task->argv);
  g_strfreev (task->depends);
  g_free (task->cwd);
  g_strfreev (task->env);
  g_free (task);
}

void
cr_pipeline_free (CrPipeline *pipeline)
{
  if (pipeline == NULL)
    return;
  g_free (pipeline->path);
  g_free (pipeline->dir);
  g_free (pipeline->name);
  slurm_clear (&pipeline->slurm);
  g_clear_pointer (&pipeline->order, g_ptr_array_unref);
  g_clear_pointer (&pipeline->by_label, g_hash_table_unref);
  g_clear_pointer (&pipeline->tasks, g_ptr_array_unref);
  g_free (pipeline);
}

/* ---- the line scan ---- */

static char *
key_id (const char *group,
        const char *key)
{
  return g_strconcat (group, "\n", key, NULL);
}

static void
line_index_clear (LineIndex *index)
{
  g_clear_pointer (&index->group_lines, g_hash_table_unref);
  g_clear_pointer (&index->key_lines, g_hash_table_unref);
  g_clear_pointer (&index->dup_group, g_free);
  g_clear_pointer (&index->dup_key, g_free);
}

static void
note_duplicate (LineIndex  *index,
                int         line,
                int         first_line,
                const char *group,
                const char *key)
{
  if (index->dup_line != 0)
    return;
  index->dup_line = line;
  index->dup_first_line = first_line;
  index->dup_group = g_strdup (group);
  index->dup_key = g_strdup (key);
}

/* Mirrors the line rules of GKeyFile closely enough to find lines again. */
static void
line_index_scan (LineIndex  *index,
                 const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *group = NULL;

  index->group_lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  index->key_lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (int i = 0; lines[i] != NULL; i++)
    {
      int line = i + 1;
      char *s = g_strstrip (lines[i]);
      char *eq;

      if (*s == '\0' || *s == '#')
        continue;

      if (*s == '[')
        {
          char *close = strrchr (s, ']');

          if (close == NULL || close[1] != '\0' || close == s + 1)
            {
              if (index->bad_line == 0)
                index->bad_line = line;
              continue;
            }
          g_free (group);
          group = g_strndup (s + 1, close - s - 1);
          if (g_hash_table_contains (index->group_lines, group))
            note_duplicate (index, line,
                            GPOINTER_TO_INT (g_hash_table_lookup (index->group_lines, group)),
                            group, NULL);
          else
            g_hash_table_insert (index->group_lines, g_strdup (group), GINT_TO_POINTER (line));
          continue;
        }

      eq = strchr (s, '=');
      if (eq == NULL || group == NULL)
        {
          if (index->bad_line == 0)
            index->bad_line = line;
          continue;
        }

      *eq = '\0';
      {
        g_autofree char *id = key_id (group, g_strchomp (s));

        if (g_hash_table_contains (index->key_lines, id))
          note_duplicate (index, line,
                          GPOINTER_TO_INT (g_hash_table_lookup (index->key_lines, id)),
                          group, s);
        else
          g_hash_table_insert (index->key_lines, g_steal_pointer (&id), GINT_TO_POINTER (line));
      }
    }
}

static int
group_line (Loader     *loader,
            const char *group)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (loader->index.group_lines, group));
}

static int
key_line (Loader     *loader,
          const char *group,
          const char *key)
{
  g_autofree char *id = key_id (group, key);
  int line = GPOINTER_TO_INT (g_hash_table_lookup (loader->index.key_lines, id));

  return line ? line : group_line (loader, group);
}

/* ---- errors: "FILE:LINE: [GROUP]: message" ---- */

static void G_GNUC_PRINTF (6, 7)
set_error (GError     **error,
           Loader      *loader,
           int          code,
           const char  *group,
           const char  *key,
           const char  *format,
           ...)
{
  g_autofree char *message = NULL;
  g_autoptr(GString) prefix = g_string_new (loader->path);
  int line = 0;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (group != NULL)
    line = key ? key_line (loader, group, key) : group_line (loader, group);
  if (line > 0)
    g_string_append_printf (prefix, ":%d", line);
  g_string_append (prefix, ": ");
  /* messages about [pipeline] name it themselves (see owner_name()) */
  if (group != NULL && g_strcmp0 (group, PIPELINE_GROUP) != 0)
    g_string_append_printf (prefix, "[%s]: ", group);

  g_set_error (error, CR_PIPELINE_ERROR, code, "%s%s", prefix->str, message);
}

/* "task 'x'" or "the [pipeline] group" */
static char *
owner_name (const char *group)
{
  if (g_str_has_prefix (group, TASK_PREFIX))
    return g_strdup_printf ("task '%s'", group + strlen (TASK_PREFIX));
  return g_strdup_printf ("[%s]", group);
}

/* ---- values ---- */

static gboolean
get_seconds (Loader      *loader,
             const char  *group,
             const char  *key,
             double      *out,
             GError     **error)
{
  g_autofree char *raw = g_key_file_get_value (loader->keyfile, group, key, NULL);
  g_autofree char *owner = owner_name (group);
  char *end = NULL;
  double value;

  g_strstrip (raw);
  errno = 0;
  value = g_ascii_strtod (raw, &end);
  if (*raw == '\0' || *end != '\0' || errno != 0 || !(value >= 0.0) || value > 1e9)
    {
      set_error (error, loader, CR_PIPELINE_ERROR_INVALID, group, key,
                 "%s: '%s' must be a number of seconds >= 0, not '%s'",
                 owner, key, raw);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static gboolean
get_count (Loader      *loader,
           const char  *group,
           const char  *key,
           int         *out,
           GError     **error)
{
  g_autofree char *raw = g_key_file_get_value (loader->keyfile, group, key, NULL);
  g_autofree char *owner = owner_name (group);
  guint64 value;

  g_strstrip (raw);
  if (!g_ascii_string_to_unsigned (raw, 10, 0, G_MAXINT, &value, NULL))
    {
      set_error (error, loader, CR_PIPELINE_ERROR_INVALID, group, key,
                 "%s: '%s' must be a whole number >= 0, not '%s'", owner, key, raw);
      return FALSE;
    }
  *out = (int) value;
  return TRUE;
}

/* A number of bytes: digits, then optionally K, M or G (KiB, MiB, GiB). */
gboolean
cr_parse_size (const char *text,
               gint64     *bytes)
{
  g_autofree char *digits = g_strstrip (g_strdup (text));
  gsize len = strlen (digits);
  guint64 value, unit = 1;

  if (len > 0 && strchr ("kKmMgG", digits[len - 1]) != NULL)
    {
      char suffix = g_ascii_toupper (digits[--len]);

      unit = suffix == 'K' ? 1024 : suffix == 'M' ? 1024 * 1024 : 1024 * 1024 * 1024;
      digits[len] = '\0';
    }
  if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXINT64 / unit, &value, NULL))
    return FALSE;
  *bytes = (gint64) (value * unit);
  return TRUE;
}

static gboolean
get_size (Loader      *loader,
          const char  *group,
          const char  *key,
          gint64      *out,
          GError     **error)
{
  g_autofree char *raw = g_key_file_get_value (loader->keyfile, group, key, NULL);
  g_autofree char *owner = owner_name (group);

  if (!cr_parse_size (raw, out))
    {
      set_error (error, loader, CR_PIPELINE_ERROR_INVALID, group, key,
                 "%s: '%s' must be a number of bytes (K, M or G may follow; 0: no limit), "
                 "not '%s'", owner, key, g_strstrip (raw));
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_flag (Loader      *loader,
          const char  *group,
          const char  *key,
          gboolean    *out,
          GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *owner = owner_name (group);
  gboolean value = g_key_file_get_boolean (loader->keyfile, group, key, &local);

  if (local != NULL)
    {
      g_autofree char *raw = g_key_file_get_value (loader->keyfile, group, key, NULL);

      set_error (error, loader, CR_PIPELINE_ERROR_INVALID, group, key,
                 "%s: '%s' must be true or false, not '%s'", owner, key, raw);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static char *
get_text (Loader      *loader,
          const char  *group,
          const char  *key,
          GError     **error)
{
  g_autoptr(GError) local = NULL;
  char *value = g_key_file_get_string (loader->keyfile, group, key, &local);

  if (value == NULL)
    {
      g_autofree char *owner = owner_name (group);

      set_error (error, loader, CR_PIPELINE_ERROR_INVALID, group, key,
                 "%s: bad value for '%s': %s", owner, key, local->message);
    }
  return value;
}

static char **
get_list (Loader      *loader,
          const char  *group,
          const char  *key,
          GError     **error)
{
  g_autoptr(GError) local = NULL;
  char **value = g_key_file_get_string_list (loader->keyfile, group, key, NULL, &local);

  if (value == NULL && g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE))
    {
      g_autofree char *owner = owner_name (group);

      set_error (error, loader, CR_PIPELINE_ERROR_INVALID, group, key,
                 "%s: bad value for '%s': %s", owner, key, local->message);
      return NULL;
    }
  /* "key=" is an empty list */
  return value ? value : g_new0 (char *, 1);
}

static gboolean
check_keys (Loader              *loader,
            const char          *group,
            const char * const  *known,
            GError             **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (loader->keyfile, group, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known, keys[i]))
      {
        g_autofree char *owner = owner_name (group);
        g_autofree char *allowed = g_strjoinv (", ", (char **) known);

        set_error (error, loader, CR_PIPELINE_ERROR_INVALID, group, keys[i],
                   "%s: unknown key '%s' (known keys: %s)", owner, keys[i], allowed);
        return FALSE;
      }
  return TRUE;
}

/* ---- environment: NAME=VALUE with ${NAME} and ${NAME:-default} ---- */

static gboolean
valid_env_name (const char *name,
                gsize       len)
{
  if (len == 0 || !(g_ascii_isalpha (name[0]) || name[0] == '_'))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    if (!(g_ascii_isalnum (name[i]) || name[i] == '_'))
      return FALSE;
  return TRUE;
}

/* Expands against @scope, the environment as set so far; "$$" is "$".
 * Fails past @max_len bytes. */
static char *
expand (const char  *value,
        char       **scope,
        gsize        max_len,
        const char **problem)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = value; *p != '\0'; p++)
    {
      const char *close, *sep;
      g_autofree char *name = NULL;
      const char *found;

      if (p[0] != '$' || (p[1] != '{' && p[1] != '$'))
        {
          g_string_append_c (out, *p);
          continue;
        }
      if (p[1] == '$')
        {
          g_string_append_c (out, '$');
          p++;
          continue;
        }

      close = strchr (p + 2, '}');
      if (close == NULL)
        {
          *problem = "unterminated '${'";
          return NULL;
        }
      sep = g_strstr_len (p + 2, close - (p + 2), ":-");
      name = g_strndup (p + 2, (sep ? sep : close) - (p + 2));
      if (!valid_env_name (name, strlen (name)))
        {
          *problem = "'${...}' must hold a variable name";
          return NULL;
        }
      found = g_environ_getenv (scope, name);
      if (found != NULL && (*found != '\0' || sep == NULL))
        g_string_append (out, found);
      else if (sep != NULL)
        g_string_append_len (out, sep + 2, close - (sep + 2));
      p = close;
      if (out->len > max_len)
        {
          *problem = "it expands to more than the " G_STRINGIFY (ENV_ENTRY_MAX)
                     " bytes a variable can hold, its name included";
          return NULL;
        }
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Parses the "env" list of @group into assignments, extending @scope. */
static char **
get_env (Loader      *loader,
         const char  *group,
         char      ***scope,
         GError     **error)
{
  g_auto(GStrv) items = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *owner = owner_name (group);

  if (!g_key_file_has_key (loader->keyfile, group, "env", NULL))
    return g_new0 (char *, 1);
  items = get_list (loader, group, "env", error);
  if (items == NULL)
    return NULL;

  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *eq = strchr (items[i], '=');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;
      const char *problem = NULL;
      gsize room;

      if (eq == NULL || !valid_env_name (items[i], eq - items[i]))
        {
          set_error (error, loader, CR_PIPELINE_ERROR_INVALID, group, "env",
                     "%s: 'env' entries must be NAME=VALUE, not '%s'", owner, items[i]);
          return NULL;
        }
      name = g_strndup (items[i], eq - items[i]);
      /* room for NAME=VALUE and its NUL */
      room = ENV_ENTRY_MAX > strlen (name) + 2 ? ENV_ENTRY_MAX - strlen (name) - 2 : 0;
      value = expand (eq + 1, *scope, room, &problem);
      if (value == NULL)
        {
          set_error (error, loader, CR_PIPELINE_ERROR_INVALID, group, "env",
                     "%s: bad 'env' entry %u, '%s': %s", owner, i + 1, items[i], problem);
          return NULL;
        }
      *scope = g_environ_setenv (*scope, name, value, TRUE);
      {
        g_autofree char *assignment = g_strconcat (name, "=", value, NULL);

        g_strv_builder_add (builder, assignment);
      }
    }
  return g_strv_builder_end (builder);
}

static char *
resolve_dir (Loader     *loader,
             const char *dir)
{
  return g_canonicalize_filename (dir, loader->pipeline->dir);
}

/* ---- groups ---- */

/* launcher=, cpus=, mem=, partition= and slurm-args= of @group; their
 * values are checked by the library when the runner is built. */
static gboolean
load_slurm (Loader      *loader,
            const char  *group,
            CrSlurm     *slurm,
            GError     **error)
{
  GKeyFile *kf = loader->keyfile;

  if (g_key_file_has_key (kf, group, "launcher", NULL))
    {
      if ((slurm->launcher = get_text (loader, group, "launcher", error)) == NULL)
        return FALSE;
      g_strstrip (slurm->launcher);
      if (g_strcmp0 (slurm->launcher, "local") != 0 && g_strcmp0 (slurm->launcher, "slurm") != 0)
        {
          g_autofree char *owner = owner_name (group);

          set_error (error, loader, CR_PIPELINE_ERROR_INVALID, group, "launcher",
                     "%s: 'launcher' must be local or slurm, not '%s'", owner, slurm->launcher);
          return FALSE;
        }
    }
  if (g_key_file_has_key (kf, group, "cpus", NULL))
    {
      if (!get_count (loader, group, "cpus", &slurm->cpus, error))
        return FALSE;
      if (slurm->cpus == 0)
        {
          g_autofree char *owner = owner_name (group);

          set_error (error, loader, CR_PIPELINE_ERROR_INVALID, group, "cpus",
                     "%s: 'cpus' must be 1 or more", owner);
          return FALSE;
        }
    }
  if (g_key_file_has_key (kf, group, "mem", NULL)
      && (slurm->mem = get_text (loader, group, "mem", error)) == NULL)
    return FALSE;
  if (g_key_file_has_key (kf, group, "partition", NULL)
      && (slurm->partition = get_text (loader, group, "partition", error)) == NULL)
    return FALSE;
  if (g_key_file_has_key (kf, group, "slurm-args", NULL)
      && (slurm->args = get_list (loader, group, "slurm-args", error)) == NULL)
    return FALSE;
  return TRUE;
}

static gboolean
load_pipeline_group (Loader  *loader,
                     char  ***scope,
                     GError **error)
{
  CrPipeline *p = loader->pipeline;
  GKeyFile *kf = loader->keyfile;
  const char *g = PIPELINE_GROUP;
  double timeout, delay;
  gboolean fast_fail;

  if (!check_keys (loader, g, pipeline_keys, error)
      || !load_slurm (loader, g, &p->slurm, error))
    return FALSE;

  if (g_key_file_has_key (kf, g, "name", NULL))
    {
      g_free (p->name);
      if ((p->name = get_text (loader, g, "name", error)) == NULL)
        return FALSE;
    }
  if (g_key_file_has_key (kf, g, "jobs", NULL) && !get_count (loader, g, "jobs", &p->jobs, error))
    return FALSE;
  if (g_key_file_has_key (kf, g, "retries", NULL) && !get_count (loader, g, "retries", &p->retries, error))
    return FALSE;
  if (g_key_file_has_key (kf, g, "timeout", NULL))
    {
      if (!get_seconds (loader, g, "timeout", &timeout, error))
        return FALSE;
      p->timeout = timeout;
    }
  if (g_key_file_has_key (kf, g, "retry-delay", NULL))
    {
      if (!get_seconds (loader, g, "retry-delay", &delay, error))
        return FALSE;
      p->retry_delay = delay;
    }
  if (g_key_file_has_key (kf, g, "max-output", NULL)
      && !get_size (loader, g, "max-output", &p->max_output, error))
    return FALSE;
  if (g_key_file_has_key (kf, g, "fast-fail", NULL))
    {
      if (!get_flag (loader, g, "fast-fail", &fast_fail, error))
        return FALSE;
      p->fast_fail = fast_fail;
    }
  if (g_key_file_has_key (kf, g, "cwd", NULL))
    {
      g_autofree char *cwd = get_text (loader, g, "cwd", error);

      if (cwd == NULL)
        return FALSE;
      g_free (loader->default_cwd);
      loader->default_cwd = resolve_dir (loader, cwd);
    }
  loader->pipeline_env = get_env (loader, g, scope, error);
  return loader->pipeline_env != NULL;
}

static gboolean
load_command (Loader      *loader,
              CrTask      *task,
              GError     **error)
{
  GKeyFile *kf = loader->keyfile;
  const char *g = task->group;
  gboolean has_command = g_key_file_has_key (kf, g, "command", NULL);
  gboolean has_argv = g_key_file_has_key (kf, g, "argv", NULL);

  if (has_command && has_argv)
    {
      set_error (error, loader, CR_PIPELINE_ERROR_INVALID, g, "argv",
                 "task '%s' has both 'command' and 'argv'; give one of them", task->label);
      return FALSE;
    }
  if (!has_command && !has_argv)
    {
      set_error (error, loader, CR_PIPELINE_ERROR_INVALID, g, NULL,
                 "task '%s' has no 'command' or 'argv'", task->label);
      return FALSE;
    }

  if (has_command)
    {
      g_autofree char *stripped = NULL;

      if ((task->command = get_text (loader, g, "command", error)) == NULL)
        return FALSE;
      stripped = g_strstrip (g_strdup (task->command));
      if (*stripped == '\0')
        {
          set_error (error, loader, CR_PIPELINE_ERROR_INVALID, g, "command",
                     "task '%s': 'command' is empty", task->label);
          return FALSE;
        }
      return TRUE;
    }

  if ((task->argv = get_list (loader, g, "argv", error)) == NULL)
    return FALSE;
  if (task->argv[0] == NULL)
    {
      set_error (error, loader, CR_PIPELINE_ERROR_INVALID, g, "argv",
                 "task '%s': 'argv' is empty", task->label);
      return FALSE;
    }
  for (guint i = 0; task->argv[i] != NULL; i++)
    if (task->argv[i][0] == '\0')
      {
        set_error (error, loader, CR_PIPELINE_ERROR_INVALID, g, "argv",
                   "task '%s': element %u of 'argv' is empty", task->label, i + 1);
        return FALSE;
      }
  return TRUE;
}

static gboolean
load_depends (Loader  *loader,
              CrTask  *task,
              GError **error)
{
  g_auto(GStrv) items = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (!g_key_file_has_key (loader->keyfile, task->group, "depends", NULL))
    {
      task->depends = g_new0 (char *, 1);
      return TRUE;
    }
  if ((items = get_list (loader, task->group, "depends", error)) == NULL)
    return FALSE;
  for (guint i = 0; items[i] != NULL; i++)
    {
      char *label = g_strstrip (items[i]);

      if (*label == '\0' || !g_hash_table_add (seen, label))
        continue;
      g_strv_builder_add (builder, label);
    }
  task->depends = g_strv_builder_end (builder);
  return TRUE;
}

/* A label is written the same way in its [task:LABEL] header and in
 * depends=, where ';' separates labels: "\;" for ';' and "\\" for '\'. In
 * the header, a ';' may also stand alone, and any other backslash is one. */
static char *
unescape_label (const char *text)
{
  GString *label = g_string_new (NULL);

  for (const char *c = text; *c != '\0'; c++)
    {
      if (c[0] == '\\' && (c[1] == '\\' || c[1] == ';'))
        c++;
      g_string_append_c (label, *c);
    }
  return g_string_free (label, FALSE);
}

static char *
escape_label (const char *label)
{
  GString *text = g_string_new (NULL);

  for (const char *c = label; *c != '\0'; c++)
    {
      if (*c == '\\' || *c == ';')
        g_string_append_c (text, '\\');
      g_string_append_c (text, *c);
    }
  return g_string_free (text, FALSE);
}

static CrTask *
load_task (Loader      *loader,
           const char  *group,
           char       **pipeline_scope,
           GError     **error)
{
  GKeyFile *kf = loader->keyfile;
  g_autoptr(CrTask) task = g_new0 (CrTask, 1);
  g_auto(GStrv) scope = g_strdupv (pipeline_scope);
  g_auto(GStrv) task_env = NULL;
  g_autoptr(GStrvBuilder) env = g_strv_builder_new ();

  task->label = unescape_label (group + strlen (TASK_PREFIX));
  task->group = g_strdup (group);
  task->line = group_line (loader, group);
  task->timeout = -1;
  task->retries = -1;
  task->retry_delay = -1;
  task->max_output = -1;
  task->check = TRUE;

  if (*task->label == '\0' || g_ascii_isspace (task->label[0])
      || g_ascii_isspace (task->label[strlen (task->label) - 1]))
    {
      set_error (error, loader, CR_PIPELINE_ERROR_INVALID, group, NULL,
                 "a task needs a label without surrounding spaces: [task:LABEL]");
      return NULL;
    }

  if (!check_keys (loader, group, task_keys, error)
      || !load_command (loader, task, error)
      || !load_depends (loader, task, error)
      || !load_slurm (loader, group, &task->slurm, error))
    return NULL;

  if (g_key_file_has_key (kf, group, "timeout", NULL)
      && !get_seconds (loader, group, "timeout", &task->timeout, error))
    return NULL;
  if (g_key_file_has_key (kf, group, "retries", NULL)
      && !get_count (loader, group, "retries", &task->retries, error))
    return NULL;
  if (g_key_file_has_key (kf, group, "retry-delay", NULL)
      && !get_seconds (loader, group, "retry-delay", &task->retry_delay, error))
    return NULL;
  if (g_key_file_has_key (kf, group, "max-output", NULL)
      && !get_size (loader, group, "max-output", &task->max_output, error))
    return NULL;
  if (g_key_file_has_key (kf, group, "check", NULL)
      && !get_flag (loader, group, "check", &task->check, error))
    return NULL;

  if (g_key_file_has_key (kf, group, "cwd", NULL))
    {
      g_autofree char *cwd = get_text (loader, group, "cwd", error);

      if (cwd == NULL)
        return NULL;
      task->cwd = resolve_dir (loader, cwd);
    }
  else
    task->cwd = g_strdup (loader->default_cwd);

  if ((task_env = get_env (loader, group, &scope, error)) == NULL)
    return NULL;
  g_strv_builder_addv (env, (const char **) loader->pipeline_env);
  g_strv_builder_addv (env, (const char **) task_env);
  task->env = g_strv_builder_end (env);

  for (guint i = 0; task->env[i] != NULL; i++)
    loader->env_bytes += strlen (task->env[i]) + 1;
  if (loader->env_bytes > ENV_TOTAL_MAX)
    {
      set_error (error, loader, CR_PIPELINE_ERROR_INVALID, group, "env",
                 "task '%s': the expanded 'env' entries of the tasks so far come to more "
                 "than %u MiB (the [pipeline] ones count for each task)",
                 task->label, ENV_TOTAL_MAX / (1024 * 1024));
      return NULL;
    }

  return g_steal_pointer (&task);
}

/* ---- the graph ---- */

/* A cycle of more tasks than CYCLE_SHOWN is shown by its first CYCLE_HEAD
 * labels and its last CYCLE_TAIL: one of 300,000 stays one line. */
#define CYCLE_SHOWN 10
#define CYCLE_HEAD  5
#define CYCLE_TAIL  2

/* Walks dependencies among the tasks Kahn's algorithm left over (each has
 * one left over too) until a task repeats: that is a cycle, returned as
 * "a → b → a" (a long one shortened) with its first task in @first. */
static char *
describe_cycle (CrPipeline  *p,
                GHashTable  *remaining,
                CrTask      *start,
                CrTask     **first)
{
  g_autoptr(GHashTable) position = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) path = g_ptr_array_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  CrTask *task = start;
  guint from, length;

  while (!g_hash_table_contains (position, task))
    {
      g_hash_table_insert (position, task, GUINT_TO_POINTER (path->len));
      g_ptr_array_add (path, task);
      for (guint d = 0; task->depends[d] != NULL; d++)
        {
          CrTask *dep = g_hash_table_lookup (p->by_label, task->depends[d]);

          if (g_hash_table_contains (remaining, dep))
            {
              task = dep;
              break;
            }
        }
    }

  from = GPOINTER_TO_UINT (g_hash_table_lookup (position, task));
  length = path->len - from;
  for (guint i = 0; i < length; i++)
    {
      if (length > CYCLE_SHOWN && i == CYCLE_HEAD)
        {
          g_string_append_printf (text, "… %u more … → ", length - CYCLE_HEAD - CYCLE_TAIL);
          i = length - CYCLE_TAIL;
        }
      g_string_append_printf (text, "%s → ", ((CrTask *) path->pdata[from + i])->label);
    }
  g_string_append (text, task->label);
  if (length > CYCLE_SHOWN)
    g_string_append_printf (text, " (%u tasks)", length);
  *first = task;
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* An unknown dependency that begins a label holding ';' was likely cut
 * there by the list separator: says how to write that label. */
static char *
split_label_hint (CrPipeline *p,
                  const char *unknown)
{
  g_autofree char *prefix = g_strconcat (unknown, ";", NULL);

  for (guint i = 0; i < p->tasks->len; i++)
    {
      CrTask *task = p->tasks->pdata[i];

      if (g_str_has_prefix (task->label, prefix))
        {
          g_autofree char *escaped = escape_label (task->label);

          return g_strdup_printf ("; ';' separates dependencies: to depend on '%s', "
                                  "write '%s'", task->label, escaped);
        }
    }
  return g_strdup ("");
}

static gboolean
check_graph (Loader  *loader,
             GError **error)
{
  CrPipeline *p = loader->pipeline;
  g_autoptr(GHashTable) waiting = g_hash_table_new (NULL, NULL);   /* task -> n deps left */
  g_autoptr(GHashTable) dependents = g_hash_table_new_full (NULL, NULL, NULL,
                                                            (GDestroyNotify) g_ptr_array_unref);
  g_auto(GQueue) ready = G_QUEUE_INIT;

  for (guint i = 0; i < p->tasks->len; i++)
    {
      CrTask *task = p->tasks->pdata[i];

      for (guint d = 0; task->depends[d] != NULL; d++)
        {
          CrTask *dep = g_hash_table_lookup (p->by_label, task->depends[d]);
          GPtrArray *list;

          if (dep == task)
            {
              set_error (error, loader, CR_PIPELINE_ERROR_GRAPH, task->group, "depends",
                         "task '%s' depends on itself", task->label);
              return FALSE;
            }
          if (dep == NULL)
            {
              g_autofree char *hint = split_label_hint (p, task->depends[d]);

              set_error (error, loader, CR_PIPELINE_ERROR_GRAPH, task->group, "depends",
                         "task '%s' depends on unknown task '%s' (no [task:%s] group)%s",
                         task->label, task->depends[d], task->depends[d], hint);
              return FALSE;
            }
          list = g_hash_table_lookup (dependents, dep);
          if (list == NULL)
            g_hash_table_insert (dependents, dep, list = g_ptr_array_new ());
          g_ptr_array_add (list, task);
        }
      g_hash_table_insert (waiting, task, GUINT_TO_POINTER (g_strv_length (task->depends)));
      if (task->depends[0] == NULL)
        {
          task->stage = 1;
          g_queue_push_tail (&ready, task);
        }
    }

  while (!g_queue_is_empty (&ready))
    {
      CrTask *task = g_queue_pop_head (&ready);
      GPtrArray *list = g_hash_table_lookup (dependents, task);

      g_ptr_array_add (p->order, task);
      g_hash_table_remove (waiting, task);
      for (guint i = 0; list != NULL && i < list->len; i++)
        {
          CrTask *next = list->pdata[i];
          guint left = GPOINTER_TO_UINT (g_hash_table_lookup (waiting, next)) - 1;

          next->stage = MAX (next->stage, task->stage + 1);
          g_hash_table_insert (waiting, next, GUINT_TO_POINTER (left));
          if (left == 0)
            g_queue_push_tail (&ready, next);
        }
    }

  if (p->order->len < p->tasks->len)
    {
      CrTask *start = NULL, *first;
      g_autofree char *cycle = NULL;

      for (guint i = 0; i < p->tasks->len && start == NULL; i++)
        if (g_hash_table_contains (waiting, p->tasks->pdata[i]))
          start = p->tasks->pdata[i];
      cycle = describe_cycle (p, waiting, start, &first);
      set_error (error, loader, CR_PIPELINE_ERROR_GRAPH, first->group, "depends",
                 "task '%s' is part of a dependency cycle: %s", first->label, cycle);
      return FALSE;
    }
  return TRUE;
}

/* ---- loading ---- */

static gboolean
read_text (const char  *path,
           char       **text,
           gsize       *len,
           GError     **error)
{
  g_autoptr(GError) local = NULL;

  if (g_strcmp0 (path, "-") == 0)
    {
      GString *in = g_string_new (NULL);
      char buf[4096];
      size_t n;

      while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
        g_string_append_len (in, buf, n);
      *len = in->len;
      *text = g_string_free (in, FALSE);
      return TRUE;
    }

  if (!g_file_get_contents (path, text, len, &local))
    {
      g_set_error (error, CR_PIPELINE_ERROR, CR_PIPELINE_ERROR_SYNTAX,
                   "%s: cannot read the pipeline file: %s", path, local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_keyfile (Loader      *loader,
              const char  *text,
              gsize        len,
              GError     **error)
{
  g_autoptr(GError) local = NULL;
  LineIndex *index = &loader->index;
  const char *bad = NULL;

  /* labels, commands and names end up in the summary, JSON and GVariant
   * records: text only (a NUL would also hide lines from the scan below) */
  if (g_utf8_validate_len (text, len, &bad))
    bad = memchr (text, '\0', len);
  if (bad != NULL)
    {
      guint line = 1;

      for (const char *c = text; c < bad; c++)
        line += *c == '\n';
      g_set_error (error, CR_PIPELINE_ERROR, CR_PIPELINE_ERROR_SYNTAX,
                   "%s:%u: syntax error: %s", loader->path, line,
                   *bad == '\0' ? "a NUL byte" : "text that is not UTF-8");
      return FALSE;
    }

  line_index_scan (index, text);
  if (!g_key_file_load_from_data (loader->keyfile, text, len, G_KEY_FILE_NONE, &local))
    {
      if (index->bad_line > 0)
        g_set_error (error, CR_PIPELINE_ERROR, CR_PIPELINE_ERROR_SYNTAX,
                     "%s:%d: syntax error: %s", loader->path, index->bad_line, local->message);
      else
        g_set_error (error, CR_PIPELINE_ERROR, CR_PIPELINE_ERROR_SYNTAX,
                     "%s: syntax error: %s", loader->path, local->message);
      return FALSE;
    }
  if (index->dup_line > 0)
    {
      if (index->dup_key != NULL)
        g_set_error (error, CR_PIPELINE_ERROR, CR_PIPELINE_ERROR_SYNTAX,
                     "%s:%d: [%s]: key '%s' is given twice (first on line %d)",
                     loader->path, index->dup_line, index->dup_group, index->dup_key,
                     index->dup_first_line);
      else
        g_set_error (error, CR_PIPELINE_ERROR, CR_PIPELINE_ERROR_SYNTAX,
                     "%s:%d: group [%s] is given twice (first on line %d)",
                     loader->path, index->dup_line, index->dup_group, index->dup_first_line);
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_groups (Loader  *loader,
             GError **error)
{
  CrPipeline *p = loader->pipeline;
  g_auto(GStrv) groups = g_key_file_get_groups (loader->keyfile, NULL);
  g_auto(GStrv) scope = g_get_environ ();

  for (guint i = 0; groups[i] != NULL; i++)
    if (g_strcmp0 (groups[i], PIPELINE_GROUP) != 0 && !g_str_has_prefix (groups[i], TASK_PREFIX))
      {
        set_error (error, loader, CR_PIPELINE_ERROR_INVALID, groups[i], NULL,
                   "unknown group; groups are [task:LABEL] or [pipeline]");
        return FALSE;
      }

  loader->default_cwd = g_strdup (p->dir);
  if (g_key_file_has_group (loader->keyfile, PIPELINE_GROUP))
    {
      if (!load_pipeline_group (loader, &scope, error))
        return FALSE;
    }
  else
    loader->pipeline_env = g_new0 (char *, 1);

  for (guint i = 0; groups[i] != NULL; i++)
    {
      CrTask *task;

      if (!g_str_has_prefix (groups[i], TASK_PREFIX))
        continue;
      if ((task = load_task (loader, groups[i], scope, error)) == NULL)
        return FALSE;
      g_ptr_array_add (p->tasks, task);
      if (g_hash_table_contains (p->by_label, task->label))
        {
          CrTask *first = g_hash_table_lookup (p->by_label, task->label);

          set_error (error, loader, CR_PIPELINE_ERROR_INVALID, task->group, NULL,
                     "task '%s' is given twice (first as [%s] on line %d)",
                     task->label, first->group, first->line);
          return FALSE;
        }
      g_hash_table_insert (p->by_label, task->label, task);
    }
  return TRUE;
}

/**
 * cr_pipeline_load:
 * @path: a pipeline file, or "-" for standard input
 * @error: return location for an error naming the file, line and group
 *
 * Returns: (transfer full) (nullable): the checked pipeline
 */
CrPipeline *
cr_pipeline_load (const char  *path,
                  GError     **error)
{
  g_autoptr(CrPipeline) pipeline = g_new0 (CrPipeline, 1);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *text = NULL;
  g_autofree char *cwd = g_get_current_dir ();
  gsize len = 0;
  Loader loader = { 0 };
  gboolean ok;

  pipeline->path = g_strdup (path);
  if (g_strcmp0 (path, "-") == 0)
    pipeline->dir = g_strdup (cwd);
  else
    {
      g_autofree char *absolute = g_canonicalize_filename (path, cwd);

      pipeline->dir = g_path_get_dirname (absolute);
    }
  if (g_strcmp0 (path, "-") == 0)
    pipeline->name = g_strdup ("pipeline");
  else
    {
      g_autofree char *base = g_path_get_basename (path);
      char *dot = strrchr (base, '.');

      if (dot != NULL && dot != base)
        *dot = '\0';
      pipeline->name = g_strdup (base);
    }
  pipeline->jobs = -1;
  pipeline->timeout = -1;
  pipeline->retries = -1;
  pipeline->retry_delay = -1;
  pipeline->fast_fail = -1;
  pipeline->max_output = -1;
  pipeline->tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) cr_task_free);
  pipeline->by_label = g_hash_table_new (g_str_hash, g_str_equal);
  pipeline->order = g_ptr_array_new ();

  if (!read_text (path, &text, &len, error))
    return NULL;

  loader.path = g_strcmp0 (path, "-") == 0 ? "<stdin>" : path;
  loader.keyfile = keyfile;
  loader.pipeline = pipeline;

  ok = load_keyfile (&loader, text, len, error)
       && load_groups (&loader, error)
       && check_graph (&loader, error);

  line_index_clear (&loader.index);
  g_strfreev (loader.pipeline_env);
  g_free (loader.default_cwd);

  return ok ? g_steal_pointer (&pipeline) : NULL;
}

/* ---- choosing what to run ---- */

/* "a, b, c", cut after @most labels: the tasks an unknown target could
 * have meant. */
static char *
list_labels (CrPipeline *p,
             guint       most)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < p->tasks->len && i < most; i++)
    g_string_append_printf (text, "%s'%s'", i > 0 ? ", " : "",
                            ((CrTask *) p->tasks->pdata[i])->label);
  if (p->tasks->len > most)
    g_string_append_printf (text, " and %u more", p->tasks->len - most);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/**
 * cr_pipeline_select:
 * @pipeline: a checked pipeline
 * @targets: (nullable): labels of the tasks to run; %NULL or empty: all
 * @error: return location for an error naming the first unknown label
 *
 * Keeps @targets and every task they depend on, directly or not, as make
 * and ninja do with their targets; the others are dropped. File order,
 * the topological order and the stages of the kept tasks stay as they
 * were (a kept task's dependencies are all kept).
 *
 * Returns: %FALSE, the pipeline unchanged, when a target is not a task
 */
gboolean
cr_pipeline_select (CrPipeline         *pipeline,
                    const char * const *targets,
                    GError            **error)
{
  g_autoptr(GHashTable) keep = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();
  g_autoptr(GPtrArray) tasks = NULL;
  g_autoptr(GPtrArray) order = NULL;
  g_autofree CrTask **all = NULL;
  gsize n_all = 0;

  if (targets == NULL || targets[0] == NULL)
    return TRUE;

  for (guint i = 0; targets[i] != NULL; i++)
    {
      CrTask *task = g_hash_table_lookup (pipeline->by_label, targets[i]);

      if (task == NULL)
        {
          g_autofree char *known = list_labels (pipeline, 10);

          g_set_error (error, CR_PIPELINE_ERROR, CR_PIPELINE_ERROR_INVALID,
                       "%s: no task '%s' to run (no [task:%s] group; the tasks are %s)%s",
                       pipeline->path, targets[i], targets[i], known,
                       g_file_test (targets[i], G_FILE_TEST_IS_REGULAR)
                         ? "; one pipeline file at a time" : "");
          return FALSE;
        }
      g_ptr_array_add (stack, task);
    }

  while (stack->len > 0)
    {
      CrTask *task = g_ptr_array_steal_index_fast (stack, stack->len - 1);

      if (!g_hash_table_add (keep, task))
        continue;
      for (guint d = 0; task->depends[d] != NULL; d++)
        g_ptr_array_add (stack, g_hash_table_lookup (pipeline->by_label, task->depends[d]));
    }

  tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) cr_task_free);
  order = g_ptr_array_new ();
  for (guint i = 0; i < pipeline->order->len; i++)
    if (g_hash_table_contains (keep, pipeline->order->pdata[i]))
      g_ptr_array_add (order, pipeline->order->pdata[i]);
  all = (CrTask **) g_ptr_array_steal (pipeline->tasks, &n_all);
  for (gsize i = 0; i < n_all; i++)
    {
      if (g_hash_table_contains (keep, all[i]))
        g_ptr_array_add (tasks, all[i]);
      else
        {
          g_hash_table_remove (pipeline->by_label, all[i]->label);
          cr_task_free (all[i]);
        }
    }
  g_ptr_array_unref (pipeline->tasks);
  pipeline->tasks = g_steal_pointer (&tasks);
  g_ptr_array_unref (pipeline->order);
  pipeline->order = g_steal_pointer (&order);
  return TRUE;
}
