/* Images: where a picture really ends, and what was appended after it.
 *
 * A dropper appended to a logo (a PE after a PNG's IEND, a ZIP after a
 * GIF's trailer) is invisible to a viewer and to a scanner that only types
 * the file by its first bytes. This unpacker walks each format's own
 * structure to the byte where the picture ends, never trusting a length it
 * has not checked against the bytes, and hands what follows back as one
 * child named "trailer", sniffed, scanned and opened like any file.
 *
 * Specs: PNG (ISO/IEC 15948, W3C PNG 2nd ed.) 5.2 the signature, 5.3 chunk
 * layout (length < 2^31, type of four ASCII letters, CRC), 11.2.5 IEND;
 * JPEG (ITU-T T.81) Annex B: B.1.1.2 markers and fill bytes (any number of
 * 0xFF before a marker), B.1.1.4 marker segments with a 16-bit length that
 * counts itself, B.1.1.5 entropy-coded segments (0xFF00 stuffing, RST0-7
 * inside them), B.2.1 SOI/EOI, B.3 and G.1.1.1 (a progressive or
 * hierarchical image has several scans: SOS after SOS until EOI); an EXIF
 * thumbnail lives inside its APP1 segment and is skipped with it. GIF89a
 * (and 87a): 17 header and logical screen descriptor, 18 global colour
 * table, 20 image descriptor, 21 local colour table, 22 table-based image
 * data, 15 data sub-blocks, 23-26 extensions, 27 trailer (0x3B). BMP
 * (Windows GDI BITMAPFILEHEADER, BITMAPCOREHEADER, BITMAPINFOHEADER and the
 * V4/V5 headers, with a V5 header's embedded or linked colour profile).
 * WebP: Google's WebP container specification (RIFF size at offset 4,
 * chunks of FourCC, size and even-padded payload, VP8/VP8L/VP8X first).
 * ICO: ICONDIR and its ICONDIRENTRYs (each image's size and offset).
 *
 * Where the end is: PNG after IEND's CRC; JPEG after EOI; GIF after 0x3B;
 * BMP at the larger of bfSize and the end of the pixel array (and of a V5
 * profile), each only when it lies within the bytes; WebP after the RIFF
 * chunk, once its chunks fill it exactly; ICO after its farthest image.
 * Only an end the structure vouches for counts: a JPEG byte that is not a
 * marker where one is due, a PNG chunk type that is not four letters, a
 * GIF block of no known kind or an LZW code size outside 1..11 end the
 * walk without an end (guessing past them would carve a false trailer out
 * of a picture's own bytes).
 *
 * What follows the end:
 * - nothing: the image has no child;
 * - padding: at most IMAGE_MAX_PADDING bytes of 0x00, 0xFF, spaces, tabs,
 *   CR and LF (and, after a JPEG, repeated EOI markers) are what encoders
 *   and editors leave (zero or 0xFF fill to a block, a newline from a
 *   script, a second EOI): no child, an "end" fact under the node's info;
 * - anything else: the child "trailer", a view of those bytes. A Samsung
 *   camera trailer (its "SEFH" directory and "SEFT" tail, ExifTool's
 *   Samsung trailer) is marked as a part of the format, so its binary
 *   records are not content.unknown, nor are IMAGE_QUIET_TRAILER bytes or
 *   fewer of no known type (leftovers of old encoders); a MP4 motion-photo
 *   trailer or an MPF preview JPEG is typed by the sniffer as media or jpeg
 *   and passes.
 *   More than IMAGE_MAX_PADDING bytes of filler are a child too: padding a
 *   file to get past scanners' size limits is an evasion of its own.
 *
 * Refuses: nothing is reported as corrupt. Mail is full of slightly broken
 * pictures (cut-off downloads, a JPEG without EOI, a GIF without its
 * trailer, bfSize 0); an image whose end cannot be found is still just an
 * image, so it gets no child and no reason, only an "end" fact saying why
 * the walk stopped. The whole node, trailer included, is YARA-scanned
 * either way. Not walked: TIFF (its strips may lie anywhere in the file),
 * other RIFF media, fonts. PNG CRCs are not checked (the end needs only the
 * lengths, and viewers show pictures with bad CRCs).
 * Limits: every loop consumes at least one byte of the input per turn, so
 * the walk is linear in the node's size; the JPEG entropy-coded data is
 * searched with memchr for 0xFF, one pass, no copy; the trailer is a view
 * through sk_unpack_view, so the engine's byte limits apply to it. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "unpacker.h"

/* Filler after an image that is not worth a child: real writers leave a
 * few bytes to a few KiB (block-aligned camera files); more is a child. */
#define IMAGE_MAX_PADDING (64u * 1024u)

/* A trailer this small is a child, but if it sniffs as no known type it is
 * encoder leftovers, not content.unknown: old GIF writers left such junk
 * after 0x3B (13 bytes after Python idlelib's tk.gif). A PE, a script or
 * EICAR this small is still typed by the sniffer and keeps its reasons. */
#define IMAGE_QUIET_TRAILER 256u

/* Where the walk ended: `found` with the end offset, or why it stopped. */
struct image_end {
    bool found;
    size_t end;        /* bytes of the image proper */
    const char *where; /* what ends it: "IEND", "EOI", ... */
    char why[112];     /* when not found */
};

struct image_state {
    size_t trailer_off;
    bool quiet; /* unknown bytes there are expected: no content.unknown */
    bool handed_back;
};

/* A BMP: "BM" and bfSize equal to the bytes, or a DIB header whose size,
 * planes and bit count are ones Windows defines (BITMAPCOREHEADER, the OS/2
 * and INFO headers, V2-V5), so that a bitmap with bytes appended after it
 * (or a careless bfSize of 0) is still typed bmp and its trailer found. */
static bool is_bmp(const struct sk_reader *in)
{
    struct sk_reader r = *in;
    uint32_t size = sk_reader_u32le_at(&r, 2);
    if (!sk_reader_match(in, 0, "BM", 2) || in->len < 14)
        return false;
    if (size == in->len)
        return true;
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
        return false;
    }
    if (in->len < 30 || r.err)
        return false;
    return planes == 1 && (bits == 0 || bits == 1 || bits == 2 || bits == 4 || bits == 8 ||
                           bits == 16 || bits == 24 || bits == 32);
}

/* The type the signature at the start shows, or SK_TYPE_DATA. */
static enum sk_type image_type(const struct sk_reader *in)
{
    if (sk_reader_match(in, 0, "\x89PNG\r\n\x1a\n", 8))
        return SK_TYPE_PNG;
    if (sk_reader_match(in, 0, "\xff\xd8\xff", 3))
        return SK_TYPE_JPEG;
    if (sk_reader_match(in, 0, "GIF87a", 6) || sk_reader_match(in, 0, "GIF89a", 6))
        return SK_TYPE_GIF;
    if (is_bmp(in))
        return SK_TYPE_BMP;
    if (sk_reader_match(in, 0, "RIFF", 4) && sk_reader_match(in, 8, "WEBP", 4))
        return SK_TYPE_WEBP;
    struct sk_reader r = *in;
    uint16_t icons = sk_reader_u16le_at(&r, 4);
    if (sk_reader_match(in, 0, "\0\0\1\0", 4) && !r.err && (icons & 0xff) != 0)
        return SK_TYPE_ICO;
    return SK_TYPE_DATA;
}

/* The bid: each format's signature (PNG's 64 bits, JPEG's SOI and the
 * 0xFF of a marker, GIF's 48, "RIFF" and "WEBP", an ICONDIR with a count;
 * a BMP's "BM" only with a bfSize that matches or a DIB header Windows
 * defines), 60, showing its type. A node already typed one of them (by
 * this bid, or by another unpacker) is walked as that. The sniffer keeps
 * TIFF, WMF/EMF, other media and fonts: nothing here walks them. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    switch (node->type) {
    case SK_TYPE_PNG:
    case SK_TYPE_JPEG:
    case SK_TYPE_GIF:
    case SK_TYPE_BMP:
    case SK_TYPE_WEBP:
    case SK_TYPE_ICO: return 60;
    default: break;
    }
    const struct sk_reader in = sk_reader_make(node->data.p, node->data.len);
    enum sk_type shown = image_type(&in);
    if (shown == SK_TYPE_DATA)
        return 0;
    *type = shown;
    return 60;
}

static void stop(struct image_end *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void stop(struct image_end *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->found = false;
    vsnprintf(e->why, sizeof e->why, fmt, ap);
    va_end(ap);
}

static void ended(struct image_end *e, size_t end, const char *where)
{
    e->found = true;
    e->end = end;
    e->where = where;
}

static bool is_letter(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* PNG 5.3: length, type, data, CRC, until IEND. Each chunk is at least 12
 * bytes, so the loop runs at most n / 12 times. */
static void png_end(struct sk_reader *r, struct image_end *e)
{
    if (!sk_reader_bytes(r, 8) || memcmp(r->p, "\x89PNG\r\n\x1a\n", 8) != 0) {
        stop(e, "no PNG signature (%zu bytes)", r->len);
        return;
    }
    while (sk_reader_left(r) > 0) {
        size_t at = r->pos;
        uint32_t len = sk_reader_u32be(r);
        struct sk_reader type = sk_reader_sub(r, 4);
        if (r->err) {
            stop(e, "a chunk header at %zu is cut short", at);
            return;
        }
        bool letters = true;
        for (size_t i = 0; i < 4; i++)
            letters = letters && is_letter(sk_reader_u8_at(&type, i));
        if (len > 0x7fffffffu || !letters) {
            stop(e, "the chunk at %zu is not a PNG chunk", at);
            return;
        }
        if (sk_reader_skip(r, (size_t)len + 4) != 0) {
            stop(e, "the chunk at %zu runs past the end", at);
            return;
        }
        if (sk_reader_match(&type, 0, "IEND", 4)) {
            ended(e, r->pos, "IEND");
            return;
        }
    }
    stop(e, "no IEND chunk in %zu bytes", r->len);
}

static bool is_rst(uint8_t marker)
{
    return marker >= 0xd0 && marker <= 0xd7;
}

/* From pos inside entropy-coded data (T.81 B.1.1.5): the offset of the 0xFF
 * that starts the next marker, skipping 0xFF00 stuffing, RST markers and
 * fill bytes; the view's end when the data ends first. One memchr pass,
 * linear; every index is checked against n where it is made. */
static size_t next_marker(const struct sk_reader *in, size_t pos)
{
    const uint8_t *p = in->p;
    size_t n = in->len;
    struct sk_reader r = *in;
    while (pos < n) {
        /* Stuffing often comes in runs (0xFF00 0xFF00 ...): a few bytes
         * looked at by hand spare memchr's set-up cost there. */
        size_t near = n - pos < 8 ? n - pos : 8, at = pos;
        while (at < pos + near && p[at] != 0xff)
            at++;
        if (at == pos + near) {
            const uint8_t *rest = sk_reader_at(&r, at, n - at);
            const uint8_t *ff = rest ? memchr(rest, 0xff, n - at) : NULL;
            if (!ff)
                return n;
            at += (size_t)(ff - rest);
        }
        size_t k = at + 1;
        while (k < n && p[k] == 0xff) /* fill bytes: the last 0xFF counts */
            k++;
        if (k >= n)
            return n;
        if (p[k] != 0x00 && !is_rst(p[k]))
            return k - 1;
        pos = k + 1;
    }
    return n;
}

/* T.81 Annex B: SOI, marker segments with lengths, scans (SOS and its
 * entropy-coded data) until EOI. A byte that is not a marker where one is
 * due ends the walk: libjpeg skips such bytes with a warning, but past
 * them we would be guessing where the image ends (random bytes behind an
 * SOI would soon "find" an EOI), and a guessed end makes a false trailer.
 * Every turn moves pos forward, so the loop is linear in n. */
static void jpeg_end(struct sk_reader *r, struct image_end *e)
{
    if (!sk_reader_match(r, r->pos, "\xff\xd8", 2) || sk_reader_skip(r, 2) != 0) {
        stop(e, "no JPEG SOI (%zu bytes)", r->len);
        return;
    }
    while (sk_reader_left(r) > 0) {
        size_t at = r->pos;
        if (sk_reader_u8(r) != 0xff) {
            stop(e, "the byte at %zu is not a marker", at);
            return;
        }
        uint8_t marker = sk_reader_u8(r);
        while (marker == 0xff && !r->err) /* fill bytes (B.1.1.2) */
            marker = sk_reader_u8(r);
        if (r->err)
            break;
        if (marker == 0xd9) {
            ended(e, r->pos, "EOI");
            return;
        }
        if (marker == 0xd8 || marker == 0x00) {
            stop(e, "the marker at %zu is out of place", at);
            return;
        }
        /* Stand-alone markers (B.1.1.3): RSTm and TEM have no length. */
        if (is_rst(marker) || marker == 0x01)
            continue;
        /* B.1.1.4: the length is big-endian, high byte first */
        size_t len = (size_t)sk_reader_u8(r) << 8;
        len |= sk_reader_u8(r);
        if (r->err) {
            stop(e, "the marker segment at %zu is cut short", at);
            return;
        }
        if (len < 2) {
            stop(e, "the marker segment at %zu has a length below 2", at);
            return;
        }
        if (sk_reader_skip(r, len - 2) != 0) {
            stop(e, "the marker segment at %zu runs past the end", at);
            return;
        }
        if (marker == 0xda) /* SOS: entropy-coded data up to the next marker */
            sk_reader_seek(r, next_marker(r, r->pos));
    }
    stop(e, "no EOI marker in %zu bytes", r->len);
}

/* GIF 15: data sub-blocks, each a size byte and that many bytes, until a
 * zero size. Each turn consumes at least one byte. */
static bool gif_sub_blocks(struct sk_reader *r)
{
    for (;;) {
        uint8_t size = sk_reader_u8(r);
        if (r->err)
            return false;
        if (size == 0)
            return true;
        if (sk_reader_skip(r, size) != 0)
            return false;
    }
}

/* GIF89a 17-27: header, logical screen descriptor, global colour table,
 * then image descriptors and extensions until the 0x3B trailer. */
static void gif_end(struct sk_reader *r, struct image_end *e)
{
    const uint8_t *head = sk_reader_bytes(r, 13);
    if (!head || (memcmp(head, "GIF87a", 6) != 0 && memcmp(head, "GIF89a", 6) != 0)) {
        stop(e, "no GIF header (%zu bytes)", r->len);
        return;
    }
    uint8_t packed = sk_reader_u8_at(r, 10);
    if ((packed & 0x80) && sk_reader_skip(r, 3u << ((packed & 7) + 1)) != 0) {
        stop(e, "the global colour table is cut short (%zu bytes)", r->len);
        return;
    }
    while (sk_reader_left(r) > 0) {
        size_t at = r->pos;
        uint8_t block = sk_reader_u8(r);
        if (block == 0x3b) {
            ended(e, r->pos, "trailer 0x3B");
            return;
        }
        if (block == 0x2c) {      /* image descriptor, local colour table, LZW code size */
            sk_reader_skip(r, 8); /* position and size */
            uint8_t local = sk_reader_u8(r);
            if (local & 0x80)
                sk_reader_skip(r, 3u << ((local & 7) + 1));
            uint8_t code_size = sk_reader_u8(r);
            if (!r->err && (code_size < 1 || code_size > 11)) {
                stop(e, "the image at %zu has an LZW code size of %u", at, code_size);
                return;
            }
        } else if (block == 0x21) { /* extension label */
            sk_reader_u8(r);
        } else {
            stop(e, "the byte at %zu starts no GIF block", at);
            return;
        }
        if (r->err || !gif_sub_blocks(r)) {
            stop(e, "the block at %zu runs past the end", at);
            return;
        }
    }
    stop(e, "no trailer in %zu bytes", r->len);
}

/* Bytes of a BMP's pixel array from its DIB header, or 0 when the header
 * does not say (an unknown header, or compressed without biSizeImage). */
static uint64_t bmp_pixel_bytes(struct sk_reader dib, uint32_t dib_size)
{
    int64_t width, height;
    uint32_t bits, compression = 0, size_image = 0;
    if (dib_size == 12) { /* BITMAPCOREHEADER */
        sk_reader_skip(&dib, 4);
        width = sk_reader_u16le(&dib);
        height = sk_reader_u16le(&dib);
        sk_reader_skip(&dib, 2);
        bits = sk_reader_u16le(&dib);
    } else {
        sk_reader_skip(&dib, 4);
        width = (int32_t)sk_reader_u32le(&dib);
        height = (int32_t)sk_reader_u32le(&dib);
        sk_reader_skip(&dib, 2);
        bits = sk_reader_u16le(&dib);
        compression = sk_reader_u32le(&dib);
        size_image = sk_reader_u32le(&dib);
    }
    if (dib.err)
        return 0;
    if (size_image != 0)
        return size_image;
    /* BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS: rows of 32-bit units. */
    if (compression != 0 && compression != 3 && compression != 6)
        return 0;
    if (height < 0)
        height = -height;
    if (width <= 0 || width > 0xffffff || height > 0xffffff || bits == 0 || bits > 32)
        return 0;
    uint64_t row = ((uint64_t)width * bits + 31) / 32 * 4;
    return row * (uint64_t)height;
}

/* BMP: the larger of bfSize, the end of the pixel array and the end of a
 * V5 header's embedded profile; a candidate beyond the bytes, or before the
 * headers, is not sane and is left out (bfSize 0 is common). */
static void bmp_end(struct sk_reader *r, struct image_end *e)
{
    const uint8_t *magic = sk_reader_bytes(r, 2);
    uint32_t file_size = sk_reader_u32le(r);
    sk_reader_skip(r, 4);
    uint32_t pixels_at = sk_reader_u32le(r);
    uint32_t dib_size = sk_reader_u32le(r);
    if (!magic || memcmp(magic, "BM", 2) != 0 || r->err) {
        stop(e, "no BMP file header (%zu bytes)", r->len);
        return;
    }
    size_t n = r->len;
    if (dib_size < 12 || dib_size > n - 14) {
        stop(e, "the DIB header runs past the end (%zu bytes)", n);
        return;
    }
    uint64_t headers = 14 + (uint64_t)dib_size, end = 0;
    const char *where = NULL;
    if (file_size >= headers && file_size <= n) {
        end = file_size;
        where = "bfSize";
    }
    struct sk_reader dib = sk_reader_sub_at(r, 14, dib_size);
    uint64_t pixel_bytes = bmp_pixel_bytes(dib, dib_size);
    uint64_t pixel_end = (uint64_t)pixels_at + pixel_bytes;
    if (pixel_bytes > 0 && pixels_at >= headers && pixel_end <= n && pixel_end > end) {
        end = pixel_end;
        where = "the pixel array";
    }
    /* BITMAPV5HEADER: an embedded profile (bV5CSType 'MBED') or a linked
     * profile's file name ('LINK') at an offset from the header's start
     * (bV5ProfileData), often after the pixels. */
    if (dib_size >= 124) {
        struct sk_reader v5 = sk_reader_sub_at(r, 14, dib_size);
        sk_reader_skip(&v5, 56);
        uint32_t cs_type = sk_reader_u32le(&v5);
        sk_reader_skip(&v5, 112 - 60);
        uint32_t profile_at = sk_reader_u32le(&v5);
        uint32_t profile_size = sk_reader_u32le(&v5);
        uint64_t profile_end = 14 + (uint64_t)profile_at + profile_size;
        if (!v5.err && (cs_type == 0x4d424544u || cs_type == 0x4c494e4bu) && profile_size > 0 &&
            profile_end <= n && profile_end > end) {
            end = profile_end;
            where = "the colour profile";
        }
    }
    if (!where) {
        stop(e, "neither bfSize nor the DIB header gives an end within %zu bytes", n);
        return;
    }
    ended(e, (size_t)end, where);
}

/* WebP (the RIFF container of Google's WebP container specification): the
 * RIFF size counts from offset 8; inside, after "WEBP", chunks (FourCC,
 * size, payload padded to even) must fill it exactly, the first one VP8,
 * VP8L or VP8X. Each chunk is at least 8 bytes: at most n / 8 turns. */
static void webp_end(struct sk_reader *r, struct image_end *e)
{
    const uint8_t *riff = sk_reader_bytes(r, 4);
    uint32_t size = sk_reader_u32le(r);
    const uint8_t *form = sk_reader_bytes(r, 4);
    if (!riff || !form || memcmp(riff, "RIFF", 4) != 0 || memcmp(form, "WEBP", 4) != 0) {
        stop(e, "no RIFF WEBP header (%zu bytes)", r->len);
        return;
    }
    uint64_t end = 8 + (uint64_t)size;
    if (size < 4 + 8 || end > r->len) {
        stop(e, "the RIFF size %u does not fit the %zu bytes", size, r->len);
        return;
    }
    struct sk_reader chunks = sk_reader_sub(r, (size_t)size - 4);
    bool first = true;
    while (sk_reader_left(&chunks) > 0) {
        size_t at = 12 + chunks.pos;
        const uint8_t *fourcc = sk_reader_bytes(&chunks, 4);
        uint32_t len = sk_reader_u32le(&chunks);
        bool known_first =
            fourcc && (memcmp(fourcc, "VP8 ", 4) == 0 || memcmp(fourcc, "VP8L", 4) == 0 ||
                       memcmp(fourcc, "VP8X", 4) == 0);
        /* The last chunk's pad byte may be left out of the RIFF size. */
        uint64_t padded = (uint64_t)len + (len & 1);
        if (padded > sk_reader_left(&chunks) && len == sk_reader_left(&chunks))
            padded = len;
        if (chunks.err || (first && !known_first) || padded > sk_reader_left(&chunks)) {
            stop(e, "the chunk at %zu is not a WebP chunk within the RIFF size", at);
            return;
        }
        sk_reader_skip(&chunks, (size_t)padded);
        first = false;
    }
    ended(e, (size_t)end, "the RIFF chunk");
}

/* ICO: ICONDIR (reserved 0, type, count), then count 16-byte entries, each
 * with its image's size and offset; the end is after the farthest image. */
static void ico_end(struct sk_reader *r, struct image_end *e)
{
    sk_reader_skip(r, 4);
    uint16_t count = sk_reader_u16le(r);
    if (r->err || count == 0) {
        stop(e, "no icon directory (%zu bytes)", r->len);
        return;
    }
    uint64_t first = 6 + 16 * (uint64_t)count, end = first;
    for (uint16_t i = 0; i < count; i++) {
        sk_reader_skip(r, 8);
        uint32_t size = sk_reader_u32le(r);
        uint32_t offset = sk_reader_u32le(r);
        uint64_t image_end = (uint64_t)offset + size;
        if (r->err || offset < first || size == 0 || image_end > r->len) {
            stop(e, "icon entry %u is out of bounds", (unsigned)i);
            return;
        }
        if (image_end > end)
            end = image_end;
    }
    ended(e, (size_t)end, "the last icon");
}

/* Zero or 0xFF fill, white space, and after a JPEG repeated EOI markers. */
static bool is_padding(const uint8_t *p, size_t n, enum sk_type type)
{
    if (n > IMAGE_MAX_PADDING)
        return false;
    uint8_t before = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        bool eoi = c == 0xd9 && type == SK_TYPE_JPEG && before == 0xff;
        before = c;
        if (c == 0x00 || c == 0xff || c == ' ' || c == '\t' || c == '\r' || c == '\n' || eoi)
            continue;
        return false;
    }
    return true;
}

/* ExifTool's Samsung trailer: records, then a "SEFH" directory whose
 * length stands before the closing "SEFT". */
static bool is_samsung_trailer(const uint8_t *p, size_t n)
{
    struct sk_reader r = sk_reader_make(p, n);
    if (n < 16 || !sk_reader_match(&r, n - 4, "SEFT", 4))
        return false;
    uint32_t dir_len = sk_reader_u32le_at(&r, n - 8);
    return dir_len >= 4 && dir_len <= n - 8 && sk_reader_match(&r, n - 8 - dir_len, "SEFH", 4);
}

static void find_end(const struct sk_node *node, struct image_end *e)
{
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    switch (node->type) {
    case SK_TYPE_PNG: png_end(&r, e); break;
    case SK_TYPE_JPEG: jpeg_end(&r, e); break;
    case SK_TYPE_GIF: gif_end(&r, e); break;
    case SK_TYPE_BMP: bmp_end(&r, e); break;
    case SK_TYPE_WEBP: webp_end(&r, e); break;
    default: ico_end(&r, e); break;
    }
}

static int open_image(struct sk_unpack *u, void **state)
{
    const struct sk_node *node = u->node;
    struct image_end e = {0};
    *state = NULL;
    find_end(node, &e);
    if (!e.found) {
        sk_unpack_info(u, "end", "not found: %s", e.why);
        return 0;
    }
    struct sk_reader whole = sk_reader_make(node->data.p, node->data.len);
    size_t rest_len = node->data.len - e.end;
    const uint8_t *rest = sk_reader_at(&whole, e.end, rest_len);
    if (rest_len == 0 || !rest)
        return 0;
    if (is_padding(rest, rest_len, node->type)) {
        sk_unpack_info(u, "end", "after %s at %zu: %zu byte%s of padding (not opened)", e.where,
                       e.end, rest_len, rest_len == 1 ? "" : "s");
        return 0;
    }
    struct image_state *st = calloc(1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    st->trailer_off = e.end;
    const char *why_quiet = is_samsung_trailer(rest, rest_len) ? ", a Samsung trailer"
                            : rest_len <= IMAGE_QUIET_TRAILER  ? ", a few bytes"
                                                               : "";
    st->quiet = why_quiet[0] != '\0';
    sk_unpack_info(u, "end", "after %s at %zu: %zu byte%s (child 'trailer'%s)", e.where, e.end,
                   rest_len, rest_len == 1 ? "" : "s", why_quiet);
    *state = st;
    return 0;
}

static int next_image(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct image_state *st = state;
    if (!st || st->handed_back)
        return SK_DONE;
    st->handed_back = true;
    child->name = "trailer";
    child->name_len = strlen(child->name);
    child->format_part = st->quiet;
    const struct sk_buf *data = &u->node->data;
    struct sk_reader whole = sk_reader_make(data->p, data->len);
    size_t trailer_len = data->len - st->trailer_off;
    const uint8_t *trailer = sk_reader_at(&whole, st->trailer_off, trailer_len);
    if (!trailer)
        return SK_DONE; /* cannot happen: open found the end within the bytes */
    return sk_unpack_view(u, &child->data, trailer, trailer_len);
}

static void close_image(void *state)
{
    free(state);
}

const struct sk_unpacker sk_unpacker_image = {
    .name = "image",
    .bid = bid,
    .open = open_image,
    .next = next_image,
    .close = close_image,
};
