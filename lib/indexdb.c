/*
 * The writer's view of an index (see "writing" in vnsearch.h): parts being
 * written, merging them, and the metadata that tells the next vnindex run
 * what the current generation holds (its format, the alias tables it was
 * built with, and for every file its size, mtime, content hash and number
 * of passages).  The only place the indexer touches Xapian.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "codec.h"
#include "docbuild.h"
#include "schema.h"
#include "tables.h"
#include "vnsearch.h"
#include "xapian-c.h"

struct vs_part {
    xc_wdb *db;
    char *path;
    size_t pending;       /* documents added since the last commit */
    uint64_t pending_bytes; /* and roughly what they will take on disk */
};

xc_wdb *vs_part_wdb(vs_part *p)
{
    return p->db;
}

/* Documents per commit while a part is written; $VNSEARCH_FLUSH_DOCS
 * wins.  Xapian's own flush (inside add_document) is turned off by
 * index.c: a disk that fills during it can make Xapian throw while
 * unwinding, which ends the process; a commit of ours fails cleanly. */
static size_t flush_every(void)
{
    static size_t n;
    if (!n) {
        const char *e = getenv("VNSEARCH_FLUSH_DOCS");
        n = e && atol(e) > 0 ? (size_t)atol(e) : 1000;
    }
    return n;
}

/* 1 if the part's filesystem (and the file size limit) leave room for a
 * commit of `bytes`; else sets errno.  A commit that runs out of room can
 * end the process (xc_set_fatal): refusing it first is the clean failure. */
static int room_for(const char *path, uint64_t bytes)
{
    uint64_t need = 4 * bytes + (1u << 20);
    struct statvfs fs;
    if (statvfs(path, &fs) == 0 && (uint64_t)fs.f_bavail * fs.f_frsize < need) {
        errno = ENOSPC;
        return 0;
    }
    struct rlimit rl;
    char table[PATH_MAX];
    struct stat st;
    snprintf(table, sizeof table, "%s/postlist.glass", path);
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && stat(table, &st) == 0 &&
        (uint64_t)st.st_size + need > (uint64_t)rl.rlim_cur) {
        errno = EFBIG;
        return 0;
    }
    return 1;
}

int vs_part_add(vs_part *p, xc_doc *doc, size_t bytes)
{
    int rc = xc_wdb_add_document(p->db, doc, NULL);
    p->pending_bytes += bytes;
    if (rc == XC_OK && ++p->pending >= flush_every()) {
        if (!room_for(p->path, p->pending_bytes)) {
            xc_set_error(XC_ERR_XAPIAN, strerror(errno));
            return XC_ERR_XAPIAN;
        }
        rc = xc_wdb_commit(p->db);
        p->pending = 0;
        p->pending_bytes = 0;
    }
    return rc;
}

void vs_on_fatal(void (*fn)(const char *what))
{
    xc_set_fatal(fn);
}

static int part_open(const char *path, int mode, vs_part **out, char *err, size_t cap)
{
    *out = NULL;
    vs_part *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    if (!(p->path = strdup(path)) || xc_wdb_open(path, mode, &p->db) != XC_OK) {
        snprintf(err, cap, "%s: %s", path, p->path ? xc_errmsg() : "out of memory");
        free(p->path);
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

int vs_part_create(const char *path, int termlists, vs_part **out, char *err, size_t cap)
{
    return part_open(path, XC_WDB_CREATE | XC_WDB_NO_SYNC | (termlists ? 0 : XC_WDB_NO_TERMLIST), out, err, cap);
}

int vs_part_open(const char *path, vs_part **out, char *err, size_t cap)
{
    /* (a database made without term lists must be opened saying so) */
    return part_open(path, XC_WDB_OPEN | XC_WDB_NO_TERMLIST, out, err, cap);
}

int vs_part_commit(vs_part *p, char *err, size_t cap)
{
    if (!room_for(p->path, p->pending_bytes)) {
        snprintf(err, cap, "%s: %s", p->path, strerror(errno));
        return -1;
    }
    if (xc_wdb_commit(p->db) != XC_OK) {
        snprintf(err, cap, "%s", xc_errmsg());
        return -1;
    }
    return 0;
}

void vs_part_close(vs_part *p)
{
    if (!p)
        return;
    xc_wdb_close(p->db);
    free(p->path);
    free(p);
}

int vs_part_doccount(vs_part *p, uint32_t *out)
{
    return xc_wdb_doccount(p->db, out) == XC_OK ? 0 : -1;
}

uint32_t vs_db_doccount(const char *path)
{
    xc_db *db = NULL;
    uint32_t n = 0;
    if (xc_db_open(path, XC_OPEN_LOCAL, &db) != XC_OK)
        return 0;
    xc_db_doccount(db, &n);
    xc_db_close(db);
    return n;
}

/* Bytes of the files in a database directory. */
static uint64_t db_bytes(const char *dir)
{
    uint64_t total = 0;
    const char *tables[] = {"postlist.glass", "termlist.glass", "docdata.glass", "position.glass"};
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        char p[PATH_MAX];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, tables[i]);
        if (stat(p, &st) == 0)
            total += (uint64_t)st.st_size;
    }
    return total;
}

int vs_merge(const char *const *sources, size_t n, const char *dest, char *err, size_t cap)
{
    if (n == 0) {
        snprintf(err, cap, "%s: nothing to merge", dest);
        return -1;
    }
    /* the merged database is at most the sources' size: refuse first a
     * merge that cannot fit (see room_for) */
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += db_bytes(sources[i]);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", dest);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    if (!room_for(dir, bytes / 4)) {
        snprintf(err, cap, "%s: %s", dest, strerror(errno));
        return -1;
    }
    if (xc_compact(sources, n, dest) != XC_OK) {
        snprintf(err, cap, "%s", xc_errmsg());
        return -1;
    }
    return 0;
}

int vs_part_delete_files(vs_part *p, char *const *names, size_t n, char *err, size_t cap)
{
    int rc = XC_OK;
    for (size_t i = 0; i < n && rc == XC_OK; i++) {
        char term[PATH_MAX + 16];
        size_t tl;
        docbuild_file_term(names[i], term, sizeof term, &tl);
        rc = xc_wdb_delete_by_term(p->db, term, tl);
    }
    if (rc == XC_OK)
        rc = xc_wdb_commit(p->db);
    if (rc != XC_OK) {
        snprintf(err, cap, "%s", xc_errmsg());
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------- index metadata */

static int add_file_name(void *ctx, const char *key, size_t len, uint32_t unused)
{
    (void)unused;
    vs_index_info *k = ctx;
    vs_file_info *p = realloc(k->files, (k->nfiles + 1) * sizeof *p);
    if (!p)
        return 1;
    k->files = p;
    vs_file_info *f = &k->files[k->nfiles];
    memset(f, 0, sizeof *f);
    size_t pl = strlen(META_FILE);
    f->name = strndup(key + pl, len - pl);
    if (f->name)
        k->nfiles++;
    return 0;
}

static int cmp_file_info(const void *a, const void *b)
{
    return strcmp(((const vs_file_info *)a)->name, ((const vs_file_info *)b)->name);
}

int vs_index_info_read(const char *db_path, vs_index_info *k, char *err, size_t cap)
{
    memset(k, 0, sizeof *k);
    err[0] = '\0';
    k->generation = vs_gen_current(db_path, &k->shards);
    if (k->generation < 0)
        return 0;
    xc_db *db = NULL;
    if (xc_db_open(db_path, XC_OPEN_LOCAL, &db) != XC_OK) {
        snprintf(err, cap, "%s", xc_errmsg());
        k->generation = -1;
        return 0;
    }
    size_t len;
    xc_db_get_metadata(db, META_VERSION, &k->format, &len);
    xc_db_get_metadata(db, META_FRAMEWORKS, &k->frameworks, &len);
    xc_db_get_metadata(db, META_ALIASES, &k->aliases, &len);
    xc_db_get_metadata(db, META_MEETINGS, &k->meetings, &len);
    xc_db_get_metadata(db, META_DICT, &k->dict, &k->dict_len);
    xc_db_get_metadata(db, META_RETIRED, &k->retired, &len);
    char *stats = NULL;
    xc_db_get_metadata(db, META_STATS, &stats, &len);
    const char *b = stats ? strstr(stats, "base=") : NULL, *l = stats ? strstr(stats, "layered=") : NULL;
    k->base = b ? strtol(b + 5, NULL, 10) : k->generation;
    k->layered = l ? l[8] == '1' : 0;
    const char *rp = stats ? strstr(stats, "retired_passages=") : NULL;
    k->retired_passages = rp ? (size_t)strtoull(rp + 17, NULL, 10) : 0;
    free(stats);
    if (xc_db_metadata_keys(db, META_FILE, add_file_name, k) != XC_OK) {
        xc_db_close(db);
        return -1;
    }
    for (size_t i = 0; i < k->nfiles; i++) {
        /* the key as listed (a long name's key is shortened: schema_term) */
        char key[TERM_MAX + 64], *v = NULL;
        snprintf(key, sizeof key, "%s%s", META_FILE, k->files[i].name);
        if (xc_db_get_metadata(db, key, &v, &len) != XC_OK || !v)
            continue;
        char *whole = strchr(v, '\n'); /* the whole name, after the line of facts */
        if (whole && whole[1]) {
            char *name = strdup(whole + 1);
            if (name) {
                free(k->files[i].name);
                k->files[i].name = name;
            }
            *whole = '\0';
        }
        char real[PATH_MAX] = "";
        vs_file_info *f = &k->files[i];
        if (sscanf(v, "%" SCNu64 " %" SCNd64 " %" SCNd64 " %" SCNu64 " %" SCNx64 " %zu %ld %4095[^\n]", &f->size,
                   &f->mtime_ns, &f->ctime_ns, &f->ino, &f->hash, &f->passages, &f->build, real) >= 7)
            f->real = strdup(real);
        free(v);
    }
    if (k->nfiles > 1) /* sorted by name for vs_index_info_find() */
        qsort(k->files, k->nfiles, sizeof *k->files, cmp_file_info);
    xc_db_close(db);
    return 0;
}

void vs_index_info_free(vs_index_info *k)
{
    for (size_t i = 0; i < k->nfiles; i++) {
        free(k->files[i].name);
        free(k->files[i].real);
    }
    free(k->files);
    free(k->format);
    free(k->frameworks);
    free(k->aliases);
    free(k->meetings);
    free(k->dict);
    free(k->retired);
    memset(k, 0, sizeof *k);
}

vs_file_info *vs_index_info_find(const vs_index_info *k, const char *name)
{
    vs_file_info key = {.name = (char *)name};
    return k->nfiles ? bsearch(&key, k->files, k->nfiles, sizeof *k->files, cmp_file_info) : NULL;
}

static int same_text(const char *stored, const char *text, size_t len)
{
    if (!stored || !*stored)
        return !text || len == 0;
    return text && strlen(stored) == len && memcmp(stored, text, len) == 0;
}

int vs_index_info_same_tables(const vs_index_info *k, const vs_tables *t)
{
    return k->generation >= 0 && k->format && strcmp(k->format, VS_INDEX_FORMAT) == 0 &&
           same_text(k->frameworks, t->frameworks, t->frameworks_len) &&
           same_text(k->aliases, t->aliases, t->aliases_len) &&
           same_text(k->meetings, t->meetings, t->meetings_len);
}

int vs_index_write_meta(vs_part *p, const vs_index_meta *m, char *err, size_t cap)
{
    xc_wdb *db = p->db;
    const vs_tables *t = m->tables;
    int rc = xc_wdb_set_metadata(db, META_VERSION, VS_INDEX_FORMAT, strlen(VS_INDEX_FORMAT));
    if (rc == XC_OK)
        rc = xc_wdb_set_metadata(db, META_FRAMEWORKS, t->frameworks ? t->frameworks : "", t->frameworks_len);
    if (rc == XC_OK)
        rc = xc_wdb_set_metadata(db, META_ALIASES, t->aliases ? t->aliases : "", t->aliases_len);
    if (rc == XC_OK)
        rc = xc_wdb_set_metadata(db, META_MEETINGS, t->meetings ? t->meetings : "", t->meetings_len);
    size_t dl = 0;
    const char *dict = vs_codec_dict(m->codec, &dl);
    if (rc == XC_OK)
        rc = xc_wdb_set_metadata(db, META_DICT, dict ? dict : "", dl);
    if (rc == XC_OK)
        rc = xc_wdb_set_metadata(db, META_RETIRED, m->retired ? m->retired : "", m->retired ? strlen(m->retired) : 0);
    size_t passages = 0;
    for (size_t i = 0; i < m->nfiles && rc == XC_OK; i++) {
        const vs_file_info *f = &m->files[i];
        char key[TERM_MAX + 1], val[2 * PATH_MAX + 192];
        schema_term(META_FILE, f->name, key, sizeof key);
        int n = snprintf(val, sizeof val,
                         "%" PRIu64 " %" PRId64 " %" PRId64 " %" PRIu64 " %016" PRIx64 " %zu %ld %s\n%s", f->size,
                         f->mtime_ns, f->ctime_ns, f->ino, f->hash, f->passages, f->build, f->real ? f->real : "",
                         f->name);
        if (n < 0 || (size_t)n >= sizeof val)
            n = (int)sizeof val - 1;
        rc = xc_wdb_set_metadata(db, key, val, (size_t)n);
        passages += f->passages;
    }
    if (rc == XC_OK) {
        char stats[192];
        int n = snprintf(stats, sizeof stats,
                         "files=%zu passages=%zu shards=%zu base=%ld layered=%d retired_passages=%zu", m->nfiles,
                         passages, m->shards, m->base, m->layered, m->retired_passages);
        rc = xc_wdb_set_metadata(db, META_STATS, stats, (size_t)n);
    }
    if (rc == XC_OK)
        rc = xc_wdb_commit(db);
    if (rc != XC_OK) {
        snprintf(err, cap, "%s", xc_errmsg());
        return -1;
    }
    return 0;
}
