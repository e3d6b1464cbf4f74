/* One connection: its lifetime, reading, writing, timeouts and draining,
 * shared by both protocols. The protocol is chosen per connection by the
 * first byte ('{': native, conn_native.c; else clamd, conn_clamd.c), and
 * each parser event goes to its struct sk_proto_ops. The bytes are parsed
 * by proto.c (no I/O there); replies are encoded by reply.c; the server is
 * reached only through struct sk_sched.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_int.h"

struct write_req {
    uv_write_t req;
    struct sk_conn *conn;
    char *data;
};

static void update_reading(struct sk_conn *c);

struct sk_dreq *sk_conn_dreq_new(struct sk_conn *c, enum sk_dreq_kind kind)
{
    struct sk_dreq *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->kind = kind;
    req->conn = c;
    req->shm = (struct sk_shm)SK_SHM_NONE;
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

static void maybe_free(struct sk_conn *c)
{
    if (!c->handle_closed || c->pending_scans > 0 || c->writes_pending > 0)
        return;
    const struct sk_sched *sched = conn_sched(c);
    sk_proto_free(&c->proto);
    if (c->ops && c->ops->on_free)
        c->ops->on_free(c);
    free(c);
    sched->conn_gone(sched->ctx);
}

static void on_close(uv_handle_t *handle)
{
    struct sk_conn *c = handle->data;
    struct sk_conn_set *set = c->set;
    c->handle_closed = true;
    if (c->prev)
        c->prev->next = c->next;
    else
        set->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    set->n_conns--;
    maybe_free(c);
}

/* Drops a half-read request and gives back its slot and bytes. */
void sk_conn_drop_current(struct sk_conn *c)
{
    if (!c->cur)
        return;
    uint64_t held = c->cur->held;
    sk_dreq_free(c->cur);
    c->cur = NULL;
    conn_sched(c)->release(conn_sched(c)->ctx, held);
}

/* Gives back a slot reserved for a request that never started. */
void sk_conn_drop_slot(struct sk_conn *c)
{
    if (c->slot) {
        c->slot = false;
        conn_sched(c)->release(conn_sched(c)->ctx, 0);
    }
}

static void stop_waiting(struct sk_conn *c)
{
    if (c->waiting_slot) {
        c->waiting_slot = false;
        c->set->n_waiting--;
    }
}

/* The request being started takes the connection's reserved slot; false
 * when it has none (waited past --queue-timeout: busy). */
bool sk_conn_take_slot(struct sk_conn *c)
{
    bool had = c->slot;
    c->slot = false;
    return had;
}

void sk_conn_close(struct sk_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    sk_conn_drop_current(c);
    sk_conn_drop_slot(c);
    stop_waiting(c);
    uv_close(&c->h.handle, on_close);
}

static bool at_boundary(const struct sk_conn *c)
{
    if (c->ops && c->ops->at_boundary)
        return c->cur == NULL && c->ops->at_boundary(c);
    return c->cur == NULL && sk_proto_at_boundary(&c->proto);
}

/* At a request boundary with nothing owed to the client. */
static bool idle(const struct sk_conn *c)
{
    return at_boundary(c) && c->pending_scans == 0 && c->writes_pending == 0;
}

static void close_if_done(struct sk_conn *c)
{
    if (c->closing)
        return;
    if (c->close_after_write && c->writes_pending == 0)
        sk_conn_close(c);
    else if (c->stop_input && c->pending_scans == 0 && c->writes_pending == 0)
        sk_conn_close(c); /* EOF: nothing more to read, nothing owed */
    else if (c->set->draining && idle(c))
        sk_conn_close(c);
}

static void on_write(uv_write_t *w, int status)
{
    struct write_req *wr = (struct write_req *)w;
    struct sk_conn *c = wr->conn;
    free(wr->data);
    free(wr);
    c->writes_pending--;
    c->last_active_ns = uv_hrtime();
    if (status < 0 && !c->closing)
        sk_conn_close(c);
    if (c->closing)
        maybe_free(c);
    else
        close_if_done(c);
}

/* Writes len bytes and takes ownership of data (malloc'd). */
void sk_conn_write_take(struct sk_conn *c, char *data, size_t len)
{
    if (c->closing || !data) {
        free(data);
        return;
    }
    struct write_req *wr = malloc(sizeof *wr);
    if (!wr) {
        free(data);
        sk_conn_close(c);
        return;
    }
    wr->conn = c;
    wr->data = data;
    uv_buf_t buf = uv_buf_init(data, (unsigned)len);
    if (uv_write(&wr->req, &c->h.stream, &buf, 1, on_write) != 0) {
        free(data);
        free(wr);
        sk_conn_close(c);
        return;
    }
    c->writes_pending++;
}

void sk_conn_write_str(struct sk_conn *c, const char *text, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy) {
        sk_conn_close(c);
        return;
    }
    memcpy(copy, text, len);
    sk_conn_write_take(c, copy, len);
}

/* Stops reading; the connection closes once its last write is out. */
void sk_conn_fail(struct sk_conn *c)
{
    c->stop_input = true;
    c->close_after_write = true;
    sk_conn_drop_current(c);
    sk_conn_drop_slot(c);
    update_reading(c);
    if (c->writes_pending == 0)
        sk_conn_close(c);
}

void sk_conn_submit_current(struct sk_conn *c)
{
    struct sk_dreq *req = c->cur;
    const struct sk_sched *sched = conn_sched(c);
    c->cur = NULL;
    c->pending_scans++;
    if (sched->submit(sched->ctx, req) != 0) {
        c->pending_scans--;
        sched->release(sched->ctx, req->held);
        sk_dreq_free(req);
        c->ops->on_submit_failed(c);
        return;
    }
    c->ops->on_submitted(c);
}

/* Hands one event of the parser to the connection's protocol, chosen by
 * the parser from the first byte; false when reading must stop here. */
static bool handle_event(struct sk_conn *c, const struct sk_proto_ev *ev)
{
    if (!c->ops && c->proto.state != SK_PROTO_DETECT)
        c->ops = c->proto.state == SK_PROTO_NHEADER ? &sk_conn_native_ops : &sk_conn_clamd_ops;
    if (ev->kind == SK_PEV_NONE || !c->ops)
        return true;
    return c->ops->on_event(c, ev);
}

/* At a request boundary with bytes of the next request buffered: reserves
 * its slot. When the queue is full the connection waits (its requests stay
 * unread in our buffer and the socket: no memory of ours) until a slot
 * frees, or until --queue-timeout, after which its requests get `busy`.
 * False when it must wait. */
static bool reserve_for_next(struct sk_conn *c)
{
    if (c->slot)
        return true;
    if (conn_sched(c)->reserve(conn_sched(c)->ctx)) {
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
        c->set->n_waiting++;
    }
    return false;
}

/* Consumes buffered bytes as far as the state allows. */
void sk_conn_process_input(struct sk_conn *c)
{
    while (c->rpos < c->rlen && !c->closing && !c->stop_input && !c->waiting_reply) {
        if (c->set->draining && at_boundary(c))
            break;
        if (c->ops && c->ops->feed) {
            if (!c->ops->feed(c))
                return;
            continue;
        }
        if (at_boundary(c) && !reserve_for_next(c))
            return;
        int before = c->ops && c->ops->before_feed ? c->ops->before_feed(c) : 0;
        if (before < 0)
            return;
        if (before > 0)
            continue;
        struct sk_proto_ev ev;
        c->rpos += sk_proto_feed(&c->proto, (const uint8_t *)c->rbuf + c->rpos,
                                 c->rlen - c->rpos, &ev);
        if (!handle_event(c, &ev))
            return;
    }
    /* A slot taken for a request that turned out to need none (stats, PING)
     * or that never came is given back: an idle connection holds none. */
    if (at_boundary(c) && c->rpos == c->rlen)
        sk_conn_drop_slot(c);
}

/* After input was processed outside a read callback: a client that shut
 * down its side once everything it sent was taken is finished reading. */
static void after_input(struct sk_conn *c)
{
    if (c->closing)
        return;
    if (c->eof && !c->stop_input && !c->waiting_slot && !c->waiting_reply) {
        c->stop_input = true;
        sk_conn_drop_current(c);
        sk_conn_drop_slot(c);
    }
    update_reading(c);
    close_if_done(c);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    struct sk_conn *c = handle->data;
    (void)suggested;
    /* Payload bytes go straight into the request's buffer. */
    if (c->rpos == c->rlen && c->ops && c->ops->direct_buf(c, buf))
        return;
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
        sk_conn_drop_current(c);
        sk_conn_drop_slot(c);
        if (nread != UV_EOF)
            sk_conn_close(c);
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
    } else if (c->ops) {
        c->ops->took_direct(c, (size_t)nread);
    }
    sk_conn_process_input(c);
    if (c->ops && c->ops->after_read)
        c->ops->after_read(c);
    /* A descriptor nobody asked for (or several) is a protocol violation:
     * without this a client could make libuv queue descriptors unbounded. */
    if (c->is_unix && !c->closing &&
        (uv_pipe_pending_count(&c->h.pipe) > 1 ||
         (uv_pipe_pending_count(&c->h.pipe) == 1 && c->proto.state != SK_PROTO_CWAITFD))) {
        sk_conn_close(c);
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
                c->rlen - c->rpos < sizeof c->rbuf && !(c->set->draining && at_boundary(c));
    if (want && !c->reading) {
        if (uv_read_start(&c->h.stream, on_alloc, on_read) == 0)
            c->reading = true;
        else
            sk_conn_close(c);
    } else if (!want && c->reading) {
        uv_read_stop(&c->h.stream);
        c->reading = false;
    }
}

void sk_conn_scan_done(struct sk_dreq *req)
{
    struct sk_conn *c = req->conn;
    c->pending_scans--;
    if (!c->closing) {
        bool written = req->reply != NULL;
        if (written && !c->ops->feed) {
            sk_conn_write_take(c, req->reply, req->reply_len);
            req->reply = NULL;
        }
        c->ops->on_scan_done(c, req, written);
        after_input(c);
    }
    sk_dreq_free(req);
    if (c->closing)
        maybe_free(c);
}

void sk_conn_accept(struct sk_conn_set *set, uv_stream_t *listener, bool is_unix, bool milter)
{
    struct sk_conn *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(stderr, "sekisho: out of memory accepting a connection\n");
        return;
    }
    c->set = set;
    c->is_unix = is_unix;
    c->h.handle.data = c;
    /* Unix connections are ipc pipes so that libuv receives FILDES's
     * descriptor with recvmsg(SCM_RIGHTS) instead of dropping it. */
    int rc =
        is_unix ? uv_pipe_init(set->loop, &c->h.pipe, 1) : uv_tcp_init(set->loop, &c->h.tcp);
    if (rc != 0) {
        free(c);
        return;
    }
    c->h.handle.data = c;
    c->next = set->head;
    if (c->next)
        c->next->prev = c;
    set->head = c;
    set->n_conns++;
    c->number = ++set->connections_total;
    if (uv_accept(listener, &c->h.stream) != 0) {
        sk_conn_close(c);
        return;
    }
    c->last_read_ns = c->last_active_ns = uv_hrtime();
    if (milter) {
        c->ops = &sk_conn_milter_ops;
        if (!c->ops->on_accept(c)) {
            c->ops = NULL;
            sk_conn_close(c);
            return;
        }
    }
    update_reading(c);
}

void sk_conn_wake(struct sk_conn_set *set)
{
    struct sk_conn *c = set->head;
    while (c && !set->sched->full(set->sched->ctx)) {
        struct sk_conn *next = c->next;
        if (c->waiting_slot && !c->closing) {
            sk_conn_process_input(c);
            after_input(c);
        }
        c = next;
    }
}

void sk_conn_drain_all(struct sk_conn_set *set)
{
    set->draining = true;
    struct sk_conn *c = set->head;
    while (c) {
        struct sk_conn *next = c->next;
        update_reading(c);
        close_if_done(c);
        c = next;
    }
}

void sk_conn_close_all(struct sk_conn_set *set)
{
    struct sk_conn *c = set->head;
    while (c) {
        struct sk_conn *next = c->next;
        sk_conn_close(c);
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

void sk_conn_sweep(struct sk_conn_set *set, uint64_t now_ns)
{
    uint64_t read_ns = (uint64_t)set->opts->read_timeout_ms * 1000000u;
    uint64_t idle_ns = (uint64_t)set->opts->idle_timeout_ms * 1000000u;
    uint64_t queue_ns = (uint64_t)set->opts->queue_timeout_ms * 1000000u;
    struct sk_conn *c = set->head;
    while (c) {
        struct sk_conn *next = c->next;
        bool half_sent = c->cur != NULL || c->proto.line_len > 0 ||
                         (c->ops && c->ops->at_boundary && !c->ops->at_boundary(c));
        if (c->closing) {
            /* already on its way out */
        } else if (half_sent && now_ns - c->last_read_ns > read_ns) {
            fprintf(stderr, "sekisho: a request stalled for %u ms: connection closed\n",
                    set->opts->read_timeout_ms);
            sk_conn_close(c);
        } else if (!half_sent && idle_too_long(c, now_ns, idle_ns)) {
            sk_conn_close(c);
        } else if (c->waiting_slot && now_ns - c->wait_since > queue_ns) {
            /* Waited past --queue-timeout for a slot: busy from now on. */
            stop_waiting(c);
            c->busy_pass = true;
            sk_conn_process_input(c);
            after_input(c);
        }
        c = next;
    }
}
