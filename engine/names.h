/* Deceptive names: what makes an attachment's name hide its real type;
 * and what a path in a name means where the name comes from. */
#ifndef SK_NAMES_H
#define SK_NAMES_H

#include "types.h"

/* Why a name (UTF-8; only its last path component is read) hides its real
 * extension: a bidirectional control character, trailing dots or spaces, a
 * run of 3 or more blanks before the last extension, or a document or media
 * extension followed by an executable, script, shortcut or disk image one
 * ("invoice.pdf.exe"). Returns a static description, or NULL for a name
 * that does none of these ("setup.exe", "archive.tar.gz", "v1.2.3.zip"). */
const char *sk_name_deception(const char *name);

/* The reason code a member's name earns for the path it carries, or NULL
 * for a name that stays inside a folder ("dir/x.txt" and plain names): a
 * name is path-like when sk_name_is_unsafe (text.h) says so (a leading / or
 * \, so a UNC \\server\share too; a drive letter; a `..` component).
 * `container` is the type of the node that named it. A message's or TNEF's
 * part is named for a mail client, which saves it under its last component:
 * "name.attachment_path" (pass by default: Netscape wrote
 * "C:\win95\TEMP\x.tiff"). Any other container's members are names that
 * extraction tools turn into paths (zip-slip): "name.unsafe_path". */
const char *sk_name_path_code(const char *name, enum sk_type container);

#endif
