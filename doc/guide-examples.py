#!/usr/bin/env python3
# guide-examples.py: keeps the code in the user guide pages identical to the
# example programs in examples/guide/, which the test suite runs.
#
# A page quotes an example with a marker line followed by a fenced block:
#
#     <!-- example: overview.c -->
#     ```c
#     ...the whole of examples/guide/overview.c...
#     ```
#
#   guide-examples.py --check  [--examples-dir D] [--pages-dir P] [PAGE...]
#       exit 1 and show a diff when a block differs from its file
#   guide-examples.py --update [--examples-dir D] [--pages-dir P] [PAGE...]
#       rewrite the blocks of the pages from the files
#   guide-examples.py --output DIR [--examples-dir D] PAGE...
#       write the pages, blocks filled from the files, into DIR (the build
#       does this, so the HTML always shows the code that was tested)
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import difflib
import os
import re
import sys

MARKER_RE = re.compile(r"^<!-- example: (?P<name>[A-Za-z0-9_.-]+) -->$")
FENCE_RE = re.compile(r"^```[A-Za-z0-9_+-]*$")

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_EXAMPLES = os.path.join(HERE, os.pardir, "examples", "guide")


class PageError(Exception):
    pass


def fill(page, text, examples_dir, used):
    """The page @text with every example block replaced by its file."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        match = MARKER_RE.match(line)
        if match is None:
            continue
        name = match.group("name")
        if i >= len(lines) or not FENCE_RE.match(lines[i]):
            raise PageError("%s:%d: the example marker for %s is not followed "
                            "by a ``` line" % (page, i, name))
        out.append(lines[i])
        i += 1
        while i < len(lines) and lines[i] != "```":
            i += 1
        if i == len(lines):
            raise PageError("%s: the block of %s has no closing ```"
                            % (page, name))
        path = os.path.join(examples_dir, name)
        try:
            with open(path, encoding="utf-8") as f:
                code = f.read()
        except OSError as e:
            raise PageError("%s: example %s: %s" % (page, name, e.strerror))
        if "\n```" in "\n" + code:
            raise PageError("%s contains a ``` line" % path)
        out.extend(code.rstrip("\n").split("\n"))
        out.append("```")
        used.add(name)
        i += 1
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--update", action="store_true")
    mode.add_argument("--output", metavar="DIR")
    parser.add_argument("--examples-dir", default=DEFAULT_EXAMPLES)
    parser.add_argument("--pages-dir", default=HERE)
    parser.add_argument("pages", nargs="*")
    options = parser.parse_args()

    pages = options.pages or sorted(
        os.path.join(options.pages_dir, name)
        for name in os.listdir(options.pages_dir) if name.endswith(".md"))
    used = set()
    stale = []
    for page in pages:
        with open(page, encoding="utf-8") as f:
            text = f.read()
        try:
            filled = fill(page, text, options.examples_dir, used)
        except PageError as e:
            print("guide-examples: %s" % e, file=sys.stderr)
            return 1
        if options.output:
            target = os.path.join(options.output, os.path.basename(page))
            with open(target, "w", encoding="utf-8") as f:
                f.write(filled)
        elif filled != text:
            stale.append(page)
            if options.update:
                with open(page, "w", encoding="utf-8") as f:
                    f.write(filled)
                print("updated %s" % page)
            else:
                sys.stdout.writelines(difflib.unified_diff(
                    text.splitlines(True), filled.splitlines(True),
                    page, page + " (from the examples)"))

    if options.check:
        if not used:
            print("guide-examples: no example blocks in %s" % " ".join(pages),
                  file=sys.stderr)
            return 1
        if stale:
            print("\nguide-examples: %d page(s) differ from examples/guide/; "
                  "run doc/guide-examples.py --update" % len(stale),
                  file=sys.stderr)
            return 1
        unquoted = sorted(
            name for name in os.listdir(options.examples_dir)
            if name.endswith((".c", ".py", ".js", ".vala")) and name not in used)
        if unquoted:
            print("guide-examples: examples no page quotes: %s"
                  % " ".join(unquoted), file=sys.stderr)
            return 1
        print("%d examples quoted verbatim in %d pages" % (len(used), len(pages)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
