/* Inside the connection code only (conn.c, conn_native.c, conn_clamd.c):
 * struct sk_conn, the protocol operations and the shared helpers. */
#ifndef SK_DAEMON_CONN_INT_H
#define SK_DAEMON_CONN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "conn.h"
#include "proto.h"

/* One protocol's side of a connection. conn.c owns the lifetime, the
 * reading and writing, the timeouts and draining; it hands each parser
 * event and each finished scan to the connection's protocol. */
struct sk_proto_ops {
    const char *name;
    /* Acts on one parser event; false when reading must stop here. */
    bool (*on_event)(struct sk_conn *c, const struct sk_proto_ev *ev);
    /* Before bytes are fed to the parser: 0 feed them, 1 something was
     * done (look again), -1 wait for the next read (e.g. a FILDES
     * descriptor that has not arrived). NULL: always 0. */
    int (*before_feed)(struct sk_conn *c);
    /* After a read was processed (e.g. take a descriptor that came with
     * it). NULL: nothing. */
    void (*after_read)(struct sk_conn *c);
    /* Where the next read can go straight into the request being read:
     * true with *buf set, else false (into the read buffer). */
    bool (*direct_buf)(struct sk_conn *c, uv_buf_t *buf);
    /* n bytes arrived through direct_buf. */
    void (*took_direct)(struct sk_conn *c, size_t n);
    /* The current request was queued (c->cur already cleared). */
    void (*on_submitted)(struct sk_conn *c);
    /* The current request could not be queued (freed; reply and close). */
    void (*on_submit_failed)(struct sk_conn *c);
    /* A scan is done and its reply was written (written), or there was
     * none (out of memory: the protocol writes its fixed fail-closed line);
     * then go on reading. */
    void (*on_scan_done)(struct sk_conn *c, const struct sk_dreq *req, bool written);
    /* A protocol whose listener chose it (the milter) rather than the first
     * byte: NULL for the others. on_accept sets it up (false: close);
     * feed consumes buffered bytes in place of proto.c (false: stop
     * reading here); at_boundary says no command is half-read (between
     * commands an MTA may pause as long as its SMTP client does: that is
     * --idle-timeout's, not --read-timeout's); on_free releases what on_accept made. Its
     * replies are its own: conn.c does not write a scan's reply for it,
     * and it takes its slot at the end of a message, not at each read. */
    bool (*on_accept)(struct sk_conn *c);
    bool (*feed)(struct sk_conn *c);
    bool (*at_boundary)(const struct sk_conn *c);
    void (*on_free)(struct sk_conn *c);
};

extern const struct sk_proto_ops sk_conn_native_ops;
extern const struct sk_proto_ops sk_conn_clamd_ops;
extern const struct sk_proto_ops sk_conn_milter_ops;

struct sk_milter;

struct sk_conn {
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_pipe_t pipe;
        uv_tcp_t tcp;
    } h;
    struct sk_conn_set *set;
    const struct sk_proto_ops *ops; /* NULL until the first byte chose one */
    struct sk_conn *prev, *next;
    bool is_unix;
    bool reading;
    bool closing;       /* uv_close called */
    bool handle_closed; /* its close callback ran */
    bool stop_input;    /* a fatal error reply is on its way, or EOF */
    bool close_after_write;
    bool waiting_reply; /* clamd: one command at a time */
    bool in_session;    /* clamd IDSESSION */
    bool discarding;    /* clamd INSTREAM over max-bytes: the rest is read and dropped */
    bool discard_busy;  /* ... because --queue-bytes ran out instead */
    uint64_t discarded; /* bytes dropped so far */
    unsigned pending_scans;
    unsigned writes_pending;
    bool slot;               /* holds a reserved slot for the request it is reading */
    bool waiting_slot;       /* paused at a request boundary until a slot frees */
    bool busy_pass;          /* waited past --queue-timeout: answer busy, do not wait */
    bool eof;                /* the client shut down its side */
    uint64_t wait_since;     /* when it started waiting (uv_hrtime) */
    uint64_t number;         /* counted since start, for the log */
    unsigned n_requests;     /* requests on this connection so far */
    unsigned cur_seq;        /* the number of the request being read, for the log */
    uint64_t last_read_ns;   /* when a byte last arrived (uv_hrtime) */
    uint64_t last_active_ns; /* when a byte arrived or a reply was written */
    struct sk_proto proto;   /* framing state; proto.delim: the clamd reply delimiter */
    struct sk_dreq *cur;     /* the request being read */
    struct sk_milter *milter; /* the milter's session (conn_milter.c), or NULL */
    unsigned session_seq;
    size_t rpos, rlen;
    char rbuf[SK_DAEMON_READ_BUF];
};

/* The scheduler, called through the connection's set. */
static inline const struct sk_sched *conn_sched(const struct sk_conn *c)
{
    return c->set->sched;
}

/* conn.c, for the protocols. */
struct sk_dreq *sk_conn_dreq_new(struct sk_conn *c, enum sk_dreq_kind kind);
void sk_conn_close(struct sk_conn *c);
/* Writes len bytes and takes ownership of data (malloc'd; NULL closes). */
void sk_conn_write_take(struct sk_conn *c, char *data, size_t len);
void sk_conn_write_str(struct sk_conn *c, const char *text, size_t len);
/* Stops reading; the connection closes once its last write is out. */
void sk_conn_fail(struct sk_conn *c);
/* Drops a half-read request and gives back its slot and bytes. */
void sk_conn_drop_current(struct sk_conn *c);
/* Gives back a slot reserved for a request that never started. */
void sk_conn_drop_slot(struct sk_conn *c);
/* The request being started takes the connection's reserved slot; false
 * when it has none (waited past --queue-timeout: busy). */
bool sk_conn_take_slot(struct sk_conn *c);
/* Queues the scan of c->cur (complete). */
void sk_conn_submit_current(struct sk_conn *c);
/* Consumes buffered bytes as far as the state allows. */
void sk_conn_process_input(struct sk_conn *c);

#endif
