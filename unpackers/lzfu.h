/* Compressed RTF ([MS-OXRTFCP]): the RTF body of Outlook messages, in TNEF
 * (PidTagRtfCompressed) and in .msg files. */
#ifndef SK_LZFU_H
#define SK_LZFU_H

#include <stddef.h>
#include <stdint.h>

/* Where decompressed bytes go: returns 0 to go on, or a negative SK_E*
 * code (a limit, no memory) that ends the decompression with that code. */
typedef int (*sk_lzfu_sink)(void *ctx, const uint8_t *p, size_t n);

#define SK_LZFU_COMPRESSED 0x75465A4Cu   /* "LZFu" */
#define SK_LZFU_UNCOMPRESSED 0x414C454Du /* "MELA" */

/* Decompresses the compressed RTF at p[0..n) into sink. Returns 0; SK_ETRUNC
 * when the data ends before its header's COMPSIZE or its end marker;
 * SK_ECORRUPT on a CRC mismatch or a header that does not hold; and
 * SK_EUNSUPPORTED for an unknown COMPTYPE. Whatever was decoded before an
 * error has already reached the sink. Never reads outside p[0..n), never
 * allocates: output is bounded by 17/2 bytes per input byte, and the sink
 * enforces the caller's limits. */
int sk_lzfu_decompress(const uint8_t *p, size_t n, sk_lzfu_sink sink, void *ctx);

/* The [MS-OXRTFCP] 3.1.3.2 CRC (table CRC-32, initial value 0, no final
 * inversion) of p[0..n), continuing from crc. */
uint32_t sk_lzfu_crc(uint32_t crc, const uint8_t *p, size_t n);

#endif
