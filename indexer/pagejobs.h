/*
 * Page jobs: the pages of a scan read by the threads that have nothing else
 * to do (readers.h, rd_page_jobs).  A worker reading a scan offers its next
 * pages here; idle workers (and workers waiting for their turn at a big
 * file) run them; the reader takes each page back in order.
 */
#ifndef VN_PAGEJOBS_H
#define VN_PAGEJOBS_H

#include <stdatomic.h>
#include <stddef.h>

#include "readers.h"

typedef struct pagejobs pagejobs;

/* A queue for `width` threads (the one reading a file included); NULL if
 * out of memory. */
pagejobs *pagejobs_new(size_t width);
/* Runs what is still queued (jobs of files that are done do nothing) and
 * frees the queue. */
void pagejobs_free(pagejobs *q);
/* Runs one queued job: 1, or 0 if none was queued. */
int pagejobs_run_one(pagejobs *q);
/* Waits up to ms milliseconds for a job and runs it: 1, or 0 if none came
 * or the queue is closed. */
int pagejobs_wait_run(pagejobs *q, int ms);
/* No file will offer pages any more: the waiting threads return. */
void pagejobs_close(pagejobs *q);
int pagejobs_closed(pagejobs *q);

/* This thread's number in the debug log ($VNINDEX_DEBUG_PAGES). */
void pagejobs_set_worker(int id);

/* One file's side: the rd_page_jobs its reader is given, counting pages
 * into the run's progress and, with $VNINDEX_DEBUG_PAGES=1, saying on
 * stderr which worker read which page (through say, which the caller
 * serialises with its progress line). */
typedef struct pagejobs_file {
    rd_page_jobs jobs;
    pagejobs *q;
    const char *path;
    atomic_long *planned;   /* pages the files being read expect to read by OCR */
    atomic_long *taken;     /* ... and have read or taken from the cache */
    void (*say)(void *ctx, const char *line);
    void *say_ctx;
} pagejobs_file;

/* Fills f (q may be NULL: progress only, no read-ahead) and returns &f->jobs. */
const rd_page_jobs *pagejobs_file_init(pagejobs_file *f, pagejobs *q, const char *path, atomic_long *planned,
                                       atomic_long *taken, void (*say)(void *, const char *), void *say_ctx);

#endif
