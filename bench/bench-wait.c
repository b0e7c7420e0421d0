/* bench-wait.c: the futures side of the runner — how fast a blocked waiter
 * wakes up, how gather and the task stream scale, and (under strace, see
 * bench/idle-wait.sh) that a long wait makes no periodic wakeups.
 *
 *   bench-wait latency [--trials N] [--warmup W] [--gap-us G] [--concurrency C] [--busy B]
 *   bench-wait floor   [--trials N] [--warmup W] [--gap-us G] [--hops 1|2] [--busy B]
 *   bench-wait gather  N [--reps R] [--concurrency C]
 *   bench-wait stream  N [--reps R] [--concurrency C]
 *   bench-wait idle    [--seconds S] [--api wait|wait-timeout|wait-async|task-wait|gather|stream|poll-1ms]
 *
 * latency: a runner started with concurra_runner_start() holds N+W tasks,
 * each blocked on its own gate. For each trial the waiting (main) thread
 * tells a releaser thread "about to wait" and calls
 * concurra_wait (FIRST_COMPLETED) on that one task; the releaser sleeps G µs
 * (so the waiter is surely blocked) and opens the gate. The task's last
 * action is to read CLOCK_MONOTONIC (the clock of g_get_monotonic_time(),
 * read in ns); the waiter reads it again as soon as concurra_wait()
 * returns. The difference is the wake-up latency: median, p90, p99, max.
 * Trials in which the gate opened before the waiter even entered
 * concurra_wait() (a badly preempted waiter) are counted and left out.
 * --busy B adds B threads that spin on the CPU throughout (a process busy
 * with other work while it waits; with B = 1 on 2 CPUs the wake-up chain
 * shares one CPU with the spinner).
 *
 * floor: the same trial with no concurra code, to read the latency against:
 * --hops 1, the task's thread sets a flag under a GMutex and broadcasts a
 * GCond the waiter sleeps on (the least a cross-thread wake-up costs here);
 * --hops 2, the task's thread wakes a GMainContext iterated by a second
 * thread (a ready-time GSource, as the runner's hub does), whose dispatch
 * broadcasts the waiter's GCond — the shape of concurra's path, where a
 * lane reports to the runner's owner thread, which announces the
 * completion to the waiters.
 *
 * gather / stream: N tasks on a started runner, the first N/2 no-ops that
 * have all finished before the call, the other N/2 blocked on one shared
 * gate; the input array interleaves them (finished, unfinished, finished,
 * ...). A releaser thread opens the gate once the main thread is asleep in
 * the call (state S in a futex, read from /proc/self/task/TID), and the call
 * is timed: concurra_gather(), or draining a ConcurraTaskStream with
 * concurra_task_stream_next() until it returns NULL. Also timed: the same
 * call again once every task is done (pure per-task overhead), and, in
 * alternation, a control run: the same scenario waited on with
 * concurra_wait on its last two tasks only (the runner's own work).
 * Printed: total, ns per input task, the part before the call went to
 * sleep (registration; an upper bound, seen at most ~2% late), the part
 * after the gate opened, the tail from the last task's return to the
 * call's return, the time over the control, the calling thread's
 * user-space instructions, cycles, cache and dTLB misses per task
 * (perf_event_open, -1 where not permitted) and the context switches of
 * the caller and of the process during the call.
 *
 * idle: one task sleeping S seconds on a started runner; the main thread
 * waits for it with the chosen API (poll-1ms is the counter-example: a
 * loop of 1 ms timed waits, i.e. polling at Concurry's shortest interval).
 * Prints, for bench/idle-wait.sh,
 *   MAIN <tid> / WAITER <tid> / TASK-THREAD <tid> / THREAD <tid> <comm> /
 *   WINDOW-START <epoch s> / WINDOW-END <epoch s>
 *
 * Every measurement ends in a "RESULT name=..." line for bench/compare.py.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <concurra.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "bench-common.h"

static inline gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* ---- gates ---- */

typedef struct
{
  GMutex  lock;
  GCond   cond;
  gboolean open;
  gint64  opened_ns;     /* set by the releaser */
  gint64  returned_ns;   /* set by the task, its last action */
} Gate;

static void
gate_init (Gate *gate)
{
  g_mutex_init (&gate->lock);
  g_cond_init (&gate->cond);
  gate->open = FALSE;
  gate->opened_ns = gate->returned_ns = 0;
}

static void
gate_clear (Gate *gate)
{
  g_mutex_clear (&gate->lock);
  g_cond_clear (&gate->cond);
}

static void
gate_open (Gate *gate)
{
  g_mutex_lock (&gate->lock);
  gate->opened_ns = now_ns ();
  gate->open = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

static void
gate_pass (Gate *gate)
{
  g_mutex_lock (&gate->lock);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
}

/* ---- statistics ---- */

typedef struct
{
  double median, p90, p99, max, min, mean;
} Stats;

static double
percentile (const double *sorted,
            guint         n,
            double        p)
{
  double rank = p * (n - 1);
  guint lo = (guint) rank;
  guint hi = MIN (lo + 1, n - 1);

  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

static Stats
stats_of (double *values,
          guint   n)
{
  Stats s = { 0 };
  double sum = 0;

  if (n == 0)
    return s;
  s.median = bench_median (values, n);   /* sorts */
  s.p90 = percentile (values, n, 0.90);
  s.p99 = percentile (values, n, 0.99);
  s.min = values[0];
  s.max = values[n - 1];
  for (guint i = 0; i < n; i++)
    sum += values[i];
  s.mean = sum / n;
  return s;
}

/* ---- the releaser of the latency trials ---- */

typedef struct
{
  GAsyncQueue *queue;    /* gate pointers; the queue itself is the stop mark */
  gulong       gap_us;
} Releaser;

static gpointer
releaser_thread (gpointer data)
{
  Releaser *r = data;

  for (;;)
    {
      gpointer item = g_async_queue_pop (r->queue);

      if (item == r->queue)
        break;
      g_usleep (r->gap_us);
      gate_open (item);
    }
  return NULL;
}

typedef struct
{
  guint   trials, warmup, gap_us, concurrency, hops, busy;
} LatencyOptions;

/* --busy N: N threads spinning on the CPU for the whole measurement, a
 * process that does other work while it waits. */
static gint busy_stop;

static gpointer
busy_thread (gpointer data)
{
  volatile guint64 x = 0;

  while (!g_atomic_int_get (&busy_stop))
    x++;
  return NULL;
}

static GPtrArray *
busy_start (guint n)
{
  GPtrArray *threads = g_ptr_array_new ();

  g_atomic_int_set (&busy_stop, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (threads, g_thread_new ("busy", busy_thread, NULL));
  return threads;
}

static void
busy_stop_all (GPtrArray *threads)
{
  g_atomic_int_set (&busy_stop, 1);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));
  g_ptr_array_unref (threads);
}

static void
print_latency (const char           *name,
               const LatencyOptions *o,
               double               *lat_us,
               guint                 n,
               guint                 n_late,
               const char           *extra)
{
  Stats s = stats_of (lat_us, n);

  printf ("%s: %u trials (%u warm-up and %u with the gate opened before the wait left out), "
          "gap %u us, %u busy threads\n", name, n, o->warmup, n_late, o->gap_us, o->busy);
  printf ("  wake-up latency us: median %.1f  p90 %.1f  p99 %.1f  max %.1f  min %.1f  mean %.1f\n",
          s.median, s.p90, s.p99, s.max, s.min, s.mean);
  printf ("RESULT name=%s trials=%u late=%u gap_us=%u busy=%u median_us=%.3f p90_us=%.3f p99_us=%.3f "
          "max_us=%.3f min_us=%.3f mean_us=%.3f%s\n",
          name, n, n_late, o->gap_us, o->busy, s.median, s.p90, s.p99, s.max, s.min, s.mean, extra ? extra : "");
  fflush (stdout);
}

/* ---- latency: concurra_wait (FIRST_COMPLETED) on a started runner ---- */

static void
gated_task (ConcurraTask *task,
            GCancellable *cancellable,
            gpointer      user_data)
{
  Gate *gate = user_data;

  gate_pass (gate);
  gate->returned_ns = now_ns ();   /* last action */
}

static int
run_latency (const LatencyOptions *o)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("bench-wait");
  guint total = o->trials + o->warmup;
  Gate *gates = g_new (Gate, total);
  ConcurraTask **tasks = g_new (ConcurraTask *, total);
  double *lat = g_new (double, total);
  Releaser rel = { g_async_queue_new (), o->gap_us };
  GThread *releaser;
  GPtrArray *busy;
  GHashTable *results;
  guint n = 0, n_late = 0;

  concurra_runner_set_max_concurrency (runner, o->concurrency);
  concurra_runner_set_verify_on_finish (runner, FALSE);
  for (guint i = 0; i < total; i++)
    {
      gate_init (&gates[i]);
      tasks[i] = concurra_runner_add_task (runner, NULL, NULL, gated_task, &gates[i], NULL, &error);
      if (tasks[i] == NULL)
        g_error ("add: %s", error->message);
    }
  if (!concurra_runner_start (runner, &error))
    g_error ("start: %s", error->message);
  releaser = g_thread_new ("releaser", releaser_thread, &rel);
  busy = busy_start (o->busy);

  for (guint i = 0; i < total; i++)
    {
      g_autoptr(GPtrArray) done = NULL;
      gint64 entered, returned;

      g_async_queue_push (rel.queue, &gates[i]);   /* "about to wait" */
      entered = now_ns ();
      if (!concurra_wait (&tasks[i], 1, CONCURRA_RETURN_WHEN_FIRST_COMPLETED, -1,
                          NULL, &done, NULL, &error))
        g_error ("wait: %s", error->message);
      returned = now_ns ();
      if (done->len != 1 || gates[i].returned_ns == 0)
        g_error ("trial %u: wait returned before the task was done", i);
      if (i < o->warmup)
        continue;
      if (gates[i].opened_ns <= entered)
        {
          n_late++;
          continue;
        }
      lat[n++] = (returned - gates[i].returned_ns) / 1e3;
    }

  busy_stop_all (busy);
  g_async_queue_push (rel.queue, rel.queue);
  g_thread_join (releaser);
  results = concurra_runner_wait (runner, NULL, &error);
  if (results == NULL)
    g_error ("run: %s", error->message);
  g_hash_table_unref (results);

  {
    g_autofree char *extra = g_strdup_printf (" concurrency=%u", o->concurrency);
    print_latency ("wait-latency", o, lat, n, n_late, extra);
  }

  for (guint i = 0; i < total; i++)
    gate_clear (&gates[i]);
  g_async_queue_unref (rel.queue);
  g_free (gates);
  g_free (tasks);
  g_free (lat);
  return 0;
}

/* ---- floor: the same trial without concurra ---- */

typedef struct
{
  Gate          *gates;
  guint          total;
  /* the waiter's side */
  GMutex         lock;
  GCond          cond;
  guint          n_done;
  /* hops = 2: the relay thread's context and its source */
  GMainContext  *context;
  GMainLoop     *loop;
  GSource       *relay;
  gint           n_reported;   /* atomic, written by the task thread */
} Floor;

static void
floor_done (Floor *f,
            guint  n_done)
{
  g_mutex_lock (&f->lock);
  f->n_done = n_done;
  g_cond_broadcast (&f->cond);
  g_mutex_unlock (&f->lock);
}

static gboolean
relay_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  Floor *f = user_data;

  g_source_set_ready_time (source, -1);
  floor_done (f, (guint) g_atomic_int_get (&f->n_reported));
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs relay_funcs = { .dispatch = relay_dispatch };

static gpointer
relay_thread (gpointer data)
{
  Floor *f = data;

  g_main_context_push_thread_default (f->context);
  g_main_loop_run (f->loop);
  g_main_context_pop_thread_default (f->context);
  return NULL;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static gpointer
floor_task_thread (gpointer data)
{
  Floor *f = data;

  for (guint i = 0; i < f->total; i++)
    {
      gate_pass (&f->gates[i]);
      f->gates[i].returned_ns = now_ns ();
      if (f->context == NULL)
        floor_done (f, i + 1);
      else
        {
          g_atomic_int_set (&f->n_reported, (gint) (i + 1));
          g_source_set_ready_time (f->relay, 0);
        }
    }
  return NULL;
}

static int
run_floor (const LatencyOptions *o)
{
  guint total = o->trials + o->warmup;
  Floor f = { .gates = g_new (Gate, total), .total = total };
  double *lat = g_new (double, total);
  Releaser rel = { g_async_queue_new (), o->gap_us };
  GThread *releaser, *task_thread, *relay = NULL;
  GPtrArray *busy;
  guint n = 0, n_late = 0;

  g_mutex_init (&f.lock);
  g_cond_init (&f.cond);
  for (guint i = 0; i < total; i++)
    gate_init (&f.gates[i]);
  if (o->hops == 2)
    {
      f.context = g_main_context_new ();
      f.loop = g_main_loop_new (f.context, FALSE);
      f.relay = g_source_new (&relay_funcs, sizeof (GSource));
      g_source_set_callback (f.relay, NULL, &f, NULL);
      g_source_attach (f.relay, f.context);
      relay = g_thread_new ("relay", relay_thread, &f);
    }
  task_thread = g_thread_new ("task", floor_task_thread, &f);
  releaser = g_thread_new ("releaser", releaser_thread, &rel);
  busy = busy_start (o->busy);

  for (guint i = 0; i < total; i++)
    {
      gint64 entered, returned;

      g_async_queue_push (rel.queue, &f.gates[i]);
      entered = now_ns ();
      g_mutex_lock (&f.lock);
      while (f.n_done < i + 1)
        g_cond_wait (&f.cond, &f.lock);
      g_mutex_unlock (&f.lock);
      returned = now_ns ();
      if (i < o->warmup)
        continue;
      if (f.gates[i].opened_ns <= entered)
        {
          n_late++;
          continue;
        }
      lat[n++] = (returned - f.gates[i].returned_ns) / 1e3;
    }

  busy_stop_all (busy);
  g_async_queue_push (rel.queue, rel.queue);
  g_thread_join (releaser);
  g_thread_join (task_thread);
  if (relay != NULL)
    {
      GSource *quit = g_idle_source_new ();

      g_source_set_callback (quit, quit_loop, f.loop, NULL);
      g_source_attach (quit, f.context);
      g_source_unref (quit);
      g_thread_join (relay);
      g_source_destroy (f.relay);
      g_source_unref (f.relay);
      g_main_loop_unref (f.loop);
      g_main_context_unref (f.context);
    }

  print_latency (o->hops == 2 ? "wait-floor-2hop" : "wait-floor-1hop", o, lat, n, n_late, NULL);

  for (guint i = 0; i < total; i++)
    gate_clear (&f.gates[i]);
  g_mutex_clear (&f.lock);
  g_cond_clear (&f.cond);
  g_async_queue_unref (rel.queue);
  g_free (f.gates);
  g_free (lat);
  return 0;
}

/* ---- gather and stream over N tasks, half finished ---- */

static void
noop (ConcurraTask *task,
      GCancellable *cancellable,
      gpointer      user_data)
{
}

typedef struct
{
  Gate    gate;
  gint64 *returned_ns;    /* one slot per gated task */
  guint   n_gated;
  gint    next_slot;      /* atomic */
} Shared;

static void
shared_gated_task (ConcurraTask *task,
                   GCancellable *cancellable,
                   gpointer      user_data)
{
  Shared *s = user_data;
  guint slot;

  gate_pass (&s->gate);
  slot = (guint) g_atomic_int_add (&s->next_slot, 1);
  if (slot < s->n_gated)
    s->returned_ns[slot] = now_ns ();
}

/* Whether thread @tid is asleep in a futex (or, where the syscall file
 * cannot be read, in any interruptible sleep). */
static gboolean
thread_is_asleep (pid_t tid)
{
  char path[64], buf[512];
  const char *state;
  FILE *fp;
  size_t len;
  long nr;

  g_snprintf (path, sizeof path, "/proc/self/task/%d/stat", (int) tid);
  if ((fp = fopen (path, "r")) == NULL)
    return FALSE;
  len = fread (buf, 1, sizeof buf - 1, fp);
  fclose (fp);
  buf[len] = '\0';
  state = strrchr (buf, ')');
  if (state == NULL || state[1] != ' ' || state[2] != 'S')
    return FALSE;

  g_snprintf (path, sizeof path, "/proc/self/task/%d/syscall", (int) tid);
  if ((fp = fopen (path, "r")) == NULL)
    return TRUE;
  len = fread (buf, 1, sizeof buf - 1, fp);
  fclose (fp);
  buf[len] = '\0';
  if (len == 0)
    return TRUE;
  nr = strtol (buf, NULL, 10);
  return nr == SYS_futex;
}

typedef struct
{
  Shared *shared;
  pid_t   waiter_tid;
  gint    calling;        /* atomic: the waiter is about to make the call */
  gint64  blocked_ns;     /* when the waiter was first seen asleep */
} GateReleaser;

static gpointer
gate_releaser_thread (gpointer data)
{
  GateReleaser *r = data;
  gint64 start;

  /* sleeps as asked, without the default 50 us timer slack on top */
  prctl (PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  while (!g_atomic_int_get (&r->calling))
    g_usleep (20);
  /* polls /proc about 64 times per doubling of the elapsed time (20 us to
   * 2 ms apart): the sleep is seen at most ~2% late, and the reads of the
   * waiter's /proc files stay too few to slow it down */
  start = now_ns ();
  while (!thread_is_asleep (r->waiter_tid))
    g_usleep (CLAMP ((now_ns () - start) / 64000, 20, 2000));
  r->blocked_ns = now_ns ();
  gate_open (&r->shared->gate);
  return NULL;
}

/* User-space hardware counters of the calling thread (perf_event_open;
 * values are -1 where unavailable): they show the work of a call apart
 * from the memory stalls that make its time per task depend on the size. */
enum { CNT_INSTRUCTIONS, CNT_CYCLES, CNT_CACHE_MISSES, CNT_DTLB_MISSES, N_COUNTERS };

typedef struct
{
  int    fd[N_COUNTERS];
  double value[N_COUNTERS];
} Counters;

static void
counters_open (Counters *c)
{
  static const struct { guint32 type; guint64 config; } defs[N_COUNTERS] = {
    { PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
    { PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
    { PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
    { PERF_TYPE_HW_CACHE, PERF_COUNT_HW_CACHE_DTLB | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
                          (PERF_COUNT_HW_CACHE_RESULT_MISS << 16) },
  };

  for (guint i = 0; i < N_COUNTERS; i++)
    {
      struct perf_event_attr attr = { 0 };

      attr.size = sizeof attr;
      attr.type = defs[i].type;
      attr.config = defs[i].config;
      attr.disabled = 1;
      attr.exclude_kernel = 1;
      attr.exclude_hv = 1;
      c->fd[i] = (int) syscall (SYS_perf_event_open, &attr, 0, -1, -1, 0);
      c->value[i] = -1;
    }
}

static void
counters_start (Counters *c)
{
  for (guint i = 0; i < N_COUNTERS; i++)
    if (c->fd[i] >= 0)
      {
        ioctl (c->fd[i], PERF_EVENT_IOC_RESET, 0);
        ioctl (c->fd[i], PERF_EVENT_IOC_ENABLE, 0);
      }
}

static void
counters_stop (Counters *c)
{
  for (guint i = 0; i < N_COUNTERS; i++)
    {
      guint64 v;

      c->value[i] = -1;
      if (c->fd[i] >= 0)
        {
          ioctl (c->fd[i], PERF_EVENT_IOC_DISABLE, 0);
          if (read (c->fd[i], &v, sizeof v) == sizeof v)
            c->value[i] = (double) v;
        }
    }
}

static void
counters_close (Counters *c)
{
  for (guint i = 0; i < N_COUNTERS; i++)
    if (c->fd[i] >= 0)
      close (c->fd[i]);
}

/* Voluntary + involuntary context switches of thread @tid so far (a
 * voluntary one is a sleep: a futex wait, a poll). */
static double
thread_switches (pid_t tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/status", (int) tid);
  g_autofree char *contents = NULL;
  const char *p;
  double n = 0;

  if (tid <= 0 || !g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  if ((p = strstr (contents, "voluntary_ctxt_switches:")) != NULL)
    n += g_ascii_strtod (p + strlen ("voluntary_ctxt_switches:"), NULL);
  if ((p = strstr (contents, "nonvoluntary_ctxt_switches:")) != NULL)
    n += g_ascii_strtod (p + strlen ("nonvoluntary_ctxt_switches:"), NULL);
  return n;
}

/* Context switches of the whole process so far, threads that ended
 * included (the runner's thread ends with the run). */
static double
process_switches (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (double) ru.ru_nvcsw + (double) ru.ru_nivcsw;
}

typedef enum {
  CALL_CONTROL,   /* concurra_wait (ALL) on the last two gated tasks only */
  CALL_GATHER,
  CALL_STREAM,
} CallKind;

typedef struct
{
  ConcurraRunner  *runner;
  ConcurraTask   **input;      /* interleaved */
  ConcurraTask    *last[2];    /* the last two gated tasks: the last to run */
  Shared           shared;
} Scenario;

static void
make_scenario (guint     n,
               guint     concurrency,
               Scenario *sc)
{
  g_autoptr(GError) error = NULL;
  ConcurraRunner *runner = concurra_runner_new ("bench-wait");
  guint n_done = n / 2, n_gated = n - n_done;
  ConcurraTask **done = g_new (ConcurraTask *, n_done);
  ConcurraTask **gated = g_new (ConcurraTask *, n_gated);
  ConcurraTask **input = g_new (ConcurraTask *, n);
  Shared *shared = &sc->shared;
  guint k = 0;

  gate_init (&shared->gate);
  shared->returned_ns = g_new0 (gint64, n_gated);
  shared->n_gated = n_gated;
  shared->next_slot = 0;

  concurra_runner_set_max_concurrency (runner, concurrency);
  concurra_runner_set_verify_on_finish (runner, FALSE);
  for (guint i = 0; i < n_done; i++)
    if ((done[i] = concurra_runner_add_task (runner, NULL, NULL, noop, NULL, NULL, &error)) == NULL)
      g_error ("add: %s", error->message);
  for (guint i = 0; i < n_gated; i++)
    if ((gated[i] = concurra_runner_add_task (runner, NULL, NULL, shared_gated_task, shared, NULL,
                                              &error)) == NULL)
      g_error ("add: %s", error->message);
  /* interleaved: finished, unfinished, finished, ... */
  for (guint i = 0; i < MAX (n_done, n_gated); i++)
    {
      if (i < n_done)
        input[k++] = done[i];
      if (i < n_gated)
        input[k++] = gated[i];
    }
  sc->last[0] = gated[n_gated > 1 ? n_gated - 2 : 0];
  sc->last[1] = gated[n_gated - 1];
  g_free (done);
  g_free (gated);

  if (!concurra_runner_start (runner, &error))
    g_error ("start: %s", error->message);
  while (concurra_runner_get_n_completed (runner) < n_done)
    g_usleep (1000);
  for (guint i = 0; i < n; i++)
    g_assert_true (concurra_task_is_done (input[i]) == (i % 2 == 0 && i < 2 * n_done));
  g_usleep (10000);

  sc->runner = runner;
  sc->input = input;
}

static void
finish_scenario (Scenario *sc)
{
  g_autoptr(GError) error = NULL;
  GHashTable *results = concurra_runner_wait (sc->runner, NULL, &error);

  if (results == NULL)
    g_error ("run: %s", error->message);
  g_hash_table_unref (results);
  g_object_unref (sc->runner);
  g_free (sc->input);
  g_free (sc->shared.returned_ns);
  gate_clear (&sc->shared.gate);
}

static gint64
last_returned (Shared *s)
{
  gint64 last = 0;

  for (guint i = 0; i < s->n_gated; i++)
    last = MAX (last, s->returned_ns[i]);
  return last;
}

static guint
drain_stream (ConcurraTask **input,
              guint          n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraTaskStream) stream = concurra_task_stream_new (input, n);
  ConcurraTask *task;
  guint count = 0, index;

  while ((task = concurra_task_stream_next (stream, -1, NULL, &index, &error)) != NULL)
    {
      if (index >= n || input[index] != task || !concurra_task_is_done (task))
        g_error ("stream: bad task at position %u", count);
      g_object_unref (task);
      count++;
    }
  if (error != NULL)
    g_error ("stream: %s", error->message);
  return count;
}

static void
do_call (CallKind   kind,
         Scenario  *sc,
         guint      n)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *res;

  switch (kind)
    {
    case CALL_CONTROL:
      if (!concurra_wait (sc->last, 2, CONCURRA_RETURN_WHEN_ALL_COMPLETED, -1, NULL, NULL, NULL, &error))
        g_error ("wait: %s", error->message);
      if (!concurra_task_is_done (sc->last[0]) || !concurra_task_is_done (sc->last[1]))
        g_error ("control: wait returned early");
      return;
    case CALL_STREAM:
      if (drain_stream (sc->input, n) != n)
        g_error ("stream returned the wrong number of tasks");
      return;
    case CALL_GATHER:
    default:
      res = concurra_gather (sc->input, n, CONCURRA_GATHER_NONE, -1, NULL, &error);
      if (res == NULL)
        g_error ("gather: %s", error->message);
      if (res->len != n)
        g_error ("gather returned the wrong number of tasks");
      for (guint i = 0; i < n; i++)
        if (g_ptr_array_index (res, i) != sc->input[i] || !concurra_task_is_done (sc->input[i]))
          g_error ("gather: bad result at %u", i);
      g_ptr_array_unref (res);
      return;
    }
}

typedef struct
{
  double total, before_sleep, after_release, tail, all_done;
  double call_counters[N_COUNTERS], all_done_counters[N_COUNTERS];
  double caller_switches, all_switches;   /* during the call */
} CallTimes;

static CallTimes
one_call (CallKind  kind,
          guint     n,
          guint     concurrency,
          Counters *counters)
{
  Scenario sc;
  GateReleaser rel = { &sc.shared, bench_gettid (), 0, 0 };
  GThread *releaser;
  gint64 t0, t1, t2, t3, last;
  double caller_cs, all_cs;
  CallTimes ct;

  make_scenario (n, concurrency, &sc);
  releaser = g_thread_new ("releaser", gate_releaser_thread, &rel);

  caller_cs = thread_switches (bench_gettid ());
  all_cs = process_switches ();
  g_atomic_int_set (&rel.calling, 1);
  counters_start (counters);
  t0 = now_ns ();
  do_call (kind, &sc, n);
  t1 = now_ns ();
  counters_stop (counters);
  ct.caller_switches = thread_switches (bench_gettid ()) - caller_cs;
  ct.all_switches = process_switches () - all_cs;
  memcpy (ct.call_counters, counters->value, sizeof ct.call_counters);
  g_thread_join (releaser);
  last = last_returned (&sc.shared);

  /* the same call once every task is done */
  counters_start (counters);
  t2 = now_ns ();
  do_call (kind, &sc, n);
  t3 = now_ns ();
  counters_stop (counters);
  memcpy (ct.all_done_counters, counters->value, sizeof ct.all_done_counters);

  ct.total = (t1 - t0) / 1e9;
  ct.before_sleep = (rel.blocked_ns - t0) / 1e9;
  ct.after_release = (t1 - sc.shared.gate.opened_ns) / 1e9;
  ct.tail = (t1 - last) / 1e9;
  ct.all_done = (t3 - t2) / 1e9;
  finish_scenario (&sc);
  return ct;
}

/* The median of field @offset of @reps CallTimes, divided by @n. */
static double
median_of (CallTimes *cts,
           guint      reps,
           gsize      offset,
           double     scale)
{
  double *v = g_new (double, reps), m;

  for (guint r = 0; r < reps; r++)
    v[r] = *(double *) ((char *) &cts[r] + offset);
  m = bench_median (v, reps);
  g_free (v);
  return m < 0 ? -1 : m * scale;
}

#define MED(cts, field, scale) median_of ((cts), reps, G_STRUCT_OFFSET (CallTimes, field), (scale))

static int
run_collect (gboolean stream,
             guint    n,
             guint    reps,
             guint    concurrency)
{
  const char *name = stream ? "stream" : "gather";
  CallKind kind = stream ? CALL_STREAM : CALL_GATHER;
  CallTimes *cts = g_new0 (CallTimes, reps), *ctl = g_new0 (CallTimes, reps);
  double total, best = G_MAXDOUBLE, control, per = 1e9 / n;
  double ins, cyc, llc, tlb, a_ins, a_cyc, a_llc, a_tlb;
  Counters counters;

  counters_open (&counters);
  /* warm up the types and the allocator */
  one_call (kind, MIN (n, 1000), concurrency, &counters);
  /* interleaved with a control that waits for the last two gated tasks
   * only: the same runner work, nearly nothing to wait on */
  for (guint r = 0; r < reps; r++)
    {
      ctl[r] = one_call (CALL_CONTROL, n, concurrency, &counters);
      cts[r] = one_call (kind, n, concurrency, &counters);
      best = MIN (best, cts[r].total);
      printf ("  rep %u: %s %.4f s (asleep after %.4f s; gate open -> return %.4f s; last task -> return "
              "%.1f us; context switches: caller %.0f, all threads %.0f); all done: %.4f s; "
              "control (wait for the last 2) %.4f s (%.0f switches)\n",
              r, name, cts[r].total, cts[r].before_sleep, cts[r].after_release, cts[r].tail * 1e6,
              cts[r].caller_switches, cts[r].all_switches, cts[r].all_done, ctl[r].total,
              ctl[r].all_switches);
    }
  total = MED (cts, total, 1);
  control = MED (ctl, total, 1);
  ins = MED (cts, call_counters[CNT_INSTRUCTIONS], 1.0 / n);
  cyc = MED (cts, call_counters[CNT_CYCLES], 1.0 / n);
  llc = MED (cts, call_counters[CNT_CACHE_MISSES], 1.0 / n);
  tlb = MED (cts, call_counters[CNT_DTLB_MISSES], 1.0 / n);
  a_ins = MED (cts, all_done_counters[CNT_INSTRUCTIONS], 1.0 / n);
  a_cyc = MED (cts, all_done_counters[CNT_CYCLES], 1.0 / n);
  a_llc = MED (cts, all_done_counters[CNT_CACHE_MISSES], 1.0 / n);
  a_tlb = MED (cts, all_done_counters[CNT_DTLB_MISSES], 1.0 / n);

  printf ("%s over %u tasks (half finished, half released once the call sleeps), median of %u:\n"
          "  call %.4f s = %.1f ns/task; before sleeping %.4f s (%.1f ns/task); gate open -> return %.4f s; "
          "last task -> return %.1f us\n"
          "  control (same run, wait for the last 2 tasks only) %.4f s: the %s itself adds %.1f ns/task\n"
          "  calling thread, user space, per task: %.0f instructions, %.0f cycles, %.2f cache misses, "
          "%.2f dTLB misses\n"
          "  same call, all done: %.4f s = %.1f ns/task; per task %.0f instructions, %.0f cycles, "
          "%.2f cache misses, %.2f dTLB misses\n",
          name, n, reps, total, total * per, MED (cts, before_sleep, 1), MED (cts, before_sleep, per),
          MED (cts, after_release, 1), MED (cts, tail, 1e6), control, name, (total - control) * per,
          ins, cyc, llc, tlb, MED (cts, all_done, 1), MED (cts, all_done, per), a_ins, a_cyc, a_llc, a_tlb);
  printf ("RESULT name=%s n=%u reps=%u concurrency=%u total=%.6f best=%.6f ns_per_task=%.2f "
          "before_sleep=%.6f after_release=%.6f tail_us=%.1f control=%.6f added_ns_per_task=%.2f "
          "ins_per_task=%.1f cycles_per_task=%.1f cache_misses_per_task=%.3f dtlb_misses_per_task=%.3f "
          "all_done=%.6f all_done_ns_per_task=%.2f all_done_ins_per_task=%.1f all_done_cycles_per_task=%.1f "
          "all_done_cache_misses_per_task=%.3f all_done_dtlb_misses_per_task=%.3f "
          "caller_switches=%.0f all_switches=%.0f control_all_switches=%.0f\n",
          name, n, reps, concurrency, total, best, total * per, MED (cts, before_sleep, 1),
          MED (cts, after_release, 1), MED (cts, tail, 1e6), control, (total - control) * per,
          ins, cyc, llc, tlb, MED (cts, all_done, 1), MED (cts, all_done, per), a_ins, a_cyc, a_llc, a_tlb,
          MED (cts, caller_switches, 1), MED (cts, all_switches, 1), MED (ctl, all_switches, 1));
  fflush (stdout);
  counters_close (&counters);
  g_free (cts);
  g_free (ctl);
  return 0;
}

/* ---- idle: one long wait, for strace ---- */

static void
sleeper (ConcurraTask *task,
         GCancellable *cancellable,
         gpointer      user_data)
{
  /* the waiter must reach its blocking call before the window opens */
  bench_sleep_window (*(double *) user_data, G_USEC_PER_SEC / 5);
}

static void
on_wait_async (GObject      *source,
               GAsyncResult *result,
               gpointer      loop)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) done = NULL;

  if (!concurra_wait_finish (result, &done, NULL, &error))
    g_error ("wait_async: %s", error->message);
  if (done->len != 1)
    g_error ("wait_async returned before the task was done");
  g_main_loop_quit (loop);
}

static int
run_idle (double      seconds,
          const char *api)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("bench-wait-idle");
  ConcurraTask *task;
  GHashTable *results;

  printf ("MAIN %d\nWAITER %d\nAPI %s\n", (int) bench_gettid (), (int) bench_gettid (), api);
  fflush (stdout);

  concurra_runner_set_max_concurrency (runner, 2);
  concurra_runner_set_verify_on_finish (runner, FALSE);
  task = concurra_runner_add_task (runner, "sleeper", NULL, sleeper, &seconds, NULL, &error);
  if (task == NULL)
    g_error ("add: %s", error->message);
  if (!concurra_runner_start (runner, &error))
    g_error ("start: %s", error->message);

  if (g_str_equal (api, "wait") || g_str_equal (api, "wait-timeout"))
    {
      g_autoptr(GPtrArray) done = NULL;
      double timeout = g_str_equal (api, "wait") ? -1 : 3600;

      if (!concurra_wait (&task, 1, CONCURRA_RETURN_WHEN_FIRST_COMPLETED, timeout, NULL, &done, NULL, &error))
        g_error ("wait: %s", error->message);
      if (done->len != 1)
        g_error ("wait returned before the task was done");
    }
  else if (g_str_equal (api, "wait-async"))
    {
      g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

      concurra_wait_async (&task, 1, CONCURRA_RETURN_WHEN_ALL_COMPLETED, -1, NULL, on_wait_async, loop);
      g_main_loop_run (loop);
    }
  else if (g_str_equal (api, "poll-1ms"))
    {
      /* the reference, not an API: what polling every 1 ms (Concurry's
       * shortest interval) looks like in the same count */
      for (;;)
        {
          g_autoptr(GPtrArray) done = NULL;

          if (!concurra_wait (&task, 1, CONCURRA_RETURN_WHEN_FIRST_COMPLETED, 0.001, NULL, &done, NULL, &error))
            g_error ("wait: %s", error->message);
          if (done->len == 1)
            break;
        }
    }
  else if (g_str_equal (api, "task-wait"))
    {
      if (!concurra_task_wait (task, -1, NULL, &error))
        g_error ("task_wait: %s", error->message);
    }
  else if (g_str_equal (api, "gather"))
    {
      GPtrArray *res = concurra_gather (&task, 1, CONCURRA_GATHER_NONE, -1, NULL, &error);

      if (res == NULL)
        g_error ("gather: %s", error->message);
      g_ptr_array_unref (res);
    }
  else if (g_str_equal (api, "stream"))
    {
      if (drain_stream (&task, 1) != 1)
        g_error ("stream: wrong count");
    }
  else
    {
      g_printerr ("unknown --api %s\n", api);
      return 2;
    }
  if (!concurra_task_is_done (task))
    g_error ("the wait returned before the task was done");

  results = concurra_runner_wait (runner, NULL, &error);
  if (results == NULL)
    g_error ("run: %s", error->message);
  g_hash_table_unref (results);
  return 0;
}

/* ---- command line ---- */

static void
usage (const char *argv0)
{
  g_printerr ("usage: %s latency [--trials N] [--warmup W] [--gap-us G] [--concurrency C] [--busy B]\n"
              "       %s floor [--trials N] [--warmup W] [--gap-us G] [--hops 1|2] [--busy B]\n"
              "       %s gather|stream N [--reps R] [--concurrency C]\n"
              "       %s idle [--seconds S] [--api wait|wait-timeout|wait-async|task-wait|gather|stream|poll-1ms]\n",
              argv0, argv0, argv0, argv0);
  exit (2);
}

int
main (int   argc,
      char *argv[])
{
  LatencyOptions lo = { .trials = 10000, .warmup = 200, .gap_us = 300, .concurrency = 2, .hops = 1 };
  const char *mode, *api = "wait";
  guint n = 0, reps = 5;
  double seconds = 5.0;
  int i = 2;

  if (argc < 2)
    usage (argv[0]);
  mode = argv[1];
  if ((g_str_equal (mode, "gather") || g_str_equal (mode, "stream")))
    {
      if (argc < 3)
        usage (argv[0]);
      n = bench_parse_uint (argv[2], "number of tasks");
      i = 3;
    }
  for (; i < argc; i++)
    {
      const char *a = argv[i];

      if (i + 1 >= argc)
        usage (argv[0]);
      if (g_str_equal (a, "--trials"))
        lo.trials = bench_parse_uint (argv[++i], "trials");
      else if (g_str_equal (a, "--warmup"))
        lo.warmup = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
      else if (g_str_equal (a, "--gap-us"))
        lo.gap_us = bench_parse_uint (argv[++i], "gap");
      else if (g_str_equal (a, "--concurrency"))
        lo.concurrency = bench_parse_uint (argv[++i], "concurrency");
      else if (g_str_equal (a, "--busy"))
        lo.busy = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
      else if (g_str_equal (a, "--hops"))
        lo.hops = bench_parse_uint (argv[++i], "hops");
      else if (g_str_equal (a, "--reps"))
        reps = bench_parse_uint (argv[++i], "repetitions");
      else if (g_str_equal (a, "--seconds"))
        seconds = g_ascii_strtod (argv[++i], NULL);
      else if (g_str_equal (a, "--api"))
        api = argv[++i];
      else
        usage (argv[0]);
    }

  if (g_str_equal (mode, "latency"))
    return run_latency (&lo);
  if (g_str_equal (mode, "floor"))
    return run_floor (&lo);
  if (g_str_equal (mode, "gather"))
    return run_collect (FALSE, n, reps, lo.concurrency);
  if (g_str_equal (mode, "stream"))
    return run_collect (TRUE, n, reps, lo.concurrency);
  if (g_str_equal (mode, "idle"))
    return run_idle (seconds, api);
  usage (argv[0]);
  return 2;
}
