#!/usr/bin/env python3
"""Reliability: crash safety of vnindex.  SIGKILL at random points of full
rebuilds and of --update runs, again and again: after every kill the
database answers, with the old index or the new one and never half of
either, and a re-run completes.  A full disk (a small tmpfs when this
machine lets us mount one, and a file size limit in any case) gives a clear
error, exit 2, and leaves the previous index searchable."""
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from e2e import CORPUS, TIMEOUT_SCALE, VNINDEX, corpus_copies, expect, hits, main, scratch, vnindex, wrapped  # noqa: E402

TMP = scratch()
KILLS = int(os.environ.get("VN_CRASH_KILLS") or 24)
SEED = int(os.environ.get("VN_CRASH_SEED") or time.time())
SMALL = os.environ.get("VN_RELIABILITY_SMALL") == "1"  # smaller sizes for slow builds (sanitizers)
COPIES = 8 if SMALL else 20


def generation(db):
    with open(os.path.join(db, "XAPIANDB")) as fp:
        return fp.read().strip()


def count(db, word):
    """Matches of word, from the json output's hits (at most 1000), every
    copy of the corpus counted."""
    return len(hits(db, word, "--all-copies", n=1000))


def state(db):
    """(Motegi matches, whether the B marker is indexed): which index answers."""
    return count(db, "Motegi"), count(db, "aaqsetb") == 1


def test_sigkill_at_random_points_leaves_a_searchable_index():
    rng = random.Random(SEED)
    print(f"seed {SEED} (VN_CRASH_SEED={SEED} replays this run), {KILLS} kills")
    src = os.path.join(TMP, "in")
    corpus_copies(src, COPIES)
    extra = os.path.join(src, "setb.txt")
    db = os.path.join(TMP, "db")
    t0 = time.monotonic()
    p = vnindex("--db", db, "-q", src, timeout=300)
    full = time.monotonic() - t0
    expect(p.returncode == 0, f"first index: {p.stderr}")
    complete = 2 * COPIES  # Motegi is in two passages of each copy
    expect(state(db) == (complete, False), f"first index: {state(db)}")
    # index A (no marker) or B (with it): every state seen must be one of the
    # two.  The kill comes at a random moment of the run; a run that ends
    # first teaches how long that kind of run takes, so later kills land
    # inside it.
    duration = {"--force": full, "--update": full}
    killed = finished = k = 0
    while killed < KILLS and k < 4 * KILLS:
        want_b = k % 2 == 0
        if want_b:
            with open(extra, "w", encoding="utf-8") as fp:
                fp.write("Tệp thêm aaqsetb cho lần chạy B.\n")
        elif os.path.exists(extra):
            os.remove(extra)
        before = state(db)
        mode = "--update" if k % 3 == 2 else "--force"
        delay = rng.uniform(0, duration[mode])
        proc = subprocess.Popen(wrapped([VNINDEX, "--db", db, "-q", mode, src]), stderr=subprocess.PIPE)
        t0 = time.monotonic()
        while proc.poll() is None and time.monotonic() - t0 < delay:
            time.sleep(0.002)
        elapsed = time.monotonic() - t0
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
        if proc.returncode == -signal.SIGKILL:
            killed += 1
        else:
            finished += 1
            duration[mode] = min(duration[mode], elapsed)
            expect(proc.returncode == 0, f"run {k}: ended {proc.returncode}: {err.decode()[-1000:]}")
        after = state(db)
        expect(after[0] == complete, f"run {k} killed after {delay:.2f} s ({mode}): "
               f"{after[0]} Motegi passages, want {complete} (a partial index is visible)")
        expect(after in (before, (complete, want_b)),
               f"run {k}: state {after}, neither the previous {before} nor the new {(complete, want_b)}")
        k += 1
    print(f"{killed} runs killed mid-way, {finished} finished before the kill")
    expect(killed >= KILLS, f"only {killed} of {k} runs were killed mid-way")
    p = vnindex("--db", db, "-q", src, timeout=300)
    expect(p.returncode == 0, f"re-run after the kills: {p.stderr}")
    want_b = os.path.exists(extra)
    expect(state(db) == (complete, want_b), f"re-run: {state(db)}")
    leftovers = [f for f in os.listdir(db) if f.endswith(".tmp")]
    gens = [f for f in os.listdir(db) if f.startswith("g")]
    expect(not leftovers and len(gens) <= 2, f"scratch left behind: {sorted(os.listdir(db))}")


def check_disk_full(db, src, p, how):
    err = p.stderr
    expect(p.returncode == 2, f"{how}: exit {p.returncode}, want 2: {err[-1500:]}")
    expect(("No space left on device" in err or "File too large" in err) and "previous index is unchanged" in err,
           f"{how}: unclear error: {err[-1500:]}")
    expect(err.count("\n") <= 3, f"{how}: one clear line, not a flood: {err[-1500:]}")
    expect(count(db, "Motegi") == 2, f"{how}: the previous index no longer answers")
    leftovers = [f for f in os.listdir(db) if f.endswith(".tmp")]
    expect(not leftovers, f"{how}: scratch left on the full disk: {leftovers}")


def can_mount_tmpfs(where):
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    os.makedirs(where, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "vnsearch-test", where],
                          capture_output=True).returncode == 0


def test_disk_full_on_a_small_tmpfs():
    mnt = os.path.join(TMP, "tmpfs")
    if not can_mount_tmpfs(mnt):
        print("SKIP tmpfs: cannot mount one here (not root, or no CAP_SYS_ADMIN); "
              "test_disk_full_by_file_size_limit still covers a failing write")
        return
    try:
        big = os.path.join(TMP, "big")
        corpus_copies(big, 10)  # about 5 MB of index: does not fit in 3 MB
        db = os.path.join(mnt, "db")
        p = vnindex("--db", db, "-q", CORPUS)
        expect(p.returncode == 0, f"the small index fits: {p.stderr}")
        g = generation(db)
        p = vnindex("--db", db, big, timeout=300)
        check_disk_full(db, big, p, "tmpfs full")
        expect(generation(db) == g, "XAPIANDB still names the previous generation")
        subprocess.run(["mount", "-o", "remount,size=64m", mnt], check=True)
        p = vnindex("--db", db, "-q", big, timeout=300)
        expect(p.returncode == 0 and count(db, "Motegi") == 20, f"re-run with room: {p.stderr}")
    finally:
        subprocess.run(["umount", "-l", mnt])


def limit_file_size():
    # what `ulimit -f 256` does, with SIGXFSZ ignored so a write fails with
    # EFBIG instead of killing the process outright
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))


def test_disk_full_by_file_size_limit():
    big = os.path.join(TMP, "big-ulimit")
    corpus_copies(big, 10)
    db = os.path.join(TMP, "db-ulimit")
    p = vnindex("--db", db, "-q", CORPUS)
    expect(p.returncode == 0, p.stderr)
    g = generation(db)
    p = subprocess.run(wrapped([VNINDEX, "--db", db, "--force", big]), capture_output=True, text=True,
                       timeout=300 * TIMEOUT_SCALE, preexec_fn=limit_file_size)
    check_disk_full(db, big, p, "file size limit")
    expect(generation(db) == g, "XAPIANDB still names the previous generation")
    p = vnindex("--db", db, "-q", big, timeout=300)
    expect(p.returncode == 0 and count(db, "Motegi") == 20, f"re-run without the limit: {p.stderr}")


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]
status = main(TESTS)
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(status)
