/* test-concurra.vala: binding smoke test against the generated
 * concurra-glib-1.vapi; built and run by meson (suite 'bindings').
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

static void fetch (Concurra.Task task, GLib.Cancellable? cancellable) {
    task.return_string ("payload");
}

static void parse (Concurra.Task task, GLib.Cancellable? cancellable) {
    task.return_int (42);
}

static void lint (Concurra.Task task, GLib.Cancellable? cancellable) {
    task.return_error (new IOError.FAILED ("boom"));
}

static void report (Concurra.Task task, GLib.Cancellable? cancellable) {
    task.return_string ("should not run");
}

/* Waits (cooperatively) until the runner cancels it on timeout. */
static void stuck (Concurra.Task task, GLib.Cancellable? cancellable) {
    var mutex = Mutex ();
    var cond = Cond ();
    ulong id = cancellable.connect (() => {
        mutex.lock ();
        cond.broadcast ();
        mutex.unlock ();
    });
    mutex.lock ();
    var deadline = get_monotonic_time () + 5 * TimeSpan.SECOND;
    while (!cancellable.is_cancelled ()) {
        if (!cond.wait_until (mutex, deadline))
            break;
    }
    mutex.unlock ();
    cancellable.disconnect (id);
    task.return_string ("late");
}

static Concurra.Runner new_runner (string name) {
    var runner = new Concurra.Runner (name);
    runner.verify_on_finish = false;
    runner.max_concurrency = 2;
    return runner;
}

static void build_dag (Concurra.Runner runner) throws Error {
    runner.add_task ("fetch", null, fetch);
    runner.add_task ("parse", { "fetch" }, parse);
    runner.add_task ("lint", { "fetch" }, lint);
    runner.add_task ("report", { "parse", "lint" }, report);
}

static void check_dag (Concurra.Runner runner, HashTable<unowned string, unowned Concurra.Task> results) {
    assert (results.size () == 4);
    foreach (var label in new string[] { "fetch", "parse", "lint", "report" }) {
        var task = results.lookup (label);
        assert (task != null);
        assert (task.label == label);
        assert (runner.get_task (label) == task);
    }

    var f = results["fetch"];
    assert (f.status == Concurra.TaskStatus.SUCCESSFUL);
    assert (!f.has_failed);
    unowned Value? v = f.get_value ();
    assert (v != null && v.holds (typeof (string)));
    assert (v.get_string () == "payload");
    assert (f.get_error () == null);
    assert (f.attempts == 1);
    assert (f.execution_mode == Concurra.ExecutionMode.THREAD);
    assert (f.get_start_time () != null);

    var p = results["parse"];
    assert (p.status == Concurra.TaskStatus.SUCCESSFUL);
    v = p.get_value ();
    assert (v != null && v.holds (typeof (int64)));
    assert (v.get_int64 () == 42);

    var l = results["lint"];
    assert (l.status == Concurra.TaskStatus.FAILED);
    assert (l.has_failed);
    assert (l.get_value () == null);
    unowned Error? err = l.get_error ();
    assert (err != null && err.matches (IOError.quark (), IOError.FAILED));
    assert (l.error_message == "boom");
    /* the record keeps Concurra's "Type: message" form */
    var recorded = l.to_variant ().lookup_value ("error", null);
    assert (recorded.get_maybe ().get_string () == "g-io-error-quark.0: boom");

    var r = results["report"];
    assert (r.status == Concurra.TaskStatus.TERMINATED);
    assert (r.attempts == 0);
    assert (r.get_start_time () == null);
    err = r.get_error ();
    assert (err != null && err.matches (Concurra.Error.quark (), Concurra.Error.DEPENDENCY_FAILED));
    assert (r.error_message == "Skipped: dependency [lint] failed or was terminated");

    assert (runner.state == Concurra.RunnerState.FINISHED);
    assert (!runner.is_running ());
    assert (runner.n_failed == 2);

    assert (runner.get_n_items () == 4);
    assert (((Concurra.Task) runner.get_item (2)).label == "lint");

    var d = new VariantDict (f.to_variant ());
    foreach (var key in new string[] {
            "task_name", "label", "start_time", "end_time", "duration",
            "duration_seconds", "result", "output", "error", "trace",
            "status", "has_failed", "execution_mode", "warning", "attempts",
            "task_retries", "retried", "retry_errors" })
        assert (d.contains (key));
    assert (d.lookup_value ("status", VariantType.STRING).get_string () == "Successful");
    assert (d.lookup_value ("label", VariantType.STRING).get_string () == "fetch");
    /* "result" is an "mv": nothing, or the value boxed in a variant */
    var result = d.lookup_value ("result", new VariantType ("mv"));
    assert (result != null && result.get_maybe () != null);
    assert (result.get_maybe ().get_variant ().get_string () == "payload");
    assert (d.lookup_value ("error", new VariantType ("ms")).get_maybe () == null);
    assert (d.lookup_value ("attempts", VariantType.UINT32).get_uint32 () == 1);

    var dr = new VariantDict (r.to_variant ());
    assert (dr.lookup_value ("status", VariantType.STRING).get_string () == "Terminated");
    assert (dr.lookup_value ("has_failed", VariantType.BOOLEAN).get_boolean ());

    var text = runner.format_report ();
    assert ("| label" in text && "Successful" in text && "Failed" in text && "Terminated" in text);
}

/* A main-context task's function throws: the task fails with that error
 * at once; one that returns false without throwing fails at once with an
 * error naming it; one that returns true reports later. */
static void test_main_context () throws Error {
    var runner = new Concurra.Runner ("vala-main-context");
    var thrown = runner.add_main_context_task ("throws", null, (task, cancellable) => {
        throw new IOError.NOT_CONNECTED ("no network for %s", task.label);
    });
    var refused = runner.add_main_context_task ("refuses", null, (task, cancellable) => {
        return false;
    });
    var later = runner.add_main_context_task ("later", null, (task, cancellable) => {
        var source = new TimeoutSource (10);
        source.set_callback (() => {
            task.return_int (5);
            return Source.REMOVE;
        });
        source.attach (MainContext.ref_thread_default ());
        return true;
    });
    runner.run ();
    assert (thrown.status == Concurra.TaskStatus.FAILED);
    assert (thrown.get_error () is IOError.NOT_CONNECTED);
    assert (thrown.get_error ().message == "no network for throws");
    assert (refused.status == Concurra.TaskStatus.FAILED);
    assert (refused.get_error () is Concurra.Error.FAILED);
    assert ("'refuses'" in refused.get_error ().message);
    assert (later.status == Concurra.TaskStatus.SUCCESSFUL);
    assert (later.get_value ().get_int64 () == 5);
}

static void test_sync () throws Error {
    var runner = new_runner ("vala-sync");
    build_dag (runner);
    check_dag (runner, runner.run (null));
    try {
        runner.run (null);
        assert_not_reached ();
    } catch (Concurra.Error.ALREADY_STARTED e) {
    }
}

static void test_errors () throws Error {
    var runner = new_runner ("vala-errors");
    runner.add_task ("a", null, parse);
    try {
        runner.add_task ("a", null, parse);
        assert_not_reached ();
    } catch (Concurra.Error.DUPLICATE_LABEL e) {
        assert ("'a'" in e.message);
    }
    try {
        runner.add_task ("b", { "b" }, parse);
        assert_not_reached ();
    } catch (Concurra.Error.SELF_DEPENDENCY e) {
    }
    runner.add_task ("c", { "d" }, parse);
    try {
        runner.add_task ("d", { "c" }, parse);
        assert_not_reached ();
    } catch (Concurra.Error.CYCLE e) {
        assert ("d → c → d" in e.message);
    }
    assert (runner.n_tasks == 2);
    try {
        runner.run (null);
        assert_not_reached ();
    } catch (Concurra.Error.UNKNOWN_DEPENDENCY e) {
        assert ("'d'" in e.message);
    }
}

/* One Concurra.Function for many tasks, each called with its id: the
 * task is Concurra.Task.get_current () and its attempt's cancellable
 * Cancellable.get_current () during the call. */
static void test_shared_function () throws Error {
    string[] photos = { "a.jpg", "b.jpg", "missing.jpg" };
    var calls = new int[photos.length];
    var function = new Concurra.Function ("resize", (id) => {
        var task = Concurra.Task.get_current ();
        assert (task != null);
        assert (Cancellable.get_current () != null);
        AtomicInt.inc (ref calls[id]);
        if (photos[id] == "missing.jpg")
            task.return_error (new IOError.NOT_FOUND ("no such photo: %s", photos[id]));
        else
            task.return_string (photos[id].up ());
    });
    assert (function.name == "resize");
    var runner = new_runner ("vala-function");
    runner.max_concurrency = 2;
    Concurra.Task[] tasks = {};
    for (uint i = 0; i < photos.length; i++)
        tasks += runner.add_function (photos[i], null, function, i);
    var again = new Concurra.Task.for_function (function, "again", 0);
    runner.add (again, null, { "a.jpg" });
    /* inside its function a task counts its running attempt */
    int[] flaky_seen = {};
    var flaky = runner.add_function ("flaky", null, new Concurra.Function ("flaky", (id) => {
        var task = Concurra.Task.get_current ();
        flaky_seen += (int) task.attempts;
        if (task.attempts == 1)
            task.return_error (new IOError.BUSY ("busy"));
        else
            task.return_int ((int64) id);
    }), 9);
    flaky.retries = 1;
    try {
        runner.add_function ("b.jpg", null, function, 1);
        assert_not_reached ();
    } catch (Concurra.Error.DUPLICATE_LABEL e) {
        assert ("'b.jpg'" in e.message);
    }
    assert (Concurra.Task.get_current () == null);
    runner.run (null);

    assert (calls[0] == 2 && calls[1] == 1 && calls[2] == 1);
    assert (tasks[0].get_function () == function);
    assert (tasks[1].get_function_id () == 1);
    assert (tasks[0].name == "resize" && again.name == "again");
    assert (tasks[0].get_value ().get_string () == "A.JPG");
    assert (again.get_value ().get_string () == "A.JPG");
    assert (tasks[2].status == Concurra.TaskStatus.FAILED);
    assert (tasks[2].get_error () is IOError.NOT_FOUND);
    assert (tasks[2].error_message == "no such photo: missing.jpg");
    assert (flaky_seen.length == 2 && flaky_seen[0] == 1 && flaky_seen[1] == 2);
    assert (flaky.get_value ().get_int64 () == 9);
}

static void test_default_constructed () throws Error {
    var runner = new_runner ("vala-default-constructed");
    try {
        runner.add ((Concurra.Task) Object.new (typeof (Concurra.Task), "name", "hollow"), "hollow", null);
        assert_not_reached ();
    } catch (Concurra.Error.INVALID_ARGUMENT e) {
        assert ("'hollow'" in e.message);
    }
    assert (runner.n_tasks == 0);
    var stream = (Concurra.TaskStream) Object.new (typeof (Concurra.TaskStream));
    assert (stream.n_tasks == 0);
    assert (stream.get_n_items () == 0);
}

/* fast-fail ignores a cancelled task; the counters notify; wait() from a
 * task-finished handler fails instead of waiting for itself. */
static void test_cancel_notify_and_wait_in_handler () throws Error {
    var runner = new_runner ("vala-cancel-notify");
    runner.fast_fail = true;
    var victim = runner.add_task ("victim", null, stuck);
    runner.add_task ("after", { "victim" }, parse);
    foreach (var label in new string[] { "x", "y", "z" })
        runner.add_task (label, null, fetch);
    runner.task_started.connect ((task) => {
        if (task == victim)
            assert (task.cancel ());
    });
    uint last_completed = 0, last_failed = 0, refusals = 0;
    runner.notify["n-completed"].connect (() => last_completed = runner.n_completed);
    runner.notify["n-failed"].connect (() => last_failed = runner.n_failed);
    runner.task_finished.connect (() => {
        try {
            runner.wait (null);
            assert_not_reached ();
        } catch (Concurra.Error.STILL_RUNNING e) {
            refusals++;
        } catch (Error e) {
            error ("unexpected: %s", e.message);
        }
    });

    var results = runner.run (null);
    assert (results.lookup ("victim").error_message == "Task was cancelled");
    assert (results.lookup ("after").status == Concurra.TaskStatus.TERMINATED);
    foreach (var label in new string[] { "x", "y", "z" })
        assert (results.lookup (label).status == Concurra.TaskStatus.SUCCESSFUL);
    assert (last_completed == 5);
    assert (last_failed == 2);
    assert (refusals == 5);
}

static void test_retries_and_timeout () throws Error {
    var runner = new_runner ("vala-retries");
    int calls = 0;
    var flaky = runner.add_task ("flaky", null, (task, cancellable) => {
        calls++;
        if (calls <= 2)
            task.return_error (new IOError.FAILED ("flaky %d", calls));
        else
            task.return_double (2.5);
    });
    flaky.retries = 3;
    var slow = runner.add_task ("stuck", null, stuck);
    slow.timeout = 0.2;
    runner.add_task ("after", { "stuck" }, parse);
    uint n_retrying = 0;
    runner.task_retrying.connect ((task, attempt, error) => {
        assert (task.label == "flaky");
        assert (error.message == "flaky %u".printf (attempt));
        n_retrying++;
    });

    var start = get_monotonic_time ();
    var results = runner.run (null);
    assert (get_monotonic_time () - start < 3 * TimeSpan.SECOND);

    var t = results["flaky"];
    assert (t.status == Concurra.TaskStatus.SUCCESSFUL);
    assert (t.get_value ().get_double () == 2.5);
    assert (t.attempts == 3);
    assert (t.retried);
    assert (calls == 3);
    assert (n_retrying == 2);
    unowned string[] errors = t.get_retry_errors ();
    assert (strv_length (errors) == 2);
    assert (errors[0] == "g-io-error-quark.0: flaky 1");
    assert (errors[1] == "g-io-error-quark.0: flaky 2");

    var s = results["stuck"];
    assert (s.status == Concurra.TaskStatus.TERMINATED);
    assert (s.get_error ().matches (Concurra.Error.quark (), Concurra.Error.TIMEOUT));
    assert (s.error_message == "Task exceeded timeout of 0.2 seconds");
    assert (s.get_value () == null);
    assert (results["after"].get_error ().matches (Concurra.Error.quark (), Concurra.Error.DEPENDENCY_FAILED));
}

/* One timeout convention: TIMEOUT_DEFAULT the default (the runner's for a
 * task, no limit for a runner), TIMEOUT_INFINITE no limit, 0 no time. */
static void test_timeout_convention () throws Error {
    assert (Concurra.TIMEOUT_DEFAULT == -1);
    assert (Concurra.TIMEOUT_INFINITE == double.MAX);
    var runner = new_runner ("vala-timeout-convention");
    assert (runner.timeout == Concurra.TIMEOUT_DEFAULT);
    runner.timeout = 0.2;
    var unlimited = runner.add_task ("unlimited", null, (task, cancellable) => {
        Thread.usleep (500000);
        task.return_string ("done");
    });
    assert (unlimited.timeout == Concurra.TIMEOUT_DEFAULT);
    unlimited.timeout = double.INFINITY;
    assert (unlimited.timeout == Concurra.TIMEOUT_INFINITE);
    int zero_calls = 0;
    var zero = runner.add_task ("zero", null, (task, cancellable) => {
        AtomicInt.inc (ref zero_calls);
    });
    zero.timeout = 0;
    var inherits = runner.add_task ("inherits", null, stuck);
    inherits.timeout = -3;
    assert (inherits.timeout == Concurra.TIMEOUT_DEFAULT);

    var results = runner.run (null);
    assert (results["unlimited"].status == Concurra.TaskStatus.SUCCESSFUL);
    assert (results["zero"].error_message == "Task exceeded timeout of 0 seconds");
    assert (AtomicInt.get (ref zero_calls) == 0);
    assert (results["inherits"].error_message == "Task exceeded timeout of 0.2 seconds");
}

/* ---- process mode: tasks run in worker processes ---- */

/* The worker program (tests/process-worker.c), as the meson test
 * environment names it. */
static string worker_path () {
    var path = Environment.get_variable ("CONCURRA_TEST_WORKER");
    if (path == null || path == "")
        error ("CONCURRA_TEST_WORKER is not set: run this test with meson test");
    assert (FileUtils.test (path, FileTest.IS_EXECUTABLE));
    return path;
}

static Concurra.Runner new_process_runner (string name, int max_concurrency) {
    var runner = new Concurra.Runner (name);
    runner.verify_on_finish = false;
    runner.execution_mode = Concurra.ExecutionMode.PROCESS;
    runner.max_concurrency = max_concurrency;
    runner.worker_command = { worker_path () };
    assert (runner.execution_mode == Concurra.ExecutionMode.PROCESS);
    assert (strv_length (runner.get_worker_command ()) == 1);
    assert (runner.get_worker_command ()[0] == worker_path ());
    return runner;
}

/* A "square" process task that ran in a worker and returned @x * @x: its
 * value is a GValue holding a GVariant. */
static void check_square (Concurra.Task? task, int64 x) {
    assert (task != null);
    assert (task.status == Concurra.TaskStatus.SUCCESSFUL);
    assert (!task.has_failed);
    assert (task.execution_mode == Concurra.ExecutionMode.PROCESS);
    assert (task.get_error () == null);
    assert (task.attempts == 1);
    unowned Value? v = task.get_value ();
    assert (v != null && v.holds (typeof (Variant)));
    /* dup_variant (): Vala's Value.get_variant () is bound as owned, but
     * g_value_get_variant () is transfer none (the variant would be
     * unreffed once too often) */
    Variant? result = v.dup_variant ();
    assert (result != null && result.is_of_type (VariantType.INT64));
    assert (result.get_int64 () == x * x);
}

static void test_process_mode () throws Error {
    /* 20 squares, an error with a domain of the worker's own, a crash */
    var runner = new_process_runner ("vala-process", 2);
    for (int i = 0; i < 20; i++)
        runner.add_process_task ("square-%d".printf (i), null, "square",
                                 new Variant ("(x)", (int64) i));
    var fail = runner.add_process_task ("fail", null, "fail",
                                        new Variant ("(sis)", "my-app-error-quark", 7, "bad input"));
    var segv = runner.add_process_task ("segv", null, "segv", null);

    var start = get_monotonic_time ();
    var results = runner.run (null);
    assert (get_monotonic_time () - start < 60 * TimeSpan.SECOND);
    assert (results.size () == 22);
    assert (runner.state == Concurra.RunnerState.FINISHED);
    assert (runner.n_failed == 2);

    for (int i = 0; i < 20; i++)
        check_square (results["square-%d".printf (i)], i);

    assert (results["fail"] == fail);
    assert (fail.status == Concurra.TaskStatus.FAILED);
    assert (fail.has_failed);
    assert (fail.get_value () == null);
    unowned Error? err = fail.get_error ();
    assert (err != null);
    assert (err.domain == Quark.from_string ("my-app-error-quark"));
    assert (err.code == 7);
    assert (err.message == "bad input");
    assert (err.matches (Quark.from_string ("my-app-error-quark"), 7));

    assert (results["segv"] == segv);
    assert (segv.status == Concurra.TaskStatus.FAILED);
    assert (segv.get_value () == null);
    err = segv.get_error ();
    assert (err != null && err.matches (Concurra.Error.quark (), Concurra.Error.WORKER_CRASHED));
    assert (err is Concurra.Error.WORKER_CRASHED);
    assert ("signal 11" in err.message);
    assert ("signal 11" in segv.error_message);

    /* a worker stuck past the task's timeout is killed and replaced: with
     * a single worker, the square after it still runs */
    var single = new_process_runner ("vala-process-timeout", 1);
    var hang = single.add_process_task ("hang", null, "hang", new Variant ("(s)", ""));
    hang.timeout = 0.5;
    var after = single.add_process_task ("square", null, "square", new Variant ("(x)", (int64) 9));
    start = get_monotonic_time ();
    single.run (null);
    assert (get_monotonic_time () - start < 60 * TimeSpan.SECOND);
    assert (hang.status == Concurra.TaskStatus.TERMINATED);
    assert (hang.has_failed);
    assert (hang.get_value () == null);
    err = hang.get_error ();
    assert (err != null && err.matches (Concurra.Error.quark (), Concurra.Error.TIMEOUT));
    check_square (after, 9);
    assert (single.n_failed == 1);

    /* a Vala closure cannot cross the process boundary... */
    var strict = new_process_runner ("vala-process-closure", 2);
    int strict_calls = 0;
    var closure = strict.add_task ("closure", null, (task, cancellable) => {
        AtomicInt.inc (ref strict_calls);
        task.return_int (5);
    });
    var beside = strict.add_process_task ("square", null, "square", new Variant ("(x)", (int64) 6));
    strict.run (null);
    assert (closure.status == Concurra.TaskStatus.FAILED);
    assert (closure.get_value () == null);
    err = closure.get_error ();
    assert (err != null && err.matches (Concurra.Error.quark (), Concurra.Error.NOT_SERIALIZABLE));
    assert (AtomicInt.get (ref strict_calls) == 0);
    check_square (beside, 6);

    /* ...unless the runner may fall back to a thread */
    var lenient = new_process_runner ("vala-process-fallback", 2);
    lenient.fallback_to_thread = true;
    assert (lenient.fallback_to_thread);
    int lenient_calls = 0;
    closure = lenient.add_task ("closure", null, (task, cancellable) => {
        AtomicInt.inc (ref lenient_calls);
        task.return_int (5);
    });
    beside = lenient.add_process_task ("square", null, "square", new Variant ("(x)", (int64) 7));
    lenient.run (null);
    assert (AtomicInt.get (ref lenient_calls) == 1);
    assert (closure.status == Concurra.TaskStatus.SUCCESSFUL);
    assert (closure.execution_mode == Concurra.ExecutionMode.THREAD_FALLBACK);
    assert (closure.get_error () == null);
    unowned string? warning = closure.get_warning ();
    assert (warning != null && warning != "");
    unowned Value? v = closure.get_value ();
    assert (v != null && v.holds (typeof (int64)) && v.get_int64 () == 5);
    check_square (beside, 7);
    assert (lenient.n_failed == 0);
}

static async void test_async () throws Error {
    var runner = new_runner ("vala-async");
    build_dag (runner);
    uint n_finished = 0, last_completed = 0, n_done = 0;
    runner.task_finished.connect ((task) => n_finished++);
    runner.progress.connect ((completed, total) => {
        assert (total == 4);
        last_completed = completed;
    });
    runner.finished.connect (() => n_done++);

    var results = yield runner.run_async (null);
    check_dag (runner, results);
    assert (n_finished == 4);
    assert (last_completed == 4);
    assert (n_done == 1);
}

int main (string[] args) {
    try {
        assert (Concurra.format_duration (1.0123) == "1.01 sec");
        assert (Concurra.format_duration (150) == "2.5 min");
        test_errors ();
        test_default_constructed ();
        test_shared_function ();
        test_cancel_notify_and_wait_in_handler ();
        test_sync ();
        test_main_context ();
        test_retries_and_timeout ();
        test_timeout_convention ();
        test_process_mode ();
    } catch (Error e) {
        error ("unexpected error: %s", e.message);
    }

    var loop = new MainLoop ();
    Error? failure = null;
    test_async.begin ((obj, res) => {
        try {
            test_async.end (res);
        } catch (Error e) {
            failure = e;
        }
        loop.quit ();
    });
    loop.run ();
    if (failure != null)
        error ("unexpected error: %s", failure.message);

    print ("ok - vala binding test\n");
    return 0;
}
