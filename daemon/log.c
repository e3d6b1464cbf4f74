/* The daemon's log lines (log.h). */
#include <stdbool.h>
#include <stdio.h>
#include <uv.h>

#include "log.h"
#include "proto.h" /* SK_DAEMON_MAX_COMMAND */

/* Copies a client-chosen string for the log, without control characters. */
static void log_safe(char *out, size_t len, const char *in)
{
    size_t i = 0;
    for (; in && in[i] && i + 1 < len; i++)
        out[i] = ((unsigned char)in[i] < 0x20 || in[i] == 0x7f) ? '?' : in[i];
    out[i] = '\0';
}

/* The line, with a milter message's envelope (already safe) when given. */
static void log_line(const char *id, const char *conn, const char *verdict, const char *codes,
                     uint64_t bytes, uint64_t start_ns, const char *sha, const char *path,
                     const char *envelope)
{
    char safe_id[128], safe_path[SK_DAEMON_MAX_COMMAND];
    log_safe(safe_id, sizeof safe_id, id ? id : conn ? conn : "-");
    log_safe(safe_path, sizeof safe_path, path);
    fprintf(stderr, "sekisho: id=%s verdict=%s reasons=%s bytes=%llu ms=%.2f%s%s%s%s%s%s%s\n",
            safe_id, verdict, codes && codes[0] ? codes : "-", (unsigned long long)bytes,
            (double)(uv_hrtime() - start_ns) / 1e6, id && conn ? " conn=" : "",
            id && conn ? conn : "", sha && sha[0] ? " sha256=" : "", sha && sha[0] ? sha : "",
            path ? " path=" : "", path ? safe_path : "", envelope ? envelope : "");
}

void sk_server_log(const char *id, const char *conn, const char *verdict, const char *codes,
                   uint64_t bytes, uint64_t start_ns, const char *sha, const char *path)
{
    log_line(id, conn, verdict, codes, bytes, start_ns, sha, path, NULL);
}

/* ` from=<a> rcpt=<b>,<c>` for a milter message: the first recipients
 * that fit the line. */
static void envelope_text(const struct sk_dreq *req, char *out, size_t len)
{
    const struct sk_dreq_native *n = &req->u.native;
    char part[256];
    log_safe(part, sizeof part, n->envelope_from);
    int used = snprintf(out, len, " from=<%s> rcpt=", part);
    for (size_t i = 0; i < n->n_envelope_rcpts && used > 0 && (size_t)used < len; i++) {
        log_safe(part, sizeof part, n->envelope_rcpts[i]);
        used += snprintf(out + used, len - (size_t)used, "%s<%s>", i ? "," : "", part);
    }
}

void sk_dreq_log(const struct sk_dreq *req, const char *verdict, const char *codes,
                 uint64_t bytes, const char *sha, const char *path)
{
    char conn[48], envelope[1024];
    snprintf(conn, sizeof conn, "%llu.%u", (unsigned long long)req->conn_no, req->seq);
    bool milter = req->kind == SK_DREQ_NATIVE && req->u.native.envelope_from;
    if (milter)
        envelope_text(req, envelope, sizeof envelope);
    log_line(req->kind == SK_DREQ_NATIVE ? req->id : NULL, conn, verdict, codes, bytes,
             req->start_ns, sha, path, milter ? envelope : NULL);
}
