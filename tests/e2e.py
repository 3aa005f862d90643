"""Shared helpers for the end-to-end tests: run the real binaries on the real
corpus in a scratch directory and check what comes back."""
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

BUILD = os.path.abspath(os.environ.get("VN_BUILD_DIR") or sys.argv[1])
SOURCE = os.path.abspath(os.environ.get("VN_SOURCE_DIR") or sys.argv[2])
VNINDEX = os.path.join(BUILD, "indexer", "vnindex")
VNSEARCH = os.path.join(BUILD, "searcher", "vnsearch")
CORPUS = os.path.join(SOURCE, "corpus")

# VN_WRAPPER runs every vnindex/vnsearch through a checker, e.g.
#   VN_WRAPPER='valgrind -q --error-exitcode=97 --leak-check=full' VN_WRAPPER_ERROR=97
# (.ci/sanitize); an exit with VN_WRAPPER_ERROR fails the test whatever it
# expected, and VN_TIMEOUT_SCALE stretches the timeouts for the slowdown.
WRAPPER = shlex.split(os.environ.get("VN_WRAPPER", ""))
WRAPPER_ERROR = int(os.environ.get("VN_WRAPPER_ERROR") or 0)
TIMEOUT_SCALE = float(os.environ.get("VN_TIMEOUT_SCALE") or 1)


class Failure(Exception):
    pass


def wrapped(cmd):
    """cmd behind VN_WRAPPER when it runs one of our binaries."""
    if WRAPPER and cmd and os.path.realpath(cmd[0]).startswith(os.path.realpath(BUILD) + os.sep):
        return WRAPPER + list(cmd)
    return list(cmd)


def english(e):
    """e where the programs say their messages in the English the tests
    expect, whatever the caller's locale (the translations are checked by
    tests/check-po.py): LANGUAGE=en, of which there is no catalogue, wins
    over LC_ALL and LANG for the messages and changes nothing else."""
    e.pop("VNSEARCH_LOCALEDIR", None)
    e["LANGUAGE"] = "en"
    return e


def run(cmd, input=None, timeout=120, env=None):
    e = english(dict(os.environ))
    e.pop("VNSEARCH_DB", None)
    if env:
        e.update(env)
    p = subprocess.run(wrapped(cmd), input=input, capture_output=True, text=True, timeout=timeout * TIMEOUT_SCALE,
                       env=e)
    if WRAPPER_ERROR and p.returncode == WRAPPER_ERROR:
        checker = os.path.basename(WRAPPER[0]) if WRAPPER else "a sanitizer"
        raise Failure(f"{checker} found errors running {' '.join(cmd)[:200]}:\n{p.stderr[-4000:]}")
    return p


def vnindex(*args, **kw):
    return run([VNINDEX] + list(args), **kw)


def vnsearch(db, *args, **kw):
    return run([VNSEARCH, "--db", db] + list(args), **kw)


def hits(db, query, *opts, n=10):
    p = vnsearch(db, "--format", "json", "-n", str(n), *opts, "--", query)
    if p.returncode not in (0, 1):
        raise Failure(f"vnsearch {query!r} exited {p.returncode}: {p.stderr.strip()}")
    out = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return [h for h in out if "rank" in h]


def expect(cond, msg):
    if not cond:
        raise Failure(msg)


def dev_queries():
    """The development query set: (id, vnsearch options, query, check, expected)."""
    out = []
    with open(os.path.join(SOURCE, "tests", "data", "dev-queries.tsv"), encoding="utf-8") as fp:
        for line in fp:
            if line.startswith("#") or line.startswith("id\t") or not line.strip():
                continue
            qid, opts, query, check, expected = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
            out.append((qid, shlex.split(opts), query, check, expected))
    return out


def dev_batch_lines():
    """The dev set as batch lines: command-line filters become query syntax
    (queries that need --exact, which has no query syntax, are left out)."""
    out = []
    for qid, words, query, _, _ in dev_queries():
        extra, exact = [], False
        for i, w in enumerate(words):
            if w == "--framework":
                extra.append("framework:" + words[i + 1])
            elif w == "--from":
                extra.append("date:" + words[i + 1] + ".." + words[words.index("--to") + 1])
            elif w == "--exact":
                exact = True
        if not exact:
            out.append((qid, " ".join([query] + extra)))
    return out


def bundled_index(db):
    """Indexes corpus/ into db for a test file; exits 1 if that fails."""
    p = vnindex("--db", db, "--quiet", CORPUS)
    if p.returncode != 0:
        print("cannot build the test index:", p.stderr)
        sys.exit(1)


def small_index(texts, tables=False):
    """An index of a few files written for a test ({name: text}), in a
    scratch directory; with tables=False, no framework or alias table (empty
    ones, so the built-in ones are not used either).  Fails the test if
    vnindex does."""
    tmp = scratch()
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    for name, text in texts.items():
        with open(os.path.join(src, name), "w", encoding="utf-8") as f:
            f.write(text)
    opts = []
    if not tables:
        empty = os.path.join(tmp, "empty.tsv")
        open(empty, "w").close()
        opts = ["--frameworks", empty, "--aliases", empty]
    db = os.path.join(tmp, "db")
    p = vnindex("--db", db, "-q", *opts, src)
    expect(p.returncode == 0, p.stderr)
    return db


def corpus_copies(root, copies):
    """root/cNN/ holding the bundled texts, `copies` times, with the tables
    beside them: an input big enough for a rebuild to take a while."""
    os.makedirs(root)
    for i in range(copies):
        d = os.path.join(root, f"c{i:02d}")
        os.mkdir(d)
        for f in ("gms-overview.txt", "mekong-frameworks.txt"):
            shutil.copy(os.path.join(CORPUS, f), d)
    for f in ("frameworks.tsv", "aliases.tsv"):
        shutil.copy(os.path.join(CORPUS, f), root)


def scratch():
    return tempfile.mkdtemp(prefix="vnsearch-test-")


def ram_scratch():
    """A scratch directory in RAM when there is room: creating 100k files
    takes half a minute on some virtual disks and a second in tmpfs; what
    vnindex does with them is the same."""
    for base in (os.environ.get("VN_TEST_RAMDIR"), "/dev/shm"):
        try:
            if base and os.access(base, os.W_OK) and shutil.disk_usage(base).free > (2 << 30):
                return tempfile.mkdtemp(prefix="vnsearch-test-", dir=base)
        except OSError:
            pass
    return scratch()


def measured_vnindex(args, timeout, env=None):
    """Runs vnindex (killed past timeout, scaled); returns (exit status,
    stderr, seconds, peak RSS in MB)."""
    e = english(dict(os.environ))
    e.pop("VNSEARCH_DB", None)
    e.update(env or {})
    with tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(wrapped([VNINDEX] + list(args)), stdout=subprocess.DEVNULL, stderr=err, env=e)
        killer = threading.Timer(timeout * TIMEOUT_SCALE, p.kill)
        killer.start()
        _, status, usage = os.wait4(p.pid, 0)
        killer.cancel()
        secs = time.monotonic() - t0
        err.seek(0)
        return os.waitstatus_to_exitcode(status), err.read().decode("utf-8", "replace"), secs, usage.ru_maxrss / 1024


def main(tests):
    failed = 0
    for t in tests:
        try:
            t()
            print(f"ok   {t.__name__}")
        except Failure as e:
            failed += 1
            print(f"FAIL {t.__name__}: {e}")
        except Exception:
            failed += 1
            print(f"FAIL {t.__name__}: exception")
            traceback.print_exc()
    print(f"{len(tests) - failed}/{len(tests)} passed")
    return 1 if failed else 0
