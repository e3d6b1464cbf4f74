/* The RAR5 header walk (unpackers/rar5.c) on archives built here byte by
 * byte from the RAR 5.0 technote: the file encryption record's fields come
 * back as written (a later password trial depends on them), padded vints
 * are read, and each malformed header is refused with the error it earns. */
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "unpackers/rar5.h"

struct out {
    uint8_t b[1024];
    size_t n;
};

static void put(struct out *o, const void *p, size_t n)
{
    if (n <= sizeof o->b - o->n) {
        memcpy(o->b + o->n, p, n);
        o->n += n;
    }
}

static void put_vint(struct out *o, uint64_t v)
{
    do {
        uint8_t b = (uint8_t)(v & 0x7F);
        v >>= 7;
        if (v)
            b |= 0x80;
        put(o, &b, 1);
    } while (v);
}

/* A header: CRC32, size, then body = type, flags, [extra size], [data
 * size], fields, extra. */
static void put_header(struct out *o, unsigned type, const struct out *fields,
                       const struct out *extra, long data_size)
{
    struct out body = {.n = 0};
    put_vint(&body, type);
    put_vint(&body, (extra && extra->n ? 1u : 0u) | (data_size >= 0 ? 2u : 0u));
    if (extra && extra->n)
        put_vint(&body, extra->n);
    if (data_size >= 0)
        put_vint(&body, (uint64_t)data_size);
    if (fields)
        put(&body, fields->b, fields->n);
    if (extra)
        put(&body, extra->b, extra->n);
    struct out head = {.n = 0};
    put_vint(&head, body.n);
    put(&head, body.b, body.n);
    uint32_t crc = (uint32_t)crc32(0L, head.b, (uInt)head.n);
    uint8_t le[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16),
                     (uint8_t)(crc >> 24)};
    put(o, le, 4);
    put(o, head.b, head.n);
}

static const uint8_t sig[8] = {'R', 'a', 'r', '!', 0x1A, 0x07, 0x01, 0x00};

static void put_main(struct out *o, unsigned flags)
{
    struct out f = {.n = 0};
    put_vint(&f, flags);
    put(o, sig, sizeof sig);
    put_header(o, 1, &f, NULL, -1);
}

/* A stored file member; with crypt, a file encryption record. */
static void put_file(struct out *o, const char *name, const char *data, bool crypt)
{
    struct out f = {.n = 0}, x = {.n = 0};
    put_vint(&f, 0);            /* file flags: no time, no CRC */
    put_vint(&f, strlen(data)); /* unpacked size */
    put_vint(&f, 0644);         /* attributes */
    put_vint(&f, 0);            /* compression: stored */
    put_vint(&f, 1);            /* host OS: Unix */
    put_vint(&f, strlen(name));
    put(&f, name, strlen(name));
    if (crypt) {
        struct out r = {.n = 0};
        put_vint(&r, 1); /* type: encryption */
        put_vint(&r, 0); /* AES-256 */
        put_vint(&r, 3); /* check value present, tweaked checksums */
        uint8_t kdf = 15, bytes[16 + 16 + 12];
        for (size_t i = 0; i < sizeof bytes; i++)
            bytes[i] = (uint8_t)i;
        put(&r, &kdf, 1);
        put(&r, bytes, sizeof bytes);
        put_vint(&x, r.n);
        put(&x, r.b, r.n);
    }
    put_header(o, 2, &f, &x, (long)strlen(data));
    put(o, data, strlen(data));
}

static void put_end(struct out *o)
{
    struct out f = {.n = 0};
    put_vint(&f, 0);
    put_header(o, 5, &f, NULL, -1);
}

static void lists_members_and_encryption(void)
{
    struct out o = {.n = 0};
    put_main(&o, 0);
    put_file(&o, "plain.txt", "hello", false);
    put_file(&o, "secret.txt", "0123456789abcdef", true);
    put_end(&o);
    struct sk_rar5_walk w;
    struct sk_rar5_file f;
    CHECK_EQ_INT(sk_rar5_open(&w, o.b, o.n), 0);
    CHECK_EQ_INT(sk_rar5_next(&w, &f), 0);
    CHECK(f.name_len == 9 && memcmp(f.name, "plain.txt", 9) == 0);
    CHECK(!f.encrypted);
    CHECK_EQ_INT(f.packed_size, 5);
    CHECK(memcmp(o.b + f.data_offset, "hello", 5) == 0);
    CHECK_EQ_INT(sk_rar5_next(&w, &f), 0);
    CHECK(f.encrypted);
    CHECK_EQ_INT(f.crypt.version, 0);
    CHECK_EQ_INT(f.crypt.kdf_log2, 15);
    CHECK(f.crypt.has_check && f.crypt.tweaked);
    CHECK_EQ_INT(f.crypt.salt[0], 0);
    CHECK_EQ_INT(f.crypt.salt[15], 15);
    CHECK_EQ_INT(f.crypt.iv[0], 16);
    CHECK_EQ_INT(f.crypt.check[11], 43);
    CHECK_EQ_INT(sk_rar5_next(&w, &f), SK_DONE);
    CHECK_EQ_INT(sk_rar5_next(&w, &f), SK_DONE);
}

static void padded_vints_are_read(void)
{
    /* The main header's flags as 0x80 0x80 0x00: zero, padded (libarchive's
     * fixtures written by WinRAR carry such vints). */
    struct out o = {.n = 0}, f = {.n = 0};
    const uint8_t padded[] = {0x80, 0x80, 0x00};
    put(&f, padded, sizeof padded);
    put(&o, sig, sizeof sig);
    put_header(&o, 1, &f, NULL, -1);
    put_end(&o);
    struct sk_rar5_walk w;
    struct sk_rar5_file file;
    CHECK_EQ_INT(sk_rar5_open(&w, o.b, o.n), 0);
    CHECK_EQ_INT(sk_rar5_next(&w, &file), SK_DONE);
}

static void refuses_bad_headers(void)
{
    struct sk_rar5_walk w;
    struct sk_rar5_file f;
    struct out o = {.n = 0};
    put_main(&o, 0);
    put_file(&o, "a", "x", false);
    put_end(&o);

    uint8_t bad[1024];
    memcpy(bad, o.b, o.n);
    bad[8] ^= 1; /* the main header's CRC */
    CHECK_EQ_INT(sk_rar5_open(&w, bad, o.n), SK_ECORRUPT);
    CHECK(w.why && strstr(w.why, "CRC"));

    CHECK_EQ_INT(sk_rar5_open(&w, o.b, o.n - 1), 0); /* end header cut */
    CHECK_EQ_INT(sk_rar5_next(&w, &f), 0);
    CHECK_EQ_INT(sk_rar5_next(&w, &f), SK_ECORRUPT);
    CHECK_EQ_INT(sk_rar5_next(&w, &f), SK_ECORRUPT); /* sticky */

    CHECK_EQ_INT(sk_rar5_open(&w, o.b + 1, o.n - 1), SK_EUNSUPPORTED); /* no signature */

    struct out v = {.n = 0};
    put_main(&v, 1); /* a volume: left to libarchive */
    CHECK_EQ_INT(sk_rar5_open(&w, v.b, v.n), SK_EUNSUPPORTED);

    /* An 11-byte vint as a header size. */
    struct out l = {.n = 0};
    put_main(&l, 0);
    const uint8_t crc_and_long[] = {0,    0,    0,    0,    0xFF, 0xFF, 0xFF, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    put(&l, crc_and_long, sizeof crc_and_long);
    CHECK_EQ_INT(sk_rar5_open(&w, l.b, l.n), 0);
    CHECK_EQ_INT(sk_rar5_next(&w, &f), SK_ECORRUPT);

    /* A data area past the end of the input. */
    struct out d = {.n = 0};
    put_main(&d, 0);
    struct out fields = {.n = 0};
    put_vint(&fields, 0);
    put_vint(&fields, 1);
    put_vint(&fields, 0);
    put_vint(&fields, 0);
    put_vint(&fields, 1);
    put_vint(&fields, 1);
    put(&fields, "a", 1);
    put_header(&d, 2, &fields, NULL, 1000);
    CHECK_EQ_INT(sk_rar5_open(&w, d.b, d.n), 0);
    CHECK_EQ_INT(sk_rar5_next(&w, &f), SK_ECORRUPT);
    CHECK(w.why && strstr(w.why, "data area"));
}

static void encrypted_headers_are_recognised(void)
{
    struct out o = {.n = 0}, f = {.n = 0};
    put_vint(&f, 0); /* version */
    put_vint(&f, 1); /* check value present */
    uint8_t kdf = 17, rest[16 + 12] = {0};
    rest[0] = 0xAA;
    put(&f, &kdf, 1);
    put(&f, rest, sizeof rest);
    put(&o, sig, sizeof sig);
    put_header(&o, 4, &f, NULL, -1);
    struct sk_rar5_walk w;
    CHECK_EQ_INT(sk_rar5_open(&w, o.b, o.n), SK_EENCRYPTED);
    CHECK_EQ_INT(w.header_crypt.kdf_log2, 17);
    CHECK_EQ_INT(w.header_crypt.salt[0], 0xAA);
    CHECK(w.header_crypt.has_check);
}

int main(void)
{
    lists_members_and_encryption();
    padded_vints_are_read();
    refuses_bad_headers();
    encrypted_headers_are_recognised();
    return check_exit("rar5");
}
