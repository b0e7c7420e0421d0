// pipeline.js: the pipeline example from GJS.
//
//   fetch -> unpack -> { compile, lint, docs } -> package
//
// Each step reports a value; "lint" is flaky and fails its first attempt,
// then succeeds when the runner retries it.
//
//   GI_TYPELIB_PATH=build/concurra-glib LD_LIBRARY_PATH=build/concurra-glib \
//       gjs -m examples/pipeline.js
//
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
    // label, depends_on, value, failing attempts
    ['fetch', null, 'concurra-glib-1.0.0.tar.xz', 0],
    ['unpack', ['fetch'], 42, 0],
    ['compile', ['unpack'], 17, 0],
    ['lint', ['unpack'], '0 warnings', 1],
    ['docs', ['unpack'], 9, 0],
    ['package', ['compile', 'lint', 'docs'], 'concurra-glib-1.0.0.flatpak', 0],
];

function makeStep(label, value, failAttempts) {
    let attempts = 0;
    return task => {
        attempts++;
        if (attempts <= failAttempts) {
            task.return_error(new GLib.Error(Gio.IOErrorEnum,
                Gio.IOErrorEnum.BUSY,
                `${label}: resource busy (attempt ${attempts})`));
        } else if (typeof value === 'number') {
            task.return_int(value);
        } else {
            task.return_string(value);
        }
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

    for (const [label, deps, value, failAttempts] of STEPS) {
        const task = runner.add_task(label, deps,
            makeStep(label, value, failAttempts));
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

    // gjs refuses to call JS functions from worker threads ("Attempting to
    // run a JS callback on a different thread"), and task functions run on
    // the runner's thread pool: the steps then "succeed" without running.
    if (Object.values(results).some(t => !t.has_failed && t.get_value() === null)) {
        printerr('pipeline: the JS step functions did not run: gjs blocks ' +
            'callbacks invoked on worker threads');
        return 77;  // meson's "skipped"
    }

    const failed = runner.get_n_failed();
    if (failed) {
        printerr(`pipeline: ${failed} task(s) failed`);
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
