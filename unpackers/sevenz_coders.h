/* Decoding one 7z folder: its coders run in the order their inputs become
 * available (never recursively), each output held in memory at its
 * declared size. Copy, 7zAES (sevenz_aes.c), LZMA, LZMA2 and the branch
 * and delta filters (liblzma), Deflate (zlib), BZip2 (libbz2), BCJ2
 * (bcj2.c). Anything else is SK_EUNSUPPORTED with the method's name. */
#ifndef SK_SEVENZ_CODERS_H
#define SK_SEVENZ_CODERS_H

#include "sevenz_aes.h"
#include "sevenz_format.h"

/* Where an AES coder gets its key: a candidate's UTF-16LE bytes through
 * the request's key cache; no password makes a 7zAES coder SK_EENCRYPTED. */
struct sk_7z_keys {
    struct sk_7z_key_cache *cache;
    const uint8_t *password16;
    size_t password16_len;
    bool have_password;
    uint64_t deadline_ns;
    unsigned fuzz_cycles_cap; /* 0; the fuzz target's cap on NumCyclesPower, so that
                               * its runs stay fast (its keys are then wrong) */
};

/* What a folder may cost, checked on its declared sizes before anything
 * is allocated: every stream it makes (the in-between ones too) and the
 * copy a branch filter's input gets count against max_bytes together; each
 * stream above ratio_floor may be at most max_ratio times the folder's
 * packed bytes (max_ratio 0: no ratio limit). */
struct sk_7z_budget {
    uint64_t max_bytes;
    uint32_t max_ratio;
    uint64_t ratio_floor;
};

#define SK_7Z_WHY_RATIO "ratio" /* *why of an SK_ELIMIT the ratio gave */
#define SK_7Z_WHY_BYTES "bytes" /* *why of an SK_ELIMIT max_bytes gave */

/* Decodes folder `index` of s (packed streams in data[0..data_len)) into a new buffer
 * of exactly its size (*out, free()d by the caller; NULL when empty).
 * SK_ELIMIT: over the budget (*why: SK_7Z_WHY_RATIO or SK_7Z_WHY_BYTES)
 * or at the deadline. SK_ECORRUPT: a decoder failed; SK_EUNSUPPORTED:
 * *why names the method; SK_EENCRYPTED: no password. Each in-between
 * stream is freed as soon as the coder reading it has run. */
int sk_7z_decode_folder(const uint8_t *data, size_t data_len, const struct sk_7z_streams *s,
                        size_t index, const struct sk_7z_keys *keys,
                        const struct sk_7z_budget *budget, uint8_t **out, const char **why);

/* The cheap check of a candidate on an encrypted folder: decrypts the
 * first and last block of each packed stream an AES coder reads and checks
 * the zero padding and what the next coder must see first (LZMA: a zero
 * byte; LZMA2: a chunk that resets the dictionary, with valid properties).
 * 0: it may be right (*evidence_bits: how many bits were checked);
 * 1: it is wrong; < 0: our failure, SK_ELIMIT (deadline) or what the
 * properties say. */
int sk_7z_precheck(const uint8_t *data, size_t data_len, const struct sk_7z_streams *s,
                   size_t index, const struct sk_7z_keys *keys, unsigned *evidence_bits);

/* 0 when every coder of f has a decoder here; SK_EUNSUPPORTED with *why
 * naming the first that has none. */
int sk_7z_folder_supported(const struct sk_7z_folder *f, const char **why);

/* A method's name for messages ("PPMd", "LZMA2"), or "unknown". */
const char *sk_7z_method_name(uint64_t method);

#endif
