#!/usr/bin/env python3
"""vnsearch serve's /document (issue 28): every hit carries the server path
of its file, which gives the file's bytes unchanged with its type (a PDF at
the hit's page), or with view=html a page of its text built from its
reader's blocks, the hit marked and the headings as a table of contents.
Only files the index lists, read from the real path recorded: a path in the
request (`..`, encoded, absolute), a file added to the folder after
indexing, and an indexed file swapped for a symbolic link or changed since
are refused, and the bytes of what they point to never come back."""
import contextlib
import html
import json
import os
import shutil
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "web"))
from e2e import SOURCE, VNSEARCH, expect, main, scratch, vnindex  # noqa: E402
from webserver import Server, raw  # noqa: E402

FORMATS = os.path.join(SOURCE, "tests", "data", "formats")
TMP = scratch()
SECRET = b"SECRET-NOT-INDEXED 4f1c9e"
with open(os.path.join(TMP, "secret.txt"), "wb") as f:
    f.write(SECRET + b"\n")
HOSTILE = ("<p>Hợp tác Mê Công <script>alert(1)</script> \"><img src=x onerror=alert(2)> "
           "&amp; 'quoted'</p>\n")


def build(name):
    """A folder of the test files (sub/ the dossier as .docx, .pdf, .txt,
    .odt; a hostile .html) indexed into its own database: (db, folder)."""
    root = os.path.join(TMP, name)
    src = os.path.join(root, "in")
    os.makedirs(os.path.join(src, "sub"))
    for ext in ("docx", "pdf", "txt", "odt"):
        shutil.copy(os.path.join(FORMATS, "dossier." + ext), os.path.join(src, "sub"))
    with open(os.path.join(src, "hostile.html"), "w", encoding="utf-8") as f:
        f.write("<html><head><meta charset='utf-8'></head><body><h1>Tiêu đề</h1><p>"
                + html.escape(HOSTILE) + "</p></body></html>")
    db = os.path.join(root, "db")
    p = vnindex("--db", db, "-q", src)
    if p.returncode != 0:
        print("cannot build the test index:", p.stderr)
        sys.exit(1)
    return db, src


@contextlib.contextmanager
def serving(db):
    s = Server(VNSEARCH, db).start()
    try:
        yield s
    finally:
        rc = s.stop()
    expect(rc == 0, f"the server exited {rc}: {s.stderr_text[-2000:]}")


def hits(s, q):
    status, r = s.search(q=q, n="100", all_copies="1")
    expect(status == 200, f"search {q}: {status}")
    return r["hits"]


def get(s, url):
    """A URL as the API gives it (its #fragment is the browser's)."""
    return s.get(url.partition("#")[0])


def original(src, name):
    with open(os.path.join(src, name), "rb") as f:
        return f.read()


DB, SRC = build("main")


def test_every_hit_carries_the_path_of_its_file_which_gives_it_unchanged():
    types = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             ".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8",
             ".odt": "application/vnd.oasis.opendocument.text"}
    with serving(DB) as s:
        found = hits(s, "GMS")
        expect(found and all("document_url" in h and "view_url" in h for h in found),
               f"every hit has document_url and view_url: {found[:1]}")
        seen = set()
        for h in found:
            ext = os.path.splitext(h["file"])[1]
            if ext in seen or ext not in types:
                continue
            seen.add(ext)
            status, headers, body = get(s, h["document_url"])
            expect(status == 200 and body == original(SRC, h["file"]),
                   f"{h['document_url']}: {status}, the bytes of {h['file']}")
            expect(headers["Content-Type"] == types[ext], f"{ext}: {headers['Content-Type']}")
            expect(h["file"].rsplit("/", 1)[-1] in headers["Content-Disposition"], headers["Content-Disposition"])
        expect(seen == set(types), f"a hit in each format: {seen}")
        # the passages of /api/passage carry them too
        status, _, body = s.get("/api/passage", {"id": found[0]["id"], "context": "1"})
        expect(status == 200 and all("document_url" in p for p in json.loads(body)["passages"]), "passages")


def test_a_pdf_hit_opens_at_its_page():
    with serving(DB) as s:
        pdf = [h for h in hits(s, "GMS") if h["file"].endswith(".pdf")]
        later = [h for h in pdf if h.get("page", 0) > 1]
        expect(later, f"a PDF hit past page 1: {[(h['id'], h.get('page')) for h in pdf]}")
        for h in pdf:
            expect(h["document_url"] == "/document?file=sub%2Fdossier.pdf#page=" + str(h["page"]),
                   f"{h['id']} page {h.get('page')}: {h['document_url']}")


def test_the_page_of_a_word_file_marks_the_hit_and_lists_the_headings():
    with serving(DB) as s:
        h = next(h for h in hits(s, "chiến lược định hướng") if h["file"].endswith(".docx"))
        expect(h["view_url"].endswith("#hit"), h["view_url"])
        status, headers, body = get(s, h["view_url"])
        page = body.decode("utf-8")
        expect(status == 200 and headers["Content-Type"] == "text/html; charset=utf-8", f"{status} {headers}")
        csp = headers["Content-Security-Policy"]
        expect("default-src 'none'" in csp and "script" not in csp, f"no script may run: {csp}")
        expect('<a id="hit"></a>' in page, "anchored at the hit")
        marked = page.split('class="hit">', 1)[1].split("</", 1)[0]
        expect(html.escape(h["text"][:40], quote=True) in marked, f"the hit's text is marked: {marked[:200]}")
        expect(page.count('class="hit"') == 1, "only the hit is marked")
        toc = page.split('<nav id="toc">', 1)[1].split("</nav>", 1)[0]
        expect("2. Khái quát về tình hình triển khai" in toc and 'href="#b' in toc, f"headings: {toc[:300]}")
        # every anchor of the table of contents leads to a block of the page
        for target in toc.split('href="#')[1:]:
            anchor = target.split('"', 1)[0]
            expect(f'id="{anchor}"' in page, f"#{anchor} is on the page")


def test_the_text_of_a_file_cannot_run_in_either_view():
    with serving(DB) as s:
        status, headers, body = s.get("/document", {"file": "hostile.html", "view": "html"})
        page = body.decode("utf-8")
        expect(status == 200, f"{status} {page[:200]}")
        expect("<script" not in page and "<img" not in page, "the file's markup is text on the page")
        expect("&lt;script&gt;alert(1)&lt;/script&gt;" in page and "onerror=alert(2)&gt;" in page,
               f"escaped: {page[-600:]}")
        status, headers, body = s.get("/document", {"file": "hostile.html"})
        expect(status == 200 and body == original(SRC, "hostile.html"), "the file itself")
        csp = headers["Content-Security-Policy"]
        expect(csp.startswith("sandbox") and "default-src 'none'" in csp, f"shown in a sandbox: {csp}")


def refused(s, path, statuses=(404,)):
    data = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    answer = raw(s, data, 30)
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else None
    expect(status in statuses, f"{path}: {status} {answer[:300]!r}")
    expect(SECRET not in answer and b"root:" not in answer, f"{path}: nothing of the file comes back")
    return answer


def test_paths_and_unlisted_files_are_refused():
    unlisted = os.path.join(SRC, "unlisted.txt")
    shutil.copy(os.path.join(TMP, "secret.txt"), unlisted)  # in the folder, but after indexing
    try:
        with serving(DB) as s:
            for name in ("../secret.txt", "../../secret.txt", "sub/../../secret.txt", "/etc/passwd",
                         os.path.join(TMP, "secret.txt"), os.path.realpath(os.path.join(SRC, "sub", "dossier.txt")),
                         "unlisted.txt", "sub/./dossier.txt", "sub//dossier.txt", "./sub/dossier.txt"):
                refused(s, "/document?" + urllib.parse.urlencode({"file": name}))
                refused(s, "/document?" + urllib.parse.urlencode({"file": name, "view": "html"}))
            for path in ("/document?file=%2e%2e%2fsecret.txt", "/document?file=..%252fsecret.txt",
                         "/document?file=%2Fetc%2Fpasswd", "/document/../secret.txt", "/../secret.txt",
                         "/document?id=..%2Fsecret.txt%3A1", "/document?file=sub%2Fdossier.txt%00.pdf",
                         "/%2e%2e/secret.txt", "/document%2f..%2fsecret.txt"):
                refused(s, path, (400, 404))
            refused(s, "/document?file=sub%2Fdossier.txt&view=raw", (400,))
            refused(s, "/document?file=sub%2Fdossier.txt&id=sub%2Fdossier.txt%3A1", (400,))
            refused(s, "/document?path=%2Fetc%2Fpasswd", (400,))
            status, _, _ = s.get("/document", {"file": "sub/dossier.txt"})
            expect(status == 200, "the listed file is still served")
    finally:
        os.unlink(unlisted)


def test_an_indexed_file_swapped_or_changed_after_indexing_is_refused():
    db, src = build("swapped")
    secret = os.path.join(TMP, "secret.txt")
    with serving(db) as s:
        ok = [s.get("/document", {"file": n})[0] for n in ("sub/dossier.txt", "sub/dossier.odt", "sub/dossier.pdf")]
        expect(ok == [200, 200, 200], f"served before: {ok}")
        # the file itself a link to another
        txt = os.path.join(src, "sub", "dossier.txt")
        os.unlink(txt)
        os.symlink(secret, txt)
        for view in ("file", "html"):
            answer = refused(s, f"/document?file=sub%2Fdossier.txt&view={view}", (409,))
            expect(b"run vnindex again" in answer, f"says what to do: {answer[-200:]!r}")
        # same size, other bytes
        odt = os.path.join(src, "sub", "dossier.odt")
        data = bytearray(original(src, "sub/dossier.odt"))
        data[-1] ^= 1
        with open(odt, "r+b") as f:
            f.write(bytes(data))
        refused(s, "/document?file=sub%2Fdossier.odt", (409,))
        # a directory on its real path swapped for a link to one holding a file of that name
        decoy = os.path.join(TMP, "decoy")
        os.mkdir(decoy)
        shutil.copy(secret, os.path.join(decoy, "dossier.pdf"))
        os.rename(os.path.join(src, "sub"), os.path.join(src, "sub.real"))
        os.symlink(decoy, os.path.join(src, "sub"))
        refused(s, "/document?file=sub%2Fdossier.pdf", (409,))
        # gone
        os.unlink(os.path.join(src, "sub"))
        refused(s, "/document?file=sub%2Fdossier.pdf", (409,))
    expect("sub/dossier.txt" in s.stderr_text, f"logged: {s.stderr_text[-500:]}")


if __name__ == "__main__":
    sys.exit(main([
        test_every_hit_carries_the_path_of_its_file_which_gives_it_unchanged,
        test_a_pdf_hit_opens_at_its_page,
        test_the_page_of_a_word_file_marks_the_hit_and_lists_the_headings,
        test_the_text_of_a_file_cannot_run_in_either_view,
        test_paths_and_unlisted_files_are_refused,
        test_an_indexed_file_swapped_or_changed_after_indexing_is_refused,
    ]))
