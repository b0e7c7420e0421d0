/* performance.vala: many small tasks; what a task costs to schedule. The
 * tasks share one function (Concurra.Function), each called with its
 * index into the program's own arrays.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

const int N_TASKS = 20000;

int main () {
    var inputs = new double[N_TASKS];
    var outputs = new double[N_TASKS];
    var runner = new Concurra.Runner ("performance");
    runner.verify_on_finish = false;          /* no 20 000-row report */
    runner.max_concurrency = 0;     /* one per CPU */
    /* no value reported: success; the result goes to our own array */
    var square = new Concurra.Function ("square", (id) => {
        outputs[id] = inputs[id] * inputs[id];
    });
    try {
        var start = get_monotonic_time ();
        for (int i = 0; i < N_TASKS; i++) {
            inputs[i] = i;
            runner.add_function (null, null, square, i);   /* null labels: the index */
        }
        var added = get_monotonic_time ();
        var results = runner.run ();
        var ran = get_monotonic_time ();

        print ("%d tasks on %d threads: add %.2f us/task, run %.2f us/task\n",
               N_TASKS, runner.max_concurrency,
               (double) (added - start) / N_TASKS, (double) (ran - added) / N_TASKS);
        assert (results.size () == N_TASKS);
        assert (runner.n_completed == N_TASKS && runner.n_failed == 0);
        assert (outputs[N_TASKS - 1] == (double) (N_TASKS - 1) * (N_TASKS - 1));
    } catch (Error e) {
        error ("%s", e.message);
    }
    return 0;
}
