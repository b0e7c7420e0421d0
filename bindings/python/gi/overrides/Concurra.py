# Concurra.py: the PyGObject override of the Concurra namespace.
#
# On top of the introspected classes (Concurra.Runner, Concurra.Task, ...),
# which stay as they are, this module gives Python the APIs of the two
# libraries concurra-glib brings to GNOME:
#
# - Concurra's TaskRunner: any callable and any Python objects as arguments
#   and results, hashable labels, depends_on, retries, commands, thread or
#   process mode (pickled callables run in warm Python worker processes),
#   structured result dicts, logging to a Python logger;
# - Concurry's wait() / gather() (and async_wait / async_gather) over the
#   futures add_task() returns.
#
# Python objects never cross into C: a thread task stores its return value
# or exception in its record here, and the C task only carries the status.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

from __future__ import annotations

import base64
import builtins
import collections
import collections.abc
import concurrent.futures
import functools
import json
import logging
import os
import pickle
import re
import shlex
import sys
import threading
import time
import traceback
import weakref
from datetime import datetime
from typing import (Any, AsyncIterator, Awaitable, Callable, Dict, Hashable,
                    Iterable, Iterator, List, Literal, Mapping, NamedTuple,
                    Optional, Sequence, Set, Tuple, Union, overload)

from gi.repository import GLib, Gio

from ..module import get_introspection_module  # type: ignore[misc]

Concurra = get_introspection_module('Concurra')

__all__: List[str] = []

# Types of the public API, for editors and mypy (tests/bindings/typed_user.py)
Label = Hashable
DependsOn = Union[Hashable, Iterable[Hashable]]
Results = Dict[Any, Dict[str, Any]]
# The library's GObject types are Any to mypy (PyGObject ships no stubs):
_GTask = Any            # Concurra.Task
_GReturnWhen = Any      # Concurra.ReturnWhen
_GMainContext = Any     # GLib.MainContext
Futures = Union["Future", _GTask, Iterable[Any], Mapping[Any, Any]]
Progress = Union[bool, Callable[[int, int], object]]

LOGGER = logging.getLogger("concurra.core")

# The error domain of Python exceptions raised by task functions.
PYTHON_ERROR_DOMAIN = "concurra-python-error-quark"
_PY_QUARK = GLib.quark_from_string(PYTHON_ERROR_DOMAIN)
_CONCURRA_QUARK = Concurra.error_quark()

# The function Python worker processes register (see _concurra_worker.py).
PYTHON_CALL = "python-call"

# A worker's error message is "ExcType: message" + _MARKER + JSON details
# (type, message, summary, traceback, pickled exception): the worker protocol
# of the library carries only domain, code and message for errors of
# registered functions. The parent reads those details only from errors of
# process tasks of its own runner that ran in a worker (see
# _worker_error_details), and only from the JSON document after the *last*
# marker: the worker writes it as ASCII JSON, in which the marker's
# characters are escaped, so a task's own exception text (which comes before
# it) can neither end it nor stand in for it. Thread tasks' errors are never
# decoded: their exceptions stay in Python.
_MARKER = "\n\x1econcurra-python\x1e"

_WORKER_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "_concurra_worker.py")

# Set by _concurra_worker.py: None in ordinary processes, "bootstrapping"
# while a worker imports the parent's __main__, "serving" afterwards.
_worker_state = None

_S = Concurra.TaskStatus
_STATUS_TEXT = {
    _S.PENDING: "Pending",
    _S.RUNNING: "Running",
    _S.SUCCESSFUL: "Successful",
    _S.FAILED: "Failed",
    _S.TERMINATED: "Terminated",
}
_M = Concurra.ExecutionMode
_MODE_TEXT = {
    _M.NONE: None,
    _M.THREAD: "thread",
    _M.PROCESS: "process",
    _M.THREAD_FALLBACK: "thread_fallback",
    _M.SUBPROCESS: "subprocess",
    _M.MAIN_CONTEXT: "main_context",
}
_E = Concurra.Error


class CommandExecutionError(RuntimeError):
    """A command task exited with a non-zero return code (Concurra's
    exception). The message is "Command exited with return code N", then
    ": " and the stripped stderr (or, when that is empty, the stripped
    stdout), its first 500 characters and "..." when longer. ``result`` is
    the task's command result dict (command, shell, returncode, stdout,
    stderr, cwd)."""

    def __init__(self, message: str,
                 result: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.result = result

    def __reduce__(self):
        return (type(self), (str(self), self.result))

    @property
    def returncode(self) -> Optional[int]:
        """The command's return code (None without a result)."""
        return self._result_field("returncode")

    @property
    def command(self) -> Any:
        """The command: a list of arguments or a shell string."""
        return self._result_field("command")

    @property
    def stdout(self) -> Any:
        """The command's standard output (str, bytes or None)."""
        return self._result_field("stdout")

    @property
    def stderr(self) -> Any:
        """The command's standard error (str, bytes or None)."""
        return self._result_field("stderr")

    def _result_field(self, name: str) -> Any:
        return self.result.get(name) if self.result else None


__all__.append("CommandExecutionError")

# How much of a failed command's output its error message keeps.
_COMMAND_OUTPUT_EXCERPT = 500

# Python names for the library's own error codes, in results and retry
# errors ("ConcurraError.TIMEOUT: ..." -> "TimeoutError: ...").
_CODE_EXCEPTION = {
    int(_E.TIMEOUT): TimeoutError,
    int(_E.TERMINATED): RuntimeError,
    int(_E.DEPENDENCY_FAILED): RuntimeError,
    int(_E.NOT_SERIALIZABLE): pickle.PicklingError,
    int(_E.COMMAND_FAILED): CommandExecutionError,
    int(_E.WORKER_CRASHED): RuntimeError,
}

_PICKLE_FALLBACK_WARNING = "Task was not picklable; ran in thread fallback"
_PICKLE_FAILED_WARNING = ("Task was not picklable and thread fallback is "
                          "disabled")


class TasksFailedError(Exception):
    """Raised by run(raise_exception=True) and verify(raise_exception=True)
    when a task failed or was terminated; the message holds the report."""


__all__.append("TasksFailedError")


def _command_start_exception(message):
    """The exception of a command that could not be started."""
    if "No such file or directory" in message:
        return FileNotFoundError(2, message)
    if "Permission denied" in message:
        return PermissionError(13, message)
    return OSError(message)


def _command_attempt_exception(message):
    """The exception of a failed command attempt from the library's message
    alone (retried attempts keep no output: the stdout fallback is lost)."""
    if message.startswith("Command exited with return code"):
        return CommandExecutionError(message)
    killed = re.match(r"Command was killed by signal (\d+)", message)
    if killed:
        # as subprocess reports it
        return CommandExecutionError("Command exited with return code -%s"
                                     % killed.group(1))
    return _command_start_exception(message)


def _command_failure_message(result):
    """Concurra's message of a command that exited with a non-zero code."""
    message = "Command exited with return code %d" % result["returncode"]
    for output in (result.get("stderr"), result.get("stdout")):
        if isinstance(output, bytes):
            output = output.decode("utf-8", "replace")
        detail = (output or "").strip()
        if detail:
            if len(detail) > _COMMAND_OUTPUT_EXCERPT:
                detail = detail[:_COMMAND_OUTPUT_EXCERPT] + "..."
            return message + ": " + detail
    return message


# ---------------------------------------------------------------------------
# small helpers

def _summary(exc):
    """Concurra's error text: "ExcType: message"."""
    return "%s: %s" % (type(exc).__name__, _safe_str(exc))


def _safe_str(exc):
    try:
        return str(exc)
    except Exception:
        return "<exception str() failed>"


def _c_string(text):
    """A string C accepts: valid UTF-8 without NUL."""
    if text is None:
        return None
    if type(text) is str and text.isascii() and "\x00" not in text:
        return text
    text = str(text).replace("\x00", "\\x00")
    return text.encode("utf-8", "replace").decode("utf-8")


def _check_no_nul(text):
    """What subprocess says of a NUL in an argument, cwd or environment."""
    if isinstance(text, str) and "\x00" in text:
        raise ValueError("embedded null byte")


def _format_exception(exc, tb):
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _format_time(dt):
    if dt is None:
        return None
    # the library's times are local already
    return dt.format("%Y-%m-%d %H:%M:%S")


def _timeout_arg(timeout):
    """None -> wait forever (-1) for the library's waits."""
    if timeout is None:
        return -1.0
    timeout = float(timeout)
    return max(timeout, 0.0)


_AY = GLib.VariantType.new("ay")


# Looked up once: GLib.Bytes goes through the GLib proxy module's
# __getattr__ at every access (1.3 us, a process call makes two of these).
_new_gbytes = GLib.Bytes.new
_variant_from_bytes = GLib.Variant.new_from_bytes


def _bytes_variant(data):
    # GLib.Variant("ay", data) converts byte by byte (seconds for a few MB).
    return _variant_from_bytes(_AY, _new_gbytes(data), True)


def _variant_bytes(variant):
    if variant is None:
        return None
    data = variant.get_data_as_bytes().get_data()
    return data if data is not None else b""


def _gbytes(gbytes):
    if gbytes is None:
        return None
    data = gbytes.get_data()
    return bytes(data) if data is not None else b""


def _is_timeout(error):
    return error.matches(_CONCURRA_QUARK, int(_E.TIMEOUT))


def _is_cancellation(error):
    # the library's error of a task cancelled by concurra_task_cancel()
    return error.matches(_CONCURRA_QUARK, int(_E.TERMINATED)) and \
        error.message == "Task was cancelled"


def _table(headers, rows):
    """tabulate's "psql" format (numeric columns right-aligned).

    Not concurra_runner_format_report: the library's table left-aligns
    numeric cells (Concurra's default int labels are right-aligned), and it
    prints the library's labels and statuses, not the Python labels and
    the statuses of the results dict (a process task whose result cannot
    be unpickled is Failed here, Successful there)."""
    columns = list(zip(*rows)) if rows else [() for _ in headers]
    aligns, widths, text_rows = [], [], [[] for _ in rows]
    for i, header in enumerate(headers):
        cells = columns[i]
        numeric = bool(cells) and all(
            isinstance(c, (int, float)) and not isinstance(c, bool)
            for c in cells)
        texts = ["" if c is None else str(c) for c in cells]
        width = max([len(header) + 2] + [len(t) for t in texts])
        aligns.append(numeric)
        widths.append(width)
        for row, text in zip(text_rows, texts):
            row.append(text)

    def line(cells):
        return "| " + " | ".join(
            (c.rjust(w) if numeric else c.ljust(w))
            for c, w, numeric in zip(cells, widths, aligns)) + " |"

    border = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    lines = [border, line(headers),
             "|" + "+".join("-" * (w + 2) for w in widths) + "|"]
    lines.extend(line(row) for row in text_rows)
    lines.append(border)
    return "\n".join(lines)


_G_MAXINT = 2 ** 31 - 1


def _check_retries(value, allow_none):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("task_retries must be an integer, got %r" % (value,))
    if value < 0:
        raise ValueError("task_retries must be >= 0, got %d" % value)
    # C's int; more retries than that are as good as endless
    return min(value, _G_MAXINT)


# the library's default of Concurra.Runner:max-output
DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024


def _check_max_output(value, allow_none):
    """Bytes kept of each output stream of a command; 0 keeps everything."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("max_output must be a number of bytes, got %r"
                        % (value,))
    if value < 0:
        raise ValueError("max_output must be >= 0 (0: no limit), got %d"
                         % value)
    return min(value, 2 ** 63 - 1)


# ---------------------------------------------------------------------------
# labels: any hashable Python label <-> a unique string for the library

class _Labels:
    """Maps hashable labels to distinct C label strings, deterministically
    from first sight (so forward references resolve to the same string)."""

    def __init__(self):
        self._to_c = {}
        self._from_c = {}
        self._serial = 0

    def to_c(self, label):
        text = self._to_c.get(label)
        if text is not None:
            return text
        text = label if isinstance(label, str) else repr(label)
        if not text or text[0] == "\x01" or text in self._from_c \
                or not (text.isascii() and "\x00" not in text
                        or _c_string(text) == text):
            self._serial += 1
            text = "\x01%d:%s" % (self._serial, _c_string(text))
        self._to_c[label] = text
        self._from_c[text] = label
        return text

    def from_c(self, text):
        return self._from_c.get(text, text)


# ---------------------------------------------------------------------------
# tasks

_FUNCTION, _COMMAND, _SHELL = "function", "command", "shell"


def _check_hashable(label):
    try:
        hash(label)
    except TypeError:
        raise TypeError("Task label %r is not hashable" % (label,)) from None


def _deps_tuple(depends_on):
    """A task's dependency labels as a tuple without repeats."""
    if depends_on is None:
        return ()
    if type(depends_on) in (list, tuple) or not isinstance(
            depends_on, (str, bytes)) and isinstance(
                depends_on, collections.abc.Iterable):
        return tuple(dict.fromkeys(depends_on))
    return (depends_on,)    # one label given on its own


class _Record:
    """What the Python side knows about one task. It holds no reference to
    the C task nor to the runner, so no reference cycle goes through C.

    Only what every task has is set per task; the rest are class defaults
    until a task needs them (setting 19 attributes cost more than adding
    a tiny task to the library)."""

    fn = args = kwargs = None
    value = None
    exc = None
    trace = None
    pickle_exc = None
    process = False
    cancelled = False
    command = None
    cwd = None
    failure = None      # cached (exception, summary, trace)
    decoded = None      # cached unpickled process result (box)

    def __init__(self, index, label, c_label, kind, task_name, depends_on,
                 fn=None, args=None, kwargs=None):
        self.index = index
        self.label = label
        self.c_label = c_label
        self.kind = kind
        self.task_name = task_name
        self.depends_on = depends_on
        if fn is not None:
            self.fn = fn
            self.args = args
            self.kwargs = kwargs


_pinned = threading.local()


def _pin_thread_state():
    """Keeps this (GLib pool) thread's Python thread state alive.

    PyGObject calls a Python callback from a foreign thread by creating a
    thread state and destroying it afterwards, which maps and unmaps the
    interpreter's stack chunk for every task. Holding one PyGILState
    reference for the life of the thread makes later calls reuse it."""
    if getattr(_pinned, "done", False):
        return
    _pinned.done = True
    try:
        import ctypes
        ctypes.pythonapi.PyGILState_Ensure()
    except Exception:  # pragma: no cover - an optimisation only
        pass


def _thread_task_function(records):
    """-> the body of a runner's thread tasks: one callable for all of them
    (a Concurra.Function), given the task's index in ``records``.

    Runs on a pool thread. A failure goes to the running task
    (Concurra.Task.get_current) as a Python-domain error with its trace;
    the exception itself stays in the record."""
    current_task = Concurra.Task.get_current

    def run(index):
        _pin_thread_state()
        record = records[index]
        try:
            record.value = record.fn(*record.args, **record.kwargs)
        except BaseException as exc:  # noqa: B902 - reported as the task's error
            tb = exc.__traceback__
            tb = tb.tb_next if tb is not None else None
            exc.__traceback__ = tb    # drop this frame
            trace = _format_exception(exc, tb)
            record.exc = exc
            record.trace = trace
            try:
                error = GLib.Error.new_literal(_PY_QUARK,
                                               _c_string(_summary(exc)), 0)
            except Exception:  # pragma: no cover - defensive
                error = GLib.Error.new_literal(_PY_QUARK, type(exc).__name__,
                                               0)
            current_task().return_error_full(error, _c_string(trace))

    return run


def _worker_python_call(args, cancellable, *user_data):
    """The function worker processes register: (fn, args, kwargs) pickled in,
    the pickled return value out; errors come back as a GLib.Error whose
    message carries the exception (see _MARKER)."""
    try:
        fn, fn_args, fn_kwargs = pickle.loads(_variant_bytes(args))
        result = fn(*fn_args, **fn_kwargs)
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: B902 - sent back to the parent
        _flush_std_streams()
        tb = exc.__traceback__
        tb = tb.tb_next if tb is not None else None
        raise GLib.Error.new_literal(_PY_QUARK, _encode_remote_error(exc, tb),
                                     0)
    _flush_std_streams()
    return _bytes_variant(data)


def _flush_std_streams():
    # Workers leave through exit() in C: Python never flushes these itself.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def _encode_remote_error(exc, tb):
    """-> "ExcType: message" + _MARKER + the JSON details (in a worker)."""
    summary = _c_string(_summary(exc))
    try:
        pickled = base64.b64encode(
            pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)).decode()
    except Exception:
        pickled = None
    info = {
        "summary": summary,
        "type": type(exc).__name__,
        "module": type(exc).__module__,
        "message": _safe_str(exc),
        "trace": _format_exception(exc, tb),
        "pickle": pickled,
    }
    # ensure_ascii (the default) escapes the marker's control characters
    return summary + _MARKER + json.dumps(info, ensure_ascii=True)


def _worker_error_details(message):
    """-> the details dict a worker appended to its error message, or None.
    Call it only for errors that came from a worker (see _MARKER)."""
    _, sep, tail = message.rpartition(_MARKER)
    if not sep:
        return None
    try:
        info = json.loads(tail)
    except ValueError:
        return None
    return info if isinstance(info, dict) else None


def _detail(info, key):
    value = info.get(key)
    return value if isinstance(value, str) else None


def _worker_error_summary(message):
    """A worker's error message without its JSON details."""
    info = _worker_error_details(message) or {}
    return _detail(info, "summary") or message.rpartition(_MARKER)[0] \
        or message


def _decode_remote_error(message):
    """-> (exception, summary, trace) from a worker's error message: the
    exception unpickled from what the worker sent, or rebuilt from its type
    name and message."""
    info = _worker_error_details(message) or {}
    summary = _worker_error_summary(message)
    exc = None
    pickled = _detail(info, "pickle")
    if pickled:
        try:
            exc = pickle.loads(base64.b64decode(pickled))
        except Exception:
            exc = None
    if not isinstance(exc, BaseException):
        exc = _rebuild_exception(_detail(info, "type"),
                                 _detail(info, "module"),
                                 _detail(info, "message") or summary)
    return exc, summary, _detail(info, "trace")


class RemoteError(Exception):
    """A worker's exception that could not be unpickled in the parent."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(message)
        self.type_name = type_name


__all__.append("RemoteError")


def _rebuild_exception(type_name, module, message):
    if module == "builtins" and type_name:
        cls = getattr(builtins, type_name, None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            try:
                return cls(message)
            except Exception:
                pass
    return RemoteError(type_name or "Exception", message)


# ---------------------------------------------------------------------------
# signal handlers: module functions holding the runner weakly

def _on_task_finished(gi_runner, task, ref):
    runner = ref()
    if runner is not None:
        try:
            runner._task_finished(task)
        except Exception:  # pragma: no cover - never raise into C
            LOGGER.exception("concurra: error in a task-finished handler")


def _on_progress(gi_runner, completed, total, ref):
    runner = ref()
    if runner is not None:
        try:
            runner._progress(completed, total)
        except Exception:  # pragma: no cover
            LOGGER.exception("concurra: error in a progress handler")


def _on_task_retrying(gi_runner, task, attempt, error, ref):
    runner = ref()
    if runner is not None and runner.log_errors:
        try:
            record = runner._record_of(task)
            runner.log.warning("Task '%s' failed on attempt %d, retrying: %s",
                               record.label, attempt,
                               runner._clean_error_text(
                                   "%s.%d: %s" % (error.domain, error.code,
                                                  error.message),
                                   record, task))
        except Exception:  # pragma: no cover
            LOGGER.exception("concurra: error in a task-retrying handler")


_IDLE, _RUNNING, _FINISHED = "idle", "running", "finished"

_LAUNCHERS = {"local": Concurra.LauncherKind.LOCAL,
              "slurm": Concurra.LauncherKind.SLURM}
_SLURM_KEYS = {"cpus": int, "mem": str, "partition": str,
               "time_margin": (int, float), "extra_args": (list, tuple)}


def _launcher_kind(launcher, what):
    """"local" or "slurm" -> Concurra.LauncherKind."""
    if isinstance(launcher, Concurra.LauncherKind):
        return launcher
    kind = _LAUNCHERS.get(launcher) if isinstance(launcher, str) else None
    if kind is None:
        raise ValueError("%s must be 'local' or 'slurm', got %r"
                         % (what, launcher))
    return kind


def _slurm_options(slurm, what):
    """A dict of Slurm settings -> Concurra.SlurmOptions (None: none)."""
    if slurm is None or isinstance(slurm, Concurra.SlurmOptions):
        return slurm
    if not isinstance(slurm, collections.abc.Mapping):
        raise TypeError("%s must be a dict of Slurm settings (%s), got %s"
                        % (what, ", ".join(_SLURM_KEYS), type(slurm).__name__))
    options = Concurra.SlurmOptions()
    for key, value in slurm.items():
        kind = _SLURM_KEYS.get(key)
        if kind is None:
            raise ValueError("%s: unknown Slurm setting %r (known: %s)"
                             % (what, key, ", ".join(_SLURM_KEYS)))
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, kind):
            raise TypeError("%s[%r] has the wrong type: %s"
                            % (what, key, type(value).__name__))
        if key == "cpus":
            if value < 1:
                raise ValueError("%s['cpus'] must be >= 1, got %r"
                                 % (what, value))
            options.set_cpus(value)
        elif key == "mem":
            options.set_mem(value)
        elif key == "partition":
            options.set_partition(value)
        elif key == "time_margin":
            if value != value or value < 0:
                raise ValueError("%s['time_margin'] must be >= 0, got %r"
                                 % (what, value))
            options.set_time_margin(float(value))
        else:
            if not all(isinstance(a, str) for a in value):
                raise TypeError("%s['extra_args'] must be a list of strings"
                                % (what,))
            options.set_extra_args(list(value))
    try:
        options.validate()
    except GLib.Error as error:
        raise ValueError("%s: %s" % (what, error.message)) from None
    return options


class TaskRunner:
    """Concurra's TaskRunner on concurra-glib.

    Runs callables (in threads, or pickled in warm Python worker processes
    with ``use_multiprocessing=True``) and external commands in dependency
    order, at most ``max_concurrency`` at a time, and returns a dict of
    structured results keyed by label. A runner runs once.

    ``max_output`` bounds what a command task keeps of each of its stdout
    and stderr (64 MiB by default, 0 keeps everything); see
    :meth:`add_command`. The underlying :class:`Concurra.Runner` is
    ``runner.gobject``.
    """

    def __init__(self, max_concurrency: Optional[int] = None,
                 name: Optional[str] = None,
                 timeout: Optional[float] = None,
                 progress_stats: bool = True, fast_fail: bool = False,
                 use_multiprocessing: bool = False,
                 logger: Optional[logging.Logger] = None,
                 log_errors: bool = False,
                 fallback_to_thread_on_pickle_error: bool = False,
                 task_retries: int = 0,
                 max_output: int = DEFAULT_MAX_OUTPUT, launcher: str = "local",
                 slurm: Optional[Mapping[str, Any]] = None,
                 worker_launcher: Optional[Sequence[str]] = None) -> None:
        self.log = logger or LOGGER
        if max_concurrency is not None and (
                isinstance(max_concurrency, bool)
                or not isinstance(max_concurrency, int)):
            raise TypeError("max_concurrency must be an integer or None, "
                            "got %r" % (max_concurrency,))
        self.max_concurrency = max_concurrency or os.cpu_count() or 1
        if self.max_concurrency < 1:
            self.log.warning("max_concurrency must be >= 1; resetting to 1, "
                             "tasks will not run in parallel")
            self.max_concurrency = 1
        if timeout is not None:
            if isinstance(timeout, bool) or not isinstance(timeout,
                                                           (int, float)):
                raise TypeError("timeout must be a number of seconds or None, "
                                "got %r" % (timeout,))
            if timeout != timeout or timeout < 0:
                raise ValueError("timeout must be >= 0, got %r" % (timeout,))
        self.timeout = timeout
        self.name = name or self.__class__.__name__
        self.progress_stats = progress_stats
        self.fast_fail = fast_fail
        self.use_multiprocessing = use_multiprocessing
        self.log_errors = log_errors
        self.fallback_to_thread_on_pickle_error = \
            fallback_to_thread_on_pickle_error
        self.task_retries = _check_retries(task_retries, False)
        self.max_output = _check_max_output(max_output, False)
        # where commands (and, with use_multiprocessing, workers) run
        self.launcher = _launcher_kind(launcher, "launcher")
        self.slurm = _slurm_options(slurm, "slurm")
        if worker_launcher is not None:
            if isinstance(worker_launcher, (str, bytes)) or not all(
                    isinstance(a, str) and a for a in worker_launcher) \
                    or not worker_launcher:
                raise TypeError("worker_launcher must be a non-empty list of "
                                "strings, e.g. ['ssh', 'node1'], got %r"
                                % (worker_launcher,))
            worker_launcher = list(worker_launcher)
        self.worker_launcher = worker_launcher

        self.gobject = Concurra.Runner.new(_c_string(self.name))
        self._labels = _Labels()
        self._records: List[_Record] = []
        self._tasks: List[_GTask] = []   # the C tasks, parallel to _records
        self._by_label: Dict[Any, _Record] = {}
        self._functions: Dict[Any, Any] = {}  # Concurra.Function by task name
        self._thread_body = _thread_task_function(self._records)
        self._state = _IDLE
        self._c_started = False
        self._time_started = None
        self._terminating_logged = False
        self._lock = threading.Lock()


    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self):
        return "<Concurra.TaskRunner %r: %d tasks, %s>" % (
            self.name, len(self._records), self._state)

    # ---- adding tasks ----

    def _function_named(self, name):
        """-> the Concurra.Function of this runner's thread tasks whose
        callable is called ``name``: one closure for all of them, which
        PyGObject calls with the task's index (see _thread_task_function)."""
        function = self._functions.get(name)
        if function is None:
            function = Concurra.Function.new(_c_string(name),
                                             self._thread_body)
            self._functions[name] = function
        return function

    def _new_record(self, label, depends_on, kind, task_name, fn=None,
                    args=None, kwargs=None):
        if self._state != _IDLE:
            raise RuntimeError("Cannot add tasks after execution has started.")
        index = len(self._records)
        if label is None:
            label = index
        elif type(label) is not str:
            _check_hashable(label)
        c_label = self._labels._to_c.get(label)
        if c_label is None:
            c_label = self._labels.to_c(label)
        return _Record(index, label, c_label, kind, task_name,
                       _deps_tuple(depends_on), fn, args, kwargs)

    def _commit(self, record, task):
        self._records.append(record)
        self._tasks.append(task)
        self._by_label[record.label] = record
        return Future(self, record, task)

    def _record_of(self, task):
        return self._by_label.get(self._labels.from_c(task.get_label()))

    def _c_deps(self, record):
        if not record.depends_on:
            return None
        known = self._labels._to_c.get
        to_c = self._labels.to_c
        return [known(dep) or to_c(dep) for dep in record.depends_on]

    def _c_add(self, task, record):
        try:
            self.gobject.add(task, record.c_label, self._c_deps(record))
        except GLib.Error as error:
            raise self._add_error(error, record) from None

    def _add_error(self, error, record):
        """The library's add error in Concurra's words, with the Python
        labels: the library checks labels and the graph (a cycle only when
        the new label was depended on before: linear in the graph)."""
        code = error.code if error.domain == "concurra-error-quark" else None
        if code == _E.ALREADY_STARTED:
            return RuntimeError("Cannot add tasks after execution has "
                                "started.")
        if code == _E.DUPLICATE_LABEL:
            return ValueError("Duplicate task key label: '%s' already exists."
                              % (record.label,))
        if code == _E.SELF_DEPENDENCY:
            return ValueError("Task '%s' cannot depend on itself."
                              % (record.label,))
        if code == _E.CYCLE:
            return ValueError("Circular dependency detected: %s."
                              % self._cycle_text(error.message, record))
        return ValueError(error.message)

    def _cycle_text(self, message, record):
        """The library's cycle "c → b → a → c" with the Python labels."""
        head = ("Adding task '%s' would create a dependency cycle: "
                % record.c_label)
        if not message.startswith(head):
            return message
        return " -> ".join(str(self._labels.from_c(text))
                           for text in message[len(head):].split(" \u2192 "))

    def _add_callable(self, func, args, kwargs, label=None, depends_on=None,
                      task_retries=None):
        """Adds func(*args, **kwargs); args is a tuple and kwargs a dict of
        the task's own (callers copy what the user may change).

        A thread task without retries of its own, the common case, is
        added inline with one call into the library (add_function): a
        profile of 10 000 adds gave 3.3 us a task to the Python around the
        calls into the library, most of it in the calls between the helpers
        each add went through, and 2.3 us to the closure PyGObject made for
        each task's own function (Concurra.Task.new), which a
        Concurra.Function shared by the runner's tasks does not need."""
        if not callable(func):
            raise TypeError("The provided task '%s' is not callable." % (func,))
        name = getattr(func, "__name__", None) or str(func)
        if task_retries is not None or self.use_multiprocessing:
            return self._add_callable_with(func, args, kwargs, label,
                                           depends_on, task_retries, name)
        if self._state != _IDLE:
            raise RuntimeError("Cannot add tasks after execution has started.")
        records = self._records
        index = len(records)
        if label is None:
            label = index
        elif type(label) is not str:
            _check_hashable(label)
        if depends_on is None:
            deps = ()
        elif type(depends_on) is list:
            deps = tuple(dict.fromkeys(depends_on))
        else:
            deps = _deps_tuple(depends_on)
        labels = self._labels
        known = labels._to_c.get
        c_label = known(label)
        if c_label is None:
            c_label = labels.to_c(label)
        record = _Record(index, label, c_label, _FUNCTION, name, deps, func,
                         args, kwargs)
        function = self._functions.get(name) or self._function_named(name)
        try:
            task = self.gobject.add_function(
                c_label, [known(dep) or labels.to_c(dep) for dep in deps]
                if deps else None, function, index)
        except GLib.Error as error:
            raise self._add_error(error, record) from None
        records.append(record)
        self._tasks.append(task)
        self._by_label[label] = record
        return Future(self, record, task)

    def _add_callable_with(self, func, args, kwargs, label, depends_on,
                           task_retries, name):
        """_add_callable for a process runner or a task's own retries."""
        retries = (None if task_retries is None
                   else _check_retries(task_retries, True))
        record = self._new_record(label, depends_on, _FUNCTION, name, func,
                                  args, kwargs)

        task = None
        if self.use_multiprocessing:
            try:
                payload = pickle.dumps((func, record.args, record.kwargs),
                                       protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                record.pickle_exc = exc
            else:
                record.process = True
                task = Concurra.Task.new_process(PYTHON_CALL,
                                                 _bytes_variant(payload))
        if task is None:
            # a thread task; in a process runner the library fails it
            # (NOT_SERIALIZABLE) or runs it as a thread fallback
            task = Concurra.Task.new_for_function(self._function_named(name),
                                                  None, record.index)
        if retries is not None:
            task.set_retries(retries)
        self._c_add(task, record)
        return self._commit(record, task)

    def add_task(self, task: Callable[..., Any], *args: Any,
                 label: Optional[Label] = None,
                 depends_on: Optional[DependsOn] = None,
                 task_retries: Optional[int] = None,
                 **kwargs: Any) -> Future:
        """Queue ``task(*args, **kwargs)``; returns its :class:`Future`."""
        return self._add_callable(task, args, kwargs, label, depends_on,
                                  task_retries)

    def add_func(self, func: Callable[..., Any], *args: Any,
                 **kwargs: Any) -> Future:
        """Like add_task; the reserved ``key`` keyword is the label and every
        other keyword goes to ``func``."""
        key = kwargs.pop("key", None)
        return self._add_callable(func, args, kwargs, label=key)

    def add_function(self, func: Callable[..., Any],
                     args: Optional[Iterable[Any]] = None,
                     kwargs: Optional[Mapping[str, Any]] = None,
                     key: Optional[Label] = None, log_exception: bool = True,
                     depends_on: Optional[DependsOn] = None,
                     task_retries: Optional[int] = None) -> Future:
        """Queue ``func(*args, **kwargs)`` with explicit containers."""
        args = () if args is None else args
        kwargs = {} if kwargs is None else kwargs
        if isinstance(args, (str, bytes)) or not isinstance(
                args, collections.abc.Iterable):
            raise TypeError("'args' must be an iterable such as a tuple or "
                            "list, got %s." % type(args).__name__)
        if not isinstance(kwargs, collections.abc.Mapping):
            raise TypeError("'kwargs' must be a mapping such as a dict, got "
                            "%s." % type(kwargs).__name__)
        return self._add_callable(func, tuple(args), dict(kwargs), label=key,
                                  depends_on=depends_on,
                                  task_retries=task_retries)

    def add_work(self, workload: Iterable[Tuple[Any, ...]]) -> List[Future]:
        """Queue many tasks from tuples ``(func[, args[, kwargs[, label]]])``;
        returns their futures."""
        items = []
        for i, work in enumerate(workload):
            if not isinstance(work, tuple):
                raise TypeError("Workload item at index %d is not a tuple" % i)
            if len(work) < 1 or len(work) > 4:
                raise ValueError(
                    "Invalid workload item at index %d: expected a tuple "
                    "with 1 to 4 elements in the format:\n(function: "
                    "callable, args: tuple, kwargs: dict, label: str)\nBut "
                    "got %d element(s): %r" % (i, len(work), work))
            func = work[0]
            args = work[1] if len(work) > 1 else ()
            kwargs = work[2] if len(work) > 2 else {}
            label = work[3] if len(work) > 3 else None
            if isinstance(args, (str, bytes)) or not isinstance(
                    args, collections.abc.Iterable):
                raise TypeError(
                    "Workload item at index %d: 'args' must be an iterable "
                    "such as a tuple or list, got %s. Did you mean (%s, "
                    "(%r,))?" % (i, type(args).__name__,
                                 getattr(func, "__name__", repr(func)), args))
            if not isinstance(kwargs, collections.abc.Mapping):
                raise TypeError(
                    "Workload item at index %d: 'kwargs' must be a mapping "
                    "such as a dict, got %s." % (i, type(kwargs).__name__))
            items.append((func, args, kwargs, label))
        return [self._add_callable(func, tuple(args), dict(kwargs),
                                   label=label)
                for func, args, kwargs, label in items]

    def _command_options(self, cwd, env):
        if cwd is not None:
            try:
                cwd = os.fspath(cwd)
            except TypeError:
                raise TypeError("cwd must be a str or os.PathLike, got %s"
                                % type(cwd).__name__) from None
            if isinstance(cwd, bytes):
                cwd = os.fsdecode(cwd)
        if env is not None:
            if not isinstance(env, collections.abc.Mapping):
                raise TypeError("env must be a mapping of environment "
                                "overrides, got %s" % type(env).__name__)
            checked = {}
            for key, value in env.items():
                if not isinstance(key, str) or not key or "=" in key:
                    raise ValueError("invalid environment variable name %r"
                                     % (key,))
                if value is not None:
                    try:
                        value = os.fspath(value)
                    except TypeError:
                        raise TypeError(
                            "environment variable %r must be a str, got %s"
                            % (key, type(value).__name__)) from None
                    if isinstance(value, bytes):
                        value = os.fsdecode(value)
                    _check_no_nul(value)
                checked[key] = value
            env = checked
        if cwd is not None:
            _check_no_nul(cwd)
        return cwd, env

    def _add_command_task(self, kind, command, label, depends_on, cwd, env,
                          check, capture_output, text, task_retries,
                          max_output, launcher=None, slurm=None):
        retries = _check_retries(task_retries, True)
        max_output = _check_max_output(max_output, True)
        cwd, env = self._command_options(cwd, env)
        kind_of_launcher = (None if launcher is None
                            else _launcher_kind(launcher, "launcher"))
        slurm_options = _slurm_options(slurm, "slurm")
        for arg in (command if kind == _COMMAND else [command]):
            _check_no_nul(arg)
        if kind == _COMMAND:
            name = shlex.join(command)
        else:
            name = command
        record = self._new_record(label, depends_on, kind, name)
        record.command = list(command) if kind == _COMMAND else command
        record.cwd = cwd
        deps = self._c_deps(record)
        try:
            if kind == _COMMAND:
                task = self.gobject.add_command(record.c_label, deps,
                                                [_c_string(a) for a in command])
            else:
                task = self.gobject.add_shell_command(record.c_label, deps,
                                                      _c_string(command))
        except GLib.Error as error:
            raise self._add_error(error, record) from None
        if cwd is not None:
            task.set_cwd(cwd)
        for key, value in (env or {}).items():
            if value is None:
                task.unsetenv(key)
            else:
                task.setenv(key, _c_string(value))
        task.set_check(bool(check))
        task.set_capture_output(bool(capture_output))
        task.set_text(bool(text))
        if kind_of_launcher is not None:
            task.set_launcher(kind_of_launcher)
        if slurm_options is not None:
            task.set_slurm_options(slurm_options)
        if retries is not None:
            task.set_retries(retries)
        if max_output is not None:
            task.set_max_output(max_output)
        return self._commit(record, task)

    def add_command(self, command: Sequence[Union[str, os.PathLike]],
                    label: Optional[Label] = None,
                    depends_on: Optional[DependsOn] = None,
                    cwd: Optional[Union[str, os.PathLike]] = None,
                    env: Optional[Mapping[str, Optional[str]]] = None,
                    check: bool = True, capture_output: bool = True,
                    text: bool = True,
                    task_retries: Optional[int] = None,
                    max_output: Optional[int] = None,
                    launcher: Optional[str] = None,
                    slurm: Optional[Mapping[str, Any]] = None) -> Future:
        """Queue an exec-form command (a list or tuple of strings).

        ``max_output`` is how many bytes of each of stdout and stderr are
        kept (None: the runner's ``max_output``, 0: everything); past it the
        beginning and the end are kept around a marker line that says how
        many bytes were left out, and the result's ``warning`` says it
        too. ``launcher`` ("local" or "slurm") overrides the runner's for
        this task; ``slurm`` (cpus, mem, partition, time_margin, extra_args)
        overrides the runner's Slurm options one key at a time."""
        if isinstance(command, (str, bytes)):
            raise TypeError("add_command() takes a list or tuple of strings; "
                            "use add_shell_command() for shell command "
                            "strings")
        if not isinstance(command, (list, tuple)):
            raise TypeError("command must be a list or tuple of strings, got "
                            "%s" % type(command).__name__)
        if not command:
            raise ValueError("command must not be empty")
        argv = []
        for i, arg in enumerate(command):
            if isinstance(arg, os.PathLike):
                arg = os.fspath(arg)
                if isinstance(arg, bytes):
                    arg = os.fsdecode(arg)
            if not isinstance(arg, str):
                raise TypeError("command argument %d must be a str, got %s"
                                % (i, type(arg).__name__))
            argv.append(arg)
        if not argv[0]:
            raise ValueError("the command's program (argument 0) is empty")
        return self._add_command_task(_COMMAND, argv, label, depends_on, cwd,
                                      env, check, capture_output, text,
                                      task_retries, max_output, launcher, slurm)

    def add_shell_command(self, command: str, label: Optional[Label] = None,
                          depends_on: Optional[DependsOn] = None,
                          cwd: Optional[Union[str, os.PathLike]] = None,
                          env: Optional[Mapping[str, Optional[str]]] = None,
                          check: bool = True, capture_output: bool = True,
                          text: bool = True,
                          task_retries: Optional[int] = None,
                          max_output: Optional[int] = None,
                          launcher: Optional[str] = None,
                          slurm: Optional[Mapping[str, Any]] = None) -> Future:
        """Queue a command string run by ``/bin/sh -c``; ``max_output``,
        ``launcher`` and ``slurm`` as for :meth:`add_command`."""
        if isinstance(command, (list, tuple)):
            raise TypeError("add_shell_command() takes a command string; use "
                            "add_command() for lists and tuples")
        if not isinstance(command, str):
            raise TypeError("command must be a str, got %s"
                            % type(command).__name__)
        if not command.strip():
            raise ValueError("the shell command is empty")
        return self._add_command_task(_SHELL, command, label, depends_on, cwd,
                                      env, check, capture_output, text,
                                      task_retries, max_output, launcher, slurm)

    # ---- running ----

    def _validate_dependency_labels(self):
        missing = {}
        for record in self._records:
            unknown = [dep for dep in record.depends_on
                       if dep not in self._by_label]
            if unknown:
                missing[record.label] = unknown
        if missing:
            details = ", ".join(
                "%s depends on %s" % (label, sorted(deps, key=str))
                for label, deps in missing.items())
            raise ValueError("Unknown task dependency label(s): %s." % details)

    def _apply_settings(self):
        runner = self.gobject
        max_concurrency = self.max_concurrency or os.cpu_count() or 1
        runner.set_max_concurrency(min(max(1, int(max_concurrency)), _G_MAXINT))
        # None is no timeout; 0 is a timeout that has passed already, in
        # Python as in C
        timeout = self.timeout
        runner.set_timeout(Concurra.TIMEOUT_DEFAULT if timeout is None else float(timeout))
        runner.set_fast_fail(bool(self.fast_fail))
        runner.set_task_retries(_check_retries(self.task_retries, False))
        runner.set_max_output(_check_max_output(self.max_output, False))
        runner.set_progress_stats(False)     # logged here, in Python
        runner.set_log_errors(False)
        runner.set_verify_on_finish(False)
        runner.set_raise_on_failure(False)
        runner.set_launcher(self.launcher)
        runner.set_slurm_options(self.slurm)
        runner.set_worker_launcher(self.worker_launcher)
        if self.use_multiprocessing:
            runner.set_execution_mode(_M.PROCESS)
            runner.set_fallback_to_thread(
                bool(self.fallback_to_thread_on_pickle_error))
            runner.set_worker_command(_worker_command())
        else:
            runner.set_execution_mode(_M.THREAD)

    def _begin(self):
        if self._state != _IDLE:
            raise RuntimeError("TaskRunner has already started execution. "
                               "Create a new TaskRunner instance to add tasks "
                               "and run again.")
        if self.use_multiprocessing and _worker_state == "bootstrapping":
            raise RuntimeError(
                "An attempt has been made to start a multiprocessing "
                "TaskRunner while a worker process imports the main module. "
                "Protect the main module with 'if __name__ == \"__main__\":'.")
        self._validate_dependency_labels()
        self._apply_settings()
        if self.use_multiprocessing and \
                self.fallback_to_thread_on_pickle_error:
            for record in self._records:
                if record.pickle_exc is not None:
                    self.log.warning("Task '%s' was not picklable; running in "
                                     "thread fallback", record.label)
        self._connect_logging()
        self._state = _RUNNING
        self._time_started = datetime.now()

    def _connect_logging(self):
        # Only what the settings need: each handler is a Python call from
        # the runner's thread per task, which costs more than the task.
        ref = weakref.ref(self)
        if self.log_errors or self.fast_fail:
            self.gobject.connect("task-finished", _on_task_finished, ref)
        if self.progress_stats:
            self.gobject.connect("progress", _on_progress, ref)
        if self.log_errors:
            self.gobject.connect("task-retrying", _on_task_retrying, ref)

    def run(self, verify: bool = True, raise_exception: bool = False,
            error_message: Optional[str] = None) -> Results:
        """Run every task, wait for all, and return the results dict.

        Like Concurra, this is execute_in_background() followed by
        get_background_results(); Ctrl-C (KeyboardInterrupt) while waiting
        aborts the run (processes and commands are killed) and re-raises.
        """
        self.execute_in_background()
        try:
            self._wait_for_end()
        except KeyboardInterrupt:
            self._abort_and_wait()
            raise
        return self.get_background_results(verify, raise_exception,
                                           error_message)

    def _abort_and_wait(self):
        self.gobject.abort()
        self.gobject.wait(None)
        self._state = _FINISHED

    def _wait_for_end(self):
        """Wait for the library's run to end, interruptibly: the blocking
        wait happens on a helper thread, this thread waits on an Event
        (which KeyboardInterrupt can interrupt)."""
        if not self._c_started or \
                self.gobject.get_state() == Concurra.RunnerState.FINISHED:
            return
        ended = threading.Event()

        def wait_in_thread():
            try:
                self.gobject.wait(None)
            except GLib.Error:
                pass
            finally:
                ended.set()

        threading.Thread(target=wait_in_thread, daemon=True,
                         name="concurra-wait").start()
        ended.wait()

    async def run_async(self, verify: bool = True,
                        raise_exception: bool = False,
                        error_message: Optional[str] = None) -> Results:
        """run() for asyncio: ``results = await runner.run_async()``.

        The tasks run in the background while the event loop goes on (the
        wait happens on an executor thread); the results dict, the report
        and ``raise_exception`` are as in run(). Cancelling the awaiting
        coroutine aborts the run (processes and commands are killed)."""
        import asyncio
        self.execute_in_background()
        loop = asyncio.get_running_loop()
        try:
            await asyncio.shield(loop.run_in_executor(None, self._wait_for_end))
        except asyncio.CancelledError:
            self._abort_and_wait()
            raise
        return self.get_background_results(verify, raise_exception,
                                           error_message)

    def execute(self, verify: bool = True, raise_exception: bool = False,
                error_message: Optional[str] = None) -> Results:
        """An alias of run()."""
        return self.run(verify=verify, raise_exception=raise_exception,
                        error_message=error_message)

    def execute_in_background(self) -> None:
        """Start running on a background thread and return at once."""
        self._begin()
        try:
            self.gobject.start()
        except GLib.Error as error:
            self._state = _FINISHED
            raise RuntimeError(error.message) from None
        self._c_started = True

    def get_background_results(self, verify: bool = True,
                               raise_exception: bool = False,
                               error_message: Optional[str] = None
                               ) -> Results:
        """Wait for a background execution and return the results dict."""
        if self._state == _IDLE:
            raise RuntimeError("get_background_results() called before "
                               "execute_in_background()")
        self._wait_for_end()
        if self._c_started:
            self.gobject.wait(None)
        self._state = _FINISHED
        results = self._results()
        if verify:
            self.verify(raise_exception, error_message)
        return results

    def abort(self) -> Results:
        """Terminate every unfinished task and return the results dict."""
        self.gobject.abort()
        if self._c_started:
            self.gobject.wait(None)
        self._state = _FINISHED
        results = self._results()
        self.verify()
        return results

    def is_running(self) -> bool:
        """True from execute_in_background() (or run()) until the results
        were collected by get_background_results() or abort()."""
        return self._state == _RUNNING

    def get_active_runner_count(self) -> int:
        """The number of tasks executing right now."""
        return self.gobject.get_n_running()

    def verify(self, raise_exception: bool = False,
               error_message: Optional[str] = None) -> bool:
        """Log the report of all tasks; raise TasksFailedError when asked to
        and a task failed."""
        if self._state == _RUNNING:
            raise RuntimeError("Execution is still in progress")
        if self._state == _IDLE:
            raise RuntimeError("Execution has not started yet")
        error_message = error_message or "Execution Failed"
        results = self._results()
        rows, errors = [], []
        for label, output in results.items():
            rows.append([label, output["task_name"], output["status"],
                         output["duration"]])
            if output["has_failed"]:
                errors.append("Task '%s' failed with error: %s \n %s"
                              % (label, output["error"], output["trace"]))
        report = self.format_report(results)
        if errors:
            message = "%s\n%s\n" % (error_message, report) + "\n".join(errors)
            if raise_exception:
                raise TasksFailedError(message)
            self.log.error(message)
        else:
            self.log.info("\n%s", report)
        return not errors

    def format_report(self, results: Optional[Results] = None) -> str:
        """The psql-style table of label, task, status and duration."""
        if results is None:
            results = self._results()
        rows = [[label, output["task_name"], output["status"],
                 output["duration"]] for label, output in results.items()]
        return _table(["label", "task", "status", "duration"], rows)

    # ---- signals (on the runner's owner context: caller or background) ----

    def _progress(self, completed, total):
        if not self.progress_stats or not total:
            return
        step = max(1, total // 10)
        if completed % step and completed != total:
            return
        started = self._time_started or datetime.now()
        taken = round((datetime.now() - started).total_seconds(), 2)
        minutes, seconds = divmod(taken, 60)
        percent = round(completed / total * 100, 2)
        filled = round(percent / 4)
        self.log.info("%s progress: [%s%s] %d/%d [%s%%] in %d min %s sec",
                      self.name, "#" * filled, "." * (25 - filled), completed,
                      total, percent, int(minutes), round(seconds, 2))

    def _task_finished(self, task):
        status = task.get_status()
        if status not in (_S.FAILED, _S.TERMINATED):
            return
        record = self._record_of(task)
        if record is None:
            return
        error = task.get_error()
        timed_out = error is not None and _is_timeout(error)
        if status == _S.FAILED:
            if self.log_errors or self.fast_fail:
                _, summary, trace = self._failure(record, task)
                self.log.error("%s %s\n", summary, trace)
        elif timed_out:
            if self.log_errors or self.fast_fail:
                self.log.error("Task '%s' exceeded timeout of %s seconds\n",
                               record.label, self._timeout_text(task))
        else:
            return
        if self.fast_fail:
            with self._lock:
                first = not self._terminating_logged
                self._terminating_logged = True
            if first:
                self.log.error("terminating execution!")

    def _timeout_text(self, task):
        """The timeout in Concurra's messages, as Python prints the
        runner's ("2.0"; "0")."""
        if self.timeout is not None:
            return str(self.timeout)
        return "%g" % task.get_timeout()

    # ---- results ----

    def _results(self):
        return {record.label: _TaskResult(self, record, task)
                for record, task in zip(self._records, self._tasks)}

    def _result_fields(self, record, task):
        """The fields of a task's result dict (see _TaskResult)."""
        status = self._status(record, task)
        failed = status == _S.FAILED or status == _S.TERMINATED
        if failed:
            _, error, trace = self._failure(record, task)
        else:
            error = trace = None
        result = self._value(record, task)
        duration = task.get_duration()
        mode = _MODE_TEXT.get(task.get_execution_mode())
        warning = task.get_warning()
        if record.pickle_exc is not None:
            if mode == "thread_fallback":
                warning = _PICKLE_FALLBACK_WARNING
            elif status == _S.FAILED:
                warning = _PICKLE_FAILED_WARNING
        attempts = task.get_attempts()
        retries = task.get_retries()
        if retries < 0:
            retries = self.task_retries
        # Concurra lists every failed attempt, the last one included; the
        # library lists those it retried
        retry_errors = [self._clean_error_text(text, record, task)
                        for text in (task.get_retry_errors() or [])]
        if status == _S.FAILED and attempts > 0:
            retry_errors.append(error)
        return {
            "start_time": _format_time(task.get_start_time()),
            "end_time": _format_time(task.get_end_time()),
            "duration": Concurra.format_duration(duration),
            "duration_seconds": round(duration, 2),
            "result": result,
            "error": error,
            "trace": trace,
            "status": _STATUS_TEXT.get(status, str(status)),
            "has_failed": failed,
            "output": result,
            "execution_mode": mode,
            "warning": warning,
            "attempts": attempts,
            "task_retries": retries,
            "retried": attempts > 1,
            "retry_errors": retry_errors,
        }

    @staticmethod
    def _ran_in_worker(record, task):
        """Whether the task's Python-domain errors came from a worker process
        of this runner, the only ones whose details may be decoded: a
        pickled process task run in process mode. Its function ran in the
        worker, where every exception is encoded (_worker_python_call)."""
        return record.process and task.get_execution_mode() == _M.PROCESS

    def _clean_error_text(self, text, record, task):
        """A C error-message ("domain.code: message") in Concurra's style."""
        prefix = "%s." % PYTHON_ERROR_DOMAIN
        if text.startswith(prefix):
            text = text.split(": ", 1)[1] if ": " in text else text
            if self._ran_in_worker(record, task):
                return _worker_error_summary(text)
            return text
        if text.startswith("ConcurraError."):
            nick, _, message = text.partition(": ")
            code = getattr(_E, nick[len("ConcurraError."):], None)
            cls = _CODE_EXCEPTION.get(int(code)) if code is not None else None
            if cls is CommandExecutionError:
                return _summary(_command_attempt_exception(message))
            return "%s: %s" % ((cls or RuntimeError).__name__, message)
        return text

    def _value(self, record, task):
        """The task's Python result (None unless it succeeded; commands
        keep their structured result when they failed)."""
        if record.kind != _FUNCTION:
            return self._command_result(record, task)
        if self._status(record, task) != _S.SUCCESSFUL:
            return None
        if not self._ran_in_worker(record, task):
            return record.value
        return record.decoded[0]

    def _status(self, record, task):
        """The task's status, but a process task whose result cannot be
        unpickled here has failed (with the unpickling error), although
        the library, which only carried the bytes, saw it succeed."""
        status = task.get_status()
        if status == _S.SUCCESSFUL and self._ran_in_worker(record, task) \
                and self._decode(record, task) is None:
            return _S.FAILED
        return status

    def _decode(self, record, task):
        """-> (value,) of a process task's pickled result, or None when it
        cannot be unpickled (record.failure says why); cached."""
        if record.decoded is None and record.failure is None:
            data = _variant_bytes(task.get_value())
            try:
                record.decoded = (pickle.loads(data) if data else None,)
            except Exception as cause:
                exc = pickle.UnpicklingError(
                    "Task '%s' returned a result that cannot be unpickled: "
                    "%s" % (record.label, _summary(cause)))
                exc.__cause__ = cause
                record.failure = (exc, _summary(exc),
                                  _format_exception(cause,
                                                    cause.__traceback__))
        return record.decoded

    def _command_result(self, record, task):
        if not task.has_returncode():
            return None
        returncode = task.get_returncode()
        if task.get_capture_output():
            if task.get_text():
                stdout, stderr = task.get_stdout(), task.get_stderr()
            else:
                stdout = _gbytes(task.get_stdout_bytes())
                stderr = _gbytes(task.get_stderr_bytes())
        else:
            stdout = stderr = None
        result = {
            "command": (list(record.command) if record.kind == _COMMAND
                        else record.command),
            "shell": record.kind == _SHELL,
            "returncode": returncode,
            "stdout": stdout,
            "stderr": stderr,
            "cwd": record.cwd,
        }
        job_id = task.get_slurm_job_id()
        if job_id:
            result["slurm_job_id"] = job_id
        return result

    def _failure(self, record, task):
        """-> (exception, "ExcType: message", trace) of a finished task that
        failed or was terminated; cached."""
        if record.failure is not None:
            return record.failure
        error = task.get_error()
        exc, summary, trace = None, None, None
        if error is None:
            exc = RuntimeError("Task %r failed" % (record.label,))
        elif error.domain == PYTHON_ERROR_DOMAIN:
            if self._ran_in_worker(record, task):
                exc, summary, trace = _decode_remote_error(error.message)
            else:
                exc, trace = record.exc, record.trace
                if exc is None:  # pragma: no cover - defensive
                    exc = RuntimeError(error.message)
        elif error.matches(_CONCURRA_QUARK, int(_E.TIMEOUT)):
            # Concurra's own text: the timeout as Python prints it ("2.0")
            exc = TimeoutError("Task exceeded timeout of %s seconds"
                               % (self._timeout_text(task),))
        elif error.matches(_CONCURRA_QUARK, int(_E.DEPENDENCY_FAILED)):
            blocking = [dep for dep in record.depends_on
                        if self._by_label[dep] is not None and
                        self._tasks[self._by_label[dep].index].get_has_failed()]
            exc = RuntimeError("Skipped: dependency %s failed or was "
                               "terminated" % sorted(blocking, key=str))
        elif error.matches(_CONCURRA_QUARK, int(_E.TERMINATED)):
            if record.cancelled or _is_cancellation(error):
                exc = concurrent.futures.CancelledError(error.message)
            else:
                exc = RuntimeError(error.message)
        elif error.matches(_CONCURRA_QUARK, int(_E.NOT_SERIALIZABLE)) and \
                record.pickle_exc is not None:
            cause = record.pickle_exc
            detail = (str(cause) if isinstance(cause, pickle.PicklingError)
                      else _summary(cause))
            exc = pickle.PicklingError("Task '%s' is not picklable: %s"
                                       % (record.label, detail))
            exc.__cause__ = cause
            trace = _format_exception(cause, cause.__traceback__)
        elif error.matches(_CONCURRA_QUARK, int(_E.COMMAND_FAILED)) and \
                record.kind != _FUNCTION:
            exc = self._command_exception(record, task, error)
        else:
            cls = RuntimeError
            if error.domain == "concurra-error-quark":
                cls = _CODE_EXCEPTION.get(error.code, RuntimeError)
                if cls is CommandExecutionError:
                    cls = RuntimeError
            message = error.message
            if record.process:
                # name the task's function, not the worker's entry point
                message = message.replace("'%s'" % PYTHON_CALL,
                                          "'%s'" % record.task_name)
            exc = cls(message)
        if summary is None:
            summary = _summary(exc)
        if trace is None and record.kind == _FUNCTION:
            trace = task.get_trace() or None
        record.failure = (exc, summary, trace)
        return record.failure

    def _command_exception(self, record, task, error):
        result = self._command_result(record, task)
        if result is not None:
            return CommandExecutionError(_command_failure_message(result),
                                         result)
        return _command_start_exception(error.message)

    def _exception(self, record, task):
        status = self._status(record, task)
        if status == _S.FAILED or status == _S.TERMINATED:
            return self._failure(record, task)[0]
        return None


__all__.append("TaskRunner")


class _TaskResult(dict):
    """A task's result dict, filled on first use.

    Building the 17 fields of every task (a dozen calls into the library
    each) cost more than running 100 000 tiny tasks, and callers mostly
    read a few results, or none (futures). It is a real dict (isinstance,
    json.dumps, ==, ** work); pickling or copying gives a plain dict.
    "task_name" is there from the start: json's encoder writes a dict it
    finds empty as {} without asking it for its items. Reading "status"
    or "has_failed" alone does not fill it: checking every status of a
    10 000-task run took 8.8 us a task when it did (17 fields), 0.6 us
    now (one call into the library). The runner, record and task are
    slots, not a tuple: one object fewer for the garbage collector to
    track per result."""

    __slots__ = ("_runner", "_record", "_task")

    def __init__(self, runner, record, task):
        dict.__init__(self, task_name=record.task_name)
        self._runner = runner
        self._record = record
        self._task = task

    # Another thread may fill the dict at any time; it clears _runner, then
    # _record, then _task, so they are read the other way round: when
    # _runner is still set, the other two were read before they were
    # cleared.

    def _fill(self):
        task = self._task
        record = self._record
        runner = self._runner
        if runner is not None:
            dict.update(self, runner._result_fields(record, task))
            self._runner = self._record = self._task = None

    def __getitem__(self, key):
        task = self._task
        record = self._record
        runner = self._runner
        if runner is not None:
            if key == "status" or key == "has_failed":
                # runner._status, inline but for process tasks (decoding)
                if record.process:
                    status = runner._status(record, task)
                else:
                    status = task.get_status()
                if key == "status":
                    return _STATUS_TEXT.get(status, str(status))
                return status == _S.FAILED or status == _S.TERMINATED
            self._fill()
        return dict.__getitem__(self, key)

    def __eq__(self, other):
        self._fill()
        if isinstance(other, _TaskResult):
            other._fill()
        return dict.__eq__(self, other)

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __reduce_ex__(self, protocol):
        return dict, (dict(self.items()),)

    __hash__ = None


def _filling(name):
    method = getattr(dict, name)

    def call(self, *args, **kwargs):
        if self._runner is not None:
            self._fill()
        return method(self, *args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = method.__doc__
    return call


for _name in ("__contains__", "__iter__", "__len__",
              "__repr__", "__reversed__", "__or__", "__ror__", "__ior__",
              "__setitem__", "__delitem__", "get", "keys", "values", "items",
              "copy", "pop", "popitem", "setdefault", "update", "clear"):
    setattr(_TaskResult, _name, _filling(_name))
del _name


def _worker_command():
    main = sys.modules.get("__main__")
    prep = {"sys_path": list(sys.path), "argv": list(sys.argv)}
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name:
        prep["main_name"] = spec.name
    else:
        main_path = getattr(main, "__file__", None)
        if main_path:
            prep["main_path"] = os.path.abspath(main_path)
    return [sys.executable or "/usr/bin/python3", _WORKER_FILE,
            json.dumps(prep)]


# ---------------------------------------------------------------------------
# futures

_cf = concurrent.futures._base


class _StandardSync:
    """What concurrent.futures.wait/as_completed use of a future: a
    condition, a list of waiters, a state. Made on first use, so futures
    nobody waits on that way cost nothing more. The state they read is
    "done" once on_done() ran, under the condition, and waiters are told
    then: a waiter added before is told, one added after saw "done"."""

    __slots__ = ("future", "condition", "waiters", "completed")

    def __init__(self, future):
        self.future = future
        self.condition = threading.Condition()
        self.waiters = []
        self.completed = False

    def on_done(self, future):
        with self.condition:
            self.completed = True
            for waiter in self.waiters:
                self.notify(waiter)
            self.condition.notify_all()

    def notify(self, waiter):
        future = self.future
        if future.cancelled():
            waiter.add_cancelled(future)
        elif future.exception() is not None:
            waiter.add_exception(future)
        else:
            waiter.add_result(future)


class Future(concurrent.futures.Future[Any]):
    """A task of a TaskRunner as a future: a concurrent.futures.Future, so
    that ``concurrent.futures.wait()``, ``as_completed()``,
    ``asyncio.wrap_future()`` and ``await future`` work. It wraps the
    :class:`Concurra.Task`, ``future.task``, and is completed by it: the
    ``set_*`` methods of executors are not for it."""

    __slots__ = ("_runner", "_record", "_task", "_sync")

    def __init__(self, runner, record, task):
        # no super().__init__(): its condition and lists are made only when
        # concurrent.futures waits on this future (see _standard())
        self._runner = runner
        self._record = record
        self._task = task
        self._sync = None

    # ---- the parts of concurrent.futures.Future its functions read ----

    def _standard(self):
        sync = self._sync
        if sync is None:
            with _standard_lock:
                sync = self._sync
                if sync is None:
                    sync = self._sync = _StandardSync(self)
                    self.add_done_callback(sync.on_done)
        return sync

    @property
    def _condition(self):
        return self._standard().condition

    @property
    def _waiters(self):
        return self._standard().waiters

    @property
    def _state(self):
        # stable under _condition: "done" once on_done() ran under it
        if self._standard().completed:
            return (_cf.CANCELLED_AND_NOTIFIED if self.cancelled()
                    else _cf.FINISHED)
        if self.cancelled():
            return _cf.CANCELLED
        return _cf.RUNNING if self.running() else _cf.PENDING

    # NotImplementedError (a RuntimeError) as in Concurry's futures
    def set_running_or_notify_cancel(self) -> bool:
        raise NotImplementedError("a Concurra future is run by its runner")

    def set_result(self, result: Any) -> None:
        raise NotImplementedError("a Concurra future is completed by its "
                                  "task")

    def set_exception(self, exception: Optional[BaseException]) -> None:
        raise NotImplementedError("a Concurra future is completed by its "
                                  "task")

    def __await__(self) -> Any:
        import asyncio
        return asyncio.wrap_future(self).__await__()

    def __repr__(self):
        return "<Concurra.Future %r %s>" % (
            self._record.label,
            _STATUS_TEXT.get(self._task.get_status(), "?").lower())

    @property
    def label(self) -> Label:
        return self._record.label

    @property
    def task(self) -> _GTask:
        return self._task

    @property
    def runner(self) -> TaskRunner:
        return self._runner

    def done(self) -> bool:
        return self._task.is_done() or self.cancelled()

    def running(self) -> bool:
        return (self._task.get_status() == _S.RUNNING
                and not self._record.cancelled)

    def cancelled(self) -> bool:
        status = self._task.get_status()
        if status == _S.TERMINATED:
            exc = self._runner._exception(self._record, self._task)
            return isinstance(exc, concurrent.futures.CancelledError)
        # the library terminates a cancelled task on the runner's own
        # thread, a moment after cancel() returned
        return self._record.cancelled and status in (_S.PENDING, _S.RUNNING)

    def cancel(self) -> bool:
        """Terminate the task unless it is done; True if it was cancelled."""
        if self._task.is_done():
            return False
        self._record.cancelled = True
        if self._task.cancel():
            return True
        self._record.cancelled = False
        return False

    def _check_started(self):
        if self._runner._state == _IDLE and not self._task.is_done():
            raise RuntimeError(
                "Task %r belongs to TaskRunner %r, which has not been "
                "started: call execute_in_background() before waiting on its "
                "futures" % (self._record.label, self._runner.name))

    def _wait(self, timeout):
        if self._task.is_done():
            return
        self._check_started()
        try:
            self._task.wait(_timeout_arg(timeout), None)
        except GLib.Error as error:
            if _is_timeout(error):
                raise concurrent.futures.TimeoutError(
                    "Task %r is not done after %s seconds"
                    % (self._record.label, timeout)) from None
            raise

    def _outcome(self):
        """-> (exception or None, value) of a done task."""
        record = self._record
        if record.kind is _FUNCTION and not record.process and \
                self._task.get_status() == _S.SUCCESSFUL:
            return None, record.value       # a thread task's value
        exc = self._runner._exception(self._record, self._task)
        if exc is not None:
            return exc, None
        return None, self._runner._value(self._record, self._task)

    def result(self, timeout: Optional[float] = None) -> Any:
        """The task's return value; raises its exception, TimeoutError, or
        CancelledError."""
        if not self.cancelled():
            self._wait(timeout)
        exc, value = self._outcome()
        if exc is None and self.cancelled():
            exc = concurrent.futures.CancelledError("Task was cancelled")
        if exc is not None:
            raise exc
        return value

    def exception(self, timeout: Optional[float] = None
                  ) -> Optional[BaseException]:
        """The task's exception (None on success)."""
        if not self.cancelled():
            self._wait(timeout)
        exc, _ = self._outcome()
        if exc is None and self.cancelled():
            exc = concurrent.futures.CancelledError("Task was cancelled")
        if isinstance(exc, concurrent.futures.CancelledError):
            raise exc
        return exc

    def add_done_callback(self, fn: Callable[[Future], object],
                          main_context: Optional[_GMainContext] = None
                          ) -> None:
        """Call ``fn(future)`` once the task is done.

        Without ``main_context``, as in concurrent.futures: at once in this
        thread if the task is done, otherwise on the thread that completes
        it (a thread of the library, not the main thread). With a
        :class:`GLib.MainContext` (``GLib.MainContext.default()`` for a GTK
        application), ``fn`` is called from that context's main loop,
        always after this call returned."""
        if main_context is not None:
            fn = functools.partial(_call_in_context, main_context, fn)
        box = {"called": False}
        lock = threading.Lock()

        def call(*_):
            with lock:
                if box["called"]:
                    return
                box["called"] = True
                handler = box.pop("handler", None)
            if handler is not None:
                # the closure references this future: no cycle through C
                self._task.disconnect(handler)
            try:
                fn(self)
            except Exception:
                LOGGER.exception("exception calling callback for %r", self)

        with lock:
            box["handler"] = self._task.connect("completed", call)
        if self._task.is_done():
            call()


_standard_lock = threading.Lock()


def _call_in_context(context, fn, future):
    def dispatch(*_):
        try:
            fn(future)
        except Exception:
            LOGGER.exception("exception calling callback for %r", future)
        return GLib.SOURCE_REMOVE

    source = GLib.idle_source_new()
    source.set_callback(dispatch)
    source.attach(context)


__all__.append("Future")


# ---------------------------------------------------------------------------
# wait / gather (Concurry)

class DoneAndNotDoneFutures(NamedTuple):
    """What wait() returns: the futures done and those not done."""
    done: Set[Any]
    not_done: Set[Any]



__all__.append("DoneAndNotDoneFutures")

_RETURN_WHEN = {
    "ALL_COMPLETED": Concurra.ReturnWhen.ALL_COMPLETED,
    "FIRST_COMPLETED": Concurra.ReturnWhen.FIRST_COMPLETED,
    "FIRST_EXCEPTION": Concurra.ReturnWhen.FIRST_EXCEPTION,
}

_raw_wait = Concurra.wait
_raw_gather = Concurra.gather


def _return_when(value):
    if isinstance(value, Concurra.ReturnWhen):
        return value
    name = getattr(value, "value", value)   # enum members of other libraries
    if isinstance(name, str):
        key = name.strip().upper().replace("-", "_")
        if key.startswith("RETURNWHEN."):
            key = key[len("RETURNWHEN."):]
        if key in _RETURN_WHEN:
            return _RETURN_WHEN[key]
    raise ValueError("return_when must be ReturnWhen.ALL_COMPLETED, "
                     "FIRST_COMPLETED or FIRST_EXCEPTION (or their names), "
                     "got %r" % (value,))


def _task_of(item):
    if isinstance(item, Future):
        item._check_started()
        return item._task
    if isinstance(item, Concurra.Task):
        return item
    raise TypeError("expected a Concurra future (from TaskRunner.add_task) or "
                    "a Concurra.Task, got %s" % type(item).__name__)


def _outcome_of(item):
    """-> (exception or None, value) of a done future or task."""
    if isinstance(item, Future):
        return item._outcome()
    if item.get_has_failed():
        return item.get_error(), None
    value = item.get_value()
    return None, value


def _items_of(futures):
    if isinstance(futures, (Future, Concurra.Task)):
        return [futures]
    if isinstance(futures, collections.abc.Mapping):
        return list(futures.values())
    return list(futures)


@overload
def wait(futures: Futures, timeout: Optional[float] = ...,
         return_when: Union[_GReturnWhen, str] = ...
         ) -> DoneAndNotDoneFutures: ...


@overload
def wait(futures: Any, timeout: Any, return_when: Any, *args: Any,
         **kwargs: Any) -> Any: ...


def wait(futures: Futures, timeout: Optional[float] = None,
         return_when: Union[_GReturnWhen, str] =
         Concurra.ReturnWhen.ALL_COMPLETED,
         *args: Any, **kwargs: Any) -> Any:
    """Wait for futures: -> ``(done, not_done)`` sets.

    ``return_when`` is a :class:`ReturnWhen` or its name
    ("ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION"). On timeout the
    unfinished futures are in ``not_done`` (no exception).

    Called as ``wait(tasks, ReturnWhen, timeout[, cancellable])`` it is the
    introspected ``concurra_wait``.
    """
    if isinstance(timeout, Concurra.ReturnWhen):
        # the introspected signature: wait(tasks, return_when, timeout, ...)
        return _raw_wait(futures, timeout, return_when, *args, **kwargs)
    if args:
        raise TypeError("wait() takes at most 3 positional arguments")
    cancellable = kwargs.pop("_cancellable", None)
    if kwargs:
        raise TypeError("wait() got unexpected keyword arguments: %s"
                        % ", ".join(sorted(kwargs)))
    items = _items_of(futures)
    when = _return_when(return_when)
    by_task: Dict[_GTask, Any] = {}
    for item in items:
        by_task.setdefault(_task_of(item), item)
    if not by_task:
        return DoneAndNotDoneFutures(set(), set())
    try:
        if when == Concurra.ReturnWhen.FIRST_EXCEPTION:
            done, not_done = _wait_first_exception(by_task, timeout,
                                                   cancellable)
        else:
            _, done, not_done = _raw_wait(list(by_task), when,
                                          _timeout_arg(timeout), cancellable)
    except GLib.Error as error:
        _raise_cancelled(error)
    return DoneAndNotDoneFutures({by_task[t] for t in done},
                                 {by_task[t] for t in not_done})


def _wait_first_exception(by_task, timeout, cancellable):
    """FIRST_EXCEPTION as in concurrent.futures and Concurry: a cancelled
    future is done but is no exception, so the wait goes on (the library's
    counts it as one)."""
    deadline = (None if timeout is None
                else time.monotonic() + max(float(timeout), 0.0))
    done, pending = [], list(by_task)
    while pending:
        remaining = -1.0
        if deadline is not None:
            remaining = max(deadline - time.monotonic(), 0.0)
        _, newly_done, pending = _raw_wait(
            pending, Concurra.ReturnWhen.FIRST_EXCEPTION, remaining,
            cancellable)
        done.extend(newly_done)
        items = [by_task[t] for t in newly_done]
        if any(_raised(item) for item in items) or \
                not any(_is_cancelled(item) for item in items):
            # an exception, the timeout, or everything done
            break
    return done, pending


def _is_cancelled(item):
    if isinstance(item, Future):
        return item.cancelled()
    error = item.get_error()
    return error is not None and _is_cancellation(error)


def _raised(item):
    """Whether a done future or task ended with an exception other than
    its cancellation."""
    return _outcome_of(item)[0] is not None and not _is_cancelled(item)


__all__.append("wait")


class _Progress:
    """progress=True: a bar on stderr; a callable: called (done, total)."""

    def __init__(self, progress, total):
        self.callback = progress if callable(progress) else None
        self.bar = progress is True or (bool(progress) and
                                        self.callback is None)
        self.total = total
        self.started = time.monotonic()
        self.drawn_at = None
        self.drawn = False
        if self.bar:
            self.draw(0)

    def update(self, done):
        if self.callback is not None:
            self.callback(done, self.total)
        if self.bar:
            # at most ~10 redraws a second, and always the last one
            now = time.monotonic()
            if done == self.total or now - self.drawn_at >= 0.1:
                self.draw(done)

    def draw(self, done):
        total = self.total
        frac = done / total if total else 1.0
        filled = int(frac * 25)
        sys.stderr.write("\rgather: [%s%s] %d/%d [%.0f%%] in %.1f sec" % (
            "#" * filled, "." * (25 - filled), done, total, frac * 100,
            time.monotonic() - self.started))
        sys.stderr.flush()
        self.drawn = True
        self.drawn_at = time.monotonic()

    def close(self):
        if self.bar and self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.drawn = False


def _gather_args(futures):
    if len(futures) == 1 and not isinstance(futures[0],
                                            (Future, Concurra.Task)):
        source = futures[0]
        if isinstance(source, collections.abc.Mapping):
            return list(source.keys()), list(source.values())
        return None, list(source)
    return None, list(futures)


@overload
def gather(*futures: Any, return_exceptions: bool = ...,
           iter: Literal[True], timeout: Optional[float] = ...,
           progress: Progress = ..., _cancellable: Any = ...
           ) -> Iterator[Tuple[Any, Any]]: ...


@overload
def gather(*futures: Any, return_exceptions: bool = ...,
           iter: Literal[False] = ..., timeout: Optional[float] = ...,
           progress: Progress = ..., _cancellable: Any = ...) -> Any: ...


def gather(*futures: Any, return_exceptions: bool = False,
           iter: bool = False, timeout: Optional[float] = None,
           progress: Progress = False, _cancellable: Any = None) -> Any:
    """Collect the results of futures.

    ``gather([f1, f2])`` or ``gather(f1, f2)`` -> ``[r1, r2]`` in order;
    ``gather({"a": f1})`` -> ``{"a": r1}``; ``iter=True`` -> an iterator of
    ``(index or key, result)`` in completion order. A failed task raises its
    original exception unless ``return_exceptions`` (then the exception is
    the result). ``timeout`` raises TimeoutError. ``progress=True`` draws a
    bar on stderr; a callable is called with ``(done, total)``.

    Called as ``gather(tasks, GatherFlags, timeout[, cancellable])`` it is
    the introspected ``concurra_gather``.
    """
    if len(futures) >= 2 and isinstance(futures[1], Concurra.GatherFlags):
        return _raw_gather(*futures)
    keys, items = _gather_args(futures)
    # checked first, so that a bad timeout fails on every path
    deadline = (None if timeout is None
                else time.monotonic() + max(float(timeout), 0.0))
    if not iter and not progress:
        values = _gather_successful(items)
        if values is not None:
            return dict(zip(keys, values)) if keys is not None else values
    tasks = [_task_of(item) for item in items]
    if iter:
        return _gather_iter(keys, items, tasks, return_exceptions, deadline,
                            timeout, progress, _cancellable)
    if progress:
        collected = {}
        for index, value in _gather_iter(None, items, tasks, return_exceptions,
                                         deadline, timeout, progress,
                                         _cancellable):
            collected[index] = value
        values = [collected[i] for i in range(len(items))]
    else:
        values = _gather_all(items, tasks, return_exceptions, timeout,
                             _cancellable)
    if keys is not None:
        return dict(zip(keys, values))
    return values


__all__.append("gather")


def _raise_cancelled(error):
    if error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
        raise concurrent.futures.CancelledError(error.message) from None
    raise error


def _gather_successful(items):
    """gather()'s common case in one pass: every item a future of a thread
    function task that succeeded. -> the values, or None for the general
    path (anything else, or a task not done or not successful). One call
    into the library per future instead of three, and no per-future
    Python layers: 100 000 such futures took 0.13 s, now 0.05 s."""
    if set(map(type, items)) != {Future}:
        return None
    values = []
    append = values.append
    successful = _S.SUCCESSFUL
    for item in items:
        record = item._record
        if record.kind is not _FUNCTION or record.process or \
                item._task.get_status() != successful:
            return None
        append(record.value)
    return values


def _gather_all(items, tasks, return_exceptions, timeout, cancellable):
    if not tasks:
        return []
    unique = list(dict.fromkeys(tasks))
    not_done = ()
    # gathering futures that are all done is just reading their outcomes;
    # otherwise the library waits on all of them (FIRST_EXCEPTION must see
    # a task that failed before the wait began)
    if not all(task.is_done() for task in unique):
        when = (Concurra.ReturnWhen.ALL_COMPLETED if return_exceptions
                else Concurra.ReturnWhen.FIRST_EXCEPTION)
        try:
            _, _, not_done = _raw_wait(unique, when, _timeout_arg(timeout),
                                       cancellable)
        except GLib.Error as error:
            _raise_cancelled(error)
        not_done = set(not_done)
    values = []
    for item, task in zip(items, tasks):
        if not_done and task in not_done:
            continue
        exc, value = _outcome_of(item)
        if exc is not None:
            if not return_exceptions:
                raise exc
            value = exc
        values.append(value)
    if not_done:
        raise concurrent.futures.TimeoutError(
            "gather() timed out after %s seconds: %d of %d tasks are not "
            "done" % (timeout, len(not_done), len(unique)))
    return values


def _gather_iter(keys, items, tasks, return_exceptions, deadline, timeout,
                 progress, cancellable):
    stream = Concurra.TaskStream.new(tasks) if tasks else None
    return _gather_iter_body(keys, items, stream, len(tasks),
                             return_exceptions, deadline, timeout, progress,
                             cancellable)


def _gather_iter_body(keys, items, stream, total, return_exceptions, deadline,
                      timeout, progress, cancellable):
    bar = _Progress(progress, total) if progress else None
    try:
        for done in range(1, total + 1):
            remaining = -1.0
            if deadline is not None:
                remaining = max(deadline - time.monotonic(), 0.0)
            try:
                task, index = stream.next(remaining, cancellable)
            except GLib.Error as error:
                if _is_timeout(error):
                    raise concurrent.futures.TimeoutError(
                        "gather() timed out after %s seconds: %d of %d tasks "
                        "are not done" % (timeout, total - done + 1,
                                          total)) from None
                _raise_cancelled(error)
            if task is None:
                break
            exc, value = _outcome_of(items[index])
            if bar is not None:
                bar.update(done)
            if exc is not None:
                if not return_exceptions:
                    raise exc
                value = exc
            yield (keys[index] if keys is not None else index), value
    finally:
        if bar is not None:
            bar.close()


# ---- asyncio ----

async def _in_thread(function, *args, **kwargs):
    import asyncio
    loop = asyncio.get_running_loop()
    cancellable = Gio.Cancellable()
    call = functools.partial(function, *args, _cancellable=cancellable,
                             **kwargs)
    future = loop.run_in_executor(None, call)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        cancellable.cancel()
        raise


async def async_wait(futures: Futures, timeout: Optional[float] = None,
                     return_when: Union[_GReturnWhen, str] =
                     Concurra.ReturnWhen.ALL_COMPLETED
                     ) -> DoneAndNotDoneFutures:
    """wait() for asyncio: ``done, not_done = await async_wait(futures)``."""
    return await _in_thread(wait, futures, timeout=timeout,
                            return_when=return_when)


__all__.append("async_wait")


@overload
def async_gather(*futures: Any, return_exceptions: bool = ...,
                 iter: Literal[True], timeout: Optional[float] = ...,
                 progress: Progress = ...) -> AsyncIterator[Tuple[Any, Any]]:
    ...


@overload
def async_gather(*futures: Any, return_exceptions: bool = ...,
                 iter: Literal[False] = ..., timeout: Optional[float] = ...,
                 progress: Progress = ...) -> Awaitable[Any]: ...


def async_gather(*futures: Any, return_exceptions: bool = False,
                 iter: bool = False, timeout: Optional[float] = None,
                 progress: Progress = False
                 ) -> Union[Awaitable[Any], AsyncIterator[Tuple[Any, Any]]]:
    """gather() for asyncio: ``await async_gather(futures)``; with
    ``iter=True`` an async iterator: ``async for i, r in async_gather(...)``.
    The waiting happens on an executor thread, so the event loop runs on."""
    if iter:
        return _async_gather_iter(futures, return_exceptions, timeout,
                                  progress)
    return _in_thread(gather, *futures, return_exceptions=return_exceptions,
                      timeout=timeout, progress=progress)


async def _async_gather_iter(futures, return_exceptions, timeout, progress):
    import asyncio
    loop = asyncio.get_running_loop()
    cancellable = Gio.Cancellable()
    iterator = gather(*futures, return_exceptions=return_exceptions,
                      iter=True, timeout=timeout, progress=progress,
                      _cancellable=cancellable)
    end = object()
    try:
        while True:
            item = await loop.run_in_executor(None, next, iterator, end)
            if item is end:
                return
            yield item
    except asyncio.CancelledError:
        cancellable.cancel()
        raise


__all__.append("async_gather")


# ---------------------------------------------------------------------------
# Concurry's actor model (workers, pools, limits, retries): _concurry.py.
# Its wait/gather/async_* take every future of a worker and delegate to the
# ones above; its Worker is Concurry's base class (the introspected
# Concurra.Worker stays reachable as _concurry._GWorker).

# (absolute: mypy checks this file outside its package)
from gi.overrides import _concurry  # noqa: E402
from gi.overrides._concurry import *  # type: ignore[no-redef] # noqa

__all__ += _concurry.__all__
