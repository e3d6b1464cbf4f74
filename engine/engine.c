/* The engine and its workers: what is shared by every scan, and what one
 * scanning thread owns. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "cache.h"
#include "engine_internal.h"
#include "error.h"
#include "job.h"
#include "passwords.h"
#include "reader.h"
#include "sekisho.h"
#include "yara_scan.h"

/* An engine bundle (sekisho.h): "SKEB", version, then three sections, each
 * a u64le length and its bytes: the policy file, the password-rules file,
 * the compiled YARA rules (libyara's format). Nothing may follow. */
#define SK_BUNDLE_MAGIC "SKEB"
#define SK_BUNDLE_VERSION 1u
#define SK_BUNDLE_MAX_TEXT (16u << 20) /* a policy or password-rules file */

struct sk_engine {
    struct sk_rules *rules;
    struct sk_policy *policy;
    struct sk_password_rules *password_rules;
    struct sk_limits limits;
    const struct sk_unpacker *const *unpackers; /* NULL-terminated, or NULL */
    struct sk_cache *cache;                     /* the node cache, or NULL */
    uint8_t generation[SK_CACHE_KEY_BYTES];
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
    engine->unpackers = config->unpackers;
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
    sk_cache_free(engine->cache);
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

const struct sk_unpacker *const *sk_engine_unpackers(const struct sk_engine *engine)
{
    return engine ? engine->unpackers : NULL;
}

int sk_engine_set_cache(struct sk_engine *engine, uint64_t bytes)
{
    sk_cache_free(engine->cache);
    engine->cache = NULL;
    if (bytes == 0)
        return 0;
    /* Unique is enough (the cache lives and dies with the engine): when
     * getrandom fails, the engine's address and the clock still differ
     * from any other engine's in this process. */
    uint64_t fallback[2] = {(uint64_t)(uintptr_t)engine, sk_now_ns()};
    memcpy(engine->generation, fallback, sizeof fallback);
    if (getrandom(engine->generation, sizeof engine->generation, 0) < 0)
        memcpy(engine->generation, fallback, sizeof fallback);
    return sk_cache_new(bytes, &engine->cache);
}

struct sk_cache *sk_engine_cache(const struct sk_engine *engine)
{
    return engine ? engine->cache : NULL;
}

const uint8_t *sk_engine_generation(const struct sk_engine *engine)
{
    return engine->generation;
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

/* ---- engine bundles ---- */

/* Reads a whole small file (at most SK_BUNDLE_MAX_TEXT bytes) into a
 * malloc'd buffer. what names the file in messages. */
static int read_text(const char *path, const char *what, uint8_t **out, size_t *out_len,
                     char *err, size_t errlen)
{
    int rc = 0;
    uint8_t *buf = NULL;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open %s file", path, what);
        rc = SK_EIO;
        goto out;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > SK_BUNDLE_MAX_TEXT) {
        snprintf(err, errlen, "%s: %s file is not a regular file of at most %u bytes", path,
                 what, SK_BUNDLE_MAX_TEXT);
        rc = SK_ELIMIT;
        goto out;
    }
    /* One byte more than the size, so a file that grew is caught. */
    size_t cap = (size_t)st.st_size + 1;
    buf = malloc(cap);
    if (!buf) {
        rc = SK_ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            rc = SK_EIO;
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == cap) {
            snprintf(err, errlen, "%s: %s file changed while read", path, what);
            rc = SK_EIO;
            goto out;
        }
    }
out:
    if (fd >= 0)
        close(fd);
    if (rc != 0) {
        free(buf);
        buf = NULL;
        len = 0;
    }
    *out = buf;
    *out_len = len;
    return rc;
}

static void put_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Appends a u64le length and the bytes; *at advances. */
static void put_section(uint8_t *out, size_t *at, const uint8_t *p, size_t len)
{
    put_u64le(out + *at, len);
    *at += 8;
    if (len)
        memcpy(out + *at, p, len);
    *at += len;
}

int sk_engine_bundle_build(const struct sk_engine_config *config, uint8_t **out,
                           size_t *out_len, char *err, size_t errlen)
{
    int rc = 0;
    uint8_t *policy = NULL, *passwords = NULL, *compiled = NULL, *bundle = NULL;
    size_t policy_len = 0, passwords_len = 0, compiled_len = 0;
    struct sk_policy *parsed_policy = NULL;
    struct sk_password_rules *parsed_passwords = NULL;
    struct sk_rules *rules = NULL;
    *out = NULL;
    *out_len = 0;
    /* Each file is read once and what is checked is what is sent, so the
     * receiving side parses the very bytes that passed here. */
    if (config->policy_path) {
        rc = read_text(config->policy_path, "policy", &policy, &policy_len, err, errlen);
        if (rc == 0)
            rc = sk_policy_load_mem(policy, policy_len, &parsed_policy, err, errlen);
        if (rc != 0)
            goto out;
    }
    if (config->password_rules_path) {
        rc = read_text(config->password_rules_path, "password rules", &passwords,
                       &passwords_len, err, errlen);
        if (rc == 0)
            rc = sk_password_rules_load_mem(passwords, passwords_len, &parsed_passwords, err,
                                            errlen);
        if (rc != 0)
            goto out;
    }
    rc = sk_rules_compile(config->rule_paths, config->n_rule_paths, &rules, err, errlen);
    if (rc == 0)
        rc = sk_rules_save(rules, &compiled, &compiled_len);
    if (rc != 0) {
        if (!err[0])
            snprintf(err, errlen, "saving the compiled rules: %s", sk_strerror(rc));
        goto out;
    }
    size_t total = 8 + 3 * 8 + policy_len + passwords_len + compiled_len;
    bundle = malloc(total);
    if (!bundle) {
        snprintf(err, errlen, "out of memory");
        rc = SK_ENOMEM;
        goto out;
    }
    memcpy(bundle, SK_BUNDLE_MAGIC, 4);
    for (int i = 0; i < 4; i++)
        bundle[4 + i] = (uint8_t)(SK_BUNDLE_VERSION >> (8 * i));
    size_t at = 8;
    put_section(bundle, &at, policy, policy_len);
    put_section(bundle, &at, passwords, passwords_len);
    put_section(bundle, &at, compiled, compiled_len);
    *out = bundle;
    *out_len = total;
out:
    sk_policy_free(parsed_policy);
    sk_password_rules_free(parsed_passwords);
    sk_rules_free(rules);
    free(policy);
    free(passwords);
    free(compiled);
    return rc;
}

/* One section: its bytes (NULL when empty) and length; r's error is sticky. */
static const uint8_t *take_section(struct sk_reader *r, size_t *len)
{
    uint64_t n = sk_reader_u64le(r);
    *len = 0;
    if (r->err || n > sk_reader_left(r))
        return NULL;
    *len = (size_t)n;
    return n ? sk_reader_bytes(r, (size_t)n) : NULL;
}

int sk_engine_from_bundle(const uint8_t *bundle, size_t len, const struct sk_limits *limits,
                          const struct sk_unpacker *const *unpackers, struct sk_engine **out,
                          char *err, size_t errlen)
{
    *out = NULL;
    err[0] = '\0';
    struct sk_reader r = sk_reader_make(bundle, len);
    const uint8_t *magic = sk_reader_bytes(&r, 4);
    uint32_t version = sk_reader_u32le(&r);
    size_t policy_len, passwords_len, compiled_len;
    const uint8_t *policy = take_section(&r, &policy_len);
    const uint8_t *passwords = take_section(&r, &passwords_len);
    const uint8_t *compiled = take_section(&r, &compiled_len);
    if (r.err || !magic || memcmp(magic, SK_BUNDLE_MAGIC, 4) != 0 ||
        version != SK_BUNDLE_VERSION || !compiled || sk_reader_left(&r) != 0) {
        snprintf(err, errlen, "not an engine bundle of this version");
        return SK_ECORRUPT;
    }
    struct sk_engine *engine = calloc(1, sizeof *engine);
    if (!engine) {
        snprintf(err, errlen, "out of memory");
        return SK_ENOMEM;
    }
    engine->limits = *limits;
    sk_limits_clamp(&engine->limits);
    engine->unpackers = unpackers;
    int rc = sk_policy_load_mem(policy, policy_len, &engine->policy, err, errlen);
    if (rc == 0 && passwords_len)
        rc = sk_password_rules_load_mem(passwords, passwords_len, &engine->password_rules, err,
                                        errlen);
    if (rc == 0)
        rc = sk_rules_load(compiled, compiled_len, &engine->rules, err, errlen);
    if (rc != 0) {
        if (!err[0])
            snprintf(err, errlen, "engine bundle: %s", sk_strerror(rc));
        sk_engine_free(engine);
        return rc;
    }
    *out = engine;
    return 0;
}
