/* The capped growable buffer (dynbuf.h). */
#include "dynbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define FIRST_ALLOC 64u /* bytes: the first allocation, unless more is needed */

void sk_dynbuf_init_alloc(struct sk_dynbuf *b, size_t toobig, const struct sk_alloc *allocator)
{
    /* toobig + 1 (the NUL) must not wrap */
    *b = (struct sk_dynbuf){.toobig = toobig < SIZE_MAX ? toobig : SIZE_MAX - 1,
                            .allocator = allocator};
}

void sk_dynbuf_init(struct sk_dynbuf *b, size_t toobig)
{
    sk_dynbuf_init_alloc(b, toobig, NULL);
}

void sk_dynbuf_init_fixed(struct sk_dynbuf *b, char *storage, size_t size, size_t len)
{
    *b = (struct sk_dynbuf){
        .p = storage, .len = len, .alloc = size, .toobig = size - 1, .fixed = true};
    storage[len] = '\0';
}

/* Makes room for n more bytes and the NUL: 0, SK_ELIMIT or SK_ENOMEM, and
 * on failure the buffer is untouched. */
static int reserve(struct sk_dynbuf *b, size_t n)
{
    if (n > b->toobig - b->len) /* len <= toobig always: cannot wrap */
        return SK_ELIMIT;
    size_t fit = b->len + n + 1; /* <= toobig + 1 <= SIZE_MAX */
    if (fit <= b->alloc)
        return 0;
    if (b->fixed)
        return SK_ELIMIT; /* unreachable: a fixed buffer's alloc is toobig + 1 */
    size_t want = b->alloc ? b->alloc : FIRST_ALLOC;
    while (want < fit)
        want = want > SIZE_MAX / 2 ? fit : want * 2;
    if (want > b->toobig + 1)
        want = b->toobig + 1; /* never more than the cap can use */
    char *q = b->allocator ? b->allocator->realloc(b->allocator->ctx, b->p, want)
                           : realloc(b->p, want);
    if (!q)
        return SK_ENOMEM;
    b->p = q;
    b->alloc = want;
    return 0;
}

int sk_dynbuf_reserve(struct sk_dynbuf *b, size_t n)
{
    return reserve(b, n);
}

int sk_dynbuf_add(struct sk_dynbuf *b, const void *p, size_t n)
{
    /* p may lie inside the buffer itself, which reserve may move */
    uintptr_t from = (uintptr_t)p, start = (uintptr_t)b->p;
    bool inside = b->p && from >= start && from - start < b->alloc;
    int rc = reserve(b, n);
    if (rc != 0)
        return rc;
    if (inside)
        p = b->p + (from - start);
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int sk_dynbuf_addstr(struct sk_dynbuf *b, const char *s)
{
    return sk_dynbuf_add(b, s, strlen(s));
}

int sk_dynbuf_extend(struct sk_dynbuf *b, size_t n, void **out)
{
    *out = NULL;
    int rc = reserve(b, n);
    if (rc != 0)
        return rc;
    memset(b->p + b->len, 0, n + 1);
    *out = b->p + b->len;
    b->len += n;
    return 0;
}

int sk_dynbuf_vprintf(struct sk_dynbuf *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    int rc = n < 0 ? SK_EINVAL : reserve(b, (size_t)n);
    if (rc == 0) {
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
    return rc;
}

int sk_dynbuf_printf(struct sk_dynbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sk_dynbuf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void sk_dynbuf_truncate(struct sk_dynbuf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->p[len] = '\0';
    }
}

void sk_dynbuf_reset(struct sk_dynbuf *b)
{
    sk_dynbuf_truncate(b, 0);
}

void sk_dynbuf_free(struct sk_dynbuf *b)
{
    if (b->fixed) {
        sk_dynbuf_reset(b);
        return;
    }
    free(b->p);
    b->p = NULL;
    b->len = b->alloc = 0;
}

char *sk_dynbuf_take(struct sk_dynbuf *b, size_t *len)
{
    if (b->fixed) {
        if (len)
            *len = 0;
        return NULL;
    }
    char *p = b->p;
    if (len)
        *len = b->len;
    b->p = NULL;
    b->len = b->alloc = 0;
    return p;
}
