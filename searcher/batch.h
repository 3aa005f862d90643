/*
 * Batch query files: one query per line (QUERY, or ID<TAB>QUERY), answered
 * by worker threads that each keep one open database, written out in input
 * order whatever the thread count.
 *
 * The input is read as a stream, a line at a time, never whole: memory stays
 * bounded by BATCH_LINE_MAX times the lines in flight, whatever the input
 * (a pipe that never ends, /dev/zero, a line of a gigabyte).
 */
#ifndef VS_BATCH_H
#define VS_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "output.h"
#include "vnsearch.h"

/* The longest line: a query of QUERY_MAX_BYTES (64 KiB) and its id.  A
 * longer line is refused as soon as it passes the limit, and the rest of it
 * is skipped without being kept. */
#define BATCH_LINE_MAX (64 * 1024 + 1024)
/* A "line" with no line break in 4 GiB is not a file of queries: the batch
 * stops there rather than read on forever (/dev/zero). */
#define BATCH_SKIP_MAX ((uint64_t)4 << 30)

typedef struct batch_item {
    size_t line;   /* 1-based line in the file */
    char *id;      /* as given, or the line number */
    char *query;
    char *error;   /* a bad line: why (too long, a NUL byte, invalid UTF-8); id and query are NULL */
} batch_item;

typedef struct batch_reader batch_reader;

/* A reader of the file descriptor fd (left open), or of data[0..len) when
 * fd is -1.  NULL when out of memory. */
batch_reader *batch_reader_new(int fd, const char *data, size_t len);
void batch_reader_free(batch_reader *r);

/* The next item.  Blank lines and lines starting with '#' (after blanks)
 * are skipped; "ID<TAB>QUERY" gives an id, a line without a tab is all
 * query and gets its line number as id; CRLF is accepted and a UTF-8 BOM
 * at the start of the input dropped.  A line that is too long, holds a NUL
 * byte or is not valid UTF-8 comes back as an item with `error` set, so it
 * is reported with its line number and nothing of it is run.
 * Returns 1 with *item filled (free it with batch_item_free), 0 at the end
 * of the input, or -1 with a message in err when the input cannot be read
 * on (a read error, BATCH_SKIP_MAX passed). */
int batch_reader_next(batch_reader *r, batch_item *item, char *err, size_t cap);
/* Bytes of input consumed so far (for progress). */
uint64_t batch_reader_offset(const batch_reader *r);
/* Makes a batch_reader_next() waiting for input on another thread return
 * -1 within a fraction of a second. */
void batch_reader_cancel(batch_reader *r);
void batch_item_free(batch_item *it);

typedef struct batch_options {
    const char *db;
    unsigned open_flags;    /* vs_open() */
    const char *file;       /* "-" for standard input */
    int threads;            /* 0 = one per core */
    int progress;           /* progress line on stderr */
    const vs_request *req;  /* options for every query; its query field is ignored */
    out_options out;
} batch_options;

/* Runs the batch; returns the exit status (0 every line ran, 2 some line
 * failed or the batch could not run). */
int batch_run(const batch_options *o);

#endif
