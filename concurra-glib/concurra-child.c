/* concurra-child.c: a command's child process.
 *
 * The child is started with posix_spawn(), which glibc implements with
 * vfork semantics: the cost of a spawn does not grow with the memory of
 * the parent (a fork copies the page tables of a process that grows with
 * the run), and no child-setup function runs in the child. The spawn
 * attributes do what such a function would: a process group of its own
 * (so that a timeout kills the whole tree), an empty signal mask, SIGPIPE
 * and SIGXFSZ back to their defaults (as Python's subprocess restores
 * them), and every descriptor above 2 closed.
 *
 * The process id is known from the spawn on, before anything can reap the
 * child, so the group can always be signalled by id, even after its
 * leader exited. The exit is watched through a pidfd (readable when the
 * child has exited; reaped then with waitpid()), or a child watch source
 * where the kernel has no pidfd, and the output read from non-blocking
 * pipes by fd sources, all attached to the thread-default context at
 * spawn: no thread waits for the child, and no SIGCHLD goes through GLib's
 * worker thread first.
 *
 * GSubprocess, which the design names for commands, takes a child-setup
 * function for the process group and with it rules out posix_spawn();
 * see doc/internals.md for the measurement that led here.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* posix_spawn_file_actions_addchdir_np() and _addclosefrom_np() */
#define _GNU_SOURCE
#include "concurra-child-private.h"
#include "concurra-capture-private.h"

#include <glib-unix.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define READ_CHUNK 16384

typedef struct
{
  ConcurraChild       *child;
  int                  fd;
  GSource             *source;
  ConcurraCapture     *data;
  guint64              omitted;
  ConcurraChildFilter  filter;      /* sees what is read before it is kept */
  gpointer             filter_data;
  GByteArray          *kept;        /* the filter's output, reused */
} Pipe;

struct _ConcurraChild
{
  GPid               pid;           /* also the id of its process group */
  gboolean           exited;
  int                wait_status;
  int                pidfd;         /* -1: watched by a child watch source */
  GSource           *watch;
  Pipe               pipes[2];      /* stdout, stderr */
  ConcurraChildFunc  func;
  gpointer           user_data;
};

static void
pipe_close (Pipe *pipe)
{
  if (pipe->source != NULL)
    {
      g_source_destroy (pipe->source);
      g_clear_pointer (&pipe->source, g_source_unref);
    }
  if (pipe->fd >= 0)
    close (pipe->fd);
  pipe->fd = -1;
}

static void
maybe_done (ConcurraChild *child)
{
  if (child->exited && child->pipes[0].fd < 0 && child->pipes[1].fd < 0 && child->func != NULL)
    {
      ConcurraChildFunc func = g_steal_pointer (&child->func);

      func (child, child->user_data);
    }
}

/* @len bytes read, or the end of the stream (@data NULL) */
static void
pipe_take (Pipe         *pipe,
           const guint8 *data,
           gsize         len)
{
  if (pipe->filter == NULL)
    {
      if (data != NULL)
        concurra_capture_append (pipe->data, data, len);
      return;
    }
  g_byte_array_set_size (pipe->kept, 0);
  pipe->filter (data, len, pipe->kept, pipe->filter_data);
  concurra_capture_append (pipe->data, pipe->kept->data, pipe->kept->len);
}

/* Reads what the pipe holds: TRUE at its end (or an error that ends it
 * all the same), FALSE when it has nothing more for now. */
static gboolean
pipe_read (Pipe *pipe)
{
  guint8 buffer[READ_CHUNK];

  for (;;)
    {
      gssize n = read (pipe->fd, buffer, sizeof buffer);

      if (n > 0)
        {
          pipe_take (pipe, buffer, n);
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      return !(n < 0 && errno == EAGAIN);
    }
}

static gboolean
on_readable (int          fd,
             GIOCondition condition,
             gpointer     user_data)
{
  Pipe *pipe = user_data;

  if (!pipe_read (pipe))
    return G_SOURCE_CONTINUE;
  pipe_take (pipe, NULL, 0);
  /* destroyed here, and unreferenced by pipe_close() */
  pipe_close (pipe);
  maybe_done (pipe->child);
  return G_SOURCE_REMOVE;
}

static void
on_exited (GPid     pid,
           int      wait_status,
           gpointer user_data)
{
  ConcurraChild *child = user_data;

  child->exited = TRUE;
  child->wait_status = wait_status;
  g_clear_pointer (&child->watch, g_source_unref);
  maybe_done (child);
}

/* The pidfd became readable: the child has exited, and is reaped here. */
static gboolean
on_pidfd_readable (int          fd,
                   GIOCondition condition,
                   gpointer     user_data)
{
  ConcurraChild *child = user_data;
  int status = 0;
  pid_t ret;

  do
    ret = waitpid (child->pid, &status, WNOHANG);
  while (ret < 0 && errno == EINTR);
  if (ret == 0)
    return G_SOURCE_CONTINUE;
  close (child->pidfd);
  child->pidfd = -1;
  /* the source is destroyed on return */
  on_exited (child->pid, status, child);
  return G_SOURCE_REMOVE;
}

static void
watch_exit (ConcurraChild *child,
            GMainContext  *context)
{
#ifdef SYS_pidfd_open
  child->pidfd = (int) syscall (SYS_pidfd_open, child->pid, 0);
#else
  child->pidfd = -1;
#endif
  if (child->pidfd >= 0)
    {
      child->watch = g_unix_fd_source_new (child->pidfd, G_IO_IN);
      g_source_set_callback (child->watch, G_SOURCE_FUNC (on_pidfd_readable), child, NULL);
    }
  else
    {
      child->watch = g_child_watch_source_new (child->pid);
      g_source_set_callback (child->watch, G_SOURCE_FUNC (on_exited), child, NULL);
    }
  g_source_set_static_name (child->watch, "[concurra] command exit");
  g_source_attach (child->watch, context);
}

static gboolean
open_pipe (int      fds[2],
           GError **error)
{
  if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
    return FALSE;
  /* the parent's end only: the child gets a blocking one */
  return g_unix_set_fd_nonblocking (fds[0], TRUE, error);
}

static int
spawn (GPid               *pid,
       const char * const *argv,
       const char * const *envp,
       const char         *cwd,
       const int          *child_fds,
       int                 channel_fd,
       int                 stdin_fd)
{
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t mask, defaults;
  int ret;

  posix_spawnattr_init (&attr);
  posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                   POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup (&attr, 0);
  sigemptyset (&mask);
  posix_spawnattr_setsigmask (&attr, &mask);
  sigemptyset (&defaults);
  sigaddset (&defaults, SIGPIPE);
  sigaddset (&defaults, SIGXFSZ);
  posix_spawnattr_setsigdefault (&attr, &defaults);

  posix_spawn_file_actions_init (&actions);
  if (stdin_fd >= 0)
    posix_spawn_file_actions_adddup2 (&actions, stdin_fd, 0);
  for (int target = 1; target <= 2; target++)
    if (child_fds[target - 1] >= 0)
      posix_spawn_file_actions_adddup2 (&actions, child_fds[target - 1], target);
  /* dup2() onto itself clears close-on-exec, as POSIX asks and glibc does */
  if (channel_fd >= 0)
    posix_spawn_file_actions_adddup2 (&actions, channel_fd, CONCURRA_CHILD_CHANNEL_FD);
  if (cwd != NULL)
    posix_spawn_file_actions_addchdir_np (&actions, cwd);
  posix_spawn_file_actions_addclosefrom_np (&actions, channel_fd >= 0 ? CONCURRA_CHILD_CHANNEL_FD + 1 : 3);

  ret = posix_spawnp (pid, argv[0], &actions, &attr, (char * const *) argv, (char * const *) envp);

  posix_spawn_file_actions_destroy (&actions);
  posix_spawnattr_destroy (&attr);
  return ret;
}

static ConcurraChild *
child_spawn (const char * const  *argv,
             const char * const  *envp,
             const char          *cwd,
             gboolean             capture_output,
             int                  channel_fd,
             int                  stdio_fd,
             ConcurraChildFunc    func,
             gpointer             user_data,
             GError             **error)
{
  ConcurraChild *child;
  int out[2] = { -1, -1 }, err[2] = { -1, -1 };
  int child_fds[2] = { -1, -1 };
  GMainContext *context;
  int ret;

  if (capture_output && (!open_pipe (out, error) || !open_pipe (err, error)))
    {
      for (guint i = 0; i < 2; i++)
        {
          if (out[i] >= 0)
            close (out[i]);
          if (err[i] >= 0)
            close (err[i]);
        }
      return NULL;
    }
  child_fds[0] = stdio_fd >= 0 ? stdio_fd : out[1];
  child_fds[1] = err[1];

  child = g_new0 (ConcurraChild, 1);
  ret = spawn (&child->pid, argv, envp, cwd, child_fds, channel_fd, stdio_fd);
  if (capture_output)
    {
      close (out[1]);
      close (err[1]);
    }
  child->pipes[0].fd = out[0];
  child->pipes[1].fd = err[0];
  if (ret != 0)
    {
      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (ret), g_strerror (ret));
      pipe_close (&child->pipes[0]);
      pipe_close (&child->pipes[1]);
      g_free (child);
      return NULL;
    }

  child->func = func;
  child->user_data = user_data;
  context = g_main_context_get_thread_default ();
  watch_exit (child, context);
  for (guint i = 0; i < 2; i++)
    {
      Pipe *pipe = &child->pipes[i];

      pipe->child = child;
      if (pipe->fd < 0)
        continue;
      pipe->data = concurra_capture_new ();
      pipe->source = g_unix_fd_source_new (pipe->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
      g_source_set_static_name (pipe->source, "[concurra] command output");
      g_source_set_callback (pipe->source, G_SOURCE_FUNC (on_readable), pipe, NULL);
      g_source_attach (pipe->source, context);
    }
  return child;
}

ConcurraChild *
concurra_child_spawn (const char * const  *argv,
                      const char * const  *envp,
                      const char          *cwd,
                      gboolean             capture_output,
                      int                  channel_fd,
                      ConcurraChildFunc    func,
                      gpointer             user_data,
                      GError             **error)
{
  return child_spawn (argv, envp, cwd, capture_output, channel_fd, -1, func, user_data, error);
}

/* A child whose standard input and output are @channel_fd (a worker
 * started through a launcher command: its protocol runs over them). */
ConcurraChild *
concurra_child_spawn_stdio (const char * const  *argv,
                            const char * const  *envp,
                            int                  channel_fd,
                            ConcurraChildFunc    func,
                            gpointer             user_data,
                            GError             **error)
{
  return child_spawn (argv, envp, NULL, FALSE, -1, channel_fd, func, user_data, error);
}

GPid
concurra_child_get_pid (ConcurraChild *child)
{
  return child->pid;
}

/* Only once the child was reaped (after its func was called). */
void
concurra_child_free (ConcurraChild *child)
{
  g_assert (child->exited);
  for (guint i = 0; i < 2; i++)
    {
      pipe_close (&child->pipes[i]);
      g_clear_pointer (&child->pipes[i].data, concurra_capture_free);
      g_clear_pointer (&child->pipes[i].kept, g_byte_array_unref);
    }
  g_free (child);
}

/* The whole process group, by the id taken at spawn: the child may be
 * reaped already (a shell that exited, leaving a background job holding
 * its output pipe), and the group lives on while any member does. */
void
concurra_child_signal_group (ConcurraChild *child,
                             int            signum)
{
  kill (-child->pid, signum);
}

gboolean
concurra_child_get_if_signaled (ConcurraChild *child)
{
  return WIFSIGNALED (child->wait_status);
}

/* The exit status, or minus the number of the signal that killed it. */
int
concurra_child_get_returncode (ConcurraChild *child)
{
  if (WIFSIGNALED (child->wait_status))
    return -WTERMSIG (child->wait_status);
  return WEXITSTATUS (child->wait_status);
}

char *
concurra_child_describe_exit (ConcurraChild *child)
{
  if (WIFSIGNALED (child->wait_status))
    {
      int signum = WTERMSIG (child->wait_status);

      return g_strdup_printf ("was killed by signal %d (%s)", signum, g_strsignal (signum));
    }
  return g_strdup_printf ("exited with status %d", WEXITSTATUS (child->wait_status));
}

/* How much of each captured stream is kept (see concurra-capture.c), 0
 * for all of it: set right after the spawn, before the context reads. */
void
concurra_child_set_max_output (ConcurraChild *child,
                               guint64        max_output)
{
  for (guint i = 0; i < 2; i++)
    if (child->pipes[i].data != NULL)
      concurra_capture_set_max (child->pipes[i].data, max_output);
}

/* The output read from standard output (1) or error (2), followed by a
 * NUL byte (counted in the size, so that text needs no copy to become a
 * string), or NULL if it was not captured. Past the cap, the beginning, a
 * marker line and the end. */
GBytes *
concurra_child_steal_output (ConcurraChild *child,
                             int            fd)
{
  Pipe *pipe = &child->pipes[fd - 1];
  GBytes *bytes;

  if (pipe->data == NULL)
    return NULL;
  bytes = concurra_capture_steal (pipe->data, &pipe->omitted);
  g_clear_pointer (&pipe->data, concurra_capture_free);
  return bytes;
}

/* How many bytes of standard output (1) or error (2) the cap left out of
 * what concurra_child_steal_output() gave. */
guint64
concurra_child_get_omitted (ConcurraChild *child,
                            int            fd)
{
  return child->pipes[fd - 1].omitted;
}

/* From now on, what is read from standard output (1) or error (2) goes
 * through @filter, which says what is kept (see ConcurraChildFilter).
 * Called right after the spawn, before the context reads anything. */
void
concurra_child_set_filter (ConcurraChild       *child,
                           int                  fd,
                           ConcurraChildFilter  filter,
                           gpointer             filter_data)
{
  Pipe *pipe = &child->pipes[fd - 1];

  g_return_if_fail (pipe->data != NULL);
  pipe->filter = filter;
  pipe->filter_data = filter_data;
  if (pipe->kept == NULL)
    pipe->kept = g_byte_array_new ();
}

/* Reads now what the pipes hold, through their filters; their ends are
 * left to their sources. */
void
concurra_child_read_pending (ConcurraChild *child)
{
  for (guint i = 0; i < 2; i++)
    if (child->pipes[i].fd >= 0)
      pipe_read (&child->pipes[i]);
}

/* Output that was read but is not to be kept. */
void
concurra_child_discard_output (ConcurraChild *child)
{
  for (guint i = 0; i < 2; i++)
    g_clear_pointer (&child->pipes[i].data, concurra_capture_free);
}

/* Once it exited: the status to report instead of its own (srun's
 * command's). */
void
concurra_child_set_wait_status (ConcurraChild *child,
                                int            wait_status)
{
  g_assert (child->exited);
  child->wait_status = wait_status;
}
