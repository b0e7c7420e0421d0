# overview.py: the smallest pipeline, two tasks where one waits for the other.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import gi

gi.require_version("Concurra", "1")
from gi.repository import Concurra  # noqa: E402


def greet(task, cancellable):
    task.return_string("Hello, world")


def answer(task, cancellable):
    task.return_int(42)


runner = Concurra.Runner(name="overview")
runner.add_task("greet", None, greet)
runner.add_task("answer", ["greet"], answer)

# Blocks until every task has its final status: {label: Concurra.Task}.
results = runner.run(None)

assert results["greet"].props.status == Concurra.TaskStatus.SUCCESSFUL
print("greet:", results["greet"].get_value())
assert results["answer"].get_value() == 42
print("answer:", results["answer"].get_value())
print(runner.format_report())
