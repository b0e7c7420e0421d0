# dependencies.py: a diamond of tasks, results passed along the edges, and
# the mistakes a runner refuses.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import gi

gi.require_version("Concurra", "1")
from gi.repository import Concurra, GLib  # noqa: E402

runner = Concurra.Runner(name="dependencies")
tasks = {}  # label -> Concurra.Task, for reading the results of dependencies


def fetch(task, cancellable):
    task.return_string("the quick brown fox")


def count(task, cancellable):
    task.return_int(len(tasks["fetch"].get_value().split()))


def shout(task, cancellable):
    task.return_string(tasks["fetch"].get_value().upper())


def report(task, cancellable):
    task.return_string("%s (%d words)" % (tasks["shout"].get_value(),
                                         tasks["count"].get_value()))


# fetch -> { count, shout } -> report. "report" names tasks that do not
# exist yet: forward references are fine until the run starts.
tasks["report"] = runner.add_task("report", ["count", "shout"], report)
tasks["fetch"] = runner.add_task("fetch", None, fetch)
tasks["count"] = runner.add_task("count", ["fetch"], count)
tasks["shout"] = runner.add_task("shout", ["fetch"], shout)

order = []
runner.connect("task-finished", lambda runner, task: order.append(task.props.label))
runner.run(None)

print("finished:", " ".join(order))
assert order[0] == "fetch" and order[-1] == "report"
print("report:", tasks["report"].get_value())
assert tasks["report"].get_value() == "THE QUICK BROWN FOX (4 words)"

# Mistakes are errors that name the labels, and nothing is added.
broken = Concurra.Runner(name="broken")
broken.add_task("a", ["b"], lambda task, cancellable: None)
for label, depends_on, code in [("a", None, Concurra.Error.DUPLICATE_LABEL),
                                ("b", ["a"], Concurra.Error.CYCLE)]:
    try:
        broken.add_task(label, depends_on, lambda task, cancellable: None)
        raise AssertionError("no error")
    except GLib.Error as e:
        assert e.matches(Concurra.error_quark(), code)
        print(e.message)

# "b" was never added: the run refuses to start and nothing runs.
try:
    broken.run(None)
    raise AssertionError("no error")
except GLib.Error as e:
    assert e.matches(Concurra.error_quark(), Concurra.Error.UNKNOWN_DEPENDENCY)
    print(e.message)
