/* main-loop-gtk.vala: a run shown live in a GTK 4 window, from Vala: the
 * runner is a GLib.ListModel of its tasks, so a Gtk.ColumnView shows it as
 * it is, each cell following its task's notify signals, with a progress
 * bar and an Abort button. The main loop never waits.
 *
 *   valac --pkg gtk4 --pkg concurra-glib-1 main-loop-gtk.vala
 *   ./main-loop-gtk [--quit-when-done]
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

const string[,] STEPS = {  /* label, shell command, what it waits for */
    {"fetch", "sleep 0.3", ""},
    {"unpack", "sleep 0.4", "fetch"},
    {"lint", "sleep 0.2", "fetch"},
    {"build", "sleep 0.6", "unpack"},
    {"docs", "sleep 0.5", "unpack"},
    {"test", "sleep 0.3; echo '2 tests failed' >&2; exit 1", "build"},
    {"package", "sleep 0.2", "test docs"},
};
const string[] STATUS = {"Pending", "Running", "Successful", "Failed", "Terminated"};

delegate string CellText (Concurra.Task task);

/* "label/column" -> every text the cell showed, for the test */
HashTable<string, GenericArray<string>> shown;

string duration_text (Concurra.Task task) {
    if (task.status > Concurra.TaskStatus.RUNNING && task.attempts > 0)
        return Concurra.format_duration (task.duration);
    return "";
}

void show (Gtk.Label cell, string key, string text) {
    cell.label = text;
    var seen = shown[key] ?? new GenericArray<string> ();
    if (seen.length == 0 || seen[seen.length - 1] != text)
        seen.add (text);
    shown[key] = seen;
}

Gtk.ColumnViewColumn column (string title, owned CellText text,
                             owned string[] properties) {
    var factory = new Gtk.SignalListItemFactory ();
    var handlers = new HashTable<Gtk.ListItem, ulong?> (direct_hash, direct_equal);

    factory.setup.connect ((f, item) => {
        ((Gtk.ListItem) item).child = new Gtk.Label (null) { xalign = 0 };
    });
    factory.bind.connect ((f, object) => {
        var item = (Gtk.ListItem) object;
        var task = (Concurra.Task) item.item;
        var cell = (Gtk.Label) item.child;
        var key = task.label + "/" + title;
        handlers[item] = task.notify.connect ((t, pspec) => {
            if (pspec.name in properties)
                show (cell, key, text (task));
        });
        show (cell, key, text (task));
    });
    factory.unbind.connect ((f, object) => {
        var item = (Gtk.ListItem) object;
        item.item.disconnect (handlers[item]);
        handlers.remove (item);
    });
    return new Gtk.ColumnViewColumn (title, factory) { expand = true };
}

/* the texts a cell showed, the last @n of them (all when 0), joined */
string texts (string label, string title, int n = 0, string separator = " ") {
    var shown_texts = shown[label + "/" + title];
    if (shown_texts == null)   /* a row the view never showed */
        return "";
    var seen = shown_texts.data;
    return string.joinv (separator, n > 0 ? seen[int.max (0, seen.length - n):] : seen);
}

bool check () {
    /* the cells followed the run: each task was shown running, then done */
    foreach (var label in new string[] {"fetch", "unpack", "lint", "build", "docs"}) {
        if (texts (label, "Status", 2) != "Running Successful" ||
                !texts (label, "Duration", 1).has_suffix ("sec")) {
            printerr ("%s was not shown running, then successful\n", label);
            return false;
        }
    }
    if (texts ("test", "Status", 2) != "Running Failed" ||
            texts ("package", "Status") != "Pending Terminated" ||
            texts ("package", "Duration") != "") {
        printerr ("test or package were not shown as they ended\n");
        return false;
    }
    return true;
}

int main (string[] args) {
    Gtk.init ();
    shown = new HashTable<string, GenericArray<string>> (str_hash, str_equal);
    var runner = new Concurra.Runner ("build") { verify_on_finish = false };
    for (int i = 0; i < STEPS.length[0]; i++) {
        var depends_on = STEPS[i, 2] == "" ? null : STEPS[i, 2].split (" ");
        try {
            runner.add_shell_command (STEPS[i, 0], depends_on, STEPS[i, 1]);
        } catch (Error e) {
            error ("%s", e.message);
        }
    }

    var view = new Gtk.ColumnView (new Gtk.NoSelection (runner)) { vexpand = true };
    view.append_column (column ("Task", (task) => task.label, {}));
    view.append_column (column ("Status", (task) => STATUS[task.status], {"status"}));
    view.append_column (column ("Attempts", (task) => task.attempts.to_string (),
                                {"attempts"}));
    view.append_column (column ("Duration", duration_text, {"duration", "status"}));
    var bar = new Gtk.ProgressBar () { show_text = true, text = "starting" };
    var abort = new Gtk.Button.with_label ("Abort");
    abort.clicked.connect (() => runner.abort ());
    runner.progress.connect ((done, total) => {
        bar.fraction = (double) done / total;
        bar.text = "%u of %u done".printf (done, total);
    });

    var box = new Gtk.Box (Gtk.Orientation.VERTICAL, 6) {
        margin_top = 6, margin_bottom = 6, margin_start = 6, margin_end = 6
    };
    box.append (view);
    box.append (bar);
    box.append (abort);
    var window = new Gtk.Window () {
        title = "concurra-glib", default_width = 520, default_height = 340, child = box
    };
    var loop = new MainLoop ();
    window.close_request.connect (() => {
        loop.quit ();
        return false;
    });
    window.present ();

    int status = 0;
    runner.run_async.begin (null, (object, result) => {
        try {
            runner.run_async.end (result);
        } catch (Error e) {
            error ("%s", e.message);
        }
        abort.sensitive = false;
        uint succeeded = 0;
        for (uint i = 0; i < runner.get_n_items (); i++) {
            var task = (Concurra.Task) runner.get_item (i);
            succeeded += task.status == Concurra.TaskStatus.SUCCESSFUL ? 1 : 0;
        }
        bar.text = "%u of %u succeeded".printf (succeeded, runner.n_tasks);
        for (int i = 0; i < STEPS.length[0]; i++) {
            var label = STEPS[i, 0];
            var duration = texts (label, "Duration", 1);
            print ("%s: %s, %s\n", label, texts (label, "Status", 0, " -> "),
                   duration != "" ? duration : "never ran");
        }
        if ("--quit-when-done" in args) {
            status = check () ? 0 : 1;
            Timeout.add (500, () => {
                loop.quit ();
                return Source.REMOVE;
            });
        }
    });
    /* a test that never ends is a failure */
    Timeout.add_seconds (60, () => {
        printerr ("timed out\n");
        Process.exit (1);
    });
    loop.run ();
    return status;
}
