/* test-futures.vala: futures from Vala against the generated
 * concurra-glib-1.vapi — Concurra.wait / gather / gather_keyed with `yield` on
 * their async forms, Task.wait_async / cancel / "completed", and
 * Concurra.TaskStream (next, next_async, signals, ListModel) (issue 5).
 * Built and run by meson (suite 'bindings').
 *
 * Task functions run on worker threads and block on a Gate (Mutex/Cond) or
 * on their Cancellable, so outcomes do not depend on timing.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

const double LONG = 30.0;

class Gate : Object {
    public int64 value;
    public bool fail;
    public bool saw_cancel;
    Mutex mutex = Mutex ();
    Cond cond = Cond ();
    bool opened = false;
    bool cancelled = false;
    bool started = false;
    bool finished = false;

    public Gate (int64 value, bool fail = false) {
        this.value = value;
        this.fail = fail;
    }

    bool wait_for (ref bool flag) {
        var deadline = get_monotonic_time () + 30 * TimeSpan.SECOND;
        mutex.lock ();
        while (!flag && cond.wait_until (mutex, deadline)) { }
        var done = flag;
        mutex.unlock ();
        return done;
    }

    public bool wait_started () {
        return wait_for (ref started);
    }

    /* a terminated task's thread is not waited for by the runner */
    public bool wait_finished () {
        return wait_for (ref finished);
    }

    public void open () {
        mutex.lock ();
        opened = true;
        cond.broadcast ();
        mutex.unlock ();
    }

    public void run (Concurra.Task task, Cancellable cancellable) {
        ulong id = cancellable.connect (() => {
            mutex.lock ();
            cancelled = true;
            cond.broadcast ();
            mutex.unlock ();
        });
        var deadline = get_monotonic_time () + 30 * TimeSpan.SECOND;
        mutex.lock ();
        started = true;
        cond.broadcast ();
        while (!opened && !cancelled) {
            if (!cond.wait_until (mutex, deadline))
                break;
        }
        mutex.unlock ();
        cancellable.disconnect (id);
        saw_cancel = cancellable.is_cancelled ();
        if (fail)
            task.return_error (new IOError.FAILED ("boom-%" + int64.FORMAT, value));
        else
            task.return_int (value);
        mutex.lock ();
        finished = true;
        cond.broadcast ();
        mutex.unlock ();
    }
}

static Concurra.Runner new_runner (string name) {
    var runner = new Concurra.Runner (name);
    runner.verify_on_finish = false;
    runner.max_concurrency = 8;
    return runner;
}

/* One gated task per label. */
static Concurra.Task[] gated (Concurra.Runner runner, string[] labels, Gate[] gates,
                              string? failing = null) throws Error {
    Concurra.Task[] tasks = {};
    for (int i = 0; i < labels.length; i++) {
        gates[i] = new Gate (100 + i, labels[i] == failing);
        tasks += runner.add_task (labels[i], null, gates[i].run);
    }
    return tasks;
}

static void assert_tasks (GenericArray<weak Concurra.Task> got, Concurra.Task[] expected) {
    assert (got.length == expected.length);
    for (int i = 0; i < expected.length; i++)
        assert (got[i] == expected[i]);
}

static int64 int_value (Concurra.Task task) {
    unowned Value? v = task.get_value ();
    assert (v != null && v.holds (typeof (int64)));
    return v.get_int64 ();
}

/* Resumes the caller after the main loop ran for a while. */
static async void idle () {
    Idle.add (idle.callback, Priority.LOW);
    yield;
}

/* ---- wait ---- */

static async void test_race_three_mirrors () throws Error {
    var runner = new_runner ("vala-mirrors");
    var gates = new Gate[3];
    var mirrors = gated (runner, { "mirror-a", "mirror-b", "mirror-c" }, gates);
    runner.start ();
    /* the losers are cancelled while running, not before they started */
    foreach (var gate in gates)
        assert (gate.wait_started ());

    gates[1].open ();
    GenericArray<weak Concurra.Task> done, not_done;
    yield Concurra.wait_async (mirrors, Concurra.ReturnWhen.FIRST_COMPLETED, -1, null,
                               out done, out not_done);
    assert_tasks (done, { mirrors[1] });
    assert_tasks (not_done, { mirrors[0], mirrors[2] });
    assert (int_value (done[0]) == 101);

    Concurra.Task[] losers = not_done.data;
    foreach (var loser in losers)
        assert (loser.cancel ());
    assert (!mirrors[1].cancel ());
    var all = yield Concurra.gather_async (losers, Concurra.GatherFlags.RETURN_ERRORS, LONG, null);
    assert_tasks (all, losers);
    foreach (var loser in losers) {
        assert (loser.status == Concurra.TaskStatus.TERMINATED);
        assert (loser.get_error ().matches (Concurra.Error.quark (), Concurra.Error.TERMINATED));
        assert (loser.error_message == "Task was cancelled");
    }
    runner.wait (null);
    foreach (var gate in gates)
        assert (gate.wait_finished ());
    assert (gates[0].saw_cancel && gates[2].saw_cancel && !gates[1].saw_cancel);
}

static async void test_wait_return_when_and_timeout () throws Error {
    var runner = new_runner ("vala-return-when");
    var gates = new Gate[3];
    var tasks = gated (runner, { "a", "b", "c" }, gates, "b");
    runner.start ();
    GenericArray<weak Concurra.Task> done, not_done;

    /* a timeout is not an error */
    assert (yield Concurra.wait_async (tasks, Concurra.ReturnWhen.ALL_COMPLETED, 0.1, null,
                                       out done, out not_done));
    assert_tasks (done, {});
    assert_tasks (not_done, tasks);

    gates[2].open ();
    assert (tasks[2].wait (LONG, null));
    Concurra.wait (tasks, Concurra.ReturnWhen.FIRST_COMPLETED, LONG, null, out done, out not_done);
    assert_tasks (done, { tasks[2] });
    Concurra.wait (tasks, Concurra.ReturnWhen.FIRST_EXCEPTION, 0.05, null, out done, out not_done);
    assert_tasks (not_done, { tasks[0], tasks[1] });

    gates[1].open ();
    yield Concurra.wait_async (tasks, Concurra.ReturnWhen.FIRST_EXCEPTION, LONG, null,
                               out done, out not_done);
    assert_tasks (done, { tasks[1], tasks[2] });
    assert_tasks (not_done, { tasks[0] });

    /* empty list, duplicates, cancellable */
    Concurra.Task[] none = {};
    Concurra.wait (none, Concurra.ReturnWhen.ALL_COMPLETED, -1, null, out done, out not_done);
    assert (done.length == 0 && not_done.length == 0);
    Concurra.wait ({ tasks[2], tasks[0], tasks[2] }, Concurra.ReturnWhen.FIRST_COMPLETED, LONG, null, out done, out not_done);
    assert_tasks (done, { tasks[2] });
    assert_tasks (not_done, { tasks[0] });
    var cancellable = new Cancellable ();
    cancellable.cancel ();
    try {
        yield Concurra.wait_async (tasks, Concurra.ReturnWhen.ALL_COMPLETED, -1, cancellable,
                                   out done, out not_done);
        assert_not_reached ();
    } catch (IOError.CANCELLED e) {
    }

    gates[0].open ();
    runner.wait (null);
}

static async void test_task_wait_and_completed () throws Error {
    var runner = new_runner ("vala-task-wait");
    var gates = new Gate[1];
    var tasks = gated (runner, { "a" }, gates);
    int n_completed = 0;
    tasks[0].completed.connect ((t) => {
        assert (t.is_done ());
        n_completed++;
    });
    runner.run_async.begin (null, (obj, res) => {
        try {
            runner.run_async.end (res);
        } catch (Error e) {
            error ("%s", e.message);
        }
    });

    try {
        yield tasks[0].wait_async (0.05, null);
        assert_not_reached ();
    } catch (Concurra.Error.TIMEOUT e) {
    }
    assert (!tasks[0].is_done ());
    gates[0].open ();
    assert (yield tasks[0].wait_async (-1, null));
    assert (int_value (tasks[0]) == 100);
    while (runner.state != Concurra.RunnerState.FINISHED)
        yield idle ();
    assert (n_completed == 1);
}

/* ---- gather ---- */

static async void test_gather () throws Error {
    var runner = new_runner ("vala-gather");
    var gates = new Gate[3];
    var tasks = gated (runner, { "fetch", "parse", "slow" }, gates, "parse");
    runner.start ();

    try {
        yield Concurra.gather_async (tasks, Concurra.GatherFlags.NONE, 0.05, null);
        assert_not_reached ();
    } catch (Concurra.Error.TIMEOUT e) {
    }

    gates[0].open ();
    gates[1].open ();
    try {
        yield Concurra.gather_async (tasks, Concurra.GatherFlags.NONE, -1, null);
        assert_not_reached ();
    } catch (IOError.FAILED e) {
        assert (e.message == "Task 'parse' failed: boom-101");
    }
    assert (!tasks[2].is_done ());

    gates[2].open ();
    var all = yield Concurra.gather_async (tasks, Concurra.GatherFlags.RETURN_ERRORS, -1, null);
    assert_tasks (all, tasks);
    assert (all[1].status == Concurra.TaskStatus.FAILED);
    assert (int_value (all[2]) == 102);
    var again = Concurra.gather ({ tasks[2], tasks[0], tasks[2] }, Concurra.GatherFlags.NONE, -1);
    assert_tasks (again, { tasks[2], tasks[0], tasks[2] });
    runner.wait (null);
}

static async void test_gather_keyed () throws Error {
    var runner = new_runner ("vala-keyed");
    var gates = new Gate[3];
    var tasks = gated (runner, { "get-users", "get-posts", "get-comments" }, gates, "get-posts");
    runner.start ();
    var table = new HashTable<string, Concurra.Task> (str_hash, str_equal);
    table["users"] = tasks[0];
    table["posts"] = tasks[1];
    table["comments"] = tasks[2];

    gates[1].open ();
    try {
        yield Concurra.gather_keyed_async (table, Concurra.GatherFlags.NONE, -1, null);
        assert_not_reached ();
    } catch (IOError.FAILED e) {
        assert (e.message == "Task 'get-posts' failed: boom-101");
    }
    gates[0].open ();
    gates[2].open ();
    var result = yield Concurra.gather_keyed_async (table, Concurra.GatherFlags.RETURN_ERRORS, -1, null);
    assert (result.size () == 3);
    foreach (var key in new string[] { "users", "posts", "comments" })
        assert (result[key] == table[key]);
    var sync_result = Concurra.gather_keyed (table, Concurra.GatherFlags.RETURN_ERRORS, 0);
    assert (sync_result.size () == 3 && sync_result["users"] == tasks[0]);
    runner.wait (null);
}

/* ---- the stream ---- */

static async void test_stream () throws Error {
    var runner = new_runner ("vala-stream");
    var gates = new Gate[4];
    var tasks = gated (runner, { "a", "b", "c", "d" }, gates);
    runner.start ();
    var stream = new Concurra.TaskStream (tasks);
    assert (stream.n_tasks == 4);

    uint[] completed = {};
    uint[] progress = {};
    uint[] changes = {};
    stream.task_completed.connect ((index, task) => {
        assert (task == tasks[index]);
        completed += index;
    });
    stream.progress.connect ((done, total) => {
        progress += done;
        progress += total;
    });
    stream.items_changed.connect ((pos, removed, added) => {
        changes += pos;
        changes += removed;
        changes += added;
    });

    try {
        stream.next (0.05, null, null);
        assert_not_reached ();
    } catch (Concurra.Error.TIMEOUT e) {
    }

    uint[] order = { 2, 0, 3, 1 };
    foreach (var i in order) {
        gates[i].open ();
        uint index;
        var task = yield stream.next_async (LONG, null, out index);
        assert (task == tasks[i]);
        assert (index == i);
    }
    uint index;
    assert ((yield stream.next_async (LONG, null, out index)) == null);
    assert (stream.next (LONG, null, out index) == null);
    yield idle ();

    assert (completed.length == 4);
    for (int k = 0; k < 4; k++) {
        assert (completed[k] == order[k]);
        assert (progress[2 * k] == k + 1 && progress[2 * k + 1] == 4);
        assert (changes[3 * k] == k && changes[3 * k + 1] == 0 && changes[3 * k + 2] == 1);
        assert (stream.get_item (k) == tasks[order[k]]);
    }
    assert (stream.get_n_items () == 4);
    assert (stream.get_item_type () == typeof (Concurra.Task));
    runner.wait (null);
}

static async void test_stream_keyed () throws Error {
    var runner = new_runner ("vala-stream-keyed");
    var gates = new Gate[3];
    var tasks = gated (runner, { "x", "y", "z" }, gates);
    runner.start ();
    var table = new HashTable<string, Concurra.Task> (str_hash, str_equal);
    table["users"] = tasks[0];
    table["posts"] = tasks[1];
    table["comments"] = tasks[2];
    var stream = new Concurra.TaskStream.keyed (table);

    string[] keys = {};
    foreach (var i in new int[] { 1, 2, 0 }) {
        gates[i].open ();
        uint index;
        var task = stream.next (LONG, null, out index);
        var key = stream.get_key (index);
        assert (table[key] == task);
        keys += key;
    }
    assert (keys[0] == "posts" && keys[1] == "comments" && keys[2] == "users");
    runner.wait (null);
}

/* ---- synchronous calls from the thread that runs the runner's context ---- */

static async void test_sync_from_owner_thread () throws Error {
    var runner = new_runner ("vala-owner");
    var gates = new Gate[2];
    var tasks = gated (runner, { "a", "b" }, gates);
    var stream = new Concurra.TaskStream (tasks);   /* made before the run */
    bool finished = false;
    runner.run_async.begin (null, (obj, res) => {
        try {
            runner.run_async.end (res);
        } catch (Error e) {
            error ("%s", e.message);
        }
        finished = true;
    });

    /* no loop runs while these block: they iterate this thread's context */
    var opener = new Thread<void> ("opener", () => { gates[1].open (); });
    uint index;
    assert (stream.next (LONG, null, out index) == tasks[1] && index == 1);
    opener.join ();
    opener = new Thread<void> ("opener", () => { gates[0].open (); });
    assert_tasks (Concurra.gather (tasks, Concurra.GatherFlags.NONE, LONG), tasks);
    opener.join ();
    GenericArray<weak Concurra.Task> done, not_done;
    assert (Concurra.wait (tasks, Concurra.ReturnWhen.ALL_COMPLETED, LONG, null, out done, out not_done));
    assert_tasks (done, tasks);
    assert (tasks[0].wait (LONG, null));
    while (!finished)
        yield idle ();
}

static MainLoop loop;

static async void run_all () {
    string[] names = {
        "race three mirrors", "wait return_when and timeout", "task wait and completed",
        "gather", "gather keyed", "stream", "stream keyed", "sync from the owner thread",
    };
    int n = 0;
    try {
        yield test_race_three_mirrors ();
        print ("ok %d - %s\n", ++n, names[n - 1]);
        yield test_wait_return_when_and_timeout ();
        print ("ok %d - %s\n", ++n, names[n - 1]);
        yield test_task_wait_and_completed ();
        print ("ok %d - %s\n", ++n, names[n - 1]);
        yield test_gather ();
        print ("ok %d - %s\n", ++n, names[n - 1]);
        yield test_gather_keyed ();
        print ("ok %d - %s\n", ++n, names[n - 1]);
        yield test_stream ();
        print ("ok %d - %s\n", ++n, names[n - 1]);
        yield test_stream_keyed ();
        print ("ok %d - %s\n", ++n, names[n - 1]);
        yield test_sync_from_owner_thread ();
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
