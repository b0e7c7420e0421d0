# main-loop-gtk.py: a run shown live in a GTK 4 window. The runner is a
# Gio.ListModel of its tasks, so a Gtk.ColumnView shows it as it is: one
# row a task, whose cells follow the task's notify signals, a progress bar
# on the runner's progress signal and an Abort button. The main loop never
# waits: run_async() returns at once.
#
#   python3 main-loop-gtk.py [--quit-when-done]
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys

import gi

gi.require_version("Concurra", "1")
gi.require_version("Gtk", "4.0")
from gi.repository import Concurra, GLib, Gtk  # noqa: E402

STEPS = [  # label, shell command, what it waits for
    ("fetch", "sleep 0.3", None),
    ("unpack", "sleep 0.4", ["fetch"]),
    ("lint", "sleep 0.2", ["fetch"]),
    ("build", "sleep 0.6", ["unpack"]),
    ("docs", "sleep 0.5", ["unpack"]),
    ("test", "sleep 0.3; echo '2 tests failed' >&2; exit 1", ["build"]),
    ("package", "sleep 0.2", ["test", "docs"]),
]
STATUS = {
    Concurra.TaskStatus.PENDING: "Pending",
    Concurra.TaskStatus.RUNNING: "Running",
    Concurra.TaskStatus.SUCCESSFUL: "Successful",
    Concurra.TaskStatus.FAILED: "Failed",
    Concurra.TaskStatus.TERMINATED: "Terminated",
}
COLUMNS = [  # title, the cell's text, the properties it follows
    ("Task", lambda task: task.props.label, []),
    ("Status", lambda task: STATUS[task.props.status], ["status"]),
    ("Attempts", lambda task: str(task.props.attempts), ["attempts"]),
    ("Duration", lambda task: Concurra.format_duration(task.props.duration)
     if task.props.status > Concurra.TaskStatus.RUNNING and task.props.attempts
     else "", ["duration", "status"]),
]
shown = {}    # (label, column) -> every text the cell showed, for the test


def column(title, text, properties):
    factory = Gtk.SignalListItemFactory()
    handlers = {}

    def setup(factory, item):
        item.set_child(Gtk.Label(xalign=0))

    def bind(factory, item):
        task, cell = item.get_item(), item.get_child()

        def update(*args):
            cell.set_text(text(task))
            seen = shown.setdefault((task.props.label, title), [])
            if not seen or seen[-1] != cell.get_text():
                seen.append(cell.get_text())

        handlers[item] = [task.connect("notify::" + p, update) for p in properties]
        update()

    def unbind(factory, item):
        for handler in handlers.pop(item):
            item.get_item().disconnect(handler)

    factory.connect("setup", setup)
    factory.connect("bind", bind)
    factory.connect("unbind", unbind)
    return Gtk.ColumnViewColumn(title=title, factory=factory, expand=True)


def main():
    runner = Concurra.Runner(name="build", verify_on_finish=False)
    for label, command, depends_on in STEPS:
        runner.add_shell_command(label, depends_on, command)

    view = Gtk.ColumnView(model=Gtk.NoSelection(model=runner), vexpand=True)
    for title, text, properties in COLUMNS:
        view.append_column(column(title, text, properties))
    bar = Gtk.ProgressBar(show_text=True, text="starting")
    abort = Gtk.Button(label="Abort")
    abort.connect("clicked", lambda button: runner.abort())
    runner.connect("progress", lambda r, done, total: (
        bar.set_fraction(done / total), bar.set_text(f"{done} of {total} done")))

    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6, margin_top=6,
                  margin_bottom=6, margin_start=6, margin_end=6)
    for child in (view, bar, abort):
        box.append(child)
    window = Gtk.Window(title="concurra-glib", default_width=520, default_height=340,
                        child=box)
    loop = GLib.MainLoop()
    window.connect("close-request", lambda window: loop.quit())
    window.present()

    def on_finished(runner, result):
        runner.run_finish(result)
        abort.set_sensitive(False)
        succeeded = sum(task.props.status == Concurra.TaskStatus.SUCCESSFUL
                        for task in runner)
        bar.set_text(f"{succeeded} of {runner.props.n_tasks} succeeded")
        print("\n".join(f"{label}: {' -> '.join(shown[(label, 'Status')])}, "
                        f"{shown[(label, 'Duration')][-1] or 'never ran'}"
                        for label, _, _ in STEPS))
        if "--quit-when-done" in sys.argv:
            check()
            GLib.timeout_add(500, loop.quit)

    runner.run_async(None, on_finished)
    loop.run()


def check():
    """The cells followed the run: each task was shown running, then done."""
    for label in ("fetch", "unpack", "lint", "build", "docs"):
        assert shown[(label, "Status")][-2:] == ["Running", "Successful"], label
        assert shown[(label, "Duration")][-1].endswith("sec"), label
    assert shown[("test", "Status")][-2:] == ["Running", "Failed"]
    assert shown[("package", "Status")] == ["Pending", "Terminated"]
    assert shown[("package", "Duration")] == [""]


# a test that never ends is a failure
GLib.timeout_add_seconds(60, lambda: sys.exit("timed out"))
main()
