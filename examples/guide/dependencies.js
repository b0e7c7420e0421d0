// dependencies.js: a diamond of tasks, results passed along the edges, and
// the mistakes a runner refuses.
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

const runner = new Concurra.Runner({name: 'dependencies'});
const value = label => runner.get_task(label).get_value();

// fetch -> { count, shout } -> report. "report" names tasks that do not
// exist yet: forward references are fine until the run starts. Each
// function reports at once, then returns true to say it started.
runner.add_main_context_task('report', ['count', 'shout'], task => {
    task.return_string(`${value('shout')} (${value('count')} words)`);
    return true;
});
runner.add_main_context_task('fetch', null, task => {
    task.return_string('the quick brown fox');
    return true;
});
runner.add_main_context_task('count', ['fetch'], task => {
    task.return_int(value('fetch').split(' ').length);
    return true;
});
runner.add_main_context_task('shout', ['fetch'], task => {
    task.return_string(value('fetch').toUpperCase());
    return true;
});

const order = [];
runner.connect('task-finished', (_runner, task) => order.push(task.label));
await runner.run_async(null);

print(`finished: ${order.join(' ')}`);
assert(order[0] === 'fetch' && order.at(-1) === 'report', 'order');
print(`report: ${value('report')}`);
assert(value('report') === 'THE QUICK BROWN FOX (4 words)', 'report');

// Mistakes are errors that name the labels, and nothing is added.
const broken = new Concurra.Runner({name: 'broken'});
const nothing = task => {
    task.return_value(null);
    return true;
};
broken.add_main_context_task('a', ['b'], nothing);
for (const [label, dependsOn, code] of [['a', null, Concurra.Error.DUPLICATE_LABEL],
    ['b', ['a'], Concurra.Error.CYCLE]]) {
    try {
        broken.add_main_context_task(label, dependsOn, nothing);
        throw new Error('no error');
    } catch (e) {
        assert(e instanceof GLib.Error && e.matches(Concurra.Error, code), `${e}`);
        print(e.message);
    }
}

// "b" was never added: the run refuses to start and nothing runs.
try {
    await broken.run_async(null);
    throw new Error('no error');
} catch (e) {
    assert(e.matches?.(Concurra.Error, Concurra.Error.UNKNOWN_DEPENDENCY), `${e}`);
    print(e.message);
}
