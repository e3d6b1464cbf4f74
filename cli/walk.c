#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int push(struct sk_file_list *list, char *path)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 64;
        char **grown = realloc(list->paths, cap * sizeof *grown);
        if (!grown)
            return -1;
        list->paths = grown;
        list->cap = cap;
    }
    list->paths[list->n++] = path;
    return 0;
}

static char *join(const char *dir, const char *name)
{
    char *out;
    size_t len = strlen(dir);
    const char *sep = len && dir[len - 1] == '/' ? "" : "/";
    return asprintf(&out, "%s%s%s", dir, sep, name) < 0 ? NULL : out;
}

/* Reads one directory: files go to `list`, sub-directories to `pending`. */
static int read_dir(const char *dir, struct sk_file_list *list, struct sk_file_list *pending,
                    void (*on_error)(void *, const char *, int), void *ctx)
{
    DIR *d = opendir(dir);
    if (!d) {
        on_error(ctx, dir, errno);
        return 0;
    }
    int rc = 0;
    struct dirent *entry;
    while (rc == 0 && (entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char *path = join(dir, entry->d_name);
        struct stat st;
        if (!path) {
            rc = -1;
        } else if (lstat(path, &st) != 0) {
            on_error(ctx, path, errno);
            free(path);
        } else if (S_ISDIR(st.st_mode)) {
            rc = push(pending, path);
        } else if (S_ISREG(st.st_mode)) {
            rc = push(list, path);
        } else {
            free(path); /* links, sockets, devices: not inputs */
        }
    }
    closedir(d);
    return rc;
}

int sk_walk(const char *path, struct sk_file_list *list,
            void (*on_error)(void *ctx, const char *path, int err), void *ctx)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        on_error(ctx, path, errno);
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        char *copy = strdup(path);
        return copy ? push(list, copy) : -1;
    }
    struct sk_file_list pending = {0};
    char *first = strdup(path);
    int rc = first ? push(&pending, first) : -1;
    while (rc == 0 && pending.n > 0) {
        char *dir = pending.paths[--pending.n];
        rc = read_dir(dir, list, &pending, on_error, ctx);
        free(dir);
    }
    sk_file_list_free(&pending);
    return rc;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void sk_file_list_sort(struct sk_file_list *list)
{
    if (list->n > 1)
        qsort(list->paths, list->n, sizeof *list->paths, compare_paths);
}

void sk_file_list_free(struct sk_file_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->paths[i]);
    free(list->paths);
    list->paths = NULL;
    list->n = list->cap = 0;
}
