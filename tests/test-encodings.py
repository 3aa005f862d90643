"""End-to-end: a folder mixing the encodings old Vietnamese files come in
(tests/data/encodings, made from corpus paragraphs by make-encodings.py) is
indexed in one run; each file is read in its own encoding, named in one
warning, and its passages come back identical to the UTF-8 reference."""
import json
import os
import shutil
import sys

from e2e import SOURCE, expect, main, scratch, vnindex, vnsearch

DATA = os.path.join(SOURCE, "tests", "data", "encodings")
NAMES = {"cp1258": "CP1258", "viscii": "VISCII", "tcvn3": "TCVN3", "vni": "VNI-Windows", "utf16le": "UTF-16LE"}


def mixed_folder():
    d = scratch()
    docs = os.path.join(d, "docs")
    os.mkdir(docs)
    for f in os.listdir(DATA):
        if f.endswith(".txt"):
            shutil.copy(os.path.join(DATA, f), docs)
    return d, docs


def records(db, query):
    p = vnsearch(db, "--format", "json", "-n", "100", "--all-copies", "--", query)  # one text, many encodings
    expect(p.returncode == 0, f"{query}: exit {p.returncode}: {p.stderr}")
    return [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{") and '"rank"' in l]


def test_mixed_folder_each_file_read_in_its_encoding():
    d, docs = mixed_folder()
    db = os.path.join(d, "db")
    p = vnindex("--db", db, docs)
    expect(p.returncode == 0, f"vnindex exit {p.returncode}: {p.stderr}")
    for f in sorted(os.listdir(docs)):
        enc = f.split(".")[1]
        lines = [l for l in p.stderr.splitlines() if f + ":" in l]
        if enc == "utf8":
            expect(not lines, f"{f}: no warning for UTF-8, got {lines}")
            continue
        want = f"read as {NAMES[enc]}" if enc in ("cp1258", "viscii", "tcvn3", "vni") else f"{NAMES[enc]} text"
        expect(len(lines) == 1 and want in lines[0] and "uncertain" not in lines[0],
               f"{f}: want one warning saying '{want}', got {lines}")
    for query, set_name in (("Nhật Bản Tô-ki-ô", "mjc"), ("sáu nước ADB", "gms"), ("sông Hàn", "mkc")):
        hits = [h for h in records(db, query) if h["file"].startswith(set_name + ".")]
        by_enc = {}
        for h in hits:
            by_enc.setdefault(h["file"].split(".")[1], []).append((h["id"].split(":", 1)[1], h["text"]))
        expect(sorted(by_enc) == sorted(["utf8"] + list(NAMES)), f"{query}: found in {sorted(by_enc)}")
        for enc, got in by_enc.items():
            expect(sorted(got) == sorted(by_enc["utf8"]), f"{query}: {enc} passages differ from UTF-8:\n{got}")


def test_short_ambiguous_file_is_indexed_with_an_uncertain_warning():
    d = scratch()
    docs = os.path.join(d, "docs")
    os.mkdir(docs)
    with open(os.path.join(docs, "short.txt"), "wb") as fp:
        fp.write("Hà nói aaqshort.".encode().replace("à".encode(), b"\xb5").replace("ó".encode(), b"\xe3"))  # TCVN3
    p = vnindex("--db", os.path.join(d, "db"), docs)
    expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
    expect("short.txt: not UTF-8; read as" in p.stderr and "uncertain" in p.stderr, p.stderr)
    expect(len(records(os.path.join(d, "db"), "aaqshort")) == 1, "the short file is searchable")


if __name__ == "__main__":
    sys.exit(main([test_mixed_folder_each_file_read_in_its_encoding,
                   test_short_ambiguous_file_is_indexed_with_an_uncertain_warning]))
