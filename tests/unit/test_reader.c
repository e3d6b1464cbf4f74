/* The bounded reader: reads inside the view succeed, any read past it fails
 * and the failure is sticky, and no length can overflow the check. */
#include <stdint.h>

#include "check.h"
#include "engine/reader.h"

static void reads_little_and_big_endian(void)
{
    const uint8_t bytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
    struct sk_reader r = sk_reader_make(bytes, sizeof bytes);
    CHECK_EQ_INT(sk_reader_u8(&r), 0x01);
    CHECK_EQ_INT(sk_reader_u16le(&r), 0x0302);
    CHECK_EQ_INT(sk_reader_u32be(&r), 0x04050607);
    CHECK_EQ_INT(sk_reader_left(&r), 2);
    CHECK_EQ_INT(sk_reader_u16le(&r), 0x0908);
    CHECK_EQ_INT(r.err, 0);
}

static void reads_u16_big_endian(void)
{
    const uint8_t bytes[] = {0x12, 0x34, 0x56};
    struct sk_reader r = sk_reader_make(bytes, sizeof bytes);
    CHECK_EQ_INT(sk_reader_u16be(&r), 0x1234);
    CHECK_EQ_INT(sk_reader_u16be_at(&r, 1), 0x3456);
    CHECK_EQ_INT(r.pos, 2); /* the absolute read did not move */
    CHECK_EQ_INT(sk_reader_u16be(&r), 0); /* one byte left */
    CHECK_EQ_INT(r.err, SK_ETRUNC);
    struct sk_reader r2 = sk_reader_make(bytes, sizeof bytes);
    CHECK_EQ_INT(sk_reader_u16be_at(&r2, 2), 0);
    CHECK_EQ_INT(r2.err, SK_ETRUNC);
}

static void past_the_end_is_sticky(void)
{
    const uint8_t bytes[] = {0xff, 0xee, 0xdd};
    struct sk_reader r = sk_reader_make(bytes, sizeof bytes);
    CHECK_EQ_INT(sk_reader_u32le(&r), 0);
    CHECK_EQ_INT(r.err, SK_ETRUNC);
    CHECK_EQ_INT(r.pos, 0);            /* a failed read does not move */
    CHECK_EQ_INT(sk_reader_u8(&r), 0); /* would fit, but the error sticks */
    CHECK(sk_reader_bytes(&r, 0) == NULL);
}

static void huge_lengths_do_not_wrap(void)
{
    const uint8_t bytes[16] = {0};
    struct sk_reader r = sk_reader_make(bytes, sizeof bytes);
    CHECK_EQ_INT(sk_reader_skip(&r, 8), 0);
    CHECK(sk_reader_bytes(&r, SIZE_MAX) == NULL);
    CHECK(sk_reader_bytes(&r, SIZE_MAX - 4) == NULL);
    struct sk_reader r2 = sk_reader_make(bytes, sizeof bytes);
    CHECK_EQ_INT(sk_reader_seek(&r2, 17), SK_ETRUNC);
}

static void sub_reader_is_bounded(void)
{
    const uint8_t bytes[] = {1, 2, 3, 4, 5, 6};
    struct sk_reader r = sk_reader_make(bytes, sizeof bytes);
    sk_reader_skip(&r, 1);
    struct sk_reader sub = sk_reader_sub(&r, 3);
    CHECK_EQ_INT(sub.len, 3);
    CHECK_EQ_INT(sk_reader_u8(&sub), 2);
    CHECK_EQ_INT(sk_reader_u32le(&sub), 0); /* 2 left in sub, though 4 in parent */
    CHECK_EQ_INT(sub.err, SK_ETRUNC);
    CHECK_EQ_INT(sk_reader_u16le(&r), 0x0605); /* the parent moved past the sub */
    struct sk_reader bad = sk_reader_sub(&r, 1);
    CHECK_EQ_INT(bad.err, SK_ETRUNC);
    CHECK_EQ_INT(sk_reader_u64le(&bad), 0);
}

static void absolute_reads_do_not_move(void)
{
    const uint8_t bytes[] = {0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0};
    struct sk_reader r = sk_reader_make(bytes, sizeof bytes);
    sk_reader_skip(&r, 3);
    CHECK_EQ_INT(sk_reader_u8_at(&r, 0), 0x10);
    CHECK_EQ_INT(sk_reader_u16le_at(&r, 1), 0x3020);
    CHECK_EQ_INT(sk_reader_u32le_at(&r, 6), 0xa0908070u);
    CHECK_EQ_INT(sk_reader_u32be_at(&r, 0), 0x10203040u);
    CHECK(sk_reader_u64le_at(&r, 2) == 0xa090807060504030ull);
    CHECK(sk_reader_u64be_at(&r, 1) == 0x2030405060708090ull);
    CHECK_EQ_INT(r.pos, 3); /* none of them moved */
    CHECK_EQ_INT(r.err, 0);
    CHECK(sk_reader_at(&r, sizeof bytes, 0) != NULL); /* the empty tail is inside */
    struct sk_reader sub = sk_reader_sub_at(&r, 8, 2);
    CHECK_EQ_INT(sk_reader_u16le(&sub), 0xa090);
    CHECK_EQ_INT(r.pos, 3);
}

static void absolute_reads_fail_past_the_end(void)
{
    const uint8_t bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct sk_reader r = sk_reader_make(bytes, sizeof bytes);
    CHECK_EQ_INT(sk_reader_u32le_at(&r, 5), 0); /* 3 bytes left at 5 */
    CHECK_EQ_INT(r.err, SK_ETRUNC);
    CHECK_EQ_INT(sk_reader_u8_at(&r, 0), 0); /* sticky, as the relative reads */
    struct sk_reader r2 = sk_reader_make(bytes, sizeof bytes);
    CHECK(sk_reader_at(&r2, 9, 0) == NULL); /* the offset itself past the end */
    struct sk_reader r3 = sk_reader_make(bytes, sizeof bytes);
    CHECK(sk_reader_at(&r3, UINT64_MAX, 1) == NULL); /* off + n would wrap */
    struct sk_reader r4 = sk_reader_make(bytes, sizeof bytes);
    CHECK(sk_reader_at(&r4, 4, SIZE_MAX) == NULL);
    struct sk_reader r5 = sk_reader_make(bytes, sizeof bytes);
    CHECK(sk_reader_u64le_at(&r5, 1) == 0);
    CHECK(sk_reader_u64be_at(&r5, 0) == 0); /* sticky after the failure */
    CHECK_EQ_INT(r5.err, SK_ETRUNC);
    struct sk_reader r6 = sk_reader_make(bytes, sizeof bytes);
    struct sk_reader bad = sk_reader_sub_at(&r6, 7, 2);
    CHECK_EQ_INT(bad.err, SK_ETRUNC);
    CHECK_EQ_INT(bad.len, 0);
}

static void match_never_reads_past_or_fails(void)
{
    const uint8_t bytes[] = {'M', 'Z', 0, 0, 'P', 'E'};
    struct sk_reader r = sk_reader_make(bytes, sizeof bytes);
    CHECK(sk_reader_match(&r, 0, "MZ", 2));
    CHECK(sk_reader_match(&r, 4, "PE", 2));
    CHECK(!sk_reader_match(&r, 5, "PE", 2)); /* one byte short */
    CHECK(!sk_reader_match(&r, UINT64_MAX, "P", 1));
    CHECK(!sk_reader_match(&r, 0, "MX", 2));
    CHECK_EQ_INT(r.err, 0); /* a miss is not an error */
}

static void offset_arithmetic_refuses_to_wrap(void)
{
    uint64_t v = 0;
    CHECK_EQ_INT(sk_mul_u64(1u << 20, 4096, &v), 0);
    CHECK(v == 4096ull << 20);
    CHECK_EQ_INT(sk_mul_u64(0, UINT64_MAX, &v), 0);
    CHECK(v == 0);
    /* a 44-bit FileOffsetMB times 1 MiB fits; one more bit does not */
    CHECK_EQ_INT(sk_mul_u64((1ull << 44) - 1, 1ull << 20, &v), 0);
    CHECK_EQ_INT(sk_mul_u64(1ull << 44, 1ull << 20, &v), SK_ECORRUPT);
    CHECK(v == UINT64_MAX);
    CHECK_EQ_INT(sk_mul_u64(UINT64_MAX, 2, &v), SK_ECORRUPT);
    CHECK_EQ_INT(sk_add_u64(UINT64_MAX - 1, 1, &v), 0);
    CHECK(v == UINT64_MAX);
    CHECK_EQ_INT(sk_add_u64(UINT64_MAX, 1, &v), SK_ECORRUPT);
    CHECK_EQ_INT(sk_add_u64(1ull << 63, 1ull << 63, &v), SK_ECORRUPT);
}

int main(void)
{
    absolute_reads_do_not_move();
    absolute_reads_fail_past_the_end();
    match_never_reads_past_or_fails();
    offset_arithmetic_refuses_to_wrap();
    reads_little_and_big_endian();
    reads_u16_big_endian();
    past_the_end_is_sticky();
    huge_lengths_do_not_wrap();
    sub_reader_is_bounded();
    return check_exit("reader");
}
