# processes.py: functions run in worker processes. Workers are C programs
# that register their functions (here the C example, processes.c, given as
# the first argument); the Pythonic override brings Python workers.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys

import gi

gi.require_version("Concurra", "1")
from gi.repository import Concurra, GLib  # noqa: E402

runner = Concurra.Runner(name="processes", verify_on_finish=False,
                         execution_mode=Concurra.ExecutionMode.PROCESS,
                         max_concurrency=2)       # two warm workers
runner.props.worker_command = [sys.argv[1]]

squares = [runner.add_process_task("square-%d" % i, None, "square",
                                   GLib.Variant("(x)", (i,)))
           for i in range(1, 6)]
crash = runner.add_process_task("crash", None, "crash", None)

runner.run(None)

for task in squares:
    assert task.props.execution_mode == Concurra.ExecutionMode.PROCESS
total = sum(task.get_value().unpack() for task in squares)
print("sum of squares:", total)
assert total == 55

assert crash.get_error().matches(Concurra.error_quark(), Concurra.Error.WORKER_CRASHED)
print("crash:", crash.props.error_message)
