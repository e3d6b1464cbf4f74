/* Encrypted 7z archives (7zAES), which libarchive 3.6 cannot decrypt: the
 * archive unpacker (archive.c) hands a 7z to this reader when its header
 * or one of its folders is encrypted; plain 7z stays with libarchive.
 *
 * The header walk is sevenz_header.c, the folder decoder sevenz_coders.c,
 * the key derivation sevenz_aes.c. Here: finding the candidate that opens
 * an encrypted header or folder (cheap check first, then the CRCs), and
 * handing back each file as a child. */
#ifndef SK_SEVENZ_H
#define SK_SEVENZ_H

#include <stddef.h>
#include <stdint.h>

#include "unpacker.h"

struct sk_7z_reader;

/* Looks at a 7z without passwords (a compressed header is decoded). 0 with
 * *out set: the archive is encrypted and this reader takes it; 0 with
 * *out NULL: plain or unreadable here (libarchive reads or reports it);
 * SK_ENOMEM. */
int sk_7z_open(struct sk_unpack *u, const uint8_t *data, size_t len, struct sk_7z_reader **out);

/* Hands back the next file: 0, SK_DONE, or a negative code already
 * reported (sk_unpack_fail). */
int sk_7z_next(struct sk_unpack *u, struct sk_7z_reader *r, struct sk_child *child);

void sk_7z_close(struct sk_7z_reader *r);

#endif
