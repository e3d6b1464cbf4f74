/* Compressed RTF (unpackers/lzfu.c) against the examples that [MS-OXRTFCP]
 * section 3.1.1 publishes (compressed bytes typed in from the spec's hex
 * dumps), the stored "MELA" form, and damaged streams: a bad CRC, a cut
 * stream, an unknown COMPTYPE, a sink that refuses. */
#include <string.h>

#include "check.h"
#include "engine/error.h"
#include "unpackers/lzfu.h"

struct sink {
    uint8_t buf[256];
    size_t len;
    size_t refuse_after; /* 0: never */
};

static int collect(void *ctx, const uint8_t *p, size_t n)
{
    struct sink *s = ctx;
    if (s->refuse_after && s->len + n > s->refuse_after)
        return SK_ELIMIT;
    if (n > sizeof s->buf - s->len)
        return SK_ELIMIT;
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}

/* 3.1.1.1 "Simple Compressed RTF" */
static const uint8_t example1[] = {0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a,
                                   0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7, 0x03, 0x00, 0x0a, 0x00,
                                   0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a,
                                   0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77,
                                   0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0};
static const char example1_text[] = "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n";

/* 3.1.1.2 "Crossing a Write Offset Boundary" */
static const uint8_t example2[] = {0x1a, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x4c, 0x5a,
                                   0x46, 0x75, 0xe2, 0xd4, 0x4b, 0x51, 0x41, 0x00, 0x04, 0x20,
                                   0x57, 0x58, 0x59, 0x5a, 0x0d, 0x6e, 0x7d, 0x01, 0x0e, 0xb0};
static const char example2_text[] = "{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}";

static void check_example(const uint8_t *p, size_t n, const char *text)
{
    struct sink s = {.len = 0};
    CHECK_EQ_INT(sk_lzfu_decompress(p, n, collect, &s), 0);
    CHECK_EQ_INT(s.len, strlen(text));
    CHECK(s.len == strlen(text) && memcmp(s.buf, text, s.len) == 0);
    /* the header's CRC is the CRC of the bytes after the header */
    uint32_t crc =
        (uint32_t)p[12] | (uint32_t)p[13] << 8 | (uint32_t)p[14] << 16 | (uint32_t)p[15] << 24;
    CHECK_EQ_INT(sk_lzfu_crc(0, p + 16, n - 16), crc);
}

int main(void)
{
    check_example(example1, sizeof example1, example1_text);
    check_example(example2, sizeof example2, example2_text);

    /* A flipped data byte: decoded, but the CRC says corrupt. */
    uint8_t bad[sizeof example1];
    memcpy(bad, example1, sizeof bad);
    bad[33] ^= 0x01;
    struct sink s = {.len = 0};
    CHECK_EQ_INT(sk_lzfu_decompress(bad, sizeof bad, collect, &s), SK_ECORRUPT);
    CHECK(s.len > 0);

    /* Every cut of example 1 ends in SK_ETRUNC, never a read past the end. */
    for (size_t cut = 0; cut < sizeof example1; cut++) {
        struct sink t = {.len = 0};
        CHECK_EQ_INT(sk_lzfu_decompress(example1, cut, collect, &t), SK_ETRUNC);
    }

    /* "MELA": stored, RAWSIZE bytes after the header. */
    static const uint8_t mela[] = {0x11, 0, 0, 0, 5, 0,   0,    0,   'M', 'E', 'L',
                                   'A',  0, 0, 0, 0, '{', '\\', 'r', 't', 'f'};
    struct sink m = {.len = 0};
    CHECK_EQ_INT(sk_lzfu_decompress(mela, sizeof mela, collect, &m), 0);
    CHECK(m.len == 5 && memcmp(m.buf, "{\\rtf", 5) == 0);

    /* An unknown COMPTYPE is refused. */
    uint8_t other[sizeof example1];
    memcpy(other, example1, sizeof other);
    other[8] = 'X';
    struct sink o = {.len = 0};
    CHECK_EQ_INT(sk_lzfu_decompress(other, sizeof other, collect, &o), SK_EUNSUPPORTED);

    /* A sink's limit ends the decompression with the sink's code. */
    struct sink l = {.len = 0, .refuse_after = 1};
    CHECK_EQ_INT(sk_lzfu_decompress(example1, sizeof example1, collect, &l), SK_ELIMIT);
    return check_exit("lzfu");
}
