/*
 * Unit tests of the readers, on documents made by LibreOffice and pandoc
 * from corpus text (tests/data/formats, argv[1]; make-fixtures.py says how)
 * and on hostile files made here: every reader's blocks (headings and their
 * levels, footnotes linked to the paragraph citing them, tables, pages, no
 * markers left), the same paragraphs as the .txt export, charsets, and a
 * clean one-line error, never a crash or a hang, for truncated and
 * renamed files, zip and entity bombs, encrypted and scanned PDFs, huge
 * paragraphs and missing or stuck converters.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "check.h"
#include "readers.h"

static const char *dir;

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = buf ? fread(buf, 1, (size_t)n, fp) : 0;
    fclose(fp);
    return buf;
}

static rd_document *read_mem(const char *name, const char *data, size_t len, const rd_options *o, int *rc,
                             char *err, size_t errcap)
{
    rd_document *doc = NULL;
    *rc = rd_read(NULL, data, len, rd_format_of(name), o, &doc, err, errcap);
    return doc;
}

static rd_document *read_fixture(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len = 0;
    char *data = slurp(path, &len);
    CHECK(data != NULL, "cannot read %s", path);
    if (!data)
        return NULL;
    rd_document *doc = NULL;
    char err[512];
    int rc = rd_read(path, data, len, rd_format_of(name), NULL, &doc, err, sizeof err);
    CHECK(rc == RD_OK && doc, "%s: %s: %s", name, rd_errmsg(rc), err);
    free(data);
    return doc;
}

static const rd_block *find_text(const rd_document *d, rd_kind kind, const char *prefix)
{
    for (size_t i = 0; d && i < d->count; i++)
        if (d->blocks[i].kind == kind && !strncmp(d->blocks[i].text, prefix, strlen(prefix)))
            return &d->blocks[i];
    return NULL;
}

static size_t count_kind(const rd_document *d, rd_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; d && i < d->count; i++)
        n += d->blocks[i].kind == kind;
    return n;
}

/* ------------------------------------------------------- structure */

enum { HAS_LEVELS = 1, HAS_NOTES = 2, HAS_TABLE = 4, HAS_PAGES = 8, HAS_HEADINGS = 16 };

/* What every format that keeps it must give for the dossier. */
static void check_dossier(const char *name, unsigned has)
{
    rd_document *d = read_fixture(name);
    if (!d)
        return;
    const char *h1 = "HỢP TÁC TIỂU VÙNG MÊ CÔNG MỞ RỘNG (GMS)";
    if (has & HAS_HEADINGS) {
        const rd_block *h = find_text(d, RD_HEADING, h1);
        CHECK(h && h->level == 1, "%s: the title is a heading of level 1", name);
        const rd_block *h2 = find_text(d, RD_HEADING, "1. Hình thành");
        CHECK(h2 && (!(has & HAS_LEVELS) || h2->level == 2), "%s: '1. Hình thành' a level 2 heading (%d)", name,
              h2 ? h2->level : -1);
        const rd_block *h3 = find_text(d, RD_HEADING, "Mục tiêu của GMS:");
        CHECK(h3 && (!(has & HAS_LEVELS) || h3->level == 3), "%s: 'Mục tiêu của GMS:' a level 3 heading (%d)", name,
              h3 ? h3->level : -1);
        const rd_block *p = find_text(d, RD_PARAGRAPH, "Trong Khung đầu tư khu vực");
        char path[512] = "";
        if (p)
            rd_heading_path(d, (size_t)(p - d->blocks), path, sizeof path);
        CHECK(p && !strcmp(path, "HỢP TÁC TIỂU VÙNG MÊ CÔNG MỞ RỘNG (GMS) > 3. Tham gia của Việt Nam"),
              "%s: heading path '%s'", name, path);
    }
    if (has & HAS_NOTES) {
        CHECK(count_kind(d, RD_NOTE) == 4, "%s: 4 footnotes, got %zu", name, count_kind(d, RD_NOTE));
        static const char *const bodies[] = {"Quanrg Taay was added", "HNTĐ GMS lần thứ 7 do Cam-pu-chia",
                                             "Ủy ban điều phối thương mại điện", "Lào Cai, Điện Biên"};
        static const char *const citing[] = {"- Hợp tác kinh tế tiểu vùng", "Đến nay, GMS đã tổ chức",
                                             "Năng lượng: Đẩy mạnh", "- Thời gian qua, ta đã tham gia"};
        for (int k = 0; k < 4; k++) {
            const rd_block *n = find_text(d, RD_NOTE, bodies[k]);
            CHECK(n && n->note == k + 1, "%s: note %d '%s' (number %d)", name, k + 1, bodies[k], n ? n->note : 0);
            if (!n)
                continue;
            /* the block citing it comes before it, with only notes between */
            const rd_block *c = n;
            while (c > d->blocks && c->kind == RD_NOTE)
                c--;
            int cites = 0;
            for (size_t i = 0; i < c->ncites; i++)
                cites |= c->cites[i] == n->note;
            CHECK(cites && !strncmp(c->text, citing[k], strlen(citing[k])),
                  "%s: note %d follows its citing paragraph, got '%.40s'", name, k + 1, c->text);
        }
    }
    if (has & HAS_TABLE) {
        const rd_block *mkc = find_text(d, RD_TABLE_CELL, "MKC");
        CHECK(mkc && mkc->row == 2 && mkc->col == 1 && !mkc->row_end, "%s: cell MKC at row 2, column 1", name);
        const rd_block *name_cell = mkc ? mkc + 1 : NULL;
        CHECK(name_cell && name_cell->kind == RD_TABLE_CELL && name_cell->row_end &&
                  !strcmp(name_cell->text, "Hợp tác Mê Công – Hàn Quốc"),
              "%s: its row ends with the name", name);
        size_t rows = 0;
        for (size_t i = 0; i < d->count; i++)
            rows += d->blocks[i].kind == RD_TABLE_CELL && d->blocks[i].row_end && d->blocks[i].len;
        CHECK(rows == 7, "%s: 7 table rows, got %zu", name, rows);
    }
    if (has & HAS_PAGES) {
        CHECK(d->pages == 4, "%s: 4 pages, got %zu", name, d->pages);
        const rd_block *p = find_text(d, RD_PARAGRAPH, "Trong Khung đầu tư khu vực");
        CHECK(p && p->page == 3, "%s: the last paragraph is on page 3 (%u)", name, p ? p->page : 0);
        const rd_block *first = find_text(d, RD_HEADING, h1);
        CHECK(first && first->page == 1, "%s: the title on page 1", name);
    }
    /* nothing of the source's markup left in the text, no running header */
    for (size_t i = 0; i < d->count; i++) {
        const char *t = d->blocks[i].text;
        CHECK(!strstr(t, "footnoteRef") && !strstr(t, "[bookmark") && !strstr(t, "_Toc") && !strstr(t, "[1]") &&
                  !strstr(t, "Hồ sơ tham khảo") && strncmp(t, "Trang ", 6) != 0 && !strchr(t, '\n'),
              "%s: markup or page furniture left in block %zu: %.60s", name, i, t);
        CHECK(d->blocks[i].ordinal >= 1, "%s: ordinals", name);
    }
    rd_document_free(d);
}

static void test_docx_libreoffice(void) { check_dossier("dossier.docx", HAS_HEADINGS | HAS_LEVELS | HAS_NOTES | HAS_TABLE); }
static void test_docx_pandoc(void) { check_dossier("dossier.pandoc.docx", HAS_HEADINGS | HAS_LEVELS | HAS_NOTES | HAS_TABLE); }
static void test_odt_libreoffice(void) { check_dossier("dossier.odt", HAS_HEADINGS | HAS_LEVELS | HAS_NOTES | HAS_TABLE); }
static void test_odt_pandoc(void) { check_dossier("dossier.pandoc.odt", HAS_HEADINGS | HAS_LEVELS | HAS_NOTES | HAS_TABLE); }
static void test_html_pandoc(void) { check_dossier("dossier.pandoc.html", HAS_HEADINGS | HAS_LEVELS | HAS_NOTES | HAS_TABLE); }
static void test_pdf_libreoffice(void) { check_dossier("dossier.pdf", HAS_HEADINGS | HAS_LEVELS | HAS_NOTES | HAS_PAGES); }
static void test_doc_antiword(void) { check_dossier("dossier.doc", HAS_HEADINGS | HAS_NOTES | HAS_TABLE); }
static void test_rtf_unrtf(void) { check_dossier("dossier.rtf", HAS_TABLE); }

/* The paragraphs and notes of each format are those of the .txt export
 * they were made from, up to what the format (or its converter) loses. */
static int body_kind(rd_kind k)
{
    return k == RD_PARAGRAPH || k == RD_LIST_ITEM || k == RD_NOTE;
}

static const char *unbullet(const char *t)
{
    if (!strncmp(t, "· ", strlen("· ")))
        return t + strlen("· ");
    if (!strncmp(t, "• ", strlen("• ")))
        return t + strlen("• ");
    return t;
}

static void same_paragraphs_as_txt(const char *name, int notes_lost, int headings_lost, int table_as_text)
{
    rd_document *ref = read_fixture("dossier.txt"), *d = read_fixture(name);
    if (!ref || !d) {
        rd_document_free(ref);
        rd_document_free(d);
        return;
    }
    char *used = calloc(d->count + 1, 1);
    size_t want = 0, found = 0;
    for (size_t i = 0; i < ref->count; i++) {
        const rd_block *r = &ref->blocks[i];
        if (!body_kind(r->kind) || (notes_lost && r->kind == RD_NOTE))
            continue;
        want++;
        size_t k = 0;
        for (; k < d->count; k++)
            if (!used[k] && body_kind(d->blocks[k].kind) && !strcmp(unbullet(d->blocks[k].text), unbullet(r->text)))
                break;
        CHECK(k < d->count, "%s: paragraph of the .txt not found: %.100s", name, r->text);
        if (k < d->count) {
            used[k] = 1;
            found++;
        }
    }
    for (size_t k = 0; k < d->count; k++) {
        const rd_block *b = &d->blocks[k];
        if (used[k] || !body_kind(b->kind))
            continue;
        int excused = (headings_lost && b->len < 60 && !strchr(".;", b->text[b->len - 1])) ||
                      (table_as_text && !strncmp(b->text, "Mã Tên MKC", strlen("Mã Tên MKC")));
        CHECK(excused, "%s: paragraph not in the .txt: %.100s", name, b->text);
    }
    CHECK(found == want && want >= 25, "%s: %zu of %zu paragraphs", name, found, want);
    free(used);
    rd_document_free(ref);
    rd_document_free(d);
}

static void test_every_format_gives_the_txt_paragraphs(void)
{
    static const char *const full[] = {"dossier.docx", "dossier.pandoc.docx", "dossier.odt", "dossier.pandoc.odt",
                                       "dossier.pandoc.html", "dossier.doc"};
    for (size_t i = 0; i < sizeof full / sizeof full[0]; i++)
        same_paragraphs_as_txt(full[i], 0, 0, 0);
    same_paragraphs_as_txt("dossier.pdf", 0, 0, 1);
    same_paragraphs_as_txt("dossier.rtf", 1, 1, 0); /* unrtf drops footnotes and marks no heading */
}

static void test_txt_keeps_word_export_heuristics(void)
{
    rd_document *d = read_fixture("dossier.txt");
    if (!d)
        return;
    const rd_block *p = find_text(d, RD_LIST_ITEM, "- Hợp tác kinh tế tiểu vùng");
    CHECK(p && p->line == 4 && p->ncites == 1 && p->cites[0] == 5, "txt: line 4 cites note 5");
    const rd_block *n = p ? p + 1 : NULL;
    CHECK(n && n->kind == RD_NOTE && n->note == 5 && n->line == 4 && n->end_line == 5,
          "txt: the note body runs over lines 4-5");
    CHECK(find_text(d, RD_HEADING, "- Mục tiêu của GMS:") != NULL, "txt: '- X:' is a sub-heading");
    rd_document_free(d);
}

/* ---------------------------------------------------------------- html */

static rd_document *html_doc(const char *html, size_t len)
{
    int rc;
    char err[256];
    rd_document *d = read_mem("x.html", html, len, NULL, &rc, err, sizeof err);
    CHECK(rc == RD_OK, "html: %s", err);
    return d;
}

static void test_html_skips_scripts_styles_nav_and_decodes_entities(void)
{
    const char *h = "<html><head><title>T</title><style>p{}</style></head><body>"
                    "<nav><a href='/'>Trang chủ</a></nav><script>var x = 'aaqscript';</script>"
                    "<h2>Hợp t&aacute;c M&ecirc; C&#244;ng</h2><p>Đo&#7841;n &amp; văn<br>tiếp.</p>"
                    "<div role='navigation'>menu</div><ul><li>Một<ul><li>Hai</li></ul></li></ul></body></html>";
    rd_document *d = html_doc(h, strlen(h));
    CHECK(d && d->count == 4, "4 blocks, got %zu", d ? d->count : 0);
    CHECK(find_text(d, RD_HEADING, "Hợp tác Mê Công") && find_text(d, RD_HEADING, "Hợp tác Mê Công")->level == 2,
          "h2 with entities decoded");
    CHECK(find_text(d, RD_PARAGRAPH, "Đoạn & văn tiếp.") != NULL, "entities, <br> as a space");
    const rd_block *two = find_text(d, RD_LIST_ITEM, "Hai");
    CHECK(two && two->level == 2, "nested list item at level 2");
    for (size_t i = 0; d && i < d->count; i++)
        CHECK(!strstr(d->blocks[i].text, "aaqscript") && !strstr(d->blocks[i].text, "menu") &&
                  !strstr(d->blocks[i].text, "Trang chủ"),
              "script or navigation read: %s", d->blocks[i].text);
    rd_document_free(d);
}

static void test_html_declared_charset_honoured(void)
{
    /* "Hà Nội" in CP1258, declared so; and in VNI-Windows with nothing declared */
    const char cp1258[] = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1258\">"
                          "</head><body><p>H\xE0 N\xF4\xF2i</p></body></html>";
    rd_document *d = html_doc(cp1258, sizeof cp1258 - 1);
    CHECK(d && d->count == 1 && !strcmp(d->blocks[0].text, "Hà Nội"), "windows-1258 declared: %s",
          d && d->count ? d->blocks[0].text : "");
    rd_document_free(d);
    const char vni[] = "<html><body><p>Ha\xF8 No\xE4i la\xF8 th\xE6 \xF1o\xE2 cu\xFB" "a Vie\xE4t Nam.</p></body></html>";
    d = html_doc(vni, sizeof vni - 1);
    CHECK(d && d->count == 1 && !strcmp(d->blocks[0].text, "Hà Nội là thỉ đô của Việt Nam."),
          "VNI with no charset: %s", d && d->count ? d->blocks[0].text : "");
    CHECK(d && d->nwarnings == 1 && strstr(d->warnings[0].text, "VNI-Windows"), "a warning names VNI");
    rd_document_free(d);
    const char meta5[] = "<!DOCTYPE html><meta charset=utf-8><p>Hợp tác</p>";
    d = html_doc(meta5, sizeof meta5 - 1);
    CHECK(d && d->count == 1 && !strcmp(d->blocks[0].text, "Hợp tác"), "<meta charset=utf-8>");
    rd_document_free(d);
}

static void test_html_word_footnotes_linked(void)
{
    const char *h = "<html><body><p class=MsoNormal>Hội nghị<a style='mso-footnote-id:ftn1' href=\"#_ftn1\" "
                    "name=\"_ftnref1\"><span class=MsoFootnoteReference>[1]</span></a> lần thứ 7.</p>"
                    "<div style='mso-element:footnote-list'><div style='mso-element:footnote' id=ftn1>"
                    "<p class=MsoFootnoteText><a href=\"#_ftnref1\" name=\"_ftn1\">[1]</a> Trực tuyến.</p>"
                    "</div></div></body></html>";
    rd_document *d = html_doc(h, strlen(h));
    CHECK(d && d->count == 2, "paragraph and note, got %zu", d ? d->count : 0);
    if (d && d->count == 2) {
        CHECK(!strcmp(d->blocks[0].text, "Hội nghị lần thứ 7.") && d->blocks[0].ncites == 1, "citing: %s",
              d->blocks[0].text);
        CHECK(d->blocks[1].kind == RD_NOTE && !strcmp(d->blocks[1].text, "Trực tuyến."), "note: %s",
              d->blocks[1].text);
    }
    rd_document_free(d);
}

/* --------------------------------------------------------------- zips */

/* A zip made in memory: names[i] holds contents[i] (lens[i] bytes). */
static char *make_zip(size_t n, const char *const *names, const char *const *contents, const size_t *lens,
                      size_t *out_len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    for (size_t i = 0; za && i < n; i++) {
        zip_source_t *s = zip_source_buffer(za, contents[i], lens[i], 0);
        zip_int64_t idx = zip_file_add(za, names[i], s, ZIP_FL_ENC_UTF_8);
        zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9);
    }
    char *buf = NULL;
    if (za && zip_close(za) == 0 && zip_source_open(src) == 0) {
        zip_source_seek(src, 0, SEEK_END);
        zip_int64_t size = zip_source_tell(src);
        zip_source_seek(src, 0, SEEK_SET);
        buf = malloc((size_t)size + 1);
        *out_len = buf ? (size_t)zip_source_read(src, buf, (zip_uint64_t)size) : 0;
        zip_source_close(src);
    }
    zip_source_free(src);
    zip_error_fini(&ze);
    return buf;
}

#define DOCX_HEAD "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"

static void test_docx_zip_bomb_is_refused_within_bounds(void)
{
    size_t big = (size_t)24 << 20; /* three times the limit below: the same path as a 1 GB bomb, quicker */
    char *xml = malloc(big);
    if (!xml)
        return;
    size_t hl = strlen(DOCX_HEAD "<w:p><w:r><w:t>");
    memcpy(xml, DOCX_HEAD "<w:p><w:r><w:t>", hl);
    memset(xml + hl, 'a', big - hl);
    const char *names[] = {"word/document.xml"};
    const char *contents[] = {xml};
    size_t lens[] = {big}, zl = 0;
    char *zipped = make_zip(1, names, contents, lens, &zl);
    free(xml);
    CHECK(zipped && zl < big / 100, "a bomb compresses well (%zu bytes)", zl);
    rd_options o = {.max_bytes = (size_t)8 << 20};
    int rc;
    char err[512];
    time_t t0 = time(NULL);
    /* the real bound (128 MiB) is exercised by reliability/test-hostile.py */
    rd_document *d = read_mem("bomb.docx", zipped, zl, &o, &rc, err, sizeof err);
    CHECK(rc == RD_ERR_LIMIT && !d && strstr(err, "zip bomb"), "bomb: %d %s", rc, err);
    CHECK(time(NULL) - t0 < 10, "bomb refused quickly");
    free(zipped);
}

static void test_docx_entity_bomb_is_refused(void)
{
    const char *xml = "<?xml version=\"1.0\"?><!DOCTYPE w:document [<!ENTITY a \"aaaaaaaaaa\">"
                      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
                      "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
                      "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">]>"
                      "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
                      "<w:body><w:p><w:r><w:t>&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;</w:t></w:r></w:p></w:body></w:document>";
    const char *names[] = {"word/document.xml", "content.xml"};
    const char *contents[] = {xml, xml};
    size_t lens[] = {strlen(xml), strlen(xml)}, zl = 0;
    char *zipped = make_zip(2, names, contents, lens, &zl);
    int rc;
    char err[512];
    rd_document *d = read_mem("laughs.docx", zipped, zl, NULL, &rc, err, sizeof err);
    CHECK(rc == RD_ERR_LIMIT && !d && strstr(err, "document type declaration"), "docx entity bomb: %d %s", rc, err);
    d = read_mem("laughs.odt", zipped, zl, NULL, &rc, err, sizeof err);
    CHECK(rc == RD_ERR_LIMIT && !d && strstr(err, "document type declaration"), "odt entity bomb: %d %s", rc, err);
    free(zipped);
}

static void test_docx_paragraph_over_libxml2_text_limit_is_read(void)
{
    /* 12 MB in one w:t: past libxml2's 10 MB cap on a text run without XML_PARSE_HUGE */
    size_t words = 1500000, wl = strlen("hợp tác ");
    const char *tail = "</w:t></w:r></w:p></w:body></w:document>";
    size_t hl = strlen(DOCX_HEAD "<w:p><w:r><w:t>"), len = hl + words * wl + strlen(tail);
    char *xml = malloc(len);
    if (!xml)
        return;
    memcpy(xml, DOCX_HEAD "<w:p><w:r><w:t>", hl);
    for (size_t i = 0; i < words; i++)
        memcpy(xml + hl + i * wl, "hợp tác ", wl);
    memcpy(xml + hl + words * wl, tail, strlen(tail));
    const char *names[] = {"word/document.xml"};
    const char *contents[] = {xml};
    size_t lens[] = {len}, zl = 0;
    char *zipped = make_zip(1, names, contents, lens, &zl);
    free(xml);
    int rc;
    char err[512];
    rd_document *d = read_mem("long.docx", zipped, zl, NULL, &rc, err, sizeof err);
    CHECK(rc == RD_OK && d && d->count == 1 && d->blocks[0].len == words * wl - 1, "long paragraph: %d %s %zu", rc,
          err, d && d->count ? d->blocks[0].len : 0);
    rd_document_free(d);
    free(zipped);
}

static void test_truncated_and_renamed_files_fail_cleanly(void)
{
    static const char *const fixtures[] = {"dossier.docx", "dossier.odt", "dossier.pdf"};
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, fixtures[i]);
        size_t len = 0;
        char *data = slurp(path, &len);
        if (!data)
            continue;
        int rc;
        char err[512] = "";
        rd_document *d = read_mem(fixtures[i], data, len / 2, NULL, &rc, err, sizeof err);
        CHECK(!d && rc == RD_ERR_DAMAGED && err[0] && !strchr(err, '\n'), "%s cut in half: %d %s", fixtures[i], rc,
              err);
        free(data);
    }
    /* an executable under every name we read */
    char elf[4096];
    for (size_t i = 0; i < sizeof elf; i++)
        elf[i] = (char)(i * 37 % 251);
    memcpy(elf, "\x7f" "ELF\x02\x01\x01", 7);
    static const char *const names[] = {"x.txt", "x.docx", "x.odt", "x.pdf", "x.html", "x.rtf", "x.doc"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int rc;
        char err[512] = "";
        rd_document *d = read_mem(names[i], elf, sizeof elf, NULL, &rc, err, sizeof err);
        CHECK(!d && rc < 0 && err[0] && !strchr(err, '\n'), "renamed binary %s: %d %s", names[i], rc, err);
    }
}

/* ---------------------------------------------------------------- pdf */

static void test_pdf_encrypted_and_scanned(void)
{
    char path[1024];
    size_t len = 0;
    int rc;
    char err[512];
    snprintf(path, sizeof path, "%s/encrypted.pdf", dir);
    char *data = slurp(path, &len);
    rd_document *d = data ? read_mem("encrypted.pdf", data, len, NULL, &rc, err, sizeof err) : NULL;
    CHECK(data && !d && rc == RD_ERR_ENCRYPTED && strstr(err, "encrypted"), "encrypted: %s", err);
    free(data);
    snprintf(path, sizeof path, "%s/scanned.pdf", dir);
    data = slurp(path, &len);
    d = data ? read_mem("scanned.pdf", data, len, NULL, &rc, err, sizeof err) : NULL;
    CHECK(data && !d && rc == RD_ERR_NO_TEXT && strstr(err, "no text layer: scanned?"), "scanned: %s", err);
    free(data);
}

static void test_pdf_lines_rejoined_and_hyphenation_undone_but_compounds_kept(void)
{
    /* hyphens.pdf: a 6 cm column, English broken at soft hyphens, Vietnamese
     * names broken at their own hyphens (make-fixtures.py HYPHENS) */
    rd_document *d = read_fixture("hyphens.pdf");
    CHECK(d && d->count == 2, "two paragraphs, got %zu", d ? d->count : 0);
    if (d && d->count == 2) {
        CHECK(!strcmp(d->blocks[0].text, "The GMS Ministerial Conference internationally acknowledged the "
                                         "infrastructure commitments of the Ayeyawady-Chao Phraya-Mekong partnerships."),
              "English: %s", d->blocks[0].text);
        CHECK(!strcmp(d->blocks[1].text, "Các nước Cam-pu-chia, Lào, Mi-an-ma, Thái Lan và Việt Nam hợp tác với "
                                         "Tô-ki-ô, Viên-chăn và Băng-cốc trong khuôn khổ Mê Công - Nhật Bản."),
              "Vietnamese: %s", d->blocks[1].text);
        CHECK(d->blocks[0].page == 1 && d->pages == 1, "page 1 of 1");
    }
    rd_document_free(d);
}

/* --------------------------------------------------------- converters */

static void test_missing_converter_names_the_package(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/dossier.doc", dir);
    size_t len = 0;
    char *data = slurp(path, &len);
    rd_options o = {.converter_path = "/nonexistent"};
    rd_document *d = NULL;
    char err[512];
    int rc = rd_read(path, data, len, RD_FORMAT_DOC, &o, &d, err, sizeof err);
    CHECK(rc == RD_ERR_NO_CONVERTER && strstr(err, "apt-get install antiword"), "doc: %s", err);
    free(data);
    snprintf(path, sizeof path, "%s/dossier.rtf", dir);
    data = slurp(path, &len);
    rc = rd_read(path, data, len, RD_FORMAT_RTF, &o, &d, err, sizeof err);
    CHECK(rc == RD_ERR_NO_CONVERTER && strstr(err, "apt-get install unrtf"), "rtf: %s", err);
    free(data);
    CHECK(!strcmp(rd_converter_package(RD_FORMAT_DOC), "antiword") && !rd_converter_package(RD_FORMAT_DOCX),
          "converter packages");
}

static void test_stuck_converter_is_killed(void)
{
    char bin[] = "/tmp/vnsearch-readers-XXXXXX";
    if (!mkdtemp(bin))
        return;
    char script[1100];
    snprintf(script, sizeof script, "%s/antiword", bin);
    FILE *fp = fopen(script, "w");
    if (!fp)
        return;
    fputs("#!/bin/sh\nsleep 30\n", fp);
    fclose(fp);
    chmod(script, 0755);
    rd_options o = {.converter_path = bin, .timeout_s = 1};
    rd_document *d = NULL;
    char err[512];
    time_t t0 = time(NULL);
    int rc = rd_read(NULL, "\xd0\xcf\x11\xe0", 4, RD_FORMAT_DOC, &o, &d, err, sizeof err);
    CHECK(rc == RD_ERR_CONVERTER && strstr(err, "took more than 1 s"), "stuck converter: %s", err);
    CHECK(time(NULL) - t0 < 5, "killed within the limit");
    unlink(script);
    rmdir(bin);
}

static void test_format_of_names(void)
{
    CHECK(rd_format_of("a/B.DOCX") == RD_FORMAT_DOCX && rd_format_of("x.htm") == RD_FORMAT_HTML &&
              rd_format_of("x.tar.gz") == RD_FORMAT_NONE && rd_format_of(".txt") == RD_FORMAT_NONE &&
              rd_format_of("dir.pdf/file") == RD_FORMAT_NONE && rd_format_of("Báo cáo.Pdf") == RD_FORMAT_PDF,
          "formats by extension");
    CHECK(rd_format_of("scan.PNG") == RD_FORMAT_PNG && rd_format_of("a.jpg") == RD_FORMAT_JPEG &&
              rd_format_of("a.jpeg") == RD_FORMAT_JPEG && rd_format_of("a.tif") == RD_FORMAT_TIFF &&
              rd_format_of("a.TIFF") == RD_FORMAT_TIFF,
          "pictures by extension");
}

/* ------------------------------------------------------------------ OCR */

/* The small scans kept as the image fuzzer's regressions. */
static char *slurp_image(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/../../fuzz/regressions/image/%s", dir, name);
    char *data = slurp(path, len);
    CHECK(data != NULL, "cannot read %s", path);
    return data;
}

/* 1 if Tesseract's Vietnamese model is there; else says SKIP (a failure under CI=1). */
static int have_model(const char *test)
{
    const char *prefix = getenv("TESSDATA_PREFIX");
    char path[1024];
    snprintf(path, sizeof path, "%s/vie.traineddata", prefix && *prefix ? prefix : "/usr/share/tesseract-ocr/5/tessdata");
    if (access(path, R_OK) == 0)
        return 1;
    CHECK(!getenv("CI"), "%s: %s missing (package tesseract-ocr-vie)", test, path);
    printf("SKIP %s: %s missing (package tesseract-ocr-vie)\n", test, path);
    return 0;
}

static void test_ocr_picture_is_a_flagged_paragraph_of_its_page(void)
{
    if (!have_model(__func__))
        return;
    size_t len = 0;
    char *data = slurp_image("small-scan-reads-as-a-paragraph.png", &len);
    int rc;
    char err[512];
    rd_document *d = data ? read_mem("scan.png", data, len, NULL, &rc, err, sizeof err) : NULL;
    CHECK(d && d->count == 1 && d->ocr_pages == 1 && d->pages == 1, "one paragraph: %s", err);
    if (d && d->count == 1) {
        const rd_block *b = &d->blocks[0];
        CHECK(b->kind == RD_PARAGRAPH && (b->flags & RD_FLAG_OCR) && b->confidence > 0 && b->confidence <= 100 &&
                  b->page == 1,
              "flags %u confidence %d page %u", b->flags, b->confidence, b->page);
        CHECK(strstr(b->text, "Mê Công") && strstr(b->text, "Hội nghị Bộ trưởng"), "text: %s", b->text);
    }
    rd_document_free(d);
    free(data);
    data = slurp_image("two-page-tiff-gives-two-pages.tif", &len);
    d = data ? read_mem("scan.tif", data, len, NULL, &rc, err, sizeof err) : NULL;
    CHECK(d && d->count == 2 && d->pages == 2 && d->blocks[0].page == 1 && d->blocks[1].page == 2,
          "two pages: %s", err);
    rd_document_free(d);
    free(data);
}

static void test_ocr_cache_gives_the_page_back_without_reading_it(void)
{
    if (!have_model(__func__))
        return;
    char cache[] = "/tmp/vnsearch-ocr-cache-XXXXXX";
    CHECK(mkdtemp(cache) != NULL, "mkdtemp");
    size_t len = 0;
    char *data = slurp_image("small-scan-as-jpeg.jpg", &len);
    rd_options o = {.ocr_cache_dir = cache, .ocr_cache_key = "0123abcd"};
    int rc;
    char err[512];
    rd_document *a = data ? read_mem("scan.jpg", data, len, &o, &rc, err, sizeof err) : NULL;
    rd_document *b = data ? read_mem("scan.jpg", data, len, &o, &rc, err, sizeof err) : NULL;
    CHECK(a && a->ocr_pages == 1 && a->ocr_cached == 0, "first read: OCR");
    CHECK(b && b->ocr_pages == 0 && b->ocr_cached == 1, "second read: the cache");
    CHECK(a && b && a->count == 1 && b->count == 1 && !strcmp(a->blocks[0].text, b->blocks[0].text) &&
              a->blocks[0].confidence == b->blocks[0].confidence && (b->blocks[0].flags & RD_FLAG_OCR),
          "the same paragraph, flagged, with its confidence");
    rd_document_free(a);
    rd_document_free(b);
    free(data);
    char path[1100];
    snprintf(path, sizeof path, "%s/0123abcd-p1.txt", cache);
    CHECK(unlink(path) == 0, "the page's cache file %s", path);
    CHECK(rmdir(cache) == 0, "nothing else in the cache (no temporary file left)");
}

/* Page jobs kept in a list: run by a helper thread as they come, or only
 * once the file is read (a pool too busy to take them), or refused. */
typedef struct fake_jobs {
    pthread_mutex_t lock;
    void (*run[16])(void *);
    void *arg[16];
    size_t count, ran;
    int refuse, helper_done;
    long planned;
    unsigned taken;
    unsigned read_by_helper;
    pthread_t reader;
} fake_jobs;

static int fake_offer(void *ctx, void (*run)(void *), void *arg)
{
    fake_jobs *f = ctx;
    if (f->refuse || f->count == 16)
        return 0;
    pthread_mutex_lock(&f->lock);
    f->run[f->count] = run;
    f->arg[f->count++] = arg;
    pthread_mutex_unlock(&f->lock);
    return 1;
}

static void fake_planned(void *ctx, long pages)
{
    ((fake_jobs *)ctx)->planned += pages;
}

static void fake_page_done(void *ctx, unsigned pno)
{
    fake_jobs *f = ctx;
    CHECK(pno == f->taken + 1, "pages taken in order: %u after %u", pno, f->taken);
    f->taken = pno;
}

static void fake_page_read(void *ctx, unsigned pno)
{
    fake_jobs *f = ctx;
    (void)pno;
    pthread_mutex_lock(&f->lock);
    f->read_by_helper += !pthread_equal(pthread_self(), f->reader);
    pthread_mutex_unlock(&f->lock);
}

/* Runs queued jobs until told to stop (then runs what is left). */
static void *fake_helper(void *arg)
{
    fake_jobs *f = arg;
    for (;;) {
        pthread_mutex_lock(&f->lock);
        int stop = f->helper_done;
        void (*run)(void *) = f->ran < f->count ? f->run[f->ran] : NULL;
        void *a = run ? f->arg[f->ran++] : NULL;
        pthread_mutex_unlock(&f->lock);
        if (run)
            run(a);
        else if (stop)
            return NULL;
        else
            usleep(1000);
    }
}

static int same_blocks(const rd_document *a, const rd_document *b)
{
    if (!a || !b || a->count != b->count || a->ocr_pages != b->ocr_pages || a->nwarnings != b->nwarnings)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->blocks[i].text, b->blocks[i].text) || a->blocks[i].page != b->blocks[i].page ||
            a->blocks[i].confidence != b->blocks[i].confidence || a->blocks[i].flags != b->blocks[i].flags)
            return 0;
    return 1;
}

static void test_ocr_pages_read_ahead_by_other_threads_give_the_same_document(void)
{
    if (!have_model(__func__))
        return;
    size_t len = 0;
    char *data = slurp_image("two-page-tiff-gives-two-pages.tif", &len);
    if (!data)
        return;
    int rc;
    char err[512];
    rd_document *alone = read_mem("scan.tif", data, len, NULL, &rc, err, sizeof err);
    CHECK(alone && alone->count == 2, "two pages alone: %s", err);
    for (int mode = 0; mode < 3; mode++) { /* 0: a helper thread; 1: jobs run after the file; 2: refused */
        fake_jobs f = {.refuse = mode == 2, .reader = pthread_self()};
        pthread_mutex_init(&f.lock, NULL);
        rd_page_jobs jobs = {.width = 2, .offer = fake_offer, .planned = fake_planned, .page_done = fake_page_done,
                             .page_read = fake_page_read, .ctx = &f};
        rd_options o = {.page_jobs = &jobs};
        pthread_t helper;
        int threaded = mode == 0 && pthread_create(&helper, NULL, fake_helper, &f) == 0;
        char *copy = malloc(len);
        memcpy(copy, data, len);
        rd_document *d = read_mem("scan.tif", copy, len, &o, &rc, err, sizeof err);
        free(copy); /* a job left queued must not read the file's bytes any more */
        if (threaded) {
            pthread_mutex_lock(&f.lock);
            f.helper_done = 1;
            pthread_mutex_unlock(&f.lock);
            pthread_join(helper, NULL);
        }
        for (size_t i = f.ran; i < f.count; i++)
            f.run[i](f.arg[i]);
        CHECK(same_blocks(alone, d), "mode %d: the same blocks as read alone: %s", mode, err);
        CHECK(f.planned == 2 && f.taken == 2, "mode %d: 2 pages planned (%ld) and taken (%u)", mode, f.planned,
              f.taken);
        CHECK(mode == 0 || f.read_by_helper == 0, "mode %d: %u pages read by another thread", mode,
              f.read_by_helper);
        CHECK(mode != 2 || f.count == 0, "refused: nothing queued");
        CHECK(mode == 2 || f.count >= 1, "mode %d: page 2 offered", mode);
        rd_document_free(d);
        pthread_mutex_destroy(&f.lock);
    }
    rd_document_free(alone);
    free(data);
}

static void test_ocr_off_or_without_its_model_says_so(void)
{
    size_t len = 0;
    char *data = slurp_image("small-scan-reads-as-a-paragraph.png", &len);
    int rc;
    char err[512];
    rd_options off = {.no_ocr = 1};
    rd_document *d = data ? read_mem("scan.png", data, len, &off, &rc, err, sizeof err) : NULL;
    CHECK(!d && rc == RD_ERR_NO_TEXT && strstr(err, "--no-ocr"), "--no-ocr: %s", err);
    const char *old = getenv("TESSDATA_PREFIX");
    char *saved = old ? strdup(old) : NULL;
    setenv("TESSDATA_PREFIX", "/nonexistent-tessdata", 1);
    d = data ? read_mem("scan.png", data, len, NULL, &rc, err, sizeof err) : NULL;
    CHECK(!d && rc == RD_ERR_NO_OCR_MODEL && strstr(err, "install tesseract-ocr-vie"), "no model: %s", err);
    if (saved)
        setenv("TESSDATA_PREFIX", saved, 1);
    else
        unsetenv("TESSDATA_PREFIX");
    free(saved);
    free(data);
    data = slurp_image("huge-dimensions-refused-from-the-header.png", &len);
    d = data ? read_mem("huge.png", data, len, NULL, &rc, err, sizeof err) : NULL;
    CHECK(!d && rc == RD_ERR_LIMIT && strstr(err, "100000 x 100000"), "huge: %s", err);
    free(data);
}

static void test_name_document_is_the_names_words(void)
{
    rd_document *d = NULL;
    CHECK(rd_name_document("hồ sơ/Biên_bản-họp.2024.png", RD_FORMAT_PNG, &d) == RD_OK && d && d->count == 1 &&
              !strcmp(d->blocks[0].text, "Biên bản họp 2024"),
          "name: %s", d && d->count ? d->blocks[0].text : "(none)");
    rd_document_free(d);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s tests/data/formats\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    rd_ocr_enable();
    RUN(test_format_of_names);
    RUN(test_docx_libreoffice);
    RUN(test_docx_pandoc);
    RUN(test_odt_libreoffice);
    RUN(test_odt_pandoc);
    RUN(test_html_pandoc);
    RUN(test_pdf_libreoffice);
    RUN(test_doc_antiword);
    RUN(test_rtf_unrtf);
    RUN(test_every_format_gives_the_txt_paragraphs);
    RUN(test_txt_keeps_word_export_heuristics);
    RUN(test_html_skips_scripts_styles_nav_and_decodes_entities);
    RUN(test_html_declared_charset_honoured);
    RUN(test_html_word_footnotes_linked);
    RUN(test_docx_zip_bomb_is_refused_within_bounds);
    RUN(test_docx_entity_bomb_is_refused);
    RUN(test_docx_paragraph_over_libxml2_text_limit_is_read);
    RUN(test_truncated_and_renamed_files_fail_cleanly);
    RUN(test_pdf_encrypted_and_scanned);
    RUN(test_pdf_lines_rejoined_and_hyphenation_undone_but_compounds_kept);
    RUN(test_missing_converter_names_the_package);
    RUN(test_stuck_converter_is_killed);
    RUN(test_ocr_picture_is_a_flagged_paragraph_of_its_page);
    RUN(test_ocr_cache_gives_the_page_back_without_reading_it);
    RUN(test_ocr_pages_read_ahead_by_other_threads_give_the_same_document);
    RUN(test_ocr_off_or_without_its_model_says_so);
    RUN(test_name_document_is_the_names_words);
    return check_summary("readers");
}
