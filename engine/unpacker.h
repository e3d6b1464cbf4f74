/* The unpacker contract: one file per format behind this small table.
 *
 * probe   scores 0..100 how well this unpacker fits a node, from its type and
 *         first bytes, without allocating; 0 means "not mine", never an error.
 * open    prepares to iterate the node's children: 0 or a negative SK_E*.
 * next    hands back one child: 0, SK_DONE when there are no more, or a
 *         negative SK_E* (the engine records it and closes the container).
 * close   always called after a successful open; releases library handles.
 *
 * The engine declares the table and calls it; the unpackers in unpackers/
 * implement it. Which unpackers an engine has is its caller's choice
 * (sk_engine_config.unpackers: the main program passes unpackers/registry.c's
 * list), as libarchive's caller chooses its formats: the engine asks each
 * to probe and opens the highest score. */
#ifndef SK_ENGINE_UNPACKER_H
#define SK_ENGINE_UNPACKER_H

#include "unpack.h"

struct sk_unpacker {
    const char *name;
    int (*probe)(const struct sk_node *node);
    int (*open)(struct sk_unpack *u, void **state);
    int (*next)(struct sk_unpack *u, void *state, struct sk_child *child);
    void (*close)(void *state);
};

#endif
