/* OneNote sections (.one): the files embedded in them, with their names.
 *
 * Spec: [MS-ONESTORE] 2.3.1 Header (guidFileType
 * {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}, sniffed in engine/sniff.c;
 * fcrFileNodeListRoot at offset 172), 2.4 file node lists
 * (FileNodeListFragment: header magic, FileNodeListID, nFragmentSequence,
 * FileNodes, nextFragment, footer magic; FileNode headers with FileNodeID,
 * Size, StpFormat, CbFormat, BaseType; 2.2.4.2 FileNodeChunkReference),
 * 2.5 the FileNodes named below, 2.6.1 to 2.6.8 ObjectSpaceObjectPropSet
 * and PropertySet, 2.6.13 FileDataStoreObject: guidHeader {BDE316E7-2665-
 * 4511-A4C4-8D4D0B7A9EAC}, cbLength (8 bytes: FileData's size without
 * padding), unused (4), reserved (8), FileData, padding to 8 bytes,
 * guidFooter {71FBA722-0F79-4A0B-BB13-899256426B24}; [MS-ONE] 2.1.5 (file
 * data objects), 2.2.32 jcidEmbeddedFileNode (JCID 0x00060035) with
 * EmbeddedFileContainer (0x20001D9B) and EmbeddedFileName (0x1C001D9C),
 * 2.2.33 jcidEmbeddedFileContainer.
 * Supports: every FileDataStoreObject found by its header GUID, carved as a
 * child (a view into the section: no copy), as onedump and other carvers
 * do; the count goes into info. Its name comes from the structure, walked
 * once at open from the header's fcrFileNodeListRoot: every list a FileNode
 * of BaseType 2 points at is walked (root, object space manifests, revision
 * manifests, object groups, the file data store list), collecting
 *   0x094 FileDataStoreObjectReferenceFND: blob offset -> guidReference,
 *   0x072/0x073 ObjectDeclarationFileData3(Large)RefCountFND: object id ->
 *     "<ifndf>{guidReference}" and the file extension,
 *   0x0A4/0x0A5/0x0C4/0x0C5 object declarations of jcidEmbeddedFileNode:
 *     their property set's EmbeddedFileName and EmbeddedFileContainer
 *     (an object id),
 *   0x021/0x022, 0x024 the global id table that turns a CompactID into the
 *     object's ExtendedGUID (per list: a list's table precedes its
 *     declarations).
 * A blob is named EmbeddedFileName when the chain offset -> guidReference ->
 * file data object -> embedded file node holds, "embedded_N" plus the
 * extension when only the first links hold, else "embedded_N"; info counts
 * the names tied.
 * Refuses: the 2003-era declarations (0x02D/0x02E, 0x041/0x042) and the
 * GlobalIdTableEntry2/3FNDX of .onetoc2 files; files in a onefiles folder
 * ("<file>" references) are not ours to read. The names are a bonus: a
 * broken structure only loses names (the walk stops where it breaks), never
 * a blob, and is not itself a reason.
 * Limits: no recursion: lists on an explicit work list, each list's start
 * visited once; fragments must follow their list's sequence numbers (so a
 * cyclic chain ends) and ONE_MAX_LISTS, ONE_MAX_FRAGMENTS, ONE_MAX_NODES,
 * ONE_MAX_ENTRIES, ONE_MAX_PROPERTIES bound the walk; nested property sets on
 * a stack of ONE_MAX_PROP_DEPTH; every FileChunkReference is checked against the
 * section; the time is checked per fragment. Carving: one linear memmem
 * scan; cbLength is checked against the bytes that remain (a block that
 * claims more is carved to the end, marked truncated, and reported
 * error.corrupt); views go through sk_unpack_view. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "../engine/text.h"
#include "unpacker.h"

#define GUID_BYTES 16u
#define BLOCK_HEADER_BYTES 36u /* guidHeader, cbLength, unused, reserved */

#define ONE_MAX_LISTS 1024u           /* file node lists walked */
#define ONE_MAX_FRAGMENTS 16384u      /* fragments read, over all lists */
#define ONE_MAX_NODES 262144u         /* FileNodes read, over all lists */
#define ONE_MAX_ENTRIES 16384u        /* of each kind collected */
#define ONE_MAX_GLOBAL_IDS 4096u      /* global id table indexes kept */
#define ONE_MAX_PROP_DEPTH 16u        /* nested property sets */
#define ONE_MAX_PROPERTIES (1u << 20) /* properties and nested sets read, over all */
#define ONE_NAME_BYTES 255u           /* of a name kept */
#define ONE_EXT_BYTES 31u             /* of an extension kept */

#define ROOT_REF_OFFSET 172u /* Header.fcrFileNodeListRoot */
#define FRAGMENT_MAGIC 0xA4567AB1F5F7F4C4ull
#define FRAGMENT_FOOTER 0x8BC215C38233BA4Bull
#define FRAGMENT_TAIL 20u /* nextFragment (12) and footer (8) */

#define FND_GLOBAL_ID_TABLE_START 0x021u
#define FND_GLOBAL_ID_TABLE_START2 0x022u
#define FND_GLOBAL_ID_TABLE_ENTRY 0x024u
#define FND_FILE_DATA3 0x072u
#define FND_FILE_DATA3_LARGE 0x073u
#define FND_FILE_DATA_STORE_OBJECT 0x094u
#define FND_DECLARATION2 0x0A4u
#define FND_DECLARATION2_LARGE 0x0A5u
#define FND_READ_ONLY_DECLARATION2 0x0C4u
#define FND_READ_ONLY_DECLARATION2_LARGE 0x0C5u
#define FND_CHUNK_TERMINATOR 0x0FFu

#define JCID_EMBEDDED_FILE_NODE 0x00060035u
#define PROP_EMBEDDED_FILE_CONTAINER 0x20001D9Bu
#define PROP_EMBEDDED_FILE_NAME 0x1C001D9Cu

/* The GUIDs as they lie in the file (MS-DTYP: Data1..3 little-endian). */
static const uint8_t FILE_DATA_HEADER[GUID_BYTES] = {0xe7, 0x16, 0xe3, 0xbd, 0x65, 0x26,
                                                     0x11, 0x45, 0xa4, 0xc4, 0x8d, 0x4d,
                                                     0x0b, 0x7a, 0x9e, 0xac};
static const uint8_t FILE_DATA_FOOTER[GUID_BYTES] = {0x22, 0xa7, 0xfb, 0x71, 0x79, 0x0f,
                                                     0x0b, 0x4a, 0xbb, 0x13, 0x89, 0x92,
                                                     0x56, 0x42, 0x6b, 0x24};

/* 2.2.1 ExtendedGUID: an object's identity once its CompactID is resolved. */
struct ext_guid {
    uint8_t guid[GUID_BYTES];
    uint32_t n;
};

/* 0x094: the FileDataStoreObject at stp is the file data guidReference. */
struct store_ref {
    uint64_t stp;
    uint8_t guid[GUID_BYTES];
};

/* 0x072/0x073: object oid's data is the store object guidReference. */
struct file_data {
    struct ext_guid oid;
    uint8_t guid[GUID_BYTES];
    char ext[ONE_EXT_BYTES + 1];
};

/* A jcidEmbeddedFileNode: its name and the file data object it shows. */
struct embedded_name {
    struct ext_guid container;
    char name[ONE_NAME_BYTES + 1];
};

/* What a blob at `stp` is called, resolved at open; sorted by stp. */
struct blob_name {
    uint64_t stp;
    const char *name; /* an EmbeddedFileName in the walk; NULL when none is tied */
    const char *ext;  /* the file data object's extension (may be empty) */
};

struct chunk_ref {
    uint64_t stp, cb;
};

/* The per-list global id table: index -> GUID, indexes below the cap. */
struct global_ids {
    uint8_t guid[ONE_MAX_GLOBAL_IDS][GUID_BYTES];
    uint8_t present[ONE_MAX_GLOBAL_IDS];
};

struct walk {
    const uint8_t *p;
    size_t n;
    struct chunk_ref *lists; /* every list start ever queued (the visited set) */
    size_t lists_n, lists_next;
    unsigned fragments, nodes, properties;
    struct global_ids ids;
    /* arrays of struct store_ref, file_data and embedded_name, each capped
     * at ONE_MAX_ENTRIES elements (sk_unpack_dynbuf_init) */
    struct sk_dynbuf stores, files, names;
};

struct onenote_state {
    size_t pos;
    unsigned found, tied;
    bool corrupt_said;
    struct walk walk;
    struct blob_name *blobs;
    size_t blobs_n;
    char name[ONE_NAME_BYTES + 48];
};

/* The bid: MS-ONESTORE 2.3.1 Header.guidFileType
 * {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}, as the GUID lies in the file:
 * 128 bits at offset 0, 60. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    if (!sk_reader_match(
            &r, 0, "\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d\xae\xb1\x53\x78\xd0\x29\x96\xd3", 16))
        return 0;
    *type = SK_TYPE_ONENOTE;
    return 60;
}

/* Adds one entry of `size` bytes to an array of them. At the cap the entry
 * is dropped (the structure is a bonus: what was collected stays usable);
 * out of memory is already recorded by sk_unpack_realloc. */
static void add_entry(struct sk_dynbuf *entries, const void *entry, size_t size)
{
    (void)sk_dynbuf_add(entries, entry, size);
}

/* 2.2.4.2 FileNodeChunkReference in the formats the FileNode header gives. */
static struct chunk_ref read_node_ref(struct sk_reader *r, unsigned stp_format,
                                      unsigned cb_format)
{
    struct chunk_ref ref = {0, 0};
    switch (stp_format) {
    case 0: ref.stp = sk_reader_u64le(r); break;
    case 1: ref.stp = sk_reader_u32le(r); break;
    case 2: ref.stp = (uint64_t)sk_reader_u16le(r) * 8u; break;
    default: ref.stp = (uint64_t)sk_reader_u32le(r) * 8u; break;
    }
    switch (cb_format) {
    case 0: ref.cb = sk_reader_u32le(r); break;
    case 1: ref.cb = sk_reader_u64le(r); break;
    case 2: ref.cb = (uint64_t)sk_reader_u8(r) * 8u; break;
    default: ref.cb = (uint64_t)sk_reader_u16le(r) * 8u; break;
    }
    return ref;
}

/* True when ref lies inside the section (fcrNil and fcrZero do not). */
static bool ref_inside(const struct walk *w, struct chunk_ref ref)
{
    return ref.cb > 0 && ref.stp <= w->n && ref.cb <= w->n - ref.stp;
}

/* The bytes ref names, as a reader (callers have checked ref_inside; one
 * that is not inside reads nothing). */
static struct sk_reader chunk_at(const struct walk *w, struct chunk_ref ref)
{
    struct sk_reader section = sk_reader_make(w->p, w->n);
    return sk_reader_sub_at(&section, ref.stp, (size_t)ref.cb);
}

/* Queues a file node list once; a list seen before (a cycle or a shared
 * reference) or past the cap is dropped. */
static void queue_list(struct walk *w, struct chunk_ref ref)
{
    if (!ref_inside(w, ref) || w->lists_n >= ONE_MAX_LISTS)
        return;
    for (size_t i = 0; i < w->lists_n; i++)
        if (w->lists[i].stp == ref.stp)
            return;
    w->lists[w->lists_n++] = ref;
}

/* 2.2.2 CompactID -> 2.2.1 ExtendedGUID through the current table. */
static bool resolve(const struct walk *w, uint32_t compact, struct ext_guid *out)
{
    uint32_t index = compact >> 8;
    if (index >= ONE_MAX_GLOBAL_IDS || !w->ids.present[index])
        return false;
    memcpy(out->guid, w->ids.guid[index], GUID_BYTES);
    out->n = compact & 0xffu;
    return true;
}

static int hex_digit(unsigned c)
{
    if (c >= '0' && c <= '9')
        return (int)(c - '0');
    c |= 0x20u;
    return c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10) : -1;
}

/* "<ifndf>{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" as UTF-16LE (2.5.27) into
 * the GUID's bytes as they lie in a file (Data1..3 little-endian). */
static bool parse_ifndf(const uint8_t *s, size_t units, uint8_t guid[GUID_BYTES])
{
    static const char prefix[] = "<ifndf>{";
    char text[8 + 36 + 1];
    if (units < sizeof text)
        return false;
    struct sk_reader r = sk_reader_make(s, 2 * sizeof text);
    for (size_t i = 0; i < sizeof text; i++) {
        uint16_t unit = sk_reader_u16le(&r);
        if (unit > 0xff)
            return false;
        text[i] = (char)unit;
    }
    if (memcmp(text, prefix, 8) != 0 || text[44] != '}')
        return false;
    uint8_t be[GUID_BYTES];
    size_t k = 0;
    for (size_t i = 8; i < 44; i++) {
        if (i == 16 || i == 21 || i == 26 || i == 31) {
            if (text[i] != '-')
                return false;
            continue;
        }
        int hi = hex_digit((unsigned char)text[i]), lo = hex_digit((unsigned char)text[i + 1]);
        if (hi < 0 || lo < 0 || k >= GUID_BYTES)
            return false;
        be[k++] = (uint8_t)(hi << 4 | lo);
        i++;
    }
    if (k != GUID_BYTES)
        return false;
    static const uint8_t order[GUID_BYTES] = {3, 2, 1,  0,  5,  4,  7,  6,
                                              8, 9, 10, 11, 12, 13, 14, 15};
    for (size_t i = 0; i < GUID_BYTES; i++)
        guid[i] = be[order[i]];
    return true;
}

/* 2.2.3 StringInStorageBuffer: cch, then cch UTF-16 units. */
static const uint8_t *read_storage_string(struct sk_reader *r, size_t *units)
{
    uint32_t cch = sk_reader_u32le(r);
    *units = cch;
    if (cch > sk_reader_left(r) / 2) {
        r->err = SK_ETRUNC;
        return NULL;
    }
    return sk_reader_bytes(r, (size_t)cch * 2u);
}

/* 0x072/0x073: oid, jcid, cRef (1 or 4 bytes), FileDataReference, Extension. */
static void read_file_data(struct walk *w, struct sk_reader *r, bool large)
{
    uint32_t oid = sk_reader_u32le(r);
    sk_reader_skip(r, 4 + (large ? 4u : 1u)); /* jcid, cRef */
    size_t ref_units = 0, ext_units = 0;
    const uint8_t *ref = read_storage_string(r, &ref_units);
    const uint8_t *ext = read_storage_string(r, &ext_units);
    struct file_data fd;
    memset(&fd, 0, sizeof fd);
    if (r->err || !resolve(w, oid, &fd.oid) || !parse_ifndf(ref, ref_units, fd.guid))
        return;
    if (ext_units > 0)
        sk_utf16le_to_utf8(ext, ext_units, fd.ext, ONE_EXT_BYTES);
    add_entry(&w->files, &fd, sizeof fd);
}

/* One PropertySet being read: its rgPrids and how many sibling sets (of an
 * ArrayOfPropertyValues) follow it in rgData. */
struct prop_frame {
    struct sk_reader prids;
    uint32_t count, index, sets_left;
};

static bool open_prop_set(struct sk_reader *data, struct prop_frame *f, uint32_t sets_left)
{
    f->count = sk_reader_u16le(data);
    f->prids = sk_reader_sub(data, (size_t)f->count * 4u);
    f->index = 0;
    f->sets_left = sets_left;
    return !data->err;
}

/* 2.6.1 ObjectSpaceObjectPropSet of a jcidEmbeddedFileNode: finds the top
 * level EmbeddedFileName and EmbeddedFileContainer. Nested property sets
 * (types 0x10, 0x11) are read on an explicit stack only to keep the rgData
 * and OIDs positions right. */
static void read_embedded_node(struct walk *w, struct chunk_ref ref)
{
    struct sk_reader r = chunk_at(w, ref);
    uint32_t oids_header = sk_reader_u32le(&r);
    uint32_t oid_count = oids_header & 0xffffffu;
    struct sk_reader oids = sk_reader_sub(&r, (size_t)oid_count * 4u);
    if (!(oids_header & 0x80000000u)) { /* OSIDs present */
        uint32_t osids_header = sk_reader_u32le(&r);
        sk_reader_skip(&r, (size_t)(osids_header & 0xffffffu) * 4u);
        if (osids_header & 0x40000000u) { /* ContextIDs present */
            uint32_t contexts_header = sk_reader_u32le(&r);
            sk_reader_skip(&r, (size_t)(contexts_header & 0xffffffu) * 4u);
        }
    }
    struct prop_frame stack[ONE_MAX_PROP_DEPTH];
    size_t depth = 0, oid_at = 0;
    struct embedded_name found;
    memset(&found, 0, sizeof found);
    bool have_name = false, have_container = false;
    if (r.err || !open_prop_set(&r, &stack[depth++], 0))
        return;
    while (depth > 0 && !r.err && w->properties < ONE_MAX_PROPERTIES) {
        w->properties++; /* many declarations may share one large set */
        struct prop_frame *f = &stack[depth - 1];
        if (f->index == f->count) {
            if (f->sets_left > 0) {
                if (!open_prop_set(&r, f, f->sets_left - 1))
                    break;
            } else {
                depth--;
            }
            continue;
        }
        uint32_t prid = sk_reader_u32le_at(&f->prids, (size_t)f->index * 4u);
        f->index++;
        bool top = depth == 1;
        switch ((prid >> 26) & 0x1fu) {
        case 0x1:
        case 0x2:
        case 0xA:
        case 0xC: break;
        case 0x3: sk_reader_skip(&r, 1); break;
        case 0x4: sk_reader_skip(&r, 2); break;
        case 0x5: sk_reader_skip(&r, 4); break;
        case 0x6: sk_reader_skip(&r, 8); break;
        case 0x7: {
            uint32_t cb = sk_reader_u32le(&r);
            const uint8_t *bytes = sk_reader_bytes(&r, cb);
            if (bytes && top &&
                (prid & 0x7fffffffu) == (PROP_EMBEDDED_FILE_NAME & 0x7fffffffu)) {
                have_name = sk_utf16le_to_utf8(bytes, cb / 2u, found.name, ONE_NAME_BYTES) > 0;
            }
            break;
        }
        case 0x8:
            if (top && (prid & 0x7fffffffu) == (PROP_EMBEDDED_FILE_CONTAINER & 0x7fffffffu) &&
                oid_at < oid_count) {
                uint32_t compact = sk_reader_u32le_at(&oids, oid_at * 4u);
                have_container = resolve(w, compact, &found.container);
            }
            oid_at++;
            break;
        case 0x9: oid_at += sk_reader_u32le(&r); break;
        case 0xB:
        case 0xD: sk_reader_skip(&r, 4); break;
        case 0x10: {
            uint32_t sets = sk_reader_u32le(&r);
            if (sets == 0)
                break;
            sk_reader_skip(&r, 4); /* the PropertyID of the sets (type 0x11) */
            if (depth == ONE_MAX_PROP_DEPTH || !open_prop_set(&r, &stack[depth], sets - 1))
                r.err = SK_ELIMIT;
            else
                depth++;
            break;
        }
        case 0x11:
            if (depth == ONE_MAX_PROP_DEPTH || !open_prop_set(&r, &stack[depth], 0))
                r.err = SK_ELIMIT;
            else
                depth++;
            break;
        default: r.err = SK_ECORRUPT; break; /* rgData's layout is lost */
        }
    }
    if (have_name && have_container)
        add_entry(&w->names, &found, sizeof found);
}

/* One FileNode's fnd (the header already read). */
static void read_node(struct walk *w, struct sk_reader *fnd, uint32_t header)
{
    unsigned id = header & 0x3ffu;
    unsigned stp_format = (header >> 23) & 3u, cb_format = (header >> 25) & 3u;
    unsigned base_type = (header >> 27) & 0xfu;
    if (base_type == 2) {
        queue_list(w, read_node_ref(fnd, stp_format, cb_format));
        return;
    }
    switch (id) {
    case FND_GLOBAL_ID_TABLE_START:
    case FND_GLOBAL_ID_TABLE_START2: memset(w->ids.present, 0, sizeof w->ids.present); break;
    case FND_GLOBAL_ID_TABLE_ENTRY: {
        uint32_t index = sk_reader_u32le(fnd);
        const uint8_t *guid = sk_reader_bytes(fnd, GUID_BYTES);
        if (guid && index < ONE_MAX_GLOBAL_IDS) {
            memcpy(w->ids.guid[index], guid, GUID_BYTES);
            w->ids.present[index] = 1;
        }
        break;
    }
    case FND_FILE_DATA3:
    case FND_FILE_DATA3_LARGE: read_file_data(w, fnd, id == FND_FILE_DATA3_LARGE); break;
    case FND_FILE_DATA_STORE_OBJECT: {
        struct chunk_ref ref = read_node_ref(fnd, stp_format, cb_format);
        const uint8_t *guid = sk_reader_bytes(fnd, GUID_BYTES);
        if (!guid || !ref_inside(w, ref))
            break;
        struct store_ref store = {.stp = ref.stp};
        memcpy(store.guid, guid, GUID_BYTES);
        add_entry(&w->stores, &store, sizeof store);
        break;
    }
    case FND_DECLARATION2:
    case FND_DECLARATION2_LARGE:
    case FND_READ_ONLY_DECLARATION2:
    case FND_READ_ONLY_DECLARATION2_LARGE: {
        struct chunk_ref ref = read_node_ref(fnd, stp_format, cb_format);
        sk_reader_skip(fnd, 4); /* oid: the node's own identity is not needed */
        uint32_t jcid = sk_reader_u32le(fnd);
        if (!fnd->err && jcid == JCID_EMBEDDED_FILE_NODE && ref_inside(w, ref))
            read_embedded_node(w, ref);
        break;
    }
    default: break;
    }
}

/* Walks one file node list, fragment by fragment. The global id table is
 * the list's own: it starts empty. */
static void walk_list(struct sk_unpack *u, struct walk *w, struct chunk_ref ref)
{
    memset(w->ids.present, 0, sizeof w->ids.present);
    uint32_t list_id = 0, sequence = 0;
    while (ref_inside(w, ref) && w->fragments < ONE_MAX_FRAGMENTS && !sk_unpack_expired(u)) {
        w->fragments++;
        if (ref.cb < 16u + FRAGMENT_TAIL)
            return;
        struct sk_reader r = chunk_at(w, ref);
        uint64_t magic = sk_reader_u64le(&r);
        uint32_t id = sk_reader_u32le(&r), seq = sk_reader_u32le(&r);
        if (magic != FRAGMENT_MAGIC || (sequence > 0 && id != list_id) || seq != sequence)
            return; /* not a fragment, or out of order: a cycle ends here */
        list_id = id;
        sequence++;
        struct sk_reader tail = r;
        sk_reader_seek(&tail, (size_t)ref.cb - FRAGMENT_TAIL);
        struct chunk_ref next = {sk_reader_u64le(&tail), sk_reader_u32le(&tail)};
        if (sk_reader_u64le(&tail) != FRAGMENT_FOOTER || tail.err)
            return;
        struct sk_reader nodes = sk_reader_sub(&r, (size_t)ref.cb - 16u - FRAGMENT_TAIL);
        while (sk_reader_left(&nodes) >= 4 && w->nodes < ONE_MAX_NODES) {
            uint32_t header = sk_reader_u32le(&nodes);
            size_t size = (header >> 10) & 0x1fffu;
            if ((header & 0x3ffu) == FND_CHUNK_TERMINATOR || size < 4 ||
                size - 4 > sk_reader_left(&nodes))
                break; /* the end of this fragment's nodes (or zero padding) */
            w->nodes++;
            struct sk_reader fnd = sk_reader_sub(&nodes, size - 4);
            read_node(w, &fnd, header);
        }
        ref = next;
    }
}

static int by_stp(const void *a, const void *b)
{
    uint64_t x = ((const struct blob_name *)a)->stp, y = ((const struct blob_name *)b)->stp;
    return x < y ? -1 : x > y;
}

static int by_guid(const void *a, const void *b)
{
    return memcmp(((const struct file_data *)a)->guid, ((const struct file_data *)b)->guid,
                  GUID_BYTES);
}

static int compare_ext_guid(const struct ext_guid *a, const struct ext_guid *b)
{
    int c = memcmp(a->guid, b->guid, GUID_BYTES);
    return c ? c : a->n < b->n ? -1 : a->n > b->n;
}

static int by_container(const void *a, const void *b)
{
    return compare_ext_guid(&((const struct embedded_name *)a)->container,
                            &((const struct embedded_name *)b)->container);
}

/* Ties each store object to its file data object and that to its embedded
 * file node: the lists are sorted once and searched, so no input makes this
 * quadratic. A link that is missing leaves the blob with what it has. */
static void tie_names(struct sk_unpack *u, struct onenote_state *st)
{
    struct walk *w = &st->walk;
    const struct store_ref *stores = (const struct store_ref *)(void *)w->stores.p;
    struct file_data *files = (struct file_data *)(void *)w->files.p;
    struct embedded_name *names = (struct embedded_name *)(void *)w->names.p;
    size_t stores_n = w->stores.len / sizeof *stores, files_n = w->files.len / sizeof *files,
           names_n = w->names.len / sizeof *names;
    if (stores_n == 0)
        return;
    st->blobs = sk_unpack_calloc(u, stores_n, sizeof *st->blobs);
    if (!st->blobs)
        return;
    if (files_n)
        qsort(files, files_n, sizeof *files, by_guid);
    if (names_n)
        qsort(names, names_n, sizeof *names, by_container);
    for (size_t i = 0; i < stores_n; i++) {
        struct file_data key;
        memcpy(key.guid, stores[i].guid, GUID_BYTES);
        const struct file_data *fd =
            files_n ? bsearch(&key, files, files_n, sizeof key, by_guid) : NULL;
        if (!fd)
            continue;
        struct embedded_name name_key = {.container = fd->oid};
        const struct embedded_name *en =
            names_n ? bsearch(&name_key, names, names_n, sizeof name_key, by_container) : NULL;
        struct blob_name *b = &st->blobs[st->blobs_n++];
        b->stp = stores[i].stp;
        b->ext = fd->ext;
        b->name = en ? en->name : NULL;
    }
    qsort(st->blobs, st->blobs_n, sizeof *st->blobs, by_stp);
}

static int open_onenote(struct sk_unpack *u, void **out)
{
    struct onenote_state *st = sk_unpack_calloc(u, 1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    struct walk *w = &st->walk;
    w->p = u->node->data.p;
    w->n = u->node->data.len;
    sk_unpack_dynbuf_init(u, &w->stores, ONE_MAX_ENTRIES * sizeof(struct store_ref));
    sk_unpack_dynbuf_init(u, &w->files, ONE_MAX_ENTRIES * sizeof(struct file_data));
    sk_unpack_dynbuf_init(u, &w->names, ONE_MAX_ENTRIES * sizeof(struct embedded_name));
    w->lists = sk_unpack_calloc(u, ONE_MAX_LISTS, sizeof *w->lists);
    if (w->lists) {
        struct sk_reader r = sk_reader_make(w->p, w->n);
        sk_reader_seek(&r, ROOT_REF_OFFSET);
        struct chunk_ref root = {sk_reader_u64le(&r), sk_reader_u32le(&r)};
        if (!r.err)
            queue_list(w, root);
        while (w->lists_next < w->lists_n)
            walk_list(u, w, w->lists[w->lists_next++]);
        tie_names(u, st);
    }
    *out = st;
    return 0;
}

static void close_onenote(void *state)
{
    struct onenote_state *st = state;
    free(st->walk.lists);
    sk_dynbuf_free(&st->walk.stores);
    sk_dynbuf_free(&st->walk.files);
    sk_dynbuf_free(&st->walk.names);
    free(st->blobs);
    free(st);
}

/* The footer of a block whose data ends at `end`: the spec pads FileData so
 * the footer is 8-byte aligned; writers differ on what the alignment is
 * relative to, so any position in the next 8 bytes counts. */
static bool footer_after(const struct sk_reader *file, size_t end)
{
    for (size_t pad = 0; pad < 8; pad++)
        if (sk_reader_match(file, end + pad, FILE_DATA_FOOTER, GUID_BYTES))
            return true;
    return false;
}

/* Names the blob whose FileDataStoreObject starts at `at`. */
static void name_blob(struct onenote_state *st, size_t at)
{
    struct blob_name key = {.stp = at};
    const struct blob_name *b =
        st->blobs_n ? bsearch(&key, st->blobs, st->blobs_n, sizeof key, by_stp) : NULL;
    if (b && b->name) {
        st->tied++;
        snprintf(st->name, sizeof st->name, "%s", b->name);
    } else if (b && b->ext[0]) {
        snprintf(st->name, sizeof st->name, "embedded_%u%s%s", st->found,
                 b->ext[0] == '.' ? "" : ".", b->ext);
    } else {
        snprintf(st->name, sizeof st->name, "embedded_%u", st->found);
    }
}

static int next_file(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct onenote_state *st = state;
    const uint8_t *p = u->node->data.p;
    size_t n = u->node->data.len;
    if (sk_unpack_expired(u) || st->pos >= n)
        return SK_DONE;
    struct sk_reader r = sk_reader_make(p, n);
    const uint8_t *from = sk_reader_at(&r, st->pos, n - st->pos);
    const uint8_t *hit = memmem(from, n - st->pos, FILE_DATA_HEADER, GUID_BYTES);
    if (!hit) {
        st->pos = n;
        return SK_DONE;
    }
    size_t at = (size_t)(hit - p);
    sk_reader_seek(&r, at + GUID_BYTES);
    uint64_t declared = sk_reader_u64le(&r);
    sk_reader_skip(&r, 12); /* unused, reserved */
    if (r.err) {
        st->pos = n;
        sk_unpack_fail(u, "onenote", SK_ETRUNC, "FileDataStoreObject at %zu cut short", at);
        return SK_ETRUNC;
    }
    size_t data = r.pos, left = n - data;
    bool whole = declared <= left;
    size_t len = whole ? (size_t)declared : left;
    st->found++;
    name_blob(st, at);
    child->name = st->name;
    child->name_len = strlen(st->name);
    int rc = sk_unpack_view(u, &child->data, sk_reader_at(&r, data, len), len);
    if (!whole || !footer_after(&r, data + len)) {
        child->truncated = !whole;
        if (!st->corrupt_said) {
            st->corrupt_said = true;
            sk_unpack_reason(u, "error.corrupt",
                             "FileDataStoreObject at %zu: cbLength %llu, %zu bytes left, %s",
                             at, (unsigned long long)declared, left,
                             whole ? "no guidFooter after the data" : "carved to the end");
        }
    }
    st->pos = whole ? data + len : n;
    sk_unpack_info(u, "embedded_files", "%u", st->found);
    sk_unpack_info(u, "names_tied", "%u", st->tied);
    return rc == SK_ELIMIT ? 0 : rc;
}

const struct sk_unpacker sk_unpacker_onenote = {
    .name = "onenote",
    .bid = bid,
    .open = open_onenote,
    .next = next_file,
    .close = close_onenote,
};
