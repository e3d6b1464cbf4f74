/* Excel 4.0 (XLM) formulas as text: one form for every source.
 *
 * biff.c renders the parsed formulas (Rgce, [MS-XLS] 2.5.198) of BIFF5 and
 * BIFF8 macro sheets as Excel shows them, `=EXEC("calc.exe")`: function
 * names from Ftab/Cetab, R1C1 references, strings quoted with "" doubled,
 * an unknown token ending the text with "?". ooxml.c hands it the BIFF12
 * formulas of .xlsb macro sheets ([MS-XLSB] 2.5.97.88 Rgce, the same tokens
 * with wider rows and strings), so that a rule written for one matches the
 * other. Each cell is one line `R<row>C<col>: =<formula>`. */
#ifndef SK_XLM_H
#define SK_XLM_H

#include <stddef.h>
#include <stdint.h>

/* Renders one BIFF12 Rgce of len bytes as "=..." into out: at most cap - 1
 * bytes and a NUL (a longer text is cut); *out_len says how many. Returns
 * 0, or SK_ENOMEM. Allocates nothing that outlives the call. */
int sk_xlm_render_biff12(const uint8_t *rgce, size_t len, char *out, size_t cap,
                         size_t *out_len);

#endif
