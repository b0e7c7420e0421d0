/* test-async-ergonomics.vala: the asynchronous API of Concurra from Vala,
 * through the generated concurra-glib-1.vapi: `yield runner.run_async (...)`,
 * `yield Concurra.gather_async (...)` and the others, their errors caught
 * by domain and code, and their results owned as the VAPI says — run under
 * valgrind by the 'valgrind' suite, which fails on any definite leak.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

const Concurra.GatherFlags NONE = Concurra.GatherFlags.NONE;
const Concurra.GatherFlags RETURN_ERRORS = Concurra.GatherFlags.RETURN_ERRORS;

/* A main-context task that reports @value, or fails when it is null, @ms
 * milliseconds later, unless it was cancelled. */
Concurra.StartFunc later (uint ms, string? value) {
    return (task, cancellable) => {
        Timeout.add (ms, () => {
            if (cancellable.is_cancelled ())
                return Source.REMOVE;
            if (value != null)
                task.return_string (value);
            else
                task.return_error (new IOError.FAILED ("no route"));
            return Source.REMOVE;
        });
        return true;
    };
}

/* A thread task. */
void double_it (Concurra.Task task, Cancellable cancellable) {
    task.return_int (int.parse (task.label) * 2);
}

/* An async Vala method, for a main-context task to start. */
async string shout (string text) {
    Idle.add (shout.callback);
    yield;
    return text.up ();
}

Concurra.Runner new_runner (string name) {
    var runner = new Concurra.Runner (name);
    runner.verify_on_finish = false;
    runner.max_concurrency = 4;
    return runner;
}

/* A run in the background of a coroutine, whose end it can wait for. */
class BackgroundRun : Object {
    public HashTable<unowned string, unowned Concurra.Task>? results = null;
    public Error? error = null;
    bool done = false;
    SourceFunc? resume = null;

    public BackgroundRun (Concurra.Runner runner) {
        runner.run_async.begin (null, (obj, res) => {
            try {
                results = runner.run_async.end (res);
            } catch (Error e) {
                error = e;
            }
            done = true;
            if (resume != null)
                Idle.add ((owned) resume);
        });
    }

    public async void finish () throws Error {
        if (!done) {
            resume = finish.callback;
            yield;
        }
        if (error != null)
            throw error;
    }
}

async void test_run_async () throws Error {
    var runner = new_runner ("run");
    runner.add_main_context_task ("a", null, later (20, "a"));
    runner.add_task ("21", { "a" }, double_it);
    runner.add_main_context_task ("loud", { "a" }, (task) => {
        shout.begin ("quiet", (obj, res) => task.return_string (shout.end (res)));
        return true;
    });

    HashTable<unowned string, unowned Concurra.Task> results = yield runner.run_async (null);
    assert (results.size () == 3);
    assert (results["a"] == runner.get_task ("a"));
    assert (results["a"].get_value ().get_string () == "a");
    assert (results["21"].get_value ().get_int64 () == 42);
    assert (results["21"].execution_mode == Concurra.ExecutionMode.THREAD);
    assert (results["loud"].get_value ().get_string () == "QUIET");
    assert (results["loud"].execution_mode == Concurra.ExecutionMode.MAIN_CONTEXT);
    assert (runner.state == Concurra.RunnerState.FINISHED);

    try {
        yield runner.run_async (null);
        assert_not_reached ();
    } catch (Concurra.Error.ALREADY_STARTED e) {
    }

    var unknown = new_runner ("unknown");
    unknown.add_task ("x", { "missing" }, double_it);
    try {
        yield unknown.run_async (null);
        assert_not_reached ();
    } catch (Concurra.Error.UNKNOWN_DEPENDENCY e) {
        assert ("'missing'" in e.message);
    }

    var failing = new_runner ("raise");
    failing.raise_on_failure = true;
    failing.add_main_context_task ("bad", null, later (1, null));
    try {
        yield failing.run_async (null);
        assert_not_reached ();
    } catch (Concurra.Error.TASKS_FAILED e) {
        assert (failing.get_task ("bad").status == Concurra.TaskStatus.FAILED);
    }

    var empty = new_runner ("empty");
    assert ((yield empty.run_async (null)).size () == 0);
}

async void test_gather_async () throws Error {
    var runner = new_runner ("gather");
    Concurra.Task[] tasks = {
        runner.add_main_context_task ("slow", null, later (80, "slow")),
        runner.add_main_context_task ("fast", null, later (10, "fast")),
        runner.add_main_context_task ("medium", null, later (40, "medium")),
    };
    var bad = runner.add_main_context_task ("bad", null, later (20, null));
    var run = new BackgroundRun (runner);

    GenericArray<unowned Concurra.Task> gathered = yield Concurra.gather_async (tasks, NONE, -1, null);
    assert (gathered.length == 3);
    assert (gathered[0] == tasks[0] && gathered[2] == tasks[2]);
    assert (gathered[1].get_value ().get_string () == "fast");

    try {
        yield Concurra.gather_async ({ tasks[0], bad }, NONE, -1, null);
        assert_not_reached ();
    } catch (IOError.FAILED e) {
        assert (e.message == "Task 'bad' failed: no route");
    }

    var all = yield Concurra.gather_async ({ bad, tasks[1] }, RETURN_ERRORS, -1, null);
    assert (all.length == 2 && all[0].has_failed && !all[1].has_failed);
    assert ((yield Concurra.gather_async ({}, NONE, -1, null)).length == 0);

    var table = new HashTable<string, Concurra.Task> (str_hash, str_equal);
    table["s"] = tasks[0];
    table["f"] = tasks[1];
    var keyed = yield Concurra.gather_keyed_async (table, NONE, -1, null);
    assert (keyed.size () == 2);
    assert (keyed["s"] == tasks[0] && keyed["f"] == tasks[1]);

    yield run.finish ();
    assert (run.results.size () == 4);
}

async void test_timeout_and_cancel () throws Error {
    var runner = new_runner ("timeout");
    var slow = runner.add_main_context_task ("slow", null, later (1000, "slow"));
    var run = new BackgroundRun (runner);

    try {
        yield Concurra.gather_async ({ slow }, NONE, 0.05, null);
        assert_not_reached ();
    } catch (Concurra.Error.TIMEOUT e) {
    }

    var cancellable = new Cancellable ();
    Idle.add (() => {
        cancellable.cancel ();
        return Source.REMOVE;
    });
    try {
        yield Concurra.gather_async ({ slow }, NONE, -1, cancellable);
        assert_not_reached ();
    } catch (IOError.CANCELLED e) {
    }

    try {
        yield slow.wait_async (0.01, null);
        assert_not_reached ();
    } catch (Concurra.Error.TIMEOUT e) {
    }
    assert (yield slow.wait_async (-1, null));
    assert (slow.is_done ());
    yield run.finish ();
}

async void test_wait_async () throws Error {
    var runner = new_runner ("wait");
    /* slow starts once fast is done: fast completes first whatever the load */
    var slow = runner.add_main_context_task ("slow", { "fast" }, later (500, "slow"));
    var fast = runner.add_main_context_task ("fast", null, later (10, "fast"));
    var run = new BackgroundRun (runner);

    GenericArray<unowned Concurra.Task> done, not_done;
    yield Concurra.wait_async ({ slow, fast }, Concurra.ReturnWhen.FIRST_COMPLETED, -1, null,
                               out done, out not_done);
    assert (done.length == 1 && done[0] == fast);
    assert (not_done.length == 1 && not_done[0] == slow);

    /* a timeout is not an error */
    yield Concurra.wait_async ({ slow }, Concurra.ReturnWhen.ALL_COMPLETED, 0.01, null,
                               out done, out not_done);
    assert (done.length == 0 && not_done.length == 1);

    yield run.finish ();
}

async void test_stream () throws Error {
    var runner = new_runner ("stream");
    /* completion order a, b, c (each depends on the one before), input c, a, b */
    Concurra.Task[] tasks = {
        runner.add_main_context_task ("c", { "b" }, later (10, "c")),
        runner.add_main_context_task ("a", null, later (10, "a")),
        runner.add_main_context_task ("b", { "a" }, later (10, "b")),
    };
    var run = new BackgroundRun (runner);
    var stream = new Concurra.TaskStream (tasks);
    var seen = new StringBuilder ();
    uint index;
    Concurra.Task? task;
    while ((task = yield stream.next_async (-1, null, out index)) != null) {
        assert (tasks[index] == task);
        seen.append (task.label);
    }
    assert (seen.str == "abc");
    assert (stream.n_completed == 3);
    yield run.finish ();
}

/* The run and a gather of its thread tasks pending at once. */
async void test_concurrent () throws Error {
    var runner = new_runner ("concurrent");
    Concurra.Task[] tasks = {};
    for (int i = 0; i < 50; i++)
        tasks += runner.add_task (i.to_string (), i > 0 ? new string[] { (i - 1).to_string () } : null,
                                  double_it);
    var run = new BackgroundRun (runner);
    var gathered = yield Concurra.gather_async (tasks, NONE, -1, null);
    for (int i = 0; i < 50; i++)
        assert (gathered[i].get_value ().get_int64 () == 2 * i);
    yield run.finish ();
    assert (run.results.size () == 50);
}

async void run_all (int rounds) throws Error {
    for (int i = 0; i < rounds; i++) {
        yield test_run_async ();
        yield test_gather_async ();
        yield test_timeout_and_cancel ();
        yield test_wait_async ();
        yield test_stream ();
        yield test_concurrent ();
    }
}

int main (string[] args) {
    /* more rounds make leaks stand out under valgrind */
    int rounds = args.length > 1 ? int.parse (args[1]) : 2;
    var loop = new MainLoop ();
    Error? failure = null;
    run_all.begin (rounds, (obj, res) => {
        try {
            run_all.end (res);
        } catch (Error e) {
            failure = e;
        }
        loop.quit ();
    });
    loop.run ();
    if (failure != null)
        error ("unexpected error: %s", failure.message);
    print ("ok - %d rounds of the async API from Vala\n", rounds);
    return 0;
}
