/* mbox splitting (cli/mbox.h). A message ends where a blank line is
 * followed by an envelope line (`From sender date`); the blank line is the
 * writer's separator and is not part of the message. Only lines that look
 * like an envelope split, so an unescaped `From here on...` after a blank
 * line in an mboxo body stays in its message. */
#include <string.h>

#include "mbox.h"

/* An envelope line is short; what is past this is not looked at. */
#define ENVELOPE_MAX 512

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* `From ` SENDER SP ... HH:MM ... YYYY, within one line. */
static bool is_envelope(const uint8_t *p, size_t n)
{
    if (n > ENVELOPE_MAX)
        n = ENVELOPE_MAX;
    if (n < 5 || memcmp(p, "From ", 5) != 0)
        return false;
    size_t i = 5, sender = 0;
    while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') {
        if (p[i] < 0x21)
            return false;
        i++, sender++;
    }
    if (sender == 0 || i >= n || p[i] == '\n' || p[i] == '\r')
        return false;
    bool time = false, year = false;
    for (; i < n && p[i] != '\n'; i++) {
        if (i + 5 <= n && is_digit(p[i]) && is_digit(p[i + 1]) && p[i + 2] == ':' &&
            is_digit(p[i + 3]) && is_digit(p[i + 4]))
            time = true;
        if (i + 4 <= n && p[i - 1] == ' ' && (p[i] == '1' || p[i] == '2') && is_digit(p[i + 1]) &&
            is_digit(p[i + 2]) && is_digit(p[i + 3]) &&
            (i + 4 == n || p[i + 4] == ' ' || p[i + 4] == '\n' || p[i + 4] == '\r'))
            year = true;
    }
    return time && year;
}

bool sk_mbox_detect(const uint8_t *p, size_t n)
{
    return p && is_envelope(p, n);
}

/* True when p[0..n) is `>+From ` at its start. */
static bool is_escaped_from(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] == '>')
        i++;
    return i > 0 && n - i >= 5 && memcmp(p + i, "From ", 5) == 0;
}

static bool has_escaped_line(const uint8_t *p, size_t n)
{
    if (is_escaped_from(p, n))
        return true;
    for (const uint8_t *at = p; (at = memmem(at, n - (size_t)(at - p), "\n>", 2)) != NULL;) {
        at++;
        if (is_escaped_from(at, n - (size_t)(at - p)))
            return true;
    }
    return false;
}

/* Where the blank line that ends at `line` (the start of an envelope line)
 * begins, or SIZE_MAX when the line before it is not blank. */
static size_t blank_before(const uint8_t *p, size_t start, size_t line)
{
    if (line >= start + 1 && p[line - 1] == '\n') {
        if (line - 1 == start || (line >= start + 2 && p[line - 2] == '\n'))
            return line - 1;
        if (line >= start + 2 && p[line - 2] == '\r' &&
            (line - 2 == start || (line >= start + 3 && p[line - 3] == '\n')))
            return line - 2;
    }
    return SIZE_MAX;
}

bool sk_mbox_next(const uint8_t *p, size_t n, size_t *at, struct sk_mbox_msg *msg)
{
    if (*at >= n)
        return false;
    const uint8_t *eol = memchr(p + *at, '\n', n - *at);
    size_t start = eol ? (size_t)(eol - p) + 1 : n;
    size_t end = n, next = n;
    for (size_t pos = start; pos < n;) {
        const uint8_t *hit = memmem(p + pos, n - pos, "\nFrom ", 6);
        if (!hit)
            break;
        size_t line = (size_t)(hit - p) + 1;
        size_t blank = blank_before(p, start, line);
        if (blank != SIZE_MAX && is_envelope(p + line, n - line)) {
            end = blank;
            next = line;
            break;
        }
        pos = line;
    }
    if (next == n) { /* the last message: its writer's closing blank line is not its own */
        if (end - start >= 2 && p[end - 1] == '\n' && p[end - 2] == '\n')
            end--;
        else if (end - start >= 4 && memcmp(p + end - 4, "\r\n\r\n", 4) == 0)
            end -= 2;
    }
    msg->start = start;
    msg->len = end - start;
    msg->escaped = has_escaped_line(p + start, msg->len);
    *at = next;
    return true;
}

size_t sk_mbox_unescape(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t o = 0;
    bool line_start = true;
    for (size_t i = 0; i < len; i++) {
        if (line_start && in[i] == '>' && is_escaped_from(in + i, len - i))
            i++; /* drop one '>' */
        out[o++] = in[i];
        line_start = in[i] == '\n';
    }
    return o;
}
