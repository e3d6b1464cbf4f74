/* Content hashes (OpenSSL). */
#ifndef SK_HASH_H
#define SK_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Writes the SHA-256 of p[0..n) as 64 lowercase hex digits and a NUL.
 * Returns 0 or SK_EINTERNAL. */
int sk_sha256_hex(const uint8_t *p, size_t n, char out[65]);

/* Writes the SHA-256 of p[0..n) as 32 bytes. Returns 0 or SK_EINTERNAL. */
int sk_sha256(const uint8_t *p, size_t n, uint8_t out[32]);

#endif
