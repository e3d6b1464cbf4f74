/* Fuzz target: yEnc blocks (unpackers/mime_text.c, sk_yenc_*), pure
 * functions over bytes. Every block of the input is found and decoded with
 * a cap taken from the input's first byte (so the cap is reached inside a
 * block too), and checked against its trailer. Aborts when a block's
 * offsets leave the input or go backwards, when the decoder writes past its
 * cap or decodes more bytes than the block holds, or when the walk does not
 * move on. */
#include <stdint.h>
#include <stdlib.h>

#include "../../unpackers/mime_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t cap = (size_t)data[0] * 3;
    uint8_t *out = malloc(cap + 1);
    if (!out)
        return 0;
    struct sk_yenc_block block;
    size_t from = 0;
    while (from < size && sk_yenc_find(data, size, from, &block)) {
        if (block.data > block.data_end || block.data_end > size || block.next > size ||
            block.next <= from || block.name[sizeof block.name - 1] != '\0')
            abort();
        out[cap] = 0xa5; /* a canary just past the cap */
        size_t len = sk_yenc_decode(data, size, &block, out, cap);
        if (len > cap || len > block.data_end - block.data || out[cap] != 0xa5)
            abort();
        (void)sk_yenc_check(&block, out, len);
        from = block.next;
    }
    free(out);
    return 0;
}
