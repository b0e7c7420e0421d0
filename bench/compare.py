#!/usr/bin/python3
# compare.py: runs every concurra-glib benchmark and its peers in the same
# run and prints one table per benchmark with ratios and the targets:
#
#   1. 100 000 no-op tasks at max-concurrency 2, end to end:
#      concurra >= 8x faster than Python's ThreadPoolExecutor(2) and
#      within 2x of a raw GThreadPool (2 threads).
#   2. scaling 10k / 100k / 1M independent tasks and a 100k chain:
#      < 1 KiB peak RSS per task, linear time (per-task cost flat).
#   3. a runner waiting on one 5 s task: a handful of poll/ppoll calls on
#      the owner thread, no periodic wakeups.
#
#   bench/compare.py [--build-dir DIR] [--tasks N] [--reps R] [--quick]
#                    [--skip-scaling] [--skip-idle] [--strict] [--json FILE]
#
# Ratios use medians (best-of in parentheses). --strict exits 1 when a
# target is missed. Results are also written as JSON (default
# bench/results/latest.json).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(HERE)
PYTHON = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable

# targets
TPE_SPEEDUP_MIN = 8.0
GTP_RATIO_MAX = 2.0
BYTES_PER_TASK_MAX = 1024
LINEAR_STEP_MAX = 1.5      # per-task time may grow at most 1.5x per 10x tasks
IDLE_OWNER_POLLS_MAX = 5   # "a handful" during the wait


def parse_results(text):
    out = []
    for line in text.splitlines():
        if line.startswith('RESULT '):
            d = {}
            for kv in line.split()[1:]:
                k, _, v = kv.partition('=')
                try:
                    d[k] = int(v)
                except ValueError:
                    try:
                        d[k] = float(v)
                    except ValueError:
                        d[k] = v
            out.append(d)
    return out


def run(cmd, verbose, env=None):
    if verbose:
        print('$ ' + ' '.join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if verbose:
        sys.stdout.write(p.stdout)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f'compare: {cmd[0]} failed with status {p.returncode}')
    res = parse_results(p.stdout)
    if not res:
        raise SystemExit(f'compare: no RESULT line from {" ".join(cmd)}:\n{p.stdout}{p.stderr}')
    return res


def verdict(ok):
    return 'PASS' if ok else 'MISS'


def table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    sep = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'
    lines = [sep, '| ' + ' | '.join(str(h).ljust(w) for h, w in zip(headers, widths)) + ' |', sep]
    for r in rows:
        lines.append('| ' + ' | '.join(str(c).rjust(w) if isinstance(c, (int, float)) or str(c)[:1].isdigit()
                                       else str(c).ljust(w) for c, w in zip(r, widths)) + ' |')
    lines.append(sep)
    return '\n'.join(lines)


def bench_noop(args, exe, report, misses):
    n, c = str(args.tasks), '2'
    print(f'== 1. {args.tasks} no-op tasks, max-concurrency 2, end to end '
          f'(create, add, run, free) ==', flush=True)
    gtp = run([exe('bench-gthreadpool'), '--tasks', n, '--reps', str(args.reps), '--concurrency', c], args.verbose)[0]
    con = run([exe('bench-noop'), '--tasks', n, '--reps', str(args.reps), '--concurrency', c], args.verbose)[0]
    dfl = run([exe('bench-noop'), '--tasks', n, '--reps', str(max(3, args.reps // 2)), '--concurrency', c,
               '--defaults'], args.verbose)[0]
    tpe = run([PYTHON, os.path.join(HERE, 'bench_tpe.py'), '--tasks', n, '--reps', str(args.py_reps),
               '--concurrency', c], args.verbose)[0]

    def row(name, r, note):
        return [name, f'{r["best"]:.3f}', f'{r["median"]:.3f}', f'{r["median"] * 1e6 / args.tasks:.2f}',
                f'{r["median"] / con["median"]:.2f}x', note]

    rows = [row('concurra-glib (verify off)', con, 'measured'),
            row('concurra-glib (all defaults)', dfl, 'informational'),
            row('raw GThreadPool + GAsyncQueue', gtp, 'floor'),
            row(f'Python {platform.python_version()} ThreadPoolExecutor(2)', tpe, 'peer')]
    print(table(['implementation', 'best s', 'median s', 'us/task', 'time / concurra', ''], rows))

    speedup = tpe['median'] / con['median']
    speedup_best = tpe['best'] / con['best']
    ratio = con['median'] / gtp['median']
    ratio_best = con['best'] / gtp['best']
    t1 = speedup >= TPE_SPEEDUP_MIN
    t2 = ratio <= GTP_RATIO_MAX
    print(f'  concurra vs Python TPE : {speedup:.2f}x faster (best-of {speedup_best:.2f}x), '
          f'target >= {TPE_SPEEDUP_MIN:g}x: {verdict(t1)}')
    print(f'  concurra vs GThreadPool: {ratio:.2f}x the time (best-of {ratio_best:.2f}x), '
          f'target <= {GTP_RATIO_MAX:g}x: {verdict(t2)}')
    print(flush=True)
    if not t1:
        misses.append(f'noop: {speedup:.2f}x faster than Python TPE (< {TPE_SPEEDUP_MIN:g}x)')
    if not t2:
        misses.append(f'noop: {ratio:.2f}x the raw GThreadPool time (> {GTP_RATIO_MAX:g}x)')
    floor = {r['name'][len('floor-'):]: r for r in
             run([exe('bench-floor'), '--tasks', n, '--reps', '5'], args.verbose)}
    gtp_us = gtp['median'] * 1e6 / args.tasks
    print('  per-task costs below scheduling (bench-floor, one thread, median):')
    for key, what in (('task-object', 'ConcurraTask: concurra_task_new + unref'),
                      ('cancellable', 'GCancellable: g_cancellable_new + unref'),
                      ('gobject', 'bare GObject subclass: g_object_new + unref'),
                      ('gobject-construct', 'same, one construct-only property'),
                      ('label', 'g_strdup_printf ("%u") + g_free'),
                      ('signal-emit', 'g_signal_emit, no handler'),
                      ('notify', 'g_object_notify_by_pspec, no handler')):
        us = floor[key]['median'] * 1e6 / args.tasks
        print(f'    {what:<45} {us:6.3f} us = {us / gtp_us:5.2f}x a raw GThreadPool item')
    print(flush=True)
    report['noop'] = {'floor': floor, 'concurra': con, 'concurra_defaults': dfl, 'gthreadpool': gtp, 'python_tpe': tpe,
                      'speedup_vs_tpe': speedup, 'ratio_vs_gthreadpool': ratio,
                      'target_tpe_met': t1, 'target_gthreadpool_met': t2}


def bench_scaling(args, exe, report, misses):
    print('== 2. scaling (one process per size, max-concurrency 2) ==', flush=True)
    sizes = [10000, 100000, 1000000] if not args.quick else [10000, 100000]
    cases = [('independent', n) for n in sizes] + [('chain', 100000)]
    results = []
    for mode, n in cases:
        best = None
        for _ in range(args.scaling_reps):
            r = run([exe('bench-scaling'), mode, str(n), '--concurrency', '2'], args.verbose)[0]
            if best is None or r['total'] < best['total']:
                best = r
        results.append((mode, n, best))
    rows = [[mode, n, f'{r["add"]:.3f}', f'{r["run"]:.3f}', f'{r["free"]:.3f}', f'{r["total"]:.3f}',
             f'{r["us_per_task"]:.2f}', f'{(r["peak_rss"] - r["rss_base"]) / 1048576:.1f}',
             f'{r["bytes_per_task"]:.0f}']
            for mode, n, r in results]
    print(table(['graph', 'tasks', 'add s', 'run s', 'free s', 'total s', 'us/task', 'peak MiB',
                 'bytes/task'], rows))

    mem_ok = all(r['bytes_per_task'] < BYTES_PER_TASK_MAX for _, _, r in results)
    worst = max(results, key=lambda x: x[2]['bytes_per_task'])
    print(f'  peak RSS per task: max {worst[2]["bytes_per_task"]:.0f} B ({worst[0]} {worst[1]}), '
          f'target < {BYTES_PER_TASK_MAX} B: {verdict(mem_ok)}')
    if not mem_ok:
        misses.append(f'scaling: {worst[2]["bytes_per_task"]:.0f} bytes/task ({worst[0]} {worst[1]})')

    indep = [(n, r) for mode, n, r in results if mode == 'independent']
    lin_ok = True
    for (n0, r0), (n1, r1) in zip(indep, indep[1:]):
        step = r1['us_per_task'] / r0['us_per_task']
        ok = step <= LINEAR_STEP_MAX
        lin_ok &= ok
        print(f'  per-task time {n0} -> {n1}: x{step:.2f} (target <= x{LINEAR_STEP_MAX:g}): {verdict(ok)}')
        if not ok:
            misses.append(f'scaling: per-task time grows x{step:.2f} from {n0} to {n1} tasks')
    chain = [r for mode, n, r in results if mode == 'chain'][0]
    i100k = [r for n, r in indep if n == 100000][0]
    print(f'  100k chain vs 100k independent: x{chain["total"] / i100k["total"]:.2f} the time '
          f'(a chain runs one task at a time: every completion is a round trip to the owner)')
    print(flush=True)
    report['scaling'] = {'results': [dict(r, graph=m) for m, _, r in results],
                         'target_memory_met': mem_ok, 'target_linear_met': lin_ok}


def bench_idle(args, exe, report, misses):
    print('== 3. idle wakeups: a runner waiting on one 5 s task (strace) ==', flush=True)
    if not shutil.which('strace'):
        print('  strace not installed: skipped (apt-get install -y strace)\n')
        report['idle'] = None
        return
    rows, res = [], {}
    for mode in ('run', 'start'):
        r = run([os.path.join(HERE, 'idle-wakeups.sh'), '--seconds', str(args.idle_seconds), '--mode', mode,
                 '--bench', exe('bench-idle')], args.verbose)[0]
        res[mode] = r
        ok = max(r['owner_poll_window'], r['owner_wakeups_window']) <= IDLE_OWNER_POLLS_MAX
        rows.append([f'{mode} (owner tid {r["owner_tid"]})', r['owner_poll_window'], r['owner_wakeups_window'],
                     r['owner_poll_total'],
                     r['owner_futex_window'], r['all_poll_window'], r['all_calls_window'], verdict(ok)])
        if not ok:
            misses.append(f'idle ({mode}): owner made {r["owner_poll_window"]} poll/ppoll calls in '
                          f'{args.idle_seconds} s')
    print(table(['mode', 'owner polls in wait', 'owner wakeups in wait', 'owner polls whole run', 'owner futex in wait',
                 'all polls in wait', 'all traced calls in wait', f'<= {IDLE_OWNER_POLLS_MAX}'], rows))
    print(flush=True)
    report['idle'] = res


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--build-dir', default=os.environ.get('BUILD_DIR', os.path.join(SRC_ROOT, 'build')))
    ap.add_argument('--tasks', type=int, default=100000)
    ap.add_argument('--reps', type=int, default=7, help='repetitions of the C benchmarks')
    ap.add_argument('--py-reps', type=int, default=5, help='repetitions of the Python benchmark')
    ap.add_argument('--scaling-reps', type=int, default=1, help='processes per scaling size (best kept)')
    ap.add_argument('--idle-seconds', type=float, default=5)
    ap.add_argument('--quick', action='store_true', help='fewer repetitions, no 1M size')
    ap.add_argument('--skip-noop', action='store_true')
    ap.add_argument('--skip-scaling', action='store_true')
    ap.add_argument('--skip-idle', action='store_true')
    ap.add_argument('--strict', action='store_true', help='exit 1 when a target is missed')
    ap.add_argument('--json', default=os.path.join(HERE, 'results', 'latest.json'))
    ap.add_argument('-v', '--verbose', action='store_true', help='show every repetition')
    args = ap.parse_args()
    if args.quick:
        args.reps, args.py_reps = 3, 3

    bench_dir = os.path.join(os.path.abspath(args.build_dir), 'bench')

    def exe(name):
        path = os.path.join(bench_dir, name)
        if not os.access(path, os.X_OK):
            raise SystemExit(f'compare: {path} missing; build first (ninja -C {args.build_dir})')
        return path

    print(f'concurra-glib benchmarks — {platform.node()}, {os.cpu_count()} CPUs, '
          f'{platform.platform()}, {time.strftime("%Y-%m-%d %H:%M:%S")}\n', flush=True)
    report, misses = {'cpus': os.cpu_count(), 'date': time.time()}, []
    if not args.skip_noop:
        bench_noop(args, exe, report, misses)
    if not args.skip_scaling:
        bench_scaling(args, exe, report, misses)
    if not args.skip_idle:
        bench_idle(args, exe, report, misses)

    print('== summary ==')
    if misses:
        for m in misses:
            print('  MISS ' + m)
    else:
        print('  every target met')
    report['misses'] = misses
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(report, f, indent=2)
        print(f'  results: {args.json}')
    return 1 if (misses and args.strict) else 0


if __name__ == '__main__':
    sys.exit(main())
