#!/usr/bin/env python3
"""The house rule of STYLE.md, checked: arrows point down only.

    programs (indexer/, searcher/) -> lib/ -> readers/, vntext/, xapian-c/

Each folder may include its own headers, system headers, and only the
public headers of the folders below it: a program includes vnsearch.h (and
vntext.h, readers.h), never another program's headers, lib's private ones or
xapian-c.h; lib never includes a program's; vntext and xapian-c include
nothing of the project but their own.  Fails listing every include that
breaks the rule.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PUBLIC = {
    "lib": {"vnsearch.h"},
    "vntext": {"vntext.h"},
    "xapian-c": {"xapian-c.h"},
    "readers": {"readers.h"},
}
# What each folder may include from the others (their public headers).
BELOW = {
    "indexer": ["lib", "vntext", "readers"],
    "searcher": ["lib", "vntext", "readers"],
    "lib": ["vntext", "xapian-c", "readers"],
    "readers": ["vntext"],
    "vntext": [],
    "xapian-c": [],
}
GENERATED = {"searcher": {"serve-page.h"}}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def headers_of(folder):
    path = os.path.join(ROOT, folder)
    if not os.path.isdir(path):
        return set()
    return {f for f in os.listdir(path) if f.endswith(".h")}


def main():
    problems = []
    checked = 0
    for folder, below in BELOW.items():
        path = os.path.join(ROOT, folder)
        if not os.path.isdir(path):
            continue
        allowed = headers_of(folder) | GENERATED.get(folder, set())
        for b in below:
            allowed |= PUBLIC[b]
        for name in sorted(os.listdir(path)):
            if not name.endswith((".c", ".h", ".cc")):
                continue
            text = open(os.path.join(path, name), encoding="utf-8").read()
            checked += 1
            for inc in INCLUDE.findall(text):
                if inc not in allowed:
                    owner = [f for f in BELOW if inc in headers_of(f)]
                    problems.append("%s/%s includes \"%s\" (%s): not allowed from %s/" %
                                    (folder, name, inc, owner[0] + "/" if owner else "unknown", folder))
    for p in problems:
        print("layout: " + p)
    if problems:
        print("layout: %d include(s) break the house rule (tests/check-layout.py explains it)" % len(problems))
        return 1
    if checked < 20:
        print("layout: only %d files found under %s: wrong root?" % (checked, ROOT))
        return 1
    print("layout: %d files, every include points down" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main())
