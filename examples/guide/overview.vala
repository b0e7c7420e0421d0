/* overview.vala: the smallest pipeline, two tasks where one waits for the other.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

int main () {
    var runner = new Concurra.Runner ("overview");
    try {
        runner.add_task ("greet", null, (task) => task.return_string ("Hello, world"));
        runner.add_task ("answer", { "greet" }, (task) => task.return_int (42));

        /* Blocks until every task has its final status: label -> task. */
        var results = runner.run ();

        var greet = results["greet"];
        assert (greet.status == Concurra.TaskStatus.SUCCESSFUL);
        print ("greet: %s\n", greet.get_value ().get_string ());
        var answer = results["answer"];
        assert (answer.get_value ().get_int64 () == 42);
        print ("answer: %lld\n", answer.get_value ().get_int64 ());
    } catch (Error e) {
        error ("%s", e.message);
    }
    print ("%s\n", runner.format_report ());
    return 0;
}
