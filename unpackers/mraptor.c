/* mraptor's heuristic (oletools' mraptor.py 0.60: re_autoexec, re_write,
 * re_execute) as one linear pass over the words of VBA source.
 *
 * The regular expressions are matched word by word instead of with a regex
 * engine, so the cost is linear in the input whatever it holds:
 *   A  a word that starts with AutoOpen, Document_Open, Workbook_Open, ...
 *      (mraptor puts no \b after these), a word holding "_Click", "_Change",
 *      ... after at least one character (\w+_(?:Click|...)), or a word
 *      ending in "Auto_Ope" (mraptor's workaround for a BIFF bug);
 *   W  a whole word such as Kill or SaveToFile, "ADODB.Stream", or a line
 *      with the word Open followed later by Write/Append/Binary/Output/Random;
 *   X  a whole word such as Shell or CreateObject, or a line with the word
 *      Declare followed later by the word Lib.
 * Word characters are ASCII letters, digits, '_' and every byte >= 0x80 (the
 * UTF-8 of the letters Python's \w would take). " _" at the end of a line
 * continues it (olevba's vba_collapse_long_lines). */
#include "mraptor.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../engine/dynbuf.h"

struct keyword {
    const char *text;
    unsigned flag;
};

/* re_autoexec's fixed alternatives: a word that starts with one of these. */
static const struct keyword autoexec_prefixes[] = {
    {"AutoExec", 1},
    {"AutoOpen", 1},
    {"Auto_Open", 1},
    {"AutoClose", 1},
    {"Auto_Close", 1},
    {"AutoExit", 1},
    {"AutoNew", 1},
    {"DocumentOpen", 1},
    {"Document_Open", 1},
    {"Document_Close", 1},
    {"DocumentBeforeClose", 1},
    {"Document_BeforeClose", 1},
    {"DocumentChange", 1},
    {"Document_New", 1},
    {"NewDocument", 1},
    {"Workbook_Open", 1},
    {"Workbook_Activate", 1},
    {"Workbook_Close", 1},
    {"Workbook_BeforeClose", 1},
};

/* re_autoexec's \w+_(?:...): ActiveX and form events. */
static const char *const event_suffixes[] = {
    "Painted",
    "Painting",
    "GotFocus",
    "LostFocus",
    "MouseHover",
    "Layout",
    "Click",
    "Change",
    "Resize",
    "BeforeNavigate2",
    "BeforeScriptExecute",
    "DocumentComplete",
    "DownloadBegin",
    "DownloadComplete",
    "FileDownload",
    "NavigateComplete2",
    "NavigateError",
    "ProgressChange",
    "PropertyChange",
    "SetSecureLockIcon",
    "StatusTextChange",
    "TitleChange",
    "MouseMove",
    "MouseEnter",
    "MouseLeave",
    "OnConnecting",
};

/* re_write's and re_execute's whole words. */
static const struct keyword whole_words[] = {
    {"FileCopy", SK_MRAPTOR_WRITE},
    {"CopyFile", SK_MRAPTOR_WRITE},
    {"Kill", SK_MRAPTOR_WRITE},
    {"CreateTextFile", SK_MRAPTOR_WRITE},
    {"VirtualAlloc", SK_MRAPTOR_WRITE},
    {"RtlMoveMemory", SK_MRAPTOR_WRITE},
    {"URLDownloadToFile", SK_MRAPTOR_WRITE},
    {"URLDownloadToFileA", SK_MRAPTOR_WRITE},
    {"AltStartupPath", SK_MRAPTOR_WRITE},
    {"WriteProcessMemory", SK_MRAPTOR_WRITE},
    {"WriteText", SK_MRAPTOR_WRITE},
    {"SaveToFile", SK_MRAPTOR_WRITE},
    {"SaveAs", SK_MRAPTOR_WRITE},
    {"SaveAsRTF", SK_MRAPTOR_WRITE},
    {"FileSaveAs", SK_MRAPTOR_WRITE},
    {"MkDir", SK_MRAPTOR_WRITE},
    {"RmDir", SK_MRAPTOR_WRITE},
    {"SaveSetting", SK_MRAPTOR_WRITE},
    {"SetAttr", SK_MRAPTOR_WRITE},
    {"Shell", SK_MRAPTOR_EXECUTE},
    {"CreateObject", SK_MRAPTOR_EXECUTE},
    {"GetObject", SK_MRAPTOR_EXECUTE},
    {"SendKeys", SK_MRAPTOR_EXECUTE},
    {"Run", SK_MRAPTOR_EXECUTE},
    {"Call", SK_MRAPTOR_EXECUTE},
    {"MacScript", SK_MRAPTOR_EXECUTE},
    {"FollowHyperlink", SK_MRAPTOR_EXECUTE},
    {"CreateThread", SK_MRAPTOR_EXECUTE},
    {"ShellExecute", SK_MRAPTOR_EXECUTE},
    {"ShellExecuteA", SK_MRAPTOR_EXECUTE},
    {"ExecuteExcel4Macro", SK_MRAPTOR_EXECUTE},
    {"Exec", SK_MRAPTOR_EXECUTE},
    {"Register", SK_MRAPTOR_EXECUTE},
    {"SetTimer", SK_MRAPTOR_EXECUTE},
};

/* RE_OPEN_WRITE's second word. */
static const char *const open_modes[] = {"Write", "Append", "Binary", "Output", "Random"};

#define N_PREFIXES (sizeof autoexec_prefixes / sizeof autoexec_prefixes[0])
#define N_SUFFIXES (sizeof event_suffixes / sizeof event_suffixes[0])
#define N_WORDS (sizeof whole_words / sizeof whole_words[0])
#define N_MODES (sizeof open_modes / sizeof open_modes[0])

/* Canonical keywords get one bit each so that a keyword repeated a million
 * times costs one list lookup, not a million. */
enum {
    SEEN_PREFIX = 0,
    SEEN_WORD = SEEN_PREFIX + (int)N_PREFIXES,
    SEEN_ADODB = SEEN_WORD + (int)N_WORDS,
    SEEN_OPEN = SEEN_ADODB + 1,
    SEEN_DECLARE = SEEN_OPEN + (int)N_MODES,
    SEEN_AUTO_OPE,
    SEEN_COUNT
};

struct scan {
    const unsigned char *p;
    size_t len;
    unsigned flags;
    bool seen[SEEN_COUNT];
    unsigned event_lookups; /* event handler names looked up in the list */
    struct sk_dynbuf list; /* over the caller's keywords; p NULL: none wanted */
    /* the current line */
    bool line_open, line_declare;
    /* the previous word, for ADODB.Stream */
    size_t prev_start, prev_end;
    bool have_prev;
};

static bool is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c >= 0x80;
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Case-insensitive: do the n bytes at p equal the keyword's first n? */
static bool same(const unsigned char *p, const char *keyword, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower(p[i]) != lower((unsigned char)keyword[i]))
            return false;
    return true;
}

static bool word_is(const struct scan *s, size_t start, size_t end, const char *keyword)
{
    size_t n = strlen(keyword);
    return end - start == n && same(s->p + start, keyword, n);
}

/* Appends a keyword unless it is already listed or does not fit whole. */
static void note(struct scan *s, const char *text, size_t n)
{
    struct sk_dynbuf *list = &s->list;
    if (!list->p)
        return;
    for (size_t at = 0; at < list->len;) {
        size_t end = at;
        while (end < list->len && list->p[end] != ',')
            end++;
        if (end - at == n && memcmp(list->p + at, text, n) == 0)
            return;
        at = end + 1;
    }
    size_t before = list->len;
    int rc = before ? sk_dynbuf_add(list, ",", 1) : 0;
    if (rc == 0)
        rc = sk_dynbuf_add(list, text, n);
    if (rc != 0)
        sk_dynbuf_truncate(list, before);
}

static void hit(struct scan *s, int seen, unsigned flag, const char *text, size_t n)
{
    s->flags |= flag;
    if (s->seen[seen])
        return;
    s->seen[seen] = true;
    note(s, text, n);
}

/* \b\w+_(?:Click|...): some '_' after the word's first byte, then a suffix. */
static bool event_handler(struct scan *s, size_t start, size_t end)
{
    for (size_t k = start + 1; k < end; k++) {
        if (s->p[k] != '_')
            continue;
        if (k + 1 >= end || !is_word_byte(s->p[k + 1]) || s->p[k + 1] == '_')
            continue;
        for (size_t i = 0; i < N_SUFFIXES; i++) {
            if (lower(s->p[k + 1]) != lower((unsigned char)event_suffixes[i][0]))
                continue;
            size_t n = strlen(event_suffixes[i]);
            if (n <= end - k - 1 && same(s->p + k + 1, event_suffixes[i], n)) {
                size_t shown = k + 1 + n - start;
                s->flags |= SK_MRAPTOR_AUTOEXEC;
                /* Handlers have names of their own: list the distinct ones,
                 * but look the list up a bounded number of times. */
                if (s->event_lookups < 64) {
                    s->event_lookups++;
                    note(s, (const char *)s->p + start, shown < 64 ? shown : 64);
                }
                return true;
            }
        }
    }
    return false;
}

static void autoexec_word(struct scan *s, size_t start, size_t end)
{
    unsigned char first = lower(s->p[start]);
    /* every fixed name starts with a, d, n or w: most words skip the list */
    bool may = first == 'a' || first == 'd' || first == 'n' || first == 'w';
    for (size_t i = 0; may && i < N_PREFIXES; i++) {
        size_t n = strlen(autoexec_prefixes[i].text);
        if (n <= end - start && same(s->p + start, autoexec_prefixes[i].text, n)) {
            hit(s, SEEN_PREFIX + (int)i, SK_MRAPTOR_AUTOEXEC, autoexec_prefixes[i].text, n);
            return;
        }
    }
    if (event_handler(s, start, end))
        return;
    if (end - start >= 8 && same(s->p + end - 8, "Auto_Ope", 8))
        hit(s, SEEN_AUTO_OPE, SK_MRAPTOR_AUTOEXEC, "Auto_Ope", 8);
}

static void line_word(struct scan *s, size_t start, size_t end)
{
    if (s->line_open && end - start >= 5 && end - start <= 6) {
        for (size_t i = 0; i < N_MODES; i++) {
            if (word_is(s, start, end, open_modes[i])) {
                char text[24] = "Open ";
                memcpy(text + 5, open_modes[i], strlen(open_modes[i]) + 1);
                hit(s, SEEN_OPEN + (int)i, SK_MRAPTOR_WRITE, text, strlen(text));
            }
        }
    }
    if (s->line_declare && word_is(s, start, end, "Lib"))
        hit(s, SEEN_DECLARE, SK_MRAPTOR_EXECUTE, "Declare Lib", 11);
    /* After the checks: the second word must come later on the line. */
    if (word_is(s, start, end, "Open"))
        s->line_open = true;
    if (word_is(s, start, end, "Declare"))
        s->line_declare = true;
}

static void word(struct scan *s, size_t start, size_t end)
{
    autoexec_word(s, start, end);
    size_t n = end - start; /* the whole words are 3 to 18 bytes long */
    for (size_t i = 0; n >= 3 && n <= 18 && i < N_WORDS; i++) {
        if (word_is(s, start, end, whole_words[i].text)) {
            hit(s, SEEN_WORD + (int)i, whole_words[i].flag, whole_words[i].text,
                strlen(whole_words[i].text));
            break;
        }
    }
    if (s->have_prev && s->prev_end + 1 == start && s->p[s->prev_end] == '.' &&
        word_is(s, s->prev_start, s->prev_end, "ADODB") && word_is(s, start, end, "Stream"))
        hit(s, SEEN_ADODB, SK_MRAPTOR_WRITE, "ADODB.Stream", 12);
    line_word(s, start, end);
    s->prev_start = start;
    s->prev_end = end;
    s->have_prev = true;
}

/* At p[i] == '_' after a space and before a line break: the length of the
 * "_<break>" that olevba deletes, else 0. */
static size_t continuation(const struct scan *s, size_t i)
{
    if (s->p[i] != '_' || i == 0 || s->p[i - 1] != ' ' || i + 1 >= s->len)
        return 0;
    if (s->p[i + 1] == '\n')
        return 2;
    if (s->p[i + 1] == '\r')
        return i + 2 < s->len && s->p[i + 2] == '\n' ? 3 : 2;
    return 0;
}

unsigned sk_mraptor_scan(const char *src, size_t len, char *keywords, size_t keywords_len)
{
    struct scan s;
    memset(&s, 0, sizeof s);
    s.p = (const unsigned char *)src;
    s.len = src ? len : 0;
    if (keywords && keywords_len)
        sk_dynbuf_init_fixed(&s.list, keywords, keywords_len, strnlen(keywords, keywords_len - 1));
    size_t i = 0;
    while (i < s.len) {
        size_t skip = continuation(&s, i);
        if (skip) {
            i += skip; /* deleted: the line goes on, the space before stays */
            continue;
        }
        if (!is_word_byte(s.p[i])) {
            if (s.p[i] == '\n')
                s.line_open = s.line_declare = false;
            i++;
            continue;
        }
        size_t start = i;
        while (i < s.len && is_word_byte(s.p[i]))
            i++;
        word(&s, start, i);
    }
    return s.flags;
}
