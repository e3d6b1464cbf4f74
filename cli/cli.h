/* The command-line front end: thin, it parses options, reads inputs and
 * prints what the engine decided. It never parses attachment bytes. */
#ifndef SK_CLI_H
#define SK_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "../engine/limits.h"

/* Rule and policy options shared by `scan` and `serve`. */
struct sk_rule_options {
    const char **paths; /* bundled rules first unless no_bundled */
    size_t n_paths;
    bool no_bundled;
    const char *policy_path;
};

int sk_cmd_scan(int argc, char **argv);
int sk_cmd_serve(int argc, char **argv);  /* daemon/server.c */
int sk_cmd_submit(int argc, char **argv); /* cli/submit.c */

/* The bundled rules directory: $SEKISHO_RULES_DIR, the installed
 * share/sekisho/rules beside the binary, or the source tree's rules/. */
const char *sk_bundled_rules_dir(void);

/* Appends a path to a growable list of strings; exits on out of memory
 * (only ever at start-up). */
void sk_list_push(const char ***list, size_t *n, const char *item);

/* The limit options `scan` and `serve` share, as getopt_long entries whose
 * values start at SK_OPT_LIMIT_BASE (a command's own values stay below). */
#define SK_OPT_LIMIT_BASE 1000
#define SK_LIMIT_LONG_OPTIONS                                                                  \
    {"max-depth", required_argument, NULL, SK_OPT_LIMIT_BASE + 0},                             \
        {"max-bytes", required_argument, NULL, SK_OPT_LIMIT_BASE + 1},                         \
        {"max-total-bytes", required_argument, NULL, SK_OPT_LIMIT_BASE + 2},                   \
        {"max-node-bytes", required_argument, NULL, SK_OPT_LIMIT_BASE + 3},                    \
        {"max-nodes", required_argument, NULL, SK_OPT_LIMIT_BASE + 4},                         \
        {"max-ratio", required_argument, NULL, SK_OPT_LIMIT_BASE + 5},                         \
    {                                                                                          \
        "timeout", required_argument, NULL, SK_OPT_LIMIT_BASE + 6                              \
    }

/* Applies limit option `opt` (from SK_LIMIT_LONG_OPTIONS) to lim: 0, or -1
 * after printing "sekisho CMD: invalid value ...". max_request caps
 * --max-bytes (the daemon allocates one buffer of that size). */
int sk_limit_option(struct sk_limits *lim, const char *cmd, int opt, const char *value,
                    unsigned long long max_request);

/* Writes all n bytes (retrying short writes and EINTR): 0 or -1. */
int sk_write_all(int fd, const void *p, size_t n);

/* Parses a byte count with an optional K/M/G suffix (binary units). */
int sk_parse_bytes(const char *text, unsigned long long *out);
/* Parses a non-negative integer no larger than max. */
int sk_parse_uint(const char *text, unsigned long max, unsigned long *out);
/* Parses a duration in seconds ("10", "0.5") into milliseconds. */
int sk_parse_seconds_ms(const char *text, unsigned long *out_ms);

/* Reads a whole (small) file into a NUL-terminated malloc'd buffer; -1 with
 * errno set on failure or when it is larger than max bytes. */
int sk_read_file(const char *path, size_t max, char **out, size_t *len);

/* Reads one password a line (no trailing CR/LF) from a file into the list. */
int sk_read_passwords_file(const char *path, const char ***list, size_t *n);

#endif
