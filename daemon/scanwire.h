/* The front-to-scanner protocol (its frames are described in scanner.h):
 * both halves in one place, so the two ends cannot drift apart. */
#ifndef SK_SCANWIRE_H
#define SK_SCANWIRE_H

#include <stdint.h>

#include "dreq.h"
#include "scanner.h"

/* sk_scanwire_call: the request could not be encoded (out of memory); the
 * scanner is not at fault and was not asked. */
#define SK_SCANWIRE_NOMEM (-3)

/* The front's half, on a pool thread: sends req (its strings, and its
 * bytes' memfd or its FILDES descriptor) to the scanner at fd and reads the
 * answer into req (reply, verdict, codes, sha, bytes, size, error,
 * out_of_memory). SK_IPC_OK; otherwise the scanner is lost and req's
 * results are untouched: SK_IPC_TIMEOUT past deadline_ns (stuck), else
 * SK_IPC_EOF or SK_IPC_ERROR (it died or broke step). */
int sk_scanwire_call(int fd, struct sk_dreq *req, uint64_t deadline_ns);

/* The scanner's half: one request as it came. */
struct sk_scanwire_in {
    struct sk_scan_head head;
    char *strings;
    const char **passwords;
    int fd;              /* the descriptor that came with it, or -1 */
    const uint8_t *data; /* the memfd mapped read-only (native, INSTREAM) */
    struct sk_dreq req;  /* pointing into the above */
};

/* Reads one request into in and sets in->req up for sk_dreq_run.
 * SK_IPC_OK, SK_IPC_EOF (the front is done with this scanner), or
 * SK_IPC_ERROR (out of step, or the bytes could not be mapped: the scanner
 * leaves and its request is answered fail-closed by the front). Always
 * followed by sk_scanwire_in_free. */
int sk_scanwire_read(int fd, struct sk_scanwire_in *in);
void sk_scanwire_in_free(struct sk_scanwire_in *in);

/* Sends req's results and reply (taken: req->reply is freed and NULL). 0,
 * or -1 when the front can no longer be answered. */
int sk_scanwire_answer(int fd, struct sk_dreq *req);

#endif
