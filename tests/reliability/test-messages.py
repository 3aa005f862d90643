#!/usr/bin/env python3
"""Reliability: what vnsearch prints cannot be misread.  Passage ids and
file names come back exactly (JSON) or with their control characters made
visible (text, TSV, TREC), so two files never print alike."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from e2e import CORPUS, expect, main, scratch, vnindex, vnsearch  # noqa: E402

TMP = scratch()
TABLES = ["--frameworks", os.path.join(CORPUS, "frameworks.tsv"), "--aliases", os.path.join(CORPUS, "aliases.tsv")]
# file names that printed alike, or would act on a terminal
NAMES = ["name\nx.txt", "name x.txt", "name\\nx.txt", "esc\x1b[31mred.txt", "pct%20a.txt", "pct a.txt",
         "tab\tb.txt", "c1\u0085.txt"]


def test_file_names_print_apart_in_every_format():
    src, db = os.path.join(TMP, "names"), os.path.join(TMP, "names.db")
    os.makedirs(src)
    for i, name in enumerate(NAMES):
        with open(os.path.join(src, name), "w", encoding="utf-8") as fp:
            fp.write(f"Hợp tác tiểu vùng qwzk số {i} về nguồn nước.\n")
    p = vnindex("--db", db, "-q", *TABLES, src)
    expect(p.returncode == 0, p.stderr)
    q = "qwzk tiểu vùng"  # adjacent words: the rerank looks passages up by their stored id
    p = vnsearch(db, "--format", "json", "-n", "20", "--", q)
    lines = p.stdout.split("\n")[:-1]
    expect(len(lines) == len(NAMES), f"one JSON line per hit (U+0085 escaped too): {p.stdout!r}")
    ids = [json.loads(l)["id"] for l in lines]
    expect(sorted(ids) == sorted(n + ":1" for n in NAMES), f"JSON ids are the stored ids: {ids}")
    files = [json.loads(l)["file"] for l in lines]
    expect(sorted(files) == sorted(NAMES), f"and the file names: {files}")

    p = vnsearch(db, "--format", "text", "-n", "20", "--", q)
    heads = [l for l in p.stdout.split("\n") if l[:1].isdigit()]
    expect(len(heads) == len(NAMES), f"one line per hit, whatever the name holds: {p.stdout!r}")
    for want in ("name\\nx.txt:1", "name x.txt:1", "name\\\\nx.txt:1", "esc\\x1b[31mred.txt:1", "tab\\tb.txt:1",
                 "c1\\u0085.txt:1"):
        expect(sum((" " + want + " ") in l for l in heads) == 1, f"text shows {want!r} once: {heads}")
    expect("\x1b[31m" not in p.stdout and "\u0085" not in p.stdout, "no control character reaches the terminal")

    p = vnsearch(db, "--format", "tsv", "-n", "20", "--", q)
    rows = p.stdout.split("\n")[1:-1]
    expect(len(rows) == len(NAMES) and all(len(r.split("\t")) == 12 for r in rows), f"TSV rows: {rows}")
    tsv_ids = [r.split("\t")[2] for r in rows]
    expect(len(set(tsv_ids)) == len(NAMES) and "name\\nx.txt:1" in tsv_ids and "name\\\\nx.txt:1" in tsv_ids,
           f"TSV ids apart: {tsv_ids}")

    p = vnsearch(db, "--format", "trec", "-n", "20", "--", q)
    lines = p.stdout.split("\n")[:-1]
    docnos = [l.split(" ")[2] for l in lines]
    expect(len(set(docnos)) == len(NAMES) and all(len(l.split()) == 6 for l in lines),
           f"TREC docnos one token each, apart: {docnos}")
    expect(all(d.isascii() and d.isprintable() for d in docnos), f"TREC docnos printable: {docnos}")
    expect("pct%2520a.txt:1" in docnos and "pct%20a.txt:1" in docnos and "name%0Ax.txt:1" in docnos, docnos)


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]
status = main(TESTS)
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(status)
