# wait-and-gather.py: tasks as futures — the first to finish, all of them
# in order, and each one as it completes. (With the Pythonic override,
# Concurra.wait() and Concurra.gather() take Concurry's arguments instead.)
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import time

import gi

gi.require_version("Concurra", "1")
from gi.repository import Concurra, Gio, GLib  # noqa: E402


def work(task, cancellable, seconds, value):
    time.sleep(seconds)
    if value is not None:
        task.return_string(value)
    else:
        task.return_error(GLib.Error.new_literal(
            Gio.io_error_quark(), "no route to host", Gio.IOErrorEnum.FAILED))


runner = Concurra.Runner(name="futures", verify_on_finish=False, max_concurrency=4)
tasks = [runner.add_task(label, None, work, seconds, value)
         for label, seconds, value in [("slow", 0.3, "slow"), ("fast", 0.05, "fast"),
                                       ("medium", 0.15, "medium"), ("bad", 0.1, None)]]
runner.start()  # runs in the background

# The first of three to complete; a timeout (here none) is not an error.
ok, done, not_done = Concurra.wait(tasks[:3], Concurra.ReturnWhen.FIRST_COMPLETED, -1,
                                   None)
print("first completed:", done[0].props.label)
assert [task.props.label for task in done] == ["fast"]

# Every task in completion order.
stream = Concurra.TaskStream.new(tasks)
while True:
    task, index = stream.next(-1, None)
    if task is None:
        break
    print("completed: %s (input #%d)" % (task.props.label, index))

# All results in input order; the failed task makes gather fail...
try:
    Concurra.gather(tasks, Concurra.GatherFlags.NONE, -1, None)
    raise AssertionError("gather did not fail")
except GLib.Error as e:
    assert e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.FAILED)
    print("gather:", e.message)

# ...unless errors are returned with the other results.
gathered = Concurra.gather(tasks, Concurra.GatherFlags.RETURN_ERRORS, -1, None)
for task in gathered:
    print("%s: %s" % (task.props.label, task.props.error_message if task.props.has_failed
                      else task.get_value()))
assert gathered[2].get_value() == "medium"

runner.wait(None)  # the run's end
