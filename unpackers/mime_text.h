/* Text helpers for the MIME unpacker: charset conversion with fallbacks for
 * mislabelled parts, HTML reduced to text, and uuencoded blocks in bodies. */
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

#endif
