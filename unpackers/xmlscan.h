/* A bounded, linear XML scanner (xmlscan.c): tokens over a byte range,
 * attributes by local name, entity decoding. Shared by ooxml.c,
 * offcrypto.c and manifest.c. No allocation: tokens point into the scanned bytes. */
#ifndef SK_XMLSCAN_H
#define SK_XMLSCAN_H

#include <stdbool.h>
#include <stddef.h>

enum sk_xml_kind { SK_XML_END, SK_XML_TEXT, SK_XML_OPEN, SK_XML_CLOSE };

/* The bytes p[0..len) and where the scan is; start from {p, len, 0}. */
struct sk_xml_scan {
    const char *p;
    size_t len, pos;
};

struct sk_xml_tok {
    enum sk_xml_kind kind;
    const char *name; /* local name, prefix stripped */
    size_t name_len;
    const char *attrs; /* OPEN: the attribute text */
    size_t attrs_len;
    bool empty;       /* OPEN: self-closing */
    const char *text; /* TEXT */
    size_t text_len;
    bool raw; /* TEXT from CDATA: no entities */
};

/* The next token: text, a start tag (OPEN, `empty` when self-closing), an
 * end tag (CLOSE), or END when the bytes are used up or markup does not
 * close. */
struct sk_xml_tok sk_xml_next(struct sk_xml_scan *s);

/* Is the token's local name `name`? */
bool sk_xml_is(const struct sk_xml_tok *t, const char *name);

/* An attribute of an OPEN token by local name: true with its raw
 * (undecoded) value, or false. */
bool sk_xml_attr(const struct sk_xml_tok *t, const char *name, const char **value, size_t *len);

/* An attribute of an OPEN token by local name, decoded into out (cap
 * bytes, cap >= 8, NUL-terminated, cut to fit): its length, 0 when absent. */
size_t sk_xml_attr_text(const struct sk_xml_tok *t, const char *name, char *out, size_t cap);

/* Scans on to the next start tag whose local name is `local`: true with
 * it in *out (s->pos is then just past it), false at the end. */
bool sk_xml_find(struct sk_xml_scan *s, const char *local, struct sk_xml_tok *out);

/* Decodes in[0..n) into out (cap bytes, cap >= 8) until either runs out:
 * entities and character references as UTF-8 (U+FFFD for NUL, surrogates
 * and values past U+10FFFF), unless `raw` (CDATA). *used says how much
 * input was taken, so a caller can go on in chunks. Returns the bytes
 * written (no NUL). */
size_t sk_xml_decode(const char *in, size_t n, bool raw, size_t *used, char *out, size_t cap);

#endif
