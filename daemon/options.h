/* `sekisho serve`'s options (options.c). */
#ifndef SK_DAEMON_OPTIONS_H
#define SK_DAEMON_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/options.h"
#include "milter.h"

#define SK_DEFAULT_SOCKET "/run/sekisho/sekisho.sock"
#define SK_DAEMON_MIN_QUEUE 100u           /* clamd's MaxQueue: the default's floor */
#define SK_DAEMON_QUEUE_BYTES (1ull << 30) /* --queue-bytes default */
#define SK_DAEMON_QUEUE_TIMEOUT_MS 10000u  /* --queue-timeout default */
#define SK_DAEMON_UNLOCK_BUDGET_MS 5000u   /* --unlock-budget default */
#define SK_DAEMON_MIN_SECRET 16u           /* bytes of a --secret-file at the least */
#define SK_DAEMON_MAX_SECRET 1024u

struct sk_serve_options {
    const char *socket_path;
    const char *tcp; /* HOST:PORT or NULL */
    unsigned workers;
    unsigned queue;            /* requests in flight; more wait unread */
    uint64_t queue_bytes;      /* request bytes held before `busy` */
    unsigned queue_timeout_ms; /* longest wait for a slot or a worker */
    bool queue_timeout_set;
    unsigned read_timeout_ms; /* a half-sent request idle this long is dropped */
    unsigned idle_timeout_ms; /* a connection with nothing in flight idle this long is closed */
    struct sk_common_options common; /* rules, policy, --no-hash, limits */
    const char *user;                /* --user: whom to become when started as root */
    const char *group;               /* --group: primary group then (default the user's) */
    const char *socket_owner;        /* --socket-owner, --socket-group: NULL unchanged */
    const char *socket_group;
    unsigned socket_mode; /* --socket-mode (default 0660) */
    bool socket_mode_set;
    bool no_sandbox; /* --no-sandbox: no seccomp filter */
    /* --scanner-memory: each scanner's address-space cap (RLIMIT_AS), 0 for
     * none; unset: SK_SCANNER_MEMORY_DEFAULT or what the limits need. */
    uint64_t scanner_memory;
    bool scanner_memory_set;
    /* PPAP correlation (correlate.h): --store (NULL: in-process), or off
     * with --no-correlate; the store's bounds (0: store.h's defaults), and
     * a follow-up's extra time for trying held messages. */
    const char *store;
    bool no_correlate;
    uint64_t store_window_s;
    uint64_t store_max_entries;
    uint64_t store_max_bytes;
    unsigned unlock_budget_ms;
    bool unlock_budget_set;
    /* --secret-file: what every native request over TCP must carry as
     * "secret" (read by the parent, before anything drops), or NULL. */
    char *secret;
    size_t secret_len;
    /* --milter unix:PATH or inet:PORT[@HOST] (NULL: none), and what the
     * milter does per outcome (--milter-action VERDICT=ACTION). */
    const char *milter;
    enum sk_milter_action milter_action[SK_MILTER_OUTCOMES];
};

/* Parses serve's command line into o (zeroed by the caller) and fills in
 * the defaults: 0 to serve, 1 after --help, -1 after a usage error. */
int sk_serve_parse_options(int argc, char **argv, struct sk_serve_options *o);

#endif
