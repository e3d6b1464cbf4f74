/* One connection: framing of the native protocol and of the clamd protocol
 * (DESIGN.md), chosen per connection by the first byte ('{': native).
 *
 * Memory a client can make us hold: the read buffer (SK_DAEMON_READ_BUF), one
 * header or command line (SK_DAEMON_MAX_HEADER / SK_DAEMON_MAX_COMMAND), and
 * for each request in flight one buffer of at most max-bytes: the native
 * payload is allocated from the declared size after it is checked, an
 * INSTREAM buffer grows with what arrived and never past max-bytes, and the
 * number of requests in flight is bounded by the server's queue (`busy`).
 *
 * Lifetime: the struct owns its libuv handle and is freed only after the
 * handle's close callback has run and no scan of it is pending. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

enum conn_state {
    ST_DETECT,   /* first byte not seen yet */
    ST_NHEADER,  /* native: reading a header line */
    ST_NPAYLOAD, /* native: reading `size` bytes into cur->data */
    ST_NSKIP,    /* native: discarding the payload of a refused request */
    ST_CCMD,     /* clamd: reading a command */
    ST_CLEN,     /* clamd INSTREAM: a chunk length */
    ST_CDATA,    /* clamd INSTREAM: chunk bytes into cur->data */
    ST_CWAITFD,  /* clamd FILDES: waiting for the descriptor */
};

struct sk_conn {
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_pipe_t pipe;
        uv_tcp_t tcp;
    } h;
    struct sk_server *server;
    struct sk_conn *prev, *next;
    bool is_unix;
    bool reading;
    bool closing;       /* uv_close called */
    bool handle_closed; /* its close callback ran */
    bool stop_input;    /* a fatal error reply is on its way, or EOF */
    bool close_after_write;
    bool waiting_reply; /* clamd: one command at a time */
    bool in_session;    /* clamd IDSESSION */
    unsigned pending_scans;
    unsigned writes_pending;
    uint64_t last_read_ns; /* when a byte last arrived (uv_hrtime) */
    enum conn_state state;
    struct sk_dreq *cur; /* the request being read */
    uint64_t skip_left;
    char delim; /* clamd reply delimiter of the current command */
    unsigned session_seq;
    uint8_t lenbuf[4];
    size_t lenbuf_n;
    uint32_t chunk_left;
    char *line; /* header or command being assembled */
    size_t line_len, line_cap;
    size_t rpos, rlen;
    char rbuf[SK_DAEMON_READ_BUF];
};

struct write_req {
    uv_write_t req;
    struct sk_conn *conn;
    char *data;
};

static void process_input(struct sk_conn *c);
static void update_reading(struct sk_conn *c);

void sk_dreq_free(struct sk_dreq *req)
{
    if (!req)
        return;
    free(req->id);
    free(req->filename);
    for (size_t i = 0; i < req->n_passwords; i++)
        free(req->passwords[i]);
    free(req->passwords);
    free(req->body);
    if (req->kind == SK_DREQ_NATIVE || req->kind == SK_DREQ_CLAMD_STREAM)
        free(req->data);
    free(req->path);
    if (req->fd >= 0)
        close(req->fd);
    free(req->reply);
    free(req);
}

static struct sk_dreq *dreq_new(struct sk_conn *c, enum sk_dreq_kind kind)
{
    struct sk_dreq *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->kind = kind;
    req->conn = c;
    req->fd = -1;
    req->start_ns = uv_hrtime();
    req->delim = c->delim;
    return req;
}

/* ---- lifetime ---- */

static void maybe_free(struct sk_conn *c)
{
    if (!c->handle_closed || c->pending_scans > 0 || c->writes_pending > 0)
        return;
    struct sk_server *server = c->server;
    free(c->line);
    free(c);
    sk_server_conn_gone(server);
}

static void on_close(uv_handle_t *handle)
{
    struct sk_conn *c = handle->data;
    struct sk_server *server = c->server;
    c->handle_closed = true;
    if (c->prev)
        c->prev->next = c->next;
    else
        server->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    server->n_conns--;
    maybe_free(c);
}

/* Drops a half-read request and gives back its slot. */
static void drop_current(struct sk_conn *c)
{
    if (!c->cur)
        return;
    sk_dreq_free(c->cur);
    c->cur = NULL;
    sk_server_release(c->server);
}

static void conn_close(struct sk_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    drop_current(c);
    uv_close(&c->h.handle, on_close);
}

/* At a request boundary with nothing owed to the client. */
static bool idle(const struct sk_conn *c)
{
    bool boundary = c->cur == NULL && c->line_len == 0 &&
                    (c->state == ST_DETECT || c->state == ST_NHEADER || c->state == ST_CCMD);
    return boundary && c->pending_scans == 0 && c->writes_pending == 0;
}

static void close_if_done(struct sk_conn *c)
{
    if (c->closing)
        return;
    if (c->close_after_write && c->writes_pending == 0)
        conn_close(c);
    else if (c->stop_input && c->pending_scans == 0 && c->writes_pending == 0)
        conn_close(c); /* EOF: nothing more to read, nothing owed */
    else if (c->server->draining && idle(c))
        conn_close(c);
}

/* ---- writing ---- */

static void on_write(uv_write_t *w, int status)
{
    struct write_req *wr = (struct write_req *)w;
    struct sk_conn *c = wr->conn;
    free(wr->data);
    free(wr);
    c->writes_pending--;
    if (status < 0 && !c->closing)
        conn_close(c);
    if (c->closing)
        maybe_free(c);
    else
        close_if_done(c);
}

/* Writes len bytes and takes ownership of data (malloc'd). */
static void conn_write_take(struct sk_conn *c, char *data, size_t len)
{
    if (c->closing || !data) {
        free(data);
        return;
    }
    struct write_req *wr = malloc(sizeof *wr);
    if (!wr) {
        free(data);
        conn_close(c);
        return;
    }
    wr->conn = c;
    wr->data = data;
    uv_buf_t buf = uv_buf_init(data, (unsigned)len);
    if (uv_write(&wr->req, &c->h.stream, &buf, 1, on_write) != 0) {
        free(data);
        free(wr);
        conn_close(c);
        return;
    }
    c->writes_pending++;
}

static void conn_write_str(struct sk_conn *c, const char *text, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy) {
        conn_close(c);
        return;
    }
    memcpy(copy, text, len);
    conn_write_take(c, copy, len);
}

/* Stops reading; the connection closes once its last write is out. */
static void fail_connection(struct sk_conn *c)
{
    c->stop_input = true;
    c->close_after_write = true;
    drop_current(c);
    update_reading(c);
    if (c->writes_pending == 0)
        conn_close(c);
}

/* ---- native protocol ---- */

static void native_error(struct sk_conn *c, const char *id, const char *code,
                         const char *message, bool fatal)
{
    struct sk_server *server = c->server;
    server->stats.errors++;
    if (strcmp(code, "busy") == 0)
        server->stats.busy++;
    char log_code[40];
    snprintf(log_code, sizeof log_code, "error:%s", code);
    sk_server_log(server, id, log_code, "-", 0, uv_hrtime());
    json_t *o =
        json_pack("{s:s?,s:{s:s,s:s}}", "id", id, "error", "code", code, "message", message);
    char *json = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    char *line = NULL;
    int n = json ? asprintf(&line, "%s\n", json) : -1;
    free(json);
    if (n < 0) {
        conn_close(c);
        return;
    }
    conn_write_take(c, line, (size_t)n);
    if (fatal)
        fail_connection(c);
}

static char *dup_string(json_t *v)
{
    return v ? strdup(json_string_value(v)) : NULL;
}

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

static void submit_current(struct sk_conn *c)
{
    struct sk_dreq *req = c->cur;
    c->cur = NULL;
    c->pending_scans++;
    if (sk_server_submit(c->server, req) != 0) {
        c->pending_scans--;
        sk_server_release(c->server);
        sk_dreq_free(req);
        if (c->state == ST_NHEADER || c->state == ST_NPAYLOAD)
            native_error(c, NULL, "internal", "could not queue the scan", true);
        else
            fail_connection(c);
        return;
    }
    if (c->state == ST_NPAYLOAD)
        c->state = ST_NHEADER;
    else if (c->state != ST_NHEADER) {
        c->state = ST_CCMD;
        c->waiting_reply = true;
    }
}

static void native_header(struct sk_conn *c, const char *text, size_t len)
{
    struct sk_server *server = c->server;
    json_error_t jerr;
    json_t *h = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    const char *id = NULL;
    if (!h || !json_is_object(h)) {
        native_error(c, NULL, "bad_request", "the header is not a JSON object", true);
        goto out;
    }
    json_t *jid = json_object_get(h, "id");
    if (jid && !json_is_string(jid)) {
        native_error(c, NULL, "bad_request", "\"id\" must be a string", true);
        goto out;
    }
    id = jid ? json_string_value(jid) : NULL;
    const char *type = json_string_value(json_object_get(h, "type"));
    if (!type || (strcmp(type, "message") != 0 && strcmp(type, "file") != 0 &&
                  strcmp(type, "stats") != 0)) {
        native_error(c, id, "bad_request", "\"type\" must be message, file or stats", true);
        goto out;
    }
    if (strcmp(type, "stats") == 0) {
        char *json = sk_server_stats_json(server, id);
        char *line = NULL;
        int n = json ? asprintf(&line, "%s\n", json) : -1;
        free(json);
        if (n < 0)
            conn_close(c);
        else
            conn_write_take(c, line, (size_t)n);
        goto out;
    }
    json_t *jsize = json_object_get(h, "size");
    if (!json_is_integer(jsize) || json_integer_value(jsize) < 0) {
        native_error(c, id, "bad_request", "\"size\" must be a non-negative integer", true);
        goto out;
    }
    uint64_t size = (uint64_t)json_integer_value(jsize);
    if (size > server->opts->limits.max_request_bytes) {
        char msg[96];
        snprintf(msg, sizeof msg, "size %llu is over max-bytes %llu", (unsigned long long)size,
                 (unsigned long long)server->opts->limits.max_request_bytes);
        native_error(c, id, "too_large", msg, true);
        goto out;
    }
    json_t *filename, *body, *passwords;
    const char *bad = check_fields(h, &filename, &body, &passwords);
    if (bad) {
        native_error(c, id, "bad_request", bad, true);
        goto out;
    }
    if (!sk_server_reserve(server)) {
        native_error(c, id, "busy", "the queue is full; retry later", false);
        c->skip_left = size;
        c->state = size ? ST_NSKIP : ST_NHEADER;
        goto out;
    }
    struct sk_dreq *req = dreq_new(c, SK_DREQ_NATIVE);
    bool ok = req != NULL;
    if (ok) {
        c->cur = req; /* from here drop_current() frees it and the slot */
        req->size = (size_t)size;
        req->id = id ? strdup(id) : NULL;
        req->filename = dup_string(filename);
        req->body = dup_string(body);
        req->body_len = body ? json_string_length(body) : 0;
        req->data = size ? malloc((size_t)size) : NULL;
        size_t np = passwords ? json_array_size(passwords) : 0;
        req->passwords = np ? calloc(np, sizeof *req->passwords) : NULL;
        ok = (!id || req->id) && (!filename || req->filename) && (!body || req->body) &&
             (!size || req->data) && (!np || req->passwords);
        for (size_t i = 0; ok && i < np; i++) {
            req->passwords[i] = strdup(json_string_value(json_array_get(passwords, i)));
            ok = req->passwords[i] != NULL;
            req->n_passwords = i + 1;
        }
    } else {
        sk_server_release(server);
    }
    if (!ok) {
        drop_current(c);
        native_error(c, id, "internal", "out of memory", true);
        goto out;
    }
    c->state = ST_NPAYLOAD;
    if (size == 0)
        submit_current(c);
out:
    json_decref(h);
}

/* ---- clamd protocol ---- */

static void clamd_write(struct sk_conn *c, const char *text)
{
    char prefix[24] = "";
    if (c->in_session)
        snprintf(prefix, sizeof prefix, "%u: ", c->session_seq);
    char *line = NULL;
    int n = asprintf(&line, "%s%s%c", prefix, text, c->delim);
    if (n < 0) {
        conn_close(c);
        return;
    }
    conn_write_take(c, line, (size_t)n);
}

/* A reply that ends this command; outside a session clamd then closes. */
static void clamd_final(struct sk_conn *c, const char *text)
{
    clamd_write(c, text);
    if (!c->in_session)
        fail_connection(c);
}

static void clamd_stats(struct sk_conn *c)
{
    struct sk_server *s = c->server;
    char text[512];
    snprintf(text, sizeof text,
             "POOLS: 1\n\nSTATE: VALID PRIMARY\nTHREADS: live %u  idle 0 max %u idle-timeout "
             "30\nQUEUE: %zu items\nREQUESTS: %llu\nBUSY: %llu\nUPTIME: %.0f\n\nEND",
             s->opts->workers, s->opts->workers, s->in_flight,
             (unsigned long long)s->stats.requests, (unsigned long long)s->stats.busy,
             (double)(uv_hrtime() - s->start_ns) / 1e9);
    clamd_final(c, text);
}

/* Starts a scanning command; false when the queue is full (replied). */
static struct sk_dreq *clamd_request(struct sk_conn *c, enum sk_dreq_kind kind,
                                     const char *label)
{
    if (!sk_server_reserve(c->server)) {
        c->server->stats.busy++;
        c->server->stats.errors++;
        sk_server_log(c->server, label, "error:busy", "-", 0, uv_hrtime());
        char text[64];
        snprintf(text, sizeof text, "%s: Server busy ERROR", label);
        clamd_final(c, text);
        if (c->in_session)
            fail_connection(c);
        return NULL;
    }
    struct sk_dreq *req = dreq_new(c, kind);
    if (req)
        req->id = strdup(label);
    if (!req || !req->id) {
        sk_dreq_free(req);
        sk_server_release(c->server);
        fail_connection(c);
        return NULL;
    }
    req->session_seq = c->in_session ? c->session_seq : 0;
    c->cur = req;
    return req;
}

static void take_fd(struct sk_conn *c)
{
    /* libuv keeps a descriptor received on an ipc pipe for uv_accept(); a
     * regular file is not a handle it can make, so it is taken here. */
    int fd = c->h.pipe.accepted_fd;
    if (fd < 0)
        return;
    c->h.pipe.accepted_fd = -1;
    c->cur->fd = fd;
    char label[32];
    snprintf(label, sizeof label, "fd[%d]", fd);
    char *dup = strdup(label);
    if (dup) {
        free(c->cur->id);
        c->cur->id = dup;
    }
    submit_current(c);
}

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

static void clamd_command(struct sk_conn *c, char *cmd)
{
    const char *arg = NULL;
    if (c->in_session)
        c->session_seq++;
    if (word_is(cmd, "PING", &arg)) {
        clamd_final(c, "PONG");
    } else if (word_is(cmd, "VERSION", &arg)) {
        char text[96];
        snprintf(text, sizeof text, "Sekisho %s/%llu", SK_VERSION,
                 (unsigned long long)c->server->current->generation);
        clamd_final(c, text);
    } else if (word_is(cmd, "VERSIONCOMMANDS", &arg)) {
        char text[256];
        snprintf(text, sizeof text,
                 "Sekisho %s/%llu| COMMANDS: SCAN CONTSCAN MULTISCAN ALLMATCHSCAN INSTREAM "
                 "FILDES STATS IDSESSION END VERSION VERSIONCOMMANDS PING",
                 SK_VERSION, (unsigned long long)c->server->current->generation);
        clamd_final(c, text);
    } else if (word_is(cmd, "STATS", &arg)) {
        clamd_stats(c);
    } else if (word_is(cmd, "IDSESSION", &arg)) {
        if (c->in_session) {
            clamd_final(c, "Command invalid inside IDSESSION. ERROR");
            fail_connection(c);
        }
        c->in_session = true;
        c->session_seq = 0;
    } else if (word_is(cmd, "END", &arg)) {
        fail_connection(c);
    } else if (word_is(cmd, "INSTREAM", &arg)) {
        if (clamd_request(c, SK_DREQ_CLAMD_STREAM, "stream")) {
            c->state = ST_CLEN;
            c->lenbuf_n = 0;
        }
    } else if (word_is(cmd, "FILDES", &arg)) {
        if (!c->is_unix) {
            clamd_final(c, "FILDES: only on a Unix socket ERROR");
        } else if (clamd_request(c, SK_DREQ_CLAMD_FD, "fd")) {
            c->state = ST_CWAITFD;
            take_fd(c);
        }
    } else if ((word_is(cmd, "SCAN", &arg) || word_is(cmd, "CONTSCAN", &arg) ||
                word_is(cmd, "MULTISCAN", &arg) || word_is(cmd, "ALLMATCHSCAN", &arg)) &&
               arg && arg[0] == '/') {
        struct sk_dreq *req = clamd_request(c, SK_DREQ_CLAMD_PATH, arg);
        if (req) {
            req->path = strdup(arg);
            if (!req->path)
                fail_connection(c);
            else
                submit_current(c); /* from ST_CCMD: waits for the reply */
        }
    } else {
        clamd_final(c, "UNKNOWN COMMAND");
        fail_connection(c);
    }
}

/* ---- input ---- */

static bool line_append(struct sk_conn *c, const char *p, size_t n, size_t max)
{
    if (n > max - c->line_len)
        return false;
    if (c->line_len + n + 1 > c->line_cap) {
        size_t cap = c->line_cap ? c->line_cap : 256;
        while (cap < c->line_len + n + 1)
            cap *= 2;
        if (cap > max + 1)
            cap = max + 1;
        char *grown = realloc(c->line, cap);
        if (!grown)
            return false;
        c->line = grown;
        c->line_cap = cap;
    }
    memcpy(c->line + c->line_len, p, n);
    c->line_len += n;
    c->line[c->line_len] = '\0';
    return true;
}

/* Grows the INSTREAM buffer for a chunk of n more bytes; false when the
 * stream would pass max-bytes (replied and closing). */
static bool stream_reserve(struct sk_conn *c, uint32_t n)
{
    struct sk_dreq *req = c->cur;
    uint64_t max = c->server->opts->limits.max_request_bytes;
    if ((uint64_t)n > max - req->size) {
        sk_server_log(c->server, "stream", "error:too_large", "-", req->size, req->start_ns);
        c->server->stats.errors++;
        clamd_write(c, "INSTREAM size limit exceeded. ERROR");
        fail_connection(c);
        return false;
    }
    size_t need = req->size + n;
    if (need > req->cap) {
        size_t cap = req->cap ? req->cap : 64 * 1024;
        while (cap < need)
            cap *= 2;
        if ((uint64_t)cap > max)
            cap = (size_t)max;
        uint8_t *grown = realloc(req->data, cap);
        if (!grown) {
            clamd_write(c, "stream: out of memory ERROR");
            fail_connection(c);
            return false;
        }
        req->data = grown;
        req->cap = cap;
    }
    return true;
}

static bool at_boundary(const struct sk_conn *c)
{
    return c->cur == NULL && c->line_len == 0 &&
           (c->state == ST_NHEADER || c->state == ST_CCMD || c->state == ST_DETECT);
}

/* Consumes buffered bytes as far as the state allows. */
static void process_input(struct sk_conn *c)
{
    while (c->rpos < c->rlen && !c->closing && !c->stop_input && !c->waiting_reply) {
        if (c->server->draining && at_boundary(c))
            break;
        const char *p = c->rbuf + c->rpos;
        size_t avail = c->rlen - c->rpos;
        switch (c->state) {
        case ST_DETECT: c->state = p[0] == '{' ? ST_NHEADER : ST_CCMD; break;
        case ST_NHEADER: {
            const char *nl = memchr(p, '\n', avail);
            size_t n = nl ? (size_t)(nl - p) : avail;
            if (!line_append(c, p, n, SK_DAEMON_MAX_HEADER)) {
                native_error(c, NULL, "bad_request", "header line too long", true);
                return;
            }
            c->rpos += n + (nl != NULL);
            if (nl) {
                size_t len = c->line_len;
                c->line_len = 0;
                native_header(c, c->line, len);
            }
            break;
        }
        case ST_NPAYLOAD: {
            struct sk_dreq *req = c->cur;
            size_t n = req->size - req->got < avail ? req->size - req->got : avail;
            memcpy(req->data + req->got, p, n);
            req->got += n;
            c->rpos += n;
            if (req->got == req->size)
                submit_current(c);
            break;
        }
        case ST_NSKIP: {
            size_t n = c->skip_left < avail ? (size_t)c->skip_left : avail;
            c->skip_left -= n;
            c->rpos += n;
            if (c->skip_left == 0)
                c->state = ST_NHEADER;
            break;
        }
        case ST_CCMD: {
            if (c->line_len == 0) {
                /* FILDES's dummy byte and stray delimiters between commands. */
                if (p[0] == '\0' || p[0] == '\n' || p[0] == '\r') {
                    c->rpos++;
                    break;
                }
                c->delim = p[0] == 'z' ? '\0' : '\n';
            }
            const char *end = memchr(p, c->delim, avail);
            size_t n = end ? (size_t)(end - p) : avail;
            if (!line_append(c, p, n, SK_DAEMON_MAX_COMMAND)) {
                clamd_write(c, "Command too long ERROR");
                fail_connection(c);
                return;
            }
            c->rpos += n + (end != NULL);
            if (end) {
                char *cmd = c->line;
                if (cmd[0] == 'z' || cmd[0] == 'n')
                    cmd++;
                size_t len = strlen(cmd);
                if (len && cmd[len - 1] == '\r')
                    cmd[len - 1] = '\0';
                c->line_len = 0;
                clamd_command(c, cmd);
            }
            break;
        }
        case ST_CLEN: {
            size_t n = 4 - c->lenbuf_n < avail ? 4 - c->lenbuf_n : avail;
            memcpy(c->lenbuf + c->lenbuf_n, p, n);
            c->lenbuf_n += n;
            c->rpos += n;
            if (c->lenbuf_n < 4)
                break;
            c->lenbuf_n = 0;
            uint32_t len = (uint32_t)c->lenbuf[0] << 24 | (uint32_t)c->lenbuf[1] << 16 |
                           (uint32_t)c->lenbuf[2] << 8 | c->lenbuf[3];
            if (len == 0) {
                submit_current(c);
            } else if (stream_reserve(c, len)) {
                c->chunk_left = len;
                c->state = ST_CDATA;
            }
            break;
        }
        case ST_CDATA: {
            struct sk_dreq *req = c->cur;
            size_t n = c->chunk_left < avail ? c->chunk_left : avail;
            memcpy(req->data + req->size, p, n);
            req->size += n;
            c->chunk_left -= (uint32_t)n;
            c->rpos += n;
            if (c->chunk_left == 0)
                c->state = ST_CLEN;
            break;
        }
        case ST_CWAITFD:
            take_fd(c);
            if (c->state == ST_CWAITFD)
                return; /* the descriptor comes with a later read */
            break;
        }
    }
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    struct sk_conn *c = handle->data;
    (void)suggested;
    /* Payload bytes go straight into the request's buffer. */
    if (c->rpos == c->rlen && c->state == ST_NPAYLOAD) {
        struct sk_dreq *req = c->cur;
        size_t left = req->size - req->got;
        *buf = uv_buf_init((char *)req->data + req->got,
                           (unsigned)(left < SK_DAEMON_MAX_READ ? left : SK_DAEMON_MAX_READ));
        return;
    }
    if (c->rpos == c->rlen && c->state == ST_CDATA) {
        struct sk_dreq *req = c->cur;
        *buf = uv_buf_init((char *)req->data + req->size, c->chunk_left < SK_DAEMON_MAX_READ
                                                              ? c->chunk_left
                                                              : SK_DAEMON_MAX_READ);
        return;
    }
    if (c->rpos > 0) {
        memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
        c->rlen -= c->rpos;
        c->rpos = 0;
    }
    *buf = uv_buf_init(c->rbuf + c->rlen, (unsigned)(sizeof c->rbuf - c->rlen));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct sk_conn *c = stream->data;
    if (nread < 0) {
        /* EOF: what is in flight is still answered (a client may shut down
         * its side after its last request); a half-read request is dropped. */
        c->stop_input = true;
        drop_current(c);
        if (nread != UV_EOF)
            conn_close(c);
        update_reading(c);
        close_if_done(c);
        return;
    }
    if (nread == 0 || c->closing)
        return;
    c->last_read_ns = uv_hrtime();
    bool into_rbuf = buf->base >= c->rbuf && buf->base < c->rbuf + sizeof c->rbuf;
    if (into_rbuf) {
        c->rlen += (size_t)nread;
    } else if (c->state == ST_NPAYLOAD) {
        c->cur->got += (size_t)nread;
        if (c->cur->got == c->cur->size)
            submit_current(c);
    } else if (c->state == ST_CDATA) {
        c->cur->size += (size_t)nread;
        c->chunk_left -= (uint32_t)nread;
        if (c->chunk_left == 0)
            c->state = ST_CLEN;
    }
    process_input(c);
    if (c->state == ST_CWAITFD && c->cur)
        take_fd(c);
    /* A descriptor nobody asked for (or several) is a protocol violation:
     * without this a client could make libuv queue descriptors unbounded. */
    if (c->is_unix && !c->closing &&
        (uv_pipe_pending_count(&c->h.pipe) > 1 ||
         (c->h.pipe.accepted_fd >= 0 && c->state != ST_CWAITFD))) {
        conn_close(c);
        return;
    }
    update_reading(c);
    close_if_done(c);
}

static void update_reading(struct sk_conn *c)
{
    if (c->closing)
        return;
    bool want = !c->stop_input && !c->waiting_reply && c->rlen - c->rpos < sizeof c->rbuf &&
                !(c->server->draining && at_boundary(c));
    if (want && !c->reading) {
        if (uv_read_start(&c->h.stream, on_alloc, on_read) == 0)
            c->reading = true;
        else
            conn_close(c);
    } else if (!want && c->reading) {
        uv_read_stop(&c->h.stream);
        c->reading = false;
    }
}

/* ---- entry points ---- */

void sk_conn_scan_done(struct sk_dreq *req)
{
    struct sk_conn *c = req->conn;
    c->pending_scans--;
    if (!c->closing) {
        if (req->reply) {
            conn_write_take(c, req->reply, req->reply_len);
            req->reply = NULL;
        } else if (req->kind == SK_DREQ_NATIVE) {
            static const char fixed[] =
                "{\"id\":null,\"verdict\":\"sandbox\",\"error\":{\"code\":\"internal\"}}\n";
            conn_write_str(c, fixed, sizeof fixed - 1);
        } else {
            c->delim = req->delim;
            clamd_write(c, "stream: Heuristics.Sekisho.error.internal FOUND");
        }
        if (req->kind != SK_DREQ_NATIVE) {
            c->waiting_reply = false;
            if (!c->in_session)
                fail_connection(c);
            else
                process_input(c);
        }
        update_reading(c);
        close_if_done(c);
    }
    sk_dreq_free(req);
    if (c->closing)
        maybe_free(c);
}

void sk_conn_accept(struct sk_server *server, uv_stream_t *listener, bool is_unix)
{
    struct sk_conn *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(stderr, "sekisho: out of memory accepting a connection\n");
        return;
    }
    c->server = server;
    c->is_unix = is_unix;
    c->h.handle.data = c;
    /* Unix connections are ipc pipes so that libuv receives FILDES's
     * descriptor with recvmsg(SCM_RIGHTS) instead of dropping it. */
    int rc = is_unix ? uv_pipe_init(server->loop, &c->h.pipe, 1)
                     : uv_tcp_init(server->loop, &c->h.tcp);
    if (rc != 0) {
        free(c);
        return;
    }
    c->h.handle.data = c;
    c->next = server->conns;
    if (c->next)
        c->next->prev = c;
    server->conns = c;
    server->n_conns++;
    server->stats.connections++;
    if (uv_accept(listener, &c->h.stream) != 0) {
        conn_close(c);
        return;
    }
    c->last_read_ns = uv_hrtime();
    update_reading(c);
}

void sk_conn_drain_all(struct sk_server *server)
{
    struct sk_conn *c = server->conns;
    while (c) {
        struct sk_conn *next = c->next;
        update_reading(c);
        close_if_done(c);
        c = next;
    }
}

void sk_conn_close_all(struct sk_server *server)
{
    struct sk_conn *c = server->conns;
    while (c) {
        struct sk_conn *next = c->next;
        conn_close(c);
        c = next;
    }
}

void sk_conn_sweep(struct sk_server *server, uint64_t now_ns)
{
    uint64_t limit_ns = (uint64_t)server->opts->read_timeout_ms * 1000000u;
    struct sk_conn *c = server->conns;
    while (c) {
        struct sk_conn *next = c->next;
        bool half_sent = c->cur != NULL || c->line_len > 0;
        if (!c->closing && half_sent && now_ns - c->last_read_ns > limit_ns) {
            fprintf(stderr, "sekisho: a request stalled for %u ms: connection closed\n",
                    server->opts->read_timeout_ms);
            conn_close(c);
        }
        c = next;
    }
}
