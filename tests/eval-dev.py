#!/usr/bin/env python3
"""Runs the development query set and prints the hit rate per check type.

Each row of the query file (tab-separated: id, vnsearch options, query,
check, expected) is run through the real vnsearch binary with --format json,
and checked as the file's header describes:

  topK            one of the first K hits contains one of the expected strings
  none            no hit at all
  allfw=CODE      every hit has primary framework CODE
  alldate=F..T    every hit carries a date inside F..T

Exit status: 0 if every query passes (or --report-only), 1 otherwise.
"""
import argparse
import json
import shlex
import subprocess
import sys
from collections import defaultdict


def date_bounds(iso):
    """First and last day (YYYYMMDD ints) an ISO date or interval covers."""
    import calendar
    parts = iso.split("/")
    def lo(p):
        f = p.split("-")
        y = int(f[0]); m = int(f[1]) if len(f) > 1 else 1; d = int(f[2]) if len(f) > 2 else 1
        return y * 10000 + m * 100 + d
    def hi(p):
        f = p.split("-")
        y = int(f[0]); m = int(f[1]) if len(f) > 1 else 12
        d = int(f[2]) if len(f) > 2 else calendar.monthrange(y, m)[1]
        return y * 10000 + m * 100 + d
    return lo(parts[0]), hi(parts[-1])


def bound(s, upper):
    import calendar
    f = s.split("-")
    y = int(f[0])
    m = int(f[1]) if len(f) > 1 else (12 if upper else 1)
    d = int(f[2]) if len(f) > 2 else (calendar.monthrange(y, m)[1] if upper else 1)
    return y * 10000 + m * 100 + d


def check(kind, expected, hits):
    wanted = [e.strip() for e in expected.split("|") if e.strip()]
    if kind.startswith("top"):
        k = int(kind[3:])
        return any(w in h["text"] for h in hits[:k] for w in wanted)
    if kind == "none":
        return len(hits) == 0
    if kind.startswith("allfw="):
        code = kind.split("=", 1)[1]
        return len(hits) > 0 and all(h["framework"] == code for h in hits)
    if kind.startswith("alldate="):
        lo_s, hi_s = kind.split("=", 1)[1].split("..")
        lo, hi = bound(lo_s, False), bound(hi_s, True)
        def inside(h):
            # a passage with none of its own carries the dates of the one it continues
            dates = h["dates"] or h.get("inherited_dates", [])
            return any(lo <= date_bounds(d)[0] and date_bounds(d)[1] <= hi for d in dates)
        return len(hits) > 0 and all(inside(h) for h in hits)
    raise ValueError("unknown check " + kind)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vnsearch", required=True)
    ap.add_argument("--db", help="database to search (default: build one from --corpus)")
    ap.add_argument("--vnindex", help="vnindex binary, to build the database from --corpus")
    ap.add_argument("--corpus", help="directory to index when --db is not given")
    ap.add_argument("--queries", required=True)
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--report-only", action="store_true")
    a = ap.parse_args()
    tmp = None
    if not a.db:
        import tempfile
        if not (a.vnindex and a.corpus):
            ap.error("give --db, or --vnindex and --corpus")
        tmp = tempfile.mkdtemp(prefix="vnsearch-eval-")
        a.db = tmp + "/db"
        p = subprocess.run([a.vnindex, "--db", a.db, "--quiet", a.corpus], capture_output=True, text=True)
        if p.returncode != 0:
            print("vnindex failed:", p.stderr)
            return 1

    per_kind = defaultdict(lambda: [0, 0])
    failures = []
    with open(a.queries, encoding="utf-8") as fp:
        for line in fp:
            line = line.rstrip("\n")
            if not line or line.startswith("#") or line.startswith("id\t"):
                continue
            qid, opts, query, kind, expected = (line.split("\t") + [""] * 5)[:5]
            cmd = [a.vnsearch, "--db", a.db, "--format", "json", "-n", str(a.n)] + shlex.split(opts) + ["--", query]
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode not in (0, 1):
                failures.append(f"{qid}: vnsearch exited {p.returncode}: {p.stderr.strip()}")
                per_kind[kind.split("=")[0]][1] += 1
                continue
            hits = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
            hits = [h for h in hits if "rank" in h]
            ok = check(kind, expected, hits)
            key = kind.split("=")[0] if "=" in kind else ("topK" if kind.startswith("top") else kind)
            per_kind[key][0] += ok
            per_kind[key][1] += 1
            if not ok:
                got = "; ".join(f'{h["id"]} {h["text"][:60]!r}' for h in hits[:3])
                failures.append(f"{qid} [{kind}] {query!r}: got {got or 'no hits'}")
    total_ok = sum(v[0] for v in per_kind.values())
    total = sum(v[1] for v in per_kind.values())
    for kind, (ok, n) in sorted(per_kind.items()):
        print(f"{kind:10s} {ok}/{n}")
    print(f"{'all':10s} {total_ok}/{total} ({100.0 * total_ok / max(total, 1):.0f}%)")
    for f in failures:
        print("FAIL " + f)
    if tmp:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if (a.report_only or total_ok == total) else 1


if __name__ == "__main__":
    sys.exit(main())
