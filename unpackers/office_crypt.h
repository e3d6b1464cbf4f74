/* Office's own encryption of a compound file, per application: where each
 * format keeps its encryption header, which streams it encrypts, and how
 * they are decrypted in place ([MS-OFFCRYPTO] 2.3.4.4 EncryptedPackage,
 * [MS-DOC] 2.2.6 and 2.5.2 Word, [MS-XLS] 2.2.10 and 2.4.117 Excel,
 * [MS-PPT] 2.3.7 PowerPoint). The cryptography is offcrypto.c's; ole2.c
 * walks the file and asks here through struct sk_office_file. */
#ifndef SK_OFFICE_CRYPT_H
#define SK_OFFICE_CRYPT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/unpack.h"

/* What this module needs of the compound file: its root streams. A stream
 * is an opaque handle that stays valid while the file is open. */
struct sk_office_file {
    void *ctx;
    /* The root stream named exactly `name`, or NULL. */
    const void *(*stream)(void *ctx, const char *name);
    /* Up to n bytes from the stream's start: the count read. */
    size_t (*prefix)(void *ctx, const void *stream, uint8_t *buf, size_t n);
    /* The whole stream, at most cap bytes: 0 with *out, SK_ELIMIT or
     * SK_ECORRUPT. */
    int (*read)(void *ctx, const void *stream, uint64_t cap, GByteArray **out);
};

struct sk_office_crypt;

/* Looks for Office's own encryption (EncryptionInfo with EncryptedPackage,
 * Word's FibBase.fEncrypted, Excel's FilePass, PowerPoint's
 * CryptSession10Container) and tries VelvetSweatshop, then the request's
 * candidates. What it finds is reported on u (encrypted, encrypted.unopened,
 * error.*), and *found says it was. Returns 0 with *out the opened
 * encryption (free with sk_office_crypt_free) or NULL, or SK_ENOMEM. */
int sk_office_crypt_open(struct sk_unpack *u, const struct sk_office_file *f,
                         struct sk_office_crypt **out, bool *found);

void sk_office_crypt_free(struct sk_office_crypt *c);

/* Is this root stream (a handle of f) one that c decrypts? */
bool sk_office_crypt_covers(const struct sk_office_crypt *c, const void *stream);

/* Fills child with the stream's plaintext (stream: a handle c covers, named
 * `stream_name` in the file and `child_name` in the tree). Failures are
 * reported on u and leave the child truncated. Returns 0 or SK_ENOMEM. */
int sk_office_crypt_child(struct sk_unpack *u, const struct sk_office_crypt *c,
                          const struct sk_office_file *f, const void *stream,
                          const char *stream_name, const char *child_name,
                          struct sk_child *child);

/* The stream's bytes, as stored, show Office's encryption that
 * sk_office_crypt_open did not find: reports it as encrypted.unopened. */
void sk_office_crypt_check(struct sk_unpack *u, const char *stream, const struct sk_buf *b);

/* Appends p[0..n) in 64 KiB blocks, so that a limit keeps what fits:
 * sk_unpack_append's result. */
int sk_office_append(struct sk_unpack *u, struct sk_buf *buf, const uint8_t *p, size_t n);

#endif
