/* test-worker.vala: Concurra.Worker from Vala against the generated
 * concurra-glib-1.vapi — a stateful worker with thread lanes, each owning
 * an instance made on the lane; calls awaited with `yield`; a pool with
 * least-active balancing; retries with a filter; process lanes that keep
 * state in a warm worker process; stop.
 * Built and run by meson (suite 'bindings').
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

const double LONG = 30.0;

class Account : Object {
    public int64 balance;
    public uint lane;
}

Concurra.Task deposit (Concurra.Worker worker, int64 amount) throws Error {
    return worker.submit ("deposit", (task, instance, lane, cancellable) => {
        var account = (Account) instance;
        assert (account.lane == lane);
        account.balance += amount;
        task.return_int (account.balance);
    });
}

async void test_thread_lanes () throws Error {
    var worker = new Concurra.Worker (Concurra.ExecutionMode.THREAD, 1);
    worker.set_init_func ((w, lane, cancellable) => {
        return new Account () { lane = lane };
    });
    var first = deposit (worker, 10);
    var second = deposit (worker, 5);
    var third = deposit (worker, 1);
    yield third.wait_async (LONG, null);
    yield first.wait_async (LONG, null);
    yield second.wait_async (LONG, null);
    assert (first.get_value ().get_int64 () == 10);
    assert (second.get_value ().get_int64 () == 15);
    assert (third.get_value ().get_int64 () == 16);
    worker.stop ();
}

async void test_pool_and_gather () throws Error {
    var worker = new Concurra.Worker (Concurra.ExecutionMode.THREAD, 4);
    worker.load_balancing = Concurra.LoadBalancing.LEAST_TOTAL;
    worker.set_init_func ((w, lane, cancellable) => new Account () { lane = lane });
    Concurra.Task[] calls = {};
    for (int i = 0; i < 40; i++)
        calls += deposit (worker, 1);
    var done = yield Concurra.gather_async (calls, Concurra.GatherFlags.NONE, LONG, null);
    assert (done.length == 40);
    var stats = worker.get_stats ();
    uint64 dispatched;
    assert (stats.lookup ("dispatched", "t", out dispatched));
    assert (dispatched == 40);
    var lanes = stats.lookup_value ("lanes", new VariantType ("aa{sv}"));
    for (size_t i = 0; i < lanes.n_children (); i++) {
        uint64 total;
        assert (lanes.get_child_value (i).lookup ("total", "t", out total));
        assert (total == 10);
    }
    worker.stop ();
}

async void test_retry_filter () throws Error {
    var worker = new Concurra.Worker (Concurra.ExecutionMode.THREAD, 1);
    worker.retries = 4;
    worker.retry_wait = 0;
    worker.set_retry_filter ((task, error, attempt) => error is IOError.BUSY);
    int tries = 0;
    var busy = worker.submit ("busy", (task) => {
        if (++tries < 3)
            task.return_error (new IOError.BUSY ("busy"));
        else
            task.return_int (tries);
    });
    var denied = worker.submit ("denied", (task) => {
        task.return_error (new IOError.PERMISSION_DENIED ("denied"));
    });
    yield busy.wait_async (LONG, null);
    yield denied.wait_async (LONG, null);
    assert (busy.get_value ().get_int64 () == 3);
    assert (busy.attempts == 3);
    assert (denied.status == Concurra.TaskStatus.FAILED);
    assert (denied.attempts == 1);
    worker.stop ();
}

async void test_process_lanes () throws Error {
    var path = Environment.get_variable ("CONCURRA_TEST_WORKER");
    assert (path != null);
    var worker = new Concurra.Worker (Concurra.ExecutionMode.PROCESS, 1);
    worker.worker_command = { path };
    worker.set_init_function ("counter-init", new Variant ("(x)", (int64) 40));
    var a = worker.call_function ("counter-add", new Variant ("(x)", (int64) 1));
    var b = worker.call_function ("counter-add", new Variant ("(x)", (int64) 1));
    yield b.wait_async (LONG, null);
    yield a.wait_async (LONG, null);
    assert (a.get_value ().dup_variant ().get_int64 () == 41);
    assert (b.get_value ().dup_variant ().get_int64 () == 42);
    /* ::ended comes from the worker's own thread (it was given no main
     * context): resume on this one, once the worker process is reaped */
    worker.ended.connect (() => {
        Idle.add (test_process_lanes.callback);
    });
    worker.stop ();
    yield;
    try {
        worker.call_function ("counter-add", null);
        assert_not_reached ();
    } catch (Concurra.Error e) {
        assert (e is Concurra.Error.WORKER_STOPPED);
    }
}

async void run_all (MainLoop loop) {
    try {
        yield test_thread_lanes ();
        yield test_pool_and_gather ();
        yield test_retry_filter ();
        yield test_process_lanes ();
        print ("worker tests passed\n");
    } catch (Error e) {
        error ("unexpected error: %s", e.message);
    }
    loop.quit ();
}

int main () {
    var loop = new MainLoop ();
    run_all.begin (loop);
    loop.run ();
    return 0;
}
