/* LZNT1 decompression.
 *
 * Spec: [MS-XCA] 2.5 "LZNT1 Algorithm Details". The stream is a sequence of
 * chunks, each with a 16-bit header: bits 0-11 the chunk's size with its
 * header, less 3 (so (h & 0xfff) + 1 data bytes follow the header), bit 15
 * set when the chunk is compressed; a zero header ends the stream. A chunk decodes to at most 4096
 * bytes. An uncompressed chunk is its bytes; a compressed one is groups of a
 * flag byte and eight items, literal bytes (flag bit 0) or 16-bit copy
 * tokens whose split between displacement and length depends on how far
 * into the chunk's output the token stands: 12 length bits at first, one
 * fewer each time the position passes a power of two from 16 upwards. */
#include "lznt1.h"

#include "../engine/error.h"
#include "../engine/reader.h"

#define LZNT1_CHUNK 4096u

/* One compressed chunk (r over its data) into out[0..cap), at most 4096
 * bytes. Returns the bytes produced, or (size_t)-1 for a reference before
 * the chunk's start or a token cut short. */
static size_t chunk_compressed(struct sk_reader *r, uint8_t *out, size_t cap)
{
    size_t o = 0;
    if (cap > LZNT1_CHUNK)
        cap = LZNT1_CHUNK;
    while (sk_reader_left(r) > 0 && o < cap) {
        uint8_t flags = sk_reader_u8(r);
        for (int bit = 0; bit < 8 && sk_reader_left(r) > 0 && o < cap; bit++, flags >>= 1) {
            if (!(flags & 1)) {
                out[o++] = sk_reader_u8(r);
                continue;
            }
            unsigned token = sk_reader_u16le(r);
            if (r->err || o == 0)
                return (size_t)-1;
            /* the split moves one bit from length to displacement each time
             * the position passes a power of two from 16 upwards */
            unsigned len_mask = 0xfff, disp_shift = 12;
            for (size_t p = o - 1; p >= 0x10; p >>= 1) {
                len_mask >>= 1;
                disp_shift--;
            }
            size_t len = (token & len_mask) + 3, disp = (token >> disp_shift) + 1;
            if (disp > o)
                return (size_t)-1;
            for (size_t k = 0; k < len && o < cap; k++, o++)
                out[o] = out[o - disp]; /* overlapping copies repeat bytes */
        }
    }
    return o;
}

int sk_lznt1_decompress(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *written)
{
    struct sk_reader r = sk_reader_make(in, n);
    size_t o = 0;
    *written = 0;
    while (sk_reader_left(&r) >= 2 && o < cap) {
        unsigned header = sk_reader_u16le(&r);
        if (header == 0)
            break;
        size_t size = (header & 0xfffu) + 1, room = cap - o, got;
        struct sk_reader chunk = sk_reader_sub(&r, size);
        if (chunk.err) {
            *written = o;
            return SK_ECORRUPT;
        }
        if (header & 0x8000u) {
            got = chunk_compressed(&chunk, out + o, room);
            if (got == (size_t)-1) {
                *written = o;
                return SK_ECORRUPT;
            }
        } else {
            got = size < room ? size : room;
            memcpy(out + o, sk_reader_bytes(&chunk, got), got);
        }
        o += got;
        /* a chunk that decoded short of 4096 bytes is padded with zeros
         * unless it is the last: the next chunk's output starts on a 4096
         * boundary */
        bool more = sk_reader_left(&r) >= 2 && sk_reader_u16le_at(&r, r.pos) != 0;
        if (got < LZNT1_CHUNK && more && o < cap) {
            size_t pad = LZNT1_CHUNK - got < cap - o ? LZNT1_CHUNK - got : cap - o;
            memset(out + o, 0, pad);
            o += pad;
        }
    }
    *written = o;
    return 0;
}
