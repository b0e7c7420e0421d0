// main-loop-gtk.js: a run shown live in a GTK 4 window, from GJS: the
// runner is a Gio.ListModel of its tasks, so a Gtk.ColumnView shows it as
// it is, each cell following its task's notify signals, with a progress
// bar and an Abort button. The main loop never waits.
//
//   gjs -m main-loop-gtk.js [--quit-when-done]
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gtk from 'gi://Gtk?version=4.0';
import Concurra from 'gi://Concurra?version=1';
import System from 'system';

const STEPS = [  // label, shell command, what it waits for
    ['fetch', 'sleep 0.3', null],
    ['unpack', 'sleep 0.4', ['fetch']],
    ['lint', 'sleep 0.2', ['fetch']],
    ['build', 'sleep 0.6', ['unpack']],
    ['docs', 'sleep 0.5', ['unpack']],
    ['test', "sleep 0.3; echo '2 tests failed' >&2; exit 1", ['build']],
    ['package', 'sleep 0.2', ['test', 'docs']],
];
const S = Concurra.TaskStatus;
const STATUS = {
    [S.PENDING]: 'Pending', [S.RUNNING]: 'Running', [S.SUCCESSFUL]: 'Successful',
    [S.FAILED]: 'Failed', [S.TERMINATED]: 'Terminated',
};
const COLUMNS = [  // title, the cell's text, the properties it follows
    ['Task', task => task.label, []],
    ['Status', task => STATUS[task.status], ['status']],
    ['Attempts', task => `${task.attempts}`, ['attempts']],
    ['Duration', task => task.status > S.RUNNING && task.attempts > 0
        ? Concurra.format_duration(task.duration) : '', ['duration', 'status']],
];
const shown = new Map();  // "label/column" -> every text the cell showed

function column(title, text, properties) {
    const factory = new Gtk.SignalListItemFactory();
    const handlers = new Map();

    factory.connect('setup', (f, item) => item.set_child(new Gtk.Label({xalign: 0})));
    factory.connect('bind', (f, item) => {
        const task = item.get_item(), cell = item.get_child();
        const update = () => {
            cell.set_text(text(task));
            const key = `${task.label}/${title}`;
            const seen = shown.get(key) ?? [];
            if (seen[seen.length - 1] !== cell.get_text())
                seen.push(cell.get_text());
            shown.set(key, seen);
        };
        handlers.set(item, properties.map(p => task.connect(`notify::${p}`, update)));
        update();
    });
    factory.connect('unbind', (f, item) => {
        for (const handler of handlers.get(item))
            item.get_item().disconnect(handler);
        handlers.delete(item);
    });
    return new Gtk.ColumnViewColumn({title, factory, expand: true});
}

function check() {
    // the cells followed the run: each task was shown running, then done
    const last = (label, title, n) => shown.get(`${label}/${title}`).slice(-n).join(' ');
    for (const label of ['fetch', 'unpack', 'lint', 'build', 'docs']) {
        if (last(label, 'Status', 2) !== 'Running Successful' ||
                !last(label, 'Duration', 1).endsWith('sec'))
            throw new Error(`${label} was not shown running, then successful`);
    }
    if (last('test', 'Status', 2) !== 'Running Failed' ||
            last('package', 'Status', 2) !== 'Pending Terminated')
        throw new Error('test or package were not shown as they ended');
}

Gtk.init();
const runner = new Concurra.Runner({name: 'build', verify_on_finish: false});
for (const [label, command, dependsOn] of STEPS)
    runner.add_shell_command(label, dependsOn, command);

const model = new Gtk.NoSelection({model: runner});
const view = new Gtk.ColumnView({model, vexpand: true});
for (const [title, text, properties] of COLUMNS)
    view.append_column(column(title, text, properties));
const bar = new Gtk.ProgressBar({show_text: true, text: 'starting'});
const abort = new Gtk.Button({label: 'Abort'});
abort.connect('clicked', () => runner.abort());
runner.connect('progress', (r, done, total) => {
    bar.set_fraction(done / total);
    bar.set_text(`${done} of ${total} done`);
});

const box = new Gtk.Box({orientation: Gtk.Orientation.VERTICAL, spacing: 6, margin_top: 6,
    margin_bottom: 6, margin_start: 6, margin_end: 6});
for (const child of [view, bar, abort])
    box.append(child);
const window = new Gtk.Window({title: 'concurra-glib', default_width: 520,
    default_height: 340, child: box});
const loop = new GLib.MainLoop(null, false);
window.connect('close-request', () => loop.quit());
window.present();

let status = 0;
runner.run_async(null, (r, result) => {
    runner.run_finish(result);
    abort.set_sensitive(false);
    let succeeded = 0;
    for (let i = 0; i < runner.get_n_items(); i++)
        succeeded += runner.get_item(i).status === S.SUCCESSFUL ? 1 : 0;
    bar.set_text(`${succeeded} of ${runner.n_tasks} succeeded`);
    for (const [label] of STEPS) {
        const duration = shown.get(`${label}/Duration`).slice(-1)[0] || 'never ran';
        print(`${label}: ${shown.get(`${label}/Status`).join(' -> ')}, ${duration}`);
    }
    if (ARGV.includes('--quit-when-done')) {
        try {
            check();
        } catch (e) {
            printerr(e.message);
            status = 1;
        }
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, 500, () => loop.quit());
    }
});
// a test that never ends is a failure
GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 60, () => {
    printerr('timed out');
    System.exit(1);
});
loop.run();
System.exit(status);
