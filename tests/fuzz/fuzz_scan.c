/* Fuzz target: the whole pipeline, raw bytes to verdict and JSON report.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer) for fuzzing runs, and with
 * replay.c as a plain program that ctest runs over the saved corpus and past
 * crash inputs on every build. The engine is made once, as a daemon would;
 * limits are tightened so one input cannot take seconds. The rules folder
 * comes from $SEKISHO_RULES_DIR, else the source tree's rules/. */
#include <stdint.h>
#include <stdlib.h>

#include "engine/sekisho.h"

#ifndef SK_SOURCE_RULES_DIR
#define SK_SOURCE_RULES_DIR "rules"
#endif

static struct sk_worker *fuzz_worker(void)
{
    static struct sk_engine *engine;
    static struct sk_worker *worker;
    if (worker)
        return worker;
    const char *rules = getenv("SEKISHO_RULES_DIR");
    if (!rules)
        rules = SK_SOURCE_RULES_DIR;
    struct sk_engine_config config = {.rule_paths = &rules, .n_rule_paths = 1};
    sk_limits_default(&config.limits);
    config.limits.timeout_ms = 2000;
    config.limits.max_node_bytes = 8u << 20;
    config.limits.max_total_bytes = 32u << 20;
    config.limits.max_nodes = 2000;
    char err[512];
    if (sk_engine_new(&config, &engine, err, sizeof err) != 0 ||
        sk_worker_new(engine, &worker) != 0)
        abort(); /* our set-up, not the input: the harness cannot run */
    return worker;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const passwords[] = {"infected", "password"};
    struct sk_request req = {
        .id = "fuzz",
        .name = "fuzz.bin",
        .data = data,
        .size = size,
        .passwords = passwords,
        .n_passwords = 2,
    };
    struct sk_job *job = NULL;
    if (sk_scan(fuzz_worker(), &req, &job) != 0)
        return 0;
    char *json = sk_job_json(job);
    /* An input that fails to scan whole must never come out as pass. */
    if (sk_job_has_error(job) && sk_job_verdict(job) == SK_VERDICT_PASS)
        abort();
    free(json);
    sk_job_free(job);
    return 0;
}
