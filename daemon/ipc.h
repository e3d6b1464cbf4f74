/* Messages between Sekisho's own processes (the parent, the front and the
 * scanners: ARCHITECTURE.md, "Processes"): whole reads and writes with a
 * deadline, and descriptors passed beside the bytes (SCM_RIGHTS). Both ends
 * are this build of Sekisho, so fixed structs cross as they are; lengths are
 * still checked against caps by whoever reads them. */
#ifndef SK_IPC_H
#define SK_IPC_H

#include <stddef.h>
#include <stdint.h>

#define SK_IPC_MAX_FDS 2

enum {
    SK_IPC_OK = 0,
    SK_IPC_EOF = 1,      /* the peer closed before the first byte */
    SK_IPC_ERROR = -1,   /* errno says why (EPIPE, ECONNRESET, EPROTO: cut short) */
    SK_IPC_TIMEOUT = -2, /* the deadline passed first */
};

/* Monotonic nanoseconds. */
uint64_t sk_ipc_now_ns(void);

/* Writes all n bytes to a stream socket, with fds (at most SK_IPC_MAX_FDS)
 * riding on the first byte. deadline_ns 0: none. SK_IPC_OK, SK_IPC_ERROR or
 * SK_IPC_TIMEOUT. Works on blocking and non-blocking descriptors. */
int sk_ipc_write(int fd, const void *buf, size_t n, const int *fds, size_t n_fds,
                 uint64_t deadline_ns);

/* Reads exactly n bytes from a stream socket. Descriptors that ride along
 * are stored in fds (close-on-exec) up to max_fds, *n_fds counting them;
 * any more are closed. deadline_ns 0: none. SK_IPC_OK, SK_IPC_EOF (nothing
 * read), SK_IPC_ERROR or SK_IPC_TIMEOUT; on anything but OK the descriptors
 * received are closed and *n_fds is 0. */
int sk_ipc_read(int fd, void *buf, size_t n, int *fds, size_t max_fds, size_t *n_fds,
                uint64_t deadline_ns);

/* One datagram on a SOCK_SEQPACKET socket, with fds. 0 or -1 (errno). */
int sk_ipc_send_msg(int fd, const void *msg, size_t n, const int *fds, size_t n_fds);

/* One datagram: its length (a shorter or longer one than n is an error:
 * -1 with errno EPROTO, its descriptors closed), 0 on EOF, -1 on error
 * (EAGAIN when none is waiting on a non-blocking socket). */
long sk_ipc_recv_msg(int fd, void *msg, size_t n, int *fds, size_t max_fds, size_t *n_fds);

#endif
