/* RFC 2045-2049 leave charsets to their labels; mail in the wild lies about
 * them, so decoding tries the label and then the usual suspects. HTML is
 * reduced to the text a reader sees, so that a password in <b>...</b> or a
 * table cell is harvested like one in plain text. uuencoding (POSIX uudecode
 * format) still carries attachments inside text bodies. */
#include "mime_text.h"

#include <stdlib.h>
#include <string.h>

#include "iso2022jp.h"

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
