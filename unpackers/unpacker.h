/* What the unpackers share: the contract they implement (engine/unpacker.h)
 * and each other's tables, for registry.c and the fuzz targets. */
#ifndef SK_UNPACKERS_UNPACKER_H
#define SK_UNPACKERS_UNPACKER_H

#include "../engine/unpacker.h"
#include "registry.h"

extern const struct sk_unpacker sk_unpacker_archive;
extern const struct sk_unpacker sk_unpacker_cab;
extern const struct sk_unpacker sk_unpacker_mime;
extern const struct sk_unpacker sk_unpacker_ooxml;
extern const struct sk_unpacker sk_unpacker_rtf;
extern const struct sk_unpacker sk_unpacker_ole2;
extern const struct sk_unpacker sk_unpacker_biff;
extern const struct sk_unpacker sk_unpacker_sylk;
extern const struct sk_unpacker sk_unpacker_exe;
extern const struct sk_unpacker sk_unpacker_lnk;
extern const struct sk_unpacker sk_unpacker_fat;
extern const struct sk_unpacker sk_unpacker_disk;
extern const struct sk_unpacker sk_unpacker_udf;
extern const struct sk_unpacker sk_unpacker_script;
extern const struct sk_unpacker sk_unpacker_html;
extern const struct sk_unpacker sk_unpacker_pdf;
extern const struct sk_unpacker sk_unpacker_onenote;
extern const struct sk_unpacker sk_unpacker_image;
extern const struct sk_unpacker sk_unpacker_tnef;
extern const struct sk_unpacker sk_unpacker_pkcs7;
extern const struct sk_unpacker sk_unpacker_pgp;

#endif
