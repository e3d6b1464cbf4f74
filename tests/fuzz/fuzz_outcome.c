/* Fuzz target: the node cache's outcome blob (engine/outcome.c), which is
 * untrusted (a shared store may hand it over later): the input is replayed
 * onto the root of a fresh job, whose root is a view of 4 KiB of zeros
 * named fuzz.bin, as a cache hit would replay it. The first byte picks the
 * root's type (a message is the case whose children's paths have no
 * prefix), the rest is the blob.
 *
 * What must hold, or the target aborts: a refused blob leaves the job's
 * reasons, matches, verdict, node count and root as they were; an accepted
 * one marks the root cached with a subtree of at least itself, keeps the
 * job within max-nodes and max-total-bytes, raises the verdict to at least
 * every reason's, gives every reason and match a path that is the root's or
 * under it, and renders as JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/job.h"
#include "engine/outcome.h"
#include "engine/types.h"
#include "fuzz_engine.h"

static bool under_root(const struct sk_job *job, const char *path)
{
    size_t n = strlen(job->root->path);
    if (strcmp(path, job->root->path) == 0)
        return true;
    if (sk_type_traits(job->root->type)->message)
        return true; /* children's paths start with their own names */
    return strncmp(path, job->root->path, n) == 0 && path[n] == '/';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t zeros[4096];
    if (size == 0)
        return 0;
    struct sk_request req = sk_fuzz_request(zeros, sizeof zeros);
    struct sk_job *job = NULL;
    if (sk_job_start(sk_fuzz_worker(NULL, NULL), &req, &job) != 0) {
        sk_job_free(job);
        return 0;
    }
    job->root->type = (enum sk_type)(data[0] % SK_TYPE_COUNT);
    enum sk_type type = job->root->type;
    int rc = sk_outcome_replay(job, job->root, data + 1, size - 1);
    if (rc != 0) {
        if (job->reasons || job->matches || job->verdict != SK_VERDICT_PASS ||
            job->cached_nodes || job->cache_hits || job->root->cached ||
            job->root->type != type || job->root->info)
            abort();
        sk_job_free(job);
        return 0;
    }
    if (!job->root->cached || job->root->cached_nodes < 1 || job->cache_hits != 1 ||
        (uint64_t)job->nodes + job->cached_nodes > job->limits.max_nodes ||
        job->extracted_bytes > job->limits.max_total_bytes)
        abort();
    for (const struct sk_reason *r = job->reasons; r; r = r->next)
        if (r->verdict > job->verdict || !under_root(job, r->path))
            abort();
    for (const struct sk_match *m = job->matches; m; m = m->next)
        if (!under_root(job, m->path))
            abort();
    char *json = sk_job_json(job);
    if (json)
        sk_fuzz_touch(json, strlen(json));
    free(json);
    sk_job_free(job);
    return 0;
}
