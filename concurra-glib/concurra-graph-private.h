/* concurra-graph-private.h: the dependency graph a runner owns.
 *
 * The graph keeps the tasks in the order they were added, finds them by
 * label and validates the edges: at add time (self-dependency, cycles
 * closed by a forward reference) and when the run starts (unknown labels).
 * concurra_graph_link() then turns labels into the tasks' deps and
 * dependents arrays, which the run walks on its owner context.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-task-private.h"

G_BEGIN_DECLS

typedef struct _ConcurraGraph ConcurraGraph;

struct _ConcurraGraph
{
  GPtrArray  *tasks;         /* owned, in the order added; a task's index */
  GHashTable *by_label;      /* label -> task, keys owned by the tasks */
  GHashTable *forward_refs;  /* missing label -> index of its first referrer */
};

ConcurraGraph *concurra_graph_new                (void);
void           concurra_graph_free               (ConcurraGraph      *self);
ConcurraTask  *concurra_graph_lookup             (ConcurraGraph      *self,
                                                  const char         *label);
char          *concurra_graph_next_label         (ConcurraGraph      *self);
gboolean       concurra_graph_check_dependencies (ConcurraGraph      *self,
                                                  const char         *label,
                                                  const char * const *deps,
                                                  GError            **error);
void           concurra_graph_insert             (ConcurraGraph      *self,
                                                  ConcurraTask       *task,
                                                  char               *label,
                                                  const char * const *depends_on);
gboolean       concurra_graph_check_unknown      (ConcurraGraph      *self,
                                                  GError            **error);
void           concurra_graph_link               (ConcurraGraph      *self);

G_END_DECLS
