// Limits from GJS: Concurra.Limit, Concurra.LimitSet and
// Concurra.Acquisition through the GIR — acquire / update / release, the
// errors of Concurry's rules, try_acquire and the promisified
// acquire_async, woken by a release and by the next token (issue 16).
//
// Run by meson (suite 'bindings') with GI_TYPELIB_PATH and LD_LIBRARY_PATH
// pointing at build/concurra-glib:  gjs -m test-limits.js
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';
import System from 'system';

import {assert, assertEq, assertRejects, assertThrows, runTests} from './tap.js';

Gio._promisify(Concurra.LimitSet.prototype, 'acquire_async', 'acquire_finish');

const A = Concurra.RateLimitAlgorithm;
const E = Concurra.Error;
const DOMAIN = Concurra.error_quark();

function makeSet() {
    return Concurra.LimitSet.new([
        Concurra.Limit.new_rate('tokens', 10, 100, A.TOKEN_BUCKET),
        Concurra.Limit.new_call(10, 50, A.GCRA),
        Concurra.Limit.new_resource('db', 2),
    ]);
}

function stats(limits) {
    return limits.get_stats().recursiveUnpack();
}

function testDefinitions() {
    const rate = Concurra.Limit.new_rate('tokens', 60, 1000, A.FIXED_WINDOW);
    assertEq([rate.key, rate.kind, rate.capacity, rate.window, rate.algorithm],
        ['tokens', Concurra.LimitKind.RATE, 1000, 60, A.FIXED_WINDOW], 'properties');
    assertEq(Concurra.Limit.new_call(1, 5, A.GCRA).key, 'call_count', 'call key');
    const e = assertThrows(() => Concurra.Limit.new_rate('', 1, 1, A.GCRA),
        DOMAIN, E.INVALID_ARGUMENT, 'empty key');
    assert(e.message.includes('key'), 'the error names the key');
    assertThrows(() => Concurra.LimitSet.new([Concurra.Limit.new_resource('db', 1),
        Concurra.Limit.new_resource('db', 1)]), DOMAIN, E.INVALID_ARGUMENT, 'duplicate keys');
}

function testAcquireUpdateRelease() {
    const limits = makeSet();
    assertEq(limits.get_keys(), ['tokens', 'call_count', 'db'], 'keys');
    const acq = limits.acquire(['tokens'], [30], -1, null);
    assertEq([acq.get_amount('tokens'), acq.get_amount('call_count'), acq.get_amount('db')],
        [30, 1, 1], 'amounts: named, plus call and resource with 1');
    assertEq(stats(limits).db['in-use'], 1, 'the connection is held');
    acq.update('tokens', 10);
    acq.release();
    assertEq(stats(limits).db['in-use'], 0, 'and given back');
    assert(stats(limits).tokens.available > 89, 'unused tokens refunded');
    assertThrows(() => acq.release(), DOMAIN, E.FAILED, 'released twice');
    assertThrows(() => acq.update('tokens', 1), DOMAIN, E.FAILED, 'update after release');

    const e = assertThrows(() => limits.acquire(null, null, -1, null),
        DOMAIN, E.INVALID_ARGUMENT, 'no amount for a rate limit');
    assert(e.message.includes('Must specify requested amount for RateLimit'), e.message);
    assertThrows(() => limits.acquire(['tokens'], [101], -1, null),
        DOMAIN, E.INVALID_ARGUMENT, 'above capacity');
    const forgot = limits.acquire(['tokens'], [5], -1, null);
    const f = assertThrows(() => forgot.release(), DOMAIN, E.FAILED, 'not updated');
    assert(f.message.includes('Not all limits in the LimitSet were updated'), f.message);
}

async function testAsync() {
    const limits = makeSet();
    const hold = limits.try_acquire(['db'], [2]);
    assert(hold.is_successful(), 'both connections held');
    assert(!limits.try_acquire(['db'], [1]).is_successful(), 'try_acquire does not wait');
    await assertRejects(limits.acquire_async(['db'], [1], 0.05, null),
        DOMAIN, E.TIMEOUT, 'timeout');
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 50, () => {
        hold.release();
        return GLib.SOURCE_REMOVE;
    });
    const acq = await limits.acquire_async(['db'], [1], 10, null);
    assertEq(acq.get_amount('db'), 1, 'woken by the release');
    acq.release();

    // a call limit of 1 per 0.2 s: the second call waits for the next token
    const calls = Concurra.LimitSet.new([Concurra.Limit.new_call(0.2, 1, A.TOKEN_BUCKET)]);
    (await calls.acquire_async(null, null, -1, null)).release();
    const start = GLib.get_monotonic_time();
    (await calls.acquire_async(null, null, -1, null)).release();
    assert(GLib.get_monotonic_time() - start >= 150000, 'waited for the next token');

    const cancellable = new Gio.Cancellable();
    const blocked = limits.try_acquire(['db'], [2]);
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => {
        cancellable.cancel();
        return GLib.SOURCE_REMOVE;
    });
    await assertRejects(limits.acquire_async(['db'], [1], -1, cancellable),
        Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED, 'cancelled');
    blocked.release();
}

const TESTS = [
    ['definitions and bad arguments', testDefinitions],
    ['acquire, update, release and the rules', testAcquireUpdateRelease],
    ['acquire_async: timeout, release, next token, cancel', testAsync],
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
