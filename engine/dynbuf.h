/* One growable byte buffer with a hard cap, for everything that is not a
 * child's bytes (those go through sk_unpack_append): strings an unpacker
 * builds, scratch arrays, a protocol line (curl's dynbuf and its `toobig`).
 *
 * The cap is set at init and never passed: an append that would make the
 * buffer hold more than `toobig` bytes fails with SK_ELIMIT, one the heap
 * cannot serve with SK_ENOMEM, and either leaves the buffer exactly as it
 * was (contents, length, NUL). Capacity grows by doubling, every size
 * computed so that it cannot wrap. Once anything was added, p[len] is a NUL
 * (not counted in len), so a buffer of text is a C string.
 *
 * SK_ELIMIT here is the buffer's own cap, not one of the job's limits:
 * nothing is recorded. A caller in an unpacker turns it into a reason
 * (sk_unpack_fail says nothing for SK_ELIMIT) or chooses a cap the input
 * cannot reach and says why.
 *
 * Arrays of structs are kept as bytes: add sizeof one element at a time,
 * count is len / sizeof; the storage comes from realloc, so it is aligned
 * for any type. */
#ifndef SK_DYNBUF_H
#define SK_DYNBUF_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>

/* Where a buffer's memory comes from, when not straight from libc: a
 * realloc that may refuse (the job's, sk_unpack_dynbuf_init). What it
 * returns must be released by free(). It must outlive the buffer. */
struct sk_alloc {
    void *(*realloc)(void *ctx, void *p, size_t size);
    void *ctx;
};

struct sk_dynbuf {
    char *p;                          /* NULL until the first allocation */
    size_t len;                       /* bytes held, the NUL not counted */
    size_t alloc;                     /* bytes allocated (or of the fixed storage) */
    size_t toobig;                    /* the cap: len never exceeds it */
    const struct sk_alloc *allocator; /* NULL: libc's realloc */
    bool fixed;                       /* p is the caller's storage: never moved or freed */
};

/* An empty buffer that may hold up to toobig bytes (at most SIZE_MAX - 1;
 * a larger cap is taken as that). Nothing is allocated yet. */
void sk_dynbuf_init(struct sk_dynbuf *b, size_t toobig);

/* The same, its memory from allocator (see struct sk_alloc). */
void sk_dynbuf_init_alloc(struct sk_dynbuf *b, size_t toobig, const struct sk_alloc *allocator);

/* A buffer over the caller's storage[0..size) (size >= 1), which already
 * holds len bytes (len < size; storage[len] is made NUL). It never grows:
 * its cap is size - 1, and free and take leave the storage alone. */
void sk_dynbuf_init_fixed(struct sk_dynbuf *b, char *storage, size_t size, size_t len);

/* Appends n bytes: 0, SK_ELIMIT (over the cap) or SK_ENOMEM. p may point
 * into the buffer itself. */
int sk_dynbuf_add(struct sk_dynbuf *b, const void *p, size_t n);

/* Appends a NUL-terminated string (without its NUL). */
int sk_dynbuf_addstr(struct sk_dynbuf *b, const char *s);

/* Appends printf output: 0, SK_ELIMIT, SK_ENOMEM, or SK_EINVAL when the
 * format cannot be rendered. */
int sk_dynbuf_printf(struct sk_dynbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sk_dynbuf_vprintf(struct sk_dynbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Appends n zero bytes and points *out at them (for one element of an
 * array, filled in place): 0, SK_ELIMIT or SK_ENOMEM (*out then NULL). */
int sk_dynbuf_extend(struct sk_dynbuf *b, size_t n, void **out);

/* Makes room for n more bytes (and the NUL) without adding any: 0,
 * SK_ELIMIT or SK_ENOMEM, the buffer untouched on failure. For a writer
 * that fills b->p[b->len..] itself and then moves len (inside the cap). */
int sk_dynbuf_reserve(struct sk_dynbuf *b, size_t n);

/* Cuts the buffer to its first len bytes (len <= b->len); memory is kept. */
void sk_dynbuf_truncate(struct sk_dynbuf *b, size_t len);

/* Empties the buffer and keeps its memory for reuse. */
void sk_dynbuf_reset(struct sk_dynbuf *b);

/* Releases the memory; the buffer is empty and usable again, same cap. */
void sk_dynbuf_free(struct sk_dynbuf *b);

/* Hands over the bytes (NUL-terminated; free() them) and their length in
 * *len (may be NULL); the buffer is left empty. NULL when nothing was ever
 * allocated, and for a fixed buffer, whose storage is the caller's. */
char *sk_dynbuf_take(struct sk_dynbuf *b, size_t *len);

#endif
