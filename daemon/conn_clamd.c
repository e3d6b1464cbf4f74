/* The clamd protocol of a connection (DESIGN.md, "clamd-compatible
 * protocol"): n/z-prefixed commands, INSTREAM chunks, FILDES descriptors,
 * IDSESSION. Its struct sk_proto_ops for conn.c. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/sekisho.h"
#include "conn_int.h"
#include "log.h"
#include "reply.h"

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
        sk_conn_close(c);
    else
        sk_conn_write_take(c, line, len);
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
        sk_conn_fail(c);
}

/* PONG only while a scanner process is alive: a health check (HAProxy's,
 * a gateway's) must not send mail to a server that cannot scan it. */
static void clamd_ping(struct sk_conn *c)
{
    struct sk_reply_stats stats;
    conn_sched(c)->stats(conn_sched(c)->ctx, &stats);
    clamd_final(c, stats.scanners_alive ? "PONG" : "No scanner process alive ERROR");
}

static void clamd_stats(struct sk_conn *c)
{
    struct sk_reply_stats stats;
    conn_sched(c)->stats(conn_sched(c)->ctx, &stats);
    struct sk_clamd_frame f = clamd_frame(c);
    char *line = NULL;
    size_t len = 0;
    int rc = sk_reply_clamd_stats(&f, &stats, &line, &len);
    clamd_send(c, rc, line, len);
    if (!c->in_session)
        sk_conn_fail(c);
}

/* Starts a scanning command; false when the queue is full (replied). */
static struct sk_dreq *clamd_request(struct sk_conn *c, enum sk_dreq_kind kind,
                                     const char *label)
{
    /* Inside IDSESSION the client numbers replies as we do: log that. */
    c->cur_seq = c->in_session ? c->session_seq : ++c->n_requests;
    if (!sk_conn_take_slot(c)) {
        /* Waited past --queue-timeout for a slot: the fail-closed busy
         * answer (held, never OK), then close as clamd does. */
        char conn[48];
        snprintf(conn, sizeof conn, "%llu.%u", (unsigned long long)c->number, c->cur_seq);
        conn_sched(c)->count_error(conn_sched(c)->ctx, "busy");
        sk_server_log(NULL, conn, "error:busy", "limit.queue_time", 0, uv_hrtime(), NULL,
                      kind == SK_DREQ_CLAMD_PATH ? label : NULL);
        struct sk_clamd_frame f = clamd_frame(c);
        char *line = NULL;
        size_t len = 0;
        int rc = sk_reply_clamd_busy(&f, label, &line, &len);
        clamd_send(c, rc, line, len);
        sk_conn_fail(c);
        return NULL;
    }
    struct sk_dreq *req = sk_conn_dreq_new(c, kind);
    if (req)
        req->id = strdup(label);
    if (!req || !req->id) {
        sk_dreq_free(req);
        conn_sched(c)->release(conn_sched(c)->ctx, 0);
        sk_conn_fail(c);
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
        conn_sched(c)->count_error(conn_sched(c)->ctx, "no_descriptor");
        sk_dreq_log(c->cur, "error:no_descriptor", "-", 0, NULL, NULL);
        clamd_final(c, "FILDES: the descriptor could not be taken ERROR");
        sk_conn_fail(c);
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
    sk_conn_submit_current(c);
}

static void clamd_version(struct sk_conn *c, bool with_commands)
{
    struct sk_reply_stats stats;
    conn_sched(c)->stats(conn_sched(c)->ctx, &stats);
    struct sk_clamd_frame f = clamd_frame(c);
    char *line = NULL;
    size_t len = 0;
    int rc = sk_reply_clamd_version(&f, SK_VERSION, stats.rules_generation, with_commands,
                                    &line, &len);
    clamd_send(c, rc, line, len);
    if (!c->in_session)
        sk_conn_fail(c);
}

static void clamd_scan_path(struct sk_conn *c, const char *path)
{
    struct sk_dreq *req = clamd_request(c, SK_DREQ_CLAMD_PATH, path);
    if (!req)
        return;
    req->u.clamd.path = strdup(path);
    if (!req->u.clamd.path)
        sk_conn_fail(c);
    else
        sk_conn_submit_current(c); /* waits for the reply */
}

static void clamd_command(struct sk_conn *c, const char *cmd)
{
    const char *arg = NULL;
    if (c->in_session)
        c->session_seq++;
    switch (sk_clamd_command(cmd, &arg)) {
    case SK_CLAMD_PING: clamd_ping(c); break;
    case SK_CLAMD_VERSION: clamd_version(c, false); break;
    case SK_CLAMD_VERSIONCOMMANDS: clamd_version(c, true); break;
    case SK_CLAMD_STATS:
        sk_conn_drop_slot(c); /* no request in flight */
        clamd_stats(c);
        break;
    case SK_CLAMD_IDSESSION:
        if (c->in_session) {
            clamd_final(c, "Command invalid inside IDSESSION. ERROR");
            sk_conn_fail(c);
        }
        c->in_session = true;
        c->session_seq = 0;
        break;
    case SK_CLAMD_END: sk_conn_fail(c); break;
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
        sk_conn_fail(c);
        break;
    }
}

/* An INSTREAM over max-bytes is answered with a detection, not clamd's
 * "INSTREAM size limit exceeded. ERROR": rspamd 3.4 fails open on that
 * error and Haraka's clamd plugin reads any reply containing "size limit
 * exceeded" as clean. Its buffer is freed at once; the rest of the stream is
 * read and dropped so that a client still writing gets the reply rather
 * than a reset, up to SK_DAEMON_DISCARD_FACTOR x max-bytes in all. */
static void stream_start_discard(struct sk_conn *c, bool busy)
{
    struct sk_dreq *req = c->cur;
    c->discarding = true;
    c->discard_busy = busy;
    c->discarded = req->size;
    sk_shm_free(&req->shm);
    req->data = NULL;
    req->u.clamd.cap = 0;
    conn_sched(c)->unhold(conn_sched(c)->ctx, req->held);
    req->held = 0;
}

/* The oversized stream ended (or passed the discard bound): the detection
 * goes out; outside a session, or when the rest was not read, we close. */
static void stream_oversized_reply(struct sk_conn *c, bool whole)
{
    const struct sk_sched *sched = conn_sched(c);
    struct sk_dreq *req = c->cur;
    if (c->discard_busy) {
        /* --queue-bytes ran out while the stream grew: busy, fail closed. */
        sched->count_request(sched->ctx, -1, c->discarded);
        sched->count_error(sched->ctx, "busy");
        sk_dreq_log(req, "error:busy", "limit.queue_bytes", c->discarded, NULL, NULL);
    } else {
        sched->count_request(sched->ctx, SK_VERDICT_SANDBOX, c->discarded);
        sk_dreq_log(req, sk_verdict_name(SK_VERDICT_SANDBOX), "limit.size", c->discarded, NULL,
                    NULL);
    }
    bool busy = c->discard_busy;
    c->discarding = false;
    c->discarded = 0;
    sk_conn_drop_current(c);
    struct sk_clamd_frame f = clamd_frame(c);
    char *line = NULL;
    size_t len = 0;
    int rc = busy ? sk_reply_clamd_busy(&f, "stream", &line, &len)
                  : sk_reply_clamd_maxbytes(&f, "stream", &line, &len);
    clamd_send(c, rc, line, len);
    if (!whole || !c->in_session)
        sk_conn_fail(c);
    else
        c->proto.state = SK_PROTO_CCMD;
}

/* A chunk header of n bytes while discarding: false when the stream passed
 * the discard bound (replied and closing). */
static bool stream_discard_chunk(struct sk_conn *c, uint32_t n)
{
    uint64_t max = c->set->opts->common.limits.max_request_bytes;
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
    uint64_t max = c->set->opts->common.limits.max_request_bytes;
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
        if (!conn_sched(c)->hold(conn_sched(c)->ctx, cap - req->u.clamd.cap)) {
            stream_start_discard(c, true);
            return stream_discard_chunk(c, n);
        }
        req->held += cap - req->u.clamd.cap;
        /* Shared memory the scanner maps, grown in place where it can. */
        int err = req->shm.fd < 0 ? sk_shm_create(&req->shm, cap) : sk_shm_grow(&req->shm, cap);
        if (err != 0) {
            struct sk_clamd_frame f = clamd_frame(c);
            char *line = NULL;
            size_t len = 0;
            int rc = sk_reply_clamd_error(&f, "stream", "out of memory", &line, &len);
            clamd_send(c, rc, line, len);
            sk_conn_fail(c);
            return false;
        }
        req->data = req->shm.data;
        req->u.clamd.cap = cap;
    }
    return true;
}

static bool clamd_event(struct sk_conn *c, const struct sk_proto_ev *ev)
{
    struct sk_dreq *req = c->cur;
    switch (ev->kind) {
    case SK_PEV_COMMAND: clamd_command(c, ev->text); break;
    case SK_PEV_CHUNK:
        if (c->discarding)
            return stream_discard_chunk(c, ev->chunk_len);
        if (ev->chunk_len == 0)
            sk_conn_submit_current(c);
        else if (!stream_reserve(c, ev->chunk_len))
            return false;
        break;
    case SK_PEV_CHUNK_DATA:
        if (c->discarding) {
            c->discarded += ev->len;
            break;
        }
        sk_shm_prepare(&req->shm, req->size + ev->len);
        memcpy(req->data + req->size, ev->data, ev->len);
        req->size += ev->len;
        break;
    case SK_PEV_TOO_LONG:
    case SK_PEV_NOMEM:
        clamd_write(c, "Command too long ERROR");
        sk_conn_fail(c);
        return false;
    default: break;
    }
    return true;
}

/* FILDES: nothing is read until the descriptor came. */
static int clamd_before_feed(struct sk_conn *c)
{
    if (c->proto.state != SK_PROTO_CWAITFD)
        return 0;
    take_fd(c);
    return c->proto.state == SK_PROTO_CWAITFD ? -1 : 1; /* -1: it comes with a later read */
}

static void clamd_after_read(struct sk_conn *c)
{
    if (c->proto.state == SK_PROTO_CWAITFD && c->cur)
        take_fd(c);
}

static bool clamd_direct_buf(struct sk_conn *c, uv_buf_t *buf)
{
    if (c->proto.state != SK_PROTO_CDATA || c->discarding)
        return false;
    struct sk_dreq *req = c->cur;
    uint64_t left = c->proto.left;
    /* One read at most fills what sk_shm_prepare made ready. */
    size_t want = left < SK_SHM_AHEAD ? (size_t)left : SK_SHM_AHEAD;
    sk_shm_prepare(&req->shm, req->size + want);
    *buf = uv_buf_init((char *)req->data + req->size, (unsigned)want);
    return true;
}

static void clamd_took_direct(struct sk_conn *c, size_t n)
{
    if (c->proto.state != SK_PROTO_CDATA || c->discarding)
        return;
    c->cur->size += n;
    sk_proto_took_direct(&c->proto, n);
}

/* A clamd command waits for its reply before the next is read. */
static void clamd_submitted(struct sk_conn *c)
{
    c->proto.state = SK_PROTO_CCMD;
    c->waiting_reply = true;
}

static void clamd_submit_failed(struct sk_conn *c)
{
    sk_conn_fail(c);
}

static void clamd_scan_done(struct sk_conn *c, const struct sk_dreq *req, bool written)
{
    if (!written) {
        char *line = NULL;
        size_t len = 0;
        int rc = sk_reply_clamd_fail_closed(&req->u.clamd.frame, "stream", &line, &len);
        clamd_send(c, rc, line, len);
    }
    c->waiting_reply = false;
    if (!c->in_session)
        sk_conn_fail(c);
    else
        sk_conn_process_input(c);
}

const struct sk_proto_ops sk_conn_clamd_ops = {
    .name = "clamd",
    .on_event = clamd_event,
    .before_feed = clamd_before_feed,
    .after_read = clamd_after_read,
    .direct_buf = clamd_direct_buf,
    .took_direct = clamd_took_direct,
    .on_submitted = clamd_submitted,
    .on_submit_failed = clamd_submit_failed,
    .on_scan_done = clamd_scan_done,
};
