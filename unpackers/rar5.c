/* RAR 5.0 header walk.
 *
 * Spec: RAR 5.0 archive format (rarlab.com technote, "RAR 5.0 archive
 * format"): the signature `Rar!\x1A\x07\x01\x00`; each header is CRC32,
 * header size (vint), header type, header flags, [extra area size], [data
 * size], the type's fields, the extra area; the data area follows the
 * header. Types: 1 main archive, 2 file, 3 service, 4 archive encryption,
 * 5 end of archive. A file header's extra area holds records (size, type,
 * data); type 1 is the file encryption record (version, flags, KDF count,
 * salt, IV, optional check value), type 5 a redirection (a link).
 * Supports: single-volume archives whose signature is at offset 0, file and
 * service headers, the encryption record's parameters, solid archives.
 * Refuses: self-extractors (signature not at 0) and volumes (SK_EUNSUPPORTED:
 * the caller leaves them to libarchive as before; a member marked split in
 * an archive that is no volume is corrupt); archives whose headers are
 * encrypted are recognised (SK_EENCRYPTED) but not decrypted.
 * Limits: every read goes through the bounded reader; a vint is at most 10
 * bytes and 64 bits; a header at most 2 MiB (the spec's own bound) and
 * inside the input, with its CRC32 checked; a data area inside the input;
 * at most SK_RAR5_MAX_HEADERS headers and, within a header, as many extra
 * records as its extra area has bytes. Nothing is allocated. */
#include "rar5.h"

#include <string.h>
#include <zlib.h>

#define MHFL_VOLUME 0x0001u
#define MHFL_VOLNUMBER 0x0002u
#define MHFL_SOLID 0x0004u

#define FHFL_DIRECTORY 0x0001u

#define FHEXTRA_REDIR 0x05u

#define CHFL_CRYPT_PSWCHECK 0x0001u
#define FHEXTRA_CRYPT_PSWCHECK 0x0001u
#define FHEXTRA_CRYPT_HASHMAC 0x0002u

#define MAX_HEADER SK_RAR5_MAX_HEADER

static const uint8_t signature[8] = {'R', 'a', 'r', '!', 0x1A, 0x07, 0x01, 0x00};

bool sk_rar5_signature(const uint8_t *p, size_t len)
{
    return len >= sizeof signature && memcmp(p, signature, sizeof signature) == 0;
}

/* 7 bits a byte, low first, the high bit saying "more". The spec allows
 * padding with 0x80 bytes (libarchive's fixtures do), so up to 10 bytes;
 * bits past 64 are an error. */
uint64_t sk_rar5_vint(struct sk_reader *r)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < 10; i++) {
        uint8_t b = sk_reader_u8(r);
        if (r->err)
            return 0;
        uint64_t bits = b & 0x7Fu;
        if (i == 9 && bits > 1) {
            r->err = SK_ECORRUPT;
            return 0;
        }
        value |= bits << (7 * i);
        if (!(b & 0x80u))
            return value;
    }
    r->err = SK_ECORRUPT;
    return 0;
}

static int fail(struct sk_rar5_walk *w, int err, const char *why)
{
    if (!w->err) {
        w->err = err;
        w->why = why;
    }
    return w->err;
}

/* One header's common part. On success *body covers the header from its
 * type on (the extra area at its end), *extra_size and *data_size are
 * checked against it and the input, and the walk stands after the data. */
struct header {
    uint64_t type;
    uint64_t flags;
    struct sk_reader body;  /* the type's fields, the extra area excluded */
    struct sk_reader extra; /* the extra area */
    size_t data_offset;
    uint64_t data_size;
};

static int read_header(struct sk_rar5_walk *w, struct header *h)
{
    struct sk_reader *r = &w->r;
    if (++w->headers > SK_RAR5_MAX_HEADERS)
        return fail(w, SK_ELIMIT, "too many RAR5 headers");
    uint32_t crc = sk_reader_u32le(r);
    size_t size_at = r->pos;
    uint64_t size = sk_rar5_vint(r);
    if (r->err)
        return fail(w, SK_ECORRUPT, "RAR5 header cut short");
    if (size == 0 || size > MAX_HEADER || size > sk_reader_left(r))
        return fail(w, SK_ECORRUPT, "RAR5 header size out of bounds");
    struct sk_reader body = sk_reader_sub(r, (size_t)size);
    /* The CRC covers the size field and the header after it. */
    uLong actual = crc32(0L, r->p + size_at, (uInt)(r->pos - size_at));
    if ((uint32_t)actual != crc)
        return fail(w, SK_ECORRUPT, "RAR5 header CRC mismatch");
    h->type = sk_rar5_vint(&body);
    h->flags = sk_rar5_vint(&body);
    uint64_t extra_size = (h->flags & SK_RAR5_HFL_EXTRA) ? sk_rar5_vint(&body) : 0;
    h->data_size = (h->flags & SK_RAR5_HFL_DATA) ? sk_rar5_vint(&body) : 0;
    if (body.err)
        return fail(w, SK_ECORRUPT, "RAR5 header fields cut short");
    if (extra_size > sk_reader_left(&body))
        return fail(w, SK_ECORRUPT, "RAR5 extra area larger than its header");
    size_t fields = sk_reader_left(&body) - (size_t)extra_size;
    h->body = sk_reader_sub(&body, fields);
    h->extra = sk_reader_sub(&body, (size_t)extra_size);
    if (h->data_size > sk_reader_left(r))
        return fail(w, SK_ECORRUPT, "RAR5 data area past the end of the archive");
    h->data_offset = r->pos;
    sk_reader_skip(r, (size_t)h->data_size);
    return 0;
}

int sk_rar5_open(struct sk_rar5_walk *w, const uint8_t *p, size_t len)
{
    memset(w, 0, sizeof *w);
    w->r = sk_reader_make(p, len);
    if (!sk_rar5_signature(p, len))
        return fail(w, SK_EUNSUPPORTED, "no RAR5 signature at the start");
    sk_reader_skip(&w->r, sizeof signature);
    struct header h;
    int rc = read_header(w, &h);
    if (rc != 0)
        return rc;
    if (h.type == SK_RAR5_HEAD_CRYPT) {
        /* Archive encryption header: every header after it is encrypted,
         * names included. Kept for a later password trial. */
        if (sk_rar5_read_archive_crypt(&h.body, &w->header_crypt) != 0)
            return fail(w, SK_ECORRUPT, "RAR5 archive encryption header cut short");
        return fail(w, SK_EENCRYPTED, "RAR5 headers are encrypted");
    }
    if (h.type != SK_RAR5_HEAD_MAIN)
        return fail(w, SK_ECORRUPT, "RAR5 archive does not start with a main header");
    uint64_t flags = sk_rar5_vint(&h.body);
    if (flags & MHFL_VOLNUMBER)
        (void)sk_rar5_vint(&h.body);
    if (h.body.err)
        return fail(w, SK_ECORRUPT, "RAR5 main header cut short");
    if (flags & MHFL_VOLUME)
        return fail(w, SK_EUNSUPPORTED, "RAR5 multi-volume archive");
    w->solid = (flags & MHFL_SOLID) != 0;
    return 0;
}

int sk_rar5_read_archive_crypt(struct sk_reader *body, struct sk_rar5_crypt *c)
{
    memset(c, 0, sizeof *c);
    c->version = (unsigned)sk_rar5_vint(body);
    uint64_t flags = sk_rar5_vint(body);
    c->kdf_log2 = sk_reader_u8(body);
    const uint8_t *salt = sk_reader_bytes(body, SK_RAR5_SALT);
    c->has_check = (flags & CHFL_CRYPT_PSWCHECK) != 0;
    const uint8_t *check = c->has_check ? sk_reader_bytes(body, SK_RAR5_CHECK) : NULL;
    if (body->err)
        return SK_ECORRUPT;
    memcpy(c->salt, salt, SK_RAR5_SALT);
    if (check)
        memcpy(c->check, check, SK_RAR5_CHECK);
    return 0;
}

int sk_rar5_read_crypt(struct sk_reader *rec, struct sk_rar5_crypt *c)
{
    c->version = (unsigned)sk_rar5_vint(rec);
    uint64_t flags = sk_rar5_vint(rec);
    c->kdf_log2 = sk_reader_u8(rec);
    const uint8_t *salt = sk_reader_bytes(rec, SK_RAR5_SALT);
    const uint8_t *iv = sk_reader_bytes(rec, SK_RAR5_IV);
    c->has_check = (flags & FHEXTRA_CRYPT_PSWCHECK) != 0;
    c->tweaked = (flags & FHEXTRA_CRYPT_HASHMAC) != 0;
    const uint8_t *check = c->has_check ? sk_reader_bytes(rec, SK_RAR5_CHECK) : NULL;
    if (rec->err)
        return SK_ECORRUPT;
    memcpy(c->salt, salt, SK_RAR5_SALT);
    memcpy(c->iv, iv, SK_RAR5_IV);
    if (check)
        memcpy(c->check, check, SK_RAR5_CHECK);
    return 0;
}

/* Walks a file header's extra records: each is size (vint, counting from
 * its type on), type, data. The area's length bounds the loop: every
 * record takes at least two bytes. */
static int read_extra(struct sk_reader *extra, struct sk_rar5_file *f)
{
    while (sk_reader_left(extra) > 0) {
        uint64_t size = sk_rar5_vint(extra);
        if (extra->err || size == 0 || size > sk_reader_left(extra))
            return SK_ECORRUPT;
        struct sk_reader rec = sk_reader_sub(extra, (size_t)size);
        uint64_t type = sk_rar5_vint(&rec);
        if (rec.err)
            return SK_ECORRUPT;
        if (type == SK_RAR5_EXTRA_CRYPT) {
            /* Encrypted whatever the record's version says: a version we do
             * not know is still not plain data. */
            f->encrypted = true;
            if (sk_rar5_read_crypt(&rec, &f->crypt) != 0)
                return SK_ECORRUPT;
        } else if (type == FHEXTRA_REDIR) {
            f->link = true;
        }
    }
    return 0;
}

static int read_file(struct sk_rar5_walk *w, struct header *h, struct sk_rar5_file *f)
{
    struct sk_reader *b = &h->body;
    memset(f, 0, sizeof *f);
    uint64_t flags = sk_rar5_vint(b);
    f->unpacked_size = sk_rar5_vint(b);
    (void)sk_rar5_vint(b); /* attributes */
    if (flags & SK_RAR5_FHFL_UTIME)
        (void)sk_reader_u32le(b);
    f->has_crc = (flags & SK_RAR5_FHFL_CRC32) != 0;
    if (f->has_crc)
        f->crc = sk_reader_u32le(b);
    uint64_t compression = sk_rar5_vint(b);
    (void)sk_rar5_vint(b); /* host OS */
    uint64_t name_len = sk_rar5_vint(b);
    if (b->err)
        return fail(w, SK_ECORRUPT, "RAR5 file header cut short");
    if (name_len == 0 || name_len > sk_reader_left(b))
        return fail(w, SK_ECORRUPT, "RAR5 file name length out of bounds");
    f->name = sk_reader_bytes(b, (size_t)name_len);
    f->name_len = (size_t)name_len;
    f->directory = (flags & FHFL_DIRECTORY) != 0;
    f->size_unknown = (flags & SK_RAR5_FHFL_UNPUNKNOWN) != 0;
    /* Compression information: bits 0-5 version, bit 6 solid, 7-9 method. */
    f->solid = (compression & 0x40u) != 0;
    f->method = (unsigned)((compression >> 7) & 7u);
    f->data_offset = h->data_offset;
    f->packed_size = h->data_size;
    if (read_extra(&h->extra, f) != 0)
        return fail(w, SK_ECORRUPT, "RAR5 file header extra area malformed");
    return 0;
}

int sk_rar5_next(struct sk_rar5_walk *w, struct sk_rar5_file *f)
{
    if (w->err)
        return w->err;
    /* Each pass reads one header and moves past its data: the walk ends at
     * the end header, an error or SK_RAR5_MAX_HEADERS headers. */
    while (!w->done) {
        if (sk_reader_left(&w->r) == 0)
            return fail(w, SK_ECORRUPT, "RAR5 archive ends without its end header");
        struct header h;
        int rc = read_header(w, &h);
        if (rc != 0)
            return rc;
        /* Volumes were refused at open: a split member here is a header
         * that contradicts its own archive. */
        if (h.flags & (SK_RAR5_HFL_SPLIT_BEFORE | SK_RAR5_HFL_SPLIT_AFTER))
            return fail(w, SK_ECORRUPT, "RAR5 member split across volumes of a single archive");
        switch (h.type) {
        case SK_RAR5_HEAD_FILE: return read_file(w, &h, f);
        case SK_RAR5_HEAD_END: w->done = true; break;
        case SK_RAR5_HEAD_MAIN:
        case SK_RAR5_HEAD_CRYPT: return fail(w, SK_ECORRUPT, "RAR5 archive header repeated");
        default:
            break; /* service headers (comment, quick open, ...) and
                    * types the spec may add: nothing to list */
        }
    }
    return SK_DONE;
}
