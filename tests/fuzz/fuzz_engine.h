/* The engine every fuzz target shares: made once per process, as a daemon
 * would, with limits tightened so that one input cannot take seconds or
 * hundreds of MiB (libFuzzer's -timeout and -rss_limit_mb then flag only
 * real hangs and leaks). */
#ifndef SK_FUZZ_ENGINE_H
#define SK_FUZZ_ENGINE_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine/sekisho.h"
#include "fuzz_touch.h"
#include "unpackers/registry.h"

/* A GLib critical is a programming error of ours (a NULL where GLib wants a
 * string): a finding, not a log line. abort(), which libFuzzer catches, and
 * not GLib's own fatal path (SIGTRAP), which it does not. */
static inline void sk_fuzz_glib_log(const gchar *domain, GLogLevelFlags level,
                                    const gchar *message, gpointer data)
{
    g_log_default_handler(domain, level, message, data);
    if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
        abort();
}

/* rules: a YARA rules folder or NULL (none); password_rules: an operators'
 * password rules file or NULL. */
static inline struct sk_worker *sk_fuzz_worker(const char *rules, const char *password_rules)
{
    static struct sk_engine *engine;
    static struct sk_worker *worker;
    if (worker)
        return worker;
    g_log_set_default_handler(sk_fuzz_glib_log, NULL);
    struct sk_engine_config config = {
        .rule_paths = &rules,
        .n_rule_paths = rules ? 1 : 0,
        .password_rules_path = password_rules,
        .unpackers = sk_unpackers,
    };
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

/* A request for the input, with two password candidates given. */
static inline struct sk_request sk_fuzz_request(const uint8_t *data, size_t size)
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
    return req;
}

#endif
