/*
 * Connection limits (see connguard.h).
 *
 * Every connection is on the `all` list; those waiting for a request are
 * also on the `idle` list, in the order they started waiting, so the
 * oldest idle connection is its head and the sweep stops at the first one
 * still inside its deadline.  A server holds a few hundred connections, so
 * counting a peer's connections is a walk of the list.
 */
#include "connguard.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct guard_conn {
    int fd;
    peer_key peer;
    double since;      /* started waiting for a request */
    int busy;          /* a request is being answered */
    int closing;       /* shut down by us: no longer counted */
    guard_conn *prev, *next;           /* all */
    guard_conn *idle_prev, *idle_next; /* idle, oldest first */
    int on_idle;
};

struct connguard {
    pthread_mutex_t lock;
    size_t max_total, max_per_peer;
    double header_timeout;
    guard_conn *all;
    guard_conn *idle_head, *idle_tail;
    size_t count;      /* connections not closing */
    connguard_stats stats;
};

void peer_key_of(const struct sockaddr *sa, peer_key *out)
{
    memset(out, 0, sizeof *out);
    if (!sa)
        return;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, &a->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
            memcpy(out->b, &a->sin6_addr, 16);
        else
            memcpy(out->b, &a->sin6_addr, 8); /* one host's /64 */
    }
}

connguard *connguard_new(size_t max_total, size_t max_per_peer, double header_timeout)
{
    connguard *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    pthread_mutex_init(&g->lock, NULL);
    g->max_total = max_total;
    g->max_per_peer = max_per_peer;
    g->header_timeout = header_timeout;
    return g;
}

void connguard_free(connguard *g)
{
    if (!g)
        return;
    while (g->all) {
        guard_conn *next = g->all->next;
        free(g->all);
        g->all = next;
    }
    pthread_mutex_destroy(&g->lock);
    free(g);
}

static void idle_unlink(connguard *g, guard_conn *c)
{
    if (!c->on_idle)
        return;
    if (c->idle_prev)
        c->idle_prev->idle_next = c->idle_next;
    else
        g->idle_head = c->idle_next;
    if (c->idle_next)
        c->idle_next->idle_prev = c->idle_prev;
    else
        g->idle_tail = c->idle_prev;
    c->idle_prev = c->idle_next = NULL;
    c->on_idle = 0;
}

static void idle_append(connguard *g, guard_conn *c)
{
    c->idle_prev = g->idle_tail;
    c->idle_next = NULL;
    if (g->idle_tail)
        g->idle_tail->idle_next = c;
    else
        g->idle_head = c;
    g->idle_tail = c;
    c->on_idle = 1;
}

/* Under the lock: shut c down; it stays listed until connguard_remove(). */
static void close_conn(connguard *g, guard_conn *c)
{
    if (c->closing)
        return;
    shutdown(c->fd, SHUT_RDWR);
    c->closing = 1;
    idle_unlink(g, c);
    g->count--;
}

guard_conn *connguard_add(connguard *g, int fd, const peer_key *peer, double now)
{
    guard_conn *c = calloc(1, sizeof *c);
    if (!c) {
        shutdown(fd, SHUT_RDWR);
        return NULL;
    }
    c->fd = fd;
    c->peer = *peer;
    c->since = now;
    pthread_mutex_lock(&g->lock);
    size_t mine = 0;
    for (guard_conn *o = g->all; o; o = o->next)
        mine += !o->closing && memcmp(&o->peer, peer, sizeof *peer) == 0;
    guard_conn *victim = NULL;
    int over_peer = mine >= g->max_per_peer, over_total = g->count >= g->max_total;
    if (over_peer) {
        for (guard_conn *o = g->idle_head; o && !victim; o = o->idle_next)
            if (memcmp(&o->peer, peer, sizeof *peer) == 0)
                victim = o;
    } else if (over_total) {
        victim = g->idle_head;
    }
    c->next = g->all;
    if (g->all)
        g->all->prev = c;
    g->all = c;
    g->count++;
    idle_append(g, c);
    if (victim) {
        close_conn(g, victim);
        g->stats.evicted++;
    } else if (over_peer || over_total) {
        close_conn(g, c);
        if (over_peer)
            g->stats.refused_per_peer++;
        else
            g->stats.refused_full++;
    }
    pthread_mutex_unlock(&g->lock);
    return c;
}

void connguard_busy(connguard *g, guard_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->lock);
    c->busy = 1;
    idle_unlink(g, c);
    pthread_mutex_unlock(&g->lock);
}

void connguard_idle(connguard *g, guard_conn *c, double now)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->lock);
    c->busy = 0;
    c->since = now;
    if (!c->closing) {
        idle_unlink(g, c);
        idle_append(g, c);
    }
    pthread_mutex_unlock(&g->lock);
}

void connguard_remove(connguard *g, guard_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->lock);
    idle_unlink(g, c);
    if (!c->closing)
        g->count--;
    if (c->prev)
        c->prev->next = c->next;
    else
        g->all = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&g->lock);
    free(c);
}

void connguard_sweep(connguard *g, double now)
{
    pthread_mutex_lock(&g->lock);
    while (g->idle_head && now - g->idle_head->since > g->header_timeout) {
        close_conn(g, g->idle_head);
        g->stats.timed_out++;
    }
    pthread_mutex_unlock(&g->lock);
}

size_t connguard_count(connguard *g)
{
    pthread_mutex_lock(&g->lock);
    size_t n = g->count;
    pthread_mutex_unlock(&g->lock);
    return n;
}

void connguard_take_stats(connguard *g, connguard_stats *out)
{
    pthread_mutex_lock(&g->lock);
    *out = g->stats;
    memset(&g->stats, 0, sizeof g->stats);
    pthread_mutex_unlock(&g->lock);
}
