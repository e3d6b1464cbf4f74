/* The scan tree: one node per object Sekisho opened.
 *
 * Nodes and their strings live in the job's arena. A node's bytes are held
 * only while the node is being scanned and unpacked, then released, so the
 * memory a scan holds is the bytes along the current path plus the tree. */
#ifndef SK_NODE_H
#define SK_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sniff.h"

struct sk_unpacker;

/* One fact an unpacker learnt about its node ("machine": "x86-64"), shown
 * under the node's "info" in the JSON tree, in the order it was recorded. */
struct sk_info {
    const char *key;
    const char *value;
    struct sk_info *next;
};

/* A password candidate: where it came from and its place in the ranking. */
struct sk_password {
    const char *value;
    size_t len;
    const char *source; /* "request", "body", "subject", "builtin", ... */
    unsigned rank;      /* 1 = tried first */
    unsigned tier;      /* 0 request, 1 keyword or rule, 2 quoted, 3 token, 4 builtin */
};

struct sk_node {
    struct sk_node *parent;
    struct sk_node *first_child;
    struct sk_node *last_child;
    struct sk_node *next_sibling;

    const char *name; /* valid UTF-8, at most SK_MAX_NAME_BYTES */
    const char *path; /* ancestors' names joined with '/' */
    enum sk_type type;
    const char *filters; /* e.g. "xz" for a tar.xz, or NULL */
    unsigned depth;      /* 0 for the request itself */
    unsigned index;      /* order of discovery, 0 for the root */

    struct sk_buf data; /* the bytes; released after the node is done */
    uint64_t size;      /* bytes of the node (declared size if unopened) */
    char sha256[65];    /* hex, or "" when hashing is off or no bytes */

    bool encrypted;    /* stored encrypted (member) or holds encrypted members */
    bool in_encrypted; /* this node or an ancestor was decrypted */
    bool truncated;    /* a limit cut the bytes short */
    bool type_given;   /* the unpacker said what it is: do not sniff */
    bool format_part;  /* a structural part of its container's format */
    bool opener_known; /* the bids that typed it chose its opener: */
    const struct sk_unpacker *opener; /* ... this one, or NULL for none */
    const struct sk_password *password; /* what opened it, or NULL */
    bool password_unopened;             /* password is proven right but did not open it */
    const char *extracted;              /* file name under --extract DIR, or NULL */
    struct sk_info *info;               /* facts from its unpacker, or NULL */
    struct sk_info *info_tail;
    /* Its outcome came from the node cache (outcome.h): it has no children
     * in the tree, and stands for cached_nodes nodes (itself included) down
     * to cached_depth levels below it. */
    bool cached;
    uint32_t cached_nodes;
    uint32_t cached_depth;
};

#endif
