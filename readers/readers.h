/*
 * readers: documents as analysts keep them -> one stream of blocks.
 *
 * Dossiers arrive as Word (.docx, .doc), OpenDocument (.odt), PDF, HTML, RTF
 * and plain text exported from any of them, and as scans (a PDF of page
 * images, .png, .jpg, .tif), read by OCR with Tesseract (ocr.c).  Each
 * format has a reader of its own (txt.c, docx.c, odt.c, pdf.c, html.c,
 * doc.c, rtf.c, ocr.c for pictures) and every
 * reader turns a file into the same thing: an ordered list of blocks
 * (headings with their level, paragraphs, list items, table cells, footnote
 * and endnote bodies with their number, the notes each block cites), each
 * with where it came from (line, paragraph ordinal, page, heading path).
 * Whatever consumes the blocks (vnsearch's passage builder) never needs to
 * know which format they came from.
 *
 * A reader knows its format and nothing of the index.  Containers and
 * formats are parsed by the libraries made for them (libzip, libxml2 with
 * entity expansion and network access off, poppler-glib); .doc and .rtf go
 * through a Debian-packaged converter (antiword, unrtf) run as a filter
 * with a time and output limit, as Recoll does.  Every reader bounds the
 * bytes it decompresses and the time it takes, so a hostile file (zip bomb,
 * entity bomb, endless PDF) costs a warning, never a hang or a crash.
 *
 * Errors are negative rd_status values with a one-line message (no file
 * name: the caller adds it); rd_errmsg() names the class.  Messages and
 * warnings are for people, in the language of the calling thread's
 * LC_MESSAGES (the programs' catalogue, po/), English in the C locale: a
 * caller that stores or serves them reads with LC_MESSAGES C.  Thread-safe:
 * one call of rd_read() per file, any number at once.
 */
#ifndef VN_READERS_H
#define VN_READERS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rd_status {
    RD_OK = 0,
    RD_ERR_NOMEM = -1,        /* allocation failed */
    RD_ERR_DAMAGED = -2,      /* not a valid file of its format: truncated zip, broken XML or PDF */
    RD_ERR_LIMIT = -3,        /* past a safety limit: decompressed size (zip bomb), time, DTD in XML */
    RD_ERR_ENCRYPTED = -4,    /* password-protected */
    RD_ERR_NO_TEXT = -5,      /* a PDF with no text layer (scanned?) */
    RD_ERR_NO_CONVERTER = -6, /* .doc or .rtf, and the converter program is not installed */
    RD_ERR_CONVERTER = -7,    /* the converter failed, timed out or wrote too much */
    RD_ERR_BINARY = -8,       /* a text file that is not text */
    RD_ERR_UNSUPPORTED = -9,  /* no reader for this format */
    RD_ERR_NO_OCR_MODEL = -10 /* pictures to read, and Tesseract's Vietnamese model is not installed */
} rd_status;

/* A static name for a status, in the user's language (see above); never NULL. */
const char *rd_errmsg(int status);

typedef enum rd_format {
    RD_FORMAT_NONE = 0,
    RD_FORMAT_TXT,  /* .txt: plain text, Word/PDF exports included, any Vietnamese encoding */
    RD_FORMAT_DOCX, /* .docx: WordprocessingML */
    RD_FORMAT_ODT,  /* .odt: OpenDocument text */
    RD_FORMAT_PDF,  /* .pdf: the text layer */
    RD_FORMAT_HTML, /* .html, .htm */
    RD_FORMAT_DOC,  /* .doc: Word 97-2003, through antiword */
    RD_FORMAT_RTF,  /* .rtf: through unrtf */
    RD_FORMAT_PNG,  /* .png: a picture, through OCR */
    RD_FORMAT_JPEG, /* .jpg, .jpeg */
    RD_FORMAT_TIFF  /* .tif, .tiff: every page of it */
} rd_format;

/* The format a file name says (its extension, any case), or RD_FORMAT_NONE. */
rd_format rd_format_of(const char *name);
/* "txt", "docx", ...; "" for RD_FORMAT_NONE. */
const char *rd_format_name(rd_format f);

typedef enum rd_kind {
    RD_HEADING = 0,   /* level 1 is the top: Heading 1, <h1>, a capitalised title in a text export */
    RD_PARAGRAPH,
    RD_LIST_ITEM,     /* level: nesting depth, 1 for a top-level item */
    RD_TABLE_CELL,    /* table, row, col; row_end on a row's last cell */
    RD_NOTE,          /* a footnote or endnote body: note (its number), endnote */
    RD_BREAK          /* a separator (a line of dashes, <hr>): a new section without a title */
} rd_kind;

/* Flags of a block. */
#define RD_FLAG_INDENTED 1u /* text exports: the first line was indented (may open an untitled section) */
#define RD_FLAG_OCR 2u      /* read by OCR from a picture of the page: its words may be misread */

typedef struct rd_block {
    rd_kind kind;
    char *text;           /* UTF-8, NUL-terminated; whitespace collapsed, no markers; "" for RD_BREAK */
    size_t len;
    int level;            /* RD_HEADING: 1..9; RD_LIST_ITEM: 1..; else 0 */
    unsigned table, row, col; /* RD_TABLE_CELL: 1-based table number, row and column */
    int row_end;          /* RD_TABLE_CELL: the last cell of its row */
    int note;             /* RD_NOTE: its number (1, 2, ...: as displayed, or in order of citation) */
    int endnote;          /* RD_NOTE: 1 for an endnote */
    int *cites;           /* other kinds: the numbers of the notes the block cites, in order */
    size_t ncites;
    /* where it came from */
    size_t line, end_line; /* txt (and converter output): 1-based lines; 0 elsewhere */
    size_t ordinal;       /* 1-based position among the document's blocks in reading order; a note
                             takes the ordinal of the block that cites it */
    unsigned page;        /* 1-based page, 0 where the format has no pages */
    long heading;         /* index of the heading the block sits under (for a heading: its
                             parent), or -1 */
    unsigned flags;       /* RD_FLAG_* */
    int confidence;       /* RD_FLAG_OCR: the page's mean word confidence, 0..100; else 0 */
} rd_block;

typedef struct rd_warning {
    size_t line;          /* 1-based line it concerns, or 0 */
    char *text;           /* one line, without the file name */
} rd_warning;

typedef struct rd_document {
    rd_format format;
    rd_block *blocks;
    size_t count;
    rd_warning *warnings; /* things the reader repaired or dropped; the file was still read */
    size_t nwarnings;
    size_t pages;         /* page count where the format has pages, else 0 */
    size_t ocr_pages;     /* pages read by OCR in this call */
    size_t ocr_cached;    /* pages whose OCR text came from the cache (rd_options.ocr_cache_dir) */
    size_t ocr_unread;    /* pages without text left unread for want of the OCR model (warned):
                             worth reading again once it is installed */
    void *private_;
} rd_document;

/* Pages of one file read by several threads (OCR, ocr.c).  A scan's pages
 * are independent pictures, so while the thread reading the file takes its
 * pages in order, idle threads may read the next ones ahead: the blocks, and
 * everything built from them, come out the same whoever read each page.
 * The caller (vnindex's workers) runs the jobs; every hook is optional. */
typedef struct rd_page_jobs {
    size_t width; /* threads that may run page jobs, the reading one included; < 2: no read-ahead */
    /* Queues run(arg) for another thread and returns 1, or returns 0 (the
     * reader then does the work itself).  A queued job must be run exactly
     * once, even after the file is done (it then does nothing), and never
     * waited for by the thread that queued it. */
    int (*offer)(void *ctx, void (*run)(void *arg), void *arg);
    /* Progress: pages the file now expects to read by OCR (negative: that
     * it no longer does), and each page read or taken from the cache, in
     * order, on the reading thread. */
    void (*planned)(void *ctx, long pages);
    void (*page_done)(void *ctx, unsigned pno);
    /* Called on the thread that recognised page pno (any thread). */
    void (*page_read)(void *ctx, unsigned pno);
    void *ctx;
} rd_page_jobs;

typedef struct rd_options {
    size_t max_bytes;     /* most bytes a reader decompresses or takes from a converter (the
                             text kept is at most half of it); 0 = RD_DEFAULT_MAX_BYTES */
    unsigned timeout_s;   /* most seconds a converter or the PDF reader may take; 0 = RD_DEFAULT_TIMEOUT */
    const char *converter_path; /* where to look for antiword and unrtf (a PATH-like list); NULL = $PATH */
    /* OCR of pictures (images, PDF pages without a text layer) with Tesseract */
    int no_ocr;           /* 1: no OCR; a picture is then a file with no text */
    unsigned ocr_page_timeout_s; /* most seconds for one page; 0 = RD_DEFAULT_OCR_PAGE_TIMEOUT */
    size_t ocr_max_pages; /* most pages OCR'd in one file; 0 = RD_DEFAULT_OCR_MAX_PAGES */
    size_t ocr_max_page_pixels; /* a bigger picture is not read (a PDF page is rendered smaller);
                                   0 = RD_DEFAULT_OCR_MAX_PAGE_PIXELS */
    size_t ocr_max_file_pixels; /* most pixels OCR'd in one file; 0 = RD_DEFAULT_OCR_MAX_FILE_PIXELS */
    const char *ocr_cache_dir; /* a directory keeping each page's OCR text, or NULL ... */
    const char *ocr_cache_key; /* ... under this name (the file's content hash), or NULL */
    const rd_page_jobs *page_jobs; /* other threads to read a scan's pages ahead, and progress; or NULL */
} rd_options;

#define RD_DEFAULT_MAX_BYTES ((size_t)128 << 20)
#define RD_DEFAULT_TIMEOUT 60
/* The most blocks a document keeps (paragraphs, cells, notes...): a file of
 * a million one-letter paragraphs is indexed up to here, with a warning, so
 * the memory a file costs stays bounded however its text is cut up. */
#define RD_MAX_BLOCKS ((size_t)200000)

#define RD_DEFAULT_OCR_PAGE_TIMEOUT 60
#define RD_DEFAULT_OCR_MAX_PAGES 200
#define RD_DEFAULT_OCR_MAX_PAGE_PIXELS ((size_t)40000000)   /* A3 at 300 dpi is 17.5 million */
#define RD_DEFAULT_OCR_MAX_FILE_PIXELS ((size_t)2000000000) /* about 200 A4 pages at 300 dpi */
/* The Debian package of the model OCR needs. */
#define RD_OCR_PACKAGE "tesseract-ocr-vie"

/*
 * Reads one file.  `data`/`len` are its bytes (the caller has read them, to
 * hash them for instance); `path` is used only by the readers that run a
 * converter, which reads the file itself, and may be NULL otherwise (the
 * converter then gets the bytes through a temporary file).  `fmt` is
 * usually rd_format_of(path); o may be NULL for the defaults.
 *
 * Returns RD_OK and a document in *out (free with rd_document_free()), or a
 * negative rd_status with *out NULL and a one-line reason in err ("no text
 * layer: scanned?", "word/document.xml: more than 256 MiB decompressed (a
 * zip bomb?)").  A document may have no blocks (an empty file).
 */
int rd_read(const char *path, const char *data, size_t len, rd_format fmt, const rd_options *o,
            rd_document **out, char *err, size_t errcap);

void rd_document_free(rd_document *doc);

/* Links OCR in (ocr.c: Tesseract, leptonica, cairo).  A program that reads
 * scans (vnindex) calls it once before reading; one that does not (vnsearch,
 * which reads only text) never loads those libraries, and without it a
 * picture is RD_ERR_UNSUPPORTED and a PDF page without text is skipped. */
void rd_ocr_enable(void);

/* Links the PDF reader in (pdf.c: poppler-glib, and through it cairo and
 * glib); rd_ocr_enable() calls it too.  vnsearch, whose document view
 * renders Word, ODT and HTML files but hands a PDF over as it is, does not,
 * and so starts without loading those libraries; without it a PDF is
 * RD_ERR_UNSUPPORTED. */
void rd_pdf_enable(void);

/* A document of one paragraph, the file's name (its last component, the
 * extension dropped, '_', '-' and '.' as spaces: "Biên_bản-họp.pdf" ->
 * "Biên bản họp"): what a file that yields no text (a scan not read) is
 * found by.  RD_OK, or RD_ERR_NOMEM. */
int rd_name_document(const char *name, rd_format fmt, rd_document **out);

/* The headings block i sits under, outermost first, joined by " > " into
 * buf (cut to fit, NUL-terminated).  Returns the length written. */
size_t rd_heading_path(const rd_document *doc, size_t i, char *buf, size_t cap);

/* 1 if a line of text ends as a table-of-contents entry does: a dot
 * leader (three dots or more, spaced or not, or ellipses) then a page
 * number of at most three digits ("2.8 Khởi tạo gói Debian mới . . . 12").
 * Layout, not text: the PDF reader drops such lines, the passage builder
 * such blocks (a text export of a PDF). */
int rd_toc_entry(const char *s, size_t n);

/* The program a format's converter needs ("antiword", "unrtf") and the
 * Debian package that has it, or NULL for formats read in-process. */
const char *rd_converter_program(rd_format f);
const char *rd_converter_package(rd_format f);

#ifdef __cplusplus
}
#endif
#endif /* VN_READERS_H */
