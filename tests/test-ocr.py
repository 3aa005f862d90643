"""End-to-end: scans (issue 27).  Paragraphs of the bundled corpus are made
into pictures at test time (ImageMagick with DejaVu Sans at 300 dpi, a slight
rotation and noise), wrapped as a PDF with img2pdf, kept as .png and as a
two-page .tif, and one scanned page is appended to a text PDF (pdfunite).
vnindex reads them with Tesseract's Vietnamese model: 4-word windows of each
paragraph, typed without marks, bring back the scanned page first; hits say
they come from OCR; a picture with no text is found by its name; a second
run takes every page from the OCR cache; without the model a scan is found
by name and read on the next run.  A 4-page scan and the TIFF read with
--threads 1 and 2 give the same passages, in the same order, on the same
pages; with 2 threads the debug log shows the pages of one file read by
both workers; the progress line counts pages.

Skips (exit 77) when tesseract-ocr-vie, ImageMagick, img2pdf or pdfunite is
missing, except under CI=1, where they must be there."""
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata

from e2e import CORPUS, SOURCE, expect, main, run, scratch, vnindex, vnsearch

MODEL = os.path.join(os.environ.get("TESSDATA_PREFIX") or "/usr/share/tesseract-ocr/5/tessdata", "vie.traineddata")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
TEXT_PDF = os.path.join(SOURCE, "tests", "data", "formats", "dossier.pdf")
TOOLS = ["convert", "img2pdf", "pdfunite"]

WORK = None
DOCS = None
PAGES = None  # a folder with only a 4-page scanned PDF and the two-page TIFF
PARAS = {}  # (file, page) -> the paragraph's text


def unmarked(s):
    """Vietnamese typed without marks: decomposed, marks dropped, đ -> d."""
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in s if not unicodedata.combining(c))


def words_of(text):
    return [w.lower() for w in re.findall(r"\w+", unmarked(text)) if not w.isdigit()]


def corpus_lines():
    """Every paragraph the test index holds as text: the corpus and the text PDF's source."""
    out = []
    for path in (os.path.join(CORPUS, "mekong-frameworks.txt"), os.path.join(CORPUS, "gms-overview.txt"),
                 os.path.join(SOURCE, "tests", "data", "formats", "dossier.txt")):
        with open(path, encoding="utf-8") as fp:
            out += [line.strip() for line in fp if line.strip()]
    return out


def corpus_paragraphs(n):
    """n paragraphs of the corpus, 250 to 450 bytes, that the text PDF of the
    mixed file does not hold too."""
    with open(os.path.join(SOURCE, "tests", "data", "formats", "dossier.txt"), encoding="utf-8") as fp:
        in_pdf = {line.strip() for line in fp}
    out = []
    with open(os.path.join(CORPUS, "mekong-frameworks.txt"), encoding="utf-8") as fp:
        for line in fp:
            t = line.strip()
            if 250 <= len(t.encode()) <= 450 and t[:1].isalpha() and t not in out and t not in in_pdf:
                out.append(t)
    step = max(1, len(out) // n)
    return out[::step][:n]


def known_item_windows(text, others):
    """The 4-word windows of a paragraph (every second one), typed without
    marks, that no other paragraph holds word for word: known items."""
    words = words_of(text)
    elsewhere = set()
    for o in others:
        if o != text:
            w = words_of(o)
            elsewhere.update(" ".join(w[k:k + 4]) for k in range(len(w) - 3))
    return [" ".join(words[k:k + 4]) for k in range(0, len(words) - 3, 2)
            if " ".join(words[k:k + 4]) not in elsewhere]


def picture(text, path, angle):
    """A scanned page of text: 300 dpi, grey, rotated by `angle` degrees, with noise."""
    p = run(["convert", "-density", "300", "-units", "PixelsPerInch", "-size", "2200x", "-background", "white",
             "-fill", "black", "-font", FONT, "-pointsize", "11", "caption:" + text, "-bordercolor", "white",
             "-border", "150", "-rotate", str(angle), "-attenuate", "0.3", "+noise", "Gaussian", "-colorspace",
             "Gray", "-flatten", "-alpha", "off", "-depth", "8", path], timeout=120)
    expect(p.returncode == 0, f"convert: {p.stderr}")


def make_scans():
    global WORK, DOCS
    WORK = scratch()
    DOCS = os.path.join(WORK, "docs")
    os.mkdir(DOCS)
    for t in ("frameworks.tsv", "aliases.tsv"):
        shutil.copy(os.path.join(CORPUS, t), DOCS)
    paras = corpus_paragraphs(6)
    expect(len(paras) == 6, f"the corpus has {len(paras)} paragraphs to scan")
    pics = []
    for i, t in enumerate(paras):
        path = os.path.join(WORK, f"page{i}.png")
        picture(t, path, [0.6, -0.8, 0.4, -0.5, 0.7, -0.3][i])
        pics.append(path)
    # a two-page scan as PDF
    p = run(["img2pdf", pics[0], pics[1], "-o", os.path.join(DOCS, "bien-ban-hop.pdf")])
    expect(p.returncode == 0, f"img2pdf: {p.stderr}")
    PARAS[("bien-ban-hop.pdf", 1)] = paras[0]
    PARAS[("bien-ban-hop.pdf", 2)] = paras[1]
    # a picture
    shutil.copy(pics[2], os.path.join(DOCS, "cong-van.png"))
    PARAS[("cong-van.png", 1)] = paras[2]
    # a two-page TIFF
    p = run(["convert", pics[3], pics[4], os.path.join(DOCS, "phu-luc.tif")])
    expect(p.returncode == 0, f"convert to tif: {p.stderr}")
    PARAS[("phu-luc.tif", 1)] = paras[3]
    PARAS[("phu-luc.tif", 2)] = paras[4]
    # a 4-page scan, alone with the TIFF in a folder of its own
    global PAGES
    PAGES = os.path.join(WORK, "pages")
    os.mkdir(PAGES)
    p = run(["img2pdf"] + pics[:4] + ["-o", os.path.join(PAGES, "ho-so-4-trang.pdf")])
    expect(p.returncode == 0, f"img2pdf: {p.stderr}")
    shutil.copy(os.path.join(DOCS, "phu-luc.tif"), PAGES)
    # a text PDF with one scanned page at its end
    one = os.path.join(WORK, "one.pdf")
    p = run(["img2pdf", pics[5], "-o", one])
    expect(p.returncode == 0, f"img2pdf: {p.stderr}")
    text_pages = int(re.search(r"Pages:\s+(\d+)", run(["pdfinfo", TEXT_PDF]).stdout).group(1))
    p = run(["pdfunite", TEXT_PDF, one, os.path.join(DOCS, "mixed.pdf")])
    expect(p.returncode == 0, f"pdfunite: {p.stderr}")
    PARAS[("mixed.pdf", text_pages + 1)] = paras[5]
    # a picture with no text: found by its name
    p = run(["convert", "-size", "600x400", "xc:white", os.path.join(DOCS, "Biên_bản_ký_kết_2024.png")])
    expect(p.returncode == 0, f"convert: {p.stderr}")


def index(db, *args, env=None):
    p = vnindex("--db", db, *args, DOCS, env=env, timeout=900)
    expect(p.returncode == 0, f"vnindex exit {p.returncode}: {p.stderr}")
    return p.stderr


def ocr_counts(stderr):
    m = re.search(r"OCR: (\d+) pages? read, (\d+) from the cache", stderr)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


DB = None


def db():
    global DB
    if DB is None:
        DB = os.path.join(WORK, "db")
        err = index(DB)
        expect(ocr_counts(err) == (7, 0), f"7 scanned pages read by OCR: {err}")
    return DB


def batch(queries):
    """Runs queries (id -> text) in one vnsearch --batch; id -> first hit or None."""
    path = os.path.join(WORK, "queries.txt")
    with open(path, "w", encoding="utf-8") as fp:
        for qid, q in queries.items():
            fp.write(f"{qid}\t{q}\n")
    p = vnsearch(db(), "--batch", path, "--format", "json", "-n", "1", timeout=600)
    expect(p.returncode == 0, f"vnsearch --batch exit {p.returncode}: {p.stderr}")
    first = {qid: None for qid in queries}
    for line in p.stdout.splitlines():
        h = json.loads(line)
        if h.get("rank") == 1:
            first[h["query_id"]] = h
    return first


def test_four_word_windows_typed_without_marks_find_the_scanned_page_first():
    queries, where = {}, {}
    others = corpus_lines()
    for (f, page), text in PARAS.items():
        for window in known_item_windows(text, others):
            qid = f"q{len(queries)}"
            queries[qid] = window
            where[qid] = (f, page)
    expect(len(queries) >= 100, f"{len(queries)} windows")
    first = batch(queries)
    right = [qid for qid, h in first.items() if h and (h["file"], h.get("page")) == where[qid]]
    share = len(right) / len(queries)
    wrong = [(queries[q], where[q], first[q] and (first[q]["file"], first[q].get("page"))) for q in queries
             if q not in right]
    expect(share >= 0.9, f"{len(right)}/{len(queries)} windows find their scanned page first: {wrong[:10]}")


def test_hits_from_ocr_say_so_with_the_page_and_its_confidence():
    text = PARAS[("phu-luc.tif", 2)]
    words = re.findall(r"\w+", unmarked(text))
    q = " ".join(words[2:6])
    p = vnsearch(db(), "--format", "json", "-n", "1", "--", q)
    h = json.loads(p.stdout.splitlines()[0])
    expect(h["file"] == "phu-luc.tif" and h["page"] == 2, h)
    expect(h.get("ocr") is True and 0 < h["ocr_confidence"] <= 100, f"ocr and ocr_confidence: {h}")
    p = vnsearch(db(), "--color", "never", "-n", "1", "--", q)
    expect(re.search(r"phu-luc\.tif p\. 2 \[OCR \d+%\]", p.stdout), f"text output marks OCR: {p.stdout}")
    # a page of the text layer is not marked
    p = vnsearch(db(), "--format", "json", "-n", "20", "--", "Tiểu vùng Mê Công mở rộng")
    hits = [json.loads(l) for l in p.stdout.splitlines()]
    text_pages = [h for h in hits if h.get("file") == "mixed.pdf" and "ocr" not in h]
    expect(text_pages, f"the text pages of mixed.pdf come back unmarked: {hits[:3]}")


def test_a_picture_without_text_is_found_by_its_name():
    p = vnsearch(db(), "--format", "json", "--", "bien ban ky ket 2024")
    hits = [json.loads(l) for l in p.stdout.splitlines()]
    expect(hits and hits[0]["file"] == "Biên_bản_ký_kết_2024.png", f"found by its name: {hits[:2]}")


def test_a_second_run_takes_every_page_from_the_cache():
    d = db()
    cache = os.path.join(d, "ocr-cache")
    before = {f: os.stat(os.path.join(cache, f)).st_mtime_ns for f in os.listdir(cache)}
    expect(len(before) == 7, f"one cache file per scanned page: {sorted(before)}")
    err = index(d, "--update")
    expect("up to date" in err, f"--update on unchanged scans: {err}")
    err = index(d, "--force")
    expect(ocr_counts(err) == (0, 7), f"--force reads every page from the cache: {err}")
    after = {f: os.stat(os.path.join(cache, f)).st_mtime_ns for f in os.listdir(cache)}
    expect(after == before, "the cache files were not rewritten")
    hits = batch({"a": " ".join(re.findall(r"\w+", unmarked(PARAS[("cong-van.png", 1)]))[:4])})
    expect(hits["a"] and hits["a"]["file"] == "cong-van.png" and hits["a"].get("ocr"), hits)


def test_without_the_model_a_scan_is_found_by_name_and_read_on_the_next_run():
    d = os.path.join(WORK, "db-nomodel")
    empty = os.path.join(WORK, "no-tessdata")
    os.makedirs(empty, exist_ok=True)
    err = index(d, env={"TESSDATA_PREFIX": empty})
    expect("install tesseract-ocr-vie" in err, f"the warning names the package: {err}")
    expect(ocr_counts(err) == (0, 0), err)
    hits = [json.loads(l) for l in vnsearch(d, "--format", "json", "--", "phu luc").stdout.splitlines()]
    expect(any(h["file"] == "phu-luc.tif" for h in hits), f"phu-luc.tif found by its name: {hits[:3]}")
    err = index(d, "--update")
    expect("up to date" not in err and ocr_counts(err)[0] == 7, f"the next run reads the scans: {err}")
    err = index(d, "--update")
    expect("up to date" in err, f"and the one after has nothing to do: {err}")


def test_no_ocr_indexes_scans_by_name_only():
    d = os.path.join(WORK, "db-no-ocr")
    err = index(d, "--no-ocr")
    expect("OCR is off" in err and ocr_counts(err) == (0, 0), err)
    expect(not os.path.exists(os.path.join(d, "ocr-cache")), "no cache made with --no-ocr")
    hits = [json.loads(l) for l in vnsearch(d, "--format", "json", "--", "bien ban hop").stdout.splitlines()]
    expect(hits and hits[0]["file"] == "bien-ban-hop.pdf" and "ocr" not in hits[0], hits[:2])


def test_vnsearch_does_not_load_tesseract_or_poppler():
    """Only vnindex reads scans and PDFs: vnsearch starts without Tesseract's
    libraries (they doubled its resident memory at start when linked in), nor
    poppler's, cairo's and glib's, which its document view (Word, ODT, HTML
    rendered; a PDF handed over as it is) had pulled in: the dynamic linker's
    work on them was two thirds of a one-query run."""
    from e2e import VNSEARCH
    p = run(["ldd", VNSEARCH])
    expect(p.returncode == 0 and "libc.so" in p.stdout, p.stdout + p.stderr)
    for lib in ("libtesseract", "liblept", "libpoppler", "libcairo", "libglib"):
        expect(lib not in p.stdout, lib + " in\n" + p.stdout)


def test_the_cache_drops_the_pages_of_a_changed_or_deleted_file():
    d = db()
    cache = os.path.join(d, "ocr-cache")
    before = set(os.listdir(cache))
    with open(os.path.join(cache, "0123456789abcdef-p1.txt.Xy12Zq"), "w") as fp:
        fp.write("vnsearch-ocr 1 conf=50\nhalf a page a killed run left\n")
    os.remove(os.path.join(DOCS, "bien-ban-hop.pdf"))
    picture(PARAS[("bien-ban-hop.pdf", 1)], os.path.join(DOCS, "cong-van.png"), 0.2)
    err = index(d, "--update")
    expect(ocr_counts(err)[0] == 1, f"the changed picture is read again, and only it: {err}")
    after = set(os.listdir(cache))
    expect(len(after) == len(before) - 2, f"two pages of the deleted PDF and one of the old picture gone, one new: "
                                          f"{sorted(before)} -> {sorted(after)}")
    expect(not any(n.endswith("Xy12Zq") for n in after), "the temporary file a killed run left is gone")


def test_one_or_two_threads_read_the_same_passages_in_the_same_order():
    """The worker reading a scan takes its pages in order, whoever read them."""
    one = vnindex("--dump", "--threads", "1", PAGES, timeout=900)
    two = vnindex("--dump", "--threads", "2", PAGES, timeout=900)
    expect(one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr)
    rows = one.stdout.splitlines()
    expect(len(rows) >= 7 and sum("ho-so-4-trang.pdf" in r for r in rows) >= 4, f"a row per page: {rows}")
    expect(one.stdout == two.stdout, f"--dump differs:\n{one.stdout}\n---\n{two.stdout}")
    # and the indexes written, searched for each page's words
    dbs = [os.path.join(WORK, f"db-threads-{n}") for n in (1, 2)]
    for d, n in zip(dbs, (1, 2)):
        p = vnindex("--db", d, "--threads", str(n), PAGES, timeout=900)
        expect(p.returncode == 0 and ocr_counts(p.stderr) == (6, 0), p.stderr)
    for (f, page), text in PARAS.items():
        if f != "phu-luc.tif" and f != "bien-ban-hop.pdf":
            continue
        q = " ".join(words_of(text)[3:7])
        out = [[json.loads(l) for l in vnsearch(d, "--format", "json", "-n", "5", "--", q).stdout.splitlines()]
               for d in dbs]
        # which copy of a paragraph stands for the others is the first one written, and two
        # workers write files in the order they finish them: the copies are compared as a group
        for rows in out:
            for r in rows:
                if "also" in r:
                    r["id"] = sorted([r["id"]] + r.pop("also"))
                    for k in ("file", "line", "end_line", "page", "where", "framework", "frameworks", "dates",
                              "inherited_dates", "dates_from", "section", "heading", "ocr_confidence"):
                        r.pop(k, None)
        expect(out[0] and out[0] == out[1], f"{q}: {out}")


def test_with_two_threads_the_pages_of_one_scan_are_read_by_both_workers():
    d = os.path.join(WORK, "db-debug-pages")
    one = os.path.join(WORK, "one-scan")
    os.mkdir(one)
    shutil.copy(os.path.join(PAGES, "ho-so-4-trang.pdf"), one)
    p = vnindex("--db", d, "--threads", "2", one, env={"VNINDEX_DEBUG_PAGES": "1"}, timeout=900)
    expect(p.returncode == 0, p.stderr)
    read = re.findall(r"debug: .*ho-so-4-trang\.pdf: page (\d+) read by OCR on worker (\d+)", p.stderr)
    expect(sorted(int(pg) for pg, _ in read) == [1, 2, 3, 4], f"each page read once: {p.stderr}")
    expect(len({w for _, w in read}) == 2, f"by both workers: {read}")
    p = vnindex("--db", d, "--threads", "2", "--force", one, env={"VNINDEX_DEBUG_PAGES": "1"}, timeout=900)
    expect(p.returncode == 0 and "read by OCR" not in p.stderr and ocr_counts(p.stderr) == (0, 4),
           f"from the cache, no page read: {p.stderr}")


def last_progress(stderr):
    """The last state the progress line showed (it is redrawn after a carriage return)."""
    lines = re.findall(r"\d+/\d+ files[^\r\n]*", stderr)
    return lines[-1] if lines else repr(stderr)


def test_the_progress_line_counts_pages():
    d = os.path.join(WORK, "db-progress")
    p = vnindex("--db", d, "--progress", PAGES, timeout=900)
    expect(p.returncode == 0, p.stderr)
    last = last_progress(p.stderr)
    expect(last.startswith("2/2 files  6/6 pages"), f"the last progress line: {last}")
    p = vnindex("--db", d, "--progress", "--force", PAGES, timeout=900)
    last = last_progress(p.stderr)
    expect(last.startswith("2/2 files  6/6 pages"), f"pages from the cache count too: {last}")
    p = vnindex("--db", os.path.join(WORK, "db-progress-text"), "--progress", CORPUS)
    expect("pages" not in p.stderr, f"no pages without scans: {p.stderr}")


if __name__ == "__main__":
    missing = [t for t in TOOLS if not shutil.which(t)]
    if not os.path.exists(MODEL):
        missing.append(f"{MODEL} (package tesseract-ocr-vie)")
    if not os.path.exists(FONT):
        missing.append(f"{FONT} (package fonts-dejavu-core)")
    if missing:
        why = "missing " + ", ".join(missing) + " (./install-deps.sh --tests installs them)"
        if os.environ.get("CI"):
            print("FAIL:", why)
            sys.exit(1)
        print("SKIP:", why)
        sys.exit(77)
    make_scans()
    status = main([test_four_word_windows_typed_without_marks_find_the_scanned_page_first,
                   test_hits_from_ocr_say_so_with_the_page_and_its_confidence,
                   test_a_picture_without_text_is_found_by_its_name,
                   test_a_second_run_takes_every_page_from_the_cache,
                   test_without_the_model_a_scan_is_found_by_name_and_read_on_the_next_run,
                   test_no_ocr_indexes_scans_by_name_only,
                   test_vnsearch_does_not_load_tesseract_or_poppler,
                   test_one_or_two_threads_read_the_same_passages_in_the_same_order,
                   test_with_two_threads_the_pages_of_one_scan_are_read_by_both_workers,
                   test_the_progress_line_counts_pages,
                   test_the_cache_drops_the_pages_of_a_changed_or_deleted_file])
    shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(status)
