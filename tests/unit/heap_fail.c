/* Heap allocation failure for the fail-closed audit (test_fail_closed).
 *
 * test_fail_closed is linked with -Wl,--wrap for malloc, calloc, realloc,
 * strdup and strndup, so every call that Sekisho's own code (engine/ and
 * unpackers/, linked statically) makes lands here first. Calls made inside
 * shared libraries (libarchive, libgsf, GMime, GLib, libyara) go straight to
 * libc and are not counted; nor are GLib's g_malloc family, which aborts on
 * failure by design (ARCHITECTURE.md, "Failing closed", says what this
 * proves and what it does not).
 *
 * Armed with heap_fail_after(n), the n-th counted call from then on fails
 * with ENOMEM, and so does every later one (a heap that ran out stays out),
 * until heap_fail_after(-1). */
#include "heap_fail.h"

#include <errno.h>
#include <string.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static long countdown = -1; /* < 0: never fail */
static bool fired;

void heap_fail_after(long n)
{
    countdown = n;
    fired = false;
}

bool heap_fail_fired(void)
{
    return fired;
}

static bool fail_now(void)
{
    if (countdown < 0)
        return false;
    if (countdown == 0) {
        fired = true;
        errno = ENOMEM;
        return true;
    }
    countdown--;
    return false;
}

void *__wrap_malloc(size_t size)
{
    return fail_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return fail_now() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}
