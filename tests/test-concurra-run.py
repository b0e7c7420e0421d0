# test-concurra-run.py: CLI tests of concurra-run, the pipeline runner.
#
# Run by meson (suite 'cli', registered in tools/meson.build), which sets
# CONCURRA_RUN to the built binary; by hand:
#   CONCURRA_RUN=build/tools/concurra-run /usr/bin/python3 -m pytest tests/test-concurra-run.py
#
# Pipelines are written to pytest's tmp_path, so tasks (which run in the
# pipeline file's directory) never write into the source tree; the fixture
# files in tests/pipelines/bad/ only create marker files under $MARKER_DIR.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import pty
import re
import resource
import select
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SOURCE_ROOT = Path(os.environ.get("CONCURRA_SOURCE_ROOT", HERE.parent))
BINARY = os.environ.get("CONCURRA_RUN", str(SOURCE_ROOT / "build" / "tools" / "concurra-run"))
BAD = HERE / "pipelines" / "bad"

if not os.access(BINARY, os.X_OK):
    pytest.skip(f"concurra-run not built at {BINARY}", allow_module_level=True)


def run(args, *, env=None, timeout=60, cwd=None, input=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=cwd, input=input)


def write(tmp_path, text, name="test.pipeline"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


# ---- success and failure ----

def test_success_exit_0_and_summary(tmp_path):
    p = write(tmp_path, """\
        [pipeline]
        name=demo

        [task:a]
        command=echo from-a > a.txt

        [task:b]
        argv=cp;a.txt;b.txt
        depends=a

        [task:c]
        command=cat b.txt
        depends=b
        """)
    r = run([p])
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "b.txt").read_text() == "from-a\n"
    # the summary table, in the runner's report layout
    assert re.search(r"^\| label +\| status +\| attempts", r.stdout, re.M)
    for label in "abc":
        assert re.search(rf"^\| {label} +\| Successful +\| 1 ", r.stdout, re.M)
    assert "demo: 3 succeeded of 3" in r.stdout


def test_failure_exit_1_shows_output(tmp_path):
    p = write(tmp_path, """\
        [task:ok]
        command=echo fine

        [task:broken]
        command=echo "stdout line 1"; echo "stdout last line"; echo "compiler said: boom" >&2; exit 3

        [task:after]
        command=touch after-ran
        depends=broken
        """)
    r = run([p])
    assert r.returncode == 1
    out = r.stdout
    assert re.search(r"^\| broken +\| Failed +\| 1 +\| 3 ", out, re.M)
    assert re.search(r"^\| after +\| Skipped +\| 0 ", out, re.M)
    assert re.search(r"^\| ok +\| Successful ", out, re.M)
    # the failed task's own output, stderr and stdout, in the summary
    section = out[out.index("broken: Failed"):]
    assert "exit status: 3" in section
    assert "| compiler said: boom" in section
    assert "| stdout last line" in section
    assert not (tmp_path / "after-ran").exists()
    assert "1 succeeded, 1 failed, 1 skipped of 3" in out


def test_check_false_and_missing_program(tmp_path):
    p = write(tmp_path, """\
        [task:tolerated]
        command=exit 4
        check=false

        [task:missing]
        argv=concurra-no-such-program-xyz;--flag
        """)
    r = run([p])
    assert r.returncode == 1
    assert re.search(r"^\| tolerated +\| Successful +\| 1 +\| 4 ", r.stdout, re.M)
    assert "concurra-no-such-program-xyz" in r.stdout
    assert re.search(r"^\| missing +\| Failed ", r.stdout, re.M)


def test_cwd_env_and_task_variables(tmp_path):
    (tmp_path / "sub").mkdir()
    p = write(tmp_path, """\
        [pipeline]
        env=GREETING=hello;OUT=${CR_TEST_BASE:-nowhere}/x

        [task:show]
        command=echo "$GREETING $WHO $OUT $CONCURRA_TASK $(pwd)" > result.txt
        cwd=sub
        env=WHO=${USER_UNSET_VAR_XYZ:-world};PRICE=$$5
        """)
    r = run([p], env={"CR_TEST_BASE": "/base"})
    assert r.returncode == 0, r.stdout + r.stderr
    text = (tmp_path / "sub" / "result.txt").read_text().split()
    assert text == ["hello", "world", "/base/x", "show", str((tmp_path / "sub").resolve())], \
        (text, r.stdout, r.stderr)


def test_run_variables_and_dollar_escape(tmp_path):
    p = write(tmp_path, """\
        [task:one]
        command=echo "$CONCURRA_RUN_ID $CONCURRA_PIPELINE_DIR $PRICE" > one.txt
        env=PRICE=$$5

        [task:two]
        command=echo "$CONCURRA_RUN_ID" > two.txt
        """)
    ids = []
    for _ in range(2):
        r = run([p], cwd="/")
        assert r.returncode == 0, r.stdout + r.stderr
        run_id, pipeline_dir, price = (tmp_path / "one.txt").read_text().split()
        assert (tmp_path / "two.txt").read_text().split() == [run_id]   # one id per run
        assert Path(pipeline_dir).resolve() == tmp_path.resolve()
        assert price == "$5"                                             # $$ is $
        ids.append(run_id)
    assert ids[0] and ids[0] != ids[1]                                   # unique per run


def test_pipeline_from_stdin(tmp_path):
    r = run(["-"], input="[task:one]\ncommand=echo stdin-task > from-stdin.txt\n", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "from-stdin.txt").exists()


# ---- long cycles, ';' in labels ----

def test_long_cycle_message_is_one_short_line(tmp_path):
    n = 3000
    groups = "".join(f"[task:t{i}]\ncommand=true\ndepends=t{(i + 1) % n}\n\n" for i in range(n))
    p = write(tmp_path, f"[task:before]\ncommand=true\ndepends=t0\n\n{groups}")
    r = run(["--dry-run", p])
    assert r.returncode == 2
    assert r.stderr == (f"concurra-run: {p}:7: [task:t0]: task 't0' is part of a dependency "
                        "cycle: t0 → t1 → t2 → t3 → t4 → … 2993 more … → t2998 → t2999 → t0 "
                        "(3000 tasks)\n")


def test_cycle_message_names_a_task_of_the_cycle(tmp_path):
    # 'a' only leads into the cycle b → c → b
    p = write(tmp_path, """\
        [task:a]
        command=true
        depends=b

        [task:b]
        command=true
        depends=c

        [task:c]
        command=true
        depends=b
        """)
    r = run([p])
    assert r.returncode == 2
    assert f"{p}:7: [task:b]: task 'b' is part of a dependency cycle: b → c → b" in r.stderr


@pytest.mark.parametrize("header, depends", [
    (r"lint;fix", r"lint\;fix"),
    (r"lint\;fix", r"lint\;fix"),
    (r"back\\slash;x", r"back\\slash\;x"),
])
def test_label_is_written_alike_in_header_and_depends(tmp_path, header, depends):
    p = write(tmp_path, f"""\
        [task:{header}]
        command=echo "$CONCURRA_TASK" > label.txt

        [task:after]
        command=touch after-ran
        depends={depends}
        """)
    r = run([p])
    assert r.returncode == 0, r.stdout + r.stderr
    label = header.replace("\\;", ";").replace("\\\\", "\\")
    assert (tmp_path / "label.txt").read_text() == label + "\n"
    assert (tmp_path / "after-ran").exists()


def test_label_cut_at_a_semicolon_says_how_to_write_it(tmp_path):
    p = write(tmp_path, """\
        [task:lint;fix]
        command=true

        [task:after]
        command=true
        depends=lint;fix
        """)
    r = run([p])
    assert r.returncode == 2
    assert (f"{p}:6: [task:after]: task 'after' depends on unknown task 'lint' (no [task:lint] "
            r"group); ';' separates dependencies: to depend on 'lint;fix', write 'lint\;fix'"
            ) in r.stderr


def test_same_label_written_two_ways_is_an_error(tmp_path):
    p = write(tmp_path, """\
        [task:a;b]
        command=true

        [task:a\\;b]
        command=true
        """)
    r = run([p])
    assert r.returncode == 2
    assert f"{p}:4: [task:a\\;b]: task 'a;b' is given twice (first as [task:a;b] on line 1)" \
        in r.stderr, r.stderr


# ---- bounded ${VAR} expansion ----

def run_in_1_gib(args):
    """run(), with the address space capped at 1 GiB where the binary is not
    built with AddressSanitizer (whose shadow memory needs more): an
    unbounded expansion then fails at once instead of swapping the machine."""
    with open(BINARY, "rb") as f:
        asan = b"__asan_init" in f.read()

    def cap():
        if not asan:
            resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True,
                          timeout=60, preexec_fn=cap)


def doubling_env(times):
    """X=ab, then X=${X}${X} times times: 2^(times + 1) bytes."""
    return "X=ab" + ";X=${X}${X}" * times


@pytest.mark.parametrize("option", [[], ["--dry-run"], ["--dot"]])
def test_env_expansion_is_bounded(tmp_path, option):
    # a file of 500 bytes that would expand to 2 TiB
    p = write(tmp_path, f"[pipeline]\nenv={doubling_env(40)}\n\n[task:a]\ncommand=touch ran\n")
    r = run_in_1_gib([*option, p])
    assert r.returncode == 2, r.stderr[-500:]
    assert r.stderr.startswith(f"concurra-run: {p}:2: [pipeline]: bad 'env' entry 17, "
                               "'X=${X}${X}': it expands to more than the 131072 bytes"), r.stderr
    assert r.stdout == ""
    assert not (tmp_path / "ran").exists()


def test_env_expansion_up_to_the_limit_reaches_the_command(tmp_path):
    p = write(tmp_path, f"""\
        [task:big]
        command=test ${{#X}} -eq 65536 && touch ran
        env={doubling_env(15)}
        """)
    r = run_in_1_gib([p])
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "ran").exists()


def test_env_expansion_of_all_tasks_together_is_bounded(tmp_path):
    # [pipeline] env entries of 128 KiB in all (X's 16 values), given to
    # each of 600 tasks: 77 MiB
    tasks = "".join(f"[task:t{i}]\ncommand=true\n\n" for i in range(600))
    p = write(tmp_path, f"[pipeline]\nenv={doubling_env(15)}\n\n{tasks}")
    r = run_in_1_gib(["--dry-run", p])
    assert r.returncode == 2, r.stderr[-500:]
    assert re.match(rf"concurra-run: {re.escape(str(p))}:\d+: \[task:t5\d\d\]: task 't5\d\d': "
                    r"the expanded 'env' entries of the tasks so far come to more than 64 MiB",
                    r.stderr), r.stderr
    assert r.stdout == ""


# ---- bad input: exit 2, a clear message, nothing run ----

BAD_CASES = {
    # file: (line or None, group or None, words the message must contain)
    "syntax-error.pipeline": (4, None, ["syntax error", "this line is not a key"]),
    "missing-command.pipeline": (4, "[task:build]", ["task 'build'", "'command' or 'argv'"]),
    "both-command-and-argv.pipeline": (6, "[task:build]", ["task 'build'", "both 'command' and 'argv'"]),
    "unknown-key.pipeline": (6, "[task:build]", ["task 'build'", "unknown key 'dependz'"]),
    "unknown-group.pipeline": (4, "[tasks:build]", ["unknown group"]),
    "cycle.pipeline": (6, "[task:compile]", ["cycle", "compile → link → compile"]),
    "unknown-dependency.pipeline": (6, "[task:report]", ["task 'report'", "unknown task 'fetch'"]),
    "self-dependency.pipeline": (6, "[task:loop]", ["task 'loop' depends on itself"]),
    "duplicate-group.pipeline": (4, "[task:setup]", ["given twice", "line 1"]),
    "bad-value.pipeline": (6, "[task:build]", ["task 'build'", "'timeout'", "'soon'"]),
    "bad-pipeline-key.pipeline": (2, "[pipeline]", ["unknown key 'jobz'"]),
    "empty-argv-element.pipeline": (5, "[task:build]", ["task 'build'", "'argv' is empty"]),
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_pipeline_exit_2_nothing_run(tmp_path, name):
    line, group, words = BAD_CASES[name]
    markers = tmp_path / "markers"
    markers.mkdir()
    path = BAD / name
    r = run([path], env={"MARKER_DIR": str(markers)})
    assert r.returncode == 2, (r.stdout, r.stderr)
    message = r.stderr
    assert message.startswith("concurra-run: ")
    assert str(path) in message                       # the file
    if line is not None:
        assert f"{path}:{line}:" in message           # the line
    if group is not None:
        assert group in message                       # the group (and label)
    for word in words:
        assert word in message, message
    assert r.stdout == ""
    assert list(markers.iterdir()) == [], "a task ran despite the bad file"


@pytest.mark.parametrize("data, line, words", [
    (b"[task:a\xff]\ncommand=true\n", 1, "not UTF-8"),
    (b"[task:a]\ncommand=true\n\n[task:b]\ncommand=echo caf\xe9\n", 5, "not UTF-8"),
    (b"[task:a]\ncommand=true\n\x00\n[task:a]\ncommand=false\n", 3, "NUL"),
])
def test_bytes_that_are_not_text_exit_2(tmp_path, data, line, words):
    path = tmp_path / "bytes.pipeline"
    path.write_bytes(data)
    r = run([path])
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert f"{path}:{line}: syntax error" in r.stderr
    assert words in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("args", [
    ["--jobs", "-3"],
    ["--jobs", "-1"],
    ["--jobs", "many"],
    ["--timeout", "-1.5"],
    ["--timeout", "-1"],
    ["--timeout", "nan"],
    ["--retries", "-2"],
    ["--retries", "-1"],
    ["--no-such-option"],
    ["--dry-run", "--dot"],
    ["--max-output", "-1"],
    ["--max-output", "lots"],
    ["--max-output", "1T"],
])
def test_bad_options_exit_2(tmp_path, args):
    p = write(tmp_path, "[task:a]\ncommand=touch ran\n")
    r = run([*args, p])
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("concurra-run: ")
    assert not (tmp_path / "ran").exists()


def test_no_file_or_missing_file_exit_2(tmp_path):
    r = run([])
    assert r.returncode == 2 and "no pipeline file" in r.stderr
    r = run([tmp_path / "absent.pipeline"])
    assert r.returncode == 2 and "absent.pipeline" in r.stderr


def test_help_and_version():
    r = run(["--help"])
    assert r.returncode == 0
    for option in ("--jobs", "--timeout", "--retries", "--fast-fail", "--dry-run",
                   "--json", "--dot", "--trace", "--quiet"):
        assert option in r.stdout
    assert "[task:" in r.stdout and "Exit status" in r.stdout
    r = run(["--version"])
    assert r.returncode == 0 and r.stdout.startswith("concurra-run ")


# ---- outputs: --dry-run, --json, --dot, --trace ----

GRAPH = """\
    [pipeline]
    name=graph
    jobs=2

    [task:package]
    command=touch package
    depends=test;lint

    [task:test]
    command=touch test
    depends=build

    [task:build]
    command=touch build

    [task:lint]
    argv=touch;lint
    """


def test_dry_run_prints_order_and_graph(tmp_path):
    p = write(tmp_path, GRAPH)
    r = run(["--dry-run", p])
    assert r.returncode == 0, r.stderr
    order = re.findall(r"^\s+\d+\. \[stage (\d)\] (\S+)", r.stdout, re.M)
    labels = [label for _, label in order]
    assert sorted(labels) == ["build", "lint", "package", "test"]
    assert labels.index("build") < labels.index("test") < labels.index("package")
    assert labels.index("lint") < labels.index("package")
    assert dict((label, int(stage)) for stage, label in order) == \
        {"build": 1, "lint": 1, "test": 2, "package": 3}
    for edge in ("build -> test", "test -> package", "lint -> package"):
        assert edge in r.stdout
    assert "Nothing was run" in r.stdout
    assert [f.name for f in tmp_path.iterdir()] == ["test.pipeline"]


def test_dot_output(tmp_path):
    p = write(tmp_path, GRAPH)
    r = run(["--dot", p])
    assert r.returncode == 0
    assert r.stdout.startswith('digraph "graph" {')
    assert r.stdout.rstrip().endswith("}")
    for edge in ('"build" -> "test";', '"test" -> "package";', '"lint" -> "package";'):
        assert edge in r.stdout
    assert [f.name for f in tmp_path.iterdir()] == ["test.pipeline"]


def test_json_results(tmp_path):
    p = write(tmp_path, GRAPH + textwrap.dedent("""\
        [task:noisy]
        command=printf 'quote " backslash \\\\ tab \\t bell \\a é\\n'; echo err >&2; exit 2
        """))
    r = run(["--json", p])
    assert r.returncode == 1
    data = json.loads(r.stdout)                     # stdout is only JSON
    assert data["pipeline"] == "graph" and data["exit_status"] == 1
    assert data["success"] is False and data["interrupted"] is False
    tasks = {t["label"]: t for t in data["tasks"]}
    assert set(tasks) == {"package", "test", "build", "lint", "noisy"}
    expected_keys = {"task_name", "label", "start_time", "end_time", "duration",
                     "duration_seconds", "result", "error", "trace", "status",
                     "has_failed", "execution_mode", "warning", "attempts", "task_retries",
                     "retried", "retry_errors"}
    for t in tasks.values():
        assert expected_keys <= set(t)
        # the library's alias of "result" would write every output twice
        assert "output" not in t
    assert tasks["build"]["status"] == "Successful"
    assert tasks["build"]["execution_mode"] == "subprocess"
    assert tasks["build"]["result"]["returncode"] == 0
    assert tasks["lint"]["result"]["command"] == ["touch", "lint"]
    assert tasks["package"]["depends"] == ["test", "lint"]
    noisy = tasks["noisy"]
    assert noisy["status"] == "Failed" and noisy["has_failed"] is True
    assert noisy["result"]["returncode"] == 2
    assert noisy["result"]["stdout"] == 'quote " backslash \\ tab \t bell \a é\n'
    assert noisy["result"]["stderr"] == "err\n"
    assert noisy["result"]["stdout_omitted"] == 0
    assert "return code 2" in noisy["error"]
    # the summary moved to stderr
    assert "noisy: Failed" in r.stderr


# ---- max-output: what is kept of a task's output ----

def test_max_output_option_keys_and_marker(tmp_path):
    p = write(tmp_path, """\
        [pipeline]
        max-output=100

        [task:default]
        command=seq 1 1000

        [task:own]
        command=seq 1 1000
        max-output=1K

        [task:all]
        command=seq 1 1000
        max-output=0
        """)
    full = "".join(f"{i}\n" for i in range(1, 1001))
    r = run(["--json", p])
    assert r.returncode == 0, r.stderr
    tasks = {t["label"]: t for t in json.loads(r.stdout)["tasks"]}
    kept = tasks["default"]["result"]["stdout"]
    marker = f"\n[... {len(full) - 100} bytes omitted (max-output 100 bytes) ...]\n"
    assert kept == full[:50] + marker + full[-50:]
    assert tasks["default"]["result"]["stdout_omitted"] == len(full) - 100
    assert "standard output: %d bytes omitted" % (len(full) - 100) in tasks["default"]["warning"]
    assert tasks["own"]["result"]["stdout"].startswith(full[:512] + "\n[... ")
    assert tasks["own"]["result"]["stdout_omitted"] == len(full) - 1024
    assert tasks["all"]["result"]["stdout"] == full
    assert tasks["all"]["warning"] is None
    # the option overrides [pipeline]; a task's own key still wins
    r = run(["--json", "--max-output", "0", p])
    tasks = {t["label"]: t for t in json.loads(r.stdout)["tasks"]}
    assert tasks["default"]["result"]["stdout"] == full
    assert tasks["own"]["result"]["stdout_omitted"] == len(full) - 1024
    r = run(["-n", "--max-output=2M", p])
    assert "max-output 2097152" in r.stdout and "max-output 1024" in r.stdout


def test_bad_max_output_key_exit_2(tmp_path):
    p = write(tmp_path, "[task:a]\ncommand=touch ran\nmax-output=-5\n")
    r = run([p])
    assert r.returncode == 2
    assert "'max-output' must be a number of bytes" in r.stderr and "'-5'" in r.stderr
    assert not (tmp_path / "ran").exists()


def test_json_writes_each_output_once(tmp_path):
    token = uuid.uuid4().hex
    # the output joins what the command line keeps apart
    p = write(tmp_path, f"[task:a]\ncommand=printf 'out%s\\n' {token}; printf 'err%s' {token} >&2\n")
    r = run(["--json", p])
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("out" + token) == 1
    assert r.stdout.count("err" + token) == 1


def peak_rss_kib(args):
    """Runs concurra-run; returns (its exit status, peak RSS in KiB, stdout size)."""
    with open(os.devnull, "wb") as null, subprocess.Popen(
            [BINARY, *map(str, args)], stdout=subprocess.PIPE, stderr=null,
            stdin=subprocess.DEVNULL) as proc:
        size = 0
        while chunk := proc.stdout.read(1 << 16):
            size += len(chunk)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss, size


def test_max_output_bounds_peak_memory(tmp_path):
    # 300 MB of output through a 1 MiB cap: concurra-run once peaked at
    # 1.12 GB (1.47 GB with --json); now at the cap, and the JSON is small
    p = write(tmp_path, "[task:big]\ncommand=head -c 300000000 /dev/zero | tr '\\\\0' x\n")
    status, rss, size = peak_rss_kib(["--json", "--max-output=1M", p])
    assert status == 0
    assert rss < 100 * 1024, f"peak RSS {rss} KiB"
    assert size < 3 * 1024 * 1024


def test_unwritable_trace_fails_the_run_and_the_json_says_so(tmp_path):
    p = write(tmp_path, "[task:a]\ncommand=true\n")
    r = run(["--json", "--trace", tmp_path / "no-such-dir" / "t.json", p])
    assert r.returncode == 1
    assert "cannot write the trace" in r.stderr
    data = json.loads(r.stdout)
    assert data["exit_status"] == 1 and data["success"] is False
    assert data["n_failed"] == 0


def test_trace_file(tmp_path):
    p = write(tmp_path, GRAPH + "\n[task:slow]\ncommand=sleep 0.3\n")
    trace = tmp_path / "trace.json"
    r = run(["--trace", trace, "--jobs", "2", p])
    assert r.returncode == 0, r.stderr
    data = json.loads(trace.read_text())
    events = data["traceEvents"]
    complete = [e for e in events if e["ph"] == "X"]
    assert sorted(e["name"] for e in complete) == ["build", "lint", "package", "slow", "test"]
    for e in complete:
        assert isinstance(e["ts"], int) and isinstance(e["dur"], int)
        assert e["dur"] >= 0 and isinstance(e["pid"], int) and e["tid"] >= 1
        assert e["args"]["status"] == "Successful"
    slow = next(e for e in complete if e["name"] == "slow")
    assert slow["dur"] >= 250_000                       # microseconds
    # one row per job: at most --jobs rows, no overlap within a row
    assert len({e["tid"] for e in complete}) <= 2
    by_tid = {}
    for e in complete:
        by_tid.setdefault(e["tid"], []).append((e["ts"], e["ts"] + e["dur"]))
    for spans in by_tid.values():
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert start >= end
    # dependencies are respected on the timeline
    ts = {e["name"]: e for e in complete}
    assert ts["test"]["ts"] >= ts["build"]["ts"] + ts["build"]["dur"]
    names = [e for e in events if e["ph"] == "M"]
    assert any(e["name"] == "thread_name" for e in names)


# ---- scheduling: jobs, retries, timeout, fast-fail ----

def max_overlap(log):
    points = []
    for line in log.read_text().split():
        kind, stamp = line.split(":")
        points.append((int(stamp), 1 if kind == "start" else -1))
    points.sort(key=lambda p: (p[0], p[1]))       # an end before a start at the same time
    level = peak = 0
    for _, delta in points:
        level += delta
        peak = max(peak, level)
    return peak


def jobs_pipeline(tmp_path, n, jobs_line=""):
    log = tmp_path / "log"
    body = f"[pipeline]\n{jobs_line}\n"
    for i in range(n):
        body += (f"[task:t{i}]\n"
                 f"command=echo start:$(date +%s%N) >> {log}; sleep 0.25; "
                 f"echo end:$(date +%s%N) >> {log}\n")
    return write(tmp_path, body), log


def test_jobs_limit_respected(tmp_path):
    p, log = jobs_pipeline(tmp_path, 6)
    r = run(["--jobs", "2", p])
    assert r.returncode == 0, r.stdout
    assert max_overlap(log) == 2


def test_pipeline_jobs_and_option_override(tmp_path):
    p, log = jobs_pipeline(tmp_path, 4, "jobs=1")
    assert run([p]).returncode == 0
    assert max_overlap(log) == 1
    log.unlink()
    assert run(["-j", "4", p]).returncode == 0
    assert max_overlap(log) >= 3


def test_retries(tmp_path):
    p = write(tmp_path, """\
        [task:flaky]
        command=n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "attempt $n" >&2; [ $n -ge 3 ]
        retries=2

        [task:hopeless]
        command=echo nope >&2; exit 1
        retries=1
        """)
    r = run(["--json", p])
    assert r.returncode == 1
    tasks = {t["label"]: t for t in json.loads(r.stdout)["tasks"]}
    assert tasks["flaky"]["status"] == "Successful"
    assert tasks["flaky"]["attempts"] == 3 and tasks["flaky"]["retried"] is True
    assert len(tasks["flaky"]["retry_errors"]) == 2
    assert tasks["hopeless"]["status"] == "Failed" and tasks["hopeless"]["attempts"] == 2
    assert "hopeless: Failed after 2 attempts" in r.stderr


def test_retries_option(tmp_path):
    p = write(tmp_path, """\
        [task:flaky]
        command=n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 2 ]
        """)
    assert run([p]).returncode == 1
    (tmp_path / "count").unlink()
    r = run(["--retries", "1", p])
    assert r.returncode == 0, r.stdout
    assert re.search(r"^\| flaky +\| Successful +\| 2 ", r.stdout, re.M)


def test_timeout(tmp_path):
    p = write(tmp_path, """\
        [task:stuck]
        command=sleep 30
        timeout=0.5

        [task:quick]
        command=true
        """)
    start = time.monotonic()
    r = run([p])
    assert time.monotonic() - start < 10
    assert r.returncode == 1
    assert re.search(r"^\| stuck +\| Timed out ", r.stdout, re.M)
    assert "timeout of 0.5 seconds" in r.stdout
    assert re.search(r"^\| quick +\| Successful", r.stdout, re.M)


def test_timeout_option_is_the_default(tmp_path):
    p = write(tmp_path, """\
        [task:stuck]
        command=sleep 30

        [task:own]
        command=sleep 0.8
        timeout=5
        """)
    start = time.monotonic()
    r = run(["--timeout", "0.3", p])
    assert time.monotonic() - start < 10
    assert r.returncode == 1
    assert re.search(r"^\| stuck +\| Timed out ", r.stdout, re.M)
    assert re.search(r"^\| own +\| Successful ", r.stdout, re.M)


@pytest.mark.parametrize("option, header", [
    ("--fast-fail", ""),                       # the option
    (None, "[pipeline]\nfast-fail=true\n\n"),   # the pipeline key
])
def test_fast_fail(tmp_path, option, header):
    p = write(tmp_path, header + textwrap.dedent("""\
        [task:fails]
        command=sleep 0.2; exit 1

        [task:long]
        command=sleep 30
        """))
    start = time.monotonic()
    r = run([option, p] if option else [p])
    assert time.monotonic() - start < 10
    assert r.returncode == 1
    assert re.search(r"^\| long +\| Terminated ", r.stdout, re.M)


def test_retry_delay_doubles(tmp_path):
    # fails twice, then succeeds; each attempt appends its start time
    p = write(tmp_path, """\
        [pipeline]
        retry-delay=0.3

        [task:flaky]
        command=date +%s.%N >> attempts.txt; test $(wc -l < attempts.txt) -ge 3
        retries=2
        """)
    r = run([p])
    assert r.returncode == 0, r.stdout + r.stderr
    times = [float(t) for t in (tmp_path / "attempts.txt").read_text().split()]
    assert len(times) == 3
    # 0.3 s before the first retry, 0.6 s before the second (lower bounds
    # only, with a margin for the clock's and the shell's granularity)
    assert times[1] - times[0] >= 0.25, times
    assert times[2] - times[1] >= 0.5, times


def test_quiet(tmp_path):
    p = write(tmp_path, "[task:good]\ncommand=true\n[task:bad]\ncommand=echo why >&2; false\n")
    r = run(["--quiet", p])
    assert r.returncode == 1
    assert r.stdout == ""
    assert "started" not in r.stderr and "| label" not in r.stderr
    assert "bad: Failed" in r.stderr and "| why" in r.stderr


def test_verbose_shows_output_of_successful_tasks(tmp_path):
    p = write(tmp_path, "[task:chatty]\ncommand=echo said-by-chatty\n")
    r = run([p])
    assert r.returncode == 0
    assert "said-by-chatty" not in r.stdout          # only failures by default
    r = run(["--verbose", p])
    assert r.returncode == 0
    assert "| said-by-chatty" in r.stdout, r.stdout


# ---- progress ----

def test_plain_progress_lines_when_not_a_terminal(tmp_path):
    p = write(tmp_path, "[task:a]\ncommand=true\n[task:b]\ncommand=true\ndepends=a\n")
    r = run([p])
    assert r.returncode == 0
    assert "\x1b" not in r.stderr and "\r" not in r.stderr
    assert re.search(r"^\[0/2\] started +a$", r.stderr, re.M)
    assert re.search(r"^\[1/2\] ok +a \(", r.stderr, re.M)
    assert re.search(r"^\[2/2\] ok +b \(", r.stderr, re.M)


def run_in_pty(args, timeout=30):
    """Runs concurra-run with a pseudo-terminal as stdout and stderr.

    Where no pseudo-terminal can be made (a chroot without devpts), the bar
    is forced on with --progress=bar over a pipe: the redraw logic checked
    is the same, only the terminal detection is not."""
    try:
        master, slave = os.openpty()
    except OSError:
        r = subprocess.run([BINARY, "--progress=bar", *map(str, args)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        return r.returncode, r.stdout.decode("utf-8", "replace")
    proc = subprocess.Popen([BINARY, *map(str, args)], stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:                     # EIO: the child side closed
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=10), b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_redraws_in_place_on_a_terminal(tmp_path):
    p = write(tmp_path, """\
        [task:one]
        command=sleep 0.2
        [task:two]
        command=sleep 0.3
        depends=one
        [task:three]
        command=sleep 0.1
        [task:four]
        command=echo oops >&2; exit 1
        depends=three
        """)
    status, output = run_in_pty(["--jobs", "2", p])
    assert status == 1
    redraws = output.count("\r\x1b[2K")
    assert redraws >= 6, repr(output)
    bars = re.findall(r"\r\x1b\[2K(\[[#.]{20}\] (\d)/4 [\d.]+s(?: running: [^\r\n]*)?)", output)
    assert len(bars) >= 5
    assert {done for _, done in bars} >= {"0", "1", "2", "3"}
    assert any("running: one, three" in bar or "running: three, one" in bar for bar, _ in bars)
    # the bar line is redrawn, not scrolled: no newline inside the bar updates
    assert "\n[" not in output.split("| label")[0].replace("\r\n", "\n").replace("FAILED", "")
    # the failure went above the bar as a line of its own, then the summary
    assert "FAILED   four" in output
    assert "four: Failed after 1 attempt" in output


# ---- Ctrl-C ----

def processes_with_token(token):
    """PIDs of live (non-zombie) processes whose environment holds token."""
    found = []
    needle = f"CR_TEST_TOKEN={token}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in env and state != "Z":
            found.append(int(entry))
    return found


def test_sigint_aborts_kills_process_trees_and_prints_summary(tmp_path):
    p = write(tmp_path, """\
        [task:one]
        command=sleep 100 | sleep 100

        [task:two]
        command=sleep 100 | sleep 100

        [task:later]
        command=touch later-ran
        depends=one
        """)
    token = uuid.uuid4().hex
    env = dict(os.environ, CR_TEST_TOKEN=token)
    proc = subprocess.Popen([BINARY, str(p)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    # wait for both shells and their four sleeps (plus concurra-run itself)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(processes_with_token(token)) < 7:
        time.sleep(0.05)
    tree = set(processes_with_token(token)) - {proc.pid}
    assert len(tree) >= 6, tree

    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in err
    assert re.search(r"^\| one +\| Terminated ", out, re.M)
    assert re.search(r"^\| two +\| Terminated ", out, re.M)
    assert re.search(r"^\| later +\| Terminated +\| 0 ", out, re.M)
    assert "(interrupted)" in out
    assert not (tmp_path / "later-ran").exists()

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and processes_with_token(token):
        time.sleep(0.1)
    assert processes_with_token(token) == [], "processes of the run survived"


def test_sigterm_exit_143_and_summary(tmp_path):
    p = write(tmp_path, "[task:sleeper]\ncommand=sleep 100\n")
    token = uuid.uuid4().hex
    env = dict(os.environ, CR_TEST_TOKEN=token)
    proc = subprocess.Popen([BINARY, str(p)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(processes_with_token(token)) < 3:
        time.sleep(0.05)
    assert len(processes_with_token(token)) >= 3     # concurra-run, sh, sleep
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 143, (out, err)
    assert re.search(r"^\| sleeper +\| Terminated ", out, re.M)
    assert "(interrupted)" in out
    assert processes_with_token(token) == [], "the command survived SIGTERM of concurra-run"


def test_sigint_kills_commands_that_ignore_sigterm(tmp_path):
    # a shell that ignores SIGTERM, and a background job that ignores it
    # while its group leader does not
    p = write(tmp_path, """\
        [task:stubborn]
        command=trap '' TERM; sleep 100 & sleep 100; wait

        [task:orphaned]
        command=(trap '' TERM; exec sleep 100) & sleep 100
        """)
    token = uuid.uuid4().hex
    env = dict(os.environ, CR_TEST_TOKEN=token)
    proc = subprocess.Popen([BINARY, "--jobs", "2", str(p)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(processes_with_token(token)) < 7:
        time.sleep(0.05)
    assert len(processes_with_token(token)) >= 7

    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, (out, err)
    assert time.monotonic() - start < 8            # the 2 s grace, not forever
    assert "(interrupted)" in out
    # gone by the time concurra-run has exited
    assert processes_with_token(token) == [], "a SIGTERM-ignoring process survived"


def test_timeout_kills_command_that_ignores_sigterm(tmp_path):
    p = write(tmp_path, """\
        [task:stubborn]
        command=trap '' TERM; sleep 100
        timeout=0.3
        """)
    token = uuid.uuid4().hex
    start = time.monotonic()
    r = run([p], env={"CR_TEST_TOKEN": token})
    assert time.monotonic() - start < 8
    assert r.returncode == 1
    assert re.search(r"^\| stubborn +\| Timed out ", r.stdout, re.M)
    assert processes_with_token(token) == [], "the timed-out command survived"


# ---- other signals, a second Ctrl-C, closed pipes ----

@pytest.fixture
def sleep_marker():
    """A command line unique to this test (`sleep 3517.NNNNNN`), so that
    `pgrep -f` finds the test's own commands only; whatever the test leaves
    behind is killed afterwards."""
    marker = f"sleep 3517.{uuid.uuid4().int % 10**6:06d}"
    yield marker
    for pid in survivors(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def survivors(marker):
    """PIDs of live processes whose command line holds marker."""
    r = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    return [int(pid) for pid in r.stdout.split()]


def start_run(args, *, wait_for=None, marker=None, default_signals=(), **popen_args):
    """Starts concurra-run with the given signals at their default action
    (whatever the test runner ignores), and waits until at least wait_for
    processes with marker run."""
    def reset_signals():
        for signum in default_signals:
            signal.signal(signum, signal.SIG_DFL)

    popen_args.setdefault("stdout", subprocess.PIPE)
    popen_args.setdefault("stderr", subprocess.PIPE)
    proc = subprocess.Popen([BINARY, *map(str, args)], stdin=subprocess.DEVNULL,
                            preexec_fn=reset_signals, **popen_args)
    deadline = time.monotonic() + 20
    while wait_for and time.monotonic() < deadline and len(survivors(marker)) < wait_for:
        time.sleep(0.05)
    if wait_for:
        assert len(survivors(marker)) >= wait_for, "the commands did not start"
    return proc


def read_until(stream, text, timeout=20):
    """Reads stream (bytes) until text appears; returns what was read."""
    data = b""
    deadline = time.monotonic() + timeout
    while text.encode() not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 0.5)
        if ready:
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                break
            data += chunk
    return data.decode("utf-8", "replace")


@pytest.mark.parametrize("name", ["HUP", "QUIT", "USR1", "USR2", "ALRM", "VTALRM",
                                  "XCPU", "XFSZ"])
def test_terminating_signals_stop_the_run_and_kill_the_commands(tmp_path, sleep_marker, name):
    # commands run in their own process groups: a hangup of the terminal or
    # `kill -HUP -- -PGID` reaches concurra-run only, which must stop them
    signum = getattr(signal, "SIG" + name)
    p = write(tmp_path, f"""\
        [task:one]
        command={sleep_marker}

        [task:two]
        command=trap '' TERM; {sleep_marker}

        [task:later]
        command=touch later-ran
        depends=one
        """)
    proc = start_run(["--jobs", "2", p], wait_for=2, marker=sleep_marker,
                     default_signals=[signum])
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    out, err = out.decode(), err.decode()
    assert proc.returncode == 128 + signum, (out, err)
    assert re.search(r"^\| one +\| Terminated ", out, re.M)
    assert "(interrupted)" in out
    assert f"{signal.strsignal(signum)}, stopping all tasks" in err
    assert not (tmp_path / "later-ran").exists()
    assert survivors(sleep_marker) == [], "a command outlived concurra-run"


def test_signal_ignored_at_start_stays_ignored(tmp_path):
    # as under nohup: concurra-run and its commands go on
    p = write(tmp_path, "[task:short]\ncommand=sleep 0.6\n")
    proc = subprocess.Popen([BINARY, p], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    time.sleep(0.3)
    proc.send_signal(signal.SIGHUP)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, (out, err)
    assert re.search(r"^\| short +\| Successful ", out, re.M)


def test_second_sigint_kills_at_once_and_leaves_nothing(tmp_path, sleep_marker):
    # commands that ignore SIGTERM get a 2 s grace after the first Ctrl-C;
    # a second one during that clean-up kills them at once, and concurra-run
    # still exits only after they are gone
    p = write(tmp_path, f"""\
        [task:stubborn]
        command=trap '' TERM; {sleep_marker} & {sleep_marker}; wait

        [task:orphaned]
        command=(trap '' TERM; exec {sleep_marker}) & {sleep_marker}
        """)
    proc = start_run(["--jobs", "2", p], wait_for=4, marker=sleep_marker,
                     default_signals=[signal.SIGINT])
    proc.send_signal(signal.SIGINT)
    # the run is over only when its commands are reaped: during the grace
    # they are still there
    time.sleep(0.3)
    assert survivors(sleep_marker), "nothing left to clean up: the test proves nothing"
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, (out, err)
    assert time.monotonic() - start < 1.5          # not the 2 s grace
    assert "(interrupted)" in out.decode()
    assert "killing all tasks now" in err.decode()
    assert survivors(sleep_marker) == [], "a command outlived concurra-run"


def test_closed_pipe_on_progress_ends_the_run_cleanly(tmp_path, sleep_marker):
    # `concurra-run p 2>&1 | head -1`: the next progress line meets a closed
    # pipe; concurra-run stops the run as for SIGPIPE, without dying of it
    p = write(tmp_path, f"""\
        [task:long]
        command=trap '' TERM; {sleep_marker}

        [task:short]
        command=sleep 0.3
        """)
    proc = start_run(["--jobs", "2", "--progress=lines", p], wait_for=1, marker=sleep_marker,
                     stderr=subprocess.STDOUT)
    assert proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=30) == 128 + signal.SIGPIPE
    assert survivors(sleep_marker) == [], "a command outlived concurra-run"


def test_closed_pipe_on_the_summary_still_cleans_up(tmp_path, sleep_marker):
    # `concurra-run p | head -1` after a timeout: the summary meets a closed
    # pipe before the timed-out command that ignores SIGTERM is reaped
    p = write(tmp_path, f"""\
        [task:stubborn]
        command=trap '' TERM; {sleep_marker}
        timeout=0.3
        """)
    proc = start_run([p])
    proc.stdout.close()
    assert proc.wait(timeout=30) == 128 + signal.SIGPIPE
    assert b"TIMEOUT  stubborn" in proc.stderr.read()
    assert survivors(sleep_marker) == [], "the timed-out command outlived concurra-run"


# ---- the example pipeline ----

def snapshot(directory):
    return sorted((str(f.relative_to(directory)), f.stat().st_mtime_ns)
                  for f in directory.rglob("*"))


def test_example_pipeline_builds_out_of_tree(tmp_path):
    example = SOURCE_ROOT / "examples" / "pipelines"
    before = snapshot(example)
    r = run([example / "build.pipeline"], env={"TMPDIR": str(tmp_path)}, timeout=120,
            cwd=SOURCE_ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "hello: 10 succeeded of 10" in r.stdout
    assert (tmp_path / "concurra-hello-build" / "hello-1.0.tar.gz").exists()
    assert snapshot(example) == before, "the example wrote into the source tree"


def test_example_pipeline_dry_run_shows_parallel_stage(tmp_path):
    r = run(["-n", SOURCE_ROOT / "examples" / "pipelines" / "build.pipeline"])
    assert r.returncode == 0
    stages = dict((label, int(stage)) for stage, label in
                  re.findall(r"\[stage (\d+)\] (\S+)", r.stdout))
    assert stages["lint"] == stages["style"] == stages["prepare"] == 1
    assert stages["package"] > max(stages["test"], stages["unit-tests"])


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))


def test_progress_bar_forced_over_a_pipe(tmp_path):
    """--progress=bar draws the bar where the terminal detection would not."""
    p = write(tmp_path, "[task:a]\ncommand=sleep 0.1\n[task:b]\ncommand=true\ndepends=a\n")
    r = subprocess.run([BINARY, "--progress=bar", p], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=30)
    assert r.returncode == 0
    assert r.stderr.count(b"\r\x1b[2K") >= 3
    lines = subprocess.run([BINARY, "--progress=lines", p], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=30)
    assert b"\x1b" not in lines.stderr and b"[2/2] ok" in lines.stderr
    bad = subprocess.run([BINARY, "--progress=rainbow", p], capture_output=True, timeout=30)
    assert bad.returncode == 2 and b"--progress" in bad.stderr


# ---- concurra-run FILE TASK...: a task and what it depends on ----

def ran(tmp_path):
    return sorted(f.name for f in tmp_path.iterdir() if f.suffix != ".pipeline")


def test_tasks_run_with_what_they_depend_on_and_nothing_else(tmp_path):
    p = write(tmp_path, GRAPH)
    r = run([p, "test"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert ran(tmp_path) == ["build", "test"]
    assert "2 succeeded of 2" in r.stdout


def test_several_tasks_and_a_shared_dependency_once(tmp_path):
    p = write(tmp_path, GRAPH.replace("argv=touch;lint", "argv=touch;lint\n    depends=build")
              .replace("command=touch build", "command=echo x >> build"))
    r = run(["--json", p, "lint", "test"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert ran(tmp_path) == ["build", "lint", "test"]
    assert (tmp_path / "build").read_text() == "x\n"
    labels = [t["label"] for t in json.loads(r.stdout)["tasks"]]
    assert sorted(labels) == ["build", "lint", "test"]


def test_tasks_with_dry_run_dot_and_list(tmp_path):
    p = write(tmp_path, GRAPH)
    r = run(["-n", p, "test"])
    assert r.returncode == 0, r.stderr
    assert re.findall(r"^\s+\d+\. \[stage \d\] (\S+)", r.stdout, re.M) == ["build", "test"]
    r = run(["--dot", p, "test"])
    assert r.returncode == 0 and '"build" -> "test"' in r.stdout and "package" not in r.stdout
    r = run(["--list", p])
    assert r.returncode == 0 and r.stdout.split() == ["package", "test", "build", "lint"]
    r = run(["-l", p, "package"])
    assert r.returncode == 0 and r.stdout.split() == ["package", "test", "build", "lint"]
    r = run(["--list", p, "lint"])
    assert r.returncode == 0 and r.stdout == "lint\n"
    assert ran(tmp_path) == []


def test_unknown_task_exit_2_names_it_and_nothing_runs(tmp_path):
    p = write(tmp_path, GRAPH)
    r = run([p, "build", "deploy"], cwd=tmp_path)
    assert r.returncode == 2
    assert "no task 'deploy'" in r.stderr and "'build'" in r.stderr
    assert ran(tmp_path) == []
    # a second pipeline file is not a task either
    other = write(tmp_path, GRAPH, name="other.pipeline")
    r = run([p, other], cwd=tmp_path)
    assert r.returncode == 2 and "one pipeline file at a time" in r.stderr


def test_task_with_a_semicolon_in_its_label(tmp_path):
    p = write(tmp_path, """\
        [task:lint\\;fix]
        command=touch fixed

        [task:other]
        command=touch other
        """)
    r = run([p, "lint;fix"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert ran(tmp_path) == ["fixed"]


def test_help_names_tasks_and_list():
    r = run(["--help"])
    assert "PIPELINE-FILE [TASK…]" in r.stdout and "--list" in r.stdout


# ---- the manual page and the bash completion ----

def help_options():
    r = run(["--help"])
    return sorted(set(re.findall(r"^\s+(?:-\w, )?(--[\w-]+)", r.stdout, re.M)))


@pytest.mark.skipif("CONCURRA_RUN_MAN" not in os.environ, reason="scdoc not found")
def test_man_page_describes_every_option():
    page = Path(os.environ["CONCURRA_RUN_MAN"]).read_text()
    assert page.startswith(".\\\"") or ".TH" in page
    assert re.search(r'^\.TH "concurra-run" "1"', page, re.M), page[:300]
    # troff escapes '-' as '\-'
    text = page.replace("\\-", "-")
    missing = [o for o in help_options() if o not in text]
    assert missing == [], "options of --help missing in the manual page"
    for section in ("SYNOPSIS", "OPTIONS", "EXIT STATUS", "PIPELINE FILE"):
        assert section in text


COMPLETION = os.environ.get("CONCURRA_RUN_COMPLETION",
                            str(SOURCE_ROOT / "tools" / "concurra-run.bash-completion"))


def complete(words, cwd):
    """COMPREPLY for the command line @words, the last being completed."""
    script = ('source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
              '_concurra_run; printf "%s\\n" "${COMPREPLY[@]}"')
    r = subprocess.run(["bash", "-c", script, COMPLETION, BINARY, *words],
                       capture_output=True, text=True, cwd=cwd, timeout=30)
    assert r.returncode == 0, r.stderr
    return [line for line in r.stdout.split("\n") if line]


def test_completion_of_options_and_their_values(tmp_path):
    assert complete(["--ver"], tmp_path) == ["--verbose", "--version"]
    assert set(complete(["--"], tmp_path)) == set(help_options())
    assert complete(["--progress", "b"], tmp_path) == ["bar"]
    assert complete(["--progress", "=", "l"], tmp_path) == ["lines"]
    assert complete(["-j", ""], tmp_path) == []
    assert complete(["--max-output", ""], tmp_path) == []


def test_completion_of_files_and_task_labels(tmp_path):
    write(tmp_path, GRAPH, name="graph.pipeline")
    write(tmp_path, "[task:a]\ncommand=true\n", name="notes.txt")
    assert complete(["gr"], tmp_path) == ["graph.pipeline"]
    assert complete(["--trace", "no"], tmp_path) == ["notes.txt"]
    assert complete(["-j", "2", "graph.pipeline", ""], tmp_path) == \
        ["package", "test", "build", "lint"]
    # bash splits "--jobs=2" at the "=" (COMP_WORDBREAKS)
    assert complete(["--jobs", "=", "2", "graph.pipeline", "l"], tmp_path) == ["lint"]
    assert complete(["graph.pipeline", "build", "p"], tmp_path) == ["package"]
    assert complete(["--max-output", "1M", "graph.pipeline", "l"], tmp_path) == ["lint"]
    # no labels from standard input or from a file that does not load
    assert complete(["-", ""], tmp_path) == []
    write(tmp_path, "[task:a]\ndepends=a\ncommand=true\n", name="bad.pipeline")
    assert complete(["bad.pipeline", ""], tmp_path) == []


def test_many_jobs_with_a_low_descriptor_limit(tmp_path):
    # each running command holds three descriptors (two pipes, a pidfd):
    # 150 at once need more than a soft limit of 256, which concurra-run
    # raises to the hard limit itself (it crashed in GLib, out of
    # descriptors, at jobs=1000 under the usual soft limit of 1024)
    tasks = "".join(f"[task:t{i}]\ncommand=sleep 0.3\n\n" for i in range(150))
    p = write(tmp_path, "[pipeline]\njobs=150\n\n" + tasks)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert hard == resource.RLIM_INFINITY or hard >= 1024, "the machine's hard limit is too low to test this"

    def lower_soft_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))

    proc = subprocess.run([BINARY, p], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60, preexec_fn=lower_soft_limit)
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-2000:])
    assert "150 succeeded of 150" in proc.stdout + proc.stderr
