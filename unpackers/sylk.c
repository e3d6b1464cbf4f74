/* SYLK (.slk) spreadsheets: Excel 4.0 macros and formulas as text.
 *
 * Spec: the SYLK format as Microsoft Multiplan/Excel write it (no official
 * standard; the field letters follow Excel's "SYLK file format" notes): one
 * record a line, fields separated by ';' (";;" is a literal ';'), the record
 * type first. Read here: `ID` (must open the file: "ID;P..."), `O` (options:
 * a field `E` marks a macro sheet, which Excel runs as XLM), `NN` (a name:
 * `NN;NAuto_open;ER1C1`), `C` and `F` (cell position `X` column, `Y` row,
 * carried over from the previous record; `E` an expression, `K` a value).
 *
 * The node is a text node that starts "ID;P". A macro sheet (O;E), or a
 * file with an Auto_Open/Auto_Close name, is reported macro.xlm (detail: the
 * names). When the file holds any expression, one child "XLM/sylk" typed
 * SK_TYPE_XLM is handed back: a `NAMES:` line, then `R1C1: =ALERT("x")` for
 * each expression and `R1C1: "text"` for each text value, so YARA rules read
 * the same form as for BIFF macro sheets.
 *
 * Refuses: nothing; unknown records are skipped. Limits: at most
 * SYLK_MAX_LINES records are read; child bytes through sk_unpack_append; the
 * engine's time limit is checked every 4096 lines. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/error.h"
#include "unpacker.h"
#include "xlm_render.h"

#define SYLK_MAX_LINES 2000000u
#define SYLK_MAX_NAMES_TEXT 4096u /* the Auto_Open/Auto_Close summary */

struct slice {
    const char *p;
    size_t n;
};

struct sylk_state {
    struct slice text;
    bool macro;        /* O;E */
    bool has_formulas; /* some C/F record carries E */
    char names[SYLK_MAX_NAMES_TEXT];
    size_t names_len;
    bool done;
};

/* A SYLK file opens with its ID record ("ID;P" and the writer's name); it
 * stays a text node, which this unpacker opens. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    const struct sk_reader in = sk_reader_make(node->data.p, node->data.len);
    if (node->type != SK_TYPE_TEXT || !sk_reader_match(&in, 0, "ID;P", 4))
        return 0;
    *type = SK_TYPE_TEXT;
    return 65;
}

/* The next line of text (without its end of line); false at the end. */
static bool next_line(const struct slice *text, size_t *pos, struct slice *line)
{
    if (*pos >= text->n)
        return false;
    const char *start = text->p + *pos;
    const char *nl = memchr(start, '\n', text->n - *pos);
    size_t n = nl ? (size_t)(nl - start) : text->n - *pos;
    *pos += n + (nl ? 1 : 0);
    if (n && start[n - 1] == '\r')
        n--;
    *line = (struct slice){start, n};
    return true;
}

/* The next field of a record: up to a ';' that is not doubled. */
static bool next_field(const struct slice *line, size_t *pos, struct slice *field)
{
    if (*pos > line->n)
        return false;
    size_t i = *pos;
    while (i < line->n) {
        if (line->p[i] == ';') {
            if (i + 1 < line->n && line->p[i + 1] == ';') {
                i += 2;
                continue;
            }
            break;
        }
        i++;
    }
    *field = (struct slice){line->p + *pos, i - *pos};
    *pos = i + 1;
    return true;
}

static bool record_is(const struct slice *line, const char *type)
{
    size_t n = strlen(type);
    return line->n >= n && memcmp(line->p, type, n) == 0 && (line->n == n || line->p[n] == ';');
}

static unsigned field_number(const struct slice *f)
{
    unsigned v = 0;
    for (size_t i = 1; i < f->n && f->p[i] >= '0' && f->p[i] <= '9' && v < 1000000u; i++)
        v = v * 10 + (unsigned)(f->p[i] - '0');
    return v;
}

/* Appends a field's value (after its letter) with ";;" undone. */
static int append_value(struct sk_unpack *u, struct sk_buf *buf, const struct slice *f,
                        size_t skip)
{
    size_t i = skip, from = skip;
    int rc = 0;
    while (rc == 0 && i < f->n) {
        if (f->p[i] == ';' && i + 1 < f->n && f->p[i + 1] == ';') {
            rc = sk_unpack_append(u, buf, f->p + from, i + 1 - from);
            i += 2;
            from = i;
        } else {
            i++;
        }
    }
    if (rc == 0)
        rc = sk_unpack_append(u, buf, f->p + from, f->n - from);
    return rc;
}

static void add_name(struct sylk_state *st, const struct slice *line)
{
    struct slice f, name = {0}, expr = {0};
    size_t pos = 0;
    next_field(line, &pos, &f); /* "NN" */
    while (next_field(line, &pos, &f)) {
        if (f.n && f.p[0] == 'N')
            name = (struct slice){f.p + 1, f.n - 1};
        else if (f.n && f.p[0] == 'E')
            expr = (struct slice){f.p + 1, f.n - 1};
    }
    bool is_auto = (name.n >= 9 && strncasecmp(name.p, "auto_open", 9) == 0) ||
                   (name.n >= 10 && strncasecmp(name.p, "auto_close", 10) == 0);
    if (!is_auto)
        return;
    int n = snprintf(st->names + st->names_len, sizeof st->names - st->names_len, "%s%.*s=%.*s",
                     st->names_len ? "; " : "", (int)(name.n > 200 ? 200 : name.n), name.p,
                     (int)(expr.n > 200 ? 200 : expr.n), expr.p);
    if (n > 0)
        st->names_len += (size_t)n < sizeof st->names - st->names_len
                             ? (size_t)n
                             : sizeof st->names - st->names_len - 1;
}

static void scan_options(struct sylk_state *st, const struct slice *line)
{
    struct slice f;
    size_t pos = 0;
    next_field(line, &pos, &f); /* "O" */
    while (next_field(line, &pos, &f))
        if (f.n == 1 && f.p[0] == 'E')
            st->macro = true;
}

static bool has_expression(const struct slice *line)
{
    struct slice f;
    size_t pos = 0;
    next_field(line, &pos, &f);
    while (next_field(line, &pos, &f))
        if (f.n > 1 && f.p[0] == 'E')
            return true;
    return false;
}

/* First pass, at open: options, names, whether any expression exists. */
static void survey(struct sylk_state *st)
{
    struct slice line;
    size_t pos = 0;
    for (unsigned n = 0; n < SYLK_MAX_LINES && next_line(&st->text, &pos, &line); n++) {
        if (record_is(&line, "O"))
            scan_options(st, &line);
        else if (record_is(&line, "NN"))
            add_name(st, &line);
        else if (!st->has_formulas && (record_is(&line, "C") || record_is(&line, "F")))
            st->has_formulas = has_expression(&line);
    }
}

static int open_sylk(struct sk_unpack *u, void **out)
{
    struct sylk_state *st = calloc(1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    st->text = (struct slice){(const char *)u->node->data.p, u->node->data.len};
    survey(st);
    if (st->macro || st->names_len)
        sk_unpack_reason(u, "macro.xlm", "SYLK %s%s%s",
                         st->macro ? "macro sheet (O;E)" : "file with an auto-run name",
                         st->names_len ? "; " : "", st->names);
    *out = st;
    return 0;
}

/* One C/F record's text: "R<y>C<x>: =<expr>" and/or "R<y>C<x>: <"text">". */
static int emit_cell(struct sk_unpack *u, struct sk_buf *buf, const struct slice *line,
                     unsigned *x, unsigned *y)
{
    struct slice f, expr = {0}, value = {0};
    size_t pos = 0;
    next_field(line, &pos, &f);
    while (next_field(line, &pos, &f)) {
        if (f.n && f.p[0] == 'X')
            *x = field_number(&f);
        else if (f.n && f.p[0] == 'Y')
            *y = field_number(&f);
        else if (f.n > 1 && f.p[0] == 'E')
            expr = f;
        else if (f.n > 1 && f.p[0] == 'K' && f.p[1] == '"')
            value = f;
    }
    char cell[48];
    size_t n = sk_xlm_cell(cell, sizeof cell, *y, *x);
    int rc = 0;
    if (expr.n) {
        rc = sk_unpack_append(u, buf, cell, n);
        rc = rc ? rc : sk_unpack_append(u, buf, "=", 1);
        rc = rc ? rc : append_value(u, buf, &expr, 1);
        rc = rc ? rc : sk_unpack_append(u, buf, "\n", 1);
    }
    if (rc == 0 && value.n) {
        rc = sk_unpack_append(u, buf, cell, n);
        rc = rc ? rc : append_value(u, buf, &value, 1);
        rc = rc ? rc : sk_unpack_append(u, buf, "\n", 1);
    }
    return rc;
}

static int render(struct sk_unpack *u, struct sylk_state *st, struct sk_buf *buf)
{
    int rc = 0;
    if (st->names_len) {
        rc = sk_unpack_append(u, buf, "NAMES: ", 7);
        rc = rc ? rc : sk_unpack_append(u, buf, st->names, st->names_len);
        rc = rc ? rc : sk_unpack_append(u, buf, "\n", 1);
    }
    struct slice line;
    size_t pos = 0;
    unsigned x = 1, y = 1;
    for (unsigned n = 0; rc == 0 && n < SYLK_MAX_LINES && next_line(&st->text, &pos, &line);
         n++) {
        if ((n & 0xFFF) == 0xFFF && sk_unpack_expired(u))
            return SK_ELIMIT;
        if (record_is(&line, "C") || record_is(&line, "F"))
            rc = emit_cell(u, buf, &line, &x, &y);
    }
    return rc;
}

static int next_sylk(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct sylk_state *st = state;
    if (st->done || !st->has_formulas)
        return SK_DONE;
    st->done = true;
    child->name = "XLM/sylk";
    child->name_len = 8;
    child->type = SK_TYPE_XLM;
    int rc = render(u, st, &child->data);
    if (rc == SK_ENOMEM) {
        sk_buf_release(&child->data);
        sk_unpack_fail(u, "sylk", SK_ENOMEM, "out of memory rendering SYLK formulas");
        return rc;
    }
    child->truncated = rc == SK_ELIMIT;
    return 0;
}

static void close_sylk(void *state)
{
    free(state);
}

const struct sk_unpacker sk_unpacker_sylk = {
    .name = "sylk",
    .bid = bid,
    .open = open_sylk,
    .next = next_sylk,
    .close = close_sylk,
};
