# The README examples of the two Python libraries concurra-glib brings to
# GNOME, run on the PyGObject override: Concurra's unchanged except for the
# import line (`import concurra` -> `from gi.repository import Concurra as
# concurra`), Concurry's too (`from concurry import` -> `from
# gi.repository.Concurra import`), its patterns calling methods of workers
# defined before them.
#
# Each example is a file in seed_examples/, run in a subprocess with
# /usr/bin/python3; the test checks what it prints.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import pathlib
import re
import subprocess
import sys
import time

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent / "seed_examples"
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable


def run_example(name, *, with_logging=False, timeout=60):
    path = EXAMPLES / name
    if with_logging:
        # what the README's "Console Output" shows: INFO logging enabled
        args = [PYTHON, "-c",
                "import logging, runpy, sys; "
                "logging.basicConfig(level=logging.INFO); "
                "runpy.run_path(sys.argv[1], run_name='__main__')",
                str(path)]
    else:
        args = [PYTHON, str(path)]
    start = time.monotonic()
    proc = subprocess.run(args, cwd=str(EXAMPLES), capture_output=True,
                          text=True, timeout=timeout)
    proc.elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr
    # no exception escaped (e.g. from a callback): logged task errors carry
    # their traceback after a message, never at the start of a line
    assert not any(line.startswith("Traceback (most recent call last)")
                   for line in proc.stderr.splitlines()), proc.stderr
    return proc


def test_every_example_is_tested():
    tested = {name for name, _ in SIMPLE} | {
        "concurra_all_tasks_pass.py", "concurra_partial_failures.py",
        "concurra_fast_fail.py", "concurra_timeout.py",
        "concurra_abort.py", "concurra_pipeline.py",
        "concurry_batch_gather.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


SIMPLE = [
    ("concurra_quick_start.py", "Hello World\nHello Universe\n"),
    ("concurra_task_retries.py",
     "Successful\n3\nTrue\n['ConnectionError: temporary upload failure', "
     "'ConnectionError: temporary upload failure']\n"),
    ("concurra_commands.py", "subprocess\n0\ngenerate report\n\n"),
    ("concurra_shell_command.py", "beta\n\n"),
    ("concurra_mixed_commands.py",
     "payload ready\nsubprocess\nexternal command ran\n\n"),
    ("concurra_multiprocessing.py", "process\n"),
    ("concurry_quick_start.py", "Completed: 10, Pending: 0\n"),
    ("concurry_dict_gather.py",
     "['ada', 'grace']\n['users', 'posts', 'comments']\n"),
    ("concurry_stream.py", "1000 True\n"),
    ("concurry_race.py", "mirror2 2\n"),
    ("concurry_async.py", "[100, 101, 102, 103, 104]\n"),
]


@pytest.mark.parametrize("name,expected", SIMPLE,
                         ids=[name for name, _ in SIMPLE])
def test_example_output(name, expected):
    assert run_example(name).stdout == expected


def test_all_tasks_pass_console_output_and_json():
    proc = run_example("concurra_all_tasks_pass.py", with_logging=True)
    results = json.loads(proc.stdout)
    assert list(results) == ["square_4", "square_5", "divide_10_2"]
    sq = results["square_4"]
    assert sq["task_name"] == "square" and sq["result"] == 16
    assert sq["output"] == 16 and sq["status"] == "Successful"
    assert sq["execution_mode"] == "thread" and sq["attempts"] == 1
    assert sq["retry_errors"] == [] and sq["error"] is None
    assert 0.9 <= sq["duration_seconds"] < 5
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", sq["start_time"])
    assert results["divide_10_2"]["result"] == 5.0

    lines = proc.stderr.splitlines()
    progress = [line for line in lines if "progress:" in line]
    assert len(progress) == 3
    assert re.fullmatch(
        r"INFO:concurra\.core:TaskRunner progress: "
        r"\[########\.{17}\] 1/3 \[33\.33%\] in 0 min \d+\.\d+ sec",
        progress[0]), progress[0]
    assert "] 2/3 [66.67%] in 0 min " in progress[1]
    assert progress[2].startswith(
        "INFO:concurra.core:TaskRunner progress: "
        "[#########################] 3/3 [100.0%] in 0 min ")
    table = lines[lines.index("INFO:concurra.core:") + 1:]
    assert table[0] == "+-------------+--------+------------+------------+"
    assert table[1] == "| label       | task   | status     | duration   |"
    assert table[2] == "|-------------+--------+------------+------------|"
    assert table[3].startswith("| square_4    | square | Successful | 1.0")
    assert table[5].startswith("| divide_10_2 | divide | Successful | 0.0")
    assert table[6] == table[0]


def test_partial_failures():
    proc = run_example("concurra_partial_failures.py")
    assert proc.stdout == "Failed\nZeroDivisionError: division by zero\n"
    # the failure report goes to the logger at ERROR level
    assert "Execution Failed\n+----" in proc.stderr
    assert "| divide_by_zero | divide | Failed     |" in proc.stderr
    assert "Task 'divide_by_zero' failed with error: ZeroDivisionError: " \
        "division by zero" in proc.stderr


def test_fast_fail():
    proc = run_example("concurra_fast_fail.py")
    assert proc.stdout == ("Failed\nTerminated\nRuntimeError: Execution "
                           "terminated before completion\n")
    assert "terminating execution!" in proc.stderr
    assert proc.elapsed < 10


def test_per_task_timeout():
    proc = run_example("concurra_timeout.py")
    assert proc.stdout == ("Terminated\nTimeoutError: Task exceeded timeout "
                           "of 4 seconds\n")
    assert 3.5 < proc.elapsed < 12      # not the task's 15 s


def test_abort():
    proc = run_example("concurra_abort.py")
    assert proc.stdout == "Terminated\n"
    assert proc.elapsed < 15            # not the task's 30 s


def test_dependent_tasks_pipeline():
    proc = run_example("concurra_pipeline.py")
    assert proc.stdout.splitlines() == [
        "receive_order: Successful \u2192 received ORD-1001",
        "validate_payment: Successful \u2192 payment validated for ORD-1001",
        "check_inventory: Successful \u2192 inventory reserved for ORD-1001",
        "pack_order: Successful \u2192 packed ORD-1001",
        "ship_order: Successful \u2192 shipped ORD-1001",
        "send_confirmation: Successful \u2192 confirmation sent for ORD-1001",
    ]
    # payment and inventory ran in parallel: about 2 s, not 3
    assert proc.elapsed < 2.9 + 3


def test_batch_gather_with_progress_bar():
    proc = run_example("concurry_batch_gather.py")
    assert proc.stdout == "[0, 2, 4, 6, 8] 100\n"
    assert "[#########################] 100/100 [100%]" in proc.stderr
