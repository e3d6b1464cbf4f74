/* The GUID Partition Table (UEFI 2.10, 5.3): disk.c reads it behind a
 * protective MBR, in raw images and in VHD/VHDX virtual disks alike. Pure:
 * the disk is read through a callback, nothing is allocated. */
#ifndef SK_GPT_H
#define SK_GPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Partitions kept from one table; used entries past them are counted in
 * sk_gpt.dropped, not read. */
#define SK_GPT_MAX_PARTITIONS 128u
/* The entry array a header may declare: the 128 entries of 128 bytes every
 * tool writes are 16 KiB; more than 1 MiB of entries is refused. */
#define SK_GPT_MAX_ARRAY_BYTES (1024u * 1024u)
/* The largest entry read (the spec allows any 128 * 2^n). */
#define SK_GPT_MAX_ENTRY 1024u

/* Copies n bytes of the disk at byte offset off into buf: 0, or a negative
 * SK_E* code when they are not all there. */
typedef int (*sk_gpt_read_fn)(void *ctx, uint64_t off, uint8_t *buf, size_t n);

struct sk_gpt_disk {
    sk_gpt_read_fn read;
    void *ctx;
    uint64_t size;   /* bytes of the disk */
    uint32_t sector; /* the logical block size, 512 or 4096 */
};

struct sk_gpt_partition {
    uint32_t index; /* 1-based position in the entry array */
    uint64_t first_lba, last_lba;
    uint8_t type[16];
};

struct sk_gpt {
    struct sk_gpt_partition parts[SK_GPT_MAX_PARTITIONS];
    unsigned n_parts;
    unsigned dropped;    /* used entries past SK_GPT_MAX_PARTITIONS */
    bool primary_bad;    /* the header at LBA 1 or its array failed a check */
    bool backup_used;    /* the table came from the backup header */
    const char *problem; /* why the primary (or both) failed, or NULL */
};

/* Reads the table of disk into out: the primary header at LBA 1 with its
 * entry array, else the backup header at the disk's last LBA with its own.
 * A header holds when its signature, size, CRC32, own LBA and entry
 * geometry do and its array's CRC32 matches. Returns 0 (out filled), or
 * SK_ECORRUPT when neither header holds (out->problem says why). Entries
 * are returned as stored: the caller checks their LBAs against the disk. */
int sk_gpt_read(const struct sk_gpt_disk *disk, struct sk_gpt *out);

#endif
