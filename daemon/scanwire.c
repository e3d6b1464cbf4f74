/* The front-to-scanner protocol (scanwire.h). */
#include "scanwire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ipc.h"
#include "proto.h"
#include "shm.h"

/* ---- the front's half ---- */

static size_t str_len(const char *s)
{
    return s ? strlen(s) : 0;
}

/* Appends s and its NUL at *p. */
static char *put_str(char *p, const char *s, size_t n)
{
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p + n + 1;
}

/* The head and the strings of req, in one buffer (*len bytes). */
static uint8_t *encode_request(const struct sk_dreq *req, size_t *len)
{
    bool native = !sk_dreq_is_clamd(req);
    const struct sk_dreq_native *nat = &req->u.native;
    const char *filename = native ? nat->filename : NULL;
    const char *path = req->kind == SK_DREQ_CLAMD_PATH ? req->u.clamd.path : NULL;
    const char *body = native ? nat->body : NULL;
    const char *source = native ? nat->password_source : NULL;
    struct sk_scan_head h = {
        .magic = SK_SCAN_HEAD_MAGIC,
        .kind = (uint32_t)req->kind,
        .id_len = (uint32_t)str_len(req->id),
        .filename_len = (uint32_t)str_len(filename),
        .path_len = (uint32_t)str_len(path),
        .body_len = native && body ? (uint32_t)nat->body_len : 0,
        .source_len = (uint32_t)str_len(source),
        .flags = (req->id ? SK_SCAN_HAS_ID : 0) | (filename ? SK_SCAN_HAS_FILENAME : 0) |
                 (body ? SK_SCAN_HAS_BODY : 0) | (source ? SK_SCAN_HAS_SOURCE : 0),
        .size = req->size,
        .conn_no = req->conn_no,
        .seq = req->seq,
        .start_ns = req->start_ns,
    };
    if (!native) {
        h.session_seq = req->u.clamd.frame.session_seq;
        h.delim = (uint32_t)(unsigned char)req->u.clamd.frame.delim;
    }
    if (native) {
        h.n_passwords = (uint32_t)nat->n_passwords;
        for (size_t i = 0; i < nat->n_passwords; i++)
            h.passwords_len += (uint32_t)strlen(nat->passwords[i]) + 1;
    }
    size_t strings = (size_t)h.id_len + h.filename_len + h.path_len + h.passwords_len +
                     h.body_len + h.source_len + 5;
    if (strings > SK_SCAN_MAX_STRINGS)
        return NULL;
    uint8_t *buf = malloc(sizeof h + strings);
    if (!buf)
        return NULL;
    char *p = (char *)buf + sizeof h;
    p = put_str(p, req->id, h.id_len);
    p = put_str(p, filename, h.filename_len);
    p = put_str(p, path, h.path_len);
    for (size_t i = 0; native && i < nat->n_passwords; i++)
        p = put_str(p, nat->passwords[i], strlen(nat->passwords[i]));
    p = put_str(p, body, h.body_len);
    put_str(p, source, h.source_len);
    memcpy(buf, &h, sizeof h);
    *len = sizeof h + strings;
    return buf;
}

/* The descriptor that carries the request's bytes: the memfd the front
 * read them into, or the client's FILDES file; -1 for a SCAN path. */
static int request_fd(const struct sk_dreq *req)
{
    if (req->kind == SK_DREQ_CLAMD_FD)
        return req->u.clamd.fd;
    if (req->kind == SK_DREQ_CLAMD_PATH)
        return -1;
    return req->shm.fd;
}

static int read_answer(int fd, struct sk_dreq *req, uint64_t deadline_ns)
{
    struct sk_scan_tail t;
    int rc = sk_ipc_read(fd, &t, sizeof t, NULL, 0, NULL, deadline_ns);
    if (rc != SK_IPC_OK)
        return rc;
    if (t.magic != SK_SCAN_TAIL_MAGIC || t.verdict > SK_VERDICT_BLOCK ||
        t.reply_len > SK_SCAN_MAX_REPLY || t.facts_len > SK_SCAN_MAX_FACTS) {
        errno = EPROTO;
        return SK_IPC_ERROR;
    }
    /* No reply: the scanner could not build even its fail-closed one; the
     * connection writes its fixed line. */
    char *reply = t.reply_len ? malloc((size_t)t.reply_len + 1) : NULL;
    if (t.reply_len && !reply) {
        errno = ENOMEM; /* the answer cannot be read: the scanner is out of step */
        return SK_IPC_ERROR;
    }
    rc = reply ? sk_ipc_read(fd, reply, (size_t)t.reply_len, NULL, 0, NULL, deadline_ns)
               : SK_IPC_OK;
    char *facts = NULL;
    if (rc == SK_IPC_OK && t.facts_len) {
        facts = malloc((size_t)t.facts_len + 1);
        rc = facts ? sk_ipc_read(fd, facts, t.facts_len, NULL, 0, NULL, deadline_ns)
                   : SK_IPC_ERROR; /* out of step, as for the reply */
    }
    if (rc != SK_IPC_OK) {
        free(reply);
        free(facts);
        return rc == SK_IPC_EOF ? SK_IPC_ERROR : rc;
    }
    if (reply)
        reply[t.reply_len] = '\0';
    if (facts)
        facts[t.facts_len] = '\0';
    free(req->facts);
    req->facts = facts;
    req->facts_len = t.facts_len;
    free(req->reply);
    req->reply = reply;
    req->reply_len = (size_t)t.reply_len;
    req->verdict = (enum sk_verdict)t.verdict;
    req->bytes = t.bytes;
    req->size = (size_t)t.size;
    req->out_of_memory = t.out_of_memory != 0;
    t.codes[sizeof t.codes - 1] = t.sha[sizeof t.sha - 1] = t.error[sizeof t.error - 1] = '\0';
    memcpy(req->codes, t.codes, sizeof req->codes);
    memcpy(req->sha, t.sha, sizeof req->sha);
    memcpy(req->error, t.error, sizeof req->error);
    return SK_IPC_OK;
}

int sk_scanwire_call(int fd, struct sk_dreq *req, uint64_t deadline_ns)
{
    size_t len = 0;
    uint8_t *buf = encode_request(req, &len);
    if (!buf) {
        return SK_SCANWIRE_NOMEM;
    }
    int data_fd = request_fd(req);
    int rc = sk_ipc_write(fd, buf, len, data_fd >= 0 ? &data_fd : NULL, data_fd >= 0,
                          deadline_ns);
    free(buf);
    if (rc != SK_IPC_OK)
        return rc;
    return read_answer(fd, req, deadline_ns);
}

/* ---- the scanner's half ---- */

static bool head_fits(const struct sk_scan_head *h)
{
    uint64_t total = (uint64_t)h->id_len + h->filename_len + h->path_len + h->passwords_len +
                     h->body_len + h->source_len;
    return h->magic == SK_SCAN_HEAD_MAGIC && total + 5 <= SK_SCAN_MAX_STRINGS &&
           h->kind <= SK_DREQ_CLAMD_FD && h->path_len <= SK_DAEMON_MAX_COMMAND &&
           h->n_passwords <= h->passwords_len;
}

/* The next string at *p, checked to end in its NUL inside end. */
static const char *take_str(char **p, const char *end, uint32_t n, bool present)
{
    char *s = *p;
    if ((size_t)(end - s) < (size_t)n + 1 || s[n] != '\0')
        return (const char *)-1;
    *p = s + n + 1;
    return present ? s : NULL;
}

#define BAD ((const char *)-1)

/* Points the request's fields into its strings. 0 or -1 (out of step). */
static int split_strings(struct sk_scanwire_in *in, size_t total)
{
    const struct sk_scan_head *h = &in->head;
    struct sk_dreq *req = &in->req;
    char *p = in->strings;
    const char *end = in->strings + total;
    const char *id = take_str(&p, end, h->id_len, h->flags & SK_SCAN_HAS_ID);
    const char *filename = take_str(&p, end, h->filename_len, h->flags & SK_SCAN_HAS_FILENAME);
    const char *path = take_str(&p, end, h->path_len, h->path_len > 0);
    if (id == BAD || filename == BAD || path == BAD)
        return -1;
    in->passwords = calloc(h->n_passwords + 1u, sizeof *in->passwords);
    if (!in->passwords)
        return -1;
    const char *pw_end = p + h->passwords_len;
    if (pw_end > end)
        return -1;
    for (uint32_t k = 0; k < h->n_passwords; k++) {
        const char *nul = memchr(p, '\0', (size_t)(pw_end - p));
        if (!nul)
            return -1;
        in->passwords[k] = p;
        p = (char *)nul + 1;
    }
    if (p != pw_end)
        return -1;
    const char *body = take_str(&p, end, h->body_len, h->flags & SK_SCAN_HAS_BODY);
    const char *source = body == BAD ? BAD
                                     : take_str(&p, end, h->source_len,
                                                h->flags & SK_SCAN_HAS_SOURCE);
    if (body == BAD || source == BAD || p != end)
        return -1;
    req->id = (char *)id;
    if (req->kind == SK_DREQ_NATIVE) {
        req->u.native.filename = (char *)filename;
        req->u.native.passwords = (char **)in->passwords;
        req->u.native.n_passwords = h->n_passwords;
        req->u.native.body = (char *)body;
        req->u.native.body_len = body ? h->body_len : 0;
        req->u.native.password_source = (char *)source;
    } else {
        req->u.clamd.path = (char *)path;
        req->u.clamd.frame.session_seq = h->session_seq;
        req->u.clamd.frame.delim = (char)h->delim;
    }
    return 0;
}

int sk_scanwire_read(int fd, struct sk_scanwire_in *in)
{
    memset(in, 0, sizeof *in);
    in->fd = -1;
    in->req.u.clamd.fd = -1;
    size_t n_fds = 0;
    int rc = sk_ipc_read(fd, &in->head, sizeof in->head, &in->fd, 1, &n_fds, 0);
    if (rc != SK_IPC_OK) {
        in->fd = -1; /* sk_ipc_read closed whatever came */
        return rc;
    }
    if (!n_fds)
        in->fd = -1;
    const struct sk_scan_head *h = &in->head;
    if (!head_fits(h))
        return SK_IPC_ERROR;
    struct sk_dreq *req = &in->req;
    req->kind = (enum sk_dreq_kind)h->kind;
    req->conn_no = h->conn_no;
    req->seq = h->seq;
    req->start_ns = h->start_ns;
    req->size = (size_t)h->size;
    /* FILDES always brings its file, a path never a descriptor; bytes come
     * in a memfd unless there are none. */
    bool has_fd = in->fd >= 0;
    if ((req->kind == SK_DREQ_CLAMD_FD && !has_fd) || (req->kind == SK_DREQ_CLAMD_PATH && has_fd) ||
        (req->size > 0 && !has_fd))
        return SK_IPC_ERROR;
    size_t total = (size_t)h->id_len + h->filename_len + h->path_len + h->passwords_len +
                   h->body_len + h->source_len + 5;
    in->strings = malloc(total);
    if (!in->strings || sk_ipc_read(fd, in->strings, total, NULL, 0, NULL, 0) != SK_IPC_OK ||
        split_strings(in, total) != 0)
        return SK_IPC_ERROR;
    if (req->kind == SK_DREQ_CLAMD_FD) {
        req->u.clamd.fd = in->fd; /* sk_dreq_run maps it */
    } else if (has_fd) {
        if (sk_shm_map_readonly(in->fd, req->size, &in->data) != 0)
            return SK_IPC_ERROR;
        req->data = (uint8_t *)in->data;
    }
    return SK_IPC_OK;
}

void sk_scanwire_in_free(struct sk_scanwire_in *in)
{
    if (in->data)
        munmap((void *)in->data, (size_t)in->head.size);
    if (in->fd >= 0)
        close(in->fd);
    free(in->req.reply);
    free(in->req.facts);
    free(in->passwords);
    free(in->strings);
    memset(in, 0, sizeof *in);
    in->fd = -1;
}

int sk_scanwire_answer(int fd, struct sk_dreq *req)
{
    struct sk_scan_tail t = {.magic = SK_SCAN_TAIL_MAGIC,
                             .verdict = (uint32_t)req->verdict,
                             .out_of_memory = req->out_of_memory,
                             .facts_len = req->facts_len <= SK_SCAN_MAX_FACTS
                                              ? (uint32_t)req->facts_len
                                              : 0,
                             .bytes = req->bytes,
                             .size = req->size,
                             .reply_len = req->reply_len};
    memcpy(t.codes, req->codes, sizeof t.codes);
    memcpy(t.sha, req->sha, sizeof t.sha);
    memcpy(t.error, req->error, sizeof t.error);
    int rc = sk_ipc_write(fd, &t, sizeof t, NULL, 0, 0);
    if (rc == SK_IPC_OK && req->reply_len)
        rc = sk_ipc_write(fd, req->reply, req->reply_len, NULL, 0, 0);
    if (rc == SK_IPC_OK && t.facts_len)
        rc = sk_ipc_write(fd, req->facts, t.facts_len, NULL, 0, 0);
    free(req->reply);
    req->reply = NULL;
    req->reply_len = 0;
    free(req->facts);
    req->facts = NULL;
    req->facts_len = 0;
    return rc == SK_IPC_OK ? 0 : -1;
}
