/* XLM function numbers to names ([MS-XLS] 2.5.198.17 Ftab, 2.5.198.4
 * Cetab), shared by every XLM formula source through xlm_render.c. */
#ifndef SK_XLM_FTAB_H
#define SK_XLM_FTAB_H

#include <stdbool.h>
#include <stdint.h>

/* The name of function `index` (Cetab when `command`), or NULL where the
 * table has no name for it. Static text. */
const char *sk_xlm_function_name(uint16_t index, bool command);

/* The argument count a PtgFunc (fixed arity) implies; 0 where none. */
unsigned sk_xlm_fixed_args(uint16_t index);

#endif
