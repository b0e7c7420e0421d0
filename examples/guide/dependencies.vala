/* dependencies.vala: a diamond of tasks, results passed along the edges,
 * and the mistakes a runner refuses.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

int main () {
    Intl.setlocale ();   /* error messages use "→" */
    var runner = new Concurra.Runner ("dependencies");
    /* Closures capture the tasks they read; dependencies finish first. */
    unowned Concurra.Task fetch = null, count = null, shout = null;
    try {
        /* fetch -> { count, shout } -> report. "report" names tasks that
         * do not exist yet: forward references are fine until the run. */
        var report = runner.add_task ("report", { "count", "shout" }, (task) => {
            var text = shout.get_value ().get_string ();
            var words = count.get_value ().get_int64 ();
            task.return_string ("%s (%lld words)".printf (text, words));
        });
        fetch = runner.add_task ("fetch", null,
                                 (task) => task.return_string ("the quick brown fox"));
        count = runner.add_task ("count", { "fetch" }, (task) => {
            task.return_int (fetch.get_value ().get_string ().split (" ").length);
        });
        shout = runner.add_task ("shout", { "fetch" }, (task) => {
            task.return_string (fetch.get_value ().get_string ().up ());
        });

        var order = new StringBuilder ();
        runner.task_finished.connect ((task) => order.append (task.label + " "));
        runner.run ();

        print ("finished: %s\n", order.str);
        assert (order.str.has_prefix ("fetch ") && order.str.has_suffix ("report "));
        print ("report: %s\n", report.get_value ().get_string ());
        assert (report.get_value ().get_string () == "THE QUICK BROWN FOX (4 words)");
    } catch (Error e) {
        error ("%s", e.message);
    }

    /* Mistakes are errors that name the labels, and nothing is added. */
    var broken = new Concurra.Runner ("broken");
    try {
        broken.add_task ("a", { "b" }, (task) => {});
        broken.add_task ("a", null, (task) => {});
        assert_not_reached ();
    } catch (Concurra.Error.DUPLICATE_LABEL e) {
        print ("%s\n", e.message);
    } catch (Error e) {
        error ("%s", e.message);
    }
    try {
        broken.add_task ("b", { "a" }, (task) => {});
        assert_not_reached ();
    } catch (Concurra.Error.CYCLE e) {
        print ("%s\n", e.message);
    } catch (Error e) {
        error ("%s", e.message);
    }

    /* "b" was never added: the run refuses to start and nothing runs. */
    try {
        broken.run ();
        assert_not_reached ();
    } catch (Concurra.Error.UNKNOWN_DEPENDENCY e) {
        print ("%s\n", e.message);
    } catch (Error e) {
        error ("%s", e.message);
    }
    return 0;
}
