/* Fuzz target: password harvesting and the job's ranked candidate list.
 *
 * The input is raw text (any bytes: the harvester must tolerate invalid
 * UTF-8): up to the first newline it is harvested as a subject, the rest as a
 * body, into one job, with the operators' rules of password_rules.txt loaded
 * so that the PCRE2 path runs too.
 *
 * What must hold, or the target aborts: the list stays within max-passwords,
 * ranked 1..n without gaps and better tiers first, every candidate non-empty, at most
 * SK_CAP_PASSWORD_BYTES and readable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/job.h"
#include "fuzz_engine.h"

#ifndef SK_FUZZ_PASSWORD_RULES
#define SK_FUZZ_PASSWORD_RULES "tests/fuzz/password_rules.txt"
#endif

static void check_candidates(const struct sk_job *job)
{
    if (job->n_passwords > job->limits.max_passwords)
        abort();
    for (size_t i = 0; i < job->n_passwords; i++) {
        const struct sk_password *pw = job->passwords[i];
        if (pw->len == 0 || pw->len > SK_CAP_PASSWORD_BYTES || pw->rank != i + 1 || !pw->source)
            abort();
        if (i > 0 && job->passwords[i - 1]->tier > pw->tier)
            abort(); /* better tiers first */
        sk_fuzz_touch(pw->value, pw->len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *rules = getenv("SEKISHO_PASSWORD_RULES");
    struct sk_worker *worker = sk_fuzz_worker(NULL, rules ? rules : SK_FUZZ_PASSWORD_RULES);
    static const char *const given[] = {"given-by-request"};
    struct sk_request req = {.id = "fuzz", .name = "fuzz.eml", .passwords = given, .n_passwords = 1};
    struct sk_job *job = NULL;
    if (sk_job_start(worker, &req, &job) != 0)
        goto out;
    /* Text arrives NUL-free from GMime; copies keep the harvester's reads
     * inside what the fuzzer gave (ASan catches any over-read). */
    const uint8_t *nl = memchr(data, '\n', size);
    size_t subject_len = nl ? (size_t)(nl - data) : size;
    char *subject = malloc(subject_len ? subject_len : 1);
    char *body = malloc(size > subject_len ? size - subject_len : 1);
    if (subject && body) {
        memcpy(subject, data, subject_len);
        memcpy(body, data + subject_len, size - subject_len);
        sk_job_harvest(job, job->root, subject, subject_len, "subject");
        sk_job_harvest(job, job->root, body, size - subject_len, "body");
        check_candidates(job);
    }
    free(subject);
    free(body);
out:
    sk_job_free(job);
    return 0;
}
