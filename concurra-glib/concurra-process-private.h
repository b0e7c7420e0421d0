/* concurra-process-private.h: process tasks and the pool of worker
 * processes that runs them; helpers shared with command tasks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "concurra-task-private.h"

G_BEGIN_DECLS

typedef struct _ConcurraWorkerPool ConcurraWorkerPool;
typedef struct _ConcurraProcessCall ConcurraProcessCall;

ConcurraWorkerPool *concurra_worker_pool_new     (const char * const *command);
void                concurra_worker_pool_close   (ConcurraWorkerPool *pool);
void                concurra_process_call_free   (ConcurraProcessCall *call);
void                concurra_process_call_set_pool (ConcurraProcessCall *call,
                                                  ConcurraWorkerPool  *pool);
void                concurra_process_abandon     (ConcurraTask       *task,
                                                  gboolean            wait);

void                concurra_signal_group        (GSubprocess        *process,
                                                  int                 signum);
void                concurra_child_setup         (gpointer            user_data);
void                concurra_reap_process        (GSubprocess        *process,
                                                  guint               patience_ms);
void                concurra_terminate_process   (GSubprocess        *process);
char               *concurra_describe_exit       (GSubprocess        *process);

G_END_DECLS
