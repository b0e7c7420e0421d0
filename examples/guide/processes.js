// processes.js: functions run in worker processes. Workers are C programs
// that register their functions: here the C example, processes.c, whose
// path is the first argument.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';
import System from 'system';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');

const runner = new Concurra.Runner({
    name: 'processes',
    verify_on_finish: false,
    execution_mode: Concurra.ExecutionMode.PROCESS,
    max_concurrency: 2,          // two warm workers
    worker_command: [System.programArgs[0]],
});

const squares = [1, 2, 3, 4, 5].map(i => runner.add_process_task(`square-${i}`, null,
    'square', new GLib.Variant('(x)', [i])));
const crash = runner.add_process_task('crash', null, 'crash', null);

await runner.run_async(null);

for (const task of squares) {
    if (task.execution_mode !== Concurra.ExecutionMode.PROCESS)
        throw new Error(`${task.label} did not run in a worker process`);
}
const total = squares.reduce((sum, task) => sum + task.get_value().unpack(), 0);
print(`sum of squares: ${total}`);
if (total !== 55)
    throw new Error('wrong sum');

if (!crash.get_error().matches(Concurra.Error, Concurra.Error.WORKER_CRASHED))
    throw new Error('the crash was not reported');
print(`crash: ${crash.error_message}`);
