/* Line-based files that point Windows at a target: Internet shortcuts
 * (.url) and Excel web queries (.iqy).
 *
 * Spec: the Internet shortcut is an INI file (Windows' profile format:
 * "[section]" lines, then key=value lines) whose [InternetShortcut]
 * section's URL= value Explorer opens on a double click (a file:// or
 * \\host\share target runs or fetches what it names, and an SMB target
 * leaks the user's NTLM hash); the Excel web query is Microsoft's "How to
 * create a web query (.iqy) file" (KB 157482): a line "WEB", a version line
 * ("1"), the URL Excel fetches into a sheet, then optional POST data and
 * options (campaigns used it to pull DDE formulas into Excel).
 * Supports: the type by content: a .url's [InternetShortcut] section line
 * in an INI text (its first line a section), a web query's first line
 * "WEB" followed by a URL (after an optional version line); the target in
 * `info` ("target"); link.remote_target for a shortcut to a file:// URL or a
 * UNC path (\\host or //host), dropper.web_query for every web query.
 * Refuses: nothing: a shortcut to an http(s) page is typed and reported in
 * `info`, and passes; a shortcut without URL= is typed and reported as
 * such. No children.
 * Limits: the first WEBLINK_HEAD bytes only, one pass over their lines; no
 * allocation. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "text_head.h"
#include "unpacker.h"

/* Where a shortcut's section and a query's lines are looked for. */
#define WEBLINK_HEAD 4096u

/* One line of a text: the bytes without CR/LF, and where the next starts. */
struct line {
    struct sk_reader r;
    size_t next;
};

/* The line of head starting at at, or false past the end. */
static bool line_at(const struct sk_reader *head, size_t at, struct line *out)
{
    if (at >= head->len)
        return false;
    struct sk_reader w = *head;
    const uint8_t *rest = sk_reader_at(&w, at, head->len - at);
    if (!rest)
        return false;
    const uint8_t *eol = memchr(rest, '\n', head->len - at);
    size_t len = eol ? (size_t)(eol - rest) : head->len - at;
    out->next = at + len + (eol ? 1 : 0);
    out->r = sk_reader_make(rest, len);
    if (len > 0 && sk_reader_match(&out->r, len - 1, "\r", 1))
        out->r.len = len - 1;
    return true;
}

/* The line is `word` alone (ASCII case ignored, blanks around it allowed). */
static bool line_is(const struct line *l, const char *word)
{
    struct sk_reader r = l->r;
    size_t s = sk_reader_skip_space(&r, 0), n = strlen(word);
    if (!sk_text_starts_ci(&r, s, word))
        return false;
    for (size_t i = s + n; i < r.len; i++) {
        uint8_t c = sk_reader_u8_at(&r, i);
        if (c != ' ' && c != '\t')
            return false;
    }
    return true;
}

/* The first line of head that is not blank, from at on. */
static bool first_filled(const struct sk_reader *head, size_t at, struct line *out)
{
    while (line_at(head, at, out)) {
        if (sk_reader_skip_space(&out->r, 0) < out->r.len)
            return true;
        at = out->next;
    }
    return false;
}

/* An INI text (its first line a [section]) with a line [InternetShortcut]. */
static bool is_internet_shortcut(const struct sk_reader *head)
{
    struct line l;
    if (!first_filled(head, 0, &l) ||
        !sk_reader_match(&l.r, sk_reader_skip_space(&l.r, 0), "[", 1))
        return false;
    for (size_t at = 0; line_at(head, at, &l); at = l.next)
        if (line_is(&l, "[InternetShortcut]"))
            return true;
    return false;
}

/* A line that holds "://" or starts with \\ (what Excel would fetch). */
static bool is_url_line(const struct line *l)
{
    size_t s = sk_reader_skip_space(&l->r, 0);
    if (sk_reader_match(&l->r, s, "\\\\", 2))
        return true;
    for (size_t i = s; i + 3 <= l->r.len; i++)
        if (sk_reader_match(&l->r, i, "://", 3))
            return true;
    return false;
}

/* A version line: digits alone. */
static bool is_version_line(const struct line *l)
{
    struct sk_reader r = l->r;
    size_t s = sk_reader_skip_space(&r, 0), digits = 0;
    for (size_t i = s; i < r.len; i++) {
        uint8_t c = sk_reader_u8_at(&r, i);
        if (c >= '0' && c <= '9')
            digits++;
        else if (c != ' ' && c != '\t')
            return false;
    }
    return digits > 0;
}

/* A web query: "WEB", maybe a version line, then a URL line. The URL line
 * in *url when found. */
static bool is_web_query(const struct sk_reader *head, struct line *url)
{
    struct line l;
    if (!first_filled(head, 0, &l) || !line_is(&l, "WEB"))
        return false;
    if (!first_filled(head, l.next, &l))
        return false;
    if (is_version_line(&l) && !first_filled(head, l.next, &l))
        return false;
    *url = l;
    return is_url_line(&l);
}

static struct sk_reader head_of(const struct sk_node *node)
{
    return sk_reader_make(node->data.p,
                          node->data.len < WEBLINK_HEAD ? node->data.len : WEBLINK_HEAD);
}

/* Its markers on plain text: 90, above a script's 85 (a shortcut is not a
 * script, whatever words its URL holds) and a message's 60. A node already
 * typed one of these: 90. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    if (node->type == SK_TYPE_INTERNET_SHORTCUT || node->type == SK_TYPE_WEB_QUERY)
        return 90;
    if (sk_text_score(node, 90) == 0)
        return 0;
    struct sk_reader head = head_of(node);
    struct line url;
    if (is_internet_shortcut(&head))
        *type = SK_TYPE_INTERNET_SHORTCUT;
    else if (is_web_query(&head, &url))
        *type = SK_TYPE_WEB_QUERY;
    else
        return 0;
    return 90;
}

/* The value of key= in the [InternetShortcut] section, or false. */
static bool shortcut_value(const struct sk_reader *head, const char *key,
                           struct sk_reader *value)
{
    struct line l;
    bool inside = false;
    size_t n = strlen(key);
    for (size_t at = 0; line_at(head, at, &l); at = l.next) {
        size_t s = sk_reader_skip_space(&l.r, 0);
        if (sk_reader_match(&l.r, s, "[", 1)) {
            inside = line_is(&l, "[InternetShortcut]");
            continue;
        }
        if (inside && sk_text_starts_ci(&l.r, s, key) && sk_reader_match(&l.r, s + n, "=", 1)) {
            *value = sk_reader_sub_at(&l.r, s + n + 1, l.r.len - (s + n + 1));
            return !value->err;
        }
    }
    return false;
}

/* A target that leaves the web: a file:// URL, or a UNC path (\\host or
 * //host, as Explorer reads both). */
static const char *remote_kind(const struct sk_reader *target)
{
    size_t s = sk_reader_skip_space(target, 0);
    if (sk_text_starts_ci(target, s, "file:"))
        return "file:// URL";
    if (sk_reader_match(target, s, "\\\\", 2) || sk_reader_match(target, s, "//", 2))
        return "UNC path (SMB)";
    return NULL;
}

static int open_shortcut(struct sk_unpack *u, const struct sk_reader *head)
{
    struct sk_reader url;
    if (!shortcut_value(head, "URL", &url)) {
        sk_unpack_info(u, "target", "(none)");
        return 0;
    }
    int len = (int)(url.len < 400 ? url.len : 400);
    sk_unpack_info(u, "target", "%.*s", len, (const char *)url.p);
    const char *kind = remote_kind(&url);
    if (kind)
        sk_unpack_reason(u, "link.remote_target", "Internet shortcut to a %s: %.*s", kind, len,
                         (const char *)url.p);
    return 0;
}

static int open_weblink(struct sk_unpack *u, void **out)
{
    *out = NULL;
    struct sk_reader head = head_of(u->node);
    if (u->node->type == SK_TYPE_INTERNET_SHORTCUT)
        return open_shortcut(u, &head);
    struct line url;
    if (!is_web_query(&head, &url)) {
        sk_unpack_fail(u, "weblink", SK_ECORRUPT, "web query without a URL line");
        return SK_ECORRUPT;
    }
    size_t s = sk_reader_skip_space(&url.r, 0);
    int len = (int)(url.r.len - s < 400 ? url.r.len - s : 400);
    const char *at = (const char *)sk_reader_at(&url.r, s, (size_t)len);
    sk_unpack_info(u, "target", "%.*s", at ? len : 0, at ? at : "");
    sk_unpack_reason(u, "dropper.web_query", "Excel web query fetching %.*s", at ? len : 0,
                     at ? at : "");
    return 0;
}

const struct sk_unpacker sk_unpacker_weblink = {
    .name = "weblink",
    .bid = bid,
    .open = open_weblink,
    .next = sk_unpack_next_none,
    .close = sk_unpack_close_none,
};
