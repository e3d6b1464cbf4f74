/* MSI stream names.
 *
 * Windows Installer stores each table as a stream named "!" + the table's
 * name and each file-like stream (an embedded cab1.cab, a Binary table's
 * blob) under its own name, both packed into MS-CFB's 31-character entry
 * names: the 64 characters 0-9, A-Z, a-z, '.', '_' are numbered 0..63; a
 * pair (c1, c2) becomes U+3800 + c1 + 64 * c2, a lone last character
 * U+4800 + c, and U+4840 is the table prefix '!'. This is the encoding of
 * Wine's and msitools' decode_streamname (no Microsoft document describes
 * it); anything else in a name (U+0005 of "\005SummaryInformation") is
 * copied as it is. A pure function: no allocation, output bounded by cap. */
#include "msi_name.h"

#include <glib.h>
#include <string.h>

#include "../engine/error.h"

#define MSI_PAIR_FIRST 0x3800u
#define MSI_SINGLE_FIRST 0x4800u
#define MSI_TABLE_PREFIX 0x4840u

static char msi_char(unsigned x)
{
    static const char alphabet[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._";
    return alphabet[x & 0x3f];
}

int sk_msi_name_decode(const char *in, size_t len, char *out, size_t cap)
{
    if (cap == 0)
        return SK_EINVAL;
    out[0] = '\0';
    if (len > G_MAXSSIZE || !g_utf8_validate(in, (gssize)len, NULL))
        return SK_EINVAL;
    size_t n = 0;
    for (const char *p = in, *end = in + len; p < end;) {
        gunichar ch = g_utf8_get_char(p);
        const char *next = g_utf8_next_char(p);
        char decoded[2];
        size_t k = 0;
        if (ch >= MSI_PAIR_FIRST && ch < MSI_SINGLE_FIRST) {
            decoded[k++] = msi_char((ch - MSI_PAIR_FIRST) & 0x3f);
            decoded[k++] = msi_char((ch - MSI_PAIR_FIRST) >> 6);
        } else if (ch >= MSI_SINGLE_FIRST && ch < MSI_TABLE_PREFIX) {
            decoded[k++] = msi_char(ch - MSI_SINGLE_FIRST);
        } else if (ch == MSI_TABLE_PREFIX) {
            decoded[k++] = '!';
        }
        const char *copy = k ? decoded : p;
        size_t copy_len = k ? k : (size_t)(next - p);
        if (copy_len >= cap - n) {
            out[0] = '\0';
            return SK_EINVAL;
        }
        memcpy(out + n, copy, copy_len);
        n += copy_len;
        p = next;
    }
    out[n] = '\0';
    return 0;
}
