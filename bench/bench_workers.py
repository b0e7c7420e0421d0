#!/usr/bin/python3
# bench_workers.py: Concurry's workers on the Python override (issue 16)
# against their Python peers, in the same run:
#
#   1. roundtrip: one call at a time on an idle worker, N times (default
#      10 000): worker.noop().result() on a thread worker (one lane) vs
#      ThreadPoolExecutor(2).submit(noop).result(); each call timed, the
#      two sides alternating by blocks of 100; median and 90th percentile
#      (a loaded machine's pauses fall on both sides alike).
#   2. throughput: M calls (default 100 000) on a pool of 2 thread lanes,
#      all submitted, then waited for: [pool.noop() ...] + wait() vs
#      ThreadPoolExecutor(2): [submit(noop) ...] + concurrent.futures.wait.
#   3. process: P tiny calls (default 10 000) on a pool of 2 process lanes
#      ([pool.square(i) ...] + gather) vs multiprocessing.Pool(2)
#      ([apply_async(square, (i,)) ...] + get). Pools are started (and
#      warmed with one call per process) before timing.
#
# Each is timed --reps times, the two sides interleaved; the table gives
# best and median seconds and ratio = peer / ours (> 1: ours is faster).
#
#   /usr/bin/python3 bench/bench_workers.py [--reps R] [--quick]
#       [--only roundtrip,throughput,process] [--build-dir DIR]
#       [--bindings DIR]
#
# Runs uninstalled: unless the environment already names them, it
# re-executes itself with GI_TYPELIB_PATH / LD_LIBRARY_PATH set to the build
# directory and bindings/python on PYTHONPATH. --bindings takes the override
# from another checkout's bindings/python instead (its worker processes too),
# to compare two overrides on one build of the library.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ensure_environment(build_dir, bindings):
    lib = os.path.join(os.path.abspath(build_dir), "concurra-glib")
    wanted = {"GI_TYPELIB_PATH": lib, "LD_LIBRARY_PATH": lib,
              "PYTHONPATH": os.path.abspath(bindings)}
    missing = {k: v for k, v in wanted.items()
               if v not in os.environ.get(k, "").split(os.pathsep)}
    if missing and not os.environ.get("CONCURRA_BENCH_WORKERS"):
        env = dict(os.environ, CONCURRA_BENCH_WORKERS="1")
        for key, value in missing.items():
            env[key] = os.pathsep.join(filter(None, [value,
                                                     env.get(key, "")]))
        os.execve("/usr/bin/python3",
                  ["/usr/bin/python3", os.path.abspath(__file__)]
                  + sys.argv[1:], env)


def noop():
    return None


def square(x):
    return x * x


def seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(name, count, ours_fn, peer_fn, peer_name, reps):
    """Times both sides reps times, interleaved, and prints the figures."""
    ours, peer = [], []
    for _ in range(reps):
        ours.append(seconds(ours_fn))
        peer.append(seconds(peer_fn))
    best, peer_best = min(ours), min(peer)
    print("%-10s %7d calls  ours %.4f s (median %.4f)  %s %.4f s "
          "(median %.4f)  peer/ours %.2fx (median %.2fx)"
          % (name, count, best, statistics.median(ours), peer_name,
             peer_best, statistics.median(peer), peer_best / best,
             statistics.median(peer) / statistics.median(ours)))
    print("RESULT name=workers-%s calls=%d ours_best=%.6f peer_best=%.6f "
          "ratio=%.3f" % (name, count, best, peer_best, peer_best / best))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="roundtrip,throughput,process")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--bindings",
                        default=os.path.join(ROOT, "bindings", "python"))
    args = parser.parse_args()
    ensure_environment(args.build_dir, args.bindings)

    import gi
    gi.require_version("Concurra", "1")
    from gi.repository import Concurra
    print("override: %s" % sys.modules["gi.overrides.Concurra"].__file__)

    class Noop(Concurra.Worker):
        def noop(self):
            return None

        def square(self, x):
            return x * x

    reps = 2 if args.quick else args.reps
    only = set(args.only.split(","))
    n_round = 2000 if args.quick else 10_000
    n_many = 20_000 if args.quick else 100_000
    n_proc = 2000 if args.quick else 10_000

    if "roundtrip" in only:
        worker = Noop.options(mode="thread").init()
        executor = cf.ThreadPoolExecutor(2)
        worker.noop().result()
        executor.submit(noop).result()

        def ours():
            worker.noop().result()

        def peer():
            executor.submit(noop).result()

        samples = {ours: [], peer: []}
        for _ in range(n_round // 100):
            for side in (ours, peer):
                samples[side] += [seconds(side) for _ in range(100)]
        a, b = sorted(samples[ours]), sorted(samples[peer])
        p90 = len(a) * 9 // 10
        print("roundtrip  %7d calls  ours median %.1f us (p90 %.1f)  "
              "ThreadPoolExecutor(2) median %.1f us (p90 %.1f)  peer/ours "
              "%.2fx" % (len(a), statistics.median(a) * 1e6, a[p90] * 1e6,
                         statistics.median(b) * 1e6, b[p90] * 1e6,
                         statistics.median(b) / statistics.median(a)))
        print("RESULT name=workers-roundtrip calls=%d ours_median_us=%.2f "
              "peer_median_us=%.2f ratio=%.3f"
              % (len(a), statistics.median(a) * 1e6,
                 statistics.median(b) * 1e6,
                 statistics.median(b) / statistics.median(a)))
        worker.stop()
        executor.shutdown()

    if "throughput" in only:
        pool = Noop.options(mode="thread", max_workers=2).init()
        executor = cf.ThreadPoolExecutor(2)

        def ours():
            Concurra.wait([pool.noop() for _ in range(n_many)])

        def peer():
            cf.wait([executor.submit(noop) for _ in range(n_many)])

        compare("throughput", n_many, ours, peer, "ThreadPoolExecutor(2)", reps)
        pool.stop()
        executor.shutdown()

    if "process" in only:
        pool = Noop.options(mode="process", max_workers=2).init()
        mp = multiprocessing.get_context("forkserver").Pool(2)
        Concurra.gather([pool.square(i) for i in range(10)])
        [r.get() for r in [mp.apply_async(square, (i,)) for i in range(10)]]

        def ours():
            results = Concurra.gather([pool.square(i) for i in range(n_proc)])
            assert results[-1] == (n_proc - 1) ** 2

        def peer():
            handles = [mp.apply_async(square, (i,)) for i in range(n_proc)]
            results = [h.get() for h in handles]
            assert results[-1] == (n_proc - 1) ** 2

        compare("process", n_proc, ours, peer, "multiprocessing.Pool(2)", reps)
        pool.stop()
        mp.close()
        mp.join()


if __name__ == "__main__":
    main()
