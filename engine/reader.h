/* The bounded byte reader every parser uses.
 *
 * A reader is a view (p, len) and a position. Every read checks
 * `n <= len - pos`, which cannot overflow because pos <= len always holds.
 * Errors are sticky: once a read fails, err stays SK_ETRUNC and every later
 * read returns zero/NULL, so a parser reads a whole header and checks once.
 *
 * Reads at an absolute offset (sk_reader_at, sk_reader_u32le_at, ...) check
 * `n <= len - off` after `off <= len`, do not move pos, and fail the same
 * sticky way; sk_reader_match compares bytes at an offset without touching
 * the reader at all (for sniffing, where a miss is not an error). Offsets
 * worked out from input go through sk_mul_u64/sk_add_u64, which refuse to
 * wrap, before they reach a read.
 *
 * This is the only file that decodes little- or big-endian integers from
 * input bytes (tests/lint.py enforces it for engine/ and unpackers/). */
#ifndef SK_READER_H
#define SK_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
    /* a conditional of (uint16_t) and 0 is an int: -Wconversion under the
     * sanitizers' instrumentation sees that, so return each arm apart */
    if (!b)
        return 0;
    return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint16_t sk_reader_u16be(struct sk_reader *r)
{
    const uint8_t *b = sk_reader_bytes(r, 2);
    if (!b)
        return 0;
    return (uint16_t)(b[0] << 8 | b[1]);
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

static inline uint64_t sk_reader_u64be(struct sk_reader *r)
{
    uint64_t hi = sk_reader_u32be(r);
    uint64_t lo = sk_reader_u32be(r);
    return hi << 32 | lo;
}

/* ---- absolute reads: at an offset of the view, pos unchanged ---------- */

/* Returns a pointer to the n bytes at offset off of the view, or NULL with
 * the sticky SK_ETRUNC when they do not all lie inside it. off is 64-bit so
 * that an offset read from input is never truncated before the check. */
static inline const uint8_t *sk_reader_at(struct sk_reader *r, uint64_t off, size_t n)
{
    if (r->err || off > r->len || n > r->len - (size_t)off) {
        r->err = SK_ETRUNC;
        return NULL;
    }
    return r->p + off;
}

static inline uint8_t sk_reader_u8_at(struct sk_reader *r, uint64_t off)
{
    const uint8_t *b = sk_reader_at(r, off, 1);
    return b ? b[0] : 0;
}

static inline uint16_t sk_reader_u16le_at(struct sk_reader *r, uint64_t off)
{
    const uint8_t *b = sk_reader_at(r, off, 2);
    /* a conditional of (uint16_t) and 0 is an int: -Wconversion under the
     * sanitizers' instrumentation sees that, so return each arm apart */
    if (!b)
        return 0;
    return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint16_t sk_reader_u16be_at(struct sk_reader *r, uint64_t off)
{
    const uint8_t *b = sk_reader_at(r, off, 2);
    if (!b)
        return 0;
    return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t sk_reader_u32le_at(struct sk_reader *r, uint64_t off)
{
    const uint8_t *b = sk_reader_at(r, off, 4);
    return b ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                   (uint32_t)b[3] << 24
             : 0;
}

static inline uint32_t sk_reader_u32be_at(struct sk_reader *r, uint64_t off)
{
    const uint8_t *b = sk_reader_at(r, off, 4);
    return b ? (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 |
                   (uint32_t)b[0] << 24
             : 0;
}

static inline uint64_t sk_reader_u64le_at(struct sk_reader *r, uint64_t off)
{
    if (!sk_reader_at(r, off, 8))
        return 0;
    struct sk_reader eight = sk_reader_make(r->p + off, 8);
    return sk_reader_u64le(&eight);
}

static inline uint64_t sk_reader_u64be_at(struct sk_reader *r, uint64_t off)
{
    if (!sk_reader_at(r, off, 8))
        return 0;
    struct sk_reader eight = sk_reader_make(r->p + off, 8);
    return sk_reader_u64be(&eight);
}

/* A reader over the n bytes at offset off (the parent does not move); a
 * failed one has err set and reads nothing. */
static inline struct sk_reader sk_reader_sub_at(struct sk_reader *r, uint64_t off, size_t n)
{
    const uint8_t *at = sk_reader_at(r, off, n);
    struct sk_reader sub = {at, at ? n : 0, 0, at ? 0 : SK_ETRUNC};
    return sub;
}

/* True when the n bytes at offset off equal magic. Neither reads past the
 * view nor sets err: a miss while sniffing is an answer, not an error. */
static inline bool sk_reader_match(const struct sk_reader *r, uint64_t off, const void *magic,
                                   size_t n)
{
    return !r->err && off <= r->len && n <= r->len - (size_t)off &&
           memcmp(r->p + off, magic, n) == 0;
}

/* Where a text's first word starts: the offset of the first byte at or
 * after `at` that is not a UTF-8 BOM (at `at` only) or white space (space,
 * tab, CR, LF); r->len when there is none. Reads nothing past the view. */
static inline size_t sk_reader_skip_space(const struct sk_reader *r, size_t at)
{
    if (sk_reader_match(r, at, "\xef\xbb\xbf", 3))
        at += 3;
    for (; !r->err && at < r->len; at++) {
        uint8_t c = r->p[at];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            break;
    }
    return at;
}

/* ---- offset arithmetic that refuses to wrap --------------------------- */

/* *out = a * b; SK_ECORRUPT (and *out = UINT64_MAX, which no view holds)
 * when the product does not fit in 64 bits. */
static inline int sk_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b != 0 && a > UINT64_MAX / b) {
        *out = UINT64_MAX;
        return SK_ECORRUPT;
    }
    *out = a * b;
    return 0;
}

/* *out = a + b; SK_ECORRUPT (and *out = UINT64_MAX) when it would wrap. */
static inline int sk_add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a > UINT64_MAX - b) {
        *out = UINT64_MAX;
        return SK_ECORRUPT;
    }
    *out = a + b;
    return 0;
}

#endif
