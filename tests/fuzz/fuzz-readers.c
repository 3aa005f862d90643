/*
 * Fuzz harness for one reader, chosen at build time by FUZZ_FORMAT
 * (tests/fuzz/meson.build builds it once per format: fuzz-txt, fuzz-docx,
 * ...).  What each one is given:
 *   txt, pdf, html: the file's bytes;
 *   docx, odt: the first byte picks: even, the rest is the file's bytes
 *     (zip and all); odd, the rest is XML, put in a fresh zip as every part
 *     the reader opens (document.xml, styles.xml, footnotes.xml, endnotes.xml,
 *     content.xml), so the fuzzer works on our XML handling rather than on
 *     CRCs;
 *   doc, rtf: what their converter writes (antiword's text, unrtf's HTML),
 *     since the converter itself is another project's program;
 *   image: a picture's bytes (PNG, JPEG, TIFF: leptonica tells them apart),
 *     through the OCR entry point, with small page and pixel limits so
 *     that an input costs a second, not a minute (no cache).  Without
 *     Tesseract's model the harness still covers decoding up to the model
 *     check.
 * Checks the promises of readers.h: a status with a one-line message, or
 * blocks whose text is valid NUL-terminated UTF-8 of the stated length on
 * one line, heading levels 1-9, headings pointing backwards, notes numbered,
 * ordinals that never go down.
 */
#include <string.h>
#include <zip.h>

#include "fuzz.h"
#include "internal.h"
#include "readers.h"

#ifndef FUZZ_FORMAT /* FUZZ_FORMAT=RD_FORMAT_X for the calls, FUZZ_X for the #ifs */
#define FUZZ_FORMAT RD_FORMAT_TXT
#define FUZZ_TXT
#endif

static void check_document(const rd_document *d)
{
    size_t last_ordinal = 0;
    for (size_t i = 0; i < d->count; i++) {
        const rd_block *b = &d->blocks[i];
        FUZZ_CHECK(b->text && strlen(b->text) == b->len, "block %zu: length", i);
        FUZZ_CHECK(fuzz_valid_utf8(b->text, b->len), "block %zu: not UTF-8", i);
        FUZZ_CHECK(!memchr(b->text, '\n', b->len), "block %zu: a newline in the text", i);
        FUZZ_CHECK(b->kind <= RD_BREAK, "block %zu: kind %d", i, (int)b->kind);
        FUZZ_CHECK(b->kind != RD_HEADING || (b->level >= 1 && b->level <= 9 && b->len > 0), "block %zu: level %d",
                   i, b->level);
        FUZZ_CHECK(b->heading < (long)i && b->heading >= -1, "block %zu: heading %ld", i, b->heading);
        FUZZ_CHECK(b->heading < 0 || d->blocks[b->heading].kind == RD_HEADING, "block %zu: heading kind", i);
        FUZZ_CHECK(b->kind != RD_NOTE || b->ncites == 0, "block %zu: a note citing", i);
        FUZZ_CHECK(b->ordinal >= last_ordinal, "block %zu: ordinal %zu after %zu", i, b->ordinal, last_ordinal);
        FUZZ_CHECK(b->line <= b->end_line, "block %zu: lines %zu-%zu", i, b->line, b->end_line);
        last_ordinal = b->ordinal;
        char path[256];
        size_t n = rd_heading_path(d, i, path, sizeof path);
        FUZZ_CHECK(n < sizeof path && strlen(path) == n && fuzz_valid_utf8(path, n), "block %zu: heading path", i);
    }
    for (size_t i = 0; i < d->nwarnings; i++)
        FUZZ_CHECK(d->warnings[i].text && !strchr(d->warnings[i].text, '\n'), "warning %zu", i);
}

static void check_result(int rc, rd_document *d, const char *err)
{
    if (rc == RD_OK) {
        FUZZ_CHECK(d != NULL, "RD_OK without a document");
        check_document(d);
    } else {
        FUZZ_CHECK(d == NULL, "an error with a document");
        FUZZ_CHECK(rc >= RD_ERR_NO_OCR_MODEL && rc < 0, "status %d", rc);
        FUZZ_CHECK(!strchr(err, '\n'), "a message of several lines: %s", err);
    }
    rd_document_free(d);
}

#if defined FUZZ_DOCX || defined FUZZ_ODT
/* The XML as every part a reader opens, in a zip stored without compression. */
static char *wrap_in_zip(const char *xml, size_t len, size_t *out_len)
{
    static const char *const parts[] = {"word/document.xml", "word/styles.xml", "word/footnotes.xml",
                                        "word/endnotes.xml", "content.xml"};
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    char *buf = NULL;
    if (!src)
        return NULL;
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    for (size_t i = 0; za && i < sizeof parts / sizeof parts[0]; i++) {
        zip_source_t *s = zip_source_buffer(za, xml, len, 0);
        zip_int64_t idx = s ? zip_file_add(za, parts[i], s, 0) : -1;
        if (idx >= 0)
            zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    }
    if (za && zip_close(za) == 0 && zip_source_open(src) == 0) {
        zip_source_seek(src, 0, SEEK_END);
        zip_int64_t size = zip_source_tell(src);
        zip_source_seek(src, 0, SEEK_SET);
        buf = size >= 0 ? malloc((size_t)size + 1) : NULL;
        *out_len = buf ? (size_t)zip_source_read(src, buf, (zip_uint64_t)size) : 0;
        zip_source_close(src);
    } else if (za) {
        zip_discard(za);
    }
    zip_source_free(src);
    zip_error_fini(&ze);
    return buf;
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    rd_ocr_enable(); /* scanned PDF pages and pictures are read as vnindex reads them */
    rd_options o = {.max_bytes = (size_t)16 << 20, .timeout_s = 20, .ocr_page_timeout_s = 5, .ocr_max_pages = 2,
                    .ocr_max_page_pixels = 1000000, .ocr_max_file_pixels = 2000000};
    rd_document *d = NULL;
    char err[512] = "";
    int rc;
#if defined FUZZ_DOC || defined FUZZ_RTF
    rc = rd_read_output(FUZZ_FORMAT, in, size, &o, &d, err, sizeof err);
#elif defined FUZZ_DOCX || defined FUZZ_ODT
    if (size == 0)
        return 0;
    if (data[0] & 1) {
        size_t zl = 0;
        char *zipped = wrap_in_zip(in + 1, size - 1, &zl);
        if (!zipped)
            return 0;
        rc = rd_read(NULL, zipped, zl, FUZZ_FORMAT, &o, &d, err, sizeof err);
        free(zipped);
    } else {
        rc = rd_read(NULL, in + 1, size - 1, FUZZ_FORMAT, &o, &d, err, sizeof err);
    }
#else
    rc = rd_read(NULL, in, size, FUZZ_FORMAT, &o, &d, err, sizeof err);
#endif
    check_result(rc, d, err);
    return 0;
}
