/* Fuzz target: the 7z layers under unpackers/sevenz.c, pure functions over
 * bytes: the signature header, encoded headers (decoded, up to four deep),
 * the header with its folders and files, then every folder through the
 * cheap check and the decoder (sevenz_coders.c, bcj2.c, sevenz_aes.c) with
 * the candidate "password". Half of the runs (by the last byte) first
 * rewrite the start-header and next-header CRCs the way a writer would, so
 * that mutations get past them. NumCyclesPower is capped at 4 here (the
 * keys are then wrong, decryption still runs) so that a run stays fast.
 * Aborts when a file's stream lies outside its folder's output, or when a
 * decoded folder is not the size its header declares. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../engine/error.h"
#include "../../unpackers/sevenz_coders.h"
#include "../../unpackers/sevenz_header.h"

#define MAX_BYTES (4u << 20) /* per folder: keeps a run's memory small */
static const struct sk_7z_budget BUDGET = {MAX_BYTES, 0, 0};
#define MAX_FOLDERS 16u

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void fix_crcs(uint8_t *p, size_t len)
{
    if (len < SK_7Z_SIGNATURE_BYTES)
        return;
    uint64_t offset = get64(p + 12), size = get64(p + 20);
    if (offset <= len - SK_7Z_SIGNATURE_BYTES && size <= len - SK_7Z_SIGNATURE_BYTES - offset)
        put32(p + 28, (uint32_t)crc32(0, p + SK_7Z_SIGNATURE_BYTES + offset, (uInt)size));
    put32(p + 8, (uint32_t)crc32(0, p + 12, 20));
}

static void check_files(const struct sk_7z_archive *ar)
{
    const struct sk_7z_streams *s = &ar->streams;
    for (size_t i = 0; i < ar->n_files; i++) {
        const struct sk_7z_file *f = &ar->files[i];
        if (!f->has_stream)
            continue;
        if (f->folder >= s->n_folders || f->substream >= s->n_sub)
            abort();
        uint64_t size = sk_7z_folder_size(&s->folders[f->folder]);
        if (f->offset > size || s->sub_sizes[f->substream] > size - f->offset)
            abort();
    }
}

static void decode_all(const uint8_t *data, size_t len, const struct sk_7z_streams *s,
                       const struct sk_7z_keys *keys)
{
    for (size_t i = 0; i < s->n_folders && i < MAX_FOLDERS; i++) {
        unsigned bits = 0;
        (void)sk_7z_precheck(data, len, s, i, keys, &bits);
        uint8_t *out = NULL;
        const char *why = NULL;
        int rc = sk_7z_decode_folder(data, len, s, i, keys, &BUDGET, &out, &why);
        if (rc == 0 && sk_7z_folder_size(&s->folders[i]) > 0 && !out)
            abort();
        if (rc == 0 && sk_7z_folder_size(&s->folders[i]) > 0)
            out[sk_7z_folder_size(&s->folders[i]) - 1] ^= 1; /* ASan: the whole size exists */
        free(out);
    }
}

static void walk(const uint8_t *data, size_t len, const struct sk_7z_keys *keys)
{
    struct sk_reader next;
    if (sk_7z_start(data, len, &next) != 0)
        return;
    struct sk_7z_archive ar = {.data = data, .len = len};
    uint8_t *owned = NULL;
    for (int level = 0; level < 4; level++) {
        uint8_t id = sk_reader_u8(&next);
        if (id == SK_7Z_ID_HEADER) {
            if (sk_7z_read_header(&next, &ar, 1000) == 0) {
                check_files(&ar);
                decode_all(data, len, &ar.streams, keys);
            }
            break;
        }
        struct sk_7z_streams hs;
        if (id != SK_7Z_ID_ENCODED_HEADER ||
            sk_7z_read_streams(&next, data, len, 1000, &hs) != 0 || hs.n_folders == 0) {
            if (id == SK_7Z_ID_ENCODED_HEADER)
                sk_7z_streams_free(&hs);
            break;
        }
        uint8_t *plain = NULL;
        const char *why = NULL;
        int rc = sk_7z_decode_folder(data, len, &hs, 0, keys, &BUDGET, &plain, &why);
        size_t plain_len = rc == 0 ? (size_t)sk_7z_folder_size(&hs.folders[0]) : 0;
        sk_7z_streams_free(&hs);
        free(owned);
        owned = plain;
        if (rc != 0)
            break;
        next = sk_reader_make(plain, plain_len);
    }
    sk_7z_archive_clear(&ar);
    free(owned);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sk_7z_key_cache *cache = calloc(1, sizeof *cache);
    uint8_t *copy = malloc(size ? size : 1);
    if (!cache || !copy) {
        free(cache);
        free(copy);
        return 0;
    }
    memcpy(copy, data, size);
    if (size && (copy[size - 1] & 1))
        fix_crcs(copy, size);
    static const uint8_t password16[] = {'p', 0, 'a', 0, 's', 0, 's', 0,
                                         'w', 0, 'o', 0, 'r', 0, 'd', 0};
    struct sk_7z_keys keys = {cache, password16, sizeof password16, true, 0, 4};
    walk(copy, size, &keys);
    free(copy);
    free(cache);
    return 0;
}
