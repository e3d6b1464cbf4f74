/* Fuzz target: the RAR4 decrypting rewrite (unpackers/rar4crypt.c) with two
 * candidates and the key derivation cut to 32 SHA-1 rounds so that a run
 * stays fast (the encrypted seeds of corpus/rar4crypt use 32 too). The
 * compressed members' verifier is a stub that checks what it is handed (a
 * RAR4 signature, the member index inside it) and accepts by the
 * archive's length, so both of the rewrite's paths run. Aborts when the
 * rewrite makes more than its input, refuses without a reason, or records
 * more opened members than the input has 7-byte headers. Half of the runs
 * (by the last byte) first rewrite every header CRC the way a writer
 * would, so that mutations get past the CRC check into the fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../engine/error.h"
#include "../../unpackers/rar4crypt.h"

static int stub_verify(void *ctx, const uint8_t *p, size_t len, unsigned index,
                       uint64_t unpacked_size, uint32_t crc)
{
    (void)ctx;
    (void)unpacked_size;
    (void)crc;
    if (!sk_rar4_signature(p, len) || index > len / 7)
        abort();
    volatile uint8_t touch = p[len - 1];
    (void)touch;
    return (int)(len & 1u);
}

/* Each header's CRC16 over HEAD_TYPE to its end, stepping over data
 * areas; every pass moves at least 7 bytes forward. */
static void fix_crcs(uint8_t *p, size_t len)
{
    size_t pos = 7;
    while (pos + 7 <= len) {
        size_t size = (size_t)p[pos + 5] | (size_t)p[pos + 6] << 8;
        if (size < 7 || size > len - pos)
            return;
        uint32_t crc = (uint32_t)crc32(0L, p + pos + 2, (uInt)(size - 2));
        p[pos] = (uint8_t)crc;
        p[pos + 1] = (uint8_t)(crc >> 8);
        size_t data = 0;
        if ((p[pos + 4] & 0x80) && size >= 11)
            data = (size_t)p[pos + 7] | (size_t)p[pos + 8] << 8 | (size_t)p[pos + 9] << 16 |
                   (size_t)p[pos + 10] << 24;
        if (data > len - pos - size)
            return;
        pos += size + data;
    }
}

static void rewrite(const uint8_t *data, size_t size)
{
    static const char *const values[] = {"s3cret", "password"};
    static const size_t lengths[] = {6, 8};
    struct sk_dynbuf out, opened;
    sk_dynbuf_init(&out, size + 64);
    sk_dynbuf_init(&opened, 1u << 20);
    struct sk_rar4_rewrite *rw = calloc(1, sizeof *rw);
    if (!rw)
        return;
    *rw = (struct sk_rar4_rewrite){.values = values, .lengths = lengths, .n = 2,
                                   .kdf_rounds = 32, .verify = stub_verify,
                                   .out = &out, .opened = &opened};
    int rc = sk_rar4_rewrite(data, size, rw);
    if ((rc == SK_ECORRUPT || rc == SK_EUNSUPPORTED || rc == SK_EENCRYPTED) && !rw->why)
        abort();
    if (out.len > size)
        abort();
    if (opened.len / sizeof(struct sk_rar4_opened) > size / 7 + 1)
        abort();
    free(rw);
    sk_dynbuf_free(&out);
    sk_dynbuf_free(&opened);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || !(data[size - 1] & 1)) {
        rewrite(data, size);
        return 0;
    }
    uint8_t *copy = malloc(size);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    fix_crcs(copy, size);
    rewrite(copy, size);
    free(copy);
    return 0;
}
