/* concurra-process.c: process tasks — named functions run in a pool of warm
 * worker processes — and their executor.
 *
 * In a process mode runner, a process task is started on the owner context
 * like a command: it takes an idle worker from the pool (or launches one;
 * a worker runs one task at a time, so there are never more workers than
 * running tasks, never more than max-concurrency), writes the request to
 * the worker's socket and returns. The reply is read when the socket is
 * readable, by a source on the owner context: no thread waits for a
 * worker. Every message is checked as untrusted (see
 * concurra-protocol.c).
 *
 * A cancelled attempt (timeout, abort, fast-fail, cancel) kills its worker:
 * SIGTERM to its process group, SIGKILL after a grace period; the attempt
 * ends when the worker is reaped, and the run after that. A worker that
 * dies or breaks the protocol fails its task with WORKER_CRASHED (saying
 * how it ended) and is never reused; a worker that writes when nobody
 * asked is ended too. When the run ends, the pool closes the idle workers'
 * sockets: they exit on their own (flushing and running their atexit
 * handlers), or are terminated after a grace period; the run finishes once
 * they are reaped.
 *
 * Workers are started by a launcher (ConcurraLauncher): the local one
 * spawns the worker command with the socket as its descriptor 3; the
 * command launcher (concurra-launcher-command.c) puts a command such as
 * `srun` or `ssh HOST` before it, with the socket as its standard input
 * and output. The pool takes the launcher and frees it.
 *
 * In a thread mode runner a process task calls the registered function in
 * a thread instead.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-child-private.h"
#include "concurra-error.h"
#include "concurra-executor-private.h"
#include "concurra-process-private.h"
#include "concurra-protocol-private.h"
#include "concurra-worker-private.h"

#include <glib-unix.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KILL_GRACE_MS 2000
#define EXIT_GRACE_MS 1000

typedef struct _Worker Worker;
typedef struct _Call Call;

struct _ConcurraWorkerPool
{
  GMainContext            *context;   /* the owner's */
  char                   **command;
  const ConcurraLauncher  *launcher;
  GQueue                   idle;       /* of Worker, by idle_link */
  guint                    n_live;     /* workers not reaped yet */
  gboolean                 closing;
  ConcurraPoolClosedFunc   closed_func;
  gpointer                 closed_data;
  ConcurraServiceFunc      service;
  gpointer                 service_data;
};

struct _Worker
{
  ConcurraWorkerPool  *pool;          /* unowned: the pool outlives its workers */
  ConcurraChild       *child;
  int                  pid;
  int                  fd;            /* the socket, non-blocking; -1 once closed */
  GSource             *in_source;
  GSource             *out_source;    /* while output is pending */
  GByteArray          *out;
  ConcurraFrameReader  reader;
  guint64              next_id;
  Call                *call;          /* in flight */
  gboolean             idle;          /* in the pool's idle queue */
  gboolean             ending;        /* never to be reused */
  GSource             *grace;         /* the next signal, once it is being ended */
  int                  next_signal;
  GError              *failure;       /* a broken protocol, for its call */
  GList                idle_link;
  GList               *services;      /* ConcurraServiceReply: not answered yet */
};

/* A service request of a worker, until it is answered; cut off from its
 * worker when the worker goes first. */
struct _ConcurraServiceReply
{
  Worker  *worker;
  guint64  id;
};

/* One attempt of a process task on a worker. */
struct _Call
{
  ConcurraTask       *task;
  Worker             *worker;
  guint64             id;
  GCancellable       *cancellable;
  gulong              cancel_id;
  ConcurraFinishFunc  finish;
  gpointer            finish_data;
};

struct _ConcurraProcessCall
{
  char               *function;
  GVariant           *args;
  ConcurraWorkerPool *pool;      /* NULL: call in this process */
};

static void
destroy_source (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

/* ---- workers: the local launcher ---- */

static ConcurraChild *
local_launch (const ConcurraLauncher  *launcher,
              const char * const      *argv,
              int                      channel_fd,
              ConcurraChildFunc        on_exit,
              gpointer                 user_data,
              GError                 **error)
{
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), CONCURRA_WORKER_FD_ENV,
                                         G_STRINGIFY (CONCURRA_CHILD_CHANNEL_FD), TRUE);

  return concurra_child_spawn (argv, (const char * const *) envp, NULL, FALSE, channel_fd,
                               on_exit, user_data, error);
}

const ConcurraLauncher concurra_local_launcher = {
  .name = "local",
  .launch = local_launch,
};

/* ---- workers ---- */

static void worker_on_exit   (ConcurraChild *child,
                              gpointer       user_data);
static gboolean worker_on_readable (int          fd,
                                    GIOCondition condition,
                                    gpointer     user_data);
static void worker_end       (Worker        *worker,
                              GError        *failure,
                              int            first_signal,
                              guint          patience_ms);

static void
worker_close_socket (Worker *worker)
{
  g_clear_pointer (&worker->in_source, destroy_source);
  g_clear_pointer (&worker->out_source, destroy_source);
  if (worker->fd >= 0)
    close (worker->fd);
  worker->fd = -1;
}

static void
worker_free (Worker *worker)
{
  for (GList *l = worker->services; l != NULL; l = l->next)
    ((ConcurraServiceReply *) l->data)->worker = NULL;
  g_list_free (worker->services);
  worker_close_socket (worker);
  g_clear_pointer (&worker->grace, destroy_source);
  g_clear_pointer (&worker->out, g_byte_array_unref);
  g_clear_error (&worker->failure);
  concurra_frame_reader_clear (&worker->reader);
  if (worker->child != NULL)
    concurra_child_free (worker->child);
  g_free (worker);
}

static GSource *
attach_source (Worker      *worker,
               GSource     *source,
               gpointer     func,
               const char  *name)
{
  g_source_set_static_name (source, name);
  g_source_set_callback (source, G_SOURCE_FUNC (func), worker, NULL);
  g_source_attach (source, worker->pool->context);
  return source;
}

static void
worker_set_idle (Worker   *worker,
                 gboolean  idle)
{
  if (idle && !worker->idle)
    g_queue_push_tail_link (&worker->pool->idle, &worker->idle_link);
  else if (!idle && worker->idle)
    g_queue_unlink (&worker->pool->idle, &worker->idle_link);
  worker->idle = idle;
}

static Worker *
worker_launch (ConcurraWorkerPool  *pool,
               GError             **error)
{
  Worker *worker;
  int fds[2];

  /* a program that serves as its own worker but forgot
   * concurra_worker_main() would run its main() again in every worker,
   * each starting workers of its own */
  if (g_getenv (CONCURRA_WORKER_FD_ENV) != NULL)
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                   "this process is itself a worker process (%s is set): call "
                   "concurra_worker_main() early in main(), before any runner, so that it "
                   "serves its parent instead of starting workers of its own",
                   CONCURRA_WORKER_FD_ENV);
      return NULL;
    }

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not create a socket pair: %s", g_strerror (saved));
      return NULL;
    }

  worker = g_new0 (Worker, 1);
  worker->pool = pool;
  worker->fd = fds[0];
  worker->idle_link.data = worker;
  if (g_unix_set_fd_nonblocking (worker->fd, TRUE, error))
    worker->child = pool->launcher->launch (pool->launcher, (const char * const *) pool->command,
                                            fds[1], worker_on_exit, worker, error);
  close (fds[1]);
  if (worker->child == NULL)
    {
      worker_free (worker);
      return NULL;
    }
  worker->pid = concurra_child_get_pid (worker->child);
  worker->in_source = attach_source (worker, g_unix_fd_source_new (worker->fd, G_IO_IN | G_IO_HUP | G_IO_ERR),
                                     worker_on_readable, "[concurra] worker reply");
  pool->n_live++;
  return worker;
}

static gboolean
on_grace_expired (gpointer user_data)
{
  Worker *worker = user_data;

  g_clear_pointer (&worker->grace, g_source_unref);
  worker_end (worker, NULL, worker->next_signal, KILL_GRACE_MS);
  return G_SOURCE_REMOVE;
}

/* Ends @worker, which will not be reused: sends @first_signal to its
 * process group now (0: none, its socket is closing) and after
 * @patience_ms the next one: SIGTERM, then SIGKILL. @failure (transfer
 * full, nullable), a broken protocol, is what its call fails with when it
 * is reaped; otherwise the call says how the worker ended. */
static void
worker_end (Worker *worker,
            GError *failure,
            int     first_signal,
            guint   patience_ms)
{
  if (failure != NULL && worker->failure == NULL)
    worker->failure = failure;
  else
    g_clear_error (&failure);
  worker->ending = TRUE;
  worker_set_idle (worker, FALSE);
  if (first_signal != 0)
    concurra_child_signal_group (worker->child, first_signal);
  if (first_signal == SIGKILL)
    return;
  g_clear_pointer (&worker->grace, destroy_source);
  worker->next_signal = first_signal == SIGTERM ? SIGKILL : SIGTERM;
  worker->grace = attach_source (worker, g_timeout_source_new (patience_ms), on_grace_expired,
                                 "[concurra] worker exit grace");
}

/* ---- calls ---- */

static void
call_finish (Call *call)
{
  Worker *worker = call->worker;

  if (worker != NULL)
    worker->call = NULL;
  /* not from inside the cancellation handler: its worker is reaped first */
  if (call->cancel_id != 0)
    g_cancellable_disconnect (call->cancellable, call->cancel_id);
  call->finish (call->task, call->finish_data);
  g_object_unref (call->cancellable);
  g_free (call);
}

static void worker_send (Worker *worker,
                         GBytes *frame);

/* A request of the worker running @call for a service of the parent; one
 * of a service that is not there fails at once. */
static void
worker_ask_service (Worker   *worker,
                    Call     *call,
                    guint64   id,
                    GVariant *request)
{
  ConcurraWorkerPool *pool = worker->pool;
  ConcurraServiceReply *reply = g_new0 (ConcurraServiceReply, 1);
  g_autoptr(GVariant) args = NULL;
  const char *name;

  reply->worker = worker;
  reply->id = id;
  worker->services = g_list_prepend (worker->services, reply);
  g_variant_get (request, "(&sv)", &name, &args);
  if (pool->service == NULL)
    {
      g_autoptr(GError) error = g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                                             "'%s' is not available to this worker process: it "
                                             "serves a runner, not a ConcurraWorker", name);

      concurra_service_reply (reply, NULL, error);
      return;
    }
  pool->service (name, args, call->cancellable, reply, pool->service_data);
}

void
concurra_service_reply (ConcurraServiceReply *reply,
                        GVariant             *value,
                        const GError         *error)
{
  Worker *worker = reply->worker;

  if (worker != NULL)
    {
      g_autoptr(GBytes) frame = concurra_protocol_encode_frame (
                                  concurra_protocol_service_answer (reply->id, value, error));

      worker->services = g_list_remove (worker->services, reply);
      worker_send (worker, frame);
    }
  else if (value != NULL)
    g_variant_unref (g_variant_ref_sink (value));
  g_free (reply);
}

void
concurra_worker_pool_set_service (ConcurraWorkerPool  *pool,
                                  ConcurraServiceFunc  func,
                                  gpointer             data)
{
  pool->service = func;
  pool->service_data = data;
}

static void
pool_give_back (ConcurraWorkerPool *pool,
                Worker             *worker)
{
  /* stopped while its reply was on the way, or broken */
  if (worker->ending)
    return;
  if (pool->closing)
    {
      /* a clean end: it sees end of file and exits */
      shutdown (worker->fd, SHUT_WR);
      worker_end (worker, NULL, 0, EXIT_GRACE_MS);
      return;
    }
  worker_set_idle (worker, TRUE);
}

static void
handle_reply (Worker *worker,
              GBytes *payload)
{
  Call *call = worker->call;
  ConcurraReply reply = { 0, };
  g_autoptr(GError) error = NULL;

  if (call == NULL)
    {
      worker_end (worker, g_error_new (CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED,
                                       "Worker process %d sent a message nobody asked for",
                                       worker->pid),
                  SIGKILL, 0);
      return;
    }
  if (!concurra_protocol_parse_reply (payload, call->id, &reply, &error))
    {
      /* never trust this worker again */
      if (error->domain != CONCURRA_ERROR)
        g_prefix_error (&error, "Lost the worker process: ");
      worker_end (worker, g_steal_pointer (&error), SIGKILL, 0);
      return;
    }
  if (reply.service != 0)
    {
      worker_ask_service (worker, call, reply.service, reply.value);
      concurra_reply_clear (&reply);
      return;
    }
  if (reply.ok)
    concurra_task_return_variant (call->task, reply.value);
  else
    concurra_task_return_error_full (call->task, g_steal_pointer (&reply.error), reply.trace);
  concurra_reply_clear (&reply);
  /* idle before the attempt ends: the next task may take it at once */
  worker->call = NULL;
  pool_give_back (worker->pool, worker);
  call->worker = NULL;
  call_finish (call);
}

/* Reads what the socket has: replies, end of file, or garbage. */
static void
worker_read (Worker *worker)
{
  while (worker->fd >= 0 && worker->failure == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) payload = NULL;
      gboolean eof;

      payload = concurra_frame_reader_poll (&worker->reader, worker->fd, &eof, &error);
      if (payload != NULL)
        {
          handle_reply (worker, payload);
          continue;
        }
      if (eof)
        {
          /* gone or going: its exit says how, unless it lingers */
          worker_close_socket (worker);
          worker_end (worker, NULL, 0, EXIT_GRACE_MS);
        }
      else if (error != NULL)
        {
          if (error->domain != CONCURRA_ERROR)
            g_prefix_error (&error, "Lost the worker process: ");
          worker_close_socket (worker);
          worker_end (worker, g_steal_pointer (&error), SIGKILL, 0);
        }
      return;
    }
}

static gboolean
worker_on_readable (int          fd,
                    GIOCondition condition,
                    gpointer     user_data)
{
  worker_read (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
worker_flush (Worker *worker)
{
  while (worker->out->len > 0)
    {
      gssize n = send (worker->fd, worker->out->data, worker->out->len, MSG_NOSIGNAL | MSG_DONTWAIT);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return FALSE;
      if (n < 0)
        {
          /* the worker closed its end: its exit tells the rest */
          worker_end (worker, NULL, SIGTERM, KILL_GRACE_MS);
          g_byte_array_set_size (worker->out, 0);
          return TRUE;
        }
      g_byte_array_remove_range (worker->out, 0, n);
    }
  return TRUE;
}

static gboolean
worker_on_writable (int          fd,
                    GIOCondition condition,
                    gpointer     user_data)
{
  Worker *worker = user_data;

  if (!worker_flush (worker))
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&worker->out_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Queues @frame and writes what the socket takes now; the rest goes out
 * when it is writable, so a large request never blocks the owner. */
static void
worker_send (Worker *worker,
             GBytes *frame)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (frame, &size);

  if (worker->out == NULL)
    worker->out = g_byte_array_new ();
  g_byte_array_append (worker->out, data, size);
  if (worker->out_source == NULL && !worker_flush (worker))
    worker->out_source = attach_source (worker, g_unix_fd_source_new (worker->fd, G_IO_OUT),
                                        worker_on_writable, "[concurra] worker request");
}

/* The worker's process has exited: the socket's last bytes are read (a
 * reply written before it exited still counts), then its call, if any,
 * fails with what became of it. */
static void
worker_on_exit (ConcurraChild *child,
                gpointer       user_data)
{
  Worker *worker = user_data;
  ConcurraWorkerPool *pool = worker->pool;
  Call *call;

  /* a reply read now ends its task, but the worker is not given back */
  worker->ending = TRUE;
  worker_set_idle (worker, FALSE);
  worker_read (worker);
  call = g_steal_pointer (&worker->call);
  if (call != NULL)
    {
      if (g_cancellable_is_cancelled (call->cancellable))
        {
          GError *error = NULL;

          g_cancellable_set_error_if_cancelled (call->cancellable, &error);
          concurra_task_return_error (call->task, error);
        }
      else if (worker->failure != NULL)
        concurra_task_return_error (call->task, g_steal_pointer (&worker->failure));
      else
        {
          g_autofree char *how = concurra_child_describe_exit (child);

          concurra_task_return_new_error (call->task, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED,
                                          "Worker process %d %s while running '%s'",
                                          worker->pid, how, call->task->process->function);
        }
      call->worker = NULL;
      call_finish (call);
    }

  /* what its functions started and left behind goes with it */
  concurra_child_signal_group (child, SIGKILL);
  worker_set_idle (worker, FALSE);
  worker_free (worker);
  if (--pool->n_live == 0 && pool->closing && pool->closed_func != NULL)
    {
      ConcurraPoolClosedFunc func = g_steal_pointer (&pool->closed_func);

      func (pool->closed_data);
    }
}

/* On the owner context: the attempt is stopped, and its worker with it;
 * the attempt finishes when the worker is reaped. */
static void
on_call_cancelled (GCancellable *cancellable,
                   Call         *call)
{
  if (call->worker != NULL)
    worker_end (call->worker, NULL, SIGTERM, KILL_GRACE_MS);
}

static Worker *
pool_take (ConcurraWorkerPool  *pool,
           GError             **error)
{
  Worker *worker;

  if (pool->idle.head == NULL)
    return worker_launch (pool, error);
  worker = pool->idle.head->data;
  worker_set_idle (worker, FALSE);
  return worker;
}

static GBytes *
request_frame (guint64              id,
               ConcurraProcessCall *call)
{
  GVariant *fields[3];

  /* built from its parts: g_variant_new() would parse a format string */
  fields[0] = g_variant_new_uint64 (id);
  fields[1] = g_variant_new_string (call->function);
  fields[2] = g_variant_new_variant (call->args ? call->args : g_variant_new_tuple (NULL, 0));
  return concurra_protocol_encode_frame (g_variant_new_tuple (fields, G_N_ELEMENTS (fields)));
}

static gboolean
check_args_depth (ConcurraProcessCall  *call,
                  GError              **error)
{
  g_autofree char *what = g_strdup_printf ("The arguments of '%s' are", call->function);

  return concurra_protocol_check_depth (call->args, what, error);
}

static void
process_start (ConcurraTask       *task,
               GCancellable       *cancellable,
               ConcurraFinishFunc  finish,
               gpointer            finish_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = NULL;
  Worker *worker;
  Call *call;

  if (g_cancellable_is_cancelled (cancellable))
    {
      finish (task, finish_data);
      return;
    }
  if (task->process->args != NULL && !check_args_depth (task->process, &error))
    {
      concurra_task_return_error (task, g_steal_pointer (&error));
      finish (task, finish_data);
      return;
    }
  worker = pool_take (task->process->pool, &error);
  if (worker == NULL)
    {
      concurra_task_return_new_error (task, CONCURRA_ERROR, CONCURRA_ERROR_WORKER_CRASHED,
                                      "Could not start a worker process: %s", error->message);
      finish (task, finish_data);
      return;
    }

  frame = request_frame (worker->next_id + 1, task->process);
  if (g_bytes_get_size (frame) - CONCURRA_PROTOCOL_HEADER_SIZE > CONCURRA_PROTOCOL_MAX_MESSAGE)
    {
      concurra_task_return_new_error (task, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                                      "The arguments of '%s' take %" G_GSIZE_FORMAT " bytes, over "
                                      "the limit of %u bytes (64 MiB) a message to a worker may hold",
                                      task->process->function,
                                      g_bytes_get_size (frame) - CONCURRA_PROTOCOL_HEADER_SIZE,
                                      (guint) CONCURRA_PROTOCOL_MAX_MESSAGE);
      pool_give_back (worker->pool, worker);
      finish (task, finish_data);
      return;
    }

  call = g_new0 (Call, 1);
  call->task = task;
  call->worker = worker;
  call->finish = finish;
  call->finish_data = finish_data;
  call->cancellable = g_object_ref (cancellable);
  call->id = ++worker->next_id;
  worker->call = call;
  worker_send (worker, frame);
  call->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_call_cancelled), call, NULL);
}

const ConcurraExecutor concurra_process_executor = {
  .name = "process",
  .mode = CONCURRA_EXECUTION_MODE_PROCESS,
  .on_lane = FALSE,
  .start = process_start,
};

/* ---- the pool ---- */

static char **
default_command (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  char *argv[] = { self, NULL };

  return g_strdupv (argv);
}

ConcurraWorkerPool *
concurra_worker_pool_new (GMainContext           *context,
                          const char * const     *command,
                          const ConcurraLauncher *launcher)
{
  ConcurraWorkerPool *pool = g_atomic_rc_box_new0 (ConcurraWorkerPool);

  g_queue_init (&pool->idle);
  pool->context = g_main_context_ref (context);
  pool->command = command ? g_strdupv ((char **) command) : default_command ();
  pool->launcher = launcher ? launcher : &concurra_local_launcher;
  return pool;
}

static void
pool_clear (ConcurraWorkerPool *pool)
{
  g_assert (pool->n_live == 0);
  g_strfreev (pool->command);
  if (pool->launcher->free != NULL)
    pool->launcher->free ((ConcurraLauncher *) pool->launcher);
  g_main_context_unref (pool->context);
}

static ConcurraWorkerPool *
pool_ref (ConcurraWorkerPool *pool)
{
  return g_atomic_rc_box_acquire (pool);
}

void
concurra_worker_pool_unref (ConcurraWorkerPool *pool)
{
  g_atomic_rc_box_release_full (pool, (GDestroyNotify) pool_clear);
}

/* On the owner context, once no task needs the pool any more: the idle
 * workers see their socket close and exit (or are ended after a grace
 * period). Returns TRUE when every worker is reaped; otherwise @func is
 * called when they are, the first time this is called. */
gboolean
concurra_worker_pool_close (ConcurraWorkerPool     *pool,
                            ConcurraPoolClosedFunc  func,
                            gpointer                data)
{
  GList *link;

  if (!pool->closing)
    {
      pool->closing = TRUE;
      pool->closed_func = func;
      pool->closed_data = data;
      while ((link = pool->idle.head) != NULL)
        {
          Worker *worker = link->data;

          shutdown (worker->fd, SHUT_WR);
          /* leaves the idle queue */
          worker_end (worker, NULL, 0, EXIT_GRACE_MS);
        }
    }
  return pool->n_live == 0;
}

gboolean
concurra_worker_pool_is_closed (ConcurraWorkerPool *pool)
{
  return pool->closing && pool->n_live == 0;
}

/* ---- in this process, for a thread mode runner ---- */

static void
call_here (ConcurraTask *task,
           GCancellable *cancellable,
           gpointer      user_data)
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

void
concurra_process_call_free (ConcurraProcessCall *call)
{
  g_free (call->function);
  g_clear_pointer (&call->args, g_variant_unref);
  g_clear_pointer (&call->pool, concurra_worker_pool_unref);
  g_free (call);
}

/* Process mode: the task runs in @pool's workers. */
void
concurra_process_call_set_pool (ConcurraTask       *task,
                                ConcurraWorkerPool *pool)
{
  ConcurraProcessCall *call = task->process;

  g_clear_pointer (&call->pool, concurra_worker_pool_unref);
  call->pool = pool_ref (pool);
  task->executor = &concurra_process_executor;
}

/**
 * concurra_task_new_process:
 * @function_name: a function registered with [func@Concurra.Worker.register]
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

  task = concurra_task_new (function_name, call_here, NULL, NULL);
  call = g_new0 (ConcurraProcessCall, 1);
  call->function = g_strdup (function_name);
  call->args = args ? g_variant_ref_sink (args) : NULL;
  task->process = call;
  return task;
}
