# Tests of the PyGObject override: Concurra.TaskRunner in thread mode —
# adding tasks, labels, dependencies, results, errors, retries, timeouts,
# fast-fail, abort, background execution, verify and logging.
#
# Run by meson (suite 'bindings') with PYTHONPATH=bindings/python and the
# uninstalled typelib:  /usr/bin/python3 -m pytest test_override_runner.py
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import logging
import threading
import time

import gi

gi.require_version("Concurra", "1")

from gi.repository import Concurra  # noqa: E402

import pytest  # noqa: E402

RESULT_KEYS = {
    "task_name", "start_time", "end_time", "duration", "duration_seconds",
    "result", "error", "trace", "status", "has_failed", "output",
    "execution_mode", "warning", "attempts", "task_retries", "retried",
    "retry_errors",
}


def square(x):
    return x * x


def divide(x, y):
    return x / y


def echo(*args, **kwargs):
    return args, kwargs


def fail(message="Oops!"):
    raise RuntimeError(message)


def sleeper(seconds, value=None):
    time.sleep(seconds)
    return value


def new_runner(**kwargs):
    kwargs.setdefault("progress_stats", False)
    return Concurra.TaskRunner(**kwargs)


def test_override_is_loaded():
    assert Concurra.TaskRunner.__module__ == "gi.overrides.Concurra"
    # the introspected API stays available
    assert Concurra.Runner is not None and Concurra.Task is not None
    runner = new_runner()
    assert isinstance(runner.gobject, Concurra.Runner)


def test_quick_start_results():
    runner = new_runner(max_concurrency=2)
    runner.add_task(lambda: "Hello World", label="greet_world")
    runner.add_task(lambda: "Hello Universe", label="greet_universe")
    results = runner.run()
    assert list(results) == ["greet_world", "greet_universe"]
    assert results["greet_world"]["result"] == "Hello World"
    assert results["greet_universe"]["output"] == "Hello Universe"


def test_result_dict_fields_and_json():
    runner = new_runner()
    runner.add_task(square, 4, label="square_4")
    runner.add_task(divide, 10, 0, label="divide_by_zero")
    results = runner.run(verify=False)
    ok = results["square_4"]
    assert set(ok) == RESULT_KEYS
    assert ok["task_name"] == "square"
    assert ok["status"] == "Successful"
    assert ok["result"] == 16 and ok["output"] == 16
    assert ok["error"] is None and ok["trace"] is None
    assert ok["has_failed"] is False
    assert ok["execution_mode"] == "thread"
    assert ok["warning"] is None
    assert ok["attempts"] == 1 and ok["task_retries"] == 0
    assert ok["retried"] is False and ok["retry_errors"] == []
    assert time.strptime(ok["start_time"], "%Y-%m-%d %H:%M:%S")
    assert time.strptime(ok["end_time"], "%Y-%m-%d %H:%M:%S")
    assert ok["duration"].endswith(" sec")
    assert isinstance(ok["duration_seconds"], float)

    bad = results["divide_by_zero"]
    assert bad["status"] == "Failed"
    assert bad["has_failed"] is True
    assert bad["error"] == "ZeroDivisionError: division by zero"
    assert bad["trace"].startswith("Traceback (most recent call last):")
    assert "in divide" in bad["trace"]
    assert bad["trace"].rstrip().endswith(
        "ZeroDivisionError: division by zero")
    assert bad["result"] is None

    text = json.dumps(results, indent=4, default=str)
    assert json.loads(text)["square_4"]["result"] == 16


def test_any_python_objects_as_args_and_results():
    class Box:
        def __init__(self, v):
            self.v = v

    lock = threading.Lock()
    box = Box(3)
    runner = new_runner()
    runner.add_task(echo, box, lock, [1, {2}], label="objs", key=b"\x00bytes")
    runner.add_task(lambda b: Box(b.v + 1), box, label="new")
    runner.add_task(lambda: None, label="none")
    results = runner.run(verify=False)
    args, kwargs = results["objs"]["result"]
    assert args[0] is box and args[1] is lock and args[2] == [1, {2}]
    assert kwargs == {"key": b"\x00bytes"}
    assert results["new"]["result"].v == 4
    assert results["none"]["status"] == "Successful"
    assert results["none"]["result"] is None


def test_hashable_labels_and_default_labels():
    runner = new_runner()
    runner.add_task(square, 1)                       # label 0
    runner.add_task(square, 2, label=("tuple", 1))
    runner.add_task(square, 3, label=7, depends_on=[0, ("tuple", 1)])
    runner.add_task(square, 4, label="7")            # distinct from 7
    runner.add_task(square, 5, label=frozenset({"x"}), depends_on=["7"])
    runner.add_task(square, 6)                       # label 5 (its index)
    results = runner.run(verify=False)
    assert list(results) == [0, ("tuple", 1), 7, "7", frozenset({"x"}), 5]
    assert [r["result"] for r in results.values()] == [1, 4, 9, 16, 25, 36]
    assert len(runner) == 6


def test_add_task_errors():
    runner = new_runner()
    with pytest.raises(TypeError, match="is not callable"):
        runner.add_task("not callable")
    runner.add_task(square, 1, label="a")
    with pytest.raises(ValueError,
                       match="Duplicate task key label: 'a' already exists"):
        runner.add_task(square, 1, label="a")
    with pytest.raises(ValueError, match="Task 'b' cannot depend on itself"):
        runner.add_task(square, 1, label="b", depends_on=["b"])
    with pytest.raises(TypeError, match="not hashable"):
        runner.add_task(square, 1, label=["list"])
    with pytest.raises(ValueError, match="task_retries"):
        runner.add_task(square, 1, label="neg", task_retries=-1)
    with pytest.raises(TypeError, match="task_retries"):
        runner.add_task(square, 1, label="str", task_retries="2")
    # nothing was added by the failed calls
    assert len(runner) == 1


def test_cycles_are_rejected():
    runner = new_runner()
    runner.add_task(square, 1, label="A", depends_on=["C"])   # forward ref
    runner.add_task(square, 1, label="B", depends_on=["A"])
    with pytest.raises(ValueError) as exc:
        runner.add_task(square, 1, label="C", depends_on=["B"])
    assert str(exc.value) == \
        "Circular dependency detected: C -> B -> A -> C."
    assert len(runner) == 2
    runner.add_task(square, 1, label="C")
    results = runner.run(verify=False)
    assert [r["status"] for r in results.values()] == ["Successful"] * 3


def test_unknown_dependencies_raise_at_run_and_nothing_runs():
    runner = new_runner()
    calls = []
    runner.add_task(calls.append, 1, label="a", depends_on=["ghost"])
    runner.add_task(calls.append, 2, label="b", depends_on=["a", "x", "y"])
    with pytest.raises(ValueError) as exc:
        runner.run()
    assert str(exc.value) == ("Unknown task dependency label(s): a depends "
                              "on ['ghost'], b depends on ['x', 'y'].")
    assert calls == []
    # Concurra validates before starting: the runner can still be fixed
    for label in ("ghost", "x", "y"):
        runner.add_task(calls.append, label, label=label)
    results = runner.run(verify=False)
    assert all(r["status"] == "Successful" for r in results.values())
    assert sorted(map(str, calls)) == ["1", "2", "ghost", "x", "y"]


def test_run_once_and_no_adds_after_start():
    runner = new_runner()
    runner.add_task(square, 2)
    runner.run()
    with pytest.raises(RuntimeError, match="already started execution"):
        runner.run()
    with pytest.raises(RuntimeError, match="already started execution"):
        runner.execute_in_background()
    with pytest.raises(RuntimeError, match="Cannot add tasks after"):
        runner.add_task(square, 3)


def test_execute_alias_and_empty_runner():
    runner = new_runner()
    runner.add_task(square, 3, label="x")
    assert runner.execute()["x"]["result"] == 9
    assert new_runner().run() == {}


def test_dependencies_run_in_order_and_skip_on_failure():
    order = []
    lock = threading.Lock()

    def step(name, seconds=0.0, boom=False):
        time.sleep(seconds)
        with lock:
            order.append(name)
        if boom:
            raise ValueError("%s broke" % name)
        return name

    runner = new_runner(max_concurrency=3)
    runner.add_task(step, "receive", 0.05, label="receive")
    runner.add_task(step, "pay", 0.05, label="pay", depends_on=["receive"])
    runner.add_task(step, "stock", 0.0, True, label="stock",
                    depends_on=["receive"])
    runner.add_task(step, "pack", label="pack", depends_on=["pay", "stock"])
    runner.add_task(step, "ship", label="ship", depends_on=["pack"])
    results = runner.run(verify=False)
    assert order[0] == "receive"
    assert sorted(order) == ["pay", "receive", "stock"]
    assert results["stock"]["error"] == "ValueError: stock broke"
    assert results["pack"]["status"] == "Terminated"
    assert results["pack"]["error"] == (
        "RuntimeError: Skipped: dependency ['stock'] failed or was "
        "terminated")
    assert results["pack"]["attempts"] == 0
    assert results["pack"]["execution_mode"] is None
    assert results["pack"]["start_time"] is None
    assert results["ship"]["error"] == (
        "RuntimeError: Skipped: dependency ['pack'] failed or was terminated")


def test_add_func_add_function_add_work():
    def f(a=None, key=None, label=None, depends_on=None, task_retries=None):
        return dict(a=a, key=key, label=label, depends_on=depends_on,
                    task_retries=task_retries)

    runner = new_runner()
    futures = runner.add_work([
        (f,),
        (f, (1,)),
        (f, [2], {"label": "kw"}),
        (f, (), {}, "work_label"),
    ])
    assert [fut.label for fut in futures] == [0, 1, 2, "work_label"]
    runner.add_func(f, 3, key="func", label="L", depends_on="D",
                    task_retries=9)
    runner.add_function(f, args=(4,), kwargs={"key": "k", "label": "l"},
                        key="function", depends_on=["func"])
    runner.add_function(f, key="no_args")
    results = runner.run(verify=False)
    assert results[0]["result"]["a"] is None
    assert results[1]["result"]["a"] == 1
    assert results[2]["result"] == dict(a=2, key=None, label="kw",
                                        depends_on=None, task_retries=None)
    assert results["work_label"]["status"] == "Successful"
    # add_func: key is the label, everything else goes to the function
    assert results["func"]["result"] == dict(a=3, key=None, label="L",
                                             depends_on="D", task_retries=9)
    assert results["function"]["result"] == dict(
        a=4, key="k", label="l", depends_on=None, task_retries=None)
    assert results["no_args"]["result"]["a"] is None


def test_add_work_and_add_function_type_rules():
    runner = new_runner()
    with pytest.raises(TypeError, match="index 0 is not a tuple"):
        runner.add_work([[square, (1,)]])
    with pytest.raises(ValueError, match="expected a tuple with 1 to 4"):
        runner.add_work([()])
    with pytest.raises(ValueError, match="But got 5 element"):
        runner.add_work([(square, (), {}, "l", "extra")])
    with pytest.raises(TypeError, match="'args' must be an iterable"):
        runner.add_work([(square, 5)])
    with pytest.raises(TypeError, match=r"Did you mean \(square, \(5,\)\)"):
        runner.add_work([(square, 5)])
    with pytest.raises(TypeError, match="'kwargs' must be a mapping"):
        runner.add_work([(square, (1,), [("x", 1)])])
    with pytest.raises(TypeError, match="is not callable"):
        runner.add_work([(42,)])
    with pytest.raises(TypeError, match="'args' must be an iterable"):
        runner.add_function(square, args=5)
    with pytest.raises(TypeError, match="'kwargs' must be a mapping"):
        runner.add_function(square, args=(1,), kwargs=3)
    # add_work validates every item before adding any
    with pytest.raises(TypeError):
        runner.add_work([(square, (1,)), (square, 2)])
    assert len(runner) == 0


def test_retries():
    attempts = {"upload": 0, "hopeless": 0}

    def upload_report():
        attempts["upload"] += 1
        if attempts["upload"] < 3:
            raise ConnectionError("temporary upload failure %d"
                                  % attempts["upload"])
        return "uploaded"

    def hopeless():
        attempts["hopeless"] += 1
        raise KeyError("nope")

    runner = new_runner(task_retries=2)
    runner.add_task(upload_report, label="upload_report")
    runner.add_task(hopeless, label="hopeless", task_retries=1)
    runner.add_task(square, 2, label="plain", task_retries=0)
    results = runner.run(verify=False)
    up = results["upload_report"]
    assert up["status"] == "Successful" and up["result"] == "uploaded"
    assert up["attempts"] == 3 and up["retried"] is True
    assert up["task_retries"] == 2
    assert up["retry_errors"] == [
        "ConnectionError: temporary upload failure 1",
        "ConnectionError: temporary upload failure 2"]
    h = results["hopeless"]
    assert h["status"] == "Failed" and h["attempts"] == 2
    assert h["task_retries"] == 1
    assert h["error"] == "KeyError: 'nope'"
    # every failed attempt, the last included (Concurra 1.1.10)
    assert h["retry_errors"] == ["KeyError: 'nope'", "KeyError: 'nope'"]
    assert attempts["hopeless"] == 2
    assert results["plain"]["task_retries"] == 0


def test_runner_argument_validation(caplog):
    with pytest.raises(ValueError):
        Concurra.TaskRunner(task_retries=-1)
    with pytest.raises(TypeError):
        Concurra.TaskRunner(timeout="10")
    with pytest.raises(ValueError):
        Concurra.TaskRunner(timeout=-1)
    with caplog.at_level(logging.WARNING, logger="concurra.core"):
        runner = Concurra.TaskRunner(max_concurrency=-2)
    assert runner.max_concurrency == 1
    assert "resetting to 1" in caplog.text
    assert Concurra.TaskRunner().max_concurrency >= 1
    assert Concurra.TaskRunner().name == "TaskRunner"
    assert Concurra.TaskRunner(name="Mine").gobject.get_name() == "Mine"
    # numbers beyond C's int are clamped, not an OverflowError
    runner = new_runner(max_concurrency=10 ** 10, task_retries=10 ** 10)
    runner.add_task(square, 7, label="x")
    assert runner.run(verify=False)["x"]["result"] == 49


def wait_for(event, seconds=10):
    event.wait(seconds)
    return "late"


def test_timeout_terminates_and_releases_the_slot():
    release = threading.Event()
    runner = new_runner(timeout=0.3, max_concurrency=1)
    runner.add_task(wait_for, release, label="timeout_task")
    runner.add_task(square, 5, label="next")    # needs the only slot
    runner.add_task(square, 6, label="after", depends_on=["timeout_task"])
    start = time.monotonic()
    results = runner.run(verify=False)
    assert time.monotonic() - start < 5
    release.set()
    t = results["timeout_task"]
    assert t["status"] == "Terminated"
    assert t["error"] == "TimeoutError: Task exceeded timeout of 0.3 seconds"
    assert t["result"] is None
    assert results["next"]["result"] == 25
    assert results["after"]["status"] == "Terminated"
    assert "Skipped: dependency ['timeout_task']" in results["after"]["error"]


def test_fast_fail():
    release = threading.Event()
    runner = new_runner(fast_fail=True, max_concurrency=2)
    runner.add_task(wait_for, release, label="ok")
    runner.add_task(fail, label="fail")
    runner.add_task(square, 3, label="queued")
    start = time.monotonic()
    results = runner.run(verify=False)
    assert time.monotonic() - start < 5
    release.set()
    assert results["fail"]["status"] == "Failed"
    assert results["fail"]["error"] == "RuntimeError: Oops!"
    for label in ("ok", "queued"):
        assert results[label]["status"] == "Terminated"
        assert results[label]["error"] == \
            "RuntimeError: Execution terminated before completion"


def test_background_execution_and_is_running():
    release = threading.Event()
    runner = new_runner(max_concurrency=2)
    assert not runner.is_running()
    with pytest.raises(RuntimeError, match="execute_in_background"):
        runner.get_background_results()
    runner.add_task(wait_for, release, label="a")
    runner.add_task(wait_for, release, label="b")
    runner.execute_in_background()
    assert runner.is_running()
    deadline = time.monotonic() + 5
    while runner.get_active_runner_count() < 2 and \
            time.monotonic() < deadline:
        time.sleep(0.01)
    assert runner.get_active_runner_count() == 2
    with pytest.raises(RuntimeError, match="Execution is still in progress"):
        runner.verify()
    release.set()
    time.sleep(0.05)
    # like Concurra, it stays "running" until the results are collected
    assert runner.is_running()
    results = runner.get_background_results()
    assert not runner.is_running()
    assert runner.get_active_runner_count() == 0
    assert results["a"]["result"] == "late"
    again = runner.get_background_results(verify=False)
    assert again["b"]["result"] == "late"


def test_abort_background_execution():
    release = threading.Event()
    runner = new_runner(max_concurrency=1)
    runner.add_task(wait_for, release, label="job")
    runner.add_task(square, 2, label="pending")
    runner.execute_in_background()
    time.sleep(0.1)
    start = time.monotonic()
    results = runner.abort()
    assert time.monotonic() - start < 2
    release.set()
    assert not runner.is_running()
    for label in ("job", "pending"):
        assert results[label]["status"] == "Terminated"
        assert results[label]["error"] == \
            "RuntimeError: Execution terminated before completion"
    with pytest.raises(RuntimeError):
        runner.run()


def test_abort_before_start():
    runner = new_runner()
    runner.add_task(square, 2, label="x")
    results = runner.abort()
    assert results["x"]["status"] == "Terminated"
    with pytest.raises(RuntimeError, match="already started"):
        runner.execute_in_background()


def test_abort_from_another_thread_during_run():
    release = threading.Event()
    runner = new_runner()
    runner.add_task(wait_for, release, label="stuck")
    timer = threading.Timer(0.2, runner.abort)
    timer.start()
    start = time.monotonic()
    results = runner.run(verify=False)
    timer.join()
    release.set()
    assert time.monotonic() - start < 5
    assert results["stuck"]["status"] == "Terminated"


def test_verify_and_raise_exception(caplog):
    runner = new_runner()
    with pytest.raises(RuntimeError, match="not started"):
        runner.verify()
    runner.add_task(square, 4, label="square_4")
    runner.add_task(divide, 1, 0, label="divide_by_zero")
    with caplog.at_level(logging.INFO, logger="concurra.core"):
        with pytest.raises(Concurra.TasksFailedError) as exc:
            runner.run(raise_exception=True, error_message="Pipeline failed")
    message = str(exc.value)
    assert isinstance(exc.value, Exception)
    assert message.startswith("Pipeline failed\n+")
    assert "| divide_by_zero | divide | Failed     |" in message
    assert ("Task 'divide_by_zero' failed with error: ZeroDivisionError: "
            "division by zero") in message
    assert "square_4" in message
    # verify() again: logs the report at ERROR without raising
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="concurra.core"):
        assert runner.verify() is False
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert caplog.records[0].getMessage().startswith("Execution Failed\n")
    with pytest.raises(Concurra.TasksFailedError, match="^Custom"):
        runner.verify(raise_exception=True, error_message="Custom")


def test_report_format(caplog):
    runner = new_runner()
    runner.add_task(square, 4, label="square_4")
    runner.add_task(square, 5, label="square_5")
    runner.add_task(divide, 10, 2, label="divide_10_2")
    with caplog.at_level(logging.INFO, logger="concurra.core"):
        runner.run()
    report = caplog.records[-1].getMessage()
    lines = report.split("\n")
    assert lines[0] == ""
    assert lines[1] == "+-------------+--------+------------+------------+"
    assert lines[2] == "| label       | task   | status     | duration   |"
    assert lines[3] == "|-------------+--------+------------+------------|"
    assert lines[4].startswith("| square_4    | square | Successful | 0.0")
    assert lines[6].startswith("| divide_10_2 | divide | Successful |")
    assert lines[7] == lines[1]
    assert caplog.records[-1].levelname == "INFO"
    # numeric labels are right-aligned, as tabulate does
    runner = new_runner()
    runner.add_task(square, 1)
    runner.run(verify=False)
    assert "|       0 | square |" in runner.format_report()


def test_progress_logging(caplog):
    logger = logging.getLogger("test.concurra.progress")
    runner = Concurra.TaskRunner(max_concurrency=1, logger=logger,
                                 name="MyRunner")
    for i in range(3):
        runner.add_task(square, i)
    with caplog.at_level(logging.INFO, logger="test.concurra.progress"):
        runner.run()
    messages = [r.getMessage() for r in caplog.records
                if r.name == "test.concurra.progress"]
    progress = [m for m in messages if "progress:" in m]
    assert len(progress) == 3
    assert progress[0].startswith(
        "MyRunner progress: [########.................] 1/3 [33.33%] in 0 "
        "min ")
    assert progress[1].startswith(
        "MyRunner progress: [#################........] 2/3 [66.67%]")
    assert progress[2].startswith(
        "MyRunner progress: [#########################] 3/3 [100.0%]")
    assert progress[2].endswith(" sec")
    assert messages[-1].startswith("\n+")      # the report

    # progress_stats=False: no progress lines; throttled to ~10 lines
    caplog.clear()
    quiet = Concurra.TaskRunner(logger=logger, progress_stats=False)
    quiet.add_task(square, 1)
    with caplog.at_level(logging.INFO, logger="test.concurra.progress"):
        quiet.run(verify=False)
    assert caplog.records == []
    many = Concurra.TaskRunner(logger=logger)
    for i in range(100):
        many.add_task(square, i)
    with caplog.at_level(logging.INFO, logger="test.concurra.progress"):
        many.run(verify=False)
    assert len([r for r in caplog.records
                if "progress:" in r.getMessage()]) == 10


def test_log_errors_and_fast_fail_logging(caplog):
    logger = logging.getLogger("test.concurra.errors")
    runner = Concurra.TaskRunner(logger=logger, log_errors=True,
                                 progress_stats=False, timeout=0.2)
    release = threading.Event()
    runner.add_task(fail, "logged", label="bad")
    runner.add_task(wait_for, release, label="slow")
    with caplog.at_level(logging.INFO, logger="test.concurra.errors"):
        runner.run(verify=False)
    release.set()
    messages = [r.getMessage() for r in caplog.records
                if r.levelname == "ERROR"]
    assert any(m.startswith("RuntimeError: logged Traceback")
               for m in messages)
    assert "Task 'slow' exceeded timeout of 0.2 seconds\n" in messages

    caplog.clear()
    runner = Concurra.TaskRunner(logger=logger, fast_fail=True,
                                 progress_stats=False)
    runner.add_task(fail, label="bad")
    with caplog.at_level(logging.INFO, logger="test.concurra.errors"):
        runner.run(verify=False)
    messages = [r.getMessage() for r in caplog.records]
    assert messages[-1] == "terminating execution!"


def test_no_glib_log_writer_is_installed(capfd):
    # the library's own progress/report logging stays off: everything goes
    # through the Python logger
    runner = Concurra.TaskRunner(logger=logging.getLogger("test.silent"))
    runner.add_task(divide, 1, 0)
    runner.run()
    out, err = capfd.readouterr()
    assert "Concurra-" not in err and "Concurra-" not in out


def test_many_concurrent_thread_tasks():
    counter = {"n": 0}
    lock = threading.Lock()
    seen_threads = set()

    def work(i):
        with lock:
            counter["n"] += 1
            seen_threads.add(threading.get_ident())
        if i % 7 == 0:
            time.sleep(0.001)
        return i * 2

    runner = new_runner(max_concurrency=16)
    for i in range(3000):
        runner.add_task(work, i, label=i,
                        depends_on=[i - 1000] if i >= 1000 else None)
    results = runner.run(verify=False)
    assert counter["n"] == 3000
    assert all(results[i]["result"] == i * 2 for i in range(3000))
    assert len(seen_threads) > 1
    assert threading.get_ident() not in seen_threads


def test_exceptions_of_every_kind_are_captured():
    class Custom(Exception):
        def __str__(self):
            return "custom \u2192 text with \x00 nul"

    def raise_custom():
        raise Custom()

    def exit_task():
        raise SystemExit(3)

    runner = new_runner()
    runner.add_task(raise_custom, label="custom")
    runner.add_task(exit_task, label="exit")
    runner.add_task(int, "x", label="builtin")
    results = runner.run(verify=False)
    assert results["custom"]["error"] == \
        "Custom: custom \u2192 text with \x00 nul"
    assert results["exit"]["error"] == "SystemExit: 3"
    assert results["builtin"]["error"].startswith("ValueError: invalid literal")
    assert results["builtin"]["task_name"] == "int"


def test_exception_whose_str_fails_is_still_a_failure():
    class BadStr(Exception):
        def __str__(self):
            raise RuntimeError("no str for you")

    def raise_bad_str():
        raise BadStr()

    runner = new_runner()
    runner.add_task(raise_bad_str, label="bad")
    runner.add_task(square, 3, label="fine")
    results = runner.run(verify=False)
    assert results["bad"]["status"] == "Failed"
    assert results["bad"]["error"] == "BadStr: <exception str() failed>"
    assert results["fine"]["result"] == 9


def test_labels_c_cannot_hold_stay_distinct():
    runner = new_runner()
    runner.add_task(square, 1, label="a")
    runner.add_task(square, 2, label="a\x00b")       # not "a" once in C
    runner.add_task(square, 3, label="\udc80")       # a lone surrogate
    runner.add_task(square, 4, label="c", depends_on=["a\x00b", "\udc80"])
    results = runner.run(verify=False)
    assert results["a"]["result"] == 1
    assert results["a\x00b"]["result"] == 4
    assert results["\udc80"]["result"] == 9
    assert results["c"]["result"] == 16


def test_timeout_zero_none_and_huge():
    # Concurra: None is no timeout; 0 has passed already
    runner = new_runner(timeout=0)
    runner.add_task(sleeper, 0.5, label="slow")
    t = runner.run(verify=False)["slow"]
    assert t["status"] == "Terminated"
    assert t["error"] == "TimeoutError: Task exceeded timeout of 0 seconds"
    for timeout in (None, float("inf"), 1e300):
        runner = new_runner(timeout=timeout)
        runner.add_task(sleeper, 0.1, "done", label="slow")
        assert runner.run(verify=False)["slow"]["result"] == "done", timeout
    with pytest.raises(ValueError):
        Concurra.TaskRunner(timeout=float("nan"))
    # the message shows the timeout as Python prints it
    runner = new_runner(timeout=0.2)
    runner.add_task(sleeper, 5, label="slow")
    assert runner.run(verify=False)["slow"]["error"] == \
        "TimeoutError: Task exceeded timeout of 0.2 seconds"


def test_run_is_interruptible_with_ctrl_c(tmp_path):
    import signal
    import subprocess
    import sys
    import textwrap

    script = tmp_path / "interrupt.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        import gi
        gi.require_version("Concurra", "1")
        from gi.repository import Concurra

        def ready():
            print("ready", flush=True)
            time.sleep(30)

        runner = Concurra.TaskRunner(progress_stats=False)
        runner.add_task(ready, label="py")
        runner.add_command(["sleep", "30"], label="cmd")
        try:
            runner.run()
        except KeyboardInterrupt:
            results = runner.get_background_results(verify=False)
            print(results["cmd"]["status"], results["py"]["status"],
                  flush=True)
            sys.exit(3)
    """))
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(script)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline() == "ready\n"
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3, err
    assert out == "Terminated Terminated\n"
    assert time.monotonic() - start < 15


def test_results_can_be_read_again_after_run():
    runner = new_runner()
    future = runner.add_task(square, 7, label="x")
    first = runner.run(verify=False)
    again = runner.get_background_results(verify=False)
    assert first == again
    assert future.result() == 49


def test_status_read_alone_matches_the_filled_result():
    # "status" and "has_failed" are read without building the 17 fields
    # (checking every status of a large run); they agree with the full dict
    runner = new_runner()
    runner.add_task(square, 3, label="ok")
    runner.add_task(divide, 1, 0, label="bad")
    runner.add_task(square, 2, label="skipped", depends_on=["bad"])
    results = runner.run(verify=False)
    alone = {label: (r["status"], r["has_failed"])
             for label, r in results.items()}
    assert alone == {"ok": ("Successful", False), "bad": ("Failed", True),
                     "skipped": ("Terminated", True)}
    for label, r in results.items():
        full = dict(r)
        assert set(full) == RESULT_KEYS
        assert (full["status"], full["has_failed"]) == alone[label]
        assert (r["status"], r["has_failed"]) == alone[label]
    assert results["bad"]["error"] == "ZeroDivisionError: division by zero"
    assert results["ok"]["result"] == 9
