# Concurry's retries on the PyGObject override (issue 16, priorities 9 and
# 14): num_retries, retry_on, retry_algorithm, retry_wait, retry_jitter,
# retry_until, RetryValidationError, per-method settings.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import pickle
import time

import gi

gi.require_version("Concurra", "1")

from gi.repository.Concurra import (  # noqa: E402
    RetryAlgorithm, RetryConfig, RetryValidationError, Worker, worker)

import pytest  # noqa: E402

MODES = ["sync", "thread", "asyncio",
         "process"]


class Flaky(Worker):
    def __init__(self, failures, exc_type=ConnectionError):
        self.failures = failures
        self.exc_type = exc_type
        self.calls = 0

    def call(self):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.exc_type("attempt %d failed" % self.calls)
        return {"status": "ok", "calls": self.calls}

    def count(self):
        return self.calls


def test_readme_retry_example():
    @worker(mode="thread")
    class LLMWorker:
        def __init__(self, model: str, temperature: float):
            self.calls = 0

        def generate(self, prompt):
            self.calls += 1
            if self.calls == 1:
                raise ConnectionError("reset by peer")
            if self.calls == 2:
                raise TimeoutError("slow")
            if self.calls == 3:
                return {"status": "busy"}
            return {"status": "ok", "text": prompt}

    # Retry on transient errors with exponential backoff
    worker_ = LLMWorker.options(
        max_workers=1,
        num_retries=5,
        retry_algorithm="exponential",
        retry_on=[ConnectionError, TimeoutError],
        retry_until=lambda result: result.get("status") == "ok",
        retry_wait=0.01,
    ).init(model="gpt-4o-mini", temperature=0.7)
    assert worker_.generate("hi").result() == {"status": "ok", "text": "hi"}
    worker_.stop()


@pytest.mark.parametrize("mode", MODES)
def test_retries_until_success(mode):
    w = Flaky.options(mode=mode, num_retries=3, retry_wait=0.01).init(2)
    future = w.call()
    assert future.result(timeout=60) == {"status": "ok", "calls": 3}
    if mode == "thread":
        # the attempts are the library's (its waits hold no thread)
        assert future.task.get_attempts() == 3
    w.stop()


@pytest.mark.parametrize("mode", MODES)
def test_last_exception_when_attempts_run_out(mode):
    w = Flaky.options(mode=mode, num_retries=2, retry_wait=0.01).init(10)
    with pytest.raises(ConnectionError, match="attempt 3 failed"):
        w.call().result(timeout=60)
    assert w.count().result(timeout=60) == 3
    w.stop()


def test_exception_not_matched_is_raised_at_once():
    w = Flaky.options(mode="thread", num_retries=5, retry_wait=0.01,
                      retry_on=[TimeoutError]).init(3, ValueError)
    with pytest.raises(ValueError, match="attempt 1 failed"):
        w.call().result()
    assert w.count().result() == 1
    w.stop()


def test_retry_on_callables_get_the_context():
    seen = []

    def only_twice(exception, attempt, method_name, **context):
        seen.append((type(exception).__name__, attempt, method_name,
                     sorted(context)))
        return attempt < 2

    w = Flaky.options(mode="thread", num_retries=5, retry_wait=0.01,
                      retry_on=[only_twice]).init(10)
    with pytest.raises(ConnectionError, match="attempt 2 failed"):
        w.call().result()
    assert seen[0][:3] == ("ConnectionError", 1, "call")
    assert {"args", "kwargs", "elapsed_time"} <= set(seen[0][3])

    def broken_filter(exception, **context):
        raise RuntimeError("filter bug")

    w2 = Flaky.options(mode="thread", num_retries=5, retry_wait=0.01,
                       retry_on=[broken_filter]).init(10)
    with pytest.raises(ConnectionError, match="attempt 1 failed"):
        w2.call().result()
    w.stop()
    w2.stop()


@pytest.mark.parametrize("mode", MODES)
def test_retry_until_and_validation_error(mode):
    class Counter(Worker):
        def __init__(self):
            self.n = 0

        def next(self):
            self.n += 1
            return self.n

    w = Counter.options(mode=mode, num_retries=5, retry_wait=0.01,
                        retry_until=[lambda result, **ctx: result >= 3,
                                     lambda result, **ctx: result % 2 == 1]
                        ).init()
    assert w.next().result(timeout=60) == 3
    w.stop()

    never = Counter.options(mode=mode, num_retries=2, retry_wait=0.01,
                            retry_until=lambda result: result > 100).init()
    with pytest.raises(RetryValidationError) as info:
        never.next().result(timeout=60)
    error = info.value
    assert error.attempts == 3 and error.all_results == [1, 2, 3]
    assert isinstance(error, RetryValidationError)
    assert error.method_name == "next"
    assert len(error.validation_errors) == 3
    copy = pickle.loads(pickle.dumps(error))
    assert copy.all_results == [1, 2, 3] and copy.attempts == 3
    never.stop()


def test_validation_with_no_retries_validates_once():
    class One(Worker):
        def get(self):
            return 0

    w = One.options(mode="thread",
                    retry_until=lambda result: result == 1).init()
    with pytest.raises(RetryValidationError) as info:
        w.get().result()
    assert info.value.attempts == 1
    w.stop()


def test_wait_algorithms():
    linear = RetryConfig(retry_algorithm="linear", retry_wait=1.0,
                         retry_jitter=0)
    expo = RetryConfig(retry_algorithm="exponential", retry_wait=1.0,
                       retry_jitter=0)
    fib = RetryConfig(retry_algorithm=RetryAlgorithm.Fibonacci,
                      retry_wait=1.0, retry_jitter=0)
    assert [linear.wait_before(k) for k in range(1, 6)] == [1, 2, 3, 4, 5]
    assert [expo.wait_before(k) for k in range(1, 6)] == [1, 2, 4, 8, 16]
    assert [fib.wait_before(k) for k in range(1, 6)] == [1, 1, 2, 3, 5]
    jittered = RetryConfig(retry_algorithm="exponential", retry_wait=1.0,
                           retry_jitter=0.5)
    waits = [jittered.wait_before(3) for _ in range(200)]
    assert all(0 <= w <= 4 for w in waits) and len(set(waits)) > 100


def test_waits_happen_in_the_worker():
    w = Flaky.options(mode="thread", num_retries=2, retry_wait=0.2,
                      retry_algorithm="linear", retry_jitter=0).init(2)
    start = time.monotonic()
    future = w.call()
    assert time.monotonic() - start < 0.1       # the call returned at once
    assert future.result()["calls"] == 3
    # waits of 0.2 x 1 and 0.2 x 2
    assert 0.55 < time.monotonic() - start < 5.0
    w.stop()


def test_per_method_retry_settings():
    class Two(Worker):
        def __init__(self):
            self.a = self.b = 0

        def first(self):
            self.a += 1
            raise ConnectionError("a%d" % self.a)

        def second(self):
            self.b += 1
            raise ConnectionError("b%d" % self.b)

    w = Two.options(mode="thread", retry_wait=0.01,
                    num_retries={"*": 0, "second": 2}).init()
    with pytest.raises(ConnectionError, match="a1"):
        w.first().result()
    with pytest.raises(ConnectionError, match="b3"):
        w.second().result()
    w.stop()
    with pytest.raises(ValueError):
        Two.options(mode="thread", num_retries={"second": 2}).init()
    with pytest.raises(ValueError):
        Two.options(mode="thread", num_retries={"*": 1, "third": 2}).init()


def test_limits_are_released_before_the_wait():
    from gi.repository.Concurra import ResourceLimit

    class Holder(Worker):
        def __init__(self):
            self.n = 0

        def go(self):
            self.n += 1
            with self.limits.acquire():
                if self.n < 3:
                    raise ConnectionError("again")
                return self.n

    w = Holder.options(mode="thread", num_retries=3, retry_wait=0.01,
                       limits=[ResourceLimit("slot", 1)]).init()
    assert w.go().result(timeout=10) == 3
    w.stop()


def test_retry_options_are_checked():
    with pytest.raises(ValueError):
        RetryConfig(num_retries=-1)
    with pytest.raises(ValueError):
        RetryConfig(retry_algorithm="quadratic")
    with pytest.raises(ValueError):
        RetryConfig(retry_on=[42])
