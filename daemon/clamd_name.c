/* The clamd reply name of a verdict (DESIGN.md, "clamd-compatible
 * protocol"). It reads the verdict object that sk_job_json() made, because
 * the engine's public API has no accessor for reasons and matches yet (a
 * follow-up: an sk_job_reason_at()/sk_job_match_at() pair would spare this
 * parse). The reason chosen is the first one whose verdict is the job's. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"

static const char *str_field(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The type of the node named by path (names joined with '/'), or of its
 * parent when that node is itself only "encrypted": the container whose
 * encryption stopped us. Iterative: walks one level per path component. */
static const char *container_type(json_t *tree, const char *path)
{
    json_t *node = tree, *parent = NULL;
    const char *name = str_field(tree, "name");
    size_t n = name ? strlen(name) : 0;
    if (!name || strncmp(path, name, n) != 0)
        return str_field(tree, "type");
    const char *rest = path + n;
    while (*rest == '/') {
        rest++;
        json_t *children = json_object_get(node, "children"), *found = NULL;
        size_t i;
        json_t *child;
        json_array_foreach(children, i, child)
        {
            const char *cname = str_field(child, "name");
            size_t cn = cname ? strlen(cname) : 0;
            if (cname && strncmp(rest, cname, cn) == 0 &&
                (rest[cn] == '/' || rest[cn] == '\0')) {
                found = child;
                rest += cn;
                break;
            }
        }
        if (!found)
            break;
        parent = node;
        node = found;
    }
    const char *type = str_field(node, "type");
    if (type && strcmp(type, "encrypted") == 0 && parent)
        type = str_field(parent, "type");
    return type;
}

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

/* The first rule whose meta verdict is not "info". */
static const char *first_rule(json_t *matches)
{
    size_t i;
    json_t *m;
    json_array_foreach(matches, i, m)
    {
        const char *v = str_field(json_object_get(m, "meta"), "verdict");
        if (!v || strcmp(v, "info") != 0)
            return str_field(m, "rule");
    }
    return NULL;
}

/* Keeps a name printable and free of the protocol's delimiters. */
static void clean(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == ':')
            *s = '_';
}

void sk_clamd_name(const char *verdict_json, char *out, size_t len)
{
    snprintf(out, len, "Heuristics.Sekisho.error.internal");
    json_t *root = verdict_json ? json_loads(verdict_json, 0, NULL) : NULL;
    if (!root)
        return;
    const char *verdict = str_field(root, "verdict");
    json_t *reasons = json_object_get(root, "reasons");
    json_t *chosen = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(reasons, i, r)
    {
        const char *rv = str_field(r, "verdict");
        if (verdict && rv && strcmp(rv, verdict) == 0) {
            chosen = r;
            break;
        }
    }
    const char *code = chosen ? str_field(chosen, "code") : NULL;
    if (!code) {
        /* Not pass, yet no reason carries the verdict: still not OK. */
        snprintf(out, len, "Heuristics.Sekisho.%s", verdict ? verdict : "unknown");
    } else if (strcmp(code, "yara.match") == 0) {
        const char *rule = first_rule(json_object_get(root, "matches"));
        snprintf(out, len, "Sekisho.%s", rule ? rule : "Rule");
    } else if (strcmp(code, "encrypted.unopened") == 0) {
        const char *path = str_field(chosen, "path");
        const char *type = container_type(json_object_get(root, "tree"), path ? path : "");
        snprintf(out, len, "Heuristics.Encrypted.%s", encrypted_suffix(type));
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
    json_decref(root);
}
