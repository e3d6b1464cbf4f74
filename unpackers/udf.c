/* UDF images without an ISO 9660 side (an ISO 9660 + UDF bridge is read by
 * libarchive through its ISO side), read in memory.
 *
 * Spec: ECMA-167 3rd edition as profiled by OSTA UDF 2.01: the Anchor
 * Volume Descriptor Pointer at sector 256 (3/10.2), the Main Volume
 * Descriptor Sequence (Partition Descriptor 3/10.5, Logical Volume
 * Descriptor 3/10.6 with the File Set Descriptor's long_ad and type 1
 * partition maps), descriptor tags with their checksum (3/7.2), the File
 * Set Descriptor (4/14.1, root directory ICB), File Entry and Extended File
 * Entry (4/14.9, 4/14.17) with short_ad, long_ad or embedded data (ICB tag
 * flags, 4/14.6.8), File Identifier Descriptors (4/14.4) with OSTA CS0
 * names (compression ID 8 or 16).
 *
 * Children: every file of every directory, named by its path. Deleted and
 * parent entries are skipped. Each directory is listed once: a visited bit
 * per logical block that can hold a File Entry (keyed by the entry's
 * location) stops a directory entry that names its own directory, an
 * ancestor or a directory already listed (error.corrupt, "loops").
 * Refuses (error.unsupported with container.disk_image, never silently):
 * sector sizes other than 2048 and 512, type 2 partition maps (virtual,
 * sparable, metadata partitions of UDF 2.50+), more than one partition,
 * extended_ad and allocation descriptor continuation extents. Tags whose
 * checksum or identifier is wrong, and extents outside the partition, are
 * error.corrupt.
 * Limits: the volume descriptor sequence is read for at most UDF_MAX_VDS
 * sectors; directories at most UDF_MAX_DEPTH deep (limit.depth) through an
 * explicit work list, at most max_nodes entries in all, files and
 * directories listed or pending (limit.nodes); the visited bits take one bit
 * per block of the partition that lies in the image; a
 * directory's bytes at most UDF_MAX_DIR_BYTES; file bytes go through
 * sk_unpack_append; the deadline is checked per directory and per file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "../engine/text.h"
#include "unpacker.h"

#define UDF_MAX_VDS 64u               /* sectors of the volume descriptor sequence */
#define UDF_MAX_DEPTH 64u             /* directories inside directories */
#define UDF_MAX_DIR_BYTES (16u << 20) /* bytes of one directory */
#define UDF_NAME_MAX 255u             /* bytes of a file identifier */
#define UDF_PATH_MAX 1024u            /* bytes of a path kept */
#define ZERO_CHUNK 65536u

enum {
    TAG_PD = 5,
    TAG_LVD = 6,
    TAG_TD = 8,
    TAG_FSD = 256,
    TAG_FID = 257,
    TAG_FE = 261,
    TAG_EFE = 266,
};

struct udf_volume {
    struct sk_reader img; /* the image: every read goes through it */
    size_t len;
    uint32_t block;                /* bytes per sector and per logical block */
    uint32_t part_start, part_len; /* in blocks */
    uint32_t fsd_lbn;
};

/* A file or directory entry's data: where its extents are, or its bytes. */
struct udf_entry {
    uint64_t size;
    unsigned ad_type;     /* 0 short_ad, 1 long_ad, 3 embedded */
    struct sk_reader ads; /* the allocation descriptors, or the embedded bytes */
    bool directory;
};

struct udf_item {
    char *path;
    uint32_t icb; /* logical block of its (E)FE */
    unsigned depth;
};

struct udf_state {
    struct udf_volume vol;
    /* struct udf_item each, capped at max_nodes + 1 (the root): add_fid
     * stops at max_nodes files and directories, so the caps are not met */
    struct sk_dynbuf files, dirs;
    size_t n_files, n_dirs, next_file;
    size_t n_listed;  /* directories taken off the work list */
    uint8_t *visited; /* one bit per logical block: a directory's (E)FE pushed */
    uint32_t n_visit; /* blocks the bits cover */
    const char *why;  /* the first corruption met */
    int why_err;
};

static const uint8_t zeros[ZERO_CHUNK];

/* The bid: ECMA-167 2/9.1 volume structure descriptors, "NSR02" or
 * "NSR03" at one of the 16 2-KiB steps from 32 KiB (an ISO 9660 bridge
 * image has CD001 first and stays with the archive unpacker, by
 * precedence): 70. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    for (uint64_t off = 32768; off < 32768 + 16 * 2048; off += 2048)
        if (sk_reader_match(&r, off + 1, "NSR02", 5) ||
            sk_reader_match(&r, off + 1, "NSR03", 5)) {
            *type = SK_TYPE_UDF;
            return 70;
        }
    return 0;
}

/* A descriptor at a byte offset if its tag has the identifier and a valid
 * checksum (ECMA-167 3/7.2.3): a reader over its block, else one with err
 * set. */
static struct sk_reader tag_at(const struct udf_volume *v, uint64_t off, uint16_t id)
{
    struct sk_reader img = v->img;
    struct sk_reader t = sk_reader_sub_at(&img, off, v->block);
    const uint8_t *head = sk_reader_at(&t, 0, 16);
    uint8_t sum = 0;
    for (unsigned i = 0; head && i < 16; i++)
        sum = (uint8_t)(sum + (i == 4 ? 0 : head[i]));
    if (!head || sum != sk_reader_u8_at(&t, 4) || sk_reader_u16le_at(&t, 0) != id)
        t.err = t.err ? t.err : SK_ECORRUPT;
    return t;
}

/* A logical block of the partition as a descriptor. */
static struct sk_reader block_tag(const struct udf_volume *v, uint32_t lbn, uint16_t id)
{
    uint64_t off = 0;
    if (lbn >= v->part_len ||
        sk_mul_u64((uint64_t)v->part_start + lbn, v->block, &off) != 0) {
        struct sk_reader none = {NULL, 0, 0, SK_ECORRUPT};
        return none;
    }
    return tag_at(v, off, id);
}

static void corrupt(struct udf_state *st, int err, const char *why)
{
    if (!st->why) {
        st->why = why;
        st->why_err = err;
    }
}

/* ---- volume structure ---------------------------------------------------- */

static int read_lvd(struct udf_state *st, struct sk_reader *lvd)
{
    struct udf_volume *v = &st->vol;
    uint32_t block = sk_reader_u32le_at(lvd, 212);
    v->fsd_lbn = sk_reader_u32le_at(lvd, 248 + 4);
    uint32_t maps = sk_reader_u32le_at(lvd, 268);
    uint8_t map_type = sk_reader_u8_at(lvd, 440);
    if (lvd->err)
        return SK_ECORRUPT;
    if (block != v->block)
        return SK_EUNSUPPORTED; /* logical blocks other than the sector size */
    if (maps != 1 || map_type != 1)
        return SK_EUNSUPPORTED; /* several partitions, or a type 2 map */
    return 0;
}

static int read_vds(struct udf_state *st)
{
    struct udf_volume *v = &st->vol;
    static const uint32_t sizes[] = {2048, 512};
    struct sk_reader anchor = {NULL, 0, 0, SK_ECORRUPT};
    for (size_t i = 0; i < 2 && anchor.err; i++) {
        v->block = sizes[i];
        anchor = tag_at(v, 256ull * v->block, 2);
    }
    if (anchor.err)
        return SK_ECORRUPT;
    uint32_t vds_len = sk_reader_u32le_at(&anchor, 16) / v->block;
    uint32_t vds_at = sk_reader_u32le_at(&anchor, 20);
    bool have_pd = false, have_lvd = false;
    for (uint32_t i = 0; i < vds_len && i < UDF_MAX_VDS; i++) {
        uint64_t off = ((uint64_t)vds_at + i) * v->block;
        struct sk_reader img = v->img;
        struct sk_reader d = sk_reader_sub_at(&img, off, v->block);
        uint16_t id = sk_reader_u16le_at(&d, 0);
        if (d.err)
            break;
        if (id == TAG_PD && !tag_at(v, off, TAG_PD).err) {
            if (have_pd)
                return SK_EUNSUPPORTED; /* a second partition */
            v->part_start = sk_reader_u32le_at(&d, 188);
            v->part_len = sk_reader_u32le_at(&d, 192);
            have_pd = true;
        } else if (id == TAG_LVD && !tag_at(v, off, TAG_LVD).err) {
            int rc = read_lvd(st, &d);
            if (rc != 0)
                return rc;
            have_lvd = true;
        } else if (id == TAG_TD) {
            break;
        }
    }
    if (!have_pd || !have_lvd)
        return SK_ECORRUPT;
    return 0;
}

/* ---- entries and their data ---------------------------------------------- */

static int read_entry(const struct udf_volume *v, uint32_t lbn, struct udf_entry *e)
{
    struct sk_reader fe = block_tag(v, lbn, TAG_FE);
    bool extended = false;
    if (fe.err) {
        fe = block_tag(v, lbn, TAG_EFE);
        extended = true;
    }
    if (fe.err)
        return SK_ECORRUPT;
    uint32_t ea = sk_reader_u32le_at(&fe, extended ? 208 : 168);
    uint32_t ad = sk_reader_u32le_at(&fe, extended ? 212 : 172);
    uint32_t head = extended ? 216 : 176;
    e->directory = sk_reader_u8_at(&fe, 16 + 11) == 4;
    e->ad_type = sk_reader_u16le_at(&fe, 16 + 18) & 7u;
    e->size = sk_reader_u64le_at(&fe, 56);
    /* head + ea + ad must lie in the block: the sub-reader checks it */
    e->ads = sk_reader_sub_at(&fe, (uint64_t)head + ea, ad);
    if (fe.err || e->ads.err)
        return SK_ECORRUPT;
    if (e->ad_type == 2 || e->ad_type > 3)
        return SK_EUNSUPPORTED;
    return 0;
}

typedef int (*chunk_fn)(void *ctx, const uint8_t *p, size_t n);

/* Feeds an entry's bytes, extent by extent, to fn (zeros for extents that
 * are allocated but not recorded), at most `cap` bytes. */
static int read_data(const struct udf_volume *v, const struct udf_entry *e, uint64_t cap,
                     chunk_fn fn, void *ctx)
{
    uint64_t left = e->size < cap ? e->size : cap;
    struct sk_reader ads = e->ads;
    if (e->ad_type == 3) { /* embedded in the entry itself */
        size_t n = (size_t)(left < ads.len ? left : ads.len);
        return fn(ctx, sk_reader_bytes(&ads, n), n);
    }
    size_t step = e->ad_type == 0 ? 8 : 16;
    while (sk_reader_left(&ads) >= step && left > 0) {
        struct sk_reader ad = sk_reader_sub(&ads, step);
        uint32_t raw = sk_reader_u32le_at(&ad, 0), lbn = sk_reader_u32le_at(&ad, 4);
        uint32_t kind = raw >> 30, len = raw & 0x3fffffffu;
        if (len == 0)
            break;
        if (kind == 3)
            return SK_EUNSUPPORTED; /* a continuation of the descriptors */
        if (e->ad_type == 1 && sk_reader_u16le_at(&ad, 8) != 0)
            return SK_ECORRUPT; /* another partition: there is only one */
        uint64_t n = len < left ? len : left;
        if (kind != 0) {
            for (uint64_t z = 0; z < n; z += ZERO_CHUNK) {
                int rc = fn(ctx, zeros, (size_t)(n - z < ZERO_CHUNK ? n - z : ZERO_CHUNK));
                if (rc != 0)
                    return rc;
            }
        } else {
            uint64_t at = ((uint64_t)v->part_start + lbn) * v->block;
            struct sk_reader img = v->img;
            const uint8_t *bytes = lbn < v->part_len ? sk_reader_at(&img, at, (size_t)n) : NULL;
            if (!bytes)
                return SK_ETRUNC;
            int rc = fn(ctx, bytes, (size_t)n);
            if (rc != 0)
                return rc;
        }
        left -= n;
    }
    return left == 0 ? 0 : SK_ETRUNC;
}

/* ---- directories --------------------------------------------------------- */

/* A directory's bytes, into a dynbuf capped at UDF_MAX_DIR_BYTES. */
static int dir_append(void *ctx, const uint8_t *p, size_t n)
{
    return sk_dynbuf_add(ctx, p, n);
}

/* An OSTA CS0 name (compression ID 8: 8-bit, 16: UTF-16BE) as UTF-8. */
static void cs0_name(struct sk_reader *id, char *out, size_t cap)
{
    out[0] = '\0';
    size_t n = id->len;
    if (n < 2 || n > UDF_NAME_MAX)
        return;
    uint8_t units[UDF_NAME_MAX * 2];
    size_t count = 0;
    uint8_t compression = sk_reader_u8_at(id, 0);
    if (compression == 8) {
        for (size_t i = 1; i < n; i++, count++) {
            units[2 * count] = sk_reader_u8_at(id, i);
            units[2 * count + 1] = 0;
        }
    } else if (compression == 16) {
        for (size_t i = 1; i + 1 < n; i += 2, count++) {
            units[2 * count] = sk_reader_u8_at(id, i + 1);
            units[2 * count + 1] = sk_reader_u8_at(id, i);
        }
    }
    sk_utf16le_to_utf8(units, count, out, cap - 1);
}

static int push_item(struct sk_dynbuf *list, size_t *n, struct udf_item item)
{
    int rc = sk_dynbuf_add(list, &item, sizeof item);
    if (rc == 0)
        (*n)++;
    return rc;
}

static struct udf_item *items(const struct sk_dynbuf *list)
{
    return (struct udf_item *)(void *)list->p;
}

/* Marks the directory whose (E)FE is at logical block lbn as pushed; false
 * when it was before (a cycle, or a second name for one directory). A block
 * outside the bits cannot hold an entry (read_entry refuses it), so it is
 * let through to be reported there. */
static bool first_visit(struct udf_state *st, uint32_t lbn)
{
    if (lbn >= st->n_visit)
        return true;
    uint8_t bit = (uint8_t)(1u << (lbn % 8));
    if (st->visited[lbn / 8] & bit)
        return false;
    st->visited[lbn / 8] |= bit;
    return true;
}

/* One File Identifier Descriptor (the whole of it in fid): a file for the
 * list, or a directory for the work list. */
static int add_fid(struct sk_unpack *u, struct udf_state *st, const struct udf_item *dir,
                   struct sk_reader *fid, bool *too_many, bool *too_deep)
{
    uint8_t flags = sk_reader_u8_at(fid, 18), name_len = sk_reader_u8_at(fid, 19);
    uint16_t impl = sk_reader_u16le_at(fid, 36);
    uint32_t icb = sk_reader_u32le_at(fid, 24);
    if (flags & (0x04 | 0x08)) /* deleted, or the parent */
        return 0;
    if (st->n_files + st->n_dirs + st->n_listed >= sk_unpack_limits(u)->max_nodes) {
        *too_many = true;
        return 0;
    }
    char name[UDF_NAME_MAX * 3 + 1];
    struct sk_reader id = sk_reader_sub_at(fid, 38u + impl, name_len);
    cs0_name(&id, name, sizeof name);
    struct udf_item item = {
        sk_path_join(dir->path, name[0] ? name : "_", UDF_PATH_MAX, sk_unpack_allocator(u)), icb,
        dir->depth + 1};
    if (!item.path)
        return SK_ENOMEM;
    int rc;
    if (flags & 0x02) {
        if (item.depth >= UDF_MAX_DEPTH) {
            *too_deep = true;
            free(item.path);
            return 0;
        }
        if (!first_visit(st, item.icb)) {
            corrupt(st, SK_ECORRUPT,
                    "a directory loops: an entry names a directory already listed");
            free(item.path);
            return 0;
        }
        rc = push_item(&st->dirs, &st->n_dirs, item);
    } else {
        rc = push_item(&st->files, &st->n_files, item);
    }
    if (rc != 0)
        free(item.path);
    return rc;
}

static int read_dir(struct sk_unpack *u, struct udf_state *st, const struct udf_item *dir,
                    bool *too_many, bool *too_deep)
{
    struct udf_entry e;
    int rc = read_entry(&st->vol, dir->icb, &e);
    if (rc != 0) {
        corrupt(st, rc, "a directory's file entry is missing or invalid");
        return 0;
    }
    struct sk_dynbuf bytes;
    sk_unpack_dynbuf_init(u, &bytes, UDF_MAX_DIR_BYTES);
    rc = read_data(&st->vol, &e, UDF_MAX_DIR_BYTES, dir_append, &bytes);
    if (rc == SK_ENOMEM) {
        sk_dynbuf_free(&bytes);
        return rc;
    }
    if (rc != 0)
        corrupt(st, rc, "a directory's extents run outside the partition");
    rc = 0;
    struct sk_reader fids = sk_reader_make((const uint8_t *)bytes.p, bytes.len);
    while (rc == 0 && sk_reader_left(&fids) >= 38) {
        size_t at = fids.pos;
        size_t name_len = sk_reader_u8_at(&fids, at + 19);
        size_t impl = sk_reader_u16le_at(&fids, at + 36);
        size_t size = (38 + name_len + impl + 3) & ~(size_t)3;
        uint16_t tag = sk_reader_u16le_at(&fids, at);
        struct sk_reader fid = sk_reader_sub(&fids, size);
        if (tag != TAG_FID || fid.err) {
            corrupt(st, SK_ECORRUPT, "a file identifier descriptor is invalid");
            break;
        }
        rc = add_fid(u, st, dir, &fid, too_many, too_deep);
    }
    sk_dynbuf_free(&bytes);
    return rc;
}

static int walk(struct sk_unpack *u, struct udf_state *st)
{
    struct sk_reader fsd = block_tag(&st->vol, st->vol.fsd_lbn, TAG_FSD);
    uint32_t root_icb = sk_reader_u32le_at(&fsd, 400 + 4);
    if (fsd.err)
        return SK_ECORRUPT;
    /* Only blocks of the partition inside the image can hold an entry
     * (block_tag), so the bits are bounded by the image's size. */
    const struct udf_volume *v = &st->vol;
    uint64_t in_image =
        v->len / v->block > v->part_start ? v->len / v->block - v->part_start : 0;
    st->n_visit = (uint32_t)(in_image < v->part_len ? in_image : v->part_len);
    st->visited = sk_unpack_calloc(u, (size_t)st->n_visit / 8 + 1, 1);
    char *root = sk_unpack_calloc(u, 1, 1);
    if (!root || !st->visited) {
        free(root);
        return SK_ENOMEM;
    }
    first_visit(st, root_icb);
    int rc =
        push_item(&st->dirs, &st->n_dirs, (struct udf_item){root, root_icb, 0});
    if (rc != 0) {
        free(root);
        return rc;
    }
    bool too_many = false, too_deep = false;
    while (st->n_dirs > 0 && rc == 0 && !sk_unpack_expired(u)) {
        struct udf_item dir = items(&st->dirs)[--st->n_dirs];
        sk_dynbuf_truncate(&st->dirs, st->n_dirs * sizeof dir);
        st->n_listed++;
        rc = read_dir(u, st, &dir, &too_many, &too_deep);
        free(dir.path);
    }
    if (too_many)
        sk_unpack_reason(u, "limit.nodes", "more than %u files and directories",
                         sk_unpack_limits(u)->max_nodes);
    if (too_deep)
        sk_unpack_reason(u, "limit.depth", "directories nested deeper than %u", UDF_MAX_DEPTH);
    return rc;
}

/* ---- the unpacker -------------------------------------------------------- */

static void free_state(struct udf_state *st)
{
    for (size_t i = 0; i < st->n_files; i++)
        free(items(&st->files)[i].path);
    for (size_t i = 0; i < st->n_dirs; i++)
        free(items(&st->dirs)[i].path);
    sk_dynbuf_free(&st->files);
    sk_dynbuf_free(&st->dirs);
    free(st->visited);
    free(st);
}

static void refuse(struct sk_unpack *u, int rc, const char *what)
{
    if (rc == SK_EUNSUPPORTED)
        sk_unpack_reason(u, "container.disk_image",
                         "UDF image not read (%s): what it holds is unknown", what);
    sk_unpack_fail(u, "udf", rc, "%s", what);
}

static int open_udf(struct sk_unpack *u, void **state)
{
    struct udf_state *st = sk_unpack_calloc(u, 1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    size_t cap = ((size_t)sk_unpack_limits(u)->max_nodes + 1) * sizeof(struct udf_item);
    sk_unpack_dynbuf_init(u, &st->files, cap);
    sk_unpack_dynbuf_init(u, &st->dirs, cap);
    st->vol.img = sk_reader_make(u->node->data.p, u->node->data.len);
    st->vol.len = u->node->data.len;
    int rc = read_vds(st);
    if (rc != 0) {
        refuse(u, rc,
               rc == SK_EUNSUPPORTED
                   ? "several partitions, a type 2 partition map or an unusual block size"
                   : "no valid anchor, partition or logical volume descriptor");
        free_state(st);
        return rc;
    }
    rc = walk(u, st);
    if (rc != 0) {
        if (rc != SK_ENOMEM)
            refuse(u, rc, "no valid file set descriptor");
        free_state(st);
        return rc;
    }
    if (st->why)
        refuse(u, st->why_err == SK_EUNSUPPORTED ? SK_EUNSUPPORTED : SK_ECORRUPT, st->why);
    sk_unpack_info(u, "format", "UDF, %u-byte blocks", st->vol.block);
    sk_unpack_info(u, "files", "%zu", st->n_files);
    *state = st;
    return 0;
}

struct file_sink {
    struct sk_unpack *u;
    struct sk_buf *buf;
};

static int file_append(void *ctx, const uint8_t *p, size_t n)
{
    struct file_sink *s = ctx;
    return sk_unpack_append(s->u, s->buf, p, n);
}

static int next_udf(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct udf_state *st = state;
    if (st->next_file >= st->n_files || sk_unpack_expired(u))
        return SK_DONE;
    const struct udf_item *f = &items(&st->files)[st->next_file++];
    child->name = f->path;
    child->name_len = strlen(f->path);
    struct udf_entry e;
    int rc = read_entry(&st->vol, f->icb, &e);
    if (rc == 0) {
        struct file_sink sink = {u, &child->data};
        rc = read_data(&st->vol, &e, UINT64_MAX, file_append, &sink);
    }
    if (rc == SK_ENOMEM)
        return rc;
    if (rc != 0) {
        child->truncated = true;
        if (rc != SK_ELIMIT)
            refuse(u, rc, "a file's entry or extents are invalid or outside the image");
    }
    return 0;
}

static void close_udf(void *state)
{
    free_state(state);
}

const struct sk_unpacker sk_unpacker_udf = {
    .name = "udf",
    .bid = bid,
    .open = open_udf,
    .next = next_udf,
    .close = close_udf,
};
