/* `sekisho serve` (DESIGN.md, "The daemon"): a libuv loop that accepts
 * connections on a Unix socket (and optionally TCP), frames requests in the
 * native or the clamd protocol, and runs each scan on the libuv worker pool
 * with one engine worker per pool thread. Like the CLI it is thin: it frames
 * bytes and calls sk_scan(); it parses no attachment.
 *
 * Threads: everything here runs on the loop thread except scan_work() in
 * server.c, which touches only its own struct sk_dreq and its thread's
 * engine worker. */
#ifndef SK_DAEMON_H
#define SK_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../engine/sekisho.h"
#include "keeper.h"
#include "options.h"
#include "proto.h" /* the wire parsing, and SK_DAEMON_MAX_HEADER / _COMMAND */

#define SK_DAEMON_READ_BUF (64u * 1024u) /* per connection, for headers and commands */
#define SK_DAEMON_MAX_READ (1u << 30)    /* one read straight into a payload */
#define SK_DAEMON_DRAIN_MS 30000u        /* SIGTERM: grace for half-sent requests */
/* An INSTREAM over max-bytes is read and dropped up to this many times
 * max-bytes in all (so the client reads our reply), then the connection is
 * closed. */
#define SK_DAEMON_DISCARD_FACTOR 2u
/* The clamd answer to a request we could not take in time or memory
 * (clamd's "Server busy ERROR" would be read as a scanner failure, which
 * several clients deliver on): a sandbox-level limit, so it is held. */
#define SK_CLAMD_BUSY_NAME "Heuristics.Limits.Exceeded.Busy"
/* The clamd reply name of a stream over max-bytes (a sandbox-level limit). */
#define SK_CLAMD_MAXBYTES_NAME "Heuristics.Limits.Exceeded.MaxBytes"

/* A compiled engine shared by the scans that started with it. The loop
 * thread holds one reference for the current engine and each scan one more;
 * the last release frees the workers made for it and then the engine. */
struct sk_engine_ref {
    struct sk_engine *engine;
    uint64_t generation;
    unsigned refs;   /* loop thread only */
    uv_mutex_t lock; /* guards workers */
    struct sk_worker **workers;
    size_t n_workers;
};

struct sk_conn;

enum sk_dreq_kind {
    SK_DREQ_NATIVE,
    SK_DREQ_CLAMD_STREAM,
    SK_DREQ_CLAMD_PATH,
    SK_DREQ_CLAMD_FD
};

/* One request in flight: from its header (or clamd command) until its reply
 * is queued. Owns its bytes (a buffer allocated from the declared size, or a
 * mapping made on the pool thread). */
struct sk_dreq {
    uv_work_t work;
    struct sk_conn *conn;
    struct sk_server *server;
    struct sk_engine_ref *eref;
    enum sk_dreq_kind kind;
    char *id;       /* native id (NULL when absent), or the clamd label */
    char *filename; /* native "filename" */
    char **passwords;
    size_t n_passwords;
    char *body;
    size_t body_len;
    uint8_t *data;        /* owned buffer (native, INSTREAM) */
    size_t size;          /* declared size (native) or bytes so far (INSTREAM) */
    size_t cap;           /* INSTREAM buffer capacity */
    size_t got;           /* native bytes received */
    char *path;           /* clamd SCAN path */
    int fd;               /* clamd FILDES descriptor, -1 otherwise */
    unsigned session_seq; /* clamd IDSESSION reply prefix, 0 outside a session */
    char delim;           /* clamd reply delimiter */
    uint64_t start_ns;
    uint64_t queued_ns; /* handed to the pool (--queue-timeout counts from here) */
    uint64_t held;      /* bytes counted against --queue-bytes */
    /* For the log: connection number (as counted since start) and request
     * number on it (inside IDSESSION: the reply prefix), so that a line can
     * be matched to a client's request. */
    uint64_t conn_no;
    unsigned seq;
    /* Results, written on the pool thread, read in the after-work callback. */
    char *reply; /* the whole reply, delimiter included */
    size_t reply_len;
    enum sk_verdict verdict;
    uint64_t bytes;
    char codes[256];
    char sha[17];   /* SHA-256 prefix of the input, "" when none */
    char error[24]; /* the request failed (e.g. an unreadable SCAN path): its code */
};


struct sk_server_stats {
    uint64_t requests; /* replies to scan requests (verdicts and errors) */
    uint64_t bytes;
    uint64_t verdicts[3];
    uint64_t errors; /* error replies: busy, too_large, bad_request */
    uint64_t busy;
    uint64_t connections;
};

struct sk_thread_slot; /* per pool thread: its worker and for which engine */

/* What one engine fetch from the rules keeper cost (for the logs). */
struct sk_fetch_times {
    uint64_t compile_ns; /* reading and compiling, in the keeper */
    uint64_t load_ns;    /* building the engine from the bundle, here */
    size_t bundle_bytes;
};

struct sk_server {
    uv_loop_t *loop;
    const struct sk_serve_options *opts;
    uv_pipe_t unix_listener;
    uv_tcp_t tcp_listener;
    bool have_unix, have_tcp;
    const char *bound_socket; /* the path we bound (removed at exit), or NULL */
    uv_signal_t sig_term, sig_int, sig_hup;
    uv_timer_t drain_timer; /* closes stragglers (slow clients) when draining */
    uv_timer_t sweep_timer; /* drops half-sent requests that stalled */
    struct sk_engine_ref *current;
    uint64_t next_generation;
    struct sk_keeper keeper;     /* compiles the rules: start-up and each SIGHUP */
    struct sk_sandbox_user user; /* started as root: whom to become */
    const char *user_name;       /* its name; NULL when not started as root */
    uv_key_t slot_key;
    uv_mutex_t slots_lock;
    struct sk_thread_slot **slots;
    size_t n_slots;
    size_t in_flight;    /* reserved request slots, at most opts->queue */
    uint64_t held_bytes; /* request buffers, at most opts->queue_bytes */
    size_t n_waiting;    /* connections paused until a slot frees */
    uv_idle_t wake_idle; /* resumes them from the loop */
    size_t n_conns;
    struct sk_conn *conns; /* doubly linked, for draining */
    bool draining;
    bool reloading;    /* a SIGHUP compile is running on the pool */
    bool reload_again; /* another SIGHUP came meanwhile */
    bool signals_closed;
    uint64_t start_ns;
    struct sk_server_stats stats;
};

/* server.c */
/* Reserves one in-flight slot; false when the queue is full (the
 * connection then waits, see conn.c). */
bool sk_server_reserve(struct sk_server *server);
/* Gives a slot back with the bytes its request held; paused connections
 * are resumed from the loop. */
void sk_server_release(struct sk_server *server, uint64_t bytes);
/* Counts bytes against --queue-bytes; false when they do not fit (busy). */
bool sk_server_hold(struct sk_server *server, uint64_t bytes);
/* Queues the scan of a request whose bytes are complete; the reserved slot
 * and the request pass to the pool. After the scan, sk_conn_scan_done()
 * runs on the loop thread. Returns 0, or a negative libuv error (the caller
 * still owns the request). */
int sk_server_submit(struct sk_server *server, struct sk_dreq *req);
/* The stats object as one line of JSON (malloc'd; NULL when out of memory). */
char *sk_server_stats_json(struct sk_server *server, const char *id);
/* Writes one log line on stderr: `id=` the native id or, for clamd and
 * native requests without one, conn (`<connection>.<request>`); conn is
 * repeated as `conn=` for native ids; sha and path only when not NULL. Any
 * thread (one fprintf). */
void sk_server_log(const char *id, const char *conn, const char *verdict, const char *codes,
                   uint64_t bytes, uint64_t start_ns, const char *sha, const char *path);
/* The same for a request (its id, connection, start, hash and path). */
void sk_dreq_log(const struct sk_dreq *req, const char *verdict, const char *codes,
                 uint64_t bytes, const char *sha, const char *path);
/* Called when a connection went away (the server may finish draining). */
void sk_server_conn_gone(struct sk_server *server);

/* conn.c */
/* Accepts one connection from a listener (Unix when ipc_capable). */
void sk_conn_accept(struct sk_server *server, uv_stream_t *listener, bool is_unix);
/* Resumes connections that wait for a slot, while slots are free. */
void sk_conn_wake(struct sk_server *server);
/* Stops reading new requests; closes each connection once it is idle. */
void sk_conn_drain_all(struct sk_server *server);
/* Closes every connection now (half-read requests are dropped; scans in
 * flight finish, their replies are dropped). */
void sk_conn_close_all(struct sk_server *server);
/* Closes every connection whose half-sent request has had no byte for
 * read_timeout_ms, giving its queue slot back: a few stalled clients must
 * not keep everyone else `busy`. */
void sk_conn_sweep(struct sk_server *server, uint64_t now_ns);
/* The request's reply is ready (loop thread); writes it or drops it when
 * the connection is gone, then frees the request. */
void sk_conn_scan_done(struct sk_dreq *req);
void sk_dreq_free(struct sk_dreq *req);

/* dirscan.c */
#define SK_DIRSCAN_MAX_DEPTH 16    /* directory levels below the one named */
#define SK_DIRSCAN_MAX_FILES 10000 /* regular files in one directory scan */
/* clamd SCAN family on a directory: scans every regular file under the
 * directory open at fd (taken and closed), sets req->reply (clamd's lines),
 * verdict, codes and error, and logs one line per file. 0, or SK_ENOMEM when
 * the reply could not be built (the caller fails closed). */
int sk_dirscan(struct sk_dreq *req, struct sk_worker *worker, bool no_hash, int fd);
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
