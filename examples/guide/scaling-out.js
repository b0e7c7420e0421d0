// scaling-out.js: commands as Slurm jobs, with the resources each needs,
// and the srun line each one gets. Without a reachable cluster the same
// tasks run here.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');

function haveCluster() {
    try {
        return GLib.spawn_command_line_sync('sinfo -h')[3] === 0;
    } catch (e) {
        return false;
    }
}

const runner = new Concurra.Runner({name: 'scaling-out', verify_on_finish: false});
// every command is a Slurm job: 1 CPU and 100 MB unless it says more
runner.launcher = haveCluster()
    ? Concurra.LauncherKind.SLURM : Concurra.LauncherKind.LOCAL;
runner.slurm_options = new Concurra.SlurmOptions({cpus: 1, mem: '100M'});

const simulate = runner.add_shell_command('simulate', null,
    'echo "simulating with ${SLURM_CPUS_PER_TASK:-all} CPUs"');
simulate.set_slurm_options(new Concurra.SlurmOptions({cpus: 2}));
simulate.set_timeout(600);   // the job's limit: 11 minutes
const report = runner.add_shell_command('report', ['simulate'], 'echo report');

print(`simulate runs: ${runner.dup_launch_command('simulate').join(' ')}`);
await runner.run_async(null);
print(`simulate: ${simulate.get_stdout().trim()}`);
print(`job ids: ${simulate.get_slurm_job_id()} and ${report.get_slurm_job_id()}` +
    ' (0: here)');
if (report.status !== Concurra.TaskStatus.SUCCESSFUL)
    throw new Error('report failed');
