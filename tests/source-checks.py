#!/usr/bin/env python3
# source-checks.py: checks over the source tree that no compiler makes.
#
#   source-checks.py code-width SOURCE-ROOT
#       every line of a fenced code block in doc/*.md is at most 90
#       characters long: longer ones are clipped in the rendered guide
#   source-checks.py spdx SOURCE-ROOT
#       every source file (C, headers, Python, JavaScript, Vala, meson,
#       shell) carries SPDX-FileCopyrightText and SPDX-License-Identifier
#       lines
#
# Exit status 1 with one line per offence. Run by meson (suite 'lint').
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import subprocess
import sys

CODE_WIDTH = 90

SOURCE_SUFFIXES = (".c", ".h", ".h.in", ".py", ".js", ".vala", ".sh",
                   ".toml.in", ".scd", ".bash-completion")
SOURCE_NAMES = ("meson.build", "meson_options.txt")
# Programs without a suffix: shell scripts named by their first line.
SHEBANGS = ("#!/bin/sh", "#!/bin/bash", "#!/usr/bin/env bash",
            "#!/usr/bin/env python3", "#!/usr/bin/python3")
# Concurra's and Concurry's README examples, kept as upstream wrote them
# (only the import differs): their upstream licenses apply, not ours.
THIRD_PARTY = ("tests/bindings/seed_examples/",)


def tracked_files(root):
    """The files of the tree: git's list in a checkout, a walk otherwise."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"],
                             capture_output=True, check=True).stdout
        return [p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for top, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs
                       if not d.startswith((".git", "build", "_build"))]
            for name in names:
                files.append(os.path.relpath(os.path.join(top, name), root))
        return files


def is_source(root, path):
    if path.startswith(THIRD_PARTY):
        return False
    name = os.path.basename(path)
    if name in SOURCE_NAMES or name.endswith(SOURCE_SUFFIXES):
        return True
    try:
        with open(os.path.join(root, path), "rb") as f:
            first = f.readline().decode("utf-8", "replace").strip()
    except OSError:
        return False
    return first in SHEBANGS


def check_spdx(root):
    problems = []
    for path in sorted(tracked_files(root)):
        if not is_source(root, path):
            continue
        with open(os.path.join(root, path), encoding="utf-8",
                  errors="replace") as f:
            text = f.read()
        if "SPDX-License-Identifier:" not in text:
            problems.append("%s: no SPDX-License-Identifier line" % path)
        if "SPDX-FileCopyrightText:" not in text:
            problems.append("%s: no SPDX-FileCopyrightText line" % path)
    return problems


def check_code_width(root):
    problems = []
    doc = os.path.join(root, "doc")
    for name in sorted(os.listdir(doc)):
        if not name.endswith(".md"):
            continue
        in_block = False
        with open(os.path.join(doc, name), encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if line.startswith("```"):
                    in_block = not in_block
                elif in_block and len(line) > CODE_WIDTH:
                    problems.append("doc/%s:%d: a code line of %d characters "
                                    "(at most %d)" % (name, number, len(line),
                                                      CODE_WIDTH))
    return problems


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("code-width", "spdx"):
        print("usage: source-checks.py code-width|spdx SOURCE-ROOT",
              file=sys.stderr)
        return 2
    check = check_code_width if sys.argv[1] == "code-width" else check_spdx
    problems = check(sys.argv[2])
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
