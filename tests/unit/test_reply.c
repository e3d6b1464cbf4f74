/* daemon/reply.c: the exact bytes of every reply shape, with and without
 * the clamd IDSESSION prefix, with '\n' and '\0' as delimiter. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "daemon/reply.h"

/* Compares a built reply with the expected bytes (NULs included) and frees
 * it. */
#define CHECK_BYTES(rc, out, len, want)                                                        \
    do {                                                                                       \
        static const char want_bytes[] = want;                                                 \
        CHECK_EQ_INT(rc, 0);                                                                   \
        CHECK_EQ_INT(len, sizeof want_bytes - 1);                                              \
        CHECK((out) != NULL && len == sizeof want_bytes - 1 &&                                 \
              memcmp(out, want_bytes, len) == 0);                                              \
        if (out && (len != sizeof want_bytes - 1 || memcmp(out, want_bytes, len) != 0))        \
            fprintf(stderr, "  got: %.*s\n", (int)len, out);                                   \
        free(out);                                                                             \
        out = NULL;                                                                            \
        len = 0;                                                                               \
    } while (0)

static void test_clamd(void)
{
    const struct sk_clamd_frame plain = {.session_seq = 0, .delim = '\n'};
    const struct sk_clamd_frame zplain = {.session_seq = 0, .delim = '\0'};
    const struct sk_clamd_frame session = {.session_seq = 7, .delim = '\n'};
    const struct sk_clamd_frame zsession = {.session_seq = 12, .delim = '\0'};
    char *out = NULL;
    size_t len = 0;
    int rc;

    rc = sk_reply_clamd_text(&plain, "PONG", &out, &len);
    CHECK_BYTES(rc, out, len, "PONG\n");
    rc = sk_reply_clamd_text(&zsession, "PONG", &out, &len);
    CHECK_BYTES(rc, out, len, "12: PONG\0");
    rc = sk_reply_clamd_ok(&plain, "stream", &out, &len);
    CHECK_BYTES(rc, out, len, "stream: OK\n");
    rc = sk_reply_clamd_ok(&session, "/m/a.zip", &out, &len);
    CHECK_BYTES(rc, out, len, "7: /m/a.zip: OK\n");
    rc = sk_reply_clamd_found(&zplain, "stream", "Sekisho.Test", &out, &len);
    CHECK_BYTES(rc, out, len, "stream: Sekisho.Test FOUND\0");
    rc = sk_reply_clamd_found(&session, "fd[5]", "Heuristics.Encrypted.Zip", &out, &len);
    CHECK_BYTES(rc, out, len, "7: fd[5]: Heuristics.Encrypted.Zip FOUND\n");
    rc = sk_reply_clamd_error(&plain, "/nope", "No such file or directory", &out, &len);
    CHECK_BYTES(rc, out, len, "/nope: No such file or directory ERROR\n");
    rc = sk_reply_clamd_error(&zsession, "/nope", "Permission denied", &out, &len);
    CHECK_BYTES(rc, out, len, "12: /nope: Permission denied ERROR\0");
    rc = sk_reply_clamd_busy(&session, "stream", &out, &len);
    CHECK_BYTES(rc, out, len, "7: stream: Heuristics.Limits.Exceeded.Busy FOUND\n");
    rc = sk_reply_clamd_busy(&zplain, "/m/x", &out, &len);
    CHECK_BYTES(rc, out, len, "/m/x: Heuristics.Limits.Exceeded.Busy FOUND\0");
    rc = sk_reply_clamd_maxbytes(&plain, "stream", &out, &len);
    CHECK_BYTES(rc, out, len, "stream: Heuristics.Limits.Exceeded.MaxBytes FOUND\n");
    rc = sk_reply_clamd_maxbytes(&zsession, "stream", &out, &len);
    CHECK_BYTES(rc, out, len, "12: stream: Heuristics.Limits.Exceeded.MaxBytes FOUND\0");
    /* The reply the review found without its prefix (issue 15, item 6). */
    rc = sk_reply_clamd_fail_closed(&session, "/m/a.txt", &out, &len);
    CHECK_BYTES(rc, out, len, "7: /m/a.txt: Heuristics.Sekisho.error.internal FOUND\n");
    rc = sk_reply_clamd_fail_closed(&zsession, "stream", &out, &len);
    CHECK_BYTES(rc, out, len, "12: stream: Heuristics.Sekisho.error.internal FOUND\0");
    rc = sk_reply_clamd_fail_closed(&plain, "stream", &out, &len);
    CHECK_BYTES(rc, out, len, "stream: Heuristics.Sekisho.error.internal FOUND\n");
    rc = sk_reply_clamd_version(&plain, "1.2.3", 4, false, &out, &len);
    CHECK_BYTES(rc, out, len, "Sekisho 1.2.3/4\n");
    rc = sk_reply_clamd_version(&zsession, "1.2.3", 4, true, &out, &len);
    CHECK_BYTES(rc, out, len,
                "12: Sekisho 1.2.3/4| COMMANDS: SCAN CONTSCAN MULTISCAN ALLMATCHSCAN INSTREAM "
                "FILDES STATS IDSESSION END VERSION VERSIONCOMMANDS PING\0");
    const struct sk_reply_stats st = {.requests = 10,
                                      .busy = 2,
                                      .in_flight = 3,
                                      .workers = 4,
                                      .idle_timeout_ms = 120000,
                                      .uptime_s = 65.4,
                                      .scanners_alive = 3,
                                      .scanners_busy = 1,
                                      .scanners_restarts = 9,
                                      .scanners_ended = {2, 1, 1, 4, 1, 5}};
    rc = sk_reply_clamd_stats(&session, &st, &out, &len);
    CHECK_BYTES(rc, out, len,
                "7: POOLS: 1\n\nSTATE: VALID PRIMARY\nTHREADS: live 3  idle 2 max 4 "
                "idle-timeout 120\nQUEUE: 3 items\nREQUESTS: 10\nBUSY: 2\nUPTIME: 65\n"
                "SCANNERS: alive 3 busy 1 restarted 9 (signal 2, memory 1, watchdog 1, exit 4, "
                "start 1)\n\nEND\n");

    /* A directory scan appends line after line to one reply. */
    rc = sk_reply_clamd_found(&zsession, "/d/a", "Sekisho.X", &out, &len);
    CHECK_EQ_INT(rc, 0);
    rc = sk_reply_clamd_error(&zsession, "/d/b", "Permission denied", &out, &len);
    CHECK_EQ_INT(rc, 0);
    rc = sk_reply_clamd_ok(&zsession, "/d", &out, &len);
    CHECK_BYTES(
        rc, out, len,
        "12: /d/a: Sekisho.X FOUND\00012: /d/b: Permission denied ERROR\00012: /d: OK\0");
}

static void test_native(void)
{
    char *out = NULL;
    size_t len = 0;
    int rc;

    rc = sk_reply_native_verdict("{\"id\":\"a\",\"verdict\":\"pass\"}", &out, &len);
    CHECK_BYTES(rc, out, len, "{\"id\":\"a\",\"verdict\":\"pass\"}\n");
    rc =
        sk_reply_native_error("r1", "busy", "--queue-bytes are taken; retry later", &out, &len);
    CHECK_BYTES(rc, out, len,
                "{\"id\":\"r1\",\"error\":{\"code\":\"busy\",\"message\":\"--queue-bytes are "
                "taken; retry later\"}}\n");
    rc = sk_reply_native_error(NULL, "too_large", "size over --max-bytes", &out, &len);
    CHECK_BYTES(rc, out, len,
                "{\"id\":null,\"error\":{\"code\":\"too_large\",\"message\":\"size over "
                "--max-bytes\"}}\n");
    rc = sk_reply_native_error(NULL, "bad_request", "header line too long", &out, &len);
    CHECK_BYTES(rc, out, len,
                "{\"id\":null,\"error\":{\"code\":\"bad_request\",\"message\":\"header line "
                "too long\"}}\n");
    rc = sk_reply_native_fail_closed("f1", "out of memory while reporting", &out, &len);
    CHECK_BYTES(rc, out, len,
                "{\"id\":\"f1\",\"verdict\":\"sandbox\",\"reasons\":[{\"code\":\"error."
                "internal\",\"verdict\":\"sandbox\",\"path\":\"\",\"detail\":\"out of memory "
                "while reporting\"}]}\n");
    const struct sk_reply_scanner list[2] = {{.pid = 41, .slot = 0, .busy = true, .generation = 16, .requests = 5},
                                             {.pid = 42, .slot = 1, .generation = 15}};
    const struct sk_reply_stats st = {.requests = 1,
                                      .bytes = 2,
                                      .verdicts = {3, 4, 5},
                                      .errors = 6,
                                      .busy = 7,
                                      .in_flight = 8,
                                      .queue = 9,
                                      .waiting = 10,
                                      .held_bytes = 11,
                                      .queue_bytes = 12,
                                      .connections = 13,
                                      .connections_total = 14,
                                      .workers = 15,
                                      .rules_generation = 16,
                                      .uptime_s = 1.5,
                                      .scanners_alive = 2,
                                      .scanners_busy = 1,
                                      .scanners_restarts = 3,
                                      .scanners_ended = {1, 0, 2, 0, 0, 4},
                                      .scanners_last_end = "scanner 1 (pid 9): killed",
                                      .scanner_list = list,
                                      .n_scanner_list = 2,
                                      .correlation = true,
                                      .store_up = true,
                                      .held = 17,
                                      .unlocked = 18,
                                      .tried = 19,
                                      .correlation_lost = 20,
                                      .store_entries = 21,
                                      .store_bytes = 22,
                                      .store_errors = 23};
    rc = sk_reply_native_stats("s", &st, &out, &len);
    CHECK_BYTES(
        rc, out, len,
        "{\"id\":\"s\",\"stats\":{\"requests\":1,\"bytes\":2,\"verdicts\":{\"pass\":3,"
        "\"sandbox\":4,\"block\":5},\"errors\":6,\"busy\":7,\"in_flight\":8,\"queue\":9,"
        "\"waiting\":10,\"held_bytes\":11,\"queue_bytes\":12,\"connections\":13,"
        "\"connections_total\":14,\"workers\":15,\"rules_generation\":16,\"uptime_s\":"
        "1.5,\"correlation\":{\"on\":true,\"held\":17,\"unlocked\":18,\"tried\":19,"
        "\"lost\":20,\"store\":{\"up\":true,\"entries\":21,\"bytes\":22,\"errors\":23}},"
        "\"scanners\":{\"configured\":15,\"alive\":2,\"busy\":1,\"generation\":16,"
        "\"restarts\":3,\"ended\":{\"signal\":1,\"memory\":0,\"watchdog\":2,\"exit\":0,"
        "\"start\":0,\"retired\":4},\"last_end\":\"scanner 1 (pid 9): killed\",\"list\":["
        "{\"slot\":0,\"pid\":41,\"busy\":true,\"generation\":16,\"requests\":5},"
        "{\"slot\":1,\"pid\":42,\"busy\":false,\"generation\":15,\"requests\":0}]}}}\n");
    CHECK_EQ_INT(sizeof SK_REPLY_NATIVE_INTERNAL - 1, strlen(SK_REPLY_NATIVE_INTERNAL));
    CHECK(SK_REPLY_NATIVE_INTERNAL[sizeof SK_REPLY_NATIVE_INTERNAL - 2] == '\n');
}

int main(void)
{
    test_clamd();
    test_native();
    return check_exit("reply");
}
