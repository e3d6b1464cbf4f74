/* Every unpacker, in one list (YARA's module_list): the table the main
 * program hands the engine (registry.h). Adding a format is one line here,
 * X(name) for the file's `const struct sk_unpacker sk_unpacker_name`. The
 * order breaks ties between equal bids. */
#include "registry.h"

#include <stddef.h>

#include "unpacker.h"

/* clang-format off: one unpacker a line */
#define SK_UNPACKERS(X) \
    X(archive) \
    X(mime) \
    X(ooxml) \
    X(rtf) \
    X(ole2) \
    X(biff) \
    X(sylk) \
    X(exe) \
    X(lnk) \
    X(fat) \
    X(disk) \
    X(udf) \
    X(cab) \
    X(script) \
    X(html) \
    X(pdf) \
    X(onenote) \
    X(image) \
    X(tnef) \
    X(msg) \
    X(pkcs7) \
    X(pgp) \
    X(dmg) \
    X(ntfs) \
    X(binhex) \
    X(weblink) \
    X(manifest)
/* clang-format on */

#define DECLARE(name) extern const struct sk_unpacker sk_unpacker_##name;
SK_UNPACKERS(DECLARE)

#define ENTRY(name) &sk_unpacker_##name,
const struct sk_unpacker *const sk_unpackers[] = {SK_UNPACKERS(ENTRY) NULL};
