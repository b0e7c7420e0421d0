#!/usr/bin/python3
# readme-snippets.py: runs the shell blocks of a Markdown file exactly as
# printed, the way a reader pastes them into a shell at the project root.
#
# A block is run when the line before its fence is
#   <!-- readme-test: TAG -->
# and TAG is the one asked for. Each block runs in one bash (so a `cd` or a
# variable carries over to its later lines), in a scratch copy of the
# project root: examples/ copied, build/ a link to the build directory. Each
# line must exit with 0 (pipes included); the first that does not fails the
# test. The environment is the caller's without what meson test adds for the
# build tree (LD_LIBRARY_PATH, GI_TYPELIB_PATH, PYTHONPATH, ...), and with
# TMPDIR the scratch directory.
#
#   readme-snippets.py --source-root SRC --build-root BUILD FILE TAG
#       [--isolated-install] [--plan]
#
# --isolated-install: the block installs (meson install, ldconfig): it runs
# in a mount namespace of its own where /usr/local and /etc are overlays
# whose writes go to the scratch directory, so nothing is installed on the
# machine. Needs root, unshare(1) and overlayfs; without them the test is
# skipped.
# --plan: TAG marks a plain block of `concurra-run -n build.pipeline`
# output; every line of it must be in the output of that command.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
BUILD_TREE_VARS = ("LD_LIBRARY_PATH", "GI_TYPELIB_PATH", "PYTHONPATH",
                   "PKG_CONFIG_PATH", "XDG_DATA_DIRS", "MESON_DEVENV",
                   "MESON_PROJECT_NAME", "MALLOC_PERTURB_")


def blocks(path, tag):
    """The (first line number, lines) of each fenced block tagged @tag."""
    lines = open(path, encoding="utf-8").read().split("\n")
    found = []
    marker = re.compile(r"<!--\s*readme-test:\s*(\S+)\s*-->")
    for i, line in enumerate(lines):
        m = marker.fullmatch(line.strip())
        if not m or m.group(1) != tag:
            continue
        if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
            sys.exit(f"{path}:{i + 1}: a readme-test marker not followed by a fence")
        end = lines.index("```", i + 2)
        found.append((i + 3, lines[i + 2:end]))
    if not found:
        sys.exit(f"{path}: no block tagged {tag}")
    return found


def script(path, first, lines):
    """A bash script running @lines one by one, stopping at the first failure."""
    out = ["set -o pipefail"]
    for n, line in enumerate(lines, first):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{os.path.basename(path)}:{n}"
        out.append(f"printf '\\n$ %s\\n' {shlex.quote(line)}")
        out.append(line)
        out.append(f"rc=$?; if [ $rc -ne 0 ]; then echo {shlex.quote('FAILED (' + where + '):')} "
                   f"\"exit $rc\" >&2; exit 1; fi")
    return "\n".join(out) + "\n"


def scratch_root(args, tmp):
    root = os.path.join(tmp, "project")
    os.mkdir(root)
    shutil.copytree(os.path.join(args.source_root, "examples"),
                    os.path.join(root, "examples"), symlinks=True)
    os.symlink(os.path.abspath(args.build_root), os.path.join(root, "build"))
    return root


def isolated(command, tmp):
    """@command in a mount namespace where /usr/local and /etc are overlays."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        print("needs root and unshare(1) to install into a private /usr/local")
        sys.exit(SKIP)
    mounts = []
    for target in ("/usr/local", "/etc"):
        name = target.strip("/").replace("/", "-")
        upper, work = os.path.join(tmp, name + "-upper"), os.path.join(tmp, name + "-work")
        os.makedirs(upper, exist_ok=True)
        os.makedirs(work, exist_ok=True)
        mounts.append(f"mount -t overlay overlay -o lowerdir={target},upperdir={upper},"
                      f"workdir={work} {target}")
    unshare = ["unshare", "-m"]
    undo = ""
    if subprocess.run(unshare + ["true"], capture_output=True).returncode != 0:
        # In a chroot (fresh-check) / is no mount point, so unshare cannot
        # make the namespace's mounts private, and whether they propagate
        # out cannot be read (/proc/self/mountinfo leaves out the mount
        # holding the chroot). Mount anyway and unmount at the end: at
        # worst the overlays show for a while inside the chroot's own
        # directory.
        unshare += ["--propagation", "unchanged"]
        undo = "; umount -l /etc; umount -l /usr/local"
    probe = subprocess.run(unshare + ["sh", "-c", " && ".join(mounts) + undo],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        print("cannot make a private /usr/local (unshare -m, overlay):", probe.stderr.strip())
        sys.exit(SKIP)
    return unshare + ["sh", "-c", " && ".join(mounts) + ' && "$0" "$@"; rc=$?' + undo
                      + "; exit $rc"] + command


def check_plan(args, root, path, tag):
    (first, lines), = blocks(path, tag)
    cwd = os.path.join(root, "examples", "pipelines")
    run = subprocess.run([os.path.join(args.build_root, "tools", "concurra-run"),
                          "-n", "build.pipeline"], cwd=cwd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"concurra-run -n build.pipeline: exit {run.returncode}\n{run.stderr}")
    shown = set(run.stdout.splitlines())
    missing = [line for line in lines if line not in shown]
    for line in missing:
        print(f"not in the output of concurra-run -n build.pipeline: {line!r}")
    print(run.stdout)
    return 1 if missing else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-root", required=True)
    parser.add_argument("--build-root", required=True)
    parser.add_argument("--isolated-install", action="store_true")
    parser.add_argument("--plan", action="store_true")
    parser.add_argument("file")
    parser.add_argument("tag")
    args = parser.parse_args()

    for name in BUILD_TREE_VARS:
        os.environ.pop(name, None)
    path = os.path.join(args.source_root, args.file)

    with tempfile.TemporaryDirectory(prefix="concurra-readme.") as tmp:
        root = scratch_root(args, tmp)
        # build.pipeline writes to ${TMPDIR:-/tmp}/concurra-hello-build: one
        # of its own, not the one another test may be using
        os.environ["TMPDIR"] = tmp
        if args.plan:
            return check_plan(args, root, path, args.tag)
        for first, lines in blocks(path, args.tag):
            script_path = os.path.join(tmp, f"block-{first}.sh")
            with open(script_path, "w") as f:
                f.write(script(path, first, lines))
            command = ["bash", script_path]
            if args.isolated_install:
                command = isolated(command, tmp)
            sys.stdout.flush()
            if subprocess.run(command, cwd=root).returncode != 0:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
