/* ISO-2022-JP-MS to CP932 (iso2022jp.h).
 *
 * Follows RFC 1468 (ISO-2022-JP) and Microsoft's code pages 50220-50222 as
 * Outlook and nkf write them:
 *   ESC ( B   ASCII                 ESC ( J   JIS X 0201 Roman (as ASCII)
 *   ESC $ @   JIS C 6226-1978       ESC $ B   JIS X 0208 with the NEC and
 *                                             IBM rows of CP932
 *   ESC ( I   JIS X 0201 katakana (CP50221)
 *   SO / SI   katakana in and out (CP50222, inside ESC ( J)
 * A double-byte pair (j1, j2), both 0x21-0x7E, maps onto Shift_JIS by the
 * usual arithmetic; rows past 84 land on CP932's NEC-selected IBM
 * extensions (0xED40-0xEEFC) and user-defined area (0xF040-0xF9FC) exactly
 * as Microsoft's converter puts them. Controls (CR, LF, TAB) pass in any
 * mode. Refused: 8-bit bytes (that is Shift_JIS or EUC-JP mislabelled, which
 * the caller tries next), JIS X 0212 and JIS X 0213 designations, and a
 * pair cut by a control or the end. One pass, no allocation. */
#include "iso2022jp.h"

enum mode { ASCII, KANJI, KATAKANA };

/* The mode an escape sequence at in[0] (ESC) selects, and its length; 0
 * when it is not one of ours. */
static size_t escape(const uint8_t *in, size_t left, enum mode *mode)
{
    if (left >= 3 && in[1] == '(' && (in[2] == 'B' || in[2] == 'J')) {
        *mode = ASCII;
        return 3;
    }
    if (left >= 3 && in[1] == '(' && in[2] == 'I') {
        *mode = KATAKANA;
        return 3;
    }
    if (left >= 3 && in[1] == '$' && (in[2] == 'B' || in[2] == '@')) {
        *mode = KANJI;
        return 3;
    }
    return 0;
}

static void jis_to_sjis(uint8_t j1, uint8_t j2, uint8_t *s)
{
    s[0] = (uint8_t)(((j1 + 1) >> 1) + (j1 <= 0x5e ? 0x70 : 0xb0));
    if (j1 & 1)
        s[1] = (uint8_t)(j2 + (j2 >= 0x60 ? 0x20 : 0x1f));
    else
        s[1] = (uint8_t)(j2 + 0x7e);
}

size_t sk_iso2022jp_to_cp932(const uint8_t *in, size_t n, uint8_t *out)
{
    enum mode mode = ASCII, before_so = ASCII;
    size_t o = 0, i = 0;
    while (i < n) {
        uint8_t c = in[i];
        if (c >= 0x80)
            return SIZE_MAX;
        if (c == 0x1b) {
            size_t used = escape(in + i, n - i, &mode);
            if (!used)
                return SIZE_MAX;
            i += used;
            continue;
        }
        if (c == 0x0e || c == 0x0f) { /* SO, SI */
            if (c == 0x0e && mode != KATAKANA)
                before_so = mode;
            mode = c == 0x0e ? KATAKANA : before_so;
            i++;
            continue;
        }
        if (c < 0x21 || c == 0x7f || mode == ASCII) {
            out[o++] = c;
            i++;
        } else if (mode == KATAKANA) {
            if (c > 0x5f)
                return SIZE_MAX;
            out[o++] = (uint8_t)(c + 0x80);
            i++;
        } else {
            if (n - i < 2 || in[i + 1] < 0x21 || in[i + 1] > 0x7e)
                return SIZE_MAX;
            jis_to_sjis(c, in[i + 1], out + o);
            o += 2;
            i += 2;
        }
    }
    return o;
}
