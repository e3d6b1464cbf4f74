/* A node's bytes: either owned (malloc'd, grown by sk_buf_append) or a view
 * into memory that outlives the node (the mmapped input, or the parent's
 * bytes when an archive member is stored uncompressed). */
#ifndef SK_BUF_H
#define SK_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sk_buf {
    uint8_t *p;
    size_t len;
    size_t cap;
    bool owned;
};

static inline struct sk_buf sk_buf_view(const void *p, size_t len)
{
    struct sk_buf b = {(uint8_t *)(uintptr_t)p, len, len, false};
    return b;
}

/* Frees owned bytes and empties the buffer. */
void sk_buf_release(struct sk_buf *buf);

/* Grows capacity to at least cap bytes (a view becomes an owned copy):
 * 0 or SK_ENOMEM. Limits are checked by the caller (sk_unpack_append); this
 * is the raw allocator. */
int sk_buf_reserve(struct sk_buf *buf, size_t cap);

#endif
