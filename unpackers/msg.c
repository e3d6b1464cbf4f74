/* Outlook messages (.msg): a compound file holding one message's MAPI
 * properties, its recipients and its attachments, through libgsf.
 *
 * Spec: [MS-OXMSG] 2.1 (storages: `__recip_version1.0_#XXXXXXXX`,
 * `__attach_version1.0_#XXXXXXXX`, `__substg1.0_3701000D` for an embedded
 * message; the `__properties_version1.0` stream: a header of 32 bytes for
 * the message, 24 for an embedded message, 8 for a recipient or an
 * attachment, then 16-byte entries: tag, flags, 8 bytes of value; 2.1.3:
 * variable-length values in `__substg1.0_TTTTTTTT` streams named by their
 * tag), [MS-OXCMSG] 2.2.2 (attachment properties), [MS-OXRTFCP] (the
 * compressed RTF body, lzfu.c: the same as TNEF's), [MS-CFB] (checked by
 * cfb_check.c before libgsf reads the file). Property tags are mapi.h's,
 * shared with tnef.c.
 *
 * Recognised (the bid): an OLE2 file whose root entry carries
 * CLSID_MailMessage {00020D0B-0000-0000-C000-000000000046}, or whose root
 * storage holds a `__properties_version1.0` stream; anything else stays
 * ole2.c's, so a Word file cannot be read as a message by what it quotes.
 *
 * Read: the subject (0x0037), the plain body (0x1000), the HTML body
 * (0x1013, string or bytes in PidTagInternetCodepage), the RTF body
 * (0x1009), the transport headers (0x007D), the message class, the sender
 * and the recipients (display name, SMTP or e-mail address, type). Strings
 * are PT_UNICODE (UTF-16LE) or PT_STRING8 in PidTagMessageCodepage.
 * Password candidates are harvested from the subject and every body
 * (HTML reduced to text, RTF reduced to text) at `open`, before any
 * attachment is handed back, as mime.c does for an .eml.
 *
 * Children, in order: `body.txt` (the plain body; else the HTML or RTF
 * reduced to text), `body.html`, `body.rtf` (decompressed, for rtf.c's
 * objects), `headers.txt` (the transport headers), then each attachment
 * under its long name, else its short name, else its display name, else
 * `attachment-N`: by value its bytes (typed by sniffing); an embedded
 * message (method 5) as a compound file of its own written by libgsf from
 * its storage (root CLSID_MailMessage), named `<name>.msg`, which the engine
 * opens with this unpacker in turn (no recursion here); an OLE object
 * (method 6) the same way, opened by ole2.c. A by-reference attachment
 * (methods 2, 3, 4, 7) has no bytes: its path is reported under `info`,
 * and a UNC or URL path is link.remote_target.
 * Refuses: a property stream whose length is not a whole number of entries
 * is error.corrupt (its whole entries are read; the rest of the message is
 * still read and scanned); a compressed RTF whose CRC fails too.
 * Limits: recipients and attachments (MSG_MAX_*), every stream read through
 * libgsf's size against max_node_bytes, child bytes through
 * sk_unpack_append; embedded storages copied with an explicit stack over
 * what cfb_check.c bounded (SK_CFB_MAX_ENTRIES). */
#include <gsf/gsf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "../engine/text.h"
#include "cfb_check.h"
#include "lzfu.h"
#include "mapi.h"
#include "mime_text.h"
#include "unpacker.h"

#define MSG_MAX_ATTACHMENTS 4096u
#define MSG_MAX_RECIPIENTS 4096u
#define MSG_NAME_MAX 1024u       /* bytes of an attachment name kept */
#define MSG_BID_DIR_SECTORS 256u /* directory sectors the bid looks through */
#define MSG_BID_STEPS 1024u      /* root children the bid visits */
#define MSG_READ_BLOCK (64u * 1024u)
#define MSG_PROPS_NAME "__properties_version1.0"
#define MSG_ATTACH_PREFIX "__attach_version1.0_#"
#define MSG_RECIP_PREFIX "__recip_version1.0_#"

static const uint8_t mail_message_clsid[16] = {0x0b, 0x0d, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                                               0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};

enum item_kind { ITEM_BODY, ITEM_HTML, ITEM_RTF, ITEM_HEADERS, ITEM_BYTES, ITEM_STORAGE };

struct item {
    enum item_kind kind;
    GString *text;   /* BODY, HTML, RTF, HEADERS: owned */
    GsfInput *input; /* BYTES: the stream; STORAGE: the storage (references) */
    char *name;      /* owned (sk_unpack_strndup) */
    bool message;    /* STORAGE: an embedded message (CLSID_MailMessage) */
};

struct msg_state {
    GsfInput *source;
    GsfInfile *root;
    uint8_t *padded; /* a copy completed to whole sectors, or NULL */
    unsigned codepage, html_codepage;
    struct sk_dynbuf items; /* struct item each */
    size_t count, next;
};

static pthread_once_t gsf_once = PTHREAD_ONCE_INIT;

static void gsf_start(void)
{
    gsf_init();
}

/* ---- the bid ------------------------------------------------------------ */

/* The first directory sectors of a compound file (MS-CFB 2.6: a chain in
 * the FAT, whose first 109 sectors the header lists). */
struct dir_view {
    struct sk_reader in;
    unsigned shift;
    uint32_t sectors[MSG_BID_DIR_SECTORS];
    uint32_t n;
};

static uint64_t sector_at(const struct dir_view *d, uint32_t id)
{
    return ((uint64_t)id + 1) << d->shift;
}

static void dir_chain(struct dir_view *d)
{
    uint32_t per_fat = (1u << d->shift) / 4;
    uint32_t id = sk_reader_u32le_at(&d->in, 0x30);
    while (d->n < MSG_BID_DIR_SECTORS && id < 0xfffffffau && !d->in.err) {
        d->sectors[d->n++] = id;
        uint32_t fat_index = id / per_fat;
        if (fat_index >= 109)
            return;
        uint32_t fat = sk_reader_u32le_at(&d->in, 0x4c + 4 * (uint64_t)fat_index);
        if (fat >= 0xfffffffau)
            return;
        id = sk_reader_u32le_at(&d->in, sector_at(d, fat) + 4 * (uint64_t)(id % per_fat));
    }
}

/* Directory entry i as a sub-reader of 128 bytes; err set when it is not
 * among the sectors collected. */
static struct sk_reader dir_entry(const struct dir_view *d, uint32_t i)
{
    uint32_t per = (1u << d->shift) / 128;
    struct sk_reader bad = sk_reader_make(NULL, 0);
    bad.err = SK_ETRUNC;
    if (i / per >= d->n)
        return bad;
    struct sk_reader in = d->in;
    return sk_reader_sub_at(&in, sector_at(d, d->sectors[i / per]) + 128 * (uint64_t)(i % per),
                            128);
}

static bool entry_named(struct sk_reader e, const char *name)
{
    size_t n = strlen(name);
    if (sk_reader_u16le_at(&e, 0x40) != 2 * (n + 1))
        return false;
    for (size_t i = 0; i < n; i++)
        if (sk_reader_u16le_at(&e, 2 * (uint64_t)i) != (unsigned char)name[i])
            return false;
    return !e.err;
}

/* True when the root storage's children (a sibling tree, walked with a
 * bounded explicit stack, each entry at most once: a tree with a cycle ends
 * as soon as it has been seen) hold the property stream. */
static bool root_holds_properties(const struct dir_view *d, struct sk_reader root)
{
    uint8_t seen[MSG_BID_DIR_SECTORS * (4096 / 128) / 8] = {0};
    uint32_t stack[64];
    size_t top = 0;
    stack[top++] = sk_reader_u32le_at(&root, 0x4c);
    for (unsigned steps = 0; top > 0 && steps < MSG_BID_STEPS; steps++) {
        uint32_t id = stack[--top];
        if (id >= sizeof seen * 8 || (seen[id / 8] & (1u << (id % 8))))
            continue;
        seen[id / 8] |= (uint8_t)(1u << (id % 8));
        struct sk_reader e = dir_entry(d, id);
        if (e.err)
            continue;
        if (entry_named(e, MSG_PROPS_NAME) && sk_reader_u8_at(&e, 0x42) == 2)
            return true;
        for (uint64_t off = 0x44; off <= 0x48 && top < 64; off += 4)
            stack[top++] = sk_reader_u32le_at(&e, off);
    }
    return false;
}

static bool is_message(const struct sk_reader *in)
{
    struct dir_view d = {.in = *in};
    uint16_t shift = sk_reader_u16le_at(&d.in, 0x1e);
    if (in->len < 512 || d.in.err || (shift != 9 && shift != 12))
        return false;
    d.shift = shift;
    dir_chain(&d);
    struct sk_reader root = dir_entry(&d, 0);
    if (root.err)
        return false;
    if (sk_reader_match(&root, 0x50, mail_message_clsid, sizeof mail_message_clsid))
        return true;
    return root_holds_properties(&d, root);
}

/* The bid: the MS-CFB signature (64 bits) and a message's root (its CLSID
 * or its property stream), 60: typed msg, which ranks before ole2. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    const struct sk_reader in = sk_reader_make(node->data.p, node->data.len);
    if (!sk_reader_match(&in, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) || !is_message(&in))
        return 0;
    *type = SK_TYPE_MSG;
    return 60;
}

/* ---- properties --------------------------------------------------------- */

static uint64_t node_cap(const struct sk_unpack *u)
{
    uint64_t cap = sk_unpack_limits(u)->max_node_bytes;
    return cap > G_MAXUINT / 2 ? G_MAXUINT / 2 : cap;
}

/* A stream or copy cut at max-node-bytes by this unpacker itself (not by
 * sk_unpack_append, which records its own): the limit is said, so the cut
 * never passes silently. */
static void note_cut(struct sk_unpack *u, const char *what)
{
    sk_unpack_reason(u, "limit.node_bytes", "%s is larger than max-node-bytes", what);
}

/* Appends a whole stream (at most cap bytes) to out. */
static int read_into(struct sk_unpack *u, GsfInput *in, GString *out, bool *cut)
{
    gsf_off_t size = gsf_input_size(in);
    if (size < 0)
        return SK_ECORRUPT;
    uint64_t want = (uint64_t)size;
    *cut = want > node_cap(u);
    if (*cut) {
        want = node_cap(u);
        note_cut(u, "a property stream");
    }
    for (uint64_t at = 0; at < want;) {
        size_t n = want - at < MSG_READ_BLOCK ? (size_t)(want - at) : MSG_READ_BLOCK;
        const guint8 *p = gsf_input_read(in, n, NULL);
        if (!p)
            return SK_ECORRUPT;
        g_string_append_len(out, (const char *)p, (gssize)n);
        at += n;
        if (sk_unpack_expired(u))
            return SK_ELIMIT;
    }
    return 0;
}

/* The stream `__substg1.0_<id><type>` of a storage, or NULL. */
static GsfInput *substg(GsfInfile *storage, unsigned id, unsigned type)
{
    char name[32];
    snprintf(name, sizeof name, "__substg1.0_%04X%04X", id & 0xffffu, type & 0xffffu);
    return gsf_infile_child_by_name(storage, name);
}

/* A storage's property stream: its entries after a header of `header`
 * bytes. A top-level message's header is 32 bytes and an embedded one's 24
 * (2.4.1.1-2): a message whose header cannot be told by its length (one
 * that is not a whole number of 16-byte entries either way) is corrupt. */
struct props {
    GString *bytes;
    size_t header;
};

static int read_props(struct sk_unpack *u, GsfInfile *storage, bool message, struct props *out)
{
    out->bytes = g_string_new(NULL);
    out->header = message ? 32 : 8;
    GsfInput *in = gsf_infile_child_by_name(storage, MSG_PROPS_NAME);
    if (!in)
        return 0;
    bool cut;
    int rc = read_into(u, in, out->bytes, &cut);
    g_object_unref(in);
    if (rc)
        return rc;
    size_t len = out->bytes->len;
    if (message && len % 16 == 8)
        out->header = 24;
    if (cut || len < out->header || (len - out->header) % 16 != 0)
        return SK_ECORRUPT;
    return 0;
}

/* A fixed-size property's value (its first 8 bytes), when present. */
static bool prop_u32(const struct props *pr, unsigned id, unsigned type, uint32_t *value)
{
    struct sk_reader r = sk_reader_make((const uint8_t *)pr->bytes->str, pr->bytes->len);
    uint32_t tag = (uint32_t)id << 16 | type;
    for (uint64_t at = pr->header; at + 16 <= r.len; at += 16) {
        if (sk_reader_u32le_at(&r, at) == tag) {
            *value = sk_reader_u32le_at(&r, at + 8);
            return true;
        }
    }
    return false;
}

static void props_free(struct props *pr)
{
    if (pr->bytes)
        g_string_free(pr->bytes, TRUE);
    pr->bytes = NULL;
}

/* A Windows code page as an iconv name for sk_text_append_utf8. */
static const char *codepage_label(unsigned codepage, char *buf, size_t size)
{
    switch (codepage) {
    case 0: return NULL;
    case 65001: return "UTF-8";
    case 1200: return "UTF-16LE";
    case 20932:
    case 51932: return "EUC-JP";
    case 50220:
    case 50221:
    case 50222: return "ISO-2022-JP";
    default: snprintf(buf, size, "CP%u", codepage); return buf;
    }
}

/* UTF-16LE text (up to its first NUL unit) appended to out as UTF-8. */
static void append_utf16(GString *out, const uint8_t *p, size_t n)
{
    char chunk[3 * 1024 + 1];
    struct sk_reader r = sk_reader_make(p, n);
    size_t units = 0;
    while (units < n / 2 && sk_reader_u16le_at(&r, 2 * (uint64_t)units) != 0)
        units++;
    for (size_t at = 0; at < units; at += 1024) {
        size_t k = units - at < 1024 ? units - at : 1024;
        const uint8_t *from = sk_reader_at(&r, 2 * (uint64_t)at, 2 * k);
        size_t len = sk_utf16le_to_utf8(from, k, chunk, sizeof chunk - 1);
        g_string_append_len(out, chunk, (gssize)len);
    }
}

/* 8-bit text in a code page (up to its first NUL) appended as UTF-8. */
static void append_8bit(GString *out, const uint8_t *p, size_t n, unsigned codepage)
{
    char label[16];
    const uint8_t *nul = memchr(p, 0, n);
    n = nul ? (size_t)(nul - p) : n;
    if (codepage == 1200)
        codepage = 0; /* a UTF-16 code page cannot label 8-bit bytes */
    sk_text_append_utf8(out, p, n, codepage_label(codepage, label, sizeof label));
}

/* A string property of a storage appended to out as UTF-8: PT_UNICODE,
 * else PT_STRING8 in codepage, else (bytes_too) PT_BINARY in codepage.
 * Returns 1 when present, 0 when not, or a negative SK_E* code. */
static int read_text(struct sk_unpack *u, GsfInfile *storage, unsigned id, unsigned codepage,
                     bool bytes_too, GString *out)
{
    static const unsigned types[] = {PT_UNICODE, PT_STRING8, PT_BINARY};
    for (size_t i = 0; i < (bytes_too ? 3u : 2u); i++) {
        GsfInput *in = substg(storage, id, types[i]);
        if (!in)
            continue;
        GString *raw = g_string_new(NULL);
        bool cut;
        int rc = read_into(u, in, raw, &cut);
        g_object_unref(in);
        if (rc == 0 && types[i] == PT_UNICODE)
            append_utf16(out, (const uint8_t *)raw->str, raw->len);
        else if (rc == 0)
            append_8bit(out, (const uint8_t *)raw->str, raw->len, codepage);
        g_string_free(raw, TRUE);
        return rc ? rc : 1;
    }
    return 0;
}

/* A short string property as UTF-8 into buf (cut at size - 1 bytes, never
 * inside a character); "" when absent. */
static int read_short(struct sk_unpack *u, GsfInfile *storage, unsigned id, unsigned codepage,
                      char *buf, size_t size)
{
    GString *s = g_string_new(NULL);
    int rc = read_text(u, storage, id, codepage, false, s);
    size_t n = sk_utf8_sanitize(s->str, s->len, buf, size - 1);
    buf[n] = '\0';
    g_string_free(s, TRUE);
    return rc < 0 ? rc : 0;
}

/* ---- RTF reduced to text, for the harvester ------------------------------ */

struct rtf_text {
    GString *out;
    GString *pending; /* 8-bit bytes (\'hh and plain) not yet decoded */
    unsigned codepage;
    unsigned uc;   /* characters after \uN to skip (\ucN) */
    unsigned skip; /* of those, still to skip */
};

static void rtf_flush(struct rtf_text *t)
{
    if (t->pending->len)
        append_8bit(t->out, (const uint8_t *)t->pending->str, t->pending->len, t->codepage);
    g_string_truncate(t->pending, 0);
}

static void rtf_char(struct rtf_text *t, uint8_t c)
{
    if (t->skip) {
        t->skip--;
        return;
    }
    /* a NUL (\'00) would end the 8-bit run when it is decoded */
    g_string_append_c(t->pending, c ? (char)c : ' ');
}

static bool destination_skipped(const char *word)
{
    static const char *const skipped[] = {
        "fonttbl", "colortbl", "stylesheet", "info",      "pict",
        "object",  "header",   "footer",     "listtable", "listoverridetable"};
    for (size_t i = 0; i < sizeof skipped / sizeof skipped[0]; i++)
        if (strcmp(word, skipped[i]) == 0)
            return true;
    return false;
}

/* One control word's effect on the text; true when it starts a group
 * that is skipped. */
static bool rtf_word(struct rtf_text *t, const char *word, long param, bool has_param)
{
    if (strcmp(word, "par") == 0 || strcmp(word, "line") == 0)
        rtf_char(t, '\n');
    else if (strcmp(word, "tab") == 0)
        rtf_char(t, '\t');
    else if (strcmp(word, "ansicpg") == 0 && has_param && param > 0 && param < 65536)
        t->codepage = (unsigned)param;
    else if (strcmp(word, "uc") == 0 && has_param && param >= 0 && param < 16)
        t->uc = (unsigned)param;
    else if (strcmp(word, "u") == 0 && has_param) {
        rtf_flush(t);
        unsigned char utf8[4];
        uint32_t c = (uint32_t)(param < 0 ? param + 65536 : param) & 0xffffu;
        g_string_append_len(t->out, (const char *)utf8, (gssize)sk_utf8_encode(c, utf8));
        t->skip = t->uc;
    } else
        return destination_skipped(word);
    return false;
}

/* The visible text of an RTF document appended to out: control words
 * dropped, \'hh and plain bytes decoded in \ansicpg (else codepage), \uN
 * taken, font tables, pictures, objects and {\* ...} destinations skipped.
 * Linear, no recursion: the group depth is a counter. */
static void rtf_to_text(GString *out, const char *p, size_t n, unsigned codepage)
{
    struct rtf_text t = {out, g_string_new(NULL), codepage ? codepage : 1252, 1, 0};
    size_t depth = 0, skip_below = 0; /* skipping while depth >= skip_below > 0 */
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '{') {
            depth++;
            if (i + 2 < n && p[i + 1] == '\\' && p[i + 2] == '*' && !skip_below)
                skip_below = depth;
        } else if (c == '}') {
            if (skip_below && depth == skip_below)
                skip_below = 0;
            depth = depth ? depth - 1 : 0;
        } else if (c == '\\' && i + 1 < n) {
            char d = p[++i];
            if (d == '\'' && i + 2 < n) {
                int hi = g_ascii_xdigit_value(p[i + 1]), lo = g_ascii_xdigit_value(p[i + 2]);
                i += 2;
                if (!skip_below && hi >= 0 && lo >= 0)
                    rtf_char(&t, (uint8_t)(hi << 4 | lo));
            } else if (g_ascii_isalpha(d)) {
                char word[32];
                size_t k = 0;
                for (; i < n && g_ascii_isalpha(p[i]); i++)
                    if (k < sizeof word - 1)
                        word[k++] = p[i];
                word[k] = '\0';
                long param = 0, sign = 1;
                bool has_param = false;
                if (i < n && p[i] == '-') {
                    sign = -1;
                    i++;
                }
                for (unsigned digits = 0; i < n && g_ascii_isdigit(p[i]); i++, digits++)
                    if (digits < 9) {
                        param = param * 10 + (p[i] - '0');
                        has_param = true;
                    }
                if (i >= n || p[i] != ' ')
                    i--; /* the delimiter is part of the text */
                if (!skip_below && rtf_word(&t, word, sign * param, has_param))
                    skip_below = depth;
            } else if (!skip_below && (d == '\\' || d == '{' || d == '}')) {
                rtf_char(&t, (uint8_t)d);
            }
        } else if (!skip_below && c != '\r' && c != '\n') {
            rtf_char(&t, (uint8_t)c);
        }
    }
    rtf_flush(&t);
    g_string_free(t.pending, TRUE);
}

/* ---- items -------------------------------------------------------------- */

static struct item *items(const struct msg_state *st)
{
    return (struct item *)(void *)st->items.p;
}

static struct item *item_add(struct sk_unpack *u, struct msg_state *st, enum item_kind kind,
                             const char *name)
{
    struct item *it = NULL;
    char *copy = sk_unpack_strndup(u, name, strlen(name));
    if (!copy || sk_dynbuf_extend(&st->items, sizeof *it, (void **)&it)) {
        free(copy);
        return NULL;
    }
    st->count++;
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->name = copy;
    return it;
}

static int add_text(struct sk_unpack *u, struct msg_state *st, enum item_kind kind,
                    const char *name, GString **text)
{
    struct item *it = item_add(u, st, kind, name);
    if (!it)
        return SK_ENOMEM;
    it->text = *text;
    *text = NULL;
    return 0;
}

/* ---- the message's own properties --------------------------------------- */

struct sink {
    struct sk_unpack *u;
    GString *out;
    uint64_t cap;
};

static int sink_put(void *ctx, const uint8_t *p, size_t n)
{
    struct sink *s = ctx;
    if (sk_unpack_expired(s->u) || s->out->len + n > s->cap)
        return SK_ELIMIT;
    g_string_append_len(s->out, (const char *)p, (gssize)n);
    return 0;
}

/* The compressed RTF body decompressed into *rtf (NULL when absent). */
static int read_rtf(struct sk_unpack *u, struct msg_state *st, GString **rtf)
{
    GsfInput *in = substg(st->root, PID_RTF_COMPRESSED, PT_BINARY);
    if (!in)
        return 0;
    GString *raw = g_string_new(NULL);
    bool cut;
    int rc = read_into(u, in, raw, &cut);
    g_object_unref(in);
    *rtf = g_string_new(NULL);
    struct sink sink = {u, *rtf, node_cap(u)};
    if (rc == 0)
        rc = sk_lzfu_decompress((const uint8_t *)raw->str, raw->len, sink_put, &sink);
    g_string_free(raw, TRUE);
    if (rc == SK_ELIMIT && !sk_unpack_expired(u))
        note_cut(u, "the decompressed RTF body");
    if (rc == SK_ECORRUPT || rc == SK_ETRUNC || rc == SK_EUNSUPPORTED)
        sk_unpack_fail(u, "msg", rc, "compressed RTF body (MS-OXRTFCP): %s",
                       rc == SK_EUNSUPPORTED ? "unknown COMPTYPE" : sk_strerror(rc));
    return rc == SK_ENOMEM ? rc : 0;
}

/* The mail facts of the request's own message (the engine ignores them
 * for any other node). */
static int record_fields(struct sk_unpack *u, struct msg_state *st, const char *subject)
{
    char buf[512];
    sk_unpack_mail_field(u, SK_MAIL_SUBJECT, subject, strlen(subject));
    int rc = read_short(u, st->root, PID_SENDER_SMTP_ADDRESS, st->codepage, buf, sizeof buf);
    if (rc == 0 && !strchr(buf, '@'))
        rc = read_short(u, st->root, PID_SENDER_EMAIL, st->codepage, buf, sizeof buf);
    if (rc == 0 && strchr(buf, '@'))
        sk_unpack_mail_field(u, SK_MAIL_FROM, buf, strlen(buf));
    if (rc == 0)
        rc = read_short(u, st->root, PID_INTERNET_MESSAGE_ID, st->codepage, buf, sizeof buf);
    if (rc == 0)
        sk_unpack_mail_field(u, SK_MAIL_MESSAGE_ID, buf, strlen(buf));
    if (rc == 0)
        rc = read_short(u, st->root, PID_IN_REPLY_TO, st->codepage, buf, sizeof buf);
    if (rc == 0)
        sk_unpack_mail_field(u, SK_MAIL_IN_REPLY_TO, buf, strlen(buf));
    if (rc == 0 &&
        read_short(u, st->root, PID_MESSAGE_CLASS, st->codepage, buf, sizeof buf) == 0 && *buf)
        sk_unpack_info(u, "message_class", "%s", buf);
    return rc;
}

/* Subject and bodies: harvested, then planned as children (body.txt
 * first, as an .eml's). */
static int read_bodies(struct sk_unpack *u, struct msg_state *st)
{
    GString *subject = g_string_new(NULL), *body = g_string_new(NULL);
    GString *html = g_string_new(NULL), *headers = g_string_new(NULL), *rtf = NULL;
    int rc = read_text(u, st->root, PID_SUBJECT, st->codepage, false, subject);
    if (rc >= 0)
        rc = record_fields(u, st, subject->str);
    if (rc >= 0)
        rc = read_text(u, st->root, PID_BODY, st->codepage, false, body);
    if (rc >= 0)
        rc = read_text(u, st->root, PID_BODY_HTML, st->html_codepage, true, html);
    if (rc >= 0)
        rc = read_text(u, st->root, PID_TRANSPORT_HEADERS, st->codepage, false, headers);
    if (rc >= 0)
        rc = read_rtf(u, st, &rtf);
    if (rc >= 0) {
        /* Every text a reader may see, for the harvester. */
        GString *html_text = g_string_new(NULL), *rtf_text = g_string_new(NULL);
        sk_html_append_text(html_text, html->str, html->len);
        if (rtf)
            rtf_to_text(rtf_text, rtf->str, rtf->len, st->codepage);
        sk_unpack_harvest(u, subject->str, subject->len, "subject");
        sk_unpack_harvest(u, body->str, body->len, "body");
        sk_unpack_harvest(u, html_text->str, html_text->len, "body");
        sk_unpack_harvest(u, rtf_text->str, rtf_text->len, "body");
        GString **shown = body->len ? &body : html_text->len ? &html_text : &rtf_text;
        rc = (*shown)->len ? add_text(u, st, ITEM_BODY, "body.txt", shown) : 0;
        if (html_text)
            g_string_free(html_text, TRUE);
        if (rtf_text)
            g_string_free(rtf_text, TRUE);
    }
    if (rc >= 0 && html->len)
        rc = add_text(u, st, ITEM_HTML, "body.html", &html);
    if (rc >= 0 && rtf && rtf->len)
        rc = add_text(u, st, ITEM_RTF, "body.rtf", &rtf);
    if (rc >= 0 && headers->len)
        rc = add_text(u, st, ITEM_HEADERS, "headers.txt", &headers);
    GString *all[] = {subject, body, html, headers, rtf};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i])
            g_string_free(all[i], TRUE);
    return rc < 0 ? rc : 0;
}

/* ---- recipients and attachments ----------------------------------------- */

/* libgsf makes every compound-file child a GsfInfile; a storage is one
 * with children to count (a stream says -1). */
static bool is_storage(GsfInput *in)
{
    return GSF_IS_INFILE(in) && gsf_infile_num_children(GSF_INFILE(in)) >= 0;
}

/* The root's substorages whose names start with prefix, in index order,
 * at most max: each handed to fn. */
static int each_storage(struct sk_unpack *u, struct msg_state *st, const char *prefix,
                        unsigned max, const char *what,
                        int (*fn)(struct sk_unpack *, struct msg_state *, GsfInfile *,
                                  unsigned))
{
    int n = gsf_infile_num_children(st->root);
    unsigned seen = 0;
    for (int i = 0; i < n; i++) {
        const char *name = gsf_infile_name_by_index(st->root, i);
        if (!name || strncmp(name, prefix, strlen(prefix)) != 0)
            continue;
        if (sk_unpack_expired(u))
            return 0; /* the engine reports the deadline */
        if (seen == max) {
            sk_unpack_fail(u, "msg", SK_EUNSUPPORTED, "more than %u %s", max, what);
            return 0;
        }
        GsfInput *child = gsf_infile_child_by_index(st->root, i);
        if (!child)
            continue;
        int rc = is_storage(child) ? fn(u, st, GSF_INFILE(child), seen++) : 0;
        g_object_unref(child);
        if (rc)
            return rc;
    }
    return 0;
}

static int take_recipient(struct sk_unpack *u, struct msg_state *st, GsfInfile *storage,
                          unsigned index)
{
    (void)index;
    struct props pr;
    int rc = read_props(u, storage, false, &pr);
    uint32_t type = 0;
    prop_u32(&pr, PID_RECIPIENT_TYPE, PT_LONG, &type);
    props_free(&pr);
    if (rc == SK_ECORRUPT) {
        sk_unpack_fail(u, "msg", rc, "a recipient's property stream is not whole entries");
        rc = 0;
    }
    char addr[512];
    if (rc == 0)
        rc = read_short(u, storage, PID_SMTP_ADDRESS, st->codepage, addr, sizeof addr);
    if (rc == 0 && !strchr(addr, '@'))
        rc = read_short(u, storage, PID_EMAIL_ADDRESS, st->codepage, addr, sizeof addr);
    if (rc == 0 && strchr(addr, '@') && (type == 1 || type == 2))
        sk_unpack_mail_field(u, SK_MAIL_RCPT, addr, strlen(addr));
    return rc;
}

/* The attachment's name: long, short, display name, or attachment-N. */
static int attachment_name(struct sk_unpack *u, struct msg_state *st, GsfInfile *storage,
                           unsigned index, char *name, size_t size)
{
    static const unsigned ids[] = {PID_ATTACH_LONG_FILENAME, PID_ATTACH_FILENAME,
                                   PID_DISPLAY_NAME};
    *name = '\0';
    for (size_t i = 0; i < sizeof ids / sizeof ids[0] && !*name; i++) {
        int rc = read_short(u, storage, ids[i], st->codepage, name, size);
        if (rc)
            return rc;
    }
    if (!*name)
        snprintf(name, size, "attachment-%u", index + 1);
    return 0;
}

/* A by-reference attachment: its path, and link.remote_target when the
 * path points off the machine (UNC, URL). */
static int report_reference(struct sk_unpack *u, struct msg_state *st, GsfInfile *storage,
                            const char *name, uint32_t method)
{
    char path[MSG_NAME_MAX];
    int rc = read_short(u, storage, PID_ATTACH_LONG_PATHNAME, st->codepage, path, sizeof path);
    if (rc == 0 && !*path)
        rc = read_short(u, storage, PID_ATTACH_PATHNAME, st->codepage, path, sizeof path);
    if (rc)
        return rc;
    char key[MSG_NAME_MAX + 16];
    snprintf(key, sizeof key, "reference:%s", name);
    sk_unpack_info(u, key, "method %u, path %s", (unsigned)method, *path ? path : "(none)");
    bool remote = strncmp(path, "\\\\", 2) == 0 || strncmp(path, "//", 2) == 0 ||
                  strstr(path, "://") != NULL;
    if (remote)
        sk_unpack_reason(u, "link.remote_target", "attachment %s by reference to %s", name,
                         path);
    return 0;
}

static int take_attachment(struct sk_unpack *u, struct msg_state *st, GsfInfile *storage,
                           unsigned index)
{
    struct props pr;
    int rc = read_props(u, storage, false, &pr);
    uint32_t method = ATTACH_BY_VALUE;
    prop_u32(&pr, PID_ATTACH_METHOD, PT_LONG, &method);
    props_free(&pr);
    if (rc == SK_ECORRUPT) {
        sk_unpack_fail(u, "msg", rc, "attachment %u: its property stream is not whole entries",
                       index + 1);
        rc = 0;
    }
    char name[MSG_NAME_MAX + 8];
    if (rc == 0)
        rc = attachment_name(u, st, storage, index, name, MSG_NAME_MAX);
    if (rc)
        return rc;
    bool by_reference = method == ATTACH_BY_REFERENCE || method == ATTACH_BY_REF_RESOLVE ||
                        method == ATTACH_BY_REF_ONLY || method == ATTACH_BY_WEB_REFERENCE;
    /* A reference is reported, and bytes stored beside it are still
     * scanned: tools that extract by the streams present hand them out. */
    if (by_reference && (rc = report_reference(u, st, storage, name, method)) != 0)
        return rc;
    GsfInput *data = substg(storage, PID_ATTACH_DATA, PT_BINARY);
    enum item_kind kind = ITEM_BYTES;
    if (!data) {
        data = substg(storage, PID_ATTACH_DATA, PT_OBJECT);
        kind = ITEM_STORAGE;
    }
    if (!data || (kind == ITEM_STORAGE && !is_storage(data))) {
        if (data)
            g_object_unref(data);
        if (!by_reference)
            sk_unpack_info(u, "attachment_without_data", "%s", name);
        return 0;
    }
    bool message = kind == ITEM_STORAGE && method == ATTACH_EMBEDDED_MSG;
    size_t len = strlen(name);
    if (message && (len < 4 || g_ascii_strcasecmp(name + len - 4, ".msg") != 0))
        snprintf(name + len, 8, ".msg");
    struct item *it = item_add(u, st, kind, name);
    if (!it) {
        g_object_unref(data);
        return SK_ENOMEM;
    }
    it->input = data;
    it->message = message;
    return 0;
}

/* ---- open --------------------------------------------------------------- */

static void free_state(struct msg_state *st)
{
    for (size_t i = 0; i < st->count; i++) {
        struct item *it = &items(st)[i];
        if (it->text)
            g_string_free(it->text, TRUE);
        if (it->input)
            g_object_unref(it->input);
        free(it->name);
    }
    sk_dynbuf_free(&st->items);
    if (st->root)
        g_object_unref(st->root);
    if (st->source)
        g_object_unref(st->source);
    free(st->padded);
    free(st);
}

/* The compound file through libgsf, once cfb_check.c has vouched for its
 * structure (as ole2.c does: a partial last sector is completed). */
static int open_file(struct sk_unpack *u, struct msg_state *st)
{
    const char *why;
    size_t pad;
    int rc = sk_cfb_check(u->node->data.p, u->node->data.len, &why, &pad);
    if (rc == SK_ELIMIT)
        sk_unpack_reason(u, "limit.nodes", "more than %u directory entries",
                         SK_CFB_MAX_ENTRIES);
    else if (rc == SK_ECORRUPT)
        sk_unpack_fail(u, "msg", SK_ECORRUPT, "%s", why);
    if (rc)
        return rc;
    const uint8_t *bytes = u->node->data.p;
    size_t len = u->node->data.len;
    if (pad) {
        st->padded = sk_unpack_calloc(u, 1, len + pad);
        if (!st->padded)
            return SK_ENOMEM;
        memcpy(st->padded, bytes, len);
        bytes = st->padded;
        len += pad;
    }
    st->source = gsf_input_memory_new(bytes, (gsf_off_t)len, FALSE);
    GError *err = NULL;
    st->root = st->source ? gsf_infile_msole_new(st->source, &err) : NULL;
    if (!st->root) {
        sk_unpack_fail(u, "msg", SK_ECORRUPT, "%s", err ? err->message : "not a compound file");
        g_clear_error(&err);
        return SK_ECORRUPT;
    }
    return 0;
}

static int open_msg(struct sk_unpack *u, void **out)
{
    pthread_once(&gsf_once, gsf_start);
    struct msg_state *st = sk_unpack_calloc(u, 1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    sk_unpack_dynbuf_init(u, &st->items, (MSG_MAX_ATTACHMENTS + 8) * sizeof(struct item));
    int rc = open_file(u, st);
    struct props pr = {0};
    if (rc == 0) {
        rc = read_props(u, st->root, true, &pr);
        if (rc == SK_ECORRUPT) {
            sk_unpack_fail(u, "msg", rc,
                           "the message's property stream (%zu bytes) is not whole entries",
                           pr.bytes->len);
            rc = 0;
        }
        uint32_t cp = 0;
        st->codepage = prop_u32(&pr, PID_MESSAGE_CODEPAGE, PT_LONG, &cp) ? cp : 0;
        st->html_codepage = prop_u32(&pr, PID_INTERNET_CPID, PT_LONG, &cp) ? cp : st->codepage;
        props_free(&pr);
    }
    if (rc == 0)
        rc = read_bodies(u, st);
    if (rc == 0)
        rc = each_storage(u, st, MSG_RECIP_PREFIX, MSG_MAX_RECIPIENTS, "recipients",
                          take_recipient);
    if (rc == 0)
        rc = each_storage(u, st, MSG_ATTACH_PREFIX, MSG_MAX_ATTACHMENTS, "attachments",
                          take_attachment);
    if (rc) {
        free_state(st);
        return rc;
    }
    *out = st;
    return 0;
}

/* ---- children ----------------------------------------------------------- */

/* A by-value attachment's bytes, read from libgsf into the child. */
static int fill_bytes(struct sk_unpack *u, GsfInput *in, struct sk_child *child)
{
    gsf_off_t size = gsf_input_size(in);
    if (size < 0)
        return SK_ECORRUPT;
    int rc = sk_unpack_reserve(u, &child->data, (uint64_t)size);
    for (gsf_off_t at = 0; rc == 0 && at < size;) {
        size_t n = size - at < MSG_READ_BLOCK ? (size_t)(size - at) : MSG_READ_BLOCK;
        const guint8 *p = gsf_input_read(in, n, NULL);
        if (!p)
            return SK_ECORRUPT;
        rc = sk_unpack_append(u, &child->data, p, n);
        at += (gsf_off_t)n;
    }
    return rc;
}

/* One stream copied into the new file, its bytes counted against budget. */
static int copy_stream(struct sk_unpack *u, GsfInput *in, GsfOutput *out, uint64_t *budget)
{
    gsf_off_t size = gsf_input_size(in);
    if (size < 0)
        return SK_ECORRUPT;
    if ((uint64_t)size > *budget) {
        note_cut(u, "an embedded message or object");
        return SK_ELIMIT;
    }
    *budget -= (uint64_t)size;
    for (gsf_off_t at = 0; at < size;) {
        size_t n = size - at < MSG_READ_BLOCK ? (size_t)(size - at) : MSG_READ_BLOCK;
        const guint8 *p = gsf_input_read(in, n, NULL);
        if (!p || !gsf_output_write(out, n, p))
            return SK_ECORRUPT;
        at += (gsf_off_t)n;
        if (sk_unpack_expired(u))
            return SK_ELIMIT;
    }
    return 0;
}

struct copy_job {
    GsfInfile *from; /* a reference */
    GsfOutfile *to;  /* a reference */
};

/* Copies storage `from` (every stream and storage under it, walked with an
 * explicit work list) into `to`. Outputs are closed children first. */
static int copy_storage(struct sk_unpack *u, GsfInfile *from, GsfOutfile *to)
{
    uint64_t budget = node_cap(u);
    GPtrArray *opened = g_ptr_array_new_with_free_func(g_object_unref); /* storages made */
    GArray *work = g_array_new(FALSE, FALSE, sizeof(struct copy_job));
    struct copy_job first = {g_object_ref(from), g_object_ref(to)};
    g_array_append_val(work, first);
    int rc = 0;
    while (work->len && rc == 0) {
        struct copy_job job = g_array_index(work, struct copy_job, work->len - 1);
        g_array_set_size(work, work->len - 1);
        g_ptr_array_add(opened, job.to);
        int n = gsf_infile_num_children(job.from);
        for (int i = 0; i < n && rc == 0; i++) {
            GsfInput *in = gsf_infile_child_by_index(job.from, i);
            const char *name = gsf_infile_name_by_index(job.from, i);
            bool dir = in && is_storage(in);
            GsfOutput *out = in && name ? gsf_outfile_new_child(job.to, name, dir) : NULL;
            if (!out)
                rc = SK_ECORRUPT;
            else if (dir) {
                struct copy_job next = {GSF_INFILE(g_object_ref(in)), GSF_OUTFILE(out)};
                g_array_append_val(work, next);
                out = NULL;
            } else {
                rc = copy_stream(u, in, out, &budget);
                gsf_output_close(out);
            }
            if (out)
                g_object_unref(out);
            if (in)
                g_object_unref(in);
        }
        g_object_unref(job.from);
    }
    for (guint i = 0; i < work->len; i++) {
        struct copy_job *left = &g_array_index(work, struct copy_job, i);
        g_object_unref(left->from);
        g_ptr_array_add(opened, left->to);
    }
    for (guint i = opened->len; i-- > 1;) /* children first; the caller closes `to` */
        gsf_output_close(g_ptr_array_index(opened, i));
    g_array_free(work, TRUE);
    g_ptr_array_free(opened, TRUE);
    return rc;
}

/* An embedded message or OLE object: its storage written as a compound
 * file of its own, the child's bytes. */
static int fill_storage(struct sk_unpack *u, const struct item *it, struct sk_child *child)
{
    GsfOutput *mem = gsf_output_memory_new();
    GsfOutfile *ole = gsf_outfile_msole_new(mem);
    guint8 clsid[16];
    if (it->message)
        gsf_outfile_msole_set_class_id(GSF_OUTFILE_MSOLE(ole), mail_message_clsid);
    else if (gsf_infile_msole_get_class_id(GSF_INFILE_MSOLE(it->input), clsid))
        gsf_outfile_msole_set_class_id(GSF_OUTFILE_MSOLE(ole), clsid);
    int rc = copy_storage(u, GSF_INFILE(it->input), ole);
    gsf_output_close(GSF_OUTPUT(ole));
    g_object_unref(ole);
    if (rc == 0 || rc == SK_ELIMIT) {
        gsf_off_t size = gsf_output_size(mem);
        const guint8 *bytes = gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem));
        if (size > 0 && bytes) {
            int append = sk_unpack_append(u, &child->data, bytes, (size_t)size);
            rc = append ? append : rc;
        }
    }
    g_object_unref(mem);
    return rc;
}

static int next_msg(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct msg_state *st = state;
    if (st->next >= st->count)
        return SK_DONE;
    struct item *it = &items(st)[st->next++];
    child->name = it->name;
    child->name_len = strlen(it->name);
    int rc;
    if (it->kind == ITEM_BYTES)
        rc = fill_bytes(u, it->input, child);
    else if (it->kind == ITEM_STORAGE)
        rc = fill_storage(u, it, child);
    else
        rc = sk_unpack_append(u, &child->data, it->text->str, it->text->len);
    if (it->kind == ITEM_HEADERS)
        child->type = SK_TYPE_TEXT; /* a header block alone is not a message to open */
    if (rc == SK_ELIMIT) {
        child->truncated = true;
        return 0;
    }
    if (rc == SK_ECORRUPT) {
        sk_unpack_fail(u, "msg", rc, "attachment %s could not be read whole", it->name);
        return 0;
    }
    return rc;
}

static void close_msg(void *state)
{
    free_state(state);
}

const struct sk_unpacker sk_unpacker_msg = {
    .name = "msg",
    .bid = bid,
    .open = open_msg,
    .next = next_msg,
    .close = close_msg,
};
