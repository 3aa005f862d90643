/*
 * Unit tests of vnsearch serve's limits, without HTTP: the search queue
 * takes from each address in turn within its share, and refuses past its
 * bounds; the connection guard closes the oldest idle connection for a new
 * one, never a busy one, and closes those past the header deadline.
 * Sockets are socketpairs: a connection closed by the guard reads as the
 * end of the stream on the other side.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "connguard.h"
#include "jobqueue.h"

static peer_key peer(int n)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x7f000000u + (uint32_t)n);
    peer_key k;
    peer_key_of((const struct sockaddr *)&a, &k);
    return k;
}

static void push(jobqueue *q, int who, intptr_t job)
{
    peer_key k = peer(who);
    jobqueue_place *p = jobqueue_reserve(q, &k);
    CHECK(p != NULL, "reserve for %d", who);
    if (p)
        jobqueue_push(q, p, (void *)job);
}

static void test_queue_takes_in_turn_within_each_share(void)
{
    jobqueue *q = jobqueue_new(10, 4, 1, 2);
    push(q, 1, 11);
    push(q, 1, 12);
    push(q, 1, 13);
    push(q, 2, 21);
    peer_key k, one = peer(1), two = peer(2);
    intptr_t a = (intptr_t)jobqueue_take(q, &k);
    intptr_t b = (intptr_t)jobqueue_take(q, &k);
    CHECK(a / 10 != b / 10 && (a == 11 || a == 21) && (b == 11 || b == 21), "one of each first: %ld %ld", (long)a,
          (long)b);
    /* address 1 has its one search running: nothing runnable until it ends */
    jobqueue_done(q, &one);
    CHECK((intptr_t)jobqueue_take(q, &k) == 12 && !memcmp(&k, &one, sizeof k), "12 next, once 11 is done");
    jobqueue_done(q, &one);
    jobqueue_done(q, &two);
    CHECK((intptr_t)jobqueue_take(q, &k) == 13, "13 last");
    jobqueue_done(q, &one);
    jobqueue_stop(q);
    CHECK(jobqueue_take(q, &k) == NULL, "stopped and empty");
    jobqueue_free(q);
}

/* Issue 24: four addresses looping an expensive query made a fifth wait
 * seconds.  The address with the fewest running goes first, a newcomer
 * before one already served, and the last free worker is kept for an
 * address with nothing running. */
static void test_queue_keeps_a_worker_for_an_address_with_none_running(void)
{
    jobqueue *q = jobqueue_new(20, 8, 3, 4);
    peer_key k, one = peer(1), three = peer(3);
    push(q, 1, 11);
    push(q, 1, 12);
    push(q, 1, 13);
    push(q, 1, 14);
    push(q, 2, 21);
    intptr_t a = (intptr_t)jobqueue_take(q, &k), b = (intptr_t)jobqueue_take(q, &k);
    CHECK(a / 10 != b / 10, "one of each address first: %ld %ld", (long)a, (long)b);
    CHECK((intptr_t)jobqueue_take(q, &k) == 12, "then address 1 again, within its share of 3");
    /* 3 of 4 workers busy: address 1's 13 waits, the last worker is kept */
    push(q, 3, 31);
    CHECK((intptr_t)jobqueue_take(q, &k) == 31 && !memcmp(&k, &three, sizeof k), "the newcomer takes it");
    jobqueue_done(q, &three);
    jobqueue_done(q, &one);
    CHECK((intptr_t)jobqueue_take(q, &k) == 13, "13 once two workers are free");
    jobqueue_done(q, &one);
    jobqueue_done(q, &one);
    jobqueue_stop(q);
    CHECK((intptr_t)jobqueue_take(q, &k) == 14, "14 drained");
    jobqueue_done(q, &one);
    peer_key two = peer(2);
    jobqueue_done(q, &two);
    CHECK(jobqueue_take(q, &k) == NULL, "stopped and empty");
    jobqueue_free(q);
}

static void test_queue_serves_a_newcomer_before_an_address_served_already(void)
{
    jobqueue *q = jobqueue_new(20, 8, 1, 2);
    peer_key k, one = peer(1), two = peer(2);
    push(q, 1, 11);
    push(q, 1, 12);
    CHECK((intptr_t)jobqueue_take(q, &k) == 11, "11 first");
    push(q, 2, 21);
    jobqueue_done(q, &one);
    CHECK((intptr_t)jobqueue_take(q, &k) == 21, "the newcomer before address 1's second");
    CHECK((intptr_t)jobqueue_take(q, &k) == 12, "then 12");
    jobqueue_done(q, &two);
    jobqueue_done(q, &one);
    jobqueue_stop(q);
    CHECK(jobqueue_take(q, &k) == NULL, "stopped and empty");
    jobqueue_free(q);
}

static void test_queue_refuses_past_its_bounds(void)
{
    jobqueue *q = jobqueue_new(3, 2, 1, 2);
    peer_key one = peer(1), two = peer(2), k;
    jobqueue_place *p1 = jobqueue_reserve(q, &one), *p2 = jobqueue_reserve(q, &one);
    CHECK(p1 && p2, "two places for address 1");
    CHECK(jobqueue_reserve(q, &one) == NULL, "a third is past its line's bound");
    jobqueue_place *p3 = jobqueue_reserve(q, &two);
    CHECK(p3 != NULL, "another address still has room");
    CHECK(jobqueue_reserve(q, &two) == NULL, "the queue is full");
    jobqueue_cancel(q, p2);
    CHECK((p2 = jobqueue_reserve(q, &two)) != NULL, "a place given back is free again");
    jobqueue_push(q, p1, (void *)1);
    jobqueue_push(q, p3, (void *)3);
    jobqueue_push(q, p2, (void *)4);
    jobqueue_stop(q);
    CHECK(jobqueue_reserve(q, &one) == NULL, "no place once stopping");
    /* stopping: everything queued comes out, whatever the shares */
    int got = 0;
    while (jobqueue_take(q, &k))
        got++;
    CHECK(got == 3, "drained %d of 3", got);
    jobqueue_free(q);
}

/* A connected pair: [0] for the guard, [1] the client's end. */
static void pair(int fds[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
        perror("socketpair");
        fds[0] = fds[1] = -1;
    }
}

/* 1 if the guard shut down the other end of `client`. */
static int closed(int client)
{
    char c;
    return recv(client, &c, 1, MSG_DONTWAIT) == 0;
}

static void test_guard_closes_the_oldest_idle_connection_for_a_new_one(void)
{
    connguard *g = connguard_new(3, 3, 5.0);
    int s[6][2];
    guard_conn *c[6];
    peer_key one = peer(1), two = peer(2);
    for (int i = 0; i < 3; i++) {
        pair(s[i]);
        c[i] = connguard_add(g, s[i][0], &one, (double)i);
    }
    connguard_busy(g, c[0]); /* answering a request: never closed for room */
    pair(s[3]);
    c[3] = connguard_add(g, s[3][0], &one, 3.0);
    CHECK(!closed(s[0][1]) && closed(s[1][1]) && !closed(s[2][1]) && !closed(s[3][1]),
          "address 1 at its limit: its oldest idle connection (not the busy one) closed");
    pair(s[4]);
    c[4] = connguard_add(g, s[4][0], &two, 4.0);
    CHECK(!closed(s[4][1]) && closed(s[2][1]), "server at its limit: the oldest idle one closed for address 2");
    CHECK(connguard_count(g) == 3, "%zu counted", connguard_count(g));

    /* all busy: a new connection is the one refused */
    connguard_busy(g, c[3]);
    connguard_busy(g, c[4]);
    pair(s[5]);
    c[5] = connguard_add(g, s[5][0], &two, 5.0);
    CHECK(closed(s[5][1]), "nothing idle: the new connection is refused");
    connguard_stats st;
    connguard_take_stats(g, &st);
    CHECK(st.evicted == 2 && st.refused_full == 1 && st.refused_per_peer == 0, "stats %lu %lu %lu", st.evicted,
          st.refused_full, st.refused_per_peer);

    /* the header deadline: idle past 5 s closed, busy ones kept */
    connguard_idle(g, c[4], 10.0);
    connguard_sweep(g, 14.0);
    CHECK(!closed(s[4][1]), "inside its deadline");
    connguard_sweep(g, 15.5);
    CHECK(closed(s[4][1]) && !closed(s[0][1]) && !closed(s[3][1]), "past it: closed; busy ones kept");
    connguard_take_stats(g, &st);
    CHECK(st.timed_out == 1, "timed out %lu", st.timed_out);
    for (int i = 0; i < 6; i++) {
        connguard_remove(g, c[i]);
        close(s[i][0]);
        close(s[i][1]);
    }
    CHECK(connguard_count(g) == 0, "all removed");
    connguard_free(g);
}

static void test_ipv6_addresses_count_by_their_64(void)
{
    struct sockaddr_in6 a, b, m;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr.s6_addr[0] = 0x20;
    a.sin6_addr.s6_addr[15] = 1;
    b = a;
    b.sin6_addr.s6_addr[15] = 2; /* same /64 */
    m = a;
    memset(&m.sin6_addr, 0, 16);
    m.sin6_addr.s6_addr[10] = m.sin6_addr.s6_addr[11] = 0xff;
    m.sin6_addr.s6_addr[12] = 127;
    m.sin6_addr.s6_addr[15] = 1;
    peer_key ka, kb, km, k4 = peer(1);
    peer_key_of((struct sockaddr *)&a, &ka);
    peer_key_of((struct sockaddr *)&b, &kb);
    peer_key_of((struct sockaddr *)&m, &km);
    CHECK(memcmp(&ka, &kb, sizeof ka) == 0, "one /64, one peer");
    CHECK(memcmp(&km, &k4, sizeof km) == 0, "::ffff:127.0.0.1 is 127.0.0.1");
}

int main(void)
{
    RUN(test_queue_takes_in_turn_within_each_share);
    RUN(test_queue_keeps_a_worker_for_an_address_with_none_running);
    RUN(test_queue_serves_a_newcomer_before_an_address_served_already);
    RUN(test_queue_refuses_past_its_bounds);
    RUN(test_guard_closes_the_oldest_idle_connection_for_a_new_one);
    RUN(test_ipv6_addresses_count_by_their_64);
    return check_summary("serve-limits");
}
