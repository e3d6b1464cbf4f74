#include "yara_scan.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yara.h>

#include "dynbuf.h"
#include "error.h"
#include "job.h"
#include "limits.h"
#include "node.h"
#include "policy.h"

struct sk_rules {
    YR_RULES *rules;
    unsigned count;
};

struct sk_yara_scanner {
    YR_SCANNER *scanner;
};

struct compile_log {
    char *err;
    size_t errlen;
    size_t used;
};

static void on_compiler_message(int level, const char *file, int line, const YR_RULE *rule,
                                const char *message, void *user_data)
{
    (void)rule;
    struct compile_log *log = user_data;
    if (level != YARA_ERROR_LEVEL_ERROR || log->used >= log->errlen)
        return;
    int n = snprintf(log->err + log->used, log->errlen - log->used, "%s%s:%d: %s",
                     log->used ? "; " : "", file ? file : "(rules)", line, message);
    if (n > 0)
        log->used += (size_t)n;
}

/* The externals every rule may use; their values here are only the defaults
 * that each node's scan overrides. */
static int declare_externals(YR_COMPILER *compiler)
{
    static const char *const strings[] = {"filename",    "extension", "filetype",
                                          "parent_type", "filepath",  "owner"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (yr_compiler_define_string_variable(compiler, strings[i], "") != ERROR_SUCCESS)
            return SK_EINTERNAL;
    if (yr_compiler_define_integer_variable(compiler, "depth", 0) != ERROR_SUCCESS ||
        yr_compiler_define_boolean_variable(compiler, "in_encrypted", 0) != ERROR_SUCCESS)
        return SK_EINTERNAL;
    return 0;
}

static int has_rule_suffix(const char *name)
{
    size_t len = strlen(name);
    return (len > 4 && strcmp(name + len - 4, ".yar") == 0) ||
           (len > 5 && strcmp(name + len - 5, ".yara") == 0);
}

/* The namespace of a rule file: its base name without the suffix. */
static void namespace_of(const char *path, char *ns, size_t nslen)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(ns, nslen, "%s", base);
    char *dot = strrchr(ns, '.');
    if (dot && dot != ns)
        *dot = '\0';
}

static int add_file(YR_COMPILER *compiler, const char *path, struct compile_log *log)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(log->err, log->errlen, "%s: %s", path, strerror(errno));
        log->used = log->errlen;
        return SK_EIO;
    }
    char ns[256];
    namespace_of(path, ns, sizeof ns);
    int errors = yr_compiler_add_file(compiler, f, ns, path);
    fclose(f);
    return errors ? SK_EINVAL : 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_directory(YR_COMPILER *compiler, const char *dir, struct compile_log *log)
{
    int rc = 0;
    struct sk_dynbuf list; /* char * each: the rule files' paths, owned */
    sk_dynbuf_init(&list, SK_CAP_RULE_FILES * sizeof(char *));
    size_t n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(log->err, log->errlen, "%s: %s", dir, strerror(errno));
        return SK_EIO;
    }
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        if (entry->d_name[0] == '.' || !has_rule_suffix(entry->d_name))
            continue;
        char *path;
        if (asprintf(&path, "%s/%s", dir, entry->d_name) < 0) {
            rc = SK_ENOMEM;
            goto out;
        }
        rc = sk_dynbuf_add(&list, &path, sizeof path);
        if (rc != 0) {
            free(path);
            if (rc == SK_ELIMIT)
                snprintf(log->err, log->errlen, "%s: more than %u rule files", dir,
                         SK_CAP_RULE_FILES);
            goto out;
        }
        n++;
    }
    char **names = (char **)(void *)list.p;
    if (n > 1) /* an empty folder leaves names NULL, which qsort must not get */
        qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = add_file(compiler, names[i], log);
out:
    for (size_t i = 0; i < n; i++)
        free(((char **)(void *)list.p)[i]);
    sk_dynbuf_free(&list);
    closedir(d);
    return rc;
}

static int add_path(YR_COMPILER *compiler, const char *path, struct compile_log *log)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(log->err, log->errlen, "%s: %s", path, strerror(errno));
        log->used = log->errlen;
        return SK_EIO;
    }
    return S_ISDIR(st.st_mode) ? add_directory(compiler, path, log)
                               : add_file(compiler, path, log);
}

int sk_rules_compile(const char *const *paths, size_t n_paths, struct sk_rules **out, char *err,
                     size_t errlen)
{
    struct compile_log log = {err, errlen, 0};
    YR_COMPILER *compiler = NULL;
    struct sk_rules *rules = NULL;
    int rc = SK_EINTERNAL;
    err[0] = '\0';
    *out = NULL;
    if (yr_initialize() != ERROR_SUCCESS) {
        snprintf(err, errlen, "libyara failed to initialise");
        return SK_EINTERNAL;
    }
    if (yr_compiler_create(&compiler) != ERROR_SUCCESS)
        goto out;
    yr_compiler_set_callback(compiler, on_compiler_message, &log);
    if ((rc = declare_externals(compiler)) != 0)
        goto out;
    for (size_t i = 0; i < n_paths; i++)
        if ((rc = add_path(compiler, paths[i], &log)) != 0)
            goto out;
    rules = calloc(1, sizeof *rules);
    if (!rules) {
        rc = SK_ENOMEM;
        goto out;
    }
    if (yr_compiler_get_rules(compiler, &rules->rules) != ERROR_SUCCESS) {
        rc = SK_EINTERNAL;
        goto out;
    }
    YR_RULE *rule;
    yr_rules_foreach(rules->rules, rule)
    {
        rules->count++;
    }
    rc = 0;
out:
    if (compiler)
        yr_compiler_destroy(compiler);
    if (rc != 0) {
        if (rules && rules->rules)
            yr_rules_destroy(rules->rules);
        free(rules);
        rules = NULL;
        yr_finalize();
        if (!err[0])
            snprintf(err, errlen, "rules: %s", sk_strerror(rc));
    }
    *out = rules;
    return rc;
}

/* libyara's write stream into a dynbuf capped at SK_CAP_COMPILED_RULES;
 * the first refusal is kept (a short write makes libyara give up). */
struct save_buf {
    struct sk_dynbuf bytes;
    int failed; /* SK_ENOMEM or SK_ELIMIT */
};

static size_t save_write(const void *ptr, size_t size, size_t count, void *user_data)
{
    struct save_buf *b = user_data;
    if (b->failed)
        return 0;
    if (size && count > SIZE_MAX / size) {
        b->failed = SK_ELIMIT;
        return 0;
    }
    b->failed = sk_dynbuf_add(&b->bytes, ptr, size * count);
    return b->failed ? 0 : count;
}

int sk_rules_save(const struct sk_rules *rules, uint8_t **out, size_t *out_len)
{
    struct save_buf b = {.failed = 0};
    sk_dynbuf_init(&b.bytes, SK_CAP_COMPILED_RULES);
    YR_STREAM stream = {.user_data = &b, .write = save_write};
    *out = NULL;
    *out_len = 0;
    /* libyara takes a non-const pointer but only reads the rules to save. */
    if (yr_rules_save_stream((YR_RULES *)rules->rules, &stream) != ERROR_SUCCESS || b.failed) {
        sk_dynbuf_free(&b.bytes);
        return b.failed ? b.failed : SK_EINTERNAL;
    }
    *out = (uint8_t *)sk_dynbuf_take(&b.bytes, out_len);
    return 0;
}

/* libyara's read stream over a buffer held by the caller. */
struct load_buf {
    const uint8_t *p;
    size_t len, pos;
};

static size_t load_read(void *ptr, size_t size, size_t count, void *user_data)
{
    struct load_buf *b = user_data;
    if (size == 0 || count > (b->len - b->pos) / size)
        return 0; /* libyara reads whole items; a short item is a truncated stream */
    memcpy(ptr, b->p + b->pos, size * count);
    b->pos += size * count;
    return count;
}

int sk_rules_load(const uint8_t *p, size_t len, struct sk_rules **out, char *err, size_t errlen)
{
    struct load_buf b = {p, len, 0};
    YR_STREAM stream = {.user_data = &b, .read = load_read};
    *out = NULL;
    if (yr_initialize() != ERROR_SUCCESS) {
        snprintf(err, errlen, "libyara failed to initialise");
        return SK_EINTERNAL;
    }
    struct sk_rules *rules = calloc(1, sizeof *rules);
    int yrc = rules ? yr_rules_load_stream(&stream, &rules->rules) : ERROR_INSUFFICIENT_MEMORY;
    if (yrc != ERROR_SUCCESS) {
        free(rules);
        yr_finalize();
        snprintf(err, errlen, "compiled rules refused by libyara (error %d)", yrc);
        return yrc == ERROR_INSUFFICIENT_MEMORY ? SK_ENOMEM : SK_EINVAL;
    }
    YR_RULE *rule;
    yr_rules_foreach(rules->rules, rule)
    {
        rules->count++;
    }
    *out = rules;
    return 0;
}

void sk_rules_free(struct sk_rules *rules)
{
    if (!rules)
        return;
    yr_rules_destroy(rules->rules);
    free(rules);
    yr_finalize();
}

unsigned sk_rules_count(const struct sk_rules *rules)
{
    return rules->count;
}

int sk_yara_scanner_new(const struct sk_rules *rules, struct sk_yara_scanner **out)
{
    struct sk_yara_scanner *s = calloc(1, sizeof *s);
    if (!s)
        return SK_ENOMEM;
    /* libyara takes a non-const pointer but never modifies compiled rules. */
    if (yr_scanner_create((YR_RULES *)rules->rules, &s->scanner) != ERROR_SUCCESS) {
        free(s);
        return SK_ENOMEM;
    }
    yr_scanner_set_flags(s->scanner, SCAN_FLAGS_FAST_MODE);
    *out = s;
    return 0;
}

void sk_yara_scanner_free(struct sk_yara_scanner *scanner)
{
    if (!scanner)
        return;
    yr_scanner_destroy(scanner->scanner);
    free(scanner);
}

struct scan_ctx {
    struct sk_job *job;
    const struct sk_node *node;
};

/* A rule's meta `reason` names the reason code its match reports as, when
 * that code is one the engine documents (README.md); otherwise yara.match. */
static const char *reason_code_of(const YR_RULE *rule)
{
    const YR_META *meta;
    yr_rule_metas_foreach(rule, meta)
    {
        if (meta->type != META_TYPE_STRING || strcmp(meta->identifier, "reason") != 0)
            continue;
        size_t n;
        const struct sk_reason_info *table = sk_reason_table(&n);
        for (size_t i = 0; i < n; i++)
            if (strcmp(table[i].code, meta->string) == 0)
                return table[i].code;
    }
    return "yara.match";
}

static int copy_metas(struct sk_arena *arena, const YR_RULE *rule, struct sk_match *m,
                      enum sk_verdict *verdict, int *info)
{
    const YR_META *meta;
    size_t n = 0;
    yr_rule_metas_foreach(rule, meta)
    {
        n++;
    }
    m->metas = n ? sk_arena_alloc(arena, n * sizeof *m->metas) : NULL;
    if (n && !m->metas)
        return SK_ENOMEM;
    yr_rule_metas_foreach(rule, meta)
    {
        struct sk_meta *out = &m->metas[m->n_metas++];
        out->key = meta->identifier;
        out->type = meta->type == META_TYPE_STRING    ? SK_META_STRING
                    : meta->type == META_TYPE_BOOLEAN ? SK_META_BOOLEAN
                                                      : SK_META_INTEGER;
        out->string = meta->type == META_TYPE_STRING ? meta->string : NULL;
        out->integer = meta->integer;
        if (meta->type == META_TYPE_STRING && strcmp(meta->identifier, "verdict") == 0) {
            if (strcmp(meta->string, "info") == 0)
                *info = 1;
            else if (sk_verdict_parse(meta->string, verdict) != 0 ||
                     *verdict == SK_VERDICT_PASS)
                *verdict = SK_VERDICT_SANDBOX; /* unknown words fail closed */
        }
    }
    return 0;
}

static int copy_tags(struct sk_arena *arena, const YR_RULE *rule, struct sk_match *m)
{
    const char *tag;
    size_t n = 0;
    yr_rule_tags_foreach(rule, tag)
    {
        n++;
    }
    m->tags = n ? sk_arena_alloc(arena, n * sizeof *m->tags) : NULL;
    if (n && !m->tags)
        return SK_ENOMEM;
    yr_rule_tags_foreach(rule, tag)
    {
        m->tags[m->n_tags++] = tag;
    }
    return 0;
}

static void record_match(struct scan_ctx *ctx, const YR_RULE *rule)
{
    struct sk_job *job = ctx->job;
    enum sk_verdict verdict = SK_VERDICT_SANDBOX;
    int info = 0;
    struct sk_match *m = sk_arena_alloc(job->arena, sizeof *m);
    if (!m || copy_metas(job->arena, rule, m, &verdict, &info) != 0 ||
        copy_tags(job->arena, rule, m) != 0) {
        sk_job_nomem(job, ctx->node);
        return;
    }
    /* Rule names and metas live in the compiled rules, which outlive the
     * job: the engine frees rules only after every job is done. */
    m->rule = rule->identifier;
    m->ns = rule->ns->name;
    m->path = ctx->node->path;
    if (job->matches_tail)
        job->matches_tail->next = m;
    else
        job->matches = m;
    job->matches_tail = m;
    if (!info)
        sk_job_reason(job, reason_code_of(rule), (int)verdict, ctx->node, "%s:%s", m->ns,
                      m->rule);
}

static int on_scan_message(YR_SCAN_CONTEXT *context, int message, void *message_data,
                           void *user_data)
{
    (void)context;
    if (message == CALLBACK_MSG_RULE_MATCHING)
        record_match(user_data, message_data);
    return CALLBACK_CONTINUE;
}

static const char *extension_of(const char *name, char *buf, size_t len)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base || strlen(dot + 1) >= len)
        return "";
    size_t i = 0;
    for (const char *c = dot + 1; *c; c++)
        buf[i++] = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
    buf[i] = '\0';
    return buf;
}

static void set_externals(YR_SCANNER *s, const struct sk_node *node)
{
    char ext[32];
    const char *name = node->name ? node->name : "";
    yr_scanner_define_string_variable(s, "filename", name);
    yr_scanner_define_string_variable(s, "extension", extension_of(name, ext, sizeof ext));
    yr_scanner_define_string_variable(s, "filetype", sk_type_name(node->type));
    yr_scanner_define_string_variable(s, "parent_type",
                                      node->parent ? sk_type_name(node->parent->type) : "");
    /* What public rule sets (signature-base, as LOKI and THOR run it) expect:
     * the node's path inside the input, and the file's owner, which a mail
     * attachment does not have. */
    yr_scanner_define_string_variable(s, "filepath", node->path ? node->path : "");
    yr_scanner_define_string_variable(s, "owner", "");
    yr_scanner_define_integer_variable(s, "depth", node->depth);
    yr_scanner_define_boolean_variable(s, "in_encrypted", node->in_encrypted);
}

void sk_yara_scan_node(struct sk_yara_scanner *scanner, struct sk_job *job,
                       const struct sk_node *node, const uint8_t *p, size_t n)
{
    struct scan_ctx ctx = {job, node};
    uint64_t now = sk_now_ns();
    if (now >= job->deadline_ns) {
        sk_job_expired(job, node);
        return;
    }
    /* libyara counts its timeout in whole seconds: round up, and let the
     * engine's own deadline check catch the remainder. */
    uint64_t left_s = (job->deadline_ns - now + 999999999u) / 1000000000u;
    YR_SCANNER *s = scanner->scanner;
    set_externals(s, node);
    yr_scanner_set_callback(s, on_scan_message, &ctx);
    yr_scanner_set_timeout(s, (int)(left_s > 3600 ? 3600 : left_s));
    int rc = yr_scanner_scan_mem(s, p, n);
    if (rc == ERROR_SCAN_TIMEOUT) {
        sk_job_expired(job, node);
        if (!job->timed_out) {
            job->timed_out = true;
            sk_job_limit(job, SK_LIMIT_TIME, node, "YARA scan ran past the deadline");
        }
    } else if (rc == ERROR_INSUFFICIENT_MEMORY) {
        sk_job_nomem(job, node);
    } else if (rc != ERROR_SUCCESS && rc != ERROR_TOO_MANY_MATCHES) {
        sk_job_error(job, "yara.error", node, "libyara error %d", rc);
        sk_job_reason(job, "error.internal", -1, node, "YARA scan failed (libyara error %d)",
                      rc);
    }
}
