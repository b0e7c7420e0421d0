// Binding smoke test: GJS against the uninstalled Concurra-1.typelib.
//
// Run by meson (suite 'bindings') with GI_TYPELIB_PATH and LD_LIBRARY_PATH
// pointing at build/concurra-glib:  gjs -m test-concurra.js
//
// GJS cannot run JS functions on other threads, so every task here is a
// main-context task (runner.add_main_context_task): its function is started
// on the runner's owner main context, returns true, and the attempt ends
// when it calls one of task.return_*(), at once or later from a
// main-context source.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';
import System from 'system';

import {assert, assertEq, assertThrows, runTests} from './tap.js';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');

const S = Concurra.TaskStatus;
const MAIN_CONTEXT = Concurra.ExecutionMode.MAIN_CONTEXT;

const ioFailed = msg =>
    new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, msg);

// TRUE when called on the thread iterating the context the code was started
// on: the runner's owner context (run_async: this thread's default context,
// run: a private context pushed as thread-default for the run).
const onOwnerContext = () => GLib.MainContext.ref_thread_default().is_owner();

// Calls @fn after @ms milliseconds on the thread-default main context. Not
// GLib.timeout_add(): that is the global default context, which a
// synchronous runner.run() does not iterate.
function later(ms, fn) {
    const source = GLib.timeout_source_new(ms);
    source.set_callback(() => {
        fn();
        return GLib.SOURCE_REMOVE;
    });
    source.attach(GLib.MainContext.ref_thread_default());
}

// The DAG: fetch -> [parse, lint] -> report; lint fails, so report is
// skipped. Task functions run as fn(task, cancellable); fetch and lint
// report later, parse at once. Returns what the functions saw.
function buildDag(runner) {
    const seen = {calls: {fetch: 0, parse: 0, lint: 0, report: 0}, problems: []};
    const started = (label, task, cancellable) => {
        seen.calls[label]++;
        if (!onOwnerContext())
            seen.problems.push(`${label} started off the owner context`);
        if (!(cancellable instanceof Gio.Cancellable))
            seen.problems.push(`${label}: cancellable is ${cancellable}`);
        if (task.get_label() !== label)
            seen.problems.push(`${label}: task is ${task.get_label()}`);
    };
    runner.add_main_context_task('fetch', null, (task, cancellable) => {
        started('fetch', task, cancellable);
        later(30, () => task.return_string('payload'));
        return true;
    });
    runner.add_main_context_task('parse', ['fetch'], (task, cancellable) => {
        started('parse', task, cancellable);
        task.return_int(42);
        return true;
    });
    runner.add_main_context_task('lint', ['fetch'], (task, cancellable) => {
        started('lint', task, cancellable);
        later(0, () => task.return_error(ioFailed('boom')));
        return true;
    });
    runner.add_main_context_task('report', ['parse', 'lint'], (task, cancellable) => {
        started('report', task, cancellable);
        task.return_string('should not run');
        return true;
    });
    return seen;
}

function newRunner(name) {
    const runner = new Concurra.Runner({name});
    runner.verify_on_finish = false;
    runner.max_concurrency = 2;
    return runner;
}

// results: a JS object label -> Concurra.Task (GHashTable marshalled by GJS)
function checkDag(runner, results, seen) {
    assertEq(seen.calls, {fetch: 1, parse: 1, lint: 1, report: 0},
        'task functions called');
    assertEq(seen.problems, [], 'task functions started correctly');

    assertEq(Object.keys(results).sort(), ['fetch', 'lint', 'parse', 'report'],
        'result labels');
    for (const [label, task] of Object.entries(results)) {
        assert(task instanceof Concurra.Task, `${label} is a Concurra.Task`);
        assertEq(task.get_label(), label, 'label');
        assert(runner.get_task(label) === task, `get_task(${label})`);
    }

    const f = results.fetch;
    assertEq(f.get_status(), S.SUCCESSFUL, 'fetch status');
    assertEq(f.get_value(), 'payload', 'fetch value');
    assert(f.get_error() === null, 'fetch error is null');
    assertEq(f.get_attempts(), 1, 'fetch attempts');
    assertEq(f.get_execution_mode(), MAIN_CONTEXT, 'fetch execution mode');
    assert(f.get_start_time() !== null, 'fetch start time');
    assert(f.get_duration() >= 0.02, `fetch lasted until it reported (${f.get_duration()} s)`);

    const p = results.parse;
    assertEq(p.get_status(), S.SUCCESSFUL, 'parse status');
    assertEq(Number(p.get_value()), 42, 'parse value');
    assertEq(p.get_execution_mode(), MAIN_CONTEXT, 'parse execution mode');

    const l = results.lint;
    assertEq(l.get_status(), S.FAILED, 'lint status');
    assert(l.get_has_failed(), 'lint has failed');
    assert(l.get_value() === null, 'lint value is null');
    assert(l.get_error().matches(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED),
        'lint error is G_IO_ERROR_FAILED');
    assertEq(l.get_error_message(), 'boom',
        'lint error message');
    assertEq(l.get_attempts(), 1, 'lint attempts');

    const r = results.report;
    assertEq(r.get_status(), S.TERMINATED, 'report status');
    assertEq(r.get_attempts(), 0, 'report attempts');
    assert(r.get_start_time() === null, 'report never started');
    assertEq(r.get_execution_mode(), Concurra.ExecutionMode.NONE,
        'report execution mode');
    assert(r.get_error().matches(Concurra.Error,
        Concurra.Error.DEPENDENCY_FAILED), 'report DEPENDENCY_FAILED');
    assertEq(r.get_error_message(),
        'Skipped: dependency [lint] failed or was terminated', 'skip message');

    assertEq(runner.state, Concurra.RunnerState.FINISHED, 'runner state');
    assert(!runner.is_running(), 'runner not running');
    assertEq(runner.get_n_failed(), 2, 'n-failed');

    assertEq(runner.get_n_items(), 4, 'GListModel n-items');
    assertEq([0, 1, 2, 3].map(i => runner.get_item(i).label),
        ['fetch', 'parse', 'lint', 'report'], 'GListModel order');

    const d = f.to_variant().recursiveUnpack();
    assertEq(Object.keys(d).sort(), ['attempts', 'duration', 'duration_seconds',
        'end_time', 'error', 'execution_mode', 'has_failed', 'label', 'output',
        'result', 'retried', 'retry_errors', 'start_time', 'status', 'task_name',
        'task_retries', 'trace', 'warning'], 'to_variant keys');
    assertEq(d.label, 'fetch', 'variant label');
    assertEq(d.task_name, 'fetch', 'variant task_name');
    assertEq(d.status, 'Successful', 'variant status');
    assertEq(d.result, 'payload', 'variant result');
    assertEq(d.output, 'payload', 'variant output');
    assertEq(d.execution_mode, 'main_context', 'variant execution_mode');
    assertEq(d.attempts, 1, 'variant attempts');
    assertEq(d.retry_errors, [], 'variant retry_errors');
    assert(d.error === null, 'variant error of fetch is nothing');

    const dl = l.to_variant().recursiveUnpack();
    assertEq(dl.status, 'Failed', 'variant status of lint');
    assertEq(dl.error, 'g-io-error-quark.0: boom', 'variant error of lint');

    const dr = r.to_variant().recursiveUnpack();
    assertEq(dr.status, 'Terminated', 'variant status of report');
    assertEq(dr.has_failed, true, 'variant has_failed of report');
    assert(dr.result === null, 'variant result of report is nothing');
    assert(dr.execution_mode === null, 'variant execution_mode of report is nothing');

    const text = runner.format_report();
    for (const word of ['| label', 'fetch', 'report', 'Successful', 'Failed',
        'Terminated'])
        assert(text.includes(word), `report contains ${word}`);
}

// Counts the runner's signals and whether each came on the owner context,
// i.e. this (the main) thread; gjs would not even call a JS handler on
// another thread, so the counts check that too.
function watchSignals(runner) {
    const w = {started: [], finished: [], progress: [], done: 0, offContext: []};
    const check = name => {
        if (!onOwnerContext())
            w.offContext.push(name);
    };
    runner.connect('task-started', (_r, t) => {
        check('task-started');
        w.started.push(t.label);
    });
    runner.connect('task-finished', (_r, t) => {
        check('task-finished');
        w.finished.push(t.label);
    });
    runner.connect('progress', (_r, n, total) => {
        check('progress');
        w.progress.push([n, total]);
    });
    runner.connect('finished', () => {
        check('finished');
        w.done++;
    });
    return w;
}

function checkSignals(w) {
    assertEq(w.offContext, [], 'signals emitted on the owner context');
    assertEq(w.started.sort(), ['fetch', 'lint', 'parse'], 'task-started signals');
    assertEq(w.finished.sort(), ['fetch', 'lint', 'parse', 'report'],
        'task-finished signals');
    assertEq(w.progress.length, 4, 'progress signals');
    assertEq(w.progress[w.progress.length - 1], [4, 4], 'last progress');
    assertEq(w.done, 1, 'finished emitted once');
}

async function testRunAsync() {
    const runner = newRunner('gjs-async');
    const seen = buildDag(runner);
    const w = watchSignals(runner);
    assert(GLib.MainContext.default().is_owner(),
        'test runs in the main loop of the default context');

    const promise = runner.run_async(null);
    assert(runner.is_running(), 'running after run_async');
    const results = await promise;
    checkDag(runner, results, seen);
    checkSignals(w);

    try {
        await runner.run_async(null);
        throw new Error('second run_async did not fail');
    } catch (e) {
        assert(e.matches?.(Concurra.Error, Concurra.Error.ALREADY_STARTED),
            `second run: ALREADY_STARTED (${e})`);
    }
}

// fast-fail ignores a cancelled task; the counters notify; wait() from a
// task-finished handler fails instead of waiting for itself.
async function testCancelNotifyAndWaitInHandler() {
    const runner = newRunner('gjs-cancel-notify');
    runner.fast_fail = true;
    const victim = runner.add_main_context_task('victim', null, () => true);   // reports nothing
    runner.add_main_context_task('after', ['victim'], task => {
        task.return_int(1);
        return true;
    });
    for (const label of ['x', 'y', 'z']) {
        runner.add_main_context_task(label, null, task => {
            later(20, () => task.return_int(2));
            return true;
        });
    }
    runner.connect('task-started', (r, task) => {
        if (task === victim)
            assert(task.cancel(), 'cancel the victim');
    });
    const notified = {};
    for (const name of ['n-running', 'n-completed', 'n-failed']) {
        runner.connect(`notify::${name}`, () => {
            notified[name] = runner[name.replace(/-/g, '_')];
        });
    }
    const refusals = [];
    runner.connect('task-finished', r => {
        try {
            r.wait(null);
        } catch (e) {
            refusals.push(e);
        }
    });

    const results = await runner.run_async(null);
    assertEq(results.victim.error_message, 'Task was cancelled', 'victim cancelled');
    assert(results.after.get_error().matches(Concurra.Error, Concurra.Error.DEPENDENCY_FAILED),
        'after skipped');
    for (const label of ['x', 'y', 'z'])
        assertEq(results[label].status, S.SUCCESSFUL, `${label} not ended by fast-fail`);
    assertEq(notified['n-completed'], 5, 'n-completed notified up to 5');
    assertEq(notified['n-failed'], 2, 'n-failed notified up to 2');
    assertEq(notified['n-running'], 0, 'n-running notified back to 0');
    assertEq(refusals.length, 5, 'wait() refused in every task-finished handler');
    assert(refusals.every(e => e.matches(Concurra.Error, Concurra.Error.STILL_RUNNING)),
        'STILL_RUNNING');
}

function testRunSync() {
    const runner = newRunner('gjs-sync');
    const seen = buildDag(runner);
    const w = watchSignals(runner);
    checkDag(runner, runner.run(null), seen);
    checkSignals(w);
}

function testAddErrors() {
    const runner = newRunner('gjs-errors');
    let ran = 0;
    const never = task => {
        ran++;
        task.return_boolean(false);
        return true;
    };
    runner.add_main_context_task('a', null, never);
    let e = assertThrows(() => runner.add_main_context_task('a', null, never),
        Concurra.Error, Concurra.Error.DUPLICATE_LABEL, 'duplicate label');
    assert(e.message.includes("'a'"), 'duplicate message names the label');
    assertThrows(() => runner.add_main_context_task('b', ['b'], never),
        Concurra.Error, Concurra.Error.SELF_DEPENDENCY, 'self dependency');
    runner.add_main_context_task('c', ['d'], never);
    e = assertThrows(() => runner.add_main_context_task('d', ['c'], never),
        Concurra.Error, Concurra.Error.CYCLE, 'cycle');
    assert(e.message.includes('d \u2192 c \u2192 d'), `cycle path: ${e.message}`);
    assertEq(runner.get_n_tasks(), 2, 'nothing added on error');
    e = assertThrows(() => runner.run(null),
        Concurra.Error, Concurra.Error.UNKNOWN_DEPENDENCY, 'unknown dependency');
    assert(e.message.includes("'d'"), 'unknown dependency names d');
    assertEq(ran, 0, 'no task function ran');
}

function testDefaultConstructed() {
    const runner = newRunner('gjs-default-constructed');
    const e = assertThrows(() => runner.add(new Concurra.Task({name: 'hollow'}), 'hollow', null),
        Concurra.Error, Concurra.Error.INVALID_ARGUMENT, 'a task with no function');
    assert(e.message.includes("'hollow'"), `names the label: ${e.message}`);
    assertEq(runner.get_n_tasks(), 0, 'nothing added');
    const stream = new Concurra.TaskStream();
    assertEq(stream.get_n_tasks(), 0, 'empty stream');
    assertEq(stream.get_n_items(), 0, 'empty model');
}

async function testRetries() {
    const runner = newRunner('gjs-retries');
    runner.retry_delay = 0.01;
    let calls = 0;
    // attempt 1 fails at once, attempt 2 fails later, attempt 3 succeeds later
    const flaky = runner.add_main_context_task('flaky', null, task => {
        calls++;
        const n = calls;
        if (n === 1)
            task.return_error(ioFailed(`flaky ${n}`));
        else if (n === 2)
            later(10, () => task.return_error(ioFailed(`flaky ${n}`)));
        else
            later(10, () => task.return_double(2.5));
        return true;
    });
    flaky.retries = 3;
    assertEq(flaky.retries, 3, 'task retries property');
    const after = runner.add_main_context_task('after', ['flaky'], task => {
        task.return_string('ran after flaky');
        return true;
    });
    const retrying = [];
    runner.connect('task-retrying', (_r, t, attempt, err) => {
        assert(onOwnerContext(), 'task-retrying on the owner context');
        assert(err instanceof GLib.Error, 'task-retrying gives a GLib.Error');
        retrying.push([t.label, attempt, err.message]);
    });

    const results = await runner.run_async(null);
    const t = results.flaky;
    assertEq(calls, 3, 'flaky function calls');
    assertEq(t.status, S.SUCCESSFUL, 'flaky status');
    assertEq(t.get_value(), 2.5, 'flaky value');
    assertEq(t.attempts, 3, 'flaky attempts');
    assert(t.retried, 'flaky retried');
    assertEq(t.get_retry_errors(),
        ['g-io-error-quark.0: flaky 1', 'g-io-error-quark.0: flaky 2'],
        'retry errors');
    assertEq(retrying, [['flaky', 1, 'flaky 1'], ['flaky', 2, 'flaky 2']],
        'task-retrying signals');
    const d = t.to_variant().recursiveUnpack();
    assertEq([d.attempts, d.task_retries, d.retried, d.retry_errors],
        [3, 3, true, ['g-io-error-quark.0: flaky 1', 'g-io-error-quark.0: flaky 2']],
        'variant retry fields');
    assertEq(after.status, S.SUCCESSFUL, 'dependent of the retried task ran');
    assertEq(after.get_value(), 'ran after flaky', 'dependent value');
}

// A main-context task that never reports: the runner times it out, cancels
// its cancellable, frees its slot for the other task and skips its
// dependent.
async function testTimeout() {
    const runner = newRunner('gjs-timeout');
    runner.max_concurrency = 1;
    let slowCancellable = null;
    const slow = runner.add_main_context_task('slow', null, (task, cancellable) => {
        slowCancellable = cancellable;   // and never report
        return true;
    });
    slow.set_timeout(0.2);
    assertEq(slow.timeout, 0.2, 'task timeout property');
    runner.add_main_context_task('after', ['slow'], task => {
        task.return_string('no');
        return true;
    });
    runner.add_main_context_task('other', null, task => {
        later(5, () => task.return_int(7));
        return true;
    });

    const t0 = GLib.get_monotonic_time();
    const results = await runner.run_async(null);
    const elapsed = (GLib.get_monotonic_time() - t0) / 1e6;

    const t = results.slow;
    assertEq(t.status, S.TERMINATED, 'timed-out status');
    assert(t.get_error().matches(Concurra.Error, Concurra.Error.TIMEOUT),
        'TIMEOUT error');
    assertEq(t.error_message, 'Task exceeded timeout of 0.2 seconds',
        'timeout message');
    assertEq(t.attempts, 1, 'timed-out attempts');
    assertEq(t.get_execution_mode(), MAIN_CONTEXT, 'timed-out execution mode');
    assert(t.get_duration() >= 0.15 && t.get_duration() < 2,
        `timed-out duration ${t.get_duration()}`);
    assert(elapsed >= 0.15 && elapsed < 5, `run took ${elapsed} s`);
    assert(slowCancellable !== null && slowCancellable.is_cancelled(),
        'cancellable of the timed-out task cancelled');
    assert(results.after.get_error().matches(Concurra.Error,
        Concurra.Error.DEPENDENCY_FAILED), 'dependent skipped');
    assertEq(results.other.status, S.SUCCESSFUL, 'the other task got the slot');
    assertEq(Number(results.other.get_value()), 7, 'other value');

    // a report after the timeout is ignored
    slow.return_boolean(true);
    assertEq(slow.status, S.TERMINATED, 'late report ignored: status');
    assert(slow.get_value() === null, 'late report ignored: value');
    assertEq(slow.error_message, 'Task exceeded timeout of 0.2 seconds',
        'late report ignored: error');
}

async function testEmptyAndAbort() {
    const empty = newRunner('gjs-empty');
    const results = await empty.run_async(null);
    assertEq(Object.keys(results), [], 'empty runner gives an empty table');
    assertEq(empty.state, Concurra.RunnerState.FINISHED, 'empty runner done');

    const aborted = newRunner('gjs-abort-early');
    let ran = false;
    aborted.add_main_context_task('a', null, task => {
        ran = true;
        task.return_boolean(true);
        return true;
    });
    aborted.abort();
    assertEq(aborted.get_task('a').status, S.TERMINATED, 'aborted task');
    assertEq(aborted.get_task('a').error_message,
        'Execution terminated before completion', 'abort message');
    // marshalling of the results of tasks that never ran
    const table = aborted.get_results();
    assertEq(Object.keys(table), ['a'], 'get_results keys');
    const a = table.a;
    assert(a instanceof Concurra.Task, 'get_results gives tasks');
    assert(a.get_value() === null, 'no value');
    assert(a.get_start_time() === null, 'never started');
    assert(a.get_error() instanceof GLib.Error, 'get_error is a GLib.Error');
    assert(a.get_error().matches(Concurra.Error, Concurra.Error.TERMINATED),
        'TERMINATED error');
    assertEq(a.get_retry_errors(), [], 'no retry errors');
    const d = a.to_variant().recursiveUnpack();
    assertEq(d.status, 'Terminated', 'variant status');
    assertEq(d.error, 'Execution terminated before completion', 'variant error');
    assert(d.result === null && d.start_time === null, 'variant nothings');
    assertEq(d.attempts, 0, 'variant attempts');
    assert(aborted.format_report().includes('| a '), 'report row');
    try {
        await aborted.run_async(null);
        throw new Error('run_async after abort did not fail');
    } catch (e) {
        assert(e.matches?.(Concurra.Error, Concurra.Error.ALREADY_STARTED),
            `run after abort: ALREADY_STARTED (${e})`);
    }
    assert(!ran, 'aborted task function never ran');
}

// ---- process mode ----
//
// Process tasks name a function of a worker program (tests/process-worker.c,
// its path in $CONCURRA_TEST_WORKER) and carry GVariant arguments; the
// worker runs it in its own process, so JS is never involved on the worker
// side. Not tested here: fallback-to-thread, which would run a JS function
// task on a worker thread of the runner, and GJS cannot call JS from any
// thread but the main one.
const PROCESS = Concurra.ExecutionMode.PROCESS;

function newProcessRunner(name, maxConcurrency = 2) {
    const worker = GLib.getenv('CONCURRA_TEST_WORKER');
    assert(worker && GLib.file_test(worker, GLib.FileTest.IS_EXECUTABLE),
        `CONCURRA_TEST_WORKER is the worker program (${worker})`);
    const runner = new Concurra.Runner({
        name,
        verify_on_finish: false,
        execution_mode: PROCESS,
        max_concurrency: maxConcurrency,
        worker_command: [worker],
    });
    assertEq(runner.execution_mode, PROCESS, `${name}: execution mode`);
    assertEq(runner.worker_command, [worker], `${name}: worker command`);
    assert(!runner.fallback_to_thread, `${name}: no fallback to thread`);
    return runner;
}

// Waits for the run with a generous limit, so that a stuck worker fails
// the test instead of hanging it until meson's timeout.
async function runWithin(runner, seconds) {
    let timer = 0;
    const limit = new Promise((_resolve, reject) => {
        timer = GLib.timeout_add(GLib.PRIORITY_DEFAULT, seconds * 1000, () => {
            timer = 0;
            runner.abort();
            reject(new Error(`${runner.name}: run did not end in ${seconds} s`));
            return GLib.SOURCE_REMOVE;
        });
    });
    try {
        return await Promise.race([runner.run_async(null), limit]);
    } finally {
        if (timer)
            GLib.source_remove(timer);
    }
}

function checkSquare(task, i) {
    const what = `${task.label}`;
    assertEq(task.status, S.SUCCESSFUL, `${what} status (${task.error_message})`);
    assertEq(task.execution_mode, PROCESS, `${what} execution mode`);
    assert(task.get_error() === null, `${what} error is null`);
    const value = task.get_value();
    assert(value instanceof GLib.Variant, `${what} value is a GLib.Variant`);
    assertEq(value.get_type_string(), 'x', `${what} value type`);
    assertEq(value.unpack(), i * i, `${what} value`);
    assertEq(task.attempts, 1, `${what} attempts`);
}

async function testProcessMode() {
    // squares, an error from the worker and a crashing worker, together
    const runner = newProcessRunner('gjs-process');
    const squares = [];
    for (let i = 0; i < 20; i++) {
        squares.push(runner.add_process_task(`square-${i}`, null, 'square',
            new GLib.Variant('(x)', [i])));
        if (i === 9)   // among the squares: the worker dies with tasks waiting
            runner.add_process_task('segv', null, 'segv', null);
    }
    const fail = runner.add_process_task('fail', null, 'fail',
        new GLib.Variant('(sis)', ['my-app-error-quark', 7, 'bad input']));
    const segv = runner.get_task('segv');
    assertEq(runner.get_n_tasks(), 22, 'process tasks added');

    const results = await runWithin(runner, 60);
    assertEq(Object.keys(results).length, 22, 'results of the process run');
    squares.forEach((task, i) => checkSquare(task, i));
    assertEq(squares.reduce((sum, t) => sum + t.get_value().unpack(), 0), 2470,
        'sum of the squares');

    assertEq(fail.status, S.FAILED, 'fail status');
    assertEq(fail.execution_mode, PROCESS, 'fail execution mode');
    assert(fail.get_value() === null, 'fail value is null');
    const err = fail.get_error();
    assert(err instanceof GLib.Error, 'fail error is a GLib.Error');
    assert(err.matches(GLib.quark_from_string('my-app-error-quark'), 7),
        `fail error domain and code (${err.domain}:${err.code})`);
    assertEq(err.message, 'bad input', 'fail error message');
    assert(fail.error_message.includes('bad input'),
        `fail error_message (${fail.error_message})`);

    assertEq(segv.status, S.FAILED, 'segv status');
    assert(segv.get_error().matches(Concurra.Error,
        Concurra.Error.WORKER_CRASHED), `segv WORKER_CRASHED (${segv.error_message})`);
    assert(/signal 11\b/.test(segv.error_message),
        `segv message names signal 11: ${segv.error_message}`);
    assert(segv.error_message.includes("'segv'"),
        `segv message names the function: ${segv.error_message}`);
    assertEq(runner.get_n_failed(), 2, 'only fail and segv failed');
    assertEq(runner.state, Concurra.RunnerState.FINISHED, 'process runner state');

    // timeout: the stuck worker is killed and replaced
    const one = newProcessRunner('gjs-process-timeout', 1);
    const hang = one.add_process_task('hang', null, 'hang',
        new GLib.Variant('(s)', ['']));
    hang.set_timeout(0.5);
    assertEq(hang.timeout, 0.5, 'hang timeout');
    const after = one.add_process_task('after-hang', null, 'square',
        new GLib.Variant('(x)', [12]));
    const t0 = GLib.get_monotonic_time();
    await runWithin(one, 60);
    const elapsed = (GLib.get_monotonic_time() - t0) / 1e6;
    assertEq(hang.status, S.TERMINATED, `hang status (${hang.error_message})`);
    assert(hang.get_error().matches(Concurra.Error, Concurra.Error.TIMEOUT),
        `hang TIMEOUT (${hang.error_message})`);
    assertEq(hang.error_message, 'Task exceeded timeout of 0.5 seconds',
        'hang timeout message');
    assertEq(hang.execution_mode, PROCESS, 'hang execution mode');
    assert(elapsed >= 0.45 && elapsed < 30, `timeout run took ${elapsed} s`);
    checkSquare(after, 12);

    // a function task cannot cross the process boundary: without
    // fallback-to-thread it fails with NOT_SERIALIZABLE before it runs, so
    // the JS function is never called (nor could it be: it would be on a
    // worker thread). add_task (a (scope notified) callback) is callable
    // from GJS.
    const local = newProcessRunner('gjs-process-local');
    let called = 0;
    const fn = local.add_task('local', null, () => {
        called++;
    });
    assert(fn instanceof Concurra.Task, 'add_task gives a task');
    const beside = local.add_process_task('beside', null, 'square',
        new GLib.Variant('(x)', [-3]));
    await runWithin(local, 60);
    assertEq(called, 0, 'the JS function of the function task never ran');
    assertEq(fn.status, S.FAILED, 'function task status');
    assert(fn.get_error().matches(Concurra.Error,
        Concurra.Error.NOT_SERIALIZABLE), `NOT_SERIALIZABLE (${fn.error_message})`);
    assert(fn.error_message.includes("'local'"),
        `message names the task: ${fn.error_message}`);
    assertEq(fn.attempts, 0, 'function task never attempted');
    assert(fn.get_start_time() === null, 'function task never started');
    checkSquare(beside, -3);
}

// Main-context tasks say whether they started: a function that throws
// fails its task at once with the exception, and one that returns false
// or nothing (forgot `return true`) with an error naming the task, instead
// of leaving the task running forever; and such tasks hold no thread while
// they wait.
async function testMainContextTasks() {
    const runner = newRunner('gjs-main-context');
    runner.max_concurrency = 100;
    runner.add_main_context_task('throws', null, () => {
        throw new Error('kaboom from JS');
    });
    runner.add_main_context_task('skipped', ['throws'], () => true);
    runner.add_main_context_task('refuses', null, () => false);
    runner.add_main_context_task('forgets', null, task => {
        later(10, () => task.return_int(1));
    });
    for (let i = 0; i < 50; i++) {
        runner.add_main_context_task(`wait-${i}`, null, task => {
            later(200, () => task.return_int(i));
            return true;
        });
    }
    let threadsAtPeak = 0;
    let started = 0;
    const threads = () => {
        const [, bytes] = GLib.file_get_contents('/proc/self/status');
        return Number(/\nThreads:\s*(\d+)/.exec(new TextDecoder().decode(bytes))[1]);
    };
    const idle = threads();
    runner.connect('task-started', () => {
        if (++started === 53)
            threadsAtPeak = threads();
    });

    const results = await runner.run_async(null);

    const t = results.throws;
    assertEq(t.status, S.FAILED, 'a throwing function fails its task');
    assert(t.get_error().message.includes('kaboom from JS'),
        `the exception is the error: ${t.get_error().message}`);
    assertEq(t.get_execution_mode(), MAIN_CONTEXT, 'main-context execution mode');
    assert(results.skipped.get_error().matches(Concurra.Error,
        Concurra.Error.DEPENDENCY_FAILED), 'its dependent is skipped');
    for (const label of ['refuses', 'forgets']) {
        const e = results[label].get_error();
        assertEq(results[label].status, S.FAILED, `${label}: failed`);
        assert(e.matches(Concurra.Error, Concurra.Error.FAILED) &&
            e.message.includes(`'${label}'`), `${label}: error names the task: ${e.message}`);
    }
    for (let i = 0; i < 50; i++)
        assertEq(results[`wait-${i}`].get_value(), i, `wait-${i} reported later`);
    assert(threadsAtPeak > 0 && threadsAtPeak <= idle + 4,
        `50 waiting tasks held ${threadsAtPeak} threads (idle: ${idle})`);
}

// One timeout convention: -1 (TIMEOUT_DEFAULT) the default, TIMEOUT_INFINITE
// no limit, 0 no time at all; property ranges refuse what means nothing.
async function testTimeoutConvention() {
    assertEq(Concurra.TIMEOUT_DEFAULT, -1, 'TIMEOUT_DEFAULT');
    assertEq(Concurra.TIMEOUT_INFINITE, Number.MAX_VALUE, 'TIMEOUT_INFINITE');
    const runner = newRunner('gjs-timeout-convention');
    assertEq(runner.timeout, Concurra.TIMEOUT_DEFAULT, 'runner default timeout');
    runner.timeout = 0.2;
    const unlimited = runner.add_main_context_task('unlimited', null, task => {
        later(600, () => task.return_string('done'));
        return true;
    });
    assertEq(unlimited.timeout, Concurra.TIMEOUT_DEFAULT, 'task default timeout');
    unlimited.set_timeout(Infinity);
    assertEq(unlimited.timeout, Concurra.TIMEOUT_INFINITE, 'Infinity is no limit');
    let zeroCalls = 0;
    const zero = runner.add_main_context_task('zero', null, task => {
        zeroCalls++;
        task.return_int(1);
        return true;
    });
    zero.timeout = 0;
    const inherits = runner.add_main_context_task('inherits', null, () => true);
    inherits.set_timeout(-3);
    assertEq(inherits.timeout, Concurra.TIMEOUT_DEFAULT, 'a negative value is the default');
    // the properties take the same values as the setters
    const other = newRunner('gjs-timeout-properties');
    other.timeout = Infinity;
    assertEq(other.timeout, Concurra.TIMEOUT_INFINITE, 'property: Infinity is no limit');
    other.timeout = -5;
    assertEq(other.timeout, Concurra.TIMEOUT_DEFAULT, 'property: a negative value is the default');

    inherits.retries = 2;
    inherits.retries = -2;   // out of the property's range: refused, with a warning
    assertEq(inherits.retries, 2, 'retries below -1 refused');
    inherits.retries = -1;

    const results = await runner.run_async(null);
    assertEq(results.unlimited.status, S.SUCCESSFUL, 'INFINITE outlives the runner timeout');
    assertEq(results.zero.error_message, 'Task exceeded timeout of 0 seconds', '0 is no time');
    assertEq(zeroCalls, 0, 'a 0 timeout starts nothing');
    assertEq(results.inherits.error_message, 'Task exceeded timeout of 0.2 seconds',
        'the default is the runner timeout');
}

function testFormatDuration() {
    assertEq(Concurra.format_duration(1.0123), '1.01 sec', 'format 1.0123');
    assertEq(Concurra.format_duration(150), '2.5 min', 'format 150');
}

// A Concurra.Function shared by many tasks, each with its id. GJS calls
// JS only on its own thread, so a function's tasks (thread tasks) cannot
// run JS code; what a JS program does with them is make and inspect them,
// and a process runner fails them without calling anything.
function testSharedFunction() {
    let calls = 0;
    const fn = Concurra.Function.new('resize', () => calls++);
    assertEq(fn.get_name(), 'resize', 'function name');
    assertEq(fn.name, 'resize', 'name property');
    const runner = newRunner('gjs-function');
    runner.set_execution_mode(Concurra.ExecutionMode.PROCESS);
    const tasks = [0, 1, 2].map(i => runner.add_function(`photo${i}`, null, fn, i));
    assertEq(tasks.map(t => t.get_function_id()).join(','), '0,1,2', 'ids');
    assert(tasks.every(t => t.get_function() === fn), 'each task knows its function');
    assertEq(tasks[0].get_name(), 'resize', 'a task is named after its function');
    const own = Concurra.Task.new_for_function(fn, 'thumbnail', 7);
    assertEq(own.get_name(), 'thumbnail', 'a task given its own name');
    assertEq(own.get_function_id(), 7, 'its id');
    const e = assertThrows(() => runner.add_function('photo1', null, fn, 9),
        Concurra.Error, Concurra.Error.DUPLICATE_LABEL, 'duplicate label');
    assert(e.message.includes("'photo1'"), 'the message names the label');
    assertEq(Concurra.Task.get_current(), null, 'no task is current here');

    runner.run(null);
    assertEq(calls, 0, 'nothing was called');
    for (const t of tasks) {
        assertEq(t.get_status(), S.FAILED, `${t.get_label()} failed`);
        assert(t.get_error().matches(Concurra.Error, Concurra.Error.NOT_SERIALIZABLE),
            'not serializable');
        assert(t.get_error_message().includes(`'${t.get_label()}'`), 'names the label');
    }
}

// During its start function a main-context task is Concurra.Task.get_current(),
// its cancellable Gio.Cancellable.get_current(), and its attempts count the
// running attempt.
function testCurrentTaskAttempts() {
    const runner = newRunner('gjs-current');
    const seen = [];
    let current = true;
    const task = runner.add_main_context_task('flaky', null, (t, cancellable) => {
        current &&= Concurra.Task.get_current() === t &&
            Gio.Cancellable.get_current() === cancellable;
        seen.push(t.get_attempts());
        if (t.get_attempts() === 1)
            t.return_error(ioFailed('busy'));
        else
            t.return_int(7);
        return true;
    });
    task.set_retries(1);
    runner.run(null);
    assert(current, 'the task and its cancellable are current');
    assertEq(seen.join(','), '1,2', 'attempts seen from the start function');
    assertEq(task.get_value(), 7, 'second attempt value');
    assertEq(Concurra.Task.get_current(), null, 'nothing current afterwards');
}

// Tests report in TAP; none is ever skipped.
const TESTS = [
    ['format_duration', testFormatDuration],
    ['add errors and unknown dependency', testAddErrors],
    ['default-constructed task and stream', testDefaultConstructed],
    ['empty runner, abort before start', testEmptyAndAbort],
    ['run (sync) of the DAG', testRunSync],
    ['run_async of the DAG', testRunAsync],
    ['fast-fail and cancel, notify, wait in a handler', testCancelNotifyAndWaitInHandler],
    ['retries', testRetries],
    ['timeout', testTimeout],
    ['timeout convention and ranges', testTimeoutConvention],
    ['process mode', testProcessMode],
    ['main-context tasks: exceptions and threads', testMainContextTasks],
    ['shared function: made, inspected, failed in a process runner', testSharedFunction],
    ['current task and its attempts in a start function', testCurrentTaskAttempts],
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
