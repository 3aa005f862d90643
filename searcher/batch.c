/*
 * Batch runs (see batch.h).
 *
 * Three kinds of thread share a ring of slots: a reader thread reads the
 * input a line at a time into the next free slot; worker threads, each with
 * its own engine (database, enquire, alias table), take the next slot read
 * and answer its query into the slot's own buffer; the main thread writes
 * the slots out in input order as each is done, which frees it for the
 * reader.  So the output streams, a slow pipe of queries is answered as it
 * comes, and memory is bounded by the ring (8 slots a worker), never by
 * the size of the input.
 */
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <libintl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vnsearch.h"
#include "vntext.h"

#define _(s) gettext(s)

/* ------------------------------------------------------------- reading */

#define READ_CHUNK (64 * 1024)

struct batch_reader {
    int fd;                  /* -1: reading data[0..len) */
    const char *data;
    size_t len, off;
    char *buf;               /* unread input: buf[start..end) */
    size_t cap, start, end;
    size_t lineno;
    uint64_t consumed;
    int eof;
    atomic_int cancelled;    /* batch_reader_cancel() */
};

batch_reader *batch_reader_new(int fd, const char *data, size_t len)
{
    batch_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->fd = fd;
    r->data = data;
    r->len = data ? len : 0;
    r->cap = BATCH_LINE_MAX + 1 + READ_CHUNK;
    r->buf = malloc(r->cap);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    return r;
}

void batch_reader_free(batch_reader *r)
{
    if (r) {
        free(r->buf);
        free(r);
    }
}

uint64_t batch_reader_offset(const batch_reader *r)
{
    return r->consumed;
}

void batch_reader_cancel(batch_reader *r)
{
    atomic_store(&r->cancelled, 1);
}

void batch_item_free(batch_item *it)
{
    free(it->id);
    free(it->query);
    free(it->error);
    memset(it, 0, sizeof *it);
}

/* Reads more input after buf[end], moving what is unread to the front
 * first.  Returns the bytes read, 0 at the end, -1 on a read error. */
static long fill(batch_reader *r)
{
    if (r->eof)
        return 0;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    size_t room = r->cap - r->end;
    long n;
    if (r->fd < 0) {
        n = (long)(r->len - r->off < room ? r->len - r->off : room);
        memcpy(r->buf + r->end, r->data + r->off, (size_t)n);
        r->off += (size_t)n;
    } else {
        /* wait in short steps, so that a cancel is seen even when the
         * other end of a pipe never writes or closes */
        for (;;) {
            if (atomic_load(&r->cancelled)) {
                errno = ECANCELED;
                return -1;
            }
            struct pollfd p = {r->fd, POLLIN, 0};
            int ready = poll(&p, 1, 200);
            if (ready > 0 || (ready < 0 && errno != EINTR))
                break; /* readable, or an error that read() reports */
        }
        do
            n = (long)read(r->fd, r->buf + r->end, room);
        while (n < 0 && errno == EINTR);
    }
    if (n > 0)
        r->end += (size_t)n;
    else if (n == 0)
        r->eof = 1;
    return n;
}

/* Skips the rest of a line too long to keep, reading on to its line break
 * without keeping any of it.  Returns 0, or -1 with a message. */
static int skip_line(batch_reader *r, char *err, size_t cap)
{
    uint64_t skipped = 0;
    for (;;) {
        char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
        if (nl) {
            size_t upto = (size_t)(nl - r->buf) + 1;
            r->consumed += upto - r->start;
            r->start = upto;
            return 0;
        }
        skipped += r->end - r->start;
        r->consumed += r->end - r->start;
        r->start = r->end = 0;
        if (skipped > BATCH_SKIP_MAX) {
            snprintf(err, cap, "line %zu: no line break in %llu GiB: not a file of queries; stopped there", r->lineno,
                     (unsigned long long)(BATCH_SKIP_MAX >> 30));
            return -1;
        }
        long n = fill(r);
        if (n < 0) {
            snprintf(err, cap, "cannot read: %s", strerror(errno));
            return -1;
        }
        if (n == 0)
            return 0;
    }
}

static int bad_line(batch_item *it, const char *fmt, size_t arg)
{
    char msg[160];
    snprintf(msg, sizeof msg, fmt, arg);
    it->error = strdup(msg);
    return it->error ? 1 : -1;
}

/* One complete line s[0..l) (no line break): 1 and *it filled, 0 for a line
 * to skip, -1 when out of memory. */
static int parse_line(batch_reader *r, const char *s, size_t l, batch_item *it)
{
    memset(it, 0, sizeof *it);
    it->line = r->lineno;
    size_t first = 0; /* offset of s in the line as given (BOMs dropped) */
    if (l && s[l - 1] == '\r')
        l--;
    /* A byte order mark: the file's, one a tool added in front of it, or one
     * inside a file made by joining files that had theirs (cat a.tsv b.tsv).
     * At the start of a line U+FEFF joins nothing; left there, it would be an
     * invisible first character of the id. */
    while (l >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        l -= 3;
        first += 3;
    }
    size_t lead = 0;
    while (lead < l && (s[lead] == ' ' || s[lead] == '\t'))
        lead++;
    if (lead == l || s[lead] == '#')
        return 0;
    size_t ok = vn_utf8_text_prefix(s, l);
    if (ok < l)
        return bad_line(it, s[ok] == '\0' ? "a NUL byte at byte %zu (line skipped)"
                                          : "invalid UTF-8 at byte %zu (line skipped)",
                        first + ok + 1);
    const char *tab = memchr(s, '\t', l);
    if (tab) {
        it->id = strndup(s, (size_t)(tab - s));
        it->query = strndup(tab + 1, l - (size_t)(tab - s) - 1);
    } else {
        char idbuf[32];
        snprintf(idbuf, sizeof idbuf, "%zu", r->lineno);
        it->id = strdup(idbuf);
        it->query = strndup(s, l);
    }
    if (!it->id || !it->query) {
        batch_item_free(it);
        return -1;
    }
    return 1;
}

int batch_reader_next(batch_reader *r, batch_item *item, char *err, size_t cap)
{
    memset(item, 0, sizeof *item);
    for (;;) {
        char *line = r->buf + r->start;
        char *nl = memchr(line, '\n', r->end - r->start);
        size_t have = nl ? (size_t)(nl - line) : r->end - r->start;
        if (!nl && have <= BATCH_LINE_MAX && !r->eof) {
            if (fill(r) < 0) {
                snprintf(err, cap, "cannot read: %s", strerror(errno));
                return -1;
            }
            continue;
        }
        if (!nl && have == 0)
            return 0; /* the end */
        r->lineno++;
        if (have > BATCH_LINE_MAX) {
            if (skip_line(r, err, cap) != 0)
                return -1;
            item->line = r->lineno;
            if (bad_line(item, "query too long: the line passes %zu bytes (a query is at most 64 KiB)",
                         (size_t)BATCH_LINE_MAX) < 0) {
                snprintf(err, cap, "out of memory");
                return -1;
            }
            return 1;
        }
        size_t used = have + (nl ? 1 : 0);
        r->start += used;
        r->consumed += used;
        int rc = parse_line(r, line, have, item);
        if (rc < 0) {
            snprintf(err, cap, "out of memory");
            return -1;
        }
        if (rc > 0)
            return 1;
    }
}

/* ------------------------------------------------------------- running */

typedef struct slot {
    batch_item item;
    strbuf out;
    char *error;     /* the query's error (VS_ERR_QUERY) */
    int done;        /* answered, or a bad line: ready to write */
} slot;

typedef struct batch {
    const batch_options *o;
    batch_reader *reader;
    slot *ring;
    size_t window;                    /* slots in the ring */
    size_t nread, nstarted, nwritten; /* items read, handed to a worker, written out */
    int eof;                          /* the reader has finished */
    uint64_t offset;                  /* input bytes read, for the progress line */
    int fatal;
    char fatal_msg[1024];
    uint64_t total;                   /* input size when known, for the ETA */
    pthread_mutex_t lock;
    /* Three conditions, so that each thread wakes only for what it waits
     * for: with one, every answer woke the reader, the writer and the
     * other workers, and on two cores two worker threads ran no faster
     * than one. */
    pthread_cond_t room;              /* the writer wrote a slot: the reader may read on */
    pthread_cond_t work;              /* an item was read (or the end came): a worker may take it */
    pthread_cond_t answered;          /* a slot is done (or the end came): the writer may write */
} batch;

/* Under the lock: the end of the input or a fatal error, for every thread. */
static void wake_all(batch *b)
{
    pthread_cond_broadcast(&b->room);
    pthread_cond_broadcast(&b->work);
    pthread_cond_broadcast(&b->answered);
}

/* Under the lock: the first fatal error wins. */
static void set_fatal(batch *b, const char *msg)
{
    if (!b->fatal)
        snprintf(b->fatal_msg, sizeof b->fatal_msg, "%s", msg);
    b->fatal = 1;
    wake_all(b);
}

static void *reader_thread(void *arg)
{
    batch *b = arg;
    char err[512];
    for (;;) {
        batch_item it;
        int rc = batch_reader_next(b->reader, &it, err, sizeof err);
        pthread_mutex_lock(&b->lock);
        if (rc <= 0) {
            if (rc < 0) {
                char msg[700];
                snprintf(msg, sizeof msg, "%s: %s", strcmp(b->o->file, "-") ? b->o->file : "stdin", err);
                set_fatal(b, msg);
            }
            b->eof = 1;
            wake_all(b);
            pthread_mutex_unlock(&b->lock);
            return NULL;
        }
        while (b->nread - b->nwritten >= b->window && !b->fatal)
            pthread_cond_wait(&b->room, &b->lock);
        if (b->fatal) {
            b->eof = 1;
            wake_all(b);
            pthread_mutex_unlock(&b->lock);
            batch_item_free(&it);
            return NULL;
        }
        slot *s = &b->ring[b->nread % b->window];
        b->offset = batch_reader_offset(b->reader);
        s->item = it;
        s->done = it.error != NULL; /* a bad line needs no worker */
        b->nread++;
        pthread_cond_signal(s->done ? &b->answered : &b->work);
        pthread_mutex_unlock(&b->lock);
    }
}

static void answer(batch *b, vs_engine *e, vs_request *req, slot *s)
{
    char err[1024];
    req->query = s->item.query;
    vs_result res;
    int rc = vs_search(e, req, &res, err, sizeof err);
    if (rc == VS_OK) {
        out_options oo = b->o->out;
        oo.qid = s->item.id;
        oo.query = s->item.query;
        out_result(&s->out, &res, &oo);
        vs_result_free(&res);
    } else if (rc == VS_ERR_QUERY) {
        s->error = strdup(err);
    } else {
        pthread_mutex_lock(&b->lock);
        set_fatal(b, err);
        pthread_mutex_unlock(&b->lock);
    }
}

static void *worker(void *arg)
{
    batch *b = arg;
    char err[1024];
    vs_engine *e = NULL;
    if (vs_open(b->o->db, b->o->open_flags | VS_OPEN_HOLD_KEYS, &e, err, sizeof err) != VS_OK) {
        pthread_mutex_lock(&b->lock);
        set_fatal(b, err);
        pthread_mutex_unlock(&b->lock);
        return NULL;
    }
    vs_request req = *b->o->req;
    pthread_mutex_lock(&b->lock);
    for (;;) {
        while (b->nstarted == b->nread && !b->eof && !b->fatal)
            pthread_cond_wait(&b->work, &b->lock);
        if (b->fatal || b->nstarted == b->nread)
            break;
        slot *s = &b->ring[b->nstarted++ % b->window];
        if (s->done)
            continue; /* a bad line */
        pthread_mutex_unlock(&b->lock);
        answer(b, e, &req, s);
        pthread_mutex_lock(&b->lock);
        s->done = 1;
        if (s == &b->ring[b->nwritten % b->window]) /* the one the writer waits for */
            pthread_cond_signal(&b->answered);
    }
    pthread_mutex_unlock(&b->lock);
    vs_close(e);
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The progress line; the ETA when the input's size is known. */
static void progress(const batch *b, size_t done, double t0, int final)
{
    double secs = now() - t0, rate = secs > 0 ? (double)done / secs : 0;
    fputs("\r\033[K", stderr);
    fprintf(stderr, _("vnsearch: %zu queries  %.0f/s"), done, rate);
    uint64_t at = b->offset;
    if (b->total && at && !final && secs > 0)
        /* TRANSLATORS: ETA: the time left, estimated */
        vs_say(stderr, _("  %.0f%%  ETA %.0f s"), 100.0 * (double)at / (double)b->total,
                secs * (double)(b->total - (at < b->total ? at : b->total)) / (double)at);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

/* A failed line's row in a table: its id (the line number when it could
 * not be read) and query, and why it failed. */
static void error_row(const batch *b, slot *s)
{
    char line[32], msg[1200];
    snprintf(line, sizeof line, "%zu", s->item.line);
    out_options oo = b->o->out;
    oo.qid = s->item.id ? s->item.id : line;
    oo.query = s->item.query;
    snprintf(msg, sizeof msg, "line %zu: %s", s->item.line, s->item.error ? s->item.error : s->error);
    out_error_row(&s->out, &oo, msg);
}

/* Writes slot s (item number k) out; returns 1 if it failed. */
static int write_slot(const batch *b, slot *s, const char *name)
{
    int failed = 0;
    if (s->item.error || s->error) {
        if (b->o->progress)
            fputs("\r\033[K", stderr);
        if (s->item.error)
            vs_say(stderr, "vnsearch: %s:%zu: %s\n", name, s->item.line, s->item.error);
        else
            vs_say(stderr, _("vnsearch: %s:%zu: %s (query %s skipped)\n"), name, s->item.line, s->error, s->item.id);
        failed = 1;
        error_row(b, s);
    }
    if (s->out.len) {
        fwrite(s->out.s, 1, s->out.len, stdout);
    }
    sb_free(&s->out);
    free(s->error);
    batch_item_free(&s->item);
    memset(s, 0, sizeof *s);
    return failed;
}

static int open_input(const char *file, int *fd, uint64_t *size)
{
    *fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    if (*fd < 0)
        return -1;
    struct stat st;
    int known = fstat(*fd, &st) == 0;
    *size = known && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    if (known && S_ISDIR(st.st_mode)) {
        if (*fd != STDIN_FILENO)
            close(*fd);
        errno = EISDIR;
        return -1;
    }
    return 0;
}

int batch_run(const batch_options *o)
{
    char err[1024];
    const char *name = strcmp(o->file, "-") ? o->file : "stdin";
    batch b;
    memset(&b, 0, sizeof b);
    b.o = o;
    int fd;
    if (open_input(o->file, &fd, &b.total) != 0) {
        vs_say(stderr, "vnsearch: %s: %s\n", o->file, strerror(errno));
        return 2;
    }
    /* Fail fast on a missing database rather than once per thread. */
    vs_engine *probe = NULL;
    if (vs_open(o->db, o->open_flags, &probe, err, sizeof err) != VS_OK) {
        vs_say(stderr, "vnsearch: %s\n", err);
        if (fd != STDIN_FILENO)
            close(fd);
        return 2;
    }
    vs_close(probe);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nthreads = o->threads > 0 ? (size_t)o->threads : (size_t)(cpus > 0 ? cpus : 1);
    b.window = 8 * nthreads;
    b.reader = batch_reader_new(fd, NULL, 0);
    b.ring = calloc(b.window, sizeof *b.ring);
    pthread_t *th = calloc(nthreads, sizeof *th), reader;
    if (!b.reader || !b.ring || !th) {
        vs_say(stderr, _("vnsearch: out of memory\n"));
        batch_reader_free(b.reader);
        free(b.ring);
        free(th);
        if (fd != STDIN_FILENO)
            close(fd);
        return 2;
    }
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.room, NULL);
    pthread_cond_init(&b.work, NULL);
    pthread_cond_init(&b.answered, NULL);
    size_t started = 0;
    int reading = pthread_create(&reader, NULL, reader_thread, &b) == 0;
    for (size_t i = 0; reading && i < nthreads; i++)
        if (pthread_create(&th[i], NULL, worker, &b) == 0)
            started++;
    if (!reading || started == 0) {
        pthread_mutex_lock(&b.lock);
        set_fatal(&b, "cannot start threads");
        b.eof = !reading || b.eof;
        pthread_mutex_unlock(&b.lock);
    }

    strbuf header = STRBUF_INIT;
    out_table_header(&header, o->out.format, 1, o->out.group);
    if (header.len)
        fwrite(header.s, 1, header.len, stdout);
    sb_free(&header);
    size_t failed = 0;
    double t0 = now(), last = 0;
    int unflushed = 0;
    pthread_mutex_lock(&b.lock);
    for (;;) {
        slot *s = &b.ring[b.nwritten % b.window];
        if (unflushed && b.nwritten == b.nread) {
            /* everything read is answered: the input is slow (a pipe, a
             * person typing), so what is answered goes out now */
            pthread_mutex_unlock(&b.lock);
            fflush(stdout);
            unflushed = 0;
            pthread_mutex_lock(&b.lock);
            continue;
        }
        while (!(b.nwritten < b.nread && s->done) && !(b.eof && b.nwritten == b.nread) && !b.fatal) {
            if (o->progress) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 200 * 1000 * 1000;
                if (ts.tv_nsec >= 1000000000) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000;
                }
                pthread_cond_timedwait(&b.answered, &b.lock, &ts);
                if (now() - last > 0.2) {
                    progress(&b, b.nwritten, t0, 0);
                    last = now();
                }
            } else {
                pthread_cond_wait(&b.answered, &b.lock);
            }
        }
        if (!(b.nwritten < b.nread && s->done))
            break; /* the end, or a fatal error before this slot was answered */
        pthread_mutex_unlock(&b.lock);
        failed += (size_t)write_slot(&b, s, name);
        unflushed = 1;
        pthread_mutex_lock(&b.lock);
        b.nwritten++;
        pthread_cond_signal(&b.room);
    }
    size_t total = b.nread;
    pthread_mutex_unlock(&b.lock);
    batch_reader_cancel(b.reader); /* after a fatal error it may still wait for input */
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (reading)
        pthread_join(reader, NULL);
    free(th);
    if (o->progress)
        progress(&b, b.nwritten, t0, 1);
    int status = failed ? 2 : 0;
    if (b.fatal) {
        vs_say(stderr, "vnsearch: %s\n", b.fatal_msg);
        status = 2;
    } else if (failed) {
        vs_say(stderr, ngettext("vnsearch: %zu of %zu query failed\n", "vnsearch: %zu of %zu queries failed\n", total), failed, total);
    }
    for (size_t k = 0; k < b.window; k++) {
        sb_free(&b.ring[k].out);
        free(b.ring[k].error);
        batch_item_free(&b.ring[k].item);
    }
    free(b.ring);
    batch_reader_free(b.reader);
    if (fd != STDIN_FILENO)
        close(fd);
    pthread_mutex_destroy(&b.lock);
    pthread_cond_destroy(&b.room);
    pthread_cond_destroy(&b.work);
    pthread_cond_destroy(&b.answered);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        vs_say(stderr, _("vnsearch: cannot write the results\n"));
        return 2;
    }
    return status;
}
