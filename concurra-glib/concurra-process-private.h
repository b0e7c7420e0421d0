/* concurra-process-private.h: process tasks, their executor, and the
 * pool of worker processes that runs them.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-child-private.h"
#include "concurra-task-private.h"

G_BEGIN_DECLS

typedef struct _ConcurraWorkerPool ConcurraWorkerPool;
typedef struct _ConcurraLauncher ConcurraLauncher;

/* Starts a worker process running @argv whose end of the protocol channel
 * is @channel_fd (it may be closed once this returns); @on_exit is called
 * on the thread-default context when the process has exited. */
struct _ConcurraLauncher
{
  const char      *name;
  void           (*free)   (ConcurraLauncher        *launcher);  /* NULL: static */
  ConcurraChild *(*launch) (const ConcurraLauncher  *launcher,
                            const char * const      *argv,
                            int                      channel_fd,
                            ConcurraChildFunc        on_exit,
                            gpointer                 user_data,
                            GError                 **error);
};

typedef void (*ConcurraPoolClosedFunc) (gpointer data);

/* A worker process asked, while it runs a call, for a service of its
 * parent (see CONCURRA_PROTOCOL_SERVICE_BIT): called on the owner context.
 * The service answers by calling concurra_service_reply() exactly once, at
 * once or later; @cancellable fires when the call ends first. */
typedef struct _ConcurraServiceReply ConcurraServiceReply;
typedef void (*ConcurraServiceFunc) (const char           *name,
                                     GVariant             *args,
                                     GCancellable         *cancellable,
                                     ConcurraServiceReply *reply,
                                     gpointer              user_data);

extern const ConcurraLauncher concurra_local_launcher;

/* concurra-launcher-command.c: workers started through a command prefix
 * (`ssh HOST`, an srun line), the protocol on their standard input and
 * output */
const ConcurraLauncher *concurra_command_launcher_new (const char * const *prefix);
extern const ConcurraExecutor concurra_process_executor;

ConcurraWorkerPool *concurra_worker_pool_new     (GMainContext           *context,
                                                  const char * const     *command,
                                                  const ConcurraLauncher *launcher);
gboolean            concurra_worker_pool_close   (ConcurraWorkerPool     *pool,
                                                  ConcurraPoolClosedFunc  func,
                                                  gpointer                data);
gboolean            concurra_worker_pool_is_closed (ConcurraWorkerPool   *pool);
void                concurra_worker_pool_unref   (ConcurraWorkerPool     *pool);
void                concurra_process_call_free   (ConcurraProcessCall    *call);
void                concurra_worker_pool_set_service (ConcurraWorkerPool *pool,
                                                  ConcurraServiceFunc     func,
                                                  gpointer                data);
void                concurra_service_reply       (ConcurraServiceReply   *reply,
                                                  GVariant               *value,
                                                  const GError           *error);
void                concurra_process_call_set_pool (ConcurraTask         *task,
                                                  ConcurraWorkerPool     *pool);

G_END_DECLS
