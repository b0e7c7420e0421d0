# Concurry's limits on the PyGObject override (issue 16, priority 8 and
# 13): RateLimit, CallLimit, ResourceLimit, LimitSet, LimitPool,
# self.limits.acquire(requested=...) and acq.update(usage=...) in workers,
# shared across a pool, across process pools too.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import logging
import threading
import time

import gi

gi.require_version("Concurra", "1")

from gi.repository.Concurra import (  # noqa: E402
    CallLimit, LimitPool, LimitSet, RateLimit, RateLimitAlgorithm,
    RateWindow, ResourceLimit, Worker, gather, worker)

import pytest  # noqa: E402



def test_readme_rate_limiting_example():
    completions = []

    def completion(model, prompt, max_tokens):     # stands in for litellm
        completions.append(prompt)
        return {"text": prompt[::-1], "tokens": min(len(prompt), max_tokens)}

    @worker(
        mode="thread",
        limits=[
            CallLimit(window_seconds=60, capacity=100),      # 100 calls/min
            RateLimit(key="tokens", window_seconds=60, capacity=100_000)
        ]
    )
    class LLMWorker:
        def __init__(self, model: str, temperature: float):
            self.model = model
            self.temperature = temperature

        def generate(self, prompt: str, max_tokens: int = 500) -> dict:
            # Acquire limits before making API call
            with self.limits.acquire(requested={"tokens": max_tokens}) as acq:
                response = completion(self.model, prompt, max_tokens)
                result = {"text": response["text"],
                          "tokens": response["tokens"]}
                # Report actual token usage for accurate rate limiting
                acq.update(usage={"tokens": result["tokens"]})
                return result

    # Pool of 20 workers with shared rate limits
    pool = LLMWorker.options(max_workers=20).init(model="gpt-4o-mini",
                                                  temperature=0.7)
    prompts = [f"What is {i} + {i}?" for i in range(100)]
    futures = [pool.generate(prompt, max_tokens=16) for prompt in prompts]
    results = gather(futures)
    assert sum(r["tokens"] for r in results) == \
        sum(min(len(p), 16) for p in prompts)
    assert len(completions) == 100
    pool.stop()


def test_call_limit_is_shared_by_a_thread_pool():
    class Caller(Worker):
        def call(self):
            with self.limits.acquire():
                return time.monotonic()

    pool = Caller.options(mode="thread", max_workers=4, limits=[
        CallLimit(window=1, capacity=10,
                  algorithm="sliding_window")]).init()
    start = time.monotonic()
    stamps = gather([pool.call() for _ in range(25)])
    elapsed = time.monotonic() - start
    # 10 at once, 10 a second later, 5 a second after: about 2 s
    assert 1.8 < elapsed < 8.0, elapsed
    # stamps are taken after acquire returned, so a late one can make a
    # window look fuller than the limiter let it be: a margin for that
    stamps.sort()
    for i in range(len(stamps) - 10):
        assert stamps[i + 10] - stamps[i] >= 0.8
    pool.stop()


def test_call_limit_is_shared_by_a_process_pool():
    class Caller(Worker):
        def call(self):
            with self.limits.acquire():
                return time.time()

    pool = Caller.options(mode="process", max_workers=3, limits=[
        CallLimit(window=1, capacity=10,
                  algorithm="sliding_window")]).init()
    gather([pool.call() for _ in range(3)], timeout=60)     # warm up
    start = time.monotonic()
    gather([pool.call() for _ in range(27)], timeout=60)
    elapsed = time.monotonic() - start
    # 30 calls under 10/s (3 went first): the last ones waited 2 windows
    assert 1.7 < elapsed < 10.0, elapsed
    pool.stop()


def test_resource_limit_caps_concurrency():
    class Holder(Worker):
        active = 0
        peak = 0
        lock = threading.Lock()

        def hold(self):
            with self.limits.acquire():
                with Holder.lock:
                    Holder.active += 1
                    Holder.peak = max(Holder.peak, Holder.active)
                time.sleep(0.05)
                with Holder.lock:
                    Holder.active -= 1
            return True

    pool = Holder.options(mode="thread", max_workers=6,
                          limits=[ResourceLimit("connections", 2)]).init()
    assert all(gather([pool.hold() for _ in range(12)]))
    assert Holder.peak == 2
    pool.stop()


def test_workers_without_limits_have_an_empty_pool():
    class Plain(Worker):
        def go(self):
            with self.limits.acquire(requested={"tokens": 5}) as acq:
                return acq.successful, type(self.limits).__name__

    w = Plain.options(mode="thread").init()
    assert w.go().result() == (True, "LimitPool")
    w.stop()


def test_limit_set_acquire_update_and_errors():
    limits = LimitSet([
        CallLimit(window=1, capacity=100),
        RateLimit("tokens", window=60, capacity=1000),
        ResourceLimit("connections", 2),
    ], shared=True, mode="thread", config={"region": "eu"})
    with limits.acquire(requested={"tokens": 100}) as acq:
        assert acq.config == {"region": "eu"}
        acq.update(usage={"tokens": 40})
    # unused tokens are refunded by the token bucket
    with pytest.raises(RuntimeError,
                       match="Not all limits in the LimitSet were updated"):
        with limits.acquire(requested={"tokens": 10}):
            pass
    with pytest.raises(ValueError, match="Must specify requested amount "
                                         "for RateLimit"):
        limits.acquire()
    with pytest.raises(ValueError):
        limits.acquire(requested={"tokens": 5000})
    acq = limits.acquire(requested={"tokens": 1})
    acq.update(usage={"tokens": 1})
    acq.release()
    with pytest.raises(RuntimeError):
        acq.update(usage={"tokens": 1})
    assert limits["tokens"].capacity == 1000
    # acquisitions nest: hold a connection, take tokens inside
    with limits.acquire(requested={"connections": 1}) as conn:
        with limits.acquire(requested={"tokens": 5}) as tok:
            tok.update(usage={"tokens": 5})
        assert conn.successful


def test_limit_set_rules():
    with pytest.raises(ValueError):
        LimitSet([ResourceLimit("a", 1), ResourceLimit("a", 2)])
    with pytest.raises(ValueError):
        LimitSet([ResourceLimit("a", 1)], shared=False, mode="thread")
    LimitSet([ResourceLimit("a", 1)], shared=False, mode="sync")


def test_try_acquire_and_timeout():
    limits = LimitSet([ResourceLimit("slots", 1)], mode="thread")
    held = limits.acquire()
    attempt = limits.try_acquire()
    assert attempt.successful is False
    with attempt:
        pass
    with pytest.raises(TimeoutError):
        limits.acquire(timeout=0.1)
    held.release()
    assert limits.try_acquire().successful


def test_unknown_keys_are_ignored_with_one_warning(caplog):
    limits = LimitSet([ResourceLimit("slots", 3)], mode="thread")
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            with limits.acquire(requested={"nope": 1}):
                pass
    warnings = [r for r in caplog.records if "nope" in r.getMessage()]
    assert len(warnings) == 1 and "slots" in warnings[0].getMessage()


@pytest.mark.parametrize("algorithm", list(RateLimitAlgorithm))
def test_every_rate_algorithm_holds_its_rate(algorithm):
    limits = LimitSet([RateLimit("units", window=0.5, capacity=5,
                                 algorithm=algorithm)], mode="thread")
    start = time.monotonic()
    for _ in range(12):
        with limits.acquire(requested={"units": 1}) as acq:
            acq.update(usage={"units": 1})
    elapsed = time.monotonic() - start
    # 12 units at 10/s: at least 2 windows after the first 5 (or 2x burst
    # at the fixed window's edges)
    assert elapsed >= 0.45, (algorithm, elapsed)


def test_rate_limit_definitions():
    assert RateLimit("t", window="minute", capacity=10).window == 60
    assert RateLimit("t", per=RateWindow.Hourly, capacity=1).window == 3600
    assert RateLimit("t", window_seconds=2, capacity=1).window == 2
    assert CallLimit(window=1, capacity=3).key == "call_count"
    assert RateLimitAlgorithm("token") is RateLimitAlgorithm.TokenBucket
    assert RateLimitAlgorithm("leaky") is RateLimitAlgorithm.LeakyBucket
    assert RateLimitAlgorithm("sliding") is RateLimitAlgorithm.SlidingWindow
    assert RateLimitAlgorithm("fixed") is RateLimitAlgorithm.FixedWindow
    with pytest.raises(ValueError):
        ResourceLimit("x", 0)


def test_limit_pool_balances_between_sets():
    eu = LimitSet([ResourceLimit("c", 5)], mode="thread",
                  config={"region": "eu"})
    us = LimitSet([ResourceLimit("c", 5)], mode="thread",
                  config={"region": "us"})
    pool = LimitPool([eu, us], load_balancing="round_robin", worker_index=1)
    regions = []
    for _ in range(4):
        with pool.acquire() as acq:
            regions.append(acq.config["region"])
    assert regions == ["us", "eu", "us", "eu"]
    assert pool[0] is eu and len(pool) == 2


def test_shared_limit_set_across_workers_and_compatibility():
    shared = LimitSet([CallLimit(window=1, capacity=1000)], mode="thread")

    class W(Worker):
        def ok(self):
            with self.limits.acquire():
                return True

    a = W.options(mode="thread", limits=shared).init()
    b = W.options(mode="thread", max_workers=2, limits=shared).init()
    assert a.ok().result() and b.ok().result()
    a.stop()
    b.stop()
    with pytest.raises(ValueError, match="not compatible"):
        W.options(mode="process", limits=shared).init()
    private = LimitSet([CallLimit(window=1, capacity=10)], shared=False)
    with pytest.raises(ValueError):
        W.options(mode="thread", max_workers=2, limits=private).init()
    with pytest.warns(UserWarning):
        c = W.options(mode="thread", limits=private).init()
    c.stop()


def test_stopping_a_worker_ends_its_wait_for_limits():
    ended = threading.Event()

    class Waiter(Worker):
        def go(self):
            try:
                with self.limits.acquire():
                    return "acquired"
            finally:
                ended.set()

    shared = LimitSet([ResourceLimit("slot", 1)], mode="thread")
    held = shared.acquire()
    w = Waiter.options(mode="thread", limits=shared).init()
    future = w.go()
    time.sleep(0.1)
    assert not future.done()
    w.stop()
    assert ended.wait(10)       # the lane's wait ended, not only the future
    assert future.cancelled()
    held.release()


class ProcessCaller(Worker):
    def call(self):
        with self.limits.acquire() as acq:
            return acq.config.get("region"), time.time()


def test_process_workers_share_a_limit_set_through_their_channel():
    shared = LimitSet([CallLimit(window=1, capacity=5,
                                 algorithm="sliding_window")],
                      mode="process", config={"region": "eu"})
    pool = ProcessCaller.options(mode="process", max_workers=2,
                                 limits=shared).init()
    single = ProcessCaller.options(mode="process", limits=shared).init()
    start = time.monotonic()
    results = gather([pool.call() for _ in range(8)] + [single.call()
                                                        for _ in range(4)],
                     timeout=60)
    # 12 calls under 5/s across two workers: two windows of waiting
    assert time.monotonic() - start >= 1.8
    assert {region for region, _ in results} == {"eu"}
    assert shared._server is None       # no socket: the worker's channel
    pool.stop()
    single.stop()


def test_process_workers_with_a_pool_of_limit_sets():
    eu = LimitSet([ResourceLimit("c", 1)], mode="process",
                  config={"region": "eu"})
    us = LimitSet([ResourceLimit("c", 1)], mode="process",
                  config={"region": "us"})
    pool = ProcessCaller.options(mode="process", max_workers=2,
                                 limits=LimitPool([eu, us])).init()
    regions = {region for region, _ in gather([pool.call()
                                               for _ in range(6)],
                                              timeout=60)}
    assert regions == {"eu", "us"}
    pool.stop()
