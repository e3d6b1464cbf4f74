/* Outlook's TNEF (winmail.dat, application/ms-tnef): the attachments, the
 * bodies and the embedded messages inside.
 *
 * Spec: [MS-OXTNEF] 2.1.3.1 the stream (TNEFSignature 0x223E9F78, Key),
 * 2.1.3.2 attributes (AttrLevel, AttrID = type << 16 | id, Length, Data,
 * Checksum = the sum of the data bytes mod 65536), 2.1.3.3 the attributes
 * used here: attAttachRenddata (0x00069002) starts an attachment,
 * attAttachTitle (0x00018010) its short name, attAttachData (0x0006800F)
 * its bytes, attAttachment (0x00069005) its MAPI properties, attMsgProps
 * (0x00069003) the message's, attBody (0x0002800C) the plain body,
 * attMessageClass (0x00078008); 2.1.3.4 the MAPI property lists (count,
 * then type, id, named-property GUID + kind + id or name, and values: fixed
 * sizes padded to 4, variable-length values and multi-valued properties
 * each with a count, then length, data and padding to 4). Properties read:
 * PidTagAttachLongFilename 0x3707 and PidTagAttachFilename 0x3704
 * (PT_UNICODE 0x001F or PT_STRING8 0x001E), PidTagAttachDataBinary 0x3701
 * (PT_BINARY: the bytes when no attAttachData; PT_OBJECT 0x000D: the IID,
 * then an embedded message's own TNEF stream (IID_IMessage) or a compound
 * file (IID_IStorage), handed back as a child that the engine opens in
 * turn: no recursion here), PidTagRtfCompressed 0x1009 ([MS-OXRTFCP],
 * unpackers/lzfu.c), PidTagBody 0x1000 and PidTagBodyHtml 0x1013.
 *
 * Children: each attachment under its long name, else its short name, else
 * its title, else "attachment-N", typed by sniffing; "body.rtf" (the
 * decompressed RTF, opened by the rtf unpacker), "body.txt", "body.html".
 * Facts: the message class under "info". Refuses: an attribute whose length
 * runs past the end or whose checksum does not match, a property list that
 * does not hold, and a compressed RTF whose CRC fails are error.corrupt
 * (what was read before is still handed back and scanned); an unknown
 * property type ends the property list (error.unsupported); rights-managed
 * or "secure" message classes (IPM.Note.rpmsg, IPM.Note.Secure) are
 * encrypted.unopened. S/MIME message classes carry their content as an
 * smime.p7m attachment, which is handed back like any other.
 * Limits: every length checked through the bounded reader; attribute and
 * property walks consume bytes on each step (so their counts are bounded by
 * the input) and are capped (TNEF_MAX_*), with deadline checks; children
 * are views of the input or filled through sk_unpack_append. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "../engine/text.h"
#include "lzfu.h"
#include "mapi.h"
#include "unpacker.h"

#define TNEF_SIGNATURE 0x223E9F78u
#define TNEF_MAX_ITEMS 4096u       /* attachments and bodies kept */
#define TNEF_MAX_ATTRIBUTES 65536u /* attributes walked */
#define TNEF_MAX_PROPS 65536u      /* properties walked in one list */
#define TNEF_NAME_MAX 1024u        /* bytes of a name kept */

enum {
    ATT_ATTACH_RENDDATA = 0x00069002u,
    ATT_ATTACH_TITLE = 0x00018010u,
    ATT_ATTACH_DATA = 0x0006800Fu,
    ATT_ATTACHMENT = 0x00069005u,
    ATT_MSG_PROPS = 0x00069003u,
    ATT_BODY = 0x0002800Cu,
    ATT_MESSAGE_CLASS = 0x00078008u,
};

enum item_kind { ITEM_ATTACHMENT, ITEM_RTF, ITEM_BODY, ITEM_HTML };

/* A string value: bytes in the input, 8-bit or UTF-16LE. */
struct text_ref {
    const uint8_t *p;
    size_t len;
    bool utf16;
};

struct item {
    enum item_kind kind;
    struct text_ref data;   /* the bytes (for ITEM_BODY, a string) */
    struct text_ref object; /* attachment: PT_OBJECT bytes after the IID */
    bool data_from_attr;    /* attachment: attAttachData seen */
    struct text_ref title, short_name, long_name;
};

struct tnef_state {
    struct sk_dynbuf items; /* struct item each, at most TNEF_MAX_ITEMS */
    size_t count;
    size_t next;   /* the item handed back next */
    unsigned part; /* 0: an item's data, 1: its object */
    char name[TNEF_NAME_MAX + 32];
};

/* The bid: MS-OXTNEF 2.1.3.1's TNEFSignature 0x223E9F78, 32 bits: 60. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    if (!sk_reader_match(&r, 0, "\x78\x9f\x3e\x22", 4))
        return 0;
    *type = SK_TYPE_TNEF;
    return 60;
}

static struct item *items(const struct tnef_state *st)
{
    return (struct item *)(void *)st->items.p;
}

static struct item *item_add(struct tnef_state *st, enum item_kind kind)
{
    struct item *it = NULL;
    if (st->count >= TNEF_MAX_ITEMS || sk_dynbuf_extend(&st->items, sizeof *it, (void **)&it))
        return NULL; /* the cap is TNEF_MAX_ITEMS: past the check, only memory fails */
    st->count++;
    it->kind = kind;
    return it;
}

static struct item *find_kind(struct tnef_state *st, enum item_kind kind)
{
    for (size_t i = 0; i < st->count; i++)
        if (items(st)[i].kind == kind)
            return &items(st)[i];
    return NULL;
}

/* ---- MAPI property lists (2.1.3.4) --------------------------------------- */

/* The size of one fixed-length value as TNEF stores it (padded to 4), or 0
 * for a variable-length type, or -1 for a type we cannot size. */
static int fixed_size(unsigned type)
{
    switch (type) {
    case PT_SHORT:
    case PT_LONG:
    case PT_FLOAT:
    case PT_ERROR:
    case PT_BOOLEAN: return 4;
    case PT_DOUBLE:
    case PT_CURRENCY:
    case PT_APPTIME:
    case PT_I8:
    case PT_SYSTIME: return 8;
    case PT_CLSID: return 16;
    case PT_STRING8:
    case PT_UNICODE:
    case PT_BINARY:
    case PT_OBJECT: return 0;
    default: return -1;
    }
}

static size_t pad4(size_t n)
{
    return (4 - (n & 3)) & 3;
}

/* Keeps what an attachment's or the message's property says. */
static int take_property(struct tnef_state *st, struct item *att, unsigned id, unsigned type,
                         const uint8_t *p, size_t len)
{
    struct text_ref value = {p, len, type == PT_UNICODE};
    bool string = type == PT_STRING8 || type == PT_UNICODE;
    if (att) {
        if (id == PID_ATTACH_LONG_FILENAME && string)
            att->long_name = value;
        else if (id == PID_ATTACH_FILENAME && string)
            att->short_name = value;
        else if (id == PID_ATTACH_DATA && type == PT_BINARY && !att->data_from_attr)
            att->data = value;
        else if (id == PID_ATTACH_DATA && type == PT_OBJECT && len >= 16) {
            /* The IID says what follows: a message's TNEF or a compound file;
             * the sniffer tells them apart, so only the IID is skipped. */
            struct sk_reader r = sk_reader_make(p, len);
            att->object.p = sk_reader_at(&r, 16, len - 16);
            att->object.len = len - 16;
        }
        return 0;
    }
    enum item_kind kind;
    if (id == PID_RTF_COMPRESSED && type == PT_BINARY)
        kind = ITEM_RTF;
    else if (id == PID_BODY && string)
        kind = ITEM_BODY;
    else if (id == PID_BODY_HTML && (type == PT_BINARY || string))
        kind = ITEM_HTML;
    else
        return 0;
    struct item *it = find_kind(st, kind);
    if (!it)
        it = item_add(st, kind);
    if (!it)
        return st->count >= TNEF_MAX_ITEMS ? 0 : SK_ENOMEM;
    it->data = value;
    return 0;
}

/* Walks a property list; att is NULL for the message's own. */
static int read_properties(struct sk_unpack *u, struct tnef_state *st, struct item *att,
                           const uint8_t *p, size_t n, const char **why)
{
    struct sk_reader r = sk_reader_make(p, n);
    uint32_t count = sk_reader_u32le(&r);
    for (uint32_t i = 0; i < count && !r.err; i++) {
        if (i >= TNEF_MAX_PROPS) {
            *why = "more properties than Sekisho reads in one list";
            return SK_EUNSUPPORTED; /* fail closed: the rest is unread */
        }
        if ((i & 1023u) == 1023u && sk_unpack_expired(u))
            return SK_ELIMIT;
        unsigned type = sk_reader_u16le(&r);
        unsigned id = sk_reader_u16le(&r);
        if (id >= 0x8000) { /* a named property: GUID, kind, then id or name */
            sk_reader_skip(&r, 16);
            uint32_t kind = sk_reader_u32le(&r);
            if (kind == 0) {
                sk_reader_skip(&r, 4);
            } else if (kind == 1) {
                uint32_t name_len = sk_reader_u32le(&r);
                if (!r.err && name_len <= sk_reader_left(&r))
                    sk_reader_skip(&r, name_len + pad4(name_len));
                else
                    r.err = SK_ETRUNC;
            } else if (!r.err) {
                *why = "a named property of unknown kind";
                return SK_ECORRUPT;
            }
        }
        unsigned base = type & ~(unsigned)MV_FLAG;
        int size = fixed_size(base);
        if (size < 0) {
            *why = "a property type that cannot be sized";
            return SK_EUNSUPPORTED;
        }
        if (size > 0) {
            uint32_t values = (type & MV_FLAG) ? sk_reader_u32le(&r) : 1;
            if (r.err || values > sk_reader_left(&r) / (unsigned)size)
                r.err = SK_ETRUNC;
            else
                sk_reader_skip(&r, (size_t)values * (unsigned)size);
            continue;
        }
        /* Variable length: a count even when single-valued. Each value
         * consumes at least its 4-byte length, so the loop is bounded. */
        uint32_t values = sk_reader_u32le(&r);
        for (uint32_t v = 0; v < values && !r.err; v++) {
            uint32_t len = sk_reader_u32le(&r);
            const uint8_t *data = sk_reader_bytes(&r, len);
            if (!data)
                break;
            if (pad4(len) <= sk_reader_left(&r))
                sk_reader_skip(&r, pad4(len));
            else
                sk_reader_seek(&r, r.len); /* padding cut at the very end */
            if (v == 0) {
                int rc = take_property(st, att, id, base, data, len);
                if (rc)
                    return rc;
            }
        }
    }
    if (r.err) {
        *why = "a property runs past its attribute";
        return SK_ECORRUPT;
    }
    return 0;
}

/* ---- the attribute stream (2.1.3.2) -------------------------------------- */

static void message_class(struct sk_unpack *u, const uint8_t *p, size_t len)
{
    const uint8_t *nul = memchr(p, 0, len);
    size_t kept = nul ? (size_t)(nul - p) : len;
    int n = (int)(kept < 200 ? kept : 200);
    sk_unpack_info(u, "message_class", "%.*s", n, (const char *)p);
    static const char *const sealed[] = {"IPM.Note.rpmsg", "IPM.Note.Secure"};
    for (size_t i = 0; i < sizeof sealed / sizeof sealed[0]; i++) {
        size_t k = strlen(sealed[i]);
        if ((size_t)n >= k && memcmp(p, sealed[i], k) == 0)
            sk_unpack_reason(u, "encrypted.unopened",
                             "TNEF message class %.*s: its content is sealed and not read", n,
                             (const char *)p);
    }
}

static int parse(struct sk_unpack *u, struct tnef_state *st)
{
    struct sk_reader r = sk_reader_make(u->node->data.p, u->node->data.len);
    sk_reader_skip(&r, 6); /* signature (checked by the sniffer) and key */
    struct item *att = NULL;
    const char *why = NULL;
    uint32_t attribute = 0;
    int rc = 0;
    for (unsigned walked = 0; sk_reader_left(&r) > 0; walked++) {
        if (walked >= TNEF_MAX_ATTRIBUTES) {
            sk_unpack_fail(u, "tnef", SK_EUNSUPPORTED, "more than %u attributes",
                           TNEF_MAX_ATTRIBUTES);
            return 0;
        }
        if ((walked & 255u) == 255u && sk_unpack_expired(u))
            return 0; /* the engine reports the deadline */
        size_t at = r.pos;
        uint8_t level = sk_reader_u8(&r);
        attribute = sk_reader_u32le(&r);
        uint32_t len = sk_reader_u32le(&r);
        const uint8_t *data = sk_reader_bytes(&r, len);
        uint16_t checksum = sk_reader_u16le(&r);
        if (r.err) {
            sk_unpack_fail(u, "tnef", SK_ECORRUPT,
                           "attribute 0x%08x at offset %zu runs past the end (length %u)",
                           attribute, at, len);
            return 0;
        }
        uint16_t sum = 0;
        for (size_t i = 0; i < len; i++)
            sum = (uint16_t)(sum + data[i]);
        if (sum != checksum) {
            sk_unpack_fail(u, "tnef", SK_ECORRUPT,
                           "attribute 0x%08x at offset %zu: checksum 0x%04x, expected 0x%04x",
                           attribute, at, checksum, sum);
            return 0;
        }
        bool of_attachment = attribute == ATT_ATTACH_TITLE || attribute == ATT_ATTACH_DATA ||
                             attribute == ATT_ATTACHMENT;
        if (attribute == ATT_ATTACH_RENDDATA || (!att && (level == 2 || of_attachment))) {
            att = item_add(st, ITEM_ATTACHMENT);
            if (!att && st->count >= TNEF_MAX_ITEMS) {
                sk_unpack_fail(u, "tnef", SK_EUNSUPPORTED, "more than %u attachments",
                               TNEF_MAX_ITEMS);
                return 0;
            }
            if (!att)
                return SK_ENOMEM;
        }
        switch (attribute) {
        case ATT_ATTACH_TITLE: att->title = (struct text_ref){data, len, false}; break;
        case ATT_ATTACH_DATA:
            att->data = (struct text_ref){data, len, false};
            att->data_from_attr = true;
            break;
        case ATT_ATTACHMENT: rc = read_properties(u, st, att, data, len, &why); break;
        case ATT_MSG_PROPS: rc = read_properties(u, st, NULL, data, len, &why); break;
        case ATT_BODY:
            if (!find_kind(st, ITEM_BODY)) {
                struct item *it = item_add(st, ITEM_BODY);
                if (it)
                    it->data = (struct text_ref){data, len, false};
                else if (st->count < TNEF_MAX_ITEMS)
                    return SK_ENOMEM;
            }
            break;
        case ATT_MESSAGE_CLASS: message_class(u, data, len); break;
        default: break;
        }
        if (rc == SK_ENOMEM)
            return rc;
        if (rc) {
            sk_unpack_fail(u, "tnef", rc, "attribute 0x%08x at offset %zu: %s", attribute, at,
                           why ? why : "unreadable");
            return 0;
        }
    }
    return 0;
}

static int open_tnef(struct sk_unpack *u, void **state)
{
    struct tnef_state *st = sk_unpack_calloc(u, 1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    sk_unpack_dynbuf_init(u, &st->items, TNEF_MAX_ITEMS * sizeof(struct item));
    int rc = parse(u, st);
    if (rc) {
        sk_dynbuf_free(&st->items);
        free(st);
        return rc;
    }
    *state = st;
    return 0;
}

/* ---- children ------------------------------------------------------------ */

/* The text of a string value as UTF-8 into out[0..max], up to a NUL. An
 * 8-bit name is in the sender's code page, which the stream does not say
 * for attachments: decoded as archive names are (UTF-8, else CP932, as a
 * Japanese Outlook writes it, else escaped). */
static size_t text_utf8(const struct text_ref *t, char *out, size_t max)
{
    if (t->utf16)
        return sk_utf16le_to_utf8(t->p, t->len / 2, out, max);
    const uint8_t *nul = memchr(t->p, 0, t->len);
    size_t n = nul ? (size_t)(nul - t->p) : t->len;
    return sk_name_decode((const char *)t->p, n, false, out, max);
}

static void attachment_name(struct tnef_state *st, const struct item *it, size_t index,
                            bool object)
{
    const struct text_ref *names[] = {&it->long_name, &it->short_name, &it->title};
    size_t len = 0;
    for (size_t i = 0; i < 3 && len == 0; i++)
        if (names[i]->p && names[i]->len)
            len = text_utf8(names[i], st->name, TNEF_NAME_MAX);
    if (len == 0)
        len = (size_t)snprintf(st->name, sizeof st->name, "attachment-%zu", index + 1);
    if (object && it->data.len) /* both bytes and an object: tell them apart */
        snprintf(st->name + len, sizeof st->name - len, ".object");
}

struct rtf_sink {
    struct sk_unpack *u;
    struct sk_buf *buf;
};

static int rtf_put(void *ctx, const uint8_t *p, size_t n)
{
    struct rtf_sink *s = ctx;
    if (sk_unpack_expired(s->u))
        return SK_ELIMIT;
    return sk_unpack_append(s->u, s->buf, p, n);
}

static int fill_utf16(struct sk_unpack *u, struct sk_child *child, const struct text_ref *t)
{
    char chunk[3 * 1024 + 1];
    struct sk_reader r = sk_reader_make(t->p, t->len);
    size_t units = 0; /* up to the first NUL unit */
    while (units < t->len / 2 && sk_reader_u16le_at(&r, 2 * (uint64_t)units) != 0)
        units++;
    for (size_t at = 0; at < units; at += 1024) {
        size_t n = units - at < 1024 ? units - at : 1024;
        /* a pair cut between chunks becomes two U+FFFD: harmless for a body */
        const uint8_t *from = sk_reader_at(&r, 2 * (uint64_t)at, 2 * n);
        size_t len = sk_utf16le_to_utf8(from, n, chunk, sizeof chunk - 1);
        int rc = sk_unpack_append(u, &child->data, chunk, len);
        if (rc)
            return rc;
    }
    return 0;
}

static int next_tnef(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct tnef_state *st = state;
    for (; st->next < st->count; st->next++, st->part = 0) {
        struct item *it = &items(st)[st->next];
        if (it->kind == ITEM_ATTACHMENT) {
            if (st->part == 0) {
                st->part = 1;
                if (it->data.p || it->data_from_attr) {
                    attachment_name(st, it, st->next, false);
                    child->name = st->name;
                    child->name_len = strlen(st->name);
                    int rc = sk_unpack_view(u, &child->data, it->data.p, it->data.len);
                    if (rc == SK_ELIMIT)
                        child->truncated = true;
                    else if (rc)
                        return rc;
                    return 0;
                }
            }
            if (st->part == 1 && it->object.p) {
                st->part = 2;
                attachment_name(st, it, st->next, true);
                child->name = st->name;
                child->name_len = strlen(st->name);
                int rc = sk_unpack_view(u, &child->data, it->object.p, it->object.len);
                if (rc == SK_ELIMIT)
                    child->truncated = true;
                else if (rc)
                    return rc;
                return 0;
            }
            continue;
        }
        if (st->part)
            continue;
        st->part = 1;
        int rc = 0;
        if (it->kind == ITEM_RTF) {
            child->name = "body.rtf";
            struct rtf_sink sink = {u, &child->data};
            rc = sk_lzfu_decompress(it->data.p, it->data.len, rtf_put, &sink);
            if (rc == SK_ENOMEM)
                return rc;
            if (rc == SK_ELIMIT) {
                child->truncated = true;
            } else if (rc) {
                sk_unpack_fail(u, "tnef", rc, "compressed RTF body (MS-OXRTFCP): %s",
                               rc == SK_EUNSUPPORTED ? "unknown COMPTYPE" : sk_strerror(rc));
                if (child->data.len == 0)
                    continue;
            }
        } else {
            child->name = it->kind == ITEM_BODY ? "body.txt" : "body.html";
            if (it->data.utf16) {
                rc = fill_utf16(u, child, &it->data);
            } else {
                const uint8_t *nul = memchr(it->data.p, 0, it->data.len);
                size_t n = nul ? (size_t)(nul - it->data.p) : it->data.len;
                rc = sk_unpack_view(u, &child->data, it->data.p, n);
            }
            if (rc == SK_ELIMIT)
                child->truncated = true;
            else if (rc)
                return rc;
        }
        child->name_len = strlen(child->name);
        return 0;
    }
    return SK_DONE;
}

static void close_tnef(void *state)
{
    struct tnef_state *st = state;
    sk_dynbuf_free(&st->items);
    free(st);
}

const struct sk_unpacker sk_unpacker_tnef = {
    .name = "tnef",
    .bid = bid,
    .open = open_tnef,
    .next = next_tnef,
    .close = close_tnef,
};
