/* One connection: framing of the native protocol and of the clamd protocol
 * (DESIGN.md), chosen per connection by the first byte ('{': native). The
 * bytes are parsed by proto.c (no I/O there); this file acts on its events.
 *
 * Memory a client can make us hold: the read buffer (SK_DAEMON_READ_BUF), one
 * header or command line (SK_DAEMON_MAX_HEADER / SK_DAEMON_MAX_COMMAND), and
 * for each request in flight one buffer of at most max-bytes: the native
 * payload is allocated from the declared size after it is checked, an
 * INSTREAM buffer grows with what arrived and never past max-bytes, and the
 * number of requests in flight is bounded by the server's queue (`busy`).
 *
 * Lifetime: the struct owns its libuv handle and is freed only after the
 * handle's close callback has run and no scan of it is pending. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "reply.h"

struct sk_conn {
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_pipe_t pipe;
        uv_tcp_t tcp;
    } h;
    struct sk_server *server;
    struct sk_conn *prev, *next;
    bool is_unix;
    bool reading;
    bool closing;       /* uv_close called */
    bool handle_closed; /* its close callback ran */
    bool stop_input;    /* a fatal error reply is on its way, or EOF */
    bool close_after_write;
    bool waiting_reply; /* clamd: one command at a time */
    bool in_session;    /* clamd IDSESSION */
    bool discarding;    /* clamd INSTREAM over max-bytes: the rest is read and dropped */
    bool discard_busy;  /* ... because --queue-bytes ran out instead */
    uint64_t discarded; /* bytes dropped so far */
    unsigned pending_scans;
    unsigned writes_pending;
    bool slot;               /* holds a reserved slot for the request it is reading */
    bool waiting_slot;       /* paused at a request boundary until a slot frees */
    bool busy_pass;          /* waited past --queue-timeout: answer busy, do not wait */
    bool eof;                /* the client shut down its side */
    uint64_t wait_since;     /* when it started waiting (uv_hrtime) */
    uint64_t number;         /* counted since start, for the log */
    unsigned n_requests;     /* requests on this connection so far */
    unsigned cur_seq;        /* the number of the request being read, for the log */
    uint64_t last_read_ns;   /* when a byte last arrived (uv_hrtime) */
    uint64_t last_active_ns; /* when a byte arrived or a reply was written */
    struct sk_proto proto;   /* framing state; proto.delim: the clamd reply delimiter */
    struct sk_dreq *cur;     /* the request being read */
    unsigned session_seq;
    size_t rpos, rlen;
    char rbuf[SK_DAEMON_READ_BUF];
};

struct write_req {
    uv_write_t req;
    struct sk_conn *conn;
    char *data;
};

static void process_input(struct sk_conn *c);
static void update_reading(struct sk_conn *c);

static struct sk_dreq *dreq_new(struct sk_conn *c, enum sk_dreq_kind kind)
{
    struct sk_dreq *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->kind = kind;
    req->conn = c;
    if (kind != SK_DREQ_NATIVE) {
        req->u.clamd.fd = -1;
        req->u.clamd.frame = (struct sk_clamd_frame){
            .session_seq = c->in_session ? c->session_seq : 0, .delim = c->proto.delim};
    }
    req->start_ns = uv_hrtime();
    req->conn_no = c->number;
    req->seq = c->cur_seq;
    return req;
}

/* ---- lifetime ---- */

static void maybe_free(struct sk_conn *c)
{
    if (!c->handle_closed || c->pending_scans > 0 || c->writes_pending > 0)
        return;
    struct sk_server *server = c->server;
    sk_proto_free(&c->proto);
    free(c);
    sk_server_conn_gone(server);
}

static void on_close(uv_handle_t *handle)
{
    struct sk_conn *c = handle->data;
    struct sk_server *server = c->server;
    c->handle_closed = true;
    if (c->prev)
        c->prev->next = c->next;
    else
        server->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    server->n_conns--;
    maybe_free(c);
}

/* Drops a half-read request and gives back its slot and bytes. */
static void drop_current(struct sk_conn *c)
{
    if (!c->cur)
        return;
    uint64_t held = c->cur->held;
    sk_dreq_free(c->cur);
    c->cur = NULL;
    sk_server_release(c->server, held);
}

/* Gives back a slot reserved for a request that never started. */
static void drop_slot(struct sk_conn *c)
{
    if (c->slot) {
        c->slot = false;
        sk_server_release(c->server, 0);
    }
}

static void stop_waiting(struct sk_conn *c)
{
    if (c->waiting_slot) {
        c->waiting_slot = false;
        c->server->n_waiting--;
    }
}

/* The request being started takes the connection's reserved slot; false
 * when it has none (waited past --queue-timeout: busy). */
static bool take_slot(struct sk_conn *c)
{
    bool had = c->slot;
    c->slot = false;
    return had;
}

static void conn_close(struct sk_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    drop_current(c);
    drop_slot(c);
    stop_waiting(c);
    uv_close(&c->h.handle, on_close);
}

/* At a request boundary with nothing owed to the client. */
static bool idle(const struct sk_conn *c)
{
    bool boundary = c->cur == NULL && sk_proto_at_boundary(&c->proto);
    return boundary && c->pending_scans == 0 && c->writes_pending == 0;
}

static void close_if_done(struct sk_conn *c)
{
    if (c->closing)
        return;
    if (c->close_after_write && c->writes_pending == 0)
        conn_close(c);
    else if (c->stop_input && c->pending_scans == 0 && c->writes_pending == 0)
        conn_close(c); /* EOF: nothing more to read, nothing owed */
    else if (c->server->draining && idle(c))
        conn_close(c);
}

/* ---- writing ---- */

static void on_write(uv_write_t *w, int status)
{
    struct write_req *wr = (struct write_req *)w;
    struct sk_conn *c = wr->conn;
    free(wr->data);
    free(wr);
    c->writes_pending--;
    c->last_active_ns = uv_hrtime();
    if (status < 0 && !c->closing)
        conn_close(c);
    if (c->closing)
        maybe_free(c);
    else
        close_if_done(c);
}

/* Writes len bytes and takes ownership of data (malloc'd). */
static void conn_write_take(struct sk_conn *c, char *data, size_t len)
{
    if (c->closing || !data) {
        free(data);
        return;
    }
    struct write_req *wr = malloc(sizeof *wr);
    if (!wr) {
        free(data);
        conn_close(c);
        return;
    }
    wr->conn = c;
    wr->data = data;
    uv_buf_t buf = uv_buf_init(data, (unsigned)len);
    if (uv_write(&wr->req, &c->h.stream, &buf, 1, on_write) != 0) {
        free(data);
        free(wr);
        conn_close(c);
        return;
    }
    c->writes_pending++;
}

static void conn_write_str(struct sk_conn *c, const char *text, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy) {
        conn_close(c);
        return;
    }
    memcpy(copy, text, len);
    conn_write_take(c, copy, len);
}

/* Stops reading; the connection closes once its last write is out. */
static void fail_connection(struct sk_conn *c)
{
    c->stop_input = true;
    c->close_after_write = true;
    drop_current(c);
    drop_slot(c);
    update_reading(c);
    if (c->writes_pending == 0)
        conn_close(c);
}

/* ---- native protocol ---- */

static void native_error(struct sk_conn *c, const char *id, const char *code,
                         const char *message, bool fatal)
{
    struct sk_server *server = c->server;
    server->stats.errors++;
    if (strcmp(code, "busy") == 0)
        server->stats.busy++;
    char log_code[40], conn[48];
    snprintf(log_code, sizeof log_code, "error:%s", code);
    snprintf(conn, sizeof conn, "%llu.%u", (unsigned long long)c->number, c->cur_seq);
    sk_server_log(id, conn, log_code, "-", 0, uv_hrtime(), NULL, NULL);
    char *line = NULL;
    size_t n = 0;
    if (sk_reply_native_error(id, code, message, &line, &n) != 0) {
        conn_close(c);
        return;
    }
    conn_write_take(c, line, n);
    if (fatal)
        fail_connection(c);
}

static char *dup_or_null(const char *text)
{
    return text ? strdup(text) : NULL;
}

static void submit_current(struct sk_conn *c)
{
    struct sk_dreq *req = c->cur;
    /* Read now: once submitted, req belongs to the scan. */
    bool native = req->kind == SK_DREQ_NATIVE;
    c->cur = NULL;
    c->pending_scans++;
    if (sk_server_submit(c->server, req) != 0) {
        c->pending_scans--;
        sk_server_release(c->server, req->held);
        sk_dreq_free(req);
        if (native)
            native_error(c, NULL, "internal", "could not queue the scan", true);
        else
            fail_connection(c);
        return;
    }
    /* A native request was framed whole (proto is at the next header); a
     * clamd command waits for its reply before the next is read. */
    if (!native) {
        c->proto.state = SK_PROTO_CCMD;
        c->waiting_reply = true;
    }
}

/* Copies an accepted header into a new request (c->cur); false when out of
 * memory (nothing is left behind). */
static bool native_request(struct sk_conn *c, const struct sk_native_header *h)
{
    struct sk_dreq *req = dreq_new(c, SK_DREQ_NATIVE);
    if (!req) {
        sk_server_release(c->server, h->size);
        return false;
    }
    c->cur = req; /* from here drop_current() frees it and the slot */
    req->held = h->size;
    req->size = (size_t)h->size;
    req->id = dup_or_null(h->id);
    req->u.native.filename = dup_or_null(h->filename);
    req->u.native.body = dup_or_null(h->body);
    req->u.native.body_len = h->body_len;
    req->data = h->size ? malloc((size_t)h->size) : NULL;
    size_t np = h->n_passwords;
    req->u.native.passwords = np ? calloc(np, sizeof *req->u.native.passwords) : NULL;
    bool ok = (!h->id || req->id) && (!h->filename || req->u.native.filename) &&
              (!h->body || req->u.native.body) && (!h->size || req->data) && (!np || req->u.native.passwords);
    for (size_t i = 0; ok && i < np; i++) {
        req->u.native.passwords[i] = strdup(sk_native_password(h, i));
        ok = req->u.native.passwords[i] != NULL;
        req->u.native.n_passwords = i + 1;
    }
    if (!ok)
        drop_current(c);
    return ok;
}

static void native_stats(struct sk_conn *c, const char *id)
{
    struct sk_reply_stats stats;
    sk_server_stats(c->server, &stats);
    char *line = NULL;
    size_t n = 0;
    if (sk_reply_native_stats(id, &stats, &line, &n) != 0)
        conn_close(c);
    else
        conn_write_take(c, line, n);
}

static void native_header(struct sk_conn *c, const char *text, size_t len)
{
    struct sk_server *server = c->server;
    struct sk_native_header h;
    struct sk_native_error err;
    c->cur_seq = ++c->n_requests;
    if (sk_native_header_parse(text, len, server->opts->common.limits.max_request_bytes, &h, &err) !=
        0) {
        native_error(c, h.id, err.code, err.message, true);
    } else if (h.type == SK_NATIVE_STATS) {
        drop_slot(c); /* a stats request is no request in flight */
        native_stats(c, h.id);
    } else if (!take_slot(c)) {
        native_error(c, h.id, "busy", "waited past --queue-timeout; retry later", false);
        sk_proto_skip_payload(&c->proto, h.size);
    } else if (!sk_server_hold(server, h.size)) {
        sk_server_release(server, 0);
        native_error(c, h.id, "busy", "--queue-bytes are taken; retry later", false);
        sk_proto_skip_payload(&c->proto, h.size);
    } else if (!native_request(c, &h)) {
        native_error(c, h.id, "internal", "out of memory", true);
    } else {
        sk_proto_expect_payload(&c->proto, h.size);
        if (h.size == 0)
            submit_current(c);
    }
    sk_native_header_free(&h);
}

/* ---- clamd protocol ---- */

/* How this connection's next clamd reply is framed. */
static struct sk_clamd_frame clamd_frame(const struct sk_conn *c)
{
    return (struct sk_clamd_frame){.session_seq = c->in_session ? c->session_seq : 0,
                                   .delim = c->proto.delim};
}

/* Writes a reply built by reply.c (rc its result): out of memory closes. */
static void clamd_send(struct sk_conn *c, int rc, char *line, size_t len)
{
    if (rc != 0)
        conn_close(c);
    else
        conn_write_take(c, line, len);
}

static void clamd_write(struct sk_conn *c, const char *text)
{
    struct sk_clamd_frame f = clamd_frame(c);
    char *line = NULL;
    size_t len = 0;
    int rc = sk_reply_clamd_text(&f, text, &line, &len);
    clamd_send(c, rc, line, len);
}

/* A reply that ends this command; outside a session clamd then closes. */
static void clamd_final(struct sk_conn *c, const char *text)
{
    clamd_write(c, text);
    if (!c->in_session)
        fail_connection(c);
}

static void clamd_stats(struct sk_conn *c)
{
    struct sk_reply_stats stats;
    sk_server_stats(c->server, &stats);
    struct sk_clamd_frame f = clamd_frame(c);
    char *line = NULL;
    size_t len = 0;
    int rc = sk_reply_clamd_stats(&f, &stats, &line, &len);
    clamd_send(c, rc, line, len);
    if (!c->in_session)
        fail_connection(c);
}

/* Starts a scanning command; false when the queue is full (replied). */
static struct sk_dreq *clamd_request(struct sk_conn *c, enum sk_dreq_kind kind,
                                     const char *label)
{
    /* Inside IDSESSION the client numbers replies as we do: log that. */
    c->cur_seq = c->in_session ? c->session_seq : ++c->n_requests;
    if (!take_slot(c)) {
        /* Waited past --queue-timeout for a slot: the fail-closed busy
         * answer (held, never OK), then close as clamd does. */
        char conn[48];
        snprintf(conn, sizeof conn, "%llu.%u", (unsigned long long)c->number, c->cur_seq);
        c->server->stats.busy++;
        c->server->stats.errors++;
        sk_server_log(NULL, conn, "error:busy", "limit.queue_time", 0, uv_hrtime(), NULL,
                      kind == SK_DREQ_CLAMD_PATH ? label : NULL);
        struct sk_clamd_frame f = clamd_frame(c);
        char *line = NULL;
        size_t len = 0;
        int rc = sk_reply_clamd_busy(&f, label, &line, &len);
        clamd_send(c, rc, line, len);
        fail_connection(c);
        return NULL;
    }
    struct sk_dreq *req = dreq_new(c, kind);
    if (req)
        req->id = strdup(label);
    if (!req || !req->id) {
        sk_dreq_free(req);
        sk_server_release(c->server, 0);
        fail_connection(c);
        return NULL;
    }
    c->cur = req;
    return req;
}

static void free_handle(uv_handle_t *h)
{
    free(h);
}

/* The descriptor a clamd FILDES client sent, or -1 when none has arrived.
 * libuv receives descriptors on an ipc pipe and hands them out through
 * uv_accept() into a stream handle; a regular file is no stream, so it goes
 * into a short-lived pipe handle, is duplicated for the scan, and the handle
 * (and libuv's copy of the descriptor) is closed again. */
static int accept_pending_fd(struct sk_conn *c)
{
    if (uv_pipe_pending_count(&c->h.pipe) == 0)
        return -1;
    uv_pipe_t *carrier = malloc(sizeof *carrier);
    if (!carrier || uv_pipe_init(c->h.handle.loop, carrier, 0) != 0) {
        free(carrier);
        return -1;
    }
    int fd = -1;
    uv_os_fd_t received;
    if (uv_accept(&c->h.stream, (uv_stream_t *)carrier) == 0 &&
        uv_fileno((uv_handle_t *)carrier, &received) == 0)
        fd = fcntl(received, F_DUPFD_CLOEXEC, 0);
    uv_close((uv_handle_t *)carrier, free_handle);
    return fd;
}

static void take_fd(struct sk_conn *c)
{
    if (uv_pipe_pending_count(&c->h.pipe) == 0)
        return; /* the descriptor comes with a later read */
    int fd = accept_pending_fd(c);
    if (fd < 0) {
        c->server->stats.errors++;
        sk_dreq_log(c->cur, "error:no_descriptor", "-", 0, NULL, NULL);
        clamd_final(c, "FILDES: the descriptor could not be taken ERROR");
        fail_connection(c);
        return;
    }
    c->cur->u.clamd.fd = fd;
    char label[32];
    snprintf(label, sizeof label, "fd[%d]", fd);
    char *dup = strdup(label);
    if (dup) {
        free(c->cur->id);
        c->cur->id = dup;
    }
    submit_current(c);
}

static void clamd_version(struct sk_conn *c, bool with_commands)
{
    struct sk_clamd_frame f = clamd_frame(c);
    char *line = NULL;
    size_t len = 0;
    int rc = sk_reply_clamd_version(&f, SK_VERSION, c->server->current->generation,
                                    with_commands, &line, &len);
    clamd_send(c, rc, line, len);
    if (!c->in_session)
        fail_connection(c);
}

static void clamd_scan_path(struct sk_conn *c, const char *path)
{
    struct sk_dreq *req = clamd_request(c, SK_DREQ_CLAMD_PATH, path);
    if (!req)
        return;
    req->u.clamd.path = strdup(path);
    if (!req->u.clamd.path)
        fail_connection(c);
    else
        submit_current(c); /* waits for the reply */
}

static void clamd_command(struct sk_conn *c, const char *cmd)
{
    const char *arg = NULL;
    if (c->in_session)
        c->session_seq++;
    switch (sk_clamd_command(cmd, &arg)) {
    case SK_CLAMD_PING: clamd_final(c, "PONG"); break;
    case SK_CLAMD_VERSION: clamd_version(c, false); break;
    case SK_CLAMD_VERSIONCOMMANDS: clamd_version(c, true); break;
    case SK_CLAMD_STATS:
        drop_slot(c); /* no request in flight */
        clamd_stats(c);
        break;
    case SK_CLAMD_IDSESSION:
        if (c->in_session) {
            clamd_final(c, "Command invalid inside IDSESSION. ERROR");
            fail_connection(c);
        }
        c->in_session = true;
        c->session_seq = 0;
        break;
    case SK_CLAMD_END: fail_connection(c); break;
    case SK_CLAMD_INSTREAM:
        if (clamd_request(c, SK_DREQ_CLAMD_STREAM, "stream"))
            sk_proto_expect_chunks(&c->proto);
        break;
    case SK_CLAMD_FILDES:
        if (!c->is_unix) {
            clamd_final(c, "FILDES: only on a Unix socket ERROR");
        } else if (clamd_request(c, SK_DREQ_CLAMD_FD, "fd")) {
            c->proto.state = SK_PROTO_CWAITFD;
            take_fd(c);
        }
        break;
    case SK_CLAMD_SCAN: clamd_scan_path(c, arg); break;
    case SK_CLAMD_UNKNOWN:
        clamd_final(c, "UNKNOWN COMMAND");
        fail_connection(c);
        break;
    }
}

/* ---- input ---- */

/* An INSTREAM over max-bytes is answered with a detection, not clamd's
 * "INSTREAM size limit exceeded. ERROR": rspamd 3.4 fails open on that
 * error and Haraka's clamd plugin reads any reply containing "size limit
 * exceeded" as clean. Its buffer is freed at once; the rest of the stream is
 * read and dropped so that a client still writing gets the reply rather
 * than a reset, up to SK_DAEMON_DISCARD_FACTOR x max-bytes in all. */
static void stream_start_discard(struct sk_conn *c, bool busy)
{
    struct sk_dreq *req = c->cur;
    struct sk_server *server = c->server;
    c->discarding = true;
    c->discard_busy = busy;
    c->discarded = req->size;
    free(req->data);
    req->data = NULL;
    req->u.clamd.cap = 0;
    server->held_bytes -= req->held < server->held_bytes ? req->held : server->held_bytes;
    req->held = 0;
}

/* The oversized stream ended (or passed the discard bound): the detection
 * goes out; outside a session, or when the rest was not read, we close. */
static void stream_oversized_reply(struct sk_conn *c, bool whole)
{
    struct sk_server *server = c->server;
    struct sk_dreq *req = c->cur;
    server->stats.requests++;
    server->stats.bytes += c->discarded;
    if (c->discard_busy) {
        /* --queue-bytes ran out while the stream grew: busy, fail closed. */
        server->stats.errors++;
        server->stats.busy++;
        sk_dreq_log(req, "error:busy", "limit.queue_bytes", c->discarded, NULL, NULL);
    } else {
        server->stats.verdicts[SK_VERDICT_SANDBOX]++;
        sk_dreq_log(req, sk_verdict_name(SK_VERDICT_SANDBOX), "limit.size", c->discarded, NULL,
                    NULL);
    }
    bool busy = c->discard_busy;
    c->discarding = false;
    c->discarded = 0;
    drop_current(c);
    struct sk_clamd_frame f = clamd_frame(c);
    char *line = NULL;
    size_t len = 0;
    int rc = busy ? sk_reply_clamd_busy(&f, "stream", &line, &len)
                  : sk_reply_clamd_maxbytes(&f, "stream", &line, &len);
    clamd_send(c, rc, line, len);
    if (!whole || !c->in_session)
        fail_connection(c);
    else
        c->proto.state = SK_PROTO_CCMD;
}

/* A chunk header of n bytes while discarding: false when the stream passed
 * the discard bound (replied and closing). */
static bool stream_discard_chunk(struct sk_conn *c, uint32_t n)
{
    uint64_t max = c->server->opts->common.limits.max_request_bytes;
    uint64_t bound = max > UINT64_MAX / SK_DAEMON_DISCARD_FACTOR
                         ? UINT64_MAX
                         : max * SK_DAEMON_DISCARD_FACTOR;
    if (n == 0) {
        stream_oversized_reply(c, true);
        return true;
    }
    if ((uint64_t)n > bound - c->discarded) {
        stream_oversized_reply(c, false);
        return false;
    }
    return true;
}

/* Grows the INSTREAM buffer for a chunk of n more bytes; false when out of
 * memory (replied and closing). Past max-bytes the stream is discarded. */
static bool stream_reserve(struct sk_conn *c, uint32_t n)
{
    struct sk_dreq *req = c->cur;
    uint64_t max = c->server->opts->common.limits.max_request_bytes;
    if ((uint64_t)n > max - req->size) {
        stream_start_discard(c, false);
        return stream_discard_chunk(c, n);
    }
    size_t need = req->size + n;
    if (need > req->u.clamd.cap) {
        size_t cap = req->u.clamd.cap ? req->u.clamd.cap : 64 * 1024;
        while (cap < need)
            cap *= 2;
        if ((uint64_t)cap > max)
            cap = (size_t)max;
        if (!sk_server_hold(c->server, cap - req->u.clamd.cap)) {
            stream_start_discard(c, true);
            return stream_discard_chunk(c, n);
        }
        req->held += cap - req->u.clamd.cap;
        uint8_t *grown = realloc(req->data, cap);
        if (!grown) {
            struct sk_clamd_frame f = clamd_frame(c);
            char *line = NULL;
            size_t len = 0;
            int rc = sk_reply_clamd_error(&f, "stream", "out of memory", &line, &len);
            clamd_send(c, rc, line, len);
            fail_connection(c);
            return false;
        }
        req->data = grown;
        req->u.clamd.cap = cap;
    }
    return true;
}

static bool at_boundary(const struct sk_conn *c)
{
    return c->cur == NULL && sk_proto_at_boundary(&c->proto);
}

/* Acts on one event of the parser; false when reading must stop here. */
static bool handle_event(struct sk_conn *c, const struct sk_proto_ev *ev)
{
    struct sk_dreq *req = c->cur;
    switch (ev->kind) {
    case SK_PEV_NONE: break;
    case SK_PEV_HEADER: native_header(c, ev->text, ev->text_len); break;
    case SK_PEV_PAYLOAD:
        memcpy(req->data + req->u.native.got, ev->data, ev->len);
        req->u.native.got += ev->len;
        if (ev->last)
            submit_current(c);
        break;
    case SK_PEV_COMMAND: clamd_command(c, ev->text); break;
    case SK_PEV_CHUNK:
        if (c->discarding)
            return stream_discard_chunk(c, ev->chunk_len);
        if (ev->chunk_len == 0)
            submit_current(c);
        else if (!stream_reserve(c, ev->chunk_len))
            return false;
        break;
    case SK_PEV_CHUNK_DATA:
        if (c->discarding) {
            c->discarded += ev->len;
            break;
        }
        memcpy(req->data + req->size, ev->data, ev->len);
        req->size += ev->len;
        break;
    case SK_PEV_TOO_LONG:
    case SK_PEV_NOMEM:
        if (c->proto.state == SK_PROTO_NHEADER) {
            native_error(c, NULL, "bad_request", "header line too long", true);
        } else {
            clamd_write(c, "Command too long ERROR");
            fail_connection(c);
        }
        return false;
    }
    return true;
}

/* At a request boundary with bytes of the next request buffered: reserves
 * its slot. When the queue is full the connection waits (its requests stay
 * unread in our buffer and the socket: no memory of ours) until a slot
 * frees, or until --queue-timeout, after which its requests get `busy`.
 * False when it must wait. */
static bool reserve_for_next(struct sk_conn *c)
{
    struct sk_server *server = c->server;
    if (c->slot)
        return true;
    if (sk_server_reserve(server)) {
        c->slot = true;
        c->busy_pass = false;
        stop_waiting(c);
        return true;
    }
    if (c->busy_pass)
        return true; /* answered busy by the request itself */
    if (!c->waiting_slot) {
        c->waiting_slot = true;
        c->wait_since = uv_hrtime();
        server->n_waiting++;
    }
    return false;
}

/* Consumes buffered bytes as far as the state allows. */
static void process_input(struct sk_conn *c)
{
    while (c->rpos < c->rlen && !c->closing && !c->stop_input && !c->waiting_reply) {
        if (c->server->draining && at_boundary(c))
            break;
        if (at_boundary(c) && !reserve_for_next(c))
            return;
        if (c->proto.state == SK_PROTO_CWAITFD) {
            take_fd(c);
            if (c->proto.state == SK_PROTO_CWAITFD)
                return; /* the descriptor comes with a later read */
            continue;
        }
        struct sk_proto_ev ev;
        c->rpos += sk_proto_feed(&c->proto, (const uint8_t *)c->rbuf + c->rpos,
                                 c->rlen - c->rpos, &ev);
        if (!handle_event(c, &ev))
            return;
    }
    /* A slot taken for a request that turned out to need none (stats, PING)
     * or that never came is given back: an idle connection holds none. */
    if (at_boundary(c) && c->rpos == c->rlen)
        drop_slot(c);
}

/* After input was processed outside a read callback: a client that shut
 * down its side once everything it sent was taken is finished reading. */
static void after_input(struct sk_conn *c)
{
    if (c->closing)
        return;
    if (c->eof && !c->stop_input && !c->waiting_slot && !c->waiting_reply) {
        c->stop_input = true;
        drop_current(c);
        drop_slot(c);
    }
    update_reading(c);
    close_if_done(c);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    struct sk_conn *c = handle->data;
    (void)suggested;
    /* Payload bytes go straight into the request's buffer. */
    if (c->rpos == c->rlen && c->proto.state == SK_PROTO_NPAYLOAD) {
        struct sk_dreq *req = c->cur;
        size_t left = req->size - req->u.native.got;
        *buf = uv_buf_init((char *)req->data + req->u.native.got,
                           (unsigned)(left < SK_DAEMON_MAX_READ ? left : SK_DAEMON_MAX_READ));
        return;
    }
    if (c->rpos == c->rlen && c->proto.state == SK_PROTO_CDATA && !c->discarding) {
        struct sk_dreq *req = c->cur;
        uint64_t left = c->proto.left;
        *buf = uv_buf_init((char *)req->data + req->size,
                           (unsigned)(left < SK_DAEMON_MAX_READ ? left : SK_DAEMON_MAX_READ));
        return;
    }
    if (c->rpos > 0) {
        memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
        c->rlen -= c->rpos;
        c->rpos = 0;
    }
    *buf = uv_buf_init(c->rbuf + c->rlen, (unsigned)(sizeof c->rbuf - c->rlen));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct sk_conn *c = stream->data;
    if (nread < 0) {
        c->eof = true;
        /* Requests it sent before shutting down that still wait for a slot
         * or for the reply before them are answered first (after_input). */
        if (nread == UV_EOF && c->rpos < c->rlen && (c->waiting_slot || c->waiting_reply)) {
            update_reading(c);
            return;
        }
        /* EOF: what is in flight is still answered (a client may shut down
         * its side after its last request); a half-read request is dropped. */
        c->stop_input = true;
        drop_current(c);
        drop_slot(c);
        if (nread != UV_EOF)
            conn_close(c);
        update_reading(c);
        close_if_done(c);
        return;
    }
    if (nread == 0 || c->closing)
        return;
    c->last_read_ns = c->last_active_ns = uv_hrtime();
    bool into_rbuf = buf->base >= c->rbuf && buf->base < c->rbuf + sizeof c->rbuf;
    if (into_rbuf) {
        c->rlen += (size_t)nread;
    } else if (c->proto.state == SK_PROTO_NPAYLOAD) {
        c->cur->u.native.got += (size_t)nread;
        sk_proto_took_direct(&c->proto, (size_t)nread);
        if (c->cur->u.native.got == c->cur->size)
            submit_current(c);
    } else if (c->proto.state == SK_PROTO_CDATA && !c->discarding) {
        c->cur->size += (size_t)nread;
        sk_proto_took_direct(&c->proto, (size_t)nread);
    }
    process_input(c);
    if (c->proto.state == SK_PROTO_CWAITFD && c->cur)
        take_fd(c);
    /* A descriptor nobody asked for (or several) is a protocol violation:
     * without this a client could make libuv queue descriptors unbounded. */
    if (c->is_unix && !c->closing &&
        (uv_pipe_pending_count(&c->h.pipe) > 1 ||
         (uv_pipe_pending_count(&c->h.pipe) == 1 && c->proto.state != SK_PROTO_CWAITFD))) {
        conn_close(c);
        return;
    }
    update_reading(c);
    close_if_done(c);
}

static void update_reading(struct sk_conn *c)
{
    if (c->closing)
        return;
    bool want = !c->stop_input && !c->eof && !c->waiting_reply &&
                c->rlen - c->rpos < sizeof c->rbuf && !(c->server->draining && at_boundary(c));
    if (want && !c->reading) {
        if (uv_read_start(&c->h.stream, on_alloc, on_read) == 0)
            c->reading = true;
        else
            conn_close(c);
    } else if (!want && c->reading) {
        uv_read_stop(&c->h.stream);
        c->reading = false;
    }
}

/* ---- entry points ---- */

void sk_conn_scan_done(struct sk_dreq *req)
{
    struct sk_conn *c = req->conn;
    c->pending_scans--;
    if (!c->closing) {
        if (req->reply) {
            conn_write_take(c, req->reply, req->reply_len);
            req->reply = NULL;
        } else if (req->kind == SK_DREQ_NATIVE) {
            conn_write_str(c, SK_REPLY_NATIVE_INTERNAL, sizeof SK_REPLY_NATIVE_INTERNAL - 1);
        } else {
            char *line = NULL;
            size_t len = 0;
            int rc = sk_reply_clamd_fail_closed(&req->u.clamd.frame, "stream", &line, &len);
            clamd_send(c, rc, line, len);
        }
        if (req->kind != SK_DREQ_NATIVE) {
            c->waiting_reply = false;
            if (!c->in_session)
                fail_connection(c);
            else
                process_input(c);
        }
        after_input(c);
    }
    sk_dreq_free(req);
    if (c->closing)
        maybe_free(c);
}

void sk_conn_accept(struct sk_server *server, uv_stream_t *listener, bool is_unix)
{
    struct sk_conn *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(stderr, "sekisho: out of memory accepting a connection\n");
        return;
    }
    c->server = server;
    c->is_unix = is_unix;
    c->h.handle.data = c;
    /* Unix connections are ipc pipes so that libuv receives FILDES's
     * descriptor with recvmsg(SCM_RIGHTS) instead of dropping it. */
    int rc = is_unix ? uv_pipe_init(server->loop, &c->h.pipe, 1)
                     : uv_tcp_init(server->loop, &c->h.tcp);
    if (rc != 0) {
        free(c);
        return;
    }
    c->h.handle.data = c;
    c->next = server->conns;
    if (c->next)
        c->next->prev = c;
    server->conns = c;
    server->n_conns++;
    server->stats.connections++;
    c->number = server->stats.connections;
    if (uv_accept(listener, &c->h.stream) != 0) {
        conn_close(c);
        return;
    }
    c->last_read_ns = c->last_active_ns = uv_hrtime();
    update_reading(c);
}

void sk_conn_wake(struct sk_server *server)
{
    struct sk_conn *c = server->conns;
    while (c && server->in_flight < server->opts->queue) {
        struct sk_conn *next = c->next;
        if (c->waiting_slot && !c->closing) {
            process_input(c);
            after_input(c);
        }
        c = next;
    }
}

void sk_conn_drain_all(struct sk_server *server)
{
    struct sk_conn *c = server->conns;
    while (c) {
        struct sk_conn *next = c->next;
        update_reading(c);
        close_if_done(c);
        c = next;
    }
}

void sk_conn_close_all(struct sk_server *server)
{
    struct sk_conn *c = server->conns;
    while (c) {
        struct sk_conn *next = c->next;
        conn_close(c);
        c = next;
    }
}

/* A connection that holds nothing (no half-sent request, no scan, no
 * reply being written) and has been silent for the idle timeout: clients
 * that open connections and forget them must not pile up descriptors. */
static bool idle_too_long(const struct sk_conn *c, uint64_t now_ns, uint64_t limit_ns)
{
    return c->pending_scans == 0 && c->writes_pending == 0 && !c->waiting_slot &&
           now_ns - c->last_active_ns > limit_ns;
}

void sk_conn_sweep(struct sk_server *server, uint64_t now_ns)
{
    uint64_t read_ns = (uint64_t)server->opts->read_timeout_ms * 1000000u;
    uint64_t idle_ns = (uint64_t)server->opts->idle_timeout_ms * 1000000u;
    uint64_t queue_ns = (uint64_t)server->opts->queue_timeout_ms * 1000000u;
    struct sk_conn *c = server->conns;
    while (c) {
        struct sk_conn *next = c->next;
        bool half_sent = c->cur != NULL || c->proto.line_len > 0;
        if (c->closing) {
            /* already on its way out */
        } else if (half_sent && now_ns - c->last_read_ns > read_ns) {
            fprintf(stderr, "sekisho: a request stalled for %u ms: connection closed\n",
                    server->opts->read_timeout_ms);
            conn_close(c);
        } else if (!half_sent && idle_too_long(c, now_ns, idle_ns)) {
            conn_close(c);
        } else if (c->waiting_slot && now_ns - c->wait_since > queue_ns) {
            /* Waited past --queue-timeout for a slot: busy from now on. */
            stop_waiting(c);
            c->busy_pass = true;
            process_input(c);
            after_input(c);
        }
        c = next;
    }
}
