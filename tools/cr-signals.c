/* cr-signals.c: every signal that would end concurra-run, as a main-loop event.
 *
 * Commands run in their own process groups, so a signal sent to
 * concurra-run (a hangup of its terminal, `kill -HUP -- -PGID`, a CPU time
 * limit) does not reach them: had concurra-run died of it, they would run
 * on under init. Here each signal whose default action ends the process
 * and that a program may catch gets a handler that writes the signal's
 * number into a pipe, and a source on the main context reads the pipe (the
 * self-pipe trick; GLib's g_unix_signal_add() takes only HUP, INT, TERM,
 * USR1, USR2 and WINCH). The handlers stay until exit, so a second signal
 * during the clean-up is one more event, never the default action.
 *
 * A signal ignored when concurra-run starts (nohup, a shell's background
 * job) stays ignored, for concurra-run and for the commands, which inherit
 * that. SIGPIPE gets a handler that does nothing: a write to a closed pipe
 * then fails with EPIPE, which the writer turns into a clean end of the run,
 * while the commands still start with the default SIGPIPE (exec resets a
 * handler, but would keep SIG_IGN). Faults (SEGV, BUS, ABRT...) are left
 * alone, and so is SIGPROF, which profilers use.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cr-signals.h"

#include <glib-unix.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static const int terminating_signals[] = {
  SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM,
  SIGXCPU, SIGXFSZ,
#ifdef SIGPOLL
  SIGPOLL,
#endif
#ifdef SIGPWR
  SIGPWR,
#endif
};

static int signal_pipe[2] = { -1, -1 };

typedef struct
{
  CrSignalFunc func;
  gpointer     user_data;
} Watch;

static void
write_signal_number (int signum)
{
  int saved_errno = errno;
  unsigned char byte = (unsigned char) signum;
  /* only a full pipe fails: signals enough are waiting to be read */
  G_GNUC_UNUSED ssize_t written = write (signal_pipe[1], &byte, 1);

  errno = saved_errno;
}

static void
ignore_signal (int signum)
{
}

static gboolean
on_readable (int          fd,
             GIOCondition condition,
             gpointer     user_data)
{
  Watch *watch = user_data;
  unsigned char numbers[32];
  ssize_t n;

  while ((n = read (fd, numbers, sizeof numbers)) > 0)
    for (ssize_t i = 0; i < n; i++)
      watch->func (numbers[i], watch->user_data);
  return G_SOURCE_CONTINUE;
}

static void
install (int    signum,
         void (*handler) (int))
{
  struct sigaction action = { 0 };
  struct sigaction old;

  if (sigaction (signum, NULL, &old) != 0 || old.sa_handler == SIG_IGN)
    return;
  action.sa_handler = handler;
  /* the library's threads get them too: their system calls restart */
  action.sa_flags = SA_RESTART;
  sigfillset (&action.sa_mask);
  sigaction (signum, &action, NULL);
}

/**
 * cr_signals_watch:
 * @func: called on the main context with the number of each signal received
 * @user_data: for @func
 *
 * Catches, until the process exits, every signal that would end it (see
 * above), and makes SIGPIPE a write error (EPIPE). Call once, before
 * anything that must not be left behind is started.
 *
 * Returns: the id of the source on the default main context
 */
guint
cr_signals_watch (CrSignalFunc func,
                  gpointer     user_data)
{
  Watch *watch;

  g_return_val_if_fail (signal_pipe[0] == -1, 0);

  if (!g_unix_open_pipe (signal_pipe, FD_CLOEXEC, NULL)
      || !g_unix_set_fd_nonblocking (signal_pipe[0], TRUE, NULL)
      || !g_unix_set_fd_nonblocking (signal_pipe[1], TRUE, NULL))
    g_error ("concurra-run: cannot make the pipe that carries signals: %s", g_strerror (errno));

  watch = g_new (Watch, 1);
  watch->func = func;
  watch->user_data = user_data;

  for (guint i = 0; i < G_N_ELEMENTS (terminating_signals); i++)
    install (terminating_signals[i], write_signal_number);
  install (SIGPIPE, ignore_signal);

  return g_unix_fd_add_full (G_PRIORITY_HIGH, signal_pipe[0], G_IO_IN,
                             on_readable, watch, g_free);
}
