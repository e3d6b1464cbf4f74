/* RAR 3.x/4.x encryption and the plain rewrite.
 *
 * Spec: RAR 4.x technote (rarlab.com, "RAR version 4.x - Technical
 * information"): blocks of HEAD_CRC (low 16 bits of the CRC32 of the
 * header from HEAD_TYPE on), HEAD_TYPE, HEAD_FLAGS, HEAD_SIZE, and with
 * flag 0x8000 a 4-byte ADD_SIZE of data after the header; the file header
 * (0x74) PACK_SIZE, UNP_SIZE, HOST_OS, FILE_CRC, FTIME, UNP_VER, METHOD,
 * NAME_SIZE, ATTR, HIGH_PACK_SIZE and HIGH_UNP_SIZE with LHD_LARGE, the
 * name, the 8-byte salt with LHD_SALT, then extended time. Keys as unrar
 * derives them (crypt3.cpp, SetKey30): SHA-1 over 0x40000 repetitions of
 * the UTF-16LE password, the salt and the round number as 3 bytes little-
 * endian; at every 0x4000th round the IV byte round/0x4000 is the last
 * byte of the digest so far; the key is the final digest's first four
 * 32-bit words, each byte-reversed. Data is AES-128-CBC, padded to 16
 * bytes; there is no check value.
 * Supports: encrypted file headers, stored (CRC32 checked here) and
 * compressed (the caller's verifier), including the first member of a
 * solid archive. Refuses: members flagged solid (libarchive 3.6 reads
 * none, so no verifier can prove them: left encrypted, counted), encrypted headers (rar -hp), members
 * split across volumes (copied as they are), candidates over
 * SK_RAR4_MAX_RAW bytes (unrar's SHA-1 quirk).
 * Limits: one output buffer capped by the caller; a header inside the
 * input; at most SK_RAR4_MAX_HEADERS headers; the deadline before each
 * key derivation. */
#include "rar4crypt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../engine/error.h"
#include "../engine/job.h"
#include "../engine/reader.h"

#define MARK_LEN 7u
#define AES_BLOCK 16u
#define KDF_ROUNDS 0x40000u
#define ROUNDS_PER_CHUNK 1024u

#define HEAD_MAIN 0x73u
#define HEAD_FILE 0x74u
#define HEAD_END 0x7bu
#define MHD_PASSWORD 0x0080u
#define LHD_SPLIT 0x0003u
#define LHD_PASSWORD 0x0004u
#define LHD_SOLID 0x0010u
#define LHD_LARGE 0x0100u
#define LHD_SALT 0x0400u
#define LONG_BLOCK 0x8000u
#define METHOD_STORE 0x30u
#define MAX_HEADER 0x10000u /* HEAD_SIZE is 16 bits */
#define FILE_FIXED 32u /* the file header's fields before HIGH_PACK_SIZE or the name */

bool sk_rar4_signature(const uint8_t *p, size_t len)
{
    return len >= MARK_LEN && memcmp(p, "Rar!\x1a\x07\x00", MARK_LEN) == 0;
}

/* ---- keys ----------------------------------------------------------------- */

/* The UTF-8 password as UTF-16LE into out (at most max bytes): its length,
 * or 0 when it is invalid or does not fit. */
static size_t to_utf16le(const char *s, size_t n, uint8_t *out, size_t max)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = p[i];
        size_t extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2
                     : (c & 0xF8) == 0xF0 ? 3 : 4;
        if (extra > 3 || extra >= n - i)
            return 0;
        c = extra ? c & (0x3Fu >> extra) : c;
        for (size_t k = 1; k <= extra; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (p[i + k] & 0x3Fu);
        }
        i += extra + 1;
        if (c > 0x10FFFF || (c >= 0xD800 && c < 0xE000))
            return 0;
        uint16_t units[2] = {(uint16_t)c, 0};
        size_t count = 1;
        if (c >= 0x10000) {
            units[0] = (uint16_t)(0xD800 + ((c - 0x10000) >> 10));
            units[1] = (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF));
            count = 2;
        }
        for (size_t k = 0; k < count; k++) {
            if (o + 2 > max)
                return 0;
            out[o++] = (uint8_t)units[k];
            out[o++] = (uint8_t)(units[k] >> 8);
        }
    }
    return o;
}

/* Feeds rounds [from, to) of the hash input, a chunk at a time. */
static bool hash_rounds(EVP_MD_CTX *c, const uint8_t *raw, size_t raw_len, uint32_t from,
                        uint32_t to, uint8_t *chunk)
{
    while (from < to) {
        uint32_t end = to - from > ROUNDS_PER_CHUNK ? from + ROUNDS_PER_CHUNK : to;
        size_t o = 0;
        for (uint32_t i = from; i < end; i++) {
            memcpy(chunk + o, raw, raw_len);
            o += raw_len;
            chunk[o++] = (uint8_t)i;
            chunk[o++] = (uint8_t)(i >> 8);
            chunk[o++] = (uint8_t)(i >> 16);
        }
        if (!EVP_DigestUpdate(c, chunk, o))
            return false;
        from = end;
    }
    return true;
}

/* The rounds (0x40000): each 0x4000th round's digest gives an IV byte. */
static bool kdf(const uint8_t *raw, size_t raw_len, uint32_t rounds, uint8_t *chunk,
                struct sk_rar4_key *k)
{
    const uint32_t every = rounds / 16u;
    EVP_MD_CTX *c = EVP_MD_CTX_new(), *tmp = EVP_MD_CTX_new();
    uint8_t d[20];
    unsigned int got = 0;
    bool ok = c && tmp && EVP_DigestInit_ex(c, EVP_sha1(), NULL);
    for (uint32_t i = 0; ok && i < rounds; i += every) {
        ok = hash_rounds(c, raw, raw_len, i, i + 1, chunk) && EVP_MD_CTX_copy_ex(tmp, c) &&
             EVP_DigestFinal_ex(tmp, d, &got);
        k->iv[i / every] = d[19];
        ok = ok && hash_rounds(c, raw, raw_len, i + 1, i + every, chunk);
    }
    ok = ok && EVP_DigestFinal_ex(c, d, &got) && got == 20;
    /* unrar reads the digest as big-endian words and stores each word's
     * bytes low first. */
    for (unsigned w = 0; ok && w < 4; w++)
        for (unsigned b = 0; b < 4; b++)
            k->key[w * 4 + b] = d[w * 4 + 3 - b];
    OPENSSL_cleanse(d, sizeof d);
    EVP_MD_CTX_free(c);
    EVP_MD_CTX_free(tmp);
    return ok;
}

static int derive(const char *pw, size_t len, const uint8_t *salt, uint32_t rounds,
                  struct sk_rar4_key *k)
{
    uint8_t raw[SK_RAR4_MAX_RAW];
    size_t salt_len = salt ? SK_RAR4_SALT : 0;
    size_t n = len ? to_utf16le(pw, len, raw, sizeof raw - salt_len) : 0;
    if (len && n == 0)
        return SK_EUNSUPPORTED;
    if (salt)
        memcpy(raw + n, salt, SK_RAR4_SALT);
    n += salt_len;
    uint8_t *chunk = malloc(ROUNDS_PER_CHUNK * (sizeof raw + 3));
    if (!chunk)
        return SK_ENOMEM;
    bool ok = kdf(raw, n, rounds, chunk, k);
    OPENSSL_cleanse(chunk, ROUNDS_PER_CHUNK * (sizeof raw + 3));
    OPENSSL_cleanse(raw, sizeof raw);
    free(chunk);
    return ok ? 0 : SK_EINTERNAL;
}

int sk_rar4_derive(const char *pw, size_t len, const uint8_t *salt, struct sk_rar4_key *k)
{
    return derive(pw, len, salt, KDF_ROUNDS, k);
}

int sk_rar4_decrypt(const struct sk_rar4_key *k, const uint8_t *in, size_t n, uint8_t *out)
{
    if (n % AES_BLOCK != 0 || n > INT32_MAX)
        return SK_EINTERNAL;
    if (n == 0)
        return 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int got = 0, fin = 0;
    bool ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, k->key, k->iv) &&
              EVP_CIPHER_CTX_set_padding(ctx, 0) &&
              EVP_DecryptUpdate(ctx, out, &got, in, (int)n) &&
              EVP_DecryptFinal_ex(ctx, out + got, &fin) && (size_t)(got + fin) == n;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : SK_EINTERNAL;
}

/* Candidate i's key for a salt: derived once per request. */
static int key_for(struct sk_rar4_rewrite *rw, const uint8_t *salt, size_t i,
                   const struct sk_rar4_key **key)
{
    size_t filled = rw->cached < SK_RAR4_KEY_CACHE ? rw->cached : SK_RAR4_KEY_CACHE;
    for (size_t s = 0; s < filled; s++) {
        if (rw->cache[s].index == i && rw->cache[s].salted == (salt != NULL) &&
            (!salt || memcmp(rw->cache[s].salt, salt, SK_RAR4_SALT) == 0)) {
            *key = &rw->cache[s].key;
            return rw->cache[s].rc;
        }
    }
    if (rw->deadline_ns && sk_now_ns() >= rw->deadline_ns) {
        rw->expired = true;
        return SK_ELIMIT;
    }
    size_t slot = rw->cached++ % SK_RAR4_KEY_CACHE;
    rw->cache[slot].index = i;
    rw->cache[slot].salted = salt != NULL;
    if (salt)
        memcpy(rw->cache[slot].salt, salt, SK_RAR4_SALT);
    uint32_t rounds = rw->kdf_rounds && rw->kdf_rounds <= KDF_ROUNDS && rw->kdf_rounds % 16 == 0
                          ? rw->kdf_rounds
                          : KDF_ROUNDS;
    int rc = derive(rw->values[i], rw->lengths[i], salt, rounds, &rw->cache[slot].key);
    rw->cache[slot].rc = rc;
    *key = &rw->cache[slot].key;
    return rc;
}

/* ---- the rewrite ---------------------------------------------------------- */

/* One block: its header bytes and its data area. */
struct block {
    const uint8_t *head;
    size_t head_len;
    unsigned type, flags;
    const uint8_t *data;
    size_t data_len;
};

/* A file header's fields the rewrite needs. */
struct file_head {
    uint32_t crc;
    uint64_t unpacked_size;
    unsigned method;
    const uint8_t *salt; /* NULL without LHD_SALT */
    size_t salt_at;      /* the salt's offset in the header */
};

static int fail(struct sk_rar4_rewrite *rw, int err, const char *why)
{
    rw->why = why;
    return err;
}

/* The low 16 bits of the CRC32 of h[2..len): from HEAD_TYPE on. */
static uint16_t head_crc(const uint8_t *h, size_t len)
{
    struct sk_reader r = sk_reader_make(h, len);
    const uint8_t *covered = sk_reader_at(&r, 2, len - 2);
    return covered ? (uint16_t)(crc32(0L, covered, (uInt)(len - 2)) & 0xFFFFu) : 0;
}

/* Reads the block whose header is h[0..avail) (the input at its position,
 * or a decrypted header) and whose data follows in `in` after skip bytes
 * (the header's own length in the input). */
static int parse_block(struct sk_rar4_rewrite *rw, const uint8_t *h, size_t avail,
                       struct sk_reader *in, bool encrypted, struct block *b)
{
    const size_t at = 0;
    struct sk_reader r = sk_reader_make(h, avail);
    (void)sk_reader_u16le(&r);
    b->type = sk_reader_u8(&r);
    b->flags = sk_reader_u16le(&r);
    size_t size = sk_reader_u16le(&r);
    if (r.err || size < 7)
        return fail(rw, SK_ECORRUPT, "RAR header cut short");
    b->head = sk_reader_at(&r, at, size);
    if (!b->head)
        return fail(rw, SK_ECORRUPT, "RAR header past the end of the archive");
    b->head_len = size;
    uint64_t data = 0;
    if (b->flags & LONG_BLOCK) {
        if (size < 11)
            return fail(rw, SK_ECORRUPT, "RAR header too short for its data size");
        data = sk_reader_u32le_at(&r, at + 7);
    }
    if (b->type == HEAD_FILE) {
        if (size < FILE_FIXED + ((b->flags & LHD_LARGE) ? 8u : 0u))
            return fail(rw, SK_ECORRUPT, "RAR file header too short");
        if (b->flags & LHD_LARGE)
            data |= (uint64_t)sk_reader_u32le_at(&r, at + FILE_FIXED) << 32;
    }
    if (encrypted && sk_reader_u16le_at(&r, 0) != head_crc(b->head, size))
        return fail(rw, SK_ECORRUPT, "RAR encrypted header CRC mismatch");
    sk_reader_skip(in, encrypted ? (size + AES_BLOCK - 1) / AES_BLOCK * AES_BLOCK : size);
    if (data > sk_reader_left(in))
        return fail(rw, SK_ECORRUPT, "RAR data area past the end of the archive");
    b->data_len = (size_t)data;
    b->data = sk_reader_bytes(in, b->data_len);
    return 0;
}

static int next_block(struct sk_rar4_rewrite *rw, struct sk_reader *in, struct block *b)
{
    const uint8_t *h = sk_reader_at(in, in->pos, sk_reader_left(in));
    return h ? parse_block(rw, h, sk_reader_left(in), in, false, b)
             : fail(rw, SK_ECORRUPT, "RAR header cut short");
}

/* Decrypts the header at the input's position (its salt, then AES blocks)
 * into scratch (MAX_HEADER + 16 bytes) with candidate i's key: 0 with *len,
 * SK_DONE when the result is not a header (a wrong key), or an error. */
static int decrypt_header(struct sk_rar4_rewrite *rw, const struct sk_reader *in, size_t i,
                          uint8_t *scratch, size_t *len)
{
    struct sk_reader r = *in;
    const uint8_t *salt = sk_reader_bytes(&r, SK_RAR4_SALT);
    const uint8_t *first = sk_reader_at(&r, r.pos, AES_BLOCK);
    if (!salt || !first)
        return fail(rw, SK_ECORRUPT, "RAR encrypted header cut short");
    const struct sk_rar4_key *key;
    int rc = key_for(rw, salt, i, &key);
    if (rc == 0)
        rc = sk_rar4_decrypt(key, first, AES_BLOCK, scratch);
    if (rc != 0)
        return rc == SK_EUNSUPPORTED ? SK_DONE : rc;
    struct sk_reader fb = sk_reader_make(scratch, AES_BLOCK);
    size_t size = sk_reader_u16le_at(&fb, 5);
    size_t padded = (size + AES_BLOCK - 1) / AES_BLOCK * AES_BLOCK;
    const uint8_t *all = sk_reader_at(&r, r.pos, padded);
    if (size < 7 || !all)
        return SK_DONE;
    rc = sk_rar4_decrypt(key, all, padded, scratch);
    if (rc != 0)
        return rc;
    struct sk_reader h = sk_reader_make(scratch, padded);
    if (sk_reader_u16le_at(&h, 0) != head_crc(scratch, size))
        return SK_DONE;
    *len = padded;
    return 0;
}

static int parse_file(struct sk_rar4_rewrite *rw, const struct block *b, struct file_head *f)
{
    struct sk_reader r = sk_reader_make(b->head, b->head_len);
    if (sk_reader_u16le_at(&r, 0) != head_crc(b->head, b->head_len))
        return fail(rw, SK_ECORRUPT, "RAR file header CRC mismatch");
    f->unpacked_size = sk_reader_u32le_at(&r, 11);
    f->crc = sk_reader_u32le_at(&r, 16);
    f->method = sk_reader_u8_at(&r, 25);
    size_t name_len = sk_reader_u16le_at(&r, 26);
    size_t name_at = FILE_FIXED;
    if (b->flags & LHD_LARGE) {
        f->unpacked_size |= (uint64_t)sk_reader_u32le_at(&r, 36) << 32;
        name_at += 8;
    }
    f->salt_at = name_at + name_len;
    f->salt = (b->flags & LHD_SALT) ? sk_reader_at(&r, f->salt_at, SK_RAR4_SALT) : NULL;
    if (r.err || f->salt_at > b->head_len || ((b->flags & LHD_SALT) && !f->salt))
        return fail(rw, SK_ECORRUPT, "RAR file header fields cut short");
    return 0;
}

/* The member's header with the password and salt flags cleared, the salt
 * dropped, PACK_SIZE for data_len bytes, and its CRC recomputed. */
static int put_plain_header(struct sk_dynbuf *out, const struct block *b,
                            const struct file_head *f, size_t data_len)
{
    uint8_t h[MAX_HEADER];
    size_t cut = f->salt ? SK_RAR4_SALT : 0;
    size_t len = b->head_len - cut;
    struct sk_reader r = sk_reader_make(b->head, b->head_len);
    const uint8_t *after = sk_reader_at(&r, f->salt_at + cut, b->head_len - f->salt_at - cut);
    if (!after)
        return SK_ECORRUPT;
    memcpy(h, b->head, f->salt_at);
    memcpy(h + f->salt_at, after, b->head_len - f->salt_at - cut);
    unsigned flags = b->flags & ~(LHD_PASSWORD | LHD_SALT);
    h[3] = (uint8_t)flags;
    h[4] = (uint8_t)(flags >> 8);
    h[5] = (uint8_t)len;
    h[6] = (uint8_t)(len >> 8);
    uint64_t d = data_len;
    for (unsigned i = 0; i < 4; i++) {
        h[7 + i] = (uint8_t)(d >> (8 * i));
        if (flags & LHD_LARGE)
            h[FILE_FIXED + i] = (uint8_t)(d >> (32 + 8 * i));
    }
    uint16_t crc = head_crc(h, len);
    h[0] = (uint8_t)crc;
    h[1] = (uint8_t)(crc >> 8);
    return sk_dynbuf_add(out, h, len);
}

static int put_end(struct sk_dynbuf *out)
{
    uint8_t end[7] = {0, 0, HEAD_END, 0x00, 0x40, 7, 0};
    uint16_t crc = head_crc(end, sizeof end);
    end[0] = (uint8_t)crc;
    end[1] = (uint8_t)(crc >> 8);
    return sk_dynbuf_add(out, end, sizeof end);
}

struct rewrite_pos {
    bool headers_encrypted; /* and opened: every header after the main one */
    uint8_t *scratch;       /* one decrypted header */
    size_t main_end;   /* where the main header ends in the output */
    unsigned file_index;
};

/* Whether the decrypted data plain[0..n) is the member: a stored one by
 * its CRC32, a compressed one decompressed by the verifier from a plain
 * archive of the main header (and, for a solid member, every member
 * before it) and this member. 1, 0 or <0. */
static int proven(struct sk_rar4_rewrite *rw, const struct rewrite_pos *at,
                  const struct block *b, const struct file_head *f, const uint8_t *plain,
                  size_t n)
{
    if (f->method == METHOD_STORE)
        return f->unpacked_size <= n &&
               (uint32_t)crc32(0L, plain, (uInt)f->unpacked_size) == f->crc;
    if (!rw->verify)
        return 0;
    bool solid = (b->flags & LHD_SOLID) != 0;
    size_t prefix = solid ? rw->out->len : at->main_end; /* for a libarchive that reads them */
    struct sk_dynbuf v;
    sk_dynbuf_init_alloc(&v, rw->out->toobig, rw->out->allocator);
    int rc = sk_dynbuf_add(&v, rw->out->p, prefix);
    if (rc == 0)
        rc = put_plain_header(&v, b, f, n);
    if (rc == 0)
        rc = sk_dynbuf_add(&v, plain, n);
    if (rc == 0)
        rc = put_end(&v);
    if (rc == 0)
        rc = rw->verify(rw->verify_ctx, (const uint8_t *)v.p, v.len, solid ? at->file_index : 0,
                        f->unpacked_size, f->crc);
    else if (rc == SK_ELIMIT)
        rc = 0;
    if (v.p)
        OPENSSL_cleanse(v.p, v.len);
    sk_dynbuf_free(&v);
    return rc;
}

/* Tries each candidate on the member: its index when one is proven, with
 * the decrypted data in plain; SK_DONE when none is. */
static int trial(struct sk_rar4_rewrite *rw, const struct rewrite_pos *at, const struct block *b,
                 const struct file_head *f, uint8_t *plain, size_t *found)
{
    for (size_t i = 0; i < rw->n; i++) {
        const struct sk_rar4_key *key;
        int rc = key_for(rw, f->salt, i, &key);
        if (rc == SK_EUNSUPPORTED)
            continue;
        if (rc == SK_ELIMIT)
            return SK_DONE;
        if (rc == 0)
            rc = sk_rar4_decrypt(key, b->data, b->data_len, plain);
        if (rc == 0)
            rc = proven(rw, at, b, f, plain, b->data_len);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            *found = i;
            return 0;
        }
    }
    return SK_DONE;
}

static int copy_block(struct sk_rar4_rewrite *rw, const struct block *b)
{
    int rc = sk_dynbuf_add(rw->out, b->head, b->head_len);
    if (rc == 0 && b->data_len)
        rc = sk_dynbuf_add(rw->out, b->data, b->data_len);
    return rc;
}

/* An encrypted file header: decrypted with the candidate that proves
 * right, or copied as it is. */
static int rewrite_member(struct sk_rar4_rewrite *rw, struct rewrite_pos *at,
                          const struct block *b)
{
    struct file_head f;
    int rc = parse_file(rw, b, &f);
    if (rc != 0)
        return rc;
    /* libarchive 3.6 reads no member flagged solid ("RAR solid archive
     * support unavailable"), so the verifier could never prove one: they
     * are not tried. Non-solid members of a solid archive are. */
    bool solid_blocked = (b->flags & LHD_SOLID) != 0;
    bool tryable = !(b->flags & LHD_SPLIT) && b->data_len % AES_BLOCK == 0 && !solid_blocked &&
                   !rw->expired;
    size_t found = 0;
    struct sk_dynbuf tmp;
    sk_dynbuf_init_alloc(&tmp, b->data_len + 1, rw->out->allocator);
    void *room = NULL;
    rc = tryable && b->data_len ? sk_dynbuf_extend(&tmp, b->data_len, &room) : 0;
    if (rc == 0)
        rc = tryable ? trial(rw, at, b, &f, room, &found) : SK_DONE;
    if (rc == 0) {
        size_t n = f.method == METHOD_STORE ? (size_t)f.unpacked_size : b->data_len;
        struct sk_rar4_opened o = {.file_index = at->file_index, .candidate = found};
        rc = put_plain_header(rw->out, b, &f, n);
        if (rc == 0 && n)
            rc = sk_dynbuf_add(rw->out, room, n);
        if (rc == 0)
            rc = sk_dynbuf_add(rw->opened, &o, sizeof o);
    } else if (rc == SK_DONE) {
        rw->undecided++;
        rw->solid_unopened += solid_blocked;
        rc = copy_block(rw, b);
    }
    if (tmp.p)
        OPENSSL_cleanse(tmp.p, tmp.len);
    sk_dynbuf_free(&tmp);
    return rc;
}

/* The main header says the headers are encrypted (rar -hp): the first
 * candidate whose key decrypts the next header to a matching CRC opens
 * them (a 16-bit CRC: about one wrong candidate in 65536 gets past it and
 * then fails on the members' CRC32s). The main header is copied with the
 * flag cleared. */
static int open_headers(struct sk_rar4_rewrite *rw, struct rewrite_pos *at,
                        const struct sk_reader *in, const struct block *main)
{
    rw->headers_encrypted = true;
    size_t len;
    for (size_t i = 0; i < rw->n; i++) {
        int rc = decrypt_header(rw, in, i, at->scratch, &len);
        if (rc == SK_ELIMIT)
            break;
        if (rc == SK_DONE)
            continue;
        if (rc != 0)
            return rc;
        rw->header_candidate = i;
        rw->headers_opened = true;
        at->headers_encrypted = true;
        uint8_t h[MAX_HEADER];
        memcpy(h, main->head, main->head_len);
        unsigned flags = main->flags & ~MHD_PASSWORD;
        h[3] = (uint8_t)flags;
        h[4] = (uint8_t)(flags >> 8);
        uint16_t crc = head_crc(h, main->head_len);
        h[0] = (uint8_t)crc;
        h[1] = (uint8_t)(crc >> 8);
        return sk_dynbuf_add(rw->out, h, main->head_len);
    }
    return fail(rw, SK_EENCRYPTED, "RAR headers are encrypted (rar -hp) and no candidate opens them");
}

/* The next block: plain, or (after an opened -hp main header) its salt and
 * encrypted header decrypted with the header candidate's key. */
static int read_block(struct sk_rar4_rewrite *rw, struct rewrite_pos *at, struct sk_reader *in,
                      struct block *b)
{
    if (!at->headers_encrypted)
        return next_block(rw, in, b);
    size_t len;
    int rc = decrypt_header(rw, in, rw->header_candidate, at->scratch, &len);
    if (rc == SK_DONE)
        return fail(rw, SK_ECORRUPT, "RAR encrypted header does not decrypt (damage)");
    if (rc == SK_ELIMIT)
        return fail(rw, SK_ECORRUPT, "RAR encrypted headers: the deadline passed");
    if (rc != 0)
        return rc;
    sk_reader_skip(in, SK_RAR4_SALT);
    return parse_block(rw, at->scratch, len, in, true, b);
}

static int rewrite_blocks(struct sk_rar4_rewrite *rw, struct sk_reader *in, uint8_t *scratch)
{
    struct rewrite_pos at = {.main_end = MARK_LEN, .scratch = scratch};
    int rc = sk_dynbuf_add(rw->out, sk_reader_bytes(in, MARK_LEN), MARK_LEN);
    for (unsigned n = 0; rc == 0 && sk_reader_left(in) > 0; n++) {
        if (n >= SK_RAR4_MAX_HEADERS)
            return fail(rw, SK_ECORRUPT, "too many RAR headers");
        struct block b;
        rc = read_block(rw, &at, in, &b);
        if (rc != 0)
            return rc;
        if (b.type == HEAD_MAIN && (b.flags & MHD_PASSWORD)) {
            if (at.headers_encrypted || at.main_end != MARK_LEN)
                return fail(rw, SK_ECORRUPT, "RAR main header repeated");
            rc = open_headers(rw, &at, in, &b);
        } else if (b.type == HEAD_FILE && (b.flags & LHD_PASSWORD)) {
            rc = rewrite_member(rw, &at, &b);
        } else {
            rc = copy_block(rw, &b);
        }
        if (b.type == HEAD_MAIN && at.main_end == MARK_LEN)
            at.main_end = rw->out->len;
        at.file_index += b.type == HEAD_FILE;
        if (b.type == HEAD_END)
            break;
    }
    return rc;
}

int sk_rar4_rewrite(const uint8_t *p, size_t len, struct sk_rar4_rewrite *rw)
{
    if (!sk_rar4_signature(p, len))
        return fail(rw, SK_EUNSUPPORTED, "no RAR signature at the start");
    struct sk_reader in = sk_reader_make(p, len);
    uint8_t *scratch = malloc(MAX_HEADER + AES_BLOCK);
    if (!scratch)
        return SK_ENOMEM;
    int rc = rewrite_blocks(rw, &in, scratch);
    OPENSSL_cleanse(scratch, MAX_HEADER + AES_BLOCK);
    free(scratch);
    OPENSSL_cleanse(rw->cache, sizeof rw->cache);
    rw->cached = 0;
    return rc;
}
