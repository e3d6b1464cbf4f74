/* The milter protocol's framing and session (milter.h). Follows
 * libmilter's mfdef.h (Debian's libmilter-dev) and the protocol notes of
 * Sendmail 8.14 (version 6): every length from the MTA is checked against
 * what remains and the caps before anything is kept. */
#include "milter.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/error.h"

static const char header_verdict[] = "X-Sekisho-Verdict";
static const char header_reasons[] = "X-Sekisho-Reasons";

void sk_milter_init(struct sk_milter *m, uint64_t max_bytes)
{
    memset(m, 0, sizeof *m);
    m->max_bytes = max_bytes;
    sk_dynbuf_init(&m->frame, SK_MILTER_MAX_FRAME);
    sk_dynbuf_init(&m->msg, max_bytes > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)max_bytes);
    sk_dynbuf_init(&m->out, 64u * 1024u);
}

/* Forgets the message but not the queue id: the MTA's macros for MAIL
 * come just before it. */
static void forget_message(struct sk_milter *m)
{
    sk_dynbuf_free(&m->msg);
    m->msg_bytes = 0;
    m->overflow = m->eoh = false;
    m->forged_verdict = m->forged_reasons = 0;
    free(m->from);
    m->from = NULL;
    for (size_t i = 0; i < m->n_rcpts; i++)
        free(m->rcpts[i]);
    m->n_rcpts = 0;
}

void sk_milter_reset(struct sk_milter *m)
{
    forget_message(m);
    m->queue_id[0] = '\0';
}

void sk_milter_free(struct sk_milter *m)
{
    sk_milter_reset(m);
    sk_dynbuf_free(&m->frame);
    sk_dynbuf_free(&m->out);
}

bool sk_milter_at_frame_boundary(const struct sk_milter *m)
{
    return m->lenbuf_n == 0;
}

/* ---- replies ---- */

static int put_frame(struct sk_dynbuf *out, char cmd, const void *data, size_t len)
{
    uint32_t n = (uint32_t)len + 1u;
    uint8_t head[5] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n,
                       (uint8_t)cmd};
    int rc = sk_dynbuf_add(out, head, sizeof head);
    return rc ? rc : sk_dynbuf_add(out, data, len);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* name\0value\0, optionally after a 4-byte index (CHGHEADER). */
static int put_header(struct sk_dynbuf *out, char cmd, bool indexed, uint32_t index,
                      const char *name, const char *value)
{
    struct sk_dynbuf body;
    sk_dynbuf_init(&body, SK_MILTER_MAX_FRAME);
    uint8_t idx[4];
    put_u32(idx, index);
    int rc = indexed ? sk_dynbuf_add(&body, idx, sizeof idx) : 0;
    if (!rc)
        rc = sk_dynbuf_add(&body, name, strlen(name) + 1);
    if (!rc)
        rc = sk_dynbuf_add(&body, value, strlen(value) + 1);
    if (!rc)
        rc = put_frame(out, cmd, body.p, body.len);
    sk_dynbuf_free(&body);
    return rc;
}

/* Printable ASCII of at most SK_MILTER_MAX_REASON bytes: text that goes
 * into an SMTP reply or a header. '%' is left out too (Sendmail's reply
 * text treats it as a format character). */
static void sanitize(char *out, size_t cap, const char *in)
{
    size_t n = 0;
    for (size_t i = 0; in && in[i] && n + 1 < cap && n < SK_MILTER_MAX_REASON; i++) {
        unsigned char ch = (unsigned char)in[i];
        out[n++] = ch >= 0x20 && ch < 0x7f && ch != '%' ? (char)ch : ' ';
    }
    out[n] = '\0';
}

/* "Sekisho VERDICT: reasons", sanitised, at most SK_MILTER_MAX_REASON
 * bytes: the reply text and the quarantine reason. */
static void reason_text(char *out, size_t cap, const struct sk_milter_result *r)
{
    char text[SK_MILTER_MAX_REASON + 64];
    snprintf(text, sizeof text, "Sekisho %.16s: %.*s", r->verdict ? r->verdict : "?",
             (int)SK_MILTER_MAX_REASON, r->reasons && r->reasons[0] ? r->reasons : "none");
    sanitize(out, cap, text);
}

static int reply_code(struct sk_milter *m, const struct sk_milter_result *r)
{
    char text[SK_MILTER_MAX_REASON + 1], line[SK_MILTER_MAX_REASON + 16];
    reason_text(text, sizeof text, r);
    snprintf(line, sizeof line, "%s %s",
             r->action == SK_MILTER_REJECT ? "550 5.7.1" : "451 4.7.1", text);
    return put_frame(&m->out, SK_SMFIR_REPLYCODE, line, strlen(line) + 1);
}

/* Removes every X-Sekisho-* header that arrived (the last of a name first,
 * so the indexes of the others stay), then adds ours. */
static int reply_headers(struct sk_milter *m, const struct sk_milter_result *r)
{
    int rc = 0;
    if (m->actions & SK_SMFIF_CHGHDRS) {
        for (unsigned i = m->forged_verdict; !rc && i > 0; i--)
            rc = put_header(&m->out, SK_SMFIR_CHGHEADER, true, i, header_verdict, "");
        for (unsigned i = m->forged_reasons; !rc && i > 0; i--)
            rc = put_header(&m->out, SK_SMFIR_CHGHEADER, true, i, header_reasons, "");
    }
    char verdict[32], reasons[SK_MILTER_MAX_REASON + 1];
    sanitize(verdict, sizeof verdict, r->verdict);
    sanitize(reasons, sizeof reasons, r->reasons && r->reasons[0] ? r->reasons : "none");
    if (!rc && (m->actions & SK_SMFIF_ADDHDRS)) {
        rc = put_header(&m->out, SK_SMFIR_ADDHEADER, false, 0, header_verdict, verdict);
        if (!rc)
            rc = put_header(&m->out, SK_SMFIR_ADDHEADER, false, 0, header_reasons, reasons);
    }
    return rc;
}

int sk_milter_result_reply(struct sk_milter *m, const struct sk_milter_result *r)
{
    sk_dynbuf_reset(&m->out);
    /* Without the MTA's leave to quarantine, a message to be held is
     * failed (tempfail) rather than delivered. */
    bool hold = r->action == SK_MILTER_QUARANTINE;
    if (hold && !(m->actions & SK_SMFIF_QUARANTINE))
        return put_frame(&m->out, SK_SMFIR_TEMPFAIL, NULL, 0) ? SK_ENOMEM : 0;
    if (r->action == SK_MILTER_REJECT || r->action == SK_MILTER_TEMPFAIL)
        return reply_code(m, r) ? SK_ENOMEM : 0;
    /* X-Sekisho-* headers from outside that the MTA does not let us remove
     * would be delivered beside ours, and a reader could believe them:
     * tempfail instead (an MTA that offers no header changes is
     * misconfigured; Postfix offers them). */
    if ((m->forged_verdict || m->forged_reasons) && !(m->actions & SK_SMFIF_CHGHDRS))
        return put_frame(&m->out, SK_SMFIR_TEMPFAIL, NULL, 0) ? SK_ENOMEM : 0;
    int rc = reply_headers(m, r);
    if (!rc && hold) {
        char why[SK_MILTER_MAX_REASON + 1];
        reason_text(why, sizeof why, r);
        rc = put_frame(&m->out, SK_SMFIR_QUARANTINE, why, strlen(why) + 1);
    }
    if (!rc)
        rc = put_frame(&m->out, SK_SMFIR_CONTINUE, NULL, 0);
    return rc ? SK_ENOMEM : 0;
}

/* ---- commands ---- */

/* The i-th NUL-terminated string of data[0..len) (from *pos), or NULL when
 * it does not end inside the data. */
static const char *next_string(const uint8_t *data, size_t len, size_t *pos)
{
    if (*pos >= len)
        return NULL;
    const uint8_t *end = memchr(data + *pos, '\0', len - *pos);
    if (!end)
        return NULL;
    const char *s = (const char *)data + *pos;
    *pos = (size_t)(end - data) + 1;
    return s;
}

/* An envelope address as correlation keeps From and To: no angle
 * brackets, lowercase; NULL when too long or out of memory. */
static char *envelope_address(const char *arg)
{
    size_t n = strlen(arg);
    if (n >= 2 && arg[0] == '<' && arg[n - 1] == '>') {
        arg++;
        n -= 2;
    }
    if (n > SK_MAIL_MAX_FIELD)
        return NULL;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)arg[i]);
    out[n] = '\0';
    return out;
}

static bool reply_continue(struct sk_milter *m, enum sk_milter_event *ev)
{
    sk_dynbuf_reset(&m->out);
    if (put_frame(&m->out, SK_SMFIR_CONTINUE, NULL, 0) != 0) {
        m->error = "out of memory";
        *ev = SK_MEV_ERROR;
        return false;
    }
    *ev = SK_MEV_REPLY;
    return true;
}

static void optneg(struct sk_milter *m, const uint8_t *d, size_t len, enum sk_milter_event *ev)
{
    if (len < 12 || get_u32(d) < 2) {
        m->error = "option negotiation too short or version below 2";
        *ev = SK_MEV_ERROR;
        return;
    }
    uint32_t version = get_u32(d);
    uint32_t offered_actions = get_u32(d + 4);
    m->actions = offered_actions & (SK_SMFIF_ADDHDRS | SK_SMFIF_CHGHDRS | SK_SMFIF_QUARANTINE);
    /* Every step is taken as offered (each answered CONTINUE): an MTA or
     * test tool that sends CONNECT or HELO anyway is not surprised. */
    uint32_t steps = 0;
    uint8_t reply[12];
    put_u32(reply, version < SK_MILTER_VERSION ? version : SK_MILTER_VERSION);
    put_u32(reply + 4, m->actions);
    put_u32(reply + 8, steps);
    sk_dynbuf_reset(&m->out);
    if (put_frame(&m->out, SK_SMFIC_OPTNEG, reply, sizeof reply) != 0) {
        m->error = "out of memory";
        *ev = SK_MEV_ERROR;
        return;
    }
    m->negotiated = true;
    *ev = SK_MEV_REPLY;
}

/* Appends to the message; past max_bytes it is dropped and only counted. */
static void keep(struct sk_milter *m, const void *p, size_t n)
{
    m->msg_bytes += n;
    if (m->overflow)
        return;
    if (m->msg_bytes > m->max_bytes || sk_dynbuf_add(&m->msg, p, n) != 0) {
        m->overflow = true;
        sk_dynbuf_free(&m->msg);
    }
}

static void count_forged(struct sk_milter *m, const char *name)
{
    if (strcasecmp(name, header_verdict) == 0 && m->forged_verdict < UINT32_MAX)
        m->forged_verdict++;
    else if (strcasecmp(name, header_reasons) == 0 && m->forged_reasons < UINT32_MAX)
        m->forged_reasons++;
}

/* `Name: value\r\n`; a folded value's bare line feeds become CRLF. */
static void header(struct sk_milter *m, const uint8_t *d, size_t len, enum sk_milter_event *ev)
{
    size_t pos = 0;
    const char *name = next_string(d, len, &pos);
    const char *value = next_string(d, len, &pos);
    if (!name || !value) {
        m->error = "a header without its name or value";
        *ev = SK_MEV_ERROR;
        return;
    }
    count_forged(m, name);
    keep(m, name, strlen(name));
    keep(m, ": ", 2);
    for (const char *p = value; *p; p++) {
        if (*p == '\n' && (p == value || p[-1] != '\r'))
            keep(m, "\r", 1);
        keep(m, p, 1);
    }
    keep(m, "\r\n", 2);
    reply_continue(m, ev);
}

static void end_of_headers(struct sk_milter *m)
{
    if (!m->eoh) {
        m->eoh = true;
        keep(m, "\r\n", 2);
    }
}

static void envelope(struct sk_milter *m, bool sender, const uint8_t *d, size_t len,
                     enum sk_milter_event *ev)
{
    size_t pos = 0;
    const char *arg = next_string(d, len, &pos);
    if (!arg) {
        m->error = "MAIL or RCPT without its address";
        *ev = SK_MEV_ERROR;
        return;
    }
    if (sender) {
        forget_message(m); /* MAIL starts a message */
        m->from = envelope_address(arg);
        if (!m->from)
            m->from = strdup("");
    } else if (m->n_rcpts < SK_MILTER_MAX_RCPTS) {
        char *rcpt = envelope_address(arg);
        if (rcpt)
            m->rcpts[m->n_rcpts++] = rcpt;
    }
    reply_continue(m, ev);
}

/* Macros: the queue id (i) is kept for the log. */
static void macros(struct sk_milter *m, const uint8_t *d, size_t len)
{
    size_t pos = 1; /* the command the macros are for */
    for (unsigned i = 0; i < 256u; i++) {
        const char *name = next_string(d, len, &pos);
        const char *value = name ? next_string(d, len, &pos) : NULL;
        if (!value)
            return;
        if ((strcmp(name, "i") == 0 || strcmp(name, "{i}") == 0) &&
            strlen(value) < sizeof m->queue_id)
            memcpy(m->queue_id, value, strlen(value) + 1);
    }
}

static void command(struct sk_milter *m, char cmd, const uint8_t *d, size_t len,
                    enum sk_milter_event *ev)
{
    *ev = SK_MEV_NONE;
    if (!m->negotiated && cmd != SK_SMFIC_OPTNEG) {
        m->error = "a command before option negotiation";
        *ev = SK_MEV_ERROR;
        return;
    }
    switch (cmd) {
    case SK_SMFIC_OPTNEG: optneg(m, d, len, ev); break;
    case SK_SMFIC_MACRO: macros(m, d, len); break;
    case SK_SMFIC_CONNECT:
    case SK_SMFIC_HELO:
    case SK_SMFIC_DATA:
    case SK_SMFIC_UNKNOWN: reply_continue(m, ev); break;
    case SK_SMFIC_MAIL: envelope(m, true, d, len, ev); break;
    case SK_SMFIC_RCPT: envelope(m, false, d, len, ev); break;
    case SK_SMFIC_HEADER: header(m, d, len, ev); break;
    case SK_SMFIC_EOH:
        end_of_headers(m);
        reply_continue(m, ev);
        break;
    case SK_SMFIC_BODY:
        end_of_headers(m);
        keep(m, d, len);
        reply_continue(m, ev);
        break;
    case SK_SMFIC_BODYEOB:
        end_of_headers(m);
        keep(m, d, len);
        *ev = SK_MEV_MESSAGE;
        break;
    case SK_SMFIC_ABORT: sk_milter_reset(m); break;
    case SK_SMFIC_QUIT_NC: /* a new session on this connection follows */
        sk_milter_reset(m);
        m->negotiated = false;
        break;
    case SK_SMFIC_QUIT: *ev = SK_MEV_QUIT; break;
    default:
        m->error = "an unknown command";
        *ev = SK_MEV_ERROR;
        break;
    }
}

size_t sk_milter_feed(struct sk_milter *m, const uint8_t *buf, size_t len,
                      enum sk_milter_event *ev)
{
    size_t used = 0;
    *ev = SK_MEV_NONE;
    while (m->lenbuf_n < 4 && used < len)
        m->lenbuf[m->lenbuf_n++] = buf[used++];
    if (m->lenbuf_n < 4)
        return used;
    if (m->frame.len == 0 && m->frame_len == 0) {
        uint32_t frame_len = get_u32(m->lenbuf);
        if (frame_len == 0 || frame_len > SK_MILTER_MAX_FRAME) {
            m->error = frame_len ? "a frame over the maximum" : "an empty frame";
            *ev = SK_MEV_ERROR;
            return used;
        }
        m->frame_len = frame_len;
    }
    size_t want = m->frame_len - m->frame.len;
    size_t take = len - used < want ? len - used : want;
    if (take && sk_dynbuf_add(&m->frame, buf + used, take) != 0) {
        m->error = "out of memory";
        *ev = SK_MEV_ERROR;
        return used;
    }
    used += take;
    if (m->frame.len < m->frame_len)
        return used;
    const uint8_t *f = (const uint8_t *)m->frame.p;
    command(m, (char)f[0], f + 1, m->frame.len - 1, ev);
    sk_dynbuf_reset(&m->frame);
    m->frame_len = 0;
    m->lenbuf_n = 0;
    return used;
}

char *sk_milter_take_message(struct sk_milter *m, size_t *len, char **from, char ***rcpts,
                             size_t *n_rcpts)
{
    *from = m->from;
    m->from = NULL;
    *n_rcpts = 0;
    *rcpts = m->n_rcpts ? malloc(m->n_rcpts * sizeof **rcpts) : NULL;
    if (*rcpts) {
        memcpy(*rcpts, m->rcpts, m->n_rcpts * sizeof **rcpts);
        *n_rcpts = m->n_rcpts;
    } else {
        for (size_t i = 0; i < m->n_rcpts; i++)
            free(m->rcpts[i]);
    }
    m->n_rcpts = 0;
    *len = 0;
    if (m->overflow)
        return NULL;
    return sk_dynbuf_take(&m->msg, len);
}

static const char *const action_names[] = {"accept", "reject", "tempfail", "quarantine"};
static const char *const outcome_names[] = {"pass", "sandbox", "block", "error"};

static int name_index(const char *name, size_t name_len, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == name_len && strncmp(name, names[i], name_len) == 0)
            return (int)i;
    return -1;
}

int sk_milter_action_option(const char *arg, enum sk_milter_action actions[SK_MILTER_OUTCOMES])
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return -1;
    int outcome = name_index(arg, (size_t)(eq - arg), outcome_names, SK_MILTER_OUTCOMES);
    int action = name_index(eq + 1, strlen(eq + 1), action_names,
                            sizeof action_names / sizeof action_names[0]);
    if (outcome < 0 || action < 0)
        return -1;
    actions[outcome] = (enum sk_milter_action)action;
    return 0;
}

void sk_milter_actions_default(enum sk_milter_action actions[SK_MILTER_OUTCOMES])
{
    actions[SK_MILTER_ON_PASS] = SK_MILTER_ACCEPT;
    actions[SK_MILTER_ON_SANDBOX] = SK_MILTER_QUARANTINE;
    actions[SK_MILTER_ON_BLOCK] = SK_MILTER_REJECT;
    actions[SK_MILTER_ON_ERROR] = SK_MILTER_TEMPFAIL;
}

const char *sk_milter_action_name(enum sk_milter_action a)
{
    return (unsigned)a < sizeof action_names / sizeof action_names[0] ? action_names[a] : "?";
}
