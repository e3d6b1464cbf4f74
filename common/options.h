/* Option parsing shared by `sekisho scan` (cli/) and `sekisho serve`
 * (daemon/): number, size and duration parsers, the rule and limit options
 * both commands take, and the bundled rules folder. A leaf: it includes
 * only libc and engine/limits.h, so neither front end depends on the
 * other. */
#ifndef SK_COMMON_OPTIONS_H
#define SK_COMMON_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../engine/limits.h"

/* What `scan` and `serve` both take: the rules, the policy, the password
 * rules, --no-hash, --cache-bytes and the limits. */
struct sk_common_options {
    const char **rule_paths; /* --rules, in order (the bundled folder is not here) */
    size_t n_rule_paths;
    bool no_bundled;
    const char *policy_path;
    const char *password_rules;
    bool no_hash;
    unsigned long long cache_bytes; /* the node cache's budget; 0: off */
    struct sk_limits limits;
};

/* The node cache's default budget (--cache-bytes). */
#define SK_DEFAULT_CACHE_BYTES (64ull << 20)
#define SK_MAX_CACHE_BYTES (1ull << 40)

/* getopt_long values of the shared options. A command's own values stay
 * below SK_OPT_COMMON_BASE. */
#define SK_OPT_COMMON_BASE 900
enum {
    SK_OPT_RULES = SK_OPT_COMMON_BASE,
    SK_OPT_NO_BUNDLED,
    SK_OPT_POLICY,
    SK_OPT_PASSWORD_RULES,
    SK_OPT_NO_HASH,
    SK_OPT_CACHE_BYTES
};
#define SK_OPT_LIMIT_BASE 1000

/* The rule options and the limit options as getopt_long entries. */
#define SK_COMMON_LONG_OPTIONS                                                                 \
    {"rules", required_argument, NULL, SK_OPT_RULES},                                          \
        {"no-bundled-rules", no_argument, NULL, SK_OPT_NO_BUNDLED},                            \
        {"policy", required_argument, NULL, SK_OPT_POLICY},                                    \
        {"password-rules", required_argument, NULL, SK_OPT_PASSWORD_RULES},                    \
        {"no-hash", no_argument, NULL, SK_OPT_NO_HASH},                                        \
        {"cache-bytes", required_argument, NULL, SK_OPT_CACHE_BYTES},                          \
        {"max-depth", required_argument, NULL, SK_OPT_LIMIT_BASE + 0},                         \
        {"max-bytes", required_argument, NULL, SK_OPT_LIMIT_BASE + 1},                         \
        {"max-total-bytes", required_argument, NULL, SK_OPT_LIMIT_BASE + 2},                   \
        {"max-node-bytes", required_argument, NULL, SK_OPT_LIMIT_BASE + 3},                    \
        {"max-nodes", required_argument, NULL, SK_OPT_LIMIT_BASE + 4},                         \
        {"max-ratio", required_argument, NULL, SK_OPT_LIMIT_BASE + 5},                         \
    {                                                                                          \
        "timeout", required_argument, NULL, SK_OPT_LIMIT_BASE + 6                              \
    }

/* Sets the defaults (the engine's limits). */
void sk_common_options_init(struct sk_common_options *o);

/* Applies shared option `opt` (from SK_COMMON_LONG_OPTIONS): 0, or -1 after
 * printing "sekisho CMD: invalid value ...". max_request caps --max-bytes
 * (the daemon allocates one buffer of that size). */
int sk_common_option(struct sk_common_options *o, const char *cmd, int opt, const char *value,
                     unsigned long long max_request);

/* The node cache's budget in force: --cache-bytes, or 0 (off) with
 * --no-hash, whose nodes have no SHA-256 to key it. */
unsigned long long sk_common_cache_bytes(const struct sk_common_options *o);

/* The rule paths to load: the bundled folder first unless --no-bundled-rules,
 * then each --rules. The list is malloc'd (the strings are not copied). */
void sk_common_rule_paths(const struct sk_common_options *o, const char ***paths, size_t *n);

/* Runs getopt_long over argv with table (optind reset), calling apply(ctx,
 * opt, optarg) for each option: 1 after printing usage on stdout as soon as
 * help_opt is seen, -1 on an unknown option or when apply returned
 * nonzero, else 0 (optind is then the first operand). */
int sk_getopt_each(int argc, char **argv, const struct option *table, int help_opt,
                   void (*usage)(FILE *out), int (*apply)(void *ctx, int opt, const char *arg),
                   void *ctx);
/* The number of online processors, at least 1 (the default of --jobs and
 * --workers). */
unsigned sk_online_cores(void);

/* Prints "sekisho CMD: invalid value 'VALUE' for --OPTION"; returns -1. */
int sk_bad_value(const char *cmd, const char *option, const char *value);

/* The bundled rules directory: $SEKISHO_RULES_DIR, the installed
 * share/sekisho/rules beside the binary, or the source tree's rules/. */
const char *sk_bundled_rules_dir(void);

/* Appends a path to a growable list of strings; exits on out of memory
 * (only ever at start-up). */
void sk_list_push(const char ***list, size_t *n, const char *item);

/* Parses a byte count with an optional K/M/G suffix (binary units). */
int sk_parse_bytes(const char *text, unsigned long long *out);
/* Parses a non-negative integer no larger than max. */
int sk_parse_uint(const char *text, unsigned long max, unsigned long *out);
/* Parses a duration in seconds ("10", "0.5") into milliseconds. */
int sk_parse_seconds_ms(const char *text, unsigned long *out_ms);

#endif
