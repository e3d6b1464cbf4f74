/* Expanding the command line's paths into a sorted list of regular files. */
#ifndef SK_WALK_H
#define SK_WALK_H

#include <stddef.h>

struct sk_file_list {
    char **paths;
    size_t n;
    size_t cap;
};

/* Adds `path` (a file, or a directory walked with an explicit stack: no
 * recursion, symbolic links inside directories not followed). A path that
 * cannot be read is reported through on_error and the walk goes on. Returns
 * 0, or -1 when out of memory. */
int sk_walk(const char *path, struct sk_file_list *list,
            void (*on_error)(void *ctx, const char *path, int err), void *ctx);

void sk_file_list_sort(struct sk_file_list *list);
void sk_file_list_free(struct sk_file_list *list);

#endif
