#!/usr/bin/env python3
# check-version-macros.py: the availability macros do what
# concurra-version-macros.h says, compiled by the C compiler:
# CONCURRA_VERSION_MIN_REQUIRED below 1.0 and MAX_ALLOWED below
# MIN_REQUIRED are errors; a CONCURRA_DEPRECATED_IN_1_0(_FOR) symbol warns
# (every program requires 1.0 at least); an unavailable one warns;
# CONCURRA_AVAILABLE_IN_ALL still compiles.
#
#   check-version-macros.py SOURCE-INCLUDE-DIR BUILD-INCLUDE-DIR CC [ARG...]
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import subprocess
import sys
import tempfile

PRELUDE = "#include <concurra.h>\n"


def compile_c(cc, includes, source, defines=()):
    """-> (ok, diagnostics) of compiling @source with deprecations fatal."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.c")
        with open(path, "w") as f:
            f.write(source)
        cflags = subprocess.run(["pkg-config", "--cflags", "glib-2.0", "gobject-2.0",
                                 "gio-2.0"], capture_output=True, text=True,
                                check=True).stdout.split()
        args = [*cc, "-c", "-o", os.path.join(tmp, "t.o"),
                "-Werror=deprecated-declarations", *cflags,
                *("-I" + d for d in includes), *("-D" + d for d in defines), path]
        r = subprocess.run(args, capture_output=True, text=True)
        return r.returncode == 0, r.stderr


def main():
    includes, cc = sys.argv[1:3], sys.argv[3:]
    failures = []

    def expect(what, ok, diagnostics, want_ok, words=()):
        if ok != want_ok or any(w not in diagnostics for w in words):
            failures.append("%s: compiled %s, expected %s\n%s"
                            % (what, "fine" if ok else "with errors",
                               "fine" if want_ok else "errors mentioning %s"
                               % (words,), diagnostics))

    use = PRELUDE + "int main (void) { return concurra_runner_new (NULL) == NULL; }\n"
    ok, out = compile_c(cc, includes, use)
    expect("the API with the defaults", ok, out, True)
    ok, out = compile_c(cc, includes, use,
                        ["CONCURRA_VERSION_MIN_REQUIRED=CONCURRA_VERSION_1_0",
                         "CONCURRA_VERSION_MAX_ALLOWED=CONCURRA_VERSION_1_0"])
    expect("MIN_REQUIRED = MAX_ALLOWED = 1.0", ok, out, True)
    ok, out = compile_c(cc, includes, use,
                        ["CONCURRA_VERSION_MIN_REQUIRED=G_ENCODE_VERSION(0,9)"])
    expect("MIN_REQUIRED 0.9", ok, out, False,
           ["CONCURRA_VERSION_MIN_REQUIRED must be >= CONCURRA_VERSION_1_0"])
    ok, out = compile_c(cc, includes, use,
                        ["CONCURRA_VERSION_MIN_REQUIRED=G_ENCODE_VERSION(1,2)",
                         "CONCURRA_VERSION_MAX_ALLOWED=CONCURRA_VERSION_1_0"])
    expect("MAX_ALLOWED below MIN_REQUIRED", ok, out, False,
           ["CONCURRA_VERSION_MAX_ALLOWED must be >= CONCURRA_VERSION_MIN_REQUIRED"])

    deprecated = PRELUDE + (
        "CONCURRA_DEPRECATED_IN_1_0 void old_call (void);\n"
        "CONCURRA_DEPRECATED_IN_1_0_FOR (new_call) void older_call (void);\n"
        "CONCURRA_AVAILABLE_IN_1_0 void new_call (void);\n"
        "CONCURRA_AVAILABLE_IN_ALL void any_call (void);\n"
        "void use (void) { %s (); }\n")
    for name, words in (("old_call", ["old_call", "deprecated"]),
                        ("older_call", ["older_call", "new_call"])):
        ok, out = compile_c(cc, includes, deprecated % name)
        expect("calling %s, requiring 1.0" % name, ok, out, False, words)
    for name in ("new_call", "any_call"):
        ok, out = compile_c(cc, includes, deprecated % name)
        expect("calling %s" % name, ok, out, True)
    unavailable = PRELUDE + ("CONCURRA_UNAVAILABLE (1, 2) void future_call (void);\n"
                             "void use (void) { future_call (); }\n")
    ok, out = compile_c(cc, includes, unavailable)
    expect("calling a symbol unavailable until 1.2", ok, out, False,
           ["future_call", "1.2"])

    for failure in failures:
        print(failure)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
