#!/usr/bin/env python3
"""Regenerates the document fixtures the readers are tested on.

    apt-get install libreoffice-writer-nogui pandoc     (only to regenerate)
    python3 tests/data/formats/make-fixtures.py

The text is the GMS section of corpus/mekong-frameworks.txt (lines 147-185,
copied here as dossier.txt, the reference the e2e tests compare with) and
the framework names of corpus/frameworks.tsv (a table).  The Word export's
conventions are turned back into structure: [bookmark: _Toc] and capitalised
lines become Heading 1, numbered short lines Heading 2, "- X:" sub-headings
Heading 3, "·" lines a bulleted list, [footnoteRef:N] and their inline
bodies real footnotes, hard-wrapped lines one paragraph.  Two producers then
write the documents:

  LibreOffice (soffice --headless --convert-to) from a flat ODF file written
  here, with a running header, a page-number footer and footnotes:
      dossier.odt dossier.docx dossier.doc dossier.rtf dossier.pdf
  pandoc from Markdown with footnotes:
      dossier.pandoc.docx dossier.pandoc.odt dossier.pandoc.html
  a report whose sections are its own headings (issue 25), as analysts write
  them: a title (Heading 1) naming no framework, then "I. Hợp tác Mê Công –
  Lan Thương (MLC)" ... "V. Kiến nghị" as Heading 2, one Heading 3 inside;
  and its sentence-case variant with no title.  LibreOffice writes
      sections.docx sections.odt sections.rtf sections.pdf sections.doc
      sections-sentence.docx sections-sentence.pdf (sections.pdf with a table
      of contents: dot leaders and page numbers)
  and pandoc sections.pandoc.docx sections.pandoc.html
      sections-sentence.pandoc.html
  (test-sections.py holds the framework each passage must get);
  and two hostile PDFs: encrypted.pdf (LibreOffice, a document-open
  password) and scanned.pdf (written here: one page that only draws, as a
  scan without OCR has no text layer); and hyphens.pdf (LibreOffice, a
  narrow column where English words break at their soft hyphens and
  Vietnamese compounds at their own hyphens).

    make-fixtures.py [NAME...]     only those (dossier, sections, encrypted, scanned, hyphens)

The test suite never runs either program; the files are committed.
"""
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "..", "..", "corpus")
FIRST, LAST = 147, 185


def read_blocks(lines):
    """Word-export text -> [(kind, text-with-note-refs, level)] and notes."""
    notes = {}
    blocks = []
    open_note = None
    clean = []
    for raw in lines:
        out = ""
        i = 0
        while i < len(raw):
            if open_note is not None:
                j = raw.find("]", i)
                if j < 0:
                    notes[open_note] += raw[i:] + " "
                    break
                notes[open_note] += raw[i:j]
                open_note = None
                i = j + 1
                continue
            m = re.match(r"\[bookmark: [^\]]*\]|\[footnoteRef:(\d+)\]|\[(\d+):\s+", raw[i:])
            if m:
                if m.group(1):
                    out += "\x00%s\x00" % m.group(1)
                elif m.group(2):
                    open_note = m.group(2)
                    notes[open_note] = ""
                i += m.end()
                continue
            out += raw[i]
            i += 1
        clean.append((raw, out.strip()))
    para = None
    for raw, line in clean:
        if not line:
            if para:
                blocks.append(para)
            para = None
            continue
        text = re.sub(r"\s+", " ", line)
        plain = text.replace("\x00", "")
        words = len(plain.split())
        is_top = plain.upper() == plain and sum(c.isalpha() for c in plain) >= 3
        is_sub = bool(re.match(r"^\d+(\.\d+)*\.\s", plain)) and words <= 20 and not plain.rstrip().endswith(".")
        is_sub3 = plain.startswith("- ") and plain.rstrip().endswith(":") and words <= 8
        if is_top or is_sub or is_sub3:
            if para:
                blocks.append(para)
            para = None
            blocks.append(("h", text.removeprefix("- "), 1 if is_top else 2 if is_sub else 3))
            continue
        bullet = plain.startswith("· ")
        if para and not bullet and not para[1].rstrip().endswith((".", ":", "!", "?")) and plain[:1].islower():
            para = (para[0], para[1].rstrip() + " " + text, 0)
            continue
        if para:
            blocks.append(para)
        para = ("li", text[2:], 0) if bullet else ("p", text, 0)
    if para:
        blocks.append(para)
    for k in notes:
        notes[k] = re.sub(r"\s+", " ", notes[k]).strip()
    return blocks, notes


def frameworks():
    rows = []
    with open(os.path.join(SOURCE, "frameworks.tsv"), encoding="utf-8") as fp:
        for line in fp:
            if line.startswith("#") or line.startswith("code\t") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            rows.append((cols[0], cols[1]))
    return rows[:6]


# ------------------------------------------------------------- flat ODF

FODT_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:font-face-decls>
  <style:font-face style:name="DejaVu Serif" svg:font-family="'DejaVu Serif'" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"/>
 </office:font-face-decls>
 <office:styles>
  <style:default-style style:family="paragraph">
   <style:paragraph-properties fo:margin-bottom="0.2cm"/>
   <style:text-properties style:font-name="DejaVu Serif" fo:font-size="11pt" fo:language="vi" fo:country="VN"/>
  </style:default-style>
  <style:style style:name="Standard" style:family="paragraph"/>
  <style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:default-outline-level="1">
   <style:text-properties fo:font-size="14pt" fo:font-weight="bold"/></style:style>
  <style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:default-outline-level="2">
   <style:text-properties fo:font-size="12pt" fo:font-weight="bold"/></style:style>
  <style:style style:name="Heading_20_3" style:display-name="Heading 3" style:family="paragraph" style:default-outline-level="3">
   <style:text-properties fo:font-weight="bold" fo:font-style="italic"/></style:style>
  <style:style style:name="Footnote" style:family="paragraph"><style:text-properties fo:font-size="9pt"/></style:style>
  <style:style style:name="Header" style:family="paragraph"><style:text-properties fo:font-size="9pt"/></style:style>
  <style:style style:name="Footer" style:family="paragraph"><style:paragraph-properties fo:text-align="center"/></style:style>
 </office:styles>
 <office:automatic-styles>
  <style:page-layout style:name="pm1">
   <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="1.5cm"
     fo:margin-bottom="1.5cm" fo:margin-left="2.5cm" fo:margin-right="2cm"/>
   <style:header-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-bottom="0.3cm"/></style:header-style>
   <style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.3cm"/></style:footer-style>
  </style:page-layout>
  <text:list-style style:name="L1">
   <text:list-level-style-bullet text:level="1" text:bullet-char="•">
    <style:list-level-properties text:list-level-position-and-space-mode="label-alignment">
     <style:list-level-label-alignment text:label-followed-by="listtab" fo:text-indent="-0.5cm" fo:margin-left="1cm"/>
    </style:list-level-properties>
   </text:list-level-style-bullet>
  </text:list-style>
 </office:automatic-styles>
 <office:master-styles>
  <style:master-page style:name="Standard" style:page-layout-name="pm1">
   <style:header><text:p text:style-name="Header">Hồ sơ tham khảo – Hợp tác Tiểu vùng Mê Công</text:p></style:header>
   <style:footer><text:p text:style-name="Footer">Trang <text:page-number text:select-page="current">1</text:page-number></text:p></style:footer>
  </style:master-page>
 </office:master-styles>
 <office:body>
  <office:text>
"""


def fodt_inline(text, notes):
    out = []
    for i, part in enumerate(text.split("\x00")):
        if i % 2 == 0:
            out.append(html.escape(part, quote=False))
        else:
            body = html.escape(notes[part], quote=False)
            out.append(f'<text:note text:id="ftn{part}" text:note-class="footnote"><text:note-citation>{part}'
                       f'</text:note-citation><text:note-body><text:p text:style-name="Footnote">{body}</text:p>'
                       f'</text:note-body></text:note>')
    return "".join(out)


def fodt(blocks, notes, table):
    out = [FODT_HEAD]
    in_list = False
    for kind, text, level in blocks:
        if kind != "li" and in_list:
            out.append("</text:list>\n")
            in_list = False
        if kind == "h":
            out.append(f'<text:h text:style-name="Heading_20_{level}" text:outline-level="{level}">'
                       f'{fodt_inline(text, notes)}</text:h>\n')
        elif kind == "li":
            if not in_list:
                out.append('<text:list text:style-name="L1">\n')
                in_list = True
            out.append(f'<text:list-item><text:p>{fodt_inline(text, notes)}</text:p></text:list-item>\n')
        else:
            out.append(f'<text:p text:style-name="Standard">{fodt_inline(text, notes)}</text:p>\n')
    if in_list:
        out.append("</text:list>\n")
    out.append('<text:h text:style-name="Heading_20_2" text:outline-level="2">Phụ lục: Các cơ chế hợp tác</text:h>\n')
    out.append('<table:table table:name="Frameworks"><table:table-column table:number-columns-repeated="2"/>\n')
    for code, name in [("Mã", "Tên")] + table:
        out.append("<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{html.escape(c)}</text:p></table:table-cell>'
            for c in (code, name)) + "</table:table-row>\n")
    out.append("</table:table>\n</office:text>\n </office:body>\n</office:document>\n")
    return "".join(out)


# ------------------------------------------------------------- Markdown

def md_inline(text, used):
    out = []
    for i, part in enumerate(text.split("\x00")):
        if i % 2 == 0:
            out.append(re.sub(r"([\\`*_\[\]#<>|])", r"\\\1", part))
        else:
            used.append(part)
            out.append(f"[^{part}]")
    return "".join(out)


def markdown(blocks, notes, table):
    out, used = [], []
    for kind, text, level in blocks:
        if kind == "h":
            out.append("#" * level + " " + md_inline(text, used) + "\n")
        elif kind == "li":
            out.append("-   " + md_inline(text, used) + "\n")
        else:
            # a leading "- " or "i." would turn into a list: escape it
            t = md_inline(text, used)
            t = re.sub(r"^([-+*]) ", r"\\\1 ", t)
            t = re.sub(r"^(\d+|[ivxIVX]+)\. ", r"\1\\. ", t)
            out.append(t + "\n")
    out.append("\n## Phụ lục: Các cơ chế hợp tác\n")
    out.append("| Mã | Tên |\n|---|---|")
    for code, name in table:
        out.append(f"| {code} | {name} |")
    out.append("")
    for n in used:
        out.append(f"[^{n}]: {md_inline(notes[n], [])}")
    return "\n".join(out) + "\n"


def scanned_pdf():
    """A one-page PDF whose page only paints a grey rectangle: no text layer."""
    content = b"0.5 g 72 72 451 698 re f"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


HYPHENS = [
    "The GMS Min\u00adis\u00adte\u00adri\u00adal Con\u00adfer\u00adence in\u00adter\u00adna\u00adtion\u00adal\u00adly "
    "ac\u00adknowl\u00adedged the in\u00adfra\u00adstruc\u00adture com\u00admit\u00adments of the "
    "Ayeyawady-Chao Phraya-Mekong part\u00adner\u00adships.",
    "Các nước Cam-pu-chia, Lào, Mi-an-ma, Thái Lan và Việt Nam hợp tác với Tô-ki-ô, Viên-chăn và "
    "Băng-cốc trong khuôn khổ Mê Công - Nhật Bản.",
]


def hyphens_fodt():
    head = FODT_HEAD.replace('fo:page-width="21cm"', 'fo:page-width="8cm"').replace(
        'fo:margin-left="2.5cm" fo:margin-right="2cm"', 'fo:margin-left="1cm" fo:margin-right="1cm"')
    head = head.replace("<style:header>", "<!--").replace("</style:footer>", "-->")
    body = "".join(f'<text:p text:style-name="Standard">{html.escape(p, quote=False)}</text:p>\n' for p in HYPHENS)
    return head + body + "</office:text>\n </office:body>\n</office:document>\n"


# The report of issue 25: (kind, text, level), kind "h" or "p".
SECTIONS = [
    ("h", "BÁO CÁO TỔNG HỢP VỀ CÁC CƠ CHẾ HỢP TÁC TIỂU VÙNG NĂM 2024", 1),
    ("p", "Báo cáo tổng hợp tình hình tham gia của Việt Nam trong các cơ chế hợp tác tiểu vùng năm 2024, "
          "phục vụ chuẩn bị các hội nghị cấp cao.", 0),
    ("h", "I. Hợp tác Mê Công – Lan Thương (MLC)", 2),
    ("p", "Năm 2024, hợp tác tập trung vào quản lý tài nguyên nước, kết nối và nông nghiệp; Quỹ hợp tác đặc biệt "
          "tài trợ 45 dự án mới tại Việt Nam.", 0),
    ("p", "Các dự án nông nghiệp thông minh được triển khai song song với chương trình GMS về hành lang kinh tế.", 0),
    ("h", "II. Hợp tác Tiểu vùng Mê Công mở rộng (GMS)", 2),
    ("p", "Hội nghị Bộ trưởng lần thứ 27 thông qua Kế hoạch hành động số hóa 2025-2027.", 0),
    ("h", "1. Hành lang kinh tế", 3),
    ("p", "Các nước thống nhất ưu tiên Hành lang Kinh tế Đông – Tây và phối hợp với ACMECS về vận tải đa phương "
          "thức.", 0),
    ("h", "III. Quan hệ đối tác Mê Công – Mỹ", 2),
    ("p", "Mỹ tiếp tục hỗ trợ các dự án về an ninh nguồn nước và phòng chống tội phạm xuyên quốc gia.", 0),
    ("p", "Chương trình học bổng của quan hệ đối tác được mở rộng cho cán bộ trẻ các nước.", 0),
    ("h", "IV. Hợp tác Mê Công – Nhật Bản (MJC)", 2),
    ("p", "Nhật Bản hỗ trợ triển khai chiến lược hợp tác năm 2024, ưu tiên chuyển đổi số và kết nối chất lượng cao.", 0),
    ("p", "Các bên nhất trí phối hợp với MLC và GMS để tránh trùng lặp giữa các chương trình.", 0),
    ("h", "V. Kiến nghị", 2),
    ("p", "Tiếp tục tham gia chủ động Hợp tác Mê Công – Lan Thương và GMS, ưu tiên các dự án tài nguyên nước.", 0),
    ("p", "Đề xuất Bộ Ngoại giao chủ trì tổng kết các cơ chế trong quý IV năm 2025.", 0),
]

# Its sentence-case variant: no title, the frameworks named in lower case.
SENTENCE_HEADINGS = {
    "I. Hợp tác Mê Công – Lan Thương (MLC)": "Hợp tác mê công – lan thương",
    "II. Hợp tác Tiểu vùng Mê Công mở rộng (GMS)": "Hợp tác tiểu vùng mê công mở rộng",
    "III. Quan hệ đối tác Mê Công – Mỹ": "Quan hệ đối tác mê công – mỹ",
    "IV. Hợp tác Mê Công – Nhật Bản (MJC)": "Hợp tác mê công – nhật bản",
    "V. Kiến nghị": "Kiến nghị",
}


def sections_sentence():
    out = []
    for kind, text, level in SECTIONS[2:]:
        out.append((kind, SENTENCE_HEADINGS.get(text, text), level))
    return out


TOC_STYLE = """  <style:style style:name="Contents" style:family="paragraph">
   <style:paragraph-properties><style:tab-stops><style:tab-stop style:position="16cm" style:type="right"
     style:leader-style="dotted" style:leader-text="."/></style:tab-stops></style:paragraph-properties></style:style>
 </office:styles>"""


def sections_fodt(blocks, toc=False):
    """The report; with toc, a table of contents after the title, as Word and
    LibreOffice write one (dot leaders to the page numbers)."""
    head = FODT_HEAD.replace("<style:header>", "<!--").replace("</style:footer>", "-->")
    body = []
    if toc:
        head = head.replace(" </office:styles>", TOC_STYLE, 1)
        entries = [t for k, t, lv in blocks if k == "h" and lv == 2]
        toc_body = "".join(f'<text:p text:style-name="Contents">{html.escape(t, quote=False)}<text:tab/>{2 + i // 3}'
                           f'</text:p>\n' for i, t in enumerate(entries))
        blocks = list(blocks)
        title = blocks.pop(0)
        body.append(f'<text:h text:style-name="Heading_20_1" text:outline-level="1">'
                    f'{html.escape(title[1], quote=False)}</text:h>\n')
        body.append('<text:table-of-content text:name="TOC"><text:index-body>\n' + toc_body +
                    '</text:index-body></text:table-of-content>\n')
    for kind, text, level in blocks:
        t = html.escape(text, quote=False)
        if kind == "h":
            body.append(f'<text:h text:style-name="Heading_20_{level}" text:outline-level="{level}">{t}</text:h>\n')
        else:
            body.append(f'<text:p text:style-name="Standard">{t}</text:p>\n')
    return head + "".join(body) + "</office:text>\n </office:body>\n</office:document>\n"


def sections_markdown(blocks):
    out = []
    for kind, text, level in blocks:
        t = md_inline(text, [])
        if kind == "h":
            out.append("#" * level + " " + t + "\n")
        else:
            out.append(re.sub(r"^(\d+|[ivxIVX]+)\. ", r"\1\\. ", t) + "\n")
    return "\n".join(out)


def make_sections(tmp, env):
    for name, blocks, lo_formats, pandoc_formats in (
            ("sections", SECTIONS, ("docx", "odt", "rtf", "pdf", "doc"), ("docx", "html")),
            ("sections-sentence", sections_sentence(), ("docx", "pdf"), ("html",))):
        src = os.path.join(tmp, name + ".fodt")
        with open(src, "w", encoding="utf-8") as fp:
            fp.write(sections_fodt(blocks))
        # the PDF has a table of contents too: its lines are no passages
        if name == "sections":
            toc = os.path.join(tmp, "toc")
            os.makedirs(toc, exist_ok=True)
            with open(os.path.join(toc, name + ".fodt"), "w", encoding="utf-8") as fp:
                fp.write(sections_fodt(blocks, toc=True))
        filters = {"odt": "odt", "docx": "docx:MS Word 2007 XML", "rtf": "rtf", "pdf": "pdf:writer_pdf_Export",
                   "doc": "doc:MS Word 97"}
        for fmt in lo_formats:
            from_ = os.path.join(tmp, "toc", name + ".fodt") if fmt == "pdf" and name == "sections" else src
            subprocess.run(["soffice", "--headless", "--convert-to", filters[fmt], "--outdir", tmp, from_],
                           check=True, env=env, capture_output=True, timeout=300)
            shutil.copy(os.path.join(tmp, f"{name}.{fmt}"), os.path.join(HERE, f"{name}.{fmt}"))
        md = os.path.join(tmp, name + ".md")
        with open(md, "w", encoding="utf-8") as fp:
            fp.write(sections_markdown(blocks))
        for fmt in pandoc_formats:
            args = ["pandoc", md, "-o", os.path.join(HERE, f"{name}.pandoc.{fmt}"), "--metadata", "lang=vi"]
            if fmt == "html":
                args += ["--standalone", "--metadata", "pagetitle=" + name]
            subprocess.run(args, check=True, timeout=120)


def main():
    wanted = set(sys.argv[1:]) or {"dossier", "sections", "encrypted", "scanned", "hyphens"}
    for tool in ("soffice", "pandoc"):
        if not shutil.which(tool):
            sys.exit(f"make-fixtures: {tool} not found: apt-get install libreoffice-writer-nogui pandoc")
    with open(os.path.join(SOURCE, "mekong-frameworks.txt"), encoding="utf-8") as fp:
        lines = fp.read().split("\n")[FIRST - 1:LAST]
    blocks, notes = read_blocks(lines)
    table = frameworks()
    tmp = tempfile.mkdtemp(prefix="vnsearch-fixtures-")
    env = dict(os.environ, HOME=tmp)  # a throwaway LibreOffice profile
    if "hyphens" in wanted:
        src = os.path.join(tmp, "hyphens.fodt")
        with open(src, "w", encoding="utf-8") as fp:
            fp.write(hyphens_fodt())
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf:writer_pdf_Export", "--outdir", tmp, src],
                       check=True, env=env, capture_output=True, timeout=300)
        shutil.copy(os.path.join(tmp, "hyphens.pdf"), os.path.join(HERE, "hyphens.pdf"))
    if "dossier" in wanted:
        with open(os.path.join(HERE, "dossier.txt"), "w", encoding="utf-8") as fp:
            fp.write("\n".join(lines) + "\n")
        src = os.path.join(tmp, "dossier.fodt")
        with open(src, "w", encoding="utf-8") as fp:
            fp.write(fodt(blocks, notes, table))
        for fmt, filt in (("odt", "odt"), ("docx", "docx:MS Word 2007 XML"), ("doc", "doc:MS Word 97"),
                          ("rtf", "rtf"), ("pdf", "pdf:writer_pdf_Export")):
            subprocess.run(["soffice", "--headless", "--convert-to", filt, "--outdir", tmp, src], check=True,
                           env=env, capture_output=True, timeout=300)
            shutil.copy(os.path.join(tmp, f"dossier.{fmt}"), os.path.join(HERE, f"dossier.{fmt}"))
    if "encrypted" in wanted:
        make_encrypted(tmp, lines, env)
    if "scanned" in wanted:
        with open(os.path.join(HERE, "scanned.pdf"), "wb") as fp:
            fp.write(scanned_pdf())
    if "dossier" in wanted:
        make_pandoc(tmp, blocks, notes, table)
    if "sections" in wanted:
        make_sections(tmp, env)
    shutil.rmtree(tmp)
    for f in sorted(os.listdir(HERE)):
        if f.startswith(("dossier.", "sections", "encrypted.", "scanned.", "hyphens.")):
            print(f"{f}: {os.path.getsize(os.path.join(HERE, f))} bytes", file=sys.stderr)


def make_encrypted(tmp, lines, env):
    secret = os.path.join(tmp, "encrypted.txt")
    with open(secret, "w", encoding="utf-8") as fp:
        fp.write("\n".join(lines[:4]) + "\n")
    opts = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
            '"DocumentOpenPassword":{"type":"string","value":"mekong"}}')
    subprocess.run(["soffice", "--headless", "--convert-to", opts, "--outdir", tmp, secret], check=True, env=env,
                   capture_output=True, timeout=300)
    shutil.copy(os.path.join(tmp, "encrypted.pdf"), os.path.join(HERE, "encrypted.pdf"))


def make_pandoc(tmp, blocks, notes, table):
    md = os.path.join(tmp, "dossier.md")
    with open(md, "w", encoding="utf-8") as fp:
        fp.write(markdown(blocks, notes, table))
    for fmt in ("docx", "odt", "html"):
        args = ["pandoc", md, "-o", os.path.join(HERE, f"dossier.pandoc.{fmt}"), "--metadata", "lang=vi"]
        if fmt == "html":
            args += ["--standalone", "--metadata", "title=Hồ sơ GMS"]
        subprocess.run(args, check=True, timeout=120)


if __name__ == "__main__":
    main()
