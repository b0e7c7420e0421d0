#!/bin/bash
# test-install.sh: installs the build into a scratch DESTDIR and uses it as
# a user of an installed concurra-glib would, from C (pkg-config), Vala
# (valac --pkg concurra-glib-1), Meson (dependency() on the install, and the
# source tree as a subproject through its override_dependency()), Python
# (the installed override) and GJS (the installed typelib). Every program
# is run, and each one must have loaded the installed library, not the
# build tree's.
#
# Usage: test-install.sh SOURCE_ROOT BUILD_ROOT PREFIX LIBDIR PURELIB
#   (LIBDIR relative to PREFIX, PURELIB absolute or empty: no Python override)
# Run by meson test (suite 'install'); KEEP_INSTALL_TEST=1 keeps the scratch
# directory.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

src=$1 build=$2 prefix=$3 libdir=$4 purelib=${5:-}
here=$src/tests/install

scratch=$(mktemp -d "${TMPDIR:-/tmp}/concurra-install-test.XXXXXX")
if [ -z "${KEEP_INSTALL_TEST:-}" ]; then
  trap 'rm -rf "$scratch"' EXIT
else
  echo "scratch directory: $scratch"
fi
dest=$scratch/dest
root=$dest$prefix                 # the install prefix inside DESTDIR
lib=$dest$prefix/$libdir

step () { printf '\n== %s\n' "$*"; }
fail () { echo "FAIL: $*" >&2; exit 1; }

step "meson install --destdir $dest"
meson install -C "$build" --no-rebuild --destdir "$dest" >"$scratch/install.log" \
  || { cat "$scratch/install.log"; fail "meson install"; }
for f in "$libdir/pkgconfig/concurra-glib-1.pc" \
         include/concurra-glib-1/concurra.h \
         "$libdir/girepository-1.0/Concurra-1.typelib" \
         share/vala/vapi/concurra-glib-1.vapi share/vala/vapi/concurra-glib-1.deps; do
  [ -e "$root/$f" ] || fail "not installed: $prefix/$f"
done

[ -e "$root/share/bash-completion/completions/concurra-run" ] \
  || fail "not installed: $prefix/share/bash-completion/completions/concurra-run"
if command -v scdoc >/dev/null; then
  [ -e "$root/share/man/man1/concurra-run.1" ] || fail "not installed: $prefix/share/man/man1/concurra-run.1"
fi

# The .pc file says prefix=$prefix: it is the file of an install to $root,
# where DESTDIR put it, once that line says so.
sed -i "s|^prefix=.*|prefix=$root|" "$lib/pkgconfig/concurra-glib-1.pc"

# Nothing of the build tree from here on.
unset GI_TYPELIB_PATH PYTHONPATH PKG_CONFIG_PATH XDG_DATA_DIRS MESON_DEVENV
export PKG_CONFIG_PATH=$lib/pkgconfig
export LD_LIBRARY_PATH=$lib
export GI_TYPELIB_PATH=$lib/girepository-1.0
# valac finds VAPIs in $XDG_DATA_DIRS/vala/vapi
export XDG_DATA_DIRS=$root/share:/usr/local/share:/usr/share
export PYTHONDONTWRITEBYTECODE=1

# The binary must load the installed library.
check_links () {
  local found
  found=$(ldd "$1" | awk '/libconcurra-glib-1\.so/ {print $3}')
  [ "$found" = "$lib/libconcurra-glib-1.so.0" ] \
    || fail "$1 loads '$found', not $lib/libconcurra-glib-1.so.0"
}

step "C: cc main.c \$(pkg-config --cflags --libs concurra-glib-1)"
cc -o "$scratch/consumer-c" "$here/consumer/main.c" \
   $(pkg-config --cflags --libs concurra-glib-1)
check_links "$scratch/consumer-c"
"$scratch/consumer-c" | tee "$scratch/out"
grep -qx 'C: square_5 = 25 (concurra-glib [0-9.]*)' "$scratch/out" || fail "C program output"

if command -v valac >/dev/null; then
  step "Vala: valac --pkg concurra-glib-1 consumer.vala"
  (cd "$scratch" && valac --pkg concurra-glib-1 -o consumer-vala "$here/consumer/consumer.vala" \
      -X -w)
  check_links "$scratch/consumer-vala"
  "$scratch/consumer-vala" | tee "$scratch/out"
  grep -qx 'Vala: square_5 = 25' "$scratch/out" || fail "Vala program output"
  meson_vala=-Dvala=true
else
  echo "valac not found: the Vala program and the Meson project's Vala target are left out"
  meson_vala=-Dvala=false
fi

step "Meson: dependency('concurra-glib-1') on the install"
cp -r "$here/consumer" "$scratch/meson-installed"
meson setup --wrap-mode=nofallback $meson_vala "$scratch/meson-installed/_build" \
  "$scratch/meson-installed" >"$scratch/meson.log" || { cat "$scratch/meson.log"; fail "meson setup"; }
grep -q 'concurra-glib-1 found: YES' "$scratch/meson.log" || { cat "$scratch/meson.log"; fail "dependency not found"; }
meson compile -C "$scratch/meson-installed/_build" >>"$scratch/meson.log" || { cat "$scratch/meson.log"; fail "meson compile"; }
for prog in consumer-c $( [ "$meson_vala" = -Dvala=true ] && echo consumer-vala ); do
  check_links "$scratch/meson-installed/_build/$prog"
  "$scratch/meson-installed/_build/$prog"
done

step "Meson: subprojects/concurra-glib (a link to the source tree), override_dependency()"
cp -r "$here/consumer" "$scratch/meson-subproject"
mkdir "$scratch/meson-subproject/subprojects"
ln -s "$src" "$scratch/meson-subproject/subprojects/concurra-glib"
(
  # no installed copy may be found instead of the subproject
  unset PKG_CONFIG_PATH LD_LIBRARY_PATH
  meson setup --force-fallback-for=concurra-glib-1 "$scratch/meson-subproject/_build" \
    "$scratch/meson-subproject" >"$scratch/meson-sub.log" \
    || { cat "$scratch/meson-sub.log"; fail "meson setup (subproject)"; }
  grep -q 'Dependency concurra-glib-1 found: YES .* (overridden)' "$scratch/meson-sub.log" \
    || { cat "$scratch/meson-sub.log"; fail "the subproject's override was not used"; }
  meson compile -C "$scratch/meson-subproject/_build" >>"$scratch/meson-sub.log" \
    || { cat "$scratch/meson-sub.log"; fail "meson compile (subproject)"; }
  found=$(ldd "$scratch/meson-subproject/_build/consumer-c" | awk '/libconcurra-glib-1\.so/ {print $3}')
  case $found in
    "$scratch/meson-subproject/_build/subprojects/concurra-glib/"*) ;;
    *) fail "consumer-c loads '$found', not the subproject's library" ;;
  esac
  "$scratch/meson-subproject/_build/consumer-c"
)

if [ -n "$purelib" ] && /usr/bin/python3 -c 'import gi' 2>/dev/null; then
  step "Python: the installed override"
  PYTHONPATH=$dest$purelib /usr/bin/python3 "$here/consumer/consumer.py" | tee "$scratch/out"
  grep -qx "override: $dest$purelib/gi/overrides/Concurra.py" "$scratch/out" || fail "override not the installed one"
  grep -qx "typelib: $lib/girepository-1.0/Concurra-1.typelib" "$scratch/out" || fail "typelib not the installed one"
else
  echo "no Python override installed or no PyGObject: Python left out"
fi

if command -v gjs >/dev/null; then
  step "GJS: the installed typelib"
  gjs -m "$here/consumer/consumer.js" | tee "$scratch/out"
  grep -qx 'GJS: square_5 = 25' "$scratch/out" || fail "GJS output"
  grep -qx "library: $lib/libconcurra-glib-1.so.0.0.0" "$scratch/out" || fail "GJS loaded another library"
else
  echo "gjs not found: GJS left out"
fi

step "all installed-use checks passed"
