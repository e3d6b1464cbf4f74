/* Splitting an mbox file given to `sekisho scan` into its messages (the
 * command line's own input splitting: a mailbox found inside an archive or
 * an attachment is the engine's business). Pure: bytes in, offsets out. */
#ifndef SK_MBOX_H
#define SK_MBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when p[0..n) begins with an mbox envelope line: `From `, a sender
 * (an address or MAILER-DAEMON), then a date with a time and a year
 * ("From the desk of..." is plain text, not a mailbox). */
bool sk_mbox_detect(const uint8_t *p, size_t n);

/* Where the next message of a mailbox lies. */
struct sk_mbox_msg {
    size_t start; /* first byte after the envelope line */
    size_t len;   /* up to, not including, the blank line before the next envelope */
    bool escaped; /* has `>From ` lines to un-escape (mboxrd) */
};

/* Finds the message whose envelope line begins at *at (0 for the first),
 * and moves *at to the next envelope line (or n). False when none is left. */
bool sk_mbox_next(const uint8_t *p, size_t n, size_t *at, struct sk_mbox_msg *msg);

/* Un-escapes a message as mboxrd: one `>` is taken from every line that
 * matches `^>+From `. out holds at least len bytes; returns the new length.
 * An mboxo writer escaped only `From `, so a body line that was `>From `
 * loses a `>` too (the one ambiguity of mboxo; harmless for a scan). */
size_t sk_mbox_unescape(const uint8_t *in, size_t len, uint8_t *out);

#endif
