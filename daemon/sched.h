/* What a connection needs of whoever schedules its scans: the narrow
 * interface conn*.c call instead of reaching into the server (server.c
 * implements it). All on the loop thread. */
#ifndef SK_DAEMON_SCHED_H
#define SK_DAEMON_SCHED_H

#include <stdbool.h>
#include <stdint.h>

struct sk_dreq;
struct sk_reply_stats;

struct sk_sched {
    void *ctx; /* passed back to each call */
    /* Reserves one in-flight slot; false when the queue is full (the
     * connection then waits). */
    bool (*reserve)(void *ctx);
    /* True while no slot is free (waiting connections stay paused). */
    bool (*full)(void *ctx);
    /* Gives a slot back with the bytes its request held; paused
     * connections are resumed later from the loop (sk_conn_wake). */
    void (*release)(void *ctx, uint64_t bytes);
    /* Counts bytes against --queue-bytes; false when they do not fit. */
    bool (*hold)(void *ctx, uint64_t bytes);
    /* Gives back held bytes while the slot stays taken. */
    void (*unhold)(void *ctx, uint64_t bytes);
    /* Queues the scan of a request whose bytes are complete; the reserved
     * slot and the request pass to the scheduler, and sk_conn_scan_done()
     * comes back on the loop thread. 0, or a negative libuv error (the
     * caller still owns the request and its slot). */
    int (*submit)(void *ctx, struct sk_dreq *req);
    /* The counters the stats replies show. */
    void (*stats)(void *ctx, struct sk_reply_stats *out);
    /* Counts a reply the connection made itself: a request answered with
     * bytes read and a verdict (-1: none, an error), or an error by code. */
    void (*count_request)(void *ctx, int verdict, uint64_t bytes);
    void (*count_error)(void *ctx, const char *code);
    /* A connection went away (the server may finish draining). */
    void (*conn_gone)(void *ctx);
};

#endif
