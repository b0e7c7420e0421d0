#!/bin/sh
# run-all.sh: configures and builds (debugoptimized) if needed, then runs
# every benchmark through bench/compare.py. Extra arguments go to compare.py
# (--quick, --strict, --skip-idle, -v, ...).
#
#   bench/run-all.sh [compare.py options]
#
# BUILD_DIR (default <source root>/build) picks the build directory.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build}

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$root" --buildtype=debugoptimized
fi
# only what the benchmarks need, so unrelated targets cannot block them
ninja -C "$build" bench/bench-noop bench/bench-gthreadpool bench/bench-scaling \
  bench/bench-idle bench/bench-floor bench/bench-process bench/bench-wait
exec /usr/bin/python3 "$here/compare.py" --build-dir "$build" "$@"
