/* The XLM formula renderer (unpackers/xlm_render.c) and its function
 * tables (xlm_ftab.c): known formulas as BIFF8, BIFF5 and BIFF12 Rgce
 * tokens ([MS-XLS] 2.5.198, [MS-XLSB] 2.5.98), written here byte by byte
 * from the specifications, rendered into the one grammar every XLM text
 * uses; names and 3-D references through the book's callbacks; the caps. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/error.h"
#include "unpackers/xlm_ftab.h"
#include "unpackers/xlm_render.h"

static const char *sheet(void *ctx, int index)
{
    (void)ctx;
    return index == 1 ? "Macro1" : NULL;
}

static const char *sheet_xti(void *ctx, uint16_t ixti)
{
    (void)ctx;
    return ixti == 0 ? "Macro1" : ixti == 1 ? "[external]" : NULL;
}

static const char *name(void *ctx, uint32_t index)
{
    (void)ctx;
    return index == 1 ? "Auto_Open" : NULL;
}

static char scratch[SK_XLM_MAX_FORMULA];

/* Renders p[0..n) in the given encoding (static buffer). */
static const char *render(enum sk_xlm_biff biff, const uint8_t *p, size_t n)
{
    static char text[4096];
    struct sk_xlm_book book = {biff, NULL, sheet, sheet_xti, name, scratch};
    struct sk_xlm_buf out = {.max = sizeof text - 1};
    struct sk_reader r = sk_reader_make(p, n);
    sk_xlm_render(&book, &r, &out);
    snprintf(text, sizeof text, "%s", out.p ? out.p : "(null)");
    free(out.p);
    return text;
}

/* An allocator that refuses its call number `fail_at` (0-based) and every
 * one after; counts the calls it was asked. */
struct refusing {
    unsigned calls, fail_at;
};

static void *refuse_from(void *ctx, void *p, size_t size)
{
    struct refusing *r = ctx;
    return r->calls++ >= r->fail_at ? NULL : realloc(p, size);
}

/* The text and the renderer's state come from the buffer's allocator: a
 * refusal at each of its calls says nomem (and leaks nothing: the
 * sanitizer build runs this); past the last the text is the baseline. */
static void allocator_refusals(void)
{
    static const uint8_t exec[] = {0x17, 8, 0, 'c', 'a', 'l', 'c', '.', 'e', 'x', 'e',
                                   0x42, 1,    0x6E, 0x00}; /* =EXEC("calc.exe") */
    struct sk_xlm_book book = {SK_XLM_BIFF8, NULL, sheet, sheet_xti, name, scratch};
    unsigned points = 0;
    for (unsigned k = 0; k < 64; k++) {
        struct refusing ctx = {0, k};
        const struct sk_alloc a = {refuse_from, &ctx};
        struct sk_xlm_buf out = {.max = 1024, .allocator = &a};
        struct sk_reader r = sk_reader_make(exec, sizeof exec);
        sk_xlm_render(&book, &r, &out);
        char *text = sk_xlm_take(&out);
        if (ctx.calls <= k) { /* nothing refused: the baseline */
            CHECK_EQ_STR(text, "=EXEC(\"calc.exe\")");
            points = k;
            free(text);
            break;
        }
        CHECK(text == NULL || strcmp(text, "=EXEC(\"calc.exe\")") != 0);
        free(text);
    }
    CHECK(points >= 3); /* the state, the string operand, the text */
}

#define RENDER(biff, ...)                                                                      \
    render(biff, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

int main(void)
{
    /* Ftab and Cetab ([MS-XLS] 2.5.198.17, 2.5.198.4). */
    CHECK_EQ_STR(sk_xlm_function_name(0x0000, false), "COUNT");
    CHECK_EQ_STR(sk_xlm_function_name(0x0001, false), "IF");
    CHECK_EQ_STR(sk_xlm_function_name(0x006E, false), "EXEC");
    CHECK_EQ_STR(sk_xlm_function_name(0x0096, false), "CALL");
    CHECK_EQ_STR(sk_xlm_function_name(0x0095, false), "REGISTER");
    CHECK_EQ_STR(sk_xlm_function_name(0x0000, true), "BEEP");
    CHECK_EQ_STR(sk_xlm_function_name(0x0060, true), "FORMULA");
    CHECK(sk_xlm_function_name(0x7FFF, false) == NULL);
    CHECK(sk_xlm_function_name(0x7FFF, true) == NULL);
    CHECK_EQ_INT(sk_xlm_fixed_args(0x0002), 1); /* ISNA */
    CHECK_EQ_INT(sk_xlm_fixed_args(0x0001), 0); /* IF takes PtgFuncVar */
    CHECK_EQ_INT(sk_xlm_fixed_args(0xFFFF), 0);

    /* =EXEC("calc.exe"): PtgStr (ShortXLUnicodeString), PtgFuncVar (argc 1,
     * Ftab 0x006E). */
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x17, 8, 0, 'c', 'a', 'l', 'c', '.', 'e', 'x', 'e', 0x42,
                        1, 0x6E, 0x00),
                 "=EXEC(\"calc.exe\")");
    /* BIFF5: the string has no flags byte. */
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF5, 0x17, 3, 'a', '"', 'b', 0x42, 1, 0x6E, 0x00),
                 "=EXEC(\"a\"\"b\")");
    /* BIFF12: PtgStr is a u16 count of UTF-16 units ([MS-XLSB] PtgStr). */
    CHECK_EQ_STR(
        RENDER(SK_XLM_BIFF12, 0x17, 4, 0, 'c', 0, 'm', 0, 'd', 0, 0xE9, 0, 0x42, 1, 0x6E, 0x00),
        "=EXEC(\"cmd\xC3\xA9\")");
    /* =CALL("kernel32","WinExec","JCJ","x",0) with PtgInt, and a command
     * (fCeFunc) the table does not name. */
    CHECK_EQ_STR(
        RENDER(SK_XLM_BIFF8, 0x17, 1, 0, 'k', 0x17, 1, 0, 'w', 0x1E, 5, 0, 0x42, 3, 0x96, 0x00),
        "=CALL(\"k\",\"w\",5)");
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x42, 0, 0xFF, 0xFF), "=CMD_32767()");
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x41, 0x02, 0x00), "=ISNA(?) ?"); /* operand missing */

    /* References: BIFF8 rw u16 + col u16 with the flags; BIFF12 rw u32. */
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x24, 0, 0, 0, 0, 0x24, 1, 0, 1, 0, 0x03), "=R1C1+R2C2");
    CHECK_EQ_STR(
        RENDER(SK_XLM_BIFF12, 0x24, 0, 0, 0, 0, 0, 0, 0x24, 0x3F, 0x42, 0x0F, 0, 3, 0, 0x03),
        "=R1C1+R1000000C4");
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF12, 0x25, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 2, 0),
                 "=R1C1:R10C3");
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x25, 0, 0, 9, 0, 0, 0, 2, 0), "=R1C1:R10C3");
    /* PtgRefN in a shared formula: offsets, signed. */
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x2C, 0xFF, 0xFF, 0x01, 0xC0), "=R[-1]C[1]");
    /* 3-D: the ExternSheet entry names the sheet (BIFF8). */
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x3A, 0, 0, 4, 0, 1, 0), "=Macro1!R5C2");
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x3A, 1, 0, 4, 0, 1, 0), "=[external]!R5C2");
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x3A, 7, 0, 4, 0, 1, 0), "=?!R5C2");
    /* Names: PtgName (index u32 in BIFF8). */
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x23, 1, 0, 0, 0), "=Auto_Open");
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x23, 9, 0, 0, 0), "=NAME_9");
    /* Operators, a number, a bool, an error. */
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x1E, 2, 0, 0x1E, 3, 0, 0x05, 0x15, 0x13), "=-(2*3)");
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x1F, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F), "=1.5");
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x1D, 1, 0x1C, 0x07, 0x08), "=TRUE&#DIV/0!");
    /* A token not understood, a string cut short. */
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x1E, 1, 0, 0xFF), "=1 ?");
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8, 0x17, 9, 0, 'a'), "=?");
    CHECK_EQ_STR(RENDER(SK_XLM_BIFF8), "=");

    /* The BIFF12 entry ooxml.c uses, its output cap. */
    const uint8_t exec12[] = {0x17, 3, 0, 'c', 0, 'm', 0, 'd', 0, 0x42, 1, 0x6E, 0x00};
    char out[64];
    size_t len = 99;
    CHECK_EQ_INT(sk_xlm_render_biff12(exec12, sizeof exec12, out, sizeof out, &len, NULL), 0);
    CHECK_EQ_STR(out, "=EXEC(\"cmd\")");
    CHECK_EQ_INT(len, 12);
    /* What does not fit whole is left out (the text is cut between pieces). */
    CHECK_EQ_INT(sk_xlm_render_biff12(exec12, sizeof exec12, out, 6, &len, NULL), 0);
    CHECK_EQ_STR(out, "=");
    CHECK_EQ_INT(len, 1);

    /* The cell prefix every XLM text writes (biff.c, ooxml.c, sylk.c). */
    char cell[24];
    CHECK_EQ_INT(sk_xlm_cell(cell, sizeof cell, 1, 1), 6);
    CHECK_EQ_STR(cell, "R1C1: ");
    CHECK_EQ_INT(sk_xlm_cell(cell, sizeof cell, 1048576, 16384), 16);
    CHECK_EQ_STR(cell, "R1048576C16384: ");
    CHECK_EQ_INT(sk_xlm_cell(cell, 16, 1048576, 16384), 0); /* does not fit */

    /* A formula whose text passes the scratch: 80 strings of 255 bytes
     * joined by PtgConcat; the text ends with what fitted and " ?". */
    static uint8_t big[80 * 259];
    size_t n = 0;
    for (int i = 0; i < 80; i++) {
        big[n++] = 0x17;
        big[n++] = 255;
        big[n++] = 0;
        memset(big + n, 'x', 255);
        n += 255;
        if (i > 0)
            big[n++] = 0x08;
    }
    struct sk_xlm_book book = {SK_XLM_BIFF8, NULL, NULL, NULL, NULL, scratch};
    struct sk_xlm_buf whole = {.max = 1u << 20};
    struct sk_reader r = sk_reader_make(big, n);
    sk_xlm_render(&book, &r, &whole);
    CHECK(whole.p && whole.len > SK_XLM_MAX_FORMULA / 2 && whole.len < SK_XLM_MAX_FORMULA + 8);
    CHECK(whole.p && strcmp(whole.p + whole.len - 2, " ?") == 0);
    free(whole.p);

    /* The cap is the caller's max: a text that passes it is cut, "full". */
    struct sk_xlm_buf small = {.max = 4};
    CHECK(sk_xlm_str(&small, "=EXE"));
    CHECK(!sk_xlm_str(&small, "C"));
    CHECK(small.full && !small.nomem && small.len == 4);
    char *cut = sk_xlm_take(&small);
    CHECK_EQ_STR(cut, "=EXE");
    free(cut);
    struct sk_xlm_buf none = {.max = 0};
    char *empty = sk_xlm_take(&none);
    CHECK_EQ_STR(empty, "");
    free(empty);

    allocator_refusals();
    return check_exit("xlm_render");
}
