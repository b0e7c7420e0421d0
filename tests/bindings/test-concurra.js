// Binding smoke test: GJS against the uninstalled Concurra-1.typelib.
//
// Run by meson (suite 'bindings') with GI_TYPELIB_PATH and LD_LIBRARY_PATH
// pointing at build/concurra-glib:  gjs -m test-concurra.js
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';
import System from 'system';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');

const S = Concurra.TaskStatus;
let nChecks = 0;

function assert(cond, what) {
    nChecks++;
    if (!cond)
        throw new Error(`assertion failed: ${what}`);
}

function assertEq(actual, expected, what) {
    nChecks++;
    const a = JSON.stringify(actual), e = JSON.stringify(expected);
    if (a !== e)
        throw new Error(`assertion failed: ${what}: expected ${e}, got ${a}`);
}

function assertThrows(fn, domain, code, what) {
    try {
        fn();
    } catch (e) {
        assert(e instanceof GLib.Error, `${what}: throws a GLib.Error (${e})`);
        assert(e.matches(domain, code),
            `${what}: error ${e.domain}:${e.code} matches ${code}`);
        return e;
    }
    throw new Error(`assertion failed: ${what}: did not throw`);
}

const ioFailed = msg =>
    new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, msg);

// Task functions run as fn(task, cancellable).
function fetch(task, _cancellable) {
    task.return_string('payload');
}

function parse(task, _cancellable) {
    task.return_int(42);
}

function lint(task, _cancellable) {
    task.return_error(ioFailed('boom'));
}

function report(task, _cancellable) {
    task.return_string('should not run');
}

function buildDag(runner) {
    runner.add_task('fetch', null, fetch);
    runner.add_task('parse', ['fetch'], parse);
    runner.add_task('lint', ['fetch'], lint);
    runner.add_task('report', ['parse', 'lint'], report);
}

function newRunner(name) {
    const runner = new Concurra.Runner({name});
    runner.verify_on_finish = false;
    runner.max_concurrency = 2;
    return runner;
}

// results: a JS object label -> Concurra.Task (GHashTable marshalled by GJS)
function checkDag(runner, results) {
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
    assertEq(f.get_execution_mode(), Concurra.ExecutionMode.THREAD,
        'fetch execution mode');
    assert(f.get_start_time() !== null, 'fetch start time');

    const p = results.parse;
    assertEq(p.get_status(), S.SUCCESSFUL, 'parse status');
    assertEq(Number(p.get_value()), 42, 'parse value');

    const l = results.lint;
    assertEq(l.get_status(), S.FAILED, 'lint status');
    assert(l.get_has_failed(), 'lint has failed');
    assert(l.get_value() === null, 'lint value is null');
    assert(l.get_error().matches(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED),
        'lint error is G_IO_ERROR_FAILED');
    assertEq(l.get_error_message(), 'g-io-error-quark.0: boom',
        'lint error message');

    const r = results.report;
    assertEq(r.get_status(), S.TERMINATED, 'report status');
    assertEq(r.get_attempts(), 0, 'report attempts');
    assert(r.get_start_time() === null, 'report never started');
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
    for (const key of ['task_name', 'label', 'start_time', 'end_time',
        'duration', 'duration_seconds', 'result', 'output', 'error', 'trace',
        'status', 'has_failed', 'execution_mode', 'warning', 'attempts',
        'task_retries', 'retried', 'retry_errors'])
        assert(key in d, `to_variant has ${key}`);
    assertEq(d.label, 'fetch', 'variant label');
    assertEq(d.status, 'Successful', 'variant status');
    assertEq(d.result, 'payload', 'variant result');
    assertEq(d.execution_mode, 'thread', 'variant execution_mode');
    assertEq(d.retry_errors, [], 'variant retry_errors');

    const dr = r.to_variant().recursiveUnpack();
    assertEq(dr.status, 'Terminated', 'variant status of report');
    assertEq(dr.has_failed, true, 'variant has_failed of report');
    assert(dr.result === null, 'variant result of report is nothing');

    const text = runner.format_report();
    for (const word of ['| label', 'fetch', 'report', 'Successful', 'Failed',
        'Terminated'])
        assert(text.includes(word), `report contains ${word}`);
}

async function testRunAsync() {
    const runner = newRunner('gjs-async');
    buildDag(runner);
    const finished = [];
    let progress = null, done = 0;
    runner.connect('task-finished', (_r, t) => finished.push(t.label));
    runner.connect('progress', (_r, n, total) => (progress = [n, total]));
    runner.connect('finished', () => done++);

    const promise = runner.run_async(null);
    assert(runner.is_running(), 'running after run_async');
    const results = await promise;
    checkDag(runner, results);
    assertEq(finished.sort(), ['fetch', 'lint', 'parse', 'report'],
        'task-finished signals');
    assertEq(progress, [4, 4], 'last progress');
    assertEq(done, 1, 'finished emitted once');

    try {
        await runner.run_async(null);
        throw new Error('second run_async did not fail');
    } catch (e) {
        assert(e.matches?.(Concurra.Error, Concurra.Error.ALREADY_STARTED),
            `second run: ALREADY_STARTED (${e})`);
    }
}

function testRunSync() {
    const runner = newRunner('gjs-sync');
    buildDag(runner);
    checkDag(runner, runner.run(null));
}

function testAddErrors() {
    const runner = newRunner('gjs-errors');
    runner.add_task('a', null, parse);
    let e = assertThrows(() => runner.add_task('a', null, parse),
        Concurra.Error, Concurra.Error.DUPLICATE_LABEL, 'duplicate label');
    assert(e.message.includes("'a'"), 'duplicate message names the label');
    assertThrows(() => runner.add_task('b', ['b'], parse),
        Concurra.Error, Concurra.Error.SELF_DEPENDENCY, 'self dependency');
    runner.add_task('c', ['d'], parse);
    e = assertThrows(() => runner.add_task('d', ['c'], parse),
        Concurra.Error, Concurra.Error.CYCLE, 'cycle');
    assert(e.message.includes('d \u2192 c \u2192 d'), `cycle path: ${e.message}`);
    assertEq(runner.get_n_tasks(), 2, 'nothing added on error');
    e = assertThrows(() => runner.run(null),
        Concurra.Error, Concurra.Error.UNKNOWN_DEPENDENCY, 'unknown dependency');
    assert(e.message.includes("'d'"), 'unknown dependency names d');
}

async function testRetries() {
    const runner = newRunner('gjs-retries');
    let calls = 0;
    const flaky = runner.add_task('flaky', null, task => {
        calls++;
        if (calls <= 2)
            task.return_error(ioFailed(`flaky ${calls}`));
        else
            task.return_double(2.5);
    });
    flaky.retries = 3;
    const retrying = [];
    runner.connect('task-retrying', (_r, t, attempt, err) =>
        retrying.push([t.label, attempt, err.message]));

    const results = await runner.run_async(null);
    const t = results.flaky;
    assertEq(t.status, S.SUCCESSFUL, 'flaky status');
    assertEq(t.get_value(), 2.5, 'flaky value');
    assertEq(t.attempts, 3, 'flaky attempts');
    assert(t.retried, 'flaky retried');
    assertEq(t.get_retry_errors(),
        ['g-io-error-quark.0: flaky 1', 'g-io-error-quark.0: flaky 2'],
        'retry errors');
    assertEq(retrying, [['flaky', 1, 'flaky 1'], ['flaky', 2, 'flaky 2']],
        'task-retrying signals');
}

// A JS function cannot wait on its cancellable without blocking the one JS
// thread, so this times out a function that is busy for longer than the
// task's timeout. (Only meaningful once JS task functions can run at all.)
async function testTimeout() {
    const runner = newRunner('gjs-timeout');
    const slow = runner.add_task('slow', null, task => {
        const end = GLib.get_monotonic_time() + 1500 * 1000;
        while (GLib.get_monotonic_time() < end) { /* busy */ }
        task.return_boolean(true);
    });
    slow.timeout = 0.2;
    assertEq(slow.timeout, 0.2, 'task timeout property');
    runner.add_task('after', ['slow'], parse);
    const results = await runner.run_async(null);
    const t = results.slow;
    assertEq(t.status, S.TERMINATED, 'timed-out status');
    assert(t.get_error().matches(Concurra.Error, Concurra.Error.TIMEOUT),
        'TIMEOUT error');
    assertEq(t.error_message, 'Task exceeded timeout of 0.2 seconds',
        'timeout message');
    assert(results.after.get_error().matches(Concurra.Error,
        Concurra.Error.DEPENDENCY_FAILED), 'dependent skipped');
}

async function testEmptyAndAbort() {
    const empty = newRunner('gjs-empty');
    const results = await empty.run_async(null);
    assertEq(Object.keys(results), [], 'empty runner gives an empty table');
    assertEq(empty.state, Concurra.RunnerState.FINISHED, 'empty runner done');

    const aborted = newRunner('gjs-abort-early');
    aborted.add_task('a', null, parse);
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
}

// GJS refuses to call a JS function from a thread other than its own, and
// ConcurraTaskFunc runs on a worker thread: probe whether a JS task function
// actually runs, so the function-task checks can be skipped (with the
// reason) instead of failing on values that never arrive.
async function jsFunctionsRun() {
    const runner = newRunner('gjs-probe');
    let ran = false;
    runner.add_task('probe', null, () => (ran = true));
    await runner.run_async(null);
    return ran;
}

function testFormatDuration() {
    assertEq(Concurra.format_duration(1.0123), '1.01 sec', 'format 1.0123');
    assertEq(Concurra.format_duration(150), '2.5 min', 'format 150');
}

const NO_JS_FUNCS = 'JS task functions do not run: gjs blocks callbacks ' +
    'invoked on worker threads (ConcurraTaskFunc runs on the thread pool)';

// Tests report in TAP so a skipped group shows up in meson's log.
const TESTS = [
    ['format_duration', false, testFormatDuration],
    ['add errors and unknown dependency', false, testAddErrors],
    ['empty runner, abort before start', false, testEmptyAndAbort],
    ['run (sync) of the DAG', true, testRunSync],
    ['run_async of the DAG', true, testRunAsync],
    ['retries', true, testRetries],
    ['timeout', true, testTimeout],
];

async function main() {
    print(`1..${TESTS.length}`);
    const canRunFunctions = await jsFunctionsRun();
    let failures = 0;
    for (const [i, [name, needsFunctions, fn]] of TESTS.entries()) {
        if (needsFunctions && !canRunFunctions) {
            print(`ok ${i + 1} - ${name} # SKIP ${NO_JS_FUNCS}`);
            continue;
        }
        try {
            // eslint-disable-next-line no-await-in-loop
            await fn();
            print(`ok ${i + 1} - ${name}`);
        } catch (e) {
            failures++;
            print(`not ok ${i + 1} - ${name}`);
            for (const line of `${e}\n${e.stack ?? ''}`.split('\n'))
                print(`# ${line}`);
        }
    }
    print(`# ${nChecks} checks`);
    return failures;
}

const loop = new GLib.MainLoop(null, false);
let status = 1;
main().then(failures => {
    status = failures ? 1 : 0;
}, e => {
    print(`Bail out! ${e}`);
    printerr(`${e}\n${e.stack ?? ''}`);
}).finally(() => loop.quit());
loop.run();
System.exit(status);
