"""End-to-end: documents as analysts keep them (tests/data/formats: the GMS
section of the corpus made into .docx, .odt, .pdf, .doc and .rtf by
LibreOffice and into .docx, .odt and .html by pandoc; make-fixtures.py) are
indexed beside the .txt they were made from, and give the same passages:
text, framework, mentioned frameworks, dates, footnotes linked to the same
paragraph, up to each format's limits (README, "Formats").  Locations come
out in each format's own terms; a missing converter is one warning naming
the package; a 400-byte Vietnamese path is indexed and found."""
import collections
import json
import os
import shutil
import sys

from e2e import CORPUS, SOURCE, WRAPPER, expect, main, run, scratch, VNINDEX, vnindex, vnsearch

FORMATS = os.path.join(SOURCE, "tests", "data", "formats")
DOCS = ["dossier.docx", "dossier.pandoc.docx", "dossier.odt", "dossier.pandoc.odt", "dossier.pandoc.html",
        "dossier.pdf", "dossier.doc", "dossier.rtf"]


def folder(names, with_tables=True):
    d = scratch()
    docs = os.path.join(d, "docs")
    os.mkdir(docs)
    for n in names:
        shutil.copy(os.path.join(FORMATS, n), docs)
    if with_tables:
        for t in ("frameworks.tsv", "aliases.tsv"):
            shutil.copy(os.path.join(CORPUS, t), docs)
    return d, docs


def dump(path):
    p = vnindex("--dump", path)
    expect(p.returncode == 0, f"--dump exit {p.returncode}: {p.stderr}")
    rows = [l.split("\t") for l in p.stdout.splitlines()]
    expect(rows[0] == ["id", "framework", "mentions", "dates", "section", "heading", "where", "notes", "note_of",
                       "outline", "why", "text"], f"dump header {rows[0]}")
    by_file = collections.defaultdict(list)
    for r in rows[1:]:
        by_file[r[0].rsplit(":", 1)[0]].append(dict(zip(rows[0], r)))
    return by_file, p.stderr


def unbullet(t):
    return t[2:] if t[:2] in ("· ", "• ") else t


def passages(rows):
    """What must match across formats: text, framework, mentions, dates, and
    for a footnote the text of the passage citing it."""
    text_of = {r["id"]: unbullet(r["text"]) for r in rows}
    return collections.Counter((unbullet(r["text"]), r["framework"], r["mentions"], r["dates"],
                                text_of.get(r["note_of"], "") if r["note_of"] else "") for r in rows)


def test_every_format_gives_the_passages_of_the_txt():
    d, docs = folder(DOCS + ["dossier.txt"])
    by_file, err = dump(docs)
    ref = passages(by_file["dossier.txt"])
    expect(len(by_file["dossier.txt"]) == 29 and sum(1 for r in by_file["dossier.txt"] if r["note_of"]) == 4,
           f"the .txt: 29 passages, 4 of them footnotes: {len(by_file['dossier.txt'])}")
    for name in DOCS:
        got = passages(by_file[name])
        missing, extra = ref - got, got - ref
        if name == "dossier.rtf":  # unrtf drops footnotes and marks no heading: limits in the README
            expect(all(k[4] for k in missing) and len(missing) == 4, f"{name}: lost {list(missing)[:3]}")
            extra = {k: v for k, v in extra.items() if " | " not in k[0] and not (len(k[0]) < 60 and k[0][-1] not in ".;")}
        else:
            expect(not missing, f"{name}: passages of the .txt not found: {list(missing)[:3]}")
        # beyond the .txt: the table of frameworks the documents also hold
        extra = {k: v for k, v in extra.items() if " | " not in k[0] and not k[0].startswith("Mã Tên MKC")}
        expect(not extra, f"{name}: passages not in the .txt: {list(extra)[:3]}")
    expect("dossier" not in err, f"no warning for well-formed documents: {err}")


def test_locations_in_each_formats_own_terms():
    d, docs = folder(["dossier.pdf", "dossier.docx", "dossier.txt"])
    db = os.path.join(d, "db")
    p = vnindex("--db", db, docs)
    expect(p.returncode == 0, p.stderr)
    p = vnsearch(db, "--format", "json", "-n", "10", "--all-copies", "Quanrg Taay")  # one text in each format
    hits = {json.loads(l)["file"]: json.loads(l) for l in p.stdout.splitlines() if '"rank"' in l}
    expect(set(hits) == {"dossier.pdf", "dossier.docx", "dossier.txt"}, f"found in {sorted(hits)}")
    pdf, docx, txt = hits["dossier.pdf"], hits["dossier.docx"], hits["dossier.txt"]
    expect(pdf["page"] == 1 and pdf["where"] == "p. 1" and pdf["id"].endswith("#fn1"), f"pdf: {pdf}")
    expect(docx["where"] == "HỢP TÁC TIỂU VÙNG MÊ CÔNG MỞ RỘNG (GMS) > 1. Hình thành" and "page" not in docx,
           f"docx: {docx}")
    expect(txt["where"] == "" and txt["id"] == "dossier.txt:4#fn5", f"txt: {txt}")
    # each footnote links to its citing passage in the same file
    for h in (pdf, docx, txt):
        cited = vnsearch(db, "--format", "json", "-n", "30", "--all-copies", "Manila ADB")
        ids = [json.loads(l)["id"] for l in cited.stdout.splitlines() if '"rank"' in l]
        expect(h["note_of"] in ids if "note_of" in h else True, f"{h['file']}: note_of {h.get('note_of')}")
    p = vnsearch(db, "-n", "10", "--all-copies", "Quanrg Taay")
    expect("dossier.pdf p. 1 #fn1" in p.stdout and "dossier.docx › HỢP TÁC TIỂU VÙNG MÊ CÔNG MỞ RỘNG (GMS) > 1. "
           "Hình thành #fn1" in p.stdout and "dossier.txt:4#fn5" in p.stdout, p.stdout)
    p = vnsearch(db, "--format", "tsv", "-n", "10", "--all-copies", "Quanrg Taay")
    rows = [l.split("\t") for l in p.stdout.splitlines()]
    where = rows[0].index("where")
    expect({r[where] for r in rows[1:]} >= {"p. 1", ""}, f"tsv where column: {rows[:2]}")
    # a paragraph on page 3 of the PDF says so
    p = vnsearch(db, "--format", "json", "-n", "30", "--all-copies", "106 dự án 10.47 tỷ USD")
    pages = {json.loads(l)["file"]: json.loads(l).get("page") for l in p.stdout.splitlines()
             if '"rank"' in l and json.loads(l)["text"].startswith("Trong Khung đầu tư")}
    expect(pages.get("dossier.pdf") == 3, f"page of the last paragraph: {pages}")


def test_ids_are_stable_and_a_rerun_does_nothing():
    d, docs = folder(DOCS)
    a, _ = dump(docs)
    b, _ = dump(docs)
    expect({k: [r["id"] for r in v] for k, v in a.items()} == {k: [r["id"] for r in v] for k, v in b.items()},
           "the same ids on a second read")
    ids = [r["id"] for r in a["dossier.docx"]]
    expect(len(ids) == len(set(ids)) and ids[0] == "dossier.docx:3", f"docx ids: ordinals of blocks: {ids[:4]}")
    db = os.path.join(d, "db")
    p = vnindex("--db", db, docs)
    expect(p.returncode == 0, p.stderr)
    p = vnindex("--db", db, docs)
    expect(p.returncode == 0 and "up to date" in p.stderr, p.stderr)


def test_dump_blocks_shows_what_each_reader_made():
    d, docs = folder(["dossier.pdf"], with_tables=False)
    p = vnindex("--dump=blocks", docs)
    rows = [l.split("\t") for l in p.stdout.splitlines()]
    expect(p.returncode == 0 and rows[0][:3] == ["file", "ordinal", "kind"], p.stdout[:300])
    kinds = collections.Counter(r[2] for r in rows[1:])
    expect(kinds["heading"] >= 8 and kinds["note"] == 4 and kinds["item"] >= 12, f"blocks: {kinds}")
    expect(any(r[2] == "note" and r[4] == "3" and r[7] == "fn4" for r in rows), "note 4 on page 3")


def test_missing_converter_is_one_warning_naming_the_package():
    d, docs = folder(["dossier.doc", "dossier.rtf", "dossier.txt"])
    db = os.path.join(d, "db")
    # a PATH with no converter on it (but the checker a sanitizer run wraps vnindex in)
    bare = os.path.join(d, "bin")
    os.mkdir(bare)
    if WRAPPER and shutil.which(WRAPPER[0]):
        checker = os.path.join(bare, os.path.basename(WRAPPER[0]))
        with open(checker, "w") as fp:
            fp.write('#!/bin/sh\nexec %s "$@"\n' % shutil.which(WRAPPER[0]))
        os.chmod(checker, 0o755)
    p = run([VNINDEX, "--db", db, docs], env={"PATH": bare})
    expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
    lines = p.stderr.splitlines()
    for prog, name in (("antiword", "dossier.doc"), ("unrtf", "dossier.rtf")):
        hits = [l for l in lines if name in l]
        expect(len(hits) == 1 and f"apt-get install {prog}" in hits[0], f"{name}: {hits}")
    expect(vnsearch(db, "Quanrg").returncode == 0, "the .txt beside them is indexed")
    # once the converters are there, the next run reads the files it skipped
    p = vnindex("--db", db, docs)
    expect(p.returncode == 0 and "up to date" not in p.stderr, f"rerun with converters: {p.stderr}")
    files = {json.loads(l)["file"] for l in vnsearch(db, "--format", "json", "-n", "20", "--all-copies", "Quanrg").stdout
             .splitlines()
             if '"rank"' in l}
    # (the footnote searched for: unrtf drops footnotes, so no dossier.rtf)
    expect(files == {"dossier.doc", "dossier.txt"}, f"found in {files}")


def test_a_400_byte_vietnamese_path_is_indexed_and_found():
    d = scratch()
    root = os.path.join(d, "docs")
    parts = ["Hồ sơ hợp tác Mê Công – Nhật Bản giai đoạn 2016–2025",
             "Báo cáo tổng kết hoạt động hợp tác tiểu vùng sông Mê Công mở rộng",
             "Phụ lục 3 – Danh mục các dự án được thông qua trong khuôn khổ hợp tác",
             "Tài liệu gốc do các bộ, ngành cung cấp"]
    sub = os.path.join(root, *parts)
    os.makedirs(sub)
    name = "Tài liệu tham khảo về quan hệ đối tác Mê Công – Nhật Bản và các nước.txt"
    rel = os.path.join(*parts, name)
    expect(len(rel.encode()) > 400, f"path of {len(rel.encode())} bytes")
    path = os.path.join(sub, name)
    with open(path, "w", encoding="utf-8") as fp:
        fp.write("Các nước thống nhất đẩy mạnh hợp tác aaqlongpath trong năm 2019.\n")
    shutil.copy(os.path.join(FORMATS, "dossier.docx"), os.path.join(sub, "Hồ sơ " * 20 + ".docx"))
    db = os.path.join(d, "db")
    p = vnindex("--db", db, root)
    expect(p.returncode == 0 and "skipped" not in p.stderr, p.stderr)
    p = vnsearch(db, "--format", "json", "aaqlongpath")
    hits = [json.loads(l) for l in p.stdout.splitlines() if '"rank"' in l]
    expect(len(hits) == 1 and hits[0]["file"] == rel and hits[0]["id"] == rel + ":1", f"hits: {hits}")
    p = vnsearch(db, "Quanrg Taay")
    expect(p.returncode == 0 and "Hồ sơ Hồ sơ" in p.stdout, "the long-named .docx is found")
    # a phrase reranks by id terms, which are shortened for this path
    p = vnsearch(db, "--format", "json", '"đẩy mạnh hợp tác" aaqlongpath')
    expect(p.returncode == 0, f"phrase query: {p.stderr}")
    # the file's terms and record survive an update: the old text goes, the new comes
    p = vnindex("--db", db, root)
    expect("up to date" in p.stderr, f"rerun: {p.stderr}")
    with open(path, "w", encoding="utf-8") as fp:
        fp.write("Nội dung mới aaqlongnew của tài liệu.\n")
    p = vnindex("--db", db, "--update", root)
    expect(p.returncode == 0 and "updated 1 file" in p.stderr, p.stderr)
    expect(vnsearch(db, "aaqlongnew").returncode == 0 and vnsearch(db, "aaqlongpath").returncode == 1,
           "the update replaced the long-named file's passages")


if __name__ == "__main__":
    sys.exit(main([test_every_format_gives_the_passages_of_the_txt, test_locations_in_each_formats_own_terms,
                   test_ids_are_stable_and_a_rerun_does_nothing, test_dump_blocks_shows_what_each_reader_made,
                   test_missing_converter_is_one_warning_naming_the_package,
                   test_a_400_byte_vietnamese_path_is_indexed_and_found]))
