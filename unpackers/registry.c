/* Every unpacker, in one list (YARA's module_list): the table the main
 * program hands the engine (registry.h). Add a format here: one line, and
 * its extern in unpacker.h. The order breaks ties between equal bids. */
#include "registry.h"

#include <stddef.h>

#include "unpacker.h"

/* clang-format off: one unpacker a line */
const struct sk_unpacker *const sk_unpackers[] = {
    &sk_unpacker_archive,
    &sk_unpacker_mime,
    &sk_unpacker_ooxml,
    &sk_unpacker_rtf,
    &sk_unpacker_ole2,
    &sk_unpacker_biff,
    &sk_unpacker_sylk,
    &sk_unpacker_exe,
    &sk_unpacker_lnk,
    &sk_unpacker_fat,
    &sk_unpacker_disk,
    &sk_unpacker_udf,
    &sk_unpacker_cab,
    &sk_unpacker_script,
    &sk_unpacker_html,
    &sk_unpacker_pdf,
    &sk_unpacker_onenote,
    &sk_unpacker_image,
    &sk_unpacker_tnef,
    &sk_unpacker_pkcs7,
    &sk_unpacker_pgp,
    NULL,
};
/* clang-format on */
