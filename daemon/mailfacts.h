/* A message's facts (engine/sekisho.h, sk_job_mail_facts) on their way from
 * the scanner that read them to the front that correlates them (PPAP,
 * ARCHITECTURE.md): JSON, because the front already speaks it and a scanner
 * is not trusted to keep the bounds: decoding checks every type, length and
 * count again. */
#ifndef SK_DAEMON_MAILFACTS_H
#define SK_DAEMON_MAILFACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "../engine/sekisho.h"

/* The facts of job as JSON (malloc'd, *len bytes, NUL-terminated); NULL
 * when the request was no message (no From) or out of memory: a message
 * without its facts is scanned all the same, only not correlated. */
char *sk_mailfacts_encode(const struct sk_job *job, size_t *len);

/* Decoded facts: the strings point into a JSON tree the struct owns. */
struct sk_mailfacts {
    void *tree; /* json_t */
    const char *from;
    const char *rcpts[SK_MAIL_MAX_ADDRESSES];
    size_t n_rcpts;
    const char *message_id, *in_reply_to, *subject;
    const char *references[SK_MAIL_MAX_REFERENCES];
    size_t n_references;
    const char *candidates[SK_MAIL_MAX_CANDIDATES];
    size_t n_candidates;
    bool held;
};

/* 0, or -1 when json is not facts within the bounds (out is then empty). */
int sk_mailfacts_decode(const char *json, size_t len, struct sk_mailfacts *out);
void sk_mailfacts_clear(struct sk_mailfacts *facts);

#endif
