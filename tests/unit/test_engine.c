/* The engine through its public API: verdicts, the JSON report, limits and
 * allocation failure injected at every point of a scan. argv[1] is the
 * bundled rules folder. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/error.h"
#include "engine/sekisho.h"
#include "unpackers/registry.h"

/* A one-member ustar archive, built here so the test needs no tool. */
static size_t make_tar(uint8_t *out, size_t cap, const char *name, const char *body)
{
    size_t len = strlen(body);
    size_t total = 512 + ((len + 511) / 512) * 512 + 1024;
    if (total > cap)
        return 0;
    memset(out, 0, total);
    snprintf((char *)out, 100, "%s", name);
    snprintf((char *)out + 100, 8, "0000644");
    snprintf((char *)out + 108, 8, "0000000");
    snprintf((char *)out + 116, 8, "0000000");
    snprintf((char *)out + 124, 12, "%011lo", (unsigned long)(len & 077777777777));
    snprintf((char *)out + 136, 12, "%011o", 0);
    out[156] = '0';
    memcpy(out + 257, "ustar", 6);
    memcpy(out + 263, "00", 2);
    memset(out + 148, ' ', 8);
    unsigned long sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += out[i];
    snprintf((char *)out + 148, 8, "%06lo", sum);
    memcpy(out + 512, body, len);
    return total;
}

static struct sk_engine *engine_with(const char *rules, const struct sk_limits *limits)
{
    struct sk_engine_config config = {
        .rule_paths = &rules, .n_rule_paths = 1, .unpackers = sk_unpackers};
    if (limits)
        config.limits = *limits;
    else
        sk_limits_default(&config.limits);
    struct sk_engine *engine = NULL;
    char err[512];
    if (sk_engine_new(&config, &engine, err, sizeof err) != 0)
        fprintf(stderr, "engine: %s\n", err);
    return engine;
}

static struct sk_job *scan(struct sk_worker *w, const void *p, size_t n, const char *name)
{
    struct sk_request req = {.id = name, .name = name, .data = p, .size = n};
    struct sk_job *job = NULL;
    CHECK_EQ_INT(sk_scan(w, &req, &job), 0);
    return job;
}

static void clean_tar_passes(struct sk_worker *w)
{
    static uint8_t tar[4096];
    size_t n = make_tar(tar, sizeof tar, "notes.txt", "meeting at noon\n");
    struct sk_job *job = scan(w, tar, n, "notes.tar");
    CHECK_EQ_INT(sk_job_verdict(job), SK_VERDICT_PASS);
    char *json = sk_job_json(job);
    CHECK(json && strstr(json, "\"name\":\"notes.txt\"") != NULL);
    CHECK(json && strstr(json, "\"type\":\"tar\"") != NULL);
    CHECK(json && strstr(json, "\"verdict\":\"pass\"") != NULL);
    free(json);
    sk_job_free(job);
}

static void bad_rules_are_refused(const char *rules_dir)
{
    (void)rules_dir;
    const char *bad = "/dev/null/no-such-rules.yar";
    struct sk_engine_config config = {.rule_paths = &bad, .n_rule_paths = 1};
    sk_limits_default(&config.limits);
    struct sk_engine *engine = NULL;
    char err[512] = "";
    CHECK(sk_engine_new(&config, &engine, err, sizeof err) != 0);
    CHECK(engine == NULL);
    CHECK(strstr(err, "no-such-rules") != NULL);
}

/* Every allocation of a scan fails in turn: the verdict is never pass until
 * the failure point lies past the scan's last allocation, and from there on
 * it always is. */
static void allocation_failures_fail_closed(struct sk_worker *w)
{
    static uint8_t tar[4096];
    size_t n = make_tar(tar, sizeof tar, "notes.txt", "meeting at noon\n");
    long first_pass = -1;
    for (long k = 0; k < 400; k++) {
        sk_worker_inject_alloc_failure(w, k);
        struct sk_job *job = scan(w, tar, n, "notes.tar");
        enum sk_verdict v = sk_job_verdict(job);
        if (v == SK_VERDICT_PASS && first_pass < 0)
            first_pass = k;
        if (first_pass >= 0 && v != SK_VERDICT_PASS) {
            fprintf(stderr, "failure at allocation %ld after a pass at %ld\n", k, first_pass);
            CHECK(0);
        }
        if (v != SK_VERDICT_PASS) {
            char codes[256];
            sk_job_reason_codes(job, codes, sizeof codes);
            CHECK(strstr(codes, "error.internal") != NULL);
        }
        sk_job_free(job);
    }
    CHECK(first_pass > 3); /* the first allocations are always made */
    sk_worker_inject_alloc_failure(w, -1);
}

static void request_limit_refuses_without_reading(const char *rules)
{
    struct sk_limits limits;
    sk_limits_default(&limits);
    limits.max_request_bytes = 16;
    struct sk_engine *engine = engine_with(rules, &limits);
    struct sk_worker *w = NULL;
    CHECK_EQ_INT(sk_worker_new(engine, &w), 0);
    /* data is NULL: the engine must not touch it when over the limit */
    struct sk_request req = {.id = "big", .name = "big", .data = NULL, .size = 17};
    struct sk_job *job = NULL;
    CHECK_EQ_INT(sk_scan(w, &req, &job), 0);
    CHECK_EQ_INT(sk_job_verdict(job), SK_VERDICT_SANDBOX);
    CHECK(sk_job_has_error(job));
    char codes[128];
    sk_job_reason_codes(job, codes, sizeof codes);
    CHECK_EQ_STR(codes, "limit.size");
    sk_job_free(job);
    sk_worker_free(w);
    sk_engine_free(engine);
}

/* An engine built from a bundle (what serve's parent hands its scanners)
 * scans as one built from the files: the rules, the policy and the
 * password rules all crossed; a damaged bundle and bad files are refused. */
static void engine_bundles(const char *rules)
{
    static const char eicar[] =
        "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    static uint8_t blob[4096];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 7 + 1);
    char policy[64], passwords[64], broken[64];
    snprintf(policy, sizeof policy, "%s", check_write_temp("content.unknown = pass\n"));
    snprintf(passwords, sizeof passwords, "%s", check_write_temp("Kennwort: \t\\S+\n"));
    snprintf(broken, sizeof broken, "%s", check_write_temp("content.unknown = maybe\n"));
    struct sk_engine_config config = {.rule_paths = &rules,
                                      .n_rule_paths = 1,
                                      .policy_path = policy,
                                      .password_rules_path = passwords,
                                      .unpackers = sk_unpackers};
    sk_limits_default(&config.limits);
    char err[512] = "";
    uint8_t *bundle = NULL;
    size_t len = 0;
    CHECK_EQ_INT(sk_engine_bundle_build(&config, &bundle, &len, err, sizeof err), 0);
    CHECK(bundle != NULL && len > 32);
    /* The password rules travel as their bytes (no API shows them after). */
    CHECK(bundle && memmem(bundle, len, "Kennwort: \t\\S+", 14) != NULL);
    struct sk_engine *from_files = NULL, *from_bundle = NULL;
    CHECK_EQ_INT(sk_engine_new(&config, &from_files, err, sizeof err), 0);
    CHECK_EQ_INT(sk_engine_from_bundle(bundle, len, &config.limits, sk_unpackers, &from_bundle,
                                       err, sizeof err),
                 0);
    if (from_files && from_bundle) {
        CHECK_EQ_INT(sk_engine_rule_count(from_bundle), sk_engine_rule_count(from_files));
        CHECK(sk_engine_rule_count(from_bundle) > 0);
        struct sk_worker *w = NULL;
        CHECK_EQ_INT(sk_worker_new(from_bundle, &w), 0);
        struct sk_job *job = scan(w, eicar, strlen(eicar), "eicar.com");
        CHECK_EQ_INT(sk_job_verdict(job), SK_VERDICT_BLOCK); /* the rules crossed */
        sk_job_free(job);
        job = scan(w, blob, sizeof blob, "blob.bin");
        CHECK_EQ_INT(sk_job_verdict(job), SK_VERDICT_PASS); /* the policy crossed */
        sk_job_free(job);
        sk_worker_free(w);
    }
    sk_engine_free(from_files);
    sk_engine_free(from_bundle);
    /* Damage: cut short, a byte more, another magic; each refused. */
    struct sk_engine *bad = NULL;
    CHECK_EQ_INT(sk_engine_from_bundle(bundle, len - 1, &config.limits, sk_unpackers, &bad, err,
                                       sizeof err),
                 SK_ECORRUPT);
    uint8_t *longer = malloc(len + 1);
    if (longer) {
        memcpy(longer, bundle, len);
        longer[len] = 0;
        CHECK_EQ_INT(sk_engine_from_bundle(longer, len + 1, &config.limits, sk_unpackers, &bad,
                                           err, sizeof err),
                     SK_ECORRUPT);
        free(longer);
    }
    bundle[0] = 'X';
    CHECK_EQ_INT(
        sk_engine_from_bundle(bundle, len, &config.limits, sk_unpackers, &bad, err, sizeof err),
        SK_ECORRUPT);
    CHECK(bad == NULL);
    free(bundle);
    /* Bad files: refused by the builder, in sk_engine_new's words. */
    config.policy_path = broken;
    bundle = NULL;
    CHECK(sk_engine_bundle_build(&config, &bundle, &len, err, sizeof err) != 0);
    CHECK(bundle == NULL && strstr(err, "line 1") != NULL);
    config.policy_path = policy;
    config.password_rules_path = broken; /* no tabs: not a rule */
    CHECK(sk_engine_bundle_build(&config, &bundle, &len, err, sizeof err) != 0);
    CHECK(bundle == NULL && strstr(err, "line 1") != NULL);
    config.policy_path = "/nonexistent/policy.conf";
    CHECK(sk_engine_bundle_build(&config, &bundle, &len, err, sizeof err) != 0);
    CHECK(strstr(err, "cannot open policy file") != NULL);
    unlink(policy);
    unlink(passwords);
    unlink(broken);
}

/* A message's facts for PPAP correlation: the root message's own fields,
 * addresses lowercased (a group's members too), ids without brackets, the
 * mail's candidates and not the built-in list; a forwarded message inside
 * is not the root; a bare file has no facts. */
static void mail_facts(struct sk_worker *w)
{
    static const char mail[] =
        "From: \"Alice\" <Alice@Example.JP>\r\n"
        "To: Bob <BOB@example.com>, team: Carol <carol@example.org>, dan@example.net;\r\n"
        "Cc: eve@example.com\r\n"
        "Subject: =?UTF-8?B?44OR44K544Ov44O844OJ?=\r\n"
        "Message-ID: <abc-2@example.jp>\r\n"
        "In-Reply-To: <abc-1@example.jp>\r\n"
        "References: <root@example.jp> <abc-1@example.jp>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPW: Zq7-ppap-9\r\n"
        "--b\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: inner@evil.example\r\nTo: x@evil.example\r\nMessage-ID: <inner@evil>\r\n\r\nhi\r\n"
        "--b--\r\n";
    struct sk_job *job = scan(w, mail, sizeof mail - 1, "m");
    struct sk_mail_facts f;
    sk_job_mail_facts(job, &f);
    CHECK(f.from && strcmp(f.from, "alice@example.jp") == 0);
    CHECK_EQ_INT((long)f.n_rcpts, 4);
    static const char *const rcpts[] = {"bob@example.com", "carol@example.org",
                                        "dan@example.net", "eve@example.com"};
    for (size_t i = 0; i < 4; i++) {
        bool found = false;
        for (size_t k = 0; k < f.n_rcpts; k++)
            found |= strcmp(f.rcpts[k], rcpts[i]) == 0;
        CHECK(found);
    }
    CHECK(f.message_id && strcmp(f.message_id, "abc-2@example.jp") == 0);
    CHECK(f.in_reply_to && strcmp(f.in_reply_to, "abc-1@example.jp") == 0);
    CHECK_EQ_INT((long)f.n_references, 2);
    CHECK(f.n_references == 2 && strcmp(f.references[0], "root@example.jp") == 0);
    CHECK(f.subject && strcmp(f.subject, "パスワード") == 0);
    bool has_pw = false;
    for (size_t i = 0; i < f.n_candidates; i++) {
        has_pw |= strcmp(f.candidates[i], "Zq7-ppap-9") == 0;
        CHECK(strcmp(f.candidates[i], "infected") != 0); /* built-in: not the mail's */
    }
    CHECK(has_pw);
    CHECK(!f.held);
    sk_job_free(job);
    static const char text[] = "just some text\n";
    job = scan(w, text, sizeof text - 1, "t.txt");
    sk_job_mail_facts(job, &f);
    CHECK(f.from == NULL && f.n_rcpts == 0 && f.message_id == NULL);
    sk_job_free(job);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_engine RULES_DIR\n");
        return 2;
    }
    struct sk_engine *engine = engine_with(argv[1], NULL);
    struct sk_worker *w = NULL;
    CHECK(engine != NULL);
    if (!engine || sk_worker_new(engine, &w) != 0)
        return check_exit("engine");
    clean_tar_passes(w);
    allocation_failures_fail_closed(w);
    bad_rules_are_refused(argv[1]);
    request_limit_refuses_without_reading(argv[1]);
    engine_bundles(argv[1]);
    mail_facts(w);
    sk_worker_free(w);
    sk_engine_free(engine);
    return check_exit("engine");
}
