#include "extract.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/node.h"
#include "cli.h"

#define CLEAN_MAX 64

/* The last path component of name, reduced to a safe file-name alphabet. */
static void clean_name(const char *name, char *out, size_t outlen)
{
    const char *base = name;
    for (const char *c = name; *c; c++)
        if (*c == '/' || *c == '\\')
            base = c + 1;
    size_t o = 0;
    size_t max = outlen - 1 < CLEAN_MAX ? outlen - 1 : CLEAN_MAX;
    for (const char *c = base; *c && o < max; c++) {
        char ch = *c;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
        out[o++] = ok ? ch : '_';
    }
    if (o == 0)
        out[o++] = '_';
    if (out[0] == '.')
        out[0] = '_';
    out[o] = '\0';
}

int sk_extract_open_root(const char *dir)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

void sk_extract_init(struct sk_extract *x, int root_fd, unsigned sequence,
                     const char *input_name)
{
    char clean[CLEAN_MAX + 1];
    clean_name(input_name, clean, sizeof clean);
    x->root_fd = root_fd;
    x->sequence = sequence;
    x->folder_fd = -1;
    snprintf(x->folder, sizeof x->folder, "%06u-%s", sequence, clean);
}

void sk_extract_finish(struct sk_extract *x)
{
    if (x->folder_fd >= 0)
        close(x->folder_fd);
    x->folder_fd = -1;
}

void sk_extract_node(void *ctx, const struct sk_node *node, const uint8_t *p, size_t n,
                     char *saved_as, size_t saved_len)
{
    struct sk_extract *x = ctx;
    if (x->folder_fd < 0) {
        if (mkdirat(x->root_fd, x->folder, 0700) != 0 && errno != EEXIST)
            return;
        x->folder_fd =
            openat(x->root_fd, x->folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (x->folder_fd < 0)
            return;
    }
    char clean[CLEAN_MAX + 1];
    char file[CLEAN_MAX + 16];
    clean_name(node->name, clean, sizeof clean);
    snprintf(file, sizeof file, "%05u-%s", node->index, clean);
    int fd =
        openat(x->folder_fd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    int rc = sk_write_all(fd, p, n);
    if (close(fd) != 0 || rc != 0) {
        unlinkat(x->folder_fd, file, 0);
        return;
    }
    snprintf(saved_as, saved_len, "%s/%s", x->folder, file);
}
