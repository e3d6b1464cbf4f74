/* The MS-CFB structure check that runs before libgsf sees a compound file
 * ([MS-CFB] 2.2-2.6: header, DIFAT, FAT, mini FAT, directory). A pure
 * function over bytes: no allocation survives the call, nothing is read
 * outside p[0..len). */
#ifndef SK_CFB_CHECK_H
#define SK_CFB_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Directory entries the check (and ole2.c's walk) reaches at the most. */
#define SK_CFB_MAX_ENTRIES 10000u

/* Checks p[0..len) as a compound file: sector chains that loop, share
 * sectors, reach a sector wholly past the end or are shorter than their
 * stream; a DIFAT or FAT outside the file; a FAT entry that names no
 * sector; a directory tree with a cycle or a malformed entry; a small
 * stream whose mini chain is longer than the cutoff; a cutoff other than
 * 4096 or mini sectors other than 64 bytes.
 * Returns 0, SK_ECORRUPT (*why says what: static text), SK_ELIMIT (more
 * than SK_CFB_MAX_ENTRIES entries) or SK_ENOMEM. *pad: the zeros that would
 * complete a partial last sector (0 when the file ends on a sector
 * boundary; less than one sector). */
int sk_cfb_check(const uint8_t *p, size_t len, const char **why, size_t *pad);

#endif
