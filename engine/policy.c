#include "policy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static const struct sk_reason_info reasons[] = {
    {"yara.match", SK_VERDICT_SANDBOX, 0,
     "a YARA rule matched; its meta `verdict` (block/sandbox) decides, info rules only report"},
    {"encrypted.unopened", SK_VERDICT_SANDBOX, 1,
     "an encrypted container or member that no password candidate opened"},
    {"content.unknown", SK_VERDICT_SANDBOX, 0,
     "binary content of no recognised type (cannot be vouched for)"},
    {"input.empty", SK_VERDICT_SANDBOX, 1,
     "the request or input file holds no bytes (a truncated delivery)"},
    {"name.unsafe_path", SK_VERDICT_SANDBOX, 0,
     "a member name is absolute or climbs with `..` (path traversal); never used as a path"},
    {"macro.vba", SK_VERDICT_SANDBOX, 0, "an Office document holds VBA macros"},
    {"macro.vba.autoexec", SK_VERDICT_SANDBOX, 0,
     "VBA that runs by itself and writes or executes (mraptor's rule); detail: the keywords"},
    {"macro.xlm", SK_VERDICT_SANDBOX, 0, "an Excel 4.0 (XLM) macro sheet"},
    {"office.dde", SK_VERDICT_SANDBOX, 0, "a DDE field or link that can start a program"},
    {"office.equation", SK_VERDICT_SANDBOX, 0,
     "an Equation Editor object (CVE-2017-11882 and kin)"},
    {"office.hidden_sheet", SK_VERDICT_PASS, 0,
     "a hidden or very hidden Excel sheet (reported)"},
    {"ooxml.external_ref", SK_VERDICT_SANDBOX, 0,
     "an external relationship (remote template, linked OLE object); detail: the target"},
    {"rtf.object", SK_VERDICT_PASS, 0,
     "an RTF embedded object (reported; its content is scanned)"},
    {"dropper.executable", SK_VERDICT_SANDBOX, 0,
     "an executable (PE, ELF, Mach-O, MSI, .NET); detail: what the header says"},
    {"dropper.script", SK_VERDICT_SANDBOX, 0,
     "a script Windows runs on a double click (JS/JSE, VBS/VBE, WSF, HTA, PS1, BAT/CMD)"},
    {"dropper.lnk", SK_VERDICT_SANDBOX, 0,
     "a Windows shortcut (.lnk); detail: its target and arguments"},
    {"container.disk_image", SK_VERDICT_SANDBOX, 0,
     "a disk image (ISO, UDF, VHD/VHDX) that holds an executable, script or shortcut"},
    {"onenote.embedded_file", SK_VERDICT_SANDBOX, 0,
     "a OneNote file embeds an executable, script, shortcut, HTA or Office file"},
    {"html.smuggling", SK_VERDICT_SANDBOX, 0,
     "HTML that builds a file in the browser (atob/Blob/msSaveOrOpenBlob/download=); the "
     "payload is decoded and scanned"},
    {"pdf.javascript", SK_VERDICT_SANDBOX, 0, "a PDF with JavaScript (/JS, /JavaScript)"},
    {"pdf.launch", SK_VERDICT_SANDBOX, 0,
     "a PDF /Launch action that starts a program or opens a file"},
    {"pdf.embedded_file", SK_VERDICT_PASS, 0,
     "a PDF embedded file (reported; its content is scanned)"},
    {"name.deceptive", SK_VERDICT_SANDBOX, 0,
     "a name that hides its real extension: double extension, right-to-left override, padding "
     "before the extension"},
    {"limit.size", SK_VERDICT_SANDBOX, 1, "the request is larger than max-bytes; not scanned"},
    {"limit.depth", SK_VERDICT_SANDBOX, 1, "nesting deeper than max-depth; not opened further"},
    {"limit.nodes", SK_VERDICT_SANDBOX, 1, "more nodes than max-nodes; unpacking stopped"},
    {"limit.bytes", SK_VERDICT_SANDBOX, 1,
     "more bytes extracted than max-total-bytes; unpacking stopped"},
    {"limit.node_bytes", SK_VERDICT_SANDBOX, 1,
     "one node larger than max-node-bytes; the node was cut short"},
    {"limit.ratio", SK_VERDICT_SANDBOX, 1,
     "a container expanded more than max-ratio:1 above 1 MiB (a bomb); stopped"},
    {"limit.time", SK_VERDICT_SANDBOX, 1, "the request ran past its timeout; stopped"},
    {"limit.passwords", SK_VERDICT_PASS, 0,
     "more password candidates than max-passwords; lower-ranked ones dropped"},
    {"error.corrupt", SK_VERDICT_SANDBOX, 1,
     "a container is corrupt or truncated; what could be read was scanned"},
    {"error.unsupported", SK_VERDICT_SANDBOX, 1,
     "a container uses a variant the unpacker cannot read"},
    {"error.internal", SK_VERDICT_SANDBOX, 1,
     "Sekisho itself failed (out of memory, I/O); fail closed"},
    {"name.attachment_path", SK_VERDICT_PASS, 0,
     "a message part's name carries a drive, UNC, absolute or `..` path; mail clients save it "
     "under its last component (reported)"},
    {"dropper.web_query", SK_VERDICT_SANDBOX, 0,
     "an Excel web query (.iqy) that fetches a URL into a sheet; detail: the URL"},
    {"link.remote_target", SK_VERDICT_SANDBOX, 0,
     "an Internet shortcut (.url), library (.library-ms) or search connector "
     "(.searchConnector-ms) pointing at a file:// path or a remote share (SMB, WebDAV); detail: "
     "the target"},
    {"dropper.jnlp", SK_VERDICT_SANDBOX, 0,
     "a Java Web Start file (.jnlp) asking for all-permissions or fetching a remote jar; "
     "detail: the jar"},
    {"dropper.vsto", SK_VERDICT_SANDBOX, 0,
     "an Office VSTO add-in or ClickOnce deployment manifest that installs code; detail: its "
     "codebase"},
    {"dropper.setting_content", SK_VERDICT_SANDBOX, 0,
     "a .SettingContent-ms whose DeepLink runs a command; detail: the command"},
    {"dropper.scriptlet", SK_VERDICT_SANDBOX, 0,
     "a Windows Script Component (.wsc, .sct scriptlet) holding script; detail: the languages"},
};

#define N_REASONS (sizeof reasons / sizeof reasons[0])

struct override {
    char *pattern; /* a code, or a prefix ending in '.' for `family.*` */
    int is_prefix;
    enum sk_verdict verdict;
};

struct sk_policy {
    struct override *overrides;
    size_t n_overrides;
};

const struct sk_reason_info *sk_reason_table(size_t *count)
{
    *count = N_REASONS;
    return reasons;
}

const char *sk_verdict_name(enum sk_verdict verdict)
{
    switch (verdict) {
    case SK_VERDICT_PASS: return "pass";
    case SK_VERDICT_SANDBOX: return "sandbox";
    case SK_VERDICT_BLOCK: return "block";
    }
    return "sandbox";
}

int sk_verdict_parse(const char *word, enum sk_verdict *out)
{
    static const enum sk_verdict all[] = {SK_VERDICT_PASS, SK_VERDICT_SANDBOX,
                                          SK_VERDICT_BLOCK};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(word, sk_verdict_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    }
    return SK_EINVAL;
}

static const struct sk_reason_info *find_reason(const char *code)
{
    for (size_t i = 0; i < N_REASONS; i++)
        if (strcmp(reasons[i].code, code) == 0)
            return &reasons[i];
    return NULL;
}

static int pattern_matches(const struct override *o, const char *code)
{
    if (o->is_prefix)
        return strncmp(code, o->pattern, strlen(o->pattern)) == 0;
    return strcmp(code, o->pattern) == 0;
}

enum sk_verdict sk_policy_verdict(const struct sk_policy *policy, const char *code)
{
    /* The last matching line wins, so a file can say `limit.* = block` and
     * then make an exception. */
    if (policy) {
        for (size_t i = policy->n_overrides; i-- > 0;)
            if (pattern_matches(&policy->overrides[i], code))
                return policy->overrides[i].verdict;
    }
    const struct sk_reason_info *info = find_reason(code);
    return info ? info->verdict : SK_VERDICT_SANDBOX;
}

void sk_policy_free(struct sk_policy *policy)
{
    if (!policy)
        return;
    for (size_t i = 0; i < policy->n_overrides; i++)
        free(policy->overrides[i].pattern);
    free(policy->overrides);
    free(policy);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* Checks one override against the table: the code (or family) must exist and
 * a fail-closed code may not become pass. */
static int check_override(const struct override *o, char *err, size_t errlen, int line)
{
    int known = 0;
    for (size_t i = 0; i < N_REASONS; i++) {
        if (!pattern_matches(o, reasons[i].code))
            continue;
        known = 1;
        if (reasons[i].fail_closed && o->verdict == SK_VERDICT_PASS) {
            snprintf(err, errlen, "line %d: %s fails closed and cannot be set to pass", line,
                     reasons[i].code);
            return SK_EINVAL;
        }
    }
    if (!known) {
        snprintf(err, errlen, "line %d: unknown reason code '%s%s'", line, o->pattern,
                 o->is_prefix ? "*" : "");
        return SK_EINVAL;
    }
    return 0;
}

static int parse_line(char *line, struct override *o, char *err, size_t errlen, int lineno)
{
    char *eq = strchr(line, '=');
    if (!eq) {
        snprintf(err, errlen, "line %d: expected `code = verdict`", lineno);
        return SK_EINVAL;
    }
    *eq = '\0';
    char *code = trim(line);
    char *word = trim(eq + 1);
    size_t len = strlen(code);
    o->is_prefix = len >= 2 && strcmp(code + len - 2, ".*") == 0;
    if (o->is_prefix)
        code[len - 1] = '\0'; /* keep the dot: "limit." */
    if (sk_verdict_parse(word, &o->verdict) != 0) {
        snprintf(err, errlen, "line %d: verdict must be pass, sandbox or block", lineno);
        return SK_EINVAL;
    }
    o->pattern = strdup(code);
    if (!o->pattern)
        return SK_ENOMEM;
    return check_override(o, err, errlen, lineno);
}

static int add_override(struct sk_policy *policy, const struct override *o)
{
    struct override *grown =
        realloc(policy->overrides, (policy->n_overrides + 1) * sizeof *grown);
    if (!grown)
        return SK_ENOMEM;
    policy->overrides = grown;
    policy->overrides[policy->n_overrides++] = *o;
    return 0;
}

/* Reads overrides from f (NULL: none) into a new policy. */
static int policy_read(FILE *f, struct sk_policy **out, char *err, size_t errlen)
{
    int rc = 0;
    struct sk_policy *policy = calloc(1, sizeof *policy);
    *out = NULL;
    if (!policy)
        return SK_ENOMEM;
    char line[1024];
    int lineno = 0;
    while (f && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *text = trim(line);
        if (*text == '\0')
            continue;
        struct override o = {0};
        rc = parse_line(text, &o, err, errlen, lineno);
        if (rc == 0)
            rc = add_override(policy, &o);
        if (rc != 0) {
            free(o.pattern);
            break;
        }
    }
    if (rc != 0) {
        sk_policy_free(policy);
        policy = NULL;
    }
    *out = policy;
    return rc;
}

int sk_policy_load(const char *path, struct sk_policy **out, char *err, size_t errlen)
{
    FILE *f = NULL;
    *out = NULL;
    if (path && !(f = fopen(path, "r"))) {
        snprintf(err, errlen, "%s: cannot open policy file", path);
        return SK_EIO;
    }
    int rc = policy_read(f, out, err, errlen);
    if (f)
        fclose(f);
    return rc;
}

int sk_policy_load_mem(const void *text, size_t len, struct sk_policy **out, char *err,
                       size_t errlen)
{
    FILE *f = NULL;
    *out = NULL;
    /* fmemopen reads the bytes in place, so the parser is the file's. */
    if (len > 0 && !(f = fmemopen((void *)text, len, "r")))
        return SK_ENOMEM;
    int rc = policy_read(f, out, err, errlen);
    if (f)
        fclose(f);
    return rc;
}
