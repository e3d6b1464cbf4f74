/* The front of `sekisho serve` (DESIGN.md, "The daemon"; ARCHITECTURE.md,
 * "Processes"): a libuv loop that accepts connections on the listeners the
 * parent bound, frames requests in the native or the clamd protocol
 * (conn.h), and hands each to a scanner process from a libuv pool thread
 * (one request per scanner at a time). It parses no attachment and runs no
 * engine.
 *
 * This header is the server's own: the connection code does not include
 * it, it reaches the server through struct sk_sched (sched.h).
 *
 * Threads: everything here runs on the loop thread except scan_work() in
 * server.c, which touches only its own struct sk_dreq and the scanner pool
 * (scanpool.h, under its lock). */
#ifndef SK_DAEMON_SERVER_H
#define SK_DAEMON_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../engine/sekisho.h"
#include "conn.h"
#include "correlate.h"
#include "dreq.h"
#include "front_ctl.h"
#include "options.h"
#include "scanpool.h"
#include "sched.h"

#define SK_DAEMON_DRAIN_MS 30000u /* SIGTERM: grace for half-sent requests */

struct sk_server_stats {
    uint64_t requests; /* replies to scan requests (verdicts and errors) */
    uint64_t bytes;
    uint64_t verdicts[3];
    uint64_t errors; /* error replies: busy, too_large, bad_request */
    uint64_t busy;
};

struct sk_server {
    uv_loop_t *loop;
    const struct sk_serve_options *opts;
    uv_pipe_t unix_listener;
    uv_tcp_t tcp_listener;
    bool have_unix, have_tcp;
    union {
        uv_pipe_t pipe;
        uv_tcp_t tcp;
    } milter_listener; /* --milter: a pipe when milter_unix */
    bool have_milter, milter_unix;
    uv_signal_t sig_term;
    uv_timer_t drain_timer; /* closes stragglers (slow clients) when draining */
    uv_timer_t sweep_timer; /* drops half-sent requests that stalled */
    struct sk_scanpool pool;  /* the scanner processes the parent handed over */
    struct sk_front_ctl ctl;  /* the control pair with the parent */
    struct sk_reply_scanner *scanner_list; /* opts->workers, for the stats */
    char last_end[256];                    /* the last scanner that ended, for the stats */
    size_t in_flight;         /* reserved request slots, at most opts->queue */
    uint64_t held_bytes;      /* request buffers, at most opts->queue_bytes */
    uv_idle_t wake_idle;      /* resumes them from the loop */
    struct sk_sched sched;    /* what the connections may ask of the server */
    struct sk_conn_set conns; /* every connection, and how many wait for a slot */
    bool draining;
    bool signals_closed;
    uint64_t start_ns;
    struct sk_server_stats stats;
    struct sk_correlator corr; /* PPAP: its store is NULL when off */
};

#endif
