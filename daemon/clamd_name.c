/* The clamd reply name of a verdict (DESIGN.md, "clamd-compatible
 * protocol"), from what decided it (sk_job_decision): a YARA rule, an
 * unopened encrypted container by its type, macros, limits, or any other
 * reason code. */
#include <stdio.h>
#include <string.h>

#include "daemon.h"

static const char *encrypted_suffix(const char *type)
{
    if (!type)
        return "Archive";
    if (strcmp(type, "zip") == 0)
        return "Zip";
    if (strcmp(type, "7z") == 0)
        return "7Zip";
    if (strncmp(type, "rar", 3) == 0)
        return "RAR";
    if (strcmp(type, "ole2") == 0 || strcmp(type, "ooxml") == 0)
        return "Office";
    if (strcmp(type, "pdf") == 0)
        return "PDF";
    return "Archive";
}

/* Keeps a name printable and free of the protocol's delimiters. */
static void clean(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == ':')
            *s = '_';
}

void sk_clamd_name(const struct sk_job *job, char *out, size_t len)
{
    struct sk_decision d;
    const char *code = sk_job_decision(job, &d) ? d.code : NULL;
    if (!code) {
        /* Not pass, yet no reason carries the verdict: still not OK. */
        snprintf(out, len, "Heuristics.Sekisho.%s", sk_verdict_name(sk_job_verdict(job)));
    } else if (d.rule) {
        snprintf(out, len, "Sekisho.%s", d.rule);
    } else if (strcmp(code, "encrypted.unopened") == 0) {
        snprintf(out, len, "Heuristics.Encrypted.%s", encrypted_suffix(d.node_type));
    } else if (strncmp(code, "macro.vba", 9) == 0) {
        snprintf(out, len, "Heuristics.OLE2.ContainsMacros.VBA");
    } else if (strcmp(code, "macro.xlm") == 0) {
        snprintf(out, len, "Heuristics.OLE2.ContainsMacros.XLM");
    } else if (strncmp(code, "limit.", 6) == 0) {
        snprintf(out, len, "Heuristics.Limits.Exceeded.%s", code + 6);
    } else {
        snprintf(out, len, "Heuristics.Sekisho.%s", code);
    }
    clean(out);
}
