/* Text helpers for the MIME unpacker: charset conversion with fallbacks for
 * mislabelled parts, HTML reduced to text, and uuencoded and yEnc blocks in
 * bodies. The yEnc functions (sk_yenc_*) allocate nothing and use no GLib. */
#ifndef SK_MIME_TEXT_H
#define SK_MIME_TEXT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Appends p[0..n) to out as UTF-8. The label is tried first; when it is
 * missing or wrong (Shift_JIS labelled ISO-2022-JP is common) the bytes
 * are tried as UTF-8, ISO-2022-JP, CP932, EUC-JP and windows-1252 in turn.
 * Returns the charset that decoded them (static text). */
const char *sk_text_append_utf8(GString *out, const uint8_t *p, size_t n, const char *label);

/* Appends the visible text of HTML (tags dropped, script/style skipped,
 * block ends as newlines, entities decoded) to out. Linear, no recursion. */
void sk_html_append_text(GString *out, const char *html, size_t n);

/* A uuencoded block found in text: `begin <mode> <name>` ... `end`. */
struct sk_uu_block {
    char name[256];
    GByteArray *bytes; /* decoded; the caller unrefs */
    size_t next;       /* where to look for the next block */
};

/* Finds and decodes the next uuencoded block at or after `from`. False when
 * there is none. At most max_bytes are decoded (the rest is dropped). */
bool sk_uu_next(const char *text, size_t n, size_t from, size_t max_bytes,
                struct sk_uu_block *block);

/* Appends the content of a part whose Content-Transfer-Encoding is
 * x-uuencode to bytes: the block after its `begin` line, or, without one,
 * the uuencoded lines from the start. Lines end in LF or CRLF, and a line
 * whose trailing spaces a mailer stripped still decodes (GMime's own filter
 * loses its place on both). At most max_bytes are decoded. */
void sk_uu_decode_part(const char *text, size_t n, size_t max_bytes, GByteArray *bytes);

/* yEnc (yEnc 1.3, yenc.org): binaries in Usenet articles and mail bodies. */

/* One block: `=ybegin ...`, for a part of a multi-part file `=ypart ...`,
 * the encoded lines, `=yend ...`. Offsets are into the text searched. */
struct sk_yenc_block {
    char name[256];    /* =ybegin name= (the rest of its line), cut to fit */
    uint64_t size;     /* =ybegin size=: the whole file's */
    uint64_t part;     /* =ybegin part=, 0 for a single-part file */
    uint64_t total;    /* =ybegin total=, 0 when absent */
    size_t data;       /* the first encoded line */
    size_t data_end;   /* where the =yend line (or the text) starts */
    bool has_end;      /* an =yend line closes the block */
    uint64_t end_size; /* =yend size=: the bytes of this part */
    bool has_crc;      /* a CRC to check: pcrc32= of a part, else crc32= */
    uint32_t crc;
    size_t next; /* where to look for the next block */
};

/* Finds the next block whose =ybegin line starts a line at or after `from`
 * in p[0..n). False when there is none. */
bool sk_yenc_find(const uint8_t *p, size_t n, size_t from, struct sk_yenc_block *block);

/* Decodes block's lines into out[0..cap): returns the bytes written (at most
 * cap; the rest is dropped). Decoded bytes never outnumber encoded ones, so
 * cap = data_end - data holds all of them. */
size_t sk_yenc_decode(const uint8_t *p, size_t n, const struct sk_yenc_block *block,
                      uint8_t *out, size_t cap);

/* True when block's trailer holds: its size= is out_len and its CRC32 (when
 * given) is that of out[0..out_len). */
bool sk_yenc_check(const struct sk_yenc_block *block, const uint8_t *out, size_t out_len);

#endif
