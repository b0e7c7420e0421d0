/* concurra-process.c: process tasks — named functions run in a pool of warm
 * worker processes.
 *
 * An attempt runs on a runner lane: it takes an idle worker from the pool
 * (or spawns one; there are never more than lanes, so never more than
 * max-concurrency), sends the request over the worker's socket and waits
 * for the reply, and gives the worker back. A cancelled attempt (timeout,
 * abort, fast-fail) kills its worker: SIGTERM, then SIGKILL after a grace
 * period. A worker that dies or breaks the protocol fails the task with
 * WORKER_CRASHED and is never reused. When the run ends the pool closes the
 * idle workers' sockets, and they exit.
 *
 * Pipelining: once a worker's tasks are quick, its lane sends the next
 * ready task's request before the current reply comes (send_ahead()), and
 * runs that task next; it is started (status, start time, timeout) only
 * then, so max-concurrency still counts running tasks. If the worker is
 * lost before it replied to the current request, the worker never began the
 * next one (a worker serves requests in order): that task is sent again to
 * another worker, transparently. Two cases differ: when a worker killed for
 * a timeout or abort had already written its whole reply, it may have
 * begun the next request, and that task fails with WORKER_CRASHED rather
 * than run twice; and after a malformed reply (the worker cannot be trusted
 * to say) the next request is sent again. A task taken ahead and then
 * cancelled kills the worker that has its request.
 *
 * In a thread mode runner a process task calls the registered function in
 * its thread instead.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-hub-private.h"
#include "concurra-process-private.h"
#include "concurra-protocol-private.h"
#include "concurra-worker-private.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KILL_GRACE_MS 2000
#define EXIT_GRACE_MS 1000

typedef struct
{
  GSubprocess         *process;
  int                  fd;        /* the socket, blocking; -1 once closed */
  ConcurraFrameReader  reader;
  guint64              next_id;
  gint64               last_run;  /* µs its last task took, -1 before the first */
  int                  pid;       /* kept: the identifier goes once it is reaped */
} Worker;

struct _ConcurraWorkerPool
{
  GMutex     lock;
  GPtrArray *idle;
  char     **command;
  gboolean   closed;
};

struct _ConcurraProcessCall
{
  char               *function;
  GVariant           *args;
  ConcurraWorkerPool *pool;      /* NULL: call in this process */

  /* sent ahead (see send_ahead()); only the lane that has the task */
  Worker             *worker;    /* has the request, numbered @id */
  guint64             id;
  GError             *lost;      /* its worker was killed after it began it */
};

/* ---- process helpers, shared with command tasks ---- */

void
concurra_child_setup (gpointer user_data)
{
  /* its own process group, so that killing it kills its children too */
  setpgid (0, 0);
}

void
concurra_signal_group (GSubprocess *process,
                       int          signum)
{
  const char *id = g_subprocess_get_identifier (process);

  /* NULL once reaped, when the group id may belong to someone else */
  if (id != NULL)
    kill (-(pid_t) g_ascii_strtoll (id, NULL, 10), signum);
}

typedef struct
{
  gboolean exited;
  gboolean expired;
} Reaping;

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  ((Reaping *) user_data)->exited = TRUE;
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
}

static gboolean
on_grace_expired (gpointer user_data)
{
  ((Reaping *) user_data)->expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits for the process to exit, escalating: nothing for @patience_ms,
 * then SIGTERM to its group, then SIGKILL after the grace period. Returns
 * once it is reaped; blocks the calling thread (a lane, or the owner for
 * idle workers at the end of a run). */
void
concurra_reap_process (GSubprocess *process,
                       guint        patience_ms)
{
  static const int signals[] = { 0, SIGTERM, SIGKILL };
  const guint delays[] = { patience_ms, KILL_GRACE_MS, 0 };
  g_autoptr(GMainContext) context = g_main_context_new ();
  Reaping reaping = { FALSE, FALSE };

  g_main_context_push_thread_default (context);
  g_subprocess_wait_async (process, NULL, on_exited, &reaping);
  for (guint step = 0; step < G_N_ELEMENTS (signals) && !reaping.exited; step++)
    {
      g_autoptr(GSource) timer = NULL;

      if (delays[step] == 0 && signals[step] != SIGKILL)
        continue;
      if (signals[step] != 0)
        concurra_signal_group (process, signals[step]);
      if (delays[step] > 0)
        {
          timer = g_timeout_source_new (delays[step]);
          g_source_set_callback (timer, on_grace_expired, &reaping, NULL);
          g_source_attach (timer, context);
        }
      reaping.expired = FALSE;
      while (!reaping.exited && (delays[step] == 0 || !reaping.expired))
        g_main_context_iteration (context, TRUE);
      if (timer != NULL)
        g_source_destroy (timer);
    }
  g_main_context_pop_thread_default (context);
}

void
concurra_terminate_process (GSubprocess *process)
{
  concurra_reap_process (process, 0);
}

char *
concurra_describe_exit (GSubprocess *process)
{
  if (g_subprocess_get_if_signaled (process))
    {
      int signum = g_subprocess_get_term_sig (process);

      return g_strdup_printf ("was killed by signal %d (%s)", signum, g_strsignal (signum));
    }
  return g_strdup_printf ("exited with status %d", g_subprocess_get_exit_status (process));
}

/* ---- workers ---- */

static void
worker_close (Worker *worker)
{
  if (worker->fd >= 0)
    close (worker->fd);
  worker->fd = -1;
}

static void
worker_free (Worker *worker)
{
  worker_close (worker);
  concurra_frame_reader_clear (&worker->reader);
  g_clear_object (&worker->process);
  g_free (worker);
}

static char **
default_command (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  char *argv[] = { self, NULL };

  return g_strdupv (argv);
}

static Worker *
worker_spawn (char   **command,
              GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *fd_text = NULL;
  Worker *worker;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not create a socket pair: %s", g_strerror (saved));
      return NULL;
    }

  /* the child's end becomes its fd 3; GSubprocess closes every other one */
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  g_subprocess_launcher_setenv (launcher, CONCURRA_WORKER_FD_ENV, "3", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, concurra_child_setup, NULL, NULL);

  worker = g_new0 (Worker, 1);
  /* blocking: a lane sleeps in read() until the reply comes, and
   * cancellation shuts the socket down to wake it (see on_cancelled()) */
  worker->fd = fds[0];
  worker->last_run = -1;
  worker->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) command, error);
  if (worker->process == NULL)
    {
      worker_free (worker);
      return NULL;
    }
  worker->pid = (int) g_ascii_strtoll (g_subprocess_get_identifier (worker->process) ?: "0", NULL, 10);
  return worker;
}

/* Ends a worker that will not be reused. */
static void
worker_kill (Worker *worker)
{
  worker_close (worker);
  concurra_terminate_process (worker->process);
  worker_free (worker);
}

ConcurraWorkerPool *
concurra_worker_pool_new (const char * const *command)
{
  ConcurraWorkerPool *pool = g_atomic_rc_box_new0 (ConcurraWorkerPool);

  g_mutex_init (&pool->lock);
  pool->idle = g_ptr_array_new ();
  pool->command = command ? g_strdupv ((char **) command) : default_command ();
  return pool;
}

static void
pool_clear (ConcurraWorkerPool *pool)
{
  g_ptr_array_unref (pool->idle);
  g_strfreev (pool->command);
  g_mutex_clear (&pool->lock);
}

static ConcurraWorkerPool *
pool_ref (ConcurraWorkerPool *pool)
{
  return g_atomic_rc_box_acquire (pool);
}

static void
pool_unref (ConcurraWorkerPool *pool)
{
  g_atomic_rc_box_release_full (pool, (GDestroyNotify) pool_clear);
}

static Worker *
pool_take (ConcurraWorkerPool  *pool,
           GError             **error)
{
  Worker *worker = NULL;

  g_mutex_lock (&pool->lock);
  if (pool->idle->len > 0)
    worker = g_ptr_array_steal_index_fast (pool->idle, pool->idle->len - 1);
  g_mutex_unlock (&pool->lock);

  return worker ? worker : worker_spawn (pool->command, error);
}

static void
pool_give_back (ConcurraWorkerPool *pool,
                Worker             *worker)
{
  struct pollfd pfd = { .fd = worker->fd, .events = POLLIN };
  gboolean closed;

  /* anything readable now is a reply nobody asked for, or EOF: the next
   * task must not inherit it */
  if (worker->reader.end > worker->reader.start || poll (&pfd, 1, 0) != 0)
    {
      worker_kill (worker);
      return;
    }

  g_mutex_lock (&pool->lock);
  closed = pool->closed;
  if (!closed)
    g_ptr_array_add (pool->idle, worker);
  g_mutex_unlock (&pool->lock);

  if (closed)
    worker_kill (worker);
}

/* Ends the run's workers: idle ones see their socket close and exit; busy
 * ones are ended by their lane when it gives them back. */
void
concurra_worker_pool_close (ConcurraWorkerPool *pool)
{
  g_autoptr(GPtrArray) idle = NULL;

  g_mutex_lock (&pool->lock);
  pool->closed = TRUE;
  idle = g_steal_pointer (&pool->idle);
  pool->idle = g_ptr_array_new ();
  g_mutex_unlock (&pool->lock);

  /* on EOF a worker exits on its own, flushing and running its atexit
   * handlers; only one that does not is terminated */
  for (guint i = 0; i < idle->len; i++)
    shutdown (((Worker *) g_ptr_array_index (idle, i))->fd, SHUT_WR);
  for (guint i = 0; i < idle->len; i++)
    {
      Worker *worker = g_ptr_array_index (idle, i);

      concurra_reap_process (worker->process, EXIT_GRACE_MS);
      worker_free (worker);
    }
  pool_unref (pool);
}

/* ---- one call ---- */

static gboolean
send_request (Worker        *worker,
              guint64        id,
              const char    *function,
              GVariant      *args,
              GError       **error)
{
  GVariant *fields[3];

  /* built from its parts: g_variant_new() would parse a format string */
  fields[0] = g_variant_new_uint64 (id);
  fields[1] = g_variant_new_string (function);
  fields[2] = g_variant_new_variant (args ? args : g_variant_new_tuple (NULL, 0));
  if (!concurra_protocol_write_frame (worker->fd, g_variant_new_tuple (fields, G_N_ELEMENTS (fields))))
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not send to the worker: %s", g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* FALSE with *eof when the worker closed the socket. */
static gboolean
receive_reply (Worker         *worker,
               guint64         id,
               ConcurraReply  *reply,
               gboolean       *eof,
               GError        **error)
{
  g_autoptr(GBytes) payload = concurra_frame_reader_next (&worker->reader, worker->fd, eof, error);

  return payload != NULL && concurra_protocol_parse_reply (payload, id, reply, error);
}

/* Runs in the thread that cancels: wakes the lane blocked on the socket,
 * which then kills the worker. The socket stays open until the lane has
 * disconnected this handler, so the descriptor cannot be another one by
 * then. */
static void
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  Worker *worker = user_data;

  shutdown (worker->fd, SHUT_RDWR);
}

static void
report_crash (ConcurraTask *task,
              Worker       *worker)
{
  g_autofree char *how = NULL;

  /* the socket closed: the worker is gone or going; make sure, and reap it */
  worker_close (worker);
  concurra_terminate_process (worker->process);
  how = concurra_describe_exit (worker->process);
  concurra_task_return_new_error (task, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED,
                                  "Worker process %d %s while running '%s'",
                                  worker->pid, how, task->process->function);
  worker_free (worker);
}

/* Requests are sent ahead only while a worker's tasks are quick and the
 * messages small: a task taken ahead waits for the one before it on the
 * same worker, and a small request always fits in the socket's buffer, so
 * sending it never blocks while the worker may be blocked writing a large
 * reply. */
#define AHEAD_MAX_RUN_US   1000
#define AHEAD_MAX_SIZE     (16 * 1024)

static gboolean
is_small (ConcurraProcessCall *call)
{
  return strlen (call->function) + (call->args ? g_variant_get_size (call->args) : 0) <= AHEAD_MAX_SIZE;
}

static gboolean
can_go_ahead (ConcurraTask *next,
              gpointer      user_data)
{
  ConcurraProcessCall *call = next->process;

  return call != NULL && call->pool == user_data && next->async == NULL &&
         call->worker == NULL && call->lost == NULL && is_small (call);
}

/* Pipelining: while the worker runs the current request, the lane takes
 * the next ready process task and sends its request too, so that the
 * worker starts it as soon as it has replied, without waiting for the
 * parent's round trip. The lane runs that task next (see
 * concurra_hub_take_ahead()): its status, start time and timeout begin
 * then. Returns it, with its request numbered in call->id, or with id 0
 * when sending failed (the reply to the current request tells why). */
static ConcurraTask *
send_ahead (Worker              *worker,
            ConcurraProcessCall *current)
{
  ConcurraProcessCall *call;
  ConcurraTask *next;

  if (worker->last_run < 0 || worker->last_run > AHEAD_MAX_RUN_US || !is_small (current))
    return NULL;
  next = concurra_hub_take_ahead (can_go_ahead, current->pool);
  if (next == NULL)
    return NULL;
  call = next->process;
  call->id = ++worker->next_id;
  if (!send_request (worker, call->id, call->function, call->args, NULL))
    call->id = 0;
  return next;
}

/* The worker that had @next's request sent ahead was lost before the reply
 * to the request before it. If it had sent that reply whole, it may have
 * begun @next: then @next fails rather than run twice. Otherwise it never
 * began @next, which goes to another worker as if nothing happened. */
static void
lose_ahead (ConcurraTask *next,
            ConcurraTask *task,
            int           pid,
            gboolean      began)
{
  if (began)
    next->process->lost = g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED,
                                       "Worker process %d was killed after it began '%s', "
                                       "because '%s' before it on that worker was stopped",
                                       pid, next->process->function, task->process->function);
}

static void
call_in_worker (ConcurraTask *task,
                GCancellable *cancellable)
{
  ConcurraProcessCall *call = task->process;
  ConcurraReply reply = { 0, };
  g_autoptr(GError) error = NULL;
  ConcurraTask *ahead = NULL;
  Worker *worker;
  gboolean eof = FALSE, ok = TRUE;
  gulong handler;
  guint64 id;
  int pid;

  if (call->lost != NULL)
    {
      concurra_task_return_error (task, g_steal_pointer (&call->lost));
      return;
    }
  worker = g_steal_pointer (&call->worker);
  id = call->id;
  if (worker == NULL)
    {
      worker = pool_take (call->pool, &error);
      if (worker == NULL)
        {
          concurra_task_return_new_error (task, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED,
                                          "Could not start a worker process: %s", error->message);
          return;
        }
      id = 0;
    }

  /* 0 when already cancelled: on_cancelled() has run */
  handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), worker, NULL);
  if (id == 0)
    {
      id = ++worker->next_id;
      ok = send_request (worker, id, call->function, call->args, &error);
    }
  if (ok)
    ahead = send_ahead (worker, call);
  ok = ok && receive_reply (worker, id, &reply, &eof, &error);
  g_cancellable_disconnect (cancellable, handler);
  pid = worker->pid;

  if (!ok)
    {
      gboolean began_ahead = FALSE;

      if (g_cancellable_is_cancelled (cancellable))
        {
          /* terminated: the worker may be stuck in the function. Once it
           * is dead, what it wrote tells whether it had finished. */
          concurra_terminate_process (worker->process);
          if (ahead != NULL)
            {
              concurra_frame_reader_drain (&worker->reader, worker->fd);
              began_ahead = concurra_frame_reader_has_frame (&worker->reader);
            }
          worker_free (worker);
          g_clear_error (&error);
          g_cancellable_set_error_if_cancelled (cancellable, &error);
          concurra_task_return_error (task, g_steal_pointer (&error));
        }
      else if (eof || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
               g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
        report_crash (task, worker);
      else
        {
          /* a malformed reply: never trust this worker again. It may have
           * begun the request sent ahead, or not: that one is sent again
           * rather than failed for what another task's worker did. */
          worker_kill (worker);
          if (error->domain != CONCURRA_ERROR)
            g_prefix_error (&error, "Lost the worker process: ");
          concurra_task_return_error (task, g_steal_pointer (&error));
        }
      if (ahead != NULL)
        lose_ahead (ahead, task, pid, began_ahead);
      return;
    }

  worker->last_run = g_get_monotonic_time () - task->outcome.start_mono;
  if (ahead != NULL && ahead->process->id != 0)
    ahead->process->worker = worker;
  else
    pool_give_back (call->pool, worker);
  if (reply.ok)
    concurra_task_return_variant (task, reply.value);
  else
    concurra_task_return_error_full (task, g_steal_pointer (&reply.error), reply.trace);
  concurra_reply_clear (&reply);
}

static gpointer
kill_in_thread (gpointer data)
{
  worker_kill (data);
  return NULL;
}

/* A task taken ahead that will not run: its worker, if it has the
 * request, may be running it, and is killed — in a thread of its own
 * unless @wait, so that the owner context, which calls this when it
 * withdraws a queued task, never waits out the SIGTERM grace. */
void
concurra_process_abandon (ConcurraTask *task,
                          gboolean      wait)
{
  ConcurraProcessCall *call = task->process;
  Worker *worker;

  if (call == NULL)
    return;
  g_clear_error (&call->lost);
  worker = g_steal_pointer (&call->worker);
  if (worker == NULL)
    return;
  if (wait)
    worker_kill (worker);
  else
    g_thread_unref (g_thread_new ("concurra-reaper", kill_in_thread, worker));
}

static void
call_here (ConcurraTask *task,
           GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  GVariant *result;

  result = concurra_registry_call (task->process->function, task->process->args, cancellable, &error);
  if (error != NULL)
    concurra_task_return_error (task, g_steal_pointer (&error));
  else
    concurra_task_return_variant (task, result);
  g_clear_pointer (&result, g_variant_unref);
}

static void
process_run (ConcurraTask *task,
             GCancellable *cancellable,
             gpointer      user_data)
{
  if (task->process->pool != NULL)
    call_in_worker (task, cancellable);
  else
    call_here (task, cancellable);
}

void
concurra_process_call_free (ConcurraProcessCall *call)
{
  if (call->worker != NULL)
    worker_kill (call->worker);
  g_clear_error (&call->lost);
  g_free (call->function);
  g_clear_pointer (&call->args, g_variant_unref);
  g_clear_pointer (&call->pool, pool_unref);
  g_free (call);
}

void
concurra_process_call_set_pool (ConcurraProcessCall *call,
                                ConcurraWorkerPool  *pool)
{
  g_clear_pointer (&call->pool, pool_unref);
  call->pool = pool ? pool_ref (pool) : NULL;
}

/**
 * concurra_task_new_process:
 * @function_name: a function registered with [func@Concurra.worker_register]
 * @args: (nullable): the arguments; a floating reference is sunk
 *
 * Creates a process task: in a runner whose
 * [property@Concurra.Runner:execution-mode] is
 * %CONCURRA_EXECUTION_MODE_PROCESS it calls @function_name in a worker
 * process, so that a crash or a hang cannot take the application down, and
 * CPU-bound work runs in parallel. Its result is the #GVariant the function
 * returned. In a thread mode runner the function is called in a thread.
 *
 * Returns: (transfer full): a new task
 *
 * Since: 1.0
 */
ConcurraTask *
concurra_task_new_process (const char *function_name,
                           GVariant   *args)
{
  ConcurraTask *task;
  ConcurraProcessCall *call;

  g_return_val_if_fail (function_name != NULL && *function_name != '\0', NULL);

  task = concurra_task_new (function_name, process_run, NULL, NULL);
  call = g_new0 (ConcurraProcessCall, 1);
  call->function = g_strdup (function_name);
  call->args = args ? g_variant_ref_sink (args) : NULL;
  task->process = call;
  return task;
}
