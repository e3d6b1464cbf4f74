/* The job's ranked password candidates (DESIGN.md, "Password harvesting").
 *
 * Tiers, tried in this order: passwords given with the request (0), tokens
 * next to a password keyword in the subject or body and operator rules (1),
 * quoted strings (2), every other token (3), the built-in list (4). Within a
 * tier, candidates keep the order they were found in. The list holds at most
 * max_passwords candidates: a better-tier candidate pushes out the worst
 * one, and dropping any is reported once (limit.passwords). Ranks are the
 * final positions, 1 first. */
#include <string.h>

#include "engine_internal.h"
#include "job.h"
#include "passwords.h"
#include "unpack.h"

static bool already_listed(const struct sk_job *job, const char *value, size_t len)
{
    for (size_t i = 0; i < job->n_passwords; i++) {
        const struct sk_password *pw = job->passwords[i];
        if (pw->len == len && memcmp(pw->value, value, len) == 0)
            return true;
    }
    return false;
}

static void note_dropped(struct sk_job *job)
{
    if (job->passwords_dropped++ == 0)
        sk_job_reason(job, "limit.passwords", -1, NULL,
                      "more than %u password candidates; lower-ranked ones dropped",
                      job->limits.max_passwords);
}

int sk_job_add_password(struct sk_job *job, const char *value, size_t len, const char *source,
                        unsigned tier)
{
    job->context_uses++;
    if (len == 0 || len > SK_CAP_PASSWORD_BYTES || already_listed(job, value, len))
        return 0;
    size_t at = job->n_passwords;
    while (at > 0 && job->passwords[at - 1]->tier > tier)
        at--;
    if (job->n_passwords == job->limits.max_passwords) {
        note_dropped(job);
        if (at == job->n_passwords)
            return 0;
        job->n_passwords--; /* the worst candidate makes room */
    }
    struct sk_password *pw = sk_arena_alloc(job->arena, sizeof *pw);
    char *copy = pw ? sk_arena_strndup(job->arena, value, len) : NULL;
    if (!copy) {
        sk_job_nomem(job, NULL);
        return SK_ENOMEM;
    }
    pw->value = copy;
    pw->len = len;
    pw->source = source;
    pw->tier = tier;
    memmove(&job->passwords[at + 1], &job->passwords[at],
            (job->n_passwords - at) * sizeof *job->passwords);
    job->passwords[at] = pw;
    job->n_passwords++;
    for (size_t i = at; i < job->n_passwords; i++)
        job->passwords[i]->rank = (unsigned)i + 1;
    return 0;
}

int sk_job_start_passwords(struct sk_job *job, const char *const *given, size_t n_given)
{
    size_t cap = job->limits.max_passwords ? job->limits.max_passwords : 1;
    job->passwords = sk_arena_alloc(job->arena, cap * sizeof *job->passwords);
    if (!job->passwords)
        return SK_ENOMEM;
    for (size_t i = 0; i < n_given; i++) {
        int rc = sk_job_add_password(job, given[i], strlen(given[i]), job->password_source, 0);
        if (rc != 0)
            return rc;
    }
    for (size_t i = 0; sk_builtin_passwords[i]; i++) {
        const char *pw = sk_builtin_passwords[i];
        int rc = sk_job_add_password(job, pw, strlen(pw), "builtin", SK_PW_TIER_BUILTIN);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int add_harvested(void *ctx, const char *value, size_t len, const char *source,
                         enum sk_pw_tier tier)
{
    struct sk_job *job = ctx;
    return sk_job_add_password(job, value, len, source, (unsigned)tier) == SK_ENOMEM ? SK_ENOMEM
                                                                                     : 0;
}

void sk_job_harvest(struct sk_job *job, const struct sk_node *node, const char *text,
                    size_t len, const char *where)
{
    job->context_uses++;
    uint64_t t = sk_now_ns();
    /* The harvester bounds its own work; a generous bound here leaves room
     * for better-tier candidates to push out tokens. */
    int rc = sk_harvest_passwords(text, len, where, sk_engine_password_rules(job->engine),
                                  (size_t)job->limits.max_passwords * 4, add_harvested, job);
    if (rc == SK_ENOMEM)
        sk_job_nomem(job, node);
    job->stage_ns[SK_STAGE_PASSWORDS] += sk_now_ns() - t;
}

/* A text waiting for its harvest; `where` is a string literal. */
struct sk_pending_text {
    struct sk_pending_text *next;
    const struct sk_node *node;
    const char *where;
    const char *text;
    size_t len;
};

/* Harvests the waiting texts in the order they came, each once. */
static void harvest_pending(struct sk_job *job)
{
    struct sk_pending_text *p = job->pending;
    job->pending = job->pending_tail = NULL;
    job->pending_bytes = 0;
    for (; p; p = p->next)
        sk_job_harvest(job, p->node, p->text, p->len, p->where);
}

static bool hold_text(struct sk_job *job, const struct sk_node *node, const char *text,
                      size_t len, const char *where)
{
    if (len > SK_PENDING_HARVEST_BYTES - job->pending_bytes)
        return false;
    struct sk_pending_text *p = sk_arena_alloc(job->arena, sizeof *p);
    char *copy = p && len ? sk_arena_alloc(job->arena, len) : NULL;
    if (!p || (len && !copy))
        return false;
    if (len)
        memcpy(copy, text, len);
    *p = (struct sk_pending_text){.node = node, .where = where, .text = copy, .len = len};
    if (job->pending_tail)
        job->pending_tail->next = p;
    else
        job->pending = p;
    job->pending_tail = p;
    job->pending_bytes += len;
    return true;
}

void sk_job_harvest_later(struct sk_job *job, const struct sk_node *node, const char *text,
                          size_t len, const char *where)
{
    job->context_uses++;
    if (!text || hold_text(job, node, text, len, where))
        return;
    harvest_pending(job); /* the order stays the order the texts came in */
    sk_job_harvest(job, node, text, len, where);
}

size_t sk_job_passwords(struct sk_job *job, struct sk_password *const **out)
{
    job->context_uses++;
    harvest_pending(job);
    *out = job->passwords;
    return job->n_passwords;
}

void sk_unpack_harvest(struct sk_unpack *u, const char *text, size_t len, const char *where)
{
    sk_job_harvest_later(u->job, u->node, text, len, where);
}

size_t sk_unpack_passwords(const struct sk_unpack *u, const struct sk_password *const **out)
{
    struct sk_password *const *list;
    size_t n = sk_job_passwords(u->job, &list);
    *out = (const struct sk_password *const *)list;
    return n;
}
