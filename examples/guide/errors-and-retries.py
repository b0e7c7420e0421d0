# errors-and-retries.py: a flaky task retried until it succeeds, a broken
# one that fails, and the task that depended on it skipped.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import itertools

import gi

gi.require_version("Concurra", "1")
from gi.repository import Concurra, Gio, GLib  # noqa: E402

calls = itertools.count(1)


def flaky(task, cancellable):
    call = next(calls)
    if call < 3:
        task.return_error(GLib.Error.new_literal(
            Gio.io_error_quark(), "server busy (call %d)" % call,
            Gio.IOErrorEnum.BUSY))
    else:
        task.return_string("data")


def broken(task, cancellable):
    # An exception raised here would not reach the runner: report errors
    # with return_error() (the Pythonic override turns exceptions into them).
    task.return_error(GLib.Error.new_literal(
        Gio.io_error_quark(), "config.ini is missing", Gio.IOErrorEnum.NOT_FOUND))


def publish(task, cancellable):
    task.return_boolean(True)


runner = Concurra.Runner(name="errors", verify_on_finish=False, retry_delay=0.01)
runner.add_task("flaky", None, flaky).props.retries = 3
runner.add_task("broken", None, broken)
runner.add_task("publish", ["broken"], publish)
runner.connect("task-retrying", lambda runner, task, attempt, error: print(
    "retrying %s: attempt %d failed: %s" % (task.props.label, attempt, error.message)))

# A failed task is not an error of the run: read it from the task.
results = runner.run(None)

flaky_task = results["flaky"]
assert flaky_task.props.status == Concurra.TaskStatus.SUCCESSFUL
assert flaky_task.props.attempts == 3
retry_errors = flaky_task.get_retry_errors()
assert len(retry_errors) == 2
print("flaky: %s after %d attempts; first error: %s"
      % (flaky_task.get_value(), flaky_task.props.attempts, retry_errors[0]))

broken_task = results["broken"]
assert broken_task.props.status == Concurra.TaskStatus.FAILED
assert broken_task.get_error().matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)
print("broken:", broken_task.props.error_message)

publish_task = results["publish"]
assert publish_task.props.status == Concurra.TaskStatus.TERMINATED
assert publish_task.get_error().matches(Concurra.error_quark(),
                                        Concurra.Error.DEPENDENCY_FAILED)
print("publish:", publish_task.props.error_message)

# verify() logs the report and fails when any task did.
try:
    runner.verify()
    raise AssertionError("verify() passed")
except GLib.Error as e:
    assert e.matches(Concurra.error_quark(), Concurra.Error.TASKS_FAILED)
    print("verify:", e.message)
