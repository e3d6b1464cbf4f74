/* Messages (RFC 5322) and their MIME structure, through GMime 3.
 *
 * Spec: RFC 2045-2049 (MIME), RFC 2047 (encoded words), RFC 2231 (parameter
 * values), as GMime implements them. Children of a message, in order:
 * `body.txt` (type text: every text part that is not an attachment, decoded
 * from its charset to UTF-8, HTML reduced to text; text/rfc822-headers
 * too), then every other leaf under its file name (or `part-N`; x-uuencode
 * decoded by mime_text.c), every uuencoded block of the body under its
 * `begin` name and every yEnc block (yEnc 1.3) under its `name=`, and every
 * nested message/rfc822 as a message of its own (`message-N.eml` unless it
 * has a file name), which the engine opens in turn. Before any child is
 * handed back, password candidates are harvested from the subject and every
 * text part of the whole message, forwarded ones included, so that an
 * attachment is tried with everything the mail says. An empty multipart is
 * no error, and one whose parts cannot be found but whose content is plain
 * text is that text. Refuses: nothing silently; any other multipart whose
 * parts cannot be found is reported error.corrupt and its content scanned
 * as one part, as is a yEnc block whose size or CRC32 does not hold.
 * Limits: MIME nesting and part count (walked with an explicit stack);
 * child bytes through sk_unpack_append; the engine's node, depth and time
 * limits. GMime holds one copy of the message while it is open. */
#include <gmime/gmime.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/limits.h"
#include "../engine/reader.h"
#include "../engine/sniff.h"
#include "mime_text.h"
#include "text_head.h"
#include "unpacker.h"

#define MIME_MAX_NESTING 100u /* multipart levels walked in one message */
#define MIME_MAX_PARTS 20000u /* MIME objects walked in one message */
/* One header field, unfolded. RFC 5322 2.1.1 caps a line at 998 bytes;
 * folded fields (long recipient lists) legitimately run longer, but no
 * mailer writes a megabyte: such a field exists to choke parsers or to hide
 * bytes from scanners that cut headers short. */
#define MIME_MAX_HEADER_BYTES (1u << 20)
/* Of an attachment's encoded body, the message's scan (its skeleton)
 * keeps this much, to the end of that line: rules on raw mail look for
 * an attachment's encoded start (base64 "TVqQ" for a program) or a
 * phishing page's first lines (Yara-Rules' email/scam.yar: 2.3 KB in).
 * The rest is scanned once, decoded, as the attachment's own node. */
#define MIME_SCANNED_BODY_HEAD 4096u
#define MIME_SCANNED_LINE_MAX 1024u /* a head ends within this of the line */

enum plan_kind { PLAN_BODY, PLAN_PART, PLAN_MESSAGE, PLAN_BYTES };

/* Where one attachment's encoded body lies in the message (offsets into
 * the bytes GMime parsed). */
struct body_range {
    size_t start, end;
};

struct plan {
    enum plan_kind kind;
    GMimeObject *object; /* PART, MESSAGE: a reference owned by the message */
    GByteArray *bytes;   /* BODY, BYTES: owned */
    char *name;          /* owned (sk_unpack_alloc: free()) */
    struct body_range raw; /* PART: where its encoded body lies, if placed */
    bool placed;
};

/* Children to hand back: more than the engine could take as nodes is
 * refused like out of memory (error.internal). */
#define MIME_MAX_PLANS (SK_CAP_NODES + 1u)

struct mime_state {
    GMimeMessage *message;
    GByteArray *borrowed; /* our bytes as GMime reads them, or NULL */
    struct sk_reader input; /* the node's bytes, and where the message starts */
    size_t msg_start;
    struct sk_dynbuf bodies;  /* of struct body_range: attachments' encoded bodies */
    struct sk_dynbuf skeleton; /* what YARA scans for the message, or empty */
    GString *body;
    struct sk_dynbuf plan_buf; /* of struct plan, at most MIME_MAX_PLANS */
    struct plan *plans;        /* plan_buf's elements, moved only by add_plan */
    size_t n_plans, next;
    unsigned n_parts;              /* MIME objects walked */
    unsigned n_leaves, n_messages; /* for names of unnamed children */
    bool header_reported;          /* an oversized header field was reported */
};

struct walk_item {
    GMimeObject *object;
    unsigned depth;
    bool nested; /* inside a forwarded message: harvest text only */
};

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_start(void)
{
    g_mime_init();
}

/* A message by its header lines (text_head.c), 60: below a script (85)
 * and an HTML page (75), whose first lines can look like header fields too.
 * A node typed a message already (by this bid, or a child pkcs7.c hands
 * back typed so) is this unpacker's at 90. XML is never read: a document
 * whose prolog is followed by field-like lines stays XML, as it always was.
 * Bytes the sniffer left as data (a NUL or control bytes in the first
 * 64 KiB: a body in binary transfer encoding, a yEnc article) are a
 * message, also at 60, only when their whole header block is fields
 * (sk_looks_like_message_head): a binary format that happens to open with
 * "X-" or "From:" does not hold a clean header block and its empty line. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    if (node->type == SK_TYPE_EML)
        return 90;
    bool found = node->type == SK_TYPE_DATA
                     ? sk_looks_like_message_head(node->data.p, node->data.len)
                     : sk_text_score(node, 60) > 0 &&
                           sk_looks_like_message(node->data.p, node->data.len);
    if (!found)
        return 0;
    *type = SK_TYPE_EML;
    return 60;
}

/* Plans a child. Takes bytes and name, and releases them when it fails (a
 * NULL name is an allocation that failed): false then, out of memory. */
static bool add_plan(struct mime_state *st, enum plan_kind kind, GMimeObject *object,
                     GByteArray *bytes, char *name)
{
    struct plan plan = {kind, object, bytes, name, {0, 0}, false};
    if (name && sk_dynbuf_add(&st->plan_buf, &plan, sizeof plan) == 0) {
        st->plans = (struct plan *)(void *)st->plan_buf.p;
        st->n_plans = st->plan_buf.len / sizeof plan;
        return true;
    }
    if (bytes)
        g_byte_array_unref(bytes);
    free(name);
    return false;
}

/* The raw (still encoded) content of a leaf part. */
static GByteArray *part_raw_bytes(GMimeDataWrapper *content)
{
    GByteArray *bytes = g_byte_array_new();
    GMimeStream *raw = g_mime_data_wrapper_get_stream(content);
    if (!raw)
        return bytes;
    GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(bytes);
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
    g_mime_stream_reset(raw);
    g_mime_stream_write_to_stream(raw, mem);
    g_object_unref(mem);
    return bytes;
}

/* The decoded content of a leaf part (transfer encoding undone), at most
 * max_bytes of it where our own decoder runs. x-uuencode is decoded by
 * mime_text.c: GMime's filter loses its place on CRLF lines and on lines
 * whose trailing spaces were stripped, and hands back a shorter, wrong
 * file. */
static GByteArray *part_bytes(GMimePart *part, size_t max_bytes)
{
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    GByteArray *bytes = g_byte_array_new();
    if (!content)
        return bytes;
    if (g_mime_data_wrapper_get_encoding(content) == GMIME_CONTENT_ENCODING_UUENCODE) {
        GByteArray *raw = part_raw_bytes(content);
        sk_uu_decode_part((const char *)raw->data, raw->len, max_bytes, bytes);
        g_byte_array_unref(raw);
        return bytes;
    }
    GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(bytes);
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
    g_mime_data_wrapper_write_to_stream(content, mem);
    g_object_unref(mem);
    return bytes;
}

static bool is_body_text(GMimeObject *object)
{
    GMimeContentType *type = g_mime_object_get_content_type(object);
    return type && g_mime_content_type_is_type(type, "text", "*") &&
           !g_mime_part_is_attachment(GMIME_PART(object)) &&
           (g_mime_content_type_is_type(type, "text", "plain") ||
            g_mime_content_type_is_type(type, "text", "html") ||
            g_mime_content_type_is_type(type, "text", "rfc822-headers"));
}

/* A text part's decoded bytes as UTF-8: charset decoded, HTML reduced. */
static GString *part_text(GMimeObject *object, const GByteArray *raw)
{
    GString *utf8 = g_string_new(NULL);
    const char *charset = g_mime_object_get_content_type_parameter(object, "charset");
    sk_text_append_utf8(utf8, raw->data, raw->len, charset);
    GMimeContentType *type = g_mime_object_get_content_type(object);
    if (g_mime_content_type_is_type(type, "text", "html")) {
        GString *text = g_string_new(NULL);
        sk_html_append_text(text, utf8->str, utf8->len);
        g_string_free(utf8, TRUE);
        return text;
    }
    return utf8;
}

/* The part's own file name, else "<stem>-<n><suffix>"; NULL when out of
 * memory (recorded). */
static char *child_name(struct sk_unpack *u, const char *given, const char *stem, unsigned n,
                        const char *suffix)
{
    if (given && *given)
        return sk_unpack_strndup(u, given, strlen(given));
    char made[64];
    snprintf(made, sizeof made, "%s-%u%s", stem, n, suffix);
    return sk_unpack_strndup(u, made, strlen(made));
}

static size_t node_bytes(struct sk_unpack *u)
{
    return (size_t)sk_unpack_limits(u)->max_node_bytes;
}

/* uuencoded attachments inside a body text part. */
static bool plan_uu_blocks(struct sk_unpack *u, struct mime_state *st, const GString *text)
{
    struct sk_uu_block block;
    size_t from = 0;
    while (from < text->len && sk_uu_next(text->str, text->len, from, node_bytes(u), &block)) {
        if (!add_plan(st, PLAN_BYTES, NULL, block.bytes,
                      sk_unpack_strndup(u, block.name, strlen(block.name))))
            return false;
        from = block.next;
    }
    return true;
}

/* Harvests a text and, outside a forwarded message, adds it to the body
 * and plans its uuencoded blocks. */
static bool take_text(struct sk_unpack *u, struct mime_state *st, const struct walk_item *it,
                      const GString *text)
{
    sk_unpack_harvest(u, text->str, text->len, "body");
    if (it->nested)
        return true;
    if (st->body->len)
        g_string_append_c(st->body, '\n');
    g_string_append_len(st->body, text->str, (gssize)text->len);
    return plan_uu_blocks(u, st, text);
}

/* A NUL in a text part (binary transfer encoding, a careless mailer)
 * would make body.txt data of no known type: the text a reader sees has
 * none, so it becomes a space. */
static void replace_nuls(GString *text)
{
    for (char *nul = memchr(text->str, 0, text->len); nul;
         nul = memchr(nul, 0, text->len - (size_t)(nul - text->str)))
        *nul = ' ';
}

/* One yEnc block of raw as a child under its name=: bytes whose size or
 * CRC32 disagrees with its trailer (or that were cut at the node limit) are
 * error.corrupt and still scanned. */
static bool plan_yenc_block(struct sk_unpack *u, struct mime_state *st, const GByteArray *raw,
                            const struct sk_yenc_block *block)
{
    size_t cap = MIN(block->data_end - block->data, node_bytes(u));
    GByteArray *bytes = g_byte_array_sized_new((guint)cap);
    g_byte_array_set_size(bytes, (guint)cap);
    size_t len = sk_yenc_decode(raw->data, raw->len, block, bytes->data, cap);
    g_byte_array_set_size(bytes, (guint)len);
    const char *name = block->name[0] ? block->name : "yenc.bin";
    if (!sk_yenc_check(block, bytes->data, len))
        sk_unpack_fail(u, "mime", SK_ECORRUPT,
                       "yEnc block %.64s: its size or CRC32 is not its trailer's", name);
    return add_plan(st, PLAN_BYTES, NULL, bytes, sk_unpack_strndup(u, name, strlen(name)));
}

/* yEnc blocks in a text part's decoded bytes (before its charset is, which
 * would mangle them). Each block, a part of a multi-part file too, is a
 * child of its own: one article carries one part, and a part alone is
 * typed by its bytes (data of no known type when it is not the first). */
static bool plan_yenc_blocks(struct sk_unpack *u, struct mime_state *st, const GByteArray *raw)
{
    struct sk_yenc_block block;
    size_t from = 0;
    while (from < raw->len && sk_yenc_find(raw->data, raw->len, from, &block)) {
        if (!plan_yenc_block(u, st, raw, &block))
            return false;
        from = block.next;
    }
    return true;
}

static bool visit_text(struct sk_unpack *u, struct mime_state *st, const struct walk_item *it)
{
    GByteArray *raw = part_bytes(GMIME_PART(it->object), node_bytes(u));
    bool ok = it->nested || plan_yenc_blocks(u, st, raw);
    GString *text = part_text(it->object, raw);
    g_byte_array_unref(raw);
    replace_nuls(text);
    ok = ok && take_text(u, st, it, text);
    g_string_free(text, TRUE);
    return ok;
}

static bool visit_message_part(struct sk_unpack *u, struct mime_state *st,
                               const struct walk_item *it, GQueue *stack)
{
    GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(it->object));
    if (!inner)
        return true;
    const char *subject = g_mime_message_get_subject(inner);
    if (subject)
        sk_unpack_harvest(u, subject, strlen(subject), "subject");
    GMimeObject *body = g_mime_message_get_mime_part(inner);
    if (body) {
        struct walk_item *next = sk_unpack_alloc(u, sizeof *next);
        if (!next)
            return false;
        *next = (struct walk_item){body, it->depth + 1, true};
        g_queue_push_head(stack, next);
    }
    if (it->nested)
        return true;
    const char *filename =
        g_mime_object_get_content_disposition_parameter(it->object, "filename");
    return add_plan(st, PLAN_MESSAGE, GMIME_OBJECT(inner), NULL,
                    child_name(u, filename, "message", ++st->n_messages, ".eml"));
}

/* True when text (a multipart's content, found nowhere else) holds
 * nothing but white space. */
static bool is_blank(const char *text)
{
    size_t len = text ? strlen(text) : 0;
    struct sk_reader r = sk_reader_make(text, len);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = sk_reader_u8_at(&r, i);
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return false;
    }
    return true;
}

/* A part header field at the start of a line: content that declares parts
 * of its own was meant to be split, and without its boundary we cannot
 * know how. */
static bool is_part_field(const struct sk_reader *r, size_t at)
{
    static const char *const fields[] = {
        "Content-Type:", "Content-Transfer-Encoding:", "Content-Disposition:"};
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
        if (sk_text_starts_ci(r, at, fields[i]))
            return true;
    return false;
}

/* True when a multipart's content is harmless text: it sniffs as plain
 * text and no line of it is a part's header field. */
static bool is_plain_content(const char *text)
{
    size_t len = strlen(text);
    if (sk_sniff((const uint8_t *)text, len) != SK_TYPE_TEXT)
        return false;
    struct sk_reader r = sk_reader_make(text, len);
    for (size_t at = 0; at < len;) {
        if (is_part_field(&r, at))
            return false;
        const uint8_t *rest = sk_reader_at(&r, at, len - at);
        const uint8_t *nl = rest ? memchr(rest, '\n', len - at) : NULL;
        at = nl ? at + (size_t)(nl - rest) + 1 : len;
    }
    return true;
}

/* A multipart whose parts could not be found (no boundary, or a boundary
 * that never occurs: its content is in the prologue). Nothing at all is an
 * empty multipart, which bounces and forwards cut to their headers carry;
 * harmless text is the body text it plainly is; anything else is
 * error.corrupt and scanned as one part. */
static bool visit_partless(struct sk_unpack *u, struct mime_state *st,
                           const struct walk_item *it, bool has_boundary)
{
    const char *prologue = g_mime_multipart_get_prologue(GMIME_MULTIPART(it->object));
    if (is_blank(prologue))
        return true;
    if (is_plain_content(prologue)) {
        GString *text = g_string_new(NULL);
        sk_text_append_utf8(text, (const uint8_t *)prologue, strlen(prologue), NULL);
        bool ok = take_text(u, st, it, text);
        g_string_free(text, TRUE);
        return ok;
    }
    sk_unpack_fail(u, "mime", SK_ECORRUPT, "a multipart %s; its content is scanned as one part",
                   has_boundary ? "holds no parts" : "has no boundary");
    if (it->nested)
        return true;
    GByteArray *bytes = g_byte_array_new();
    g_byte_array_append(bytes, (const guint8 *)prologue, (guint)strlen(prologue));
    return add_plan(st, PLAN_BYTES, NULL, bytes,
                    sk_unpack_strndup(u, "multipart-content.txt", 21));
}

static bool visit_multipart(struct sk_unpack *u, struct mime_state *st,
                            const struct walk_item *it, GQueue *stack)
{
    GMimeMultipart *mp = GMIME_MULTIPART(it->object);
    /* g_mime_multipart_get_boundary() invents a boundary when there is none:
     * ask the header itself. */
    const char *boundary = g_mime_object_get_content_type_parameter(it->object, "boundary");
    if (!boundary || g_mime_multipart_get_count(mp) == 0)
        return visit_partless(u, st, it, boundary != NULL);
    for (int i = g_mime_multipart_get_count(mp); i-- > 0;) {
        struct walk_item *next = sk_unpack_alloc(u, sizeof *next);
        if (!next)
            return false;
        *next = (struct walk_item){g_mime_multipart_get_part(mp, i), it->depth + 1, it->nested};
        g_queue_push_head(stack, next);
    }
    return true;
}

/* Where a part's encoded body lies in the parsed bytes (offsets from the
 * message's start), for the skeleton and for decoding in place: its
 * content stream is a window on the buffer GMime parsed (the parser keeps
 * the stream), which is checked, not assumed: the window's length and
 * first bytes must be the part's. False when the body cannot be placed:
 * the skeleton keeps it whole and GMime decodes it. */
static bool place_body(struct mime_state *st, GMimePart *part, struct body_range *range)
{
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    GMimeStream *raw = content ? g_mime_data_wrapper_get_stream(content) : NULL;
    size_t msg_len = st->input.len - st->msg_start;
    if (!raw || raw->bound_start < 0 || (uint64_t)raw->bound_start > msg_len)
        return false;
    gint64 length = g_mime_stream_length(raw);
    size_t start = (size_t)raw->bound_start;
    if (length <= 0 || (uint64_t)length > msg_len - start)
        return false;
    uint8_t head[64];
    size_t n = MIN(sizeof head, (size_t)length);
    g_mime_stream_reset(raw);
    ssize_t got = g_mime_stream_read(raw, (char *)head, n);
    g_mime_stream_reset(raw);
    const uint8_t *there = sk_reader_at(&st->input, st->msg_start + start, n);
    if (got != (ssize_t)n || !there || memcmp(head, there, n) != 0)
        return false;
    *range = (struct body_range){start, start + (size_t)length};
    return true;
}

/* An attachment: its body's place noted for the skeleton (where it can be
 * placed) and, outside a forwarded message, a child planned. */
static bool visit_attachment(struct sk_unpack *u, struct mime_state *st,
                             const struct walk_item *it)
{
    GMimePart *part = GMIME_PART(it->object);
    struct body_range range;
    bool placed = place_body(st, part, &range);
    if (placed && sk_dynbuf_add(&st->bodies, &range, sizeof range) != 0)
        return false;
    if (it->nested)
        return true;
    const char *filename = g_mime_part_get_filename(part);
    if (!add_plan(st, PLAN_PART, it->object, NULL,
                  child_name(u, filename, "part", ++st->n_leaves, "")))
        return false;
    st->plans[st->n_plans - 1].raw = range;
    st->plans[st->n_plans - 1].placed = placed;
    return true;
}

static bool visit(struct sk_unpack *u, struct mime_state *st, const struct walk_item *it,
                  GQueue *stack)
{
    if (GMIME_IS_MULTIPART(it->object))
        return visit_multipart(u, st, it, stack);
    if (GMIME_IS_MESSAGE_PART(it->object))
        return visit_message_part(u, st, it, stack);
    if (!GMIME_IS_PART(it->object))
        return true;
    if (is_body_text(it->object))
        return visit_text(u, st, it);
    return visit_attachment(u, st, it);
}

/* Reports (once per message) a header field longer than
 * MIME_MAX_HEADER_BYTES: error.corrupt. The part is still read. */
static void check_headers(struct sk_unpack *u, struct mime_state *st, GMimeObject *object)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(object);
    int count = list ? g_mime_header_list_get_count(list) : 0;
    for (int i = 0; i < count && !st->header_reported; i++) {
        GMimeHeader *header = g_mime_header_list_get_header_at(list, i);
        const char *value = header ? g_mime_header_get_raw_value(header) : NULL;
        size_t len = value ? strlen(value) : 0;
        if (len > MIME_MAX_HEADER_BYTES) {
            const char *name = g_mime_header_get_name(header);
            sk_unpack_fail(u, "mime", SK_ECORRUPT,
                           "header field %.64s of %zu bytes (RFC 5322 lines hold 998)",
                           name ? name : "?", len);
            st->header_reported = true;
        }
    }
}

/* Walks the MIME tree with an explicit stack: plans the children and
 * harvests the text. */
static int walk(struct sk_unpack *u, struct mime_state *st)
{
    GQueue stack = G_QUEUE_INIT;
    struct walk_item *first = sk_unpack_alloc(u, sizeof *first);
    if (!first)
        return SK_ENOMEM;
    *first = (struct walk_item){g_mime_message_get_mime_part(st->message), 0, false};
    g_queue_push_head(&stack, first);
    int rc = 0;
    bool limited = false;
    struct walk_item *it;
    while (rc == 0 && (it = g_queue_pop_head(&stack)) != NULL) {
        if (!it->object || sk_unpack_expired(u)) {
        } else if (it->depth > MIME_MAX_NESTING || st->n_parts >= MIME_MAX_PARTS) {
            if (!limited)
                sk_unpack_reason(u,
                                 it->depth > MIME_MAX_NESTING ? "limit.depth" : "limit.nodes",
                                 "MIME structure deeper than %u levels or over %u parts; "
                                 "the rest is not opened",
                                 MIME_MAX_NESTING, MIME_MAX_PARTS);
            limited = true;
        } else {
            st->n_parts++;
            check_headers(u, st, it->object);
            if (!visit(u, st, it, &stack))
                rc = SK_ENOMEM;
        }
        free(it);
    }
    g_queue_clear_full(&stack, free);
    return rc;
}

static void free_state(struct mime_state *st)
{
    for (size_t i = 0; i < st->n_plans; i++) {
        if (st->plans[i].bytes)
            g_byte_array_unref(st->plans[i].bytes);
        free(st->plans[i].name);
    }
    sk_dynbuf_free(&st->plan_buf);
    sk_dynbuf_free(&st->bodies);
    sk_dynbuf_free(&st->skeleton);
    if (st->body)
        g_string_free(st->body, TRUE);
    if (st->message)
        g_object_unref(st->message);
    if (st->borrowed) { /* the streams are gone: take the bytes back, free the wrapper */
        g_byte_array_steal(st->borrowed, NULL);
        g_byte_array_unref(st->borrowed);
    }
    free(st);
}

/* The length of the message's own header block (up to its first empty
 * line, or the whole input when there is none), counted before GMime sees
 * it: GMime grows its header buffer a little at a time, which is linear
 * with glibc's mremap but quadratic with an allocator that copies (60 MiB
 * of header took minutes under AddressSanitizer), and it holds no deadline.
 * Stops counting past MIME_MAX_HEADER_BYTES. */
static size_t header_block_bytes(const uint8_t *p, size_t len)
{
    struct sk_reader r = sk_reader_make(p, len);
    while (sk_reader_left(&r) > 0 && r.pos <= MIME_MAX_HEADER_BYTES) {
        size_t pos = r.pos, left = sk_reader_left(&r);
        const uint8_t *rest = sk_reader_at(&r, pos, left);
        const uint8_t *nl = memchr(rest, '\n', left);
        size_t line = nl ? (size_t)(nl - rest) : left;
        bool cr = line > 0 && sk_reader_u8_at(&r, pos + line - 1) == '\r';
        if ((cr ? line - 1 : line) == 0)
            return pos; /* the empty line that ends the header block */
        sk_reader_skip(&r, nl ? line + 1 : line);
    }
    return r.pos;
}

/* One mailbox's address as field; false for anything else (a group, an
 * empty address). */
static bool record_mailbox(struct sk_unpack *u, InternetAddress *a, enum sk_mail_field field)
{
    if (!INTERNET_ADDRESS_IS_MAILBOX(a))
        return false;
    const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
    if (!addr || !*addr)
        return false;
    sk_unpack_mail_field(u, field, addr, strlen(addr));
    return true;
}

/* The addresses of one header (To or Cc), groups opened one level (RFC
 * 5322 3.4: a group holds mailboxes only), at most *left of them. */
static void record_addresses(struct sk_unpack *u, InternetAddressList *list, size_t *left)
{
    int n = list ? internet_address_list_length(list) : 0;
    for (int i = 0; i < n && *left > 0; i++) {
        InternetAddress *a = internet_address_list_get_address(list, i);
        InternetAddressList *members =
            INTERNET_ADDRESS_IS_GROUP(a)
                ? internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a))
                : NULL;
        int m = members ? internet_address_list_length(members) : 0;
        for (int k = 0; k < m && *left > 0; k++)
            *left -= record_mailbox(u, internet_address_list_get_address(members, k),
                                    SK_MAIL_RCPT);
        if (!members && *left > 0)
            *left -= record_mailbox(u, a, SK_MAIL_RCPT);
    }
}

/* The message ids of a header (In-Reply-To, References), at most max. */
static void record_ids(struct sk_unpack *u, GMimeMessage *m, const char *header,
                       enum sk_mail_field field, size_t max)
{
    const char *value = g_mime_object_get_header(GMIME_OBJECT(m), header);
    GMimeReferences *refs = value ? g_mime_references_parse(NULL, value) : NULL;
    int n = refs ? g_mime_references_length(refs) : 0;
    for (int i = 0; i < n && (size_t)i < max; i++) {
        const char *id = g_mime_references_get_message_id(refs, i);
        if (id && *id)
            sk_unpack_mail_field(u, field, id, strlen(id));
    }
    if (refs)
        g_mime_references_free(refs);
}

/* The request's own message's header fields, for the daemon's PPAP
 * correlation (sk_unpack_mail_field; the engine keeps them for the root
 * node only, so a forwarded message inside is not mistaken for it). */
static void record_mail_fields(struct sk_unpack *u, GMimeMessage *m)
{
    InternetAddressList *from = g_mime_message_get_from(m);
    int n_from = from ? internet_address_list_length(from) : 0;
    /* The first mailbox is the author that matters. */
    for (int i = 0; i < n_from; i++)
        if (record_mailbox(u, internet_address_list_get_address(from, i), SK_MAIL_FROM))
            break;
    size_t left = SK_MAIL_MAX_ADDRESSES;
    record_addresses(u, g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_TO), &left);
    record_addresses(u, g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_CC), &left);
    const char *id = g_mime_message_get_message_id(m);
    if (id)
        sk_unpack_mail_field(u, SK_MAIL_MESSAGE_ID, id, strlen(id));
    record_ids(u, m, "In-Reply-To", SK_MAIL_IN_REPLY_TO, 1);
    record_ids(u, m, "References", SK_MAIL_REFERENCE, SK_MAIL_MAX_REFERENCES);
    const char *subject = g_mime_message_get_subject(m);
    if (subject)
        sk_unpack_mail_field(u, SK_MAIL_SUBJECT, subject, strlen(subject));
}

/* A stream GMime parses the message from, over the node's own bytes: a
 * copy of a 20 MB message was 4 % of a scan. GMime's parser only reads
 * its stream, and the parts' content streams are windows on the same
 * array (place_body relies on that too), so the array borrows our bytes
 * (not GMime's to free: free_state takes them back after the streams are
 * gone). Past GByteArray's 4 GiB the bytes are copied as before. */
static GMimeStream *borrowing_stream(struct mime_state *st, const uint8_t *msg, size_t len)
{
    if (len > G_MAXUINT)
        return g_mime_stream_mem_new_with_buffer((const char *)msg, len);
    st->borrowed = g_byte_array_new_take((guint8 *)(uintptr_t)msg, len);
    GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(st->borrowed);
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
    return stream;
}

static int compare_ranges(const void *a, const void *b)
{
    const struct body_range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* How much of an encoded body at [start, end) of the input the skeleton
 * keeps: its first MIME_SCANNED_BODY_HEAD bytes, to the end of that line. */
static size_t body_head(struct sk_reader *in, size_t start, size_t end)
{
    size_t keep = MIN(end - start, (size_t)MIME_SCANNED_BODY_HEAD);
    size_t more = MIN(end - start - keep, (size_t)MIME_SCANNED_LINE_MAX);
    const uint8_t *rest = sk_reader_at(in, start + keep, more);
    const uint8_t *nl = rest && more ? memchr(rest, '\n', more) : NULL;
    return nl ? keep + (size_t)(nl - rest) + 1 : keep;
}

/* Adds input[from, to) to the skeleton. */
static int keep_bytes(struct mime_state *st, size_t from, size_t to)
{
    const uint8_t *p = sk_reader_at(&st->input, from, to - from);
    return p ? sk_dynbuf_add(&st->skeleton, p, to - from) : SK_EINTERNAL;
}

/* The message as YARA sees it (unpacker.h, scan_view): its bytes with each
 * attachment's encoded body cut to its head. Nothing is built when no
 * body is cut, and the message is scanned whole. */
static int build_skeleton(struct mime_state *st)
{
    size_t n = st->bodies.len / sizeof(struct body_range);
    struct body_range *bodies = (struct body_range *)(void *)st->bodies.p;
    if (n == 0)
        return 0;
    qsort(bodies, n, sizeof *bodies, compare_ranges);
    size_t at = 0; /* input[0, at) is in the skeleton or cut */
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t start = st->msg_start + bodies[i].start, end = st->msg_start + bodies[i].end;
        if (start < at) /* overlapping windows: keep the bytes */
            continue;
        rc = keep_bytes(st, at, start + body_head(&st->input, start, end));
        at = end;
    }
    if (rc == 0)
        rc = keep_bytes(st, at, st->input.len);
    return rc == SK_ELIMIT ? SK_EINTERNAL : rc;
}

static int open_message(struct sk_unpack *u, void **out)
{
    pthread_once(&gmime_once, gmime_start);
    /* Leading blank lines and an mbox "From " line (clamav-milter writes
     * one before every message) are not part of the message: GMime would
     * end the header block there and read the headers as body text. */
    struct sk_reader in = sk_reader_make(u->node->data.p, u->node->data.len);
    size_t start = sk_message_start(u->node->data.p, u->node->data.len);
    size_t msg_len = u->node->data.len - start;
    const uint8_t *msg = sk_reader_at(&in, start, msg_len);
    if (header_block_bytes(msg, msg_len) > MIME_MAX_HEADER_BYTES) {
        sk_unpack_fail(u, "mime", SK_ECORRUPT,
                       "header block over %u bytes (RFC 5322 lines hold 998); not parsed",
                       MIME_MAX_HEADER_BYTES);
        return SK_ECORRUPT;
    }
    struct mime_state *st = sk_unpack_calloc(u, 1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    sk_unpack_dynbuf_init(u, &st->plan_buf, MIME_MAX_PLANS * sizeof *st->plans);
    sk_unpack_dynbuf_init(u, &st->bodies, MIME_MAX_PARTS * sizeof(struct body_range));
    sk_unpack_dynbuf_init(u, &st->skeleton, u->node->data.len);
    st->input = in;
    st->msg_start = start;
    st->body = g_string_new(NULL);
    GMimeStream *stream = borrowing_stream(st, msg, msg_len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    st->message = g_mime_parser_construct_message(parser, NULL);
    g_object_unref(parser);
    g_object_unref(stream);
    if (!st->message) {
        free_state(st);
        sk_unpack_fail(u, "mime", SK_ECORRUPT, "not a parseable RFC 5322 message");
        return SK_ECORRUPT;
    }
    check_headers(u, st, GMIME_OBJECT(st->message));
    record_mail_fields(u, st->message);
    const char *subject = g_mime_message_get_subject(st->message);
    if (subject)
        sk_unpack_harvest(u, subject, strlen(subject), "subject");
    int rc = walk(u, st);
    if (rc == 0 && st->body->len) {
        GByteArray *body = g_byte_array_new();
        g_byte_array_append(body, (const guint8 *)st->body->str, (guint)st->body->len);
        if (!add_plan(st, PLAN_BODY, NULL, body, sk_unpack_strndup(u, "body.txt", 8))) {
            rc = SK_ENOMEM;
        } else {
            /* The body is handed back first: rotate it to the front. */
            struct plan last = st->plans[st->n_plans - 1];
            memmove(&st->plans[1], &st->plans[0], (st->n_plans - 1) * sizeof *st->plans);
            st->plans[0] = last;
        }
    }
    if (rc == 0)
        rc = build_skeleton(st);
    if (rc != 0) {
        free_state(st);
        return rc;
    }
    *out = st;
    return 0;
}

static GByteArray *message_bytes(GMimeObject *message)
{
    GByteArray *bytes = g_byte_array_new();
    GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(bytes);
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
    g_mime_object_write_to_stream(message, NULL, mem);
    g_object_unref(mem);
    return bytes;
}

/* Decodes base64 or quoted-printable straight from the message's bytes
 * into the child's buffer, sized once from the encoded length, with GMime's
 * own decoders; a body sent as it is becomes a view of those bytes. No
 * copy through GMime's streams. False (nothing done) for what GMime's
 * stream decodes instead: x-uuencode, and a body too large for the limits
 * in one piece (the stream path then reports the limit as before). */
static bool decode_in_place(struct sk_unpack *u, struct mime_state *st, const struct plan *plan,
                            struct sk_child *child, int *rc)
{
    GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(plan->object));
    GMimeContentEncoding encoding =
        content ? g_mime_data_wrapper_get_encoding(content) : GMIME_CONTENT_ENCODING_DEFAULT;
    size_t len = plan->raw.end - plan->raw.start;
    const uint8_t *raw = sk_reader_at(&st->input, st->msg_start + plan->raw.start, len);
    if (!raw || encoding == GMIME_CONTENT_ENCODING_UUENCODE)
        return false;
    if (encoding != GMIME_CONTENT_ENCODING_BASE64 &&
        encoding != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
        *rc = sk_unpack_view(u, &child->data, raw, len);
        return true;
    }
    bool base64 = encoding == GMIME_CONTENT_ENCODING_BASE64;
    size_t room = base64 ? len / 4 * 3 + 3 : len; /* the most each decodes to */
    if (sk_unpack_reserve(u, &child->data, room) != 0 || child->data.cap < room)
        return false;
    int state = 0;
    guint32 save = 0;
    size_t n = base64 ? g_mime_encoding_base64_decode_step(raw, len, child->data.p, &state, &save)
                   : g_mime_encoding_quoted_decode_step(raw, len, child->data.p, &state, &save);
    *rc = sk_unpack_commit(u, &child->data, n);
    return true;
}

static int next_part(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct mime_state *st = state;
    if (st->next >= st->n_plans)
        return SK_DONE;
    struct plan *plan = &st->plans[st->next++];
    int rc = 0;
    if (plan->kind == PLAN_PART && plan->placed && decode_in_place(u, st, plan, child, &rc)) {
        child->name = plan->name;
        child->name_len = strlen(plan->name);
        if (rc == SK_ELIMIT) {
            child->truncated = true;
            rc = 0;
        }
        return rc;
    }
    GByteArray *bytes = plan->bytes;
    if (plan->kind == PLAN_PART)
        bytes = part_bytes(GMIME_PART(plan->object), node_bytes(u));
    else if (plan->kind == PLAN_MESSAGE)
        bytes = message_bytes(plan->object);
    child->name = plan->name;
    child->name_len = strlen(plan->name);
    rc = sk_unpack_append(u, &child->data, bytes->data, bytes->len);
    if (rc == SK_ELIMIT) {
        child->truncated = true;
        rc = 0;
    }
    if (bytes != plan->bytes)
        g_byte_array_unref(bytes);
    return rc;
}

static void close_message(void *state)
{
    free_state(state);
}

static const uint8_t *skeleton_view(void *state, size_t *len)
{
    struct mime_state *st = state;
    *len = st->skeleton.len;
    return st->skeleton.len ? (const uint8_t *)st->skeleton.p : NULL;
}

const struct sk_unpacker sk_unpacker_mime = {
    .name = "mime",
    .bid = bid,
    .open = open_message,
    .next = next_part,
    .close = close_message,
    .scan_view = skeleton_view,
};
