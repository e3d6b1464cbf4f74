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

#define LZNT1_CHUNK 4096u

/* One compressed chunk: in[0..n) to out[0..cap), at most 4096 bytes.
 * Returns the bytes produced, or (size_t)-1 for a reference before the
 * chunk's start. */
static size_t chunk_compressed(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t i = 0, o = 0;
    if (cap > LZNT1_CHUNK)
        cap = LZNT1_CHUNK;
    while (i < n && o < cap) {
        uint8_t flags = in[i++];
        for (int bit = 0; bit < 8 && i < n && o < cap; bit++, flags >>= 1) {
            if (!(flags & 1)) {
                out[o++] = in[i++];
                continue;
            }
            if (n - i < 2)
                return (size_t)-1;
            unsigned token = (unsigned)in[i] | (unsigned)in[i + 1] << 8;
            i += 2;
            unsigned len_mask = 0xfff, disp_shift = 12;
            for (size_t p = o - 1; o > 0 && p >= 0x10; p >>= 1) {
                len_mask >>= 1;
                disp_shift--;
            }
            size_t len = (token & len_mask) + 3, disp = (token >> disp_shift) + 1;
            if (o == 0 || disp > o)
                return (size_t)-1;
            for (size_t k = 0; k < len && o < cap; k++, o++)
                out[o] = out[o - disp]; /* overlapping copies repeat bytes */
        }
    }
    return o;
}

int sk_lznt1_decompress(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *written)
{
    size_t i = 0, o = 0;
    *written = 0;
    while (n - i >= 2 && o < cap) {
        unsigned header = (unsigned)in[i] | (unsigned)in[i + 1] << 8;
        if (header == 0)
            break;
        size_t size = (header & 0xfffu) + 1;
        i += 2;
        if (size > n - i) {
            *written = o;
            return SK_ECORRUPT;
        }
        size_t room = cap - o, got;
        if (header & 0x8000u) {
            got = chunk_compressed(in + i, size, out + o, room);
            if (got == (size_t)-1) {
                *written = o;
                return SK_ECORRUPT;
            }
        } else {
            got = size < room ? size : room;
            for (size_t k = 0; k < got; k++)
                out[o + k] = in[i + k];
        }
        i += size;
        o += got;
        /* a chunk that decoded short of 4096 bytes ends the data unless it
         * is the last: the next chunk's output starts on a 4096 boundary */
        if (got < LZNT1_CHUNK && n - i >= 2 && (in[i] | in[i + 1]) != 0 && o < cap) {
            size_t pad = LZNT1_CHUNK - got < cap - o ? LZNT1_CHUNK - got : cap - o;
            for (size_t k = 0; k < pad; k++)
                out[o + k] = 0;
            o += pad;
        }
    }
    *written = o;
    return 0;
}
