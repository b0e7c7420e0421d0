/* commands.vala: external programs as tasks, in dependency order, with
 * their output, exit status and environment.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

int main () {
    try {
        var dir = DirUtils.make_tmp ("guide-XXXXXX");
        var runner = new Concurra.Runner ("commands");
        runner.verify_on_finish = false;

        /* A shell command, then an exec-form one, both run in the directory. */
        var write = runner.add_shell_command ("write", null,
                                              "printf 'a\\nb\\nc\\n' > lines.txt");
        write.set_cwd (dir);
        var count = runner.add_command ("count", { "write" },
                                        { "wc", "-l", "lines.txt" });
        count.set_cwd (dir);
        runner.add_command ("cleanup", { "count" }, { "rm", "-r", dir });

        /* Environment variables for one command. */
        var greet = runner.add_shell_command ("greet", null,
                                              "echo \"$GREETING\" | tr a-z A-Z");
        greet.setenv ("GREETING", "hello");

        /* A non-zero exit fails the task, unless check is off. */
        var fail = runner.add_shell_command ("fail", null,
                                             "echo 'disk full' >&2; exit 3");
        var lenient = runner.add_command ("lenient", null, { "false" });
        lenient.set_check (false);

        /* Only the beginning and the end of a long output are kept. */
        var chatty = runner.add_command ("chatty", null, { "seq", "100000" });
        chatty.set_max_output (64);

        runner.run ();

        print ("count: %s", count.get_stdout ());
        assert (count.get_stdout () == "3 lines.txt\n");
        print ("greet: %s", greet.get_stdout ());
        assert (greet.get_stdout () == "HELLO\n");
        assert (!FileUtils.test (dir, FileTest.EXISTS));

        int returncode;
        assert (fail.status == Concurra.TaskStatus.FAILED);
        assert (fail.get_error () is Concurra.Error.COMMAND_FAILED);
        assert (fail.has_returncode () && fail.get_returncode () == 3);
        print ("fail: %s\n", fail.error_message);

        assert (lenient.status == Concurra.TaskStatus.SUCCESSFUL);
        returncode = lenient.get_returncode ();
        print ("lenient: exit status %d, status %s\n", returncode,
               lenient.has_failed ? "failed" : "successful");
        assert (returncode == 1);

        print ("chatty: %s\n", chatty.get_stdout ());
        assert (chatty.get_stdout_omitted () == 588895 - 64);
        assert (chatty.warning != null);
    } catch (Error e) {
        error ("%s", e.message);
    }
    return 0;
}
