// consumer.js: the installed typelib from GJS, as a user has it after
// `meson install`. Run by ../test-install.sh.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';
import System from 'system';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');

const runner = new Concurra.Runner({name: 'consumer'});
// a main-context task's function starts its work and returns true
const square = n => task => {
    task.return_int(n * n);
    return true;
};
runner.add_main_context_task('square_4', null, square(4));
runner.add_main_context_task('square_5', ['square_4'], square(5));

const loop = new GLib.MainLoop(null, false);
let status = 1;
runner.run_async(null).then(results => {
    print(`GJS: square_5 = ${results['square_5'].get_value()}`);
    status = 0;
}, e => printerr(`consumer: ${e}`)).finally(() => loop.quit());
loop.run();

// the library this process loaded, to tell the installed one from the build tree's
const [, maps] = GLib.file_get_contents('/proc/self/maps');
const lib = new TextDecoder().decode(maps).split('\n')
    .map(line => line.split(/\s+/)[5]).find(p => p && p.includes('libconcurra-glib-1.so'));
print(`library: ${lib}`);
System.exit(status);
