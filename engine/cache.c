/* The node cache (cache.h): a hash table of fixed size whose chains hold
 * the entries, and a doubly linked list through the same entries in
 * least-recently-used order (head: most recent). Keys are SHA-256 digests,
 * so their first bytes are already uniform and serve as the hash. */
#include "cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define MIN_BUCKETS 64u
#define MAX_BUCKETS (1u << 20)
/* One bucket per this many bytes of budget: entries worth caching are at
 * least a few KiB (outcome.h). */
#define BYTES_PER_BUCKET 4096u

struct entry {
    struct entry *chain; /* next in its bucket */
    struct entry *newer, *older;
    uint8_t key[SK_CACHE_KEY_BYTES];
    size_t len;
    uint8_t value[];
};

struct sk_cache {
    pthread_mutex_t lock;
    struct entry **buckets;
    size_t n_buckets; /* a power of two */
    struct entry *newest, *oldest;
    struct sk_cache_stats stats;
};

size_t sk_cache_entry_cost(size_t len)
{
    return sizeof(struct entry) + len;
}

int sk_cache_new(uint64_t budget, struct sk_cache **out)
{
    *out = NULL;
    struct sk_cache *c = calloc(1, sizeof *c);
    if (!c)
        return SK_ENOMEM;
    size_t want = budget / BYTES_PER_BUCKET;
    size_t n = MIN_BUCKETS;
    while (n < want && n < MAX_BUCKETS)
        n *= 2;
    c->buckets = calloc(n, sizeof *c->buckets);
    if (!c->buckets || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->buckets);
        free(c);
        return SK_ENOMEM;
    }
    c->n_buckets = n;
    c->stats.budget = budget;
    *out = c;
    return 0;
}

void sk_cache_free(struct sk_cache *cache)
{
    if (!cache)
        return;
    for (struct entry *e = cache->newest, *next; e; e = next) {
        next = e->older;
        free(e);
    }
    pthread_mutex_destroy(&cache->lock);
    free(cache->buckets);
    free(cache);
}

static size_t bucket_of(const struct sk_cache *c, const uint8_t *key)
{
    size_t h = 0;
    for (size_t i = 0; i < sizeof h; i++)
        h = (h << 8) | key[i];
    return h & (c->n_buckets - 1);
}

static struct entry **find_slot(struct sk_cache *c, const uint8_t *key)
{
    struct entry **slot = &c->buckets[bucket_of(c, key)];
    while (*slot && memcmp((*slot)->key, key, SK_CACHE_KEY_BYTES) != 0)
        slot = &(*slot)->chain;
    return slot;
}

static void unlink_lru(struct sk_cache *c, struct entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(struct sk_cache *c, struct entry *e)
{
    e->newer = NULL;
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
}

/* Takes the entry *slot out of the table and the list and frees it. */
static void drop(struct sk_cache *c, struct entry **slot)
{
    struct entry *e = *slot;
    *slot = e->chain;
    unlink_lru(c, e);
    c->stats.bytes -= sk_cache_entry_cost(e->len);
    c->stats.entries--;
    free(e);
}

bool sk_cache_get(struct sk_cache *cache, const uint8_t key[SK_CACHE_KEY_BYTES],
                  uint8_t **value, size_t *len)
{
    *value = NULL;
    *len = 0;
    pthread_mutex_lock(&cache->lock);
    struct entry *e = *find_slot(cache, key);
    uint8_t *copy = e ? malloc(e->len ? e->len : 1) : NULL;
    if (copy) {
        memcpy(copy, e->value, e->len);
        *value = copy;
        *len = e->len;
        unlink_lru(cache, e);
        push_newest(cache, e);
        cache->stats.hits++;
    } else {
        cache->stats.misses++;
    }
    pthread_mutex_unlock(&cache->lock);
    return copy != NULL;
}

int sk_cache_put(struct sk_cache *cache, const uint8_t key[SK_CACHE_KEY_BYTES],
                 const uint8_t *value, size_t len)
{
    size_t cost = sk_cache_entry_cost(len);
    if (len > cache->stats.budget / 8 || cost > cache->stats.budget / 8) {
        pthread_mutex_lock(&cache->lock);
        cache->stats.refused++;
        pthread_mutex_unlock(&cache->lock);
        return SK_ELIMIT;
    }
    struct entry *e = malloc(cost);
    if (!e)
        return SK_ENOMEM;
    memcpy(e->key, key, SK_CACHE_KEY_BYTES);
    e->len = len;
    memcpy(e->value, value, len);
    pthread_mutex_lock(&cache->lock);
    struct entry **slot = find_slot(cache, key);
    if (*slot)
        drop(cache, slot);
    /* Bounded: each step frees one entry, and the budget holds this one. */
    while (cache->oldest && cache->stats.bytes + cost > cache->stats.budget) {
        drop(cache, find_slot(cache, cache->oldest->key));
        cache->stats.evictions++;
    }
    slot = find_slot(cache, key);
    e->chain = NULL;
    *slot = e;
    push_newest(cache, e);
    cache->stats.bytes += cost;
    cache->stats.entries++;
    cache->stats.stores++;
    pthread_mutex_unlock(&cache->lock);
    return 0;
}

void sk_cache_get_stats(struct sk_cache *cache, struct sk_cache_stats *out)
{
    pthread_mutex_lock(&cache->lock);
    *out = cache->stats;
    pthread_mutex_unlock(&cache->lock);
}
