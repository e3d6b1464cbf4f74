/* A scanner process (scanner.h): start-up, then one request at a time. */
#include "scanner.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../unpackers/registry.h" /* the unpackers this program scans with */
#include "ctl.h"
#include "ipc.h"
#include "options.h"
#include "run.h"
#include "scanwire.h"
#include "supervisor.h"

struct scanner {
    const struct sk_child_setup *setup;
    int fd;
    struct sk_engine *engine;
    struct sk_worker *worker;
};

/* The memory cap: --scanner-memory, else the default raised to what the
 * limits need (the request, what it may unpack, and room for the engine).
 * Not under AddressSanitizer, whose shadow memory is terabytes of address
 * space. 0 when none is in force. */
static uint64_t memory_cap(const struct sk_serve_options *o)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)o;
    return 0;
#else
    if (o->scanner_memory_set)
        return o->scanner_memory;
    const struct sk_limits *l = &o->common.limits;
    uint64_t cache = sk_common_cache_bytes(&o->common);
    uint64_t need = 2 * l->max_request_bytes + l->max_total_bytes + (1ull << 30) + cache;
    return need > SK_SCANNER_MEMORY_DEFAULT + cache ? need : SK_SCANNER_MEMORY_DEFAULT + cache;
#endif
}

/* The bytes this process maps already (/proc/self/statm), 0 if unknown. */
static uint64_t mapped_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long pages = 0;
    if (f) {
        if (fscanf(f, "%llu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Everything before the first request: privileges, the cap, the engine
 * from the parent's bundle, the filter; then tells the parent it is ready.
 * 0, or -1 after printing why. */
static int start(struct scanner *sc)
{
    const struct sk_child_setup *setup = sc->setup;
    const struct sk_serve_options *o = setup->opts;
    char err[1024];
    uint64_t cap = memory_cap(o);
    if (sk_sandbox_enter_child(setup->user, setup->parent, err, sizeof err) != 0)
        goto fail;
    /* A cap below what the process maps already plus one request of
     * max-bytes could not scan anything: say so, rather than fail every
     * request. */
    uint64_t mapped = mapped_bytes();
    if (cap && cap < mapped + o->common.limits.max_request_bytes) {
        snprintf(err, sizeof err,
                 "memory cap of %llu bytes is below what one scan needs at least (%llu bytes "
                 "mapped at start and --max-bytes %llu); raise --scanner-memory",
                 (unsigned long long)cap, (unsigned long long)mapped,
                 (unsigned long long)o->common.limits.max_request_bytes);
        goto fail;
    }
    struct rlimit as = {.rlim_cur = cap, .rlim_max = cap};
    if (cap && setrlimit(RLIMIT_AS, &as) != 0) {
        snprintf(err, sizeof err, "memory cap of %llu bytes: %s", (unsigned long long)cap,
                 strerror(errno));
        goto fail;
    }
    uint64_t t0 = sk_ipc_now_ns();
    if (sk_engine_from_bundle(setup->bundle, setup->bundle_len, &o->common.limits, sk_unpackers,
                              &sc->engine, err, sizeof err) != 0 ||
        sk_engine_set_cache(sc->engine, sk_common_cache_bytes(&o->common)) != 0 ||
        sk_worker_new(sc->engine, &sc->worker) != 0) {
        if (sc->engine && !sc->worker)
            snprintf(err, sizeof err, "no engine worker (out of memory)");
        goto fail;
    }
    uint64_t load_ns = sk_ipc_now_ns() - t0;
    if (!o->no_sandbox && sk_sandbox_install(false, err, sizeof err) != 0)
        goto fail;
    struct sk_scanner_ready ready = {.magic = SK_SCANNER_READY_MAGIC,
                                     .rules = sk_engine_rule_count(sc->engine),
                                     .generation = setup->generation,
                                     .load_ns = load_ns,
                                     .memory_cap = cap};
    if (sk_ipc_write(sc->fd, &ready, sizeof ready, NULL, 0, 0) != SK_IPC_OK) {
        snprintf(err, sizeof err, "telling the parent it is ready: %s", strerror(errno));
        goto fail;
    }
    return 0;
fail:
    fprintf(stderr, "sekisho: scanner %u: %s\n", setup->slot, err);
    return -1;
}

/* Scans one request and answers it. -1 when the request was out of step
 * or the front can no longer be answered (the scanner leaves). */
static int serve_one(struct scanner *sc, struct sk_scanwire_in *in, bool *out_of_memory)
{
    const struct sk_serve_options *o = sc->setup->opts;
    struct sk_run_options run = {.limits = &o->common.limits,
                                 .no_hash = o->common.no_hash,
                                 .fault_report = sc->setup->fault_report};
    (void)sk_dreq_run(&in->req, sc->worker, &run); /* no reply: the front's fixed line */
    *out_of_memory = in->req.out_of_memory || !in->req.reply;
    in->req.out_of_memory = *out_of_memory;
    return sk_scanwire_answer(sc->fd, &in->req);
}

int sk_scanner_main(const struct sk_child_setup *setup)
{
    struct scanner sc = {.setup = setup, .fd = setup->fd};
    int code = SK_SCANNER_EXIT_START;
    if (start(&sc) != 0)
        goto out;
    code = SK_SCANNER_EXIT_DONE;
    for (;;) {
        struct sk_scanwire_in in;
        int rc = sk_scanwire_read(sc.fd, &in);
        bool oom = false;
        if (rc == SK_IPC_OK)
            rc = serve_one(&sc, &in, &oom);
        else if (rc != SK_IPC_EOF)
            fprintf(stderr, "sekisho: scanner %u: a request out of step; leaving\n",
                    setup->slot);
        sk_scanwire_in_free(&in);
        if (rc != SK_IPC_OK)
            break;
        if (oom) {
            /* Its heap may be fragmented past use, or a library half-way
             * through a failed allocation: a fresh scanner is cheap. */
            code = SK_SCANNER_EXIT_MEMORY;
            break;
        }
    }
out:
    close(sc.fd);
    sk_worker_free(sc.worker);
    sk_engine_free(sc.engine);
    return code;
}
