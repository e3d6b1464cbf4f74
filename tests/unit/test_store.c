/* daemon/store.c and store_redis.c: the PPAP correlation memory.
 *
 *   test_store                    the in-process store: the suite with a
 *                                 clock of its own, bounds, eviction order
 *   test_store SPEC               the suite against SPEC (Redis: real time),
 *                                 two handles, expiry by waiting
 *   test_store SPEC bounds        the bounds of an empty Redis database
 *   test_store SPEC down          Redis is not there: every call fails fast
 *   test_store SPEC outage        Redis goes away mid-way and comes back:
 *                                 says "STOP" and "START" on stdout and waits
 *                                 for a line on stdin after each (the
 *                                 driver, tests/gateways/store_redis.py, stops
 *                                 and starts it)
 * The driver starts redis-server only inside the gateways' throwaway root. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "daemon/store.h"
#include "engine/error.h"

/* What the Redis protocol would take for commands if a value reached a
 * command line unescaped. */
static const char hostile[] = "a\r\n*3\r\n$3\r\nDEL\r\n$6\r\nvictim\r\n*1\r\n$8\r\nFLUSHALL\r\n"
                              "\"'`$(x)%s%n{}[]<>";

static bool fake_clock;
static uint64_t fake_now = 1700000000;

static uint64_t now(void)
{
    return fake_clock ? fake_now : (uint64_t)time(NULL);
}

static uint64_t ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

static struct sk_store *open_store(const char *spec, uint64_t window, uint64_t entries,
                                   uint64_t bytes, uint64_t entry_bytes)
{
    struct sk_store_limits l = {window, entries, bytes, entry_bytes};
    struct sk_store *s = NULL;
    char err[300] = "";
    int rc = sk_store_open(spec, &l, &s, err, sizeof err);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0)
        fprintf(stderr, "  sk_store_open(%s): %s\n", spec ? spec : "memory", err);
    return s;
}

/* A held message to put: its fields borrowed from statics and arguments. */
struct sample {
    struct sk_held_msg msg;
    char *rcpts[4];
    uint8_t bytes[64];
};

static void sample(struct sample *s, const char *from, const char *rcpt1, const char *rcpt2,
                   const char *message_id)
{
    memset(s, 0, sizeof *s);
    s->rcpts[0] = (char *)rcpt1;
    s->rcpts[1] = (char *)rcpt2;
    s->msg.request_id = "req-1";
    s->msg.message_id = (char *)message_id;
    s->msg.from = (char *)from;
    s->msg.rcpts = s->rcpts;
    s->msg.n_rcpts = rcpt2 ? 2 : 1;
    s->msg.subject = "請求書";
    s->msg.name = "invoice.zip";
    for (size_t i = 0; i < sizeof s->bytes; i++)
        s->bytes[i] = (uint8_t)(i * 7); /* NULs and all: bytes, not a string */
    s->msg.bytes = s->bytes;
    s->msg.len = sizeof s->bytes;
    s->msg.verdict = "{\"verdict\":\"sandbox\"}";
}

static int put(struct sk_store *st, struct sample *s)
{
    return sk_store_put(st, &s->msg, now());
}

/* How many held messages follow-up f finds (freed). */
static size_t count_found(struct sk_store *st, const struct sk_follow_up *f)
{
    struct sk_held_msg *out[16];
    size_t n = 99;
    int rc = sk_store_find(st, f, now(), out, 16, &n);
    CHECK_EQ_INT(rc, 0);
    for (size_t i = 0; i < n && n != 99; i++)
        sk_held_free(out[i]);
    return n;
}

/* A unique address per run, so that runs against one Redis never meet. */
static void unique(char *out, size_t len, const char *what)
{
    static atomic_uint n;
    snprintf(out, len, "%s-%ld-%u-%u@example.jp", what, (long)getpid(), (unsigned)time(NULL),
             atomic_fetch_add(&n, 1));
}

static void test_round_trip(struct sk_store *st)
{
    char from[100];
    unique(from, sizeof from, "Taro.Sender");
    struct sample s;
    sample(&s, from, "Hanako@Example.JP", "jiro@example.jp", "<ppap-1@example.jp>");
    uint64_t t = now();
    CHECK_EQ_INT(put(st, &s), 0);
    CHECK(sk_store_token_valid(s.msg.token));
    CHECK(s.msg.created >= t && s.msg.expires > s.msg.created);
    struct sk_held_msg *got = NULL;
    CHECK_EQ_INT(sk_store_get(st, s.msg.token, now(), &got), 0);
    if (!got)
        return;
    CHECK_EQ_STR(got->token, s.msg.token);
    CHECK_EQ_STR(got->request_id, "req-1");
    CHECK_EQ_STR(got->message_id, "<ppap-1@example.jp>");
    for (char *p = from; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    CHECK_EQ_STR(got->from, from); /* kept lowercased */
    CHECK_EQ_INT(got->n_rcpts, 2);
    if (got->n_rcpts == 2) {
        CHECK_EQ_STR(got->rcpts[0], "hanako@example.jp");
        CHECK_EQ_STR(got->rcpts[1], "jiro@example.jp");
    }
    CHECK_EQ_STR(got->subject, "請求書");
    CHECK_EQ_STR(got->name, "invoice.zip");
    CHECK_EQ_STR(got->verdict, "{\"verdict\":\"sandbox\"}");
    CHECK_EQ_INT(got->len, sizeof s.bytes);
    CHECK(got->len == sizeof s.bytes && memcmp(got->bytes, s.bytes, got->len) == 0);
    CHECK(!got->unlocked);
    CHECK_EQ_INT(got->created, s.msg.created);
    CHECK_EQ_INT(got->expires, s.msg.expires);
    sk_held_free(got);

    CHECK_EQ_INT(sk_store_set_verdict(st, s.msg.token, "{\"verdict\":\"pass\"}", true, now()),
                 0);
    got = NULL;
    CHECK_EQ_INT(sk_store_get(st, s.msg.token, now(), &got), 0);
    if (got) {
        CHECK_EQ_STR(got->verdict, "{\"verdict\":\"pass\"}");
        CHECK(got->unlocked);
        sk_held_free(got);
    }
    /* Unlocked: a later follow-up has nothing more to open. */
    const char *r[] = {"hanako@example.jp"};
    struct sk_follow_up f = {.from = from, .rcpts = r, .n_rcpts = 1};
    CHECK_EQ_INT(count_found(st, &f), 0);
}

/* Only the token reads a message back: never a guess. */
static void test_tokens(struct sk_store *st)
{
    struct sk_held_msg *got = NULL;
    CHECK_EQ_INT(sk_store_get(st, "0123456789abcdef0123456789abcdef", now(), &got),
                 SK_STORE_UNKNOWN);
    char guess[33];
    CHECK_EQ_INT(sk_store_new_token(guess), 0);
    CHECK_EQ_INT(sk_store_get(st, guess, now(), &got), SK_STORE_UNKNOWN);
    static const char *const bad[] = {"",
                                      "*",
                                      "../m",
                                      "0123456789ABCDEF0123456789ABCDEF",
                                      "0123456789abcdef0123456789abcdef0",
                                      "sekisho:m:x",
                                      "0123456789abcdef0123456789abcde\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(sk_store_get(st, bad[i], now(), &got), SK_STORE_UNKNOWN);
        CHECK_EQ_INT(sk_store_set_verdict(st, bad[i], "{}", true, now()), SK_STORE_UNKNOWN);
    }
    CHECK_EQ_INT(sk_store_set_verdict(st, guess, "{}", true, now()), SK_STORE_UNKNOWN);
    CHECK(got == NULL);
    char a[33], b[33];
    CHECK_EQ_INT(sk_store_new_token(a), 0);
    CHECK_EQ_INT(sk_store_new_token(b), 0);
    CHECK(strcmp(a, b) != 0 && sk_store_token_valid(a));
}

/* Same sender AND (overlapping recipients OR the thread); never the
 * Message-ID, the subject or the sender alone. */
static void test_matching(struct sk_store *st)
{
    char from[100], other[100];
    unique(from, sizeof from, "match");
    unique(other, sizeof other, "stranger");
    struct sample s;
    sample(&s, from, "a@example.jp", "b@example.jp", "<thread-1@example.jp>");
    CHECK_EQ_INT(put(st, &s), 0);

    const char *overlap[] = {"x@example.jp", "B@EXAMPLE.JP"};
    const char *disjoint[] = {"x@example.jp", "y@example.jp"};
    struct sk_follow_up f = {.from = from, .rcpts = overlap, .n_rcpts = 2};
    struct sk_held_msg *out[4];
    size_t n = 0;
    CHECK_EQ_INT(sk_store_find(st, &f, now(), out, 4, &n), 0);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_EQ_STR(out[0]->token, s.msg.token);
        CHECK(out[0]->len == sizeof s.bytes &&
              memcmp(out[0]->bytes, s.bytes, out[0]->len) == 0);
        sk_held_free(out[0]);
    }
    char upper[100];
    for (size_t i = 0; i <= strlen(from); i++)
        upper[i] = (char)(from[i] >= 'a' && from[i] <= 'z' ? from[i] - 'a' + 'A' : from[i]);
    f.from = upper; /* the caller forgot to lowercase */
    CHECK_EQ_INT(count_found(st, &f), 1);

    f = (struct sk_follow_up){.from = other, .rcpts = overlap, .n_rcpts = 2};
    CHECK_EQ_INT(count_found(st, &f), 0); /* another sender */
    const char *refs[] = {"<unrelated@x>", " <thread-1@example.jp> "};
    f = (struct sk_follow_up){.from = other,
                              .rcpts = overlap,
                              .n_rcpts = 2,
                              .in_reply_to = "<thread-1@example.jp>",
                              .references = refs,
                              .n_references = 2};
    CHECK_EQ_INT(count_found(st, &f), 0); /* another sender, in the thread */
    f = (struct sk_follow_up){.from = from, .rcpts = disjoint, .n_rcpts = 2};
    CHECK_EQ_INT(count_found(st, &f), 0); /* the sender alone */
    f.in_reply_to = "<thread-1@example.jp>";
    CHECK_EQ_INT(count_found(st, &f), 1); /* ... in the thread */
    f.in_reply_to = "<THREAD-1@example.jp>";
    CHECK_EQ_INT(count_found(st, &f), 0); /* a Message-ID is compared exactly */
    f.in_reply_to = NULL;
    f.references = refs;
    f.n_references = 2;
    CHECK_EQ_INT(count_found(st, &f), 1); /* ... by References */
    f = (struct sk_follow_up){
        .from = "", .rcpts = overlap, .n_rcpts = 2, .in_reply_to = "<thread-1@example.jp>"};
    CHECK_EQ_INT(count_found(st, &f), 0); /* no sender */
    f = (struct sk_follow_up){.from = NULL, .in_reply_to = "<thread-1@example.jp>"};
    CHECK_EQ_INT(count_found(st, &f), 0);

    /* A subject alone: the same subject and Message-ID text from another
     * sender with other recipients. */
    struct sample t;
    char third[100];
    unique(third, sizeof third, "subject");
    sample(&t, third, "c@example.jp", NULL, "");
    CHECK_EQ_INT(put(st, &t), 0);
    f = (struct sk_follow_up){
        .from = third, .rcpts = disjoint, .n_rcpts = 2, .in_reply_to = ""};
    CHECK_EQ_INT(count_found(st, &f), 0); /* an empty Message-ID names nothing */

    /* Newest first. */
    struct sample u;
    sample(&u, from, "b@example.jp", NULL, "<thread-2@example.jp>");
    if (fake_clock)
        fake_now++;
    CHECK_EQ_INT(put(st, &u), 0);
    f = (struct sk_follow_up){.from = from, .rcpts = overlap, .n_rcpts = 2};
    n = 0;
    CHECK_EQ_INT(sk_store_find(st, &f, now(), out, 4, &n), 0);
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_EQ_STR(out[0]->token, u.msg.token);
        CHECK_EQ_STR(out[1]->token, s.msg.token);
    }
    for (size_t i = 0; i < n; i++)
        sk_held_free(out[i]);
    n = 0;
    CHECK_EQ_INT(sk_store_find(st, &f, now(), out, 1, &n), 0);
    CHECK_EQ_INT(n, 1); /* at most max */
    for (size_t i = 0; i < n; i++)
        sk_held_free(out[i]);
}

/* Header values full of protocol characters come back byte for byte. */
static void test_hostile(struct sk_store *st)
{
    char from[200];
    unique(from, sizeof from, "x\r\n*1\r\n$8\r\nflushall\r\n");
    struct sample s;
    sample(&s, from, hostile, "b@example.jp", hostile);
    s.msg.subject = (char *)hostile;
    s.msg.name = (char *)hostile;
    s.msg.request_id = (char *)hostile;
    s.msg.verdict = (char *)hostile;
    CHECK_EQ_INT(put(st, &s), 0);
    struct sk_held_msg *got = NULL;
    CHECK_EQ_INT(sk_store_get(st, s.msg.token, now(), &got), 0);
    if (got) {
        CHECK_EQ_STR(got->subject, hostile);
        CHECK_EQ_STR(got->name, hostile);
        CHECK_EQ_STR(got->request_id, hostile);
        CHECK_EQ_STR(got->message_id, hostile);
        CHECK_EQ_STR(got->verdict, hostile);
        CHECK_EQ_STR(got->from, from);
        CHECK(got->n_rcpts == 2 &&
              strcmp(got->rcpts[0], "a\r\n*3\r\n$3\r\ndel\r\n$6\r\nvictim\r\n"
                                    "*1\r\n$8\r\nflushall\r\n\"'`$(x)%s%n{}[]<>") == 0);
        sk_held_free(got);
    }
    const char *r[] = {hostile};
    struct sk_follow_up f = {.from = from, .rcpts = r, .n_rcpts = 1};
    CHECK_EQ_INT(count_found(st, &f), 1);
    f = (struct sk_follow_up){.from = from, .in_reply_to = hostile};
    CHECK_EQ_INT(count_found(st, &f), 1);
    CHECK_EQ_INT(sk_store_set_verdict(st, s.msg.token, hostile, false, now()), 0);

    /* Over the caps: a long sender is refused, long fields are cut, a
     * recipient too long is not remembered. */
    char *longer = malloc(SK_STORE_MAX_FIELD * 2);
    if (!longer)
        return;
    memset(longer, 'a', SK_STORE_MAX_FIELD * 2 - 1);
    longer[SK_STORE_MAX_FIELD * 2 - 1] = '\0';
    struct sample l;
    sample(&l, longer, "a@example.jp", NULL, "");
    CHECK_EQ_INT(put(st, &l), SK_ELIMIT);
    sample(&l, from, longer, "a@example.jp", longer);
    l.msg.subject = longer;
    CHECK_EQ_INT(put(st, &l), 0);
    got = NULL;
    CHECK_EQ_INT(sk_store_get(st, l.msg.token, now(), &got), 0);
    if (got) {
        CHECK_EQ_INT(strlen(got->subject), SK_STORE_MAX_FIELD);
        CHECK_EQ_INT(strlen(got->message_id), SK_STORE_MAX_FIELD);
        CHECK_EQ_INT(got->n_rcpts, 1);
        sk_held_free(got);
    }
    free(longer);
}

/* Random header bytes (every value but NUL, protocol characters and
 * non-UTF-8 included), as a hostile sender chooses them: each message
 * comes back byte for byte, and is found by its own sender and recipient
 * only. */
static void random_text(char *out, size_t max, unsigned *seed)
{
    size_t n = 1 + (size_t)rand_r(seed) % (max - 1);
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(1 + rand_r(seed) % 255);
    out[n] = '\0';
}

static void lower_in_place(char *s)
{
    for (; *s; s++)
        *s = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
}

static void test_random_headers(struct sk_store *st)
{
    unsigned seed = 17;
    for (int i = 0; i < 100; i++) {
        char from[300], rcpt[300], msgid[300], subject[300];
        random_text(from, 200, &seed);
        snprintf(from + strlen(from), 40, "-%ld-%d", (long)getpid(), i); /* unique */
        random_text(rcpt, 200, &seed);
        random_text(msgid, 200, &seed);
        random_text(subject, 200, &seed);
        struct sample s;
        sample(&s, from, rcpt, NULL, msgid);
        s.msg.subject = subject;
        if (put(st, &s) != 0) {
            CHECK(!"put of random headers");
            continue;
        }
        struct sk_held_msg *got = NULL;
        CHECK_EQ_INT(sk_store_get(st, s.msg.token, now(), &got), 0);
        lower_in_place(from);
        lower_in_place(rcpt);
        if (got) {
            CHECK(strcmp(got->from, from) == 0 && strcmp(got->message_id, msgid) == 0 &&
                  strcmp(got->subject, subject) == 0 && got->n_rcpts == 1 &&
                  strcmp(got->rcpts[0], rcpt) == 0);
            sk_held_free(got);
        }
        const char *r[] = {rcpt};
        struct sk_follow_up f = {.from = from, .rcpts = r, .n_rcpts = 1};
        CHECK_EQ_INT(count_found(st, &f), 1);
        f = (struct sk_follow_up){.from = rcpt, .rcpts = r, .n_rcpts = 1, .in_reply_to = msgid};
        CHECK_EQ_INT(count_found(st, &f), 0);
    }
}

/* Several pool threads at once: each finds its own and nothing else. */
struct worker {
    struct sk_store *st;
    int id, failures;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    char from[100], rcpt[100];
    snprintf(rcpt, sizeof rcpt, "rcpt-%d@example.jp", w->id);
    for (int i = 0; i < 50; i++) {
        unique(from, sizeof from, "thread");
        struct sample s;
        sample(&s, from, rcpt, NULL, "");
        if (put(w->st, &s) != 0) {
            w->failures++;
            continue;
        }
        const char *r[] = {rcpt};
        struct sk_follow_up f = {.from = from, .rcpts = r, .n_rcpts = 1};
        struct sk_held_msg *out[4];
        size_t n = 0;
        if (sk_store_find(w->st, &f, now(), out, 4, &n) != 0 || n != 1 ||
            strcmp(out[0]->token, s.msg.token) != 0)
            w->failures++;
        for (size_t k = 0; k < n; k++)
            sk_held_free(out[k]);
        struct sk_held_msg *got = NULL;
        if (sk_store_get(w->st, s.msg.token, now(), &got) != 0 ||
            memcmp(got->bytes, s.bytes, sizeof s.bytes) != 0)
            w->failures++;
        sk_held_free(got);
        if (sk_store_set_verdict(w->st, s.msg.token, "{\"verdict\":\"pass\"}", true, now()) !=
            0)
            w->failures++;
    }
    return NULL;
}

static void test_threads(struct sk_store *st)
{
    struct worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){st, i, 0};
        CHECK_EQ_INT(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ_INT(w[i].failures, 0);
    }
}

static void suite(const char *spec)
{
    struct sk_store *st = open_store(spec, 0, 0, 0, 1 << 20);
    if (!st)
        return;
    test_round_trip(st);
    test_tokens(st);
    test_matching(st);
    test_hostile(st);
    test_random_headers(st);
    test_threads(st);
    struct sk_store_stats stats;
    sk_store_stats(st, &stats);
    CHECK(stats.backend_up);
    CHECK_EQ_INT(stats.errors, 0);
    CHECK(stats.puts >= 200);
    CHECK(stats.found >= 200);
    sk_store_close(st);
}

/* ---- the in-process store only ---- */

static void test_memory_expiry(void)
{
    struct sk_store *st = open_store(NULL, 60, 0, 0, 1 << 20);
    if (!st)
        return;
    struct sample s;
    sample(&s, "late@example.jp", "a@example.jp", NULL, "<late@x>");
    CHECK_EQ_INT(put(st, &s), 0);
    CHECK_EQ_INT(s.msg.expires, fake_now + 60);
    const char *r[] = {"a@example.jp"};
    struct sk_follow_up f = {.from = "late@example.jp", .rcpts = r, .n_rcpts = 1};
    struct sk_held_msg *got = NULL;
    fake_now += 59;
    CHECK_EQ_INT(count_found(st, &f), 1);
    CHECK_EQ_INT(sk_store_get(st, s.msg.token, now(), &got), 0);
    sk_held_free(got);
    fake_now += 1; /* not past expiry: at it */
    CHECK_EQ_INT(count_found(st, &f), 0);
    CHECK_EQ_INT(sk_store_get(st, s.msg.token, now(), &got), SK_STORE_UNKNOWN);
    CHECK_EQ_INT(sk_store_set_verdict(st, s.msg.token, "{}", true, now()), SK_STORE_UNKNOWN);
    struct sk_store_stats stats;
    sk_store_stats(st, &stats);
    CHECK_EQ_INT(stats.expired, 1);
    CHECK_EQ_INT(stats.entries, 0);
    CHECK_EQ_INT(stats.bytes, 0);
    sk_store_close(st);
}

static void test_memory_bounds(void)
{
    /* Entries: the oldest goes, whatever was read since. */
    struct sk_store *st = open_store(NULL, 60, 2, 0, 1 << 20);
    if (!st)
        return;
    struct sample a, b, c, d;
    sample(&a, "s@example.jp", "r@example.jp", NULL, "");
    sample(&b, "s@example.jp", "r@example.jp", NULL, "");
    sample(&c, "s@example.jp", "r@example.jp", NULL, "");
    sample(&d, "s@example.jp", "r@example.jp", NULL, "");
    struct sk_held_msg *got = NULL;
    CHECK_EQ_INT(put(st, &a), 0);
    CHECK_EQ_INT(put(st, &b), 0);
    CHECK_EQ_INT(put(st, &c), 0);
    CHECK_EQ_INT(sk_store_get(st, a.msg.token, now(), &got), SK_STORE_UNKNOWN);
    CHECK_EQ_INT(sk_store_get(st, b.msg.token, now(), &got), 0);
    sk_held_free(got);
    CHECK_EQ_INT(put(st, &d), 0);
    CHECK_EQ_INT(sk_store_get(st, b.msg.token, now(), &got), SK_STORE_UNKNOWN);
    CHECK_EQ_INT(sk_store_get(st, c.msg.token, now(), &got), 0);
    sk_held_free(got);
    struct sk_store_stats stats;
    sk_store_stats(st, &stats);
    CHECK_EQ_INT(stats.entries, 2);
    CHECK_EQ_INT(stats.evicted, 2);
    CHECK_EQ_INT(stats.puts, 4);
    sk_store_close(st);

    /* Bytes: 3 messages of 10 kB in 25 kB; a message over the entry cap is
     * refused, and one over all the bytes too. */
    st = open_store(NULL, 60, 0, 25000, 12000);
    if (!st)
        return;
    uint8_t *big = calloc(1, 20000);
    if (!big)
        return;
    struct sample m[3];
    for (int i = 0; i < 3; i++) {
        sample(&m[i], "bytes@example.jp", "r@example.jp", NULL, "");
        m[i].msg.bytes = big;
        m[i].msg.len = 10000;
        CHECK_EQ_INT(put(st, &m[i]), 0);
    }
    sk_store_stats(st, &stats);
    CHECK_EQ_INT(stats.entries, 2);
    CHECK_EQ_INT(stats.evicted, 1);
    CHECK(stats.bytes <= 25000 && stats.bytes > 20000);
    CHECK_EQ_INT(sk_store_get(st, m[0].msg.token, now(), &got), SK_STORE_UNKNOWN);
    struct sample over;
    sample(&over, "bytes@example.jp", "r@example.jp", NULL, "");
    over.msg.bytes = big;
    over.msg.len = 12001;
    CHECK_EQ_INT(put(st, &over), SK_ELIMIT);
    sk_store_stats(st, &stats);
    CHECK_EQ_INT(stats.refused, 1);
    CHECK_EQ_INT(stats.entries, 2); /* a refusal evicts nothing */
    sk_store_close(st);
    free(big);

    /* Expired entries go before any is evicted. */
    st = open_store(NULL, 10, 2, 0, 1 << 20);
    if (!st)
        return;
    CHECK_EQ_INT(put(st, &a), 0);
    fake_now += 5;
    CHECK_EQ_INT(put(st, &b), 0);
    fake_now += 5; /* a expired */
    CHECK_EQ_INT(put(st, &c), 0);
    sk_store_stats(st, &stats);
    CHECK_EQ_INT(stats.expired, 1);
    CHECK_EQ_INT(stats.evicted, 0);
    CHECK_EQ_INT(sk_store_get(st, b.msg.token, now(), &got), 0);
    sk_held_free(got);
    sk_store_close(st);
}

/* What find and get hand out stays valid after the store dropped it. */
static void test_memory_lifetime(void)
{
    struct sk_store *st = open_store(NULL, 60, 1, 0, 1 << 20);
    if (!st)
        return;
    struct sample a, b;
    sample(&a, "life@example.jp", "r@example.jp", NULL, "");
    sample(&b, "life@example.jp", "r@example.jp", NULL, "");
    CHECK_EQ_INT(put(st, &a), 0);
    struct sk_held_msg *got = NULL;
    CHECK_EQ_INT(sk_store_get(st, a.msg.token, now(), &got), 0);
    CHECK_EQ_INT(put(st, &b), 0); /* evicts a */
    CHECK_EQ_INT(sk_store_set_verdict(st, b.msg.token, "{\"v\":1}", false, now()), 0);
    if (got) {
        CHECK(got->len == sizeof a.bytes && memcmp(got->bytes, a.bytes, got->len) == 0);
        CHECK_EQ_STR(got->from, "life@example.jp");
        sk_held_free(got);
    }
    sk_store_close(st);
}

/* ---- Redis only ---- */

/* Puts a message from a new sender (named in from) to r@example.jp. */
static void put_fresh(struct sk_store *st, const char *what, char from[100], struct sample *s)
{
    unique(from, 100, what);
    sample(s, from, "r@example.jp", NULL, "");
    CHECK_EQ_INT(put(st, s), 0);
}

/* Two handles, as two `serve` instances: each finds what the other put. */
static void test_two_handles(const char *spec)
{
    struct sk_store *one = open_store(spec, 0, 0, 0, 1 << 20);
    struct sk_store *two = open_store(spec, 0, 0, 0, 1 << 20);
    if (!one || !two)
        return;
    char from[100];
    struct sample s;
    put_fresh(one, "pool", from, &s);
    const char *r[] = {"r@example.jp"};
    struct sk_follow_up f = {.from = from, .rcpts = r, .n_rcpts = 1};
    CHECK_EQ_INT(count_found(two, &f), 1);
    CHECK_EQ_INT(sk_store_set_verdict(two, s.msg.token, "{\"verdict\":\"pass\"}", true, now()),
                 0);
    struct sk_held_msg *got = NULL;
    CHECK_EQ_INT(sk_store_get(one, s.msg.token, now(), &got), 0);
    if (got) {
        CHECK_EQ_STR(got->verdict, "{\"verdict\":\"pass\"}");
        CHECK(got->unlocked);
        sk_held_free(got);
    }
    sk_store_close(one);
    sk_store_close(two);
}

static void test_redis_expiry(const char *spec)
{
    struct sk_store *st = open_store(spec, 1, 0, 0, 1 << 20);
    if (!st)
        return;
    char from[100];
    struct sample s;
    put_fresh(st, "expiry", from, &s);
    const char *r[] = {"r@example.jp"};
    struct sk_follow_up f = {.from = from, .rcpts = r, .n_rcpts = 1};
    CHECK_EQ_INT(count_found(st, &f), 1);
    sleep(3);
    CHECK_EQ_INT(count_found(st, &f), 0);
    struct sk_held_msg *got = NULL;
    CHECK_EQ_INT(sk_store_get(st, s.msg.token, now(), &got), SK_STORE_UNKNOWN);
    CHECK_EQ_INT(sk_store_set_verdict(st, s.msg.token, "{}", true, now()), SK_STORE_UNKNOWN);
    sk_store_close(st);
}

/* An empty database: 3 entries, then refusals; an entry over its cap. */
static void test_redis_bounds(const char *spec)
{
    struct sk_store *st = open_store(spec, 60, 3, 1 << 20, 1000);
    if (!st)
        return;
    struct sample s[4];
    for (int i = 0; i < 4; i++) {
        sample(&s[i], "bounds@example.jp", "r@example.jp", NULL, "");
        CHECK_EQ_INT(put(st, &s[i]), i < 3 ? 0 : SK_ELIMIT);
    }
    uint8_t big[1001] = {0};
    s[0].msg.bytes = big;
    s[0].msg.len = sizeof big;
    CHECK_EQ_INT(put(st, &s[0]), SK_ELIMIT);
    struct sk_store_stats stats;
    sk_store_stats(st, &stats);
    CHECK_EQ_INT(stats.refused, 2);
    CHECK_EQ_INT(stats.puts, 3);
    CHECK_EQ_INT(stats.entries, 3);
    sk_store_close(st);
    st = open_store(spec, 60, 100, 3 * (sizeof s[0].bytes + 500), 1000);
    if (!st)
        return;
    int ok = 0;
    for (int i = 0; i < 8; i++)
        ok += put(st, &s[1]) == 0;
    CHECK(ok < 5); /* the byte bound refuses too (3 entries there already) */
    sk_store_close(st);
}

/* Every call while Redis does not answer: an error, at once. */
static void check_down(struct sk_store *st, uint64_t errors_before)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct sample s;
    sample(&s, "down@example.jp", "r@example.jp", NULL, "");
    const char *r[] = {"r@example.jp"};
    struct sk_follow_up f = {.from = "down@example.jp", .rcpts = r, .n_rcpts = 1};
    struct sk_held_msg *out[2];
    size_t n = 7;
    for (int i = 0; i < 5; i++) {
        CHECK_EQ_INT(put(st, &s), SK_EIO);
        CHECK_EQ_INT(sk_store_find(st, &f, now(), out, 2, &n), SK_EIO);
        CHECK_EQ_INT(n, 0);
        struct sk_held_msg *got = NULL;
        CHECK_EQ_INT(sk_store_get(st, "0123456789abcdef0123456789abcdef", now(), &got), SK_EIO);
        CHECK_EQ_INT(
            sk_store_set_verdict(st, "0123456789abcdef0123456789abcdef", "{}", true, now()),
            SK_EIO);
    }
    uint64_t ms = ms_since(&t0);
    CHECK(ms < 2000); /* 20 calls: each fails at once or within its timeout */
    printf("20 calls with Redis down: %llu ms\n", (unsigned long long)ms);
    struct sk_store_stats stats;
    sk_store_stats(st, &stats);
    CHECK(!stats.backend_up);
    CHECK(stats.errors >= errors_before + 20);
}

static void test_down(const char *spec)
{
    struct sk_store *st = open_store(spec, 0, 0, 0, 1 << 20);
    if (st)
        check_down(st, 0);
    sk_store_close(st);
}

static void wait_line(const char *say)
{
    printf("%s\n", say);
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof line, stdin))
        exit(1);
}

static void test_outage(const char *spec)
{
    struct sk_store *st = open_store(spec, 0, 0, 0, 1 << 20);
    if (!st)
        return;
    char from[100];
    struct sample s;
    put_fresh(st, "outage", from, &s);
    wait_line("STOP");
    struct sk_store_stats stats;
    sk_store_stats(st, &stats);
    check_down(st, stats.errors);
    wait_line("START");
    /* It reconnects on a later call. */
    int rc = -1;
    for (int i = 0; i < 50 && rc != 0; i++) {
        rc = put(st, &s);
        if (rc != 0)
            usleep(100000);
    }
    CHECK_EQ_INT(rc, 0);
    const char *r[] = {"r@example.jp"};
    struct sk_follow_up f = {.from = from, .rcpts = r, .n_rcpts = 1};
    CHECK(count_found(st, &f) >= 1);
    sk_store_stats(st, &stats);
    CHECK(stats.backend_up);
    sk_store_close(st);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* as serve does: a write to a Redis gone is an error */
    const char *spec = argc > 1 ? argv[1] : NULL;
    const char *mode = argc > 2 ? argv[2] : "suite";
    if (!spec) {
        fake_clock = true;
        suite(NULL);
        test_memory_expiry();
        test_memory_bounds();
        test_memory_lifetime();
    } else if (strcmp(mode, "suite") == 0) {
        suite(spec);
        test_two_handles(spec);
        test_redis_expiry(spec);
    } else if (strcmp(mode, "bounds") == 0) {
        test_redis_bounds(spec);
    } else if (strcmp(mode, "down") == 0) {
        test_down(spec);
    } else if (strcmp(mode, "outage") == 0) {
        test_outage(spec);
    } else {
        fprintf(stderr, "usage: test_store [SPEC [suite|bounds|down|outage]]\n");
        return 2;
    }
    return check_exit("test_store");
}
