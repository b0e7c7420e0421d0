#!/usr/bin/python3
# bench_futures.py: the Python peer of bench-wait — concurrent.futures.wait
# measured exactly like concurra_wait.
#
#   bench_futures.py latency [--trials N] [--warmup W] [--gap-us G] [--workers C] [--busy B]
#   bench_futures.py gather N [--reps R] [--workers C]
#
# latency: a ThreadPoolExecutor(C) holds N+W submitted tasks, each blocked
# on its own threading.Event gate. For each trial the main thread tells a
# releaser thread "about to wait" (queue.put) and calls
# concurrent.futures.wait([future], return_when=FIRST_COMPLETED); the
# releaser sleeps G µs and sets the gate. The task's last action is
# time.monotonic_ns() (CLOCK_MONOTONIC, the clock bench-wait reads); the
# waiter reads it again as soon as wait() returns. Median, p90, p99, max.
# Trials whose gate was set before the waiter entered wait() are left out
# (counted as "late"). --busy B adds B Python threads spinning throughout
# (a program busy with other work while it waits: the woken waiter then
# needs the GIL, which the spinner gives up every switch interval, 5 ms).
#
# gather: N futures, the first N/2 finished before the call, the other N/2
# blocked on one shared gate, interleaved; the gate is set once the main
# thread sleeps in the call (state S in /proc, polled 20 µs to 2 ms apart), and
# concurrent.futures.wait(ALL_COMPLETED) is timed, then the same call again
# with everything done (asyncio.gather-like result collection is not
# included: Python's wait returns sets). Informational, for bench-wait
# gather.
#
# Prints "RESULT name=..." lines for bench/compare.py.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import concurrent.futures as cf
import os
import platform
import queue
import sys
import threading
import time


def stats(values):
    v = sorted(values)
    n = len(v)

    def pct(p):
        rank = p * (n - 1)
        lo = int(rank)
        hi = min(lo + 1, n - 1)
        return v[lo] + (v[hi] - v[lo]) * (rank - lo)

    return {'median': pct(0.5), 'p90': pct(0.9), 'p99': pct(0.99), 'max': v[-1], 'min': v[0],
            'mean': sum(v) / n}


def latency(args):
    total = args.trials + args.warmup
    gates = [threading.Event() for _ in range(total)]
    opened = [0] * total
    returned = [0] * total
    q = queue.SimpleQueue()
    gap = args.gap_us / 1e6

    def task(i):
        gates[i].wait()
        returned[i] = time.monotonic_ns()   # last action

    def releaser():
        while True:
            i = q.get()
            if i is None:
                return
            time.sleep(gap)
            opened[i] = time.monotonic_ns()
            gates[i].set()

    stop = False

    def spin():
        x = 0
        while not stop:
            x += 1

    rel = threading.Thread(target=releaser, name='releaser')
    rel.start()
    busy = [threading.Thread(target=spin, name='busy') for _ in range(args.busy)]
    for b in busy:
        b.start()
    lat, late = [], 0
    with cf.ThreadPoolExecutor(args.workers) as ex:
        futures = [ex.submit(task, i) for i in range(total)]
        for i, fut in enumerate(futures):
            q.put(i)   # "about to wait"
            entered = time.monotonic_ns()
            done, _ = cf.wait([fut], return_when=cf.FIRST_COMPLETED)
            t = time.monotonic_ns()
            if len(done) != 1 or returned[i] == 0:
                raise SystemExit(f'trial {i}: wait returned before the task was done')
            if i < args.warmup:
                continue
            if opened[i] <= entered:
                late += 1
                continue
            lat.append((t - returned[i]) / 1e3)
        stop = True
        for b in busy:
            b.join()
        q.put(None)
        rel.join()
    s = stats(lat)
    print(f'Python {platform.python_version()} concurrent.futures.wait(FIRST_COMPLETED), '
          f'ThreadPoolExecutor({args.workers}): {len(lat)} trials ({args.warmup} warm-up and {late} with the '
          f'gate set before the wait left out), gap {args.gap_us} us, {args.busy} busy threads')
    print(f'  wake-up latency us: median {s["median"]:.1f}  p90 {s["p90"]:.1f}  p99 {s["p99"]:.1f}  '
          f'max {s["max"]:.1f}  min {s["min"]:.1f}  mean {s["mean"]:.1f}')
    print(f'RESULT name=py-wait-latency trials={len(lat)} late={late} gap_us={args.gap_us} busy={args.busy} '
          f'median_us={s["median"]:.3f} p90_us={s["p90"]:.3f} p99_us={s["p99"]:.3f} max_us={s["max"]:.3f} '
          f'min_us={s["min"]:.3f} mean_us={s["mean"]:.3f} workers={args.workers} '
          f'python={platform.python_version()}', flush=True)


def asleep(tid):
    try:
        with open(f'/proc/self/task/{tid}/stat') as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(')') + 2] == 'S'


def gather_once(n, workers):
    n_done = n // 2
    n_gated = n - n_done
    gate = threading.Event()
    calling = threading.Event()
    main_tid = threading.get_native_id()
    marks = {}

    def gated():
        gate.wait()

    def releaser():
        calling.wait()
        start = time.monotonic()
        # about 64 polls per doubling of the elapsed time, as bench-wait does
        while not asleep(main_tid):
            time.sleep(min(max((time.monotonic() - start) / 64, 20e-6), 2e-3))
        marks['blocked'] = time.monotonic_ns()
        gate.set()

    with cf.ThreadPoolExecutor(workers) as ex:
        done = [ex.submit(lambda: None) for _ in range(n_done)]
        cf.wait(done)
        unfinished = [ex.submit(gated) for _ in range(n_gated)]
        futures = []
        for i in range(max(n_done, n_gated)):
            if i < n_done:
                futures.append(done[i])
            if i < n_gated:
                futures.append(unfinished[i])
        rel = threading.Thread(target=releaser)
        rel.start()
        time.sleep(0.01)
        calling.set()
        t0 = time.monotonic_ns()
        d, nd = cf.wait(futures, return_when=cf.ALL_COMPLETED)
        t1 = time.monotonic_ns()
        rel.join()
        assert len(d) == n and not nd
        t2 = time.monotonic_ns()
        cf.wait(futures, return_when=cf.ALL_COMPLETED)
        t3 = time.monotonic_ns()
    return (t1 - t0) / 1e9, (marks['blocked'] - t0) / 1e9, (t3 - t2) / 1e9


def gather(args):
    gather_once(min(args.n, 1000), args.workers)
    totals, befores, alls = [], [], []
    for r in range(args.reps):
        total, before, all_done = gather_once(args.n, args.workers)
        totals.append(total)
        befores.append(before)
        alls.append(all_done)
        print(f'  rep {r}: wait(ALL_COMPLETED) {total:.4f} s (asleep after {before:.4f} s); all done: '
              f'{all_done:.4f} s')
    m, b, a = (stats(x)['median'] for x in (totals, befores, alls))
    print(f'Python concurrent.futures.wait(ALL_COMPLETED) over {args.n} futures, median of {args.reps}: '
          f'{m:.4f} s = {m * 1e9 / args.n:.1f} ns/future; all done {a:.4f} s = {a * 1e9 / args.n:.1f} ns/future')
    print(f'RESULT name=py-gather n={args.n} reps={args.reps} workers={args.workers} total={m:.6f} '
          f'best={min(totals):.6f} ns_per_task={m * 1e9 / args.n:.2f} before_sleep={b:.6f} all_done={a:.6f} '
          f'all_done_ns_per_task={a * 1e9 / args.n:.2f}', flush=True)


def main():
    ap = argparse.ArgumentParser(description='concurrent.futures peer of bench-wait')
    sub = ap.add_subparsers(dest='mode', required=True)
    lp = sub.add_parser('latency')
    lp.add_argument('--trials', type=int, default=10000)
    lp.add_argument('--warmup', type=int, default=200)
    lp.add_argument('--gap-us', type=int, default=300)
    lp.add_argument('--workers', type=int, default=2)
    lp.add_argument('--busy', type=int, default=0, help='threads spinning throughout')
    gp = sub.add_parser('gather')
    gp.add_argument('n', type=int)
    gp.add_argument('--reps', type=int, default=3)
    gp.add_argument('--workers', type=int, default=2)
    args = ap.parse_args()
    if args.mode == 'latency':
        latency(args)
    else:
        gather(args)
    return 0


if __name__ == '__main__':
    sys.exit(main())
