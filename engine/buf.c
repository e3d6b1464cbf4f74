#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

void sk_buf_release(struct sk_buf *buf)
{
    if (buf->owned)
        free(buf->p);
    buf->p = NULL;
    buf->len = buf->cap = 0;
    buf->owned = false;
}

int sk_buf_reserve(struct sk_buf *buf, size_t cap)
{
    if (buf->owned && cap <= buf->cap)
        return 0;
    if (cap < buf->len)
        cap = buf->len;
    uint8_t *p;
    if (buf->owned) {
        p = realloc(buf->p, cap ? cap : 1);
    } else {
        /* A view that must grow becomes a copy of itself. */
        p = malloc(cap ? cap : 1);
        if (p && buf->len)
            memcpy(p, buf->p, buf->len);
    }
    if (!p)
        return SK_ENOMEM;
    buf->p = p;
    buf->cap = cap;
    buf->owned = true;
    return 0;
}
