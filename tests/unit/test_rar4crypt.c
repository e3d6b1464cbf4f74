/* RAR 3.x/4.x key derivation (unpackers/rar4crypt.c) against values that
 * python3 computes from the same description (tests/fixtures/mkarchive.py's
 * rar4_keys, which p7zip accepts: check_mkarchive rar4-aes), the refusals,
 * and the rewrite's answer to encrypted headers. Prints what one derivation
 * costs here. */
#include <string.h>
#include <time.h>

#include "../../engine/error.h"
#include "../../unpackers/rar4crypt.h"
#include "check.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void check_key(const char *pw, const uint8_t *salt, const char *key, const char *iv)
{
    struct sk_rar4_key k;
    char got[33];
    CHECK_EQ_INT(sk_rar4_derive(pw, strlen(pw), salt, &k), 0);
    hex(k.key, 16, got);
    CHECK_EQ_STR(got, key);
    hex(k.iv, 16, got);
    CHECK_EQ_STR(got, iv);
}

static void test_derive(void)
{
    const uint8_t counting[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    const uint8_t ones[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    /* python3: mkarchive.rar4_keys(pw, salt) */
    check_key("s3cret", counting, "a7fd9bee97175fee10aa1a625e971212",
              "e056b850b10a11d42c2b177635c1b65f");
    check_key("password", NULL, "9bde0a0b8000e732fe25f1ba7e77012c",
              "353b447f82c586792fc594e64c4e67f9");
    check_key("\xe3\x83\x91\xe3\x82\xb9", ones, "df29aa1bbac218b3d2f2beadd9f17ac0",
              "ef4da26d06e2d2833da06487f16f1401");
}

static void test_refusals(void)
{
    struct sk_rar4_key k;
    const uint8_t salt[8] = {0};
    CHECK_EQ_INT(sk_rar4_derive("\xff", 1, salt, &k), SK_EUNSUPPORTED);
    CHECK_EQ_INT(sk_rar4_derive("\xe3\x83", 2, salt, &k), SK_EUNSUPPORTED);
    /* 28 UTF-16 units and the salt fill one SHA-1 block: the last that
     * standard SHA-1 derives as unrar does. */
    const char *pw28 = "abcdefghijklmnopqrstuvwxyz01";
    CHECK_EQ_INT(sk_rar4_derive(pw28, 28, salt, &k), 0);
    CHECK_EQ_INT(sk_rar4_derive("abcdefghijklmnopqrstuvwxyz012", 29, salt, &k), SK_EUNSUPPORTED);
}

static void test_headers_encrypted(void)
{
    /* Signature, then a main header with MHD_PASSWORD (its CRC unchecked). */
    const uint8_t hp[] = {'R', 'a', 'r', '!', 0x1a, 7, 0, 0, 0, 0x73, 0x80, 0, 13, 0,
                          0, 0, 0, 0, 0, 0};
    struct sk_dynbuf out, opened;
    sk_dynbuf_init(&out, 1024);
    sk_dynbuf_init(&opened, 1024);
    struct sk_rar4_rewrite rw = {.out = &out, .opened = &opened};
    CHECK_EQ_INT(sk_rar4_rewrite(hp, sizeof hp, &rw), SK_EENCRYPTED);
    CHECK(rw.headers_encrypted);
    CHECK_EQ_INT(sk_rar4_rewrite((const uint8_t *)"PK\3\4", 4, &rw), SK_EUNSUPPORTED);
    sk_dynbuf_free(&out);
    sk_dynbuf_free(&opened);
}

static void time_derivation(void)
{
    const uint8_t salt[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct sk_rar4_key k;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 10; i++)
        CHECK_EQ_INT(sk_rar4_derive("infected", 8, salt, &k), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = ((double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6) / 10;
    printf("one RAR4 key derivation (8-character password): %.1f ms\n", ms);
}

int main(void)
{
    test_derive();
    test_refusals();
    test_headers_encrypted();
    time_derivation();
    return check_exit("rar4crypt");
}
