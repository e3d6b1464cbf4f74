/* RAR 3.x/4.x encryption: the key derivation, AES-128-CBC, and a rewrite
 * of an archive with encrypted members into a plain one that libarchive
 * reads.
 *
 * libarchive 3.6 sees RAR4's encrypted flag but cannot decrypt. RAR4 keeps
 * no check value: a candidate is right only when the decrypted member's
 * CRC32 matches (a stored member's here, a compressed one's through the
 * caller's verifier, which decompresses a one-member plain archive). The
 * archive unpacker (unpackers/archive.c) asks for a copy of the archive
 * with the members it found keys for decrypted, their password and salt
 * flags cleared and the header CRCs recomputed, and reads that copy as any
 * plain archive. Pure functions over bytes plus OpenSSL: fuzzed as `rar4`. */
#ifndef SK_RAR4CRYPT_H
#define SK_RAR4CRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/dynbuf.h"

#define SK_RAR4_SALT 8u

/* unrar's SetKey30 hashes the UTF-16LE password and the salt with a SHA-1
 * variant that writes its message schedule back into the input when one
 * call holds a whole 64-byte block, so for passwords over 28 UTF-16 units
 * with a salt its key differs from standard SHA-1's: those candidates are
 * refused (SK_EUNSUPPORTED), never given a wrong key. */
#define SK_RAR4_MAX_RAW 64u

struct sk_rar4_key {
    uint8_t key[16];
    uint8_t iv[16];
};

/* The AES-128 key and IV of the UTF-8 password pw[0..len) with the 8-byte
 * salt (NULL: none), as unrar's SetKey30: 0x40000 SHA-1 rounds. 0;
 * SK_EUNSUPPORTED (invalid UTF-8, or over SK_RAR4_MAX_RAW bytes with the
 * salt); SK_ENOMEM; SK_EINTERNAL (OpenSSL). */
int sk_rar4_derive(const char *pw, size_t len, const uint8_t *salt, struct sk_rar4_key *k);

/* AES-128-CBC without padding, n a multiple of 16; out may equal in. */
int sk_rar4_decrypt(const struct sk_rar4_key *k, const uint8_t *in, size_t n, uint8_t *out);

/* "Rar!\x1a\x07\x00" at the start. */
bool sk_rar4_signature(const uint8_t *p, size_t len);

/* Decompresses member `index` of the plain archive p[0..len) and says
 * whether it has unpacked_size bytes with CRC32 crc: 1 yes, 0 no, <0 an
 * error that ends the trial (SK_ENOMEM). */
typedef int (*sk_rar4_verify_fn)(void *ctx, const uint8_t *p, size_t len, unsigned index,
                                 uint64_t unpacked_size, uint32_t crc);

/* A member the rewrite decrypted: its file header's place among the file
 * headers (libarchive's entry index) and the candidate that opened it. */
struct sk_rar4_opened {
    unsigned file_index;
    size_t candidate;
};

#define SK_RAR4_KEY_CACHE 32
#define SK_RAR4_MAX_HEADERS 65536u

struct sk_rar4_rewrite {
    const char *const *values; /* candidates, UTF-8, lengths[i] bytes each */
    const size_t *lengths;
    size_t n;
    uint64_t deadline_ns; /* CLOCK_MONOTONIC, 0 = none; checked before each derivation */
    uint32_t kdf_rounds;  /* 0: RAR's 0x40000; the fuzzer's fewer (a multiple of 16) */
    sk_rar4_verify_fn verify; /* compressed members; NULL: they stay encrypted */
    void *verify_ctx;
    struct sk_dynbuf *out;    /* the plain archive (capped by its caller) */
    struct sk_dynbuf *opened; /* struct sk_rar4_opened, one per decrypted member */
    unsigned undecided;       /* encrypted members left as they were */
    unsigned solid_unopened;  /* ... of which flagged solid (not tried) */
    bool expired;             /* the deadline passed during the trial */
    bool headers_encrypted;   /* main header flag MHD_PASSWORD (rar -hp) */
    bool headers_opened;      /* ... and header_candidate decrypted them */
    size_t header_candidate;
    const char *why;          /* what was wrong, on SK_ECORRUPT / SK_EUNSUPPORTED */
    struct {
        uint8_t salt[SK_RAR4_SALT];
        bool salted;
        size_t index;
        int rc; /* 0 or the derivation's refusal */
        struct sk_rar4_key key;
    } cache[SK_RAR4_KEY_CACHE];
    size_t cached;
};

/* Rewrites the RAR4 p[0..len) (signature at 0) into rw->out: each
 * encrypted member that a candidate opens (its CRC32 proven) decrypted, a
 * stored one cut to its unpacked size; the others copied as they are.
 * Encrypted headers (rar -hp) are decrypted with the first candidate whose
 * key gives the first one a matching header CRC (rw->headers_opened).
 * 0; SK_EENCRYPTED when the headers are encrypted and no candidate opens
 * them (rw->headers_encrypted); SK_ELIMIT (the output cap); SK_ECORRUPT,
 * SK_EUNSUPPORTED (rw->why); SK_ENOMEM, SK_EINTERNAL. Bounded: at most
 * SK_RAR4_MAX_HEADERS headers, each inside the input. */
int sk_rar4_rewrite(const uint8_t *p, size_t len, struct sk_rar4_rewrite *rw);

#endif
