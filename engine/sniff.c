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
    size_t s = sk_reader_skip_space(&w, 0);
    if (starts_ci(&w, s, "<?xml") || starts_ci(&w, s, "<svg"))
        return SK_TYPE_XML;
    return SK_TYPE_TEXT;
}

/* Sun/NeXT audio (the AU header: ".snd", then big-endian data offset,
 * data size, encoding, sample rate, channels). Four letters alone are weak,
 * so the header must also make sense: the data starts after the 24 bytes of
 * header, the encoding is one of the 27 Sun defined, a channel at least. */
static int is_sun_audio(const struct sk_reader *in)
{
    if (!has(in, 0, ".snd", 4))
        return 0;
    struct sk_reader r = *in;
    uint32_t data_offset = sk_reader_u32be_at(&r, 4);
    uint32_t encoding = sk_reader_u32be_at(&r, 12);
    uint32_t channels = sk_reader_u32be_at(&r, 20);
    return !r.err && data_offset >= 24 && encoding >= 1 && encoding <= 27 && channels >= 1;
}

/* The length in bytes of the MPEG audio frame whose 4-byte header is at
 * off (ISO/IEC 11172-3 2.4.2.3 and 13818-3 2.4.2.3: 11 sync bits, version,
 * layer, bit rate and sample rate indices, padding), or 0 when no valid
 * header is there. A free-format frame (bit rate index 0) has no length in
 * its header and counts as none. *shape keeps the bits every frame of a
 * stream shares (sync, version, layer, sample rate). */
static uint32_t mpeg_frame_length(const struct sk_reader *in, uint64_t off, uint32_t *shape)
{
    static const uint16_t kbps[5][15] = {
        {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448}, /* 1, I */
        {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},    /* 1, II */
        {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},     /* 1, III */
        {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},    /* 2, I */
        {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},         /* 2, II/III */
    };
    static const uint32_t mpeg1_rates[3] = {44100, 48000, 32000};
    struct sk_reader r = *in;
    uint32_t h = sk_reader_u32be_at(&r, off);
    uint32_t version = h >> 19 & 3; /* 0: 2.5, 1: reserved, 2: 2, 3: 1 */
    uint32_t layer = h >> 17 & 3;   /* 1: III, 2: II, 3: I, 0: reserved */
    uint32_t rate_index = h >> 12 & 15, sample_index = h >> 10 & 3, emphasis = h & 3;
    if (r.err || (h & 0xffe00000u) != 0xffe00000u || version == 1 || layer == 0 ||
        rate_index == 0 || rate_index == 15 || sample_index == 3 || emphasis == 2)
        return 0;
    uint32_t divisor = version == 3 ? 1 : version == 2 ? 2 : 4;
    uint32_t sample_rate = mpeg1_rates[sample_index] / divisor;
    size_t table = version == 3 ? 3 - layer : layer == 3 ? 3 : 4;
    uint32_t bit_rate = kbps[table][rate_index] * 1000u;
    uint32_t padding = h >> 9 & 1;
    *shape = h & 0xfffe0c00u;
    if (layer == 3)
        return (12 * bit_rate / sample_rate + padding) * 4;
    /* Layer III of MPEG-2 and 2.5 holds 576 samples a frame, not 1152. */
    uint32_t per_frame = layer == 1 && version != 3 ? 72 : 144;
    return per_frame * bit_rate / sample_rate + padding;
}

/* MPEG audio (MP3 and its layers I and II) with no ID3 tag: a frame header
 * at the start and another of the same shape where the first frame's length
 * says the next begins. One sync word alone is 11 bits, too weak to call. */
static int is_mpeg_audio(const struct sk_reader *in)
{
    uint32_t first_shape = 0, next_shape = 0;
    uint32_t length = mpeg_frame_length(in, 0, &first_shape);
    return length > 0 && mpeg_frame_length(in, length, &next_shape) > 0 &&
           next_shape == first_shape;
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
    if (is_sun_audio(in) || is_mpeg_audio(in))
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
