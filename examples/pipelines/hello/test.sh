#!/bin/sh
# test.sh: end-to-end tests of the built hello program.
# Usage: test.sh PATH-TO-HELLO
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
hello=$1

expect () {
  expected=$1; shift
  actual=$("$hello" "$@")
  if [ "$actual" != "$expected" ]; then
    echo "FAIL: hello $*: got '$actual', expected '$expected'" >&2
    exit 1
  fi
  echo "ok - hello $*"
}

expect "Hello, world!"
expect "Hello, Ada!" Ada
expect "$(printf 'Hello, Ada!\nHello, Linus!')" Ada Linus

# a name that does not fit is an error, not a truncated greeting
long=$(printf '%300s' '' | tr ' ' x)
if "$hello" "$long" >/dev/null 2>&1; then
  echo "FAIL: hello accepted a 300-character name" >&2
  exit 1
fi
echo "ok - long name rejected"
