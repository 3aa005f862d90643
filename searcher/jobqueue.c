/*
 * The search queue (see jobqueue.h).
 *
 * One line (a FIFO) per peer with something waiting or running, the lines
 * on a list that workers walk round-robin from the one after the line the
 * last job came from.  A line disappears when it has nothing waiting or
 * running.  A place is the queue entry itself, allocated when reserved, so
 * handing the job over cannot fail.
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
    line *next;
};

struct jobqueue {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    line *lines;
    line *cursor;      /* the line the last job came from */
    size_t nlines;
    size_t waiting, max_waiting, max_waiting_per_peer, running_per_peer;
    int stopping;
};

jobqueue *jobqueue_new(size_t max_waiting, size_t max_waiting_per_peer, size_t running_per_peer)
{
    jobqueue *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->ready, NULL);
    q->max_waiting = max_waiting;
    q->max_waiting_per_peer = max_waiting_per_peer;
    q->running_per_peer = running_per_peer ? running_per_peer : 1;
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
    if (q->cursor == l)
        q->cursor = NULL;
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

/* Under the lock: the next line to serve, round-robin, or NULL. */
static line *next_line(jobqueue *q)
{
    line *l = q->cursor && q->cursor->next ? q->cursor->next : q->lines;
    for (size_t i = 0; i < q->nlines; i++, l = l->next) {
        if (!l)
            l = q->lines;
        if (l->head && (l->running < q->running_per_peer || q->stopping))
            return l;
    }
    return NULL;
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
            q->waiting--;
            q->cursor = l;
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
