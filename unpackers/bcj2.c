/* The BCJ2 decoder.
 *
 * Spec: LZMA SDK 9.20 C/Bcj2.c (Bcj2_Decode), whose stream format 7-Zip
 * still writes: a byte after which an E8 (CALL), E9 (JMP) or 0F 8x (Jcc)
 * opcode stands has a bit, range-coded with a probability chosen by the
 * opcode (E8: by the byte before it), saying whether its 4-byte target was
 * moved to the CALL or JMP stream as a big-endian absolute address.
 * Limits: every read of an input stream is checked; the output is exactly
 * out_len bytes; no allocation. */
#include "bcj2.h"

#include <stdbool.h>

#include "../engine/error.h"
#include "../engine/reader.h"

#define TOP (1u << 24)
#define MODEL_BITS 11
#define MODEL_TOTAL (1u << MODEL_BITS)
#define MOVE_BITS 5

struct range {
    struct sk_reader in;
    uint32_t range, code;
};

static bool is_jump(uint8_t before, uint8_t b)
{
    return (b & 0xFEu) == 0xE8u || (before == 0x0Fu && (b & 0xF0u) == 0x80u);
}

/* One bit with probability *p of a zero; the range coder normalises after
 * the update, as Bcj2.c does. -1 when the stream ran out. */
static int decode_bit(struct range *rc, uint16_t *p)
{
    uint32_t bound = (rc->range >> MODEL_BITS) * *p;
    int bit;
    if (rc->code < bound) {
        rc->range = bound;
        *p = (uint16_t)(*p + ((MODEL_TOTAL - *p) >> MOVE_BITS));
        bit = 0;
    } else {
        rc->range -= bound;
        rc->code -= bound;
        *p = (uint16_t)(*p - (*p >> MOVE_BITS));
        bit = 1;
    }
    if (rc->range < TOP) {
        uint8_t b = sk_reader_u8(&rc->in);
        if (rc->in.err)
            return -1;
        rc->range <<= 8;
        rc->code = rc->code << 8 | b;
    }
    return bit;
}

int sk_bcj2_decode(const uint8_t *main, size_t main_len, const uint8_t *call, size_t call_len,
                   const uint8_t *jump, size_t jump_len, const uint8_t *rc_bytes, size_t rc_len,
                   uint8_t *out, size_t out_len)
{
    uint16_t probs[256 + 2];
    for (size_t i = 0; i < sizeof probs / sizeof probs[0]; i++)
        probs[i] = MODEL_TOTAL >> 1;
    struct range rc = {sk_reader_make(rc_bytes, rc_len), 0xFFFFFFFFu, 0};
    for (int i = 0; i < 5; i++)
        rc.code = rc.code << 8 | sk_reader_u8(&rc.in);
    if (rc.in.err)
        return SK_ECORRUPT;
    struct sk_reader in = sk_reader_make(main, main_len);
    struct sk_reader calls = sk_reader_make(call, call_len);
    struct sk_reader jumps = sk_reader_make(jump, jump_len);
    size_t pos = 0;
    uint8_t before = 0;
    while (pos < out_len) {
        uint8_t b = sk_reader_u8(&in);
        if (in.err)
            return SK_ECORRUPT;
        out[pos++] = b;
        if (!is_jump(before, b)) {
            before = b;
            continue;
        }
        if (pos == out_len)
            break;
        uint16_t *p = b == 0xE8u ? &probs[before] : b == 0xE9u ? &probs[256] : &probs[257];
        int bit = decode_bit(&rc, p);
        if (bit < 0)
            return SK_ECORRUPT;
        if (bit == 0) {
            before = b;
            continue;
        }
        struct sk_reader *from = b == 0xE8u ? &calls : &jumps;
        uint32_t dest = sk_reader_u32be(from) - (uint32_t)(pos + 4);
        if (from->err)
            return SK_ECORRUPT;
        for (unsigned k = 0; k < 4 && pos < out_len; k++)
            out[pos++] = (uint8_t)(dest >> (8 * k));
        before = (uint8_t)(dest >> 24);
    }
    return 0;
}
