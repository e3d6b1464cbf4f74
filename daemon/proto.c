/* The daemon's wire parsing, apart from any I/O (proto.h). */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/dynbuf.h"
#include "../engine/error.h"
#include "../engine/limits.h"

/* Appends to the line, capped at max (this kind of line's): 0, SK_ELIMIT or
 * SK_ENOMEM. The line stays in the plain fields of struct sk_proto, which
 * the connection reads (line_len) and a zeroed struct starts; it is lent to
 * a dynbuf for the append. */
static int line_append(struct sk_proto *p, const uint8_t *src, size_t n, size_t max)
{
    struct sk_dynbuf line = {
        .p = p->line, .len = p->line_len, .alloc = p->line_cap, .toobig = max};
    int rc = sk_dynbuf_add(&line, src, n);
    p->line = line.p;
    p->line_len = line.len;
    p->line_cap = line.alloc;
    return rc;
}

/* Appends up to the delimiter; an event once the line is whole or too long. */
static size_t read_line(struct sk_proto *p, const uint8_t *buf, size_t len, char delim,
                        size_t max, struct sk_proto_ev *ev)
{
    const uint8_t *end = memchr(buf, delim, len);
    size_t n = end ? (size_t)(end - buf) : len;
    int rc = line_append(p, buf, n, max);
    if (rc != 0) {
        ev->kind = rc == SK_ELIMIT ? SK_PEV_TOO_LONG : SK_PEV_NOMEM;
        return 0;
    }
    if (end) {
        ev->kind = SK_PEV_HEADER; /* the caller names it */
        ev->text = p->line;
        ev->text_len = p->line_len;
        p->line_len = 0;
    }
    return n + (end != NULL);
}

static size_t feed_command(struct sk_proto *p, const uint8_t *buf, size_t len,
                           struct sk_proto_ev *ev)
{
    if (p->line_len == 0) {
        /* FILDES's dummy byte and stray delimiters between commands. */
        if (buf[0] == '\0' || buf[0] == '\n' || buf[0] == '\r')
            return 1;
        p->delim = buf[0] == 'z' ? '\0' : '\n';
    }
    size_t used = read_line(p, buf, len, p->delim, SK_DAEMON_MAX_COMMAND, ev);
    if (ev->kind != SK_PEV_HEADER)
        return used;
    char *cmd = ev->text;
    if (cmd[0] == 'z' || cmd[0] == 'n')
        cmd++;
    size_t n = strlen(cmd); /* a NUL inside an n-command ends it */
    if (n && cmd[n - 1] == '\r')
        cmd[--n] = '\0';
    ev->kind = SK_PEV_COMMAND;
    ev->text = cmd;
    ev->text_len = n;
    return used;
}

static size_t feed_chunk_len(struct sk_proto *p, const uint8_t *buf, size_t len,
                             struct sk_proto_ev *ev)
{
    size_t n = 4 - p->lenbuf_n < len ? 4 - p->lenbuf_n : len;
    memcpy(p->lenbuf + p->lenbuf_n, buf, n);
    p->lenbuf_n += n;
    if (p->lenbuf_n < 4)
        return n;
    p->lenbuf_n = 0;
    ev->kind = SK_PEV_CHUNK;
    ev->chunk_len = (uint32_t)p->lenbuf[0] << 24 | (uint32_t)p->lenbuf[1] << 16 |
                    (uint32_t)p->lenbuf[2] << 8 | p->lenbuf[3];
    if (ev->chunk_len == 0) {
        p->state = SK_PROTO_CCMD;
    } else {
        p->state = SK_PROTO_CDATA;
        p->left = ev->chunk_len;
    }
    return n;
}

/* Passes on payload or chunk bytes (or skips them). */
static size_t feed_bytes(struct sk_proto *p, const uint8_t *buf, size_t len,
                         struct sk_proto_ev *ev)
{
    size_t n = p->left < len ? (size_t)p->left : len;
    enum sk_proto_state state = p->state;
    sk_proto_took_direct(p, n);
    if (state != SK_PROTO_NSKIP) {
        ev->kind = state == SK_PROTO_NPAYLOAD ? SK_PEV_PAYLOAD : SK_PEV_CHUNK_DATA;
        ev->data = buf;
        ev->len = n;
        ev->last = p->left == 0;
    }
    return n;
}

size_t sk_proto_feed(struct sk_proto *p, const uint8_t *buf, size_t len, struct sk_proto_ev *ev)
{
    memset(ev, 0, sizeof *ev);
    if (len == 0)
        return 0;
    size_t used = 0;
    switch (p->state) {
    case SK_PROTO_DETECT: p->state = buf[0] == '{' ? SK_PROTO_NHEADER : SK_PROTO_CCMD; break;
    case SK_PROTO_NHEADER: used = read_line(p, buf, len, '\n', SK_DAEMON_MAX_HEADER, ev); break;
    case SK_PROTO_CCMD: used = feed_command(p, buf, len, ev); break;
    case SK_PROTO_CLEN: used = feed_chunk_len(p, buf, len, ev); break;
    case SK_PROTO_NPAYLOAD:
    case SK_PROTO_NSKIP:
    case SK_PROTO_CDATA: used = feed_bytes(p, buf, len, ev); break;
    case SK_PROTO_CWAITFD: break;
    }
    return used;
}

void sk_proto_expect_payload(struct sk_proto *p, uint64_t size)
{
    p->state = size ? SK_PROTO_NPAYLOAD : SK_PROTO_NHEADER;
    p->left = size;
}

void sk_proto_skip_payload(struct sk_proto *p, uint64_t size)
{
    p->state = size ? SK_PROTO_NSKIP : SK_PROTO_NHEADER;
    p->left = size;
}

void sk_proto_expect_chunks(struct sk_proto *p)
{
    p->state = SK_PROTO_CLEN;
    p->lenbuf_n = 0;
}

void sk_proto_took_direct(struct sk_proto *p, size_t n)
{
    p->left -= n;
    if (p->left > 0)
        return;
    p->state = p->state == SK_PROTO_CDATA ? SK_PROTO_CLEN : SK_PROTO_NHEADER;
}

bool sk_proto_at_boundary(const struct sk_proto *p)
{
    return p->line_len == 0 && (p->state == SK_PROTO_DETECT || p->state == SK_PROTO_NHEADER ||
                                p->state == SK_PROTO_CCMD);
}

void sk_proto_free(struct sk_proto *p)
{
    free(p->line);
    p->line = NULL;
    p->line_len = p->line_cap = 0;
}

/* ---- the native header ---- */

/* Checks the optional fields of a native header; NULL if all are well. */
static const char *check_fields(json_t *h, json_t **filename, json_t **body, json_t **passwords)
{
    *filename = json_object_get(h, "filename");
    *body = json_object_get(h, "body");
    *passwords = json_object_get(h, "passwords");
    if (*filename && !json_is_string(*filename))
        return "\"filename\" must be a string";
    if (*body && !json_is_string(*body))
        return "\"body\" must be a string";
    if (*passwords) {
        if (!json_is_array(*passwords) || json_array_size(*passwords) > SK_CAP_PASSWORDS)
            return "\"passwords\" must be an array of at most 4096 strings";
        for (size_t i = 0; i < json_array_size(*passwords); i++)
            if (!json_is_string(json_array_get(*passwords, i)))
                return "\"passwords\" must hold strings";
    }
    return NULL;
}

static int refuse(struct sk_native_error *err, const char *code, const char *message)
{
    err->code = code;
    snprintf(err->message, sizeof err->message, "%s", message);
    return -1;
}

static int parse_type(const char *type, enum sk_native_type *out)
{
    if (!type)
        return -1;
    if (strcmp(type, "message") == 0)
        *out = SK_NATIVE_MESSAGE;
    else if (strcmp(type, "file") == 0)
        *out = SK_NATIVE_FILE;
    else if (strcmp(type, "stats") == 0)
        *out = SK_NATIVE_STATS;
    else if (strcmp(type, "verdict") == 0)
        *out = SK_NATIVE_VERDICT;
    else
        return -1;
    return 0;
}

int sk_native_header_parse(const char *text, size_t len, uint64_t max_bytes,
                           struct sk_native_header *h, struct sk_native_error *err)
{
    memset(h, 0, sizeof *h);
    json_error_t jerr;
    h->json = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!h->json || !json_is_object(h->json))
        return refuse(err, "bad_request", "the header is not a JSON object");
    json_t *jid = json_object_get(h->json, "id");
    if (jid && !json_is_string(jid))
        return refuse(err, "bad_request", "\"id\" must be a string");
    h->id = jid ? json_string_value(jid) : NULL;
    if (parse_type(json_string_value(json_object_get(h->json, "type")), &h->type) != 0)
        return refuse(err, "bad_request", "\"type\" must be message, file, stats or verdict");
    json_t *jsecret = json_object_get(h->json, "secret");
    if (jsecret && (!json_is_string(jsecret) || json_string_length(jsecret) > SK_NATIVE_MAX_SECRET))
        return refuse(err, "bad_request", "\"secret\" must be a string");
    h->secret = jsecret ? json_string_value(jsecret) : NULL;
    h->secret_len = jsecret ? json_string_length(jsecret) : 0;
    if (h->type == SK_NATIVE_STATS)
        return 0;
    if (h->type == SK_NATIVE_VERDICT) {
        json_t *jtoken = json_object_get(h->json, "token");
        if (!json_is_string(jtoken) || json_string_length(jtoken) > SK_NATIVE_MAX_TOKEN)
            return refuse(err, "bad_request", "a verdict request needs its \"token\"");
        h->token = json_string_value(jtoken);
        return 0;
    }
    json_t *jsize = json_object_get(h->json, "size");
    if (!json_is_integer(jsize) || json_integer_value(jsize) < 0)
        return refuse(err, "bad_request", "\"size\" must be a non-negative integer");
    h->size = (uint64_t)json_integer_value(jsize);
    if (h->size > max_bytes) {
        err->code = "too_large";
        snprintf(err->message, sizeof err->message, "size %llu is over max-bytes %llu",
                 (unsigned long long)h->size, (unsigned long long)max_bytes);
        return -1;
    }
    json_t *filename, *body, *passwords;
    const char *bad = check_fields(h->json, &filename, &body, &passwords);
    if (bad)
        return refuse(err, "bad_request", bad);
    h->filename = filename ? json_string_value(filename) : NULL;
    h->body = body ? json_string_value(body) : NULL;
    h->body_len = body ? json_string_length(body) : 0;
    h->n_passwords = passwords ? json_array_size(passwords) : 0;
    return 0;
}

const char *sk_native_password(const struct sk_native_header *h, size_t i)
{
    json_t *passwords = json_object_get(h->json, "passwords");
    return i < h->n_passwords ? json_string_value(json_array_get(passwords, i)) : NULL;
}

void sk_native_header_free(struct sk_native_header *h)
{
    json_decref(h->json);
    h->json = NULL;
}

/* ---- clamd commands ---- */

static bool word_is(const char *cmd, const char *word, const char **arg)
{
    size_t n = strlen(word);
    if (strncmp(cmd, word, n) != 0)
        return false;
    if (cmd[n] == '\0') {
        *arg = NULL;
        return true;
    }
    if (cmd[n] != ' ')
        return false;
    *arg = cmd + n + 1;
    return true;
}

enum sk_clamd_cmd sk_clamd_command(const char *cmd, const char **arg)
{
    static const struct {
        const char *word;
        enum sk_clamd_cmd cmd;
    } words[] = {
        {"PING", SK_CLAMD_PING},
        {"VERSION", SK_CLAMD_VERSION},
        {"VERSIONCOMMANDS", SK_CLAMD_VERSIONCOMMANDS},
        {"STATS", SK_CLAMD_STATS},
        {"IDSESSION", SK_CLAMD_IDSESSION},
        {"END", SK_CLAMD_END},
        {"INSTREAM", SK_CLAMD_INSTREAM},
        {"FILDES", SK_CLAMD_FILDES},
        {"SCAN", SK_CLAMD_SCAN},
        {"CONTSCAN", SK_CLAMD_SCAN},
        {"MULTISCAN", SK_CLAMD_SCAN},
        {"ALLMATCHSCAN", SK_CLAMD_SCAN},
    };
    *arg = NULL;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (!word_is(cmd, words[i].word, arg))
            continue;
        /* A path scan needs an absolute path. */
        if (words[i].cmd == SK_CLAMD_SCAN && !(*arg && (*arg)[0] == '/'))
            break;
        return words[i].cmd;
    }
    *arg = NULL;
    return SK_CLAMD_UNKNOWN;
}
