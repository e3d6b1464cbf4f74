/* Windows scripts: JS/JSE, VBS/VBE, WSF, HTA, PS1, BAT/CMD, SCT.
 *
 * Spec: Windows Script Host (wscript/cscript run .js .jse .vbs .vbe .wsf
 * .wsh on a double click; mshta runs .hta; cmd runs .bat .cmd; scrobj
 * registers .sct); the Script Encoder's output ("#@~^", six base64
 * characters of length, "==", the encoded text, six characters of
 * checksum, "==^#~@"), whose substitution tables and escapes (@& LF, @# CR,
 * @* >, @! <, @$ @) are public knowledge (Mr Brownstone's scrdec, Didier
 * Stevens' decode-vbe.py); about_PowerShell_exe for -EncodedCommand.
 * Supports: the type by content (this file's bid: conservative markers) or
 * by name (one of SCRIPT_EXTENSIONS on a text, HTML or XML node); reason
 * dropper.script with the language and why; every encoded block decoded
 * into a child ("decoded_N.vbs", or .js for JScript.Encode), its length and
 * checksum checked (info); every -EncodedCommand argument decoded into a
 * child ("encoded_command_N.ps1"); in an HTA, HTML smuggling (html.c).
 * Refuses: UTF-16 scripts are typed and reported but not searched for
 * encoded blocks or commands (their text is YARA's with `wide` strings).
 * Limits: linear scans; decoded bytes through sk_unpack_append; a length
 * field from the input only bounds the scan, never an allocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/error.h"
#include "html.h"
#include "text_head.h"
#include "textcode.h"
#include "unpacker.h"

/* The screnc substitution: decoded = VBE_DECODE[pick][encoded byte], with
 * pick = VBE_PICK[index % 64] and index counting 7-bit characters. */
static const uint8_t VBE_DECODE[3][128] = {
    {
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x57, 0x4a, 0x0b, 0x0c,
        0x4a, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
        0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x2e, 0x47, 0x7a, 0x56, 0x42, 0x6a, 0x2f,
        0x26, 0x49, 0x41, 0x34, 0x32, 0x5b, 0x76, 0x72, 0x43, 0x38, 0x39, 0x70, 0x45,
        0x68, 0x71, 0x4f, 0x09, 0x62, 0x44, 0x23, 0x75, 0x4a, 0x7e, 0x4a, 0x5e, 0x40,
        0x77, 0x4a, 0x61, 0x5d, 0x22, 0x4b, 0x6f, 0x4e, 0x3b, 0x4c, 0x50, 0x67, 0x2a,
        0x7d, 0x74, 0x54, 0x2b, 0x2d, 0x2c, 0x30, 0x6e, 0x6b, 0x66, 0x35, 0x25, 0x21,
        0x64, 0x4d, 0x52, 0x63, 0x3f, 0x7b, 0x78, 0x29, 0x28, 0x73, 0x59, 0x33, 0x7f,
        0x6d, 0x55, 0x53, 0x7c, 0x3a, 0x5f, 0x65, 0x46, 0x58, 0x31, 0x69, 0x6c, 0x5a,
        0x48, 0x27, 0x5c, 0x3d, 0x24, 0x79, 0x37, 0x60, 0x51, 0x20, 0x36,
    },
    {
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x6e, 0x4c, 0x0b, 0x0c,
        0x4c, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
        0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x2d, 0x75, 0x52, 0x60, 0x71, 0x5e, 0x49,
        0x5c, 0x62, 0x7d, 0x29, 0x36, 0x20, 0x7c, 0x7a, 0x7f, 0x6b, 0x63, 0x33, 0x2b,
        0x68, 0x51, 0x66, 0x76, 0x31, 0x64, 0x54, 0x43, 0x4c, 0x3a, 0x4c, 0x7e, 0x4c,
        0x45, 0x2c, 0x2a, 0x74, 0x27, 0x37, 0x44, 0x79, 0x59, 0x2f, 0x6f, 0x26, 0x72,
        0x6a, 0x39, 0x7b, 0x3f, 0x38, 0x77, 0x67, 0x53, 0x47, 0x34, 0x78, 0x5d, 0x30,
        0x23, 0x5a, 0x5b, 0x6c, 0x48, 0x55, 0x70, 0x69, 0x2e, 0x4c, 0x21, 0x24, 0x4e,
        0x50, 0x09, 0x56, 0x73, 0x35, 0x61, 0x4b, 0x58, 0x3b, 0x57, 0x22, 0x6d, 0x4d,
        0x25, 0x28, 0x46, 0x4a, 0x32, 0x41, 0x3d, 0x5f, 0x4f, 0x42, 0x65,
    },
    {
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x7b, 0x41, 0x0b, 0x0c,
        0x41, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
        0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x32, 0x30, 0x21, 0x29, 0x5b, 0x38, 0x33,
        0x3d, 0x58, 0x3a, 0x35, 0x65, 0x39, 0x5c, 0x56, 0x73, 0x66, 0x4e, 0x45, 0x6b,
        0x62, 0x59, 0x78, 0x5e, 0x7d, 0x4a, 0x6d, 0x71, 0x41, 0x60, 0x41, 0x53, 0x40,
        0x42, 0x27, 0x48, 0x72, 0x75, 0x31, 0x37, 0x4d, 0x52, 0x22, 0x54, 0x6a, 0x47,
        0x64, 0x2d, 0x20, 0x7f, 0x2e, 0x4c, 0x5d, 0x7e, 0x6c, 0x6f, 0x79, 0x74, 0x43,
        0x26, 0x76, 0x25, 0x24, 0x2b, 0x28, 0x23, 0x41, 0x34, 0x09, 0x2a, 0x44, 0x3f,
        0x77, 0x3b, 0x55, 0x69, 0x61, 0x63, 0x50, 0x67, 0x51, 0x49, 0x4f, 0x46, 0x68,
        0x7c, 0x36, 0x70, 0x6e, 0x7a, 0x2f, 0x5f, 0x4b, 0x5a, 0x2c, 0x57,
    },
};

static const uint8_t VBE_PICK[64] = {
    0, 1, 2, 0, 1, 2, 1, 2, 2, 1, 2, 1, 0, 2, 1, 2, 0, 2, 1, 2, 0, 0,
    1, 2, 2, 1, 0, 2, 1, 2, 2, 1, 0, 0, 2, 1, 2, 1, 2, 0, 2, 0, 0, 1,
    2, 0, 2, 1, 0, 2, 1, 2, 0, 0, 1, 2, 2, 0, 0, 1, 2, 0, 2, 1,
};

struct language {
    const char *ext;  /* name ending, with the dot */
    const char *name; /* what info and the reason say */
};

static const struct language SCRIPT_EXTENSIONS[] = {
    {".js", "jscript"},      {".jse", "jscript.encode"},
    {".vbs", "vbscript"},    {".vbe", "vbscript.encode"},
    {".wsf", "wsf"},         {".wsh", "wsh"},
    {".hta", "hta"},         {".ps1", "powershell"},
    {".psm1", "powershell"}, {".bat", "batch"},
    {".cmd", "batch"},       {".sct", "scriptlet"},
};

enum phase { PHASE_ENCODED, PHASE_POWERSHELL, PHASE_SMUGGLING, PHASE_DONE };

struct script_state {
    const uint8_t *p;
    size_t n;
    enum phase phase;
    size_t pos;
    unsigned encoded, commands;
    bool hta;
    const char *decoded_ext; /* ".vbs" or ".js" */
    struct sk_smuggling smuggling;
    char name[64];
};

/* The language a name's ending says, or NULL. */
static const struct language *language_by_name(const char *name)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    for (size_t i = 0; dot && i < sizeof SCRIPT_EXTENSIONS / sizeof SCRIPT_EXTENSIONS[0]; i++)
        if (strcasecmp(dot, SCRIPT_EXTENSIONS[i].ext) == 0)
            return &SCRIPT_EXTENSIONS[i];
    return NULL;
}

static bool contains_ci(const uint8_t *p, size_t n, const char *word)
{
    size_t len = strlen(word), limit = n < 65536 ? n : 65536;
    for (size_t i = 0; i + len <= limit; i++)
        if ((p[i] | 0x20) == (word[0] | 0x20) &&
            strncasecmp((const char *)p + i, word, len) == 0)
            return true;
    return false;
}

/* The language by content: the markers the bid types a script by. */
static const char *language_by_content(const uint8_t *p, size_t n)
{
    if (contains_ci(p, n, "#@~^"))
        return contains_ci(p, n, "jscript.encode") ? "jscript.encode" : "vbscript.encode";
    if (contains_ci(p, n, "<HTA:APPLICATION"))
        return "hta";
    if (contains_ci(p, n, "<job") || contains_ci(p, n, "<package"))
        return "wsf";
    if (contains_ci(p, n, "@echo off"))
        return "batch";
    if (contains_ci(p, n, "#requires -"))
        return "powershell";
    if (contains_ci(p, n, "new ActiveXObject("))
        return "jscript";
    if (contains_ci(p, n, "CreateObject("))
        return "vbscript";
    return NULL;
}

/* --- the bid: a script by content -------------------------------------- */

#define SCRIPT_HEAD (64u * 1024u) /* where the markers below are looked for */
#define HTA_HEAD 4096u            /* where <HTA:APPLICATION is */
#define PROLOG_HEAD 1024u         /* where the first tag is */

/* `<tag` followed by white space, '>' or '/' (so <jobs> is not <job). */
static bool starts_tag(const struct sk_reader *w, size_t at, const char *tag)
{
    size_t len = strlen(tag);
    struct sk_reader r = *w;
    uint8_t c = sk_reader_u8_at(&r, (uint64_t)at + len);
    if (!sk_text_starts_ci(w, at, tag) || r.err)
        return false;
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/';
}

/* A WSF may open with an XML declaration before its <job> or <package>:
 * the offset of what follows it, or s. */
static size_t after_xml_prolog(const struct sk_reader *w, size_t s)
{
    if (!sk_text_starts_ci(w, s, "<?xml"))
        return s;
    struct sk_reader r = *w;
    const uint8_t *rest = sk_reader_at(&r, s, w->len - s);
    const uint8_t *close = rest ? memmem(rest, w->len - s, "?>", 2) : NULL;
    return close ? sk_reader_skip_space(w, s + (size_t)(close - rest) + 2) : s;
}

/* screnc's output: "#@~^", six base64 characters of length, then "==". Only
 * the first "#@~^" of the head is looked at. */
static bool has_encoded_block(const struct sk_reader *head)
{
    struct sk_reader r = *head;
    const uint8_t *p = sk_reader_at(&r, 0, head->len);
    const uint8_t *vbe = p ? memmem(p, head->len, "#@~^", 4) : NULL;
    return vbe && sk_reader_match(head, (size_t)(vbe - p) + 10, "==", 2);
}

/* The call a line whose first word (at s) is "set " (VBScript) or "var "
 * (JScript) makes to start a WScript object; NULL for any other line. */
static const char *wscript_call(const struct sk_reader *line, size_t s)
{
    if (sk_text_starts_ci(line, s, "set "))
        return "CreateObject(\"WScript.";
    if (sk_text_starts_ci(line, s, "var "))
        return "new ActiveXObject(\"WScript.";
    return NULL;
}

/* A line of the head that starts (after blanks) with "set " and holds
 * CreateObject("WScript., or with "var " and holds new
 * ActiveXObject("WScript. (case-insensitive): one pass over the lines. */
static bool has_wscript_line(const struct sk_reader *head)
{
    for (size_t at = 0; at < head->len;) {
        struct sk_reader r = *head;
        const uint8_t *rest = sk_reader_at(&r, at, head->len - at);
        if (!rest)
            break;
        const uint8_t *eol = memchr(rest, '\n', head->len - at);
        size_t len = eol ? (size_t)(eol - rest) : head->len - at;
        const struct sk_reader line = sk_reader_make(rest, len);
        size_t s = sk_reader_skip_space(&line, 0);
        const char *then = wscript_call(&line, s);
        for (size_t i = s; then && i + strlen(then) <= len; i++)
            if (sk_text_starts_ci(&line, i, then))
                return true;
        at += len + 1;
    }
    return false;
}

/* Windows scripts by markers only their languages use; ordinary text, HTML
 * and XML never qualify (a mail that mentions PowerShell stays text). The
 * checks at the start come first, the scans of the head last. */
static bool is_script(const struct sk_node *node)
{
    size_t n = node->data.len;
    const struct sk_reader w = sk_reader_make(node->data.p, n < PROLOG_HEAD ? n : PROLOG_HEAD);
    const struct sk_reader head =
        sk_reader_make(node->data.p, n < SCRIPT_HEAD ? n : SCRIPT_HEAD);
    size_t s = after_xml_prolog(&w, sk_reader_skip_space(&w, 0));
    if (starts_tag(&w, s, "<job") || starts_tag(&w, s, "<package") ||
        sk_text_starts_ci(&w, s, "@echo off") || sk_text_starts_ci(&w, s, "#requires -") ||
        has_encoded_block(&head))
        return true;
    /* markup: an HTA's application tag, never the WScript lines of a page */
    if (sk_reader_match(&w, s, "<", 1))
        return contains_ci(node->data.p, n < HTA_HEAD ? n : HTA_HEAD, "<HTA:APPLICATION");
    return has_wscript_line(&head);
}

/* A script by content, 85: above HTML (75), which an HTA opens like, and a
 * message (60); on the sniffer's text (sk_text_score) or XML (a WSF's
 * prolog). Else a text, HTML or XML node named like a script is this
 * unpacker's at 70, on the node's own type (above html.c's 40 for a page
 * already typed HTML); a node typed a script at 80. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    enum sk_type t = node->type;
    if (t == SK_TYPE_SCRIPT)
        return 80;
    bool textual = t == SK_TYPE_TEXT || t == SK_TYPE_HTML || t == SK_TYPE_XML;
    int score = textual ? 85 : sk_text_score(node, 85);
    if (score > 0 && is_script(node)) {
        *type = SK_TYPE_SCRIPT;
        return score;
    }
    return textual && language_by_name(node->name) ? 70 : 0;
}

static bool is_utf16(const uint8_t *p, size_t n)
{
    return n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff));
}

static int open_script(struct sk_unpack *u, void **out)
{
    struct script_state *st = calloc(1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    st->p = u->node->data.p;
    st->n = u->node->data.len;
    bool sniffed = u->node->type == SK_TYPE_SCRIPT;
    const struct language *by_name = language_by_name(u->node->name);
    const char *by_content = sniffed ? language_by_content(st->p, st->n) : NULL;
    const char *language = by_name ? by_name->name : by_content ? by_content : "script";
    sk_unpack_set_type(u, SK_TYPE_SCRIPT);
    sk_unpack_info(u, "language", "%s", language);
    sk_unpack_reason(u, "dropper.script", "%s script, by %s%s%s", language,
                     by_name ? "name (" : "content", by_name ? by_name->ext : "",
                     by_name ? (sniffed ? ") and content" : ")") : "");
    st->hta = strcmp(language, "hta") == 0 || (by_content && strcmp(by_content, "hta") == 0);
    st->decoded_ext = strstr(language, "jscript") ? ".js" : ".vbs";
    if (is_utf16(st->p, st->n)) {
        sk_unpack_info(u, "encoding", "UTF-16");
        st->phase = PHASE_DONE;
    }
    *out = st;
    return 0;
}

static void close_script(void *state)
{
    free(state);
}

/* --- the Script Encoder ---------------------------------------------- */

/* Six characters of base64 for a 32-bit little-endian number; false when
 * they are not base64. */
static bool screnc_number(const uint8_t *p, uint32_t *out)
{
    uint64_t bits = 0;
    for (int i = 0; i < 6; i++) {
        int v = sk_base64_value(p[i]);
        if (v < 0)
            return false;
        bits = bits << 6 | (uint64_t)v;
    }
    /* 36 bits: the 4 bytes in file order, then 4 bits of padding */
    uint32_t be = (uint32_t)(bits >> 4);
    *out = (be >> 24) | ((be >> 8) & 0xff00u) | ((be << 8) & 0xff0000u) | (be << 24);
    return true;
}

static uint8_t unescape(uint8_t c)
{
    switch (c) {
    case '&': return '\n';
    case '#': return '\r';
    case '*': return '>';
    case '!': return '<';
    case '$': return '@';
    default: return c;
    }
}

/* Decodes the block whose "#@~^" is at `at`; the child gets the text. */
static int decode_block(struct sk_unpack *u, struct script_state *st, size_t at,
                        struct sk_child *child)
{
    uint32_t declared = 0, checksum = 0, sum = 0;
    size_t i = at + 12, end = st->n, index = 0;
    screnc_number(st->p + at + 4, &declared);
    const uint8_t *close = memmem(st->p + i, st->n - i, "^#~@", 4);
    if (close)
        end = (size_t)(close - st->p);
    /* the length bounds the text; what follows it is the checksum */
    size_t text_end = declared <= end - i ? i + declared : end;
    uint8_t chunk[4096];
    size_t used = 0;
    int rc = 0;
    for (; i < text_end && rc == 0; i++) {
        uint8_t c = st->p[i], out = c;
        if (c == '@' && i + 1 < text_end) {
            out = unescape(st->p[++i]);
            index++;
        } else if (c < 0x80) {
            if (c == '\t' || (c >= 0x20 && c != '<' && c != '>' && c != '@'))
                out = VBE_DECODE[VBE_PICK[index % 64]][c];
            index++;
        }
        sum += out;
        chunk[used++] = out;
        if (used == sizeof chunk) {
            rc = sk_unpack_append(u, &child->data, chunk, used);
            used = 0;
        }
    }
    if (rc == 0)
        rc = sk_unpack_append(u, &child->data, chunk, used);
    bool sealed = text_end + 6 <= end && screnc_number(st->p + text_end, &checksum);
    sk_unpack_info(u, "encoded_blocks", "%u", st->encoded + 1);
    sk_unpack_info(u, "encoded_checksum", "%s",
                   !sealed           ? "missing"
                   : checksum == sum ? "ok"
                                     : "mismatch");
    st->pos = close ? end + 4 : st->n;
    return rc;
}

/* The next "#@~^LLLLLL==" at or after st->pos, or n. */
static size_t next_block(const struct script_state *st)
{
    for (size_t i = st->pos; i + 12 <= st->n; i++) {
        const uint8_t *hit = memmem(st->p + i, st->n - i, "#@~^", 4);
        if (!hit)
            break;
        i = (size_t)(hit - st->p);
        if (i + 12 <= st->n && hit[10] == '=' && hit[11] == '=')
            return i;
    }
    return st->n;
}

static void name_child(struct script_state *st, struct sk_child *child, const char *stem,
                       unsigned count, const char *ext)
{
    snprintf(st->name, sizeof st->name, "%s_%u%s", stem, count, ext);
    child->name = st->name;
    child->name_len = strlen(st->name);
}

static int next_encoded(struct sk_unpack *u, struct script_state *st, struct sk_child *child)
{
    size_t at = next_block(st);
    if (at >= st->n) {
        st->phase = PHASE_POWERSHELL;
        st->pos = 0;
        return SK_DONE;
    }
    int rc = decode_block(u, st, at, child);
    st->encoded++;
    name_child(st, child, "decoded", st->encoded, st->decoded_ext);
    if (rc == SK_ELIMIT) {
        child->truncated = true;
        rc = 0;
    }
    return rc;
}

static int next_command(struct sk_unpack *u, struct script_state *st, struct sk_child *child)
{
    int rc = sk_powershell_encoded_next(u, st->p, st->n, &st->pos, child);
    if (rc == SK_DONE) {
        st->phase = st->hta ? PHASE_SMUGGLING : PHASE_DONE;
        return SK_DONE;
    }
    st->commands++;
    name_child(st, child, "encoded_command", st->commands, ".ps1");
    sk_unpack_info(u, "encoded_commands", "%u", st->commands);
    return rc;
}

static int next_child(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct script_state *st = state;
    while (st->phase != PHASE_DONE && !sk_unpack_expired(u)) {
        int rc = SK_DONE;
        if (st->phase == PHASE_ENCODED)
            rc = next_encoded(u, st, child);
        else if (st->phase == PHASE_POWERSHELL)
            rc = next_command(u, st, child);
        else if ((rc = sk_smuggling_next(u, &st->smuggling, st->p, st->n, child)) == SK_DONE)
            st->phase = PHASE_DONE;
        if (rc != SK_DONE)
            return rc;
    }
    return SK_DONE;
}

const struct sk_unpacker sk_unpacker_script = {
    .name = "script",
    .bid = bid,
    .open = open_script,
    .next = next_child,
    .close = close_script,
};
