/* A node's outcome for the node cache (cache.h): what scanning a node and
 * everything under it added to the job, kept as a compact blob under a key
 * that names all the node's result depends on, and replayed when the same
 * node comes again.
 *
 * The outcome holds the reasons and YARA matches the subtree raised (their
 * paths relative to the node), the node's own type, filters and info as its
 * unpacker left them, and a summary of the subtree (nodes, depth, bytes
 * unpacked) so that limits and stats count it as a scan would. The key is
 * the SHA-256 of: the node's SHA-256 and size, the engine's generation
 * (rules and policy), the limits, every value a YARA external takes for the
 * node (filename, extension, filetype, filepath, parent_type, depth,
 * in_encrypted), whether its container gave its type, whether it is a
 * format part, and its filters.
 *
 * Only an outcome that follows from those alone is kept: none whose subtree
 * met an error, a limit, the deadline, encryption or a password, read or
 * fed the password candidates or the mail facts, raised a reason outside
 * the subtree or one the job already had; no node under a disk image or a
 * OneNote file (their reasons are raised on the nearest such ancestor); no
 * node of fewer than SK_OUTCOME_MIN_BYTES bytes. A blob is parsed as
 * untrusted input through the bounded reader: one that does not parse is a
 * miss. */
#ifndef SK_OUTCOME_H
#define SK_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "job.h"

#define SK_OUTCOME_MIN_BYTES 4096u     /* smaller nodes cost less than the look-up */
#define SK_OUTCOME_MAX_BLOB (1u << 20) /* larger outcomes are not kept */
#define SK_OUTCOME_MAX_ITEMS 4096u     /* reasons, matches or info entries in one */
#define SK_OUTCOME_MAX_LIST 256u       /* tags or metas of one match */
#define SK_OUTCOME_MAX_KEY (64u << 10) /* a key's material (the path is the most) */

/* Where the job stood when a node that may be stored began its scan. */
struct sk_outcome_mark {
    bool active; /* the node may be stored once its subtree is done */
    uint8_t key[SK_CACHE_KEY_BYTES];
    struct sk_reason *reasons_tail;
    struct sk_match *matches_tail;
    struct sk_error_entry *errors_tail;
    uint64_t extracted_bytes;
    uint32_t context_uses;
    uint32_t reasons_repeated;
};

/* Called once a node is typed and hashed, before YARA sees it. True when
 * its outcome came from the cache and was replayed: the node is done (its
 * bytes are not to be scanned or opened). Otherwise *mark says whether it
 * is to be stored (sk_outcome_store) once its subtree is done. */
bool sk_outcome_lookup(struct sk_job *job, struct sk_node *node, struct sk_outcome_mark *mark);

/* Stores the outcome of node's finished subtree under mark's key, when
 * mark is active and the subtree qualifies (see above). */
void sk_outcome_store(struct sk_job *job, const struct sk_node *node,
                      const struct sk_outcome_mark *mark);

/* Replays a blob onto node as if its subtree had been scanned. 0; SK_ECORRUPT
 * when the blob does not parse (the job is then untouched but for arena
 * memory); SK_ELIMIT when the subtree would take the job past max-nodes or
 * max-total-bytes (the node is then scanned, and the limit met as a scan
 * meets it). */
int sk_outcome_replay(struct sk_job *job, struct sk_node *node, const uint8_t *blob,
                      size_t len);

#endif
