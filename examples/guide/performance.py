# performance.py: many small tasks; what a task costs to schedule. The
# tasks share one function (Concurra.Function): PyGObject makes one
# closure for all of them and calls it with the task's index. Python
# functions run one at a time (the GIL): commands, processes, or functions
# that release the GIL get the parallelism.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import time

import gi

gi.require_version("Concurra", "1")
from gi.repository import Concurra  # noqa: E402

N_TASKS = 20000
inputs = list(range(N_TASKS))
outputs = [None] * N_TASKS


def square(index):
    # no value reported: success; the result goes to our own list
    outputs[index] = inputs[index] ** 2


# no report of 20 000 rows at the end
runner = Concurra.Runner(name="performance", verify_on_finish=False)
runner.props.max_concurrency = 0                             # one per CPU
function = Concurra.Function.new("square", square)

start = time.monotonic()
for i in range(N_TASKS):
    # None labels are the task's index; each depends on nothing
    runner.add_function(None, None, function, i)
added = time.monotonic()
results = runner.run(None)
ran = time.monotonic()

print("%d tasks on %d threads: add %.2f us/task, run %.2f us/task"
      % (N_TASKS, runner.props.max_concurrency,
         (added - start) * 1e6 / N_TASKS, (ran - added) * 1e6 / N_TASKS))
assert len(results) == N_TASKS
assert runner.props.n_completed == N_TASKS and runner.props.n_failed == 0
assert outputs[-1] == (N_TASKS - 1) ** 2
