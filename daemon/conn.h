/* The daemon's connections (conn.c and its protocols, conn_native.c,
 * conn_clamd.c and conn_milter.c): what the server sees of them. They reach the server
 * only through struct sk_sched (sched.h). Loop thread only. */
#ifndef SK_DAEMON_CONN_H
#define SK_DAEMON_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "dreq.h"
#include "options.h"
#include "sched.h"

#define SK_DAEMON_READ_BUF (64u * 1024u) /* per connection, for headers and commands */
/* An INSTREAM over max-bytes is read and dropped up to this many times
 * max-bytes in all (so the client reads our reply), then the connection is
 * closed. */
#define SK_DAEMON_DISCARD_FACTOR 2u

struct sk_conn;

/* Every connection of one server. */
struct sk_conn_set {
    uv_loop_t *loop;
    const struct sk_sched *sched;
    const struct sk_serve_options *opts; /* limits and timeouts */
    struct sk_conn *head;                /* doubly linked, for draining */
    size_t n_conns;
    size_t n_waiting; /* paused until a slot frees */
    uint64_t connections_total;
    bool draining;
};

/* Accepts one connection from a listener (Unix when is_unix; the milter
 * protocol when milter, else native or clamd by the first byte). */
void sk_conn_accept(struct sk_conn_set *set, uv_stream_t *listener, bool is_unix, bool milter);
/* Resumes connections that wait for a slot, while slots are free. */
void sk_conn_wake(struct sk_conn_set *set);
/* Stops reading new requests; closes each connection once it is idle. */
void sk_conn_drain_all(struct sk_conn_set *set);
/* Closes every connection now (half-read requests are dropped; scans in
 * flight finish, their replies are dropped). */
void sk_conn_close_all(struct sk_conn_set *set);
/* Closes every connection whose half-sent request has had no byte for
 * read_timeout_ms, giving its queue slot back: a few stalled clients must
 * not keep everyone else `busy`. */
void sk_conn_sweep(struct sk_conn_set *set, uint64_t now_ns);
/* The request's reply is ready (loop thread); writes it or drops it when
 * the connection is gone, then frees the request. */
void sk_conn_scan_done(struct sk_dreq *req);

#endif
