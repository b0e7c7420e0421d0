// workers.js: a stateful worker on the main loop. Each lane keeps its own
// cache; a call starts its work and reports later, and the lane runs its
// next call only then. Calls are tasks: await them as promises.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';

Gio._promisify(Concurra, 'gather_async', 'gather_finish');

const caches = new Map();   // lane -> its cache
const pool = Concurra.Worker.new(Concurra.ExecutionMode.MAIN_CONTEXT, 2);
pool.set_init_func((_worker, lane) => {
    caches.set(lane, new Map());
    return null;
});

function lookup(item) {
    return (task, _instance, lane) => {
        const cache = caches.get(lane);
        if (cache.has(item)) {
            task.return_int(cache.get(item));
            return;
        }
        // the "service" answers later
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10, () => {
            cache.set(item, item.length * 10);
            task.return_int(cache.get(item));
            return GLib.SOURCE_REMOVE;
        });
    };
}

const loop = new GLib.MainLoop(null, false);
const items = ['tea', 'coffee', 'tea', 'cocoa', 'coffee', 'tea'];
const calls = items.map(item => pool.submit(item, lookup(item)));
Concurra.gather_async(calls, Concurra.GatherFlags.NONE, 30, null).then(done => {
    for (const call of done)
        print(`${call.label.padEnd(12)} ${call.get_value()}`);
    print(`lanes: ${caches.size}`);
}).catch(e => logError(e)).finally(() => {
    pool.stop();
    loop.quit();
});
loop.run();
