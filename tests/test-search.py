#!/usr/bin/env python3
"""End-to-end tests of vnsearch: the real vnindex builds the bundled corpus,
the real vnsearch answers, and each test pins which passage comes first."""
import csv
import io
import json
import os
import re
import shutil
import sys

from e2e import bundled_index, dev_queries, expect, hits, main, run, scratch, vnsearch

TMP = scratch()
DB = os.path.join(TMP, "db")
bundled_index(DB)


def first(query, *opts):
    h = hits(DB, query, *opts)
    expect(h, f"{query!r}: no hits")
    return h[0]


def expect_first(query, want_id, *opts):
    h = first(query, *opts)
    expect(h["id"] == want_id, f"{query!r}: first is {h['id']} ({h['text'][:60]!r}), want {want_id}")
    return h


def test_no_marks_finds_accented_passage():
    expect_first("du an thu hoach som", "mekong-frameworks.txt:93")
    expect_first("kiem soat benh truyen nhiem", "gms-overview.txt:31")


def test_exact_marks_find_the_passage():
    expect_first("Tuyên bố Nây-pi-đô", "mekong-frameworks.txt:103")
    expect_first("Toshimitsu Motegi", "mekong-frameworks.txt:199")


def test_marked_query_ranks_exact_spelling_first():
    # "hoà bình" typed new-style: canonical hòa matches, and the exact key
    # makes passages with "hòa bình" outrank those with only "hoa"
    h = first("hoà bình thịnh vượng")
    expect("hòa bình" in h["text"], f"first hit lacks 'hòa bình': {h['text'][:80]!r}")


def test_exact_mode_tone_variants_meet():
    h = hits(DB, "thuỷ", "--exact")
    expect(h and all("thủy" in x["text"] or "thuỷ" in x["text"] for x in h), "thuỷ --exact finds thủy")
    h = hits(DB, "sức khỏe", "--exact")
    expect(any("sức khoẻ" in x["text"] for x in h), "sức khỏe --exact finds sức khoẻ")
    # NFD input is the same word
    h2 = hits(DB, "s\u01b0\u0301c kho\u0309e", "--exact")
    expect([x["id"] for x in h2] == [x["id"] for x in h], "NFD query gives the same hits")


def test_exact_mode_excludes_other_marks():
    h = hits(DB, "hoa", "--exact", n=50)
    expect(all(re.search(r"\bhoa\b", x["text"].lower()) for x in h), "--exact hoa only unmarked hoa")
    all_forms = hits(DB, "hoa", n=50)
    expect(len(all_forms) > len(h), "without --exact, hoa also finds hóa/hòa")


def test_d_folds_to_dj():
    h = first("dong bang song Cuu Long")
    expect("đồng bằng sông cửu long" in h["text"].lower(), h["text"][:80])
    marked = [h["snippet"][a:b] for a, b in h["highlights"]]
    expect(any(m.lower() in ("đồng bằng sông cửu long", "đbscl") for m in marked), f"alias highlighted: {marked}")
    expect("84#fn1" in " ".join(x["id"] for x in hits(DB, "dong bang song Cuu Long")), "the footnote too")
    h = hits(DB, "Dong", n=50)
    texts = " ".join(x["text"] for x in h)
    expect("đồng" in texts.lower() and "động" in texts.lower(), "dong finds đồng and động")


def test_phrase_across_a_repaired_hard_wrap():
    # lines 2-3 of mekong-frameworks.txt are one sentence wrapped in the source
    expect_first('"phát triển bền vững tại tiểu vùng"', "mekong-frameworks.txt:2")


def test_alias_campuchia_finds_hyphenated_forms():
    h = hits(DB, "Campuchia", n=50)
    texts = " ".join(x["text"] for x in h)
    expect("Cam-pu-chia" in texts and "Căm-pu-chia" in texts and "Campuchia" in texts, "all three spellings")
    h = hits(DB, "cam pu chia", n=5)
    expect(any(s in x["text"] for x in h for s in ("Cam-pu-chia", "Campuchia", "Căm-pu-chia")), "cam pu chia")


def test_alias_tokyo_and_abbreviations():
    h = hits(DB, "Tokyo", n=20)
    expect(any("Tô-ki-ô" in x["text"] for x in h), "Tokyo finds Tô-ki-ô")
    expect_first("hội nghị cấp cao GMS lần thứ 6", "mekong-frameworks.txt:181")
    # a framework's name finds passages naming it any way: code, Vietnamese name, English name
    for q in ("Lancang–Mekong", "Mê Công – Lan Thương", "MLC"):
        h = hits(DB, q, n=100)
        expect(len(h) >= 10 and all("MLC" in x["frameworks"] for x in h), f"{q}: every hit names MLC")
    h = hits(DB, "Mekong", n=200)
    expect(any("Mê Công – Hàn Quốc" in x["text"] for x in h) and any("Mê-kông" in x["text"] for x in h)
           and any("Mekong" in x["text"] for x in h), "Mekong finds every spelling, inside framework names too")


def test_framework_filter():
    h = hits(DB, "Blinken", "--framework", "FOM")
    expect(h and all(x["framework"] == "FOM" for x in h), "only FOM passages")
    unfiltered = hits(DB, "Blinken")
    expect(any(x["framework"] == "MUSP" for x in unfiltered), "without the filter MUSP also mentions Blinken")
    expect_first("framework:MJC Motegi", "mekong-frameworks.txt:200")


def test_date_filter():
    h = hits(DB, "hội nghị cấp cao", "--from", "2018-06-01", "--to", "2018-06-30")
    expect(h, "hits in June 2018")
    own = True
    for x in h:
        # a passage with no date of its own matches with the dates of the
        # passage it continues, after every passage carrying one
        dates = x["dates"] or x.get("inherited_dates", [])
        expect(any(d.startswith("2018-06") for d in dates), f"{x['id']} has no June 2018 date: {dates}")
        expect(own or not x["dates"], f"{x['id']} carries the date itself but comes after one that inherits it")
        own = bool(x["dates"])
    h = hits(DB, "MKC date:2019..2019")
    expect(h and all(any(d.startswith("2019") for d in (x["dates"] or x.get("inherited_dates", []))) for x in h),
           "date:2019..2019")


def test_exclusion():
    h = hits(DB, "Motegi -Covid")
    expect(h and all("covid" not in x["text"].lower() for x in h), "no passage mentions Covid")
    expect(hits(DB, "Motegi") != h, "exclusion removed something")


def test_or_and_parentheses():
    h = hits(DB, "(Motegi OR Blinken) framework:MJC", n=20)
    expect(h and all(x["framework"] == "MJC" for x in h), "OR inside a filter")
    h = hits(DB, "MWDI AND MRC")
    expect(h and all("MWDI" in x["text"] and "MRC" in x["text"] for x in h), "strict AND")


def test_prefix_wildcard():
    h = hits(DB, "Mot*")
    expect(any("Motegi" in x["text"] for x in h), "Mot* finds Motegi")


def test_all_words_shortcut_gives_the_full_querys_page():
    # Without --facets a list of words first runs the cheaper all-words query
    # (search.c: strict_page); with --facets it always runs the full one.
    # Both must give the same hits, scores and order, on every page.
    queries = [q for _, _, q, _, _ in dev_queries()] + ["hop tac kinh te", "hợp tác Nhật Bản -Covid",
                                                          "Mekong Lan Thuong hop tac"]
    for q in queries:
        for opts in ([], ["--offset", "10"]):
            a = hits(DB, q, *opts)
            b = hits(DB, q, "--facets", *opts)
            expect([(h["id"], round(h["score"], 3)) for h in a] == [(h["id"], round(h["score"], 3)) for h in b],
                   f"{q!r} {opts}: the all-words page differs from the full query's")


def last_day(dates):
    """The latest day a passage's dates reach, as YYYYMMDD (what --sort date
    orders by), or "" for none: 2019 -> 20191231, 2020-12 -> 20201231,
    2021/2025 -> 20251231, 2014-05-29/2014-05-30 -> 20140530."""
    best = ""
    for d in dates:
        end = d.split("/")[-1]
        day = end.replace("-", "") + {4: "1231", 7: "31"}.get(len(end), "")
        best = max(best, day)
    return best


TIERS = {"exact": 0, "marks": 1, "some": 2}


def expect_date_order(hits_, what):
    """Match tiers in their order; within each, the latest date first (a
    passage with none of its own has those it inherits) and the undated
    passages last."""
    tiers = [TIERS[h["match"]] for h in hits_]
    expect(tiers == sorted(tiers), f"{what}: tiers stay in order: {tiers}")
    for tier in set(tiers):
        days = [last_day(h["dates"] or h.get("inherited_dates", [])) for h in hits_ if TIERS[h["match"]] == tier]
        dated = [d for d in days if d]
        expect(days == sorted(dated, reverse=True) + [""] * (len(days) - len(dated)),
               f"{what}: tier {tier}: latest date first, undated last: {days}")


def test_sort_date_latest_first_within_each_match_tier():
    seen = set()
    for q in ("hop tac kinh te", "hợp tác kinh tế", "họp tác", "Motegi Blinken xyzzy"):
        by_date = hits(DB, q, "--sort", "date", n=200)
        relevance = hits(DB, q, n=200)
        expect(5 <= len(by_date) < 200, f"{q}: {len(by_date)} passages")
        expect(sorted(h["id"] for h in by_date) == sorted(h["id"] for h in relevance), f"{q}: the same passages")
        expect_date_order(by_date, q)
        seen |= {h["match"] for h in by_date}
        expect([h["rank"] for h in by_date] == list(range(1, len(by_date) + 1)), f"{q}: ranks")
        page2 = hits(DB, q, "--sort", "date", "--offset", "5", n=5)
        expect([h["id"] for h in page2] == [h["id"] for h in by_date[5:10]], f"{q}: pages continue the date order")
    expect(seen == set(TIERS), f"every tier seen: {seen}")
    expect(hits(DB, "hop tac kinh te", "--sort", "relevance") == hits(DB, "hop tac kinh te"), "relevance: default")
    p = vnsearch(DB, "--sort", "newest", "hop")
    expect(p.returncode == 2 and "--sort: expected relevance or date, got 'newest'" in p.stderr, p.stderr)


def test_no_hits_exits_1():
    p = vnsearch(DB, "xyzzy quux")
    expect(p.returncode == 1 and "no passages match" in p.stderr and p.stdout == "", f"exit {p.returncode}")


def test_bad_input_exits_2_with_one_line():
    cases = [
        (["--framework", "XYZ", "hop tac"], "unknown framework"),
        (["framework:XYZ hop tac"], "unknown framework"),
        (["--from", "2020", "--to", "2019", "hop tac"], "impossible date range"),
        (["--from", "2019-13", "hop tac"], "bad date"),
        (["date:2019-02-30 hop"], "bad date"),
        (["-hop"], "nothing to search for"),
    ]
    for args, msg in cases:
        p = vnsearch(DB, "--", *args) if not args[0].startswith("--") else vnsearch(DB, *args)
        expect(p.returncode == 2, f"{args}: exit {p.returncode}")
        expect(msg in p.stderr and len(p.stderr.strip().splitlines()) == 1, f"{args}: stderr {p.stderr!r}")
    p = vnsearch(os.path.join(TMP, "missing.db"), "hop")
    expect(p.returncode == 2 and "no database" in p.stderr, f"missing db: {p.stderr!r}")


def test_formats_parse():
    p = vnsearch(DB, "--format", "json", "hop tac", "--facets")
    lines = [json.loads(l) for l in p.stdout.splitlines()]
    expect(len(lines) == 11 and all(k in lines[0] for k in ("rank", "score", "id", "file", "line", "framework",
                                                             "frameworks", "dates", "heading", "text", "snippet")),
           "json fields")
    expect("facets" in lines[-1] and lines[-1]["facets"]["framework"], "facets line")
    p = vnsearch(DB, "--format", "tsv", "hop tac")
    rows = list(csv.reader(io.StringIO(p.stdout), delimiter="\t", quoting=csv.QUOTE_NONE))
    expect(len(rows) == 11 and all(len(r) == len(rows[0]) == 21 for r in rows) and
           rows[0][-6:] == ["match", "inherited_dates", "copies", "also_in", "suggestion", "unmatched"], "tsv columns")
    expect(rows[0][:3] == ["query", "hits", "rank"] and all(r[0] == "hop tac" for r in rows[1:]), "query column")
    p = vnsearch(DB, "--format", "trec", "hop tac")
    expect(all(len(l.split()) == 6 and l.split()[1] == "Q0" for l in p.stdout.splitlines()), "trec columns")
    p = vnsearch(DB, "--format", "text", "hop tac")
    expect("[Hợp]" in p.stdout or "[hợp]" in p.stdout, "plain brackets off a terminal")
    expect("\033[" not in p.stdout, "no escape codes off a terminal")


def test_accent_restoration_in_text_output():
    p = vnsearch(DB, "dong")
    first_line = p.stdout.splitlines()[0]
    expect(first_line.startswith("dong -> ") and "đồng" in first_line and "động" in first_line, first_line)


def test_offset_and_count():
    a = hits(DB, "hop tac", n=6)
    b = hits(DB, "hop tac", "--offset", "3", n=3)
    expect([x["id"] for x in a[3:6]] == [x["id"] for x in b], "offset pages")
    expect([x["rank"] for x in b] == [4, 5, 6], "ranks count from the first result")


def test_delve_shows_id_and_framework_terms():
    # the index has no term lists (schema.h), so delve -r cannot list a
    # passage's terms; the postings of each term name it
    def postings(term):
        p = run(["xapian-delve", "-1", "-t", term, DB])
        expect(p.returncode == 0, f"delve -t {term}: {p.stderr!r}")
        return [l.strip() for l in p.stdout.splitlines() if l.strip().isdigit()]
    docids = postings("Qmekong-frameworks.txt:9")
    expect(len(docids) == 1, f"delve -t Q: {docids}")
    for t in ("XFW:MKC", "D20191127", "XWhop tac"):
        expect(docids[0] in postings(t), f"{t} lists the passage")


def test_snippet_shows_accented_form_for_unmarked_query():
    h = first("thu hoach som")
    s = h["snippet"]
    marked = [s[a:b] for a, b in h["highlights"]]
    expect("hoạch" in marked and "sớm" in marked, f"highlights {marked}")


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]
status = main(TESTS)
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(status)
