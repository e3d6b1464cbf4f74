/* Fuzz target for the milter framing and session (daemon/milter.c): an
 * MTA's byte stream cut into reads where the fuzzer says (fuzz_reads.h),
 * with conn_milter.c's part played: each
 * reply taken, each end of body answered with an action picked by the
 * message's length (so every reply shape is built), the session closed on
 * QUIT or an error.
 *
 * What must hold, or the target aborts: every feed makes progress and
 * stays inside the bytes given; a frame being read is within the maximum;
 * the message kept is never over max-bytes and, when kept, has exactly
 * the bytes counted; the envelope stays within its bounds; every reply is
 * a sequence of well-formed frames. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/milter.h"
#include "fuzz_reads.h"
#include "fuzz_touch.h"

#define FUZZ_MAX_BYTES 4096u /* the daemon's max-bytes here */

/* Every reply is whole frames, each at most the maximum. */
static void check_frames(const struct sk_dynbuf *out)
{
    const uint8_t *p = (const uint8_t *)out->p;
    size_t pos = 0;
    while (pos < out->len) {
        if (out->len - pos < 5)
            abort();
        uint32_t n = (uint32_t)p[pos] << 24 | (uint32_t)p[pos + 1] << 16 |
                     (uint32_t)p[pos + 2] << 8 | p[pos + 3];
        if (n == 0 || n > SK_MILTER_MAX_FRAME || n > out->len - pos - 4)
            abort();
        pos += 4 + n;
    }
}

static void end_of_body(struct sk_milter *m)
{
    size_t len = 0, n_rcpts = 0;
    char *from = NULL, **rcpts = NULL;
    bool overflow = m->overflow;
    uint64_t counted = m->msg_bytes;
    char *msg = sk_milter_take_message(m, &len, &from, &rcpts, &n_rcpts);
    if (len > FUZZ_MAX_BYTES || (!overflow && len != counted) || (overflow && msg) ||
        n_rcpts > SK_MILTER_MAX_RCPTS || (from && strlen(from) > SK_MAIL_MAX_FIELD))
        abort();
    sk_fuzz_touch(msg, len);
    for (size_t i = 0; i < n_rcpts; i++) {
        if (strlen(rcpts[i]) > SK_MAIL_MAX_FIELD)
            abort();
        free(rcpts[i]);
    }
    free(rcpts);
    free(from);
    free(msg);
    static const char *const verdicts[] = {"pass", "sandbox", "block"};
    struct sk_milter_result r = {.action = (enum sk_milter_action)(counted % 4),
                                 .verdict = verdicts[counted % 3],
                                 .reasons = counted % 2 ? "yara.match,macro.vba" : ""};
    if (sk_milter_result_reply(m, &r) == 0)
        check_frames(&m->out);
    sk_milter_reset(m);
}

/* One read; false when the session is over. */
static bool read_once(void *ctx, const uint8_t *buf, size_t len)
{
    struct sk_milter *m = ctx;
    size_t off = 0;
    while (off < len) {
        enum sk_milter_event ev;
        size_t n = sk_milter_feed(m, buf + off, len - off, &ev);
        if (n > len - off || (n == 0 && ev == SK_MEV_NONE))
            abort(); /* past the bytes given, or stuck */
        if (m->frame_len > SK_MILTER_MAX_FRAME || m->frame.len > SK_MILTER_MAX_FRAME)
            abort();
        off += n;
        switch (ev) {
        case SK_MEV_REPLY: check_frames(&m->out); break;
        case SK_MEV_MESSAGE: end_of_body(m); break;
        case SK_MEV_QUIT:
        case SK_MEV_ERROR: return false;
        default: break;
        }
        if (!m->overflow && m->msg.len > FUZZ_MAX_BYTES)
            abort();
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sk_milter m;
    sk_milter_init(&m, FUZZ_MAX_BYTES);
    sk_fuzz_reads(data, size, read_once, &m);
    sk_milter_free(&m);
    return 0;
}
