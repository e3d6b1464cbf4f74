/*
 * sekisho-bench: a load generator for `sekisho serve` and clamd over a Unix
 * socket (DESIGN.md "Benchmarks", issue 6).
 *
 *   sekisho-bench --socket PATH --protocol native|clamd --corpus DIR
 *                 [--connections C] [--pipeline K] [--rate R]
 *                 [--duration S] [--requests N] [--warmup S]
 *                 [--server-pid PID] [--json FILE] [--type auto|message|file]
 *
 * Every regular file of DIR (sorted by name) is read into memory once at
 * start and sent round-robin.
 *
 * Closed loop (default): C "lanes", each sends its next request as soon as
 * the previous reply arrived (native: K requests in flight per connection
 * with --pipeline K). Open loop (--rate R): request i is due at
 * t0 + i/R; due requests go to any lane with a free slot, the pool grows
 * up to 4 x C lanes; latency is measured from the scheduled time, so a
 * slow server cannot hide its queueing (no coordinated omission).
 *
 * Native lanes are persistent connections (header line + payload; replies
 * paired by id "lane.slot.seq"). clamd lanes connect per request, send
 * zINSTREAM with 64 KiB chunks and a zero chunk, read the NUL-terminated
 * reply and close.
 *
 * Outcomes: ok (pass / "stream: OK"), found (sandbox, block / "FOUND"),
 * errors (error replies, "ERROR", connection failures, malformed or
 * oversized replies, requests still unanswered 30 s after the end);
 * busy replies are errors and are also counted on their own. Latency
 * samples (microseconds, capped at 50 M) are kept for ok and found only.
 *
 * Exit: 0 completed without errors, 1 errors (the report is still
 * written), 2 bad usage or an unreadable corpus.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "engine/sniff.h"
#include "unpackers/text_head.h"

#define CHUNK (64u * 1024u)
#define MAX_SAMPLES (50u * 1000u * 1000u)
#define MAX_REPLY_LINE (64u * 1024u * 1024u)
#define CLAMD_REPLY_MAX 1024u
#define DRAIN_NS (30ull * 1000000000ull)
#define RETRY_NS (100ull * 1000000ull)
#define MAX_PIPELINE 1024
#define MAX_CONNECTIONS 100000

enum proto { P_NATIVE, P_CLAMD };
enum rtype { T_AUTO, T_MESSAGE, T_FILE };
enum outcome { O_OK, O_FOUND, O_ERROR, O_BUSY };
enum lstate { L_IDLE, L_CONNECTING, L_UP, L_CLOSING, L_DEAD };

struct item {
    char *name;
    uint8_t *data;
    size_t len;
    char *suffix; /* native header after the id */
    size_t suffix_len;
    uv_buf_t *cbufs; /* clamd: the whole INSTREAM request */
    unsigned ncbufs;
    uint32_t *prefixes;
};

struct slot {
    int busy, write_pending, replied, measured;
    uint32_t seq;
    size_t item;
    uint64_t t_sched;
    uv_write_t wreq;
    char hdr[64];
};

struct lane {
    uv_pipe_t pipe;
    uv_connect_t creq;
    enum lstate state;
    int in_stack, backoff;
    unsigned idx, free;
    uint64_t retry_at;
    struct slot *slots; /* native: K slots; clamd: 1 */
    char *rbuf;         /* replies read so far */
    size_t rlen, rcap;
};

struct opts {
    const char *socket, *corpus, *json;
    enum proto proto;
    enum rtype type;
    unsigned conns, pipeline;
    double rate, duration, warmup;
    uint64_t requests;
    long pid;
};

struct stats {
    uint64_t requests, ok, found, errors, busy, bytes;
    uint32_t *samples;
    size_t nsamples, cap;
    int samples_capped;
};

struct bench {
    struct opts o;
    uv_loop_t *loop;
    struct item *items;
    size_t nitems, next_item;
    struct lane *lanes;
    unsigned nlanes, maxlanes, dead;
    unsigned *stack;
    unsigned nstack;
    uint64_t t0, t_meas, t_end, t_last, t_stop;
    uint64_t issued, issued_measured, inflight;
    int stopping, finished, cpu_ok;
    long long cpu_before, cpu_after;
    uv_timer_t tick, warm;
    uv_signal_t sigint;
    struct stats st;
};

static struct bench B;

/* ---------------------------------------------------------------- utils */

/* Prints "sekisho-bench: WHAT ARG" and exits. */
static void die(int code, const char *what, const char *arg)
{
    fprintf(stderr, "sekisho-bench: %s%s\n", what, arg ? arg : "");
    exit(code);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die(2, "out of memory", NULL);
    return p;
}

static uint64_t now_ns(void)
{
    return uv_hrtime();
}

static int measuring_at(uint64_t t)
{
    return t >= B.t_meas;
}

/* ---------------------------------------------------------------- corpus */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_all(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Reads one file if it is regular; returns 1 loaded, 0 skipped. */
static int load_file(int dfd, const char *name, struct item *it)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0)
        return 0;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return 0;
    }
    it->len = (size_t)sb.st_size;
    it->data = xmalloc(it->len);
    if (read_all(fd, it->data, it->len) != 0)
        die(2, "cannot read ", name);
    close(fd);
    it->name = strdup(name);
    return 1;
}

static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        die(2, "cannot open corpus ", dir);
    size_t cap = 64, k = 0;
    char **names = xmalloc(cap * sizeof *names);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (k == cap) {
            cap *= 2;
            names = realloc(names, cap * sizeof *names);
            if (!names)
                die(2, "out of memory", NULL);
        }
        names[k++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, k, sizeof *names, name_cmp);
    *n = k;
    return names;
}

/* A message by the engine's own test (mime.c's bid: RFC 5322 header lines
 * in a text), so the bench labels requests as `sekisho scan` treats them. */
static int looks_like_message(const uint8_t *p, size_t n)
{
    return sk_sniff(p, n) == SK_TYPE_TEXT && sk_looks_like_message(p, n);
}

static size_t json_escape(char *out, size_t cap, const char *s)
{
    size_t k = 0;
    for (; *s && k + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[k++] = '\\';
            out[k++] = (char)c;
        } else if (c < 0x20) {
            k += (size_t)snprintf(out + k, cap - k, "\\u%04x", c);
        } else {
            out[k++] = (char)c;
        }
    }
    out[k] = '\0';
    return k;
}

static void build_native(struct item *it, enum rtype t)
{
    int msg = t == T_MESSAGE || (t == T_AUTO && looks_like_message(it->data, it->len));
    char esc[1024];
    json_escape(esc, sizeof esc, it->name);
    size_t cap = strlen(esc) + 128;
    it->suffix = xmalloc(cap);
    int n = snprintf(it->suffix, cap, "\",\"type\":\"%s\",\"size\":%zu,\"filename\":\"%s\"}\n",
                     msg ? "message" : "file", it->len, esc);
    it->suffix_len = (size_t)n;
}

static void build_clamd(struct item *it)
{
    static char cmd[] = "zINSTREAM";
    size_t nchunks = (it->len + CHUNK - 1) / CHUNK;
    it->prefixes = xmalloc((nchunks + 1) * sizeof *it->prefixes);
    it->cbufs = xmalloc((2 * nchunks + 2) * sizeof *it->cbufs);
    unsigned k = 0;
    it->cbufs[k++] = uv_buf_init(cmd, sizeof cmd); /* with its NUL */
    for (size_t c = 0; c < nchunks; c++) {
        size_t off = c * CHUNK, len = it->len - off < CHUNK ? it->len - off : CHUNK;
        uint32_t be = htonl((uint32_t)len);
        memcpy(&it->prefixes[c], &be, 4);
        it->cbufs[k++] = uv_buf_init((char *)&it->prefixes[c], 4);
        it->cbufs[k++] = uv_buf_init((char *)it->data + off, (unsigned)len);
    }
    it->prefixes[nchunks] = 0;
    it->cbufs[k++] = uv_buf_init((char *)&it->prefixes[nchunks], 4);
    it->ncbufs = k;
}

static uint64_t load_corpus(void)
{
    size_t n;
    char **names = list_dir(B.o.corpus, &n);
    int dfd = open(B.o.corpus, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        die(2, "cannot open corpus ", B.o.corpus);
    B.items = xmalloc((n ? n : 1) * sizeof *B.items);
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        struct item *it = &B.items[B.nitems];
        memset(it, 0, sizeof *it);
        if (load_file(dfd, names[i], it)) {
            build_native(it, B.o.type);
            build_clamd(it);
            total += it->len;
            B.nitems++;
        }
        free(names[i]);
    }
    free(names);
    close(dfd);
    if (B.nitems == 0)
        die(2, "no regular file in ", B.o.corpus);
    return total;
}

/* ---------------------------------------------------------------- stats */

/* utime + stime of one process, and cutime + cstime: what its children
 * that it has already reaped used. -1 when it cannot be read. */
static long long process_ticks(long pid)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long long ut, stt;
    long long cut, cst;
    /* after ")": state(3) ... utime is field 14, stime 15, cutime 16, cstime 17 */
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld",
                     &ut, &stt, &cut, &cst) != 4)
        return -1;
    return (long long)(ut + stt) + cut + cst;
}

/* The CPU time of a server and of its live children (Sekisho's serve is a
 * parent, a front and scanner processes; clamd is one process). */
static long long read_cpu_ticks(long pid)
{
    long long total = process_ticks(pid);
    if (total < 0)
        return -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", pid, pid);
    FILE *f = fopen(path, "r");
    long child;
    while (f && fscanf(f, "%ld", &child) == 1) {
        long long t = process_ticks(child);
        if (t > 0)
            total += t;
    }
    if (f)
        fclose(f);
    return total;
}

static void add_sample(uint64_t ns)
{
    struct stats *s = &B.st;
    if (s->nsamples == s->cap) {
        if (s->cap >= MAX_SAMPLES) {
            s->samples_capped = 1;
            return;
        }
        size_t nc = s->cap * 2 > MAX_SAMPLES ? MAX_SAMPLES : s->cap * 2;
        uint32_t *p = realloc(s->samples, nc * sizeof *p);
        if (!p) {
            s->samples_capped = 1;
            return;
        }
        s->samples = p;
        s->cap = nc;
    }
    uint64_t us = (ns + 500) / 1000;
    s->samples[s->nsamples++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static void record(int measured, uint64_t t_sched, size_t item, enum outcome o)
{
    if (!measured)
        return;
    uint64_t t = now_ns();
    struct stats *s = &B.st;
    s->requests++;
    if (!B.finished)
        B.t_last = t;
    if (o == O_OK || o == O_FOUND) {
        if (o == O_OK)
            s->ok++;
        else
            s->found++;
        s->bytes += B.items[item].len;
        add_sample(t > t_sched ? t - t_sched : 0);
    } else {
        s->errors++;
        if (o == O_BUSY)
            s->busy++;
    }
}

static void count_conn_error(void)
{
    if (measuring_at(now_ns()) && !B.finished) {
        B.st.errors++;
        B.st.requests++;
    }
}

/* ---------------------------------------------------------------- lanes */

static void pump(void);

static void lane_offer(struct lane *l)
{
    if (!l->in_stack && l->free > 0 && l->state == L_UP) {
        B.stack[B.nstack++] = l->idx;
        l->in_stack = 1;
    }
}

/* The lane with a free slot on top of the stack, or NULL. */
static struct lane *lane_take(void)
{
    while (B.nstack > 0) {
        struct lane *l = &B.lanes[B.stack[B.nstack - 1]];
        if (l->state == L_UP && l->free > 0)
            return l;
        l->in_stack = 0;
        B.nstack--;
    }
    return NULL;
}

static void lane_used(struct lane *l)
{
    l->free--;
    B.inflight++;
    if (l->free == 0 && l->in_stack && B.nstack > 0 && B.stack[B.nstack - 1] == l->idx) {
        B.nstack--;
        l->in_stack = 0;
    }
}

static void slot_release(struct lane *l, struct slot *s)
{
    s->busy = 0;
    l->free++;
    B.inflight--;
    lane_offer(l);
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)hint;
    struct lane *l = h->data;
    size_t cap = B.o.proto == P_CLAMD ? CLAMD_REPLY_MAX : MAX_REPLY_LINE;
    if (l->rcap - l->rlen < 4096 && l->rcap < cap) {
        size_t nc = l->rcap ? l->rcap * 2 : 16384;
        nc = nc > cap ? cap : nc;
        char *p = realloc(l->rbuf, nc);
        if (p) {
            l->rbuf = p;
            l->rcap = nc;
        }
    }
    *buf = uv_buf_init(l->rbuf + l->rlen, (unsigned)(l->rcap - l->rlen));
}

/* ------------------------------------------------- native reply parsing */

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
        i++;
    return i;
}

/* Index after the string starting at s[i] == '"', or SIZE_MAX. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return SIZE_MAX;
}

static size_t skip_value(const char *s, size_t n, size_t i)
{
    int depth = 0;
    while (i < n) {
        char c = s[i];
        if (c == '"') {
            i = skip_string(s, n, i);
            if (i == SIZE_MAX)
                return i;
            if (depth == 0)
                return i;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']') {
            if (depth == 0)
                return i;
            if (--depth == 0)
                return i + 1;
        } else if (c == ',' && depth == 0)
            return i;
        i++;
    }
    return SIZE_MAX;
}

/* Copies the raw string value at s[i] into out (escapes kept). */
static int copy_string(const char *s, size_t n, size_t i, char *out, size_t cap)
{
    size_t e = skip_string(s, n, i);
    if (e == SIZE_MAX || s[i] != '"' || e - i - 2 >= cap)
        return -1;
    memcpy(out, s + i + 1, e - i - 2);
    out[e - i - 2] = '\0';
    return 0;
}

struct reply {
    char id[64], verdict[32], code[32];
};

typedef int (*key_fn)(const char *key, size_t klen, const char *s, size_t n, size_t v,
                      struct reply *r);

static int parse_object(const char *s, size_t n, size_t i, key_fn fn, struct reply *r)
{
    i = skip_ws(s, n, i);
    if (i >= n || s[i] != '{')
        return -1;
    for (i = skip_ws(s, n, i + 1); i < n && s[i] != '}';) {
        size_t ke = skip_string(s, n, i);
        if (s[i] != '"' || ke == SIZE_MAX)
            return -1;
        size_t v = skip_ws(s, n, ke);
        if (v >= n || s[v] != ':')
            return -1;
        v = skip_ws(s, n, v + 1);
        if (fn(s + i + 1, ke - i - 2, s, n, v, r) != 0)
            return -1;
        i = skip_value(s, n, v);
        if (i == SIZE_MAX)
            return -1;
        i = skip_ws(s, n, i);
        if (i < n && s[i] == ',')
            i = skip_ws(s, n, i + 1);
    }
    return i < n ? 0 : -1;
}

static int key_is(const char *k, size_t kl, const char *want)
{
    return kl == strlen(want) && memcmp(k, want, kl) == 0;
}

static int error_key(const char *k, size_t kl, const char *s, size_t n, size_t v,
                     struct reply *r)
{
    if (key_is(k, kl, "code"))
        return copy_string(s, n, v, r->code, sizeof r->code);
    return 0;
}

static int top_key(const char *k, size_t kl, const char *s, size_t n, size_t v, struct reply *r)
{
    if (key_is(k, kl, "id"))
        return copy_string(s, n, v, r->id, sizeof r->id);
    if (key_is(k, kl, "verdict"))
        return copy_string(s, n, v, r->verdict, sizeof r->verdict);
    if (key_is(k, kl, "error")) {
        if (parse_object(s, n, v, error_key, r) != 0 || !r->code[0])
            snprintf(r->code, sizeof r->code, "malformed");
    }
    return 0;
}

static enum outcome classify_native(const struct reply *r)
{
    if (r->code[0])
        return strcmp(r->code, "busy") == 0 ? O_BUSY : O_ERROR;
    if (strcmp(r->verdict, "pass") == 0)
        return O_OK;
    if (strcmp(r->verdict, "sandbox") == 0 || strcmp(r->verdict, "block") == 0)
        return O_FOUND;
    return O_ERROR;
}

/* ---------------------------------------------------------------- native */

static void native_close(struct lane *l);

static void native_slot_done(struct lane *l, struct slot *s)
{
    if (s->busy && !s->write_pending && s->replied)
        slot_release(l, s);
}

static void native_write_cb(uv_write_t *w, int status)
{
    struct slot *s = w->data;
    struct lane *l = w->handle->data;
    s->write_pending = 0;
    if (status < 0 && !s->replied) {
        record(s->measured, s->t_sched, s->item, O_ERROR);
        s->replied = 1;
    }
    native_slot_done(l, s);
    if (status < 0)
        native_close(l);
    pump();
}

static void native_send(struct lane *l, uint64_t t_sched, int measured)
{
    unsigned k = 0;
    while (l->slots[k].busy)
        k++;
    struct slot *s = &l->slots[k];
    s->busy = 1;
    s->write_pending = 1;
    s->replied = 0;
    s->measured = measured;
    s->seq++;
    s->t_sched = t_sched;
    s->item = B.next_item++ % B.nitems;
    struct item *it = &B.items[s->item];
    int hn = snprintf(s->hdr, sizeof s->hdr, "{\"id\":\"%u.%u.%u", l->idx, k, s->seq);
    uv_buf_t bufs[3] = {uv_buf_init(s->hdr, (unsigned)hn),
                        uv_buf_init(it->suffix, (unsigned)it->suffix_len),
                        uv_buf_init((char *)it->data, (unsigned)it->len)};
    s->wreq.data = s;
    lane_used(l);
    int rc = uv_write(&s->wreq, (uv_stream_t *)&l->pipe, bufs, it->len ? 3 : 2,
                      native_write_cb);
    if (rc != 0) {
        s->write_pending = 0;
        s->replied = 1;
        record(measured, t_sched, s->item, O_ERROR);
        native_slot_done(l, s);
        native_close(l);
    }
}

static int native_line(struct lane *l, const char *line, size_t n)
{
    struct reply r = {{0}, {0}, {0}};
    unsigned li, k, seq;
    if (parse_object(line, n, 0, top_key, &r) != 0)
        return -1;
    if (sscanf(r.id, "%u.%u.%u", &li, &k, &seq) != 3 || li != l->idx || k >= B.o.pipeline)
        return -1;
    struct slot *s = &l->slots[k];
    if (!s->busy || s->replied || s->seq != seq)
        return -1;
    s->replied = 1;
    record(s->measured, s->t_sched, s->item, classify_native(&r));
    native_slot_done(l, s);
    return 0;
}

static void native_read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    struct lane *l = st->data;
    if (nread < 0) {
        native_close(l);
        pump();
        return;
    }
    size_t scan = l->rlen;
    l->rlen += (size_t)nread;
    char *nl;
    while ((nl = memchr(l->rbuf + scan, '\n', l->rlen - scan)) != NULL) {
        size_t len = (size_t)(nl - l->rbuf);
        if (native_line(l, l->rbuf, len) != 0) {
            native_close(l);
            break;
        }
        memmove(l->rbuf, nl + 1, l->rlen - len - 1);
        l->rlen -= len + 1;
        scan = 0;
    }
    if (l->state == L_UP && l->rlen == l->rcap && l->rcap >= MAX_REPLY_LINE)
        native_close(l); /* a reply line over the cap */
    pump();
}

static void native_closed(uv_handle_t *h)
{
    struct lane *l = h->data;
    for (unsigned k = 0; k < B.o.pipeline; k++) {
        struct slot *s = &l->slots[k];
        if (!s->busy)
            continue;
        if (!s->replied)
            record(s->measured, s->t_sched, s->item, O_ERROR);
        s->busy = 0;
        B.inflight--;
    }
    l->free = 0;
    l->rlen = 0;
    l->state = L_DEAD;
    l->retry_at = now_ns() + RETRY_NS;
    B.dead++;
    pump();
}

static void native_close(struct lane *l)
{
    if (l->state == L_CLOSING || l->state == L_DEAD)
        return;
    if (l->state == L_UP)
        count_conn_error();
    l->state = L_CLOSING;
    uv_close((uv_handle_t *)&l->pipe, native_closed);
}

static void native_connected(uv_connect_t *c, int status)
{
    struct lane *l = c->data;
    if (l->state != L_CONNECTING)
        return; /* closed by finish_run */
    if (status < 0) {
        count_conn_error();
        native_close(l);
        return;
    }
    l->state = L_UP;
    l->free = B.o.pipeline;
    uv_read_start((uv_stream_t *)&l->pipe, alloc_cb, native_read_cb);
    lane_offer(l);
    pump();
}

static void native_connect(struct lane *l)
{
    uv_pipe_init(B.loop, &l->pipe, 0);
    l->pipe.data = l;
    l->creq.data = l;
    l->state = L_CONNECTING;
    uv_pipe_connect(&l->creq, &l->pipe, B.o.socket, native_connected);
}

/* ---------------------------------------------------------------- clamd */

/* After a failed connect the lane rests RETRY_NS, so that a server that
 * is down is not hammered (and the error count stays meaningful). */
static void clamd_closed(uv_handle_t *h)
{
    struct lane *l = h->data;
    l->rlen = 0;
    l->slots[0].busy = 0;
    l->free = 1;
    B.inflight--;
    if (l->backoff) {
        l->backoff = 0;
        l->state = L_DEAD;
        l->retry_at = now_ns() + RETRY_NS;
        B.dead++;
    } else {
        l->state = L_UP;
        lane_offer(l);
    }
    pump();
}

static void clamd_finish(struct lane *l, enum outcome o)
{
    struct slot *s = &l->slots[0];
    if (!s->replied) {
        s->replied = 1;
        record(s->measured, s->t_sched, s->item, o);
    }
    if (l->state != L_CLOSING) {
        l->state = L_CLOSING;
        uv_close((uv_handle_t *)&l->pipe, clamd_closed);
    }
}

static int ends_with(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && memcmp(s + n - k, suf, k) == 0;
}

static enum outcome classify_clamd(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
        n--;
    if (ends_with(s, n, "Server busy ERROR"))
        return O_BUSY;
    if (n == 10 && memcmp(s, "stream: OK", 10) == 0)
        return O_OK;
    if (ends_with(s, n, " FOUND"))
        return O_FOUND;
    return O_ERROR;
}

static void clamd_read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    struct lane *l = st->data;
    if (l->state == L_CLOSING)
        return;
    if (nread < 0) {
        clamd_finish(l, O_ERROR);
        return;
    }
    l->rlen += (size_t)nread;
    char *nul = memchr(l->rbuf, '\0', l->rlen);
    if (nul)
        clamd_finish(l, classify_clamd(l->rbuf, (size_t)(nul - l->rbuf)));
    else if (l->rlen >= CLAMD_REPLY_MAX)
        clamd_finish(l, O_ERROR);
}

static void clamd_write_cb(uv_write_t *w, int status)
{
    (void)w;
    (void)status; /* a failed write shows as EOF without a reply on the read side */
}

static void clamd_connected(uv_connect_t *c, int status)
{
    struct lane *l = c->data;
    if (status < 0) {
        l->backoff = 1;
        clamd_finish(l, O_ERROR);
        return;
    }
    struct item *it = &B.items[l->slots[0].item];
    l->slots[0].wreq.data = l;
    uv_read_start((uv_stream_t *)&l->pipe, alloc_cb, clamd_read_cb);
    if (uv_write(&l->slots[0].wreq, (uv_stream_t *)&l->pipe, it->cbufs, it->ncbufs,
                 clamd_write_cb) != 0)
        clamd_finish(l, O_ERROR);
}

static void clamd_send(struct lane *l, uint64_t t_sched, int measured)
{
    struct slot *s = &l->slots[0];
    s->busy = 1;
    s->replied = 0;
    s->measured = measured;
    s->t_sched = t_sched;
    s->item = B.next_item++ % B.nitems;
    lane_used(l);
    l->state = L_CONNECTING;
    l->rlen = 0;
    uv_pipe_init(B.loop, &l->pipe, 0);
    l->pipe.data = l;
    l->creq.data = l;
    uv_pipe_connect(&l->creq, &l->pipe, B.o.socket, clamd_connected);
}

/* ---------------------------------------------------------------- driver */

static struct lane *lane_add(void)
{
    if (B.nlanes >= B.maxlanes)
        return NULL;
    struct lane *l = &B.lanes[B.nlanes];
    memset(l, 0, sizeof *l);
    l->idx = B.nlanes++;
    l->slots = calloc(B.o.pipeline, sizeof *l->slots);
    if (!l->slots)
        die(2, "out of memory", NULL);
    if (B.o.proto == P_NATIVE) {
        native_connect(l);
    } else {
        l->state = L_UP;
        l->free = 1;
        lane_offer(l);
    }
    return l;
}

static void revive_lanes(uint64_t t)
{
    if (B.dead == 0 || B.stopping)
        return;
    for (unsigned i = 0; i < B.nlanes; i++) {
        struct lane *l = &B.lanes[i];
        if (l->state != L_DEAD || t < l->retry_at)
            continue;
        B.dead--;
        if (B.o.proto == P_NATIVE) {
            native_connect(l);
        } else {
            l->state = L_UP;
            lane_offer(l);
        }
    }
}

/* May another request start? Sets stopping when the budget is spent. */
static int budget_left(uint64_t t_sched)
{
    if (B.stopping)
        return 0;
    if ((B.t_end && t_sched >= B.t_end) ||
        (B.o.requests && B.issued_measured >= B.o.requests)) {
        B.stopping = 1;
        if (!B.t_stop)
            B.t_stop = now_ns();
        return 0;
    }
    return 1;
}

static void dispatch(struct lane *l, uint64_t t_sched)
{
    int measured = measuring_at(t_sched);
    B.issued++;
    B.issued_measured += (uint64_t)measured;
    if (B.o.proto == P_NATIVE)
        native_send(l, t_sched, measured);
    else
        clamd_send(l, t_sched, measured);
}

static int connecting_lanes(void)
{
    for (unsigned i = 0; i < B.nlanes; i++)
        if (B.lanes[i].state == L_CONNECTING)
            return 1;
    return 0;
}

static void pump_open(uint64_t t)
{
    double period = 1e9 / B.o.rate;
    for (;;) {
        uint64_t t_sched = B.t0 + (uint64_t)((double)B.issued * period);
        if (t_sched > t || !budget_left(t_sched))
            return;
        struct lane *l = lane_take();
        if (!l) {
            if (B.o.proto == P_NATIVE && connecting_lanes())
                return;
            if (!lane_add() || B.o.proto == P_NATIVE)
                return;
            continue;
        }
        dispatch(l, t_sched);
    }
}

static void pump_closed(uint64_t t)
{
    struct lane *l;
    while (budget_left(t) && (l = lane_take()) != NULL)
        dispatch(l, t);
}

static void finish_run(void);

static void pump(void)
{
    if (B.finished)
        return;
    uint64_t t = now_ns();
    if (!B.t_stop && B.t_end && t >= B.t_end)
        B.t_stop = t; /* the drain clock starts; due requests may still go */
    revive_lanes(t);
    if (B.o.rate > 0)
        pump_open(t);
    else
        pump_closed(t);
    if ((B.stopping && B.inflight == 0) || (B.t_stop && t >= B.t_stop + DRAIN_NS))
        finish_run();
}

static void close_lane(struct lane *l)
{
    if (l->state != L_UP && l->state != L_CONNECTING)
        return;
    if (B.o.proto == P_NATIVE) {
        if (l->state == L_UP)
            uv_read_stop((uv_stream_t *)&l->pipe);
        l->state = L_CLOSING;
        uv_close((uv_handle_t *)&l->pipe, native_closed);
    } else if (l->slots[0].busy) {
        clamd_finish(l, O_ERROR);
    }
}

/* Open loop: how many schedule points fall before T. */
static uint64_t due_before(uint64_t T)
{
    double period = 1e9 / B.o.rate;
    if (T <= B.t0)
        return 0;
    uint64_t i = (uint64_t)ceil((double)(T - B.t0) / period);
    while (i > 0 && B.t0 + (uint64_t)((double)(i - 1) * period) >= T)
        i--;
    while (B.t0 + (uint64_t)((double)i * period) < T)
        i++;
    return i;
}

/* Open loop cut short by the drain timeout: requests that were due in the
 * window but never sent count as errors. */
static void count_missed(void)
{
    if (B.o.rate <= 0 || B.stopping)
        return;
    uint64_t due = B.o.requests ? B.o.requests : UINT64_MAX;
    if (B.t_end) {
        uint64_t in_window = due_before(B.t_end) - due_before(B.t_meas);
        due = in_window < due ? in_window : due;
    }
    if (due > B.issued_measured) {
        B.st.errors += due - B.issued_measured;
        B.st.requests += due - B.issued_measured;
    }
}

/* Stops the clock and the CPU meter, then closes every handle; requests
 * still unanswered (after the drain timeout) become errors as they close. */
static void finish_run(void)
{
    B.finished = 1;
    count_missed();
    if (B.o.pid > 0) {
        B.cpu_after = read_cpu_ticks(B.o.pid);
        B.cpu_ok = B.cpu_before >= 0 && B.cpu_after >= 0;
    }
    if (B.t_last == 0)
        B.t_last = now_ns();
    uv_close((uv_handle_t *)&B.tick, NULL);
    uv_close((uv_handle_t *)&B.warm, NULL);
    uv_close((uv_handle_t *)&B.sigint, NULL);
    for (unsigned i = 0; i < B.nlanes; i++)
        close_lane(&B.lanes[i]);
}

static void tick_cb(uv_timer_t *t)
{
    (void)t;
    pump();
}

static void warm_cb(uv_timer_t *t)
{
    (void)t;
    if (B.o.pid > 0)
        B.cpu_before = read_cpu_ticks(B.o.pid);
}

static void sigint_cb(uv_signal_t *s, int signum)
{
    (void)s;
    (void)signum;
    if (!B.stopping) {
        B.stopping = 1;
        B.t_stop = now_ns();
    }
    pump();
}

/* ---------------------------------------------------------------- report */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static double pct_ms(double p)
{
    size_t n = B.st.nsamples;
    if (n == 0)
        return 0;
    size_t k = (size_t)ceil(p * (double)n);
    k = k == 0 ? 0 : k - 1;
    return B.st.samples[k < n ? k : n - 1] / 1000.0;
}

struct result {
    double seconds, rps, mbps, p50, p90, p99, p999, max, cpu;
};

static struct result compute(void)
{
    struct result r;
    qsort(B.st.samples, B.st.nsamples, sizeof *B.st.samples, cmp_u32);
    uint64_t end = B.t_last > B.t_stop ? B.t_last : B.t_stop;
    r.seconds = (double)(end > B.t_meas ? end - B.t_meas : 0) / 1e9;
    double good = (double)(B.st.ok + B.st.found);
    r.rps = r.seconds > 0 ? good / r.seconds : 0;
    r.mbps = r.seconds > 0 ? (double)B.st.bytes / 1e6 / r.seconds : 0;
    r.p50 = pct_ms(0.50);
    r.p90 = pct_ms(0.90);
    r.p99 = pct_ms(0.99);
    r.p999 = pct_ms(0.999);
    r.max = pct_ms(1.0);
    r.cpu = -1;
    if (B.cpu_ok && B.st.requests > 0)
        r.cpu = (double)(B.cpu_after - B.cpu_before) * 1000.0 / (double)sysconf(_SC_CLK_TCK) /
                (double)B.st.requests;
    return r;
}

static void print_table(const struct result *r)
{
    printf("sekisho-bench  %s  %s  connections=%u pipeline=%u ", B.o.socket,
           B.o.proto == P_NATIVE ? "native" : "clamd", B.o.conns, B.o.pipeline);
    if (B.o.rate > 0)
        printf("rate=%.0f/s (lanes used %u)\n", B.o.rate, B.nlanes);
    else
        printf("closed loop\n");
    printf("  %-14s %12llu   (ok %llu, found %llu, errors %llu, busy %llu)\n", "requests",
           (unsigned long long)B.st.requests, (unsigned long long)B.st.ok,
           (unsigned long long)B.st.found, (unsigned long long)B.st.errors,
           (unsigned long long)B.st.busy);
    printf("  %-14s %12.3f\n  %-14s %12.1f\n  %-14s %12.2f\n", "seconds", r->seconds,
           "requests/s", r->rps, "MB/s", r->mbps);
    printf("  %-14s %8.3f p50 %8.3f p90 %8.3f p99 %8.3f p99.9 %8.3f max\n", "latency ms",
           r->p50, r->p90, r->p99, r->p999, r->max);
    if (r->cpu >= 0)
        printf("  %-14s %12.3f\n", "cpu ms/msg", r->cpu);
    if (B.st.samples_capped)
        printf("  (latency samples capped at %u)\n", MAX_SAMPLES);
}

static int write_json(const char *path, const struct result *r)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    char rate[32] = "null", cpu[32] = "null";
    if (B.o.rate > 0)
        snprintf(rate, sizeof rate, "%.3f", B.o.rate);
    if (r->cpu >= 0)
        snprintf(cpu, sizeof cpu, "%.4f", r->cpu);
    fprintf(f,
            "{\"protocol\":\"%s\",\"connections\":%u,\"pipeline\":%u,\"rate\":%s,"
            "\"requests\":%llu,\"seconds\":%.3f,\"rps\":%.2f,\"mbps\":%.3f,"
            "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,"
            "\"max_ms\":%.3f,\"errors\":%llu,\"busy\":%llu,\"found\":%llu,\"ok\":%llu,"
            "\"cpu_ms_per_msg\":%s}\n",
            B.o.proto == P_NATIVE ? "native" : "clamd", B.o.conns, B.o.pipeline, rate,
            (unsigned long long)B.st.requests, r->seconds, r->rps, r->mbps, r->p50, r->p90,
            r->p99, r->p999, r->max, (unsigned long long)B.st.errors,
            (unsigned long long)B.st.busy, (unsigned long long)B.st.found,
            (unsigned long long)B.st.ok, cpu);
    return fclose(f) == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- options */

static void usage(void)
{
    fprintf(stderr,
            "usage: sekisho-bench --socket PATH --protocol native|clamd --corpus DIR\n"
            "         [--connections C] [--pipeline K] [--rate R] [--duration SECONDS]\n"
            "         [--requests N] [--warmup SECONDS] [--server-pid PID]\n"
            "         [--json FILE] [--type auto|message|file]\n");
    exit(2);
}

static double num_arg(const char *s, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        usage();
    return v;
}

static void parse_enum(const char *name, const char *v)
{
    if (strcmp(name, "protocol") == 0) {
        if (strcmp(v, "native") && strcmp(v, "clamd"))
            usage();
        B.o.proto = strcmp(v, "native") == 0 ? P_NATIVE : P_CLAMD;
    } else {
        if (strcmp(v, "auto") == 0)
            B.o.type = T_AUTO;
        else if (strcmp(v, "message") == 0)
            B.o.type = T_MESSAGE;
        else if (strcmp(v, "file") == 0)
            B.o.type = T_FILE;
        else
            usage();
    }
}

static void parse_opts(int argc, char **argv)
{
    static const struct option lo[] = {
        {"socket", 1, 0, 's'},   {"protocol", 1, 0, 'p'},    {"corpus", 1, 0, 'c'},
        {"connections", 1, 0, 'C'}, {"pipeline", 1, 0, 'K'}, {"rate", 1, 0, 'r'},
        {"duration", 1, 0, 'd'}, {"requests", 1, 0, 'n'},    {"warmup", 1, 0, 'w'},
        {"server-pid", 1, 0, 'P'}, {"json", 1, 0, 'j'},      {"type", 1, 0, 't'},
        {"help", 0, 0, 'h'},     {0, 0, 0, 0}};
    int c, have_proto = 0;
    B.o.conns = 1;
    B.o.pipeline = 1;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 's': B.o.socket = optarg; break;
        case 'p': parse_enum("protocol", optarg); have_proto = 1; break;
        case 'c': B.o.corpus = optarg; break;
        case 'C': B.o.conns = (unsigned)num_arg(optarg, 1, MAX_CONNECTIONS); break;
        case 'K': B.o.pipeline = (unsigned)num_arg(optarg, 1, MAX_PIPELINE); break;
        case 'r': B.o.rate = num_arg(optarg, 0.001, 1e7); break;
        case 'd': B.o.duration = num_arg(optarg, 0.001, 1e6); break;
        case 'n': B.o.requests = (uint64_t)num_arg(optarg, 1, 1e12); break;
        case 'w': B.o.warmup = num_arg(optarg, 0, 1e6); break;
        case 'P': B.o.pid = (long)num_arg(optarg, 1, INT_MAX); break;
        case 'j': B.o.json = optarg; break;
        case 't': parse_enum("type", optarg); break;
        default: usage();
        }
    }
    if (optind != argc || !B.o.socket || !B.o.corpus || !have_proto)
        usage();
    if (B.o.proto == P_CLAMD && B.o.pipeline != 1)
        die(2, "--pipeline applies to the native protocol only", NULL);
    if (B.o.duration == 0 && B.o.requests == 0)
        B.o.duration = 10;
}

/* ---------------------------------------------------------------- main */

static void init_samples(void)
{
    double expect = 1e6;
    if (B.o.requests)
        expect = (double)B.o.requests;
    else if (B.o.rate > 0)
        expect = B.o.rate * B.o.duration * 1.1 + 16;
    B.st.cap = expect > MAX_SAMPLES ? MAX_SAMPLES : (size_t)expect;
    B.st.samples = xmalloc(B.st.cap * sizeof *B.st.samples);
}

static void start(void)
{
    B.loop = uv_default_loop();
    B.maxlanes = B.o.rate > 0 ? 4 * B.o.conns : B.o.conns;
    B.lanes = xmalloc(B.maxlanes * sizeof *B.lanes);
    B.stack = xmalloc(B.maxlanes * sizeof *B.stack);
    B.t0 = now_ns();
    B.t_meas = B.t0 + (uint64_t)(B.o.warmup * 1e9);
    B.t_end = B.o.duration > 0 ? B.t_meas + (uint64_t)(B.o.duration * 1e9) : 0;
    B.cpu_before = B.o.pid > 0 ? read_cpu_ticks(B.o.pid) : -1;
    if (B.o.pid > 0 && B.cpu_before < 0)
        fprintf(stderr, "sekisho-bench: cannot read /proc/%ld/stat\n", B.o.pid);
    for (unsigned i = 0; i < B.o.conns; i++)
        lane_add();
    uv_timer_init(B.loop, &B.tick);
    uv_timer_start(&B.tick, tick_cb, 1, 1);
    uv_timer_init(B.loop, &B.warm);
    if (B.o.warmup > 0)
        uv_timer_start(&B.warm, warm_cb, (uint64_t)(B.o.warmup * 1000), 0);
    uv_signal_init(B.loop, &B.sigint);
    uv_signal_start(&B.sigint, sigint_cb, SIGINT);
}

int main(int argc, char **argv)
{
    parse_opts(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    uint64_t total = load_corpus();
    fprintf(stderr, "sekisho-bench: %zu files, %.2f MB loaded\n", B.nitems, (double)total / 1e6);
    init_samples();
    start();
    pump();
    uv_run(B.loop, UV_RUN_DEFAULT);
    struct result r = compute();
    print_table(&r);
    if (B.o.json && write_json(B.o.json, &r) != 0)
        fprintf(stderr, "sekisho-bench: cannot write %s\n", B.o.json);
    return B.st.errors > 0 ? 1 : 0;
}
