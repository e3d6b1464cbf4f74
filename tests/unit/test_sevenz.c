/* The 7z pieces that can be checked without an archive: the 7zAES key
 * derivation against keys python3's hashlib computed at test time
 * (sevenz_key.py, one argument per case), the key cache, the coder's
 * property parse and its NumCyclesPower cap, passwords as UTF-16LE, and
 * the BCJ2 decoder on streams made by a range encoder written here from
 * the LZMA SDK's (so that a converted CALL, an unconverted JMP and short
 * streams are each seen). */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "engine/error.h"
#include "unpackers/bcj2.h"
#include "unpackers/sevenz_aes.h"

struct key_case {
    uint8_t salt[16];
    size_t salt_len;
    const char *password;
    unsigned cycles;
};

/* The same cases as sevenz_key.py's CASES, in order. */
static const struct key_case KEY_CASES[] = {
    {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 16, "パス1", 19},
    {{0}, 0, "12345678", 0},
    {{0xaa, 0xbb}, 2, "pw", 4},
    {{1, 2, 3}, 3, "ab", 0x3F},
};

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void test_keys(int argc, char **argv)
{
    size_t n = sizeof KEY_CASES / sizeof KEY_CASES[0];
    CHECK_EQ_INT(argc - 1, n);
    for (size_t i = 0; i < n && (int)i + 1 < argc; i++) {
        const struct key_case *c = &KEY_CASES[i];
        uint8_t pw16[SK_7Z_MAX_PASSWORD16], key[SK_7Z_KEY_BYTES];
        size_t len = 0;
        CHECK_EQ_INT(
            sk_7z_password_utf16(c->password, strlen(c->password), pw16, sizeof pw16, &len), 0);
        CHECK_EQ_INT(sk_7z_derive_key(c->salt, c->salt_len, pw16, len, c->cycles, 0, key), 0);
        char got[2 * SK_7Z_KEY_BYTES + 1];
        hex(key, sizeof key, got);
        CHECK_EQ_STR(got, argv[i + 1]);
    }
}

static void test_cache(void)
{
    struct sk_7z_key_cache cache;
    memset(&cache, 0, sizeof cache);
    struct sk_7z_aes_props props = {.cycles = 6, .salt_len = 0};
    uint8_t a[SK_7Z_KEY_BYTES], b[SK_7Z_KEY_BYTES], c[SK_7Z_KEY_BYTES];
    CHECK_EQ_INT(sk_7z_key(&cache, &props, (const uint8_t *)"p\0w\0", 4, 0, a), 0);
    CHECK_EQ_INT(sk_7z_key(&cache, &props, (const uint8_t *)"p\0w\0", 4, 0, b), 0);
    CHECK_EQ_INT(cache.derivations, 1);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK_EQ_INT(sk_7z_key(&cache, &props, (const uint8_t *)"p\0x\0", 4, 0, c), 0);
    CHECK_EQ_INT(cache.derivations, 2);
    CHECK(memcmp(a, c, sizeof a) != 0);
    /* a passed deadline stops a long derivation */
    props.cycles = 20;
    CHECK_EQ_INT(sk_7z_key(&cache, &props, (const uint8_t *)"p\0w\0", 4, 1, c), SK_ELIMIT);
}

static void test_props(void)
{
    struct sk_7z_aes_props p;
    /* what 7-Zip writes: cycles 19, no salt, a 16-byte IV */
    uint8_t usual[18] = {0x40 | 19, 0x0F};
    for (int i = 0; i < 16; i++)
        usual[2 + i] = (uint8_t)(0xA0 + i);
    CHECK_EQ_INT(sk_7z_aes_props(usual, sizeof usual, &p), 0);
    CHECK_EQ_INT(p.cycles, 19);
    CHECK_EQ_INT(p.salt_len, 0);
    CHECK_EQ_INT(p.iv[15], 0xAF);
    uint8_t too_slow[3] = {0x40 | 25, 0x00, 0x00};
    CHECK_EQ_INT(sk_7z_aes_props(too_slow, 3, &p), SK_ELIMIT);
    uint8_t no_hash[3] = {0x40 | 0x3F, 0x00, 0x11};
    CHECK_EQ_INT(sk_7z_aes_props(no_hash, sizeof no_hash, &p), 0);
    CHECK_EQ_INT(p.cycles, 0x3F);
    uint8_t short_iv[4] = {0x40 | 19, 0x0F, 1, 2};
    CHECK_EQ_INT(sk_7z_aes_props(short_iv, sizeof short_iv, &p), SK_ECORRUPT);
}

static void test_utf16(void)
{
    uint8_t out[16];
    size_t len = 0;
    CHECK_EQ_INT(sk_7z_password_utf16("\xe3\x83\x91", 3, out, sizeof out, &len), 0); /* パ */
    CHECK_EQ_INT(len, 2);
    CHECK_EQ_INT(out[0], 0xD1);
    CHECK_EQ_INT(out[1], 0x30);
    CHECK_EQ_INT(sk_7z_password_utf16("\xf0\x9f\x98\x80", 4, out, sizeof out, &len), 0);
    CHECK_EQ_INT(len, 4); /* U+1F600: D83D DE00 */
    CHECK_EQ_INT(out[1], 0xD8);
    CHECK_EQ_INT(out[3], 0xDE);
    CHECK_EQ_INT(sk_7z_password_utf16("\xc0\x80", 2, out, sizeof out, &len), SK_EINVAL);
    CHECK_EQ_INT(sk_7z_password_utf16("abcdefghijk", 11, out, 8, &len), SK_EINVAL);
}

/* ---- BCJ2 ---------------------------------------------------------------- */

/* The LZMA SDK's range encoder (LzmaEnc.c RangeEnc_*), 11-bit models. */
struct encoder {
    uint64_t low;
    uint32_t range;
    uint8_t cache;
    uint64_t cache_size;
    uint8_t out[64];
    size_t n;
};

static void shift_low(struct encoder *e)
{
    if ((uint32_t)e->low < 0xFF000000u || (e->low >> 32) != 0) {
        uint8_t carry = (uint8_t)(e->low >> 32);
        uint8_t temp = e->cache;
        do {
            e->out[e->n++] = (uint8_t)(temp + carry);
            temp = 0xFF;
        } while (--e->cache_size != 0);
        e->cache = (uint8_t)(e->low >> 24);
    }
    e->cache_size++;
    e->low = (e->low & 0x00FFFFFFu) << 8;
}

static void encode_bit(struct encoder *e, uint16_t *p, int bit)
{
    uint32_t bound = (e->range >> 11) * *p;
    if (bit == 0) {
        e->range = bound;
        *p = (uint16_t)(*p + ((2048u - *p) >> 5));
    } else {
        e->low += bound;
        e->range -= bound;
        *p = (uint16_t)(*p - (*p >> 5));
    }
    while (e->range < (1u << 24)) {
        e->range <<= 8;
        shift_low(e);
    }
}

static void test_bcj2(void)
{
    /* 90 E8 [call: converted] 90 E9 11 22 33 44 [jump: not converted] 90 */
    uint16_t probs[258];
    for (int i = 0; i < 258; i++)
        probs[i] = 1024;
    struct encoder e = {0, 0xFFFFFFFFu, 0, 1, {0}, 0};
    encode_bit(&e, &probs[0x90], 1); /* the E8 after 0x90 */
    encode_bit(&e, &probs[256], 0);  /* the E9 */
    for (int i = 0; i < 5; i++)
        shift_low(&e);
    const uint8_t main_stream[] = {0x90, 0xE8, 0x90, 0xE9, 0x11, 0x22, 0x33, 0x44, 0x90};
    const uint8_t call[] = {0x00, 0x00, 0x10, 0x00}; /* absolute 0x1000, big-endian */
    uint8_t out[13];
    CHECK_EQ_INT(sk_bcj2_decode(main_stream, sizeof main_stream, call, sizeof call, NULL, 0,
                                e.out, e.n, out, sizeof out),
                 0);
    /* relative = 0x1000 - (2 + 4): the address after the CALL's operand */
    const uint8_t want[13] = {0x90, 0xE8, 0xFA, 0x0F, 0x00, 0x00, 0x90,
                              0xE9, 0x11, 0x22, 0x33, 0x44, 0x90};
    CHECK(memcmp(out, want, sizeof want) == 0);
    /* the CALL stream ends early: corrupt, never a read past it */
    CHECK_EQ_INT(sk_bcj2_decode(main_stream, sizeof main_stream, call, 3, NULL, 0, e.out, e.n,
                                out, sizeof out),
                 SK_ECORRUPT);
    /* the range coder's stream is shorter than its 5-byte start */
    CHECK_EQ_INT(sk_bcj2_decode(main_stream, sizeof main_stream, call, sizeof call, NULL, 0,
                                e.out, 4, out, sizeof out),
                 SK_ECORRUPT);
    /* more output asked than the main stream holds */
    uint8_t big[20];
    CHECK_EQ_INT(sk_bcj2_decode(main_stream, sizeof main_stream, call, sizeof call, NULL, 0,
                                e.out, e.n, big, sizeof big),
                 SK_ECORRUPT);
}

int main(int argc, char **argv)
{
    test_keys(argc, argv);
    test_cache();
    test_props();
    test_utf16();
    test_bcj2();
    return check_exit("sevenz");
}
