/* Every unpacker, in one list (YARA's module_list). Add a format here. */
#include "unpacker.h"

#include <stddef.h>

static const struct sk_unpacker *const unpackers[] = {
    &sk_unpacker_archive, &sk_unpacker_mime, &sk_unpacker_ooxml, &sk_unpacker_rtf,
    &sk_unpacker_ole2,    &sk_unpacker_biff, &sk_unpacker_sylk,
    &sk_unpacker_exe,     &sk_unpacker_lnk,  &sk_unpacker_fat,  &sk_unpacker_disk,
    &sk_unpacker_udf,     &sk_unpacker_cab,
    &sk_unpacker_script,  &sk_unpacker_html, &sk_unpacker_pdf,  &sk_unpacker_onenote,
    &sk_unpacker_image,   &sk_unpacker_tnef,  &sk_unpacker_pkcs7, &sk_unpacker_pgp,
};

const struct sk_unpacker *sk_unpacker_for(const struct sk_node *node)
{
    const struct sk_unpacker *best = NULL;
    int best_score = 0;
    for (size_t i = 0; i < sizeof unpackers / sizeof unpackers[0]; i++) {
        int score = unpackers[i]->probe(node);
        if (score > best_score) {
            best_score = score;
            best = unpackers[i];
        }
    }
    return best;
}
