# main-loop.py: running tasks from an application's main loop, which stays
# free: progress arrives as signals on the main thread.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import threading
import time

import gi

gi.require_version("Concurra", "1")
from gi.repository import Concurra, GLib  # noqa: E402

main_thread = threading.current_thread()
loop = GLib.MainLoop()
ticks = 0
progress = []
outcome = {}


def work(task, cancellable, number):
    time.sleep(0.1)  # on a worker thread
    task.return_int(number)


def tick():
    global ticks
    ticks += 1  # e.g. a spinner being animated
    return GLib.SOURCE_CONTINUE


def on_progress(runner, completed, total):
    assert threading.current_thread() is main_thread
    print("progress: %d/%d" % (completed, total))
    progress.append(completed)


def on_run_done(runner, result):
    try:
        outcome["results"] = runner.run_finish(result)
    except GLib.Error as e:
        outcome["error"] = e
    loop.quit()


runner = Concurra.Runner(name="main-loop", verify_on_finish=False, max_concurrency=2)
for i in range(1, 5):
    runner.add_task("part-%d" % i, None, work, i)
runner.connect("progress", on_progress)

tick_id = GLib.timeout_add(10, tick)
runner.run_async(None, on_run_done)
loop.run()
GLib.source_remove(tick_id)

assert "error" not in outcome
total = sum(task.get_value() for task in runner)  # a Gio.ListModel of tasks
print("total %d, %d ticks of the main loop meanwhile" % (total, ticks))
assert total == 10 and progress[-1] == 4 and ticks > 5
