"""End-to-end (issue 25): one hit per passage.  A passage that matches
several tiers (its exact words, then "other marks") is listed once, in its
best tier, whatever the page; copies of a passage or a heading (the .docx,
.doc and .rtf of one report) are one hit across tiers and stages; the count
is of distinct passages and never fewer than are shown; --all-copies lists
each copy once; text, JSON and TSV agree.  Issue 28: --group file lists a
file once, at the rank of its best passage, with how many more of its
passages match; pages and the count are of files."""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys

from e2e import CORPUS, SOURCE, bundled_index, expect, main, scratch, small_index, vnindex, vnsearch

FORMATS = os.path.join(SOURCE, "tests", "data", "formats")
TMP = scratch()
DB = os.path.join(TMP, "db")
# the examples of the issue: ranks 1-2 came again at 5-6, rank 1 again at 3
EXAMPLES = ["'Chiến lược Tokyo'", "Hành lang Kinh tế Bắc–Nam", "hop tac", "Mê Công – Nhật Bản"]


def page(db, query, *opts, n=10, offset=0):
    p = vnsearch(db, "--format", "json", "-n", str(n), "--offset", str(offset), *opts, "--", query)
    expect(p.returncode in (0, 1), f"{query}: exit {p.returncode}: {p.stderr}")
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    hits = [r for r in rows if "rank" in r]
    return hits, count(db, query, *opts, n=n, offset=offset)


def count(db, query, *opts, n=10, offset=0):
    """The count the text output gives ("10 of 28 matching passages"), and
    the JSON one with --facets: they must agree."""
    p = vnsearch(db, "-n", str(n), "--offset", str(offset), *opts, "--", query)
    m = re.search(r"of (\d+) matching (?:passage|file)|no (?:passages|files) past \d+ \((\d+) match",
                  p.stdout + p.stderr)
    text = int(m.group(1) or m.group(2)) if m else None
    p = vnsearch(db, "--format", "json", "--facets", "-n", str(n), "--offset", str(offset), *opts, "--", query)
    tail = [json.loads(l) for l in p.stdout.splitlines() if '"matches"' in l]
    expect(tail and tail[0]["matches"] == text, f"{query} {opts}: text count {text}, json {tail[:1]}")
    return text


def test_a_passage_is_listed_once_in_its_best_tier():
    for q in EXAMPLES:
        for opts in ((), ("--all-copies",)):
            hits, _ = page(DB, q, *opts, n=30)
            ids = [h["id"] for h in hits]
            expect(len(ids) == len(set(ids)), f"{q} {opts}: listed twice: {[i for i in ids if ids.count(i) > 1]}")
            ranks = [h["rank"] for h in hits]
            expect(ranks == list(range(1, len(hits) + 1)), f"{q}: ranks {ranks}")


def test_pages_put_together_are_the_one_long_list():
    for q in EXAMPLES:
        whole, total = page(DB, q, n=24)
        pieces = []
        for off in range(0, 24, 4):
            got, _ = page(DB, q, n=4, offset=off)
            pieces += got
        expect([h["id"] for h in pieces] == [h["id"] for h in whole],
               f"{q}: pages {[h['id'] for h in pieces]} != {[h['id'] for h in whole]}")
        expect([h["rank"] for h in pieces] == [h["rank"] for h in whole], f"{q}: ranks of pages")


def test_the_count_is_of_distinct_passages_and_never_fewer_than_shown():
    for q in EXAMPLES:
        for opts in ((), ("--all-copies",)):
            hits, total = page(DB, q, *opts, n=500)
            expect(total == len(hits), f"{q} {opts}: {len(hits)} shown of {total}")
            for off in (0, 5):
                some, count = page(DB, q, *opts, n=5, offset=off)
                expect(count == total and count >= off + len(some), f"{q} {opts} offset {off}: {count} vs {total}")


def dossier_copies(*more):
    """An index of one report in five formats (the test fixtures), and the
    files `more`, in a scratch directory: (the directory, the index)."""
    d = scratch()
    docs = os.path.join(d, "docs")
    os.mkdir(docs)
    for n in ("dossier.docx", "dossier.doc", "dossier.rtf", "dossier.odt", "dossier.txt"):
        shutil.copy(os.path.join(FORMATS, n), docs)
    for path in more:
        shutil.copy(path, docs)
    db = os.path.join(d, "db")
    p = vnindex("--db", db, "-q", docs)
    expect(p.returncode == 0, p.stderr)
    return d, db


def test_copies_in_other_formats_are_one_hit_headings_too():
    _, db = dossier_copies()
    for q in ("Khái quát về tình hình triển khai", "Manila ADB", "hop tac"):
        hits, total = page(db, q, n=500)
        words = [re.sub(r"\W+", " ", h["text"].lower()).strip() for h in hits]
        expect(len(words) == len(set(words)), f"{q}: copies listed apart: {[w[:40] for w in words if words.count(w) > 1]}")
        expect(total == len(hits), f"{q}: {len(hits)} distinct shown of {total}")
        every, all_total = page(db, q, "--all-copies", n=500)
        ids = [h["id"] for h in every]
        expect(len(ids) == len(set(ids)) and all_total == len(every) and all_total > total,
               f"{q} --all-copies: {len(ids)} ids, {len(set(ids))} distinct, count {all_total}")
    # the heading of the three copies fills one rank, not the top 3
    top, _ = page(db, "Khái quát về tình hình triển khai", n=3)
    expect(sum(h["text"].startswith("2. Khái quát về tình hình triển khai") or
               h["text"] == "Khái quát về tình hình triển khai" for h in top) <= 1, f"{[h['id'] for h in top]}")


def test_text_json_and_tsv_agree():
    for q in EXAMPLES[:2]:
        hits, total = page(DB, q, n=10)
        p = vnsearch(DB, "--format", "tsv", "-n", "10", "--", q)
        rows = [l.split("\t") for l in p.stdout.splitlines()]
        col = rows[0].index("id")
        expect([r[col] for r in rows[1:]] == [h["id"] for h in hits], f"{q}: tsv ids")
        p = vnsearch(DB, "-n", "10", "--", q)
        expect(f"of {total} matching passage" in p.stdout + p.stderr, f"{q}: text count {total}: {p.stderr}")
        for h in hits:
            expect(h["id"] in p.stdout or h["file"] in p.stdout, f"{q}: {h['id']} in the text output")


def test_a_batch_holding_the_copy_keys_answers_as_one_search_does():
    # --batch (like the server) holds every passage's copy key in memory and
    # counts and lists copies once from them; one search reads them through
    # Xapian: the same hits, counts and facets, copies or not
    d, db = dossier_copies(os.path.join(CORPUS, "mekong-frameworks.txt"))
    queries = EXAMPLES + ["Khái quát về tình hình triển khai", "Manila ADB", "Mê Công"]
    # with facets and without: the count goes over the matches in either
    # way (without, copies are noted on the way unless Xapian knows the count)
    for opts in ((), ("--all-copies",), ("--offset", "3"), ("--facets",), ("--facets", "--offset", "3")):
        lines = "".join(f"q{i}\t{q}\n" for i, q in enumerate(queries))
        p = vnsearch(db, "--batch", "-", "--format", "json", "-n", "40", *opts, input=lines)
        expect(p.returncode == 0, p.stderr)
        rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        for i, q in enumerate(queries):
            # (with --facets, the restorations of marks too)
            got = [{k: v for k, v in r.items() if k != "query_id"} for r in rows if r["query_id"] == f"q{i}"]
            one = vnsearch(db, "--format", "json", "-n", "40", *opts, "--", q)
            want = [json.loads(l) for l in one.stdout.splitlines() if l.strip()]
            expect(got == want, f"{q} {opts}: the batch's answer differs from one search's:\n"
                                f"{[r.get('id', r.get('matches')) for r in got]}\n"
                                f"{[r.get('id', r.get('matches')) for r in want]}")
            expect("--facets" not in opts or any("matches" in r for r in got), f"{q}: no count")
    # the counts without facets, from the batch's TSV
    for opts in ((), ("--all-copies",)):
        lines = "".join(f"q{i}\t{q}\n" for i, q in enumerate(queries))
        p = vnsearch(db, "--batch", "-", "--format", "tsv", "-n", "1", *opts, input=lines)
        rows = list(csv.DictReader(io.StringIO(p.stdout), delimiter="\t"))
        for i, q in enumerate(queries):
            got = [r["hits"] for r in rows if r["query_id"] == f"q{i}"]
            want = count(db, q, *opts)
            expect(got == [str(want)], f"{q} {opts}: the batch counts {got}, one search {want}")
    # and near the distinct count's limit and past it (there it says "about"
    # both ways)
    for distinct, copies, exact in ((1990, 5, True), (2000, 400, False)):
        big = irrigation_index(os.path.join(d, f"big-{copies}"), distinct, copies)
        p = vnsearch(big, "--batch", "-", "--format", "json", "--facets", "-n", "3", input="a\tthuy loi\n")
        last = json.loads(p.stdout.splitlines()[-1])
        want = distinct + 1 if exact else distinct + copies
        expect(last["matches"] == want and last["matches_exact"] is exact, f"batch count {last}")
        one = vnsearch(big, "--format", "json", "--facets", "-n", "3", "--", "thuy loi")
        expect(json.loads(one.stdout.splitlines()[-1]) == {k: v for k, v in last.items() if k != "query_id"},
               "the batch's count, facets and restorations are one search's")


def irrigation_index(d, distinct, copies):
    """An index of `distinct` passages on irrigation (thủy lợi) and
    `copies` copies of one more, in d: its path."""
    src = os.path.join(d, "src")
    os.makedirs(src)
    with open(os.path.join(src, "a.txt"), "w", encoding="utf-8") as f:
        f.write("".join(f"Hợp tác thủy lợi, đoạn số {i}.\n\n" for i in range(distinct)))
        f.write("Hợp tác thủy lợi giữa các nước.\n\n" * copies)
    db = os.path.join(d, "db")
    expect(vnindex("--db", db, "--quiet", src).returncode == 0, "index")
    return db


def test_a_count_of_copies_past_two_thousand_says_about():
    # 2,400 matching passages, 400 of them copies of one: counting distinct ones would read every
    # match's key, so the count counts copies and says "about"; with --all-copies it is exact
    db = irrigation_index(os.path.join(TMP, "big"), 2000, 400)
    p = vnsearch(db, "-n", "3", "--", "thuy loi")
    expect(re.search(r"^3 of about 2400 matching passages", p.stderr, re.M), p.stderr[-300:])
    p = vnsearch(db, "-n", "3", "--all-copies", "--", "thuy loi")
    expect(re.search(r"^3 of 2400 matching passages", p.stderr, re.M), p.stderr[-300:])
    p = vnsearch(db, "--format", "json", "-n", "1", "--facets", "--", "thuy loi")
    last = json.loads(p.stdout.splitlines()[-1])
    expect(last["matches"] == 2400 and last["matches_exact"] is False, f"JSON count {last}")


# issue 28: a report with several matching passages, a note with one, and a
# file with none
GROUP_FILES = {
    "bao-cao.txt": "Báo cáo về hợp tác Mê Công – Lan Thương năm 2020.\n\n"
                   "Hợp tác thủy lợi giữa các nước Mê Công được đẩy mạnh.\n\n"
                   "Các bên nhất trí tăng cường hợp tác về nguồn nước sông Mê Công.\n\n"
                   "Hợp tác kinh tế và thương mại trong khuôn khổ Mê Công tiếp tục phát triển.\n\n"
                   "Đoạn này nói về thời tiết, không liên quan.\n",
    "ghi-chu.txt": "Ghi chú ngắn: hợp tác Mê Công trong nông nghiệp.\n\nMột đoạn khác về giáo dục đại học.\n",
    "khac.txt": "Văn bản này không nói gì về chủ đề đó, chỉ về du lịch biển.\n",
}
GROUP_QUERY = "hop tac Mekong"


def group_db():
    return small_index(GROUP_FILES, tables=True)


def grouped_count(db, query, *opts):
    p = vnsearch(db, "--group", "file", *opts, "--", query)
    m = re.search(r"of (about )?(\d+) matching files?\b", p.stderr)
    expect(m, f"{query}: no count of files: {p.stderr!r}")
    return int(m.group(2))


def test_group_file_lists_each_file_once_at_its_best_passage_with_the_others_counted():
    db = group_db()
    every, _ = page(db, GROUP_QUERY, n=50)
    expect(len(every) == 5, f"ungrouped: {[h['id'] for h in every]}")
    order = list(dict.fromkeys(h["file"] for h in every))
    hits, _ = page(db, GROUP_QUERY, "--group", "file", n=10)
    expect([h["file"] for h in hits] == order and sorted(order) == ["bao-cao.txt", "ghi-chu.txt"],
           f"grouped files {[h['file'] for h in hits]}, expected {order}")
    best = {f: next(h for h in every if h["file"] == f) for f in order}
    for h in hits:  # its best passage, as the ungrouped list shows it
        expect(h["id"] == best[h["file"]]["id"] and h["snippet"] == best[h["file"]]["snippet"], f"{h['id']}")
    expect({h["file"]: h["more_in_file"] for h in hits} == {"bao-cao.txt": 3, "ghi-chu.txt": 0},
           f"more_in_file {[(h['file'], h['more_in_file']) for h in hits]}")
    expect([h["rank"] for h in hits] == [1, 2], f"ranks {[h['rank'] for h in hits]}")
    expect(grouped_count(db, GROUP_QUERY) == 2, "the count is of files")
    # pages are of files
    for off in (0, 1):
        got, _ = page(db, GROUP_QUERY, "--group", "file", n=1, offset=off)
        expect([(h["rank"], h["file"]) for h in got] == [(off + 1, order[off])], f"offset {off}: {got}")
        expect(grouped_count(db, GROUP_QUERY, "-n", "1", "--offset", str(off)) == 2, f"offset {off}: count")
    p = vnsearch(db, "--group", "file", "--offset", "2", "--", GROUP_QUERY)
    expect(p.returncode == 1 and not re.search(r"^\d+\. ", p.stdout, re.M) and "no files past 2 (2 match)" in p.stderr,
           f"past the files: {p.returncode} {p.stdout!r} {p.stderr!r}")


def test_group_file_text_json_tsv_and_csv_agree():
    db = group_db()
    hits, _ = page(db, GROUP_QUERY, "--group", "file")
    more = {h["file"]: h["more_in_file"] for h in hits}
    p = vnsearch(db, "--group", "file", "--color", "never", "--", GROUP_QUERY)
    lines = p.stdout.splitlines()
    ranked = [l for l in lines if re.match(r"\d+\. ", l)]
    expect(len(ranked) == len(hits) and all(h["id"] in r for h, r in zip(hits, ranked)), f"text: {ranked}")
    expect(lines.count("   +3 more passages in this file") == 1 and "more passage" not in p.stdout.replace(
        "   +3 more passages in this file", ""), f"text: the report's +3, nothing for the note: {p.stdout}")
    expect("2 of 2 matching files" in p.stderr, p.stderr)
    for fmt, sep in (("tsv", "\t"), ("csv", ",")):
        p = vnsearch(db, "--group", "file", "--format", fmt, "--", GROUP_QUERY)
        rows = [r for r in csv.reader(io.StringIO(p.stdout.lstrip("\ufeff")), delimiter=sep)]
        head = rows[0]
        expect(head.index("more_in_file") == head.index("also_in") + 1, f"{fmt} header {head}")
        got = [(r[head.index("file")], int(r[head.index("more_in_file")]), r[head.index("hits")]) for r in rows[1:]]
        expect(got == [(h["file"], more[h["file"]], "2") for h in hits], f"{fmt}: {got}")
    # --facets: the JSON summary says the matches are files
    p = vnsearch(db, "--group", "file", "--format", "json", "--facets", "--", GROUP_QUERY)
    tail = [json.loads(l) for l in p.stdout.splitlines() if '"matches"' in l]
    expect(tail and tail[0]["matches"] == 2 and tail[0]["matches_exact"] and tail[0]["group"] == "file", f"{tail}")


def test_without_group_nothing_changes():
    db = group_db()
    for opts in ((), ("--group", "none")):
        hits, total = page(db, GROUP_QUERY, *opts)
        expect(len(hits) == 5 == total and all("more_in_file" not in h for h in hits), f"{opts}: {hits}")
        p = vnsearch(db, "--format", "tsv", *opts, "--", GROUP_QUERY)
        expect("more_in_file" not in p.stdout.splitlines()[0], f"{opts}: tsv header")
        p = vnsearch(db, *opts, "--", GROUP_QUERY)
        expect("more passage" not in p.stdout and "5 of 5 matching passages" in p.stderr, f"{opts}: {p.stderr}")
    p = vnsearch(db, "--group", "folder", "--", GROUP_QUERY)
    expect(p.returncode == 2 and "--group: expected file or none" in p.stderr, p.stderr)


def test_group_file_on_the_corpus_is_the_list_of_every_copy_by_file():
    """Each file at its first passage in the --all-copies list (copies in
    other files are not folded into a file's hit), and its more_in_file the
    rest of its passages there, phrases checked as on the page."""
    for q in EXAMPLES + ['"hợp tác Mê Công"']:
        every, total = page(DB, q, "--all-copies", n=2000)
        expect(total == len(every), f"{q}: the whole list")
        order = list(dict.fromkeys(h["file"] for h in every))
        hits, files = page(DB, q, "--group", "file", "--all-copies", n=100)
        grouped, _ = page(DB, q, "--group", "file", n=100)
        expect([h["id"] for h in grouped] == [h["id"] for h in hits], f"{q}: --all-copies changes the groups")
        expect([h["file"] for h in hits] == order, f"{q}: {[h['file'] for h in hits]} != {order}")
        expect([h["more_in_file"] for h in hits] == [sum(e["file"] == f for e in every) - 1 for f in order],
               f"{q}: more_in_file {[h['more_in_file'] for h in hits]}")
        expect(grouped_count(DB, q) == len(order), f"{q}: count of files")


def test_group_file_on_an_index_of_format_4_asks_for_a_rebuild():
    # format 5 added the file value --group collapses on; a format 4 index
    # is still searched, but not grouped
    db = os.path.join(scratch(), "old")
    subprocess.run(["xapian-metadata", "set", db, "vnsearch.version", "4"], check=True)
    p = vnsearch(db, "hop tac")
    expect(p.returncode == 1, f"format 4 is searched: {p.returncode} {p.stderr}")
    p = vnsearch(db, "--group", "file", "hop tac")
    expect(p.returncode == 2 and "--group file needs an index of format 5" in p.stderr and "vnindex --force" in p.stderr,
           p.stderr)


def test_group_file_counts_files_exactly_past_two_thousand_passages():
    # the passages' count says "about" past 2,000 (copies counted); the files' is exact
    src = os.path.join(scratch(), "many")
    os.makedirs(src)
    with open(os.path.join(src, "a.txt"), "w", encoding="utf-8") as f:
        f.write("".join(f"Hợp tác thủy lợi, đoạn số {i}.\n\n" for i in range(2100)))
    with open(os.path.join(src, "b.txt"), "w", encoding="utf-8") as f:
        f.write("Ghi chú về thủy lợi.\n")
    db = os.path.join(src, "db")
    expect(vnindex("--db", db, "--quiet", src).returncode == 0, "index")
    hits, files = page(db, "thuy loi", "--group", "file")
    expect(files == 2 and sorted((h["file"], h["more_in_file"]) for h in hits) == [("a.txt", 2099), ("b.txt", 0)],
           f"{files}: {[(h['file'], h['more_in_file']) for h in hits]}")
    p = vnsearch(db, "--group", "file", "-n", "1", "--", "thuy loi")
    expect("1 of 2 matching files" in p.stderr, p.stderr)


if __name__ == "__main__":
    bundled_index(DB)
    rc = main([test_a_passage_is_listed_once_in_its_best_tier, test_pages_put_together_are_the_one_long_list,
               test_the_count_is_of_distinct_passages_and_never_fewer_than_shown,
               test_copies_in_other_formats_are_one_hit_headings_too, test_text_json_and_tsv_agree,
               test_group_file_lists_each_file_once_at_its_best_passage_with_the_others_counted,
               test_group_file_text_json_tsv_and_csv_agree, test_without_group_nothing_changes,
               test_group_file_on_the_corpus_is_the_list_of_every_copy_by_file,
               test_group_file_on_an_index_of_format_4_asks_for_a_rebuild,
               test_group_file_counts_files_exactly_past_two_thousand_passages,
               test_a_count_of_copies_past_two_thousand_says_about,
               test_a_batch_holding_the_copy_keys_answers_as_one_search_does])
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(rc)
