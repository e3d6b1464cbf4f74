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

int main(void)
{
    reads_little_and_big_endian();
    past_the_end_is_sticky();
    huge_lengths_do_not_wrap();
    sub_reader_is_bounded();
    return check_exit("reader");
}
