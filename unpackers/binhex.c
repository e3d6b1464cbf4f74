/* BinHex 4.0: a Macintosh file as 7-bit text (.hqx, application/mac-binhex40).
 *
 * Spec: RFC 1741 (MIME Content Type for BinHex Encoded Files), whose
 * appendix is Peter Lewis' BinHex 4.0 definition: after the line "(This
 * file must be converted with BinHex 4.0)" the data lies between two ':',
 * six bits a character from a 64-character alphabet (line breaks and
 * blanks ignored); the bytes are run-length encoded with 0x90 (X 0x90 n is
 * X n times, 0x90 0x00 a literal 0x90); they are a header (name length
 * 1..63, name, version 0, type and creator (4 bytes each), flags (2), data
 * fork length, resource fork length (4 bytes each, big-endian), CRC), the
 * data fork and its CRC, the resource fork and its CRC. Each CRC is
 * CRC-16/CCITT (polynomial 0x1021, zero start) over what precedes it,
 * computed as if two zero bytes followed, which is CRC-16/XMODEM.
 * Supports: the data fork as a child named after the header's name, the
 * resource fork as a child "<name>.rsrc" (each only when not empty; the
 * resource fork a structural part, so its binary map raises no
 * content.unknown, though YARA scans it); type
 * and creator in `info`. A CRC that does not match is error.corrupt, and
 * what was decoded is still handed back and scanned.
 * Refuses: a header that does not decode (bad length, bad character, too
 * short): error.corrupt, nothing handed back. Text before the marker line
 * is allowed only as white space (a message quoting a .hqx stays a
 * message; its part is a node of its own).
 * Limits: the fork lengths are claims: bytes are decoded one at a time from
 * the text, so a fork never holds more than the text yields, and they reach
 * the child only through sk_unpack_append (max-node-bytes, ratio, time);
 * a fork cut short by a limit is skipped by decoding, checking the deadline
 * every chunk. No allocation but the children's bytes. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "text_head.h"
#include "unpacker.h"

static const char MARKER[] = "(This file must be converted with BinHex";

/* How far into the text the marker's end and the opening ':' may be. */
#define HQX_HEAD 4096u
/* Bytes moved to a child (or skipped) per sk_unpack_append. */
#define HQX_CHUNK 4096u

/* The 64 characters, in the order of their six-bit values. */
static const char ALPHABET[] =
    "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";

/* The decoder: six-bit characters of text to bytes, then the RLE. */
struct hqx {
    struct sk_reader text; /* from just after the opening ':' */
    uint32_t bits;
    unsigned nbits;
    bool ended;   /* the closing ':' or the end of the text */
    bool bad;     /* a character outside the alphabet */
    int last;     /* the last byte out, for a run; -1 before the first */
    unsigned run; /* copies of last still to come */
};

static int six_bits(uint8_t c)
{
    const char *at = c ? strchr(ALPHABET, c) : NULL;
    return at ? (int)(at - ALPHABET) : -1;
}

/* The next byte of the six-bit stream, or false at its end. */
static bool raw_byte(struct hqx *h, uint8_t *out)
{
    while (h->nbits < 8) {
        if (h->ended || sk_reader_left(&h->text) == 0) {
            h->ended = true;
            return false;
        }
        uint8_t c = sk_reader_u8(&h->text);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == ':') {
            h->ended = true;
            return false;
        }
        int v = six_bits(c);
        if (v < 0) {
            h->bad = h->ended = true;
            return false;
        }
        h->bits = (h->bits << 6 | (uint32_t)v) & 0xffffu;
        h->nbits += 6;
    }
    h->nbits -= 8;
    *out = (uint8_t)(h->bits >> h->nbits);
    return true;
}

/* The next byte after the run-length decoding, or false at the end. Each
 * turn of the loop takes input (a run of one adds nothing), so it ends. */
static bool next_byte(struct hqx *h, uint8_t *out)
{
    for (;;) {
        if (h->run > 0) {
            h->run--;
            *out = (uint8_t)h->last;
            return true;
        }
        uint8_t c;
        if (!raw_byte(h, &c))
            return false;
        if (c != 0x90) {
            h->last = c;
            *out = c;
            return true;
        }
        uint8_t n;
        if (!raw_byte(h, &n))
            return false;
        if (n == 0) {
            h->last = 0x90;
            *out = 0x90;
            return true;
        }
        if (h->last < 0) { /* a run of nothing: the stream is bad */
            h->bad = h->ended = true;
            return false;
        }
        h->run = (unsigned)n - 1; /* the first copy is already out */
    }
}

/* CRC-16/CCITT as BinHex uses it (XMODEM: polynomial 0x1021, zero start),
 * four bits a step: NIBBLE_CRC[i] is the CRC of i << 12. */
static const uint16_t NIBBLE_CRC[16] = {0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5,
                                        0x60c6, 0x70e7, 0x8108, 0x9129, 0xa14a, 0xb16b,
                                        0xc18c, 0xd1ad, 0xe1ce, 0xf1ef};

static uint16_t crc16_add(uint16_t crc, const uint8_t *p, size_t n)
{
    struct sk_reader r = sk_reader_make(p, n);
    while (sk_reader_left(&r) > 0) {
        unsigned byte = sk_reader_u8(&r);
        crc = (uint16_t)(crc << 4 ^ NIBBLE_CRC[(crc >> 12 ^ byte >> 4) & 0xf]);
        crc = (uint16_t)(crc << 4 ^ NIBBLE_CRC[(crc >> 12 ^ byte) & 0xf]);
    }
    return crc;
}

/* Up to n bytes into out: how many came. */
static size_t read_bytes(struct hqx *h, uint8_t *out, size_t n)
{
    size_t got = 0;
    while (got < n && next_byte(h, &out[got]))
        got++;
    return got;
}

/* The stored CRC that follows a fork or the header: true when it came. */
static bool read_crc(struct hqx *h, uint16_t *crc)
{
    uint8_t b[2];
    if (read_bytes(h, b, 2) != 2)
        return false;
    struct sk_reader r = sk_reader_make(b, 2);
    *crc = sk_reader_u16be(&r);
    return true;
}

/* Where the encoded data starts: just past the ':' that follows the marker
 * line, when the marker opens the text (after white space) and both lie in
 * the first HQX_HEAD bytes; 0 (never a start) otherwise. */
static size_t data_start(const struct sk_buf *data)
{
    struct sk_reader w = sk_reader_make(data->p, data->len < HQX_HEAD ? data->len : HQX_HEAD);
    size_t at = sk_reader_skip_space(&w, 0);
    if (!sk_reader_match(&w, at, MARKER, sizeof MARKER - 1))
        return 0;
    const uint8_t *rest = sk_reader_at(&w, at, w.len - at);
    const uint8_t *eol = rest ? memchr(rest, '\n', w.len - at) : NULL;
    if (!eol)
        return 0;
    size_t line_end = at + (size_t)(eol - rest) + 1;
    const uint8_t *tail = sk_reader_at(&w, line_end, w.len - line_end);
    const uint8_t *colon = tail ? memchr(tail, ':', w.len - line_end) : NULL;
    return colon ? line_end + (size_t)(colon - tail) + 1 : 0;
}

/* The marker line first, then a ':' within the first 4 KiB: 90 on text
 * (the node's own bytes say it, as a bare .hqx or an application/
 * mac-binhex40 part); above a script's 85, html's 75 and a message's 60.
 * A node already typed binhex: 90. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    if (node->type == SK_TYPE_BINHEX)
        return 90;
    if (sk_text_score(node, 90) == 0 || data_start(&node->data) == 0)
        return 0;
    *type = SK_TYPE_BINHEX;
    return 90;
}

struct fork {
    const char *suffix; /* added to the header's name */
    uint32_t declared;
};

struct binhex_state {
    struct hqx h;
    char name[64 + 5]; /* 63 bytes of name, ".rsrc" and a NUL */
    struct fork forks[2];
    unsigned next_fork;
    bool corrupt; /* reported once */
};

/* Records a bad stream once: error.corrupt on the container. */
static void corrupt(struct sk_unpack *u, struct binhex_state *st, const char *what)
{
    if (st->corrupt)
        return;
    st->corrupt = true;
    sk_unpack_fail(u, "binhex", SK_ECORRUPT, "%s", what);
}

/* The header: name, type, creator, fork lengths, checked by its CRC. */
static int read_header(struct sk_unpack *u, struct binhex_state *st)
{
    uint8_t name_len;
    uint8_t fixed[1 + 4 + 4 + 2 + 4 + 4]; /* version .. resource fork length */
    uint8_t name[63];
    uint16_t stored;
    if (read_bytes(&st->h, &name_len, 1) != 1 || name_len < 1 || name_len > 63 ||
        read_bytes(&st->h, name, name_len) != name_len ||
        read_bytes(&st->h, fixed, sizeof fixed) != sizeof fixed || !read_crc(&st->h, &stored)) {
        sk_unpack_fail(u, "binhex", SK_ECORRUPT, "BinHex 4.0 header does not decode%s",
                       st->h.bad ? " (a character outside the alphabet)" : "");
        return SK_ECORRUPT;
    }
    uint16_t crc = crc16_add(0, &name_len, 1);
    crc = crc16_add(crc, name, name_len);
    crc = crc16_add(crc, fixed, sizeof fixed);
    if (crc != stored)
        corrupt(u, st, "BinHex 4.0 header CRC does not match");
    memcpy(st->name, name, name_len);
    st->name[name_len] = '\0';
    struct sk_reader r = sk_reader_make(fixed, sizeof fixed);
    (void)sk_reader_u8(&r); /* version */
    const uint8_t *type = sk_reader_bytes(&r, 4);
    const uint8_t *creator = sk_reader_bytes(&r, 4);
    (void)sk_reader_u16be(&r); /* Finder flags */
    st->forks[0] = (struct fork){"", sk_reader_u32be(&r)};
    st->forks[1] = (struct fork){".rsrc", sk_reader_u32be(&r)};
    if (type && creator)
        sk_unpack_info(u, "type_creator", "%.4s/%.4s", (const char *)type,
                       (const char *)creator);
    sk_unpack_info(u, "forks", "data %u bytes, resource %u bytes (declared)",
                   st->forks[0].declared, st->forks[1].declared);
    return 0;
}

static int open_binhex(struct sk_unpack *u, void **out)
{
    size_t start = data_start(&u->node->data);
    if (start == 0) {
        sk_unpack_fail(u, "binhex", SK_ECORRUPT, "no BinHex 4.0 marker line and ':'");
        return SK_ECORRUPT;
    }
    struct binhex_state *st = sk_unpack_calloc(u, 1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    struct sk_reader all = sk_reader_make(u->node->data.p, u->node->data.len);
    st->h.text = sk_reader_sub_at(&all, start, u->node->data.len - start);
    st->h.last = -1;
    int rc = read_header(u, st);
    if (rc < 0) {
        free(st);
        return rc;
    }
    *out = st;
    return 0;
}

/* Decodes up to `want` bytes of a fork into child->data while the limits
 * allow, then on without keeping them (the child marked truncated), so the
 * next fork is still reached; stops early at the end of the data or the
 * deadline. Returns the CRC of every byte that came; *got counts them. */
static uint16_t decode_fork(struct sk_unpack *u, struct binhex_state *st, uint32_t want,
                            struct sk_child *child, uint32_t *got)
{
    uint8_t chunk[HQX_CHUNK];
    uint16_t crc = 0;
    bool keep = true;
    *got = 0;
    while (*got < want && !st->h.ended) {
        size_t n = want - *got < sizeof chunk ? want - *got : sizeof chunk;
        size_t came = read_bytes(&st->h, chunk, n);
        crc = crc16_add(crc, chunk, came);
        *got += (uint32_t)came;
        if (keep && sk_unpack_append(u, &child->data, chunk, came) < 0) {
            keep = false;
            child->truncated = true;
        }
        if (came < n || u->stop || sk_unpack_expired(u))
            break;
    }
    return crc;
}

static int next_binhex(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct binhex_state *st = state;
    /* data that ended inside a fork has nothing for the next one */
    while (st->next_fork < 2 && !u->stop && !(st->corrupt && st->h.ended)) {
        const struct fork *f = &st->forks[st->next_fork++];
        if (f->declared == 0) {
            uint16_t ignored;
            (void)read_crc(&st->h, &ignored); /* an empty fork's CRC is 0 */
            continue;
        }
        uint32_t got;
        uint16_t crc = decode_fork(u, st, f->declared, child, &got);
        uint16_t stored;
        if (got < f->declared)
            corrupt(u, st,
                    st->h.bad ? "BinHex 4.0 data holds a character outside the alphabet"
                              : "BinHex 4.0 data ends inside a fork");
        else if (!read_crc(&st->h, &stored) || (!child->truncated && stored != crc))
            corrupt(u, st, "BinHex 4.0 fork CRC does not match");
        snprintf(st->name + strlen(st->name), sizeof st->name - strlen(st->name), "%s",
                 f->suffix);
        child->name = st->name;
        child->name_len = strlen(st->name);
        child->declared_size = f->declared;
        /* a resource fork is the Mac file's own structure (its resource
         * map), binary by design: scanned, but not unknown content */
        child->format_part = f->suffix[0] != '\0';
        return 0;
    }
    return SK_DONE;
}

static void close_binhex(void *state)
{
    free(state);
}

const struct sk_unpacker sk_unpacker_binhex = {
    .name = "binhex",
    .bid = bid,
    .open = open_binhex,
    .next = next_binhex,
    .close = close_binhex,
};
