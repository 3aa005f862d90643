#!/usr/bin/env python3
"""End-to-end tests of vnindex: re-runs, updates, hostile files, locking,
a killed indexer, exit statuses."""
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time

from e2e import CORPUS, VNINDEX, WRAPPER, Failure, expect, hits, main, run, scratch, vnindex, vnsearch

# Under valgrind (VN_WRAPPER) every byte costs ~30 times more: smaller inputs
# exercise the same code paths.
SHRINK = 10 if WRAPPER else 1


def corpus_copy(tmp):
    d = os.path.join(tmp, "corpus")
    shutil.copytree(CORPUS, d)
    return d


def generation(db):
    with open(os.path.join(db, "XAPIANDB")) as fp:
        return fp.read().strip()


def test_rerun_on_unchanged_input_adds_nothing():
    tmp = scratch()
    db = os.path.join(tmp, "db")
    p = vnindex("--db", db, CORPUS)
    expect(p.returncode == 0 and "182 passages" in p.stderr, f"first run: {p.stderr}")
    g = generation(db)
    p = vnindex("--db", db, CORPUS)
    expect(p.returncode == 0 and "up to date" in p.stderr, f"second run: {p.stderr}")
    expect(generation(db) == g, "no new generation")
    p = vnindex("--db", db, "--force", CORPUS)
    expect(p.returncode == 0 and generation(db) != g, "--force rebuilds")
    expect(len(hits(db, "Motegi")) == 2, "same passages after the rebuild")
    shutil.rmtree(tmp)


def test_update_replaces_changed_and_removes_deleted_files():
    tmp = scratch()
    src = corpus_copy(tmp)
    db = os.path.join(tmp, "db")
    expect(vnindex("--db", db, "-q", src).returncode == 0, "index")
    with open(os.path.join(src, "gms-overview.txt"), "a", encoding="utf-8") as fp:
        fp.write("\n\nĐoạn mới về hợp tác zyxwvu trong tiểu vùng.\n")
    p = vnindex("--db", db, "--update", src)
    expect(p.returncode == 0 and "updated 1 file" in p.stderr, f"update: {p.stderr}")
    h = hits(db, "zyxwvu")
    expect(len(h) == 1 and h[0]["id"] == "gms-overview.txt:55", f"new passage: {[x['id'] for x in h]}")
    expect(len(hits(db, "Motegi")) == 2, "the unchanged file's passages stay")
    os.remove(os.path.join(src, "gms-overview.txt"))
    p = vnindex("--db", db, "--update", src)
    expect(p.returncode == 0, f"update after delete: {p.stderr}")
    expect(hits(db, "zyxwvu") == [] and not any(x["file"] == "gms-overview.txt" for x in hits(db, "GMS", n=100)),
           "deleted file's passages are gone")
    expect(len(hits(db, "Motegi")) == 2, "other passages stay")
    shutil.rmtree(tmp)


def write(path, data):
    with open(path, "wb") as fp:
        fp.write(data)


def test_hostile_files_are_indexed_or_skipped_with_a_warning():
    tmp = scratch()
    d = os.path.join(tmp, "in")
    os.makedirs(d)
    write(os.path.join(d, "invalid.txt"), "Dòng một.\nHợp tác aaqinvalid \xff\xfe xong.\n".encode("utf-8", "surrogateescape") if False else
          "Dòng một.\n".encode() + b"H\xc3\xa1p t\xff\xfec aaqinvalid xong.\n")
    write(os.path.join(d, "nul.txt"), "Hợp tác aaqnul\x00 ở đây.\n".encode())
    write(os.path.join(d, "utf16le.txt"), b"\xff\xfe" + "Hợp tác aaqutf16le.\r\n".encode("utf-16-le"))
    write(os.path.join(d, "utf16be.txt"), "Hợp tác aaqutf16be.\n".encode("utf-16-be"))
    write(os.path.join(d, "crlf.txt"), "Dòng đầu aaqcrlf\r\nnối tiếp.\r\n".encode())
    write(os.path.join(d, "bom.txt"), b"\xef\xbb\xbf" + "Hợp tác aaqbom.\n".encode())
    write(os.path.join(d, "empty.txt"), b"")
    write(os.path.join(d, "binary.txt"), b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 40)
    big = ("Hợp tác Mê Công " * (1300000 // SHRINK)).encode() + b" aaqbig."
    write(os.path.join(d, "big.txt"), big)
    db = os.path.join(tmp, "db")
    p = vnindex("--db", db, d, timeout=300)
    expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
    err = p.stderr
    expect("invalid.txt:2: invalid UTF-8" in err, "invalid UTF-8 warning names file and line")
    expect("nul.txt:1: 1 NUL byte" in err, "NUL warning")
    expect("binary.txt: not a text file, skipped" in err, "binary skipped")
    expect("empty.txt: no text to index" in err, "empty file warned")
    for word in ("aaqinvalid", "aaqnul", "aaqutf16le", "aaqutf16be", "aaqcrlf", "aaqbom", "aaqbig"):
        expect(len(hits(db, word)) == 1, f"{word} indexed")
    h = hits(db, "aaqcrlf")
    expect(h[0]["text"] == "Dòng đầu aaqcrlf nối tiếp.", f"CRLF lines joined: {h[0]['text']!r}")
    shutil.rmtree(tmp)


def test_nothing_indexed_exits_1_and_keeps_the_old_index():
    tmp = scratch()
    d = os.path.join(tmp, "in")
    os.makedirs(d)
    write(os.path.join(d, "empty.txt"), b"")
    db = os.path.join(tmp, "db")
    p = vnindex("--db", db, d)
    expect(p.returncode == 1 and "nothing indexed" in p.stderr, f"exit {p.returncode}: {p.stderr}")
    expect(vnindex("--db", db, "-q", CORPUS).returncode == 0, "index corpus")
    g = generation(db)
    p = vnindex("--db", db, d)
    expect(p.returncode == 1 and generation(db) == g, "old index kept")
    expect(len(hits(db, "Motegi")) == 2, "still searchable")
    p = vnindex("--db", db, os.path.join(tmp, "no-such-dir"))
    expect(p.returncode == 1 and "no-such-dir" in p.stderr, f"missing path: {p.returncode} {p.stderr}")
    shutil.rmtree(tmp)


def test_second_indexer_gets_database_is_locked():
    tmp = scratch()
    db = os.path.join(tmp, "db")
    os.makedirs(db)
    with open(os.path.join(db, "vnindex.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        p = vnindex("--db", db, CORPUS)
        expect(p.returncode == 2 and "database is locked" in p.stderr, f"exit {p.returncode}: {p.stderr}")
    expect(vnindex("--db", db, "-q", CORPUS).returncode == 0, "works once unlocked")
    shutil.rmtree(tmp)


def test_killed_indexer_leaves_the_previous_index():
    tmp = scratch()
    d = os.path.join(tmp, "in")
    os.makedirs(d)
    shutil.copy(os.path.join(CORPUS, "mekong-frameworks.txt"), d)
    para = open(os.path.join(CORPUS, "mekong-frameworks.txt"), encoding="utf-8").read()
    copies = 60 // SHRINK
    for i in range(copies):
        with open(os.path.join(d, f"copy{i}.txt"), "w", encoding="utf-8") as fp:
            fp.write(para)
    db = os.path.join(tmp, "db")
    expect(vnindex("--db", db, "-q", CORPUS).returncode == 0, "first index")
    g = generation(db)
    for delay in (0.05, 0.2, 0.4):
        proc = subprocess.Popen([VNINDEX, "--db", db, "-q", d], stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if generation(db) == g:
            expect(len(hits(db, "Motegi")) == 2, "previous index still answers")
    p = vnindex("--db", db, "-q", d)
    expect(p.returncode == 0, f"re-run completes: {p.stderr}")
    expect(len(hits(db, "Motegi", "--all-copies", n=200)) == (copies + 1) * 2, "new index complete")
    leftovers = [f for f in os.listdir(db) if f.endswith(".tmp")]
    expect(not leftovers, f"scratch cleaned: {leftovers}")
    shutil.rmtree(tmp)


def test_bad_framework_table_names_file_and_line():
    tmp = scratch()
    d = corpus_copy(tmp)
    with open(os.path.join(d, "frameworks.tsv"), "a", encoding="utf-8") as fp:
        fp.write("BROKEN\tonly two\n")
    p = vnindex("--db", os.path.join(tmp, "db"), d)
    expect(p.returncode == 2 and "frameworks.tsv:" in p.stderr and "expected 4" in p.stderr, p.stderr)
    shutil.rmtree(tmp)


def test_default_database_from_environment():
    tmp = scratch()
    db = os.path.join(tmp, "envdb")
    p = vnindex("-q", CORPUS, env={"VNSEARCH_DB": db})
    expect(p.returncode == 0 and os.path.exists(os.path.join(db, "XAPIANDB")), "VNSEARCH_DB for vnindex")
    p = run([os.path.join(os.path.dirname(VNINDEX), "..", "searcher", "vnsearch"), "Motegi"],
            env={"VNSEARCH_DB": db})
    expect(p.returncode == 0 and "Motegi" in p.stdout, "VNSEARCH_DB for vnsearch")
    p = run([VNINDEX, "-q", CORPUS], env={"VNSEARCH_DB": ""})
    shutil.rmtree(tmp)
    if os.path.exists("vnsearch.db"):
        pass  # cwd default exercised; left for the caller's clean-up


def test_progress_line_and_summary():
    tmp = scratch()
    db = os.path.join(tmp, "db")
    p = vnindex("--db", db, "--progress", CORPUS)
    expect("2/2 files" in p.stderr and "passages" in p.stderr, p.stderr)
    expect(p.stderr.strip().splitlines()[-1].startswith("vnindex: indexed 2 files"), "one-line summary last")
    p = vnindex("--db", os.path.join(tmp, "db2"), CORPUS)
    expect("\r" not in p.stderr, "no progress line when stderr is not a terminal")
    shutil.rmtree(tmp)


def test_dump_shows_passages_without_writing():
    p = vnindex("--dump", CORPUS)
    rows = p.stdout.splitlines()
    expect(p.returncode == 0 and len(rows) == 183 and rows[0].startswith("id\tframework"), f"{len(rows)} rows")


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]
os.chdir(scratch())
sys.exit(main(TESTS))
