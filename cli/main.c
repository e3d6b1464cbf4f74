/* sekisho: one binary, one sub-command per user (DESIGN.md, "Users"). */
#include <locale.h>
#include <stdio.h>
#include <string.h>

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
    const char *cmd = argv[1];
    if (strcmp(cmd, "scan") == 0)
        return sk_cmd_scan(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return sk_cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "submit") == 0)
        return sk_cmd_submit(argc - 1, argv + 1);
    if (strcmp(cmd, "reasons") == 0)
        return cmd_reasons();
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
