/* The correlation memory for PPAP (store.h): what both back ends share (the
 * message as kept, the matching rule, tokens, refcounted bytes), the
 * in-process store, and the dispatch to the Redis one (store_redis.c).
 *
 * The in-process store: entries in arrival order (the oldest goes first,
 * whether it expired or is evicted), found by token and by sender through
 * two chained hash tables. One mutex guards them; under it a call only
 * links, unlinks and takes references. A held message's fields and bytes
 * never change once put (only its verdict is replaced, as a whole), so
 * find and get take a reference under the lock and copy the small fields
 * after it; the bytes are shared, never copied. */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../engine/error.h"

/* ---- what both back ends share ---- */

struct sk_store_blob {
    atomic_size_t refs;
    size_t len;
    uint8_t data[];
};

struct sk_store_blob *sk_store_blob_new(const void *data, size_t len)
{
    if (len > SIZE_MAX - sizeof(struct sk_store_blob) - 1)
        return NULL;
    struct sk_store_blob *blob = malloc(sizeof *blob + len + 1);
    if (!blob)
        return NULL;
    atomic_init(&blob->refs, 1);
    blob->len = len;
    if (len)
        memcpy(blob->data, data, len);
    blob->data[len] = 0;
    return blob;
}

const uint8_t *sk_store_blob_data(const struct sk_store_blob *blob)
{
    return blob->data;
}

static struct sk_store_blob *blob_ref(struct sk_store_blob *blob)
{
    if (blob)
        atomic_fetch_add(&blob->refs, 1);
    return blob;
}

void sk_store_blob_unref(struct sk_store_blob *blob)
{
    if (blob && atomic_fetch_sub(&blob->refs, 1) == 1)
        free(blob);
}

void sk_held_free(struct sk_held_msg *msg)
{
    if (!msg)
        return;
    free(msg->request_id);
    free(msg->message_id);
    free(msg->from);
    for (size_t i = 0; i < msg->n_rcpts; i++)
        free(msg->rcpts[i]);
    free(msg->rcpts);
    free(msg->subject);
    free(msg->name);
    free(msg->verdict);
    sk_store_blob_unref(msg->blob);
    free(msg);
}

struct sk_held_msg *sk_held_new(void)
{
    struct sk_held_msg *msg = calloc(1, sizeof *msg);
    if (!msg)
        return NULL;
    msg->request_id = strdup("");
    msg->message_id = strdup("");
    msg->from = strdup("");
    msg->subject = strdup("");
    msg->name = strdup("");
    msg->verdict = strdup("");
    if (!msg->request_id || !msg->message_id || !msg->from || !msg->subject || !msg->name ||
        !msg->verdict) {
        sk_held_free(msg);
        return NULL;
    }
    return msg;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* A copy of at most max bytes of s (NULL taken as ""), lowercased when
 * asked. NULL when out of memory. */
static char *copy_cut(const char *s, size_t max, bool lower)
{
    s = s ? s : "";
    size_t n = strnlen(s, max);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++)
        out[i] = lower ? ascii_lower(s[i]) : s[i];
    out[n] = '\0';
    return out;
}

/* Whether s is an address worth remembering: not empty, not over the cap
 * (a cut address could equal another). */
static bool address_fits(const char *s)
{
    return s && s[0] && strnlen(s, SK_STORE_MAX_ADDRESS + 1) <= SK_STORE_MAX_ADDRESS;
}

static int copy_rcpts(struct sk_held_msg *dst, const struct sk_held_msg *src)
{
    size_t n = src->n_rcpts < SK_STORE_MAX_RCPTS ? src->n_rcpts : SK_STORE_MAX_RCPTS;
    dst->rcpts = calloc(n ? n : 1, sizeof *dst->rcpts);
    if (!dst->rcpts)
        return SK_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!address_fits(src->rcpts[i]))
            continue;
        dst->rcpts[dst->n_rcpts] = copy_cut(src->rcpts[i], SK_STORE_MAX_ADDRESS, true);
        if (!dst->rcpts[dst->n_rcpts])
            return SK_ENOMEM;
        dst->n_rcpts++;
    }
    return 0;
}

struct sk_held_msg *sk_store_canonical(const struct sk_held_msg *msg, bool *refused)
{
    *refused = !address_fits(msg->from) ||
               (msg->verdict &&
                strnlen(msg->verdict, SK_STORE_MAX_VERDICT + 1) > SK_STORE_MAX_VERDICT);
    if (*refused)
        return NULL;
    struct sk_held_msg *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    memcpy(c->token, msg->token, sizeof c->token);
    c->created = msg->created;
    c->expires = msg->expires;
    c->unlocked = msg->unlocked;
    c->request_id = copy_cut(msg->request_id, SK_STORE_MAX_FIELD, false);
    c->message_id = copy_cut(msg->message_id, SK_STORE_MAX_FIELD, false);
    c->from = copy_cut(msg->from, SK_STORE_MAX_ADDRESS, true);
    c->subject = copy_cut(msg->subject, SK_STORE_MAX_FIELD, false);
    c->name = copy_cut(msg->name, SK_STORE_MAX_FIELD, false);
    c->verdict = copy_cut(msg->verdict, SK_STORE_MAX_VERDICT, false);
    c->blob = sk_store_blob_new(msg->bytes, msg->bytes ? msg->len : 0);
    if (!c->request_id || !c->message_id || !c->from || !c->subject || !c->name ||
        !c->verdict || !c->blob || copy_rcpts(c, msg) != 0) {
        sk_held_free(c);
        return NULL;
    }
    c->bytes = c->blob->data;
    c->len = c->blob->len;
    return c;
}

uint64_t sk_store_cost(const struct sk_held_msg *msg)
{
    uint64_t cost = msg->len + strlen(msg->request_id) + strlen(msg->message_id) +
                    strlen(msg->from) + strlen(msg->subject) + strlen(msg->name) +
                    strlen(msg->verdict) + sizeof *msg;
    for (size_t i = 0; i < msg->n_rcpts; i++)
        cost += strlen(msg->rcpts[i]) + sizeof(char *);
    return cost;
}

/* ASCII case-insensitive equality of two non-empty addresses. The caller
 * lowercases; this holds also when it forgot. */
static bool address_eq(const char *a, const char *b)
{
    if (!a || !b || !a[0])
        return false;
    size_t i = 0;
    for (; a[i] && b[i] && i <= SK_STORE_MAX_ADDRESS; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return a[i] == b[i];
}

/* A Message-ID without surrounding blanks and angle brackets: [*start,
 * *start + *len). */
static void msgid_core(const char *s, const char **start, size_t *len)
{
    size_t n = strnlen(s, SK_STORE_MAX_FIELD);
    while (n && (*s == ' ' || *s == '\t' || *s == '<')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n' ||
                 s[n - 1] == '>'))
        n--;
    *start = s;
    *len = n;
}

/* Whether reference names the Message-ID held (exactly: its local part is
 * case-sensitive, RFC 5322 3.6.4). */
static bool names_msgid(const char *reference, const char *held)
{
    if (!reference || !held)
        return false;
    const char *a, *b;
    size_t la, lb;
    msgid_core(reference, &a, &la);
    msgid_core(held, &b, &lb);
    return la > 0 && la == lb && memcmp(a, b, la) == 0;
}

static bool rcpts_overlap(const struct sk_held_msg *h, const struct sk_follow_up *f)
{
    size_t n = f->n_rcpts < SK_STORE_MAX_LINKS ? f->n_rcpts : SK_STORE_MAX_LINKS;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < h->n_rcpts; j++)
            if (address_eq(f->rcpts[i], h->rcpts[j]))
                return true;
    return false;
}

static bool same_thread(const struct sk_held_msg *h, const struct sk_follow_up *f)
{
    if (names_msgid(f->in_reply_to, h->message_id))
        return true;
    size_t n = f->n_references < SK_STORE_MAX_LINKS ? f->n_references : SK_STORE_MAX_LINKS;
    for (size_t i = 0; i < n; i++)
        if (names_msgid(f->references[i], h->message_id))
            return true;
    return false;
}

/* The sender alone never suffices, nor a Message-ID or subject alone: a
 * stranger who knows one of them must not reach the held message. */
bool sk_store_follows(const struct sk_held_msg *h, const struct sk_follow_up *f)
{
    return address_eq(f->from, h->from) && (rcpts_overlap(h, f) || same_thread(h, f));
}

bool sk_store_token_valid(const char *t)
{
    if (!t)
        return false;
    for (size_t i = 0; i < 32; i++)
        if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
            return false;
    return t[32] == '\0';
}

int sk_store_new_token(char out[33])
{
    uint8_t raw[16];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return SK_EIO;
        got += (size_t)n;
    }
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[32] = '\0';
    return 0;
}

/* A copy for the caller of a held message: its fields copied, its bytes
 * shared (one more reference), verdict and unlocked as given. */
static struct sk_held_msg *held_copy(const struct sk_held_msg *h,
                                     const struct sk_store_blob *verdict, bool unlocked)
{
    struct sk_held_msg *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    memcpy(c->token, h->token, sizeof c->token);
    c->created = h->created;
    c->expires = h->expires;
    c->unlocked = unlocked;
    c->request_id = strdup(h->request_id);
    c->message_id = strdup(h->message_id);
    c->from = strdup(h->from);
    c->subject = strdup(h->subject);
    c->name = strdup(h->name);
    c->verdict = strdup(verdict ? (const char *)verdict->data : "");
    c->rcpts = calloc(h->n_rcpts ? h->n_rcpts : 1, sizeof *c->rcpts);
    bool ok = c->request_id && c->message_id && c->from && c->subject && c->name &&
              c->verdict && c->rcpts;
    for (size_t i = 0; ok && i < h->n_rcpts; i++) {
        c->rcpts[i] = strdup(h->rcpts[i]);
        ok = c->rcpts[i] != NULL;
        c->n_rcpts += ok;
    }
    if (!ok) {
        sk_held_free(c);
        return NULL;
    }
    c->blob = blob_ref(h->blob);
    c->bytes = h->bytes;
    c->len = h->len;
    return c;
}

/* ---- the in-process store ---- */

struct mem_entry {
    atomic_size_t refs;
    struct sk_held_msg *msg;       /* immutable once put; verdict NULL */
    struct sk_store_blob *verdict; /* replaced as a whole, under the lock */
    bool unlocked;
    uint64_t cost;
    struct mem_entry *older, *newer; /* arrival order */
    struct mem_entry *next_by_token, *next_by_sender;
};

struct mem_store {
    pthread_mutex_t lock;
    struct sk_store_limits limits;
    struct mem_entry *oldest, *newest;
    struct mem_entry **by_token, **by_sender;
    size_t n_buckets; /* a power of two */
    uint64_t seed;    /* so that senders cannot be chosen to share a bucket */
    struct sk_store_stats stats;
};

static void entry_unref(struct mem_entry *e)
{
    if (e && atomic_fetch_sub(&e->refs, 1) == 1) {
        sk_held_free(e->msg);
        sk_store_blob_unref(e->verdict);
        free(e);
    }
}

/* FNV-1a over the lowercased bytes, from a random basis. */
static size_t bucket_of(const struct mem_store *m, const char *s)
{
    uint64_t h = m->seed;
    for (; *s; s++) {
        h ^= (uint8_t)ascii_lower(*s);
        h *= 1099511628211u;
    }
    return (size_t)(h ^ (h >> 29)) & (m->n_buckets - 1);
}

static void chain_remove(struct mem_entry **head, struct mem_entry *e, bool by_token)
{
    for (struct mem_entry **p = head; *p;
         p = by_token ? &(*p)->next_by_token : &(*p)->next_by_sender)
        if (*p == e) {
            *p = by_token ? e->next_by_token : e->next_by_sender;
            return;
        }
}

/* Under the lock: unlinks e everywhere and drops the store's reference. The
 * memory goes once no caller holds one. */
static void mem_unlink(struct mem_store *m, struct mem_entry *e)
{
    chain_remove(&m->by_token[bucket_of(m, e->msg->token)], e, true);
    chain_remove(&m->by_sender[bucket_of(m, e->msg->from)], e, false);
    if (e->older)
        e->older->newer = e->newer;
    else
        m->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        m->newest = e->older;
    m->stats.entries--;
    m->stats.bytes -= e->cost;
    entry_unref(e);
}

/* Under the lock: drops what expired. Arrival order is expiry order (one
 * window for all), so the walk stops at the first one still held. */
static void mem_expire(struct mem_store *m, uint64_t now)
{
    while (m->oldest && m->oldest->msg->expires <= now) {
        mem_unlink(m, m->oldest);
        m->stats.expired++;
    }
}

static struct mem_entry *mem_lookup(struct mem_store *m, const char *token)
{
    struct mem_entry *e = m->by_token[bucket_of(m, token)];
    while (e && strcmp(e->msg->token, token) != 0)
        e = e->next_by_token;
    return e;
}

static int mem_open(const struct sk_store_limits *limits, struct mem_store **out)
{
    struct mem_store *m = calloc(1, sizeof *m);
    if (!m)
        return SK_ENOMEM;
    m->limits = *limits;
    m->n_buckets = 64;
    while (m->n_buckets < limits->max_entries && m->n_buckets < (1u << 20))
        m->n_buckets <<= 1;
    m->by_token = calloc(m->n_buckets, sizeof *m->by_token);
    m->by_sender = calloc(m->n_buckets, sizeof *m->by_sender);
    if (!m->by_token || !m->by_sender ||
        getrandom(&m->seed, sizeof m->seed, 0) != (ssize_t)sizeof m->seed) {
        free(m->by_token);
        free(m->by_sender);
        free(m);
        return SK_ENOMEM;
    }
    m->seed ^= 14695981039346656037u;
    pthread_mutex_init(&m->lock, NULL);
    m->stats.backend_up = true;
    *out = m;
    return 0;
}

static void mem_close(struct mem_store *m)
{
    while (m->oldest)
        mem_unlink(m, m->oldest);
    pthread_mutex_destroy(&m->lock);
    free(m->by_token);
    free(m->by_sender);
    free(m);
}

/* The entry for msg, made before the lock is taken (the copy of its bytes
 * included). */
static int mem_entry_new(struct sk_held_msg *msg, struct mem_entry **out)
{
    bool refused = false;
    struct mem_entry *e = calloc(1, sizeof *e);
    if (!e)
        return SK_ENOMEM;
    e->msg = sk_store_canonical(msg, &refused);
    if (e->msg)
        e->verdict = sk_store_blob_new(e->msg->verdict, strlen(e->msg->verdict));
    if (!e->msg || !e->verdict) {
        sk_held_free(e->msg);
        free(e);
        return refused ? SK_ELIMIT : SK_ENOMEM;
    }
    atomic_init(&e->refs, 1);
    e->unlocked = false;
    e->cost = sk_store_cost(e->msg);
    free(e->msg->verdict); /* kept once: in e->verdict */
    e->msg->verdict = NULL;
    *out = e;
    return 0;
}

static int mem_put(struct mem_store *m, struct sk_held_msg *msg, uint64_t now)
{
    if (msg->len > m->limits.max_entry_bytes || msg->len > m->limits.max_bytes) {
        pthread_mutex_lock(&m->lock);
        m->stats.refused++;
        pthread_mutex_unlock(&m->lock);
        return SK_ELIMIT;
    }
    int rc = sk_store_new_token(msg->token);
    msg->created = now;
    msg->expires = now + m->limits.window_s;
    struct mem_entry *e = NULL;
    if (rc == 0)
        rc = mem_entry_new(msg, &e);
    pthread_mutex_lock(&m->lock);
    if (rc == 0 && e->cost > m->limits.max_bytes)
        rc = SK_ELIMIT;
    if (rc == SK_ELIMIT)
        m->stats.refused++;
    if (rc == 0) {
        mem_expire(m, now);
        while (m->oldest && (m->stats.entries + 1 > m->limits.max_entries ||
                             m->stats.bytes + e->cost > m->limits.max_bytes)) {
            mem_unlink(m, m->oldest);
            m->stats.evicted++;
        }
        size_t t = bucket_of(m, e->msg->token), s = bucket_of(m, e->msg->from);
        e->next_by_token = m->by_token[t];
        m->by_token[t] = e;
        e->next_by_sender = m->by_sender[s];
        m->by_sender[s] = e;
        e->older = m->newest;
        if (m->newest)
            m->newest->newer = e;
        else
            m->oldest = e;
        m->newest = e;
        m->stats.entries++;
        m->stats.bytes += e->cost;
        m->stats.puts++;
        e = NULL;
    }
    pthread_mutex_unlock(&m->lock);
    entry_unref(e); /* only when it was not linked */
    return rc;
}

/* What find and get take under the lock, copied after it. */
struct mem_pick {
    struct mem_entry *entry;
    struct sk_store_blob *verdict;
    bool unlocked;
};

static struct mem_pick mem_pick(struct mem_entry *e)
{
    atomic_fetch_add(&e->refs, 1);
    return (struct mem_pick){e, blob_ref(e->verdict), e->unlocked};
}

/* Copies picks[0..n) for the caller and drops the references. The number
 * copied (all, unless out of memory). */
static size_t mem_deliver(struct mem_pick *picks, size_t n, struct sk_held_msg **out)
{
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        struct sk_held_msg *c =
            held_copy(picks[i].entry->msg, picks[i].verdict, picks[i].unlocked);
        if (c)
            out[done++] = c;
        sk_store_blob_unref(picks[i].verdict);
        entry_unref(picks[i].entry);
    }
    return done;
}

static int mem_find(struct mem_store *m, const struct sk_follow_up *f, uint64_t now,
                    struct sk_held_msg **out, size_t max, size_t *n)
{
    *n = 0;
    if (!max || !f->from || !f->from[0])
        return 0;
    struct mem_pick *picks = calloc(max, sizeof *picks);
    if (!picks)
        return SK_ENOMEM;
    size_t n_picks = 0;
    pthread_mutex_lock(&m->lock);
    mem_expire(m, now);
    /* A chain holds its newest entry first: newest first, as promised. */
    for (struct mem_entry *e = m->by_sender[bucket_of(m, f->from)]; e && n_picks < max;
         e = e->next_by_sender)
        if (!e->unlocked && e->msg->expires > now && sk_store_follows(e->msg, f))
            picks[n_picks++] = mem_pick(e);
    m->stats.found += n_picks;
    pthread_mutex_unlock(&m->lock);
    *n = mem_deliver(picks, n_picks, out);
    free(picks);
    return *n == n_picks ? 0 : SK_ENOMEM;
}

static int mem_get(struct mem_store *m, const char *token, uint64_t now,
                   struct sk_held_msg **out)
{
    struct mem_pick pick = {0};
    pthread_mutex_lock(&m->lock);
    struct mem_entry *e = mem_lookup(m, token);
    if (e && e->msg->expires > now)
        pick = mem_pick(e);
    pthread_mutex_unlock(&m->lock);
    if (!pick.entry)
        return SK_STORE_UNKNOWN;
    return mem_deliver(&pick, 1, out) == 1 ? 0 : SK_ENOMEM;
}

static int mem_set_verdict(struct mem_store *m, const char *token, const char *verdict_json,
                           bool unlocked, uint64_t now)
{
    struct sk_store_blob *fresh = sk_store_blob_new(verdict_json, strlen(verdict_json));
    if (!fresh)
        return SK_ENOMEM;
    int rc = SK_STORE_UNKNOWN;
    pthread_mutex_lock(&m->lock);
    struct mem_entry *e = mem_lookup(m, token);
    if (e && e->msg->expires > now) {
        struct sk_store_blob *old = e->verdict;
        e->verdict = fresh;
        e->unlocked = unlocked;
        m->stats.bytes = m->stats.bytes - old->len + fresh->len;
        e->cost = e->cost - old->len + fresh->len;
        fresh = old; /* released below, after the lock */
        rc = 0;
    }
    pthread_mutex_unlock(&m->lock);
    sk_store_blob_unref(fresh);
    return rc;
}

/* ---- the dispatch ---- */

struct sk_store {
    struct mem_store *mem; /* exactly one of the two */
    struct sk_redis_store *redis;
};

int sk_store_open(const char *spec, const struct sk_store_limits *limits, struct sk_store **out,
                  char *err, size_t errlen)
{
    struct sk_store_limits l = limits ? *limits : (struct sk_store_limits){0};
    l.window_s = l.window_s ? l.window_s : SK_STORE_WINDOW_S;
    l.max_entries = l.max_entries ? l.max_entries : SK_STORE_MAX_ENTRIES;
    l.max_bytes = l.max_bytes ? l.max_bytes : SK_STORE_MAX_BYTES;
    l.max_entry_bytes = l.max_entry_bytes ? l.max_entry_bytes : SK_STORE_MAX_BYTES;
    struct sk_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc;
    if (!spec || strcmp(spec, "memory") == 0) {
        rc = mem_open(&l, &s->mem);
        if (rc != 0)
            snprintf(err, errlen, "in-process store: %s", sk_strerror(rc));
    } else {
        rc = sk_redis_open(spec, &l, &s->redis, err, errlen);
    }
    if (rc != 0) {
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void sk_store_close(struct sk_store *store)
{
    if (!store)
        return;
    if (store->mem)
        mem_close(store->mem);
    else
        sk_redis_close(store->redis);
    free(store);
}

int sk_store_put(struct sk_store *store, struct sk_held_msg *msg, uint64_t now)
{
    return store->mem ? mem_put(store->mem, msg, now) : sk_redis_put(store->redis, msg, now);
}

int sk_store_find(struct sk_store *store, const struct sk_follow_up *f, uint64_t now,
                  struct sk_held_msg **out, size_t max, size_t *n)
{
    return store->mem ? mem_find(store->mem, f, now, out, max, n)
                      : sk_redis_find(store->redis, f, now, out, max, n);
}

int sk_store_get(struct sk_store *store, const char *token, uint64_t now,
                 struct sk_held_msg **out)
{
    if (!sk_store_token_valid(token))
        return SK_STORE_UNKNOWN;
    return store->mem ? mem_get(store->mem, token, now, out)
                      : sk_redis_get(store->redis, token, now, out);
}

int sk_store_set_verdict(struct sk_store *store, const char *token, const char *verdict_json,
                         bool unlocked, uint64_t now)
{
    if (!sk_store_token_valid(token))
        return SK_STORE_UNKNOWN;
    if (strnlen(verdict_json, SK_STORE_MAX_VERDICT + 1) > SK_STORE_MAX_VERDICT)
        return SK_ELIMIT;
    return store->mem ? mem_set_verdict(store->mem, token, verdict_json, unlocked, now)
                      : sk_redis_set_verdict(store->redis, token, verdict_json, unlocked, now);
}

void sk_store_stats(struct sk_store *store, struct sk_store_stats *out)
{
    if (store->redis) {
        sk_redis_stats(store->redis, out);
        return;
    }
    pthread_mutex_lock(&store->mem->lock);
    *out = store->mem->stats;
    pthread_mutex_unlock(&store->mem->lock);
}
