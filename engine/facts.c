/* A message's facts for the daemon's PPAP correlation (sekisho.h,
 * sk_job_mail_facts): the root message's header fields as its unpacker
 * hands them over (sk_unpack_mail_field), and the job's own candidates. The
 * fields are attacker-controlled: each is cut to SK_MAIL_MAX_FIELD bytes at
 * a character boundary, each list to its bound, and nothing here parses
 * them further. */
#include <string.h>

#include "arena.h"
#include "job.h"
#include "passwords.h"
#include "unpack.h"

/* A copy of value in the job's arena, at most SK_MAIL_MAX_FIELD bytes and
 * never a UTF-8 sequence cut in two; lowercased when asked (addresses). */
static const char *keep(struct sk_job *job, const char *value, size_t len, bool lower)
{
    if (len > SK_MAIL_MAX_FIELD) {
        len = SK_MAIL_MAX_FIELD;
        while (len > 0 && ((unsigned char)value[len] & 0xc0u) == 0x80u)
            len--;
    }
    char *copy = sk_arena_alloc(job->arena, len + 1);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char c = value[i];
        copy[i] = lower && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    copy[len] = '\0';
    return copy;
}

/* A message id without its angle brackets and surrounding blanks. */
static void strip_id(const char **value, size_t *len)
{
    const char *v = *value;
    size_t n = *len;
    while (n > 0 && (*v == ' ' || *v == '\t' || *v == '<')) {
        v++;
        n--;
    }
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '>'))
        n--;
    *value = v;
    *len = n;
}

static void add_to_list(struct sk_job *job, const char **list, size_t *n, size_t max,
                        const char *value, size_t len, bool lower)
{
    if (*n >= max || len == 0)
        return;
    const char *copy = keep(job, value, len, lower);
    if (!copy) {
        sk_job_nomem(job, job->root);
        return;
    }
    list[(*n)++] = copy;
}

static void set_once(struct sk_job *job, const char **slot, const char *value, size_t len,
                     bool lower)
{
    if (*slot || len == 0)
        return; /* a repeated header: the first one counts, as for GMime */
    *slot = keep(job, value, len, lower);
    if (!*slot)
        sk_job_nomem(job, job->root);
}

void sk_unpack_mail_field(struct sk_unpack *u, enum sk_mail_field field, const char *value,
                          size_t len)
{
    struct sk_job *job = u->job;
    job->context_uses++;
    if (u->node != job->root || !value)
        return;
    switch (field) {
    case SK_MAIL_FROM: set_once(job, &job->mail_from, value, len, true); break;
    case SK_MAIL_SUBJECT: set_once(job, &job->mail_subject, value, len, false); break;
    case SK_MAIL_RCPT:
        add_to_list(job, job->mail_rcpts, &job->n_mail_rcpts, SK_MAIL_MAX_ADDRESSES, value, len,
                    true);
        break;
    case SK_MAIL_MESSAGE_ID:
        strip_id(&value, &len);
        set_once(job, &job->mail_message_id, value, len, false);
        break;
    case SK_MAIL_IN_REPLY_TO:
        strip_id(&value, &len);
        set_once(job, &job->mail_in_reply_to, value, len, false);
        break;
    case SK_MAIL_REFERENCE:
        strip_id(&value, &len);
        add_to_list(job, job->mail_references, &job->n_mail_references, SK_MAIL_MAX_REFERENCES,
                    value, len, false);
        break;
    }
}

static bool has_reason(const struct sk_job *job, const char *code)
{
    for (const struct sk_reason *r = job->reasons; r; r = r->next)
        if (strcmp(r->code, code) == 0)
            return true;
    return false;
}

void sk_job_mail_facts(const struct sk_job *job, struct sk_mail_facts *out)
{
    memset(out, 0, sizeof *out);
    out->from = job->mail_from;
    out->rcpts = job->mail_rcpts;
    out->n_rcpts = job->n_mail_rcpts;
    out->message_id = job->mail_message_id;
    out->in_reply_to = job->mail_in_reply_to;
    out->references = job->mail_references;
    out->n_references = job->n_mail_references;
    out->subject = job->mail_subject;
    /* A password-only follow-up has nothing encrypted that asked for the
     * candidates: the texts still waiting are harvested here. The job is
     * const for the caller (the facts read nothing else), but never const
     * itself: sk_job_start allocates it. */
    struct sk_password *const *list;
    size_t n = sk_job_passwords((struct sk_job *)job, &list);
    for (size_t i = 0; i < n && out->n_candidates < SK_MAIL_MAX_CANDIDATES; i++)
        if (list[i]->tier < SK_PW_TIER_BUILTIN)
            out->candidates[out->n_candidates++] = list[i]->value;
    out->held = has_reason(job, "encrypted.unopened");
}
