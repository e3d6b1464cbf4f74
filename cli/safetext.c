/* Visible escapes for what a name must not do on a screen (safetext.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetext.h"

/* The length of the valid UTF-8 sequence at p (at most n bytes) and its code
 * point, or 0 when the bytes there are not UTF-8. */
static size_t utf8_decode(const uint8_t *p, size_t n, uint32_t *cp)
{
    size_t len = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
                                 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t c = len == 1 ? p[0] : (uint32_t)(p[0] & (0x7f >> len));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3f);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

static int is_bidi_control(uint32_t c)
{
    return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2066 && c <= 0x2069);
}

char *sk_safe_text(const char *s, size_t n)
{
    /* The worst case: every byte becomes \xNN (4 bytes); a 2-byte C1 or a
     * 3-byte bidi control becomes 6. */
    size_t cap = n * 4 + 1;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    const uint8_t *p = (const uint8_t *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = 0;
        size_t len = utf8_decode(p + i, n - i, &c);
        if (len == 0) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", p[i]);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", (unsigned)c);
            i++;
        } else if (c == '\\') {
            memcpy(out + o, "\\\\", 2);
            o += 2;
            i++;
        } else if ((c >= 0x80 && c <= 0x9f) || is_bidi_control(c)) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", (unsigned)c);
            i += len;
        } else {
            memcpy(out + o, p + i, len);
            o += len;
            i += len;
        }
    }
    out[o] = '\0';
    return out;
}
