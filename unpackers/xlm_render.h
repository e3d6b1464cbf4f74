/* Excel 4.0 (XLM) formulas as text: one form for every source.
 *
 * The parsed formulas (Rgce) of BIFF5 and BIFF8 macro sheets ([MS-XLS]
 * 2.5.198, biff.c) and of .xlsb ones ([MS-XLSB] 2.5.97.88, ooxml.c: the
 * same tokens with u32 rows, 16-bit columns with their flags and UTF-16
 * PtgStr) are rendered as Excel shows them, `=EXEC("calc.exe")`: function
 * names from Ftab/Cetab (xlm_ftab.c, unknown numbers FUNC_<n>/CMD_<n>), R1C1
 * references, strings quoted with "" doubled, an unknown token ending the
 * text with "?". Each cell is one line `R<row>C<col>: =<formula>`, so that a
 * rule written for one file type matches the others. */
#ifndef SK_XLM_RENDER_H
#define SK_XLM_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/dynbuf.h"
#include "../engine/reader.h"

#define SK_XLM_MAX_FORMULA (16u * 1024) /* rendering scratch of one formula */
#define SK_XLM_MAX_STACK 256u           /* operands of one formula */

/* A growing byte string that refuses to pass `max` (sets `full` instead);
 * `nomem` when an allocation failed. NUL-terminated once it holds a byte.
 * Start from {.max = ...}, and `.allocator` to take its memory (the text
 * and the renderer's working state) from an unpacker's entry point
 * (sk_unpack_dynbuf_init's allocator: a failure is then the job's); NULL
 * is libc. Both are read at their first use. The bytes are a dynbuf capped
 * at `max` (engine/dynbuf.h); `p` and `len` are its view, for reading.
 * free(p) or take it with sk_xlm_take. */
struct sk_xlm_buf {
    char *p;
    size_t len, max;
    bool full, nomem;
    const struct sk_alloc *allocator;
    struct sk_dynbuf text; /* set up at the first put */
    bool started;
};

bool sk_xlm_put(struct sk_xlm_buf *b, const void *p, size_t n);
bool sk_xlm_str(struct sk_xlm_buf *b, const char *s);
bool sk_xlm_fmt(struct sk_xlm_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* cch characters from r, 16-bit (UTF-16LE) or 8-bit (taken as Latin-1), as
 * UTF-8; a quote doubled when `quote` is set; control characters as \xNN. */
void sk_xlm_chars(struct sk_xlm_buf *b, struct sk_reader *r, size_t cch, bool wide, bool quote);

/* BIFF8 ShortXLUnicodeString (cch u8, flags u8) or BIFF5 (cch u8, bytes). */
void sk_xlm_short_string(struct sk_xlm_buf *b, struct sk_reader *r, bool biff8, bool quote);

/* BIFF8 XLUnicodeString (cch u16, flags u8) or BIFF5 (cch u16, bytes). */
void sk_xlm_long_string(struct sk_xlm_buf *b, struct sk_reader *r, bool biff8, bool quote);

/* The text (malloc'd, "" when empty; NULL only when memory ran out), and b
 * emptied. */
char *sk_xlm_take(struct sk_xlm_buf *b);

enum sk_xlm_biff { SK_XLM_BIFF5, SK_XLM_BIFF8, SK_XLM_BIFF12 };

/* The workbook a formula belongs to: its encoding, and what its references
 * name. A NULL callback knows nothing: 3-D references show "?!R1C1",
 * names NAME_<n>. */
struct sk_xlm_book {
    enum sk_xlm_biff biff;
    void *ctx;
    /* Sheet `index`'s name (BIFF5 3-D references), NULL when unknown. */
    const char *(*sheet)(void *ctx, int index);
    /* The sheet ExternSheet entry ixti names (BIFF8): "[external]" for
     * another workbook, NULL when unknown. */
    const char *(*sheet_xti)(void *ctx, uint16_t ixti);
    /* Lbl name number `index` (1-based), NULL when unknown. */
    const char *(*name)(void *ctx, uint32_t index);
    char *scratch; /* SK_XLM_MAX_FORMULA bytes the caller owns */
};

/* Renders the Rgce in r as "=..." onto out. A token not understood (or a
 * cap) ends the text with "?"; out->nomem says memory ran out. */
void sk_xlm_render(const struct sk_xlm_book *book, struct sk_reader *r, struct sk_xlm_buf *out);

/* A cell's line prefix in every XLM text, "R<row>C<col>: ", from one-based
 * numbers, into out (cap bytes, NUL-terminated): its length, or 0 when it
 * does not fit. */
size_t sk_xlm_cell(char *out, size_t cap, uint64_t row, uint64_t col);

/* Renders one BIFF12 Rgce of len bytes as "=..." into out: at most cap - 1
 * bytes and a NUL (a longer text is cut); *out_len says how many. Returns
 * 0, or SK_ENOMEM. Its working memory comes from allocator (libc when
 * NULL) and does not outlive the call. */
int sk_xlm_render_biff12(const uint8_t *rgce, size_t len, char *out, size_t cap,
                         size_t *out_len, const struct sk_alloc *allocator);

#endif
