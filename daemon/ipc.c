/* Messages between Sekisho's own processes (ipc.h). */
#include "ipc.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

uint64_t sk_ipc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Waits until fd is ready for events or the deadline passes: 0 ready,
 * SK_IPC_TIMEOUT, SK_IPC_ERROR. */
static int wait_ready(int fd, short events, uint64_t deadline_ns)
{
    for (;;) {
        int timeout = -1;
        if (deadline_ns) {
            uint64_t now = sk_ipc_now_ns();
            if (now >= deadline_ns)
                return SK_IPC_TIMEOUT;
            uint64_t ms = (deadline_ns - now + 999999u) / 1000000u;
            timeout = ms > 60000u ? 60000 : (int)ms;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, timeout);
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return SK_IPC_ERROR;
    }
}

static void close_all(int *fds, size_t *n_fds)
{
    for (size_t i = 0; i < *n_fds; i++)
        close(fds[i]);
    *n_fds = 0;
}

/* Builds the control message carrying fds into buf (sized for
 * SK_IPC_MAX_FDS). */
static void attach_fds(struct msghdr *m, void *buf, size_t buflen, const int *fds, size_t n_fds)
{
    if (!n_fds)
        return;
    m->msg_control = buf;
    m->msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
    memset(buf, 0, buflen);
    struct cmsghdr *c = CMSG_FIRSTHDR(m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
    memcpy(CMSG_DATA(c), fds, n_fds * sizeof(int));
}

/* Keeps the descriptors a received message carried (up to max_fds). */
static void collect_fds(struct msghdr *m, int *fds, size_t max_fds, size_t *n_fds)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int got;
            memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
            if (*n_fds < max_fds)
                fds[(*n_fds)++] = got;
            else
                close(got);
        }
    }
}

int sk_ipc_write(int fd, const void *buf, size_t n, const int *fds, size_t n_fds,
                 uint64_t deadline_ns)
{
    const uint8_t *p = buf;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(SK_IPC_MAX_FDS * sizeof(int))];
    } control;
    if (n_fds > SK_IPC_MAX_FDS || (n == 0 && n_fds)) {
        errno = EINVAL;
        return SK_IPC_ERROR;
    }
    while (n > 0) {
        struct iovec iov = {.iov_base = (void *)p, .iov_len = n};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        attach_fds(&m, control.buf, sizeof control.buf, fds, n_fds);
        ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int rc = wait_ready(fd, POLLOUT, deadline_ns);
            if (rc != 0)
                return rc;
            continue;
        }
        if (w <= 0)
            return SK_IPC_ERROR;
        n_fds = 0; /* passed with the first bytes */
        p += w;
        n -= (size_t)w;
    }
    return SK_IPC_OK;
}

int sk_ipc_read(int fd, void *buf, size_t n, int *fds, size_t max_fds, size_t *n_fds,
                uint64_t deadline_ns)
{
    uint8_t *p = buf;
    size_t got = 0;
    size_t none = 0;
    if (!n_fds)
        n_fds = &none;
    *n_fds = 0;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(SK_IPC_MAX_FDS * sizeof(int)) + CMSG_SPACE(sizeof(int))];
    } control;
    while (got < n) {
        struct iovec iov = {.iov_base = p + got, .iov_len = n - got};
        struct msghdr m = {.msg_iov = &iov,
                           .msg_iovlen = 1,
                           .msg_control = control.buf,
                           .msg_controllen = sizeof control.buf};
        ssize_t r = recvmsg(fd, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int rc = wait_ready(fd, POLLIN, deadline_ns);
            if (rc != 0) {
                close_all(fds, n_fds);
                return rc;
            }
            continue;
        }
        if (r >= 0)
            collect_fds(&m, fds, max_fds, n_fds);
        if (r < 0 || (r == 0 && got > 0) || (m.msg_flags & MSG_CTRUNC)) {
            if (r == 0 || (m.msg_flags & MSG_CTRUNC))
                errno = EPROTO;
            close_all(fds, n_fds);
            return SK_IPC_ERROR;
        }
        if (r == 0) {
            close_all(fds, n_fds);
            return SK_IPC_EOF;
        }
        got += (size_t)r;
    }
    return SK_IPC_OK;
}

int sk_ipc_send_msg(int fd, const void *msg, size_t n, const int *fds, size_t n_fds)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(SK_IPC_MAX_FDS * sizeof(int))];
    } control;
    if (n_fds > SK_IPC_MAX_FDS) {
        errno = EINVAL;
        return -1;
    }
    struct iovec iov = {.iov_base = (void *)msg, .iov_len = n};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    attach_fds(&m, control.buf, sizeof control.buf, fds, n_fds);
    for (;;) {
        ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        if ((size_t)w != n) {
            errno = EPROTO;
            return -1;
        }
        return 0;
    }
}

long sk_ipc_recv_msg(int fd, void *msg, size_t n, int *fds, size_t max_fds, size_t *n_fds)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(SK_IPC_MAX_FDS * sizeof(int)) + CMSG_SPACE(sizeof(int))];
    } control;
    size_t none = 0;
    if (!n_fds)
        n_fds = &none;
    *n_fds = 0;
    for (;;) {
        struct iovec iov = {.iov_base = msg, .iov_len = n};
        struct msghdr m = {.msg_iov = &iov,
                           .msg_iovlen = 1,
                           .msg_control = control.buf,
                           .msg_controllen = sizeof control.buf};
        ssize_t r = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        collect_fds(&m, fds, max_fds, n_fds);
        if (r > 0 && ((size_t)r != n || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))) {
            close_all(fds, n_fds);
            errno = EPROTO;
            return -1;
        }
        return (long)r;
    }
}
