# Tests of the PyGObject override against Concurra's and concurrent.futures'
# documented behaviour: retry errors of every failed attempt, the
# CommandExecutionError of failed commands, FIRST_EXCEPTION and cancelled
# futures.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import concurrent.futures
import pickle
import threading

import gi

gi.require_version("Concurra", "1")

from gi.repository import Concurra  # noqa: E402

import pytest  # noqa: E402

MODES = [pytest.param(False, id="threads"), pytest.param(True, id="processes")]


def always_fails(text):
    raise ValueError(text)


def new_runner(**kwargs):
    kwargs.setdefault("progress_stats", False)
    return Concurra.TaskRunner(**kwargs)


@pytest.mark.parametrize("use_multiprocessing", MODES)
def test_retry_errors_list_every_failed_attempt(use_multiprocessing):
    runner = new_runner(task_retries=2,
                        use_multiprocessing=use_multiprocessing)
    runner.add_task(always_fails, "always", label="hopeless")
    runner.add_task(always_fails, "once", label="no_retries", task_retries=0)
    runner.add_task(len, "ok", label="ok")
    results = runner.run(verify=False)
    hopeless = results["hopeless"]
    assert hopeless["attempts"] == 3 and hopeless["retried"] is True
    assert hopeless["retry_errors"] == ["ValueError: always"] * 3
    assert results["no_retries"]["retry_errors"] == ["ValueError: once"]
    assert results["ok"]["retry_errors"] == []


def run_commands(**commands):
    runner = new_runner()
    futures = {label: runner.add_shell_command(command, label=label)
               for label, command in commands.items()}
    return runner.run(verify=False), futures


def test_failed_command_raises_command_execution_error():
    long_text = "x" * 600
    results, futures = run_commands(
        stderr="echo out; printf '  boom \\n\\n' >&2; exit 7",
        stdout="printf '\\n  only stdout  \\n'; exit 7",
        silent="exit 7",
        long="printf '%s' >&2; exit 7" % long_text)

    assert results["stderr"]["error"] == \
        "CommandExecutionError: Command exited with return code 7: boom"
    assert results["stdout"]["error"] == ("CommandExecutionError: Command "
                                          "exited with return code 7: only "
                                          "stdout")
    assert results["silent"]["error"] == \
        "CommandExecutionError: Command exited with return code 7"
    assert results["long"]["error"] == (
        "CommandExecutionError: Command exited with return code 7: "
        + "x" * 500 + "...")

    exc = futures["stderr"].exception()
    assert type(exc) is Concurra.CommandExecutionError
    assert isinstance(exc, RuntimeError)
    assert str(exc) == "Command exited with return code 7: boom"
    # the exception keeps the command result
    assert exc.result == results["stderr"]["result"]
    assert exc.returncode == 7 and exc.stdout == "out\n"
    assert exc.stderr == "  boom \n\n"
    with pytest.raises(Concurra.CommandExecutionError, match="code 7"):
        futures["silent"].result()
    copy = pickle.loads(pickle.dumps(exc))
    assert str(copy) == str(exc) and copy.result == exc.result


def test_command_retry_errors_are_command_execution_errors():
    runner = new_runner()
    runner.add_shell_command("echo failed >&2; exit 3", label="flaky",
                             task_retries=1)
    results = runner.run(verify=False)
    assert results["flaky"]["retry_errors"] == [
        "CommandExecutionError: Command exited with return code 3: failed"] * 2


def gated(event, error=None):
    if not event.wait(20):
        raise RuntimeError("gate never opened")
    if error is not None:
        raise error
    return "ok"


def test_first_exception_does_not_count_cancelled_futures():
    gate = threading.Event()
    runner = new_runner(max_concurrency=1)
    failing = runner.add_task(gated, gate, ValueError("bad"), label="failing")
    queued = runner.add_task(gated, gate, label="queued")
    runner.execute_in_background()
    try:
        assert queued.cancel()
        # the library terminates it on the runner's thread: let it (load)
        Concurra.wait([queued], timeout=20)
        # still waiting for an exception: only the cancelled one is done
        done, not_done = Concurra.wait([failing, queued], timeout=0.2,
                                       return_when="FIRST_EXCEPTION")
        assert done == {queued} and not_done == {failing}
        threading.Timer(0.1, gate.set).start()
        done, not_done = Concurra.wait([failing, queued], timeout=20,
                                       return_when="FIRST_EXCEPTION")
        assert done == {failing, queued} and not_done == set()
        assert isinstance(failing.exception(), ValueError)
    finally:
        gate.set()
        runner.get_background_results(verify=False)

