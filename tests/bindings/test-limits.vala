/* test-limits.vala: limits from Vala against the generated
 * concurra-glib-1.vapi — Concurra.Limit, Concurra.LimitSet and
 * Concurra.Acquisition: acquire / update / release, the errors of
 * Concurry's rules, try_acquire and `yield` on acquire_async (issue 16).
 * Built and run by meson (suite 'bindings').
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

MainLoop loop;

Concurra.LimitSet make_set () throws Error {
    return new Concurra.LimitSet ({
        new Concurra.Limit.rate ("tokens", 10, 100, Concurra.RateLimitAlgorithm.TOKEN_BUCKET),
        new Concurra.Limit.call (10, 50, Concurra.RateLimitAlgorithm.GCRA),
        new Concurra.Limit.resource ("db", 2),
    });
}

double stat (Concurra.LimitSet limits, string key, string name) {
    var per_key = limits.get_stats ().lookup_value (key, null);
    var value = per_key.lookup_value (name, null);
    return value.is_of_type (VariantType.DOUBLE) ? value.get_double () : value.get_uint32 ();
}

void test_definitions () throws Error {
    var rate = new Concurra.Limit.rate ("tokens", 60, 1000, Concurra.RateLimitAlgorithm.GCRA);
    assert (rate.key == "tokens");
    assert (rate.kind == Concurra.LimitKind.RATE);
    assert (rate.capacity == 1000);
    assert (rate.window == 60);
    assert (new Concurra.Limit.call (1, 5, Concurra.RateLimitAlgorithm.GCRA).key == "call_count");
    try {
        new Concurra.Limit.resource ("db", 0);
        assert_not_reached ();
    } catch (Concurra.Error.INVALID_ARGUMENT e) {
        assert ("capacity" in e.message);
    }
}

void test_acquire_update_release () throws Error {
    var limits = make_set ();
    assert (limits.get_keys ()[2] == "db");
    var acq = limits.acquire ({ "tokens" }, { 30 }, -1, null);
    assert (acq.get_amount ("tokens") == 30);
    assert (acq.get_amount ("call_count") == 1);
    assert (acq.get_amount ("db") == 1);
    assert (stat (limits, "db", "in-use") == 1);
    acq.update ("tokens", 10);
    acq.release ();
    assert (stat (limits, "db", "in-use") == 0);
    assert (stat (limits, "tokens", "available") > 89);
    try {
        acq.release ();
        assert_not_reached ();
    } catch (Concurra.Error.FAILED e) {
    }
    try {
        limits.acquire (null, null, -1, null);
        assert_not_reached ();
    } catch (Concurra.Error.INVALID_ARGUMENT e) {
        assert ("Must specify requested amount for RateLimit" in e.message);
    }
    var forgot = limits.acquire ({ "tokens" }, { 5 }, -1, null);
    try {
        forgot.release ();
        assert_not_reached ();
    } catch (Concurra.Error.FAILED e) {
        assert ("Not all limits in the LimitSet were updated" in e.message);
    }
}

async void test_async () throws Error {
    var limits = make_set ();
    var hold = limits.try_acquire ({ "db" }, { 2 });
    assert (hold.is_successful ());
    assert (!limits.try_acquire ({ "db" }, { 1 }).is_successful ());
    try {
        yield limits.acquire_async ({ "db" }, { 1 }, 0.05, null);
        assert_not_reached ();
    } catch (Concurra.Error.TIMEOUT e) {
    }
    Timeout.add (50, () => {
        try {
            hold.release ();
        } catch (Error e) {
            error ("%s", e.message);
        }
        return Source.REMOVE;
    });
    var acq = yield limits.acquire_async ({ "db" }, { 1 }, 10, null);
    assert (acq.get_amount ("db") == 1);
    acq.release ();
}

async void run_all () {
    string[] names = {
        "definitions and bad arguments",
        "acquire, update, release and the rules",
        "acquire_async: timeout and release",
    };
    int n = 0;
    print ("1..%d\n", names.length);
    try {
        test_definitions ();
        print ("ok %d - %s\n", ++n, names[n - 1]);
        test_acquire_update_release ();
        print ("ok %d - %s\n", ++n, names[n - 1]);
        yield test_async ();
        print ("ok %d - %s\n", ++n, names[n - 1]);
    } catch (Error e) {
        error ("test %d (%s): unexpected error: %s", n + 1, names[n], e.message);
    }
    loop.quit ();
}

int main () {
    loop = new MainLoop ();
    run_all.begin ();
    loop.run ();
    return 0;
}
