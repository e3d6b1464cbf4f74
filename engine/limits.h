/* Every cap Sekisho enforces, in one place (DESIGN.md, "Limits").
 *
 * The defaults are the contract's; every one is configurable per engine and
 * per request. The SK_CAP_* values bound the configuration itself, so that a
 * mistyped option cannot turn a bounded loop into an unbounded one. */
#ifndef SK_LIMITS_H
#define SK_LIMITS_H

#include <stdint.h>

#define SK_DEFAULT_MAX_REQUEST_BYTES (64ull << 20) /* message/request size */
#define SK_DEFAULT_MAX_DEPTH 12u                   /* nesting depth */
#define SK_DEFAULT_MAX_NODES 10000u                /* nodes per request */
#define SK_DEFAULT_MAX_TOTAL_BYTES (256ull << 20)  /* bytes extracted per request */
#define SK_DEFAULT_MAX_NODE_BYTES (64ull << 20)    /* bytes of one node */
#define SK_DEFAULT_MAX_RATIO 250u                  /* expansion ratio of one node */
#define SK_DEFAULT_RATIO_FLOOR (1ull << 20)        /* ratio applies above this */
#define SK_DEFAULT_TIMEOUT_MS 10000u               /* time per request */
#define SK_DEFAULT_MAX_PASSWORDS 256u              /* password candidates */

/* Hard bounds on the configuration. */
#define SK_CAP_DEPTH 64u /* frames on the engine's work stack */
#define SK_CAP_NODES 1000000u
#define SK_CAP_PASSWORDS 4096u
#define SK_CAP_PASSWORD_BYTES 256u /* one candidate; longer ones are dropped */

/* Names from the input are truncated to this many bytes before use. */
#define SK_MAX_NAME_BYTES 512u

struct sk_limits {
    uint64_t max_request_bytes;
    uint64_t max_total_bytes;
    uint64_t max_node_bytes;
    uint64_t ratio_floor;
    uint32_t max_depth;
    uint32_t max_nodes;
    uint32_t max_ratio;
    uint32_t timeout_ms;
    uint32_t max_passwords;
};

/* Which limit stopped something; also indexes the limit.* reason codes. */
enum sk_limit_kind {
    SK_LIMIT_SIZE,
    SK_LIMIT_DEPTH,
    SK_LIMIT_NODES,
    SK_LIMIT_BYTES,
    SK_LIMIT_NODE_BYTES,
    SK_LIMIT_RATIO,
    SK_LIMIT_TIME,
    SK_LIMIT_PASSWORDS,
};

void sk_limits_default(struct sk_limits *limits);

/* Clamps every field into its sane range (non-zero, under its SK_CAP_*). */
void sk_limits_clamp(struct sk_limits *limits);

/* The reason code of a limit, e.g. "limit.depth". */
const char *sk_limit_code(enum sk_limit_kind kind);

#endif
