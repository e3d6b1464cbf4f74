/* OpenPGP ASCII armour: what a PGP/MIME part or an inline PGP body is.
 *
 * Spec: RFC 4880 (OpenPGP: 6.2 armour, 4.2 packet headers, 5.1/5.3/5.7/5.13
 * the packets that start an encrypted message), RFC 3156 (PGP/MIME:
 * multipart/encrypted carries an application/octet-stream armoured
 * message, multipart/signed an application/pgp-signature). Every armour
 * line ("-----BEGIN PGP <label>-----" at the start of a line) of the node
 * is looked at, so a greeting before an inline message changes nothing.
 * Supports: a MESSAGE whose first packet is a public-key or symmetric-key
 * encrypted session key, or encrypted data (tags 1, 3, 9, 18, 20):
 * `encrypted.unopened` on this node (no key is ever held here), which clamd
 * names Heuristics.Encrypted.PGP; a SIGNATURE, SIGNED MESSAGE (the signed
 * text is in clear in this node and YARA-scanned with it), PUBLIC KEY BLOCK
 * or PRIVATE KEY BLOCK: a known type that passes, recorded in `info`.
 * Signatures are never verified (no keyring). No children.
 * Refuses: a MESSAGE that is not encrypted (signed or compressed: its
 * content is not unpacked here) and armour labels RFC 4880 does not define
 * (error.unsupported); a MESSAGE whose first packet cannot be decoded
 * (error.corrupt). Limits: one pass over the node's bytes; at most the
 * first 4 base64 characters of each message are decoded (its first packet
 * tag); no allocation. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "../engine/sniff.h"
#include "unpacker.h"

/* The window of a text the armour is looked for in. */
#define PGP_HEAD_WINDOW (64u * 1024u)

/* "-----BEGIN PGP " after a UTF-8 BOM and white space in the first 1024
 * bytes, case-insensitive: the text is armour from its first line. */
static bool begins_with_armour(const struct sk_buf *data)
{
    static const char begin[] = "-----BEGIN PGP ";
    struct sk_reader w = sk_reader_make(data->p, data->len < 1024 ? data->len : 1024);
    size_t at = sk_reader_skip_space(&w, 0);
    const uint8_t *line = sk_reader_at(&w, at, sizeof begin - 1);
    return line && strncasecmp((const char *)line, begin, sizeof begin - 1) == 0;
}

/* A line of the first PGP_HEAD_WINDOW bytes that starts with the armour of
 * an encrypted message (RFC 4880 6.2), as an inline message after a
 * greeting has it. Each turn moves past one line: linear in the window. */
static bool has_message_line(const struct sk_buf *data)
{
    static const char armour[] = "-----BEGIN PGP MESSAGE-----";
    const size_t len = sizeof armour - 1;
    size_t limit = data->len < PGP_HEAD_WINDOW ? data->len : PGP_HEAD_WINDOW;
    struct sk_reader w = sk_reader_make(data->p, limit);
    for (size_t at = 0; at + len <= limit;) {
        if (sk_reader_match(&w, at, armour, len))
            return true;
        const uint8_t *rest = sk_reader_at(&w, at, limit - at);
        const uint8_t *eol = rest ? memchr(rest, '\n', limit - at) : NULL;
        if (!eol)
            break;
        at += (size_t)(eol - rest) + 1;
    }
    return false;
}

/* The bid, only on what the sniffer found to be text. Armour from the
 * first line ("-----BEGIN PGP ", any label) is what the text is: 95, above
 * what a script, HTML or a message bids on the rest of it. An armoured
 * encrypted message further down (an inline message after a greeting) is
 * weaker evidence: 30, below every other text type's bid, so a mail or a
 * page that quotes one keeps its type. That one only in plain text: a text
 * type the sniffer gives itself (XML) counts as a bid of 0 and would lose
 * to it. A node already typed pgp is opened as that, 90. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    if (node->type == SK_TYPE_PGP)
        return 90;
    if (sk_type_precedence(node->type) != sk_type_precedence(SK_TYPE_TEXT))
        return 0;
    int score = begins_with_armour(&node->data)                               ? 95
                : node->type == SK_TYPE_TEXT && has_message_line(&node->data) ? 30
                                                                              : 0;
    if (score > 0)
        *type = SK_TYPE_PGP;
    return score;
}

static int b64(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The next line of p[*at..n): its start and length without CR/LF. */
static bool next_line(const unsigned char *p, size_t n, size_t *at, const unsigned char **line,
                      size_t *len)
{
    if (*at >= n)
        return false;
    const unsigned char *eol = memchr(p + *at, '\n', n - *at);
    size_t end = eol ? (size_t)(eol - p) : n;
    *line = p + *at;
    *len = end - *at;
    if (*len > 0 && (*line)[*len - 1] == '\r')
        (*len)--;
    *at = eol ? end + 1 : n;
    return true;
}

/* The tag of the first packet of the armoured message whose body starts
 * at *at (after the armour headers and their empty line), or -1. */
static int first_tag(const unsigned char *p, size_t n, size_t at)
{
    const unsigned char *line;
    size_t len;
    bool headers = true;
    while (next_line(p, n, &at, &line, &len)) {
        if (headers) {
            /* RFC 4880 6.2: "Key: value" headers, then an empty line. Some
             * writers leave the empty line out before the data. */
            if (len == 0) {
                headers = false;
                continue;
            }
            if (memchr(line, ':', len))
                continue;
            headers = false;
        }
        if (len == 0 || (len >= 5 && memcmp(line, "-----", 5) == 0))
            return -1;
        int a = b64(line[0]), b = len > 1 ? b64(line[1]) : -1;
        if (a < 0 || b < 0)
            return -1;
        unsigned char c = (unsigned char)(a << 2 | b >> 4);
        if (!(c & 0x80))
            return -1;
        return c & 0x40 ? c & 0x3f : (c >> 2) & 0x0f;
    }
    return -1;
}

static bool is_encrypted_tag(int tag)
{
    return tag == 1 || tag == 3 || tag == 9 || tag == 18 || tag == 20;
}

static int open_pgp(struct sk_unpack *u, void **out)
{
    const unsigned char *p = u->node->data.p, *line;
    size_t n = u->node->data.len, at = 0, len;
    static const char begin[] = "-----BEGIN PGP ";
    const size_t bl = sizeof begin - 1;
    unsigned armours = 0;
    *out = NULL;
    while (next_line(p, n, &at, &line, &len)) {
        if (len < bl || memcmp(line, begin, bl) != 0)
            continue;
        armours++;
        const unsigned char *label = line + bl;
        size_t ll = len - bl;
        while (ll > 0 && label[ll - 1] == '-')
            ll--;
        if (ll >= 7 && memcmp(label, "MESSAGE", 7) == 0) {
            int tag = first_tag(p, n, at);
            if (tag < 0) {
                sk_unpack_fail(u, "pgp", SK_ECORRUPT,
                               "armoured OpenPGP message without a readable first packet");
                return SK_ECORRUPT;
            }
            if (!is_encrypted_tag(tag)) {
                sk_unpack_fail(u, "pgp", SK_EUNSUPPORTED,
                               "OpenPGP message not encrypted (first packet tag %d): its "
                               "content is not unpacked",
                               tag);
                return SK_EUNSUPPORTED;
            }
            sk_unpack_info(u, "pgp", "encrypted message");
            sk_unpack_reason(u, "encrypted.unopened",
                             "OpenPGP encrypted message (%s): no key to open it",
                             tag == 1   ? "public-key"
                             : tag == 3 ? "passphrase"
                                        : "encrypted data");
            continue;
        }
        static const char *const passive[] = {"SIGNATURE", "SIGNED MESSAGE", "PUBLIC KEY BLOCK",
                                              "PRIVATE KEY BLOCK"};
        bool known = false;
        for (size_t i = 0; i < sizeof passive / sizeof passive[0] && !known; i++)
            known = ll == strlen(passive[i]) && memcmp(label, passive[i], ll) == 0;
        if (!known) {
            sk_unpack_fail(u, "pgp", SK_EUNSUPPORTED, "OpenPGP armour '%.*s' is not known",
                           (int)(ll < 64 ? ll : 64), (const char *)label);
            return SK_EUNSUPPORTED;
        }
        sk_unpack_info(u, "pgp", "%.*s%s", (int)ll, (const char *)label,
                       ll == 9 || ll == 14 ? " (not verified: no keyring)" : "");
    }
    if (armours == 0) {
        sk_unpack_fail(u, "pgp", SK_ECORRUPT, "no OpenPGP armour line");
        return SK_ECORRUPT;
    }
    return 0;
}

const struct sk_unpacker sk_unpacker_pgp = {
    .name = "pgp",
    .bid = bid,
    .open = open_pgp,
    .next = sk_unpack_next_none,
    .close = sk_unpack_close_none,
};
