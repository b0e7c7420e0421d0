# Concurry's actor model on the PyGObject override (issue 16), priorities
# 10 to 17: TaskWorker / @task / Executor, the other balancers and
# on-demand pools, the submission queue, ProgressBar, class-keyword options,
# global_config / temp_config and Timer.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import io
import threading
import time

import gi

gi.require_version("Concurra", "1")

from gi.repository.Concurra import (  # noqa: E402
    CallLimit, Executor, ProgressBar, TaskWorker, Timer, TimerError, Worker,
    gather, global_config, task, temp_config, worker)

import pytest  # noqa: E402

MODES = ["sync", "thread", "asyncio",
         "process"]


def square(x):
    return x ** 2


# ---- 10. TaskWorker, @task, Executor ----

@pytest.mark.parametrize("mode", MODES)
def test_readme_task_worker(mode):
    worker_ = TaskWorker.options(mode=mode).init()

    # Submit any function
    future = worker_.submit(lambda x: x ** 2, 42)
    assert future.result(timeout=60) == 1764

    # Use map() for batch processing
    results = list(worker_.map(lambda x: x * 2, range(10)))
    assert results == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]

    async def plus_one(x):
        return x + 1

    assert worker_.submit(plus_one, 1).result(timeout=60) == 2
    worker_.stop()


def test_task_worker_rules():
    w = TaskWorker.options(mode="thread").init()
    with pytest.raises(TypeError, match="submit\\(\\) requires a callable "
                                        "function"):
        w.submit(42)
    assert list(w.map(pow, [2, 3], [3, 2])) == [8, 9]
    with pytest.raises(ZeroDivisionError):
        list(w.map(lambda x: 1 / x, [1, 0, 2]))
    w.stop()
    with pytest.raises(RuntimeError, match="Worker is stopped"):
        w.submit(square, 2)


def test_map_with_progress(capsys):
    w = TaskWorker.options(mode="thread", max_workers=2).init()
    assert list(w.map(square, range(20), progress=True)) == \
        [i * i for i in range(20)]
    assert "20/20" in capsys.readouterr().err
    w.stop()


def test_task_decorator():
    @task(mode="thread", max_workers=2)
    def add(x, y=0):
        """Adds."""
        return x + y

    assert add.__name__ == "add" and add.__doc__ == "Adds."
    assert add(1, y=2).result() == 3
    assert add.submit(2).result() == 2
    assert list(add.map([1, 2], [10, 20])) == [11, 22]
    add.stop()

    with task(mode="sync")(square) as sq:
        assert sq(3).result() == 9

    @task(mode="thread", blocking=True)
    def blocking_square(x):
        return x * x

    assert blocking_square(5) == 25
    blocking_square.stop()


def test_task_gets_limits_when_it_asks_for_them():
    @task(mode="thread", limits=[CallLimit(window=1, capacity=100)])
    def limited(x, limits):
        with limits.acquire():
            return x

    assert limited(4).result() == 4
    limited.stop()


def test_task_on_demand_by_default_except_sync_and_asyncio():
    @task(mode="thread")
    def who():
        return threading.current_thread().name

    assert who.worker.on_demand is True
    assert isinstance(who().result(), str)
    who.stop()

    @task(mode="asyncio")
    def aio():
        return 1

    assert aio.worker.on_demand is False and aio().result() == 1
    aio.stop()


@pytest.mark.parametrize("mode", ["thread",
                                  "process"])
def test_executor(mode):
    ex = Executor(mode, max_workers=2)
    assert ex.submit(square, 7).result(timeout=60) == 49
    assert list(ex.map(square, range(5))) == [0, 1, 4, 9, 16]
    ex.stop()


# ---- 11. balancers and on-demand pools ----

class Sleeper(Worker):
    def __init__(self):
        self.calls = 0

    def nap(self, seconds):
        self.calls += 1
        time.sleep(seconds)
        return id(self)

    def calls_so_far(self):
        return self.calls


def test_least_active_sends_calls_to_idle_workers():
    pool = Sleeper.options(mode="thread", max_workers=3,
                           load_balancing="least_active").init()
    busy = pool.nap(2)
    time.sleep(0.05)
    # one at a time: an idle worker is always there (ties: lowest index)
    quick = [pool.nap(0).result() for _ in range(6)]
    assert busy.result() not in quick
    stats = pool.get_pool_stats()
    assert stats["load_balancer"]["algorithm"] == "LeastActiveLoad"
    pool.stop()


def test_least_total_and_random():
    pool = Sleeper.options(mode="thread", max_workers=3,
                           load_balancing="least_total").init()
    ids = gather([pool.nap(0) for _ in range(9)])
    assert sorted(ids.count(i) for i in set(ids)) == [3, 3, 3]
    assert pool.get_pool_stats()["load_balancer"]["algorithm"] == \
        "LeastTotalLoad"
    pool.stop()
    pool = Sleeper.options(mode="thread", max_workers=3,
                           load_balancing="random").init()
    ids = gather([pool.nap(0) for _ in range(60)])
    assert len(set(ids)) == 3
    assert pool.get_pool_stats()["load_balancer"]["algorithm"] == "Random"
    pool.stop()


def test_on_demand_pool_makes_a_worker_per_call():
    pool = Sleeper.options(mode="thread", on_demand=True,
                           max_workers=2).init()
    stats = pool.get_pool_stats()
    assert stats["on_demand"] is True and stats["total_workers"] == 0
    assert stats["load_balancer"]["algorithm"] == "Random"
    assert gather([pool.calls_so_far() for _ in range(4)]) == [0] * 4
    deadline = time.monotonic() + 5
    while pool.get_pool_stats()["on_demand_active"] and \
            time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool.get_pool_stats()["on_demand_active"] == 0
    pool.stop()


# ---- 12. the submission queue ----

def test_submission_never_blocks_with_max_queued_tasks():
    pool = Sleeper.options(mode="thread", max_workers=2,
                           max_queued_tasks=2).init()
    start = time.monotonic()
    futures = [pool.nap(0.1) for _ in range(20)]
    # blocking until queued calls ran would take 1 s
    assert time.monotonic() - start < 0.5
    assert len(gather(futures)) == 20
    assert pool.get_pool_stats()["max_queued_tasks"] == 2
    pool.stop()


def test_process_default_queue_is_100():
    w = Sleeper.options(mode="process").init()
    assert w.max_queued_tasks == 100
    w.stop()


# ---- 15. ProgressBar ----

def test_progress_bar():
    out = io.StringIO()
    items = list(ProgressBar(range(5), desc="Processing", file=out))
    assert items == [0, 1, 2, 3, 4]
    assert "Processing" in out.getvalue() and "5/5" in out.getvalue()
    out = io.StringIO()
    bar = ProgressBar(total=3, unit="file", file=out)
    bar.update(2)
    bar.set_description("copy")
    bar.update(1)
    bar.failure("disk full")
    assert "disk full" in out.getvalue()
    ProgressBar(total=1, disable=True).success()


# ---- 16. class keyword options, decorator over inheritance ----

def test_class_keyword_options_are_inherited():
    class Base(Worker, mode="thread", max_workers=2):
        def who(self):
            return type(self).__name__

    class Child(Base, max_workers=3):
        pass

    pool = Base.options().init()
    assert pool.max_workers == 2 and pool.mode.value == "thread"
    pool.stop()
    child = Child.options().init()
    assert child.max_workers == 3 and child.who().result() == "Child"
    child.stop()


def test_decorator_over_inheritance_warns_and_wins():
    class Base(Worker, mode="thread", max_workers=2):
        def ping(self):
            return "pong"

    with pytest.warns(UserWarning) as record:
        @worker(mode="sync")
        class Decorated(Base):
            pass

    text = str(record[0].message)
    assert "anti-pattern" in text and "decorator" in text and \
        "inheritance" in text
    w = Decorated()
    assert w.mode.value == "sync" and w.ping().result() == "pong"
    w.stop()


def test_stacked_decorators_outermost_wins():
    @worker(mode="thread")
    @worker(mode="sync")
    class Stacked:
        def ping(self):
            return "pong"

    w = Stacked()
    assert w.mode.value == "thread"
    w.stop()


# ---- 17. global_config, temp_config, Timer ----

def test_temp_config_changes_defaults_inside_the_block():
    class Flaky(Worker):
        def __init__(self):
            self.n = 0

        def go(self):
            self.n += 1
            if self.n < 3:
                raise ConnectionError("again")
            return self.n

    with temp_config(thread_num_retries=3, global_retry_wait=0.01):
        assert global_config.thread.num_retries == 3
        w = Flaky.options(mode="thread").init()
        assert w.go().result() == 3
        w.stop()
    assert global_config.get("num_retries", "thread") == 0
    w = Flaky.options(mode="thread").init()
    with pytest.raises(ConnectionError):
        w.go().result()
    w.stop()
    with pytest.raises(ValueError):
        with temp_config(nowhere_num_retries=1):
            pass
    assert global_config.defaults.retry_wait == 1.0


def test_timer():
    with Timer() as t:
        time.sleep(0.05)
    assert 0.04 < t.time_taken < 1
    with pytest.raises(TimerError):
        Timer().stop()


def test_pydantic_model_as_a_worker():
    # the README's quick start: a pydantic model decorated with @worker
    pydantic = pytest.importorskip("pydantic")

    @worker(mode="thread", max_workers=4)
    class LLM(pydantic.BaseModel):
        temperature: float
        top_p: float
        model: str

        def call_llm(self, prompt: str) -> str:
            return f"{self.model}/{prompt}/{self.temperature}"

    llm = LLM(temperature=0.1, top_p=0.9, model="llama")
    futures = [llm.call_llm(prompt) for prompt in ["a", "b", "c"]]
    assert gather(futures) == ["llama/a/0.1", "llama/b/0.1", "llama/c/0.1"]
    llm.stop()
    # the fields are validated where the instance is made
    bad = LLM.options(mode="thread").init(temperature="hot", top_p=1,
                                          model="m")
    with pytest.raises(ValueError):
        bad.call_llm("x").result()
    bad.stop()
