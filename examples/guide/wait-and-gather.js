// wait-and-gather.js: tasks as futures — the first to finish, all of them
// in order, and each one as it completes, awaited on the main loop.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');
Gio._promisify(Concurra.TaskStream.prototype, 'next_async', 'next_finish');
Gio._promisify(Concurra, 'wait_async', 'wait_finish');
Gio._promisify(Concurra, 'gather_async', 'gather_finish');

function assert(condition, what) {
    if (!condition)
        throw new Error(`failed: ${what}`);
}

// A main-context task that reports @value, or an error, after @ms
// milliseconds.
const work = (ms, value) => task => {
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        if (value !== null)
            task.return_string(value);
        else
            task.return_error(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED,
                                             'no route to host'));
        return GLib.SOURCE_REMOVE;
    });
    return true;
};

const runner = new Concurra.Runner({name: 'futures', verify_on_finish: false,
                                    max_concurrency: 4});
const tasks = [['slow', 300, 'slow'], ['fast', 50, 'fast'], ['medium', 150, 'medium'],
    ['bad', 100, null]].map(([label, ms, value]) =>
    runner.add_main_context_task(label, null, work(ms, value)));
const run = runner.run_async(null);  // not awaited yet: the tasks run meanwhile

// The first of three to complete; a timeout (here none) is not an error.
const [done] = await Concurra.wait_async(tasks.slice(0, 3),
    Concurra.ReturnWhen.FIRST_COMPLETED, -1, null);
print(`first completed: ${done[0].label}`);
assert(done.length === 1 && done[0].label === 'fast', 'first completed');

// Every task in completion order.
const stream = Concurra.TaskStream.new(tasks);
for (;;) {
    // eslint-disable-next-line no-await-in-loop
    const [task, index] = await stream.next_async(-1, null);
    if (task === null)
        break;
    print(`completed: ${task.label} (input #${index})`);
}

// All results in input order; the failed task makes gather fail...
try {
    await Concurra.gather_async(tasks, Concurra.GatherFlags.NONE, -1, null);
    throw new Error('gather did not fail');
} catch (e) {
    assert(e.matches?.(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED), `${e}`);
    print(`gather: ${e.message}`);
}

// ...unless errors are returned with the other results.
const gathered = await Concurra.gather_async(tasks, Concurra.GatherFlags.RETURN_ERRORS,
                                             -1, null);
for (const task of gathered)
    print(`${task.label}: ${task.has_failed ? task.error_message : task.get_value()}`);
assert(gathered[2].get_value() === 'medium', 'input order');

await run;  // the run's end
