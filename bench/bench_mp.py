#!/usr/bin/python3
# bench_mp.py: the Python peer of bench-process: multiprocessing.Pool.
#
#   bench_mp.py tiny [--tasks N] [--reps R] [--concurrency C]
#   bench_mp.py cpu  [--tasks N] [--seconds S] [--reps R] [--concurrency C]
#
# tiny: N tiny tasks (square an int) on a Pool(C), end to end: create the
#       pool (fork C workers), submit every task on its own with
#       apply_async (as a task runner does, and as Concurra does), wait for
#       every result, close and join the pool. Also measured, for
#       reference: pool.map over all N at once (chunked: up to N / (4 C)
#       items per message), which is not one message per task; and C
#       threads calling the synchronous pool.apply, one task in flight per
#       thread (no pipelining: the way a runner's lanes use their workers).
# cpu:  N CPU-bound tasks of S seconds of CPU each (time.thread_time) on a
#       Pool(C) and on a Pool(1); prints both and the speed-up.
#
# Run with /usr/bin/python3 (the system Python). Prints RESULT lines like
# the C benchmarks (see bench-common.h).
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import multiprocessing
import platform
import resource
import statistics
import threading
import time


def square(x):
    return x * x


def burn(seconds):
    end = time.thread_time() + seconds
    iterations = 0
    x = 1
    while time.thread_time() < end:
        for _ in range(1000):
            x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        iterations += 1
    return iterations


def cpu_seconds():
    """CPU seconds (user + system) of this process and its reaped children."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


last_cpu = 0.0


def apply_from_threads(pool, n_tasks, concurrency):
    results = [None] * n_tasks

    def lane(start):
        for i in range(start, n_tasks, concurrency):
            results[i] = pool.apply(square, (i,))

    threads = [threading.Thread(target=lane, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def tiny_once(n_tasks, concurrency, how):
    global last_cpu
    c0 = cpu_seconds()
    t0 = time.perf_counter()
    with multiprocessing.Pool(concurrency) as pool:
        if how == 'map':
            results = pool.map(square, range(n_tasks))
        elif how == 'apply':
            results = apply_from_threads(pool, n_tasks, concurrency)
        else:
            futures = [pool.apply_async(square, (i,)) for i in range(n_tasks)]
            results = [f.get() for f in futures]
        pool.close()
        pool.join()
    t = time.perf_counter() - t0
    last_cpu = cpu_seconds() - c0  # the workers were joined
    assert len(results) == n_tasks and results[-1] == (n_tasks - 1) ** 2
    return t


def cpu_once(n_tasks, seconds, concurrency):
    t0 = time.perf_counter()
    with multiprocessing.Pool(concurrency) as pool:
        futures = [pool.apply_async(burn, (seconds,)) for _ in range(n_tasks)]
        results = [f.get() for f in futures]
        pool.close()
        pool.join()
    t = time.perf_counter() - t0
    assert len(results) == n_tasks and all(r > 0 for r in results)
    return t


def joined(times):
    return ','.join(f'{t:.6f}' for t in times)


def result_line(name, n_tasks, concurrency, times):
    best, median = min(times), statistics.median(times)
    print(f'RESULT name={name} tasks={n_tasks} concurrency={concurrency} reps={len(times)} '
          f'best={best:.6f} median={median:.6f} tasks_per_s={n_tasks / median:.1f} '
          f'best_tasks_per_s={n_tasks / best:.1f} times={joined(times)}', flush=True)


def bench_tiny(args):
    n, c = args.tasks or 10000, args.concurrency
    tiny_once(min(n, 500), c, 'apply_async')
    for how, name, what in (('apply_async', 'mp-pool-tiny', 'apply_async per task'),
                            ('map', 'mp-pool-map-tiny', 'pool.map, chunked'),
                            ('apply', 'mp-pool-apply-tiny', f'pool.apply from {c} threads')):
        times, cpu = [], []
        for r in range(args.reps):
            t = tiny_once(n, c, how)
            times.append(t)
            cpu.append(last_cpu)
            print(f'python {platform.python_version()} multiprocessing.Pool({c}), {what}: {n} tiny tasks, '
                  f'rep {r + 1}: {t:.3f} s ({n / t:.0f} tasks/s), {last_cpu * 1e6 / n:.1f} us CPU per task',
                  flush=True)
        print(f'RESULT name={name}-cpu tasks={n} median_cpu_us_per_task={statistics.median(cpu) * 1e6 / n:.2f}')
        result_line(name, n, c, times)


def bench_cpu(args):
    n, c, s = args.tasks or 8, args.concurrency, args.seconds
    times, single = [], []
    for r in range(args.reps):
        times.append(cpu_once(n, s, c))
        single.append(cpu_once(n, s, 1))
        print(f'python multiprocessing.Pool: {n} x {s:.2f} s CPU, rep {r + 1}: {times[-1]:.3f} s with '
              f'Pool({c}), {single[-1]:.3f} s with Pool(1) (x{single[-1] / times[-1]:.2f})', flush=True)
    m, sm = statistics.median(times), statistics.median(single)
    print(f'RESULT name=mp-pool-cpu tasks={n} seconds={s:.3f} concurrency={c} reps={args.reps} '
          f'best={min(times):.6f} median={m:.6f} single_best={min(single):.6f} single_median={sm:.6f} '
          f'speedup={sm / m:.3f} times={joined(times)} single_times={joined(single)}', flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=('tiny', 'cpu'))
    ap.add_argument('--tasks', type=int, default=0)
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--concurrency', type=int, default=2)
    ap.add_argument('--seconds', type=float, default=0.5)
    args = ap.parse_args()
    if args.mode == 'tiny':
        bench_tiny(args)
    else:
        bench_cpu(args)


if __name__ == '__main__':
    main()
