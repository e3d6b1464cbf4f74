/* Fuzz target: the RAR5 header walk (unpackers/rar5.c), a pure function
 * over bytes, then the decrypting rewrite (unpackers/rar5crypt.c) with two
 * candidates, the KDF capped at 2^4 rounds so that a run stays fast (the
 * seeds of corpus/rar5 use 2^1), and the walk again over its output. The input is the archive; half of the runs (by the last
 * byte) first rewrite every header CRC32 the way a writer would, so that
 * mutations get past the CRC check into the fields behind it. Aborts when a member's name or
 * data area leaves the input, when a walk takes more steps than the input has bytes (every
 * header is at least 7 of them), or when an error does not stay put. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../unpackers/rar5.h"
#include "../../unpackers/rar5crypt.h"

static void check_inside(const uint8_t *data, size_t size, const uint8_t *p, uint64_t n)
{
    if (p < data || p > data + size || n > (uint64_t)(data + size - p))
        abort();
}

/* A vint read for the fixer only: 0 on a bad one (the walk judges it). */
static uint64_t fix_vint(const uint8_t *p, size_t len, size_t *pos)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 10 && *pos < len; i++) {
        uint8_t b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80))
            return v;
    }
    return 0;
}

/* Rewrites each header's CRC32 over its size field and body, stepping over
 * data areas; every pass moves forward, so the loop ends. */
static void fix_crcs(uint8_t *p, size_t len)
{
    size_t pos = 8;
    while (pos + 4 < len) {
        size_t at = pos + 4, q = at;
        uint64_t size = fix_vint(p, len, &q);
        if (size == 0 || size > len - q)
            return;
        size_t end = q + (size_t)size;
        uint32_t crc = (uint32_t)crc32(0L, p + at, (uInt)(end - at));
        for (int i = 0; i < 4; i++)
            p[pos + (size_t)i] = (uint8_t)(crc >> (8 * i));
        (void)fix_vint(p, end, &q); /* type */
        uint64_t flags = fix_vint(p, end, &q);
        if (flags & 1)
            (void)fix_vint(p, end, &q);
        uint64_t data = (flags & 2) ? fix_vint(p, end, &q) : 0;
        if (data > len - end)
            return;
        pos = end + (size_t)data;
    }
}

static int walk(const uint8_t *data, size_t size)
{
    struct sk_rar5_walk w;
    int rc = sk_rar5_open(&w, data, size);
    if (rc != 0)
        return 0;
    struct sk_rar5_file f;
    size_t steps = 0;
    while ((rc = sk_rar5_next(&w, &f)) == 0) {
        if (++steps > size / 7 + 1)
            abort();
        if (f.name_len == 0)
            abort();
        check_inside(data, size, f.name, f.name_len);
        check_inside(data, size, data + f.data_offset, f.packed_size);
        volatile uint8_t touch = f.name[f.name_len - 1];
        (void)touch;
    }
    if (rc == SK_DONE ? w.err != 0 : (w.err != rc || !w.why))
        abort();
    if (sk_rar5_next(&w, &f) != rc) /* finished or failed: it stays so */
        abort();
    return 0;
}

/* The rewrite never makes more than the input (records dropped, padding
 * cut), reports a reason with every refusal, and its output walks. */
static void rewrite(const uint8_t *data, size_t size)
{
    static const char *const values[] = {"s3cret", "password"};
    static const size_t lengths[] = {6, 8};
    struct sk_rar5_trial trial = {.values = values, .lengths = lengths, .n = 2, .max_kdf_log2 = 4};
    struct sk_dynbuf out, opened;
    sk_dynbuf_init(&out, size + 64);
    sk_dynbuf_init(&opened, 1u << 20);
    struct sk_rar5_rewrite rw = {.trial = &trial, .out = &out, .opened = &opened};
    int rc = sk_rar5_rewrite(data, size, &rw);
    if ((rc == SK_ECORRUPT || rc == SK_EUNSUPPORTED) && !rw.why)
        abort();
    if (out.len > size)
        abort();
    if (rc == 0)
        walk((const uint8_t *)out.p, out.len);
    sk_dynbuf_free(&out);
    sk_dynbuf_free(&opened);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || !(data[size - 1] & 1)) {
        walk(data, size);
        rewrite(data, size);
        return 0;
    }
    uint8_t *copy = malloc(size);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    fix_crcs(copy, size);
    walk(copy, size);
    rewrite(copy, size);
    free(copy);
    return 0;
}
