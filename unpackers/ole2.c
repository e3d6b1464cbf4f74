/* OLE2 compound files (.doc, .xls, .ppt, .msg, vbaProject.bin,
 * oleObject*.bin), through libgsf, from memory.
 *
 * Specs: [MS-CFB] 2.2-2.6 (header, FAT, mini FAT, directory); [MS-OVBA]
 * 2.3.4.2 (the dir stream: PROJECTCODEPAGE, MODULENAME(UNICODE),
 * MODULESTREAMNAME, MODULEOFFSET) and 2.4.1.3 (decompression); [MS-OLEDS]
 * 2.3.6 (OLENativeStream), with the OLE Package layout inside it as
 * oletools' oleobj reads it (the layout itself is undocumented).
 *
 * Children: every stream, named by its storage path joined with '/'
 * ("Macros/VBA/dir", "WordDocument", "\x01Ole10Native"); "Workbook" and
 * "Book" are typed biff. Each module of a VBA project (any storage holding
 * "VBA/dir", the root included for vbaProject.bin) is handed back as its
 * decompressed source (type vba, converted from the project code page to
 * UTF-8 where iconv knows it), named "<project>/VBA/<module name>", in
 * place of the raw module stream. An OLE Package's embedded file follows
 * its Ole10Native stream, named by its label. Reasons: macro.vba (module
 * count), macro.vba.autoexec (mraptor over all modules, the keywords),
 * office.equation (an "Equation Native" stream or the Equation Editor
 * CLSID), office.dde (a field that starts with DDE or DDEAUTO, 8-bit or
 * UTF-16LE, in any stream: Word keeps field codes in WordDocument's text).
 *
 * A file that ends inside its last sector (Apache POI writes such files;
 * MS-CFB sizes files in whole sectors, but olefile counts a partial last
 * sector and Excel opens them) is read as if that sector were completed
 * with zeros; libgsf then reads a copy padded by less than one sector.
 *
 * Refuses, as error.corrupt, before libgsf sees the file: sector chains
 * that loop, share sectors, reach a sector wholly past the end of the
 * file or are shorter than their stream; a directory tree with a cycle; a
 * small stream whose mini chain is longer than the cutoff; a cutoff other
 * than 4096 or mini sectors other than 64 bytes. libgsf 1.14.50 notices
 * loops but only logs a warning and goes on with part of a stream (which
 * would then be scanned as if whole), recurses over the directory tree,
 * and reads a directory name until a NUL; earlier versions trusted
 * mini-stream chain lengths. That check (cfb_check.c) turns all of that
 * into one clear failure before libgsf runs.
 * Limits: directory entries reachable (OLE2_MAX_ENTRIES, limit.nodes) and
 * storage depth (OLE2_MAX_DEPTH, limit.depth), both walked with explicit
 * stacks; child bytes through sk_unpack_append; VBA decompression capped at
 * max_node_bytes and checked against the deadline; every length read from
 * the dir stream, a chunk or an Ole10Native header checked against what
 * remains. Not supported: the VBA p-code (performance cache) is not
 * decompiled and not handed back. Documents encrypted by Office are
 * decrypted by office_crypt.c (which streams, per application) with
 * offcrypto.c (the cryptography); what no candidate opens is
 * encrypted.unopened and its streams are handed back as the ciphertext
 * they are. MS-OVBA decompression and the dir stream are ovba.c's. */
#include <gsf/gsf.h>
#include <pthread.h>
#include <string.h>
#include <zlib.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "cfb_check.h"
#include "mraptor.h"
#include "msi_name.h"
#include "office_crypt.h"
#include "ovba.h"
#include "unpacker.h"

#define OLE2_MAX_DEPTH 64u                  /* storages nested inside storages */
#define OLE2_MAX_ENTRIES SK_CFB_MAX_ENTRIES /* directory entries reachable */
#define READ_BLOCK (64u * 1024u)
#define DDE_DETAIL 100u

static const uint8_t equation_clsid[16] = {0x02, 0xce, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                                           0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};

enum plan_kind { PLAN_STREAM, PLAN_MODULE };

struct plan {
    enum plan_kind kind;
    GsfInfile *storage; /* a reference: where the stream lives */
    int index;          /* the stream's index in storage */
    char *stream;       /* its name (UTF-8, from libgsf), owned */
    char *name;         /* the child's name, owned */
    uint32_t offset;    /* MODULE: where the compressed source starts */
    unsigned codepage;  /* MODULE: the project's code page */
    bool reported;      /* MODULE: its damage is already reported */
};

struct ole2_state {
    uint8_t *padded; /* the file completed with zeros to a whole sector, or NULL */
    GsfInput *input;
    GsfInfile *root;
    struct plan *plans;
    size_t n_plans, cap_plans, next;
    GPtrArray *vba_storages; /* storages named VBA that hold "dir" */
    GPtrArray *vba_prefixes; /* the project's path for each */
    char *equation;          /* where the Equation Editor was seen, or NULL */
    GByteArray *pending;     /* an Ole10Native payload to hand back next */
    char *pending_name;
    GPtrArray *ppt_objects; /* PowerPoint's embedded storages (GByteArray) */
    unsigned ppt_next;
    bool dde_reported;
    struct sk_office_crypt *crypt; /* the document's own encryption, once opened */
    bool crypt_reported;           /* office_crypt.c reported it (opened or not) */
    struct sk_office_file file;    /* the root streams, for office_crypt.c */
};

static pthread_once_t gsf_once = PTHREAD_ONCE_INIT;

static void gsf_start(void)
{
    gsf_init();
}

/* An OLE2 file whose root storage carries the Windows Installer CLSID
 * {000C1084-0000-0000-C000-000000000046} (MS-CFB 2.6.2: the root entry is
 * the first entry of the first directory sector). */
static bool is_msi(const struct sk_reader *in)
{
    static const uint8_t msi_clsid[16] = {0x84, 0x10, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00,
                                          0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
    struct sk_reader r = *in;
    uint16_t shift = sk_reader_u16le_at(&r, 0x1e);
    uint32_t dir_sector = sk_reader_u32le_at(&r, 0x30);
    if (in->len < 512 || r.err || (shift != 9 && shift != 12) || dir_sector >= 0xfffffffau)
        return false;
    uint64_t root = ((uint64_t)dir_sector + 1) << shift;
    return sk_reader_match(in, root + 0x50, msi_clsid, sizeof msi_clsid);
}

/* The bid: the MS-CFB header signature (2.2: 64 bits), 60; an MSI when the
 * root entry carries the Windows Installer CLSID, else ole2. A node already
 * typed ole2 or msi (by this bid, or by another unpacker) keeps its type and
 * is opened, 60 too: an MSI is an OLE2 file, its streams (CustomAction
 * scripts) are listed. The workbook streams inside are typed biff, which
 * only biff.c bids for. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    if (node->type == SK_TYPE_OLE2 || node->type == SK_TYPE_MSI)
        return 60;
    const struct sk_reader in = sk_reader_make(node->data.p, node->data.len);
    if (!sk_reader_match(&in, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
        return 0;
    *type = is_msi(&in) ? SK_TYPE_MSI : SK_TYPE_OLE2;
    return 60;
}

/* ---- helpers ------------------------------------------------------------ */

static bool add_plan(struct ole2_state *st, struct plan plan)
{
    if (st->n_plans == st->cap_plans) {
        size_t cap = st->cap_plans ? st->cap_plans * 2 : 32;
        struct plan *grown = g_try_renew(struct plan, st->plans, cap);
        if (!grown)
            return false;
        st->plans = grown;
        st->cap_plans = cap;
    }
    st->plans[st->n_plans++] = plan;
    return true;
}

/* Checked string building: NULL when memory runs out (the caller fails
 * the scan closed with SK_ENOMEM); g_free frees the result. GLib's g_strdup
 * and g_strconcat would abort the process instead. */
static char *str_take(const char *p, size_t n)
{
    char *s = n < SIZE_MAX ? g_try_malloc(n + 1) : NULL;
    if (s) {
        if (n)
            memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static char *str_join3(const char *a, const char *b, const char *c)
{
    size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
    char *s = g_try_malloc(na + nb + nc + 1);
    if (s) {
        memcpy(s, a, na);
        memcpy(s + na, b, nb);
        memcpy(s + na + nb, c, nc + 1);
    }
    return s;
}

static char *join(const char *prefix, const char *name)
{
    return prefix && *prefix ? str_join3(prefix, "/", name) : str_take(name, strlen(name));
}

/* Text in a Windows code page as UTF-8, or NULL when iconv cannot say. */
static char *to_utf8(const uint8_t *p, size_t n, unsigned codepage, gsize *out_len)
{
    if (codepage == 65001 || codepage == 0) {
        if (!g_utf8_validate((const char *)p, (gssize)n, NULL))
            return NULL;
        *out_len = n;
        return str_take((const char *)p, n);
    }
    char charset[24];
    if (codepage == 1200)
        g_strlcpy(charset, "UTF-16LE", sizeof charset);
    else if (codepage == 10000)
        g_strlcpy(charset, "MACINTOSH", sizeof charset);
    else
        g_snprintf(charset, sizeof charset, "CP%u", codepage);
    char *out = g_convert((const char *)p, (gssize)n, "UTF-8", charset, NULL, out_len, NULL);
    if (!out && codepage != 1200 && codepage != 10000) {
        g_snprintf(charset, sizeof charset, "WINDOWS-%u", codepage);
        out = g_convert((const char *)p, (gssize)n, "UTF-8", charset, NULL, out_len, NULL);
    }
    return out;
}

/* Reads a whole stream into scratch memory (not a child), at most cap. */
static int read_stream(GsfInput *in, uint64_t cap, GByteArray **out)
{
    gsf_off_t size = gsf_input_size(in);
    if (size < 0 || (uint64_t)size > cap)
        return SK_ELIMIT;
    if ((uint64_t)size > G_MAXUINT)
        return SK_ELIMIT;
    guint8 *data = g_try_malloc(size ? (gsize)size : 1);
    if (!data)
        return SK_ENOMEM;
    for (gsf_off_t at = 0; at < size;) {
        size_t n = size - at < READ_BLOCK ? (size_t)(size - at) : READ_BLOCK;
        if (!gsf_input_read(in, n, data + at)) {
            g_free(data);
            return SK_ECORRUPT;
        }
        at += (gsf_off_t)n;
    }
    *out = g_byte_array_new_take(data, (gsize)size);
    return 0;
}

/* ---- VBA projects (MS-OVBA, through ovba.c) ------------------------------ */

/* The most a decompression may produce: the node limit (and no more than
 * a GByteArray could hold, as before). */
static size_t output_cap(const struct sk_unpack *u)
{
    uint64_t cap = sk_unpack_limits(u)->max_node_bytes;
    return cap > G_MAXUINT / 2 ? G_MAXUINT / 2 : (size_t)cap;
}

static bool unpack_expired(void *u)
{
    return sk_unpack_expired(u);
}


static char *module_name(const struct sk_ovba_module *m, unsigned codepage, size_t index)
{
    gsize len;
    char *name = NULL;
    if (m->name_unicode.len)
        name = to_utf8(m->name_unicode.p, m->name_unicode.len, 1200, &len);
    if (!name && m->name.len)
        name = to_utf8(m->name.p, m->name.len, codepage, &len);
    if (!name && m->name.len)
        name = str_take((const char *)m->name.p, m->name.len);
    if (name && *name)
        return name;
    g_free(name);
    char fallback[32];
    g_snprintf(fallback, sizeof fallback, "module-%zu", index + 1);
    return str_take(fallback, strlen(fallback));
}

static char *module_stream(const struct sk_ovba_module *m, unsigned codepage)
{
    gsize len;
    char *name = NULL;
    if (m->stream_unicode.len)
        name = to_utf8(m->stream_unicode.p, m->stream_unicode.len, 1200, &len);
    if (!name && m->stream.len)
        name = to_utf8(m->stream.p, m->stream.len, codepage, &len);
    return name;
}

static struct plan *find_stream(struct ole2_state *st, GsfInfile *storage, const char *name)
{
    for (size_t i = 0; i < st->n_plans; i++)
        if (st->plans[i].kind == PLAN_STREAM && st->plans[i].storage == storage &&
            g_ascii_strcasecmp(st->plans[i].stream, name) == 0)
            return &st->plans[i];
    return NULL;
}

/* The module plans of one project: each raw module stream is replaced by
 * its source. Returns the number of modules, or a negative SK_E*. */
static int plan_project(struct sk_unpack *u, struct ole2_state *st, GsfInfile *vba,
                        const char *prefix)
{
    GsfInput *in = gsf_infile_child_by_name(vba, "dir");
    GByteArray *raw = NULL;
    struct sk_ovba_out dir = {0};
    const char *why = "the dir stream cannot be read";
    struct sk_ovba_dir d = {.allocator = sk_unpack_allocator(u)};
    int rc = in ? read_stream(in, sk_unpack_limits(u)->max_node_bytes, &raw) : SK_ECORRUPT;
    if (rc == 0)
        rc = sk_ovba_decompress_alloc(raw->data, raw->len, output_cap(u), &dir, &why,
                                      unpack_expired, u, d.allocator);
    if (rc == 0 || rc == SK_ECORRUPT) {
        int parsed = sk_ovba_parse_dir(dir.data, dir.len, &d, &why);
        rc = rc ? rc : parsed;
    }
    int modules = 0;
    for (size_t i = 0; i < d.n_modules && rc != SK_ENOMEM; i++) {
        char *stream = module_stream(&d.modules[i], d.codepage);
        struct plan *plan = stream ? find_stream(st, vba, stream) : NULL;
        g_free(stream);
        if (!plan || !d.modules[i].has_offset) {
            sk_unpack_fail(u, "ole2", SK_ECORRUPT, "%s/VBA: module %zu has no stream or offset",
                           *prefix ? prefix : ".", i + 1);
            continue;
        }
        char *name = module_name(&d.modules[i], d.codepage, i);
        char *vba_name = name ? str_join3("VBA/", name, "") : NULL;
        char *joined = vba_name ? join(prefix, vba_name) : NULL;
        g_free(name);
        g_free(vba_name);
        if (!joined) {
            rc = SK_ENOMEM;
            break;
        }
        g_free(plan->name);
        plan->name = joined;
        plan->kind = PLAN_MODULE;
        plan->offset = d.modules[i].offset;
        plan->codepage = d.codepage;
        modules++;
    }
    if (rc == SK_ECORRUPT)
        sk_unpack_fail(u, "ole2", rc, "%s/VBA/dir: %s", *prefix ? prefix : ".", why);
    else if (rc == SK_ELIMIT && !sk_unpack_expired(u))
        sk_unpack_reason(u, "limit.node_bytes", "%s/VBA/dir: larger than %llu bytes",
                         *prefix ? prefix : ".",
                         (unsigned long long)sk_unpack_limits(u)->max_node_bytes);
    sk_ovba_dir_free(&d);
    if (raw)
        g_byte_array_unref(raw);
    free(dir.data);
    if (in)
        g_object_unref(in);
    return rc == SK_ENOMEM ? rc : modules;
}

/* A module's source as text (UTF-8 when the code page converts): 0,
 * SK_ELIMIT or SK_ECORRUPT (text holds what could be read; why says what
 * went wrong), or SK_ENOMEM; free(text->data) in every case. */
static int module_text(struct sk_unpack *u, const struct plan *plan, struct sk_ovba_out *text,
                       const char **why)
{
    GsfInput *in = gsf_infile_child_by_index(plan->storage, plan->index);
    GByteArray *raw = NULL;
    struct sk_ovba_out source = {0};
    *why = "the module stream cannot be read";
    int rc = in ? read_stream(in, sk_unpack_limits(u)->max_node_bytes, &raw) : SK_ECORRUPT;
    /* The compressed source from MODULEOFFSET on, through a reader over
     * the stream (an empty stream's buffer may be NULL: a view of 0 bytes). */
    struct sk_reader stream = sk_reader_make(raw ? raw->data : NULL, raw ? raw->len : 0);
    const uint8_t *compressed = NULL;
    if (rc == 0 && plan->offset > stream.len) {
        *why = "MODULEOFFSET points past the end of the module stream";
        rc = SK_ECORRUPT;
    } else if (rc == 0 && stream.len > 0) {
        compressed = sk_reader_at(&stream, plan->offset, stream.len - plan->offset);
    }
    if (rc == 0)
        rc = sk_ovba_decompress_alloc(compressed, stream.len - plan->offset, output_cap(u),
                                      &source, why,
                                      unpack_expired, u, sk_unpack_allocator(u));
    gsize len = 0;
    char *utf8 = source.len ? to_utf8(source.data, source.len, plan->codepage, &len) : NULL;
    if (utf8) {
        uint8_t *copy = sk_unpack_alloc(u, len ? len : 1);
        if (copy) {
            memcpy(copy, utf8, len);
            free(source.data);
            source = (struct sk_ovba_out){copy, len, len ? len : 1};
        } else {
            rc = SK_ENOMEM;
        }
        g_free(utf8);
    }
    *text = source;
    if (raw)
        g_byte_array_unref(raw);
    if (in)
        g_object_unref(in);
    return rc;
}

/* Decompresses every module once to run mraptor over them all, so that the
 * reasons are on the container before any child is scanned. */
static int scan_modules(struct sk_unpack *u, struct ole2_state *st, unsigned n_modules)
{
    char keywords[256] = "";
    unsigned flags = 0;
    for (size_t i = 0; i < st->n_plans && !sk_unpack_expired(u); i++) {
        struct plan *plan = &st->plans[i];
        if (plan->kind != PLAN_MODULE)
            continue;
        struct sk_ovba_out text;
        const char *why;
        int rc = module_text(u, plan, &text, &why);
        flags |= sk_mraptor_scan(text.data ? (const char *)text.data : "", text.len, keywords,
                                 sizeof keywords);
        free(text.data);
        if (rc == SK_ENOMEM)
            return rc;
        if (rc == SK_ECORRUPT) {
            sk_unpack_fail(u, "ole2", SK_ECORRUPT, "%s: %s", plan->name, why);
            plan->reported = true;
        }
    }
    /* The flags and keywords go in macro.vba's detail even when the rule
     * does not fire, as mraptor prints them ("A--" and what it saw). */
    sk_unpack_reason(u, "macro.vba", "%u VBA module%s; mraptor %c%c%c%s%s", n_modules,
                     n_modules == 1 ? "" : "s", flags & SK_MRAPTOR_AUTOEXEC ? 'A' : '-',
                     flags & SK_MRAPTOR_WRITE ? 'W' : '-',
                     flags & SK_MRAPTOR_EXECUTE ? 'X' : '-', *keywords ? ": " : "", keywords);
    if (SK_MRAPTOR_FIRES(flags))
        sk_unpack_reason(u, "macro.vba.autoexec", "%s", keywords);
    return 0;
}

/* ---- the walk ------------------------------------------------------------ */

struct walk_item {
    GsfInfile *storage; /* a reference */
    char *path;
    unsigned depth;
};

static bool note_equation(struct ole2_state *st, const char *what, const char *path)
{
    if (!st->equation)
        st->equation = str_join3(what, " ", *path ? path : "(root)");
    return st->equation != NULL;
}

/* name: the entry's own name; shown: what the tree calls it. */
static bool visit_stream(struct ole2_state *st, struct walk_item *it, int index,
                         const char *name, const char *shown)
{
    if (strcmp(name, "Equation Native") == 0 &&
        !note_equation(st, "an Equation Native stream in", it->path))
        return false;
    if (strcmp(name, "dir") == 0) {
        const char *base = strrchr(it->path, '/');
        base = base ? base + 1 : it->path;
        if (g_ascii_strcasecmp(base, "VBA") == 0) {
            size_t cut = (size_t)(base - it->path);
            char *prefix = str_take(it->path, cut ? cut - 1 : 0);
            if (!prefix)
                return false;
            g_ptr_array_add(st->vba_storages, g_object_ref(it->storage));
            g_ptr_array_add(st->vba_prefixes, prefix);
        }
    }
    struct plan plan = {.kind = PLAN_STREAM,
                        .storage = GSF_INFILE(g_object_ref(it->storage)),
                        .index = index,
                        .stream = str_take(name, strlen(name)),
                        .name = join(it->path, shown)};
    if (plan.stream && plan.name && add_plan(st, plan))
        return true;
    g_object_unref(plan.storage);
    g_free(plan.stream);
    g_free(plan.name);
    return false;
}

static bool check_clsid(struct ole2_state *st, GsfInfile *storage, const char *path)
{
    uint8_t clsid[16];
    if (gsf_infile_msole_get_class_id(GSF_INFILE_MSOLE(storage), clsid) &&
        memcmp(clsid, equation_clsid, sizeof clsid) == 0)
        return note_equation(st, "the Equation Editor CLSID on", path);
    return true;
}

/* One storage's entries: streams planned, storages pushed. */
static int visit_storage(struct sk_unpack *u, struct ole2_state *st, struct walk_item *it,
                         GPtrArray *stack, unsigned *entries)
{
    if (!check_clsid(st, it->storage, it->path))
        return SK_ENOMEM;
    int n = gsf_infile_num_children(it->storage);
    for (int i = 0; i < n; i++) {
        if (++*entries > OLE2_MAX_ENTRIES) {
            sk_unpack_reason(u, "limit.nodes", "more than %u entries in the compound file",
                             OLE2_MAX_ENTRIES);
            return SK_ELIMIT;
        }
        const char *name = gsf_infile_name_by_index(it->storage, i);
        GsfInput *child = gsf_infile_child_by_index(it->storage, i);
        if (!child || !name) {
            sk_unpack_fail(u, "ole2", SK_ECORRUPT, "%s: entry %d cannot be opened",
                           *it->path ? it->path : ".", i);
            if (child)
                g_object_unref(child);
            continue;
        }
        /* An MSI packs its names (msi_name.c): the tree shows them decoded
         * ("cab1.cab", "!File"). Only in an MSI: elsewhere the same code
         * points are CJK characters of a real name. */
        size_t name_len = strlen(name);
        char *shown = g_try_malloc(name_len + 1);
        if (!shown) {
            g_object_unref(child);
            return SK_ENOMEM;
        }
        if (u->node->type != SK_TYPE_MSI ||
            sk_msi_name_decode(name, name_len, shown, name_len + 1) != 0)
            memcpy(shown, name, name_len + 1);
        if (gsf_infile_num_children(GSF_INFILE(child)) < 0) {
            g_object_unref(child);
            bool planned = visit_stream(st, it, i, name, shown);
            g_free(shown);
            if (!planned)
                return SK_ENOMEM;
            continue;
        }
        if (it->depth + 1 > OLE2_MAX_DEPTH) {
            sk_unpack_reason(u, "limit.depth", "storages nested deeper than %u",
                             OLE2_MAX_DEPTH);
            g_object_unref(child);
        } else {
            struct walk_item *next = g_try_new(struct walk_item, 1);
            char *path = join(it->path, shown);
            if (!next || !path) {
                g_free(next);
                g_free(path);
                g_free(shown);
                g_object_unref(child);
                return SK_ENOMEM;
            }
            *next = (struct walk_item){GSF_INFILE(child), path, it->depth + 1};
            g_ptr_array_add(stack, next);
        }
        g_free(shown);
    }
    return 0;
}

static void free_item(gpointer p)
{
    struct walk_item *it = p;
    g_object_unref(it->storage);
    g_free(it->path);
    g_free(it);
}

/* Walks the storages with an explicit stack, in the file's order. */
static int walk(struct sk_unpack *u, struct ole2_state *st)
{
    struct walk_item *first = g_try_new(struct walk_item, 1);
    char *path = str_take("", 0);
    if (!first || !path) {
        g_free(first);
        g_free(path);
        return SK_ENOMEM;
    }
    GPtrArray *stack = g_ptr_array_new_with_free_func(free_item);
    *first = (struct walk_item){GSF_INFILE(g_object_ref(st->root)), path, 0};
    g_ptr_array_add(stack, first);
    unsigned entries = 0;
    int rc = 0;
    while (rc == 0 && stack->len > 0) {
        struct walk_item *it = g_ptr_array_steal_index(stack, stack->len - 1);
        size_t mark = stack->len;
        rc = visit_storage(u, st, it, stack, &entries);
        /* Push order reversed so the first storage is walked first. */
        for (size_t a = mark, b = stack->len; a + 1 < b; a++, b--) {
            gpointer t = stack->pdata[a];
            stack->pdata[a] = stack->pdata[b - 1];
            stack->pdata[b - 1] = t;
        }
        free_item(it);
        if (sk_unpack_expired(u))
            break;
    }
    g_ptr_array_unref(stack);
    return rc == SK_ELIMIT ? 0 : rc;
}

/* ---- open / next / close ------------------------------------------------- */

static void free_state(struct ole2_state *st)
{
    for (size_t i = 0; i < st->n_plans; i++) {
        g_object_unref(st->plans[i].storage);
        g_free(st->plans[i].stream);
        g_free(st->plans[i].name);
    }
    g_free(st->plans);
    if (st->vba_storages)
        g_ptr_array_unref(st->vba_storages);
    if (st->vba_prefixes)
        g_ptr_array_unref(st->vba_prefixes);
    if (st->pending)
        g_byte_array_unref(st->pending);
    g_free(st->pending_name);
    if (st->ppt_objects)
        g_ptr_array_unref(st->ppt_objects);
    g_free(st->equation);
    sk_office_crypt_free(st->crypt);
    if (st->root)
        g_object_unref(st->root);
    if (st->input)
        g_object_unref(st->input);
    g_free(st->padded);
    g_free(st);
}

static int open_projects(struct sk_unpack *u, struct ole2_state *st)
{
    int total = 0;
    for (guint i = 0; i < st->vba_storages->len; i++) {
        int n = plan_project(u, st, st->vba_storages->pdata[i], st->vba_prefixes->pdata[i]);
        if (n < 0)
            return n;
        total += n;
    }
    return st->vba_storages->len ? scan_modules(u, st, (unsigned)total) : 0;
}

/* ---- the root streams, as office_crypt.c sees them ---------------------- */

static const void *root_stream(void *ctx, const char *name)
{
    struct ole2_state *st = ctx;
    for (size_t i = 0; i < st->n_plans; i++)
        if (st->plans[i].kind == PLAN_STREAM && st->plans[i].storage == st->root &&
            strcmp(st->plans[i].stream, name) == 0)
            return &st->plans[i];
    return NULL;
}

static int read_plan(void *ctx, const void *stream, uint64_t cap, GByteArray **out)
{
    (void)ctx;
    const struct plan *plan = stream;
    GsfInput *in = gsf_infile_child_by_index(plan->storage, plan->index);
    int rc = in ? read_stream(in, cap, out) : SK_ECORRUPT;
    if (in)
        g_object_unref(in);
    return rc;
}

/* The first n bytes of a stream (fewer if it is shorter): the count read. */
static size_t read_prefix(void *ctx, const void *stream, uint8_t *buf, size_t n)
{
    (void)ctx;
    const struct plan *plan = stream;
    GsfInput *in = gsf_infile_child_by_index(plan->storage, plan->index);
    if (!in)
        return 0;
    gsf_off_t size = gsf_input_size(in);
    size_t k = size < 0 ? 0 : (uint64_t)size < n ? (size_t)size : n;
    if (k && !gsf_input_read(in, k, buf))
        k = 0;
    g_object_unref(in);
    return k;
}

/* Office's own encryption (office_crypt.c), once the walk planned every
 * stream: the plans do not move from here on. */
static int open_encryption(struct sk_unpack *u, struct ole2_state *st)
{
    st->file = (struct sk_office_file){st, root_stream, read_prefix, read_plan};
    return sk_office_crypt_open(u, &st->file, &st->crypt, &st->crypt_reported);
}

static int open_ole2(struct sk_unpack *u, void **out)
{
    pthread_once(&gsf_once, gsf_start);
    const char *why;
    size_t pad;
    int rc = sk_cfb_check(u->node->data.p, u->node->data.len, &why, &pad);
    if (rc == SK_ELIMIT)
        sk_unpack_reason(u, "limit.nodes", "more than %u directory entries", OLE2_MAX_ENTRIES);
    else if (rc == SK_ECORRUPT)
        sk_unpack_fail(u, "ole2", SK_ECORRUPT, "%s", why);
    if (rc != 0)
        return rc;
    struct ole2_state *st = g_try_new0(struct ole2_state, 1);
    if (!st)
        return SK_ENOMEM;
    st->vba_storages = g_ptr_array_new_with_free_func(g_object_unref);
    st->vba_prefixes = g_ptr_array_new_with_free_func(g_free);
    /* No copy: the node's bytes outlive the container's frame. Except when
     * the file ends inside its last sector: libgsf 1.14.50 then refuses it
     * ("Problems reading directory", measured on such a file even when the
     * directory lies elsewhere), so it reads a copy completed with at most
     * one sector of zeros, which costs one copy of this node's bytes. */
    const uint8_t *bytes = u->node->data.p;
    size_t len = u->node->data.len;
    if (pad) {
        st->padded = g_try_malloc0(len + pad);
        if (!st->padded) {
            free_state(st);
            return SK_ENOMEM;
        }
        memcpy(st->padded, bytes, len);
        bytes = st->padded;
        len += pad;
    }
    st->input = gsf_input_memory_new(bytes, (gsf_off_t)len, FALSE);
    GError *err = NULL;
    st->root = st->input ? gsf_infile_msole_new(st->input, &err) : NULL;
    if (!st->root) {
        sk_unpack_fail(u, "ole2", SK_ECORRUPT, "%s",
                       err ? err->message : "not a compound file");
        g_clear_error(&err);
        free_state(st);
        return SK_ECORRUPT;
    }
    rc = walk(u, st);
    if (rc == 0)
        rc = open_encryption(u, st);
    if (rc == 0)
        rc = open_projects(u, st);
    if (rc == 0 && st->equation)
        sk_unpack_reason(u, "office.equation", "%s", st->equation);
    if (rc != 0) {
        free_state(st);
        return rc;
    }
    *out = st;
    return 0;
}

/* The OLE Package inside an Ole10Native stream: size, type (2), label,
 * source path, a reserved word, the kind (3: the file is embedded; 1: only
 * a link to it), then for kind 3 the temp path's length and the temp path,
 * the data size and the data. Returns true with the embedded data; false
 * with *damaged set when a Package's lengths do not fit. */
static bool parse_native(const uint8_t *p, size_t n, struct sk_reader *label,
                         struct sk_reader *path, struct sk_reader *data, bool *damaged)
{
    struct sk_reader r = sk_reader_make(p, n);
    uint32_t total = sk_reader_u32le(&r);
    struct sk_reader body = sk_reader_sub(&r, total);
    *damaged = false;
    if (body.err || sk_reader_u16le(&body) != 2)
        return false; /* not a Package: the stream itself is scanned */
    *damaged = true;
    struct sk_reader *strings[3] = {label, path, NULL};
    for (int i = 0; i < 3; i++) {
        const uint8_t *at = body.p + body.pos;
        const uint8_t *nul = body.err ? NULL : memchr(at, 0, sk_reader_left(&body));
        if (!nul)
            return false;
        if (strings[i])
            *strings[i] = sk_reader_make(at, (size_t)(nul - at));
        sk_reader_skip(&body, (size_t)(nul - at) + 1);
        if (i == 1) {
            sk_reader_skip(&body, 2);
            uint16_t kind = sk_reader_u16le(&body);
            if (body.err)
                return false;
            if (kind != 3) {
                *damaged = false; /* a link: nothing is embedded */
                return false;
            }
            sk_reader_skip(&body, 4); /* the temp path's length: its NUL is trusted instead */
        }
    }
    uint32_t size = sk_reader_u32le(&body);
    *data = sk_reader_sub(&body, size);
    *damaged = body.err != 0;
    return !body.err;
}

static char *native_name(const struct plan *plan, struct sk_reader label, struct sk_reader path)
{
    const char *dir = plan->name;
    const char *slash = strrchr(dir, '/');
    char *prefix = str_take(dir, slash ? (size_t)(slash - dir) : 0);
    if (!prefix)
        return NULL;
    struct sk_reader pick = label;
    if (!pick.len) { /* no label: the source path's file name */
        pick = path;
        for (size_t i = path.len; i-- > 0;)
            if (path.p[i] == '\\' || path.p[i] == '/') {
                pick = sk_reader_make(path.p + i + 1, path.len - i - 1);
                break;
            }
    }
    gsize len;
    char *text = pick.len ? to_utf8(pick.p, pick.len, 65001, &len) : NULL;
    if (!text && pick.len)
        text = to_utf8(pick.p, pick.len, 1252, &len);
    char *name = join(prefix, text && *text ? text : "Ole10Native.bin");
    g_free(text);
    g_free(prefix);
    return name;
}

/* 0 or SK_ENOMEM. */
static int take_native(struct sk_unpack *u, struct ole2_state *st, const struct plan *plan,
                       const struct sk_buf *bytes)
{
    struct sk_reader label, path, data;
    bool damaged;
    if (!parse_native(bytes->p, bytes->len, &label, &path, &data, &damaged)) {
        if (damaged)
            sk_unpack_fail(u, "ole2", SK_ECORRUPT, "%s: a Package whose lengths do not fit",
                           plan->name);
        return 0;
    }
    guint8 *copy = data.len <= G_MAXUINT ? g_try_malloc(data.len ? data.len : 1) : NULL;
    char *name = copy ? native_name(plan, label, path) : NULL;
    if (!name) {
        g_free(copy);
        return SK_ENOMEM;
    }
    if (data.len)
        memcpy(copy, data.p, data.len);
    st->pending = g_byte_array_new_take(copy, data.len);
    st->pending_name = name;
    return 0;
}

/* ASCII or UTF-16LE, case-insensitive: does `word` start at offset at of
 * the field? The field is the caller's copy, so a short read stays here. */
static bool match_at(struct sk_reader field, size_t at, const char *word, unsigned step)
{
    size_t k = strlen(word);
    if ((field.len - at) / step < k)
        return false;
    for (size_t i = 0; i < k; i++) {
        size_t c = at + i * step;
        if (g_ascii_tolower((gchar)sk_reader_u8_at(&field, c)) != word[i] ||
            (step == 2 && sk_reader_u8_at(&field, c + 1)))
            return false;
    }
    return true;
}

/* A field that starts with DDE or DDEAUTO: the field-begin mark (0x13),
 * spaces, then the word. Prose that merely says "DDE" does not count. */
static bool dde_at(struct sk_reader field, unsigned step)
{
    uint8_t mark = sk_reader_u8_at(&field, 0);
    uint8_t high = step == 2 ? sk_reader_u8_at(&field, 1) : 0;
    if (field.err || mark != 0x13 || high != 0)
        return false;
    size_t i = step;
    while (i + step <= field.len && sk_reader_u8_at(&field, i) == ' ' &&
           (step == 1 || sk_reader_u8_at(&field, i + 1) == 0))
        i += step;
    return match_at(field, i, "ddeauto", step) || match_at(field, i, "dde ", step);
}

static void report_dde(struct sk_unpack *u, struct sk_reader field, unsigned step)
{
    char detail[DDE_DETAIL + 1];
    size_t k = 0;
    for (size_t i = 0; i + step <= field.len && k < DDE_DETAIL; i += step) {
        uint8_t c = sk_reader_u8_at(&field, i);
        if ((c == 0x14 || c == 0x15 || (step == 2 && sk_reader_u8_at(&field, i + 1))) && i > 0)
            break;
        detail[k++] = (char)(c >= 0x20 && c < 0x7f ? c : (c == 0x13 ? ' ' : '.'));
    }
    detail[k] = '\0';
    sk_unpack_reason(u, "office.dde", "%s", g_strstrip(detail));
}

static void scan_dde(struct sk_unpack *u, struct ole2_state *st, const struct sk_buf *bytes)
{
    struct sk_reader all = sk_reader_make(bytes->p, bytes->len);
    for (size_t i = 0; i < bytes->len && !st->dde_reported; i++) {
        struct sk_reader field = sk_reader_sub_at(&all, i, bytes->len - i);
        for (unsigned step = 1; step <= 2; step++) {
            if (dde_at(field, step)) {
                report_dde(u, field, step);
                st->dde_reported = true;
                break;
            }
        }
    }
}

#define PPT_MAX_RECORDS 1000000u
#define PPT_MAX_OBJECTS 256u
#define PPT_EXOLEOBJSTG 0x1011u

/* An embedded storage of the PowerPoint Document stream. */
struct ppt_object {
    uint8_t *data;
    size_t len, cap;
};

static void free_object(gpointer p)
{
    struct ppt_object *object = p;
    g_free(object->data);
    g_free(object);
}

/* Room for `more` bytes after out->len: false when memory runs out. */
static bool object_room(struct ppt_object *out, size_t more)
{
    if (more <= out->cap - out->len)
        return true;
    size_t cap = out->cap ? out->cap : 16384;
    while (cap - out->len < more)
        cap = cap <= SIZE_MAX / 2 ? cap * 2 : SIZE_MAX;
    uint8_t *grown = g_try_realloc(out->data, cap);
    if (!grown)
        return false;
    out->data = grown;
    out->cap = cap;
    return true;
}

/* zlib-inflates p[0..n) into out, at most cap bytes: 0 when the stream
 * ended cleanly within the cap, SK_ECORRUPT when it did not, SK_ENOMEM. */
static int inflate_bounded(const uint8_t *p, size_t n, size_t cap, struct ppt_object *out)
{
    z_stream z = {0};
    if (inflateInit(&z) != Z_OK)
        return SK_ECORRUPT;
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = (uInt)(n < UINT32_MAX ? n : UINT32_MAX);
    int rc = Z_OK;
    while (rc == Z_OK && out->len < cap) {
        size_t room = cap - out->len < 16384 ? cap - out->len : 16384;
        if (!object_room(out, room)) {
            inflateEnd(&z);
            return SK_ENOMEM;
        }
        z.next_out = out->data + out->len;
        z.avail_out = (uInt)room;
        rc = inflate(&z, Z_NO_FLUSH);
        out->len += room - z.avail_out;
        if (rc == Z_BUF_ERROR && z.avail_in == 0)
            break;
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : SK_ECORRUPT;
}

/* MS-PPT 2.10.34 ExOleObjStg: the storage of an embedded OLE object (and
 * of the VBA project), zlib-compressed when recInstance is 1 (after a
 * 4-byte decompressed size, which is only a claim). 0 or SK_ENOMEM. */
static int take_ppt_object(struct sk_unpack *u, struct ole2_state *st, struct sk_reader body,
                           unsigned instance)
{
    struct ppt_object *object = g_try_new0(struct ppt_object, 1);
    if (!object)
        return SK_ENOMEM;
    int rc = 0;
    if (instance == 1) {
        sk_reader_u32le(&body); /* the claimed size: the cap below decides */
        size_t left = sk_reader_left(&body);
        const uint8_t *zdata = sk_reader_bytes(&body, left);
        rc = zdata ? inflate_bounded(zdata, left, (size_t)sk_unpack_limits(u)->max_node_bytes,
                                     object)
                   : SK_ECORRUPT;
    } else if (object_room(object, body.len)) {
        if (body.len)
            memcpy(object->data, body.p, body.len);
        object->len = body.len;
    } else {
        rc = SK_ENOMEM;
    }
    if (rc == SK_ENOMEM) {
        free_object(object);
        return rc;
    }
    if (rc != 0)
        sk_unpack_fail(u, "ole2", SK_ECORRUPT,
                       "PowerPoint Document: an embedded object does not inflate cleanly");
    if (!st->ppt_objects)
        st->ppt_objects = g_ptr_array_new_with_free_func(free_object);
    g_ptr_array_add(st->ppt_objects, object);
    return 0;
}

/* Walks the PowerPoint Document stream's records flat (containers are
 * entered, not recursed into) and keeps every ExOleObjStg. */
static int scan_ppt_records(struct sk_unpack *u, struct ole2_state *st, const struct sk_buf *b)
{
    struct sk_reader r = sk_reader_make(b->p, b->len);
    for (unsigned n = 0; n < PPT_MAX_RECORDS && sk_reader_left(&r) >= 8; n++) {
        uint16_t ver_instance = sk_reader_u16le(&r);
        uint16_t type = sk_reader_u16le(&r);
        uint32_t len = sk_reader_u32le(&r);
        if ((ver_instance & 0x0f) == 0x0f)
            continue; /* a container: its children follow */
        if (len > sk_reader_left(&r))
            break;
        struct sk_reader body = sk_reader_sub(&r, len);
        if (type == PPT_EXOLEOBJSTG &&
            (!st->ppt_objects || st->ppt_objects->len < PPT_MAX_OBJECTS) &&
            take_ppt_object(u, st, body, ver_instance >> 4) == SK_ENOMEM)
            return SK_ENOMEM;
    }
    return 0;
}

static int ppt_object_child(struct ole2_state *st, struct sk_unpack *u, struct sk_child *child)
{
    const struct ppt_object *object = g_ptr_array_index(st->ppt_objects, st->ppt_next);
    char name[64];
    g_snprintf(name, sizeof name, "PowerPoint Document/ExOleObjStg-%u", ++st->ppt_next);
    g_free(st->pending_name);
    st->pending_name = str_take(name, strlen(name));
    if (!st->pending_name)
        return SK_ENOMEM;
    child->name = st->pending_name;
    child->name_len = strlen(st->pending_name);
    int rc = sk_unpack_append(u, &child->data, object->data, object->len);
    child->truncated = rc != 0;
    return rc == SK_ENOMEM ? rc : 0;
}

/* A stream's bytes as they are stored: 0, or SK_ENOMEM, SK_ECORRUPT (the
 * failure is reported; the child keeps what was read). */
static int stored_child(struct sk_unpack *u, const struct plan *plan, struct sk_child *child)
{
    GsfInput *in = gsf_infile_child_by_index(plan->storage, plan->index);
    if (!in) {
        sk_unpack_fail(u, "ole2", SK_ECORRUPT, "%s: the stream cannot be opened", plan->name);
        child->truncated = true;
        return 0;
    }
    int rc = 0;
    for (gsf_off_t left = gsf_input_size(in); rc == 0 && left > 0;) {
        size_t n = left < READ_BLOCK ? (size_t)left : READ_BLOCK;
        const guint8 *block = gsf_input_read(in, n, NULL);
        if (!block) {
            sk_unpack_fail(u, "ole2", SK_ECORRUPT, "%s: the stream is cut short", plan->name);
            rc = SK_ECORRUPT;
            break;
        }
        rc = sk_unpack_append(u, &child->data, block, n);
        left -= (gsf_off_t)n;
    }
    g_object_unref(in);
    child->truncated = rc != 0;
    child->format_part = true;
    return rc == SK_ENOMEM ? rc : 0;
}

static int stream_child(struct sk_unpack *u, struct ole2_state *st, const struct plan *plan,
                        struct sk_child *child)
{
    int rc = sk_office_crypt_covers(st->crypt, plan)
                 ? sk_office_crypt_child(u, st->crypt, &st->file, plan, plan->stream,
                                         plan->name, child)
                 : stored_child(u, plan, child);
    if (rc == SK_ENOMEM)
        return rc;
    if (strcmp(plan->stream, "Workbook") == 0 || strcmp(plan->stream, "Book") == 0)
        child->type = SK_TYPE_BIFF;
    if (strcmp(plan->stream, "\001Ole10Native") == 0 &&
        take_native(u, st, plan, &child->data) == SK_ENOMEM)
        return SK_ENOMEM;
    if (!st->crypt_reported)
        sk_office_crypt_check(u, plan->stream, &child->data);
    if (strcmp(plan->stream, "PowerPoint Document") == 0 &&
        scan_ppt_records(u, st, &child->data) == SK_ENOMEM)
        return SK_ENOMEM;
    scan_dde(u, st, &child->data);
    return 0;
}

static int module_child(struct sk_unpack *u, const struct plan *plan, struct sk_child *child)
{
    struct sk_ovba_out text;
    const char *why;
    int rc = module_text(u, plan, &text, &why);
    if (rc == SK_ENOMEM) {
        free(text.data);
        return rc;
    }
    if (rc == SK_ECORRUPT && !plan->reported)
        sk_unpack_fail(u, "ole2", SK_ECORRUPT, "%s: %s", plan->name, why);
    if (rc == SK_ELIMIT && !sk_unpack_expired(u))
        sk_unpack_reason(u, "limit.node_bytes", "%s: its source is larger than %llu bytes",
                         plan->name, (unsigned long long)sk_unpack_limits(u)->max_node_bytes);
    int appended = sk_office_append(u, &child->data, text.data, text.len);
    free(text.data);
    child->type = SK_TYPE_VBA;
    child->truncated = rc != 0 || appended != 0;
    return appended == SK_ENOMEM ? appended : 0;
}

static int pending_child(struct sk_unpack *u, struct ole2_state *st, struct sk_child *child)
{
    int rc = sk_office_append(u, &child->data, st->pending->data, st->pending->len);
    g_byte_array_unref(st->pending);
    st->pending = NULL;
    child->name = st->pending_name; /* freed on the next call or in close */
    child->name_len = strlen(st->pending_name);
    child->truncated = rc != 0;
    return rc == SK_ENOMEM ? rc : 0;
}

static int next_ole2(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct ole2_state *st = state;
    if (st->pending)
        return pending_child(u, st, child);
    if (st->ppt_objects && st->ppt_next < st->ppt_objects->len)
        return ppt_object_child(st, u, child);
    g_free(st->pending_name);
    st->pending_name = NULL;
    if (st->next >= st->n_plans || sk_unpack_expired(u))
        return SK_DONE;
    const struct plan *plan = &st->plans[st->next++];
    child->name = plan->name;
    child->name_len = strlen(plan->name);
    return plan->kind == PLAN_MODULE ? module_child(u, plan, child)
                                     : stream_child(u, st, plan, child);
}

static void close_ole2(void *state)
{
    free_state(state);
}

const struct sk_unpacker sk_unpacker_ole2 = {
    .name = "ole2",
    .bid = bid,
    .open = open_ole2,
    .next = next_ole2,
    .close = close_ole2,
};
