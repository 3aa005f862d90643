/*
 * Private to readers/: the block builder every reader fills, the zip + XML
 * plumbing of docx and odt, the external filter runner, and one entry point
 * per format.
 */
#ifndef VN_READERS_INTERNAL_H
#define VN_READERS_INTERNAL_H

#include <libintl.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include "readers.h"

/* The readers' warnings and errors, in the programs' catalogue (po/): the
 * domain is VS_TEXTDOMAIN of lib/vnsearch.h, which readers/ sits below, and
 * the program binds it (vs_locale_init).  dgettext, so that the library
 * does not depend on textdomain(); a program that binds nothing (the tests'
 * readers-dump, the fuzzers) gets the English.  Only messages for people:
 * nothing a reader says is stored in the index or written as --dump's TSV,
 * and the server's workers read with LC_MESSAGES C, so its API stays English. */
#define RD_TEXTDOMAIN "vnsearch"
#define _(s) dgettext(RD_TEXTDOMAIN, s)
#define N_(s) s

/* ---------------------------------------------------------------- text */

typedef struct rd_buf {
    char *s;
    size_t len, cap;
    int failed;
} rd_buf;

void rd_buf_append(rd_buf *b, const char *s, size_t n);
void rd_buf_putc(rd_buf *b, char c);
void rd_buf_free(rd_buf *b);

/* ------------------------------------------------------------- builder */

/* Text goes into the pending block with rb_text(); rb_end() turns it into a
 * block.  Whitespace (ASCII, NBSP, line and paragraph separators) collapses
 * to one space and is trimmed at both ends; control characters, soft
 * hyphens and zero-width characters go (unless `verbatim`). */
typedef struct rd_builder {
    rd_document *doc;
    rd_buf text;
    int space;             /* a space is owed before the next non-space */
    int *cites;
    size_t ncites, cites_cap;
    long heading_at[10];   /* last heading of each level (1..9), -1 */
    size_t ordinal;
    unsigned page;
    size_t line, end_line;
    unsigned flags;
    size_t blocks_cap, warnings_cap;
    size_t text_total, text_limit;
    int limit_hit;         /* past text_limit: the rest of the text is dropped */
    int blocks_hit;        /* past RD_MAX_BLOCKS: the rest of the blocks are dropped */
    int failed;            /* out of memory */
    int verbatim;          /* plain text: only ASCII whitespace and NBSP collapse; every other
                              character is the author's and stays */
    time_t deadline;       /* 0: none */
    int confidence;        /* RD_FLAG_OCR: the page's mean confidence, copied into the blocks */
} rd_builder;

void rb_init(rd_builder *b, rd_document *doc, const rd_options *o);
void rb_text(rd_builder *b, const char *s, size_t n);
void rb_cite(rd_builder *b, int note);
int rb_has_text(const rd_builder *b);
/* Emits the pending text as a block of `kind` (a heading needs text; other
 * kinds without text are dropped, except RD_BREAK and table cells) and
 * returns it, or NULL. */
rd_block *rb_end(rd_builder *b, rd_kind kind, int level);
/* Drops the pending text. */
void rb_discard(rd_builder *b);
void rb_warn(rd_builder *b, size_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Ends the pending text as the cell at (table, row, col), empty or not. */
void rb_end_cell(rd_builder *b, unsigned table, unsigned row, unsigned col);
/* Marks the last cell of row `row` of table `table` as the row's end (notes
 * cited in the row may have come after it). */
void rb_end_row(rd_builder *b, unsigned table, unsigned row);
/* 1 once the time budget is spent. */
int rb_late(const rd_builder *b);
/* 1 once the document holds all the text or blocks it may (the rest would
 * be dropped): a reader's loops may stop there. */
int rb_full(const rd_builder *b);
/* RD_OK, or RD_ERR_NOMEM if any allocation failed. */
int rb_status(const rd_builder *b);

/* Decodes a text file's bytes with vntext (any Vietnamese encoding, see
 * vntext.h) into a malloc'd UTF-8 buffer.  RD_OK, RD_ERR_BINARY ("not a text
 * file"), RD_ERR_NOMEM or RD_ERR_DAMAGED, with err. */
struct vn_decode_report;
int rd_decode_text(const char *data, size_t len, char **text, size_t *n, struct vn_decode_report *rep, char *err,
                   size_t errcap);

/* --------------------------------------------------------- zip and XML */

typedef struct rd_zip rd_zip;

/* Opens a zip held in memory.  Returns RD_OK or RD_ERR_DAMAGED with err. */
int rd_zip_open(const char *data, size_t len, rd_zip **out, char *err, size_t errcap);
void rd_zip_close(rd_zip *z);
/* 1 if the archive has an entry of that name. */
int rd_zip_has(rd_zip *z, const char *name);

/* SAX callbacks for one part.  Names are local names (no prefix); `ns` is
 * the element's namespace URI; attributes come as libxml2 gives them:
 * (localname, prefix, URI, value, end) quintuples, nattrs of them. */
typedef struct rd_sax {
    void (*start)(void *ctx, const char *name, const char *ns, int nattrs, const char **attrs);
    void (*end)(void *ctx, const char *name, const char *ns);
    void (*text)(void *ctx, const char *s, size_t n);
    void *ctx;
} rd_sax;

/* The value of attribute `name` (any namespace) among libxml2's attributes,
 * copied into buf (cut to fit); 1 if present. */
int rd_attr(int nattrs, const char **attrs, const char *name, char *buf, size_t cap);

/* Streams one part of the zip through a SAX parser: decompressed in chunks
 * (never more than *budget bytes in all, which it decrements), entity
 * expansion, DTD loading and network access off, and a document with a
 * DOCTYPE refused (OOXML and ODF never have one; entity bombs always do).
 * Returns RD_OK, RD_ERR_DAMAGED, RD_ERR_LIMIT or RD_ERR_NOMEM with err. */
int rd_zip_parse(rd_zip *z, const char *name, const rd_sax *sax, size_t *budget, const rd_builder *b, char *err,
                 size_t errcap);

/* --------------------------------------------------------- converters */

/* Runs `program` (looked up in o->converter_path or $PATH) with args (argv
 * without the program name, NULL-terminated), collecting its standard
 * output up to max bytes, killing it past the time limit.  Returns RD_OK,
 * RD_ERR_NO_CONVERTER (not found), RD_ERR_CONVERTER (failed, killed, too
 * much output) or RD_ERR_NOMEM, with err. */
int rd_run_filter(const char *program, const char *const *args, const rd_options *o, char **out, size_t *out_len,
                  char *err, size_t errcap);

/* ------------------------------------------------------------- readers */

typedef int (*rd_reader_fn)(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b,
                            char *err, size_t errcap);

int rd_read_txt(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                size_t errcap);
int rd_read_docx(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                 size_t errcap);
int rd_read_odt(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                size_t errcap);
int rd_read_pdf(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                size_t errcap);
int rd_read_html(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                 size_t errcap);
int rd_read_doc(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                size_t errcap);
int rd_read_rtf(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                size_t errcap);

/* Pictures (.png, .jpg, .tif): every page through OCR (ocr.c). */
int rd_read_image(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                  size_t errcap);

/* ----------------------------------------------------------------- OCR */

/* Tesseract with its Vietnamese model, for one file (ocr.c). */
typedef struct rd_ocr rd_ocr;

/* One page as OCR read it: its paragraphs (one line each) and its mean
 * word confidence, 0..100. */
typedef struct rd_ocr_page {
    char **paras;
    size_t count;
    int confidence;
} rd_ocr_page;

/* The entry points of ocr.c, reached through the table rd_ocr_enable()
 * registers, so that a program that never enables OCR does not link
 * Tesseract; NULL until then. */
typedef struct rd_ocr_ops {
    int (*open)(const rd_options *o, rd_format fmt, const char *data, size_t len, rd_ocr **out, char *err,
                size_t errcap);
    void (*close)(rd_ocr *ocr);
    int (*pdf_page)(rd_ocr *ocr, void *poppler_page, unsigned pno, size_t npages, rd_builder *b,
                    rd_ocr_page *out);
    void (*page_free)(rd_ocr_page *p);
    rd_reader_fn read_image;
} rd_ocr_ops;
const rd_ocr_ops *rd_ocr_linked(void);
/* pdf.c's reader, once rd_pdf_enable() has registered it. */
void rd_pdf_register(rd_reader_fn reader);
void rd_ocr_register(const rd_ocr_ops *ops);

/* Starts OCR of one file (its bytes, which helper threads reading pages
 * ahead read too, until rd_ocr_close()) with the options' limits, cache and
 * page jobs.  RD_OK, RD_ERR_NO_OCR_MODEL (naming the package to install) or
 * RD_ERR_NOMEM, with err. */
int rd_ocr_open(const rd_options *o, rd_format fmt, const char *data, size_t len, rd_ocr **out, char *err,
                size_t errcap);
/* Waits for the pages helpers are reading, drops those read ahead for nothing. */
void rd_ocr_close(rd_ocr *ocr);
/* Reads page pno (1-based, of npages) of a PDF, a PopplerPage without a
 * text layer: from the cache, or rendered and recognised.  RD_OK with the
 * paragraphs in *out (none when the page was past a limit, warned in b),
 * or RD_ERR_NOMEM. */
int rd_ocr_pdf_page(rd_ocr *ocr, void *poppler_page, unsigned pno, size_t npages, rd_builder *b,
                    rd_ocr_page *out);
void rd_ocr_page_free(rd_ocr_page *p);

/* Reads what a format's converter wrote (antiword's text for RD_FORMAT_DOC,
 * unrtf's HTML for RD_FORMAT_RTF) as rd_read() would: for the fuzzers, which
 * work on our half of the job. */
int rd_read_output(rd_format fmt, const char *data, size_t len, const rd_options *o, rd_document **out, char *err,
                   size_t errcap);

/* The converter readers' output parsers. */
int rd_parse_antiword(const char *text, size_t len, rd_builder *b);
/* HTML bytes.  RD_HTML_UTF8: the bytes are UTF-8 (unrtf's output, or text
 * vn_decode() made) whatever they declare; RD_HTML_BR_BREAKS: a <br> ends a
 * paragraph (unrtf writes no <p>). */
#define RD_HTML_UTF8 1
#define RD_HTML_BR_BREAKS 2
int rd_parse_html(const char *data, size_t len, int flags, rd_builder *b, char *err, size_t errcap);

#endif
