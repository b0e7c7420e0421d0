// performance.js: many small tasks; what a task costs to schedule.
// Main-context tasks run on the main thread: the runner's cost per task is
// what remains.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');

const N_TASKS = 20000;
const runner = new Concurra.Runner({
    name: 'performance',
    verify_on_finish: false,          // no 20 000-row report
    max_concurrency: 64,    // main-context tasks take no thread: allow many
});

const tiny = task => {
    task.return_value(null);  // success, nothing to store
    return true;
};

const start = GLib.get_monotonic_time();
for (let i = 0; i < N_TASKS; i++)
    runner.add_main_context_task(null, null, tiny);  // null label: the task's index
const added = GLib.get_monotonic_time();
const results = await runner.run_async(null);
const ran = GLib.get_monotonic_time();

print(`${N_TASKS} main-context tasks: ` +
    `add ${((added - start) / N_TASKS).toFixed(2)} us/task, ` +
    `run ${((ran - added) / N_TASKS).toFixed(2)} us/task`);
if (Object.keys(results).length !== N_TASKS || runner.n_completed !== N_TASKS ||
    runner.n_failed !== 0)
    throw new Error('not every task succeeded');
