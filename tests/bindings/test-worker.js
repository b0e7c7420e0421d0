// test-worker.js: Concurra.Worker from GJS — a stateful worker whose lanes
// run on the main context: each lane's calls run one at a time and in
// order, report later (as JavaScript work does), and are awaited as
// promises; pools, retries with a validator, stop.
//
// Run by meson (suite 'bindings'):  gjs -m test-worker.js
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';
import System from 'system';

import {assert, assertEq, assertRejects, assertThrows, runTestsAndExit} from './tap.js';

Gio._promisify(Concurra.Task.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Concurra, 'gather_async', 'gather_finish');

const LONG = 30;
const S = Concurra.TaskStatus;

// The state of one lane: a plain JavaScript object, kept by lane index.
class Counter {
    constructor(lane) {
        this.lane = lane;
        this.value = 0;
        this.busy = false;
    }
}

function newWorker(nLanes, states) {
    const worker = Concurra.Worker.new(Concurra.ExecutionMode.MAIN_CONTEXT, nLanes);
    worker.set_init_func((_worker, lane) => {
        states.set(lane, new Counter(lane));
        return null;
    });
    return worker;
}

// A call that adds @n to its lane's counter after a short delay: the lane
// must not start its next call before this one reports.
function add(states, n) {
    return (task, _instance, lane, _cancellable) => {
        const counter = states.get(lane);
        assert(!counter.busy, `lane ${lane} runs one call at a time`);
        counter.busy = true;
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, 5, () => {
            counter.value += n;
            counter.busy = false;
            task.return_int(counter.value);
            return GLib.SOURCE_REMOVE;
        });
    };
}

async function valueOf(task) {
    await task.wait_async(LONG, null);
    assertEq(task.status, S.SUCCESSFUL, `${task.label} succeeded`);
    return Number(task.get_value());
}

async function testOrderedCalls() {
    const states = new Map();
    const worker = newWorker(1, states);
    const calls = [1, 2, 3].map(n => worker.submit('increment', add(states, n)));
    assertEq(await Promise.all(calls.map(valueOf)), [1, 3, 6], 'running sums in order');
    assertEq(calls[0].execution_mode, Concurra.ExecutionMode.MAIN_CONTEXT, 'mode');
    worker.stop();
}

async function testPool() {
    const states = new Map();
    const worker = newWorker(2, states);
    assertEq(worker.load_balancing, Concurra.LoadBalancing.ROUND_ROBIN, 'default balancing');
    const calls = [];
    for (let i = 0; i < 6; i++)
        calls.push(worker.submit('increment', add(states, 1)));
    const done = await Concurra.gather_async(calls, Concurra.GatherFlags.NONE, LONG, null);
    assertEq(done.map(t => Number(t.get_value())), [1, 1, 2, 2, 3, 3], 'each lane its own state');
    assertEq(states.size, 2, 'two instances');
    const stats = worker.get_stats().recursiveUnpack();
    assertEq(stats.dispatched, 6, 'dispatched');
    assertEq(stats.lanes.map(l => l.total), [3, 3], 'per-lane totals');
    worker.stop();
}

async function testRetriesAndValidator() {
    const worker = Concurra.Worker.new(Concurra.ExecutionMode.MAIN_CONTEXT, 1);
    worker.retries = 3;
    worker.retry_wait = 0.01;
    worker.retry_algorithm = Concurra.RetryAlgorithm.LINEAR;
    let attempts = 0;
    worker.set_validate_func((task, _attempt) => {
        if (Number(task.get_value()) < 3)
            throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.INVALID_DATA, 'too small');
        return true;
    });
    const call = worker.submit('count', task => {
        attempts++;
        GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
            task.return_int(attempts);
            return GLib.SOURCE_REMOVE;
        });
    });
    assertEq(await valueOf(call), 3, 'third result accepted');
    assertEq(call.attempts, 3, 'three attempts');
    assertEq(call.get_retry_errors().length, 2, 'two rejected results');
    worker.stop();
}

async function testStop() {
    const states = new Map();
    const worker = newWorker(1, states);
    const never = worker.submit('never', () => {});   // reports nothing
    const queued = worker.submit('queued', add(states, 1));
    let ended = false;
    worker.connect('ended', () => {
        ended = true;
    });
    worker.stop();
    await never.wait_async(LONG, null);
    await queued.wait_async(LONG, null);
    assertEq(never.status, S.TERMINATED, 'running call terminated');
    assertEq(queued.status, S.TERMINATED, 'queued call terminated');
    assert(queued.get_error().matches(Concurra.Error, Concurra.Error.WORKER_STOPPED), 'WORKER_STOPPED');
    assert(worker.stopped, 'stopped property');
    assertThrows(() => worker.submit('late', () => {}), Concurra.Error, Concurra.Error.WORKER_STOPPED,
        'a call after stop is refused');
    await new Promise(resolve => GLib.idle_add(GLib.PRIORITY_LOW, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
    assert(ended, '::ended emitted');
}

async function testError() {
    const worker = Concurra.Worker.new(Concurra.ExecutionMode.MAIN_CONTEXT, 1);
    const call = worker.submit('bad', task => {
        task.return_error(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.PERMISSION_DENIED, 'denied'));
    });
    await assertRejects(call.wait_async(LONG, null).then(() => {
        throw call.get_error();
    }), Gio.IOErrorEnum, Gio.IOErrorEnum.PERMISSION_DENIED, 'the call fails with its error');
    assertEq(call.status, S.FAILED, 'FAILED');
    worker.stop();
}

const TESTS = [
    ['calls on one lane run in order', testOrderedCalls],
    ['a pool of lanes, round robin', testPool],
    ['retries with a validator', testRetriesAndValidator],
    ['stop', testStop],
    ['errors', testError],
];

System.exit(runTestsAndExit(TESTS));
