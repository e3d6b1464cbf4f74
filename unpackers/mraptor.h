/* mraptor's heuristic (oletools' mraptor.py, 0.60) over VBA source text.
 *
 * A macro is suspicious when it runs by itself (A: AutoOpen, Document_Open,
 * Workbook_Open, <control>_Click, ...) and it writes to disk (W: Kill,
 * CreateTextFile, SaveToFile, ADODB.Stream, Open ... For Output, ...) or
 * executes something (X: Shell, CreateObject, GetObject, Run, Call,
 * Declare ... Lib, ExecuteExcel4Macro, ...). The rule is
 * A and (W or X); flags from several modules are simply OR'ed, as mraptor
 * does over the concatenation of all modules. */
#ifndef SK_MRAPTOR_H
#define SK_MRAPTOR_H

#include <stddef.h>

#define SK_MRAPTOR_AUTOEXEC 1u
#define SK_MRAPTOR_WRITE 2u
#define SK_MRAPTOR_EXECUTE 4u

/* True when flags say suspicious: A and (W or X). */
#define SK_MRAPTOR_FIRES(flags)                                                                \
    (((flags)&SK_MRAPTOR_AUTOEXEC) && ((flags) & (SK_MRAPTOR_WRITE | SK_MRAPTOR_EXECUTE)))

/* Scans src[0..len) (UTF-8 or any ASCII-compatible code page; need not be
 * NUL-terminated) in one linear pass: case-insensitive, whole words, lines
 * continued with " _" joined first as mraptor does. Returns the flags found.
 * When keywords is not NULL, appends to it (NUL-terminated, never past
 * keywords_len) a comma-separated list of the distinct keywords that
 * matched, in the order found; keywords already in the list (from an
 * earlier module) are not repeated. */
unsigned sk_mraptor_scan(const char *src, size_t len, char *keywords, size_t keywords_len);

#endif
