/*
 * Walking PATH arguments (see fileset.h).
 */
#include "fileset.h"
#include "readers.h"

#include "vnsearch.h"

#define _(s) gettext(s)

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libintl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 64

typedef struct visited {
    dev_t dev;
    ino_t ino;
} visited;

typedef struct walker {
    fileset *fs;
    FILE *warn;
    visited stack[MAX_DEPTH + 1];
    int depth;
    int failed;
    /* The names added so far, hashed (index + 1 into fs->files, 0 = free),
     * so that refusing a second file cited by the same name stays cheap on
     * a tree of 100k files. */
    size_t *names;
    size_t names_cap;
} walker;

int fileset_reads_name(const char *name)
{
    return rd_format_of(name) != RD_FORMAT_NONE;
}

/* The slot of `name` in the walker's hash set: where it is, or the free
 * slot where it would go. */
static size_t *name_slot(const walker *w, const char *name)
{
    size_t mask = w->names_cap - 1;
    for (size_t h = (size_t)vs_content_hash(name, strlen(name)) & mask;; h = (h + 1) & mask)
        if (!w->names[h] || strcmp(w->fs->files[w->names[h] - 1].name, name) == 0)
            return &w->names[h];
}

/* Keeps the set at most half full. */
static int names_grow(walker *w)
{
    if ((w->fs->count + 1) * 2 <= w->names_cap)
        return 0;
    size_t cap = w->names_cap ? w->names_cap * 2 : 256;
    size_t *old = w->names, old_cap = w->names_cap;
    w->names = calloc(cap, sizeof *w->names);
    if (!w->names) {
        w->names = old;
        return -1;
    }
    w->names_cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            *name_slot(w, w->fs->files[old[i] - 1].name) = old[i];
    free(old);
    return 0;
}

static void add_file(walker *w, const char *path, const char *name, const struct stat *st)
{
    fileset *fs = w->fs;
    if (names_grow(w) != 0) {
        w->failed = 1;
        return;
    }
    size_t *slot = name_slot(w, name);
    if (*slot) {
        vs_say(w->warn, _("vnindex: %s: skipped: another file is already indexed as '%s' (%s)\n"), path, name,
                fs->files[*slot - 1].path);
        fs->warnings++;
        return;
    }
    if (fs->count == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 64;
        input_file *p = realloc(fs->files, cap * sizeof *p);
        if (!p) {
            w->failed = 1;
            return;
        }
        fs->files = p;
        fs->cap = cap;
    }
    input_file *f = &fs->files[fs->count];
    f->path = strdup(path);
    f->name = strdup(name);
    f->real = realpath(path, NULL);
    if (!f->real)
        f->real = strdup(path);
    f->size = (uint64_t)st->st_size;
    f->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    f->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
    f->ino = (uint64_t)st->st_ino;
    if (!f->path || !f->name || !f->real) {
        free(f->path);
        free(f->name);
        free(f->real);
        w->failed = 1;
        return;
    }
    fs->count++;
    *slot = fs->count;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_dir(walker *w, const char *dir, const char *rel)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        vs_say(w->warn, _("vnindex: %s: %s, skipped\n"), dir, strerror(errno));
        w->fs->warnings++;
        return;
    }
    for (int i = 0; i < w->depth; i++)
        if (w->stack[i].dev == st.st_dev && w->stack[i].ino == st.st_ino) {
            vs_say(w->warn, _("vnindex: %s: directory loop (a symlink back to a parent), skipped\n"), dir);
            w->fs->warnings++;
            return;
        }
    if (w->depth >= MAX_DEPTH) {
        vs_say(w->warn, _("vnindex: %s: nested more than %d directories deep, skipped\n"), dir, MAX_DEPTH);
        w->fs->warnings++;
        return;
    }
    DIR *d = opendir(dir);
    if (!d) {
        vs_say(w->warn, _("vnindex: %s: %s, skipped\n"), dir, strerror(errno));
        w->fs->warnings++;
        return;
    }
    w->stack[w->depth++] = (visited){st.st_dev, st.st_ino};
    /* Sorted, so a run is reproducible whatever order the file system lists.
     * The names are copied, not the dirents: readdir() returns records only
     * d_reclen bytes long, so copying sizeof(struct dirent) from the last one
     * in its buffer reads past the buffer's end. */
    char **entries = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(entries, cap * sizeof *p);
            if (!p) {
                w->failed = 1;
                break;
            }
            entries = p;
        }
        if (!(entries[n++] = strdup(e->d_name))) {
            w->failed = 1;
            break;
        }
    }
    closedir(d);
    if (n > 1 && !w->failed)
        qsort(entries, n, sizeof *entries, cmp_names);
    for (size_t i = 0; i < n && !w->failed; i++) {
        char path[PATH_MAX], sub[PATH_MAX];
        int pl = snprintf(path, sizeof path, "%s/%s", dir, entries[i]);
        int sl = snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", entries[i]);
        if (pl < 0 || (size_t)pl >= sizeof path || sl < 0 || (size_t)sl >= sizeof sub) {
            vs_say(w->warn, _("vnindex: %s/%s: path too long, skipped\n"), dir, entries[i]);
            w->fs->warnings++;
            continue;
        }
        struct stat est;
        if (stat(path, &est) != 0) {
            vs_say(w->warn, _("vnindex: %s: %s, skipped\n"), path, strerror(errno));
            w->fs->warnings++;
            continue;
        }
        if (S_ISDIR(est.st_mode))
            walk_dir(w, path, sub);
        else if (S_ISREG(est.st_mode) && fileset_reads_name(entries[i]))
            add_file(w, path, sub, &est);
        else if (fileset_reads_name(entries[i])) { /* a FIFO would block, /dev/zero never end */
            vs_say(w->warn, _("vnindex: %s: not a regular file, skipped\n"), path);
            w->fs->warnings++;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(entries[i]);
    free(entries);
    w->depth--;
}

int fileset_collect(fileset *fs, const char *const *paths, size_t n, FILE *warn)
{
    memset(fs, 0, sizeof *fs);
    walker w;
    memset(&w, 0, sizeof w);
    w.fs = fs;
    w.warn = warn;
    fs->roots = calloc(n + 1, sizeof *fs->roots);
    if (!fs->roots)
        return -1;
    for (size_t i = 0; i < n && !w.failed; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            vs_say(warn, "vnindex: %s: %s\n", paths[i], strerror(errno));
            fs->warnings++;
            continue;
        }
        char *real = realpath(paths[i], NULL);
        if (real)
            fs->roots[fs->nroots++] = real;
        if (S_ISDIR(st.st_mode)) {
            walk_dir(&w, paths[i], "");
        } else if (S_ISREG(st.st_mode)) {
            const char *base = strrchr(paths[i], '/');
            add_file(&w, paths[i], base ? base + 1 : paths[i], &st);
        } else {
            vs_say(warn, _("vnindex: %s: not a regular file or directory, skipped\n"), paths[i]);
            fs->warnings++;
        }
    }
    free(w.names);
    return w.failed ? -1 : 0;
}

void fileset_free(fileset *fs)
{
    for (size_t i = 0; i < fs->count; i++) {
        free(fs->files[i].path);
        free(fs->files[i].name);
        free(fs->files[i].real);
    }
    free(fs->files);
    for (size_t i = 0; i < fs->nroots; i++)
        free(fs->roots[i]);
    free(fs->roots);
    memset(fs, 0, sizeof *fs);
}

int fileset_covers(const fileset *fs, const char *real)
{
    for (size_t i = 0; i < fs->nroots; i++) {
        size_t n = strlen(fs->roots[i]);
        if (strncmp(real, fs->roots[i], n) == 0 && (real[n] == '\0' || real[n] == '/'))
            return 1;
    }
    return 0;
}
