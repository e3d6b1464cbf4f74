/* The daemon's wire parsing, apart from any I/O (DESIGN.md, "Daemon"): bytes
 * in, state and events out. conn.c owns sockets, buffers and replies and
 * feeds what arrives through sk_proto_feed; the fuzz targets fuzz_native and
 * fuzz_clamd feed arbitrary byte streams, split anywhere.
 *
 * The first byte of a connection picks the protocol: '{' the native one (a
 * JSON header line, then `size` payload bytes), anything else clamd (commands
 * delimited by '\n' or '\0' per their 'n' or 'z' prefix; INSTREAM chunks of a
 * 4-byte big-endian length then that many bytes, a zero length ending the
 * stream). What a client can make this code hold is one line of at most
 * SK_DAEMON_MAX_HEADER or SK_DAEMON_MAX_COMMAND bytes; payload and chunk
 * bytes are only passed through. No libuv here. */
#ifndef SK_PROTO_H
#define SK_PROTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_DAEMON_MAX_HEADER (256u * 1024u) /* one native header line (body text included) */
#define SK_DAEMON_MAX_COMMAND 4200u         /* one clamd command line (a path) */

enum sk_proto_state {
    SK_PROTO_DETECT,   /* first byte not seen yet */
    SK_PROTO_NHEADER,  /* native: reading a header line */
    SK_PROTO_NPAYLOAD, /* native: `left` payload bytes to pass on */
    SK_PROTO_NSKIP,    /* native: `left` bytes of a refused request to discard */
    SK_PROTO_CCMD,     /* clamd: reading a command */
    SK_PROTO_CLEN,     /* clamd INSTREAM: a chunk length */
    SK_PROTO_CDATA,    /* clamd INSTREAM: `left` chunk bytes to pass on */
    SK_PROTO_CWAITFD,  /* clamd FILDES: waiting for the descriptor (no bytes) */
};

struct sk_proto {
    enum sk_proto_state state;
    char delim;    /* clamd: the current command's delimiter ('\n' or '\0') */
    uint64_t left; /* NPAYLOAD, NSKIP, CDATA: bytes still to come */
    uint8_t lenbuf[4];
    size_t lenbuf_n;
    char *line; /* header or command being assembled (malloc'd) */
    size_t line_len, line_cap;
};

enum sk_proto_event {
    SK_PEV_NONE,       /* bytes consumed (or the protocol chosen); nothing complete */
    SK_PEV_HEADER,     /* native: a header line in text[0..text_len), NUL-terminated */
    SK_PEV_PAYLOAD,    /* native: payload bytes in data[0..len); `last` when complete */
    SK_PEV_COMMAND,    /* clamd: a command in text (prefix, delimiter, '\r' removed) */
    SK_PEV_CHUNK,      /* clamd: a chunk of chunk_len bytes follows; 0 ended the stream */
    SK_PEV_CHUNK_DATA, /* clamd: chunk bytes in data[0..len) */
    SK_PEV_TOO_LONG,   /* a header or command line over its maximum */
    SK_PEV_NOMEM,      /* the line could not grow */
};

struct sk_proto_ev {
    enum sk_proto_event kind;
    char *text; /* HEADER, COMMAND: inside the parser's line, valid until the next feed */
    size_t text_len;
    const uint8_t *data; /* PAYLOAD, CHUNK_DATA: inside the caller's bytes */
    size_t len;
    uint32_t chunk_len; /* CHUNK */
    bool last;          /* PAYLOAD: the request's payload is complete */
};

/* Consumes bytes from buf[0..len) up to the first event and returns how many;
 * *ev says what happened. Call again with the rest. In CWAITFD nothing is
 * consumed (the caller takes the descriptor). State changes that depend on
 * the daemon (a header accepted, INSTREAM started) come from the caller
 * through the functions below. */
size_t sk_proto_feed(struct sk_proto *p, const uint8_t *buf, size_t len, struct sk_proto_ev *ev);

/* The caller accepted a native header: `size` payload bytes follow (none:
 * the next header). */
void sk_proto_expect_payload(struct sk_proto *p, uint64_t size);
/* The caller refused a native request: its `size` payload bytes are skipped. */
void sk_proto_skip_payload(struct sk_proto *p, uint64_t size);
/* The caller started an INSTREAM: chunk lengths follow. */
void sk_proto_expect_chunks(struct sk_proto *p);
/* The caller read n payload or chunk bytes straight into its own buffer
 * (n <= left); the state moves on when the payload or chunk is complete. */
void sk_proto_took_direct(struct sk_proto *p, size_t n);
/* True at a request boundary: no line, payload or chunk half-read. */
bool sk_proto_at_boundary(const struct sk_proto *p);
void sk_proto_free(struct sk_proto *p);

/* ---- the native header ---- */

enum sk_native_type { SK_NATIVE_MESSAGE, SK_NATIVE_FILE, SK_NATIVE_STATS, SK_NATIVE_VERDICT };

#define SK_NATIVE_MAX_TOKEN 64u   /* a verdict request's "token" (ours are 32) */
#define SK_NATIVE_MAX_SECRET 1024u

struct sk_native_header {
    json_t *json; /* owns every string below; sk_native_header_free */
    const char *id;
    enum sk_native_type type;
    uint64_t size;
    const char *filename;
    const char *body;
    size_t body_len;
    size_t n_passwords;
    const char *token;  /* a verdict request's */
    const char *secret; /* any request's "secret" (over TCP with --secret-file) */
    size_t secret_len;
};

struct sk_native_error {
    const char *code; /* "bad_request" or "too_large" */
    char message[96];
};

/* Parses and checks one header line against max_bytes. 0 and *h filled (a
 * stats request carries only its id and secret, a verdict request its
 * token too), or -1 and *err; h->id is set whenever
 * the header had a string id, also on error. Free h either way. */
int sk_native_header_parse(const char *text, size_t len, uint64_t max_bytes,
                           struct sk_native_header *h, struct sk_native_error *err);
const char *sk_native_password(const struct sk_native_header *h, size_t i);
void sk_native_header_free(struct sk_native_header *h);

/* ---- clamd commands ---- */

enum sk_clamd_cmd {
    SK_CLAMD_UNKNOWN,
    SK_CLAMD_PING,
    SK_CLAMD_VERSION,
    SK_CLAMD_VERSIONCOMMANDS,
    SK_CLAMD_STATS,
    SK_CLAMD_IDSESSION,
    SK_CLAMD_END,
    SK_CLAMD_INSTREAM,
    SK_CLAMD_FILDES,
    SK_CLAMD_SCAN, /* SCAN, CONTSCAN, MULTISCAN, ALLMATCHSCAN with an absolute path */
};

/* Which command cmd is; *arg points at its argument inside cmd, or NULL. */
enum sk_clamd_cmd sk_clamd_command(const char *cmd, const char **arg);

#endif
