#!/usr/bin/python3
# bench_override.py: the Python override (gi.overrides.Concurra) against
# Python's concurrent.futures, in the same run:
#
#   1. tiny:   N no-op tasks (default 100 000), end to end.
#              Concurra.TaskRunner(max_concurrency=2, progress_stats=False):
#              create, add_task x N, run(verify=False);
#              vs ThreadPoolExecutor(2): create, submit x N, wait, shutdown.
#   2. dag:    a layered dependency graph, L layers of W no-op tasks (default
#              100 x 100 = 10 000); every task past the first layer depends
#              on 2 distinct tasks of the previous layer (fixed pseudo-random
#              choice, the same graph for both sides).
#              TaskRunner: add_task(..., label=, depends_on=[...]) x N, run;
#              vs ThreadPoolExecutor(2) doing the DAG by hand: each task is
#              submitted when its last dependency is done (dependency
#              counters decremented in add_done_callback), the main thread
#              waits on an Event set by the last completion.
#   3. gather: collecting M (default 100 000) futures that are already done.
#              Concurra.gather(futures) (a list of results) vs
#              concurrent.futures.wait(futures); also, for reference,
#              Concurra.wait vs concurrent.futures.wait, and gather vs
#              wait + [f.result() ...] (what gather returns).
#              Running the tasks is not timed.
#
# Every workload is timed --reps times (concurra and peer interleaved, after
# one small warm-up of each); the table gives best and median seconds and
# ratio = concurra / peer (< 1: the override is faster). The graph and the
# results are checked once per workload before timing (each DAG task runs
# after its dependencies; every result is there).
#
#   /usr/bin/python3 bench/bench_override.py [--reps R] [--quick]
#       [--tasks N] [--layers L] [--width W] [--gather-tasks M]
#       [--only tiny,dag,gather] [--build-dir DIR] [--profile]
#
# --quick: 2 reps, 20 000 tiny tasks, a 20 x 100 DAG, 20 000 futures.
# --profile: after the timings, run each concurra workload once under
# cProfile and print the top functions (main thread only: cProfile does not
# follow the library's pool threads, so the task bodies are not in it).
#
# Runs uninstalled from the source tree: it puts bindings/python on
# sys.path and, unless GI_TYPELIB_PATH / LD_LIBRARY_PATH already name the
# build directory, re-executes itself with them set (LD_LIBRARY_PATH is read
# by the dynamic loader at start-up only).
#
# Prints "RESULT name=..." lines too, in the format of bench/compare.py.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import concurrent.futures as cf
import gc
import os
import platform
import random
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(HERE)
BINDINGS = os.path.join(SRC_ROOT, 'bindings', 'python')
SYSTEM_PYTHON = '/usr/bin/python3'
_REEXEC_GUARD = 'CONCURRA_BENCH_OVERRIDE_REEXEC'


# ---------------------------------------------------------------------------
# environment

def _build_dir_from_argv(argv):
    for i, arg in enumerate(argv):
        if arg == '--build-dir' and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith('--build-dir='):
            return arg.split('=', 1)[1]
    return os.path.join(SRC_ROOT, 'build')


def _path_has(var, directory):
    want = os.path.realpath(directory)
    return any(p and os.path.realpath(p) == want
               for p in os.environ.get(var, '').split(os.pathsep))


def _have_gi():
    try:
        import gi  # noqa: F401
        return True
    except ImportError:
        return False


def setup_environment():
    """sys.path, GI_TYPELIB_PATH and LD_LIBRARY_PATH for the uninstalled
    override; re-executes (once) when the environment must change."""
    lib_dir = os.path.abspath(os.path.join(_build_dir_from_argv(sys.argv[1:]),
                                           'concurra-glib'))
    if not os.path.exists(os.path.join(lib_dir, 'Concurra-1.typelib')):
        sys.exit('bench_override.py: no Concurra-1.typelib in %s (build the '
                 'project first, or pass --build-dir)' % lib_dir)
    python = sys.executable
    if not _have_gi() and os.path.exists(SYSTEM_PYTHON):
        python = SYSTEM_PYTHON     # the python3 first on PATH may lack gi
    need = (python != sys.executable
            or not _path_has('GI_TYPELIB_PATH', lib_dir)
            or not _path_has('LD_LIBRARY_PATH', lib_dir)
            or not _path_has('PYTHONPATH', BINDINGS))
    if need and not os.environ.get(_REEXEC_GUARD):
        env = dict(os.environ)
        for var, value in (('GI_TYPELIB_PATH', lib_dir),
                           ('LD_LIBRARY_PATH', lib_dir),
                           ('PYTHONPATH', BINDINGS)):
            if not _path_has(var, value):
                old = env.get(var)
                env[var] = value + (os.pathsep + old if old else '')
        env[_REEXEC_GUARD] = '1'
        sys.stdout.flush()
        os.execve(python, [python, os.path.abspath(__file__)] + sys.argv[1:],
                  env)
    if BINDINGS not in sys.path:
        sys.path.insert(0, BINDINGS)


# ---------------------------------------------------------------------------
# workloads

def noop():
    pass


def dag_noop(i):
    return i


def make_dag(layers, width, seed=1):
    """-> deps: deps[i] = indices task i depends on (i = layer * width + j);
    2 distinct tasks of the previous layer (1 if width == 1)."""
    rng = random.Random(seed)
    deps = [()] * width
    k = min(2, width)
    for layer in range(1, layers):
        base = (layer - 1) * width
        for _ in range(width):
            deps.append(tuple(base + j for j in rng.sample(range(width), k)))
    return deps


def dag_labels(n):
    return ['t%d' % i for i in range(n)]


# -- 1. tiny

def tiny_concurra(Concurra, n):
    t0 = time.perf_counter()
    runner = Concurra.TaskRunner(max_concurrency=2, progress_stats=False)
    add = runner.add_task
    for _ in range(n):
        add(noop)
    results = runner.run(verify=False)
    t = time.perf_counter() - t0
    assert len(results) == n
    return t


def tiny_peer(n):
    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(max_workers=2) as ex:
        submit = ex.submit
        futures = [submit(noop) for _ in range(n)]
        done, not_done = cf.wait(futures)
    t = time.perf_counter() - t0
    assert len(done) == n and not not_done
    return t


# -- 2. dag

def dag_concurra(Concurra, deps, labels, fn=dag_noop):
    t0 = time.perf_counter()
    runner = Concurra.TaskRunner(max_concurrency=2, progress_stats=False)
    add = runner.add_task
    for i, d in enumerate(deps):
        if d:
            add(fn, i, label=labels[i], depends_on=[labels[j] for j in d])
        else:
            add(fn, i, label=labels[i])
    results = runner.run(verify=False)
    t = time.perf_counter() - t0
    assert len(results) == len(deps)
    assert all(r['status'] == 'Successful' for r in results.values())
    return t, results


def dag_peer(deps, fn=dag_noop):
    """The DAG by hand on a ThreadPoolExecutor: submit a task when its
    dependencies are done (add_done_callback), as one would without a
    scheduler."""
    t0 = time.perf_counter()
    n = len(deps)
    dependents = [[] for _ in range(n)]
    remaining = [0] * n
    for i, d in enumerate(deps):
        remaining[i] = len(d)
        for j in d:
            dependents[j].append(i)
    futures = [None] * n
    lock = threading.Lock()
    all_done = threading.Event()
    counter = [n]
    errors = []

    with cf.ThreadPoolExecutor(max_workers=2) as ex:
        def on_done(i, future):
            exc = future.exception()
            if exc is not None:
                errors.append(exc)    # this benchmark has no failures
            ready = []
            with lock:
                for k in dependents[i]:
                    remaining[k] -= 1
                    if not remaining[k]:
                        ready.append(k)
                counter[0] -= 1
                last = not counter[0]
            for k in ready:
                submit(k)
            if last:
                all_done.set()

        def submit(i):
            f = ex.submit(fn, i)
            futures[i] = f
            f.add_done_callback(lambda f, i=i: on_done(i, f))

        for i in range(n):
            if not deps[i]:
                submit(i)
        all_done.wait()
    t = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return t, futures


def check_dag(Concurra, deps, labels):
    """Both sides run every task once, after all of its dependencies."""
    for side in ('concurra', 'peer'):
        finished = set()
        violations = []

        def checked(i):
            for j in deps[i]:
                if j not in finished:
                    violations.append((i, j))
            finished.add(i)
            return i

        if side == 'concurra':
            _, results = dag_concurra(Concurra, deps, labels, checked)
            bad = [label for label, r in results.items()
                   if r['status'] != 'Successful']
            values = [results[labels[i]]['result'] for i in range(len(deps))]
        else:
            _, futures = dag_peer(deps, checked)
            bad = [i for i, f in enumerate(futures) if f.exception()]
            values = [f.result() for f in futures]
        if bad or violations or values != list(range(len(deps))) \
                or len(finished) != len(deps):
            raise SystemExit('dag check failed (%s): %d not successful, '
                             '%d ran before a dependency, %d of %d ran'
                             % (side, len(bad), len(violations),
                                len(finished), len(deps)))


# -- 3. gather over done futures

def ident(i):
    return i


def finished_concurra(Concurra, n):
    runner = Concurra.TaskRunner(max_concurrency=2, progress_stats=False)
    futures = [runner.add_task(ident, i) for i in range(n)]
    runner.run(verify=False)
    return runner, futures


def finished_peer(n):
    ex = cf.ThreadPoolExecutor(max_workers=2)
    futures = [ex.submit(ident, i) for i in range(n)]
    cf.wait(futures)
    ex.shutdown()
    return futures


def timed(fn, *args):
    t0 = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - t0, value


def gather_timings(Concurra, n, reps):
    """-> {row: ([concurra times], [peer times])} over reps, each rep on
    fresh sets of finished futures."""
    rows = {'gather': ([], []), 'wait': ([], []), 'gather_vs_results': ([], [])}
    expected = list(range(n))
    for _ in range(reps):
        runner, cfut = finished_concurra(Concurra, n)
        pfut = finished_peer(n)
        gc.collect()
        # Concurra.gather vs concurrent.futures.wait
        tc, values = timed(Concurra.gather, cfut)
        assert values == expected
        tp, (done, not_done) = timed(cf.wait, pfut)
        assert len(done) == n and not not_done
        rows['gather'][0].append(tc)
        rows['gather'][1].append(tp)
        # Concurra.wait vs concurrent.futures.wait
        tc, (done, not_done) = timed(Concurra.wait, cfut)
        assert len(done) == n and not not_done
        tp, (done, not_done) = timed(cf.wait, pfut)
        rows['wait'][0].append(tc)
        rows['wait'][1].append(tp)
        # Concurra.gather vs wait + the list of results

        def wait_results(fs):
            cf.wait(fs)
            return [f.result() for f in fs]

        tp, values = timed(wait_results, pfut)
        assert values == expected
        tc, values = timed(Concurra.gather, cfut)
        rows['gather_vs_results'][0].append(tc)
        rows['gather_vs_results'][1].append(tp)
        del runner, cfut, pfut, done, not_done, values
        gc.collect()
    return rows


# ---------------------------------------------------------------------------
# driver

def interleaved(reps, concurra_fn, peer_fn):
    c, p = [], []
    for r in range(reps):
        # alternate which side goes first, so drift hits both alike
        order = ((concurra_fn, c), (peer_fn, p))
        if r % 2:
            order = order[::-1]
        for fn, out in order:
            gc.collect()
            out.append(fn())
    return c, p


def fmt_row(name, c, p):
    cb, cm = min(c), statistics.median(c)
    pb, pm = min(p), statistics.median(p)
    return (name, '%.3f' % cb, '%.3f' % cm, '%.3f' % pb, '%.3f' % pm,
            '%.2f' % (cb / pb), '%.2f' % (cm / pm))


def print_table(rows):
    headers = ('workload', 'concurra best s', 'median s', 'peer best s',
               'median s', 'ratio best', 'ratio median')
    widths = [max(len(str(r[i])) for r in (headers,) + tuple(rows))
              for i in range(len(headers))]
    line = '  '.join(h.ljust(w) if i == 0 else h.rjust(w)
                     for i, (h, w) in enumerate(zip(headers, widths)))
    print(line)
    print('-' * len(line))
    for row in rows:
        print('  '.join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths))))


def spread_note(name, times):
    if len(times) < 2:
        return None
    best, med = min(times), statistics.median(times)
    if med > 1.25 * best:
        return '%s: median %.0f%% above best' % (name, (med / best - 1) * 100)
    return None


def phases_concurra(Concurra, make_runner_and_add):
    """-> (add, run, results) seconds of one TaskRunner run: add_task calls,
    execute_in_background until the library's run ended, building the
    results dict (get_background_results)."""
    gc.collect()
    t0 = time.perf_counter()
    runner = make_runner_and_add()
    t1 = time.perf_counter()
    runner.execute_in_background()
    runner._wait_for_end()          # the wait run() does
    t2 = time.perf_counter()
    runner.get_background_results(verify=False)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2


def profile_concurra(Concurra, args, deps, labels):
    import cProfile
    import pstats

    def tiny_runner():
        runner = Concurra.TaskRunner(max_concurrency=2, progress_stats=False)
        for _ in range(args.tasks):
            runner.add_task(noop)
        return runner

    def dag_runner():
        runner = Concurra.TaskRunner(max_concurrency=2, progress_stats=False)
        for i, d in enumerate(deps):
            runner.add_task(dag_noop, i, label=labels[i],
                            depends_on=[labels[j] for j in d] or None)
        return runner

    print('\n== concurra phases (s): add_task calls / run until the library '
          'is done / results dict ==')
    for name, make in (('tiny', tiny_runner), ('dag', dag_runner)):
        if name in args.only:
            print('  %-5s add %.3f  run %.3f  results %.3f' % (
                (name,) + phases_concurra(Concurra, make)))

    jobs = []
    if 'tiny' in args.only:
        jobs.append(('tiny', lambda: tiny_concurra(Concurra, args.tasks)))
    if 'dag' in args.only:
        jobs.append(('dag', lambda: dag_concurra(Concurra, deps, labels)))
    if 'gather' in args.only:
        runner, futures = finished_concurra(Concurra, args.gather_tasks)
        jobs.append(('gather', lambda: Concurra.gather(futures)))
    for name, job in jobs:
        gc.collect()
        prof = cProfile.Profile()
        prof.enable()
        job()
        prof.disable()
        print('\n== cProfile, concurra side of %s (main thread only; time in '
              'introspected C calls is counted in the calling function, the '
              'run itself is on the library\'s threads: the main thread '
              'waits in _thread.lock.acquire) ==' % name)
        pstats.Stats(prof).sort_stats('tottime').print_stats(15)


def main():
    setup_environment()
    import gi
    gi.require_version('Concurra', '1')
    from gi.repository import Concurra

    ap = argparse.ArgumentParser(
        description='The Python override against concurrent.futures: '
        'tiny tasks, a dependency graph, gather over done futures.')
    ap.add_argument('--reps', type=int, default=None,
                    help='timed repetitions per workload (default 5, '
                    '--quick 2)')
    ap.add_argument('--quick', action='store_true',
                    help='smaller sizes and 2 reps (a smoke run)')
    ap.add_argument('--tasks', type=int, default=None,
                    help='tiny tasks (default 100000)')
    ap.add_argument('--layers', type=int, default=None,
                    help='DAG layers (default 100)')
    ap.add_argument('--width', type=int, default=100,
                    help='DAG tasks per layer (default 100)')
    ap.add_argument('--gather-tasks', type=int, default=None,
                    help='finished futures gathered (default 100000)')
    ap.add_argument('--only', default='tiny,dag,gather',
                    help='comma-separated subset of tiny,dag,gather')
    ap.add_argument('--build-dir', default=os.path.join(SRC_ROOT, 'build'))
    ap.add_argument('--profile', action='store_true',
                    help='also cProfile one run of each concurra workload')
    args = ap.parse_args()
    q = args.quick
    args.reps = args.reps or (2 if q else 5)
    args.tasks = args.tasks or (20000 if q else 100000)
    args.layers = args.layers or (20 if q else 100)
    args.gather_tasks = args.gather_tasks or (20000 if q else 100000)
    args.only = {w.strip() for w in args.only.split(',') if w.strip()}
    if args.reps < 1 or min(args.tasks, args.layers, args.width,
                            args.gather_tasks) < 1:
        ap.error('sizes and --reps must be >= 1')
    unknown = args.only - {'tiny', 'dag', 'gather'}
    if unknown:
        ap.error('unknown workload(s): %s' % ', '.join(sorted(unknown)))

    print('Python %s (%s), PyGObject %s, override %s'
          % (platform.python_version(), sys.executable, gi.__version__,
             sys.modules[Concurra.TaskRunner.__module__].__file__))
    print('%d CPUs, load average before: %s'
          % (os.cpu_count(), ' '.join('%.2f' % x for x in os.getloadavg())))
    print('%d reps per workload (after a warm-up); ratio = concurra / peer, '
          '< 1 means the override is faster' % args.reps, flush=True)

    deps = make_dag(args.layers, args.width)
    labels = dag_labels(len(deps))
    rows, notes, results = [], [], []
    wall0 = time.perf_counter()

    if 'tiny' in args.only:
        n = args.tasks
        tiny_concurra(Concurra, min(n, 2000))
        tiny_peer(min(n, 2000))
        c, p = interleaved(args.reps, lambda: tiny_concurra(Concurra, n),
                           lambda: tiny_peer(n))
        rows.append(fmt_row('tiny: %d no-op tasks, conc 2' % n, c, p))
        results.append(('py-override-tiny', n, c, p))
        print('  tiny done: concurra %s, peer %s'
              % (' '.join('%.3f' % x for x in c),
                 ' '.join('%.3f' % x for x in p)), flush=True)

    if 'dag' in args.only:
        check_dag(Concurra, deps, labels)
        c, p = interleaved(args.reps,
                           lambda: dag_concurra(Concurra, deps, labels)[0],
                           lambda: dag_peer(deps)[0])
        rows.append(fmt_row('dag: %dx%d tasks, 2 deps each, conc 2'
                            % (args.layers, args.width), c, p))
        results.append(('py-override-dag', len(deps), c, p))
        print('  dag done: concurra %s, peer %s'
              % (' '.join('%.3f' % x for x in c),
                 ' '.join('%.3f' % x for x in p)), flush=True)

    if 'gather' in args.only:
        n = args.gather_tasks
        gather_timings(Concurra, min(n, 2000), 1)
        g = gather_timings(Concurra, n, args.reps)
        for key, name in (
                ('gather', 'gather: %d done futures vs cf.wait' % n),
                ('wait', '  (ref) Concurra.wait vs cf.wait'),
                ('gather_vs_results', '  (ref) gather vs cf.wait + results')):
            c, p = g[key]
            rows.append(fmt_row(name, c, p))
            results.append(('py-override-' + key.replace('_', '-'), n, c, p))
        print('  gather done', flush=True)

    print()
    print_table(rows)
    for name, _, c, p in results:
        for side, times in (('concurra', c), ('peer', p)):
            note = spread_note('%s %s' % (name, side), times)
            if note:
                notes.append(note)
    print()
    print('wall %.1f s; load average after: %s'
          % (time.perf_counter() - wall0,
             ' '.join('%.2f' % x for x in os.getloadavg())))
    if notes:
        print('noisy (other load on the machine?): ' + '; '.join(notes))
    for name, n, c, p in results:
        print('RESULT name=%s tasks=%d reps=%d concurra_best=%.6f '
              'concurra_median=%.6f peer_best=%.6f peer_median=%.6f '
              'ratio_median=%.4f'
              % (name, n, len(c), min(c), statistics.median(c), min(p),
                 statistics.median(p), statistics.median(c) /
                 statistics.median(p)))
    sys.stdout.flush()

    if args.profile:
        profile_concurra(Concurra, args, deps, labels)
    return 0


if __name__ == '__main__':
    sys.exit(main())
