/* RFC 2045-2049 leave charsets to their labels; mail in the wild lies about
 * them, so decoding tries the label and then the usual suspects. HTML is
 * reduced to the text a reader sees, so that a password in <b>...</b> or a
 * table cell is harvested like one in plain text. uuencoding (POSIX uudecode
 * format) still carries attachments inside text bodies.
 *
 * yEnc follows yEnc 1.3 (Juergen Helbing, yenc.org/yenc-draft.1.3.txt): a
 * block is a `=ybegin` line (line=, size=, for multi-part files part= and
 * total=, and name=, the rest of the line), for a part a `=ypart begin=
 * end=` line, the encoded lines, and `=yend size=` with pcrc32= (the
 * part's CRC32) and crc32= (the whole file's; a single-part file's own).
 * Each byte is written (byte + 42) mod 256; NUL, LF, CR and '=' (and
 * optionally others) are escaped as '=' then (byte + 42 + 64) mod 256; line
 * breaks are not data. Each block, a part of a multi-part file too, is
 * decoded on its own; a size or CRC that does not hold is the caller's to
 * report. Reads only the bytes given; the caller bounds the output. */
#include "mime_text.h"

#include <stdlib.h>
#include <string.h>

#include "../engine/reader.h"
#include "iso2022jp.h"
#include "lzfu.h"

static bool convert_append(GString *out, const uint8_t *p, size_t n, const char *from)
{
    gsize written = 0;
    gchar *utf8 = g_convert((const gchar *)p, (gssize)n, "UTF-8", from, NULL, &written, NULL);
    if (!utf8)
        return false;
    g_string_append_len(out, utf8, (gssize)written);
    g_free(utf8);
    return true;
}

/* Outlook's ISO-2022-JP (CP50220/CP50221) carries ① ㈱ and half-width
 * katakana that iconv's ISO-2022-JP refuses: rewrite it as CP932, which
 * iconv reads whole. */
static bool iso2022jp_ms_append(GString *out, const uint8_t *p, size_t n)
{
    uint8_t *cp932 = malloc(n);
    if (!cp932)
        return false;
    size_t len = sk_iso2022jp_to_cp932(p, n, cp932);
    bool ok = len != SIZE_MAX && convert_append(out, cp932, len, "CP932");
    free(cp932);
    return ok;
}

static bool has_iso2022_escape(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++)
        if (p[i] == 0x1b && (p[i + 1] == '$' || p[i + 1] == '('))
            return true;
    return false;
}

const char *sk_text_append_utf8(GString *out, const uint8_t *p, size_t n, const char *label)
{
    /* An empty part has no bytes at all (p may be NULL, which g_convert
     * refuses with a critical): nothing to decode. */
    if (n == 0)
        return "UTF-8";
    if (label && *label && g_ascii_strcasecmp(label, "us-ascii") != 0 &&
        g_ascii_strcasecmp(label, "utf-8") != 0 && convert_append(out, p, n, label))
        return label;
    /* 7-bit ISO-2022-JP is valid UTF-8 too: try it first when it has its
     * escapes (it refuses 8-bit bytes, so real UTF-8 falls through). */
    if (has_iso2022_escape(p, n)) {
        if (convert_append(out, p, n, "ISO-2022-JP"))
            return "ISO-2022-JP";
        if (iso2022jp_ms_append(out, p, n))
            return "ISO-2022-JP-MS";
    }
    if (g_utf8_validate((const gchar *)p, (gssize)n, NULL)) {
        g_string_append_len(out, (const gchar *)p, (gssize)n);
        return "UTF-8";
    }
    static const char *const fallbacks[] = {"CP932", "EUC-JP", "WINDOWS-1252"};
    for (size_t i = 0; i < G_N_ELEMENTS(fallbacks); i++) {
        if (convert_append(out, p, n, fallbacks[i]))
            return fallbacks[i];
    }
    /* Nothing fits: keep the valid parts, so the text is still scanned. */
    gchar *valid = g_utf8_make_valid((const gchar *)p, (gssize)n);
    g_string_append(out, valid);
    g_free(valid);
    return "unknown";
}

static const struct {
    const char *name;
    const char *text;
} entities[] = {
    {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "},
};

/* Decodes one entity at html[i] ('&'); returns the bytes it used, 0 if none. */
static size_t append_entity(GString *out, const char *html, size_t n, size_t i)
{
    size_t end = i + 1;
    while (end < n && end - i < 12 && html[end] != ';')
        end++;
    if (end >= n || html[end] != ';')
        return 0;
    const char *name = html + i + 1;
    size_t len = end - i - 1;
    if (len > 1 && name[0] == '#') {
        bool hex = name[1] == 'x' || name[1] == 'X';
        size_t skip = hex ? 2 : 1; /* "#" or "#x" */
        gchar digits[12] = {0};
        if (len < skip)
            return 0;
        memcpy(digits, name + skip, MIN(len - skip, sizeof digits - 1));
        gunichar c = (gunichar)g_ascii_strtoull(digits, NULL, hex ? 16 : 10);
        if (!g_unichar_validate(c) || c == 0)
            return 0;
        g_string_append_unichar(out, c);
        return end - i + 1;
    }
    for (size_t k = 0; k < G_N_ELEMENTS(entities); k++) {
        if (strlen(entities[k].name) == len &&
            g_ascii_strncasecmp(name, entities[k].name, len) == 0) {
            g_string_append(out, entities[k].text);
            return end - i + 1;
        }
    }
    return 0;
}

static bool tag_is(const char *tag, size_t len, const char *name)
{
    size_t nl = strlen(name);
    return len >= nl && g_ascii_strncasecmp(tag, name, nl) == 0 &&
           (len == nl || !g_ascii_isalnum(tag[nl]));
}

/* Where a <script> or <style> element ends, or n. */
static size_t skip_element(const char *html, size_t n, size_t from, const char *closing)
{
    size_t cl = strlen(closing);
    for (size_t i = from; i + cl <= n; i++)
        if (html[i] == '<' && g_ascii_strncasecmp(html + i, closing, cl) == 0)
            return i;
    return n;
}

void sk_html_append_text(GString *out, const char *html, size_t n)
{
    static const char *const blocks[] = {"br",  "/p",  "p",   "/div", "div",
                                         "/tr", "tr",  "/td", "td",   "/li",
                                         "li",  "/h1", "/h2", "/h3",  "/table"};
    size_t i = 0;
    while (i < n) {
        if (html[i] == '&') {
            size_t used = append_entity(out, html, n, i);
            if (used) {
                i += used;
                continue;
            }
        }
        if (html[i] != '<') {
            g_string_append_c(out, html[i++]);
            continue;
        }
        const char *close = memchr(html + i, '>', n - i);
        size_t end = close ? (size_t)(close - html) : n;
        const char *tag = html + i + 1;
        size_t len = end - i - 1;
        for (size_t k = 0; k < G_N_ELEMENTS(blocks); k++)
            if (tag_is(tag, len, blocks[k])) {
                g_string_append_c(out, '\n');
                break;
            }
        i = end < n ? end + 1 : n;
        if (tag_is(tag, len, "script"))
            i = skip_element(html, n, i, "</script");
        else if (tag_is(tag, len, "style"))
            i = skip_element(html, n, i, "</style");
    }
}

static size_t line_end(const char *text, size_t n, size_t at)
{
    const char *nl = memchr(text + at, '\n', n - at);
    return nl ? (size_t)(nl - text) : n;
}

/* Parses `begin <octal mode> <name>` at text[at..eol). */
static bool parse_begin(const char *line, size_t len, char *name, size_t name_len)
{
    if (len < 10 || strncmp(line, "begin ", 6) != 0)
        return false;
    size_t i = 6;
    while (i < len && line[i] >= '0' && line[i] <= '7')
        i++;
    if (i == 6 || i >= len || line[i] != ' ')
        return false;
    size_t start = i + 1, end = len;
    while (end > start && (line[end - 1] == '\r' || line[end - 1] == ' '))
        end--;
    if (end == start)
        return false;
    g_strlcpy(name, line + start, MIN(end - start + 1, name_len));
    return true;
}

/* Decodes one uuencoded line into bytes; false at the closing line. */
static bool decode_uu_line(const char *line, size_t len, GByteArray *bytes, size_t max)
{
    if (len == 0 || line[0] == '`' || line[0] == ' ')
        return false; /* a zero-length line ends the data */
    size_t want = (size_t)((line[0] - ' ') & 0x3f);
    size_t pos = 1;
    while (want > 0 && pos + 3 < len + 1 && bytes->len < max) {
        guint8 c[4];
        for (int k = 0; k < 4; k++)
            c[k] = (guint8)(pos + (size_t)k < len ? (line[pos + (size_t)k] - ' ') & 0x3f : 0);
        guint8 out[3] = {(guint8)(c[0] << 2 | c[1] >> 4), (guint8)(c[1] << 4 | c[2] >> 2),
                         (guint8)(c[2] << 6 | c[3])};
        size_t take = MIN(want, 3);
        g_byte_array_append(bytes, out, (guint)take);
        want -= take;
        pos += 4;
    }
    return true;
}

/* Decodes the uuencoded lines of text from at on into bytes, up to the
 * closing line (or the text's end); returns where the closing line ends. */
static size_t decode_uu_lines(const char *text, size_t n, size_t at, size_t max_bytes,
                              GByteArray *bytes)
{
    size_t eol = at;
    while (at < n) {
        eol = line_end(text, n, at);
        size_t len = eol - at;
        while (len > 0 && text[at + len - 1] == '\r')
            len--;
        if (!decode_uu_line(text + at, len, bytes, max_bytes))
            break;
        at = eol + 1;
    }
    return eol < n ? eol + 1 : n;
}

bool sk_uu_next(const char *text, size_t n, size_t from, size_t max_bytes,
                struct sk_uu_block *block)
{
    size_t at = from;
    while (at < n) {
        size_t eol = line_end(text, n, at);
        if (parse_begin(text + at, eol - at, block->name, sizeof block->name)) {
            block->bytes = g_byte_array_new();
            block->next = decode_uu_lines(text, n, eol + 1, max_bytes, block->bytes);
            return true;
        }
        at = eol + 1;
    }
    return false;
}

void sk_uu_decode_part(const char *text, size_t n, size_t max_bytes, GByteArray *bytes)
{
    struct sk_uu_block block;
    if (!sk_uu_next(text, n, 0, max_bytes, &block)) {
        decode_uu_lines(text, n, 0, max_bytes, bytes);
        return;
    }
    g_byte_array_append(bytes, block.bytes->data, block.bytes->len);
    g_byte_array_unref(block.bytes);
}

/* The end of the line at `at` (its LF, or n). */
static size_t yenc_line_end(const struct sk_reader *r, size_t at)
{
    struct sk_reader w = *r;
    const uint8_t *rest = sk_reader_at(&w, at, r->len - at);
    const uint8_t *nl = rest ? memchr(rest, '\n', r->len - at) : NULL;
    return nl ? at + (size_t)(nl - rest) : r->len;
}

/* The line r[at..eol) without its CR. */
static struct sk_reader line_at(const struct sk_reader *r, size_t at, size_t eol)
{
    struct sk_reader w = *r;
    size_t len = eol - at;
    const uint8_t *b = sk_reader_at(&w, at, len);
    struct sk_reader line = sk_reader_make(b, b ? len : 0);
    if (line.len > 0 && sk_reader_u8_at(&line, line.len - 1) == '\r')
        line.len--;
    return line;
}

/* The offset of ` key=` in line (its value's first byte), or 0. */
static size_t find_key(const struct sk_reader *line, const char *key)
{
    size_t kl = strlen(key);
    for (size_t at = 0; at + kl + 2 <= line->len; at++)
        if (sk_reader_match(line, at, " ", 1) && sk_reader_match(line, at + 1, key, kl) &&
            sk_reader_match(line, at + 1 + kl, "=", 1))
            return at + kl + 2;
    return 0;
}

/* The number after ` key=` in base 10 or 16; false when absent. */
static bool number(const struct sk_reader *line, const char *key, unsigned base, uint64_t *out)
{
    size_t at = find_key(line, key);
    if (at == 0)
        return false;
    struct sk_reader r = *line;
    uint64_t v = 0;
    size_t digits = 0;
    for (; at < line->len && digits < 20; at++, digits++) {
        uint8_t c = sk_reader_u8_at(&r, at);
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 99u;
        if (d >= base)
            break;
        v = v * base + d;
    }
    *out = v;
    return digits > 0;
}

/* name=: the rest of the line, trailing blanks dropped, cut to fit. */
static void read_name(const struct sk_reader *line, char *name, size_t size)
{
    size_t at = find_key(line, "name");
    size_t end = line->len;
    struct sk_reader r = *line;
    while (at > 0 && end > at && sk_reader_u8_at(&r, end - 1) == ' ')
        end--;
    size_t len = at > 0 && end > at ? end - at : 0;
    if (len >= size)
        len = size - 1;
    const uint8_t *b = len ? sk_reader_at(&r, at, len) : NULL;
    if (b)
        memcpy(name, b, len);
    name[b ? len : 0] = '\0';
}

static void read_trailer(const struct sk_reader *line, struct sk_yenc_block *block)
{
    uint64_t crc = 0;
    block->has_end = true;
    number(line, "size", 10, &block->end_size);
    block->has_crc = block->part
                         ? number(line, "pcrc32", 16, &crc)
                         : number(line, "crc32", 16, &crc) || number(line, "pcrc32", 16, &crc);
    block->crc = (uint32_t)crc;
}

bool sk_yenc_find(const uint8_t *p, size_t n, size_t from, struct sk_yenc_block *block)
{
    const struct sk_reader r = sk_reader_make(p, n);
    size_t at = from;
    while (at < n && !sk_reader_match(&r, at, "=ybegin ", 8))
        at = yenc_line_end(&r, at) + 1;
    if (at >= n)
        return false;
    memset(block, 0, sizeof *block);
    size_t eol = yenc_line_end(&r, at);
    struct sk_reader line = line_at(&r, at, eol);
    number(&line, "size", 10, &block->size);
    number(&line, "part", 10, &block->part);
    number(&line, "total", 10, &block->total);
    read_name(&line, block->name, sizeof block->name);
    at = eol < n ? eol + 1 : n;
    if (sk_reader_match(&r, at, "=ypart ", 7))
        at = yenc_line_end(&r, at) < n ? yenc_line_end(&r, at) + 1 : n;
    block->data = at;
    while (at < n && !sk_reader_match(&r, at, "=yend", 5))
        at = yenc_line_end(&r, at) + 1;
    block->data_end = at < n ? at : n;
    block->next = n;
    if (at < n) {
        eol = yenc_line_end(&r, at);
        struct sk_reader trailer = line_at(&r, at, eol);
        read_trailer(&trailer, block);
        block->next = eol < n ? eol + 1 : n;
    }
    return true;
}

size_t sk_yenc_decode(const uint8_t *p, size_t n, const struct sk_yenc_block *block,
                      uint8_t *out, size_t cap)
{
    struct sk_reader r = sk_reader_make(p, n);
    size_t end = block->data_end < n ? block->data_end : n;
    size_t len = 0;
    bool escaped = false;
    for (size_t at = block->data; at < end && len < cap; at++) {
        uint8_t c = sk_reader_u8_at(&r, at);
        if (c == '\r' || c == '\n')
            continue;
        if (!escaped && c == '=') {
            escaped = true;
            continue;
        }
        out[len++] = (uint8_t)(c - 42 - (escaped ? 64 : 0));
        escaped = false;
    }
    return len;
}

bool sk_yenc_check(const struct sk_yenc_block *block, const uint8_t *out, size_t out_len)
{
    if (block->has_end && block->end_size != out_len)
        return false;
    /* CRC-32 (ISO-HDLC) is the [MS-OXRTFCP] CRC with the usual inversions. */
    return !block->has_crc || ~sk_lzfu_crc(~0u, out, out_len) == block->crc;
}
