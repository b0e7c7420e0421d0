/* errors-and-retries.vala: a flaky task retried until it succeeds, a
 * broken one that fails, and the task that depended on it skipped.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

int main () {
    var runner = new Concurra.Runner ("errors");
    runner.verify_on_finish = false;
    runner.retry_delay = 0.01;   /* 10 ms, then 20 ms, ... */
    int calls = 0;
    try {
        var flaky = runner.add_task ("flaky", null, (task) => {
            int call = AtomicInt.add (ref calls, 1) + 1;
            if (call < 3)
                task.return_error (new IOError.BUSY ("server busy (call %d)", call));
            else
                task.return_string ("data");
        });
        flaky.retries = 3;
        runner.add_task ("broken", null, (task) => {
            task.return_error (new IOError.NOT_FOUND ("config.ini is missing"));
        });
        runner.add_task ("publish", { "broken" }, (task) => task.return_boolean (true));
        runner.task_retrying.connect ((task, attempt, error) => {
            print ("retrying %s: attempt %u failed: %s\n", task.label, attempt,
                   error.message);
        });

        /* A failed task is not an error of the run: read it from the task. */
        var results = runner.run ();

        var t = results["flaky"];
        assert (t.status == Concurra.TaskStatus.SUCCESSFUL);
        assert (t.attempts == 3);
        unowned string[] retry_errors = t.get_retry_errors ();
        assert (strv_length (retry_errors) == 2);
        print ("flaky: %s after %u attempts; first error: %s\n",
               t.get_value ().get_string (), t.attempts, retry_errors[0]);

        t = results["broken"];
        assert (t.status == Concurra.TaskStatus.FAILED);
        assert (t.get_error () is IOError.NOT_FOUND);
        print ("broken: %s\n", t.error_message);

        t = results["publish"];
        assert (t.status == Concurra.TaskStatus.TERMINATED);
        assert (t.get_error () is Concurra.Error.DEPENDENCY_FAILED);
        print ("publish: %s\n", t.error_message);
    } catch (Error e) {
        error ("%s", e.message);
    }

    /* The failed tasks are counted; format_report() tabulates every task. */
    assert (runner.n_failed == 2);
    print ("%u of %u tasks failed\n%s\n", runner.n_failed, runner.n_tasks,
           runner.format_report ());

    /* verify() logs the report and fails when any task did. */
    try {
        runner.verify ();
        error ("verify() passed");
    } catch (Concurra.Error.TASKS_FAILED e) {
        print ("verify: %s\n", e.message);
    } catch (Error e) {
        error ("%s", e.message);
    }
    return 0;
}
