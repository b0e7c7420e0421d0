// overview.js: the smallest pipeline, two tasks where one waits for the other.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');

const runner = new Concurra.Runner({name: 'overview'});

// JavaScript functions run on the main thread: add them as main-context
// tasks. The function starts the work and returns true; the task reports
// its outcome with task.return_*(), now or later.
runner.add_main_context_task('greet', null, task => {
    task.return_string('Hello, world');
    return true;
});
runner.add_main_context_task('answer', ['greet'], task => {
    task.return_int(42);
    return true;
});

// Resolves once every task has its final status: {label: Concurra.Task}.
const results = await runner.run_async(null);

if (results.greet.status !== Concurra.TaskStatus.SUCCESSFUL)
    throw new Error('greet failed');
print(`greet: ${results.greet.get_value()}`);
if (results.answer.get_value() !== 42)
    throw new Error('wrong answer');
print(`answer: ${results.answer.get_value()}`);
print(runner.format_report());
