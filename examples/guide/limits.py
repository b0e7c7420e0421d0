# limits.py: two connections, 5 calls per half second and a budget of
# tokens, shared by four threads; each call takes all three at once and
# gives back the tokens it did not use.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import threading
import time

import gi

gi.require_version("Concurra", "1")
from gi.repository import Concurra, GLib  # noqa: E402

Algorithm = Concurra.RateLimitAlgorithm
limits = Concurra.LimitSet.new([
    Concurra.Limit.new_resource("connections", 2),
    Concurra.Limit.new_call(0.5, 5, Algorithm.SLIDING_WINDOW),
    Concurra.Limit.new_rate("tokens", 60, 1000, Algorithm.TOKEN_BUCKET),
])
used = []


def worker():
    for _ in range(3):
        # one connection and one call are taken too: every call and
        # resource limit not named is taken with 1
        acquisition = limits.acquire(["tokens"], [100], -1, None)
        # ... call the service; it says it used 40 tokens ...
        used.append(40)
        acquisition.update("tokens", 40)
        acquisition.release()  # the 60 tokens not used go back


start = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
# 12 calls at 5 per half second: the last ones waited for the window
assert time.monotonic() - start >= 1.0
print("12 calls, %d tokens used" % sum(used))

stats = limits.get_stats().unpack()
assert stats["tokens"]["available"] >= 1000 - 12 * 40
print("tokens available: about %.0f of 1000" % stats["tokens"]["available"])

# a rate limit must be told what was used
forgot = limits.acquire(["tokens"], [10], -1, None)
try:
    forgot.release()
except GLib.Error as e:
    print(e.message)

# more than the capacity can never fit: an error at once
try:
    limits.acquire(["tokens"], [5000], -1, None)
except GLib.Error as e:
    assert e.matches(Concurra.error_quark(), Concurra.Error.INVALID_ARGUMENT)
    print(e.message)
