/* Fuzz target: the XML scanner (unpackers/xmlscan.c), pure over bytes.
 * Every token of the input, every attribute asked for by a few names, every
 * text decoded in small chunks. Aborts when a scan does not move forward,
 * when a token, name, attribute or value points outside the input, or when
 * decoding writes past its room or takes no input while some is left. */
#include <stdint.h>
#include <stdlib.h>

#include "../../unpackers/xmlscan.h"

static void inside(const char *p, size_t n, const char *at, size_t len)
{
    if (len && (at < p || at > p + n || len > (size_t)(p + n - at)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct sk_xml_scan s = {p, size, 0};
    static const char *const names[] = {"id", "uri", "Target", "instr", "saltValue"};
    for (size_t steps = 0;; steps++) {
        size_t before = s.pos;
        struct sk_xml_tok t = sk_xml_next(&s);
        if (s.pos > size || steps > size + 1)
            abort();
        if (t.kind == SK_XML_END)
            break;
        if (s.pos <= before)
            abort();
        inside(p, size, t.name, t.name_len);
        inside(p, size, t.attrs, t.attrs_len);
        inside(p, size, t.text, t.text_len);
        for (size_t i = 0; t.kind == SK_XML_OPEN && i < sizeof names / sizeof *names; i++) {
            const char *v;
            size_t n;
            if (sk_xml_attr(&t, names[i], &v, &n))
                inside(t.attrs, t.attrs_len, v, n);
        }
        if (t.kind == SK_XML_TEXT) {
            char out[16];
            for (size_t at = 0; at < t.text_len;) {
                size_t used = 0;
                size_t n =
                    sk_xml_decode(t.text + at, t.text_len - at, t.raw, &used, out, sizeof out);
                if (n > sizeof out || used == 0 || used > t.text_len - at)
                    abort();
                at += used;
            }
        }
    }
    return 0;
}
