/* The parts of an OOXML package that carry active content, read as text.
 *
 * The archive unpacker already splits a package into its parts; this one
 * opens some of those parts and reports what they would make Office do.
 * Spec: ECMA-376 Part 2 (OPC) §9.3 Relationships (TargetMode="External");
 * ECMA-376 Part 1 §17.16 Fields and Hyperlinks (w:fldChar §17.16.18,
 * w:instrText §17.16.23, w:fldSimple §17.16.19), §18.14 externalLink
 * (ddeLink §18.14.4), §18.3.1.40 formula (f); [MS-XLSX] macrosheet and
 * intlMacrosheet; [MS-XLSB] §2.1.4 records, §2.4.8 BrtBeginSupBook,
 * §2.4.* BrtFmla*, §2.5.97 Rgce (ptgs).
 * Supports, in an XML part whose parent is an OOXML package (or a ZIP that
 * holds [Content_Types].xml), recognised by its root element, not its name:
 *   Relationships   every TargetMode="External" target except hyperlinks ->
 *                   ooxml.external_ref "<type>: <target>";
 *   macrosheet      macro.xlm, and a child xlm.txt (type xlm): each <f> as
 *                   "R1C1: =FORMULA" (the cell named as biff.c names it,
 *                   xlm_render.h; the formula as written, A1 references and all),
 *                   entities decoded;
 *   document, hdr, ftr, footnotes, endnotes, comments, glossaryDocument
 *                   DDE / DDEAUTO fields (fldSimple, or instrText runs joined
 *                   per field between fldChar begin and separate/end, nested
 *                   fields kept apart) -> office.dde "<field code>";
 *   externalLink    ddeLink -> office.dde "service|topic".
 * And in XLSB (binary) parts, by name: xl/macrosheets/(asterisk).bin ->
 * macro.xlm and xlm.txt, each BrtFmla* formula decompiled by the
 * renderer biff.c uses (xlm_render.c) into the text a BIFF8 macro sheet
 * gets, `R1C1: =EXEC("calc.exe")`, and a BrtFmlaString's cached text as `R1C1: -> "..."`;
 * xl/externalLinks/(asterisk).bin with a DDE BrtBeginSupBook -> office.dde.
 * Refuses: DTDs and entity definitions (only the five XML entities and
 * character references are decoded); field codes assembled by nested QUOTE
 * or other fields are not evaluated; an .xlsb formula's names and 3-D
 * references are not looked up in workbook.bin (NAME_<n>, ?!R1C1).
 * XML is read by xmlscan.c (shared with offcrypto.c), UTF-16 text through
 * engine/text.c.
 * Limits: one linear pass, no recursion; at most OOXML_MAX_REPORTS reasons
 * per part (the engine's duplicate check is linear per reason); fields
 * nested deeper than OOXML_FIELD_DEPTH share the deepest buffer; details
 * are cut at OOXML_DETAIL bytes; xlm.txt grows only through
 * sk_unpack_append (node, total, ratio, time limits). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "../engine/text.h"
#include "unpacker.h"
#include "xlm_render.h"
#include "xmlscan.h"

#define OOXML_MAX_REPORTS 32u            /* reasons per part */
#define OOXML_FIELD_DEPTH 16u            /* nested fields tracked apart */
#define OOXML_DETAIL 400u                /* bytes of one reason's detail */
#define OOXML_PROBE_WINDOW 4096u         /* bytes read to find the root element */
#define OOXML_SIBLINGS 64u               /* siblings looked at for [Content_Types].xml */
#define OOXML_PACKAGE_WINDOW (64u * 1024u) /* bytes at each end searched for it */
#define OOXML_XLM_LINE (16u * 1024 + 64) /* one xlm.txt line of an .xlsb formula, as biff.c */

enum part_kind {
    PART_NONE,
    PART_RELS,
    PART_MACROSHEET,
    PART_WORD,
    PART_EXTERNAL_LINK,
    PART_MACROSHEET_BIN,
    PART_EXTERNAL_LINK_BIN,
};

struct ooxml_state {
    enum part_kind kind;
    bool done;
    unsigned reports;
    unsigned dropped; /* reports over the cap */
};

/* --- reasons --------------------------------------------------------- */

/* Reports one finding, with the detail made printable valid UTF-8. */
static void report(struct sk_unpack *u, struct ooxml_state *st, const char *code,
                   const char *detail, size_t len)
{
    if (st->reports >= OOXML_MAX_REPORTS) {
        st->dropped++;
        return;
    }
    st->reports++;
    char clean[OOXML_DETAIL + 1];
    size_t n = sk_utf8_sanitize(detail, len, clean, OOXML_DETAIL);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)clean[i] < 0x20)
            clean[i] = ' ';
    sk_unpack_reason(u, code, "%s", clean);
}

static void report_dropped(struct sk_unpack *u, struct ooxml_state *st, const char *code)
{
    if (st->dropped)
        sk_unpack_reason(u, code, "%u more in this part not listed", st->dropped);
}

/* --- relationships (ECMA-376 Part 2 §9.3) ---------------------------- */

static void scan_rels(struct sk_unpack *u, struct ooxml_state *st, struct sk_xml_scan *s)
{
    for (struct sk_xml_tok t = sk_xml_next(s); t.kind != SK_XML_END; t = sk_xml_next(s)) {
        if (t.kind != SK_XML_OPEN || !sk_xml_is(&t, "Relationship"))
            continue;
        char mode[32], type[256], target[OOXML_DETAIL];
        size_t mode_len = sk_xml_attr_text(&t, "TargetMode", mode, sizeof mode);
        if (mode_len != 8 || strcasecmp(mode, "External") != 0)
            continue;
        size_t type_len = sk_xml_attr_text(&t, "Type", type, sizeof type);
        const char *slash = memrchr(type, '/', type_len);
        const char *kind = slash ? slash + 1 : type;
        /* Hyperlinks to the web are in every other document and run
         * nothing by themselves; templates, frames and OLE links load. */
        if (strcmp(kind, "hyperlink") == 0)
            continue;
        sk_xml_attr_text(&t, "Target", target, sizeof target);
        char detail[OOXML_DETAIL + 300];
        int n = snprintf(detail, sizeof detail, "%s: %s", *kind ? kind : "?", target);
        report(u, st, "ooxml.external_ref", detail, n > 0 ? (size_t)n : 0);
    }
    report_dropped(u, st, "ooxml.external_ref");
}

/* --- DDE fields (ECMA-376 Part 1 §17.16) ----------------------------- */

struct field {
    char code[OOXML_DETAIL];
    size_t len;
    bool checked;
};

struct fields {
    struct field level[OOXML_FIELD_DEPTH];
    size_t depth; /* may exceed OOXML_FIELD_DEPTH: the deepest level is shared */
    bool in_instr;
};

/* A field code that makes Word start a DDE conversation: DDE or DDEAUTO,
 * any case, after optional white space. */
static bool is_dde(const char *code, size_t len)
{
    size_t i = 0;
    while (i < len && (code[i] == ' ' || code[i] == '\t' || code[i] == '\r' || code[i] == '\n'))
        i++;
    if (len - i < 3 || strncasecmp(code + i, "DDE", 3) != 0)
        return false;
    i += 3;
    if (len - i >= 4 && strncasecmp(code + i, "AUTO", 4) == 0)
        i += 4;
    return i == len || code[i] == ' ' || code[i] == '\t' || code[i] == '"' || code[i] == '\\';
}

static void check_field(struct sk_unpack *u, struct ooxml_state *st, struct field *f)
{
    if (!f->checked && is_dde(f->code, f->len))
        report(u, st, "office.dde", f->code, f->len);
    f->checked = true;
}

static struct field *current_field(struct fields *fs)
{
    if (fs->depth == 0)
        return NULL;
    return &fs->level[fs->depth <= OOXML_FIELD_DEPTH ? fs->depth - 1 : OOXML_FIELD_DEPTH - 1];
}

static void field_char(struct sk_unpack *u, struct ooxml_state *st, struct fields *fs,
                       const struct sk_xml_tok *t)
{
    char what[16];
    sk_xml_attr_text(t, "fldCharType", what, sizeof what);
    if (strcmp(what, "begin") == 0) {
        fs->depth++;
        struct field *f = current_field(fs);
        if (fs->depth <= OOXML_FIELD_DEPTH)
            memset(f, 0, sizeof *f);
    } else if (strcmp(what, "separate") == 0 || strcmp(what, "end") == 0) {
        struct field *f = current_field(fs);
        if (f)
            check_field(u, st, f);
        if (f && what[0] == 'e')
            fs->depth--;
    }
}

static void field_text(struct fields *fs, const struct sk_xml_tok *t)
{
    struct field *f = current_field(fs);
    if (!f || f->checked)
        return;
    size_t used;
    size_t room = sizeof f->code - 1 - f->len;
    if (room >= 8)
        f->len += sk_xml_decode(t->text, t->text_len, t->raw, &used, f->code + f->len, room);
    f->code[f->len] = 0;
}

static void scan_word(struct sk_unpack *u, struct ooxml_state *st, struct sk_xml_scan *s)
{
    struct fields *fs = calloc(1, sizeof *fs);
    if (!fs) {
        sk_unpack_fail(u, "ooxml", SK_ENOMEM, "no memory for the field table");
        return;
    }
    for (struct sk_xml_tok t = sk_xml_next(s); t.kind != SK_XML_END; t = sk_xml_next(s)) {
        bool instr = sk_xml_is(&t, "instrText") || sk_xml_is(&t, "delInstrText");
        if (t.kind == SK_XML_TEXT && fs->in_instr) {
            field_text(fs, &t);
        } else if (t.kind == SK_XML_OPEN && instr) {
            fs->in_instr = !t.empty;
        } else if (t.kind == SK_XML_CLOSE && instr) {
            fs->in_instr = false;
        } else if (t.kind == SK_XML_OPEN && sk_xml_is(&t, "fldChar")) {
            field_char(u, st, fs, &t);
        } else if (t.kind == SK_XML_OPEN && sk_xml_is(&t, "fldSimple")) {
            struct field simple = {0};
            simple.len = sk_xml_attr_text(&t, "instr", simple.code, sizeof simple.code);
            check_field(u, st, &simple);
        }
    }
    /* Fields never closed still count: Word runs what it can parse. */
    for (size_t d = fs->depth < OOXML_FIELD_DEPTH ? fs->depth : OOXML_FIELD_DEPTH; d > 0; d--)
        check_field(u, st, &fs->level[d - 1]);
    report_dropped(u, st, "office.dde");
    free(fs);
}

/* --- externalLink ddeLink (ECMA-376 Part 1 §18.14.4) ----------------- */

static void scan_external_link(struct sk_unpack *u, struct ooxml_state *st,
                               struct sk_xml_scan *s)
{
    for (struct sk_xml_tok t = sk_xml_next(s); t.kind != SK_XML_END; t = sk_xml_next(s)) {
        if (t.kind != SK_XML_OPEN || !sk_xml_is(&t, "ddeLink"))
            continue;
        char service[200], topic[200], detail[OOXML_DETAIL + 8];
        sk_xml_attr_text(&t, "ddeService", service, sizeof service);
        sk_xml_attr_text(&t, "ddeTopic", topic, sizeof topic);
        int n = snprintf(detail, sizeof detail, "%s|%s", service, topic);
        report(u, st, "office.dde", detail, n > 0 ? (size_t)n : 0);
    }
    report_dropped(u, st, "office.dde");
}

/* --- macro sheets: formulas as text ---------------------------------- */

/* Appends to the child; false once a limit stopped it (truncated set). */
static bool emit(struct sk_unpack *u, struct sk_child *child, const void *p, size_t n)
{
    if (child->truncated)
        return false;
    int rc = sk_unpack_append(u, &child->data, p, n);
    if (rc != 0)
        child->truncated = true;
    return rc == 0;
}

static bool emit_decoded(struct sk_unpack *u, struct sk_child *child,
                         const struct sk_xml_tok *t)
{
    char chunk[1024];
    size_t at = 0;
    while (at < t->text_len) {
        size_t used;
        size_t n =
            sk_xml_decode(t->text + at, t->text_len - at, t->raw, &used, chunk, sizeof chunk);
        /* A formula is one line: its own line breaks would split it. */
        for (size_t i = 0; i < n; i++)
            if (chunk[i] == '\n' || chunk[i] == '\r')
                chunk[i] = ' ';
        if (!emit(u, child, chunk, n))
            return false;
        at += used;
    }
    return true;
}

/* A cell's A1 reference (ECMA-376 §18.3.1.4 c@r, "$" allowed) as the R1C1
 * form every xlm text uses (xlm_render.h); false when it is not one. */
static bool a1_to_r1c1(const char *a1, char *out, size_t cap)
{
    unsigned long col = 0, row = 0;
    size_t i = 0, letters = 0, digits = 0;
    if (a1[i] == '$')
        i++;
    for (; letters < 3 && ((a1[i] >= 'A' && a1[i] <= 'Z') || (a1[i] >= 'a' && a1[i] <= 'z'));
         i++, letters++)
        col = col * 26 + (unsigned long)((a1[i] | 0x20) - 'a' + 1);
    if (a1[i] == '$')
        i++;
    for (; digits < 7 && a1[i] >= '0' && a1[i] <= '9'; i++, digits++)
        row = row * 10 + (unsigned long)(a1[i] - '0');
    if (letters == 0 || digits == 0 || row == 0 || a1[i] != '\0')
        return false;
    int n = snprintf(out, cap, "R%luC%lu", row, col);
    return n > 0 && (size_t)n < cap;
}

static void scan_macrosheet(struct sk_unpack *u, struct sk_xml_scan *s, struct sk_child *child)
{
    char cell[24] = "?";
    bool in_formula = false, started = false;
    for (struct sk_xml_tok t = sk_xml_next(s); t.kind != SK_XML_END; t = sk_xml_next(s)) {
        if (t.kind == SK_XML_OPEN && sk_xml_is(&t, "c")) {
            if (!sk_xml_attr_text(&t, "r", cell, sizeof cell))
                memcpy(cell, "?", 2);
        } else if (t.kind == SK_XML_OPEN && sk_xml_is(&t, "f")) {
            in_formula = !t.empty;
            started = false;
        } else if (t.kind == SK_XML_CLOSE && sk_xml_is(&t, "f")) {
            if (started && !emit(u, child, "\n", 1))
                return;
            in_formula = false;
        } else if (t.kind == SK_XML_TEXT && in_formula) {
            if (!started) {
                char head[64], r1c1[32];
                int n = snprintf(head, sizeof head,
                                 "%s: =", a1_to_r1c1(cell, r1c1, sizeof r1c1) ? r1c1 : cell);
                started = true;
                if (!emit(u, child, head, n > 0 ? (size_t)n : 0))
                    return;
            }
            if (!emit_decoded(u, child, &t))
                return;
        }
    }
    if (in_formula && started)
        emit(u, child, "\n", 1);
}

/* --- XLSB (BIFF12) records ------------------------------------------- */

#define BRT_ROW_HDR 0u
#define BRT_FMLA_STRING 8u
#define BRT_FMLA_NUM 9u
#define BRT_FMLA_BOOL 10u
#define BRT_FMLA_ERROR 11u
#define BRT_BEGIN_SHEET 129u
#define BRT_BEGIN_SUP_BOOK 360u
#define SUP_BOOK_DDE 1u

/* A record header: type in 1-2 bytes, size in 1-4 bytes, 7 bits each
 * ([MS-XLSB] §2.1.4). False at the end or on a bad header. */
static bool biff12_record(struct sk_reader *r, uint32_t *type, struct sk_reader *body)
{
    if (sk_reader_left(r) == 0)
        return false;
    uint32_t t = 0, size = 0;
    for (unsigned i = 0; i < 2; i++) {
        uint8_t b = sk_reader_u8(r);
        t |= (uint32_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80))
            break;
    }
    for (unsigned i = 0; i < 4; i++) {
        uint8_t b = sk_reader_u8(r);
        size |= (uint32_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80))
            break;
    }
    *type = t;
    *body = sk_reader_sub(r, size);
    return r->err == 0;
}

/* UTF-16LE code units to UTF-8 through engine/text.c (a pair joined, an
 * unpaired surrogate or a NUL unit as U+FFFD), while 4 more bytes fit in
 * cap. */
static size_t utf16_to_utf8(const uint8_t *p, size_t units, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < units && o + 4 <= cap; i++) {
        uint32_t cp = sk_utf16le_decode(p, units, &i);
        o += sk_utf8_encode(cp ? cp : 0xFFFD, (unsigned char *)out + o);
    }
    return o;
}

/* An XLWideString (u32 count of UTF-16 units); a nullable one's 0xFFFFFFFF
 * reads as empty. Returns the UTF-8 length written into out. */
static size_t wide_string(struct sk_reader *r, char *out, size_t cap)
{
    uint32_t units = sk_reader_u32le(r);
    if (units == 0xFFFFFFFFu || r->err)
        return 0;
    if (units > sk_reader_left(r) / 2) {
        r->err = SK_ETRUNC;
        return 0;
    }
    const uint8_t *p = sk_reader_bytes(r, (size_t)units * 2);
    return p ? utf16_to_utf8(p, units, out, cap) : 0;
}

static void scan_external_link_bin(struct sk_unpack *u, struct ooxml_state *st)
{
    struct sk_reader r = sk_reader_make(u->node->data.p, u->node->data.len);
    uint32_t type;
    struct sk_reader body;
    while (biff12_record(&r, &type, &body)) {
        if (type != BRT_BEGIN_SUP_BOOK || sk_reader_u16le(&body) != SUP_BOOK_DDE)
            continue;
        char detail[OOXML_DETAIL];
        size_t n = wide_string(&body, detail, sizeof detail / 2);
        detail[n++] = '|';
        n += wide_string(&body, detail + n, sizeof detail - n);
        report(u, st, "office.dde", detail, n);
    }
    report_dropped(u, st, "office.dde");
}

/* A cell's "R1C1: " prefix, the one every XLM text has (xlm_render.h). */
static size_t cell_prefix(char *line, size_t cap, uint32_t row, uint32_t col)
{
    return sk_xlm_cell(line, cap, (uint64_t)row + 1, (uint64_t)col + 1);
}

/* A formula's cached text result as biff.c shows a String record:
 * `R1C1: -> "text"`, quotes doubled, control characters as \xNN so that
 * the line stays one line. */
static void cached_result(struct sk_unpack *u, struct sk_child *child, char *line, uint32_t row,
                          uint32_t col, const char *text, size_t n)
{
    size_t len = cell_prefix(line, OOXML_XLM_LINE, row, col);
    memcpy(line + len, "-> \"", 4);
    len += 4;
    for (size_t i = 0; i < n && len + 8 < OOXML_XLM_LINE; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '"')
            line[len++] = '"';
        if (c < 0x20 && c != '\t')
            len += (size_t)snprintf(line + len, OOXML_XLM_LINE - len, "\\x%02x", c);
        else
            line[len++] = (char)c;
    }
    line[len++] = '"';
    line[len++] = '\n';
    emit(u, child, line, len);
}

/* One BrtFmla* record ([MS-XLSB] 2.4.648-651: col, style, the cached
 * value, grbitFlags, CellParsedFormula) as `R1C1: =FORMULA(...)`, rendered
 * by the formula renderer biff.c uses (xlm_render.c), and for BrtFmlaString its cached
 * text. line is OOXML_XLM_LINE bytes of scratch. Returns 0 or SK_ENOMEM. */
static int formula_line(struct sk_unpack *u, struct sk_child *child, struct sk_reader *body,
                        uint32_t type, uint32_t row, char *line)
{
    uint32_t col = sk_reader_u32le(body);
    sk_reader_skip(body, 4); /* iStyleRef, flags */
    char cached[OOXML_DETAIL];
    size_t cached_len = 0;
    if (type == BRT_FMLA_STRING)
        cached_len = wide_string(body, cached, sizeof cached);
    else
        sk_reader_skip(body, type == BRT_FMLA_NUM ? 8 : 1);
    sk_reader_skip(body, 2); /* grbitFlags */
    uint32_t cce = sk_reader_u32le(body);
    struct sk_reader rgce = sk_reader_sub(body, cce);
    size_t len = cell_prefix(line, OOXML_XLM_LINE, row, col), text_len = 0;
    if (rgce.err) {
        /* a formula cut short: shown as biff.c shows one it cannot read */
        memcpy(line + len, "=?", 2);
        text_len = 2;
    } else {
        int rc = sk_xlm_render_biff12(rgce.p, rgce.len, line + len, OOXML_XLM_LINE - len - 1,
                                      &text_len, sk_unpack_allocator(u));
        if (rc != 0)
            return rc;
    }
    len += text_len;
    line[len++] = '\n';
    emit(u, child, line, len);
    if (type == BRT_FMLA_STRING && !body->err)
        cached_result(u, child, line, row, col, cached, cached_len);
    return 0;
}

/* Returns 0 or SK_ENOMEM. */
static int scan_macrosheet_bin(struct sk_unpack *u, struct sk_child *child)
{
    char *line = malloc(OOXML_XLM_LINE);
    if (!line)
        return SK_ENOMEM;
    struct sk_reader r = sk_reader_make(u->node->data.p, u->node->data.len);
    uint32_t type, row = 0;
    struct sk_reader body;
    int rc = 0;
    for (uint32_t n = 1; rc == 0 && !child->truncated && biff12_record(&r, &type, &body); n++) {
        /* a part of millions of small formulas: the deadline, as biff.c */
        if ((n & 0xFFF) == 0 && sk_unpack_expired(u)) {
            child->truncated = true;
            break;
        }
        if (type == BRT_ROW_HDR)
            row = sk_reader_u32le(&body);
        else if (type >= BRT_FMLA_STRING && type <= BRT_FMLA_ERROR)
            rc = formula_line(u, child, &body, type, row, line);
    }
    free(line);
    return rc;
}

/* --- the unpacker ---------------------------------------------------- */

/* The package test: the parent typed OOXML (is_package), or (once the archive
 * unpacker has renamed it "zip") it holds [Content_Types].xml, which
 * Office writes first. */
static bool in_package(const struct sk_node *node)
{
    const struct sk_node *parent = node->parent;
    if (!parent)
        return false;
    if (parent->type == SK_TYPE_OOXML)
        return true;
    if (parent->type != SK_TYPE_ZIP)
        return false;
    unsigned seen = 0;
    for (const struct sk_node *c = parent->first_child; c && seen < OOXML_SIBLINGS;
         c = c->next_sibling, seen++)
        if (strcasecmp(c->name, "[Content_Types].xml") == 0)
            return true;
    return false;
}

static bool name_is(const char *name, const char *dir, const char *ext)
{
    size_t n = strlen(name), d = strlen(dir), e = strlen(ext);
    return n > d + e && strncasecmp(name, dir, d) == 0 && strcasecmp(name + n - e, ext) == 0;
}

/* What an XML part is, from its root element (names can be anything: the
 * package's [Content_Types].xml, not the name, tells Office what it is). */
static enum part_kind kind_of_xml(const struct sk_node *node)
{
    size_t n = node->data.len < OOXML_PROBE_WINDOW ? node->data.len : OOXML_PROBE_WINDOW;
    struct sk_xml_scan s = {(const char *)node->data.p, n, 0};
    struct sk_xml_tok t = sk_xml_next(&s);
    while (t.kind == SK_XML_TEXT)
        t = sk_xml_next(&s);
    if (t.kind != SK_XML_OPEN)
        return PART_NONE;
    static const char *const word[] = {
        "document", "hdr", "ftr", "footnotes", "endnotes", "comments", "glossaryDocument"};
    if (sk_xml_is(&t, "Relationships"))
        return PART_RELS;
    if (sk_xml_is(&t, "macrosheet") || sk_xml_is(&t, "intlMacrosheet"))
        return PART_MACROSHEET;
    if (sk_xml_is(&t, "externalLink"))
        return PART_EXTERNAL_LINK;
    for (size_t i = 0; i < sizeof word / sizeof word[0]; i++)
        if (sk_xml_is(&t, word[i]))
            return PART_WORD;
    return PART_NONE;
}

/* A BIFF12 sheet starts with BrtBeginSheet; the binaryIndex parts that
 * sit beside macro sheets do not. */
static bool is_sheet_bin(const struct sk_node *node)
{
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    uint32_t type;
    struct sk_reader body;
    return biff12_record(&r, &type, &body) && type == BRT_BEGIN_SHEET;
}

static enum part_kind kind_of(const struct sk_node *node)
{
    if (!node->name || !in_package(node))
        return PART_NONE;
    if (node->type == SK_TYPE_XML)
        return kind_of_xml(node);
    if (node->type != SK_TYPE_DATA)
        return PART_NONE;
    if (name_is(node->name, "xl/macrosheets/", ".bin") && is_sheet_bin(node))
        return PART_MACROSHEET_BIN;
    if (name_is(node->name, "xl/externalLinks/", ".bin"))
        return PART_EXTERNAL_LINK_BIN;
    return PART_NONE;
}

/* A package (ECMA-376 Part 2, OPC's mapping to ZIP: the package names its
 * parts' content types in the part [Content_Types].xml): a ZIP whose first or last
 * OOXML_PACKAGE_WINDOW bytes hold that name, in a local header near the
 * start (Office writes it first) or in the central directory near the end.
 * The ZIP magic is checked first, so other bytes are never searched. */
static bool is_package(const struct sk_node *node)
{
    static const char part[] = "[Content_Types].xml";
    const struct sk_reader in = sk_reader_make(node->data.p, node->data.len);
    if (!sk_reader_match(&in, 0, "PK\x03\x04", 4) && !sk_reader_match(&in, 0, "PK\x05\x06", 4) &&
        !sk_reader_match(&in, 0, "PK\x07\x08", 4))
        return false;
    struct sk_reader r = in;
    size_t window = in.len < OOXML_PACKAGE_WINDOW ? in.len : OOXML_PACKAGE_WINDOW;
    const uint8_t *head = sk_reader_at(&r, 0, window);
    const uint8_t *tail = sk_reader_at(&r, in.len - window, window);
    return head && tail &&
           (memmem(head, window, part, sizeof part - 1) ||
            memmem(tail, window, part, sizeof part - 1));
}

/* The bid. A package: SK_TYPE_OOXML at 60, above archive.c's 50 for the
 * ZIP it also is (one precedence family: the higher bid names it). This
 * unpacker does not open the package itself: archive.c reads it as the ZIP
 * it is (its bid of 20 on an OOXML node) and hands back the parts, so a
 * node already typed OOXML gets no bid for the package. A part of a
 * package that kind_of recognises: 70, its type kept. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    if (node->type != SK_TYPE_OOXML && is_package(node)) {
        *type = SK_TYPE_OOXML;
        return 60;
    }
    return kind_of(node) != PART_NONE ? 70 : 0;
}

static int open_part(struct sk_unpack *u, void **out)
{
    struct ooxml_state *st = calloc(1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    st->kind = kind_of(u->node);
    *out = st;
    return 0;
}

static void close_part(void *state)
{
    free(state);
}

static int next_part(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct ooxml_state *st = state;
    if (st->done)
        return SK_DONE;
    st->done = true;
    struct sk_xml_scan s = {(const char *)u->node->data.p, u->node->data.len, 0};
    switch (st->kind) {
    case PART_RELS: scan_rels(u, st, &s); return SK_DONE;
    case PART_WORD: scan_word(u, st, &s); return SK_DONE;
    case PART_EXTERNAL_LINK: scan_external_link(u, st, &s); return SK_DONE;
    case PART_EXTERNAL_LINK_BIN: scan_external_link_bin(u, st); return SK_DONE;
    case PART_MACROSHEET: scan_macrosheet(u, &s, child); break;
    case PART_MACROSHEET_BIN:
        if (scan_macrosheet_bin(u, child) != 0) {
            sk_unpack_reason(u, "macro.xlm", "%s", u->node->name);
            sk_buf_release(&child->data);
            return SK_ENOMEM;
        }
        break;
    case PART_NONE: return SK_DONE;
    }
    sk_unpack_reason(u, "macro.xlm", "%s", u->node->name);
    if (child->data.len == 0) {
        sk_buf_release(&child->data);
        return SK_DONE;
    }
    child->name = "xlm.txt";
    child->name_len = 7;
    child->type = SK_TYPE_XLM;
    return 0;
}

const struct sk_unpacker sk_unpacker_ooxml = {
    .name = "ooxml",
    .bid = bid,
    .open = open_part,
    .next = next_part,
    .close = close_part,
};
