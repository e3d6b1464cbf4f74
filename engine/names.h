/* Deceptive names: what makes an attachment's name hide its real type. */
#ifndef SK_NAMES_H
#define SK_NAMES_H

/* Why a name (UTF-8; only its last path component is read) hides its real
 * extension: a bidirectional control character, trailing dots or spaces, a
 * run of 3 or more blanks before the last extension, or a document or media
 * extension followed by an executable, script, shortcut or disk image one
 * ("invoice.pdf.exe"). Returns a static description, or NULL for a name
 * that does none of these ("setup.exe", "archive.tar.gz", "v1.2.3.zip"). */
const char *sk_name_deception(const char *name);

#endif
