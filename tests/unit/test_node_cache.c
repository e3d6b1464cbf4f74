/* The node cache's LRU map (engine/cache.h): the byte budget held after
 * every put, least recently used evicted first (a get refreshes), a value
 * over budget / 8 refused, a replaced key counted once, and four threads
 * putting and getting at once with the budget still held and every value
 * read back whole. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/cache.h"
#include "engine/error.h"

static void key_of(unsigned n, uint8_t key[SK_CACHE_KEY_BYTES])
{
    memset(key, 0, SK_CACHE_KEY_BYTES);
    /* Keys spread over the buckets as SHA-256 digests would, and some share
     * a bucket (the low bits repeat), so chains are walked too. */
    for (size_t i = 0; i < SK_CACHE_KEY_BYTES; i++)
        key[i] = (uint8_t)((n * 131u + i * 7u) ^ (n >> (i % 3)));
    key[31] = (uint8_t)n;
    key[30] = (uint8_t)(n >> 8);
}

static bool holds(struct sk_cache *c, unsigned n, size_t want_len)
{
    uint8_t key[SK_CACHE_KEY_BYTES], *value = NULL;
    size_t len = 0;
    key_of(n, key);
    bool hit = sk_cache_get(c, key, &value, &len);
    bool whole = hit && len == want_len;
    for (size_t i = 0; whole && i < len; i++)
        whole = value[i] == (uint8_t)(n + i);
    free(value);
    return hit && whole;
}

static int put_n(struct sk_cache *c, unsigned n, size_t len)
{
    uint8_t key[SK_CACHE_KEY_BYTES];
    uint8_t *value = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++)
        value[i] = (uint8_t)(n + i);
    key_of(n, key);
    int rc = sk_cache_put(c, key, value, len);
    free(value);
    return rc;
}

static void budget_and_eviction_order(void)
{
    const size_t value = 1000, cost = sk_cache_entry_cost(value);
    const uint64_t budget = 10 * cost; /* ten entries exactly */
    struct sk_cache *c = NULL;
    CHECK_EQ_INT(sk_cache_new(budget, &c), 0);
    for (unsigned n = 0; n < 10; n++)
        CHECK_EQ_INT(put_n(c, n, value), 0);
    struct sk_cache_stats s;
    sk_cache_get_stats(c, &s);
    CHECK_EQ_INT(s.entries, 10);
    CHECK_EQ_INT(s.bytes, budget);
    CHECK_EQ_INT(s.evictions, 0);
    /* 0 is the oldest; reading it makes 1 the oldest. */
    CHECK(holds(c, 0, value));
    CHECK_EQ_INT(put_n(c, 10, value), 0);
    CHECK(!holds(c, 1, value));
    CHECK(holds(c, 0, value));
    CHECK(holds(c, 10, value));
    /* A value a fifth larger pushes out the two oldest: 2 and 3. */
    CHECK_EQ_INT(put_n(c, 11, value + value / 5), 0);
    CHECK(!holds(c, 2, value));
    CHECK(!holds(c, 3, value));
    CHECK(holds(c, 4, value));
    CHECK(holds(c, 11, value + value / 5));
    sk_cache_get_stats(c, &s);
    CHECK(s.bytes <= budget);
    CHECK_EQ_INT(s.evictions, 3);
    /* Replacing a key keeps one entry for it, of the new size. */
    uint64_t before = s.entries;
    CHECK_EQ_INT(put_n(c, 4, 10), 0);
    CHECK(holds(c, 4, 10));
    sk_cache_get_stats(c, &s);
    CHECK_EQ_INT(s.entries, before);
    CHECK(s.bytes <= budget);
    sk_cache_free(c);
}

static void oversized_refused(void)
{
    struct sk_cache *c = NULL;
    CHECK_EQ_INT(sk_cache_new(8 * sk_cache_entry_cost(4096), &c), 0);
    CHECK_EQ_INT(put_n(c, 1, 4096), 0);
    CHECK_EQ_INT(put_n(c, 2, 4097), SK_ELIMIT);
    CHECK(!holds(c, 2, 4097));
    CHECK(holds(c, 1, 4096)); /* nothing was evicted for it */
    struct sk_cache_stats s;
    sk_cache_get_stats(c, &s);
    CHECK_EQ_INT(s.refused, 1);
    CHECK_EQ_INT(s.entries, 1);
    sk_cache_free(c);
}

struct worker_arg {
    struct sk_cache *cache;
    unsigned first;
    unsigned bad; /* values read back not whole */
};

static void *hammer(void *p)
{
    struct worker_arg *a = p;
    for (unsigned round = 0; round < 4000; round++) {
        unsigned n = a->first + round % 300;
        size_t len = 64 + n % 512;
        put_n(a->cache, n, len);
        uint8_t key[SK_CACHE_KEY_BYTES], *value = NULL;
        size_t got = 0;
        key_of(a->first + (round * 7u) % 300, key);
        if (sk_cache_get(a->cache, key, &value, &got)) {
            unsigned m = a->first + (round * 7u) % 300;
            for (size_t i = 0; i < got; i++)
                if (value[i] != (uint8_t)(m + i) || got != 64 + m % 512) {
                    a->bad++;
                    break;
                }
        }
        free(value);
    }
    return NULL;
}

static void concurrent_use(void)
{
    const uint64_t budget = 64 * 1024;
    struct sk_cache *c = NULL;
    CHECK_EQ_INT(sk_cache_new(budget, &c), 0);
    pthread_t threads[4];
    struct worker_arg args[4];
    for (unsigned t = 0; t < 4; t++) {
        /* Two pairs of threads share their keys: the same key is put and
         * read from two threads at once. */
        args[t] = (struct worker_arg){.cache = c, .first = (t / 2) * 1000};
        CHECK_EQ_INT(pthread_create(&threads[t], NULL, hammer, &args[t]), 0);
    }
    for (unsigned t = 0; t < 4; t++) {
        pthread_join(threads[t], NULL);
        CHECK_EQ_INT(args[t].bad, 0);
    }
    struct sk_cache_stats s;
    sk_cache_get_stats(c, &s);
    CHECK(s.bytes <= budget);
    CHECK(s.evictions > 0);
    CHECK(s.hits > 0);
    CHECK_EQ_INT(s.stores, 16000);
    sk_cache_free(c);
}

int main(void)
{
    budget_and_eviction_order();
    oversized_refused();
    concurrent_use();
    return check_exit("node_cache");
}
