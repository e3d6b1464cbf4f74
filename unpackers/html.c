/* HTML smuggling (see html.h).
 *
 * Spec: the HTML Living Standard's `download` attribute (§4.6.5) and the
 * File API's Blob and URL.createObjectURL; atob() (HTML §8.3, forgiving
 * base64); ECMA-262 string literals ('...', "...", `...`) joined with `+`;
 * RFC 2397 data: URLs. Campaigns (Qakbot, IcedID, NOBELIUM's EnvyScout)
 * carry the file as base64 literals, often split into many concatenated
 * pieces, or as an array of byte values.
 * Supports: a page that names a smuggling technique (atob(, new Blob(,
 * msSaveOrOpenBlob, msSaveBlob, createObjectURL, download=, .download)
 * and holds a base64 literal chain of at least SMUGGLE_MIN_BASE64
 * characters, a data: URL of a file type (any size), or an array of at
 * least SMUGGLE_MIN_ARRAY byte values; each payload is decoded into a child.
 * Refuses: payloads the page computes (XOR, reversed strings, fetched
 * pieces): the technique words alone are not a reason, since ordinary pages
 * use Blob and download links too; for the same reason a byte array counts
 * only when its bytes sniff as a file type (not data or text). data: URLs of images, fonts,
 * audio, video and CSS are passive content and are passed over. Limits: the technique search
 * and the payload scan are linear in the page (each byte is looked at a bounded number of
 * times); literals are measured before they are decoded; payload bytes go through
 * sk_unpack_append. */
#include "html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/error.h"
#include "text_head.h"
#include "textcode.h"
#include "unpacker.h"

#define SMUGGLE_MIN_BASE64 512u /* characters of base64 in one literal chain */
#define SMUGGLE_MIN_ARRAY 256u  /* byte values in one array literal */
#define NAME_MAX_BYTES 100u     /* of a download attribute's value */

/* Finds word (ASCII, case-insensitive) in p[from..n): its offset or n. */
static size_t find_ci(const uint8_t *p, size_t n, size_t from, const char *word)
{
    size_t len = strlen(word);
    for (size_t i = from; i + len <= n; i++)
        if ((p[i] | 0x20) == (word[0] | 0x20) &&
            strncasecmp((const char *)p + i, word, len) == 0)
            return i;
    return n;
}

static size_t skip_blanks(const uint8_t *p, size_t n, size_t i)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i;
}

/* The literal value after `download` at i ("download='a.exe'" or
 * ".download = \"a.exe\""), copied into out; false when there is none. */
static bool download_value(const uint8_t *p, size_t n, size_t i, char *out, size_t cap)
{
    i = skip_blanks(p, n, i + strlen("download"));
    if (i >= n || p[i] != '=')
        return false;
    i = skip_blanks(p, n, i + 1);
    if (i >= n || (p[i] != '"' && p[i] != '\''))
        return false;
    uint8_t quote = p[i++];
    size_t k = 0;
    for (; i < n && p[i] != quote && k < NAME_MAX_BYTES && k + 1 < cap; i++) {
        if (p[i] == '<' || p[i] == '>' || p[i] == '\n' || p[i] == '+')
            return false;
        out[k++] = (char)p[i];
    }
    out[k] = 0;
    return i < n && p[i] == quote && k > 0;
}

static void add_technique(struct sk_smuggling *s, const char *word)
{
    size_t used = strlen(s->technique);
    snprintf(s->technique + used, sizeof s->technique - used, "%s%s", used ? ", " : "", word);
}

/* Looks for the technique words once, and for the download name. */
static void check_techniques(struct sk_smuggling *s, const uint8_t *p, size_t n)
{
    static const char *const words[][2] = {
        {"atob(", "atob"},
        {"new Blob(", "Blob"},
        {"msSaveOrOpenBlob", "msSaveOrOpenBlob"},
        {"msSaveBlob", "msSaveBlob"},
        {"createObjectURL", "createObjectURL"},
        {".download", ".download"},
    };
    s->checked = true;
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        if (find_ci(p, n, 0, words[w][0]) < n) {
            add_technique(s, words[w][1]);
            s->armed = true;
        }
    }
    for (size_t at = find_ci(p, n, 0, "download"); at < n;
         at = find_ci(p, n, at + 1, "download"))
        if (download_value(p, n, at, s->download, sizeof s->download))
            break;
    /* the attribute (download="a.exe"); the word alone is ordinary text */
    bool property = strstr(s->technique, ".download") != NULL;
    if (find_ci(p, n, 0, "download=") < n || (s->download[0] && !property)) {
        add_technique(s, "download=");
        s->armed = true;
    }
}

/* --- base64 literal chains ------------------------------------------- */

static bool is_quote(uint8_t c)
{
    return c == '"' || c == '\'' || c == '`';
}

/* data: URLs of passive content are not files to smuggle. */
static bool passive_data_url(const uint8_t *p, size_t n)
{
    static const char *const passive[] = {"data:image/", "data:font/", "data:audio/",
                                          "data:video/", "data:text/css"};
    for (size_t i = 0; i < sizeof passive / sizeof passive[0]; i++) {
        size_t len = strlen(passive[i]);
        if (n >= len && strncasecmp((const char *)p, passive[i], len) == 0)
            return true;
    }
    return false;
}

/* One literal at i (on its opening quote): where its base64 starts, its
 * length, and the offset after its closing quote. False when it is not a
 * literal of base64 (a data: URL's prefix is allowed and skipped). */
static bool base64_literal(const uint8_t *p, size_t n, size_t i, size_t *start, size_t *len,
                           size_t *after, bool *data_url)
{
    uint8_t quote = p[i];
    size_t j = i + 1;
    while (j < n && p[j] != quote && p[j] != '\n')
        j++;
    if (j >= n || p[j] != quote)
        return false;
    size_t from = i + 1;
    if (j - from > 5 && strncasecmp((const char *)p + from, "data:", 5) == 0) {
        if (passive_data_url(p + from, j - from))
            return false;
        const uint8_t *comma = memchr(p + from, ',', j - from);
        if (!comma)
            return false;
        from = (size_t)(comma - p) + 1;
        *data_url = true;
    }
    for (size_t k = from; k < j; k++)
        if (!sk_base64_char(p[k]) && p[k] != '=')
            return false;
    *start = from;
    *len = j - from;
    *after = j + 1;
    return true;
}

/* The next literal joined to a chain with `+` after offset i, if any. */
static bool next_in_chain(const uint8_t *p, size_t n, size_t i, size_t *quote_at)
{
    i = skip_blanks(p, n, i);
    if (i >= n || p[i] != '+')
        return false;
    i = skip_blanks(p, n, i + 1);
    if (i >= n || !is_quote(p[i]))
        return false;
    *quote_at = i;
    return true;
}

/* Measures the chain starting at the quote at i: base64 characters and
 * where the chain ends (the scan goes on there either way). */
static size_t measure_chain(const uint8_t *p, size_t n, size_t i, size_t *end, bool *data_url)
{
    size_t total = 0, start, len, after, quote_at = i;
    *data_url = false;
    *end = i + 1;
    while (base64_literal(p, n, quote_at, &start, &len, &after, data_url)) {
        total += len;
        *end = after;
        if (!next_in_chain(p, n, after, &quote_at))
            break;
    }
    return total;
}

static int decode_chain(struct sk_unpack *u, const uint8_t *p, size_t n, size_t i,
                        struct sk_child *child)
{
    struct sk_base64 d = {0};
    size_t start, len, after, quote_at = i;
    bool data_url = false;
    while (base64_literal(p, n, quote_at, &start, &len, &after, &data_url)) {
        if (d.ended)
            d.ended = false; /* each piece may carry its own padding */
        int rc = sk_base64_feed(u, &d, &child->data, p + start, len);
        if (rc != 0)
            return rc;
        if (!next_in_chain(p, n, after, &quote_at))
            break;
    }
    return sk_base64_finish(u, &d, &child->data);
}

/* --- byte arrays ----------------------------------------------------- */

/* One byte value at i ("77", "0x4d"): its value and end, or -1. */
static int byte_value(const uint8_t *p, size_t n, size_t *i)
{
    size_t j = *i;
    unsigned v = 0, digits = 0, base = 10;
    if (j + 1 < n && p[j] == '0' && (p[j + 1] == 'x' || p[j + 1] == 'X')) {
        base = 16;
        j += 2;
    }
    for (; j < n && digits < 4; j++, digits++) {
        uint8_t c = p[j];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                     : base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f'
                         ? (unsigned)((c | 0x20) - 'a' + 10)
                         : 99;
        if (d == 99)
            break;
        v = v * base + d;
    }
    if (digits == 0 || v > 255)
        return -1;
    *i = j;
    return (int)v;
}

/* Walks the array at i (on '['): its element count and end. With child,
 * appends the bytes too. Returns the count (0 when it is not a byte
 * array); *end is where the scan goes on. */
static size_t walk_array(struct sk_unpack *u, const uint8_t *p, size_t n, size_t i, size_t *end,
                         struct sk_child *child, int *rc)
{
    uint8_t chunk[4096];
    size_t used = 0, count = 0, j = i + 1;
    *rc = 0;
    for (;;) {
        j = skip_blanks(p, n, j);
        int v = byte_value(p, n, &j);
        if (v < 0)
            break;
        count++;
        if (child) {
            chunk[used++] = (uint8_t)v;
            if (used == sizeof chunk) {
                *rc = sk_unpack_append(u, &child->data, chunk, used);
                used = 0;
                if (*rc != 0)
                    return count;
            }
        }
        j = skip_blanks(p, n, j);
        if (j < n && p[j] == ',') {
            j++;
            continue;
        }
        break;
    }
    *end = j > i + 1 ? j : i + 1;
    if (j >= n || p[j] != ']')
        return 0;
    if (child && used)
        *rc = sk_unpack_append(u, &child->data, chunk, used);
    return count;
}

/* --- the payloads ---------------------------------------------------- */

/* An array of small numbers is ordinary data in a page (a chart's values,
 * a lookup table) unless its bytes make a file of a known type. */
static bool is_file(const struct sk_unpack *u, const struct sk_child *child)
{
    enum sk_type type = sk_unpack_sniff(u, child->data.p, child->data.len);
    return type != SK_TYPE_DATA && type != SK_TYPE_TEXT && type != SK_TYPE_EMPTY;
}

static void name_payload(struct sk_smuggling *s, struct sk_child *child)
{
    if (s->found == 1 && s->download[0])
        snprintf(s->name, sizeof s->name, "%s", s->download);
    else if (s->found == 1)
        snprintf(s->name, sizeof s->name, "smuggled.bin");
    else
        snprintf(s->name, sizeof s->name, "smuggled_%u.bin", s->found);
    child->name = s->name;
    child->name_len = strlen(s->name);
}

static int finish_payload(struct sk_unpack *u, struct sk_smuggling *s, struct sk_child *child,
                          int rc, const char *form)
{
    if (rc == SK_ELIMIT) {
        child->truncated = true;
        rc = 0;
    }
    s->found++;
    name_payload(s, child);
    sk_unpack_reason(u, "html.smuggling",
                     "technique: %s; %s payload of %zu bytes decoded as %s", s->technique, form,
                     child->data.len, s->name);
    return rc;
}

int sk_smuggling_next(struct sk_unpack *u, struct sk_smuggling *s, const uint8_t *p, size_t n,
                      struct sk_child *child)
{
    if (!s->checked)
        check_techniques(s, p, n);
    if (!s->armed)
        return SK_DONE;
    while (s->pos < n) {
        size_t i = s->pos, end;
        if (is_quote(p[i])) {
            bool data_url;
            size_t chars = measure_chain(p, n, i, &end, &data_url);
            s->pos = end;
            /* a data: URL of a file type is a payload at any size */
            if (chars >= SMUGGLE_MIN_BASE64 || (data_url && chars >= 4))
                return finish_payload(u, s, child, decode_chain(u, p, n, i, child),
                                      data_url ? "data: URL" : "base64");
        } else if (p[i] == '[') {
            int rc;
            size_t count = walk_array(u, p, n, i, &end, NULL, &rc);
            s->pos = end;
            if (count >= SMUGGLE_MIN_ARRAY) {
                walk_array(u, p, n, i, &end, child, &rc);
                if (rc != 0 || is_file(u, child))
                    return finish_payload(u, s, child, rc, "byte array");
                /* chart data, lookup tables: numbers that make no file */
                sk_buf_release(&child->data);
            }
        } else {
            s->pos++;
        }
    }
    return SK_DONE;
}

/* --- the unpacker ---------------------------------------------------- */

/* A page by its first tag, after white space or a UTF-8 BOM (a text that
 * holds tags only further on stays text), 75: above a message (60), whose
 * header-like lines a page can open with too, below a script (85), since an
 * HTA opens like a page. A node typed HTML already is this unpacker's at 40
 * only, so that one named like a script (.hta) goes to script.c (70). */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    static const char *const first_tags[] = {"<!doctype html", "<html",   "<head",
                                             "<body",          "<script", "<hta:"};
    if (node->type == SK_TYPE_HTML)
        return 40;
    int score = sk_text_score(node, 75);
    if (score == 0)
        return 0;
    size_t n = node->data.len;
    const struct sk_reader w = sk_reader_make(node->data.p, n < 1024 ? n : 1024);
    size_t s = sk_reader_skip_space(&w, 0);
    for (size_t i = 0; i < sizeof first_tags / sizeof first_tags[0]; i++) {
        if (sk_text_starts_ci(&w, s, first_tags[i])) {
            *type = SK_TYPE_HTML;
            return score;
        }
    }
    return 0;
}

static int open_html(struct sk_unpack *u, void **out)
{
    struct sk_smuggling *s = calloc(1, sizeof *s);
    if (!s)
        return SK_ENOMEM;
    (void)u;
    *out = s;
    return 0;
}

static int next_payload(struct sk_unpack *u, void *state, struct sk_child *child)
{
    if (sk_unpack_expired(u))
        return SK_DONE;
    return sk_smuggling_next(u, state, u->node->data.p, u->node->data.len, child);
}

static void close_html(void *state)
{
    free(state);
}

const struct sk_unpacker sk_unpacker_html = {
    .name = "html",
    .bid = bid,
    .open = open_html,
    .next = next_payload,
    .close = close_html,
};
