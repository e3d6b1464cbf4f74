/* yEnc blocks (unpackers/mime_text.c, sk_yenc_*) against bytes encoded by
 * hand from yEnc 1.3 (the escapes of NUL, LF, CR and '=' included) with
 * CRC32s from zlib: a single-part block and its trailer, a part of a
 * multi-part file checked by pcrc32=, a flipped CRC, a block without =yend,
 * a cap below the output, and =ybegin that does not start a line. */
#include <string.h>

#include "check.h"
#include "unpackers/mime_text.h"

/* 00 01 02 0a 0d 13 d6 ff 41: 0x13 and 0xd6 become '=' and NUL, escaped. */
static const uint8_t decoded[] = {0x00, 0x01, 0x02, 0x0a, 0x0d, 0x13, 0xd6, 0xff, 0x41};
#define ENCODED "*+,47=}=@)k"

static size_t find_and_decode(const char *text, struct sk_yenc_block *b, uint8_t *out,
                              size_t cap)
{
    const uint8_t *p = (const uint8_t *)text;
    if (!sk_yenc_find(p, strlen(text), 0, b))
        return SIZE_MAX;
    return sk_yenc_decode(p, strlen(text), b, out, cap);
}

static void single_part(void)
{
    const char *text = "Hello\r\n=ybegin line=128 size=9 name=a b.bin \r\n" ENCODED "\r\n"
                       "=yend size=9 crc32=bd60df49\r\nBye\r\n";
    struct sk_yenc_block b;
    uint8_t out[64];
    size_t len = find_and_decode(text, &b, out, sizeof out);
    CHECK_EQ_INT(len, sizeof decoded);
    CHECK(len == sizeof decoded && memcmp(out, decoded, len) == 0);
    CHECK_EQ_STR(b.name, "a b.bin");
    CHECK_EQ_INT(b.size, 9);
    CHECK_EQ_INT(b.part, 0);
    CHECK(b.has_end && b.has_crc);
    CHECK(sk_yenc_check(&b, out, len));
    CHECK(!sk_yenc_find((const uint8_t *)text, strlen(text), b.next, &b));
    /* A cap below the output: cut there, and the size no longer holds. */
    CHECK_EQ_INT(find_and_decode(text, &b, out, 4), 4);
    CHECK(!sk_yenc_check(&b, out, 4));
}

static void flipped_crc(void)
{
    const char *text =
        "=ybegin line=128 size=9 name=x\n" ENCODED "\n=yend size=9 crc32=bd60df48\n";
    struct sk_yenc_block b;
    uint8_t out[64];
    size_t len = find_and_decode(text, &b, out, sizeof out);
    CHECK_EQ_INT(len, sizeof decoded);
    CHECK(!sk_yenc_check(&b, out, len));
}

static void multi_part(void)
{
    /* "hello" is part 2 of 3: its own CRC is pcrc32=, crc32= the file's. */
    const char *text = "=ybegin part=2 total=3 line=128 size=20 name=x.bin\r\n"
                       "=ypart begin=10 end=14\r\n"
                       "\x92\x8f\x96\x96\x99\r\n"
                       "=yend size=5 part=2 pcrc32=3610a686 crc32=0d4a1185\r\n";
    struct sk_yenc_block b;
    uint8_t out[64];
    size_t len = find_and_decode(text, &b, out, sizeof out);
    CHECK_EQ_INT(len, 5);
    CHECK(len == 5 && memcmp(out, "hello", 5) == 0);
    CHECK_EQ_INT(b.part, 2);
    CHECK_EQ_INT(b.total, 3);
    CHECK_EQ_INT(b.size, 20);
    CHECK_EQ_INT(b.crc, 0x3610a686u);
    CHECK(sk_yenc_check(&b, out, len));
}

static void no_trailer(void)
{
    const char *text = "=ybegin line=128 size=9 name=cut.bin\n" ENCODED;
    struct sk_yenc_block b;
    uint8_t out[64];
    size_t len = find_and_decode(text, &b, out, sizeof out);
    CHECK_EQ_INT(len, sizeof decoded);
    CHECK(!b.has_end && !b.has_crc);
    CHECK_EQ_INT(b.next, strlen(text));
}

static void not_a_block(void)
{
    struct sk_yenc_block b;
    const char *quoted = "see x=ybegin line=128 size=1 name=a\n*\n=yend size=1\n";
    CHECK(!sk_yenc_find((const uint8_t *)quoted, strlen(quoted), 0, &b));
    CHECK(!sk_yenc_find((const uint8_t *)"", 0, 0, &b));
}

int main(void)
{
    single_part();
    flipped_crc();
    multi_part();
    no_trailer();
    not_a_block();
    return check_exit("yenc");
}
