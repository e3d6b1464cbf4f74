/* The scan: one job walked to the end with an explicit work stack.
 *
 * Each frame on the stack is one open container. The top frame's unpacker
 * hands back one child at a time; the engine sniffs, hashes and YARA-scans the
 * child at once, and pushes a frame for it if some unpacker opens it. The
 * stack never holds more than max_depth + 1 frames (max_depth is capped by
 * SK_CAP_DEPTH), so the input cannot make the engine recurse, and the bytes
 * held at any moment are those of the containers on the current path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "error.h"
#include "hash.h"
#include "job.h"
#include "names.h"
#include "outcome.h"
#include "text.h"
#include "unpack.h"
#include "unpacker.h"
#include "yara_scan.h"

struct frame {
    struct sk_unpack u;
    const struct sk_unpacker *unpacker;
    void *state;
    struct sk_outcome_mark mark; /* its outcome is stored when it pops */
};

struct stack {
    struct frame frames[SK_CAP_DEPTH + 1];
    unsigned depth; /* frames in use */
};

static void stage_add(struct sk_job *job, enum sk_stage stage, uint64_t since)
{
    job->stage_ns[stage] += sk_now_ns() - since;
}

/* Time spent in an unpacker's open or next, charged to the stage of the
 * container's type (types.c: a message is "mime", everything else
 * "unpack"). Password harvesting inside it is already charged to
 * "passwords", so it is taken out here. */
static void unpack_stage_add(struct sk_job *job, const struct sk_node *container,
                             uint64_t since, uint64_t passwords_before)
{
    uint64_t spent = sk_now_ns() - since;
    uint64_t harvesting = job->stage_ns[SK_STAGE_PASSWORDS] - passwords_before;
    enum sk_stage stage = sk_type_traits(container->type)->stage;
    job->stage_ns[stage] += spent > harvesting ? spent - harvesting : 0;
}

/* A node whose name comes from the input: valid UTF-8, bounded, and a path
 * made from its ancestors' names. */
static struct sk_node *node_new(struct sk_job *job, struct sk_node *parent, const char *name,
                                size_t name_len)
{
    char clean[SK_MAX_NAME_BYTES + 1];
    size_t len =
        sk_utf8_sanitize(name ? name : "", name ? name_len : 0, clean, SK_MAX_NAME_BYTES);
    struct sk_node *node = sk_arena_alloc(job->arena, sizeof *node);
    if (!node)
        return NULL;
    node->name = sk_arena_strndup(job->arena, clean, len);
    /* A message is the root and is not named: its parts' paths start with
     * their own names (DESIGN.md, "path"). */
    if (parent && parent->path[0] &&
        !(parent->depth == 0 && sk_type_traits(parent->type)->message))
        node->path = sk_arena_printf(job->arena, "%s/%s", parent->path, clean);
    else
        node->path = node->name;
    if (!node->name || !node->path)
        return NULL;
    node->parent = parent;
    node->index = job->nodes++;
    if (parent) {
        node->depth = parent->depth + 1;
        node->in_encrypted = parent->in_encrypted;
        if (parent->last_child)
            parent->last_child->next_sibling = node;
        else
            parent->first_child = node;
        parent->last_child = node;
    }
    if (node->depth > job->max_depth_seen)
        job->max_depth_seen = node->depth;
    return node;
}

/* Reasons that follow from what a node is, whatever unpacks it. */
static void structural_reasons(struct sk_job *job, struct sk_node *node)
{
    const struct sk_type_traits *traits = sk_type_traits(node->type);
    if (node->depth == 0 && node->size == 0)
        sk_job_reason(job, "input.empty", -1, node, "the input holds no bytes");
    /* Structural parts of a document format (OLE2 streams, the parts of an
     * OOXML package declared by its [Content_Types].xml) are binary by
     * design; what can run in them is found by type (OLE objects, VBA) or
     * by the format's unpacker. An embedded file is not such a part. */
    bool part = node->format_part ||
                (node->parent && sk_type_traits(node->parent->type)->structural_parts);
    if (node->type == SK_TYPE_DATA && node->data.len > 0 && !part)
        sk_job_reason(job, "content.unknown", -1, node, "%zu bytes of no recognised type",
                      node->data.len);
    /* A path-like name: unsafe in an archive (extraction honours it), only
     * worth a note on a mail attachment (clients save the last part). */
    const char *path_code =
        node->parent ? sk_name_path_code(node->name, node->parent->type) : NULL;
    if (path_code)
        sk_job_reason(job, path_code, -1, node, "member name '%s'", node->name);
    /* The root's name counts too: it is the attachment's name in a request. */
    const char *deception = sk_name_deception(node->name);
    if (deception)
        sk_job_reason(job, "name.deceptive", -1, node, "'%s': %s", node->name, deception);
    if (traits->own_code)
        sk_job_reason(job, traits->own_code, -1, node, "%s", traits->own_detail);
}

static bool has_reason(const struct sk_job *job, const char *code, const struct sk_node *node)
{
    for (const struct sk_reason *r = job->reasons; r; r = r->next)
        if (r->node == node && strcmp(r->code, code) == 0)
            return true;
    return false;
}

/* Raises `code` once on the nearest ancestor of node whose type holds it. */
static void reason_on_ancestor(struct sk_job *job, const struct sk_node *node, const char *code)
{
    /* Bounded: a node's depth is at most max_depth. */
    for (struct sk_node *a = node->parent; a; a = a->parent) {
        const char *held = sk_type_traits(a->type)->holds_code;
        if (!held || strcmp(held, code) != 0)
            continue;
        if (!has_reason(job, code, a))
            sk_job_reason(job, code, -1, a, "holds %s '%s'", sk_type_name(node->type),
                          node->path);
        return;
    }
}

void sk_node_typed(struct sk_job *job, struct sk_node *node)
{
    /* What a holder (types.c: a disk image, a OneNote file) holds is its
     * reason, raised on the nearest one, once per code, in the table's
     * order of the codes. */
    unsigned kind = sk_type_kind(node->type, node->name);
    const char *done[SK_TYPE_COUNT];
    size_t n_done = 0;
    for (unsigned t = 0; kind && t < SK_TYPE_COUNT; t++) {
        const struct sk_type_traits *holder = sk_type_traits((enum sk_type)t);
        if (!(holder->holds & kind))
            continue;
        bool seen = false;
        for (size_t i = 0; i < n_done && !seen; i++)
            seen = strcmp(done[i], holder->holds_code) == 0;
        if (seen)
            continue;
        done[n_done++] = holder->holds_code;
        reason_on_ancestor(job, node, holder->holds_code);
    }
}

static void yara_scan(struct sk_job *job, const struct sk_node *node, const uint8_t *p, size_t n)
{
    uint64_t t = sk_now_ns();
    sk_yara_scan_node(sk_worker_yara(job->worker), job, node, p, n);
    stage_add(job, SK_STAGE_YARA, t);
    job->yara_bytes += n;
}

/* A node whose opener gives YARA a view of it (unpacker.h, scan_view) is
 * scanned once opened: through the view, or as its own bytes when it is
 * not opened after all (a limit, an open that fails). */
static bool scans_as_view(const struct sk_node *node)
{
    return node->opener && node->opener->scan_view;
}

/* Sniffs, hashes, scans and hands a node to the sink. True when its
 * outcome came from the node cache: it is done, not to be opened. *mark
 * says whether its outcome is to be stored once its subtree is done. */
static bool visit(struct sk_job *job, struct sk_node *node, struct sk_outcome_mark *mark)
{
    const uint8_t *p = node->data.p;
    size_t n = node->data.len;
    if (node->type != SK_TYPE_ENCRYPTED && !node->type_given) {
        node->type =
            sk_bid_type(sk_engine_unpackers(job->engine), node, sk_sniff(p, n), &node->opener);
        node->opener_known = true;
    }
    structural_reasons(job, node);
    sk_node_typed(job, node);
    mark->active = false;
    if (node->type == SK_TYPE_ENCRYPTED)
        return false;
    if (!job->no_hash) {
        uint64_t t = sk_now_ns();
        if (sk_sha256_hex(p, n, node->sha256) != 0)
            sk_job_reason(job, "error.internal", -1, node, "SHA-256 failed");
        stage_add(job, SK_STAGE_HASH, t);
    }
    if (!node->opener_known) {
        node->opener = sk_bid_best(sk_engine_unpackers(job->engine), node);
        node->opener_known = true;
    }
    if (sk_outcome_lookup(job, node, mark))
        return true;
    if (!scans_as_view(node))
        yara_scan(job, node, p, n);
    if (job->sink && node->depth > 0) {
        char saved[256] = "";
        job->sink(job->sink_ctx, node, p, n, saved, sizeof saved);
        if (saved[0])
            node->extracted = sk_arena_strdup(job->arena, saved);
    }
    return false;
}

/* Opens a node as a container and pushes its frame; false when nothing
 * opens it (the caller then releases its bytes). */
static bool push_container(struct sk_job *job, struct stack *stack, struct sk_node *node)
{
    if (job->halted || node->type == SK_TYPE_ENCRYPTED)
        return false;
    const struct sk_unpacker *unpacker =
        node->opener_known ? node->opener : sk_bid_best(sk_engine_unpackers(job->engine), node);
    if (!unpacker)
        return false;
    if (node->depth >= job->limits.max_depth) {
        sk_job_limit(job, SK_LIMIT_DEPTH, node, "%s at depth %u not opened (max-depth %u)",
                     sk_type_name(node->type), node->depth, job->limits.max_depth);
        return false;
    }
    struct frame *f = &stack->frames[stack->depth];
    memset(f, 0, sizeof *f);
    f->u.job = job;
    f->u.node = node;
    f->unpacker = unpacker;
    uint64_t t = sk_now_ns(), harvested = job->stage_ns[SK_STAGE_PASSWORDS];
    int rc = unpacker->open(&f->u, &f->state);
    unpack_stage_add(job, node, t, harvested);
    if (rc != 0) {
        if (!f->u.failed)
            sk_unpack_fail(&f->u, unpacker->name, rc, "cannot open %s: %s",
                           sk_type_name(node->type), sk_strerror(rc));
        return false;
    }
    stack->depth++;
    if (scans_as_view(node) && unpacker == node->opener) {
        size_t len = 0;
        const uint8_t *view = unpacker->scan_view(f->state, &len);
        yara_scan(job, node, view ? view : node->data.p, view ? len : node->data.len);
    }
    return true;
}

/* Visits node, then opens it, or scans the bytes of a node that was to be
 * scanned through its opener's view and is not opened, and releases them.
 * A node that is not opened is done: its outcome may be stored now; an
 * opened one's when its frame pops. */
static void visit_and_open(struct sk_job *job, struct stack *stack, struct sk_node *node)
{
    struct sk_outcome_mark mark;
    if (visit(job, node, &mark)) {
        sk_buf_release(&node->data);
        return;
    }
    if (push_container(job, stack, node)) {
        stack->frames[stack->depth - 1].mark = mark;
        return;
    }
    if (scans_as_view(node) && node->type != SK_TYPE_ENCRYPTED)
        yara_scan(job, node, node->data.p, node->data.len);
    sk_buf_release(&node->data);
    sk_outcome_store(job, node, &mark);
}

static void pop_container(struct sk_job *job, struct stack *stack)
{
    struct frame *f = &stack->frames[--stack->depth];
    f->unpacker->close(f->state);
    sk_buf_release(&f->u.node->data);
    sk_outcome_store(job, f->u.node, &f->mark);
}

/* Turns what an unpacker handed back into a node of the tree. */
static struct sk_node *adopt_child(struct sk_job *job, struct frame *f, struct sk_child *child)
{
    if ((uint64_t)job->nodes + job->cached_nodes >= job->limits.max_nodes) {
        sk_job_limit(job, SK_LIMIT_NODES, f->u.node, "more than %u nodes",
                     job->limits.max_nodes);
        sk_buf_release(&child->data);
        return NULL;
    }
    struct sk_node *node = node_new(job, f->u.node, child->name, child->name_len);
    if (!node) {
        sk_job_nomem(job, f->u.node);
        sk_buf_release(&child->data);
        return NULL;
    }
    node->data = child->data;
    node->size = child->data.len;
    node->truncated = child->truncated;
    node->encrypted = child->encrypted;
    node->password = child->password;
    node->format_part = child->format_part;
    if (child->type != SK_TYPE_DATA) {
        node->type = child->type;
        node->type_given = true;
    }
    if (child->encrypted && child->password)
        node->in_encrypted = true;
    if (child->encrypted && !child->password) {
        node->type = SK_TYPE_ENCRYPTED;
        node->size = child->declared_size;
        struct sk_password *const *candidates;
        const char *why = child->unopened_why                     ? child->unopened_why
                          : sk_job_passwords(job, &candidates) > 0 ? "no password candidate fits"
                                                                   : "no password candidates";
        sk_job_reason(job, "encrypted.unopened", -1, node, "encrypted member not opened: %s",
                      why);
        node->password = child->verified;
        node->password_unopened = child->verified != NULL;
    }
    return node;
}

/* Asks the top container for its next child; returns the child, or NULL
 * when the container is finished (and has been popped). */
static struct sk_node *next_child(struct sk_job *job, struct stack *stack)
{
    struct frame *f = &stack->frames[stack->depth - 1];
    if (job->halted || f->u.stop || sk_job_expired(job, f->u.node)) {
        pop_container(job, stack);
        return NULL;
    }
    struct sk_child child;
    memset(&child, 0, sizeof child);
    uint64_t t = sk_now_ns(), harvested = job->stage_ns[SK_STAGE_PASSWORDS];
    int rc = f->unpacker->next(&f->u, f->state, &child);
    unpack_stage_add(job, f->u.node, t, harvested);
    if (rc != 0) {
        if (rc != SK_DONE && !f->u.failed)
            sk_unpack_fail(&f->u, f->unpacker->name, rc, "%s", sk_strerror(rc));
        sk_buf_release(&child.data);
        pop_container(job, stack);
        return NULL;
    }
    return adopt_child(job, f, &child);
}

static void run(struct sk_job *job)
{
    struct stack *stack = malloc(sizeof *stack);
    if (!stack) {
        sk_job_nomem(job, job->root);
        return;
    }
    stack->depth = 0;
    visit_and_open(job, stack, job->root);
    while (stack->depth > 0) {
        struct sk_node *child = next_child(job, stack);
        if (child)
            visit_and_open(job, stack, child);
    }
    free(stack);
}

static const char *root_name(const struct sk_request *req)
{
    const char *name = req->name ? req->name : req->id ? req->id : "input";
    const char *slash = strrchr(name, '/');
    return slash && slash[1] ? slash + 1 : name;
}

int sk_job_start(struct sk_worker *worker, const struct sk_request *req, struct sk_job **out)
{
    struct sk_job *job = calloc(1, sizeof *job);
    if (!job)
        return SK_ENOMEM;
    job->arena = sk_arena_new();
    if (!job->arena) {
        free(job);
        return SK_ENOMEM;
    }
    *out = job;
    job->worker = worker;
    job->engine = sk_worker_engine(worker);
    job->limits = req->limits ? *req->limits : *sk_engine_limits(job->engine);
    sk_limits_clamp(&job->limits);
    job->start_ns = sk_now_ns();
    job->deadline_ns = job->start_ns + (uint64_t)job->limits.timeout_ms * 1000000u;
    job->no_hash = req->no_hash;
    job->sink = req->sink;
    job->sink_ctx = req->sink_ctx;
    sk_worker_arm_failure(worker, job->arena);
    job->id = sk_arena_strdup(job->arena, req->id ? req->id : "");
    job->password_source = req->password_source
                               ? sk_arena_strdup(job->arena, req->password_source)
                               : "request";
    const char *name = root_name(req);
    job->root = node_new(job, NULL, name, strlen(name));
    if (!job->id || !job->password_source || !job->root ||
        sk_job_start_passwords(job, req->passwords, req->n_passwords) != 0)
        return SK_ENOMEM;
    if (req->body)
        sk_job_harvest_later(job, NULL, req->body, req->body_len, "body");
    job->root->data = sk_buf_view(req->data, req->size);
    job->root->size = req->size;
    return 0;
}

int sk_scan(struct sk_worker *worker, const struct sk_request *req, struct sk_job **out)
{
    struct sk_job *job = NULL;
    *out = NULL;
    int rc = sk_job_start(worker, req, &job);
    if (rc != 0 && !job)
        return rc;
    if (rc != 0 || !job->root) {
        sk_job_nomem(job, NULL);
    } else if (req->size > job->limits.max_request_bytes) {
        job->had_error = true;
        sk_job_limit(job, SK_LIMIT_SIZE, job->root,
                     "%zu bytes is over the %llu-byte request limit; not scanned", req->size,
                     (unsigned long long)job->limits.max_request_bytes);
    } else {
        run(job);
    }
    job->elapsed_ns = sk_now_ns() - job->start_ns;
    *out = job;
    return 0;
}

enum sk_verdict sk_job_verdict(const struct sk_job *job)
{
    return job->verdict;
}

uint64_t sk_job_bytes(const struct sk_job *job)
{
    return job->root ? job->root->size : 0;
}

void sk_job_sha256_prefix(const struct sk_job *job, char *out, size_t len)
{
    const char *hex = job->root ? job->root->sha256 : "";
    snprintf(out, len, "%s", hex[0] ? hex : "-");
}

bool sk_job_has_error(const struct sk_job *job)
{
    return job->had_error;
}

bool sk_job_out_of_memory(const struct sk_job *job)
{
    return job->out_of_memory;
}

void sk_job_free(struct sk_job *job)
{
    if (!job)
        return;
    sk_arena_free(job->arena);
    free(job);
}
