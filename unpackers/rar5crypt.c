/* RAR 5.0 encryption and the plain rewrite.
 *
 * Spec: RAR 5.0 archive format (rarlab.com technote): the archive
 * encryption header (type 4: version, flags, KDF count, salt 16, check
 * value 12) after which every header is a 16-byte IV and the header
 * (CRC32, size, fields) encrypted with AES-256-CBC, padded to 16 bytes;
 * the file encryption record (extra record 1: version, flags, KDF count,
 * salt 16, IV 16, check value 12) whose member's data is AES-256-CBC,
 * padded to 16 bytes. Keys as unrar derives them (crypt5.cpp): PBKDF2-
 * HMAC-SHA256 of the UTF-8 password and the salt, 2^count rounds for the
 * AES key, 2^count + 16 for the checksum MAC key, 2^count + 32 for the
 * check value, whose 32 bytes are XOR-folded into 8; the check value's
 * last 4 bytes are the first 4 of SHA-256 over its first 8. With the
 * record's "hash MAC" flag the stored CRC32 is HMAC-SHA256(MAC key, CRC32
 * little-endian) folded by XOR into 32 bits, and a BLAKE2sp hash is
 * HMAC-SHA256(MAC key, hash).
 * Supports: both records, version 0 (AES-256), KDF counts up to
 * SK_RAR5_MAX_KDF_LOG2; file and service headers. Refuses: records without
 * a check value (no cheap way to tell a right candidate) and volumes
 * (SK_EUNSUPPORTED), KDF counts above the cap.
 * Limits: one output buffer capped by the caller; a header at most 2 MiB
 * and inside the input; at most SK_RAR5_MAX_HEADERS headers; the deadline
 * before each PBKDF2. */
#include "rar5crypt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <zlib.h>

#include "../engine/error.h"
#include "../engine/job.h"

/* Volume flags: data continues from or in another volume. */
#define HFL_SPLIT (SK_RAR5_HFL_SPLIT_BEFORE | SK_RAR5_HFL_SPLIT_AFTER)

#define CHECK_VALUE 8u
#define MAX_HEADER SK_RAR5_MAX_HEADER
#define AES_BLOCK 16u

/* ---- keys ----------------------------------------------------------------- */

static bool pbkdf2(const char *pw, size_t len, const uint8_t salt[SK_RAR5_SALT], uint64_t rounds,
                   uint8_t out[32])
{
    return PKCS5_PBKDF2_HMAC(len ? pw : "", (int)len, salt, SK_RAR5_SALT, (int)rounds,
                             EVP_sha256(), 32, out) == 1;
}

/* The check value's own checksum: without it the value may be damaged, and
 * a damaged value would turn every candidate away. */
static bool check_value_sound(const struct sk_rar5_crypt *c)
{
    uint8_t digest[32];
    unsigned int got = 0;
    if (!EVP_Digest(c->check, CHECK_VALUE, digest, &got, EVP_sha256(), NULL))
        return false;
    return memcmp(digest, c->check + CHECK_VALUE, SK_RAR5_CHECK - CHECK_VALUE) == 0;
}

/* 1 when the candidate's check value matches, 0 when not, <0 on failure. */
static int candidate_matches(const struct sk_rar5_crypt *c, const char *pw, size_t len)
{
    uint8_t v[32], fold[CHECK_VALUE] = {0};
    int rc = SK_EINTERNAL;
    if (pbkdf2(pw, len, c->salt, (UINT64_C(1) << c->kdf_log2) + 32, v)) {
        for (size_t i = 0; i < sizeof v; i++)
            fold[i % CHECK_VALUE] ^= v[i];
        rc = CRYPTO_memcmp(fold, c->check, CHECK_VALUE) == 0;
    }
    OPENSSL_cleanse(v, sizeof v); /* derived from the password: wiped on every path */
    OPENSSL_cleanse(fold, sizeof fold);
    return rc;
}

static int derive_keys(const struct sk_rar5_crypt *c, const char *pw, size_t len,
                       struct sk_rar5_keys *k)
{
    uint64_t rounds = UINT64_C(1) << c->kdf_log2;
    if (!pbkdf2(pw, len, c->salt, rounds, k->key) ||
        !pbkdf2(pw, len, c->salt, rounds + 16, k->hash_key))
        return SK_EINTERNAL;
    return 0;
}

/* A record with the same salt, KDF count and check value as one already
 * tried has the same answer. */
static bool cache_lookup(const struct sk_rar5_trial *t, const struct sk_rar5_crypt *c,
                         size_t *slot)
{
    size_t filled = t->cached < SK_RAR5_TRIAL_CACHE ? t->cached : SK_RAR5_TRIAL_CACHE;
    for (size_t i = 0; i < filled; i++) {
        if (t->cache[i].kdf_log2 == c->kdf_log2 &&
            memcmp(t->cache[i].salt, c->salt, SK_RAR5_SALT) == 0 &&
            memcmp(t->cache[i].check, c->check, SK_RAR5_CHECK) == 0) {
            *slot = i;
            return true;
        }
    }
    return false;
}

static void cache_store(struct sk_rar5_trial *t, const struct sk_rar5_crypt *c, bool found,
                        size_t index, const struct sk_rar5_keys *keys)
{
    size_t slot = t->cached++ % SK_RAR5_TRIAL_CACHE;
    memcpy(t->cache[slot].salt, c->salt, SK_RAR5_SALT);
    memcpy(t->cache[slot].check, c->check, SK_RAR5_CHECK);
    t->cache[slot].kdf_log2 = c->kdf_log2;
    t->cache[slot].found = found;
    t->cache[slot].index = index;
    if (found)
        t->cache[slot].keys = *keys;
}

int sk_rar5_find_password(struct sk_rar5_trial *t, const struct sk_rar5_crypt *c, size_t *index,
                          struct sk_rar5_keys *keys)
{
    unsigned cap = t->max_kdf_log2 ? t->max_kdf_log2 : SK_RAR5_MAX_KDF_LOG2;
    if (c->version != 0 || c->kdf_log2 > cap || cap > SK_RAR5_MAX_KDF_LOG2 || !c->has_check ||
        !check_value_sound(c))
        return SK_EUNSUPPORTED;
    size_t slot;
    if (cache_lookup(t, c, &slot)) {
        if (!t->cache[slot].found)
            return SK_DONE;
        *index = t->cache[slot].index;
        *keys = t->cache[slot].keys;
        return 0;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (t->deadline_ns && sk_now_ns() >= t->deadline_ns)
            return SK_ELIMIT;
        int rc = candidate_matches(c, t->values[i], t->lengths[i]);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            rc = derive_keys(c, t->values[i], t->lengths[i], keys);
            if (rc != 0)
                return rc;
            *index = i;
            cache_store(t, c, true, i, keys);
            return 0;
        }
    }
    cache_store(t, c, false, 0, NULL);
    return SK_DONE;
}

uint32_t sk_rar5_crc_mac(const uint8_t hash_key[32], uint32_t crc)
{
    uint8_t raw[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16),
                      (uint8_t)(crc >> 24)};
    uint8_t digest[32];
    unsigned int got = 0;
    if (!HMAC(EVP_sha256(), hash_key, 32, raw, sizeof raw, digest, &got) || got != 32)
        return ~crc; /* never equal to what a right key makes of it */
    uint32_t mac = 0;
    for (unsigned i = 0; i < 32; i++)
        mac ^= (uint32_t)digest[i] << ((i & 3u) * 8u);
    return mac;
}

int sk_rar5_decrypt(const uint8_t key[32], const uint8_t iv[16], const uint8_t *in, size_t n,
                    uint8_t *out)
{
    if (n % AES_BLOCK != 0 || n > INT32_MAX)
        return SK_EINTERNAL;
    if (n == 0)
        return 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int got = 0, fin = 0;
    bool ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv) &&
              EVP_CIPHER_CTX_set_padding(ctx, 0) &&
              EVP_DecryptUpdate(ctx, out, &got, in, (int)n) &&
              EVP_DecryptFinal_ex(ctx, out + got, &fin) && (size_t)(got + fin) == n;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : SK_EINTERNAL;
}

/* ---- the rewrite ---------------------------------------------------------- */

static int put_vint(struct sk_dynbuf *b, uint64_t v)
{
    uint8_t bytes[10];
    size_t n = 0;
    do {
        bytes[n] = (uint8_t)(v & 0x7Fu);
        v >>= 7;
        if (v)
            bytes[n] |= 0x80u;
        n++;
    } while (v && n < sizeof bytes);
    return sk_dynbuf_add(b, bytes, n);
}

/* One header, plain, from its CRC32 to its end. */
struct header {
    const uint8_t *bytes;
    size_t len;
    uint64_t type, flags, data_size;
    struct sk_reader fields; /* the type's fields */
    struct sk_reader extra;  /* the extra area */
};

static int fail(struct sk_rar5_rewrite *rw, int err, const char *why)
{
    rw->why = why;
    return err;
}

/* Reads the header in h->bytes[0..avail): its length from the size field,
 * the CRC32 checked, the common fields split off. */
static int parse_header(struct sk_rar5_rewrite *rw, struct header *h, size_t avail)
{
    struct sk_reader r = sk_reader_make(h->bytes, avail);
    uint32_t crc = sk_reader_u32le(&r);
    uint64_t size = sk_rar5_vint(&r);
    if (r.err || size == 0 || size > MAX_HEADER || size > sk_reader_left(&r))
        return fail(rw, SK_ECORRUPT, "RAR5 header size out of bounds");
    struct sk_reader body = sk_reader_sub(&r, (size_t)size);
    h->len = r.pos;
    /* The CRC covers the size field and the header after it. */
    const uint8_t *covered = sk_reader_at(&r, 4, h->len - 4);
    if (!covered || (uint32_t)crc32(0L, covered, (uInt)(h->len - 4)) != crc)
        return fail(rw, SK_ECORRUPT, "RAR5 header CRC mismatch (a wrong password or damage)");
    h->type = sk_rar5_vint(&body);
    h->flags = sk_rar5_vint(&body);
    uint64_t extra_size = (h->flags & SK_RAR5_HFL_EXTRA) ? sk_rar5_vint(&body) : 0;
    h->data_size = (h->flags & SK_RAR5_HFL_DATA) ? sk_rar5_vint(&body) : 0;
    if (body.err || extra_size > sk_reader_left(&body))
        return fail(rw, SK_ECORRUPT, "RAR5 header fields cut short");
    h->fields = sk_reader_sub(&body, sk_reader_left(&body) - (size_t)extra_size);
    h->extra = body;
    return 0;
}

/* A file or service header's own fields, as far as the rewrite needs them:
 * where the CRC32 sits (to drop it) and the compression method. */
struct file_fields {
    uint64_t flags;
    const uint8_t *before_crc; /* unpacked size, attributes, mtime */
    size_t before_len;
    const uint8_t *after_crc; /* compression, host OS, name */
    size_t after_len;
    uint64_t unpacked_size;
    bool has_crc;
    uint32_t crc;
    unsigned method;
};

static int parse_file_fields(struct sk_reader r, struct file_fields *f)
{
    memset(f, 0, sizeof *f);
    f->flags = sk_rar5_vint(&r);
    size_t start = r.pos;
    f->unpacked_size = sk_rar5_vint(&r);
    (void)sk_rar5_vint(&r); /* attributes */
    if (f->flags & SK_RAR5_FHFL_UTIME)
        (void)sk_reader_u32le(&r);
    struct sk_reader whole = r;
    f->before_len = r.pos - start;
    f->before_crc = sk_reader_at(&whole, start, f->before_len);
    f->has_crc = (f->flags & SK_RAR5_FHFL_CRC32) != 0;
    if (f->has_crc)
        f->crc = sk_reader_u32le(&r);
    f->after_len = sk_reader_left(&r);
    f->after_crc = sk_reader_at(&whole, r.pos, f->after_len);
    f->method = (unsigned)((sk_rar5_vint(&r) >> 7) & 7u);
    if (f->flags & SK_RAR5_FHFL_UNPUNKNOWN)
        f->unpacked_size = UINT64_MAX;
    return r.err || whole.err ? SK_ECORRUPT : 0;
}

/* Copies the record that ends at extra->pos and began at `at`. */
static int keep_record(struct sk_reader *extra, size_t at, struct sk_dynbuf *kept)
{
    struct sk_reader whole = *extra;
    const uint8_t *rec = sk_reader_at(&whole, at, extra->pos - at);
    return rec ? sk_dynbuf_add(kept, rec, extra->pos - at) : SK_ECORRUPT;
}

/* Copies the extra area into kept without the encryption record (read
 * into *crypt, *found set) and, unless keep_hash, without the hash record
 * (a BLAKE2 the key turned into a MAC, which libarchive cannot check).
 * Records may come in any order, so the caller decides keep_hash after a
 * first pass. */
static int filter_extra(struct sk_reader extra, bool keep_hash, bool *found,
                        struct sk_rar5_crypt *crypt, struct sk_dynbuf *kept)
{
    *found = false;
    while (sk_reader_left(&extra) > 0) {
        size_t at = extra.pos;
        uint64_t size = sk_rar5_vint(&extra);
        if (extra.err || size == 0 || size > sk_reader_left(&extra))
            return SK_ECORRUPT;
        struct sk_reader rec = sk_reader_sub(&extra, (size_t)size);
        uint64_t type = sk_rar5_vint(&rec);
        if (rec.err)
            return SK_ECORRUPT;
        if (type == SK_RAR5_EXTRA_CRYPT) {
            *found = true;
            if (sk_rar5_read_crypt(&rec, crypt) != 0)
                return SK_ECORRUPT;
            continue;
        }
        if (type == SK_RAR5_EXTRA_HASH && !keep_hash)
            continue;
        int rc = keep_record(&extra, at, kept);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Emits a header: CRC32, size, body. */
static int put_header(struct sk_dynbuf *out, const struct sk_dynbuf *body)
{
    uint8_t size[10];
    struct sk_dynbuf sb;
    sk_dynbuf_init_fixed(&sb, (char *)size, sizeof size, 0);
    int rc = put_vint(&sb, body->len);
    if (rc != 0)
        return rc;
    uLong crc = crc32(0L, size, (uInt)sb.len);
    crc = crc32(crc, (const Bytef *)body->p, (uInt)body->len);
    uint8_t le[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16),
                     (uint8_t)(crc >> 24)};
    rc = sk_dynbuf_add(out, le, sizeof le);
    if (rc == 0)
        rc = sk_dynbuf_add(out, size, sb.len);
    if (rc == 0)
        rc = sk_dynbuf_add(out, body->p, body->len);
    return rc;
}

/* The plain header of a decrypted member: same fields, the encryption
 * record gone, the CRC32 gone when it is a MAC, data_size for its data. */
static int plain_header(const struct header *h, const struct file_fields *ff,
                        const struct sk_rar5_crypt *crypt, const struct sk_dynbuf *extra,
                        uint64_t data_size, struct sk_dynbuf *out)
{
    struct sk_dynbuf body;
    sk_dynbuf_init_alloc(&body, MAX_HEADER, out->allocator);
    uint64_t flags = (h->flags & ~(uint64_t)SK_RAR5_HFL_EXTRA) | (extra->len ? SK_RAR5_HFL_EXTRA : 0);
    bool keep_crc = ff->has_crc && !crypt->tweaked;
    int rc = put_vint(&body, h->type);
    if (rc == 0)
        rc = put_vint(&body, flags);
    if (rc == 0 && extra->len)
        rc = put_vint(&body, extra->len);
    if (rc == 0 && (flags & SK_RAR5_HFL_DATA))
        rc = put_vint(&body, data_size);
    if (rc == 0)
        rc = put_vint(&body, keep_crc ? ff->flags : ff->flags & ~(uint64_t)SK_RAR5_FHFL_CRC32);
    if (rc == 0)
        rc = sk_dynbuf_add(&body, ff->before_crc, ff->before_len);
    if (rc == 0 && keep_crc) {
        uint8_t le[4] = {(uint8_t)ff->crc, (uint8_t)(ff->crc >> 8), (uint8_t)(ff->crc >> 16),
                         (uint8_t)(ff->crc >> 24)};
        rc = sk_dynbuf_add(&body, le, sizeof le);
    }
    if (rc == 0)
        rc = sk_dynbuf_add(&body, ff->after_crc, ff->after_len);
    if (rc == 0 && extra->len)
        rc = sk_dynbuf_add(&body, extra->p, extra->len);
    if (rc == 0)
        rc = put_header(out, &body);
    sk_dynbuf_free(&body);
    return rc;
}

struct rewrite_pos {
    struct sk_reader in; /* the archive; pos: the next header */
    bool headers_encrypted;
    struct sk_rar5_keys header_keys;
    struct sk_dynbuf scratch_buf; /* one decrypted header, from the output's */
    uint8_t *scratch;             /* allocator, only when headers are encrypted */
    unsigned file_index;
};

/* The length of a compressed member's block chain in its decrypted data
 * p[0..n): AES padded the data to 16 bytes, and libarchive 3.6 reads the
 * padding as one more block ("Block checksum error") where unrar stops at
 * the block flagged last. Each block (unrar's unpack50 ReadBlockHeader) is
 * a flags byte (bits 3-4: the size field's length less one; bit 6: the
 * last block in the file), a checksum byte (0x5A XOR the flags and size
 * bytes) and the size; the block's bits follow. n when the chain does not
 * check out: libarchive then meets the same bytes and reports them. Each
 * pass moves at least 3 bytes forward. */
static size_t block_chain_length(const uint8_t *p, size_t n)
{
    struct sk_reader r = sk_reader_make(p, n);
    while (sk_reader_left(&r) >= 3) {
        uint8_t flags = sk_reader_u8(&r), sum = sk_reader_u8(&r);
        size_t width = ((flags >> 3) & 3u) + 1u;
        uint8_t check = 0x5A ^ flags;
        size_t size = 0;
        for (size_t i = 0; i < width; i++) {
            uint8_t b = sk_reader_u8(&r);
            check ^= b;
            size |= (size_t)b << (8 * i);
        }
        if (r.err || check != sum || sk_reader_skip(&r, size) != 0)
            return n;
        if (flags & 0x40u)
            return r.pos;
    }
    return n;
}

/* Appends the plain header and the decrypted data. AES padded the data
 * to 16 bytes: a stored member's data is cut to its unpacked size, a
 * compressed one's to its block chain. The data is decrypted in place in
 * the output, then the header is put in front of it (its data size is
 * known only then). */
static int decrypt_member(struct sk_rar5_rewrite *rw, const struct header *h,
                          const struct file_fields *ff, const struct sk_rar5_crypt *crypt,
                          const struct sk_dynbuf *extra, const struct sk_rar5_keys *keys,
                          const uint8_t *data)
{
    size_t n = (size_t)h->data_size;
    uint8_t *plain = NULL;
    struct sk_dynbuf tmp;
    sk_dynbuf_init_alloc(&tmp, n + 1, rw->out->allocator);
    int rc = sk_dynbuf_add(&tmp, data, n);
    plain = (uint8_t *)tmp.p;
    if (rc == 0 && n)
        rc = sk_rar5_decrypt(keys->key, crypt->iv, plain, n, plain);
    size_t size = n;
    if (ff->method == 0 && ff->unpacked_size <= n)
        size = (size_t)ff->unpacked_size;
    else if (ff->method != 0 && n)
        size = block_chain_length(plain, n);
    if (rc == 0)
        rc = plain_header(h, ff, crypt, extra, size, rw->out);
    if (rc == 0 && size)
        rc = sk_dynbuf_add(rw->out, plain, size);
    if (tmp.p)
        OPENSSL_cleanse(tmp.p, tmp.len);
    sk_dynbuf_free(&tmp);
    return rc;
}

/* A file or service header with an encryption record: decrypted with the
 * candidate its check value proves right, or copied as it is. */
static int rewrite_member(struct sk_rar5_rewrite *rw, struct rewrite_pos *at,
                          const struct header *h, const uint8_t *data)
{
    struct file_fields ff;
    struct sk_rar5_crypt crypt = {0};
    bool found;
    struct sk_dynbuf extra;
    sk_dynbuf_init_alloc(&extra, MAX_HEADER, rw->out->allocator);
    int rc = parse_file_fields(h->fields, &ff);
    if (rc == 0)
        rc = filter_extra(h->extra, false, &found, &crypt, &extra);
    if (rc == 0 && found && !crypt.tweaked) {
        sk_dynbuf_truncate(&extra, 0);
        rc = filter_extra(h->extra, true, &found, &crypt, &extra);
    }
    if (rc == SK_ECORRUPT)
        rw->why = "RAR5 file header malformed";
    bool copy = rc == 0 && (!found || rw->expired);
    size_t index = 0;
    struct sk_rar5_keys keys;
    memset(&keys, 0, sizeof keys);
    if (rc == 0 && !copy) {
        rc = sk_rar5_find_password(rw->trial, &crypt, &index, &keys);
        rw->expired = rc == SK_ELIMIT;
        rw->unsupported += rc == SK_EUNSUPPORTED;
        copy = rc == SK_DONE || rc == SK_ELIMIT || rc == SK_EUNSUPPORTED;
        if (copy)
            rc = 0;
    }
    if (rc == 0 && copy) {
        rw->undecided += found && h->type == SK_RAR5_HEAD_FILE;
        rc = sk_dynbuf_add(rw->out, h->bytes, h->len);
        if (rc == 0)
            rc = sk_dynbuf_add(rw->out, data, (size_t)h->data_size);
    }
    if (rc == 0 && !copy) {
        if (h->data_size % AES_BLOCK != 0) {
            rc = fail(rw, SK_ECORRUPT, "RAR5 encrypted data not a whole number of AES blocks");
        } else {
            rc = decrypt_member(rw, h, &ff, &crypt, &extra, &keys, data);
        }
        if (rc == 0 && h->type == SK_RAR5_HEAD_FILE) {
            struct sk_rar5_opened o = {.file_index = at->file_index,
                                       .candidate = index,
                                       .has_crc = ff.has_crc,
                                       .tweaked = crypt.tweaked,
                                       .crc = ff.crc};
            memcpy(o.hash_key, keys.hash_key, sizeof o.hash_key);
            rc = sk_dynbuf_add(rw->opened, &o, sizeof o);
        }
    }
    OPENSSL_cleanse(&keys, sizeof keys);
    sk_dynbuf_free(&extra);
    return rc;
}

/* The next header in plain bytes: straight from the input, or decrypted
 * into at->scratch (IV, then the header padded to AES blocks). */
static int next_header(struct sk_rar5_rewrite *rw, struct rewrite_pos *at, struct header *h)
{
    size_t left = sk_reader_left(&at->in);
    if (!at->headers_encrypted) {
        h->bytes = sk_reader_at(&at->in, at->in.pos, left);
        int rc = h->bytes ? parse_header(rw, h, left) : SK_ECORRUPT;
        if (rc == 0)
            sk_reader_skip(&at->in, h->len);
        return rc;
    }
    if (left < SK_RAR5_IV + AES_BLOCK)
        return fail(rw, SK_ECORRUPT, "RAR5 encrypted header cut short");
    struct sk_reader look = at->in;
    const uint8_t *iv = sk_reader_bytes(&look, SK_RAR5_IV);
    const uint8_t *enc = sk_reader_at(&look, look.pos, sk_reader_left(&look));
    if (!iv || !enc)
        return fail(rw, SK_ECORRUPT, "RAR5 encrypted header cut short");
    int rc = sk_rar5_decrypt(at->header_keys.key, iv, enc, AES_BLOCK, at->scratch);
    if (rc != 0)
        return rc;
    struct sk_reader r = sk_reader_make(at->scratch, AES_BLOCK);
    (void)sk_reader_u32le(&r);
    uint64_t size = sk_rar5_vint(&r);
    if (r.err || size == 0 || size > MAX_HEADER)
        return fail(rw, SK_ECORRUPT, "RAR5 encrypted header size out of bounds");
    size_t padded = (r.pos + (size_t)size + AES_BLOCK - 1) / AES_BLOCK * AES_BLOCK;
    if (padded > left - SK_RAR5_IV)
        return fail(rw, SK_ECORRUPT, "RAR5 encrypted header past the end of the archive");
    rc = sk_rar5_decrypt(at->header_keys.key, iv, enc, padded, at->scratch);
    if (rc != 0)
        return rc;
    h->bytes = at->scratch;
    rc = parse_header(rw, h, padded);
    if (rc == 0)
        sk_reader_skip(&at->in, SK_RAR5_IV + padded);
    return rc;
}

/* The archive encryption header: the candidate that opens the headers. */
static int open_headers(struct sk_rar5_rewrite *rw, struct rewrite_pos *at, const struct header *h)
{
    struct sk_rar5_crypt c;
    struct sk_reader b = h->fields;
    if (sk_rar5_read_archive_crypt(&b, &c) != 0)
        return fail(rw, SK_ECORRUPT, "RAR5 archive encryption header cut short");
    int rc = sk_rar5_find_password(rw->trial, &c, &rw->header_candidate, &at->header_keys);
    if (rc == SK_EUNSUPPORTED)
        return fail(rw, rc, "RAR5 archive encryption header without a usable check value");
    rw->expired = rc == SK_ELIMIT;
    if (rc == SK_ELIMIT)
        return SK_DONE;
    if (rc != 0)
        return rc;
    void *room = NULL;
    rc = sk_dynbuf_extend(&at->scratch_buf, MAX_HEADER + AES_BLOCK, &room);
    at->scratch = room;
    at->headers_encrypted = rc == 0;
    rw->headers_opened = rc == 0;
    return rc;
}

static int rewrite_headers(struct sk_rar5_rewrite *rw, struct rewrite_pos *at)
{
    const uint8_t *signature = sk_reader_bytes(&at->in, 8);
    int rc = signature ? sk_dynbuf_add(rw->out, signature, 8) : SK_ECORRUPT;
    for (unsigned n = 0; rc == 0; n++) {
        if (n >= SK_RAR5_MAX_HEADERS)
            return fail(rw, SK_ECORRUPT, "too many RAR5 headers");
        if (sk_reader_left(&at->in) == 0)
            return fail(rw, SK_ECORRUPT, "RAR5 archive ends without its end header");
        struct header h;
        rc = next_header(rw, at, &h);
        if (rc != 0)
            return rc;
        if (h.data_size > sk_reader_left(&at->in))
            return fail(rw, SK_ECORRUPT, "RAR5 data area past the end of the archive");
        if (h.flags & HFL_SPLIT)
            return fail(rw, SK_EUNSUPPORTED, "RAR5 member split across volumes");
        const uint8_t *data = sk_reader_bytes(&at->in, (size_t)h.data_size);
        if (h.type == SK_RAR5_HEAD_CRYPT) {
            if (n != 0 || at->headers_encrypted)
                return fail(rw, SK_ECORRUPT, "RAR5 archive encryption header repeated");
            rc = open_headers(rw, at, &h);
            continue;
        }
        if (h.type == SK_RAR5_HEAD_FILE || h.type == SK_RAR5_HEAD_SERVICE) {
            rc = rewrite_member(rw, at, &h, data);
            at->file_index += h.type == SK_RAR5_HEAD_FILE;
            continue;
        }
        rc = sk_dynbuf_add(rw->out, h.bytes, h.len);
        if (rc == 0)
            rc = sk_dynbuf_add(rw->out, data, (size_t)h.data_size);
        if (rc == 0 && h.type == SK_RAR5_HEAD_END)
            return 0;
    }
    return rc;
}

int sk_rar5_rewrite(const uint8_t *p, size_t len, struct sk_rar5_rewrite *rw)
{
    if (!sk_rar5_signature(p, len))
        return fail(rw, SK_EUNSUPPORTED, "no RAR5 signature at the start");
    struct rewrite_pos at = {.in = sk_reader_make(p, len)};
    sk_dynbuf_init_alloc(&at.scratch_buf, MAX_HEADER + 2 * AES_BLOCK, rw->out->allocator);
    int rc = rewrite_headers(rw, &at);
    OPENSSL_cleanse(&at.header_keys, sizeof at.header_keys);
    sk_dynbuf_free(&at.scratch_buf);
    return rc;
}
