#!/usr/bin/env python3
"""The messages' translations (issue 28), checked with gettext's own tools:

- po/vnsearch.pot holds exactly the messages the sources of po/POTFILES
  mark (xgettext again, compared): a message marked _() and not in the POT
  means the POT was not remade (`ninja -C BUILD vnsearch-pot`, then
  `msgmerge -U po/vi.po po/vnsearch.pot`);
- every language of po/LINGUAS translates every message of the POT, none
  fuzzy, and its formats match the msgid's (msgfmt --check);
- the programs speak it: vnsearch, vnsearch serve and vnindex with
  LANGUAGE=vi say their errors and their --help in Vietnamese from the
  compiled catalogue, and in English without; so do the engine (lib/) and
  the document readers (readers/) on vnindex's stderr.

usage: check-po.py SOURCE_DIR BUILD_DIR
"""
import html
import json
import os
import re
import subprocess
import sys
import tempfile

SOURCE, BUILD = (os.path.abspath(a) for a in sys.argv[1:3])
PO = os.path.join(SOURCE, "po")
problems = []


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def messages(pot):
    """The msgids (and plurals) of a catalogue, sorted, without the header."""
    p = run(["msgcat", "--no-location", "--no-wrap", "--sort-output", pot])
    if p.returncode != 0:
        problems.append(f"{pot}: {p.stderr.strip()}")
        return []
    out = []
    for entry in p.stdout.strip().split("\n\n"):
        if "Content-Type:" in entry and re.search(r'^msgid ""\nmsgstr', entry, re.M):
            continue  # the header
        out.append("\n".join(l for l in entry.splitlines() if l.startswith(("msgid", '"'))))
    return sorted(out)


with tempfile.TemporaryDirectory() as tmp:
    fresh = os.path.join(tmp, "fresh.pot")
    p = run(["xgettext", "--from-code=UTF-8", "--keyword=_", "--keyword=N_", "--keyword=ngettext:1,2",
             "-D", SOURCE, "-f", os.path.join(PO, "POTFILES"), "-o", fresh])
    if p.returncode != 0:
        problems.append("xgettext: " + p.stderr.strip())
    else:
        have, want = messages(os.path.join(PO, "vnsearch.pot")), messages(fresh)
        for m in sorted(set(want) - set(have)):
            problems.append(f"po/vnsearch.pot lacks {m!r}: remake it (ninja vnsearch-pot) and msgmerge")
        for m in sorted(set(have) - set(want)):
            problems.append(f"po/vnsearch.pot has {m!r}, which no source marks any more: remake it")

langs = [l.strip() for l in open(os.path.join(PO, "LINGUAS"), encoding="utf-8") if l.strip() and l[0] != "#"]
if not langs:
    problems.append("po/LINGUAS names no language")
for lang in langs:
    po = os.path.join(PO, lang + ".po")
    p = run(["msgcmp", po, os.path.join(PO, "vnsearch.pot")])
    if p.returncode != 0:
        problems.append(f"po/{lang}.po lacks messages of the POT: {p.stderr.strip()}")
    p = run(["msgfmt", "--check", "--statistics", "-o", os.devnull, po], env=dict(os.environ, LC_ALL="C"))
    stats = p.stderr.strip()
    if p.returncode != 0 or not re.fullmatch(r"\d+ translated messages?\.", stats):
        problems.append(f"po/{lang}.po: every message translated, none fuzzy, formats right: {stats}")

# every string of the page is in pagetext.c's list (so in the POT): its t("...")
# calls' literals (not those of their {name} values) and its data-i18n texts
# and attributes
page = open(os.path.join(SOURCE, "searcher", "web", "index.html"), encoding="utf-8").read()
listed = {json.loads('"' + m + '"') for m in
          re.findall(r'N_\("((?:[^"\\]|\\.)*)"\)', open(os.path.join(SOURCE, "searcher", "pagetext.c"),
                                                       encoding="utf-8").read())}
used = set()
for call in re.finditer(r"\bt\(", page):
    depth, brace, i, n = 1, 0, call.end(), len(page)
    while i < n and depth:
        ch = page[i]
        if ch == '"':
            end = i + 1
            while page[end] != '"':
                end += 2 if page[end] == "\\" else 1
            if depth == 1 and brace == 0:
                used.add(json.loads(page[i:end + 1]))
            i = end
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "{":
            brace += 1
        elif ch == "}":
            brace -= 1
        i += 1
for m in re.finditer(r"<(\w+)[^>]*\sdata-i18n(?=[\s>])[^>]*>([^<]*)<", page):
    used.add(html.unescape(m.group(2).strip()))
for m in re.finditer(r"<[^>]*data-i18n-attr=\"([^\"]+)\"[^>]*>", page):
    for a in m.group(1).split(","):
        v = re.search(r"\s" + a + r'="([^"]*)"', m.group(0))
        if v:
            used.add(html.unescape(v.group(1)))
for m in sorted(used - listed):
    problems.append(f"the page shows {m!r}, which searcher/pagetext.c does not list (so no catalogue has it)")
if len(used) < 50:
    problems.append(f"only {len(used)} strings found in the page: is the scan of t() and data-i18n broken?")

# the programs, in Vietnamese and in English
env = dict(os.environ, LC_ALL="C.UTF-8", VNSEARCH_LOCALEDIR=os.path.join(BUILD, "po"))
env.pop("LANGUAGE", None)
cases = [
    ([os.path.join(BUILD, "searcher", "vnsearch"), "--sort", "x", "q"],
     "vnsearch: --sort: cần relevance (độ liên quan) hoặc date (ngày), nhận được 'x'",
     "vnsearch: --sort: expected relevance or date, got 'x'"),
    ([os.path.join(BUILD, "indexer", "vnindex"), "--threads", "0", "x"],
     "vnindex: --threads: cần một số từ 1 đến 64, nhận được '0'",
     "vnindex: --threads: expected a number from 1 to 64, got '0'"),
]
for cmd, vi, en in cases:
    for language, want in (("vi", vi), (None, en)):
        e = dict(env, LANGUAGE=language) if language else env
        p = run(cmd, env=e)
        if p.stderr.strip() != want or p.returncode != 2:
            problems.append(f"{os.path.basename(cmd[0])} with LANGUAGE={language}: {p.returncode} {p.stderr!r}, "
                            f"expected {want!r}")

# their --help (stdout, exit 0) and the usage an error prints (stderr, exit 2):
# phrases of each paragraph in Vietnamese, none of the English left, and
# the option names as they are; in English without LANGUAGE
vnsearch, vnindex = os.path.join(BUILD, "searcher", "vnsearch"), os.path.join(BUILD, "indexer", "vnindex")
helps = [
    ([vnsearch, "--help"], "stdout", 0,
     ["cách dùng: vnsearch [--db DIR]", "Từ gõ không dấu khớp với mọi dạng có dấu", "Cú pháp tìm kiếm:",
      "chỉ các đoạn thuộc cơ chế hợp tác này", "--allow-remote-programs", "Mã thoát: 0 tìm thấy đoạn"],
     ["usage: vnsearch [--db DIR]", "Words typed without marks match every accented form", "Query language:",
      "only passages of this framework", "--allow-remote-programs", "Exit status: 0 passages found"]),
    ([vnindex, "--help"], "stdout", 0,
     ["cách dùng: vnindex [--db DIR]", "Lập chỉ mục các tài liệu trong mỗi PATH", "thư mục cơ sở dữ liệu",
      "--rescan SECONDS", "Mã thoát: 0 đã lập chỉ mục"],
     ["usage: vnindex [--db DIR]", "Indexes the documents under each PATH", "database directory",
      "--rescan SECONDS", "Exit status: 0 indexed"]),
    ([vnsearch, "serve", "--help"], "stdout", 0,
     ["cách dùng: vnsearch serve", "Phục vụ trang tìm kiếm tại http://ADDRESS:PORT/",
      "địa chỉ lắng nghe (mặc định 127.0.0.1:8080, chỉ máy này", "--max-connections N"],
     ["usage: vnsearch serve", "Serves the search page at http://ADDRESS:PORT/",
      "where to listen (default 127.0.0.1:8080, this machine only", "--max-connections N"]),
    ([vnsearch], "stderr", 2,
     ["vnsearch: chưa nhập truy vấn\ncách dùng: vnsearch", "Mã thoát:"],
     ["vnsearch: no query given\nusage: vnsearch", "Exit status:"]),
    ([vnindex], "stderr", 2,
     ["vnindex: chưa có PATH (đường dẫn) nào để lập chỉ mục\ncách dùng: vnindex"],
     ["vnindex: no PATH to index\nusage: vnindex"]),
    ([vnsearch, "--meetings", "--format", "trec"], "stderr", 2,
     ["vnsearch: --meetings: cần --format text, json, tsv hoặc csv, nhận được trec"],
     ["vnsearch: --meetings: expected --format text, json, tsv or csv, got trec"]),
    ([vnsearch, "serve", "--workers", "0"], "stderr", 2,
     ["vnsearch serve: --workers: cần một số từ"], ["vnsearch serve: --workers: expected a number from"]),
]
english_words = re.compile(r"\b(the|passages|default|expected|usage|only)\b")
for cmd, stream, status, vi, en in helps:
    name = " ".join([os.path.basename(cmd[0])] + cmd[1:])
    for language, want in (("vi", vi), (None, en)):
        p = run(cmd, env=dict(env, LANGUAGE=language) if language else env)
        out = getattr(p, stream)
        if p.returncode != status:
            problems.append(f"{name} with LANGUAGE={language}: exit {p.returncode}, expected {status}: {p.stderr!r}")
        for phrase in want:
            if phrase not in out:
                problems.append(f"{name} with LANGUAGE={language}: {phrase!r} not in its {stream}: {out[:300]!r}")
        # the Vietnamese text keeps only option names, metavariables and
        # values in English: a paragraph left untranslated shows its words
        if language:
            prose = re.sub(r"--?[\w-]+(=\S*)?|\b[A-Z_]{2,}\b|\([^)]*\)|\S*[/.:$]\S*", " ", out)
            left = sorted(set(english_words.findall(prose)))
            if left:
                problems.append(f"{name} with LANGUAGE=vi: English words left in its {stream}: {left}")

# the engine's messages (lib/) in the user's language on the command line,
# and in English from the server's API whatever the server's locale (the page
# shows them to users of either language), while the server's log follows it
with tempfile.TemporaryDirectory() as tmp:
    os.mkdir(os.path.join(tmp, "texts"))
    with open(os.path.join(tmp, "texts", "a.txt"), "w", encoding="utf-8") as f:
        f.write("Hợp tác Mekong - Lan Thương\n\nHội nghị cấp cao lần thứ nhất.\n")
    db = os.path.join(tmp, "db")
    run([vnindex, "--quiet", "--db", db, os.path.join(tmp, "texts")], env=env)
    engine = [
        ([vnsearch, "--db", os.path.join(tmp, "none"), "q"], "không có cơ sở dữ liệu nào ở đó", "no database there"),
        ([vnsearch, "--db", db, "--framework", "XYZ", "q"], "cơ chế hợp tác không xác định 'XYZ'",
         "unknown framework 'XYZ'"),
        ([vnsearch, "--db", db, "--from", "99", "q"], "ngày không hợp lệ '99' cho --from", "bad date '99' for --from"),
    ]
    for cmd, vi, en in engine:
        for language, want in (("vi", vi), (None, en)):
            p = run(cmd, env=dict(env, LANGUAGE=language) if language else env)
            if p.returncode != 2 or want not in p.stderr:
                problems.append(f"{' '.join(cmd[3:])} with LANGUAGE={language}: {p.returncode} {p.stderr!r}, "
                                f"expected {want!r}")
    # the text format's own words (the other formats stay English: programs read them)
    texts = [
        ([vnsearch, "--db", db, "--meetings"], "stdout", ["(không rõ ngày)", "nguồn: a.txt:3"],
         ["(no date)", "sources: a.txt:3"]),
        ([vnsearch, "--db", db, "hojp", "tacs"], "stderr", ["có phải bạn muốn tìm: hợp tác  (1 đoạn có đủ các từ)"],
         ["did you mean: hợp tác  (1 passage with every word)"]),
    ]
    for cmd, stream, vi, en in texts:
        for language, want in (("vi", vi), (None, en)):
            out = getattr(run(cmd, env=dict(env, LANGUAGE=language) if language else env), stream)
            for phrase in want:
                if phrase not in out:
                    problems.append(f"{' '.join(cmd[3:])} with LANGUAGE={language}: {phrase!r} not in its {stream}: "
                                    f"{out!r}")
    p = run([vnsearch, "--db", db, "--meetings", "--format", "json"], env=dict(env, LANGUAGE="vi"))
    if '"framework":"MLC"' not in p.stdout or "không" in p.stdout:
        problems.append(f"vnsearch --meetings --format json with LANGUAGE=vi: not the English JSON: {p.stdout!r}")
    server = subprocess.Popen([vnsearch, "serve", "--db", db, "--listen", "127.0.0.1:0", "--workers", "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=dict(env, LANGUAGE="vi"))
    try:
        url = re.search(r"http://\S+/", server.stdout.readline())
        body = ""
        if url:
            import urllib.error
            import urllib.request
            try:
                urllib.request.urlopen(url.group(0) + "api/search?q=hop&framework=XYZ", timeout=30)
            except urllib.error.HTTPError as e:
                body = e.read().decode("utf-8")
        if "unknown framework 'XYZ'" not in body:
            problems.append(f"vnsearch serve with LANGUAGE=vi: the API's error is not the English one: {body!r}")
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[1]
    if "đang dừng (tín hiệu 15)" not in log:
        problems.append(f"vnsearch serve with LANGUAGE=vi: its log is not in Vietnamese: {log!r}")

# the document readers' warnings and errors (readers/) in the user's language
# on vnindex's stderr, the file's name and the encoding's as they are; the
# passages --dump prints stay as they were (TSV, read by programs)
with tempfile.TemporaryDirectory() as tmp:
    texts = os.path.join(tmp, "texts")
    os.mkdir(texts)
    with open(os.path.join(SOURCE, "tests", "data", "encodings", "gms.cp1258.txt"), "rb") as f:
        data = f.read()
    with open(os.path.join(texts, "old.txt"), "wb") as f:
        f.write(data)
    with open(os.path.join(texts, "broken.docx"), "wb") as f:
        f.write(b"PK\x03\x04 not a zip any more")
    for name in ("encrypted.pdf", "scanned.pdf"):
        with open(os.path.join(SOURCE, "tests", "data", "formats", name), "rb") as src, \
                open(os.path.join(texts, name), "wb") as dst:
            dst.write(src.read())
    readers = [
        ("old.txt: không phải UTF-8; đọc theo CP1258\n", "old.txt: not UTF-8; read as CP1258\n"),
        ("broken.docx: không phải tệp nén zip hợp lệ (bị cắt cụt hay hỏng?)",
         "broken.docx: not a valid zip container (truncated or damaged?)"),
        ("encrypted.pdf: bị mã hóa (có mật khẩu); không đọc, bỏ qua",
         "encrypted.pdf: encrypted (password-protected); not read, skipped"),
        ("scanned.pdf: không có lớp văn bản: tài liệu quét? (1 trang ảnh; OCR đang tắt (--no-ocr)); chỉ lập chỉ mục",
         "scanned.pdf: no text layer: scanned? (1 page of images; OCR is off (--no-ocr)); indexed by its name"),
    ]
    for language in ("vi", None):
        e = dict(env, LANGUAGE=language) if language else env
        p = run([vnindex, "--quiet", "--no-ocr", "--db", os.path.join(tmp, f"db-{language}"), texts], env=e)
        for vi, en in readers:
            want = vi if language else en
            if want not in p.stderr:
                problems.append(f"vnindex with LANGUAGE={language}: the reader's {want!r} not in its stderr: "
                                f"{p.stderr!r}")
    dumps = [run([vnindex, "--dump", "--no-ocr", texts], env=dict(env, LANGUAGE=language) if language else env)
             for language in ("vi", None)]
    if dumps[0].stdout != dumps[1].stdout or "CP1258" not in dumps[0].stderr or "đọc theo" not in dumps[0].stderr:
        problems.append(f"vnindex --dump with LANGUAGE=vi: not the English TSV, or the warning not in Vietnamese "
                        f"on stderr: {dumps[0].stderr!r}")

# the C library's messages that ours quote (strerror, getopt's) come in
# UTF-8 too, not as ASCII with a '?' for each marked letter, when the system
# has its Vietnamese catalogue
if any(os.path.exists(os.path.join(d, "vi", "LC_MESSAGES", "libc.mo")) for d in ("/usr/share/locale",
                                                                                  "/usr/lib/locale")):
    with tempfile.TemporaryDirectory() as tmp:
        p = run([vnindex, "--db", os.path.join(tmp, "db"), os.path.join(tmp, "no-such-path")],
                env=dict(env, LANGUAGE="vi"))
    if "?" in p.stderr or "No such file" in p.stderr:
        problems.append(f"vnindex with LANGUAGE=vi: the C library's message is not in UTF-8 Vietnamese: {p.stderr!r}")

for m in problems:
    print(m)
print(f"po: {len(langs)} languages, {len(problems)} problems")
sys.exit(1 if problems else 0)
