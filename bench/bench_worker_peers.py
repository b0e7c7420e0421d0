#!/usr/bin/python3
# bench_worker_peers.py: the Python peers of bench-worker (issue 16) — the
# round trip of one call on an idle ThreadPoolExecutor(2) (submit, then
# result()), and N calls submitted to it and all results taken.
#
#   bench_worker_peers.py [--roundtrip N] [--throughput N]
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import concurrent.futures
import statistics
import time


def noop():
    pass


def roundtrip(n):
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        ex.submit(noop).result()
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            ex.submit(noop).result()
            samples.append((time.perf_counter() - t0) * 1e6)
    samples.sort()
    print("tpe-roundtrip calls=%d median_us=%.1f p90_us=%.1f"
          % (n, statistics.median(samples), samples[n * 9 // 10]))


def throughput(n):
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        futures = [ex.submit(noop) for _ in range(n)]
        for f in futures:
            f.result()
    seconds = time.perf_counter() - t0
    print("tpe-throughput calls=%d workers=2 seconds=%.3f us_per_call=%.2f"
          % (n, seconds, seconds * 1e6 / n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--roundtrip", type=int, default=2000)
    ap.add_argument("--throughput", type=int, default=100000)
    args = ap.parse_args()
    roundtrip(args.roundtrip)
    throughput(args.throughput)


if __name__ == "__main__":
    main()
