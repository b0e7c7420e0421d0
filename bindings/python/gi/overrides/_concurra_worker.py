# _concurra_worker.py: the warm Python worker process of
# Concurra.TaskRunner(use_multiprocessing=True).
#
# A process-mode runner spawns  python3 _concurra_worker.py '<json>'  with
# the protocol socket on fd 3 (CONCURRA_WORKER_FD). The JSON holds the
# parent's sys.path, sys.argv and main module, so that callables pickled by
# reference (including ones from the parent's __main__, imported here as
# __mp_main__ like multiprocessing's spawn does) can be unpickled. The worker
# registers "python-call" — unpickle (fn, args, kwargs), call, pickle the
# result — and, for the process lanes of Concurry workers (_concurry.py),
# "python-worker-new" (make this process's instance) and
# "python-worker-call" (call one of its methods); then it serves requests
# until the runner or worker closes the socket.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import sys


def _drop_own_directory():
    # Running a file puts its directory first on sys.path: gi/overrides
    # holds GLib.py, Gio.py... which must not shadow anything.
    here = os.path.realpath(os.path.dirname(os.path.abspath(__file__)))
    sys.path[:] = [p for p in sys.path
                   if os.path.realpath(os.path.abspath(p or os.curdir)) != here]
    return here


def _prepare(prep):
    if "sys_path" in prep:
        sys.path[:] = list(prep["sys_path"])
    if "argv" in prep:
        sys.argv[:] = list(prep["argv"])


def _import_main(prep):
    # the same fix-ups as multiprocessing's spawn start method
    from multiprocessing import spawn
    if prep.get("main_name"):
        spawn._fixup_main_from_name(prep["main_name"])
    elif prep.get("main_path"):
        spawn._fixup_main_from_path(prep["main_path"])


def main():
    import json

    here = _drop_own_directory()
    prep = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    _prepare(prep)
    _drop_own_directory()

    import gi
    import gi.overrides
    # Always use the override next to this file (installed or not).
    if here not in [os.path.realpath(p) for p in gi.overrides.__path__]:
        gi.overrides.__path__.append(here)
    gi.require_version("Concurra", "1")
    from gi.repository import Concurra  # noqa: F401 - loads the override
    overrides = sys.modules["gi.overrides.Concurra"]

    overrides._worker_state = "bootstrapping"
    try:
        _import_main(prep)
    except BaseException as exc:  # noqa: B902 - keep serving other tasks
        sys.stderr.write("concurra worker: could not import the main module "
                         "(%s: %s); its functions cannot run in worker "
                         "processes\n" % (type(exc).__name__, exc))
        sys.stderr.flush()
    overrides._worker_state = "serving"

    # the GI class's static methods (Concurra.worker_register/main before
    # the worker type; the override keeps both names): the override's own
    # Worker is Concurry's base class
    gi_worker = gi.module.get_introspection_module("Concurra").Worker
    gi_worker.register(overrides.PYTHON_CALL, overrides._worker_python_call)
    # the instance of a process lane of a Concurry worker, and its calls
    concurry = sys.modules["gi.overrides._concurry"]
    gi_worker.register(concurry.PYTHON_WORKER_NEW, concurry._worker_new)
    gi_worker.register(concurry.PYTHON_WORKER_CALL, concurry._worker_call)
    gi_worker.main()
    # worker_main() returns only when this is not a worker process
    sys.stderr.write("concurra worker: this program serves Concurra "
                     "process-mode runners and is started by them\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
