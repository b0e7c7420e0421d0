#!/bin/sh
# idle-wakeups.sh: counts the wakeups of a runner that waits on one long
# task (bench-idle) with strace, and prints the number of poll/ppoll calls
# the runner's owner thread makes while the task sleeps.
#
#   bench/idle-wakeups.sh [--seconds S] [--mode run|start] [--bench PATH]
#                         [--keep DIR]
#
# Defaults: 5 seconds, mode run (the owner is the calling thread),
# bench = $BUILD_DIR/bench/bench-idle with BUILD_DIR defaulting to
# <source root>/build. Needs strace (apt-get install -y strace).
#
# The last line is machine-readable (RESULT name=idle-wakeups ...).
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

here=$(cd "$(dirname "$0")" && pwd)
seconds=5
mode=run
bench="${BUILD_DIR:-$here/../build}/bench/bench-idle"
keep=
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --bench) bench=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "usage: $0 [--seconds S] [--mode run|start] [--bench PATH] [--keep DIR]" >&2; exit 2 ;;
  esac
done

if ! command -v strace >/dev/null 2>&1; then
  echo "idle-wakeups: strace not found (apt-get install -y strace)" >&2
  exit 77
fi
if [ ! -x "$bench" ]; then
  echo "idle-wakeups: $bench not built (ninja -C build)" >&2
  exit 1
fi

if [ -n "$keep" ]; then
  mkdir -p "$keep"; tmp=$keep
else
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fi

# -C = the -c summary table plus the per-call trace (with thread ids, epoch
# timestamps and, -T, the time spent in each call), all in the -o file.
strace -f -C -ttt -T -e trace=poll,ppoll,futex,epoll_wait -o "$tmp/trace" \
  "$bench" --seconds "$seconds" --mode "$mode" >"$tmp/out"

/usr/bin/python3 - "$tmp/trace" "$tmp/out" "$mode" "$seconds" <<'EOF'
import re, sys
from collections import defaultdict

trace_path, out_path, mode, seconds = sys.argv[1:]
threads, main_tid, task_tid, w0, w1 = {}, None, None, None, None
for line in open(out_path):
    f = line.split()
    if not f:
        continue
    if f[0] == 'MAIN':
        main_tid = int(f[1])
    elif f[0] == 'TASK-THREAD':
        task_tid = int(f[1])
    elif f[0] == 'THREAD':
        threads[int(f[1])] = ' '.join(f[2:])
    elif f[0] == 'WINDOW-START':
        w0 = float(f[1])
    elif f[0] == 'WINDOW-END':
        w1 = float(f[1])
if None in (main_tid, task_tid, w0, w1):
    sys.exit('idle-wakeups: bench-idle output incomplete:\n' + open(out_path).read())

# A call line starts a call; it ends on the same line (complete) or on a
# "<... name resumed>" line; -T appends the duration "<secs>" to the ending
# line. A return inside the window is a wakeup; a call started inside it
# follows one.
call = re.compile(r'^(\d+)\s+(\d+\.\d+)\s+(poll|ppoll|futex|epoll_wait)\(')
resumed = re.compile(r'^(\d+)\s+(\d+\.\d+)\s+<\.\.\. (poll|ppoll|futex|epoll_wait) resumed>')
duration = re.compile(r'<(\d+\.\d+)>\s*$')
summary, in_summary = [], False
total, window, wakeups = (defaultdict(lambda: defaultdict(int)) for _ in range(3))
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
    if w0 <= end <= w1:
        wakeups[tid][name] += 1

names = ('poll', 'ppoll', 'epoll_wait', 'futex')
def pollish(d):
    return d['poll'] + d['ppoll'] + d['epoll_wait']

# The owner: the calling thread for run; for start the runner's private
# thread, i.e. the thread other than main and the task's worker that polls.
if mode == 'run':
    owner = main_tid
else:
    cands = [t for t in total if t not in (main_tid, task_tid) and pollish(total[t]) > 0
             and threads.get(t, '') not in ('gmain', 'gdbus', 'pool-spawner')]
    owner = max(cands, key=lambda t: pollish(total[t])) if cands else main_tid

print(f'strace -f -c summary (whole process, {seconds} s task, mode {mode}):')
print('\n'.join(summary))
print()
print(f'per-thread calls started/returned inside the {w1 - w0:.2f} s window '
      f'(calls over the whole run in parentheses):')
print(f'{"tid":>8} {"thread":<24}' + ''.join(f'{n:>16}' for n in names))
for tid in sorted(set(total) | set(threads)):
    role = ' (owner)' if tid == owner else ' (task)' if tid == task_tid else ''
    print(f'{tid:>8} {(threads.get(tid, "?") + role):<24}' +
          ''.join(f'{f"{window[tid][n]}/{wakeups[tid][n]} ({total[tid][n]})":>16}' for n in names))
print()
ow, ot, owk = pollish(window[owner]), pollish(total[owner]), pollish(wakeups[owner])
aw = sum(pollish(window[t]) for t in window)
print(f'owner thread {owner} ({threads.get(owner, "?")}): {ow} poll/ppoll calls started and '
      f'{owk} returned (wakeups) during the {seconds} s wait, {ot} calls over the whole run; '
      f'all threads: {aw} poll/ppoll calls during the wait')
print(f'RESULT name=idle-wakeups mode={mode} seconds={seconds} owner_tid={owner} '
      f'owner_poll_window={ow} owner_wakeups_window={owk} owner_poll_total={ot} '
      f'owner_futex_window={window[owner]["futex"]} all_poll_window={aw} '
      f'all_calls_window={sum(sum(d.values()) for d in window.values())} '
      f'all_wakeups_window={sum(sum(d.values()) for d in wakeups.values())}')
EOF
