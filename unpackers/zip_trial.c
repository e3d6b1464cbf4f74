/* Finding which password candidate opens an encrypted ZIP member, with the
 * archive parsed once.
 *
 * Spec: PKWARE APPNOTE.TXT 6.3.x: 4.3.7 local file header, 4.3.12 central
 * directory header, 4.3.14-4.3.16 ZIP64 and classic end of central directory
 * records, 4.4.4 general purpose bit flag (bit 0 encrypted, bit 3 data
 * descriptor, bit 6 strong encryption, bit 13 masked local header), 4.5.3
 * ZIP64 extra field, 6.1 traditional PKWARE encryption (ZipCrypto). WinZip
 * "AES Encryption Information: AE-1 and AE-2" 1.04 (extra field 0x9901,
 * PBKDF2-HMAC-SHA1 with 1000 iterations, AES-CTR with a little-endian
 * counter from 1, a 10-byte HMAC-SHA1 code over the encrypted data).
 * RFC 8018 section 5.2 (PBKDF2).
 *
 * Supports: ZipCrypto and AES-128/192/256 (AE-1 and AE-2) over stored and
 * deflated members, ZIP64 sizes and offsets. Members of other methods are
 * not decompressed here: AES is proven by the verifier and the
 * authentication code, ZipCrypto passes its check byte only, and
 * sk_zip_decrypt_member makes the decrypted plain copy a decompressing
 * reader proves (or rejects) by its CRC-32.
 * Refuses: PKWARE strong encryption (bit 6) and masked headers (bit 13),
 * multi-volume bookkeeping (ignored:
 * everything is looked for in the one buffer), prefixed (self-extracting)
 * archives whose central directory offset is not where the record says.
 *
 * Per candidate only the key derivation is redone; the cheap check comes
 * first: the ZipCrypto check byte (1 wrong candidate in 256 passes) or the
 * AES 2-byte verifier (1 in 65,536), computed from the one PBKDF2 block that
 * holds it. Neither ends the search: a candidate is accepted only when the
 * whole member decrypts, decompresses to its declared size and matches its
 * CRC-32 (ZipCrypto, AE-1) and, for AES, its authentication code.
 *
 * Limits: the central directory is parsed up to max_entries; every length
 * from the input is checked against what remains before use; allocation is a
 * fixed set of chunk buffers, never sized by the input (but for the plain
 * copy: the member's compressed size, which lies inside the archive, plus
 * its headers); inflated bytes per verification are bounded by the
 * caller's budget and by the declared size; the deadline is checked before
 * each candidate. */
#include "zip_trial.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../engine/error.h"
#include "../engine/job.h"
#include "../engine/limits.h"
#include "../engine/reader.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOCATOR64 0x07064b50u
#define EOCD_BYTES 22u
#define LOCATOR64_BYTES 20u
#define CENTRAL_BYTES 46u
#define MAX_COMMENT 65535u

#define FLAG_ENCRYPTED 0x0001u
#define FLAG_DESCRIPTOR 0x0008u
#define FLAG_STRONG 0x0040u
#define FLAG_MASKED 0x2000u

#define METHOD_STORED 0u
#define METHOD_DEFLATE 8u
#define METHOD_AES 99u
#define EXTRA_ZIP64 0x0001u
#define EXTRA_AES 0x9901u

#define ZIPCRYPTO_HEADER 12u
#define AES_VERIFIER 2u
#define AES_AUTH 10u
#define AES_ITERATIONS 1000
#define AES_MAX_KEY 32u
#define SHA1_BYTES 20u
#define CHUNK (64u * 1024u) /* a multiple of the AES block */

struct sk_zip_entry {
    const uint8_t *name; /* central directory's */
    size_t name_len;
    const uint8_t *extra;
    size_t extra_len;
    uint64_t local_offset;
    uint64_t compressed;
    uint64_t uncompressed;
    uint32_t crc;
    uint16_t flags;
    uint16_t method;
};

struct sk_zip_index {
    const uint8_t *zip;
    size_t len;
    struct sk_zip_entry *entries; /* central directory order */
    size_t n_entries;
    size_t *order; /* libarchive's order: indexes into entries */
    size_t n_order;
};

/* ---- The index ------------------------------------------------------- */

/* The extra field `id` as a sub-reader; false when absent. */
static bool find_extra(const uint8_t *extra, size_t len, uint16_t id, struct sk_reader *field)
{
    struct sk_reader r = sk_reader_make(extra, len);
    while (sk_reader_left(&r) >= 4) {
        uint16_t tag = sk_reader_u16le(&r);
        uint16_t size = sk_reader_u16le(&r);
        struct sk_reader sub = sk_reader_sub(&r, size);
        if (sub.err)
            return false;
        if (tag == id) {
            *field = sub;
            return true;
        }
    }
    return false;
}

/* The last end-of-central-directory signature whose comment fits. */
static int find_eocd(const uint8_t *zip, size_t len, size_t *at)
{
    if (len < EOCD_BYTES)
        return SK_ECORRUPT;
    struct sk_reader r = sk_reader_make(zip, len);
    size_t last = len - EOCD_BYTES;
    size_t lowest = last > MAX_COMMENT ? last - MAX_COMMENT : 0;
    for (size_t pos = last + 1; pos-- > lowest;) {
        if (!sk_reader_match(&r, pos, "PK\5\6", 4))
            continue;
        size_t comment = sk_reader_u16le_at(&r, pos + 20);
        if (comment <= last - pos) {
            *at = pos;
            return 0;
        }
    }
    return SK_ECORRUPT;
}

struct directory {
    uint64_t count;
    uint64_t size;
    uint64_t offset;
};

/* APPNOTE 4.3.14-4.3.15: the locator sits just before the classic record. */
static int read_eocd64(const uint8_t *zip, size_t len, size_t eocd_at, struct directory *d)
{
    if (eocd_at < LOCATOR64_BYTES)
        return SK_ECORRUPT;
    struct sk_reader r = sk_reader_make(zip, len);
    sk_reader_seek(&r, eocd_at - LOCATOR64_BYTES);
    uint32_t sig = sk_reader_u32le(&r);
    sk_reader_skip(&r, 4);
    uint64_t record = sk_reader_u64le(&r);
    if (r.err || sig != SIG_LOCATOR64 || record > len)
        return SK_ECORRUPT;
    sk_reader_seek(&r, (size_t)record);
    sig = sk_reader_u32le(&r);
    sk_reader_skip(&r, 8 + 2 + 2 + 4 + 4 + 8); /* size, versions, disks, count here */
    d->count = sk_reader_u64le(&r);
    d->size = sk_reader_u64le(&r);
    d->offset = sk_reader_u64le(&r);
    return r.err || sig != SIG_EOCD64 ? SK_ECORRUPT : 0;
}

static int read_eocd(const uint8_t *zip, size_t len, struct directory *d)
{
    size_t at;
    int rc = find_eocd(zip, len, &at);
    if (rc != 0)
        return rc;
    struct sk_reader r = sk_reader_make(zip, len);
    sk_reader_seek(&r, at + 4 + 2 + 2 + 2); /* signature, disk, directory's disk */
    uint16_t count = sk_reader_u16le(&r);
    uint32_t size = sk_reader_u32le(&r);
    uint32_t offset = sk_reader_u32le(&r);
    if (r.err)
        return SK_ECORRUPT;
    if (count == 0xFFFFu || size == 0xFFFFFFFFu || offset == 0xFFFFFFFFu)
        return read_eocd64(zip, len, at, d);
    d->count = count;
    d->size = size;
    d->offset = offset;
    return 0;
}

/* APPNOTE 4.5.3: the ZIP64 field holds, in order, only the values whose
 * classic field is 0xFFFFFFFF. */
static int apply_zip64(struct sk_zip_entry *e)
{
    bool wide_uncompressed = e->uncompressed == 0xFFFFFFFFu;
    bool wide_compressed = e->compressed == 0xFFFFFFFFu;
    bool wide_offset = e->local_offset == 0xFFFFFFFFu;
    if (!wide_uncompressed && !wide_compressed && !wide_offset)
        return 0;
    struct sk_reader field;
    if (!find_extra(e->extra, e->extra_len, EXTRA_ZIP64, &field))
        return SK_ECORRUPT;
    if (wide_uncompressed)
        e->uncompressed = sk_reader_u64le(&field);
    if (wide_compressed)
        e->compressed = sk_reader_u64le(&field);
    if (wide_offset)
        e->local_offset = sk_reader_u64le(&field);
    return field.err ? SK_ECORRUPT : 0;
}

/* APPNOTE 4.3.12. */
static int read_central(struct sk_reader *r, struct sk_zip_entry *e)
{
    uint32_t sig = sk_reader_u32le(r);
    sk_reader_skip(r, 4); /* versions */
    e->flags = sk_reader_u16le(r);
    e->method = sk_reader_u16le(r);
    sk_reader_skip(r, 4); /* time, date */
    e->crc = sk_reader_u32le(r);
    e->compressed = sk_reader_u32le(r);
    e->uncompressed = sk_reader_u32le(r);
    uint16_t name_len = sk_reader_u16le(r);
    uint16_t extra_len = sk_reader_u16le(r);
    uint16_t comment_len = sk_reader_u16le(r);
    sk_reader_skip(r, 2 + 2 + 4); /* disk, internal and external attributes */
    e->local_offset = sk_reader_u32le(r);
    e->name = sk_reader_bytes(r, name_len);
    e->name_len = name_len;
    e->extra = sk_reader_bytes(r, extra_len);
    e->extra_len = extra_len;
    sk_reader_skip(r, comment_len);
    if (r->err || sig != SIG_CENTRAL)
        return SK_ECORRUPT;
    return apply_zip64(e);
}

struct order_key {
    uint64_t offset;
    size_t entry;
};

static int compare_keys(const void *a, const void *b)
{
    const struct order_key *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* libarchive 3.6 keeps its entries in a tree keyed by local header offset
 * alone: ascending offsets, and a later entry with a taken offset is
 * dropped. Verified with bsdtar -tf (tests/unit/zip_trial_fixtures.sh). */
static int build_order(struct sk_zip_index *index)
{
    size_t n = index->n_entries;
    struct order_key *keys = malloc((n ? n : 1) * sizeof *keys);
    index->order = malloc((n ? n : 1) * sizeof *index->order);
    if (!keys || !index->order) {
        free(keys);
        return SK_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        keys[i] = (struct order_key){index->entries[i].local_offset, i};
    qsort(keys, n, sizeof *keys, compare_keys);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && keys[i].offset == keys[i - 1].offset)
            continue;
        index->order[index->n_order++] = keys[i].entry;
    }
    free(keys);
    return 0;
}

static int read_directory(struct sk_zip_index *index, size_t max_entries)
{
    struct directory d;
    int rc = read_eocd(index->zip, index->len, &d);
    if (rc != 0)
        return rc;
    if (d.offset > index->len || d.size > index->len - d.offset)
        return SK_ECORRUPT;
    if (d.count > d.size / CENTRAL_BYTES)
        return SK_ECORRUPT;
    if (d.count > max_entries)
        return SK_ELIMIT;
    index->entries = calloc(d.count ? (size_t)d.count : 1, sizeof *index->entries);
    if (!index->entries)
        return SK_ENOMEM;
    struct sk_reader all = sk_reader_make(index->zip, index->len);
    sk_reader_seek(&all, (size_t)d.offset);
    struct sk_reader r = sk_reader_sub(&all, (size_t)d.size);
    for (; index->n_entries < d.count; index->n_entries++) {
        rc = read_central(&r, &index->entries[index->n_entries]);
        if (rc != 0)
            return rc;
    }
    return build_order(index);
}

int sk_zip_index_open(const uint8_t *zip, size_t len, size_t max_entries,
                      struct sk_zip_index **out)
{
    *out = NULL;
    struct sk_zip_index *index = calloc(1, sizeof *index);
    if (!index)
        return SK_ENOMEM;
    index->zip = zip;
    index->len = len;
    int rc = read_directory(index, max_entries);
    if (rc != 0) {
        sk_zip_index_free(index);
        return rc;
    }
    *out = index;
    return 0;
}

void sk_zip_index_free(struct sk_zip_index *index)
{
    if (!index)
        return;
    free(index->entries);
    free(index->order);
    free(index);
}

size_t sk_zip_index_count(const struct sk_zip_index *index)
{
    return index->n_order;
}

/* ---- The member ------------------------------------------------------ */

struct local {
    const uint8_t *name;
    size_t name_len;
    const uint8_t *extra;
    size_t extra_len;
    struct sk_reader data; /* the compressed size's bytes, checked to fit */
    uint16_t flags;
    uint16_t dos_time;
};

/* APPNOTE 4.3.7. The sizes come from the central directory: with bit 3 the
 * local ones are zero. */
static int read_local(const struct sk_zip_index *index, const struct sk_zip_entry *e,
                      struct local *l)
{
    struct sk_reader r = sk_reader_make(index->zip, index->len);
    if (e->local_offset > index->len || sk_reader_seek(&r, (size_t)e->local_offset) != 0)
        return SK_ECORRUPT;
    uint32_t sig = sk_reader_u32le(&r);
    sk_reader_skip(&r, 2); /* version */
    l->flags = sk_reader_u16le(&r);
    sk_reader_skip(&r, 2); /* method: the central one rules */
    l->dos_time = sk_reader_u16le(&r);
    sk_reader_skip(&r, 2 + 4 + 4 + 4); /* date, CRC, sizes */
    uint16_t name_len = sk_reader_u16le(&r);
    uint16_t extra_len = sk_reader_u16le(&r);
    l->name = sk_reader_bytes(&r, name_len);
    l->name_len = name_len;
    l->extra = sk_reader_bytes(&r, extra_len);
    l->extra_len = extra_len;
    if (r.err || sig != SIG_LOCAL || e->compressed > sk_reader_left(&r))
        return SK_ECORRUPT;
    l->data = sk_reader_sub(&r, (size_t)e->compressed);
    return 0;
}

/* Reads the ZIP64 extra of a local header whose size fields say 0xFFFFFFFF
 * (APPNOTE 4.5.3: there, both sizes are present, uncompressed first). */
static bool local_zip64_sizes(const uint8_t *extra, size_t extra_len, uint64_t *compressed,
                              uint64_t *uncompressed)
{
    struct sk_reader field;
    if (!find_extra(extra, extra_len, EXTRA_ZIP64, &field))
        return false;
    *uncompressed = sk_reader_u64le(&field);
    *compressed = sk_reader_u64le(&field);
    return !field.err;
}

/* What the local header of e says differently from e, or NULL. */
static const char *local_disagrees(const struct sk_zip_index *index, const struct sk_zip_entry *e)
{
    struct sk_reader r = sk_reader_make(index->zip, index->len);
    if (e->local_offset > index->len || sk_reader_seek(&r, (size_t)e->local_offset) != 0)
        return "local header offset past the end";
    uint32_t sig = sk_reader_u32le(&r);
    sk_reader_skip(&r, 2); /* version */
    uint16_t flags = sk_reader_u16le(&r);
    uint16_t method = sk_reader_u16le(&r);
    sk_reader_skip(&r, 4); /* time, date */
    uint32_t crc = sk_reader_u32le(&r);
    uint64_t compressed = sk_reader_u32le(&r);
    uint64_t uncompressed = sk_reader_u32le(&r);
    uint16_t name_len = sk_reader_u16le(&r);
    uint16_t extra_len = sk_reader_u16le(&r);
    sk_reader_skip(&r, name_len);
    const uint8_t *extra = sk_reader_bytes(&r, extra_len);
    if (r.err || sig != SIG_LOCAL)
        return "no local header where the central directory points";
    if (e->compressed > sk_reader_left(&r))
        return "compressed size runs past the end";
    if (method != e->method)
        return "compression method";
    if ((flags | e->flags) & (FLAG_DESCRIPTOR | FLAG_MASKED))
        return NULL; /* the local CRC and sizes are zero or follow the data */
    if ((compressed == 0xFFFFFFFFu || uncompressed == 0xFFFFFFFFu) &&
        !local_zip64_sizes(extra, extra_len, &compressed, &uncompressed))
        return "ZIP64 sizes";
    if (crc != e->crc)
        return "CRC-32";
    if (compressed != e->compressed || uncompressed != e->uncompressed)
        return "sizes";
    return NULL;
}

int sk_zip_index_check(const struct sk_zip_index *index, const uint8_t **name, size_t *name_len,
                       const char **what)
{
    for (size_t i = 0; i < index->n_entries; i++) {
        const struct sk_zip_entry *e = &index->entries[i];
        *what = local_disagrees(index, e);
        if (*what) {
            *name = e->name;
            *name_len = e->name_len;
            return SK_ECORRUPT;
        }
    }
    return 0;
}

const uint8_t *sk_zip_index_name(const struct sk_zip_index *index, size_t position,
                                 size_t *name_len)
{
    if (position >= index->n_order)
        return NULL;
    const struct sk_zip_entry *e = &index->entries[index->order[position]];
    struct local l;
    if (read_local(index, e, &l) == 0) {
        *name_len = l.name_len;
        return l.name;
    }
    *name_len = e->name_len;
    return e->name;
}

static bool named(const struct sk_zip_index *index, size_t position, const char *name)
{
    size_t len;
    const uint8_t *have = sk_zip_index_name(index, position, &len);
    return have && len == strlen(name) && memcmp(have, name, len) == 0;
}

static const struct sk_zip_entry *resolve(const struct sk_zip_index *index, const char *name,
                                          size_t position)
{
    if (position < index->n_order && (!name || named(index, position, name)))
        return &index->entries[index->order[position]];
    for (size_t i = 0; name && i < index->n_order; i++) {
        if (named(index, i, name))
            return &index->entries[index->order[i]];
    }
    return NULL;
}

enum scheme { ZIPCRYPTO, AES };

/* What a trial reads once: where the parts are and what to expect. */
struct member {
    enum scheme scheme;
    uint16_t method;       /* the compression method (AES's inner one) */
    bool opaque;           /* a method the trial cannot decompress (not stored, not deflate) */
    uint16_t flags;        /* central and local general purpose flags together */
    const uint8_t *header; /* ZipCrypto's 12 bytes, or the AES salt */
    size_t header_len;
    const uint8_t *verifier; /* AES */
    const uint8_t *auth;     /* AES */
    const uint8_t *payload;  /* the encrypted file data */
    size_t payload_len;
    uint64_t uncompressed;
    uint32_t crc;
    bool check_crc;   /* not for AE-2 */
    uint8_t check[2]; /* ZipCrypto: accepted values of the check byte */
    size_t key_len;   /* AES */
    const EVP_CIPHER *cipher;
};

/* AE-x note, "Extra data header ID" (0x9901, 7 bytes). */
static int read_aes_field(const struct sk_zip_entry *e, const struct local *l,
                          uint16_t *version, unsigned *strength, uint16_t *method)
{
    struct sk_reader f;
    if (!find_extra(e->extra, e->extra_len, EXTRA_AES, &f) &&
        !find_extra(l->extra, l->extra_len, EXTRA_AES, &f))
        return SK_EUNSUPPORTED;
    *version = sk_reader_u16le(&f);
    const uint8_t *vendor = sk_reader_bytes(&f, 2);
    *strength = sk_reader_u8(&f);
    *method = sk_reader_u16le(&f);
    if (f.err)
        return SK_ECORRUPT;
    if ((*version != 1 && *version != 2) || memcmp(vendor, "AE", 2) != 0 || *strength < 1 ||
        *strength > 3)
        return SK_EUNSUPPORTED;
    return 0;
}

/* Layout (AE-x note, "Encrypted file storage format"): salt, 2-byte
 * verifier, encrypted data, 10-byte authentication code. */
static int prepare_aes(const struct sk_zip_entry *e, const struct local *l, struct member *m)
{
    uint16_t version;
    unsigned strength;
    int rc = read_aes_field(e, l, &version, &strength, &m->method);
    if (rc != 0)
        return rc;
    static const size_t key_lens[] = {16, 24, 32};
    m->scheme = AES;
    m->key_len = key_lens[strength - 1];
    m->cipher = strength == 1   ? EVP_aes_128_ecb()
                : strength == 2 ? EVP_aes_192_ecb()
                                : EVP_aes_256_ecb();
    m->header_len = m->key_len / 2;
    m->check_crc = version == 1;
    size_t overhead = m->header_len + AES_VERIFIER + AES_AUTH;
    if (e->compressed < overhead)
        return SK_ECORRUPT;
    struct sk_reader data = l->data; /* fits: compressed >= overhead */
    m->payload_len = (size_t)e->compressed - overhead;
    m->header = sk_reader_bytes(&data, m->header_len);
    m->verifier = sk_reader_bytes(&data, AES_VERIFIER);
    m->payload = sk_reader_bytes(&data, m->payload_len);
    m->auth = sk_reader_bytes(&data, AES_AUTH);
    return 0;
}

/* APPNOTE 6.1.6: the last header byte is the CRC's high byte or, with bit 3
 * (the writer did not know the CRC yet), the DOS time's high byte. Both are
 * allowed then: writers differ, and the full check follows anyway. */
static int prepare_zipcrypto(const struct sk_zip_entry *e, const struct local *l,
                             struct member *m)
{
    if (e->compressed < ZIPCRYPTO_HEADER)
        return SK_ECORRUPT;
    m->scheme = ZIPCRYPTO;
    m->method = e->method;
    m->check_crc = true;
    struct sk_reader data = l->data; /* fits: compressed >= the header */
    m->header_len = ZIPCRYPTO_HEADER;
    m->payload_len = (size_t)e->compressed - ZIPCRYPTO_HEADER;
    m->header = sk_reader_bytes(&data, m->header_len);
    m->payload = sk_reader_bytes(&data, m->payload_len);
    m->check[0] = (uint8_t)(e->crc >> 24);
    m->check[1] = (l->flags & FLAG_DESCRIPTOR) ? (uint8_t)(l->dos_time >> 8) : m->check[0];
    return 0;
}

static int prepare_member(const struct sk_zip_index *index, const struct sk_zip_entry *e,
                          struct member *m)
{
    struct local l;
    int rc = read_local(index, e, &l);
    if (rc != 0)
        return rc;
    uint16_t flags = e->flags | l.flags;
    if (!(flags & FLAG_ENCRYPTED))
        return SK_EINVAL;
    if (flags & (FLAG_STRONG | FLAG_MASKED))
        return SK_EUNSUPPORTED;
    memset(m, 0, sizeof *m);
    m->crc = e->crc;
    m->uncompressed = e->uncompressed;
    m->flags = flags;
    rc = e->method == METHOD_AES ? prepare_aes(e, &l, m) : prepare_zipcrypto(e, &l, m);
    m->opaque = m->method != METHOD_STORED && m->method != METHOD_DEFLATE;
    return rc;
}

/* The member a caller names (and its position among same-named ones),
 * ready for a trial: SK_EINVAL when there is none. */
static int member_named(const struct sk_zip_index *index, const char *member_name,
                        size_t position, struct member *m)
{
    const struct sk_zip_entry *e = resolve(index, member_name, position);
    return e ? prepare_member(index, e, m) : SK_EINVAL;
}

/* ---- Decryption ------------------------------------------------------ */

struct trial {
    const struct member *m;
    const z_crc_t *crc_table;
    uint32_t keys[3];    /* ZipCrypto */
    EVP_CIPHER_CTX *aes; /* AES-ECB, to make the CTR key stream */
    EVP_MAC_CTX *hmac;   /* HMAC-SHA1 */
    uint64_t counter;    /* AES-CTR block counter */
    z_stream z;
    bool z_ready;
    uint64_t budget;
    uint8_t *plain; /* CHUNK bytes each */
    uint8_t *out;
    uint8_t *stream;
    uint8_t *counters;
};

static uint8_t zipcrypto_byte(const uint32_t keys[3])
{
    uint32_t t = (keys[2] & 0xFFFFu) | 2u;
    return (uint8_t)((t * (t ^ 1u)) >> 8);
}

/* APPNOTE 6.1.5 update_keys: key 0 and key 2 step a CRC-32. */
static void zipcrypto_update(const z_crc_t *table, uint32_t keys[3], uint8_t c)
{
    keys[0] = (uint32_t)table[(keys[0] ^ c) & 0xFFu] ^ (keys[0] >> 8);
    keys[1] = (keys[1] + (keys[0] & 0xFFu)) * 134775813u + 1u;
    keys[2] = (uint32_t)table[(keys[2] ^ (keys[1] >> 24)) & 0xFFu] ^ (keys[2] >> 8);
}

static void zipcrypto_decrypt(struct trial *t, const uint8_t *in, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)(in[i] ^ zipcrypto_byte(t->keys));
        zipcrypto_update(t->crc_table, t->keys, out[i]);
    }
}

/* Gladman's CTR as WinZip uses it: the counter is little-endian, starts at
 * 1, and is incremented over the low 8 bytes of the block. */
static int aes_decrypt(struct trial *t, const uint8_t *in, uint8_t *out, size_t n)
{
    size_t blocks = (n + 15) / 16;
    for (size_t b = 0; b < blocks; b++) {
        uint64_t c = ++t->counter;
        uint8_t *block = t->counters + b * 16;
        for (unsigned i = 0; i < 8; i++, c >>= 8)
            block[i] = (uint8_t)c;
        memset(block + 8, 0, 8);
    }
    int got = 0;
    if (!EVP_EncryptUpdate(t->aes, t->stream, &got, t->counters, (int)(blocks * 16)))
        return SK_EINTERNAL;
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] ^ t->stream[i];
    return 0;
}

static int decrypt(struct trial *t, const uint8_t *in, uint8_t *out, size_t n)
{
    if (t->m->scheme == AES)
        return aes_decrypt(t, in, out, n);
    zipcrypto_decrypt(t, in, out, n);
    return 0;
}

/* ---- Verification ---------------------------------------------------- */

enum flow { FLOW_MORE, FLOW_END, FLOW_FULL, FLOW_BAD };

struct tally {
    uint64_t produced;
    uint32_t crc;
};

static enum flow store(struct trial *t, struct tally *s, const uint8_t *p, size_t n)
{
    if (n > t->m->uncompressed - s->produced)
        return FLOW_BAD;
    s->crc = (uint32_t)crc32(s->crc, p, (uInt)n);
    s->produced += n;
    return FLOW_MORE;
}

static enum flow inflate_some(struct trial *t, struct tally *s, const uint8_t *p, size_t n)
{
    z_stream *z = &t->z;
    z->next_in = (Bytef *)(uintptr_t)p;
    z->avail_in = (uInt)n;
    for (;;) {
        uint64_t room = t->budget ? t->budget - s->produced : CHUNK;
        if (room == 0)
            return FLOW_FULL;
        uInt space = room < CHUNK ? (uInt)room : CHUNK;
        z->next_out = t->out;
        z->avail_out = space;
        int zr = inflate(z, Z_NO_FLUSH);
        size_t got = space - z->avail_out;
        if (got > t->m->uncompressed - s->produced)
            return FLOW_BAD;
        s->crc = (uint32_t)crc32(s->crc, t->out, (uInt)got);
        s->produced += got;
        if (zr == Z_STREAM_END)
            return FLOW_END;
        if (zr == Z_BUF_ERROR && z->avail_in == 0)
            return FLOW_MORE;
        if (zr != Z_OK)
            return FLOW_BAD;
        if (z->avail_in == 0 && z->avail_out > 0)
            return FLOW_MORE;
    }
}

/* Decrypts and decompresses the whole payload (or up to the budget).
 * @return 0 verified, 1 rejected, < 0 our failure. */
static int verify_payload(struct trial *t, bool *partial)
{
    const struct member *m = t->m;
    bool deflated = m->method == METHOD_DEFLATE;
    if (deflated && inflateReset(&t->z) != Z_OK)
        return SK_EINTERNAL;
    struct tally s = {0, (uint32_t)crc32(0, Z_NULL, 0)};
    enum flow f = FLOW_MORE;
    struct sk_reader payload = sk_reader_make(m->payload, m->payload_len);
    while (sk_reader_left(&payload) && f == FLOW_MORE) {
        size_t n = sk_reader_left(&payload) < CHUNK ? sk_reader_left(&payload) : CHUNK;
        int rc = decrypt(t, sk_reader_bytes(&payload, n), t->plain, n);
        if (rc != 0)
            return rc;
        f = deflated ? inflate_some(t, &s, t->plain, n) : store(t, &s, t->plain, n);
    }
    if (f == FLOW_FULL) {
        *partial = true;
        return 0;
    }
    if (f == FLOW_BAD || (deflated && f != FLOW_END) || s.produced != m->uncompressed)
        return 1;
    return m->check_crc && s.crc != m->crc ? 1 : 0;
}

static int try_zipcrypto(struct trial *t, const char *password, size_t len, bool *partial)
{
    t->keys[0] = 0x12345678u;
    t->keys[1] = 0x23456789u;
    t->keys[2] = 0x34567890u;
    for (size_t i = 0; i < len; i++)
        zipcrypto_update(t->crc_table, t->keys, (uint8_t)password[i]);
    uint8_t header[ZIPCRYPTO_HEADER];
    zipcrypto_decrypt(t, t->m->header, header, ZIPCRYPTO_HEADER);
    uint8_t check = header[ZIPCRYPTO_HEADER - 1];
    if (check != t->m->check[0] && check != t->m->check[1])
        return 1;
    if (t->m->opaque) {
        *partial = true; /* only the check byte: the caller proves it */
        return 0;
    }
    return verify_payload(t, partial);
}

/* One 20-byte block of PBKDF2-HMAC-SHA1 (RFC 8018 5.2, F(P, S, c, i)). The
 * AES verifier lies within one block, so a wrong candidate costs one block
 * of 1000 iterations instead of two (AES-128) to four (AES-256). */
static int pbkdf2_block(struct trial *t, const char *password, size_t len, uint32_t block,
                        uint8_t out[SHA1_BYTES])
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA1", 0),
        OSSL_PARAM_construct_end()};
    const uint8_t be[4] = {(uint8_t)(block >> 24), (uint8_t)(block >> 16),
                           (uint8_t)(block >> 8), (uint8_t)block};
    uint8_t u[SHA1_BYTES];
    size_t got = 0;
    if (!EVP_MAC_init(t->hmac, (const unsigned char *)(len ? password : ""), len, params) ||
        !EVP_MAC_update(t->hmac, t->m->header, t->m->header_len) ||
        !EVP_MAC_update(t->hmac, be, sizeof be) || !EVP_MAC_final(t->hmac, u, &got, sizeof u))
        return SK_EINTERNAL;
    memcpy(out, u, SHA1_BYTES);
    for (int i = 1; i < AES_ITERATIONS; i++) {
        if (!EVP_MAC_init(t->hmac, NULL, 0, NULL) || !EVP_MAC_update(t->hmac, u, sizeof u) ||
            !EVP_MAC_final(t->hmac, u, &got, sizeof u))
            return SK_EINTERNAL;
        for (size_t j = 0; j < SHA1_BYTES; j++)
            out[j] ^= u[j];
    }
    return 0;
}

/* The cheap AES check: only the PBKDF2 block that holds the verifier.
 * @return 0 it matches, 1 it does not, < 0 our failure. */
static int aes_verifier_matches(struct trial *t, const char *password, size_t len)
{
    size_t at = 2 * t->m->key_len; /* the verifier's offset in the derived bytes */
    uint8_t first[SHA1_BYTES], second[SHA1_BYTES] = {0};
    int rc = pbkdf2_block(t, password, len, (uint32_t)(at / SHA1_BYTES + 1), first);
    if (rc == 0 && (at + 1) / SHA1_BYTES != at / SHA1_BYTES)
        rc = pbkdf2_block(t, password, len, (uint32_t)(at / SHA1_BYTES + 2), second);
    if (rc != 0)
        return rc;
    uint8_t v0 = first[at % SHA1_BYTES];
    uint8_t v1 = (at + 1) % SHA1_BYTES ? first[(at + 1) % SHA1_BYTES] : second[0];
    uint8_t derived[AES_VERIFIER] = {v0, v1};
    return memcmp(derived, t->m->verifier, AES_VERIFIER) == 0 ? 0 : 1;
}

/* The authentication code: HMAC-SHA1 over the encrypted data, 10 bytes. */
static int aes_authentic(const struct member *m, const uint8_t *hmac_key)
{
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    if (!HMAC(EVP_sha1(), hmac_key, (int)m->key_len, m->payload, m->payload_len, mac, &mac_len))
        return SK_EINTERNAL;
    return CRYPTO_memcmp(mac, m->auth, AES_AUTH) == 0 ? 0 : 1;
}

/* Derives the keys, checks the verifier and the authentication code and
 * keys the cipher for decryption from the first block.
 * @return 0 proven, 1 rejected, < 0 our failure. */
static int aes_key(struct trial *t, const char *password, size_t len)
{
    const struct member *m = t->m;
    int rc;
    uint8_t derived[2 * AES_MAX_KEY + AES_VERIFIER];
    size_t derived_len = 2 * m->key_len + AES_VERIFIER;
    if (!PKCS5_PBKDF2_HMAC(password, (int)len, m->header, (int)m->header_len, AES_ITERATIONS,
                           EVP_sha1(), (int)derived_len, derived))
        return SK_EINTERNAL;
    rc = memcmp(derived + 2 * m->key_len, m->verifier, AES_VERIFIER) ? 1 : 0;
    if (rc == 0)
        rc = aes_authentic(m, derived + m->key_len);
    if (rc == 0 && !EVP_EncryptInit_ex(t->aes, m->cipher, NULL, derived, NULL))
        rc = SK_EINTERNAL;
    OPENSSL_cleanse(derived, sizeof derived);
    if (rc != 0)
        return rc;
    EVP_CIPHER_CTX_set_padding(t->aes, 0);
    t->counter = 0;
    return 0;
}

/* A member of a method the trial cannot decompress is proven by the
 * verifier and the authentication code over its whole ciphertext alone. */
static int try_aes(struct trial *t, const char *password, size_t len, bool *partial)
{
    int rc = aes_verifier_matches(t, password, len);
    if (rc == 0)
        rc = aes_key(t, password, len);
    if (rc != 0 || t->m->opaque)
        return rc;
    return verify_payload(t, partial);
}

/* ---- The search ------------------------------------------------------ */

static int trial_open(struct trial *t, const struct member *m, uint64_t budget)
{
    memset(t, 0, sizeof *t);
    t->m = m;
    t->budget = budget;
    t->crc_table = get_crc_table();
    t->plain = malloc(4 * (size_t)CHUNK);
    if (!t->plain)
        return SK_ENOMEM;
    t->out = t->plain + CHUNK;
    t->stream = t->out + CHUNK;
    t->counters = t->stream + CHUNK;
    if (m->method == METHOD_DEFLATE) {
        if (inflateInit2(&t->z, -MAX_WBITS) != Z_OK)
            return SK_ENOMEM;
        t->z_ready = true;
    }
    if (m->scheme != AES)
        return 0;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
    t->hmac = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac); /* the context keeps its own reference */
    t->aes = EVP_CIPHER_CTX_new();
    return t->hmac && t->aes ? 0 : SK_ENOMEM;
}

static void trial_close(struct trial *t)
{
    if (t->z_ready)
        inflateEnd(&t->z);
    EVP_MAC_CTX_free(t->hmac);
    EVP_CIPHER_CTX_free(t->aes);
    free(t->plain);
}

static int search(struct trial *t, const char *const *candidates, const size_t *lengths,
                  size_t n, uint64_t deadline_ns, size_t *found, bool *partial)
{
    for (size_t i = 0; i < n; i++) {
        if (deadline_ns && sk_now_ns() >= deadline_ns)
            return SK_ELIMIT;
        if (lengths[i] > SK_CAP_PASSWORD_BYTES)
            continue; /* the engine drops these too */
        bool cut = false;
        int rc = t->m->scheme == AES ? try_aes(t, candidates[i], lengths[i], &cut)
                                     : try_zipcrypto(t, candidates[i], lengths[i], &cut);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            *found = i;
            *partial = cut;
            return 0;
        }
    }
    return SK_DONE;
}

int sk_zip_find_password(const struct sk_zip_index *index, const char *member_name,
                         size_t position, const char *const *candidates, const size_t *lengths,
                         size_t n, uint64_t budget, uint64_t deadline_ns, size_t *found,
                         bool *partial)
{
    *partial = false;
    struct member m;
    int rc = member_named(index, member_name, position, &m);
    if (rc != 0)
        return rc;
    struct trial t;
    rc = trial_open(&t, &m, budget);
    if (rc == 0)
        rc = search(&t, candidates, lengths, n, deadline_ns, found, partial);
    trial_close(&t);
    return rc;
}

/* ---- Members of other methods ------------------------------------------ */

int sk_zip_member_method(const struct sk_zip_index *index, const char *member_name,
                         size_t position, uint16_t *method, bool *aes, bool *crc_known)
{
    struct member m;
    int rc = member_named(index, member_name, position, &m);
    if (rc != 0)
        return rc;
    *method = m.method;
    *aes = m.scheme == AES;
    *crc_known = m.check_crc;
    return 0;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

#define PLAIN_NAME "m"
#define LOCAL_BYTES 30u
#define PLAIN_FLAGS_DROPPED (FLAG_ENCRYPTED | FLAG_DESCRIPTOR | FLAG_STRONG | FLAG_MASKED)

/* The fields a local header (APPNOTE 4.3.7, from its version on) and a
 * central one (4.3.12, from its version needed on) share. */
static void put_common(uint8_t *p, const struct member *m)
{
    put16(p, 63);                                  /* version needed */
    put16(p + 2, m->flags & ~PLAIN_FLAGS_DROPPED); /* keeps LZMA's EOS bit */
    put16(p + 4, m->method);
    put16(p + 6, 0);    /* time */
    put16(p + 8, 0x21); /* 1980-01-01 */
    put32(p + 10, m->crc);
    put32(p + 14, (uint32_t)m->payload_len);
    put32(p + 18, (uint32_t)m->uncompressed);
    put16(p + 22, sizeof PLAIN_NAME - 1);
    put16(p + 24, 0); /* extra */
}

/* One plain member, central directory and end record around `data`. */
static void write_plain_zip(const struct member *m, uint8_t *zip, size_t *len)
{
    size_t name = sizeof PLAIN_NAME - 1;
    uint8_t *p = zip;
    put32(p, SIG_LOCAL);
    put_common(p + 4, m);
    memcpy(p + LOCAL_BYTES, PLAIN_NAME, name);
    p += LOCAL_BYTES + name + m->payload_len; /* the data is already there */
    size_t central_at = (size_t)(p - zip);
    memset(p, 0, CENTRAL_BYTES);
    put32(p, SIG_CENTRAL);
    put16(p + 4, 63); /* version made by */
    put_common(p + 6, m);
    memcpy(p + CENTRAL_BYTES, PLAIN_NAME, name);
    p += CENTRAL_BYTES + name;
    memset(p, 0, EOCD_BYTES);
    put32(p, SIG_EOCD);
    put16(p + 8, 1);
    put16(p + 10, 1);
    put32(p + 12, (uint32_t)(CENTRAL_BYTES + name));
    put32(p + 16, (uint32_t)central_at);
    *len = (size_t)(p + EOCD_BYTES - zip);
}

static int decrypt_into(struct trial *t, const char *password, size_t len, uint8_t *out)
{
    if (t->m->scheme == AES) {
        int rc = aes_key(t, password, len);
        if (rc != 0)
            return rc < 0 ? rc : SK_EINVAL;
    } else {
        bool partial;
        if (try_zipcrypto(t, password, len, &partial) != 0)
            return SK_EINVAL; /* the keys now stand after the header */
    }
    struct sk_reader payload = sk_reader_make(t->m->payload, t->m->payload_len);
    for (size_t done = 0; sk_reader_left(&payload);) {
        size_t n = sk_reader_left(&payload) < CHUNK ? sk_reader_left(&payload) : CHUNK;
        int rc = decrypt(t, sk_reader_bytes(&payload, n), out + done, n);
        if (rc != 0)
            return rc;
        done += n;
    }
    return 0;
}

int sk_zip_decrypt_member(const struct sk_zip_index *index, const char *member_name,
                          size_t position, const char *password, size_t len, uint8_t **zip,
                          size_t *zip_len)
{
    *zip = NULL;
    struct member m;
    int rc = member_named(index, member_name, position, &m);
    if (rc != 0)
        return rc;
    if (!m.opaque)
        return SK_EINVAL;
    if (m.payload_len >= 0xFFFFFFFFu || m.uncompressed >= 0xFFFFFFFFu)
        return SK_EUNSUPPORTED; /* the plain copy would need ZIP64 */
    size_t wrap = LOCAL_BYTES + CENTRAL_BYTES + EOCD_BYTES + 2 * (sizeof PLAIN_NAME - 1);
    uint8_t *out = malloc(m.payload_len + wrap);
    if (!out)
        return SK_ENOMEM;
    struct trial t;
    rc = trial_open(&t, &m, 0);
    if (rc == 0)
        rc = decrypt_into(&t, password, len, out + LOCAL_BYTES + sizeof PLAIN_NAME - 1);
    trial_close(&t);
    if (rc != 0) {
        free(out);
        return rc;
    }
    write_plain_zip(&m, out, zip_len);
    *zip = out;
    return 0;
}
