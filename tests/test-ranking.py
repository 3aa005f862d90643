#!/usr/bin/env python3
"""Ranking that reads Vietnamese words and respects the marks typed (issue
13): one test per symptom the issue listed, on the bundled corpus, plus
small texts written here to pin each rule where the corpus cannot."""
import json
import os
import re
import unicodedata

from e2e import CORPUS, SOURCE, bundled_index, dev_batch_lines, expect, hits, main, scratch, small_index, vnindex, vnsearch

TMP = scratch()
DB = os.path.join(TMP, "db")
bundled_index(DB)


def fold(s):
    s = unicodedata.normalize("NFD", s.lower()).replace("đ", "d")
    return "".join(c for c in s if not unicodedata.combining(c))


def has_words(text, words):
    """The words in this order, next to each other (folded, spaces or a hyphen between)."""
    pattern = r"(?<!\w)" + r"[\s\-]+".join(re.escape(fold(w)) for w in words.split()) + r"(?!\w)"
    return re.search(pattern, fold(text)) is not None


def has_exact(text, words):
    return re.search(r"(?<!\w)" + re.escape(words.lower()) + r"(?!\w)", unicodedata.normalize("NFC", text.lower()))


def corpus_passages():
    """Every passage of the bundled index, as JSON hits (a filter-only query lists them all)."""
    p = vnsearch(DB, "--format", "json", "-n", "1000", "--from", "1900")
    with_dates = [json.loads(l) for l in p.stdout.splitlines() if '"rank"' in l]
    return with_dates


def count_line(query, *opts):
    p = vnsearch(DB, "-n", "3", "--color", "never", *opts, "--", query)
    return p.stderr.strip().splitlines()[-1]


def test_whole_words_outrank_syllables_apart():
    # `Nhật Bản cam kết hỗ trợ`: the first passage matched "cam" inside
    # "Cam-pu-chia" and had no "cam kết"; a fixed bonus for "every syllable
    # present" outweighed whether the words were whole
    h = hits(DB, "Nhật Bản cam kết hỗ trợ", n=5)
    expect(h and has_words(h[0]["text"], "cam kết"), f"first hit has no 'cam kết': {h[0]['id'] if h else None}")
    for x in h:
        whole = sum(has_words(x["text"], w) for w in ("Nhật Bản", "cam kết", "hỗ trợ"))
        expect(whole >= 2, f"{x['id']}: only {whole} of the three words whole, in the top 5")


def test_quoted_phrase_is_required():
    h = hits(DB, '"cam kết" Nhật Bản', n=50)
    expect(h, "hits")
    expect(all(has_words(x["text"], "cam kết") for x in h), "every hit holds the quoted phrase")
    h = hits(DB, '+mặn hợp tác', n=50)
    expect(len(h) >= 3 and all("mặn" in x["text"] for x in h), "+word is required")


def test_marks_typed_count():
    # `hạn hán` (drought): 3 passages say it; "Hàn Quốc" and "dài hạn" came with it
    h = hits(DB, "hạn hán", n=50)
    saying = [p for p in corpus_passages() if has_exact(p["text"], "hạn hán")]
    expect(len(saying) == 3, f"the corpus has 3 passages saying hạn hán: {len(saying)}")
    expect(len(h) == 3 and all(has_exact(x["text"], "hạn hán") for x in h),
           f"only the passages saying it: {[x['id'] for x in h]}")
    expect(count_line("hạn hán") == "3 of 3 matching passages", count_line("hạn hán"))
    for x in h:  # the snippet shows the drought, not "sông Hàn"
        marked = [x["snippet"][a:b] for a, b in x["highlights"]]
        expect(marked and all(fold(m) in ("han",) and m.lower() in ("hạn", "hán") for m in marked),
               f"{x['id']}: highlights {marked}")


def test_other_marks_are_a_fallback_marked_as_such():
    h = hits(DB, "Hàn", n=100)
    kinds = [x["match"] for x in h]
    expect(kinds and kinds[0] == "exact" and kinds == sorted(kinds, key=["exact", "marks", "some"].index),
           f"exact first, then other marks: {kinds}")
    for x in h:
        exact = bool(has_exact(x["text"], "hàn"))
        expect(exact == (x["match"] == "exact"), f"{x['id']}: match {x['match']} but exact 'Hàn' {exact}")
    expect("marks" in kinds, "other spellings (hạn, hán) follow as a fallback")
    # a query typed without marks is fully folded: no fallback tier
    expect(all(x["match"] == "exact" for x in hits(DB, "han", n=100)), "unmarked: every form alike")
    p = vnsearch(DB, "--color", "never", "-n", "100", "Hàn")
    expect("other marks" in p.stdout, "the text output says which hits have other marks")


def test_similar_syllables_of_other_words_come_after():
    # `Việt Nam đăng cai` ranked a passage with "đang" and "Lào Cai" third
    h = hits(DB, "Việt Nam đăng cai", n=20)
    hosting = [i for i, x in enumerate(h) if has_exact(x["text"], "đăng cai")]
    others = [i for i, x in enumerate(h) if not has_exact(x["text"], "đăng cai")]
    expect(hosting and (not others or max(hosting) < min(others)), f"'đăng cai' first: {hosting} {others}")
    for i in others:
        expect(h[i]["match"] != "exact", f"{h[i]['id']} has no 'đăng cai' but is marked exact")


def test_hyphen_and_space_are_one_word():
    a = {x["id"] for x in hits(DB, "vắc-xin", n=50)}
    b = {x["id"] for x in hits(DB, "vắc xin", n=50)}
    c = {x["id"] for x in hits(DB, "vac xin", n=50)}
    spelled = {p["id"] for p in corpus_passages() if has_words(p["text"], "vắc xin")}
    expect(a == b == c, f"vắc-xin {sorted(a)} vắc xin {sorted(b)} vac xin {sorted(c)}")
    expect(spelled <= a, f"every passage writing it either way: missing {sorted(spelled - a)}")


def test_hyphenated_run_matches_it_written_solid_by_rule():
    # Cam-pu-chia = Campuchia without the alias table: a rule, not a list
    tmp = scratch()
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    with open(os.path.join(src, "a.txt"), "w", encoding="utf-8") as f:
        f.write("Hợp tác với Campuchia về thủy lợi.\n\nĐoàn Mi-an-ma sang thăm.\n\nHội nghị ở Mianma năm sau.\n")
    empty = os.path.join(tmp, "empty.tsv")
    open(empty, "w").close()
    db = os.path.join(tmp, "db")
    p = vnindex("--db", db, "-q", "--frameworks", empty, "--aliases", empty, src)
    expect(p.returncode == 0, p.stderr)
    expect([x["id"] for x in hits(db, "Cam-pu-chia")] == ["a.txt:1"], "Cam-pu-chia finds Campuchia")
    expect(sorted(x["id"] for x in hits(db, "Mianma")) == ["a.txt:3", "a.txt:5"], "Mianma finds Mi-an-ma")
    expect(sorted(x["id"] for x in hits(db, "Mi-an-ma")) == ["a.txt:3", "a.txt:5"], "and the other way round")


def test_a_date_typed_in_the_query_ranks_its_passages_first():
    # `tháng 11/2019` returned passages of 11/2003 and 2/2025
    h = hits(DB, "tháng 11/2019", n=10)
    dated = [x for x in h if any(d.startswith("2019-11") for d in x["dates"] + x.get("inherited_dates", []))]
    expect(dated and h[:len(dated)] == dated, f"November 2019 first: {[(x['id'], x['dates']) for x in h]}")
    h = hits(DB, "hội nghị 27/11/2019", n=3)
    expect(h and "2019-11-27" in h[0]["dates"], f"27/11/2019 first: {[(x['id'], x['dates']) for x in h]}")


def test_a_paragraph_inherits_the_date_of_the_meeting_it_continues():
    # "Về tình hình hợp tác, Bộ trưởng Motegi thông báo ... 5,6 triệu liều
    # vắc-xin" continues the account of the meeting of 6/8/2021
    h = [x for x in hits(DB, "Motegi vắc-xin", n=5) if "Motegi thông báo" in x["text"]]
    expect(h and h[0]["dates"] == [] and h[0]["inherited_dates"] == ["2021-08-06"],
           f"inherited: {[(x['id'], x['dates'], x.get('inherited_dates')) for x in h]}")
    expect(h[0]["dates_from"] == "mekong-frameworks.txt:199", h[0].get("dates_from"))
    f = hits(DB, "Motegi", "--from", "2021-08-06", "--to", "2021-08-06", n=10)
    ids = [x["id"] for x in f]
    expect(h[0]["id"] in ids, f"a date filter finds it: {ids}")
    own = [i for i, x in enumerate(f) if x["dates"]]
    inherited = [i for i, x in enumerate(f) if not x["dates"]]
    expect(not own or not inherited or max(own) < min(inherited), "passages carrying the date come first")
    p = vnsearch(DB, "--color", "never", "Motegi", "--from", "2021-08-06", "--to", "2021-08-06")
    expect("2021-08-06 (inherited)" in p.stdout, "the text output says the date is inherited")


def test_date_ranges_with_day_edges_across_years():
    # a range reads only the months of its edge years and the days of its
    # edge months (query.c): a day at either edge, in a range that spans
    # years, is still found, and one a day outside is not
    def ids(frm, to):
        return {x["id"] for x in hits(DB, "Motegi", "--from", frm, "--to", to, n=50)}
    day = {x["id"] for x in hits(DB, "Motegi", "--from", "2021-08-06", "--to", "2021-08-06", n=50)}
    expect(day, "passages of 2021-08-06")
    expect(day <= ids("2019-03-17", "2021-08-06"), "the last day of a range spanning years")
    expect(day <= ids("2021-08-06", "2023-02-11"), "the first day of a range spanning years")
    expect(not day & ids("2021-08-07", "2024-05-02") and not day & ids("2018-12-30", "2021-08-05"),
           "not a day outside")
    # every day of a month in between is found through its month or year
    expect(day <= ids("2020-12-31", "2022-01-01"), "inside a whole year")


def test_counts_are_exact_under_ten_thousand():
    line = count_line("hop tac")
    expect(re.fullmatch(r"3 of \d+ matching passages", line), line)
    total = int(line.split()[2])
    # counts say distinct passages, as the list shows them (issue 25: copies one)
    p = vnsearch(DB, "--format", "json", "-n", "1000", "hop tac")
    n = sum(1 for l in p.stdout.splitlines() if '"rank"' in l)
    expect(n == total, f"the count says {total}, the hits are {n}")
    # and with --all-copies, every copy, which it lists
    every = count_line("hop tac", "--all-copies")
    p = vnsearch(DB, "--format", "json", "-n", "1000", "--all-copies", "hop tac")
    n = sum(1 for l in p.stdout.splitlines() if '"rank"' in l)
    expect(every == f"3 of {n} matching passages" and n > total, f"--all-copies: {every}, the hits are {n}")
    p = vnsearch(DB, "--format", "json", "--facets", "hop tac")
    last = json.loads(p.stdout.splitlines()[-1])
    expect(last["matches"] == total and last["matches_exact"] is True, f"JSON count {last}")


def test_unmarked_syllable_in_a_marked_query_prefers_its_unmarked_form():
    # `bách khoa`: "khoa" typed without marks in a query with marks
    db = small_index({"k.txt": "Trường đại học bách khóa mở khóa học mới về khóa luận và khóa sổ.\n\n"
                               "Từ điển bách khoa toàn thư của Việt Nam.\n"})
    h = hits(db, "bách khoa")
    expect(h and h[0]["id"] == "k.txt:3", f"khoa before khóa: {[x['id'] for x in h]}")


def test_words_in_order_outrank_the_same_syllables_apart():
    db = small_index({"w.txt": "Kinh tế hợp tác và phát triển kinh tế, hợp tác, tế bào, hợp kim, tác động.\n\n"
                               "Hợp tác kinh tế giữa hai nước.\n"})
    h = hits(db, "hợp tác kinh tế")
    expect(h and h[0]["id"] == "w.txt:3", f"in order first: {[x['id'] for x in h]}")


def all_queries_batch():
    """Every query of the dev set and of bench/queries.tsv, as a batch file."""
    lines = [f"{qid}\t{q}" for qid, q in dev_batch_lines()]
    with open(os.path.join(SOURCE, "bench", "queries.tsv"), encoding="utf-8") as f:
        lines += [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    batch = os.path.join(TMP, "stages.tsv")
    with open(batch, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return batch


def test_fast_stages_rank_as_the_plain_ones():
    # search.c runs each tier as a weighted AND of the terms the tier
    # requires instead of an OR filtered by them: the same passages, in the
    # same order, with the same scores, for every query of the dev set and
    # of bench/queries.tsv, with and without --all-copies and --sort date
    # (the folded weights of the exact tier, next test, left out: the plain
    # form has one weight for every tier)
    batch = all_queries_batch()
    for opts in ([], ["--all-copies"], ["--sort", "date"]):
        out = []
        for env in ({"VNSEARCH_NO_FOLD": "1"}, {"VNSEARCH_PLAIN_STAGES": "1"}):
            p = vnsearch(DB, "--batch", batch, "--format", "json", "-n", "20", *opts, env=env, timeout=300)
            expect(p.returncode == 0, p.stderr[-500:])
            out.append(p.stdout.splitlines())  # hits and each query's count line, whole
        expect(sum('"rank"' in l for l in out[0]) > 1000, f"only {len(out[0])} rows")
        for a, b in zip(out[0], out[1]):
            expect(a == b, f"{opts}: fast {a} but plain {b}")
        expect(len(out[0]) == len(out[1]), f"{opts}: {len(out[0])} rows fast, {len(out[1])} plain")


def scores(db, query, env):
    p = vnsearch(db, "--format", "json", "-n", "50", "--", query, env=env)
    expect(p.returncode == 0, p.stderr[-500:])
    return {h["id"]: (h["score"], h["match"]) for h in map(json.loads, p.stdout.splitlines()) if "rank" in h}


def test_exact_tier_weighs_the_folded_syllable_through_the_exact_one():
    # In the tier holding every word as typed, "hợp" weighs exact (XEhợp)
    # and folded (hop); plan.c folds the second into the first, scaled by
    # the ratio of their idfs, so Xapian walks one posting list, not two
    # (hợp tác on 200 MB: 26 -> 18 ms).  A passage holding only the typed
    # spelling keeps its score; one that also holds another spelling (họp)
    # no longer gains from it inside the tier.
    filler = "".join(f"Đoạn {i} nói về thời tiết, mùa màng và giao thông ở tỉnh thứ {i}.\n\n" for i in range(30))
    db = small_index({"f.txt": "Hợp tác kinh tế giữa hai nước láng giềng.\n\n"
                               "Hợp tác kinh tế, họp bàn, họp báo và họp mặt giữa hai nước láng giềng.\n\n"
                               "Các bên ký hợp đồng tại Hà Nội.\n\n" + filler})
    folded = scores(db, "hợp tác", None)
    plain = scores(db, "hợp tác", {"VNSEARCH_NO_FOLD": "1"})
    expect(set(folded) == set(plain) == {"f.txt:1", "f.txt:3"}, f"{folded} / {plain}")
    expect(folded["f.txt:1"][1] == plain["f.txt:1"][1] == "exact", f"{folded} / {plain}")
    expect(abs(folded["f.txt:1"][0] - plain["f.txt:1"][0]) < 2e-4, f"same score: {folded} / {plain}")
    expect(plain["f.txt:3"][0] > folded["f.txt:3"][0] + 0.01, f"họp no longer adds: {folded} / {plain}")
    # and on the bundled corpus, every dev and bench query keeps its first
    # passage
    batch = all_queries_batch()
    out = []
    for env in (None, {"VNSEARCH_NO_FOLD": "1"}):
        p = vnsearch(DB, "--batch", batch, "--format", "json", "-n", "1", env=env, timeout=300)
        expect(p.returncode == 0, p.stderr[-500:])
        out.append([(h["query_id"], h.get("id"), h.get("matches")) for h in map(json.loads, p.stdout.splitlines())])
    expect(len(out[0]) > 100 and out[0] == out[1], "first passages differ")


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]
status = main(TESTS)
import shutil  # noqa: E402
shutil.rmtree(TMP, ignore_errors=True)
raise SystemExit(status)
