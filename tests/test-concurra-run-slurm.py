# test-concurra-run-slurm.py: concurra-run with Slurm — --launcher, the
# pipeline keys launcher=, cpus=, mem=, partition=, slurm-args= in
# [pipeline] and per task, the srun lines of --dry-run, the job ids of
# --json, and bad values as errors naming file, line and key.
#
# Run by meson (suite 'cli'). The tests that run jobs need a cluster
# (tests/slurm/start-cluster.sh): skipped with the reason when none is
# reachable outside CI, failed in CI (CI or CONCURRA_REQUIRE_SLURM set).
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SOURCE_ROOT = Path(os.environ.get("CONCURRA_SOURCE_ROOT", HERE.parent))
BINARY = os.environ.get("CONCURRA_RUN", str(SOURCE_ROOT / "build" / "tools" / "concurra-run"))

if not os.access(BINARY, os.X_OK):
    pytest.skip(f"concurra-run not built at {BINARY}", allow_module_level=True)


def run(args, timeout=120):
    return subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def write(tmp_path, text):
    path = tmp_path / "slurm.pipeline"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def cluster():
    try:
        out = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True,
                             timeout=30)
        ok = out.returncode == 0 and out.stdout.strip() != ""
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    if not ok:
        reason = ("no Slurm cluster is reachable (sinfo failed); "
                  "tests/slurm/start-cluster.sh starts a single-node one")
        if os.environ.get("CI") or os.environ.get("CONCURRA_REQUIRE_SLURM"):
            pytest.fail(reason + ", and CI requires one")
        pytest.skip(reason)


PIPELINE = """\
    [pipeline]
    name=sims
    launcher=slurm
    mem=100M
    timeout=30

    [task:prepare]
    command=echo ${SLURM_JOB_ID:-here}
    launcher=local

    [task:simulate]
    argv=sh;-c;echo cpus=$SLURM_CPUS_PER_TASK name=$SLURM_JOB_NAME
    depends=prepare
    cpus=2
    slurm-args=--comment=concurra;--exclusive

    [task:report]
    command=echo report
    depends=simulate
    timeout=200
    """


def test_dry_run_prints_the_srun_lines(tmp_path):
    r = run(["--dry-run", write(tmp_path, PIPELINE)])
    assert r.returncode == 0, r.stderr
    assert "launcher slurm" in r.stdout
    assert ("srun --verbose --input=none --nodes=1 --ntasks=1 --job-name=simulate "
            "--cpus-per-task=2 --mem=100M --time=2 --comment=concurra --exclusive "
            "sh -c 'echo cpus=$SLURM_CPUS_PER_TASK name=$SLURM_JOB_NAME'") in r.stdout
    # 200 s + the 60 s margin: 5 minutes
    assert ("srun --verbose --input=none --nodes=1 --ntasks=1 --job-name=report "
            "--mem=100M --time=5 /bin/sh -c 'echo report'") in r.stdout
    # the local task has no srun line
    srun_lines = [line for line in r.stdout.splitlines() if line.startswith("      srun ")]
    assert len(srun_lines) == 2


def test_launcher_option_overrides_the_file(tmp_path):
    r = run(["--dry-run", "--launcher=local", write(tmp_path, PIPELINE)])
    assert r.returncode == 0, r.stderr
    assert "launcher local" in r.stdout
    # simulate and report have no launcher of their own: they run here
    assert "srun" not in r.stdout
    r = run(["--launcher", "cloud", write(tmp_path, PIPELINE)])
    assert r.returncode == 2
    assert "--launcher must be local or slurm (got 'cloud')" in r.stderr


def test_completion_of_launcher(tmp_path):
    completion = os.environ.get("CONCURRA_RUN_COMPLETION",
                                str(SOURCE_ROOT / "tools" / "concurra-run.bash-completion"))
    script = ('source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
              '_concurra_run; printf "%s\\n" "${COMPREPLY[@]}"')
    for words, expected in ((["--launcher", "s"], ["slurm"]),
                            (["--launcher", "=", ""], ["local", "slurm"]),
                            (["--laun"], ["--launcher"])):
        r = subprocess.run(["bash", "-c", script, completion, BINARY, *words],
                           capture_output=True, text=True, cwd=tmp_path, timeout=30)
        assert r.returncode == 0, r.stderr
        assert [w for w in r.stdout.split("\n") if w] == expected


@pytest.mark.parametrize("key,value,message", [
    ("launcher", "ssh", "'launcher' must be local or slurm, not 'ssh'"),
    ("cpus", "0", "'cpus' must be 1 or more"),
    ("cpus", "many", "'cpus' must be a whole number"),
    ("mem", "lots", "mem='lots' is not a memory size"),
    ("partition", "a b", "partition='a b' is not a partition name"),
    ("slurm-args", "--constraint;avx2", "argument 1 ('avx2') is not an srun option"),
])
def test_bad_values_name_the_task(tmp_path, key, value, message):
    p = write(tmp_path, f"""\
        [task:first]
        command=true

        [task:second]
        command=true
        {key}={value}
        """)
    r = run(["--dry-run", p])
    assert r.returncode == 2, r.stdout
    assert message in r.stderr
    assert "second" in r.stderr


def test_bad_pipeline_default(tmp_path):
    p = write(tmp_path, """\
        [pipeline]
        mem=12X

        [task:a]
        command=true
        """)
    r = run([p])
    assert r.returncode == 2
    assert "[pipeline]" in r.stderr and "mem='12X'" in r.stderr


def test_run_through_slurm_and_json(tmp_path, cluster):
    r = run(["--json", "-q", write(tmp_path, PIPELINE)])
    assert r.returncode == 0, r.stderr
    results = json.loads(r.stdout)
    tasks = {t["label"]: t for t in results["tasks"]}
    assert "slurm_job_id" not in tasks["prepare"]
    assert tasks["prepare"]["result"]["stdout"] == "here\n"
    for label in ("simulate", "report"):
        assert isinstance(tasks[label]["slurm_job_id"], int)
        assert tasks[label]["slurm_job_id"] > 0
        assert tasks[label]["result"]["slurm_job_id"] == tasks[label]["slurm_job_id"]
    assert tasks["simulate"]["result"]["stdout"] == "cpus=2 name=simulate\n"


def test_slurm_failure_in_the_summary(tmp_path, cluster):
    p = write(tmp_path, """\
        [task:lost]
        command=true
        launcher=slurm
        partition=nosuchpart
        """)
    r = run([p])
    assert r.returncode == 1
    assert "Task 'lost': Slurm did not run the command" in r.stdout + r.stderr
    assert "Invalid partition name specified" in r.stdout + r.stderr
