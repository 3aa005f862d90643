#!/usr/bin/env python3
"""Batch tables opened by a real spreadsheet: the TSV and the CSV of a batch
(the development queries, one without hits, one that fails) converted to
.xlsx by LibreOffice headless, as an analyst would open them, and the cells
read back.  Every query has its rows, in input order; the query, hits and
error columns hold what they should; and no dates cell became a number or
a date (issue 16: "2018 2018/2022" was read as the fraction 2018.998, lone
dates became date cells).  The TSV is read with "detect special numbers"
on, the import option that did that, and English number formats; the CSV
with Vietnamese ones.  Without soffice the test says so and skips, except
in CI (./install-deps.sh --tests installs libreoffice-calc-nogui)."""
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

from e2e import VNSEARCH, bundled_index, dev_batch_lines, expect, main, run, scratch, wrapped

SOFFICE = shutil.which("soffice")
if not SOFFICE:
    print("the spreadsheet test needs soffice (./install-deps.sh --tests installs libreoffice-calc-nogui)")
    sys.exit(1 if os.environ.get("CI") else 77)

TMP = scratch()
DB = os.path.join(TMP, "db")
bundled_index(DB)
LINES = dev_batch_lines() + [("none", "xyzzy quux"), ("bad", '"unclosed date:2019-13'), ("minus", "-Covid Motegi"),
                             ("numeric", "2018 2018/2022")]
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# LibreOffice's CSV filter options: separator, quote, UTF-8, first line,
# column types, language, quoted as text, detect special numbers
FILTERS = {"tsv": "9,34,76,1,,1033,false,true", "csv": "44,34,76,1,,1066,false,true"}


def cells(xlsx):
    """The first sheet's rows as lists of (type, value): type "n" for a
    number (a date too), "s" or "str" (a formula's text) for text."""
    with zipfile.ZipFile(xlsx) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(NS + "si"):
                shared.append("".join(t.text or "" for t in si.iter(NS + "t")))
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(NS + "row"):
        out = {}
        for c in row.iter(NS + "c"):
            col = "".join(ch for ch in c.get("r") if ch.isalpha())
            t, v = c.get("t", "n"), c.find(NS + "v")
            value = v.text if v is not None else ""
            out[col] = (t, shared[int(value)] if t == "s" else value)
        rows.append(out)
    header = {col: v for col, (_, v) in rows[0].items()}
    return [{header[col]: tv for col, tv in r.items()} for r in rows[1:]]


def convert(path, fmt):
    """path converted by soffice with FILTERS[fmt]: one run per file (the
    options apply to every file of a run), with a profile of its own."""
    profile = "file://" + os.path.join(TMP, "profile")
    p = run([SOFFICE, "-env:UserInstallation=" + profile, "--headless", "--infilter=CSV:" + FILTERS[fmt],
             "--convert-to", "xlsx", "--outdir", os.path.join(TMP, fmt), path], timeout=300)
    xlsx = os.path.join(TMP, fmt, os.path.splitext(os.path.basename(path))[0] + ".xlsx")
    expect(p.returncode == 0 and os.path.exists(xlsx), f"soffice {fmt}: {p.returncode} {p.stdout} {p.stderr}")
    return cells(xlsx)


def test_batch_tables_open_as_one_row_per_query_with_dates_as_text():
    queries = os.path.join(TMP, "queries.txt")
    with open(queries, "w", encoding="utf-8") as fp:
        fp.write("".join(f"{qid}\t{q}\n" for qid, q in LINES))
    p = run([VNSEARCH, "--db", DB, "--batch", queries, "--format", "json", "-n", "5"])
    want = {}
    for line in p.stdout.splitlines():
        h = json.loads(line)
        if "rank" in h:  # not the trailing object of a query (did you mean, unmatched words)
            want.setdefault(h["query_id"], []).append(h)
    for fmt in ("tsv", "csv"):
        table = os.path.join(TMP, "results." + fmt)
        with open(table, "wb") as fp:
            p = subprocess.run(wrapped([VNSEARCH, "--db", DB, "--batch", queries, "--format", fmt, "-n", "5"]),
                               stdout=fp, stderr=subprocess.PIPE)
        expect(p.returncode == 2, f"{fmt}: the bad line makes the batch exit 2: {p.stderr!r}")
        rows = convert(table, fmt)
        ids = [r["query_id"][1] for r in rows]
        expect([qid for i, qid in enumerate(ids) if i == 0 or ids[i - 1] != qid] == [qid for qid, _ in LINES],
               f"{fmt}: every query, in input order: {ids}")
        for qid, q in LINES:
            mine = [r for r in rows if r["query_id"][1] == qid]
            hits = want.get(qid, [])
            expect(len(mine) == max(1, len(hits)), f"{fmt} {qid}: {len(mine)} rows for {len(hits)} hits")
            shown = "'" + q if q[0] in "-+=@" else q
            expect(all(r["query"] in (("s", shown), ("str", shown)) for r in mine),
                   f"{fmt} {qid}: query column stays text: {mine[0]['query']}")
            for r, h in zip(mine, hits):
                expect(r["id"] == ("s", h["id"]) and r["rank"] == ("n", str(h["rank"])), f"{fmt} {qid}: {r['id']}")
                expect(r["hits"][0] == "n" and int(r["hits"][1]) >= len(hits), f"{fmt} {qid}: hits {r['hits']}")
                if h["dates"]:
                    expect(r["dates"] in (("s", "; ".join(h["dates"])), ("str", "; ".join(h["dates"]))),
                           f"{fmt} {qid} {h['id']}: dates stay text: {r['dates']} for {h['dates']}")
                else:
                    expect("dates" not in r, f"{fmt} {qid}: no dates, an empty cell: {r.get('dates')}")
        none = [r for r in rows if r["query_id"][1] == "none"][0]
        expect(none["hits"] == ("n", "0") and "id" not in none and "error" not in none, f"{fmt}: no hits: {none}")
        bad = [r for r in rows if r["query_id"][1] == "bad"][0]
        expect("hits" not in bad and "bad date" in bad["error"][1], f"{fmt}: a failed query: {bad}")
        dates = [r["dates"][1] for r in rows if "dates" in r]
        expect(any(";" in d for d in dates) and any(";" not in d for d in dates), f"{fmt}: lone and listed dates")


if __name__ == "__main__":
    code = main([test_batch_tables_open_as_one_row_per_query_with_dates_as_text])
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(code)
