#!/usr/bin/env python3
"""Reliability: vnindex on hostile input (see hostile.py for the cases).
For each case: no crash, no hang (a timeout fails the test), the warnings
it must print, every valid paragraph indexed, skipped ones not, and the
documented exit status (0 indexed, 1 nothing could be indexed)."""
import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from e2e import TIMEOUT_SCALE, VNINDEX, Failure, expect, main, ram_scratch, scratch, vnindex, vnsearch, wrapped  # noqa: E402

import hostile  # noqa: E402

SMALL = os.environ.get("VN_RELIABILITY_SMALL") == "1"  # smaller sizes for slow builds (sanitizers)


TMP = ram_scratch()
os.chmod(TMP, 0o755)  # the unprivileged user must reach the inputs
CASES = {c.name: c for c in hostile.make(os.path.join(TMP, "in"), small=SMALL)}
NOBODY = 65534


def found(db, word):
    p = vnsearch(db, "--format", "json", "-n", "3", word)
    if p.returncode not in (0, 1):
        raise Failure(f"vnsearch {word}: exit {p.returncode}: {p.stderr.strip()}")
    return p.returncode == 0


def check_case(c, p, db):
    out = p.stderr
    expect(p.returncode >= 0, f"{c.name}: vnindex killed by signal {-p.returncode}: {out[-2000:]}")
    expect(p.returncode == c.status, f"{c.name}: exit {p.returncode}, want {c.status}: {out[-2000:]}")
    for w in c.warnings:
        expect(w in out, f"{c.name}: no warning {w!r} in:\n{out[-2000:]}")
    for m in c.markers:
        expect(found(db, m), f"{c.name}: valid paragraph with {m} not indexed")
    for m in c.absent:
        expect(not found(db, m), f"{c.name}: {m} indexed but should have been skipped")
    if c.status == 0:
        expect("Traceback" not in out and "AddressSanitizer" not in out, out)


def index_case(name, timeout=120):
    c = CASES[name]
    db = os.path.join(TMP, "db-" + name)
    t0 = time.monotonic()
    p = vnindex("--db", db, c.dir, timeout=timeout)
    secs = time.monotonic() - t0
    check_case(c, p, db)
    c.stderr = p.stderr
    return c, db, secs


def test_invalid_utf8_overlong_and_surrogates_are_replaced_with_a_warning():
    for name in ("invalid-utf8", "overlong", "surrogates-utf8", "surrogates-utf16", "nul-bytes"):
        index_case(name)


def test_utf16_with_and_without_bom_and_utf8_bom_are_read_with_a_warning():
    index_case("utf8-bom")
    for name in ("utf16le-bom", "utf16be-bom", "utf16le-nobom", "utf16be-nobom"):
        c, db, _ = index_case(name)
        # the marks survive the conversion: an exact-spelling search finds them
        p = vnsearch(db, "--exact", "--format", "json", "đồng bằng")
        expect(p.returncode == 0, f"{name}: marks lost in conversion: {p.stderr}")


def test_crlf_and_cr_only_line_ends_join_wrapped_lines():
    for name, marker in (("crlf", "aaqcrlf2"), ("cr-only", "aaqcr2")):
        c, db, _ = index_case(name)
        p = vnsearch(db, "--format", "json", marker)
        expect("nối tiếp ở đây" in p.stdout, f"{name}: wrapped line not rejoined: {p.stdout[:300]}")


def test_huge_single_line_is_indexed_in_pieces():
    c, db, secs = index_case("huge-line", timeout=300)
    expect(secs < 120, f"huge line took {secs:.0f} s")
    p = vnsearch(db, "--format", "json", "aaqhugeend")
    expect('"huge.txt:1~' in p.stdout, f"the last piece keeps line 1 with a piece number: {p.stdout[:200]}")


def test_many_tiny_files_index_and_rerun_quickly():
    c, db, secs = index_case("many-files", timeout=300)
    expect(f"indexed {c.files} files" in c.stderr, f"all files indexed: {c.stderr[-300:]}")
    t0 = time.monotonic()
    p = vnindex("--db", db, c.dir, timeout=300)
    rerun = time.monotonic() - t0
    expect(p.returncode == 0 and "up to date" in p.stderr, f"rerun: {p.stderr}")
    # generous bounds: the point is "not quadratic" (it was minutes before
    # the walk and the known-file lookup stopped comparing every pair)
    expect(secs < 150 and rerun < 60, f"{c.files} files: first run {secs:.1f} s, rerun {rerun:.1f} s")
    with open(os.path.join(c.dir, "f000007.txt"), "a", encoding="utf-8") as fp:
        fp.write("Thêm aaqtinyupdated.\n")
    p = vnindex("--db", db, "--update", c.dir, timeout=300)
    expect(p.returncode == 0 and "updated 1 file" in p.stderr, f"update: {p.stderr}")
    expect(found(db, "aaqtinyupdated") and found(db, "aaqtiny9"), "update kept the rest")


def test_deep_and_long_directory_trees_are_cut_with_a_warning():
    index_case("deep-dirs")


def test_symlink_loops_and_special_files_do_not_hang():
    index_case("symlink-loop", timeout=60)
    index_case("special-files", timeout=60)
    # given directly, a FIFO is refused too rather than read
    fifo = os.path.join(CASES["special-files"].dir, "fifo.txt")
    p = vnindex("--db", os.path.join(TMP, "db-fifo"), fifo, timeout=60)
    expect(p.returncode == 1 and "not a regular file or directory, skipped" in p.stderr, p.stderr)


def test_damaged_and_hostile_documents_are_one_warning_each():
    c, db, secs = index_case("documents", timeout=120)
    for w in c.warnings:  # one line per file, naming it
        name = w.split(":")[0]
        lines = [l for l in c.stderr.splitlines() if "/" + name + ":" in l]
        expect(len(lines) == 1, f"{name}: {len(lines)} lines: {lines}")
    expect(secs < 60, f"damaged documents took {secs:.0f} s")


def test_zip_bomb_is_refused_within_time_and_memory():
    c = CASES["zip-bomb"]
    db = os.path.join(TMP, "db-zip-bomb")
    with tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(wrapped([VNINDEX, "--db", db, c.dir]), stdout=subprocess.DEVNULL, stderr=err)
        killer = threading.Timer(300 * TIMEOUT_SCALE, p.kill)
        killer.start()
        _, status, usage = os.wait4(p.pid, 0)
        killer.cancel()
        secs = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        p.stderr = err.read().decode("utf-8", "replace")
    check_case(c, p, db)
    # bounded, not small: 128 MiB inflated at most, half of it kept as text
    # (sanitizers keep freed memory in quarantine: more room for them)
    rss_mb = usage.ru_maxrss / 1024
    expect(secs < 60 * TIMEOUT_SCALE, f"the bomb took {secs:.0f} s")
    expect(rss_mb < (1024 if TIMEOUT_SCALE == 1 else 3072), f"the bomb took {rss_mb:.0f} MB")


def test_huge_word_paragraph_is_indexed_in_pieces():
    c, db, secs = index_case("huge-paragraph-docx", timeout=300)
    expect(secs < 120, f"huge paragraph took {secs:.0f} s")


def test_nothing_valid_exits_1():
    index_case("nothing-valid")


def can_run_as(uid):
    """(True, how) if vnindex can run as uid here, else (False, why)."""
    if os.geteuid() != 0:
        return True, []  # not root: chmod 000 already means unreadable
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return False, "setpriv not found"
    how = [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    p = subprocess.run(how + [VNINDEX, "--help"], capture_output=True)
    if p.returncode != 0:
        return False, f"setpriv cannot run {VNINDEX} as uid {uid}: {p.stderr.decode(errors='replace')[:200]}"
    return True, how


def test_unreadable_files_and_directories_are_skipped_with_a_warning():
    ok, how = can_run_as(NOBODY)
    if not ok:
        print(f"SKIP unreadable files: cannot make unreadability real: {how}")
        return
    c = CASES["unreadable"]
    home = os.path.join(TMP, "nobody")
    os.mkdir(home)
    if os.geteuid() == 0:
        os.chown(home, NOBODY, NOBODY)
    db = os.path.join(home, "db")
    p = subprocess.run(how + wrapped([VNINDEX, "--db", db, c.dir]), capture_output=True, text=True, timeout=120)
    check_case(c, p, db)


def test_file_changing_while_being_read_is_indexed_with_a_warning():
    d = os.path.join(TMP, "changing")
    os.makedirs(d)
    hostile.write(os.path.join(d, "ok.txt"), hostile.para("aaqsteady"))
    path = os.path.join(d, "changing.txt")
    line = ("hợp tác Mê Công phát triển bền vững " * 60 + "\n\n").encode()  # paragraphs of 2.6 KB
    hostile.write(path, hostile.para("aaqchanging").encode() + b"\n" + line * 2000)  # ~5 MB
    stop = threading.Event()

    def writer():
        # appends change the size, which vnindex notices whatever the
        # file system's timestamp granularity
        with open(path, "ab") as fp:
            while not stop.is_set():
                fp.write(line)
                fp.flush()
                time.sleep(0.0002)

    warned = False
    for attempt in range(5):  # the race is the point: retry until it is met
        stop.clear()
        t = threading.Thread(target=writer)
        t.start()
        try:
            db = os.path.join(TMP, f"db-changing{attempt}")
            p = vnindex("--db", db, d, timeout=120)
        finally:
            stop.set()
            t.join()
        expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
        expect(found(db, "aaqsteady") and found(db, "aaqchanging"), "both files indexed")
        if "changing.txt: changed while being read; indexed what was read" in p.stderr:
            warned = True
            break
    expect(warned, "no 'changed while being read' warning in 5 runs")


def test_whole_hostile_tree_at_once():
    names = [n for n in CASES if n not in ("many-files", "huge-line", "unreadable", "nothing-valid", "deep-dirs")]
    db = os.path.join(TMP, "db-all")
    tree = os.path.join(TMP, "all")  # one PATH, so names stay distinct: crlf/crlf.txt, ...
    os.mkdir(tree)
    for n in names:
        os.symlink(CASES[n].dir, os.path.join(tree, n))
    p = vnindex("--db", db, tree, timeout=300)
    expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr[-2000:]}")
    for n in names:
        for m in CASES[n].markers:
            expect(found(db, m), f"{n}: {m} not indexed in the combined run")
    # and a second run is quiet: nothing changed
    p = vnindex("--db", db, tree, timeout=300)
    expect(p.returncode == 0 and "up to date" in p.stderr, p.stderr[-1000:])


def cleanup():
    for root, dirs, _ in os.walk(TMP):
        for x in dirs:
            try:
                os.chmod(os.path.join(root, x), 0o755)
            except OSError:
                pass
    shutil.rmtree(TMP, ignore_errors=True)


# the tree may sit in RAM: remove it however the run ends (a meson timeout
# sends SIGTERM)
atexit.register(cleanup)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]
os.chdir(TMP)
sys.exit(main(TESTS))
