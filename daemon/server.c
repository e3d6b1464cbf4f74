/* The front of `sekisho serve` (ARCHITECTURE.md, "Processes"): the libuv
 * loop with the listeners the parent bound, signals, the queue, the
 * counters, and the pool threads that hand each request to a scanner
 * process (scanpool.c, scanwire.c). Framing lives in conn*.c; the engine
 * runs only in the scanners. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "correlate.h"
#include "ipc.h"
#include "log.h"
#include "run.h"
#include "sandbox.h"
#include "scanwire.h"
#include "server.h"
#include "supervisor.h"

static void server_release(struct sk_server *server, uint64_t bytes);

/* How long a scanner may hold a request before the watchdog kills it: the
 * request's deadline and a grace. A SCAN path may be a directory, up to
 * SK_DIRSCAN_MAX_FILES scans in one request: it gets many deadlines. */
static uint64_t watchdog_ns(const struct sk_serve_options *o, const struct sk_dreq *req)
{
    uint64_t ms = o->common.limits.timeout_ms;
    if (req->kind == SK_DREQ_CLAMD_PATH)
        ms *= 64;
    return (ms + SK_SCANNER_GRACE_MS) * 1000000u;
}

/* On a pool thread: a free scanner, waited for until queue_deadline,
 * scans the request. One that dies or sticks while it holds it costs this
 * request alone (answered fail-closed) and is replaced by the parent. 0
 * when the scanner answered (its reply is the request's), -1 when the
 * request was answered here, fail-closed or busy. */
static int run_on_scanner(struct sk_server *server, struct sk_dreq *req, uint64_t queue_deadline)
{
    const struct sk_serve_options *o = server->opts;
    if (uv_hrtime() > queue_deadline) {
        sk_dreq_queue_expired(req);
        return -1;
    }
    struct sk_scanner_ref *sc = sk_scanpool_acquire(&server->pool, queue_deadline);
    if (!sc) {
        if (sk_scanpool_alive(&server->pool) == 0)
            sk_dreq_fail_closed(req, "no scanner process is alive (the log says why)");
        else
            sk_dreq_queue_expired(req);
        return -1;
    }
    int rc = sk_scanwire_call(sc->fd, req, uv_hrtime() + watchdog_ns(o, req));
    if (rc == SK_IPC_OK || rc == SK_SCANWIRE_NOMEM) {
        /* A scanner that ran out of memory leaves after its answer: no
         * request may be sent to it meanwhile. */
        bool leaving = rc == SK_IPC_OK && req->out_of_memory;
        sk_scanpool_release(&server->pool, sc, leaving, false);
        if (rc == SK_SCANWIRE_NOMEM)
            sk_dreq_fail_closed(req, "out of memory before the scan");
        return rc == SK_IPC_OK ? 0 : -1;
    }
    bool stuck = rc == SK_IPC_TIMEOUT;
    char detail[200];
    snprintf(detail, sizeof detail,
             stuck ? "the scanner process (pid %d) was still at it past the deadline and "
                     "grace: killed and replaced"
                   : "the scanner process (pid %d) died while scanning it; replaced",
             (int)sc->pid);
    fprintf(stderr, "sekisho: scanner %u (pid %d) %s request %llu.%u\n", sc->slot, (int)sc->pid,
            stuck ? "stuck past the deadline on" : "lost", (unsigned long long)req->conn_no,
            req->seq);
    sk_scanpool_release(&server->pool, sc, true, stuck);
    sk_dreq_fail_closed(req, detail);
    return -1;
}

/* The correlator's re-scan of a held message (correlate.h): a scanner
 * from the same pool, waited for no longer than a request may queue. */
static int rescan(void *ctx, struct sk_dreq *req, uint64_t deadline_ns)
{
    struct sk_server *server = ctx;
    uint64_t queue = uv_hrtime() + (uint64_t)server->opts->queue_timeout_ms * 1000000u;
    return run_on_scanner(server, req, queue < deadline_ns ? queue : deadline_ns);
}

/* On a pool thread: a request's work. A verdict request reads the store;
 * a scan runs on a scanner, and a native message's answer then meets the
 * correlator (held, or unlocking what its sender left closed). */
static void scan_work(uv_work_t *work)
{
    struct sk_dreq *req = work->data;
    struct sk_server *server = req->sched;
    if (req->kind == SK_DREQ_NATIVE && req->u.native.token) {
        if (sk_correlate_verdict(&server->corr, req->id, req->u.native.token, &req->reply,
                                 &req->reply_len) != 0)
            sk_dreq_fail_closed(req, "out of memory answering a verdict request");
        return;
    }
    uint64_t queue_deadline =
        req->queued_ns + (uint64_t)server->opts->queue_timeout_ms * 1000000u;
    if (run_on_scanner(server, req, queue_deadline) == 0)
        sk_correlate(&server->corr, req);
}

static void scan_after(uv_work_t *work, int status)
{
    struct sk_dreq *req = work->data;
    struct sk_server *server = req->sched;
    (void)status;
    server->stats.requests++;
    server->stats.bytes += req->bytes ? req->bytes : req->size;
    const char *path = req->kind == SK_DREQ_CLAMD_PATH ? req->u.clamd.path : NULL;
    if (req->kind == SK_DREQ_NATIVE && req->u.native.token) {
        /* A verdict request: no scan, no verdict of its own to count. */
        server->stats.requests--;
        sk_dreq_log(req, "verdict-query", "-", 0, NULL, NULL);
    } else if (req->error[0]) {
        char verdict[40];
        snprintf(verdict, sizeof verdict, "error:%s", req->error);
        server->stats.errors++;
        if (strcmp(req->error, "busy") == 0)
            server->stats.busy++;
        sk_dreq_log(req, verdict, req->codes, req->bytes, NULL, path);
    } else {
        server->stats.verdicts[req->verdict]++;
        sk_dreq_log(req, sk_verdict_name(req->verdict), req->codes,
                    req->bytes ? req->bytes : req->size, req->sha, path);
    }
    server_release(server, req->held);
    req->held = 0;
    sk_conn_scan_done(req);
}

/* ---- the scheduler the connections see (sched.h) ---- */

static void server_stats(struct sk_server *server, struct sk_reply_stats *out);
static void server_conn_gone(struct sk_server *server);

static int sched_submit(void *ctx, struct sk_dreq *req)
{
    struct sk_server *server = ctx;
    req->sched = server;
    req->work.data = req;
    req->queued_ns = uv_hrtime();
    return uv_queue_work(server->loop, &req->work, scan_work, scan_after);
}

static bool sched_reserve(void *ctx)
{
    struct sk_server *server = ctx;
    if (server->in_flight >= server->opts->queue)
        return false;
    server->in_flight++;
    return true;
}

static void on_wake(uv_idle_t *idle)
{
    struct sk_server *server = idle->data;
    uv_idle_stop(idle);
    sk_conn_wake(&server->conns);
}

static void server_release(struct sk_server *server, uint64_t bytes)
{
    if (server->in_flight > 0)
        server->in_flight--;
    server->held_bytes -= bytes < server->held_bytes ? bytes : server->held_bytes;
    /* Connections waiting for a slot are resumed from the loop, not from
     * here: this runs inside other connections' callbacks. */
    if (server->conns.n_waiting > 0 && !server->signals_closed)
        uv_idle_start(&server->wake_idle, on_wake);
}

static bool sched_hold(void *ctx, uint64_t bytes)
{
    struct sk_server *server = ctx;
    if (bytes > server->opts->queue_bytes - server->held_bytes)
        return false;
    server->held_bytes += bytes;
    return true;
}

static void sched_release(void *ctx, uint64_t bytes)
{
    server_release(ctx, bytes);
}

static void sched_unhold(void *ctx, uint64_t bytes)
{
    struct sk_server *server = ctx;
    server->held_bytes -= bytes < server->held_bytes ? bytes : server->held_bytes;
}

static bool sched_full(void *ctx)
{
    const struct sk_server *server = ctx;
    return server->in_flight >= server->opts->queue;
}

static void sched_stats(void *ctx, struct sk_reply_stats *out)
{
    server_stats(ctx, out);
}

static void sched_count_request(void *ctx, int verdict, uint64_t bytes)
{
    struct sk_server *server = ctx;
    server->stats.requests++;
    server->stats.bytes += bytes;
    if (verdict >= 0 && verdict < 3)
        server->stats.verdicts[verdict]++;
}

static void sched_count_error(void *ctx, const char *code)
{
    struct sk_server *server = ctx;
    server->stats.errors++;
    if (strcmp(code, "busy") == 0)
        server->stats.busy++;
}

static void sched_conn_gone(void *ctx)
{
    server_conn_gone(ctx);
}

/* ---- counters and logs ---- */

static void server_stats(struct sk_server *server, struct sk_reply_stats *out)
{
    const struct sk_server_stats *s = &server->stats;
    struct sk_scanpool_stats scanners;
    sk_scanpool_stats(&server->pool, &scanners);
    *out = (struct sk_reply_stats){
        .requests = s->requests,
        .bytes = s->bytes,
        .verdicts = {s->verdicts[0], s->verdicts[1], s->verdicts[2]},
        .errors = s->errors,
        .busy = s->busy,
        .in_flight = server->in_flight,
        .queue = server->opts->queue,
        .waiting = server->conns.n_waiting,
        .held_bytes = server->held_bytes,
        .queue_bytes = server->opts->queue_bytes,
        .connections = server->conns.n_conns,
        .connections_total = server->conns.connections_total,
        .workers = server->opts->workers,
        .rules_generation = scanners.generation,
        .idle_timeout_ms = server->opts->idle_timeout_ms,
        .uptime_s = (double)(uv_hrtime() - server->start_ns) / 1e9,
        .scanners_alive = scanners.alive,
        .scanners_busy = scanners.busy,
        .scanners_restarts = scanners.restarts,
        .scanners_last_end = server->last_end,
        .scanner_list = server->scanner_list,
        .correlation = server->corr.store != NULL,
        .held = atomic_load(&server->corr.held),
        .unlocked = atomic_load(&server->corr.unlocked),
        .tried = atomic_load(&server->corr.tried),
        .correlation_lost = atomic_load(&server->corr.lost),
    };
    if (server->corr.store) {
        struct sk_store_stats st;
        sk_store_stats(server->corr.store, &st);
        out->store_entries = st.entries;
        out->store_bytes = st.bytes;
        out->store_errors = st.errors;
        out->store_up = st.backend_up;
    }
    memcpy(out->scanners_ended, scanners.ended, sizeof out->scanners_ended);
    memcpy(server->last_end, scanners.last_end, sizeof server->last_end);
    if (server->scanner_list)
        out->n_scanner_list = sk_scanpool_list(&server->pool,
                                               server->scanner_list, server->opts->workers);
}

/* ---- listeners and signals ---- */

static void close_signals(struct sk_server *server)
{
    if (server->signals_closed)
        return;
    server->signals_closed = true;
    uv_close((uv_handle_t *)&server->sig_term, NULL);
    sk_front_ctl_stop(&server->ctl);
    sk_scanpool_close(&server->pool);
    uv_close((uv_handle_t *)&server->drain_timer, NULL);
    uv_close((uv_handle_t *)&server->sweep_timer, NULL);
    uv_close((uv_handle_t *)&server->wake_idle, NULL);
}

static void on_sweep(uv_timer_t *timer)
{
    struct sk_server *server = timer->data;
    sk_conn_sweep(&server->conns, uv_hrtime());
}

static void on_drain_timeout(uv_timer_t *timer)
{
    struct sk_server *server = timer->data;
    fprintf(stderr, "sekisho: drain: closing %zu connection(s) still sending after %u ms\n",
            server->conns.n_conns, SK_DAEMON_DRAIN_MS);
    sk_conn_close_all(&server->conns);
}

static void server_conn_gone(struct sk_server *server)
{
    if (server->draining && server->conns.n_conns == 0 && server->in_flight == 0)
        close_signals(server);
}

static void on_connection(uv_stream_t *listener, int status)
{
    struct sk_server *server = listener->data;
    if (status < 0) {
        fprintf(stderr, "sekisho: accept: %s\n", uv_strerror(status));
        return;
    }
    bool milter = listener == (uv_stream_t *)&server->milter_listener;
    bool is_unix = listener == (uv_stream_t *)&server->unix_listener ||
                   (milter && server->milter_unix);
    sk_conn_accept(&server->conns, listener, is_unix, milter);
}

/* SIGTERM (the parent passes on its SIGTERM or SIGINT), or the parent
 * gone: stop accepting, finish what is in flight, exit. */
static void drain(struct sk_server *server, const char *why)
{
    if (server->draining)
        return;
    fprintf(stderr, "sekisho: %s: draining %zu request(s) in flight\n", why,
            server->in_flight);
    server->draining = true;
    if (server->have_unix)
        uv_close((uv_handle_t *)&server->unix_listener, NULL);
    if (server->have_tcp)
        uv_close((uv_handle_t *)&server->tcp_listener, NULL);
    if (server->have_milter)
        uv_close((uv_handle_t *)&server->milter_listener, NULL);
    uv_timer_start(&server->drain_timer, on_drain_timeout, SK_DAEMON_DRAIN_MS, 0);
    sk_conn_drain_all(&server->conns);
    server_conn_gone(server);
}

static void on_signal(uv_signal_t *handle, int signum)
{
    (void)signum;
    drain(handle->data, "SIGTERM");
}

static void on_parent_gone(struct sk_front_ctl *ctl)
{
    drain(ctl->data, "the parent is gone");
}

/* --milter's listener: a Unix socket or TCP, as the parent bound it. */
static int open_milter_listener(struct sk_server *server, const struct sk_listeners *l)
{
    server->milter_unix = l->milter_unix;
    int rc = l->milter_unix ? uv_pipe_init(server->loop, &server->milter_listener.pipe, 0)
                            : uv_tcp_init(server->loop, &server->milter_listener.tcp);
    if (rc != 0)
        return rc;
    server->have_milter = true;
    server->milter_listener.pipe.data = server;
    rc = l->milter_unix ? uv_pipe_open(&server->milter_listener.pipe, l->milter_fd)
                        : uv_tcp_open(&server->milter_listener.tcp, l->milter_fd);
    return rc ? rc
              : uv_listen((uv_stream_t *)&server->milter_listener, SK_LISTEN_BACKLOG,
                          on_connection);
}

/* The listeners the parent bound and passed on. 0 or a negative libuv
 * error, after printing why. */
static int open_listeners(struct sk_server *server, const struct sk_listeners *l)
{
    int rc = 0;
    if (l->unix_fd >= 0) {
        rc = uv_pipe_init(server->loop, &server->unix_listener, 0);
        if (rc == 0) {
            server->have_unix = true;
            server->unix_listener.data = server;
            rc = uv_pipe_open(&server->unix_listener, l->unix_fd);
        }
        if (rc == 0)
            rc = uv_listen((uv_stream_t *)&server->unix_listener, SK_LISTEN_BACKLOG,
                           on_connection);
    }
    if (rc == 0 && l->tcp_fd >= 0) {
        rc = uv_tcp_init(server->loop, &server->tcp_listener);
        if (rc == 0) {
            server->have_tcp = true;
            server->tcp_listener.data = server;
            rc = uv_tcp_open(&server->tcp_listener, l->tcp_fd);
        }
        if (rc == 0)
            rc = uv_listen((uv_stream_t *)&server->tcp_listener, SK_LISTEN_BACKLOG,
                           on_connection);
    }
    if (rc == 0 && l->milter_fd >= 0)
        rc = open_milter_listener(server, l);
    if (rc != 0)
        fprintf(stderr, "sekisho: front: the listeners: %s\n", uv_strerror(rc));
    return rc;
}

static void start_signal(struct sk_server *server, uv_signal_t *h, int signum)
{
    uv_signal_init(server->loop, h);
    h->data = server;
    uv_signal_start(h, on_signal, signum);
}

/* ---- the sandbox: after start-up, before the first request ---- */

static void warm_pool(uv_work_t *work)
{
    (void)work;
}

static void warm_pool_done(uv_work_t *work, int status)
{
    (void)work;
    (void)status;
}

/* Becomes the serving user (started as root) and dies with the parent,
 * starts the pool threads (so that they exist before the filter, as
 * everything else start-up made), then installs the seccomp filter unless
 * --no-sandbox. 0, or -1 after printing why: a front that was asked to be
 * confined and is not must not serve. */
static int enter_sandbox(struct sk_server *server, const struct sk_child_setup *setup,
                         uv_work_t *warm)
{
    const struct sk_serve_options *o = server->opts;
    char err[512];
    if (sk_sandbox_enter_child(setup->user, setup->parent, err, sizeof err) != 0)
        goto fail;
    if (setup->user) {
        const struct sk_sandbox_user *u = setup->user;
        char groups[256] = "no supplementary groups";
        size_t used = 0;
        for (size_t i = 0; i < u->n_groups && used < sizeof groups; i++) {
            int n = snprintf(groups + used, sizeof groups - used, "%s%u",
                             i ? "," : "supplementary groups ", (unsigned)u->groups[i]);
            used += n > 0 ? (size_t)n : 0;
        }
        fprintf(stderr, "sekisho: front and scanners running as %s (uid %u, gid %u), %s\n",
                setup->user_name, (unsigned)u->uid, (unsigned)u->gid, groups);
    }
    int rc = uv_queue_work(server->loop, warm, warm_pool, warm_pool_done);
    if (rc != 0) {
        snprintf(err, sizeof err, "starting the worker pool: %s", uv_strerror(rc));
        goto fail;
    }
    if (o->no_sandbox) {
        fprintf(stderr, "sekisho: seccomp filter off (--no-sandbox)\n");
        return 0;
    }
    /* A Redis store is a server the front connects to (reconnects too). */
    bool redis = server->corr.store && o->store && strcmp(o->store, "memory") != 0;
    size_t allowed = sk_sandbox_allowed_count(redis);
    if (sk_sandbox_install(redis, err, sizeof err) != 0)
        goto fail;
    fprintf(stderr, "sekisho: seccomp filter on: %zu system calls allowed, others EPERM\n",
            allowed);
    return 0;
fail:
    fprintf(stderr, "sekisho: front: %s\n", err);
    return -1;
}

/* Opens the correlator's store (before the sandbox: a Redis host name is
 * resolved here, once). 0, or -1 after printing why: a store that was asked
 * for and cannot be had is a start-up error, not a silent loss. */
static int open_correlator(struct sk_server *server)
{
    const struct sk_serve_options *o = server->opts;
    struct sk_correlator *c = &server->corr;
    c->budget_ns = (uint64_t)o->unlock_budget_ms * 1000000u;
    c->scan_ns = ((uint64_t)o->common.limits.timeout_ms + SK_SCANNER_GRACE_MS) * 1000000u;
    c->rescan = rescan;
    c->rescan_ctx = server;
    if (o->no_correlate) {
        fprintf(stderr, "sekisho: correlation off (--no-correlate)\n");
        return 0;
    }
    struct sk_store_limits limits = {.window_s = o->store_window_s,
                                     .max_entries = o->store_max_entries,
                                     .max_bytes = o->store_max_bytes,
                                     .max_entry_bytes = o->common.limits.max_request_bytes};
    char err[256];
    if (sk_store_open(o->store, &limits, &c->store, err, sizeof err) != 0) {
        fprintf(stderr, "sekisho: front: --store %s: %s\n", o->store ? o->store : "memory", err);
        return -1;
    }
    fprintf(stderr, "sekisho: correlation on: store %s\n", o->store ? o->store : "memory");
    return 0;
}

static void walk_close(uv_handle_t *handle, void *arg)
{
    (void)arg;
    if (!uv_is_closing(handle))
        uv_close(handle, NULL);
}

int sk_front_main(const struct sk_child_setup *setup)
{
    const struct sk_serve_options *o = setup->opts;
    char workers[16];
    snprintf(workers, sizeof workers, "%u", o->workers);
    setenv("UV_THREADPOOL_SIZE", workers, 1);
    struct sk_server server = {.opts = o};
    int code = 2;
    server.loop = uv_default_loop();
    server.sched = (struct sk_sched){
        .ctx = &server,
        .reserve = sched_reserve,
        .full = sched_full,
        .release = sched_release,
        .hold = sched_hold,
        .unhold = sched_unhold,
        .submit = sched_submit,
        .stats = sched_stats,
        .count_request = sched_count_request,
        .count_error = sched_count_error,
        .conn_gone = sched_conn_gone,
    };
    server.conns = (struct sk_conn_set){.loop = server.loop, .sched = &server.sched, .opts = o};
    server.start_ns = uv_hrtime();
    server.scanner_list = calloc(o->workers, sizeof *server.scanner_list);
    if (!server.scanner_list || sk_scanpool_init(&server.pool, o->workers, setup->fd) != 0) {
        free(server.scanner_list);
        fprintf(stderr, "sekisho: front: out of memory\n");
        return code;
    }
    server.ctl.parent_gone = on_parent_gone;
    server.ctl.data = &server;
    if (sk_front_ctl_start(&server.ctl, server.loop, setup->fd, &server.pool) != 0 ||
        open_listeners(&server, setup->listeners) != 0)
        goto out;
    start_signal(&server, &server.sig_term, SIGTERM);
    uv_timer_init(server.loop, &server.drain_timer);
    server.drain_timer.data = &server;
    uv_timer_init(server.loop, &server.sweep_timer);
    server.sweep_timer.data = &server;
    uv_timer_start(&server.sweep_timer, on_sweep, 250, 250);
    uv_idle_init(server.loop, &server.wake_idle);
    server.wake_idle.data = &server;
    uv_work_t warm_pool_work;
    if (open_correlator(&server) != 0 || enter_sandbox(&server, setup, &warm_pool_work) != 0)
        goto out;
    fprintf(stderr,
            "sekisho: serving with %u workers (scanner processes), queue %u (%llu bytes, %u "
            "ms), max-bytes %llu\n",
            o->workers, o->queue, (unsigned long long)o->queue_bytes, o->queue_timeout_ms,
            (unsigned long long)o->common.limits.max_request_bytes);
    uv_run(server.loop, UV_RUN_DEFAULT);
    fprintf(stderr, "sekisho: stopped: %llu requests answered (%llu errors, %llu busy)\n",
            (unsigned long long)server.stats.requests, (unsigned long long)server.stats.errors,
            (unsigned long long)server.stats.busy);
    code = 0;
out:
    uv_walk(server.loop, walk_close, NULL);
    uv_run(server.loop, UV_RUN_DEFAULT);
    uv_loop_close(server.loop);
    sk_scanpool_destroy(&server.pool); /* the scanners see EOF and leave */
    sk_front_ctl_close(&server.ctl);
    sk_store_close(server.corr.store);
    free(server.scanner_list);
    return code;
}
