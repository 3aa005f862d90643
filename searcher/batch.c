/*
 * Batch runs (see batch.h).
 *
 * The queries are handed out to worker threads through an atomic counter;
 * each worker has its own engine (database, enquire, alias table), so a
 * query costs only its own parsing and matching.  Each result is formatted
 * into its own buffer, and the main thread writes the buffers in input order
 * as soon as the next one is ready, so output streams and memory stays
 * bounded by how far the fastest worker runs ahead.
 */
#include "batch.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vnsearch.h"

int batch_parse(const char *text, size_t len, batch_item **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    size_t cap = 0, lineno = 0;
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t l = end - off;
        const char *s = text + off;
        off = end + 1;
        lineno++;
        if (l && s[l - 1] == '\r')
            l--;
        size_t lead = 0;
        while (lead < l && (s[lead] == ' ' || s[lead] == '\t'))
            lead++;
        if (lead == l || s[lead] == '#')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            batch_item *p = realloc(*items, cap * sizeof *p);
            if (!p)
                return -1;
            *items = p;
        }
        batch_item *it = &(*items)[*n];
        const char *tab = memchr(s, '\t', l);
        char idbuf[32];
        if (tab) {
            it->id = strndup(s, (size_t)(tab - s));
            it->query = strndup(tab + 1, l - (size_t)(tab - s) - 1);
        } else {
            snprintf(idbuf, sizeof idbuf, "%zu", lineno);
            it->id = strdup(idbuf);
            it->query = strndup(s, l);
        }
        it->line = lineno;
        if (!it->id || !it->query) {
            free(it->id);
            free(it->query);
            return -1;
        }
        (*n)++;
    }
    return 0;
}

void batch_items_free(batch_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].id);
        free(items[i].query);
    }
    free(items);
}

typedef struct slot {
    strbuf out;
    char *error;           /* a bad line's message */
    atomic_int done;
} slot;

typedef struct batch {
    const batch_options *o;
    batch_item *items;
    size_t n;
    slot *slots;
    atomic_size_t next, finished;
    atomic_int fatal;
    char fatal_msg[1024];
    pthread_mutex_t lock;
    pthread_cond_t ready;
} batch;

/* A TREC query id must be one token. */
static char *trec_qid(const char *id)
{
    char *q = strdup(*id ? id : "_");
    for (char *c = q; c && *c; c++)
        if (*c == ' ' || *c == '\t')
            *c = '_';
    return q;
}

static void *worker(void *arg)
{
    batch *b = arg;
    char err[1024];
    vs_engine *e = NULL;
    if (vs_open(b->o->db, b->o->open_flags, &e, err, sizeof err) != VS_OK) {
        pthread_mutex_lock(&b->lock);
        if (!atomic_load(&b->fatal))
            snprintf(b->fatal_msg, sizeof b->fatal_msg, "%s", err);
        atomic_store(&b->fatal, 1);
        pthread_cond_broadcast(&b->ready);
        pthread_mutex_unlock(&b->lock);
        return NULL;
    }
    vs_request req = *b->o->req;
    while (!atomic_load(&b->fatal)) {
        size_t k = atomic_fetch_add(&b->next, 1);
        if (k >= b->n)
            break;
        slot *s = &b->slots[k];
        req.query = b->items[k].query;
        vs_result res;
        int rc = vs_search(e, &req, &res, err, sizeof err);
        if (rc == VS_OK) {
            out_options oo = b->o->out;
            char *qid = oo.format == OUT_TREC ? trec_qid(b->items[k].id) : NULL;
            oo.qid = qid ? qid : b->items[k].id;
            out_result(&s->out, &res, &oo);
            free(qid);
            vs_result_free(&res);
        } else if (rc == VS_ERR_QUERY) {
            s->error = strdup(err);
        } else {
            pthread_mutex_lock(&b->lock);
            if (!atomic_load(&b->fatal))
                snprintf(b->fatal_msg, sizeof b->fatal_msg, "%s", err);
            atomic_store(&b->fatal, 1);
            pthread_mutex_unlock(&b->lock);
        }
        pthread_mutex_lock(&b->lock);
        atomic_store(&s->done, 1);
        atomic_fetch_add(&b->finished, 1);
        pthread_cond_broadcast(&b->ready);
        pthread_mutex_unlock(&b->lock);
    }
    vs_close(e);
    pthread_mutex_lock(&b->lock);
    pthread_cond_broadcast(&b->ready);
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(const batch *b, double t0, int final)
{
    size_t done = atomic_load(&b->finished);
    double secs = now() - t0, rate = secs > 0 ? (double)done / secs : 0;
    double eta = rate > 0 ? (double)(b->n - done) / rate : 0;
    fprintf(stderr, "\r\033[Kvnsearch: %zu/%zu queries  %.0f/s  ETA %.0f s", done, b->n, rate, eta);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

static char *read_input(const char *file, size_t *len, char *err, size_t cap)
{
    if (strcmp(file, "-") != 0) {
        char *data = NULL;
        int changed;
        int rc = vs_read_file(file, &data, len, &changed);
        if (rc) {
            snprintf(err, cap, "%s: %s", file, strerror(rc));
            return NULL;
        }
        return data;
    }
    strbuf in = STRBUF_INIT;
    char buf[65536];
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, stdin)) > 0)
        sb_append(&in, buf, r);
    if (ferror(stdin) || in.failed) {
        snprintf(err, cap, "standard input: cannot read");
        sb_free(&in);
        return NULL;
    }
    *len = in.len;
    return sb_take(&in);
}

int batch_run(const batch_options *o)
{
    char err[1024];
    size_t len = 0;
    char *text = read_input(o->file, &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "vnsearch: %s\n", err);
        return 2;
    }
    const char *name = strcmp(o->file, "-") ? o->file : "stdin";
    batch b;
    memset(&b, 0, sizeof b);
    b.o = o;
    if (batch_parse(text, len, &b.items, &b.n) != 0) {
        free(text);
        fprintf(stderr, "vnsearch: out of memory\n");
        return 2;
    }
    free(text);
    /* Fail fast on a missing database rather than once per thread. */
    vs_engine *probe = NULL;
    if (vs_open(o->db, o->open_flags, &probe, err, sizeof err) != VS_OK) {
        fprintf(stderr, "vnsearch: %s\n", err);
        batch_items_free(b.items, b.n);
        return 2;
    }
    vs_close(probe);
    b.slots = calloc(b.n + 1, sizeof *b.slots);
    if (!b.slots) {
        batch_items_free(b.items, b.n);
        fprintf(stderr, "vnsearch: out of memory\n");
        return 2;
    }
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.ready, NULL);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nthreads = o->threads > 0 ? (size_t)o->threads : (size_t)(cpus > 0 ? cpus : 1);
    if (nthreads > b.n)
        nthreads = b.n ? b.n : 1;
    pthread_t *th = calloc(nthreads, sizeof *th);
    size_t started = 0;
    for (size_t i = 0; th && i < nthreads; i++)
        if (pthread_create(&th[i], NULL, worker, &b) == 0)
            started++;
    if (started == 0) {
        snprintf(b.fatal_msg, sizeof b.fatal_msg, "cannot start worker threads");
        atomic_store(&b.fatal, 1);
    }

    strbuf header = STRBUF_INIT;
    if (o->out.format == OUT_TSV) {
        out_tsv_header(&header, 1);
        fwrite(header.s, 1, header.len, stdout);
    }
    sb_free(&header);
    size_t failed = 0;
    double t0 = now(), last = 0;
    for (size_t k = 0; k < b.n; k++) {
        pthread_mutex_lock(&b.lock);
        while (!atomic_load(&b.slots[k].done) && !atomic_load(&b.fatal)) {
            if (o->progress) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 200 * 1000 * 1000;
                if (ts.tv_nsec >= 1000000000) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000;
                }
                pthread_cond_timedwait(&b.ready, &b.lock, &ts);
                if (now() - last > 0.2) {
                    progress(&b, t0, 0);
                    last = now();
                }
            } else {
                pthread_cond_wait(&b.ready, &b.lock);
            }
        }
        pthread_mutex_unlock(&b.lock);
        if (atomic_load(&b.fatal) && !atomic_load(&b.slots[k].done))
            break;
        slot *s = &b.slots[k];
        if (s->error) {
            if (o->progress)
                fputs("\r\033[K", stderr);
            fprintf(stderr, "vnsearch: %s:%zu: %s (query %s skipped)\n", name, b.items[k].line, s->error,
                    b.items[k].id);
            failed++;
        } else if (s->out.len) {
            fwrite(s->out.s, 1, s->out.len, stdout);
        }
        sb_free(&s->out);
        free(s->error);
        s->error = NULL;
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    if (o->progress)
        progress(&b, t0, 1);
    int status = failed ? 2 : 0;
    if (atomic_load(&b.fatal)) {
        fprintf(stderr, "vnsearch: %s\n", b.fatal_msg);
        status = 2;
    } else if (failed) {
        fprintf(stderr, "vnsearch: %zu of %zu queries failed\n", failed, b.n);
    }
    for (size_t k = 0; k < b.n; k++) {
        sb_free(&b.slots[k].out);
        free(b.slots[k].error);
    }
    free(b.slots);
    batch_items_free(b.items, b.n);
    pthread_mutex_destroy(&b.lock);
    pthread_cond_destroy(&b.ready);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "vnsearch: cannot write the results\n");
        return 2;
    }
    return status;
}
