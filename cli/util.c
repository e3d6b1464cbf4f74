#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/limits.h"
#include "cli.h"

#ifndef SK_SOURCE_RULES_DIR
#define SK_SOURCE_RULES_DIR "rules"
#endif

void sk_list_push(const char ***list, size_t *n, const char *item)
{
    const char **grown = realloc(*list, (*n + 1) * sizeof **list);
    if (!grown) {
        fprintf(stderr, "sekisho: out of memory\n");
        exit(2);
    }
    grown[(*n)++] = item;
    *list = grown;
}

static int is_dir(const char *path)
{
    return access(path, R_OK | X_OK) == 0;
}

const char *sk_bundled_rules_dir(void)
{
    static char installed[PATH_MAX];
    const char *env = getenv("SEKISHO_RULES_DIR");
    if (env && *env)
        return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            int len = snprintf(installed, sizeof installed, "%s/../share/sekisho/rules", exe);
            if (len > 0 && (size_t)len < sizeof installed && is_dir(installed))
                return installed;
        }
    }
    return SK_SOURCE_RULES_DIR;
}

int sk_parse_uint(const char *text, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    if (!text || *text == '-' || *text == '\0')
        return -1;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

int sk_parse_bytes(const char *text, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!text || *text == '-' || *text == '\0')
        return -1;
    unsigned long long v = strtoull(text, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    default: break;
    }
    if (*end == 'i' || *end == 'B')
        end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
    if (errno || *end || v > (ULLONG_MAX >> shift))
        return -1;
    *out = v << shift;
    return 0;
}

int sk_parse_seconds_ms(const char *text, unsigned long *out_ms)
{
    char *end;
    errno = 0;
    if (!text || *text == '-' || *text == '\0')
        return -1;
    double s = strtod(text, &end);
    if (errno || *end || s <= 0 || s > 86400.0)
        return -1;
    *out_ms = (unsigned long)(s * 1000.0 + 0.5);
    if (*out_ms == 0)
        *out_ms = 1;
    return 0;
}

int sk_read_passwords_file(const char *path, const char ***list, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        char *copy = strdup(line);
        if (!copy)
            break;
        sk_list_push(list, n, copy);
    }
    free(line);
    fclose(f);
    return 0;
}

int sk_read_file(const char *path, size_t max, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f)
        return -1;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size > max) {
        fclose(f);
        errno = EFBIG;
        return -1;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    size_t n = buf ? fread(buf, 1, size, f) : 0;
    int failed = !buf || ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        errno = buf ? EIO : ENOMEM;
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static int invalid(const char *cmd, const char *option, const char *value)
{
    fprintf(stderr, "sekisho %s: invalid value '%s' for --%s\n", cmd, value, option);
    return -1;
}

int sk_limit_option(struct sk_limits *lim, const char *cmd, int opt, const char *value,
                    unsigned long long max_request)
{
    static const char *const names[] = {"max-depth",      "max-bytes", "max-total-bytes",
                                        "max-node-bytes", "max-nodes", "max-ratio",
                                        "timeout"};
    unsigned k = (unsigned)(opt - SK_OPT_LIMIT_BASE);
    if (opt < SK_OPT_LIMIT_BASE || k >= sizeof names / sizeof names[0])
        return invalid(cmd, "?", value);
    unsigned long n;
    unsigned long long bytes;
    switch (k) {
    case 0:
        if (sk_parse_uint(value, SK_CAP_DEPTH, &n) || n == 0)
            return invalid(cmd, names[k], value);
        lim->max_depth = (uint32_t)n;
        return 0;
    case 4:
        if (sk_parse_uint(value, SK_CAP_NODES, &n) || n == 0)
            return invalid(cmd, names[k], value);
        lim->max_nodes = (uint32_t)n;
        return 0;
    case 5:
        if (sk_parse_uint(value, UINT32_MAX, &n) || n == 0)
            return invalid(cmd, names[k], value);
        lim->max_ratio = (uint32_t)n;
        return 0;
    case 6:
        if (sk_parse_seconds_ms(value, &n) || n > UINT32_MAX)
            return invalid(cmd, names[k], value);
        lim->timeout_ms = (uint32_t)n;
        return 0;
    default: break;
    }
    if (sk_parse_bytes(value, &bytes) || bytes == 0 || (k == 1 && bytes > max_request))
        return invalid(cmd, names[k], value);
    if (k == 1)
        lim->max_request_bytes = bytes;
    else if (k == 2)
        lim->max_total_bytes = bytes;
    else
        lim->max_node_bytes = bytes;
    return 0;
}

int sk_write_all(int fd, const void *p, size_t n)
{
    const char *at = p;
    while (n > 0) {
        ssize_t w = write(fd, at, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        at += w;
        n -= (size_t)w;
    }
    return 0;
}
