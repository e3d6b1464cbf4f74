/* Compressed RTF decompression ([MS-OXRTFCP]).
 *
 * Spec: [MS-OXRTFCP] 2.1.3.1 the header (COMPSIZE, RAWSIZE, COMPTYPE, CRC;
 * COMPSIZE counts the bytes after itself), 2.1.3.1.1 the 207-byte initial
 * dictionary, 2.1.3.1.4 runs of a control byte and eight tokens (bit 0
 * first: 0 a literal byte, 1 a big-endian 16-bit reference, 12 bits of
 * offset into the 4096-byte ring buffer and 4 bits of length - 2), 2.1.3.1.5
 * the end marker (a reference whose offset is the write position), 3.1.3.2
 * the CRC of the bytes after the header. The examples of section 3.1.1 are
 * the unit test's vectors (tests/unit/test_lzfu.c).
 * Supports: "LZFu" (compressed) and "MELA" (stored: RAWSIZE bytes follow).
 * Refuses: any other COMPTYPE (SK_EUNSUPPORTED); a CRC mismatch is
 * SK_ECORRUPT after the bytes were decoded (they are still scanned).
 * Limits: reads only p[0..n) and COMPSIZE bounded by it; no allocation (the
 * dictionary is on the stack); the caller's sink checks output limits and
 * the deadline once per 4 KiB of output. Used by unpackers/tnef.c, and
 * meant for Outlook .msg support too. */
#include "lzfu.h"

#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"

#define RING 4096u
#define OUT_CHUNK 4096u

static const char initial_dictionary[] =
    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
    "\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
    "{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

_Static_assert(sizeof initial_dictionary - 1 == 207, "[MS-OXRTFCP] 2.1.3.1.1: 207 bytes");

/* Bit by bit rather than by table: no global state, and RTF bodies are
 * small next to the scan. */
uint32_t sk_lzfu_crc(uint32_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = crc & 1u ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return crc;
}

struct out {
    uint8_t buf[OUT_CHUNK];
    size_t len;
    sk_lzfu_sink sink;
    void *ctx;
};

static int put(struct out *o, uint8_t b)
{
    o->buf[o->len++] = b;
    if (o->len < OUT_CHUNK)
        return 0;
    o->len = 0;
    return o->sink(o->ctx, o->buf, OUT_CHUNK);
}

static int flush(struct out *o)
{
    size_t len = o->len;
    o->len = 0;
    return len ? o->sink(o->ctx, o->buf, len) : 0;
}

static int decompress_runs(struct sk_reader *r, struct out *o)
{
    uint8_t dict[RING];
    memset(dict, 0, sizeof dict);
    memcpy(dict, initial_dictionary, sizeof initial_dictionary - 1);
    unsigned write = (unsigned)(sizeof initial_dictionary - 1);
    /* Every pass consumes at least one input byte: bounded by the input. */
    while (sk_reader_left(r) > 0) {
        uint8_t control = sk_reader_u8(r);
        for (unsigned bit = 0; bit < 8; bit++) {
            if (sk_reader_left(r) == 0)
                return SK_ETRUNC; /* the end marker never came */
            if (!(control & (1u << bit))) {
                uint8_t b = sk_reader_u8(r);
                dict[write] = b;
                write = (write + 1) % RING;
                int rc = put(o, b);
                if (rc)
                    return rc;
                continue;
            }
            if (sk_reader_left(r) < 2)
                return SK_ETRUNC;
            uint16_t token = (uint16_t)(sk_reader_u8(r) << 8);
            token = (uint16_t)(token | sk_reader_u8(r));
            unsigned offset = token >> 4;
            unsigned length = (token & 0xfu) + 2u;
            if (offset == write)
                return 0; /* 2.1.3.1.5: the end */
            for (unsigned k = 0; k < length; k++) {
                uint8_t b = dict[(offset + k) % RING];
                dict[write] = b;
                write = (write + 1) % RING;
                int rc = put(o, b);
                if (rc)
                    return rc;
            }
        }
    }
    return SK_ETRUNC;
}

int sk_lzfu_decompress(const uint8_t *p, size_t n, sk_lzfu_sink sink, void *ctx)
{
    struct sk_reader r = sk_reader_make(p, n);
    uint32_t compsize = sk_reader_u32le(&r);
    uint32_t rawsize = sk_reader_u32le(&r);
    uint32_t comptype = sk_reader_u32le(&r);
    uint32_t crc = sk_reader_u32le(&r);
    if (r.err)
        return SK_ETRUNC;
    if (compsize < 12)
        return SK_ECORRUPT;
    int truncated = 0;
    size_t body = compsize - 12u;
    if (body > sk_reader_left(&r)) {
        body = sk_reader_left(&r);
        truncated = 1;
    }
    const uint8_t *data = sk_reader_bytes(&r, body);
    struct out o = {.len = 0, .sink = sink, .ctx = ctx};
    int rc;
    if (comptype == SK_LZFU_UNCOMPRESSED) {
        size_t raw = rawsize < body ? rawsize : body;
        if (raw < rawsize)
            truncated = 1;
        rc = raw ? sink(ctx, data, raw) : 0;
        return rc ? rc : truncated ? SK_ETRUNC : 0;
    }
    if (comptype != SK_LZFU_COMPRESSED)
        return SK_EUNSUPPORTED;
    struct sk_reader runs = sk_reader_make(data, body);
    rc = decompress_runs(&runs, &o);
    int flushed = flush(&o);
    if (rc == 0)
        rc = flushed;
    if (rc == 0 && truncated)
        rc = SK_ETRUNC;
    if (rc == 0 && sk_lzfu_crc(0, data, body) != crc)
        rc = SK_ECORRUPT;
    return rc;
}
