/* MS-OVBA: the compression of VBA storage streams (2.4.1) and the dir
 * stream's module records (2.3.4.2). Pure functions over bytes; ole2.c
 * finds the streams. */
#ifndef SK_OVBA_H
#define SK_OVBA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/dynbuf.h"
#include "../engine/reader.h"

#define SK_OVBA_CHUNK 4096u        /* a chunk's decompressed size at the most */
#define SK_OVBA_MAX_MODULES 10000u /* modules in one dir stream */

/* Decompressed bytes: data[0..len), from realloc (free(data)); cap is the
 * allocation's size. Start from {0}. It grows as a dynbuf capped at the
 * decompressor's max (engine/dynbuf.h). */
struct sk_ovba_out {
    uint8_t *data;
    size_t len, cap;
};

/* Decompresses the CompressedContainer p[0..n) (2.4.1.3) onto out, at most
 * max bytes in all. expired (may be NULL) is asked every 256 chunks.
 * Returns 0, SK_ELIMIT (out holds max bytes, or expired said so),
 * SK_ECORRUPT (*why: static text; out holds what came before the damage)
 * or SK_ENOMEM. */
int sk_ovba_decompress(const uint8_t *p, size_t n, size_t max, struct sk_ovba_out *out,
                       const char **why, bool (*expired)(void *ctx), void *ctx);

/* The same, out's memory from allocator: an unpacker's entry point
 * (sk_unpack_dynbuf_init's allocator, so that a refusal is the job's), or
 * NULL for libc. */
int sk_ovba_decompress_alloc(const uint8_t *p, size_t n, size_t max, struct sk_ovba_out *out,
                             const char **why, bool (*expired)(void *ctx), void *ctx,
                             const struct sk_alloc *allocator);

/* One MODULE record's fields, as views into the dir stream. */
struct sk_ovba_module {
    struct sk_reader name, name_unicode, stream, stream_unicode;
    uint32_t offset; /* MODULEOFFSET: where the compressed source starts */
    bool has_offset;
};

struct sk_ovba_dir {
    unsigned codepage;              /* PROJECTCODEPAGE; 1252 when absent */
    struct sk_ovba_module *modules; /* from realloc: sk_ovba_dir_free */
    size_t n_modules;               /* at most SK_OVBA_MAX_MODULES */
    const struct sk_alloc *allocator; /* set before parsing: where modules comes
                                       * from (as for sk_ovba_decompress_alloc) */
};

/* Reads the decompressed dir stream p[0..n) up to its terminator; the
 * module fields point into p. Returns 0, SK_ECORRUPT (*why; d holds the
 * modules read before the damage) or SK_ENOMEM. Free d with
 * sk_ovba_dir_free in every case. */
int sk_ovba_parse_dir(const uint8_t *p, size_t n, struct sk_ovba_dir *d, const char **why);

void sk_ovba_dir_free(struct sk_ovba_dir *d);

#endif
