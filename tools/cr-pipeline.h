/* cr-pipeline.h: a pipeline file of concurra-run, parsed and validated.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CR_PIPELINE_ERROR (cr_pipeline_error_quark ())

typedef enum {
  CR_PIPELINE_ERROR_SYNTAX,
  CR_PIPELINE_ERROR_INVALID,
  CR_PIPELINE_ERROR_GRAPH,
} CrPipelineError;

/* Where a task runs (launcher=) and what it asks Slurm for (cpus=, mem=,
 * partition=, slurm-args=); in [pipeline], the defaults. */
typedef struct
{
  char      *launcher;      /* "local" or "slurm", NULL when not set */
  int        cpus;          /* 0 when not set */
  char      *mem;           /* NULL when not set */
  char      *partition;     /* NULL when not set */
  char     **args;          /* NULL when not set */
} CrSlurm;

typedef struct
{
  char      *label;
  char      *group;         /* "task:LABEL" */
  int        line;          /* of the group header, 0 when unknown */
  char      *command;       /* shell form, or NULL */
  char     **argv;          /* exec form, or NULL */
  char     **depends;       /* never NULL */
  double     timeout;       /* -1: the pipeline's */
  int        retries;       /* -1: the pipeline's */
  double     retry_delay;   /* -1: the pipeline's */
  gint64     max_output;    /* bytes, 0: no cap, -1: the pipeline's */
  char      *cwd;           /* absolute */
  char     **env;           /* NAME=VALUE, pipeline defaults included */
  gboolean   check;
  CrSlurm    slurm;
  guint      stage;         /* 1 + the highest stage of its dependencies */
} CrTask;

typedef struct
{
  char       *path;         /* as given */
  char       *dir;          /* absolute; base of relative cwd */
  char       *name;
  int         jobs;         /* -1 when not set */
  double      timeout;      /* -1 when not set */
  int         retries;      /* -1 when not set */
  double      retry_delay;  /* -1 when not set */
  int         fast_fail;    /* -1 when not set */
  gint64      max_output;   /* -1 when not set */
  CrSlurm     slurm;
  GPtrArray  *tasks;        /* CrTask, in file order */
  GHashTable *by_label;     /* label -> CrTask */
  GPtrArray  *order;        /* CrTask, a topological order (not owned) */
} CrPipeline;

GQuark      cr_pipeline_error_quark (void);
gboolean    cr_parse_size           (const char  *text,
                                     gint64      *bytes);
void        cr_task_free            (CrTask      *task);
CrPipeline *cr_pipeline_load        (const char  *path,
                                     GError     **error);
gboolean    cr_pipeline_select      (CrPipeline         *pipeline,
                                     const char * const *targets,
                                     GError            **error);
void        cr_pipeline_free        (CrPipeline  *pipeline);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrTask, cr_task_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrPipeline, cr_pipeline_free)

G_END_DECLS
