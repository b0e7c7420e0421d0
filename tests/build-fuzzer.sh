#!/bin/sh
# build-fuzzer.sh: builds tests/fuzz-protocol.c with clang and libFuzzer
# (plus ASan and UBSan), compiling the library's internal protocol decoder
# in directly, then runs it for a bounded time on a copy of the seed corpus
# (tests/fuzz-corpus). Fails on any finding (crash, leak, undefined
# behaviour, timeout, out of memory); exits 77 (meson: skipped) when clang
# or libFuzzer is missing, unless the 'fuzzing' option is 'enabled'.
#
#   tests/build-fuzzer.sh SOURCE_ROOT BUILD_ROOT [SECONDS] [enabled|auto]
#
# SECONDS (default 30; $CONCURRA_FUZZ_SECONDS wins) bounds the run; new
# inputs and any crash artifact go to BUILD_ROOT/tests/fuzz/.
#
# Debian 12: apt-get install clang libclang-rt-14-dev
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

src=$1
build=$2
seconds=${CONCURRA_FUZZ_SECONDS:-${3:-30}}
mode=${4:-auto}
out=$build/tests/fuzz
CC=${FUZZ_CC:-clang}

unavailable () {
  echo "fuzz: $1" >&2
  if [ "$mode" = enabled ]; then
    exit 1
  fi
  exit 77
}

command -v "$CC" >/dev/null 2>&1 || unavailable "$CC not found (apt-get install clang libclang-rt-14-dev)"
command -v pkg-config >/dev/null 2>&1 || unavailable "pkg-config not found"

mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/concurra-fuzz-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# does this clang have libFuzzer and the sanitizers?
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput (const uint8_t *d, size_t n) { return 0; }\n' \
  > "$tmp/probe.c"
"$CC" -fsanitize=fuzzer,address,undefined "$tmp/probe.c" -o "$tmp/probe" >/dev/null 2>&1 ||
  unavailable "$CC cannot link -fsanitize=fuzzer,address,undefined (apt-get install libclang-rt-14-dev)"

# shellcheck disable=SC2046
"$CC" -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DCONCURRA_COMPILATION '-DG_LOG_DOMAIN="Concurra"' \
  -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 \
  -I"$src/concurra-glib" -I"$build/concurra-glib" \
  $(pkg-config --cflags glib-2.0) \
  "$src/tests/fuzz-protocol.c" \
  "$src/concurra-glib/concurra-protocol.c" \
  "$src/concurra-glib/concurra-error.c" \
  $(pkg-config --libs glib-2.0) \
  -o "$out/fuzz-protocol"

# the seeds are read-only; new inputs go to a scratch corpus
mkdir -p "$tmp/corpus"
for seed in "$src/tests/fuzz-corpus/"*; do
  case $seed in *.py) ;; *) cp "$seed" "$tmp/corpus/" ;; esac
done

# Every error domain a worker names becomes a quark of the parent, for
# good: GLib never frees quarks and drops its old quark table when it grows,
# which LeakSanitizer reports (with full stacks: GLib has no frame
# pointers). Everything else must be freed.
printf 'leak:g_quark_from_string\nleak:g_quark_from_static_string\n' > "$tmp/lsan.supp"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:abort_on_error=0:fast_unwind_on_malloc=0:malloc_context_size=8"
export LSAN_OPTIONS="suppressions=$tmp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
export G_SLICE=always-malloc

# a finding exits 1: libFuzzer's default, 77, would read as "skipped"
echo "fuzz: running $out/fuzz-protocol for $seconds s on $(ls "$tmp/corpus" | wc -l) seeds"
"$out/fuzz-protocol" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -error_exitcode=1 \
  -print_final_stats=1 -artifact_prefix="$out/" \
  "$tmp/corpus"
