/* The report writer: a finished job as the verdict object of DESIGN.md,
 * built with jansson. The tree is built without recursion, from the nodes'
 * sibling and parent links, so its depth never touches the C stack. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "text.h"

/* A JSON string from text that is meant to be UTF-8 but may come from the
 * input (libarchive messages, passwords): invalid bytes become U+FFFD. */
static json_t *jstr(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t n = strlen(s);
    size_t max = n * 3;
    char *clean = malloc(max + 1);
    if (!clean)
        return NULL;
    sk_utf8_sanitize(s, n, clean, max);
    j = json_string(clean);
    free(clean);
    return j;
}

static json_t *password_json(const struct sk_node *node)
{
    const struct sk_password *pw = node->password;
    if (!pw)
        return json_null();
    json_t *o = json_pack("{s:o,s:s,s:I}", "value", jstr(pw->value), "source", pw->source,
                          "rank", (json_int_t)pw->rank);
    /* Proven right (a check value, a checksum) but not opened here. */
    if (o && node->password_unopened)
        json_object_set_new(o, "verified", json_true());
    return o;
}

/* "gzip,uu" -> ["gzip","uu"], outermost first as libarchive lists them. */
static json_t *filters_json(const char *filters)
{
    json_t *a = json_array();
    const char *p = filters;
    while (a && *p) {
        size_t len = strcspn(p, ",");
        json_array_append_new(a, json_stringn(p, len));
        p += len + (p[len] == ',');
    }
    return a;
}

static json_t *node_json(const struct sk_node *node)
{
    json_t *o = json_pack("{s:o,s:s,s:I}", "name", jstr(node->name), "type",
                          sk_type_name(node->type), "size", (json_int_t)node->size);
    if (!o)
        return NULL;
    if (node->sha256[0])
        json_object_set_new(o, "sha256", json_string(node->sha256));
    if (node->filters)
        json_object_set_new(o, "filters", filters_json(node->filters));
    if (node->encrypted) {
        json_object_set_new(o, "encrypted", json_true());
        json_object_set_new(o, "password", password_json(node));
    }
    if (node->truncated)
        json_object_set_new(o, "truncated", json_true());
    if (node->extracted)
        json_object_set_new(o, "extracted", jstr(node->extracted));
    if (node->cached) {
        json_object_set_new(o, "cached", json_true());
        json_object_set_new(o, "subtree",
                            json_pack("{s:I,s:I}", "nodes", (json_int_t)node->cached_nodes,
                                      "max_depth", (json_int_t)node->cached_depth));
    }
    if (node->info) {
        json_t *info = json_object();
        for (const struct sk_info *i = node->info; info && i; i = i->next)
            json_object_set_new(info, i->key, jstr(i->value));
        json_object_set_new(o, "info", info);
    }
    return o;
}

/* Pre-order walk: first child, else next sibling, else the nearest
 * ancestor's next sibling. */
static const struct sk_node *walk_next(const struct sk_node *node)
{
    if (node->first_child)
        return node->first_child;
    while (node && !node->next_sibling)
        node = node->parent;
    return node ? node->next_sibling : NULL;
}

static json_t *tree_json(const struct sk_job *job)
{
    if (!job->root)
        return json_null();
    json_t **made = calloc(job->nodes ? job->nodes : 1, sizeof *made);
    if (!made)
        return NULL;
    json_t *root = NULL;
    for (const struct sk_node *n = job->root; n; n = walk_next(n)) {
        json_t *o = node_json(n);
        if (!o || n->index >= job->nodes)
            break;
        made[n->index] = o;
        if (!n->parent) {
            root = o;
            continue;
        }
        json_t *parent = made[n->parent->index];
        json_t *children = json_object_get(parent, "children");
        if (!children) {
            children = json_array();
            json_object_set_new(parent, "children", children);
        }
        json_array_append_new(children, o);
    }
    free(made);
    return root ? root : json_null();
}

/* Every password known to be right, with the path of what it belongs to:
 * what the downstream sandbox needs to open an object Sekisho could not
 * (opened false) or to open it again (opened true). In tree order; one
 * entry per node. */
static json_t *passwords_json(const struct sk_job *job)
{
    json_t *a = json_array();
    for (const struct sk_node *n = job->root; n && a; n = walk_next(n)) {
        if (!n->password)
            continue;
        json_array_append_new(a, json_pack("{s:o,s:o,s:s,s:b}", "path", jstr(n->path), "value",
                                           jstr(n->password->value), "source",
                                           n->password->source, "opened",
                                           !n->password_unopened));
    }
    return a;
}

static json_t *reasons_json(const struct sk_job *job)
{
    json_t *a = json_array();
    for (const struct sk_reason *r = job->reasons; r && a; r = r->next)
        json_array_append_new(a, json_pack("{s:s,s:s,s:o,s:o}", "code", r->code, "verdict",
                                           sk_verdict_name(r->verdict), "path", jstr(r->path),
                                           "detail", jstr(r->detail)));
    return a;
}

static json_t *meta_json(const struct sk_match *m)
{
    json_t *o = json_object();
    for (size_t i = 0; i < m->n_metas && o; i++) {
        const struct sk_meta *meta = &m->metas[i];
        json_t *v = meta->type == SK_META_STRING    ? jstr(meta->string)
                    : meta->type == SK_META_BOOLEAN ? json_boolean(meta->integer)
                                                    : json_integer(meta->integer);
        json_object_set_new(o, meta->key, v);
    }
    return o;
}

static json_t *matches_json(const struct sk_job *job)
{
    json_t *a = json_array();
    for (const struct sk_match *m = job->matches; m && a; m = m->next) {
        json_t *tags = json_array();
        for (size_t i = 0; i < m->n_tags; i++)
            json_array_append_new(tags, jstr(m->tags[i]));
        json_array_append_new(a, json_pack("{s:o,s:o,s:o,s:o,s:o}", "rule", jstr(m->rule),
                                           "namespace", jstr(m->ns), "tags", tags, "meta",
                                           meta_json(m), "path", jstr(m->path)));
    }
    return a;
}

static json_t *errors_json(const struct sk_job *job)
{
    json_t *a = json_array();
    for (const struct sk_error_entry *e = job->errors; e && a; e = e->next)
        json_array_append_new(a, json_pack("{s:o,s:o,s:o}", "code", jstr(e->code), "path",
                                           jstr(e->path), "detail", jstr(e->detail)));
    return a;
}

static json_int_t us(uint64_t ns)
{
    return (json_int_t)(ns / 1000u);
}

static json_t *stats_json(const struct sk_job *job)
{
    const uint64_t *s = job->stage_ns;
    uint64_t input = job->root ? job->root->size : 0;
    /* nodes: those below cached nodes too, as a scan would have counted. */
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I,s:I,s:I}}", "nodes",
                     (json_int_t)job->nodes + job->cached_nodes, "bytes",
                     (json_int_t)(input + job->extracted_bytes), "yara_bytes",
                     (json_int_t)job->yara_bytes, "cache_hits", (json_int_t)job->cache_hits,
                     "max_depth", (json_int_t)job->max_depth_seen, "elapsed_us",
                     us(job->elapsed_ns), "stages_us", "mime", us(s[SK_STAGE_MIME]),
                     "passwords", us(s[SK_STAGE_PASSWORDS]), "unpack", us(s[SK_STAGE_UNPACK]),
                     "yara", us(s[SK_STAGE_YARA]), "hash", us(s[SK_STAGE_HASH]));
}

char *sk_job_json(const struct sk_job *job)
{
    json_t *o = json_pack("{s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "id", jstr(job->id), "verdict",
                          sk_verdict_name(job->verdict), "reasons", reasons_json(job),
                          "matches", matches_json(job), "passwords", passwords_json(job),
                          "tree", tree_json(job), "stats", stats_json(job), "errors",
                          errors_json(job));
    if (!o)
        return NULL;
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
}

void sk_job_reason_codes(const struct sk_job *job, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const struct sk_reason *r = job->reasons; r; r = r->next) {
        bool seen = false;
        for (const struct sk_reason *q = job->reasons; q != r && !seen; q = q->next)
            seen = strcmp(q->code, r->code) == 0;
        if (seen)
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", r->code);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
}

bool sk_job_decision(const struct sk_job *job, struct sk_decision *out)
{
    for (const struct sk_reason *r = job->reasons; r; r = r->next) {
        if (r->verdict != job->verdict)
            continue;
        const struct sk_node *node = r->node;
        if (node && node->type == SK_TYPE_ENCRYPTED && node->parent)
            node = node->parent;
        out->code = r->code;
        out->node_type = node ? sk_type_name(node->type) : NULL;
        /* A rule's reason detail is "namespace:rule". */
        const char *colon = strchr(r->detail, ':');
        out->rule = strcmp(r->code, "yara.match") == 0 && colon ? colon + 1 : NULL;
        return true;
    }
    return false;
}
