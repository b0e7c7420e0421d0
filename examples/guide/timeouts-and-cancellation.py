# timeouts-and-cancellation.py: a task that outlives its timeout, a task
# cancelled on its own, and a run aborted from outside.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import select

import gi

gi.require_version("Concurra", "1")
from gi.repository import Concurra  # noqa: E402


def work(task, cancellable, seconds):
    # Works for up to @seconds, but stops as soon as the runner cancels the
    # task: a thread cannot be killed, so the function must watch its
    # cancellable. Its file descriptor becomes readable when it is cancelled.
    select.select([cancellable.get_fd()], [], [], seconds)
    cancellable.release_fd()
    if not cancellable.is_cancelled():
        task.return_string("done")


runner = Concurra.Runner(name="timeouts", verify_on_finish=False)
runner.props.timeout = 5                  # the default for every task
slow = runner.add_task("slow", None, work, 10)
slow.props.timeout = 0.2                  # this one gets 200 ms
quick = runner.add_task("quick", None, work, 0.01)
after = runner.add_task("next", ["slow"], work, 0.01)

runner.run(None)
assert quick.props.status == Concurra.TaskStatus.SUCCESSFUL
assert slow.props.status == Concurra.TaskStatus.TERMINATED
assert slow.get_error().matches(Concurra.error_quark(), Concurra.Error.TIMEOUT)
print("slow:", slow.props.error_message)
print("next:", after.props.error_message)

# In the background: cancel one task, then abort the whole run.
background = Concurra.Runner(name="background", verify_on_finish=False)
first = background.add_task("first", None, work, 10)
second = background.add_task("second", None, work, 10)
background.start()

assert first.cancel()
first.wait(-1, None)
print("first:", first.props.error_message)

background.abort()
background.wait(None)
assert second.get_error().matches(Concurra.error_quark(), Concurra.Error.TERMINATED)
print("second:", second.props.error_message)
