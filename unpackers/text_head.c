/* The head of a text as the text bids read it (see text_head.h).
 *
 * Spec: RFC 5322 2.2 (a header field is a name, a colon and a body; a line
 * that starts with white space continues the field before it) and 3.6 (the
 * fields a message carries), with the trace and extension fields mailers
 * add (Received, Return-Path, Delivered-To, X-*, DKIM-Signature,
 * Authentication-Results). It lives apart from mime_text.c, whose helpers
 * need GLib, because the script and HTML bids share the word helpers and
 * the unit tests ask the message check on its own. */
#include "text_head.h"

#include <string.h>
#include <strings.h>

#define MESSAGE_WINDOW 4096u


bool sk_text_starts_ci(const struct sk_reader *w, size_t at, const char *word)
{
    size_t len = strlen(word);
    struct sk_reader r = *w;
    const uint8_t *b = sk_reader_at(&r, at, len);
    return b && strncasecmp((const char *)b, word, len) == 0;
}

int sk_text_score(const struct sk_node *node, int score)
{
    return node->type == SK_TYPE_TEXT ? score : 0;
}

size_t sk_message_start(const uint8_t *p, size_t n)
{
    size_t limit = n < MESSAGE_WINDOW ? n : MESSAGE_WINDOW;
    size_t pos = 0;
    struct sk_reader w = sk_reader_make(p, limit);
    while (pos < limit && (p[pos] == '\n' || p[pos] == '\r'))
        pos++;
    if (sk_reader_match(&w, pos, "From ", 5)) {
        const uint8_t *rest = sk_reader_at(&w, pos, limit - pos);
        const uint8_t *eol = rest ? memchr(rest, '\n', limit - pos) : NULL;
        if (!eol)
            return 0; /* a separator line longer than the window: not a message */
        pos += (size_t)(eol - rest) + 1;
    }
    return pos;
}

/* A field name a message carries, case-insensitive, at the start of line. */
static bool known_field(const uint8_t *line, size_t len)
{
    static const char *const fields[] = {
        "Received:",
        "Return-Path:",
        "From:",
        "Date:",
        "Message-ID:",
        "MIME-Version:",
        "Subject:",
        "To:",
        "Delivered-To:",
        "X-",
        "Content-Type:",
        "DKIM-Signature:",
        "Authentication-Results:",
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        size_t fl = strlen(fields[i]);
        if (len >= fl && strncasecmp((const char *)line, fields[i], fl) == 0)
            return true;
    }
    return false;
}

bool sk_looks_like_message(const uint8_t *p, size_t n)
{
    size_t limit = n < MESSAGE_WINDOW ? n : MESSAGE_WINDOW;
    int matched = 0;
    size_t line = sk_message_start(p, n);
    struct sk_reader w = sk_reader_make(p, limit);
    /* Two known fields and nothing that is not a header make a message: a
     * letter that opens "From here on, ..." does not. */
    while (line < limit && matched < 2) {
        const uint8_t *rest = sk_reader_at(&w, line, limit - line);
        if (!rest)
            break;
        const uint8_t *eol = memchr(rest, '\n', limit - line);
        size_t len = eol ? (size_t)(eol - rest) : limit - line;
        if (len == 0 || (len == 1 && *rest == '\r'))
            break;
        bool continuation = *rest == ' ' || *rest == '\t';
        if (known_field(rest, len))
            matched++;
        else if (!continuation && !memchr(rest, ':', len))
            return false;
        if (!eol)
            break;
        line += len + 1;
    }
    return matched >= 2;
}

/* A field name and its colon (RFC 5322 2.2: printable US-ASCII but the
 * colon itself) open the line. */
static bool is_field_line(const uint8_t *line, size_t len)
{
    struct sk_reader r = sk_reader_make(line, len);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = sk_reader_u8_at(&r, i);
        if (c == ':')
            return i > 0;
        if (c < 33 || c > 126)
            return false;
    }
    return false;
}

/* A control byte a header line never holds: NUL and the rest below space
 * but tab and CR. 8-bit bytes are let be (raw UTF-8 and Shift_JIS
 * subjects are common). */
static bool has_control_byte(const uint8_t *line, size_t len)
{
    struct sk_reader r = sk_reader_make(line, len);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = sk_reader_u8_at(&r, i);
        if (c < 0x20 && c != '\t' && c != '\r')
            return true;
    }
    return false;
}

/* Two known fields, one of them a message's own (From, Date, Received...):
 * any binary format may open with two "X-" lines. */
static bool enough_fields(int known, int named)
{
    return known >= 2 && named >= 1;
}

bool sk_looks_like_message_head(const uint8_t *p, size_t n)
{
    size_t limit = n < MESSAGE_WINDOW ? n : MESSAGE_WINDOW;
    int known = 0, named = 0; /* known fields, and those of them not X- */
    size_t line = sk_message_start(p, n);
    struct sk_reader w = sk_reader_make(p, limit);
    while (line < limit) {
        const uint8_t *rest = sk_reader_at(&w, line, limit - line);
        const uint8_t *eol = rest ? memchr(rest, '\n', limit - line) : NULL;
        if (!eol) /* the window ends inside a line: a long header block */
            return enough_fields(known, named) && n > limit &&
                   !has_control_byte(rest, limit - line);
        size_t len = (size_t)(eol - rest);
        if (len == 0 || (len == 1 && *rest == '\r'))
            return enough_fields(known, named); /* the empty line ending the block */
        if (has_control_byte(rest, len))
            return false;
        bool continuation = *rest == ' ' || *rest == '\t';
        if (!continuation && !is_field_line(rest, len))
            return false;
        if (!continuation && known_field(rest, len)) {
            known++;
            named += !sk_text_starts_ci(&w, line, "X-");
        }
        line += len + 1;
    }
    return enough_fields(known, named) && n > limit;
}
