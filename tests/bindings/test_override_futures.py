# Tests of the PyGObject override: futures from TaskRunner.add_task and
# Concurry's synchronization — Concurra.wait, Concurra.gather (list, dict,
# *args, iter, timeout, progress, return_exceptions) and their asyncio
# versions; Concurra.Future as a concurrent.futures.Future (wait,
# as_completed, asyncio.wrap_future, await), callbacks on a GLib main
# context, TaskRunner.run_async.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import concurrent.futures
import concurrent.futures as cf
import threading
import time

import gi

gi.require_version("Concurra", "1")

from gi.repository import Concurra, GLib  # noqa: E402
from gi.repository.Concurra import ReturnWhen, gather, wait  # noqa: E402

import pytest  # noqa: E402


def gated(event, value, error=None):
    if not event.wait(20):
        raise RuntimeError("gate never opened")
    if error is not None:
        raise error
    return value


def double(x):
    return 2 * x


class Gates:
    """N tasks, task i returns i * 10 once gate i is opened."""

    def __init__(self, n, errors=None, max_concurrency=None):
        self.events = [threading.Event() for _ in range(n)]
        self.runner = Concurra.TaskRunner(
            max_concurrency=max_concurrency or n, progress_stats=False)
        errors = errors or {}
        self.futures = [
            self.runner.add_task(gated, self.events[i], i * 10,
                                 errors.get(i), label="t%d" % i)
            for i in range(n)]
        self.runner.execute_in_background()

    def open(self, *indices):
        for i in indices or range(len(self.events)):
            self.events[i].set()

    def close(self):
        self.open()
        return self.runner.get_background_results(verify=False)


@pytest.fixture
def gates():
    made = []

    def make(*args, **kwargs):
        g = Gates(*args, **kwargs)
        made.append(g)
        return g

    yield make
    for g in made:
        g.close()


def test_future_interface(gates):
    g = gates(3)
    f0, f1, f2 = g.futures
    assert isinstance(f0, Concurra.Future)
    assert f0.label == "t0" and isinstance(f0.task, Concurra.Task)
    assert f0.runner is g.runner
    assert not f0.done()
    with pytest.raises(TimeoutError):
        f0.result(timeout=0.05)
    with pytest.raises(concurrent.futures.TimeoutError):
        f0.exception(timeout=0.05)
    calls = []
    f0.add_done_callback(lambda f: calls.append(f.result()))
    g.open(0)
    assert f0.result(timeout=10) == 0
    assert f0.done() and not f0.running() and not f0.cancelled()
    assert f0.exception() is None
    assert f0.cancel() is False          # already done
    deadline = time.monotonic() + 5
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls == [0]
    late = []
    f0.add_done_callback(late.append)    # already done: called at once
    assert late == [f0]
    assert f1.running() or f1.task.get_status() == \
        Concurra.TaskStatus.PENDING
    assert "t1" in repr(f1)


def test_cancel(gates):
    g = gates(2, max_concurrency=1)
    f0, f1 = g.futures
    assert f1.cancel() is True           # pending: never runs
    assert f1.cancelled() and f1.done()
    with pytest.raises(concurrent.futures.CancelledError):
        f1.result()
    with pytest.raises(concurrent.futures.CancelledError):
        f1.exception()
    g.open()
    assert f0.result(10) == 0
    results = g.close()
    assert results["t1"]["status"] == "Terminated"
    assert results["t1"]["error"] == "CancelledError: Task was cancelled"
    assert results["t1"]["attempts"] == 0


def test_cancel_running_task_and_dependents():
    release = threading.Event()
    runner = Concurra.TaskRunner(progress_stats=False)
    running = runner.add_task(gated, release, "x", label="running")
    child = runner.add_task(double, 1, label="child", depends_on=["running"])
    runner.execute_in_background()
    deadline = time.monotonic() + 5
    while not running.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert running.cancel() is True
    release.set()
    assert running.cancelled()
    with pytest.raises(concurrent.futures.CancelledError):
        running.result(10)
    assert isinstance(child.exception(10), RuntimeError)
    assert "Skipped: dependency ['running']" in str(child.exception())
    runner.get_background_results(verify=False)


def test_waiting_on_an_unstarted_runner_raises():
    runner = Concurra.TaskRunner(progress_stats=False)
    future = runner.add_task(double, 2)
    with pytest.raises(RuntimeError, match="execute_in_background"):
        future.result()
    with pytest.raises(RuntimeError, match="execute_in_background"):
        wait([future])
    with pytest.raises(RuntimeError, match="execute_in_background"):
        gather([future])
    # futures of run() are done once it returns
    runner.run(verify=False)
    assert future.result() == 4 and gather(future) == [4]


def test_wait_all_completed_and_timeout(gates):
    g = gates(3)
    done, not_done = wait(g.futures, timeout=0.1)
    assert done == set() and not_done == set(g.futures)
    g.open(1)
    done, not_done = wait(g.futures, timeout=0.2)
    assert done == {g.futures[1]}
    assert not_done == {g.futures[0], g.futures[2]}
    g.open()
    result = wait(g.futures, timeout=30.0)
    assert result.done == set(g.futures) and result.not_done == set()
    assert wait([]) == (set(), set())


@pytest.mark.parametrize("when", [
    ReturnWhen.FIRST_COMPLETED, "FIRST_COMPLETED", "first_completed",
    concurrent.futures.FIRST_COMPLETED])
def test_wait_first_completed(gates, when):
    g = gates(3)
    g.open(2)
    done, not_done = wait(g.futures, return_when=when, timeout=20)
    assert done == {g.futures[2]}
    assert not_done == {g.futures[0], g.futures[1]}
    fastest = done.pop().result()
    assert fastest == 20
    for f in not_done:
        assert f.cancel()
    assert all(f.cancelled() for f in not_done)


def test_wait_first_exception(gates):
    g = gates(3, errors={1: ValueError("bad")})
    g.open(0)
    g.futures[0].result(10)
    g.open(1)
    done, not_done = wait(g.futures, return_when="FIRST_EXCEPTION",
                          timeout=20)
    assert done == {g.futures[0], g.futures[1]}
    assert not_done == {g.futures[2]}
    with pytest.raises(ValueError, match="bad"):
        g.futures[1].result()
    with pytest.raises(ValueError, match="return_when"):
        wait(g.futures, return_when="SOMETIMES")


def test_wait_accepts_tasks_dicts_and_several_runners(gates):
    g1, g2 = gates(1), gates(1)
    g1.open()
    g2.open()
    done, not_done = wait({"a": g1.futures[0], "b": g2.futures[0]},
                          timeout=20)
    assert done == {g1.futures[0], g2.futures[0]}
    raw = [g1.futures[0].task, g2.futures[0].task]
    done, not_done = wait(raw, timeout=20)
    assert done == set(raw)
    with pytest.raises(TypeError):
        wait([object()])


def test_introspected_signatures_still_work(gates):
    g = gates(2)
    g.open()
    tasks = [f.task for f in g.futures]
    ok, done, not_done = wait(tasks, Concurra.ReturnWhen.ALL_COMPLETED, 20.0)
    assert ok and len(done) == 2 and not_done == []
    gathered = gather(tasks, Concurra.GatherFlags.NONE, 20.0)
    assert [t.get_label() for t in gathered] == ["t0", "t1"]


def test_gather_list_args_dict_and_single(gates):
    g = gates(3)
    g.open()
    f0, f1, f2 = g.futures
    assert gather(g.futures) == [0, 10, 20]
    assert gather([f2, f0, f2]) == [20, 0, 20]
    assert gather(f1, f0) == [10, 0]
    assert gather(f1) == [10]
    assert gather(tuple(g.futures), timeout=10) == [0, 10, 20]
    tasks = {"users": f0, "posts": f1, "comments": f2}
    results = gather(tasks)
    assert results == {"users": 0, "posts": 10, "comments": 20}
    assert list(results) == ["users", "posts", "comments"]
    assert gather([]) == [] and gather({}) == {}


def test_gather_raises_the_original_exception(gates):
    error = KeyError("missing")
    g = gates(3, errors={1: error})
    g.open(1)
    with pytest.raises(KeyError) as exc:
        gather(g.futures, timeout=20)    # returns at the first failure
    assert exc.value is error
    g.open()
    values = gather(g.futures, return_exceptions=True)
    assert values[0] == 0 and values[2] == 20
    assert values[1] is error
    keyed = gather({"x": g.futures[1]}, return_exceptions=True)
    assert keyed == {"x": error}


def test_gather_raises_a_failure_that_came_before_the_call(gates):
    error = KeyError("missing")
    g = gates(3, errors={1: error})
    g.open(1)
    assert g.futures[1].exception(timeout=20) is error
    start = time.monotonic()
    with pytest.raises(KeyError):
        gather(g.futures, timeout=20)    # does not wait for 0 and 2
    assert time.monotonic() - start < 10


def test_gather_timeout(gates):
    g = gates(2)
    g.open(0)
    start = time.monotonic()
    with pytest.raises(TimeoutError, match="1 of 2"):
        gather(g.futures, timeout=0.2)
    assert time.monotonic() - start < 5
    with pytest.raises(TimeoutError):
        list(gather(g.futures, iter=True, timeout=0.2))


def test_gather_iter_in_completion_order(gates):
    g = gates(4, errors={3: ValueError("three")})
    stream = gather(g.futures, iter=True, timeout=30)
    order = []
    for i in (2, 0, 1):
        g.open(i)
        order.append(next(stream))
    assert order == [(2, 20), (0, 0), (1, 10)]
    g.open(3)
    with pytest.raises(ValueError, match="three"):
        next(stream)


def test_gather_iter_keys_and_return_exceptions(gates):
    g = gates(3, errors={0: OSError("zero")})
    g.open(1)
    g.futures[1].result(10)
    keyed = {"a": g.futures[0], "b": g.futures[1], "c": g.futures[2]}
    stream = gather(keyed, iter=True, return_exceptions=True)
    assert next(stream) == ("b", 10)     # already done ones come first
    g.open(2)
    assert next(stream) == ("c", 20)
    g.open(0)
    key, exc = next(stream)
    assert key == "a" and isinstance(exc, OSError)
    with pytest.raises(StopIteration):
        next(stream)


def test_gather_progress(gates, capsys):
    g = gates(3)
    g.open()
    seen = []
    assert gather(g.futures, progress=lambda done, total:
                  seen.append((done, total))) == [0, 10, 20]
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert gather(g.futures, progress=True) == [0, 10, 20]
    err = capsys.readouterr().err
    assert "[#########################] 3/3 [100%]" in err
    assert err.endswith("\n")
    seen.clear()
    assert list(gather(g.futures, iter=True,
                       progress=lambda d, t: seen.append(d))) == \
        [(0, 0), (1, 10), (2, 20)]
    assert seen == [1, 2, 3]


def test_many_futures_of_a_big_runner():
    runner = Concurra.TaskRunner(max_concurrency=8, progress_stats=False)
    futures = [runner.add_task(double, i) for i in range(2000)]
    runner.execute_in_background()
    assert gather(futures, timeout=60) == [2 * i for i in range(2000)]
    assert sorted(i for i, _ in gather(futures, iter=True)) == \
        list(range(2000))
    runner.get_background_results(verify=False)


def test_async_gather_and_wait(gates):
    g = gates(3, errors={2: LookupError("two")})

    async def main():
        loop_alive = asyncio.Event()
        waiter = asyncio.ensure_future(
            Concurra.async_gather(g.futures[:2], timeout=30))
        await asyncio.sleep(0.05)
        assert not waiter.done()          # the loop runs while waiting
        loop_alive.set()
        g.open(0, 1)
        values = await waiter
        done, not_done = await Concurra.async_wait(g.futures, timeout=0.1)
        g.open(2)
        with pytest.raises(LookupError):
            await Concurra.async_gather(g.futures)
        keyed = await Concurra.async_gather({"a": g.futures[0]})
        streamed = [item async for item in Concurra.async_gather(
            g.futures, iter=True, return_exceptions=True)]
        return values, done, not_done, keyed, streamed

    values, done, not_done, keyed, streamed = asyncio.run(main())
    assert values == [0, 10]
    assert done == {g.futures[0], g.futures[1]}
    assert not_done == {g.futures[2]}
    assert keyed == {"a": 0}
    assert sorted(i for i, _ in streamed) == [0, 1, 2]
    assert isinstance(dict(streamed)[2], LookupError)


def test_async_cancellation_does_not_hang(gates):
    g = gates(1)

    async def main():
        task = asyncio.ensure_future(Concurra.async_gather(g.futures))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    start = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - start < 5
    assert not g.futures[0].done()


# ---- Concurra.Future is a concurrent.futures.Future, asyncio (issue 14) ----

def test_future_is_a_concurrent_futures_future(gates):
    r = gates(1)
    assert isinstance(r.futures[0], cf.Future)
    r.open()
    assert r.futures[0].result(10) == 0


def test_concurrent_futures_wait(gates):
    r = gates(3, errors={2: ValueError("bad 2")})
    done, not_done = cf.wait(r.futures, timeout=0.05)
    assert done == set() and not_done == set(r.futures)
    threading.Timer(0.05, r.open, (1,)).start()
    done, not_done = cf.wait(r.futures, timeout=20,
                             return_when=cf.FIRST_COMPLETED)
    assert done == {r.futures[1]}
    threading.Timer(0.05, r.open, (2,)).start()
    done, not_done = cf.wait(r.futures, timeout=20,
                             return_when=cf.FIRST_EXCEPTION)
    assert done == {r.futures[1], r.futures[2]}
    assert not_done == {r.futures[0]}
    r.open()
    done, not_done = cf.wait(r.futures, timeout=20)
    assert done == set(r.futures) and not not_done


def test_concurrent_futures_as_completed_mixes_with_executors(gates):
    r = gates(3)
    with cf.ThreadPoolExecutor(1) as pool:
        theirs = pool.submit(lambda: "pool")
        order = []
        threading.Timer(0.05, r.open, (2,)).start()
        for future in cf.as_completed(r.futures[2:] + [theirs], timeout=20):
            order.append(future.result())
        assert sorted(order, key=str) == [20, "pool"]
        r.open()
        assert sorted(f.result() for f in cf.as_completed(r.futures,
                                                           timeout=20)) == \
            [0, 10, 20]


def test_cancelled_future_in_concurrent_futures_wait():
    runner = Concurra.TaskRunner(max_concurrency=1, progress_stats=False)
    gate = threading.Event()
    blocker = runner.add_task(gated, gate, "b")
    queued = runner.add_task(gated, gate, "q")
    runner.execute_in_background()
    try:
        assert queued.cancel()
        done, _ = cf.wait([queued], timeout=20)
        assert done == {queued} and queued.cancelled()
    finally:
        gate.set()
        runner.get_background_results(verify=False)
    assert blocker.result() == "b"


def test_asyncio_wrap_future_and_await(gates):
    r = gates(2, errors={1: ValueError("bad 1")})

    async def main():
        asyncio.get_running_loop().call_later(0.05, r.open)
        value = await r.futures[0]
        wrapped = asyncio.wrap_future(r.futures[1])
        with pytest.raises(ValueError, match="bad 1"):
            await wrapped
        return value

    assert asyncio.run(main()) == 0


def test_callback_on_a_main_context(gates):
    r = gates(1)
    context = GLib.MainContext.new()
    loop = GLib.MainLoop.new(context, False)
    calls = []

    def on_done(future):
        calls.append((future.result(), threading.current_thread()))
        loop.quit()

    r.futures[0].add_done_callback(on_done, main_context=context)
    threading.Timer(0.05, r.open).start()
    timeout = GLib.timeout_source_new(20000)
    timeout.set_callback(lambda *_: loop.quit())
    timeout.attach(context)
    loop.run()
    timeout.destroy()
    assert calls == [(0, threading.current_thread())]
    # a done future: still from the context, after add_done_callback returned
    r.futures[0].add_done_callback(on_done, main_context=context)
    assert len(calls) == 1
    loop.run()
    assert len(calls) == 2


def test_run_async():
    gate = threading.Event()
    runner = Concurra.TaskRunner(progress_stats=False)
    runner.add_task(gated, gate, 1, label="a")
    runner.add_task(gated, gate, 2, label="b", depends_on=["a"])
    ticks = []

    async def tick():
        # the event loop runs while the tasks do
        while not gate.is_set():
            ticks.append(time.monotonic())
            if len(ticks) == 3:
                gate.set()
            await asyncio.sleep(0.01)

    async def main():
        results, _ = await asyncio.gather(runner.run_async(verify=False),
                                          tick())
        return results

    results = asyncio.run(main())
    assert len(ticks) == 3
    assert [r["result"] for r in results.values()] == [1, 2]
    assert not runner.is_running()


def test_run_async_cancelled_aborts_the_run():
    gate = threading.Event()
    runner = Concurra.TaskRunner(progress_stats=False)
    future = runner.add_task(gated, gate, 1, label="stuck")

    async def main():
        run = asyncio.ensure_future(runner.run_async(verify=False))
        await asyncio.sleep(0.05)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run

    try:
        asyncio.run(main())
        assert future.task.get_status() == Concurra.TaskStatus.TERMINATED
        assert not runner.is_running()
    finally:
        gate.set()


def test_gather_of_done_futures_of_every_kind():
    # all done: successful thread tasks take a one-pass path; a failure, a
    # command or a bare task among them takes the general one, same answers
    error = KeyError("missing")

    def fail():
        raise error

    runner = Concurra.TaskRunner(max_concurrency=2, progress_stats=False)
    ok = [runner.add_task(double, i, label="ok%d" % i) for i in range(5)]
    bad = runner.add_task(fail, label="bad")
    cmd = runner.add_command(["true"], label="cmd")
    runner.run(verify=False)
    assert gather(ok) == [0, 2, 4, 6, 8]
    assert gather({"a": ok[1], "b": ok[0]}) == {"a": 2, "b": 0}
    assert gather(ok[2], ok[2]) == [4, 4]
    with pytest.raises(KeyError) as exc:
        gather(ok + [bad])
    assert exc.value is error
    values = gather([bad] + ok, return_exceptions=True)
    assert values[0] is error and values[1:] == [0, 2, 4, 6, 8]
    mixed = gather(ok + [cmd])
    assert mixed[:5] == [0, 2, 4, 6, 8]
    assert mixed[5] == cmd.result()
    assert gather(ok + [ok[3].task]) == [0, 2, 4, 6, 8,
                                         ok[3].task.get_value()]
    # a bad timeout is refused on the one-pass path as on the general one
    with pytest.raises(ValueError):
        gather(ok, timeout="soon")
    with pytest.raises(ValueError):
        gather(ok + [bad], timeout="soon")
