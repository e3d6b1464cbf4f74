/* Content type sniffing: what a node is, from its bytes alone.
 *
 * Names are never trusted for the type (an "invoice.pdf" that is a PE is a
 * PE). The types, their contract names and their traits are in types.h. */
#ifndef SK_SNIFF_H
#define SK_SNIFF_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

/* The type of p[0..n). Reads at most the first 64 KiB and the last 64 KiB. */
enum sk_type sk_sniff(const uint8_t *p, size_t n);

#endif
