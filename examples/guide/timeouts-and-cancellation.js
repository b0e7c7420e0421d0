// timeouts-and-cancellation.js: a task that outlives its timeout, a task
// cancelled on its own, and a run aborted from outside.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');
Gio._promisify(Concurra.Task.prototype, 'wait_async', 'wait_finish');

function assert(condition, what) {
    if (!condition)
        throw new Error(`failed: ${what}`);
}

// A main-context task that works for @ms milliseconds (a timer stands in
// for real asynchronous work), and stops when the runner cancels the task.
function work(ms) {
    return (task, cancellable) => {
        const timer = GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
            cancellable.disconnect(handler);
            task.return_string('done');
            return GLib.SOURCE_REMOVE;
        });
        const handler = cancellable.connect(() => GLib.source_remove(timer));
        return true;  // started: the task reports later
    };
}

const runner = new Concurra.Runner({name: 'timeouts', verify_on_finish: false});
runner.timeout = 5;                     // the default for every task
const slow = runner.add_main_context_task('slow', null, work(10000));
slow.timeout = 0.2;                     // this one gets 200 ms
const quick = runner.add_main_context_task('quick', null, work(10));
const next = runner.add_main_context_task('next', ['slow'], work(10));

await runner.run_async(null);
assert(quick.status === Concurra.TaskStatus.SUCCESSFUL, 'quick');
assert(slow.status === Concurra.TaskStatus.TERMINATED, 'slow');
assert(slow.get_error().matches(Concurra.Error, Concurra.Error.TIMEOUT), 'timeout');
print(`slow: ${slow.error_message}`);
print(`next: ${next.error_message}`);

// While it runs: cancel one task, then abort the whole run.
const background = new Concurra.Runner({name: 'background', verify_on_finish: false});
const first = background.add_main_context_task('first', null, work(10000));
const second = background.add_main_context_task('second', null, work(10000));
const run = background.run_async(null);

assert(first.cancel(), 'cancel');
await first.wait_async(-1, null);
print(`first: ${first.error_message}`);

background.abort();
await run;
assert(second.get_error().matches(Concurra.Error, Concurra.Error.TERMINATED), 'abort');
print(`second: ${second.error_message}`);
