#!/usr/bin/env python3
"""End-to-end tests of vnsearch --batch: input order whatever the thread
count, results identical to one query at a time, ids, comments, bad lines,
stdin, and every output format parsing as its consumers expect."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys

from e2e import VNSEARCH, bundled_index, dev_batch_lines, expect, main, run, scratch, vnsearch, wrapped

TMP = scratch()
DB = os.path.join(TMP, "db")
bundled_index(DB)


def batch(lines, *opts, input=None):
    path = os.path.join(TMP, "queries.txt")
    with open(path, "w", encoding="utf-8") as fp:
        fp.write(lines)
    return run([VNSEARCH, "--db", DB, "--batch", "-" if input else path] + list(opts), input=input)


def json_rows(stdout):
    return [json.loads(l) for l in stdout.splitlines() if l.strip()]


def test_output_in_input_order_whatever_the_threads():
    qs = dev_batch_lines() * 8
    text = "".join(f"{q[0]}-{i}\t{q[1]}\n" for i, q in enumerate(qs))
    outs = {}
    for threads in ("1", "2", "5"):
        p = batch(text, "--threads", threads, "--format", "json", "-n", "5")
        expect(p.returncode == 0, f"threads {threads}: exit {p.returncode} {p.stderr}")
        outs[threads] = p.stdout
        ids = []
        for r in json_rows(p.stdout):
            if "rank" not in r:
                continue  # a query's trailing object: its unmatched words
            if not ids or ids[-1] != r["query_id"]:
                ids.append(r["query_id"])
        want = [f"{q[0]}-{i}" for i, q in enumerate(qs) if q[0] != "d16"]
        expect(ids == want, f"threads {threads}: ids out of order")
    expect(outs["1"] == outs["2"] == outs["5"], "same bytes with 1, 2 and 5 threads")


def test_results_identical_to_one_query_at_a_time():
    qs = dev_batch_lines()
    text = "".join(f"{qid}\t{q}\n" for qid, q in qs)
    p = batch(text, "--format", "json", "-n", "10")
    rows = json_rows(p.stdout)
    for qid, q in qs:
        got = [{k: v for k, v in r.items() if k != "query_id"} for r in rows if r["query_id"] == qid]
        single = vnsearch(DB, "--format", "json", "-n", "10", "--", q)
        want = json_rows(single.stdout)
        expect(got == want, f"{qid} {q!r}: batch differs from a single run")


def test_ids_comments_and_blank_lines():
    text = "# a comment\n\nq-one\tMotegi\n   \nBlinken\n  # indented comment\n"
    p = batch(text, "--format", "tsv", "-n", "1")
    rows = list(csv.reader(io.StringIO(p.stdout), delimiter="\t", quoting=csv.QUOTE_NONE))
    expect([r[0] for r in rows[1:]] == ["q-one", "5"], f"ids: {[r[0] for r in rows[1:]]}")


def test_bad_lines_are_reported_and_skipped():
    text = 'ok1\tMotegi\nbad1\t"unclosed date:2019-13\nbad2\tframework:NOPE hop\nok2\tBlinken\n'
    p = batch(text, "--format", "json", "-n", "1")
    expect(p.returncode == 2, f"exit {p.returncode}")
    expect("queries.txt:2: bad date '2019-13'" in p.stderr and "queries.txt:3: unknown framework" in p.stderr,
           p.stderr)
    expect([r["query_id"] for r in json_rows(p.stdout)] == ["ok1", "ok2"], "the rest of the batch ran")
    p = batch("ok\tMotegi\nnone\txyzzy quux\n", "--format", "json")
    expect(p.returncode == 0, "a query without hits is not a failure")


def test_stdin():
    p = batch("", "--format", "trec", "-n", "2", input="a\tMotegi\nb\tBlinken\n")
    lines = p.stdout.splitlines()
    expect(p.returncode == 0 and len(lines) == 4 and lines[0].startswith("a Q0 "), p.stdout)


def test_every_format_parses():
    qs = dev_batch_lines()
    text = "".join(f"{qid}\t{q}\n" for qid, q in qs)
    p = batch(text, "--format", "json", "-n", "3")
    expect(all("query_id" in r and ("rank" in r or "unmatched" in r) for r in json_rows(p.stdout)), "json lines")
    p = batch(text, "--format", "tsv", "-n", "3")
    rows = list(csv.reader(io.StringIO(p.stdout), delimiter="\t", quoting=csv.QUOTE_NONE))
    expect(rows[0][0] == "query_id" and all(len(r) == len(rows[0]) == 23 for r in rows), "tsv: 23 columns in every row")
    p = batch(text, "--format", "trec", "-n", "3")
    expect(all(len(l.split()) == 6 and l.split()[1] == "Q0" and l.split()[5] == "vnsearch"
               for l in p.stdout.splitlines()), "trec: six columns")
    p = batch("id with spaces\tMotegi\n", "--format", "trec")
    expect(p.stdout.startswith("id_with_spaces Q0 "), "trec query ids are one token")
    p = batch(text, "--format", "text", "-n", "1")
    expect(p.stdout.count("## ") == len(qs), "text: one header per query")


TABLE_LINES = ("ok\thop tac kinh te\nnone\txyzzy quux\nbad\t\"unclosed date:2019-13\nminus\t-Covid Motegi\n"
               "phrase\t\"thu hoach som\"\nh\xffp\n")


def table(fmt, *opts):
    """A batch of TABLE_LINES as rows of dicts, read as a spreadsheet
    would (RFC 4180 quoting)."""
    path = os.path.join(TMP, "table.txt")
    with open(path, "wb") as fp:
        fp.write(TABLE_LINES.encode("utf-8", "surrogateescape").replace(b"h\xc3\xbfp", b"h\xffp"))
    p = subprocess.run(wrapped([VNSEARCH, "--db", DB, "--batch", path, "--format", fmt, "-n", "3", *opts]),
                       capture_output=True)
    err = p.stderr.decode()
    expect(p.returncode == 2 and "2 of 6 queries failed" in err, f"{fmt}: exit {p.returncode} {err}")
    text = p.stdout.decode()
    if fmt == "csv":
        expect(p.stdout.startswith(b"\xef\xbb\xbf") and p.stdout.count(b"\n") == p.stdout.count(b"\r\n"),
               "csv: a BOM and CRLF line ends")
        text = text[1:]
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter="," if fmt == "csv" else "\t"))
    return rows


def test_tables_have_a_row_for_every_query():
    rows = table("tsv")
    expect([r["query_id"] for r in rows] == ["ok"] * 3 + ["none", "bad", "minus"] + ["phrase"] * 3 + ["6"],
           f"one row per hit, one per query without hits or failed: {[r['query_id'] for r in rows]}")
    ok, none, bad = rows[0], rows[3], rows[4]
    expect(ok["query"] == "hop tac kinh te" and int(ok["hits"]) >= 3 and ok["rank"] == "1" and ok["error"] == "",
           f"a hit row: {ok}")
    expect(none["hits"] == "0" and all(none[k] == "" for k in ("rank", "score", "id", "text", "error")),
           f"no hits: hits 0, the passage's fields empty: {none}")
    expect(bad["hits"] == "" and bad["query"] == '"unclosed date:2019-13' and "line 3: bad date" in bad["error"],
           f"a failed query: its error: {bad}")
    expect("line 6: invalid UTF-8" in rows[-1]["error"], f"an unreadable line: {rows[-1]}")
    expect(rows[5]["query"] == "'-Covid Motegi", "text starting like a formula gets an apostrophe")
    expect(rows[6]["query"] == '"thu hoach som"', "a field starting with a quote is quoted, so it reads back")
    expect(rows == table("csv"), "CSV has the same rows and fields as TSV")


def test_table_dates_are_iso_joined_and_a_lone_one_guarded():
    rows = table("tsv", "-n", "20")
    seen = set()
    for r in rows:
        if not r["id"]:
            continue
        want = [h for h in json_rows(vnsearch(DB, "--format", "json", "-n", "20", "--", r["query"].lstrip("'")).stdout)
                if h["id"] == r["id"]][0]["dates"]
        got = r["dates"]
        if len(want) == 1:
            expect(got == '="' + want[0] + '"', f"{r['id']}: a lone date as a text formula: {got!r}")
        else:
            expect(got == "; ".join(want), f"{r['id']}: dates joined by '; ': {got!r} for {want}")
        seen.add(min(len(want), 2))
    expect(seen == {0, 1, 2}, f"none, one and several dates seen: {seen}")


def test_missing_database_fails_once():
    p = run([VNSEARCH, "--db", os.path.join(TMP, "nope"), "--batch", "-"], input="Motegi\n")
    expect(p.returncode == 2 and p.stderr.count("no database") == 1, p.stderr)


status = main([v for k, v in list(globals().items()) if k.startswith("test_")])
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(status)
