#!/usr/bin/python3
# bench_tpe.py: the Python peer of bench-noop: N no-op callables submitted to
# concurrent.futures.ThreadPoolExecutor(C), then wait for all of them;
# executor creation and shutdown are inside the timing, like the runner's.
#
#   bench_tpe.py [--tasks N] [--reps R] [--concurrency C]
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import concurrent.futures
import statistics
import time


def noop():
    pass


def run_once(n_tasks, concurrency):
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as ex:
        futures = [ex.submit(noop) for _ in range(n_tasks)]
        done, not_done = concurrent.futures.wait(futures)
        assert len(done) == n_tasks and not not_done
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tasks', type=int, default=100000)
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--concurrency', type=int, default=2)
    args = ap.parse_args()

    run_once(min(args.tasks, 1000), args.concurrency)
    times = []
    for r in range(args.reps):
        t = run_once(args.tasks, args.concurrency)
        times.append(t)
        print(f'python-tpe: {args.tasks} no-op tasks, ThreadPoolExecutor({args.concurrency}), '
              f'rep {r + 1}: {t:.3f} s ({t * 1e6 / args.tasks:.2f} us/task)', flush=True)
    print(f'RESULT name=python-tpe tasks={args.tasks} concurrency={args.concurrency} '
          f'reps={args.reps} best={min(times):.6f} median={statistics.median(times):.6f}')


if __name__ == '__main__':
    main()
