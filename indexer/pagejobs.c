/*
 * Page jobs (pagejobs.h): a FIFO under one lock.  OCR of a page takes a
 * second or more, so the queue is never the bottleneck; what matters is
 * that a job is never lost (each runs exactly once, even after its file is
 * done, when it does nothing) and that a thread waits for one only while it
 * has nothing else to do.
 */
#include "pagejobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct job {
    void (*run)(void *);
    void *arg;
    struct job *next;
} job;

struct pagejobs {
    pthread_mutex_t lock;
    pthread_cond_t more;
    job *head, *tail;
    size_t width;
    int closed;
};

pagejobs *pagejobs_new(size_t width)
{
    pagejobs *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->more, NULL);
    q->width = width;
    return q;
}

void pagejobs_free(pagejobs *q)
{
    if (!q)
        return;
    while (pagejobs_run_one(q))
        ;
    pthread_cond_destroy(&q->more);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

/* The first queued job, taken off the queue, or NULL; q->lock held. */
static job *pop(pagejobs *q)
{
    job *j = q->head;
    if (j) {
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
    }
    return j;
}

static void run(job *j)
{
    j->run(j->arg);
    free(j);
}

/* Takes the first job, if there is one, and runs it: entered with the
 * lock held, which it releases before running. */
static int run_first(pagejobs *q)
{
    job *j = pop(q);
    pthread_mutex_unlock(&q->lock);
    if (!j)
        return 0;
    run(j);
    return 1;
}

int pagejobs_run_one(pagejobs *q)
{
    pthread_mutex_lock(&q->lock);
    return run_first(q);
}

int pagejobs_wait_run(pagejobs *q, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q->lock);
    while (!q->head && !q->closed)
        if (pthread_cond_timedwait(&q->more, &q->lock, &until) == ETIMEDOUT)
            break;
    return run_first(q);
}

void pagejobs_close(pagejobs *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = 1;
    pthread_cond_broadcast(&q->more);
    pthread_mutex_unlock(&q->lock);
}

int pagejobs_closed(pagejobs *q)
{
    pthread_mutex_lock(&q->lock);
    int closed = q->closed;
    pthread_mutex_unlock(&q->lock);
    return closed;
}

static int offer(void *ctx, void (*fn)(void *), void *arg)
{
    pagejobs *q = ((pagejobs_file *)ctx)->q;
    job *j = malloc(sizeof *j);
    if (!j)
        return 0;
    *j = (job){fn, arg, NULL};
    pthread_mutex_lock(&q->lock);
    if (q->closed) {
        pthread_mutex_unlock(&q->lock);
        free(j);
        return 0;
    }
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    pthread_cond_signal(&q->more);
    pthread_mutex_unlock(&q->lock);
    return 1;
}

/* ------------------------------------------------------- one file's side */

static _Thread_local int worker_id;

void pagejobs_set_worker(int id)
{
    worker_id = id;
}

static int debug_pages(void)
{
    static int debug = -1;
    if (debug < 0) {
        const char *e = getenv("VNINDEX_DEBUG_PAGES");
        debug = e && *e && *e != '0';
    }
    return debug;
}

static void planned(void *ctx, long pages)
{
    pagejobs_file *f = ctx;
    atomic_fetch_add(f->planned, pages);
}

static void page_done(void *ctx, unsigned pno)
{
    (void)pno;
    pagejobs_file *f = ctx;
    atomic_fetch_add(f->taken, 1);
}

static void page_read(void *ctx, unsigned pno)
{
    pagejobs_file *f = ctx;
    if (!debug_pages() || !f->say)
        return;
    char line[4200];
    snprintf(line, sizeof line, "vnindex: debug: %s: page %u read by OCR on worker %d\n", f->path, pno, worker_id);
    f->say(f->say_ctx, line);
}

const rd_page_jobs *pagejobs_file_init(pagejobs_file *f, pagejobs *q, const char *path, atomic_long *planned_pages,
                                       atomic_long *taken, void (*say)(void *, const char *), void *say_ctx)
{
    *f = (pagejobs_file){.q = q, .path = path, .planned = planned_pages, .taken = taken, .say = say,
                         .say_ctx = say_ctx};
    f->jobs = (rd_page_jobs){.width = q ? q->width : 1, .offer = q ? offer : NULL, .planned = planned,
                             .page_done = page_done, .page_read = page_read, .ctx = f};
    return &f->jobs;
}
