// Slurm from GJS through the GIR: Runner.launcher and slurm-options,
// per-task launcher and Concurra.SlurmOptions, the srun line, the job id,
// Slurm's own failures as LAUNCHER_FAILED, and bad options as errors.
//
// Run by meson (suite 'bindings'):  gjs -m test-slurm.js
// Tests that need a cluster (tests/slurm/start-cluster.sh) are reported
// as "# SKIP" with the reason when none is reachable outside CI, and fail
// in CI (CI or CONCURRA_REQUIRE_SLURM set).
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';
import System from 'system';

import {assert, assertEq, assertThrows, runTests, Skip} from './tap.js';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');

const S = Concurra.TaskStatus;
const SLURM = Concurra.LauncherKind.SLURM;

function clusterReachable() {
    try {
        const [, out, , status] = GLib.spawn_command_line_sync('sinfo -h -o %t');
        return status === 0 && new TextDecoder().decode(out).trim() !== '';
    } catch (e) {
        return false;
    }
}

function newRunner(name) {
    const runner = new Concurra.Runner({name, launcher: SLURM});
    runner.set_log_errors(false);
    runner.set_verify_on_finish(false);
    return runner;
}

function testSrunLine() {
    const runner = newRunner('js-line');
    runner.slurm_options = new Concurra.SlurmOptions({cpus: 2, mem: '1G', time_margin: 30});
    const task = runner.add_command('sim', null, ['simulate', '--fast']);
    task.set_timeout(90);
    task.set_slurm_options(new Concurra.SlurmOptions({partition: 'debug',
        extra_args: ['--exclusive']}));
    assertEq(runner.dup_launch_command('sim'),
        ['srun', '--verbose', '--input=none', '--nodes=1', '--ntasks=1',
            '--job-name=sim', '--cpus-per-task=2', '--mem=1G', '--partition=debug',
            '--time=2', '--exclusive', 'simulate', '--fast'], 'the srun line');
    assertEq(task.get_launcher(), Concurra.LauncherKind.DEFAULT, 'the runner\'s launcher');
}

function testBadOptions() {
    const runner = newRunner('js-bad');
    const task = Concurra.Task.new_shell_command('true');
    task.set_slurm_options(new Concurra.SlurmOptions({mem: 'lots'}));
    const e = assertThrows(() => runner.add(task, 'greedy', null),
        Concurra.Error, Concurra.Error.INVALID_ARGUMENT, 'bad mem');
    assert(e.message.includes("Task 'greedy'") && e.message.includes("mem='lots'"),
        `the message names task and option: ${e.message}`);
}

async function testRunOnCluster() {
    needCluster();
    const runner = newRunner('js-run');
    runner.slurm_options = new Concurra.SlurmOptions({cpus: 2});
    const ok = runner.add_shell_command('ok', null,
        'echo $SLURM_CPUS_PER_TASK $SLURM_JOB_NAME; echo err >&2; exit 4');
    const local = runner.add_shell_command('local', null, 'echo ${SLURM_JOB_ID:-none}');
    local.set_launcher(Concurra.LauncherKind.LOCAL);
    const lost = runner.add_shell_command('lost', null, 'true');
    lost.set_slurm_options(new Concurra.SlurmOptions({partition: 'nosuchpart'}));
    await runner.run_async(null);

    assertEq(ok.get_status(), S.FAILED, 'exit 4 fails');
    assert(ok.has_returncode(), 'it ran');
    assertEq(ok.get_returncode(), 4, 'the command\'s exit status');
    assertEq(ok.get_stdout(), '2 ok\n', 'its output');
    assertEq(ok.get_stderr(), 'err\n', 'its own standard error only');
    assert(ok.get_slurm_job_id() > 0, 'a job id');
    assertEq(local.get_stdout(), 'none\n', 'the local task ran here');
    assertEq(local.get_slurm_job_id(), 0, 'no job');
    assert(lost.get_error().matches(Concurra.Error, Concurra.Error.LAUNCHER_FAILED),
        'Slurm\'s failure');
    assert(lost.get_error().message.includes("Task 'lost'") &&
        lost.get_error().message.includes('Invalid partition'),
        `names label and reason: ${lost.get_error().message}`);
}

// Tests that need the cluster start with this.
function needCluster() {
    if (clusterReachable())
        return;
    const reason = 'no Slurm cluster is reachable (sinfo failed); tests/slurm/start-cluster.sh starts one';
    if (GLib.getenv('CI') !== null || GLib.getenv('CONCURRA_REQUIRE_SLURM') !== null)
        throw new Error(`${reason}, and CI requires one`);
    throw new Skip(reason);
}

const TESTS = [
    ['srun line from runner and task options', testSrunLine],
    ['bad options are errors naming the task', testBadOptions],
    ['commands run on the cluster', testRunOnCluster],
];

const loop = new GLib.MainLoop(null, false);
let status = 1;
runTests(TESTS).then(failures => {
    status = failures ? 1 : 0;
}, e => {
    print(`Bail out! ${e}`);
}).finally(() => loop.quit());
loop.run();
System.exit(status);
