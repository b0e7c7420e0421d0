# Limits from Python (PyGObject): Concurra.Limit, Concurra.LimitSet and
# Concurra.Acquisition through the GIR — acquire / update / release, the
# errors of Concurry's rules, try_acquire, acquire_async in a GLib.MainLoop
# and a set shared by threads (issue 16).
#
# Run by meson (suite 'bindings') with GI_TYPELIB_PATH and LD_LIBRARY_PATH
# pointing at build/concurra-glib:  /usr/bin/python3 -m pytest test_limits.py
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import threading
import time

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Concurra", "1")

from gi.repository import Concurra, GLib  # noqa: E402

import pytest  # noqa: E402

A = Concurra.RateLimitAlgorithm
DOMAIN = Concurra.error_quark()


def make_set():
    return Concurra.LimitSet.new([
        Concurra.Limit.new_rate("tokens", 10, 100, A.TOKEN_BUCKET),
        Concurra.Limit.new_call(10, 50, A.GCRA),
        Concurra.Limit.new_resource("db", 2),
    ])


def available(limits, key):
    return limits.get_stats().unpack()[key]["available"]


def test_definitions():
    rate = Concurra.Limit.new_rate("tokens", 60, 1000, A.SLIDING_WINDOW)
    assert rate.props.key == "tokens"
    assert rate.props.kind == Concurra.LimitKind.RATE
    assert rate.props.capacity == 1000
    assert rate.props.window == 60
    assert rate.props.algorithm == A.SLIDING_WINDOW
    assert Concurra.Limit.new_call(1, 5, A.GCRA).get_key() == "call_count"
    with pytest.raises(GLib.Error) as info:
        Concurra.Limit.new_resource("db", 0)
    assert info.value.matches(DOMAIN, Concurra.Error.INVALID_ARGUMENT)
    assert "capacity" in info.value.message


def test_duplicate_keys():
    with pytest.raises(GLib.Error) as info:
        Concurra.LimitSet.new([Concurra.Limit.new_resource("db", 1),
                               Concurra.Limit.new_resource("db", 2)])
    assert info.value.matches(DOMAIN, Concurra.Error.INVALID_ARGUMENT)
    assert "'db'" in info.value.message


def test_acquire_update_release():
    limits = make_set()
    assert list(limits.get_keys()) == ["tokens", "call_count", "db"]
    assert limits.get_limit("db").props.capacity == 2
    acq = limits.acquire(["tokens"], [30], -1, None)
    assert acq.is_successful()
    assert acq.get_amount("tokens") == 30
    assert acq.get_amount("call_count") == 1
    assert acq.get_amount("db") == 1
    assert acq.get_time() > 0
    assert limits.get_stats().unpack()["db"]["in-use"] == 1
    acq.update("tokens", 10)
    acq.release()
    assert limits.get_stats().unpack()["db"]["in-use"] == 0
    # the 20 tokens not used were refunded (token bucket)
    assert available(limits, "tokens") > 89
    with pytest.raises(GLib.Error) as info:
        acq.release()
    assert info.value.matches(DOMAIN, Concurra.Error.FAILED)
    with pytest.raises(GLib.Error):
        acq.update("tokens", 1)


def test_rules():
    limits = make_set()
    with pytest.raises(GLib.Error) as info:
        limits.acquire(None, None, -1, None)
    assert "Must specify requested amount for RateLimit" in info.value.message
    with pytest.raises(GLib.Error) as info:
        limits.acquire(["tokens"], [101], -1, None)
    assert info.value.matches(DOMAIN, Concurra.Error.INVALID_ARGUMENT)
    acq = limits.acquire(["tokens"], [5], -1, None)
    with pytest.raises(GLib.Error) as info:
        acq.release()
    assert "Not all limits in the LimitSet were updated" in info.value.message


def test_try_acquire_and_timeout():
    limits = make_set()
    a = limits.try_acquire(["db"], [2])
    assert a.is_successful()
    b = limits.try_acquire(["db"], [1])
    assert not b.is_successful()
    b.release()  # a no-op
    start = time.monotonic()
    with pytest.raises(GLib.Error) as info:
        limits.acquire(["db"], [1], 0.1, None)
    assert info.value.matches(DOMAIN, Concurra.Error.TIMEOUT)
    assert time.monotonic() - start >= 0.09
    a.release()


def test_acquire_async_wakes_on_release():
    limits = make_set()
    hold = limits.try_acquire(["db"], [2])
    loop = GLib.MainLoop()
    got = {}

    def done(source, result):
        got["acq"] = source.acquire_finish(result)
        loop.quit()

    limits.acquire_async(["db"], [1], 10, None, done)
    GLib.timeout_add(100, lambda: hold.release() and False)
    loop.run()
    assert got["acq"].get_amount("db") == 1
    got["acq"].release()


def test_threads_share_a_set():
    limits = Concurra.LimitSet.new([Concurra.Limit.new_resource("db", 2)])
    holding = []
    peak = []
    lock = threading.Lock()

    def worker():
        for _ in range(20):
            acq = limits.acquire(None, None, 30, None)
            with lock:
                holding.append(1)
                peak.append(len(holding))
            time.sleep(0.001)
            with lock:
                holding.pop()
            acq.release()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(peak) <= 2
    assert len(peak) == 80
