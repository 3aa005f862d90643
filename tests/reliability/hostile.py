#!/usr/bin/env python3
"""Generates the hostile input tree for the reliability tests: one directory
per case, each holding the damage and, beside it, valid paragraphs carrying
marker words (aaq...) that must still be found after indexing.  Nothing here
is committed as binary: the bytes are made by this script.

    hostile.py OUTDIR [--small]     # write the tree and list the cases

Used as a module by test-hostile.py: make(outdir) returns the cases.
"""
import os
import sys
import zipfile
import zlib

FORMATS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "formats")
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

VALID = "Hợp tác Mê Công – Lan Thương được thúc đẩy trong năm 2019."


class Case:
    """A case: its directory, the marker words that must be indexed, the
    warnings vnindex must print (substrings), the markers that must NOT be
    indexed (skipped on purpose) and the exit status."""

    def __init__(self, name, root, markers=(), warnings=(), absent=(), status=0, run_as_user=False):
        self.needs = None  # a converter program the case needs, or None
        self.name = name
        self.dir = os.path.join(root, name)
        self.markers = list(markers)
        self.warnings = list(warnings)
        self.absent = list(absent)
        self.status = status
        self.run_as_user = run_as_user  # needs an unprivileged user to be real


def para(marker, extra=""):
    return f"{VALID} {extra}Đoạn có từ {marker} để tìm.\n"


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fp:
        fp.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def utf8(s):
    return s.encode("utf-8")


def docx(path, paragraphs=(), xml=None):
    """A minimal Word document: word/document.xml only, which is all the
    reader needs; or the XML given, as it is."""
    if xml is None:
        body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
        xml = f'<?xml version="1.0"?><w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", xml)


def pdf(path, pages, size=1.5, leading=1.9):
    """A PDF of the given pages, each a list of ASCII lines set in
    Helvetica, one compressed content stream a page: written object by
    object with its cross-reference table, as any PDF writer does."""
    objs = [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", b""]  # 1: font, 2: page tree
    kids = []
    for lines in pages:
        esc = [l.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1") for l in lines]
        body = (b"BT /F1 %g Tf %g TL 5 1950 Td " % (size, leading)
                + b"".join(b"(" + l + b") ' " for l in esc) + b"ET")
        z = zlib.compress(body, 9)
        objs.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(z) + z + b"\nendstream")
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1000 2000] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 1 0 R >> >> >>" % len(objs))
        kids.append(len(objs))
    objs[1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
               + b"] /Count %d >>" % len(kids))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, len(objs), xref)
    write(path, bytes(out))


def letters(i):
    """A number as lower-case letters (aaqpg + letters(i) is one word for the
    tokeniser, and a page's header shape does not hide it as digits)."""
    s = ""
    while True:
        s = chr(ord("a") + i % 26) + s
        i //= 26
        if not i:
            return s


def fixture(name):
    with open(os.path.join(FORMATS, name), "rb") as fp:
        return fp.read()


def make(root, small=False):
    cases = []

    def case(name, **kw):
        c = Case(name, root, **kw)
        os.makedirs(c.dir, exist_ok=True)
        cases.append(c)
        return c

    # --- bytes that are not valid UTF-8 -------------------------------------
    c = case("invalid-utf8", markers=["aaqinv1", "aaqinv2", "aaqinv3"],
             warnings=["invalid-utf8/bad.txt:3: invalid UTF-8 at byte"])
    write(os.path.join(c.dir, "bad.txt"),
          utf8(para("aaqinv1")) + b"\n"
          + b"Stray \xff\xfe bytes, a lone \x80 continuation, a cut \xe1\xbb and \xc3 x aaqinv2 here.\n\n"
          + utf8(para("aaqinv3")) + b"\xe1\xbb")  # the file ends inside a sequence

    c = case("overlong", markers=["aaqover1", "aaqover2"], warnings=["overlong/over.txt:3: invalid UTF-8"])
    write(os.path.join(c.dir, "over.txt"),
          utf8(para("aaqover1")) + b"\n"
          + b"Overlong slash \xc0\xaf, \xe0\x80\xaf, \xf0\x80\x80\xaf and NUL \xc0\x80, max \xf4\x90\x80\x80 aaqover2.\n")

    c = case("surrogates-utf8", markers=["aaqsur1", "aaqsur2"], warnings=["surrogates-utf8/sur.txt:2: invalid UTF-8"])
    write(os.path.join(c.dir, "sur.txt"),
          utf8(para("aaqsur1"))
          + b"Lone \xed\xa0\x80 high, \xed\xbf\xbf low, CESU pair \xed\xa0\xbd\xed\xb8\x80 aaqsur2.\n")

    c = case("surrogates-utf16", markers=["aaqsu16a", "aaqsu16b"],
             warnings=["surrogates-utf16/sur16.txt:3: invalid UTF-16"])
    lone_hi = b"\x00\xd8"  # U+D800 little-endian, followed by an ordinary unit
    write(os.path.join(c.dir, "sur16.txt"),
          b"\xff\xfe" + (para("aaqsu16a") + "\n").encode("utf-16-le")
          + "Lone high ".encode("utf-16-le") + lone_hi + " then aaqsu16b ".encode("utf-16-le")
          + b"\x00\xdc" + " lone low.\n".encode("utf-16-le"))

    c = case("nul-bytes", markers=["aaqnul1", "aaqnul2"], warnings=["nul-bytes/nul.txt:2: 3 NUL bytes replaced"])
    write(os.path.join(c.dir, "nul.txt"),
          utf8(para("aaqnul1")) + b"NUL\x00inside aaqnul2\x00 and\x00 here.\n")

    # --- UTF-16, line ends ---------------------------------------------------
    text16 = para("aaqu16x") + "\n" + "Thành phố Hồ Chí Minh, đồng bằng sông Cửu Long aaqu16y.\n"
    for name, data, warn in [
        ("utf16le-bom", b"\xff\xfe" + text16.replace("x", "lebom").replace("y", "lebom2").encode("utf-16-le"),
         "UTF-16LE"),
        ("utf16be-bom", b"\xfe\xff" + text16.replace("x", "bebom").replace("y", "bebom2").encode("utf-16-be"),
         "UTF-16BE"),
        ("utf16le-nobom", text16.replace("x", "leno").replace("y", "leno2").encode("utf-16-le"), "UTF-16LE"),
        ("utf16be-nobom", text16.replace("x", "beno").replace("y", "beno2").encode("utf-16-be"), "UTF-16BE"),
    ]:
        tag = name.replace("utf16", "").replace("-", "").replace("nobom", "no")
        c = case(name, markers=[f"aaqu16{tag}", f"aaqu16{tag}2"], warnings=[f"{name}/u16.txt: {warn}"])
        write(os.path.join(c.dir, "u16.txt"), data)

    c = case("utf8-bom", markers=["aaqbom8"], warnings=["utf8-bom/bom.txt: UTF-8 with a byte order mark"])
    write(os.path.join(c.dir, "bom.txt"), b"\xef\xbb\xbf" + utf8(para("aaqbom8")))

    c = case("crlf", markers=["aaqcrlf1", "aaqcrlf2"], warnings=["crlf/crlf.txt: CR"])
    write(os.path.join(c.dir, "crlf.txt"),
          (para("aaqcrlf1") + "\nDòng bị ngắt aaqcrlf2\nnối tiếp ở đây.\n").replace("\n", "\r\n"))

    c = case("cr-only", markers=["aaqcr1", "aaqcr2"], warnings=["cr-only/cr.txt: CR"])
    write(os.path.join(c.dir, "cr.txt"),
          (para("aaqcr1") + "\nDòng bị ngắt aaqcr2\nnối tiếp ở đây.\n").replace("\n", "\r"))

    # --- size ----------------------------------------------------------------
    mb = 5 if small else 50
    c = case("huge-line", markers=["aaqhugestart", "aaqhugemid", "aaqhugeend"],
             warnings=["huge-line/huge.txt:1: a line of"])
    chunk = utf8("Hợp tác Mê Công phát triển bền vững, kết nối hạ tầng và thương mại. ")
    n = mb * 1024 * 1024 // len(chunk)
    with open(os.path.join(c.dir, "huge.txt"), "wb") as fp:
        fp.write(b"aaqhugestart ")
        fp.write(chunk * (n // 2))
        fp.write(b" aaqhugemid ")
        fp.write(chunk * (n - n // 2))
        fp.write(b"aaqhugeend")  # no newline at all

    files = 10000 if small else 100000
    c = case("many-files", markers=["aaqtiny0", f"aaqtiny{files // 2}", f"aaqtiny{files - 1}"])
    # all in one directory, the hard case for a walk that sorts its entries;
    # raw system calls, and the names in reverse, so nothing arrives sorted
    dfd = os.open(c.dir, os.O_RDONLY)
    for i in reversed(range(files)):
        fd = os.open(f"f{i:06d}.txt", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=dfd)
        os.write(fd, f"Tệp số {i}: aaqtiny{i}.\n".encode())
        os.close(fd)
    os.close(dfd)
    c.files = files

    # --- directory trees -----------------------------------------------------
    # long2.txt's name is 760 bytes: indexed whole (ids are shortened with a
    # hash where Xapian's term limit needs it); long19.txt is past PATH_MAX
    c = case("deep-dirs", markers=["aaqdeep1", "aaqdeep40", "aaqdeep63", "aaqlongok", "aaqlong2"],
             absent=["aaqdeep100", "aaqlong19"],
             warnings=["nested more than 64 directories deep, skipped", "path too long, skipped"])
    d = c.dir
    for level in range(1, 101):
        d = os.path.join(d, "d")
        os.mkdir(d)
        if level in (1, 40, 63, 100):
            write(os.path.join(d, f"level{level}.txt"), para(f"aaqdeep{level}"))
    write(os.path.join(c.dir, "y" * 150, "ok.txt"), para("aaqlongok"))
    # a path longer than PATH_MAX (4096), made one level at a time with
    # directory descriptors, since the whole path cannot be named at once
    fd = os.open(c.dir, os.O_RDONLY)
    long_name = "x" * 250
    for level in range(20):
        os.mkdir(long_name, dir_fd=fd)
        nfd = os.open(long_name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = nfd
        if level in (2, 19):
            wfd = os.open(f"long{level}.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(wfd, utf8(para(f"aaqlong{level}")))
            os.close(wfd)
    os.close(fd)

    c = case("symlink-loop", markers=["aaqloop1"],
             warnings=["directory loop (a symlink back to a parent), skipped", "Too many levels of symbolic links"])
    write(os.path.join(c.dir, "sub", "real.txt"), para("aaqloop1"))
    os.symlink("..", os.path.join(c.dir, "sub", "up"))         # sub/up -> its parent
    os.symlink(".", os.path.join(c.dir, "sub", "self"))        # sub/self -> itself
    os.symlink("b.txt", os.path.join(c.dir, "a.txt"))          # a.txt -> b.txt -> a.txt
    os.symlink("a.txt", os.path.join(c.dir, "b.txt"))
    os.symlink("nowhere.txt", os.path.join(c.dir, "dangling.txt"))

    c = case("special-files", markers=["aaqspecial1"])
    write(os.path.join(c.dir, "ok.txt"), para("aaqspecial1"))
    os.mkfifo(os.path.join(c.dir, "fifo.txt"))                 # reading it would block forever
    os.symlink("/dev/zero", os.path.join(c.dir, "zero.txt"))   # and this would never end

    c = case("unreadable", markers=["aaqread1"], absent=["aaqnoread1", "aaqnoread2"], run_as_user=True,
             warnings=["unreadable/secret.txt: Permission denied, skipped",
                       "unreadable/closed: Permission denied, skipped"])
    write(os.path.join(c.dir, "ok.txt"), para("aaqread1"))
    write(os.path.join(c.dir, "secret.txt"), para("aaqnoread1"))
    write(os.path.join(c.dir, "closed", "inside.txt"), para("aaqnoread2"))
    os.chmod(os.path.join(c.dir, "secret.txt"), 0)
    os.chmod(os.path.join(c.dir, "closed"), 0)

    # --- documents: damaged, hostile and huge ----------------------------------
    elf = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 16
    c = case("documents", markers=["aaqdocok", "aaqdocxok"],
             warnings=["truncated.docx: not a valid zip container", "truncated.odt: not a valid zip container",
                       "truncated.pdf: not a PDF poppler can read",
                       "laughs.docx: word/document.xml: XML with a document type declaration",
                       "encrypted.pdf: encrypted (password-protected); not read",
                       "scanned.pdf: no text layer: scanned?",
                       "binary.docx: not a valid zip container", "binary.odt: not a valid zip container",
                       "binary.pdf: not a PDF poppler can read", "binary.html: not a text file, skipped",
                       "binary.doc: antiword could not read it", "binary.rtf: not an RTF file"])
    write(os.path.join(c.dir, "ok.txt"), para("aaqdocok"))
    docx(os.path.join(c.dir, "ok.docx"), [para("aaqdocxok").strip()])
    for name in ("dossier.docx", "dossier.odt", "dossier.pdf"):
        data = fixture(name)
        write(os.path.join(c.dir, "truncated." + name.split(".")[-1]), data[: len(data) // 2])
    for name in ("encrypted.pdf", "scanned.pdf"):
        write(os.path.join(c.dir, name), fixture(name))
    laughs = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10 if i else "lol" * 3}">' for i in range(10))
    docx(os.path.join(c.dir, "laughs.docx"),
         xml=f'<?xml version="1.0"?><!DOCTYPE w:document [{laughs}]><w:document xmlns:w="{W_NS}"><w:body>'
             f"<w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>")
    for ext in ("docx", "odt", "pdf", "html", "doc", "rtf"):
        write(os.path.join(c.dir, "binary." + ext), elf)

    # a zip bomb: 512 MB (small: 192 MB) of one letter in a few hundred KB
    c = case("zip-bomb", markers=["aaqbombok"], warnings=["bomb.docx: word/document.xml: more than 128 MiB "
                                                           "decompressed (a zip bomb?); not read"])
    write(os.path.join(c.dir, "ok.txt"), para("aaqbombok"))
    with zipfile.ZipFile(os.path.join(c.dir, "bomb.docx"), "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("word/document.xml", "w", force_zip64=True) as fp:
            fp.write(f'<?xml version="1.0"?><w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>'.encode())
            block = b"a" * (16 << 20)
            for _ in range(12 if small else 32):
                fp.write(block)
            fp.write(b"</w:t></w:r></w:p></w:body></w:document>")

    # a Word paragraph of 50 MB (small: 5 MB), its last words still found
    c = case("huge-paragraph-docx", markers=["aaqparastart", "aaqparaend"],
             warnings=["huge.docx: a paragraph of"])
    chunk = "Hợp tác Mê Công phát triển bền vững, kết nối hạ tầng và thương mại. "
    n = mb * 1024 * 1024 // len(chunk.encode())
    docx(os.path.join(c.dir, "huge.docx"), ["aaqparastart " + chunk * n + "aaqparaend"])

    c = case("nothing-valid", status=1, warnings=["empty.txt: no text to index", "binary.txt: not a text file",
                                                  "nothing indexed"])
    write(os.path.join(c.dir, "empty.txt"), b"")
    write(os.path.join(c.dir, "binary.txt"), b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 64)
    write(os.path.join(c.dir, "blank.txt"), b"\n\n   \r\n\t\n")
    return cases


def many_notes_txt(path, n):
    """n paragraphs each citing its own inline note, as Word's text export
    writes them: each note looked for its reference among all of them."""
    with open(path, "w", encoding="utf-8") as fp:
        for i in range(1, n + 1):
            fp.write(f"Đoạn số {i} có chú thích[footnoteRef:{i}].\n\n[{i}:  Chú thích số {i} ở đây.]\n\n")


def make_bounds(root, small=False):
    """Files that cost a reader time, memory or depth without end before each
    reader was bounded (issue 24), each with a valid file beside it; each
    case's warnings name the file.  Every file is read up to its limit."""
    cases = []

    def case(name, **kw):
        c = Case(name, root, **kw)
        os.makedirs(c.dir, exist_ok=True)
        write(os.path.join(c.dir, "ok.txt"), para("aaqok" + name.replace("-", "")))
        c.markers.insert(0, "aaqok" + name.replace("-", ""))
        cases.append(c)
        return c

    # 3,000 nested <div> in 33 KB: a SIGSEGV past the 256-frame stack
    c = case("nested-divs", markers=["aaqnested"],
             warnings=["nest.html: elements nested more than 256 deep; the deeper ones read as one block"])
    write(os.path.join(c.dir, "nest.html"),
          "<html><body>" + "<div>" * 3000 + "Hợp tác aaqnested." + "</div>" * 3000 + "</body></html>")

    # one page of 1,000 lines x 300 characters (2 KB compressed): 207 s
    c = case("wide-page-pdf", markers=["aaqwide"])
    pdf(os.path.join(c.dir, "wide.pdf"), [["aaqwide starts here"] + ["abcdefghij" * 30] * 1000])

    # 200,000 one-line pages (30,000 when small): quadratic in pages, 1.5 GB
    pages = 30000 if small else 200000
    c = case("many-pages-pdf", markers=["aaqpgfirst", "aaqpg" + letters(19999)],
             absent=["aaqpg" + letters(20000), "aaqpg" + letters(pages - 1)],
             warnings=[f"pages.pdf: more than 20000 pages; pages 20001 to {pages} are not indexed"])
    pdf(os.path.join(c.dir, "pages.pdf"),
        [["aaqpgfirst on the first page"]] + [[f"Page aaqpg{letters(i)} here"] for i in range(1, pages)])

    # 100,000 one-letter paragraphs in 367 KB: 1.8 GB and "out of memory
    # finding dates" ended the run; all of them fit under the block limit
    c = case("many-paragraphs-docx", markers=["aaqdocxfirst", "aaqdocxlast"])
    docx(os.path.join(c.dir, "many.docx"), ["aaqdocxfirst"] + ["a"] * 100000 + ["aaqdocxlast"])

    # 3 million <p> in 12 MB (1 million, 4 MB, when small): a gigabyte of tree
    n = 1000000 if small else 3000000
    c = case("many-p-html", markers=["aaqhtmlfirst"], absent=["aaqhtmllast"],
             warnings=["many.html: more than 250000 tags; only the first"])
    write(os.path.join(c.dir, "many.html"),
          "<html><body><p>aaqhtmlfirst" + "<p>a" * n + "<p>aaqhtmllast</body></html>")

    # 3 million \par in 18 MB: the same through unrtf, which may itself take
    # past the time limit on a loaded machine (then the file is skipped):
    # either way one warning names it
    c = case("many-par-rtf", absent=["aaqrtflast"], warnings=["many.rtf: "])
    c.needs = "unrtf"
    write(os.path.join(c.dir, "many.rtf"), "{\\rtf1\\ansi aaqrtffirst\\par " + "a\\par " * n + "aaqrtflast}")

    # a sparse .txt of 1 GB (256 MB when small) of NUL bytes, text at its start
    c = case("sparse-txt", markers=["aaqsparse"],
             warnings=["sparse.txt: larger than 128 MiB; only the first 128 MiB read"])
    path = os.path.join(c.dir, "sparse.txt")
    write(path, para("aaqsparse"))
    os.truncate(path, (256 if small else 1024) << 20)
    return cases


def main():
    out = sys.argv[1]
    cases = make(out, small="--small" in sys.argv) + make_bounds(os.path.join(out, "bounds"), "--small" in sys.argv)
    for c in cases:
        print(f"{c.name:18} status {c.status}  markers {' '.join(c.markers)}")


if __name__ == "__main__":
    main()
