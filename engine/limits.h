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

/* Loading the rules (engine/yara_scan.c), before any request: dynbufs
 * capped so that a stray directory or a runaway compile is an error, not
 * an unbounded allocation. The daemon refuses a bundle over SK_MAX_BUNDLE
 * (daemon/supervisor.h, the same 1 GiB). */
#define SK_CAP_RULE_FILES 65536u              /* rule files in one directory */
#define SK_CAP_COMPILED_RULES (1ull << 30)   /* bytes of the compiled rules */

/* Names from the input are truncated to this many bytes before use. */
#define SK_MAX_NAME_BYTES 512u

/* Fixed scratch bounds not charged to the byte limits.
 *
 * max-total-bytes and max-node-bytes count the bytes of children
 * (sk_unpack_append). An unpacker's own working memory is not counted
 * there; where it grows with the input it is bounded by a constant of its
 * file instead, listed here so that the worst case of one open container
 * can be read in one place (sizes on a 64-bit build). All but the OLE2
 * stack come from sk_unpack_alloc or a dynbuf of the job's
 * (engine/unpack.h), which the fail-closed audit can fail; ole2.c still
 * allocates with g_try_new.
 *
 * - PDF's object index (unpackers/pdf.c): PDF_MAX_OBJECTS (500,000)
 *   entries of struct pdf_object (40 bytes), a dynbuf capped at exactly
 *   that count (about 20 MB; one more object is error.unsupported, "the
 *   rest not read"); the index sorted by number, as many 16-byte
 *   struct pdf_ref (8 MB); the object streams' sk_buf list and the file
 *   specifications (two refs an object) have caps of the same order that
 *   their structure cannot reach.
 * - The OLE2 tree check's stack (unpackers/ole2.c, check_tree):
 *   3 x (OLE2_MAX_ENTRIES + 1) = 30,003 uint32_t directory ids (120 KB),
 *   allocated whole per compound file (its visited bitmap grows with the
 *   directory, which the file's size bounds).
 * - OneNote (unpackers/onenote.c): ONE_MAX_ENTRIES (16,384) entries of
 *   each of three kinds, ONE_MAX_LISTS (1,024) list references.
 * - A message's children planned before the first is handed back
 *   (unpackers/mime.c): at most SK_CAP_NODES + 1 plans (32 bytes each).
 * - An LNK's text fields (unpackers/lnk.c): LNK_TEXT_MAX (1 MiB) each.
 * - A disk image's file list and directory work list (unpackers/fat.c,
 *   unpackers/udf.c): max_nodes + 1 entries each (16 bytes), which
 *   the walk's own count of max_nodes keeps out of reach; one UDF
 *   directory's bytes, UDF_MAX_DIR_BYTES (16 MiB).
 * - A TNEF stream's items (unpackers/tnef.c): TNEF_MAX_ITEMS (4,096).
 * - A BIFF workbook (unpackers/biff.c): BIFF_MAX_NAMES (65,536) names,
 *   BIFF_MAX_XTI SupBook flags, BIFF_MAX_SST_TEXT (8 MiB) of shared
 *   strings; one XLM line at most 1 MiB (unpackers/xlm_render.h's buffer
 *   has its cap set by each caller).
 * - VBA source (unpackers/ovba.c): the decompressor's max, which ole2.c
 *   derives from the node limits (from libc until ole2.c passes its
 *   allocator to sk_ovba_decompress_alloc).
 * - Password harvesting (engine/passwords.c): a line's buffers, bounded
 *   by LINE_MAX_BYTES (64 KiB of text) to under 4 MiB. */

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
/* A message's facts kept for the daemon's PPAP correlation (sekisho.h,
 * sk_job_mail_facts): fixed bounds, charged to no byte limit. */
#define SK_MAIL_MAX_ADDRESSES 64u  /* To and Cc together */
#define SK_MAIL_MAX_REFERENCES 32u
#define SK_MAIL_MAX_FIELD 998u     /* RFC 5322 2.1.1: a line's bound */
#define SK_MAIL_MAX_CANDIDATES 32u
/* Mail text held in the job's arena until its candidates are needed
 * (engine/candidates.c, sk_job_harvest_later); past it, text is harvested
 * at once. */
#define SK_PENDING_HARVEST_BYTES (1u << 20)

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
