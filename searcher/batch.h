/*
 * Batch query files: one query per line (QUERY, or ID<TAB>QUERY), answered
 * by worker threads that each keep one open database, written out in input
 * order whatever the thread count.
 */
#ifndef VS_BATCH_H
#define VS_BATCH_H

#include <stddef.h>

#include "output.h"
#include "vnsearch.h"

typedef struct batch_item {
    size_t line;   /* 1-based line in the file */
    char *id;      /* as given, or the line number */
    char *query;
} batch_item;

/* Splits a batch file's text into items: blank lines and lines starting
 * with '#' are skipped; "ID<TAB>QUERY" gives an id, a line without a tab is
 * all query and gets its line number as id.  CRLF is accepted.  Returns 0,
 * or -1 on allocation failure. */
int batch_parse(const char *text, size_t len, batch_item **items, size_t *n);
void batch_items_free(batch_item *items, size_t n);

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
