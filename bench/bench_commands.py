#!/usr/bin/env python3
# bench_commands.py: N `true` commands, C at a time: concurra-run against
# `xargs -P C` and `ninja -j C`, in the same run, interleaved rounds.
#
#   /usr/bin/python3 bench/bench_commands.py [--tasks N] [--jobs C] [--reps R]
#       [--build-dir build] [--baseline-build-dir OTHER-BUILD]
#
# concurra-run and ninja start each command through /bin/sh -c, xargs
# execs it directly. Prints the median wall and CPU (user + system of the
# runner and its children) of each, the ratios, and RESULT lines (see
# bench-common.h).
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time


def measure(argv, cwd, stdin=None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with open(stdin if stdin else os.devnull) as source:
        subprocess.run(argv, cwd=cwd, stdin=source, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", "build"))
    parser.add_argument("--baseline-build-dir",
                        help="also time the concurra-run of another build (an older commit)")
    args = parser.parse_args()

    concurra_run = os.path.abspath(os.path.join(args.build_dir, "tools", "concurra-run"))
    ninja = shutil.which("ninja")
    tmp = tempfile.mkdtemp(prefix="bench-commands-")
    try:
        with open(os.path.join(tmp, "true.pipeline"), "w") as f:
            f.write(f"[pipeline]\njobs={args.jobs}\n")
            for i in range(args.tasks):
                f.write(f"[task:t{i}]\ncommand=true\n")
        with open(os.path.join(tmp, "build.ninja"), "w") as f:
            f.write("rule t\n  command = true\n")
            for i in range(args.tasks):
                f.write(f"build o{i}: t\n")
        with open(os.path.join(tmp, "numbers"), "w") as f:
            f.write("\n".join(str(i) for i in range(args.tasks)) + "\n")

        peers = {
            "concurra-run": ([concurra_run, "-q", "true.pipeline"], None),
            "xargs": (["xargs", "-P", str(args.jobs), "-n", "1", "true"], os.path.join(tmp, "numbers")),
        }
        if ninja:
            peers["ninja"] = ([ninja, "-j", str(args.jobs)], None)
        if args.baseline_build_dir:
            baseline = os.path.abspath(os.path.join(args.baseline_build_dir, "tools", "concurra-run"))
            peers["baseline"] = ([baseline, "-q", "true.pipeline"], None)
        times = {name: [] for name in peers}
        for _ in range(args.reps):
            for name, (argv, stdin) in peers.items():
                if name == "ninja":
                    # ninja records what it built: start from nothing each time
                    for leftover in (".ninja_log", ".ninja_deps"):
                        path = os.path.join(tmp, leftover)
                        if os.path.exists(path):
                            os.unlink(path)
                times[name].append(measure(argv, tmp, stdin))
    finally:
        shutil.rmtree(tmp)

    medians = {name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
               for name, t in times.items()}
    ours_wall, ours_cpu = medians["concurra-run"]
    for name, (wall, cpu) in medians.items():
        print(f"{name:13s} {args.tasks} x true at -j{args.jobs}: wall {wall:.3f} s "
              f"({wall * 1e6 / args.tasks:.0f} us/task), CPU {cpu:.3f} s; "
              f"concurra-run / {name}: wall {ours_wall / wall:.2f}x, CPU {ours_cpu / cpu:.2f}x")
        print(f"RESULT name=commands-{name} tasks={args.tasks} jobs={args.jobs} reps={args.reps} "
              f"median_wall={wall:.6f} median_cpu={cpu:.6f} ratio_wall={ours_wall / wall:.3f} "
              f"ratio_cpu={ours_cpu / cpu:.3f}")


if __name__ == "__main__":
    main()
