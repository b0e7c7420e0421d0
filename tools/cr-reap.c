/* cr-reap.c: makes sure no process of a run outlives concurra-run.
 *
 * A timeout, fast-fail or Ctrl-C terminates tasks at once: the runner sends
 * SIGTERM to the command's process group and finishes the run, while a
 * lane thread waits for the command and sends SIGKILL after a grace
 * period. If concurra-run exited right after the run, a command that
 * ignores SIGTERM would be left behind (the lane never gets to its
 * SIGKILL), and so would a background job whose group leader did exit.
 *
 * Every command gets CONCURRA_RUN_ID=<a random id> in its environment, and
 * its descendants inherit it however they are reparented or regrouped. After
 * a run with terminations, the processes carrying the id are found in /proc,
 * waited for with pidfds on the default main context up to the grace period
 * (one timer, no polling), and those still alive get SIGKILL through their
 * pidfd, which cannot hit a recycled pid, as does each process group one of
 * them leads. concurra-run's signal source stays attached to that context
 * meanwhile: a second Ctrl-C cancels the hurry cancellable, which ends the
 * grace at once.
 *
 * Nothing returns before the killed processes are gone, and /proc is
 * scanned again for processes the stragglers started during the grace, so
 * concurra-run does not exit while a process of its run is alive.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cr-reap.h"

#include <glib-unix.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined (SYS_pidfd_open) && defined (SYS_pidfd_send_signal)
# define HAVE_PIDFD 1
#endif

/* how long processes sent SIGKILL get to be gone (one in the
 * uninterruptible sleep of a hung file system may need longer) */
#define KILLED_GONE_MS 5000
/* scans after the first, for processes started during the grace */
#define MAX_RESCANS    8

typedef struct
{
  pid_t    pid;
  int      pidfd;     /* -1 without pidfd support */
  gboolean exited;
} Straggler;

typedef struct
{
  GMainLoop *loop;
  guint      waiting;
} Reaper;

static gboolean
carries_run_id (const char *pid,
                const char *assignment)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/environ", pid);
  g_autofree char *environ = NULL;
  gsize len, n = strlen (assignment);

  /* a zombie's environ is empty: nothing to kill there */
  if (!g_file_get_contents (path, &environ, &len, NULL))
    return FALSE;
  for (gsize i = 0; i < len; i += strlen (environ + i) + 1)
    if (strncmp (environ + i, assignment, n + 1) == 0)
      return TRUE;
  return FALSE;
}

static GArray *
find_stragglers (const char *assignment)
{
  GArray *found = g_array_new (FALSE, FALSE, sizeof (Straggler));
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      Straggler straggler = { (pid_t) atol (name), -1, FALSE };

      if (!g_ascii_isdigit (name[0]) || !carries_run_id (name, assignment))
        continue;
#ifdef HAVE_PIDFD
      straggler.pidfd = (int) syscall (SYS_pidfd_open, straggler.pid, 0);
      if (straggler.pidfd < 0 && errno == ESRCH)
        continue;
      /* the pid may have been recycled between the scan and the open */
      if (straggler.pidfd >= 0 && !carries_run_id (name, assignment))
        {
          close (straggler.pidfd);
          continue;
        }
#endif
      g_array_append_val (found, straggler);
    }
  return found;
}

typedef struct
{
  Reaper    *reaper;
  Straggler *straggler;
} Watch;

static gboolean
on_watch (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  Watch *watch = user_data;

  watch->straggler->exited = TRUE;
  if (--watch->reaper->waiting == 0)
    g_main_loop_quit (watch->reaper->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_time_over (gpointer user_data)
{
  g_main_loop_quit (((Reaper *) user_data)->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_hurry (GCancellable *hurry,
          gpointer      user_data)
{
  return on_time_over (user_data);
}

static void
add_source (GPtrArray   *sources,
            GSource     *source,
            GSourceFunc  func,
            gpointer     data)
{
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, NULL);
  g_ptr_array_add (sources, source);
}

/* Waits on the default main context, up to @wait_ms or until @hurry is
 * cancelled, for every straggler with a pidfd to exit. */
static void
wait_for (GArray       *stragglers,
          guint         wait_ms,
          GCancellable *hurry)
{
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
  g_autofree Watch *watches = g_new0 (Watch, stragglers->len);
  Reaper reaper = { g_main_loop_new (NULL, FALSE), 0 };

  for (guint i = 0; i < stragglers->len; i++)
    {
      Straggler *straggler = &g_array_index (stragglers, Straggler, i);

      if (straggler->pidfd < 0 || straggler->exited)
        continue;
      watches[i].reaper = &reaper;
      watches[i].straggler = straggler;
      add_source (sources, g_unix_fd_source_new (straggler->pidfd, G_IO_IN),
                  G_SOURCE_FUNC (on_watch), &watches[i]);
      reaper.waiting++;
    }

  add_source (sources, g_timeout_source_new (wait_ms), on_time_over, &reaper);
  if (hurry != NULL)
    add_source (sources, g_cancellable_source_new (hurry), G_SOURCE_FUNC (on_hurry), &reaper);

  g_main_loop_run (reaper.loop);

  for (guint i = 0; i < sources->len; i++)
    g_source_destroy (sources->pdata[i]);
  g_main_loop_unref (reaper.loop);
}

#ifdef HAVE_PIDFD
/* The process group of a process, or 0. */
static pid_t
process_group (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *end;
  int ppid, pgrp;
  char state;

  /* "pid (comm) state ppid pgrp ...", where comm may hold ") " */
  if (!g_file_get_contents (path, &stat, NULL, NULL) || (end = strrchr (stat, ')')) == NULL
      || sscanf (end + 1, " %c %d %d", &state, &ppid, &pgrp) != 3)
    return 0;
  return pgrp;
}

/* Kills the process group @straggler leads, if it does: while the leader
 * has not exited (its pidfd says so), the group's id is not recycled. */
static void
kill_group_led_by (Straggler *straggler)
{
  struct pollfd exited = { straggler->pidfd, POLLIN, 0 };

  if (straggler->pid == getpgrp () || poll (&exited, 1, 0) != 0)
    return;
  if (process_group (straggler->pid) == straggler->pid)
    kill (-straggler->pid, SIGKILL);
}
#endif

/* Sends SIGKILL to every straggler still alive, and to each process group
 * one of them leads (members that dropped the run id from their
 * environment go with it). Returns how many stragglers it was sent to. */
static guint
kill_stragglers (GArray     *stragglers,
                 const char *assignment)
{
  guint killed = 0;

  for (guint i = 0; i < stragglers->len; i++)
    {
      Straggler *straggler = &g_array_index (stragglers, Straggler, i);

      if (straggler->exited)
        continue;
#ifdef HAVE_PIDFD
      if (straggler->pidfd >= 0)
        {
          kill_group_led_by (straggler);
          killed += syscall (SYS_pidfd_send_signal, straggler->pidfd, SIGKILL, NULL, 0) == 0;
          continue;
        }
#endif
      {
        g_autofree char *name = g_strdup_printf ("%d", (int) straggler->pid);

        if (carries_run_id (name, assignment))
          killed += kill (straggler->pid, SIGKILL) == 0;
      }
    }
  return killed;
}

/* Closes the pidfds; returns whether one was open (an exit to wait for). */
static gboolean
close_pidfds (GArray *stragglers)
{
  gboolean any = FALSE;

  for (guint i = 0; i < stragglers->len; i++)
    {
      Straggler *straggler = &g_array_index (stragglers, Straggler, i);

      if (straggler->pidfd >= 0)
        close (straggler->pidfd);
      any |= straggler->pidfd >= 0;
    }
  return any;
}

/**
 * cr_reap_run_processes:
 * @run_id: the value of CONCURRA_RUN_ID given to the run's commands
 * @grace_ms: how long they get to exit after the SIGTERM they already had
 * @hurry: (nullable): cancelled to end the grace at once
 *
 * Returns once every process of the run is gone (or could not be killed:
 * see KILLED_GONE_MS), iterating the default main context meanwhile.
 *
 * Returns: how many processes had to be killed
 */
guint
cr_reap_run_processes (const char   *run_id,
                       guint         grace_ms,
                       GCancellable *hurry)
{
  g_autofree char *assignment = g_strconcat (CR_RUN_ID_VARIABLE, "=", run_id, NULL);
  guint killed = 0;

  for (guint scan = 0; scan <= MAX_RESCANS; scan++)
    {
      g_autoptr(GArray) stragglers = find_stragglers (assignment);
      guint n;

      if (stragglers->len == 0)
        break;
      if (scan == 0)
        wait_for (stragglers, grace_ms, hurry);
      n = kill_stragglers (stragglers, assignment);
      if (n > 0)
        wait_for (stragglers, KILLED_GONE_MS, NULL);
      killed += n;
      if (!close_pidfds (stragglers))
        break;    /* without pidfds, a killed process may be found again */
    }
  return killed;
}
