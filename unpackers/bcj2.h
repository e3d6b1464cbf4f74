/* The BCJ2 x86 branch converter's decoder (7-Zip method 0303011B), which
 * liblzma does not have: four input streams (the main bytes, the CALL and
 * JMP targets as big-endian absolute addresses, and a range-coded stream
 * saying which E8/E9/Jcc opcodes were converted) make one output.
 *
 * Spec: the LZMA SDK's C/Bcj2.c (9.20, Bcj2_Decode): 2 + 256 probability
 * models of 11 bits, the LZMA range decoder. Pure function; no allocation. */
#ifndef SK_BCJ2_H
#define SK_BCJ2_H

#include <stddef.h>
#include <stdint.h>

/* Decodes exactly out_len bytes: 0, or SK_ECORRUPT when an input stream
 * ends too soon. */
int sk_bcj2_decode(const uint8_t *main, size_t main_len, const uint8_t *call, size_t call_len,
                   const uint8_t *jump, size_t jump_len, const uint8_t *rc, size_t rc_len,
                   uint8_t *out, size_t out_len);

#endif
