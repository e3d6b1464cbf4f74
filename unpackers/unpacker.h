/* What an unpacker file includes: the contract it implements, which the
 * engine declares (engine/unpacker.h). The table of them is registry.c's. */
#ifndef SK_UNPACKERS_UNPACKER_H
#define SK_UNPACKERS_UNPACKER_H

#include "../engine/unpacker.h"

#endif
