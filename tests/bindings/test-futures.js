// Futures from GJS: Concurra.wait / gather / gather_keyed and their
// promisified _async forms, Task.wait / cancel / "completed", and
// Concurra.TaskStream (next, next_async, signals, GListModel) (issue 5).
//
// Run by meson (suite 'bindings') with GI_TYPELIB_PATH and LD_LIBRARY_PATH
// pointing at build/concurra-glib:  gjs -m test-futures.js
//
// JS functions cannot run on worker threads, so the tasks here are
// main-context tasks (Runner.add_main_context_task): their function is
// called on the runner's owner context (this thread, after run_async) and
// the task ends when the test "opens its gate" by calling task.return_*(). Synchronous calls made
// from this thread iterate that context, so gates can also be opened from
// GLib timeouts while a sync wait blocks.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';
import System from 'system';

import {assert, assertEq, assertSame, assertRejects, assertThrows, runTests} from './tap.js';

Gio._promisify(Concurra, 'wait_async', 'wait_finish');
Gio._promisify(Concurra, 'gather_async', 'gather_finish');
Gio._promisify(Concurra, 'gather_keyed_async', 'gather_keyed_finish');
Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');
Gio._promisify(Concurra.Task.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Concurra.TaskStream.prototype, 'next_async', 'next_finish');

const S = Concurra.TaskStatus;
const RW = Concurra.ReturnWhen;
const NONE = Concurra.GatherFlags.NONE;
const RETURN_ERRORS = Concurra.GatherFlags.RETURN_ERRORS;
const LONG = 30;

// Resolves after the default main context ran for a while.
function idle() {
    return new Promise(resolve => GLib.idle_add(GLib.PRIORITY_LOW, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
}

// A task body the test ends by opening its gate.
class Gate {
    constructor(value, fail = false) {
        this.value = value;
        this.fail = fail;
        this.task = null;
        this.opened = false;
        this.sawCancel = false;
        this.func = (task, cancellable) => {
            this.task = task;
            cancellable.connect(() => (this.sawCancel = true));
            if (this.opened)
                this._report();
            return true;
        };
    }

    open() {
        this.opened = true;
        if (this.task)
            this._report();
    }

    _report() {
        if (this.fail) {
            this.task.return_error(new GLib.Error(Gio.IOErrorEnum,
                Gio.IOErrorEnum.FAILED, `boom-${this.value}`));
        } else {
            this.task.return_int(this.value);
        }
    }
}

function newRunner(name) {
    const runner = new Concurra.Runner({name});
    runner.verify_on_finish = false;
    runner.max_concurrency = 8;
    return runner;
}

// One main-context task per label, gated; returns [tasks, gates].
function gated(runner, labels, failing = []) {
    const tasks = [], gates = [];
    labels.forEach((label, i) => {
        const gate = new Gate(100 + i, failing.includes(label));
        tasks.push(runner.add_main_context_task(label, null, gate.func));
        gates.push(gate);
    });
    return [tasks, gates];
}

async function finish(runPromise, gates) {
    gates.forEach(g => g.open());
    await runPromise;
}

// --- wait ------------------------------------------------------------------

async function testRaceThreeMirrors() {
    const runner = newRunner('gjs-mirrors');
    const [mirrors, gates] = gated(runner, ['mirror-a', 'mirror-b', 'mirror-c']);
    const run = runner.run_async(null);
    // all three must be running before the race, so that both losers
    // are cancelled while running rather than before they started
    while (gates.some(g => g.task === null))
        await idle();

    const race = Concurra.wait_async(mirrors, RW.FIRST_COMPLETED, -1, null);
    gates[1].open();
    const [done, notDone] = await race;
    assertSame(done, [mirrors[1]], 'the fastest mirror is done');
    assertSame(notDone, [mirrors[0], mirrors[2]], 'the losers are not');
    assertEq(Number(done[0].get_value()), 101, 'winner value');

    for (const loser of notDone)
        assert(loser.cancel(), `cancel ${loser.label}`);
    assert(!mirrors[1].cancel(), 'cancelling the winner does nothing');
    const [cancelled, rest] = await Concurra.wait_async(notDone,
        RW.ALL_COMPLETED, LONG, null);
    assertSame(cancelled, notDone, 'losers done after cancel');
    assertSame(rest, [], 'nothing left');
    for (const loser of notDone) {
        assertEq(loser.status, S.TERMINATED, `${loser.label} terminated`);
        assert(loser.get_error().matches(Concurra.Error, Concurra.Error.TERMINATED),
            `${loser.label}: TERMINATED error`);
        assertEq(loser.error_message, 'Task was cancelled', 'cancel message');
    }
    assert(gates[0].sawCancel && gates[2].sawCancel, 'losers saw their cancellable');
    await run;
    assertEq(runner.state, Concurra.RunnerState.FINISHED, 'runner finished');
}

async function testWaitReturnWhenAndTimeout() {
    const runner = newRunner('gjs-return-when');
    const [tasks, gates] = gated(runner, ['a', 'b', 'c'], ['b']);
    const run = runner.run_async(null);

    let [done, notDone] = await Concurra.wait_async(tasks, RW.ALL_COMPLETED, 0.1, null);
    assertSame(done, [], 'timeout: nothing done');
    assertSame(notDone, tasks, 'timeout: all in not_done');

    gates[2].open();
    [done, notDone] = await Concurra.wait_async(tasks, RW.FIRST_COMPLETED, LONG, null);
    assertSame(done, [tasks[2]], 'FIRST_COMPLETED');
    [done, notDone] = await Concurra.wait_async(tasks, RW.FIRST_EXCEPTION, 0.05, null);
    assertSame(notDone, [tasks[0], tasks[1]], 'FIRST_EXCEPTION waits past a success');

    const exception = Concurra.wait_async(tasks, RW.FIRST_EXCEPTION, LONG, null);
    gates[1].open();
    [done, notDone] = await exception;
    assertSame(done, [tasks[1], tasks[2]], 'FIRST_EXCEPTION returns on the failure');
    assertSame(notDone, [tasks[0]], 'the rest still pending');

    // empty list and duplicates
    [done, notDone] = await Concurra.wait_async([], RW.ALL_COMPLETED, -1, null);
    assertSame(done, [], 'empty: done');
    assertSame(notDone, [], 'empty: not_done');
    [done, notDone] = await Concurra.wait_async([tasks[2], tasks[0], tasks[2]],
        RW.FIRST_COMPLETED, LONG, null);
    assertSame(done, [tasks[2]], 'duplicates listed once');
    assertSame(notDone, [tasks[0]], 'duplicates: not_done');

    await finish(run, gates);
}

async function testTaskWaitAndCompleted() {
    const runner = newRunner('gjs-task-wait');
    const [tasks, gates] = gated(runner, ['a']);
    const seen = [];
    tasks[0].connect('completed', t => seen.push([t.label, t.status]));
    const run = runner.run_async(null);

    await assertRejects(tasks[0].wait_async(0.05, null), Concurra.Error,
        Concurra.Error.TIMEOUT, 'task wait_async timeout');
    const cancellable = new Gio.Cancellable();
    const waiting = tasks[0].wait_async(-1, cancellable);
    cancellable.cancel();
    await assertRejects(waiting, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED,
        'task wait_async cancelled');
    assert(!tasks[0].is_done(), 'not done yet');

    const ok = tasks[0].wait_async(-1, null);
    gates[0].open();
    assertEq(await ok, true, 'wait_async resolves true');
    assertEq(seen, [['a', S.SUCCESSFUL]], 'completed emitted once, status final');
    assert(tasks[0].wait(0, null), 'sync wait on a done task');
    await run;
}

// --- gather ----------------------------------------------------------------

async function testGather() {
    const runner = newRunner('gjs-gather');
    const [tasks, gates] = gated(runner, ['fetch', 'parse', 'slow', 'lint'], ['parse']);
    const run = runner.run_async(null);

    await assertRejects(Concurra.gather_async(tasks, NONE, 0.05, null),
        Concurra.Error, Concurra.Error.TIMEOUT, 'gather timeout');

    gates[0].open();
    const failing = Concurra.gather_async(tasks, NONE, -1, null);
    gates[1].open();
    const e = await assertRejects(failing, Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED,
        'gather fails with the task error');
    assertEq(e.message, "Task 'parse' failed: boom-101",
        'the message names the label');
    assert(!tasks[2].is_done(), 'returned at the first failure');

    const all = Concurra.gather_async(tasks, RETURN_ERRORS, -1, null);
    gates[3].open();
    gates[2].open();
    const gathered = await all;
    assertSame(gathered, tasks, 'RETURN_ERRORS: all, in input order');
    assertEq(gathered.map(t => t.status),
        [S.SUCCESSFUL, S.FAILED, S.SUCCESSFUL, S.SUCCESSFUL], 'statuses');
    assertEq([0, 2, 3].map(i => Number(gathered[i].get_value())), [100, 102, 103],
        'values');
    assertSame(await Concurra.gather_async([], NONE, -1, null), [], 'empty gather');
    assertSame(await Concurra.gather_async([tasks[3], tasks[0], tasks[3]],
        NONE, -1, null), [tasks[3], tasks[0], tasks[3]], 'one entry per position');
    await run;
}

async function testGatherKeyed() {
    const runner = newRunner('gjs-keyed');
    const [tasks, gates] = gated(runner, ['get-users', 'get-posts', 'get-comments'],
        ['get-posts']);
    const run = runner.run_async(null);
    const table = {users: tasks[0], posts: tasks[1], comments: tasks[2]};

    await assertRejects(Concurra.gather_keyed_async(table, NONE, 0.05, null),
        Concurra.Error, Concurra.Error.TIMEOUT, 'keyed timeout');
    gates[1].open();
    const e = await assertRejects(Concurra.gather_keyed_async(table, NONE, -1, null),
        Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, 'keyed failure');
    assertEq(e.message, "Task 'get-posts' failed: boom-101",
        'keyed failure names the label');

    gates[0].open();
    gates[2].open();
    const result = await Concurra.gather_keyed_async(table, RETURN_ERRORS, -1, null);
    assertEq(Object.keys(result).sort(), ['comments', 'posts', 'users'], 'same keys');
    for (const key of Object.keys(table))
        assert(result[key] === table[key], `key ${key} keeps its task`);
    assertEq(Number(result.users.get_value()), 100, 'users value');
    await run;
}

// --- the stream ------------------------------------------------------------

async function testStream() {
    const runner = newRunner('gjs-stream');
    const [tasks, gates] = gated(runner, ['a', 'b', 'c', 'd']);
    const run = runner.run_async(null);
    const stream = Concurra.TaskStream.new(tasks);
    assertEq(stream.get_n_tasks(), 4, 'n-tasks');

    const completed = [], progress = [], changes = [];
    stream.connect('task-completed', (s, index, task) => completed.push([index, task.label]));
    stream.connect('progress', (s, done, total) => progress.push([done, total]));
    stream.connect('items-changed', (m, pos, removed, added) =>
        changes.push([pos, removed, added, m.get_n_items()]));

    const order = [2, 0, 3, 1];
    for (const i of order) {
        const next = stream.next_async(LONG, null);
        gates[i].open();
        // eslint-disable-next-line no-await-in-loop
        const [task, index] = await next;
        assert(task === tasks[i], `next is ${tasks[i].label}`);
        assertEq(index, i, 'its input index');
    }
    const [end] = await stream.next_async(LONG, null);
    assert(end === null, 'exhausted: null without error');
    await idle();

    assertEq(completed, order.map(i => [i, tasks[i].label]), 'task-completed order');
    assertEq(progress, [[1, 4], [2, 4], [3, 4], [4, 4]], 'progress (done, total)');
    assertEq(changes, [[0, 0, 1, 1], [1, 0, 1, 2], [2, 0, 1, 3], [3, 0, 1, 4]],
        'items-changed as the model grows');
    assertEq(stream.get_n_items(), 4, 'model size');
    assertSame([0, 1, 2, 3].map(k => stream.get_item(k)), order.map(i => tasks[i]),
        'model in completion order');
    assertEq(stream.get_n_completed(), 4, 'n-completed');
    await run;
}

async function testStreamKeyedAndTimeout() {
    const runner = newRunner('gjs-stream-keyed');
    const [tasks, gates] = gated(runner, ['x', 'y', 'z']);
    const run = runner.run_async(null);
    const table = {users: tasks[0], posts: tasks[1], comments: tasks[2]};
    const stream = Concurra.TaskStream.new_keyed(table);

    await assertRejects(stream.next_async(0.05, null), Concurra.Error,
        Concurra.Error.TIMEOUT, 'next_async timeout');
    assertThrows(() => stream.next(0.05, null), Concurra.Error,
        Concurra.Error.TIMEOUT, 'sync next timeout');

    const keys = [];
    for (const i of [1, 2, 0]) {
        const next = stream.next_async(LONG, null);
        gates[i].open();
        // eslint-disable-next-line no-await-in-loop
        const [task, index] = await next;
        const key = stream.get_key(index);
        assert(table[key] === task, `key ${key} maps to its task`);
        keys.push(key);
    }
    assertEq(keys, ['posts', 'comments', 'users'], 'keys in completion order');
    await run;
}

// --- synchronous calls from the thread that runs the runner's context ------

async function testSyncFromOwnerThread() {
    const runner = newRunner('gjs-owner');
    const [tasks, gates] = gated(runner, ['a', 'b', 'c']);
    const stream = Concurra.TaskStream.new(tasks);   // made before the run
    const run = runner.run_async(null);

    // no loop runs while these block: they iterate this thread's context,
    // where the task functions start and these timeouts fire
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => {
        gates[1].open();
        return GLib.SOURCE_REMOVE;
    });
    const [task, index] = stream.next(LONG, null);
    assert(task === tasks[1] && index === 1, 'sync next from the owner thread');

    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => {
        gates[0].open();
        return GLib.SOURCE_REMOVE;
    });
    const [ok, done, notDone] = Concurra.wait([tasks[2], tasks[0]], RW.FIRST_COMPLETED,
        LONG, null);
    assert(ok, 'sync wait returns true');
    assertSame(done, [tasks[0]], 'sync wait: done');
    assertSame(notDone, [tasks[2]], 'sync wait: not done');
    assertThrows(() => Concurra.gather(tasks, NONE, -1, cancelledCancellable()),
        Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'sync gather cancelled');

    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => {
        gates[2].open();
        return GLib.SOURCE_REMOVE;
    });
    assertSame(Concurra.gather(tasks, NONE, LONG, null), tasks, 'sync gather');
    const keyed = Concurra.gather_keyed({k: tasks[2]}, NONE, LONG, null);
    assert(keyed.k === tasks[2], 'sync keyed gather');
    assert(tasks[2].wait(LONG, null), 'sync task wait');
    await run;
}

function cancelledCancellable() {
    const c = new Gio.Cancellable();
    c.cancel();
    return c;
}

// Tasks of two runners, one of them already finished.
async function testTwoRunnersAndDoneTasks() {
    const first = newRunner('gjs-first');
    const second = newRunner('gjs-second');
    const [[a], [ga]] = gated(first, ['a']);
    const [[b], [gb]] = gated(second, ['b']);
    ga.open();
    await first.run_async(null);
    const run = second.run_async(null);
    const [done, notDone] = await Concurra.wait_async([b, a], RW.FIRST_COMPLETED, LONG, null);
    assertSame(done, [a], 'the already-done task counts at once');
    assertSame(notDone, [b], 'the other is pending');
    gb.open();
    assertSame(await Concurra.gather_async([b, a], NONE, LONG, null), [b, a],
        'gather across runners');
    await run;
}

const TESTS = [
    ['wait: race three mirrors, cancel the losers', testRaceThreeMirrors],
    ['wait: return_when, timeout, empty, duplicates', testWaitReturnWhenAndTimeout],
    ['task wait_async, cancel, completed signal', testTaskWaitAndCompleted],
    ['gather_async: order, failure, RETURN_ERRORS, timeout', testGather],
    ['gather_keyed_async keeps keys', testGatherKeyed],
    ['stream: next_async, signals, list model', testStream],
    ['stream: keyed, timeouts', testStreamKeyedAndTimeout],
    ['sync calls from the owner thread', testSyncFromOwnerThread],
    ['two runners and done tasks', testTwoRunnersAndDoneTasks],
];

const loop = new GLib.MainLoop(null, false);
let status = 1;
runTests(TESTS).then(failures => {
    status = failures ? 1 : 0;
}, e => {
    print(`Bail out! ${e}`);
    printerr(`${e}\n${e.stack ?? ''}`);
}).finally(() => loop.quit());
loop.run();
System.exit(status);
