#include "text.h"

#include "dynbuf.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 if it is not valid. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

size_t sk_utf8_sanitize(const char *s, size_t n, char *out, size_t max)
{
    static const char replacement[] = "\xef\xbf\xbd";
    const unsigned char *in = (const unsigned char *)s;
    size_t o = 0;
    size_t i = 0;
    while (i < n) {
        size_t len = utf8_sequence(in + i, n - i);
        const char *src = (const char *)in + i;
        size_t copy = len;
        if (len == 0) {
            src = replacement;
            copy = 3;
            len = 1;
        } else if (in[i] == 0) {
            i++;
            continue;
        }
        if (copy > max - o)
            break;
        memcpy(out + o, src, copy);
        o += copy;
        i += len;
    }
    out[o] = '\0';
    return o;
}

static bool utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = utf8_sequence(s + i, n - i);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

/* raw as CP932 into out[0..max), NUL-terminated: true when iconv read every
 * byte (or filled out with whole characters, a name cut like any other);
 * false on the first byte CP932 does not map, leaving out unspecified. */
static bool cp932_decode(const char *raw, size_t n, char *out, size_t max, size_t *written)
{
    iconv_t cd = iconv_open("UTF-8", "CP932");
    if (cd == (iconv_t)-1)
        return false;
    char *in = (char *)raw; /* iconv's prototype; it does not write here */
    size_t in_left = n;
    char *o = out;
    size_t out_left = max;
    bool ok = iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1 || errno == E2BIG;
    iconv_close(cd);
    if (!ok)
        return false;
    *written = (size_t)(o - out);
    out[*written] = '\0';
    return true;
}

size_t sk_name_decode(const char *raw, size_t n, bool declared_utf8, char *out, size_t max)
{
    const unsigned char *in = (const unsigned char *)raw;
    if (n > 0 && !declared_utf8 && !utf8_valid(in, n)) {
        /* CP932 never yields a NUL from a non-NUL byte, so dropping them
         * afterwards keeps the rule of sk_utf8_sanitize. */
        size_t written;
        if (cp932_decode(raw, n, out, max, &written)) {
            size_t o = 0;
            for (size_t i = 0; i < written; i++)
                if (out[i] != '\0')
                    out[o++] = out[i];
            out[o] = '\0';
            return o;
        }
    }
    return sk_utf8_sanitize(raw, n, out, max);
}

char *sk_text_to_cp932(const char *s, size_t n, size_t *out_len)
{
    bool ascii = true;
    for (size_t i = 0; i < n && ascii; i++)
        ascii = (unsigned char)s[i] < 0x80;
    if (ascii)
        return NULL;
    iconv_t cd = iconv_open("CP932", "UTF-8");
    if (cd == (iconv_t)-1)
        return NULL;
    /* A CP932 character is at most two bytes, a UTF-8 one at least one. */
    char *out = n < SIZE_MAX / 2 ? malloc(2 * n + 1) : NULL;
    char *in = (char *)s; /* iconv's prototype; it does not write here */
    size_t in_left = n, out_left = out ? 2 * n : 0;
    char *o = out;
    bool ok = out && iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1 && in_left == 0;
    iconv_close(cd);
    if (!ok) {
        free(out);
        return NULL;
    }
    *out_len = (size_t)(o - out);
    out[*out_len] = '\0';
    return out;
}

bool sk_name_is_unsafe(const char *name)
{
    if (name[0] == '/' || name[0] == '\\')
        return true;
    if (((name[0] | 0x20) >= 'a' && (name[0] | 0x20) <= 'z') && name[1] == ':')
        return true;
    const char *part = name;
    for (;;) {
        size_t len = strcspn(part, "/\\");
        if (len == 2 && part[0] == '.' && part[1] == '.')
            return true;
        if (part[len] == '\0')
            return false;
        part += len + 1;
    }
}

size_t sk_utf8_encode(uint32_t c, unsigned char *out)
{
    if (c < 0x80) {
        out[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (unsigned char)(0xc0 | c >> 6);
        out[1] = (unsigned char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (unsigned char)(0xe0 | c >> 12);
        out[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (unsigned char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (unsigned char)(0xf0 | c >> 18);
    out[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
    out[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
    out[3] = (unsigned char)(0x80 | (c & 0x3f));
    return 4;
}

uint32_t sk_utf16le_decode(const unsigned char *p, size_t units, size_t *i)
{
    size_t at = *i;
    uint32_t c = (uint32_t)(p[2 * at] | p[2 * at + 1] << 8);
    if (c >= 0xd800 && c < 0xdc00 && at + 1 < units) {
        uint32_t lo = (uint32_t)(p[2 * at + 2] | p[2 * at + 3] << 8);
        if (lo >= 0xdc00 && lo < 0xe000) {
            *i = at + 1;
            return 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        }
    }
    return c >= 0xd800 && c < 0xe000 ? 0xfffd : c; /* an unpaired surrogate */
}

size_t sk_utf16le_to_utf8(const unsigned char *p, size_t units, char *out, size_t max)
{
    size_t o = 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = sk_utf16le_decode(p, units, &i);
        if (c == 0)
            break;
        unsigned char seq[4];
        size_t len = sk_utf8_encode(c, seq);
        if (len > max - o)
            break;
        memcpy(out + o, seq, len);
        o += len;
    }
    out[o] = '\0';
    return o;
}

char *sk_path_join(const char *dir, const char *name, size_t max, const struct sk_alloc *alloc)
{
    size_t a = strlen(dir), b = strlen(name);
    if (a + b + 2 > max)
        b = a + 2 < max ? max - a - 2 : 0;
    char *path = alloc ? alloc->realloc(alloc->ctx, NULL, a + b + 2) : malloc(a + b + 2);
    if (!path)
        return NULL;
    if (a) {
        memcpy(path, dir, a);
        path[a++] = '/';
    }
    memcpy(path + a, name, b);
    path[a + b] = '\0';
    return path;
}
