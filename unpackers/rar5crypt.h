/* RAR 5.0 encryption: password trial by the check value, AES-256-CBC, and a
 * rewrite of an encrypted archive into a plain one that libarchive reads.
 *
 * libarchive 3.6 cannot decrypt RAR5. The archive unpacker
 * (unpackers/archive.c) asks this module for the password of each
 * encryption record (the archive encryption header of `-hp` archives, each
 * member's file encryption record), then for a copy of the archive with the
 * headers decrypted, the members it has keys for decrypted, their
 * encryption records dropped and the header CRC32s recomputed. libarchive
 * reads that copy as it reads any plain archive (solid ones included).
 * Checksums that the key turned into a MAC are dropped from the copy and
 * verified here against the decompressed bytes instead. Pure functions over
 * bytes plus OpenSSL: fuzzed as `rar5`. */
#ifndef SK_RAR5CRYPT_H
#define SK_RAR5CRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/dynbuf.h"
#include "rar5.h"

/* RAR writes 2^15 PBKDF2-HMAC-SHA256 rounds (about 25 ms here); unrar
 * accepts up to 2^24 (about 12 s, past the request's deadline in one
 * derivation that cannot be interrupted). 2^20 (under a second) bounds
 * what one candidate costs; a record asking for more is refused
 * (SK_EUNSUPPORTED), never run. */
#define SK_RAR5_MAX_KDF_LOG2 20u

struct sk_rar5_keys {
    uint8_t key[32];      /* AES-256 key: PBKDF2 with 2^kdf rounds */
    uint8_t hash_key[32]; /* MAC key for checksums: 2^kdf + 16 rounds */
};

/* Password candidates and what has been learnt about them. A record whose
 * salt and KDF count match an earlier one has the same answer: it is looked
 * up, not derived again (RAR reuses one salt for the members it adds in one
 * run). */
#define SK_RAR5_TRIAL_CACHE 8
struct sk_rar5_trial {
    const char *const *values; /* UTF-8, lengths[i] bytes each */
    const size_t *lengths;
    size_t n;
    uint64_t deadline_ns; /* CLOCK_MONOTONIC, 0 = none; checked before each candidate */
    unsigned max_kdf_log2; /* 0: SK_RAR5_MAX_KDF_LOG2; lower for the fuzzer */
    struct {
        uint8_t salt[SK_RAR5_SALT];
        uint8_t check[SK_RAR5_CHECK];
        unsigned kdf_log2;
        bool found;
        size_t index;
        struct sk_rar5_keys keys;
    } cache[SK_RAR5_TRIAL_CACHE];
    size_t cached; /* entries filled; the next goes to cached % SK_RAR5_TRIAL_CACHE */
};

/* Finds the candidate that the record's check value proves right: 0 with
 * *index and *keys; SK_DONE when none is; SK_ELIMIT when the deadline
 * passed first; SK_EUNSUPPORTED for a record without a (valid) check value,
 * of an unknown version, or asking for more than 2^SK_RAR5_MAX_KDF_LOG2
 * (or 2^max_kdf_log2) rounds; SK_EINTERNAL when OpenSSL fails. */
int sk_rar5_find_password(struct sk_rar5_trial *t, const struct sk_rar5_crypt *c, size_t *index,
                          struct sk_rar5_keys *keys);

/* The checksum RAR stores for an encrypted member whose record says
 * `tweaked`: the CRC32 passed through HMAC-SHA256 keyed with hash_key. */
uint32_t sk_rar5_crc_mac(const uint8_t hash_key[32], uint32_t crc);

/* AES-256-CBC without padding, n a multiple of 16; out may equal in.
 * 0 or SK_EINTERNAL. */
int sk_rar5_decrypt(const uint8_t key[32], const uint8_t iv[16], const uint8_t *in, size_t n,
                    uint8_t *out);

/* A member the rewrite decrypted: its file header's place among the file
 * headers (libarchive's entry index), the candidate that opened it, and the
 * checksum libarchive can no longer check. */
struct sk_rar5_opened {
    unsigned file_index;
    size_t candidate;
    bool has_crc; /* crc is the stored CRC32 (a MAC when tweaked) */
    bool tweaked;
    uint32_t crc;
    uint8_t hash_key[32];
};

/* Decides each encryption record's key while rewriting. */
struct sk_rar5_rewrite {
    struct sk_rar5_trial *trial;
    struct sk_dynbuf *out;    /* the plain archive (capped by its caller) */
    struct sk_dynbuf *opened; /* struct sk_rar5_opened, one per decrypted member */
    size_t header_candidate;  /* what opened the headers, when they were encrypted */
    bool headers_opened;
    unsigned undecided; /* encrypted members left as they were (no key, or the deadline) */
    unsigned unsupported; /* ... of which the record could not be tried (see
                           * sk_rar5_find_password's SK_EUNSUPPORTED) */
    bool expired;       /* the deadline passed during the trial */
    const char *why;    /* what was wrong, on SK_ECORRUPT / SK_EUNSUPPORTED */
};

/* Rewrites the archive p[0..len) (a RAR5 with its signature at 0) into
 * rw->out: headers decrypted with the candidate that the archive
 * encryption header proves right, each encrypted member decrypted with its
 * own, its encryption record and MAC'd checksums dropped, a stored
 * member's data cut to its unpacked size (AES pads it to 16 bytes). A
 * member no candidate fits is copied as it is, still encrypted.
 * 0; SK_DONE when the headers are encrypted and no candidate opens them;
 * SK_ELIMIT (the output cap); SK_ECORRUPT, SK_EUNSUPPORTED (rw->why);
 * SK_ENOMEM, SK_EINTERNAL. Bounded: at most SK_RAR5_MAX_HEADERS headers,
 * each inside the input and at most 2 MiB. */
int sk_rar5_rewrite(const uint8_t *p, size_t len, struct sk_rar5_rewrite *rw);

#endif
