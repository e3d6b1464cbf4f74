/* clamd SCAN/CONTSCAN/MULTISCAN/ALLMATCHSCAN on a directory (DESIGN.md,
 * "clamd-compatible protocol"): amavisd-new's stock entry sends
 * `CONTSCAN <tmp>/parts`, the folder of MIME parts it decoded, with the
 * whole original message among them when it met an archive it could not
 * open. Every regular file is scanned as its own input (sniffed: the
 * message is read as a message, so its body's password opens its zip).
 *
 * The reply is clamd's: `<path>: <name> FOUND` per file that did not pass,
 * `<path>: <why> ERROR` per file that could not be read, and `<dir>: OK`
 * only when every file passed. Never an OK beside an ERROR: amavis reads
 * any OK line as clean. SCAN does not stop at the first detection (clamd's
 * does): every file is named, which costs nothing a client relies on.
 *
 * The walk runs on a pool thread under the seccomp filter: openat without
 * write flags, fstat/newfstatat and getdents64 (readdir) are allowed. It
 * uses an explicit stack (no recursion a deep tree could exhaust), at most
 * SK_DIRSCAN_MAX_DEPTH levels and SK_DIRSCAN_MAX_FILES files, and follows
 * no symbolic link (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW): a link, a device or a
 * FIFO is named as an ERROR, never silently left out. Past a bound, the
 * directory is answered `Heuristics.Limits.Exceeded.depth` or `.nodes`
 * FOUND (a limit: hold), since what was not scanned cannot be OK. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/error.h"
#include "log.h"
#include "reply.h"
#include "run.h"

const char *sk_dreq_error_code(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR: return "not_found";
    case EACCES:
    case EPERM: return "access";
    case EINVAL: return "not_regular";
    case ELOOP: return "symlink";
    case ENOMEM: return "nomem";
    default: return "io";
    }
}

const char *sk_dreq_error_text(int err)
{
    if (err == EINVAL)
        return "Not a regular file";
    if (err == ELOOP)
        return "Symbolic link not followed";
    return strerror(err); /* glibc: a static string for every known errno */
}

struct dir_frame {
    DIR *dir;
    char *path; /* as the client will read it */
    unsigned depth;
};

struct dir_walk {
    struct sk_dreq *req;
    struct sk_worker *worker;
    const struct sk_run_options *opts;
    char *out; /* the reply being built */
    size_t out_len;
    bool nomem;
    struct dir_frame stack[SK_DIRSCAN_MAX_DEPTH + 1];
    size_t n_frames;
    unsigned files;
    unsigned found, errors;
    const char *limit; /* "depth" or "nodes" once a bound was hit */
};

/* Appends `<path>: <name> FOUND` to the reply (reply.c frames it). */
static void found_line(struct dir_walk *w, const char *path, const char *name)
{
    if (!w->nomem &&
        sk_reply_clamd_found(&w->req->u.clamd.frame, path, name, &w->out, &w->out_len))
        w->nomem = true;
}

/* Adds a file's reason codes to the request's, each once. */
static void merge_codes(struct sk_dreq *req, const char *codes)
{
    char copy[sizeof req->codes];
    snprintf(copy, sizeof copy, "%s", codes);
    for (char *save = NULL, *code = strtok_r(copy, ",", &save); code;
         code = strtok_r(NULL, ",", &save)) {
        size_t used = strlen(req->codes), n = strlen(code);
        bool seen = false;
        for (const char *p = strstr(req->codes, code); p && !seen; p = strstr(p + 1, code))
            seen = (p == req->codes || p[-1] == ',') && (p[n] == ',' || p[n] == '\0');
        if (!seen && used + n + 2 < sizeof req->codes)
            snprintf(req->codes + used, sizeof req->codes - used, "%s%s", used ? "," : "",
                     code);
    }
}

static void file_error(struct dir_walk *w, const char *path, int err)
{
    w->errors++;
    if (!w->req->error[0])
        snprintf(w->req->error, sizeof w->req->error, "%s", sk_dreq_error_code(err));
    if (!w->nomem && sk_reply_clamd_error(&w->req->u.clamd.frame, path, sk_dreq_error_text(err),
                                          &w->out, &w->out_len))
        w->nomem = true;
    char verdict[40];
    snprintf(verdict, sizeof verdict, "error:%s", sk_dreq_error_code(err));
    sk_dreq_log(w->req, verdict, "-", 0, NULL, path);
}

/* Scans one regular file open at fd (closed here). */
static void scan_file(struct dir_walk *w, const char *path, int fd)
{
    struct stat st;
    uint8_t *map = NULL;
    int err = fstat(fd, &st) != 0 ? errno : S_ISREG(st.st_mode) ? 0 : EINVAL;
    size_t size = err ? 0 : (size_t)st.st_size;
    const struct sk_limits *lim = w->opts->limits;
    /* Over the limit the engine refuses without reading: no mapping. */
    if (!err && size > 0 && (uint64_t)size <= lim->max_request_bytes) {
        void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (m == MAP_FAILED)
            err = errno;
        else
            map = m;
    }
    close(fd);
    if (err) {
        file_error(w, path, err);
        return;
    }
    struct sk_request request = {
        .id = path, .data = map, .size = size, .no_hash = w->opts->no_hash};
    struct sk_job *job = NULL;
    int rc = sk_scan(w->worker, &request, &job);
    if (map)
        munmap(map, size);
    if (rc != 0) {
        /* Not even a job: this file fails closed. */
        w->found++;
        w->req->verdict = SK_VERDICT_SANDBOX;
        merge_codes(w->req, "error.internal");
        found_line(w, path, SK_CLAMD_INTERNAL_NAME);
        return;
    }
    enum sk_verdict v = sk_job_verdict(job);
    char codes[256], sha[17];
    sk_job_reason_codes(job, codes, sizeof codes);
    sk_job_sha256_prefix(job, sha, sizeof sha);
    w->req->bytes += sk_job_bytes(job);
    if (v != SK_VERDICT_PASS) {
        char name[256];
        sk_clamd_name(job, name, sizeof name);
        w->found++;
        merge_codes(w->req, codes);
        found_line(w, path, name);
    }
    if (v > w->req->verdict)
        w->req->verdict = v;
    sk_dreq_log(w->req, sk_verdict_name(v), codes, sk_job_bytes(job), sha, path);
    sk_job_free(job);
}

/* Opens the directory entry name of frame f as a new frame (pushed). */
static void enter_dir(struct dir_walk *w, struct dir_frame *f, const char *name, char *path)
{
    if (f->depth + 1 > SK_DIRSCAN_MAX_DEPTH) {
        w->limit = "depth";
        free(path);
        return;
    }
    int fd = openat(dirfd(f->dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        file_error(w, path, err);
        free(path);
        return;
    }
    w->stack[w->n_frames++] = (struct dir_frame){.dir = d, .path = path, .depth = f->depth + 1};
}

/* One entry of the top frame; false when that directory is finished. */
static bool walk_step(struct dir_walk *w)
{
    struct dir_frame *f = &w->stack[w->n_frames - 1];
    errno = 0;
    struct dirent *e = readdir(f->dir);
    if (!e) {
        if (errno)
            file_error(w, f->path, errno);
        return false;
    }
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        return true;
    size_t plen = strlen(f->path);
    bool slash = plen > 0 && f->path[plen - 1] == '/';
    char *path = NULL;
    if (asprintf(&path, "%s%s%s", f->path, slash ? "" : "/", e->d_name) < 0) {
        w->nomem = true;
        return true;
    }
    struct stat st;
    if (fstatat(dirfd(f->dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        file_error(w, path, errno);
    } else if (S_ISDIR(st.st_mode)) {
        enter_dir(w, f, e->d_name, path);
        return true; /* path belongs to the new frame (or was freed) */
    } else if (S_ISLNK(st.st_mode)) {
        file_error(w, path, ELOOP);
    } else if (!S_ISREG(st.st_mode)) {
        file_error(w, path, EINVAL);
    } else if (++w->files > SK_DIRSCAN_MAX_FILES) {
        w->limit = "nodes";
    } else {
        int fd = openat(dirfd(f->dir), e->d_name,
                        O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            file_error(w, path, errno);
        else
            scan_file(w, path, fd);
    }
    free(path);
    return true;
}

int sk_dirscan(struct sk_dreq *req, struct sk_worker *worker, const struct sk_run_options *o,
               int fd)
{
    struct dir_walk w = {.req = req, .worker = worker, .opts = o};
    int rc = 0;
    req->verdict = SK_VERDICT_PASS;
    req->codes[0] = '\0';
    char *root = strdup(req->u.clamd.path);
    DIR *d = root ? fdopendir(fd) : NULL;
    if (!d) {
        int err = root ? errno : ENOMEM;
        close(fd);
        free(root);
        if (err == ENOMEM) {
            rc = SK_ENOMEM;
            goto out;
        }
        file_error(&w, req->u.clamd.path, err);
        goto done;
    }
    w.stack[w.n_frames++] = (struct dir_frame){.dir = d, .path = root, .depth = 0};
    while (w.n_frames > 0 && !w.limit && !w.nomem) {
        if (!walk_step(&w)) {
            struct dir_frame *f = &w.stack[--w.n_frames];
            closedir(f->dir);
            free(f->path);
        }
    }
    while (w.n_frames > 0) {
        struct dir_frame *f = &w.stack[--w.n_frames];
        closedir(f->dir);
        free(f->path);
    }
done:
    if (w.limit) {
        char code[32];
        snprintf(code, sizeof code, "limit.%s", w.limit);
        merge_codes(req, code);
        if (req->verdict < SK_VERDICT_SANDBOX)
            req->verdict = SK_VERDICT_SANDBOX;
        char name[64];
        snprintf(name, sizeof name, "Heuristics.Limits.Exceeded.%s", w.limit);
        found_line(&w, req->u.clamd.path, name);
    } else if (w.found == 0 && w.errors == 0) {
        if (sk_reply_clamd_ok(&req->u.clamd.frame, req->u.clamd.path, &w.out, &w.out_len))
            w.nomem = true;
    }
    if (w.nomem) {
        rc = SK_ENOMEM;
        goto out;
    }
    req->reply = w.out;
    req->reply_len = w.out_len;
    w.out = NULL;
out:
    free(w.out);
    return rc;
}
