/* A bounded, linear XML scanner for the parts of Office files we read:
 * OOXML parts (ooxml.c) and the Agile encryption descriptor (offcrypto.c).
 *
 * Spec: XML 1.0 as far as a scanner that judges markup needs it: start,
 * end and empty-element tags with their attributes (quoted either way, '>'
 * allowed inside a value), character data, CDATA sections (text taken as
 * it is), comments, processing instructions and declarations (skipped),
 * the five predefined entities and character references (decoded to
 * UTF-8 through engine/text.c). Namespace prefixes are stripped: names
 * compare by their local part.
 *
 * Refuses nothing and allocates nothing: markup that does not close ends
 * the scan (SK_XML_END), an unknown entity is kept as it is. DTDs and
 * entity definitions are never expanded. Every step moves forward, so a
 * scan of n bytes takes O(n) tokens. */
#include "xmlscan.h"

#include <stdint.h>
#include <string.h>

#include "../engine/text.h"

static const char *find(const char *p, size_t n, const char *needle)
{
    return memmem(p, n, needle, strlen(needle));
}

static bool starts(const char *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(p, prefix, k) == 0;
}

/* Skips markup that carries nothing for us (comments, PIs, DOCTYPE); false
 * when it does not close: the rest of the part is unreadable anyway. */
static bool skip_markup(struct sk_xml_scan *s, const char *open, const char *close)
{
    const char *at = s->p + s->pos + strlen(open);
    const char *end = find(at, (size_t)(s->p + s->len - at), close);
    if (!end)
        return false;
    s->pos = (size_t)(end - s->p) + strlen(close);
    return true;
}

/* The '>' that ends a tag starting at `from`; quotes are honoured because
 * '>' is legal inside an attribute value. */
static const char *tag_end(const char *from, const char *limit)
{
    char quote = 0;
    for (const char *c = from; c < limit; c++) {
        if (quote) {
            if (*c == quote)
                quote = 0;
        } else if (*c == '"' || *c == '\'') {
            quote = *c;
        } else if (*c == '>') {
            return c;
        }
    }
    return NULL;
}

static void local_name(const char *name, size_t n, struct sk_xml_tok *t)
{
    const char *colon = memrchr(name, ':', n);
    t->name = colon ? colon + 1 : name;
    t->name_len = colon ? n - (size_t)(colon + 1 - name) : n;
}

static bool read_tag(struct sk_xml_scan *s, struct sk_xml_tok *t)
{
    const char *start = s->p + s->pos + 1;
    const char *limit = s->p + s->len;
    const char *gt = tag_end(start, limit);
    if (!gt)
        return false;
    s->pos = (size_t)(gt - s->p) + 1;
    bool closing = start < gt && *start == '/';
    if (closing)
        start++;
    const char *n = start;
    while (n < gt && *n != ' ' && *n != '\t' && *n != '\r' && *n != '\n' && *n != '/')
        n++;
    local_name(start, (size_t)(n - start), t);
    t->kind = closing ? SK_XML_CLOSE : SK_XML_OPEN;
    t->empty = !closing && gt > start && gt[-1] == '/';
    t->attrs = n;
    t->attrs_len = (size_t)(gt - n) - (t->empty ? 1 : 0);
    return true;
}

struct sk_xml_tok sk_xml_next(struct sk_xml_scan *s)
{
    struct sk_xml_tok t = {0};
    while (s->pos < s->len) {
        const char *at = s->p + s->pos;
        size_t left = s->len - s->pos;
        if (*at != '<') {
            const char *lt = memchr(at, '<', left);
            t.kind = SK_XML_TEXT;
            t.text = at;
            t.text_len = lt ? (size_t)(lt - at) : left;
            s->pos += t.text_len;
            return t;
        }
        if (starts(at, left, "<![CDATA[")) {
            const char *end = find(at + 9, left - 9, "]]>");
            if (!end)
                break;
            t.kind = SK_XML_TEXT;
            t.raw = true;
            t.text = at + 9;
            t.text_len = (size_t)(end - t.text);
            s->pos = (size_t)(end - s->p) + 3;
            return t;
        }
        bool ok = starts(at, left, "<!--") ? skip_markup(s, "<!--", "-->")
                  : starts(at, left, "<?") ? skip_markup(s, "<?", "?>")
                  : starts(at, left, "<!") ? skip_markup(s, "<!", ">")
                                           : read_tag(s, &t);
        if (!ok)
            break;
        if (t.kind != SK_XML_END)
            return t;
    }
    s->pos = s->len;
    t.kind = SK_XML_END;
    return t;
}

bool sk_xml_is(const struct sk_xml_tok *t, const char *name)
{
    return t->name_len == strlen(name) && memcmp(t->name, name, t->name_len) == 0;
}

/* Finds an attribute by local name in an OPEN token: true and its raw
 * (undecoded) value, or false. */
bool sk_xml_attr(const struct sk_xml_tok *t, const char *name, const char **value, size_t *len)
{
    const char *c = t->attrs, *end = t->attrs + t->attrs_len;
    size_t want = strlen(name);
    while (c < end) {
        while (c < end && (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n'))
            c++;
        const char *an = c;
        while (c < end && *c != '=' && *c != ' ' && *c != '\t' && *c != '\r' && *c != '\n')
            c++;
        struct sk_xml_tok n = {0};
        local_name(an, (size_t)(c - an), &n);
        while (c < end && *c != '=')
            c++;
        if (c < end)
            c++;
        while (c < end && *c != '"' && *c != '\'')
            c++;
        if (c >= end)
            return false;
        char quote = *c++;
        const char *v = c;
        const char *close = memchr(c, quote, (size_t)(end - c));
        if (!close)
            return false;
        c = close + 1;
        if (n.name_len == want && memcmp(n.name, name, want) == 0) {
            *value = v;
            *len = (size_t)(close - v);
            return true;
        }
    }
    return false;
}

size_t sk_xml_attr_text(const struct sk_xml_tok *t, const char *name, char *out, size_t cap)
{
    const char *v;
    size_t n, used;
    if (!sk_xml_attr(t, name, &v, &n))
        return 0;
    size_t len = sk_xml_decode(v, n, false, &used, out, cap - 1);
    out[len] = '\0';
    return len;
}

/* ---- entity decoding ---------------------------------------------------------- */

static size_t put_utf8(uint32_t cp, char *out)
{
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    return sk_utf8_encode(cp, (unsigned char *)out);
}

/* One entity at p[0] == '&' (n bytes left): its code point and length, or
 * 0 when it is not one we decode (then '&' is kept as it is). */
static size_t entity(const char *p, size_t n, uint32_t *cp)
{
    static const struct {
        const char *name;
        char value;
    } named[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (starts(p, n, named[i].name)) {
            *cp = (uint8_t)named[i].value;
            return strlen(named[i].name);
        }
    if (n < 4 || p[1] != '#')
        return 0;
    bool hex = p[2] == 'x' || p[2] == 'X';
    uint32_t v = 0;
    size_t i = hex ? 3 : 2, digits = 0;
    for (; i < n && i < 16 && p[i] != ';'; i++, digits++) {
        char c = p[i];
        uint32_t d = c >= '0' && c <= '9'          ? (uint32_t)(c - '0')
                     : hex && c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10)
                     : hex && c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10)
                                                   : 99;
        if (d == 99)
            return 0;
        if (v < 0x110000)
            v = v * (hex ? 16 : 10) + d;
    }
    if (i >= n || p[i] != ';' || digits == 0)
        return 0;
    *cp = v;
    return i + 1;
}

/* Decodes in[0..n) into out (cap bytes, cap >= 8) until either runs out;
 * *used says how much input was taken, so a caller can go on in chunks.
 * Returns the bytes written. */
size_t sk_xml_decode(const char *in, size_t n, bool raw, size_t *used, char *out, size_t cap)
{
    size_t i = 0, o = 0;
    while (i < n && o + 4 <= cap) {
        uint32_t cp;
        size_t k = raw || in[i] != '&' ? 0 : entity(in + i, n - i, &cp);
        if (k) {
            o += put_utf8(cp, out + o);
            i += k;
        } else {
            out[o++] = in[i++];
        }
    }
    *used = i;
    return o;
}

bool sk_xml_find(struct sk_xml_scan *s, const char *local, struct sk_xml_tok *out)
{
    for (struct sk_xml_tok t = sk_xml_next(s); t.kind != SK_XML_END; t = sk_xml_next(s)) {
        if (t.kind == SK_XML_OPEN && sk_xml_is(&t, local)) {
            *out = t;
            return true;
        }
    }
    return false;
}
