# Tests of the PyGObject override: external commands in Concurra.TaskRunner
# (add_command / add_shell_command), their argument rules and results.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import pathlib
import time

import gi

gi.require_version("Concurra", "1")

from gi.repository import Concurra  # noqa: E402

import pytest  # noqa: E402


def new_runner(**kwargs):
    kwargs.setdefault("progress_stats", False)
    return Concurra.TaskRunner(**kwargs)


def test_exec_form_commands_with_dependencies():
    runner = new_runner(max_concurrency=2)
    runner.add_command(["echo", "generate report"], label="generate_report")
    runner.add_command(("echo", "send report"), label="send_report",
                       depends_on=["generate_report"])
    results = runner.run()
    gen = results["generate_report"]
    assert gen["status"] == "Successful"
    assert gen["execution_mode"] == "subprocess"
    assert gen["result"] == {
        "command": ["echo", "generate report"],
        "shell": False,
        "returncode": 0,
        "stdout": "generate report\n",
        "stderr": "",
        "cwd": None,
    }
    assert gen["output"] == gen["result"]
    assert results["send_report"]["result"]["command"] == \
        ["echo", "send report"]
    assert results["send_report"]["result"]["stdout"] == "send report\n"
    assert json.loads(json.dumps(results, default=str))


def test_shell_commands():
    runner = new_runner()
    runner.add_shell_command("printf 'alpha\\nbeta\\n' | grep beta",
                             label="filter_output")
    runner.add_shell_command("echo out; echo err >&2", label="both")
    results = runner.run()
    res = results["filter_output"]["result"]
    assert res["stdout"] == "beta\n"
    assert res["shell"] is True
    assert res["command"] == "printf 'alpha\\nbeta\\n' | grep beta"
    assert results["both"]["result"]["stderr"] == "err\n"
    assert results["filter_output"]["task_name"] == \
        "printf 'alpha\\nbeta\\n' | grep beta"


def test_commands_mixed_with_python_tasks():
    runner = new_runner(max_concurrency=2)
    runner.add_task(lambda: "payload ready", label="prepare")
    runner.add_command(["echo", "external command ran"],
                       label="external_command", depends_on=["prepare"])
    results = runner.run()
    assert results["prepare"]["result"] == "payload ready"
    assert results["external_command"]["execution_mode"] == "subprocess"
    assert results["external_command"]["result"]["stdout"] == \
        "external command ran\n"


def test_failed_command_keeps_its_result():
    runner = new_runner()
    runner.add_shell_command("echo partial; echo broken >&2; exit 3",
                             label="bad")
    runner.add_shell_command("exit 4", label="unchecked", check=False)
    runner.add_command(["echo", "never"], label="after",
                       depends_on=["bad"])
    results = runner.run(verify=False)
    bad = results["bad"]
    assert bad["status"] == "Failed"
    assert bad["has_failed"] is True
    assert bad["result"]["returncode"] == 3
    assert bad["result"]["stdout"] == "partial\n"
    assert bad["result"]["stderr"] == "broken\n"
    assert bad["error"] == ("CommandExecutionError: Command exited with "
                            "return code 3: broken")
    unchecked = results["unchecked"]
    assert unchecked["status"] == "Successful"
    assert unchecked["result"]["returncode"] == 4
    assert results["after"]["status"] == "Terminated"
    assert results["after"]["result"] is None


def test_missing_program():
    runner = new_runner()
    runner.add_command(["/nonexistent/program-xyz"], label="missing")
    results = runner.run(verify=False)
    missing = results["missing"]
    assert missing["status"] == "Failed"
    assert missing["error"].startswith("FileNotFoundError: ")
    assert "program-xyz" in missing["error"]
    assert missing["result"] is None


def test_cwd_env_capture_and_text_options(tmp_path):
    (tmp_path / "data.txt").write_text("hello")
    runner = new_runner()
    runner.add_command(["cat", "data.txt"], label="cwd", cwd=tmp_path)
    runner.add_shell_command("echo \"$GREETING-$HOME_UNSET-\"", label="env",
                             env={"GREETING": "hi",
                                  "HOME_UNSET": pathlib.Path("p")})
    runner.add_shell_command("echo \"[$CONCURRA_TEST_DROP]\"", label="unset",
                             env={"CONCURRA_TEST_DROP": None})
    runner.add_command(["echo", "quiet"], label="nocapture",
                       capture_output=False)
    runner.add_command(["printf", "\\377bytes"], label="bytes", text=False)
    os.environ["CONCURRA_TEST_DROP"] = "inherited"
    try:
        results = runner.run()
    finally:
        del os.environ["CONCURRA_TEST_DROP"]
    assert results["cwd"]["result"]["stdout"] == "hello"
    assert results["cwd"]["result"]["cwd"] == str(tmp_path)
    assert results["env"]["result"]["stdout"] == "hi-p-\n"
    assert results["unset"]["result"]["stdout"] == "[]\n"
    assert results["nocapture"]["result"]["stdout"] is None
    assert results["nocapture"]["result"]["stderr"] is None
    assert results["nocapture"]["result"]["returncode"] == 0
    assert results["bytes"]["result"]["stdout"] == b"\xffbytes"
    assert results["bytes"]["result"]["stderr"] == b""


def test_command_retries_and_timeout(tmp_path):
    marker = tmp_path / "count"
    script = ("n=$(cat %s 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s; "
              "[ $n -ge 3 ]" % (marker, marker))
    runner = new_runner(timeout=0.3)
    runner.add_shell_command(script, label="flaky", task_retries=2)
    runner.add_command(["sleep", "20"], label="slow")
    start = time.monotonic()
    results = runner.run(verify=False)
    assert time.monotonic() - start < 10
    flaky = results["flaky"]
    assert flaky["status"] == "Successful"
    assert flaky["attempts"] == 3 and flaky["retried"] is True
    assert len(flaky["retry_errors"]) == 2
    assert flaky["retry_errors"][0].startswith("CommandExecutionError: ")
    slow = results["slow"]
    assert slow["status"] == "Terminated"
    assert slow["error"] == \
        "TimeoutError: Task exceeded timeout of 0.3 seconds"


def test_command_argument_rules():
    runner = new_runner()
    with pytest.raises(TypeError, match="add_shell_command"):
        runner.add_command("echo hi")
    with pytest.raises(TypeError):
        runner.add_command(b"echo hi")
    with pytest.raises(TypeError, match="list or tuple"):
        runner.add_command({"echo"})
    with pytest.raises(ValueError, match="empty"):
        runner.add_command([])
    with pytest.raises(ValueError, match="empty"):
        runner.add_command([""])
    with pytest.raises(TypeError, match="argument 1 must be a str"):
        runner.add_command(["echo", 3])
    with pytest.raises(TypeError, match="add_command"):
        runner.add_shell_command(["echo", "hi"])
    with pytest.raises(TypeError, match="add_command"):
        runner.add_shell_command(("echo", "hi"))
    with pytest.raises(TypeError, match="must be a str"):
        runner.add_shell_command(42)
    with pytest.raises(ValueError, match="empty"):
        runner.add_shell_command("   ")
    with pytest.raises(TypeError, match="cwd"):
        runner.add_command(["true"], cwd=42)
    with pytest.raises(TypeError, match="env"):
        runner.add_command(["true"], env=["A=1"])
    with pytest.raises(TypeError, match="must be a str"):
        runner.add_command(["true"], env={"A": 1})
    with pytest.raises(ValueError, match="task_retries"):
        runner.add_command(["true"], task_retries=-1)
    # a NUL cannot reach a program: refused as subprocess refuses it
    with pytest.raises(ValueError, match="embedded null byte"):
        runner.add_command(["printf", "%s", "a\x00b"])
    with pytest.raises(ValueError, match="embedded null byte"):
        runner.add_shell_command("echo a\x00b")
    with pytest.raises(ValueError, match="embedded null byte"):
        runner.add_command(["true"], env={"A": "1\x002"})
    with pytest.raises(ValueError, match="embedded null byte"):
        runner.add_command(["true"], cwd="/tmp\x00x")
    runner.add_command(["true"], label="x")
    with pytest.raises(ValueError, match="Duplicate"):
        runner.add_shell_command("true", label="x")
    assert len(runner) == 1
    # paths are accepted as arguments
    runner.add_command([pathlib.Path("/bin/echo"), pathlib.Path("p")],
                       label="paths")
    assert runner.run()["paths"]["result"]["stdout"] == "p\n"


def test_command_as_future():
    runner = new_runner()
    ok = runner.add_command(["echo", "hi"])
    bad = runner.add_shell_command("exit 2")
    runner.execute_in_background()
    assert ok.result(10)["stdout"] == "hi\n"
    exc = bad.exception(10)
    assert isinstance(exc, Concurra.CommandExecutionError)
    assert exc.returncode == 2
    runner.get_background_results(verify=False)


# ---- max_output: what a command keeps of its output ----

def test_max_output_keeps_beginning_and_end():
    full = "".join("%d\n" % i for i in range(1, 1001))
    runner = new_runner(max_output=100)
    runner.add_command(["seq", "1", "1000"], label="default")
    runner.add_shell_command("seq 1 1000", label="own", max_output=1000)
    runner.add_shell_command("seq 1 1000 >&2", label="all", max_output=0)
    results = runner.run()
    out = results["default"]["result"]["stdout"]
    marker = "\n[... %d bytes omitted (max-output 100 bytes) ...]\n" % (
        len(full) - 100)
    assert out == full[:50] + marker + full[-50:]
    assert "standard output: %d bytes omitted" % (len(full) - 100) in \
        results["default"]["warning"]
    assert results["own"]["result"]["stdout"].startswith(full[:500] + "\n[")
    assert results["all"]["result"]["stderr"] == full
    assert results["all"]["warning"] is None
    assert runner.gobject.get_max_output() == 100


def test_max_output_argument_rules():
    with pytest.raises(ValueError):
        new_runner(max_output=-1)
    with pytest.raises(TypeError):
        new_runner(max_output="1M")
    runner = new_runner()
    assert runner.max_output == 64 * 1024 * 1024
    with pytest.raises(ValueError):
        runner.add_command(["true"], max_output=-2)
    with pytest.raises(TypeError):
        runner.add_shell_command("true", max_output=1.5)


def test_max_output_bounds_peak_memory(tmp_path):
    # 300 MB through a 1 MiB cap, in a fresh interpreter whose peak RSS is
    # its own: well under the output's size
    script = tmp_path / "big.py"
    script.write_text(
        "import resource, gi\n"
        "gi.require_version('Concurra', '1')\n"
        "from gi.repository import Concurra\n"
        "runner = Concurra.TaskRunner(progress_stats=False,"
        " max_output=1 << 20)\n"
        "runner.add_shell_command("
        "\"head -c 300000000 /dev/zero | tr '\\\\0' x\", label='big')\n"
        "result = runner.run()['big']\n"
        "assert result['status'] == 'Successful', result['error']\n"
        "assert len(result['result']['stdout']) < (1 << 20) + 100\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    import subprocess
    import sys
    r = subprocess.run([sys.executable, str(script)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) < 100 * 1024, "peak RSS %s KiB" % r.stdout
