/* The node cache: a map from a 32-byte key to an opaque value (a node's
 * outcome, engine/outcome.h), kept in least-recently-used order and bounded
 * by bytes.
 *
 * Each entry costs its real size (its header and its value); a put that
 * takes the total over the budget evicts the least recently used entries
 * first, and a value larger than budget / 8 is not stored at all (one
 * attachment may not flush the cache). Lookups and puts take a mutex: the
 * workers of `scan --jobs` share one engine. Nothing here recurses or
 * grows without bound: the table's buckets are fixed at creation. */
#ifndef SK_CACHE_H
#define SK_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_CACHE_KEY_BYTES 32u

struct sk_cache;

struct sk_cache_stats {
    uint64_t budget;  /* bytes */
    uint64_t bytes;   /* held now, headers included */
    uint64_t entries; /* held now */
    uint64_t hits, misses, stores, evictions, refused;
};

/* A cache of at most budget bytes (budget > 0). 0, or SK_ENOMEM. Free with
 * sk_cache_free. */
int sk_cache_new(uint64_t budget, struct sk_cache **out);
void sk_cache_free(struct sk_cache *cache);

/* Looks key up: on a hit, a malloc'd copy of the value in *value (the
 * caller frees it) and its length in *len, and the entry becomes the most
 * recently used. True on a hit; false on a miss or when the copy cannot be
 * made (a miss too: the node is scanned). */
bool sk_cache_get(struct sk_cache *cache, const uint8_t key[SK_CACHE_KEY_BYTES],
                  uint8_t **value, size_t *len);

/* Stores a copy of value under key (replacing what the key held), evicting
 * from the least recently used end until it fits. 0, SK_ELIMIT when the
 * value is over budget / 8 (not stored), or SK_ENOMEM. */
int sk_cache_put(struct sk_cache *cache, const uint8_t key[SK_CACHE_KEY_BYTES],
                 const uint8_t *value, size_t len);

/* The bytes one entry of a value of len bytes costs. */
size_t sk_cache_entry_cost(size_t len);

void sk_cache_get_stats(struct sk_cache *cache, struct sk_cache_stats *out);

#endif
