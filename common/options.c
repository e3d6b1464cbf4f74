/* Option parsing shared by `scan` and `serve` (options.h). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"

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

int sk_bad_value(const char *cmd, const char *option, const char *value)
{
    fprintf(stderr, "sekisho %s: invalid value '%s' for --%s\n", cmd, value, option);
    return -1;
}

static int limit_option(struct sk_limits *lim, const char *cmd, int opt, const char *value,
                        unsigned long long max_request)
{
    static const char *const names[] = {"max-depth",      "max-bytes", "max-total-bytes",
                                        "max-node-bytes", "max-nodes", "max-ratio",
                                        "timeout"};
    unsigned k = (unsigned)(opt - SK_OPT_LIMIT_BASE);
    if (opt < SK_OPT_LIMIT_BASE || k >= sizeof names / sizeof names[0])
        return sk_bad_value(cmd, "?", value);
    unsigned long n;
    unsigned long long bytes;
    switch (k) {
    case 0:
        if (sk_parse_uint(value, SK_CAP_DEPTH, &n) || n == 0)
            return sk_bad_value(cmd, names[k], value);
        lim->max_depth = (uint32_t)n;
        return 0;
    case 4:
        if (sk_parse_uint(value, SK_CAP_NODES, &n) || n == 0)
            return sk_bad_value(cmd, names[k], value);
        lim->max_nodes = (uint32_t)n;
        return 0;
    case 5:
        if (sk_parse_uint(value, UINT32_MAX, &n) || n == 0)
            return sk_bad_value(cmd, names[k], value);
        lim->max_ratio = (uint32_t)n;
        return 0;
    case 6:
        if (sk_parse_seconds_ms(value, &n) || n > UINT32_MAX)
            return sk_bad_value(cmd, names[k], value);
        lim->timeout_ms = (uint32_t)n;
        return 0;
    default: break;
    }
    if (sk_parse_bytes(value, &bytes) || bytes == 0 || (k == 1 && bytes > max_request))
        return sk_bad_value(cmd, names[k], value);
    if (k == 1)
        lim->max_request_bytes = bytes;
    else if (k == 2)
        lim->max_total_bytes = bytes;
    else
        lim->max_node_bytes = bytes;
    return 0;
}

void sk_common_options_init(struct sk_common_options *o)
{
    sk_limits_default(&o->limits);
    o->cache_bytes = SK_DEFAULT_CACHE_BYTES;
}

unsigned long long sk_common_cache_bytes(const struct sk_common_options *o)
{
    return o->no_hash ? 0 : o->cache_bytes;
}

int sk_common_option(struct sk_common_options *o, const char *cmd, int opt, const char *value,
                     unsigned long long max_request)
{
    switch (opt) {
    case SK_OPT_RULES: sk_list_push(&o->rule_paths, &o->n_rule_paths, value); return 0;
    case SK_OPT_NO_BUNDLED: o->no_bundled = true; return 0;
    case SK_OPT_POLICY: o->policy_path = value; return 0;
    case SK_OPT_PASSWORD_RULES: o->password_rules = value; return 0;
    case SK_OPT_NO_HASH: o->no_hash = true; return 0;
    case SK_OPT_CACHE_BYTES:
        if (sk_parse_bytes(value, &o->cache_bytes) != 0 || o->cache_bytes > SK_MAX_CACHE_BYTES)
            return sk_bad_value(cmd, "cache-bytes", value);
        return 0;
    default: return limit_option(&o->limits, cmd, opt, value, max_request);
    }
}

void sk_common_rule_paths(const struct sk_common_options *o, const char ***paths, size_t *n)
{
    *paths = NULL;
    *n = 0;
    if (!o->no_bundled)
        sk_list_push(paths, n, sk_bundled_rules_dir());
    for (size_t i = 0; i < o->n_rule_paths; i++)
        sk_list_push(paths, n, o->rule_paths[i]);
}

int sk_getopt_each(int argc, char **argv, const struct option *table, int help_opt,
                   void (*usage)(FILE *out), int (*apply)(void *ctx, int opt, const char *arg),
                   void *ctx)
{
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", table, NULL)) != -1) {
        if (opt == help_opt) {
            usage(stdout);
            return 1;
        }
        if (opt == '?' || apply(ctx, opt, optarg) != 0)
            return -1;
    }
    return 0;
}

unsigned sk_online_cores(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (unsigned)cores : 1;
}
