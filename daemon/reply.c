/* The daemon's reply encoder (reply.h): pure, one place per wire shape. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "reply.h"

/* ---- native ---- */

/* Takes json (malloc'd, may be NULL) and makes it a line. */
static int json_line_take(char *json, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!json)
        return SK_ENOMEM;
    size_t n = strlen(json);
    char *line = realloc(json, n + 2);
    if (!line) {
        free(json);
        return SK_ENOMEM;
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    *out = line;
    *len = n + 1;
    return 0;
}

static int object_line(json_t *o, char **out, size_t *len)
{
    char *json = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return json_line_take(json, out, len);
}

int sk_reply_native_verdict(const char *report_json, char **out, size_t *len)
{
    return json_line_take(report_json ? strdup(report_json) : NULL, out, len);
}

int sk_reply_native_error(const char *id, const char *code, const char *message, char **out,
                          size_t *len)
{
    return object_line(
        json_pack("{s:s?,s:{s:s,s:s}}", "id", id, "error", "code", code, "message", message),
        out, len);
}

int sk_reply_native_fail_closed(const char *id, const char *detail, char **out, size_t *len)
{
    return object_line(json_pack("{s:s?,s:s,s:[{s:s,s:s,s:s,s:s}]}", "id", id, "verdict",
                                 "sandbox", "reasons", "code", "error.internal", "verdict",
                                 "sandbox", "path", "", "detail", detail),
                       out, len);
}

/* {"configured":..,"alive":..,...,"list":[{"slot":..,"pid":..,...}]} */
static json_t *scanners_object(const struct sk_reply_stats *s)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < s->n_scanner_list; i++) {
        const struct sk_reply_scanner *e = &s->scanner_list[i];
        if (json_array_append_new(list, json_pack("{s:i,s:i,s:b,s:I,s:I}", "slot", (int)e->slot,
                                                  "pid", (int)e->pid, "busy", e->busy,
                                                  "generation", (json_int_t)e->generation,
                                                  "requests", (json_int_t)e->requests)) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    const uint64_t *n = s->scanners_ended;
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I,s:I,s:I,s:I},s:s,s:o*}", "configured",
                     (json_int_t)s->workers, "alive", (json_int_t)s->scanners_alive, "busy",
                     (json_int_t)s->scanners_busy, "generation",
                     (json_int_t)s->rules_generation, "restarts",
                     (json_int_t)s->scanners_restarts, "ended", "signal", (json_int_t)n[0],
                     "memory", (json_int_t)n[1], "watchdog", (json_int_t)n[2], "exit",
                     (json_int_t)n[3], "start", (json_int_t)n[4], "retired", (json_int_t)n[5],
                     "last_end", s->scanners_last_end ? s->scanners_last_end : "", "list", list);
}

int sk_reply_native_stats(const char *id, const struct sk_reply_stats *s, char **out,
                          size_t *len)
{
    json_t *o = json_pack("{s:s?,s:{s:I,s:I,s:{s:I,s:I,s:I},s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:"
                  "I,s:f}}",
                  "id", id, "stats", "requests", (json_int_t)s->requests, "bytes",
                  (json_int_t)s->bytes, "verdicts", "pass", (json_int_t)s->verdicts[0],
                  "sandbox", (json_int_t)s->verdicts[1], "block", (json_int_t)s->verdicts[2],
                  "errors", (json_int_t)s->errors, "busy", (json_int_t)s->busy, "in_flight",
                  (json_int_t)s->in_flight, "queue", (json_int_t)s->queue, "waiting",
                  (json_int_t)s->waiting, "held_bytes", (json_int_t)s->held_bytes,
                  "queue_bytes", (json_int_t)s->queue_bytes, "connections",
                  (json_int_t)s->connections, "connections_total",
                  (json_int_t)s->connections_total, "workers", (json_int_t)s->workers,
                  "rules_generation", (json_int_t)s->rules_generation, "uptime_s", s->uptime_s);
    json_t *stats = o ? json_object_get(o, "stats") : NULL;
    json_t *corr = json_pack("{s:b,s:I,s:I,s:I,s:I,s:{s:b,s:I,s:I,s:I}}", "on", s->correlation,
                             "held", (json_int_t)s->held, "unlocked", (json_int_t)s->unlocked,
                             "tried", (json_int_t)s->tried, "lost",
                             (json_int_t)s->correlation_lost, "store", "up", s->store_up,
                             "entries", (json_int_t)s->store_entries, "bytes",
                             (json_int_t)s->store_bytes, "errors", (json_int_t)s->store_errors);
    if (stats && json_object_set_new(stats, "correlation", corr) != 0) {
        json_decref(o);
        o = NULL;
        stats = NULL;
    }
    if (stats && json_object_set_new(stats, "scanners", scanners_object(s)) != 0) {
        json_decref(o);
        o = NULL;
    }
    return object_line(o, out, len);
}

/* ---- clamd ---- */

int sk_reply_clamd_text(const struct sk_clamd_frame *f, const char *text, char **out,
                        size_t *len)
{
    char prefix[24] = "";
    if (f->session_seq)
        snprintf(prefix, sizeof prefix, "%u: ", f->session_seq);
    size_t plen = strlen(prefix), tlen = strlen(text);
    size_t add = plen + tlen + 1;
    char *grown = realloc(*out, *len + add + 1);
    if (!grown)
        return SK_ENOMEM;
    memcpy(grown + *len, prefix, plen);
    memcpy(grown + *len + plen, text, tlen);
    grown[*len + plen + tlen] = f->delim;
    grown[*len + add] = '\0';
    *out = grown;
    *len += add;
    return 0;
}

/* `<label>: <fmt...>` as one framed line. */
__attribute__((format(printf, 4, 5))) static int
labelled(const struct sk_clamd_frame *f, char **out, size_t *len, const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return SK_ENOMEM;
    int rc = sk_reply_clamd_text(f, text, out, len);
    free(text);
    return rc;
}

int sk_reply_clamd_ok(const struct sk_clamd_frame *f, const char *label, char **out,
                      size_t *len)
{
    return labelled(f, out, len, "%s: OK", label);
}

int sk_reply_clamd_found(const struct sk_clamd_frame *f, const char *label, const char *name,
                         char **out, size_t *len)
{
    return labelled(f, out, len, "%s: %s FOUND", label, name);
}

int sk_reply_clamd_error(const struct sk_clamd_frame *f, const char *label, const char *text,
                         char **out, size_t *len)
{
    return labelled(f, out, len, "%s: %s ERROR", label, text);
}

int sk_reply_clamd_busy(const struct sk_clamd_frame *f, const char *label, char **out,
                        size_t *len)
{
    return sk_reply_clamd_found(f, label, SK_CLAMD_BUSY_NAME, out, len);
}

int sk_reply_clamd_maxbytes(const struct sk_clamd_frame *f, const char *label, char **out,
                            size_t *len)
{
    return sk_reply_clamd_found(f, label, SK_CLAMD_MAXBYTES_NAME, out, len);
}

int sk_reply_clamd_fail_closed(const struct sk_clamd_frame *f, const char *label, char **out,
                               size_t *len)
{
    return sk_reply_clamd_found(f, label, SK_CLAMD_INTERNAL_NAME, out, len);
}

int sk_reply_clamd_version(const struct sk_clamd_frame *f, const char *version,
                           uint64_t generation, bool with_commands, char **out, size_t *len)
{
    return labelled(f, out, len, "Sekisho %s/%llu%s", version, (unsigned long long)generation,
                    with_commands ? "| COMMANDS: SCAN CONTSCAN MULTISCAN ALLMATCHSCAN INSTREAM "
                                    "FILDES STATS IDSESSION END VERSION VERSIONCOMMANDS PING"
                                  : "");
}

int sk_reply_clamd_stats(const struct sk_clamd_frame *f, const struct sk_reply_stats *s,
                         char **out, size_t *len)
{
    return labelled(f, out, len,
                    "POOLS: 1\n\nSTATE: VALID PRIMARY\nTHREADS: live %llu  idle %llu max %llu "
                    "idle-timeout %u\nQUEUE: %llu items\nREQUESTS: %llu\nBUSY: %llu\nUPTIME: "
                    "%.0f\nSCANNERS: alive %llu busy %llu restarted %llu (signal %llu, memory "
                    "%llu, watchdog %llu, exit %llu, start %llu)\n\nEND",
                    (unsigned long long)s->scanners_alive,
                    (unsigned long long)(s->scanners_alive - s->scanners_busy),
                    (unsigned long long)s->workers, s->idle_timeout_ms / 1000u,
                    (unsigned long long)s->in_flight, (unsigned long long)s->requests,
                    (unsigned long long)s->busy, s->uptime_s,
                    (unsigned long long)s->scanners_alive, (unsigned long long)s->scanners_busy,
                    (unsigned long long)s->scanners_restarts,
                    (unsigned long long)s->scanners_ended[0],
                    (unsigned long long)s->scanners_ended[1],
                    (unsigned long long)s->scanners_ended[2],
                    (unsigned long long)s->scanners_ended[3],
                    (unsigned long long)s->scanners_ended[4]);
}
