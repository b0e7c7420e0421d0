#!/usr/bin/env python3
# bench_slurm.py: the cost of running through Slurm (issue 17), each
# figure against its peer in the same run, rounds interleaved:
#
#  1. overhead per Slurm command task over a bare srun of the same command:
#     a runner with one Slurm task `true` (made, run and freed) against
#     `srun -N1 -n1 true`, N times each, alternating, each timed from an
#     empty queue: a job started while the previous one is still
#     completing waits for Slurm's next scheduling pass (a few hundred ms),
#     which would measure Slurm's scheduler, not the runner;
#  2. throughput of T `true` tasks at -j2: `concurra-run --launcher=slurm
#     -j2` against the same sruns from a shell (`xargs -P2`);
#  3. process workers through srun: W tiny tasks (process-worker's "noop")
#     on 2 warm workers started through srun, against 2 local warm
#     workers (one srun per worker, not per task).
#
#   /usr/bin/python3 bench/bench_slurm.py [--build-dir build] [--reps 5]
#       [--tasks 30] [--throughput-tasks 200] [--worker-tasks 2000]
#
# Needs a reachable cluster (tests/slurm/start-cluster.sh). Prints the
# medians, the ratios and RESULT lines (see bench-common.h).
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def setup_gi(build_dir):
    lib = os.path.join(build_dir, "concurra-glib")
    os.environ["GI_TYPELIB_PATH"] = lib + ":" + os.environ.get("GI_TYPELIB_PATH", "")
    # the typelib names the library; it is found through LD_LIBRARY_PATH,
    # read at start: re-exec once with it set
    if lib not in os.environ.get("LD_LIBRARY_PATH", ""):
        os.environ["LD_LIBRARY_PATH"] = lib + ":" + os.environ.get("LD_LIBRARY_PATH", "")
        os.execv(sys.executable, [sys.executable] + sys.argv)
    import gi
    gi.require_version("Concurra", "1")
    from gi.repository import Concurra, GLib
    return Concurra, GLib


def timed(fn):
    start = time.monotonic()
    fn()
    return time.monotonic() - start


def wait_empty_queue():
    """Polls squeue (a benchmark may) until no job is left, at most 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out = subprocess.run(["squeue", "-h"], capture_output=True, text=True)
        if out.stdout.strip() == "":
            return
        time.sleep(0.05)


def bare_srun():
    subprocess.run(["srun", "-N1", "-n1", "true"], check=True,
                   stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)


def runner_srun(Concurra):
    runner = Concurra.Runner(name="bench-slurm", verify_on_finish=False,
                             launcher=Concurra.LauncherKind.SLURM)
    task = runner.add_command("t", None, ["true"])
    runner.run(None)
    assert task.props.status == Concurra.TaskStatus.SUCCESSFUL


def latencies(Concurra, n):
    """(ours, bare): the median single-task times, alternating."""
    ours, bare = [], []
    for _ in range(n):
        wait_empty_queue()
        bare.append(timed(bare_srun))
        wait_empty_queue()
        ours.append(timed(lambda: runner_srun(Concurra)))
    return statistics.median(ours), statistics.median(bare)


def pipeline_file(directory, n):
    path = os.path.join(directory, "true.pipeline")
    with open(path, "w") as f:
        for i in range(n):
            f.write("[task:t%d]\nargv=true\n\n" % i)
    return path


def concurra_run(binary, path):
    subprocess.run([binary, "--launcher=slurm", "-j2", "-q", path], check=True,
                   stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)


def xargs_sruns(n):
    subprocess.run("seq %d | xargs -P2 -I{} srun -N1 -n1 true" % n, shell=True,
                   check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)


def workers(Concurra, GLib, worker, n, slurm):
    runner = Concurra.Runner(name="bench-workers", verify_on_finish=False,
                             max_concurrency=2,
                             execution_mode=Concurra.ExecutionMode.PROCESS)
    runner.set_worker_command([worker])
    if slurm:
        runner.set_launcher(Concurra.LauncherKind.SLURM)
    tasks = [runner.add_process_task("n%d" % i, None, "noop", None) for i in range(n)]
    runner.run(None)
    assert all(t.props.status == Concurra.TaskStatus.SUCCESSFUL for t in tasks)


def report(name, ours, theirs, unit_count, what):
    o, t = statistics.median(ours), statistics.median(theirs)
    print("%-34s %8.3f s (%7.2f ms each)  vs %8.3f s (%7.2f ms each): %.2fx"
          % (name, o, 1000 * o / unit_count, t, 1000 * t / unit_count, o / t))
    print("RESULT name=%s ours=%.4f peer=%.4f ratio=%.3f count=%d peer_is=%s"
          % (name, o, t, o / t, unit_count, what))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--throughput-tasks", type=int, default=200)
    parser.add_argument("--worker-tasks", type=int, default=2000)
    options = parser.parse_args()
    build_dir = os.path.abspath(options.build_dir)
    Concurra, GLib = setup_gi(build_dir)
    binary = os.path.join(build_dir, "tools", "concurra-run")
    worker = os.path.join(build_dir, "tests", "process-worker")

    if subprocess.run(["sinfo", "-h"], capture_output=True).returncode != 0:
        sys.exit("bench_slurm: no Slurm cluster is reachable (tests/slurm/start-cluster.sh)")

    seq_ours, seq_bare = [], []
    tp_ours, tp_shell = [], []
    w_slurm, w_local = [], []
    with tempfile.TemporaryDirectory() as directory:
        path = pipeline_file(directory, options.throughput_tasks)
        for _ in range(options.reps):
            ours, bare = latencies(Concurra, options.tasks)
            seq_ours.append(ours)
            seq_bare.append(bare)
            tp_shell.append(timed(lambda: xargs_sruns(options.throughput_tasks)))
            tp_ours.append(timed(lambda: concurra_run(binary, path)))
            w_local.append(timed(lambda: workers(Concurra, GLib, worker,
                                                 options.worker_tasks, False)))
            w_slurm.append(timed(lambda: workers(Concurra, GLib, worker,
                                                 options.worker_tasks, True)))

    print("medians of %d interleaved rounds" % options.reps)
    report("slurm-task-overhead", seq_ours, seq_bare, 1, "bare-srun")
    report("slurm-throughput-j2", tp_ours, tp_shell, options.throughput_tasks,
           "xargs-P2-srun")
    report("slurm-workers-noop", w_slurm, w_local, options.worker_tasks,
           "local-warm-workers")


if __name__ == "__main__":
    main()
