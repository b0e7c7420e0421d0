// test-async-ergonomics.js: the asynchronous API of Concurra from GJS, as
// promises: `await runner.run_async(null)`, `await Concurra.gather_async()`
// and the others resolve to what their _finish() functions return, reject
// with the GLib.Error they set, and can be awaited concurrently.
//
// Run by meson (suite 'bindings') with GI_TYPELIB_PATH and LD_LIBRARY_PATH
// pointing at build/concurra-glib:  gjs -m test-async-ergonomics.js
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';
import System from 'system';

import {assert, assertEq, assertRejects, runTests} from './tap.js';

const ASYNC_FUNCTIONS = [
    [Concurra.Runner.prototype, 'run_async', 'run_finish'],
    [Concurra.Task.prototype, 'wait_async', 'wait_finish'],
    [Concurra.TaskStream.prototype, 'next_async', 'next_finish'],
    [Concurra, 'wait_async', 'wait_finish'],
    [Concurra, 'gather_async', 'gather_finish'],
    [Concurra, 'gather_keyed_async', 'gather_keyed_finish'],
];
for (const [object, asyncName, finishName] of ASYNC_FUNCTIONS)
    Gio._promisify(object, asyncName, finishName);

const S = Concurra.TaskStatus;
const NONE = Concurra.GatherFlags.NONE;
const RETURN_ERRORS = Concurra.GatherFlags.RETURN_ERRORS;

const sleep = ms => new Promise(resolve => {
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    });
});

function newRunner(name, props = {}) {
    return new Concurra.Runner({name, verify_on_finish: false, max_concurrency: 4, ...props});
}

// A main-context task reporting @value (a string, or an Error to fail)
// after @ms: its function starts a JS async function and returns true; the
// task stops when it is cancelled.
function later(ms, value) {
    const report = async (task, cancellable) => {
        await sleep(ms);
        if (cancellable.is_cancelled())
            return;
        if (value instanceof Error)
            task.return_error(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, value.message));
        else
            task.return_string(value);
    };
    return (task, cancellable) => {
        report(task, cancellable).catch(logError);
        return true;
    };
}

// A main-context task reporting @value at once.
const now = value => task => {
    task.return_int(value);
    return true;
};

async function testRunAsync() {
    const runner = newRunner('run');
    runner.add_main_context_task('a', null, later(20, 'A'));
    runner.add_main_context_task('b', ['a'], now(7));

    const promise = runner.run_async(null);
    assert(promise instanceof Promise, 'run_async(null) returns a promise');
    assert(runner.is_running(), 'running while the promise is pending');
    const results = await promise;
    assertEq(Object.keys(results).sort(), ['a', 'b'], 'resolves to {label: task}');
    assert(results.a instanceof Concurra.Task, 'values are tasks');
    assert(results.a === runner.get_task('a'), 'the same wrappers');
    assertEq(results.a.get_value(), 'A', 'async function task value');
    assertEq(results.b.get_value(), 7, 'int64 value as a number');
    assertEq(runner.state, Concurra.RunnerState.FINISHED, 'finished');

    await assertRejects(runner.run_async(null), Concurra.Error,
        Concurra.Error.ALREADY_STARTED, 'second run');

    const unknown = newRunner('unknown');
    unknown.add_main_context_task('x', ['missing'], now(1));
    const e = await assertRejects(unknown.run_async(null), Concurra.Error,
        Concurra.Error.UNKNOWN_DEPENDENCY, 'unknown dependency');
    assert(e.message.includes("'missing'"), 'message names the label');

    const failing = newRunner('raise', {raise_on_failure: true});
    failing.add_main_context_task('bad', null, later(1, new Error('boom')));
    await assertRejects(failing.run_async(null), Concurra.Error,
        Concurra.Error.TASKS_FAILED, 'raise-on-failure');
    assertEq(failing.get_task('bad').status, S.FAILED, 'task still readable');
}

async function testCallbackStyleStillWorks() {
    const runner = newRunner('callback');
    runner.add_main_context_task('a', null, task => {
        task.return_string('A');
        return true;
    });
    const results = await new Promise((resolve, reject) => {
        runner.run_async(null, (source, res) => {
            try {
                resolve(source.run_finish(res));
            } catch (e) {
                reject(e);
            }
        });
    });
    assertEq(results.a.get_value(), 'A', 'callback style');
}

async function testGatherAsync() {
    const runner = newRunner('gather');
    const tasks = [
        runner.add_main_context_task('slow', null, later(80, 'slow')),
        runner.add_main_context_task('fast', null, later(10, 'fast')),
        runner.add_main_context_task('medium', null, later(40, 'medium')),
    ];
    const bad = runner.add_main_context_task('bad', null, later(20, new Error('no route')));
    const run = runner.run_async(null);

    const promise = Concurra.gather_async(tasks, NONE, -1, null);
    assert(promise instanceof Promise, 'gather_async returns a promise');
    const gathered = await promise;
    assert(Array.isArray(gathered), 'resolves to an array');
    assertEq(gathered.map(t => t.get_value()), ['slow', 'fast', 'medium'], 'input order');
    assert(gathered[0] === tasks[0], 'the same task objects');

    const e = await assertRejects(Concurra.gather_async([tasks[0], bad], NONE, -1, null),
        Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, 'failed task');
    assertEq(e.message, "Task 'bad' failed: no route", 'message');

    const all = await Concurra.gather_async([bad, tasks[1]], RETURN_ERRORS, -1, null);
    assertEq(all.map(t => t.has_failed), [true, false], 'RETURN_ERRORS');
    assertEq(await Concurra.gather_async([], NONE, -1, null), [], 'empty');

    const keyed = await Concurra.gather_keyed_async({s: tasks[0], f: tasks[1]}, NONE, -1, null);
    assertEq(Object.keys(keyed).sort(), ['f', 's'], 'keyed: the same keys');
    assert(keyed.s === tasks[0] && keyed.f === tasks[1], 'keyed: the tasks');

    const results = await run;
    assertEq(Object.keys(results).length, 4, 'the run ends too');
}

async function testGatherTimeoutAndCancel() {
    const runner = newRunner('timeout');
    const slow = runner.add_main_context_task('slow', null, later(1000, 'slow'));
    const run = runner.run_async(null);

    const e = await assertRejects(Concurra.gather_async([slow], NONE, 0.05, null),
        Concurra.Error, Concurra.Error.TIMEOUT, 'gather timeout');
    assert(e.message.includes('0.05'), `timeout message: ${e.message}`);

    const cancellable = new Gio.Cancellable();
    const gathering = Concurra.gather_async([slow], NONE, -1, cancellable);
    GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
        cancellable.cancel();
        return GLib.SOURCE_REMOVE;
    });
    await assertRejects(gathering, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'gather cancelled');

    assertEq(await slow.wait_async(-1, null), true, 'task wait_async resolves to true');
    assert(slow.is_done(), 'the task is done');
    await run;
}

async function testWaitAsync() {
    const runner = newRunner('wait');
    // slow starts once fast is done: fast completes first whatever the load
    const slow = runner.add_main_context_task('slow', ['fast'], later(500, 'slow'));
    const fast = runner.add_main_context_task('fast', null, later(10, 'fast'));
    const run = runner.run_async(null);

    const [done, notDone] = await Concurra.wait_async([slow, fast],
        Concurra.ReturnWhen.FIRST_COMPLETED, -1, null);
    assertEq(done.map(t => t.label), ['fast'], 'FIRST_COMPLETED: done');
    assertEq(notDone.map(t => t.label), ['slow'], 'FIRST_COMPLETED: not done');

    // a timeout is not an error
    const [done2, notDone2] = await Concurra.wait_async([slow],
        Concurra.ReturnWhen.ALL_COMPLETED, 0.01, null);
    assertEq([done2.length, notDone2.length], [0, 1], 'timeout leaves not_done');

    await assertRejects(slow.wait_async(0.01, null), Concurra.Error,
        Concurra.Error.TIMEOUT, 'task wait timeout');
    assertEq(await slow.wait_async(-1, null), true, 'task wait');
    await run;
}

async function testStream() {
    const runner = newRunner('stream');
    // completion order a, b, c (each depends on the one before), input c, a, b
    const tasks = [
        runner.add_main_context_task('c', ['b'], later(10, 'c')),
        runner.add_main_context_task('a', null, later(10, 'a')),
        runner.add_main_context_task('b', ['a'], later(10, 'b')),
    ];
    const run = runner.run_async(null);
    const stream = Concurra.TaskStream.new(tasks);
    const seen = [];
    for (;;) {
        // eslint-disable-next-line no-await-in-loop
        const [task, index] = await stream.next_async(-1, null);
        if (task === null)
            break;
        assert(tasks[index] === task, 'index is the input position');
        seen.push(task.label);
    }
    assertEq(seen, ['a', 'b', 'c'], 'completion order');
    assertEq(stream.n_completed, 3, 'n-completed');
    await run;
}

// The run and the waits all pending at once, on the one main loop.
async function testConcurrentAwaits() {
    const runner = newRunner('concurrent');
    const tasks = [];
    for (let i = 0; i < 20; i++)
        tasks.push(runner.add_main_context_task(`t${i}`, i ? [`t${i - 1}`] : null,
            later(1, `${i}`)));
    const [results, gathered, [done], last] = await Promise.all([
        runner.run_async(null),
        Concurra.gather_async(tasks, NONE, -1, null),
        Concurra.wait_async(tasks, Concurra.ReturnWhen.ALL_COMPLETED, -1, null),
        tasks.at(-1).wait_async(-1, null),
    ]);
    assertEq(Object.keys(results).length, 20, 'run');
    assertEq(gathered.map(t => t.get_value()).join(','),
        [...Array(20).keys()].join(','), 'gather');
    assertEq(done.length, 20, 'wait');
    assert(last, 'task wait');
}

const TESTS = [
    ['await runner.run_async(null)', testRunAsync],
    ['callback style next to promises', testCallbackStyleStillWorks],
    ['await Concurra.gather_async / gather_keyed_async', testGatherAsync],
    ['gather_async timeout and cancellation', testGatherTimeoutAndCancel],
    ['await Concurra.wait_async and task.wait_async', testWaitAsync],
    ['await stream.next_async', testStream],
    ['concurrent awaits', testConcurrentAwaits],
];

const failures = await runTests(TESTS);
System.exit(failures ? 1 : 0);
