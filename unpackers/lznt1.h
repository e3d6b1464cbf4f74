/* LZNT1 ([MS-XCA] 2.5): the compression of NTFS compressed files, one
 * compression unit at a time. Pure: no allocation, no I/O. */
#ifndef SK_LZNT1_H
#define SK_LZNT1_H

#include <stddef.h>
#include <stdint.h>

/* Decompresses the chunks at in[0..n) into out[0..cap): stops at a zero
 * chunk header, at the end of the input, or when out is full (a unit never
 * decodes past its own size). *written gets the bytes produced. Returns 0,
 * or SK_ECORRUPT for a back reference before the chunk's start or a chunk
 * cut short by the input (what was decoded before it is in out). */
int sk_lznt1_decompress(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *written);

#endif
