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
#   4. process mode: 10 000 tiny process tasks at max-concurrency 2 >= 1.5x
#      the throughput of Python's multiprocessing.Pool(2); 8 CPU-bound tasks
#      of 0.5 s: >= 1.8x faster at max-concurrency 2 than with one worker;
#      one GSubprocess per task for reference.
#   5. futures: concurra_wait (FIRST_COMPLETED) wakes a blocked waiter
#      < 20 us median and < 200 us p99 after the task returns (against
#      Python's concurrent.futures.wait, bare GCond floors and Concurry's
#      1-100 ms polling); gather and a task stream over 10k/100k/1M tasks,
#      half finished, stay linear; a wait on a 5 s task makes no wakeups.
#
#   bench/compare.py [--build-dir DIR] [--tasks N] [--reps R] [--quick]
#                    [--skip-scaling] [--skip-idle] [--skip-process]
#                    [--process-rounds N] [--skip-futures] [--futures-rounds N]
#                    [--latency-trials N] [--gather-reps N] [--strict] [--json FILE]
#
# Ratios use medians (best-of in parentheses). --strict exits 1 when a
# target is missed. Results are also written as JSON (default
# bench/results/latest.json).
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
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
MP_TINY_RATIO_MIN = 1.5    # process tasks/s vs multiprocessing.Pool(2) apply_async
CPU_SPEEDUP_MIN = 1.8      # 8 x 0.5 s CPU at max-concurrency 2 vs one worker
WAKE_MEDIAN_US_MAX = 20.0  # concurra_wait wake-up latency, median
WAKE_P99_US_MAX = 200.0    # and p99
GATHER_STEP_MAX = 2.0      # gather/stream per-task time per 10x tasks (O(n^2) would be 10x)
GATHER_INSTR_STEP_MAX = 1.25      # user-space instructions per task of the calling thread
GATHER_DONE_INSTR_STEP_MAX = 1.1  # same, all tasks done (no waiting: deterministic work)
IDLE_WAIT_CALLS_MAX = 2    # poll/futex calls of a thread waiting on a 5 s task


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
    gtp_obj = run([exe('bench-gthreadpool'), '--tasks', n, '--reps', str(args.reps), '--concurrency', c,
                   '--gobject'], args.verbose)[0]
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
            row('same, one GObject per item', gtp_obj, 'informational'),
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
    print(f'  concurra vs GThreadPool with a GObject per item: {con["median"] / gtp_obj["median"]:.2f}x the time '
          f'(best-of {con["best"] / gtp_obj["best"]:.2f}x), informational')
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
    report['noop'] = {'floor': floor, 'concurra': con, 'concurra_defaults': dfl, 'gthreadpool': gtp,
                      'gthreadpool_gobject': gtp_obj, 'python_tpe': tpe,
                      'speedup_vs_tpe': speedup, 'ratio_vs_gthreadpool': ratio,
                      'target_tpe_met': t1, 'target_gthreadpool_met': t2}


def bench_scaling(args, exe, report, misses):
    print('== 2. scaling (one process per size, max-concurrency 2) ==', flush=True)
    sizes = [10000, 100000, 1000000] if not args.quick else [10000, 100000]
    cases = [('independent', n) for n in sizes] + [('chain', 100000), ('fan-in', 100000)]
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
    fan_in = [r for mode, n, r in results if mode == 'fan-in'][0]
    print(f'  100k fan-in (one task waits for 99 999): add {fan_in["add"]:.3f} s vs '
          f'{i100k["add"]:.3f} s independent (linear in the number of dependency labels)')
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


def pooled_median(results, key='times'):
    """The median over the repetitions of several RESULT lines."""
    times = sorted(float(t) for r in results for t in str(r[key]).split(','))
    n = len(times)
    return times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2, times[0]


def bench_process(args, exe, report, misses):
    rounds = args.process_rounds
    n, reps = 10000, 3
    print(f'== 4. process mode: {n} tiny tasks and 8 x 0.5 s CPU-bound tasks, max-concurrency 2 '
          f'({rounds} interleaved rounds of {reps} repetitions) ==', flush=True)
    mp = [PYTHON, os.path.join(HERE, 'bench_mp.py')]
    res = {}
    # interleaved, so that a noisy neighbour hits both sides alike
    for _ in range(rounds):
        for r in (run([exe('bench-process'), 'tiny', '--tasks', str(n), '--reps', str(reps), '--concurrency', '2'],
                      args.verbose) +
                  run(mp + ['tiny', '--tasks', str(n), '--reps', str(reps), '--concurrency', '2'], args.verbose)):
            res.setdefault(r['name'], []).append(r)
    con, pool, pool_map = res['process-tiny'], res['mp-pool-tiny'], res['mp-pool-map-tiny']

    def cpu_us(name):
        values = sorted(r['median_cpu_us_per_task'] for r in res[name])
        return values[len(values) // 2]
    spawn = [r for r in run([exe('bench-process'), 'spawn', '--tasks', '1000', '--reps', '5', '--concurrency', '2'],
                            args.verbose) if r['name'] == 'process-spawn']
    (c_med, c_best), (p_med, p_best) = pooled_median(con), pooled_median(pool)
    (m_med, m_best), (s_med, s_best) = pooled_median(pool_map), pooled_median(spawn)
    a_med, a_best = pooled_median(res['mp-pool-apply-tiny'])
    rows = [['concurra-glib process tasks (warm workers)', f'{n / c_med:.0f}', f'{n / c_best:.0f}',
             f'{cpu_us("process-tiny-cpu"):.1f}', '1.00x', 'measured'],
            [f'Python {platform.python_version()} multiprocessing.Pool(2), apply_async per task',
             f'{n / p_med:.0f}', f'{n / p_best:.0f}', f'{cpu_us("mp-pool-tiny-cpu"):.1f}', f'{c_med / p_med:.2f}x',
             'peer'],
            ['  same, pool.map (chunks of ~N/8 tasks per message)', f'{n / m_med:.0f}', f'{n / m_best:.0f}',
             f'{cpu_us("mp-pool-map-tiny-cpu"):.1f}', f'{c_med / m_med:.2f}x', 'informational'],
            ['  same, pool.apply from 2 threads (1 task in flight each)', f'{n / a_med:.0f}', f'{n / a_best:.0f}',
             f'{cpu_us("mp-pool-apply-tiny-cpu"):.1f}', f'{c_med / a_med:.2f}x', 'informational'],
            ['one GSubprocess per task (1000 tasks)', f'{1000 / s_med:.0f}', f'{1000 / s_best:.0f}', '',
             f'{(c_med / n) / (s_med / 1000):.2f}x', 'naive']]
    print(table(['implementation', 'tasks/s (median)', 'tasks/s (best)', 'CPU us/task', 'throughput / concurra', ''],
                rows))
    ratio, ratio_best = p_med / c_med, p_best / c_best
    ok_tiny = ratio >= MP_TINY_RATIO_MIN
    print(f'  concurra vs multiprocessing.Pool(2): {ratio:.2f}x the throughput (best-of {ratio_best:.2f}x), '
          f'target >= {MP_TINY_RATIO_MIN:g}x: {verdict(ok_tiny)}')
    print(f'  concurra vs one GSubprocess per task: {(s_med / 1000) / (c_med / n):.1f}x the throughput')
    if not ok_tiny:
        misses.append(f'process: {ratio:.2f}x the tiny-task throughput of multiprocessing.Pool(2) '
                      f'(< {MP_TINY_RATIO_MIN:g}x)')

    cpu = run([exe('bench-process'), 'cpu', '--tasks', '8', '--seconds', '0.5', '--reps', str(args.cpu_reps),
               '--concurrency', '2'], args.verbose)[0]
    mp_cpu = run(mp + ['cpu', '--tasks', '8', '--seconds', '0.5', '--reps', str(args.cpu_reps),
                       '--concurrency', '2'], args.verbose)[0]
    # A shared machine seldom gives two whole CPUs for seconds on end: the
    # verdict uses the best repetitions (the least disturbed), and the
    # control (the same burns on plain threads, no library) shows what the
    # machine allowed meanwhile.
    speedup, speedup_median = cpu['best_speedup'], cpu['speedup']
    mp_best = mp_cpu['single_best'] / mp_cpu['best']
    ok_cpu = speedup >= CPU_SPEEDUP_MIN
    rows = [['concurra-glib, max-concurrency 2 vs 1', f'{cpu["best"]:.3f}', f'{cpu["single_best"]:.3f}',
             f'{speedup:.2f}x', f'{speedup_median:.2f}x', f'{cpu["ideal"]:.3f}'],
            ['Python multiprocessing.Pool(2) vs Pool(1)', f'{mp_cpu["best"]:.3f}', f'{mp_cpu["single_best"]:.3f}',
             f'{mp_best:.2f}x', f'{mp_cpu["speedup"]:.2f}x', f'{cpu["ideal"]:.3f}'],
            ['control: 2 plain threads vs 1 (no library)', f'{cpu["control_median"]:.3f}',
             f'{cpu["control_single_median"]:.3f}', f'{cpu["control_best_speedup"]:.2f}x',
             f'{cpu["control_speedup"]:.2f}x', f'{cpu["ideal"]:.3f}']]
    print(table(['8 x 0.5 s CPU', 'best s', 'one worker best s', 'speed-up (best)', 'speed-up (median)',
                 'ideal s'], rows))
    print(f'  concurra speed-up over a single worker on {cpu["cpus"]} CPUs: {speedup:.2f}x best-of '
          f'({speedup_median:.2f}x medians; the control got {cpu["control_best_speedup"]:.2f}x / '
          f'{cpu["control_speedup"]:.2f}x), target >= {CPU_SPEEDUP_MIN:g}x: {verdict(ok_cpu)}')
    if not ok_cpu:
        misses.append(f'process: CPU-bound speed-up {speedup:.2f}x over one worker (< {CPU_SPEEDUP_MIN:g}x; '
                      f'plain threads got {cpu["control_best_speedup"]:.2f}x meanwhile)')
    print(flush=True)
    report['process'] = {'concurra_tiny': con, 'mp_pool_tiny': pool, 'mp_pool_map_tiny': pool_map,
                         'mp_pool_apply_tiny': res['mp-pool-apply-tiny'],
                         'cpu_us_per_task': {k: cpu_us(k) for k in res if k.endswith('-cpu')},
                         'spawn': spawn, 'concurra_cpu': cpu, 'mp_pool_cpu': mp_cpu,
                         'ratio_vs_mp_pool': ratio, 'cpu_speedup': speedup,
                         'target_mp_met': ok_tiny, 'target_cpu_met': ok_cpu}


def bench_futures(args, exe, report, misses):
    """5. futures: wake-up latency, gather/stream scaling, idle waits."""
    rounds = args.futures_rounds
    trials = str(args.latency_trials)
    print(f'== 5. futures: concurra_wait (FIRST_COMPLETED) wake-up latency, {trials} trials x {rounds} '
          f'interleaved rounds (runner started with concurra_runner_start, max-concurrency 2) ==', flush=True)
    wait = exe('bench-wait')
    pyf = [PYTHON, os.path.join(HERE, 'bench_futures.py')]
    runs = {'concurra': [], 'floor1': [], 'floor2': [], 'python': []}
    # interleaved, so that a noisy neighbour hits every side alike
    for _ in range(rounds):
        runs['concurra'] += run([wait, 'latency', '--trials', trials], args.verbose)
        runs['python'] += run(pyf + ['latency', '--trials', trials], args.verbose)
        runs['floor1'] += run([wait, 'floor', '--hops', '1', '--trials', trials], args.verbose)
        runs['floor2'] += run([wait, 'floor', '--hops', '2', '--trials', trials], args.verbose)
    busy = {}
    if not args.quick:
        busy['concurra'] = run([wait, 'latency', '--trials', trials, '--busy', '1'], args.verbose)
        busy['python'] = run(pyf + ['latency', '--trials', '2000', '--busy', '1'], args.verbose)

    def med(rs, key):
        v = sorted(r[key] for r in rs)
        n = len(v)
        return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2

    lat = {k: {s: med(rs, s + '_us') for s in ('median', 'p90', 'p99', 'max')} for k, rs in runs.items()}
    lat.update({'busy-' + k: {s: med(rs, s + '_us') for s in ('median', 'p90', 'p99', 'max')}
                for k, rs in busy.items()})
    c = lat['concurra']

    def row(name, key, note):
        r = lat[key]
        return [name, f'{r["median"]:.1f}', f'{r["p90"]:.1f}', f'{r["p99"]:.1f}', f'{r["max"]:.0f}',
                f'{r["median"] / c["median"]:.2f}x', note]

    rows = [row('concurra_wait (FIRST_COMPLETED)', 'concurra', 'measured'),
            row('bare GCond broadcast, 1 hop', 'floor1', 'floor'),
            row('GMainContext relay + GCond, 2 hops', 'floor2', "floor, concurra's shape"),
            row(f'Python {platform.python_version()} concurrent.futures.wait', 'python', 'peer')]
    if busy:
        rows += [row('concurra_wait, 1 busy thread in the process', 'busy-concurra', 'informational'),
                 row('Python wait, 1 busy Python thread (GIL)', 'busy-python', 'informational')]
    rows.append(['Concurry: polls every 1-100 ms (adaptive)', '500-50000', '', '', '',
                 f'{500 / c["median"]:.0f}-{50000 / c["median"]:.0f}x', 'documented, half an interval'])
    print(table(['waiter woken after the task returns', 'median us', 'p90 us', 'p99 us', 'max us',
                 'median / concurra', ''], rows))
    ok_med = c['median'] < WAKE_MEDIAN_US_MAX
    ok_p99 = c['p99'] < WAKE_P99_US_MAX
    print(f'  medians over {rounds} rounds; each round {trials} trials after 200 warm-up trials')
    print(f'  concurra median {c["median"]:.1f} us, target < {WAKE_MEDIAN_US_MAX:g} us: {verdict(ok_med)}; '
          f'p99 {c["p99"]:.1f} us, target < {WAKE_P99_US_MAX:g} us: {verdict(ok_p99)}')
    print(f'  vs Python concurrent.futures.wait: median {lat["python"]["median"] / c["median"]:.2f}x, '
          f'p99 {lat["python"]["p99"] / c["p99"]:.2f}x the latency')
    if not ok_med:
        misses.append(f'futures: wake-up median {c["median"]:.1f} us (>= {WAKE_MEDIAN_US_MAX:g} us)')
    if not ok_p99:
        misses.append(f'futures: wake-up p99 {c["p99"]:.1f} us (>= {WAKE_P99_US_MAX:g} us)')
    print(flush=True)

    sizes = [10000, 100000, 1000000] if not args.quick else [10000, 100000]
    print(f'== 5. futures: gather and a task stream over {"/".join(f"{n // 1000}k" for n in sizes)} tasks, '
          f'half finished, half released once the call sleeps (max-concurrency 2) ==', flush=True)
    coll, rows = {}, []

    def num(v, fmt):
        return format(v, fmt) if v is not None and v >= 0 else 'n/a'

    for what in ('gather', 'stream'):
        for n in sizes:
            r = run([wait, what, str(n), '--reps', str(args.gather_reps)], args.verbose)[0]
            coll[(what, n)] = r
            rows.append([what, n, f'{r["total"]:.4f}', f'{r["ns_per_task"]:.0f}', f'{r["added_ns_per_task"]:.0f}',
                         f'{r["before_sleep"] * 1e9 / n:.0f}', f'{r["tail_us"] / 1e3:.1f}',
                         num(r['ins_per_task'], '.0f'), num(r['cycles_per_task'], '.0f'),
                         f'{r["all_done_ns_per_task"]:.0f}', num(r['all_done_ins_per_task'], '.0f'),
                         num(r['all_done_cycles_per_task'], '.0f')])
    pyg = run(pyf + ['gather', '100000', '--reps', '3'], args.verbose)[0]
    rows.append(['Python wait(ALL_COMPLETED)', 100000, f'{pyg["total"]:.4f}', f'{pyg["ns_per_task"]:.0f}', '',
                 f'{pyg["before_sleep"] * 1e9 / 100000:.0f}', '', '', '', f'{pyg["all_done_ns_per_task"]:.0f}', '', ''])
    print(table(['call', 'tasks', 'call s', 'ns/task', 'ns/task over control', 'ns/task before sleeping',
                 'last task -> return ms', 'instr/task', 'cycles/task', 'all done ns/task', 'all done instr/task',
                 'all done cycles/task'], rows))
    print('  control = the same run waited on with concurra_wait on its last 2 tasks only (the runner\'s own work); '
          'instr/cycles: user space, calling thread')
    lin_ok = True
    for what in ('gather', 'stream'):
        for n0, n1 in zip(sizes, sizes[1:]):
            r0, r1 = coll[(what, n0)], coll[(what, n1)]
            step = r1['ns_per_task'] / r0['ns_per_task']
            ok = step <= GATHER_STEP_MAX
            line = (f'  {what} {n0} -> {n1}: time/task x{step:.2f} (<= x{GATHER_STEP_MAX:g}; O(n^2) would be '
                    f'x{n1 // n0})')
            if r0['ins_per_task'] > 0 and r1['ins_per_task'] > 0:
                istep = r1['ins_per_task'] / r0['ins_per_task']
                astep = r1['all_done_ins_per_task'] / r0['all_done_ins_per_task']
                iok = istep <= GATHER_INSTR_STEP_MAX and astep <= GATHER_DONE_INSTR_STEP_MAX
                line += (f', instructions/task x{istep:.2f} (<= x{GATHER_INSTR_STEP_MAX:g}), all done '
                         f'x{astep:.2f} (<= x{GATHER_DONE_INSTR_STEP_MAX:g})')
                if not iok:
                    misses.append(f'futures: {what} instructions per task grow x{max(istep, astep):.2f} '
                                  f'from {n0} to {n1}')
                ok &= iok
            lin_ok &= ok
            print(f'{line}: {verdict(ok)}')
            if step > GATHER_STEP_MAX:
                misses.append(f'futures: {what} per-task time grows x{step:.2f} from {n0} to {n1} tasks')
    print(f'  gather of 100k vs Python wait(ALL_COMPLETED) over 100k futures: '
          f'{pyg["total"] / coll[("gather", 100000)]["total"]:.1f}x faster')
    print(flush=True)

    idle = {}
    print(f'== 5. futures: idle wait on one {args.idle_seconds:g} s task, calls of the waiting thread (strace) ==',
          flush=True)
    if not shutil.which('strace'):
        print('  strace not installed: skipped (apt-get install -y strace)\n')
    else:
        apis = ['wait', 'wait-timeout', 'wait-async', 'task-wait', 'gather', 'stream', 'poll-1ms']
        if args.quick:
            apis = ['wait', 'wait-async', 'poll-1ms']
        rows = []
        for api in apis:
            r = run([os.path.join(HERE, 'idle-wait.sh'), '--seconds', str(args.idle_seconds), '--api', api,
                     '--bench', wait], args.verbose)[0]
            idle[api] = r
            reference = api == 'poll-1ms'
            ok = max(r['waiter_calls_window'], r['waiter_wakeups_window']) <= IDLE_WAIT_CALLS_MAX
            rows.append([api + (' (counter-example)' if reference else ''), r['waiter_calls_window'],
                         r['waiter_wakeups_window'], r['waiter_calls_total'], f'{r["waiter_longest_s"]:.3f}',
                         r['others_calls_window'], 'reference' if reference else verdict(ok)])
            if not ok and not reference:
                misses.append(f'futures idle ({api}): the waiting thread made {r["waiter_calls_window"]} '
                              f'poll/futex calls in {args.idle_seconds} s')
        print(table(['api', 'waiter calls in wait', 'waiter wakeups in wait', 'waiter calls whole run',
                     'longest call s', 'other threads calls in wait', f'<= {IDLE_WAIT_CALLS_MAX}'], rows))
        print('  poll-1ms = concurra_wait with a 1 ms timeout in a loop: what polling at Concurry\'s '
              'shortest interval looks like in the same count (strace slows it down)')
    print(flush=True)
    report['futures'] = {'latency': runs, 'latency_busy': busy, 'latency_medians': lat,
                         'collect': [dict(r, what=w) for (w, _), r in coll.items()], 'python_gather': pyg,
                         'idle': idle, 'target_median_met': ok_med, 'target_p99_met': ok_p99,
                         'target_linear_met': lin_ok}


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
    ap.add_argument('--skip-process', action='store_true')
    ap.add_argument('--process-rounds', type=int, default=5,
                    help='interleaved rounds of the tiny process-task benchmark and its Python peer')
    ap.add_argument('--cpu-reps', type=int, default=3, help='repetitions of the CPU-bound process benchmark')
    ap.add_argument('--skip-futures', action='store_true')
    ap.add_argument('--futures-rounds', type=int, default=3,
                    help='interleaved rounds of the wake-up latency benchmarks')
    ap.add_argument('--latency-trials', type=int, default=10000, help='trials per latency run')
    ap.add_argument('--gather-reps', type=int, default=5, help='repetitions per gather/stream size')
    ap.add_argument('--strict', action='store_true', help='exit 1 when a target is missed')
    ap.add_argument('--json', default=os.path.join(HERE, 'results', 'latest.json'))
    ap.add_argument('-v', '--verbose', action='store_true', help='show every repetition')
    args = ap.parse_args()
    if args.quick:
        args.reps, args.py_reps = 3, 3
        args.process_rounds, args.cpu_reps = 2, 1
        args.futures_rounds, args.gather_reps = 1, 3

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
    if not args.skip_process:
        bench_process(args, exe, report, misses)
    if not args.skip_futures:
        bench_futures(args, exe, report, misses)

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
