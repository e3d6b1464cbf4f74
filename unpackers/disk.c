/* Virtual disks that are not a file system themselves: VHD and VHDX, raw
 * disk images with a GPT, and the MBR or GPT partitions inside them. (UDF
 * is udf.c's, FAT volumes fat.c's, the GPT's structures gpt.c's.)
 *
 * Specs: Microsoft "Virtual Hard Disk Image Format Specification" 1.0: the
 * 512-byte hard disk footer (big-endian: Cookie "conectix", Data Offset,
 * Current Size, Disk Type 2 fixed / 3 dynamic / 4 differencing, Checksum as
 * the one's complement of the byte sum), the dynamic disk header
 * ("cxsparse", Table Offset, Max Table Entries, Block Size) and the Block
 * Allocation Table (sector offsets, 0xFFFFFFFF unallocated; each block a
 * sector bitmap padded to 512 bytes, then the data). [MS-VHDX] 2.2 (two
 * headers with CRC-32C and sequence numbers, the region table naming the
 * BAT and metadata regions), 2.5 (BAT entries: state in bits 0-2,
 * FileOffsetMB in bits 20-63, one sector bitmap entry after each chunk),
 * 2.6 (metadata: File Parameters, Virtual Disk Size, Logical Sector Size).
 * The classic MBR partition table (four 16-byte entries at 446: type byte
 * at 4, first LBA at 8, sector count at 12; 55 AA at 510); a protective
 * 0xEE entry there (UEFI 2.10, 5.2.3) hands the disk to gpt.c.
 *
 * Children: each MBR partition ("partition1".."partition4"), each used GPT
 * entry ("partitionN", N its index in the array, opened whatever its type
 * GUID: the child is sniffed), or the whole
 * disk ("volume") when it starts with a FAT boot sector instead of an MBR;
 * a FAT partition is then opened by fat.c. A fixed VHD's partitions are
 * views; a dynamic VHD's and a VHDX's are assembled block by block through
 * sk_unpack_append (blocks that hold no data read as zeros; sector bitmaps
 * are not consulted, as only differencing disks need them).
 * Refuses, never silently: differencing VHDs, VHDX files with a parent or a
 * log to replay and MBR partition types other than FAT are
 * error.unsupported with container.disk_image (what they hold cannot be
 * listed); the raw bytes of a non-FAT partition are still handed back and
 * scanned. A bad footer checksum, a missing VHDX header, region table or
 * metadata item, a block or partition outside the image, a GPT whose two
 * headers both fail is error.corrupt (the protective partition's bytes
 * still scanned). Limits: four MBR partitions, SK_GPT_MAX_PARTITIONS GPT ones; BAT entries are read only for the blocks a
 * partition covers, each checked against the BAT and the image; VHDX
 * tables are read with fixed caps (VHDX_MAX_*); assembled bytes go through
 * sk_unpack_append (node, total, ratio, time). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "gpt.h"
#include "unpacker.h"

#define MBR_PARTITIONS 4u
#define ZERO_CHUNK (64u * 1024u)

#define VHDX_MB (1024u * 1024u)
#define VHDX_HEADER_AT (64u * 1024u) /* the second copy follows at 128 KiB */
#define VHDX_REGIONS_AT (192u * 1024u)
#define VHDX_REGIONS_SIZE (64u * 1024u)
#define VHDX_MAX_REGIONS 2047u
#define VHDX_MAX_ITEMS 2047u

enum disk_kind { DISK_FLAT, DISK_VHD_DYNAMIC, DISK_VHDX };

/* The virtual disk behind a VHD or VHDX. */
struct vdisk {
    struct sk_reader img; /* the image: every read goes through it */
    size_t len;
    uint64_t size; /* bytes of the virtual disk */
    enum disk_kind kind;
    uint64_t bat_off, bat_len; /* bat_len: VHDX, in bytes */
    uint32_t bat_entries, block_size, bitmap_bytes;
    uint32_t chunk_ratio; /* VHDX: payload blocks per sector bitmap block */
    uint32_t sector;      /* the unit of MBR addresses: 512, or a VHDX's logical sector */
};

struct part {
    uint64_t off, size;
    char name[16];
};

struct disk_state {
    struct vdisk disk;
    struct part parts[SK_GPT_MAX_PARTITIONS]; /* MBR_PARTITIONS for an MBR */
    unsigned n_parts, next_part;
};

static const uint8_t zeros[ZERO_CHUNK];

/* An MBR whose table holds a protective (0xEE) entry: UEFI 5.2.3. */
static bool has_protective_entry(struct sk_reader *mbr)
{
    if (!sk_reader_match(mbr, 510, "\x55\xaa", 2))
        return false;
    for (unsigned i = 0; i < MBR_PARTITIONS; i++)
        if (sk_reader_u8_at(mbr, 446 + 16 * i + 4) == 0xee)
            return true;
    return false;
}

/* The bid: MS-VHDX 2.2's "vhdxfile" file type identifier; the VHD
 * specification's "conectix" cookie in the footer that ends a fixed VHD, or
 * in the copy that starts a dynamic one. 64 bits of magic each: 60. A raw
 * disk with a GPT (UEFI 5.2.3 and 5.3.2: a protective MBR entry, 55 AA,
 * then "EFI PART" at LBA 1 of 512 bytes): 80 bits, also 60, and the VHD
 * whose disk it is outranks it by its type's precedence. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    struct sk_reader r = sk_reader_make(node->data.p, node->data.len);
    if (sk_reader_match(&r, 0, "vhdxfile", 8))
        *type = SK_TYPE_VHDX;
    else if ((r.len >= 1024 && sk_reader_match(&r, r.len - 512, "conectix", 8)) ||
             sk_reader_match(&r, 0, "conectix", 8))
        *type = SK_TYPE_VHD;
    else if (sk_reader_match(&r, 512, "EFI PART", 8) && has_protective_entry(&r))
        *type = SK_TYPE_GPT;
    else
        return 0;
    return 60;
}

/* A VHDX payload block (MS-VHDX 2.5): its BAT entry sits after the entries
 * of the blocks before it and of the sector bitmap blocks of the chunks
 * before it; FULLY_PRESENT (6) blocks are at FileOffsetMB, the states that
 * hold no data (0 to 3) read as zeros. */
static const uint8_t *vhdx_span(const struct vdisk *d, uint64_t off, uint64_t *avail)
{
    uint64_t block = off / d->block_size, within = off % d->block_size;
    uint64_t index = block + block / d->chunk_ratio, at;
    struct sk_reader img = d->img;
    /* the BAT region was checked against the image by vhdx_region */
    struct sk_reader bat = sk_reader_sub_at(&img, d->bat_off, (size_t)d->bat_len);
    if (sk_mul_u64(index, 8, &at) != 0)
        return NULL;
    uint64_t entry = sk_reader_u64le_at(&bat, at);
    if (bat.err)
        return NULL;
    unsigned state = (unsigned)(entry & 7);
    uint64_t in_block = d->block_size - within;
    if (state <= 3) {
        *avail = in_block;
        return NULL;
    }
    if (state != 6)
        return NULL; /* partially present (a differencing disk) */
    /* FileOffsetMB has 44 bits: the product fits, but the sum with `within`
     * could wrap past 2^64 back into the image; a wrap is refused */
    uint64_t start;
    if (sk_mul_u64(entry >> 20, VHDX_MB, &start) != 0 || sk_add_u64(start, within, &at) != 0 ||
        at >= d->len)
        return NULL;
    *avail = in_block < d->len - at ? in_block : d->len - at;
    return sk_reader_at(&img, at, (size_t)*avail);
}

/* Bytes of the virtual disk at off: a pointer into the image and how many
 * follow contiguously (to the block's end), or NULL for an unallocated
 * span of *avail zero bytes. *avail is 0 when off is outside the image. */
static const uint8_t *vdisk_span(const struct vdisk *d, uint64_t off, uint64_t *avail)
{
    *avail = 0;
    if (off >= d->size)
        return NULL;
    struct sk_reader img = d->img;
    if (d->kind == DISK_FLAT) {
        const uint8_t *at = sk_reader_at(&img, off, (size_t)(d->size - off));
        *avail = at ? d->size - off : 0;
        return at;
    }
    if (d->kind == DISK_VHDX)
        return vhdx_span(d, off, avail);
    uint64_t block = off / d->block_size, within = off % d->block_size;
    /* bat_off comes from the header: the BAT is a sub-reader, so a huge
     * offset cannot wrap the sum back into the image */
    if (block >= d->bat_entries)
        return NULL;
    uint64_t entry_at;
    if (sk_add_u64(d->bat_off, block * 4, &entry_at) != 0)
        return NULL;
    uint32_t sector = sk_reader_u32be_at(&img, entry_at);
    if (img.err)
        return NULL;
    uint64_t in_block = d->block_size - within;
    if (sector == 0xffffffffu) {
        *avail = in_block;
        return NULL;
    }
    uint64_t at = (uint64_t)sector * 512 + d->bitmap_bytes + within;
    if (at >= d->len)
        return NULL;
    *avail = in_block < d->len - at ? in_block : d->len - at;
    return sk_reader_at(&img, at, (size_t)*avail);
}

/* The VHD footer (and for a dynamic disk its header): fills d. */
static int read_vhd(struct sk_unpack *u, struct vdisk *d, const char **why)
{
    struct sk_reader img = d->img;
    if (d->len < 512) {
        *why = "shorter than its footer";
        return SK_ECORRUPT;
    }
    bool at_end = d->len >= 1024 && sk_reader_match(&img, d->len - 512, "conectix", 8);
    struct sk_reader foot = sk_reader_sub_at(&img, at_end ? d->len - 512 : 0, 512);
    const uint8_t *bytes = sk_reader_at(&foot, 0, 512);
    uint32_t sum = 0;
    for (size_t i = 0; bytes && i < 512; i++)
        sum += (i >= 64 && i < 68) ? 0 : bytes[i];
    uint64_t data_offset = sk_reader_u64be_at(&foot, 16);
    d->size = sk_reader_u64be_at(&foot, 48);
    uint32_t type = sk_reader_u32be_at(&foot, 60), stored = sk_reader_u32be_at(&foot, 64);
    sk_unpack_info(u, "format", "VHD %s",
                   type == 2   ? "fixed"
                   : type == 3 ? "dynamic"
                   : type == 4 ? "differencing"
                               : "of unknown type");
    sk_unpack_info(u, "disk_size", "%llu bytes", (unsigned long long)d->size);
    if (stored != ~sum)
        sk_unpack_fail(u, "disk", SK_ECORRUPT, "VHD footer checksum mismatch");
    if (type == 2) {
        if (!at_end) {
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
    struct sk_reader h = sk_reader_sub_at(&img, data_offset, 36);
    bool cookie = sk_reader_match(&h, 0, "cxsparse", 8);
    d->bat_off = sk_reader_u64be_at(&h, 16);
    d->bat_entries = sk_reader_u32be_at(&h, 28);
    d->block_size = sk_reader_u32be_at(&h, 32);
    bool block_ok = d->block_size >= 512 && (d->block_size & (d->block_size - 1)) == 0;
    if (h.err || !cookie || !block_ok) {
        *why = "the dynamic disk header is missing or invalid";
        return SK_ECORRUPT;
    }
    uint32_t bitmap = d->block_size / 512 / 8;
    d->bitmap_bytes = (bitmap + 511) / 512 * 512;
    d->kind = DISK_VHD_DYNAMIC;
    return 0;
}

/* ---- VHDX (MS-VHDX 2.2-2.6) ---------------------------------------------- */

/* CRC-32C (Castagnoli, reflected), with the 4-byte checksum field at
 * `field` taken as zero, as MS-VHDX 2.2.2 computes header checksums. */
static uint32_t crc32c(const uint8_t *p, size_t n, size_t field)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= (i >= field && i < field + 4) ? 0 : p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* The current header: of the two copies whose signature and checksum hold,
 * the one with the larger SequenceNumber (2.2.2.1); a reader over its 4 KiB,
 * with err set when neither holds. */
static struct sk_reader vhdx_header(const struct vdisk *d)
{
    struct sk_reader best = {NULL, 0, 0, SK_ECORRUPT};
    uint64_t best_seq = 0;
    for (size_t i = 1; i <= 2; i++) {
        struct sk_reader img = d->img;
        struct sk_reader h = sk_reader_sub_at(&img, VHDX_HEADER_AT * i, 4096);
        const uint8_t *bytes = sk_reader_at(&h, 0, 4096);
        uint32_t sum = sk_reader_u32le_at(&h, 4);
        uint64_t seq = sk_reader_u64le_at(&h, 8);
        if (!bytes || h.err || !sk_reader_match(&h, 0, "head", 4) ||
            sum != crc32c(bytes, 4096, 4))
            continue;
        if (best.err || seq > best_seq) {
            best = h;
            best_seq = seq;
        }
    }
    return best;
}

/* A 32-byte table entry (a GUID first) of a region table (2.2.3.2) or a
 * metadata table (2.6.1.2) whose GUID is `guid`: a reader over its 16
 * remaining bytes, with err set when there is none among the `count`
 * entries that follow in r. */
static struct sk_reader find_entry(struct sk_reader *r, uint32_t count, const uint8_t guid[16])
{
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *id = sk_reader_bytes(r, 16);
        struct sk_reader rest = sk_reader_sub(r, 16);
        if (r->err)
            break;
        if (memcmp(id, guid, 16) == 0)
            return rest;
    }
    struct sk_reader none = {NULL, 0, 0, SK_ETRUNC};
    return none;
}

/* A region (2.2.3) inside the image: its offset and length. The caller
 * checked that the image holds the region table. */
static int vhdx_region(const struct vdisk *d, const uint8_t guid[16], uint64_t *off,
                       uint64_t *len)
{
    struct sk_reader img = d->img;
    struct sk_reader r = sk_reader_sub_at(&img, VHDX_REGIONS_AT, VHDX_REGIONS_SIZE);
    const uint8_t *table = sk_reader_at(&r, 0, VHDX_REGIONS_SIZE);
    const uint8_t *sig = sk_reader_bytes(&r, 4);
    uint32_t sum = sk_reader_u32le(&r), count = sk_reader_u32le(&r);
    sk_reader_skip(&r, 4);
    if (r.err || memcmp(sig, "regi", 4) != 0 || sum != crc32c(table, VHDX_REGIONS_SIZE, 4) ||
        count > VHDX_MAX_REGIONS)
        return SK_ECORRUPT;
    struct sk_reader e = find_entry(&r, count, guid);
    *off = sk_reader_u64le(&e);
    *len = sk_reader_u32le(&e);
    if (e.err)
        return SK_ECORRUPT;
    return *off <= d->len && *len <= d->len - *off ? 0 : SK_ECORRUPT;
}

/* A metadata item (2.6.1) of at least `need` bytes: a reader over it, with
 * err set when there is none. The metadata region [meta, meta + meta_len)
 * lies inside the image (vhdx_region) but may be shorter than its table
 * (even empty, at the image's very end): everything is read through a
 * reader over the region, so its header is never read past it. */
static struct sk_reader vhdx_item(const struct vdisk *d, uint64_t meta, uint64_t meta_len,
                                  const uint8_t guid[16], uint32_t need)
{
    struct sk_reader img = d->img;
    struct sk_reader region = sk_reader_sub_at(&img, meta, (size_t)meta_len);
    struct sk_reader r = region;
    bool sig = sk_reader_match(&r, 0, "metadata", 8);
    sk_reader_skip(&r, 10);
    uint16_t count = sk_reader_u16le(&r);
    sk_reader_skip(&r, 20);
    struct sk_reader none = {NULL, 0, 0, SK_ECORRUPT};
    if (r.err || !sig || count > VHDX_MAX_ITEMS)
        return none;
    struct sk_reader e = find_entry(&r, count, guid);
    uint32_t off = sk_reader_u32le(&e), len = sk_reader_u32le(&e);
    if (e.err || len < need)
        return none;
    return sk_reader_sub_at(&region, off, len);
}

static int read_vhdx(struct sk_unpack *u, struct vdisk *d, const char **why)
{
    static const uint8_t bat_guid[16] = {0x66, 0x77, 0xc2, 0x2d, 0x23, 0xf6, 0x00, 0x42,
                                         0x9d, 0x64, 0x11, 0x5e, 0x9b, 0xfd, 0x4a, 0x08};
    static const uint8_t meta_guid[16] = {0x06, 0xa2, 0x7c, 0x8b, 0x90, 0x47, 0x9a, 0x4b,
                                          0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e};
    static const uint8_t params_guid[16] = {0x37, 0x67, 0xa1, 0xca, 0x36, 0xfa, 0x43, 0x4d,
                                            0xb3, 0xb6, 0x33, 0xf0, 0xaa, 0x44, 0xe7, 0x6b};
    static const uint8_t size_guid[16] = {0x24, 0x42, 0xa5, 0x2f, 0x1b, 0xcd, 0x76, 0x48,
                                          0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8};
    static const uint8_t sector_guid[16] = {0x1d, 0xbf, 0x41, 0x81, 0x6f, 0xa9, 0x09, 0x47,
                                            0xba, 0x47, 0xf2, 0x33, 0xa8, 0xfa, 0xab, 0x5f};
    static const uint8_t no_log[16] = {0};
    *why = "no valid header, region table or metadata";
    struct sk_reader h = vhdx_header(d);
    uint64_t meta, meta_len;
    if (d->len < VHDX_REGIONS_AT + VHDX_REGIONS_SIZE || h.err ||
        vhdx_region(d, bat_guid, &d->bat_off, &d->bat_len) != 0 ||
        vhdx_region(d, meta_guid, &meta, &meta_len) != 0)
        return SK_ECORRUPT;
    struct sk_reader params = vhdx_item(d, meta, meta_len, params_guid, 8);
    struct sk_reader size = vhdx_item(d, meta, meta_len, size_guid, 8);
    struct sk_reader sector = vhdx_item(d, meta, meta_len, sector_guid, 4);
    d->block_size = sk_reader_u32le_at(&params, 0);
    uint32_t flags = sk_reader_u32le_at(&params, 4);
    d->size = sk_reader_u64le_at(&size, 0);
    uint32_t logical = sk_reader_u32le_at(&sector, 0);
    if (params.err || size.err || sector.err)
        return SK_ECORRUPT;
    sk_unpack_info(u, "format", "VHDX");
    sk_unpack_info(u, "disk_size", "%llu bytes", (unsigned long long)d->size);
    if (!sk_reader_match(&h, 48, no_log, 16) || (flags & 2)) {
        *why = "a VHDX with a log to replay or a parent disk";
        return SK_EUNSUPPORTED;
    }
    bool block_ok = d->block_size >= VHDX_MB && d->block_size <= 256u * VHDX_MB &&
                    (d->block_size & (d->block_size - 1)) == 0;
    if (!block_ok || (logical != 512 && logical != 4096)) {
        *why = "a VHDX block or sector size out of range";
        return SK_ECORRUPT;
    }
    d->chunk_ratio = (uint32_t)((8388608ull * logical) / d->block_size);
    d->sector = logical;
    d->kind = DISK_VHDX;
    return 0;
}

/* Partition types whose file systems are walked: FAT (fat.c) and 0x07,
 * NTFS (ntfs.c) or exFAT, which nothing reads: an exFAT volume is then an
 * unknown child and fails closed there. */
static bool is_listed_type(uint8_t t)
{
    return t == 0x01 || t == 0x04 || t == 0x06 || t == 0x07 || t == 0x0b || t == 0x0c ||
           t == 0x0e;
}

/* A boot sector with a BPB (the disk is one volume, no partition table). */
static bool is_boot_sector(struct sk_reader *s)
{
    uint8_t jump = sk_reader_u8_at(s, 0), per_cluster = sk_reader_u8_at(s, 13);
    uint16_t sector = sk_reader_u16le_at(s, 11);
    return !s->err && (jump == 0xeb || jump == 0xe9) &&
           (sector == 512 || sector == 1024 || sector == 2048 || sector == 4096) &&
           per_cluster != 0 && (per_cluster & (per_cluster - 1)) == 0;
}

/* Copies n bytes of the virtual disk at off into buf (unallocated spans as
 * zeros): gpt.c's view of the disk. */
static int vdisk_read(void *ctx, uint64_t off, uint8_t *buf, size_t n)
{
    const struct vdisk *d = ctx;
    /* each turn copies avail > 0 bytes, so n bounds the turns */
    for (size_t done = 0; done < n;) {
        uint64_t avail, at;
        if (sk_add_u64(off, done, &at) != 0)
            return SK_ECORRUPT;
        const uint8_t *src = vdisk_span(d, at, &avail);
        if (avail == 0)
            return SK_ETRUNC;
        size_t k = avail < n - done ? (size_t)avail : n - done;
        if (src)
            memcpy(buf + done, src, k);
        else
            memset(buf + done, 0, k);
        done += k;
    }
    return 0;
}

/* The GPT's partitions (gpt.c), each in the disk, into st; false when
 * neither header holds, the caller then scans the protective partition's
 * raw bytes as before. */
static bool read_gpt(struct sk_unpack *u, struct disk_state *st)
{
    struct sk_gpt *gpt = malloc(sizeof *gpt); /* 5 KiB: not on a worker's stack */
    if (!gpt)
        return false;
    struct sk_gpt_disk view = {vdisk_read, &st->disk, st->disk.size, st->disk.sector};
    int rc = sk_gpt_read(&view, gpt);
    if (rc != 0) {
        sk_unpack_fail(u, "disk", SK_ECORRUPT, "GPT: neither header holds (the primary: %s)",
                       gpt->problem);
        free(gpt);
        return false;
    }
    sk_unpack_info(u, "partition_table", "GPT%s", gpt->backup_used ? " (backup header)" : "");
    if (gpt->primary_bad)
        sk_unpack_fail(u, "disk", SK_ECORRUPT, "GPT primary header: %s; the backup is read",
                       gpt->problem);
    if (gpt->dropped) {
        /* no tool writes more than 128 entries: the rest go unlisted, loudly */
        sk_unpack_reason(u, "container.disk_image", "GPT partitions past the first %u not listed",
                         SK_GPT_MAX_PARTITIONS);
        sk_unpack_fail(u, "disk", SK_EUNSUPPORTED, "GPT: %u partitions past the first %u not read",
                       gpt->dropped, SK_GPT_MAX_PARTITIONS);
    }
    for (unsigned i = 0; i < gpt->n_parts; i++) {
        const struct sk_gpt_partition *g = &gpt->parts[i];
        uint64_t off, end;
        if (g->last_lba < g->first_lba || sk_mul_u64(g->first_lba, st->disk.sector, &off) != 0 ||
            sk_mul_u64(g->last_lba - g->first_lba + 1, st->disk.sector, &end) != 0 ||
            off >= st->disk.size || end > st->disk.size - off) {
            sk_unpack_fail(u, "disk", SK_ECORRUPT, "GPT partition %u lies outside the disk",
                           g->index);
            continue;
        }
        struct part *p = &st->parts[st->n_parts++];
        p->off = off;
        p->size = end;
        snprintf(p->name, sizeof p->name, "partition%u", g->index);
    }
    free(gpt);
    return true;
}

static void refuse_partition(struct sk_unpack *u, unsigned i, uint8_t type)
{
    sk_unpack_reason(u, "container.disk_image",
                     "partition %u of type 0x%02x cannot be listed: what it holds is unknown",
                     i, type);
    sk_unpack_fail(u, "disk", SK_EUNSUPPORTED,
                   "partition %u: type 0x%02x (%s) is not read; its raw bytes are scanned", i,
                   type,
                   type == 0xee ? "GPT" : "not FAT or NTFS");
}

/* The MBR's partitions (or the whole disk as one volume). */
static int read_partitions(struct sk_unpack *u, struct disk_state *st)
{
    uint64_t avail;
    const uint8_t *first = vdisk_span(&st->disk, 0, &avail);
    /* vdisk_span vouches for avail bytes at first */
    struct sk_reader mbr = sk_reader_make(first, first && avail >= 512 ? 512 : 0);
    if (!sk_reader_match(&mbr, 510, "\x55\xaa", 2)) {
        sk_unpack_fail(u, "disk", SK_ECORRUPT, "no partition table or boot sector");
        return 0;
    }
    if (is_boot_sector(&mbr)) {
        st->parts[0] = (struct part){0, st->disk.size, "volume"};
        st->n_parts = 1;
        return 0;
    }
    /* a GPT that holds is the disk's table (a hybrid MBR's other entries
     * repeat some of its partitions); one that does not leaves the
     * protective partition's raw bytes to be scanned, already failed */
    bool gpt = has_protective_entry(&mbr);
    if (gpt && read_gpt(u, st)) {
        sk_unpack_info(u, "partitions", "%u", st->n_parts);
        return 0;
    }
    for (unsigned i = 0; i < MBR_PARTITIONS; i++) {
        struct sk_reader e = sk_reader_sub_at(&mbr, 446 + 16 * i, 16);
        uint8_t type = sk_reader_u8_at(&e, 4);
        uint64_t lba = sk_reader_u32le_at(&e, 8), count = sk_reader_u32le_at(&e, 12);
        if (type == 0 || count == 0)
            continue;
        if (!is_listed_type(type) && !(gpt && type == 0xee))
            refuse_partition(u, i + 1, type);
        uint64_t off = lba * st->disk.sector, size = count * st->disk.sector;
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

/* A raw disk image: the disk is the image. */
static int read_raw(struct sk_unpack *u, struct vdisk *d)
{
    d->size = d->len;
    sk_unpack_info(u, "format", "raw disk image");
    sk_unpack_info(u, "disk_size", "%llu bytes", (unsigned long long)d->size);
    return 0;
}

static int open_disk(struct sk_unpack *u, void **state)
{
    struct disk_state *st = calloc(1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    st->disk.img = sk_reader_make(u->node->data.p, u->node->data.len);
    st->disk.len = u->node->data.len;
    st->disk.sector = 512;
    const char *why = NULL;
    bool vhdx = u->node->type == SK_TYPE_VHDX;
    int rc = u->node->type == SK_TYPE_GPT ? read_raw(u, &st->disk)
             : vhdx                       ? read_vhdx(u, &st->disk, &why)
                                          : read_vhd(u, &st->disk, &why);
    if (rc == SK_EUNSUPPORTED)
        sk_unpack_reason(u, "container.disk_image", "%s not opened: %s", vhdx ? "VHDX" : "VHD",
                         why);
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
    if (st->disk.kind != DISK_FLAT)
        return assemble(u, &st->disk, p, child);
    /* read_partitions kept the partition inside the disk, and a fixed disk
     * inside the image: the reader checks it again rather than trusting that */
    struct sk_reader img = st->disk.img;
    const uint8_t *bytes = sk_reader_at(&img, p->off, (size_t)p->size);
    if (!bytes) {
        sk_unpack_fail(u, "disk", SK_ECORRUPT, "%s lies outside the image", p->name);
        child->truncated = true;
        return 0;
    }
    return sk_unpack_view(u, &child->data, bytes, (size_t)p->size);
}

static void close_disk(void *state)
{
    free(state);
}

const struct sk_unpacker sk_unpacker_disk = {
    .name = "disk",
    .bid = bid,
    .open = open_disk,
    .next = next_disk,
    .close = close_disk,
};
