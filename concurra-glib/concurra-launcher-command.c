/* concurra-launcher-command.c: worker processes started through a
 * launcher command — `srun ...` (see concurra-slurm.c) or `ssh HOST` —
 * put before the worker command.
 *
 * A launcher command passes no descriptor but the standard ones, so the
 * protocol socket becomes the launched process's standard input and
 * output, and the worker learns it from `env CONCURRA_WORKER_FD=stdio`
 * (an environment variable would not cross ssh). The worker moves the
 * protocol off descriptors 0 and 1 at once (see concurra_worker_main()),
 * so what its functions print goes to standard error, not into the
 * protocol. The parent checks everything it reads as untrusted, as it
 * does for local workers.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-process-private.h"
#include "concurra-protocol-private.h"

typedef struct
{
  ConcurraLauncher   parent;
  char             **prefix;
} CommandLauncher;

static ConcurraChild *
command_launch (const ConcurraLauncher  *launcher,
                const char * const      *argv,
                int                      channel_fd,
                ConcurraChildFunc        on_exit,
                gpointer                 user_data,
                GError                 **error)
{
  const CommandLauncher *self = (const CommandLauncher *) launcher;
  GStrvBuilder *builder = g_strv_builder_new ();
  g_auto(GStrv) full = NULL;
  g_auto(GStrv) envp = g_environ_unsetenv (g_get_environ (), CONCURRA_WORKER_FD_ENV);

  g_strv_builder_addv (builder, (const char **) self->prefix);
  g_strv_builder_add (builder, "env");
  g_strv_builder_add (builder, CONCURRA_WORKER_FD_ENV "=stdio");
  g_strv_builder_addv (builder, (const char **) argv);
  full = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return concurra_child_spawn_stdio ((const char * const *) full, (const char * const *) envp,
                                     channel_fd, on_exit, user_data, error);
}

static void
command_launcher_free (ConcurraLauncher *launcher)
{
  CommandLauncher *self = (CommandLauncher *) launcher;

  g_strfreev (self->prefix);
  g_free (self);
}

const ConcurraLauncher *
concurra_command_launcher_new (const char * const *prefix)
{
  CommandLauncher *self = g_new0 (CommandLauncher, 1);

  self->parent.name = "command";
  self->parent.free = command_launcher_free;
  self->parent.launch = command_launch;
  self->prefix = g_strdupv ((char **) prefix);
  return &self->parent;
}
