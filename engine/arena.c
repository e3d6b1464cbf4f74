#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK (64u * 1024u)
#define ARENA_ALIGN 16u

struct chunk {
    struct chunk *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

struct sk_arena {
    struct chunk *head;
    size_t handed_out;
    long fail_countdown; /* < 0: never fail */
};

struct sk_arena *sk_arena_new(void)
{
    struct sk_arena *arena = calloc(1, sizeof *arena);
    if (arena)
        arena->fail_countdown = -1;
    return arena;
}

void sk_arena_free(struct sk_arena *arena)
{
    if (!arena)
        return;
    struct chunk *c = arena->head;
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    free(arena);
}

static struct chunk *chunk_new(size_t at_least)
{
    size_t size = at_least > ARENA_CHUNK ? at_least : ARENA_CHUNK;
    struct chunk *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

bool sk_arena_fail_other(struct sk_arena *arena)
{
    if (arena->fail_countdown == 0)
        return true;
    if (arena->fail_countdown > 0)
        arena->fail_countdown--;
    return false;
}

void *sk_arena_alloc(struct sk_arena *arena, size_t size)
{
    if (sk_arena_fail_other(arena))
        return NULL;
    if (size > SIZE_MAX - ARENA_ALIGN)
        return NULL;
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    struct chunk *c = arena->head;
    if (!c || rounded > c->size - c->used) {
        c = chunk_new(rounded);
        if (!c)
            return NULL;
        c->next = arena->head;
        arena->head = c;
    }
    void *p = c->data + c->used;
    c->used += rounded;
    arena->handed_out += rounded;
    memset(p, 0, size);
    return p;
}

char *sk_arena_strndup(struct sk_arena *arena, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *copy = sk_arena_alloc(arena, n + 1);
    if (copy) {
        if (n)
            memcpy(copy, s, n);
        copy[n] = '\0';
    }
    return copy;
}

char *sk_arena_strdup(struct sk_arena *arena, const char *s)
{
    return sk_arena_strndup(arena, s, strlen(s));
}

char *sk_arena_printf(struct sk_arena *arena, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *out = sk_arena_alloc(arena, (size_t)n + 1);
    if (!out)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

void sk_arena_fail_after(struct sk_arena *arena, long n)
{
    arena->fail_countdown = n;
}

size_t sk_arena_used(const struct sk_arena *arena)
{
    return arena->handed_out;
}
