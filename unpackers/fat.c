/* FAT12/16/32 volumes (raw .img floppy and disk images, and the FAT
 * partitions of a VHD), read in memory.
 *
 * Spec: Microsoft "FAT: General Overview of On-Disk Format" (version 1.03):
 * the BPB (BytsPerSec, SecPerClus, RsvdSecCnt, NumFATs, RootEntCnt,
 * TotSec16/32, FATSz16/32, BPB_RootClus), the FAT type from the count of
 * clusters (< 4085 FAT12, < 65525 FAT16, else FAT32), FAT entries (12-bit
 * packed, 16-bit, 28-bit), end-of-chain and bad-cluster marks, the 32-byte
 * directory entry (DIR_Name 8.3, DIR_Attr, DIR_FstClusHI/LO, DIR_FileSize,
 * 0xE5 deleted, 0x00 end) and long name entries (LDIR_Ord, the 13 UTF-16
 * characters in three runs, LDIR_Chksum over the short name). The Windows
 * NT case bits (DIR_NTRes 0x08/0x10) lower-case a short name.
 *
 * Children: every file of every directory, named by its path ("dir/a.exe"),
 * its long name when the long entries are whole and their checksum matches.
 * Deleted entries are not recovered.
 * Refuses, as error.corrupt (what could be read is still handed back): a
 * BPB whose layout runs past the image; a cluster chain that leaves the
 * volume, meets a free or bad cluster, ends before the file does, or visits
 * a cluster twice (a loop, or two files sharing clusters: one visited-bit
 * per cluster the image can hold decides both).
 * Limits: directories are walked with an explicit work list, at most
 * FAT_MAX_DEPTH deep (limit.depth) and at most max_nodes entries in all
 * (limit.nodes); a directory holds at most 65536 entries (the spec's
 * maximum); every chain is bounded by the visited bits; the deadline is
 * checked per cluster of a directory and per file; child bytes go through
 * sk_unpack_append. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "../engine/text.h"
#include "unpacker.h"

#define FAT_MAX_DEPTH 64u          /* directories inside directories */
#define FAT_MAX_DIR_ENTRIES 65536u /* per directory, as the spec allows */
#define FAT_PATH_MAX 1024u         /* bytes of a path kept */
#define FAT_LFN_UNITS (20u * 13u)  /* a long name: 20 entries of 13 units */
#define ATTR_LONG_NAME 0x0fu
#define ATTR_VOLUME_ID 0x08u
#define ATTR_DIRECTORY 0x10u

struct fat_file {
    char *path;
    uint32_t cluster;
    uint32_t size;
};

struct fat_dir {
    char *path;
    uint32_t cluster; /* 0: the fixed root directory of FAT12/16 */
    unsigned depth;
};

struct fat_volume {
    struct sk_reader img; /* the image: every read goes through it */
    size_t len;
    unsigned bits; /* 12, 16 or 32 */
    uint32_t sector, cluster_bytes;
    uint64_t fat_off, fat_bytes;   /* the first FAT */
    uint64_t root_off, root_bytes; /* FAT12/16 fixed root directory */
    uint64_t data_off;
    uint32_t root_cluster; /* FAT32 */
    uint32_t clusters;     /* clusters the volume declares */
    uint32_t readable;     /* clusters the image's bytes hold */
    uint8_t *visited;      /* one bit per readable cluster */
};

struct fat_state {
    struct fat_volume vol;
    /* struct fat_file each, capped at max_nodes + 1 like the work list:
     * add_entry stops at max_nodes files and directories, so the caps are
     * not met */
    struct sk_dynbuf files;
    size_t n_files, next_file;
};

/* A directory being read, with the long name gathered so far. */
struct dir_reader {
    uint16_t lfn[FAT_LFN_UNITS];
    unsigned lfn_expect; /* the sequence number the next long entry must have */
    uint8_t lfn_sum;
    bool lfn_ok;
    unsigned entries;
};

/* The bid: a boot sector with a jump, a BIOS parameter block whose fields
 * have the values the FAT specification allows, and the 55 AA signature;
 * not an NTFS or exFAT one. 16 bits of signature, a jump byte and six
 * constrained fields: 60. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    uint8_t jump = sk_reader_u8_at(&r, 0), per_cluster = sk_reader_u8_at(&r, 13);
    uint16_t sector = sk_reader_u16le_at(&r, 11), reserved = sk_reader_u16le_at(&r, 14);
    uint8_t n_fats = sk_reader_u8_at(&r, 16), media = sk_reader_u8_at(&r, 21);
    uint16_t total16 = sk_reader_u16le_at(&r, 19);
    uint32_t total32 = sk_reader_u32le_at(&r, 32);
    if (!sk_reader_match(&r, 510, "\x55\xaa", 2) || r.err || !(jump == 0xeb || jump == 0xe9))
        return 0;
    bool sector_ok = sector == 512 || sector == 1024 || sector == 2048 || sector == 4096;
    bool cluster_ok = per_cluster != 0 && (per_cluster & (per_cluster - 1)) == 0;
    if (!sector_ok || !cluster_ok || reserved == 0 || n_fats < 1 || n_fats > 2 ||
        !(media == 0xf0 || media >= 0xf8) || (total16 == 0 && total32 == 0) ||
        sk_reader_match(&r, 3, "NTFS", 4) || sk_reader_match(&r, 3, "EXFAT", 5))
        return 0;
    *type = SK_TYPE_FAT;
    return 60;
}

/* ---- the volume ---------------------------------------------------------- */

static int parse_bpb(struct sk_unpack *u, struct fat_volume *v, const char **why)
{
    /* The sniffer checked the boot sector, but an unpacker never relies on
     * another module's checks for its own bounds: the BPB is read through a
     * reader over the first 512 bytes, which fails on a shorter image. */
    struct sk_reader bpb = sk_reader_sub_at(&v->img, 0, 512);
    uint32_t sector = sk_reader_u16le_at(&bpb, 11), per_cluster = sk_reader_u8_at(&bpb, 13);
    uint32_t reserved = sk_reader_u16le_at(&bpb, 14), n_fats = sk_reader_u8_at(&bpb, 16);
    uint32_t root_entries = sk_reader_u16le_at(&bpb, 17);
    uint16_t total16 = sk_reader_u16le_at(&bpb, 19), fat16 = sk_reader_u16le_at(&bpb, 22);
    uint64_t total = total16 ? total16 : sk_reader_u32le_at(&bpb, 32);
    uint64_t fat_sectors = fat16 ? fat16 : sk_reader_u32le_at(&bpb, 36);
    uint32_t root_cluster = sk_reader_u32le_at(&bpb, 44);
    if (bpb.err) {
        *why = "shorter than a boot sector";
        return SK_ECORRUPT;
    }
    if (sector == 0 || per_cluster == 0) {
        *why = "a BPB with zero-sized sectors or clusters";
        return SK_ECORRUPT;
    }
    uint64_t root_sectors = ((uint64_t)root_entries * 32 + sector - 1) / sector;
    /* With 32-bit sector counts, a byte of FATs and 16-bit sector sizes
     * none of these can wrap today; the checked forms keep that true if a
     * field ever widens, and say so where the arithmetic is */
    uint64_t all_fats, meta, fat_bytes, meta_bytes;
    int bad = sk_mul_u64(n_fats, fat_sectors, &all_fats);
    bad |= sk_add_u64(reserved + root_sectors, all_fats, &meta);
    bad |= sk_mul_u64(fat_sectors, sector, &fat_bytes);
    bad |= sk_mul_u64(meta, sector, &meta_bytes);
    if (bad || fat_sectors == 0 || meta >= total) {
        *why = "the BPB's areas do not fit in the volume";
        return SK_ECORRUPT;
    }
    uint64_t clusters = (total - meta) / per_cluster;
    v->bits = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
    v->sector = sector;
    v->cluster_bytes = sector * per_cluster;
    v->fat_off = (uint64_t)reserved * sector;
    v->fat_bytes = fat_bytes;
    v->root_off = (reserved + all_fats) * sector;
    v->root_bytes = root_sectors * sector;
    v->data_off = meta_bytes;
    v->root_cluster = v->bits == 32 ? root_cluster : 0;
    v->clusters = clusters > 0x0ffffff5u ? 0x0ffffff5u : (uint32_t)clusters;
    if (v->bits == 32 && (root_entries != 0 || v->root_cluster < 2)) {
        *why = "a FAT32 volume without a root directory cluster";
        return SK_ECORRUPT;
    }
    if (v->fat_off > v->len || v->fat_bytes > v->len - v->fat_off || v->data_off > v->len) {
        *why = "the FAT or the root directory lies past the end of the image";
        return SK_ECORRUPT;
    }
    uint64_t readable = (v->len - v->data_off) / v->cluster_bytes;
    v->readable = readable < v->clusters ? (uint32_t)readable : v->clusters;
    v->visited = sk_unpack_calloc(u, (size_t)v->readable / 8 + 1, 1);
    return v->visited ? 0 : SK_ENOMEM;
}

/* The FAT entry of cluster n, or a value >= 0x0ffffff7 (bad) if it cannot
 * be read; end-of-chain marks come back as 0x0ffffff8. */
static uint32_t fat_entry(const struct fat_volume *v, uint32_t n)
{
    /* the first FAT alone: an entry past it is bad even if the image goes on */
    struct sk_reader img = v->img;
    struct sk_reader fat = sk_reader_sub_at(&img, v->fat_off, (size_t)v->fat_bytes);
    uint64_t off = v->bits == 12 ? (uint64_t)n + n / 2 : (uint64_t)n * (v->bits / 8);
    uint32_t value;
    if (v->bits == 12) {
        value = sk_reader_u16le_at(&fat, off);
        value = (n & 1) ? value >> 4 : value & 0xfff;
        if (fat.err)
            return 0x0ffffff7u;
        return value >= 0xff8 ? 0x0ffffff8u : value == 0xff7 ? 0x0ffffff7u : value;
    }
    if (v->bits == 16) {
        value = sk_reader_u16le_at(&fat, off);
        if (fat.err)
            return 0x0ffffff7u;
        return value >= 0xfff8 ? 0x0ffffff8u : value == 0xfff7 ? 0x0ffffff7u : value;
    }
    value = sk_reader_u32le_at(&fat, off) & 0x0fffffffu;
    if (fat.err)
        return 0x0ffffff7u;
    return value >= 0x0ffffff8u ? 0x0ffffff8u : value;
}

/* The bytes of cluster n, marked visited; NULL (with *why) when n is not a
 * cluster of the image or was visited before. */
static const uint8_t *take_cluster(struct fat_volume *v, uint32_t n, const char **why)
{
    struct sk_reader img = v->img;
    if (n < 2 || n - 2 >= v->readable) {
        *why = n < 2 ? "a chain meets a free cluster"
                     : "a chain leaves the clusters the image holds";
        return NULL;
    }
    uint32_t i = n - 2;
    if (v->visited[i / 8] & (1u << (i % 8))) {
        *why = "a cluster chain loops or two chains share a cluster";
        return NULL;
    }
    v->visited[i / 8] |= (uint8_t)(1u << (i % 8));
    /* i < readable, so the cluster lies inside the image: the reader says so */
    const uint8_t *at =
        sk_reader_at(&img, v->data_off + (uint64_t)i * v->cluster_bytes, v->cluster_bytes);
    if (!at)
        *why = "a chain leaves the clusters the image holds";
    return at;
}

/* ---- directories --------------------------------------------------------- */

/* The checksum of the 11-byte short name (LDIR_Chksum). */
static uint8_t short_name_sum(struct sk_reader *e)
{
    const uint8_t *name = sk_reader_at(e, 0, 11);
    uint8_t sum = 0;
    for (int i = 0; name && i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]);
    return sum;
}

/* Gathers one long name entry (LDIR_Ord counts down to 1); e is the
 * 32-byte entry. */
static void long_entry(struct dir_reader *d, struct sk_reader *e)
{
    static const uint8_t at[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
    uint8_t ord = sk_reader_u8_at(e, 0), sum = sk_reader_u8_at(e, 13);
    unsigned seq = ord & 0x1fu;
    if (ord & 0x40) {
        memset(d->lfn, 0, sizeof d->lfn);
        d->lfn_ok = seq >= 1 && seq <= 20;
        d->lfn_expect = seq;
        d->lfn_sum = sum;
    }
    /* seq 0 never names a part: with lfn_expect run down to 0 it would
     * index the name buffer at -1 */
    if (!d->lfn_ok || seq == 0 || seq != d->lfn_expect || sum != d->lfn_sum) {
        d->lfn_ok = false;
        return;
    }
    for (unsigned i = 0; i < 13; i++)
        d->lfn[(seq - 1) * 13 + i] = sk_reader_u16le_at(e, at[i]);
    d->lfn_expect--;
}

/* The entry's name: its long name when whole, else the 8.3 name. */
static void entry_name(struct dir_reader *d, struct sk_reader *e, char *out, size_t cap)
{
    if (d->lfn_ok && d->lfn_expect == 0 && short_name_sum(e) == d->lfn_sum) {
        uint8_t units[FAT_LFN_UNITS * 2];
        for (unsigned i = 0; i < FAT_LFN_UNITS; i++) {
            uint16_t c = d->lfn[i] == 0xffff ? 0 : d->lfn[i];
            units[2 * i] = (uint8_t)c;
            units[2 * i + 1] = (uint8_t)(c >> 8);
        }
        sk_utf16le_to_utf8(units, FAT_LFN_UNITS, out, cap - 1);
        d->lfn_ok = false;
        if (out[0])
            return;
    }
    d->lfn_ok = false;
    uint8_t case_bits = sk_reader_u8_at(e, 12);
    size_t o = 0;
    for (unsigned i = 0; i < 11 && o + 2 < cap; i++) {
        uint8_t c = sk_reader_u8_at(e, i);
        if (i == 0 && c == 0x05)
            c = 0xe5;
        if (c == ' ')
            continue;
        if (i == 8 && o > 0)
            out[o++] = '.';
        bool lower = (i < 8 && (case_bits & 0x08)) || (i >= 8 && (case_bits & 0x10));
        out[o++] = (char)(lower && c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[o] = '\0';
}

struct walk {
    struct sk_unpack *u;
    struct fat_state *st;
    struct sk_dynbuf dirs; /* struct fat_dir each: the work list */
    size_t n_dirs;
    const char *why; /* the first corruption met */
    bool too_many, too_deep;
};

static struct fat_file *file_list(const struct fat_state *st)
{
    return (struct fat_file *)(void *)st->files.p;
}

static struct fat_dir *dir_list(const struct walk *w)
{
    return (struct fat_dir *)(void *)w->dirs.p;
}

/* Appends one element to a list and counts it: 0, SK_ENOMEM (recorded by
 * the entry point) or SK_ELIMIT (the cap, which the node limit keeps out
 * of reach). */
static int push(struct sk_dynbuf *list, size_t *n, const void *item, size_t size)
{
    int rc = sk_dynbuf_add(list, item, size);
    if (rc == 0)
        (*n)++;
    return rc;
}

/* One short entry: a file for the list, or a directory for the work list. */
static int add_entry(struct walk *w, const struct fat_dir *dir, struct sk_reader *e,
                     const char *name)
{
    struct fat_state *st = w->st;
    uint32_t cluster =
        (uint32_t)sk_reader_u16le_at(e, 20) << 16 | sk_reader_u16le_at(e, 26);
    uint8_t attr = sk_reader_u8_at(e, 11);
    uint32_t size = sk_reader_u32le_at(e, 28);
    if (st->vol.bits != 32)
        cluster &= 0xffff;
    if (st->n_files + w->n_dirs >= sk_unpack_limits(w->u)->max_nodes) {
        w->too_many = true;
        return 0;
    }
    char *path = sk_path_join(dir->path, name, FAT_PATH_MAX, sk_unpack_allocator(w->u));
    if (!path)
        return SK_ENOMEM;
    if (attr & ATTR_DIRECTORY) {
        if (dir->depth + 1 >= FAT_MAX_DEPTH || cluster == 0) {
            w->too_deep |= cluster != 0;
            free(path);
            return 0;
        }
        struct fat_dir sub = {path, cluster, dir->depth + 1};
        int rc = push(&w->dirs, &w->n_dirs, &sub, sizeof sub);
        if (rc != 0)
            free(path);
        return rc;
    }
    struct fat_file file = {path, cluster, size};
    int rc = push(&st->files, &st->n_files, &file, sizeof file);
    if (rc != 0)
        free(path);
    return rc;
}

/* Reads the 32-byte entries of one run of directory bytes; *end is set at
 * the 0x00 entry that ends the directory. */
static int read_entries(struct walk *w, const struct fat_dir *dir, struct dir_reader *d,
                        struct sk_reader *run, bool *end)
{
    while (sk_reader_left(run) >= 32) {
        struct sk_reader e = sk_reader_sub(run, 32);
        uint8_t first = sk_reader_u8_at(&e, 0), attr = sk_reader_u8_at(&e, 11);
        if (first == 0x00 || ++d->entries > FAT_MAX_DIR_ENTRIES) {
            *end = true;
            return 0;
        }
        if (first == 0xe5)
            continue;
        if ((attr & 0x3f) == ATTR_LONG_NAME) {
            long_entry(d, &e);
            continue;
        }
        char name[FAT_LFN_UNITS * 3 + 1];
        entry_name(d, &e, name, sizeof name);
        if ((attr & ATTR_VOLUME_ID) || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
            !name[0])
            continue;
        int rc = add_entry(w, dir, &e, name);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int read_dir(struct walk *w, const struct fat_dir *dir)
{
    struct fat_volume *v = &w->st->vol;
    struct dir_reader d;
    memset(&d, 0, sizeof d);
    bool end = false;
    if (dir->cluster == 0) {
        /* a fixed root directory cut short by the image is read as empty */
        struct sk_reader img = v->img;
        struct sk_reader root = sk_reader_sub_at(&img, v->root_off, (size_t)v->root_bytes);
        return read_entries(w, dir, &d, &root, &end);
    }
    for (uint32_t c = dir->cluster; !end && !sk_unpack_expired(w->u);) {
        const char *why = NULL;
        const uint8_t *bytes = take_cluster(v, c, &why);
        if (!bytes) {
            w->why = w->why ? w->why : why;
            return 0;
        }
        struct sk_reader run = sk_reader_make(bytes, v->cluster_bytes);
        int rc = read_entries(w, dir, &d, &run, &end);
        if (rc != 0)
            return rc;
        c = fat_entry(v, c);
        if (c == 0x0ffffff8u)
            break;
    }
    return 0;
}

/* Walks every directory from the root with an explicit work list. */
static int walk_dirs(struct sk_unpack *u, struct fat_state *st)
{
    struct walk w = {.u = u, .st = st};
    sk_unpack_dynbuf_init(u, &w.dirs, st->files.toobig);
    char *root = sk_unpack_calloc(u, 1, 1);
    struct fat_dir top = {root, st->vol.root_cluster, 0};
    int rc = root ? push(&w.dirs, &w.n_dirs, &top, sizeof top) : SK_ENOMEM;
    if (rc != 0)
        free(root);
    while (w.n_dirs > 0 && rc == 0) {
        struct fat_dir dir = dir_list(&w)[--w.n_dirs];
        sk_dynbuf_truncate(&w.dirs, w.n_dirs * sizeof dir);
        rc = read_dir(&w, &dir);
        free(dir.path);
    }
    while (w.n_dirs > 0)
        free(dir_list(&w)[--w.n_dirs].path);
    sk_dynbuf_free(&w.dirs);
    if (w.too_many)
        sk_unpack_reason(u, "limit.nodes", "more than %u files and directories",
                         sk_unpack_limits(u)->max_nodes);
    if (w.too_deep)
        sk_unpack_reason(u, "limit.depth", "directories nested deeper than %u", FAT_MAX_DEPTH);
    if (w.why)
        sk_unpack_fail(u, "fat", SK_ECORRUPT, "%s", w.why);
    return rc;
}

/* ---- the unpacker -------------------------------------------------------- */

static void free_state(struct fat_state *st)
{
    for (size_t i = 0; i < st->n_files; i++)
        free(file_list(st)[i].path);
    sk_dynbuf_free(&st->files);
    free(st->vol.visited);
    free(st);
}

static int open_fat(struct sk_unpack *u, void **state)
{
    struct fat_state *st = sk_unpack_calloc(u, 1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    sk_unpack_dynbuf_init(u, &st->files,
                          ((size_t)sk_unpack_limits(u)->max_nodes + 1) * sizeof(struct fat_file));
    st->vol.img = sk_reader_make(u->node->data.p, u->node->data.len);
    st->vol.len = u->node->data.len;
    const char *why = NULL;
    int rc = parse_bpb(u, &st->vol, &why);
    if (rc == 0)
        rc = walk_dirs(u, st);
    if (rc != 0) {
        if (why)
            sk_unpack_fail(u, "fat", rc, "%s", why);
        free_state(st);
        return rc;
    }
    sk_unpack_info(u, "format", "FAT%u", st->vol.bits);
    sk_unpack_info(u, "clusters", "%u of %u bytes", st->vol.clusters, st->vol.cluster_bytes);
    sk_unpack_info(u, "files", "%zu", st->n_files);
    *state = st;
    return 0;
}

/* Fills a file's bytes from its cluster chain. */
static int read_file(struct sk_unpack *u, struct fat_state *st, const struct fat_file *f,
                     struct sk_child *child)
{
    struct fat_volume *v = &st->vol;
    uint32_t left = f->size, c = f->cluster;
    /* The declared size is only a claim: reserve no more than the image holds. */
    uint64_t holds = (uint64_t)v->readable * v->cluster_bytes;
    int rc = sk_unpack_reserve(u, &child->data, f->size < holds ? f->size : holds);
    while (rc == 0 && left > 0) {
        const char *why = NULL;
        const uint8_t *bytes = c == 0x0ffffff8u ? NULL : take_cluster(v, c, &why);
        if (!bytes) {
            child->truncated = true;
            sk_unpack_fail(u, "fat", SK_ECORRUPT, "'%s': %s", f->path,
                           why ? why : "the chain ends before the file does");
            return 0;
        }
        uint32_t n = left < v->cluster_bytes ? left : v->cluster_bytes;
        rc = sk_unpack_append(u, &child->data, bytes, n);
        left -= n;
        c = fat_entry(v, c);
        if (c == 0x0ffffff7u && left > 0) {
            child->truncated = true;
            sk_unpack_fail(u, "fat", SK_ECORRUPT, "'%s': a chain meets a bad cluster", f->path);
            return 0;
        }
    }
    if (rc == SK_ELIMIT)
        child->truncated = true;
    return rc == SK_ELIMIT ? 0 : rc;
}

static int next_fat(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct fat_state *st = state;
    if (st->next_file >= st->n_files || sk_unpack_expired(u))
        return SK_DONE;
    const struct fat_file *f = &file_list(st)[st->next_file++];
    child->name = f->path;
    child->name_len = strlen(f->path);
    return read_file(u, st, f, child);
}

static void close_fat(void *state)
{
    free_state(state);
}

const struct sk_unpacker sk_unpacker_fat = {
    .name = "fat",
    .bid = bid,
    .open = open_fat,
    .next = next_fat,
    .close = close_fat,
};
