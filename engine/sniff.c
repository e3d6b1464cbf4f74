/* The sniffer: the types no unpacker bids for. Magic numbers from the
 * formats' own documents, for the media no unpacker walks: TIFF, WMF/EMF,
 * audio and video, fonts; and plain text and XML. Archives, CAB, OOXML,
 * compression filters, LNK, RTF, TNEF, OneNote, PDF, PE, ELF, Mach-O, VHD,
 * VHDX, UDF and FAT, OLE2 and MSI (ole2.c), the images image.c walks (PNG,
 * JPEG, GIF, BMP, WebP, ICO), CMS/PKCS#7 and X.509 in DER or PEM (pkcs7.c)
 * and OpenPGP armour (pgp.c) are recognised by their unpackers' bids
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

static enum sk_type sniff_text(const uint8_t *p, size_t n)
{
    const struct sk_reader w = sk_reader_make(p, n < 1024 ? n : 1024);
    size_t s = skip_space(&w, 0);
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
    return SK_TYPE_TEXT;
}

static enum sk_type sniff_media(const struct sk_reader *in)
{
    if (has(in, 0, "II*\0", 4) || has(in, 0, "MM\0*", 4))
        return SK_TYPE_TIFF;
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
        type = sniff_media(&in);
    if (type == SK_TYPE_DATA && is_text(p, n))
        type = sniff_text(p, n);
    return type;
}
