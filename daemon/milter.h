/* The milter protocol (Sendmail's libmilter, version 6, as Postfix speaks
 * it), apart from any I/O: bytes from the MTA in, one event per command,
 * reply frames out. conn_milter.c owns the socket and the scan; the fuzz
 * target fuzz_milter feeds arbitrary byte streams, split anywhere.
 *
 * Wire (libmilter's mfdef.h and the protocol notes of Sendmail 8.14): each
 * frame is a 4-byte big-endian length, then that many bytes: a command
 * character and its data. What the MTA can make this code hold: one frame
 * of at most SK_MILTER_MAX_FRAME bytes, the message (headers as
 * `Name: value\r\n`, a blank line, the body as handed over) of at most
 * max_bytes (past that it is dropped and only counted: the failure
 * action follows at end of body), the envelope (SK_MILTER_MAX_RCPTS
 * recipients of at most SK_MAIL_MAX_FIELD bytes; more are not kept), and
 * the queue id. No libuv here. */
#ifndef SK_DAEMON_MILTER_H
#define SK_DAEMON_MILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/dynbuf.h"
#include "../engine/limits.h"

#define SK_MILTER_VERSION 6u
#define SK_MILTER_MAX_FRAME (1u << 20) /* one command: Postfix sends body chunks of 64 KiB */
#define SK_MILTER_MAX_RCPTS SK_MAIL_MAX_ADDRESSES
#define SK_MILTER_MAX_QUEUE_ID 64u
#define SK_MILTER_MAX_REASON 200u /* the reply text and the header values */

/* Commands (MTA to filter), mfdef.h's SMFIC_*. */
#define SK_SMFIC_ABORT 'A'
#define SK_SMFIC_BODY 'B'
#define SK_SMFIC_CONNECT 'C'
#define SK_SMFIC_MACRO 'D'
#define SK_SMFIC_BODYEOB 'E'
#define SK_SMFIC_HELO 'H'
#define SK_SMFIC_QUIT_NC 'K'
#define SK_SMFIC_HEADER 'L'
#define SK_SMFIC_MAIL 'M'
#define SK_SMFIC_EOH 'N'
#define SK_SMFIC_OPTNEG 'O'
#define SK_SMFIC_QUIT 'Q'
#define SK_SMFIC_RCPT 'R'
#define SK_SMFIC_DATA 'T'
#define SK_SMFIC_UNKNOWN 'U'

/* Replies (filter to MTA), SMFIR_*. */
#define SK_SMFIR_ACCEPT 'a'
#define SK_SMFIR_CONTINUE 'c'
#define SK_SMFIR_ADDHEADER 'h'
#define SK_SMFIR_CHGHEADER 'm'
#define SK_SMFIR_QUARANTINE 'q'
#define SK_SMFIR_REJECT 'r'
#define SK_SMFIR_TEMPFAIL 't'
#define SK_SMFIR_REPLYCODE 'y'

/* Actions the filter asks for (SMFIF_*): only those the MTA offered are
 * taken. */
#define SK_SMFIF_ADDHDRS 0x01u
#define SK_SMFIF_CHGHDRS 0x10u
#define SK_SMFIF_QUARANTINE 0x20u

/* What a gateway does with a message (serve's --milter-action). */
enum sk_milter_action {
    SK_MILTER_ACCEPT,     /* deliver, with the headers */
    SK_MILTER_REJECT,     /* 550 5.7.1 and the reasons */
    SK_MILTER_TEMPFAIL,   /* 451 4.7.1: the sender's MTA retries */
    SK_MILTER_QUARANTINE, /* the MTA's hold queue, with the headers */
};

/* The outcomes an action is chosen for: the three verdicts and a scan that
 * failed (busy, a scanner lost, over --max-bytes). */
enum sk_milter_outcome {
    SK_MILTER_ON_PASS,
    SK_MILTER_ON_SANDBOX,
    SK_MILTER_ON_BLOCK,
    SK_MILTER_ON_ERROR,
    SK_MILTER_OUTCOMES
};

/* `VERDICT=ACTION` (pass, sandbox, block or error; accept, reject,
 * tempfail or quarantine) into actions[]: 0 or -1. */
int sk_milter_action_option(const char *arg, enum sk_milter_action actions[SK_MILTER_OUTCOMES]);
/* The defaults: pass accept, sandbox quarantine, block reject, error tempfail. */
void sk_milter_actions_default(enum sk_milter_action actions[SK_MILTER_OUTCOMES]);

/* The outcome of one message, for its reply (sk_milter_result_reply). */
struct sk_milter_result {
    enum sk_milter_action action;
    const char *verdict; /* pass, sandbox or block: X-Sekisho-Verdict */
    const char *reasons; /* comma-separated codes ("" none): X-Sekisho-Reasons */
};

enum sk_milter_event {
    SK_MEV_NONE,    /* bytes taken; no command complete, or one that wants no reply */
    SK_MEV_REPLY,   /* a command wants the reply in out */
    SK_MEV_MESSAGE, /* end of body: the message is complete (or overflowed): scan it */
    SK_MEV_QUIT,    /* the MTA closed the session */
    SK_MEV_ERROR,   /* a protocol violation: close the connection (why: error) */
};

struct sk_milter {
    /* framing */
    uint8_t lenbuf[4];
    size_t lenbuf_n;
    uint32_t frame_len; /* of the frame being read, once lenbuf is full */
    struct sk_dynbuf frame;
    /* the session */
    bool negotiated;
    uint32_t actions; /* what the MTA allowed us (SMFIF_*) */
    uint64_t max_bytes;
    /* the message being received */
    struct sk_dynbuf msg; /* headers, blank line, body; freed on overflow */
    uint64_t msg_bytes;   /* bytes the MTA handed over, kept or not */
    bool overflow;        /* over max_bytes: not kept */
    bool eoh;             /* the blank line after the headers is in msg */
    unsigned forged_verdict, forged_reasons; /* X-Sekisho-* headers that arrived */
    char *from;                         /* envelope sender, lowercase, no <> */
    char *rcpts[SK_MILTER_MAX_RCPTS];   /* envelope recipients, the same */
    size_t n_rcpts;
    char queue_id[SK_MILTER_MAX_QUEUE_ID]; /* the MTA's macro i, "" unknown */
    /* out */
    struct sk_dynbuf out; /* the reply of the last SK_MEV_REPLY */
    const char *error;    /* the last SK_MEV_ERROR's why */
};

/* A session whose messages may hold max_bytes. */
void sk_milter_init(struct sk_milter *m, uint64_t max_bytes);
void sk_milter_free(struct sk_milter *m);

/* Consumes bytes from buf[0..len) up to the end of the first complete
 * command and returns how many; *ev says what happened (SK_MEV_REPLY:
 * m->out holds the reply frames). Call again with the rest. */
size_t sk_milter_feed(struct sk_milter *m, const uint8_t *buf, size_t len,
                      enum sk_milter_event *ev);

/* True between commands (no frame half-read). */
bool sk_milter_at_frame_boundary(const struct sk_milter *m);

/* Takes the message the last SK_MEV_MESSAGE completed (malloc'd, *len
 * bytes; NULL after an overflow or when it is empty) and the envelope:
 * the caller owns and frees *from and each rcpts[i] (n of them). The
 * header counts stay for sk_milter_result_reply; sk_milter_reset ends
 * the message. */
char *sk_milter_take_message(struct sk_milter *m, size_t *len, char **from, char ***rcpts,
                             size_t *n_rcpts);

/* Ends the message: its bytes, envelope and counts are forgotten. */
void sk_milter_reset(struct sk_milter *m);

/* The end-of-message reply for r into m->out: for accept and quarantine,
 * each X-Sekisho-* header that arrived is removed (CHGHEADER, last index
 * first), X-Sekisho-Verdict and X-Sekisho-Reasons are added, quarantine
 * asks for the hold queue, then CONTINUE; reject and tempfail are a
 * REPLYCODE (550 5.7.1 / 451 4.7.1) with the verdict and reasons as
 * printable ASCII of at most SK_MILTER_MAX_REASON bytes. 0 or SK_ENOMEM. */
int sk_milter_result_reply(struct sk_milter *m, const struct sk_milter_result *r);

const char *sk_milter_action_name(enum sk_milter_action a);

#endif
