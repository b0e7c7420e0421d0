/* concurra-child-private.h: a command's child process, spawned in its own
 * process group and watched from a main context with no thread waiting.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ConcurraChild ConcurraChild;

/* Where the child finds the channel given to concurra_child_spawn(). */
#define CONCURRA_CHILD_CHANNEL_FD 3

/* Sees each chunk read from a captured stream (@data NULL, @len 0: its
 * end) and appends to @keep what is to be kept of it. */
typedef void (*ConcurraChildFilter) (const guint8 *data,
                                     gsize         len,
                                     GByteArray   *keep,
                                     gpointer      user_data);

/* Called on the child's context once it has exited and, if its output was
 * captured, both pipes reached end of file. */
typedef void (*ConcurraChildFunc) (ConcurraChild *child,
                                   gpointer       user_data);

ConcurraChild *concurra_child_spawn         (const char * const *argv,
                                             const char * const *envp,
                                             const char         *cwd,
                                             gboolean            capture_output,
                                             int                 channel_fd,
                                             ConcurraChildFunc   func,
                                             gpointer            user_data,
                                             GError            **error);
ConcurraChild *concurra_child_spawn_stdio   (const char * const *argv,
                                             const char * const *envp,
                                             int                 channel_fd,
                                             ConcurraChildFunc   func,
                                             gpointer            user_data,
                                             GError            **error);
void           concurra_child_free          (ConcurraChild      *child);
GPid           concurra_child_get_pid       (ConcurraChild      *child);
void           concurra_child_signal_group  (ConcurraChild      *child,
                                             int                 signum);
gboolean       concurra_child_get_if_signaled (ConcurraChild    *child);
int            concurra_child_get_returncode (ConcurraChild     *child);
char          *concurra_child_describe_exit (ConcurraChild      *child);
void           concurra_child_set_max_output (ConcurraChild     *child,
                                              guint64            max_output);
GBytes        *concurra_child_steal_output  (ConcurraChild      *child,
                                             int                 fd);
guint64        concurra_child_get_omitted   (ConcurraChild      *child,
                                             int                 fd);
void           concurra_child_set_filter    (ConcurraChild      *child,
                                             int                 fd,
                                             ConcurraChildFilter filter,
                                             gpointer            filter_data);
void           concurra_child_read_pending  (ConcurraChild      *child);
void           concurra_child_discard_output (ConcurraChild     *child);
void           concurra_child_set_wait_status (ConcurraChild    *child,
                                             int                 wait_status);

G_END_DECLS
