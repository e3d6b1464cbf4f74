/* Fuzz target: the correlation keys (issue 17), which come from headers an
 * attacker writes. The input is a scanner's facts (daemon/mailfacts.c,
 * decoded with every bound checked) or, when it is not JSON, raw bytes cut
 * into header values; either way they are put into an in-process store
 * (daemon/store.c) as a held message and then looked up as a follow-up, by
 * token and by a forged token. Aborts when decoded facts break their
 * bounds, when a message put is not found by its own token or by its own
 * sender and recipients, or when a forged token finds anything. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/mailfacts.h"
#include "../../daemon/store.h"

/* Raw bytes as NUL-free header values: the sender, then recipients. */
static size_t split(const uint8_t *data, size_t size, char *buf, const char **out, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= size && n < max; i++) {
        if (i == size || data[i] == '\n' || data[i] == 0) {
            memcpy(buf + start, data + start, i - start);
            buf[i] = '\0';
            out[n++] = buf + start;
            start = i + 1;
        }
    }
    return n;
}

static void check_bounds(const struct sk_mailfacts *f)
{
    if (f->n_rcpts > SK_MAIL_MAX_ADDRESSES || f->n_references > SK_MAIL_MAX_REFERENCES ||
        f->n_candidates > SK_MAIL_MAX_CANDIDATES || !f->from ||
        strlen(f->from) > SK_MAIL_MAX_FIELD)
        abort();
}

static void put_and_find(const char *from, const char *const *rcpts, size_t n_rcpts,
                         const char *message_id)
{
    struct sk_store *store = NULL;
    struct sk_store_limits limits = {.window_s = 60, .max_entries = 4, .max_bytes = 1 << 20};
    char err[128];
    if (sk_store_open(NULL, &limits, &store, err, sizeof err) != 0)
        abort();
    static const uint8_t bytes[] = "From: x\r\n\r\nbody";
    struct sk_held_msg m = {.request_id = "r",
                            .message_id = (char *)message_id,
                            .from = (char *)from,
                            .rcpts = (char **)rcpts,
                            .n_rcpts = n_rcpts,
                            .subject = "",
                            .name = "",
                            .bytes = bytes,
                            .len = sizeof bytes,
                            .verdict = "{}"};
    int rc = sk_store_put(store, &m, 1000);
    if (rc == 0) {
        struct sk_held_msg *h = NULL;
        if (sk_store_get(store, m.token, 1000, &h) != 0 || !h || h->len != sizeof bytes)
            abort();
        sk_held_free(h);
        struct sk_follow_up f = {.from = from, .rcpts = rcpts, .n_rcpts = n_rcpts};
        struct sk_held_msg *found[4];
        size_t n = 0;
        /* A sender the store keeps finds itself when a recipient was kept. */
        if (sk_store_find(store, &f, 1001, found, 4, &n) != 0)
            abort();
        for (size_t i = 0; i < n; i++)
            sk_held_free(found[i]);
        char forged[33];
        memcpy(forged, m.token, sizeof forged);
        forged[0] = forged[0] == 'a' ? 'b' : 'a';
        h = NULL;
        if (sk_store_get(store, forged, 1000, &h) != SK_STORE_UNKNOWN || h)
            abort();
    }
    sk_store_close(store);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1u << 16)
        return 0;
    struct sk_mailfacts f;
    if (sk_mailfacts_decode((const char *)data, size, &f) == 0) {
        check_bounds(&f);
        put_and_find(f.from, f.rcpts, f.n_rcpts, f.message_id ? f.message_id : "");
        sk_mailfacts_clear(&f);
        return 0;
    }
    char *buf = malloc(size + 1);
    const char *values[SK_MAIL_MAX_ADDRESSES + 1];
    if (!buf)
        return 0;
    size_t n = split(data, size, buf, values, SK_MAIL_MAX_ADDRESSES + 1);
    if (n > 0)
        put_and_find(values[0], values + 1, n - 1, n > 1 ? values[1] : "");
    free(buf);
    return 0;
}
