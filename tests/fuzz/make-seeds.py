#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus into OUTDIR/<harness>/ from corpus/ and
tests/data/: real paragraphs, words, queries and batch lines, plus each in
the encodings and damage vnindex meets (UTF-16, CP1258, CRLF, NULs, cut
sequences).  Generated, not committed: run it before fuzzing.

    make-seeds.py SOURCE_DIR OUTDIR
"""
import hashlib
import io
import os
import sys
import zipfile

SOURCE, OUT = sys.argv[1], sys.argv[2]
CORPUS = os.path.join(SOURCE, "corpus")
DATA = os.path.join(SOURCE, "tests", "data")


def put(harness, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as fp:
        fp.write(data)


def texts():
    for name in sorted(os.listdir(CORPUS)):
        if name.endswith(".txt"):
            with open(os.path.join(CORPUS, name), encoding="utf-8") as fp:
                yield fp.read()


def paragraphs():
    for t in texts():
        for p in t.split("\n\n"):
            if p.strip():
                yield p


def damaged(s):
    """The ways a file arrives broken."""
    b = s.encode("utf-8")
    yield b
    yield b"\xef\xbb\xbf" + b
    yield s.replace("\n", "\r\n").encode("utf-8")
    yield s.replace("\n", "\r").encode("utf-8")
    yield b"\xff\xfe" + s.encode("utf-16-le")
    yield s.encode("utf-16-be")
    try:
        yield s.encode("cp1258")
    except UnicodeEncodeError:
        pass
    yield b[: len(b) // 2 + 1]                       # cut inside a sequence, maybe
    yield b.replace(b" ", b"\x00", 3)                # NULs
    yield b.replace("ệ".encode(), b"\xe1\xbb", 2)    # truncated sequences
    yield b.replace(b"a", b"\xc1\xa1", 2)            # overlong forms
    yield b.replace(b"o", b"\xed\xa0\x80", 2)        # lone surrogates


def column(name, header, col):
    """Column `col` of a TSV file in tests/data, without comments, blank
    lines and its header row (which starts with `header`)."""
    with open(os.path.join(DATA, name), encoding="utf-8") as fp:
        return [line.rstrip("\n").split("\t")[col] for line in fp
                if line.strip() and not line.startswith("#") and not line.startswith(header + "\t")]


vectors = column("vntext-vectors.tsv", "input", 0)
queries = column("dev-queries.tsv", "id", 2)
queries += [
    "hop tac Mekong Nhat Ban", '"thu hoạch sớm" -Covid', "Motegi OR Blinken framework:FOM date:2020..2021",
    "(hội nghị OR HNCC) AND +Campuchia", "Cam-pu-chia Tô-ki-ô", "Mê Công – Nhật Bản", "hợp*", "fw:MJC,MKC date:..2019",
    "date:2019-06", "date:2018-06-15..2018-06-16", '“sức khoẻ” NOT dịch', "((a OR b) c) -(d e)", "27/11/2019 2021 – 2025",
]

# vntext: words, paragraphs, damaged paragraphs
for w in vectors:
    put("vntext", w)
for i, p in enumerate(paragraphs()):
    if i % 4 == 0:
        for b in damaged(p):
            put("vntext", b)
    else:
        put("vntext", p)

# passage: windows of the texts (markers, footnotes, headings and dates intact)
for t in texts():
    lines = t.split("\n")
    for start in range(0, len(lines), 12):
        chunk = "\n".join(lines[start:start + 16])[:4000]
        put("passage", chunk)
        if start % 120 == 0:
            for b in damaged(chunk):
                put("passage", b)

# query: the first byte picks options (see fuzz-query.c); besides what
# analysts type, whole sentences pasted in, and runs of joined words
# (Cam-pu-chia, 27/11/2019, a.b.c) that one query word can expand into
long_queries = []
for i, p in enumerate(paragraphs()):
    if i % 40 == 0:
        long_queries.append(" ".join(p.split()[:60]))
long_queries += [".".join("abcdefghijklmnopqrstuvwxyz" * 3) + ' "hợp tác" ' + "-".join(["Mê", "Công"] * 20),
                 "(" * 40 + "a" + ")" * 40, " OR ".join(vectors[:40]), "/".join(str(1990 + k) for k in range(40))]
for i, q in enumerate(queries + vectors + long_queries):
    put("query", bytes([i % 64]) + q.encode("utf-8"))

# batch: the dev set as batch files, with ids, comments, CRLF, blank lines
lines = [f"q{i}\t{q}" for i, q in enumerate(queries)]
put("batch", "\n".join(lines) + "\n")
put("batch", "# comment\n\n" + "\r\n".join(queries) + "\r\n")
put("batch", "\n".join(queries[:5]))
put("batch", "id only\t\n\t\n  \t# indented comment\nno newline at the end")

# readers: the fixtures made by LibreOffice and pandoc, the encodings
# folder; docx and odt also as their XML parts (mode byte 1, see
# fuzz-readers.c), doc and rtf as their converters' output
FORMATS = os.path.join(DATA, "formats")
ENCODINGS = os.path.join(DATA, "encodings")


def fixture(name):
    with open(os.path.join(FORMATS, name), "rb") as fp:
        return fp.read()


for t in texts():
    lines = t.split("\n")
    for start in range(0, len(lines), 40):
        put("txt", "\n".join(lines[start:start + 40])[:6000])
put("txt", fixture("dossier.txt"))
for name in sorted(os.listdir(ENCODINGS)):
    if name.endswith(".txt"):
        with open(os.path.join(ENCODINGS, name), "rb") as fp:
            put("txt", fp.read())
for fmt, parts in (("docx", ("word/document.xml", "word/footnotes.xml", "word/styles.xml")), ("odt", ("content.xml",))):
    for name in sorted(os.listdir(FORMATS)):
        if name.endswith("." + fmt):
            data = fixture(name)
            put(fmt, b"\x00" + data)
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for part in parts:
                    if part in z.namelist():
                        put(fmt, b"\x01" + z.read(part)[:60000])
for name in ("dossier.pdf", "encrypted.pdf", "scanned.pdf"):
    put("pdf", fixture(name))
put("html", fixture("dossier.pandoc.html"))
# image: the small scans and hostile pictures kept as regressions
IMAGES = os.path.join(SOURCE, "tests", "fuzz", "regressions", "image")
for name in sorted(os.listdir(IMAGES)):
    if name != "README":
        with open(os.path.join(IMAGES, name), "rb") as fp:
            put("image", fp.read())
for name in sorted(os.listdir(ENCODINGS)):
    if name.endswith(".txt") and "gms" in name:
        with open(os.path.join(ENCODINGS, name), "rb") as fp:
            body = fp.read()
        put("html", b"<html><body><h1>T</h1><p>" + body.replace(b"\n\n", b"</p><p>") + b"</p></body></html>")
# what antiword and unrtf write, when they are installed to say it
import shutil
import subprocess
for prog, fmt, args in (("antiword", "doc", ["-w", "0", "-m", "UTF-8.txt"]), ("unrtf", "rtf", ["--html"])):
    if shutil.which(prog):
        out = subprocess.run([prog] + args + [os.path.join(FORMATS, "dossier." + fmt)], capture_output=True).stdout
        put(fmt, out)
        put(fmt, out[: len(out) // 3])
