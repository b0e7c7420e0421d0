// commands.js: external programs as tasks, in dependency order, with their
// output, exit status and environment.
//
// SPDX-FileCopyrightText: 2026 The concurra-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Concurra from 'gi://Concurra?version=1';

Gio._promisify(Concurra.Runner.prototype, 'run_async', 'run_finish');

function assert(condition, what) {
    if (!condition)
        throw new Error(`failed: ${what}`);
}

const dir = GLib.dir_make_tmp('guide-XXXXXX');
const runner = new Concurra.Runner({name: 'commands', verify_on_finish: false});

// A shell command, then an exec-form one, both run in the directory.
const write = runner.add_shell_command('write', null,
                                       "printf 'a\\nb\\nc\\n' > lines.txt");
write.set_cwd(dir);
const count = runner.add_command('count', ['write'], ['wc', '-l', 'lines.txt']);
count.set_cwd(dir);
runner.add_command('cleanup', ['count'], ['rm', '-r', dir]);

// Environment variables for one command.
const greet = runner.add_shell_command('greet', null, 'echo "$GREETING" | tr a-z A-Z');
greet.setenv('GREETING', 'hello');

// A non-zero exit fails the task, unless check is off.
const fail = runner.add_shell_command('fail', null, "echo 'disk full' >&2; exit 3");
const lenient = runner.add_command('lenient', null, ['false']);
lenient.set_check(false);

// Only the beginning and the end of a long output are kept.
const chatty = runner.add_command('chatty', null, ['seq', '100000']);
chatty.set_max_output(64);

await runner.run_async(null);

print(`count: ${count.get_stdout().trim()}`);
assert(count.get_stdout() === '3 lines.txt\n', 'count');
print(`greet: ${greet.get_stdout().trim()}`);
assert(greet.get_stdout() === 'HELLO\n', 'greet');
assert(!GLib.file_test(dir, GLib.FileTest.EXISTS), 'cleanup');

assert(fail.status === Concurra.TaskStatus.FAILED, 'fail status');
assert(fail.get_error().matches(Concurra.Error, Concurra.Error.COMMAND_FAILED),
       'fail error');
assert(fail.has_returncode() && fail.get_returncode() === 3, 'fail returncode');
print(`fail: ${fail.error_message}`);

assert(lenient.status === Concurra.TaskStatus.SUCCESSFUL, 'lenient status');
const returncode = lenient.get_returncode();
const how = lenient.has_failed ? 'failed' : 'successful';
print(`lenient: exit status ${returncode}, status ${how}`);
assert(returncode === 1, 'lenient returncode');

print(`chatty: ${chatty.get_stdout()}`);
assert(chatty.get_stdout_omitted() === 588895 - 64, 'chatty omitted');
assert(chatty.warning !== null, 'chatty warning');
