/* A request's bytes in shared memory (a memfd): the front reads a client's
 * bytes straight into it and hands the descriptor to a scanner, which maps
 * it read-only. No copy between the socket and the engine, and nothing on
 * disk. */
#ifndef SK_SHM_H
#define SK_SHM_H

#include <stddef.h>
#include <stdint.h>

struct sk_shm {
    int fd;        /* -1: none */
    uint8_t *data; /* the front's writable mapping of cap bytes; NULL when cap is 0 */
    size_t cap;
    size_t ready; /* bytes from the start whose pages are allocated and mapped */
};

#define SK_SHM_NONE {.fd = -1, .data = NULL, .cap = 0, .ready = 0}

/* How far ahead of the bytes received sk_shm_prepare allocates: a client
 * makes the front hold at most this much more than it has sent. */
#define SK_SHM_AHEAD (1u << 20)

/* Makes a region of cap bytes (0 allowed: a descriptor, no mapping). 0 or an
 * errno (ENOMEM, EMFILE, ...). */
int sk_shm_create(struct sk_shm *shm, size_t cap);

/* Grows the region to cap bytes, keeping its contents (the mapping may
 * move). 0 or an errno; on failure the region is unchanged. */
int sk_shm_grow(struct sk_shm *shm, size_t cap);

/* Before bytes are written at [0, upto): allocates and maps the pages of
 * the next SK_SHM_AHEAD bytes from the high-water mark in one call
 * (MADV_POPULATE_WRITE) when upto passes it. Without it each fresh page of a
 * new memfd costs a fault in the middle of the socket copy: the front's
 * largest cost (a profile of serve over the mix corpus: 44 % of its CPU in
 * page faults). Best effort: where the kernel lacks it, the writes fault the
 * pages in as before. */
void sk_shm_prepare(struct sk_shm *shm, size_t upto);

/* Unmaps and closes; the region lives on while a scanner maps it. */
void sk_shm_free(struct sk_shm *shm);

/* The scanner's side: maps size bytes of fd read-only (NULL for size 0).
 * 0 or an errno; a descriptor shorter than size is EINVAL. */
int sk_shm_map_readonly(int fd, size_t size, const uint8_t **out);

#endif
