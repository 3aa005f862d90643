"""End-to-end (issue 25): framework tags an analyst can trust.  A report
whose sections are its own headings (tests/data/formats/sections.*, written
by LibreOffice (.docx .odt .rtf .pdf .doc) and pandoc (.docx .html) from
make-fixtures.py: a title naming no framework as Heading 1, "I. Hợp tác Mê
Công – Lan Thương (MLC)" ... "V. Kiến nghị" as Heading 2, and a
sentence-case variant with no title) gives every passage
its section's framework and the closing section none, the same in every
format; the tables built into the programs tag a folder of one's own indexed
from anywhere; a file's path names the framework of passages with none."""
import collections
import json
import os
import shutil
import subprocess
import sys

from e2e import SOURCE, TIMEOUT_SCALE, VNINDEX, VNSEARCH, expect, main, scratch, vnindex, vnsearch, wrapped

FORMATS = os.path.join(SOURCE, "tests", "data", "formats")
REPORT = ["sections.docx", "sections.pandoc.docx", "sections.odt", "sections.rtf", "sections.pdf",
          "sections.pandoc.html", "sections.doc"]
SENTENCE = ["sections-sentence.docx", "sections-sentence.pdf", "sections-sentence.pandoc.html"]

# The opening words of each passage of the report, and its framework ("" for
# none: the introduction under the title, and "V. Kiến nghị", which names
# MLC and GMS in its first words but closes the sections).
EXPECTED = [
    ("Báo cáo tổng hợp tình hình", ""),
    ("Năm 2024, hợp tác tập trung", "MLC"),
    ("Các dự án nông nghiệp thông minh", "MLC"),       # names GMS
    ("Hội nghị Bộ trưởng lần thứ 27", "GMS"),
    ("Các nước thống nhất ưu tiên", "GMS"),            # under a Heading 3 naming none; names ACMECS
    ("Mỹ tiếp tục hỗ trợ", "MUSP"),                    # heading names it by alias only
    ("Chương trình học bổng", "MUSP"),
    ("Nhật Bản hỗ trợ triển khai", "MJC"),
    ("Các bên nhất trí phối hợp với MLC", "MJC"),      # names MLC first
    ("Tiếp tục tham gia chủ động", ""),                # names MLC first
    ("Đề xuất Bộ Ngoại giao", ""),
]


def plain_env():
    e = dict(os.environ)
    for k in ("VNSEARCH_DATA", "VNSEARCH_DB"):
        e.pop(k, None)
    return e


def run_in(cwd, cmd):
    """cmd run from cwd with no VNSEARCH_DATA (a fresh user's shell)."""
    return subprocess.run(wrapped(cmd), capture_output=True, text=True, cwd=cwd, env=plain_env(),
                          timeout=120 * TIMEOUT_SCALE)


def dump(path, *opts):
    p = run_in(scratch(), [VNINDEX, "--dump", *opts, path])
    expect(p.returncode == 0, f"--dump exit {p.returncode}: {p.stderr}")
    rows = [l.split("\t") for l in p.stdout.splitlines()]
    by_file = collections.defaultdict(list)
    for r in rows[1:]:
        by_file[r[0].rsplit(":", 1)[0]].append(dict(zip(rows[0], r)))
    return rows[0], by_file


def tags(rows):
    """[(opening words, framework)] of a file's passages, in order."""
    out = []
    for r in rows:
        text = r["text"].lstrip("•· ")
        key = next((k for k, _ in EXPECTED if text.startswith(k)), text[:40])
        out.append((key, r["framework"]))
    return out


def test_every_format_tags_each_section_by_its_heading():
    d = os.path.join(scratch(), "docs")
    os.mkdir(d)
    for n in REPORT + SENTENCE:
        shutil.copy(os.path.join(FORMATS, n), d)
    _, by_file = dump(d)
    for name in REPORT:
        got = tags(by_file[name])
        expect(got == EXPECTED, f"{name}: {[g for g in got if g not in EXPECTED] or got}")
    for name in SENTENCE:  # no title: no introduction
        got = tags(by_file[name])
        expect(got == EXPECTED[1:], f"{name}: {[g for g in got if g not in EXPECTED] or got}")


def test_dump_shows_the_section_path_and_why():
    header, by_file = dump(os.path.join(FORMATS, "sections.docx"))
    expect(header[-3:] == ["outline", "why", "text"], f"dump header {header}")
    rows = {r["text"][:20]: r for r in by_file["sections.docx"]}
    gms = next(r for r in by_file["sections.docx"] if r["text"].startswith("Các nước thống nhất"))
    expect(gms["outline"] == "BÁO CÁO TỔNG HỢP VỀ CÁC CƠ CHẾ HỢP TÁC TIỂU VÙNG NĂM 2024 > II. Hợp tác Tiểu vùng "
           "Mê Công mở rộng (GMS) > 1. Hành lang kinh tế", gms["outline"])
    expect(gms["why"] == "heading: II. Hợp tác Tiểu vùng Mê Công mở rộng (GMS)", gms["why"])
    closing = next(r for r in by_file["sections.docx"] if r["text"].startswith("Tiếp tục tham gia"))
    expect(closing["framework"] == "" and closing["why"] == "closed by heading: V. Kiến nghị", f"{closing}")
    expect(len(rows) == 11, f"{len(rows)} passages")


def test_a_folder_outside_the_checkout_indexed_from_elsewhere_gets_tags():
    """Issue 25: `vnindex --db my.db ~/Hồ sơ` warned "no frameworks.tsv found",
    and `--framework MLC` then said "unknown framework 'MLC' (known: none)"."""
    home = scratch()
    docs = os.path.join(home, "Hồ sơ")
    os.mkdir(docs)
    for n in ("sections.docx", "sections.rtf"):
        shutil.copy(os.path.join(FORMATS, n), docs)
    elsewhere = scratch()
    p = run_in(elsewhere, [VNINDEX, "--db", "my.db", docs])
    expect(p.returncode == 0 and "no frame" not in p.stderr, p.stderr)
    expect("tables: frameworks (built in), aliases (built in)" in p.stderr, f"says which tables: {p.stderr}")
    db = os.path.join(elsewhere, "my.db")
    p = run_in(elsewhere, [VNSEARCH, "--db", db, "--format", "json", "-n", "50", "--all-copies", "--framework",
                           "MUSP", "ho tro"])
    found = [json.loads(l) for l in p.stdout.splitlines() if '"rank"' in l]
    expect(p.returncode == 0 and {h["file"] for h in found} == {"Hồ sơ/sections.docx", "Hồ sơ/sections.rtf"} or
           {h["file"] for h in found} == {"sections.docx", "sections.rtf"}, f"--framework MUSP: {p.stderr} {found}")
    expect(all(h["framework"] == "MUSP" for h in found) and len(found) == 2, f"{[h['text'][:30] for h in found]}")
    p = run_in(elsewhere, [VNSEARCH, "--db", db, "--format", "json", "-n", "50", "--all-copies", "--framework", "MLC",
                           "hop tac"])
    found = [json.loads(l) for l in p.stdout.splitlines() if '"rank"' in l]
    expect(p.returncode == 0 and found and all(h["framework"] == "MLC" for h in found) and
           not any(h["text"].startswith(("Tiếp tục", "Các bên")) for h in found),
           f"MLC lists no Kiến nghị or MJC passage: {[h['text'][:30] for h in found]}")
    # the facets count each framework's passages in both files: MLC 2 + 2, MJC 2 + 2
    p = run_in(elsewhere, [VNSEARCH, "--db", db, "--format", "json", "--facets", "--all-copies", "hop tac"])
    facets = [json.loads(l) for l in p.stdout.splitlines() if '"facets"' in l]
    expect(facets and facets[0]["facets"]["framework"].get("MLC") == 4 and
           facets[0]["facets"]["framework"].get("MJC") == 4, f"facets {facets}")


def test_a_table_beside_the_texts_or_in_vnsearch_data_overrides_the_built_in():
    d = scratch()
    docs = os.path.join(d, "docs")
    data = os.path.join(d, "data")
    os.mkdir(docs)
    os.mkdir(data)
    with open(os.path.join(docs, "a.txt"), "w", encoding="utf-8") as fp:
        fp.write("Hợp tác Sông Xanh tổ chức hội nghị thường niên.\n")
    with open(os.path.join(data, "frameworks.tsv"), "w", encoding="utf-8") as fp:
        fp.write("code\tname_vi\tname_en\taliases\nSXA\tHợp tác Sông Xanh\tBlue River Cooperation\tSông Xanh\n")
    env = plain_env()
    env["VNSEARCH_DATA"] = data
    p = subprocess.run(wrapped([VNINDEX, "--dump", docs]), capture_output=True, text=True, env=env,
                       timeout=120 * TIMEOUT_SCALE)
    expect(p.returncode == 0 and "\tSXA\t" in p.stdout, f"$VNSEARCH_DATA's table: {p.stdout} {p.stderr}")
    shutil.copy(os.path.join(data, "frameworks.tsv"), docs)
    db = os.path.join(d, "db")
    p = run_in(d, [VNINDEX, "--db", db, docs])
    expect(p.returncode == 0 and f"tables: frameworks {docs}/frameworks.tsv, aliases (built in)" in p.stderr,
           p.stderr)


def test_framework_on_an_index_without_tags_says_what_to_do():
    d = scratch()
    docs = os.path.join(d, "docs")
    os.mkdir(docs)
    shutil.copy(os.path.join(FORMATS, "sections.docx"), docs)
    empty = os.path.join(d, "empty.tsv")
    open(empty, "w").close()
    db = os.path.join(d, "db")
    p = vnindex("--db", db, "--frameworks", empty, docs)
    expect(p.returncode == 0 and "no framework in the tables used" in p.stderr, p.stderr)
    p = vnsearch(db, "--framework", "MLC", "hop tac")
    expect(p.returncode == 2 and "built without framework tags" in p.stderr and "vnindex --force" in p.stderr and
           len(p.stderr.strip().splitlines()) == 1, f"exit {p.returncode}: {p.stderr}")


def test_a_path_naming_one_framework_tags_passages_with_none():
    d = scratch()
    root = os.path.join(d, "docs")
    mjc = os.path.join(root, "Hồ sơ MJC")
    os.makedirs(mjc)
    with open(os.path.join(mjc, "ghi chu.txt"), "w", encoding="utf-8") as fp:
        fp.write("Đoàn công tác làm việc với các bộ, ngành về kết quả năm 2024.\n")
    with open(os.path.join(mjc, "bao-cao-GMS-2024.txt"), "w", encoding="utf-8") as fp:
        fp.write("Đoàn công tác tổng kết các dự án giao thông năm 2024.\n")
    with open(os.path.join(mjc, "mlc.txt"), "w", encoding="utf-8") as fp:
        fp.write("Hợp tác Mê Công – Lan Thương hỗ trợ ba dự án về nguồn nước.\n")
    with open(os.path.join(root, "MLC-va-GMS.txt"), "w", encoding="utf-8") as fp:
        fp.write("Đoàn công tác làm việc về hai cơ chế.\n")
    _, by_file = dump(root)
    note = by_file["Hồ sơ MJC/ghi chu.txt"]
    expect([r["framework"] for r in note] == ["MJC"] and note[0]["why"] == "path: Hồ sơ MJC", f"{note}")
    # its name before its folder's
    gms = by_file["Hồ sơ MJC/bao-cao-GMS-2024.txt"]
    expect([(r["framework"], r["why"]) for r in gms] == [("GMS", "path: bao-cao-GMS-2024")], f"{gms}")
    # what a file says comes first
    own = by_file["Hồ sơ MJC/mlc.txt"]
    expect([(r["framework"], r["why"]) for r in own] == [("MLC", "opening words")], f"{own}")
    two = by_file["MLC-va-GMS.txt"]
    expect([r["framework"] for r in two] == [""], f"a name naming two names none: {two}")


def test_dates_are_not_inherited_across_a_framework_section():
    """The MUSP paragraph with no date of its own inherited 2025-2027 from
    the GMS section above its heading: a date filter found it there."""
    d = scratch()
    docs = os.path.join(d, "docs")
    os.mkdir(docs)
    shutil.copy(os.path.join(FORMATS, "sections.docx"), docs)
    db = os.path.join(d, "db")
    p = vnindex("--db", db, "-q", docs)
    expect(p.returncode == 0, p.stderr)
    p = vnsearch(db, "--format", "json", "-n", "3", "Mỹ tiếp tục hỗ trợ an ninh nguồn nước")
    hit = [json.loads(l) for l in p.stdout.splitlines() if '"rank"' in l][0]
    expect(hit["framework"] == "MUSP" and not hit.get("inherited_dates") and not hit.get("dates"), f"{hit}")
    p = vnsearch(db, "--format", "json", "--from", "2025", "--to", "2027", "Mỹ tiếp tục hỗ trợ")
    expect(not any(json.loads(l)["framework"] == "MUSP" for l in p.stdout.splitlines() if '"rank"' in l),
           f"found by a date of the GMS section: {p.stdout[:300]}")


if __name__ == "__main__":
    sys.exit(main([test_every_format_tags_each_section_by_its_heading, test_dump_shows_the_section_path_and_why,
                   test_a_folder_outside_the_checkout_indexed_from_elsewhere_gets_tags,
                   test_a_table_beside_the_texts_or_in_vnsearch_data_overrides_the_built_in,
                   test_framework_on_an_index_without_tags_says_what_to_do,
                   test_a_path_naming_one_framework_tags_passages_with_none,
                   test_dates_are_not_inherited_across_a_framework_section]))
