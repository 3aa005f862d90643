#!/usr/bin/python3
"""Xapian's own indexing baseline: what vnindex adds over plain Xapian.

    /usr/bin/python3 bench/xapian-baseline.py DBDIR PATH...

One document per paragraph (blank-line separated blocks of the .txt files,
lines joined with a space: the same rows as bench-fts5), indexed with
Xapian's TermGenerator (no stemmer, positions on, as Omega does), the text
stored as document data so the database can show snippets, and a unique id
term.  No folding of marks, no tags, no aliases: this is the floor vnindex
is measured against.  bench/run times this script plus `xapian-compact`.
Needs python3-xapian (Debian's package; /usr/bin/python3).
"""
import os
import sys

import xapian


def paragraphs(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        para, first = [], 0
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if line.strip():
                if not para:
                    first = lineno
                para.append(line)
            elif para:
                yield first, " ".join(para)
                para = []
        if para:
            yield first, " ".join(para)


def txt_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith(".txt"):
                        yield os.path.join(root, name)
        else:
            yield p


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: xapian-baseline.py DBDIR PATH...")
    db = xapian.WritableDatabase(sys.argv[1], xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    docs = 0
    for path in txt_files(sys.argv[2:]):
        name = os.path.basename(path)
        for line, text in paragraphs(path):
            doc = xapian.Document()
            tg.set_document(doc)
            tg.index_text(text)
            ident = "%s:%d" % (name, line)
            doc.set_data(ident + "\n" + text)
            doc.add_boolean_term("Q" + ident)
            db.add_document(doc)
            docs += 1
    db.commit()
    db.close()
    print("xapian-baseline: documents=%d" % docs)


if __name__ == "__main__":
    main()
