/* --extract DIR: every extracted node written under DIR for analysts.
 *
 * Names from the input are never used as paths: each input gets a folder
 * named by its sequence number and a cleaned base name, and each node a file
 * named by its index in the tree and a cleaned base name ([A-Za-z0-9._-],
 * at most 64 bytes, never starting with a dot). Files are created with
 * O_EXCL|O_NOFOLLOW, mode 0600, relative to a descriptor of DIR. */
#ifndef SK_EXTRACT_H
#define SK_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

struct sk_node;

struct sk_extract {
    int root_fd;       /* DIR, opened once */
    unsigned sequence; /* the input's number */
    char folder[96];   /* "<sequence>-<clean name>", made on first use */
    int folder_fd;     /* -1 until made */
};

/* Opens (creating if needed) the extraction root: a descriptor, or -1. */
int sk_extract_open_root(const char *dir);

void sk_extract_init(struct sk_extract *x, int root_fd, unsigned sequence,
                     const char *input_name);
void sk_extract_finish(struct sk_extract *x);

/* The engine's node sink (sk_node_sink): writes one node. */
void sk_extract_node(void *ctx, const struct sk_node *node, const uint8_t *p, size_t n,
                     char *saved_as, size_t saved_len);

#endif
