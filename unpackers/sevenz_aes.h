/* 7-Zip's 7zAES coder (method 06F10701): its properties, the key
 * derivation and AES-256-CBC decryption (OpenSSL).
 *
 * Spec: 7-Zip's CPP/7zip/Crypto/7zAes.cpp (there is no other document):
 * properties byte 0 holds NumCyclesPower (low 6 bits) and the top bits of
 * the salt and IV sizes, byte 1 their low nibbles; key = SHA-256 over
 * 2^NumCyclesPower rounds of salt, UTF-16LE password and a 64-bit
 * little-endian round counter; NumCyclesPower 0x3F takes salt and password
 * as the key, zero-padded. The cipher is AES-256-CBC; the last block is
 * padded with zeros, which sevenz.c uses as a check. */
#ifndef SK_SEVENZ_AES_H
#define SK_SEVENZ_AES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_7Z_KEY_BYTES 32u
#define SK_7Z_BLOCK 16u
#define SK_7Z_NO_HASH 0x3Fu
#define SK_7Z_MAX_PASSWORD16 512u /* SK_CAP_PASSWORD_BYTES of UTF-8, as UTF-16LE */
#define SK_7Z_KEY_CACHE 16u

struct sk_7z_aes_props {
    unsigned cycles; /* NumCyclesPower */
    uint8_t salt[16];
    size_t salt_len;
    uint8_t iv[SK_7Z_BLOCK];
};

/* Reads the coder's properties: 0, SK_ECORRUPT, or SK_ELIMIT when
 * NumCyclesPower is above SK_7Z_MAX_CYCLES (and not the no-hash 0x3F). */
int sk_7z_aes_props(const uint8_t *props, size_t n, struct sk_7z_aes_props *out);

/* A UTF-8 password as the UTF-16LE bytes 7-Zip hashes: 0, or SK_EINVAL
 * when it is not UTF-8 or does not fit max bytes. */
int sk_7z_password_utf16(const char *utf8, size_t len, uint8_t *out, size_t max,
                         size_t *out_len);

/* The key for (salt, password, cycles). deadline_ns (CLOCK_MONOTONIC, 0:
 * none) is checked every 65,536 rounds: SK_ELIMIT when it passes. */
int sk_7z_derive_key(const uint8_t *salt, size_t salt_len, const uint8_t *password16,
                     size_t password16_len, unsigned cycles, uint64_t deadline_ns,
                     uint8_t key[SK_7Z_KEY_BYTES]);

/* Derived keys of one request, so that folders sharing salt, cycles and
 * password derive once. */
struct sk_7z_cached_key {
    bool used;
    unsigned cycles;
    size_t salt_len, password16_len;
    uint8_t salt[16];
    uint8_t password16[SK_7Z_MAX_PASSWORD16];
    uint8_t key[SK_7Z_KEY_BYTES];
};

struct sk_7z_key_cache {
    struct sk_7z_cached_key entries[SK_7Z_KEY_CACHE];
    unsigned next;
    unsigned derivations; /* keys derived, not found in the cache */
};

/* sk_7z_derive_key through the cache. */
int sk_7z_key(struct sk_7z_key_cache *cache, const struct sk_7z_aes_props *props,
              const uint8_t *password16, size_t password16_len, uint64_t deadline_ns,
              uint8_t key[SK_7Z_KEY_BYTES]);

/* AES-256-CBC decryption of n bytes (a multiple of 16) with no padding
 * removed: 0 or SK_EINTERNAL / SK_ENOMEM. in and out may be the same. */
int sk_7z_cbc_decrypt(const uint8_t key[SK_7Z_KEY_BYTES], const uint8_t iv[SK_7Z_BLOCK],
                      const uint8_t *in, uint8_t *out, size_t n);

/* Wipes key material in a way the compiler cannot drop as a dead store
 * (OPENSSL_cleanse), so that sevenz.c and sevenz_coders.c need no OpenSSL. */
void sk_7z_wipe(void *p, size_t n);

#endif
