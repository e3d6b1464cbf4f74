/* PPAP correlation in the front (correlate.h). */
#include "correlate.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "../engine/error.h"
#include "mailfacts.h"
#include "reply.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

static uint64_t wall_now(void)
{
    return (uint64_t)time(NULL);
}

/* A verdict object from a reply line (its newline dropped), or NULL. */
static json_t *parse_verdict(const char *reply, size_t len)
{
    json_t *v = reply ? json_loadb(reply, len, 0, NULL) : NULL;
    if (v && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

/* Makes verdict the request's reply. False (reply unchanged) when out of
 * memory. */
static bool set_reply(struct sk_dreq *req, json_t *verdict)
{
    char *json = json_dumps(verdict, DUMP_FLAGS);
    char *line = NULL;
    size_t len = 0;
    int rc = sk_reply_native_verdict(json, &line, &len);
    free(json);
    if (rc != 0)
        return false;
    free(req->reply);
    req->reply = line;
    req->reply_len = len;
    return true;
}

/* "2026-12-03T15:04:05Z" */
static json_t *rfc3339(uint64_t unix_s)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return json_null();
    return json_string(buf);
}

static json_t *held_object(const struct sk_held_msg *h)
{
    return json_pack("{s:s,s:o,s:s}", "token", h->token, "expires", rfc3339(h->expires),
                     "request_id", h->request_id ? h->request_id : "");
}

/* How many containers the verdict says stayed closed. */
static size_t count_unopened(json_t *verdict)
{
    size_t n = 0, i;
    json_t *r;
    json_array_foreach(json_object_get(verdict, "reasons"), i, r)
    {
        const char *code = json_string_value(json_object_get(r, "code"));
        n += code && strcmp(code, "encrypted.unopened") == 0;
    }
    return n;
}

/* The first password of the tree whose source is "follow-up": what opened
 * the held message. Walked with an explicit stack (the tree's depth is the
 * input's). */
static json_t *follow_up_password(json_t *verdict)
{
    json_t *stack = json_array();
    json_t *found = NULL;
    json_t *tree = json_object_get(verdict, "tree");
    if (stack && tree)
        json_array_append(stack, tree);
    while (stack && json_array_size(stack) && !found) {
        size_t last = json_array_size(stack) - 1;
        json_t *node = json_incref(json_array_get(stack, last));
        json_array_remove(stack, last);
        json_t *pw = json_object_get(node, "password");
        const char *source = json_string_value(json_object_get(pw, "source"));
        if (source && strcmp(source, "follow-up") == 0)
            found = json_incref(pw);
        size_t i;
        json_t *child;
        json_array_foreach(json_object_get(node, "children"), i, child)
        {
            json_array_append(stack, child);
        }
        json_decref(node);
    }
    json_decref(stack);
    return found ? found : json_null();
}

/* ---- a follow-up: try its candidates on what its sender left closed ---- */

/* A native request that scans held message h again with the follow-up's
 * candidates as its passwords. NULL when out of memory. */
static struct sk_dreq *rescan_request(const struct sk_held_msg *h, const struct sk_mailfacts *f)
{
    struct sk_dreq *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->kind = SK_DREQ_NATIVE;
    r->shm = (struct sk_shm)SK_SHM_NONE;
    struct sk_dreq_native *n = &r->u.native;
    r->id = strdup(h->request_id ? h->request_id : "");
    n->filename = h->name && h->name[0] ? strdup(h->name) : NULL;
    n->password_source = strdup("follow-up");
    n->passwords = calloc(f->n_candidates + 1, sizeof *n->passwords);
    bool ok = r->id && n->password_source && n->passwords &&
              (!h->name || !h->name[0] || n->filename);
    for (size_t i = 0; ok && i < f->n_candidates; i++) {
        n->passwords[i] = strdup(f->candidates[i]);
        ok = n->passwords[i] != NULL;
        n->n_passwords += ok;
    }
    if (ok && sk_shm_create(&r->shm, h->len) == 0) {
        if (h->len)
            memcpy(r->shm.data, h->bytes, h->len);
        r->data = r->shm.data;
        r->size = h->len;
        n->got = h->len;
        return r;
    }
    sk_dreq_free(r);
    return NULL;
}

/* Scans h again with f's candidates; when that opens a container, stores
 * its new verdict and returns the follow-up's "unlocked" entry for it. */
static json_t *try_held(struct sk_correlator *c, const struct sk_held_msg *h,
                        const struct sk_mailfacts *f, const char *follow_up_id)
{
    atomic_fetch_add(&c->tried, 1);
    struct sk_dreq *r = rescan_request(h, f);
    if (!r || c->rescan(c->rescan_ctx, r, uv_hrtime() + c->scan_ns) != 0 || !r->reply ||
        r->error[0]) {
        sk_dreq_free(r);
        return NULL;
    }
    json_t *was = parse_verdict(h->verdict, strlen(h->verdict));
    json_t *now = parse_verdict(r->reply, r->reply_len);
    sk_dreq_free(r);
    json_t *entry = NULL;
    if (was && now && count_unopened(now) < count_unopened(was)) {
        json_t *held = held_object(h);
        if (held)
            json_object_set_new(held, "unlocked_by",
                                json_pack("{s:s,s:s?}", "request_id",
                                          follow_up_id ? follow_up_id : "", "message_id",
                                          f->message_id));
        json_object_set_new(now, "held", held ? held : json_null());
        char *stored = json_dumps(now, DUMP_FLAGS);
        int rc = stored ? sk_store_set_verdict(c->store, h->token, stored, true, wall_now())
                        : SK_ENOMEM;
        free(stored);
        if (rc != 0)
            fprintf(stderr, "sekisho: correlation: held message %s opened, but its new verdict "
                            "was not stored (%d)\n", h->request_id, rc);
        entry = json_pack("{s:s,s:s,s:s,s:o,s:O}", "request_id", h->request_id, "message_id",
                          h->message_id, "token", h->token, "password", follow_up_password(now),
                          "verdict", now);
        atomic_fetch_add(&c->unlocked, 1);
    }
    json_decref(was);
    json_decref(now);
    return entry;
}

/* Tries f's candidates on the held messages f follows up; true when the
 * verdict object gained "unlocked". */
static bool follow_up(struct sk_correlator *c, const struct sk_dreq *req,
                      const struct sk_mailfacts *f, json_t *verdict)
{
    struct sk_follow_up fu = {.from = f->from,
                              .rcpts = f->rcpts,
                              .n_rcpts = f->n_rcpts,
                              .in_reply_to = f->in_reply_to,
                              .references = f->references,
                              .n_references = f->n_references};
    struct sk_held_msg *held[SK_CORRELATE_MAX_TRIES];
    size_t n = 0;
    if (sk_store_find(c->store, &fu, wall_now(), held, SK_CORRELATE_MAX_TRIES, &n) != 0) {
        atomic_fetch_add(&c->lost, 1);
        fprintf(stderr, "sekisho: correlation: the store failed: request %s was not tried on "
                        "held messages\n", req->id ? req->id : "-");
        return false;
    }
    json_t *unlocked = json_array();
    uint64_t start = uv_hrtime();
    for (size_t i = 0; i < n; i++) {
        /* The budget bounds the extra time; the first try is always made. */
        json_t *entry = unlocked && (i == 0 || uv_hrtime() - start < c->budget_ns)
                            ? try_held(c, held[i], f, req->id)
                            : NULL;
        if (entry)
            json_array_append_new(unlocked, entry);
        sk_held_free(held[i]);
    }
    bool any = unlocked && json_array_size(unlocked) > 0;
    if (any)
        json_object_set_new(verdict, "unlocked", unlocked);
    else
        json_decref(unlocked);
    return any;
}

/* ---- a message that left a container closed: remember it ---- */

static bool remember(struct sk_correlator *c, const struct sk_dreq *req,
                     const struct sk_mailfacts *f, json_t *verdict)
{
    char *name = req->u.native.filename;
    char *first = json_dumps(verdict, DUMP_FLAGS);
    struct sk_held_msg m = {.request_id = req->id ? req->id : (char *)"",
                            .message_id = (char *)(f->message_id ? f->message_id : ""),
                            .from = (char *)f->from,
                            .rcpts = (char **)f->rcpts,
                            .n_rcpts = f->n_rcpts,
                            .subject = (char *)(f->subject ? f->subject : ""),
                            .name = name ? name : (char *)"",
                            .bytes = req->data,
                            .len = req->size,
                            .verdict = first};
    int rc = first ? sk_store_put(c->store, &m, wall_now()) : SK_ENOMEM;
    free(first);
    if (rc != 0) {
        atomic_fetch_add(&c->lost, 1);
        fprintf(stderr, "sekisho: correlation: request %s not remembered (%s): a password in a "
                        "later mail cannot open it\n",
                req->id ? req->id : "-", rc == SK_ELIMIT ? "over the store's bounds"
                                         : rc == SK_EIO  ? "the store failed"
                                                         : "out of memory");
        return false;
    }
    json_t *held = held_object(&m);
    if (!held || json_object_set_new(verdict, "held", held) != 0)
        return false;
    /* The stored verdict is the one the client gets: with its token. */
    char *stored = json_dumps(verdict, DUMP_FLAGS);
    rc = stored ? sk_store_set_verdict(c->store, m.token, stored, false, wall_now()) : SK_ENOMEM;
    free(stored);
    if (rc != 0)
        fprintf(stderr, "sekisho: correlation: request %s held without its token in the stored "
                        "verdict (%d)\n", req->id ? req->id : "-", rc);
    atomic_fetch_add(&c->held, 1);
    return true;
}

/* A milter message's envelope recipients join its To and Cc (those not
 * there already, within the bound): a Bcc'd pair still shares one. The
 * sender stays the header's From, which a message carries whichever
 * protocol brought it, so that each half of a pair may come either way. */
static void add_envelope(struct sk_mailfacts *f, const struct sk_dreq *req)
{
    const struct sk_dreq_native *n = &req->u.native;
    for (size_t i = 0; i < n->n_envelope_rcpts && f->n_rcpts < SK_MAIL_MAX_ADDRESSES; i++) {
        bool known = false;
        for (size_t j = 0; j < f->n_rcpts && !known; j++)
            known = strcmp(f->rcpts[j], n->envelope_rcpts[i]) == 0;
        if (!known && n->envelope_rcpts[i][0])
            f->rcpts[f->n_rcpts++] = n->envelope_rcpts[i];
    }
}

void sk_correlate(struct sk_correlator *c, struct sk_dreq *req)
{
    if (!c->store || req->kind != SK_DREQ_NATIVE || !req->facts || !req->reply || req->error[0])
        return;
    struct sk_mailfacts f;
    if (sk_mailfacts_decode(req->facts, req->facts_len, &f) != 0) {
        fprintf(stderr, "sekisho: correlation: request %s: its scanner sent facts out of "
                        "bounds; not correlated\n", req->id ? req->id : "-");
        atomic_fetch_add(&c->lost, 1);
        return;
    }
    add_envelope(&f, req);
    json_t *verdict = parse_verdict(req->reply, req->reply_len);
    bool changed = false;
    /* Follow-up first: a message that both carries candidates and leaves a
     * container closed is not tried on itself. */
    if (verdict && f.n_candidates)
        changed |= follow_up(c, req, &f, verdict);
    if (verdict && f.held)
        changed |= remember(c, req, &f, verdict);
    if (changed && !set_reply(req, verdict))
        fprintf(stderr, "sekisho: correlation: request %s: out of memory rewriting its reply\n",
                req->id ? req->id : "-");
    json_decref(verdict);
    sk_mailfacts_clear(&f);
}

int sk_correlate_verdict(struct sk_correlator *c, const char *id, const char *token, char **reply,
                         size_t *len)
{
    if (!c->store)
        return sk_reply_native_error(id, "unavailable", "correlation is off", reply, len);
    struct sk_held_msg *h = NULL;
    int rc = token && sk_store_token_valid(token)
                 ? sk_store_get(c->store, token, wall_now(), &h)
                 : SK_STORE_UNKNOWN;
    if (rc == SK_STORE_UNKNOWN)
        return sk_reply_native_error(id, "unknown_token",
                                     "no held message has this token (unknown or expired)",
                                     reply, len);
    if (rc != 0)
        return sk_reply_native_error(id, "unavailable", "the store failed; try again", reply,
                                     len);
    json_t *v = parse_verdict(h->verdict, strlen(h->verdict));
    sk_held_free(h);
    if (!v)
        return sk_reply_native_error(id, "unavailable", "the stored verdict is unreadable",
                                     reply, len);
    /* The reply pairs with this request: its id, the held one's is in "held". */
    json_object_set_new(v, "id", id ? json_string(id) : json_null());
    char *json = json_dumps(v, DUMP_FLAGS);
    json_decref(v);
    rc = sk_reply_native_verdict(json, reply, len);
    free(json);
    return rc;
}
