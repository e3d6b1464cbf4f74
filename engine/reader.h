/* The bounded byte reader every parser uses.
 *
 * A reader is a view (p, len) and a position. Every read checks
 * `n <= len - pos`, which cannot overflow because pos <= len always holds.
 * Errors are sticky: once a read fails, err stays SK_ETRUNC and every later
 * read returns zero/NULL, so a parser reads a whole header and checks once. */
#ifndef SK_READER_H
#define SK_READER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct sk_reader {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int err;
};

static inline struct sk_reader sk_reader_make(const void *p, size_t len)
{
    struct sk_reader r = {(const uint8_t *)p, len, 0, 0};
    return r;
}

static inline size_t sk_reader_left(const struct sk_reader *r)
{
    return r->len - r->pos;
}

/* Returns a pointer to the next n bytes and advances, or NULL (sticky error). */
static inline const uint8_t *sk_reader_bytes(struct sk_reader *r, size_t n)
{
    if (r->err || n > r->len - r->pos) {
        r->err = SK_ETRUNC;
        return NULL;
    }
    const uint8_t *at = r->p + r->pos;
    r->pos += n;
    return at;
}

static inline int sk_reader_skip(struct sk_reader *r, size_t n)
{
    return sk_reader_bytes(r, n) ? 0 : r->err;
}

/* Moves to an absolute offset within the view. */
static inline int sk_reader_seek(struct sk_reader *r, size_t pos)
{
    if (r->err || pos > r->len) {
        r->err = SK_ETRUNC;
        return r->err;
    }
    r->pos = pos;
    return 0;
}

/* A sub-reader over the next n bytes; the parent advances past them. */
static inline struct sk_reader sk_reader_sub(struct sk_reader *r, size_t n)
{
    const uint8_t *at = sk_reader_bytes(r, n);
    struct sk_reader sub = {at, at ? n : 0, 0, at ? 0 : SK_ETRUNC};
    return sub;
}

static inline uint8_t sk_reader_u8(struct sk_reader *r)
{
    const uint8_t *b = sk_reader_bytes(r, 1);
    return b ? b[0] : 0;
}

static inline uint16_t sk_reader_u16le(struct sk_reader *r)
{
    const uint8_t *b = sk_reader_bytes(r, 2);
    return b ? (uint16_t)(b[0] | b[1] << 8) : 0;
}

static inline uint32_t sk_reader_u32le(struct sk_reader *r)
{
    const uint8_t *b = sk_reader_bytes(r, 4);
    return b ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                   (uint32_t)b[3] << 24
             : 0;
}

static inline uint32_t sk_reader_u32be(struct sk_reader *r)
{
    const uint8_t *b = sk_reader_bytes(r, 4);
    return b ? (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 |
                   (uint32_t)b[0] << 24
             : 0;
}

static inline uint64_t sk_reader_u64le(struct sk_reader *r)
{
    uint64_t lo = sk_reader_u32le(r);
    uint64_t hi = sk_reader_u32le(r);
    return lo | hi << 32;
}

#endif
