/* Fuzz target: the MS-CFB structure check (unpackers/cfb_check.c), a pure
 * function over bytes. Aborts when it answers anything but its four
 * results, when a refusal has no reason, or when the padding it asks for
 * is a whole sector or more. */
#include <stdint.h>
#include <stdlib.h>

#include "../../engine/error.h"
#include "../../unpackers/cfb_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = NULL;
    size_t pad = 0;
    int rc = sk_cfb_check(data, size, &why, &pad);
    if (rc != 0 && rc != SK_ECORRUPT && rc != SK_ELIMIT && rc != SK_ENOMEM)
        abort();
    if (!why || !*why)
        abort();
    if (pad >= 4096)
        abort();
    return 0;
}
