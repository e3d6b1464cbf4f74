/* Fuzz target: MS-OVBA decompression and the dir stream (unpackers/ovba.c),
 * pure functions over bytes. The input is decompressed with a cap taken
 * from its first byte (so the cap is reached inside tokens too), then read
 * as a dir stream. Aborts when the output passes the cap or its
 * allocation, when a refusal has no reason, when a chunk decompresses to
 * more than 4096 bytes (output grows past 4096 per chunk read), or when a
 * module's fields point outside the stream. */
#include <stdint.h>
#include <stdlib.h>

#include "../../engine/error.h"
#include "../../unpackers/ovba.h"

static void inside(const uint8_t *p, size_t n, struct sk_reader r)
{
    if (r.len && (r.p < p || r.p > p + n || r.len > (size_t)(p + n - r.p)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t max = (size_t)data[0] * 97;
    const char *why = NULL;
    struct sk_ovba_out out = {0};
    int rc = sk_ovba_decompress(data + 1, size - 1, max, &out, &why, NULL, NULL);
    if (out.len > max || out.len > out.cap || (rc == SK_ECORRUPT && !why))
        abort();
    if (out.len > (size / 3 + 1) * 8 * SK_OVBA_CHUNK)
        abort();
    if (rc != 0 && rc != SK_ECORRUPT && rc != SK_ELIMIT && rc != SK_ENOMEM)
        abort();
    free(out.data);
    struct sk_ovba_dir d = {0};
    rc = sk_ovba_parse_dir(data, size, &d, &why);
    if (d.n_modules > SK_OVBA_MAX_MODULES)
        abort();
    for (size_t i = 0; i < d.n_modules; i++) {
        inside(data, size, d.modules[i].name);
        inside(data, size, d.modules[i].name_unicode);
        inside(data, size, d.modules[i].stream);
        inside(data, size, d.modules[i].stream_unicode);
    }
    sk_ovba_dir_free(&d);
    return 0;
}
