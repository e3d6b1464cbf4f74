/* Excel BIFF5/BIFF8 workbook streams: macro sheets (XLM), hidden sheets,
 * Auto_Open names, and the XLM formulas as text.
 *
 * Spec: [MS-XLS] 2.1.4 (record layout: type u16, size u16), 2.4.21 BOF,
 * 2.4.28 BoundSheet8 (hsState: 0 visible, 1 hidden, 2 very hidden; dt: 0
 * worksheet, 1 macro sheet, 2 chart, 6 VBA module), 2.4.117 FilePass,
 * 2.4.127 Formula, 2.4.150 Lbl (built-in names: 0x01 Auto_Open, 0x02
 * Auto_Close), 2.4.265 SST with 2.4.58 Continue, 2.4.149 LabelSst, 2.4.148
 * Label, 2.4.268 String, 2.4.271 SupBook, 2.4.106 ExternSheet, 2.4.260
 * ShrFmla, 2.5.198 the parsed expression (Rgce, Ptg tokens), 2.5.198.17 Ftab
 * and 2.5.198.4 Cetab (function numbers). BIFF5 differences follow the
 * OpenOffice "Excel File Format" document (byte strings, 3-byte PtgRef,
 * 17-byte PtgRef3d, 14-byte PtgName).
 *
 * The node is the "Workbook" (BIFF8) or "Book" (BIFF5) stream that the OLE2
 * unpacker hands back typed SK_TYPE_BIFF. The globals substream is walked
 * once at `open`: every hidden or very hidden sheet is reported
 * (office.hidden_sheet), every macro sheet (BoundSheet8 dt 1, or a sheet
 * whose own BOF says macro sheet) is reported (macro.xlm, with the
 * Auto_Open/Auto_Close names in the detail). `next` hands back one child per
 * macro sheet, "XLM/<sheet name>" typed SK_TYPE_XLM: one line per cell,
 * `R1C1: =EXEC("calc.exe")` for formulas (function names from Ftab/Cetab,
 * unknown numbers as FUNC_<n>/CMD_<n>, strings quoted with "" doubled),
 * `R2C1: -> "text"` for a formula's cached string result, `R3C1: "text"`
 * for text constants, `SHRFMLA R1C1:R9C1: =...` for shared formulas, and
 * a first line per Auto_Open/Auto_Close name. A SupBook whose virtual path
 * is "application\x03topic" (2.5.277) is a DDE link: office.dde. A token it does not know ends
 * that formula with `?`; the next record is read as usual. The formulas
 * are rendered by xlm_render.c (function names: xlm_ftab.c), which
 * ooxml.c's .xlsb macro sheets share, so they read as .xls ones do.
 *
 * Refuses: FilePass (the workbook is still encrypted: encrypted.unopened,
 * no formulas; ole2.c decrypts what a candidate opens and hands back the
 * stream with FilePass turned into a record of type 0); BIFF2-4 and a stream that does not
 * start with a BOF (error.unsupported / error.corrupt). Limits: every record
 * length is checked against what remains (engine/reader.h); at most
 * BIFF_MAX_RECORDS records per stream, BIFF_MAX_SHEETS sheets, BIFF_MAX_NAMES
 * names, one formula rendered to at most SK_XLM_MAX_FORMULA bytes with a stack
 * of SK_XLM_MAX_STACK operands; SST text decoded only for a macro sheet that
 * uses it, up to BIFF_MAX_SST_TEXT bytes. No recursion: nested substreams
 * are tracked with a depth counter. Child bytes go through sk_unpack_append;
 * every other buffer (names, SupBooks, shared strings, the XLM text and the
 * renderer's state) comes from the job's entry point (engine/unpack.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "unpacker.h"
#include "xlm_render.h"

#define BIFF_MAX_RECORDS 2000000u    /* records read from one stream */
#define BIFF_MAX_SHEETS 4096u        /* BoundSheet8 records kept */
#define BIFF_MAX_NAMES 65536u        /* Lbl records kept (PtgName targets) */
#define BIFF_MAX_XTI 65536u          /* ExternSheet entries kept */
#define BIFF_MAX_SST_TEXT (8u << 20) /* decoded shared strings */
#define BIFF_MAX_SST_COUNT 1000000u

#define REC_FORMULA 0x0006
#define REC_EOF 0x000A
#define REC_EXTERNSHEET 0x0017
#define REC_NAME 0x0018
#define REC_FILEPASS 0x002F
#define REC_CONTINUE 0x003C
#define REC_BOUNDSHEET 0x0085
#define REC_SST 0x00FC
#define REC_LABELSST 0x00FD
#define REC_RSTRING 0x00D6
#define REC_SUPBOOK 0x01AE
#define REC_LABEL 0x0204
#define REC_STRING 0x0207
#define REC_SHRFMLA 0x04BC
#define REC_BOF 0x0809

#define BOF_DT_MACRO 0x0040

struct sheet {
    char *name;    /* UTF-8, owned */
    uint32_t pos;  /* offset of the sheet's BOF in the stream */
    uint8_t state; /* hsState */
    uint8_t dt;
    bool macro;
};

/* An Lbl record: its name, and where its body lies for collect_autos. */
struct name {
    char *text;   /* UTF-8, owned */
    uint32_t pos; /* offset of the record's body */
    uint16_t len;
};

struct xti {
    uint16_t supbook;
    uint16_t first; /* itabFirst */
};

struct biff_state {
    const uint8_t *p;
    size_t len;
    bool biff8;
    uint32_t records;
    struct sheet *sheets;
    size_t n_sheets;
    /* Lbl names in record order (PtgName is 1-based): struct name, at most
     * BIFF_MAX_NAMES */
    struct sk_dynbuf names;
    size_t n_names;
    struct xti *xti;
    size_t n_xti;
    struct sk_dynbuf supbook_self; /* per SupBook a byte: 1 if it is this workbook */
    const struct sk_alloc *alloc;  /* the job's entry point, for every other buffer */
    size_t sst_pos; /* offset of the SST record header, 0 if none */
    bool sst_built;
    struct sk_xlm_buf sst_text;
    uint32_t *sst_off;
    size_t n_sst;
    struct sk_xlm_buf autos; /* "Auto_Open=Macro1!R1C1; ..." */
    size_t next_sheet;
    struct sk_xlm_book book; /* what formulas refer to, and the renderer's scratch */
    char child_name[160];
};

/* ---- records ------------------------------------------------------------ */

struct record {
    uint16_t type;
    size_t at; /* offset of the body */
    struct sk_reader body;
};

/* The record at r's position: false at the end of the stream, when the
 * length runs past it (err set to SK_ETRUNC) or when the record cap is hit
 * (err set to SK_ELIMIT). */
static bool next_record(struct biff_state *st, struct sk_reader *r, struct record *rec,
                        int *err)
{
    if (sk_reader_left(r) < 4)
        return false;
    if (st->records >= BIFF_MAX_RECORDS) {
        *err = SK_ELIMIT;
        return false;
    }
    st->records++;
    rec->type = sk_reader_u16le(r);
    uint16_t size = sk_reader_u16le(r);
    rec->at = r->pos;
    rec->body = sk_reader_sub(r, size);
    if (r->err) {
        *err = SK_ETRUNC;
        return false;
    }
    return true;
}

static const char *sheet_state_name(uint8_t state)
{
    switch (state & 3) {
    case 0: return "visible";
    case 1: return "hidden";
    case 2: return "very hidden";
    default: return "hidden (state 3)";
    }
}

static const char *builtin_name(uint8_t code)
{
    static const char *const names[] = {
        "Consolidate_Area", "Auto_Open",       "Auto_Close",   "Extract",         "Database",
        "Criteria",         "Print_Area",      "Print_Titles", "Recorder",        "Data_Form",
        "Auto_Activate",    "Auto_Deactivate", "Sheet_Title",  "_FilterDatabase",
    };
    return code < sizeof names / sizeof names[0] ? names[code] : NULL;
}

static int add_sheet(struct biff_state *st, struct sk_reader *body)
{
    if (st->n_sheets >= BIFF_MAX_SHEETS)
        return 0;
    struct sheet sh = {0};
    sh.pos = sk_reader_u32le(body);
    sh.state = sk_reader_u8(body);
    sh.dt = sk_reader_u8(body);
    struct sk_xlm_buf name = {.max = 1024, .allocator = st->alloc};
    sk_xlm_short_string(&name, body, st->biff8, false);
    if (name.nomem) {
        free(name.p);
        return SK_ENOMEM;
    }
    sh.name = sk_xlm_take(&name);
    if (!sh.name)
        return SK_ENOMEM;
    sh.macro = sh.dt == 1;
    st->sheets[st->n_sheets++] = sh;
    return 0;
}

/* Lbl (2.4.150): the name, kept for PtgName and the Auto_Open report. */
static int add_name(struct biff_state *st, const struct record *rec)
{
    if (st->n_names >= BIFF_MAX_NAMES)
        return 0;
    struct sk_reader body = rec->body;
    uint16_t flags = sk_reader_u16le(&body);
    sk_reader_skip(&body, 1); /* chKey */
    size_t cch = sk_reader_u8(&body);
    sk_reader_skip(&body, 10); /* cce, itab and reserved (BIFF8); ixals.. (BIFF5) */
    bool wide = st->biff8 ? (sk_reader_u8(&body) & 1) : false;
    struct sk_xlm_buf name = {.max = 1024, .allocator = st->alloc};
    const char *builtin = NULL;
    if (flags & 0x0020) { /* fBuiltin: one character, the built-in code */
        unsigned code = wide ? sk_reader_u16le(&body) : sk_reader_u8(&body);
        builtin = code < 0x100 ? builtin_name((uint8_t)code) : NULL;
        if (builtin)
            sk_xlm_str(&name, builtin);
        else
            sk_xlm_fmt(&name, "BUILTIN_%u", code);
    } else {
        sk_xlm_chars(&name, &body, cch, wide, false);
    }
    char *text = name.nomem ? NULL : sk_xlm_take(&name);
    struct name *slot = NULL;
    if (!text || sk_dynbuf_extend(&st->names, sizeof *slot, (void **)&slot) != 0) {
        free(text); /* the cap holds BIFF_MAX_NAMES: only memory fails here */
        free(name.p);
        return SK_ENOMEM;
    }
    *slot = (struct name){text, (uint32_t)rec->at, (uint16_t)rec->body.len};
    st->n_names++;
    return 0;
}

static int add_supbook(struct biff_state *st, struct sk_reader *body)
{
    sk_reader_skip(body, 2); /* ctab */
    /* This workbook's own SupBook has cch 0x0401 (2.4.271). */
    uint8_t self = sk_reader_u16le(body) == 0x0401;
    int rc = sk_dynbuf_add(&st->supbook_self, &self, 1);
    return rc == SK_ELIMIT ? 0 : rc; /* past BIFF_MAX_XTI they are not kept */
}

/* A SupBook whose virtual path is "application\x03topic" is a DDE link
 * (MS-XLS 2.4.271, 2.5.277 VirtualPath): office.dde, the command in the
 * detail as "application topic". */
static void check_dde_link(struct sk_unpack *u, struct sk_reader body, bool biff8)
{
    sk_reader_skip(&body, 2); /* ctab */
    uint16_t cch = sk_reader_u16le(&body);
    if (!biff8 || cch == 0 || cch > 0xFF)
        return; /* self-reference, add-in or BIFF5: no virtual path */
    bool wide = sk_reader_u8(&body) & 1;
    char link[256];
    size_t n = 0;
    bool dde = false;
    for (uint16_t i = 0; i < cch && !body.err; i++) {
        uint16_t c = wide ? sk_reader_u16le(&body) : sk_reader_u8(&body);
        dde |= c == 0x03;
        link[n++] = c == 0x03 ? ' ' : c >= 0x20 && c < 0x7f ? (char)c : '.';
    }
    link[n] = '\0';
    if (dde && !body.err)
        sk_unpack_reason(u, "office.dde", "DDE link (SupBook): %s", link);
}

static int read_externsheet(struct biff_state *st, struct sk_unpack *u, struct sk_reader *body)
{
    if (!st->biff8 || st->xti)
        return 0; /* BIFF5 PtgRef3d carries the sheet index itself */
    size_t n = sk_reader_u16le(body);
    if (n > sk_reader_left(body) / 6)
        n = sk_reader_left(body) / 6;
    st->xti = sk_unpack_calloc(u, n ? n : 1, sizeof *st->xti);
    if (!st->xti)
        return SK_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        st->xti[i].supbook = sk_reader_u16le(body);
        st->xti[i].first = sk_reader_u16le(body);
        sk_reader_skip(body, 2);
    }
    st->n_xti = n;
    return 0;
}

/* ---- shared strings --------------------------------------------------- */

/* The SST and its Continue records as one stream: a string's characters may
 * break across a record boundary, where the next record starts with a new
 * flags byte (2.5.293 XLUnicodeRichExtendedString, 2.4.58 Continue). */
struct sst_reader {
    struct biff_state *st;
    struct sk_reader stream; /* records after the SST */
    struct sk_reader cur;    /* the body being read */
    int err;
};

static bool sst_advance(struct sst_reader *sr)
{
    struct record rec;
    if (!next_record(sr->st, &sr->stream, &rec, &sr->err) || rec.type != REC_CONTINUE)
        return false;
    sr->cur = rec.body;
    return true;
}

static bool sst_skip(struct sst_reader *sr, size_t n)
{
    while (n > 0) {
        if (sk_reader_left(&sr->cur) == 0 && !sst_advance(sr))
            return false;
        size_t step = sk_reader_left(&sr->cur) < n ? sk_reader_left(&sr->cur) : n;
        sk_reader_skip(&sr->cur, step);
        n -= step;
    }
    return true;
}

static bool sst_header(struct sst_reader *sr, size_t *cch, uint8_t *flags)
{
    if (sk_reader_left(&sr->cur) < 3 && !(sk_reader_left(&sr->cur) == 0 && sst_advance(sr)))
        return false;
    *cch = sk_reader_u16le(&sr->cur);
    *flags = sk_reader_u8(&sr->cur);
    return !sr->cur.err;
}

static bool sst_string(struct sst_reader *sr, struct sk_xlm_buf *out)
{
    size_t cch;
    uint8_t flags;
    if (!sst_header(sr, &cch, &flags))
        return false;
    size_t runs = 0, ext = 0;
    if (flags & 0x08)
        runs = sk_reader_u16le(&sr->cur);
    if (flags & 0x04)
        ext = sk_reader_u32le(&sr->cur);
    bool wide = flags & 1;
    while (cch > 0 && !sr->cur.err) {
        if (sk_reader_left(&sr->cur) == 0) {
            if (!sst_advance(sr))
                return false;
            wide = sk_reader_u8(&sr->cur) & 1;
            continue;
        }
        size_t fit = sk_reader_left(&sr->cur) / (wide ? 2 : 1);
        if (fit == 0)
            return false;
        size_t take = fit < cch ? fit : cch;
        sk_xlm_chars(out, &sr->cur, take, wide, true);
        cch -= take;
    }
    return !sr->cur.err && sst_skip(sr, runs * 4) && sst_skip(sr, ext);
}

/* Decodes the SST on first use (only a macro sheet's LabelSst needs it). */
static void build_sst(struct biff_state *st, struct sk_unpack *u)
{
    st->sst_built = true;
    if (!st->sst_pos)
        return;
    struct sst_reader sr = {st, sk_reader_make(st->p, st->len), {0}, 0};
    sk_reader_seek(&sr.stream, st->sst_pos);
    struct record rec;
    if (!next_record(st, &sr.stream, &rec, &sr.err))
        return;
    sr.cur = rec.body;
    sk_reader_skip(&sr.cur, 4); /* cstTotal */
    size_t n = sk_reader_u32le(&sr.cur);
    if (n > BIFF_MAX_SST_COUNT)
        n = BIFF_MAX_SST_COUNT;
    st->sst_off = sk_unpack_calloc(u, n + 1, sizeof *st->sst_off);
    if (!st->sst_off)
        return; /* recorded by the entry point: the job is not pass */
    st->sst_text.max = BIFF_MAX_SST_TEXT;
    st->sst_text.allocator = st->alloc;
    for (size_t i = 0; i < n; i++) {
        size_t start = st->sst_text.len;
        if (!sst_string(&sr, &st->sst_text) || st->sst_text.full || st->sst_text.nomem)
            break;
        sk_xlm_put(&st->sst_text, "", 0);
        st->sst_off[i] = (uint32_t)start;
        st->sst_off[i + 1] = (uint32_t)st->sst_text.len;
        st->n_sst = i + 1;
    }
}

/* ---- macro sheets ------------------------------------------------------ */

struct sheet_out {
    struct sk_unpack *u;
    struct sk_child *child;
    int rc; /* SK_ELIMIT once the child is full, SK_ENOMEM */
};

static void emit(struct sheet_out *so, const struct sk_xlm_buf *line)
{
    if (so->rc)
        return;
    if (line->nomem) {
        so->rc = SK_ENOMEM;
        return;
    }
    so->rc = sk_unpack_append(so->u, &so->child->data, line->p ? line->p : "", line->len);
    if (so->rc == 0)
        so->rc = sk_unpack_append(so->u, &so->child->data, "\n", 1);
}

static void cell_prefix(struct sk_xlm_buf *line, uint16_t row, uint16_t col)
{
    char cell[48];
    sk_xlm_put(line, cell, sk_xlm_cell(cell, sizeof cell, row + 1u, (col & 0x3FFFu) + 1u));
}

static void emit_formula(struct biff_state *st, struct sheet_out *so, const struct record *rec)
{
    struct sk_reader body = rec->body;
    uint16_t row = sk_reader_u16le(&body), col = sk_reader_u16le(&body);
    sk_reader_skip(&body, 2 + 8 + 2 + 4); /* ixfe, value, flags, chn */
    size_t cce = sk_reader_u16le(&body);
    struct sk_reader rgce =
        sk_reader_sub(&body, cce < sk_reader_left(&body) ? cce : sk_reader_left(&body));
    struct sk_xlm_buf line = {.max = SK_XLM_MAX_FORMULA + 64, .allocator = st->alloc};
    cell_prefix(&line, row, col);
    if (rgce.err)
        sk_xlm_str(&line, "=?");
    else
        sk_xlm_render(&st->book, &rgce, &line);
    emit(so, &line);
    free(line.p);
}

/* ShrFmla: the shared formula's range, then its Rgce (PtgRefN offsets). */
static void emit_shared(struct biff_state *st, struct sheet_out *so, const struct record *rec)
{
    struct sk_reader body = rec->body;
    uint16_t r1 = sk_reader_u16le(&body), r2 = sk_reader_u16le(&body);
    uint8_t c1 = sk_reader_u8(&body), c2 = sk_reader_u8(&body);
    sk_reader_skip(&body, 2); /* reserved, cUse */
    size_t cce = sk_reader_u16le(&body);
    struct sk_reader rgce =
        sk_reader_sub(&body, cce < sk_reader_left(&body) ? cce : sk_reader_left(&body));
    struct sk_xlm_buf line = {.max = SK_XLM_MAX_FORMULA + 64, .allocator = st->alloc};
    sk_xlm_fmt(&line, "SHRFMLA R%uC%u:R%uC%u: ", r1 + 1u, c1 + 1u, r2 + 1u, c2 + 1u);
    sk_xlm_render(&st->book, &rgce, &line);
    emit(so, &line);
    free(line.p);
}

static void emit_text_cell(struct biff_state *st, struct sheet_out *so,
                           const struct record *rec)
{
    struct sk_reader body = rec->body;
    uint16_t row = sk_reader_u16le(&body), col = sk_reader_u16le(&body);
    sk_reader_skip(&body, 2);
    struct sk_xlm_buf line = {.max = 1u << 20, .allocator = st->alloc};
    cell_prefix(&line, row, col);
    sk_xlm_put(&line, "\"", 1);
    if (rec->type == REC_LABELSST) {
        if (!st->sst_built)
            build_sst(st, so->u);
        uint32_t index = sk_reader_u32le(&body);
        if (index < st->n_sst)
            sk_xlm_put(&line, &st->sst_text.p[st->sst_off[index]], /* our own text */
                       st->sst_off[index + 1] - st->sst_off[index]);
        else
            sk_xlm_fmt(&line, "SST#%u", (unsigned)index);
    } else {
        sk_xlm_long_string(&line, &body, st->biff8, true);
    }
    sk_xlm_put(&line, "\"", 1);
    emit(so, &line);
    free(line.p);
}

/* String (2.4.268): the cached text result of the formula just before it. */
static void emit_string_result(struct biff_state *st, struct sheet_out *so,
                               const struct record *rec, uint16_t row, uint16_t col)
{
    struct sk_reader body = rec->body;
    struct sk_xlm_buf line = {.max = 1u << 20, .allocator = st->alloc};
    cell_prefix(&line, row, col);
    sk_xlm_str(&line, "-> \"");
    sk_xlm_long_string(&line, &body, st->biff8, true);
    sk_xlm_put(&line, "\"", 1);
    emit(so, &line);
    free(line.p);
}

static void emit_autos(struct biff_state *st, struct sheet_out *so)
{
    if (!st->autos.len)
        return;
    struct sk_xlm_buf line = {.max = st->autos.len + 16, .allocator = st->alloc};
    sk_xlm_str(&line, "NAMES: ");
    sk_xlm_put(&line, st->autos.p, st->autos.len);
    emit(so, &line);
    free(line.p);
}

/* Walks one macro sheet's substream into the child's text. Returns 0, or
 * SK_ETRUNC/SK_ELIMIT for a sheet that ends early (what was read is kept). */
static int walk_sheet(struct biff_state *st, struct sk_unpack *u, const struct sheet *sh,
                      struct sheet_out *so)
{
    struct sk_reader r = sk_reader_make(st->p, st->len);
    if (sk_reader_seek(&r, sh->pos) != 0)
        return SK_ETRUNC;
    struct record rec;
    int err = 0;
    unsigned depth = 0;
    uint16_t last_row = 0, last_col = 0;
    bool ended = false;
    emit_autos(st, so);
    while (so->rc == 0 && next_record(st, &r, &rec, &err)) {
        if ((st->records & 0xFFF) == 0 && sk_unpack_expired(u))
            return SK_ELIMIT;
        if (rec.type == REC_BOF) {
            depth++;
        } else if (rec.type == REC_EOF) {
            ended = depth <= 1;
            if (ended)
                break;
            depth--;
        } else if (depth == 1 && rec.type == REC_FORMULA) {
            struct sk_reader cell = rec.body;
            last_row = sk_reader_u16le(&cell);
            last_col = sk_reader_u16le(&cell);
            emit_formula(st, so, &rec);
        } else if (depth == 1 && rec.type == REC_STRING) {
            emit_string_result(st, so, &rec, last_row, last_col);
        } else if (depth == 1 && rec.type == REC_SHRFMLA) {
            emit_shared(st, so, &rec);
        } else if (depth == 1 && (rec.type == REC_LABEL || rec.type == REC_LABELSST ||
                                  rec.type == REC_RSTRING)) {
            emit_text_cell(st, so, &rec);
        }
        if (depth == 0)
            break; /* no BOF where the sheet should start */
    }
    /* A sheet that stops before its EOF was cut short (or its BoundSheet8
     * offset is wrong): what was read is kept, the sheet is reported. */
    return err ? err : so->rc == 0 && !ended ? SK_ETRUNC : 0;
}

/* ---- the workbook globals ------------------------------------------------ */

static bool is_auto_name(const char *name)
{
    return strncasecmp(name, "auto_open", 9) == 0 || strncasecmp(name, "auto_close", 10) == 0;
}

/* Renders "Auto_Open=Macro1!R1C1" for each Auto_Open/Auto_Close name, once
 * the sheets and ExternSheet are known. */
static void collect_autos(struct biff_state *st)
{
    st->autos.max = 4096;
    st->autos.allocator = st->alloc;
    struct sk_reader stream = sk_reader_make(st->p, st->len);
    const struct name *names = (const struct name *)st->names.p;
    for (size_t i = 0; i < st->n_names; i++) {
        if (!is_auto_name(names[i].text))
            continue;
        struct sk_reader body = sk_reader_sub_at(&stream, names[i].pos, names[i].len);
        uint16_t flags = sk_reader_u16le(&body);
        sk_reader_skip(&body, 1);
        size_t cch = sk_reader_u8(&body);
        size_t cce = sk_reader_u16le(&body);
        sk_reader_skip(&body, 8);
        bool wide = st->biff8 ? (sk_reader_u8(&body) & 1) : false;
        sk_reader_skip(&body, ((flags & 0x0020) ? 1 : cch) * (wide ? 2 : 1));
        struct sk_reader rgce =
            sk_reader_sub(&body, cce < sk_reader_left(&body) ? cce : sk_reader_left(&body));
        if (st->autos.len)
            sk_xlm_str(&st->autos, "; ");
        sk_xlm_str(&st->autos, names[i].text);
        if (!rgce.err && cce)
            sk_xlm_render(&st->book, &rgce, &st->autos);
    }
}

static int globals_record(struct biff_state *st, struct sk_unpack *u, const struct record *rec)
{
    struct sk_reader body = rec->body;
    switch (rec->type) {
    case REC_FILEPASS:
        sk_unpack_mark_encrypted(u, NULL);
        sk_unpack_reason(u, "encrypted.unopened", "BIFF workbook is encrypted (FILEPASS)");
        return SK_EENCRYPTED;
    case REC_BOUNDSHEET: return add_sheet(st, &body);
    case REC_NAME: return add_name(st, rec);
    case REC_SUPBOOK: check_dde_link(u, rec->body, st->biff8); return add_supbook(st, &body);
    case REC_EXTERNSHEET: return read_externsheet(st, u, &body);
    case REC_SST:
        if (!st->sst_pos)
            st->sst_pos = rec->at - 4;
        return 0;
    default: return 0;
    }
}

/* The first BOF: BIFF8 (vers 0x0600) or BIFF5/7 (0x0500), globals. */
static int read_first_bof(struct biff_state *st, struct sk_unpack *u, struct sk_reader *r)
{
    struct record rec;
    int err = 0;
    if (!next_record(st, r, &rec, &err) || rec.type != REC_BOF) {
        sk_unpack_fail(u, "biff", SK_ECORRUPT, "the stream does not start with a BIFF5/8 BOF");
        return SK_ECORRUPT;
    }
    uint16_t vers = sk_reader_u16le(&rec.body);
    if (vers != 0x0600 && vers != 0x0500) {
        sk_unpack_fail(u, "biff", SK_EUNSUPPORTED, "BIFF version 0x%04x is not read", vers);
        return SK_EUNSUPPORTED;
    }
    st->biff8 = vers == 0x0600;
    st->book.biff = st->biff8 ? SK_XLM_BIFF8 : SK_XLM_BIFF5;
    return 0;
}

static int walk_globals(struct biff_state *st, struct sk_unpack *u)
{
    struct sk_reader r = sk_reader_make(st->p, st->len);
    int rc = read_first_bof(st, u, &r);
    struct record rec;
    int err = 0;
    bool ended = false;
    while (rc == 0 && !ended && next_record(st, &r, &rec, &err)) {
        ended = rec.type == REC_EOF;
        if (!ended)
            rc = globals_record(st, u, &rec);
    }
    if (rc == 0 && (err == SK_ETRUNC || (err == 0 && !ended)))
        sk_unpack_fail(u, "biff", SK_ETRUNC,
                       "the workbook globals end before their EOF record");
    else if (rc == 0 && err == SK_ELIMIT)
        sk_unpack_reason(u, "limit.nodes", "more than %u BIFF records; the rest is not read",
                         BIFF_MAX_RECORDS);
    return rc;
}

/* A sheet whose own BOF says "macro sheet" is one, whatever BoundSheet says. */
static void check_sheet_bof(struct biff_state *st, struct sheet *sh)
{
    struct sk_reader r = sk_reader_make(st->p, st->len);
    if (sk_reader_seek(&r, sh->pos) != 0 || sk_reader_left(&r) < 8)
        return;
    uint16_t type = sk_reader_u16le(&r);
    sk_reader_skip(&r, 4); /* size, vers */
    uint16_t dt = sk_reader_u16le(&r);
    if (type == REC_BOF && dt == BOF_DT_MACRO)
        sh->macro = true;
}

static void report_sheets(struct biff_state *st, struct sk_unpack *u)
{
    for (size_t i = 0; i < st->n_sheets; i++) {
        struct sheet *sh = &st->sheets[i];
        check_sheet_bof(st, sh);
        if (sh->state & 3)
            sk_unpack_reason(u, "office.hidden_sheet", "sheet \"%s\" is %s%s", sh->name,
                             sheet_state_name(sh->state), sh->macro ? " (macro sheet)" : "");
        if (sh->macro)
            sk_unpack_reason(u, "macro.xlm", "Excel 4.0 macro sheet \"%s\" (%s)%s%s", sh->name,
                             sheet_state_name(sh->state), st->autos.len ? "; " : "",
                             st->autos.len ? st->autos.p : "");
    }
}

/* ---- the unpacker -------------------------------------------------------- */

/* The bid. A workbook stream is typed biff by the OLE2 unpacker, from its
 * name: alone that is 40. A first record that is a BOF ([MS-XLS] 2.4.21:
 * type 0x0809, size >= 4) of version BIFF8 or BIFF5/7 is the format's own
 * evidence: 70. Without the BOF the stream is still opened (and reported
 * corrupt or unsupported by read_first_bof). Bytes no one typed biff are
 * not bid for: a bare BOF is too little to tell BIFF from data. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    (void)type;
    if (node->type != SK_TYPE_BIFF)
        return 0;
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    uint16_t rec = sk_reader_u16le(&r), size = sk_reader_u16le(&r), vers = sk_reader_u16le(&r);
    bool bof = !r.err && rec == REC_BOF && size >= 4 && (vers == 0x0600 || vers == 0x0500);
    return bof ? 70 : 40;
}

static void close_biff(void *state)
{
    struct biff_state *st = state;
    if (!st)
        return;
    for (size_t i = 0; i < st->n_sheets; i++)
        free(st->sheets[i].name);
    const struct name *names = (const struct name *)st->names.p;
    for (size_t i = 0; i < st->n_names; i++)
        free(names[i].text);
    free(st->sheets);
    sk_dynbuf_free(&st->names);
    free(st->xti);
    sk_dynbuf_free(&st->supbook_self);
    free(st->sst_text.p);
    free(st->sst_off);
    free(st->autos.p);
    free(st->book.scratch);
    free(st);
}

/* ---- what formulas refer to (struct sk_xlm_book) ---------------------------- */

/* The sheet name a 3-D reference points at, NULL when it is not known. */
static const char *sheet_of(void *ctx, int index)
{
    const struct biff_state *st = ctx;
    if (index >= 0 && (size_t)index < st->n_sheets)
        return st->sheets[index].name;
    return NULL;
}

static const char *sheet_of_xti(void *ctx, uint16_t ixti)
{
    const struct biff_state *st = ctx;
    if (ixti >= st->n_xti)
        return NULL;
    const struct xti *x = &st->xti[ixti];
    if (x->supbook < st->supbook_self.len && !st->supbook_self.p[x->supbook])
        return "[external]";
    return sheet_of(ctx, x->first);
}

static const char *name_of(void *ctx, uint32_t index)
{
    const struct biff_state *st = ctx;
    const struct name *names = (const struct name *)st->names.p;
    return index >= 1 && index <= st->n_names ? names[index - 1].text : NULL;
}

/* Every buffer of the state comes from the job's entry point: a refusal is
 * recorded there (error.internal) before open reports it. */
static struct biff_state *state_new(struct sk_unpack *u)
{
    struct biff_state *st = sk_unpack_calloc(u, 1, sizeof *st);
    if (!st)
        return NULL;
    st->p = u->node->data.p;
    st->len = u->node->data.len;
    sk_unpack_dynbuf_init(u, &st->names, BIFF_MAX_NAMES * sizeof(struct name));
    sk_unpack_dynbuf_init(u, &st->supbook_self, BIFF_MAX_XTI);
    st->alloc = st->names.allocator;
    st->sheets = sk_unpack_calloc(u, BIFF_MAX_SHEETS, sizeof *st->sheets);
    st->book = (struct sk_xlm_book){.biff = SK_XLM_BIFF8,
                                    .ctx = st,
                                    .sheet = sheet_of,
                                    .sheet_xti = sheet_of_xti,
                                    .name = name_of,
                                    .scratch = sk_unpack_alloc(u, SK_XLM_MAX_FORMULA)};
    if (!st->sheets || !st->book.scratch) {
        close_biff(st);
        return NULL;
    }
    return st;
}

static int open_biff(struct sk_unpack *u, void **out)
{
    struct biff_state *st = state_new(u);
    if (!st)
        return SK_ENOMEM;
    int rc = walk_globals(st, u);
    if (rc == SK_ENOMEM)
        sk_unpack_fail(u, "biff", SK_ENOMEM, "out of memory reading the workbook globals");
    if (rc == 0) {
        collect_autos(st);
        report_sheets(st, u);
    }
    /* An encrypted or unreadable workbook has been reported; it has no
     * children, but close still runs. */
    if (rc != 0)
        st->next_sheet = st->n_sheets;
    *out = st;
    return 0;
}

static int next_biff(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct biff_state *st = state;
    while (st->next_sheet < st->n_sheets && !st->sheets[st->next_sheet].macro)
        st->next_sheet++;
    if (st->next_sheet >= st->n_sheets || u->stop || sk_unpack_expired(u))
        return SK_DONE;
    const struct sheet *sh = &st->sheets[st->next_sheet++];
    int n = snprintf(st->child_name, sizeof st->child_name, "XLM/%s", sh->name);
    child->name = st->child_name;
    child->name_len = n < 0                               ? 0
                      : (size_t)n < sizeof st->child_name ? (size_t)n
                                                          : sizeof st->child_name - 1;
    child->type = SK_TYPE_XLM;
    struct sheet_out so = {u, child, 0};
    int err = walk_sheet(st, u, sh, &so);
    if (so.rc == SK_ENOMEM) {
        sk_buf_release(&child->data);
        sk_unpack_fail(u, "biff", SK_ENOMEM, "out of memory rendering macro sheet formulas");
        return SK_ENOMEM;
    }
    if (so.rc == SK_ELIMIT || err == SK_ELIMIT)
        child->truncated = true;
    if (err == SK_ETRUNC)
        sk_unpack_fail(u, "biff", SK_ETRUNC,
                       "macro sheet \"%s\" ends before its EOF record (cut short or misplaced)",
                       sh->name);
    return 0;
}

const struct sk_unpacker sk_unpacker_biff = {
    .name = "biff",
    .bid = bid,
    .open = open_biff,
    .next = next_biff,
    .close = close_biff,
};
