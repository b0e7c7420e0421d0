/* wait-and-gather.vala: tasks as futures — the first to finish, all of
 * them in order, and each one as it completes, with yield.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

Concurra.TaskFunc work (uint ms, string? value) {
    return (task) => {
        Thread.usleep (ms * 1000);
        if (value != null)
            task.return_string (value);
        else
            task.return_error (new IOError.FAILED ("no route to host"));
    };
}

async void run_futures () throws Error {
    var runner = new Concurra.Runner ("futures");
    runner.verify_on_finish = false;
    runner.max_concurrency = 4;
    Concurra.Task[] tasks = {
        runner.add_task ("slow", null, work (300, "slow")),
        runner.add_task ("fast", null, work (50, "fast")),
        runner.add_task ("medium", null, work (150, "medium")),
        runner.add_task ("bad", null, work (100, null)),
    };
    runner.start ();   /* runs in the background */

    /* The first of three to complete; a timeout (here none) is not an error. */
    GenericArray<unowned Concurra.Task> done, not_done;
    yield Concurra.wait_async (tasks[0:3], Concurra.ReturnWhen.FIRST_COMPLETED, -1, null,
                               out done, out not_done);
    print ("first completed: %s\n", done[0].label);
    assert (done.length == 1 && done[0].label == "fast");

    /* Every task in completion order. */
    var stream = new Concurra.TaskStream (tasks);
    uint index;
    Concurra.Task? task;
    while ((task = yield stream.next_async (-1, null, out index)) != null)
        print ("completed: %s (input #%u)\n", task.label, index);

    /* All results in input order; the failed task makes gather fail... */
    try {
        yield Concurra.gather_async (tasks, Concurra.GatherFlags.NONE, -1, null);
        assert_not_reached ();
    } catch (IOError.FAILED e) {
        print ("gather: %s\n", e.message);
    }

    /* ...unless errors are returned with the other results. */
    var gathered = yield Concurra.gather_async (tasks, Concurra.GatherFlags.RETURN_ERRORS,
                                                -1, null);
    foreach (var t in gathered)
        print ("%s: %s\n", t.label,
               t.has_failed ? t.error_message : t.get_value ().get_string ());
    assert (gathered[2].get_value ().get_string () == "medium");

    runner.wait ();   /* the run's end: every task is done already */
}

int main () {
    var loop = new MainLoop ();
    run_futures.begin ((obj, res) => {
        try {
            run_futures.end (res);
        } catch (Error e) {
            error ("%s", e.message);
        }
        loop.quit ();
    });
    loop.run ();
    return 0;
}
