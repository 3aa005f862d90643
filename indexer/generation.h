/*
 * The on-disk layout that makes rebuilds safe.
 *
 * A database path is a directory that Xapian opens as a stub directory:
 *
 *   vnsearch.db/XAPIANDB       "auto g000007" (or one line per shard)
 *   vnsearch.db/g000007/       the current generation (a glass database,
 *                              or shard-0 .. shard-N-1)
 *   vnsearch.db/g000006/       the previous one, kept for readers that
 *                              opened it just before the swap
 *   vnsearch.db/vnindex.lock   held (flock) by the running vnindex
 *
 * vnindex builds generation N+1 beside the current one and swaps it in by
 * renaming a new XAPIANDB over the old: readers see the old index or the
 * new one, never half of one, and a killed vnindex leaves the old one in
 * place.  xapian-delve and quest open vnsearch.db directly.
 */
#ifndef VN_GENERATION_H
#define VN_GENERATION_H

#include <stddef.h>

/* Creates the directory if needed and takes the lock without waiting.
 * Returns the lock's file descriptor, or -1 with a message in err
 * ("database is locked by another vnindex (pid 123)"). */
int gen_lock(const char *db, char *err, size_t cap);
void gen_unlock(int fd);

/* The current generation number and its shard count, or -1 if the
 * directory holds no vnsearch database yet. */
long gen_current(const char *db, size_t *shards);

/* Path of generation `gen` (and shard, or -1 for the whole generation). */
void gen_path(const char *db, long gen, long shard, char *out, size_t cap);

/* Points XAPIANDB at generation `gen` atomically (write, fsync, rename,
 * fsync the directory).  Returns 0, or -1 with a message. */
int gen_publish(const char *db, long gen, size_t shards, char *err, size_t cap);

/* Removes every generation except `keep` and the newest one older than it
 * (kept for readers that opened it just before the last swap), and any
 * scratch left by an earlier run that was killed. */
void gen_cleanup(const char *db, long keep);

/* rm -rf for our own scratch directories. */
int remove_tree(const char *path);

#endif
