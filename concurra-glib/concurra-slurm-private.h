/* concurra-slurm-private.h: command tasks run as Slurm jobs, and the srun
 * line that starts them (and worker processes).
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-child-private.h"
#include "concurra-slurm-options.h"
#include "concurra-task-private.h"

G_BEGIN_DECLS

/* A task's launcher settings, and what the run made of them. */
struct _ConcurraLaunch
{
  ConcurraLauncherKind   kind;
  ConcurraSlurmOptions  *options;    /* the task's own, nullable */
  char                 **srun;       /* set at run start for Slurm tasks: the line before the command */
  guint64                job_id;     /* the last attempt's; written and read on the owner context */
};

/* One attempt of a command task through srun. */
typedef struct _ConcurraSlurmAttempt ConcurraSlurmAttempt;

void                  concurra_launch_free           (ConcurraLaunch        *launch);
char                **concurra_slurm_srun_line       (const char            *job_name,
                                                      ConcurraSlurmOptions  *defaults,
                                                      ConcurraSlurmOptions  *own,
                                                      double                 timeout,
                                                      gboolean               for_worker,
                                                      GError               **error);
gboolean              concurra_launch_prepare        (ConcurraTask          *task,
                                                      const char            *label,
                                                      ConcurraLauncherKind   runner_kind,
                                                      ConcurraSlurmOptions  *runner_options,
                                                      GError               **error);
gboolean              concurra_launch_check_options  (ConcurraTask          *task,
                                                      const char            *label,
                                                      GError               **error);
char                **concurra_launch_wrap           (ConcurraTask          *task,
                                                      const char * const    *argv);

ConcurraSlurmAttempt *concurra_slurm_attempt_new     (ConcurraTask          *task,
                                                      gboolean               capture_output);
void                  concurra_slurm_attempt_watch   (ConcurraSlurmAttempt  *attempt,
                                                      ConcurraChild         *srun);
void                  concurra_slurm_attempt_free    (ConcurraSlurmAttempt  *attempt);
void                  concurra_slurm_attempt_cancel  (ConcurraSlurmAttempt  *attempt,
                                                      ConcurraChild         *srun);
gboolean              concurra_slurm_attempt_defer   (ConcurraSlurmAttempt  *attempt,
                                                      ConcurraChildFunc      func,
                                                      ConcurraChild         *srun,
                                                      gpointer               data);
void                  concurra_slurm_attempt_translate (ConcurraSlurmAttempt *attempt,
                                                      ConcurraChild         *srun);
void                  concurra_slurm_attempt_record  (ConcurraSlurmAttempt  *attempt,
                                                      gboolean               cancelled);

G_END_DECLS
