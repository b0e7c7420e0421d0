#!/usr/bin/env python3
# check-index-links.py: the Website and Source links of the reference's
# index page are filled, and those that point inside the reference lead to
# a page that was built.
#
#   check-index-links.py DOC-DIR
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import re
import sys


def main():
    doc_dir = sys.argv[1]
    with open(os.path.join(doc_dir, "index.html"), encoding="utf-8") as f:
        index = f.read()
    failed = False
    for name in ("Website", "Source"):
        match = re.search(r"<em>%s</em></td><td><a href=\"([^\"]*)\"" % name, index)
        if match is None:
            print("index.html: no %s row" % name)
            failed = True
            continue
        url = match.group(1)
        if not url:
            print("index.html: the %s link is empty" % name)
            failed = True
        elif "://" not in url and not os.path.exists(os.path.join(doc_dir, url)):
            print("index.html: the %s link %s leads to no page" % (name, url))
            failed = True
        else:
            print("%s: %s" % (name, url))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
