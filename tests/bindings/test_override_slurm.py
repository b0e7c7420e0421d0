# Tests of the PyGObject override with Slurm: TaskRunner(launcher="slurm",
# slurm={...}), per-task launcher= and slurm= overrides of add_command and
# add_shell_command, the job id in the result, Slurm's own failures, and
# pickled callables in worker processes started through srun or any
# worker_launcher command. Run against a real cluster
# (tests/slurm/start-cluster.sh); skipped with the reason when none is
# reachable outside CI, failed in CI (CI or CONCURRA_REQUIRE_SLURM set).
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import subprocess
import sys
import time

import gi

gi.require_version("Concurra", "1")

from gi.repository import Concurra  # noqa: E402

import pytest  # noqa: E402


def _cluster_reachable():
    try:
        out = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() != ""


@pytest.fixture(scope="module")
def cluster():
    if not _cluster_reachable():
        reason = ("no Slurm cluster is reachable (sinfo failed); "
                  "tests/slurm/start-cluster.sh starts a single-node one")
        if os.environ.get("CI") or os.environ.get("CONCURRA_REQUIRE_SLURM"):
            pytest.fail(reason + ", and CI requires one")
        pytest.skip(reason)


def unique(what):
    return "%s-py-%d-%d" % (what, os.getpid(), time.monotonic_ns())


def queued(name):
    out = subprocess.run(["squeue", "-h", "-n", name, "-o", "%i"],
                         capture_output=True, text=True, check=True)
    return out.stdout.split()


def wait_gone(name, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not queued(name):
            return True
        time.sleep(0.1)
    return False


def new_runner(**kwargs):
    kwargs.setdefault("progress_stats", False)
    return Concurra.TaskRunner(**kwargs)


# ---- bad input (no cluster needed) ----

def test_bad_launcher():
    with pytest.raises(ValueError, match="launcher must be 'local' or 'slurm'"):
        new_runner(launcher="cloud")
    runner = new_runner()
    with pytest.raises(ValueError, match="launcher must be"):
        runner.add_command(["true"], launcher="ssh")


def test_bad_slurm_settings():
    with pytest.raises(ValueError, match="unknown Slurm setting 'gpus'"):
        new_runner(launcher="slurm", slurm={"gpus": 1})
    with pytest.raises(ValueError, match="mem='lots'"):
        new_runner(launcher="slurm", slurm={"mem": "lots"})
    with pytest.raises(TypeError, match=r"slurm\['cpus'\]"):
        new_runner(launcher="slurm", slurm={"cpus": "2"})
    with pytest.raises(ValueError, match="cpus'] must be >= 1"):
        new_runner(launcher="slurm", slurm={"cpus": 0})
    with pytest.raises(TypeError, match="dict of Slurm settings"):
        new_runner(launcher="slurm", slurm=["cpus", 2])
    runner = new_runner(launcher="slurm")
    with pytest.raises(ValueError, match="partition='a b'"):
        runner.add_shell_command("true", slurm={"partition": "a b"})
    with pytest.raises(ValueError, match="not an srun option"):
        runner.add_shell_command("true", slurm={"extra_args": ["avx2"]})
    with pytest.raises(TypeError, match="worker_launcher"):
        new_runner(worker_launcher="ssh node1")


def test_settings_reach_the_gobject():
    runner = new_runner(launcher="slurm",
                        slurm={"cpus": 2, "mem": "1G", "partition": "debug",
                               "time_margin": 30,
                               "extra_args": ["--exclusive"]},
                        timeout=90)
    runner.add_command(["simulate"], label="sim", slurm={"cpus": 4})
    runner._apply_settings()
    line = runner.gobject.dup_launch_command("sim")
    assert line == ["srun", "--verbose", "--input=none", "--nodes=1",
                    "--ntasks=1", "--job-name=sim", "--cpus-per-task=4",
                    "--mem=1G", "--partition=debug", "--time=2",
                    "--exclusive", "simulate"]


# ---- on the cluster ----

def test_commands_through_slurm(cluster):
    label = unique("res")
    runner = new_runner(launcher="slurm", slurm={"cpus": 2, "mem": "100M"})
    runner.add_shell_command(
        "echo $SLURM_CPUS_PER_TASK $SLURM_JOB_NAME; echo oops >&2; exit 3",
        label=label)
    runner.add_command(["sh", "-c", "echo ${SLURM_JOB_ID:-none}"],
                       label="here", launcher="local")
    results = runner.run()
    failed = results[label]
    assert failed["status"] == "Failed"
    result = failed["result"]
    assert result["returncode"] == 3
    assert result["stdout"] == "2 %s\n" % label
    assert result["stderr"] == "oops\n"
    assert isinstance(result["slurm_job_id"], int) and result["slurm_job_id"] > 0
    assert "Command exited with return code 3" in failed["error"]
    here = results["here"]["result"]
    assert here["stdout"] == "none\n"
    assert "slurm_job_id" not in here


def test_per_task_slurm_in_a_local_runner(cluster):
    runner = new_runner()
    future = runner.add_command(["sh", "-c", "echo $SLURM_JOB_ID"],
                                label="remote", launcher="slurm",
                                slurm={"mem": "50M"})
    results = runner.run()
    result = results["remote"]["result"]
    assert result["stdout"] == "%d\n" % result["slurm_job_id"]
    assert future.result()["slurm_job_id"] == result["slurm_job_id"]


def test_slurm_failure_is_a_clear_error(cluster):
    runner = new_runner(launcher="slurm", slurm={"partition": "nosuchpart"})
    runner.add_shell_command("true", label="lost")
    results = runner.run()
    assert results["lost"]["status"] == "Failed"
    assert "Task 'lost': Slurm did not run the command" in results["lost"]["error"]
    assert "Invalid partition name specified" in results["lost"]["error"]


def test_timeout_cancels_the_job(cluster):
    label = unique("slow")
    runner = new_runner(launcher="slurm", timeout=1)
    runner.add_shell_command("sleep 300", label=label)
    start = time.monotonic()
    results = runner.run()
    assert time.monotonic() - start < 15
    assert results[label]["status"] == "Terminated"
    assert wait_gone(label)


def _slurm_job_id():
    print("a worker printing on its standard output")
    return os.environ.get("SLURM_JOB_ID"), os.environ.get("LAUNCHED")


def test_python_workers_through_srun(cluster):
    name = unique("pool")
    runner = new_runner(name=name, launcher="slurm", use_multiprocessing=True,
                        max_concurrency=2)
    for i in range(8):
        runner.add_task(_slurm_job_id, label=i)
    results = runner.run()
    ids = {results[i]["result"][0] for i in range(8)}
    assert None not in ids
    # warm: one job per worker, not per task
    assert 1 <= len(ids) <= 2
    assert wait_gone(name + "-worker")


def test_python_workers_through_a_launcher_command():
    runner = new_runner(use_multiprocessing=True, max_concurrency=2,
                        worker_launcher=["sh", "-c", 'LAUNCHED=yes exec "$@"',
                                         "sh"])
    for i in range(6):
        runner.add_task(_slurm_job_id, label=i)
    results = runner.run()
    for i in range(6):
        assert results[i]["status"] == "Successful", results[i]
        assert results[i]["result"][1] == "yes"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
