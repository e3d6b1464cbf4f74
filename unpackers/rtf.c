/* Embedded objects of an RTF document.
 *
 * Spec: RTF 1.9.1, "Objects" (\object, \objclass, \objdata, \objupdate,
 * \objautlink, \objlink) and "\binN"; [MS-OLEDS] §2.2.4 ObjectHeader,
 * §2.2.5 EmbeddedObject, §2.2.6 LinkedObject (the OLE1 form \objdata
 * holds); the OLE Package ("Packager") native data as oletools' oleobj
 * reads it (u16, label, source path, u16, u16 kind, u32, temp path, u32 size,
 * bytes), which no Microsoft document specifies.
 * Supports: every \objdata (also \*\objdata) in one linear pass; its hex
 * decoded until its group closes, tolerating white space between digits,
 * \binN raw runs, an odd last nibble (dropped), other control words and
 * braces inside the data. Each object is reported as rtf.object (detail:
 * class, linked, objupdate), an Equation class also as office.equation,
 * and handed back as "objdata-<n>-<class>": the OLE1 NativeData (usually an
 * OLE2 file, which the engine opens), for a Package the embedded file
 * itself ("objdata-<n>-Package-<label>"), or the raw decoded bytes when the
 * OLE1 header does not parse.
 * Refuses: nothing silently; a header that does not parse is said in the
 * detail. Hex inside nested groups of the data is decoded too (Word skips
 * some of those; an attacker gains nothing by hiding bytes we scan).
 * Limits: no recursion; group depth is a counter capped at RTF_MAX_DEPTH;
 * \binN is bounded by what remains; control word names and numbers are cut
 * at fixed lengths; objects are bytes through sk_unpack_append (node,
 * total, ratio, time); a deadline check runs per object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "../engine/text.h"
#include "unpacker.h"

#define RTF_MAX_DEPTH 1000000u /* group depth counted; deeper is not told apart */
#define RTF_WORD 32u           /* bytes of a control word kept */
#define RTF_PARAM_DIGITS 10u   /* digits of a parameter read */
#define RTF_CLASS 64u          /* bytes of an \objclass kept */
#define RTF_CHUNK 4096u        /* decoded bytes appended at a time */

struct rtf_state {
    const uint8_t *p;
    size_t len, pos;
    uint32_t depth;
    bool too_deep; /* depth reached RTF_MAX_DEPTH: braces no longer counted */
    bool ended;    /* the end was reached and judged */
    unsigned objects;
    char objclass[RTF_CLASS];
    bool linked, update;
    char name[RTF_CLASS * 2 + 32];
};

/* One control word or symbol after a backslash. */
struct control {
    char word[RTF_WORD + 1]; /* "" for a control symbol */
    bool has_param;
    long param;
};

/* The bid: the bytes {\rt at offset 0 (Word reads {\rtf1 and also a
 * bare {\rt, which attackers use): 32 bits, 60. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    if (!sk_reader_match(&r, 0, "{\\rt", 4))
        return 0;
    *type = SK_TYPE_RTF;
    return 60;
}

static bool is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(uint8_t c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads the control word at st->pos (just after the backslash). Names and
 * numbers longer than we keep are read whole but cut, so a megabyte of
 * letters costs one pass and nothing more. */
static void read_control(struct rtf_state *st, struct control *c)
{
    memset(c, 0, sizeof *c);
    if (st->pos >= st->len)
        return;
    if (!is_alpha(st->p[st->pos])) {
        uint8_t sym = st->p[st->pos++];
        if (sym == '\'') /* \'hh: a character, not data */
            st->pos += st->len - st->pos < 2 ? st->len - st->pos : 2;
        return;
    }
    size_t n = 0;
    for (; st->pos < st->len && is_alpha(st->p[st->pos]); st->pos++)
        if (n < RTF_WORD)
            c->word[n++] = (char)st->p[st->pos];
    bool negative = st->pos < st->len && st->p[st->pos] == '-';
    if (negative)
        st->pos++;
    unsigned digits = 0;
    for (; st->pos < st->len && is_digit(st->p[st->pos]); st->pos++, digits++)
        if (digits < RTF_PARAM_DIGITS)
            c->param = c->param * 10 + (st->p[st->pos] - '0');
    c->has_param = digits > 0;
    if (negative)
        c->param = -c->param;
    if (st->pos < st->len && st->p[st->pos] == ' ')
        st->pos++;
}

/* \binN: the next N bytes are raw, bounded by what remains. Returns the
 * run's length and advances past it. */
static size_t bin_run(struct rtf_state *st, const struct control *c)
{
    size_t left = st->len - st->pos;
    size_t n = c->param > 0 ? (size_t)c->param : 0;
    if (n > left)
        n = left;
    st->pos += n;
    return n;
}

static void group_open(struct rtf_state *st)
{
    if (st->depth < RTF_MAX_DEPTH)
        st->depth++;
    else
        st->too_deep = true;
}

static void group_close(struct rtf_state *st)
{
    if (st->depth > 0)
        st->depth--;
}

/* Reads the text of \objclass up to the group's end. */
static void read_class(struct rtf_state *st)
{
    size_t n = 0;
    while (st->pos < st->len && st->p[st->pos] == ' ')
        st->pos++;
    for (; st->pos < st->len; st->pos++) {
        uint8_t ch = st->p[st->pos];
        if (ch == '}' || ch == '{' || ch == '\\')
            break;
        if (ch >= 0x20 && n < RTF_CLASS - 1)
            st->objclass[n++] = (char)ch;
    }
    st->objclass[n] = 0;
}

/* --- decoding \objdata ----------------------------------------------- */

struct decoder {
    struct sk_unpack *u;
    struct sk_child *child;
    uint8_t chunk[RTF_CHUNK];
    size_t used;
    int nibble;   /* -1: none pending */
    bool stopped; /* a limit cut the object: the rest is read, not kept */
};

static void flush(struct decoder *d)
{
    if (d->used && !d->stopped) {
        int rc = sk_unpack_append(d->u, &d->child->data, d->chunk, d->used);
        if (rc != 0) {
            d->stopped = true;
            d->child->truncated = true;
        }
    }
    d->used = 0;
}

static void put_byte(struct decoder *d, uint8_t b)
{
    if (d->used == sizeof d->chunk)
        flush(d);
    d->chunk[d->used++] = b;
}

static void put_hex(struct decoder *d, int v)
{
    if (d->nibble < 0) {
        d->nibble = v;
        return;
    }
    put_byte(d, (uint8_t)(d->nibble << 4 | v));
    d->nibble = -1;
}

/* Decodes from st->pos until the group holding \objdata closes. */
static void decode_objdata(struct rtf_state *st, struct decoder *d)
{
    uint32_t floor = st->depth;
    while (st->pos < st->len) {
        uint8_t ch = st->p[st->pos];
        int v = hex_value(ch);
        if (v >= 0) {
            st->pos++;
            put_hex(d, v);
        } else if (ch == '{') {
            st->pos++;
            group_open(st);
        } else if (ch == '}') {
            st->pos++;
            group_close(st);
            if (st->depth < floor)
                break;
        } else if (ch == '\\') {
            st->pos++;
            struct control c;
            read_control(st, &c);
            if (strcmp(c.word, "bin") == 0) {
                size_t at = st->pos, n = bin_run(st, &c);
                for (size_t i = 0; i < n; i++)
                    put_byte(d, st->p[at + i]);
            }
        } else {
            st->pos++; /* white space and anything else between digits */
        }
    }
    flush(d);
}

/* --- the OLE1 object around the native data -------------------------- */

struct ole1 {
    char class_name[RTF_CLASS];
    uint32_t format; /* 1 linked, 2 embedded */
    size_t native_at, native_len;
    bool native_short; /* NativeDataSize claims more than there is */
};

/* A LengthPrefixedAnsiString ([MS-OLEDS] §2.1.4); keeps up to cap-1 bytes. */
static void ansi_string(struct sk_reader *r, char *out, size_t cap)
{
    uint32_t n = sk_reader_u32le(r);
    if (n > sk_reader_left(r)) {
        r->err = SK_ETRUNC;
        return;
    }
    const uint8_t *s = sk_reader_bytes(r, n);
    size_t k = 0;
    for (uint32_t i = 0; s && i < n && s[i] && k < cap - 1; i++)
        out[k++] = (char)s[i];
    out[k] = 0;
}

/* Parses an ObjectHeader and, for an embedded object, where its
 * NativeData lies: 0, or SK_ECORRUPT when these bytes are not OLE1. */
static int parse_ole1(const uint8_t *p, size_t len, struct ole1 *o)
{
    memset(o, 0, sizeof *o);
    struct sk_reader r = sk_reader_make(p, len);
    uint32_t version = sk_reader_u32le(&r);
    o->format = sk_reader_u32le(&r);
    char ignored[8];
    ansi_string(&r, o->class_name, sizeof o->class_name);
    ansi_string(&r, ignored, sizeof ignored); /* TopicName */
    ansi_string(&r, ignored, sizeof ignored); /* ItemName */
    /* OLEVersion is not checked: Office ignores it and droppers vary it. */
    (void)version;
    if (r.err || (o->format != 1 && o->format != 2))
        return SK_ECORRUPT;
    if (o->format == 1)
        return 0;
    uint32_t size = sk_reader_u32le(&r);
    if (r.err)
        return SK_ECORRUPT;
    o->native_at = r.pos;
    o->native_short = size > sk_reader_left(&r);
    o->native_len = o->native_short ? sk_reader_left(&r) : size;
    return 0;
}

/* A zero-terminated string inside the reader: its start and length. */
static const uint8_t *c_string(struct sk_reader *r, size_t *n)
{
    const uint8_t *s = r->err ? NULL : r->p + r->pos;
    const uint8_t *nul = s ? memchr(s, 0, sk_reader_left(r)) : NULL;
    if (!nul) {
        r->err = SK_ETRUNC;
        return NULL;
    }
    *n = (size_t)(nul - s);
    sk_reader_skip(r, *n + 1);
    return s;
}

/* An OLE Package's embedded file: its label and where its bytes lie
 * (relative to p). 0, or SK_ECORRUPT (also for a package that only links
 * to a file: there are no bytes). */
static int parse_package(const uint8_t *p, size_t len, const uint8_t **label, size_t *label_len,
                         size_t *at, size_t *size)
{
    struct sk_reader r = sk_reader_make(p, len);
    size_t ignored;
    sk_reader_u16le(&r);
    *label = c_string(&r, label_len);
    c_string(&r, &ignored); /* where the file came from */
    sk_reader_u16le(&r);
    uint16_t kind = sk_reader_u16le(&r); /* 3: the file is embedded; 1: linked */
    sk_reader_u32le(&r);
    c_string(&r, &ignored); /* the temporary path it is written to */
    uint32_t n = sk_reader_u32le(&r);
    if (r.err || kind != 3 || n > sk_reader_left(&r))
        return SK_ECORRUPT;
    *at = r.pos;
    *size = n;
    return 0;
}

/* --- one object ------------------------------------------------------ */

static void clean_name_part(const char *in, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap - 1; i++) {
        char c = in[i];
        bool ok =
            is_alpha((uint8_t)c) || is_digit((uint8_t)c) || c == '.' || c == '_' || c == '-';
        out[k++] = ok ? c : '_';
    }
    out[k] = 0;
}

/* Keeps bytes [at, at+n) of the child's buffer as the whole child. */
static void keep_range(struct sk_child *child, size_t at, size_t n)
{
    if (n == 0) {
        child->data.len = 0;
        return;
    }
    memmove(child->data.p, child->data.p + at, n);
    child->data.len = n;
}

static void name_child(struct rtf_state *st, struct sk_child *child, const char *cls,
                       const char *label, size_t label_len)
{
    char a[RTF_CLASS], b[RTF_CLASS];
    clean_name_part(cls, strlen(cls), a, sizeof a);
    clean_name_part(label ? label : "", label ? label_len : 0, b, sizeof b);
    snprintf(st->name, sizeof st->name, "objdata-%u-%s%s%s", st->objects, *a ? a : "unknown",
             *b ? "-" : "", b);
    child->name = st->name;
    child->name_len = strlen(st->name);
}

static bool is_equation(const char *cls)
{
    return strncasecmp(cls, "Equation", 8) == 0;
}

/* Strips the OLE1 header (and a Package's wrapping) and reports the object. */
static void finish_object(struct sk_unpack *u, struct rtf_state *st, struct sk_child *child)
{
    struct ole1 o;
    bool parsed = parse_ole1(child->data.p, child->data.len, &o) == 0;
    const char *cls = parsed && o.class_name[0] ? o.class_name : st->objclass;
    const uint8_t *label = NULL;
    char label_copy[RTF_CLASS] = "";
    size_t label_len = 0, at = 0, size = 0;
    if (parsed && o.format == 2) {
        keep_range(child, o.native_at, o.native_len);
        if (strcasecmp(cls, "Package") == 0 &&
            parse_package(child->data.p, child->data.len, &label, &label_len, &at, &size) ==
                0) {
            /* the label lies in the bytes keep_range moves: copy it first */
            label_len = label_len < sizeof label_copy ? label_len : sizeof label_copy - 1;
            memcpy(label_copy, label, label_len);
            keep_range(child, at, size);
        }
    } else if (parsed) {
        child->data.len = 0; /* a link: the object is elsewhere */
    }
    char shown[RTF_CLASS * 3 + 1];
    sk_utf8_sanitize(cls, strlen(cls), shown, sizeof shown - 1);
    sk_unpack_reason(u, "rtf.object", "class %s%s%s%s%s", *shown ? shown : "(none)",
                     st->linked || (parsed && o.format == 1) ? ", linked" : "",
                     st->update ? ", objupdate" : "",
                     parsed ? "" : ", no OLE1 header: raw bytes",
                     parsed && o.native_short ? ", native data cut short" : "");
    if (is_equation(cls) || is_equation(st->objclass))
        sk_unpack_reason(u, "office.equation", "RTF object class %s", *shown ? shown : "?");
    name_child(st, child, cls, label_copy, label_len);
}

static int open_rtf(struct sk_unpack *u, void **out)
{
    struct rtf_state *st = calloc(1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    st->p = u->node->data.p;
    st->len = u->node->data.len;
    *out = st;
    return 0;
}

static void close_rtf(void *state)
{
    free(state);
}

/* Decodes one \objdata into the child: 0, or SK_ENOMEM. */
static int take_object(struct sk_unpack *u, struct rtf_state *st, struct sk_child *child)
{
    struct decoder *d = calloc(1, sizeof *d);
    if (!d)
        return SK_ENOMEM;
    d->u = u;
    d->child = child;
    d->nibble = -1;
    st->objects++;
    decode_objdata(st, d);
    free(d);
    finish_object(u, st, child);
    st->objclass[0] = 0;
    st->linked = st->update = false;
    return 0;
}

/* Acts on one control word of the document outside \objdata; true when
 * it starts an object's data. */
static bool control_word(struct rtf_state *st)
{
    struct control c;
    read_control(st, &c);
    if (strcmp(c.word, "bin") == 0) {
        bin_run(st, &c); /* raw bytes could hold a fake "{\objdata" */
    } else if (strcmp(c.word, "object") == 0) {
        st->objclass[0] = 0;
        st->linked = st->update = false;
    } else if (strcmp(c.word, "objclass") == 0) {
        read_class(st);
    } else if (strcmp(c.word, "objupdate") == 0) {
        st->update = true;
    } else if (strcmp(c.word, "objautlink") == 0 || strcmp(c.word, "objlink") == 0) {
        st->linked = true;
    }
    return strcmp(c.word, "objdata") == 0;
}

/* At the end of the document: groups left open (a truncated or deliberately
 * unbalanced file, the shape parser-choking exploits take) or nested past
 * the counter are error.corrupt; the objects found were still handed back. */
static int document_end(struct sk_unpack *u, struct rtf_state *st)
{
    if (!st->ended && (st->too_deep || st->depth > 0)) {
        if (st->too_deep)
            sk_unpack_fail(u, "rtf", SK_ECORRUPT, "groups nested deeper than %u",
                           RTF_MAX_DEPTH);
        else
            sk_unpack_fail(u, "rtf", SK_ECORRUPT, "%u group(s) never closed", st->depth);
    }
    st->ended = true;
    return SK_DONE;
}

static int next_object(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct rtf_state *st = state;
    if (sk_unpack_expired(u))
        return SK_DONE;
    while (st->pos < st->len) {
        const uint8_t *at = st->p + st->pos;
        const uint8_t *special = at;
        /* Plain text is most of a document: jump to the next byte that
         * matters. */
        while (special < st->p + st->len && *special != '{' && *special != '}' &&
               *special != '\\')
            special++;
        st->pos = (size_t)(special - st->p);
        if (st->pos >= st->len)
            break;
        st->pos++;
        if (*special == '{')
            group_open(st);
        else if (*special == '}')
            group_close(st);
        else if (control_word(st)) {
            int rc = take_object(u, st, child);
            if (rc != 0 || child->data.len > 0)
                return rc;
            /* Reported, but nothing to scan (a link, or no data). */
            sk_buf_release(&child->data);
            *child = (struct sk_child){0};
        }
    }
    return document_end(u, st);
}

const struct sk_unpacker sk_unpacker_rtf = {
    .name = "rtf",
    .bid = bid,
    .open = open_rtf,
    .next = next_object,
    .close = close_rtf,
};
