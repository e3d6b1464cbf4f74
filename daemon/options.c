/* `sekisho serve`'s options: the table, their parsing and defaults. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/files.h"
#include "../common/options.h"
#include "options.h"
#include "sandbox.h"

#define SK_DAEMON_MAX_REQUEST (4ull << 30) /* --max-bytes ceiling: one buffer per request */

static void usage(FILE *out)
{
    fputs("usage: sekisho serve [options]\n"
          "  --socket PATH           Unix socket (default " SK_DEFAULT_SOCKET
          ", or systemd's LISTEN_FDS)\n"
          "  --tcp [HOST:]PORT       also listen on TCP (a port alone: 127.0.0.1)\n"
          "  --workers N             scanning threads (default: cores)\n"
          "  --queue N               requests in flight (received, queued or scanned);\n"
          "                          more wait unread in the socket (default 100, at least\n"
          "                          4 x workers)\n"
          "  --queue-bytes N         request bytes held in memory before `busy` (default\n"
          "                          1G, at least --max-bytes)\n"
          "  --queue-timeout SECONDS a request that waited this long for a slot or a\n"
          "                          worker gets `busy` (default 10)\n"
          "  --read-timeout SECONDS  drop a half-sent request idle this long (default 30)\n"
          "  --idle-timeout SECONDS  close a connection with nothing in flight idle this\n"
          "                          long (default 120)\n"
          "  --rules PATH            add a .yar file or a folder of them (repeatable)\n"
          "  --no-bundled-rules      do not load the bundled rules/\n"
          "  --policy FILE           verdict overrides\n"
          "  --password-rules FILE   operator password rules\n"
          "  --max-depth N, --max-bytes N, --max-total-bytes N, --max-node-bytes N,\n"
          "  --max-nodes N, --max-ratio N, --timeout SECONDS   limits, as for scan\n"
          "  --no-hash               skip the SHA-256 of each node\n"
          "  --cache-bytes N         node cache of each scanner process (default 64M;\n"
          "                          0: off; off with --no-hash)\n"
          "  --user NAME             started as root: serve as NAME "
          "(default " SK_SANDBOX_DEFAULT_USER "),\n"
          "                          with NAME's own supplementary groups\n"
          "  --group GROUP           started as root: primary group (default NAME's)\n"
          "  --socket-owner USER     owner of the bound socket (default: the serving user)\n"
          "  --socket-group GROUP    group of the bound socket (default: the serving group)\n"
          "  --socket-mode MODE      octal mode of the bound socket (default 0660)\n"
          "  --no-sandbox            no seccomp filter (the root drop still happens)\n"
          "  --scanner-memory N      address-space cap of each scanner process (RLIMIT_AS;\n"
          "                          default 4G + --cache-bytes, more when 2 x --max-bytes\n"
          "                          + --max-total-bytes + 1G + --cache-bytes needs it;\n"
          "                          0: none)\n"
          "  --store SPEC            where messages awaiting a password in a later mail\n"
          "                          are held: memory (default), redis://HOST:PORT[/DB]\n"
          "                          or unix:/PATH (Redis; shared by a pool of instances)\n"
          "  --store-window SECONDS  how long a message is held (default 3600)\n"
          "  --store-max-entries N   messages held at once (default 10000)\n"
          "  --store-max-bytes N     their bytes (default 256M)\n"
          "  --unlock-budget SECONDS a follow-up's extra time for trying held messages\n"
          "                          (default 5)\n"
          "  --no-correlate          hold nothing, try nothing (PPAP correlation off)\n"
          "  --secret-file PATH      native requests over TCP must carry this secret;\n"
          "                          without it, `verdict` requests over TCP are refused\n"
          "  --milter SOCKET         also serve the milter protocol (Postfix, Sendmail) on\n"
          "                          unix:PATH or inet:PORT[@HOST] (HOST: 127.0.0.1)\n"
          "  --milter-action VERDICT=ACTION   what the milter does (repeatable): VERDICT\n"
          "                          pass, sandbox, block or error (a failed scan, busy,\n"
          "                          over --max-bytes); ACTION accept, reject (550 5.7.1),\n"
          "                          tempfail (451 4.7.1) or quarantine (the MTA's hold\n"
          "                          queue); default pass=accept sandbox=quarantine\n"
          "                          block=reject error=tempfail\n",
          out);
}

enum {
    OPT_SOCKET = 256,
    OPT_TCP,
    OPT_WORKERS,
    OPT_QUEUE,
    OPT_QUEUE_BYTES,
    OPT_QUEUE_TIMEOUT,
    OPT_READ_TIMEOUT,
    OPT_IDLE_TIMEOUT,
    OPT_USER,
    OPT_GROUP,
    OPT_SOCKET_OWNER,
    OPT_SOCKET_GROUP,
    OPT_SOCKET_MODE,
    OPT_NO_SANDBOX,
    OPT_SCANNER_MEMORY,
    OPT_STORE,
    OPT_STORE_WINDOW,
    OPT_STORE_MAX_ENTRIES,
    OPT_STORE_MAX_BYTES,
    OPT_UNLOCK_BUDGET,
    OPT_NO_CORRELATE,
    OPT_SECRET_FILE,
    OPT_MILTER,
    OPT_MILTER_ACTION,
    OPT_HELP
};

static const struct option long_options[] = {
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"tcp", required_argument, NULL, OPT_TCP},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"queue", required_argument, NULL, OPT_QUEUE},
    {"queue-bytes", required_argument, NULL, OPT_QUEUE_BYTES},
    {"queue-timeout", required_argument, NULL, OPT_QUEUE_TIMEOUT},
    {"read-timeout", required_argument, NULL, OPT_READ_TIMEOUT},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    SK_COMMON_LONG_OPTIONS,
    {"user", required_argument, NULL, OPT_USER},
    {"group", required_argument, NULL, OPT_GROUP},
    {"socket-owner", required_argument, NULL, OPT_SOCKET_OWNER},
    {"socket-group", required_argument, NULL, OPT_SOCKET_GROUP},
    {"socket-mode", required_argument, NULL, OPT_SOCKET_MODE},
    {"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
    {"scanner-memory", required_argument, NULL, OPT_SCANNER_MEMORY},
    {"store", required_argument, NULL, OPT_STORE},
    {"store-window", required_argument, NULL, OPT_STORE_WINDOW},
    {"store-max-entries", required_argument, NULL, OPT_STORE_MAX_ENTRIES},
    {"store-max-bytes", required_argument, NULL, OPT_STORE_MAX_BYTES},
    {"unlock-budget", required_argument, NULL, OPT_UNLOCK_BUDGET},
    {"no-correlate", no_argument, NULL, OPT_NO_CORRELATE},
    {"secret-file", required_argument, NULL, OPT_SECRET_FILE},
    {"milter", required_argument, NULL, OPT_MILTER},
    {"milter-action", required_argument, NULL, OPT_MILTER_ACTION},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* --secret-file: the file's first line (no CR/LF), at least
 * SK_DAEMON_MIN_SECRET bytes: a short secret over TCP is a guessable one. */
static int read_secret(struct sk_serve_options *o, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (sk_read_file(path, SK_DAEMON_MAX_SECRET, &text, &len) != 0) {
        fprintf(stderr, "sekisho serve: --secret-file %s: cannot read it (at most %u bytes)\n",
                path, SK_DAEMON_MAX_SECRET);
        return -1;
    }
    len = strcspn(text, "\r\n");
    text[len] = '\0';
    if (len < SK_DAEMON_MIN_SECRET) {
        fprintf(stderr, "sekisho serve: --secret-file %s: its first line must hold at least %u "
                        "bytes\n", path, SK_DAEMON_MIN_SECRET);
        free(text);
        return -1;
    }
    free(o->secret);
    o->secret = text;
    o->secret_len = len;
    return 0;
}

/* A duration option in seconds, kept in milliseconds. */
static int parse_ms(const char *option, const char *arg, unsigned *out_ms)
{
    unsigned long n;
    if (sk_parse_seconds_ms(arg, &n) || n > UINT32_MAX)
        return sk_bad_value("serve", option, arg);
    *out_ms = (unsigned)n;
    return 0;
}

static int parse_option(void *ctx, int opt, const char *arg)
{
    struct sk_serve_options *o = ctx;
    unsigned long n;
    switch (opt) {
    case OPT_SOCKET: o->socket_path = arg; return 0;
    case OPT_TCP: o->tcp = arg; return 0;
    case OPT_WORKERS:
        if (sk_parse_uint(arg, 1024, &n) || n == 0)
            return sk_bad_value("serve", "workers", arg);
        o->workers = (unsigned)n;
        return 0;
    case OPT_QUEUE:
        if (sk_parse_uint(arg, 1u << 20, &n) || n == 0)
            return sk_bad_value("serve", "queue", arg);
        o->queue = (unsigned)n;
        return 0;
    case OPT_QUEUE_BYTES: {
        unsigned long long bytes;
        if (sk_parse_bytes(arg, &bytes) || bytes == 0)
            return sk_bad_value("serve", "queue-bytes", arg);
        o->queue_bytes = (uint64_t)bytes;
        return 0;
    }
    case OPT_QUEUE_TIMEOUT:
        o->queue_timeout_set = true;
        return parse_ms("queue-timeout", arg, &o->queue_timeout_ms);
    case OPT_READ_TIMEOUT: return parse_ms("read-timeout", arg, &o->read_timeout_ms);
    case OPT_IDLE_TIMEOUT: return parse_ms("idle-timeout", arg, &o->idle_timeout_ms);
    case OPT_USER: o->user = arg; return 0;
    case OPT_GROUP: o->group = arg; return 0;
    case OPT_SOCKET_OWNER: o->socket_owner = arg; return 0;
    case OPT_SOCKET_GROUP: o->socket_group = arg; return 0;
    case OPT_SOCKET_MODE: {
        char *end = NULL;
        errno = 0;
        unsigned long mode = strtoul(arg, &end, 8);
        if (errno || !end || end == arg || *end || mode > 07777)
            return sk_bad_value("serve", "socket-mode", arg);
        o->socket_mode = (unsigned)mode;
        o->socket_mode_set = true;
        return 0;
    }
    case OPT_NO_SANDBOX: o->no_sandbox = true; return 0;
    case OPT_SCANNER_MEMORY: {
        unsigned long long bytes;
        if (sk_parse_bytes(arg, &bytes))
            return sk_bad_value("serve", "scanner-memory", arg);
        o->scanner_memory = (uint64_t)bytes;
        o->scanner_memory_set = true;
        return 0;
    }
    case OPT_STORE: o->store = arg; return 0;
    case OPT_STORE_WINDOW: {
        unsigned ms = 0;
        if (parse_ms("store-window", arg, &ms) || ms < 1000)
            return sk_bad_value("serve", "store-window", arg);
        o->store_window_s = ms / 1000u;
        return 0;
    }
    case OPT_STORE_MAX_ENTRIES:
        if (sk_parse_uint(arg, 1u << 24, &n) || n == 0)
            return sk_bad_value("serve", "store-max-entries", arg);
        o->store_max_entries = n;
        return 0;
    case OPT_STORE_MAX_BYTES: {
        unsigned long long bytes;
        if (sk_parse_bytes(arg, &bytes) || bytes == 0)
            return sk_bad_value("serve", "store-max-bytes", arg);
        o->store_max_bytes = (uint64_t)bytes;
        return 0;
    }
    case OPT_UNLOCK_BUDGET:
        o->unlock_budget_set = true;
        return parse_ms("unlock-budget", arg, &o->unlock_budget_ms);
    case OPT_NO_CORRELATE: o->no_correlate = true; return 0;
    case OPT_SECRET_FILE: return read_secret(o, arg);
    case OPT_MILTER: o->milter = arg; return 0;
    case OPT_MILTER_ACTION:
        if (sk_milter_action_option(arg, o->milter_action) != 0)
            return sk_bad_value("serve", "milter-action", arg);
        return 0;
    default: return sk_common_option(&o->common, "serve", opt, arg, SK_DAEMON_MAX_REQUEST);
    }
}

int sk_serve_parse_options(int argc, char **argv, struct sk_serve_options *o)
{
    o->workers = sk_online_cores();
    sk_common_options_init(&o->common);
    sk_milter_actions_default(o->milter_action);
    int rc = sk_getopt_each(argc, argv, long_options, OPT_HELP, usage, parse_option, o);
    if (rc != 0)
        return rc;
    if (optind < argc) {
        usage(stderr);
        return -1;
    }
    /* clamd's MaxQueue (100) is the floor: a gateway's SMTP sessions
     * pipeline more than 4 x workers requests in ordinary load. */
    if (o->queue == 0)
        o->queue =
            4u * o->workers > SK_DAEMON_MIN_QUEUE ? 4u * o->workers : SK_DAEMON_MIN_QUEUE;
    if (o->queue_bytes == 0)
        o->queue_bytes = SK_DAEMON_QUEUE_BYTES;
    /* One request of max-bytes must always fit once the others are done. */
    if (o->queue_bytes < o->common.limits.max_request_bytes)
        o->queue_bytes = o->common.limits.max_request_bytes;
    if (!o->queue_timeout_set)
        o->queue_timeout_ms = SK_DAEMON_QUEUE_TIMEOUT_MS;
    if (!o->socket_mode_set)
        o->socket_mode = 0660;
    if (o->read_timeout_ms == 0)
        o->read_timeout_ms = 30000;
    if (o->idle_timeout_ms == 0)
        o->idle_timeout_ms = 120000;
    if (!o->unlock_budget_set)
        o->unlock_budget_ms = SK_DAEMON_UNLOCK_BUDGET_MS;
    return 0;
}
