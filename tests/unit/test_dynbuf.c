/* The capped growable buffer (engine/dynbuf.h): the cap reached exactly
 * and one byte past it, size arithmetic that must not wrap, out of memory
 * (heap_fail.c: this program is linked with --wrap for realloc), and that
 * every failure leaves the buffer as it was. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/dynbuf.h"
#include "engine/error.h"
#include "heap_fail.h"

/* An allocator that refuses every request and remembers the largest. */
static size_t refused_size;
static void *refuse(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)p;
    if (size > refused_size)
        refused_size = size;
    return NULL;
}

/* An allocator that counts its calls and then asks libc. */
static void *counting(void *ctx, void *p, size_t size)
{
    (*(unsigned *)ctx)++;
    return realloc(p, size);
}

static void cap_exact(void)
{
    struct sk_dynbuf b;
    sk_dynbuf_init(&b, 8);
    CHECK_EQ_INT(sk_dynbuf_add(&b, "abcd", 4), 0);
    CHECK_EQ_INT(sk_dynbuf_add(&b, "efgh", 4), 0); /* exactly the cap */
    CHECK_EQ_INT(b.len, 8);
    CHECK_EQ_STR(b.p, "abcdefgh");
    CHECK(b.alloc <= 9); /* never more than the cap and its NUL */
    CHECK_EQ_INT(sk_dynbuf_add(&b, "i", 1), SK_ELIMIT); /* one past */
    CHECK_EQ_INT(b.len, 8);
    CHECK_EQ_STR(b.p, "abcdefgh");
    CHECK_EQ_INT(sk_dynbuf_add(&b, "", 0), 0); /* nothing fits nothing */
    sk_dynbuf_free(&b);
    CHECK(b.p == NULL);

    /* one past in one step, from empty: nothing allocated */
    sk_dynbuf_init(&b, 8);
    CHECK_EQ_INT(sk_dynbuf_add(&b, "123456789", 9), SK_ELIMIT);
    CHECK(b.p == NULL);
    CHECK_EQ_INT(sk_dynbuf_printf(&b, "%s", "12345678"), 0);
    CHECK_EQ_INT(sk_dynbuf_printf(&b, "%d", 9), SK_ELIMIT);
    CHECK_EQ_STR(b.p, "12345678");
    sk_dynbuf_free(&b);

    /* a cap of 0 holds nothing, but an empty append is fine */
    sk_dynbuf_init(&b, 0);
    CHECK_EQ_INT(sk_dynbuf_add(&b, "x", 1), SK_ELIMIT);
    CHECK_EQ_INT(sk_dynbuf_add(&b, "", 0), 0);
    CHECK_EQ_STR(b.p, "");
    sk_dynbuf_free(&b);
}

static void growth(void)
{
    unsigned calls = 0;
    struct sk_alloc counter = {.realloc = counting, .ctx = &calls};
    struct sk_dynbuf b;
    sk_dynbuf_init_alloc(&b, 1u << 20, &counter);
    for (int i = 0; i < 100000; i++)
        CHECK_EQ_INT(sk_dynbuf_add(&b, "0123456789", 10), 0);
    CHECK_EQ_INT(b.len, 1000000);
    CHECK(calls <= 16); /* doubling: a logarithmic number of reallocations */
    CHECK(b.alloc <= (1u << 20) + 1);
    CHECK_EQ_INT(sk_dynbuf_add(&b, "0123456789", 10), 0);
    size_t left = (1u << 20) - b.len;
    /* appending from the buffer itself, which the append may move */
    CHECK_EQ_INT(sk_dynbuf_add(&b, b.p, left + 1), SK_ELIMIT);
    CHECK_EQ_INT(sk_dynbuf_add(&b, b.p, left), 0);
    CHECK_EQ_INT(b.len, 1u << 20);
    size_t len = 0;
    char *p = sk_dynbuf_take(&b, &len);
    CHECK_EQ_INT(len, 1u << 20);
    CHECK(p && p[len] == '\0');
    CHECK(b.p == NULL && b.len == 0);
    free(p);
    CHECK(sk_dynbuf_take(&b, NULL) == NULL); /* nothing allocated any more */
}

static void no_wrap(void)
{
    struct sk_alloc refuser = {.realloc = refuse};
    struct sk_dynbuf b;
    /* an uncapped buffer: the cap is SIZE_MAX - 1, so len + n + 1 holds */
    sk_dynbuf_init_alloc(&b, SIZE_MAX, &refuser);
    CHECK_EQ_INT(b.toobig, SIZE_MAX - 1);
    CHECK_EQ_INT(sk_dynbuf_add(&b, "x", SIZE_MAX), SK_ELIMIT);
    CHECK_EQ_INT(sk_dynbuf_add(&b, "x", SIZE_MAX - 1), SK_ENOMEM);
    CHECK_EQ_INT(refused_size, SIZE_MAX); /* asked for all of it, not a wrapped size */

    /* with bytes held: n past toobig - len is refused before any sum */
    char store[16];
    sk_dynbuf_init_fixed(&b, store, sizeof store, 0);
    CHECK_EQ_INT(sk_dynbuf_add(&b, "abc", 3), 0);
    CHECK_EQ_INT(sk_dynbuf_add(&b, "x", SIZE_MAX - 1), SK_ELIMIT);
    CHECK_EQ_INT(sk_dynbuf_add(&b, "x", SIZE_MAX - 2), SK_ELIMIT);
    void *slot = &b;
    CHECK_EQ_INT(sk_dynbuf_extend(&b, SIZE_MAX - 3, &slot), SK_ELIMIT);
    CHECK(slot == NULL);
    CHECK_EQ_STR(b.p, "abc");

    /* doubling near SIZE_MAX asks for exactly what fits, never a wrap */
    refused_size = 0;
    sk_dynbuf_init_alloc(&b, SIZE_MAX, &refuser);
    CHECK_EQ_INT(sk_dynbuf_add(&b, "x", SIZE_MAX / 2 + 10), SK_ENOMEM);
    CHECK_EQ_INT(refused_size, SIZE_MAX / 2 + 11);
}

static void fixed(void)
{
    char store[8] = "ab";
    struct sk_dynbuf b;
    sk_dynbuf_init_fixed(&b, store, sizeof store, 2);
    CHECK_EQ_INT(sk_dynbuf_addstr(&b, ",cd"), 0);
    CHECK_EQ_INT(sk_dynbuf_addstr(&b, ",efg"), SK_ELIMIT); /* 9 > 7 */
    CHECK_EQ_INT(sk_dynbuf_addstr(&b, ",e"), 0);           /* exactly 7 */
    CHECK_EQ_STR(store, "ab,cd,e");
    CHECK(b.p == store);
    CHECK(sk_dynbuf_take(&b, NULL) == NULL);
    sk_dynbuf_free(&b); /* empties; the storage stays the caller's */
    CHECK_EQ_STR(store, "");
}

static void in_place(void)
{
    struct elem {
        uint64_t a;
        uint32_t b;
    };
    struct sk_dynbuf b;
    sk_dynbuf_init(&b, 3 * sizeof(struct elem));
    for (uint32_t i = 0; i < 3; i++) {
        void *slot;
        CHECK_EQ_INT(sk_dynbuf_extend(&b, sizeof(struct elem), &slot), 0);
        struct elem *e = slot;
        CHECK(e && e->a == 0 && e->b == 0);
        e->a = i;
        e->b = i * 2;
    }
    void *slot;
    CHECK_EQ_INT(sk_dynbuf_extend(&b, sizeof(struct elem), &slot), SK_ELIMIT);
    const struct elem *all = (const struct elem *)(void *)b.p;
    CHECK_EQ_INT(b.len / sizeof *all, 3);
    CHECK_EQ_INT(all[2].b, 4);
    sk_dynbuf_truncate(&b, sizeof *all);
    CHECK_EQ_INT(b.len, sizeof *all);
    sk_dynbuf_reset(&b);
    CHECK_EQ_INT(b.len, 0);
    CHECK(b.p != NULL); /* memory kept for reuse */
    sk_dynbuf_free(&b);
}

static void out_of_memory(void)
{
    struct sk_dynbuf b;
    sk_dynbuf_init(&b, 1u << 20);
    CHECK_EQ_INT(sk_dynbuf_addstr(&b, "kept"), 0);
    heap_fail_after(0);
    char big[100] = {0};
    CHECK_EQ_INT(sk_dynbuf_add(&b, big, sizeof big), SK_ENOMEM);
    CHECK(heap_fail_fired());
    CHECK_EQ_INT(sk_dynbuf_printf(&b, "%0200d", 1), SK_ENOMEM);
    heap_fail_after(-1);
    CHECK_EQ_INT(b.len, 4);
    CHECK_EQ_STR(b.p, "kept");
    CHECK_EQ_INT(sk_dynbuf_add(&b, "", 0), 0); /* fits what it has: no allocation */
    CHECK_EQ_INT(sk_dynbuf_add(&b, big, sizeof big), 0);
    CHECK_EQ_INT(b.len, 104);
    sk_dynbuf_free(&b);
}

/* sk_dynbuf_reserve: room without content, the cap and memory as add's. */
static void reserve_only(void)
{
    struct sk_dynbuf b;
    sk_dynbuf_init(&b, 16);
    CHECK_EQ_INT(sk_dynbuf_reserve(&b, 16), 0);
    CHECK(b.p != NULL && b.alloc >= 17 && b.len == 0);
    CHECK_EQ_INT(sk_dynbuf_reserve(&b, 17), SK_ELIMIT);
    CHECK_EQ_INT(sk_dynbuf_add(&b, "abc", 3), 0);
    CHECK_EQ_INT(sk_dynbuf_reserve(&b, 14), SK_ELIMIT);
    CHECK_EQ_STR(b.p, "abc");
    sk_dynbuf_free(&b);

    const struct sk_alloc no = {refuse, NULL};
    sk_dynbuf_init_alloc(&b, 16, &no);
    CHECK_EQ_INT(sk_dynbuf_reserve(&b, 4), SK_ENOMEM);
    CHECK(b.p == NULL && b.alloc == 0);
}

int main(void)
{
    cap_exact();
    growth();
    no_wrap();
    fixed();
    in_place();
    out_of_memory();
    reserve_only();
    return check_exit("dynbuf");
}
