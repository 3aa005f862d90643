/*
 * The search queue of vnsearch serve: searches wait here for a worker
 * thread, so a slow search holds a worker, never a connection thread, and
 * no peer can take every worker.
 *
 * Each peer (connguard.h) has its own line, and a worker that comes free
 * takes the next job of the line with the fewest searches running, the
 * one served longest ago first among equals (a newcomer first of all): so
 * while others wait, no address runs a second search.  An address may run
 * more (up to running_per_peer) only while a worker stays free after it,
 * so a search from an address with nothing running always finds a worker
 * at once, whatever the others loop: with more workers than cores (the
 * default) the system then shares the CPU among the addresses' searches,
 * and a cheap query is not made to wait for an expensive one to end.  At
 * most max_waiting searches wait in all, max_waiting_per_peer for one
 * peer; past that a search is refused (the caller answers 503).
 *
 * Adding is two steps, so that a job is never taken before its caller is
 * ready for the answer: jobqueue_reserve() counts it (or refuses), then
 * jobqueue_push() hands it over (or jobqueue_cancel() gives the place up).
 * All functions are thread-safe.
 */
#ifndef VS_JOBQUEUE_H
#define VS_JOBQUEUE_H

#include <stddef.h>

#include "connguard.h"

typedef struct jobqueue jobqueue;

/* workers: the threads that take jobs (one is kept for a peer with
 * nothing running). */
jobqueue *jobqueue_new(size_t max_waiting, size_t max_waiting_per_peer, size_t running_per_peer, size_t workers);
/* Frees the queue (empty by then: after jobqueue_stop() and the workers). */
void jobqueue_free(jobqueue *q);

typedef struct jobqueue_place jobqueue_place;

/* A place for one more job of peer; NULL when the queue or the peer's line
 * is full, the queue is stopping, or memory is short. */
jobqueue_place *jobqueue_reserve(jobqueue *q, const peer_key *peer);
/* The job for a place reserved (nothing can fail any more). */
void jobqueue_push(jobqueue *q, jobqueue_place *place, void *job);
/* Gives a place back unused. */
void jobqueue_cancel(jobqueue *q, jobqueue_place *place);

/* Waits for the next job a worker may run and returns it, with its peer in
 * *peer; NULL once the queue is stopped and empty.  After jobqueue_stop()
 * every job waiting is handed out, whatever the per-peer limit. */
void *jobqueue_take(jobqueue *q, peer_key *peer);
/* The job taken for peer has finished. */
void jobqueue_done(jobqueue *q, const peer_key *peer);
/* No more reservations; jobqueue_take() drains what is queued, then gives NULL. */
void jobqueue_stop(jobqueue *q);
int jobqueue_stopping(jobqueue *q);

#endif
