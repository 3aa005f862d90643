/*
 * vnindex --watch: keeps an index current while the folders it covers
 * change.  A first pass, then inotify on every folder; changes that have
 * settled are indexed by an --update run (index_run), so readers see the
 * new index at the next generation swap, as after any vnindex run.
 */
#ifndef VN_WATCH_H
#define VN_WATCH_H

#include "index.h"

/* Quiet time after the last change before an update starts: a burst of
 * changes (10,000 files dropped at once) becomes one update. */
#define WATCH_SETTLE_MS 1000
/* A file written to and not closed yet is waited for while it keeps being
 * written; one left open and untouched this long is indexed as it is. */
#define WATCH_WRITER_IDLE_S 30
/* Changes wait at most this long, however busy the folders stay. */
#define WATCH_MAX_DELAY_S 60
/* Rescan interval when some folder cannot be watched (the inotify watch
 * limit is reached, a PATH is missing) and --rescan was not given. */
#define WATCH_FALLBACK_RESCAN_S 300

typedef struct watch_options {
    int rescan;          /* --rescan SECONDS: also rescan this often (0: only as a fallback) */
} watch_options;

/* Runs until SIGTERM or SIGINT (exit status 0; an update in progress is
 * abandoned and the index stays at the previous generation).  SIGHUP asks
 * for a rescan now.  Returns 2 when no PATH can be watched or read. */
int watch_run(const index_options *o, const watch_options *w);

#endif
