/* 7-Zip's 7zAES coder: properties, key derivation, AES-256-CBC.
 *
 * Spec: 7-Zip's CPP/7zip/Crypto/7zAes.cpp (SetDecoderProperties2,
 * CKeyInfo::CalcKey); FIPS 180-4 SHA-256 and FIPS 197 AES through OpenSSL.
 * Supports: every salt and IV size the properties can state, the no-hash
 * case (0x3F). Refuses: NumCyclesPower above SK_7Z_MAX_CYCLES (7-Zip
 * writes 19; each step doubles a wrong candidate's cost), fail closed.
 * Limits: the request's deadline inside the derivation; a password is at
 * most SK_7Z_MAX_PASSWORD16 bytes of UTF-16LE. */
#include "sevenz_aes.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/job.h"
#include "../engine/reader.h"
#include "../engine/text.h"
#include "sevenz_format.h"

#define BATCH_ROUNDS 64u          /* rounds hashed per EVP_DigestUpdate */
#define DEADLINE_EVERY (1u << 16) /* rounds between deadline checks */

int sk_7z_aes_props(const uint8_t *props, size_t n, struct sk_7z_aes_props *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return 0;
    struct sk_reader r = sk_reader_make(props, n);
    uint8_t b0 = sk_reader_u8(&r);
    out->cycles = b0 & 0x3Fu;
    if (out->cycles > SK_7Z_MAX_CYCLES && out->cycles != SK_7Z_NO_HASH)
        return SK_ELIMIT;
    if ((b0 & 0xC0u) == 0)
        return n == 1 ? 0 : SK_ECORRUPT;
    uint8_t b1 = sk_reader_u8(&r);
    size_t salt_len = ((b0 >> 7) & 1u) + (b1 >> 4);
    size_t iv_len = ((b0 >> 6) & 1u) + (b1 & 0x0Fu);
    const uint8_t *salt = sk_reader_bytes(&r, salt_len);
    const uint8_t *iv = sk_reader_bytes(&r, iv_len);
    if (r.err || sk_reader_left(&r) != 0)
        return SK_ECORRUPT;
    out->salt_len = salt_len;
    memcpy(out->salt, salt, salt_len);
    memcpy(out->iv, iv, iv_len);
    return 0;
}

/* One code point of UTF-8 at s[*i..n): its value, or UINT32_MAX when the
 * bytes are not UTF-8 (overlong forms, surrogates, past U+10FFFF). */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *i)
{
    unsigned char c = s[(*i)++];
    if (c < 0x80)
        return c;
    unsigned extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (extra == 0 || c > 0xF4 || extra > n - *i)
        return UINT32_MAX;
    uint32_t v = c & (0x3Fu >> extra);
    for (unsigned k = 0; k < extra; k++) {
        unsigned char t = s[(*i)++];
        if ((t & 0xC0) != 0x80)
            return UINT32_MAX;
        v = v << 6 | (t & 0x3Fu);
    }
    static const uint32_t least[] = {0, 0x80, 0x800, 0x10000};
    if (v < least[extra] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return UINT32_MAX;
    return v;
}

static size_t put_unit(uint8_t *out, size_t at, uint32_t unit)
{
    out[at] = (uint8_t)(unit & 0xFFu);
    out[at + 1] = (uint8_t)(unit >> 8);
    return at + 2;
}

int sk_7z_password_utf16(const char *utf8, size_t len, uint8_t *out, size_t max,
                         size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t i = 0, at = 0;
    while (i < len) {
        uint32_t c = utf8_next(s, len, &i);
        if (c == UINT32_MAX)
            return SK_EINVAL;
        size_t need = c >= 0x10000 ? 4 : 2;
        if (need > max - at)
            return SK_EINVAL;
        if (c >= 0x10000) {
            c -= 0x10000;
            at = put_unit(out, at, 0xD800u | (c >> 10));
            at = put_unit(out, at, 0xDC00u | (c & 0x3FFu));
        } else {
            at = put_unit(out, at, c);
        }
    }
    *out_len = at;
    return 0;
}

static void no_hash_key(const uint8_t *salt, size_t salt_len, const uint8_t *password16,
                        size_t password16_len, uint8_t key[SK_7Z_KEY_BYTES])
{
    memset(key, 0, SK_7Z_KEY_BYTES);
    size_t at = 0;
    for (size_t i = 0; i < salt_len && at < SK_7Z_KEY_BYTES; i++)
        key[at++] = salt[i];
    for (size_t i = 0; i < password16_len && at < SK_7Z_KEY_BYTES; i++)
        key[at++] = password16[i];
}

/* Hashes rounds [first, first + count) of (salt, password, counter) laid
 * out back to back in batch, whose counters are rewritten here. */
static int hash_rounds(EVP_MD_CTX *md, uint8_t *batch, size_t round_len, uint64_t first,
                       unsigned count)
{
    for (unsigned r = 0; r < count; r++) {
        uint8_t *counter = batch + (size_t)r * round_len + round_len - 8;
        uint64_t c = first + r;
        for (unsigned b = 0; b < 8; b++, c >>= 8)
            counter[b] = (uint8_t)c;
    }
    return EVP_DigestUpdate(md, batch, (size_t)count * round_len) ? 0 : SK_EINTERNAL;
}

int sk_7z_derive_key(const uint8_t *salt, size_t salt_len, const uint8_t *password16,
                     size_t password16_len, unsigned cycles, uint64_t deadline_ns,
                     uint8_t key[SK_7Z_KEY_BYTES])
{
    if (cycles == SK_7Z_NO_HASH) {
        no_hash_key(salt, salt_len, password16, password16_len, key);
        return 0;
    }
    if (cycles > SK_7Z_MAX_CYCLES || salt_len > 16 || password16_len > SK_7Z_MAX_PASSWORD16)
        return SK_ELIMIT;
    size_t round_len = salt_len + password16_len + 8;
    uint8_t *batch = malloc(round_len * BATCH_ROUNDS);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = batch && md ? 0 : SK_ENOMEM;
    for (unsigned r = 0; rc == 0 && r < BATCH_ROUNDS; r++) {
        memcpy(batch + r * round_len, salt, salt_len);
        memcpy(batch + r * round_len + salt_len, password16, password16_len);
    }
    if (rc == 0 && !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
        rc = SK_EINTERNAL;
    uint64_t rounds = (uint64_t)1 << cycles;
    for (uint64_t done = 0; rc == 0 && done < rounds;) {
        unsigned count =
            rounds - done < BATCH_ROUNDS ? (unsigned)(rounds - done) : BATCH_ROUNDS;
        rc = hash_rounds(md, batch, round_len, done, count);
        done += count;
        if (rc == 0 && deadline_ns && done % DEADLINE_EVERY == 0 && sk_now_ns() >= deadline_ns)
            rc = SK_ELIMIT;
    }
    unsigned got = 0;
    if (rc == 0 && (!EVP_DigestFinal_ex(md, key, &got) || got != SK_7Z_KEY_BYTES))
        rc = SK_EINTERNAL;
    if (batch)
        OPENSSL_cleanse(batch, round_len * BATCH_ROUNDS);
    free(batch);
    EVP_MD_CTX_free(md);
    return rc;
}

int sk_7z_key(struct sk_7z_key_cache *cache, const struct sk_7z_aes_props *props,
              const uint8_t *password16, size_t password16_len, uint64_t deadline_ns,
              uint8_t key[SK_7Z_KEY_BYTES])
{
    if (password16_len > SK_7Z_MAX_PASSWORD16)
        return SK_ELIMIT;
    for (unsigned i = 0; i < SK_7Z_KEY_CACHE; i++) {
        const struct sk_7z_cached_key *e = &cache->entries[i];
        if (e->used && e->cycles == props->cycles && e->salt_len == props->salt_len &&
            e->password16_len == password16_len &&
            memcmp(e->salt, props->salt, props->salt_len) == 0 &&
            memcmp(e->password16, password16, password16_len) == 0) {
            memcpy(key, e->key, SK_7Z_KEY_BYTES);
            return 0;
        }
    }
    int rc = sk_7z_derive_key(props->salt, props->salt_len, password16, password16_len,
                              props->cycles, deadline_ns, key);
    if (rc != 0)
        return rc;
    cache->derivations++;
    struct sk_7z_cached_key *e = &cache->entries[cache->next];
    cache->next = (cache->next + 1) % SK_7Z_KEY_CACHE;
    e->used = true;
    e->cycles = props->cycles;
    e->salt_len = props->salt_len;
    memcpy(e->salt, props->salt, props->salt_len);
    e->password16_len = password16_len;
    memcpy(e->password16, password16, password16_len);
    memcpy(e->key, key, SK_7Z_KEY_BYTES);
    return 0;
}

int sk_7z_cbc_decrypt(const uint8_t key[SK_7Z_KEY_BYTES], const uint8_t iv[SK_7Z_BLOCK],
                      const uint8_t *in, uint8_t *out, size_t n)
{
    if (n % SK_7Z_BLOCK != 0)
        return SK_EINVAL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return SK_ENOMEM;
    int rc = EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv) ? 0 : SK_EINTERNAL;
    if (rc == 0)
        EVP_CIPHER_CTX_set_padding(ctx, 0);
    /* EVP lengths are int: large inputs go in slices. */
    struct sk_reader r = sk_reader_make(in, n);
    for (size_t done = 0; rc == 0 && done < n;) {
        size_t step = n - done < (1u << 30) ? n - done : (1u << 30);
        int got = 0;
        if (!EVP_DecryptUpdate(ctx, out + done, &got, sk_reader_bytes(&r, step), (int)step) ||
            (size_t)got != step)
            rc = SK_EINTERNAL;
        done += step;
    }
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

void sk_7z_wipe(void *p, size_t n)
{
    OPENSSL_cleanse(p, n);
}
