/*
 * A whole vnindex run: decide what changed, build the next generation with
 * worker threads, compact, publish.  The command line lives in vnindex.c.
 */
#ifndef VN_INDEX_H
#define VN_INDEX_H

#include <stddef.h>

typedef struct index_options {
    const char *db;                 /* database directory */
    const char *const *paths;       /* PATH arguments */
    size_t npaths;
    const char *frameworks_tsv;     /* explicit table paths, or NULL to look beside the texts */
    const char *aliases_tsv;
    int update;                     /* --update: keep unchanged files' passages */
    int force;                      /* --force: rebuild even if nothing changed */
    int progress;                   /* draw a progress line on stderr */
    int quiet;                      /* no summary line */
    int threads;                    /* worker threads, 0 = one per core (at most 8) */
    int shards;                     /* 0 or 1 = one database, else N shards */
    int no_ocr;                     /* --no-ocr: scans and pictures are not read by OCR */
} index_options;

/* The OCR text of each scanned page, by the file's content hash, in the
 * database directory (not a generation's name, gNNNNNN, which the clean-up
 * removes). */
#define INDEX_OCR_CACHE "ocr-cache"

/* Exit status: 0 done (or already up to date), 1 nothing could be indexed,
 * 2 error (bad table, locked or unwritable database). */
int index_run(const index_options *o);

/* Reads an input file's bytes, bounded (vs_read_input()): 0 with *data,
 * or with a one-line reason in why an errno (EACCES...) or -1 ("not a regular
 * file ...", "larger than 128 MiB ..."): the file is skipped.  A text file
 * over the limit is cut there (the first bytes are read; *cut_note says
 * so), any other format is skipped, since a cut zip or PDF is no file. */
int index_read_input(const char *path, char **data, size_t *len, int *changed, char *cut_note, size_t cut_cap,
                     char *why, size_t why_cap);

/* Reads one file's bytes with the reader its name says (readers.h); a file
 * with no known extension is read as text.  ro: the readers' options (OCR),
 * or NULL.  rd_read()'s status and err. */
struct rd_document;
struct rd_options;
int index_read_document(const char *path, const char *data, size_t len, const struct rd_options *ro,
                        struct rd_document **doc, char *err, size_t cap);

#endif
