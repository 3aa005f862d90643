/*
 * The document every reader builds (see readers.h), and rd_read(), which
 * picks the reader for a format.
 *
 * Readers only say "this text, then end a paragraph (or heading, or cell)";
 * the builder here does what all of them would otherwise repeat: collapse
 * whitespace, drop control characters and invalid UTF-8, number blocks in
 * reading order, remember the heading each block sits under, and enforce
 * the text and time budget.
 */
#include <libxml/parser.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

#include "internal.h"
#include "vntext.h"

/* ---------------------------------------------------------------- text */

static int buf_reserve(rd_buf *b, size_t more)
{
    if (b->failed)
        return -1;
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc(b->s, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->s = p;
    b->cap = cap;
    return 0;
}

void rd_buf_append(rd_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void rd_buf_putc(rd_buf *b, char c)
{
    rd_buf_append(b, &c, 1);
}

void rd_buf_free(rd_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------- builder */

/* A block this long is worth a warning: its passages will all cite one
 * place. */
#define RD_GIANT_BLOCK ((size_t)1 << 20)

typedef struct doc_private {
    size_t blocks_cap, warnings_cap;
    long last_heading;
} doc_private;

void rb_init(rd_builder *b, rd_document *doc, const rd_options *o)
{
    memset(b, 0, sizeof *b);
    b->doc = doc;
    for (size_t i = 0; i < sizeof b->heading_at / sizeof b->heading_at[0]; i++)
        b->heading_at[i] = -1;
    b->text_limit = (o && o->max_bytes ? o->max_bytes : RD_DEFAULT_MAX_BYTES) / 2;
    unsigned t = o && o->timeout_s ? o->timeout_s : RD_DEFAULT_TIMEOUT;
    b->deadline = time(NULL) + (time_t)t;
}

int rb_late(const rd_builder *b)
{
    return b->deadline && time(NULL) > b->deadline;
}

int rb_full(const rd_builder *b)
{
    return b->limit_hit || b->blocks_hit;
}

int rb_status(const rd_builder *b)
{
    return b->failed || b->text.failed ? RD_ERR_NOMEM : RD_OK;
}

/* One UTF-8 sequence at s: its length and code point, or 0 if invalid. */
static int utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0], v, min;
    int k;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        k = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)k > n)
        return 0;
    for (int i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return k;
}

void rb_text(rd_builder *b, const char *s, size_t n)
{
    if (b->limit_hit || b->blocks_hit || !s)
        return;
    if (b->text_total + n > b->text_limit) {
        b->limit_hit = 1;
        n = b->text_limit - b->text_total;
    }
    b->text_total += n;
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* start of the pending run of characters kept as they are */
    for (size_t i = 0; i < n;) {
        if (p[i] > 0x20 && p[i] < 0x7F) { /* plain ASCII: part of the run, no decoding */
            if (b->space) {
                if (b->text.len)
                    rd_buf_putc(&b->text, ' ');
                b->space = 0;
                run = i;
            }
            i++;
            continue;
        }
        rd_buf_append(&b->text, s + run, i - run); /* the run so far */
        unsigned cp;
        int k = utf8_seq(p + i, n - i, &cp), invalid = k == 0;
        if (invalid) { /* invalid UTF-8 from a converter: U+FFFD */
            cp = 0xFFFD;
            k = 1;
        }
        int space = cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
                    cp == 0xA0 ||
                    (!b->verbatim && (cp == 0x2028 || cp == 0x2029 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A)));
        /* control characters, soft hyphens, byte order marks, zero widths: nothing to read */
        int skip = !space && !b->verbatim &&
                   (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0xAD || cp == 0xFEFF || cp == 0x200B);
        if (space)
            b->space = 1;
        if (!space && !skip) {
            if (b->space && b->text.len)
                rd_buf_putc(&b->text, ' ');
            b->space = 0;
            if (invalid)
                rd_buf_append(&b->text, "\xEF\xBF\xBD", 3);
            else
                rd_buf_append(&b->text, s + i, (size_t)k);
        }
        i += (size_t)k;
        run = i;
    }
    rd_buf_append(&b->text, s + run, n - run);
}

void rb_cite(rd_builder *b, int note)
{
    if (b->ncites == b->cites_cap) {
        size_t cap = b->cites_cap ? b->cites_cap * 2 : 8;
        int *p = realloc(b->cites, cap * sizeof *p);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->cites = p;
        b->cites_cap = cap;
    }
    b->cites[b->ncites++] = note;
}

int rb_has_text(const rd_builder *b)
{
    return b->text.len > 0;
}

void rb_discard(rd_builder *b)
{
    b->text.len = 0;
    if (b->text.s)
        b->text.s[0] = '\0';
    b->space = 0;
    b->ncites = 0;
}

rd_block *rb_end(rd_builder *b, rd_kind kind, int level)
{
    rd_document *d = b->doc;
    doc_private *dp = d->private_;
    int keep = b->text.len > 0 || kind == RD_BREAK || kind == RD_TABLE_CELL;
    if (keep && d->count >= RD_MAX_BLOCKS)
        b->blocks_hit = 1;
    if (!keep || b->failed || b->blocks_hit) {
        rb_discard(b);
        return NULL;
    }
    if (d->count == dp->blocks_cap) {
        size_t cap = dp->blocks_cap ? dp->blocks_cap * 2 : 64;
        rd_block *p = realloc(d->blocks, cap * sizeof *p);
        if (!p) {
            b->failed = 1;
            rb_discard(b);
            return NULL;
        }
        d->blocks = p;
        dp->blocks_cap = cap;
    }
    rd_block *blk = &d->blocks[d->count];
    memset(blk, 0, sizeof *blk);
    /* Combining marks (CP1258 through iconv, NFD from a Mac): composed, so
     * every reader's text is NFC. */
    int combining = 0;
    for (size_t i = 0; !b->verbatim && i + 1 < b->text.len && !combining; i++)
        combining = ((unsigned char)b->text.s[i] == 0xCC || (unsigned char)b->text.s[i] == 0xCD);
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t nl = combining ? utf8proc_map((const utf8proc_uint8_t *)b->text.s,
                                                   (utf8proc_ssize_t)b->text.len, &nfc,
                                                   (utf8proc_option_t)(UTF8PROC_COMPOSE | UTF8PROC_STABLE))
                                    : -1;
    if (nl >= 0) {
        blk->text = (char *)nfc;
        blk->len = (size_t)nl;
    } else {
        blk->text = malloc(b->text.len + 1);
        if (!blk->text) {
            b->failed = 1;
            rb_discard(b);
            return NULL;
        }
        memcpy(blk->text, b->text.s ? b->text.s : "", b->text.len);
        blk->text[b->text.len] = '\0';
        blk->len = b->text.len;
    }
    blk->kind = kind;
    blk->level = level;
    if (b->ncites && kind != RD_NOTE) {
        blk->cites = malloc(b->ncites * sizeof *blk->cites);
        if (blk->cites) {
            memcpy(blk->cites, b->cites, b->ncites * sizeof *blk->cites);
            blk->ncites = b->ncites;
        } else {
            b->failed = 1;
        }
    }
    blk->line = b->line;
    blk->end_line = b->end_line ? b->end_line : b->line;
    blk->page = b->page;
    blk->flags = b->flags;
    blk->confidence = b->flags & RD_FLAG_OCR ? b->confidence : 0;
    blk->ordinal = kind == RD_NOTE ? b->ordinal : ++b->ordinal;
    long idx = (long)d->count;
    if (!b->verbatim && blk->len > RD_GIANT_BLOCK) /* text files say it per line (txt.c) */
        rb_warn(b, 0, _("a paragraph of %.1f MB with no break; indexed in pieces"), (double)blk->len / 1e6);
    if (kind == RD_HEADING) {
        if (level < 1)
            level = blk->level = 1;
        if (level > 9)
            level = blk->level = 9;
        blk->heading = -1;
        for (int l = level - 1; l >= 1; l--)
            if (b->heading_at[l] >= 0) {
                blk->heading = b->heading_at[l];
                break;
            }
        b->heading_at[level] = idx;
        for (int l = level + 1; l <= 9; l++)
            b->heading_at[l] = -1;
        dp->last_heading = idx;
    } else {
        blk->heading = dp->last_heading;
    }
    d->count++;
    b->flags = 0;
    rb_discard(b);
    return blk;
}

void rb_end_cell(rd_builder *b, unsigned table, unsigned row, unsigned col)
{
    rd_block *blk = rb_end(b, RD_TABLE_CELL, 0);
    if (blk) {
        blk->table = table;
        blk->row = row;
        blk->col = col;
    }
}

void rb_end_row(rd_builder *b, unsigned table, unsigned row)
{
    for (size_t i = b->doc->count; i-- > 0;) {
        rd_block *blk = &b->doc->blocks[i];
        if (blk->kind == RD_TABLE_CELL) {
            if (blk->table == table && blk->row == row)
                blk->row_end = 1;
            return;
        }
    }
}

int rd_decode_text(const char *data, size_t len, char **text, size_t *n, vn_decode_report *rep, char *err,
                   size_t errcap)
{
    int rc = vn_decode(data, len, text, n, rep);
    if (rc == VN_OK)
        return RD_OK;
    /* vntext's words for it ("not a text file", ...), in the user's language */
    snprintf(err, errcap, "%s", rc == VN_ERR_BINARY     ? _("not a text file")
                                : rc == VN_ERR_NOMEM    ? _("out of memory")
                                : rc == VN_ERR_ENCODING ? _("text encoding could not be converted")
                                                        : vn_errmsg(rc));
    return rc == VN_ERR_BINARY ? RD_ERR_BINARY : rc == VN_ERR_NOMEM ? RD_ERR_NOMEM : RD_ERR_DAMAGED;
}

/* `always`: a limit's warning, said even after the 100 others. */
static void add_warning(rd_builder *b, size_t line, int always, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

void rb_warn(rd_builder *b, size_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_warning(b, line, 0, fmt, ap);
    va_end(ap);
}

static void rb_warn_limit(rd_builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rb_warn_limit(rd_builder *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_warning(b, 0, 1, fmt, ap);
    va_end(ap);
}

static void add_warning(rd_builder *b, size_t line, int always, const char *fmt, va_list ap)
{
    rd_document *d = b->doc;
    doc_private *dp = d->private_;
    if (d->nwarnings >= 100 && !always) /* one file cannot flood the terminal */
        return;
    if (d->nwarnings == dp->warnings_cap) {
        size_t cap = dp->warnings_cap ? dp->warnings_cap * 2 : 8;
        rd_warning *p = realloc(d->warnings, cap * sizeof *p);
        if (!p) {
            b->failed = 1;
            return;
        }
        d->warnings = p;
        dp->warnings_cap = cap;
    }
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char *copy = strdup(msg);
    if (!copy) {
        b->failed = 1;
        return;
    }
    d->warnings[d->nwarnings++] = (rd_warning){line, copy};
}

/* ------------------------------------------------------------ formats */

static const struct {
    const char *ext;
    rd_format format;
} extensions[] = {
    {"txt", RD_FORMAT_TXT},   {"docx", RD_FORMAT_DOCX}, {"odt", RD_FORMAT_ODT}, {"pdf", RD_FORMAT_PDF},
    {"html", RD_FORMAT_HTML}, {"htm", RD_FORMAT_HTML},  {"doc", RD_FORMAT_DOC}, {"rtf", RD_FORMAT_RTF},
    {"png", RD_FORMAT_PNG},   {"jpg", RD_FORMAT_JPEG},  {"jpeg", RD_FORMAT_JPEG}, {"tif", RD_FORMAT_TIFF},
    {"tiff", RD_FORMAT_TIFF},
};

rd_format rd_format_of(const char *name)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    const char *slash = name ? strrchr(name, '/') : NULL;
    if (!dot || (slash && dot < slash) || dot == name || (slash && dot == slash + 1))
        return RD_FORMAT_NONE;
    for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++)
        if (strcasecmp(dot + 1, extensions[i].ext) == 0)
            return extensions[i].format;
    return RD_FORMAT_NONE;
}

const char *rd_format_name(rd_format f)
{
    switch (f) {
    case RD_FORMAT_TXT: return "txt";
    case RD_FORMAT_DOCX: return "docx";
    case RD_FORMAT_ODT: return "odt";
    case RD_FORMAT_PDF: return "pdf";
    case RD_FORMAT_HTML: return "html";
    case RD_FORMAT_DOC: return "doc";
    case RD_FORMAT_RTF: return "rtf";
    case RD_FORMAT_PNG: return "png";
    case RD_FORMAT_JPEG: return "jpeg";
    case RD_FORMAT_TIFF: return "tiff";
    case RD_FORMAT_NONE: break;
    }
    return "";
}

const char *rd_converter_program(rd_format f)
{
    return f == RD_FORMAT_DOC ? "antiword" : f == RD_FORMAT_RTF ? "unrtf" : NULL;
}

const char *rd_converter_package(rd_format f)
{
    return rd_converter_program(f); /* Debian's packages are named after the programs */
}

const char *rd_errmsg(int status)
{
    switch (status) {
    case RD_OK: return _("success");
    case RD_ERR_NOMEM: return _("out of memory");
    case RD_ERR_DAMAGED: return _("damaged file");
    case RD_ERR_LIMIT: return _("past a safety limit");
    case RD_ERR_ENCRYPTED: return _("encrypted");
    case RD_ERR_NO_TEXT: return _("no text");
    case RD_ERR_NO_CONVERTER: return _("converter not installed");
    case RD_ERR_CONVERTER: return _("converter failed");
    case RD_ERR_BINARY: return _("not a text file");
    case RD_ERR_UNSUPPORTED: return _("format not supported");
    case RD_ERR_NO_OCR_MODEL: return _("OCR model not installed");
    default: return _("unknown readers error");
    }
}

/* --------------------------------------------------------------- read */

void rd_document_free(rd_document *doc)
{
    if (!doc)
        return;
    for (size_t i = 0; i < doc->count; i++) {
        free(doc->blocks[i].text);
        free(doc->blocks[i].cites);
    }
    for (size_t i = 0; i < doc->nwarnings; i++)
        free(doc->warnings[i].text);
    free(doc->blocks);
    free(doc->warnings);
    free(doc->private_);
    free(doc);
}

static int parse_antiword(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b,
                          char *err, size_t errcap)
{
    (void)path;
    (void)o;
    (void)err;
    (void)errcap;
    return rd_parse_antiword(data, len, b);
}

static int parse_unrtf(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                       size_t errcap)
{
    (void)path;
    (void)o;
    return rd_parse_html(data, len, RD_HTML_UTF8 | RD_HTML_BR_BREAKS, b, err, errcap);
}

static int read_with(rd_reader_fn reader, const char *path, const char *data, size_t len, rd_format fmt,
                     const rd_options *o, rd_document **out, char *err, size_t errcap);

/* OCR's entry points, once a program has linked them in (rd_ocr_enable). */
static const rd_ocr_ops *ocr_ops;

void rd_ocr_register(const rd_ocr_ops *ops)
{
    ocr_ops = ops;
}

const rd_ocr_ops *rd_ocr_linked(void)
{
    return ocr_ops;
}

/* The PDF reader, once a program has linked it in (rd_pdf_enable). */
static rd_reader_fn pdf_reader;

void rd_pdf_register(rd_reader_fn reader)
{
    pdf_reader = reader;
}

static int read_pdf(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                    size_t errcap)
{
    if (!pdf_reader) {
        snprintf(err, errcap, "%s", _("a PDF, and this program does not read PDFs"));
        return RD_ERR_UNSUPPORTED;
    }
    return pdf_reader(path, data, len, o, b, err, errcap);
}

static int read_picture(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b,
                        char *err, size_t errcap)
{
    if (!ocr_ops) {
        snprintf(err, errcap, "%s", _("a picture, and this program does not read pictures (no OCR)"));
        return RD_ERR_UNSUPPORTED;
    }
    return ocr_ops->read_image(path, data, len, o, b, err, errcap);
}

int rd_read_output(rd_format fmt, const char *data, size_t len, const rd_options *o, rd_document **out, char *err,
                   size_t errcap)
{
    *out = NULL;
    if (fmt != RD_FORMAT_DOC && fmt != RD_FORMAT_RTF) {
        snprintf(err, errcap, "%s", _("no converter for this kind of file"));
        return RD_ERR_UNSUPPORTED;
    }
    return read_with(fmt == RD_FORMAT_DOC ? parse_antiword : parse_unrtf, NULL, data, len, fmt, o, out, err, errcap);
}

int rd_read(const char *path, const char *data, size_t len, rd_format fmt, const rd_options *o, rd_document **out,
            char *err, size_t errcap)
{
    static const rd_reader_fn readers[] = {
        [RD_FORMAT_TXT] = rd_read_txt, [RD_FORMAT_DOCX] = rd_read_docx, [RD_FORMAT_ODT] = rd_read_odt,
        [RD_FORMAT_PDF] = read_pdf, [RD_FORMAT_HTML] = rd_read_html, [RD_FORMAT_DOC] = rd_read_doc,
        [RD_FORMAT_RTF] = rd_read_rtf, [RD_FORMAT_PNG] = read_picture, [RD_FORMAT_JPEG] = read_picture,
        [RD_FORMAT_TIFF] = read_picture,
    };
    *out = NULL;
    if (errcap)
        err[0] = '\0';
    if ((unsigned)fmt >= sizeof readers / sizeof readers[0] || !readers[fmt]) {
        snprintf(err, errcap, "%s", _("no reader for this kind of file"));
        return RD_ERR_UNSUPPORTED;
    }
    return read_with(readers[fmt], path, data, len, fmt, o, out, err, errcap);
}

/* libxml2 wants its globals set up once, before threads use it. */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

static int read_with(rd_reader_fn reader, const char *path, const char *data, size_t len, rd_format fmt,
                     const rd_options *o, rd_document **out, char *err, size_t errcap)
{
    pthread_once(&xml_once, xml_init);
    *out = NULL;
    if (errcap)
        err[0] = '\0';
    if (!data && len)
        return RD_ERR_DAMAGED;
    rd_document *d = calloc(1, sizeof *d);
    doc_private *dp = calloc(1, sizeof *dp);
    if (!d || !dp) {
        free(d);
        free(dp);
        snprintf(err, errcap, "%s", _("out of memory"));
        return RD_ERR_NOMEM;
    }
    dp->last_heading = -1;
    d->private_ = dp;
    d->format = fmt;
    rd_builder b;
    rb_init(&b, d, o);
    int rc = reader(path, data ? data : "", len, o, &b, err, errcap);
    if (rc == RD_OK)
        rc = rb_status(&b);
    if (rc == RD_OK && b.limit_hit)
        rb_warn_limit(&b, _("more than %zu MiB of text; the rest is not indexed"), b.text_limit >> 20);
    if (rc == RD_OK && b.blocks_hit)
        rb_warn_limit(&b, _("more than %zu paragraphs (or cells, notes); the rest is not indexed"), RD_MAX_BLOCKS);
    rd_buf_free(&b.text);
    free(b.cites);
    if (rc != RD_OK) {
        if (rc == RD_ERR_NOMEM && (!errcap || !err[0]))
            snprintf(err, errcap, "%s", _("out of memory"));
        rd_document_free(d);
        return rc;
    }
    *out = d;
    return RD_OK;
}

/* 1 if s ends in a table-of-contents entry's tail: a dot leader (three dots
 * or more, spaced or not, or ellipses) then a page number of at most three
 * digits: "2.8 Khởi tạo gói Debian mới . . . 12", "Mục lục ........ 3". */
int rd_toc_entry(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    size_t digits = 0;
    while (n > 0 && s[n - 1] >= '0' && s[n - 1] <= '9') {
        n--;
        digits++;
    }
    if (digits == 0 || digits > 3)
        return 0;
    size_t dots = 0;
    while (n > 0) {
        if (s[n - 1] == ' ' || s[n - 1] == '\t') {
            n--;
        } else if (s[n - 1] == '.') {
            n--;
            dots++;
        } else if (n >= 3 && memcmp(s + n - 3, "\xE2\x80\xA6", 3) == 0) { /* … */
            n -= 3;
            dots += 3;
        } else {
            break;
        }
    }
    return dots >= 3;
}

static int name_reader(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b,
                       char *err, size_t errcap)
{
    (void)path;
    (void)o;
    (void)err;
    (void)errcap;
    const char *s = data, *end = data + len, *dot = NULL;
    for (const char *p = data; p < end; p++)
        if (*p == '/')
            s = p + 1, dot = NULL;
        else if (*p == '.')
            dot = p;
    if (dot && dot > s)
        end = dot;
    for (const char *p = s; p < end;) {
        size_t n = 0;
        while (p + n < end && p[n] != '_' && p[n] != '-' && p[n] != '.')
            n++;
        rb_text(b, p, n); /* whole UTF-8 sequences: a run between separators */
        if (p + n < end)
            rb_text(b, " ", 1);
        p += n + (p + n < end);
    }
    rb_end(b, RD_PARAGRAPH, 0);
    return RD_OK;
}

int rd_name_document(const char *name, rd_format fmt, rd_document **out)
{
    char err[64];
    return read_with(name_reader, NULL, name, strlen(name), fmt, NULL, out, err, sizeof err);
}

size_t rd_heading_path(const rd_document *doc, size_t i, char *buf, size_t cap)
{
    if (!cap)
        return 0;
    buf[0] = '\0';
    if (i >= doc->count)
        return 0;
    long chain[9];
    size_t n = 0;
    long h = doc->blocks[i].heading;
    while (h >= 0 && (size_t)h < doc->count && n < sizeof chain / sizeof chain[0]) {
        chain[n++] = h;
        h = doc->blocks[h].heading;
    }
    size_t len = 0;
    for (size_t k = n; k-- > 0;) {
        int w = snprintf(buf + len, cap - len, "%s%s", len ? " > " : "", doc->blocks[chain[k]].text);
        if (w < 0 || (size_t)w >= cap - len) {
            len = cap - 1;
            /* do not leave half a UTF-8 sequence at the cut */
            size_t j = len;
            while (j > 0 && ((unsigned char)buf[j - 1] & 0xC0) == 0x80)
                j--;
            if (j > 0) {
                unsigned char lead = (unsigned char)buf[j - 1];
                size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
                if (len - (j - 1) < want)
                    len = j - 1;
            }
            buf[len] = '\0';
            return len;
        }
        len += (size_t)w;
    }
    return len;
}
