// limits.js: two connections, 5 calls per half second and a budget of
// tokens, shared by four asynchronous jobs on the main loop; each call
// takes all three at once and gives back the tokens it did not use.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';

Gio._promisify(Concurra.LimitSet.prototype, 'acquire_async', 'acquire_finish');

const Algorithm = Concurra.RateLimitAlgorithm;
const limits = Concurra.LimitSet.new([
    Concurra.Limit.new_resource('connections', 2),
    Concurra.Limit.new_call(0.5, 5, Algorithm.SLIDING_WINDOW),
    Concurra.Limit.new_rate('tokens', 60, 1000, Algorithm.TOKEN_BUCKET),
]);
let used = 0;

async function job() {
    for (let i = 0; i < 3; i++) {
        // waits without blocking the main loop; one connection and one
        // call are taken too
        const acquisition = await limits.acquire_async(['tokens'], [100], -1, null);
        // ... call the service; it says it used 40 tokens ...
        used += 40;
        acquisition.update('tokens', 40);
        acquisition.release();  // the 60 tokens not used go back
    }
}

const start = GLib.get_monotonic_time();
await Promise.all([job(), job(), job(), job()]);
// 12 calls at 5 per half second: the last ones waited for the window
if (GLib.get_monotonic_time() - start < 1000000)
    throw new Error('the call limit did not hold');
print(`12 calls, ${used} tokens used`);

const stats = limits.get_stats().recursiveUnpack();
if (stats.tokens.available < 1000 - 12 * 40)
    throw new Error('unused tokens were not refunded');
print(`tokens available: about ${Math.round(stats.tokens.available)} of 1000`);

// a rate limit must be told what was used
const forgot = limits.try_acquire(['tokens'], [10]);
try {
    forgot.release();
} catch (e) {
    print(e.message);
}

// more than the capacity can never fit: an error at once
try {
    await limits.acquire_async(['tokens'], [5000], -1, null);
    throw new Error('not reached');
} catch (e) {
    if (!e.matches(Concurra.error_quark(), Concurra.Error.INVALID_ARGUMENT))
        throw e;
    print(e.message);
}
