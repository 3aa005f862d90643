"""Shared helpers for the end-to-end tests: run the real binaries on the real
corpus in a scratch directory and check what comes back."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

BUILD = os.path.abspath(os.environ.get("VN_BUILD_DIR") or sys.argv[1])
SOURCE = os.path.abspath(os.environ.get("VN_SOURCE_DIR") or sys.argv[2])
VNINDEX = os.path.join(BUILD, "indexer", "vnindex")
VNSEARCH = os.path.join(BUILD, "searcher", "vnsearch")
CORPUS = os.path.join(SOURCE, "corpus")


class Failure(Exception):
    pass


def run(cmd, input=None, timeout=120, env=None):
    e = dict(os.environ)
    e.pop("VNSEARCH_DB", None)
    if env:
        e.update(env)
    return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout, env=e)


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


def scratch():
    return tempfile.mkdtemp(prefix="vnsearch-test-")


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
