/*
 * The indexed files themselves, for vnsearch serve's /document (see
 * vnsearch.h, "the files the index holds").
 *
 * A server that hands out files is a server that can be asked for the wrong
 * one, so the only files given are those the index lists, found by the name
 * the index cites them by and read at the real path it recorded; nothing of
 * the request ever becomes a path.  And only while the file is still the
 * one indexed: every component of the recorded path a real directory or
 * file (realpath() gives the same path back, the last one opened with
 * O_NOFOLLOW), a regular file, with the inode, size and content hash the
 * index recorded.  A file replaced, edited or swapped for a symlink after
 * indexing is refused until vnindex reads it again.
 */
#include "vnsearch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads exactly `size` bytes of fd into a NUL-terminated buffer; -1 if it
 * holds more or fewer. */
static int read_exactly(int fd, uint64_t size, char **data)
{
    if (size > (uint64_t)SIZE_MAX - 1)
        return -1;
    char *buf = malloc((size_t)size + 1);
    if (!buf)
        return -1;
    size_t got = 0;
    for (;;) {
        char extra;
        ssize_t n = got < size ? read(fd, buf + got, (size_t)size - got) : read(fd, &extra, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (got == size && n > 0)) {
            free(buf);
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got != size) {
        free(buf);
        return -1;
    }
    buf[got] = '\0';
    *data = buf;
    return 0;
}

int vs_indexed_file_read(const char *db, const char *name, char **data, size_t *len, char *err, size_t cap)
{
    *data = NULL;
    *len = 0;
    vs_index_info info;
    char why[512] = "";
    if (vs_index_info_read(db, &info, why, sizeof why) != 0) {
        snprintf(err, cap, "out of memory reading the index's list of files");
        return VS_ERR_DB;
    }
    if (info.generation < 0) {
        snprintf(err, cap, "%s: no list of files can be read from this index%s%s", db, why[0] ? ": " : "", why);
        vs_index_info_free(&info);
        return VS_ERR_DB;
    }
    const vs_file_info *f = vs_index_info_find(&info, name);
    if (!f) {
        snprintf(err, cap, "%s: not a file of the index", name);
        vs_index_info_free(&info);
        return VS_ERR_QUERY;
    }
    int rc = VS_ERR_FILE;
    char *real = f->real ? realpath(f->real, NULL) : NULL;
    int fd = -1;
    struct stat st;
    if (!f->real || f->real[0] != '/') {
        snprintf(err, cap, "%s: the index records no real path for it: run vnindex again", name);
    } else if (!real || strcmp(real, f->real) != 0) {
        snprintf(err, cap, "%s: no longer at the path it was indexed from (moved, or a link in its place): "
                 "run vnindex again", name);
    } else if ((fd = open(f->real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0) {
        snprintf(err, cap, "%s: %s", name, strerror(errno));
    } else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, cap, "%s: not a regular file any more: run vnindex again", name);
    } else if ((f->ino && (uint64_t)st.st_ino != f->ino) || (uint64_t)st.st_size != f->size) {
        snprintf(err, cap, "%s: changed since it was indexed: run vnindex again", name);
    } else if (read_exactly(fd, f->size, data) != 0) {
        snprintf(err, cap, "%s: changed while being read, or cannot be read: try again", name);
    } else if (vs_content_hash(*data, (size_t)f->size) != f->hash) {
        snprintf(err, cap, "%s: changed since it was indexed: run vnindex again", name);
        free(*data);
        *data = NULL;
    } else {
        *len = (size_t)f->size;
        rc = VS_OK;
    }
    if (fd >= 0)
        close(fd);
    free(real);
    vs_index_info_free(&info);
    return rc;
}
