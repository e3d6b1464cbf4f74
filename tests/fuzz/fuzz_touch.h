/* What every fuzz target may use to check bytes it was handed. */
#ifndef SK_FUZZ_TOUCH_H
#define SK_FUZZ_TOUCH_H

#include <stddef.h>
#include <stdint.h>

/* Reads every byte of p[0..n), so that ASan sees a bad view or buffer the
 * harness was handed; the empty asm keeps the reads from being optimised out. */
static inline void sk_fuzz_touch(const void *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc ^= ((const uint8_t *)p)[i];
    __asm__ volatile("" : : "r"(acc));
}

#endif
