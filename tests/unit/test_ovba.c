/* MS-OVBA decompression and the dir stream (unpackers/ovba.c): the
 * examples of [MS-OVBA] 3.2.1 (no compression) and 3.2.2 (normal
 * compression), the output cap, damaged containers, and a dir stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/error.h"
#include "unpackers/ovba.h"

static const uint8_t no_compression[] = {
    0x01, 0x19, 0xB0, 0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x00, 0x69, 0x6A,
    0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70, 0x00, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x2E};

static const uint8_t normal[] = {
    0x01, 0x2F, 0xB0, 0x00, 0x23, 0x61, 0x61, 0x61, 0x62, 0x63, 0x64, 0x65, 0x82,
    0x66, 0x00, 0x70, 0x61, 0x67, 0x68, 0x69, 0x6A, 0x01, 0x38, 0x08, 0x61, 0x6B,
    0x6C, 0x00, 0x20, 0x6D, 0x6E, 0x6F, 0x70, 0x06, 0x71, 0x02, 0x70, 0x04, 0x00,
    0x72, 0x73, 0x74, 0x75, 0x76, 0x10, 0x77, 0x78, 0x79, 0x7A, 0x00, 0x2C};

static int expired_calls;

static bool never(void *ctx)
{
    (void)ctx;
    expired_calls++;
    return false;
}

/* Decompresses into a NUL-terminated string (static buffer). */
static const char *text(const uint8_t *p, size_t n, size_t max, int *rc, const char **why)
{
    static char buf[8192];
    struct sk_ovba_out out = {0};
    *rc = sk_ovba_decompress(p, n, max, &out, why, never, NULL);
    size_t k = out.len < sizeof buf - 1 ? out.len : sizeof buf - 1;
    if (k)
        memcpy(buf, out.data, k);
    buf[k] = '\0';
    free(out.data);
    return buf;
}

static void put_record(uint8_t *p, size_t *at, uint16_t id, const void *data, uint32_t n)
{
    p[(*at)++] = (uint8_t)id;
    p[(*at)++] = (uint8_t)(id >> 8);
    for (int i = 0; i < 4; i++)
        p[(*at)++] = (uint8_t)(n >> (8 * i));
    memcpy(p + *at, data, n);
    *at += n;
}

/* An allocator that refuses after `left` calls, and counts them. */
struct refusing {
    unsigned calls, left;
};

static void *refuse_after(void *ctx, void *p, size_t size)
{
    struct refusing *r = ctx;
    r->calls++;
    if (r->left == 0)
        return NULL;
    r->left--;
    return realloc(p, size);
}

/* The output and the module table come from the caller's allocator: a
 * refusal is SK_ENOMEM, what was decompressed before it is kept. */
static void allocator(const uint8_t *big, size_t n)
{
    const char *why = NULL;
    struct refusing none = {0, 0};
    const struct sk_alloc no = {refuse_after, &none};
    struct sk_ovba_out out = {0};
    CHECK_EQ_INT(sk_ovba_decompress_alloc(normal, sizeof normal, 1 << 20, &out, &why, NULL,
                                          NULL, &no),
                 SK_ENOMEM);
    CHECK(out.data == NULL && out.len == 0);

    struct refusing some = {0, 2};
    const struct sk_alloc two = {refuse_after, &some};
    CHECK_EQ_INT(sk_ovba_decompress_alloc(big, n, 1 << 24, &out, &why, NULL, NULL, &two),
                 SK_ENOMEM);
    CHECK(some.calls == 3 && out.len > 0 && out.len <= out.cap);
    free(out.data);

    struct sk_ovba_dir d = {.allocator = &no};
    CHECK_EQ_INT(sk_ovba_parse_dir(normal, sizeof normal, &d, &why), SK_ENOMEM);
    sk_ovba_dir_free(&d);
}

int main(void)
{
    int rc;
    const char *why = NULL;

    /* [MS-OVBA] 3.2.1 and 3.2.2. */
    CHECK_EQ_STR(text(no_compression, sizeof no_compression, 1 << 20, &rc, &why),
                 "abcdefghijklmnopqrstuv.");
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(text(normal, sizeof normal, 1 << 20, &rc, &why),
                 "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa");
    CHECK_EQ_INT(rc, 0);

    /* The cap keeps what fits, inside a copy token too. */
    CHECK_EQ_STR(text(normal, sizeof normal, 10, &rc, &why), "#aaabcdefa");
    CHECK_EQ_INT(rc, SK_ELIMIT);
    CHECK_EQ_STR(text(normal, sizeof normal, 0, &rc, &why), "");
    CHECK_EQ_INT(rc, SK_ELIMIT);

    /* Damage: each refusal keeps what came before it. */
    uint8_t bad[sizeof normal];
    memcpy(bad, normal, sizeof bad);
    bad[0] = 0x02;
    text(bad, sizeof bad, 1 << 20, &rc, &why);
    CHECK_EQ_INT(rc, SK_ECORRUPT);
    CHECK_EQ_STR(why, "a compressed container without its signature byte");
    memcpy(bad, normal, sizeof bad);
    bad[2] = 0xA0; /* chunk signature 0b010 */
    text(bad, sizeof bad, 1 << 20, &rc, &why);
    CHECK_EQ_STR(why, "a chunk without its signature");
    CHECK_EQ_STR(text(normal, sizeof normal - 3, 1 << 20, &rc, &why),
                 "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxy");
    CHECK_EQ_INT(rc, SK_ECORRUPT);
    CHECK_EQ_STR(why, "a chunk claims more bytes than the stream holds");
    const uint8_t reaches_back[] = {0x01, 0x03, 0xB0,
                                    0x01, 0x00, 0x00}; /* copy at position 0 */
    text(reaches_back, sizeof reaches_back, 1 << 20, &rc, &why);
    CHECK_EQ_INT(rc, SK_ECORRUPT);
    CHECK_EQ_STR(why, "a copy token reaches outside its chunk");
    const uint8_t cut_token[] = {0x01, 0x02, 0xB0, 0x02, 0x61, 0x00};
    CHECK_EQ_STR(text(cut_token, sizeof cut_token, 1 << 20, &rc, &why), "a");
    CHECK_EQ_STR(why, "a copy token is cut short");
    const uint8_t raw_short[] = {0x01, 0x02, 0x30,
                                 0x61, 0x62, 0x63}; /* uncompressed, 3 bytes */
    text(raw_short, sizeof raw_short, 1 << 20, &rc, &why);
    CHECK_EQ_STR(why, "an uncompressed chunk that does not hold 4096 bytes");

    /* An uncompressed chunk of 4096 bytes, then the normal example's
     * chunk; 256 chunks ask whether time ran out once. */
    static uint8_t big[1 + 256 * (2 + 4096)];
    size_t at = 0;
    big[at++] = 0x01;
    for (int c = 0; c < 256; c++) {
        big[at++] = 0xFF;
        big[at++] = 0x3F;
        memset(big + at, 'a' + c % 26, 4096);
        at += 4096;
    }
    struct sk_ovba_out out = {0};
    expired_calls = 0;
    CHECK_EQ_INT(sk_ovba_decompress(big, at, 1 << 24, &out, &why, never, NULL), 0);
    CHECK_EQ_INT(out.len, 256 * 4096);
    CHECK_EQ_INT(out.data[4096], 'b');
    CHECK_EQ_INT(expired_calls, 1);
    free(out.data);

    /* A dir stream: code page, PROJECTVERSION's odd size, two modules. */
    uint8_t dir[256];
    size_t n = 0;
    const uint8_t cp[2] = {0xE4, 0x04}; /* 1252 */
    const uint8_t version[6] = {0};
    const uint8_t offset[4] = {0x10, 0x02, 0, 0};
    put_record(dir, &n, 0x0003, cp, 2);
    put_record(dir, &n, 0x0009, version, 0); /* size field is Reserved1: 6 bytes follow */
    memcpy(dir + n, version, 6);
    n += 6;
    put_record(dir, &n, 0x0019, "Module1", 7);
    put_record(dir, &n, 0x001A, "Module1", 7);
    put_record(dir, &n, 0x0031, offset, 4);
    put_record(dir, &n, 0x002B, "", 0);
    put_record(dir, &n, 0x0019, "ThisDocument", 12);
    put_record(dir, &n, 0x0047, "T\0h\0", 4);
    put_record(dir, &n, 0x002B, "", 0);
    put_record(dir, &n, 0x0010, "", 0);
    put_record(dir, &n, 0x0019, "after the end", 13);
    struct sk_ovba_dir d = {0};
    CHECK_EQ_INT(sk_ovba_parse_dir(dir, n, &d, &why), 0);
    CHECK_EQ_INT(d.codepage, 1252);
    CHECK_EQ_INT(d.n_modules, 2);
    CHECK(d.n_modules == 2 && d.modules[0].name.len == 7 &&
          memcmp(d.modules[0].name.p, "Module1", 7) == 0);
    CHECK_EQ_INT(d.modules[0].has_offset, 1);
    CHECK_EQ_INT(d.modules[0].offset, 0x210);
    CHECK_EQ_INT(d.modules[1].has_offset, 0);
    CHECK_EQ_INT(d.modules[1].name_unicode.len, 4);
    sk_ovba_dir_free(&d);
    CHECK_EQ_INT(sk_ovba_parse_dir(dir, 24, &d, &why), SK_ECORRUPT);
    CHECK_EQ_STR(why, "a dir record runs past the end of the stream");
    sk_ovba_dir_free(&d);
    allocator(big, at);
    return check_exit("ovba");
}
