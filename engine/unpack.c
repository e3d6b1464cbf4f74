/* The engine's side of the unpacker contract: every byte an unpacker
 * produces passes through sk_unpack_append, where all size limits live. */
#include "unpack.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "error.h"
#include "job.h"
#include "unpacker.h"

#define MIN_RESERVE (16u * 1024u)

/* Checks adding n bytes to a child of u whose buffer holds `have` bytes. */
static int check_limits(struct sk_unpack *u, size_t have, size_t n)
{
    struct sk_job *job = u->job;
    const struct sk_limits *lim = &job->limits;
    if (job->halted)
        return SK_ELIMIT;
    if (sk_job_expired(job, u->node))
        return SK_ELIMIT;
    if (have > lim->max_node_bytes || n > lim->max_node_bytes - have) {
        sk_job_limit(job, SK_LIMIT_NODE_BYTES, u->node,
                     "a member of this container is larger than %llu bytes",
                     (unsigned long long)lim->max_node_bytes);
        return SK_ELIMIT;
    }
    if (n > lim->max_total_bytes - job->extracted_bytes) {
        sk_job_limit(job, SK_LIMIT_BYTES, u->node, "more than %llu bytes extracted",
                     (unsigned long long)lim->max_total_bytes);
        return SK_ELIMIT;
    }
    uint64_t produced = u->produced + n;
    uint64_t size = u->node->size ? u->node->size : 1;
    if (produced > lim->ratio_floor && produced / size >= lim->max_ratio) {
        sk_job_limit(
            job, SK_LIMIT_RATIO, u->node, "expanded %llu bytes to more than %llu (over %u:1)",
            (unsigned long long)u->node->size, (unsigned long long)produced, lim->max_ratio);
        u->stop = true;
        return SK_ELIMIT;
    }
    return 0;
}

int sk_unpack_reserve(struct sk_unpack *u, struct sk_buf *buf, uint64_t size_hint)
{
    /* The hint is the input's claim: never allocate more than the limits
     * would let the child grow to, nor more than a modest first step. */
    uint64_t cap = size_hint < MIN_RESERVE ? MIN_RESERVE : size_hint;
    const struct sk_limits *lim = &u->job->limits;
    if (cap > lim->max_node_bytes)
        cap = lim->max_node_bytes;
    uint64_t total_left = lim->max_total_bytes - u->job->extracted_bytes;
    if (cap > total_left)
        cap = total_left ? total_left : 1;
    if (cap > SIZE_MAX)
        cap = SIZE_MAX;
    int rc = sk_buf_reserve(buf, (size_t)cap);
    if (rc == SK_ENOMEM)
        sk_job_nomem(u->job, u->node);
    return rc;
}

static size_t grown_capacity(size_t cap, size_t need)
{
    size_t next = cap < MIN_RESERVE ? MIN_RESERVE : cap;
    while (next < need && next <= SIZE_MAX / 2)
        next *= 2;
    return next < need ? need : next;
}

int sk_unpack_commit(struct sk_unpack *u, struct sk_buf *buf, size_t n)
{
    if (n == 0)
        return 0;
    if (!buf->owned || n > buf->cap - buf->len)
        return SK_EINTERNAL;
    int rc = check_limits(u, buf->len, n);
    if (rc != 0)
        return rc;
    buf->len += n;
    u->produced += n;
    u->job->extracted_bytes += n;
    return 0;
}

int sk_unpack_append(struct sk_unpack *u, struct sk_buf *buf, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    int rc = check_limits(u, buf->len, n);
    if (rc != 0)
        return rc;
    if (n > buf->cap - buf->len || !buf->owned) {
        size_t cap = grown_capacity(buf->cap, buf->len + n);
        if (cap > u->job->limits.max_node_bytes &&
            buf->len + n <= u->job->limits.max_node_bytes)
            cap = (size_t)u->job->limits.max_node_bytes;
        rc = sk_buf_reserve(buf, cap);
        if (rc != 0) {
            sk_job_nomem(u->job, u->node);
            return rc;
        }
    }
    if (n)
        memcpy(buf->p + buf->len, p, n);
    buf->len += n;
    u->produced += n;
    u->job->extracted_bytes += n;
    return 0;
}

void *sk_unpack_realloc(struct sk_unpack *u, void *p, size_t size)
{
    void *q = NULL;
    if (!sk_arena_fail_other(u->job->arena))
        q = realloc(p, size ? size : 1);
    if (!q)
        sk_job_nomem(u->job, u->node);
    return q;
}

void *sk_unpack_alloc(struct sk_unpack *u, size_t size)
{
    return sk_unpack_realloc(u, NULL, size);
}

void *sk_unpack_calloc(struct sk_unpack *u, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        sk_job_nomem(u->job, u->node);
        return NULL;
    }
    void *p = sk_unpack_alloc(u, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

char *sk_unpack_strndup(struct sk_unpack *u, const char *s, size_t n)
{
    if (n == SIZE_MAX) {
        sk_job_nomem(u->job, u->node);
        return NULL;
    }
    char *copy = sk_unpack_alloc(u, n + 1);
    if (copy) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    }
    return copy;
}

static void *unpack_realloc(void *ctx, void *p, size_t size)
{
    return sk_unpack_realloc(ctx, p, size);
}

const struct sk_alloc *sk_unpack_allocator(struct sk_unpack *u)
{
    u->alloc = (struct sk_alloc){.realloc = unpack_realloc, .ctx = u};
    return &u->alloc;
}

int sk_unpack_next_none(struct sk_unpack *u, void *state, struct sk_child *child)
{
    (void)u;
    (void)state;
    (void)child;
    return SK_DONE;
}

void sk_unpack_close_none(void *state)
{
    (void)state;
}

void sk_unpack_dynbuf_init(struct sk_unpack *u, struct sk_dynbuf *b, size_t toobig)
{
    sk_dynbuf_init_alloc(b, toobig, sk_unpack_allocator(u));
}

int sk_unpack_view(struct sk_unpack *u, struct sk_buf *buf, const void *p, size_t n)
{
    int rc = check_limits(u, 0, n);
    if (rc != 0)
        return rc;
    sk_buf_release(buf);
    *buf = sk_buf_view(p, n);
    u->produced += n;
    u->job->extracted_bytes += n;
    return 0;
}

enum sk_type sk_unpack_sniff(const struct sk_unpack *u, const uint8_t *p, size_t n)
{
    struct sk_node node = {.name = "", .path = "", .data = sk_buf_view(p, n)};
    return sk_bid_type(sk_engine_unpackers(u->job->engine), &node, sk_sniff(p, n), NULL);
}

void sk_unpack_set_type(struct sk_unpack *u, enum sk_type type)
{
    u->node->type = type;
    /* A script is often known only once its unpacker has read it. */
    sk_node_typed(u->job, u->node);
}

static const char *fail_reason(int err)
{
    switch (err) {
    case SK_ECORRUPT:
    case SK_ETRUNC: return "error.corrupt";
    case SK_EUNSUPPORTED: return "error.unsupported";
    case SK_EENCRYPTED: return "encrypted.unopened";
    default: return "error.internal";
    }
}

static const char *fail_kind(int err)
{
    switch (err) {
    case SK_ECORRUPT: return "corrupt";
    case SK_ETRUNC: return "truncated";
    case SK_EUNSUPPORTED: return "unsupported";
    case SK_EENCRYPTED: return "encrypted";
    case SK_ENOMEM: return "nomem";
    case SK_EIO: return "io";
    default: return "internal";
    }
}

void sk_unpack_fail(struct sk_unpack *u, const char *unpacker, int err, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    struct sk_job *job = u->job;
    u->failed = true;
    if (err == SK_ELIMIT)
        return; /* the limit already said what happened */
    if (err == SK_ENOMEM) {
        sk_job_nomem(job, u->node);
        return;
    }
    char code[64];
    snprintf(code, sizeof code, "%s.%s", unpacker, fail_kind(err));
    const char *stored = sk_arena_strdup(job->arena, code);
    sk_job_error(job, stored ? stored : "internal", u->node, "%s", detail);
    sk_job_reason(job, fail_reason(err), -1, u->node, "%s", detail);
}

void sk_unpack_reason(struct sk_unpack *u, const char *code, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    sk_job_reason(u->job, code, -1, u->node, "%s", detail);
}

void sk_unpack_info(struct sk_unpack *u, const char *key, const char *fmt, ...)
{
    char value[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    struct sk_node *node = u->node;
    for (struct sk_info *i = node->info; i; i = i->next) {
        if (strcmp(i->key, key) == 0) {
            const char *copy = sk_arena_strdup(u->job->arena, value);
            if (copy)
                i->value = copy;
            return;
        }
    }
    struct sk_info *info = sk_arena_alloc(u->job->arena, sizeof *info);
    const char *k = sk_arena_strdup(u->job->arena, key);
    const char *v = sk_arena_strdup(u->job->arena, value);
    if (!info || !k || !v)
        return;
    *info = (struct sk_info){.key = k, .value = v};
    if (node->info_tail)
        node->info_tail->next = info;
    else
        node->info = info;
    node->info_tail = info;
}

uint64_t sk_unpack_deadline(const struct sk_unpack *u)
{
    return u->job->deadline_ns;
}

const struct sk_limits *sk_unpack_limits(const struct sk_unpack *u)
{
    return &u->job->limits;
}

bool sk_unpack_expired(struct sk_unpack *u)
{
    return u->job->halted || sk_job_expired(u->job, u->node);
}

void sk_unpack_set_filters(struct sk_unpack *u, const char *filters)
{
    u->node->filters = filters ? sk_arena_strdup(u->job->arena, filters) : NULL;
}

void sk_unpack_mark_encrypted(struct sk_unpack *u, const struct sk_password *password)
{
    u->node->encrypted = true;
    if (password && !u->node->password)
        u->node->password = password;
}

void sk_child_verified_unopened(struct sk_child *child, const struct sk_password *password,
                                const char *why)
{
    sk_buf_release(&child->data);
    child->encrypted = true;
    child->truncated = false;
    child->password = NULL;
    child->verified = password;
    child->unopened_why = why;
}
