# Tests of the PyGObject override: Concurra.TaskRunner(use_multiprocessing=
# True) — pickled callables in warm Python worker processes, pickle errors
# and the thread fallback, hard termination, crashes, retries.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import logging
import os
import pathlib
import subprocess
import sys
import textwrap
import threading
import time

import gi

gi.require_version("Concurra", "1")

from gi.repository import Concurra  # noqa: E402

import pytest  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent


class CustomError(Exception):
    pass


def heavy(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def divide(x, y):
    return x / y


def whoami(delay=0.0):
    time.sleep(delay)
    return os.getpid()


def raise_custom(message):
    raise CustomError(message)


def echo(*args, **kwargs):
    return args, kwargs


def sleep_for(seconds):
    time.sleep(seconds)
    return os.getpid()


def bad_result():
    return threading.Lock()


def crash(status):
    sys.stdout.flush()
    os._exit(status)


def shout(text):
    print("worker says", text)
    return text


def flaky(path):
    path = pathlib.Path(path)
    count = int(path.read_text()) if path.exists() else 0
    path.write_text(str(count + 1))
    if count < 2:
        raise ConnectionError("attempt %d failed" % (count + 1))
    return "ok after %d" % (count + 1)


class BadStrError(Exception):
    def __str__(self):
        raise RuntimeError("no str for you")


def raise_bad_str():
    raise BadStrError()


def new_runner(**kwargs):
    kwargs.setdefault("progress_stats", False)
    kwargs.setdefault("use_multiprocessing", True)
    return Concurra.TaskRunner(**kwargs)


def test_results_in_worker_processes():
    runner = new_runner(max_concurrency=2)
    runner.add_task(heavy, 10_000, label="job1")
    runner.add_task(divide, 10, 4, label="job2")
    runner.add_task(echo, [1, 2], {"a": (3,)}, b"\x00", key="value",
                    label="objects")
    runner.add_task(whoami, label="pid")
    results = runner.run(verify=False)
    assert results["job1"]["result"] == heavy(10_000)
    assert results["job1"]["execution_mode"] == "process"
    assert results["job1"]["task_name"] == "heavy"
    assert results["job2"]["result"] == 2.5
    assert results["objects"]["result"] == (([1, 2], {"a": (3,)}, b"\x00"),
                                            {"key": "value"})
    assert results["pid"]["result"] != os.getpid()


def test_workers_are_warm_and_reused():
    runner = new_runner(max_concurrency=2)
    for i in range(12):
        runner.add_task(whoami, 0.01, label=i)
    results = runner.run(verify=False)
    pids = {r["result"] for r in results.values()}
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2


def test_errors_come_back_with_type_message_and_trace():
    runner = new_runner()
    runner.add_task(divide, 10, 0, label="divide_by_zero")
    runner.add_task(raise_custom, "custom text", label="custom")
    runner.add_task(divide, 1, 1, label="after", depends_on=["custom"])
    results = runner.run(verify=False)
    d = results["divide_by_zero"]
    assert d["status"] == "Failed"
    assert d["error"] == "ZeroDivisionError: division by zero"
    assert d["execution_mode"] == "process"
    assert d["trace"].startswith("Traceback (most recent call last):")
    assert "in divide" in d["trace"]
    assert "ZeroDivisionError: division by zero" in d["trace"]
    c = results["custom"]
    assert c["error"] == "CustomError: custom text"
    assert results["after"]["error"] == \
        "RuntimeError: Skipped: dependency ['custom'] failed or was terminated"


def test_exception_whose_str_fails_is_still_a_failure():
    runner = new_runner(max_concurrency=1)
    runner.add_task(raise_bad_str, label="bad")
    runner.add_task(divide, 4, 2, label="fine")
    results = runner.run(verify=False)
    assert results["bad"]["status"] == "Failed"
    assert results["bad"]["error"] == "BadStrError: <exception str() failed>"
    assert results["fine"]["result"] == 2.0


def test_futures_raise_the_original_exception():
    runner = new_runner()
    bad = runner.add_task(raise_custom, "boom")
    good = runner.add_task(heavy, 100)
    zero = runner.add_task(divide, 1, 0)
    runner.execute_in_background()
    assert good.result(30) == heavy(100)
    exc = bad.exception(30)
    assert type(exc) is CustomError and str(exc) == "boom"
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        zero.result(30)
    with pytest.raises(CustomError):
        Concurra.gather([good, bad], timeout=30)
    runner.get_background_results(verify=False)


def test_unpicklable_tasks_fail_clearly(caplog):
    lock = threading.Lock()

    def local_function():
        return 1

    runner = new_runner()
    runner.add_task(lambda: 1, label="lambda")
    runner.add_task(local_function, label="local")
    runner.add_task(echo, lock, label="lock_arg")
    runner.add_task(heavy, 10, label="fine")
    results = runner.run(verify=False)
    for label in ("lambda", "local", "lock_arg"):
        r = results[label]
        assert r["status"] == "Failed", label
        assert r["error"].startswith(
            "PicklingError: Task '%s' is not picklable: " % label), label
        assert r["warning"] == \
            "Task was not picklable and thread fallback is disabled"
        assert r["execution_mode"] is None
        assert r["attempts"] == 0
        assert r["trace"]
    assert "cannot pickle '_thread.lock' object" in \
        results["lock_arg"]["error"]
    assert results["fine"]["status"] == "Successful"


def test_unpicklable_task_triggers_fast_fail():
    runner = new_runner(fast_fail=True, max_concurrency=1)
    runner.add_task(lambda: 1, label="lambda")
    runner.add_task(sleep_for, 5, label="slow")
    start = time.monotonic()
    results = runner.run(verify=False)
    assert time.monotonic() - start < 5
    assert results["lambda"]["status"] == "Failed"
    assert results["slow"]["status"] == "Terminated"


def test_thread_fallback(caplog):
    lock = threading.Lock()
    parent = os.getpid()
    runner = new_runner(fallback_to_thread_on_pickle_error=True)
    runner.add_task(lambda: os.getpid(), label="lambda")
    runner.add_task(echo, lock, label="lock_arg")
    runner.add_task(whoami, label="process")
    with caplog.at_level(logging.WARNING, logger="concurra.core"):
        results = runner.run(verify=False)
    lam = results["lambda"]
    assert lam["status"] == "Successful"
    assert lam["result"] == parent
    assert lam["execution_mode"] == "thread_fallback"
    assert lam["warning"] == "Task was not picklable; ran in thread fallback"
    assert results["lock_arg"]["result"][0][0] is lock
    assert results["process"]["execution_mode"] == "process"
    assert results["process"]["result"] != parent
    messages = [r.getMessage() for r in caplog.records]
    assert "Task 'lambda' was not picklable; running in thread fallback" \
        in messages
    assert "Task 'lock_arg' was not picklable; running in thread fallback" \
        in messages


def test_timeout_kills_the_worker():
    # A process task's timeout starts when it is handed to its worker
    # process; on a new worker the start of that process (Python, gi, this
    # module) counts, as in Concurra, where it starts at Process.start().
    # So the margins are generous: a loaded machine may take seconds to
    # start a worker, and "quick" must not time out then.
    timeout, stuck_for = 4.0, 120
    runner = new_runner(timeout=timeout, max_concurrency=2)
    runner.add_task(sleep_for, stuck_for, label="stuck")
    runner.add_task(sleep_for, 0, label="quick")
    start = time.monotonic()
    results = runner.run(verify=False)
    elapsed = time.monotonic() - start
    stuck = results["stuck"]
    assert stuck["status"] == "Terminated"
    # the timeout as Python prints it, as Concurra's f-string does
    assert stuck["error"] == \
        "TimeoutError: Task exceeded timeout of 4.0 seconds"
    # stopped at its timeout, not before; the run did not wait for it
    assert stuck["duration_seconds"] >= timeout * 0.9
    assert elapsed < stuck_for / 2
    assert results["quick"]["status"] == "Successful"


def test_abort_kills_background_processes():
    runner = new_runner()
    future = runner.add_task(sleep_for, 30, label="job")
    runner.execute_in_background()
    deadline = time.monotonic() + 10
    while future.task.get_status() != Concurra.TaskStatus.RUNNING and \
            time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.monotonic()
    results = runner.abort()
    assert time.monotonic() - start < 5
    assert results["job"]["status"] == "Terminated"
    assert results["job"]["error"] == \
        "RuntimeError: Execution terminated before completion"


def test_worker_crash_is_reported_and_worker_replaced():
    runner = new_runner(max_concurrency=1)
    runner.add_task(crash, 7, label="crash")
    runner.add_task(heavy, 10, label="after", depends_on=["crash"])
    runner.add_task(heavy, 20, label="independent")
    results = runner.run(verify=False)
    crash_result = results["crash"]
    assert crash_result["status"] == "Failed"
    assert crash_result["error"].startswith("RuntimeError: Worker process ")
    assert crash_result["error"].endswith(
        "exited with status 7 while running 'crash'")
    assert results["independent"]["result"] == heavy(20)
    assert results["after"]["status"] == "Terminated"


def test_unpicklable_result_fails_the_task():
    runner = new_runner()
    runner.add_task(bad_result, label="lock")
    results = runner.run(verify=False)
    assert results["lock"]["status"] == "Failed"
    assert results["lock"]["error"] == \
        "TypeError: cannot pickle '_thread.lock' object"


def test_retries_in_processes(tmp_path):
    runner = new_runner(task_retries=2)
    runner.add_task(flaky, str(tmp_path / "count"), label="flaky")
    results = runner.run(verify=False)
    r = results["flaky"]
    assert r["status"] == "Successful"
    assert r["result"] == "ok after 3"
    assert r["attempts"] == 3
    assert r["retry_errors"] == ["ConnectionError: attempt 1 failed",
                                 "ConnectionError: attempt 2 failed"]


def test_large_arguments_and_results():
    blob = os.urandom(4 * 1024 * 1024)
    runner = new_runner()
    runner.add_task(echo, blob, label="blob")
    start = time.monotonic()
    results = runner.run(verify=False)
    assert time.monotonic() - start < 20
    assert results["blob"]["result"][0][0] == blob


def test_worker_output_is_flushed(capfd):
    runner = new_runner()
    runner.add_task(shout, "hello", label="shout")
    assert runner.run(verify=False)["shout"]["result"] == "hello"
    out, _ = capfd.readouterr()
    assert "worker says hello" in out


def test_commands_still_run_as_subprocesses():
    runner = new_runner()
    runner.add_command(["echo", "hi"], label="cmd")
    runner.add_task(heavy, 5, label="fn")
    results = runner.run(verify=False)
    assert results["cmd"]["execution_mode"] == "subprocess"
    assert results["fn"]["execution_mode"] == "process"


def _run_script(tmp_path, source, timeout=60):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    env = dict(os.environ)
    return subprocess.run([sys.executable, str(script)], cwd=str(tmp_path),
                          env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_functions_of_the_main_script(tmp_path):
    proc = _run_script(tmp_path, """
        import os
        from gi.repository import Concurra

        def cube(n):
            return n ** 3, __name__

        if __name__ == "__main__":
            runner = Concurra.TaskRunner(use_multiprocessing=True,
                                         progress_stats=False)
            runner.add_task(cube, 3, label="cube")
            result = runner.run()["cube"]
            print(result["status"], result["execution_mode"], result["result"])
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Successful process (27, '__mp_main__')"


def test_unguarded_main_script_does_not_recurse(tmp_path):
    proc = _run_script(tmp_path, """
        from gi.repository import Concurra

        def cube(n):
            return n ** 3

        runner = Concurra.TaskRunner(use_multiprocessing=True,
                                     progress_stats=False)
        runner.add_task(cube, 3, label="cube")
        result = runner.run(verify=False)["cube"]
        print(result["status"], result["error"])
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Failed AttributeError: ")
    assert "if __name__ == \"__main__\":" in proc.stderr
