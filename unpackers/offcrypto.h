/* Office document encryption ([MS-OFFCRYPTO]): the encryption headers, the
 * per-candidate key derivation and verifier check, and the decryption of
 * the ciphers each format uses. Pure functions over buffers: office_crypt.c
 * finds the headers and streams of each application and hands their bytes
 * here.
 *
 * Schemes: ECMA-376 Agile (2.3.4.10-13) and Standard (2.3.4.5-9) for OOXML
 * packages; RC4 CryptoAPI (2.3.5) and binary RC4 (2.3.6) for .doc, .xls
 * and .ppt; XOR obfuscation method 1 (2.3.7.1-3) for .xls. */
#ifndef SK_OFFCRYPTO_H
#define SK_OFFCRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/reader.h"
#include "../engine/unpack.h"

enum sk_oc_scheme {
    SK_OC_AGILE,
    SK_OC_STANDARD,
    SK_OC_RC4_CRYPTOAPI,
    SK_OC_RC4,
    SK_OC_XOR,
};

#define SK_OC_MAX_SALT 64u  /* bytes of a salt or IV seed */
#define SK_OC_MAX_BLOB 128u /* bytes of an encrypted verifier, hash or key */
#define SK_OC_MAX_SPIN 10000000u /* MS-OFFCRYPTO 2.3.4.11: spinCount <= 10,000,000 */
#define SK_OC_SEGMENT 4096u      /* an ECMA-376 package segment */

struct sk_oc_blob {
    uint8_t p[SK_OC_MAX_BLOB];
    size_t len;
};

/* One document's encryption parameters, and once a candidate opened it, the
 * key material that decrypts it. No allocation: everything is inline. */
struct sk_offcrypto {
    enum sk_oc_scheme scheme;
    /* Agile: the password key encryptor. Standard and RC4: the verifier. */
    char hash[8];        /* "SHA1", "SHA256", "SHA384", "SHA512", "MD5" */
    unsigned hash_size;  /* bytes */
    unsigned key_bits;   /* of the password-derived key */
    unsigned block_size; /* cipher block, bytes */
    uint32_t spin;       /* hash iterations */
    struct sk_oc_blob salt, verifier_input, verifier_hash, key_value;
    /* Agile: keyData (the package key) and dataIntegrity. */
    char data_hash[8];
    unsigned data_hash_size, data_key_bits, data_block_size;
    struct sk_oc_blob data_salt, hmac_key, hmac_value;
    bool has_integrity;
    /* XOR: the FilePass key and verifier. */
    uint16_t xor_key, xor_verifier;
    /* After a successful sk_offcrypto_try: */
    uint8_t key[64];      /* Agile/Standard: the package key; RC4: the base hash */
    size_t key_len;
    uint8_t xor_array[16];
};

/* Parses an EncryptionInfo stream (OOXML: Agile 4.4, Standard 3.2/4.2) or
 * a binary document's encryption header (RC4 1.1, RC4 CryptoAPI 2.2/3.2/
 * 4.2, as in the Word table stream, FilePass, CryptSession10Container).
 * Returns 0, SK_ECORRUPT or SK_EUNSUPPORTED with *why set (static text). */
int sk_offcrypto_parse(struct sk_offcrypto *oc, const uint8_t *p, size_t n, const char **why);

/* Sets up XOR obfuscation from a FilePass XORObfuscation (MS-XLS 2.5.343). */
void sk_offcrypto_xor(struct sk_offcrypto *oc, uint16_t key, uint16_t verifier);

/* Derives the key from one candidate (UTF-8) and checks the verifier:
 * 1 it opens the document (oc->key is set), 0 it does not, SK_ELIMIT (u's
 * deadline passed during a long derivation; u may be NULL), SK_ENOMEM or
 * SK_EINTERNAL. The costly step runs once per candidate. */
int sk_offcrypto_try(struct sk_offcrypto *oc, struct sk_unpack *u, const char *password,
                     size_t len);

/* "agile (AES-256, SHA512, 100000 spins)" and the like, into buf. */
void sk_offcrypto_describe(const struct sk_offcrypto *oc, char *buf, size_t size);

/* Records the scheme on the container's "info": encryption (agile,
 * standard, rc4-cryptoapi, rc4, xor), cipher ("AES-256-CBC", "RC4-40"),
 * hash and spin_count. */
void sk_offcrypto_record(const struct sk_offcrypto *oc, struct sk_unpack *u);

/* Agile/Standard: decrypts segment `index` of an EncryptedPackage (the
 * bytes after its 8-byte size), n a multiple of 16, into out (n bytes).
 * 0, SK_ECORRUPT (n not whole blocks) or SK_EINTERNAL. */
int sk_offcrypto_segment(const struct sk_offcrypto *oc, uint32_t index, const uint8_t *in,
                         size_t n, uint8_t *out);

/* Agile: checks the dataIntegrity HMAC over the whole EncryptedPackage
 * stream. 1 it matches, 0 it does not, SK_EUNSUPPORTED (no dataIntegrity or
 * an unknown hash), SK_ENOMEM or SK_EINTERNAL. */
int sk_offcrypto_check_integrity(const struct sk_offcrypto *oc, const uint8_t *p, size_t n);

/* RC4 (CryptoAPI or binary): decrypts p[0..n) in place as a stream that
 * starts at block 0 and is re-keyed every block_size bytes (MS-DOC
 * 2.2.6.2-3: 0x200; MS-XLS 2.2.10: 0x400). */
int sk_offcrypto_rc4_stream(const struct sk_offcrypto *oc, uint8_t *p, size_t n,
                            size_t block_size);

/* RC4: decrypts p[0..n) in place with the key of one block number, from the
 * start of its key stream (a PowerPoint persist object, MS-PPT 2.3.7). */
int sk_offcrypto_rc4_block(const struct sk_offcrypto *oc, uint32_t block, uint8_t *p, size_t n);

#endif
