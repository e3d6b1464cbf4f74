/* The GUID Partition Table, UEFI Specification 2.10 section 5.3: the GPT
 * header (5.3.2: "EFI PART", HeaderSize, HeaderCRC32 over HeaderSize bytes
 * with its own field zeroed, MyLBA, PartitionEntryLBA,
 * NumberOfPartitionEntries, SizeOfPartitionEntry as 128 * 2^n,
 * PartitionEntryArrayCRC32) and the partition entry (5.3.3: type GUID, a
 * zero GUID for an unused entry, StartingLBA and EndingLBA inclusive).
 * 5.3.2 also says where to look when the primary header fails: the backup
 * header at the disk's last LBA, with its own entry array.
 * Limits: the array may declare SK_GPT_MAX_ARRAY_BYTES at most and is read
 * entry by entry (SK_GPT_MAX_ENTRY bytes each, on the stack); at most
 * SK_GPT_MAX_PARTITIONS partitions are kept. zlib's crc32 is the spec's
 * CRC32 (ISO 3309, as in 5.3.2's note). */
#include "gpt.h"

#include <string.h>
#include <zlib.h>

#include "../engine/error.h"
#include "../engine/reader.h"

#define HEADER_MIN 92u
#define MAX_SECTOR 4096u

static uint32_t crc_more(uint32_t crc, const uint8_t *p, size_t n)
{
    return (uint32_t)crc32(crc, p, (uInt)n);
}

/* The header's CRC32 over its first size bytes, the CRC field taken as 0. */
static uint32_t header_crc(struct sk_reader *h, uint32_t size)
{
    static const uint8_t zero[4];
    const uint8_t *head = sk_reader_at(h, 0, 16), *rest = sk_reader_at(h, 20, size - 20);
    if (!head || !rest)
        return 0;
    uint32_t crc = crc_more(0, head, 16);
    crc = crc_more(crc, zero, 4);
    return crc_more(crc, rest, size - 20);
}

/* Reads the count entries of esize bytes at byte offset at into out, and
 * checks the array's CRC32 against expect. */
static int read_entries(const struct sk_gpt_disk *d, uint64_t at, uint32_t count, uint32_t esize,
                        uint32_t expect, struct sk_gpt *out, const char **why)
{
    static const uint8_t unused[16];
    uint8_t entry[SK_GPT_MAX_ENTRY];
    uint32_t crc = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t off;
        if (sk_add_u64(at, (uint64_t)i * esize, &off) != 0 ||
            d->read(d->ctx, off, entry, esize) != 0) {
            *why = "its partition entry array lies outside the disk";
            return SK_ECORRUPT;
        }
        crc = crc_more(crc, entry, esize);
        struct sk_reader e = sk_reader_make(entry, esize);
        if (sk_reader_match(&e, 0, unused, 16))
            continue;
        if (out->n_parts == SK_GPT_MAX_PARTITIONS) {
            out->dropped++;
            continue;
        }
        struct sk_gpt_partition *p = &out->parts[out->n_parts++];
        p->index = i + 1;
        memcpy(p->type, sk_reader_at(&e, 0, 16), 16);
        p->first_lba = sk_reader_u64le_at(&e, 32);
        p->last_lba = sk_reader_u64le_at(&e, 40);
    }
    if (crc != expect) {
        *why = "its partition entry array's CRC32 does not match";
        return SK_ECORRUPT;
    }
    return 0;
}

/* The header at lba and its entry array, into out (emptied on failure). */
static int read_table(const struct sk_gpt_disk *d, uint64_t lba, struct sk_gpt *out,
                      const char **why)
{
    uint8_t sector[MAX_SECTOR];
    uint64_t off;
    out->n_parts = out->dropped = 0;
    if (sk_mul_u64(lba, d->sector, &off) != 0 || d->read(d->ctx, off, sector, d->sector) != 0) {
        *why = "its header lies outside the disk";
        return SK_ECORRUPT;
    }
    struct sk_reader h = sk_reader_make(sector, d->sector);
    uint32_t size = sk_reader_u32le_at(&h, 12), crc = sk_reader_u32le_at(&h, 16);
    uint64_t my_lba = sk_reader_u64le_at(&h, 24), array_lba = sk_reader_u64le_at(&h, 72);
    uint32_t count = sk_reader_u32le_at(&h, 80), esize = sk_reader_u32le_at(&h, 84);
    uint32_t array_crc = sk_reader_u32le_at(&h, 88);
    uint64_t array_at;
    if (!sk_reader_match(&h, 0, "EFI PART", 8))
        *why = "no \"EFI PART\" header";
    else if (size < HEADER_MIN || size > d->sector || header_crc(&h, size) != crc)
        *why = "its header's size or CRC32 does not hold";
    else if (my_lba != lba)
        *why = "its header does not lie at its own MyLBA";
    else if (esize < 128 || esize > SK_GPT_MAX_ENTRY || (esize & (esize - 1)) != 0 ||
             (uint64_t)count * esize > SK_GPT_MAX_ARRAY_BYTES)
        *why = "its entry size or count is out of range";
    else if (sk_mul_u64(array_lba, d->sector, &array_at) != 0)
        *why = "its partition entry array lies outside the disk";
    else {
        int rc = read_entries(d, array_at, count, esize, array_crc, out, why);
        if (rc != 0)
            out->n_parts = out->dropped = 0;
        return rc;
    }
    return SK_ECORRUPT;
}

int sk_gpt_read(const struct sk_gpt_disk *disk, struct sk_gpt *out)
{
    memset(out, 0, sizeof *out);
    const char *why = "its sector size is neither 512 nor 4096";
    if (disk->sector != 512 && disk->sector != MAX_SECTOR) {
        out->problem = why;
        return SK_ECORRUPT;
    }
    if (read_table(disk, 1, out, &why) == 0)
        return 0;
    out->primary_bad = true;
    out->problem = why;
    uint64_t last = disk->size / disk->sector;
    const char *backup_why;
    if (last > 2 && read_table(disk, last - 1, out, &backup_why) == 0) {
        out->backup_used = true;
        return 0;
    }
    return SK_ECORRUPT;
}
