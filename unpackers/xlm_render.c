/* The XLM formula renderer: a parsed formula (Rgce) to the text Excel
 * shows, one grammar for BIFF5, BIFF8 and BIFF12 (xlm_render.h).
 *
 * Spec: [MS-XLS] 2.5.198 (Rgce and the Ptg tokens: 2.5.198.25-105), the
 * BIFF5 differences after the OpenOffice "Excel File Format" document
 * (byte strings, 3-byte PtgRef, 17-byte PtgRef3d, 14-byte PtgName);
 * [MS-XLSB] 2.5.98 in the current revision (2.5.97 in older ones; the
 * BIFF12 tokens keep BIFF8's numbers): RgceLoc 2.5.98.91 and RgceArea
 * 2.5.98.89 with UncheckedRw rows of 4 bytes and ColRelShort columns
 * (2.5.26: 14 bits, fColRel, fRwRel), RgceLocRel 2.5.98.92 with a signed
 * row offset; PtgStr with a u16 count of UTF-16 units; PtgNameX with a u32
 * name index; PtgExp with the row only; PtgArray with 14 unused bytes.
 * Where a token's size differs, the book's `biff` says which to read.
 *
 * Operands are rendered onto a stack of texts in a fixed scratch area of
 * SK_XLM_MAX_FORMULA bytes (compacted in place when it fills), at most
 * SK_XLM_MAX_STACK operands; a formula longer than that, a token not
 * understood or a read past the Rgce ends the text with "?". No recursion.
 * Strings are UTF-8 through engine/text.c. */
#include "xlm_render.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/text.h"
#include "xlm_ftab.h"

/* ---- small strings ---------------------------------------------------------- */

bool sk_xlm_put(struct sk_xlm_buf *b, const void *p, size_t n)
{
    if (b->full || b->nomem)
        return false;
    if (!b->started) {
        sk_dynbuf_init_alloc(&b->text, b->max, b->allocator);
        b->started = true;
    }
    int rc = sk_dynbuf_add(&b->text, p, n);
    if (rc == SK_ELIMIT)
        b->full = true;
    else if (rc != 0)
        b->nomem = true;
    b->p = b->text.p;
    b->len = b->text.len;
    return rc == 0;
}

/* size bytes of working memory from b's allocator (libc when it has
 * none), zeroed; NULL (and b->nomem) when it refuses. */
static void *buf_calloc(struct sk_xlm_buf *b, size_t size)
{
    const struct sk_alloc *a = b->allocator;
    void *p = a ? a->realloc(a->ctx, NULL, size) : malloc(size);
    if (p)
        memset(p, 0, size);
    else
        b->nomem = true;
    return p;
}

bool sk_xlm_str(struct sk_xlm_buf *b, const char *s)
{
    return sk_xlm_put(b, s, strlen(s));
}

bool sk_xlm_fmt(struct sk_xlm_buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    return n >= 0 && sk_xlm_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_utf8(struct sk_xlm_buf *b, uint32_t cp)
{
    unsigned char out[4];
    if (cp >= 0xD800 && cp <= 0xDFFF)
        cp = 0xFFFD;
    sk_xlm_put(b, out, sk_utf8_encode(cp, out));
}

/* cch characters from r, 16-bit (UTF-16LE) or 8-bit (taken as Latin-1:
 * BIFF5's code page and BIFF8's compressed strings are close enough for
 * reading, and no byte is lost). A quote is doubled when `quote` is set. */
void sk_xlm_chars(struct sk_xlm_buf *b, struct sk_reader *r, size_t cch, bool wide, bool quote)
{
    for (size_t i = 0; i < cch && !r->err; i++) {
        uint32_t cp = wide ? sk_reader_u16le(r) : sk_reader_u8(r);
        if (r->err)
            break;
        if (wide && cp >= 0xD800 && cp < 0xDC00 && sk_reader_left(r) >= 2 && i + 1 < cch) {
            uint32_t lo = sk_reader_u16le_at(r, r->pos);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                sk_reader_skip(r, 2);
                i++;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
        }
        if (quote && cp == '"')
            sk_xlm_put(b, "\"", 1);
        if (cp < 0x20 && cp != '\t')
            sk_xlm_fmt(b, "\\x%02x", (unsigned)cp); /* keep one formula on one line */
        else
            put_utf8(b, cp);
    }
}

/* BIFF8 ShortXLUnicodeString (cch u8, flags u8) or BIFF5 (cch u8, bytes). */
void sk_xlm_short_string(struct sk_xlm_buf *b, struct sk_reader *r, bool biff8, bool quote)
{
    size_t cch = sk_reader_u8(r);
    bool wide = biff8 ? (sk_reader_u8(r) & 1) : false;
    sk_xlm_chars(b, r, cch, wide, quote);
}

/* BIFF8 XLUnicodeString (cch u16, flags u8) or BIFF5 (cch u16, bytes). */
void sk_xlm_long_string(struct sk_xlm_buf *b, struct sk_reader *r, bool biff8, bool quote)
{
    size_t cch = sk_reader_u16le(r);
    bool wide = biff8 ? (sk_reader_u8(r) & 1) : false;
    sk_xlm_chars(b, r, cch, wide, quote);
}

char *sk_xlm_take(struct sk_xlm_buf *b)
{
    if (!b->text.p && !b->nomem) {
        b->full = false; /* "" when nothing was put: allocated like the text */
        sk_xlm_put(b, "", 0);
    }
    char *p = sk_dynbuf_take(&b->text, NULL);
    memset(b, 0, sizeof *b);
    return p;
}

/* ---- formulas (MS-XLS 2.5.198, MS-XLSB 2.5.97) ----------------------------------- */

struct operand {
    uint32_t off, len;
};

/* One formula being rendered: a stack of operand texts in book->scratch. */
struct render {
    const struct sk_xlm_book *book;
    struct operand stack[SK_XLM_MAX_STACK];
    size_t depth;
    size_t used;  /* bytes of scratch in use */
    bool failed;  /* an unknown token or a cap: the text ends with "?" */
    bool nomem;   /* a string operand's memory was refused: the caller hears of it */
    const struct sk_alloc *allocator; /* the output's */
    int row, col; /* the formula's cell, for shared-formula offsets */
};

/* Operands sit in scratch in stack order (each new one is appended at the
 * end and only the top is popped), so the live ones can be slid down over
 * the dead intermediate texts in place. */
static void rs_compact(struct render *rs)
{
    size_t to = 0;
    for (size_t i = 0; i < rs->depth; i++) {
        struct operand *o = &rs->stack[i];
        memmove(rs->book->scratch + to, rs->book->scratch + o->off, o->len);
        o->off = (uint32_t)to;
        to += o->len;
    }
    rs->used = to;
}

/* Makes room for n more bytes; false (the render fails, the stack is left
 * as it was) when the live text would pass the cap. */
static bool rs_reserve(struct render *rs, size_t n)
{
    if (n <= SK_XLM_MAX_FORMULA - rs->used)
        return true;
    rs_compact(rs);
    if (n <= SK_XLM_MAX_FORMULA - rs->used)
        return true;
    rs->failed = true;
    return false;
}

/* Appends text to scratch after rs_reserve. Scratch never moves, so an
 * operand may be copied from it into it. */
static void rs_put(struct render *rs, const char *p, size_t n)
{
    memmove(rs->book->scratch + rs->used, p, n);
    rs->used += n;
}

static void rs_put_operand(struct render *rs, struct operand o)
{
    rs_put(rs, rs->book->scratch + o.off, o.len);
}

/* Replaces the top `pop` operands by the text appended since `start`. */
static void rs_replace(struct render *rs, size_t pop, size_t start)
{
    rs->depth -= pop;
    rs->stack[rs->depth++] = (struct operand){(uint32_t)start, (uint32_t)(rs->used - start)};
}

static bool rs_push_text(struct render *rs, const char *p, size_t n)
{
    if (rs->depth >= SK_XLM_MAX_STACK) {
        rs->failed = true;
        return false;
    }
    if (!rs_reserve(rs, n))
        return false;
    size_t start = rs->used;
    rs_put(rs, p, n);
    rs->depth++;
    rs_replace(rs, 1, start);
    return true;
}

static bool rs_push(struct render *rs, const char *s)
{
    return rs_push_text(rs, s, strlen(s));
}

/* Pops two operands and pushes "a<op>b". */
static bool rs_binary(struct render *rs, const char *op)
{
    if (rs->depth < 2) {
        rs->failed = true;
        return false;
    }
    size_t n_op = strlen(op);
    if (!rs_reserve(rs, rs->stack[rs->depth - 2].len + n_op + rs->stack[rs->depth - 1].len))
        return false;
    size_t start = rs->used;
    rs_put_operand(rs, rs->stack[rs->depth - 2]);
    rs_put(rs, op, n_op);
    rs_put_operand(rs, rs->stack[rs->depth - 1]);
    rs_replace(rs, 2, start);
    return true;
}

/* Pops one operand and pushes before<operand>after. */
static bool rs_wrap(struct render *rs, const char *before, const char *after)
{
    if (rs->depth < 1) {
        rs->failed = true;
        return false;
    }
    size_t n_before = strlen(before), n_after = strlen(after);
    if (!rs_reserve(rs, n_before + rs->stack[rs->depth - 1].len + n_after))
        return false;
    size_t start = rs->used;
    rs_put(rs, before, n_before);
    rs_put_operand(rs, rs->stack[rs->depth - 1]);
    rs_put(rs, after, n_after);
    rs_replace(rs, 1, start);
    return true;
}

/* Pops argc operands and pushes name(a1,a2,...). Missing operands (a
 * malformed formula) are shown as "?". With user_defined, the first operand
 * is the function's name (Ftab 0xFF). */
static bool rs_call(struct render *rs, const char *name, size_t argc, bool user_defined)
{
    size_t have = argc <= rs->depth ? argc : rs->depth;
    if (have == 0 && rs->depth >= SK_XLM_MAX_STACK) {
        rs->failed = true;
        return false;
    }
    size_t base = rs->depth - have;
    size_t first = user_defined && have > 0 ? 1 : 0;
    size_t need = (first ? rs->stack[base].len : strlen(name)) + 2 + 2 * (argc - have);
    for (size_t i = first; i < have; i++)
        need += rs->stack[base + i].len + 1;
    if (!rs_reserve(rs, need))
        return false;
    size_t start = rs->used;
    if (first)
        rs_put_operand(rs, rs->stack[base]);
    else
        rs_put(rs, name, strlen(name));
    rs_put(rs, "(", 1);
    size_t shown = 0;
    for (size_t i = have; i < argc; i++, shown++)
        rs_put(rs, shown ? ",?" : "?", shown ? 2 : 1);
    for (size_t i = first; i < have; i++, shown++) {
        if (shown)
            rs_put(rs, ",", 1);
        rs_put_operand(rs, rs->stack[base + i]);
    }
    rs_put(rs, ")", 1);
    if (argc > have)
        rs->failed = true;
    rs->depth = base + 1; /* rs_replace pops that one slot */
    rs_replace(rs, 1, start);
    return true;
}

static char *fmt_small(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static char *fmt_small(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return buf;
}

static const char *function_name(uint16_t index, bool command, char *buf, size_t size)
{
    const char *name = sk_xlm_function_name(index, command);
    return name ? name : fmt_small(buf, size, command ? "CMD_%u" : "FUNC_%u", index);
}

static const char *sheet_of(const struct sk_xlm_book *book, int index)
{
    return book->sheet ? book->sheet(book->ctx, index) : NULL;
}

static const char *sheet_of_xti(const struct sk_xlm_book *book, uint16_t ixti)
{
    return book->sheet_xti ? book->sheet_xti(book->ctx, ixti) : NULL;
}

/* A cell reference: absolute R1C1, or R[dr]C[dc] for relative offsets
 * (PtgRefN in shared formulas and names). */
static void fmt_cell(char *buf, size_t size, int row, int col, bool row_rel, bool col_rel,
                     bool offsets)
{
    char r[24], c[24];
    if (offsets && row_rel)
        snprintf(r, sizeof r, "R[%d]", row);
    else
        snprintf(r, sizeof r, "R%d", row + 1);
    if (offsets && col_rel)
        snprintf(c, sizeof c, "C[%d]", col);
    else
        snprintf(c, sizeof c, "C%d", col + 1);
    snprintf(buf, size, "%s%s", r, c);
}

/* A BIFF12 column with its relative flags (ColRelShort, [MS-XLSB] 2.5.97.17:
 * 14 bits, fColRel bit 14, fRwRel bit 15); as an offset (RgceLocRel) the 14
 * bits are signed. */
static int col12(uint16_t cl, bool offsets)
{
    int col = cl & 0x3FFF;
    return offsets && (cl & 0x4000) && col >= 0x2000 ? col - 0x4000 : col;
}

/* A BIFF12 row (u32); as a relative offset it is signed. */
static int row12(uint32_t rw, bool offsets, bool rel)
{
    if (offsets && rel)
        return (int32_t)rw;
    return rw > INT32_MAX - 1 ? INT32_MAX - 1 : (int)rw;
}

/* Reads one cell address (RgceLoc): BIFF12 rw u32 + col u16, BIFF8 rw u16 +
 * col u16, with the relative flags in col; BIFF5 rw u16 with the flags in
 * rw + col u8. */
static void read_loc(struct sk_reader *r, const struct sk_xlm_book *book, bool offsets,
                     char *buf, size_t size)
{
    int row, col;
    bool row_rel, col_rel;
    bool biff8 = book->biff != SK_XLM_BIFF5;
    if (book->biff == SK_XLM_BIFF12) {
        uint32_t rw = sk_reader_u32le(r);
        uint16_t cl = sk_reader_u16le(r);
        row_rel = cl & 0x8000;
        col_rel = cl & 0x4000;
        row = row12(rw, offsets, row_rel);
        col = col12(cl, offsets);
    } else if (biff8) {
        uint16_t rw = sk_reader_u16le(r), cl = sk_reader_u16le(r);
        row_rel = cl & 0x8000;
        col_rel = cl & 0x4000;
        row = offsets && row_rel ? (int16_t)rw : rw;
        col = offsets && col_rel ? (int8_t)(cl & 0xFF) : (cl & 0x3FFF);
    } else {
        uint16_t rw = sk_reader_u16le(r);
        uint8_t cl = sk_reader_u8(r);
        row_rel = rw & 0x8000;
        col_rel = rw & 0x4000;
        row = rw & 0x3FFF;
        if (offsets && row_rel && (row & 0x2000))
            row -= 0x4000;
        col = offsets && col_rel ? (int8_t)cl : cl;
    }
    fmt_cell(buf, size, row, col, row_rel, col_rel, offsets);
}

static void read_area(struct sk_reader *r, const struct sk_xlm_book *book, bool offsets,
                      char *buf, size_t size)
{
    char a[48], b[48];
    bool biff8 = book->biff != SK_XLM_BIFF5;
    if (book->biff == SK_XLM_BIFF12) {
        /* RgceArea ([MS-XLSB] 2.5.97.89): rowFirst, rowLast u32, colFirst, colLast */
        uint32_t r1 = sk_reader_u32le(r), r2 = sk_reader_u32le(r);
        uint16_t c1 = sk_reader_u16le(r), c2 = sk_reader_u16le(r);
        fmt_cell(a, sizeof a, row12(r1, offsets, c1 & 0x8000), col12(c1, offsets), c1 & 0x8000,
                 c1 & 0x4000, offsets);
        fmt_cell(b, sizeof b, row12(r2, offsets, c2 & 0x8000), col12(c2, offsets), c2 & 0x8000,
                 c2 & 0x4000, offsets);
    } else if (biff8) {
        /* RgceArea: rwFirst, rwLast, colFirst, colLast */
        uint16_t r1 = sk_reader_u16le(r), r2 = sk_reader_u16le(r);
        uint16_t c1 = sk_reader_u16le(r), c2 = sk_reader_u16le(r);
        fmt_cell(a, sizeof a, offsets && (c1 & 0x8000) ? (int16_t)r1 : r1,
                 offsets && (c1 & 0x4000) ? (int8_t)(c1 & 0xFF) : (c1 & 0x3FFF), c1 & 0x8000,
                 c1 & 0x4000, offsets);
        fmt_cell(b, sizeof b, offsets && (c2 & 0x8000) ? (int16_t)r2 : r2,
                 offsets && (c2 & 0x4000) ? (int8_t)(c2 & 0xFF) : (c2 & 0x3FFF), c2 & 0x8000,
                 c2 & 0x4000, offsets);
    } else {
        uint16_t r1 = sk_reader_u16le(r), r2 = sk_reader_u16le(r);
        uint8_t c1 = sk_reader_u8(r), c2 = sk_reader_u8(r);
        fmt_cell(a, sizeof a, r1 & 0x3FFF, c1, r1 & 0x8000, r1 & 0x4000, false);
        fmt_cell(b, sizeof b, r2 & 0x3FFF, c2, r2 & 0x8000, r2 & 0x4000, false);
    }
    snprintf(buf, size, "%s:%s", a, b);
}

static bool push_sheet_ref(struct render *rs, const char *sheet, const char *ref)
{
    char buf[256];
    if (sheet)
        snprintf(buf, sizeof buf, "%.100s!%s", sheet, ref);
    else
        snprintf(buf, sizeof buf, "?!%s", ref);
    return rs_push(rs, buf);
}

static bool ptg_string(struct render *rs, struct sk_reader *r)
{
    struct sk_xlm_buf text = {.max = SK_XLM_MAX_FORMULA, .allocator = rs->allocator};
    sk_xlm_put(&text, "\"", 1);
    if (rs->book->biff == SK_XLM_BIFF12) /* [MS-XLSB] 2.5.97.56 PtgStr: cch u16, UTF-16LE */
        sk_xlm_chars(&text, r, sk_reader_u16le(r), true, true);
    else
        sk_xlm_short_string(&text, r, rs->book->biff != SK_XLM_BIFF5, true);
    sk_xlm_put(&text, "\"", 1);
    bool ok = !text.nomem && !text.full && !r->err && rs_push_text(rs, text.p, text.len);
    free(text.p);
    rs->nomem |= text.nomem;
    if (!ok)
        rs->failed = true;
    return ok;
}

static bool ptg_number(struct render *rs, struct sk_reader *r)
{
    uint64_t bits = sk_reader_u64le(r);
    double value;
    memcpy(&value, &bits, sizeof value);
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", value);
    return rs_push(rs, buf);
}

static bool ptg_error(struct render *rs, uint8_t code)
{
    switch (code) {
    case 0x00: return rs_push(rs, "#NULL!");
    case 0x07: return rs_push(rs, "#DIV/0!");
    case 0x0F: return rs_push(rs, "#VALUE!");
    case 0x17: return rs_push(rs, "#REF!");
    case 0x1D: return rs_push(rs, "#NAME?");
    case 0x24: return rs_push(rs, "#NUM!");
    case 0x2A: return rs_push(rs, "#N/A");
    default: return rs_push(rs, "#ERR?");
    }
}

static bool ptg_func(struct render *rs, struct sk_reader *r, bool var)
{
    char buf[24];
    size_t argc;
    uint16_t index;
    bool command = false;
    if (var) {
        argc = sk_reader_u8(r) & 0x7F;
        uint16_t tab = sk_reader_u16le(r);
        command = tab & 0x8000;
        index = tab & 0x7FFF;
    } else {
        index = sk_reader_u16le(r);
        argc = sk_xlm_fixed_args(index);
    }
    if (r->err)
        return false;
    bool user = !command && index == 0xFF;
    return rs_call(rs, function_name(index, command, buf, sizeof buf), argc, user);
}

static bool ptg_name(struct render *rs, struct sk_reader *r)
{
    const struct sk_xlm_book *book = rs->book;
    bool biff8 = book->biff != SK_XLM_BIFF5;
    uint32_t index = biff8 ? sk_reader_u32le(r) : sk_reader_u16le(r);
    if (!biff8)
        sk_reader_skip(r, 12);
    const char *name = book->name && !r->err ? book->name(book->ctx, index) : NULL;
    if (name)
        return rs_push(rs, name);
    char buf[32];
    return rs_push(rs, fmt_small(buf, sizeof buf, "NAME_%u", (unsigned)index));
}

static bool ptg_namex(struct render *rs, struct sk_reader *r)
{
    uint16_t ixti = sk_reader_u16le(r);
    uint32_t index;
    if (rs->book->biff == SK_XLM_BIFF12) { /* ixti u16, nameindex u32 */
        index = sk_reader_u32le(r);
    } else if (rs->book->biff != SK_XLM_BIFF5) {
        index = sk_reader_u16le(r);
        sk_reader_skip(r, 2);
    } else {
        sk_reader_skip(r, 8);
        index = sk_reader_u16le(r);
        sk_reader_skip(r, 12);
    }
    char buf[40];
    return rs_push(rs, fmt_small(buf, sizeof buf, "EXTERN_NAME(%u,%u)", ixti, (unsigned)index));
}

static bool ptg_ref3d(struct render *rs, struct sk_reader *r, bool area)
{
    const char *sheet;
    if (rs->book->biff != SK_XLM_BIFF5) {
        sheet = sheet_of_xti(rs->book, sk_reader_u16le(r));
    } else {
        int16_t ixals = (int16_t)sk_reader_u16le(r);
        sk_reader_skip(r, 8);
        int16_t first = (int16_t)sk_reader_u16le(r);
        sk_reader_skip(r, 2);
        sheet = ixals < 0 ? sheet_of(rs->book, first) : "[external]";
    }
    char ref[100];
    if (area)
        read_area(r, rs->book, false, ref, sizeof ref);
    else
        read_loc(r, rs->book, false, ref, sizeof ref);
    return !r->err && push_sheet_ref(rs, sheet, ref);
}

/* PtgAttr (2.5.198.31): only AttrSum changes what is shown; AttrChoose
 * carries a jump table to skip. */
static bool ptg_attr(struct render *rs, struct sk_reader *r)
{
    uint8_t flags = sk_reader_u8(r);
    uint16_t w = sk_reader_u16le(r);
    if (flags & 0x04)
        sk_reader_skip(r, ((size_t)w + 1) * 2);
    if (r->err)
        return false;
    if (flags & 0x10)
        return rs_wrap(rs, "SUM(", ")");
    return true;
}

static const char *binary_operator(uint8_t ptg)
{
    static const char *const ops[] = {
        [0x03] = "+", [0x04] = "-",  [0x05] = "*",  [0x06] = "/", [0x07] = "^",
        [0x08] = "&", [0x09] = "<",  [0x0A] = "<=", [0x0B] = "=", [0x0C] = ">=",
        [0x0D] = ">", [0x0E] = "<>", [0x0F] = " ",  [0x10] = ",", [0x11] = ":",
    };
    return ptg < sizeof ops / sizeof ops[0] ? ops[ptg] : NULL;
}

/* Operand tokens that carry a cell or area, by class-free token number. */
static bool ptg_reference(struct render *rs, struct sk_reader *r, uint8_t base)
{
    const struct sk_xlm_book *book = rs->book;
    /* the error tokens' sizes: BIFF12 (rows are u32), BIFF8, BIFF5 */
    size_t ref_err = book->biff == SK_XLM_BIFF12 ? 6 : book->biff == SK_XLM_BIFF8 ? 4 : 3;
    size_t area_err = book->biff == SK_XLM_BIFF12 ? 12 : book->biff == SK_XLM_BIFF8 ? 8 : 6;
    size_t ref_err3d = book->biff == SK_XLM_BIFF12 ? 8 : book->biff == SK_XLM_BIFF8 ? 6 : 17;
    size_t area_err3d = book->biff == SK_XLM_BIFF12 ? 14 : book->biff == SK_XLM_BIFF8 ? 10 : 20;
    char ref[100];
    switch (base) {
    case 0x24: read_loc(r, book, false, ref, sizeof ref); break;
    case 0x2C: read_loc(r, book, true, ref, sizeof ref); break;
    case 0x25: read_area(r, book, false, ref, sizeof ref); break;
    case 0x2D: read_area(r, book, true, ref, sizeof ref); break;
    case 0x2A: sk_reader_skip(r, ref_err); return rs_push(rs, "#REF!");
    case 0x2B: sk_reader_skip(r, area_err); return rs_push(rs, "#REF!");
    case 0x3C: sk_reader_skip(r, ref_err3d); return rs_push(rs, "#REF!");
    case 0x3D: sk_reader_skip(r, area_err3d); return rs_push(rs, "#REF!");
    default: return false;
    }
    return !r->err && rs_push(rs, ref);
}

/* A classified token (0x20..0x7F): the class bits do not change the text. */
static bool ptg_classified(struct render *rs, struct sk_reader *r, uint8_t base)
{
    switch (base) {
    case 0x20: /* PtgArray: 7 unused bytes, 14 in BIFF12 */
        sk_reader_skip(r, rs->book->biff == SK_XLM_BIFF12 ? 14 : 7);
        return rs_push(rs, "{array}");
    case 0x21: return ptg_func(rs, r, false);
    case 0x22: return ptg_func(rs, r, true);
    case 0x23: return ptg_name(rs, r);
    case 0x26: /* PtgMemArea, MemErr, MemNoMem: the subexpression follows */
    case 0x27:
    case 0x28: return sk_reader_skip(r, 6) == 0;
    case 0x29:
    case 0x2E:
    case 0x2F: return sk_reader_skip(r, 2) == 0;
    case 0x39: return ptg_namex(rs, r);
    case 0x3A: return ptg_ref3d(rs, r, false);
    case 0x3B: return ptg_ref3d(rs, r, true);
    default: return ptg_reference(rs, r, base);
    }
}

/* One token; false when it is not understood (the formula ends there). */
static bool render_ptg(struct render *rs, struct sk_reader *r)
{
    uint8_t ptg = sk_reader_u8(r);
    char buf[48];
    const char *op = binary_operator(ptg);
    if (op)
        return rs_binary(rs, op);
    if (ptg >= 0x20 && ptg < 0x80)
        return ptg_classified(rs, r, (uint8_t)((ptg & 0x1F) | 0x20));
    switch (ptg) {
    case 0x01: /* PtgExp: the formula is shared (ShrFmla) or an array */
    case 0x02:
        if (rs->book->biff == SK_XLM_BIFF12) { /* BIFF12: the row only (u32) */
            fmt_small(buf, sizeof buf, "R%u", sk_reader_u32le(r) + 1u);
        } else { /* BIFF8 and BIFF5: rw u16, col u16 */
            uint16_t rw = sk_reader_u16le(r), cl = sk_reader_u16le(r);
            fmt_cell(buf, sizeof buf, rw, cl & 0x3FFF, false, false, false);
        }
        return !r->err && rs_push(rs, ptg == 1 ? "SHARED(" : "TABLE(") &&
               rs_wrap(rs, "", buf) && rs_wrap(rs, "", ")");
    case 0x12: return rs_wrap(rs, "+", "");
    case 0x13: return rs_wrap(rs, "-", "");
    case 0x14: return rs_wrap(rs, "", "%");
    case 0x15: return rs_wrap(rs, "(", ")");
    case 0x16: return rs_push(rs, "");
    case 0x17: return ptg_string(rs, r);
    case 0x19: return ptg_attr(rs, r);
    case 0x1C: return ptg_error(rs, sk_reader_u8(r));
    case 0x1D: return rs_push(rs, sk_reader_u8(r) ? "TRUE" : "FALSE");
    case 0x1E: return rs_push(rs, fmt_small(buf, sizeof buf, "%u", sk_reader_u16le(r)));
    case 0x1F: return ptg_number(rs, r);
    default: return false;
    }
}

void sk_xlm_render(const struct sk_xlm_book *book, struct sk_reader *r, struct sk_xlm_buf *out)
{
    struct render *rs = buf_calloc(out, sizeof *rs);
    if (!rs)
        return;
    rs->book = book;
    rs->allocator = out->allocator;
    while (sk_reader_left(r) > 0 && !r->err && !rs->failed)
        if (!render_ptg(rs, r) || r->err)
            rs->failed = true;
    sk_xlm_put(out, "=", 1);
    for (size_t i = 0; i < rs->depth; i++) {
        if (i)
            sk_xlm_put(out, " ", 1);
        sk_xlm_put(out, book->scratch + rs->stack[i].off, rs->stack[i].len);
    }
    if (rs->failed)
        sk_xlm_str(out, rs->depth ? " ?" : "?");
    out->nomem |= rs->nomem;
    free(rs);
}

size_t sk_xlm_cell(char *out, size_t cap, uint64_t row, uint64_t col)
{
    int n =
        snprintf(out, cap, "R%lluC%llu: ", (unsigned long long)row, (unsigned long long)col);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* ---- BIFF12 formulas for ooxml.c ----------------------------------------------- */

int sk_xlm_render_biff12(const uint8_t *rgce, size_t len, char *out, size_t cap,
                         size_t *out_len, const struct sk_alloc *allocator)
{
    int rc = 0;
    *out_len = 0;
    struct sk_xlm_buf text = {.max = cap > 0 ? cap - 1 : 0, .allocator = allocator};
    /* a workbook without sheets, names or SupBooks: references to them are
     * shown as "?!R1C1" and NAME_<n>, which is all an .xlsb part tells */
    struct sk_xlm_book book = {.biff = SK_XLM_BIFF12,
                               .scratch = allocator
                                              ? allocator->realloc(allocator->ctx, NULL,
                                                                   SK_XLM_MAX_FORMULA)
                                              : malloc(SK_XLM_MAX_FORMULA)};
    if (!book.scratch) {
        rc = SK_ENOMEM;
        goto out;
    }
    struct sk_reader r = sk_reader_make(rgce, len);
    sk_xlm_render(&book, &r, &text);
    if (text.nomem) {
        rc = SK_ENOMEM;
        goto out;
    }
    if (cap > 0) {
        memcpy(out, text.p ? text.p : "", text.len);
        out[text.len] = '\0';
        *out_len = text.len;
    }
out:
    free(text.p);
    free(book.scratch);
    return rc;
}
