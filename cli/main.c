/* sekisho: one binary, one sub-command per user (DESIGN.md, "Users"). */
#include <getopt.h>
#include <iconv.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/serve.h"
#include "../engine/policy.h"
#include "../engine/sekisho.h"
#include "cli.h"

static void usage(FILE *out)
{
    fputs("usage: sekisho COMMAND [options]\n"
          "\n"
          "commands:\n"
          "  scan PATH...   scan files and directories, one JSON verdict per file\n"
          "  serve          run the daemon (native and clamd protocols)\n"
          "  submit FILE    send one request to a running daemon\n"
          "  reasons        list every reason code and its default verdict\n"
          "  rules          compile-check rules as scan and serve load them\n"
          "  version        print the version\n"
          "\n"
          "`sekisho scan --help` lists the scan options.\n",
          out);
}

static int cmd_reasons(void)
{
    size_t n;
    const struct sk_reason_info *table = sk_reason_table(&n);
    for (size_t i = 0; i < n; i++)
        printf("%-20s %-8s %s\n", table[i].code, sk_verdict_name(table[i].verdict),
               table[i].meaning);
    return 0;
}

/* `sekisho rules [--rules PATH]... [--no-bundled-rules] [--policy FILE]`:
 * compiles the rules exactly as `scan` and `serve` would (same externals,
 * same namespaces), so an operator can check a rule set before a SIGHUP. */
static int cmd_rules(int argc, char **argv)
{
    enum { OPT_RULES = 1, OPT_NO_BUNDLED, OPT_POLICY };
    static const struct option options[] = {
        {"rules", required_argument, NULL, OPT_RULES},
        {"no-bundled-rules", no_argument, NULL, OPT_NO_BUNDLED},
        {"policy", required_argument, NULL, OPT_POLICY},
        {NULL, 0, NULL, 0},
    };
    const char **paths = NULL;
    size_t n = 0;
    bool bundled = true;
    const char *policy = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case OPT_RULES: sk_list_push(&paths, &n, optarg); break;
        case OPT_NO_BUNDLED: bundled = false; break;
        case OPT_POLICY: policy = optarg; break;
        default:
            fputs(
                "usage: sekisho rules [--rules PATH]... [--no-bundled-rules] [--policy FILE]\n",
                stderr);
            free(paths);
            return 2;
        }
    }
    if (bundled)
        sk_list_push(&paths, &n, sk_bundled_rules_dir());
    struct sk_engine_config config = {
        .rule_paths = paths, .n_rule_paths = n, .policy_path = policy};
    struct sk_engine *engine = NULL;
    char err[4096];
    int rc = sk_engine_new(&config, &engine, err, sizeof err);
    free(paths);
    if (rc != 0) {
        fprintf(stderr, "sekisho: %s\n", err);
        return 2;
    }
    printf("%u rules\n", sk_engine_rule_count(engine));
    sk_engine_free(engine);
    return 0;
}

/* Node bytes come and go by the megabyte (a decoded attachment, an
 * archive member). glibc serves such blocks with mmap and returns them with
 * munmap, so every node paid a page fault per 4 KiB and a TLB flush on
 * every core, over and over (a third of the scanners' time in the benchmark
 * on a virtual machine). Keeping freed memory in the heap reuses the same
 * pages: bench/README.md, "Allocator", has the figures. Peak RSS is
 * unchanged; a block over 64 MiB is still mapped on its own. */
static void keep_freed_memory(void)
{
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

/* glibc loads a charset's converter (a gconv module) on the first
 * iconv_open and unloads it on the last iconv_close. GMime opens and
 * closes one per part, libarchive one per archive, so a mail in
 * ISO-2022-JP or windows-1252 loaded and unloaded a shared object every
 * time: dlopen, munmap and a TLB flush on every core. One descriptor per
 * common charset, opened here and never closed, keeps their modules in.
 * (Converters built into glibc, UTF-8, UTF-16 and ISO-8859-1, need none.) */
static iconv_t pinned_converters[16]; /* never closed; reachable for LeakSanitizer */

static void pin_charset_modules(void)
{
    static const char *const charsets[] = {
        "ISO-2022-JP", "CP932",  "SHIFT_JIS", "EUC-JP",       "CP1252", "CP1251",
        "CP1250",      "KOI8-R", "GB18030",   "BIG5",         "EUC-KR", "ISO-8859-2",
        "ISO-8859-15", "CP437",  "CP850",     "WINDOWS-1256",
    };
    _Static_assert(sizeof charsets / sizeof charsets[0] == 16, "one slot per charset");
    for (size_t i = 0; i < sizeof charsets / sizeof charsets[0]; i++)
        pinned_converters[i] = iconv_open("UTF-8", charsets[i]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    /* libarchive converts member names through the locale's character set;
     * names are UTF-8 everywhere in Sekisho, whatever the caller's locale. */
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        setlocale(LC_CTYPE, "");
    keep_freed_memory();
    pin_charset_modules();
    const char *cmd = argv[1];
    if (strcmp(cmd, "scan") == 0)
        return sk_cmd_scan(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return sk_cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "submit") == 0)
        return sk_cmd_submit(argc - 1, argv + 1);
    if (strcmp(cmd, "reasons") == 0)
        return cmd_reasons();
    if (strcmp(cmd, "rules") == 0)
        return cmd_rules(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("sekisho %s\n", SK_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "sekisho: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
