/* The unpacker contract: one file per format behind this small table.
 *
 * probe   scores 0..100 how well this unpacker fits a node, from its type and
 *         first bytes, without allocating; 0 means "not mine", never an error.
 * open    prepares to iterate the node's children: 0 or a negative SK_E*.
 * next    hands back one child: 0, SK_DONE when there are no more, or a
 *         negative SK_E* (the engine records it and closes the container).
 * close   always called after a successful open; releases library handles.
 *
 * The registry (registry.c) lists every unpacker; the engine asks each to
 * probe and opens the highest score. */
#ifndef SK_UNPACKER_H
#define SK_UNPACKER_H

#include "../engine/unpack.h"

struct sk_unpacker {
    const char *name;
    int (*probe)(const struct sk_node *node);
    int (*open)(struct sk_unpack *u, void **state);
    int (*next)(struct sk_unpack *u, void *state, struct sk_child *child);
    void (*close)(void *state);
};

/* The unpacker that fits a node best, or NULL when none does. */
const struct sk_unpacker *sk_unpacker_for(const struct sk_node *node);

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
