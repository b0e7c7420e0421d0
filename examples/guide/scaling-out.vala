/* scaling-out.vala: commands as Slurm jobs, with the resources each needs,
 * and the srun line each one gets. Without a reachable cluster the same
 * tasks run here.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
bool have_cluster () {
    try {
        string output, errors;
        int status;
        Process.spawn_command_line_sync ("sinfo -h", out output, out errors, out status);
        return status == 0;
    } catch (SpawnError e) {
        return false;
    }
}

int main () {
    var runner = new Concurra.Runner ("scaling-out");
    runner.verify_on_finish = false;
    /* every command is a Slurm job: 1 CPU and 100 MB unless it says more */
    runner.launcher = have_cluster ()
        ? Concurra.LauncherKind.SLURM : Concurra.LauncherKind.LOCAL;
    runner.slurm_options = new Concurra.SlurmOptions ();
    runner.slurm_options.cpus = 1;
    runner.slurm_options.mem = "100M";

    try {
        var simulate = runner.add_shell_command ("simulate", null,
            "echo \"simulating with ${SLURM_CPUS_PER_TASK:-all} CPUs\"");
        var bigger = new Concurra.SlurmOptions ();
        bigger.cpus = 2;
        simulate.set_slurm_options (bigger);
        simulate.timeout = 600;   /* the job's limit: 11 minutes */
        var report = runner.add_shell_command ("report", { "simulate" }, "echo report");

        var line = runner.dup_launch_command ("simulate");
        print ("simulate runs: %s\n", string.joinv (" ", line));
        runner.run (null);
        print ("simulate: %s", simulate.get_stdout ());
        print ("job ids: %llu and %llu (0: here)\n",
               simulate.get_slurm_job_id (), report.get_slurm_job_id ());
        return report.status == Concurra.TaskStatus.SUCCESSFUL ? 0 : 1;
    } catch (Error e) {
        printerr ("%s\n", e.message);
        return 1;
    }
}
