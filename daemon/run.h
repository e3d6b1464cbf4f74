/* The scan of one request, apart from the loop, the pool and the server:
 * map a clamd path or descriptor, scan a directory (dirscan.c) or the
 * bytes (sk_scan), and encode the reply (reply.c). What it needs comes in
 * as arguments, so that it can also run in another process. */
#ifndef SK_DAEMON_RUN_H
#define SK_DAEMON_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "../engine/sekisho.h"
#include "dreq.h"

struct sk_run_options {
    const struct sk_limits *limits; /* the engine's: what is mapped (max-bytes) */
    bool no_hash;
    /* Test hook (SEKISHO_FAULT_REPORT, '|'-separated request labels): the
     * report of a request so labelled fails as if out of memory, so tests
     * reach the fail-closed reply. NULL: off. */
    const char *fault_report;
};

/* Scans req with worker and fills its results: reply, verdict, codes, sha,
 * bytes and error. A mapping made here is gone when it returns. 0, or
 * SK_ENOMEM when not even the fail-closed reply could be built (reply NULL:
 * the caller writes its fixed fail-closed line). */
int sk_dreq_run(struct sk_dreq *req, struct sk_worker *worker, const struct sk_run_options *o);

/* Sets the fail-closed reply (verdict sandbox, error.internal) of a
 * request that could not be scanned or reported. */
void sk_dreq_fail_closed(struct sk_dreq *req, const char *detail);

/* Sets the busy reply of a request that waited past --queue-timeout. */
void sk_dreq_queue_expired(struct sk_dreq *req);

/* dirscan.c */
#define SK_DIRSCAN_MAX_DEPTH 16    /* directory levels below the one named */
#define SK_DIRSCAN_MAX_FILES 10000 /* regular files in one directory scan */
/* clamd SCAN family on a directory: scans every regular file under the
 * directory open at fd (taken and closed), sets req->reply (clamd's lines),
 * verdict, codes and error, and logs one line per file. 0, or SK_ENOMEM when
 * the reply could not be built (the caller fails closed). */
int sk_dirscan(struct sk_dreq *req, struct sk_worker *worker, const struct sk_run_options *o,
               int fd);
/* A request's failure for the log and counters (`error:<code>`), and for
 * the clamd ERROR reply, from an errno. */
const char *sk_dreq_error_code(int err);
const char *sk_dreq_error_text(int err);

/* clamd_name.c */
/* The clamd-style name for a verdict object (DESIGN.md, "clamd-compatible
 * protocol"): Sekisho.<Rule>, Heuristics.Encrypted.Zip, ... Writes into out
 * (always NUL-terminated); a report that cannot be read fails closed as
 * Heuristics.Sekisho.error.internal. */
void sk_clamd_name(const struct sk_job *job, char *out, size_t len);

#endif
