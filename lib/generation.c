/*
 * Generations: the on-disk layout that makes rebuilds safe.
 *
 * A database path is a directory that Xapian opens as a stub directory:
 *
 *   vnsearch.db/XAPIANDB       "auto g000007" (or one line per shard, or
 *                              "auto g000007/delta" then "auto g000007/base")
 *   vnsearch.db/g000007/       the current generation (a glass database,
 *                              or shard-0 .. shard-N-1, or after an --update
 *                              delta/ and base/, whose files are hard links
 *                              to the base of the generation before)
 *   vnsearch.db/g000006/       the previous one, kept for readers that
 *                              opened it just before the swap
 *   vnsearch.db/vnindex.lock   held (flock) by the running vnindex
 *
 * vnindex builds generation N+1 beside the current one and swaps it in by
 * renaming a new XAPIANDB over the old: readers see the old index or the
 * new one, never half of one, and a killed vnindex leaves the old one in
 * place.  xapian-delve and quest open vnsearch.db directly.
 */
#include "vnsearch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libintl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* the engine's messages, in the programs' catalogue (po/) */
#define _(s) dgettext(VS_TEXTDOMAIN, s)

#define LOCK_NAME "vnindex.lock"
#define STUB_NAME "XAPIANDB"

/* mkdir -p */
static int make_dirs(const char *path)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* A directory vnindex may write into: empty, or holding an index (its
 * stub) or the lock of a run that has not published one yet. */
static int is_index_dir(const char *db)
{
    DIR *d = opendir(db);
    if (!d)
        return 1; /* the open of the lock file below says what is wrong */
    int empty = 1, ours = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        empty = 0;
        if (!strcmp(e->d_name, STUB_NAME) || !strcmp(e->d_name, LOCK_NAME))
            ours = 1;
    }
    closedir(d);
    return empty || ours;
}

int vs_gen_lock(const char *db, char *err, size_t cap)
{
    struct stat st;
    if (stat(db, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            snprintf(err, cap, _("%s: exists and is not a vnsearch database directory"), db);
            return -1;
        }
        char probe[PATH_MAX];
        snprintf(probe, sizeof probe, "%s/iamglass", db);
        if (access(probe, F_OK) == 0) {
            snprintf(err, cap, _("%s: is a Xapian database not built by vnindex; choose another --db"), db);
            return -1;
        }
        if (!is_index_dir(db)) {
            snprintf(err, cap,
                     _("%s: is a directory that holds other files and no vnsearch index; vnindex writes only "
                       "into a new or empty directory: choose another --db"),
                     db);
            return -1;
        }
    } else if (make_dirs(db) != 0) {
        snprintf(err, cap, _("%s: cannot create: %s"), db, strerror(errno));
        return -1;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", db, LOCK_NAME);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        snprintf(err, cap, _("%s: cannot open lock file: %s"), path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        if (n > 0) {
            pid[n] = '\0';
            pid[strcspn(pid, "\n")] = '\0';
        }
        if (*pid)
            snprintf(err, cap, _("%s: database is locked by another vnindex (pid %s)"), db, pid);
        else
            snprintf(err, cap, _("%s: database is locked by another vnindex"), db);
        close(fd);
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n) {
        /* the pid is only a courtesy for the error message above */
    }
    return fd;
}

void vs_gen_unlock(int fd)
{
    if (fd >= 0) {
        if (ftruncate(fd, 0) != 0) {
            /* nothing to do: the lock goes with the descriptor */
        }
        close(fd);
    }
}

void vs_gen_path(const char *db, long gen, long shard, char *out, size_t cap)
{
    if (shard < 0)
        snprintf(out, cap, "%s/g%06ld", db, gen);
    else
        snprintf(out, cap, "%s/g%06ld/shard-%ld", db, gen, shard);
}

long vs_gen_current(const char *db, size_t *shards)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", db, STUB_NAME);
    FILE *fp = fopen(path, "r");
    if (shards)
        *shards = 0;
    if (!fp)
        return -1;
    char line[512];
    long gen = -1;
    size_t n = 0;
    while (fgets(line, sizeof line, fp)) {
        long g;
        if (sscanf(line, "auto g%ld", &g) == 1) {
            gen = g;
            n += strstr(line, "/shard-") != NULL;
        }
    }
    fclose(fp);
    if (shards)
        *shards = n ? n : (gen >= 0 ? 1 : 0);
    return gen;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int vs_gen_publish(const char *db, long gen, size_t shards, int layered, char *err, size_t cap)
{
    char tmp[PATH_MAX], final[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", db, STUB_NAME);
    snprintf(final, sizeof final, "%s/%s", db, STUB_NAME);
    FILE *fp = fopen(tmp, "w");
    if (!fp) {
        snprintf(err, cap, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    if (layered) /* the update part first: Xapian reads metadata from the first database */
        fprintf(fp, "auto g%06ld/delta\nauto g%06ld/base\n", gen, gen);
    else if (shards <= 1)
        fprintf(fp, "auto g%06ld\n", gen);
    else
        for (size_t s = 0; s < shards; s++)
            fprintf(fp, "auto g%06ld/shard-%zu\n", gen, s);
    int bad = fflush(fp) != 0 || fsync(fileno(fp)) != 0;
    bad |= fclose(fp) != 0;
    if (bad || rename(tmp, final) != 0) {
        snprintf(err, cap, "%s: cannot write: %s", final, strerror(errno));
        unlink(tmp);
        return -1;
    }
    fsync_dir(db);
    return 0;
}

/* rm -rf path, but the entry named `last` (if not NULL) only after every
 * other, just before the directory itself. */
static int remove_tree_last(const char *path, const char *last)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    int rc = 0;
    char sub[PATH_MAX];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || (last && !strcmp(e->d_name, last)))
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (remove_tree_last(sub, NULL) != 0)
            rc = -1;
    }
    closedir(d);
    if (last) {
        snprintf(sub, sizeof sub, "%s/%s", path, last);
        if (unlink(sub) != 0 && errno != ENOENT)
            rc = -1;
    }
    if (rmdir(path) != 0)
        rc = -1;
    return rc;
}

int vs_remove_tree(const char *path)
{
    return remove_tree_last(path, NULL);
}

/* A generation's name: "g" and at least six digits (vs_gen_path), and
 * ".tmp" for the scratch of a run.  The number goes to *gen. */
static int gen_name(const char *name, long *gen, int *scratch)
{
    if (name[0] != 'g')
        return 0;
    size_t d = strspn(name + 1, "0123456789");
    if (d < 6 || d > 18)
        return 0;
    const char *rest = name + 1 + d;
    if (*rest && strcmp(rest, ".tmp") != 0)
        return 0;
    *gen = strtol(name + 1, NULL, 10);
    *scratch = *rest != '\0';
    return 1;
}

static int has_entry(const char *dir, const char *name)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return lstat(p, &st) == 0;
}

/* What a scratch directory may hold: the marker, the workers' parts
 * (w0-s0-p0), the merged output and an update's base copies. */
static int scratch_entry(const char *name)
{
    unsigned a, b, c;
    char end;
    if (!strcmp(name, VS_GEN_SCRATCH_MARK) || !strcmp(name, "out"))
        return 1;
    if (sscanf(name, "w%u-s%u-p%u%c", &a, &b, &c, &end) == 3)
        return 1;
    return sscanf(name, "base-s%u%c", &a, &end) == 1;
}

int vs_gen_is_ours(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    long g;
    int scratch;
    struct stat st;
    if (!gen_name(name, &g, &scratch) || lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    /* a generation is a Xapian database, its shards, or an update's delta
     * and base; a scratch holds only what a run writes there */
    int entries = 0, foreign = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        entries++;
        if (scratch && !scratch_entry(e->d_name))
            foreign = 1;
    }
    closedir(d);
    if (entries == 0)
        return 1; /* nothing in it to lose: made by a run killed at once */
    if (scratch)
        return !foreign;
    if (has_entry(path, VS_GEN_REMOVING_MARK) || has_entry(path, "iamglass"))
        return 1;
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/shard-0", path);
    if (has_entry(sub, "iamglass"))
        return 1;
    snprintf(sub, sizeof sub, "%s/delta", path);
    return has_entry(sub, "iamglass") && has_entry(path, "base");
}

/* Removes generation directory `path` (one of ours) so that a run killed
 * half way leaves it recognisable: the marker first, then everything else,
 * the marker last.  A scratch needs none: its marker and parts are known
 * by name whatever is left. */
static void remove_generation(const char *path, int scratch)
{
    if (!scratch) {
        char mark[PATH_MAX];
        snprintf(mark, sizeof mark, "%s/%s", path, VS_GEN_REMOVING_MARK);
        int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return; /* left for a later run rather than made unrecognisable */
        close(fd);
    }
    remove_tree_last(path, scratch ? NULL : VS_GEN_REMOVING_MARK);
}

void vs_gen_cleanup(const char *db, long keep)
{
    DIR *d = opendir(db);
    if (!d)
        return;
    long keep_also = -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long g;
        int scratch;
        if (gen_name(e->d_name, &g, &scratch) && !scratch && g < keep && g > keep_also)
            keep_also = g;
    }
    rewinddir(d);
    while ((e = readdir(d)) != NULL) {
        long g;
        int scratch;
        if (!gen_name(e->d_name, &g, &scratch))
            continue;
        if (!scratch && (g == keep || g == keep_also))
            continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", db, e->d_name);
        /* only what vnindex made: a user's g2024/ or g000003/ of their own stays */
        if (vs_gen_is_ours(sub))
            remove_generation(sub, scratch);
    }
    closedir(d);
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", db, STUB_NAME);
    unlink(tmp);
}
