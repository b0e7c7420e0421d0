# commands.py: external programs as tasks, in dependency order, with their
# output, exit status and environment.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import tempfile

import gi

gi.require_version("Concurra", "1")
from gi.repository import Concurra  # noqa: E402

directory = tempfile.mkdtemp(prefix="guide-")
runner = Concurra.Runner(name="commands", verify_on_finish=False)

# A shell command, then an exec-form one, both run in the directory.
write = runner.add_shell_command("write", None, "printf 'a\\nb\\nc\\n' > lines.txt")
write.set_cwd(directory)
count = runner.add_command("count", ["write"], ["wc", "-l", "lines.txt"])
count.set_cwd(directory)
runner.add_command("cleanup", ["count"], ["rm", "-r", directory])

# Environment variables for one command.
greet = runner.add_shell_command("greet", None, 'echo "$GREETING" | tr a-z A-Z')
greet.setenv("GREETING", "hello")

# A non-zero exit fails the task, unless check is off.
fail = runner.add_shell_command("fail", None, "echo 'disk full' >&2; exit 3")
lenient = runner.add_command("lenient", None, ["false"])
lenient.set_check(False)

# Only the beginning and the end of a long output are kept.
chatty = runner.add_command("chatty", None, ["seq", "100000"])
chatty.set_max_output(64)

runner.run(None)

print("count:", count.get_stdout(), end="")
assert count.get_stdout() == "3 lines.txt\n"
print("greet:", greet.get_stdout(), end="")
assert greet.get_stdout() == "HELLO\n"
assert not os.path.exists(directory)

assert fail.props.status == Concurra.TaskStatus.FAILED
assert fail.get_error().matches(Concurra.error_quark(), Concurra.Error.COMMAND_FAILED)
assert fail.has_returncode() and fail.get_returncode() == 3
print("fail:", fail.props.error_message)

assert lenient.props.status == Concurra.TaskStatus.SUCCESSFUL
returncode = lenient.get_returncode()
print("lenient: exit status %d, status %s"
      % (returncode, "failed" if lenient.props.has_failed else "successful"))
assert returncode == 1

print("chatty:", chatty.get_stdout())
assert chatty.get_stdout_omitted() == 588895 - 64
assert chatty.props.warning is not None
