"""Reliability: hostile scans (issue 27).  Pictures that lie about their size,
truncated PNG and TIFF files, a TIFF whose directories loop, and a 1000-page
scan each end in a one-line warning naming the file, within bounds of time
and memory, and the rest of the folder is indexed; a picture that could not
be read is still found by its name.

Skips (exit 77) when tesseract-ocr-vie, img2pdf or ImageMagick is missing, except under
CI=1, where they must be there."""
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from e2e import SOURCE, TIMEOUT_SCALE, VNINDEX, expect, main, measured_vnindex, run, scratch, vnsearch, wrapped  # noqa: E402

MODEL = os.path.join(os.environ.get("TESSDATA_PREFIX") or "/usr/share/tesseract-ocr/5/tessdata", "vie.traineddata")
IMAGES = os.path.join(SOURCE, "tests", "fuzz", "regressions", "image")
TMP = scratch()


def folder(name):
    d = os.path.join(TMP, name)
    os.makedirs(d)
    with open(os.path.join(d, "ok.txt"), "w", encoding="utf-8") as fp:
        fp.write("Đoạn văn bình thường aaqocrok bên cạnh các bản quét hỏng.\n")
    return d


def test_hostile_pictures_are_one_warning_each_and_found_by_name():
    d = folder("hostile")
    hostile = {"huge-dimensions-refused-from-the-header.png": "more than 40 million; not read",
               "truncated-png-is-damaged.png": "damaged or truncated",
               "two-page-tiff-truncated.tif": "page 2 of 2 cannot be decoded",
               "tiff-directory-loop-ends.tif": None}
    for name in hostile:
        shutil.copy(os.path.join(IMAGES, name), d)
    # a JPEG header claiming 60000 x 60000 pixels, cut after it
    jpeg = open(os.path.join(IMAGES, "small-scan-as-jpeg.jpg"), "rb").read()
    sof = jpeg.find(b"\xff\xc0")
    if sof < 0:
        sof = jpeg.find(b"\xff\xc2")
    expect(sof > 0, "a frame header in the JPEG seed")
    huge = bytearray(jpeg[:sof + 200])
    huge[sof + 5:sof + 9] = (60000).to_bytes(2, "big") + (60000).to_bytes(2, "big")
    with open(os.path.join(d, "huge-jpeg.jpg"), "wb") as fp:
        fp.write(huge)
    hostile["huge-jpeg.jpg"] = "more than 40 million; not read"
    db = os.path.join(TMP, "db-hostile")
    status, err, secs, rss = measured_vnindex(["--db", db, d], 600)
    expect(status == 0, f"vnindex exit {status}: {err}")
    for name, what in hostile.items():
        lines = [l for l in err.splitlines() if "/" + name + ":" in l]
        expect(len(lines) <= 1 and (what is None or (lines and what in lines[0])), f"{name}: {lines}")
    expect(secs < 300 * TIMEOUT_SCALE, f"hostile pictures took {secs:.0f} s")
    expect(rss < (1024 if TIMEOUT_SCALE == 1 else 3072), f"hostile pictures took {rss:.0f} MB")
    p = vnsearch(db, "aaqocrok")
    expect(p.returncode == 0 and "ok.txt" in p.stdout, p.stdout + p.stderr)
    p = vnsearch(db, "huge dimensions refused")
    expect(p.returncode == 0 and "huge-dimensions-refused-from-the-header.png" in p.stdout,
           f"a picture not read is found by its name: {p.stdout}{p.stderr}")


def test_a_1000_page_scan_stops_at_the_page_limit():
    d = folder("thousand")
    # one page of text, then 999 blank ones (quick to read: the limit is what is tested)
    page = os.path.join(IMAGES, "small-scan-reads-as-a-paragraph.png")
    blank = os.path.join(TMP, "blank.png")
    p = run(["convert", "-size", "300x100", "xc:white", "-depth", "8", blank])
    expect(p.returncode == 0, f"convert: {p.stderr}")
    p = run(["img2pdf", "--pagesize", "3inx1in", "-o", os.path.join(d, "nghin-trang.pdf"), page] + [blank] * 999,
            timeout=300)
    expect(p.returncode == 0, f"img2pdf: {p.stderr}")
    db = os.path.join(TMP, "db-thousand")
    status, err, secs, rss = measured_vnindex(["--db", db, d], 1800)
    expect(status == 0, f"vnindex exit {status}: {err}")
    lines = [l for l in err.splitlines() if "/nghin-trang.pdf:" in l]
    expect(len(lines) == 1 and "OCR stopped at page 201 of 1000: more than 200 pages to read" in lines[0], lines)
    expect(rss < (1024 if TIMEOUT_SCALE == 1 else 3072), f"the 1000-page scan took {rss:.0f} MB")
    p = vnsearch(db, "--format", "json", "-n", "1", "hoi nghi bo truong lan thu 12")
    expect(p.returncode == 0 and '"file":"nghin-trang.pdf"' in p.stdout and '"ocr":true' in p.stdout,
           p.stdout + p.stderr)


if __name__ == "__main__":
    missing = [t for t in ("img2pdf", "convert") if not shutil.which(t)]
    if not os.path.exists(MODEL):
        missing.append(f"{MODEL} (package tesseract-ocr-vie)")
    if missing:
        why = "missing " + ", ".join(missing) + " (./install-deps.sh --tests installs them)"
        if os.environ.get("CI"):
            print("FAIL:", why)
            sys.exit(1)
        print("SKIP:", why)
        sys.exit(77)
    status = main([test_hostile_pictures_are_one_warning_each_and_found_by_name,
                   test_a_1000_page_scan_stops_at_the_page_limit])
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(status)
