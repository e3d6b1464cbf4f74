/* The PPAP store in Redis (store.h), so that the instances of a pool behind a
 * load balancer correlate a pair whose two mails reached different ones.
 *
 * Keys, all under "sekisho:" and all expiring:
 *   sekisho:m:<token>        hash: meta (the fields, packed below), bytes,
 *                            verdict, unlocked ("0"/"1"); EXPIRE window
 *   sekisho:s:<sha256(from)> sorted set of the sender's tokens scored by
 *                            expiry in microseconds (the second from the
 *                            caller, the fraction from the wall clock, so
 *                            that puts within one second keep their order):
 *                            find reads only these;
 *                            EXPIRE window, renewed by each put
 *   sekisho:b:<n>, :c:<n>    bytes and entries put in window number n
 *                            (now / window); EXPIRE 2 windows
 * A put's writes are one MULTI/EXEC transaction each (counters; message
 * and index), so that no key is ever left without its expiry.
 * Header values are attacker-controlled: none goes into a key name (the
 * sender is hashed, tokens are checked to be hex), and every value travels
 * as a length-counted argument (redisCommandArgv, as `%b` would), never
 * inside a formatted command.
 *
 * Bounds: an entry over max_entry_bytes is refused before anything is
 * sent. Every held entry was put in this window or the one before, so the
 * two counters of those windows bound what Redis holds; a put that would
 * take their sum over max_entries or max_bytes takes its count back and is
 * refused. The sum also counts entries that expired already: it refuses
 * early, never late. Redis evicts nothing of ours (set maxmemory-policy
 * noeviction or volatile-ttl): a full store refuses new entries instead.
 *
 * When Redis is down: a connection (200 ms to connect, 200 ms per read or
 * write) that fails marks the store down for RETRY_MS, during which every
 * call fails at once; afterwards the next call tries again. hiredis writes
 * with write(2): the process ignores SIGPIPE (serve's parent does, and its
 * children inherit it). Each call that
 * fails counts an error, and returns nothing (find) or a failure (put):
 * correlation is lost, never a wrong answer. One log line per change
 * (down, up). A few connections, each with its own lock, serve the
 * front's pool threads. */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "../engine/error.h"
#include "store.h"

#define N_CONNS 4
#define TIMEOUT_MS 200
#define RETRY_MS 500
/* A sender's newest held messages looked at by one find. */
#define FIND_CANDIDATES 64
#define MAX_ARGS 12
#define META_MAGIC "SKM1"
#define MAX_PASSWORD 512

/* Sets verdict and unlocked only on a message that is still there: a plain
 * HSET on one that just expired would make a key without expiry. */
static const char set_verdict_script[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then "
    "redis.call('HSET', KEYS[1], 'verdict', ARGV[1], 'unlocked', ARGV[2]) return 1 "
    "else return 0 end";

struct conn {
    pthread_mutex_t lock;
    redisContext *ctx; /* NULL: not connected */
    unsigned epoch;    /* the store's epoch when it connected */
    char error[160];   /* the last error reply, for the log */
};

struct sk_redis_store {
    struct sk_store_limits limits;
    char where[300]; /* for the log: the address, never the password */
    char host[INET6_ADDRSTRLEN];
    int port;
    char *path; /* a Unix socket, or NULL */
    long db;
    char *user, *password;
    struct conn conns[N_CONNS];
    atomic_uint next;
    atomic_bool up;
    _Atomic uint64_t retry_after_ms;
    /* Counts broken connections: one that broke means Redis went away, so
     * the pool's other connections (to the same, maybe restarted, server)
     * are dropped before their next use instead of each failing once. */
    atomic_uint epoch;
    pthread_mutex_t stats_lock;
    struct sk_store_stats stats;
};

/* One command of a pipeline: its arguments, each counted. */
struct cmd {
    int argc;
    const char *argv[MAX_ARGS];
    size_t len[MAX_ARGS];
};

static void arg(struct cmd *c, const void *p, size_t len)
{
    assert(c->argc < MAX_ARGS); /* our commands' shapes, never the input's */
    c->argv[c->argc] = p;
    c->len[c->argc++] = len;
}

static void args(struct cmd *c, const char *s)
{
    arg(c, s, strlen(s));
}

/* Appends the strings up to a NULL, each an argument. */
__attribute__((sentinel)) static void strs(struct cmd *c, ...)
{
    va_list ap;
    va_start(ap, c);
    for (const char *s; (s = va_arg(ap, const char *));)
        args(c, s);
    va_end(ap);
}

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void count(struct sk_redis_store *r, uint64_t *field, uint64_t n)
{
    pthread_mutex_lock(&r->stats_lock);
    *field += n;
    pthread_mutex_unlock(&r->stats_lock);
}

/* A call failed for want of Redis: counted, and logged once per outage. */
static void failed(struct sk_redis_store *r, const char *why)
{
    count(r, &r->stats.errors, 1);
    if (atomic_exchange(&r->up, false))
        fprintf(stderr,
                "sekisho: store: %s unreachable (%s): PPAP correlation is lost while it "
                "is; messages are still scanned\n",
                r->where, why);
}

static void answered(struct sk_redis_store *r)
{
    if (!atomic_exchange(&r->up, true))
        fprintf(stderr, "sekisho: store: %s answers again\n", r->where);
}

/* ---- connections ---- */

/* hiredis 0.14 frees NULL too; not every version did. */
static void reply_free(redisReply *reply)
{
    if (reply)
        freeReplyObject(reply);
}

static bool reply_ok(const redisReply *reply)
{
    return reply && reply->type != REDIS_REPLY_ERROR;
}

/* A new connection, authenticated and on its database, or NULL with why. */
static redisContext *connect_one(struct sk_redis_store *r, char *why, size_t whylen)
{
    const struct timeval tv = {.tv_sec = 0, .tv_usec = TIMEOUT_MS * 1000};
    redisContext *ctx = r->path ? redisConnectUnixWithTimeout(r->path, tv)
                                : redisConnectWithTimeout(r->host, r->port, tv);
    if (!ctx || ctx->err || redisSetTimeout(ctx, tv) != REDIS_OK) {
        snprintf(why, whylen, "%s", ctx && ctx->errstr[0] ? ctx->errstr : "cannot connect");
        goto fail;
    }
    if (r->password) {
        struct cmd auth = {0};
        strs(&auth, "AUTH", NULL);
        if (r->user)
            strs(&auth, r->user, NULL);
        strs(&auth, r->password, NULL);
        redisReply *reply = redisCommandArgv(ctx, auth.argc, auth.argv, auth.len);
        bool ok = reply_ok(reply);
        snprintf(why, whylen, "AUTH: %s", reply && reply->str ? reply->str : "no answer");
        reply_free(reply);
        if (!ok)
            goto fail;
    }
    if (r->db) {
        char db[24];
        snprintf(db, sizeof db, "%ld", r->db);
        struct cmd select = {0};
        strs(&select, "SELECT", db, NULL);
        redisReply *reply = redisCommandArgv(ctx, select.argc, select.argv, select.len);
        bool ok = reply_ok(reply);
        snprintf(why, whylen, "SELECT %s: %s", db,
                 reply && reply->str ? reply->str : "no answer");
        reply_free(reply);
        if (!ok)
            goto fail;
    }
    return ctx;
fail:
    if (ctx)
        redisFree(ctx);
    return NULL;
}

/* A connection, locked and connected; NULL (the failure counted) while
 * Redis is down. Given back with conn_give. */
static struct conn *conn_take(struct sk_redis_store *r)
{
    struct conn *c = &r->conns[atomic_fetch_add(&r->next, 1) % N_CONNS];
    pthread_mutex_lock(&c->lock);
    if (c->ctx && c->epoch != atomic_load(&r->epoch)) {
        redisFree(c->ctx);
        c->ctx = NULL;
    }
    if (c->ctx)
        return c;
    char why[200] = "down a moment ago";
    /* Only a failed attempt starts the pause: calls during it must not
     * prolong it, or a busy front would never try again. */
    if (monotonic_ms() >= atomic_load(&r->retry_after_ms) &&
        !(c->ctx = connect_one(r, why, sizeof why)))
        atomic_store(&r->retry_after_ms, monotonic_ms() + RETRY_MS);
    if (!c->ctx) {
        pthread_mutex_unlock(&c->lock);
        failed(r, why);
        return NULL;
    }
    c->epoch = atomic_load(&r->epoch);
    answered(r);
    return c;
}

/* broken: the connection failed (a hiredis context is unusable after an
 * I/O error) or Redis refused a command (NOAUTH, OOM, ...): it is dropped
 * and the next call connects again. */
static void conn_give(struct sk_redis_store *r, struct conn *c, bool broken)
{
    char why[200] = "";
    if (broken && c->ctx) {
        snprintf(why, sizeof why, "%s", c->ctx->errstr[0] ? c->ctx->errstr : c->error);
        redisFree(c->ctx);
        c->ctx = NULL;
        atomic_fetch_add(&r->epoch, 1);
        atomic_store(&r->retry_after_ms, monotonic_ms() + RETRY_MS);
    }
    c->error[0] = '\0';
    pthread_mutex_unlock(&c->lock);
    if (broken)
        failed(r, why[0] ? why : "I/O error");
}

/* Sends n commands at once and reads their n replies. 0, or -1 when the
 * connection broke (replies freed) or one reply is an error (kept, for
 * the caller to free). */
static int pipeline(struct conn *c, struct cmd *cmds, size_t n, redisReply **replies)
{
    memset(replies, 0, n * sizeof *replies);
    for (size_t i = 0; i < n; i++)
        if (redisAppendCommandArgv(c->ctx, cmds[i].argc, cmds[i].argv, cmds[i].len) != REDIS_OK)
            return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        void *reply = NULL;
        if (redisGetReply(c->ctx, &reply) != REDIS_OK) {
            for (size_t j = 0; j < i; j++)
                reply_free(replies[j]);
            memset(replies, 0, n * sizeof *replies);
            return -1;
        }
        replies[i] = reply;
        if (!reply_ok(replies[i])) {
            if (rc == 0)
                snprintf(c->error, sizeof c->error, "%s", replies[i]->str);
            rc = -1;
        }
    }
    return rc;
}

static void free_replies(redisReply **replies, size_t n)
{
    for (size_t i = 0; i < n; i++)
        reply_free(replies[i]);
}

#define MAX_TX 6

/* Sends cmds[0..n) (n <= MAX_TX) as one MULTI/EXEC transaction: all of them
 * happen or none, so a connection lost half-way never leaves a key without
 * its expiry. 0 and *exec (EXEC's reply: n replies, none an error; the
 * caller frees it), or -1. */
static int transaction(struct conn *c, struct cmd *cmds, size_t n, redisReply **exec)
{
    struct cmd all[MAX_TX + 2] = {{0}};
    redisReply *rep[MAX_TX + 2];
    strs(&all[0], "MULTI", NULL);
    memcpy(all + 1, cmds, n * sizeof *cmds);
    args(&all[n + 1], "EXEC");
    int rc = pipeline(c, all, n + 2, rep);
    *exec = rep[n + 1];
    rep[n + 1] = NULL;
    free_replies(rep, n + 1);
    if (rc == 0 && ((*exec)->type != REDIS_REPLY_ARRAY || (*exec)->elements != n))
        rc = -1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!reply_ok((*exec)->element[i]))
            rc = -1;
    if (rc != 0) {
        reply_free(*exec);
        *exec = NULL;
    }
    return rc;
}

/* ---- keys and the packed fields ---- */

static void key_msg(char out[64], const char *token)
{
    snprintf(out, 64, "sekisho:m:%s", token);
}

/* The sender's index: its lowercased address hashed, so no header byte
 * reaches a key name. 0 or SK_EINTERNAL. */
static int key_sender(char out[80], const char *from)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    char lower[SK_STORE_MAX_ADDRESS + 1];
    size_t n = strnlen(from, SK_STORE_MAX_ADDRESS);
    for (size_t i = 0; i < n; i++)
        lower[i] = from[i] >= 'A' && from[i] <= 'Z' ? (char)(from[i] - 'A' + 'a') : from[i];
    if (EVP_Digest(lower, n, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
        return SK_EINTERNAL;
    int at = snprintf(out, 80, "sekisho:s:");
    for (unsigned i = 0; i < md_len; i++)
        at += snprintf(out + at, (size_t)(80 - at), "%02x", md[i]);
    return 0;
}

struct packer {
    char *p;
    size_t len, cap;
    bool failed;
};

static void pack_bytes(struct packer *pk, const void *data, size_t n)
{
    if (pk->failed || n > pk->cap - pk->len) {
        pk->failed = true;
        return;
    }
    memcpy(pk->p + pk->len, data, n);
    pk->len += n;
}

static void pack_u64(struct packer *pk, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    pack_bytes(pk, b, sizeof b);
}

static void pack_str(struct packer *pk, const char *s)
{
    size_t n = strlen(s);
    pack_u64(pk, n);
    pack_bytes(pk, s, n);
}

/* The fields of a canonical message in one value: magic, created, expires,
 * five strings, the recipients; each string counted (8 bytes LE). */
static char *meta_pack(const struct sk_held_msg *m, size_t *len)
{
    const char *strs[] = {m->request_id, m->message_id, m->from, m->subject, m->name};
    size_t cap = sizeof META_MAGIC + 3 * 8;
    for (size_t i = 0; i < 5; i++)
        cap += 8 + strlen(strs[i]);
    for (size_t i = 0; i < m->n_rcpts; i++)
        cap += 8 + strlen(m->rcpts[i]);
    struct packer pk = {.p = malloc(cap), .cap = cap};
    if (!pk.p)
        return NULL;
    pack_bytes(&pk, META_MAGIC, 4);
    pack_u64(&pk, m->created);
    pack_u64(&pk, m->expires);
    for (size_t i = 0; i < 5; i++)
        pack_str(&pk, strs[i]);
    pack_u64(&pk, m->n_rcpts);
    for (size_t i = 0; i < m->n_rcpts; i++)
        pack_str(&pk, m->rcpts[i]);
    if (pk.failed) {
        free(pk.p);
        return NULL;
    }
    *len = pk.len;
    return pk.p;
}

struct unpacker {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
};

static uint64_t unpack_u64(struct unpacker *u)
{
    if (u->bad || 8 > u->len - u->pos) {
        u->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)u->p[u->pos + (size_t)i] << (8 * i);
    u->pos += 8;
    return v;
}

/* A new string of at most max bytes, no NUL inside; NULL when bad. */
static char *unpack_str(struct unpacker *u, size_t max)
{
    uint64_t n = unpack_u64(u);
    if (u->bad || n > max || n > u->len - u->pos || memchr(u->p + u->pos, 0, (size_t)n)) {
        u->bad = true;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        u->bad = true;
        return NULL;
    }
    memcpy(s, u->p + u->pos, (size_t)n);
    s[n] = '\0';
    u->pos += (size_t)n;
    return s;
}

static void replace(char **field, char *value)
{
    if (value) {
        free(*field);
        *field = value;
    }
}

/* The message whose meta value is given, token set; NULL when the value is
 * not ours or memory ran out. Lengths are checked as if hostile: a Redis
 * that others can write to must not make us read past a value. */
static struct sk_held_msg *meta_unpack(const redisReply *meta, const char *token)
{
    if (!meta || meta->type != REDIS_REPLY_STRING || meta->len < 4 ||
        memcmp(meta->str, META_MAGIC, 4) != 0)
        return NULL;
    struct unpacker u = {.p = (const uint8_t *)meta->str, .len = meta->len, .pos = 4};
    struct sk_held_msg *m = sk_held_new();
    if (!m)
        return NULL;
    snprintf(m->token, sizeof m->token, "%s", token);
    m->created = unpack_u64(&u);
    m->expires = unpack_u64(&u);
    replace(&m->request_id, unpack_str(&u, SK_STORE_MAX_FIELD));
    replace(&m->message_id, unpack_str(&u, SK_STORE_MAX_FIELD));
    replace(&m->from, unpack_str(&u, SK_STORE_MAX_ADDRESS));
    replace(&m->subject, unpack_str(&u, SK_STORE_MAX_FIELD));
    replace(&m->name, unpack_str(&u, SK_STORE_MAX_FIELD));
    uint64_t n = unpack_u64(&u);
    if (!u.bad && n <= SK_STORE_MAX_RCPTS) {
        m->rcpts = calloc(n ? (size_t)n : 1, sizeof *m->rcpts);
        for (uint64_t i = 0; m->rcpts && i < n && !u.bad; i++) {
            m->rcpts[m->n_rcpts] = unpack_str(&u, SK_STORE_MAX_ADDRESS);
            m->n_rcpts += m->rcpts[m->n_rcpts] != NULL;
        }
    }
    if (u.bad || !m->rcpts || m->n_rcpts != n || u.pos != u.len) {
        sk_held_free(m);
        return NULL;
    }
    return m;
}

/* Bytes and verdict of a message from their replies. 0, or -1 when they
 * are missing (it expired meanwhile) or memory ran out. */
static int fill_content(struct sk_held_msg *m, const redisReply *bytes,
                        const redisReply *verdict)
{
    if (!bytes || bytes->type != REDIS_REPLY_STRING || !verdict ||
        verdict->type != REDIS_REPLY_STRING || memchr(verdict->str, 0, verdict->len))
        return -1;
    m->blob = sk_store_blob_new(bytes->str, bytes->len);
    char *v = strndup(verdict->str, verdict->len);
    if (!m->blob || !v) {
        free(v);
        return -1;
    }
    replace(&m->verdict, v);
    m->bytes = sk_store_blob_data(m->blob);
    m->len = bytes->len;
    return 0;
}

static bool is_unlocked(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING && r->len == 1 && r->str[0] == '1';
}

/* ---- the calls ---- */

/* Takes this entry's place in the window's counters: 0, SK_ELIMIT (over a
 * bound, counted back) or -1 (the connection failed). */
static int reserve(struct sk_redis_store *r, struct conn *c, uint64_t cost, uint64_t now)
{
    uint64_t window = now / r->limits.window_s;
    char b_now[48], c_now[48], b_prev[48], c_prev[48], cost_s[24], ttl[24];
    snprintf(b_now, sizeof b_now, "sekisho:b:%llu", (unsigned long long)window);
    snprintf(c_now, sizeof c_now, "sekisho:c:%llu", (unsigned long long)window);
    snprintf(b_prev, sizeof b_prev, "sekisho:b:%llu", (unsigned long long)(window - 1));
    snprintf(c_prev, sizeof c_prev, "sekisho:c:%llu", (unsigned long long)(window - 1));
    snprintf(cost_s, sizeof cost_s, "%llu", (unsigned long long)cost);
    snprintf(ttl, sizeof ttl, "%llu", (unsigned long long)(2 * r->limits.window_s));
    struct cmd cmds[6] = {0};
    strs(&cmds[0], "GET", b_prev, NULL);
    strs(&cmds[1], "GET", c_prev, NULL);
    strs(&cmds[2], "INCRBY", b_now, cost_s, NULL);
    strs(&cmds[3], "INCR", c_now, NULL);
    strs(&cmds[4], "EXPIRE", b_now, ttl, NULL);
    strs(&cmds[5], "EXPIRE", c_now, ttl, NULL);
    redisReply *exec = NULL;
    if (transaction(c, cmds, 6, &exec) != 0)
        return -1;
    redisReply **rep = exec->element;
    uint64_t bytes = rep[0]->type == REDIS_REPLY_STRING ? strtoull(rep[0]->str, NULL, 10) : 0;
    uint64_t entries = rep[1]->type == REDIS_REPLY_STRING ? strtoull(rep[1]->str, NULL, 10) : 0;
    bytes += rep[2]->type == REDIS_REPLY_INTEGER ? (uint64_t)rep[2]->integer : 0;
    entries += rep[3]->type == REDIS_REPLY_INTEGER ? (uint64_t)rep[3]->integer : 0;
    reply_free(exec);
    bool fits = bytes <= r->limits.max_bytes && entries <= r->limits.max_entries;
    pthread_mutex_lock(&r->stats_lock);
    r->stats.bytes = fits ? bytes : bytes - cost;
    r->stats.entries = fits ? entries : entries - 1;
    pthread_mutex_unlock(&r->stats_lock);
    if (fits)
        return 0;
    /* Taken back with the expiry set again: a counter that expired
     * meanwhile must not come back without one. */
    struct cmd back[4] = {0};
    strs(&back[0], "DECRBY", b_now, cost_s, NULL);
    strs(&back[1], "DECR", c_now, NULL);
    strs(&back[2], "EXPIRE", b_now, ttl, NULL);
    strs(&back[3], "EXPIRE", c_now, ttl, NULL);
    int rc = transaction(c, back, 4, &exec);
    reply_free(exec);
    return rc == 0 ? SK_ELIMIT : -1;
}

/* A sender index score: expires (s) and the wall clock's microseconds, so
 * that ties within a second keep their order (newest first). Exact in a
 * double until the year 2255. */
static uint64_t score_of(uint64_t expires)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return expires * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The lowest score still held at now: expires > now. */
static uint64_t live_from(uint64_t now)
{
    return (now + 1) * 1000000u;
}

/* Writes the message and its place in the sender's index. 0 or -1. */
static int write_msg(struct sk_redis_store *r, struct conn *c, const struct sk_held_msg *m,
                     const char *meta, size_t meta_len, uint64_t now)
{
    char key[64], sender[80], ttl[24], score[24], floor[24];
    key_msg(key, m->token);
    if (key_sender(sender, m->from) != 0)
        return -1;
    snprintf(ttl, sizeof ttl, "%llu", (unsigned long long)r->limits.window_s);
    snprintf(score, sizeof score, "%llu", (unsigned long long)score_of(m->expires));
    snprintf(floor, sizeof floor, "(%llu", (unsigned long long)live_from(now));
    struct cmd cmds[5] = {0};
    strs(&cmds[0], "HSET", key, NULL);
    args(&cmds[0], "meta");
    arg(&cmds[0], meta, meta_len);
    args(&cmds[0], "bytes");
    arg(&cmds[0], m->bytes, m->len);
    strs(&cmds[0], "verdict", m->verdict, "unlocked", "0", NULL);
    strs(&cmds[1], "EXPIRE", key, ttl, NULL);
    strs(&cmds[2], "ZADD", sender, score, m->token, NULL);
    strs(&cmds[3], "ZREMRANGEBYSCORE", sender, "-inf", floor, NULL);
    strs(&cmds[4], "EXPIRE", sender, ttl, NULL);
    redisReply *exec = NULL;
    int rc = transaction(c, cmds, 5, &exec);
    reply_free(exec);
    return rc;
}

int sk_redis_put(struct sk_redis_store *r, struct sk_held_msg *msg, uint64_t now)
{
    bool refused = msg->len > r->limits.max_entry_bytes;
    int rc = refused ? SK_ELIMIT : sk_store_new_token(msg->token);
    msg->created = now;
    msg->expires = now + r->limits.window_s;
    struct sk_held_msg *canon = rc == 0 ? sk_store_canonical(msg, &refused) : NULL;
    if (rc == 0 && !canon)
        rc = refused ? SK_ELIMIT : SK_ENOMEM;
    size_t meta_len = 0;
    char *meta = NULL;
    if (rc == 0 && sk_store_cost(canon) > r->limits.max_bytes)
        rc = SK_ELIMIT;
    if (rc == 0 && !(meta = meta_pack(canon, &meta_len)))
        rc = SK_ENOMEM;
    struct conn *c = rc == 0 ? conn_take(r) : NULL;
    if (rc == 0 && !c)
        rc = SK_EIO;
    if (c) {
        rc = reserve(r, c, sk_store_cost(canon), now);
        if (rc == 0)
            rc = write_msg(r, c, canon, meta, meta_len, now);
        conn_give(r, c, rc == -1);
        rc = rc == -1 ? SK_EIO : rc;
    }
    if (rc == SK_ELIMIT)
        count(r, &r->stats.refused, 1);
    if (rc == 0)
        count(r, &r->stats.puts, 1);
    free(meta);
    sk_held_free(canon);
    return rc;
}

/* The metas of the sender's newest tokens that f follows up, at most max,
 * newest first, into out. 0 or -1 (connection). */
static int find_metas(struct conn *c, const struct sk_follow_up *f, uint64_t now,
                      struct sk_held_msg **out, size_t max, size_t *n)
{
    char sender[80], floor[24], limit[24];
    if (key_sender(sender, f->from) != 0)
        return -1;
    snprintf(floor, sizeof floor, "%llu", (unsigned long long)live_from(now));
    snprintf(limit, sizeof limit, "%u", FIND_CANDIDATES);
    struct cmd range = {0};
    strs(&range, "ZREVRANGEBYSCORE", sender, "+inf", floor, "LIMIT", "0", limit, NULL);
    redisReply *tokens = NULL;
    if (pipeline(c, &range, 1, &tokens) != 0 || tokens->type != REDIS_REPLY_ARRAY) {
        reply_free(tokens);
        return -1;
    }
    size_t n_tokens = tokens->elements < FIND_CANDIDATES ? tokens->elements : FIND_CANDIDATES;
    struct cmd cmds[FIND_CANDIDATES] = {{0}};
    char keys[FIND_CANDIDATES][64];
    const char *which[FIND_CANDIDATES];
    size_t n_cmds = 0;
    for (size_t i = 0; i < n_tokens; i++) {
        const redisReply *t = tokens->element[i];
        if (t->type != REDIS_REPLY_STRING || !sk_store_token_valid(t->str))
            continue; /* not one of ours: never made into a key */
        which[n_cmds] = t->str;
        key_msg(keys[n_cmds], t->str);
        strs(&cmds[n_cmds], "HMGET", keys[n_cmds], "meta", "unlocked", NULL);
        n_cmds++;
    }
    redisReply *rep[FIND_CANDIDATES];
    int rc = n_cmds ? pipeline(c, cmds, n_cmds, rep) : 0;
    for (size_t i = 0; rc == 0 && i < n_cmds && *n < max; i++) {
        if (rep[i]->type != REDIS_REPLY_ARRAY || rep[i]->elements != 2 ||
            is_unlocked(rep[i]->element[1]))
            continue;
        struct sk_held_msg *m = meta_unpack(rep[i]->element[0], which[i]);
        if (m && m->expires > now && sk_store_follows(m, f))
            out[(*n)++] = m;
        else
            sk_held_free(m);
    }
    if (n_cmds)
        free_replies(rep, n_cmds);
    reply_free(tokens);
    return rc;
}

/* Fetches the bytes and verdict of out[0..*n); drops those gone meanwhile. */
static int find_contents(struct conn *c, struct sk_held_msg **out, size_t *n)
{
    if (*n == 0)
        return 0;
    struct cmd *cmds = calloc(*n, sizeof *cmds);
    redisReply **rep = calloc(*n, sizeof *rep);
    char(*keys)[64] = calloc(*n, sizeof *keys);
    int rc = cmds && rep && keys ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < *n; i++) {
        key_msg(keys[i], out[i]->token);
        strs(&cmds[i], "HMGET", keys[i], "bytes", "verdict", NULL);
    }
    if (rc == 0)
        rc = pipeline(c, cmds, *n, rep);
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++) {
        bool ok = rc == 0 && rep[i]->type == REDIS_REPLY_ARRAY && rep[i]->elements == 2 &&
                  fill_content(out[i], rep[i]->element[0], rep[i]->element[1]) == 0;
        if (ok)
            out[kept++] = out[i];
        else
            sk_held_free(out[i]);
    }
    if (rep)
        free_replies(rep, *n);
    *n = kept;
    free(cmds);
    free(rep);
    free(keys);
    return rc;
}

int sk_redis_find(struct sk_redis_store *r, const struct sk_follow_up *f, uint64_t now,
                  struct sk_held_msg **out, size_t max, size_t *n)
{
    *n = 0;
    if (!max || !f->from || !f->from[0] || strlen(f->from) > SK_STORE_MAX_ADDRESS)
        return 0;
    struct conn *c = conn_take(r);
    if (!c)
        return SK_EIO;
    int rc = find_metas(c, f, now, out, max, n);
    if (rc == 0)
        rc = find_contents(c, out, n);
    conn_give(r, c, rc != 0);
    if (rc != 0) {
        for (size_t i = 0; i < *n; i++)
            sk_held_free(out[i]);
        *n = 0;
        return SK_EIO;
    }
    count(r, &r->stats.found, *n);
    return 0;
}

int sk_redis_get(struct sk_redis_store *r, const char *token, uint64_t now,
                 struct sk_held_msg **out)
{
    char key[64];
    key_msg(key, token);
    struct cmd get = {0};
    strs(&get, "HMGET", key, "meta", "bytes", "verdict", "unlocked", NULL);
    struct conn *c = conn_take(r);
    if (!c)
        return SK_EIO;
    redisReply *rep = NULL;
    int rc = pipeline(c, &get, 1, &rep);
    conn_give(r, c, rc != 0);
    if (rc != 0 || rep->type != REDIS_REPLY_ARRAY || rep->elements != 4) {
        reply_free(rep);
        return SK_EIO;
    }
    struct sk_held_msg *m = NULL;
    if (rep->element[0]->type == REDIS_REPLY_NIL)
        rc = SK_STORE_UNKNOWN;
    else if (!(m = meta_unpack(rep->element[0], token)) ||
             fill_content(m, rep->element[1], rep->element[2]) != 0)
        rc = SK_EIO; /* not what we wrote: never an answer */
    else if (m->expires <= now)
        rc = SK_STORE_UNKNOWN;
    if (m)
        m->unlocked = is_unlocked(rep->element[3]);
    reply_free(rep);
    if (rc != 0) {
        sk_held_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int sk_redis_set_verdict(struct sk_redis_store *r, const char *token, const char *verdict_json,
                         bool unlocked, uint64_t now)
{
    (void)now; /* Redis's own expiry decides here */
    char key[64];
    key_msg(key, token);
    struct cmd eval = {0};
    strs(&eval, "EVAL", set_verdict_script, "1", key, verdict_json, unlocked ? "1" : "0", NULL);
    struct conn *c = conn_take(r);
    if (!c)
        return SK_EIO;
    redisReply *rep = NULL;
    int rc = pipeline(c, &eval, 1, &rep);
    conn_give(r, c, rc != 0);
    if (rc == 0 && rep->type == REDIS_REPLY_INTEGER)
        rc = rep->integer == 1 ? 0 : SK_STORE_UNKNOWN;
    else
        rc = SK_EIO;
    reply_free(rep);
    return rc;
}

void sk_redis_stats(struct sk_redis_store *r, struct sk_store_stats *out)
{
    pthread_mutex_lock(&r->stats_lock);
    *out = r->stats;
    pthread_mutex_unlock(&r->stats_lock);
    out->backend_up = atomic_load(&r->up);
}

/* ---- opening ---- */

/* The first line of path, for AUTH. 0 or -1 with err. */
static int read_password(const char *path, char **out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(err, errlen, "--store password-file %s: %s", path, strerror(errno));
        return -1;
    }
    char line[MAX_PASSWORD + 2];
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    line[got ? strcspn(line, "\r\n") : 0] = '\0';
    if (!got || !line[0]) {
        snprintf(err, errlen, "--store password-file %s: empty", path);
        return -1;
    }
    *out = strdup(line);
    explicit_bzero(line, sizeof line);
    return *out ? 0 : -1;
}

/* "db=N&user=NAME&password-file=PATH": 0 or -1 with err. */
static int parse_query(struct sk_redis_store *r, char *q, char *err, size_t errlen)
{
    for (char *item = q, *next; item && *item; item = next) {
        next = strchr(item, '&');
        if (next)
            *next++ = '\0';
        char *value = strchr(item, '=');
        if (!value) {
            snprintf(err, errlen, "--store: \"%s\" is not name=value", item);
            return -1;
        }
        *value++ = '\0';
        char *end = NULL;
        if (strcmp(item, "db") == 0) {
            r->db = strtol(value, &end, 10);
            if (!value[0] || *end || r->db < 0 || r->db > 1000000) {
                snprintf(err, errlen, "--store: db=%s is not a database number", value);
                return -1;
            }
        } else if (strcmp(item, "user") == 0 && value[0]) {
            free(r->user);
            if (!(r->user = strdup(value)))
                return -1;
        } else if (strcmp(item, "password-file") == 0 && value[0]) {
            free(r->password);
            r->password = NULL;
            if (read_password(value, &r->password, err, errlen) != 0)
                return -1;
        } else {
            snprintf(err, errlen, "--store: unknown option %s (db, user, password-file)", item);
            return -1;
        }
    }
    return 0;
}

/* HOST[:PORT][/DB]; HOST resolved once, here (no name lookup under the
 * sandbox). 0 or -1 with err. */
static int parse_tcp(struct sk_redis_store *r, char *s, char *err, size_t errlen)
{
    char *db = strchr(s, '/');
    if (db) {
        *db++ = '\0';
        char *end = NULL;
        r->db = strtol(db, &end, 10);
        if (!db[0] || *end || r->db < 0 || r->db > 1000000) {
            snprintf(err, errlen, "--store: /%s is not a database number", db);
            return -1;
        }
    }
    if (strchr(s, '@')) {
        snprintf(err, errlen,
                 "--store: no password in the address (every user can read a "
                 "command line): ?password-file=PATH or SEKISHO_REDIS_PASSWORD");
        return -1;
    }
    char *host = s, *port = NULL;
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (!close) {
            snprintf(err, errlen, "--store: unclosed [ in %s", s);
            return -1;
        }
        *close = '\0';
        host = s + 1;
        port = close[1] == ':' ? close + 2 : NULL;
    } else if ((port = strrchr(s, ':'))) {
        *port++ = '\0';
    }
    char *end = NULL;
    long p = port ? strtol(port, &end, 10) : 6379;
    if (!host[0] || (port && (!port[0] || *end)) || p <= 0 || p > 65535) {
        snprintf(err, errlen, "--store: redis://HOST:PORT expected");
        return -1;
    }
    r->port = (int)p;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int gai = getaddrinfo(host, NULL, &hints, &ai);
    if (gai != 0) {
        snprintf(err, errlen, "--store: %s: %s", host, gai_strerror(gai));
        return -1;
    }
    const void *addr = ai->ai_family == AF_INET6
                           ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
                           : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
    bool ok = inet_ntop(ai->ai_family, addr, r->host, sizeof r->host) != NULL;
    freeaddrinfo(ai);
    if (!ok) {
        snprintf(err, errlen, "--store: %s: no address", host);
        return -1;
    }
    snprintf(r->where, sizeof r->where, "redis %s:%d", r->host, r->port);
    return 0;
}

static int parse_spec(struct sk_redis_store *r, char *s, char *err, size_t errlen)
{
    char *query = strchr(s, '?');
    if (query)
        *query++ = '\0';
    int rc;
    if (strncmp(s, "redis://", 8) == 0) {
        rc = parse_tcp(r, s + 8, err, errlen);
    } else if (strncmp(s, "unix:", 5) == 0 || s[0] == '/') {
        const char *path = s[0] == '/' ? s : s + 5;
        rc = path[0] == '/' ? 0 : -1;
        if (rc == 0 && !(r->path = strdup(path)))
            rc = -1;
        snprintf(r->where, sizeof r->where, "redis unix:%s", path);
        if (path[0] != '/')
            snprintf(err, errlen, "--store: unix:/PATH expected");
    } else {
        snprintf(err, errlen, "--store: memory, redis://HOST:PORT[/DB] or unix:/PATH expected");
        rc = -1;
    }
    if (rc == 0 && query)
        rc = parse_query(r, query, err, errlen);
    if (rc == 0 && !r->password && getenv("SEKISHO_REDIS_PASSWORD") &&
        getenv("SEKISHO_REDIS_PASSWORD")[0] &&
        !(r->password = strdup(getenv("SEKISHO_REDIS_PASSWORD"))))
        rc = -1;
    return rc;
}

void sk_redis_close(struct sk_redis_store *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < N_CONNS; i++) {
        if (r->conns[i].ctx)
            redisFree(r->conns[i].ctx);
        pthread_mutex_destroy(&r->conns[i].lock);
    }
    pthread_mutex_destroy(&r->stats_lock);
    if (r->password)
        explicit_bzero(r->password, strlen(r->password));
    free(r->password);
    free(r->user);
    free(r->path);
    free(r);
}

int sk_redis_open(const char *spec, const struct sk_store_limits *limits,
                  struct sk_redis_store **out, char *err, size_t errlen)
{
    struct sk_redis_store *r = calloc(1, sizeof *r);
    char *copy = strdup(spec);
    if (!r || !copy) {
        free(r);
        free(copy);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->limits = *limits;
    for (size_t i = 0; i < N_CONNS; i++)
        pthread_mutex_init(&r->conns[i].lock, NULL);
    pthread_mutex_init(&r->stats_lock, NULL);
    atomic_init(&r->up, true);
    err[0] = '\0';
    int rc = parse_spec(r, copy, err, errlen);
    free(copy);
    if (rc != 0) {
        if (!err[0])
            snprintf(err, errlen, "out of memory");
        sk_redis_close(r);
        return -1;
    }
    /* OpenSSL loads its configuration on first use: here, before the
     * front's sandbox, rather than in the first find. */
    char warm[80];
    if (key_sender(warm, "") != 0) {
        snprintf(err, errlen, "--store: SHA-256 is not available");
        sk_redis_close(r);
        return -1;
    }
    /* One connection now, so that the log says at start whether Redis
     * answers; a Redis that does not is tried again later. */
    struct conn *c = conn_take(r);
    if (c)
        conn_give(r, c, false);
    *out = r;
    return 0;
}
