/* concurra-slurm-options.h: ConcurraSlurmOptions, the resources a task
 * asks Slurm for.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (CONCURRA_INSIDE) && !defined (CONCURRA_COMPILATION)
# error "Only <concurra.h> can be included directly."
#endif

#include <glib-object.h>

#include "concurra-version.h"

G_BEGIN_DECLS

#define CONCURRA_TYPE_SLURM_OPTIONS (concurra_slurm_options_get_type ())

CONCURRA_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ConcurraSlurmOptions, concurra_slurm_options, CONCURRA, SLURM_OPTIONS, GObject)

CONCURRA_AVAILABLE_IN_1_0
ConcurraSlurmOptions *concurra_slurm_options_new             (void);
CONCURRA_AVAILABLE_IN_1_0
guint                 concurra_slurm_options_get_cpus        (ConcurraSlurmOptions *options);
CONCURRA_AVAILABLE_IN_1_0
void                  concurra_slurm_options_set_cpus        (ConcurraSlurmOptions *options,
                                                              guint                 cpus);
CONCURRA_AVAILABLE_IN_1_0
const char           *concurra_slurm_options_get_mem         (ConcurraSlurmOptions *options);
CONCURRA_AVAILABLE_IN_1_0
void                  concurra_slurm_options_set_mem         (ConcurraSlurmOptions *options,
                                                              const char           *mem);
CONCURRA_AVAILABLE_IN_1_0
const char           *concurra_slurm_options_get_partition   (ConcurraSlurmOptions *options);
CONCURRA_AVAILABLE_IN_1_0
void                  concurra_slurm_options_set_partition   (ConcurraSlurmOptions *options,
                                                              const char           *partition);
CONCURRA_AVAILABLE_IN_1_0
double                concurra_slurm_options_get_time_margin (ConcurraSlurmOptions *options);
CONCURRA_AVAILABLE_IN_1_0
void                  concurra_slurm_options_set_time_margin (ConcurraSlurmOptions *options,
                                                              double                margin);
CONCURRA_AVAILABLE_IN_1_0
const char * const   *concurra_slurm_options_get_extra_args  (ConcurraSlurmOptions *options);
CONCURRA_AVAILABLE_IN_1_0
void                  concurra_slurm_options_set_extra_args  (ConcurraSlurmOptions *options,
                                                              const char * const   *args);
CONCURRA_AVAILABLE_IN_1_0
gboolean              concurra_slurm_options_validate        (ConcurraSlurmOptions *options,
                                                              GError              **error);

G_END_DECLS
