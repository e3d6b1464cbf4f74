/* The engine and its workers: what is shared by every scan, and what one
 * scanning thread owns. */
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"
#include "engine_internal.h"
#include "error.h"
#include "passwords.h"
#include "sekisho.h"
#include "yara_scan.h"

struct sk_engine {
    struct sk_rules *rules;
    struct sk_policy *policy;
    struct sk_password_rules *password_rules;
    struct sk_limits limits;
};

struct sk_worker {
    const struct sk_engine *engine;
    struct sk_yara_scanner *yara;
    long pending_failure; /* < 0: none */
};

int sk_engine_new(const struct sk_engine_config *config, struct sk_engine **out, char *err,
                  size_t errlen)
{
    *out = NULL;
    struct sk_engine *engine = calloc(1, sizeof *engine);
    if (!engine) {
        snprintf(err, errlen, "out of memory");
        return SK_ENOMEM;
    }
    engine->limits = config->limits;
    sk_limits_clamp(&engine->limits);
    int rc = sk_policy_load(config->policy_path, &engine->policy, err, errlen);
    if (rc == 0 && config->password_rules_path)
        rc = sk_password_rules_load(config->password_rules_path, &engine->password_rules, err,
                                    errlen);
    if (rc == 0)
        rc = sk_rules_compile(config->rule_paths, config->n_rule_paths, &engine->rules, err,
                              errlen);
    if (rc != 0) {
        sk_engine_free(engine);
        return rc;
    }
    *out = engine;
    return 0;
}

void sk_engine_free(struct sk_engine *engine)
{
    if (!engine)
        return;
    sk_rules_free(engine->rules);
    sk_policy_free(engine->policy);
    sk_password_rules_free(engine->password_rules);
    free(engine);
}

const struct sk_limits *sk_engine_limits(const struct sk_engine *engine)
{
    return &engine->limits;
}

unsigned sk_engine_rule_count(const struct sk_engine *engine)
{
    return sk_rules_count(engine->rules);
}

const struct sk_policy *sk_engine_policy(const struct sk_engine *engine)
{
    return engine ? engine->policy : NULL;
}

const struct sk_password_rules *sk_engine_password_rules(const struct sk_engine *engine)
{
    return engine->password_rules;
}

const struct sk_rules *sk_engine_rules(const struct sk_engine *engine)
{
    return engine->rules;
}

int sk_worker_new(const struct sk_engine *engine, struct sk_worker **out)
{
    struct sk_worker *worker = calloc(1, sizeof *worker);
    if (!worker)
        return SK_ENOMEM;
    worker->engine = engine;
    worker->pending_failure = -1;
    int rc = sk_yara_scanner_new(engine->rules, &worker->yara);
    if (rc != 0) {
        free(worker);
        return rc;
    }
    *out = worker;
    return 0;
}

void sk_worker_free(struct sk_worker *worker)
{
    if (!worker)
        return;
    sk_yara_scanner_free(worker->yara);
    free(worker);
}

struct sk_yara_scanner *sk_worker_yara(struct sk_worker *worker)
{
    return worker->yara;
}

const struct sk_engine *sk_worker_engine(const struct sk_worker *worker)
{
    return worker->engine;
}

void sk_worker_inject_alloc_failure(struct sk_worker *worker, long n)
{
    worker->pending_failure = n;
}

void sk_worker_arm_failure(struct sk_worker *worker, struct sk_arena *arena)
{
    if (worker->pending_failure >= 0) {
        sk_arena_fail_after(arena, worker->pending_failure);
        worker->pending_failure = -1;
    }
}
