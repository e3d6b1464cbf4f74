/* Disk images that are not a file system themselves: VHD, and the MBR
 * partitions inside; VHDX is recognised and refused (UDF is udf.c's).
 *
 * Specs: Microsoft "Virtual Hard Disk Image Format Specification" 1.0: the
 * 512-byte hard disk footer (big-endian: Cookie "conectix", Data Offset,
 * Current Size, Disk Type 2 fixed / 3 dynamic / 4 differencing, Checksum as
 * the one's complement of the byte sum), the dynamic disk header
 * ("cxsparse", Table Offset, Max Table Entries, Block Size) and the Block
 * Allocation Table (sector offsets, 0xFFFFFFFF unallocated; each block a
 * sector bitmap padded to 512 bytes, then the data); the classic MBR
 * partition table (four 16-byte entries at 446: type byte at 4, first LBA
 * at 8, sector count at 12; 55 AA at 510). MS-VHDX is only sniffed.
 *
 * Children: each MBR partition ("partition1".."partition4"), or the whole
 * disk ("volume") when it starts with a FAT boot sector instead of an MBR;
 * a FAT partition is then opened by fat.c. A fixed VHD's partitions are
 * views; a dynamic VHD's are assembled block by block through
 * sk_unpack_append (unallocated blocks read as zeros; sector bitmaps are
 * not consulted, their data sectors are taken as written).
 * Refuses, never silently: VHDX, differencing VHDs, GPT and partition
 * types other than FAT are error.unsupported with container.disk_image
 * (what they hold cannot be listed); the raw bytes of a non-FAT partition
 * are still handed back and scanned. A bad footer checksum, a BAT or a
 * partition outside the image is error.corrupt.
 * Limits: four partitions; BAT entries are read only for the blocks a
 * partition covers, each checked against the image; assembled bytes go
 * through sk_unpack_append (node, total, ratio, time). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "unpacker.h"

#define MBR_PARTITIONS 4u
#define ZERO_CHUNK (64u * 1024u)

/* The virtual disk behind a VHD. */
struct vdisk {
    const uint8_t *p; /* the image */
    size_t len;
    uint64_t size; /* bytes of the virtual disk */
    bool dynamic;
    uint64_t bat_off;
    uint32_t bat_entries, block_size, bitmap_bytes;
};

struct part {
    uint64_t off, size;
    char name[16];
};

struct disk_state {
    struct vdisk disk;
    struct part parts[MBR_PARTITIONS];
    unsigned n_parts, next_part;
};

static const uint8_t zeros[ZERO_CHUNK];

static int probe(const struct sk_node *node)
{
    return node->type == SK_TYPE_VHD || node->type == SK_TYPE_VHDX ? 60 : 0;
}

static uint64_t be64(struct sk_reader *r)
{
    uint64_t hi = sk_reader_u32be(r);
    return hi << 32 | sk_reader_u32be(r);
}

/* Bytes of the virtual disk at off: a pointer into the image and how many
 * follow contiguously (to the block's end), or NULL for an unallocated
 * span of *avail zero bytes. *avail is 0 when off is outside the image. */
static const uint8_t *vdisk_span(const struct vdisk *d, uint64_t off, uint64_t *avail)
{
    *avail = 0;
    if (off >= d->size)
        return NULL;
    if (!d->dynamic) {
        *avail = d->size - off;
        return d->p + off;
    }
    uint64_t block = off / d->block_size, within = off % d->block_size;
    uint64_t entry = d->bat_off + block * 4;
    if (block >= d->bat_entries || entry + 4 > d->len)
        return NULL;
    struct sk_reader r = sk_reader_make(d->p + entry, 4);
    uint32_t sector = sk_reader_u32be(&r);
    uint64_t in_block = d->block_size - within;
    if (sector == 0xffffffffu) {
        *avail = in_block;
        return NULL;
    }
    uint64_t at = (uint64_t)sector * 512 + d->bitmap_bytes + within;
    if (at >= d->len)
        return NULL;
    *avail = in_block < d->len - at ? in_block : d->len - at;
    return d->p + at;
}

/* The VHD footer (and for a dynamic disk its header): fills d. */
static int read_vhd(struct sk_unpack *u, struct vdisk *d, const char **why)
{
    if (d->len < 512) {
        *why = "shorter than its footer";
        return SK_ECORRUPT;
    }
    const uint8_t *foot = d->len >= 1024 && memcmp(d->p + d->len - 512, "conectix", 8) == 0
                              ? d->p + d->len - 512
                              : d->p;
    uint32_t sum = 0;
    for (int i = 0; i < 512; i++)
        sum += (i >= 64 && i < 68) ? 0 : foot[i];
    struct sk_reader r = sk_reader_make(foot, 512);
    sk_reader_seek(&r, 16);
    uint64_t data_offset = be64(&r);
    sk_reader_seek(&r, 48);
    d->size = be64(&r);
    sk_reader_seek(&r, 60);
    uint32_t type = sk_reader_u32be(&r), stored = sk_reader_u32be(&r);
    sk_unpack_info(u, "format", "VHD %s",
                   type == 2   ? "fixed"
                   : type == 3 ? "dynamic"
                   : type == 4 ? "differencing"
                               : "of unknown type");
    sk_unpack_info(u, "disk_size", "%llu bytes", (unsigned long long)d->size);
    if (stored != ~sum)
        sk_unpack_fail(u, "disk", SK_ECORRUPT, "VHD footer checksum mismatch");
    if (type == 2) {
        if (foot == d->p) {
            *why = "a fixed VHD whose footer is not at its end";
            return SK_ECORRUPT;
        }
        if (d->size > d->len - 512)
            d->size = d->len - 512; /* a truncated image: what is there */
        return 0;
    }
    if (type != 3) {
        *why = "differencing or unknown VHD disk type (needs its parent)";
        return SK_EUNSUPPORTED;
    }
    struct sk_reader h = sk_reader_make(d->p, d->len);
    sk_reader_seek(&h, data_offset > d->len ? d->len : (size_t)data_offset);
    const uint8_t *cookie = sk_reader_bytes(&h, 8);
    sk_reader_skip(&h, 8);
    d->bat_off = be64(&h);
    sk_reader_skip(&h, 4);
    d->bat_entries = sk_reader_u32be(&h);
    d->block_size = sk_reader_u32be(&h);
    bool block_ok = d->block_size >= 512 && (d->block_size & (d->block_size - 1)) == 0;
    if (h.err || memcmp(cookie, "cxsparse", 8) != 0 || !block_ok) {
        *why = "the dynamic disk header is missing or invalid";
        return SK_ECORRUPT;
    }
    uint32_t bitmap = d->block_size / 512 / 8;
    d->bitmap_bytes = (bitmap + 511) / 512 * 512;
    d->dynamic = true;
    return 0;
}

static bool is_fat_type(uint8_t t)
{
    return t == 0x01 || t == 0x04 || t == 0x06 || t == 0x0b || t == 0x0c || t == 0x0e;
}

/* A boot sector with a BPB (the disk is one volume, no partition table). */
static bool is_boot_sector(const uint8_t *s)
{
    uint16_t sector = (uint16_t)(s[11] | s[12] << 8);
    return (s[0] == 0xeb || s[0] == 0xe9) &&
           (sector == 512 || sector == 1024 || sector == 2048 || sector == 4096) &&
           s[13] != 0 && (s[13] & (s[13] - 1)) == 0;
}

static void refuse_partition(struct sk_unpack *u, unsigned i, uint8_t type)
{
    sk_unpack_reason(u, "container.disk_image",
                     "partition %u of type 0x%02x cannot be listed: what it holds is unknown",
                     i, type);
    sk_unpack_fail(u, "disk", SK_EUNSUPPORTED,
                   "partition %u: type 0x%02x (%s) is not read; its raw bytes are scanned", i,
                   type,
                   type == 0xee   ? "GPT"
                   : type == 0x07 ? "NTFS or exFAT"
                                  : "not FAT");
}

/* The MBR's partitions (or the whole disk as one volume). */
static int read_partitions(struct sk_unpack *u, struct disk_state *st)
{
    uint64_t avail;
    const uint8_t *mbr = vdisk_span(&st->disk, 0, &avail);
    if (!mbr || avail < 512 || mbr[510] != 0x55 || mbr[511] != 0xaa) {
        sk_unpack_fail(u, "disk", SK_ECORRUPT, "no partition table or boot sector");
        return 0;
    }
    if (is_boot_sector(mbr)) {
        st->parts[0] = (struct part){0, st->disk.size, "volume"};
        st->n_parts = 1;
        return 0;
    }
    for (unsigned i = 0; i < MBR_PARTITIONS; i++) {
        const uint8_t *e = mbr + 446 + 16 * i;
        uint8_t type = e[4];
        uint64_t lba = (uint32_t)(e[8] | e[9] << 8 | e[10] << 16 | (uint32_t)e[11] << 24);
        uint64_t count = (uint32_t)(e[12] | e[13] << 8 | e[14] << 16 | (uint32_t)e[15] << 24);
        if (type == 0 || count == 0)
            continue;
        if (!is_fat_type(type))
            refuse_partition(u, i + 1, type);
        uint64_t off = lba * 512, size = count * 512;
        if (off >= st->disk.size || size > st->disk.size - off) {
            sk_unpack_fail(u, "disk", SK_ECORRUPT, "partition %u lies outside the disk", i + 1);
            continue;
        }
        struct part *p = &st->parts[st->n_parts++];
        p->off = off;
        p->size = size;
        snprintf(p->name, sizeof p->name, "partition%u", i + 1);
    }
    sk_unpack_info(u, "partitions", "%u", st->n_parts);
    return 0;
}

static int open_disk(struct sk_unpack *u, void **state)
{
    enum sk_type type = u->node->type;
    if (type == SK_TYPE_VHDX) {
        sk_unpack_reason(u, "container.disk_image",
                         "VHDX image not opened: what it holds is unknown");
        sk_unpack_fail(u, "disk", SK_EUNSUPPORTED, "VHDX images are not read");
        return SK_EUNSUPPORTED;
    }
    struct disk_state *st = calloc(1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    st->disk.p = u->node->data.p;
    st->disk.len = u->node->data.len;
    const char *why = NULL;
    int rc = read_vhd(u, &st->disk, &why);
    if (rc == SK_EUNSUPPORTED)
        sk_unpack_reason(u, "container.disk_image", "VHD not opened: %s", why);
    if (rc == 0)
        rc = read_partitions(u, st);
    if (rc != 0) {
        if (why)
            sk_unpack_fail(u, "disk", rc, "%s", why);
        free(st);
        return rc;
    }
    *state = st;
    return 0;
}

/* A dynamic disk's partition, copied span by span. */
static int assemble(struct sk_unpack *u, const struct vdisk *d, const struct part *p,
                    struct sk_child *child)
{
    int rc = sk_unpack_reserve(u, &child->data, p->size < d->len ? p->size : d->len);
    for (uint64_t done = 0; rc == 0 && done < p->size;) {
        uint64_t avail;
        const uint8_t *bytes = vdisk_span(d, p->off + done, &avail);
        if (avail == 0) {
            sk_unpack_fail(u, "disk", SK_ECORRUPT, "%s: a block lies outside the image",
                           p->name);
            child->truncated = true;
            return 0;
        }
        uint64_t n = avail < p->size - done ? avail : p->size - done;
        if (!bytes && n > ZERO_CHUNK)
            n = ZERO_CHUNK;
        rc = sk_unpack_append(u, &child->data, bytes ? bytes : zeros, (size_t)n);
        done += n;
    }
    if (rc == SK_ELIMIT)
        child->truncated = true;
    return rc == SK_ELIMIT ? 0 : rc;
}

static int next_disk(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct disk_state *st = state;
    if (st->next_part >= st->n_parts)
        return SK_DONE;
    const struct part *p = &st->parts[st->next_part++];
    child->name = p->name;
    child->name_len = strlen(p->name);
    if (st->disk.dynamic)
        return assemble(u, &st->disk, p, child);
    return sk_unpack_view(u, &child->data, st->disk.p + p->off, (size_t)p->size);
}

static void close_disk(void *state)
{
    free(state);
}

const struct sk_unpacker sk_unpacker_disk = {
    .name = "disk",
    .probe = probe,
    .open = open_disk,
    .next = next_disk,
    .close = close_disk,
};
