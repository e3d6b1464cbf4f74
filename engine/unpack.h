/* What an unpacker may call: the engine's side of the unpacker contract.
 *
 * An unpacker never recurses and never decides a limit. It hands each child
 * back through `next`, and it fills child bytes only through
 * sk_unpack_append(), which enforces the node, total, ratio and time limits
 * in one place. When that returns SK_ELIMIT the unpacker stops filling, hands
 * back what it has (marked truncated) and the engine decides what goes on.
 *
 * Allocation policy (STYLE.md, "Errors and ownership"; ARCHITECTURE.md,
 * "Failing closed"): an unpacker allocates its own memory through
 * sk_unpack_alloc and its siblings, and grows strings and arrays in a
 * dynbuf from sk_unpack_dynbuf_init, never with GLib's aborting
 * g_new/g_malloc/g_strdup. That memory is libc heap the unpacker frees in
 * `close` (the arena keeps engine objects for the whole request; unpacker
 * scratch is released with its container). */
#ifndef SK_UNPACK_H
#define SK_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dynbuf.h"
#include "limits.h"
#include "node.h"

/* One open container on the engine's work stack. */
struct sk_unpack {
    struct sk_job *job;
    struct sk_node *node; /* the container being unpacked */
    uint64_t produced;    /* bytes of children so far (for the ratio limit) */
    bool stop;            /* a limit ended this container: no more children */
    bool failed;          /* sk_unpack_fail was called: the failure is reported */
    struct sk_alloc alloc; /* sk_unpack_dynbuf_init's allocator (this container's) */
};

/* A child handed back by `next`. The unpacker sets the fields; the engine
 * takes `data` (owned or a view into the container's bytes) and copies the
 * name, so both may point into the unpacker's state. */
struct sk_child {
    const char *name;
    size_t name_len;
    struct sk_buf data;
    uint64_t declared_size;             /* what the container claims, for unopened members */
    bool encrypted;                     /* stored encrypted */
    const struct sk_password *password; /* the candidate that opened it */
    bool truncated;                     /* a limit cut it short */
    const char *unopened_why;           /* encrypted and not opened: why (static text) */
    const struct sk_password *verified; /* encrypted and not opened, but this candidate is
                                         * proven right (a check value, a checksum that
                                         * verified): reported so that a sandbox can open
                                         * it. Set with password NULL; see
                                         * sk_child_verified_unopened */
    bool format_part;                   /* a structural part of its container's own format
                                         * (an OLE2 stream): unknown bytes are expected */
    enum sk_type type;                  /* SK_TYPE_DATA: sniff the bytes; else what the
                                         * unpacker knows it made (vba, xlm, biff, ...) */
};

/* Hands the child back encrypted and unopened although `password` is
 * proven to be its password (it could not be decrypted or unpacked here):
 * its bytes are dropped, the node says encrypted.unopened with `why`, and
 * the report shows the password as verified, for the sandbox. */
void sk_child_verified_unopened(struct sk_child *child, const struct sk_password *password,
                                const char *why);

/* Appends n bytes to a child's buffer, checking every limit first: 0, or
 * SK_ELIMIT (the limit is recorded) or SK_ENOMEM. `size_hint` in
 * sk_unpack_reserve is a claim from the input: it is only a hint, clamped to
 * the limits before anything is allocated. */
int sk_unpack_append(struct sk_unpack *u, struct sk_buf *buf, const void *p, size_t n);

/* Counts n bytes that an unpacker wrote in place past buf->len, into room
 * sk_unpack_reserve made (a decoder writing straight into the child's
 * buffer), against the same limits as sk_unpack_append: 0, SK_ELIMIT
 * (recorded; buf->len unchanged) or SK_EINTERNAL when there is no such
 * room. */
int sk_unpack_commit(struct sk_unpack *u, struct sk_buf *buf, size_t n);
int sk_unpack_reserve(struct sk_unpack *u, struct sk_buf *buf, uint64_t size_hint);

/* The unpackers' one allocation entry point, for everything an unpacker
 * allocates itself (its state, scratch arrays, strings). Each call is one
 * allocation point of the job: the fail-closed audit can fail it on demand
 * (sk_worker_inject_alloc_failure numbers these together with the arena's),
 * and a failure, injected or real, records error.internal on the container
 * at once, so an unpacker that absorbs it cannot turn it into pass. Returns
 * NULL then (a failed realloc leaves p as it was). The memory is libc heap:
 * release it with free(). sk_unpack_calloc zeroes and checks n * size. */
void *sk_unpack_alloc(struct sk_unpack *u, size_t size);
void *sk_unpack_calloc(struct sk_unpack *u, size_t n, size_t size);
void *sk_unpack_realloc(struct sk_unpack *u, void *p, size_t size);
/* A NUL-terminated copy of s[0..n) from the same entry point; NULL on failure. */
char *sk_unpack_strndup(struct sk_unpack *u, const char *s, size_t n);

/* A dynbuf capped at toobig whose memory comes from sk_unpack_realloc. It
 * may live as long as the container is open (u stays put until close). */
void sk_unpack_dynbuf_init(struct sk_unpack *u, struct sk_dynbuf *b, size_t toobig);

/* The same allocation entry point as an allocator, for a pure module that
 * takes one (ovba.h, xlm_render.h); valid while the container is open. */
const struct sk_alloc *sk_unpack_allocator(struct sk_unpack *u);

/* For an unpacker that reports on its node and hands back no child (pgp.c,
 * weblink.c): a `next` that says SK_DONE at once, a `close` with nothing to
 * release. */
int sk_unpack_next_none(struct sk_unpack *u, void *state, struct sk_child *child);
void sk_unpack_close_none(void *state);

/* Makes buf a view of n bytes that outlive the child (inside the container's
 * own bytes): no copy, but the same limits as sk_unpack_append. */
int sk_unpack_view(struct sk_unpack *u, struct sk_buf *buf, const void *p, size_t n);

/* The type the engine would give bytes p[0..n) as a node: the sniffer's,
 * or what a bid of the engine's unpackers shows (for an unpacker that
 * judges decoded bytes before handing them back; html.c's payloads). */
enum sk_type sk_unpack_sniff(const struct sk_unpack *u, const uint8_t *p, size_t n);

/* Changes the container's type once its unpacker knows better than the
 * sniffer (a tar inside xz: sniffed "xz", unpacked as "tar" with filters). */
void sk_unpack_set_type(struct sk_unpack *u, enum sk_type type);

/* Records that the container could not be read whole: an entry in `errors`
 * ("<unpacker>.<kind>") and the reason that fails closed (error.corrupt,
 * error.unsupported, encrypted.unopened or error.internal, chosen from err).
 * An unpacker that reports a failure itself, with the library's own words,
 * may then return any negative code: the engine adds no second report. */
void sk_unpack_fail(struct sk_unpack *u, const char *unpacker, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records a structural reason (e.g. "encrypted.unopened") on the container. */
void sk_unpack_reason(struct sk_unpack *u, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a fact about the container under its "info" in the JSON tree
 * (a PE's machine, an LNK's target). The value is formatted, cut at 512
 * bytes and made valid UTF-8 by the report; a key recorded twice keeps the
 * last value. Out of memory drops the fact, never the scan. */
void sk_unpack_info(struct sk_unpack *u, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The request's deadline (CLOCK_MONOTONIC nanoseconds), for libraries that
 * take one. */
uint64_t sk_unpack_deadline(const struct sk_unpack *u);

/* The limits in force for this request. */
const struct sk_limits *sk_unpack_limits(const struct sk_unpack *u);

/* True once the request's deadline has passed. */
bool sk_unpack_expired(struct sk_unpack *u);

/* The password candidates, in rank order. The first call (from any node)
 * harvests the texts given to sk_unpack_harvest so far. */
size_t sk_unpack_passwords(const struct sk_unpack *u, const struct sk_password *const **out);

/* Harvests password candidates from UTF-8 text of a message ("subject" or
 * "body") into the job's ranked list. Call before handing back children
 * that may be encrypted. The engine keeps a copy and harvests it only when
 * the candidates are first read (sk_unpack_passwords), so the text need not
 * outlive the call. */
void sk_unpack_harvest(struct sk_unpack *u, const char *text, size_t len, const char *where);

/* One header field of the request's own message (the root; a message
 * below it is not the one the mail gateway delivers): the engine keeps it,
 * bounded, for sk_job_mail_facts. value is UTF-8, len bytes; an address is
 * one mailbox's address alone. Ignored for any other node. */
enum sk_mail_field {
    SK_MAIL_FROM,
    SK_MAIL_RCPT, /* once per To or Cc address */
    SK_MAIL_MESSAGE_ID,
    SK_MAIL_IN_REPLY_TO,
    SK_MAIL_REFERENCE, /* once per message id of References */
    SK_MAIL_SUBJECT
};
void sk_unpack_mail_field(struct sk_unpack *u, enum sk_mail_field field, const char *value,
                          size_t len);

/* Describes the container: its compression filters ("xz", "gzip,uu"). */
void sk_unpack_set_filters(struct sk_unpack *u, const char *filters);

/* Marks the container as holding encrypted members, and what opened them. */
void sk_unpack_mark_encrypted(struct sk_unpack *u, const struct sk_password *password);

#endif
