/* Apple disk images (UDIF, .dmg), to the partition level.
 *
 * Spec: Apple's UDIF as documented by Jonathan Levin ("Demystifying the DMG
 * File Format") and libdmg-hfsplus: the 512-byte big-endian "koly" trailer
 * at the image's end (HeaderSize 512; DataForkOffset/Length at 24/32,
 * XMLOffset/Length at 216/224), the XML property list after the data fork
 * whose resource-fork/blkx array holds one dict per partition (Name, and
 * Data: a base64 "mish" BLKXTable), the BLKXTable (DataOffset at 24,
 * NumberOfBlockChunks at 200, then 40-byte chunks: EntryType, Comment,
 * SectorNumber, SectorCount, CompressedOffset, CompressedLength; sectors of
 * 512 bytes) and the chunk types: 0 zero-fill, 1 raw, 2 ignore, 0x80000004
 * ADC, 0x80000005 zlib, 0x80000006 bzip2, 0x80000007 LZFSE, 0x80000008
 * LZMA, 0x7FFFFFFE comment, 0xFFFFFFFF terminator.
 *
 * Children: each blkx partition, named by its plist Name (falling back to
 * "partitionN"), assembled chunk by chunk (zero-fill and ignore read as
 * zeros, raw copied, ADC, zlib and bzip2 decompressed) and sniffed and
 * opened in turn (a FAT or ISO volume inside is listed). Refuses, never
 * silently: LZFSE and LZMA chunks are error.unsupported naming the method (the
 * partition is handed back cut there, truncated); an HFS+/HFSX volume
 * ("H+"/"HX" at 1024) is not walked: error.unsupported with
 * container.disk_image; the raw bytes are still scanned. A missing trailer,
 * plist or blkx entry, a chunk outside the data fork or out of order, or a
 * stream that does not decompress is error.corrupt.
 * Limits: DMG_MAX_PARTITIONS partitions, DMG_MAX_CHUNKS chunks each (and no
 * more than the mish holds), a chunk's output capped at its declared sector
 * count, and every byte through sk_unpack_append (node, total, ratio, time):
 * a chunk's declared sizes are never trusted to allocate. */
#include <bzlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "textcode.h"
#include "unpacker.h"

#define KOLY_SIZE 512u
#define SECTOR 512u
#define MISH_CHUNKS_AT 204u
#define CHUNK_SIZE 40u
#define DMG_MAX_PARTITIONS 64u
#define DMG_MAX_CHUNKS 1000000u
#define DMG_MAX_MISH (4u * 1024u * 1024u)
#define OUT_CHUNK (64u * 1024u)

enum chunk_type {
    CHUNK_ZERO = 0,
    CHUNK_RAW = 1,
    CHUNK_IGNORE = 2,
    CHUNK_ADC = (int)0x80000004u,
    CHUNK_ZLIB = (int)0x80000005u,
    CHUNK_BZIP2 = (int)0x80000006u,
    CHUNK_LZFSE = (int)0x80000007u,
    CHUNK_LZMA = (int)0x80000008u,
    CHUNK_COMMENT = 0x7ffffffe,
    CHUNK_END = (int)0xffffffffu,
};

struct blkx {
    char name[64];
    uint8_t *mish; /* the decoded BLKXTable (heap) */
    size_t mish_len;
};

struct dmg_state {
    struct sk_reader img;
    uint64_t data_fork, data_len;
    struct blkx parts[DMG_MAX_PARTITIONS];
    unsigned n_parts, next_part;
    uint8_t *out; /* OUT_CHUNK of decompression scratch */
};

/* The bid: the "koly" trailer with its HeaderSize of 512 in the image's
 * last 512 bytes: 64 bits that hold together, 50 (a UDIF has no magic at
 * its start, and a trailer is weaker evidence than a header). */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    if (r.len < 2 * KOLY_SIZE || !sk_reader_match(&r, r.len - KOLY_SIZE, "koly", 4) ||
        !sk_reader_match(&r, r.len - KOLY_SIZE + 8, "\0\0\x02\0", 4))
        return 0;
    *type = SK_TYPE_DMG;
    return 50;
}

/* Where needle next occurs in xml[from, to): true and *at, or false. */
static bool find(struct sk_reader *xml, size_t from, size_t to, const char *needle, size_t *at)
{
    const uint8_t *base = from < to ? sk_reader_at(xml, from, to - from) : NULL;
    const uint8_t *hit = base ? memmem(base, to - from, needle, strlen(needle)) : NULL;
    if (!hit)
        return false;
    *at = from + (size_t)(hit - base);
    return true;
}

/* The text of the element open...close that follows key in xml[from, to):
 * its offset and length, or false. */
static bool value_after(struct sk_reader *xml, size_t from, size_t to, const char *key,
                        const char *open, const char *close, size_t *at, size_t *len)
{
    size_t k, o, c;
    if (!find(xml, from, to, key, &k) || !find(xml, k, to, open, &o) ||
        !find(xml, o, to, close, &c))
        return false;
    *at = o + strlen(open);
    *len = c - *at;
    return true;
}

/* Decodes the base64 at xml[at, at + len) (white space skipped) into a heap
 * buffer: its length, or 0 on failure (a bad byte, no memory, too large). */
static size_t decode_mish(struct sk_unpack *u, struct sk_reader *xml, size_t at, size_t len,
                          uint8_t **out)
{
    const uint8_t *text = sk_reader_at(xml, at, len);
    if (!text || len / 4 * 3 > DMG_MAX_MISH)
        return 0;
    uint8_t *bytes = sk_unpack_alloc(u, len / 4 * 3 + 3);
    if (!bytes)
        return 0;
    size_t n = 0;
    uint32_t bits = 0;
    unsigned nbits = 0;
    for (size_t i = 0; i < len && text[i] != '='; i++) {
        int v = sk_base64_value(text[i]);
        if (v < 0 && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t'))
            continue;
        if (v < 0) {
            free(bytes);
            return 0;
        }
        bits = bits << 6 | (uint32_t)v;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            bytes[n++] = (uint8_t)(bits >> nbits);
        }
    }
    *out = bytes;
    return n;
}

/* A plist Name as a child's name: no path separator, no control byte. */
static void plain_name(char *name)
{
    for (char *c = name; *c; c++)
        if (*c == '/' || *c == '\\' || (unsigned char)*c < 0x20)
            *c = '_';
}

/* The blkx array's dicts into st->parts. */
static int read_plist(struct sk_unpack *u, struct dmg_state *st, struct sk_reader *xml)
{
    size_t end = xml->len, at, array_end;
    if (!find(xml, 0, end, "<key>blkx</key>", &at) || !find(xml, at, end, "</array>", &array_end))
        return SK_ECORRUPT;
    size_t dict, dict_end;
    /* a bad entry is reported and skipped: the turns, not only the
     * entries kept, are bounded, so junk cannot fill the error list */
    for (unsigned turn = 0; turn < 2 * DMG_MAX_PARTITIONS && st->n_parts < DMG_MAX_PARTITIONS &&
                            find(xml, at, array_end, "<dict>", &dict) &&
                            find(xml, dict, array_end, "</dict>", &dict_end);
         turn++) {
        at = dict_end;
        struct blkx *b = &st->parts[st->n_parts];
        size_t v, n;
        if (!value_after(xml, dict, dict_end, "<key>Data</key>", "<data>", "</data>", &v, &n) ||
            (b->mish_len = decode_mish(u, xml, v, n, &b->mish)) == 0) {
            sk_unpack_fail(u, "dmg", SK_ECORRUPT, "blkx entry %u: no readable Data",
                           st->n_parts + 1);
            continue;
        }
        st->n_parts++;
        const uint8_t *name = NULL;
        if (value_after(xml, dict, dict_end, "<key>Name</key>", "<string>", "</string>", &v,
                        &n) ||
            value_after(xml, dict, dict_end, "<key>CFName</key>", "<string>", "</string>", &v,
                        &n))
            name = sk_reader_at(xml, v, n);
        if (name && n > 0 && n < sizeof b->name)
            snprintf(b->name, sizeof b->name, "%.*s", (int)n, (const char *)name);
        else
            snprintf(b->name, sizeof b->name, "partition%u", st->n_parts);
        plain_name(b->name);
    }
    if (find(xml, at, array_end, "<dict>", &dict))
        sk_unpack_fail(u, "dmg", SK_EUNSUPPORTED, "blkx entries past the first %u not read",
                       DMG_MAX_PARTITIONS);
    return 0;
}

static void free_parts(struct dmg_state *st)
{
    for (unsigned i = 0; i < st->n_parts; i++)
        free(st->parts[i].mish);
    free(st->out);
    free(st);
}

static int open_dmg(struct sk_unpack *u, void **state)
{
    struct dmg_state *st = sk_unpack_calloc(u, 1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    st->img = sk_reader_make(u->node->data.p, u->node->data.len);
    struct sk_reader koly = sk_reader_sub_at(&st->img, st->img.len - KOLY_SIZE, KOLY_SIZE);
    st->data_fork = sk_reader_u64be_at(&koly, 24);
    st->data_len = sk_reader_u64be_at(&koly, 32);
    uint64_t xml_at = sk_reader_u64be_at(&koly, 216), xml_len = sk_reader_u64be_at(&koly, 224);
    struct sk_reader xml = sk_reader_sub_at(&st->img, xml_at, (size_t)xml_len);
    st->out = sk_unpack_alloc(u, OUT_CHUNK);
    int rc = !st->out ? SK_ENOMEM : (koly.err || xml.err || xml_len > SIZE_MAX) ? SK_ECORRUPT : 0;
    if (rc == 0)
        rc = read_plist(u, st, &xml);
    if (rc == 0 && st->n_parts == 0)
        rc = SK_ECORRUPT;
    if (rc != 0) {
        if (rc != SK_ENOMEM)
            sk_unpack_fail(u, "dmg", rc, "no koly trailer, property list or blkx entry");
        free_parts(st);
        return rc;
    }
    sk_unpack_info(u, "format", "UDIF (Apple disk image)");
    sk_unpack_info(u, "partitions", "%u", st->n_parts);
    *state = st;
    return 0;
}

/* Appends zeros up to `upto` bytes of out. */
static int fill_zeros(struct sk_unpack *u, struct sk_buf *out, uint64_t upto)
{
    static const uint8_t zeros[OUT_CHUNK];
    int rc = 0;
    while (rc == 0 && out->len < upto) {
        uint64_t n = upto - out->len < OUT_CHUNK ? upto - out->len : OUT_CHUNK;
        rc = sk_unpack_append(u, out, zeros, (size_t)n);
    }
    return rc;
}

/* Appends what is new in st->out, no further than `upto` bytes of out. */
static int take(struct sk_unpack *u, struct sk_buf *out, const uint8_t *p, size_t got,
                uint64_t upto)
{
    if (out->len >= upto)
        return 0;
    size_t n = got < upto - out->len ? got : (size_t)(upto - out->len);
    return n ? sk_unpack_append(u, out, p, n) : 0;
}

/* One zlib chunk, its output capped at upto. */
static int inflate_chunk(struct sk_unpack *u, struct dmg_state *st, const uint8_t *p, size_t n,
                         struct sk_buf *out, uint64_t upto)
{
    z_stream z = {0};
    if (inflateInit(&z) != Z_OK)
        return SK_ENOMEM;
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
    int rc = 0, zrc = Z_OK;
    while (rc == 0 && zrc == Z_OK && out->len < upto) {
        z.next_out = st->out;
        z.avail_out = OUT_CHUNK;
        zrc = inflate(&z, Z_NO_FLUSH);
        size_t got = OUT_CHUNK - z.avail_out;
        rc = take(u, out, st->out, got, upto);
        if (zrc == Z_BUF_ERROR && got > 0)
            zrc = Z_OK;
    }
    if (rc == 0 && zrc != Z_STREAM_END && zrc != Z_OK)
        rc = SK_ECORRUPT;
    inflateEnd(&z);
    return rc;
}

/* One bzip2 chunk, its output capped at upto. */
static int bunzip_chunk(struct sk_unpack *u, struct dmg_state *st, const uint8_t *p, size_t n,
                        struct sk_buf *out, uint64_t upto)
{
    bz_stream z = {0};
    if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK)
        return SK_ENOMEM;
    z.next_in = (char *)(uintptr_t)p;
    z.avail_in = n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
    int rc = 0, bzrc = BZ_OK;
    while (rc == 0 && bzrc == BZ_OK && out->len < upto) {
        z.next_out = (char *)st->out;
        z.avail_out = OUT_CHUNK;
        bzrc = BZ2_bzDecompress(&z);
        size_t got = OUT_CHUNK - z.avail_out;
        rc = take(u, out, st->out, got, upto);
        if (bzrc == BZ_OK && got == 0 && z.avail_in == 0)
            bzrc = BZ_UNEXPECTED_EOF;
    }
    if (rc == 0 && bzrc != BZ_STREAM_END && bzrc != BZ_OK)
        rc = SK_ECORRUPT;
    BZ2_bzDecompressEnd(&z);
    return rc;
}

/* One ADC chunk (Apple Data Compression, an LZ77: a byte with its top bit
 * set starts (b & 0x7f) + 1 literal bytes; 01xxxxxx, then two bytes of
 * offset - 1 (big-endian), copies (b & 0x3f) + 4 bytes; 00llllxx, then a
 * byte, copies ((b >> 2) & 15) + 3 bytes from ((b & 3) << 8 | byte) + 1
 * back), its output capped at upto. A copy reaches back into this chunk's
 * own output only, and is built in a small buffer first: the node's buffer
 * may move when it grows. */
static int adc_chunk(struct sk_unpack *u, const uint8_t *p, size_t n, struct sk_buf *out,
                     uint64_t upto)
{
    struct sk_reader in = sk_reader_make(p, n);
    size_t chunk_start = out->len;
    int rc = 0;
    while (rc == 0 && in.pos < in.len && out->len < upto) {
        uint8_t b = sk_reader_u8(&in);
        if (b & 0x80) {
            size_t run = (size_t)(b & 0x7f) + 1;
            const uint8_t *lit = sk_reader_bytes(&in, run);
            if (!lit)
                return SK_ECORRUPT;
            rc = take(u, out, lit, run, upto);
            continue;
        }
        size_t len, offset;
        if (b & 0x40) {
            len = (size_t)(b & 0x3f) + 4;
            offset = (size_t)sk_reader_u16be(&in) + 1;
        } else {
            len = (size_t)((b >> 2) & 0x0f) + 3;
            offset = ((size_t)(b & 3) << 8 | sk_reader_u8(&in)) + 1;
        }
        if (in.err || offset > out->len - chunk_start)
            return SK_ECORRUPT;
        uint8_t copy[67]; /* the longest copy: 0x3f + 4 */
        struct sk_reader done = sk_reader_make(out->p, out->len);
        for (size_t k = 0; k < len; k++)
            copy[k] = k < offset ? sk_reader_u8_at(&done, out->len - offset + k)
                                 : copy[k - offset];
        rc = take(u, out, copy, len, upto);
    }
    return rc;
}

static const char *method_name(uint32_t type)
{
    switch (type) {
    case (uint32_t)CHUNK_LZFSE: return "LZFSE";
    case (uint32_t)CHUNK_LZMA: return "LZMA";
    default: return NULL;
    }
}

/* A partition's chunks, in order, into child. */
static int assemble(struct sk_unpack *u, struct dmg_state *st, const struct blkx *b,
                    struct sk_child *child)
{
    struct sk_reader mish = sk_reader_make(b->mish, b->mish_len);
    uint64_t data_offset = sk_reader_u64be_at(&mish, 24);
    uint32_t count = sk_reader_u32be_at(&mish, 200);
    if (!sk_reader_match(&mish, 0, "mish", 4) || mish.err) {
        sk_unpack_fail(u, "dmg", SK_ECORRUPT, "%s: no mish table", b->name);
        child->truncated = true;
        return 0;
    }
    struct sk_reader chunks = mish;
    sk_reader_seek(&chunks, MISH_CHUNKS_AT);
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < count && i < DMG_MAX_CHUNKS; i++) {
        struct sk_reader c = sk_reader_sub(&chunks, CHUNK_SIZE);
        uint32_t type = sk_reader_u32be_at(&c, 0);
        uint64_t sector = sk_reader_u64be_at(&c, 8), sectors = sk_reader_u64be_at(&c, 16);
        uint64_t comp_off = sk_reader_u64be_at(&c, 24), comp_len = sk_reader_u64be_at(&c, 32);
        uint64_t start, size, upto, at;
        if (c.err || sk_mul_u64(sector, SECTOR, &start) != 0 ||
            sk_mul_u64(sectors, SECTOR, &size) != 0 || sk_add_u64(start, size, &upto) != 0) {
            sk_unpack_fail(u, "dmg", SK_ECORRUPT, "%s: chunk %u is cut or out of range",
                           b->name, i + 1);
            rc = SK_ECORRUPT;
            break;
        }
        if (type == (uint32_t)CHUNK_END)
            break;
        if (type == (uint32_t)CHUNK_COMMENT)
            continue;
        if (start < child->data.len) {
            sk_unpack_fail(u, "dmg", SK_ECORRUPT, "%s: chunk %u overlaps the one before",
                           b->name, i + 1);
            rc = SK_ECORRUPT;
            break;
        }
        rc = fill_zeros(u, &child->data, start);
        if (rc != 0 || type == CHUNK_ZERO || type == CHUNK_IGNORE) {
            rc = rc ? rc : fill_zeros(u, &child->data, upto);
            continue;
        }
        const char *method = method_name(type);
        if (method || (type != CHUNK_RAW && type != (uint32_t)CHUNK_ZLIB &&
                       type != (uint32_t)CHUNK_BZIP2 && type != (uint32_t)CHUNK_ADC)) {
            sk_unpack_fail(u, "dmg", SK_EUNSUPPORTED,
                           "%s: chunk %u is compressed with %s, which is not read; the "
                           "partition is cut there",
                           b->name, i + 1, method ? method : "an unknown method");
            rc = SK_EUNSUPPORTED;
            break;
        }
        /* a copy: a fork outside the image must not poison st->img */
        struct sk_reader img = st->img;
        struct sk_reader fork = sk_reader_sub_at(&img, st->data_fork, (size_t)st->data_len);
        const uint8_t *p = NULL;
        if (sk_add_u64(data_offset, comp_off, &at) == 0 && comp_len <= SIZE_MAX)
            p = sk_reader_at(&fork, at, (size_t)comp_len);
        if (!p) {
            sk_unpack_fail(u, "dmg", SK_ECORRUPT, "%s: chunk %u lies outside the data fork",
                           b->name, i + 1);
            rc = SK_ECORRUPT;
            break;
        }
        if (type == CHUNK_RAW)
            rc = take(u, &child->data, p, (size_t)comp_len, upto);
        else if (type == (uint32_t)CHUNK_ZLIB)
            rc = inflate_chunk(u, st, p, (size_t)comp_len, &child->data, upto);
        else if (type == (uint32_t)CHUNK_ADC)
            rc = adc_chunk(u, p, (size_t)comp_len, &child->data, upto);
        else
            rc = bunzip_chunk(u, st, p, (size_t)comp_len, &child->data, upto);
        if (rc == SK_ECORRUPT)
            sk_unpack_fail(u, "dmg", SK_ECORRUPT, "%s: chunk %u does not decompress", b->name,
                           i + 1);
    }
    if (rc != 0)
        child->truncated = true;
    return rc == SK_ENOMEM ? rc : 0;
}

/* HFS+ and HFSX volume headers sit at 1024 ("H+", "HX"; Apple TN1150). */
static void refuse_hfs(struct sk_unpack *u, const struct blkx *b, const struct sk_buf *data)
{
    struct sk_reader r = sk_reader_make(data->p, data->len);
    if (!sk_reader_match(&r, 1024, "H+", 2) && !sk_reader_match(&r, 1024, "HX", 2))
        return;
    sk_unpack_reason(u, "container.disk_image",
                     "%s is an HFS+ volume: what it holds is not listed", b->name);
    sk_unpack_fail(u, "dmg", SK_EUNSUPPORTED,
                   "%s: HFS+ is not walked; its raw bytes are scanned", b->name);
}

static int next_dmg(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct dmg_state *st = state;
    if (st->next_part >= st->n_parts)
        return SK_DONE;
    const struct blkx *b = &st->parts[st->next_part++];
    child->name = b->name;
    child->name_len = strlen(b->name);
    int rc = assemble(u, st, b, child);
    if (rc == 0)
        refuse_hfs(u, b, &child->data);
    return rc;
}

static void close_dmg(void *state)
{
    free_parts(state);
}

const struct sk_unpacker sk_unpacker_dmg = {
    .name = "dmg",
    .bid = bid,
    .open = open_dmg,
    .next = next_dmg,
    .close = close_dmg,
};
