/* ISO-2022-JP as Microsoft writes it (CP50220/CP50221/CP50222, also called
 * ISO-2022-JP-MS): Outlook's Japanese mail, with the NEC special characters
 * (row 13: ① ㈱ ㍻), the NEC-selected IBM extensions (rows 89-92) and
 * half-width katakana, none of which plain ISO-2022-JP (RFC 1468) or
 * glibc's iconv accepts. */
#ifndef SK_ISO2022JP_H
#define SK_ISO2022JP_H

#include <stddef.h>
#include <stdint.h>

/* Rewrites ISO-2022-JP-MS text as CP932 (Shift_JIS with Microsoft's
 * extensions), which iconv then reads. `out` must hold n bytes: the CP932
 * form is never longer (escape sequences are dropped, a JIS pair becomes a
 * Shift_JIS pair, a katakana byte one byte). Returns the bytes written, or
 * SIZE_MAX when the input is not such text (an 8-bit byte, an escape
 * sequence other than those below, half a double-byte pair). */
size_t sk_iso2022jp_to_cp932(const uint8_t *in, size_t n, uint8_t *out);

#endif
