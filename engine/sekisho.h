/* The engine's public interface: what the CLI and the daemon call.
 *
 * An engine holds what is shared and read-only while scans run: the compiled
 * rules, the verdict policy and the default limits. A worker holds what one
 * thread needs (its YARA scanner). A job is one request: sk_scan() runs it to
 * the end and hands back the finished job, from which the verdict and the
 * JSON report are read. Nothing here does I/O on attachment bytes. */
#ifndef SK_SEKISHO_H
#define SK_SEKISHO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "policy.h"

#define SK_VERSION "0.1.0"

struct sk_engine;
struct sk_worker;
struct sk_job;
struct sk_node;
struct sk_unpacker;

struct sk_engine_config {
    const char *const *rule_paths; /* .yar files or directories of them */
    size_t n_rule_paths;
    const char *policy_path;         /* NULL: the defaults of DESIGN.md */
    const char *password_rules_path; /* operators' PCRE2 password rules, or NULL */
    struct sk_limits limits;         /* defaults for requests that set none */
    /* The unpackers the engine opens containers with, NULL-terminated
     * (engine/unpacker.h); the main program passes unpackers/registry.h's
     * sk_unpackers. NULL: none, every node is a leaf. Not copied: the table
     * must outlive the engine. Not part of a bundle. */
    const struct sk_unpacker *const *unpackers;
};

/* Compiles the rules and loads the policy. On failure returns a negative
 * SK_E* code and writes a message to err. Free with sk_engine_free(). */
int sk_engine_new(const struct sk_engine_config *config, struct sk_engine **out, char *err,
                  size_t errlen);
void sk_engine_free(struct sk_engine *engine);

/* An engine bundle: what sk_engine_new reads from the operator's files, in
 * one buffer, so that a process that may not read those files (the daemon
 * after its privilege drop) can still build the engine. It holds the YARA
 * rules compiled and serialised by libyara and the bytes of the policy and
 * password-rules files, each checked by parsing before it goes in.
 *
 * sk_engine_bundle_build compiles and reads as sk_engine_new does (same
 * messages in err); the limits of config are not part of the bundle. 0 and
 * *out (malloc'd, the caller frees it), or a negative SK_E* code. */
int sk_engine_bundle_build(const struct sk_engine_config *config, uint8_t **out,
                           size_t *out_len, char *err, size_t errlen);
/* Builds an engine from a bundle made by the same build of Sekisho, with
 * limits as its default limits and unpackers as its unpackers (as
 * sk_engine_config.unpackers); loading the compiled rules is much faster
 * than compiling them. The bundle must come from a trusted builder (the
 * framing is checked, libyara's own format only as far as libyara does);
 * it is not kept. 0, or a negative SK_E* code with a message in err. */
int sk_engine_from_bundle(const uint8_t *bundle, size_t len, const struct sk_limits *limits,
                          const struct sk_unpacker *const *unpackers, struct sk_engine **out,
                          char *err, size_t errlen);
const struct sk_limits *sk_engine_limits(const struct sk_engine *engine);
/* Turns on the node cache (engine/outcome.h) with a budget of bytes, shared
 * by the engine's workers; 0 turns it off. Call before any scan. 0, or
 * SK_ENOMEM. */
int sk_engine_set_cache(struct sk_engine *engine, uint64_t bytes);

/* Number of compiled rules (for start-up logs and stats). */
unsigned sk_engine_rule_count(const struct sk_engine *engine);

/* One per thread that scans. */
int sk_worker_new(const struct sk_engine *engine, struct sk_worker **out);
void sk_worker_free(struct sk_worker *worker);

/* Called for every node after it is sniffed and hashed, with its bytes, on
 * the scanning thread (for --extract). It may set *saved_as to a name (the
 * engine copies it into the report). Its return value is ignored: extraction
 * is a side product and never changes a verdict. */
typedef void (*sk_node_sink)(void *ctx, const struct sk_node *node, const uint8_t *p, size_t n,
                             char *saved_as, size_t saved_len);

struct sk_request {
    const char *id;   /* request id, or the input path in `scan` */
    const char *name; /* the root node's name (file name); may be NULL */
    const uint8_t *data;
    size_t size;
    const char *const *passwords; /* given with the request, in rank order */
    size_t n_passwords;
    const char *body; /* mail text to harvest passwords from (a bare attachment's) */
    size_t body_len;
    const char *password_source; /* the passwords' source in the report; NULL: "request" */
    const struct sk_limits *limits; /* NULL: the engine's */
    bool no_hash;
    sk_node_sink sink;
    void *sink_ctx;
};

/* Scans one request to the end. Returns 0 and the finished job in *out, or
 * SK_ENOMEM when not even the job could be made (the caller must then fail
 * closed itself). Every other failure is inside the job as a reason. */
int sk_scan(struct sk_worker *worker, const struct sk_request *request, struct sk_job **out);

enum sk_verdict sk_job_verdict(const struct sk_job *job);
/* The verdict object of DESIGN.md as one line of JSON (no newline), malloc'd:
 * the caller frees it. NULL when out of memory. */
char *sk_job_json(const struct sk_job *job);
uint64_t sk_job_bytes(const struct sk_job *job); /* input bytes */
bool sk_job_has_error(const struct sk_job *job); /* an error kept it from being scanned whole */
/* An allocation failed during the job (its reasons say error.internal): a
 * daemon's scanner process leaves after answering, for a fresh heap. */
bool sk_job_out_of_memory(const struct sk_job *job);
/* The SHA-256 of the input (the root node) in hex, cut to len - 1
 * characters, into out; "-" when hashing was off or there were no bytes. */
void sk_job_sha256_prefix(const struct sk_job *job, char *out, size_t len);
void sk_job_free(struct sk_job *job);
/* What decided a job's verdict, for one-line names (clamd replies): the
 * first reason whose verdict is the job's. `rule` is the YARA rule when a
 * rule decided (else NULL); `node_type` is the type of the node the reason
 * concerns or, when that node could not be opened (an encrypted member), of
 * its container. Strings live as long as the job. False when no reason
 * carries the job's verdict (a pass). */
struct sk_decision {
    const char *code;
    const char *rule;
    const char *node_type;
};
bool sk_job_decision(const struct sk_job *job, struct sk_decision *out);

/* The job's distinct reason codes, comma-separated, into buf (for one-line
 * summaries and logs). */
void sk_job_reason_codes(const struct sk_job *job, char *buf, size_t len);

/* What a message says about itself, and the passwords it carries: what the
 * daemon needs to give a password that arrives in a later mail to a
 * container an earlier one left closed (PPAP, ARCHITECTURE.md). The header
 * fields are the root message's (a request that is not a message has none:
 * from is NULL), decoded, addresses lowercased; every list and string is
 * bounded (SK_MAIL_MAX_* in limits.h: what is past a bound is left out). Strings live as
 * long as the job. */
struct sk_mail_facts {
    const char *from;
    const char *const *rcpts; /* To, then Cc */
    size_t n_rcpts;
    const char *message_id; /* as the header gives it, angle brackets dropped */
    const char *in_reply_to;
    const char *const *references;
    size_t n_references;
    const char *subject;
    const char *candidates[SK_MAIL_MAX_CANDIDATES]; /* the request's and the
                                                     * mail's own (no built-in
                                                     * ones), in rank order */
    size_t n_candidates;
    bool held; /* a container stayed encrypted and unopened */
};
void sk_job_mail_facts(const struct sk_job *job, struct sk_mail_facts *out);

/* Test hook: fail the job's n-th arena allocation (see sk_arena_fail_after). */
void sk_worker_inject_alloc_failure(struct sk_worker *worker, long n);

#endif
