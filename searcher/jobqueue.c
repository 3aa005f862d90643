/*
 * The search queue (see jobqueue.h).
 *
 * One line (a FIFO) per peer with something waiting or running, on a
 * list that a worker walks for the line to serve next: the fewest running,
 * then the oldest stamp of its last service (a new line's is 0).  A line
 * disappears when it has nothing waiting or running.  A place is the queue
 * entry itself, allocated when reserved, so handing the job over cannot
 * fail.
 */
#include "jobqueue.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct line line;

struct jobqueue_place {
    void *job;
    line *line;
    jobqueue_place *next;
};

struct line {
    peer_key peer;
    jobqueue_place *head, *tail; /* pushed, waiting for a worker */
    size_t waiting;              /* reserved or pushed */
    size_t running;
    unsigned long served;        /* q->stamp when a job was last taken from it; 0 never */
    line *next;
};

struct jobqueue {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    line *lines;
    size_t nlines;
    size_t waiting, max_waiting, max_waiting_per_peer, running_per_peer;
    size_t running, workers;
    unsigned long stamp;
    int stopping;
};

jobqueue *jobqueue_new(size_t max_waiting, size_t max_waiting_per_peer, size_t running_per_peer, size_t workers)
{
    jobqueue *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->ready, NULL);
    q->max_waiting = max_waiting;
    q->max_waiting_per_peer = max_waiting_per_peer;
    q->running_per_peer = running_per_peer ? running_per_peer : 1;
    q->workers = workers ? workers : 1;
    return q;
}

void jobqueue_free(jobqueue *q)
{
    if (!q)
        return;
    while (q->lines) {
        line *next = q->lines->next;
        while (q->lines->head) {
            jobqueue_place *p = q->lines->head;
            q->lines->head = p->next;
            free(p);
        }
        free(q->lines);
        q->lines = next;
    }
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->ready);
    free(q);
}

/* Under the lock: drops a line with nothing waiting or running. */
static void maybe_drop(jobqueue *q, line *l)
{
    if (l->waiting || l->running)
        return;
    line **p = &q->lines;
    while (*p != l)
        p = &(*p)->next;
    *p = l->next;
    q->nlines--;
    free(l);
}

jobqueue_place *jobqueue_reserve(jobqueue *q, const peer_key *peer)
{
    jobqueue_place *place = calloc(1, sizeof *place);
    if (!place)
        return NULL;
    pthread_mutex_lock(&q->lock);
    line *l = q->lines;
    while (l && memcmp(&l->peer, peer, sizeof *peer) != 0)
        l = l->next;
    if (q->stopping || q->waiting >= q->max_waiting || (l && l->waiting >= q->max_waiting_per_peer)) {
        l = NULL;
    } else if (!l && (l = calloc(1, sizeof *l)) != NULL) {
        l->peer = *peer;
        l->next = q->lines;
        q->lines = l;
        q->nlines++;
    }
    if (l) {
        l->waiting++;
        q->waiting++;
        place->line = l;
    }
    pthread_mutex_unlock(&q->lock);
    if (!l) {
        free(place);
        return NULL;
    }
    return place;
}

void jobqueue_push(jobqueue *q, jobqueue_place *place, void *job)
{
    pthread_mutex_lock(&q->lock);
    line *l = place->line;
    place->job = job;
    place->next = NULL;
    if (l->tail)
        l->tail->next = place;
    else
        l->head = place;
    l->tail = place;
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->lock);
}

void jobqueue_cancel(jobqueue *q, jobqueue_place *place)
{
    pthread_mutex_lock(&q->lock);
    place->line->waiting--;
    q->waiting--;
    maybe_drop(q, place->line);
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->lock);
    free(place);
}

/* Under the lock: may l's next job start now?  Always when stopping (to
 * drain the queue), and for a line with nothing running; a line with some
 * running only within its share, and only if a worker stays free after. */
static int may_start(const jobqueue *q, const line *l)
{
    if (!l->head)
        return 0;
    if (q->stopping || l->running == 0)
        return 1;
    return l->running < q->running_per_peer && q->running + 1 < q->workers;
}

/* Under the lock: the line to serve next (the fewest running, then the
 * one served longest ago), or NULL. */
static line *next_line(jobqueue *q)
{
    line *best = NULL;
    for (line *l = q->lines; l; l = l->next)
        if (may_start(q, l) &&
            (!best || l->running < best->running || (l->running == best->running && l->served < best->served)))
            best = l;
    return best;
}

void *jobqueue_take(jobqueue *q, peer_key *peer)
{
    pthread_mutex_lock(&q->lock);
    for (;;) {
        line *l = next_line(q);
        if (l) {
            jobqueue_place *p = l->head;
            l->head = p->next;
            if (!l->head)
                l->tail = NULL;
            l->waiting--;
            l->running++;
            l->served = ++q->stamp;
            q->waiting--;
            q->running++;
            *peer = l->peer;
            void *job = p->job;
            pthread_mutex_unlock(&q->lock);
            free(p);
            return job;
        }
        if (q->stopping && q->waiting == 0) {
            pthread_mutex_unlock(&q->lock);
            return NULL;
        }
        pthread_cond_wait(&q->ready, &q->lock);
    }
}

void jobqueue_done(jobqueue *q, const peer_key *peer)
{
    pthread_mutex_lock(&q->lock);
    line *l = q->lines;
    while (l && memcmp(&l->peer, peer, sizeof *peer) != 0)
        l = l->next;
    if (l) {
        l->running--;
        q->running--;
        maybe_drop(q, l);
    }
    pthread_cond_broadcast(&q->ready); /* that peer may run another now */
    pthread_mutex_unlock(&q->lock);
}

void jobqueue_stop(jobqueue *q)
{
    pthread_mutex_lock(&q->lock);
    q->stopping = 1;
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->lock);
}

int jobqueue_stopping(jobqueue *q)
{
    pthread_mutex_lock(&q->lock);
    int s = q->stopping;
    pthread_mutex_unlock(&q->lock);
    return s;
}
