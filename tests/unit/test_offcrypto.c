/* Office encryption primitives (unpackers/offcrypto.c) against published
 * values, and its header parsers against damaged input:
 *   - binary RC4 (MS-OFFCRYPTO 2.3.6): msoffcrypto-tool's documented
 *     example (password "password1", its salt, verifier and verifier hash);
 *   - XOR obfuscation (2.3.7): the FilePass key and verifier of Apache POI's
 *     xor-encryption-abc.xls (password "abc");
 *   - every truncation of a Standard and an RC4 CryptoAPI header, Agile
 *     descriptors with a missing or impossible field: an error, never a
 *     crash (the sanitizer build runs this too). */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "engine/error.h"
#include "unpackers/offcrypto.h"

static void put_hex(uint8_t *out, const char *hex)
{
    for (size_t i = 0; hex[2 * i]; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* RC4 as the textbook has it, to check the key the library derived. */
static void rc4_reference(const uint8_t *key, size_t len, uint8_t *out, size_t n)
{
    uint8_t sbox[256], i = 0, j = 0;
    for (int k = 0; k < 256; k++)
        sbox[k] = (uint8_t)k;
    for (int k = 0; k < 256; k++) {
        j = (uint8_t)(j + sbox[k] + key[k % len]);
        uint8_t t = sbox[k];
        sbox[k] = sbox[j];
        sbox[j] = t;
    }
    j = 0;
    for (size_t k = 0; k < n; k++) {
        i++;
        j = (uint8_t)(j + sbox[i]);
        uint8_t t = sbox[i];
        sbox[i] = sbox[j];
        sbox[j] = t;
        out[k] ^= sbox[(uint8_t)(sbox[i] + sbox[j])];
    }
}

static void test_binary_rc4(void)
{
    uint8_t header[52] = {1, 0, 1, 0};
    put_hex(header + 4, "e8772c1d91c56a37964761b280183217");
    put_hex(header + 20, "c9e997d454973d310bb1ba701426837e");
    put_hex(header + 36, "b1de178f07e989c44dae5e4cf96ac407");
    struct sk_offcrypto oc;
    const char *why;
    CHECK_EQ_INT(sk_offcrypto_parse(&oc, header, sizeof header, &why), 0);
    CHECK_EQ_INT(oc.scheme, SK_OC_RC4);
    CHECK_EQ_INT(sk_offcrypto_try(&oc, NULL, "password2", 9), 0);
    CHECK_EQ_INT(sk_offcrypto_try(&oc, NULL, "Password1", 9), 0);
    CHECK_EQ_INT(sk_offcrypto_try(&oc, NULL, "password1", 9), 1);
    /* msoffcrypto's _makekey example: the block-0 key is 20bf32dd...e03c.
     * A zero block decrypted with it is that key's RC4 key stream. */
    uint8_t key[16], want[32] = {0}, got[32] = {0};
    put_hex(key, "20bf32ddf540858c513744af0f24e03c");
    rc4_reference(key, sizeof key, want, sizeof want);
    sk_offcrypto_rc4_block(&oc, 0, got, sizeof got);
    CHECK(memcmp(want, got, sizeof got) == 0);
    memset(got, 0, sizeof got);
    sk_offcrypto_rc4_block(&oc, 1, got, sizeof got);
    CHECK(memcmp(want, got, sizeof got) != 0); /* each block has its own key */
    for (size_t n = 0; n < sizeof header; n++)
        CHECK(sk_offcrypto_parse(&oc, header, n, &why) < 0);
}

static void test_xor(void)
{
    struct sk_offcrypto oc;
    sk_offcrypto_xor(&oc, 0x514a, 0xcc1a);
    CHECK_EQ_INT(sk_offcrypto_try(&oc, NULL, "abd", 3), 0);
    CHECK_EQ_INT(sk_offcrypto_try(&oc, NULL, "ab", 2), 0);
    CHECK_EQ_INT(sk_offcrypto_try(&oc, NULL, "abcd", 4), 0);
    CHECK_EQ_INT(sk_offcrypto_try(&oc, NULL, "", 0), 0);
    CHECK_EQ_INT(sk_offcrypto_try(&oc, NULL, "0123456789abcdefg", 17), 0);
    CHECK_EQ_INT(sk_offcrypto_try(&oc, NULL, "abc", 3), 1);
    char text[64];
    sk_offcrypto_describe(&oc, text, sizeof text);
    CHECK_EQ_STR(text, "XOR obfuscation (method 1)");
}

/* Version, flags, header size, EncryptionHeader (8 u32 + a CSP name),
 * salt size, salt, verifier, hash size, hash. */
static size_t cryptoapi_header(uint8_t *out, uint32_t alg, uint32_t bits, size_t hash_len)
{
    uint32_t head[8] = {0x24, 0, alg, 0x8004, bits, 0x18, 0, 0};
    size_t n = 0;
    uint16_t version[2] = {4, 2};
    uint32_t flags = 0x24, size = sizeof head + 4, salt_size = 16, hash_size = 20;
    memcpy(out + n, version, 4), n += 4;
    memcpy(out + n, &flags, 4), n += 4;
    memcpy(out + n, &size, 4), n += 4;
    memcpy(out + n, head, sizeof head), n += sizeof head;
    memset(out + n, 0, 4), n += 4; /* the CSP name: one NUL */
    memcpy(out + n, &salt_size, 4), n += 4;
    memset(out + n, 0x11, 32), n += 32;
    memcpy(out + n, &hash_size, 4), n += 4;
    memset(out + n, 0x22, hash_len), n += hash_len;
    return n;
}

static void test_cryptoapi_headers(void)
{
    uint8_t buf[256];
    struct sk_offcrypto oc;
    const char *why;
    char text[96];
    size_t n = cryptoapi_header(buf, 0x660E, 128, 32);
    CHECK_EQ_INT(sk_offcrypto_parse(&oc, buf, n, &why), 0);
    CHECK_EQ_INT(oc.scheme, SK_OC_STANDARD);
    sk_offcrypto_describe(&oc, text, sizeof text);
    CHECK_EQ_STR(text, "standard (AES-128, SHA1, 50000 spins)");
    for (size_t k = 0; k < n; k++)
        CHECK(sk_offcrypto_parse(&oc, buf, k, &why) < 0);
    n = cryptoapi_header(buf, 0x6801, 0, 20);
    CHECK_EQ_INT(sk_offcrypto_parse(&oc, buf, n, &why), 0);
    CHECK_EQ_INT(oc.scheme, SK_OC_RC4_CRYPTOAPI);
    CHECK_EQ_INT(oc.key_bits, 40); /* 0 means 40 bits (2.3.5.1) */
    CHECK_EQ_INT(sk_offcrypto_try(&oc, NULL, "wrong", 5), 0);
    for (size_t k = 0; k < n; k++)
        CHECK(sk_offcrypto_parse(&oc, buf, k, &why) < 0);
    n = cryptoapi_header(buf, 0x660E, 100, 32); /* impossible AES key size */
    CHECK_EQ_INT(sk_offcrypto_parse(&oc, buf, n, &why), SK_ECORRUPT);
    n = cryptoapi_header(buf, 0x6602, 128, 32); /* RC2 */
    CHECK_EQ_INT(sk_offcrypto_parse(&oc, buf, n, &why), SK_EUNSUPPORTED);
    uint8_t extensible[8] = {4, 0, 3, 0, 0, 0, 0, 0};
    CHECK_EQ_INT(sk_offcrypto_parse(&oc, extensible, sizeof extensible, &why), SK_EUNSUPPORTED);
}

static int parse_agile(const char *xml, struct sk_offcrypto *oc)
{
    uint8_t buf[4096] = {4, 0, 4, 0, 0x40, 0, 0, 0};
    size_t n = strlen(xml);
    memcpy(buf + 8, xml, n);
    const char *why;
    return sk_offcrypto_parse(oc, buf, 8 + n, &why);
}

#define KEY_DATA                                                                          \
    "<keyData saltSize=\"16\" blockSize=\"16\" keyBits=\"256\" hashSize=\"64\" "          \
    "cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" hashAlgorithm=\"SHA512\" " \
    "saltValue=\"AAECAwQFBgcICQoLDA0ODw==\"/>"
#define B16 "AAECAwQFBgcICQoLDA0ODw=="
#define B32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define B64                                                                                \
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+" \
    "Pw=="
#define ENCRYPTOR(spin, cipher)                                                           \
    "<keyEncryptors><keyEncryptor uri=\"http://schemas.microsoft.com/office/2006/"       \
    "keyEncryptor/password\"><p:encryptedKey spinCount=\"" spin "\" saltSize=\"16\" "     \
    "blockSize=\"16\" keyBits=\"256\" hashSize=\"64\" cipherAlgorithm=\"" cipher "\" "    \
    "cipherChaining=\"ChainingModeCBC\" hashAlgorithm=\"SHA512\" saltValue=\"" B16 "\" "  \
    "encryptedVerifierHashInput=\"" B16 "\" encryptedVerifierHashValue=\"" B64 "\" "        \
    "encryptedKeyValue=\"" B32 "\"/></keyEncryptor></keyEncryptors>"

static void test_agile_descriptors(void)
{
    struct sk_offcrypto oc;
    char text[96];
    CHECK_EQ_INT(parse_agile("<encryption>" KEY_DATA ENCRYPTOR("1", "AES") "</encryption>", &oc),
                 0);
    sk_offcrypto_describe(&oc, text, sizeof text);
    CHECK_EQ_STR(text, "agile (AES-256, SHA512, 1 spins)");
    CHECK_EQ_INT(oc.verifier_hash.len, 64);
    CHECK_EQ_INT(sk_offcrypto_try(&oc, NULL, "anything", 8), 0); /* random verifier */
    CHECK_EQ_INT(parse_agile("<encryption>" ENCRYPTOR("1", "AES") "</encryption>", &oc),
                 SK_ECORRUPT); /* no keyData */
    CHECK_EQ_INT(parse_agile("<encryption>" KEY_DATA ENCRYPTOR("1", "DES") "</encryption>", &oc),
                 SK_EUNSUPPORTED);
    CHECK_EQ_INT(parse_agile("<encryption>" KEY_DATA "</encryption>", &oc), SK_EUNSUPPORTED);
    CHECK_EQ_INT(parse_agile("<encryption>" KEY_DATA ENCRYPTOR("10000001", "AES")
                             "</encryption>",
                             &oc),
                 SK_ECORRUPT); /* spinCount above the spec's 10,000,000 */
    CHECK_EQ_INT(parse_agile("<encryption><keyData saltValue=\"AAEC", &oc), SK_ECORRUPT);
    CHECK_EQ_INT(parse_agile("", &oc), SK_ECORRUPT);
    /* Every cut of a good descriptor fails cleanly (or parses, when only
     * the closing tags are cut). */
    const char *good = "<encryption>" KEY_DATA ENCRYPTOR("1", "AES") "</encryption>";
    for (size_t k = 0; k < strlen(good); k++) {
        char cut[4096];
        memcpy(cut, good, k);
        cut[k] = '\0';
        int rc = parse_agile(cut, &oc);
        CHECK(rc == 0 || rc == SK_ECORRUPT || rc == SK_EUNSUPPORTED);
    }
}

int main(void)
{
    test_binary_rc4();
    test_xor();
    test_cryptoapi_headers();
    test_agile_descriptors();
    return check_exit("test_offcrypto");
}
