/* test-slurm.vala: Slurm from Vala against the generated
 * concurra-glib-1.vapi — Runner.launcher and slurm_options, per-task
 * launcher and Concurra.SlurmOptions, the srun line, the job id, Slurm's
 * own failures as LAUNCHER_FAILED and bad options as errors (issue 17).
 * Built and run by meson (suite 'bindings') as a GTest program: tests that
 * need a cluster (tests/slurm/start-cluster.sh) are skipped with the
 * reason when none is reachable outside CI, failed in CI.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

bool cluster_reachable () {
    try {
        string output;
        int status;
        Process.spawn_command_line_sync ("sinfo -h -o %t", out output, null, out status);
        return status == 0 && output.strip () != "";
    } catch (SpawnError e) {
        return false;
    }
}

bool need_cluster () {
    if (cluster_reachable ())
        return true;
    if (Environment.get_variable ("CI") != null ||
        Environment.get_variable ("CONCURRA_REQUIRE_SLURM") != null) {
        Test.message ("no Slurm cluster is reachable, and CI requires one");
        Test.fail ();
        return false;
    }
    Test.skip ("no Slurm cluster is reachable (sinfo failed); tests/slurm/start-cluster.sh starts one");
    return false;
}

Concurra.Runner new_runner (string name) {
    var runner = new Concurra.Runner (name);
    runner.launcher = Concurra.LauncherKind.SLURM;
    runner.log_errors = false;
    runner.verify_on_finish = false;
    return runner;
}

void test_srun_line () {
    var runner = new_runner ("vala-line");
    runner.slurm_options = new Concurra.SlurmOptions ();
    runner.slurm_options.cpus = 2;
    runner.slurm_options.mem = "1G";
    try {
        var task = runner.add_command ("sim", null, { "simulate" });
        var own = new Concurra.SlurmOptions ();
        own.partition = "debug";
        own.extra_args = { "--exclusive" };
        task.set_slurm_options (own);
        task.timeout = 30;
        var line = string.joinv (" ", runner.dup_launch_command ("sim"));
        assert_cmpstr (line, CompareOperator.EQ,
                       "srun --verbose --input=none --nodes=1 --ntasks=1 --job-name=sim " +
                       "--cpus-per-task=2 --mem=1G --partition=debug --time=2 --exclusive simulate");
    } catch (Error e) {
        assert_no_error (e);
    }
}

void test_bad_options () {
    var runner = new_runner ("vala-bad");
    var task = new Concurra.Task.shell_command ("true");
    var options = new Concurra.SlurmOptions ();
    options.extra_args = { "avx2" };
    task.set_slurm_options (options);
    try {
        runner.add (task, "odd", null);
        assert_not_reached ();
    } catch (Error e) {
        assert_error (e, Concurra.Error.quark (), Concurra.Error.INVALID_ARGUMENT);
        assert_true ("Task 'odd'" in e.message);
        assert_true ("not an srun option" in e.message);
    }
}

void test_run_on_cluster () {
    if (!need_cluster ())
        return;
    var runner = new_runner ("vala-run");
    try {
        var ok = runner.add_shell_command ("ok", null, "echo $SLURM_JOB_NAME; exit 7");
        var killed = runner.add_shell_command ("killed", null, "kill -TERM $$");
        var lost = runner.add_shell_command ("lost", null, "true");
        var options = new Concurra.SlurmOptions ();
        options.partition = "nosuchpart";
        lost.set_slurm_options (options);
        runner.run (null);

        assert_true (ok.has_returncode ());
        assert_cmpint (ok.get_returncode (), CompareOperator.EQ, 7);
        assert_cmpstr (ok.get_stdout (), CompareOperator.EQ, "ok\n");
        assert_true (ok.get_slurm_job_id () > 0);
        assert_true (killed.has_returncode ());
        assert_cmpint (killed.get_returncode (), CompareOperator.EQ, -15);
        assert_true (killed.get_error ().message.contains ("killed by signal 15"));
        assert_error (lost.get_error (), Concurra.Error.quark (), Concurra.Error.LAUNCHER_FAILED);
        assert_true ("Task 'lost'" in lost.get_error ().message);
        assert_true (lost.get_slurm_job_id () == 0);
    } catch (Error e) {
        assert_no_error (e);
    }
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/slurm/srun-line", test_srun_line);
    Test.add_func ("/slurm/bad-options", test_bad_options);
    Test.add_func ("/slurm/run-on-cluster", test_run_on_cluster);
    return Test.run ();
}
