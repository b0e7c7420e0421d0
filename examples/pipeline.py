#!/usr/bin/python3
# pipeline.py: the pipeline example from PyGObject.
#
#   fetch -> unpack -> { compile, lint, docs } -> package
#
# Each step simulates work with a short sleep that stops early when the task
# is cancelled, and reports a value; "lint" is flaky and fails its first
# attempt, then succeeds when the runner retries it.
#
#   meson devenv -C build /usr/bin/python3 examples/pipeline.py
#
# (the README's "Running the examples" has the line for an installed
# concurra-glib)
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import sys
import threading
import time

# Progress lines are INFO messages in the "Concurra" log domain, hidden by
# GLib's default log writer unless the domain is enabled.
os.environ.setdefault("G_MESSAGES_DEBUG", "Concurra")

import gi  # noqa: E402

gi.require_version("Gio", "2.0")
gi.require_version("Concurra", "1")
from gi.repository import Concurra, Gio, GLib, GObject  # noqa: E402

STEPS = [
    # label, depends_on, work seconds, value, failing attempts
    ("fetch", None, 0.12, "concurra-glib-1.0.0.tar.xz", 0),
    ("unpack", ["fetch"], 0.08, 42, 0),
    ("compile", ["unpack"], 0.25, 17, 0),
    ("lint", ["unpack"], 0.06, "0 warnings", 1),
    ("docs", ["unpack"], 0.15, 9, 0),
    ("package", ["compile", "lint", "docs"], 0.10,
     "concurra-glib-1.0.0.flatpak", 0),
]


def make_step(label, seconds, value, fail_attempts):
    attempts = 0

    def step(task, cancellable):
        nonlocal attempts
        attempts += 1
        # The runner cancels the cancellable on timeout or abort.
        if sleep_unless_cancelled(cancellable, seconds):
            return
        if attempts <= fail_attempts:
            task.return_error(GLib.Error.new_literal(
                Gio.io_error_quark(),
                "%s: resource busy (attempt %d)" % (label, attempts),
                Gio.IOErrorEnum.BUSY))
        elif isinstance(value, int):
            task.return_int(value)
        else:
            task.return_string(value)

    return step


def sleep_unless_cancelled(cancellable, seconds):
    """Sleep up to @seconds; True if @cancellable was cancelled meanwhile."""
    if cancellable is None:
        time.sleep(seconds)
        return False
    event = threading.Event()
    # GObject's signal connect: Gio.Cancellable.connect() is another API.
    handler = GObject.Object.connect(cancellable, "cancelled",
                                     lambda c: event.set())
    if not cancellable.is_cancelled():
        event.wait(seconds)
    GObject.Object.disconnect(cancellable, handler)
    return cancellable.is_cancelled()


def main():
    runner = Concurra.Runner.new("pipeline")
    runner.props.max_concurrency = 3
    runner.props.progress_stats = True
    runner.props.verify_on_finish = False          # we print the report ourselves
    runner.props.retry_delay = 0.05

    for label, deps, seconds, value, fail_attempts in STEPS:
        task = runner.add_task(label, deps,
                               make_step(label, seconds, value,
                                         fail_attempts))
        task.set_timeout(10)
        if fail_attempts:
            task.set_retries(fail_attempts + 1)

    runner.connect("task-retrying", lambda r, task, attempt, error: print(
        "  retrying %s after attempt %d failed: %s"
        % (task.get_label(), attempt, error.message)))

    def on_finished(r, task):
        if task.get_has_failed():
            text = task.get_error_message()
        else:
            text = repr(task.get_value())
        print("  %-8s -> %s" % (task.get_label(), text), flush=True)

    runner.connect("task-finished", on_finished)

    print("Running %d tasks…" % runner.get_n_tasks(), flush=True)
    results = runner.run(None)

    print()
    print(runner.format_report())
    failed = runner.get_n_failed()
    if failed:
        print("pipeline: %d task(s) failed" % failed, file=sys.stderr)
        return 1
    print("All %d tasks succeeded." % len(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
