// limits.vala: two connections, 5 calls per half second and a budget of
// tokens, shared by four asynchronous jobs on the main loop; each call
// takes all three at once and gives back the tokens it did not use.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later

Concurra.LimitSet limits;
int used = 0;

async void job () throws Error {
    for (int i = 0; i < 3; i++) {
        // waits without blocking the main loop; one connection and one
        // call are taken too
        var acquisition = yield limits.acquire_async ({ "tokens" }, { 100 }, -1, null);
        // ... call the service; it says it used 40 tokens ...
        used += 40;
        acquisition.update ("tokens", 40);
        acquisition.release ();  // the 60 tokens not used go back
    }
}

async void run () throws Error {
    var start = GLib.get_monotonic_time ();
    int running = 4;

    for (int i = 0; i < 4; i++) {
        job.begin ((obj, res) => {
            try {
                job.end (res);
            } catch (Error e) {
                error ("%s", e.message);
            }
            if (--running == 0)
                run.callback ();
        });
    }
    yield;
    // 12 calls at 5 per half second: the last ones waited for the window
    assert (GLib.get_monotonic_time () - start >= 1000000);
    print ("12 calls, %d tokens used\n", used);

    var tokens = limits.get_stats ().lookup_value ("tokens", null);
    double available;
    tokens.lookup ("available", "d", out available);
    assert (available >= 1000 - 12 * 40);
    print ("tokens available: about %.0f of 1000\n", available);

    // a rate limit must be told what was used
    var forgot = limits.try_acquire ({ "tokens" }, { 10 });
    try {
        forgot.release ();
    } catch (Error e) {
        print ("%s\n", e.message);
    }

    // more than the capacity can never fit: an error at once
    try {
        yield limits.acquire_async ({ "tokens" }, { 5000 }, -1, null);
        assert_not_reached ();
    } catch (Concurra.Error.INVALID_ARGUMENT e) {
        print ("%s\n", e.message);
    }
}

int main () {
    var loop = new MainLoop ();
    try {
        limits = new Concurra.LimitSet ({
            new Concurra.Limit.resource ("connections", 2),
            new Concurra.Limit.call (0.5, 5, Concurra.RateLimitAlgorithm.SLIDING_WINDOW),
            new Concurra.Limit.rate ("tokens", 60, 1000,
                                     Concurra.RateLimitAlgorithm.TOKEN_BUCKET),
        });
    } catch (Error e) {
        error ("%s", e.message);
    }
    run.begin ((obj, res) => {
        try {
            run.end (res);
        } catch (Error e) {
            error ("%s", e.message);
        }
        loop.quit ();
    });
    loop.run ();
    return 0;
}
