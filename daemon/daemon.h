/* `sekisho serve` (DESIGN.md, "The daemon"): a libuv loop that accepts
 * connections on a Unix socket (and optionally TCP), frames requests in the
 * native or the clamd protocol, and runs each scan on the libuv worker pool
 * with one engine worker per pool thread. Like the CLI it is thin: it frames
 * bytes and calls sk_scan(); it parses no attachment.
 *
 * Threads: everything here runs on the loop thread except scan_work() in
 * server.c, which touches only its own struct sk_dreq and its thread's
 * engine worker. */
#ifndef SK_DAEMON_H
#define SK_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../engine/sekisho.h"
#include "dreq.h"
#include "keeper.h"
#include "options.h"
#include "proto.h" /* the wire parsing, and SK_DAEMON_MAX_HEADER / _COMMAND */

#define SK_DAEMON_READ_BUF (64u * 1024u) /* per connection, for headers and commands */
#define SK_DAEMON_MAX_READ (1u << 30)    /* one read straight into a payload */
#define SK_DAEMON_DRAIN_MS 30000u        /* SIGTERM: grace for half-sent requests */
/* An INSTREAM over max-bytes is read and dropped up to this many times
 * max-bytes in all (so the client reads our reply), then the connection is
 * closed. */
#define SK_DAEMON_DISCARD_FACTOR 2u

/* A compiled engine shared by the scans that started with it. The loop
 * thread holds one reference for the current engine and each scan one more;
 * the last release frees the workers made for it and then the engine. */
struct sk_engine_ref {
    struct sk_engine *engine;
    uint64_t generation;
    unsigned refs;   /* loop thread only */
    uv_mutex_t lock; /* guards workers */
    struct sk_worker **workers;
    size_t n_workers;
};

struct sk_conn;



struct sk_server_stats {
    uint64_t requests; /* replies to scan requests (verdicts and errors) */
    uint64_t bytes;
    uint64_t verdicts[3];
    uint64_t errors; /* error replies: busy, too_large, bad_request */
    uint64_t busy;
    uint64_t connections;
};

struct sk_thread_slot; /* per pool thread: its worker and for which engine */

/* What one engine fetch from the rules keeper cost (for the logs). */
struct sk_fetch_times {
    uint64_t compile_ns; /* reading and compiling, in the keeper */
    uint64_t load_ns;    /* building the engine from the bundle, here */
    size_t bundle_bytes;
};

struct sk_server {
    uv_loop_t *loop;
    const struct sk_serve_options *opts;
    uv_pipe_t unix_listener;
    uv_tcp_t tcp_listener;
    bool have_unix, have_tcp;
    const char *bound_socket; /* the path we bound (removed at exit), or NULL */
    uv_signal_t sig_term, sig_int, sig_hup;
    uv_timer_t drain_timer; /* closes stragglers (slow clients) when draining */
    uv_timer_t sweep_timer; /* drops half-sent requests that stalled */
    struct sk_engine_ref *current;
    uint64_t next_generation;
    struct sk_keeper keeper;     /* compiles the rules: start-up and each SIGHUP */
    struct sk_sandbox_user user; /* started as root: whom to become */
    const char *user_name;       /* its name; NULL when not started as root */
    uv_key_t slot_key;
    uv_mutex_t slots_lock;
    struct sk_thread_slot **slots;
    size_t n_slots;
    size_t in_flight;    /* reserved request slots, at most opts->queue */
    uint64_t held_bytes; /* request buffers, at most opts->queue_bytes */
    size_t n_waiting;    /* connections paused until a slot frees */
    uv_idle_t wake_idle; /* resumes them from the loop */
    size_t n_conns;
    struct sk_conn *conns; /* doubly linked, for draining */
    bool draining;
    bool reloading;    /* a SIGHUP compile is running on the pool */
    bool reload_again; /* another SIGHUP came meanwhile */
    bool signals_closed;
    uint64_t start_ns;
    struct sk_server_stats stats;
};

/* server.c */
/* Reserves one in-flight slot; false when the queue is full (the
 * connection then waits, see conn.c). */
bool sk_server_reserve(struct sk_server *server);
/* Gives a slot back with the bytes its request held; paused connections
 * are resumed from the loop. */
void sk_server_release(struct sk_server *server, uint64_t bytes);
/* Counts bytes against --queue-bytes; false when they do not fit (busy). */
bool sk_server_hold(struct sk_server *server, uint64_t bytes);
/* Queues the scan of a request whose bytes are complete; the reserved slot
 * and the request pass to the pool. After the scan, sk_conn_scan_done()
 * runs on the loop thread. Returns 0, or a negative libuv error (the caller
 * still owns the request). */
int sk_server_submit(struct sk_server *server, struct sk_dreq *req);
/* The counters both protocols' stats replies show. */
void sk_server_stats(const struct sk_server *server, struct sk_reply_stats *out);
/* Called when a connection went away (the server may finish draining). */
void sk_server_conn_gone(struct sk_server *server);

/* conn.c */
/* Accepts one connection from a listener (Unix when ipc_capable). */
void sk_conn_accept(struct sk_server *server, uv_stream_t *listener, bool is_unix);
/* Resumes connections that wait for a slot, while slots are free. */
void sk_conn_wake(struct sk_server *server);
/* Stops reading new requests; closes each connection once it is idle. */
void sk_conn_drain_all(struct sk_server *server);
/* Closes every connection now (half-read requests are dropped; scans in
 * flight finish, their replies are dropped). */
void sk_conn_close_all(struct sk_server *server);
/* Closes every connection whose half-sent request has had no byte for
 * read_timeout_ms, giving its queue slot back: a few stalled clients must
 * not keep everyone else `busy`. */
void sk_conn_sweep(struct sk_server *server, uint64_t now_ns);
/* The request's reply is ready (loop thread); writes it or drops it when
 * the connection is gone, then frees the request. */
void sk_conn_scan_done(struct sk_dreq *req);

#endif
