/* clamd reply names (daemon/clamd_name.c): one anchored regex, ^Heuristics\.,
 * must tell hold (sandbox) from reject (block) for every name we send, so
 * that rspamd, Exim, amavis and clamav-milter can act on the verdict.
 *
 * Real scans through the engine with made-up rules (a sandbox-level rule, a
 * block-level rule, a rule without a verdict) and a policy file that turns
 * sandbox-level reasons into block, written to a private folder here. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "daemon/run.h"
#include "unpackers/registry.h"

static const char rules_text[] =
    "rule Held_Rule { meta: verdict = \"sandbox\" strings: $a = \"HOLD-ME-7f3a\" condition: $a "
    "}\n"
    "rule Rejected_Rule { meta: verdict = \"block\" strings: $a = \"REJECT-ME-7f3a\" "
    "condition: "
    "$a }\n"
    "rule No_Verdict_Rule { strings: $a = \"PLAIN-RULE-7f3a\" condition: $a }\n";

static char dir[] = "/tmp/sekisho-clamd-name-XXXXXX";

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static struct sk_engine *engine_with(const char *policy)
{
    char rules[256], policy_path[256];
    snprintf(rules, sizeof rules, "%s/local.yar", dir);
    snprintf(policy_path, sizeof policy_path, "%s/%s", dir, policy ? policy : "");
    const char *paths[] = {rules};
    struct sk_engine_config config = {.rule_paths = paths,
                                      .n_rule_paths = 1,
                                      .policy_path = policy ? policy_path : NULL,
                                      .unpackers = sk_unpackers};
    sk_limits_default(&config.limits);
    struct sk_engine *engine = NULL;
    char err[512];
    if (sk_engine_new(&config, &engine, err, sizeof err) != 0)
        fprintf(stderr, "engine: %s\n", err);
    CHECK(engine != NULL);
    return engine;
}

/* Scans bytes and checks the verdict, the name, and the regex's answer. */
static void expect(struct sk_worker *w, const void *p, size_t n, const struct sk_limits *limits,
                   enum sk_verdict verdict, const char *name)
{
    struct sk_request req = {
        .id = "t", .name = "t.bin", .data = p, .size = n, .limits = limits};
    struct sk_job *job = NULL;
    CHECK_EQ_INT(sk_scan(w, &req, &job), 0);
    if (!job)
        return;
    char got[256];
    sk_clamd_name(job, got, sizeof got);
    CHECK_EQ_INT(sk_job_verdict(job), verdict);
    CHECK_EQ_STR(got, name);
    bool held = strncmp(got, "Heuristics.", 11) == 0;
    CHECK_EQ_INT(held, sk_job_verdict(job) == SK_VERDICT_SANDBOX);
    sk_job_free(job);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    write_file("local.yar", rules_text);
    /* every sandbox-level default made block, as an operator may */
    write_file("strict.policy", "content.unknown = block\nlimit.* = block\n");
    static const uint8_t binary[] = {0x00, 0x13, 0x88, 0xfe, 0x01,
                                     0x00, 0x7f, 0x80, 0x00, 0x01};
    const char *hold = "memo: HOLD-ME-7f3a\n", *reject = "memo: REJECT-ME-7f3a\n",
               *plain = "memo: PLAIN-RULE-7f3a\n";

    struct sk_engine *engine = engine_with(NULL);
    struct sk_worker *w = NULL;
    if (!engine || sk_worker_new(engine, &w) != 0)
        return check_exit("clamd_name");
    struct sk_limits tiny = *sk_engine_limits(engine);
    tiny.max_request_bytes = 4;
    expect(w, hold, strlen(hold), NULL, SK_VERDICT_SANDBOX, "Heuristics.Sekisho.Held_Rule");
    expect(w, reject, strlen(reject), NULL, SK_VERDICT_BLOCK, "Sekisho.Rejected_Rule");
    expect(w, plain, strlen(plain), NULL, SK_VERDICT_SANDBOX,
           "Heuristics.Sekisho.No_Verdict_Rule");
    expect(w, binary, sizeof binary, NULL, SK_VERDICT_SANDBOX,
           "Heuristics.Sekisho.content.unknown");
    expect(w, plain, strlen(plain), &tiny, SK_VERDICT_SANDBOX,
           "Heuristics.Limits.Exceeded.size");
    /* S/MIME enveloped-data (openssl cms -encrypt -outform PEM) and an
     * OpenPGP message whose first packet is a public-key session key */
    static const char smime[] =
        "-----BEGIN CMS-----\n"
        "MIIBFQYJKoZIhvcNAQcDoIIBBjCCAQICAQAxgb4wgbsCAQAwJDAMMQowCAYDVQQD\n"
        "DAF0AhQtGLzaoJEVA3lO2PlLq/JVemeCRzANBgkqhkiG9w0BAQEFAASBgIWV/R/E\n"
        "5ZhyxpodmTqcchecZRSAnwOQvMJdv5VHEtexPs7zJUeeMwhXqXXBal9bNL8FynJQ\n"
        "/9LQ7KsQPRl1lSmenTAUHQlgRDBKz88M47+7Ec4ubkPScvVzP1a2GAhQCwrs0Rt/\n"
        "NCwouI/cQ9VxKwr3Z1alrPBgcgK7aWKwpFZoMDwGCSqGSIb3DQEHATAdBglghkgB\n"
        "ZQMEAQIEEGsPMjH8+K+rokGkPoPWmaKAEHTe+LSr2ZCzxoI9GYjNjH0=\n"
        "-----END CMS-----\n";
    expect(w, smime, strlen(smime), NULL, SK_VERDICT_SANDBOX, "Heuristics.Encrypted.SMIME");
    static const char pgp[] = "-----BEGIN PGP MESSAGE-----\n\nhQEMA1bcZ0gIXh8eAQf/Yw==\n=abcd\n"
                              "-----END PGP MESSAGE-----\n";
    expect(w, pgp, strlen(pgp), NULL, SK_VERDICT_SANDBOX, "Heuristics.Encrypted.PGP");
    sk_worker_free(w);
    sk_engine_free(engine);

    engine = engine_with("strict.policy");
    if (!engine || sk_worker_new(engine, &w) != 0)
        return check_exit("clamd_name");
    tiny = *sk_engine_limits(engine);
    tiny.max_request_bytes = 4;
    expect(w, binary, sizeof binary, NULL, SK_VERDICT_BLOCK, "Sekisho.content.unknown");
    expect(w, plain, strlen(plain), &tiny, SK_VERDICT_BLOCK, "Sekisho.Limits.Exceeded.size");
    expect(w, hold, strlen(hold), NULL, SK_VERDICT_SANDBOX, "Heuristics.Sekisho.Held_Rule");
    sk_worker_free(w);
    sk_engine_free(engine);

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_exit("clamd_name");
}
