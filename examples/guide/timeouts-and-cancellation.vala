/* timeouts-and-cancellation.vala: a task that outlives its timeout, a task
 * cancelled on its own, and a run aborted from outside.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Works for up to @ms milliseconds, but stops as soon as the runner cancels
 * the task: a thread cannot be killed, so the function must watch its
 * cancellable. Its file descriptor becomes readable when it is cancelled. */
Concurra.TaskFunc work (int ms) {
    return (task, cancellable) => {
        PollFD[] fds = { PollFD () { fd = cancellable.get_fd (),
                                    events = IOCondition.IN } };
        GLib.poll (fds, ms);
        cancellable.release_fd ();
        if (!cancellable.is_cancelled ())
            task.return_string ("done");
    };
}

int main () {
    try {
        var runner = new Concurra.Runner ("timeouts");
        runner.verify_on_finish = false;
        runner.timeout = 5;             /* the default for every task */
        var slow = runner.add_task ("slow", null, work (10000));
        slow.timeout = 0.2;             /* this one gets 200 ms */
        var quick = runner.add_task ("quick", null, work (10));
        var next = runner.add_task ("next", { "slow" }, work (10));

        runner.run ();
        assert (quick.status == Concurra.TaskStatus.SUCCESSFUL);
        assert (slow.status == Concurra.TaskStatus.TERMINATED);
        assert (slow.get_error () is Concurra.Error.TIMEOUT);
        print ("slow: %s\n", slow.error_message);
        print ("next: %s\n", next.error_message);

        /* In the background: cancel one task, then abort the whole run. */
        var background = new Concurra.Runner ("background");
        background.verify_on_finish = false;
        var first = background.add_task ("first", null, work (10000));
        var second = background.add_task ("second", null, work (10000));
        background.start ();

        assert (first.cancel ());
        first.wait (-1);
        print ("first: %s\n", first.error_message);

        background.abort ();
        background.wait ();
        assert (second.get_error () is Concurra.Error.TERMINATED);
        print ("second: %s\n", second.error_message);
    } catch (Error e) {
        error ("%s", e.message);
    }
    return 0;
}
