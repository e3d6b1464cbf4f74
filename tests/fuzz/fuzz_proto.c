/* Fuzz targets for the daemon's wire parsing (daemon/proto.c), built twice:
 *
 *     fuzz_native  -DSK_FUZZ_PROTO_START=SK_PROTO_NHEADER
 *     fuzz_clamd   -DSK_FUZZ_PROTO_START=SK_PROTO_CCMD
 *
 * The input is a byte stream as a client would send it, cut into reads at
 * points the fuzzer chooses: byte 0 says how many read sizes follow (0..7),
 * each next byte is one read size (1..256, used in turn), the rest is the
 * stream. The harness plays conn.c's part: it accepts headers and INSTREAM
 * commands, refuses every fourth request as busy (its payload is skipped),
 * takes payload and chunk bytes straight into "its own buffer" at the start
 * of a read (as on_alloc does), and stops where the daemon would close.
 *
 * What must hold, or the target aborts: every feed makes progress and stays
 * inside the bytes given; lines are NUL-terminated and within their maximum;
 * payload bytes never exceed the declared size and a completed payload has
 * exactly it; an INSTREAM never passes max-bytes; a command's argument lies
 * inside the command. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/proto.h"
#include "fuzz_reads.h"
#include "fuzz_touch.h"

#ifndef SK_FUZZ_PROTO_START
#error "define SK_FUZZ_PROTO_START as SK_PROTO_NHEADER or SK_PROTO_CCMD"
#endif

#define FUZZ_MAX_BYTES (1u << 20) /* the daemon's max-bytes here */

struct client {
    struct sk_proto proto;
    unsigned requests;
    uint64_t expected, got; /* native payload, or the INSTREAM so far */
    bool stop;              /* the daemon would close the connection */
};

static void on_header(struct client *c, const struct sk_proto_ev *ev)
{
    if (ev->text[ev->text_len] != '\0' || ev->text_len > SK_DAEMON_MAX_HEADER)
        abort();
    struct sk_native_header h;
    struct sk_native_error err;
    if (sk_native_header_parse(ev->text, ev->text_len, FUZZ_MAX_BYTES, &h, &err) != 0) {
        c->stop = true;
    } else if (h.type != SK_NATIVE_STATS) {
        if (h.size > FUZZ_MAX_BYTES)
            abort();
        for (size_t i = 0; i < h.n_passwords; i++)
            if (!sk_native_password(&h, i))
                abort();
        if (++c->requests % 4 == 0) {
            sk_proto_skip_payload(&c->proto, h.size);
        } else {
            sk_proto_expect_payload(&c->proto, h.size);
            c->expected = h.size;
            c->got = 0;
        }
    }
    sk_native_header_free(&h);
}

static void on_command(struct client *c, const struct sk_proto_ev *ev)
{
    if (strlen(ev->text) != ev->text_len || ev->text_len > SK_DAEMON_MAX_COMMAND)
        abort();
    const char *arg = NULL;
    switch (sk_clamd_command(ev->text, &arg)) {
    case SK_CLAMD_INSTREAM:
        sk_proto_expect_chunks(&c->proto);
        c->got = 0;
        break;
    case SK_CLAMD_FILDES: c->proto.state = SK_PROTO_CWAITFD; break;
    case SK_CLAMD_SCAN:
        if (!arg || arg < ev->text || arg > ev->text + ev->text_len || arg[0] != '/')
            abort();
        break;
    case SK_CLAMD_END:
    case SK_CLAMD_UNKNOWN: c->stop = true; break;
    default: break;
    }
}

static void on_bytes(struct client *c, const struct sk_proto_ev *ev, size_t n)
{
    if (ev->kind == SK_PEV_PAYLOAD) {
        if (n > c->expected - c->got)
            abort();
        c->got += n;
        if (ev->last != (c->got == c->expected))
            abort();
    } else {
        c->got += n;
        if (c->got > FUZZ_MAX_BYTES)
            abort();
    }
}

static void on_event(struct client *c, const struct sk_proto_ev *ev)
{
    switch (ev->kind) {
    case SK_PEV_NONE: break;
    case SK_PEV_HEADER: on_header(c, ev); break;
    case SK_PEV_COMMAND: on_command(c, ev); break;
    case SK_PEV_PAYLOAD:
    case SK_PEV_CHUNK_DATA:
        sk_fuzz_touch(ev->data, ev->len);
        on_bytes(c, ev, ev->len);
        break;
    case SK_PEV_CHUNK:
        /* The daemon refuses a stream that would pass max-bytes. */
        if (ev->chunk_len > FUZZ_MAX_BYTES - c->got)
            c->stop = true;
        break;
    case SK_PEV_TOO_LONG:
    case SK_PEV_NOMEM: c->stop = true; break;
    }
}

/* Bytes the daemon reads straight into its request buffer (on_alloc): at the
 * start of a read, while a payload or chunk is due. */
static size_t take_direct(struct client *c, size_t avail)
{
    enum sk_proto_state s = c->proto.state;
    if (s != SK_PROTO_NPAYLOAD && s != SK_PROTO_CDATA)
        return 0;
    size_t n = c->proto.left < avail ? (size_t)c->proto.left : avail;
    struct sk_proto_ev ev = {.kind = s == SK_PROTO_NPAYLOAD ? SK_PEV_PAYLOAD : SK_PEV_CHUNK_DATA};
    sk_proto_took_direct(&c->proto, n);
    ev.last = s == SK_PROTO_NPAYLOAD && c->proto.left == 0;
    on_bytes(c, &ev, n);
    return n;
}

static bool read_once(void *ctx, const uint8_t *buf, size_t len)
{
    struct client *c = ctx;
    size_t off = take_direct(c, len);
    while (off < len && !c->stop) {
        if (c->proto.state == SK_PROTO_CWAITFD) {
            c->proto.state = SK_PROTO_CCMD; /* no descriptor comes: as if it did */
            continue;
        }
        enum sk_proto_state before = c->proto.state;
        struct sk_proto_ev ev;
        size_t n = sk_proto_feed(&c->proto, buf + off, len - off, &ev);
        if (n > len - off || (n == 0 && ev.kind == SK_PEV_NONE && c->proto.state == before))
            abort(); /* past the bytes given, or stuck */
        off += n;
        on_event(c, &ev);
    }
    return !c->stop;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct client c = {.proto = {.state = SK_FUZZ_PROTO_START, .delim = '\n'}};
    sk_fuzz_reads(data, size, read_once, &c);
    sk_proto_free(&c.proto);
    return 0;
}
