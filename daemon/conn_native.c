/* The native protocol of a connection (DESIGN.md, "The daemon"): a JSON
 * header line, then the declared bytes; one JSON line back per request.
 * Its struct sk_proto_ops for conn.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_int.h"
#include "log.h"
#include "reply.h"

static void native_error(struct sk_conn *c, const char *id, const char *code,
                         const char *message, bool fatal)
{
    conn_sched(c)->count_error(conn_sched(c)->ctx, code);
    char log_code[40], conn[48];
    snprintf(log_code, sizeof log_code, "error:%s", code);
    snprintf(conn, sizeof conn, "%llu.%u", (unsigned long long)c->number, c->cur_seq);
    sk_server_log(id, conn, log_code, "-", 0, uv_hrtime(), NULL, NULL);
    char *line = NULL;
    size_t n = 0;
    if (sk_reply_native_error(id, code, message, &line, &n) != 0) {
        sk_conn_close(c);
        return;
    }
    sk_conn_write_take(c, line, n);
    if (fatal)
        sk_conn_fail(c);
}

static char *dup_or_null(const char *text)
{
    return text ? strdup(text) : NULL;
}

/* Copies an accepted header into a new request (c->cur); false when out of
 * memory (nothing is left behind). */
static bool native_request(struct sk_conn *c, const struct sk_native_header *h)
{
    struct sk_dreq *req = sk_conn_dreq_new(c, SK_DREQ_NATIVE);
    if (!req) {
        conn_sched(c)->release(conn_sched(c)->ctx, h->size);
        return false;
    }
    c->cur = req; /* from here sk_conn_drop_current() frees it and the slot */
    req->held = h->size;
    req->size = (size_t)h->size;
    req->id = dup_or_null(h->id);
    req->u.native.filename = dup_or_null(h->filename);
    req->u.native.body = dup_or_null(h->body);
    req->u.native.body_len = h->body_len;
    req->u.native.token = dup_or_null(h->token);
    /* Straight into shared memory: the scanner maps these very pages (a
     * verdict request has none and meets no scanner). */
    bool have_bytes = h->token || sk_shm_create(&req->shm, (size_t)h->size) == 0;
    req->data = req->shm.data;
    size_t np = h->n_passwords;
    req->u.native.passwords = np ? calloc(np, sizeof *req->u.native.passwords) : NULL;
    bool ok = (!h->id || req->id) && (!h->filename || req->u.native.filename) &&
              (!h->body || req->u.native.body) && (!h->token || req->u.native.token) &&
              have_bytes &&
              (!np || req->u.native.passwords);
    for (size_t i = 0; ok && i < np; i++) {
        req->u.native.passwords[i] = strdup(sk_native_password(h, i));
        ok = req->u.native.passwords[i] != NULL;
        req->u.native.n_passwords = i + 1;
    }
    if (!ok)
        sk_conn_drop_current(c);
    return ok;
}

static void native_stats(struct sk_conn *c, const char *id)
{
    struct sk_reply_stats stats;
    conn_sched(c)->stats(conn_sched(c)->ctx, &stats);
    char *line = NULL;
    size_t n = 0;
    if (sk_reply_native_stats(id, &stats, &line, &n) != 0)
        sk_conn_close(c);
    else
        sk_conn_write_take(c, line, n);
}

/* Over TCP with --secret-file every native request carries the secret
 * (compared without an early exit on the bytes); Unix sockets are guarded
 * by their mode and owner. */
static bool secret_ok(const struct sk_conn *c, const struct sk_native_header *h)
{
    const struct sk_serve_options *o = c->set->opts;
    if (c->is_unix || !o->secret)
        return true;
    if (!h->secret || h->secret_len != o->secret_len)
        return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < o->secret_len; i++)
        diff |= (unsigned char)(h->secret[i] ^ o->secret[i]);
    return diff == 0;
}

static void native_header(struct sk_conn *c, const char *text, size_t len)
{
    struct sk_native_header h;
    struct sk_native_error err;
    c->cur_seq = ++c->n_requests;
    if (sk_native_header_parse(text, len, c->set->opts->common.limits.max_request_bytes, &h,
                               &err) != 0) {
        native_error(c, h.id, err.code, err.message, true);
    } else if (!secret_ok(c, &h)) {
        sk_conn_drop_slot(c);
        native_error(c, h.id, "unauthorized", "requests over TCP must carry the server's secret",
                     true);
    } else if (h.type == SK_NATIVE_VERDICT && !c->is_unix && !c->set->opts->secret) {
        sk_conn_drop_slot(c);
        native_error(c, h.id, "unauthorized",
                     "verdict requests over TCP need the server's --secret-file", false);
    } else if (h.type == SK_NATIVE_STATS) {
        sk_conn_drop_slot(c); /* a stats request is no request in flight */
        native_stats(c, h.id);
    } else if (!sk_conn_take_slot(c)) {
        native_error(c, h.id, "busy", "waited past --queue-timeout; retry later", false);
        sk_proto_skip_payload(&c->proto, h.size);
    } else if (!conn_sched(c)->hold(conn_sched(c)->ctx, h.size)) {
        conn_sched(c)->release(conn_sched(c)->ctx, 0);
        native_error(c, h.id, "busy", "--queue-bytes are taken; retry later", false);
        sk_proto_skip_payload(&c->proto, h.size);
    } else if (!native_request(c, &h)) {
        native_error(c, h.id, "internal", "out of memory", true);
    } else {
        sk_proto_expect_payload(&c->proto, h.size);
        if (h.size == 0)
            sk_conn_submit_current(c);
    }
    sk_native_header_free(&h);
}

static bool native_event(struct sk_conn *c, const struct sk_proto_ev *ev)
{
    struct sk_dreq *req = c->cur;
    switch (ev->kind) {
    case SK_PEV_HEADER: native_header(c, ev->text, ev->text_len); break;
    case SK_PEV_PAYLOAD:
        sk_shm_prepare(&req->shm, req->u.native.got + ev->len);
        memcpy(req->data + req->u.native.got, ev->data, ev->len);
        req->u.native.got += ev->len;
        if (ev->last)
            sk_conn_submit_current(c);
        break;
    case SK_PEV_TOO_LONG:
    case SK_PEV_NOMEM:
        native_error(c, NULL, "bad_request", "header line too long", true);
        return false;
    default: break;
    }
    return true;
}

static bool native_direct_buf(struct sk_conn *c, uv_buf_t *buf)
{
    if (c->proto.state != SK_PROTO_NPAYLOAD)
        return false;
    struct sk_dreq *req = c->cur;
    size_t left = req->size - req->u.native.got;
    /* One read at most fills what sk_shm_prepare made ready. */
    size_t want = left < SK_SHM_AHEAD ? left : SK_SHM_AHEAD;
    sk_shm_prepare(&req->shm, req->u.native.got + want);
    *buf = uv_buf_init((char *)req->data + req->u.native.got, (unsigned)want);
    return true;
}

static void native_took_direct(struct sk_conn *c, size_t n)
{
    if (c->proto.state != SK_PROTO_NPAYLOAD)
        return;
    c->cur->u.native.got += n;
    sk_proto_took_direct(&c->proto, n);
    if (c->cur->u.native.got == c->cur->size)
        sk_conn_submit_current(c);
}

/* A native request was framed whole: the parser is at the next header. */
static void native_submitted(struct sk_conn *c)
{
    (void)c;
}

static void native_submit_failed(struct sk_conn *c)
{
    native_error(c, NULL, "internal", "could not queue the scan", true);
}

static void native_scan_done(struct sk_conn *c, const struct sk_dreq *req, bool written)
{
    (void)req;
    if (!written)
        sk_conn_write_str(c, SK_REPLY_NATIVE_INTERNAL, sizeof SK_REPLY_NATIVE_INTERNAL - 1);
}

const struct sk_proto_ops sk_conn_native_ops = {
    .name = "native",
    .on_event = native_event,
    .direct_buf = native_direct_buf,
    .took_direct = native_took_direct,
    .on_submitted = native_submitted,
    .on_submit_failed = native_submit_failed,
    .on_scan_done = native_scan_done,
};
