#!/usr/bin/env python3
"""End-to-end tests of the meetings timeline (issue 29): vnsearch --meetings
on the bundled corpus with the real binaries.  The MKC summits come back
with the bundled dossier's conflict flagged (summit 2 dated two weeks before
summit 1, and dated a year apart by two paragraphs), and the list is scored
against a judged list of the corpus's meetings (tests/data/meetings-judged.tsv,
which says how it was made)."""
import csv
import io
import json
import os
import shutil
import sys

from e2e import CORPUS, SOURCE, bundled_index, expect, main, scratch, vnindex, vnsearch

TMP = scratch()
DB = os.path.join(TMP, "db")
bundled_index(DB)
JUDGED = os.path.join(SOURCE, "tests", "data", "meetings-judged.tsv")
SRC = "mekong-frameworks.txt"


def meetings(*opts):
    p = vnsearch(DB, "--meetings", "--format", "json", *opts)
    return p, [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def key(m):
    return (m["framework"], m["kind"], m.get("series", ""), int(m["ordinal"]))


def judged():
    with open(JUDGED, encoding="utf-8") as fp:
        rows = [line.rstrip("\n").split("\t") for line in fp if line.strip() and not line.startswith("#")]
    head = rows[0]
    return [dict(zip(head, r + [""] * (len(head) - len(r)))) for r in rows[1:]]


def test_mkc_summits_with_the_dossiers_conflict_flagged():
    p, ms = meetings("--framework", "MKC")
    expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
    summits = {m["ordinal"]: m for m in ms if m["kind"] == "summit"}
    expect(sorted(summits) == [1, 2], f"MKC summits 1 and 2: {sorted(summits)}")
    one, two = summits[1], summits[2]
    expect(one["dates"] == "2019-11-27" and one["place"] == "Busan, Hàn Quốc", f"summit 1: {one}")
    expect(f"{SRC}:9" in one["sources"] and f"{SRC}:30" in one["sources"], f"summit 1 sources: {one['sources']}")
    expect(two["sources"] == [f"{SRC}:10", f"{SRC}:38"], f"summit 2 sources: {two['sources']}")
    on = {c["on"]: c for c in two["conflicts"]}
    expect(set(on) == {"date", "order"}, f"summit 2 conflicts: {two['conflicts']}")
    expect(on["date"]["sources"] == [f"{SRC}:10", f"{SRC}:38"] and "2019-11-13" in on["date"]["detail"]
           and "2020-11-13" in on["date"]["detail"], f"date conflict: {on['date']}")
    expect(set(on["order"]["sources"]) == {f"{SRC}:10", f"{SRC}:9"}
           and "summit 2 dated 2019-11-13" in on["order"]["detail"], f"order conflict: {on['order']}")
    expect([c["on"] for c in one["conflicts"]] == ["order"], f"summit 1 is flagged too: {one['conflicts']}")
    # every other MKC meeting agrees with itself
    expect(all(not m["conflicts"] for m in ms if m["kind"] != "summit"), "no other MKC conflict")
    # text: the row, its sources and its conflicts under it
    t = vnsearch(DB, "--meetings", "--framework", "MKC")
    expect("MKC summit 2  2019-11-13  trực tuyến  [2 conflicts]\n" in t.stdout
           and f"    conflict (order): summit 2 dated 2019-11-13 ({SRC}:10) before summit 1" in t.stdout, t.stdout)


def test_judged_list_recall_and_nothing_that_is_not_a_meeting():
    rows = judged()
    _, ms = meetings()
    got = {key(m): m for m in ms}
    in_reach = [r for r in rows if r["ordinal"] != "-"]
    right, wrong = 0, []
    for r in in_reach:
        k = (r["framework"], r["kind"], r["series"], int(r["ordinal"]))
        m = got.get(k)
        ok = (m is not None and m["dates"] in r["dates"].split("|") and m["place"] == r["place"]
              and bool(m["conflicts"]) == (r["conflict"] == "yes"))
        right += ok
        if not ok:
            wrong.append((k, m and (m["dates"], m["place"], len(m["conflicts"])), (r["dates"], r["place"])))
    recall = right / len(in_reach)
    print(f"judged: {right} of {len(in_reach)} meetings with their ordinal found with the right dates and places "
          f"({recall:.0%}); {len(rows) - len(in_reach)} named without an ordinal are out of reach")
    for w in wrong:
        print("  not right:", w)
    expect(recall >= 0.9, f"recall {recall:.0%} < 90 %: {wrong}")
    judged_keys = {(r["framework"], r["kind"], r["series"], int(r["ordinal"])) for r in in_reach}
    extra = sorted(set(got) - judged_keys)
    expect(not extra, f"listed but not a meeting of the judged list: {extra}")


def test_other_bodies_plans_and_forums():
    _, ms = meetings()
    expect(all(m["framework"] != "" for m in ms), "every meeting has a framework")
    # ACMECS summit 10: planned in 120 ("Lào sẽ chủ trì"), held in 121; the plan is a source, not its place
    acm = [m for m in ms if key(m) == ("ACMECS", "summit", "", 10)]
    expect(len(acm) == 1 and acm[0]["sources"] == [f"{SRC}:120", f"{SRC}:121"] and acm[0]["place"] == "Trung Quốc"
           and acm[0]["dates"] == "2024-11" and not acm[0]["conflicts"], f"ACMECS summit 10: {acm}")
    # the LMI and FLM ministerials are numbered apart from the MUSP and FOM ones: no false order conflict
    fom = [m for m in ms if m["framework"] in ("FOM", "MUSP")]
    expect(all(not m["conflicts"] for m in fom), f"FOM/MUSP: {[(key(m), m['conflicts']) for m in fom]}")
    expect(any(key(m) == ("FOM", "ministerial", "FLM", 1) for m in fom), "FLM series kept")


def test_filters_formats_and_exit_status():
    _, ms = meetings("--from", "2020", "--to", "2020")
    expect(ms and all(m["dates"].startswith("2020") for m in ms), f"2020: {[m['dates'] for m in ms]}")
    expect(any(key(m) == ("MKC", "summit", "", 2) for m in ms) is False,
           "MKC summit 2 is dated 2019-11-13 by its winning source")
    p, ms = meetings("--framework", "mgc", "--from", "2019-08-01")
    expect([m["ordinal"] for m in ms] == [10, 11, 12], f"MGC from 2019-08-01: {[m['ordinal'] for m in ms]}")
    p = vnsearch(DB, "--meetings", "--format", "csv", "--framework", "MKC")
    expect(p.returncode == 0 and p.stdout.startswith('\ufeff"framework","kind","series","ordinal","dates","place",'
                                                     '"sources","conflicts"\n'), p.stdout[:200])
    rows = list(csv.reader(io.StringIO(p.stdout.lstrip("\ufeff"))))
    two = [r for r in rows if r[1] == "summit" and r[3] == "2"]
    expect(len(two) == 1 and two[0][4] == '="2019-11-13"' and "date: " in two[0][7] and " | order: " in two[0][7],
           f"csv row: {two}")
    p = vnsearch(DB, "--meetings", "--format", "tsv")
    expect(p.returncode == 0 and p.stdout.split("\n", 1)[0].split("\t")[0] == "framework", p.stdout[:100])
    p = vnsearch(DB, "--meetings", "--from", "1900", "--to", "1901")
    expect(p.returncode == 1 and p.stdout == "" and "no meetings match these filters" in p.stderr, p.stderr)
    p = vnsearch(DB, "--meetings", "--framework", "XYZ")
    expect(p.returncode == 2 and "unknown framework 'XYZ'" in p.stderr, p.stderr)
    p = vnsearch(DB, "--meetings", "--from", "2020-13")
    expect(p.returncode == 2 and "bad date '2020-13' for --from" in p.stderr, p.stderr)
    p = vnsearch(DB, "--meetings", "--format", "trec")
    expect(p.returncode == 2 and "--meetings" in p.stderr, p.stderr)
    p = vnsearch(DB, "--meetings", "hop", "tac")
    expect(p.returncode == 2 and "give it no query" in p.stderr, p.stderr)


def test_a_bad_meetings_table_names_its_line_and_writes_no_index():
    d = os.path.join(TMP, "bad")
    os.makedirs(d)
    for f in os.listdir(CORPUS):
        shutil.copy(os.path.join(CORPUS, f), d)
    with open(os.path.join(d, "meetings.tsv"), "a", encoding="utf-8") as fp:
        fp.write("serie\tXX\tMKC\tXX\n")
    lines = sum(1 for _ in open(os.path.join(d, "meetings.tsv"), encoding="utf-8"))
    db = os.path.join(TMP, "bad.db")
    p = vnindex("--db", db, "-q", d)
    expect(p.returncode == 2 and f"meetings.tsv:{lines}: unknown type 'serie'" in p.stderr, p.stderr)
    expect(vnsearch(db, "--meetings").returncode == 2, "no index was written")


if __name__ == "__main__":
    code = main([v for k, v in sorted(globals().items()) if k.startswith("test_")])
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(code)
