/* The sniffer: the types no unpacker bids for. Magic numbers from the
 * formats' own documents: MS-CFB, and the image/media formats' signatures;
 * MS-CFB 2.6.2 (the root entry's CLSID names a Windows Installer package).
 * Signatures: RFC 5652 3 (a CMS ContentInfo's SEQUENCE and its pkcs7-* or
 * id-ct-* content type OID), RFC 5280 4.1 (a certificate's SEQUENCE of
 * SEQUENCEs), RFC 7468 PEM and RFC 4880 6.2 armour lines. Archives, CAB,
 * OOXML, compression filters, LNK, RTF, TNEF, OneNote, PDF, PE, ELF,
 * Mach-O, VHD, VHDX, UDF and FAT are recognised by their unpackers' bids
 * (engine/unpacker.h), in the order sk_type_precedence keeps with the
 * checks here. */
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

size_t sk_message_start(const uint8_t *p, size_t n)
{
    size_t limit = n < 4096 ? n : 4096;
    size_t pos = 0;
    struct sk_reader w = sk_reader_make(p, limit);
    while (pos < limit && (p[pos] == '\n' || p[pos] == '\r'))
        pos++;
    if (sk_reader_match(&w, pos, "From ", 5)) {
        const uint8_t *rest = sk_reader_at(&w, pos, limit - pos);
        const uint8_t *eol = rest ? memchr(rest, '\n', limit - pos) : NULL;
        if (!eol)
            return 0; /* a separator line longer than the window: not a message */
        pos += (size_t)(eol - rest) + 1;
    }
    return pos;
}

static int is_rfc5322(const uint8_t *p, size_t n)
{
    static const char *const fields[] = {
        "Received:",
        "Return-Path:",
        "From:",
        "Date:",
        "Message-ID:",
        "MIME-Version:",
        "Subject:",
        "To:",
        "Delivered-To:",
        "X-",
        "Content-Type:",
        "DKIM-Signature:",
        "Authentication-Results:",
    };
    size_t limit = n < 4096 ? n : 4096;
    int matched = 0;
    size_t line = sk_message_start(p, n);
    struct sk_reader w = sk_reader_make(p, limit);
    /* Count header fields at the start of lines until the first blank line;
     * two known fields and nothing that is not a header make a message. */
    while (line < limit && matched < 2) {
        const uint8_t *rest = sk_reader_at(&w, line, limit - line);
        if (!rest)
            break;
        const uint8_t *eol = memchr(rest, '\n', limit - line);
        size_t len = eol ? (size_t)(eol - rest) : limit - line;
        if (len == 0 || (len == 1 && *rest == '\r'))
            break;
        int known = 0;
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            size_t fl = strlen(fields[i]);
            if (len >= fl && strncasecmp((const char *)rest, fields[i], fl) == 0)
                known = 1;
        }
        int continuation = *rest == ' ' || *rest == '\t';
        if (known)
            matched++;
        else if (!continuation && !memchr(rest, ':', len))
            return 0;
        if (!eol)
            break;
        line += len + 1;
    }
    return matched >= 2;
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

/* `<tag` followed by white space, '>' or '/' (so <jobs> is not <job). */
static int starts_tag(const struct sk_reader *w, size_t at, const char *tag)
{
    size_t len = strlen(tag);
    struct sk_reader r = *w;
    uint8_t c = sk_reader_u8_at(&r, (uint64_t)at + len);
    if (!starts_ci(w, at, tag) || r.err)
        return 0;
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/';
}

/* A line of the first window starting with `lead` (after blanks) that
 * also holds `then` (case-insensitive): "Set x = CreateObject(". */
static int line_with(const uint8_t *p, size_t n, const char *lead, const char *then)
{
    size_t limit = n < HEAD_WINDOW ? n : HEAD_WINDOW, at = 0;
    struct sk_reader w = sk_reader_make(p, limit);
    while (at < limit) {
        const uint8_t *rest = sk_reader_at(&w, at, limit - at);
        if (!rest)
            break;
        const uint8_t *eol = memchr(rest, '\n', limit - at);
        size_t len = eol ? (size_t)(eol - rest) : limit - at;
        const struct sk_reader line = sk_reader_make(rest, len);
        size_t s = skip_space(&line, 0);
        if (starts_ci(&line, s, lead)) {
            size_t tl = strlen(then);
            for (size_t i = s; i + tl <= len; i++)
                if (starts_ci(&line, i, then))
                    return 1;
        }
        at += len + 1;
    }
    return 0;
}

/* Windows scripts by markers only their languages use; ordinary text, HTML
 * and XML never qualify (a mail that mentions PowerShell stays text). The
 * window w starts at p; s is the offset of its first non-blank byte. */
static int is_script(const uint8_t *p, size_t n, const struct sk_reader *w, size_t s)
{
    size_t head = n < HEAD_WINDOW ? n : HEAD_WINDOW;
    const struct sk_reader in = sk_reader_make(p, head);
    const uint8_t *vbe = memmem(p, head, "#@~^", 4);
    /* screnc: "#@~^", six base64 characters of length, then "==" */
    if (vbe && sk_reader_match(&in, (size_t)(vbe - p) + 10, "==", 2))
        return 1;
    if (starts_tag(w, s, "<job") || starts_tag(w, s, "<package") ||
        starts_ci(w, s, "@echo off") || starts_ci(w, s, "#requires -"))
        return 1;
    if (sk_reader_match(w, s, "<", 1)) {
        size_t window = n < 4096 ? n : 4096;
        const struct sk_reader first = sk_reader_make(p, window);
        for (size_t i = 0; i + 16 <= window; i++)
            if (starts_ci(&first, i, "<HTA:APPLICATION"))
                return 1;
        return 0;
    }
    return line_with(p, n, "set ", "CreateObject(\"WScript.") ||
           line_with(p, n, "var ", "new ActiveXObject(\"WScript.");
}

/* A WSF may open with an XML declaration before its <job> or <package>:
 * the offset of what follows it, or s. */
static size_t after_xml_prolog(const struct sk_reader *w, size_t s)
{
    if (!starts_ci(w, s, "<?xml"))
        return s;
    struct sk_reader r = *w;
    const uint8_t *rest = sk_reader_at(&r, s, w->len - s);
    const uint8_t *close = rest ? memmem(rest, w->len - s, "?>", 2) : NULL;
    return close ? skip_space(w, s + (size_t)(close - rest) + 2) : s;
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
    if (is_script(p, n, &w, after_xml_prolog(&w, s)))
        return SK_TYPE_SCRIPT;
    if (starts_ci(&w, s, "<!doctype html") || starts_ci(&w, s, "<html") ||
        starts_ci(&w, s, "<head") || starts_ci(&w, s, "<body") ||
        starts_ci(&w, s, "<script") || starts_ci(&w, s, "<hta:"))
        return SK_TYPE_HTML;
    if (starts_ci(&w, s, "<?xml") || starts_ci(&w, s, "<svg"))
        return SK_TYPE_XML;
    if (is_rfc5322(p, n))
        return SK_TYPE_EML;
    /* An inline encrypted message after a greeting (RFC 4880 6.2): the
     * armour is what the text carries. */
    if (has_armour_line(p, n, "-----BEGIN PGP MESSAGE-----"))
        return SK_TYPE_PGP;
    return SK_TYPE_TEXT;
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
    /* Archives, OOXML, disk images (VHD, VHDX, UDF, FAT) and filters came
     * first: their unpackers bid. */
    enum sk_type type = SK_TYPE_DATA;
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
