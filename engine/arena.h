/* A per-job arena: many small allocations, freed at once (nginx pools).
 *
 * Everything a scan allocates for its tree, names, reasons and matches comes
 * from the job's arena and lives until the result is freed. Node contents
 * (possibly megabytes) are not arena memory: they are released as soon as the
 * node has been scanned and unpacked, see engine/buf.h. */
#ifndef SK_ARENA_H
#define SK_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct sk_arena;

/* Returns a new arena or NULL. Free it with sk_arena_free(). */
struct sk_arena *sk_arena_new(void);

void sk_arena_free(struct sk_arena *arena);

/* Zeroed, 16-byte aligned memory owned by the arena; NULL when out of memory
 * (or when an injected failure fires, see sk_arena_fail_after). */
void *sk_arena_alloc(struct sk_arena *arena, size_t size);

/* A NUL-terminated copy of s[0..n) owned by the arena; NULL on failure. */
char *sk_arena_strndup(struct sk_arena *arena, const char *s, size_t n);
char *sk_arena_strdup(struct sk_arena *arena, const char *s);

/* printf into arena memory; NULL on failure. */
char *sk_arena_printf(struct sk_arena *arena, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Test hook: make the n-th allocation from now on (and all later ones) fail,
 * so tests can prove that out-of-memory fails closed. */
void sk_arena_fail_after(struct sk_arena *arena, long n);

/* Counts one allocation made elsewhere for the job (sk_unpack_alloc) against
 * the same injected-failure countdown, allocating nothing: true when that
 * allocation is to fail. So one countdown numbers every allocation of a job. */
bool sk_arena_fail_other(struct sk_arena *arena);

/* Bytes handed out so far (for stats and tests). */
size_t sk_arena_used(const struct sk_arena *arena);

#endif
