#!/usr/bin/env python3
"""Reliability: readers and writers at once.  Searches started during full
rebuilds and --update runs all answer, without errors, with the old index or
the new one; a long batch that opened the database before several swaps
keeps answering; a second vnindex on the same database is refused with
"database is locked" while the first finishes its work."""
import json
import os
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from e2e import (TIMEOUT_SCALE, VNINDEX, VNSEARCH, corpus_copies, expect, main, run, scratch, vnindex,  # noqa: E402
                 wrapped)

TMP = scratch()
SMALL = os.environ.get("VN_RELIABILITY_SMALL") == "1"  # smaller sizes for slow builds (sanitizers)
COPIES = 8 if SMALL else 20
BATCH = 1000 if SMALL else 3000
COMPLETE = 2 * COPIES  # passages with Motegi: two per copy of the corpus


SRC = os.path.join(TMP, "in")
corpus_copies(SRC, COPIES)
EXTRA = os.path.join(SRC, "c00", "extra.txt")


def set_marker(on):
    if on:
        with open(EXTRA, "w", encoding="utf-8") as fp:
            fp.write("Tệp thêm aaqconc cho lần cập nhật.\n")
    elif os.path.exists(EXTRA):
        os.remove(EXTRA)


def search(db, query):
    p = run([VNSEARCH, "--db", db, "--format", "json", "-n", "1000", "--all-copies", "--", query], timeout=60)
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return p.returncode, [r for r in rows if "rank" in r], p.stderr


class Searcher(threading.Thread):
    """Searches in a loop until stopped, recording anything wrong."""

    def __init__(self, db):
        super().__init__()
        self.db, self.stop, self.errors, self.count, self.seen = db, threading.Event(), [], 0, set()

    def run(self):
        while not self.stop.is_set():
            status, hits, err = search(self.db, "Motegi")
            if status != 0 or len(hits) != COMPLETE:
                self.errors.append(f"Motegi: exit {status}, {len(hits)} hits, want {COMPLETE}: {err.strip()[:300]}")
            status, hits, err = search(self.db, "aaqconc")
            if status not in (0, 1) or len(hits) > 1:
                self.errors.append(f"aaqconc: exit {status}, {len(hits)} hits: {err.strip()[:300]}")
            self.seen.add(len(hits))
            self.count += 1


def test_searches_answer_during_rebuilds_and_updates():
    db = os.path.join(TMP, "db")
    expect(vnindex("--db", db, "-q", SRC, timeout=300).returncode == 0, "first index")
    searchers = [Searcher(db) for _ in range(2)]
    for s in searchers:
        s.start()
    try:
        for k in range(4):
            set_marker(k % 2 == 0)
            mode = "--update" if k % 3 == 1 else "--force"
            p = vnindex("--db", db, "-q", mode, SRC, timeout=300)
            expect(p.returncode == 0, f"run {k} ({mode}): {p.stderr}")
            time.sleep(0.1)
    finally:
        for s in searchers:
            s.stop.set()
        for s in searchers:
            s.join()
    errors = [e for s in searchers for e in s.errors]
    total = sum(s.count for s in searchers)
    print(f"{total} search rounds during 4 index runs; marker counts seen: {sorted(set().union(*[s.seen for s in searchers]))}")
    expect(not errors, f"{len(errors)} bad answers, first: {errors[:3]}")
    expect(total >= 6, f"only {total} searches ran during the index runs")


def test_long_batch_keeps_answering_across_several_swaps():
    db = os.path.join(TMP, "db-batch")
    set_marker(False)
    expect(vnindex("--db", db, "-q", SRC, timeout=300).returncode == 0, "first index")
    queries = "".join(f"q{i}\tMotegi\n" if i % 2 else f"q{i}\thợp tác Mê Công\n" for i in range(BATCH))
    batch = subprocess.Popen(wrapped([VNSEARCH, "--db", db, "--batch", "-", "--threads", "2", "--format", "tsv",
                                      "--all-copies"]),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    result = {}

    def talk():
        result["out"], result["err"] = batch.communicate(queries.encode(), timeout=600 * TIMEOUT_SCALE)

    t = threading.Thread(target=talk)
    t.start()
    swaps = 0
    while t.is_alive() and swaps < 4:
        set_marker(swaps % 2 == 0)
        p = vnindex("--db", db, "-q", "--force", SRC, timeout=300)
        expect(p.returncode == 0, f"rebuild {swaps}: {p.stderr}")
        swaps += 1
    t.join()
    out, err = result["out"].decode(), result["err"].decode()
    expect(batch.returncode == 0, f"batch exit {batch.returncode} after {swaps} swaps: {err[-1500:]}")
    rows = [l.split("\t") for l in out.splitlines()[1:]]
    motegi = {}
    for r in rows:
        if int(r[0][1:]) % 2:
            motegi[r[0]] = motegi.get(r[0], 0) + 1
    expect(len(motegi) == BATCH // 2 and set(motegi.values()) == {min(10, COMPLETE)},
           f"every Motegi query answered in full: {sorted(set(motegi.values()))} over {len(motegi)} queries")
    print(f"{BATCH} batch queries answered across {swaps} swaps")


def test_second_indexer_is_refused_with_database_is_locked():
    db = os.path.join(TMP, "db-lock")
    first = subprocess.Popen(wrapped([VNINDEX, "--db", db, "-q", SRC]), stderr=subprocess.PIPE)
    lock = os.path.join(db, "vnindex.lock")
    deadline = time.monotonic() + 30 * TIMEOUT_SCALE
    while time.monotonic() < deadline:  # wait until the first one holds the lock
        try:
            with open(lock) as fp:
                if fp.read().strip():
                    break
        except FileNotFoundError:
            pass
        time.sleep(0.005)
    p = vnindex("--db", db, SRC)
    _, err = first.communicate(timeout=300 * TIMEOUT_SCALE)
    expect(first.returncode == 0, f"the first indexer: {err.decode()}")
    expect(p.returncode == 2 and "database is locked by another vnindex (pid " in p.stderr,
           f"second indexer: exit {p.returncode}: {p.stderr}")
    expect(p.stderr.count("\n") == 1, f"one clear line: {p.stderr}")
    status, hits, _ = search(db, "Motegi")
    expect(status == 0 and len(hits) == COMPLETE, "the first indexer's work is complete")
    # and once it is done, the lock is free again
    p = vnindex("--db", db, "-q", "--force", SRC, timeout=300)
    expect(p.returncode == 0, f"after the first finished: {p.stderr}")


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]
status = main(TESTS)
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(status)
