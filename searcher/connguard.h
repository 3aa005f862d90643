/*
 * The connection limits of vnsearch serve, kept apart from the HTTP
 * library so they can be tested on their own.
 *
 * A server that refuses new connections once its limit is reached can be
 * made unreachable by a few addresses that open connections and never send
 * a request (or send it a byte at a time).  So:
 *   - each peer (an IPv4 address, or the /64 of an IPv6 one) may hold at
 *     most max_per_peer connections, well below max_total;
 *   - when a limit is reached, the connection that has waited longest for a
 *     request (the oldest idle one: of that peer at its own limit, of
 *     anyone at the total) is closed to make room, and only when none is
 *     idle is the new connection refused;
 *   - a connection must send a request's headers within header_timeout of
 *     being accepted or of its previous answer, however slowly it trickles
 *     bytes: connguard_sweep() closes those that do not.
 * "Closed" is shutdown(2) on the socket: the HTTP library sees the end of
 * the stream and closes it itself, so a descriptor is never closed under it
 * (connguard_remove() must run before the library closes the descriptor).
 *
 * All functions are thread-safe.
 */
#ifndef VS_CONNGUARD_H
#define VS_CONNGUARD_H

#include <stddef.h>
#include <sys/socket.h>

/* What limits are counted against. */
typedef struct peer_key {
    unsigned char b[16]; /* IPv4 as ::ffff:a.b.c.d; IPv6 the /64 prefix, the rest zero */
} peer_key;

/* The peer of a socket address (IPv4, IPv6, IPv4-mapped IPv6).  Any other
 * family is one peer of its own (all zero). */
void peer_key_of(const struct sockaddr *sa, peer_key *out);

typedef struct connguard connguard;
typedef struct guard_conn guard_conn;

typedef struct connguard_stats {
    unsigned long refused_per_peer; /* new connections closed: the peer at its limit, none of its idle */
    unsigned long refused_full;     /* ... the server at its limit, no connection idle */
    unsigned long evicted;          /* idle connections closed to make room for a new one */
    unsigned long timed_out;        /* connections closed for sending no request in time */
} connguard_stats;

connguard *connguard_new(size_t max_total, size_t max_per_peer, double header_timeout);
void connguard_free(connguard *g);

/* A connection accepted at time `now` (seconds, any monotonic clock), idle
 * until connguard_busy().  Applies the limits above, which may shut down
 * another connection, or this one.  Returns its handle (NULL when out of
 * memory: the connection is then shut down). */
guard_conn *connguard_add(connguard *g, int fd, const peer_key *peer, double now);
/* Its request's headers have arrived: no deadline while it is answered. */
void connguard_busy(connguard *g, guard_conn *c);
/* Its answer is sent: it waits for the next request from `now`. */
void connguard_idle(connguard *g, guard_conn *c, double now);
/* Forgets it (before its descriptor is closed). */
void connguard_remove(connguard *g, guard_conn *c);
/* Shuts down the connections idle for longer than header_timeout. */
void connguard_sweep(connguard *g, double now);
/* Connections counted (those shut down but not removed yet excluded). */
size_t connguard_count(connguard *g);
/* The counts since the last call, then zeroed. */
void connguard_take_stats(connguard *g, connguard_stats *out);

#endif
