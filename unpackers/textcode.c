/* Base64 and PowerShell -EncodedCommand decoding (see textcode.h).
 *
 * Spec: RFC 4648 §4 (base64) and §5 (the URL-safe alphabet, which
 * browsers' atob does not take but droppers' own decoders do);
 * about_PowerShell_exe ("-EncodedCommand <Base64EncodedCommand>": base64 of
 * the UTF-16LE command; -e and -ec are documented abbreviations).
 * Limits: one linear pass; decoded bytes through sk_unpack_append; the
 * scratch buffer for one argument is bounded by the argument's length. */
#include "textcode.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "../engine/text.h"

#define MIN_ENCODED_CHARS 8u /* shorter runs are flags' values, not commands */

int sk_base64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

bool sk_base64_char(uint8_t c)
{
    return sk_base64_value(c) >= 0;
}

static int flush_out(struct sk_unpack *u, struct sk_base64 *d, struct sk_buf *buf)
{
    int rc = d->used ? sk_unpack_append(u, buf, d->out, d->used) : 0;
    d->used = 0;
    return rc;
}

int sk_base64_feed(struct sk_unpack *u, struct sk_base64 *d, struct sk_buf *buf,
                   const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && !d->ended; i++) {
        uint8_t c = p[i];
        int v = sk_base64_value(c);
        if (c == '=') {
            d->ended = true;
        } else if (v < 0) {
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\\')
                d->bad++;
        } else {
            d->bits = d->bits << 6 | (uint32_t)v;
            d->nbits += 6;
            if (d->nbits >= 8) {
                d->nbits -= 8;
                d->out[d->used++] = (uint8_t)(d->bits >> d->nbits);
                if (d->used == sizeof d->out) {
                    int rc = flush_out(u, d, buf);
                    if (rc != 0)
                        return rc;
                }
            }
        }
    }
    return 0;
}

int sk_base64_finish(struct sk_unpack *u, struct sk_base64 *d, struct sk_buf *buf)
{
    return flush_out(u, d, buf);
}

/* --- PowerShell -EncodedCommand -------------------------------------- */

/* The length of a dash PowerShell accepts before a parameter at p[i], or 0:
 * '-', '/', or the en dash, em dash and horizontal bar (U+2013..U+2015). */
static size_t dash_at(const uint8_t *p, size_t n, size_t i)
{
    struct sk_reader text = sk_reader_make(p, n);
    if (sk_reader_match(&text, i, "-", 1) || sk_reader_match(&text, i, "/", 1))
        return 1;
    if (!sk_reader_match(&text, i, "\xe2\x80", 2))
        return 0;
    uint8_t last = sk_reader_u8_at(&text, i + 2);
    return !text.err && last >= 0x93 && last <= 0x95 ? 3 : 0;
}

static bool is_letter(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* True for "e", "en", ... "encodedcommand" and the alias "ec". */
static bool is_encoded_flag(const uint8_t *w, size_t len)
{
    static const char full[] = "encodedcommand";
    if (len == 2 && strncasecmp((const char *)w, "ec", 2) == 0)
        return true;
    return len >= 1 && len <= sizeof full - 1 && strncasecmp((const char *)w, full, len) == 0;
}

/* Where the base64 argument after a flag ending at `at` starts, or n. */
static size_t argument_start(const uint8_t *p, size_t n, size_t at)
{
    size_t i = at;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i == at)
        return n; /* the flag must end at white space */
    if (i < n && (p[i] == '"' || p[i] == '\''))
        i++;
    return i;
}

/* UTF-16LE text: most code units printable ASCII or white space. */
static bool looks_utf16le(const uint8_t *b, size_t len)
{
    if (len < 2)
        return false;
    size_t units = len / 2, plain = 0;
    struct sk_reader r = sk_reader_make(b, len);
    while (sk_reader_left(&r) >= 2) {
        uint16_t cu = sk_reader_u16le(&r);
        if ((cu >= 0x20 && cu < 0x7f) || cu == '\t' || cu == '\r' || cu == '\n')
            plain++;
    }
    return plain * 4 >= units * 3;
}

/* Appends UTF-16LE b[0..len) as UTF-8 (a lone surrogate becomes U+FFFD). */
static int append_utf16le(struct sk_unpack *u, struct sk_buf *out, const uint8_t *b, size_t len)
{
    uint8_t chunk[4096];
    size_t used = 0, units = len / 2;
    for (size_t i = 0; i < units; i++) {
        uint32_t cp = sk_utf16le_decode(b, units, &i);
        if (used + 4 > sizeof chunk) {
            int rc = sk_unpack_append(u, out, chunk, used);
            if (rc != 0)
                return rc;
            used = 0;
        }
        used += sk_utf8_encode(cp, chunk + used);
    }
    return sk_unpack_append(u, out, chunk, used);
}

/* Decodes the base64 run p[0..len) into scratch bytes (bounded by len). */
static uint8_t *decode_run(const uint8_t *p, size_t len, size_t *out_len)
{
    uint8_t *bytes = malloc(len / 4 * 3 + 3);
    if (!bytes)
        return NULL;
    uint32_t bits = 0;
    unsigned nbits = 0;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        int v = sk_base64_value(p[i]);
        if (v < 0)
            break;
        bits = bits << 6 | (uint32_t)v;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            bytes[k++] = (uint8_t)(bits >> nbits);
        }
    }
    *out_len = k;
    return bytes;
}

/* The encoded argument of a flag found at i, if any: its start and length. */
static bool encoded_argument(const uint8_t *p, size_t n, size_t i, size_t *arg, size_t *arg_len)
{
    size_t dash = dash_at(p, n, i);
    if (dash == 0 || (i > 0 && (is_letter(p[i - 1]) || p[i - 1] == '-')))
        return false;
    size_t w = i + dash, end = w;
    while (end < n && end - w < 16 && is_letter(p[end]))
        end++;
    if (!is_encoded_flag(p + w, end - w))
        return false;
    size_t start = argument_start(p, n, end), stop = start;
    while (stop < n && sk_base64_char(p[stop]) && p[stop] != '-' && p[stop] != '_')
        stop++;
    *arg = start;
    *arg_len = stop - start;
    return stop - start >= MIN_ENCODED_CHARS;
}

int sk_powershell_encoded_next(struct sk_unpack *u, const uint8_t *p, size_t n, size_t *pos,
                               struct sk_child *child)
{
    for (size_t i = *pos; i < n; i++) {
        size_t arg, arg_len;
        if (!encoded_argument(p, n, i, &arg, &arg_len))
            continue;
        *pos = arg + arg_len;
        size_t len = 0;
        uint8_t *bytes = decode_run(p + arg, arg_len, &len);
        if (!bytes)
            return SK_ENOMEM;
        int rc = SK_DONE;
        if (looks_utf16le(bytes, len))
            rc = append_utf16le(u, &child->data, bytes, len);
        free(bytes);
        if (rc == SK_DONE) {
            i = *pos - 1; /* not a command: go on after the run */
            continue;
        }
        if (rc != 0)
            child->truncated = true;
        return rc == SK_ELIMIT ? 0 : rc;
    }
    *pos = n;
    return SK_DONE;
}
