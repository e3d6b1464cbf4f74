/* Fuzz target: the whole pipeline, raw bytes to verdict and JSON report.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer) for fuzzing runs, and with
 * replay.c as a plain program that ctest runs over the saved corpus and past
 * crash inputs on every build. The engine is made once (fuzz_engine.h). The
 * rules folder comes from $SEKISHO_RULES_DIR, else the source tree's rules/. */
#include <stdint.h>
#include <stdlib.h>

#include "engine/sekisho.h"
#include "fuzz_engine.h"

#ifndef SK_SOURCE_RULES_DIR
#define SK_SOURCE_RULES_DIR "rules"
#endif

static struct sk_worker *fuzz_worker(void)
{
    const char *rules = getenv("SEKISHO_RULES_DIR");
    return sk_fuzz_worker(rules ? rules : SK_SOURCE_RULES_DIR, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sk_request req = sk_fuzz_request(data, size);
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
