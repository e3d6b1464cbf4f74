/* The milter protocol of a connection (README, "Gateways"): Postfix or
 * Sendmail hands over each message command by command; milter.c frames
 * and keeps it, and this file runs it through the same queue and scanners
 * as the other protocols. Its struct sk_proto_ops for conn.c.
 *
 * Why not libmilter: it owns an accept loop and a thread per connection,
 * which fit neither the front's one libuv loop nor its sandbox (its
 * threads would be started after the filter, outside the process tree's
 * accounting); the protocol is a dozen small frames.
 *
 * A slow MTA holds no scanner: the message reaches the queue only when its
 * end of body arrived, whole. While it is received it holds at most
 * max-bytes of ours (over that it is dropped and the error action
 * follows); at the end it takes a slot and counts against --queue-bytes
 * like any request, and when neither is free it is answered with the
 * error action (tempfail by default: the MTA retries) instead of waiting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_int.h"
#include "log.h"
#include "milter.h"

static bool milter_accept(struct sk_conn *c)
{
    c->milter = malloc(sizeof *c->milter);
    if (!c->milter)
        return false;
    sk_milter_init(c->milter, c->set->opts->common.limits.max_request_bytes);
    return true;
}

static void milter_free(struct sk_conn *c)
{
    if (c->milter)
        sk_milter_free(c->milter);
    free(c->milter);
    c->milter = NULL;
}

static bool milter_at_boundary(const struct sk_conn *c)
{
    return sk_milter_at_frame_boundary(c->milter);
}

/* Writes what milter.c put in its out buffer. */
static void write_out(struct sk_conn *c)
{
    struct sk_dynbuf *out = &c->milter->out;
    size_t len = out->len;
    char *data = sk_dynbuf_take(out, NULL);
    if (data)
        sk_conn_write_take(c, data, len);
    else if (len)
        sk_conn_close(c);
}

static enum sk_milter_outcome outcome_of(enum sk_verdict v)
{
    return v == SK_VERDICT_BLOCK     ? SK_MILTER_ON_BLOCK
           : v == SK_VERDICT_SANDBOX ? SK_MILTER_ON_SANDBOX
                                     : SK_MILTER_ON_PASS;
}

/* Answers the message with outcome's action and ends it. The headers say
 * the verdict (a failure is a sandbox one: fail closed) and the reasons. */
static void answer(struct sk_conn *c, enum sk_milter_outcome outcome, const char *verdict,
                   const char *reasons)
{
    struct sk_milter_result r = {.action = c->set->opts->milter_action[outcome],
                                 .verdict = verdict,
                                 .reasons = reasons};
    c->waiting_reply = false;
    if (sk_milter_result_reply(c->milter, &r) != 0) {
        sk_conn_fail(c); /* the MTA's milter_default_action applies */
    } else {
        write_out(c);
    }
    sk_milter_reset(c->milter);
}

/* A message answered here, without a scan: over max-bytes, or no room. */
static void answer_unscanned(struct sk_conn *c, struct sk_dreq *req, const char *error,
                             const char *codes, uint64_t bytes)
{
    const struct sk_sched *sched = conn_sched(c);
    sched->count_request(sched->ctx, error ? -1 : (int)SK_VERDICT_SANDBOX, bytes);
    if (error)
        sched->count_error(sched->ctx, error);
    char logged[40];
    snprintf(logged, sizeof logged, "error:%s", error ? error : "limit");
    sk_dreq_log(req, error ? logged : sk_verdict_name(SK_VERDICT_SANDBOX), codes, bytes, NULL,
                NULL);
    answer(c, SK_MILTER_ON_ERROR, sk_verdict_name(SK_VERDICT_SANDBOX), codes);
}

/* The message's bytes into shared memory for the scanner; false when out
 * of memory. */
static bool fill_request(struct sk_dreq *req, const char *msg, size_t len)
{
    if (sk_shm_create(&req->shm, len) != 0)
        return false;
    req->data = req->shm.data;
    if (len)
        memcpy(req->data, msg, len);
    req->size = len;
    req->u.native.got = len;
    return true;
}

/* Queues the scan of req (its slot reserved and its bytes held). */
static void submit(struct sk_conn *c, struct sk_dreq *req, const char *msg, size_t len,
                   uint64_t total)
{
    req->held = len;
    if (!fill_request(req, msg, len)) {
        conn_sched(c)->release(conn_sched(c)->ctx, len);
        answer_unscanned(c, req, "internal", "error.internal", total);
        sk_dreq_free(req);
        return;
    }
    c->cur = req;
    c->waiting_reply = true; /* the MTA waits for our answer */
    sk_conn_submit_current(c);
}

/* End of body: the message goes to a scanner, or is answered at once. */
static void milter_message(struct sk_conn *c)
{
    struct sk_milter *m = c->milter;
    const struct sk_sched *sched = conn_sched(c);
    c->cur_seq = ++c->n_requests;
    bool overflow = m->overflow;
    uint64_t total = m->msg_bytes;
    char *from = NULL, **rcpts = NULL;
    size_t len = 0, n_rcpts = 0;
    char *msg = sk_milter_take_message(m, &len, &from, &rcpts, &n_rcpts);
    if (!from) /* no MAIL came: scanned all the same, with no sender */
        from = strdup("");
    struct sk_dreq *req = sk_conn_dreq_new(c, SK_DREQ_NATIVE);
    if (req) {
        req->u.native.envelope_from = from;
        req->u.native.envelope_rcpts = rcpts;
        req->u.native.n_envelope_rcpts = n_rcpts;
        req->id = m->queue_id[0] ? strdup(m->queue_id) : NULL;
    }
    if (!req || !from) {
        free(from);
        for (size_t i = 0; !req && i < n_rcpts; i++)
            free(rcpts[i]);
        if (!req)
            free(rcpts);
        answer(c, SK_MILTER_ON_ERROR, sk_verdict_name(SK_VERDICT_SANDBOX), "error.internal");
        sk_dreq_free(req);
    } else if (overflow) {
        answer_unscanned(c, req, NULL, "limit.size", total);
        sk_dreq_free(req);
    } else if (!sched->reserve(sched->ctx)) {
        answer_unscanned(c, req, "busy", "limit.queue", total);
        sk_dreq_free(req);
    } else if (!sched->hold(sched->ctx, len)) {
        sched->release(sched->ctx, 0);
        answer_unscanned(c, req, "busy", "limit.queue_bytes", total);
        sk_dreq_free(req);
    } else {
        submit(c, req, msg, len, total);
    }
    free(msg);
}

static bool milter_feed(struct sk_conn *c)
{
    enum sk_milter_event ev;
    c->rpos += sk_milter_feed(c->milter, (const uint8_t *)c->rbuf + c->rpos, c->rlen - c->rpos,
                              &ev);
    switch (ev) {
    case SK_MEV_NONE: return true;
    case SK_MEV_REPLY: write_out(c); return true;
    case SK_MEV_MESSAGE: milter_message(c); return true;
    case SK_MEV_QUIT: sk_conn_fail(c); return false;
    case SK_MEV_ERROR:
    default:
        fprintf(stderr, "sekisho: milter connection %llu: %s: closed\n",
                (unsigned long long)c->number, c->milter->error ? c->milter->error : "?");
        conn_sched(c)->count_error(conn_sched(c)->ctx, "bad_request");
        sk_conn_fail(c);
        return false;
    }
}

static bool milter_event(struct sk_conn *c, const struct sk_proto_ev *ev)
{
    (void)c;
    (void)ev;
    return true; /* proto.c is not used: milter_feed frames */
}

static bool milter_direct_buf(struct sk_conn *c, uv_buf_t *buf)
{
    (void)c;
    (void)buf;
    return false;
}

static void milter_took_direct(struct sk_conn *c, size_t n)
{
    (void)c;
    (void)n;
}

static void milter_submitted(struct sk_conn *c)
{
    (void)c;
}

static void milter_submit_failed(struct sk_conn *c)
{
    answer(c, SK_MILTER_ON_ERROR, sk_verdict_name(SK_VERDICT_SANDBOX), "error.internal");
}

static void milter_scan_done(struct sk_conn *c, const struct sk_dreq *req, bool written)
{
    if (!written || req->error[0] || req->failed_closed) {
        answer(c, SK_MILTER_ON_ERROR, sk_verdict_name(SK_VERDICT_SANDBOX),
               req->codes[0] ? req->codes : "error.internal");
        return;
    }
    answer(c, outcome_of(req->verdict), sk_verdict_name(req->verdict), req->codes);
    sk_conn_process_input(c); /* anything the MTA sent meanwhile */
}

const struct sk_proto_ops sk_conn_milter_ops = {
    .name = "milter",
    .on_event = milter_event,
    .direct_buf = milter_direct_buf,
    .took_direct = milter_took_direct,
    .on_submitted = milter_submitted,
    .on_submit_failed = milter_submit_failed,
    .on_scan_done = milter_scan_done,
    .on_accept = milter_accept,
    .feed = milter_feed,
    .at_boundary = milter_at_boundary,
    .on_free = milter_free,
};
