#!/usr/bin/env python3
"""Reliability: what vnsearch prints cannot be misread.  Passage ids and
file names come back with their control characters, backslashes and bytes
that are not UTF-8 escaped by one rule in every format (TREC: %XX), so two
files never print alike, JSON parses whatever a name holds, and an id as
printed finds its passage again (--like, --context, /api/passage); no
message of vnindex or vnsearch lets a name act on the terminal or forge a
line (issue 24); a date outside
the years dates may have says which years; a damaged index says it is
damaged and how to rebuild it, with Xapian's own words after."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "web"))
from webserver import Server  # noqa: E402
from e2e import CORPUS, VNINDEX, VNSEARCH, bundled_index, expect, main, run, scratch, vnindex, vnsearch, wrapped  # noqa: E402,E501

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
    expect(sorted(ids) == sorted(escaped(n) + ":1" for n in NAMES), f"JSON ids are the ids as printed: {ids}")
    files = [json.loads(l)["file"] for l in lines]
    expect(sorted(files) == sorted(escaped(n) for n in NAMES), f"and the file names: {files}")
    for i in ids:  # and each finds its passage again
        p = vnsearch(db, "--format", "json", "--context", "1", "--like", i)
        # found (its copies, the others, are left out: nothing else to give)
        expect("has no words that other passages share" in p.stderr, f"--like {i!r}: {p.stderr!r}")

    p = vnsearch(db, "--format", "text", "-n", "20", "--", q)
    heads = [l for l in p.stdout.split("\n") if l[:1].isdigit()]
    expect(len(heads) == len(NAMES), f"one line per hit, whatever the name holds: {p.stdout!r}")
    for want in ("name\\nx.txt:1", "name x.txt:1", "name\\\\nx.txt:1", "esc\\x1b[31mred.txt:1", "tab\\tb.txt:1",
                 "c1\\u0085.txt:1"):
        expect(sum((" " + want + " ") in l for l in heads) == 1, f"text shows {want!r} once: {heads}")
    expect("\x1b[31m" not in p.stdout and "\u0085" not in p.stdout, "no control character reaches the terminal")

    p = vnsearch(db, "--format", "tsv", "-n", "20", "--", q)
    head, rows = p.stdout.split("\n")[0], p.stdout.split("\n")[1:-1]
    ncols = len(head.split("\t"))
    expect(len(rows) == len(NAMES) and all(len(r.split("\t")) == ncols for r in rows), f"TSV rows: {rows}")
    tsv_ids = [r.split("\t")[head.split("\t").index("id")] for r in rows]
    expect(len(set(tsv_ids)) == len(NAMES) and "name\\nx.txt:1" in tsv_ids and "name\\\\nx.txt:1" in tsv_ids,
           f"TSV ids apart: {tsv_ids}")

    p = vnsearch(db, "--format", "csv", "-n", "20", "--", q)
    csv_ids = [r["id"] for r in csv.DictReader(io.StringIO(p.stdout.lstrip("\ufeff"), newline=""))]
    expect(csv_ids == tsv_ids, f"CSV ids as TSV's: {csv_ids}")
    expect(not any(c in p.stdout for c in "\x1b\u0085\t"), "no control character in CSV either")

    p = vnsearch(db, "--format", "trec", "-n", "20", "--", q)
    lines = p.stdout.split("\n")[:-1]
    docnos = [l.split(" ")[2] for l in lines]
    expect(len(set(docnos)) == len(NAMES) and all(len(l.split()) == 6 for l in lines),
           f"TREC docnos one token each, apart: {docnos}")
    expect(all(d.isascii() and d.isprintable() for d in docnos), f"TREC docnos printable: {docnos}")
    expect("pct%2520a.txt:1" in docnos and "pct%20a.txt:1" in docnos and "name%0Ax.txt:1" in docnos, docnos)


def escaped(name):
    """A name by the rule of vs_escape (vnsearch.h), backslashes doubled."""
    out = ""
    for ch in name:
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:  # a byte that is not UTF-8 (os.fsdecode)
            out += "\\x%02x" % (o - 0xDC00)
        elif ch in "\n\r\t\\":
            out += {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}[ch]
        elif o < 0x20 or o == 0x7F:
            out += "\\x%02x" % o
        elif 0x80 <= o <= 0x9F:
            out += "\\u%04x" % o
        else:
            out += ch
    return out


def strict_json_lines(data):
    """JSON lines from raw bytes: the bytes must be UTF-8 and each line JSON."""
    text = data.decode("utf-8")  # raises on a raw byte that is not UTF-8
    return [json.loads(l) for l in text.split("\n") if l]


# bytes that are not UTF-8 in a name, beside the escape sequences that
# looked alike before (issue 24)
RAW_NAMES = [b"latin1-\xe9t\xe9.txt", b"cp1258-h\xf2a.txt", b"lone-\xc3.txt", b"literal-\\xe9.txt",
             b"overlong-\xc0\xaf.txt", b"surrogate-\xed\xa0\x80.txt"]


def test_names_that_are_not_utf8_give_valid_json_and_ids_that_read_back():
    src, db = os.path.join(TMP, "raw"), os.path.join(TMP, "raw.db")
    os.makedirs(src)
    for i, name in enumerate(RAW_NAMES):
        with open(os.path.join(os.fsencode(src), name), "w", encoding="utf-8") as fp:
            fp.write(f"Hợp tác tiểu vùng vkqz số {i} về nguồn nước.\n\nĐoạn sau {i} nói về thủy điện.\n")
    with open(os.path.join(src, "other.txt"), "w", encoding="utf-8") as fp:  # not a copy: what --like finds
        fp.write("Nguồn nước của tiểu vùng vkqz và hợp tác thủy điện trên sông Mê Kông.\n")
    p = vnindex("--db", db, "-q", *TABLES, src)
    expect(p.returncode == 0, p.stderr)
    p = subprocess.run(wrapped([VNSEARCH, "--db", db, "--format", "json", "-n", "20", "--", "vkqz tiểu vùng"]),
                       capture_output=True)
    hits = strict_json_lines(p.stdout)
    want = sorted(escaped(os.fsdecode(n)) + ":1" for n in RAW_NAMES)
    hits = [h for h in hits if h["id"] != "other.txt:1"]
    expect(sorted(h["id"] for h in hits) == want, f"one hit per file, ids escaped: {[h['id'] for h in hits]}")
    expect(len(set(h["id"] for h in hits)) == len(RAW_NAMES), "no two ids alike")
    for h in hits:
        p = subprocess.run(wrapped([VNSEARCH, "--db", db, "--format", "json", "--context", "1", "--all-copies",
                                    "--like", h["id"]]), capture_output=True)
        found = strict_json_lines(p.stdout)
        # found: the passages like it, itself left out
        expect(p.returncode == 0 and found and h["id"] not in [f["id"] for f in found],
               f"--like {h['id']!r}: {p.stderr!r} {found}")
    # the server: /api/search and /api/export give JSON that parses, and
    # /api/passage and like= find each id given back
    with Server(VNSEARCH, db) as server:
        status, _, body = server.get("/api/search", {"q": "vkqz tiểu vùng", "n": "20"})
        found = json.loads(body.decode("utf-8"))
        expect(status == 200 and sorted(h["id"] for h in found["hits"] if h["id"] != "other.txt:1") == want,
               f"/api/search: {status} {found.get('hits')}")
        status, _, body = server.get("/api/export", {"q": "vkqz tiểu vùng", "format": "json"})
        expect(status == 200 and len(json.loads(body.decode("utf-8"))["hits"]) == len(RAW_NAMES) + 1,
               f"/api/export: {status} {body[:200]!r}")
        for i in want:
            status, _, body = server.get("/api/passage", {"id": i, "context": "1"})
            p = json.loads(body.decode("utf-8"))
            expect(status == 200 and p["passages"][p["focus"]]["id"] == i, f"/api/passage {i!r}: {status} {p}")
            status, _, body = server.get("/api/search", {"like": i})
            expect(status == 200 and json.loads(body.decode("utf-8"))["hits"], f"like={i!r}: {status} {body[:200]!r}")
    # the same ids from the text output, backslashes doubled there too
    p = subprocess.run(wrapped([VNSEARCH, "--db", db, "-n", "20", "--", "vkqz tiểu vùng"]), capture_output=True)
    text = p.stdout.decode("utf-8")
    expect(all(i in text for i in want), f"text shows the same ids: {text!r}")


def test_messages_escape_names_that_would_act_on_the_terminal():
    src, db = os.path.join(TMP, "msg"), os.path.join(TMP, "msg.db")
    os.makedirs(src)
    forged = "clear\x1b[2J\nvnindex: indexed 99 files.txt"
    open(os.path.join(src, forged), "w").close()  # empty: "no text to index"
    with open(os.path.join(os.fsencode(src), b"raw-\xff\x1b]0;title\x07.txt"), "w") as fp:
        fp.write("\x00\x01")
    with open(os.path.join(src, "good.txt"), "w", encoding="utf-8") as fp:
        fp.write("Hợp tác tiểu vùng Mê Kông về nguồn nước.\n")
    p = subprocess.run(wrapped([VNINDEX, "--db", db, *TABLES, src]), capture_output=True)
    err = p.stderr.decode("utf-8")  # strict: no raw byte either
    expect("\x1b" not in err and "\x07" not in err, f"vnindex: no control character reaches stderr: {err!r}")
    expect(not any(l.startswith("vnindex: indexed 99") for l in err.split("\n")), f"no forged line: {err!r}")
    expect("clear\\x1b[2J\\nvnindex: indexed 99 files.txt: no text to index" in err, f"the name, escaped: {err!r}")
    # vnsearch: an id, a batch file (with a bad line) and a query naming the same
    os.makedirs(os.path.join(TMP, "batch"))
    batch = os.path.join(TMP, "batch", forged)
    with open(batch, "w") as fp:
        fp.write('hop date:1899..2000\n')  # a line refused (an unbalanced quote is read as text since issue 26)
    for args in (["--like", forged + ":1"], ["--batch", batch], ["--", "\x1b[2J\nforged"]):
        p = subprocess.run(wrapped([VNSEARCH, "--db", db, *args]), capture_output=True)
        err = p.stderr.decode("utf-8")
        lines = err.split("\n")[:-1]
        expect(p.returncode in (1, 2) and lines and "\x1b" not in err and
               not any(l.startswith(("vnindex: indexed", "forged")) for l in lines) and
               "\\x1b[2J\\n" in lines[0], f"{args}: {err!r}")


def test_date_limits_are_named():
    db = os.path.join(TMP, "db")
    bundled_index(db)
    for args in (["--from", "1899"], ["--to", "2101-01"], ["--", "hop date:1899..2000"]):
        p = vnsearch(db, *args, "hop")
        expect(p.returncode == 2 and "years 1900-2100" in p.stderr and p.stderr.count("\n") == 1,
               f"{args}: {p.returncode} {p.stderr!r}")


def damaged_copy(name, damage):
    db = os.path.join(TMP, name)
    shutil.copytree(os.path.join(TMP, "db"), db)
    gen = [d for d in os.listdir(db) if d.startswith("g")][0]
    damage(os.path.join(db, gen))
    return db


def truncate(table):
    def damage(gen):
        with open(os.path.join(gen, table), "r+b") as fp:
            fp.truncate(8192)
    return damage


def scramble(table):
    def damage(gen):  # every byte past the first two blocks inverted
        path = os.path.join(gen, table)
        data = bytearray(open(path, "rb").read())
        for i in range(16384, len(data)):
            data[i] ^= 0xFF
        open(path, "wb").write(data)
    return damage


def test_a_damaged_index_says_so_and_how_to_rebuild_it():
    db0 = os.path.join(TMP, "db")
    if not os.path.exists(db0):
        bundled_index(db0)
    # (the records are stored in the postlist table too: schema.h)
    for name, damage in (("trunc-postlist", truncate("postlist.glass")), ("scrambled-postlist", scramble("postlist.glass"))):
        db = damaged_copy(name, damage)
        want = f"the index at {db} is damaged: rebuild it with vnindex --force --db {db} PATH... ("
        p = vnsearch(db, "--format", "json", "hợp tác")
        expect(p.returncode == 2 and p.stderr.startswith("vnsearch: " + want) and p.stderr.count("\n") == 1,
               f"{name}: {p.returncode} {p.stderr!r}")
        p = vnsearch(db, "--batch", "-", input="hợp tác\nMotegi\n")
        expect(p.returncode == 2 and want in p.stderr, f"{name}, --batch: {p.stderr!r}")
        # the advice works
        p = vnindex("--db", db, "--force", "-q", CORPUS)
        expect(p.returncode == 0 and vnsearch(db, "hợp tác").returncode == 0, f"{name}: rebuilt: {p.stderr}")


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]
status = main(TESTS)
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(status)
