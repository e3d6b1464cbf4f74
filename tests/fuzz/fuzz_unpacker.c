/* Fuzz target for ONE unpacker, chosen at compile time:
 *
 *     -DSK_FUZZ_UNPACKER=sk_unpacker_ole2
 *
 * The input becomes the node the unpacker is asked to open, and its
 * open/next/close are driven directly, every child consumed and released, so
 * coverage stays on that one parser (fuzz_scan.c covers the recursion of the
 * whole pipeline). Each target is listed once in tests/CMakeLists.txt
 * (SEKISHO_FUZZ_UNPACKERS); nothing here names a format.
 *
 * The node is made to look as the engine would hand it over: the type the
 * engine gives its bytes (the sniffer's, or what a bid shows) first; when
 * the unpacker's bid declines that, every other type; and for unpackers
 * that judge a node by its place (an OOXML part by its package and name),
 * the node under a parent of each type with each name of
 * context_names[]. An input no context fits is not the unpacker's and is
 * skipped, as the engine would skip it.
 *
 * What must hold, or the target aborts: a failure from open or next leaves
 * the verdict at least sandbox (fail closed); a child's bytes are readable
 * and within max-node-bytes; a child's name is readable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/error.h"
#include "engine/job.h"
#include "engine/sniff.h"
#include "fuzz_engine.h"
#include "unpackers/registry.h"
#include "unpackers/unpacker.h"

#ifndef SK_FUZZ_UNPACKER
#error "define SK_FUZZ_UNPACKER as the unpacker to fuzz, e.g. sk_unpacker_ole2"
#endif

#define UNPACKER SK_FUZZ_UNPACKER
extern const struct sk_unpacker SK_FUZZ_UNPACKER;

/* Names some unpackers key on (OOXML's binary macro sheets and external
 * links). Append here when a new unpacker judges a node by its name. */
static const char *const context_names[] = {
    "fuzz.bin",
    "xl/macrosheets/sheet1.bin",
    "xl/externalLinks/externalLink1.bin",
};

struct fuzz_context {
    struct sk_node parent; /* used only when the node needs one */
};

static bool fits(struct sk_node *node, enum sk_type type)
{
    node->type = type;
    enum sk_type shown;
    if (sk_bid(&UNPACKER, node, &shown) <= 0)
        return false;
    node->type = shown; /* the type its bid shows, as the engine would take it */
    return true;
}

static bool fits_any_type(struct sk_node *node, enum sk_type sniffed)
{
    if (fits(node, sniffed))
        return true;
    for (int t = 0; t < SK_TYPE_COUNT; t++)
        if (t != (int)sniffed && fits(node, (enum sk_type)t))
            return true;
    return false;
}

/* Gives the root a type (and, if it needs one, a parent and a name) that the
 * unpacker accepts; false when none does. */
static bool place_node(struct sk_node *node, struct fuzz_context *ctx)
{
    enum sk_type sniffed =
        sk_bid_type(sk_unpackers, node, sk_sniff(node->data.p, node->data.len), NULL);
    if (fits_any_type(node, sniffed))
        return true;
    const char *own_name = node->name, *own_path = node->path;
    memset(&ctx->parent, 0, sizeof ctx->parent);
    ctx->parent.name = ctx->parent.path = "package";
    ctx->parent.first_child = ctx->parent.last_child = node;
    node->parent = &ctx->parent;
    node->depth = 1;
    for (int pt = 0; pt < SK_TYPE_COUNT; pt++) {
        ctx->parent.type = (enum sk_type)pt;
        for (size_t i = 0; i < sizeof context_names / sizeof context_names[0]; i++) {
            node->name = node->path = context_names[i];
            if (fits_any_type(node, sniffed))
                return true;
        }
    }
    node->parent = NULL;
    node->depth = 0;
    node->name = own_name;
    node->path = own_path;
    return false;
}

/* Reads every byte of a child and its name (ASan checks them). */
static void consume_child(const struct sk_job *job, const struct sk_child *child)
{
    sk_fuzz_touch(child->data.p, child->data.len);
    if (child->name)
        sk_fuzz_touch(child->name, child->name_len);
    if (child->data.len > job->limits.max_node_bytes)
        abort(); /* sk_unpack_append must have stopped it */
}

/* A failure must have been recorded as at least sandbox. */
static void check_failed_closed(struct sk_unpack *u, int rc)
{
    if (!u->failed)
        sk_unpack_fail(u, UNPACKER.name, rc, "%s", sk_strerror(rc));
    if (u->job->verdict == SK_VERDICT_PASS)
        abort();
}

/* The engine's next_child loop for one container, without adopting nodes:
 * the same stops (halt, container stop, deadline, node count). */
static void drain(struct sk_unpack *u, void *state)
{
    struct sk_job *job = u->job;
    uint32_t children = 0;
    while (!job->halted && !u->stop && !sk_job_expired(job, u->node)) {
        if (children++ >= job->limits.max_nodes) {
            sk_job_limit(job, SK_LIMIT_NODES, u->node, "more than %u nodes",
                         job->limits.max_nodes);
            break;
        }
        struct sk_child child;
        memset(&child, 0, sizeof child);
        int rc = UNPACKER.next(u, state, &child);
        if (rc == 0)
            consume_child(job, &child);
        sk_buf_release(&child.data);
        if (rc == SK_DONE)
            break;
        if (rc != 0) {
            check_failed_closed(u, rc);
            break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sk_request req = sk_fuzz_request(data, size);
    struct sk_job *job = NULL;
    struct fuzz_context ctx;
    if (sk_job_start(sk_fuzz_worker(NULL, NULL), &req, &job) != 0 ||
        !place_node(job->root, &ctx))
        goto out;
    if (getenv("SK_REPLAY_NAMES"))
        fprintf(stderr, "replay: fits\n"); /* save-corpus.sh keeps only such seeds */
    struct sk_unpack u = {.job = job, .node = job->root};
    void *state = NULL;
    int rc = UNPACKER.open(&u, &state);
    if (rc != 0) {
        check_failed_closed(&u, rc);
        goto out;
    }
    drain(&u, state);
    UNPACKER.close(state);
out:
    sk_job_free(job);
    return 0;
}
