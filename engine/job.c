#include "job.h"

#include "engine_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t sk_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void raise_verdict(struct sk_job *job, enum sk_verdict verdict)
{
    if (verdict > job->verdict)
        job->verdict = verdict;
}

static const char *node_path(const struct sk_node *node)
{
    return node && node->path ? node->path : "";
}

static bool reason_seen(const struct sk_job *job, const char *code, const char *path,
                        const char *detail)
{
    for (const struct sk_reason *r = job->reasons; r; r = r->next)
        if (strcmp(r->code, code) == 0 && strcmp(r->path, path) == 0 &&
            strcmp(r->detail, detail) == 0)
            return true;
    return false;
}

__attribute__((format(printf, 2, 0))) static char *vformat(struct sk_arena *arena,
                                                           const char *fmt, va_list ap)
{
    char text[1024];
    vsnprintf(text, sizeof text, fmt, ap);
    return sk_arena_strdup(arena, text);
}

void sk_job_reason(struct sk_job *job, const char *code, int verdict,
                   const struct sk_node *node, const char *fmt, ...)
{
    enum sk_verdict v = verdict >= 0 ? (enum sk_verdict)verdict
                                     : sk_policy_verdict(sk_engine_policy(job->engine), code);
    raise_verdict(job, v); /* first, so that no failure below can lose it */

    va_list ap;
    va_start(ap, fmt);
    char *detail = vformat(job->arena, fmt, ap);
    va_end(ap);
    const char *path = node_path(node);
    struct sk_reason *r = NULL;
    if (detail && reason_seen(job, code, path, detail)) {
        job->reasons_repeated++;
        return;
    }
    if (detail)
        r = sk_arena_alloc(job->arena, sizeof *r);
    if (!r) {
        /* the reason is lost: say why (sk_job_nomem's own reason is kept
         * in the job, and it does not come back here once out of memory) */
        sk_job_nomem(job, node);
        return;
    }
    r->node = node;
    r->code = code;
    r->verdict = v;
    r->path = path;
    r->detail = detail;
    if (job->reasons_tail)
        job->reasons_tail->next = r;
    else
        job->reasons = r;
    job->reasons_tail = r;
}

void sk_job_error(struct sk_job *job, const char *code, const struct sk_node *node,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *detail = vformat(job->arena, fmt, ap);
    va_end(ap);
    struct sk_error_entry *e = detail ? sk_arena_alloc(job->arena, sizeof *e) : NULL;
    if (!e) {
        sk_job_nomem(job, node);
        return;
    }
    e->code = code;
    e->path = node_path(node);
    e->detail = detail;
    if (job->errors_tail)
        job->errors_tail->next = e;
    else
        job->errors = e;
    job->errors_tail = e;
}

static bool limit_is_job_wide(enum sk_limit_kind kind)
{
    return kind == SK_LIMIT_NODES || kind == SK_LIMIT_BYTES || kind == SK_LIMIT_TIME ||
           kind == SK_LIMIT_SIZE;
}

void sk_job_limit(struct sk_job *job, enum sk_limit_kind kind, const struct sk_node *node,
                  const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    sk_job_reason(job, sk_limit_code(kind), -1, node, "%s", detail);
    if (limit_is_job_wide(kind))
        job->halted = true;
}

void sk_job_nomem(struct sk_job *job, const struct sk_node *node)
{
    job->had_error = true;
    raise_verdict(job, SK_VERDICT_SANDBOX);
    if (job->out_of_memory)
        return;
    job->out_of_memory = true;
    struct sk_reason *before = job->reasons_tail;
    sk_job_reason(job, "error.internal", -1, node, "out of memory");
    if (job->reasons_tail == before) {
        /* The arena could not hold the reason: use the one kept in the job
         * itself, so that the report still says why. */
        struct sk_reason *r = &job->nomem_reason;
        r->node = node;
        r->code = "error.internal";
        r->verdict = SK_VERDICT_SANDBOX;
        r->path = node_path(node);
        r->detail = "out of memory";
        if (job->reasons_tail)
            job->reasons_tail->next = r;
        else
            job->reasons = r;
        job->reasons_tail = r;
    }
}

bool sk_job_expired(struct sk_job *job, const struct sk_node *node)
{
    if (sk_now_ns() < job->deadline_ns)
        return false;
    if (!job->timed_out) {
        job->timed_out = true;
        sk_job_limit(job, SK_LIMIT_TIME, node, "request took longer than %u ms",
                     job->limits.timeout_ms);
    }
    return true;
}
