/* RAR 5.0 header walk: which members an archive holds and which of them are
 * encrypted, read with the bounded reader (no library, no allocation).
 *
 * libarchive 3.6 lists a RAR5 member whose data is encrypted as a plain one
 * and then fails on its ciphertext ("Unsupported block header size"); the
 * archive unpacker walks the headers itself first (unpackers/archive.c) and
 * asks libarchive only for the plain members. The encryption parameters are
 * kept so that a password trial (PBKDF2-HMAC-SHA256 and the check value) can
 * be added here later. Pure functions over bytes: fuzzed as `rar5`. */
#ifndef SK_RAR5_H
#define SK_RAR5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/reader.h"

#define SK_RAR5_SALT 16
#define SK_RAR5_IV 16
#define SK_RAR5_CHECK 12 /* 8 bytes of check value, then 4 of its checksum */

/* Header types (the technote's "Header type"), and the common header
 * flags, shared with unpackers/rar5crypt.c. */
#define SK_RAR5_HEAD_MAIN 1u
#define SK_RAR5_HEAD_FILE 2u
#define SK_RAR5_HEAD_SERVICE 3u
#define SK_RAR5_HEAD_CRYPT 4u
#define SK_RAR5_HEAD_END 5u
#define SK_RAR5_HFL_EXTRA 0x0001u
#define SK_RAR5_HFL_DATA 0x0002u
#define SK_RAR5_HFL_SPLIT_BEFORE 0x0008u
#define SK_RAR5_HFL_SPLIT_AFTER 0x0010u
#define SK_RAR5_FHFL_UTIME 0x0002u
#define SK_RAR5_FHFL_CRC32 0x0004u
#define SK_RAR5_FHFL_UNPUNKNOWN 0x0008u
#define SK_RAR5_EXTRA_CRYPT 0x01u
#define SK_RAR5_EXTRA_HASH 0x02u
/* A header's size at most (the technote's own bound). */
#define SK_RAR5_MAX_HEADER (2u * 1024u * 1024u)

/* An encryption record: the file encryption record of a file header, or
 * the archive encryption header when the headers themselves are encrypted. */
struct sk_rar5_crypt {
    unsigned version;  /* 0: AES-256 (the only one the format defines) */
    unsigned kdf_log2; /* PBKDF2 iterations = 1 << kdf_log2 */
    bool has_check;    /* check value present */
    bool tweaked;      /* checksums are HMAC'd with the key (file records only) */
    uint8_t salt[SK_RAR5_SALT];
    uint8_t iv[SK_RAR5_IV]; /* file records only */
    uint8_t check[SK_RAR5_CHECK];
};

/* One file header, as the archive describes it. */
struct sk_rar5_file {
    const uint8_t *name; /* UTF-8, not NUL-terminated; points into the archive */
    size_t name_len;
    uint64_t unpacked_size; /* meaningless when size_unknown */
    bool size_unknown;
    size_t data_offset; /* the data area, inside the archive bytes */
    uint64_t packed_size;
    bool directory;
    bool link;       /* a redirection record: nothing to read */
    bool solid;      /* its data continues the previous member's window */
    unsigned method; /* 0 = stored */
    bool has_crc;
    uint32_t crc;
    bool encrypted;
    struct sk_rar5_crypt crypt; /* when encrypted */
};

struct sk_rar5_walk {
    struct sk_reader r;
    unsigned headers;                  /* headers read, against SK_RAR5_MAX_HEADERS */
    bool done;                         /* the end-of-archive header was read */
    bool solid;                        /* the main header's solid flag */
    int err;                           /* the first error, sticky */
    const char *why;                   /* what it was, static text */
    struct sk_rar5_crypt header_crypt; /* when sk_rar5_open says SK_EENCRYPTED */
};

/* Bounds the walk whatever the input (each header is at least 7 bytes, so
 * the input's length bounds it too). */
#define SK_RAR5_MAX_HEADERS 1000000u

/* A RAR5 variable-length integer (7 bits a byte, low first, at most 10
 * bytes): the value, or 0 with r->err set. */
uint64_t sk_rar5_vint(struct sk_reader *r);

/* The fields of a file encryption record (its type already read) or of
 * an archive encryption header's body into c: 0 or SK_ECORRUPT. */
int sk_rar5_read_crypt(struct sk_reader *rec, struct sk_rar5_crypt *c);
int sk_rar5_read_archive_crypt(struct sk_reader *body, struct sk_rar5_crypt *c);

/* True when the bytes start with the RAR 5.0 signature. */
bool sk_rar5_signature(const uint8_t *p, size_t len);

/* Checks the signature and reads the main archive header. 0; SK_EUNSUPPORTED
 * (no signature at offset 0, e.g. a self-extractor, or a multi-volume
 * archive: left to libarchive); SK_EENCRYPTED (the headers are encrypted:
 * header_crypt holds the salt and check value, nothing can be listed);
 * SK_ECORRUPT (why says what). */
int sk_rar5_open(struct sk_rar5_walk *w, const uint8_t *p, size_t len);

/* The next file header, skipping service headers: 0, SK_DONE after the
 * end-of-archive header (bytes after it are not read), SK_ECORRUPT (a
 * member marked split across volumes included) or SK_ELIMIT (why says
 * what). Errors are sticky. */
int sk_rar5_next(struct sk_rar5_walk *w, struct sk_rar5_file *f);

#endif
