/* LZNT1 (unpackers/lznt1.c) against the example [MS-XCA] section 3.3
 * publishes (the 59 compressed bytes typed in from the spec's hex dump,
 * the 142-byte string with its NUL), a stored chunk, two chunks (the
 * second starting on its 4096-byte boundary), and damaged input: a
 * reference before the chunk's start, a chunk cut short, an output buffer
 * smaller than the data. */
#include <string.h>

#include "check.h"
#include "engine/error.h"
#include "unpackers/lznt1.h"

static const uint8_t example[] = {
    0x38, 0xb0, 0x88, 0x46, 0x23, 0x20, 0x00, 0x20, 0x47, 0x20, 0x41, 0x00, 0x10, 0xa2, 0x47,
    0x01, 0xa0, 0x45, 0x20, 0x44, 0x00, 0x08, 0x45, 0x01, 0x50, 0x79, 0x00, 0xc0, 0x45, 0x20,
    0x05, 0x24, 0x13, 0x88, 0x05, 0xb4, 0x02, 0x4a, 0x44, 0xef, 0x03, 0x58, 0x02, 0x8c, 0x09,
    0x16, 0x01, 0x48, 0x45, 0x00, 0xbe, 0x00, 0x9e, 0x00, 0x04, 0x01, 0x18, 0x90, 0x00};

static const char example_text[] =
    "F# F# G A A G F# E D D E F# F# E E F# F# G A A G F# E D D E F# E D D E E F# D E F# G F# "
    "D E F# G F# E D E A F# F# G A A G F# E D D E F# E D D";

static uint8_t out[3 * 4096];

int main(void)
{
    size_t got = 0;
    CHECK_EQ_INT(sizeof example, 59);
    CHECK_EQ_INT(sizeof example_text, 142);
    CHECK_EQ_INT(sk_lznt1_decompress(example, sizeof example, out, sizeof out, &got), 0);
    CHECK_EQ_INT(got, 142);
    CHECK(memcmp(out, example_text, 142) == 0);

    /* The same output cut by a smaller buffer: no byte past it is written. */
    memset(out, 0xee, sizeof out);
    CHECK_EQ_INT(sk_lznt1_decompress(example, sizeof example, out, 20, &got), 0);
    CHECK_EQ_INT(got, 20);
    CHECK(memcmp(out, example_text, 20) == 0);
    CHECK_EQ_INT(out[20], 0xee);

    /* A stored chunk (bit 15 clear) of 5 bytes, then the example: the
     * stored chunk's short output is padded to 4096 before the next. */
    uint8_t two[2 + 5 + sizeof example];
    two[0] = 0x04; /* 5 data bytes */
    two[1] = 0x30;
    memcpy(two + 2, "hello", 5);
    memcpy(two + 7, example, sizeof example);
    CHECK_EQ_INT(sk_lznt1_decompress(two, sizeof two, out, sizeof out, &got), 0);
    CHECK_EQ_INT(got, 4096 + 142);
    CHECK(memcmp(out, "hello", 5) == 0);
    CHECK_EQ_INT(out[5], 0);
    CHECK(memcmp(out + 4096, example_text, 142) == 0);

    /* A copy token first in a chunk: nothing to copy from. */
    const uint8_t before[] = {0x02, 0xb0, 0x01, 0x00, 0x00};
    CHECK_EQ_INT(sk_lznt1_decompress(before, sizeof before, out, sizeof out, &got), SK_ECORRUPT);
    CHECK_EQ_INT(got, 0);

    /* A displacement past the output so far: "ab" then a copy from 3 back. */
    const uint8_t far[] = {0x04, 0xb0, 0x04, 'a', 'b', 0x00, 0x20};
    CHECK_EQ_INT(sk_lznt1_decompress(far, sizeof far, out, sizeof out, &got), SK_ECORRUPT);

    /* The example cut short: the header claims more than there is. */
    CHECK_EQ_INT(sk_lznt1_decompress(example, 30, out, sizeof out, &got), SK_ECORRUPT);
    CHECK_EQ_INT(got, 0);

    /* A zero header ends the data at once. */
    const uint8_t end[] = {0x00, 0x00, 0x38, 0xb0};
    CHECK_EQ_INT(sk_lznt1_decompress(end, sizeof end, out, sizeof out, &got), 0);
    CHECK_EQ_INT(got, 0);
    return check_exit("ntfs_lznt1");
}
