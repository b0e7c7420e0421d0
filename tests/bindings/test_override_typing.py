# test_override_typing.py: the override's type hints, as a user's mypy sees
# them: typed_user.py passes `mypy --strict`, a misuse is reported, and the
# override module itself checks clean.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
BINDINGS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "bindings",
                        "python")


def mypy(tmp_path, *args):
    env = dict(os.environ, MYPYPATH=BINDINGS)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"),
         "--no-error-summary", "--ignore-missing-imports",
         "--follow-imports=silent"] + list(args),
        env=env, cwd=HERE, capture_output=True, text=True, timeout=300)


def test_typed_user_script_passes_strict_mypy_and_runs(tmp_path):
    checked = mypy(tmp_path, "--strict", "typed_user.py")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    ran = subprocess.run([sys.executable, "typed_user.py"], cwd=HERE,
                         capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_misuse_is_reported(tmp_path):
    script = tmp_path / "misuse.py"
    script.write_text(textwrap.dedent("""\
        from gi.overrides import Concurra
        runner = Concurra.TaskRunner(max_concurrency="2")
        runner.add_task(print, task_retries="x")
        count: str = len(runner)
        """))
    checked = mypy(tmp_path, str(script))
    assert checked.returncode == 1
    assert checked.stdout.count("error:") == 3, checked.stdout


def test_override_module_checks_clean(tmp_path):
    checked = mypy(tmp_path, "-m", "gi.overrides.Concurra")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_concurry_module_checks_clean(tmp_path):
    checked = mypy(tmp_path, "-m", "gi.overrides._concurry")
    assert checked.returncode == 0, checked.stdout + checked.stderr
