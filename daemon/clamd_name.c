/* The clamd reply name of a verdict (DESIGN.md, "clamd-compatible
 * protocol"), from what decided it (sk_job_decision): a YARA rule, an
 * unopened encrypted container by its type, macros, limits, or any other
 * reason code. */
#include <stdio.h>
#include <string.h>

#include "run.h"

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
    if (strcmp(type, "pkcs7") == 0)
        return "SMIME";
    if (strcmp(type, "pgp") == 0)
        return "PGP";
    return "Archive";
}

/* Keeps a name printable and free of the protocol's delimiters. */
static void clean(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == ':')
            *s = '_';
}

/* What decided the verdict, without the prefix that says how severe it is:
 * "Sekisho.<Rule>", "Encrypted.Zip", "OLE2.ContainsMacros.VBA",
 * "Limits.Exceeded.depth", "Sekisho.<code>". */
static void decided_by(const struct sk_job *job, char *out, size_t len)
{
    struct sk_decision d;
    const char *code = sk_job_decision(job, &d) ? d.code : NULL;
    if (!code) /* not pass, yet no reason carries the verdict: still not OK */
        snprintf(out, len, "Sekisho.%s", sk_verdict_name(sk_job_verdict(job)));
    else if (d.rule)
        snprintf(out, len, "Sekisho.%s", d.rule);
    else if (strcmp(code, "encrypted.unopened") == 0)
        snprintf(out, len, "Encrypted.%s", encrypted_suffix(d.node_type));
    else if (strncmp(code, "macro.vba", 9) == 0)
        snprintf(out, len, "OLE2.ContainsMacros.VBA");
    else if (strcmp(code, "macro.xlm") == 0)
        snprintf(out, len, "OLE2.ContainsMacros.XLM");
    else if (strncmp(code, "limit.", 6) == 0)
        snprintf(out, len, "Limits.Exceeded.%s", code + 6);
    else
        snprintf(out, len, "Sekisho.%s", code);
}

/* One anchored regex tells hold from reject: every sandbox-level name starts
 * with "Heuristics." (the prefix rspamd, amavis and ClamAV's own heuristics
 * use for "suspicious"), and no block-level name does. */
void sk_clamd_name(const struct sk_job *job, char *out, size_t len)
{
    char what[256];
    decided_by(job, what, sizeof what);
    if (sk_job_verdict(job) == SK_VERDICT_BLOCK)
        snprintf(out, len, "%s%s", strncmp(what, "Sekisho.", 8) == 0 ? "" : "Sekisho.", what);
    else
        snprintf(out, len, "Heuristics.%s", what);
    clean(out);
}
