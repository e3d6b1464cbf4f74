/* Passwords that arrive in a separate mail (PPAP; ARCHITECTURE.md, "PPAP
 * correlation"), in the front, after a native request was scanned:
 *
 *  - a message whose encrypted container stayed closed is remembered in the
 *    store (store.h) and its verdict object gains "held": its token and
 *    when the store forgets it;
 *  - a message that carries password candidates has them tried on what the
 *    same sender left closed for an overlapping set of recipients or the
 *    same thread: each held message is scanned again by a scanner with the
 *    candidates as its request passwords (source "follow-up"), and when
 *    that opens a container, the held message's new verdict is stored and
 *    the follow-up's verdict object gains "unlocked";
 *  - the native `verdict` request reads a held message's current verdict by
 *    its token alone.
 *
 * Over the clamd protocol nothing of this happens: its replies cannot carry
 * a token. Runs on the front's pool threads (never the loop thread: Redis
 * may block); the store is thread-safe. */
#ifndef SK_DAEMON_CORRELATE_H
#define SK_DAEMON_CORRELATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dreq.h"
#include "store.h"

#define SK_CORRELATE_MAX_TRIES 4u /* held messages tried per follow-up */

/* Runs one request on a scanner until deadline_ns (the server's: a pool
 * scanner, as scan_work does). 0 when the scanner answered (req->reply,
 * req->facts set), else nonzero (nothing was learnt). */
typedef int (*sk_rescan_fn)(void *ctx, struct sk_dreq *req, uint64_t deadline_ns);

struct sk_correlator {
    struct sk_store *store; /* NULL: correlation is off */
    uint64_t budget_ns;     /* a follow-up's time for trying held messages */
    uint64_t scan_ns;       /* one re-scan's deadline (the scan timeout and its grace) */
    sk_rescan_fn rescan;
    void *rescan_ctx;
    /* Counters for the stats (any thread). */
    _Atomic uint64_t held, unlocked, tried, lost;
};

/* After req was scanned: remembers it or tries its candidates, and
 * rewrites req->reply when its verdict object gains "held" or
 * "unlocked". A failure here never changes a verdict: it is logged and
 * counted (lost), and the reply stays as the scan made it. */
void sk_correlate(struct sk_correlator *c, struct sk_dreq *req);

/* The answer to {"type":"verdict","token":T} for request id (may be NULL):
 * the held message's current verdict object (with id set to the held
 * request's), or an error reply: unknown_token (unknown, malformed or
 * expired: the same answer, so that a guess learns nothing), unavailable
 * (the store failed, or correlation is off). 0, or SK_ENOMEM. */
int sk_correlate_verdict(struct sk_correlator *c, const char *id, const char *token, char **reply,
                         size_t *len);

#endif
