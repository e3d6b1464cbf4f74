/* The job: one request's state while it is scanned, and its result after.
 *
 * Internal to the engine. Unpackers see the job only through unpack.h. */
#ifndef SK_JOB_H
#define SK_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "limits.h"
#include "node.h"
#include "policy.h"
#include "sekisho.h"

struct sk_reason {
    struct sk_reason *next;
    const struct sk_node *node; /* what it concerns, or NULL (the request) */
    const char *code;
    enum sk_verdict verdict;
    const char *path;
    const char *detail;
};

enum sk_meta_type { SK_META_STRING, SK_META_INTEGER, SK_META_BOOLEAN };

struct sk_meta {
    const char *key;
    enum sk_meta_type type;
    const char *string;
    int64_t integer;
};

struct sk_match {
    struct sk_match *next;
    const char *rule;
    const char *ns;
    const char **tags;
    size_t n_tags;
    struct sk_meta *metas;
    size_t n_metas;
    const char *path;
};

struct sk_error_entry {
    struct sk_error_entry *next;
    const char *code; /* "<unpacker>.<kind>", e.g. "archive.corrupt" */
    const char *path;
    const char *detail;
};

struct sk_job {
    struct sk_arena *arena;
    const struct sk_engine *engine;
    struct sk_worker *worker;
    const char *id;
    struct sk_limits limits;
    uint64_t start_ns;
    uint64_t deadline_ns;
    bool no_hash;
    sk_node_sink sink;
    void *sink_ctx;

    struct sk_node *root;
    struct sk_password **passwords; /* ranked, at most limits.max_passwords */
    size_t n_passwords;
    size_t passwords_dropped;
    /* Texts waiting to be harvested (candidates.c), in the order given; at
     * most SK_PENDING_HARVEST_BYTES of them are held. */
    struct sk_pending_text *pending, *pending_tail;
    size_t pending_bytes;

    struct sk_reason *reasons, *reasons_tail;
    struct sk_match *matches, *matches_tail;
    struct sk_error_entry *errors, *errors_tail;
    enum sk_verdict verdict;
    bool had_error; /* our own failure (memory, I/O) or a refused request */

    uint32_t nodes;
    uint32_t cached_nodes; /* nodes below cached nodes: counted, not in the tree */
    uint32_t cache_hits;   /* nodes whose outcome came from the node cache */
    /* Counters the node cache (outcome.h) compares across a subtree: uses
     * of the password candidates or mail facts (state beyond the subtree's
     * bytes), and reasons not recorded because the job already had them. */
    uint32_t context_uses;
    uint32_t reasons_repeated;
    uint32_t max_depth_seen;
    uint64_t extracted_bytes;      /* bytes of all nodes below the root */
    uint64_t yara_bytes;           /* bytes YARA scanned (a message as its skeleton) */
    bool halted;                   /* a job-wide limit stopped all unpacking */
    bool out_of_memory;            /* reported once */
    bool timed_out;                /* reported once */
    struct sk_reason nomem_reason; /* used when even the reason cannot be allocated */
    uint64_t stage_ns[SK_STAGE_COUNT];
    uint64_t elapsed_ns;

    /* The root message's header fields (facts.c), for sk_job_mail_facts. */
    const char *mail_from, *mail_message_id, *mail_in_reply_to, *mail_subject;
    const char *mail_rcpts[SK_MAIL_MAX_ADDRESSES];
    size_t n_mail_rcpts;
    const char *mail_references[SK_MAIL_MAX_REFERENCES];
    size_t n_mail_references;
    const char *password_source; /* the request's passwords' source name */
};

uint64_t sk_now_ns(void);

/* sk_scan's first half: a job for the request, its root node a view of the
 * bytes, nothing unpacked yet (the fuzz harnesses drive one unpacker on it).
 * 0, or SK_ENOMEM; when *out is set, free it with sk_job_free either way. */
int sk_job_start(struct sk_worker *worker, const struct sk_request *req, struct sk_job **out);

/* Password candidates (engine/candidates.c). start: the request's own, then
 * the built-in list. add: one candidate of a tier; 0 or SK_ENOMEM. */
int sk_job_start_passwords(struct sk_job *job, const char *const *given, size_t n_given);
int sk_job_add_password(struct sk_job *job, const char *value, size_t len, const char *source,
                        unsigned tier);
/* Harvests candidates from UTF-8 text ("subject" or "body") of a node, now. */
void sk_job_harvest(struct sk_job *job, const struct sk_node *node, const char *text,
                    size_t len, const char *where);
/* The same, later: keeps a copy of the text, harvested (in the order the
 * texts came) only when the candidates are first read through
 * sk_job_passwords. Most mail carries nothing encrypted, and the harvest
 * costs about a fifth of a small message's scan. A text that would take the
 * held copies over SK_PENDING_HARVEST_BYTES (or whose copy cannot be
 * allocated) is harvested at once, after those held: never dropped, and the
 * candidates come out the same either way. */
void sk_job_harvest_later(struct sk_job *job, const struct sk_node *node, const char *text,
                          size_t len, const char *where);
/* The ranked candidates, after harvesting every text still waiting. Every
 * reader of job->passwords goes through here. */
size_t sk_job_passwords(struct sk_job *job, struct sk_password *const **out);

/* Records a reason (once per code and path) and raises the job's verdict.
 * `verdict` < 0 takes the policy's verdict for the code. Never fails: on
 * out-of-memory it still raises the verdict, so a reason is never lost in a
 * way that could turn into pass. */
void sk_job_reason(struct sk_job *job, const char *code, int verdict,
                   const struct sk_node *node, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Records an entry in `errors` (and nothing else). */
void sk_job_error(struct sk_job *job, const char *code, const struct sk_node *node,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Records a limit hit: its reason, and halts the job for job-wide limits. */
void sk_job_limit(struct sk_job *job, enum sk_limit_kind kind, const struct sk_node *node,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Out of memory: fails closed with error.internal (reported once). */
void sk_job_nomem(struct sk_job *job, const struct sk_node *node);

/* Called whenever a node's type is settled (sniffed in the scan, or set by
 * an unpacker): raises container.disk_image and onenote.embedded_file on
 * the nearest disk-image or OneNote ancestor of what it holds (scan.c). */
void sk_node_typed(struct sk_job *job, struct sk_node *node);

/* True once the deadline has passed (and records limit.time once). */
bool sk_job_expired(struct sk_job *job, const struct sk_node *node);

#endif
