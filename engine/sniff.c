/* The sniffer: the types no unpacker bids for. Magic numbers from the
 * formats' own documents: ZIP APPNOTE 4.3.7/4.3.16, 7z 7zFormat.txt, RAR
 * technote, POSIX ustar, cpio(5), MS-CAB, LHA level 0-2 headers, ECMA-119
 * (ISO 9660 "CD001" at 32769), xar, ar(5), RFC 1952 gzip, bzip2, xz,
 * lzma-alone, RFC 8878 zstd, lz4 frame, compress(1), MS-CFB, and the
 * image/media formats' signatures; MS-CFB 2.6.2 (the root entry's CLSID
 * names a Windows Installer package). Signatures: RFC 5652 3 (a CMS
 * ContentInfo's SEQUENCE and its pkcs7-* or id-ct-* content type OID), RFC
 * 5280 4.1 (a certificate's SEQUENCE of SEQUENCEs), RFC 7468 PEM and RFC 4880
 * 6.2 armour lines. LNK, RTF, TNEF, OneNote, PDF, PE, ELF, Mach-O, VHD,
 * VHDX, UDF and FAT are recognised by their unpackers' bids
 * (engine/unpacker.h), in the order sk_type_precedence keeps with the
 * checks here. Of the texts, scripts, HTML and messages are bids too
 * (script.c, html.c, mime.c: within the text family the stronger evidence
 * wins, this file's text and XML counting as none). */
#include "sniff.h"

#include "reader.h"

#include <string.h>

#define HEAD_WINDOW (64u * 1024u)

/* Binary signatures are read through a reader over the whole input (`in`,
 * never moved): sk_reader_match for magic at an offset, the *_at reads on a
 * local copy for fields. The text scanners below keep the (p, n, i) index
 * style, every index checked against n in its loop. */
static int has(const struct sk_reader *in, uint64_t off, const void *magic, size_t len)
{
    return sk_reader_match(in, off, magic, len);
}

/* ustar magic, or a v7 header whose checksum field matches its bytes. */
static int is_tar(const struct sk_reader *in)
{
    struct sk_reader r = *in;
    const uint8_t *h = sk_reader_at(&r, 0, 512);
    if (!h)
        return 0;
    if (has(in, 257, "ustar", 5))
        return 1;
    unsigned long stored = 0;
    int digits = 0;
    for (size_t i = 148; i < 156; i++) {
        if (h[i] >= '0' && h[i] <= '7') {
            stored = stored * 8 + (unsigned long)(h[i] - '0');
            digits++;
        } else if (h[i] != ' ' && h[i] != '\0') {
            return 0;
        }
    }
    if (digits == 0 || sk_reader_u8_at(&r, 0) == '\0')
        return 0;
    unsigned long sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return sum == stored;
}

static int is_lzma_alone(const struct sk_reader *in)
{
    /* properties byte, dictionary size (a power of two or 2^n+2^(n-1)),
     * then an uncompressed size that is either unknown or plausible. */
    if (in->len < 13)
        return 0;
    struct sk_reader r = *in;
    if (sk_reader_u8_at(&r, 0) != 0x5d)
        return 0;
    uint32_t dict = sk_reader_u32le_at(&r, 1);
    if (r.err || dict < (1u << 12) || (dict & (dict - 1)) != 0)
        return 0;
    return 1;
}

/* Plain text: no NUL and few control bytes in the first window; UTF-16 with
 * a byte-order mark counts too. */
static int is_text(const uint8_t *p, size_t n)
{
    const struct sk_reader in = sk_reader_make(p, n);
    if (has(&in, 0, "\xff\xfe", 2) || has(&in, 0, "\xfe\xff", 2))
        return 1;
    size_t limit = n < HEAD_WINDOW ? n : HEAD_WINDOW;
    size_t odd = 0;
    for (size_t i = 0; i < limit; i++) {
        uint8_t c = p[i];
        if (c == 0)
            return 0;
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' &&
            c != 0x1b /* ISO-2022-JP escapes */)
            odd++;
    }
    return odd * 100 <= limit;
}

/* The text sniffers below work on a window `w` (a reader over the first
 * bytes) and offsets into it. */

/* The offset of the first byte at or after `at` that is not a UTF-8 BOM
 * (at `at` only) or white space. */
static size_t skip_space(const struct sk_reader *w, size_t at)
{
    if (sk_reader_match(w, at, "\xef\xbb\xbf", 3))
        at += 3;
    struct sk_reader r = *w;
    while (at < w->len) {
        uint8_t c = sk_reader_u8_at(&r, at);
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            break;
        at++;
    }
    return at;
}

/* `word` at offset at, case-insensitive. */
static int starts_ci(const struct sk_reader *w, size_t at, const char *word)
{
    size_t len = strlen(word);
    struct sk_reader r = *w;
    const uint8_t *b = sk_reader_at(&r, at, len);
    return b && strncasecmp((const char *)b, word, len) == 0;
}

/* A DER/BER length at *at: short or long form (up to 4 bytes), or BER's
 * indefinite form (*indefinite set). 0 when malformed or cut short. The
 * reader r is the structure's view (its end bounds the length bytes). */
static int der_len(struct sk_reader *r, size_t *at, size_t *len, int *indefinite)
{
    uint8_t b = sk_reader_u8_at(r, *at);
    if (r->err)
        return 0;
    (*at)++;
    *indefinite = 0;
    *len = 0;
    if (b < 0x80) {
        *len = b;
        return 1;
    }
    if (b == 0x80) {
        *indefinite = 1;
        return 1;
    }
    size_t k = b & 0x7fu;
    if (k > 4)
        return 0;
    for (size_t i = 0; i < k; i++)
        *len = *len << 8 | sk_reader_u8_at(r, (*at)++);
    return !r->err;
}

/* RFC 5652 3: ContentInfo ::= SEQUENCE { contentType OID, [0] content }
 * with a pkcs7-* type (1.2.840.113549.1.7.1-6) or an S/MIME id-ct-* one
 * (1.2.840.113549.1.9.16.1: 2 authData, 9 compressedData, 23
 * authEnvelopedData). */
static int is_cms(const struct sk_reader *in)
{
    static const uint8_t pkcs7[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07};
    static const uint8_t id_ct[] = {0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86,
                                    0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01};
    struct sk_reader r = *in;
    size_t at = 1, len;
    int indefinite;
    /* The OID and the [0] after it are the evidence; the length is not
     * checked against the bytes, so a cut-off structure is still pkcs7 and
     * its parse error reported. */
    if (in->len < 16 || sk_reader_u8_at(&r, 0) != 0x30 || !der_len(&r, &at, &len, &indefinite))
        return 0;
    if (has(in, at, pkcs7, sizeof pkcs7)) {
        uint8_t k = sk_reader_u8_at(&r, at + sizeof pkcs7);
        at += sizeof pkcs7 + 1;
        if (r.err || k < 1 || k > 6)
            return 0;
    } else if (has(in, at, id_ct, sizeof id_ct)) {
        uint8_t k = sk_reader_u8_at(&r, at + sizeof id_ct);
        at += sizeof id_ct + 1;
        if (r.err || (k != 2 && k != 9 && k != 23))
            return 0;
    } else {
        return 0;
    }
    return sk_reader_u8_at(&r, at) == 0xa0 && !r.err;
}

/* RFC 5280 4.1: Certificate ::= SEQUENCE { tbsCertificate SEQUENCE {
 * [0] version or serialNumber INTEGER, ... }, signatureAlgorithm SEQUENCE,
 * ... }, in DER (definite lengths that fit). */
static int is_x509(const struct sk_reader *in)
{
    struct sk_reader whole = *in;
    size_t at = 1, len, tbs;
    int indefinite;
    if (in->len < 32 || sk_reader_u8_at(&whole, 0) != 0x30 ||
        !der_len(&whole, &at, &len, &indefinite) || indefinite || len > in->len - at)
        return 0;
    /* the certificate's own bytes: nothing after its end is read */
    struct sk_reader r = sk_reader_sub_at(&whole, 0, at + len);
    if (sk_reader_u8_at(&r, at++) != 0x30 || !der_len(&r, &at, &tbs, &indefinite) ||
        indefinite || tbs > r.len - at || at + tbs >= r.len ||
        sk_reader_u8_at(&r, at + tbs) != 0x30)
        return 0;
    if (has(&r, at, "\xa0\x03\x02\x01", 4)) {
        uint8_t version = sk_reader_u8_at(&r, at + 4);
        return !r.err && version <= 2;
    }
    return sk_reader_u8_at(&r, at) == 0x02 && !r.err;
}

/* A line of the first window that starts with `armour`. */
static int has_armour_line(const uint8_t *p, size_t n, const char *armour)
{
    size_t limit = n < HEAD_WINDOW ? n : HEAD_WINDOW, len = strlen(armour);
    struct sk_reader w = sk_reader_make(p, limit);
    for (size_t at = 0; at + len <= limit;) {
        if (sk_reader_match(&w, at, armour, len))
            return 1;
        const uint8_t *rest = sk_reader_at(&w, at, limit - at);
        const uint8_t *eol = rest ? memchr(rest, '\n', limit - at) : NULL;
        if (!eol)
            break;
        at += (size_t)(eol - rest) + 1;
    }
    return 0;
}

static enum sk_type sniff_text(const uint8_t *p, size_t n)
{
    const struct sk_reader w = sk_reader_make(p, n < 1024 ? n : 1024);
    size_t s = skip_space(&w, 0);
    if (starts_ci(&w, s, "-----BEGIN CERTIFICATE-----") ||
        starts_ci(&w, s, "-----BEGIN X509 CERTIFICATE-----") ||
        starts_ci(&w, s, "-----BEGIN TRUSTED CERTIFICATE-----"))
        return SK_TYPE_X509;
    if (starts_ci(&w, s, "-----BEGIN PKCS7-----") || starts_ci(&w, s, "-----BEGIN CMS-----"))
        return SK_TYPE_PKCS7;
    if (starts_ci(&w, s, "-----BEGIN PGP "))
        return SK_TYPE_PGP;
    if (starts_ci(&w, s, "<?xml") || starts_ci(&w, s, "<svg"))
        return SK_TYPE_XML;
    /* An inline encrypted message after a greeting (RFC 4880 6.2): the
     * armour is what the text carries. */
    if (has_armour_line(p, n, "-----BEGIN PGP MESSAGE-----"))
        return SK_TYPE_PGP;
    return SK_TYPE_TEXT;
}

/* OOXML is a ZIP whose parts include [Content_Types].xml; its name sits in a
 * local header near the start or in the central directory near the end. */
static int is_ooxml(const struct sk_reader *in)
{
    static const char part[] = "[Content_Types].xml";
    struct sk_reader r = *in;
    size_t window = in->len < HEAD_WINDOW ? in->len : HEAD_WINDOW;
    const uint8_t *head = sk_reader_at(&r, 0, window);
    const uint8_t *tail = sk_reader_at(&r, in->len - window, window);
    return head && tail &&
           (memmem(head, window, part, sizeof part - 1) ||
            memmem(tail, window, part, sizeof part - 1));
}

static enum sk_type sniff_archive(const struct sk_reader *in)
{
    if (has(in, 0, "PK\x03\x04", 4) || has(in, 0, "PK\x05\x06", 4) ||
        has(in, 0, "PK\x07\x08", 4))
        return is_ooxml(in) ? SK_TYPE_OOXML : SK_TYPE_ZIP;
    if (has(in, 0, "7z\xbc\xaf\x27\x1c", 6))
        return SK_TYPE_7Z;
    if (has(in, 0, "Rar!\x1a\x07\x01\x00", 8))
        return SK_TYPE_RAR5;
    if (has(in, 0, "Rar!\x1a\x07\x00", 7))
        return SK_TYPE_RAR;
    if (has(in, 0, "MSCF\0\0\0\0", 8))
        return SK_TYPE_CAB;
    if (has(in, 0, "xar!", 4))
        return SK_TYPE_XAR;
    if (has(in, 0, "!<arch>\n", 8))
        return SK_TYPE_AR;
    if (has(in, 0, "070701", 6) || has(in, 0, "070702", 6) || has(in, 0, "070707", 6) ||
        has(in, 0, "\xc7\x71", 2) || has(in, 0, "\x71\xc7", 2))
        return SK_TYPE_CPIO;
    struct sk_reader r = *in;
    uint8_t lha_kind = sk_reader_u8_at(&r, 4);
    if (in->len > 7 && has(in, 2, "-l", 2) && (lha_kind == 'h' || lha_kind == 'z') &&
        has(in, 6, "-", 1))
        return SK_TYPE_LHA;
    if (has(in, 32769, "CD001", 5))
        return SK_TYPE_ISO9660;
    if (is_tar(in))
        return SK_TYPE_TAR;
    return SK_TYPE_DATA;
}

static enum sk_type sniff_filter(const struct sk_reader *in)
{
    if (has(in, 0, "\x1f\x8b", 2))
        return SK_TYPE_GZIP;
    struct sk_reader r = *in;
    uint8_t level = sk_reader_u8_at(&r, 3);
    if (has(in, 0, "BZh", 3) && !r.err && level >= '1' && level <= '9')
        return SK_TYPE_BZIP2;
    if (has(in, 0,
            "\xfd"
            "7zXZ\0",
            6))
        return SK_TYPE_XZ;
    if (has(in, 0, "\x28\xb5\x2f\xfd", 4))
        return SK_TYPE_ZSTD;
    if (has(in, 0, "\x04\x22\x4d\x18", 4))
        return SK_TYPE_LZ4;
    if (has(in, 0, "\x1f\x9d", 2))
        return SK_TYPE_COMPRESS;
    if (is_lzma_alone(in))
        return SK_TYPE_LZMA;
    return SK_TYPE_DATA;
}

/* An OLE2 file whose root storage carries the Windows Installer CLSID
 * {000C1084-0000-0000-C000-000000000046} (MS-CFB 2.6.2: the root entry is
 * the first entry of the first directory sector). */
static int is_msi(const struct sk_reader *in)
{
    static const uint8_t msi_clsid[16] = {0x84, 0x10, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00,
                                          0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
    if (in->len < 512)
        return 0;
    struct sk_reader r = *in;
    uint16_t shift = sk_reader_u16le_at(&r, 0x1e);
    uint32_t dir_sector = sk_reader_u32le_at(&r, 0x30);
    if (r.err || (shift != 9 && shift != 12) || dir_sector >= 0xfffffffau)
        return 0;
    uint64_t root = ((uint64_t)dir_sector + 1) << shift;
    return has(in, root + 0x50, msi_clsid, sizeof msi_clsid);
}

static enum sk_type sniff_document(const struct sk_reader *in)
{
    if (has(in, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
        return is_msi(in) ? SK_TYPE_MSI : SK_TYPE_OLE2;
    /* LNK, RTF, TNEF, OneNote, PDF, PE, ELF and Mach-O are their unpackers'
     * bids (lnk.c, rtf.c, tnef.c, onenote.c, pdf.c, exe.c). */
    return SK_TYPE_DATA;
}

/* A BMP: "BM" and bfSize equal to the bytes, or a DIB header whose size,
 * planes and bit count are ones Windows defines (BITMAPCOREHEADER, the OS/2
 * and INFO headers, V2-V5), so that a bitmap with bytes appended after it
 * (or a careless bfSize of 0) is still typed bmp and its trailer found. */
static int is_bmp(const struct sk_reader *in)
{
    struct sk_reader r = *in;
    uint32_t size = sk_reader_u32le_at(&r, 2);
    if (!has(in, 0, "BM", 2) || in->len < 14)
        return 0;
    if (size == in->len)
        return 1;
    uint32_t dib = sk_reader_u32le_at(&r, 14);
    uint16_t planes, bits;
    if (dib == 12) {
        planes = sk_reader_u16le_at(&r, 22);
        bits = sk_reader_u16le_at(&r, 24);
    } else if (dib == 16 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 ||
               dib == 124) {
        planes = sk_reader_u16le_at(&r, 26);
        bits = sk_reader_u16le_at(&r, 28);
    } else {
        return 0;
    }
    if (in->len < 30 || r.err)
        return 0;
    return planes == 1 && (bits == 0 || bits == 1 || bits == 2 || bits == 4 || bits == 8 ||
                           bits == 16 || bits == 24 || bits == 32);
}

static enum sk_type sniff_media(const struct sk_reader *in)
{
    if (has(in, 0, "\x89PNG\r\n\x1a\n", 8))
        return SK_TYPE_PNG;
    if (has(in, 0, "\xff\xd8\xff", 3))
        return SK_TYPE_JPEG;
    if (has(in, 0, "GIF87a", 6) || has(in, 0, "GIF89a", 6))
        return SK_TYPE_GIF;
    if (is_bmp(in))
        return SK_TYPE_BMP;
    if (has(in, 0, "RIFF", 4) && has(in, 8, "WEBP", 4))
        return SK_TYPE_WEBP;
    if (has(in, 0, "II*\0", 4) || has(in, 0, "MM\0*", 4))
        return SK_TYPE_TIFF;
    struct sk_reader r = *in;
    uint16_t icons = sk_reader_u16le_at(&r, 4);
    if (has(in, 0, "\0\0\1\0", 4) && !r.err && (icons & 0xff) != 0)
        return SK_TYPE_ICO;
    if (has(in, 0, "\xd7\xcd\xc6\x9a", 4) || /* placeable WMF */
        (has(in, 0, "\x01\0\0\0", 4) && has(in, 40, " EMF", 4)))
        return SK_TYPE_MEDIA;
    if (has(in, 0, "RIFF", 4) || has(in, 4, "ftyp", 4) || has(in, 0, "OggS", 4) ||
        has(in, 0, "fLaC", 4) || has(in, 0, "ID3", 3) ||
        has(in, 0, "\x1a\x45\xdf\xa3", 4))
        return SK_TYPE_MEDIA;
    if (has(in, 0, "wOFF", 4) || has(in, 0, "wOF2", 4) || has(in, 0, "OTTO", 4) ||
        has(in, 0, "\0\1\0\0\0", 5))
        return SK_TYPE_FONT;
    return SK_TYPE_DATA;
}

enum sk_type sk_sniff(const uint8_t *p, size_t n)
{
    if (n == 0)
        return SK_TYPE_EMPTY;
    const struct sk_reader in = sk_reader_make(p, n);
    enum sk_type type = sniff_archive(&in);
    /* Disk images (VHD, VHDX, UDF, FAT) came here: their unpackers bid. */
    if (type == SK_TYPE_DATA)
        type = sniff_filter(&in);
    if (type == SK_TYPE_DATA)
        type = sniff_document(&in);
    if (type == SK_TYPE_DATA)
        type = sniff_media(&in);
    if (type == SK_TYPE_DATA && is_cms(&in))
        type = SK_TYPE_PKCS7;
    if (type == SK_TYPE_DATA && is_x509(&in))
        type = SK_TYPE_X509;
    if (type == SK_TYPE_DATA && is_text(p, n))
        type = sniff_text(p, n);
    return type;
}
