#!/usr/bin/env python3
# check-exported-symbols.py: every symbol the library exports is declared
# in a public header with a versioned availability macro
# (CONCURRA_AVAILABLE_IN_1_0, CONCURRA_DEPRECATED_IN_1_0, ..._FOR (f)), so
# that CONCURRA_VERSION_MIN_REQUIRED / MAX_ALLOWED cover the whole API.
#
#   check-exported-symbols.py LIBRARY HEADER...
#
# The exported symbols are those `nm -D --defined-only` lists. Exit status
# 1 with one line per symbol exported without such a declaration, or
# declared with the unversioned CONCURRA_AVAILABLE_IN_ALL (kept only so
# that older headers still compile).
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import re
import subprocess
import sys

MACRO = re.compile(
    r"\bCONCURRA_(?P<kind>AVAILABLE_IN_ALL|AVAILABLE_IN_\d+_\d+"
    r"|DEPRECATED_IN_\d+_\d+(?:_FOR\s*\([^)]*\))?)")
DECLARE_TYPE = re.compile(
    r"\s*G_DECLARE_(?:FINAL|DERIVABLE|INTERFACE)_TYPE\s*\(\s*\w+\s*,\s*(\w+)")
FUNCTION = re.compile(r"\b(\w+)\s*\(")


def declarations(path):
    """{symbol: macro} for the declarations of a header."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    found = {}
    for match in MACRO.finditer(text):
        rest = text[match.end():]
        declared = DECLARE_TYPE.match(rest)
        if declared:
            found[declared.group(1) + "_get_type"] = match.group("kind")
            continue
        statement = rest[:rest.find(";")]
        name = FUNCTION.search(statement)
        if name:
            found[name.group(1)] = match.group("kind")
    return found


def exported(library):
    out = subprocess.run(["nm", "-D", "--defined-only", library],
                         capture_output=True, text=True, check=True).stdout
    return {fields[2] for fields in (line.split() for line in out.splitlines())
            if len(fields) == 3 and fields[1] in "TDBRVW"}


def main():
    library, headers = sys.argv[1], sys.argv[2:]
    declared = {}
    for header in headers:
        declared.update(declarations(header))
    symbols = exported(library)
    problems = []
    for symbol in sorted(symbols):
        kind = declared.get(symbol)
        if kind is None:
            problems.append("%s: exported, but declared in no public header "
                            "with an availability macro" % symbol)
        elif kind == "AVAILABLE_IN_ALL":
            problems.append("%s: declared with CONCURRA_AVAILABLE_IN_ALL; use "
                            "the version it came in (CONCURRA_AVAILABLE_IN_1_0)"
                            % symbol)
    print("%d exported symbols, %d declarations read" % (len(symbols), len(declared)))
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
