/* Assertion macros for the unit tests (after libuv's ASSERT_EQ): a failed
 * check prints both sides and the place, and the test goes on so that one
 * run shows every failure; main returns check_exit(). */
#ifndef SK_CHECK_H
#define SK_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int check_failures;
static int check_count;

#define CHECK_EQ_INT(a, b)                                                                 \
    do {                                                                                   \
        long long check_a = (long long)(a), check_b = (long long)(b);                      \
        check_count++;                                                                     \
        if (check_a != check_b) {                                                          \
            check_failures++;                                                              \
            fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n", __FILE__, __LINE__, #a, #b, \
                    check_a, check_b);                                                     \
        }                                                                                  \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                 \
    do {                                                                                   \
        const char *check_a = (a), *check_b = (b);                                         \
        check_count++;                                                                     \
        if (!check_a || !check_b || strcmp(check_a, check_b) != 0) {                       \
            check_failures++;                                                              \
            fprintf(stderr, "%s:%d: %s == %s: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a,  \
                    #b, check_a ? check_a : "(null)", check_b ? check_b : "(null)");       \
        }                                                                                  \
    } while (0)

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        check_count++;                                                                     \
        if (!(cond)) {                                                                     \
            check_failures++;                                                              \
            fprintf(stderr, "%s:%d: %s is false\n", __FILE__, __LINE__, #cond);            \
        }                                                                                  \
    } while (0)

/* Writes text to a new file under /tmp: its path (static storage, valid
 * until the next call) or NULL. The caller unlinks it. */
static inline char *check_write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/sekisho-test-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    if (write(fd, text, strlen(text)) < 0)
        path[0] = '\0';
    close(fd);
    return path;
}

static inline int check_exit(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
