# Binding smoke test: PyGObject against the uninstalled Concurra-1.typelib.
#
# Run by meson (suite 'bindings') with GI_TYPELIB_PATH and LD_LIBRARY_PATH
# pointing at build/concurra-glib:  /usr/bin/python3 -m pytest test_concurra.py
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import math
import os
import sys
import threading
import time

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("Concurra", "1")

from gi.repository import Concurra, Gio, GLib, GObject  # noqa: E402

import pytest  # noqa: E402

S = Concurra.TaskStatus

RESULT_KEYS = {
    "task_name", "label", "start_time", "end_time", "duration",
    "duration_seconds", "result", "output", "error", "trace", "status",
    "has_failed", "execution_mode", "warning", "attempts", "task_retries",
    "retried", "retry_errors",
}


# --- task functions: called on worker threads as fn(task, cancellable) ---

def fetch(task, cancellable):
    time.sleep(0.02)
    task.return_string("payload")


def parse(task, cancellable):
    task.return_int(42)


def lint(task, cancellable):
    task.return_error(GLib.Error.new_literal(Gio.io_error_quark(), "boom",
                                             Gio.IOErrorEnum.FAILED))


def report(task, cancellable):  # must never run: lint fails
    task.return_string("should not run")


def make_flaky(fail_times):
    calls = {"n": 0}

    def flaky(task, cancellable):
        calls["n"] += 1
        if calls["n"] <= fail_times:
            task.return_error(GLib.Error.new_literal(
                Gio.io_error_quark(), "flaky %d" % calls["n"],
                Gio.IOErrorEnum.FAILED))
        else:
            task.return_double(2.5)

    return flaky, calls


def stuck(task, cancellable):
    # Cooperative: stop once the runner cancels us (timeout).
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not cancellable.is_cancelled():
        time.sleep(0.01)
    task.return_string("late")


def build_dag(runner):
    runner.add_task("fetch", None, fetch)
    runner.add_task("parse", ["fetch"], parse)
    runner.add_task("lint", ["fetch"], lint)
    runner.add_task("report", ["parse", "lint"], report)


def check_dag(runner, results):
    assert sorted(results.keys()) == ["fetch", "lint", "parse", "report"]
    for label, task in results.items():
        assert isinstance(task, Concurra.Task)
        assert task.get_label() == label
        assert runner.get_task(label) is task

    fetch_t = results["fetch"]
    assert fetch_t.get_status() == S.SUCCESSFUL
    assert not fetch_t.get_has_failed()
    assert fetch_t.get_value() == "payload"
    assert fetch_t.get_error() is None
    assert fetch_t.get_attempts() == 1
    assert not fetch_t.get_retried()
    assert fetch_t.get_execution_mode() == Concurra.ExecutionMode.THREAD
    assert fetch_t.get_start_time() is not None
    assert fetch_t.get_end_time() is not None
    assert fetch_t.get_duration() >= 0.0

    parse_t = results["parse"]
    assert parse_t.get_status() == S.SUCCESSFUL
    assert parse_t.get_value() == 42

    lint_t = results["lint"]
    assert lint_t.get_status() == S.FAILED
    assert lint_t.get_has_failed()
    assert lint_t.get_value() is None
    err = lint_t.get_error()
    assert err is not None
    assert err.matches(Gio.io_error_quark(), Gio.IOErrorEnum.FAILED)
    assert err.message == "boom"
    assert lint_t.get_error_message() == "boom"

    report_t = results["report"]
    assert report_t.get_status() == S.TERMINATED
    assert report_t.get_has_failed()
    assert report_t.get_attempts() == 0
    assert report_t.get_execution_mode() == Concurra.ExecutionMode.NONE
    assert report_t.get_start_time() is None
    err = report_t.get_error()
    assert err.matches(Concurra.error_quark(),
                       Concurra.Error.DEPENDENCY_FAILED)
    assert report_t.get_error_message() == \
        "Skipped: dependency [lint] failed or was terminated"

    assert runner.get_state() == Concurra.RunnerState.FINISHED
    assert not runner.is_running()
    assert runner.get_n_tasks() == 4
    assert runner.get_n_failed() == 2

    # GListModel, in insertion order
    assert runner.get_n_items() == 4
    assert runner.get_item_type() == Concurra.Task.__gtype__
    assert [runner.get_item(i).get_label() for i in range(4)] == \
        ["fetch", "parse", "lint", "report"]

    d = fetch_t.to_variant().unpack()
    assert RESULT_KEYS <= set(d.keys())
    assert d["label"] == "fetch"
    assert d["status"] == "Successful"
    assert d["result"] == "payload"
    assert d["output"] == "payload"
    assert d["has_failed"] is False
    assert d["attempts"] == 1
    assert d["execution_mode"] == "thread"
    assert d["retry_errors"] == []

    d = report_t.to_variant().unpack()
    assert d["status"] == "Terminated"
    assert d["has_failed"] is True
    assert d["result"] is None
    assert d["start_time"] is None
    assert "Skipped" in d["error"]

    text = runner.format_report()
    assert "| label" in text
    for label in ("fetch", "parse", "lint", "report"):
        assert label in text
    assert "Successful" in text and "Failed" in text \
        and "Terminated" in text


def new_runner(name="py-dag"):
    runner = Concurra.Runner.new(name)
    runner.props.verify_on_finish = False
    runner.props.max_concurrency = 2
    return runner


def test_run_sync_dag():
    runner = new_runner()
    build_dag(runner)
    assert runner.get_state() == Concurra.RunnerState.IDLE

    main_thread = threading.get_ident()
    finished, progress, started = [], [], []
    runner.connect("task-started", lambda r, t: started.append(t.get_label()))
    runner.connect("task-finished",
                   lambda r, t: finished.append((t.get_label(),
                                                 threading.get_ident())))
    runner.connect("progress", lambda r, done, total: progress.append(
        (done, total)))
    done_flag = []
    runner.connect("finished", lambda r: done_flag.append(True))

    results = runner.run(None)
    check_dag(runner, results)

    assert sorted(started) == ["fetch", "lint", "parse"]
    assert sorted(label for label, _ in finished) == \
        ["fetch", "lint", "parse", "report"]
    # signals of a sync run are emitted on the caller's thread
    assert all(tid == main_thread for _, tid in finished)
    assert progress[-1] == (4, 4)
    assert done_flag == [True]

    with pytest.raises(GLib.Error) as exc:
        runner.run(None)
    assert exc.value.matches(Concurra.error_quark(),
                             Concurra.Error.ALREADY_STARTED)


def test_run_async_dag():
    runner = new_runner("py-async")
    build_dag(runner)
    loop = GLib.MainLoop()
    box = {}

    def on_done(r, res):
        try:
            box["results"] = r.run_finish(res)
        except GLib.Error as e:  # pragma: no cover - reported below
            box["error"] = e
        loop.quit()

    runner.run_async(None, on_done)
    assert runner.is_running()
    GLib.timeout_add_seconds(30, loop.quit)
    loop.run()
    assert "error" not in box, box.get("error")
    check_dag(runner, box["results"])


def test_property_notifications():
    # counters and task records notify, so a UI can bind to them
    runner = new_runner("py-notify")
    build_dag(runner)
    seen = {}
    running_seen = threading.Event()

    def held(task, cancellable):
        # a task that starts and ends within one batch of events may
        # never show in n-running: this one ends once it was seen
        task.return_boolean(running_seen.wait(30))

    runner.add_task("held", None, held)

    def on_notify(obj, pspec):
        value = obj.get_property(pspec.name)
        seen.setdefault(pspec.name, []).append(value)
        if pspec.name == "n-running" and value > 0:
            running_seen.set()

    for name in ("n-running", "n-completed", "n-failed"):
        runner.connect("notify::" + name, on_notify)
    runner.get_task("lint").connect("notify::error-message", on_notify)
    runner.get_task("fetch").connect("notify::duration", on_notify)
    results = runner.run(None)
    assert results["held"].get_value() is True
    assert seen["n-completed"][-1] == 5
    assert seen["n-failed"][-1] == 2          # lint failed, report skipped
    assert max(seen["n-running"]) >= 1 and seen["n-running"][-1] == 0
    assert seen["error-message"] == [runner.get_task("lint").props.error_message]
    assert seen["duration"][-1] > 0


def test_wait_from_task_finished_handler_fails_instead_of_hanging():
    runner = new_runner("py-wait-in-handler")
    build_dag(runner)
    errors = []

    def on_finished(r, task):
        try:
            r.wait(None)
        except GLib.Error as e:
            errors.append(e)

    runner.connect("task-finished", on_finished)
    check_dag(runner, runner.run(None))
    assert len(errors) == 4
    assert all(e.matches(Concurra.error_quark(), Concurra.Error.STILL_RUNNING)
               for e in errors)
    assert "'py-wait-in-handler'" in errors[0].message


def test_add_errors():
    runner = new_runner("py-errors")
    runner.add_task("a", None, parse)
    with pytest.raises(GLib.Error) as exc:
        runner.add_task("a", None, parse)
    assert exc.value.matches(Concurra.error_quark(),
                             Concurra.Error.DUPLICATE_LABEL)
    assert "'a'" in exc.value.message

    with pytest.raises(GLib.Error) as exc:
        runner.add_task("b", ["b"], parse)
    assert exc.value.matches(Concurra.error_quark(),
                             Concurra.Error.SELF_DEPENDENCY)

    runner.add_task("c", ["d"], parse)   # forward reference is fine
    with pytest.raises(GLib.Error) as exc:
        runner.add_task("d", ["c"], parse)
    assert exc.value.matches(Concurra.error_quark(), Concurra.Error.CYCLE)
    assert "d \u2192 c \u2192 d" in exc.value.message
    assert runner.get_n_tasks() == 2

    with pytest.raises(GLib.Error) as exc:
        runner.run(None)
    assert exc.value.matches(Concurra.error_quark(),
                             Concurra.Error.UNKNOWN_DEPENDENCY)
    assert "'d'" in exc.value.message


def test_default_constructed_objects():
    # Concurra.Task() has no function: adding it is an error naming the
    # label, not a crash when it runs
    runner = new_runner("py-default-constructed")
    with pytest.raises(GLib.Error) as exc:
        runner.add(Concurra.Task(name="hollow"), "hollow", None)
    assert exc.value.matches(Concurra.error_quark(),
                             Concurra.Error.INVALID_ARGUMENT)
    assert "'hollow'" in exc.value.message
    assert runner.get_n_tasks() == 0
    # Concurra.TaskStream() is an empty stream
    stream = Concurra.TaskStream()
    assert stream.get_n_tasks() == 0
    assert stream.get_n_items() == 0
    assert stream.next(-1, None) == (None, 0)
    del stream


def test_empty_runner():
    results = new_runner("py-empty").run(None)
    assert results is not None
    assert dict(results) == {}


def test_retries():
    runner = new_runner("py-retries")
    flaky, calls = make_flaky(2)
    task = runner.add_task("flaky", None, flaky)
    task.set_retries(3)
    always_fails, calls2 = make_flaky(100)
    runner.add_task("hopeless", None, always_fails).set_retries(1)
    retrying = []
    runner.connect("task-retrying",
                   lambda r, t, attempt, err: retrying.append(
                       (t.get_label(), attempt, err.message)))

    results = runner.run(None)
    t = results["flaky"]
    assert t.get_status() == S.SUCCESSFUL
    assert t.get_value() == 2.5
    assert t.get_attempts() == 3
    assert t.get_retried()
    assert t.get_retries() == 3
    assert list(t.get_retry_errors()) == [
        "g-io-error-quark.0: flaky 1", "g-io-error-quark.0: flaky 2"]
    assert calls["n"] == 3
    d = t.to_variant().unpack()
    assert d["attempts"] == 3 and d["retried"] is True
    assert d["task_retries"] == 3
    assert d["retry_errors"] == ["g-io-error-quark.0: flaky 1",
                                 "g-io-error-quark.0: flaky 2"]

    h = results["hopeless"]
    assert h.get_status() == S.FAILED
    assert h.get_attempts() == 2
    assert calls2["n"] == 2
    assert list(h.get_retry_errors()) == ["g-io-error-quark.0: flaky 1"]
    assert h.get_error_message() == "flaky 2"

    assert sorted(retrying) == [("flaky", 1, "flaky 1"),
                                ("flaky", 2, "flaky 2"),
                                ("hopeless", 1, "flaky 1")]


def test_timeout():
    runner = new_runner("py-timeout")
    t = runner.add_task("stuck", None, stuck)
    t.set_timeout(0.2)
    runner.add_task("after", ["stuck"], parse)
    runner.add_task("free", None, parse)

    start = time.monotonic()
    results = runner.run(None)
    elapsed = time.monotonic() - start
    assert elapsed < 3.0

    s = results["stuck"]
    assert s.get_status() == S.TERMINATED
    assert s.get_error().matches(Concurra.error_quark(),
                                 Concurra.Error.TIMEOUT)
    assert s.get_error_message() == "Task exceeded timeout of 0.2 seconds"
    assert s.get_value() is None   # the late return is ignored
    assert results["after"].get_error().matches(
        Concurra.error_quark(), Concurra.Error.DEPENDENCY_FAILED)
    assert results["free"].get_status() == S.SUCCESSFUL
    # give the stuck thread time to notice its cancellable and return
    time.sleep(0.1)
    assert s.get_value() is None


def test_timeout_convention():
    # one convention: -1 the default, TIMEOUT_INFINITE (or math.inf) no
    # limit, 0 no time at all
    assert Concurra.TIMEOUT_DEFAULT == -1
    assert Concurra.TIMEOUT_INFINITE == sys.float_info.max
    runner = new_runner("py-timeout-convention")
    assert runner.props.timeout == Concurra.TIMEOUT_DEFAULT
    runner.props.timeout = 0.2

    def slow_ok(task, cancellable):
        time.sleep(0.5)
        task.return_string("done")

    unlimited = runner.add_task("unlimited", None, slow_ok)
    assert unlimited.get_timeout() == Concurra.TIMEOUT_DEFAULT
    unlimited.set_timeout(math.inf)
    assert unlimited.get_timeout() == Concurra.TIMEOUT_INFINITE
    zero_calls = []
    zero = runner.add_task("zero", None,
                           lambda task, c: zero_calls.append(1))
    zero.set_timeout(0)
    inherits = runner.add_task("inherits", None, stuck)
    inherits.set_timeout(-3)
    assert inherits.get_timeout() == Concurra.TIMEOUT_DEFAULT
    results = runner.run(None)
    assert results["unlimited"].get_status() == S.SUCCESSFUL
    assert results["zero"].get_error_message() == \
        "Task exceeded timeout of 0 seconds"
    assert zero_calls == []     # a 0 timeout starts nothing
    # the properties take the same values as the setters
    runner.props.timeout = math.inf
    assert runner.props.timeout == Concurra.TIMEOUT_INFINITE
    zero.props.timeout = -5
    assert zero.props.timeout == Concurra.TIMEOUT_DEFAULT
    assert results["inherits"].get_error_message() == \
        "Task exceeded timeout of 0.2 seconds"


def test_format_duration():
    assert Concurra.format_duration(1.0123) == "1.01 sec"
    assert Concurra.format_duration(150) == "2.5 min"
    assert Concurra.format_duration(0) == "0.0 sec"


# --- broader checks of the API as Python sees it ---

def wait_cancelled(task, cancellable):
    """Blocks (cooperatively) until the runner cancels the task."""
    event = threading.Event()
    handler = GObject.Object.connect(cancellable, "cancelled",
                                     lambda c: event.set())
    if not cancellable.is_cancelled():
        event.wait(5)
    GObject.Object.disconnect(cancellable, handler)
    task.return_string("late")


def test_value_kinds():
    runner = new_runner("py-values")
    obj = Gio.SimpleAction.new("act", None)

    def ret_value(task, c):
        v = GObject.Value(GObject.TYPE_UINT, 7)
        task.return_value(v)

    def ret_error_full(task, c):
        task.return_error_full(
            GLib.Error.new_literal(Concurra.error_quark(), "bad input",
                                   Concurra.Error.INVALID_ARGUMENT),
            "Traceback: line 1")

    runner.add_task("bool", None, lambda t, c: t.return_boolean(True))
    runner.add_task("double", None, lambda t, c: t.return_double(0.5))
    runner.add_task("variant", None, lambda t, c: t.return_variant(
        GLib.Variant("(si)", ("x", 3))))
    runner.add_task("object", None, lambda t, c: t.return_object(obj))
    runner.add_task("gvalue", None, ret_value)
    runner.add_task("nothing", None, lambda t, c: None)
    runner.add_task("full", None, ret_error_full)
    results = runner.run(None)

    assert results["bool"].get_value() is True
    assert results["double"].get_value() == 0.5
    assert results["variant"].get_value().unpack() == ("x", 3)
    assert results["object"].get_value() is obj
    assert results["gvalue"].get_value() == 7
    nothing = results["nothing"]
    assert nothing.get_status() == S.SUCCESSFUL
    assert nothing.get_value() is None
    assert nothing.to_variant().unpack()["result"] is None
    full = results["full"]
    assert full.get_status() == S.FAILED
    assert full.get_trace() == "Traceback: line 1"
    assert full.get_error_message() == "bad input"
    d = full.to_variant().unpack()
    assert d["trace"] == "Traceback: line 1"
    assert d["error"] == "ConcurraError.INVALID_ARGUMENT: bad input"


def test_task_object_and_default_labels():
    runner = new_runner("py-add")
    task = Concurra.Task.new("my-function", parse)
    assert task.get_status() == S.PENDING
    assert not task.is_done()
    runner.add(task, None, None)
    assert task.get_label() == "0"
    assert task.get_name() == "my-function"
    second = runner.add_task(None, ["0"], fetch)
    assert second.get_label() == "1"

    # a value out of the property's range is refused where it is set
    bad = Concurra.Task.new(None, parse)
    with pytest.warns(Warning):
        bad.props.retries = -2
    assert bad.get_retries() == -1
    assert runner.get_n_tasks() == 2

    statuses, completed = [], []
    task.connect("notify::status",
                 lambda t, p: statuses.append(t.get_status()))
    task.connect("completed", lambda t: completed.append(t.get_label()))
    runner.run(None)
    assert task.is_done()
    assert statuses == [S.RUNNING, S.SUCCESSFUL]
    assert completed == ["0"]

    with pytest.raises(GLib.Error) as exc:
        runner.add_task("late", None, parse)
    assert exc.value.matches(Concurra.error_quark(),
                             Concurra.Error.ALREADY_STARTED)


def test_max_concurrency():
    runner = Concurra.Runner.new(None)
    assert runner.get_name() == "TaskRunner"
    runner.set_max_concurrency(0)
    assert runner.get_max_concurrency() == GLib.get_num_processors()
    runner.set_max_concurrency(-3)   # logs a "coerced to 1" warning
    assert runner.get_max_concurrency() == 1


def test_start_and_wait():
    runner = new_runner("py-background")
    with pytest.raises(GLib.Error) as exc:
        runner.wait(None)
    assert exc.value.matches(Concurra.error_quark(),
                             Concurra.Error.NOT_STARTED)
    build_dag(runner)
    threads = []
    runner.connect("task-finished",
                   lambda r, t: threads.append(threading.get_ident()))
    assert runner.start()
    assert runner.is_running() or runner.get_state() == \
        Concurra.RunnerState.FINISHED
    results = runner.wait(None)
    check_dag(runner, results)
    # start() emits signals on a private thread, never the caller's
    assert len(threads) == 4
    assert threading.get_ident() not in threads
    again = runner.wait(None)
    assert sorted(again.keys()) == sorted(results.keys())
    with pytest.raises(GLib.Error) as exc:
        runner.start()
    assert exc.value.matches(Concurra.error_quark(),
                             Concurra.Error.ALREADY_STARTED)


def test_abort_during_run_async():
    runner = new_runner("py-abort")
    runner.add_task("blocked", None, wait_cancelled)
    runner.add_task("after", ["blocked"], parse)
    loop = GLib.MainLoop()
    box = {}

    def on_started(r, task):
        if task.get_label() == "blocked":
            r.abort()

    def on_done(r, res):
        box["results"] = r.run_finish(res)
        loop.quit()

    runner.connect("task-started", on_started)
    start = time.monotonic()
    runner.run_async(None, on_done)
    GLib.timeout_add_seconds(10, loop.quit)
    loop.run()
    assert time.monotonic() - start < 3
    results = box["results"]
    for label in ("blocked", "after"):
        t = results[label]
        assert t.get_status() == S.TERMINATED, label
        assert t.get_error().matches(Concurra.error_quark(),
                                     Concurra.Error.TERMINATED), label
        assert t.get_error_message() == \
            "Execution terminated before completion"
    assert runner.get_state() == Concurra.RunnerState.FINISHED


def test_abort_before_start():
    runner = new_runner("py-abort-early")
    runner.add_task("a", None, parse)
    runner.abort()
    assert runner.get_task("a").get_status() == S.TERMINATED
    assert runner.get_state() == Concurra.RunnerState.FINISHED
    with pytest.raises(GLib.Error) as exc:
        runner.run(None)
    assert exc.value.matches(Concurra.error_quark(),
                             Concurra.Error.ALREADY_STARTED)


def test_fast_fail():
    runner = new_runner("py-fast-fail")
    runner.props.fast_fail = True
    runner.props.max_concurrency = 2
    runner.add_task("blocked", None, wait_cancelled)
    runner.add_task("bad", None, lint)
    runner.add_task("queued", None, parse)   # no free slot until the end
    start = time.monotonic()
    results = runner.run(None)
    assert time.monotonic() - start < 3
    assert results["bad"].get_status() == S.FAILED
    for label in ("blocked", "queued"):
        t = results[label]
        assert t.get_status() == S.TERMINATED, label
        assert t.get_error().matches(Concurra.error_quark(),
                                     Concurra.Error.TERMINATED), label
        assert t.get_error_message() == \
            "Execution terminated before completion"
    assert results["queued"].get_attempts() == 0


def test_fast_fail_cancel_one_task():
    # a task cancelled on purpose is not a failure: the rest carries on
    runner = new_runner("py-fast-fail-cancel")
    runner.props.fast_fail = True
    runner.props.max_concurrency = 2
    victim = runner.add_task("victim", None, wait_cancelled)
    runner.add_task("after", ["victim"], parse)
    for i in range(3):
        runner.add_task("other-%d" % i, None, fetch)
    runner.connect("task-started",
                   lambda r, t: t == victim and t.cancel())
    results = runner.run(None)
    assert results["victim"].get_error_message() == "Task was cancelled"
    assert results["after"].get_error().matches(
        Concurra.error_quark(), Concurra.Error.DEPENDENCY_FAILED)
    for i in range(3):
        other = results["other-%d" % i]
        assert other.get_status() == S.SUCCESSFUL, other.get_error_message()


def test_raise_on_failure_and_verify():
    runner = new_runner("py-raise")
    runner.props.raise_on_failure = True
    runner.props.error_message = "Pipeline broke"
    with pytest.raises(GLib.Error) as exc:
        runner.verify()
    assert exc.value.matches(Concurra.error_quark(),
                             Concurra.Error.NOT_STARTED)
    build_dag(runner)
    with pytest.raises(GLib.Error) as exc:
        runner.run(None)
    assert exc.value.matches(Concurra.error_quark(),
                             Concurra.Error.TASKS_FAILED)
    assert exc.value.message.startswith("Pipeline broke: ")
    assert "lint" in exc.value.message and "report" in exc.value.message
    assert "fetch" not in exc.value.message
    with pytest.raises(GLib.Error) as exc:
        runner.verify()
    assert exc.value.matches(Concurra.error_quark(),
                             Concurra.Error.TASKS_FAILED)
    # results stay readable after the failed run
    assert runner.get_results()["fetch"].get_value() == "payload"

    ok = new_runner("py-verify-ok")
    ok.add_task("a", None, parse)
    ok.run(None)
    assert ok.verify()


def test_run_cancellable():
    runner = new_runner("py-cancel")
    runner.add_task("blocked", None, wait_cancelled)
    cancellable = Gio.Cancellable()
    runner.connect("task-started", lambda r, t: cancellable.cancel())
    with pytest.raises(GLib.Error) as exc:
        runner.run(cancellable)
    assert exc.value.matches(Gio.io_error_quark(),
                             Gio.IOErrorEnum.CANCELLED)
    assert runner.get_task("blocked").get_status() == S.TERMINATED


def test_retry_backoff_and_runner_defaults():
    runner = new_runner("py-backoff")
    runner.props.task_retries = 2
    runner.props.retry_delay = 0.05
    runner.props.retry_backoff = 2.0
    runner.props.timeout = 0.3
    flaky, calls = make_flaky(2)
    runner.add_task("flaky", None, flaky)          # retries -1: the runner's 2
    runner.add_task("stuck", None, wait_cancelled)  # timeout -1: runner's
    no_timeout = runner.add_task("free", None, fetch)
    no_timeout.set_timeout(Concurra.TIMEOUT_INFINITE)
    start = time.monotonic()
    results = runner.run(None)
    assert time.monotonic() - start < 3
    t = results["flaky"]
    assert t.get_status() == S.SUCCESSFUL
    assert t.get_attempts() == 3
    assert t.get_retries() == 2   # the effective value once started
    # delays 0.05 then 0.1 between the three attempts
    assert t.get_duration() >= 0.14
    s = results["stuck"]
    assert s.get_error().matches(Concurra.error_quark(),
                                 Concurra.Error.TIMEOUT)
    assert s.get_error_message() == "Task exceeded timeout of 0.3 seconds"
    assert results["free"].get_status() == S.SUCCESSFUL


def test_dependents_use_every_slot():
    # The three dependents of "root" must run at the same time with
    # max-concurrency 3: each waits for the other two at a barrier.
    runner = new_runner("py-slots")
    runner.props.max_concurrency = 3
    barrier = threading.Barrier(3, timeout=2)

    def meet(task, cancellable):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            task.return_error(GLib.Error.new_literal(
                Gio.io_error_quark(), "ran alone", Gio.IOErrorEnum.FAILED))

    runner.add_task("root", None, fetch)
    for label in ("a", "b", "c"):
        runner.add_task(label, ["root"], meet)
    results = runner.run(None)
    assert [results[label].get_status() for label in "abc"] == \
        [S.SUCCESSFUL] * 3


# --- process mode: functions of tests/process-worker.c in worker processes ---

def process_runner(name, max_concurrency=2):
    runner = new_runner(name)
    runner.props.execution_mode = Concurra.ExecutionMode.PROCESS
    runner.props.max_concurrency = max_concurrency
    runner.props.worker_command = [os.environ["CONCURRA_TEST_WORKER"]]
    return runner


def test_process_mode_results_errors_crash():
    runner = process_runner("py-process")
    squares = [runner.add_process_task("square-%d" % i, None, "square",
                                       GLib.Variant("(x)", (i,)))
               for i in range(20)]
    fail = runner.add_process_task(
        "fail", None, "fail",
        GLib.Variant("(sis)", ("my-app-error-quark", 7, "bad input")))
    segv = runner.add_process_task("segv", None, "segv", None)
    results = runner.run(None)
    assert len(results) == 22

    for i, task in enumerate(squares):
        assert task.get_status() == S.SUCCESSFUL
        assert task.get_execution_mode() == Concurra.ExecutionMode.PROCESS
        assert task.get_value().unpack() == i * i

    # the worker's error, domain, code and message as raised there
    assert fail.get_status() == S.FAILED
    err = fail.get_error()
    assert err.matches(GLib.quark_from_string("my-app-error-quark"), 7)
    assert err.message == "bad input"

    # a crash fails its task only
    assert segv.get_status() == S.FAILED
    err = segv.get_error()
    assert err.matches(Concurra.error_quark(), Concurra.Error.WORKER_CRASHED)
    assert "signal 11" in err.message


def test_process_mode_timeout_kills_worker():
    runner = process_runner("py-process-timeout", max_concurrency=1)
    first = runner.add_process_task("first", None, "pid", None)
    hang = runner.add_process_task("hang", None, "hang", GLib.Variant("(s)", ("",)))
    hang.set_timeout(0.5)
    after = runner.add_process_task("after", None, "pid", None)

    start = time.monotonic()
    results = runner.run(None)
    assert time.monotonic() - start < 10
    assert results["hang"].get_status() == S.TERMINATED
    assert hang.get_error().matches(Concurra.error_quark(), Concurra.Error.TIMEOUT)
    # one worker at a time: the one stuck in "hang" was killed and replaced
    assert after.get_status() == S.SUCCESSFUL
    assert first.get_status() == S.SUCCESSFUL
    assert after.get_value().unpack() != first.get_value().unpack()


def test_process_mode_not_serializable_and_fallback():
    calls = []

    def local(task, cancellable):
        calls.append(threading.get_ident())
        task.return_int(1)

    runner = process_runner("py-process-closure")
    closure = runner.add_task("closure", None, local)
    square = runner.add_process_task("square", None, "square", GLib.Variant("(x)", (3,)))
    runner.run(None)
    assert closure.get_status() == S.FAILED
    assert closure.get_error().matches(Concurra.error_quark(),
                                       Concurra.Error.NOT_SERIALIZABLE)
    assert calls == []
    assert square.get_value().unpack() == 9

    runner = process_runner("py-process-fallback")
    runner.props.fallback_to_thread = True
    closure = runner.add_task("closure", None, local)
    runner.run(None)
    assert closure.get_status() == S.SUCCESSFUL
    assert closure.get_execution_mode() == Concurra.ExecutionMode.THREAD_FALLBACK
    assert closure.get_warning()
    assert len(calls) == 1 and calls[0] != threading.get_ident()


# --- main-context tasks: started on the owner context, say if they started ---

def test_main_context_task_exception_fails_the_task():
    runner = Concurra.Runner.new("py-main-context")

    def raises(task, cancellable):
        raise ValueError("kaboom from Python")

    def reports_later(task, cancellable):
        source = GLib.timeout_source_new(20)
        source.set_callback(lambda *a: task.return_string("later") or False)
        source.attach(GLib.MainContext.ref_thread_default())
        return True

    raising = runner.add_main_context_task("raises", None, raises)
    later = runner.add_main_context_task("later", None, reports_later)
    skipped = runner.add_main_context_task("skipped", ["raises"], reports_later)
    runner.run(None)

    # PyGObject prints the exception and returns False: the task fails at
    # once instead of running forever
    assert raising.get_status() == S.FAILED
    assert raising.get_error().matches(Concurra.error_quark(), Concurra.Error.FAILED)
    assert "'raises'" in raising.get_error().message
    assert later.get_status() == S.SUCCESSFUL
    assert later.get_value() == "later"
    assert later.get_execution_mode() == Concurra.ExecutionMode.MAIN_CONTEXT
    assert skipped.get_status() == S.TERMINATED


def test_shared_function_tasks():
    """One Concurra.Function for many tasks, each called with its id; the
    running task is Concurra.Task.get_current() and its attempt's
    cancellable Gio.Cancellable.get_current()."""
    runner = Concurra.Runner.new("py-function")
    runner.set_max_concurrency(3)
    photos = ["a.jpg", "b.jpg", "missing.jpg", "slow.jpg"]
    seen = {}
    lock = threading.Lock()

    def resize(index):
        task = Concurra.Task.get_current()
        cancellable = Gio.Cancellable.get_current()
        with lock:
            seen[index] = (task.get_label(), cancellable is not None)
        name = photos[index]
        if name == "missing.jpg":
            task.return_error(GLib.Error.new_literal(
                Gio.io_error_quark(), "no such photo: " + name,
                Gio.IOErrorEnum.NOT_FOUND))
        elif name == "slow.jpg":
            cancelled = threading.Event()
            cancellable.connect(cancelled.set)
            cancelled.wait(30)
            task.return_boolean(cancellable.is_cancelled())
        else:
            task.return_string(name.upper())

    function = Concurra.Function.new("resize", resize)
    assert function.get_name() == "resize"
    assert function.props.name == "resize"
    tasks = [runner.add_function(name, None, function, i)
             for i, name in enumerate(photos)]
    follow = Concurra.Task.new_for_function(function, "again", 0)
    runner.add(follow, "again", ["a.jpg"])
    tasks[3].set_timeout(0.3)
    assert Concurra.Task.get_current() is None
    runner.run(None)
    assert Concurra.Task.get_current() is None

    assert [t.get_function_id() for t in tasks] == [0, 1, 2, 3]
    assert all(t.get_function() == function for t in tasks)
    assert tasks[0].get_name() == "resize" and follow.get_name() == "again"
    assert tasks[0].get_value() == "A.JPG"
    assert tasks[1].get_value() == "B.JPG"
    assert follow.get_status() == S.SUCCESSFUL and follow.get_value() == "A.JPG"
    assert tasks[2].get_status() == S.FAILED
    assert tasks[2].get_error().matches(Gio.io_error_quark(),
                                        Gio.IOErrorEnum.NOT_FOUND)
    assert tasks[2].get_error_message() == "no such photo: missing.jpg"
    assert tasks[3].get_status() == S.TERMINATED
    assert tasks[3].get_error().matches(Concurra.error_quark(),
                                        Concurra.Error.TIMEOUT)
    for i in range(4):
        assert seen[i][1], "no current cancellable in call %d" % i
    assert seen[0][0] in ("a.jpg", "again")
    assert seen[2][0] == "missing.jpg"
    # a task of another kind has no function
    plain = Concurra.Task.new("plain", parse, None)
    assert plain.get_function() is None and plain.get_function_id() == 0


def test_shared_function_bad_input():
    runner = Concurra.Runner.new("py-function-bad")
    function = Concurra.Function.new("noop", lambda index: None)
    runner.add_function("twice", None, function, 0)
    with pytest.raises(GLib.Error) as info:
        runner.add_function("twice", None, function, 1)
    assert info.value.matches(Concurra.error_quark(),
                              Concurra.Error.DUPLICATE_LABEL)
    assert "'twice'" in info.value.message
    runner.run(None)
    assert runner.get_task("twice").get_status() == S.SUCCESSFUL


def test_current_task_counts_its_running_attempt():
    """Inside its own function (a shared function's call or a main-context
    task's start), a task is Concurra.Task.get_current() and its attempts
    count the running attempt."""
    runner = Concurra.Runner.new("py-current-attempts")
    seen = {"function": [], "main": []}

    def flaky(index):
        task = Concurra.Task.get_current()
        seen["function"].append(task.get_attempts())
        if task.get_attempts() == 1:
            task.return_error(GLib.Error.new_literal(
                Gio.io_error_quark(), "busy", Gio.IOErrorEnum.BUSY))
        else:
            task.return_int(index)

    def start(task, cancellable):
        assert Concurra.Task.get_current() == task
        assert Gio.Cancellable.get_current() == cancellable
        seen["main"].append(task.get_attempts())
        if task.get_attempts() == 1:
            task.return_error(GLib.Error.new_literal(
                Gio.io_error_quark(), "busy", Gio.IOErrorEnum.BUSY))
        else:
            task.return_int(7)
        return True

    function = Concurra.Function.new("flaky", flaky)
    in_thread = runner.add_function("thread", None, function, 5)
    on_main = runner.add_main_context_task("main", None, start)
    for task in (in_thread, on_main):
        task.set_retries(1)
    runner.run(None)

    assert seen == {"function": [1, 2], "main": [1, 2]}
    assert in_thread.get_value() == 5 and in_thread.get_attempts() == 2
    assert on_main.get_value() == 7 and on_main.get_attempts() == 2
    assert Concurra.Task.get_current() is None
