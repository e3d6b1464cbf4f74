/* MS-OVBA decompression and the dir stream.
 *
 * Spec: [MS-OVBA] 2.4.1.3 (decompression: CompressedContainer signature
 * byte, chunk headers with their 12-bit size, signature 0b011 and the
 * compressed flag, flag bytes, literal and copy tokens whose offset/length
 * split depends on the decompressed position in the chunk), 2.3.4.2 (the
 * dir stream: PROJECTCODEPAGE 0x0003, PROJECTVERSION 0x0009 with its odd
 * size field, MODULENAME 0x0019, MODULENAMEUNICODE 0x0047,
 * MODULESTREAMNAME 0x001A and its Unicode 0x0032, MODULEOFFSET 0x0031,
 * the module terminator 0x002B, the dir terminator 0x0010).
 *
 * Refuses (SK_ECORRUPT, with a reason): a container without 0x01, a chunk
 * without its signature or whose header is cut short, a copy token that
 * reaches before its chunk or makes the chunk longer than 4096 bytes, an
 * uncompressed chunk that does not hold 4096 bytes, a chunk that claims
 * more bytes than the stream holds, a dir record that runs past the end.
 * Limits: the output is capped by the caller's max (what was decompressed
 * up to it is kept); SK_OVBA_MAX_MODULES modules. */
#include "ovba.h"

#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"

/* Room for `more` bytes after out->len, never beyond max (out->len <=
 * max): the buffer is lent to a dynbuf capped at max for the growth, so
 * every size is checked there and the memory comes from the allocator. */
static int reserve(struct sk_ovba_out *out, size_t more, size_t max,
                   const struct sk_alloc *allocator)
{
    size_t room = max - out->len < more ? max - out->len : more;
    if (room <= out->cap - out->len) /* cap >= len always */
        return 0;
    struct sk_dynbuf grow;
    sk_dynbuf_init_alloc(&grow, max, allocator);
    grow.p = (char *)out->data;
    grow.len = out->len;
    grow.alloc = out->cap;
    int rc = sk_dynbuf_reserve(&grow, room);
    out->data = (uint8_t *)grow.p;
    out->cap = grow.alloc;
    return rc;
}

/* One CompressedChunk's tokens (p, n: after its header) onto out; the room
 * for SK_OVBA_CHUNK more bytes (up to max) is already reserved. */
static int chunk(const uint8_t *p, size_t n, struct sk_ovba_out *out, size_t max,
                 const char **why)
{
    size_t start = out->len, i = 0;
    while (i < n) {
        uint8_t flags = p[i++];
        for (unsigned bit = 0; bit < 8 && i < n; bit++) {
            size_t have = out->len - start;
            if (!(flags & (1u << bit))) {
                if (have >= SK_OVBA_CHUNK || out->len >= max)
                    return have >= SK_OVBA_CHUNK
                               ? (*why = "a chunk decompresses past 4096 bytes", SK_ECORRUPT)
                               : SK_ELIMIT;
                out->data[out->len++] = p[i++];
                continue;
            }
            if (n - i < 2)
                return *why = "a copy token is cut short", SK_ECORRUPT;
            struct sk_reader tr = sk_reader_make(p, n);
            unsigned token = sk_reader_u16le_at(&tr, i);
            i += 2;
            unsigned bits = 4;
            while (bits < 12 && ((size_t)1 << bits) < have)
                bits++;
            size_t length = (token & (0xFFFFu >> bits)) + 3;
            size_t offset = (token >> (16 - bits)) + 1;
            if (offset > have || length > SK_OVBA_CHUNK - have)
                return *why = "a copy token reaches outside its chunk", SK_ECORRUPT;
            bool cut = length > max - out->len;
            if (cut)
                length = max - out->len;
            for (size_t k = 0; k < length; k++, out->len++)
                out->data[out->len] = out->data[out->len - offset]; /* may overlap */
            if (cut)
                return SK_ELIMIT;
        }
    }
    return 0;
}

int sk_ovba_decompress(const uint8_t *p, size_t n, size_t max, struct sk_ovba_out *out,
                       const char **why, bool (*expired)(void *ctx), void *ctx)
{
    return sk_ovba_decompress_alloc(p, n, max, out, why, expired, ctx, NULL);
}

int sk_ovba_decompress_alloc(const uint8_t *p, size_t n, size_t max, struct sk_ovba_out *out,
                             const char **why, bool (*expired)(void *ctx), void *ctx,
                             const struct sk_alloc *allocator)
{
    struct sk_reader r = sk_reader_make(p, n);
    if (n == 0 || sk_reader_u8_at(&r, 0) != 0x01)
        return *why = "a compressed container without its signature byte", SK_ECORRUPT;
    if (out->len > max)
        return SK_ELIMIT;
    sk_reader_skip(&r, 1);
    for (unsigned chunks = 0; sk_reader_left(&r) > 0; chunks++) {
        if (chunks % 256 == 255 && expired && expired(ctx))
            return SK_ELIMIT;
        uint16_t header = sk_reader_u16le(&r);
        if (r.err)
            return *why = "a chunk header is cut short", SK_ECORRUPT;
        size_t size = (size_t)(header & 0x0FFF) + 3 - 2; /* the data after the header */
        if (((header >> 12) & 7) != 3)
            return *why = "a chunk without its signature", SK_ECORRUPT;
        bool short_chunk = size > sk_reader_left(&r);
        struct sk_reader data = sk_reader_sub(&r, short_chunk ? sk_reader_left(&r) : size);
        int rc = reserve(out, SK_OVBA_CHUNK, max, allocator);
        if (rc != 0)
            return rc;
        if (header & 0x8000) {
            rc = chunk(data.p, data.len, out, max, why);
        } else if (data.len != SK_OVBA_CHUNK) {
            return *why = "an uncompressed chunk that does not hold 4096 bytes", SK_ECORRUPT;
        } else {
            size_t k = max - out->len < SK_OVBA_CHUNK ? max - out->len : SK_OVBA_CHUNK;
            if (k)
                memcpy(out->data + out->len, data.p, k);
            out->len += k;
            rc = k < SK_OVBA_CHUNK ? SK_ELIMIT : 0;
        }
        if (rc != 0)
            return rc;
        if (short_chunk)
            return *why = "a chunk claims more bytes than the stream holds", SK_ECORRUPT;
    }
    return 0;
}

static void dir_record(struct sk_ovba_dir *d, struct sk_ovba_module **cur, uint16_t id,
                       struct sk_reader data)
{
    if (id == 0x0003 && data.len >= 2) {
        d->codepage = sk_reader_u16le(&data);
        return;
    }
    if (id == 0x0019 && d->n_modules < SK_OVBA_MAX_MODULES) { /* MODULENAME opens a module */
        *cur = &d->modules[d->n_modules++];
        memset(*cur, 0, sizeof **cur);
        (*cur)->name = data;
        return;
    }
    if (!*cur)
        return;
    switch (id) {
    case 0x0047: (*cur)->name_unicode = data; break;
    case 0x001A: (*cur)->stream = data; break;
    case 0x0032: (*cur)->stream_unicode = data; break;
    case 0x0031:
        (*cur)->offset = sk_reader_u32le(&data);
        (*cur)->has_offset = data.err == 0;
        break;
    case 0x002B: *cur = NULL; break;
    default: break;
    }
}

int sk_ovba_parse_dir(const uint8_t *p, size_t n, struct sk_ovba_dir *d, const char **why)
{
    struct sk_reader r = sk_reader_make(p, n);
    struct sk_ovba_module *cur = NULL;
    d->codepage = 1252;
    d->n_modules = 0;
    size_t bytes = SK_OVBA_MAX_MODULES * sizeof *d->modules;
    const struct sk_alloc *a = d->allocator;
    d->modules = a ? a->realloc(a->ctx, NULL, bytes) : malloc(bytes);
    if (!d->modules)
        return SK_ENOMEM;
    memset(d->modules, 0, bytes);
    while (sk_reader_left(&r) > 0) {
        uint16_t id = sk_reader_u16le(&r);
        uint32_t size = sk_reader_u32le(&r);
        if (id == 0x0009) /* PROJECTVERSION: its "size" is Reserved1 and 6 bytes follow */
            size = 6;
        struct sk_reader data = sk_reader_sub(&r, size);
        if (r.err)
            return *why = "a dir record runs past the end of the stream", SK_ECORRUPT;
        if (id == 0x0010) /* the terminator */
            break;
        dir_record(d, &cur, id, data);
    }
    return 0;
}

void sk_ovba_dir_free(struct sk_ovba_dir *d)
{
    free(d->modules);
    d->modules = NULL;
    d->n_modules = 0;
}
