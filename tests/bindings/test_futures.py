# Futures from Python (PyGObject): Concurra.wait, Concurra.gather and its
# keyed form, Task.wait / cancel, and Concurra.TaskStream, synchronously
# and with the *_async functions in a GLib.MainLoop (issue 5).
#
# Run by meson (suite 'bindings') with GI_TYPELIB_PATH and LD_LIBRARY_PATH
# pointing at build/concurra-glib:  /usr/bin/python3 -m pytest test_futures.py
#
# Task functions run on worker threads; they block on a threading.Event (a
# "gate") or on their GCancellable, so outcomes do not depend on timing.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import gc
import threading
import time

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("Concurra", "1")

from gi.repository import Concurra, Gio, GLib  # noqa: E402

import pytest  # noqa: E402

S = Concurra.TaskStatus
RW = Concurra.ReturnWhen
NONE = Concurra.GatherFlags.NONE
RETURN_ERRORS = Concurra.GatherFlags.RETURN_ERRORS
LONG = 30.0


# --- task bodies -----------------------------------------------------------

class Gate:
    """A task body that returns `value` (or fails) once opened, or returns
    early when the task's cancellable fires."""

    def __init__(self, value, fail=False):
        self.value = value
        self.fail = fail
        self.event = threading.Event()
        self.started = threading.Event()
        self.finished = threading.Event()
        self.saw_cancel = False

    def open(self):
        self.event.set()

    def __call__(self, task, cancellable):
        self.started.set()
        handler = cancellable.connect(lambda *_: self.event.set())
        self.event.wait(LONG)
        cancellable.disconnect(handler)
        self.saw_cancel = cancellable.is_cancelled()
        try:
            if self.fail:
                task.return_error(GLib.Error.new_literal(
                    Gio.io_error_quark(), "boom-%d" % self.value,
                    Gio.IOErrorEnum.FAILED))
            else:
                task.return_int(self.value)
        finally:
            self.finished.set()


def new_runner(name, max_concurrency=8):
    runner = Concurra.Runner.new(name)
    runner.props.verify_on_finish = False
    runner.props.max_concurrency = max_concurrency
    return runner


def gated(runner, labels, fail=()):
    """Adds one gated task per label; returns (tasks, gates)."""
    tasks, gates = [], []
    for i, label in enumerate(labels):
        gate = Gate(100 + i, fail=label in fail)
        tasks.append(runner.add_task(label, None, gate))
        gates.append(gate)
    return tasks, gates


def labels(tasks):
    return [t.get_label() for t in tasks]


def assert_glib_error(excinfo, quark, code):
    err = excinfo.value
    assert isinstance(err, GLib.Error)
    assert err.matches(quark, code), (err.domain, err.code, err.message)
    return err


def finish_all(runner, gates):
    for gate in gates:
        gate.open()
    runner.wait(None)
    assert runner.get_state() == Concurra.RunnerState.FINISHED


def iterate_until(predicate, timeout=LONG):
    """Runs the default main context until predicate() is true."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out iterating the loop"
        ctx.iteration(True)


class Finalized:
    """Counts C-side finalizations of GObjects (GObject weak refs)."""

    def __init__(self):
        self.count = 0
        self.total = 0
        self.lock = threading.Lock()

    def track(self, obj):
        self.total += 1
        obj.weak_ref(self._gone)
        return obj

    def _gone(self, *args):
        with self.lock:
            self.count += 1

    def assert_all(self, timeout=LONG):
        deadline = time.monotonic() + timeout
        while True:
            gc.collect()
            while GLib.MainContext.default().iteration(False):
                pass
            with self.lock:
                if self.count == self.total:
                    return
            assert time.monotonic() < deadline, \
                "only %d of %d objects finalized" % (self.count, self.total)
            time.sleep(0.01)


# --- wait ------------------------------------------------------------------

def test_race_three_mirrors_cancel_the_losers():
    runner = new_runner("py-mirrors")
    mirrors, gates = gated(runner, ["mirror-a", "mirror-b", "mirror-c"])
    runner.start()
    for gate in gates:
        assert gate.started.wait(LONG)

    gates[1].open()
    ok, done, not_done = Concurra.wait(mirrors, RW.FIRST_COMPLETED, -1, None)
    assert ok is True
    assert done == [mirrors[1]]
    assert not_done == [mirrors[0], mirrors[2]]
    assert done[0].get_value() == 101

    for loser in not_done:
        assert loser.cancel() is True
    assert mirrors[1].cancel() is False
    ok, done, not_done = Concurra.wait(not_done, RW.ALL_COMPLETED, LONG, None)
    assert ok and not_done == []
    for loser in done:
        assert loser.get_status() == S.TERMINATED
        assert loser.get_error().matches(Concurra.error_quark(),
                                         Concurra.Error.TERMINATED)
        assert loser.get_error_message() == "Task was cancelled"
    runner.wait(None)
    # a terminated task's thread is not waited for (it cannot be killed):
    # wait for the gate bodies themselves before reading what they saw
    for gate in gates:
        assert gate.finished.wait(LONG)
    assert gates[0].saw_cancel and gates[2].saw_cancel
    assert not gates[1].saw_cancel
    assert mirrors[0].get_status() == S.TERMINATED
    assert mirrors[1].get_value() == 101


def test_wait_return_when_and_timeout():
    runner = new_runner("py-return-when")
    tasks, gates = gated(runner, ["a", "b", "c"], fail=("b",))
    runner.start()

    # nothing done yet: a timeout is not an error
    t0 = time.monotonic()
    ok, done, not_done = Concurra.wait(tasks, RW.ALL_COMPLETED, 0.2, None)
    assert time.monotonic() - t0 >= 0.19
    assert ok and done == [] and not_done == tasks

    gates[2].open()
    assert tasks[2].wait(LONG, None)
    ok, done, not_done = Concurra.wait(tasks, RW.FIRST_COMPLETED, LONG, None)
    assert done == [tasks[2]] and not_done == tasks[:2]
    ok, done, not_done = Concurra.wait(tasks, RW.FIRST_EXCEPTION, 0.05, None)
    assert done == [tasks[2]] and not_done == tasks[:2]

    gates[1].open()    # b fails: FIRST_EXCEPTION returns
    ok, done, not_done = Concurra.wait(tasks, RW.FIRST_EXCEPTION, LONG, None)
    assert done == [tasks[1], tasks[2]] and not_done == [tasks[0]]

    gates[0].open()
    ok, done, not_done = Concurra.wait(tasks, RW.ALL_COMPLETED, -1, None)
    assert done == tasks and not_done == []
    runner.wait(None)


def test_wait_shapes_empty_duplicates_done_two_runners():
    ok, done, not_done = Concurra.wait([], RW.ALL_COMPLETED, -1, None)
    assert ok and done == [] and not_done == []

    first = new_runner("py-first")
    second = new_runner("py-second")
    (a,), (ga,) = gated(first, ["a"])
    (b,), (gb,) = gated(second, ["b"])
    ga.open()
    first.run(None)        # a is done before the call
    second.start()
    ok, done, not_done = Concurra.wait([b, a, b], RW.FIRST_COMPLETED, LONG,
                                       None)
    assert done == [a] and not_done == [b]     # distinct, input order
    gb.open()
    ok, done, not_done = Concurra.wait([b, a, b], RW.ALL_COMPLETED, LONG, None)
    assert done == [b, a] and not_done == []
    second.wait(None)


def test_wait_cancellable_and_task_wait():
    runner = new_runner("py-cancellable")
    (task,), (gate,) = gated(runner, ["t"])
    runner.start()

    cancellable = Gio.Cancellable()
    threading.Timer(0.05, cancellable.cancel).start()
    with pytest.raises(GLib.Error) as excinfo:
        Concurra.wait([task], RW.ALL_COMPLETED, -1, cancellable)
    assert_glib_error(excinfo, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)

    with pytest.raises(GLib.Error) as excinfo:
        task.wait(0.05, None)
    assert_glib_error(excinfo, Concurra.error_quark(), Concurra.Error.TIMEOUT)
    assert not task.is_done()

    gate.open()
    assert task.wait(-1, None) is True
    assert task.is_done() and task.get_value() == 100
    runner.wait(None)


def test_waiters_in_several_threads():
    runner = new_runner("py-threads")
    tasks, gates = gated(runner, ["a", "b", "c"])
    runner.start()
    results = {}

    def waiter(name, fn):
        results[name] = fn()

    threads = [
        threading.Thread(target=waiter, args=(
            "all", lambda: Concurra.wait(tasks, RW.ALL_COMPLETED, LONG, None))),
        threading.Thread(target=waiter, args=(
            "gather", lambda: Concurra.gather(tasks, NONE, LONG, None))),
        threading.Thread(target=waiter, args=(
            "task", lambda: tasks[1].wait(LONG, None))),
        threading.Thread(target=waiter, args=(
            "first", lambda: Concurra.wait(tasks, RW.FIRST_COMPLETED, LONG,
                                           None))),
    ]
    for thread in threads:
        thread.start()
    gates[1].open()
    assert tasks[1].wait(LONG, None)
    threads[3].join(LONG)
    assert results["first"][1] == [tasks[1]]
    gates[0].open()
    gates[2].open()
    for thread in threads:
        thread.join(LONG)
    assert results["all"] == (True, tasks, [])
    assert results["gather"] == tasks
    assert results["task"] is True
    runner.wait(None)


# --- gather ----------------------------------------------------------------

def test_gather_input_order_and_values():
    runner = new_runner("py-gather")
    tasks, gates = gated(runner, ["a", "b", "c", "d"])
    runner.start()
    for i in (3, 1, 0, 2):     # completion order differs from input order
        gates[i].open()
        assert tasks[i].wait(LONG, None)
    gathered = Concurra.gather(tasks, NONE, -1, None)
    assert gathered == tasks
    assert [t.get_value() for t in gathered] == [100, 101, 102, 103]
    assert Concurra.gather([], NONE, -1, None) == []
    runner.wait(None)


def test_gather_failure_names_the_label():
    runner = new_runner("py-gather-fail")
    tasks, gates = gated(runner, ["fetch", "parse", "slow"], fail=("parse",))
    runner.start()
    gates[0].open()
    gates[1].open()
    with pytest.raises(GLib.Error) as excinfo:
        Concurra.gather(tasks, NONE, -1, None)
    err = assert_glib_error(excinfo, Gio.io_error_quark(),
                            Gio.IOErrorEnum.FAILED)
    assert err.message == "Task 'parse' failed: boom-101"
    assert not tasks[2].is_done()     # returned at the first failure

    with pytest.raises(GLib.Error) as excinfo:
        Concurra.gather(tasks, RETURN_ERRORS, 0.05, None)
    assert_glib_error(excinfo, Concurra.error_quark(), Concurra.Error.TIMEOUT)

    gates[2].open()
    gathered = Concurra.gather(tasks, RETURN_ERRORS, -1, None)
    assert gathered == tasks
    assert gathered[1].get_status() == S.FAILED
    assert gathered[2].get_value() == 102
    runner.wait(None)


def test_gather_keyed_preserves_keys():
    runner = new_runner("py-keyed")
    tasks, gates = gated(runner, ["get-users", "get-posts", "get-comments"],
                         fail=("get-posts",))
    runner.start()
    table = {"users": tasks[0], "posts": tasks[1], "comments": tasks[2]}

    with pytest.raises(GLib.Error) as excinfo:
        Concurra.gather_keyed(table, NONE, 0.05, None)
    assert_glib_error(excinfo, Concurra.error_quark(), Concurra.Error.TIMEOUT)

    gates[1].open()
    with pytest.raises(GLib.Error) as excinfo:
        Concurra.gather_keyed(table, NONE, -1, None)
    err = assert_glib_error(excinfo, Gio.io_error_quark(),
                            Gio.IOErrorEnum.FAILED)
    assert err.message == \
        "Task 'get-posts' failed: boom-101"

    gates[0].open()
    gates[2].open()
    result = Concurra.gather_keyed(table, RETURN_ERRORS, -1, None)
    assert isinstance(result, dict)
    assert result == table
    assert result["users"].get_value() == 100
    assert result["posts"].get_status() == S.FAILED
    assert Concurra.gather_keyed({}, NONE, -1, None) == {}
    runner.wait(None)


# --- the stream ------------------------------------------------------------

def test_stream_completion_order_with_indices():
    runner = new_runner("py-stream")
    tasks, gates = gated(runner, ["a", "b", "c", "d"])
    runner.start()
    gates[3].open()
    assert tasks[3].wait(LONG, None)
    stream = Concurra.TaskStream.new(tasks)
    assert stream.get_n_tasks() == 4
    assert stream.get_n_completed() == 1

    got = []
    task, index = stream.next(LONG, None)      # done before: comes first
    got.append((task, index))
    for i in (1, 0, 2):
        gates[i].open()
        task, index = stream.next(LONG, None)
        got.append((task, index))
    assert [i for _, i in got] == [3, 1, 0, 2]
    assert [t for t, _ in got] == [tasks[3], tasks[1], tasks[0], tasks[2]]
    assert stream.get_key(0) is None

    task, _ = stream.next(LONG, None)          # exhausted: None, no error
    assert task is None
    runner.wait(None)


def test_stream_timeout_then_resume():
    runner = new_runner("py-stream-timeout")
    tasks, gates = gated(runner, ["a", "b"])
    runner.start()
    stream = Concurra.TaskStream.new(tasks)
    with pytest.raises(GLib.Error) as excinfo:
        stream.next(0.1, None)
    assert_glib_error(excinfo, Concurra.error_quark(), Concurra.Error.TIMEOUT)
    cancellable = Gio.Cancellable()
    cancellable.cancel()
    with pytest.raises(GLib.Error) as excinfo:
        stream.next(-1, cancellable)
    assert_glib_error(excinfo, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    gates[1].open()
    assert stream.next(LONG, None) == (tasks[1], 1)
    finish_all(runner, gates)
    assert stream.next(LONG, None) == (tasks[0], 0)


def test_stream_keyed():
    runner = new_runner("py-stream-keyed")
    tasks, gates = gated(runner, ["x", "y", "z"])
    runner.start()
    table = {"users": tasks[0], "posts": tasks[1], "comments": tasks[2]}
    stream = Concurra.TaskStream.new_keyed(table)
    keys = []
    for i in (2, 0, 1):
        gates[i].open()
        task, index = stream.next(LONG, None)
        key = stream.get_key(index)
        assert table[key] is task
        keys.append(key)
    assert keys == ["comments", "users", "posts"]
    assert stream.next(LONG, None)[0] is None
    runner.wait(None)


def test_stream_signals_model_and_next_async():
    """The stream in the main loop of a run_async() runner: task-completed
    and progress signals, items-changed on the GListModel, next_async."""
    runner = new_runner("py-stream-async")
    tasks, gates = gated(runner, ["a", "b", "c"])
    main = threading.get_ident()
    state = {"run": None, "next": []}
    runner.run_async(None, lambda r, res: state.update(run=r.run_finish(res)))

    stream = Concurra.TaskStream.new(tasks)
    completed, progress, changes = [], [], []
    stream.connect("task-completed", lambda s, i, t: completed.append(
        (i, t, threading.get_ident())))
    stream.connect("progress", lambda s, d, n: progress.append((d, n)))
    stream.connect("items-changed", lambda m, p, r, a: changes.append(
        (p, r, a, m.get_n_items())))

    def on_next(s, res):
        task, index = s.next_finish(res)
        state["next"].append((task, index, threading.get_ident()))
        if task is not None:
            s.next_async(LONG, None, on_next)

    stream.next_async(LONG, None, on_next)
    for n, i in enumerate((1, 2, 0)):
        gates[i].open()
        iterate_until(lambda: len(completed) > n and len(state["next"]) > n)

    iterate_until(lambda: state["run"] is not None and len(state["next"]) == 4)
    assert [(i, t) for i, t, _ in completed] == \
        [(1, tasks[1]), (2, tasks[2]), (0, tasks[0])]
    assert all(thread == main for _, _, thread in completed)
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert changes == [(0, 0, 1, 1), (1, 0, 1, 2), (2, 0, 1, 3)]
    assert stream.get_n_items() == 3
    assert [stream.get_item(k) for k in range(3)] == \
        [tasks[1], tasks[2], tasks[0]]
    assert stream.get_item_type() == Concurra.Task.__gtype__
    assert [(t, i) for t, i, _ in state["next"]] == \
        [(tasks[1], 1), (tasks[2], 2), (tasks[0], 0), (None, 0)]
    assert all(thread == main for _, _, thread in state["next"])


# --- async wait / gather in a main loop ------------------------------------

def test_async_wait_gather_keyed_and_task_wait():
    runner = new_runner("py-async")
    tasks, gates = gated(runner, ["a", "b", "c"], fail=("c",))
    main = threading.get_ident()
    got = {}

    def store(name, finish):
        def callback(source, result, *user_data):
            got[name] = (finish(source, result), threading.get_ident())
        return callback

    def capture(fn):
        def finish(source, result):
            try:
                return fn(source, result)
            except GLib.Error as e:
                return e
        return finish

    runner.run_async(None, store("run", capture(
        lambda s, r: s.run_finish(r))))
    Concurra.wait_async(tasks, RW.FIRST_COMPLETED, LONG, None,
                        store("first", capture(
                            lambda s, r: Concurra.wait_finish(r))))
    Concurra.gather_async(tasks, NONE, LONG, None, store("gather", capture(
        lambda s, r: Concurra.gather_finish(r))))
    Concurra.gather_keyed_async({"k": tasks[1]}, NONE, LONG, None,
                                store("keyed", capture(
                                    lambda s, r: Concurra.gather_keyed_finish(r))))
    tasks[1].wait_async(LONG, None, store("task", capture(
        lambda s, r: s.wait_finish(r))))
    Concurra.wait_async(tasks, RW.ALL_COMPLETED, 0.1, None,
                        store("timeout", capture(
                            lambda s, r: Concurra.wait_finish(r))))

    iterate_until(lambda: "timeout" in got)
    assert got["timeout"][0] == (True, [], tasks)

    gates[1].open()
    iterate_until(lambda: {"first", "keyed", "task"} <= set(got))
    assert got["first"][0] == (True, [tasks[1]], [tasks[0], tasks[2]])
    assert got["keyed"][0] == {"k": tasks[1]}
    assert got["task"][0] is True

    gates[2].open()     # c fails: the gather fails naming it
    iterate_until(lambda: "gather" in got)
    err = got["gather"][0]
    assert isinstance(err, GLib.Error)
    assert err.matches(Gio.io_error_quark(), Gio.IOErrorEnum.FAILED)
    assert err.message == "Task 'c' failed: boom-102"

    gates[0].open()
    iterate_until(lambda: "run" in got)
    assert all(thread == main for _, thread in got.values())


def test_sync_calls_from_the_run_async_thread_without_a_loop():
    """run_async() on this thread's context, then synchronous wait, gather,
    stream and task waits from the same thread, no loop running."""
    runner = new_runner("py-owner")
    tasks, gates = gated(runner, ["a", "b"])
    stream = Concurra.TaskStream.new(tasks)   # made before the run
    state = {}
    runner.run_async(None, lambda r, res: state.update(run=r.run_finish(res)))
    threading.Timer(0.05, gates[1].open).start()
    assert stream.next(LONG, None) == (tasks[1], 1)
    threading.Timer(0.05, gates[0].open).start()
    assert Concurra.gather(tasks, NONE, LONG, None) == tasks
    assert Concurra.wait(tasks, RW.ALL_COMPLETED, LONG, None) == \
        (True, tasks, [])
    assert tasks[0].wait(LONG, None)
    iterate_until(lambda: "run" in state)


def test_async_calls_from_a_thread_with_its_own_loop():
    runner = new_runner("py-thread-loop")
    tasks, gates = gated(runner, ["a", "b"])
    runner.start()
    out = {}

    def worker():
        ctx = GLib.MainContext.new()
        ctx.push_thread_default()
        loop = GLib.MainLoop.new(ctx, False)

        def on_gathered(source, result, *_):
            out["gathered"] = Concurra.gather_finish(result)
            out["thread"] = threading.get_ident()
            loop.quit()

        Concurra.gather_async(tasks, NONE, LONG, None, on_gathered)
        loop.run()
        ctx.pop_thread_default()
        out["me"] = threading.get_ident()

    thread = threading.Thread(target=worker)
    thread.start()
    for gate in gates:
        gate.open()
    thread.join(LONG)
    assert out["gathered"] == tasks
    assert out["thread"] == out["me"] != threading.get_ident()
    runner.wait(None)


def test_completed_signal():
    runner = new_runner("py-completed")
    tasks, gates = gated(runner, ["a", "b"])
    seen = []
    for task in tasks:
        task.connect("completed", lambda t: seen.append(
            (t.get_label(), t.is_done(), threading.get_ident())))
    for gate in gates:
        gate.open()
    runner.run(None)
    assert sorted(label for label, _, _ in seen) == ["a", "b"]
    assert all(done and thread == threading.get_ident()
               for _, done, thread in seen)


def test_no_leaks_after_timeout_and_cancel():
    finalized = Finalized()
    runner = finalized.track(new_runner("py-leaks"))
    tasks, gates = gated(runner, ["a", "b"])
    finalized.track(tasks[0])
    finalized.track(tasks[1])
    runner.start()
    stream = finalized.track(Concurra.TaskStream.new(tasks))
    cancellable = Gio.Cancellable()
    cancellable.cancel()

    Concurra.wait(tasks, RW.ALL_COMPLETED, 0.01, None)
    with pytest.raises(GLib.Error):
        Concurra.wait(tasks, RW.FIRST_COMPLETED, -1, cancellable)
    with pytest.raises(GLib.Error):
        Concurra.gather(tasks, NONE, 0.01, None)
    with pytest.raises(GLib.Error):
        stream.next(0.01, None)
    with pytest.raises(GLib.Error):
        tasks[0].wait(0.01, None)

    assert tasks[0].cancel()
    gates[1].open()
    runner.wait(None)
    assert tasks[0].get_error_message() == "Task was cancelled"
    del stream, tasks, runner
    gates.clear()
    finalized.assert_all()


@pytest.mark.xfail(strict=True, reason=(
    "PyGObject 3.42 leaks a Python reference to every key and value when it "
    "marshals a dict into a GHashTable in-argument (pygi-hashtable.c "
    "_pygi_marshal_from_py_ghash never releases the PyMapping_Keys/Values "
    "lists), so tasks passed to gather_keyed / TaskStream.new_keyed are "
    "never finalized"))
def test_keyed_input_does_not_leak_tasks():
    finalized = Finalized()
    runner = finalized.track(new_runner("py-keyed-leak"))
    tasks, gates = gated(runner, ["a"])
    finalized.track(tasks[0])
    gates[0].open()
    runner.run(None)
    assert Concurra.gather_keyed({"k": tasks[0]}, NONE, -1, None) == \
        {"k": tasks[0]}
    Concurra.TaskStream.new_keyed({"k": tasks[0]})
    del tasks, runner
    gates.clear()
    finalized.assert_all(timeout=1.0)
