/* concurra-graph.c: the dependency graph of a runner and its validation.
 *
 * Labels, dependencies named before their task exists (forward
 * references), the cycle check when a task is added and, when the run
 * starts, the check for unknown labels and the linking of labels into
 * edges. All of it is linear in tasks plus edges: the cycle check walks the
 * graph only when the new label was referenced before it existed, the one
 * way a cycle can close. Owner context only, or before the run.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-graph-private.h"

#include <string.h>

/* a longer cycle is shown shortened, by its first CYCLE_HEAD and last
 * CYCLE_TAIL labels, so that a message stays readable */
#define CYCLE_SHOWN 10
#define CYCLE_HEAD  5
#define CYCLE_TAIL  2

ConcurraGraph *
concurra_graph_new (void)
{
  ConcurraGraph *self = g_new0 (ConcurraGraph, 1);

  self->tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_label = g_hash_table_new (g_str_hash, g_str_equal);
  self->forward_refs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
concurra_graph_free (ConcurraGraph *self)
{
  g_hash_table_unref (self->by_label);
  g_hash_table_unref (self->forward_refs);
  g_ptr_array_unref (self->tasks);
  g_free (self);
}

ConcurraTask *
concurra_graph_lookup (ConcurraGraph *self,
                       const char    *label)
{
  return g_hash_table_lookup (self->by_label, label);
}

/* Looks for a path from one of @deps back to @label through existing tasks;
 * returns the cycle as "label → dep → … → label", or NULL. Only called when
 * @label was referenced before it was added, the one way a cycle can close. */
static char *
find_cycle (ConcurraGraph      *self,
            const char         *label,
            const char * const *deps)
{
  g_autoptr(GHashTable) parent = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();
  const char *found = NULL;

  for (guint i = 0; deps[i] != NULL; i++)
    if (!g_hash_table_contains (parent, deps[i]))
      {
        g_hash_table_insert (parent, (char *) deps[i], (char *) label);
        g_ptr_array_add (stack, (char *) deps[i]);
      }

  while (found == NULL && stack->len > 0)
    {
      const char *current = g_ptr_array_steal_index_fast (stack, stack->len - 1);
      ConcurraTask *task = g_hash_table_lookup (self->by_label, current);

      if (task == NULL || task->depends_on == NULL)
        continue;
      for (guint i = 0; task->depends_on[i] != NULL; i++)
        {
          const char *next = task->depends_on[i];

          if (strcmp (next, label) == 0)
            {
              found = current;
              break;
            }
          if (!g_hash_table_contains (parent, next))
            {
              g_hash_table_insert (parent, (char *) next, (char *) current);
              g_ptr_array_add (stack, (char *) next);
            }
        }
    }

  if (found == NULL)
    return NULL;

  /* walk back from the last hop to @label, then print forwards; a long
   * cycle shows its first and last hops and how many it has */
  {
    g_autoptr(GPtrArray) path = g_ptr_array_new ();
    GString *out = g_string_new (label);
    guint length;

    for (const char *l = found; l != label; l = g_hash_table_lookup (parent, l))
      g_ptr_array_add (path, (char *) l);
    length = path->len + 1;
    for (guint i = path->len; i > 0; i--)
      {
        guint hop = path->len - i + 1;

        if (length > CYCLE_SHOWN && hop == CYCLE_HEAD)
          {
            g_string_append_printf (out, " → … %u more …", length - CYCLE_HEAD - CYCLE_TAIL);
            i = CYCLE_TAIL + 1;
            continue;
          }
        g_string_append_printf (out, " → %s", (char *) g_ptr_array_index (path, i - 1));
      }
    g_string_append_printf (out, " → %s", label);
    if (length > CYCLE_SHOWN)
      g_string_append_printf (out, " (%u tasks)", length);
    return g_string_free (out, FALSE);
  }
}

gboolean
concurra_graph_check_dependencies (ConcurraGraph      *self,
                                   const char         *label,
                                   const char * const *deps,
                                   GError            **error)
{
  g_autofree char *cycle = NULL;

  for (guint i = 0; deps[i] != NULL; i++)
    if (strcmp (deps[i], label) == 0)
      {
        g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_SELF_DEPENDENCY,
                     "Task '%s' depends on itself", label);
        return FALSE;
      }

  if (g_hash_table_contains (self->forward_refs, label) &&
      (cycle = find_cycle (self, label, deps)) != NULL)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_CYCLE,
                   "Adding task '%s' would create a dependency cycle: %s", label, cycle);
      return FALSE;
    }

  return TRUE;
}

static char *
format_index (guint index)
{
  char buf[16];
  char *p = buf + sizeof buf;

  *--p = '\0';
  do
    *--p = '0' + index % 10;
  while ((index /= 10) != 0);
  return g_strdup (p);
}

/* The dependency labels without repeats, or NULL for none; linear in the
 * number of labels, so that a task may wait for a hundred thousand others. */
static char **
unique_labels (const char * const *deps)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autoptr(GHashTable) seen = NULL;

  if (deps == NULL || deps[0] == NULL)
    return NULL;

  builder = g_strv_builder_new ();
  for (guint i = 0; deps[i] != NULL; i++)
    {
      gboolean repeat = FALSE;

      /* a few labels are compared directly, more go through a set */
      if (seen == NULL && i == 8)
        {
          seen = g_hash_table_new (g_str_hash, g_str_equal);
          for (guint j = 0; j < i; j++)
            g_hash_table_add (seen, (gpointer) deps[j]);
        }
      if (seen != NULL)
        repeat = !g_hash_table_add (seen, (gpointer) deps[i]);
      else
        for (guint j = 0; j < i && !repeat; j++)
          repeat = strcmp (deps[i], deps[j]) == 0;
      if (!repeat)
        g_strv_builder_add (builder, deps[i]);
    }
  return g_strv_builder_end (builder);
}

static int
compare_missing (gconstpointer a,
                 gconstpointer b,
                 gpointer      forward_refs)
{
  guint ia = GPOINTER_TO_UINT (g_hash_table_lookup (forward_refs, *(char **) a));
  guint ib = GPOINTER_TO_UINT (g_hash_table_lookup (forward_refs, *(char **) b));

  return ia < ib ? -1 : ia > ib ? 1 : strcmp (*(char **) a, *(char **) b);
}

gboolean
concurra_graph_check_unknown (ConcurraGraph  *self,
                              GError        **error)
{
  g_autofree gpointer *missing = NULL;
  GString *message;
  guint n;

  if (g_hash_table_size (self->forward_refs) == 0)
    return TRUE;

  missing = g_hash_table_get_keys_as_array (self->forward_refs, &n);
  g_qsort_with_data (missing, n, sizeof (gpointer), compare_missing, self->forward_refs);

  message = g_string_new (n == 1 ? "Unknown dependency label: " : "Unknown dependency labels: ");
  for (guint i = 0; i < n; i++)
    {
      guint referrer = GPOINTER_TO_UINT (g_hash_table_lookup (self->forward_refs, missing[i]));
      ConcurraTask *task = g_ptr_array_index (self->tasks, referrer);

      g_string_append_printf (message, "%s'%s' (needed by '%s')",
                              i ? ", " : "", (char *) missing[i], task->label);
    }
  g_set_error_literal (error, CONCURRA_ERROR, CONCURRA_ERROR_UNKNOWN_DEPENDENCY, message->str);
  g_string_free (message, TRUE);
  return FALSE;
}

/* Resolves labels to tasks and builds the dependents lists, each allocated
 * once at its exact size. */
void
concurra_graph_link (ConcurraGraph *self)
{
  gboolean has_edges = FALSE;

  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      task->n_waiting_deps = task->n_deps;
      if (task->n_deps == 0)
        continue;
      has_edges = TRUE;
      task->deps = g_new (ConcurraTask *, task->n_deps);
      for (guint d = 0; d < task->n_deps; d++)
        {
          task->deps[d] = g_hash_table_lookup (self->by_label, task->depends_on[d]);
          task->deps[d]->n_dependents++;
        }
    }
  if (!has_edges)
    return;

  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      if (task->n_dependents)
        task->dependents = g_new (ConcurraTask *, task->n_dependents);
      task->n_dependents = 0;
    }

  for (guint i = 0; i < self->tasks->len; i++)
    {
      ConcurraTask *task = g_ptr_array_index (self->tasks, i);

      for (guint d = 0; d < task->n_deps; d++)
        task->deps[d]->dependents[task->deps[d]->n_dependents++] = task;
    }
}

/* The label of a task added without one: its index. */
char *
concurra_graph_next_label (ConcurraGraph *self)
{
  return format_index (self->tasks->len);
}

/* Adds @task, whose checks passed, under @label (taken) with its
 * dependencies, and remembers those that name no task yet. */
void
concurra_graph_insert (ConcurraGraph      *self,
                       ConcurraTask       *task,
                       char               *label,
                       const char * const *depends_on)
{
  char **deps = unique_labels (depends_on);

  concurra_task_take_label (task, label);
  task->depends_on = deps;
  task->n_deps = deps ? g_strv_length (deps) : 0;
  task->index = self->tasks->len;
  g_ptr_array_add (self->tasks, g_object_ref (task));
  g_hash_table_insert (self->by_label, task->label, task);
  if (g_hash_table_size (self->forward_refs) > 0)
    g_hash_table_remove (self->forward_refs, task->label);
  for (guint i = 0; i < task->n_deps; i++)
    if (!g_hash_table_contains (self->by_label, deps[i]) &&
        !g_hash_table_contains (self->forward_refs, deps[i]))
      g_hash_table_insert (self->forward_refs, g_strdup (deps[i]), GUINT_TO_POINTER (task->index));
}
