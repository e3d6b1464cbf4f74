/* The parent's listeners (listen.h). Plain sockets: the parent has no loop;
 * the front opens these descriptors in its libuv loop. */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "options.h"
#include "sandbox.h"

/* A decimal number no larger than max, the whole string. */
static bool parse_number(const char *text, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    if (!text || !*text || *text == '-' || *text == '+')
        return false;
    errno = 0;
    unsigned long n = strtoul(text, &end, 10);
    if (errno || *end || n > max)
        return false;
    *out = n;
    return true;
}

/* systemd socket activation: the first passed descriptor, or -1. */
static int activated_fd(void)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    unsigned long p, n;
    if (!parse_number(pid, 1ul << 31, &p) || !parse_number(fds, 64, &n))
        return -1;
    if ((pid_t)p != getpid() || n < 1)
        return -1;
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    return 3;
}

static int unix_address(const char *path, struct sockaddr_un *addr)
{
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr->sun_path)
        return -1;
    memcpy(addr->sun_path, path, strlen(path) + 1);
    return 0;
}

/* True when something accepts connections on the socket at path: then it
 * is not stale and must not be removed. */
static bool socket_in_use(const char *path)
{
    struct sockaddr_un addr;
    if (unix_address(path, &addr) != 0)
        return false;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool in_use = connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
    close(fd);
    return in_use;
}

/* clamd's LocalSocketMode/LocalSocketGroup: the mode, and the owner and
 * group asked for, set right after the bind. */
static int socket_access(const struct sk_serve_options *o, const char *path)
{
    char err[256];
    uid_t uid = (uid_t)-1;
    gid_t gid = (gid_t)-1;
    if (o->socket_owner) {
        struct sk_sandbox_user owner;
        if (sk_sandbox_lookup_user(o->socket_owner, NULL, &owner, err, sizeof err) != 0) {
            fprintf(stderr, "sekisho: --socket-owner: %s\n", err);
            return -1;
        }
        uid = owner.uid;
    }
    if (o->socket_group && sk_sandbox_lookup_group(o->socket_group, &gid, err, sizeof err)) {
        fprintf(stderr, "sekisho: --socket-group: %s\n", err);
        return -1;
    }
    if (chmod(path, (mode_t)o->socket_mode) != 0 ||
        ((o->socket_owner || o->socket_group) && chown(path, uid, gid) != 0)) {
        fprintf(stderr, "sekisho: socket %s: mode %04o, owner %s, group %s: %s\n", path,
                o->socket_mode, o->socket_owner ? o->socket_owner : "unchanged",
                o->socket_group ? o->socket_group : "unchanged", strerror(errno));
        return -1;
    }
    return 0;
}

/* Binds a Unix socket at path (removing a stale one) with the socket
 * options' mode and owner: the descriptor, or -1 after printing why. */
static int bind_unix_path(const struct sk_serve_options *o, const char *path)
{
    struct sockaddr_un addr;
    struct stat st;
    if (unix_address(path, &addr) != 0) {
        fprintf(stderr, "sekisho: socket path too long: %s\n", path);
        return -1;
    }
    /* A stale socket from an earlier run is removed; any other file at
     * that path is left alone. */
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            fprintf(stderr, "sekisho: %s exists and is not a socket\n", path);
            return -1;
        }
        if (socket_in_use(path)) {
            fprintf(stderr, "sekisho: %s: another server is listening there\n", path);
            return -1;
        }
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        fprintf(stderr, "sekisho: listen on %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (socket_access(o, path) != 0) {
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

static int bind_unix(const struct sk_serve_options *o, struct sk_listeners *l)
{
    const char *path = o->socket_path ? o->socket_path : SK_DEFAULT_SOCKET;
    l->unix_fd = bind_unix_path(o, path);
    if (l->unix_fd < 0)
        return -1;
    l->bound_socket = path; /* ours to remove at exit */
    l->unix_name = path;
    return 0;
}

static int open_unix(const struct sk_serve_options *o, struct sk_listeners *l)
{
    int fd = o->socket_path ? -1 : activated_fd();
    if (fd >= 0) {
        l->unix_fd = fd;
        l->unix_name = "(systemd socket)";
        if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
            fprintf(stderr, "sekisho: systemd socket: %s\n", strerror(errno));
            return -1;
        }
        if (o->socket_owner || o->socket_group || o->socket_mode_set)
            fprintf(stderr, "sekisho: --socket-owner/-group/-mode ignored: systemd made the "
                            "socket (SocketUser=, SocketGroup=, SocketMode=)\n");
    } else if (bind_unix(o, l) != 0) {
        return -1;
    }
    if (listen(l->unix_fd, SK_LISTEN_BACKLOG) != 0) {
        fprintf(stderr, "sekisho: listen on %s: %s\n", l->unix_name, strerror(errno));
        return -1;
    }
    fprintf(stderr, "sekisho: listening on %s\n", l->unix_name);
    return 0;
}

/* A listening TCP socket on host (numeric) and port: the descriptor, or
 * -1 after printing why (spec names it). */
static int listen_tcp(const char *spec, const char *host, unsigned long port)
{
    struct sockaddr_storage addr;
    socklen_t len;
    memset(&addr, 0, sizeof addr);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        len = sizeof *v6;
    } else {
        fprintf(stderr, "sekisho: %s wants a numeric address, not '%s'\n", spec, host);
        return -1;
    }
    int one = 1;
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, SK_LISTEN_BACKLOG) != 0) {
        fprintf(stderr, "sekisho: listen on tcp %s: %s\n", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    fprintf(stderr, "sekisho: listening on tcp %s\n", spec);
    return fd;
}

static int open_tcp(const char *spec, struct sk_listeners *l)
{
    const char *colon = strrchr(spec, ':');
    unsigned long port;
    char host[256] = "127.0.0.1"; /* a port alone: loopback, never every address */
    if (colon ? (size_t)(colon - spec) >= sizeof host || !parse_number(colon + 1, 65535, &port)
              : !parse_number(spec, 65535, &port)) {
        fprintf(stderr, "sekisho: --tcp wants [HOST:]PORT, not '%s'\n", spec);
        return -1;
    }
    if (colon) {
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
    }
    l->tcp_fd = listen_tcp(spec, host, port);
    return l->tcp_fd < 0 ? -1 : 0;
}

/* --milter in Postfix's notation: unix:PATH (or local:PATH), or
 * inet:PORT[@HOST] with a numeric HOST (default 127.0.0.1). */
static int open_milter(const struct sk_serve_options *o, struct sk_listeners *l)
{
    const char *spec = o->milter;
    if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
        const char *path = strchr(spec, ':') + 1;
        l->milter_fd = *path ? bind_unix_path(o, path) : -1;
        if (l->milter_fd < 0 || listen(l->milter_fd, SK_LISTEN_BACKLOG) != 0) {
            fprintf(stderr, "sekisho: --milter %s: cannot listen there\n", spec);
            return -1;
        }
        l->bound_milter = path;
        l->milter_unix = true;
        fprintf(stderr, "sekisho: milter listening on %s\n", path);
        return 0;
    }
    const char *port_text = strncmp(spec, "inet:", 5) == 0 ? spec + 5 : NULL;
    const char *at = port_text ? strchr(port_text, '@') : NULL;
    char port_buf[8], host[256] = "127.0.0.1";
    size_t port_len = port_text ? (at ? (size_t)(at - port_text) : strlen(port_text)) : 0;
    unsigned long port;
    if (!port_text || port_len == 0 || port_len >= sizeof port_buf ||
        (at && strlen(at + 1) >= sizeof host)) {
        fprintf(stderr, "sekisho: --milter wants unix:PATH or inet:PORT[@HOST], not '%s'\n",
                spec);
        return -1;
    }
    memcpy(port_buf, port_text, port_len);
    port_buf[port_len] = '\0';
    if (at)
        memcpy(host, at + 1, strlen(at + 1) + 1);
    if (!parse_number(port_buf, 65535, &port)) {
        fprintf(stderr, "sekisho: --milter %s: not a port\n", spec);
        return -1;
    }
    l->milter_fd = listen_tcp(spec, host, port);
    return l->milter_fd < 0 ? -1 : 0;
}

int sk_listen_all(const struct sk_serve_options *o, struct sk_listeners *out)
{
    *out = (struct sk_listeners){.unix_fd = -1, .tcp_fd = -1, .milter_fd = -1};
    if (open_unix(o, out) != 0 || (o->tcp && open_tcp(o->tcp, out) != 0) ||
        (o->milter && open_milter(o, out) != 0)) {
        sk_listen_close(out, 1);
        return -1;
    }
    return 0;
}

int sk_listen_hand_over(const struct sk_serve_options *o, const struct sk_listeners *l,
                        uid_t uid, gid_t gid)
{
    const char *paths[2] = {l->bound_socket, l->bound_milter};
    for (size_t i = 0; i < 2; i++) {
        if (paths[i] && chown(paths[i], o->socket_owner ? (uid_t)-1 : uid,
                              o->socket_group ? (gid_t)-1 : gid) != 0) {
            fprintf(stderr, "sekisho: chown %s: %s\n", paths[i], strerror(errno));
            return -1;
        }
    }
    return 0;
}

void sk_listen_close(struct sk_listeners *l, int unlink_it)
{
    if (l->unix_fd >= 0)
        close(l->unix_fd);
    if (l->tcp_fd >= 0)
        close(l->tcp_fd);
    if (l->milter_fd >= 0)
        close(l->milter_fd);
    if (unlink_it && l->bound_socket)
        unlink(l->bound_socket);
    if (unlink_it && l->bound_milter)
        unlink(l->bound_milter);
    l->unix_fd = l->tcp_fd = l->milter_fd = -1;
    l->bound_socket = l->bound_milter = NULL;
}
