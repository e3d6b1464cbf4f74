/* The milter framing and session (daemon/milter.c): frames split at every
 * byte, the negotiation reply, the message as rebuilt from its commands,
 * the bounds (a frame over the maximum, a command before negotiation, a
 * message over max-bytes), forged-header counts and the exact bytes of
 * each end-of-message reply. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "daemon/milter.h"

/* One frame: 4-byte big-endian length, the command, the data. */
static size_t frame(uint8_t *out, char cmd, const void *data, size_t len)
{
    uint32_t n = (uint32_t)len + 1u;
    out[0] = (uint8_t)(n >> 24);
    out[1] = (uint8_t)(n >> 16);
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)n;
    out[4] = (uint8_t)cmd;
    if (len)
        memcpy(out + 5, data, len);
    return len + 5;
}

/* Feeds bytes one at a time; the events seen, in order, into evs (up to
 * max), and how many. */
static size_t feed_bytewise(struct sk_milter *m, const uint8_t *buf, size_t len,
                            enum sk_milter_event *evs, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        enum sk_milter_event ev;
        size_t used = sk_milter_feed(m, buf + i, 1, &ev);
        CHECK(used <= 1);
        i += used ? used : 1;
        if (ev != SK_MEV_NONE && n < max)
            evs[n++] = ev;
        if (ev == SK_MEV_ERROR)
            break;
    }
    return n;
}

static size_t optneg(uint8_t *out, uint32_t actions)
{
    uint8_t d[12] = {0, 0, 0, 6, (uint8_t)(actions >> 24), (uint8_t)(actions >> 16),
                     (uint8_t)(actions >> 8), (uint8_t)actions, 0, 0, 0x01, 0xff};
    return frame(out, 'O', d, sizeof d);
}

static void test_negotiation(void)
{
    struct sk_milter m;
    sk_milter_init(&m, 1024);
    uint8_t buf[64];
    size_t n = optneg(buf, 0x1ff);
    enum sk_milter_event evs[4];
    CHECK_EQ_INT(feed_bytewise(&m, buf, n, evs, 4), 1);
    CHECK_EQ_INT(evs[0], SK_MEV_REPLY);
    /* Version 6, the three actions we use out of those offered, no step declined. */
    static const uint8_t want[] = {0, 0, 0, 13, 'O', 0, 0, 0, 6, 0, 0, 0, 0x31, 0, 0, 0, 0};
    CHECK_EQ_INT(m.out.len, sizeof want);
    CHECK(memcmp(m.out.p, want, sizeof want) == 0);
    sk_milter_free(&m);
}

static void test_message_rebuilt(void)
{
    struct sk_milter m;
    sk_milter_init(&m, 4096);
    uint8_t buf[1024];
    size_t n = optneg(buf, 0x31);
    static const char macro[] = "Mi\0Q1";
    n += frame(buf + n, 'D', macro, sizeof macro);
    n += frame(buf + n, 'M', "<Sato@Example.JP>\0SIZE=10\0", 26);
    n += frame(buf + n, 'R', "<a@x.jp>\0", 9);
    n += frame(buf + n, 'R', "<B@x.jp>\0", 9);
    n += frame(buf + n, 'L', "Subject\0hi\n\tthere\0", 18);
    n += frame(buf + n, 'L', "X-SEKISHO-VERDICT\0pass\0", 23);
    n += frame(buf + n, 'N', NULL, 0);
    n += frame(buf + n, 'B', "body\r\n", 6);
    n += frame(buf + n, 'E', "end\r\n", 5);
    enum sk_milter_event evs[16];
    size_t k = feed_bytewise(&m, buf, n, evs, 16);
    CHECK_EQ_INT(k, 9); /* OPTNEG, MAIL, 2 RCPT, 2 headers, EOH, BODY replies; the end */
    CHECK_EQ_INT(evs[7], SK_MEV_REPLY);
    CHECK_EQ_INT(evs[8], SK_MEV_MESSAGE);
    CHECK_EQ_STR(m.queue_id, "Q1");
    CHECK_EQ_INT(m.forged_verdict, 1);
    size_t len = 0, n_rcpts = 0;
    char *from = NULL, **rcpts = NULL;
    char *msg = sk_milter_take_message(&m, &len, &from, &rcpts, &n_rcpts);
    static const char want[] = "Subject: hi\r\n\tthere\r\nX-SEKISHO-VERDICT: pass\r\n\r\n"
                               "body\r\nend\r\n";
    CHECK_EQ_INT(len, sizeof want - 1);
    CHECK(msg && memcmp(msg, want, sizeof want - 1) == 0);
    CHECK_EQ_STR(from, "sato@example.jp");
    CHECK_EQ_INT(n_rcpts, 2);
    if (n_rcpts == 2) {
        CHECK_EQ_STR(rcpts[0], "a@x.jp");
        CHECK_EQ_STR(rcpts[1], "b@x.jp");
        free(rcpts[0]);
        free(rcpts[1]);
    }
    free(rcpts);
    free(from);
    free(msg);

    /* The reply of a quarantined message: the forged header removed, ours
     * added, the hold queue asked for, then CONTINUE. */
    struct sk_milter_result r = {.action = SK_MILTER_QUARANTINE,
                                 .verdict = "sandbox",
                                 .reasons = "macro.vba"};
    CHECK_EQ_INT(sk_milter_result_reply(&m, &r), 0);
    static const char reply[] =
        "\0\0\0\x18" "m\0\0\0\x01X-Sekisho-Verdict\0\0"
        "\0\0\0\x1b" "hX-Sekisho-Verdict\0sandbox\0"
        "\0\0\0\x1d" "hX-Sekisho-Reasons\0macro.vba\0"
        "\0\0\0\x1c" "qSekisho sandbox: macro.vba\0"
        "\0\0\0\x01" "c";
    CHECK_EQ_INT(m.out.len, sizeof reply - 1);
    CHECK(memcmp(m.out.p, reply, sizeof reply - 1) == 0);
    sk_milter_reset(&m);
    CHECK_EQ_INT(m.forged_verdict, 0);
    CHECK_EQ_STR(m.queue_id, "");
    sk_milter_free(&m);
}

static void test_end_of_body_event(void)
{
    struct sk_milter m;
    sk_milter_init(&m, 4096);
    uint8_t buf[128];
    size_t n = optneg(buf, 0x31);
    n += frame(buf + n, 'E', NULL, 0);
    enum sk_milter_event evs[4];
    CHECK_EQ_INT(feed_bytewise(&m, buf, n, evs, 4), 2);
    CHECK_EQ_INT(evs[1], SK_MEV_MESSAGE);
    sk_milter_free(&m);
}

static void test_bounds(void)
{
    struct sk_milter m;
    uint8_t buf[256];
    enum sk_milter_event evs[4];
    /* A frame over the maximum: an error once its length is read. */
    sk_milter_init(&m, 4096);
    uint32_t big = SK_MILTER_MAX_FRAME + 1u;
    uint8_t head[5] = {(uint8_t)(big >> 24), (uint8_t)(big >> 16), (uint8_t)(big >> 8),
                       (uint8_t)big, 'B'};
    CHECK_EQ_INT(feed_bytewise(&m, head, sizeof head, evs, 4), 1);
    CHECK_EQ_INT(evs[0], SK_MEV_ERROR);
    sk_milter_free(&m);
    /* An empty frame (no command byte). */
    sk_milter_init(&m, 4096);
    static const uint8_t empty[4] = {0, 0, 0, 0};
    CHECK_EQ_INT(feed_bytewise(&m, empty, 4, evs, 4), 1);
    CHECK_EQ_INT(evs[0], SK_MEV_ERROR);
    sk_milter_free(&m);
    /* A command before negotiation. */
    sk_milter_init(&m, 4096);
    size_t n = frame(buf, 'M', "<a@b>\0", 6);
    CHECK_EQ_INT(feed_bytewise(&m, buf, n, evs, 4), 1);
    CHECK_EQ_INT(evs[0], SK_MEV_ERROR);
    sk_milter_free(&m);
    /* A header without its value's NUL. */
    sk_milter_init(&m, 4096);
    n = optneg(buf, 0x31);
    n += frame(buf + n, 'L', "Subject\0hi", 10);
    CHECK_EQ_INT(feed_bytewise(&m, buf, n, evs, 4), 2);
    CHECK_EQ_INT(evs[1], SK_MEV_ERROR);
    sk_milter_free(&m);
    /* A short negotiation. */
    sk_milter_init(&m, 4096);
    n = frame(buf, 'O', "\0\0\0\6", 4);
    CHECK_EQ_INT(feed_bytewise(&m, buf, n, evs, 4), 1);
    CHECK_EQ_INT(evs[0], SK_MEV_ERROR);
    sk_milter_free(&m);
}

static void test_overflow(void)
{
    struct sk_milter m;
    sk_milter_init(&m, 16);
    uint8_t buf[256];
    size_t n = optneg(buf, 0x31);
    n += frame(buf + n, 'B', "0123456789", 10);
    n += frame(buf + n, 'B', "0123456789", 10);
    n += frame(buf + n, 'E', NULL, 0);
    enum sk_milter_event evs[8];
    size_t k = feed_bytewise(&m, buf, n, evs, 8);
    CHECK_EQ_INT(evs[k - 1], SK_MEV_MESSAGE);
    CHECK(m.overflow);
    CHECK_EQ_INT(m.msg_bytes, 22); /* the blank line and both chunks, counted */
    CHECK(m.msg.p == NULL);        /* ... and none of them kept */
    size_t len = 1, n_rcpts = 0;
    char *from = NULL, **rcpts = NULL;
    CHECK(sk_milter_take_message(&m, &len, &from, &rcpts, &n_rcpts) == NULL);
    CHECK_EQ_INT(len, 0);
    sk_milter_free(&m);
}

static void test_reject_text(void)
{
    struct sk_milter m;
    sk_milter_init(&m, 16);
    m.actions = 0x31;
    struct sk_milter_result r = {.action = SK_MILTER_REJECT,
                                 .verdict = "block",
                                 .reasons = "yara.match,50%\r\nX: y"};
    CHECK_EQ_INT(sk_milter_result_reply(&m, &r), 0);
    static const char want[] = "\0\0\0\x2f" "y550 5.7.1 Sekisho block: yara.match,50   X: y";
    CHECK_EQ_INT(m.out.len, sizeof want); /* with the reply's NUL */
    CHECK(memcmp(m.out.p, want, sizeof want) == 0);
    r.action = SK_MILTER_TEMPFAIL;
    r.reasons = "";
    CHECK_EQ_INT(sk_milter_result_reply(&m, &r), 0);
    CHECK(m.out.len > 5 && memcmp(m.out.p + 5, "451 4.7.1 Sekisho block: none", 30) == 0);
    /* Quarantine the MTA did not allow: tempfail rather than deliver. */
    m.actions = 0x11;
    r.action = SK_MILTER_QUARANTINE;
    CHECK_EQ_INT(sk_milter_result_reply(&m, &r), 0);
    CHECK_EQ_INT(m.out.len, 5);
    CHECK_EQ_INT(m.out.p[4], 't');
    /* A forged X-Sekisho header the MTA does not let us remove (no
     * CHGHDRS): tempfail rather than deliver it beside ours; with CHGHDRS
     * the same message passes with the forged header removed. */
    m.actions = 0x01;
    m.forged_reasons = 1;
    r.action = SK_MILTER_ACCEPT;
    CHECK_EQ_INT(sk_milter_result_reply(&m, &r), 0);
    CHECK_EQ_INT(m.out.len, 5);
    CHECK_EQ_INT(m.out.p[4], 't');
    m.actions = 0x11;
    CHECK_EQ_INT(sk_milter_result_reply(&m, &r), 0);
    CHECK(m.out.len > 5 && m.out.p[4] == 'm');
    sk_milter_free(&m);
}

static void test_action_option(void)
{
    enum sk_milter_action a[SK_MILTER_OUTCOMES];
    sk_milter_actions_default(a);
    CHECK_EQ_INT(a[SK_MILTER_ON_BLOCK], SK_MILTER_REJECT);
    CHECK_EQ_INT(a[SK_MILTER_ON_ERROR], SK_MILTER_TEMPFAIL);
    CHECK_EQ_INT(sk_milter_action_option("error=accept", a), 0);
    CHECK_EQ_INT(a[SK_MILTER_ON_ERROR], SK_MILTER_ACCEPT);
    CHECK_EQ_INT(sk_milter_action_option("sandbox=reject", a), 0);
    CHECK_EQ_INT(a[SK_MILTER_ON_SANDBOX], SK_MILTER_REJECT);
    CHECK_EQ_INT(sk_milter_action_option("block=bounce", a), -1);
    CHECK_EQ_INT(sk_milter_action_option("blocked=reject", a), -1);
    CHECK_EQ_INT(sk_milter_action_option("block", a), -1);
    CHECK_EQ_INT(sk_milter_action_option("=reject", a), -1);
    CHECK_EQ_STR(sk_milter_action_name(SK_MILTER_QUARANTINE), "quarantine");
}

int main(void)
{
    test_negotiation();
    test_message_rebuilt();
    test_end_of_body_event();
    test_bounds();
    test_overflow();
    test_reject_text();
    test_action_option();
    return check_exit("test_milter");
}
