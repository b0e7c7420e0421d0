// errors-and-retries.js: a flaky task retried until it succeeds, a broken
// one that fails, and the task that depended on it skipped.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');

function assert(condition, what) {
    if (!condition)
        throw new Error(`failed: ${what}`);
}

let calls = 0;
function flaky(task) {
    calls++;
    if (calls < 3) {
        task.return_error(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.BUSY,
            `server busy (call ${calls})`));
    } else {
        task.return_string('data');
    }
    return true;
}

function broken(task) {
    // Thrown before the function returns, the error fails the task; thrown
    // later, from a callback of the work, it would not reach the runner:
    // report it with return_error() there.
    throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND,
        'config.ini is missing');
}

const runner = new Concurra.Runner({name: 'errors', verify_on_finish: false,
                                    retry_delay: 0.01});
runner.add_main_context_task('flaky', null, flaky).retries = 3;
runner.add_main_context_task('broken', null, broken);
runner.add_main_context_task('publish', ['broken'], task => {
    task.return_boolean(true);
    return true;
});
runner.connect('task-retrying', (_runner, task, attempt, error) =>
    print(`retrying ${task.label}: attempt ${attempt} failed: ${error.message}`));

// A failed task is not an error of the run: read it from the task.
const results = await runner.run_async(null);

const flakyTask = results.flaky;
assert(flakyTask.status === Concurra.TaskStatus.SUCCESSFUL, 'flaky status');
assert(flakyTask.attempts === 3, 'flaky attempts');
const retryErrors = flakyTask.get_retry_errors();
assert(retryErrors.length === 2, 'retry errors');
print(`flaky: ${flakyTask.get_value()} after ${flakyTask.attempts} attempts; ` +
    `first error: ${retryErrors[0]}`);

const brokenTask = results.broken;
assert(brokenTask.status === Concurra.TaskStatus.FAILED, 'broken status');
assert(brokenTask.get_error().matches(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND),
       'broken error');
print(`broken: ${brokenTask.error_message}`);

const publishTask = results.publish;
assert(publishTask.status === Concurra.TaskStatus.TERMINATED, 'publish status');
assert(publishTask.get_error().matches(Concurra.Error, Concurra.Error.DEPENDENCY_FAILED),
    'publish error');
print(`publish: ${publishTask.error_message}`);

// The failed tasks are counted; format_report() tabulates every task.
assert(runner.n_failed === 2, 'n_failed');
print(`${runner.n_failed} of ${runner.n_tasks} tasks failed`);
print(runner.format_report());

// verify() logs the report and fails when any task did.
try {
    runner.verify();
    throw new Error('verify() passed');
} catch (e) {
    assert(e.matches(Concurra.Error, Concurra.Error.TASKS_FAILED), `verify error: ${e}`);
    print(`verify: ${e.message}`);
}
