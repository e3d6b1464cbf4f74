/* The scan of one request (run.h): no loop, no pool, no server. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/error.h"
#include "mailfacts.h"
#include "reply.h"
#include "run.h"

static void set_reply(struct sk_dreq *req, char *reply, size_t len)
{
    free(req->reply);
    req->reply = reply;
    req->reply_len = reply ? len : 0;
}

void sk_dreq_fail_closed(struct sk_dreq *req, const char *detail)
{
    char *reply = NULL;
    size_t len = 0;
    req->verdict = SK_VERDICT_SANDBOX;
    req->failed_closed = true;
    snprintf(req->codes, sizeof req->codes, "error.internal");
    /* Out of memory even for this: the connection writes a fixed line. */
    if (sk_dreq_is_clamd(req))
        sk_reply_clamd_fail_closed(&req->u.clamd.frame, req->id, &reply, &len);
    else
        sk_reply_native_fail_closed(req->id, detail, &reply, &len);
    set_reply(req, reply, len);
}

/* A request that waited in the pool's queue past --queue-timeout is not
 * scanned: its client has likely given up, and a queue that only grows must
 * shed load. It gets the fail-closed busy answer. */
void sk_dreq_queue_expired(struct sk_dreq *req)
{
    char *reply = NULL;
    size_t len = 0;
    snprintf(req->error, sizeof req->error, "busy");
    snprintf(req->codes, sizeof req->codes, "limit.queue_time");
    if (sk_dreq_is_clamd(req))
        sk_reply_clamd_busy(&req->u.clamd.frame, req->id, &reply, &len);
    else
        sk_reply_native_error(req->id, "busy", "waited past --queue-timeout; retry later",
                              &reply, &len);
    set_reply(req, reply, len);
}

/* The test hook of sk_run_options.fault_report: true when id is one of the
 * '|'-separated labels. */
static bool fault_wanted(const char *labels, const char *id)
{
    if (!labels || !id)
        return false;
    size_t n = strlen(id);
    for (const char *p = labels; *p;) {
        const char *end = strchr(p, '|');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, id, n) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

/* Maps a clamd path or descriptor. 0 or an errno; a SCAN path that is a
 * directory is left open in *dir_fd (else -1). */
static int map_input(struct sk_dreq *req, const struct sk_limits *lim, int *dir_fd)
{
    *dir_fd = -1;
    int fd = req->u.clamd.fd;
    if (req->kind == SK_DREQ_CLAMD_PATH) {
        fd = open(req->u.clamd.path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
            return errno;
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = errno;
    } else if (req->kind == SK_DREQ_CLAMD_PATH && S_ISDIR(st.st_mode)) {
        *dir_fd = fd;
        return 0;
    } else if (!S_ISREG(st.st_mode)) {
        rc = EINVAL;
    }
    if (rc == 0) {
        req->size = (size_t)st.st_size;
        /* Over the limit the engine refuses without reading: no mapping. */
        if (req->size > 0 && (uint64_t)req->size <= lim->max_request_bytes) {
            void *map = mmap(NULL, req->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
            if (map == MAP_FAILED)
                rc = errno;
            else
                req->data = map;
        }
    }
    if (req->kind == SK_DREQ_CLAMD_PATH)
        close(fd);
    return rc;
}

/* The reply of a scanned request. Out of memory: fail closed. */
static void encode_verdict(struct sk_dreq *req, const struct sk_job *job)
{
    char *reply = NULL;
    size_t len = 0;
    if (sk_dreq_is_clamd(req)) {
        /* clamd clients get a name: no JSON report is built for them. */
        const struct sk_clamd_frame *f = &req->u.clamd.frame;
        if (req->verdict == SK_VERDICT_PASS) {
            sk_reply_clamd_ok(f, req->id, &reply, &len);
        } else {
            char name[256];
            sk_clamd_name(job, name, sizeof name);
            sk_reply_clamd_found(f, req->id, name, &reply, &len);
        }
    } else {
        char *json = sk_job_json(job);
        sk_reply_native_verdict(json, &reply, &len);
        free(json);
    }
    if (!reply)
        sk_dreq_fail_closed(req, "out of memory while reporting");
    else
        set_reply(req, reply, len);
}

static void scan_bytes(struct sk_dreq *req, struct sk_worker *worker,
                       const struct sk_run_options *o)
{
    bool native = !sk_dreq_is_clamd(req);
    struct sk_request request = {
        .id = req->id,
        .name = native ? req->u.native.filename : NULL,
        .data = req->data,
        .size = req->size,
        .passwords = native ? (const char *const *)req->u.native.passwords : NULL,
        .n_passwords = native ? req->u.native.n_passwords : 0,
        .body = native ? req->u.native.body : NULL,
        .body_len = native ? req->u.native.body_len : 0,
        .password_source = native ? req->u.native.password_source : NULL,
        .no_hash = o->no_hash,
    };
    struct sk_job *job = NULL;
    if (sk_scan(worker, &request, &job) != 0) {
        sk_dreq_fail_closed(req, "out of memory before the scan");
        return;
    }
    if (fault_wanted(o->fault_report, req->id)) {
        sk_job_free(job);
        sk_dreq_fail_closed(req,
                            "out of memory while reporting (injected: SEKISHO_FAULT_REPORT)");
        return;
    }
    /* A message's facts travel with it; they are no verdict. First: the
     * facts' candidates may run the harvest that nothing needed during the
     * scan (harvesting is lazy), and what it records must be in the
     * verdict, the codes and the log alike. */
    if (native)
        req->facts = sk_mailfacts_encode(job, &req->facts_len);
    req->verdict = sk_job_verdict(job);
    req->bytes = sk_job_bytes(job);
    sk_job_reason_codes(job, req->codes, sizeof req->codes);
    sk_job_sha256_prefix(job, req->sha, sizeof req->sha);
    req->out_of_memory = sk_job_out_of_memory(job);
    encode_verdict(req, job);
    sk_job_free(job);
}

int sk_dreq_run(struct sk_dreq *req, struct sk_worker *worker, const struct sk_run_options *o)
{
    bool mapped = req->kind == SK_DREQ_CLAMD_PATH || req->kind == SK_DREQ_CLAMD_FD;
    if (mapped) {
        int dir_fd;
        int err = map_input(req, o->limits, &dir_fd);
        if (!err && dir_fd >= 0) {
            if (sk_dirscan(req, worker, o, dir_fd) != 0)
                sk_dreq_fail_closed(req, "out of memory in a directory scan");
            return req->reply ? 0 : SK_ENOMEM;
        }
        if (err) {
            /* Not scanned: an ERROR reply (never OK), logged and counted as
             * the error it is. */
            char *reply = NULL;
            size_t len = 0;
            sk_reply_clamd_error(&req->u.clamd.frame, req->id, sk_dreq_error_text(err), &reply,
                                 &len);
            set_reply(req, reply, len);
            snprintf(req->error, sizeof req->error, "%s", sk_dreq_error_code(err));
            return req->reply ? 0 : SK_ENOMEM;
        }
    }
    scan_bytes(req, worker, o);
    if (mapped && req->data) {
        munmap(req->data, req->size);
        req->data = NULL;
    }
    return req->reply ? 0 : SK_ENOMEM;
}

void sk_dreq_free(struct sk_dreq *req)
{
    if (!req)
        return;
    free(req->id);
    if (req->kind == SK_DREQ_NATIVE) {
        free(req->u.native.filename);
        for (size_t i = 0; i < req->u.native.n_passwords; i++)
            free(req->u.native.passwords[i]);
        free(req->u.native.passwords);
        free(req->u.native.body);
        free(req->u.native.password_source);
        free(req->u.native.token);
        free(req->u.native.envelope_from);
        for (size_t i = 0; i < req->u.native.n_envelope_rcpts; i++)
            free(req->u.native.envelope_rcpts[i]);
        free(req->u.native.envelope_rcpts);
    } else {
        free(req->u.clamd.path);
        if (req->u.clamd.fd >= 0)
            close(req->u.clamd.fd);
    }
    sk_shm_free(&req->shm);
    free(req->reply);
    free(req->facts);
    free(req);
}
