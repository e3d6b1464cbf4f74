/* Which password candidate opens an encrypted ZIP member, with the archive
 * parsed once (issue 3).
 *
 * The index is the central directory, read once; a trial then reads the
 * member's local header, encryption header, salt and verifier once and redoes
 * per candidate only the key derivation and, for the few candidates that pass
 * the cheap check, the full verification. A candidate is accepted only when
 * decryption, decompression and the CRC-32 (ZipCrypto, AE-1) or the HMAC
 * authentication code (AE-1, AE-2) all verify.
 *
 * Member positions follow libarchive 3.6's seekable ZIP reader, which is what
 * unpackers/archive.c counts with entries_seen: entries in ascending local
 * header offset (not central directory order), directories included, and of
 * several central entries that share one local header offset only the first
 * in central directory order. libarchive names an entry by its local header,
 * so lookups by name compare the local header's name. */
#ifndef SK_ZIP_TRIAL_H
#define SK_ZIP_TRIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sk_zip_index;

/* Parses the end of central directory record (ZIP64 where a field says
 * 0xFFFF/0xFFFFFFFF) and the central directory of zip[0..len). The index
 * borrows `zip`: keep it alive and unchanged until sk_zip_index_free.
 * @return 0 and *out (free with sk_zip_index_free); SK_ECORRUPT for a
 * directory that does not fit or is malformed; SK_ELIMIT when it declares
 * more than max_entries entries; SK_ENOMEM. */
int sk_zip_index_open(const uint8_t *zip, size_t len, size_t max_entries,
                      struct sk_zip_index **out);

void sk_zip_index_free(struct sk_zip_index *index);

/* Entries in libarchive's order (see above). */
size_t sk_zip_index_count(const struct sk_zip_index *index);

/* The name libarchive reports for entry `position` (its local header's, or
 * the central one where the local header is unreadable), not NUL-terminated;
 * NULL when position is out of range. Points into the archive. */
const uint8_t *sk_zip_index_name(const struct sk_zip_index *index, size_t position,
                                 size_t *name_len);

/* Compares every central directory entry with the local header it points
 * at (APPNOTE 4.3.7 against 4.3.12): the method and, unless bit 3 (a data
 * descriptor) or bit 13 (a masked header) defers them, the CRC-32 and both
 * sizes; the compressed bytes must lie inside the archive. Readers that
 * trust different copies see different files (libarchive follows the local
 * header, other tools the central one), so a disagreement is corrupt input.
 * @return 0, or SK_ECORRUPT with name and name_len (the central name, pointing
 * into the archive) and what (which field disagrees). */
int sk_zip_index_check(const struct sk_zip_index *index, const uint8_t **name, size_t *name_len,
                       const char **what);

/* Tries candidates[0..n) (lengths[i] bytes each, NULs allowed) in order on
 * one encrypted member: the entry at `position` in libarchive's order when
 * member_name is NULL or matches it, else the first entry named member_name.
 * `budget` bounds the bytes inflated per verification: a candidate that
 * reaches it with everything so far decrypted and inflated cleanly is
 * accepted with *partial = true (its CRC unread; the AES authentication code
 * is always checked in full, and stored members, whose size is that of the
 * input, are always checked whole). `deadline_ns` (CLOCK_MONOTONIC, 0 = none)
 * is checked before each candidate.
 * @return 0 with *found = index of the first candidate that verifies;
 * SK_DONE when none does; SK_EINVAL when no such member or it is not
 * encrypted; SK_EUNSUPPORTED for PKWARE strong encryption (bit 6), a masked
 * local header (bit 13) or an unknown AES strength; SK_ECORRUPT when the member's sizes do not
 * fit the archive; SK_ELIMIT when the deadline passed; SK_ENOMEM, SK_EINTERNAL. */
int sk_zip_find_password(const struct sk_zip_index *index, const char *member_name,
                         size_t position, const char *const *candidates, const size_t *lengths,
                         size_t n, uint64_t budget, uint64_t deadline_ns, size_t *found,
                         bool *partial);

/* The member's compression method (for AES its inner one), whether it is
 * AES, and whether its CRC-32 is recorded (not for AE-2).
 * @return 0, or the codes of sk_zip_find_password's member lookup. */
int sk_zip_member_method(const struct sk_zip_index *index, const char *member_name,
                         size_t position, uint16_t *method, bool *aes, bool *crc_known);

/* For a member of a method other than stored and deflate: decrypts it with
 * `password` into a one-member plain ZIP (its method, general purpose bits
 * but the encryption ones, CRC-32 and sizes; the member named "m") for a
 * reader that can decompress the method (libarchive) and check its CRC-32.
 * *zip is malloc'd (the member's compressed size plus 150 bytes).
 * @return 0; SK_EINVAL when no such member, it is stored or deflated, or the
 * password fails the cheap check or (AES) the authentication code;
 * SK_EUNSUPPORTED when the copy would need ZIP64; SK_ENOMEM, SK_EINTERNAL,
 * and prepare's SK_ECORRUPT/SK_EUNSUPPORTED. */
int sk_zip_decrypt_member(const struct sk_zip_index *index, const char *member_name,
                          size_t position, const char *password, size_t len, uint8_t **zip,
                          size_t *zip_len);

#endif
