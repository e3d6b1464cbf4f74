/* The protocol fuzz targets' framing (fuzz_proto.c, fuzz_milter.c): the
 * input is a byte stream as a peer would send it, cut into reads at points
 * the fuzzer chooses. Byte 0 says how many read sizes follow (0..7: none
 * means one read of everything), each next byte is one read size (1..256,
 * used in turn), the rest is the stream. */
#ifndef SK_FUZZ_READS_H
#define SK_FUZZ_READS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Calls read_once(ctx, bytes, n) for each read, in order, until the
 * stream ends or it returns false (the peer's connection was closed). */
static inline void sk_fuzz_reads(const uint8_t *data, size_t size,
                                 bool (*read_once)(void *ctx, const uint8_t *p, size_t n),
                                 void *ctx)
{
    if (size == 0)
        return;
    size_t n_sizes = data[0] % 8;
    if (size < 1 + n_sizes)
        return;
    const uint8_t *sizes = data + 1;
    const uint8_t *stream = data + 1 + n_sizes;
    size_t len = size - 1 - n_sizes;
    for (size_t pos = 0, i = 0; pos < len; i++) {
        size_t piece = n_sizes ? (size_t)sizes[i % n_sizes] + 1 : len - pos;
        if (piece > len - pos)
            piece = len - pos;
        if (!read_once(ctx, stream + pos, piece))
            return;
        pos += piece;
    }
}

#endif
