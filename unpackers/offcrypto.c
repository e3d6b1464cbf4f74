/* Office document encryption: headers, key derivation, decryption.
 *
 * Spec: [MS-OFFCRYPTO] 2.3.2-2.3.3 (EncryptionHeader, EncryptionVerifier),
 * 2.3.4.5-9 (ECMA-376 Standard: SHA-1 x 50,000, AES-ECB), 2.3.4.10-14
 * (Agile: the XML descriptor, H(salt + password) then spinCount rounds of
 * H(iterator + H), block keys, IV = H(keyData salt + segment index), AES-CBC
 * in 4096-byte segments, the dataIntegrity HMAC), 2.3.5.1-2 (RC4 CryptoAPI:
 * SHA-1 of salt + password, then of that + block number; a 40-bit key is
 * padded to 128 bits with zeros), 2.3.6.1-2 (binary RC4: MD5, 5-byte
 * truncations, 16 copies of hash + salt), 2.3.7.1-3 (XOR obfuscation
 * method 1: verifier, XorKey, XorArray). Which parts of a Workbook or
 * PowerPoint Document stream are encrypted (MS-XLS 2.2.10, MS-PPT 2.3.7) is
 * office_crypt.c's.
 *
 * Primitives through OpenSSL EVP (SHA-1/256/384/512, MD5, AES, HMAC). RC4 is
 * our own 20 lines: OpenSSL 3 keeps it in the legacy provider, and loading
 * a provider is process-wide state (or a library context per worker) for a
 * cipher this simple; RC4 here only undoes obfuscation, it protects nothing.
 *
 * Refuses (error.unsupported): Agile with a cipher other than AES or a
 * chaining other than CBC, certificate-only key encryptors, Extensible
 * encryption (3.3/4.3), hashes other than the five above. Every length and
 * count from the input is checked against what remains and against the
 * fixed buffers in struct sk_offcrypto; spinCount is capped at the spec's
 * 10,000,000 and the deadline is checked during the spin. The Agile XML
 * descriptor is read by xmlscan.c, its base64 by textcode.c. */
#include "offcrypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "textcode.h"
#include "xmlscan.h"

#define MAX_PASSWORD_UNITS 255u /* Office's limit on a password's length */
#define MAX_XML (1024u * 1024u)
#define SPIN_CHECK_EVERY 8192u

static const uint8_t block_verifier_input[8] = {0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79};
static const uint8_t block_verifier_hash[8] = {0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e};
static const uint8_t block_key_value[8] = {0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6};
static const uint8_t block_hmac_key[8] = {0x5f, 0xb2, 0xad, 0x01, 0x0c, 0xb9, 0xe1, 0xf6};
static const uint8_t block_hmac_value[8] = {0xa0, 0x67, 0x7f, 0x02, 0xb2, 0x2c, 0x84, 0x33};

/* ---- primitives ------------------------------------------------------------ */

static const EVP_MD *md_of(const char *name)
{
    if (strcmp(name, "SHA1") == 0)
        return EVP_sha1();
    if (strcmp(name, "SHA256") == 0)
        return EVP_sha256();
    if (strcmp(name, "SHA384") == 0)
        return EVP_sha384();
    if (strcmp(name, "SHA512") == 0)
        return EVP_sha512();
    if (strcmp(name, "MD5") == 0)
        return EVP_md5();
    return NULL;
}

/* H(a || b) into out (EVP_MAX_MD_SIZE bytes). */
static bool hash2(const EVP_MD *md, const void *a, size_t na, const void *b, size_t nb,
                  uint8_t *out)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) && EVP_DigestUpdate(ctx, a, na) &&
              EVP_DigestUpdate(ctx, b, nb) && EVP_DigestFinal_ex(ctx, out, NULL);
    EVP_MD_CTX_free(ctx);
    return ok;
}

static const EVP_CIPHER *aes_of(size_t key_len, bool cbc)
{
    switch (key_len) {
    case 16: return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ecb();
    case 24: return cbc ? EVP_aes_192_cbc() : EVP_aes_192_ecb();
    case 32: return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ecb();
    default: return NULL;
    }
}

/* AES decryption without padding; n must be whole 16-byte blocks. */
static int aes_decrypt(const uint8_t *key, size_t key_len, const uint8_t *iv, const uint8_t *in,
                       size_t n, uint8_t *out)
{
    const EVP_CIPHER *cipher = aes_of(key_len, iv != NULL);
    if (!cipher)
        return SK_EUNSUPPORTED;
    if (n % 16 != 0 || n > INT32_MAX)
        return SK_ECORRUPT;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0;
    bool ok = ctx && EVP_DecryptInit_ex(ctx, cipher, NULL, key, iv) &&
              EVP_CIPHER_CTX_set_padding(ctx, 0) &&
              EVP_DecryptUpdate(ctx, out, &len, in, (int)n);
    EVP_CIPHER_CTX_free(ctx);
    return ok && (size_t)len == n ? 0 : SK_EINTERNAL;
}

struct rc4 {
    uint8_t s[256];
    uint8_t i, j;
};

static void rc4_init(struct rc4 *r, const uint8_t *key, size_t len)
{
    for (unsigned k = 0; k < 256; k++)
        r->s[k] = (uint8_t)k;
    uint8_t j = 0;
    for (unsigned k = 0; k < 256; k++) {
        j = (uint8_t)(j + r->s[k] + key[k % len]);
        uint8_t t = r->s[k];
        r->s[k] = r->s[j];
        r->s[j] = t;
    }
    r->i = r->j = 0;
}

static void rc4_apply(struct rc4 *r, uint8_t *p, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        r->i++;
        r->j = (uint8_t)(r->j + r->s[r->i]);
        uint8_t t = r->s[r->i];
        r->s[r->i] = r->s[r->j];
        r->s[r->j] = t;
        p[k] ^= r->s[(uint8_t)(r->s[r->i] + r->s[r->j])];
    }
}

/* UTF-8 to UTF-16LE, at most MAX_PASSWORD_UNITS units: the byte count, or
 * -1 when the candidate is longer than any Office password can be.
 * Invalid bytes become U+FFFD (such a candidate opens nothing anyway). */
static long utf16le(const char *s, size_t len, uint8_t *out)
{
    size_t units = 0;
    for (size_t i = 0; i < len;) {
        uint8_t c = (uint8_t)s[i];
        uint32_t cp = 0xFFFD;
        size_t need = c < 0x80         ? 0
                      : (c >> 5) == 6  ? 1
                      : (c >> 4) == 14 ? 2
                      : (c >> 3) == 30 ? 3
                                       : 9;
        if (need == 0) {
            cp = c;
        } else if (need <= 3 && len - i > need) {
            cp = c & (0x3Fu >> need);
            for (size_t k = 1; k <= need; k++)
                cp = cp << 6 | ((uint8_t)s[i + k] & 0x3Fu);
        } else {
            need = 0;
        }
        i += need + 1;
        uint16_t u[2];
        size_t nu = 1;
        if (cp >= 0x10000 && cp <= 0x10FFFF) {
            cp -= 0x10000;
            u[0] = (uint16_t)(0xD800 | cp >> 10);
            u[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
            nu = 2;
        } else {
            u[0] = (uint16_t)(cp > 0xFFFF ? 0xFFFD : cp);
        }
        if (units + nu > MAX_PASSWORD_UNITS)
            return -1;
        for (size_t k = 0; k < nu; k++, units++) {
            out[2 * units] = (uint8_t)u[k];
            out[2 * units + 1] = (uint8_t)(u[k] >> 8);
        }
    }
    return (long)(2 * units);
}

struct span {
    const char *p;
    size_t len;
};

/* ---- headers ------------------------------------------------------------------ */

static int take_blob(struct sk_reader *r, size_t n, struct sk_oc_blob *b)
{
    const uint8_t *at = n <= sizeof b->p ? sk_reader_bytes(r, n) : NULL;
    if (!at)
        return SK_ECORRUPT;
    memcpy(b->p, at, n);
    b->len = n;
    return 0;
}

/* EncryptionHeader + EncryptionVerifier (2.3.2, 2.3.3), after the version
 * and flags: Standard (AES) or RC4 CryptoAPI, told apart by AlgID. */
static int parse_cryptoapi(struct sk_offcrypto *oc, struct sk_reader *r, const char **why)
{
    uint32_t header_size = sk_reader_u32le(r);
    struct sk_reader h = sk_reader_sub(r, header_size);
    sk_reader_skip(&h, 8); /* Flags, SizeExtra */
    uint32_t alg = sk_reader_u32le(&h), alg_hash = sk_reader_u32le(&h);
    uint32_t key_bits = sk_reader_u32le(&h);
    uint32_t salt_size = sk_reader_u32le(r);
    *why = "the encryption header is cut short";
    if (h.err || r->err || salt_size != 16)
        return SK_ECORRUPT;
    if (alg_hash != 0x8004 && alg_hash != 0) {
        *why = "the encryption header names a hash other than SHA-1";
        return SK_EUNSUPPORTED;
    }
    snprintf(oc->hash, sizeof oc->hash, "SHA1");
    oc->hash_size = 20;
    bool rc4 = alg == 0x6801;
    bool aes = alg == 0x660E || alg == 0x660F || alg == 0x6610 || (alg == 0 && key_bits >= 128);
    if (!rc4 && !aes) {
        *why = "the encryption header names a cipher other than AES or RC4";
        return SK_EUNSUPPORTED;
    }
    oc->scheme = rc4 ? SK_OC_RC4_CRYPTOAPI : SK_OC_STANDARD;
    oc->key_bits = key_bits == 0 && rc4 ? 40 : key_bits;
    if (rc4 ? (oc->key_bits < 40 || oc->key_bits > 128 || oc->key_bits % 8)
            : (oc->key_bits != 128 && oc->key_bits != 192 && oc->key_bits != 256)) {
        *why = "the encryption header's key size is impossible";
        return SK_ECORRUPT;
    }
    oc->spin = rc4 ? 0 : 50000;
    oc->block_size = 16;
    int rc = take_blob(r, 16, &oc->salt);
    rc = rc ? rc : take_blob(r, 16, &oc->verifier_input);
    uint32_t hash_size = sk_reader_u32le(r);
    rc = rc ? rc : take_blob(r, rc4 ? 20 : 32, &oc->verifier_hash);
    if (rc || r->err || hash_size != 20) {
        *why = "the encryption verifier is cut short or malformed";
        return SK_ECORRUPT;
    }
    return 0;
}

/* ---- the Agile XML descriptor, through xmlscan.c ----------------------------- */

/* The attributes of the first start tag at or after `from` whose local name
 * is `local`; *next is where the search may go on. */
static bool xml_element(const char *xml, size_t len, size_t from, const char *local,
                        struct sk_xml_tok *attrs, size_t *next)
{
    struct sk_xml_scan scan = {xml, len, from};
    if (!sk_xml_find(&scan, local, attrs))
        return false;
    *next = scan.pos;
    return true;
}

static bool xml_attr(const struct sk_xml_tok *attrs, const char *name, struct span *value)
{
    return sk_xml_attr(attrs, name, &value->p, &value->len);
}

static bool attr_uint(const struct sk_xml_tok *attrs, const char *name, uint32_t max,
                      uint32_t *out)
{
    struct span v;
    if (!xml_attr(attrs, name, &v) || v.len == 0 || v.len > 10)
        return false;
    uint64_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return false;
        n = n * 10 + (uint64_t)(v.p[i] - '0');
    }
    if (n > max)
        return false;
    *out = (uint32_t)n;
    return true;
}

/* A base64 attribute (white space allowed, '=' padding only at the end)
 * into b, decoded by textcode.c's decoder: the value is short enough that
 * the decoder's own buffer holds it all, so nothing is appended anywhere. */
static bool attr_base64(const struct sk_xml_tok *attrs, const char *name, struct sk_oc_blob *b)
{
    struct span v;
    uint8_t clean[SK_OC_MAX_BLOB * 4 / 3 + 8];
    size_t n = 0, pad = 0;
    if (!xml_attr(attrs, name, &v))
        return false;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.p[i];
        if (c == ' ' || c == '\r' || c == '\n' || c == '\t')
            continue;
        if (n >= sizeof clean - 1 || (pad && c != '=') || c == '-' || c == '_')
            return false;
        clean[n++] = (uint8_t)c;
        pad = c == '=' ? pad + 1 : 0;
    }
    if (n == 0 || n % 4 != 0 || pad > 2)
        return false;
    struct sk_base64 d = {0};
    _Static_assert(sizeof clean < sizeof d.out, "the decoder's buffer holds a whole value");
    if (sk_base64_feed(NULL, &d, NULL, clean, n) != 0 || d.bad || d.used != n / 4 * 3 - pad ||
        d.used > sizeof b->p)
        return false;
    b->len = d.used;
    memcpy(b->p, d.out, b->len);
    return true;
}

static bool attr_hash(const struct sk_xml_tok *attrs, char *name, unsigned *size,
                      const char *key)
{
    struct span v;
    if (!xml_attr(attrs, key, &v) || v.len >= 8)
        return false;
    memcpy(name, v.p, v.len);
    name[v.len] = '\0';
    const EVP_MD *md = md_of(name);
    if (!md)
        return false;
    *size = (unsigned)EVP_MD_get_size(md);
    return true;
}

static bool attr_is(const struct sk_xml_tok *attrs, const char *name, const char *want)
{
    struct span v;
    return xml_attr(attrs, name, &v) && v.len == strlen(want) && memcmp(v.p, want, v.len) == 0;
}

/* The common CipherParams of keyData and encryptedKey: AES-CBC only. */
static int cipher_params(const struct sk_xml_tok *a, unsigned *key_bits, unsigned *block_size,
                         const char **why)
{
    uint32_t bits = 0, block = 0;
    if (!attr_is(a, "cipherAlgorithm", "AES") ||
        !attr_is(a, "cipherChaining", "ChainingModeCBC")) {
        *why = "agile encryption with a cipher other than AES-CBC";
        return SK_EUNSUPPORTED;
    }
    if (!attr_uint(a, "keyBits", 256, &bits) || !attr_uint(a, "blockSize", 64, &block) ||
        (bits != 128 && bits != 192 && bits != 256) || block != 16) {
        *why = "agile encryption with impossible key bits or block size";
        return SK_ECORRUPT;
    }
    *key_bits = bits;
    *block_size = block;
    return 0;
}

static int parse_agile(struct sk_offcrypto *oc, struct span xml, const char **why)
{
    struct sk_xml_tok key_data, integrity, encryptor, key;
    size_t at = 0, next = 0;
    oc->scheme = SK_OC_AGILE;
    *why = "the agile descriptor has no keyData";
    if (!xml_element(xml.p, xml.len, 0, "keyData", &key_data, &next))
        return SK_ECORRUPT;
    int rc = cipher_params(&key_data, &oc->data_key_bits, &oc->data_block_size, why);
    if (rc)
        return rc;
    *why = "the agile keyData is malformed";
    if (!attr_hash(&key_data, oc->data_hash, &oc->data_hash_size, "hashAlgorithm") ||
        !attr_base64(&key_data, "saltValue", &oc->data_salt))
        return SK_ECORRUPT;
    if (xml_element(xml.p, xml.len, 0, "dataIntegrity", &integrity, &next))
        oc->has_integrity = attr_base64(&integrity, "encryptedHmacKey", &oc->hmac_key) &&
                            attr_base64(&integrity, "encryptedHmacValue", &oc->hmac_value);
    /* The password key encryptor: the keyEncryptor whose uri names it. */
    bool found = false;
    while (!found && xml_element(xml.p, xml.len, at, "keyEncryptor", &encryptor, &next)) {
        struct span uri;
        at = next;
        found = xml_attr(&encryptor, "uri", &uri) && uri.len >= 8 &&
                memcmp(uri.p + uri.len - 8, "password", 8) == 0;
    }
    if (!found || !xml_element(xml.p, xml.len, at, "encryptedKey", &key, &next)) {
        *why = "agile encryption without a password key encryptor";
        return SK_EUNSUPPORTED;
    }
    rc = cipher_params(&key, &oc->key_bits, &oc->block_size, why);
    if (rc)
        return rc;
    *why = "the agile encryptedKey is malformed";
    if (!attr_hash(&key, oc->hash, &oc->hash_size, "hashAlgorithm") ||
        !attr_uint(&key, "spinCount", SK_OC_MAX_SPIN, &oc->spin) ||
        !attr_base64(&key, "saltValue", &oc->salt) ||
        !attr_base64(&key, "encryptedVerifierHashInput", &oc->verifier_input) ||
        !attr_base64(&key, "encryptedVerifierHashValue", &oc->verifier_hash) ||
        !attr_base64(&key, "encryptedKeyValue", &oc->key_value) || oc->salt.len < 16 ||
        oc->data_salt.len < 16 || oc->verifier_input.len % 16 || oc->verifier_hash.len % 16 ||
        oc->key_value.len % 16 || oc->key_value.len < oc->data_key_bits / 8)
        return SK_ECORRUPT;
    return 0;
}

int sk_offcrypto_parse(struct sk_offcrypto *oc, const uint8_t *p, size_t n, const char **why)
{
    memset(oc, 0, sizeof *oc);
    struct sk_reader r = sk_reader_make(p, n);
    uint16_t major = sk_reader_u16le(&r), minor = sk_reader_u16le(&r);
    *why = "the encryption header is cut short";
    if (r.err)
        return SK_ECORRUPT;
    if (major == 1 && minor == 1) { /* binary RC4, 2.3.6.1 */
        oc->scheme = SK_OC_RC4;
        snprintf(oc->hash, sizeof oc->hash, "MD5");
        oc->hash_size = 16;
        int rc = take_blob(&r, 16, &oc->salt);
        rc = rc ? rc : take_blob(&r, 16, &oc->verifier_input);
        rc = rc ? rc : take_blob(&r, 16, &oc->verifier_hash);
        return rc;
    }
    if (major == 4 && minor == 4) { /* Agile, 2.3.4.10 */
        sk_reader_skip(&r, 4);      /* Reserved, 0x40 */
        size_t left = sk_reader_left(&r);
        if (r.err || left > MAX_XML) {
            *why = "the agile descriptor is missing or too large";
            return SK_ECORRUPT;
        }
        struct span xml = {(const char *)sk_reader_bytes(&r, left), left};
        return parse_agile(oc, xml, why);
    }
    if ((major == 3 || major == 4) && minor == 3) {
        *why = "extensible encryption (EncryptionInfo 3.3/4.3)";
        return SK_EUNSUPPORTED;
    }
    if (major >= 2 && major <= 4 && minor == 2) {
        sk_reader_skip(&r, 4); /* Flags */
        return parse_cryptoapi(oc, &r, why);
    }
    *why = "an encryption header version Office does not write";
    return SK_EUNSUPPORTED;
}

void sk_offcrypto_xor(struct sk_offcrypto *oc, uint16_t key, uint16_t verifier)
{
    memset(oc, 0, sizeof *oc);
    oc->scheme = SK_OC_XOR;
    oc->xor_key = key;
    oc->xor_verifier = verifier;
}

void sk_offcrypto_describe(const struct sk_offcrypto *oc, char *buf, size_t size)
{
    switch (oc->scheme) {
    case SK_OC_AGILE:
        snprintf(buf, size, "agile (AES-%u, %s, %u spins)", oc->key_bits, oc->hash, oc->spin);
        break;
    case SK_OC_STANDARD:
        snprintf(buf, size, "standard (AES-%u, SHA1, 50000 spins)", oc->key_bits);
        break;
    case SK_OC_RC4_CRYPTOAPI:
        snprintf(buf, size, "RC4 CryptoAPI (%u-bit key, SHA1)", oc->key_bits);
        break;
    case SK_OC_RC4: snprintf(buf, size, "binary RC4 (40-bit key, MD5)"); break;
    case SK_OC_XOR: snprintf(buf, size, "XOR obfuscation (method 1)"); break;
    }
}

void sk_offcrypto_record(const struct sk_offcrypto *oc, struct sk_unpack *u)
{
    static const char *const names[] = {"agile", "standard", "rc4-cryptoapi", "rc4", "xor"};
    sk_unpack_info(u, "encryption", "%s", names[oc->scheme]);
    if (oc->scheme == SK_OC_XOR)
        return;
    if (oc->scheme == SK_OC_AGILE || oc->scheme == SK_OC_STANDARD)
        sk_unpack_info(u, "cipher", "AES-%u-%s",
                       oc->scheme == SK_OC_AGILE ? oc->data_key_bits : oc->key_bits,
                       oc->scheme == SK_OC_AGILE ? "CBC" : "ECB");
    else
        sk_unpack_info(u, "cipher", "RC4-%u", oc->scheme == SK_OC_RC4 ? 40u : oc->key_bits);
    sk_unpack_info(u, "hash", "%s", oc->hash);
    if (oc->spin)
        sk_unpack_info(u, "spin_count", "%u", oc->spin);
}

/* ---- per-candidate key derivation ----------------------------------------------- */

/* H0 = H(salt + password), then spin rounds of H(u32le(i) + H). */
static int spin_hash(const EVP_MD *md, const struct sk_oc_blob *salt, const uint8_t *pw,
                     size_t pw_len, uint32_t spin, struct sk_unpack *u, uint8_t *h)
{
    if (!hash2(md, salt->p, salt->len, pw, pw_len, h))
        return SK_EINTERNAL;
    /* An explicitly fetched digest: EVP_sha512() and the like make every
     * EVP_DigestInit_ex fetch again, which doubled the cost of a spin. */
    EVP_MD *fetched = EVP_MD_fetch(NULL, EVP_MD_get0_name(md), NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t hn = (size_t)EVP_MD_get_size(md);
    int rc = fetched && ctx ? 0 : SK_ENOMEM;
    for (uint32_t i = 0; i < spin && rc == 0; i++) {
        uint8_t it[4] = {(uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16), (uint8_t)(i >> 24)};
        if (!EVP_DigestInit_ex2(ctx, fetched, NULL) || !EVP_DigestUpdate(ctx, it, 4) ||
            !EVP_DigestUpdate(ctx, h, hn) || !EVP_DigestFinal_ex(ctx, h, NULL))
            rc = SK_EINTERNAL;
        else if (u && i % SPIN_CHECK_EVERY == SPIN_CHECK_EVERY - 1 && sk_unpack_expired(u))
            rc = SK_ELIMIT;
    }
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(fetched);
    return rc;
}

/* 2.3.4.11/12: H(base + block) cut to `len` bytes, or padded with 0x36. */
static bool block_derive(const EVP_MD *md, const uint8_t *base, size_t base_len,
                         const uint8_t *block, size_t block_len, size_t len, uint8_t *out)
{
    uint8_t h[EVP_MAX_MD_SIZE];
    if (!hash2(md, base, base_len, block, block_len, h))
        return false;
    size_t hn = (size_t)EVP_MD_get_size(md);
    memset(out, 0x36, len);
    memcpy(out, h, hn < len ? hn : len);
    return true;
}

static int try_agile(struct sk_offcrypto *oc, struct sk_unpack *u, const uint8_t *pw,
                     size_t pw_len)
{
    const EVP_MD *md = md_of(oc->hash);
    uint8_t h[EVP_MAX_MD_SIZE], key[32], iv[16], input[SK_OC_MAX_BLOB], value[SK_OC_MAX_BLOB];
    uint8_t check[EVP_MAX_MD_SIZE];
    size_t hn = oc->hash_size, kn = oc->key_bits / 8;
    int rc = spin_hash(md, &oc->salt, pw, pw_len, oc->spin, u, h);
    if (rc)
        return rc;
    memset(iv, 0x36, sizeof iv);
    memcpy(iv, oc->salt.p, oc->salt.len < 16 ? oc->salt.len : 16);
    if (!block_derive(md, h, hn, block_verifier_input, 8, kn, key) ||
        aes_decrypt(key, kn, iv, oc->verifier_input.p, oc->verifier_input.len, input) ||
        !block_derive(md, h, hn, block_verifier_hash, 8, kn, key) ||
        aes_decrypt(key, kn, iv, oc->verifier_hash.p, oc->verifier_hash.len, value))
        return SK_EINTERNAL;
    size_t salt_size =
        oc->salt.len < oc->verifier_input.len ? oc->salt.len : oc->verifier_input.len;
    if (!hash2(md, input, salt_size, "", 0, check) || oc->verifier_hash.len < hn ||
        memcmp(check, value, hn) != 0)
        return 0;
    if (!block_derive(md, h, hn, block_key_value, 8, kn, key) ||
        aes_decrypt(key, kn, iv, oc->key_value.p, oc->key_value.len, value))
        return SK_EINTERNAL;
    oc->key_len = oc->data_key_bits / 8;
    memcpy(oc->key, value, oc->key_len);
    return 1;
}

static int try_standard(struct sk_offcrypto *oc, struct sk_unpack *u, const uint8_t *pw,
                        size_t pw_len)
{
    const EVP_MD *md = EVP_sha1();
    uint8_t h[EVP_MAX_MD_SIZE], final[EVP_MAX_MD_SIZE], x[40], pad[64];
    uint8_t verifier[16], hash[32], check[EVP_MAX_MD_SIZE];
    static const uint8_t block0[4] = {0, 0, 0, 0};
    int rc = spin_hash(md, &oc->salt, pw, pw_len, oc->spin, u, h);
    if (rc)
        return rc;
    if (!hash2(md, h, 20, block0, 4, final))
        return SK_EINTERNAL;
    /* 2.3.4.7: X1 = SHA1(0x36-pad XOR H), X2 = SHA1(0x5c-pad XOR H). */
    for (int round = 0; round < 2; round++) {
        memset(pad, round ? 0x5c : 0x36, sizeof pad);
        for (int i = 0; i < 20; i++)
            pad[i] ^= final[i];
        if (!hash2(md, pad, sizeof pad, "", 0, x + 20 * round))
            return SK_EINTERNAL;
    }
    size_t kn = oc->key_bits / 8;
    if (aes_decrypt(x, kn, NULL, oc->verifier_input.p, 16, verifier) ||
        aes_decrypt(x, kn, NULL, oc->verifier_hash.p, 32, hash) ||
        !hash2(md, verifier, 16, "", 0, check))
        return SK_EINTERNAL;
    if (memcmp(check, hash, 20) != 0)
        return 0;
    memcpy(oc->key, x, kn);
    oc->key_len = kn;
    return 1;
}

/* The RC4 key of one block (2.3.5.2, 2.3.6.2); out holds 16 bytes. */
static size_t rc4_key(const struct sk_offcrypto *oc, uint32_t block, uint8_t *out)
{
    uint8_t b[4] = {(uint8_t)block, (uint8_t)(block >> 8), (uint8_t)(block >> 16),
                    (uint8_t)(block >> 24)};
    uint8_t h[EVP_MAX_MD_SIZE];
    if (oc->scheme == SK_OC_RC4) {
        hash2(EVP_md5(), oc->key, 5, b, 4, h);
        memcpy(out, h, 16);
        return 16;
    }
    hash2(EVP_sha1(), oc->key, 20, b, 4, h);
    if (oc->key_bits == 40) { /* 40 bits, padded with zeros to 128 */
        memset(out, 0, 16);
        memcpy(out, h, 5);
        return 16;
    }
    memcpy(out, h, oc->key_bits / 8);
    return oc->key_bits / 8;
}

static int try_rc4(struct sk_offcrypto *oc, const uint8_t *pw, size_t pw_len)
{
    uint8_t h[EVP_MAX_MD_SIZE], key[16], verifier[16], hash[20], check[EVP_MAX_MD_SIZE];
    if (oc->scheme == SK_OC_RC4) {
        uint8_t buf[16 * 21];
        if (!hash2(EVP_md5(), pw, pw_len, "", 0, h))
            return SK_EINTERNAL;
        for (int i = 0; i < 16; i++) {
            memcpy(buf + 21 * i, h, 5);
            memcpy(buf + 21 * i + 5, oc->salt.p, 16);
        }
        if (!hash2(EVP_md5(), buf, sizeof buf, "", 0, oc->key))
            return SK_EINTERNAL;
    } else if (!hash2(EVP_sha1(), oc->salt.p, 16, pw, pw_len, oc->key)) {
        return SK_EINTERNAL;
    }
    struct rc4 r;
    rc4_init(&r, key, rc4_key(oc, 0, key));
    memcpy(verifier, oc->verifier_input.p, 16);
    memcpy(hash, oc->verifier_hash.p, oc->hash_size);
    rc4_apply(&r, verifier, 16);
    rc4_apply(&r, hash, oc->hash_size);
    if (!hash2(md_of(oc->hash), verifier, 16, "", 0, check))
        return SK_EINTERNAL;
    return memcmp(check, hash, oc->hash_size) == 0;
}

/* ---- XOR obfuscation method 1 (2.3.7.1-2) ------------------------------------------ */

static const uint16_t xor_initial[15] = {0xE1F0, 0x1D0F, 0xCC9C, 0x84C0, 0x110C,
                                         0x0E10, 0xF1CE, 0x313E, 0x1872, 0xE139,
                                         0xD40F, 0x84F9, 0x280C, 0xA96A, 0x4EC3};
static const uint16_t xor_matrix[105] = {
    0xAEFC, 0x4DD9, 0x9BB2, 0x2745, 0x4E8A, 0x9D14, 0x2A09, 0x7B61, 0xF6C2, 0xFDA5, 0xEB6B,
    0xC6F7, 0x9DCF, 0x2BBF, 0x4563, 0x8AC6, 0x05AD, 0x0B5A, 0x16B4, 0x2D68, 0x5AD0, 0x0375,
    0x06EA, 0x0DD4, 0x1BA8, 0x3750, 0x6EA0, 0xDD40, 0xD849, 0xA0B3, 0x5147, 0xA28E, 0x553D,
    0xAA7A, 0x44D5, 0x6F45, 0xDE8A, 0xAD35, 0x4A4B, 0x9496, 0x390D, 0x721A, 0xEB23, 0xC667,
    0x9CEF, 0x29FF, 0x53FE, 0xA7FC, 0x5FD9, 0x47D3, 0x8FA6, 0x0F6D, 0x1EDA, 0x3DB4, 0x7B68,
    0xF6D0, 0xB861, 0x60E3, 0xC1C6, 0x93AD, 0x377B, 0x6EF6, 0xDDEC, 0x45A0, 0x8B40, 0x06A1,
    0x0D42, 0x1A84, 0x3508, 0x6A10, 0xAA51, 0x4483, 0x8906, 0x022D, 0x045A, 0x08B4, 0x1168,
    0x76B4, 0xED68, 0xCAF1, 0x85C3, 0x1BA7, 0x374E, 0x6E9C, 0x3730, 0x6E60, 0xDCC0, 0xA9A1,
    0x4363, 0x86C6, 0x1DAD, 0x3331, 0x6662, 0xCCC4, 0x89A9, 0x0373, 0x06E6, 0x0DCC, 0x1021,
    0x2042, 0x4084, 0x8108, 0x1231, 0x2462, 0x48C4};
static const uint8_t xor_pad[15] = {0xBB, 0xFF, 0xFF, 0xBA, 0xFF, 0xFF, 0xB9, 0x80,
                                    0x00, 0xBE, 0x0F, 0x00, 0xBF, 0x0F, 0x00};

static uint8_t xor_ror(uint8_t a, uint8_t b)
{
    uint8_t v = a ^ b;
    return (uint8_t)(v >> 1 | v << 7);
}

static uint16_t xor_verifier_step(uint16_t v, uint8_t byte)
{
    uint16_t rotated = (uint16_t)(((v & 0x4000) ? 1 : 0) | ((v << 1) & 0x7FFF));
    return rotated ^ byte;
}

static uint16_t xor_verifier(const uint8_t *pw, size_t n)
{
    uint16_t v = 0;
    for (size_t k = n; k-- > 0;) /* the password backwards, then its length */
        v = xor_verifier_step(v, pw[k]);
    v = xor_verifier_step(v, (uint8_t)n);
    return v ^ 0xCE4B;
}

static uint16_t xor_key_of(const uint8_t *pw, size_t n)
{
    uint16_t key = xor_initial[n - 1];
    int element = 0x68;
    for (size_t k = n; k-- > 0;) {
        uint8_t c = pw[k];
        for (int bit = 0; bit < 7; bit++, element--) {
            if (c & 0x40)
                key ^= xor_matrix[element];
            c = (uint8_t)(c << 1);
        }
    }
    return key;
}

static void xor_array(uint16_t key, const uint8_t *pw, size_t n, uint8_t *out)
{
    uint8_t hi = (uint8_t)(key >> 8), lo = (uint8_t)key;
    int index = (int)n;
    memset(out, 0, 16);
    if (index % 2 == 1) {
        out[index] = xor_ror(xor_pad[0], hi);
        index--; /* now n - 1, the last character */
        out[index] = xor_ror(pw[index], lo);
    }
    while (index > 0) {
        index--;
        out[index] = xor_ror(pw[index], hi);
        index--;
        out[index] = xor_ror(pw[index], lo);
    }
    index = 15;
    for (int pad = 15 - (int)n; pad > 0; pad -= 2, index -= 2) {
        out[index] = xor_ror(xor_pad[pad], hi);
        out[index - 1] = xor_ror(xor_pad[pad - 1], lo);
    }
}

static int try_xor(struct sk_offcrypto *oc, const uint8_t *pw16, size_t pw_len)
{
    /* 2.3.7.4: each UTF-16 unit becomes its low byte, or its high byte
     * when the low one is zero; at most 15 characters. */
    uint8_t pw[15];
    size_t n = pw_len / 2;
    if (n == 0 || n > 15)
        return 0;
    struct sk_reader units = sk_reader_make(pw16, pw_len);
    for (size_t k = 0; k < n; k++) {
        uint16_t unit = sk_reader_u16le(&units);
        pw[k] = (uint8_t)(unit & 0xFF ? unit : unit >> 8);
    }
    if (xor_verifier(pw, n) != oc->xor_verifier)
        return 0;
    uint16_t key = xor_key_of(pw, n);
    if (key != oc->xor_key)
        return 0;
    xor_array(key, pw, n, oc->xor_array);
    return 1;
}

int sk_offcrypto_try(struct sk_offcrypto *oc, struct sk_unpack *u, const char *password,
                     size_t len)
{
    uint8_t pw[2 * MAX_PASSWORD_UNITS];
    long n = utf16le(password, len, pw);
    if (n < 0)
        return 0;
    switch (oc->scheme) {
    case SK_OC_AGILE: return try_agile(oc, u, pw, (size_t)n);
    case SK_OC_STANDARD: return try_standard(oc, u, pw, (size_t)n);
    case SK_OC_RC4_CRYPTOAPI:
    case SK_OC_RC4: return try_rc4(oc, pw, (size_t)n);
    case SK_OC_XOR: return try_xor(oc, pw, (size_t)n);
    }
    return SK_EINTERNAL;
}

/* ---- decryption ---------------------------------------------------------------------- */

int sk_offcrypto_segment(const struct sk_offcrypto *oc, uint32_t index, const uint8_t *in,
                         size_t n, uint8_t *out)
{
    if (oc->scheme == SK_OC_STANDARD)
        return aes_decrypt(oc->key, oc->key_len, NULL, in, n, out);
    uint8_t iv[16], b[4] = {(uint8_t)index, (uint8_t)(index >> 8), (uint8_t)(index >> 16),
                            (uint8_t)(index >> 24)};
    if (!block_derive(md_of(oc->data_hash), oc->data_salt.p, oc->data_salt.len, b, 4, 16, iv))
        return SK_EINTERNAL;
    return aes_decrypt(oc->key, oc->key_len, iv, in, n, out);
}

int sk_offcrypto_check_integrity(const struct sk_offcrypto *oc, const uint8_t *p, size_t n)
{
    const EVP_MD *md = md_of(oc->data_hash);
    uint8_t iv[16], key[SK_OC_MAX_BLOB], value[SK_OC_MAX_BLOB], mac[EVP_MAX_MD_SIZE];
    size_t hn = oc->data_hash_size;
    if (oc->scheme != SK_OC_AGILE || !oc->has_integrity || !md)
        return SK_EUNSUPPORTED;
    if (oc->hmac_key.len < hn || oc->hmac_value.len < hn)
        return 0;
    if (!block_derive(md, oc->data_salt.p, oc->data_salt.len, block_hmac_key, 8, 16, iv) ||
        aes_decrypt(oc->key, oc->key_len, iv, oc->hmac_key.p, oc->hmac_key.len, key) ||
        !block_derive(md, oc->data_salt.p, oc->data_salt.len, block_hmac_value, 8, 16, iv) ||
        aes_decrypt(oc->key, oc->key_len, iv, oc->hmac_value.p, oc->hmac_value.len, value))
        return 0; /* not whole blocks: it cannot match */
    unsigned mac_len = 0;
    if (!HMAC(md, key, (int)hn, p, n, mac, &mac_len))
        return SK_EINTERNAL;
    return mac_len == hn && memcmp(mac, value, hn) == 0;
}

int sk_offcrypto_rc4_block(const struct sk_offcrypto *oc, uint32_t block, uint8_t *p, size_t n)
{
    uint8_t key[16];
    struct rc4 r;
    rc4_init(&r, key, rc4_key(oc, block, key));
    rc4_apply(&r, p, n);
    return 0;
}

int sk_offcrypto_rc4_stream(const struct sk_offcrypto *oc, uint8_t *p, size_t n,
                            size_t block_size)
{
    for (size_t at = 0, block = 0; at < n; at += block_size, block++) {
        size_t k = n - at < block_size ? n - at : block_size;
        sk_offcrypto_rc4_block(oc, (uint32_t)block, p + at, k);
    }
    return 0;
}
