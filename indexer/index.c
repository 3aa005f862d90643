/*
 * A vnindex run (see index.h).
 *
 * Worker threads each read, decode, split and tokenise whole files into
 * their own scratch database (one per shard), so the costly part of
 * indexing runs on every core with no locking; Xapian's compactor then
 * merges the scratch databases into the new generation, which also leaves
 * it in its smallest form.  A scan's pages are read by OCR on every core
 * too: the worker reading it offers its next pages as page jobs
 * (pagejobs.h), which workers with no file to read (or waiting for their
 * turn at a big one) take before any new file.  Nothing a reader can see
 * changes until generation.c swaps the stub.
 *
 * Updates.  The index has no term lists (schema.h), so Xapian cannot
 * delete a passage from it.  A full build writes one database, the base.
 * An --update leaves the base as it is (the new generation hard-links its
 * files), writes every file changed or added since the base was built into
 * a second, small database, the delta, and lists the base passages of the
 * files changed or deleted since (their XV term) as retired: the searcher
 * leaves them out.  The delta is rewritten whole at each update, so it never
 * holds a stale passage itself.  When the delta outgrows a quarter of the
 * base, or the retired passages a quarter of it, the update is a full
 * build instead, and the index is one database again.  A sharded index is
 * always rebuilt in full.
 *
 * "Changed" is decided by size, mtime, ctime and inode, which no edit can
 * leave all as they were (ctime cannot be set back, and a file swapped in
 * by rename has another inode); when any differs, the content hash says
 * whether the bytes did.
 */
#include "index.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libintl.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "fileset.h"
#include "pagejobs.h"
#include "readers.h"
#include "vnsearch.h"

#define _(s) gettext(s)

#define MAX_SHARDS 64
/* Xapian's own flush, off: the parts commit every VNSEARCH_FLUSH_DOCS (1000)
 * documents themselves (indexdb.c says why) */
#define FLUSH_THRESHOLD "2000000000"
/* Passages per scratch part before a worker starts a fresh one
 * ($VNSEARCH_PART_DOCS wins): each flush rewrites the last chunk of every
 * term it touches, which costs more the bigger the part has grown; fresh
 * parts are merged by one compaction at the end. */
#define PART_DOCS 1000000
#define SAMPLE_BYTES (1 << 20) /* records the compression dictionary is trained on */

/* What this run does with a file the current generation has. */
enum seen_as {
    NOT_SEEN = 0,
    SEEN_CHANGED,  /* given again, changed: re-indexed */
    SEEN_SAME,     /* given again, unchanged */
    KEPT_UNLISTED  /* not given, but outside the PATHs of an --update: kept */
};

enum { ACT_SKIP = 0, ACT_INDEX, ACT_KEEP };

typedef struct file_state {
    int action;
    uint64_t hash;
    int hashed;
    size_t passages;
    int indexed;
    long build;    /* ACT_KEEP: the build its passages are in */
    rd_document *early; /* read through its converter for the codec's samples, kept for its worker
                           (a converter runs once per file per build) */
    int early_rc;       /* ... or how the converter failed (0: not tried), and why */
    char *early_err;
    int retry;          /* scanned pages left unread for want of the OCR model: recorded so that the
                           next run reads the file again */
} file_state;

/* A file this big is read by one worker at a time (worker_main). */
#define BIG_FILE_BYTES ((uint64_t)4 << 20)

typedef struct run {
    const index_options *o;
    fileset fs;
    file_state *state;
    vs_index_info known;
    int *seen;           /* enum seen_as, per known file */
    vs_tables *tables;
    vs_codec *codec;
    size_t nshards;
    long gen, current;
    int layered;         /* this run writes a delta beside the current base */
    int sharded_update;  /* this run copies the current shards less the changed files */
    int codec_ok;
    strbuf retired;      /* XV terms the new generation leaves out */
    size_t retired_passages;
    char scratch[PATH_MAX];

    /* work queue and progress, shared with the workers */
    size_t *todo;
    size_t ntodo;
    atomic_size_t next;
    atomic_size_t files_done, passages_done, headings_done, warnings;
    atomic_uint_least64_t bytes_done;
    atomic_size_t ocr_pages, ocr_cached, ocr_missing; /* pages OCR'd, taken from the cache; files
                                                         left unread for want of the model */
    atomic_long ocr_planned, ocr_taken; /* progress: pages of the scans being read, pages read */
    pagejobs *pages;     /* their pages, offered to idle workers; NULL with one worker */
    char ocr_cache[PATH_MAX]; /* DB/ocr-cache, or "" (--no-ocr, or it cannot be made) */
    atomic_int failed;
    pthread_mutex_t out_lock;
    pthread_mutex_t big_lock; /* held while a worker reads a big file (BIG_FILE_BYTES) */
    int progress_drawn;
    char error[1024];
    double started;
} run;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* stderr is shared by the workers' warnings and the progress line. */
static void say(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(run *r, const char *fmt, ...)
{
    pthread_mutex_lock(&r->out_lock);
    if (r->progress_drawn) {
        fputs("\r\033[K", stderr);
        r->progress_drawn = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    vs_vsay(stderr, fmt, ap); /* a file name cannot clear the terminal or forge a line */
    va_end(ap);
    pthread_mutex_unlock(&r->out_lock);
}

/* say() for the page jobs' debug lines. */
static void say_line(void *ctx, const char *line)
{
    say(ctx, "%s", line);
}

static void fail(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(run *r, const char *fmt, ...)
{
    pthread_mutex_lock(&r->out_lock);
    if (!r->error[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->error, sizeof r->error, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&r->out_lock);
    atomic_store(&r->failed, 1);
}

/* ------------------------------------------------------ the current index */

static int *seen_of(run *r, const vs_file_info *kf)
{
    return &r->seen[kf - r->known.files];
}

/* 1 if the input file is the one the index holds: its stat says so, or,
 * where it leaves any doubt, its content hash does. */
static int unchanged(run *r, size_t i, const vs_file_info *kf)
{
    input_file *f = &r->fs.files[i];
    if (!kf)
        return 0;
    if (kf->size == f->size && kf->mtime_ns == f->mtime_ns && kf->ctime_ns == f->ctime_ns && kf->ino == f->ino) {
        r->state[i].hash = kf->hash;
        r->state[i].hashed = 1;
        return 1;
    }
    if (kf->size != f->size)
        return 0;
    char *data;
    size_t len;
    int changed;
    char note[128], why[256];
    if (index_read_input(f->path, &data, &len, &changed, note, sizeof note, why, sizeof why) != 0)
        return 0;
    r->state[i].hash = vs_content_hash(data, len);
    r->state[i].hashed = 1;
    free(data);
    return r->state[i].hash == kf->hash;
}

/* ------------------------------------------------------------- workers */

typedef struct worker {
    run *r;
    size_t index;
    vs_part *shards[MAX_SHARDS];
    pthread_t thread;
    int started;
    size_t part;       /* the worker's current scratch part (per shard), from 0 */
    size_t part_docs;  /* passages written into it */
} worker;

static void scratch_path(const run *r, size_t w, size_t shard, size_t part, char *out, size_t cap)
{
    snprintf(out, cap, "%s/w%zu-s%zu-p%zu", r->scratch, w, shard, part);
}

static size_t part_docs_limit(void)
{
    static size_t limit;
    if (!limit) {
        const char *e = getenv("VNSEARCH_PART_DOCS");
        limit = e && atol(e) > 0 ? (size_t)atol(e) : PART_DOCS;
    }
    return limit;
}

/* Opens the worker's scratch parts (one per shard), numbered w->part. */
static int open_parts(worker *w)
{
    run *r = w->r;
    for (size_t s = 0; s < r->nshards; s++) {
        char path[PATH_MAX], err[PATH_MAX + 256];
        scratch_path(r, w->index, s, w->part, path, sizeof path);
        if (vs_part_create(path, r->nshards > 1, &w->shards[s], err, sizeof err)) {
            fail(r, "cannot create scratch database: %s", err);
            return -1;
        }
    }
    w->part_docs = 0;
    return 0;
}

static void close_parts(worker *w)
{
    run *r = w->r;
    for (size_t s = 0; s < r->nshards; s++) {
        if (!w->shards[s])
            continue;
        char err[512];
        if (!atomic_load(&r->failed) && vs_part_commit(w->shards[s], err, sizeof err))
            fail(r, "cannot write scratch database: %s", err);
        vs_part_close(w->shards[s]);
        w->shards[s] = NULL;
    }
}

int index_read_input(const char *path, char **data, size_t *len, int *changed, char *cut_note, size_t cut_cap,
                     char *why, size_t why_cap)
{
    size_t max = vs_max_file_bytes();
    int cut = 0;
    if (cut_cap)
        cut_note[0] = '\0';
    int rc = vs_read_input(path, max, data, len, changed, &cut);
    if (rc) {
        snprintf(why, why_cap, "%s", vs_read_errmsg(rc));
        return rc > 0 ? rc : -1;
    }
    if (!cut)
        return 0;
    char limit[64];
    if (max >= (1u << 20) && max % (1u << 20) == 0)
        snprintf(limit, sizeof limit, "%zu MiB", max >> 20);
    else
        snprintf(limit, sizeof limit, ngettext("%zu byte", "%zu bytes", max), max);
    rd_format fmt = rd_format_of(path);
    if (fmt == RD_FORMAT_TXT || fmt == RD_FORMAT_NONE) {
        /* TRANSLATORS: both %s are the same size, such as "128 MiB" */
        snprintf(cut_note, cut_cap, _("larger than %s; only the first %s read"), limit, limit);
        return 0;
    }
    free(*data);
    *data = NULL;
    snprintf(why, why_cap, _("larger than %s, the most vnindex reads of a file"), limit);
    return -1;
}

/* Reads one file with the reader for its format: a file given by name
 * whatever its extension is read as text, as it always was. */
int index_read_document(const char *path, const char *data, size_t len, const rd_options *ro, rd_document **doc,
                        char *err, size_t cap)
{
    rd_format fmt = rd_format_of(path);
    return rd_read(path, data, len, fmt ? fmt : RD_FORMAT_TXT, ro, doc, err, cap);
}

/* Formats whose pages may be pictures: a file of them that yields no text
 * is indexed by its name. */
static int may_be_scan(rd_format f)
{
    return f == RD_FORMAT_PDF || f == RD_FORMAT_PNG || f == RD_FORMAT_JPEG || f == RD_FORMAT_TIFF;
}

static void index_one(worker *w, vs_docbuilder *b, size_t i)
{
    run *r = w->r;
    input_file *f = &r->fs.files[i];
    char *raw = NULL;
    size_t raw_len = 0;
    int changed = 0;
    char cut[128], why[256];
    int read_rc = index_read_input(f->path, &raw, &raw_len, &changed, cut, sizeof cut, why, sizeof why);
    if (read_rc != 0) {
        say(r, _("vnindex: %s: %s, skipped\n"), f->path, why);
        atomic_fetch_add(&r->warnings, 1);
        /* A file the run may not read, or too big to read, is recorded with
         * no passages, so that the next run says "up to date" instead of
         * rebuilding for it; a chmod changes its ctime, and the run after
         * reads it again. */
        if (read_rc == EACCES || read_rc == EPERM || read_rc == -1)
            r->state[i].indexed = 1;
        rd_document_free(r->state[i].early);
        r->state[i].early = NULL;
        return;
    }
    r->state[i].hash = vs_content_hash(raw, raw_len);
    r->state[i].hashed = 1;
    if (cut[0]) { /* the size stays the file's, so the next run knows it unchanged */
        say(r, "vnindex: %s: %s\n", f->path, cut);
        atomic_fetch_add(&r->warnings, 1);
    } else {
        f->size = raw_len;
    }
    int rc;
    rd_document *doc = NULL;
    char err[512] = "";
    if (r->state[i].early) {
        doc = r->state[i].early;
        r->state[i].early = NULL;
        rc = RD_OK;
    } else if (r->state[i].early_rc) {
        rc = r->state[i].early_rc;
        snprintf(err, sizeof err, "%s", r->state[i].early_err ? r->state[i].early_err : rd_errmsg(rc));
    } else {
        char key[32];
        snprintf(key, sizeof key, "%016llx", (unsigned long long)r->state[i].hash);
        pagejobs_file pf;
        rd_options ro = {.no_ocr = r->o->no_ocr,
                         .ocr_cache_dir = r->ocr_cache[0] ? r->ocr_cache : NULL,
                         .ocr_cache_key = key,
                         .page_jobs = pagejobs_file_init(&pf, r->pages, f->path, &r->ocr_planned, &r->ocr_taken,
                                                         say_line, r)};
        rc = index_read_document(f->path, raw, raw_len, &ro, &doc, err, sizeof err);
    }
    free(raw);
    rd_format fmt = rd_format_of(f->path);
    if (rc == RD_ERR_NO_OCR_MODEL) {
        atomic_fetch_add(&r->ocr_missing, 1);
        r->state[i].retry = 1;
    }
    if (doc) {
        atomic_fetch_add(&r->ocr_pages, doc->ocr_pages);
        atomic_fetch_add(&r->ocr_cached, doc->ocr_cached);
        if (doc->ocr_unread) {
            atomic_fetch_add(&r->ocr_missing, 1);
            r->state[i].retry = 1;
        }
    }
    /* A scan that yields no text (OCR off, no model, nothing legible) is
     * still found by its name. */
    int picture = fmt == RD_FORMAT_PNG || fmt == RD_FORMAT_JPEG || fmt == RD_FORMAT_TIFF;
    if (((rc == RD_ERR_NO_TEXT || rc == RD_ERR_NO_OCR_MODEL) && may_be_scan(fmt)) ||
        (picture && (rc == RD_ERR_LIMIT || rc == RD_ERR_DAMAGED))) {
        say(r, _("vnindex: %s: %s; indexed by its name\n"), f->path, err[0] ? err : rd_errmsg(rc));
        atomic_fetch_add(&r->warnings, 1);
        rc = rd_name_document(f->name, fmt, &doc);
        if (rc) {
            fail(r, "out of memory");
            return;
        }
    } else if (rc == RD_OK && doc->count == 0 && may_be_scan(fmt)) {
        say(r, _("vnindex: %s: no text found; indexed by its name\n"), f->path);
        atomic_fetch_add(&r->warnings, 1);
        rd_document_free(doc);
        doc = NULL;
        rc = rd_name_document(f->name, fmt, &doc);
        if (rc) {
            fail(r, "out of memory");
            return;
        }
    }
    if (rc) {
        say(r, _("vnindex: %s: %s, skipped\n"), f->path, err[0] ? err : rd_errmsg(rc));
        atomic_fetch_add(&r->warnings, 1);
        /* A damaged, encrypted or scanned file is recorded with no passages,
         * so the next run leaves it alone until it changes; one waiting for
         * a converter to be installed is not. */
        if (rc != RD_ERR_NO_CONVERTER && rc != RD_ERR_NOMEM)
            r->state[i].indexed = 1;
        return;
    }
    for (size_t k = 0; k < doc->nwarnings; k++) { /* what the reader repaired or dropped */
        if (doc->warnings[k].line)
            say(r, "vnindex: %s:%zu: %s\n", f->path, doc->warnings[k].line, doc->warnings[k].text);
        else
            say(r, "vnindex: %s: %s\n", f->path, doc->warnings[k].text);
        atomic_fetch_add(&r->warnings, 1);
    }
    if (changed) {
        say(r, _("vnindex: %s: changed while being read; indexed what was read\n"), f->path);
        atomic_fetch_add(&r->warnings, 1);
    }
    vs_build_stats st = {0, 0, 0};
    rc = vs_docbuild_document(b, w->shards, r->nshards, f->name, doc, &st, err, sizeof err);
    rd_document_free(doc);
    if (rc) {
        fail(r, "%s: cannot index: %s", f->path, err);
        return;
    }
    if (st.passages + st.headings == 0) {
        say(r, _("vnindex: %s: no text to index\n"), f->path);
        atomic_fetch_add(&r->warnings, 1);
    }
    r->state[i].passages = st.passages + st.headings; /* documents in the index */
    r->state[i].indexed = 1;
    atomic_fetch_add(&r->passages_done, st.passages);
    atomic_fetch_add(&r->headings_done, st.headings);
    atomic_fetch_add(&r->bytes_done, raw_len);
}

/* A file is done; after the last one, the page jobs' queue closes. */
static void file_done(run *r)
{
    if (atomic_fetch_add(&r->files_done, 1) + 1 == r->ntodo && r->pages)
        pagejobs_close(r->pages);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    run *r = w->r;
    pagejobs_set_worker((int)w->index);
    vs_docbuilder *b = vs_docbuilder_new(r->tables, r->codec);
    if (!b) {
        fail(r, "out of memory");
        return NULL;
    }
    vs_docbuilder_set_build(b, r->gen);
    open_parts(w);
    while (!atomic_load(&r->failed)) {
        /* another worker's scan pages first: that file is being read now */
        if (r->pages && pagejobs_run_one(r->pages))
            continue;
        size_t k = atomic_fetch_add(&r->next, 1);
        if (k >= r->ntodo) {
            /* nothing left to claim: help with the pages of the files still being read */
            while (r->pages && !pagejobs_closed(r->pages) && !atomic_load(&r->failed))
                pagejobs_wait_run(r->pages, 100);
            break;
        }
        /* One big file at a time: each may cost a few hundred MB while it
         * is read (its bytes, their text, the blocks), so eight workers on
         * eight of them at once would not stay within a gigabyte.  A
         * worker waiting for its turn reads pages meanwhile. */
        int big = r->fs.files[r->todo[k]].size > BIG_FILE_BYTES;
        if (big) {
            while (r->pages && pthread_mutex_trylock(&r->big_lock) != 0)
                pagejobs_wait_run(r->pages, 20);
            if (!r->pages)
                pthread_mutex_lock(&r->big_lock);
        }
        index_one(w, b, r->todo[k]);
        if (big) {
            /* what it freed goes back to the system, not kept in this
             * thread's arena while another worker reads the next big file */
            malloc_trim(0);
            pthread_mutex_unlock(&r->big_lock);
        }
        file_done(r);
        w->part_docs += r->state[r->todo[k]].passages;
        if (w->part_docs >= part_docs_limit() * r->nshards) { /* a fresh part (see PART_DOCS) */
            close_parts(w);
            w->part++;
            if (open_parts(w))
                break;
        }
    }
    close_parts(w);
    vs_docbuilder_free(b);
    return NULL;
}

static void draw_progress(run *r, int final)
{
    size_t done = atomic_load(&r->files_done);
    double mb = (double)atomic_load(&r->bytes_done) / 1e6;
    double secs = now() - r->started;
    pthread_mutex_lock(&r->out_lock);
    fprintf(stderr, "\r\033[Kvnindex: [");
    int width = 24, filled = r->ntodo ? (int)((double)done / (double)r->ntodo * width) : width;
    for (int i = 0; i < width; i++)
        fputc(i < filled ? '#' : '.', stderr);
    long planned = atomic_load(&r->ocr_planned), taken = atomic_load(&r->ocr_taken);
    size_t passages = atomic_load(&r->passages_done);
    double rate = secs > 0 ? mb / secs : 0.0;
    if (planned > 0) /* scans read by OCR: their pages (read or from the cache) */
        /* TRANSLATORS: the progress line, after a bar drawn as [####....], while scans are read */
        vs_say(stderr, _("] %zu/%zu files  %ld/%ld pages  %.1f MB  %zu passages  %.1f MB/s"), done, r->ntodo,
               taken, planned, mb, passages, rate);
    else
        /* TRANSLATORS: the progress line, after a bar drawn as [####....] */
        vs_say(stderr, _("] %zu/%zu files  %.1f MB  %zu passages  %.1f MB/s"), done, r->ntodo, mb, passages, rate);
    if (final)
        fputc('\n', stderr);
    r->progress_drawn = !final;
    fflush(stderr);
    pthread_mutex_unlock(&r->out_lock);
}

/* --------------------------------------------------------------- build */

/* The files the new generation holds, for its metadata: those indexed now
 * and those kept (unchanged, or outside the PATHs of an --update).  The
 * array points into the run's own strings. */
static vs_file_info *new_file_list(run *r, size_t *n)
{
    vs_file_info *v = calloc(r->fs.count + r->known.nfiles + 1, sizeof *v);
    if (!v)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < r->fs.count; i++) {
        input_file *f = &r->fs.files[i];
        file_state *s = &r->state[i];
        if (s->action == ACT_KEEP || (s->action == ACT_INDEX && s->indexed))
            v[k++] = (vs_file_info){f->name, f->real, f->size, s->hash, f->mtime_ns, f->ctime_ns, f->ino,
                                    s->passages, s->action == ACT_KEEP ? s->build : r->gen};
        if (k && s->action == ACT_INDEX && s->indexed && s->retry) {
            /* recorded with a stat and hash it cannot match: read again next time */
            v[k - 1].mtime_ns = 0;
            v[k - 1].hash = s->hash ^ 1;
        }
    }
    for (size_t i = 0; i < r->known.nfiles; i++)
        if (r->seen[i] == KEPT_UNLISTED)
            v[k++] = r->known.files[i];
    *n = k;
    return v;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Once a generation is published: the OCR cache keeps the pages of the
 * files it holds, and drops those of files changed or gone (and any
 * temporary file a killed run left), so that it does not grow forever. */
static void prune_ocr_cache(run *r)
{
    if (!r->ocr_cache[0])
        return;
    size_t n = 0;
    vs_file_info *files = new_file_list(r, &n);
    uint64_t *keys = files ? malloc((n + 1) * sizeof *keys) : NULL;
    DIR *d = keys ? opendir(r->ocr_cache) : NULL;
    if (!d) {
        free(keys);
        free(files);
        return;
    }
    for (size_t i = 0; i < n; i++)
        keys[i] = files[i].hash;
    qsort(keys, n, sizeof *keys, cmp_u64);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *end = NULL;
        uint64_t key = strtoull(e->d_name, &end, 16);
        size_t tail = end ? strlen(end) : 0;
        int page = end == e->d_name + 16 && !strncmp(end, "-p", 2) && tail > 6 && !strcmp(end + tail - 4, ".txt");
        if (page && bsearch(&key, keys, n, sizeof *keys, cmp_u64))
            continue;
        char path[PATH_MAX];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", r->ocr_cache, e->d_name) < sizeof path)
            unlink(path);
    }
    closedir(d);
    free(keys);
    free(files);
}

/* In an --update of a sharded index (which has term lists): a compacted
 * copy of the current shard with the passages of changed and deleted files
 * removed. */
static int base_copy(run *r, size_t shard, char *out, size_t cap)
{
    char cur[PATH_MAX], err[PATH_MAX + 256];
    vs_gen_path(r->o->db, r->current, r->nshards > 1 ? (long)shard : -1, cur, sizeof cur);
    snprintf(out, cap, "%s/base-s%zu", r->scratch, shard);
    const char *src[1] = {cur};
    if (vs_merge(src, 1, out, err, sizeof err)) {
        fail(r, "%s: cannot copy the current index: %s", cur, err);
        return -1;
    }
    vs_part *part = NULL;
    if (vs_part_open(out, &part, err, sizeof err)) {
        fail(r, "%s", err);
        return -1;
    }
    char **gone = calloc(r->known.nfiles + 1, sizeof *gone);
    size_t ngone = 0;
    for (size_t i = 0; gone && i < r->known.nfiles; i++)
        if (r->seen[i] != KEPT_UNLISTED && r->seen[i] != SEEN_SAME)
            gone[ngone++] = r->known.files[i].name; /* changed or deleted */
    int rc = gone ? vs_part_delete_files(part, gone, ngone, err, sizeof err) : -1;
    if (rc)
        fail(r, "%s: %s", out, gone ? err : "out of memory");
    free(gone);
    vs_part_close(part);
    return rc;
}

/* In a layered update: the current base, its files hard-linked into the
 * new generation (copied where links cannot be made). */
static int link_base(run *r, const char *dest)
{
    char src[PATH_MAX];
    vs_gen_path(r->o->db, r->current, -1, src, sizeof src);
    if (r->known.layered)
        strncat(src, "/base", sizeof src - strlen(src) - 1);
    if (mkdir(dest, 0777) != 0) {
        fail(r, "%s: %s", dest, strerror(errno));
        return -1;
    }
    DIR *d = opendir(src);
    if (!d) {
        fail(r, "%s: %s", src, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char a[PATH_MAX], b[PATH_MAX];
        snprintf(a, sizeof a, "%s/%s", src, e->d_name);
        snprintf(b, sizeof b, "%s/%s", dest, e->d_name);
        if (link(a, b) == 0)
            continue;
        if (errno != EXDEV && errno != EPERM && errno != EMLINK) {
            fail(r, "%s: cannot link the base: %s", b, strerror(errno));
            rc = -1;
        } else if (vs_copy_file(a, b) != 0) {
            fail(r, "%s: cannot copy the base: %s", b, strerror(errno));
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

/* Merges the scratch databases of one shard into the new generation. */
typedef struct merge_job {
    run *r;
    size_t shard, nworkers;
    const vs_file_info *files; /* what the new generation holds */
    size_t nfiles;
    uint32_t docs;
    int failed;
    int threaded; /* ran in its own thread, to be joined */
    pthread_t thread;
} merge_job;

static void *merge_shard(void *arg)
{
    merge_job *j = arg;
    run *r = j->r;
    size_t s = j->shard;
    size_t n = 0, cap = 16;
    char **sources = calloc(cap, sizeof *sources);
    char base[PATH_MAX];
    j->failed = 1;
    if (!sources) {
        fail(r, "out of memory");
        return NULL;
    }
    if (r->sharded_update) {
        if (base_copy(r, s, base, sizeof base)) {
            free(sources);
            return NULL;
        }
        sources[n++] = strdup(base);
    }
    for (size_t w = 0; w < j->nworkers; w++)
        for (size_t k = 0;; k++) {
            char p[PATH_MAX];
            struct stat st;
            scratch_path(r, w, s, k, p, sizeof p);
            if (stat(p, &st) != 0)
                break;
            if (vs_db_doccount(p) == 0)
                continue;
            if (n + 1 >= cap) {
                char **more = realloc(sources, 2 * cap * sizeof *more);
                if (!more)
                    break;
                sources = more;
                cap *= 2;
            }
            sources[n++] = strdup(p);
        }
    if (n == 0) { /* nothing written (an update that only deletes): an empty part to merge */
        char p[PATH_MAX];
        scratch_path(r, 0, s, 0, p, sizeof p);
        sources[n++] = strdup(p);
    }
    char dest[PATH_MAX];
    if (r->nshards > 1)
        snprintf(dest, sizeof dest, "%s/out/shard-%zu", r->scratch, s);
    else if (r->layered)
        snprintf(dest, sizeof dest, "%s/out/delta", r->scratch);
    else
        snprintf(dest, sizeof dest, "%s/out", r->scratch);
    char err[PATH_MAX + 256] = "";
    int rc = vs_merge((const char *const *)sources, n, dest, err, sizeof err);
    for (size_t k = 0; k < n; k++)
        free(sources[k]);
    free(sources);
    vs_part *part = NULL;
    if (rc == 0)
        rc = vs_part_open(dest, &part, err, sizeof err);
    if (rc == 0)
        rc = vs_part_doccount(part, &j->docs);
    vs_index_meta meta = {r->tables, r->codec, j->files, j->nfiles, r->nshards,
                          r->layered ? r->known.base : r->gen, r->layered, r->layered ? r->retired.s : NULL,
                          r->layered ? r->retired_passages : 0};
    if (rc == 0)
        rc = vs_index_write_meta(part, &meta, err, sizeof err);
    vs_part_close(part);
    if (rc) {
        fail(r, "%s: cannot write the new index: %s", r->o->db, err);
        return NULL;
    }
    j->failed = 0;
    return NULL;
}

/* Merges every shard (in parallel: each is an independent compaction) and
 * moves the result to the new generation's directory. */
static int merge(run *r, size_t nworkers, size_t *total_docs)
{
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s/out", r->scratch);
    if ((r->nshards > 1 || r->layered) && mkdir(out, 0777) != 0) {
        fail(r, "%s: %s", out, strerror(errno));
        return -1;
    }
    if (r->layered) {
        char base[PATH_MAX + 8];
        snprintf(base, sizeof base, "%s/base", out);
        if (link_base(r, base))
            return -1;
    }
    merge_job jobs[MAX_SHARDS];
    size_t nfiles = 0;
    vs_file_info *files = new_file_list(r, &nfiles);
    if (!files) {
        fail(r, "out of memory");
        return -1;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t parallel = cpus > 0 ? (size_t)cpus : 1;
    *total_docs = 0;
    for (size_t first = 0; first < r->nshards; first += parallel) {
        size_t last = first + parallel < r->nshards ? first + parallel : r->nshards;
        for (size_t s = first; s < last; s++) {
            jobs[s] = (merge_job){r, s, nworkers, files, nfiles, 0, 1, 0, 0};
            jobs[s].threaded = last - first > 1 && pthread_create(&jobs[s].thread, NULL, merge_shard, &jobs[s]) == 0;
            if (!jobs[s].threaded)
                merge_shard(&jobs[s]);
        }
        for (size_t s = first; s < last; s++)
            if (jobs[s].threaded)
                pthread_join(jobs[s].thread, NULL);
    }
    free(files);
    for (size_t s = 0; s < r->nshards; s++) {
        if (jobs[s].failed)
            return -1;
        *total_docs += jobs[s].docs;
    }
    char final[PATH_MAX];
    vs_gen_path(r->o->db, r->gen, -1, final, sizeof final);
    if (rename(out, final) != 0) {
        fail(r, "%s: %s", final, strerror(errno));
        return -1;
    }
    return 0;
}

static int build(run *r, size_t *total_docs)
{
    vs_gen_path(r->o->db, r->gen, -1, r->scratch, sizeof r->scratch);
    strncat(r->scratch, ".tmp", sizeof r->scratch - strlen(r->scratch) - 1);
    struct stat st;
    if (lstat(r->scratch, &st) == 0 && !vs_gen_is_ours(r->scratch)) {
        fail(r, "%s: is in the way of the new index and was not made by vnindex; move it out of %s", r->scratch,
             r->o->db);
        r->scratch[0] = '\0'; /* not ours to remove on the way out */
        return -1;
    }
    vs_remove_tree(r->scratch);
    if (mkdir(r->scratch, 0777) != 0) {
        fail(r, "%s: %s", r->scratch, strerror(errno));
        return -1;
    }
    char mark[PATH_MAX + 32];
    snprintf(mark, sizeof mark, "%s/%s", r->scratch, VS_GEN_SCRATCH_MARK);
    int mfd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (mfd < 0) {
        fail(r, "%s: %s", mark, strerror(errno));
        return -1;
    }
    close(mfd);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nworkers = r->o->threads > 0 ? (size_t)r->o->threads : (size_t)(cpus > 0 ? cpus : 1);
    if (nworkers > 8 && r->o->threads <= 0)
        nworkers = 8;
    /* more workers than files only to read a scan's pages */
    int scans = 0;
    for (size_t k = 0; k < r->ntodo && !scans && !r->o->no_ocr; k++)
        scans = may_be_scan(rd_format_of(r->fs.files[r->todo[k]].path));
    if (nworkers > r->ntodo && !scans)
        nworkers = r->ntodo ? r->ntodo : 1;
    if (nworkers > 1 && !r->o->no_ocr) {
        r->pages = pagejobs_new(nworkers);
        if (!r->pages) {
            fail(r, "out of memory");
            return -1;
        }
        if (r->ntodo == 0)
            pagejobs_close(r->pages);
    }
    worker *ws = calloc(nworkers, sizeof *ws);
    if (!ws) {
        fail(r, "out of memory");
        return -1;
    }
    r->started = now();
    for (size_t w = 0; w < nworkers; w++) {
        ws[w].r = r;
        ws[w].index = w;
        if (pthread_create(&ws[w].thread, NULL, worker_main, &ws[w]) == 0)
            ws[w].started = 1;
        else
            fail(r, "cannot start a worker thread");
    }
    if (r->o->progress) {
        while (atomic_load(&r->files_done) < r->ntodo && !atomic_load(&r->failed)) {
            draw_progress(r, 0);
            struct timespec ts = {0, 200 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (r->pages && atomic_load(&r->failed))
        pagejobs_close(r->pages);
    for (size_t w = 0; w < nworkers; w++)
        if (ws[w].started)
            pthread_join(ws[w].thread, NULL);
    free(ws);
    pagejobs_free(r->pages);
    r->pages = NULL;
    if (r->o->progress && !atomic_load(&r->failed))
        draw_progress(r, 1);
    if (atomic_load(&r->failed))
        return -1;
    size_t indexed = atomic_load(&r->passages_done) + atomic_load(&r->headings_done);
    size_t kept = 0;
    for (size_t i = 0; i < r->fs.count; i++)
        if (r->state[i].action == ACT_KEEP)
            kept += r->state[i].passages;
    for (size_t i = 0; i < r->known.nfiles; i++)
        if (r->seen[i] == KEPT_UNLISTED)
            kept += r->known.files[i].passages;
    if (indexed + kept == 0 && !r->layered && !r->sharded_update)
        return 1; /* nothing to publish */
    return merge(r, nworkers, total_docs);
}

/* ------------------------------------------------------------- updates */

/* Adds a file indexed before from a path not given this time, to be read
 * again (its old name kept). */
static int add_unlisted(run *r, const vs_file_info *k)
{
    const char *p = k->real;
    fileset extra;
    int rc = 0;
    if (p && fileset_collect(&extra, &p, 1, stderr) == 0) {
        if (extra.count == 1) {
            input_file *grown = realloc(r->fs.files, (r->fs.count + 1) * sizeof *grown);
            if (grown)
                r->fs.files = grown;
            file_state *st = realloc(r->state, (r->fs.count + 2) * sizeof *st);
            if (st)
                r->state = st;
            size_t *td = realloc(r->todo, (r->fs.count + 2) * sizeof *td);
            if (td)
                r->todo = td;
            char *name = strdup(k->name);
            if (grown && st && td && name) {
                r->fs.files[r->fs.count] = extra.files[0];
                free(r->fs.files[r->fs.count].name);
                r->fs.files[r->fs.count].name = name;
                memset(&r->state[r->fs.count], 0, sizeof r->state[0]);
                r->state[r->fs.count].action = ACT_INDEX;
                r->fs.count++;
                extra.count = 0;
            } else {
                free(name);
                rc = -1;
            }
        }
        fileset_free(&extra);
    }
    return rc;
}

static void retire(run *r, const vs_file_info *k)
{
    char term[64];
    size_t tl;
    vs_version_term(k->name, r->known.base, term, sizeof term, &tl);
    if (r->retired.len)
        sb_putc(&r->retired, ' ');
    sb_append(&r->retired, term, tl);
}

/* Decides an --update: the files changed since the base go into the delta,
 * the base passages they replace are retired.  Returns 1 for a layered
 * update, 0 when a full build is the better deal (say why). */
static int plan_update(run *r)
{
    const vs_index_info *k = &r->known;
    uint64_t base_bytes = 0, delta_bytes = 0;
    size_t base_passages = 0, retired_passages = k->retired_passages, retired_terms = 0;
    sb_reset(&r->retired);
    if (k->retired && *k->retired) {
        sb_puts(&r->retired, k->retired);
        for (const char *p = k->retired; *p; p++)
            retired_terms += *p == ' ';
        retired_terms++;
    }
    for (size_t i = 0; i < r->fs.count; i++) {
        const vs_file_info *kf = vs_index_info_find(k, r->fs.files[i].name);
        file_state *s = &r->state[i];
        if (s->action == ACT_KEEP && kf->build == k->base) {
            s->build = kf->build;
            base_bytes += r->fs.files[i].size;
            base_passages += kf->passages;
            continue;
        }
        if (kf && kf->build == k->base) { /* changed: its base passages retire */
            retire(r, kf);
            retired_terms++;
            retired_passages += kf->passages;
        }
        s->action = ACT_INDEX; /* changed, new, or in the delta: written again */
        delta_bytes += r->fs.files[i].size;
    }
    for (size_t i = 0; i < k->nfiles; i++) {
        const vs_file_info *kf = &k->files[i];
        if (r->seen[i] == KEPT_UNLISTED) {
            if (kf->build == k->base) {
                base_bytes += kf->size;
                base_passages += kf->passages;
            } else {
                delta_bytes += kf->size;
            }
        } else if (r->seen[i] == NOT_SEEN && kf->build == k->base) { /* deleted */
            retire(r, kf);
            retired_terms++;
            retired_passages += kf->passages;
        }
    }
    r->retired_passages = retired_passages;
    if (r->retired.failed)
        return 0;
    const char *why = NULL;
    /* (a small index rebuilds in a moment: ratios, no floor) */
    if (delta_bytes > base_bytes / 4)
        why = _("vnindex: the files changed since the last full build are over a quarter of the index: "
                "rebuilding it in full\n");
    else if (retired_passages > base_passages / 4 || retired_terms > 4096)
        why = _("vnindex: over a quarter of the index has changed since the last full build: rebuilding it in full\n");
    if (why && !r->o->quiet)
        vs_say(stderr, "%s", why);
    return why == NULL;
}

/* The most text of converted documents (.doc, .rtf) that training keeps
 * for the workers. */
#define EARLY_BYTES ((size_t)64 << 20)

static size_t document_bytes(const rd_document *doc)
{
    size_t n = doc->count * sizeof *doc->blocks;
    for (size_t i = 0; i < doc->count; i++)
        n += doc->blocks[i].len + 1;
    return n;
}

/* The records' compression dictionary for a full build: trained on the
 * records of a sample of the files, taken evenly across them. */
static int train_codec(run *r, char *err, size_t cap)
{
    vs_samples *samples = vs_samples_new(SAMPLE_BYTES);
    vs_docbuilder *b = samples ? vs_docbuilder_new(r->tables, NULL) : NULL;
    if (!b) {
        vs_samples_free(samples);
        snprintf(err, cap, "out of memory");
        return -1;
    }
    vs_docbuilder_sample_into(b, samples);
    size_t kept = 0;
    /* every file when there are few, else a spread of them */
    size_t step = r->ntodo > 64 ? r->ntodo / 64 : 1;
    for (size_t k = 0; k < r->ntodo && !vs_samples_full(samples); k += step) {
        input_file *f = &r->fs.files[r->todo[k]];
        char *raw = NULL, e[256];
        size_t len;
        int changed;
        rd_document *doc = NULL;
        char note[128], why[256];
        if (index_read_input(f->path, &raw, &len, &changed, note, sizeof note, why, sizeof why) != 0)
            continue; /* the workers will say why */
        e[0] = '\0';
        /* the samples need no OCR: the workers read the scans, once */
        rd_options ro = {.no_ocr = 1};
        int rc = index_read_document(f->path, raw, len, &ro, &doc, e, sizeof e);
        if (rc == RD_OK) {
            /* the start of the file is enough: records are longer than
             * their text, so SAMPLE_BYTES of text fill what is left of the
             * samples, and tagging (its frameworks, dates) the rest of a
             * long file was a fifth of the work of indexing five */
            size_t all = doc->count, text = 0;
            for (size_t i = 0; i < all; i++)
                if ((text += doc->blocks[i].len) >= SAMPLE_BYTES) {
                    doc->count = i + 1;
                    break;
                }
            vs_build_stats st = {0, 0, 0};
            vs_docbuild_document(b, NULL, 0, f->name, doc, &st, e, sizeof e);
            doc->count = all;
        } else if (rd_converter_program(rd_format_of(f->path)) && rc != RD_ERR_NOMEM) {
            /* a converter that failed or timed out is not run again */
            r->state[r->todo[k]].early_rc = rc;
            r->state[r->todo[k]].early_err = strdup(e[0] ? e : rd_errmsg(rc));
        }
        /* what a converter made is kept for the worker, within a bound, so
         * that a slow (or hostile) .doc or .rtf costs one run of antiword
         * or unrtf, not two */
        size_t doc_bytes = doc ? document_bytes(doc) : 0;
        if (doc && rd_converter_program(doc->format) && kept + doc_bytes <= EARLY_BYTES) {
            r->state[r->todo[k]].early = doc;
            kept += doc_bytes;
            doc = NULL;
        }
        rd_document_free(doc);
        free(raw);
    }
    vs_docbuilder_free(b);
    int rc = vs_codec_train_samples(samples, &r->codec, err, cap);
    vs_samples_free(samples);
    return rc;
}

/* ------------------------------------------------------------------ run */

/* The run in progress, for on_fatal(). */
static run *current_run;

/* Xapian failed where it could not throw (vs_on_fatal): say so as any
 * failed write, clear the scratch, and stop; the previous index stands. */
static void on_fatal(const char *what)
{
    /* the exception may be lost on the way (C++ calls terminate with none
     * when a destructor throws while another unwinds): say what ran out */
    char why[256] = "";
    struct statvfs fs;
    if (current_run && statvfs(current_run->scratch, &fs) == 0 && (uint64_t)fs.f_bavail * fs.f_frsize < (4u << 20))
        snprintf(why, sizeof why, " (%s)", strerror(ENOSPC));
    /* TRANSLATORS: the first %s says what failed, the second is empty or " (No space left on device)" */
    vs_say(stderr, _("vnindex: cannot write the new index: %s%s; the previous index is unchanged\n"), what, why);
    if (current_run && current_run->scratch[0])
        vs_remove_tree(current_run->scratch);
    _exit(2);
}

int index_run(const index_options *o)
{
    run r;
    memset(&r, 0, sizeof r);
    r.o = o;
    pthread_mutex_init(&r.out_lock, NULL);
    pthread_mutex_init(&r.big_lock, NULL);
    /* Xapian would flush after 10000 documents by itself; the parts commit
     * every 1000 instead (FLUSH_THRESHOLD).  Small batches of our short
     * passages stay in cache: on the 200 MB benchmark corpus 300 ran 3.5x
     * faster than 10000 with positions and term lists, and without them
     * 1000 ran faster than 300 or 3000 (bench/README.md). */
    setenv("XAPIAN_FLUSH_THRESHOLD", FLUSH_THRESHOLD, 1);
    current_run = &r;
    vs_on_fatal(on_fatal);
    r.nshards = o->shards > 1 ? (size_t)o->shards : 1;
    int status = 2, lock = -1;
    char err[1024] = "";
    double t0 = now();

    if (r.nshards > MAX_SHARDS) {
        vs_say(stderr, _("vnindex: --shards: at most %d\n"), MAX_SHARDS);
        return 2;
    }
    if (fileset_collect(&r.fs, o->paths, o->npaths, stderr) != 0) {
        vs_say(stderr, _("vnindex: out of memory\n"));
        goto out;
    }
    atomic_store(&r.warnings, r.fs.warnings);
    if (vs_tables_load(o->frameworks_tsv, o->aliases_tsv, o->paths, o->npaths, &r.tables, err, sizeof err)) {
        vs_say(stderr, "vnindex: %s\n", err);
        goto out;
    }
    char used[2 * PATH_MAX + 64];
    vs_tables_describe(r.tables, used, sizeof used);
    if (!vs_tables_have_frameworks(r.tables)) {
        vs_say(stderr, _("vnindex: warning: no framework in the tables used (%s); passages get no framework tags\n"),
                used);
        atomic_fetch_add(&r.warnings, 1);
    }
    if ((lock = vs_gen_lock(o->db, err, sizeof err)) < 0) {
        vs_say(stderr, "vnindex: %s\n", err);
        goto out;
    }
    if (vs_index_info_read(o->db, &r.known, err, sizeof err) != 0) {
        vs_say(stderr, _("vnindex: out of memory\n"));
        goto out;
    }
    if (err[0])
        vs_say(stderr, _("vnindex: %s: current index unreadable (%s); rebuilding\n"), o->db, err);
    r.current = r.known.generation;
    if (r.current >= 0 && (!r.known.format || strcmp(r.known.format, VS_INDEX_FORMAT) != 0) && !o->quiet)
        vs_say(stderr, _("vnindex: %s was written in index format %s; rebuilding it in format %s\n"), o->db,
                r.known.format ? r.known.format : _("(none)"), VS_INDEX_FORMAT);
    vs_gen_cleanup(o->db, r.current); /* scratch of a killed run */
    /* the OCR cache, made under the lock in an index directory */
    if (!o->no_ocr && (size_t)snprintf(r.ocr_cache, sizeof r.ocr_cache, "%s/%s", o->db, INDEX_OCR_CACHE) <
                          sizeof r.ocr_cache) {
        if (mkdir(r.ocr_cache, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, _("vnindex: %s: %s; OCR text is not cached\n"), r.ocr_cache, strerror(errno));
            r.ocr_cache[0] = '\0';
        }
    } else {
        r.ocr_cache[0] = '\0';
    }
    r.gen = r.current + 1;
    if (r.gen < 1)
        r.gen = 1;

    r.state = calloc(r.fs.count + 1, sizeof *r.state);
    r.todo = calloc(r.fs.count + 1, sizeof *r.todo);
    r.seen = calloc(r.known.nfiles + 1, sizeof *r.seen);
    if (!r.state || !r.todo || !r.seen) {
        vs_say(stderr, _("vnindex: out of memory\n"));
        goto out;
    }
    int same_tables = vs_index_info_same_tables(&r.known, r.tables) && r.known.shards == r.nshards;
    size_t changed = 0, deleted = 0;
    for (size_t i = 0; i < r.fs.count; i++) {
        vs_file_info *kf = vs_index_info_find(&r.known, r.fs.files[i].name);
        if (kf)
            *seen_of(&r, kf) = SEEN_CHANGED;
        if (same_tables && unchanged(&r, i, kf)) {
            r.state[i].action = ACT_KEEP;
            r.state[i].passages = kf->passages;
            r.state[i].build = kf->build;
            *seen_of(&r, kf) = SEEN_SAME;
        } else {
            r.state[i].action = ACT_INDEX;
            changed++;
        }
    }
    for (size_t i = 0; i < r.known.nfiles; i++) {
        vs_file_info *k = &r.known.files[i];
        if (r.seen[i])
            continue;
        struct stat st;
        int gone = !k->real || stat(k->real, &st) != 0;
        if (o->update && !gone && !fileset_covers(&r.fs, k->real ? k->real : ""))
            r.seen[i] = KEPT_UNLISTED;
        else
            deleted++;
    }
    if (!o->force && same_tables && changed == 0 && deleted == 0) {
        if (!o->quiet)
            vs_say(stderr, ngettext("vnindex: %s is up to date (%zu file)\n", "vnindex: %s is up to date (%zu files)\n", r.fs.count),
                       o->db, r.fs.count);
        status = 0;
        goto out;
    }
    /* An --update of a one-database index writes a delta (see "Updates"
     * above) unless it has grown too big for that. */
    if (o->update && same_tables && !o->force && r.nshards == 1)
        r.layered = plan_update(&r);
    r.sharded_update = o->update && same_tables && !o->force && r.nshards > 1;
    for (size_t i = 0; !r.layered && !r.sharded_update && i < r.fs.count; i++)
        r.state[i].action = ACT_INDEX; /* a full build re-reads every input */
    /* Files indexed before from paths not given this time: re-read too, by
     * a full build, or by an update when they are in the delta. */
    for (size_t i = 0; o->update && !r.sharded_update && i < r.known.nfiles; i++)
        if (r.seen[i] == KEPT_UNLISTED && (!r.layered || r.known.files[i].build != r.known.base)) {
            if (add_unlisted(&r, &r.known.files[i]) != 0) {
                vs_say(stderr, _("vnindex: out of memory\n"));
                goto out;
            }
            r.seen[i] = SEEN_CHANGED;
        }
    for (size_t i = 0; i < r.fs.count; i++)
        if (r.state[i].action == ACT_INDEX)
            r.todo[r.ntodo++] = i;
    if (r.layered || r.sharded_update)
        r.codec_ok = vs_codec_from_dict(r.known.dict, r.known.dict_len, &r.codec) == 0;
    else
        r.codec_ok = train_codec(&r, err, sizeof err) == 0;
    if (!r.codec_ok) {
        vs_say(stderr, "vnindex: %s\n", err[0] ? err : _("out of memory"));
        goto out;
    }

    size_t total_docs = 0;
    int b = build(&r, &total_docs);
    if (b == 1) {
        vs_say(stderr,
               ngettext("vnindex: nothing indexed: no passages in %zu file; %s left as it was\n",
                        "vnindex: nothing indexed: no passages in %zu files; %s left as it was\n", r.ntodo),
               r.ntodo, o->db);
        status = 1;
        goto out;
    }
    if (b != 0) {
        vs_say(stderr, _("vnindex: %s; the previous index is unchanged\n"), r.error[0] ? r.error : _("failed"));
        goto out;
    }
    if (vs_gen_publish(o->db, r.gen, r.nshards, r.layered, err, sizeof err) != 0) {
        vs_say(stderr, _("vnindex: %s; the previous index is unchanged\n"), err);
        goto out;
    }
    vs_gen_cleanup(o->db, r.gen);
    prune_ocr_cache(&r);
    status = 0;
    if (!o->quiet) {
        double secs = now() - t0;
        double mb = (double)atomic_load(&r.bytes_done) / 1e6;
        size_t w = atomic_load(&r.warnings);
        size_t nf = 0, in_index = 0;
        vs_file_info *files = new_file_list(&r, &nf);
        for (size_t i = 0; files && i < nf; i++)
            in_index += files[i].passages;
        free(files);
        (void)total_docs;
        fprintf(stderr, _("vnindex: tables: %s\n"), used);
        char warnings[64];
        snprintf(warnings, sizeof warnings, ngettext("%zu warning", "%zu warnings", w), w);
        /* TRANSLATORS: the last %s is "N warnings" */
        const char *summary =
            r.layered || r.sharded_update
                ? ngettext("vnindex: updated %zu file (%.1f MB, %zu passages, %zu headings) into %s in %.2f s "
                           "(%.1f MB/s): %zu passages and headings in the index, %s\n",
                           "vnindex: updated %zu files (%.1f MB, %zu passages, %zu headings) into %s in %.2f s "
                           "(%.1f MB/s): %zu passages and headings in the index, %s\n",
                           r.ntodo)
                : ngettext("vnindex: indexed %zu file (%.1f MB, %zu passages, %zu headings) into %s in %.2f s "
                           "(%.1f MB/s): %zu passages and headings in the index, %s\n",
                           "vnindex: indexed %zu files (%.1f MB, %zu passages, %zu headings) into %s in %.2f s "
                           "(%.1f MB/s): %zu passages and headings in the index, %s\n",
                           r.ntodo);
        fprintf(stderr, summary, r.ntodo, mb, atomic_load(&r.passages_done), atomic_load(&r.headings_done), o->db,
                secs, secs > 0 ? mb / secs : 0.0, in_index, warnings);
        size_t op = atomic_load(&r.ocr_pages), oc = atomic_load(&r.ocr_cached);
        if (op + oc)
            fprintf(stderr, ngettext("vnindex: OCR: %zu page read, %zu from the cache\n",
                                     "vnindex: OCR: %zu pages read, %zu from the cache\n", op),
                    op, oc);
    }
    size_t om = atomic_load(&r.ocr_missing);
    if (om)
        fprintf(stderr,
                ngettext("vnindex: warning: %zu file with scanned pages not read: OCR needs Tesseract's Vietnamese "
                         "model: install %s; it is read again on the next run\n",
                         "vnindex: warning: %zu files with scanned pages not read: OCR needs Tesseract's Vietnamese "
                         "model: install %s; they are read again on the next run\n",
                         om),
                om, RD_OCR_PACKAGE);
out:
    if (r.scratch[0])
        vs_remove_tree(r.scratch);
    for (size_t i = 0; r.state && i < r.fs.count; i++)
    {
        rd_document_free(r.state[i].early); /* a run that failed before its workers took them */
        free(r.state[i].early_err);
    }
    current_run = NULL;
    vs_gen_unlock(lock);
    free(r.state);
    free(r.todo);
    free(r.seen);
    vs_index_info_free(&r.known);
    vs_tables_free(r.tables);
    vs_codec_free(r.codec);
    sb_free(&r.retired);
    fileset_free(&r.fs);
    pthread_mutex_destroy(&r.out_lock);
    pthread_mutex_destroy(&r.big_lock);
    return status;
}
