/* A scanner process (ARCHITECTURE.md, "Processes"): one engine, one request
 * at a time, as the serving user under the seccomp filter and a memory cap.
 * A crash, the cap or the watchdog costs the request it holds and nothing
 * else: the front answers that one fail-closed and the parent starts a new
 * scanner.
 *
 * What crosses its socket (a stream pair; both ends are this build):
 *   to the parent, once: struct sk_scanner_ready;
 *   from the front, per request: struct sk_scan_head, a descriptor riding on
 *     it when has_fd (the request's bytes in a memfd, or a clamd FILDES
 *     file), then the strings the head counts (each NUL-terminated);
 *   to the front: struct sk_scan_tail, then reply_len bytes of the reply,
 *     then facts_len bytes of the message's facts (JSON, mailfacts.h). */
#ifndef SK_SCANNER_H
#define SK_SCANNER_H

#include <stdint.h>

#define SK_SCANNER_READY_MAGIC 0x59445253u /* "SRDY" */
#define SK_SCAN_HEAD_MAGIC 0x51435353u     /* "SSCQ" */
#define SK_SCAN_TAIL_MAGIC 0x52435353u     /* "SSCR" */

#define SK_SCAN_MAX_STRINGS (1u << 20)   /* all the strings of one request */
#define SK_SCAN_MAX_REPLY (1ull << 30)   /* one reply (a JSON report, dirscan lines) */
#define SK_SCAN_MAX_FACTS (1u << 18)     /* a message's facts (mailfacts.h bounds them) */
#define SK_SCANNER_GRACE_MS 3000u        /* past the request's deadline: the watchdog */
#define SK_SCANNER_MEMORY_DEFAULT (4ull << 30) /* RLIMIT_AS, unless the limits need more */

struct sk_scanner_ready {
    uint32_t magic;
    uint32_t rules;
    uint64_t generation;
    uint64_t load_ns;
    uint64_t memory_cap; /* RLIMIT_AS in force, 0: none */
};

struct sk_scan_head {
    uint32_t magic;
    uint32_t kind; /* enum sk_dreq_kind */
    uint32_t session_seq;
    uint32_t delim;
    uint32_t n_passwords;
    uint32_t id_len; /* string lengths without their NUL; 0 with absent (NULL) */
    uint32_t filename_len;
    uint32_t path_len;
    uint32_t passwords_len; /* all passwords, each NUL-terminated */
    uint32_t body_len;
    uint32_t flags; /* SK_SCAN_HAS_ID, SK_SCAN_HAS_FILENAME, SK_SCAN_HAS_BODY */
    uint64_t size;  /* bytes in the memfd */
    uint64_t conn_no;
    uint64_t start_ns; /* when the front read it (CLOCK_MONOTONIC, for the log) */
    uint32_t seq;
    uint32_t source_len; /* the passwords' source name (SK_SCAN_HAS_SOURCE) */
};

#define SK_SCAN_HAS_ID 1u
#define SK_SCAN_HAS_FILENAME 2u
#define SK_SCAN_HAS_BODY 4u
#define SK_SCAN_HAS_SOURCE 8u

struct sk_scan_tail {
    uint32_t magic;
    uint32_t verdict;       /* enum sk_verdict */
    uint32_t out_of_memory; /* the scanner leaves after this answer */
    uint32_t facts_len;     /* bytes of the message's facts, after the reply */
    uint64_t bytes;
    uint64_t size;
    uint64_t reply_len;
    char codes[256];
    char sha[17];
    char error[24];
};

#endif
