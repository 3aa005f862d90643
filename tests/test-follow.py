#!/usr/bin/env python3
"""End-to-end tests of what helps an analyst who typed it wrong and lets
them follow what they found (issue 16): "did you mean" and the words that
matched nothing, --like, --context, copies of a paragraph shown once
(--all-copies), on the bundled corpus with the real binaries."""
import json
import os
import shutil
import sys

from e2e import CORPUS, bundled_index, expect, hits, main, scratch, vnindex, vnsearch

TMP = scratch()
DB = os.path.join(TMP, "db")
bundled_index(DB)
COPY = "mekong-frameworks.txt:132"     # the FOM paragraph that is also item 6 of the list at line 140
COPY_TEXT = "Tại Hội nghị Bộ trưởng Quan hệ đối tác Mê Công – Mỹ lần thứ nhất"


def extras(query, *opts):
    """The trailing object of --format json: suggestion, unmatched, ..."""
    p = vnsearch(DB, "--format", "json", *opts, "--", query)
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    tail = [r for r in rows if "rank" not in r]
    return p, tail[-1] if tail else {}


def test_did_you_mean_telex_and_vni_typed_without_an_input_method():
    for typed in ("hojp tacs", "hop5 tac1"):
        p = vnsearch(DB, "--color", "never", "--", typed)
        expect(p.returncode == 1 and p.stdout == "", f"{typed}: nothing matches what was typed (exit {p.returncode})")
        names = ", ".join(typed.split())
        expect(p.stderr == f"vnsearch: no passages match '{typed}'\ndid you mean: hợp tác  (" + p.stderr.split("(", 1)[1]
               and f"\nno passage has these words: {names}\n" in p.stderr, f"{typed}: on stderr: {p.stderr!r}")
        _, tail = extras(typed)
        expect(tail.get("suggestion", {}).get("query") == "hợp tác" and tail["suggestion"]["passages"] > 10,
               f"{typed}: json suggestion {tail}")
        expect(tail.get("unmatched") == typed.split(), f"{typed}: json unmatched {tail}")
    # the suggestion searched for finds what was meant
    expect(hits(DB, "hợp tác")[0]["text"].lower().count("hợp tác") > 0, "hợp tác finds hợp tác")


def test_a_wrong_tone_and_a_missing_letter_are_respelled_and_the_search_is_what_was_typed():
    p, tail = extras("Vieetj Nam chur tichj")
    expect(tail.get("suggestion", {}).get("query") == "Việt Nam chủ tịch", f"Telex with capitals kept: {tail}")
    expect(tail.get("unmatched") == ["Vieetj", "chur", "tichj"], f"{tail}")
    p, tail = extras("hớp tác")
    expect(tail.get("suggestion", {}).get("query") == "hợp tác" and tail.get("unmatched") == [], f"{tail}")
    typed = hits(DB, "hớp tác")
    expect(typed and all(h["match"] != "exact" for h in typed), "the search ran on hớp, as typed: no exact hits")
    p, tail = extras("hop tc")
    expect(tail.get("suggestion", {}).get("query") == "hop tac" and tail.get("unmatched") == ["tc"], f"{tail}")


def test_no_suggestion_for_words_the_index_knows():
    for q in ("hợp tác", "hop tac Mekong Nhat Ban", "Motegi OR Blinken", "HNCC Campuchia", "du an thu hoach som"):
        p, tail = extras(q)
        expect(p.returncode == 0 and tail.get("suggestion") is None and tail.get("unmatched", []) == [],
               f"{q}: {tail}")
        expect("did you mean" not in vnsearch(DB, "--color", "never", "--", q).stdout, f"{q}: text")
    p, tail = extras("xyzzy quux")
    expect(tail.get("suggestion") is None and tail.get("unmatched") == ["xyzzy", "quux"], f"xyzzy: {tail}")


def test_copies_of_a_paragraph_are_one_hit_also_in_the_other():
    got = hits(DB, COPY_TEXT, n=20)
    ids = [h["id"] for h in got]
    expect(ids[0] == COPY and "mekong-frameworks.txt:140" not in ids, f"one hit for both copies: {ids[:5]}")
    expect(got[0]["copies"] == 1 and got[0]["also"] == ["mekong-frameworks.txt:140"], f"{got[0].get('also')}")
    p = vnsearch(DB, "--color", "never", "-n", "3", "--", "hop tc")
    expect(p.stdout.startswith("hop -> ") and "\ndid you mean: hop tac  (" in p.stdout and
           "\nno passage has this word: tc\n\n1. " in p.stdout, f"above the hits: {p.stdout[:300]!r}")
    p = vnsearch(DB, "--color", "never", "-n", "3", "--", COPY_TEXT)
    expect("   also in: mekong-frameworks.txt:140\n" in p.stdout, p.stdout)
    expect("shown once: --all-copies" in p.stderr, p.stderr)
    every = hits(DB, COPY_TEXT, "--all-copies", n=20)
    ids = [h["id"] for h in every]
    expect(COPY in ids and "mekong-frameworks.txt:140" in ids and "copies" not in every[0], f"--all-copies: {ids[:5]}")
    _, one = extras(COPY_TEXT, "--facets")
    _, all_ = extras(COPY_TEXT, "--facets", "--all-copies")
    # counts say distinct passages as listed (issue 25), --all-copies every copy; the facets alike
    listed = hits(DB, COPY_TEXT, n=500)
    expect(one["matches"] == len(listed) and all_["matches"] == len(hits(DB, COPY_TEXT, "--all-copies", n=500)) and
           one["matches"] < all_["matches"] and one["matches_exact"],
           f"counts: {one['matches']} of {len(listed)} listed, {all_['matches']} with copies")
    fw_one, fw_all = one["facets"]["framework"], all_["facets"]["framework"]
    expect(sum(fw_one.values()) <= one["matches"] and sum(fw_one.values()) < sum(fw_all.values()) and
           sum(fw_all.values()) <= all_["matches"], f"facets {fw_one} {fw_all}")


def test_like_finds_passages_on_the_same_subject_not_itself_or_its_copies():
    got = hits(DB, "", "--like", COPY, n=10)
    ids = [h["id"] for h in got]
    expect(got and COPY not in ids and "mekong-frameworks.txt:140" not in ids, f"{ids}")
    expect(got[0]["framework"] in ("FOM", "MUSP") and sum(h["framework"] in ("FOM", "MUSP") for h in got[:5]) >= 4,
           f"an FOM passage's likes are FOM and MUSP ones: {[(h['id'], h['framework']) for h in got[:5]]}")
    filtered = hits(DB, "", "--like", COPY, "--framework", "MUSP")
    expect(filtered and all(h["framework"] == "MUSP" for h in filtered), "filters apply")
    p = vnsearch(DB, "--like", COPY, "hop tac")
    expect(p.returncode == 2 and "--like finds the passages like one passage" in p.stderr, p.stderr)
    p = vnsearch(DB, "--like", "nope.txt:1")
    expect(p.returncode == 2 and "no passage 'nope.txt:1' in the index" in p.stderr, p.stderr)
    p = vnsearch(DB, "--batch", "-", "--like", COPY, input="hop\n")
    expect(p.returncode == 2 and "--like is one search" in p.stderr, p.stderr)


def test_context_gives_the_passages_before_and_after_in_file_order():
    got = hits(DB, "thu hoach som", "--context", "2", n=3)
    h = got[0]
    expect(len(h["before"]) == 2 and len(h["after"]) == 2, f"{h['id']}: {len(h['before'])} {len(h['after'])}")
    lines = [x["line"] for x in h["before"]] + [h["line"]] + [x["line"] for x in h["after"]]
    expect(lines == sorted(lines) and all(x["file"] == h["file"] for x in h["before"] + h["after"]),
           f"in file order, from its file: {lines}")
    # the neighbours are the passages the file was split into next to it (vnindex --dump, in order)
    dump = vnindex("--dump", os.path.join(CORPUS, h["file"])).stdout.splitlines()[1:]
    order = [line.split("\t")[0] for line in dump]
    k = order.index(h["id"])
    expect([x["id"] for x in h["before"]] == order[k - 2:k] and [x["id"] for x in h["after"]] == order[k + 1:k + 3],
           f"{h['id']}: {[x['id'] for x in h['before']]} {[x['id'] for x in h['after']]} in {order[k - 3:k + 4]}")
    p = vnsearch(DB, "--color", "never", "--context", "1", "-n", "1", "thu hoach som")
    expect(f"   ┆ {h['before'][1]['id']}\n" in p.stdout and f"   ┆ {h['after'][0]['id']}" in p.stdout, p.stdout)
    p = vnsearch(DB, "--context", "51", "hop")
    expect(p.returncode == 2 and "--context: expected a number from 0 to 50" in p.stderr, p.stderr)


def test_an_updated_file_shows_its_new_passages_around_a_hit():
    src = os.path.join(TMP, "src")
    os.makedirs(src)
    # with the corpus beside it, the file is a small part of the index: an --update writes it into a
    # second part and retires its old passages (index.c), which must not show around the new ones
    for f in ("frameworks.tsv", "aliases.tsv", "mekong-frameworks.txt", "gms-overview.txt"):
        shutil.copy(os.path.join(CORPUS, f), src)
    text = "".join(f"Đoạn văn số {i} nói về hợp tác thủy lợi.\n\n" for i in range(1, 8))
    with open(os.path.join(src, "a.txt"), "w", encoding="utf-8") as fp:
        fp.write(text)
    db = os.path.join(TMP, "db-update")
    expect(vnindex("--db", db, "--quiet", src).returncode == 0, "index")
    with open(os.path.join(src, "a.txt"), "w", encoding="utf-8") as fp:
        fp.write(text.replace("Đoạn văn số 4 nói", "Đoạn văn số 4 mới nói"))
    expect(vnindex("--db", db, "--quiet", "--update", src).returncode == 0, "update")
    p = vnsearch(db, "--format", "json", "--context", "1", "--", "Đoạn văn số 4 mới")
    h = json.loads(p.stdout.splitlines()[0])
    expect("mới" in h["text"] and [x["line"] for x in h["before"]] == [h["line"] - 2] and
           [x["line"] for x in h["after"]] == [h["line"] + 2], f"after an --update: {h['line']} {h.get('before')}")



def test_copies_are_counted_exactly_among_many_passages_sharing_their_words():
    # copies are found among the passages holding their rarest syllables: their keys compared here
    # when those are few (the note, 3 copies), by Xapian when they are many (the paragraph whose
    # every word is in 1,200 others, 4 copies)
    src = os.path.join(TMP, "many")
    os.makedirs(src)
    copy = "Hợp tác kinh tế tiểu vùng được các bên đánh giá cao"
    note = "Ghi chú riêng về thủy điện Xayaburi trên dòng chính"
    texts = {"a.txt": [copy] * 3 + [note], "b.txt": [f"{copy} số {i}" for i in range(1200)],
             "c.txt": [note, copy, note]}
    for name, paragraphs in texts.items():
        with open(os.path.join(src, name), "w", encoding="utf-8") as fp:
            fp.write("".join(t + ".\n\n" for t in paragraphs))
    db = os.path.join(TMP, "db-many")
    expect(vnindex("--db", db, "--quiet", src).returncode == 0, "index")
    for text, n in ((note, 2), (copy, 3)):
        p = vnsearch(db, "--format", "json", "--", f'"{text}"')
        h = json.loads(p.stdout.splitlines()[0])
        ids = [h["id"]] + h.get("also", [])
        expect(h.get("copies") == n and len(set(ids)) == n + 1 and
               all(i.split(":")[0] in ("a.txt", "c.txt") for i in ids), f"{text}: {h.get('copies')} copies, {ids}")


if __name__ == "__main__":
    code = main([v for k, v in list(globals().items()) if k.startswith("test_")])
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(code)
