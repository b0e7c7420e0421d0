# overview-override.py: the Pythonic API of the PyGObject override —
# Concurra's TaskRunner, any callable and any Python values, and Concurry's
# gather() over the futures add_task() returns.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import gi

gi.require_version("Concurra", "1")
from gi.repository import Concurra  # noqa: E402


def greet(name, punctuation="!"):
    return "Hello, %s%s" % (name, punctuation)


runner = Concurra.TaskRunner(name="overview", max_concurrency=2, progress_stats=False)
runner.add_task(greet, "world", label="greet")
runner.add_task(sorted, [3, 1, 2], label="sort", depends_on=["greet"])
results = runner.run(verify=False)

assert results["greet"]["status"] == "Successful"
print("greet:", results["greet"]["result"])
assert results["sort"]["result"] == [1, 2, 3]
print("sort:", results["sort"]["result"], "in", results["sort"]["duration"])

# Futures: run in the background, gather the results in order.
runner = Concurra.TaskRunner(name="futures", progress_stats=False)
futures = [runner.add_task(pow, i, 2) for i in range(5)]
runner.execute_in_background()
squares = Concurra.gather(futures)
print("squares:", squares)
assert squares == [0, 1, 4, 9, 16]
runner.get_background_results(verify=False)
