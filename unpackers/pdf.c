/* PDF: what can run or hide in a document.
 *
 * Spec: ISO 32000-1 (PDF 1.7) §7.2 lexical conventions (white space,
 * delimiters, comments), §7.3.4 strings (literal escapes, hex strings),
 * §7.3.5 names (#xx escapes), §7.3.8 streams (/Length, /Filter,
 * /DecodeParms), §7.3.10 indirect objects, §7.4.2 ASCIIHexDecode, §7.4.3
 * ASCII85Decode, §7.4.4 FlateDecode (zlib, RFC 1950), §7.5.7 object
 * streams (/Type /ObjStm, /N, /First), §7.6 encryption (strings and
 * streams are encrypted, dictionaries are not), §7.11 file specifications
 * (/EF, /F, /UF) and §7.11.4 embedded file streams, §12.6.4.5 Launch
 * actions (/F, /Win), §12.6.4.16 JavaScript actions (/JS).
 * Supports: a linear scan for "N G obj" over the whole file (not the xref
 * table, which attackers falsify and readers repair anyway); a stream's
 * /Length is trusted only when "endstream" follows it, else "endstream" is
 * searched; FlateDecode, ASCIIHexDecode, ASCII85Decode and arrays of them;
 * object streams decoded and their objects scanned like the others; the
 * counts of /JavaScript /JS /OpenAction /AA /Launch /EmbeddedFile /URI
 * /AcroForm /XFA /ObjStm into info; each JavaScript (a string or a stream)
 * handed back as a child "javascript" (pdf.javascript); each /Launch
 * reported with its /F target (pdf.launch); each embedded file stream
 * decoded into a child named from the file specification that points at it
 * (/UF, else /F) or "embedded_N" (pdf.embedded_file).
 * Refuses: other filters (LZW, RunLength, the image codecs, Crypt) on a
 * stream we need: error.unsupported names it. PNG/TIFF predictors are not
 * undone (they are for images and xref streams). An encrypted PDF
 * (/Encrypt) is not decrypted: its strings and streams are unreadable, so
 * when it has JavaScript, embedded files or object streams (which may hide
 * either) it is reported error.unsupported; an encrypted PDF with none of
 * those (a permissions-only "protected" invoice) is only noted in info.
 * Limits: no recursion: nested dictionaries are skipped with a depth
 * counter; at most PDF_MAX_OBJECTS objects; every decoded byte, object
 * streams' included, goes through sk_unpack_append (node, total, ratio,
 * time); the time is checked per object and per child. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../engine/error.h"
#include "unpacker.h"

#define PDF_MAX_OBJECTS 500000u
#define PDF_MAX_FILTERS 8u
#define PDF_NAME_BYTES 64u  /* of a name kept for comparison */
#define PDF_TEXT_BYTES 256u /* of a file name or launch target kept */
#define PDF_CHUNK 16384u
#define PDF_MAX_CHILDREN 1000u     /* JavaScripts and embedded files handed back */
#define PDF_MAX_LAUNCH_REPORTS 16u /* each its own reason; the rest are counted */

enum pdf_key {
    KEY_JAVASCRIPT,
    KEY_JS,
    KEY_OPENACTION,
    KEY_AA,
    KEY_LAUNCH,
    KEY_EMBEDDEDFILE,
    KEY_URI,
    KEY_ACROFORM,
    KEY_XFA,
    KEY_OBJSTM,
    KEY_ENCRYPT,
    KEY_COUNT
};

static const char *const KEY_NAMES[KEY_COUNT] = {
    "JavaScript", "JS",       "OpenAction", "AA",     "Launch",  "EmbeddedFile",
    "URI",        "AcroForm", "XFA",        "ObjStm", "Encrypt",
};

struct pdf_object {
    uint32_t num;
    const uint8_t *dict; /* the object's text before "stream" */
    size_t dict_len;
    const uint8_t *stream; /* raw stream bytes, or NULL */
    size_t stream_len;
};

/* An object number and where to find it, for lookups by binary search. */
struct pdf_ref {
    uint32_t num;
    size_t index; /* into objects */
};

enum item_kind { ITEM_JAVASCRIPT, ITEM_EMBEDDED };

/* A child to hand back: which object holds it, and how. */
struct pdf_item {
    enum item_kind kind;
    size_t object;   /* index into objects */
    size_t value_at; /* JS given as a string: its offset in the dict */
    bool is_string;
};

/* The arrays below live in capped dynbufs (sk_unpack_dynbuf_init); each
 * typed pointer and count is a view of its buffer, moved only by push(). */
struct pdf_state {
    struct sk_dynbuf object_buf; /* the object index: at most PDF_MAX_OBJECTS */
    struct pdf_object *objects;
    size_t n_objects;
    struct sk_dynbuf decoded_buf;
    struct sk_buf *decoded; /* object streams' bytes, owned here */
    size_t n_decoded;
    unsigned counts[KEY_COUNT];
    bool encrypted;
    struct sk_dynbuf item_buf;
    struct pdf_item *items;
    size_t n_items, next_item;
    unsigned javascripts, embedded;
    unsigned items_dropped;    /* over PDF_MAX_CHILDREN */
    unsigned launches;         /* /S /Launch actions; the first few are reported */
    struct pdf_ref *by_number; /* every object, sorted by number */
    struct sk_dynbuf filespec_buf;
    struct pdf_ref *filespecs; /* embedded file stream number -> its /EF holder */
    size_t n_filespecs;
    char name[PDF_TEXT_BYTES + 16];
};

/* --- lexing ---------------------------------------------------------- */

static bool is_space(uint8_t c)
{
    return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static bool is_delimiter(uint8_t c)
{
    return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
           c == '}' || c == '/' || c == '%';
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(uint8_t c)
{
    if (is_digit(c))
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Skips white space and comments. */
static size_t skip_space(const uint8_t *p, size_t n, size_t i)
{
    while (i < n) {
        if (is_space(p[i])) {
            i++;
        } else if (p[i] == '%') {
            while (i < n && p[i] != '\n' && p[i] != '\r')
                i++;
        } else {
            break;
        }
    }
    return i;
}

/* Reads the name after the '/' at i into out (#xx decoded, cut at cap-1);
 * returns the offset after it. */
static size_t read_name(const uint8_t *p, size_t n, size_t i, char *out, size_t cap)
{
    size_t k = 0;
    for (i++; i < n && !is_space(p[i]) && !is_delimiter(p[i]); i++) {
        uint8_t c = p[i];
        if (c == '#' && i + 2 < n && hex_value(p[i + 1]) >= 0 && hex_value(p[i + 2]) >= 0) {
            c = (uint8_t)(hex_value(p[i + 1]) << 4 | hex_value(p[i + 2]));
            i += 2;
        }
        if (k + 1 < cap)
            out[k++] = (char)c;
    }
    out[k] = 0;
    return i;
}

/* The next name at or after *i into name; *i goes past it. False when
 * there is none. */
static bool next_name(const uint8_t *p, size_t n, size_t *i, char name[PDF_NAME_BYTES])
{
    const uint8_t *slash = *i < n ? memchr(p + *i, '/', n - *i) : NULL;
    if (!slash)
        return false;
    *i = read_name(p, n, (size_t)(slash - p), name, PDF_NAME_BYTES);
    return true;
}

/* The offset just after the first name `key` in p[0..n), or n. */
static size_t find_key(const uint8_t *p, size_t n, const char *key)
{
    char name[PDF_NAME_BYTES];
    for (size_t i = 0; next_name(p, n, &i, name);)
        if (strcmp(name, key) == 0)
            return i;
    return n;
}

/* An unsigned integer at i; false when there is none. */
static bool read_uint(const uint8_t *p, size_t n, size_t *i, uint64_t *v)
{
    size_t j = *i;
    uint64_t x = 0;
    for (; j < n && is_digit(p[j]) && j - *i < 19; j++)
        x = x * 10 + (uint64_t)(p[j] - '0');
    if (j == *i)
        return false;
    *i = j;
    *v = x;
    return true;
}

/* "N G R" at i: the object number. */
static bool read_ref(const uint8_t *p, size_t n, size_t i, uint32_t *num)
{
    uint64_t a, b;
    i = skip_space(p, n, i);
    if (!read_uint(p, n, &i, &a))
        return false;
    i = skip_space(p, n, i);
    if (!read_uint(p, n, &i, &b))
        return false;
    i = skip_space(p, n, i);
    if (i >= n || p[i] != 'R' || a > UINT32_MAX)
        return false;
    *num = (uint32_t)a;
    return true;
}

/* Where bytes of a decoded string go: a fixed buffer, or a child's buffer
 * through sk_unpack_append. */
struct sink {
    struct sk_unpack *u;
    struct sk_buf *buf;
    uint8_t chunk[4096];
    size_t used;
    int rc;
    char *fixed;
    size_t cap, len;
};

static void sink_flush(struct sink *s)
{
    if (s->buf && s->used && s->rc == 0)
        s->rc = sk_unpack_append(s->u, s->buf, s->chunk, s->used);
    s->used = 0;
}

static void sink_put(struct sink *s, uint8_t b)
{
    if (s->fixed) {
        if (s->len + 1 < s->cap)
            s->fixed[s->len++] = (char)b;
        return;
    }
    if (s->used == sizeof s->chunk)
        sink_flush(s);
    s->chunk[s->used++] = b;
}

static uint8_t literal_escape(const uint8_t *p, size_t n, size_t *i)
{
    uint8_t c = p[*i];
    switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'f': return '\f';
    default: break;
    }
    if (c >= '0' && c <= '7') {
        unsigned v = 0;
        for (int d = 0; d < 3 && *i < n && p[*i] >= '0' && p[*i] <= '7'; d++, (*i)++)
            v = v * 8 + (unsigned)(p[*i] - '0');
        (*i)--;
        return (uint8_t)v;
    }
    return c; /* \( \) \\ and unknown escapes: the character itself */
}

/* Decodes the literal string whose '(' is at i; returns the offset after it. */
static size_t literal_string(const uint8_t *p, size_t n, size_t i, struct sink *s)
{
    size_t depth = 1;
    for (i++; i < n; i++) {
        uint8_t c = p[i];
        if (c == '\\' && i + 1 < n) {
            i++;
            if (p[i] == '\r' || p[i] == '\n') { /* a line continuation */
                if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
                    i++;
                continue;
            }
            sink_put(s, literal_escape(p, n, &i));
            continue;
        }
        if (c == '(')
            depth++;
        else if (c == ')' && --depth == 0)
            return i + 1;
        sink_put(s, c);
    }
    return n;
}

/* Decodes hex digits from i up to '>'; returns the offset after it. */
static size_t hex_digits(const uint8_t *p, size_t n, size_t i, struct sink *s)
{
    int high = -1;
    for (; i < n && p[i] != '>'; i++) {
        int v = hex_value(p[i]);
        if (v < 0)
            continue;
        if (high < 0) {
            high = v;
        } else {
            sink_put(s, (uint8_t)(high << 4 | v));
            high = -1;
        }
    }
    if (high >= 0)
        sink_put(s, (uint8_t)(high << 4));
    return i < n ? i + 1 : n;
}

/* Decodes the string at i (after white space) into s; false when the value
 * there is not a string. */
static bool string_value(const uint8_t *p, size_t n, size_t i, struct sink *s)
{
    i = skip_space(p, n, i);
    if (i < n && p[i] == '(')
        literal_string(p, n, i, s);
    else if (i + 1 < n && p[i] == '<' && p[i + 1] != '<')
        hex_digits(p, n, i + 1, s);
    else
        return false;
    sink_flush(s);
    return true;
}

/* A string value as text for a detail or a name: UTF-16BE (with its BOM)
 * kept to its ASCII, control bytes dropped. */
static bool text_value(const uint8_t *p, size_t n, size_t i, char *out, size_t cap)
{
    char raw[PDF_TEXT_BYTES * 2];
    struct sink s = {.fixed = raw, .cap = sizeof raw};
    if (!string_value(p, n, i, &s))
        return false;
    bool utf16 = s.len >= 2 && (uint8_t)raw[0] == 0xfe && (uint8_t)raw[1] == 0xff;
    size_t k = 0;
    for (size_t j = utf16 ? 3 : 0; j < s.len && k + 1 < cap; j += utf16 ? 2 : 1)
        if ((uint8_t)raw[j] >= 0x20)
            out[k++] = raw[j];
    out[k] = 0;
    return k > 0;
}

/* The first value of `key` in the dict text that is a string, as text. */
static bool key_text(const uint8_t *p, size_t n, const char *key, char *out, size_t cap)
{
    for (size_t i = 0; i < n;) {
        size_t at = find_key(p + i, n - i, key);
        if (at >= n - i)
            return false;
        i += at;
        if (text_value(p, n, i, out, cap))
            return true;
    }
    return false;
}

/* --- the objects ----------------------------------------------------- */

/* Is "obj" at i the keyword of an object header "N G obj"? Its number. */
static bool object_header(const uint8_t *p, size_t n, size_t i, uint32_t *num)
{
    if (i + 3 < n && !is_space(p[i + 3]) && !is_delimiter(p[i + 3]))
        return false;
    size_t j = i;
    while (j > 0 && is_space(p[j - 1]) && i - j < 8)
        j--;
    size_t gen_end = j;
    while (j > 0 && is_digit(p[j - 1]) && gen_end - j < 6)
        j--;
    if (j == gen_end || j == 0 || !is_space(p[j - 1]))
        return false;
    while (j > 0 && is_space(p[j - 1]) && gen_end - j < 16)
        j--;
    size_t num_end = j;
    uint64_t v = 0, scale = 1;
    while (j > 0 && is_digit(p[j - 1]) && num_end - j < 10) {
        v += (uint64_t)(p[j - 1] - '0') * scale;
        scale *= 10;
        j--;
    }
    if (j == num_end || v > UINT32_MAX ||
        (j > 0 && !is_space(p[j - 1]) && !is_delimiter(p[j - 1])))
        return false;
    *num = (uint32_t)v;
    return true;
}

static bool word_at(const uint8_t *p, size_t n, size_t i, const char *word)
{
    size_t len = strlen(word);
    return len <= n - i && memcmp(p + i, word, len) == 0;
}

/* "stream" at i is the keyword (7.3.8.1) only right after the stream's
 * dictionary (">>", white space between) and before an end of line: a
 * "stream" inside a string must not swallow the objects after it. */
static bool stream_keyword(const uint8_t *p, size_t n, size_t i)
{
    size_t after = i + 6;
    if (after >= n || (p[after] != '\r' && p[after] != '\n'))
        return false;
    size_t j = i;
    while (j > 0 && is_space(p[j - 1]) && i - j < 64)
        j--;
    return j >= 2 && p[j - 1] == '>' && p[j - 2] == '>';
}

/* Where the object body starting at `from` ends: at "stream", "endobj" or
 * the next object header, whichever comes first. */
static size_t body_end(const uint8_t *p, size_t n, size_t from, bool *stream)
{
    uint32_t ignored;
    *stream = false;
    for (size_t i = from; i < n; i++) {
        uint8_t c = p[i];
        if (c == 's' && word_at(p, n, i, "stream") && stream_keyword(p, n, i)) {
            *stream = true;
            return i;
        }
        if (c == 'e' && word_at(p, n, i, "endobj"))
            return i;
        if (c == 'o' && word_at(p, n, i, "obj") && object_header(p, n, i, &ignored))
            return i;
    }
    return n;
}

/* Where the next "endstream" lies. The answer for one start also holds
 * for any later start up to it, so a file of many streams and one
 * endstream at its end costs one search, not one per stream. */
struct endstream_finder {
    size_t at;  /* the last "endstream" found, or n when there was none */
    bool known; /* at is the first one at or after the last search start */
};

static size_t next_endstream(const uint8_t *p, size_t n, size_t from,
                             struct endstream_finder *f)
{
    if (!f->known || from > f->at) {
        const uint8_t *hit = memmem(p + from, n - from, "endstream", 9);
        f->at = hit ? (size_t)(hit - p) : n;
        f->known = true;
    }
    return f->at;
}

/* The raw bytes of the stream whose keyword is at `at`; returns where the
 * scan goes on: after "endstream" when /Length led there, else at the
 * stream's first byte, so that objects a fake "stream" would swallow are
 * still found (real readers go by the xref table and see them). */
static size_t stream_bytes(const uint8_t *p, size_t n, size_t at, struct pdf_object *o,
                           struct endstream_finder *f)
{
    size_t data = at + 6;
    if (data < n && p[data] == '\r')
        data++;
    if (data < n && p[data] == '\n')
        data++;
    uint64_t length;
    size_t v = find_key(o->dict, o->dict_len, "Length");
    if (v < o->dict_len) {
        v = skip_space(o->dict, o->dict_len, v);
        uint32_t ignored;
        size_t after = v;
        bool direct = read_uint(o->dict, o->dict_len, &after, &length) &&
                      !read_ref(o->dict, o->dict_len, v, &ignored);
        if (direct && length <= n - data) {
            size_t end = skip_space(p, n, data + (size_t)length);
            if (word_at(p, n, end, "endstream")) {
                o->stream = p + data;
                o->stream_len = (size_t)length;
                return end + 9;
            }
        }
    }
    /* /Length lies, is indirect or missing: the stream ends at endstream */
    size_t stop = next_endstream(p, n, data, f);
    size_t len = stop - data;
    if (len > 0 && p[data + len - 1] == '\n')
        len--;
    if (len > 0 && p[data + len - 1] == '\r')
        len--;
    o->stream = p + data;
    o->stream_len = len;
    return data > at + 6 ? data : at + 6;
}

/* Appends one element of `size` bytes to the array in b, then points the
 * view *array at the buffer and *count at its length in elements: 0, or
 * SK_ENOMEM, or `over` at the buffer's cap. */
static int push(struct sk_dynbuf *b, const void *elem, size_t size, int over, void **array,
                size_t *count)
{
    int rc = sk_dynbuf_add(b, elem, size);
    if (rc == SK_ELIMIT)
        return over;
    if (rc == 0) {
        *array = b->p;
        *count = b->len / size;
    }
    return rc;
}

/* SK_ELIMIT past PDF_MAX_OBJECTS: the object index's cap. */
static int add_object(struct pdf_state *st, const struct pdf_object *o)
{
    return push(&st->object_buf, o, sizeof *o, SK_ELIMIT, (void **)&st->objects,
                &st->n_objects);
}

/* Indexes every "N G obj" of the file: 0, or an error. */
static int index_objects(struct sk_unpack *u, struct pdf_state *st, const uint8_t *p, size_t n)
{
    struct endstream_finder finder = {0};
    size_t i = 0;
    while (i < n) {
        const uint8_t *hit = memmem(p + i, n - i, "obj", 3);
        if (!hit)
            break;
        size_t at = (size_t)(hit - p);
        struct pdf_object o = {0};
        if (!object_header(p, n, at, &o.num)) {
            i = at + 3;
            continue;
        }
        if ((st->n_objects & 1023) == 0 && sk_unpack_expired(u))
            return SK_ELIMIT;
        bool stream;
        size_t end = body_end(p, n, at + 3, &stream);
        o.dict = p + at + 3;
        o.dict_len = end - (at + 3);
        i = stream ? stream_bytes(p, n, end, &o, &finder) : end;
        int rc = add_object(st, &o);
        if (rc != 0)
            return rc;
        if (i == at + 3 + o.dict_len && i < n && word_at(p, n, i, "endobj"))
            i += 6;
    }
    return 0;
}

/* --- filters --------------------------------------------------------- */

static int inflate_into(struct sk_unpack *u, const uint8_t *p, size_t n, struct sk_buf *out,
                        int window)
{
    z_stream z = {0};
    if (inflateInit2(&z, window) != Z_OK)
        return SK_ENOMEM;
    uint8_t *chunk = sk_unpack_alloc(u, PDF_CHUNK);
    if (!chunk) {
        inflateEnd(&z);
        return SK_ENOMEM;
    }
    int rc = 0, zrc = Z_OK;
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
    while (rc == 0 && zrc == Z_OK) {
        z.next_out = chunk;
        z.avail_out = PDF_CHUNK;
        zrc = inflate(&z, Z_NO_FLUSH);
        size_t got = PDF_CHUNK - z.avail_out;
        if (got)
            rc = sk_unpack_append(u, out, chunk, got);
        if (zrc == Z_BUF_ERROR && got == 0)
            break;
        if (zrc == Z_BUF_ERROR)
            zrc = Z_OK;
    }
    if (rc == 0 && zrc != Z_STREAM_END)
        rc = SK_ECORRUPT;
    free(chunk);
    inflateEnd(&z);
    return rc;
}

static int flate(struct sk_unpack *u, const uint8_t *p, size_t n, struct sk_buf *out)
{
    int rc = inflate_into(u, p, n, out, 15 + 32); /* zlib (or gzip) header */
    if (rc == SK_ECORRUPT && out->len == 0)
        rc = inflate_into(u, p, n, out, -15); /* writers that leave it out */
    return rc;
}

static int ascii_hex(struct sk_unpack *u, const uint8_t *p, size_t n, struct sk_buf *out)
{
    struct sink s = {.u = u, .buf = out};
    hex_digits(p, n, 0, &s);
    sink_flush(&s);
    return s.rc;
}

static void put_85(struct sink *s, uint32_t v, int bytes)
{
    for (int k = 0; k < bytes; k++)
        sink_put(s, (uint8_t)(v >> (24 - 8 * k)));
}

static int ascii_85(struct sk_unpack *u, const uint8_t *p, size_t n, struct sk_buf *out)
{
    struct sink s = {.u = u, .buf = out};
    uint64_t group = 0;
    int count = 0, rc = 0;
    size_t i = n >= 2 && p[0] == '<' && p[1] == '~' ? 2 : 0;
    for (; i < n && s.rc == 0; i++) {
        uint8_t c = p[i];
        if (is_space(c))
            continue;
        if (c == '~')
            break;
        if (c == 'z' && count == 0) {
            put_85(&s, 0, 4);
        } else if (c >= '!' && c <= 'u') {
            group = group * 85 + (uint64_t)(c - '!');
            if (++count == 5) {
                if (group > UINT32_MAX)
                    rc = SK_ECORRUPT;
                put_85(&s, (uint32_t)group, 4);
                group = 0;
                count = 0;
            }
        } else {
            rc = SK_ECORRUPT;
            break;
        }
    }
    if (count > 1) { /* a last partial group: pad with 'u' */
        for (int k = count; k < 5; k++)
            group = group * 85 + 84;
        put_85(&s, (uint32_t)group, count - 1);
    }
    sink_flush(&s);
    return s.rc ? s.rc : rc;
}

/* The stream's filters, in order; false with `what` naming one we lack. */
static bool stream_filters(const uint8_t *dict, size_t len, char names[][PDF_NAME_BYTES],
                           size_t *count)
{
    *count = 0;
    size_t v = find_key(dict, len, "Filter");
    if (v >= len)
        return true;
    v = skip_space(dict, len, v);
    bool array = v < len && dict[v] == '[';
    if (array)
        v++;
    while (v < len && *count < PDF_MAX_FILTERS) {
        v = skip_space(dict, len, v);
        if (v >= len || dict[v] != '/')
            break;
        v = read_name(dict, len, v, names[*count], PDF_NAME_BYTES);
        (*count)++;
        if (!array)
            break;
    }
    return *count < PDF_MAX_FILTERS;
}

static int apply_filter(struct sk_unpack *u, const char *name, const uint8_t *p, size_t n,
                        struct sk_buf *out)
{
    if (strcmp(name, "FlateDecode") == 0 || strcmp(name, "Fl") == 0)
        return flate(u, p, n, out);
    if (strcmp(name, "ASCIIHexDecode") == 0 || strcmp(name, "AHx") == 0)
        return ascii_hex(u, p, n, out);
    if (strcmp(name, "ASCII85Decode") == 0 || strcmp(name, "A85") == 0)
        return ascii_85(u, p, n, out);
    return SK_EUNSUPPORTED;
}

/* Decodes an object's stream through its filters into out. On
 * SK_EUNSUPPORTED `why` names the filter; on SK_ECORRUPT out holds what
 * could be decoded. */
static int decode_stream(struct sk_unpack *u, const struct pdf_object *o, struct sk_buf *out,
                         char *why, size_t why_len)
{
    char names[PDF_MAX_FILTERS][PDF_NAME_BYTES];
    size_t count;
    if (!stream_filters(o->dict, o->dict_len, names, &count)) {
        snprintf(why, why_len, "more than %u filters", PDF_MAX_FILTERS - 1);
        return SK_EUNSUPPORTED;
    }
    if (count == 0)
        return sk_unpack_append(u, out, o->stream, o->stream_len);
    struct sk_buf in = sk_buf_view(o->stream, o->stream_len);
    int rc = 0;
    for (size_t f = 0; f < count && rc == 0; f++) {
        struct sk_buf next = {0};
        rc = apply_filter(u, names[f], in.p, in.len, &next);
        if (rc == SK_EUNSUPPORTED)
            snprintf(why, why_len, "filter /%s", names[f]);
        sk_buf_release(&in);
        in = next;
    }
    *out = in;
    return rc;
}

/* --- object streams -------------------------------------------------- */

static bool dict_has_name_value(const uint8_t *p, size_t n, const char *key, const char *value)
{
    char name[PDF_NAME_BYTES];
    size_t v = find_key(p, n, key);
    if (v >= n)
        return false;
    v = skip_space(p, n, v);
    if (v >= n || p[v] != '/')
        return false;
    read_name(p, n, v, name, sizeof name);
    return strcmp(name, value) == 0;
}

static bool dict_uint(const uint8_t *p, size_t n, const char *key, uint64_t *out)
{
    size_t v = find_key(p, n, key);
    if (v >= n)
        return false;
    v = skip_space(p, n, v);
    return read_uint(p, n, &v, out);
}

static int keep_decoded(struct pdf_state *st, struct sk_buf *buf)
{
    /* one per object stream, so never more than the objects: the cap
     * cannot be reached */
    return push(&st->decoded_buf, buf, sizeof *buf, SK_EINTERNAL, (void **)&st->decoded,
                &st->n_decoded);
}

/* Adds the objects inside the decoded object stream d (header: /N pairs of
 * "number offset", offsets from /First). */
static int index_object_stream(struct pdf_state *st, const struct pdf_object *holder,
                               const struct sk_buf *d)
{
    uint64_t count = 0, first = 0;
    if (!dict_uint(holder->dict, holder->dict_len, "N", &count) ||
        !dict_uint(holder->dict, holder->dict_len, "First", &first) || first > d->len)
        return SK_ECORRUPT;
    size_t i = 0;
    uint64_t num = 0, off = 0, next_num = 0, next_off = 0;
    i = skip_space(d->p, (size_t)first, i);
    bool have =
        read_uint(d->p, (size_t)first, &i, &num) &&
        (i = skip_space(d->p, (size_t)first, i), read_uint(d->p, (size_t)first, &i, &off));
    for (uint64_t k = 0; have && k < count; k++) {
        i = skip_space(d->p, (size_t)first, i);
        bool more = k + 1 < count && read_uint(d->p, (size_t)first, &i, &next_num) &&
                    (i = skip_space(d->p, (size_t)first, i),
                     read_uint(d->p, (size_t)first, &i, &next_off));
        size_t start = first + off <= d->len ? (size_t)(first + off) : d->len;
        size_t end = more && first + next_off <= d->len && next_off >= off
                         ? (size_t)(first + next_off)
                         : d->len;
        struct pdf_object o = {
            .num = (uint32_t)num, .dict = d->p + start, .dict_len = end - start};
        int rc = add_object(st, &o);
        if (rc != 0)
            return rc;
        num = next_num;
        off = next_off;
        have = more;
    }
    return 0;
}

static int open_object_streams(struct sk_unpack *u, struct pdf_state *st)
{
    size_t top = st->n_objects; /* objects inside add to the end */
    for (size_t k = 0; k < top; k++) {
        struct pdf_object o = st->objects[k];
        if (!o.stream || !dict_has_name_value(o.dict, o.dict_len, "Type", "ObjStm"))
            continue;
        if (sk_unpack_expired(u))
            return SK_ELIMIT;
        struct sk_buf d = {0};
        char why[96] = "";
        int rc = decode_stream(u, &o, &d, why, sizeof why);
        if (rc == SK_EUNSUPPORTED || rc == SK_ECORRUPT)
            sk_unpack_reason(u, rc == SK_EUNSUPPORTED ? "error.unsupported" : "error.corrupt",
                             "object stream %u: %s", o.num,
                             rc == SK_EUNSUPPORTED ? why : "its data does not decode");
        if (rc != 0 && rc != SK_ECORRUPT && rc != SK_EUNSUPPORTED) {
            sk_buf_release(&d);
            return rc;
        }
        rc = keep_decoded(st, &d);
        if (rc != 0) {
            sk_buf_release(&d);
            return rc;
        }
        rc = index_object_stream(st, &o, &d);
        if (rc == SK_ECORRUPT)
            sk_unpack_reason(u, "error.corrupt", "object stream %u: no /N or /First", o.num);
        else if (rc != 0)
            return rc;
    }
    return 0;
}

/* --- facts and the children to hand back ----------------------------- */

static void count_keys(struct pdf_state *st, const uint8_t *p, size_t n)
{
    char name[PDF_NAME_BYTES];
    for (size_t i = 0; next_name(p, n, &i, name);)
        for (int k = 0; k < KEY_COUNT; k++)
            if (strcmp(name, KEY_NAMES[k]) == 0)
                st->counts[k]++;
}

static int add_item(struct pdf_state *st, const struct pdf_item *item)
{
    if (st->n_items >= PDF_MAX_CHILDREN) {
        st->items_dropped++;
        return 0;
    }
    return push(&st->item_buf, item, sizeof *item, SK_EINTERNAL, (void **)&st->items,
                &st->n_items);
}

static int ref_order(const void *a, const void *b)
{
    const struct pdf_ref *x = a, *y = b;
    if (x->num != y->num)
        return x->num < y->num ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The entry for num with the highest index (incremental updates append
 * newer versions of an object), or SIZE_MAX. */
static size_t ref_lookup(const struct pdf_ref *refs, size_t n, uint32_t num)
{
    size_t lo = 0, hi = n; /* first entry with a number above num */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (refs[mid].num <= num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && refs[lo - 1].num == num ? refs[lo - 1].index : SIZE_MAX;
}

static size_t find_object(const struct pdf_state *st, uint32_t num)
{
    return ref_lookup(st->by_number, st->n_objects, num);
}

static int sort_objects(struct sk_unpack *u, struct pdf_state *st)
{
    st->by_number = sk_unpack_calloc(u, st->n_objects ? st->n_objects : 1, sizeof *st->by_number);
    if (!st->by_number)
        return SK_ENOMEM;
    for (size_t k = 0; k < st->n_objects; k++)
        st->by_number[k] = (struct pdf_ref){st->objects[k].num, k};
    qsort(st->by_number, st->n_objects, sizeof *st->by_number, ref_order);
    return 0;
}

/* Remembers which stream a file specification's /EF points at (/F, /UF). */
static int note_filespec(struct pdf_state *st, size_t k)
{
    const struct pdf_object *o = &st->objects[k];
    size_t ef = find_key(o->dict, o->dict_len, "EF");
    if (ef >= o->dict_len)
        return 0;
    const uint8_t *rest = o->dict + ef;
    size_t left = o->dict_len - ef;
    static const char *const keys[] = {"F", "UF"};
    for (size_t i = 0; i < 2; i++) {
        uint32_t ref;
        size_t at = find_key(rest, left, keys[i]);
        if (at >= left || !read_ref(rest, left, at, &ref))
            continue;
        /* at most two per object: the cap cannot be reached */
        int rc = push(&st->filespec_buf, &(struct pdf_ref){ref, k}, sizeof(struct pdf_ref),
                      SK_EINTERNAL, (void **)&st->filespecs, &st->n_filespecs);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static void report_launch(struct sk_unpack *u, const struct pdf_object *o)
{
    char target[PDF_TEXT_BYTES] = "", params[PDF_TEXT_BYTES] = "";
    key_text(o->dict, o->dict_len, "F", target, sizeof target);
    key_text(o->dict, o->dict_len, "P", params, sizeof params);
    sk_unpack_reason(u, "pdf.launch", "object %u launches %s%s%s", o->num,
                     target[0] ? target : "(no /F string)", params[0] ? " with " : "", params);
}

/* A /JS value: a string in the dict, or a reference to a stream or string
 * object. */
static int plan_javascript(struct pdf_state *st, size_t k)
{
    const struct pdf_object *o = &st->objects[k];
    size_t v = find_key(o->dict, o->dict_len, "JS");
    if (v >= o->dict_len)
        return 0;
    struct pdf_item item = {
        .kind = ITEM_JAVASCRIPT, .object = k, .value_at = v, .is_string = true};
    uint32_t ref;
    if (read_ref(o->dict, o->dict_len, v, &ref)) {
        size_t target = find_object(st, ref);
        if (target == SIZE_MAX)
            return 0;
        const struct pdf_object *t = &st->objects[target];
        size_t v0 = skip_space(t->dict, t->dict_len, 0);
        bool string = v0 < t->dict_len &&
                      (t->dict[v0] == '(' ||
                       (t->dict[v0] == '<' && v0 + 1 < t->dict_len && t->dict[v0 + 1] != '<'));
        if (!t->stream && !string)
            return 0; /* neither a stream nor a string: no script text */
        item.object = target;
        item.is_string = !t->stream;
        item.value_at = 0;
    }
    return add_item(st, &item);
}

static int plan_children(struct sk_unpack *u, struct pdf_state *st)
{
    int rc = sort_objects(u, st);
    for (size_t k = 0; rc == 0 && k < st->n_objects; k++) {
        if ((k & 1023) == 1023 && sk_unpack_expired(u))
            return SK_ELIMIT;
        const struct pdf_object *o = &st->objects[k];
        count_keys(st, o->dict, o->dict_len);
        char name[PDF_NAME_BYTES];
        size_t at = find_key(o->dict, o->dict_len, "S");
        if (at < o->dict_len && (at = skip_space(o->dict, o->dict_len, at)) < o->dict_len &&
            o->dict[at] == '/') {
            read_name(o->dict, o->dict_len, at, name, sizeof name);
            if (strcmp(name, "Launch") == 0 && st->launches++ < PDF_MAX_LAUNCH_REPORTS)
                report_launch(u, o);
        }
        if (st->encrypted)
            continue;
        rc = plan_javascript(st, k);
        if (rc == 0)
            rc = note_filespec(st, k);
        if (rc == 0 && o->stream &&
            dict_has_name_value(o->dict, o->dict_len, "Type", "EmbeddedFile"))
            rc = add_item(st, &(struct pdf_item){.kind = ITEM_EMBEDDED, .object = k});
    }
    if (rc == 0 && st->n_filespecs > 0)
        qsort(st->filespecs, st->n_filespecs, sizeof *st->filespecs, ref_order);
    return rc;
}

static void record_facts(struct sk_unpack *u, struct pdf_state *st)
{
    for (int k = 0; k < KEY_COUNT; k++)
        if (k != KEY_ENCRYPT)
            sk_unpack_info(u, KEY_NAMES[k], "%u", st->counts[k]);
    sk_unpack_info(u, "objects", "%zu", st->n_objects);
    if (st->launches > PDF_MAX_LAUNCH_REPORTS)
        sk_unpack_reason(u, "pdf.launch", "%u more /Launch actions",
                         st->launches - PDF_MAX_LAUNCH_REPORTS);
    if (st->items_dropped)
        sk_unpack_reason(u, "error.unsupported",
                         "%u more JavaScripts or embedded files than the %u handed back",
                         st->items_dropped, PDF_MAX_CHILDREN);
    unsigned scripts = 0;
    for (size_t k = 0; k < st->n_items; k++)
        scripts += st->items[k].kind == ITEM_JAVASCRIPT;
    unsigned keys = st->counts[KEY_JS] + st->counts[KEY_JAVASCRIPT];
    if (!st->encrypted && keys && !scripts)
        sk_unpack_reason(u, "pdf.javascript", "%u JavaScript keys, no script text found", keys);
    if (!st->encrypted)
        return;
    sk_unpack_info(u, "encrypted", "yes: strings and streams not read");
    unsigned hidden = st->counts[KEY_JS] + st->counts[KEY_JAVASCRIPT] +
                      st->counts[KEY_EMBEDDEDFILE] + st->counts[KEY_OBJSTM];
    if (hidden)
        sk_unpack_reason(u, "error.unsupported",
                         "encrypted PDF with JavaScript, embedded files or object streams "
                         "(%u keys) that cannot be read",
                         hidden);
    if (st->counts[KEY_JS] + st->counts[KEY_JAVASCRIPT])
        sk_unpack_reason(u, "pdf.javascript", "%u JavaScript keys (encrypted: text not read)",
                         st->counts[KEY_JS] + st->counts[KEY_JAVASCRIPT]);
}

/* --- the unpacker ---------------------------------------------------- */

/* The bid: the "%PDF-" header, looked for in the first 1024 bytes as
 * readers do (ISO 32000-1 7.5.2; Acrobat accepts bytes before it). 40 bits
 * of magic: 60. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    const uint8_t *p = node->data.p;
    size_t n = node->data.len, window = n < 1024 ? n : 1024;
    if (!p || !memmem(p, window, "%PDF-", 5))
        return 0;
    *type = SK_TYPE_PDF;
    return 60;
}

static void close_pdf(void *state)
{
    struct pdf_state *st = state;
    if (!st)
        return;
    for (size_t k = 0; k < st->n_decoded; k++)
        sk_buf_release(&st->decoded[k]);
    sk_dynbuf_free(&st->decoded_buf);
    sk_dynbuf_free(&st->object_buf);
    sk_dynbuf_free(&st->item_buf);
    free(st->by_number);
    sk_dynbuf_free(&st->filespec_buf);
    free(st);
}

static int open_pdf(struct sk_unpack *u, void **out)
{
    struct pdf_state *st = sk_unpack_calloc(u, 1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    sk_unpack_dynbuf_init(u, &st->object_buf, PDF_MAX_OBJECTS * sizeof *st->objects);
    sk_unpack_dynbuf_init(u, &st->decoded_buf, PDF_MAX_OBJECTS * sizeof *st->decoded);
    sk_unpack_dynbuf_init(u, &st->item_buf, PDF_MAX_CHILDREN * sizeof *st->items);
    sk_unpack_dynbuf_init(u, &st->filespec_buf, 2u * PDF_MAX_OBJECTS * sizeof *st->filespecs);
    *out = st;
    const uint8_t *p = u->node->data.p;
    size_t n = u->node->data.len;
    st->encrypted = memmem(p, n, "/Encrypt", 8) != NULL;
    int rc = index_objects(u, st, p, n);
    if (rc == 0 && !st->encrypted)
        rc = open_object_streams(u, st);
    if (rc == SK_ELIMIT && st->n_objects >= PDF_MAX_OBJECTS) {
        sk_unpack_reason(u, "error.unsupported", "more than %u objects; the rest not read",
                         PDF_MAX_OBJECTS);
        rc = 0;
    }
    if (rc == 0)
        rc = plan_children(u, st);
    if (rc == 0)
        record_facts(u, st);
    if (rc == SK_ELIMIT) /* time: the limit is recorded; hand back nothing */
        st->next_item = st->n_items;
    if (rc == SK_ELIMIT || rc == 0)
        return 0;
    close_pdf(st); /* close is only called after an open that succeeded */
    *out = NULL;
    return rc;
}

/* The name of an embedded file: the /UF or /F string of the file
 * specification whose /EF points at object num. */
static bool embedded_name(const struct pdf_state *st, uint32_t num, char *out, size_t cap)
{
    size_t k = ref_lookup(st->filespecs, st->n_filespecs, num);
    if (k == SIZE_MAX)
        return false;
    const struct pdf_object *o = &st->objects[k];
    return key_text(o->dict, o->dict_len, "UF", out, cap) ||
           key_text(o->dict, o->dict_len, "F", out, cap);
}

static void name_child(struct pdf_state *st, struct sk_child *child, const char *name)
{
    snprintf(st->name, sizeof st->name, "%s", name);
    child->name = st->name;
    child->name_len = strlen(st->name);
}

/* A text string in UTF-16BE (7.9.2.2, its FE FF mark) made 8-bit in place,
 * so that rules written for the script's ASCII see it: ASCII code units are
 * kept, others become '?'. */
static void narrow_utf16be(struct sk_buf *b)
{
    if (b->len < 2 || !b->owned || b->p[0] != 0xfe || b->p[1] != 0xff)
        return;
    size_t k = 0;
    for (size_t i = 2; i + 1 < b->len; i += 2)
        b->p[k++] = b->p[i] == 0 && b->p[i + 1] < 0x80 ? b->p[i + 1] : '?';
    b->len = k;
}

static int javascript_child(struct sk_unpack *u, struct pdf_state *st,
                            const struct pdf_item *item, struct sk_child *child)
{
    const struct pdf_object *o = &st->objects[item->object];
    int rc = 0;
    char why[96] = "";
    if (item->is_string) {
        struct sink s = {.u = u, .buf = &child->data};
        string_value(o->dict, o->dict_len, item->value_at, &s);
        rc = s.rc;
        narrow_utf16be(&child->data);
    } else {
        rc = decode_stream(u, o, &child->data, why, sizeof why);
    }
    st->javascripts++;
    char name[32];
    snprintf(name, sizeof name, st->javascripts == 1 ? "javascript" : "javascript_%u",
             st->javascripts);
    name_child(st, child, name);
    sk_unpack_reason(u, "pdf.javascript", "object %u: %zu bytes of JavaScript from a %s%s%s",
                     o->num, child->data.len, item->is_string ? "string" : "stream",
                     why[0] ? ", not decoded: " : "", why);
    return rc;
}

static int embedded_child(struct sk_unpack *u, struct pdf_state *st,
                          const struct pdf_item *item, struct sk_child *child)
{
    const struct pdf_object *o = &st->objects[item->object];
    char why[96] = "", name[PDF_TEXT_BYTES];
    int rc = decode_stream(u, o, &child->data, why, sizeof why);
    st->embedded++;
    if (!embedded_name(st, o->num, name, sizeof name))
        snprintf(name, sizeof name, "embedded_%u", st->embedded);
    name_child(st, child, name);
    if (why[0])
        sk_unpack_reason(u, "pdf.embedded_file", "object %u: %s, not decoded (%s): raw bytes",
                         o->num, st->name, why);
    else
        sk_unpack_reason(u, "pdf.embedded_file", "object %u: %s, %zu bytes", o->num, st->name,
                         child->data.len);
    return rc;
}

static int next_child(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct pdf_state *st = state;
    if (st->next_item >= st->n_items || sk_unpack_expired(u))
        return SK_DONE;
    const struct pdf_item *item = &st->items[st->next_item++];
    int rc = item->kind == ITEM_JAVASCRIPT ? javascript_child(u, st, item, child)
                                           : embedded_child(u, st, item, child);
    const struct pdf_object *o = &st->objects[item->object];
    if (rc == SK_EUNSUPPORTED || rc == SK_ECORRUPT) {
        sk_unpack_reason(u, rc == SK_EUNSUPPORTED ? "error.unsupported" : "error.corrupt",
                         "object %u: its stream %s", o->num,
                         rc == SK_EUNSUPPORTED ? "uses a filter not supported"
                                               : "does not decode whole");
        child->truncated = rc == SK_ECORRUPT;
        if (rc == SK_EUNSUPPORTED) { /* hand back the raw bytes: YARA still sees them */
            sk_buf_release(&child->data);
            rc = sk_unpack_view(u, &child->data, o->stream, o->stream_len);
        } else {
            rc = 0;
        }
    }
    if (rc == SK_ELIMIT) {
        child->truncated = true;
        rc = 0;
    }
    return rc;
}

const struct sk_unpacker sk_unpacker_pdf = {
    .name = "pdf",
    .bid = bid,
    .open = open_pdf,
    .next = next_child,
    .close = close_pdf,
};
