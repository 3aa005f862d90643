#!/usr/bin/env python3
"""Batch tables opened by a real spreadsheet: the TSV and the CSV of a batch
(the development queries, one without hits, one that fails) converted to
.xlsx by LibreOffice headless, as an analyst would open them, and the cells
read back.  Every query has its rows, in input order; the query, hits and
error columns hold what they should; and no dates cell became a number or
a date (issue 16: "2018 2018/2022" was read as the fraction 2018.998, lone
dates became date cells); and no cell became a formula, whatever its column
(issue 24: a query id `=1+1` or a file named `=HYPERLINK("http:evil","x").txt`
did), the only formulas being the lone dates' own ="2019".  The TSV is read with "detect special numbers"
on, the import option that did that, and English number formats; the CSV
with Vietnamese ones.  Without soffice the test says so and skips, except
in CI (./install-deps.sh --tests installs libreoffice-calc-nogui)."""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

from e2e import CORPUS, SOURCE, VNINDEX, VNSEARCH, bundled_index, dev_batch_lines, expect, main, run, scratch, wrapped

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


def formulas(xlsx):
    """The formulas of the first sheet: (column name, formula) pairs."""
    with zipfile.ZipFile(xlsx) as z:
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(NS + "si"):
                shared.append("".join(t.text or "" for t in si.iter(NS + "t")))
    rows = list(sheet.iter(NS + "row"))
    header = {}
    for c in rows[0].iter(NS + "c"):
        v = c.find(NS + "v")
        header["".join(ch for ch in c.get("r") if ch.isalpha())] = shared[int(v.text)] if c.get("t") == "s" else v.text
    out = []
    for row in rows[1:]:
        for c in row.iter(NS + "c"):
            f = c.find(NS + "f")
            if f is not None:
                out.append((header.get("".join(ch for ch in c.get("r") if ch.isalpha())), f.text or ""))
    return out


def convert(path, fmt, with_formulas=False):
    """path converted by soffice with FILTERS[fmt]: one run per file (the
    options apply to every file of a run), with a profile of its own."""
    profile = "file://" + os.path.join(TMP, "profile")
    p = run([SOFFICE, "-env:UserInstallation=" + profile, "--headless", "--infilter=CSV:" + FILTERS[fmt],
             "--convert-to", "xlsx", "--outdir", os.path.join(TMP, fmt), path], timeout=300)
    xlsx = os.path.join(TMP, fmt, os.path.splitext(os.path.basename(path))[0] + ".xlsx")
    expect(p.returncode == 0 and os.path.exists(xlsx), f"soffice {fmt}: {p.returncode} {p.stdout} {p.stderr}")
    if with_formulas:
        return cells(xlsx), formulas(xlsx)
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


# Names and ids a spreadsheet would take for formulas (issue 24): each file
# holds the same paragraph, so each hit's "also in" cell starts with one too.
HOSTILE_NAMES = ['=HYPERLINK("http:evil","x").txt', "+1+1.txt", "-2+3.txt", "@SUM(1,2).txt",
                 "\uff1d1+1.txt", "\uff0b1.txt", "\uff0d1.txt", "\uff201.txt"]
HOSTILE_IDS = ["=1+1", "+1", "-1", "@SUM(1)", "\uff1d1", "\uff0b1", "\uff0d1", "\uff20x"]
PARAGRAPH = "=1+1 Hợp tác Mê Kông - Lan Thương về tài nguyên nước, @SUM(1) được ký ngày 10 tháng 1 năm 2018.\n"


def test_no_cell_of_a_batch_table_becomes_a_formula():
    root, db = os.path.join(TMP, "hostile"), os.path.join(TMP, "hostile-db")
    os.makedirs(root)
    for name in HOSTILE_NAMES:
        with open(os.path.join(root, name), "w", encoding="utf-8") as fp:
            fp.write(PARAGRAPH)
    for f in ("frameworks.tsv", "aliases.tsv"):
        shutil.copy(os.path.join(CORPUS, f), root)
    p = run([VNINDEX, "--db", db, "--quiet", root])
    expect(p.returncode == 0, f"vnindex: {p.stderr}")
    queries = os.path.join(TMP, "hostile-queries.txt")
    with open(queries, "w", encoding="utf-8") as fp:
        fp.write("".join(f"{qid}\thợp tác tài nguyên nước\n" for qid in HOSTILE_IDS))
        fp.write("=2+2\t-tài nguyên +nước\n")  # a query that starts like one too
    for fmt in ("tsv", "csv"):
        table = os.path.join(TMP, "hostile." + fmt)
        with open(table, "wb") as fp:
            p = subprocess.run(wrapped([VNSEARCH, "--db", db, "--batch", queries, "--format", fmt]), stdout=fp, stderr=subprocess.PIPE)
        expect(p.returncode == 0, f"{fmt}: the batch runs: {p.stderr!r}")
        rows, found = convert(table, fmt, with_formulas=True)
        bad = [(col, f) for col, f in found if col not in ("dates", "inherited_dates") or
               not re.fullmatch(r'"\d{4}(-\d\d){0,2}"', f)]
        expect(not bad, f"{fmt}: cells that became formulas: {bad[:5]}")
        # the same paragraph in every file: one hit per query, the others its copies
        expect(len(rows) == len(HOSTILE_IDS) + 1, f"{fmt}: a row per query: {len(rows)}")
        for r in rows:
            for col in ("query_id", "id", "file", "also_in", "query", "text", "snippet"):
                t, v = r.get(col, ("s", ""))
                expect(t in ("s", "str") and not v[:1] in "=+-@\uff1d\uff0b\uff0d\uff20" or v == "",
                       f"{fmt}: {col} {v!r} ({t}) is kept as text, behind an apostrophe")
        ids = sorted({r["query_id"][1] for r in rows})
        expect(ids == sorted("'" + q for q in HOSTILE_IDS + ["=2+2"]), f"{fmt}: query ids as typed: {ids}")
        expect(sum("file" in r for r in rows) >= len(HOSTILE_IDS), f"{fmt}: every query found the paragraph")
        for r in (r for r in rows if "file" in r):
            expect(r["file"][1][1:] in HOSTILE_NAMES and r["file"][1][0] == "'", f"{fmt}: file name {r['file']}")
            also = r["also_in"][1]
            expect(also[0] == "'" and also[1:].split("; ")[0].rsplit(":", 1)[0] in HOSTILE_NAMES, f"{fmt}: also_in {also!r}")


def readme_commands():
    """The soffice lines of the user guide's batch section, as written there."""
    text = open(os.path.join(SOURCE, "docs", "batch.md"), encoding="utf-8").read()
    section = text.split("## Batch query files", 1)[1].split("\n## ", 1)[0]
    return [l.strip() for l in section.splitlines() if l.strip().startswith("soffice ")]


def test_the_readmes_libreoffice_commands_give_one_column_a_field_and_the_vietnamese_intact():
    commands = readme_commands()
    expect(len(commands) == 2 and any("results.tsv" in c for c in commands) and
           any("results.csv" in c for c in commands), f"README gives a line for each: {commands}")
    queries = os.path.join(TMP, "readme-queries.txt")
    with open(queries, "w", encoding="utf-8") as fp:
        fp.write("q1\thợp tác Mê Công – Nhật Bản\nq2\tMotegi\n")
    for command in commands:
        fmt = "tsv" if "results.tsv" in command else "csv"
        out = os.path.join(TMP, "readme-" + fmt)
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "results." + fmt), "wb") as fp:
            subprocess.run(wrapped([VNSEARCH, "--db", DB, "--batch", queries, "--format", fmt, "-n", "3"]),
                           stdout=fp, check=True)
        # the line as written, with a profile of the test's own
        args = shlex.split(command)
        args = [SOFFICE, "-env:UserInstallation=file://" + os.path.join(TMP, "profile")] + args[1:]
        p = subprocess.run(args, cwd=out, capture_output=True, text=True, timeout=300)
        xlsx = os.path.join(out, "results.xlsx")
        expect(p.returncode == 0 and os.path.exists(xlsx), f"{command}: {p.returncode} {p.stderr}")
        rows = cells(xlsx)
        expect([r["query_id"][1] for r in rows][:1] == ["q1"] and rows[0]["query"][1] == "hợp tác Mê Công – Nhật Bản",
               f"{fmt}: the header row, each field its column, the text as written: {rows[:1]}")
        os.unlink(xlsx)


if __name__ == "__main__":
    code = main([test_batch_tables_open_as_one_row_per_query_with_dates_as_text,
                 test_no_cell_of_a_batch_table_becomes_a_formula,
                 test_the_readmes_libreoffice_commands_give_one_column_a_field_and_the_vietnamese_intact])
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(code)
