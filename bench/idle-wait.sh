#!/bin/sh
# idle-wait.sh: a futures wait on one task that takes S seconds must not
# wake up periodically. Runs `bench-wait idle` (a runner started with
# concurra_runner_start, one task sleeping S s, the main thread waiting for
# it with the chosen API) under strace and counts the poll/ppoll/epoll_wait
# and futex calls each thread makes while the task sleeps — above all the
# waiting thread's.
#
#   bench/idle-wait.sh [--seconds S] [--api API] [--bench PATH] [--keep DIR]
#
# API: wait (concurra_wait FIRST_COMPLETED, no timeout; default),
# wait-timeout (the same with a 1 h timeout), wait-async (concurra_wait_async
# from a thread running a GMainLoop), task-wait (concurra_task_wait),
# gather (concurra_gather), stream (ConcurraTaskStream next()); poll-1ms is
# the counter-example, a loop of 1 ms timed concurra_wait calls (polling at
# Concurry's shortest interval), to show what periodic wakeups look like.
# Defaults: 5 seconds, bench = $BUILD_DIR/bench/bench-wait with BUILD_DIR
# defaulting to <source root>/build. Needs strace (apt-get install -y strace).
#
# A call "in the window" started or returned while the task slept; the
# waiting thread should make none: it enters one futex wait (or one poll,
# for wait-async) before the window and returns from it after. The last
# line is machine-readable (RESULT name=idle-wait ...).
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

here=$(cd "$(dirname "$0")" && pwd)
seconds=5
api=wait
bench="${BUILD_DIR:-$here/../build}/bench/bench-wait"
keep=
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --api) api=$2; shift 2 ;;
    --bench) bench=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "usage: $0 [--seconds S] [--api wait|wait-timeout|wait-async|task-wait|gather|stream|poll-1ms] [--bench PATH] [--keep DIR]" >&2
       exit 2 ;;
  esac
done

if ! command -v strace >/dev/null 2>&1; then
  echo "idle-wait: strace not found (apt-get install -y strace)" >&2
  exit 77
fi
if [ ! -x "$bench" ]; then
  echo "idle-wait: $bench not built (ninja -C build)" >&2
  exit 1
fi

if [ -n "$keep" ]; then
  mkdir -p "$keep"; tmp=$keep
else
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fi

# -C = the -c summary table plus the per-call trace (thread ids, epoch
# timestamps and, -T, the time spent in each call), all in the -o file.
strace -f -C -ttt -T -e trace=poll,ppoll,futex,epoll_wait -o "$tmp/trace" \
  "$bench" idle --seconds "$seconds" --api "$api" >"$tmp/out"

/usr/bin/python3 - "$tmp/trace" "$tmp/out" "$api" "$seconds" <<'EOF'
import re, sys
from collections import defaultdict

trace_path, out_path, api, seconds = sys.argv[1:]
threads, waiter, task_tid, w0, w1 = {}, None, None, None, None
for line in open(out_path):
    f = line.split()
    if not f:
        continue
    if f[0] == 'WAITER':
        waiter = int(f[1])
    elif f[0] == 'TASK-THREAD':
        task_tid = int(f[1])
    elif f[0] == 'THREAD':
        threads[int(f[1])] = ' '.join(f[2:])
    elif f[0] == 'WINDOW-START':
        w0 = float(f[1])
    elif f[0] == 'WINDOW-END':
        w1 = float(f[1])
if None in (waiter, task_tid, w0, w1):
    sys.exit('idle-wait: bench-wait output incomplete:\n' + open(out_path).read())

# A call line starts a call; it ends on the same line (complete) or on a
# "<... name resumed>" line; -T appends the duration. A call started in the
# window, or one returning in it (a wakeup), counts.
call = re.compile(r'^(\d+)\s+(\d+\.\d+)\s+(poll|ppoll|futex|epoll_wait)\(')
resumed = re.compile(r'^(\d+)\s+(\d+\.\d+)\s+<\.\.\. (poll|ppoll|futex|epoll_wait) resumed>')
duration = re.compile(r'<(\d+\.\d+)>\s*$')
summary, in_summary = [], False
total, window, wakeups = (defaultdict(lambda: defaultdict(int)) for _ in range(3))
longest = defaultdict(float)   # longest single call per thread (s)
for line in open(trace_path):
    if line.startswith('% time') or in_summary:
        in_summary = True
        summary.append(line.rstrip('\n'))
        continue
    m = call.match(line)
    if m:
        tid, ts, name = int(m.group(1)), float(m.group(2)), m.group(3)
        total[tid][name] += 1
        if w0 <= ts <= w1:
            window[tid][name] += 1
        if '<unfinished ...>' in line:
            continue
        d = duration.search(line)
        end = ts + float(d.group(1)) if d else ts
    else:
        m = resumed.match(line)
        if not m:
            continue
        tid, end, name = int(m.group(1)), float(m.group(2)), m.group(3)
    d = duration.search(line)
    if d:
        longest[tid] = max(longest[tid], float(d.group(1)))
    if w0 <= end <= w1:
        wakeups[tid][name] += 1

names = ('poll', 'ppoll', 'epoll_wait', 'futex')
def calls(d):
    return sum(d[n] for n in names)

print(f'strace -f -c summary (whole process, {seconds} s task, api {api}):')
print('\n'.join(summary))
print()
print(f'per-thread calls started/returned inside the {w1 - w0:.2f} s window '
      f'(calls over the whole run in parentheses), longest single call:')
print(f'{"tid":>8} {"thread":<26}' + ''.join(f'{n:>16}' for n in names) + f'{"longest":>10}')
for tid in sorted(set(total) | set(threads)):
    role = ' (waiter)' if tid == waiter else ' (task)' if tid == task_tid else ''
    print(f'{tid:>8} {(threads.get(tid, "?") + role):<26}' +
          ''.join(f'{f"{window[tid][n]}/{wakeups[tid][n]} ({total[tid][n]})":>16}' for n in names) +
          f'{longest[tid]:>9.3f}s')
print()
ww, wk, wt = calls(window[waiter]), calls(wakeups[waiter]), calls(total[waiter])
others = [t for t in set(total) | set(threads) if t not in (waiter, task_tid)]
ow = sum(calls(window[t]) for t in others)
ok = sum(calls(wakeups[t]) for t in others)
print(f'waiting thread {waiter}: {ww} poll/futex calls started and {wk} returned (wakeups) during the '
      f'{seconds} s wait ({wt} over the whole run; longest call {longest[waiter]:.3f} s); '
      f'other threads (runner, idle pool): {ow} started, {ok} returned')
print(f'RESULT name=idle-wait api={api} seconds={seconds} waiter_tid={waiter} '
      f'waiter_calls_window={ww} waiter_wakeups_window={wk} waiter_calls_total={wt} '
      f'waiter_longest_s={longest[waiter]:.3f} '
      f'waiter_futex_window={window[waiter]["futex"]} '
      f'waiter_poll_window={window[waiter]["poll"] + window[waiter]["ppoll"] + window[waiter]["epoll_wait"]} '
      f'others_calls_window={ow} others_wakeups_window={ok} '
      f'all_calls_window={sum(calls(d) for d in window.values())} '
      f'all_wakeups_window={sum(calls(d) for d in wakeups.values())}')
EOF
