// pipeline.js: the pipeline example from GJS.
//
//   fetch -> unpack -> { compile, lint, docs } -> package
//
// Each step simulates work with a short timer that stops early when the
// task is cancelled, and reports a value; "lint" is flaky and fails its
// first attempt, then succeeds when the runner retries it.
//
// GJS cannot call JS functions from other threads, so the steps are
// main-context tasks (runner.add_main_context_task): each step function is
// started on the main loop's thread, starts its work and returns true at
// once, and the step ends when it calls one of task.return_*() — here from
// a timer callback.
//
//   meson devenv -C build gjs -m examples/pipeline.js
//
// (the README's "Running the examples" has the line for an installed
// concurra-glib)
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';
import System from 'system';

// Progress lines are INFO messages in the "Concurra" log domain, hidden by
// GLib's default log writer unless the domain is enabled (GLib reads the
// variable when a message is logged, so setting it here is early enough).
if (GLib.getenv('G_MESSAGES_DEBUG') === null)
    GLib.setenv('G_MESSAGES_DEBUG', 'Concurra', true);

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');

const STEPS = [
    // label, depends_on, work milliseconds, value, failing attempts
    ['fetch', null, 120, 'concurra-glib-1.0.0.tar.xz', 0],
    ['unpack', ['fetch'], 80, 42, 0],
    ['compile', ['unpack'], 250, 17, 0],
    ['lint', ['unpack'], 60, '0 warnings', 1],
    ['docs', ['unpack'], 150, 9, 0],
    ['package', ['compile', 'lint', 'docs'], 100, 'concurra-glib-1.0.0.flatpak', 0],
];

// Calls @done after @ms milliseconds, unless @cancellable is cancelled first
// (the runner cancels it on timeout or abort): then the timer is dropped and
// the step never reports. Both sources go to the thread-default main
// context, the one the step was started on.
function simulateWork(ms, cancellable, done) {
    const context = GLib.MainContext.ref_thread_default();
    const timer = GLib.timeout_source_new(ms);
    const cancelled = cancellable.source_new();
    timer.set_callback(() => {
        cancelled.destroy();
        done();
        return GLib.SOURCE_REMOVE;
    });
    cancelled.set_callback(() => {
        timer.destroy();
        return GLib.SOURCE_REMOVE;
    });
    timer.attach(context);
    cancelled.attach(context);
}

function makeStep(label, ms, value, failAttempts) {
    let attempts = 0;
    return (task, cancellable) => {
        const attempt = ++attempts;
        simulateWork(ms, cancellable, () => {
            if (attempt <= failAttempts) {
                task.return_error(new GLib.Error(Gio.IOErrorEnum,
                    Gio.IOErrorEnum.BUSY,
                    `${label}: resource busy (attempt ${attempt})`));
            } else if (typeof value === 'number') {
                task.return_int(value);
            } else {
                task.return_string(value);
            }
        });
        return true;  // started: the step reports later
    };
}

async function main() {
    const runner = new Concurra.Runner({
        name: 'pipeline',
        max_concurrency: 3,
        progress_stats: true,
        verify_on_finish: false,          // we print the report ourselves
        retry_delay: 0.05,
    });

    for (const [label, deps, ms, value, failAttempts] of STEPS) {
        const task = runner.add_main_context_task(label, deps,
            makeStep(label, ms, value, failAttempts));
        task.timeout = 10;
        if (failAttempts)
            task.retries = failAttempts + 1;
    }

    runner.connect('task-retrying', (_r, task, attempt, error) =>
        print(`  retrying ${task.label} after attempt ${attempt} failed: ${error.message}`));
    runner.connect('task-finished', (_r, task) => {
        const text = task.has_failed
            ? task.error_message : JSON.stringify(task.get_value());
        print(`  ${task.label.padEnd(8)} -> ${text}`);
    });

    print(`Running ${runner.get_n_tasks()} tasks…`);
    const results = await runner.run_async(null);

    print('');
    print(runner.format_report());

    const failed = runner.get_n_failed();
    if (failed) {
        printerr(`pipeline: ${failed} task(s) failed`);
        return 1;
    }
    // Every step reports a value; a successful step without one did not run.
    const empty = Object.values(results).filter(t => t.get_value() === null);
    if (empty.length) {
        printerr(`pipeline: no value from ${empty.map(t => t.label).join(', ')}`);
        return 1;
    }
    print(`All ${Object.keys(results).length} tasks succeeded.`);
    return 0;
}

const loop = new GLib.MainLoop(null, false);
let status = 1;
main().then(rc => {
    status = rc;
}, e => {
    printerr(`pipeline: ${e}\n${e.stack ?? ''}`);
}).finally(() => loop.quit());
loop.run();
System.exit(status);
