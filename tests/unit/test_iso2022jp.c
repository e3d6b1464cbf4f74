/* ISO-2022-JP-MS to CP932 (unpackers/iso2022jp.c): the byte sequences nkf
 * writes for CP50220/CP50221/CP50222, against CP932 as Python's cp932 codec
 * encodes the same characters. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "unpackers/iso2022jp.h"

/* Converts `in` and compares with `want` (want_len SIZE_MAX: refused). */
#define EXPECT(what, in, want) expect(what, in, sizeof(in) - 1, want, sizeof(want) - 1)
#define REFUSED(what, in) expect(what, in, sizeof(in) - 1, "", SIZE_MAX)
static void expect(const char *what, const char *in, size_t n, const char *want,
                   size_t want_len)
{
    uint8_t out[64];
    size_t got = sk_iso2022jp_to_cp932((const uint8_t *)in, n, out);
    CHECK_EQ_INT(got, want_len);
    if (got == want_len && got != SIZE_MAX && memcmp(out, want, got) != 0) {
        fprintf(stderr, "%s: bytes differ\n", what);
        CHECK(0);
    }
}

int main(void)
{
    /* ① ㈱ (NEC row 13) and 纊 (NEC-selected IBM extension, row 89) */
    EXPECT("nec and ibm rows", "\x1b$B-!-jy!\x1b(Bx", "\x87\x40\x87\x8a\xed\x40x");
    /* 株式 in JIS X 0208, then ASCII through ESC ( J */
    EXPECT("kanji then roman", "\x1b$B3t<0\x1b(J!", "\x8a\x94\x8e\xae!");
    /* half-width katakana: ESC ( I (CP50221) and SO/SI (CP50222) */
    EXPECT("katakana escape", "\x1b(I6E\x1b(B.", "\xb6\xc5.");
    EXPECT("katakana shift",
           "a\x0e"
           "6\x0f"
           "b",
           "a\xb6"
           "b");
    /* line ends pass in any mode; ESC $ @ (JIS C 6226-1978) as ESC $ B */
    EXPECT("newline in kanji", "\x1b$@3t\r\n3t", "\x8a\x94\r\n\x8a\x94");
    /* refused: 8-bit bytes, JIS X 0212, half a pair, katakana out of range */
    REFUSED("8-bit byte", "\x1b$B3t\x1b(B\x82\xa0");
    REFUSED("JIS X 0212", "\x1b$(DTc\x1b(B");
    REFUSED("half a pair", "\x1b$B3");
    REFUSED("pair cut by a line end", "\x1b$B3\n");
    REFUSED("truncated escape", "ab\x1b$");
    REFUSED("katakana past 0x5f", "\x1b(I\x60");
    EXPECT("empty", "", "");
    return check_exit("iso2022jp");
}
