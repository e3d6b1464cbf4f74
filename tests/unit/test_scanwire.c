/* The front-to-scanner protocol (daemon/scanwire.c, ipc.c, shm.c), both
 * halves over a real socketpair in one process (the front's half on a
 * thread, since a large request fills the socket before the scanner reads):
 *
 * - a native request (id, filename, passwords, a body with a NUL in it,
 *   bytes in a memfd) arrives field for field, its bytes mapped read-only
 *   from the same memfd (no copy: a byte written by the front after the
 *   mapping is seen by the scanner);
 * - a clamd INSTREAM request keeps its IDSESSION number and delimiter; a
 *   FILDES request's descriptor arrives and refers to the same file;
 * - the answer (verdict, codes, sha, error, reply with NULs) comes back
 *   whole; an answer of no reply leaves the front's reply NULL;
 * - out of step: a wrong magic, a string without its NUL, a password list
 *   that overruns its length, a FILDES head without a descriptor, a head cut
 *   short are each refused (SK_IPC_ERROR), never read past; a peer that
 *   closes gives SK_IPC_EOF; a scanner that never answers gives
 *   SK_IPC_TIMEOUT at the deadline. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "daemon/ipc.h"
#include "daemon/scanwire.h"
#include "daemon/shm.h"

struct call {
    int fd;
    struct sk_dreq *req;
    uint64_t deadline_ns;
    int rc;
};

static void *call_thread(void *arg)
{
    struct call *c = arg;
    c->rc = sk_scanwire_call(c->fd, c->req, c->deadline_ns);
    return NULL;
}

static void pair(int sv[2])
{
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0); /* the front's end, as scanpool sets it */
}

static void test_native_round_trip(void)
{
    int sv[2];
    pair(sv);
    static char body[] = "PW: Ab12\0after-nul";
    char *passwords[] = {"Ab12", "パスワード"};
    struct sk_dreq req = {.kind = SK_DREQ_NATIVE, .id = "n-1", .conn_no = 7, .seq = 3};
    req.u.native.filename = "請求書.zip";
    req.u.native.passwords = passwords;
    req.u.native.n_passwords = 2;
    req.u.native.body = body;
    req.u.native.body_len = sizeof body - 1;
    size_t size = 3u << 20; /* more than a socket buffer */
    CHECK(sk_shm_create(&req.shm, size) == 0);
    memset(req.shm.data, 'A', size);
    req.data = req.shm.data;
    req.size = size;

    struct call c = {.fd = sv[0], .req = &req, .deadline_ns = sk_ipc_now_ns() + 10000000000ull};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, call_thread, &c) == 0);

    struct sk_scanwire_in in;
    CHECK_EQ_INT(sk_scanwire_read(sv[1], &in), SK_IPC_OK);
    CHECK_EQ_INT(in.req.kind, SK_DREQ_NATIVE);
    CHECK_EQ_STR(in.req.id, "n-1");
    CHECK_EQ_STR(in.req.u.native.filename, "請求書.zip");
    CHECK_EQ_INT(in.req.u.native.n_passwords, 2);
    CHECK_EQ_STR(in.req.u.native.passwords[0], "Ab12");
    CHECK_EQ_STR(in.req.u.native.passwords[1], "パスワード");
    CHECK_EQ_INT(in.req.u.native.body_len, sizeof body - 1);
    CHECK(memcmp(in.req.u.native.body, body, sizeof body - 1) == 0);
    CHECK_EQ_INT(in.req.conn_no, 7);
    CHECK_EQ_INT(in.req.seq, 3);
    CHECK_EQ_INT(in.req.size, size);
    CHECK(in.req.data != NULL && in.req.data != req.shm.data);
    CHECK(in.req.data && in.req.data[0] == 'A' && in.req.data[size - 1] == 'A');
    req.shm.data[size - 1] = 'Z'; /* shared, not copied */
    CHECK(in.req.data && in.req.data[size - 1] == 'Z');

    in.req.verdict = SK_VERDICT_BLOCK;
    in.req.bytes = 1234;
    snprintf(in.req.codes, sizeof in.req.codes, "yara.match");
    snprintf(in.req.sha, sizeof in.req.sha, "0123456789abcdef");
    static const char reply[] = "{\"id\":\"n-1\"}\n\0tail";
    in.req.reply = malloc(sizeof reply);
    memcpy(in.req.reply, reply, sizeof reply);
    in.req.reply_len = sizeof reply;
    CHECK_EQ_INT(sk_scanwire_answer(sv[1], &in.req), 0);
    CHECK(in.req.reply == NULL);
    sk_scanwire_in_free(&in);

    pthread_join(t, NULL);
    CHECK_EQ_INT(c.rc, SK_IPC_OK);
    CHECK_EQ_INT(req.verdict, SK_VERDICT_BLOCK);
    CHECK_EQ_INT(req.bytes, 1234);
    CHECK_EQ_STR(req.codes, "yara.match");
    CHECK_EQ_STR(req.sha, "0123456789abcdef");
    CHECK_EQ_STR(req.error, "");
    CHECK_EQ_INT(req.reply_len, sizeof reply);
    CHECK(req.reply && memcmp(req.reply, reply, sizeof reply) == 0);
    free(req.reply);
    sk_shm_free(&req.shm);
    close(sv[0]);
    close(sv[1]);
}

static void test_clamd_round_trip(void)
{
    int sv[2];
    pair(sv);
    /* INSTREAM in a session, empty stream. */
    struct sk_dreq req = {.kind = SK_DREQ_CLAMD_STREAM, .id = "stream"};
    req.u.clamd.fd = -1;
    req.u.clamd.frame.session_seq = 42;
    req.u.clamd.frame.delim = '\0';
    CHECK(sk_shm_create(&req.shm, 0) == 0);
    struct call c = {.fd = sv[0], .req = &req, .deadline_ns = sk_ipc_now_ns() + 10000000000ull};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, call_thread, &c) == 0);
    struct sk_scanwire_in in;
    CHECK_EQ_INT(sk_scanwire_read(sv[1], &in), SK_IPC_OK);
    CHECK_EQ_INT(in.req.kind, SK_DREQ_CLAMD_STREAM);
    CHECK_EQ_STR(in.req.id, "stream");
    CHECK_EQ_INT(in.req.u.clamd.frame.session_seq, 42);
    CHECK_EQ_INT(in.req.u.clamd.frame.delim, '\0');
    CHECK_EQ_INT(in.req.size, 0);
    /* No reply at all: the front's connection writes its fixed line. */
    in.req.verdict = SK_VERDICT_SANDBOX;
    in.req.out_of_memory = true;
    CHECK_EQ_INT(sk_scanwire_answer(sv[1], &in.req), 0);
    sk_scanwire_in_free(&in);
    pthread_join(t, NULL);
    CHECK_EQ_INT(c.rc, SK_IPC_OK);
    CHECK(req.reply == NULL && req.reply_len == 0);
    CHECK(req.out_of_memory);
    sk_shm_free(&req.shm);

    /* FILDES: the descriptor arrives and is the same file. */
    char path[] = "/tmp/sekisho-scanwire-XXXXXX";
    int file = mkstemp(path);
    CHECK(file >= 0);
    CHECK(write(file, "fildes-bytes", 12) == 12);
    struct sk_dreq fd_req = {.kind = SK_DREQ_CLAMD_FD, .id = "stream"};
    fd_req.u.clamd.fd = file;
    fd_req.u.clamd.frame.delim = '\n';
    c = (struct call){.fd = sv[0], .req = &fd_req, .deadline_ns = sk_ipc_now_ns() + 10000000000ull};
    CHECK(pthread_create(&t, NULL, call_thread, &c) == 0);
    CHECK_EQ_INT(sk_scanwire_read(sv[1], &in), SK_IPC_OK);
    CHECK_EQ_INT(in.req.kind, SK_DREQ_CLAMD_FD);
    CHECK(in.req.u.clamd.fd >= 0 && in.req.u.clamd.fd != file);
    char got[12] = {0};
    CHECK(pread(in.req.u.clamd.fd, got, sizeof got, 0) == 12 && memcmp(got, "fildes-bytes", 12) == 0);
    in.req.reply = strdup("stream: OK\n");
    in.req.reply_len = strlen(in.req.reply);
    CHECK_EQ_INT(sk_scanwire_answer(sv[1], &in.req), 0);
    sk_scanwire_in_free(&in);
    pthread_join(t, NULL);
    CHECK_EQ_INT(c.rc, SK_IPC_OK);
    CHECK_EQ_STR(fd_req.reply, "stream: OK\n");
    free(fd_req.reply);
    close(file);
    unlink(path);
    close(sv[0]);
    close(sv[1]);
}

/* Writes a hand-made head (and strings) and expects the scanner's half to
 * refuse it. */
static void refused(const char *what, struct sk_scan_head h, const char *strings, size_t n,
                    int with_fd)
{
    int sv[2];
    pair(sv);
    int fd = with_fd ? dup(0) : -1;
    CHECK_EQ_INT(sk_ipc_write(sv[0], &h, sizeof h, fd >= 0 ? &fd : NULL, fd >= 0, 0), SK_IPC_OK);
    if (n)
        CHECK_EQ_INT(sk_ipc_write(sv[0], strings, n, NULL, 0, 0), SK_IPC_OK);
    shutdown(sv[0], SHUT_WR);
    struct sk_scanwire_in in;
    int rc = sk_scanwire_read(sv[1], &in);
    if (rc != SK_IPC_ERROR)
        fprintf(stderr, "not refused: %s (rc %d)\n", what, rc);
    CHECK_EQ_INT(rc, SK_IPC_ERROR);
    sk_scanwire_in_free(&in);
    if (fd >= 0)
        close(fd);
    close(sv[0]);
    close(sv[1]);
}

static void test_out_of_step(void)
{
    struct sk_scan_head good = {.magic = SK_SCAN_HEAD_MAGIC, .kind = SK_DREQ_CLAMD_PATH,
                                .path_len = 3, .id_len = 1, .flags = SK_SCAN_HAS_ID};
    refused("a good head cut before its strings", good, "x", 1, 0);
    struct sk_scan_head h = good;
    h.magic ^= 1;
    refused("a wrong magic", h, "x\0abc\0\0\0", 8, 0);
    refused("a string without its NUL", good, "xXabcX\0\0", 8, 0);
    h = good;
    h.n_passwords = 2;
    h.passwords_len = 3;
    refused("passwords overrunning their length", h, "x\0\0abc\0ab\0c\0\0", 13, 0);
    h = (struct sk_scan_head){.magic = SK_SCAN_HEAD_MAGIC, .kind = SK_DREQ_CLAMD_FD};
    refused("FILDES without a descriptor", h, "\0\0\0\0", 4, 0);
    h.kind = 9;
    refused("an unknown kind", h, "\0\0\0\0", 4, 1);
    h = good;
    h.path_len = 1u << 30;
    refused("strings longer than the cap", h, "", 0, 0);

    int sv[2];
    pair(sv);
    CHECK_EQ_INT(sk_ipc_write(sv[0], &good, 10, NULL, 0, 0), SK_IPC_OK);
    shutdown(sv[0], SHUT_WR);
    struct sk_scanwire_in in;
    CHECK_EQ_INT(sk_scanwire_read(sv[1], &in), SK_IPC_ERROR); /* a head cut short */
    sk_scanwire_in_free(&in);
    close(sv[0]);
    close(sv[1]);

    pair(sv);
    close(sv[0]);
    CHECK_EQ_INT(sk_scanwire_read(sv[1], &in), SK_IPC_EOF);
    sk_scanwire_in_free(&in);
    close(sv[1]);
}

static void test_deadline(void)
{
    int sv[2];
    pair(sv);
    struct sk_dreq req = {.kind = SK_DREQ_CLAMD_PATH, .id = "/x"};
    req.u.clamd.path = "/x";
    req.u.clamd.fd = -1;
    uint64_t t0 = sk_ipc_now_ns();
    int rc = sk_scanwire_call(sv[0], &req, t0 + 200000000ull); /* nobody answers */
    uint64_t took = sk_ipc_now_ns() - t0;
    CHECK_EQ_INT(rc, SK_IPC_TIMEOUT);
    CHECK(took >= 190000000ull && took < 5000000000ull);
    CHECK(req.reply == NULL);
    close(sv[1]); /* a scanner that died */
    rc = sk_scanwire_call(sv[0], &req, sk_ipc_now_ns() + 1000000000ull);
    CHECK(rc == SK_IPC_ERROR || rc == SK_IPC_EOF);
    close(sv[0]);
}

int main(void)
{
    test_native_round_trip();
    test_clamd_round_trip();
    test_out_of_step();
    test_deadline();
    return check_exit("scanwire");
}
