/* Heap allocation failure injected into Sekisho's own malloc-family calls
 * (heap_fail.c; only in binaries linked with its --wrap options). */
#ifndef SK_HEAP_FAIL_H
#define SK_HEAP_FAIL_H

#include <stdbool.h>

/* From the n-th counted allocation on, every one fails; n < 0 disarms. */
void heap_fail_after(long n);
/* True once an injected failure happened since the last heap_fail_after. */
bool heap_fail_fired(void);

#endif
