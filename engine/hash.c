#include "hash.h"

#include <openssl/evp.h>

#include "error.h"

int sk_sha256_hex(const uint8_t *p, size_t n, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int md_len = 0;
    if (!EVP_Digest(p, n, md, &md_len, EVP_sha256(), NULL) || md_len != sizeof md) {
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
