/* The sniffer: the types no unpacker bids for. Magic numbers from the
 * formats' own documents, for the media no unpacker walks: TIFF, WMF/EMF,
 * audio and video, fonts; and plain text and XML. Archives, CAB, OOXML,
 * compression filters, LNK, RTF, TNEF, OneNote, PDF, PE, ELF, Mach-O, VHD,
 * VHDX, UDF and FAT, OLE2 and MSI (ole2.c), the images image.c walks (PNG,
 * JPEG, GIF, BMP, WebP, ICO), CMS/PKCS#7 and X.509 in DER or PEM (pkcs7.c)
 * and OpenPGP armour (pgp.c) are recognised by their unpackers' bids
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

static enum sk_type sniff_text(const uint8_t *p, size_t n)
{
    const struct sk_reader w = sk_reader_make(p, n < 1024 ? n : 1024);
    size_t s = skip_space(&w, 0);
    if (starts_ci(&w, s, "<?xml") || starts_ci(&w, s, "<svg"))
        return SK_TYPE_XML;
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
