/* The correlation memory for passwords sent in a separate mail (PPAP,
 * issue 17; ARCHITECTURE.md, "The store").
 *
 * A message whose encrypted container stayed unopened is put here; a later
 * message from the same sender to an overlapping set of recipients, or in
 * the same thread, finds it and tries its password candidates on it. Only
 * the 128-bit random token reads one back by itself (the native `verdict`
 * request): never a Message-ID, a subject or a client id alone.
 *
 * Two back ends behind one handle: in-process (the default; one `serve`
 * front) and Redis (several instances behind a load balancer share it).
 * Every call is thread-safe: the front's pool threads call at once.
 *
 * The process must ignore SIGPIPE (serve does): the Redis client writes
 * to its socket with write(2).
 *
 * Every call takes `now` (unix seconds) from the caller: one clock for the
 * request, and the tests drive expiry without waiting. */
#ifndef SK_STORE_H
#define SK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sk_store;
struct sk_store_blob; /* refcounted immutable bytes (store.c) */

/* A message whose encrypted container stayed unopened, remembered so that a
 * password arriving in a later mail can open it. In sk_store_put the caller
 * owns every field (read, not kept); what find and get hand out is owned by
 * the caller and freed with sk_held_free. */
struct sk_held_msg {
    char token[33];   /* 128 random bits as hex: the only key that reads it back */
    char *request_id; /* the first request's id ("" when none) */
    char *message_id; /* its Message-ID ("" when none) */
    char *from;       /* sender address, lowercased */
    char **rcpts;     /* To and Cc addresses, lowercased */
    size_t n_rcpts;
    char *subject;
    char *name;           /* the request's filename ("" when none) */
    uint64_t created;     /* unix seconds */
    uint64_t expires;     /* unix seconds: gone from then on */
    const uint8_t *bytes; /* the message as it arrived */
    size_t len;
    char *verdict;              /* its current verdict object, JSON */
    bool unlocked;              /* a follow-up has opened it */
    struct sk_store_blob *blob; /* the store's: holds bytes (NULL in put's input) */
};

/* 0 in a field means its default. */
struct sk_store_limits {
    uint64_t window_s;        /* how long a message is held: 3600 */
    uint64_t max_entries;     /* held at once: 10000 */
    uint64_t max_bytes;       /* all held messages' bytes: 256 MiB */
    uint64_t max_entry_bytes; /* one message (the daemon's max-bytes): 256 MiB */
};

#define SK_STORE_WINDOW_S 3600u
#define SK_STORE_MAX_ENTRIES 10000u
#define SK_STORE_MAX_BYTES (256u << 20)
/* Header values kept per message: longer strings are cut (subject, name,
 * ids), longer addresses are not remembered (a cut address could equal
 * another); recipients past the count are not remembered. */
#define SK_STORE_MAX_FIELD 4096u
#define SK_STORE_MAX_ADDRESS 998u
#define SK_STORE_MAX_RCPTS 256u
/* Of a follow-up, at most this many recipients and references are looked at. */
#define SK_STORE_MAX_LINKS 256u
/* A verdict object (reasons and tree) kept per message. */
#define SK_STORE_MAX_VERDICT (4u << 20)

/* A later message, as the matching sees it (borrowed). */
struct sk_follow_up {
    const char *from;
    const char *const *rcpts;
    size_t n_rcpts;
    const char *in_reply_to;
    const char *const *references;
    size_t n_references;
};

struct sk_store_stats {
    uint64_t entries, bytes; /* held now (Redis: this instance's view, see store_redis.c) */
    uint64_t puts;           /* remembered */
    uint64_t refused;        /* over a bound: not remembered */
    uint64_t evicted;        /* the oldest, dropped for a new one (in-process) */
    uint64_t expired;        /* dropped at the end of the window (in-process) */
    uint64_t found;          /* handed out by find */
    uint64_t errors;         /* the back end failed (Redis down): correlation lost */
    bool backend_up;
};

/* Returns of the calls below besides 0 and the SK_E* codes. */
#define SK_STORE_UNKNOWN 2 /* get/set_verdict: no such token, or expired */

/* Opens a store. spec NULL or "memory": in-process. "redis://HOST:PORT[/DB]",
 * "unix:/PATH" or "/PATH" (a Redis Unix socket), each optionally followed by
 * "?db=N&user=NAME&password-file=PATH". A password comes from that file
 * (its first line), else from the environment variable
 * SEKISHO_REDIS_PASSWORD, else none; never from the spec itself (a command
 * line is visible to every user). HOST is resolved here, once: the sandbox
 * of the front allows no name lookup. A Redis that does not answer now is
 * not an error (it is tried again on later calls). 0, or -1 with a message
 * in err. */
int sk_store_open(const char *spec, const struct sk_store_limits *limits, struct sk_store **out,
                  char *err, size_t errlen);
void sk_store_close(struct sk_store *store);

/* Remembers msg (copied: the copy of its bytes is made outside any lock)
 * and fills msg->token, created and expires. 0; SK_ELIMIT when it is over
 * max_entry_bytes (or, in Redis, the global bounds): refused and counted;
 * SK_EIO when the back end failed; SK_ENOMEM. */
int sk_store_put(struct sk_store *store, struct sk_held_msg *msg, uint64_t now);

/* The held messages, still locked and not expired, that f follows up
 * (same sender, and overlapping recipients or a reference to their
 * Message-ID), newest first, at most max. out[0..*n) are the caller's,
 * each freed with sk_held_free. 0 (also when none); SK_EIO with *n == 0
 * when the back end failed. */
int sk_store_find(struct sk_store *store, const struct sk_follow_up *f, uint64_t now,
                  struct sk_held_msg **out, size_t max, size_t *n);

/* The held message of token. 0 and *out (the caller's); SK_STORE_UNKNOWN
 * for an unknown, malformed or expired token; SK_EIO, SK_ENOMEM. */
int sk_store_get(struct sk_store *store, const char *token, uint64_t now,
                 struct sk_held_msg **out);

/* Replaces the verdict of token's message. 0; SK_STORE_UNKNOWN; SK_ELIMIT
 * for a verdict over SK_STORE_MAX_VERDICT; SK_EIO; SK_ENOMEM. */
int sk_store_set_verdict(struct sk_store *store, const char *token, const char *verdict_json,
                         bool unlocked, uint64_t now);

void sk_held_free(struct sk_held_msg *msg);
void sk_store_stats(struct sk_store *store, struct sk_store_stats *out);

/* ---- between store.c and store_redis.c only; not for callers ---- */

struct sk_redis_store;

/* The message as the store keeps it: addresses lowercased, fields cut to
 * the caps, verdict and bytes copied. NULL when out of memory; *refused
 * set when its sender cannot be remembered. */
struct sk_held_msg *sk_store_canonical(const struct sk_held_msg *msg, bool *refused);
/* An empty message (every string "") to fill, freed with sk_held_free. */
struct sk_held_msg *sk_held_new(void);
/* Whether f follows up h (sender, then recipients or thread; not expiry). */
bool sk_store_follows(const struct sk_held_msg *h, const struct sk_follow_up *f);
/* Whether t is a token as sk_store_put makes them (32 lowercase hex). */
bool sk_store_token_valid(const char *t);
/* Fills out with a new random token. 0 or SK_EIO. */
int sk_store_new_token(char out[33]);
/* What a held message costs against max_bytes. */
uint64_t sk_store_cost(const struct sk_held_msg *msg);
/* Refcounted immutable bytes: a copy of len bytes (and a NUL after them). */
struct sk_store_blob *sk_store_blob_new(const void *data, size_t len);
const uint8_t *sk_store_blob_data(const struct sk_store_blob *blob);
void sk_store_blob_unref(struct sk_store_blob *blob);

int sk_redis_open(const char *spec, const struct sk_store_limits *limits,
                  struct sk_redis_store **out, char *err, size_t errlen);
void sk_redis_close(struct sk_redis_store *r);
int sk_redis_put(struct sk_redis_store *r, struct sk_held_msg *msg, uint64_t now);
int sk_redis_find(struct sk_redis_store *r, const struct sk_follow_up *f, uint64_t now,
                  struct sk_held_msg **out, size_t max, size_t *n);
int sk_redis_get(struct sk_redis_store *r, const char *token, uint64_t now,
                 struct sk_held_msg **out);
int sk_redis_set_verdict(struct sk_redis_store *r, const char *token, const char *verdict_json,
                         bool unlocked, uint64_t now);
void sk_redis_stats(struct sk_redis_store *r, struct sk_store_stats *out);

#endif
