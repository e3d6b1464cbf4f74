/* The parent's listeners: bound once, as whoever started serve, before any
 * other process exists; the front inherits them (and a restarted front
 * inherits them again, so no connection attempt is refused while it
 * restarts: they wait in the backlog). */
#ifndef SK_LISTEN_H
#define SK_LISTEN_H

#include <stdbool.h>
#include <sys/types.h>

struct sk_serve_options;

#define SK_DEFAULT_SOCKET "/run/sekisho/sekisho.sock"
#define SK_LISTEN_BACKLOG 511

struct sk_listeners {
    int unix_fd;              /* -1: none */
    int tcp_fd;               /* -1: none */
    const char *unix_name;    /* for the log: the path, or "(systemd socket)" */
    const char *bound_socket; /* the path we bound (removed at exit), or NULL */
    int milter_fd;            /* --milter, -1: none */
    bool milter_unix;         /* ... a Unix socket (else TCP) */
    const char *bound_milter; /* its path (removed at exit), or NULL */
};

/* Binds and listens: the Unix socket (--socket, else systemd's LISTEN_FDS,
 * else the default path; a stale socket left by an earlier run is removed,
 * any other file there is not), with --socket-mode/-owner/-group, and
 * --tcp and --milter when given. 0, or -1 after printing why. */
int sk_listen_all(const struct sk_serve_options *o, struct sk_listeners *out);

/* Started as root and dropping to uid/gid: hands the bound socket to them
 * unless --socket-owner/--socket-group chose. 0 or -1 after printing why. */
int sk_listen_hand_over(const struct sk_serve_options *o, const struct sk_listeners *l,
                        uid_t uid, gid_t gid);

/* Closes the listeners (and removes the socket we bound when unlink_it). */
void sk_listen_close(struct sk_listeners *l, int unlink_it);

#endif
