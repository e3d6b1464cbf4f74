/* Password harvesting (DESIGN.md, "Password harvesting").
 *
 * Turns one decoded text into password candidates, best first:
 *   1. the value next to a password keyword (tier KEYWORD, source = where):
 *      the keyword, then a separator (`:` `=` `->` `は` `是` `는`, a verb
 *      such as "is"/"est"/"ist"/"lautet", or a few plain words before one),
 *      then a bracketed string or a token on the same line, or on the next
 *      non-empty line when the keyword's line has nothing more (or only
 *      prose, as in `パスワードは下記の通りです。`);
 *   2. operator rules (KEYWORD, "rule"), in file order;
 *   3. strings inside quotes or brackets, 1..64 bytes (QUOTED);
 *   4. every other token, 4..32 bytes, minus URLs, e-mail addresses and
 *      date-like numbers (TOKEN).
 * The built-in list (tier BUILTIN) is only exported; the caller emits it.
 *
 * Text is read a line at a time. A line is made valid UTF-8 (an invalid byte
 * becomes U+FFFD, which no candidate may contain; NUL becomes a space) and
 * NFKC-normalised one character cluster at a time, so every normalised byte
 * maps back to the raw bytes it came from: a candidate is offered in its
 * normalised form and then, if different, in its raw form (`ｘＹ１２` gives
 * `xY12`, then `ｘＹ１２`). Keywords are compared with the normalised text,
 * lower-cased a character at a time, so full-width ＰＷ and half-width
 * ﾊﾟｽﾜｰﾄﾞ need no entries of their own.
 *
 * Not handled: a password split over two lines, keywords in languages not
 * listed below, operator rules seeing the normalised text (they see the raw
 * text; their captures are offered normalised and raw).
 *
 * Bounds against hostile text: lines are cut at 64 KiB; a cluster holds at
 * most 31 characters (UAX #15's stream-safe limit, which also caps GLib's
 * quadratic mark reordering) and grows at most 4 times under NFKC (else it
 * stays raw), so a line's buffers stay under 4 MiB; at most 16 keywords per
 * line are followed; a value is scanned for at most 256 bytes (a longer one
 * is dropped); the next-line look-ahead skips at most 16 blank lines and is
 * made once per line; no recursion; at most max_candidates emits. Operator
 * rules run under PCRE2 match, depth and heap limits, 1 KiB of start
 * positions per call, and stop after 250 ms per harvest. Cost: about 0.15 s
 * per MiB of text (0.5 s for text made of slow-to-normalise characters). */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "passwords.h"

#include <glib.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "error.h"
#include "job.h" /* sk_now_ns */
#include "limits.h"

#define PW_MAX_BYTES SK_CAP_PASSWORD_BYTES /* a longer candidate is dropped */
#define QUOTED_MAX_BYTES 64u
#define TOKEN_MIN_BYTES 4u
#define TOKEN_MAX_BYTES 32u
#define LINE_MAX_BYTES (64u << 10)
#define LINE_SAN_MAX (3u * LINE_MAX_BYTES) /* each invalid byte becomes U+FFFD's 3 */
#define LINE_CUT_SEARCH 1024u /* how far back a long line looks for a space */
#define CLUSTER_MAX_MARKS 30u /* UAX #15 stream-safe text format */
#define NFKC_MAX_GROWTH 4u    /* ㍿ → 株式会社; longer expansions stay raw */
#define LINE_NORM_MAX (NFKC_MAX_GROWTH * LINE_SAN_MAX)
#define KEYWORDS_PER_LINE 16u
#define LOOKAHEAD_LINES 16u       /* blank lines skipped before "the next line" */
#define BRIDGE_MAX_WORDS 6u       /* "password [for the attached file] is x" */
#define PROSE_SCAN_BYTES 96u      /* "パスワードは[こちら]：x" */
#define PROSE_VALUE_MAX_BYTES 32u /* "パスワード：さくら" */
#define SEPARATOR_ROUNDS 4u
#define RULE_WINDOW_BYTES 1024u /* start positions per pcre2_match call */
#define RULE_BUDGET_NS (250ull * 1000 * 1000)
#define RULE_MATCH_LIMIT 10000u /* per start position (PCRE2's semantics) */
#define RULE_DEPTH_LIMIT 200u
#define RULE_HEAP_LIMIT_KIB 1024u
#define RULES_MAX 1024u
#define NOT_FOUND SIZE_MAX

const char *const sk_builtin_passwords[] = {
    "infected", "virus",  "malware", "password", "pass", "1234",     "123",
    "12345",    "123456", "1111",    "111",      "0000", "abc123",   "qwerty",
    "test",     "2023",   "2024",    "2025",     "2026", "12345678", NULL,
};

/* Password keywords, already NFKC-normalised and lower-case: they are
 * compared with the normalised text. Longest match wins at a position. */
/* clang-format off */
static const char *const keywords[] = {
    /* Japanese; the long-vowel mark is often typed as a hyphen, dash or 一 */
    "パスワード", "パスワ-ド", "パスワ‐ド", "パスワ一ド", "パスワ―ド", "パスワ—ド",
    "パスコード", "解凍パスワード", "解凍キー", "解凍", "暗証番号",
    /* English, and the shorthand used everywhere */
    "password", "passwd", "passcode", "pass code", "pass", "pwd", "pw", "p/w",
    /* Chinese, Korean */
    "密码", "密碼", "口令", "비밀번호", "암호",
    /* European */
    "passwort", "kennwort", "mot de passe", "contraseña", "clave", "senha", "пароль",
    "parola", "hasło", "heslo", "wachtwoord", "lösenord", "lösenordet", "passord",
    "adgangskode", "salasana", "jelszó", "şifre", "şifresi", "κωδικός",
    /* Others */
    "kata sandi", "mật khẩu", "รหัสผ่าน", "كلمة المرور", "كلمة السر", "סיסמה",
};
/* clang-format on */
#define N_KEYWORDS (sizeof keywords / sizeof keywords[0])

/* What may stand between a keyword and its value. */
enum separator_kind { SEP_HARD, SEP_CLOSER, SEP_COMMA, SEP_PARTICLE };

struct separator {
    const char *text;
    enum separator_kind kind;
    bool needs_space; /* a dash separates only before a space: "PW - x", not "PW -x" */
};

static const struct separator separators[] = {
    {"->", SEP_HARD, false},     {"=>", SEP_HARD, false},     {":", SEP_HARD, false},
    {"=", SEP_HARD, false},      {"→", SEP_HARD, false},      {"⇒", SEP_HARD, false},
    {"-", SEP_HARD, true},       {"–", SEP_HARD, true},       {"—", SEP_HARD, true},
    {"】", SEP_CLOSER, false},   {"]", SEP_CLOSER, false},    {")", SEP_CLOSER, false},
    {"」", SEP_CLOSER, false},   {"』", SEP_CLOSER, false},   {">", SEP_CLOSER, false},
    {"、", SEP_COMMA, false},    {",", SEP_COMMA, false},     {"は", SEP_PARTICLE, false},
    {"是", SEP_PARTICLE, false}, {"为", SEP_PARTICLE, false}, {"為", SEP_PARTICLE, false},
    {"는", SEP_PARTICLE, false}, {"은", SEP_PARTICLE, false}, {"คือ", SEP_PARTICLE, false},
};

/* "The password is", "Le mot de passe est", "Das Passwort lautet", ... */
static const char *const fillers[] = {
    "is",   "are", "was", "est", "ist",    "lautet", "es",  "é",  "è",   "será",
    "jest", "je",  "är",  "on",  "adalah", "là",     "это", "هي", "היא",
};

/* Quotes and brackets after NFKC (which folds （）［］＜＞｢｣ onto these). */
static const struct {
    gunichar open, close;
} pairs[] = {
    {0x300C, 0x300D}, {0x300E, 0x300F}, {0x3010, 0x3011}, {0x201C, 0x201D}, {0x201E, 0x201C},
    {0x2018, 0x2019}, {'"', '"'},       {'\'', '\''},     {'(', ')'},       {'[', ']'},
    {'<', '>'},       {0x3008, 0x3009}, {0x300A, 0x300B}, {0x3014, 0x3015}, {0x00AB, 0x00BB},
};

/* List bullets that may start the line holding the password. */
static const gunichar bullets[] = {0x30FB, 0x25A0, 0x25A1, 0x25CF, 0x25CB,
                                   0x25C6, 0x25C7, 0x2605, 0x2606, 0x203B,
                                   0x2192, 0x21D2, 0x25B6, 0x25BA, 0x2022};

/* ---- One line: sanitised, normalised, mapped back ---------------------- */

struct line {
    const char *san; /* valid UTF-8 without NUL: the raw line or san_buf's */
    size_t san_len;
    const char *norm; /* NFKC of san, NUL-terminated: norm_buf's bytes */
    size_t norm_len;
    const uint32_t *src; /* src[i]: offset in san of the cluster norm[i] came from;
                            src[norm_len] == san_len: src_buf's elements */
    /* Capped at what LINE_MAX_BYTES allows, so a cap cannot be reached
     * (line_init); were one reached, harvesting stops as out of memory. */
    struct sk_dynbuf san_buf, norm_buf, src_buf;
};

/* A value in a line's normalised text: [start, end) after trailing
 * punctuation was stripped, [start, full_end) before. */
struct span {
    size_t start, end, full_end;
};

static void line_init(struct line *l)
{
    *l = (struct line){0};
    sk_dynbuf_init(&l->san_buf, LINE_SAN_MAX);
    sk_dynbuf_init(&l->norm_buf, LINE_NORM_MAX);
    sk_dynbuf_init(&l->src_buf, (LINE_NORM_MAX + 1u) * sizeof *l->src);
}

static void line_free(struct line *l)
{
    sk_dynbuf_free(&l->san_buf);
    sk_dynbuf_free(&l->norm_buf);
    sk_dynbuf_free(&l->src_buf);
}

/* The character at s[i] of valid UTF-8 and its length in *n. The length is
 * re-checked against len so that a broken invariant cannot read past it. */
static gunichar char_at(const char *s, size_t len, size_t i, size_t *n)
{
    unsigned char b = (unsigned char)s[i];
    if (b < 0x80) {
        *n = 1;
        return b;
    }
    size_t k = (size_t)g_utf8_skip[b];
    if (k > len - i) {
        *n = 1;
        return 0xFFFD;
    }
    *n = k;
    return g_utf8_get_char(s + i);
}

static gunichar norm_at(const struct line *l, size_t i, size_t *n)
{
    return char_at(l->norm, l->norm_len, i, n);
}

/* Where the character ending at norm[end] starts (end > 0). */
static size_t start_before(const struct line *l, size_t end)
{
    size_t i = end - 1;
    while (i > 0 && end - i < 4 && ((unsigned char)l->norm[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* The character that ends just before norm[end] (end > 0). */
static gunichar norm_before(const struct line *l, size_t end)
{
    size_t n;
    return norm_at(l, start_before(l, end), &n);
}

/* Makes the raw bytes valid UTF-8: invalid bytes become U+FFFD (so no
 * candidate can hold them) and NUL a space (GLib stops at NUL). */
static int line_sanitise(struct line *l, const char *p, size_t n)
{
    const gchar *end;
    if (g_utf8_validate_len(p, n, &end)) {
        l->san = p;
        l->san_len = n;
        return 0;
    }
    sk_dynbuf_reset(&l->san_buf);
    void *room;
    int rc = sk_dynbuf_extend(&l->san_buf, 3 * n, &room);
    if (rc != 0)
        return rc;
    char *buf = room;
    size_t o = 0, i = 0;
    while (i < n) {
        g_utf8_validate_len(p + i, n - i, &end);
        size_t good = (size_t)(end - (p + i));
        memcpy(buf + o, p + i, good);
        o += good;
        i += good;
        if (i >= n)
            break;
        if (p[i] == '\0') {
            buf[o++] = ' ';
        } else {
            memcpy(buf + o, "\xef\xbf\xbd", 3);
            o += 3;
        }
        i++;
    }
    sk_dynbuf_truncate(&l->san_buf, o);
    l->san = buf;
    l->san_len = o;
    return 0;
}

/* A character that NFKC may fold into the one before it: combining marks,
 * the half-width voiced sound marks (ﾊﾟ → パ) and conjoining Hangul vowels and
 * finals. */
static bool joins_previous(gunichar c)
{
    return g_unichar_ismark(c) || g_unichar_combining_class(c) != 0 || c == 0xFF9E ||
           c == 0xFF9F || (c >= 0x1160 && c <= 0x11FF);
}

/* Ranges of characters each of which is its own NFKC form (checked against
 * GLib, code point by code point): Latin-1 and Latin Extended-A, Greek,
 * Cyrillic, Thai, Vietnamese, arrows, CJK punctuation, kana, CJK, Hangul,
 * U+FFFD. Alone in a cluster they skip GLib, which keeps prose fast. */
static const struct {
    gunichar first, last;
} nfkc_stable_ranges[] = {
    {0x00C0, 0x0131}, {0x03A3, 0x03CF}, {0x03FA, 0x0482}, {0x0E01, 0x0E30},
    {0x1E00, 0x1E99}, {0x2190, 0x222B}, {0x3001, 0x3029}, {0x3041, 0x3096},
    {0x30A0, 0x30FE}, {0x3400, 0xA48C}, {0xAC00, 0xD7A3}, {0xFFFD, 0xFFFD},
};

static bool nfkc_stable(gunichar c)
{
    if (c < 0x80)
        return true;
    for (size_t i = 0; i < sizeof nfkc_stable_ranges / sizeof nfkc_stable_ranges[0]; i++)
        if (c >= nfkc_stable_ranges[i].first && c <= nfkc_stable_ranges[i].last)
            return true;
    return false;
}

/* The end of the cluster starting at san[i]: one character and the marks
 * joining it, at most CLUSTER_MAX_MARKS of them. */
static size_t cluster_end(const struct line *l, size_t i, gunichar *first)
{
    size_t n;
    *first = char_at(l->san, l->san_len, i, &n);
    size_t end = i + n;
    for (unsigned marks = 0; end < l->san_len && marks < CLUSTER_MAX_MARKS; marks++) {
        if ((unsigned char)l->san[end] < 0x80)
            break;
        gunichar c = char_at(l->san, l->san_len, end, &n);
        if (!joins_previous(c))
            break;
        end += n;
    }
    return end;
}

/* Appends n bytes of NFKC output and, for each, where it came from. */
static int append_norm(struct line *l, const char *p, size_t n, size_t from)
{
    void *room;
    int rc = sk_dynbuf_extend(&l->src_buf, n * sizeof *l->src, &room);
    if (rc != 0)
        return rc;
    rc = sk_dynbuf_add(&l->norm_buf, p, n);
    if (rc != 0) {
        sk_dynbuf_truncate(&l->src_buf, l->src_buf.len - n * sizeof *l->src);
        return rc;
    }
    uint32_t *src = room;
    for (size_t k = 0; k < n; k++)
        src[k] = (uint32_t)from;
    l->norm = l->norm_buf.p;
    l->norm_len = l->norm_buf.len;
    l->src = (const uint32_t *)(void *)l->src_buf.p;
    return 0;
}

/* NFKC, cluster by cluster, recording where each output byte came from. */
static int line_normalise(struct line *l)
{
    sk_dynbuf_reset(&l->norm_buf);
    sk_dynbuf_reset(&l->src_buf);
    l->norm_len = 0;
    size_t i = 0;
    while (i < l->san_len) {
        gunichar first;
        size_t end = cluster_end(l, i, &first);
        size_t n = end - i;
        int rc;
        if (nfkc_stable(first) && n == (size_t)g_unichar_to_utf8(first, NULL)) {
            rc = append_norm(l, l->san + i, n, i);
        } else {
            /* An expansion past NFKC_MAX_GROWTH (ﷺ gives 18 characters) is
             * no password's; the cluster stays raw, bounding the line. */
            gchar *nf = g_utf8_normalize(l->san + i, (gssize)n, G_NORMALIZE_NFKC);
            size_t nf_len = nf ? strlen(nf) : 0;
            if (nf && nf_len <= NFKC_MAX_GROWTH * n)
                rc = append_norm(l, nf, nf_len, i);
            else
                rc = append_norm(l, l->san + i, n, i);
            g_free(nf);
        }
        if (rc)
            return rc;
        i = end;
    }
    uint32_t end = (uint32_t)l->san_len; /* src[norm_len]; norm_buf keeps its NUL */
    int rc = sk_dynbuf_add(&l->norm_buf, "", 0);
    if (rc == 0)
        rc = sk_dynbuf_add(&l->src_buf, &end, sizeof end);
    if (rc != 0)
        return rc;
    l->norm = l->norm_buf.p;
    l->src = (const uint32_t *)(void *)l->src_buf.p;
    return 0;
}

static int line_load(struct line *l, const char *p, size_t n)
{
    int rc = line_sanitise(l, p, n);
    return rc ? rc : line_normalise(l);
}

/* The raw bytes behind norm[a..b): whole clusters, so a token that ends
 * inside a cluster's expansion takes the whole cluster. */
static void raw_span(const struct line *l, size_t a, size_t b, size_t *ra, size_t *rb)
{
    uint32_t cluster = l->src[b - 1];
    while (b < l->norm_len && l->src[b] == cluster)
        b++;
    *ra = l->src[a];
    *rb = b < l->norm_len ? l->src[b] : l->san_len;
}

/* ---- Splitting text into lines ---------------------------------------- */

/* Where to cut a line longer than LINE_MAX_BYTES: after a space near the
 * limit, else at a character boundary, so a character is never split. */
static size_t cut_point(const char *text, size_t start, size_t limit)
{
    for (size_t i = limit; i > start && limit - i < LINE_CUT_SEARCH; i--)
        if (text[i - 1] == ' ' || text[i - 1] == '\t')
            return i;
    size_t i = limit;
    while (i > start + 1 && limit - i < 4 && ((unsigned char)text[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* The next line from *pos as [*start, *end), without its \n or \r. */
static bool next_line(const char *text, size_t len, size_t *pos, size_t *start, size_t *end)
{
    size_t s = *pos;
    if (s >= len)
        return false;
    size_t limit = len - s > LINE_MAX_BYTES ? s + LINE_MAX_BYTES : len;
    size_t e = s;
    while (e < limit && text[e] != '\n' && text[e] != '\r')
        e++;
    if (e < limit) {
        *pos = e + 1;
    } else if (limit == len) {
        *pos = len;
    } else {
        e = cut_point(text, s, limit);
        *pos = e;
    }
    *start = s;
    *end = e;
    return true;
}

/* True when the raw line holds only spaces: ASCII, U+3000 or U+00A0. */
static bool raw_blank(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char b = (unsigned char)p[i];
        if (b <= 0x20) {
            i++;
        } else if (b == 0xE3 && n - i >= 3 && memcmp(p + i, "\xe3\x80\x80", 3) == 0) {
            i += 3;
        } else if (b == 0xC2 && n - i >= 2 && (unsigned char)p[i + 1] == 0xA0) {
            i += 2;
        } else {
            return false;
        }
    }
    return true;
}

/* ---- Character classes ------------------------------------------------- */

static bool is_space(gunichar c)
{
    return c <= 0x20 || c == 0x7F || c == 0x200B || c == 0xFEFF ||
           (c >= 0x80 && g_unichar_isspace(c));
}

/* CJK, kana, Hangul and Thai: scripts written without spaces, so one of
 * them right after an ASCII token ends it ("Ab12です" → "Ab12"). */
static bool is_prose(gunichar c)
{
    return (c >= 0x0E00 && c <= 0x0E7F) || (c >= 0x1100 && c <= 0x11FF) ||
           (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
           (c >= 0xFF00 && c <= 0xFFEF) || (c >= 0x20000 && c <= 0x3FFFF);
}

/* A letter or digit of a script written with spaces between words (Latin,
 * Greek, Cyrillic): keywords in them must stand as whole words, so that
 * "pass" does not fire inside "passage" or "bypass". */
static bool is_spaced_word(gunichar c)
{
    return (c < 0x0590 || (c >= 0x1E00 && c < 0x2000)) && g_unichar_isalnum(c);
}

/* Punctuation stripped from the ends of a token. */
static bool is_edge_punct(gunichar c)
{
    if (c < 0x80)
        return c != 0 && strchr(".,;:!?)]}>\"'([{<", (int)c) != NULL;
    return c == 0x201C || c == 0x201D || c == 0x201E || c == 0x2018 || c == 0x2019 ||
           c == 0x201A || c == 0x00AB || c == 0x00BB || c == 0x2026 || c == 0x00A1 ||
           c == 0x00BF || c == 0x3001 || c == 0x3002;
}

static gunichar closer_of(gunichar open)
{
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i].open == open)
            return pairs[i].close;
    return 0;
}

static bool is_ascii_quote(gunichar c)
{
    return c == '"' || c == '\'';
}

static bool is_bullet(gunichar c)
{
    for (size_t i = 0; i < sizeof bullets / sizeof bullets[0]; i++)
        if (bullets[i] == c)
            return true;
    return false;
}

/* ---- Scanning a normalised line ---------------------------------------- */

static size_t skip_spaces(const struct line *l, size_t at)
{
    size_t n;
    while (at < l->norm_len && is_space(norm_at(l, at, &n)))
        at += n;
    return at;
}

/* Case-insensitive match of a lower-case word at norm[at]; its end or 0. */
static size_t match_word(const struct line *l, size_t at, const char *word)
{
    const char *w = word;
    while (*w) {
        if (at >= l->norm_len)
            return 0;
        size_t n;
        if (g_unichar_tolower(norm_at(l, at, &n)) != g_utf8_get_char(w))
            return 0;
        at += n;
        w = g_utf8_next_char(w);
    }
    return at;
}

/* Whether a keyword found at [at, end) stands as a whole word where its
 * script needs one. */
static bool keyword_bounded(const struct line *l, size_t at, size_t end, gunichar prev)
{
    size_t n;
    if (is_spaced_word(norm_at(l, at, &n)) && is_spaced_word(prev))
        return false;
    if (end < l->norm_len && is_spaced_word(norm_before(l, end)) &&
        is_spaced_word(norm_at(l, end, &n)))
        return false;
    return true;
}

/* The end of the longest keyword at norm[at], or 0. first_byte filters on
 * the lower-cased character's first UTF-8 byte before any comparison. */
static size_t keyword_at(const bool *first_byte, const struct line *l, size_t at, gunichar c,
                         gunichar prev)
{
    gchar lower[8];
    g_unichar_to_utf8(g_unichar_tolower(c), lower);
    if (!first_byte[(unsigned char)lower[0]])
        return 0;
    size_t best = 0;
    for (size_t k = 0; k < N_KEYWORDS; k++) {
        if (keywords[k][0] != lower[0])
            continue;
        size_t end = match_word(l, at, keywords[k]);
        if (end > best && keyword_bounded(l, at, end, prev))
            best = end;
    }
    return best;
}

/* The separator at norm[at] (its end, and its kind in *kind), or 0. */
static size_t match_separator(const struct line *l, size_t at, enum separator_kind *kind)
{
    for (size_t i = 0; i < sizeof separators / sizeof separators[0]; i++) {
        const struct separator *sep = &separators[i];
        size_t n = strlen(sep->text), m;
        if (at > l->norm_len || l->norm_len - at < n || memcmp(l->norm + at, sep->text, n))
            continue;
        if (sep->needs_space && at + n < l->norm_len && !is_space(norm_at(l, at + n, &m)))
            continue;
        *kind = sep->kind;
        return at + n;
    }
    return 0;
}

/* A filler word ("is", "est", ...) at norm[at] standing as a word: its end. */
static size_t match_filler(const struct line *l, size_t at)
{
    for (size_t i = 0; i < sizeof fillers / sizeof fillers[0]; i++) {
        size_t end = match_word(l, at, fillers[i]);
        size_t n;
        if (end && (end == l->norm_len || !g_unichar_isalnum(norm_at(l, end, &n))))
            return end;
    }
    return 0;
}

enum { SEEN_ANY = 1, SEEN_HARD = 2 };

/* Skips what joins a keyword to its value: spaces, separators, closing
 * brackets (【パスワード】), and particles or verbs ("は", "is") unless a hard
 * separator came first (so "PW: is" keeps "is"). *seen gets SEEN_* bits. */
static size_t skip_separators(const struct line *l, size_t at, unsigned *seen)
{
    *seen = 0;
    for (unsigned round = 0; round < SEPARATOR_ROUNDS; round++) {
        at = skip_spaces(l, at);
        enum separator_kind kind;
        size_t next = match_separator(l, at, &kind);
        if (next && kind == SEP_PARTICLE && (*seen & SEEN_HARD))
            next = 0;
        if (next)
            *seen |= kind == SEP_HARD ? SEEN_HARD : 0u;
        else if (!(*seen & SEEN_HARD))
            next = match_filler(l, at);
        if (!next)
            break;
        *seen |= SEEN_ANY;
        at = next;
    }
    return skip_spaces(l, at);
}

/* If a quote or bracket opens at norm[at] and closes within max bytes, sets
 * *inner to its contents without surrounding spaces and returns the offset
 * after the closer; else 0. */
static size_t bracketed(const struct line *l, size_t at, size_t max, struct span *inner)
{
    if (at >= l->norm_len)
        return 0;
    size_t n;
    gunichar close = closer_of(norm_at(l, at, &n));
    if (!close)
        return 0;
    size_t from = at + n;
    for (size_t i = from; i < l->norm_len && i - from <= max; i += n) {
        if (norm_at(l, i, &n) != close)
            continue;
        size_t a = skip_spaces(l, from), b = i;
        while (b > a && is_space(norm_before(l, b)))
            b = start_before(l, b);
        inner->start = a;
        inner->end = inner->full_end = b;
        return i + n;
    }
    return 0;
}

/* Drops trailing punctuation from norm[start..end). */
static size_t strip_trailing(const struct line *l, size_t start, size_t end)
{
    while (end > start && is_edge_punct(norm_before(l, end)))
        end = start_before(l, end);
    return end;
}

static size_t skip_bullets(const struct line *l, size_t at)
{
    for (unsigned round = 0; round < 4; round++) {
        at = skip_spaces(l, at);
        if (at >= l->norm_len)
            break;
        size_t n, m;
        gunichar c = norm_at(l, at, &n);
        bool ascii_bullet = (c == '-' || c == '*' || c == '>') && at + n < l->norm_len &&
                            is_space(norm_at(l, at + n, &m));
        if (!is_bullet(c) && !ascii_bullet)
            break;
        at += n;
    }
    return at;
}

enum value_kind { VALUE_FOUND, VALUE_END, VALUE_PROSE, VALUE_BAD };

/* Reads the value at norm[at]: a bracketed string (which may hold spaces),
 * else a token up to a space or the first CJK/Thai character. VALUE_END
 * when the line has nothing more, VALUE_PROSE when it goes on in CJK/Thai
 * prose, VALUE_BAD when empty or longer than PW_MAX_BYTES. */
static enum value_kind read_value(const struct line *l, size_t at, struct span *v)
{
    at = skip_spaces(l, at);
    if (at >= l->norm_len)
        return VALUE_END;
    if (bracketed(l, at, PW_MAX_BYTES, v))
        return v->end > v->start ? VALUE_FOUND : VALUE_BAD;
    size_t n;
    gunichar c = norm_at(l, at, &n);
    if (is_prose(c))
        return VALUE_PROSE;
    if (closer_of(c)) /* an opener without its closer: not part of the value */
        at += n;
    size_t end = at;
    while (end < l->norm_len) {
        c = norm_at(l, end, &n);
        if (is_space(c) || is_prose(c))
            break;
        end += n;
        if (end - at > PW_MAX_BYTES)
            return VALUE_BAD;
    }
    v->start = at;
    v->full_end = end;
    v->end = strip_trailing(l, at, end);
    return v->end > v->start ? VALUE_FOUND : VALUE_BAD;
}

/* ---- The harvest ------------------------------------------------------- */

struct seen_entry {
    uint64_t hash;
    size_t len;
    char *value;
};

/* The values emitted so far (open addressing, at most half full). */
struct seen {
    struct seen_entry *slot;
    size_t cap, count;
};

struct harvest {
    const char *text;
    size_t len;
    const char *where;
    const struct sk_password_rules *rules;
    size_t max, count;
    sk_password_emit emit;
    void *ctx;
    int rc;
    bool stop;
    struct seen seen;
    bool first_byte[256]; /* first bytes of the keywords */
    struct line cur, ahead;
    size_t after_cur; /* text offset after the current line */
    enum { AHEAD_UNKNOWN, AHEAD_NONE, AHEAD_LOADED } ahead_state;
};

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

static int seen_grow(struct seen *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    struct seen_entry *slot = calloc(cap, sizeof *slot);
    if (!slot)
        return SK_ENOMEM;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slot[i].value)
            continue;
        size_t j = (size_t)s->slot[i].hash & (cap - 1);
        while (slot[j].value)
            j = (j + 1) & (cap - 1);
        slot[j] = s->slot[i];
    }
    free(s->slot);
    s->slot = slot;
    s->cap = cap;
    return 0;
}

/* Adds a value: 1 if it is new, 0 if it was seen, or SK_ENOMEM. */
static int seen_add(struct seen *s, const char *v, size_t n)
{
    if ((s->count + 1) * 2 > s->cap && seen_grow(s))
        return SK_ENOMEM;
    uint64_t h = fnv1a(v, n);
    size_t j = (size_t)h & (s->cap - 1);
    for (; s->slot[j].value; j = (j + 1) & (s->cap - 1))
        if (s->slot[j].hash == h && s->slot[j].len == n && memcmp(s->slot[j].value, v, n) == 0)
            return 0;
    char *copy = malloc(n + 1);
    if (!copy)
        return SK_ENOMEM;
    memcpy(copy, v, n);
    copy[n] = '\0';
    s->slot[j] = (struct seen_entry){h, n, copy};
    s->count++;
    return 1;
}

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slot[i].value);
    free(s->slot);
}

/* A candidate must be 1..PW_MAX_BYTES bytes without control characters or
 * U+FFFD (what invalid input became). */
static bool candidate_ok(const char *v, size_t n)
{
    if (n == 0 || n > PW_MAX_BYTES)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)v[i];
        if (b < 0x20 || b == 0x7F)
            return false;
        if (b == 0xEF && n - i >= 3 && memcmp(v + i, "\xef\xbf\xbd", 3) == 0)
            return false;
    }
    return true;
}

static void fail(struct harvest *h, int rc)
{
    h->rc = rc;
    h->stop = true;
}

/* Emits one value unless seen before; stops at the budget or on request. */
static void offer(struct harvest *h, const char *v, size_t n, const char *source,
                  enum sk_pw_tier tier)
{
    if (h->stop || !candidate_ok(v, n))
        return;
    int added = seen_add(&h->seen, v, n);
    if (added < 0) {
        fail(h, added);
        return;
    }
    if (!added)
        return;
    h->count++;
    int rc = h->emit(h->ctx, v, n, source, tier);
    if (rc)
        fail(h, rc);
    else if (h->count >= h->max)
        h->stop = true;
}

/* The normalised form first, then the raw form when it differs. */
static void offer_pair(struct harvest *h, const char *norm, size_t nn, const char *raw,
                       size_t rn, const char *source, enum sk_pw_tier tier)
{
    offer(h, norm, nn, source, tier);
    if (rn != nn || memcmp(norm, raw, nn) != 0)
        offer(h, raw, rn, source, tier);
}

static void offer_span(struct harvest *h, const struct line *l, size_t a, size_t b,
                       const char *source, enum sk_pw_tier tier)
{
    if (b <= a)
        return;
    size_t ra, rb;
    raw_span(l, a, b, &ra, &rb);
    offer_pair(h, l->norm + a, b - a, l->san + ra, rb - ra, source, tier);
}

/* A keyword's value; then, for passwords such as "Welcome1!", the value with
 * its trailing punctuation. */
static void offer_value(struct harvest *h, const struct line *l, const struct span *v)
{
    offer_span(h, l, v->start, v->end, h->where, SK_PW_TIER_KEYWORD);
    if (v->full_end > v->end)
        offer_span(h, l, v->start, v->full_end, h->where, SK_PW_TIER_KEYWORD);
}

static bool load(struct harvest *h, struct line *l, size_t start, size_t end)
{
    int rc = line_load(l, h->text + start, end - start);
    if (rc)
        fail(h, rc == SK_ELIMIT ? SK_ENOMEM : rc); /* a line buffer's cap: see struct line */
    return rc == 0;
}

/* ---- Tier KEYWORD: values next to a keyword ---------------------------- */

struct keyword_match {
    size_t start, end;
};

static size_t find_keywords(const struct harvest *h, const struct line *l,
                            struct keyword_match *out, size_t max)
{
    size_t count = 0, i = 0;
    gunichar prev = ' ';
    while (i < l->norm_len && count < max) {
        size_t n;
        gunichar c = norm_at(l, i, &n);
        size_t end = keyword_at(h->first_byte, l, i, c, prev);
        if (end) {
            out[count++] = (struct keyword_match){i, end};
            prev = norm_before(l, end);
            i = end;
        } else {
            prev = c;
            i += n;
        }
    }
    return count;
}

/* The first non-blank line after the current one, normalised once per
 * current line however many keywords ask for it. */
static const struct line *lookahead(struct harvest *h)
{
    if (h->ahead_state == AHEAD_UNKNOWN) {
        h->ahead_state = AHEAD_NONE;
        size_t pos = h->after_cur, s, e;
        for (unsigned i = 0; i < LOOKAHEAD_LINES && next_line(h->text, h->len, &pos, &s, &e);
             i++) {
            if (raw_blank(h->text + s, e - s))
                continue;
            if (load(h, &h->ahead, s, e))
                h->ahead_state = AHEAD_LOADED;
            break;
        }
    }
    return h->ahead_state == AHEAD_LOADED ? &h->ahead : NULL;
}

/* The value that opens the next line; a line that opens with a keyword of
 * its own ("Password: x") is left to that keyword. */
static void next_line_value(struct harvest *h)
{
    const struct line *l = lookahead(h);
    if (!l)
        return;
    size_t at = skip_spaces(l, skip_bullets(l, 0)), n;
    if (at < l->norm_len && keyword_at(h->first_byte, l, at, norm_at(l, at, &n), ' '))
        return;
    struct span v;
    if (read_value(l, at, &v) == VALUE_FOUND)
        offer_value(h, l, &v);
}

/* "Password (case sensitive): x", "パスワード（半角）：x", "パスワード（半角） x":
 * parentheses right after the keyword annotate it when a separator follows
 * them or they hold CJK prose; skip them. Quotes are not annotations:
 * "パスワード「x」は" holds the value. */
static size_t skip_annotation(const struct line *l, size_t at)
{
    struct span inner;
    size_t open = skip_spaces(l, at), n;
    if (open >= l->norm_len)
        return at;
    gunichar c = norm_at(l, open, &n);
    size_t after = c == '(' || c == '[' ? bracketed(l, open, PW_MAX_BYTES, &inner) : 0;
    if (!after)
        return at;
    if (inner.end > inner.start && is_prose(norm_at(l, inner.start, &n)))
        return after;
    enum separator_kind kind;
    size_t sep = match_separator(l, skip_spaces(l, after), &kind);
    return sep && (kind == SEP_HARD || kind == SEP_PARTICLE) ? after : at;
}

/* "Password for the attached file is x", "Contraseña del archivo: x": up to
 * BRIDGE_MAX_WORDS words of letters, then a hard separator or a verb. The
 * separator's offset, or NOT_FOUND. */
static size_t find_bridge(const struct line *l, size_t at)
{
    for (unsigned words = 0; words <= BRIDGE_MAX_WORDS; words++) {
        at = skip_spaces(l, at);
        enum separator_kind kind;
        if ((match_separator(l, at, &kind) && kind == SEP_HARD) || match_filler(l, at))
            return at;
        size_t start = at, n;
        while (at < l->norm_len && g_unichar_isalpha(norm_at(l, at, &n)) &&
               !is_prose(norm_at(l, at, &n)))
            at += n;
        if (at == start || (at < l->norm_len && !is_space(norm_at(l, at, &n)) &&
                            !match_separator(l, at, &kind)))
            return NOT_FOUND;
    }
    return NOT_FOUND;
}

/* "パスワードは以下です：x": prose, then a colon, a little further on. */
static size_t prose_then_colon(const struct line *l, size_t at)
{
    size_t start = at, n;
    while (at < l->norm_len && at - start < PROSE_SCAN_BYTES) {
        gunichar c = norm_at(l, at, &n);
        if (c == ':' || c == '=')
            return at + n;
        if (!is_prose(c) && !is_space(c))
            break;
        at += n;
    }
    return NOT_FOUND;
}

/* Words that follow a keyword without a separator but are not its value
 * ("Please pass the salt", "Password will be sent separately"). */
static const char *const not_values[] = {
    "the",  "a",    "an",   "to",   "for",   "of",    "and",       "or",       "in",
    "at",   "by",   "with", "from", "will",  "has",   "have",      "had",      "be",
    "been", "were", "not",  "sent", "reset", "below", "protected", "required", "please",
};

static bool is_not_value(const struct line *l, const struct span *v)
{
    for (size_t i = 0; i < sizeof not_values / sizeof not_values[0]; i++)
        if (match_word(l, v->start, not_values[i]) == v->end)
            return true;
    return false;
}

/* "パスワード：さくら": CJK prose after a hard separator may be the password
 * itself; offered after the next line's value, and only when short. */
static void offer_prose(struct harvest *h, const struct line *l, size_t at)
{
    size_t end = at, n;
    while (end < l->norm_len && end - at <= PROSE_VALUE_MAX_BYTES &&
           !is_space(norm_at(l, end, &n)))
        end += n;
    if (end - at > PROSE_VALUE_MAX_BYTES)
        return;
    struct span v = {at, strip_trailing(l, at, end), 0};
    v.full_end = v.end; /* prose punctuation is never part of the value */
    offer_value(h, l, &v);
}

/* Prose follows the keyword: look a little further on the line for a
 * colon, else at the next line, and keep the prose itself as a last resort. */
static void prose_value(struct harvest *h, const struct line *l, size_t at, unsigned seen)
{
    struct span v;
    unsigned colon_seen;
    size_t colon = prose_then_colon(l, at);
    if (colon != NOT_FOUND &&
        read_value(l, skip_separators(l, colon, &colon_seen), &v) == VALUE_FOUND) {
        offer_value(h, l, &v);
        return;
    }
    next_line_value(h);
    if (seen & SEEN_HARD)
        offer_prose(h, l, at);
}

/* The value for the keyword ending at kw_end. `later` says another keyword
 * follows on the line: then prose after this one ("解凍用パスワード") defers
 * to it instead of looking at the next line. */
static void keyword_value(struct harvest *h, const struct line *l, size_t kw_end, bool later)
{
    unsigned seen;
    size_t at = skip_separators(l, skip_annotation(l, kw_end), &seen);
    if (!seen && at < l->norm_len) {
        size_t bridge = find_bridge(l, at);
        if (bridge != NOT_FOUND)
            at = skip_separators(l, bridge, &seen);
    }
    struct span v;
    switch (read_value(l, skip_bullets(l, at), &v)) {
    case VALUE_FOUND:
        if (seen || !is_not_value(l, &v))
            offer_value(h, l, &v);
        return;
    case VALUE_END: next_line_value(h); return;
    case VALUE_BAD: return;
    case VALUE_PROSE:
        if (!later)
            prose_value(h, l, at, seen);
        return;
    }
}

static void keyword_pass(struct harvest *h)
{
    size_t pos = 0, start, end;
    while (!h->stop && next_line(h->text, h->len, &pos, &start, &end)) {
        if (!load(h, &h->cur, start, end))
            return;
        h->after_cur = pos;
        h->ahead_state = AHEAD_UNKNOWN;
        struct keyword_match found[KEYWORDS_PER_LINE];
        size_t n = find_keywords(h, &h->cur, found, KEYWORDS_PER_LINE);
        for (size_t i = 0; i < n && !h->stop; i++)
            keyword_value(h, &h->cur, found[i].end, i + 1 < n);
    }
}

/* ---- Tier KEYWORD, source "rule": operator rules ----------------------- */

struct password_rule {
    pcre2_code *code;
    uint32_t group; /* the PASSWORD group: one after BEFORE's groups */
};

struct sk_password_rules {
    struct password_rule *rule;
    size_t count;
    uint32_t max_group;
};

static void offer_capture(struct harvest *h, const char *v, size_t n)
{
    if (n == 0 || n > PW_MAX_BYTES)
        return;
    gchar *nf = g_utf8_validate_len(v, n, NULL)
                    ? g_utf8_normalize(v, (gssize)n, G_NORMALIZE_NFKC)
                    : NULL;
    if (nf)
        offer_pair(h, nf, strlen(nf), v, n, "rule", SK_PW_TIER_KEYWORD);
    else
        offer(h, v, n, "rule", SK_PW_TIER_KEYWORD);
    g_free(nf);
}

/* Runs one rule over the whole text. Each call may start a match only in
 * the next RULE_WINDOW_BYTES (PCRE2's match limit counts per start
 * position), so the deadline is checked often. A limit hit gives up on its
 * window only. */
static void run_rule(struct harvest *h, const struct password_rule *rule,
                     pcre2_match_context *mctx, pcre2_match_data *md, uint64_t deadline)
{
    size_t start = 0;
    while (start <= h->len && !h->stop && sk_now_ns() < deadline) {
        size_t window = h->len - start > RULE_WINDOW_BYTES ? start + RULE_WINDOW_BYTES : h->len;
        pcre2_set_offset_limit(mctx, window);
        int rc = pcre2_match(rule->code, (PCRE2_SPTR)h->text, h->len, start, 0, md, mctx);
        size_t next = window + 1;
        if (rc >= 0) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            PCRE2_SIZE a = ov[2 * rule->group], b = ov[2 * rule->group + 1];
            if (a != PCRE2_UNSET && b != PCRE2_UNSET && b > a && b <= h->len)
                offer_capture(h, h->text + a, b - a);
            next = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
            if (next <= start)
                next = start + 1;
        }
        while (next < h->len && ((unsigned char)h->text[next] & 0xC0) == 0x80)
            next++;
        start = next;
    }
}

static void rules_pass(struct harvest *h)
{
    if (!h->rules || h->rules->count == 0)
        return;
    pcre2_match_context *mctx = pcre2_match_context_create(NULL);
    pcre2_match_data *md = pcre2_match_data_create(h->rules->max_group + 1, NULL);
    if (!mctx || !md) {
        fail(h, SK_ENOMEM);
        goto out;
    }
    pcre2_set_match_limit(mctx, RULE_MATCH_LIMIT);
    pcre2_set_depth_limit(mctx, RULE_DEPTH_LIMIT);
    pcre2_set_heap_limit(mctx, RULE_HEAP_LIMIT_KIB);
    uint64_t deadline = sk_now_ns() + RULE_BUDGET_NS;
    for (size_t i = 0; i < h->rules->count && !h->stop; i++)
        run_rule(h, &h->rules->rule[i], mctx, md, deadline);
out:
    pcre2_match_data_free(md);
    pcre2_match_context_free(mctx);
}

/* ---- Tier QUOTED ------------------------------------------------------- */

/* Not URLs, e-mail addresses, or dates, times and amounts. */
static bool looks_like_noise(const char *s, size_t n)
{
    if (memmem(s, n, "://", 3) || (n > 4 && g_ascii_strncasecmp(s, "www.", 4) == 0))
        return true;
    const char *at = memchr(s, '@', n);
    if (at && at > s && memchr(at, '.', n - (size_t)(at - s)))
        return true;
    bool separator = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] && strchr("/-.:,", s[i]))
            separator = true;
        else if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return separator;
}

/* Straight quotes pair only at word edges, so "don't" and "it's" do not. */
static bool quote_edges_ok(const struct line *l, size_t after, gunichar prev)
{
    size_t n;
    if (g_unichar_isalnum(prev))
        return false;
    return after >= l->norm_len || !g_unichar_isalnum(norm_at(l, after, &n));
}

static void quoted_line(struct harvest *h, const struct line *l)
{
    gunichar prev = ' ';
    size_t i = 0, n;
    while (i < l->norm_len && !h->stop) {
        gunichar c = norm_at(l, i, &n);
        struct span in;
        size_t after = closer_of(c) ? bracketed(l, i, QUOTED_MAX_BYTES, &in) : 0;
        if (after && (!is_ascii_quote(c) || quote_edges_ok(l, after, prev)) &&
            in.end > in.start && !looks_like_noise(l->norm + in.start, in.end - in.start))
            offer_span(h, l, in.start, in.end, "quoted", SK_PW_TIER_QUOTED);
        prev = c;
        i += n;
    }
}

static void quoted_pass(struct harvest *h)
{
    size_t pos = 0, start, end;
    while (!h->stop && next_line(h->text, h->len, &pos, &start, &end))
        if (load(h, &h->cur, start, end))
            quoted_line(h, &h->cur);
}

/* ---- Tier TOKEN -------------------------------------------------------- */

/* Tokens are runs of characters that are neither spaces nor CJK/Thai prose,
 * trimmed of punctuation at both ends. */
static void token_line(struct harvest *h, const struct line *l)
{
    size_t i = 0, n;
    while (i < l->norm_len && !h->stop) {
        gunichar c = norm_at(l, i, &n);
        if (is_space(c) || is_prose(c)) {
            i += n;
            continue;
        }
        size_t a = i;
        while (i < l->norm_len && !is_space(c = norm_at(l, i, &n)) && !is_prose(c))
            i += n;
        size_t b = strip_trailing(l, a, i);
        while (a < b && is_edge_punct(norm_at(l, a, &n)))
            a += n;
        if (b - a >= TOKEN_MIN_BYTES && b - a <= TOKEN_MAX_BYTES &&
            !looks_like_noise(l->norm + a, b - a))
            offer_span(h, l, a, b, "token", SK_PW_TIER_TOKEN);
    }
}

static void token_pass(struct harvest *h)
{
    size_t pos = 0, start, end;
    while (!h->stop && next_line(h->text, h->len, &pos, &start, &end))
        if (load(h, &h->cur, start, end))
            token_line(h, &h->cur);
}

int sk_harvest_passwords(const char *text, size_t len, const char *where,
                         const struct sk_password_rules *rules, size_t max_candidates,
                         sk_password_emit emit, void *ctx)
{
    if (!text || !emit || max_candidates == 0)
        return 0;
    struct harvest h = {
        .text = text,
        .len = len,
        .where = where ? where : "body",
        .rules = rules,
        .max = max_candidates,
        .emit = emit,
        .ctx = ctx,
    };
    for (size_t k = 0; k < N_KEYWORDS; k++)
        h.first_byte[(unsigned char)keywords[k][0]] = true;
    line_init(&h.cur);
    line_init(&h.ahead);
    keyword_pass(&h);
    if (!h.stop)
        rules_pass(&h);
    if (!h.stop)
        quoted_pass(&h);
    if (!h.stop)
        token_pass(&h);
    line_free(&h.cur);
    line_free(&h.ahead);
    seen_free(&h.seen);
    return h.rc;
}

/* ---- Loading operator rules -------------------------------------------- */

#define RULE_OPTIONS                                                                           \
    (PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | PCRE2_MULTILINE |                       \
     PCRE2_USE_OFFSET_LIMIT | PCRE2_NEVER_BACKSLASH_C)

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen,
                                                          const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void sk_password_rules_free(struct sk_password_rules *rules)
{
    if (!rules)
        return;
    for (size_t i = 0; i < rules->count; i++)
        pcre2_code_free(rules->rule[i].code);
    free(rules->rule);
    free(rules);
}

/* Compiles `(?:pattern)` alone: to report BEFORE's errors by name and to
 * count its groups, which come before the PASSWORD group. */
static int count_groups(const char *pattern, uint32_t *groups, int lineno, char *err,
                        size_t errlen)
{
    *groups = 0;
    if (!*pattern)
        return 0;
    size_t n = strlen(pattern);
    char *wrapped = malloc(n + 5);
    if (!wrapped)
        return SK_ENOMEM;
    snprintf(wrapped, n + 5, "(?:%s)", pattern);
    int code;
    PCRE2_SIZE offset;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)wrapped, PCRE2_ZERO_TERMINATED, RULE_OPTIONS,
                                   &code, &offset, NULL);
    free(wrapped);
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        set_err(err, errlen, "line %d: BEFORE: %s", lineno, (const char *)msg);
        return SK_EINVAL;
    }
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, groups);
    pcre2_code_free(re);
    return 0;
}

static int compile_rule(char *const field[3], int lineno, struct password_rule *rule, char *err,
                        size_t errlen)
{
    int rc = count_groups(field[0], &rule->group, lineno, err, errlen);
    if (rc)
        return rc;
    rule->group++;
    size_t lens[3] = {strlen(field[0]), strlen(field[1]), strlen(field[2])};
    size_t size = lens[0] + lens[1] + lens[2] + 16;
    char *pattern = malloc(size);
    if (!pattern)
        return SK_ENOMEM;
    snprintf(pattern, size, "(?:%s)(%s)(?:%s)", field[0], field[1], field[2]);
    int code;
    PCRE2_SIZE offset;
    rule->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, RULE_OPTIONS, &code,
                               &offset, NULL);
    free(pattern);
    if (!rule->code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        const char *which = offset <= lens[0] + 4             ? "BEFORE"
                            : offset <= lens[0] + lens[1] + 6 ? "PASSWORD"
                                                              : "AFTER";
        set_err(err, errlen, "line %d: %s: %s", lineno, which, (const char *)msg);
        return SK_EINVAL;
    }
    return 0;
}

/* Splits a rule line at tabs into BEFORE, PASSWORD and (optional) AFTER. */
static int split_rule(char *line, char *field[3], int lineno, char *err, size_t errlen)
{
    field[0] = line;
    field[1] = strchr(line, '\t');
    field[2] = field[1] ? strchr(field[1] + 1, '\t') : NULL;
    if (!field[1] || (field[2] && strchr(field[2] + 1, '\t'))) {
        set_err(err, errlen, "line %d: expected BEFORE<TAB>PASSWORD<TAB>AFTER", lineno);
        return SK_EINVAL;
    }
    *field[1]++ = '\0';
    if (field[2])
        *field[2]++ = '\0';
    else
        field[2] = field[1] + strlen(field[1]);
    if (!*field[1]) {
        set_err(err, errlen, "line %d: the PASSWORD field is empty", lineno);
        return SK_EINVAL;
    }
    return 0;
}

static int add_rule(struct sk_password_rules *rules, char *line, int lineno, char *err,
                    size_t errlen)
{
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
        return 0;
    if (rules->count >= RULES_MAX) {
        set_err(err, errlen, "line %d: more than %u rules", lineno, RULES_MAX);
        return SK_EINVAL;
    }
    char *field[3];
    struct password_rule rule = {0};
    int rc = split_rule(line, field, lineno, err, errlen);
    if (!rc)
        rc = compile_rule(field, lineno, &rule, err, errlen);
    if (rc)
        return rc;
    struct password_rule *grown = realloc(rules->rule, (rules->count + 1) * sizeof *grown);
    if (!grown) {
        pcre2_code_free(rule.code);
        return SK_ENOMEM;
    }
    uint32_t groups = 0;
    pcre2_pattern_info(rule.code, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (groups > rules->max_group)
        rules->max_group = groups;
    rules->rule = grown;
    rules->rule[rules->count++] = rule;
    return 0;
}

/* Reads rules from f (NULL: none); name is for the read error message. */
static int password_rules_read(FILE *f, const char *name, struct sk_password_rules **out,
                               char *err, size_t errlen)
{
    int rc = 0;
    char *line = NULL;
    size_t cap = 0;
    *out = NULL;
    struct sk_password_rules *rules = calloc(1, sizeof *rules);
    if (!rules)
        return SK_ENOMEM;
    for (int lineno = 1; rc == 0 && f && getline(&line, &cap, f) >= 0; lineno++)
        rc = add_rule(rules, line, lineno, err, errlen);
    if (rc == 0 && f && ferror(f)) {
        set_err(err, errlen, "%s: read error", name);
        rc = SK_EIO;
    }
    free(line);
    if (rc)
        sk_password_rules_free(rules);
    else
        *out = rules;
    return rc;
}

int sk_password_rules_load(const char *path, struct sk_password_rules **out, char *err,
                           size_t errlen)
{
    FILE *f = NULL;
    *out = NULL;
    if (path && !(f = fopen(path, "r"))) {
        set_err(err, errlen, "%s: cannot open password rules file", path);
        return SK_EIO;
    }
    int rc = password_rules_read(f, path, out, err, errlen);
    if (f)
        fclose(f);
    return rc;
}

int sk_password_rules_load_mem(const void *text, size_t len, struct sk_password_rules **out,
                               char *err, size_t errlen)
{
    FILE *f = NULL;
    *out = NULL;
    /* fmemopen reads the bytes in place, so the parser is the file's. */
    if (len > 0 && !(f = fmemopen((void *)text, len, "r")))
        return SK_ENOMEM;
    int rc = password_rules_read(f, "password rules", out, err, errlen);
    if (f)
        fclose(f);
    return rc;
}
