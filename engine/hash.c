#include "hash.h"

#include <openssl/evp.h>

#include "error.h"

int sk_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    unsigned int md_len = 0;
    return EVP_Digest(p, n, out, &md_len, EVP_sha256(), NULL) && md_len == 32 ? 0
                                                                              : SK_EINTERNAL;
}

int sk_sha256_hex(const uint8_t *p, size_t n, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    if (sk_sha256(p, n, md) != 0) {
        out[0] = '\0';
        return SK_EINTERNAL;
    }
    for (size_t i = 0; i < sizeof md; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return 0;
}
