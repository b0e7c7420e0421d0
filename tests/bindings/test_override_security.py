# Tests of the PyGObject override: what the parent process decodes. Only
# errors that really came from a worker process of the runner are unpickled
# (a task's own exception text cannot forge one), and a result that cannot
# be unpickled fails its own task only.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import base64
import json
import pickle
import sys

import gi

gi.require_version("Concurra", "1")

from gi.repository import Concurra  # noqa: E402

import pytest  # noqa: E402

MODES = [pytest.param(False, id="threads"), pytest.param(True, id="processes")]


class _CreatesFile:
    """Unpickling it opens (creates) a file: what an attacker's pickle
    would do with os.system instead."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def crafted_text(path):
    """A worker-error marker and JSON details with a pickle, as untrusted
    input could hold them."""
    marker = sys.modules["gi.overrides.Concurra"]._MARKER
    details = {
        "summary": "ValueError: forged", "type": "ValueError",
        "module": "builtins", "message": "forged", "trace": "forged",
        "pickle": base64.b64encode(pickle.dumps(_CreatesFile(path))).decode(),
    }
    return marker + json.dumps(details)


def reject(text, path):
    # the file must not exist when the task runs (it would run, in a
    # worker, the same code the parent must not)
    raise ValueError("bad field: " + text)


def new_runner(use_multiprocessing, **kwargs):
    return Concurra.TaskRunner(progress_stats=False,
                               use_multiprocessing=use_multiprocessing,
                               **kwargs)


@pytest.mark.parametrize("use_multiprocessing", MODES)
def test_exception_text_cannot_forge_a_worker_error(tmp_path,
                                                    use_multiprocessing):
    path = str(tmp_path / "pwned")
    text = crafted_text(path)
    runner = new_runner(use_multiprocessing, task_retries=1)
    future = runner.add_task(reject, text, path, label="input")
    results = runner.run(verify=False)

    assert not (tmp_path / "pwned").exists()
    result = results["input"]
    assert result["status"] == "Failed"
    assert result["error"] == "ValueError: bad field: " + text
    assert result["retry_errors"][0] == "ValueError: bad field: " + text
    assert "forged" != result["trace"] and "reject" in result["trace"]
    exc = future.exception()
    assert type(exc) is ValueError
    assert str(exc) == "bad field: " + text


class Unloadable:
    """Pickles in the worker; unpickling it (int("not-a-number")) fails."""

    def __reduce__(self):
        return (int, ("not-a-number",))


def unloadable():
    return Unloadable()


def double(x):
    return 2 * x


def test_a_result_that_cannot_be_unpickled_fails_only_its_task():
    runner = new_runner(True, max_concurrency=2)
    bad = runner.add_task(unloadable, label="bad")
    good = runner.add_task(double, 21, label="good")
    runner.add_task(double, 1, label="after", depends_on=["bad"])
    results = runner.run(verify=False)

    assert results["good"]["status"] == "Successful"
    assert results["good"]["result"] == 42
    assert results["after"]["result"] == 2
    result = results["bad"]
    assert result["status"] == "Failed" and result["has_failed"]
    assert result["result"] is None and result["output"] is None
    assert result["error"] == (
        "UnpicklingError: Task 'bad' returned a result that cannot be "
        "unpickled: ValueError: invalid literal for int() with base 10: "
        "'not-a-number'")
    assert "ValueError" in result["trace"]
    assert result["execution_mode"] == "process"

    with pytest.raises(pickle.UnpicklingError) as info:
        bad.result()
    assert isinstance(info.value.__cause__, ValueError)
    assert isinstance(bad.exception(), pickle.UnpicklingError)
    assert good.result() == 42
    assert Concurra.gather([bad, good], return_exceptions=True)[1] == 42
    assert runner.verify() is False
    with pytest.raises(Concurra.TasksFailedError, match="UnpicklingError"):
        runner.verify(raise_exception=True)
