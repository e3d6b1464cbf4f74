/* Magic numbers from the formats' own documents: ZIP APPNOTE 4.3.7/4.3.16,
 * 7z 7zFormat.txt, RAR technote, POSIX ustar, cpio(5), MS-CAB, LHA level 0-2
 * headers, ECMA-119 (ISO 9660 "CD001" at 32769), xar, ar(5), RFC 1952 gzip,
 * bzip2, xz, lzma-alone, RFC 8878 zstd, lz4 frame, compress(1), MS-CFB, PE,
 * ELF, Mach-O, and the image/media formats' signatures. Droppers and disk
 * images: MS-SHLLINK 2.1 (header size and CLSID), MS-CFB 2.6.2 (the root
 * entry's CLSID names a Windows Installer package), ECMA-167 2/9.1 (UDF's
 * NSR02/NSR03 volume structure descriptors from 32 KiB), the VHD
 * specification's "conectix" footer, MS-VHDX 2.2 ("vhdxfile") and the FAT
 * specification's boot sector (BPB). Signatures: RFC 5652 3 (a CMS
 * ContentInfo's SEQUENCE and its pkcs7-* or id-ct-* content type OID), RFC
 * 5280 4.1 (a certificate's SEQUENCE of SEQUENCEs), RFC 7468 PEM and RFC 4880
 * 6.2 armour lines. */
#include "sniff.h"

#include <string.h>

#define HEAD_WINDOW (64u * 1024u)

static const char *const type_names[SK_TYPE_COUNT] = {
    [SK_TYPE_DATA] = "data",
    [SK_TYPE_EMPTY] = "empty",
    [SK_TYPE_TEXT] = "text",
    [SK_TYPE_HTML] = "html",
    [SK_TYPE_XML] = "xml",
    [SK_TYPE_EML] = "eml",
    [SK_TYPE_ZIP] = "zip",
    [SK_TYPE_7Z] = "7z",
    [SK_TYPE_RAR] = "rar",
    [SK_TYPE_RAR5] = "rar5",
    [SK_TYPE_TAR] = "tar",
    [SK_TYPE_CPIO] = "cpio",
    [SK_TYPE_CAB] = "cab",
    [SK_TYPE_LHA] = "lha",
    [SK_TYPE_ISO9660] = "iso9660",
    [SK_TYPE_XAR] = "xar",
    [SK_TYPE_AR] = "ar",
    [SK_TYPE_GZIP] = "gzip",
    [SK_TYPE_BZIP2] = "bzip2",
    [SK_TYPE_XZ] = "xz",
    [SK_TYPE_LZMA] = "lzma",
    [SK_TYPE_ZSTD] = "zstd",
    [SK_TYPE_LZ4] = "lz4",
    [SK_TYPE_COMPRESS] = "compress",
    [SK_TYPE_OLE2] = "ole2",
    [SK_TYPE_OOXML] = "ooxml",
    [SK_TYPE_RTF] = "rtf",
    [SK_TYPE_PDF] = "pdf",
    [SK_TYPE_TNEF] = "tnef",
    [SK_TYPE_PE] = "pe",
    [SK_TYPE_ELF] = "elf",
    [SK_TYPE_MACHO] = "macho",
    [SK_TYPE_MSI] = "msi",
    [SK_TYPE_LNK] = "lnk",
    [SK_TYPE_SCRIPT] = "script",
    [SK_TYPE_ONENOTE] = "onenote",
    [SK_TYPE_UDF] = "udf",
    [SK_TYPE_VHD] = "vhd",
    [SK_TYPE_VHDX] = "vhdx",
    [SK_TYPE_FAT] = "fat",
    [SK_TYPE_PNG] = "png",
    [SK_TYPE_JPEG] = "jpeg",
    [SK_TYPE_GIF] = "gif",
    [SK_TYPE_BMP] = "bmp",
    [SK_TYPE_WEBP] = "webp",
    [SK_TYPE_TIFF] = "tiff",
    [SK_TYPE_ICO] = "ico",
    [SK_TYPE_MEDIA] = "media",
    [SK_TYPE_FONT] = "font",
    [SK_TYPE_PKCS7] = "pkcs7",
    [SK_TYPE_X509] = "x509",
    [SK_TYPE_PGP] = "pgp",
    [SK_TYPE_ENCRYPTED] = "encrypted",
    [SK_TYPE_VBA] = "vba",
    [SK_TYPE_XLM] = "xlm",
    [SK_TYPE_BIFF] = "biff",
};

const char *sk_type_name(enum sk_type type)
{
    return (unsigned)type < SK_TYPE_COUNT ? type_names[type] : "data";
}

int sk_type_is_archive(enum sk_type type)
{
    return type >= SK_TYPE_ZIP && type <= SK_TYPE_AR;
}

int sk_type_is_filter(enum sk_type type)
{
    return type >= SK_TYPE_GZIP && type <= SK_TYPE_COMPRESS;
}

int sk_type_is_executable(enum sk_type type)
{
    return type == SK_TYPE_PE || type == SK_TYPE_ELF || type == SK_TYPE_MACHO ||
           type == SK_TYPE_MSI;
}

int sk_type_is_disk_image(enum sk_type type)
{
    return type == SK_TYPE_ISO9660 || type == SK_TYPE_UDF || type == SK_TYPE_VHD ||
           type == SK_TYPE_VHDX || type == SK_TYPE_FAT;
}

int sk_type_is_known(enum sk_type type)
{
    return type != SK_TYPE_DATA && type != SK_TYPE_ENCRYPTED;
}

static int has(const uint8_t *p, size_t n, size_t off, const void *magic, size_t len)
{
    return off <= n && len <= n - off && memcmp(p + off, magic, len) == 0;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A PE needs MZ and e_lfanew pointing at "PE\0\0" inside the file. */
static int is_pe(const uint8_t *p, size_t n)
{
    if (!has(p, n, 0, "MZ", 2) || n < 0x40)
        return 0;
    uint32_t lfanew = le32(p + 0x3c);
    return has(p, n, lfanew, "PE\0\0", 4);
}

static int is_macho(const uint8_t *p, size_t n)
{
    static const uint8_t magics[][4] = {
        {0xfe, 0xed, 0xfa, 0xce},
        {0xce, 0xfa, 0xed, 0xfe},
        {0xfe, 0xed, 0xfa, 0xcf},
        {0xcf, 0xfa, 0xed, 0xfe},
    };
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (has(p, n, 0, magics[i], 4))
            return 1;
    /* A fat binary shares CA FE BA BE with Java classes; a small arch count
     * tells them apart (class files put a version >= 45 there). */
    if (has(p, n, 0, "\xca\xfe\xba\xbe", 4) && n >= 8) {
        uint32_t narch =
            (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
        return narch > 0 && narch < 20;
    }
    return 0;
}

/* ustar magic, or a v7 header whose checksum field matches its bytes. */
static int is_tar(const uint8_t *p, size_t n)
{
    if (n < 512)
        return 0;
    if (has(p, n, 257, "ustar", 5))
        return 1;
    unsigned long stored = 0;
    int digits = 0;
    for (size_t i = 148; i < 156; i++) {
        if (p[i] >= '0' && p[i] <= '7') {
            stored = stored * 8 + (unsigned long)(p[i] - '0');
            digits++;
        } else if (p[i] != ' ' && p[i] != '\0') {
            return 0;
        }
    }
    if (digits == 0 || p[0] == '\0')
        return 0;
    unsigned long sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : p[i];
    return sum == stored;
}

static int is_lzma_alone(const uint8_t *p, size_t n)
{
    /* properties byte, dictionary size (a power of two or 2^n+2^(n-1)),
     * then an uncompressed size that is either unknown or plausible. */
    if (n < 13 || p[0] > 224)
        return 0;
    if (p[0] != 0x5d)
        return 0;
    uint32_t dict = le32(p + 1);
    if (dict < (1u << 12) || (dict & (dict - 1)) != 0)
        return 0;
    return 1;
}

size_t sk_message_start(const uint8_t *p, size_t n)
{
    size_t limit = n < 4096 ? n : 4096;
    size_t pos = 0;
    while (pos < limit && (p[pos] == '\n' || p[pos] == '\r'))
        pos++;
    if (limit - pos >= 5 && memcmp(p + pos, "From ", 5) == 0) {
        const uint8_t *eol = memchr(p + pos, '\n', limit - pos);
        if (!eol)
            return 0; /* a separator line longer than the window: not a message */
        pos = (size_t)(eol - p) + 1;
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
    /* Count header fields at the start of lines until the first blank line;
     * two known fields and nothing that is not a header make a message. */
    while (line < limit && matched < 2) {
        const uint8_t *eol = memchr(p + line, '\n', limit - line);
        size_t len = eol ? (size_t)(eol - (p + line)) : limit - line;
        if (len == 0 || (len == 1 && p[line] == '\r'))
            break;
        int known = 0;
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            size_t fl = strlen(fields[i]);
            if (len >= fl && strncasecmp((const char *)p + line, fields[i], fl) == 0)
                known = 1;
        }
        int continuation = p[line] == ' ' || p[line] == '\t';
        if (known)
            matched++;
        else if (!continuation && !memchr(p + line, ':', len))
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
    if (has(p, n, 0, "\xff\xfe", 2) || has(p, n, 0, "\xfe\xff", 2))
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

static const uint8_t *skip_space(const uint8_t *p, const uint8_t *end)
{
    if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static int starts_ci(const uint8_t *p, const uint8_t *end, const char *word)
{
    size_t len = strlen(word);
    return (size_t)(end - p) >= len && strncasecmp((const char *)p, word, len) == 0;
}

/* `<tag` followed by white space, '>' or '/' (so <jobs> is not <job). */
static int starts_tag(const uint8_t *s, const uint8_t *end, const char *tag)
{
    size_t len = strlen(tag);
    if (!starts_ci(s, end, tag) || (size_t)(end - s) <= len)
        return 0;
    uint8_t c = s[len];
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/';
}

/* A line of the first window starting with `lead` (after blanks) that
 * also holds `then` (case-insensitive): "Set x = CreateObject(". */
static int line_with(const uint8_t *p, size_t n, const char *lead, const char *then)
{
    size_t limit = n < HEAD_WINDOW ? n : HEAD_WINDOW, at = 0;
    while (at < limit) {
        const uint8_t *eol = memchr(p + at, '\n', limit - at);
        size_t len = eol ? (size_t)(eol - (p + at)) : limit - at;
        const uint8_t *s = skip_space(p + at, p + at + len);
        size_t rest = len - (size_t)(s - (p + at));
        if (starts_ci(s, s + rest, lead)) {
            size_t tl = strlen(then);
            for (size_t i = 0; i + tl <= rest; i++)
                if (strncasecmp((const char *)s + i, then, tl) == 0)
                    return 1;
        }
        at += len + 1;
    }
    return 0;
}

/* Windows scripts by markers only their languages use; ordinary text, HTML
 * and XML never qualify (a mail that mentions PowerShell stays text). */
static int is_script(const uint8_t *p, size_t n, const uint8_t *s, const uint8_t *end)
{
    size_t head = n < HEAD_WINDOW ? n : HEAD_WINDOW;
    const uint8_t *vbe = memmem(p, head, "#@~^", 4);
    /* screnc: "#@~^", six base64 characters of length, then "==" */
    if (vbe && (size_t)(p + head - vbe) >= 12 && vbe[10] == '=' && vbe[11] == '=')
        return 1;
    if (starts_tag(s, end, "<job") || starts_tag(s, end, "<package") ||
        starts_ci(s, end, "@echo off") || starts_ci(s, end, "#requires -"))
        return 1;
    if (s < end && *s == '<') {
        size_t window = n < 4096 ? n : 4096;
        for (size_t i = 0; i + 16 <= window; i++)
            if (strncasecmp((const char *)p + i, "<HTA:APPLICATION", 16) == 0)
                return 1;
        return 0;
    }
    return line_with(p, n, "set ", "CreateObject(\"WScript.") ||
           line_with(p, n, "var ", "new ActiveXObject(\"WScript.");
}

/* A WSF may open with an XML declaration before its <job> or <package>. */
static const uint8_t *after_xml_prolog(const uint8_t *s, const uint8_t *end)
{
    if (!starts_ci(s, end, "<?xml"))
        return s;
    const uint8_t *close = memmem(s, (size_t)(end - s), "?>", 2);
    return close ? skip_space(close + 2, end) : s;
}

/* A DER/BER length at p[*at]: short or long form (up to 4 bytes), or BER's
 * indefinite form (*indefinite set). 0 when malformed or cut short. */
static int der_len(const uint8_t *p, size_t n, size_t *at, size_t *len, int *indefinite)
{
    if (*at >= n)
        return 0;
    uint8_t b = p[(*at)++];
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
    if (k > 4 || n - *at < k)
        return 0;
    for (size_t i = 0; i < k; i++)
        *len = *len << 8 | p[(*at)++];
    return 1;
}

/* RFC 5652 3: ContentInfo ::= SEQUENCE { contentType OID, [0] content }
 * with a pkcs7-* type (1.2.840.113549.1.7.1-6) or an S/MIME id-ct-* one
 * (1.2.840.113549.1.9.16.1: 2 authData, 9 compressedData, 23
 * authEnvelopedData). */
static int is_cms(const uint8_t *p, size_t n)
{
    static const uint8_t pkcs7[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07};
    static const uint8_t id_ct[] = {0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86,
                                    0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01};
    size_t at = 1, len;
    int indefinite;
    /* The OID and the [0] after it are the evidence; the length is not
     * checked against the bytes, so a cut-off structure is still pkcs7 and
     * its parse error reported. */
    if (n < 16 || p[0] != 0x30 || !der_len(p, n, &at, &len, &indefinite))
        return 0;
    if (has(p, n, at, pkcs7, sizeof pkcs7) && n - at > sizeof pkcs7) {
        uint8_t k = p[at + sizeof pkcs7];
        at += sizeof pkcs7 + 1;
        if (k < 1 || k > 6)
            return 0;
    } else if (has(p, n, at, id_ct, sizeof id_ct) && n - at > sizeof id_ct) {
        uint8_t k = p[at + sizeof id_ct];
        at += sizeof id_ct + 1;
        if (k != 2 && k != 9 && k != 23)
            return 0;
    } else {
        return 0;
    }
    return at < n && p[at] == 0xa0;
}

/* RFC 5280 4.1: Certificate ::= SEQUENCE { tbsCertificate SEQUENCE {
 * [0] version or serialNumber INTEGER, ... }, signatureAlgorithm SEQUENCE,
 * ... }, in DER (definite lengths that fit). */
static int is_x509(const uint8_t *p, size_t n)
{
    size_t at = 1, len, tbs;
    int indefinite;
    if (n < 32 || p[0] != 0x30 || !der_len(p, n, &at, &len, &indefinite) || indefinite ||
        len > n - at)
        return 0;
    size_t end = at + len;
    if (p[at++] != 0x30 || !der_len(p, end, &at, &tbs, &indefinite) || indefinite ||
        tbs > end - at || at + tbs >= end || p[at + tbs] != 0x30)
        return 0;
    return has(p, end, at, "\xa0\x03\x02\x01", 4) ? (at + 4 < end && p[at + 4] <= 2)
                                                  : p[at] == 0x02;
}

/* A line of the first window that starts with `armour`. */
static int has_armour_line(const uint8_t *p, size_t n, const char *armour)
{
    size_t limit = n < HEAD_WINDOW ? n : HEAD_WINDOW, len = strlen(armour);
    for (size_t at = 0; at + len <= limit;) {
        if (memcmp(p + at, armour, len) == 0)
            return 1;
        const uint8_t *eol = memchr(p + at, '\n', limit - at);
        if (!eol)
            break;
        at = (size_t)(eol - p) + 1;
    }
    return 0;
}

static enum sk_type sniff_text(const uint8_t *p, size_t n)
{
    const uint8_t *end = p + (n < 1024 ? n : 1024);
    const uint8_t *s = skip_space(p, end);
    if (starts_ci(s, end, "-----BEGIN CERTIFICATE-----") ||
        starts_ci(s, end, "-----BEGIN X509 CERTIFICATE-----") ||
        starts_ci(s, end, "-----BEGIN TRUSTED CERTIFICATE-----"))
        return SK_TYPE_X509;
    if (starts_ci(s, end, "-----BEGIN PKCS7-----") || starts_ci(s, end, "-----BEGIN CMS-----"))
        return SK_TYPE_PKCS7;
    if (starts_ci(s, end, "-----BEGIN PGP "))
        return SK_TYPE_PGP;
    if (is_script(p, n, after_xml_prolog(s, end), end))
        return SK_TYPE_SCRIPT;
    if (starts_ci(s, end, "<!doctype html") || starts_ci(s, end, "<html") ||
        starts_ci(s, end, "<head") || starts_ci(s, end, "<body") ||
        starts_ci(s, end, "<script") || starts_ci(s, end, "<hta:"))
        return SK_TYPE_HTML;
    if (starts_ci(s, end, "<?xml") || starts_ci(s, end, "<svg"))
        return SK_TYPE_XML;
    if (is_rfc5322(p, n))
        return SK_TYPE_EML;
    /* An inline encrypted message after a greeting (RFC 4880 6.2): the
     * armour is what the text carries. */
    if (has_armour_line(p, n, "-----BEGIN PGP MESSAGE-----"))
        return SK_TYPE_PGP;
    return SK_TYPE_TEXT;
}

/* OOXML is a ZIP whose parts include [Content_Types].xml; its name sits in a
 * local header near the start or in the central directory near the end. */
static int is_ooxml(const uint8_t *p, size_t n)
{
    static const char part[] = "[Content_Types].xml";
    size_t head = n < HEAD_WINDOW ? n : HEAD_WINDOW;
    if (memmem(p, head, part, sizeof part - 1))
        return 1;
    size_t tail = n < HEAD_WINDOW ? n : HEAD_WINDOW;
    return memmem(p + n - tail, tail, part, sizeof part - 1) != NULL;
}

static enum sk_type sniff_archive(const uint8_t *p, size_t n)
{
    if (has(p, n, 0, "PK\x03\x04", 4) || has(p, n, 0, "PK\x05\x06", 4) ||
        has(p, n, 0, "PK\x07\x08", 4))
        return is_ooxml(p, n) ? SK_TYPE_OOXML : SK_TYPE_ZIP;
    if (has(p, n, 0, "7z\xbc\xaf\x27\x1c", 6))
        return SK_TYPE_7Z;
    if (has(p, n, 0, "Rar!\x1a\x07\x01\x00", 8))
        return SK_TYPE_RAR5;
    if (has(p, n, 0, "Rar!\x1a\x07\x00", 7))
        return SK_TYPE_RAR;
    if (has(p, n, 0, "MSCF\0\0\0\0", 8))
        return SK_TYPE_CAB;
    if (has(p, n, 0, "xar!", 4))
        return SK_TYPE_XAR;
    if (has(p, n, 0, "!<arch>\n", 8))
        return SK_TYPE_AR;
    if (has(p, n, 0, "070701", 6) || has(p, n, 0, "070702", 6) || has(p, n, 0, "070707", 6) ||
        has(p, n, 0, "\xc7\x71", 2) || has(p, n, 0, "\x71\xc7", 2))
        return SK_TYPE_CPIO;
    if (n > 7 && p[2] == '-' && p[3] == 'l' && (p[4] == 'h' || p[4] == 'z') && p[6] == '-')
        return SK_TYPE_LHA;
    if (has(p, n, 32769, "CD001", 5))
        return SK_TYPE_ISO9660;
    if (is_tar(p, n))
        return SK_TYPE_TAR;
    return SK_TYPE_DATA;
}

static enum sk_type sniff_filter(const uint8_t *p, size_t n)
{
    if (has(p, n, 0, "\x1f\x8b", 2))
        return SK_TYPE_GZIP;
    if (has(p, n, 0, "BZh", 3) && n > 3 && p[3] >= '1' && p[3] <= '9')
        return SK_TYPE_BZIP2;
    if (has(p, n, 0,
            "\xfd"
            "7zXZ\0",
            6))
        return SK_TYPE_XZ;
    if (has(p, n, 0, "\x28\xb5\x2f\xfd", 4))
        return SK_TYPE_ZSTD;
    if (has(p, n, 0, "\x04\x22\x4d\x18", 4))
        return SK_TYPE_LZ4;
    if (has(p, n, 0, "\x1f\x9d", 2))
        return SK_TYPE_COMPRESS;
    if (is_lzma_alone(p, n))
        return SK_TYPE_LZMA;
    return SK_TYPE_DATA;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* An OLE2 file whose root storage carries the Windows Installer CLSID
 * {000C1084-0000-0000-C000-000000000046} (MS-CFB 2.6.2: the root entry is
 * the first entry of the first directory sector). */
static int is_msi(const uint8_t *p, size_t n)
{
    static const uint8_t msi_clsid[16] = {0x84, 0x10, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00,
                                          0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
    if (n < 512)
        return 0;
    uint16_t shift = le16(p + 0x1e);
    uint32_t dir_sector = le32(p + 0x30);
    if ((shift != 9 && shift != 12) || dir_sector >= 0xfffffffau)
        return 0;
    uint64_t root = ((uint64_t)dir_sector + 1) << shift;
    return root <= n && has(p, n, (size_t)root + 0x50, msi_clsid, sizeof msi_clsid);
}

/* MS-SHLLINK 2.1: HeaderSize 0x4C, then the LinkCLSID. */
static int is_lnk(const uint8_t *p, size_t n)
{
    static const uint8_t lnk_head[20] = {0x4c, 0,    0,    0,    0x01, 0x14, 0x02,
                                         0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00,
                                         0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
    return n >= 0x4c && has(p, n, 0, lnk_head, sizeof lnk_head);
}

static enum sk_type sniff_document(const uint8_t *p, size_t n)
{
    if (has(p, n, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
        return is_msi(p, n) ? SK_TYPE_MSI : SK_TYPE_OLE2;
    if (is_lnk(p, n))
        return SK_TYPE_LNK;
    if (has(p, n, 0, "{\\rt", 4))
        return SK_TYPE_RTF;
    if (has(p, n, 0, "\x78\x9f\x3e\x22", 4)) /* MS-OXTNEF 2.1.3.1 TNEFSignature */
        return SK_TYPE_TNEF;
    /* MS-ONESTORE 2.3.1 Header.guidFileType
     * {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}, as the GUID lies in the file */
    if (has(p, n, 0, "\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d\xae\xb1\x53\x78\xd0\x29\x96\xd3", 16))
        return SK_TYPE_ONENOTE;
    size_t head = n < 1024 ? n : 1024;
    if (memmem(p, head, "%PDF-", 5))
        return SK_TYPE_PDF;
    if (is_pe(p, n))
        return SK_TYPE_PE;
    if (has(p, n, 0,
            "\x7f"
            "ELF",
            4))
        return SK_TYPE_ELF;
    if (is_macho(p, n))
        return SK_TYPE_MACHO;
    return SK_TYPE_DATA;
}

/* A FAT boot sector: a jump, a BIOS parameter block whose fields have the
 * values the FAT specification allows, and the 55 AA signature. */
static int is_fat(const uint8_t *p, size_t n)
{
    if (n < 512 || !(p[0] == 0xeb || p[0] == 0xe9) || p[510] != 0x55 || p[511] != 0xaa)
        return 0;
    uint16_t sector = le16(p + 11);
    uint8_t per_cluster = p[13];
    uint16_t total16 = le16(p + 19);
    uint32_t total32 = le32(p + 32);
    int sector_ok = sector == 512 || sector == 1024 || sector == 2048 || sector == 4096;
    int cluster_ok = per_cluster != 0 && (per_cluster & (per_cluster - 1)) == 0;
    return sector_ok && cluster_ok && le16(p + 14) != 0 && p[16] >= 1 && p[16] <= 2 &&
           (p[21] == 0xf0 || p[21] >= 0xf8) && (total16 != 0 || total32 != 0) &&
           !has(p, n, 3, "NTFS", 4) && !has(p, n, 3, "EXFAT", 5);
}

/* ECMA-167 2/9.1: volume structure descriptors in 2 KiB steps from 32 KiB
 * (an ISO 9660 bridge image has CD001 too and is taken as ISO first). */
static int is_udf(const uint8_t *p, size_t n)
{
    for (size_t off = 32768; off < 32768 + 16 * 2048; off += 2048)
        if (has(p, n, off + 1, "NSR02", 5) || has(p, n, off + 1, "NSR03", 5))
            return 1;
    return 0;
}

static enum sk_type sniff_disk(const uint8_t *p, size_t n)
{
    if (has(p, n, 0, "vhdxfile", 8))
        return SK_TYPE_VHDX;
    /* A fixed VHD ends with the footer; a dynamic one starts with its copy. */
    if ((n >= 1024 && has(p, n, n - 512, "conectix", 8)) || has(p, n, 0, "conectix", 8))
        return SK_TYPE_VHD;
    if (is_udf(p, n))
        return SK_TYPE_UDF;
    if (is_fat(p, n))
        return SK_TYPE_FAT;
    return SK_TYPE_DATA;
}

/* A BMP: "BM" and bfSize equal to the bytes, or a DIB header whose size,
 * planes and bit count are ones Windows defines (BITMAPCOREHEADER, the OS/2
 * and INFO headers, V2-V5), so that a bitmap with bytes appended after it
 * (or a careless bfSize of 0) is still typed bmp and its trailer found. */
static int is_bmp(const uint8_t *p, size_t n)
{
    if (!has(p, n, 0, "BM", 2) || n < 14)
        return 0;
    if (le32(p + 2) == n)
        return 1;
    if (n < 30)
        return 0;
    uint32_t dib = le32(p + 14);
    uint16_t planes, bits;
    if (dib == 12) {
        planes = le16(p + 22);
        bits = le16(p + 24);
    } else if (dib == 16 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 ||
               dib == 124) {
        planes = le16(p + 26);
        bits = le16(p + 28);
    } else {
        return 0;
    }
    return planes == 1 && (bits == 0 || bits == 1 || bits == 2 || bits == 4 || bits == 8 ||
                           bits == 16 || bits == 24 || bits == 32);
}

static enum sk_type sniff_media(const uint8_t *p, size_t n)
{
    if (has(p, n, 0, "\x89PNG\r\n\x1a\n", 8))
        return SK_TYPE_PNG;
    if (has(p, n, 0, "\xff\xd8\xff", 3))
        return SK_TYPE_JPEG;
    if (has(p, n, 0, "GIF87a", 6) || has(p, n, 0, "GIF89a", 6))
        return SK_TYPE_GIF;
    if (is_bmp(p, n))
        return SK_TYPE_BMP;
    if (has(p, n, 0, "RIFF", 4) && has(p, n, 8, "WEBP", 4))
        return SK_TYPE_WEBP;
    if (has(p, n, 0, "II*\0", 4) || has(p, n, 0, "MM\0*", 4))
        return SK_TYPE_TIFF;
    if (has(p, n, 0, "\0\0\1\0", 4) && n >= 6 && p[4] != 0)
        return SK_TYPE_ICO;
    if (has(p, n, 0, "\xd7\xcd\xc6\x9a", 4) || /* placeable WMF */
        (has(p, n, 0, "\x01\0\0\0", 4) && has(p, n, 40, " EMF", 4)))
        return SK_TYPE_MEDIA;
    if (has(p, n, 0, "RIFF", 4) || has(p, n, 4, "ftyp", 4) || has(p, n, 0, "OggS", 4) ||
        has(p, n, 0, "fLaC", 4) || has(p, n, 0, "ID3", 3) ||
        has(p, n, 0, "\x1a\x45\xdf\xa3", 4))
        return SK_TYPE_MEDIA;
    if (has(p, n, 0, "wOFF", 4) || has(p, n, 0, "wOF2", 4) || has(p, n, 0, "OTTO", 4) ||
        has(p, n, 0, "\0\1\0\0\0", 5))
        return SK_TYPE_FONT;
    return SK_TYPE_DATA;
}

enum sk_type sk_sniff(const uint8_t *p, size_t n)
{
    if (n == 0)
        return SK_TYPE_EMPTY;
    enum sk_type type = sniff_archive(p, n);
    if (type == SK_TYPE_DATA)
        type = sniff_disk(p, n);
    if (type == SK_TYPE_DATA)
        type = sniff_filter(p, n);
    if (type == SK_TYPE_DATA)
        type = sniff_document(p, n);
    if (type == SK_TYPE_DATA)
        type = sniff_media(p, n);
    if (type == SK_TYPE_DATA && is_cms(p, n))
        type = SK_TYPE_PKCS7;
    if (type == SK_TYPE_DATA && is_x509(p, n))
        type = SK_TYPE_X509;
    if (type == SK_TYPE_DATA && is_text(p, n))
        type = sniff_text(p, n);
    return type;
}
