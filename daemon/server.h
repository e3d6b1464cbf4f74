/* `sekisho serve` (DESIGN.md, "The daemon"): a libuv loop that accepts
 * connections on a Unix socket (and optionally TCP), frames requests in the
 * native or the clamd protocol (conn.h), and runs each scan (run.h) on the
 * libuv worker pool with one engine worker per pool thread. Like the CLI it
 * is thin: it frames bytes and calls sk_scan(); it parses no attachment.
 *
 * This header is the server's own: the connection code does not include
 * it, it reaches the server through struct sk_sched (sched.h).
 *
 * Threads: everything here runs on the loop thread except scan_work() in
 * server.c, which touches only its own struct sk_dreq and its thread's
 * engine worker. */
#ifndef SK_DAEMON_SERVER_H
#define SK_DAEMON_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../engine/sekisho.h"
#include "conn.h"
#include "dreq.h"
#include "keeper.h"
#include "options.h"
#include "sched.h"

#define SK_DAEMON_DRAIN_MS 30000u /* SIGTERM: grace for half-sent requests */

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

struct sk_server_stats {
    uint64_t requests; /* replies to scan requests (verdicts and errors) */
    uint64_t bytes;
    uint64_t verdicts[3];
    uint64_t errors; /* error replies: busy, too_large, bad_request */
    uint64_t busy;
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
    size_t in_flight;         /* reserved request slots, at most opts->queue */
    uint64_t held_bytes;      /* request buffers, at most opts->queue_bytes */
    uv_idle_t wake_idle;      /* resumes them from the loop */
    struct sk_sched sched;    /* what the connections may ask of the server */
    struct sk_conn_set conns; /* every connection, and how many wait for a slot */
    bool draining;
    bool reloading;    /* a SIGHUP compile is running on the pool */
    bool reload_again; /* another SIGHUP came meanwhile */
    bool signals_closed;
    uint64_t start_ns;
    struct sk_server_stats stats;
};

#endif
