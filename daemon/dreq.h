/* One request of the daemon in flight, from its native header or clamd
 * command until its reply is queued: a common part and, by kind, the
 * native or the clamd part (a tagged union on kind). Owns its bytes (a
 * buffer allocated from the declared size, or a mapping made while it is
 * run, see run.h). */
#ifndef SK_DAEMON_DREQ_H
#define SK_DAEMON_DREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../engine/sekisho.h"
#include "reply.h"
#include "shm.h"

struct sk_conn;
struct sk_engine_ref;

enum sk_dreq_kind {
    SK_DREQ_NATIVE,
    SK_DREQ_CLAMD_STREAM,
    SK_DREQ_CLAMD_PATH,
    SK_DREQ_CLAMD_FD
};

/* What only a native request has. */
struct sk_dreq_native {
    char *filename;
    char **passwords;
    size_t n_passwords;
    char *body;
    size_t body_len;
    char *password_source; /* the passwords' source name; NULL: "request" */
    char *token;           /* a verdict request: the held message's token */
    size_t got;            /* payload bytes received */
    /* A milter message's envelope (lowercase, no <>), for correlation and
     * the log; NULL and 0 for native requests. */
    char *envelope_from;
    char **envelope_rcpts;
    size_t n_envelope_rcpts;
};

/* What only a clamd request has. */
struct sk_dreq_clamd {
    char *path;                  /* SCAN path (CLAMD_PATH) */
    int fd;                      /* FILDES descriptor (CLAMD_FD), -1 otherwise */
    size_t cap;                  /* INSTREAM buffer capacity */
    struct sk_clamd_frame frame; /* IDSESSION number and delimiter of the reply */
};

struct sk_dreq {
    /* Scheduling (loop thread; run.c touches none of these). */
    uv_work_t work;
    struct sk_conn *conn;
    struct sk_engine_ref *eref;
    void *sched;        /* the scheduler's, for its after-work callback */
    uint64_t queued_ns; /* handed to the pool (--queue-timeout counts from here) */
    uint64_t held;      /* bytes counted against --queue-bytes */

    enum sk_dreq_kind kind;
    char *id;      /* native id (NULL when absent), or the clamd label */
    /* The bytes: native and INSTREAM read them into shm (a memfd the
     * scanner maps: data is the front's mapping of it); a clamd path or
     * descriptor is mapped by sk_dreq_run while it runs. */
    uint8_t *data;
    struct sk_shm shm;
    size_t size;   /* declared size (native), bytes so far (INSTREAM), file size */
    union {
        struct sk_dreq_native native; /* kind SK_DREQ_NATIVE */
        struct sk_dreq_clamd clamd;   /* the SK_DREQ_CLAMD_* kinds */
    } u;

    /* For the log: start, connection number (as counted since start) and
     * request number on it (inside IDSESSION: the reply prefix), so that a
     * line can be matched to a client's request. */
    uint64_t start_ns;
    uint64_t conn_no;
    unsigned seq;

    /* Results, written by sk_dreq_run (pool thread), read after it. */
    char *reply; /* the whole reply, delimiter included; NULL: out of memory */
    size_t reply_len;
    enum sk_verdict verdict;
    uint64_t bytes;
    char codes[256];
    char sha[17];   /* SHA-256 prefix of the input, "" when none */
    char error[24]; /* the request failed (e.g. an unreadable SCAN path): its code */
    bool out_of_memory; /* the scan ran out of memory: its scanner leaves */
    bool failed_closed; /* answered by sk_dreq_fail_closed: no scan result */
    /* A native message's facts for PPAP correlation (mailfacts.h): JSON,
     * NULL when the request was not a message or had none. */
    char *facts;
    size_t facts_len;
};

static inline bool sk_dreq_is_clamd(const struct sk_dreq *req)
{
    return req->kind != SK_DREQ_NATIVE;
}

/* Frees a request and all it owns (NULL is fine). */
void sk_dreq_free(struct sk_dreq *req);

#endif
