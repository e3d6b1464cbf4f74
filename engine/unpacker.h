/* The unpacker contract: one file per format behind this small table.
 *
 * bid     0..100 for a node, libarchive's way: the score says how much
 *         evidence the unpacker's own check of the node found (its magic,
 *         its structure; the node's type where another unpacker gave it),
 *         without allocating; 0 means "not mine", never an error. *type
 *         arrives as the node's type; a format the sniffer leaves to its
 *         unpacker sets it to the type its evidence shows (fat.c:
 *         SK_TYPE_FAT from the boot sector).
 * open    prepares to iterate the node's children: 0 or a negative SK_E*.
 * next    hands back one child: 0, SK_DONE when there are no more, or a
 *         negative SK_E* (the engine records it and closes the container).
 * close   always called after a successful open; releases library handles.
 * scan_view  optional, called after a successful open: the bytes YARA scans
 *         for the node in place of its own (NULL: its own). A message
 *         answers with its skeleton (mime.c): every header block, the text
 *         parts and the MIME structure, but only the head of each
 *         attachment's encoded body, whose decoded bytes are a node of
 *         their own and scanned there. So a byte is scanned once, not
 *         twice. The bytes live until close.
 *
 * The engine declares the table and calls it; the unpackers in unpackers/
 * implement it. Which unpackers an engine has is its caller's choice
 * (sk_engine_config.unpackers: the main program passes unpackers/registry.c's
 * list), as libarchive's caller chooses its formats. A node's type is the
 * sniffer's (engine/sniff.c: the leaf types no unpacker opens, plain text
 * and XML) unless a bid shows a type that takes precedence
 * (sk_type_precedence, types.c: or, within a family of equal precedence, a
 * higher bid); the highest bid that agrees with the type opens the node
 * (bid.c). */
#ifndef SK_ENGINE_UNPACKER_H
#define SK_ENGINE_UNPACKER_H

#include "unpack.h"

struct sk_unpacker {
    const char *name;
    int (*bid)(const struct sk_node *node, enum sk_type *type);
    int (*open)(struct sk_unpack *u, void **state);
    int (*next)(struct sk_unpack *u, void *state, struct sk_child *child);
    void (*close)(void *state);
    const uint8_t *(*scan_view)(void *state, size_t *len);
};

/* The type of a node whose bytes the sniffer typed `sniffed`: sniffed, or
 * the type a bid of table (NULL-terminated, or NULL) shows, whichever takes
 * precedence. node->type is not read. With opener non-NULL, also the
 * unpacker that opens a node of that type (sk_bid_best's answer, from the
 * same bids when the sniffer's type stands, so they run once). */
enum sk_type sk_bid_type(const struct sk_unpacker *const *table, const struct sk_node *node,
                         enum sk_type sniffed, const struct sk_unpacker **opener);

/* An unpacker's bid for node, with *type as it shows. */
int sk_bid(const struct sk_unpacker *unpacker, const struct sk_node *node, enum sk_type *type);

/* The unpacker of table whose bid for node is highest among those that agree
 * with node->type (ties to the earlier), or NULL when none bids. */
const struct sk_unpacker *sk_bid_best(const struct sk_unpacker *const *table,
                                      const struct sk_node *node);

#endif
