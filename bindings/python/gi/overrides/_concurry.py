# _concurry.py: Concurry's actor model on concurra-glib, for the PyGObject
# override (Concurra.py exports these names flat on gi.repository.Concurra).
#
# A worker is a user class whose instances live in lanes of a
# Concurra.Worker (the C type, kept here as _GWorker): thread lanes run
# Python methods on the library's threads, process lanes keep the instance
# in a warm _concurra_worker.py process and carry pickled calls. Sync mode
# runs calls inline; asyncio mode runs them on an event-loop thread. Each
# call returns a future at once; futures of thread and process workers wrap
# the call's Concurra.Task, so wait() and gather() wait on them in C.
#
# Options, enums, limits, retries and configuration follow Concurry's names,
# defaults and error texts (see doc/workers.md, "Python").
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

from __future__ import annotations

import asyncio
import binascii
import collections.abc
import concurrent.futures
import contextlib
import enum
import functools
import inspect
import itertools
import json
import logging
import os
import pickle
import random
import socket
import sys
import tempfile
import threading
import time
import uuid as _uuid_mod
import warnings
import weakref
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Mapping,
                    Optional, Sequence, Tuple, Type, TypeVar, cast)

_ov: Any = sys.modules["gi.overrides.Concurra"]
GI: Any = _ov.Concurra
# the override's own wait/gather (its names are rebound to the ones here)
_base_wait = _ov.wait
_base_gather = _ov.gather
_base_async_gather = _ov.async_gather
GLib: Any = _ov.GLib

LOGGER = logging.getLogger("concurra.concurry")

__all__: List[str] = []

T = TypeVar("T")

# The C worker type (Concurra.Worker in the GIR): the name Worker belongs to
# Concurry's base class here.
_GWorker: Any = GI.Worker

# concurra_worker_register/main/is_registered are static methods of the
# worker type in the GIR; these are their names from before it.
worker_register = _GWorker.register
worker_main = _GWorker.main
worker_is_registered = _GWorker.is_registered
__all__ += ["worker_register", "worker_main", "worker_is_registered"]

# The functions Python worker processes register for process lanes.
PYTHON_WORKER_NEW = "python-worker-new"
PYTHON_WORKER_CALL = "python-worker-call"


class _NoArg:
    def __repr__(self) -> str:
        return "_NO_ARG"

    def __reduce__(self) -> str:
        return "_NO_ARG"


_NO_ARG: Any = _NoArg()
__all__.append("_NO_ARG")


# ---------------------------------------------------------------------------
# enums with Concurry's members and string aliases

def _norm(text: str) -> str:
    return "".join(ch for ch in str(text).strip().lower() if ch.isalnum())


class _AliasEnum(enum.Enum):
    """An enum whose members are also found by case-insensitive names and
    aliases: ``ExecutionMode("thread")``, ``ExecutionMode("Threads")``."""

    @classmethod
    def _aliases(cls) -> Dict[str, Any]:
        return dict(_ALIASES.get(cls.__name__) or {})

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            key = _norm(value)
            if "." in value:        # "ExecutionMode.Threads"
                key = _norm(value.rsplit(".", 1)[1])
            for member in cls:
                if key in (_norm(member.name), _norm(member.value)):
                    return member
            name = cls._aliases().get(key)
            if name is not None:
                return cls[name]
        return None

    @classmethod
    def from_str(cls: Type[T], value: Any) -> T:
        return cls(value)   # type: ignore[call-arg]

    def __str__(self) -> str:
        return str(self.name)


def _coerce_enum(cls: Any, value: Any, option: str) -> Any:
    if isinstance(value, cls):
        return value
    name = getattr(value, "value", None)
    if isinstance(value, enum.Enum) and isinstance(name, str):
        value = name
    try:
        return cls(value)
    except ValueError:
        raise ValueError(
            "Invalid value %r for %s: expected one of %s" % (
                value, option, ", ".join(
                    sorted([m.name for m in cls]
                           + list(cls._aliases()))))) from None


class ExecutionMode(_AliasEnum):
    """Concurry's execution modes (not the GI enum of a task's mode, whose
    members stay reachable as ExecutionMode.THREAD, .PROCESS, ...)."""
    Auto = "auto"
    Sync = "sync"
    Asyncio = "asyncio"
    Threads = "thread"
    Processes = "process"
    Ray = "ray"


class LoadBalancingAlgorithm(_AliasEnum):
    RoundRobin = "round_robin"
    LeastActiveLoad = "least_active"
    LeastTotalLoad = "least_total"
    Random = "random"


class RateLimitAlgorithm(_AliasEnum):
    TokenBucket = "token_bucket"
    LeakyBucket = "leaky_bucket"
    SlidingWindow = "sliding_window"
    FixedWindow = "fixed_window"
    GCRA = "gcra"


class RateWindow(_AliasEnum):
    Secondly = 1
    Minutely = 60
    Hourly = 3600
    Daily = 86400
    Weekly = 604800

    @property
    def seconds(self) -> float:
        return float(self.value)


class RetryAlgorithm(_AliasEnum):
    Linear = "linear"
    Exponential = "exponential"
    Fibonacci = "fibonacci"


class PollingAlgorithm(_AliasEnum):
    """How Concurry's wait()/gather() poll; here they never poll, the name
    exists for code that sets it."""
    Fixed = "fixed"
    Adaptive = "adaptive"
    Exponential = "exponential"
    Progressive = "progressive"


_ALIASES: Dict[str, Dict[str, str]] = {
    "ExecutionMode": {
        "synchronous": "Sync", "inline": "Sync",
        "thread": "Threads", "threads": "Threads", "threading": "Threads",
        "process": "Processes", "processes": "Processes", "proc": "Processes",
        "multiprocessing": "Processes", "mp": "Processes",
        "async": "Asyncio", "asyncio": "Asyncio", "aio": "Asyncio",
        "ray": "Ray",
    },
    "LoadBalancingAlgorithm": {
        "roundrobin": "RoundRobin", "rr": "RoundRobin",
        "leastactive": "LeastActiveLoad", "active": "LeastActiveLoad",
        "leastactiveload": "LeastActiveLoad",
        "leasttotal": "LeastTotalLoad", "total": "LeastTotalLoad",
        "leasttotalload": "LeastTotalLoad",
        "random": "Random", "rand": "Random",
    },
    "RateLimitAlgorithm": {
        "token": "TokenBucket", "tokenbucket": "TokenBucket",
        "leaky": "LeakyBucket", "leakybucket": "LeakyBucket",
        "sliding": "SlidingWindow", "slidingwindow": "SlidingWindow",
        "fixed": "FixedWindow", "fixedwindow": "FixedWindow",
        "gcra": "GCRA",
    },
    "RateWindow": {
        "second": "Secondly", "sec": "Secondly", "s": "Secondly",
        "persecond": "Secondly", "persec": "Secondly",
        "minute": "Minutely", "min": "Minutely", "m": "Minutely",
        "perminute": "Minutely", "permin": "Minutely",
        "hour": "Hourly", "hr": "Hourly", "h": "Hourly",
        "perhour": "Hourly", "perhr": "Hourly",
        "day": "Daily", "d": "Daily", "perday": "Daily",
        "week": "Weekly", "w": "Weekly", "perweek": "Weekly",
    },
    "RetryAlgorithm": {
        "linear": "Linear", "lin": "Linear",
        "exponential": "Exponential", "exp": "Exponential",
        "fibonacci": "Fibonacci", "fib": "Fibonacci",
    },
    "PollingAlgorithm": {},
}



def _keep_gi_members(py_enum: Any, gi_name: str) -> None:
    """The Python enums named like GI ones shadow them in the override: the
    GI members stay reachable by their names (ExecutionMode.THREAD,
    RateLimitAlgorithm.SLIDING_WINDOW...) for code using the C API."""
    gi_enum = getattr(GI, gi_name, None)
    if gi_enum is None:
        return
    for name in dir(gi_enum):
        if name.isupper() and not name.startswith("_") and \
                name not in py_enum.__members__:
            setattr(py_enum, name, getattr(gi_enum, name))


_keep_gi_members(ExecutionMode, "ExecutionMode")
_keep_gi_members(RateLimitAlgorithm, "RateLimitAlgorithm")
_keep_gi_members(RetryAlgorithm, "RetryAlgorithm")

ReturnWhen: Any = GI.ReturnWhen
ALL_COMPLETED: Any = GI.ReturnWhen.ALL_COMPLETED
FIRST_COMPLETED: Any = GI.ReturnWhen.FIRST_COMPLETED
FIRST_EXCEPTION: Any = GI.ReturnWhen.FIRST_EXCEPTION
_RETURN_WHEN_ALIASES = {
    "all": "ALL_COMPLETED", "allcompleted": "ALL_COMPLETED",
    "first": "FIRST_COMPLETED", "firstcompleted": "FIRST_COMPLETED",
    "exception": "FIRST_EXCEPTION", "firstexception": "FIRST_EXCEPTION",
}

__all__ += ["ExecutionMode", "LoadBalancingAlgorithm", "RateLimitAlgorithm",
            "RateWindow", "RetryAlgorithm", "PollingAlgorithm",
            "ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION"]


def _return_when(value: Any) -> Any:
    if isinstance(value, str):
        name = _RETURN_WHEN_ALIASES.get(_norm(value.rsplit(".", 1)[-1]))
        if name is not None:
            return getattr(GI.ReturnWhen, name)
    return _ov._return_when(value)


# ---------------------------------------------------------------------------
# configuration (§15)

_MODES = ("sync", "thread", "process", "asyncio", "ray")

_GLOBAL_DEFAULTS: Dict[str, Any] = {
    "blocking": False,
    "unwrap_futures": True,
    "on_demand": False,
    "load_balancing": "round_robin",
    "load_balancing_on_demand": "random",
    "num_retries": 0,
    "retry_on": (Exception,),
    "retry_algorithm": "exponential",
    "retry_wait": 1.0,
    "retry_jitter": 0.3,
    "retry_until": None,
    "rate_limit_algorithm": "token_bucket",
    "limit_set_shared": True,
    "stop_timeout": 30.0,
    "on_demand_slot_timeout": 60.0,
    "max_workers": 1,
    "max_queued_tasks": None,
}

_MODE_DEFAULTS: Dict[str, Dict[str, Any]] = {
    "sync": {"max_workers": 1, "max_queued_tasks": None},
    "asyncio": {"max_workers": 1, "max_queued_tasks": None},
    "thread": {"max_workers": 30, "max_queued_tasks": None},
    "process": {"max_workers": 4, "max_queued_tasks": 100,
                "mp_context": "forkserver"},
    "ray": {"max_workers": 0, "max_queued_tasks": 3},
}


class _Scope:
    """Attribute view of one scope of the configuration:
    ``global_config.thread.max_workers``."""

    def __init__(self, values: Dict[str, Any]) -> None:
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._values[name] = value

    def to_dict(self) -> Dict[str, Any]:
        return dict(self._values)


class GlobalConfig:
    """Process-wide defaults: global ones (``global_config.defaults``) and
    per-mode ones (``global_config.thread``, ``.process``, ...) that win
    over them."""

    def __init__(self) -> None:
        self._global = dict(_GLOBAL_DEFAULTS)
        self._modes = {m: dict(v) for m, v in _MODE_DEFAULTS.items()}
        self._lock = threading.RLock()

    @property
    def defaults(self) -> _Scope:
        return _Scope(self._global)

    def __getattr__(self, name: str) -> Any:
        modes = self.__dict__.get("_modes", {})
        if name in modes:
            return _Scope(modes[name])
        if name == "global_":
            return _Scope(self._global)
        raise AttributeError(name)

    def get(self, option: str, mode: Any = None) -> Any:
        if mode is not None:
            key = _mode_key(mode)
            values = self._modes.get(key, {})
            if option in values:
                return values[option]
        return self._global.get(option)

    def _apply(self, overrides: Mapping[str, Any]) -> List[Tuple[Any, ...]]:
        undo: List[Tuple[Any, ...]] = []
        for key, value in overrides.items():
            scope, _, option = key.partition("_")
            if scope == "global":
                table = self._global
            elif scope in self._modes:
                table = self._modes[scope]
            else:
                raise ValueError(
                    "Unknown configuration key %r: keys look like "
                    "global_<option> or <mode>_<option> (modes: %s)"
                    % (key, ", ".join(_MODES)))
            if not option:
                raise ValueError("Unknown configuration key %r" % key)
            undo.append((table, option, table.get(option, _NO_ARG)))
            table[option] = value
        return undo

    def reset(self) -> None:
        with self._lock:
            self._global = dict(_GLOBAL_DEFAULTS)
            self._modes = {m: dict(v) for m, v in _MODE_DEFAULTS.items()}


global_config = GlobalConfig()


@contextlib.contextmanager
def temp_config(**overrides: Any) -> Iterator[GlobalConfig]:
    """Changes defaults inside a ``with`` block:
    ``with temp_config(thread_num_retries=3, global_retry_wait=0.1): ...``"""
    with global_config._lock:
        undo = global_config._apply(overrides)
    try:
        yield global_config
    finally:
        with global_config._lock:
            for table, option, old in reversed(undo):
                if old is _NO_ARG:
                    table.pop(option, None)
                else:
                    table[option] = old


__all__ += ["global_config", "temp_config", "GlobalConfig"]


def _mode_key(mode: Any) -> str:
    return str(_coerce_enum(ExecutionMode, mode, "mode").value)


# ---------------------------------------------------------------------------
# futures (§11)

if TYPE_CHECKING:
    from gi.overrides.Concurra import Future as BaseFuture
else:
    BaseFuture = _ov.Future
_cf = concurrent.futures
_S = GI.TaskStatus
_CANCELLED_TEXT = "Future was cancelled"


class _PyFuture(BaseFuture):
    """The common part of Concurry's futures here: Concurry's API on the
    override's Future (a concurrent.futures.Future), so wait() and gather()
    take them, and concurrent.futures.wait() and ``await`` too."""

    _task: Any = None
    _uuid: Optional[str] = None

    def _check_started(self) -> None:
        pass

    @property
    def uuid(self) -> str:
        if self._uuid is None:
            self._uuid = "%s-%s" % (type(self).__name__, _uuid_mod.uuid4())
        return self._uuid

    @property
    def label(self) -> Any:
        return self.uuid

    @property
    def runner(self) -> Any:
        return None

    def set_running_or_notify_cancel(self) -> bool:
        raise NotImplementedError(
            "%s is completed by its worker" % type(self).__name__)

    def set_result(self, result: Any) -> None:
        raise NotImplementedError(
            "%s is completed by its worker" % type(self).__name__)

    def set_exception(self, exception: Optional[BaseException]) -> None:
        raise NotImplementedError(
            "%s is completed by its worker" % type(self).__name__)

    def __repr__(self) -> str:
        state = ("cancelled" if self.cancelled() else
                 "done" if self.done() else
                 "running" if self.running() else "pending")
        return "<%s %s>" % (type(self).__name__, state)

    def result(self, timeout: Optional[float] = None) -> Any:
        exc, value = self._settled(timeout)
        if exc is not None:
            raise exc
        return value

    def exception(self, timeout: Optional[float] = None
                  ) -> Optional[BaseException]:
        exc, _ = self._settled(timeout)
        if isinstance(exc, _cf.CancelledError):
            raise exc
        return exc

    def _settled(self, timeout: Optional[float]) -> Tuple[Any, Any]:
        raise NotImplementedError

    def add_done_callback(self, fn: Callable[[Any], object],
                          main_context: Any = None) -> None:
        if main_context is not None:
            fn = functools.partial(_ov._call_in_context, main_context, fn)
        self._add_callback(fn)

    def _add_callback(self, fn: Callable[[Any], object]) -> None:
        raise NotImplementedError

    def _call_back(self, fn: Callable[[Any], object]) -> None:
        try:
            fn(self)
        except Exception:
            LOGGER.exception("exception calling callback for %r", self)


class SyncFuture(_PyFuture):
    """A future that is done when made: what sync-mode workers return."""

    def __init__(self, result_value: Any = None,
                 exception_value: Optional[BaseException] = None) -> None:
        if exception_value is not None and \
                not isinstance(exception_value, BaseException):
            raise TypeError("exception_value must be an exception, got %s"
                            % type(exception_value).__name__)
        if isinstance(result_value, concurrent.futures.Future):
            raise TypeError("result_value must be a value, not a future")
        self._value = result_value
        self._exc = exception_value
        self._sync = None

    def done(self) -> bool:
        return True

    def running(self) -> bool:
        return False

    def cancelled(self) -> bool:
        return False

    def cancel(self) -> bool:
        return False

    def _outcome(self) -> Tuple[Any, Any]:
        return self._exc, self._value

    def _settled(self, timeout: Optional[float]) -> Tuple[Any, Any]:
        return self._exc, self._value

    def _add_callback(self, fn: Callable[[Any], object]) -> None:
        self._call_back(fn)


class ConcurrentFuture(_PyFuture):
    """A future of a thread, process or asyncio worker. Made by workers
    around the call's Concurra.Task, or by users around a
    ``concurrent.futures.Future``: ``ConcurrentFuture(future=f)``."""

    _inner: Optional[concurrent.futures.Future[Any]]
    _call: Any

    def __init__(self, future: Any = None) -> None:
        if not isinstance(future, concurrent.futures.Future):
            raise TypeError("ConcurrentFuture needs future=<a "
                            "concurrent.futures.Future>, got %s"
                            % type(future).__name__)
        self._inner = future
        self._call = None
        self._sync = None

    @classmethod
    def _of_call(cls, task: Any, call: Any) -> "ConcurrentFuture":
        self = cls.__new__(cls)
        self._task = task
        self._call = call
        self._inner = None
        self._sync = None
        return self

    # ---- a worker call's task ----

    def done(self) -> bool:
        if self._inner is not None:
            return bool(self._inner.done())
        return bool(self._task.is_done())

    def running(self) -> bool:
        if self._inner is not None:
            return bool(self._inner.running())
        return bool(self._task.get_status() == _S.RUNNING)

    def cancelled(self) -> bool:
        if self._inner is not None:
            return bool(self._inner.cancelled())
        if self._task.get_status() != _S.TERMINATED:
            return False
        return isinstance(self._call.outcome(self._task)[0],
                          _cf.CancelledError)

    def cancel(self) -> bool:
        if self._inner is not None:
            return bool(self._inner.cancel())
        if self._task.is_done():
            return False
        self._call.cancelled = True
        return bool(self._task.cancel())

    def _outcome(self) -> Tuple[Any, Any]:
        if self._inner is not None:
            if self._inner.cancelled():
                return _cf.CancelledError(_CANCELLED_TEXT), None
            exc = self._inner.exception()
            return (exc, None) if exc is not None else \
                (None, self._inner.result())
        return self._call.outcome(self._task)

    def _settled(self, timeout: Optional[float]) -> Tuple[Any, Any]:
        if self._inner is not None:
            try:
                self._inner.exception(timeout)
            except _cf.CancelledError:
                return _cf.CancelledError(_CANCELLED_TEXT), None
            except _cf.TimeoutError:
                raise TimeoutError("Future did not complete within %s "
                                   "seconds" % timeout) from None
            return self._outcome()
        task = self._task
        try:
            # returns at once for a task that is done
            task.wait(_ov._timeout_arg(timeout), None)
        except GLib.Error as error:
            if _ov._is_timeout(error):
                raise TimeoutError("Future did not complete within %s "
                                   "seconds" % timeout) from None
            raise
        return self._call.outcome(task)

    def _add_callback(self, fn: Callable[[Any], object]) -> None:
        if self._inner is not None:
            self._inner.add_done_callback(lambda _: self._call_back(fn))
            return
        BaseFuture.add_done_callback(self, fn)


class AsyncioFuture(_PyFuture):
    """A future around an ``asyncio.Future``: ``AsyncioFuture(future=f)``.
    Its result() blocks this thread; call it from another thread than the
    future's loop, or ``await`` the future instead."""

    def __init__(self, future: Any = None) -> None:
        if not isinstance(future, asyncio.Future):
            raise TypeError("AsyncioFuture needs future=<an asyncio.Future>,"
                            " got %s" % type(future).__name__)
        self._afut = future
        self._inner: concurrent.futures.Future[Any] = \
            concurrent.futures.Future()
        self._sync = None
        future.add_done_callback(self._copy)
        if future.done():
            self._copy(future)

    def _copy(self, afut: Any) -> None:
        inner = self._inner
        if inner.done():
            return
        if afut.cancelled():
            inner.cancel()
            inner.set_running_or_notify_cancel()
        elif afut.exception() is not None:
            inner.set_exception(afut.exception())
        else:
            inner.set_result(afut.result())

    done = ConcurrentFuture.done
    running = ConcurrentFuture.running
    cancelled = ConcurrentFuture.cancelled
    _outcome = ConcurrentFuture._outcome
    _settled = ConcurrentFuture._settled
    _add_callback = ConcurrentFuture._add_callback

    def cancel(self) -> bool:
        loop = self._afut.get_loop()
        if self._afut.done():
            return False
        loop.call_soon_threadsafe(self._afut.cancel)
        return True

    def __await__(self) -> Any:
        return self._afut.__await__()


def wrap_future(future: Any) -> Any:
    """Any future (or a value) as one of Concurry's futures."""
    if isinstance(future, BaseFuture):
        return future
    if isinstance(future, GI.Task):
        return _TaskFuture(future)
    if isinstance(future, asyncio.Future):
        return AsyncioFuture(future=future)
    if isinstance(future, concurrent.futures.Future):
        return ConcurrentFuture(future=future)
    return SyncFuture(result_value=future)


__all__ += ["BaseFuture", "SyncFuture", "ConcurrentFuture", "AsyncioFuture",
            "wrap_future"]


class _TaskCall:
    """The outcome of a plain Concurra.Task: its own value or error."""

    cancelled = False

    def outcome(self, task: Any) -> Tuple[Any, Any]:
        if task.get_has_failed() or task.get_status() == _S.TERMINATED:
            error = task.get_error()
            return _error_exception(error, self.cancelled), None
        return None, task.get_value()


def _TaskFuture(task: Any) -> ConcurrentFuture:
    return ConcurrentFuture._of_call(task, _TaskCall())


class WorkerStoppedError(concurrent.futures.CancelledError):
    """A call that had not run when its worker stopped."""


_E = GI.Error


def _error_exception(error: Any, cancelled: bool = False) -> BaseException:
    """A Python exception for a call's GError that no Python code raised."""
    if error is None:
        return _cf.CancelledError(_CANCELLED_TEXT)
    if error.domain == GLib.quark_to_string(_ov._CONCURRA_QUARK):
        code = error.code
        if code == _E.WORKER_STOPPED:
            return WorkerStoppedError(error.message)
        if code == _E.TERMINATED or cancelled:
            return _cf.CancelledError(error.message)
        if code == _E.TIMEOUT:
            return TimeoutError(error.message)
        if code == _E.WORKER_CRASHED:
            return RuntimeError(error.message)
    if _ov._is_cancellation(error) or cancelled:
        return _cf.CancelledError(error.message)
    return RuntimeError("%s: %s" % (error.domain, error.message))


# ---------------------------------------------------------------------------
# wait / gather over any of these futures

def _native(item: Any) -> bool:
    """Whether the override's wait/gather can wait on it in C."""
    if isinstance(item, BaseFuture):
        return item._task is not None
    return isinstance(item, GI.Task)


def _as_future(item: Any) -> Any:
    if isinstance(item, BaseFuture):
        return item
    if isinstance(item, GI.Task):
        return _TaskFuture(item)
    if isinstance(item, (concurrent.futures.Future, asyncio.Future)):
        return wrap_future(item)
    raise TypeError("wait() and gather() take futures, got %s"
                    % type(item).__name__)


def _items(futures: Any) -> List[Any]:
    if isinstance(futures, (BaseFuture, GI.Task, concurrent.futures.Future,
                            asyncio.Future)):
        return [futures]
    if isinstance(futures, collections.abc.Mapping):
        return list(futures.values())
    return list(futures)


def wait(futures: Any, timeout: Optional[float] = None,
         return_when: Any = ALL_COMPLETED, *args: Any,
         **kwargs: Any) -> Any:
    """Wait for futures -> ``(done, not_done)``; see the override's
    :func:`wait`. Takes every future of a worker, and ``return_when`` as a
    ReturnWhen, its name or "all" / "first" / "exception"."""
    if isinstance(timeout, GI.ReturnWhen) or args:
        return _base_wait(futures, timeout, return_when, *args, **kwargs)
    kwargs.pop("polling", None)     # Concurry's polling: nothing polls here
    kwargs.pop("progress", None)
    when = _return_when(return_when)
    items = _items(futures)
    if all(_native(item) for item in items):
        return _base_wait(items, timeout, when, **kwargs)
    by_future: Dict[Any, Any] = {}
    for item in items:
        by_future.setdefault(_as_future(item), item)
    done, not_done = concurrent.futures.wait(
        list(by_future), timeout,
        {ALL_COMPLETED: _cf.ALL_COMPLETED,
         FIRST_COMPLETED: _cf.FIRST_COMPLETED,
         FIRST_EXCEPTION: _cf.FIRST_EXCEPTION}[when])
    return _ov.DoneAndNotDoneFutures({by_future[f] for f in done},
                                     {by_future[f] for f in not_done})


def gather(*futures: Any, return_exceptions: bool = False,
           iter: bool = False, timeout: Optional[float] = None,
           progress: Any = False, **kwargs: Any) -> Any:
    """Collect futures' results; see the override's :func:`gather`. Takes
    every future of a worker and the progress options of Concurry
    (``progress=True`` or a dict)."""
    if len(futures) >= 2 and isinstance(futures[1], GI.GatherFlags):
        return _base_gather(*futures)
    kwargs.pop("polling", None)
    cancellable = kwargs.pop("_cancellable", None)
    if kwargs:
        raise TypeError("gather() got unexpected keyword arguments: %s"
                        % ", ".join(sorted(kwargs)))
    if isinstance(progress, Mapping):
        progress = bool(progress) and not progress.get("disable", False)
    if len(futures) == 1 and not isinstance(
            futures[0], (BaseFuture, GI.Task, concurrent.futures.Future,
                         asyncio.Future)):
        source = futures[0]
        if isinstance(source, collections.abc.Mapping):
            keys: Optional[List[Any]] = list(source.keys())
            items = list(source.values())
        else:
            keys, items = None, list(source)
    else:
        keys, items = None, list(futures)
    # the override's own futures (the common case) are checked in C time
    if set(map(type, items)) <= {BaseFuture} or \
            all(_native(item) for item in items):
        arg: Any = items
        if keys is not None:
            arg = dict(zip(keys, items))
        return _base_gather(arg, return_exceptions=return_exceptions, iter=iter,
                          timeout=timeout, progress=progress,
                          _cancellable=cancellable)
    wrapped = [_as_future(item) for item in items]
    if iter:
        return _gather_iter(keys, wrapped, return_exceptions, timeout,
                            progress)
    values: List[Any] = [None] * len(wrapped)
    for index, value in _gather_iter(None, wrapped, return_exceptions,
                                     timeout, progress):
        values[index] = value
    if keys is not None:
        return dict(zip(keys, values))
    return values


def _gather_iter(keys: Optional[List[Any]], wrapped: List[Any],
                 return_exceptions: bool, timeout: Optional[float],
                 progress: Any) -> Iterator[Tuple[Any, Any]]:
    positions: Dict[Any, List[int]] = {}
    for index, future in enumerate(wrapped):
        positions.setdefault(future, []).append(index)
    total = len(wrapped)
    bar = _ov._Progress(progress, total) if progress else None
    done = 0
    try:
        for future in concurrent.futures.as_completed(list(positions),
                                                      timeout):
            exc, value = future._outcome()
            if exc is not None:
                if not return_exceptions:
                    raise exc
                value = exc
            for index in positions[future]:
                done += 1
                if bar is not None:
                    bar.update(done)
                yield (keys[index] if keys is not None else index), value
    except _cf.TimeoutError:
        raise TimeoutError("gather() timed out after %s seconds: %d of %d "
                           "futures are not done"
                           % (timeout, total - done, total)) from None
    finally:
        if bar is not None:
            bar.close()


async def async_wait(futures: Any, timeout: Optional[float] = None,
                     return_when: Any = ALL_COMPLETED, **kwargs: Any) -> Any:
    """wait() for coroutines: ``done, not_done = await async_wait(fs)``."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        None, functools.partial(wait, futures, timeout=timeout,
                                return_when=return_when))


def async_gather(*futures: Any, return_exceptions: bool = False,
                 iter: bool = False, timeout: Optional[float] = None,
                 progress: Any = False, **kwargs: Any) -> Any:
    """gather() for coroutines: ``await async_gather(fs)``, or with
    ``iter=True`` ``async for i, r in async_gather(fs, iter=True)``."""
    items = [f for group in futures for f in _items(group)] \
        if len(futures) == 1 and not isinstance(futures[0], Mapping) \
        else None
    if items is not None and all(_native(i) for i in items) or \
            (len(futures) == 1 and isinstance(futures[0], Mapping)
             and all(_native(i) for i in futures[0].values())):
        return _base_async_gather(*futures, return_exceptions=return_exceptions,
                                iter=iter, timeout=timeout,
                                progress=bool(progress))
    if iter:
        return _async_iter(gather(*futures,
                                  return_exceptions=return_exceptions,
                                  iter=True, timeout=timeout,
                                  progress=progress))
    return asyncio.get_running_loop().run_in_executor(
        None, functools.partial(gather, *futures,
                                return_exceptions=return_exceptions,
                                timeout=timeout, progress=progress))


async def _async_iter(iterator: Iterator[Any]) -> Any:
    loop = asyncio.get_running_loop()
    end = object()
    while True:
        item = await loop.run_in_executor(None, next, iterator, end)
        if item is end:
            return
        yield item


__all__ += ["wait", "gather", "async_wait", "async_gather"]


# ---------------------------------------------------------------------------
# retries (§9)

class RetryValidationError(Exception):
    """No attempt of a call gave a result that every ``retry_until``
    validator accepted."""

    def __init__(self, message: str = "", attempts: int = 0,
                 all_results: Optional[List[Any]] = None,
                 validation_errors: Optional[List[str]] = None,
                 method_name: str = "") -> None:
        super().__init__(message)
        self.attempts = attempts
        self.all_results = list(all_results or [])
        self.validation_errors = list(validation_errors or [])
        self.method_name = method_name

    def __reduce__(self) -> Any:
        return (RetryValidationError,
                (self.args[0] if self.args else "", self.attempts,
                 self.all_results, self.validation_errors, self.method_name))


class RetryConfig:
    """Retry settings of a worker's calls (the retry options of
    ``options()``)."""

    __slots__ = ("num_retries", "retry_on", "retry_algorithm", "retry_wait",
                 "retry_jitter", "retry_until")

    def __init__(self, num_retries: int = 0,
                 retry_on: Any = _NO_ARG,
                 retry_algorithm: Any = "exponential",
                 retry_wait: float = 1.0, retry_jitter: float = 0.3,
                 retry_until: Any = None) -> None:
        self.num_retries = _check_int("num_retries", num_retries, 0)
        if retry_on is _NO_ARG or retry_on is None:
            retry_on = [Exception]
        if not isinstance(retry_on, (list, tuple)):
            retry_on = [retry_on]
        for item in retry_on:
            if not (isinstance(item, type) and issubclass(item, BaseException)
                    ) and not callable(item):
                raise ValueError("retry_on items must be exception classes "
                                 "or callables, got %r" % (item,))
        self.retry_on = list(retry_on)
        self.retry_algorithm = _coerce_enum(RetryAlgorithm, retry_algorithm,
                                            "retry_algorithm")
        self.retry_wait = _check_float("retry_wait", retry_wait, 0.0)
        jitter = _check_float("retry_jitter", retry_jitter, 0.0)
        if jitter > 1.0:
            raise ValueError("retry_jitter must be between 0 and 1, got %r"
                             % retry_jitter)
        self.retry_jitter = jitter
        if retry_until is not None and not isinstance(retry_until,
                                                      (list, tuple)):
            retry_until = [retry_until]
        for item in retry_until or ():
            if not callable(item):
                raise ValueError("retry_until items must be callables, got "
                                 "%r" % (item,))
        self.retry_until = list(retry_until) if retry_until else None

    def __repr__(self) -> str:
        return "RetryConfig(%s)" % ", ".join(
            "%s=%r" % (name, getattr(self, name)) for name in self.__slots__)

    def __reduce__(self) -> Any:
        return (_retry_config, tuple(getattr(self, n) for n in self.__slots__))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RetryConfig) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def wait_before(self, attempt: int) -> float:
        """Seconds to sleep after failed attempt ``attempt`` (from 1)."""
        base = self.retry_wait
        algorithm = self.retry_algorithm
        if algorithm is RetryAlgorithm.Linear:
            wait = base * attempt
        elif algorithm is RetryAlgorithm.Fibonacci:
            a, b = 1, 1
            for _ in range(attempt - 1):
                a, b = b, a + b
            wait = base * a
        else:
            wait = base * (2 ** (attempt - 1))
        if self.retry_jitter > 0:
            wait = random.uniform(0.0, wait)
        return wait


def _retry_config(*values: Any) -> RetryConfig:
    config = RetryConfig.__new__(RetryConfig)
    for name, value in zip(RetryConfig.__slots__, values):
        setattr(config, name, value)
    return config


__all__ += ["RetryConfig", "RetryValidationError"]


def _accepts(fn: Callable[..., Any], keywords: Iterable[str]
             ) -> Tuple[bool, List[str]]:
    """-> (takes **kwargs, the named keywords it takes)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True, []
    params = sig.parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return True, []
    return False, [k for k in keywords if k in sig.parameters]


def _call_with_context(fn: Callable[..., Any], first: Any,
                       context: Dict[str, Any], first_name: str) -> Any:
    var_kw, named = _accepts(fn, list(context) + [first_name])
    if var_kw:
        if first_name in context:
            return fn(**context)
        return fn(first, **context)
    kwargs = {k: context[k] for k in named if k != first_name}
    if first_name in named and first_name not in kwargs:
        # the filter takes exception= (or result=) by name
        return fn(**{first_name: first}, **kwargs)
    return fn(first, **kwargs)


def _should_retry(config: RetryConfig, exc: BaseException,
                  context: Dict[str, Any]) -> bool:
    for item in config.retry_on:
        if isinstance(item, type):
            if isinstance(exc, item):
                return True
            continue
        try:
            ctx = dict(context, exception=exc)
            if _call_with_context(item, exc, ctx, "exception"):
                return True
        except Exception:
            continue
    return False


def _validate(config: RetryConfig, result: Any,
              context: Dict[str, Any]) -> Optional[str]:
    """-> None if every validator passes, else why not."""
    for validator in config.retry_until or ():
        name = getattr(validator, "__name__", repr(validator))
        try:
            ok = _call_with_context(validator, result, context, "result")
        except Exception as exc:
            return "%s raised %s: %s" % (name, type(exc).__name__, exc)
        if not ok:
            return "%s returned False" % name
    return None


def _run_coroutine(value: Any) -> Any:
    if type(value) in _PLAIN:
        # the common result: inspect.isawaitable's ABC check costs more
        # than the rest of a process call's Python in its worker process
        return value
    if inspect.isawaitable(value):
        async def run() -> Any:
            return await value
        return asyncio.run(run())
    return value


class _RetryRun:
    """The attempts of one call: what to do after each (shared by plain and
    async methods)."""

    def __init__(self, config: RetryConfig, method_name: str,
                 worker_name: str, args: Tuple[Any, ...],
                 kwargs: Dict[str, Any]) -> None:
        self.config = config
        self.attempts = config.num_retries + 1
        self.results: List[Any] = []
        self.reasons: List[str] = []
        self.started = time.monotonic()
        self.base: Dict[str, Any] = {"method_name": method_name, "args": args,
                     "kwargs": kwargs, "worker_class": worker_name,
                     "worker_class_name": worker_name}

    def context(self, attempt: int) -> Dict[str, Any]:
        return dict(self.base, attempt=attempt,
                    elapsed_time=time.monotonic() - self.started)

    def after_error(self, exc: BaseException, attempt: int,
                    context: Dict[str, Any]) -> Optional[float]:
        """-> seconds to wait before the next attempt, or None: raise."""
        if attempt == self.attempts or not _should_retry(self.config, exc,
                                                         context):
            return None
        return self.config.wait_before(attempt)

    def after_result(self, result: Any, attempt: int,
                     context: Dict[str, Any]) -> Optional[float]:
        """-> None when the result is accepted, else seconds to wait;
        RetryValidationError when no attempt is left."""
        reason = _validate(self.config, result, context)
        if reason is None:
            return None
        self.results.append(result)
        self.reasons.append(reason)
        if attempt == self.attempts:
            raise self.validation_error(attempt)
        return self.config.wait_before(attempt)

    def validation_error(self, attempt: int) -> RetryValidationError:
        name = self.base["method_name"]
        return RetryValidationError(
            "Result validation failed for %s after %d attempt%s: %s"
            % (name, attempt, "" if attempt == 1 else "s",
               self.reasons[-1] if self.reasons else ""),
            attempt, self.results, self.reasons, name)


def _call_with_retries(fn: Callable[..., Any], args: Tuple[Any, ...],
                       kwargs: Dict[str, Any], config: Optional[RetryConfig],
                       method_name: str, worker_name: str,
                       stopping: Optional[threading.Event] = None) -> Any:
    """One call of a worker method, with its retries: runs in the lane."""
    if config is None:
        return _run_coroutine(fn(*args, **kwargs))
    run = _RetryRun(config, method_name, worker_name, args, kwargs)
    for attempt in range(1, run.attempts + 1):
        context = run.context(attempt)
        try:
            result = _run_coroutine(fn(*args, **kwargs))
        except Exception as exc:
            wait = run.after_error(exc, attempt, context)
            if wait is None:
                raise
            _retry_sleep(wait, stopping)
            continue
        wait = run.after_result(result, attempt, context)
        if wait is None:
            return result
        _retry_sleep(wait, stopping)
    raise AssertionError("unreachable")


def _retry_sleep(seconds: float, stopping: Optional[threading.Event]) -> None:
    if seconds <= 0:
        return
    if stopping is not None:
        stopping.wait(seconds)
    else:
        time.sleep(seconds)


_RETRY_OPTIONS = ("num_retries", "retry_on", "retry_algorithm", "retry_wait",
                  "retry_jitter", "retry_until")


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        else:
            raise ValueError("%s must be an integer, got %r" % (name, value))
    if value < minimum:
        raise ValueError("%s must be >= %d, got %r" % (name, minimum, value))
    return value


def _check_float(name: str, value: Any, minimum: float) -> float:
    if isinstance(value, bool):
        raise ValueError("%s must be a number, got %r" % (name, value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError("%s must be a number, got %r" % (name, value)) \
            from None
    if number < minimum:
        raise ValueError("%s must be >= %s, got %r" % (name, minimum, value))
    return number


def _check_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "yes", "1", "on", "y", "t"):
            return True
        if text in ("false", "no", "0", "off", "n", "f", ""):
            return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError("%s must be a boolean, got %r" % (name, value))


def _retry_configs(options: Dict[str, Any], mode: str,
                   method_names: Optional[Iterable[str]]
                   ) -> Dict[str, Optional[RetryConfig]]:
    """-> {"*": config, method: config, ...} from the retry options, each of
    which may be a per-method dict {"*": default, "method": value}."""
    per_method: Dict[str, Dict[str, Any]] = {}
    defaults: Dict[str, Any] = {}
    for name in _RETRY_OPTIONS:
        value = options.get(name, _NO_ARG)
        if value is _NO_ARG:
            value = global_config.get(name, mode)
        if isinstance(value, dict):
            if "*" not in value:
                raise ValueError(
                    "%s given per method must have a \"*\" key for the other "
                    "methods, got keys %s" % (name, sorted(value)))
            for method, item in value.items():
                if method == "*":
                    continue
                if method_names is not None and method not in method_names:
                    raise ValueError(
                        "%s names method %r, which the worker class does not "
                        "have" % (name, method))
                per_method.setdefault(method, {})[name] = item
            value = value["*"]
        defaults[name] = value
    configs: Dict[str, Optional[RetryConfig]] = {
        "*": _retry_or_none(defaults)}
    for method, values in per_method.items():
        configs[method] = _retry_or_none(dict(defaults, **values))
    return configs


def _retry_or_none(values: Dict[str, Any]) -> Optional[RetryConfig]:
    config = RetryConfig(**values)
    if config.num_retries == 0 and not config.retry_until:
        return None
    return config


# ---------------------------------------------------------------------------
# limits (§8): definitions

class Limit:
    """A limit definition: plain data, not thread-safe on its own; put it
    in a LimitSet (or give it to a worker's ``limits=``)."""

    key: str = ""
    capacity: float = 0

    def _check_capacity(self) -> None:
        if isinstance(self.capacity, bool) or not isinstance(
                self.capacity, (int, float)) or self.capacity <= 0:
            raise ValueError("capacity must be a positive number, got %r"
                             % (self.capacity,))

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.key))


def _window_seconds(window: Any) -> float:
    if isinstance(window, RateWindow):
        return window.seconds
    if isinstance(window, str):
        return _coerce_enum(RateWindow, window, "window").seconds
    return _check_float("window", window, 0.0)


class RateLimit(Limit):
    """At most ``capacity`` units of ``key`` per ``window`` seconds."""

    def __init__(self, key: str, window: Any = None, capacity: float = 0,
                 algorithm: Any = None, *, per: Any = None,
                 window_seconds: Any = None) -> None:
        self.key = str(key)
        given = [w for w in (window, per, window_seconds) if w is not None]
        if not given:
            raise ValueError("RateLimit needs a window (window=, per= or "
                             "window_seconds=)")
        self.window = _window_seconds(given[0])
        if self.window <= 0:
            raise ValueError("window must be positive, got %r" % given[0])
        self.capacity = capacity
        self._check_capacity()
        if algorithm is None:
            algorithm = global_config.get("rate_limit_algorithm")
        self.algorithm = _coerce_enum(RateLimitAlgorithm, algorithm,
                                      "algorithm")

    @property
    def window_seconds(self) -> float:
        return self.window

    def __repr__(self) -> str:
        return ("RateLimit(key=%r, window=%r, capacity=%r, algorithm=%s)"
                % (self.key, self.window, self.capacity, self.algorithm.name))


class CallLimit(RateLimit):
    """A RateLimit on the number of calls (key ``"call_count"``)."""

    def __init__(self, window: Any = None, capacity: float = 0,
                 algorithm: Any = None, *, per: Any = None,
                 window_seconds: Any = None, key: str = "call_count") -> None:
        super().__init__("call_count", window, capacity, algorithm, per=per,
                         window_seconds=window_seconds)

    def __repr__(self) -> str:
        return "CallLimit(window=%r, capacity=%r, algorithm=%s)" % (
            self.window, self.capacity, self.algorithm.name)


class ResourceLimit(Limit):
    """A counting semaphore: at most ``capacity`` units held at a time."""

    def __init__(self, key: str, capacity: float) -> None:
        self.key = str(key)
        self.capacity = capacity
        self._check_capacity()

    def __repr__(self) -> str:
        return "ResourceLimit(key=%r, capacity=%r)" % (self.key,
                                                      self.capacity)


__all__ += ["Limit", "RateLimit", "CallLimit", "ResourceLimit"]


# ---- the state of one limit (in-memory backing) ----

class _RateState:
    """The state of one RateLimit: how long a request of n must wait, take
    n, give back unused units where the algorithm allows."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self.capacity = float(limit.capacity)
        self.window = limit.window
        self.rate = self.capacity / self.window
        self.algorithm = limit.algorithm
        now = time.monotonic()
        self.tokens = self.capacity     # token bucket
        self.level = 0.0                # leaky bucket
        self.stamp = now
        self.events: collections.deque[Tuple[float, float]] = \
            collections.deque()         # sliding window
        self.window_start = now         # fixed window
        self.count = 0.0
        self.tat = now                  # GCRA
        self.used_total = 0.0

    def _refill(self, now: float) -> None:
        elapsed = max(now - self.stamp, 0.0)
        self.stamp = now
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.level = max(0.0, self.level - elapsed * self.rate)
        while self.events and self.events[0][0] <= now - self.window:
            self.events.popleft()
        if now >= self.window_start + self.window:
            self.window_start += ((now - self.window_start) // self.window) \
                * self.window
            self.count = 0.0

    def wait_time(self, n: float, now: float) -> float:
        self._refill(now)
        algorithm = self.algorithm
        if algorithm is RateLimitAlgorithm.TokenBucket:
            return 0.0 if self.tokens >= n - 1e-9 else \
                (n - self.tokens) / self.rate
        if algorithm is RateLimitAlgorithm.LeakyBucket:
            over = self.level + n - self.capacity
            return 0.0 if over <= 1e-9 else over / self.rate
        if algorithm is RateLimitAlgorithm.SlidingWindow:
            total = sum(amount for _, amount in self.events)
            if total + n <= self.capacity + 1e-9:
                return 0.0
            for stamp, amount in self.events:
                total -= amount
                if total + n <= self.capacity + 1e-9:
                    return max(stamp + self.window - now, 1e-6)
            return self.window
        if algorithm is RateLimitAlgorithm.FixedWindow:
            if self.count + n <= self.capacity + 1e-9:
                return 0.0
            return max(self.window_start + self.window - now, 1e-6)
        # GCRA: the theoretical arrival time may run at most a window ahead
        interval = self.window / self.capacity
        new_tat = max(self.tat, now) + n * interval
        ahead = new_tat - now - self.window
        return 0.0 if ahead <= 1e-9 else ahead

    def take(self, n: float, now: float) -> None:
        algorithm = self.algorithm
        self.used_total += n
        if algorithm is RateLimitAlgorithm.TokenBucket:
            self.tokens -= n
        elif algorithm is RateLimitAlgorithm.LeakyBucket:
            self.level += n
        elif algorithm is RateLimitAlgorithm.SlidingWindow:
            self.events.append((now, n))
        elif algorithm is RateLimitAlgorithm.FixedWindow:
            self.count += n
        else:
            self.tat = max(self.tat, now) + n * (self.window / self.capacity)

    def refund(self, n: float) -> None:
        if n <= 0:
            return
        self.used_total -= n
        if self.algorithm is RateLimitAlgorithm.TokenBucket:
            self.tokens = min(self.capacity, self.tokens + n)
        elif self.algorithm is RateLimitAlgorithm.GCRA:
            self.tat -= n * (self.window / self.capacity)

    def stats(self) -> Dict[str, Any]:
        self._refill(time.monotonic())
        return {"key": self.limit.key, "type": type(self.limit).__name__,
                "capacity": self.limit.capacity, "window": self.window,
                "algorithm": self.algorithm.name,
                "available": (self.tokens if self.algorithm is
                              RateLimitAlgorithm.TokenBucket else None),
                "used_total": self.used_total}


class _ResourceState:
    def __init__(self, limit: ResourceLimit) -> None:
        self.limit = limit
        self.capacity = float(limit.capacity)
        self.held = 0.0

    def wait_time(self, n: float, now: float) -> float:
        return 0.0 if self.held + n <= self.capacity + 1e-9 else float("inf")

    def take(self, n: float, now: float) -> None:
        self.held += n

    def give_back(self, n: float) -> None:
        self.held = max(0.0, self.held - n)

    def stats(self) -> Dict[str, Any]:
        return {"key": self.limit.key, "type": "ResourceLimit",
                "capacity": self.limit.capacity, "held": self.held,
                "available": self.capacity - self.held}


class _LocalLimits:
    """All-or-nothing acquisition over the states of a set's limits, under
    one condition: a waiter sleeps until the earliest moment its request
    can fit, or until units are given back (no polling)."""

    def __init__(self, limits: Sequence[Limit]) -> None:
        self.cond = threading.Condition()
        self.states: Dict[str, Any] = {}
        for limit in limits:
            if isinstance(limit, RateLimit):
                self.states[limit.key] = _RateState(limit)
            else:
                self.states[limit.key] = _ResourceState(
                    cast(ResourceLimit, limit))

    def acquire(self, amounts: Dict[str, float], timeout: Optional[float],
                block: bool = True) -> Any:
        """-> a token for release(), or None (timeout, or would block)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.cond:
            while True:
                now = time.monotonic()
                wait = max((self.states[k].wait_time(n, now)
                            for k, n in amounts.items()), default=0.0)
                if wait <= 0.0:
                    for key, n in amounts.items():
                        self.states[key].take(n, now)
                    return dict(amounts)
                if not block:
                    return None
                if deadline is not None:
                    remaining = deadline - now
                    if remaining <= 0:
                        return None
                    wait = min(wait, remaining)
                self.cond.wait(None if wait == float("inf") else wait)

    def release(self, token: Any, used: Dict[str, float]) -> None:
        """Gives back resource units, and refunds the rate units not used
        (where the algorithm allows)."""
        with self.cond:
            for key, n in token.items():
                state = self.states[key]
                if isinstance(state, _ResourceState):
                    state.give_back(n)
                elif key in used and used[key] < n:
                    state.refund(n - used[key])
            self.cond.notify_all()

    def stats(self) -> Dict[str, Any]:
        with self.cond:
            return {key: state.stats() for key, state in self.states.items()}


class _CLimits:
    """The state of a set's limits in a Concurra.LimitSet (the C limiter:
    all-or-nothing, FIFO per limit, sleeping until the next unit is due)."""

    def __init__(self, limits: Sequence[Limit]) -> None:
        made = []
        for limit in limits:
            if isinstance(limit, CallLimit):
                made.append(_GLimit.new_call(limit.window,
                                             int(limit.capacity),
                                             _gi_arg(limit.algorithm)))
            elif isinstance(limit, RateLimit):
                made.append(_GLimit.new_rate(limit.key, limit.window,
                                             int(limit.capacity),
                                             _gi_arg(limit.algorithm)))
            else:
                made.append(_GLimit.new_resource(limit.key,
                                                 int(limit.capacity)))
        self.gset = _GLimitSet.new(made)

    @staticmethod
    def fits(limits: Sequence[Limit]) -> bool:
        return _GLimitSet is not None and all(
            float(limit.capacity).is_integer() for limit in limits)

    def acquire(self, amounts: Dict[str, float], timeout: Optional[float],
                block: bool = True) -> Any:
        keys = list(amounts)
        units = [int(-(-amounts[k] // 1)) for k in keys]    # round up
        try:
            if not block:
                acquisition = self.gset.try_acquire(keys, units)
                return acquisition if acquisition.is_successful() else None
            # in a worker's lane, stopping the worker ends the wait
            return self.gset.acquire(keys, units,
                                     -1.0 if timeout is None else timeout,
                                     getattr(_in_lane, "cancellable", None))
        except GLib.Error as error:
            if _ov._is_timeout(error):
                return None
            if error.matches(_ov.Gio.io_error_quark(),
                             _ov.Gio.IOErrorEnum.CANCELLED):
                raise concurrent.futures.CancelledError(
                    "the call was cancelled while it waited for its "
                    "limits") from None
            raise ValueError(error.message) from None

    def release(self, token: Any, used: Dict[str, float]) -> None:
        for key, value in used.items():
            token.update(key, min(int(value), token.get_amount(key)))
        try:
            token.release()
        except GLib.Error:
            pass    # not all updated: Python raises its own error for it

    def stats(self) -> Dict[str, Any]:
        return _variant_dict(self.gset.get_stats())


_GLimit: Any = getattr(GI, "Limit", None)
_GLimitSet: Any = getattr(GI, "LimitSet", None)


# ---- limits shared across processes: the parent owns the state ----

class _LimitServer:
    """Serves one process-mode LimitSet's state to worker processes over a
    Unix socket in a private directory: a JSON line per request, one thread
    per connected process (a waiting acquire blocks only its own)."""

    def __init__(self, backend: Any, keys: Iterable[str]) -> None:
        self.backend = backend
        self.keys = set(keys)
        self.tokens: Dict[int, Any] = {}
        self.numbers = itertools.count(1)
        self.dir = tempfile.mkdtemp(prefix="concurra-limits-")
        self.address = os.path.join(self.dir, "socket")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.address)
        self.sock.listen(64)
        thread = threading.Thread(target=self._accept, daemon=True,
                                  name="concurra-limits")
        thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True,
                             name="concurra-limits-client").start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rwb") as stream:
            for line in stream:
                try:
                    request = json.loads(line)
                    reply = self._handle(request)
                except Exception as exc:  # a bad request ends this client
                    LOGGER.warning("concurra: bad limit request: %s", exc)
                    return
                stream.write(json.dumps(reply).encode() + b"\n")
                stream.flush()

    def _handle(self, request: Dict[str, Any]) -> Any:
        op = request.get("op")
        if op == "acquire":
            amounts = {str(k): float(v)
                       for k, v in dict(request["amounts"]).items()
                       if k in self.keys}
            timeout = request.get("timeout")
            token = self.backend.acquire(
                amounts, None if timeout is None else float(timeout),
                bool(request.get("block", True)))
            if token is None:
                return None
            number = next(self.numbers)
            self.tokens[number] = token
            return number
        if op == "release":
            token = self.tokens.pop(int(request["token"]), None)
            if token is not None:
                self.backend.release(
                    token, {str(k): float(v) for k, v in
                            dict(request["used"]).items() if k in self.keys})
            return True
        if op == "stats":
            return self.backend.stats()
        raise ValueError("unknown op %r" % (op,))


class _RemoteLimits:
    """The client side of _LimitServer, in a worker process."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.local = threading.local()

    def _request(self, request: Dict[str, Any]) -> Any:
        stream = getattr(self.local, "stream", None)
        if stream is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(self.address)
            stream = self.local.stream = sock.makefile("rwb")
            self.local.sock = sock
        stream.write(json.dumps(request).encode() + b"\n")
        stream.flush()
        return json.loads(stream.readline())

    def acquire(self, amounts: Dict[str, float], timeout: Optional[float],
                block: bool = True) -> Any:
        return self._request({"op": "acquire", "amounts": amounts,
                              "timeout": timeout, "block": block})

    def release(self, token: Any, used: Dict[str, float]) -> None:
        self._request({"op": "release", "token": token, "used": used})

    def stats(self) -> Dict[str, Any]:
        return dict(self._request({"op": "stats"}))


# ---- sets, acquisitions, pools ----

_IN_MEMORY_MODES = (ExecutionMode.Sync, ExecutionMode.Threads,
                    ExecutionMode.Asyncio)


class Acquisition:
    """What was taken of one limit."""

    __slots__ = ("limit", "requested", "used", "needs_update")

    def __init__(self, limit: Limit, requested: float,
                 needs_update: bool) -> None:
        self.limit = limit
        self.requested = requested
        self.used: Optional[float] = None
        self.needs_update = needs_update

    def __repr__(self) -> str:
        return "Acquisition(%r, requested=%r, used=%r)" % (
            self.limit.key, self.requested, self.used)


class LimitSetAcquisition:
    """An acquisition of a LimitSet: a context manager that gives back what
    was not used on exit. ``update(usage={key: used})`` reports real use;
    every RateLimit taken must be updated before the exit."""

    def __init__(self, limit_set: "LimitSet",
                 acquisitions: Dict[str, Acquisition],
                 successful: bool = True, token: Any = None) -> None:
        self.limit_set = limit_set
        self.token = token
        self.acquisitions = acquisitions
        self.successful = successful
        self.config = dict(limit_set.config)
        self.released = not successful

    def update(self, usage: Mapping[str, float]) -> None:
        if self.released and self.successful:
            raise RuntimeError("Cannot update an acquisition that was "
                               "already released")
        for key, used in usage.items():
            acq = self.acquisitions.get(key)
            if acq is None:
                LOGGER.warning("Ignoring usage update for %r: it was not "
                               "acquired (acquired: %s)", key,
                               sorted(self.acquisitions))
                continue
            if used < 0:
                raise ValueError("usage of %r must be >= 0, got %r"
                                 % (key, used))
            if used > acq.requested:
                LOGGER.warning("Usage of %r (%r) is above what was "
                               "requested (%r)", key, used, acq.requested)
            acq.used = used

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        if self.token is None:
            return
        used = {key: float(acq.used) for key, acq in self.acquisitions.items()
                if acq.used is not None}
        self.limit_set._backend.release(self.token, used)

    def __enter__(self) -> "LimitSetAcquisition":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if not self.successful:
            return
        missing = [key for key, acq in self.acquisitions.items()
                   if acq.needs_update and acq.used is None]
        self.release()
        if missing and exc_type is None:
            raise RuntimeError(
                "Not all limits in the LimitSet were updated: call "
                "acq.update(usage={...}) for %s before the end of the "
                "'with' block" % ", ".join(repr(k) for k in missing))

    def __repr__(self) -> str:
        return "<LimitSetAcquisition %s%s>" % (
            list(self.acquisitions.values()),
            "" if self.successful else " (not successful)")


class LimitSet:
    """A thread-safe set of limits, acquired all-or-nothing.

    ``mode`` says where it is used: ``"sync"``, ``"thread"`` and
    ``"asyncio"`` keep the state in this process; ``"process"`` lets the
    worker processes of process-mode workers share it (this process owns
    the state and they ask it). ``shared=False`` sets must use mode
    ``"sync"``."""

    def __init__(self, limits: Iterable[Limit], shared: bool = True,
                 mode: Any = "sync", config: Optional[Mapping[str, Any]] = None
                 ) -> None:
        limits = list(limits)
        for limit in limits:
            if not isinstance(limit, Limit):
                raise ValueError("LimitSet takes Limit objects (RateLimit, "
                                 "CallLimit, ResourceLimit), got %r"
                                 % (limit,))
        keys = [limit.key for limit in limits]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError("LimitSet has duplicate limit keys: %s"
                             % ", ".join(duplicates))
        self.shared = _check_bool("shared", shared)
        self.mode = _coerce_enum(ExecutionMode, mode, "mode")
        if self.mode is ExecutionMode.Ray:
            raise ValueError(_RAY_TEXT)
        if not self.shared and self.mode is not ExecutionMode.Sync:
            raise ValueError("A LimitSet with shared=False must use mode "
                             "'sync', got mode %r" % self.mode.value)
        self.limits = limits
        self.config = dict(config or {})
        self._by_key = {limit.key: limit for limit in limits}
        self._backend: Any = (_CLimits(limits) if _CLimits.fits(limits)
                              else _LocalLimits(limits))
        self._server: Optional[_LimitServer] = None
        self._warned: set = set()
        self._lock = threading.Lock()

    def __getitem__(self, key: str) -> Limit:
        return self._by_key[key]

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __len__(self) -> int:
        return len(self.limits)

    def __iter__(self) -> Iterator[Limit]:
        return iter(self.limits)

    def __repr__(self) -> str:
        return "LimitSet(%r, shared=%r, mode=%r)" % (
            self.limits, self.shared, self.mode.value)

    def __reduce__(self) -> Any:
        if self.mode is ExecutionMode.Processes and self.shared:
            with self._lock:
                if self._server is None and \
                        not isinstance(self._backend, _RemoteLimits):
                    self._server = _LimitServer(self._backend,
                                                self._by_key)
            address = (self._server.address if self._server is not None
                       else self._backend.address)
            return (_remote_limit_set, (address, self.limits, self.config))
        return (LimitSet, (self.limits, self.shared, self.mode.value,
                           self.config))

    def _amounts(self, requested: Optional[Mapping[str, float]]
                 ) -> Dict[str, Acquisition]:
        taken: Dict[str, Acquisition] = {}
        if requested is None:
            for limit in self.limits:
                if isinstance(limit, RateLimit) and \
                        not isinstance(limit, CallLimit):
                    raise ValueError(
                        "Must specify requested amount for RateLimit %r: "
                        "acquire(requested={%r: amount})"
                        % (limit.key, limit.key))
            requested = {}
        unknown = [k for k in requested if k not in self._by_key]
        for key in unknown:
            if key not in self._warned and self.limits:
                self._warned.add(key)
                LOGGER.warning("Ignoring unknown limit key %r; available "
                               "keys: %s", key, sorted(self._by_key))
        for limit in self.limits:
            is_call = isinstance(limit, CallLimit)
            if limit.key in requested:
                amount = requested[limit.key]
            elif is_call or isinstance(limit, ResourceLimit):
                amount = 1
            else:
                continue
            if isinstance(amount, bool) or not isinstance(amount,
                                                          (int, float)) \
                    or amount < 0:
                raise ValueError("requested amount of %r must be a number "
                                 ">= 0, got %r" % (limit.key, amount))
            if amount > limit.capacity:
                raise ValueError(
                    "Requested %r of %r, above its capacity %r: it could "
                    "never be granted" % (amount, limit.key, limit.capacity))
            needs_update = (isinstance(limit, RateLimit) and
                            (not is_call or amount > 1))
            taken[limit.key] = Acquisition(limit, amount, needs_update)
        return taken

    def acquire(self, requested: Optional[Mapping[str, float]] = None,
                timeout: Optional[float] = None) -> LimitSetAcquisition:
        """Wait until everything requested fits, take it all at once;
        TimeoutError after ``timeout`` seconds."""
        taken = self._amounts(requested)
        amounts = {k: float(a.requested) for k, a in taken.items()}
        token = None
        if amounts:
            token = self._backend.acquire(amounts, timeout)
            if token is None:
                raise TimeoutError(
                    "Could not acquire %s within %s seconds"
                    % (", ".join("%s=%s" % kv for kv in amounts.items()),
                       timeout))
        return LimitSetAcquisition(self, taken, token=token)

    def try_acquire(self, requested: Optional[Mapping[str, float]] = None
                    ) -> LimitSetAcquisition:
        """Take everything requested if it fits now; ``.successful`` says
        whether it did (an unsuccessful one is a no-op context manager)."""
        taken = self._amounts(requested)
        amounts = {k: float(a.requested) for k, a in taken.items()}
        token = None
        if amounts:
            token = self._backend.acquire(amounts, 0.0, block=False)
            if token is None:
                return LimitSetAcquisition(self, taken, successful=False)
        return LimitSetAcquisition(self, taken, token=token)

    async def async_acquire(self, requested: Optional[Mapping[str, float]]
                            = None, timeout: Optional[float] = None
                            ) -> LimitSetAcquisition:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            None, functools.partial(self.acquire, requested, timeout))

    def get_stats(self) -> Dict[str, Any]:
        return dict(self._backend.stats())


def _limit_set_on(backend: Any, limits: List[Limit],
                  config: Dict[str, Any]) -> LimitSet:
    """A process-mode LimitSet, in a worker process, whose state another
    process keeps."""
    limit_set = LimitSet.__new__(LimitSet)
    limit_set.shared = True
    limit_set.mode = ExecutionMode.Processes
    limit_set.limits = limits
    limit_set.config = config
    limit_set._by_key = {limit.key: limit for limit in limits}
    limit_set._backend = backend
    limit_set._server = None
    limit_set._warned = set()
    limit_set._lock = threading.Lock()
    return limit_set


def _remote_limit_set(address: str, limits: List[Limit],
                      config: Dict[str, Any]) -> LimitSet:
    return _limit_set_on(_RemoteLimits(address), limits, config)


class _ChannelLimits:
    """In a process lane's worker process: the limits of its worker
    (Concurra.Worker:limits), which the parent keeps and serves over the
    worker's own channel (Concurra.Worker.acquire_limits)."""

    def acquire(self, amounts: Dict[str, float], timeout: Optional[float],
                block: bool = True) -> Any:
        keys = list(amounts)
        units = [int(-(-amounts[k] // 1)) for k in keys]    # round up
        wait = 0.0 if not block else (-1.0 if timeout is None else timeout)
        try:
            return _GWorker.acquire_limits(keys, units, wait)
        except GLib.Error as error:
            if _ov._is_timeout(error):
                return None
            raise ValueError(error.message) from None

    def release(self, token: Any, used: Dict[str, float]) -> None:
        keys = list(used)
        try:
            _GWorker.release_limits(token, keys,
                                    [int(used[k]) for k in keys])
        except GLib.Error:
            pass    # not all updated: Python raises its own error for it

    def stats(self) -> Dict[str, Any]:
        return {}


def _channel_limit_pool(limits: List[Limit], config: Dict[str, Any],
                        index: int) -> "LimitPool":
    return LimitPool([_limit_set_on(_ChannelLimits(), limits, config)])


def _channel_set(pool: "LimitPool") -> Optional[LimitSet]:
    """The one C-backed set of a process worker's limits, which the
    worker's channel can serve; None for pools of several sets and sets
    kept in Python (served over a socket instead)."""
    sets = pool.limit_sets
    if len(sets) == 1 and isinstance(sets[0]._backend, _CLimits):
        return sets[0]
    return None


class LimitPool:
    """Several LimitSets behind one acquire(): each acquisition goes to one
    set, in turn from ``worker_index`` (round robin) or at random;
    ``acq.config`` tells which."""

    def __init__(self, limit_sets: Iterable[LimitSet],
                 load_balancing: Any = "round_robin",
                 worker_index: int = 0) -> None:
        self.limit_sets = list(limit_sets)
        for item in self.limit_sets:
            if not isinstance(item, LimitSet):
                raise ValueError("LimitPool takes LimitSets, got %r"
                                 % (item,))
        self.load_balancing = _coerce_enum(LoadBalancingAlgorithm,
                                           load_balancing, "load_balancing")
        if self.load_balancing not in (LoadBalancingAlgorithm.RoundRobin,
                                       LoadBalancingAlgorithm.Random):
            raise ValueError("LimitPool balances with round_robin or random, "
                             "got %r" % self.load_balancing.value)
        self.worker_index = _check_int("worker_index", worker_index, 0)
        self._counter = itertools.count(self.worker_index)

    def _pick(self) -> LimitSet:
        if not self.limit_sets:
            return _EMPTY_SET
        if self.load_balancing is LoadBalancingAlgorithm.Random:
            return random.choice(self.limit_sets)
        return self.limit_sets[next(self._counter) % len(self.limit_sets)]

    def acquire(self, requested: Optional[Mapping[str, float]] = None,
                timeout: Optional[float] = None) -> LimitSetAcquisition:
        return self._pick().acquire(requested, timeout)

    def try_acquire(self, requested: Optional[Mapping[str, float]] = None
                    ) -> LimitSetAcquisition:
        return self._pick().try_acquire(requested)

    async def async_acquire(self, requested: Optional[Mapping[str, float]]
                            = None, timeout: Optional[float] = None
                            ) -> LimitSetAcquisition:
        return await self._pick().async_acquire(requested, timeout)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, str):
            for limit_set in self.limit_sets:
                if index in limit_set:
                    return limit_set[index]
            raise KeyError(index)
        return self.limit_sets[index]

    def __len__(self) -> int:
        return len(self.limit_sets)

    def __iter__(self) -> Iterator[LimitSet]:
        return iter(self.limit_sets)

    def get_stats(self) -> Dict[str, Any]:
        return {"num_limit_sets": len(self.limit_sets),
                "load_balancing": self.load_balancing.name,
                "limit_sets": [s.get_stats() for s in self.limit_sets]}

    def __repr__(self) -> str:
        return "LimitPool(%r, load_balancing=%r)" % (
            self.limit_sets, self.load_balancing.value)


_EMPTY_SET = LimitSet([])

__all__ += ["LimitSet", "LimitPool", "Acquisition", "LimitSetAcquisition"]


def _set_mode_for(mode: ExecutionMode) -> str:
    return "process" if mode is ExecutionMode.Processes else \
        ("thread" if mode is ExecutionMode.Threads else str(mode.value))


def _check_compatible(limit_set: LimitSet, mode: ExecutionMode) -> None:
    ok = (limit_set.mode is ExecutionMode.Processes or
          (mode in _IN_MEMORY_MODES and limit_set.mode in _IN_MEMORY_MODES))
    if not ok:
        raise ValueError(
            "LimitSet of mode %r is not compatible with a worker of mode "
            "%r: make it with LimitSet(..., mode=%r)"
            % (limit_set.mode.value, mode.value, _set_mode_for(mode)))


def _limit_pools(limits: Any, mode: ExecutionMode, pool: bool
                 ) -> Callable[[int], LimitPool]:
    """-> a function making the LimitPool of worker i from the ``limits``
    option, checked now."""
    if limits is None or (isinstance(limits, (list, tuple)) and not limits):
        return lambda index: LimitPool([])
    if isinstance(limits, Limit):
        limits = [limits]
    if isinstance(limits, LimitPool):
        sets = list(limits.limit_sets)
        balancing = limits.load_balancing
    elif isinstance(limits, LimitSet):
        sets = [limits]
        balancing = LoadBalancingAlgorithm.RoundRobin
    elif isinstance(limits, (list, tuple)) and \
            all(isinstance(x, Limit) for x in limits):
        shared = LimitSet(limits, shared=True, mode=_set_mode_for(mode))
        return lambda index: LimitPool([shared])
    elif isinstance(limits, (list, tuple)) and \
            all(isinstance(x, LimitSet) for x in limits):
        sets = list(limits)
        balancing = LoadBalancingAlgorithm.RoundRobin
    else:
        raise ValueError("limits must be a list of Limits, a LimitSet, a "
                         "list of LimitSets or a LimitPool, got %r"
                         % (limits,))
    checked = []
    for limit_set in sets:
        if not limit_set.shared:
            if pool:
                raise ValueError(
                    "A LimitSet with shared=False cannot be given to a pool "
                    "of workers: make it with shared=True so that all "
                    "workers share it")
            warnings.warn("A LimitSet with shared=False was given to a "
                          "worker; it gets its own copy of the limits",
                          UserWarning, stacklevel=4)
            limit_set = LimitSet(limit_set.limits, shared=True,
                                 mode=_set_mode_for(mode),
                                 config=limit_set.config)
        _check_compatible(limit_set, mode)
        checked.append(limit_set)
    return lambda index: LimitPool(checked, balancing,
                                   worker_index=index % max(len(checked), 1))


# ---------------------------------------------------------------------------
# options (§4)

_RAY_TEXT = ("Ray mode is not supported by concurra-glib (there is no Ray "
             "here); use mode='process' for local processes, or command "
             "tasks for a cluster")

_OPTION_NAMES = frozenset((
    "mode", "blocking", "max_workers", "load_balancing", "on_demand",
    "max_queued_tasks", "unwrap_futures", "limits", "num_retries",
    "retry_on", "retry_algorithm", "retry_wait", "retry_jitter",
    "retry_until", "mp_context", "actor_options", "num_cpus", "num_gpus",
    "resources", "item_timeout", "name"))


class _ClassOptions(dict):
    """Options recorded on a class; they stay in this process (a class
    shipped by value to a worker process carries none)."""

    def __reduce__(self) -> Any:
        return (_ClassOptions, ())


def _coerce_options(options: Mapping[str, Any]) -> Dict[str, Any]:
    """Checks and coerces the options given (not the defaults)."""
    out: Dict[str, Any] = {}
    for key, value in options.items():
        if key == "mode":
            value = _coerce_enum(ExecutionMode, value, "mode")
            if value is ExecutionMode.Auto:
                value = ExecutionMode.Threads
        elif key in ("blocking", "on_demand", "unwrap_futures"):
            value = _check_bool(key, value)
        elif key == "max_workers":
            if value is not None:
                value = _check_int(key, value, 0)
        elif key == "max_queued_tasks":
            if value is not None:
                value = _check_int(key, value, 0)
        elif key == "load_balancing":
            if value is not None:
                value = _coerce_enum(LoadBalancingAlgorithm, value,
                                     "load_balancing")
        elif key == "mp_context":
            if value not in ("fork", "spawn", "forkserver", None):
                raise ValueError("mp_context must be 'fork', 'spawn' or "
                                 "'forkserver', got %r" % (value,))
        elif key in _RETRY_OPTIONS:
            pass    # checked per method when the worker starts
        out[key] = value
    return out


def _resolve(worker_cls: type, options: Mapping[str, Any]) -> Dict[str, Any]:
    """Options given + class defaults + global_config -> every option."""
    merged: Dict[str, Any] = {}
    decorated = getattr(worker_cls, "_concurry_options", None)
    if decorated:
        # the decorator's options replace those of class keywords
        merged.update(decorated)
    else:
        for klass in reversed(worker_cls.__mro__):
            merged.update(klass.__dict__.get("_concurry_class_options", {}))
    merged.update(options)
    if "mode" not in merged:
        raise ValueError(
            "mode is required: %s.options(mode='thread' | 'process' | "
            "'asyncio' | 'sync', ...)" % worker_cls.__name__)
    mode = merged["mode"]
    if mode is ExecutionMode.Ray:
        raise ValueError(_RAY_TEXT)
    key = str(mode.value)
    for name in ("blocking", "unwrap_futures", "on_demand"):
        merged.setdefault(name, global_config.get(name, key))
    # not given: one worker (the per-mode max_workers of global_config is
    # the size of Executor() and @task pools)
    merged.setdefault("max_workers", None)
    if "max_queued_tasks" not in merged:
        merged["max_queued_tasks"] = global_config.get("max_queued_tasks",
                                                       key)
    if merged.get("load_balancing") is None:
        merged["load_balancing"] = _coerce_enum(
            LoadBalancingAlgorithm, global_config.get(
                "load_balancing_on_demand" if merged["on_demand"]
                else "load_balancing", key), "load_balancing")
    merged.setdefault("limits", None)
    return merged


_MODE_TITLE = {ExecutionMode.Sync: "Sync", ExecutionMode.Asyncio: "Asyncio"}


def _check_mode_options(merged: Dict[str, Any]) -> None:
    mode = merged["mode"]
    if mode in _MODE_TITLE:
        title = _MODE_TITLE[mode]
        if merged["max_workers"] not in (None, 1):
            raise ValueError("max_workers must be 1 for %s mode, got %r"
                             % (title, merged["max_workers"]))
        if merged["on_demand"]:
            raise ValueError("on_demand mode is not supported for %s "
                             "execution" % title)


class WorkerBuilder:
    """What ``Cls.options(...)`` returns: nothing runs until ``init()``."""

    def __init__(self, worker_cls: type, options: Mapping[str, Any]) -> None:
        self.worker_cls = worker_cls
        self._options = _coerce_options(options)
        # an unknown mode or bad value fails here, at options()
        _resolve(worker_cls, self._options) if "mode" in self._options \
            else None

    def options(self, **options: Any) -> "WorkerBuilder":
        return WorkerBuilder(self.worker_cls, dict(self._options, **options))

    def init(self, *args: Any, **kwargs: Any) -> Any:
        """Start the worker (or pool) and construct the class in it with
        these arguments."""
        return _start(self.worker_cls, self._options, args, kwargs)

    def __repr__(self) -> str:
        return "<WorkerBuilder %s %r>" % (self.worker_cls.__name__,
                                          self._options)


# ---------------------------------------------------------------------------
# the Worker base class and @worker (§3)

_constructing = threading.local()


def _construct(cls: type, args: Tuple[Any, ...], kwargs: Dict[str, Any],
               limits: Any) -> Any:
    """Makes the user's instance in a lane (never a proxy)."""
    _constructing.limits = limits
    try:
        instance = cls(*args, **kwargs)
    finally:
        _constructing.limits = _NO_ARG
    if getattr(instance, "limits", None) is not limits:
        try:
            object.__setattr__(instance, "limits", limits)
        except (AttributeError, TypeError):
            pass
    return instance


class Worker:
    """Concurry's worker base class: subclass it, then start instances with
    ``MyWorker.options(mode="thread").init(*args)``. Each public method of
    the running worker returns a future.

    ``Worker.register``, ``Worker.main`` and ``Worker.is_registered`` are
    the introspected ``concurra_worker_register/main/is_registered``."""

    _concurry_options: Optional[_ClassOptions] = None
    _concurry_autostart = False
    limits: Any

    def __init_subclass__(cls, **options: Any) -> None:
        super().__init_subclass__()
        if options:
            setattr(cls, "_concurry_class_options",
                    _ClassOptions(_coerce_options(options)))

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Worker:
            raise TypeError(
                "Worker cannot be instantiated directly: subclass it (or "
                "decorate a class with @worker) and start it with "
                "MyWorker.options(mode=...).init(...)")
        limits = getattr(_constructing, "limits", _NO_ARG)
        if limits is _NO_ARG and cls.__dict__.get("_concurry_autostart"):
            return _start(cls, {}, args, kwargs)
        _constructing.limits = _NO_ARG
        base_new = super().__new__
        if base_new is object.__new__:
            instance = object.__new__(cls)
        else:
            instance = base_new(cls, *args, **kwargs)
        if limits is not _NO_ARG:
            try:
                object.__setattr__(instance, "limits", limits)
            except (AttributeError, TypeError):
                pass
        return instance

    @classmethod
    def options(cls, **options: Any) -> WorkerBuilder:
        """A builder with these options (over the class's defaults)."""
        return WorkerBuilder(cls, options)

    @classmethod
    def init(cls, *args: Any, **kwargs: Any) -> Any:
        """Start one with the class's default options."""
        return WorkerBuilder(cls, {}).init(*args, **kwargs)

    register = staticmethod(worker_register)
    main = staticmethod(worker_main)
    is_registered = staticmethod(worker_is_registered)


def worker(cls: Any = None, **options: Any) -> Any:
    """``@worker`` makes a class a Worker; ``@worker(mode=..., ...)`` also
    records default options and makes ``Cls(*args)`` start a worker."""
    if cls is None:
        return lambda klass: worker(klass, **options)
    if not isinstance(cls, type):
        raise TypeError("@worker can only decorate a class, got %s"
                        % type(cls).__name__)
    if not options and issubclass(cls, Worker):
        return cls
    coerced = _coerce_options(options)
    if coerced:
        inherited = any("_concurry_class_options" in k.__dict__
                        for k in cls.__mro__)
        if inherited:
            warnings.warn(
                "%s: options given both by the @worker decorator and by "
                "class keyword arguments through inheritance; this is an "
                "anti-pattern (the decorator's options win)" % cls.__name__,
                UserWarning, stacklevel=3)
        if "mode" in coerced:
            _resolve(cls, coerced)
    bases = (cls,) if issubclass(cls, Worker) else (cls, Worker)
    namespace: Dict[str, Any] = {"__module__": cls.__module__,
                 "__qualname__": cls.__qualname__,
                 "__doc__": cls.__doc__}
    if "__slots__" in cls.__dict__:
        namespace["__slots__"] = ()
    meta = type(cls)
    new_cls = meta(cls.__name__, bases, namespace)
    if coerced:
        earlier = cls.__dict__.get("_concurry_options") or {}
        # stacked decorators: the outermost (applied last) wins
        setattr(new_cls, "_concurry_options",
                _ClassOptions(dict(earlier, **coerced)))
        setattr(new_cls, "_concurry_autostart", True)
    return new_cls


__all__ += ["Worker", "worker", "WorkerBuilder"]


# ---------------------------------------------------------------------------
# future arguments (§5)

_PLAIN = (int, float, str, bytes, bool, type(None))
_FUTURE_TYPES = (concurrent.futures.Future, asyncio.Future)


def _has_future(value: Any) -> bool:
    kind = type(value)
    if kind in _PLAIN:
        return False
    if kind is tuple or kind is list:
        # the common case, a call's arguments: no generator, no isinstance
        for item in value:
            if type(item) not in _PLAIN and _has_future(item):
                return True
        return False
    if isinstance(value, _FUTURE_TYPES) or isinstance(value, GI.Task):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_has_future(v) for v in value)
    if isinstance(value, dict):
        return any(_has_future(v) for v in value.values())
    return False


def _unwrap(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, _FUTURE_TYPES) or isinstance(value, GI.Task):
        return wrap_future(value).result()
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    if isinstance(value, tuple):
        items = [_unwrap(v) for v in value]
        if hasattr(value, "_fields"):   # a namedtuple
            return type(value)(*items)
        return tuple(items)
    if isinstance(value, (set, frozenset)):
        return type(value)(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return type(value)((k, _unwrap(v)) for k, v in value.items()) \
            if type(value) is dict else {k: _unwrap(v)
                                         for k, v in value.items()}
    return value


def _unwrap_call(args: Tuple[Any, ...], kwargs: Dict[str, Any]
                 ) -> Tuple[Tuple[Any, ...], Dict[str, Any]]:
    if _has_future(args) or (kwargs and _has_future(kwargs)):
        return tuple(_unwrap(a) for a in args), \
            {k: _unwrap(v) for k, v in kwargs.items()}
    return args, kwargs


# ---------------------------------------------------------------------------
# lanes: where a worker's instances live and its calls run

class _Lanes:
    """What every call of one worker needs in its lane: the class and its
    arguments, the instance of each lane, retries, limits."""

    def __init__(self, worker_cls: type, args: Tuple[Any, ...],
                 kwargs: Dict[str, Any], n_lanes: int,
                 retries: Dict[str, Optional[RetryConfig]],
                 limits_for: Callable[[int], LimitPool],
                 unwrap: bool) -> None:
        self.cls = worker_cls
        self.args = args
        self.kwargs = kwargs
        self.instances: List[Any] = [None] * n_lanes
        self.errors: List[Optional[BaseException]] = [None] * n_lanes
        self.retries = retries
        self.default_retry = retries.get("*")
        self.retries_by_name = len(retries) > 1
        self.limits_for = limits_for
        self.unwrap = unwrap
        # limits in this worker: a wait for them ends when it stops
        self.limited = True
        # the one retry setting the C worker applies (thread lanes)
        self.c_retry: Optional[RetryConfig] = None
        self.name = worker_cls.__name__
        self.stopping = threading.Event()

    def make(self, lane: int) -> None:
        try:
            self.instances[lane] = _construct(self.cls, self.args,
                                              self.kwargs,
                                              self.limits_for(lane))
            self.errors[lane] = None
        except BaseException as exc:  # noqa: B902 - each call raises it
            self.errors[lane] = exc

    def run(self, lane: int, name: str, args: Tuple[Any, ...],
            kwargs: Dict[str, Any]) -> Any:
        instance = self.instances[lane]
        if instance is None:
            if self.errors[lane] is None:
                self.make(lane)
            error = self.errors[lane]
            if error is not None:
                raise error
            instance = self.instances[lane]
        fn = getattr(instance, name)
        if self.unwrap and (args or kwargs):
            args, kwargs = _unwrap_call(args, kwargs)
        config = self.retries.get(name, self.default_retry) \
            if self.retries_by_name else self.default_retry
        if config is None or config is self.c_retry:
            value = fn(*args, **kwargs)
            if type(value) in _PLAIN or not inspect.isawaitable(value):
                return value
            return _run_coroutine(value)
        return _call_with_retries(fn, args, kwargs, config, name, self.name,
                                  self.stopping)


class _Call:
    """One call of a thread-lane worker: its outcome stays in Python."""

    __slots__ = ("lanes", "name", "args", "kwargs", "value", "exc",
                 "cancelled", "run")

    def __init__(self, lanes: _Lanes, name: str, args: Tuple[Any, ...],
                 kwargs: Dict[str, Any]) -> None:
        self.lanes = lanes
        self.name = name
        self.args = args
        self.kwargs = kwargs
        self.value = None
        self.exc: Optional[BaseException] = None
        self.cancelled = False
        self.run: Optional[_RetryRun] = None   # attempts retried in C

    def outcome(self, task: Any) -> Tuple[Any, Any]:
        if self.exc is not None:
            return self.exc, None
        status = task.get_status()
        if status == _S.SUCCESSFUL:
            return None, self.value
        error = task.get_error()
        run = self.run
        if run is not None and run.results and error is not None and \
                error.matches(_ov._CONCURRA_QUARK, int(_E.INVALID_RESULT)):
            return run.validation_error(len(run.results)), None
        return _error_exception(error, self.cancelled), None


# The retries of a thread worker with one retry setting for all its methods
# are the C worker's: its waits hold no thread. These run where an attempt
# ended, on the lane's thread, right after _lane_call: the call is the one
# that thread ran last.

def _lane_retry_filter(task: Any, error: Any, attempt: int,
                       lanes: _Lanes) -> bool:
    call = getattr(_in_lane, "call", None)
    if call is None or call.exc is None or call.run is None:
        return False
    return _should_retry(call.run.config, call.exc, call.run.context(attempt))


def _lane_validate(task: Any, attempt: int, lanes: _Lanes) -> bool:
    call = getattr(_in_lane, "call", None)
    if call is None or call.run is None:
        return True
    run = call.run
    reason = _validate(run.config, call.value, run.context(attempt))
    if reason is None:
        return True
    run.results.append(call.value)
    run.reasons.append(reason)
    return False


def _lane_init(gworker: Any, lane: int, cancellable: Any,
               lanes: _Lanes) -> None:
    """The init function of a thread worker's lanes: runs on the lane."""
    _ov._pin_thread_state()
    lanes.make(lane)
    return None


# the cancellable of the call running in this thread (a thread lane's)
_in_lane = threading.local()


def _lane_call(task: Any, instance: Any, lane: int, cancellable: Any,
               call: _Call) -> None:
    """The function of one call: runs on its lane."""
    _ov._pin_thread_state()
    lanes = call.lanes
    if lanes.limited:
        _in_lane.cancellable = cancellable
    if lanes.c_retry is not None:
        # attempts are the C worker's: the filter and validator read these
        _in_lane.call = call
        call.exc = None
        if call.run is None:
            call.run = _RetryRun(lanes.c_retry, call.name, lanes.name,
                                 call.args, call.kwargs)
    try:
        value = lanes.run(lane, call.name, call.args, call.kwargs)
    except BaseException as exc:  # noqa: B902 - the call's error
        _in_lane.cancellable = None
        _fail_call(task, call, exc)
        return
    if lanes.limited:
        _in_lane.cancellable = None
    call.value = value
    if lanes.c_retry is None:
        call.args = call.kwargs = None   # type: ignore[assignment]


def _fail_call(task: Any, call: _Call, exc: BaseException) -> None:
    tb = exc.__traceback__
    exc.__traceback__ = tb.tb_next if tb is not None else None
    call.exc = exc
    if call.lanes.c_retry is None:
        call.args = call.kwargs = None   # type: ignore[assignment]
    try:
        error = GLib.Error.new_literal(
            _ov._PY_QUARK, _ov._c_string(_ov._summary(exc)), 0)
    except Exception:  # pragma: no cover - defensive
        error = GLib.Error.new_literal(_ov._PY_QUARK, type(exc).__name__, 0)
    task.return_error_full(error, _ov._c_string(
        _ov._format_exception(exc, exc.__traceback__)))


_GI_BALANCING = {
    LoadBalancingAlgorithm.RoundRobin: GI.LoadBalancing.ROUND_ROBIN,
    LoadBalancingAlgorithm.LeastActiveLoad: GI.LoadBalancing.LEAST_ACTIVE,
    LoadBalancingAlgorithm.LeastTotalLoad: GI.LoadBalancing.LEAST_TOTAL,
    LoadBalancingAlgorithm.Random: GI.LoadBalancing.RANDOM,
}


def _variant_dict(variant: Any) -> Dict[str, Any]:
    if variant is None:
        return {}
    value = variant.unpack() if hasattr(variant, "unpack") else variant
    return dict(value) if isinstance(value, dict) else {}


class _GLanes:
    """A worker on a Concurra.Worker (thread or process lanes)."""

    process = False

    def __init__(self, gi_mode: Any, n_lanes: int, opts: Dict[str, Any]
                 ) -> None:
        self.n_lanes = n_lanes
        queued = opts["max_queued_tasks"]
        # on-demand is a construct property: the GObject constructor
        gworker = self.gworker = _GWorker(
            mode=gi_mode, n_lanes=n_lanes, on_demand=bool(opts["on_demand"]),
            load_balancing=_GI_BALANCING[opts["load_balancing"]],
            max_queued=int(queued or 0))
        self.finalizer = weakref.finalize(self, gworker.stop)

    def stop(self) -> None:
        self.gworker.stop()

    def stats(self) -> Dict[str, Any]:
        """The C worker's statistics in the shape of the Python lanes':
        active / total per lane, dispatched, on_demand_active."""
        raw = _variant_dict(self.gworker.get_stats())
        lanes = sorted(raw.get("lanes") or [],
                       key=lambda lane: lane.get("index", 0))
        return {"active": [int(lane.get("active", 0)) for lane in lanes],
                "total": [int(lane.get("total", 0)) for lane in lanes],
                "queued": [int(lane.get("queued", 0)) for lane in lanes],
                "dispatched": int(raw.get("dispatched", 0)),
                "on_demand_active": int(raw.get("on-demand-active", 0))}

    def n_active(self) -> int:
        return int(self.gworker.get_n_active())


class _ThreadLanes(_GLanes):
    """Thread lanes: Python methods run on the library's threads."""

    def __init__(self, lanes: _Lanes, n_lanes: int, opts: Dict[str, Any]
                 ) -> None:
        super().__init__(GI.ExecutionMode.THREAD, n_lanes, opts)
        self.lanes = lanes
        self.gworker.set_init_func(_lane_init, lanes)
        config = lanes.default_retry
        if config is not None and not lanes.retries_by_name:
            self._retry_in_c(config)
        self.finalizer.detach()
        self.finalizer = weakref.finalize(self, _stop_lanes, self.gworker,
                                          lanes)

    def _retry_in_c(self, config: RetryConfig) -> None:
        gworker = self.gworker
        gworker.set_retries(config.num_retries)
        gworker.set_retry_algorithm(
            getattr(GI.RetryAlgorithm, config.retry_algorithm.name.upper()))
        gworker.set_retry_wait(config.retry_wait)
        gworker.set_retry_jitter(config.retry_jitter)
        gworker.set_retry_filter(_lane_retry_filter, self.lanes)
        if config.retry_until:
            gworker.set_validate_func(_lane_validate, self.lanes)
        self.lanes.c_retry = config

    def call(self, name: str, args: Tuple[Any, ...],
             kwargs: Dict[str, Any]) -> Any:
        call = _Call(self.lanes, name, args, kwargs)
        task = self.gworker.submit(name, _lane_call, call)
        return ConcurrentFuture._of_call(task, call)

    def caller(self, name: str, proxy: "WorkerProxy") -> Callable[..., Any]:
        """The proxy's method ``name``: call() inlined, for the common
        case (its cost is most of what a call costs in Python)."""
        submit = self.gworker.submit
        lanes = self.lanes
        new_future = ConcurrentFuture._of_call

        def method(*args: Any, **kwargs: Any) -> Any:
            if proxy._stopped:
                raise RuntimeError(proxy._stopped_text)
            call = _Call(lanes, name, args, kwargs)
            future = new_future(submit(name, _lane_call, call), call)
            return future.result() if proxy.blocking else future

        return method

    def stop(self) -> None:
        _stop_lanes(self.gworker, self.lanes)


def _stop_lanes(gworker: Any, lanes: _Lanes) -> None:
    lanes.stopping.set()
    gworker.stop()


# ---- process lanes: the instance lives in a warm worker process ----

def _dumps(value: Any) -> bytes:
    """Pickles by reference when it can, by value (cloudpickle) for
    lambdas, closures and classes defined in functions."""
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return _cloudpickle_dumps(value)


def _cloudpickle_dumps(value: Any) -> bytes:
    import cloudpickle
    return cast(bytes, cloudpickle.dumps(value,
                                         protocol=pickle.HIGHEST_PROTOCOL))


def _dumps_by_value(value: Any) -> bytes:
    try:
        import cloudpickle
    except ImportError:
        return _dumps(value)
    return cast(bytes, cloudpickle.dumps(value,
                                         protocol=pickle.HIGHEST_PROTOCOL))


# A process-lane call and its result travel as base64 text (an "s"
# variant), not as "ay": the library checks what a process sends before
# using it, and GLib checks an "ay" byte by byte (12 ns a byte here: 48 ms
# for a 4 MB argument), a string in one pass; "s" also takes one PyGObject
# call to make and one to read where "ay" takes two. The init payload, sent
# once a process, stays "ay".
_PROTOCOL = pickle.HIGHEST_PROTOCOL
_b64encode = binascii.b2a_base64
_b64decode = binascii.a2b_base64
_new_string_variant = GLib.Variant.new_string


def _call_variant(data: bytes) -> Any:
    """The variant of a pickled call or result."""
    return _new_string_variant(_b64encode(data, newline=False).decode("ascii"))


def _call_data(variant: Any) -> bytes:
    """The pickled call or result that _call_variant made."""
    if variant is None:
        raise ValueError("no data")
    return _b64decode(variant.get_string())


class _ProcessCall:
    """One call of a process-lane worker: its task's value is the pickled
    result that the worker process of this worker sent."""

    __slots__ = ("cancelled", "box")

    def __init__(self) -> None:
        self.cancelled = False
        self.box: Optional[Tuple[Any, Any]] = None

    def outcome(self, task: Any) -> Tuple[Any, Any]:
        if self.box is not None:
            return self.box
        status = task.get_status()
        if status == _S.SUCCESSFUL:
            try:
                value = pickle.loads(_call_data(task.get_value()))
                box: Tuple[Any, Any] = (None, value)
            except Exception as cause:
                exc = pickle.UnpicklingError(
                    "Call '%s' returned a result that cannot be unpickled: "
                    "%s" % (task.get_name(), _ov._summary(cause)))
                exc.__cause__ = cause
                box = (exc, None)
        else:
            error = task.get_error()
            if error is not None and status == _S.FAILED and \
                    error.domain == _ov.PYTHON_ERROR_DOMAIN:
                # an exception a worker process of ours raised and sent
                box = (_ov._decode_remote_error(error.message)[0], None)
            else:
                box = (_error_exception(error, self.cancelled), None)
        self.box = box
        return box


class _ProcessLanes(_GLanes):
    process = True

    def __init__(self, worker_cls: type, args: Tuple[Any, ...],
                 kwargs: Dict[str, Any], n_lanes: int, opts: Dict[str, Any],
                 retries: Dict[str, Optional[RetryConfig]],
                 limits_for: Callable[[int], LimitPool]) -> None:
        super().__init__(GI.ExecutionMode.PROCESS, n_lanes, opts)
        self.unwrap = bool(opts["unwrap_futures"])
        self.gworker.set_worker_command(_ov._worker_command())
        shared = _channel_set(limits_for(0))
        if shared is not None:
            # the parent keeps the state; the processes ask over their channel
            self.gworker.set_limits(shared._backend.gset)
            limits_for = functools.partial(_channel_limit_pool,
                                           shared.limits, shared.config)
        payload = _dumps_by_value((worker_cls, args, kwargs, retries,
                                   limits_for))
        self.gworker.set_init_function(PYTHON_WORKER_NEW,
                                       _ov._bytes_variant(payload))

    def call(self, name: str, args: Tuple[Any, ...],
             kwargs: Dict[str, Any]) -> Any:
        if self.unwrap:
            try:
                args, kwargs = _unwrap_call(args, kwargs)
            except BaseException as exc:  # noqa: B902 - the call's error
                return SyncFuture(exception_value=exc)
        try:
            data = _dumps((name, args, kwargs))
        except Exception as exc:
            return SyncFuture(exception_value=exc)
        return self._send(data)

    def _send(self, data: bytes) -> Any:
        task = self.gworker.call_function(PYTHON_WORKER_CALL,
                                          _call_variant(data))
        return ConcurrentFuture._of_call(task, _ProcessCall())

    def _send_by_value(self, call: Tuple[Any, ...]) -> Any:
        """A call that pickle refused: cloudpickle, or the call's error."""
        try:
            data = _cloudpickle_dumps(call)
        except Exception as exc:
            return SyncFuture(exception_value=exc)
        return self._send(data)

    def caller(self, name: str, proxy: "WorkerProxy") -> Callable[..., Any]:
        """The proxy's method ``name``: call() inlined for arguments that
        hold no future (no unwrapping to do), the common case."""
        call_function = self.gworker.call_function
        new_future = ConcurrentFuture._of_call
        unwrap, slow, by_value = self.unwrap, self.call, self._send_by_value

        def method(*args: Any, **kwargs: Any) -> Any:
            if proxy._stopped:
                raise RuntimeError(proxy._stopped_text)
            if unwrap and (_has_future(args) or
                           (kwargs and _has_future(kwargs))):
                future = slow(name, args, kwargs)
            else:
                call = (name, args, kwargs)
                try:
                    data = pickle.dumps(call, _PROTOCOL)
                except Exception:
                    future = by_value(call)
                else:
                    future = new_future(
                        call_function(PYTHON_WORKER_CALL,
                                      _call_variant(data)),
                        _ProcessCall())
            return future.result() if proxy.blocking else future

        return method


# the side of a worker process (registered by _concurra_worker.py)

_child: Dict[str, Any] = {}


def _worker_new(args: Any, cancellable: Any, *user_data: Any) -> Any:
    """python-worker-new: makes this process's instance."""
    _child.clear()
    try:
        cls, a, kw, retries, limits_for = pickle.loads(
            _ov._variant_bytes(args))
        _child["retries"] = retries
        _child["name"] = cls.__name__
        _child["instance"] = _construct(cls, a, kw,
                                        limits_for(os.getpid()))
    except BaseException as exc:  # noqa: B902 - each call raises it
        exc.__traceback__ = None
        _child["error"] = exc
    _ov._flush_std_streams()
    return None


def _worker_call(args: Any, cancellable: Any, *user_data: Any) -> Any:
    """python-worker-call: one method call on this process's instance."""
    try:
        name, a, kw = pickle.loads(_call_data(args))
        if "error" in _child:
            raise _child["error"]
        if "instance" not in _child:
            raise RuntimeError("this worker process has no instance")
        retries = _child["retries"]
        fn = getattr(_child["instance"], name)
        result = _call_with_retries(fn, a, kw,
                                    retries.get(name, retries.get("*")),
                                    name, _child["name"])
        data = _dumps(result)
    except BaseException as exc:  # noqa: B902 - sent back to the parent
        _ov._flush_std_streams()
        tb = exc.__traceback__
        tb = tb.tb_next if tb is not None else None
        raise GLib.Error.new_literal(_ov._PY_QUARK,
                                     _ov._encode_remote_error(exc, tb), 0)
    _ov._flush_std_streams()
    return _call_variant(data)


# ---- asyncio: an event-loop thread, and a thread for plain methods ----

class _AsyncioLanes:
    process = False
    n_lanes = 1

    def __init__(self, lanes: _Lanes, opts: Dict[str, Any]) -> None:
        self.lanes = lanes
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever,
                                       daemon=True, name="concurry-asyncio")
        self.thread.start()
        self.plain = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix="concurry-asyncio-sync")
        self.plain.submit(lanes.make, 0).result()
        self.active = 0
        self.total = 0

    def call(self, name: str, args: Tuple[Any, ...],
             kwargs: Dict[str, Any]) -> Any:
        lanes = self.lanes
        self.total += 1
        instance = lanes.instances[0]
        fn = getattr(instance, name, None) if instance is not None else None
        if fn is not None and inspect.iscoroutinefunction(fn):
            future = asyncio.run_coroutine_threadsafe(
                self._run_async(fn, name, args, kwargs), self.loop)
        else:
            future = self.plain.submit(lanes.run, 0, name, args, kwargs)
        return ConcurrentFuture(future=future)

    async def _run_async(self, fn: Callable[..., Any], name: str,
                         args: Tuple[Any, ...], kwargs: Dict[str, Any]
                         ) -> Any:
        lanes = self.lanes
        if lanes.unwrap and (_has_future(args) or _has_future(kwargs)):
            args, kwargs = await self.loop.run_in_executor(
                None, _unwrap_call, args, kwargs)
        config = lanes.retries.get(name, lanes.default_retry)
        if config is None:
            return await fn(*args, **kwargs)
        run = _RetryRun(config, name, lanes.name, args, kwargs)
        for attempt in range(1, run.attempts + 1):
            context = run.context(attempt)
            try:
                result = await fn(*args, **kwargs)
            except Exception as exc:
                wait = run.after_error(exc, attempt, context)
                if wait is None:
                    raise
                await asyncio.sleep(wait)
                continue
            wait = run.after_result(result, attempt, context)
            if wait is None:
                return result
            await asyncio.sleep(wait)

    def stop(self) -> None:
        self.lanes.stopping.set()
        self.plain.shutdown(wait=False, cancel_futures=True)
        self.loop.call_soon_threadsafe(self.loop.stop)

    def stats(self) -> Dict[str, Any]:
        return {"dispatched": self.total}

    def n_active(self) -> int:
        return 0


# ---- sync: calls run inline ----

class _SyncLanes:
    process = False
    n_lanes = 1

    def __init__(self, lanes: _Lanes) -> None:
        self.lanes = lanes
        lanes.make(0)
        if lanes.errors[0] is not None:
            raise lanes.errors[0]
        self.total = 0

    def call(self, name: str, args: Tuple[Any, ...],
             kwargs: Dict[str, Any]) -> Any:
        self.total += 1
        getattr(self.lanes.instances[0], name)     # AttributeError now
        try:
            value = self.lanes.run(0, name, args, kwargs)
        except Exception as exc:
            return SyncFuture(exception_value=exc)
        return SyncFuture(result_value=value)

    def stop(self) -> None:
        self.lanes.stopping.set()

    def stats(self) -> Dict[str, Any]:
        return {"dispatched": self.total}

    def n_active(self) -> int:
        return 0


# ---------------------------------------------------------------------------
# proxies (§5, §7, §13)

def _method_names(worker_cls: type) -> List[str]:
    return [name for name in dir(worker_cls) if not name.startswith("_")]


def _start(worker_cls: type, options: Mapping[str, Any],
           args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Any:
    opts = _resolve(worker_cls, _coerce_options(options))
    _check_mode_options(opts)
    mode = opts["mode"]
    key = str(mode.value)
    pool = bool(opts["on_demand"]) or (opts["max_workers"] or 1) > 1
    n_lanes = opts["max_workers"] or 1
    if opts["on_demand"] and not opts["max_workers"]:
        n_lanes = max((os.cpu_count() or 2) - 1, 1)
    retries = _retry_configs(opts, key, _method_names(worker_cls))
    limits_for = _limit_pools(opts["limits"], mode, pool)
    lanes = _Lanes(worker_cls, args, kwargs, n_lanes, retries, limits_for,
                   bool(opts["unwrap_futures"]))
    lanes.limited = opts["limits"] is not None
    backend: Any
    if mode is ExecutionMode.Sync:
        backend = _SyncLanes(lanes)
    elif mode is ExecutionMode.Asyncio:
        backend = _AsyncioLanes(lanes, opts)
    elif mode is ExecutionMode.Processes:
        backend = _ProcessLanes(worker_cls, args, kwargs, n_lanes, opts,
                                retries, limits_for)
    else:
        backend = _ThreadLanes(lanes, n_lanes, opts)
    task_worker = issubclass(worker_cls, TaskWorker)
    if pool:
        cls: type = TaskWorkerProxyPool if task_worker else WorkerProxyPool
    else:
        cls = TaskWorkerProxy if task_worker else WorkerProxy
    return cls(worker_cls, opts, args, kwargs, backend, n_lanes)


class WorkerProxy:
    """A running worker: each public method returns a future (its value
    with ``blocking=True``)."""

    _stopped_text = "Worker is stopped"

    def __init__(self, worker_cls: type, opts: Dict[str, Any],
                 args: Tuple[Any, ...], kwargs: Dict[str, Any],
                 backend: Any, n_lanes: int) -> None:
        self.worker_cls = worker_cls
        self.mode: ExecutionMode = opts["mode"]
        self.blocking: bool = bool(opts["blocking"])
        self.max_queued_tasks: Optional[int] = opts["max_queued_tasks"]
        self.unwrap_futures: bool = bool(opts["unwrap_futures"])
        self.max_workers: int = n_lanes
        self.on_demand: bool = bool(opts["on_demand"])
        self.load_balancing: LoadBalancingAlgorithm = opts["load_balancing"]
        self.init_args = args
        self.init_kwargs = kwargs
        self.options = dict(opts)
        self._backend = backend
        self._stopped = False

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        method = self._method(name)
        self.__dict__[name] = method
        return method

    def _method(self, name: str) -> Callable[..., Any]:
        proxy = self
        caller = getattr(self._backend, "caller", None)
        if caller is not None:
            method = caller(name, proxy)
            method.__name__ = method.__qualname__ = name
            return method
        backend_call = self._backend.call

        def call(*args: Any, **kwargs: Any) -> Any:
            if proxy._stopped:
                raise RuntimeError(proxy._stopped_text)
            future = backend_call(name, args, kwargs)
            if proxy.blocking:
                return future.result()
            return future

        call.__name__ = call.__qualname__ = name
        return call

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the worker: calls not started are cancelled, later calls
        raise RuntimeError. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._backend.stop()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return "<%s %s mode=%s%s>" % (
            type(self).__name__, self.worker_cls.__name__, self.mode.value,
            " stopped" if self._stopped else "")

    def get_worker_stats(self, index: int = 0) -> Dict[str, Any]:
        stats = self._backend.stats()
        out: Dict[str, Any] = {"worker_index": index, "stopped":
                               self._stopped, "mode": self.mode.value}
        for key in ("active", "total", "queued"):
            values = stats.get(key)
            if isinstance(values, (list, tuple)) and index < len(values):
                out[key + "_calls"] = values[index]
        return out


class WorkerProxyPool(WorkerProxy):
    """A pool of workers with the same call surface as one worker; each
    call goes to one worker chosen by the pool's load balancer."""

    _stopped_text = "Worker pool is stopped"

    def get_pool_stats(self) -> Dict[str, Any]:
        stats = self._backend.stats()
        active = list(stats.get("active", []) or [])
        total = list(stats.get("total", []) or [])
        dispatched = stats.get("dispatched", sum(total) if total else 0)
        balancer: Dict[str, Any] = {
            "algorithm": self.load_balancing.name,
            "total_dispatched": int(dispatched),
        }
        if self.load_balancing is LoadBalancingAlgorithm.LeastActiveLoad:
            balancer["active_calls"] = active
            balancer["total_active"] = sum(active)
        elif self.load_balancing is LoadBalancingAlgorithm.LeastTotalLoad:
            balancer["total_calls"] = total
        on_demand_active = stats.get("on_demand_active")
        if on_demand_active is None:
            on_demand_active = self._backend.n_active() \
                if self.on_demand else 0
        return {
            "total_workers": 0 if self.on_demand else self.max_workers,
            "max_workers": self.max_workers,
            "on_demand": self.on_demand,
            "on_demand_active": int(on_demand_active),
            "stopped": self._stopped,
            "max_queued_tasks": self.max_queued_tasks,
            "load_balancer": balancer,
        }


__all__ += ["WorkerProxy", "WorkerProxyPool"]


# ---------------------------------------------------------------------------
# TaskWorker, @task, Executor (§10)

class TaskWorker(Worker):
    """A worker that runs any callable: ``submit(fn, *args)`` and
    ``map(fn, *iterables)``."""

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any
               ) -> Any:
        if getattr(fn, "_concurry_wants_limits", False) and \
                "limits" not in kwargs:
            kwargs["limits"] = self.limits
        return _run_coroutine(fn(*args, **kwargs))


class _TaskProxyMixin:
    _backend: Any
    blocking: bool
    _stopped: bool
    _stopped_text: str

    def submit(self, fn: Any = None, *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` in the worker -> a future."""
        if not callable(fn):
            raise TypeError("submit() requires a callable function as its "
                            "first argument, got %s" % type(fn).__name__)
        if self._stopped:
            raise RuntimeError(self._stopped_text)
        future = self._backend.call("submit", (fn,) + args, kwargs)
        if self.blocking:
            return future.result()
        return future

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any],
            progress: Any = False, timeout: Optional[float] = None
            ) -> Iterator[Any]:
        """Results of ``fn`` over the iterables, in input order; the first
        failure is raised when its turn comes."""
        if not callable(fn):
            raise TypeError("map() requires a callable function as its "
                            "first argument, got %s" % type(fn).__name__)
        if self._stopped:
            raise RuntimeError(self._stopped_text)
        futures = [self._backend.call("submit", (fn,) + tuple(items), {})
                   for items in zip(*iterables)]
        return self._map_results(futures, progress, timeout)

    def _map_results(self, futures: List[Any], progress: Any,
                     timeout: Optional[float]) -> Iterator[Any]:
        bar = None
        if progress:
            settings = dict(progress) if isinstance(progress, Mapping) else {}
            settings.setdefault("total", len(futures))
            settings.setdefault("desc", "map")
            bar = ProgressBar(**settings)
        failed = False
        try:
            for future in futures:
                try:
                    value = future.result(timeout)
                except BaseException:
                    failed = True
                    raise
                if bar is not None:
                    bar.update(1)
                yield value
        finally:
            if bar is not None:
                if failed:
                    bar.failure()
                else:
                    bar.success()


class TaskWorkerProxy(_TaskProxyMixin, WorkerProxy):
    pass


class TaskWorkerProxyPool(_TaskProxyMixin, WorkerProxyPool):
    pass


class _TaskFunction:
    """What ``@task(...)`` makes of a function: calling it submits."""

    def __init__(self, fn: Callable[..., Any], options: Dict[str, Any]
                 ) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        if options.get("limits") is not None and "limits" in \
                _parameters(fn):
            try:
                fn._concurry_wants_limits = True  # type: ignore[attr-defined]
            except AttributeError:
                pass
        self.worker = TaskWorker.options(**options).init()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.worker.submit(self.fn, *args, **kwargs)

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        return self.worker.submit(self.fn, *args, **kwargs)

    def map(self, *iterables: Iterable[Any], **kwargs: Any) -> Iterator[Any]:
        return self.worker.map(self.fn, *iterables, **kwargs)

    def stop(self, timeout: float = 30.0) -> None:
        self.worker.stop(timeout)

    def __enter__(self) -> "_TaskFunction":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        raise TypeError("@task cannot decorate methods: decorate a function "
                        "(or use a Worker class)")


def _parameters(fn: Callable[..., Any]) -> List[str]:
    try:
        return list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return []


def task(fn: Any = None, **options: Any) -> Any:
    """``@task(mode="thread", ...)``: the function becomes a running
    TaskWorker; calling it returns a future."""
    if fn is not None and not callable(fn):
        raise TypeError("@task decorates a function, got %r" % (fn,))

    def decorate(function: Callable[..., Any]) -> _TaskFunction:
        opts = dict(options)
        if "mode" not in opts:
            raise ValueError("@task needs a mode: @task(mode='thread')")
        mode = _coerce_enum(ExecutionMode, opts["mode"], "mode")
        opts.setdefault("on_demand", mode not in _MODE_TITLE and
                        "max_workers" not in opts)
        return _TaskFunction(function, opts)

    return decorate(fn) if fn is not None else decorate


def Executor(mode: Any = "thread", max_workers: Optional[int] = None,
             load_balancing: Any = None, on_demand: Optional[bool] = None,
             limits: Any = None, **options: Any) -> Any:
    """``TaskWorker.options(...).init()`` with an Executor's signature."""
    opts: Dict[str, Any] = dict(options, mode=mode)
    if max_workers is None and not on_demand:
        max_workers = global_config.get("max_workers", _mode_key(mode))
    if max_workers is not None:
        opts["max_workers"] = max_workers
    if load_balancing is not None:
        opts["load_balancing"] = load_balancing
    if on_demand is not None:
        opts["on_demand"] = on_demand
    if limits is not None:
        opts["limits"] = limits
    return TaskWorker.options(**opts).init()


__all__ += ["TaskWorker", "task", "Executor", "TaskWorkerProxy",
            "TaskWorkerProxyPool"]


# ---------------------------------------------------------------------------
# progress and timing (§12, §15)

class ProgressBar:
    """A text progress bar on stderr over an iterable or updated by hand;
    it ends in success(), failure() or stop()."""

    def __init__(self, iterable: Optional[Iterable[Any]] = None,
                 total: Optional[int] = None, desc: str = "",
                 unit: str = "row", color: Optional[str] = None,
                 ncols: int = 100, miniters: int = 1,
                 smoothing: float = 0.15, style: str = "auto",
                 disable: bool = False, file: Any = None,
                 **kwargs: Any) -> None:
        self.iterable = iterable
        if total is None and iterable is not None:
            try:
                total = len(iterable)  # type: ignore[arg-type]
            except TypeError:
                total = None
        self.total = total
        self.desc = desc
        self.unit = unit
        self.ncols = ncols
        self.disable = bool(disable)
        self.file = file if file is not None else sys.stderr
        self.n = 0
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.closed = False
        self.state = ""

    def __iter__(self) -> Iterator[Any]:
        if self.iterable is None:
            raise TypeError("this ProgressBar wraps no iterable")
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        except BaseException:
            self.failure()
            raise
        self.success()

    def __len__(self) -> int:
        return self.total or 0

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self.drawn_at >= 0.1 or self.n == self.total:
            self._draw()

    def set_description(self, desc: str) -> None:
        self.desc = desc

    def set_total(self, total: int) -> None:
        self.total = total

    def set_n(self, n: int) -> None:
        self.n = n

    def set_unit(self, unit: str) -> None:
        self.unit = unit

    def _draw(self, end: str = "") -> None:
        self.drawn_at = time.monotonic()
        if self.disable or self.closed:
            return
        total = self.total
        if total:
            frac = min(self.n / total, 1.0)
            width = 25
            bar = "%s|%s| %d/%d [%3.0f%%]" % (
                "", "#" * int(frac * width) + "." * (width - int(frac * width)),
                self.n, total, frac * 100)
        else:
            bar = "%d %s" % (self.n, self.unit)
        text = "\r%s%s in %.1fs%s" % (self.desc + ": " if self.desc else "",
                                      bar, time.monotonic() - self.started,
                                      end)
        try:
            self.file.write(text[:self.ncols + 1] if not end else text)
            self.file.flush()
        except Exception:
            pass

    def _end(self, state: str, msg: Optional[str]) -> None:
        if self.closed:
            return
        self.state = state
        self._draw(" %s%s\n" % (state, (" " + msg) if msg else ""))
        self.closed = True

    def success(self, msg: Optional[str] = None) -> None:
        self._end("✓", msg)

    def failure(self, msg: Optional[str] = None) -> None:
        self._end("✗", msg)

    def stop(self, msg: Optional[str] = None) -> None:
        self._end("■", msg)

    def close(self) -> None:
        self._end("", None)


class TimerError(Exception):
    """A Timer used out of order (stopped before started...)."""


class Timer:
    """A stopwatch: ``with Timer() as t: ...; t.time_taken``."""

    def __init__(self, task: str = "", silent: bool = True) -> None:
        self.task = task
        self.silent = silent
        self._start: Optional[float] = None
        self._end: Optional[float] = None

    def start(self) -> "Timer":
        if self._start is not None and self._end is None:
            raise TimerError("Timer is running; stop() it first")
        self._start = time.perf_counter()
        self._end = None
        return self

    def stop(self) -> float:
        if self._start is None:
            raise TimerError("Timer is not started; call start() first")
        self._end = time.perf_counter()
        if not self.silent:
            print("%s took %.3f s" % (self.task or "Timer", self.time_taken))
        return self.time_taken

    @property
    def time_taken(self) -> float:
        if self._start is None:
            raise TimerError("Timer is not started")
        end = self._end if self._end is not None else time.perf_counter()
        return end - self._start

    elapsed = time_taken

    def __enter__(self) -> "Timer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


__all__ += ["ProgressBar", "Timer", "TimerError"]


# The C API under the names the Python classes took: code written for the
# introspected classes (Concurra.LimitSet.new, Concurra.Worker.new, ...)
# runs unchanged with the override.
def _gi_arg(value: Any) -> Any:
    # RateLimitAlgorithm.GCRA is Concurry's member, named like the GI one
    if isinstance(value, RateLimitAlgorithm):
        return getattr(GI.RateLimitAlgorithm,
                       _norm(value.value).upper().replace("BUCKET",
                                                          "_BUCKET")
                       .replace("WINDOW", "_WINDOW"))
    return value


def _gi_constructor(function: Callable[..., Any]) -> Callable[..., Any]:
    def constructor(*args: Any) -> Any:
        return function(*[_gi_arg(arg) for arg in args])
    constructor.__name__ = constructor.__qualname__ = function.__name__
    constructor.__doc__ = function.__doc__
    return constructor


def _keep_gi_constructors() -> None:
    pairs = ((Limit, _GLimit, ("new_rate", "new_call", "new_resource")),
             (LimitSet, _GLimitSet, ("new",)),
             (Worker, _GWorker, ("new",)))
    for py_cls, gi_cls, names in pairs:
        for name in names:
            if gi_cls is not None and hasattr(gi_cls, name):
                setattr(py_cls, name, staticmethod(
                    _gi_constructor(getattr(gi_cls, name))))


_keep_gi_constructors()


# PyGObject finds the Python class of a GType that has none yet by its name
# in gi.repository.Concurra, which is the override: it would take the
# classes above that are named like introspected ones (Acquisition,
# LimitSet, Worker...) for wrappers. Loading every introspected class of
# those names now gives each GType its own wrapper first.
for _name in __all__ + ["Limit", "Acquisition"]:
    getattr(GI, _name, None)
del _name
