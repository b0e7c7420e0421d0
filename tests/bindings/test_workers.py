# Concurry's actor model on the PyGObject override (issue 16, Python part):
# workers, @worker, options, proxies, futures with wait/gather, stop and
# context managers, pools, process / sync / asyncio modes, blocking calls
# and future arguments — concurry-workers.md priorities 1 to 7, each example
# with only the import changed (`from concurry import ...` ->
# `from gi.repository.Concurra import ...`).
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import concurrent.futures
import sys
import threading
import time

import gi

gi.require_version("Concurra", "1")

from gi.repository import Concurra  # noqa: E402
from gi.repository.Concurra import (  # noqa: E402
    BaseFuture, ConcurrentFuture, ExecutionMode, LoadBalancingAlgorithm,
    SyncFuture, Worker, WorkerProxy, WorkerProxyPool, gather,
    wait, worker, wrap_future)

import pytest  # noqa: E402


MODES = ["sync", "thread", "asyncio",
         "process"]


class Counter(Worker):
    def __init__(self, start=0):
        self.count = start

    def increment(self, by=1):
        self.count += by
        return self.count

    def get(self):
        return self.count

    def fail(self, text):
        raise ValueError(text)

    def thread_name(self):
        return threading.current_thread().name

    def slow(self, seconds):
        time.sleep(seconds)
        return seconds


class CustomError(Exception):
    pass


class Raiser(Worker):
    def boom(self):
        raise CustomError("custom message")


# ---- 1. defining and starting workers (§3, §4, §5) ----

def test_quick_start():
    # the Quick Start of the seed, with only the import changed
    @worker(mode="thread")
    class DataWorker:
        def fetch_data(self, id: int) -> dict:
            return {"id": id, "data": f"result_{id}"}

    worker_ = DataWorker.init()
    futures = [worker_.fetch_data(i) for i in range(10)]
    done, not_done = wait(futures, timeout=30.0)
    assert (len(done), len(not_done)) == (10, 0)
    assert futures[3].result() == {"id": 3, "data": "result_3"}
    worker_.stop()


def test_decorator_with_options_auto_starts_on_instantiation():
    @worker(mode="thread", max_workers=1)
    class Counter1:
        def __init__(self):
            self.count = 0

        def increment(self) -> int:
            self.count += 1
            return self.count

    counter1 = Counter1()
    counter2 = Counter1()
    assert isinstance(counter1, WorkerProxy)
    assert counter1.increment().result() == 1
    assert counter1.increment().result() == 2
    assert counter2.increment().result() == 1
    assert counter1.increment().result() == 3
    assert counter2.increment().result() == 2
    counter1.stop()
    counter2.stop()


def test_decorator_without_options_keeps_plain_instances():
    @worker
    class DataProcessor:
        def __init__(self, multiplier: int):
            self.multiplier = multiplier

        def compute(self, value: int) -> int:
            return value * self.multiplier

    assert issubclass(DataProcessor, Worker)
    assert DataProcessor.__name__ == "DataProcessor"
    plain = DataProcessor(10)
    assert not isinstance(plain, WorkerProxy)
    assert plain.compute(2) == 20
    w = DataProcessor.options(mode="thread", max_workers=1).init(10)
    assert w.compute(3).result() == 30
    w.stop()


def test_subclass_instantiates_plainly_and_worker_itself_cannot():
    plain = Counter(5)
    assert isinstance(plain, Counter) and plain.increment() == 6
    with pytest.raises(TypeError):
        Worker()


def test_worker_decorator_rejects_non_classes():
    with pytest.raises(TypeError):
        worker(lambda: None)


def test_init_and_options_init_and_proxy_configuration():
    w = Counter.options(mode="thread").init(3, )
    assert w.mode is ExecutionMode.Threads
    assert w.blocking is False
    assert w.max_queued_tasks is None
    assert w.worker_cls is Counter
    assert w.init_args == (3,) and w.init_kwargs == {}
    assert w._stopped is False
    assert w.increment().result() == 4
    w.stop()
    assert w._stopped is True

    @worker(mode="sync")
    class Doubler:
        def double(self, x):
            return 2 * x

    d = Doubler.init()
    assert d.mode == ExecutionMode.Sync and d.double(4).result() == 8
    d.stop()


def test_options_are_validated_and_coerced():
    w = Counter.options(mode="thread", blocking="true").init()
    assert w.blocking is True and w.increment() == 1
    w.stop()
    with pytest.raises(ValueError):
        Counter.options(mode="warp-speed")
    with pytest.raises(ValueError):
        Counter.options(mode="thread", blocking="maybe")
    with pytest.raises(ValueError):
        Counter.options(mode="thread", max_workers=-1)


def test_execution_mode_aliases():
    for alias, member in [("sync", "Sync"), ("thread", "Threads"),
                          ("threads", "Threads"), ("process", "Processes"),
                          ("proc", "Processes"), ("asyncio", "Asyncio"),
                          ("async", "Asyncio"), ("ray", "Ray"),
                          ("Threads", "Threads")]:
        assert ExecutionMode(alias) is ExecutionMode[member]
    assert LoadBalancingAlgorithm("rr") is LoadBalancingAlgorithm.RoundRobin
    assert LoadBalancingAlgorithm("active") is \
        LoadBalancingAlgorithm.LeastActiveLoad
    assert LoadBalancingAlgorithm("total") is \
        LoadBalancingAlgorithm.LeastTotalLoad
    assert LoadBalancingAlgorithm("rand") is LoadBalancingAlgorithm.Random
    # the introspected members stay reachable for the C API
    assert ExecutionMode.THREAD == Concurra.ExecutionMode.THREAD


def test_ray_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="Ray mode is not supported"):
        Counter.options(mode="ray").init()


def test_sync_and_asyncio_reject_pools_and_on_demand():
    with pytest.raises(ValueError, match="max_workers must be 1 for Sync "
                                         "mode"):
        Counter.options(mode="sync", max_workers=4).init()
    with pytest.raises(ValueError, match="max_workers must be 1 for Asyncio "
                                         "mode"):
        Counter.options(mode="asyncio", max_workers=2).init()
    with pytest.raises(ValueError, match="on_demand mode is not supported "
                                         "for Sync"):
        Counter.options(mode="sync", on_demand=True).init()
    with pytest.raises(ValueError, match="on_demand mode is not supported "
                                         "for Asyncio"):
        Counter.options(mode="asyncio", on_demand=True).init()


# ---- 2. calls: order, state, exceptions (§2, §5) ----

@pytest.mark.parametrize("mode", MODES)
def test_state_changes_are_sequential(mode):
    w = Counter.options(mode=mode).init()
    futures = [w.increment(by) for by in (1, 2, 3)]
    assert [f.result(timeout=30) for f in futures] == [1, 3, 6]
    assert gather([w.increment() for _ in range(50)], timeout=30) == \
        list(range(7, 57))
    w.stop()


@pytest.mark.parametrize("mode", MODES)
def test_method_exceptions_keep_their_type_and_message(mode):
    w = Counter.options(mode=mode).init()
    future = w.fail("bad value")
    with pytest.raises(ValueError, match="bad value"):
        future.result(timeout=30)
    assert isinstance(future.exception(), ValueError)
    r = Raiser.options(mode=mode).init()
    with pytest.raises(CustomError, match="custom message"):
        r.boom().result(timeout=30)
    # the worker goes on after a failure
    assert w.increment().result(timeout=30) == 1
    w.stop()
    r.stop()


@pytest.mark.parametrize("mode", ["thread", "asyncio",
                                  "process"])
def test_missing_method_fails_through_the_future(mode):
    w = Counter.options(mode=mode).init()
    future = w.no_such_method(1)
    with pytest.raises(AttributeError):
        future.result(timeout=30)
    w.stop()


def test_missing_method_raises_at_the_call_in_sync_mode():
    w = Counter.options(mode="sync").init()
    with pytest.raises(AttributeError):
        w.no_such_method()
    w.stop()


def test_private_names_are_not_forwarded():
    w = Counter.options(mode="thread").init()
    with pytest.raises(AttributeError):
        w._secret
    w.stop()


def test_thread_worker_runs_calls_off_the_calling_thread():
    w = Counter.options(mode="thread").init()
    assert w.thread_name().result() != threading.current_thread().name
    w.stop()


def test_each_worker_has_its_own_state():
    a = Counter.options(mode="thread").init()
    b = Counter.options(mode="thread").init(100)
    a.increment()
    assert (a.get().result(), b.get().result()) == (1, 100)
    a.stop()
    b.stop()


def test_construction_error_fails_the_calls():
    class Broken(Worker):
        def __init__(self):
            raise KeyError("no config")

        def ping(self):
            return "pong"

    w = Broken.options(mode="thread").init()
    with pytest.raises(KeyError):
        w.ping().result(timeout=30)
    w.stop()


# ---- 3. futures with wait/gather (§11) ----

class Api(Worker):
    def calculate(self, i):
        return 2 * i

    def get_users(self):
        return ["ada", "grace"]

    def get_posts(self):
        return ["hello"]

    def get_comments(self):
        return []

    def slow_task(self, i):
        time.sleep(0.001 * (i % 3))
        return i * i


@pytest.mark.parametrize("mode", MODES)
def test_gather_list_dict_iter_and_progress(mode, capsys):
    w = Api.options(mode=mode).init()
    futures = [w.calculate(i) for i in range(100)]
    results = gather(futures, progress=True)
    assert results[:5] == [0, 2, 4, 6, 8] and len(results) == 100
    assert "100/100" in capsys.readouterr().err

    tasks = {"users": w.get_users(), "posts": w.get_posts(),
             "comments": w.get_comments()}
    results = gather(tasks)
    assert results["users"] == ["ada", "grace"]
    assert list(results) == ["users", "posts", "comments"]

    futures = [w.slow_task(i) for i in range(60)]
    seen = {}
    for i, result in gather(futures, iter=True):
        seen[i] = result
    assert seen == {i: i * i for i in range(60)}
    w.stop()


@pytest.mark.parametrize("mode", ["thread", "asyncio",
                                  "process"])
def test_future_types_and_timeouts(mode):
    w = Counter.options(mode=mode).init()
    future = w.slow(1.5)
    assert isinstance(future, ConcurrentFuture)
    assert isinstance(future, BaseFuture)
    assert isinstance(future, concurrent.futures.Future)
    with pytest.raises(TimeoutError):
        future.result(timeout=0.01)
    with pytest.raises(TimeoutError):
        gather([future], timeout=0.01)
    done, not_done = wait([future], timeout=0.01)
    assert not done and not_done == {future}
    assert future.result(timeout=30) == 1.5
    assert future.done() and not future.cancelled()
    assert future.cancel() is False
    called = []
    future.add_done_callback(called.append)
    assert called == [future]
    assert isinstance(future.uuid, str)
    w.stop()


def test_sync_futures():
    w = Counter.options(mode="sync").init()
    future = w.increment()
    assert isinstance(future, SyncFuture) and isinstance(future, BaseFuture)
    assert future.done() and future.result() == 1
    done, not_done = wait([future, w.increment()])
    assert len(done) == 2 and not not_done
    assert gather({"a": w.get()}) == {"a": 2}
    assert SyncFuture(result_value=3).result() == 3
    with pytest.raises(KeyError):
        SyncFuture(exception_value=KeyError("k")).result()
    with pytest.raises(TypeError):
        SyncFuture(exception_value="not an exception")
    with pytest.raises(NotImplementedError):
        future.set_result(4)
    w.stop()


def test_wrap_future_and_mixed_inputs():
    pool = concurrent.futures.ThreadPoolExecutor(1)
    cf = pool.submit(lambda: 7)
    wrapped = wrap_future(cf)
    assert isinstance(wrapped, ConcurrentFuture) and wrapped.result() == 7
    assert isinstance(wrap_future(5), SyncFuture)
    assert wrap_future(wrapped) is wrapped
    w = Counter.options(mode="thread").init()
    assert gather([w.increment(), wrapped, SyncFuture(result_value=1)]) == \
        [1, 7, 1]
    assert gather([ConcurrentFuture(future=pool.submit(lambda: 8))]) == [8]
    with pytest.raises(TypeError):
        ConcurrentFuture(future=42)
    pool.shutdown()
    w.stop()


def test_return_when_aliases():
    w = Counter.options(mode="thread").init()
    f = w.fail("x")
    done, _ = wait([f, w.slow(0.01)], return_when="exception")
    assert f in done
    done, _ = wait([w.get()], return_when="first")
    assert len(done) == 1
    w.stop()


def test_async_gather_of_worker_futures():
    w = Api.options(mode="thread").init()
    futures = [w.calculate(i) for i in range(5)]

    async def main():
        return await Concurra.async_gather(futures)

    assert asyncio.run(main()) == [0, 2, 4, 6, 8]

    async def awaited():
        return await w.calculate(21)

    assert asyncio.run(awaited()) == 42
    w.stop()


# ---- 4. stop and context managers (§13) ----

@pytest.mark.parametrize("mode", MODES)
def test_calls_after_stop_raise(mode):
    w = Counter.options(mode=mode).init()
    assert w.increment().result(timeout=30) == 1
    w.stop()
    w.stop()    # idempotent
    assert w._stopped
    with pytest.raises(RuntimeError, match="Worker is stopped"):
        w.increment()


def test_pool_calls_after_stop_raise():
    pool = Counter.options(mode="thread", max_workers=3).init()
    pool.stop()
    with pytest.raises(RuntimeError, match="Worker pool is stopped"):
        pool.increment()
    assert pool.get_pool_stats()["stopped"] is True


def test_stop_cancels_calls_not_started():
    w = Counter.options(mode="thread").init()
    first = w.slow(0.3)
    later = [w.slow(0.3) for _ in range(5)]
    time.sleep(0.05)
    w.stop()
    # the call that was running: Concurry lets it finish; the C lanes may
    # end it cancelled (its cancellable is cancelled, its result dropped)
    try:
        assert first.result(timeout=30) == 0.3
    except concurrent.futures.CancelledError:
        assert first.cancelled()
    for f in later:
        with pytest.raises(concurrent.futures.CancelledError):
            f.result(timeout=30)
        assert f.cancelled()


def test_context_managers():
    class DataProcessor(Worker):
        def process(self, x: int) -> int:
            return x ** 2

    with DataProcessor.options(mode="thread", max_workers=5).init() as pool:
        futures = [pool.process(i) for i in range(100)]
        results = [f.result() for f in futures]
    assert results == [i ** 2 for i in range(100)]
    assert pool._stopped

    with pytest.raises(ZeroDivisionError):
        with Counter.options(mode="thread").init() as w:
            1 / 0
    assert w._stopped


# ---- 5. pools (§7) ----

def test_round_robin_pool_and_stats():
    pool = Counter.options(mode="thread", max_workers=4,
                           load_balancing="round_robin").init()
    assert isinstance(pool, WorkerProxyPool)
    # each worker of the pool has its own state: 8 calls, 2 per worker
    results = gather([pool.increment() for _ in range(8)])
    assert sorted(results) == [1, 1, 1, 1, 2, 2, 2, 2]
    assert results[:4] == [1, 1, 1, 1]
    stats = pool.get_pool_stats()
    assert stats["total_workers"] == 4 and stats["max_workers"] == 4
    assert stats["on_demand"] is False and stats["stopped"] is False
    assert stats["load_balancer"]["algorithm"] == "RoundRobin"
    assert stats["load_balancer"]["total_dispatched"] == 8
    assert "max_queued_tasks" in stats and stats["on_demand_active"] == 0
    pool.stop()


def test_pool_of_the_readme():
    class DataProcessor(Worker):
        def process(self, i):
            return i + 1

    pool = DataProcessor.options(mode="thread", max_workers=10,
                                 load_balancing="round_robin").init()
    futures = [pool.process(i) for i in range(1_000)]
    assert gather(futures) == list(range(1, 1001))
    pool.stop()


def test_max_workers_one_is_a_single_worker():
    w = Counter.options(mode="thread", max_workers=1).init()
    assert type(w) is WorkerProxy
    w.stop()


# ---- 6. process and asyncio modes (§2) ----

def test_process_worker_state_stays_in_the_child():
    import os

    class Pid(Counter):
        def pid(self):
            return os.getpid(), self.increment()

    w = Pid.options(mode="process").init()
    first = w.pid().result(timeout=60)
    second = w.pid().result(timeout=60)
    assert first[0] == second[0] != os.getpid()
    assert (first[1], second[1]) == (1, 2)
    w.stop()


def test_process_pool_has_one_instance_per_process():
    import os

    class Pid(Worker):
        def pid(self):
            return os.getpid()

    pool = Pid.options(mode="process", max_workers=2).init()
    pids = set(gather([pool.pid() for _ in range(20)], timeout=60))
    assert len(pids) == 2 and os.getpid() not in pids
    pool.stop()


def test_process_worker_ships_local_classes_and_lambdas():
    scale = 3

    class Local(Worker):
        def __init__(self, fn):
            self.fn = fn

        def apply(self, x):
            return self.fn(x) * scale

    w = Local.options(mode="process").init(lambda x: x + 1)
    assert w.apply(1).result(timeout=60) == 6
    assert w.apply(2).result(timeout=60) == 9
    w.stop()


def test_process_calls_carry_any_bytes_and_fall_back_to_cloudpickle():
    class Echo(Worker):
        def echo(self, value):
            return value

        def apply(self, fn, x):
            return fn(x)

    w = Echo.options(mode="process").init()
    data = bytes(range(256)) * 4096     # every byte value, NULs, 1 MiB
    assert w.echo(data).result(timeout=60) == data
    assert w.echo(b"").result(timeout=60) == b""
    assert w.echo("\u00e9\x00").result(timeout=60) == "\u00e9\x00"
    # a lambda argument: pickle refuses it, cloudpickle ships it
    assert w.apply(lambda x: x * 2, 4).result(timeout=60) == 8
    # neither can pickle a lock: the call's future holds the error
    with pytest.raises(TypeError):
        w.echo(threading.Lock()).result(timeout=60)
    assert w.echo(5).result(timeout=60) == 5
    w.stop()


def test_asyncio_worker_runs_async_methods_concurrently():
    class AsyncAPIWorker(Worker):
        def __init__(self, base_url: str):
            self.base_url = base_url

        async def fetch(self, endpoint: str) -> dict:
            await asyncio.sleep(0.2)
            return {"url": f"{self.base_url}/{endpoint}"}

        async def fetch_many(self, endpoints: list) -> list:
            tasks = [self.fetch(ep) for ep in endpoints]
            return await asyncio.gather(*tasks)

        def plain(self):
            return "plain"

    w = AsyncAPIWorker.options(mode="asyncio").init("http://x")
    start = time.monotonic()
    futures = [w.fetch(str(i)) for i in range(10)]
    assert gather(futures)[3] == {"url": "http://x/3"}
    assert time.monotonic() - start < 1.9      # not 10 x 0.2 s
    result = w.fetch_many(["a", "b"]).result()
    assert result == [{"url": "http://x/a"}, {"url": "http://x/b"}]
    assert w.plain().result() == "plain"
    w.stop()


@pytest.mark.parametrize("mode", ["sync", "thread",
                                  "process"])
def test_async_methods_run_in_every_mode(mode):
    class Aio(Worker):
        async def twice(self, x):
            await asyncio.sleep(0)
            return 2 * x

    w = Aio.options(mode=mode).init()
    assert w.twice(4).result(timeout=60) == 8
    w.stop()


# ---- 7. blocking calls and future arguments (§5) ----

@pytest.mark.parametrize("mode", MODES)
def test_blocking_mode(mode):
    w = Counter.options(mode=mode, blocking=True).init()
    assert w.increment() == 1 and w.increment(2) == 3
    with pytest.raises(ValueError, match="nope"):
        w.fail("nope")
    w.stop()


def test_blocking_pool():
    pool = Counter.options(mode="thread", max_workers=2,
                           blocking=True).init()
    assert sorted([pool.increment(), pool.increment()]) == [1, 1]
    pool.stop()


class Producer(Worker):
    def get_data(self, n):
        return list(range(n))

    def broken(self):
        raise KeyError("missing")


class Consumer(Worker):
    def process(self, data):
        return sum(data)

    def nested(self, payload):
        return (sum(payload["a"]), payload["b"][0] * 2,
                sorted(payload["c"]))

    def kind(self, value):
        return type(value).__name__


@pytest.mark.parametrize("mode", MODES)
def test_future_arguments_are_unwrapped(mode):
    producer = Producer.options(mode="thread").init()
    data_future = producer.get_data(5)
    consumer = Consumer.options(mode=mode).init()
    assert consumer.process(data_future).result(timeout=60) == 10
    payload = {"a": producer.get_data(3), "b": (producer.get_data(2),),
               "c": {SyncFuture(result_value=1), 2}}
    assert consumer.nested(payload).result(timeout=60) == \
        (3, [0, 1, 0, 1], [1, 2])
    failed = producer.broken()
    with pytest.raises(KeyError, match="missing"):
        consumer.process(failed).result(timeout=60)
    producer.stop()
    consumer.stop()


def test_unwrap_futures_false_passes_futures_through():
    producer = Producer.options(mode="thread").init()
    consumer = Consumer.options(mode="thread", unwrap_futures=False).init()
    future = producer.get_data(2)
    assert consumer.kind(future).result() == "ConcurrentFuture"
    producer.stop()
    consumer.stop()


# ---- what the parent unpickles (as tests/bindings/test_override_security) --

class _CreatesFile:
    """Unpickling it creates a file: what an attacker's pickle would do
    with os.system instead."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


class Unloadable:
    def __reduce__(self):
        return (int, ("not-a-number",))


class Rejecter(Worker):
    def reject(self, text):
        raise ValueError("bad field: " + text)

    def unloadable(self):
        return Unloadable()

    def double(self, x):
        return 2 * x


@pytest.mark.parametrize("mode", ["thread",
                                  "process"])
def test_exception_text_cannot_forge_a_worker_error(tmp_path, mode):
    import base64
    import json
    import pickle
    path = str(tmp_path / "pwned")
    marker = sys.modules["gi.overrides.Concurra"]._MARKER
    text = marker + json.dumps({
        "summary": "ValueError: forged", "type": "ValueError",
        "module": "builtins", "message": "forged", "trace": "forged",
        "pickle": base64.b64encode(
            pickle.dumps(_CreatesFile(path))).decode()})
    w = Rejecter.options(mode=mode).init()
    exc = w.reject(text).exception(timeout=60)
    assert not (tmp_path / "pwned").exists()
    assert type(exc) is ValueError and str(exc) == "bad field: " + text
    w.stop()


def test_a_result_that_cannot_be_unpickled_fails_only_its_call():
    import pickle
    w = Rejecter.options(mode="process").init()
    bad = w.unloadable()
    good = w.double(21)
    with pytest.raises(pickle.UnpicklingError) as info:
        bad.result(timeout=60)
    assert isinstance(info.value.__cause__, ValueError)
    assert good.result(timeout=60) == 42
    assert gather([bad, good], return_exceptions=True)[1] == 42
    w.stop()


def test_a_crashed_worker_process_fails_its_call_and_restarts():
    import os

    class Fragile(Counter):
        def crash(self):
            os._exit(3)

    w = Fragile.options(mode="process").init()
    assert w.increment().result(timeout=60) == 1
    with pytest.raises(RuntimeError, match="(?i)worker process"):
        w.crash().result(timeout=60)
    # a new process, with a new instance made by the replayed constructor
    assert w.increment().result(timeout=60) == 1
    w.stop()


def test_the_c_api_stays_reachable_under_the_python_names():
    assert Concurra.worker_register is Concurra.Worker.register
    assert Concurra.worker_main is Concurra.Worker.main
    assert Concurra.worker_is_registered("python-call") is False
    gworker = Concurra.Worker.new(Concurra.ExecutionMode.THREAD, 2)
    assert gworker.get_n_lanes() == 2
    gworker.stop()
    limits = Concurra.LimitSet.new([
        Concurra.Limit.new_call(1, 5, Concurra.RateLimitAlgorithm.GCRA)])
    acquisition = limits.acquire(None, None, -1, None)
    assert acquisition.is_successful()
    acquisition.release()
