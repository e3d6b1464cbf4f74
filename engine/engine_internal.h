/* What the engine's own files share and nothing outside engine/ may use. */
#ifndef SK_ENGINE_INTERNAL_H
#define SK_ENGINE_INTERNAL_H

#include "policy.h"
#include "sekisho.h"

struct sk_rules;
struct sk_yara_scanner;

const struct sk_policy *sk_engine_policy(const struct sk_engine *engine);
const struct sk_rules *sk_engine_rules(const struct sk_engine *engine);
struct sk_cache;
/* The engine's node cache (cache.h, sk_engine_set_cache), or NULL when off;
 * and the engine's generation, SK_CACHE_KEY_BYTES random bytes drawn when
 * the engine was made: its rules and policy never change, and no other
 * engine shares its cache keys. */
struct sk_cache *sk_engine_cache(const struct sk_engine *engine);
const uint8_t *sk_engine_generation(const struct sk_engine *engine);
/* The engine's unpackers, NULL-terminated, or NULL (sk_engine_config). */
const struct sk_unpacker *const *sk_engine_unpackers(const struct sk_engine *engine);
struct sk_yara_scanner *sk_worker_yara(struct sk_worker *worker);
const struct sk_engine *sk_worker_engine(const struct sk_worker *worker);
struct sk_password_rules;
const struct sk_password_rules *sk_engine_password_rules(const struct sk_engine *engine);

struct sk_arena;
/* Applies a pending injected allocation failure (a test hook) to a new job's
 * arena, once. */
void sk_worker_arm_failure(struct sk_worker *worker, struct sk_arena *arena);

#endif
