// main-loop.js: running tasks from an application's main loop, which stays
// free: progress arrives as signals, and tasks start async functions that
// await other asynchronous work.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');

const sleep = ms => new Promise(resolve => {
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    });
});

// An async JS function as the work of a task: it awaits, then reports its
// outcome; errors it throws are reported too, instead of leaving the task
// hanging.
async function work(task, number) {
    try {
        await sleep(100);  // stands for a D-Bus call, a download...
        task.return_int(number);
    } catch (e) {
        task.return_error(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED,
                                         `${e}`));
    }
}

// The task's function starts the work and returns true: it has started.
const part = number => task => {
    work(task, number);
    return true;
};

const runner = new Concurra.Runner({name: 'main-loop', verify_on_finish: false,
                                    max_concurrency: 2});
for (let i = 1; i <= 4; i++)
    runner.add_main_context_task(`part-${i}`, null, part(i));

let progress = 0;
runner.connect('progress', (_runner, completed, total) => {
    print(`progress: ${completed}/${total}`);
    progress = completed;
});
let ticks = 0;
const tick = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10, () => {
    ticks++;  // e.g. a spinner being animated
    return GLib.SOURCE_CONTINUE;
});

await runner.run_async(null);
GLib.source_remove(tick);

let total = 0;
for (let i = 0; i < runner.get_n_items(); i++)  // a Gio.ListModel of tasks
    total += runner.get_item(i).get_value();
print(`total ${total}, ${ticks} ticks of the main loop meanwhile`);
if (total !== 10 || progress !== 4 || ticks <= 5)
    throw new Error('unexpected outcome');
