/* `sekisho serve`: options, listeners, signals, the engine and its swaps,
 * the worker pool and the counters. Framing lives in conn.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/options.h" /* sk_parse_uint, sk_common_rule_paths */
#include "keeper.h"
#include "log.h"
#include "run.h"
#include "sandbox.h"
#include "serve.h"
#include "server.h"

struct sk_thread_slot {
    uint64_t generation;      /* of the engine the worker was made for; 0: none */
    struct sk_worker *worker; /* owned by that engine's sk_engine_ref */
};

/* ---- engines: built at start and on SIGHUP, freed by the last user ---- */

/* Asks the rules keeper for the rules compiled afresh and builds a new
 * engine from its bundle. Touches nothing of the server but its keeper
 * (one caller at a time: start-up, then one reload at once) and options,
 * so SIGHUP can run it on a pool thread; the generation is numbered by the
 * caller, on the loop thread. */
static struct sk_engine_ref *engine_fetch(struct sk_server *server, struct sk_fetch_times *t,
                                          char *err, size_t errlen)
{
    uint8_t *bundle = NULL;
    size_t len = 0;
    if (sk_keeper_compile(&server->keeper, &bundle, &len, &t->compile_ns, err, errlen) != 0)
        return NULL;
    uint64_t t0 = uv_hrtime();
    struct sk_engine *engine = NULL;
    int rc =
        sk_engine_from_bundle(bundle, len, &server->opts->common.limits, &engine, err, errlen);
    free(bundle);
    t->load_ns = uv_hrtime() - t0;
    t->bundle_bytes = len;
    if (rc != 0)
        return NULL;
    struct sk_engine_ref *ref = calloc(1, sizeof *ref);
    if (!ref || uv_mutex_init(&ref->lock) != 0) {
        free(ref);
        sk_engine_free(engine);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ref->engine = engine;
    ref->refs = 1;
    return ref;
}

static void engine_release(struct sk_engine_ref *ref)
{
    if (!ref || --ref->refs > 0)
        return;
    for (size_t i = 0; i < ref->n_workers; i++)
        sk_worker_free(ref->workers[i]);
    free(ref->workers);
    uv_mutex_destroy(&ref->lock);
    sk_engine_free(ref->engine);
    free(ref);
}

/* SIGHUP: the rules are compiled on a pool thread (a large rule set takes
 * a while and the loop must keep accepting and framing meanwhile); the swap
 * happens back on the loop thread. A SIGHUP during a compile asks for one
 * more compile after it, so the last edit of the rules always wins. */
struct sk_reload {
    uv_work_t work;
    struct sk_server *server;
    struct sk_engine_ref *ref;
    struct sk_fetch_times times;
    uint64_t t0;
    char err[SK_KEEPER_MAX_ERROR];
};

static void reload_work(uv_work_t *work)
{
    struct sk_reload *r = work->data;
    r->ref = engine_fetch(r->server, &r->times, r->err, sizeof r->err);
}

static void reload(struct sk_server *server);

static void reload_done(uv_work_t *work, int status)
{
    struct sk_reload *r = work->data;
    struct sk_server *server = r->server;
    server->reloading = false;
    if (status != 0 || !r->ref) {
        fprintf(stderr, "sekisho: SIGHUP: new rules refused, keeping generation %llu: %s\n",
                (unsigned long long)server->current->generation,
                status != 0 ? uv_strerror(status) : r->err);
    } else if (server->draining) {
        engine_release(r->ref); /* shutting down: nothing will use it */
    } else {
        struct sk_engine_ref *old = server->current;
        r->ref->generation = ++server->next_generation;
        server->current = r->ref;
        engine_release(old);
        fprintf(stderr,
                "sekisho: SIGHUP: rules reloaded (generation %llu, %u rules, %.1f ms: "
                "compiled in the rules keeper in %.1f ms, %zu-byte bundle loaded in %.1f ms)\n",
                (unsigned long long)r->ref->generation, sk_engine_rule_count(r->ref->engine),
                (double)(uv_hrtime() - r->t0) / 1e6, (double)r->times.compile_ns / 1e6,
                r->times.bundle_bytes, (double)r->times.load_ns / 1e6);
    }
    free(r);
    if (server->reload_again && !server->draining) {
        server->reload_again = false;
        reload(server);
    }
}

static void reload(struct sk_server *server)
{
    if (server->reloading) {
        server->reload_again = true;
        return;
    }
    struct sk_reload *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(stderr, "sekisho: SIGHUP: out of memory; keeping the current rules\n");
        return;
    }
    r->server = server;
    r->t0 = uv_hrtime();
    r->work.data = r;
    int rc = uv_queue_work(server->loop, &r->work, reload_work, reload_done);
    if (rc != 0) {
        fprintf(stderr, "sekisho: SIGHUP: %s; keeping the current rules\n", uv_strerror(rc));
        free(r);
        return;
    }
    server->reloading = true;
}

/* ---- the pool thread ---- */

/* This thread's worker for the request's engine; made on first use and
 * again after a swap (the old one stays with the old engine). */
static struct sk_worker *thread_worker(struct sk_server *server, struct sk_engine_ref *ref)
{
    struct sk_thread_slot *slot = uv_key_get(&server->slot_key);
    if (!slot) {
        slot = calloc(1, sizeof *slot);
        if (!slot)
            return NULL;
        uv_mutex_lock(&server->slots_lock);
        struct sk_thread_slot **grown =
            realloc(server->slots, (server->n_slots + 1) * sizeof *grown);
        if (grown) {
            server->slots = grown;
            server->slots[server->n_slots++] = slot;
        }
        uv_mutex_unlock(&server->slots_lock);
        if (!grown) {
            free(slot);
            return NULL;
        }
        uv_key_set(&server->slot_key, slot);
    }
    if (slot->generation == ref->generation)
        return slot->worker;
    struct sk_worker *worker = NULL;
    if (sk_worker_new(ref->engine, &worker) != 0)
        return NULL;
    uv_mutex_lock(&ref->lock);
    struct sk_worker **grown = realloc(ref->workers, (ref->n_workers + 1) * sizeof *grown);
    if (grown) {
        ref->workers = grown;
        ref->workers[ref->n_workers++] = worker;
    }
    uv_mutex_unlock(&ref->lock);
    if (!grown) {
        sk_worker_free(worker);
        return NULL;
    }
    slot->worker = worker;
    slot->generation = ref->generation;
    return worker;
}

static void server_release(struct sk_server *server, uint64_t bytes);

static void scan_work(uv_work_t *work)
{
    struct sk_dreq *req = work->data;
    struct sk_server *server = req->sched;
    const struct sk_serve_options *o = server->opts;
    if (uv_hrtime() - req->queued_ns > (uint64_t)o->queue_timeout_ms * 1000000u) {
        sk_dreq_queue_expired(req);
        return;
    }
    struct sk_worker *worker = thread_worker(server, req->eref);
    if (!worker) {
        sk_dreq_fail_closed(req, "no engine worker (out of memory)");
        return;
    }
    struct sk_run_options run = {
        .limits = sk_engine_limits(req->eref->engine),
        .no_hash = o->common.no_hash,
        .fault_report = o->fault_report,
    };
    sk_dreq_run(req, worker, &run);
}

static void scan_after(uv_work_t *work, int status)
{
    struct sk_dreq *req = work->data;
    struct sk_server *server = req->sched;
    (void)status;
    server->stats.requests++;
    server->stats.bytes += req->bytes ? req->bytes : req->size;
    const char *path = req->kind == SK_DREQ_CLAMD_PATH ? req->u.clamd.path : NULL;
    if (req->error[0]) {
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
    engine_release(req->eref);
    req->eref = NULL;
    server_release(server, req->held);
    req->held = 0;
    sk_conn_scan_done(req);
}

/* ---- the scheduler the connections see (sched.h) ---- */

static void server_stats(const struct sk_server *server, struct sk_reply_stats *out);
static void server_conn_gone(struct sk_server *server);

static int sched_submit(void *ctx, struct sk_dreq *req)
{
    struct sk_server *server = ctx;
    req->sched = server;
    req->eref = server->current;
    req->eref->refs++;
    req->work.data = req;
    req->queued_ns = uv_hrtime();
    int rc = uv_queue_work(server->loop, &req->work, scan_work, scan_after);
    if (rc != 0) {
        engine_release(req->eref);
        req->eref = NULL;
    }
    return rc;
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

static void server_stats(const struct sk_server *server, struct sk_reply_stats *out)
{
    const struct sk_server_stats *s = &server->stats;
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
        .rules_generation = server->current->generation,
        .idle_timeout_ms = server->opts->idle_timeout_ms,
        .uptime_s = (double)(uv_hrtime() - server->start_ns) / 1e9,
    };
}

/* ---- listeners and signals ---- */

static void close_signals(struct sk_server *server)
{
    if (server->signals_closed)
        return;
    server->signals_closed = true;
    uv_close((uv_handle_t *)&server->sig_term, NULL);
    uv_close((uv_handle_t *)&server->sig_int, NULL);
    uv_close((uv_handle_t *)&server->sig_hup, NULL);
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
    sk_conn_accept(&server->conns, listener, listener == (uv_stream_t *)&server->unix_listener);
}

static void on_signal(uv_signal_t *handle, int signum)
{
    struct sk_server *server = handle->data;
    if (signum == SIGHUP) {
        if (!server->draining)
            reload(server);
        return;
    }
    if (server->draining)
        return;
    fprintf(stderr, "sekisho: %s: draining %zu request(s) in flight\n",
            signum == SIGTERM ? "SIGTERM" : "SIGINT", server->in_flight);
    server->draining = true;
    if (server->have_unix)
        uv_close((uv_handle_t *)&server->unix_listener, NULL);
    if (server->have_tcp)
        uv_close((uv_handle_t *)&server->tcp_listener, NULL);
    uv_timer_start(&server->drain_timer, on_drain_timeout, SK_DAEMON_DRAIN_MS, 0);
    sk_conn_drain_all(&server->conns);
    server_conn_gone(server);
}

/* systemd socket activation: the first passed descriptor, or -1. */
static int activated_fd(void)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    unsigned long p, n;
    if (!pid || !fds || sk_parse_uint(pid, 1ul << 31, &p) || sk_parse_uint(fds, 64, &n))
        return -1;
    if ((pid_t)p != getpid() || n < 1)
        return -1;
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    return 3;
}

/* True when something accepts connections on the socket at path: then it
 * is not stale and must not be removed. */
static bool socket_in_use(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path)
        return false;
    memcpy(addr.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool in_use = connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
    close(fd);
    return in_use;
}

/* clamd's LocalSocketMode/LocalSocketGroup: the mode, and the owner and
 * group asked for, are set right after the bind, before any privilege drop
 * (the drop then hands the socket to the serving user only where nothing
 * was asked for). 0 or a negative libuv error, after printing why. */
static int socket_access(struct sk_server *server, const char *path)
{
    const struct sk_serve_options *o = server->opts;
    char err[256];
    uid_t uid = (uid_t)-1;
    gid_t gid = (gid_t)-1;
    if (o->socket_owner) {
        struct sk_sandbox_user owner;
        if (sk_sandbox_lookup_user(o->socket_owner, NULL, &owner, err, sizeof err) != 0) {
            fprintf(stderr, "sekisho: --socket-owner: %s\n", err);
            return UV_EINVAL;
        }
        uid = owner.uid;
    }
    if (o->socket_group && sk_sandbox_lookup_group(o->socket_group, &gid, err, sizeof err)) {
        fprintf(stderr, "sekisho: --socket-group: %s\n", err);
        return UV_EINVAL;
    }
    if (chmod(path, (mode_t)o->socket_mode) != 0 ||
        ((o->socket_owner || o->socket_group) && chown(path, uid, gid) != 0)) {
        int rc = uv_translate_sys_error(errno);
        fprintf(stderr, "sekisho: socket %s: mode %04o, owner %s, group %s: %s\n", path,
                o->socket_mode, o->socket_owner ? o->socket_owner : "unchanged",
                o->socket_group ? o->socket_group : "unchanged", uv_strerror(rc));
        return rc;
    }
    return 0;
}

static int listen_unix(struct sk_server *server)
{
    const char *path = server->opts->socket_path;
    int rc = uv_pipe_init(server->loop, &server->unix_listener, 0);
    if (rc != 0)
        return rc;
    server->have_unix = true;
    server->unix_listener.data = server;
    int fd = path ? -1 : activated_fd();
    if (fd >= 0) {
        rc = uv_pipe_open(&server->unix_listener, fd);
        path = "(systemd socket)";
        if (server->opts->socket_owner || server->opts->socket_group ||
            server->opts->socket_mode_set)
            fprintf(stderr, "sekisho: --socket-owner/-group/-mode ignored: systemd made the "
                            "socket (SocketUser=, SocketGroup=, SocketMode=)\n");
    } else {
        if (!path)
            path = SK_DEFAULT_SOCKET;
        struct stat st;
        /* A stale socket from an earlier run is removed; any other file
         * at that path is left alone. */
        if (lstat(path, &st) == 0) {
            if (!S_ISSOCK(st.st_mode)) {
                fprintf(stderr, "sekisho: %s exists and is not a socket\n", path);
                return UV_EEXIST;
            }
            if (socket_in_use(path)) {
                fprintf(stderr, "sekisho: %s: another server is listening there\n", path);
                return UV_EADDRINUSE;
            }
            unlink(path);
        }
        rc = uv_pipe_bind(&server->unix_listener, path);
        if (rc == 0)
            server->bound_socket = path; /* ours to remove at exit */
        if (rc == 0)
            rc = socket_access(server, path);
    }
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&server->unix_listener, 511, on_connection);
    if (rc != 0)
        fprintf(stderr, "sekisho: listen on %s: %s\n", path, uv_strerror(rc));
    else
        fprintf(stderr, "sekisho: listening on %s\n", path);
    return rc;
}

static int listen_tcp(struct sk_server *server)
{
    const char *spec = server->opts->tcp;
    const char *colon = strrchr(spec, ':');
    unsigned long port;
    char host[256];
    if (!colon || (size_t)(colon - spec) >= sizeof host ||
        sk_parse_uint(colon + 1, 65535, &port)) {
        fprintf(stderr, "sekisho: --tcp wants HOST:PORT, not '%s'\n", spec);
        return UV_EINVAL;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    struct sockaddr_storage addr;
    int rc = uv_ip4_addr(host, (int)port, (struct sockaddr_in *)&addr);
    if (rc != 0)
        rc = uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)&addr);
    if (rc == 0)
        rc = uv_tcp_init(server->loop, &server->tcp_listener);
    if (rc == 0) {
        server->have_tcp = true;
        server->tcp_listener.data = server;
        rc = uv_tcp_bind(&server->tcp_listener, (struct sockaddr *)&addr, 0);
    }
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&server->tcp_listener, 511, on_connection);
    if (rc != 0)
        fprintf(stderr, "sekisho: listen on tcp %s: %s\n", spec, uv_strerror(rc));
    else
        fprintf(stderr, "sekisho: listening on tcp %s\n", spec);
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

/* Started as root: whom the server (and, keeping one capability, the rules
 * keeper) becomes: --user (default nobody) with its own supplementary groups
 * and --group as primary group if given. Looked up before anything is
 * forked or bound, since the user database is out of reach afterwards. 0,
 * or -1 with a message. */
static int resolve_user(struct sk_server *server, char *err, size_t errlen)
{
    const struct sk_serve_options *o = server->opts;
    const char *name = o->user ? o->user : SK_SANDBOX_DEFAULT_USER;
    if (sk_sandbox_lookup_user(name, o->group, &server->user, err, errlen) != 0)
        return -1;
    if (server->user.uid == 0) {
        snprintf(err, errlen, "--user %s is root: name an unprivileged user", name);
        return -1;
    }
    server->user_name = name;
    return 0;
}

/* Started as root: becomes the user resolve_user found, for good. The
 * socket we bound is handed to that user and group first, unless
 * --socket-owner or --socket-group said otherwise (socket_access), since
 * neither the user database nor chown is reachable afterwards. */
static int drop_root(struct sk_server *server, char *err, size_t errlen)
{
    const struct sk_serve_options *o = server->opts;
    const struct sk_sandbox_user *user = &server->user;
    uid_t uid = o->socket_owner ? (uid_t)-1 : user->uid;
    gid_t gid = o->socket_group ? (gid_t)-1 : user->gid;
    if (server->bound_socket && chown(server->bound_socket, uid, gid) != 0) {
        snprintf(err, errlen, "chown %s: %s", server->bound_socket, strerror(errno));
        return -1;
    }
    if (sk_sandbox_drop(user, err, errlen) != 0)
        return -1;
    char groups[256] = "no supplementary groups";
    size_t used = 0;
    for (size_t i = 0; i < user->n_groups && used < sizeof groups; i++) {
        int n = snprintf(groups + used, sizeof groups - used, "%s%u",
                         i ? "," : "supplementary groups ", (unsigned)user->groups[i]);
        used += n > 0 ? (size_t)n : 0;
    }
    fprintf(stderr, "sekisho: running as %s (uid %u, gid %u), %s\n", server->user_name,
            (unsigned)user->uid, (unsigned)user->gid, groups);
    return 0;
}

/* Drops root, starts the pool threads (so that they exist before the
 * filter, as everything else start-up made), then installs the seccomp
 * filter unless --no-sandbox. 0, or -1 after printing why: a daemon that
 * was asked to be confined and is not must not serve. */
static int enter_sandbox(struct sk_server *server, uv_work_t *warm)
{
    const struct sk_serve_options *o = server->opts;
    char err[512];
    if (server->user_name) {
        if (drop_root(server, err, sizeof err) != 0)
            goto fail;
    } else if (o->user || o->group) {
        fprintf(stderr, "sekisho: --user/--group ignored: not started as root\n");
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
    size_t allowed = sk_sandbox_allowed_count();
    if (sk_sandbox_install(err, sizeof err) != 0)
        goto fail;
    fprintf(stderr, "sekisho: seccomp filter on: %zu system calls allowed, others EPERM\n",
            allowed);
    return 0;
fail:
    fprintf(stderr, "sekisho: sandbox: %s\n", err);
    return -1;
}

static void walk_close(uv_handle_t *handle, void *arg)
{
    (void)arg;
    if (!uv_is_closing(handle))
        uv_close(handle, NULL);
}

int sk_cmd_serve(int argc, char **argv)
{
    struct sk_serve_options o = {0};
    int parsed = sk_serve_parse_options(argc, argv, &o);
    if (parsed != 0) {
        free(o.common.rule_paths);
        return parsed > 0 ? 0 : 2;
    }
    char workers[16];
    snprintf(workers, sizeof workers, "%u", o.workers);
    setenv("UV_THREADPOOL_SIZE", workers, 1);
    signal(SIGPIPE, SIG_IGN);
    o.fault_report = getenv("SEKISHO_FAULT_REPORT");
    if (o.fault_report)
        fprintf(stderr,
                "sekisho: test hook SEKISHO_FAULT_REPORT armed: the reports of %s "
                "fail closed\n",
                o.fault_report);

    struct sk_server server = {.opts = &o, .keeper = {.pid = -1, .fd = -1}};
    int code = 2;
    char err[SK_KEEPER_MAX_ERROR];
    const char **rule_paths = NULL;
    size_t n_rule_paths = 0;
    if (geteuid() == 0 && resolve_user(&server, err, sizeof err) != 0) {
        fprintf(stderr, "sekisho: sandbox: %s\n", err);
        goto out;
    }
    /* The bundled folder is found now, as whoever started us: the keeper may
     * be another user by the time it reads it. */
    sk_common_rule_paths(&o.common, &rule_paths, &n_rule_paths);
    struct sk_keeper_setup keeper = {
        .engine = {.rule_paths = rule_paths,
                   .n_rule_paths = n_rule_paths,
                   .policy_path = o.common.policy_path,
                   .password_rules_path = o.common.password_rules},
        .user = server.user_name ? &server.user : NULL,
        .confine = !o.no_sandbox,
    };
    /* Forked first, while this is the only thread and before any socket,
     * loop or engine exists that the keeper would inherit. */
    if (sk_keeper_start(&keeper, &server.keeper, err, sizeof err) != 0) {
        fprintf(stderr, "sekisho: %s\n", err);
        goto out;
    }
    fprintf(stderr,
            "sekisho: rules keeper started (pid %d%s%s): start-up and SIGHUP compile the "
            "rules in it, the server loads what it sends\n",
            (int)server.keeper.pid, server.user_name ? ", as " : "",
            server.user_name ? server.user_name : "");
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
    server.conns =
        (struct sk_conn_set){.loop = server.loop, .sched = &server.sched, .opts = &o};
    server.start_ns = uv_hrtime();
    uv_key_create(&server.slot_key);
    uv_mutex_init(&server.slots_lock);
    struct sk_fetch_times times = {0};
    server.current = engine_fetch(&server, &times, err, sizeof err);
    if (!server.current) {
        fprintf(stderr, "sekisho: %s\n", err);
        goto out;
    }
    server.current->generation = ++server.next_generation;
    fprintf(stderr,
            "sekisho: rules compiled in the rules keeper in %.1f ms, %zu-byte bundle loaded "
            "in %.1f ms\n",
            (double)times.compile_ns / 1e6, times.bundle_bytes, (double)times.load_ns / 1e6);
    if (listen_unix(&server) != 0 || (o.tcp && listen_tcp(&server) != 0))
        goto out;
    start_signal(&server, &server.sig_term, SIGTERM);
    start_signal(&server, &server.sig_int, SIGINT);
    start_signal(&server, &server.sig_hup, SIGHUP);
    uv_timer_init(server.loop, &server.drain_timer);
    server.drain_timer.data = &server;
    uv_timer_init(server.loop, &server.sweep_timer);
    server.sweep_timer.data = &server;
    uv_timer_start(&server.sweep_timer, on_sweep, 250, 250);
    uv_idle_init(server.loop, &server.wake_idle);
    server.wake_idle.data = &server;
    uv_work_t warm_pool_work;
    if (enter_sandbox(&server, &warm_pool_work) != 0)
        goto out;
    fprintf(stderr,
            "sekisho: serving with %u workers, queue %u (%llu bytes, %u ms), %u rules, "
            "max-bytes %llu\n",
            o.workers, o.queue, (unsigned long long)o.queue_bytes, o.queue_timeout_ms,
            sk_engine_rule_count(server.current->engine),
            (unsigned long long)o.common.limits.max_request_bytes);
    uv_run(server.loop, UV_RUN_DEFAULT);
    fprintf(stderr, "sekisho: stopped: %llu requests answered (%llu errors, %llu busy)\n",
            (unsigned long long)server.stats.requests, (unsigned long long)server.stats.errors,
            (unsigned long long)server.stats.busy);
    code = 0;
out:
    sk_keeper_close(&server.keeper); /* EOF: the keeper exits */
    if (server.loop) {
        uv_walk(server.loop, walk_close, NULL);
        uv_run(server.loop, UV_RUN_DEFAULT);
        uv_loop_close(server.loop);
        if (server.bound_socket)
            unlink(server.bound_socket);
        engine_release(server.current);
        for (size_t i = 0; i < server.n_slots; i++)
            free(server.slots[i]);
        free(server.slots);
        uv_key_delete(&server.slot_key);
        uv_mutex_destroy(&server.slots_lock);
    }
    free(rule_paths);
    free(o.common.rule_paths);
    return code;
}
