// tap.js: what the GJS binding tests share — assertions that count their
// checks, and a runner that prints TAP (meson's 'tap' protocol).
//
//   import {assert, assertEq, runTests} from './tap.js';
//   const failures = await runTests([['name', testFn], ...]);
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';

let nChecks = 0;

export function assert(cond, what) {
    nChecks++;
    if (!cond)
        throw new Error(`assertion failed: ${what}`);
}

// Equal as JSON.
export function assertEq(actual, expected, what) {
    nChecks++;
    const a = JSON.stringify(actual), e = JSON.stringify(expected);
    if (a !== e)
        throw new Error(`assertion failed: ${what}: expected ${e}, got ${a}`);
}

// The same tasks (objects), in the same order.
export function assertSame(actual, expected, what) {
    nChecks++;
    if (actual.length !== expected.length ||
        actual.some((t, i) => t !== expected[i])) {
        const names = list => JSON.stringify(list.map(t => t?.label ?? null));
        throw new Error(`assertion failed: ${what}: expected ${names(expected)}, got ${names(actual)}`);
    }
}

function checkError(e, domain, code, what) {
    assert(e instanceof GLib.Error, `${what}: a GLib.Error (${e})`);
    assert(e.matches(domain, code),
        `${what}: error ${e.domain}:${e.code} (${e.message}) matches ${code}`);
    return e;
}

// @fn() must throw a GLib.Error of @domain/@code, which is returned.
export function assertThrows(fn, domain, code, what) {
    try {
        fn();
    } catch (e) {
        return checkError(e, domain, code, what);
    }
    throw new Error(`assertion failed: ${what}: did not throw`);
}

// @promise must reject with a GLib.Error of @domain/@code, which is returned.
export async function assertRejects(promise, domain, code, what) {
    try {
        await promise;
    } catch (e) {
        return checkError(e, domain, code, what);
    }
    throw new Error(`assertion failed: ${what}: did not reject`);
}

// Thrown by a test that cannot run here: reported as "# SKIP reason".
export class Skip extends Error {}

// Runs [name, fn] pairs one after the other (awaiting each), printing TAP;
// resolves to the number of failed tests.
export async function runTests(tests) {
    print(`1..${tests.length}`);
    let failures = 0;
    for (const [i, [name, fn]] of tests.entries()) {
        try {
            // eslint-disable-next-line no-await-in-loop
            await fn();
            print(`ok ${i + 1} - ${name}`);
        } catch (e) {
            if (e instanceof Skip) {
                print(`ok ${i + 1} - ${name} # SKIP ${e.message}`);
                continue;
            }
            failures++;
            print(`not ok ${i + 1} - ${name}`);
            for (const line of `${e}\n${e.stack ?? ''}`.split('\n'))
                print(`# ${line}`);
        }
    }
    print(`# ${nChecks} checks`);
    return failures;
}

// Runs the tests on a main loop, then exits with 0 if all passed.
export function runTestsAndExit(tests) {
    const loop = new GLib.MainLoop(null, false);
    let status = 1;
    runTests(tests).then(failures => {
        status = failures ? 1 : 0;
    }, e => {
        print(`Bail out! ${e}`);
        printerr(`${e}\n${e.stack ?? ''}`);
    }).finally(() => loop.quit());
    loop.run();
    return status;
}
