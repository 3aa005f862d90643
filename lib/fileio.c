/*
 * Reading a whole file (retried once if it changes while it is read) and
 * hashing its bytes: what the indexer, the alias tables and batch query
 * files all need.
 */
#include "vnsearch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads at most max + 1 bytes (SIZE_MAX - 1: no limit) of path.  With
 * nonblock, the file is opened without blocking and must be a regular one. */
static int read_once(const char *path, size_t max, int nonblock, char **data, size_t *len, struct stat *before,
                     struct stat *after)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
    if (fd < 0)
        return errno;
    if (fstat(fd, before) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    if (nonblock && !S_ISREG(before->st_mode)) {
        close(fd);
        return VS_ERR_NOT_REGULAR;
    }
    /* the size it says, but never more than the limit (a sparse file of a
     * terabyte says a terabyte) */
    size_t want = max + 1, cap = (size_t)before->st_size + 1, n = 0;
    if (cap > want)
        cap = want;
    char *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return ENOMEM;
    }
    for (;;) {
        if (n == want)
            break; /* past the limit: the caller cuts */
        if (n == cap) { /* grew while we read */
            size_t ncap = cap * 2 < want ? cap * 2 : want;
            char *p = realloc(buf, ncap + 1);
            if (!p) {
                free(buf);
                close(fd);
                return ENOMEM;
            }
            buf = p;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            return e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    fstat(fd, after);
    close(fd);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

static int same_stat(const struct stat *a, const struct stat *b, size_t len)
{
    return a->st_size == b->st_size && (size_t)b->st_size == len && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int read_whole(const char *path, size_t max, int nonblock, char **data, size_t *len, int *changed, int *cut)
{
    *changed = 0;
    if (cut)
        *cut = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct stat before, after;
        int rc = read_once(path, max, nonblock, data, len, &before, &after);
        if (rc)
            return rc;
        if (*len > max) { /* more than the limit: the first max bytes, and no retry */
            (*data)[max] = '\0';
            *len = max;
            if (cut)
                *cut = 1;
            return 0;
        }
        if (same_stat(&before, &after, *len))
            return 0;
        if (attempt == 0) {
            free(*data);
            *data = NULL;
            usleep(50000);
        }
    }
    *changed = 1;
    return 0;
}

int vs_read_file(const char *path, char **data, size_t *len, int *changed)
{
    return read_whole(path, SIZE_MAX - 1, 0, data, len, changed, NULL);
}

size_t vs_max_file_bytes(void)
{
    static size_t limit;
    if (!limit) {
        const char *e = getenv("VNSEARCH_MAX_FILE_BYTES");
        long long v = e ? atoll(e) : 0;
        limit = v > 0 ? (size_t)v : VS_MAX_FILE_BYTES;
    }
    return limit;
}

int vs_read_input(const char *path, size_t max, char **data, size_t *len, int *changed, int *cut)
{
    return read_whole(path, max, 1, data, len, changed, cut);
}

const char *vs_read_errmsg(int rc)
{
    return rc == VS_ERR_NOT_REGULAR ? "not a regular file (a pipe or device?)" : strerror(rc);
}

uint64_t vs_content_hash(const char *data, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)data[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

int vs_copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (out < 0) {
        int e = errno;
        close(in);
        errno = e;
        return -1;
    }
    char buf[65536];
    int rc = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -1 : 0;
            break;
        }
        for (ssize_t w = 0; w < n;) {
            ssize_t k = write(out, buf + w, (size_t)(n - w));
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                rc = -1;
                break;
            }
            w += k;
        }
        if (rc)
            break;
    }
    int e = errno;
    if (close(out) != 0)
        rc = -1;
    close(in);
    errno = e;
    return rc;
}
