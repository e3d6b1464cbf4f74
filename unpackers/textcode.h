/* Text encodings that droppers wrap their payloads in, decoded straight into
 * a child's buffer through sk_unpack_append (so every limit applies).
 *
 * Shared by the script, HTML and PDF unpackers, and meant for any unpacker
 * that meets a PowerShell command line (an LNK's arguments, say). */
#ifndef SK_TEXTCODE_H
#define SK_TEXTCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/unpack.h"

/* A base64 decoder fed in pieces (a payload split over concatenated string
 * literals). White space is skipped; '=' ends the data; any other byte
 * outside the alphabet makes the input "bad" (counted, skipped). */
struct sk_base64 {
    uint32_t bits;
    unsigned nbits;
    bool ended; /* '=' seen */
    size_t bad; /* bytes outside the alphabet */
    uint8_t out[4096];
    size_t used;
};

/* The 6-bit value of a base64 character (either alphabet), or -1. */
int sk_base64_value(uint8_t c);

/* True for A-Z a-z 0-9 + / (and - _ of the URL-safe alphabet). */
bool sk_base64_char(uint8_t c);

/* Decodes p[0..n) into buf: 0, or what sk_unpack_append returned. */
int sk_base64_feed(struct sk_unpack *u, struct sk_base64 *d, struct sk_buf *buf,
                   const uint8_t *p, size_t n);
/* Appends what is still pending: 0 or the append's error. */
int sk_base64_finish(struct sk_unpack *u, struct sk_base64 *d, struct sk_buf *buf);

/* Finds the next PowerShell -EncodedCommand argument (any abbreviation from
 * -e to -encodedcommand, "-", "/" or a Unicode dash, any case) at or after
 * *pos in the text p[0..n) and decodes it (base64 of UTF-16LE) into
 * child->data as UTF-8. Returns 0 with *pos past the argument, SK_DONE when
 * there is none left, or an sk_unpack_append error. A base64 run that does
 * not decode to UTF-16LE text is passed over. The child's name is left to
 * the caller. */
int sk_powershell_encoded_next(struct sk_unpack *u, const uint8_t *p, size_t n, size_t *pos,
                               struct sk_child *child);

#endif
