// promisify.js: every asynchronous function of Concurra returning a promise.
// Gio._promisify() wraps each *_async() once, for the whole program; called
// without its callback, the function then returns a promise of what
// *_finish() returns.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');
Gio._promisify(Concurra.Task.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Concurra.TaskStream.prototype, 'next_async', 'next_finish');
Gio._promisify(Concurra, 'wait_async', 'wait_finish');
Gio._promisify(Concurra, 'gather_async', 'gather_finish');
Gio._promisify(Concurra, 'gather_keyed_async', 'gather_keyed_finish');
Gio._promisify(Concurra.LimitSet.prototype, 'acquire_async', 'acquire_finish');

const runner = new Concurra.Runner({name: 'promisify', verify_on_finish: false});
const reports = value => task => {  // a main-context task reporting @value
    task.return_int(value);
    return true;
};
const a = runner.add_main_context_task('a', null, reports(1));
const b = runner.add_main_context_task('b', ['a'], reports(2));

const results = await runner.run_async(null);            // {label: task}
const done = await a.wait_async(-1, null);               // true
const [first, index] = await Concurra.TaskStream.new([b, a]).next_async(-1, null);
const [all, notDone] = await Concurra.wait_async([a, b],
    Concurra.ReturnWhen.ALL_COMPLETED, -1, null);        // [done, not done]
const tasks = await Concurra.gather_async([a, b], Concurra.GatherFlags.NONE, -1, null);
const keyed = await Concurra.gather_keyed_async({x: a, y: b},
    Concurra.GatherFlags.NONE, -1, null);                // {key: task}

print(`results: ${Object.keys(results)}, done: ${done}, ` +
      `first: ${first.label} (#${index})`);
print(`wait: ${all.length} done, ${notDone.length} not done`);
print(`gather: ${tasks.map(t => t.get_value())}, ` +
      `keyed: x=${keyed.x.label} y=${keyed.y.label}`);
if (results.b !== b || !done || all.length !== 2 || notDone.length !== 0 ||
    tasks[1].get_value() !== 2 || keyed.y !== b)
    throw new Error('unexpected results');
