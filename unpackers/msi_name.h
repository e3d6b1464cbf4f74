/* MSI stream and table names (Windows Installer's packing of names into
 * MS-CFB directory entries), decoded for the scan tree. */
#ifndef SK_MSI_NAME_H
#define SK_MSI_NAME_H

#include <stddef.h>

/* Decodes an MSI stream or table name: in[0..len) is the name as UTF-8 (as
 * libgsf gives it), out gets the decoded name NUL-terminated ("cab1.cab",
 * "!_StringData"); characters outside the packed ranges are copied as they
 * are. A decoded name is never longer than the encoded one, so cap > len
 * always suffices. Returns 0, or SK_EINVAL when in is not valid UTF-8 or
 * cap is too small (out is then the empty string when cap > 0). */
int sk_msi_name_decode(const char *in, size_t len, char *out, size_t cap);

#endif
