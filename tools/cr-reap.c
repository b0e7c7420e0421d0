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
 * waited for with pidfds on a main loop up to the grace period (one timer,
 * no polling), and those still alive get SIGKILL through their pidfd, which
 * cannot hit a recycled pid.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cr-reap.h"

#include <glib-unix.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined (SYS_pidfd_open) && defined (SYS_pidfd_send_signal)
# define HAVE_PIDFD 1
#endif

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
on_grace_over (gpointer user_data)
{
  g_main_loop_quit (((Reaper *) user_data)->loop);
  return G_SOURCE_REMOVE;
}

/* Waits up to @grace_ms for every straggler with a pidfd to exit. */
static void
wait_for (GArray *stragglers,
          guint   grace_ms)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
  g_autofree Watch *watches = g_new0 (Watch, stragglers->len);
  Reaper reaper = { g_main_loop_new (context, FALSE), 0 };
  GSource *timer;

  for (guint i = 0; i < stragglers->len; i++)
    {
      Straggler *straggler = &g_array_index (stragglers, Straggler, i);
      GSource *source;

      if (straggler->pidfd < 0)
        continue;
      watches[i].reaper = &reaper;
      watches[i].straggler = straggler;
      source = g_unix_fd_source_new (straggler->pidfd, G_IO_IN);
      g_source_set_callback (source, G_SOURCE_FUNC (on_watch), &watches[i], NULL);
      g_source_attach (source, context);
      g_ptr_array_add (sources, source);
      reaper.waiting++;
    }

  timer = g_timeout_source_new (grace_ms);
  g_source_set_callback (timer, on_grace_over, &reaper, NULL);
  g_source_attach (timer, context);
  g_ptr_array_add (sources, timer);

  g_main_loop_run (reaper.loop);

  for (guint i = 0; i < sources->len; i++)
    g_source_destroy (sources->pdata[i]);
  g_main_loop_unref (reaper.loop);
}

/**
 * cr_reap_run_processes:
 * @run_id: the value of CONCURRA_RUN_ID given to the run's commands
 * @grace_ms: how long they get to exit after the SIGTERM they already had
 *
 * Returns: how many processes had to be killed
 */
guint
cr_reap_run_processes (const char *run_id,
                       guint       grace_ms)
{
  g_autofree char *assignment = g_strconcat (CR_RUN_ID_VARIABLE, "=", run_id, NULL);
  g_autoptr(GArray) stragglers = find_stragglers (assignment);
  guint killed = 0;

  if (stragglers->len == 0)
    return 0;

  wait_for (stragglers, grace_ms);

  for (guint i = 0; i < stragglers->len; i++)
    {
      Straggler *straggler = &g_array_index (stragglers, Straggler, i);

      if (straggler->exited)
        ;
#ifdef HAVE_PIDFD
      else if (straggler->pidfd >= 0)
        killed += syscall (SYS_pidfd_send_signal, straggler->pidfd, SIGKILL, NULL, 0) == 0;
#endif
      else
        {
          g_autofree char *name = g_strdup_printf ("%d", (int) straggler->pid);

          if (carries_run_id (name, assignment))
            killed += kill (straggler->pid, SIGKILL) == 0;
        }
      if (straggler->pidfd >= 0)
        close (straggler->pidfd);
    }
  return killed;
}
