/* Every wire reply of the daemon, in both protocols, is encoded here: the
 * native verdict line, error objects, fail-closed object and stats line;
 * clamd's `<label>: OK`, `<label>: <name> FOUND`, `<label>: <text> ERROR`,
 * busy, MaxBytes, fail-closed and the PONG/VERSION/STATS lines. The clamd
 * IDSESSION prefix ("N: ") and the delimiter are written in one place
 * (sk_reply_clamd_text).
 *
 * Pure: no I/O, no libuv, no server state. Inputs in; a malloc'd reply out
 * (*out, *len: the bytes with the delimiter, NUL-terminated past len, freed
 * by the caller). Each returns 0, or SK_ENOMEM (a caller then writes a
 * fixed line or closes: never OK). The native ones set *out (NULL on
 * SK_ENOMEM). The clamd ones append one framed line to the malloc'd buffer
 * *out of *len bytes (NULL and 0 for a new reply), so a directory scan
 * builds its many lines the same way; a line is added whole or not at all
 * (on SK_ENOMEM *out and *len are left as they were). */
#ifndef SK_DAEMON_REPLY_H
#define SK_DAEMON_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The clamd answer to a request we could not take in time or memory
 * (clamd's "Server busy ERROR" would be read as a scanner failure, which
 * several clients deliver on): a sandbox-level limit, so it is held. */
#define SK_CLAMD_BUSY_NAME "Heuristics.Limits.Exceeded.Busy"
/* The clamd reply name of a stream over max-bytes (a sandbox-level limit). */
#define SK_CLAMD_MAXBYTES_NAME "Heuristics.Limits.Exceeded.MaxBytes"
/* The clamd name of a request that failed closed (our own failure). */
#define SK_CLAMD_INTERNAL_NAME "Heuristics.Sekisho.error.internal"
/* The native line written when even a fail-closed reply could not be built. */
#define SK_REPLY_NATIVE_INTERNAL                                                               \
    "{\"id\":null,\"verdict\":\"sandbox\",\"error\":{\"code\":\"internal\"}}\n"

/* How clamd replies of one command are framed. */
struct sk_clamd_frame {
    unsigned session_seq; /* IDSESSION command number ("N: "); 0 outside a session */
    char delim;           /* '\n' (nCOMMAND) or '\0' (zCOMMAND) */
};

/* The counters both protocols' stats replies show. */
/* One scanner process, for the stats' list. */
struct sk_reply_scanner {
    int32_t pid;
    uint32_t slot;
    bool busy;
    uint64_t generation, requests;
};

struct sk_reply_stats {
    uint64_t requests, bytes, verdicts[3], errors, busy;
    uint64_t in_flight, queue, waiting, held_bytes, queue_bytes;
    uint64_t connections, connections_total, workers, rules_generation;
    unsigned idle_timeout_ms;
    double uptime_s;
    /* The scanner processes: alive now, busy, how many ended and why
     * (by enum sk_scanner_cause, ctl.h), the last one that ended. */
    uint64_t scanners_alive, scanners_busy, scanners_restarts;
    uint64_t scanners_ended[6];
    const char *scanners_last_end;
    const struct sk_reply_scanner *scanner_list;
    size_t n_scanner_list;
    /* PPAP correlation: on, messages held and unlocked so far, held
     * messages tried by follow-ups, correlations lost (store failures), the
     * store's entries, bytes, errors and whether its back end answers. */
    bool correlation, store_up;
    uint64_t held, unlocked, tried, correlation_lost;
    uint64_t store_entries, store_bytes, store_errors;
};

/* ---- native protocol (JSON Lines) ---- */

/* The verdict line: the engine's report JSON and '\n'. */
int sk_reply_native_verdict(const char *report_json, char **out, size_t *len);
/* {"id":ID,"error":{"code":CODE,"message":MESSAGE}}\n (id null when NULL). */
int sk_reply_native_error(const char *id, const char *code, const char *message, char **out,
                          size_t *len);
/* A scan that could not be reported: verdict sandbox, reason
 * error.internal with detail. */
int sk_reply_native_fail_closed(const char *id, const char *detail, char **out, size_t *len);
/* {"id":ID,"stats":{...}}\n */
int sk_reply_native_stats(const char *id, const struct sk_reply_stats *s, char **out,
                          size_t *len);

/* ---- clamd protocol ---- */

/* A framed line of text (PONG, "UNKNOWN COMMAND", ...): the one place that
 * writes the IDSESSION prefix and the delimiter. */
int sk_reply_clamd_text(const struct sk_clamd_frame *f, const char *text, char **out,
                        size_t *len);
/* `<label>: OK` */
int sk_reply_clamd_ok(const struct sk_clamd_frame *f, const char *label, char **out,
                      size_t *len);
/* `<label>: <name> FOUND` */
int sk_reply_clamd_found(const struct sk_clamd_frame *f, const char *label, const char *name,
                         char **out, size_t *len);
/* `<label>: <text> ERROR` */
int sk_reply_clamd_error(const struct sk_clamd_frame *f, const char *label, const char *text,
                         char **out, size_t *len);
/* `<label>: Heuristics.Limits.Exceeded.Busy FOUND` */
int sk_reply_clamd_busy(const struct sk_clamd_frame *f, const char *label, char **out,
                        size_t *len);
/* `<label>: Heuristics.Limits.Exceeded.MaxBytes FOUND` */
int sk_reply_clamd_maxbytes(const struct sk_clamd_frame *f, const char *label, char **out,
                            size_t *len);
/* `<label>: Heuristics.Sekisho.error.internal FOUND` */
int sk_reply_clamd_fail_closed(const struct sk_clamd_frame *f, const char *label, char **out,
                               size_t *len);
/* `Sekisho <version>/<generation>` and, with_commands, the command list. */
int sk_reply_clamd_version(const struct sk_clamd_frame *f, const char *version,
                           uint64_t generation, bool with_commands, char **out, size_t *len);
/* clamd's STATS block, ending in END. */
int sk_reply_clamd_stats(const struct sk_clamd_frame *f, const struct sk_reply_stats *s,
                         char **out, size_t *len);

#endif
