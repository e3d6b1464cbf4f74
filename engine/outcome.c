/* Node outcomes (outcome.h): the key, the blob's writer and bounded
 * reader, and the replay.
 *
 * The blob, little-endian, strings as a u32 length and their bytes:
 *   "SKO1", u32 nodes, u32 max_depth, u64 bytes unpacked below the node,
 *   u32 type, u8 has_filters, str filters,
 *   u32 n_info, { str key, str value },
 *   u32 n_reasons, { u8 self, str path, str code, u8 verdict, u32 node_type,
 *                    str detail },
 *   u32 n_matches, { u8 self, str path, str rule, str namespace,
 *                    u32 n_tags { str }, u32 n_metas { str key, u8 type,
 *                    str string or u64 integer } },
 * and nothing after. A path is relative to the node (self: the node's own);
 * node_type is the type of the node a reason concerns. */
#include "outcome.h"

#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "engine_internal.h"
#include "error.h"
#include "hash.h"
#include "reader.h"
#include "types.h"

#define MAGIC "SKO1"

/* ---- the key ---- */

static bool under_holder(const struct sk_node *node)
{
    /* Bounded: a node's depth is at most max_depth. */
    for (const struct sk_node *a = node->parent; a; a = a->parent)
        if (sk_type_traits(a->type)->holds)
            return true;
    return false;
}

static bool may_cache(const struct sk_job *job, const struct sk_node *node)
{
    return sk_engine_cache(job->engine) && !job->sink && !job->no_hash && node->sha256[0] &&
           node->data.len >= SK_OUTCOME_MIN_BYTES && node->type != SK_TYPE_ENCRYPTED &&
           !node->encrypted && !node->in_encrypted && !node->password && !node->truncated &&
           !job->halted && !job->had_error && !job->timed_out && !under_holder(node);
}

/* The key's material is written out whole, then hashed: every string
 * ends in its NUL and every number is 8 bytes, so no two different inputs
 * read the same. Each returns 0 or what sk_dynbuf_add failed with. */
static int key_str(struct sk_dynbuf *b, const char *s)
{
    return sk_dynbuf_add(b, s ? s : "", strlen(s ? s : "") + 1);
}

static int key_u64(struct sk_dynbuf *b, uint64_t v)
{
    uint8_t le[8];
    for (size_t i = 0; i < sizeof le; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    return sk_dynbuf_add(b, le, sizeof le);
}

/* See outcome.h for what goes in. False when the key cannot be made (the
 * node is then not cached). */
static bool outcome_key(const struct sk_job *job, const struct sk_node *node,
                        uint8_t key[SK_CACHE_KEY_BYTES])
{
    const struct sk_limits *l = &job->limits;
    const uint64_t numbers[] = {node->data.len,     node->size,        l->max_request_bytes,
                                l->max_total_bytes, l->max_node_bytes, l->ratio_floor,
                                l->max_depth,       l->max_nodes,      l->max_ratio,
                                l->timeout_ms,      l->max_passwords,  node->depth,
                                node->in_encrypted, node->type_given,  node->format_part};
    const char *strings[] = {
        MAGIC,
        node->sha256,
        node->name, /* filename, and extension from it */
        node->path, /* filepath */
        sk_type_name(node->type),
        node->parent ? sk_type_name(node->parent->type) : "",
        node->filters,
    };
    struct sk_dynbuf b;
    sk_dynbuf_init(&b, SK_OUTCOME_MAX_KEY);
    int rc = sk_dynbuf_add(&b, sk_engine_generation(job->engine), SK_CACHE_KEY_BYTES);
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        rc |= key_u64(&b, numbers[i]);
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        rc |= key_str(&b, strings[i]);
    bool ok = rc == 0 && sk_sha256((const uint8_t *)b.p, b.len, key) == 0;
    sk_dynbuf_free(&b);
    return ok;
}

/* ---- what a node's descendants' paths start with (scan.c, node_new) ---- */

static const char *child_prefix(struct sk_job *job, const struct sk_node *node)
{
    if (!node->path[0] || (node->depth == 0 && sk_type_traits(node->type)->message))
        return "";
    return sk_arena_printf(job->arena, "%s/", node->path);
}

/* ---- storing ---- */

/* The blob being written: a write that fails (the size cap, memory) marks
 * it failed, and a failed blob is not stored. */
struct writer {
    struct sk_dynbuf b;
    bool failed;
};

static void put(struct writer *w, const void *p, size_t n)
{
    if (sk_dynbuf_add(&w->b, p, n) != 0)
        w->failed = true;
}

static void put_u32(struct writer *w, uint32_t v)
{
    uint8_t le[4];
    for (size_t i = 0; i < sizeof le; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    put(w, le, sizeof le);
}

static void put_u64(struct writer *w, uint64_t v)
{
    put_u32(w, (uint32_t)v);
    put_u32(w, (uint32_t)(v >> 32));
}

static void put_u8(struct writer *w, unsigned v)
{
    uint8_t byte = (uint8_t)v;
    put(w, &byte, 1);
}

static void put_str(struct writer *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > UINT32_MAX)
        w->failed = true;
    put_u32(w, (uint32_t)n);
    put(w, s ? s : "", n);
}

/* A path under node as the blob keeps it: self, or relative to prefix.
 * False when it is neither (the outcome is then not kept). */
static bool put_path(struct writer *b, const char *prefix, const char *path, bool self)
{
    size_t n = strlen(prefix);
    if (!self && strncmp(path, prefix, n) != 0)
        return false;
    put_u8(b, self);
    put_str(b, self ? "" : path + n);
    return true;
}

static bool in_subtree(const struct sk_node *n, const struct sk_node *node)
{
    while (n && n->depth > node->depth)
        n = n->parent;
    return n == node;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The subtree's size and depth, counting what came from the cache below it;
 * false when a node in it depends on more than its bytes. */
static bool subtree_summary(const struct sk_job *job, const struct sk_node *node,
                            uint32_t *nodes, uint32_t *max_depth)
{
    uint64_t count = 0;
    uint32_t deepest = 0;
    const struct sk_node *n = node;
    while (n && count <= job->nodes + (uint64_t)job->cached_nodes) {
        if (n->encrypted || n->in_encrypted || n->password || n->truncated ||
            n->type == SK_TYPE_ENCRYPTED || n->extracted)
            return false;
        count += n->cached ? n->cached_nodes : 1;
        uint32_t d = n->depth - node->depth + (n->cached ? n->cached_depth : 0);
        if (d > deepest)
            deepest = d;
        if (n->first_child) {
            n = n->first_child;
            continue;
        }
        while (n != node && !n->next_sibling)
            n = n->parent;
        n = n == node ? NULL : n->next_sibling;
    }
    if (n || count > UINT32_MAX)
        return false;
    *nodes = (uint32_t)count;
    *max_depth = deepest;
    return true;
}

static bool put_reasons(struct writer *b, struct sk_job *job, const struct sk_node *node,
                        const char *prefix, const struct sk_outcome_mark *mark)
{
    const struct sk_reason *first =
        mark->reasons_tail ? mark->reasons_tail->next : job->reasons;
    uint32_t n = 0;
    for (const struct sk_reason *r = first; r; r = r->next) {
        if (!in_subtree(r->node, node) || starts_with(r->code, "limit.") ||
            starts_with(r->code, "error.") || ++n > SK_OUTCOME_MAX_ITEMS)
            return false;
    }
    put_u32(b, n);
    for (const struct sk_reason *r = first; r; r = r->next) {
        if (!put_path(b, prefix, r->path, r->node == node))
            return false;
        put_str(b, r->code);
        put_u8(b, r->verdict);
        put_u32(b, r->node->type);
        put_str(b, r->detail);
    }
    return true;
}

static bool put_matches(struct writer *b, struct sk_job *job, const struct sk_node *node,
                        const char *prefix, const struct sk_outcome_mark *mark)
{
    const struct sk_match *first = mark->matches_tail ? mark->matches_tail->next : job->matches;
    uint32_t n = 0;
    for (const struct sk_match *m = first; m; m = m->next)
        if (++n > SK_OUTCOME_MAX_ITEMS || m->n_tags > SK_OUTCOME_MAX_LIST ||
            m->n_metas > SK_OUTCOME_MAX_LIST)
            return false;
    put_u32(b, n);
    for (const struct sk_match *m = first; m; m = m->next) {
        if (!put_path(b, prefix, m->path, strcmp(m->path, node->path) == 0))
            return false;
        put_str(b, m->rule);
        put_str(b, m->ns);
        put_u32(b, (uint32_t)m->n_tags);
        for (size_t i = 0; i < m->n_tags; i++)
            put_str(b, m->tags[i]);
        put_u32(b, (uint32_t)m->n_metas);
        for (size_t i = 0; i < m->n_metas; i++) {
            put_str(b, m->metas[i].key);
            put_u8(b, m->metas[i].type);
            if (m->metas[i].type == SK_META_STRING)
                put_str(b, m->metas[i].string);
            else
                put_u64(b, (uint64_t)m->metas[i].integer);
        }
    }
    return true;
}

void sk_outcome_store(struct sk_job *job, const struct sk_node *node,
                      const struct sk_outcome_mark *mark)
{
    uint32_t nodes = 0, max_depth = 0;
    if (!mark->active || job->halted || job->had_error || job->out_of_memory ||
        job->timed_out || job->context_uses != mark->context_uses ||
        job->reasons_repeated != mark->reasons_repeated ||
        job->errors_tail != mark->errors_tail ||
        !subtree_summary(job, node, &nodes, &max_depth))
        return;
    const char *prefix = child_prefix(job, node);
    if (!prefix)
        return;
    struct writer w = {.failed = false};
    sk_dynbuf_init(&w.b, SK_OUTCOME_MAX_BLOB);
    put(&w, MAGIC, 4);
    put_u32(&w, nodes);
    put_u32(&w, max_depth);
    put_u64(&w, job->extracted_bytes - mark->extracted_bytes);
    put_u32(&w, node->type);
    put_u8(&w, node->filters != NULL);
    put_str(&w, node->filters);
    uint32_t n_info = 0;
    for (const struct sk_info *i = node->info; i; i = i->next)
        if (++n_info > SK_OUTCOME_MAX_ITEMS)
            w.failed = true;
    put_u32(&w, n_info);
    for (const struct sk_info *i = node->info; i && !w.failed; i = i->next) {
        put_str(&w, i->key);
        put_str(&w, i->value);
    }
    if (!w.failed && put_reasons(&w, job, node, prefix, mark) &&
        put_matches(&w, job, node, prefix, mark) && !w.failed)
        sk_cache_put(sk_engine_cache(job->engine), mark->key, (const uint8_t *)w.b.p, w.b.len);
    sk_dynbuf_free(&w.b);
}

/* ---- replaying ---- */

struct parsed_reason {
    const struct sk_node *node;
    const char *code;
    enum sk_verdict verdict;
    const char *detail;
};

struct parsed {
    uint32_t nodes, max_depth;
    uint64_t bytes;
    enum sk_type type;
    const char *filters;
    struct sk_info *info, *info_tail;
    struct parsed_reason *reasons;
    uint32_t n_reasons;
    struct sk_match *matches, *matches_tail;
};

/* The blob's reader, and what the parse needs to rebuild paths. A failed
 * allocation fails the parse like a short read. */
struct parse {
    struct sk_reader r;
    struct sk_job *job;
    const struct sk_node *node;
    const char *prefix;
    bool failed;
};

static const char *get_str(struct parse *p)
{
    uint32_t n = sk_reader_u32le(&p->r);
    const uint8_t *bytes = sk_reader_bytes(&p->r, n);
    const char *s = bytes ? sk_arena_strndup(p->job->arena, (const char *)bytes, n) : NULL;
    if (!s)
        p->failed = true;
    return s ? s : "";
}

/* n zeroed items of size bytes in the job's arena (NULL for none). */
static void *alloc_items(struct parse *p, size_t n, size_t size)
{
    void *items = n && !p->failed ? sk_arena_alloc(p->job->arena, n * size) : NULL;
    if (n && !items)
        p->failed = true;
    return items;
}

static uint32_t get_count(struct parse *p, uint32_t max)
{
    uint32_t n = sk_reader_u32le(&p->r);
    if (n > max)
        p->failed = true;
    return p->failed ? 0 : n;
}

static bool get_flag(struct parse *p)
{
    uint8_t v = sk_reader_u8(&p->r);
    if (v > 1)
        p->failed = true;
    return v == 1;
}

/* A path as scan.c would have made it: the node's own, or under it. */
static const char *get_path(struct parse *p, bool *self)
{
    *self = get_flag(p);
    const char *rel = get_str(p);
    if (*self)
        return p->node->path;
    const char *path = sk_arena_printf(p->job->arena, "%s%s", p->prefix, rel);
    if (!path)
        p->failed = true;
    return path ? path : "";
}

static enum sk_type get_type(struct parse *p)
{
    uint32_t t = sk_reader_u32le(&p->r);
    if (t >= SK_TYPE_COUNT) {
        p->failed = true;
        return SK_TYPE_DATA;
    }
    return (enum sk_type)t;
}

/* A reason on a node below the one replayed stands on a node made for it,
 * outside the tree, with that node's path and type: what a report or a
 * decision (sk_job_decision) reads of it. */
static const struct sk_node *reason_node(struct parse *p, const char *path, enum sk_type type)
{
    struct sk_node *n = alloc_items(p, 1, sizeof *n);
    if (!n)
        return p->node;
    n->parent = (struct sk_node *)p->node;
    n->name = "";
    n->path = path;
    n->type = type;
    n->depth = p->node->depth + 1;
    return n;
}

static void get_reasons(struct parse *p, struct parsed *out)
{
    out->n_reasons = get_count(p, SK_OUTCOME_MAX_ITEMS);
    out->reasons = alloc_items(p, out->n_reasons, sizeof *out->reasons);
    for (uint32_t i = 0; i < out->n_reasons && !p->failed; i++) {
        struct parsed_reason *r = &out->reasons[i];
        bool self;
        const char *path = get_path(p, &self);
        r->code = get_str(p);
        uint8_t verdict = sk_reader_u8(&p->r);
        enum sk_type type = get_type(p);
        r->detail = get_str(p);
        if (verdict > SK_VERDICT_BLOCK || !r->code[0])
            p->failed = true;
        r->verdict = (enum sk_verdict)verdict;
        r->node = self ? p->node : reason_node(p, path, type);
    }
}

static void get_metas(struct parse *p, struct sk_match *m)
{
    m->n_metas = get_count(p, SK_OUTCOME_MAX_LIST);
    m->metas = alloc_items(p, m->n_metas, sizeof *m->metas);
    for (size_t i = 0; i < m->n_metas && !p->failed; i++) {
        struct sk_meta *meta = &m->metas[i];
        meta->key = get_str(p);
        uint8_t type = sk_reader_u8(&p->r);
        if (type > SK_META_BOOLEAN)
            p->failed = true;
        meta->type = (enum sk_meta_type)type;
        if (meta->type == SK_META_STRING)
            meta->string = get_str(p);
        else
            meta->integer = (int64_t)sk_reader_u64le(&p->r);
    }
}

static void get_matches(struct parse *p, struct parsed *out)
{
    uint32_t n = get_count(p, SK_OUTCOME_MAX_ITEMS);
    for (uint32_t i = 0; i < n && !p->failed; i++) {
        struct sk_match *m = alloc_items(p, 1, sizeof *m);
        if (!m)
            break;
        bool self;
        m->path = get_path(p, &self);
        m->rule = get_str(p);
        m->ns = get_str(p);
        m->n_tags = get_count(p, SK_OUTCOME_MAX_LIST);
        m->tags = alloc_items(p, m->n_tags, sizeof *m->tags);
        for (size_t t = 0; t < m->n_tags && !p->failed; t++)
            m->tags[t] = get_str(p);
        get_metas(p, m);
        if (out->matches_tail)
            out->matches_tail->next = m;
        else
            out->matches = m;
        out->matches_tail = m;
    }
}

static void get_info(struct parse *p, struct parsed *out)
{
    uint32_t n = get_count(p, SK_OUTCOME_MAX_ITEMS);
    for (uint32_t i = 0; i < n && !p->failed; i++) {
        struct sk_info *info = alloc_items(p, 1, sizeof *info);
        if (!info)
            break;
        info->key = get_str(p);
        info->value = get_str(p);
        if (out->info_tail)
            out->info_tail->next = info;
        else
            out->info = info;
        out->info_tail = info;
    }
}

static int parse_blob(struct sk_job *job, const struct sk_node *node, const uint8_t *blob,
                      size_t len, struct parsed *out)
{
    struct parse p = {.r = sk_reader_make(blob, len), .job = job, .node = node};
    memset(out, 0, sizeof *out);
    p.prefix = child_prefix(job, node);
    const uint8_t *magic = sk_reader_bytes(&p.r, 4);
    if (!p.prefix || !magic || memcmp(magic, MAGIC, 4) != 0)
        return SK_ECORRUPT;
    out->nodes = sk_reader_u32le(&p.r);
    out->max_depth = sk_reader_u32le(&p.r);
    out->bytes = sk_reader_u64le(&p.r);
    out->type = get_type(&p);
    bool has_filters = get_flag(&p);
    const char *filters = get_str(&p);
    out->filters = has_filters ? filters : NULL;
    get_info(&p, out);
    get_reasons(&p, out);
    get_matches(&p, out);
    if (p.failed || p.r.err || sk_reader_left(&p.r) != 0 || out->nodes == 0 ||
        out->max_depth > SK_CAP_DEPTH || (out->max_depth == 0) != (out->nodes == 1))
        return SK_ECORRUPT;
    return 0;
}

int sk_outcome_replay(struct sk_job *job, struct sk_node *node, const uint8_t *blob, size_t len)
{
    struct parsed o;
    int rc = parse_blob(job, node, blob, len, &o);
    if (rc != 0)
        return rc;
    /* The subtree's nodes and bytes count as a scan counts them: were they
     * to pass a limit, the node is scanned and meets it. */
    uint64_t nodes = (uint64_t)job->nodes + job->cached_nodes + o.nodes - 1;
    if (nodes > job->limits.max_nodes ||
        o.bytes > job->limits.max_total_bytes - job->extracted_bytes)
        return SK_ELIMIT;
    node->type = o.type;
    node->filters = o.filters;
    node->info = o.info;
    node->info_tail = o.info_tail;
    for (uint32_t i = 0; i < o.n_reasons; i++) {
        const struct parsed_reason *r = &o.reasons[i];
        sk_job_reason(job, r->code, (int)r->verdict, r->node, "%s", r->detail);
    }
    if (o.matches) {
        if (job->matches_tail)
            job->matches_tail->next = o.matches;
        else
            job->matches = o.matches;
        job->matches_tail = o.matches_tail;
    }
    node->cached = true;
    node->cached_nodes = o.nodes;
    node->cached_depth = o.max_depth;
    job->cached_nodes += o.nodes - 1;
    job->extracted_bytes += o.bytes;
    if (node->depth + o.max_depth > job->max_depth_seen)
        job->max_depth_seen = node->depth + o.max_depth;
    job->cache_hits++;
    return 0;
}

bool sk_outcome_lookup(struct sk_job *job, struct sk_node *node, struct sk_outcome_mark *mark)
{
    memset(mark, 0, sizeof *mark);
    if (!may_cache(job, node) || !outcome_key(job, node, mark->key))
        return false;
    uint8_t *blob = NULL;
    size_t len = 0;
    if (sk_cache_get(sk_engine_cache(job->engine), mark->key, &blob, &len)) {
        int rc = sk_outcome_replay(job, node, blob, len);
        free(blob);
        if (rc == 0)
            return true;
    }
    mark->active = true;
    mark->reasons_tail = job->reasons_tail;
    mark->matches_tail = job->matches_tail;
    mark->errors_tail = job->errors_tail;
    mark->extracted_bytes = job->extracted_bytes;
    mark->context_uses = job->context_uses;
    mark->reasons_repeated = job->reasons_repeated;
    return false;
}
